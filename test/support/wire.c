/* SPDX-License-Identifier: MIT */
/* A loopback server answering with a transport vtable (support.h, "a
 * loopback server that answers as a transport would"), built on the
 * loopback server of loopback.c.  The client under test does all the real
 * HTTP work. */
#include "support.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MAX_HEADERS 64

struct ts_wire {
    ts_wire_options o;
    ts_http_server *http;
    char url[64];
    atomic_bool stopping;
    ens_cancel *cancel; /* handed to send() as req->cancel */
};

/* One request, split: request line, headers (names as sent), body. */
typedef struct request {
    char *buf; /* a copy of what was read, cut into pieces */
    char url[1024];
    ens_http_header headers[MAX_HEADERS];
    size_t header_count;
    const char *body;
    size_t body_len;
} request;

static bool split(const ts_wire *w, request *r)
{
    char *end, *line, *target, *sp;
    size_t head, want = 0, i, len = strlen(r->buf);
    if (!(end = strstr(r->buf, "\r\n\r\n")))
        return false;
    head = (size_t)(end - r->buf) + 4;
    end[2] = '\0'; /* the head ends with its last line's CRLF */
    line = r->buf;
    if (!(sp = strchr(line, ' ')))
        return false;
    target = sp + 1;
    if (!(sp = strchr(target, ' ')))
        return false;
    *sp = '\0';
    snprintf(r->url, sizeof(r->url), "%s%s", w->url, target);
    line = strstr(sp + 1, "\r\n") + 2;
    while (*line) {
        char *eol = strstr(line, "\r\n"), *colon;
        *eol = '\0';
        colon = strchr(line, ':');
        if (colon && r->header_count < MAX_HEADERS) {
            char *v = colon + 1;
            *colon = '\0';
            while (*v == ' ')
                v++;
            r->headers[r->header_count].name = line;
            r->headers[r->header_count].value = v;
            r->header_count++;
            if (strcasecmp(line, "content-length") == 0)
                want = (size_t)strtoul(v, NULL, 10);
        }
        line = eol + 2;
    }
    if (len - head < want)
        return false;
    r->body = r->buf + head;
    r->body_len = want;
    for (i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, "expect") == 0)
            return false; /* the library never sends one */
    return true;
}

/* ---- the hang-up watcher ------------------------------------------------ */

typedef struct watch {
    ts_wire *w;
    int fd;
    atomic_bool done;
} watch;

/* Triggers the request's cancel token once the client hangs up or the
 * server stops, so that a scripted delay ends with the client's attempt. */
static void *watch_main(void *arg)
{
    watch *wt = arg;
    while (!atomic_load(&wt->done)) {
        struct pollfd p = {wt->fd, POLLIN, 0};
        bool stopping = atomic_load(&wt->w->stopping), gone = false;
        char c;
        if (!stopping && poll(&p, 1, 10) > 0) {
            ssize_t n = recv(wt->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
            if (n > 0) /* more bytes than one request: not ours to read */
                ts_sleep_ms(10);
        }
        if (stopping || gone) {
            ens_cancel_trigger(wt->w->cancel);
            break;
        }
    }
    return NULL;
}

/* ---- answering ---------------------------------------------------------- */

static ens_status ask(ts_wire *w, const request *r, ens_http_response *resp)
{
    ens_http_request req;
    ens_error err = ENS_ERROR_INIT;
    memset(&req, 0, sizeof(req));
    req.version = ENS_HTTP_REQUEST_VERSION;
    req.method = "POST";
    req.url = r->url;
    req.headers = r->headers;
    req.header_count = r->header_count;
    req.body = r->body;
    req.body_len = r->body_len;
    req.cancel = w->cancel;
    return w->o.vt->send(w->o.ctx, &req, resp, &err);
}

static void answer(int fd, ens_status st, const ens_http_response *resp)
{
    char head[4096];
    size_t off = 0, i, body_len;
    const char *body = ens_http_response_body(resp, &body_len);
    long status = ens_http_response_status(resp);
    if (status == 0)
        return; /* a failure before any answer: close without a byte */
    off += (size_t)snprintf(head + off, sizeof(head) - off, "HTTP/1.1 %ld Scripted\r\n", status);
    for (i = 0; i < ens_http_response_header_count(resp); i++) {
        const char *name, *value;
        ens_http_response_header_at(resp, i, &name, &value);
        off += (size_t)snprintf(head + off, sizeof(head) - off, "%s: %s\r\n", name, value);
    }
    off += (size_t)snprintf(head + off, sizeof(head) - off,
                            "Content-Type: application/json\r\nConnection: close\r\n"
                            "Content-Length: %zu\r\n\r\n",
                            st == ENS_OK ? body_len : body_len + 100);
    if (ts_send_all(fd, head, off))
        ts_send_all(fd, body, st == ENS_OK ? body_len : body_len / 2);
}

static void serve(void *ctx, int fd, const char *text, size_t len)
{
    ts_wire *w = ctx;
    request *r = calloc(1, sizeof(*r));
    ens_http_response *resp = NULL;
    watch wt;
    pthread_t th;
    ens_status st;

    if (!r || !(r->buf = malloc(len + 1)) || ens_http_response_new(&resp, 0) != ENS_OK)
        goto out;
    memcpy(r->buf, text, len + 1);
    if (w->o.tls_garbage) /* the ClientHello, or part of it: an empty request */
        snprintf(r->url, sizeof(r->url), "%s/", w->url);
    else if (!split(w, r))
        goto out;
    ens_cancel_reset(w->cancel);
    wt.w = w;
    wt.fd = fd;
    atomic_init(&wt.done, false);
    pthread_create(&th, NULL, watch_main, &wt);
    st = ask(w, r, resp);
    atomic_store(&wt.done, true);
    pthread_join(th, NULL);
    ts_http_stall_if_due(w->http); /* before answering: the client moves on at once */
    if (w->o.tls_garbage) {
        static const char junk[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        ts_send_all(fd, junk, sizeof(junk) - 1);
    } else {
        answer(fd, st, resp);
    }
out:
    ens_http_response_free(resp);
    if (r)
        free(r->buf);
    free(r);
}

/* The step that was to time out happened: send() sees an empty request. */
static void consume_stalled_step(void *ctx)
{
    ts_wire *w = ctx;
    request r;
    ens_http_response *resp = NULL;
    memset(&r, 0, sizeof(r));
    snprintf(r.url, sizeof(r.url), "%s/", w->url);
    if (ens_http_response_new(&resp, 0) == ENS_OK) {
        ens_cancel_reset(w->cancel);
        (void)ask(w, &r, resp);
    }
    ens_http_response_free(resp);
}

static bool stalls_next(void *ctx)
{
    ts_wire *w = ctx;
    return w->o.stalls_next && w->o.stalls_next(w->o.ctx);
}

/* ---- public -------------------------------------------------------------- */

ts_wire *ts_wire_start(const ts_wire_options *o)
{
    ts_wire *w = calloc(1, sizeof(*w));
    ts_http_options ho = {0};
    assert_non_null(w);
    w->o = *o;
    atomic_init(&w->stopping, false);
    assert_int_equal(ens_cancel_new(&w->cancel), ENS_OK);
    ho.handler = serve;
    ho.ctx = w;
    ho.stalls_next = o->stalls_next ? stalls_next : NULL;
    ho.stall_released = consume_stalled_step;
    ho.first_read_only = o->tls_garbage;
    ho.linger_ms = 2000;
    /* (no client can connect before it is told the URL set below) */
    w->http = ts_http_start_ex(&ho);
    snprintf(w->url, sizeof(w->url), "%s://127.0.0.1:%u", o->tls_garbage ? "https" : "http",
             (unsigned)ts_http_port(w->http));
    return w;
}

const char *ts_wire_url(const ts_wire *w) { return w->url; }

bool ts_wire_stalled(ts_wire *w) { return ts_http_stalled(w->http); }

void ts_wire_release(ts_wire *w) { ts_http_release(w->http); }

void ts_wire_stop(ts_wire *w)
{
    if (!w)
        return;
    atomic_store(&w->stopping, true);
    ens_cancel_trigger(w->cancel);
    ts_http_stop(w->http);
    ens_cancel_free(w->cancel);
    free(w);
}
