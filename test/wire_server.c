/* A loopback HTTP/1.1 server answering with a transport vtable (see
 * wire_server.h).  Plain POSIX sockets and one thread; the client under test
 * does all the real HTTP work. */
#include "wire_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ensclient/cancel.h"

#define MAX_REQUEST (256 * 1024)
#define MAX_HEADERS 64

struct wire_server {
    wire_options o;
    int listen_fd;
    int wake[2];                /* a pipe: wakes the server thread up */
    struct sockaddr_in addr;
    char url[64];
    pthread_t thread;
    pthread_mutex_t lock;
    bool stalled;               /* the listener's queue is full on purpose */
    int filler;                 /* the connection that fills it, -1 = none */
    bool stopping;
    ens_cancel *cancel;         /* handed to send() as req->cancel */
};

/* ---- the parts of one request ------------------------------------------ */

typedef struct request {
    char buf[MAX_REQUEST + 1];
    size_t len;
    char url[1024];
    ens_http_header headers[MAX_HEADERS];
    size_t header_count;
    const char *body;
    size_t body_len;
} request;

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads more of the request into r; false on EOF, error or a 5 s stall. */
static bool read_more(int fd, request *r)
{
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n;
    if (r->len >= MAX_REQUEST || poll(&p, 1, 5000) <= 0)
        return false;
    n = recv(fd, r->buf + r->len, MAX_REQUEST - r->len, 0);
    if (n <= 0)
        return false;
    r->len += (size_t)n;
    r->buf[r->len] = '\0';
    return true;
}

/* Reads and splits one request: request line, headers (names as sent), body. */
static bool read_request(wire_server *w, int fd, request *r)
{
    char *end, *line, *target, *sp;
    size_t head, want = 0, i;
    while (!(end = strstr(r->buf, "\r\n\r\n")))
        if (!read_more(fd, r))
            return false;
    head = (size_t)(end - r->buf) + 4;
    end[2] = '\0'; /* the head ends with its last line's CRLF */
    line = r->buf;
    sp = strchr(line, ' ');
    if (!sp)
        return false;
    target = sp + 1;
    sp = strchr(target, ' ');
    if (!sp)
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
    while (r->len - head < want)
        if (!read_more(fd, r))
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
    wire_server *w;
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
        bool stopping, gone = false;
        char c;
        pthread_mutex_lock(&wt->w->lock);
        stopping = wt->w->stopping;
        pthread_mutex_unlock(&wt->w->lock);
        if (!stopping && poll(&p, 1, 10) > 0) {
            ssize_t n = recv(wt->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
            if (n > 0) { /* more bytes than one request: not ours to read */
                struct timespec ts = {0, 10000000L};
                nanosleep(&ts, NULL);
            }
        }
        if (stopping || gone) {
            ens_cancel_trigger(wt->w->cancel);
            break;
        }
    }
    return NULL;
}

/* ---- the stalled listener ------------------------------------------------ */

/* Called with the lock held: when the next request is to time out, fills the
 * listener's queue (its backlog is 0: one queued connection fills it) so that
 * the client's connection attempt is never answered. */
static void prepare_next(wire_server *w)
{
    struct pollfd p;
    if (w->stalled || !w->o.stalls_next || !w->o.stalls_next(w->o.ctx))
        return;
    w->filler = socket(AF_INET, SOCK_STREAM, 0);
    if (w->filler < 0 || connect(w->filler, (struct sockaddr *)&w->addr, sizeof(w->addr)) != 0) {
        fprintf(stderr, "wire_server: cannot fill the listener: %s\n", strerror(errno));
        abort();
    }
    p = (struct pollfd){w->listen_fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) { /* queued: the queue is full */
        fprintf(stderr, "wire_server: the filler never reached the queue\n");
        abort();
    }
    w->stalled = true;
}

static void wake(wire_server *w)
{
    char c = 1;
    while (write(w->wake[1], &c, 1) < 0 && errno == EINTR) {
    }
}

/* ---- serving ------------------------------------------------------------ */

static ens_status ask(wire_server *w, const request *r, ens_http_response *resp)
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
    if (send_all(fd, head, off))
        send_all(fd, body, st == ENS_OK ? body_len : body_len / 2);
}

static void serve(wire_server *w, int fd)
{
    request *r = calloc(1, sizeof(*r));
    ens_http_response *resp = NULL;
    watch wt;
    pthread_t th;
    ens_status st;

    if (!r || ens_http_response_new(&resp, 0) != ENS_OK) {
        free(r);
        return;
    }
    if (w->o.tls_garbage) {
        read_more(fd, r); /* the ClientHello, or part of it */
        r->len = 0;
        r->buf[0] = '\0';
        snprintf(r->url, sizeof(r->url), "%s/", w->url);
    } else if (!read_request(w, fd, r)) {
        goto out;
    }
    ens_cancel_reset(w->cancel);
    wt.w = w;
    wt.fd = fd;
    atomic_init(&wt.done, false);
    pthread_create(&th, NULL, watch_main, &wt);
    st = ask(w, r, resp);
    atomic_store(&wt.done, true);
    pthread_join(th, NULL);
    pthread_mutex_lock(&w->lock);
    prepare_next(w); /* before answering: the client moves on at once */
    pthread_mutex_unlock(&w->lock);
    if (w->o.tls_garbage) {
        static const char junk[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        send_all(fd, junk, sizeof(junk) - 1);
    } else {
        answer(fd, st, resp);
    }
out:
    ens_http_response_free(resp);
    free(r);
}

/* Closes a connection without a reset: our answer is sent in full and the
 * client closes first (whatever it still sends, a TLS alert say, is read
 * and dropped), for at most 2 s. */
static void close_gently(int fd)
{
    char sink[4096];
    struct pollfd p = {fd, POLLIN, 0};
    int rounds = 200;
    shutdown(fd, SHUT_WR);
    while (rounds-- > 0 && poll(&p, 1, 10) >= 0) {
        if (p.revents && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) == 0)
            break;
        if (p.revents & (POLLERR | POLLNVAL))
            break;
    }
    close(fd);
}

static void *server_main(void *arg)
{
    wire_server *w = arg;
    for (;;) {
        struct pollfd p[2] = {{w->wake[0], POLLIN, 0}, {w->listen_fd, POLLIN, 0}};
        bool stalled, stopping;
        pthread_mutex_lock(&w->lock);
        stalled = w->stalled;
        stopping = w->stopping;
        pthread_mutex_unlock(&w->lock);
        if (stopping)
            break;
        if (poll(p, stalled ? 1 : 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            char c[16];
            if (read(w->wake[0], c, sizeof(c)) < 0 && errno != EINTR && errno != EAGAIN)
                break;
            continue;
        }
        if (!stalled && p[1].revents) {
            int fd = accept(w->listen_fd, NULL, NULL);
            if (fd >= 0) {
                serve(w, fd);
                close_gently(fd);
            }
        }
    }
    return NULL;
}

/* ---- public ------------------------------------------------------------- */

wire_server *wire_server_start(const wire_options *o)
{
    wire_server *w = calloc(1, sizeof(*w));
    socklen_t alen = sizeof(struct sockaddr_in);
    int one = 1;
    if (!w)
        return NULL;
    w->o = *o;
    w->filler = -1;
    w->addr.sin_family = AF_INET;
    w->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    w->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (w->listen_fd < 0 || setsockopt(w->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(w->listen_fd, (struct sockaddr *)&w->addr, sizeof(w->addr)) != 0 ||
        listen(w->listen_fd, 0) != 0 || /* one queued connection fills it: see prepare_next() */
        getsockname(w->listen_fd, (struct sockaddr *)&w->addr, &alen) != 0 || pipe(w->wake) != 0 ||
        ens_cancel_new(&w->cancel) != ENS_OK) {
        fprintf(stderr, "wire_server: cannot listen: %s\n", strerror(errno));
        abort();
    }
    snprintf(w->url, sizeof(w->url), "%s://127.0.0.1:%u", o->tls_garbage ? "https" : "http",
             (unsigned)ntohs(w->addr.sin_port));
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_lock(&w->lock);
    prepare_next(w);
    pthread_mutex_unlock(&w->lock);
    pthread_create(&w->thread, NULL, server_main, w);
    return w;
}

const char *wire_server_url(const wire_server *w) { return w->url; }

bool wire_server_stalled(wire_server *w)
{
    bool s;
    pthread_mutex_lock(&w->lock);
    s = w->stalled;
    pthread_mutex_unlock(&w->lock);
    return s;
}

void wire_server_release(wire_server *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->stalled) {
        /* The server thread is not accepting now: the queue is ours. */
        int fd = accept(w->listen_fd, NULL, NULL);
        request *r = calloc(1, sizeof(*r));
        ens_http_response *resp = NULL;
        if (fd >= 0)
            close(fd);
        close(w->filler);
        w->filler = -1;
        w->stalled = false;
        if (r && ens_http_response_new(&resp, 0) == ENS_OK) {
            snprintf(r->url, sizeof(r->url), "%s/", w->url);
            ens_cancel_reset(w->cancel);
            (void)ask(w, r, resp); /* the timed-out step happened */
        }
        ens_http_response_free(resp);
        free(r);
        prepare_next(w);
    }
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

void wire_server_stop(wire_server *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_mutex_unlock(&w->lock);
    ens_cancel_trigger(w->cancel);
    wake(w);
    pthread_join(w->thread, NULL);
    if (w->filler >= 0)
        close(w->filler);
    close(w->listen_fd);
    close(w->wake[0]);
    close(w->wake[1]);
    ens_cancel_free(w->cancel);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
