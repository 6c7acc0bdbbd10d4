/* SPDX-License-Identifier: MIT */
/* The transport layer: the response object, the transport object, and the
 * libcurl transport over real loopback sockets against a tiny scripted server
 * started by the test itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/support.h"
#include "transport/curl_xfer.h"
#include "transport/http_response.h"

/* ---- the response object ---- */

static void test_response_object(void **state)
{
    ens_http_response *r = NULL;
    const char *name, *value, *body;
    size_t len;
    (void)state;
    assert_int_equal(ens_http_response_new(&r, 10), ENS_OK);
    assert_int_equal(ens_http_response_status(r), 0);
    assert_int_equal(ens_http_response_set_status(r, 99), ENS_EINVAL);
    assert_int_equal(ens_http_response_set_status(r, 200), ENS_OK);
    assert_int_equal(ens_http_response_add_header(r, "Content-Type", 12, "application/json", 16), ENS_OK);
    assert_int_equal(ens_http_response_add_header(r, "X-Empty", 7, NULL, 0), ENS_OK);
    assert_int_equal(ens_http_response_add_header(r, "", 0, "v", 1), ENS_EINVAL);
    assert_string_equal(ens_http_response_header(r, "content-type"), "application/json");
    assert_string_equal(ens_http_response_header(r, "x-empty"), "");
    assert_null(ens_http_response_header(r, "missing"));
    assert_int_equal(ens_http_response_header_count(r), 2);
    assert_int_equal(ens_http_response_header_at(r, 1, &name, &value), ENS_OK);
    assert_string_equal(name, "X-Empty");
    assert_int_equal(ens_http_response_header_at(r, 2, &name, &value), ENS_EINVAL);

    assert_int_equal(ens_http_response_append_body(r, "01234", 5), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, "56789", 5), ENS_OK);
    /* the cap is 10 bytes: one more is refused and nothing is appended */
    assert_int_equal(ens_http_response_append_body(r, "x", 1), ENS_ETOOLARGE);
    body = ens_http_response_body(r, &len);
    assert_int_equal(len, 10);
    assert_string_equal(body, "0123456789");

    ens_http_response_reset(r);
    assert_int_equal(ens_http_response_status(r), 0);
    assert_int_equal(ens_http_response_header_count(r), 0);
    body = ens_http_response_body(r, &len);
    assert_int_equal(len, 0);
    assert_string_equal(body, "");
    ens_http_response_free(r);
    ens_http_response_free(NULL);
}

/* ---- response body pre-sizing (Content-Length) ---- */

static void test_response_reserve_bounds(void **state)
{
    ens_http_response *r = NULL;
    const char *body;
    size_t len;
    (void)state;

    assert_int_equal(ens_http_response_new(&r, 100), ENS_OK);
    /* over the cap, however large: nothing reserved */
    assert_int_equal(ens__http_response_reserve_body(r, 1ULL << 62), ENS_OK);
    assert_int_equal(ens__http_response_reserve_body(r, ~0ULL), ENS_OK);
    assert_int_equal(ens__http_response_reserve_body(r, 101), ENS_OK);
    assert_true(r->body.cap == 0);
    assert_int_equal(ens__http_response_reserve_body(r, 0), ENS_OK);
    assert_true(r->body.cap == 0);
    /* at the cap: exactly the body and its NUL */
    assert_int_equal(ens__http_response_reserve_body(r, 100), ENS_OK);
    assert_true(r->body.cap == 101);
    body = ens_http_response_body(r, &len);
    assert_int_equal(len, 0);
    assert_string_equal(body, "");
    {
        char chunk[100];
        memset(chunk, 'z', sizeof(chunk));
        assert_int_equal(ens_http_response_append_body(r, chunk, 60), ENS_OK);
        assert_int_equal(ens_http_response_append_body(r, chunk, 40), ENS_OK);
        assert_true(r->body.cap == 101); /* no growth */
        assert_int_equal(ens_http_response_append_body(r, "x", 1), ENS_ETOOLARGE);
    }
    /* a smaller hint never shrinks it */
    assert_int_equal(ens__http_response_reserve_body(r, 10), ENS_OK);
    assert_true(r->body.cap == 101);
    /* reset keeps the storage, empties (and wipes) the body */
    ens_http_response_reset(r);
    assert_true(r->body.cap == 101);
    body = ens_http_response_body(r, &len);
    assert_int_equal(len, 0);
    assert_string_equal(body, "");
    assert_true(r->body.ptr[50] == '\0');
    assert_int_equal(ens_http_response_append_body(r, "abc", 3), ENS_OK);
    assert_string_equal(ens_http_response_body(r, &len), "abc");
    ens_http_response_free(r); /* releases it (valgrind / ASan check) */

    /* no cap: bounded by ENS__BODY_PRESIZE_MAX */
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    assert_int_equal(ens__http_response_reserve_body(r, (unsigned long long)ENS__BODY_PRESIZE_MAX + 1),
                     ENS_OK);
    assert_true(r->body.cap == 0);
    assert_int_equal(ens__http_response_reserve_body(r, 1ULL << 40), ENS_OK);
    assert_true(r->body.cap == 0);
    assert_int_equal(ens__http_response_reserve_body(r, 5000), ENS_OK);
    assert_true(r->body.cap == 5001);
    ens_http_response_free(r);

    /* a cap above ENS__BODY_PRESIZE_MAX: still ENS__BODY_PRESIZE_MAX at most */
    assert_int_equal(ens_http_response_new(&r, ENS__BODY_PRESIZE_MAX * 4), ENS_OK);
    assert_int_equal(ens__http_response_reserve_body(r, (unsigned long long)ENS__BODY_PRESIZE_MAX * 2),
                     ENS_OK);
    assert_true(r->body.cap == 0);
    ens_http_response_free(r);
    assert_int_equal(ens__http_response_reserve_body(NULL, 10), ENS_OK);
}

/* ---- the transport object ---- */

typedef struct fake {
    int sends, destroyed;
} fake;

static ens_status fake_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                            ens_error *err)
{
    fake *f = ctx;
    (void)err;
    f->sends++;
    ens_http_response_set_status(resp, 418);
    return ens_http_response_append_body(resp, req->url, strlen(req->url));
}

static ens_status fake_fail(void *ctx, const ens_http_request *req, ens_http_response *resp,
                            ens_error *err)
{
    (void)ctx;
    (void)req;
    (void)resp;
    (void)err; /* leaves err alone: the library must still describe the failure */
    return ENS_ENETWORK;
}

static void fake_destroy(void *ctx) { ((fake *)ctx)->destroyed++; }

static void test_transport_object(void **state)
{
    static const ens_transport_vtable vt = {ENS_TRANSPORT_VTABLE_VERSION, fake_send, fake_destroy};
    static const ens_transport_vtable vt_fail = {ENS_TRANSPORT_VTABLE_VERSION, fake_fail, NULL};
    static const ens_transport_vtable vt_nosend = {ENS_TRANSPORT_VTABLE_VERSION, NULL, NULL};
    static const ens_transport_vtable vt_future = {ENS_TRANSPORT_VTABLE_VERSION + 1, fake_send, NULL};
    fake f = {0, 0};
    ens_transport *t = NULL;
    ens_http_response *r = NULL;
    ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", "http://x/", NULL, 0, NULL, 0, 0, 0, 0, NULL};
    ens_error err = ENS_ERROR_INIT;
    size_t len;
    (void)state;

    assert_int_equal(ens_transport_new(&t, &vt_nosend, NULL), ENS_EINVAL);
    assert_int_equal(ens_transport_new(&t, &vt_future, NULL), ENS_EINVAL);
    assert_int_equal(ens_transport_new(&t, &vt, &f), ENS_OK);
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    ens_http_response_append_body(r, "stale", 5);
    assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_OK);
    assert_int_equal(ens_http_response_status(r), 418);
    assert_string_equal(ens_http_response_body(r, &len), "http://x/"); /* reset before send */
    assert_int_equal(ens_transport_send(NULL, &req, r, &err), ENS_EINVAL);
    ens_transport_free(t);
    assert_int_equal(f.sends, 1);
    assert_int_equal(f.destroyed, 1);

    assert_int_equal(ens_transport_new(&t, &vt_fail, NULL), ENS_OK);
    assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_ENETWORK);
    assert_int_equal(err.status, ENS_ENETWORK);
    assert_true(strlen(err.description) > 0);
    ens_transport_free(t);
    ens_http_response_free(r);
}

/* ---- a scripted loopback server ---- */

typedef struct script {
    const char *reply; /* sent after reading the request; NULL = never answer */
    size_t reply_len;
    int hold_ms;       /* with reply NULL: keep the connection silent this long */
    int connections;   /* served so far (read after script_stop()) */
    char request[8192];
    unsigned short port;
    ts_http_server *server;
} script;

static void script_serve(void *ctx, int fd, const char *request, size_t len)
{
    script *s = ctx;
    (void)len;
    s->connections++;
    snprintf(s->request, sizeof(s->request), "%s", request);
    if (s->reply)
        ts_send_all(fd, s->reply, s->reply_len);
    else
        ts_sleep_ms(s->hold_ms);
}

static void script_start(script *s)
{
    s->server = ts_http_start(script_serve, s);
    s->port = ts_http_port(s->server);
}

static void script_stop(script *s)
{
    ts_http_stop(s->server);
}

static ens_status curl_exchange(script *s, const char *path, size_t cap, long timeout_ms,
                                ens_http_response *r, ens_error *err)
{
    char url[128];
    static const ens_http_header hdrs[] = {{"x-acs-action", "DescribeNetworkPeerConnections"},
                                           {"authorization", "ACS3-HMAC-SHA256 Credential=k,Signature=f00"},
                                           {"x-empty", ""}};
    ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", url, hdrs, 3, NULL, 0, 2000, timeout_ms, cap, NULL};
    ens_transport *t = NULL;
    ens_status st;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
    st = ens_transport_send(t, &req, r, err);
    ens_transport_free(t);
    return st;
}

static const char ok_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Acs-Request-Id:  abc \r\n"
    "Content-Length: 11\r\nConnection: close\r\n\r\n{\"a\":\"b\"}\r\n";

static void test_curl_exchange(void **state)
{
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t len;
    (void)state;
    s.reply = ok_reply;
    s.reply_len = strlen(ok_reply);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1024), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/?PageSize=10", 1024, 5000, r, &err), ENS_OK);
    assert_int_equal(ens_http_response_status(r), 200);
    assert_string_equal(ens_http_response_header(r, "x-acs-request-id"), "abc");
    assert_string_equal(ens_http_response_body(r, &len), "{\"a\":\"b\"}\r\n");
    /* what went on the wire */
    assert_non_null(strstr(s.request, "POST /?PageSize=10 HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request, "x-acs-action: DescribeNetworkPeerConnections\r\n"));
    assert_non_null(strstr(s.request, "x-empty:\r\n"));
    assert_null(strstr(s.request, "Expect:"));
    assert_null(strstr(s.request, "Content-Type"));
    assert_non_null(strstr(s.request, "Accept-Encoding:"));
    ens_http_response_free(r);
    script_stop(&s);
}

/* The header list is built in the transfer when it fits (16 lines, 2 KiB)
 * and through curl_slist_append() when not: both send every line. */
static void test_curl_header_list_inline_and_not(void **state)
{
    static char long_value[3000];
    char names[20][16], values[20][16], url[128];
    ens_http_header hdrs[20];
    size_t k, i;
    (void)state;
    memset(long_value, 'v', sizeof(long_value) - 1);
    for (i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "x-h%zu", i);
        snprintf(values[i], sizeof(values[i]), "v%zu", i);
        hdrs[i].name = names[i];
        hdrs[i].value = values[i];
    }
    for (k = 0; k < 3; k++) { /* 5 short lines; 20 lines; one 3000-byte line */
        script s = {0};
        ens_http_response *r = NULL;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        size_t n = k == 1 ? 20 : 5;
        ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", url, hdrs, n, NULL, 0, 2000, 5000, 0, NULL};
        hdrs[2].value = k == 2 ? long_value : values[2];
        s.reply = ok_reply;
        s.reply_len = strlen(ok_reply);
        script_start(&s);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
        assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
        assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
        assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_OK);
        for (i = 0; i < n; i++) {
            char line[3100];
            snprintf(line, sizeof(line), "\r\n%s: %s\r\n", hdrs[i].name, hdrs[i].value);
            assert_non_null(strstr(s.request, line));
        }
        assert_null(strstr(s.request, "Expect:"));
        assert_null(strstr(s.request, "Content-Type"));
        ens_transport_free(t);
        ens_http_response_free(r);
        script_stop(&s);
    }
    hdrs[2].value = values[2];
}

static void test_curl_error_status_is_not_a_transport_error(void **state)
{
    static const char reply[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n"
                                "Connection: close\r\n\r\nbusy";
    script s = {0};
    ens_http_response *r = NULL;
    (void)state;
    s.reply = reply;
    s.reply_len = strlen(reply);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1024), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1024, 5000, r, NULL), ENS_OK);
    assert_int_equal(ens_http_response_status(r), 503);
    ens_http_response_free(r);
    script_stop(&s);
}

static void test_curl_size_cap(void **state)
{
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    s.reply = ok_reply;
    s.reply_len = strlen(ok_reply);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 5), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 5, 5000, r, &err), ENS_ETOOLARGE);
    assert_int_equal(err.status, ENS_ETOOLARGE);
    ens_http_response_free(r);
    script_stop(&s);
}

static void test_curl_cap_without_content_length(void **state)
{
    /* no Content-Length: the cap must be enforced while receiving */
    static char reply[64 * 1024];
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    int n;
    (void)state;
    n = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    memset(reply + n, 'a', sizeof(reply) - (size_t)n);
    s.reply = reply;
    s.reply_len = sizeof(reply);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1000), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1000, 5000, r, &err), ENS_ETOOLARGE);
    ens_http_response_free(r);
    script_stop(&s);
}

static void test_curl_timeout(void **state)
{
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    s.reply = NULL;
    s.hold_ms = 1500;
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1000), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1000, 200, r, &err), ENS_ETIMEOUT);
    assert_int_equal(err.status, ENS_ETIMEOUT);
    ens_http_response_free(r);
    script_stop(&s);
}

static void test_curl_refused(void **state)
{
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    /* bind a port, then close it: nothing listens there */
    s.reply = ok_reply;
    s.reply_len = strlen(ok_reply);
    script_start(&s);
    script_stop(&s);
    assert_int_equal(ens_http_response_new(&r, 1000), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1000, 2000, r, &err), ENS_ENETWORK);
    assert_int_equal(err.status, ENS_ENETWORK);
    assert_null(strstr(err.description, "f00")); /* never a header value */
    ens_http_response_free(r);
}

/* ---- over the wire: Content-Length sizing ---- */

static void test_curl_body_sized_from_content_length(void **state)
{
    static const char huge[] = "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n"
                               "Connection: close\r\n\r\n{\"a\":\"b\"}\r\n";
    script s = {0};
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t len;
    (void)state;

    /* exact: the body and its NUL, one allocation */
    s.reply = ok_reply;
    s.reply_len = strlen(ok_reply);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1024), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1024, 5000, r, &err), ENS_OK);
    assert_string_equal(ens_http_response_body(r, &len), "{\"a\":\"b\"}\r\n");
    assert_true(r->body.cap == 12);
    ens_http_response_free(r);
    script_stop(&s);

    /* a length far over the cap: refused, and never pre-allocated */
    memset(&s, 0, sizeof(s));
    s.reply = huge;
    s.reply_len = strlen(huge);
    script_start(&s);
    assert_int_equal(ens_http_response_new(&r, 1024), ENS_OK);
    assert_int_equal(curl_exchange(&s, "/", 1024, 5000, r, &err), ENS_ETOOLARGE);
    assert_true(r->body.cap <= 1025);
    ens_http_response_free(r);
    /* no cap at all: not pre-allocated either (the short body then fails) */
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    assert_int_not_equal(curl_exchange(&s, "/", 0, 5000, r, &err), ENS_OK);
    assert_true(r->body.cap < 4096);
    ens_http_response_free(r);
    script_stop(&s);
}

/* ---- a pooled handle reused after requests with other settings ---- */

#define MULTI_MAX 16

/* Serves connections one after another: for connection k, keeps the request
 * (head and body) in req[k], waits delay_ms[k], sends a reply with an 11-byte
 * body and closes. */
typedef struct multi_script {
    int delay_ms[MULTI_MAX];
    int n;
    char req[MULTI_MAX][4096];
    unsigned short port;
    ts_http_server *server;
} multi_script;

static void multi_serve(void *ctx, int fd, const char *request, size_t len)
{
    static const char reply[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"a\":\"b\"}\r\n";
    multi_script *m = ctx;
    (void)len;
    if (m->n >= MULTI_MAX)
        return;
    snprintf(m->req[m->n], sizeof(m->req[0]), "%s", request);
    ts_sleep_ms(m->delay_ms[m->n]);
    m->n++;
    ts_send_all(fd, reply, strlen(reply));
}

static void multi_start(multi_script *m)
{
    m->server = ts_http_start(multi_serve, m);
    m->port = ts_http_port(m->server);
}

static void multi_stop(multi_script *m)
{
    ts_http_stop(m->server);
}

static ens_status multi_send(ens_transport *t, multi_script *m, const char *method, const void *body,
                             size_t body_len, long timeout_ms, size_t cap, const ens_cancel *cancel,
                             ens_http_response *r, ens_error *err)
{
    static const ens_http_header hdrs[] = {{"x-acs-action", "DescribeNetworkPeerConnections"}};
    char url[128];
    ens_http_request req = {ENS_HTTP_REQUEST_VERSION, method, url, hdrs, 1, body, body_len,
                            timeout_ms ? 2000 : 0, timeout_ms, cap, cancel};
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/p?x=1", m->port);
    return ens_transport_send(t, &req, r, err);
}

static void test_curl_pooled_handle_behaves_as_fresh(void **state)
{
    multi_script m;
    ens_transport *t = NULL, *fresh = NULL;
    ens_http_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_cancel *cancel = NULL;
    size_t len;
    int k;
    (void)state;

    memset(&m, 0, sizeof(m));
    m.delay_ms[7] = 600; /* the request after one with a 300 ms timeout must not inherit it */
    multi_start(&m);
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
    assert_int_equal(ens_transport_curl_new(&fresh, NULL), ENS_OK);

    /* 0: reference, a plain POST on a new transport (a fresh handle) */
    assert_int_equal(multi_send(fresh, &m, "POST", NULL, 0, 0, 0, NULL, r, &err), ENS_OK);
    /* 1: on t, with a body, a cancel object, timeouts and a cap */
    assert_int_equal(ens_cancel_new(&cancel), ENS_OK);
    assert_int_equal(multi_send(t, &m, "POST", "{\"b\":2}", 7, 3000, 1024, cancel, r, &err), ENS_OK);
    ens_cancel_free(cancel); /* the handle must not keep using it */
    cancel = NULL;
    /* 2: a custom method with a body (the server numbers requests from 0) */
    assert_int_equal(multi_send(t, &m, "DELETE", "gone", 4, 0, 0, NULL, r, &err), ENS_OK);
    /* 3: a GET after it: no custom method, no body left over */
    assert_int_equal(multi_send(t, &m, "GET", NULL, 0, 0, 0, NULL, r, &err), ENS_OK);
    /* 4 and 5: a custom method without a body after a POST body */
    assert_int_equal(multi_send(t, &m, "POST", "xyz", 3, 0, 0, NULL, r, &err), ENS_OK);
    assert_int_equal(multi_send(t, &m, "PATCH", NULL, 0, 0, 0, NULL, r, &err), ENS_OK);
    /* 6 and 7: a short timeout, then none against a slow reply */
    assert_int_equal(multi_send(t, &m, "GET", NULL, 0, 300, 0, NULL, r, &err), ENS_OK);
    assert_int_equal(multi_send(t, &m, "POST", NULL, 0, 0, 0, NULL, r, &err), ENS_OK);
    assert_string_equal(ens_http_response_body(r, &len), "{\"a\":\"b\"}\r\n");
    /* 8: a cap of 5 refuses the 11-byte body; the calls after it have none */
    assert_int_equal(multi_send(t, &m, "POST", NULL, 0, 0, 5, NULL, r, &err), ENS_ETOOLARGE);

    /* canceled (the server may or may not see a connection), then the same
       handle without a cancel object */
    assert_int_equal(ens_cancel_new(&cancel), ENS_OK);
    ens_cancel_trigger(cancel);
    assert_int_equal(multi_send(t, &m, "POST", NULL, 0, 0, 0, cancel, r, &err), ENS_ECANCELED);
    ens_cancel_free(cancel);
    assert_int_equal(multi_send(t, &m, "POST", NULL, 0, 0, 0, NULL, r, &err), ENS_OK);
    assert_string_equal(ens_http_response_body(r, &len), "{\"a\":\"b\"}\r\n");

    ens_transport_free(t);
    ens_transport_free(fresh);
    ens_http_response_free(r);
    multi_stop(&m);

    /* what went on the wire */
    for (k = 0; k < m.n; k++)
        assert_null(strstr(m.req[k], "Expect:"));
    assert_non_null(strstr(m.req[1], "POST /p?x=1 HTTP/1.1\r\n"));
    assert_non_null(strstr(m.req[1], "Content-Length: 7\r\n"));
    assert_non_null(strstr(m.req[1], "{\"b\":2}"));
    assert_non_null(strstr(m.req[2], "DELETE /p?x=1 HTTP/1.1\r\n"));
    assert_non_null(strstr(m.req[2], "Content-Length: 4\r\n"));
    assert_non_null(strstr(m.req[3], "GET /p?x=1 HTTP/1.1\r\n"));
    assert_null(strstr(m.req[3], "Content-Length"));
    assert_null(strstr(m.req[3], "gone"));
    assert_non_null(strstr(m.req[5], "PATCH /p?x=1 HTTP/1.1\r\n"));
    assert_null(strstr(m.req[5], "Content-Length"));
    assert_null(strstr(m.req[5], "xyz"));
    assert_non_null(strstr(m.req[6], "GET /p?x=1 HTTP/1.1\r\n"));
    /* 7: the plain POST on the reused handle is byte for byte the fresh one's */
    assert_string_equal(m.req[7], m.req[0]);
    assert_string_equal(m.req[8], m.req[0]); /* (the capped one) */
    assert_string_equal(m.req[m.n - 1], m.req[0]);
}

static void test_curl_options(void **state)
{
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    /* a version-1 caller: its struct ends before ignore_environment_proxies */
    ens_curl_transport_options v1 = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.proxy = "http://127.0.0.1:1";
    o.ca_file = ENS_TLS_DIR "/ca.pem";
    o.user_agent = "x";
    o.ignore_environment_proxies = true;
    assert_int_equal(ens_transport_curl_new(&t, &o), ENS_OK);
    ens_transport_free(t);
    t = NULL;
    assert_int_equal(ens_transport_curl_new_ex(&t, &o, &err), ENS_OK);
    ens_transport_free(t);
    t = NULL;
    v1.version = 1;
    v1.proxy = "http://127.0.0.1:1";
    assert_int_equal(ens_transport_curl_new_ex(&t, &v1, &err), ENS_OK);
    ens_transport_free(t);
    t = NULL;
    o.version = 0;
    assert_int_equal(ens_transport_curl_new(&t, &o), ENS_EINVAL);
    assert_int_equal(ens_transport_curl_new_ex(&t, &o, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_non_null(strstr(err.description, "version"));
    o.version = ENS_CURL_TRANSPORT_OPTIONS_VERSION + 1;
    assert_int_equal(ens_transport_curl_new_ex(&t, &o, NULL), ENS_EINVAL);
    assert_null(t);
    assert_int_equal(ens_transport_curl_new(NULL, NULL), ENS_EINVAL);
    assert_int_equal(ens_transport_curl_new_ex(NULL, NULL, &err), ENS_EINVAL);
}

/* ---- the CA file is checked when the transport is made ---- */

static void expect_bad_ca(const char *path, const char *why)
{
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    o.ca_file = path;
    assert_int_equal(ens_transport_curl_new(&t, &o), ENS_EINVAL);
    assert_int_equal(ens_transport_curl_new_ex(&t, &o, &err), ENS_EINVAL);
    assert_null(t);
    assert_int_equal(err.status, ENS_EINVAL);
    if (!strstr(err.description, "ca_file") || !strstr(err.description, path) ||
        !strstr(err.description, why) || !strstr(err.description, "PEM file"))
        fail_msg("%s: %s", path, err.description);
}

static void test_curl_ca_file_checked_at_creation(void **state)
{
    char dir[512], path[600], fifo[600];
    (void)state;
    ts_tmpdir(dir, sizeof(dir), "ens-ca");
    snprintf(path, sizeof(path), "%s/missing.pem", dir);
    expect_bad_ca(path, "does not exist");
    snprintf(path, sizeof(path), "%s/nodir/ca.pem", dir);
    expect_bad_ca(path, "does not exist");
    expect_bad_ca(dir, "a directory");
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_bad_ca(fifo, "not a regular file"); /* and never blocks opening it */
    snprintf(path, sizeof(path), "%s/secret.pem", dir);
    ts_write_file(path, "not read");
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) /* root reads it anyway */
        expect_bad_ca(path, "cannot be read");
    {
        ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        o.ca_file = "";
        assert_int_equal(ens_transport_curl_new_ex(&t, &o, &err), ENS_EINVAL);
        assert_non_null(strstr(err.description, "ca_file is empty"));
    }
    ts_rm_rf(dir);
}

/* ---- statuses that say what happened ---- */

static ens_status scripted_send(script *s, const char *reply, size_t reply_len, const char *url,
                                ens_error *err)
{
    ens_http_response *r = NULL;
    ens_status st;
    s->reply = reply;
    s->reply_len = reply_len;
    script_start(s);
    assert_int_equal(ens_http_response_new(&r, 1 << 20), ENS_OK);
    if (url) {
        ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", url, NULL, 0, NULL, 0, 2000, 5000, 1 << 20, NULL};
        ens_transport *t = NULL;
        assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
        st = ens_transport_send(t, &req, r, err);
        ens_transport_free(t);
    } else {
        st = curl_exchange(s, "/", 1 << 20, 5000, r, err);
    }
    ens_http_response_free(r);
    script_stop(s);
    return st;
}

static void test_curl_header_line_over_libcurl_limit(void **state)
{
    /* libcurl refuses a header line over 100 KiB and calls it out of memory */
    static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
    static const char tail[] = "\r\nContent-Length: 2\r\n\r\nok";
    size_t n = 1024 * 1024, len = sizeof(head) - 1 + n + sizeof(tail) - 1;
    char *reply = malloc(len);
    script s = {0};
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_non_null(reply);
    memcpy(reply, head, sizeof(head) - 1);
    memset(reply + sizeof(head) - 1, 'a', n);
    memcpy(reply + sizeof(head) - 1 + n, tail, sizeof(tail) - 1);
    assert_int_equal(scripted_send(&s, reply, len, NULL, &err), ENS_ETOOLARGE);
    assert_int_equal(err.status, ENS_ETOOLARGE);
    assert_non_null(strstr(err.description, "header line"));
    assert_null(strstr(err.description, "body"));
    /* the same for a status line that never ends */
    memcpy(reply, "HTTP/1.1 200 ", 13);
    memset(reply + 13, 'b', len - 13);
    memset(&s, 0, sizeof(s));
    assert_int_equal(scripted_send(&s, reply, len, NULL, &err), ENS_ETOOLARGE);
    assert_non_null(strstr(err.description, "header line"));
    free(reply);
}

static void test_curl_headers_over_cap(void **state)
{
    /* 200 lines of 1000 bytes: each within libcurl's limit, together over 64 KiB */
    static char reply[256 * 1024];
    script s = {0};
    ens_error err = ENS_ERROR_INIT;
    size_t n = 0;
    int i;
    (void)state;
    n += (size_t)snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\n");
    for (i = 0; i < 200; i++) {
        n += (size_t)snprintf(reply + n, sizeof(reply) - n, "X-Pad-%d: ", i);
        memset(reply + n, 'p', 990);
        n += 990;
        memcpy(reply + n, "\r\n", 2);
        n += 2;
    }
    n += (size_t)snprintf(reply + n, sizeof(reply) - n, "Content-Length: 2\r\n\r\nok");
    assert_int_equal(scripted_send(&s, reply, n, NULL, &err), ENS_ETOOLARGE);
    assert_non_null(strstr(err.description, "headers exceed 65536 bytes"));
    assert_null(strstr(err.description, "body"));
}

static void test_curl_reply_not_http(void **state)
{
    /* no status line: HTTP/0.9 (libcurl refuses it), or another protocol */
    static const char http09[] = "<html>hello</html>\r\n\r\n";
    static const char tls_alert[] = "\x15\x03\x03\x00\x02\x02\x46";
    script s = {0};
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(scripted_send(&s, http09, strlen(http09), NULL, &err), ENS_ENETWORK);
    assert_int_equal(err.status, ENS_ENETWORK);
    assert_non_null(strstr(err.description, "not HTTP"));
    memset(&s, 0, sizeof(s));
    assert_int_equal(scripted_send(&s, tls_alert, sizeof(tls_alert) - 1, NULL, &err), ENS_ENETWORK);
    assert_non_null(strstr(err.description, "not HTTP"));
}

static void test_curl_request_too_long(void **state)
{
    /* a URL libcurl cannot send (its request buffer is capped at 1 MiB):
       refused before anything is sent, never as "out of memory" */
    const size_t lengths[] = {2u * 1024 * 1024, ENS__REQUEST_HEAD_MAX};
    char *url = malloc(lengths[0] + 64);
    size_t k;
    (void)state;
    assert_non_null(url);
    for (k = 0; k < 2; k++) {
        script s = {0};
        ens_http_response *r = NULL;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", url, NULL, 0, NULL, 0, 2000, 5000, 0, NULL};
        int m;
        s.reply = ok_reply;
        s.reply_len = strlen(ok_reply);
        script_start(&s);
        m = snprintf(url, 64, "http://127.0.0.1:%u/?InstanceId=", s.port);
        memset(url + m, 'i', lengths[k]);
        url[(size_t)m + lengths[k]] = '\0';
        assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
        assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
        assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_EINVAL);
        assert_int_equal(err.status, ENS_EINVAL);
        assert_non_null(strstr(err.description, "too long to send"));
        /* the same transport still sends a normal request */
        snprintf(url, 64, "http://127.0.0.1:%u/?InstanceId=i", s.port);
        assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_OK);
        ens_transport_free(t);
        ens_http_response_free(r);
        script_stop(&s);
        assert_int_equal(s.connections, 1);
    }
    free(url);
}

/* ---- what the transport must refuse to do ---- */

static void test_curl_redirects_not_followed(void **state)
{
    static const char *const codes[] = {"302 Found", "307 Temporary Redirect", "301 Moved", "308 Permanent Redirect"};
    char reply[256];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        script other = {0}, s = {0};
        ens_http_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        other.reply = ok_reply;
        other.reply_len = strlen(ok_reply);
        script_start(&other);
        snprintf(reply, sizeof(reply),
                 "HTTP/1.1 %s\r\nLocation: http://127.0.0.1:%u/stolen\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n", codes[i], other.port);
        s.reply = reply;
        s.reply_len = strlen(reply);
        script_start(&s);
        assert_int_equal(ens_http_response_new(&r, 1024), ENS_OK);
        /* the 3xx is the answer, as it is */
        assert_int_equal(curl_exchange(&s, "/", 1024, 5000, r, &err), ENS_OK);
        assert_int_equal(ens_http_response_status(r), atoi(codes[i]));
        ens_http_response_free(r);
        script_stop(&s);
        script_stop(&other);
        assert_int_equal(s.connections, 1);
        if (other.connections != 0)
            fail_msg("%s was followed: the other port received %d connection(s)", codes[i],
                     other.connections);
    }
}

static void test_curl_only_http_and_https(void **state)
{
    char dir[512], file[600], url[700];
    const char *schemes[] = {"ftp", "dict", "gopher", "telnet", "imap", "smtp", "rtsp", "mqtt"};
    size_t i;
    (void)state;
    /* another protocol to a listening port: refused, the port sees nothing */
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        script other = {0};
        ens_http_response *r = NULL;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "GET", url, NULL, 0, NULL, 0, 1000, 1500, 0, NULL};
        other.reply = ok_reply;
        other.reply_len = strlen(ok_reply);
        script_start(&other);
        snprintf(url, sizeof(url), "%s://127.0.0.1:%u/x", schemes[i], other.port);
        assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
        assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
        assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_EINVAL);
        assert_non_null(strstr(err.description, "only http:// and https://"));
        ens_transport_free(t);
        ens_http_response_free(r);
        script_stop(&other);
        if (other.connections != 0)
            fail_msg("%s:// reached the port", schemes[i]);
    }
    /* a local file is not read */
    ts_tmpdir(dir, sizeof(dir), "ens-proto");
    snprintf(file, sizeof(file), "%s/f.json", dir);
    ts_write_file(file, "{\"from\":\"file\"}");
    snprintf(url, sizeof(url), "file://%s", file);
    {
        ens_http_response *r = NULL;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "GET", url, NULL, 0, NULL, 0, 1000, 1500, 0, NULL};
        size_t len;
        assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
        assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
        assert_int_equal(ens_transport_send(t, &req, r, &err), ENS_EINVAL);
        assert_null(strstr(ens_http_response_body(r, &len), "file"));
        ens_transport_free(t);
        ens_http_response_free(r);
    }
    ts_rm_rf(dir);
}

/* ---- plain http only to an address of this machine ---- */

static void test_plain_http_needs_a_loopback_address(void **state)
{
    /* decided on the parsed address: "127.0.0.1.5" is a name for DNS */
    static const char *const refused[] = {"http://127.0.0.1.5:8080", "http://127.1:8080",
                                          "http://0x7f.0.0.1:8080", "http://127.0.0.1.example.com",
                                          "http://localhost.example:80", "http://[::2]:80"};
    static const char *const allowed[] = {"http://127.0.0.1:8080", "http://127.9.8.7",
                                          "http://[::1]:8080", "http://[0:0::1]", "http://LOCALHOST:1"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]) + sizeof(allowed) / sizeof(allowed[0]); i++) {
        bool ok = i >= sizeof(refused) / sizeof(refused[0]);
        const char *url = ok ? allowed[i - sizeof(refused) / sizeof(refused[0])] : refused[i];
        ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
        ens_client *c = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "k", "s", NULL), ENS_OK);
        o.endpoint = url;
        st = ens_client_new(&c, &o, &err);
        if (ok ? st != ENS_OK : st != ENS_EINVAL || !strstr(err.description, "allow_insecure_http"))
            fail_msg("%s: %s (%s)", url, ens_strerror(st), err.description);
        ens_client_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_object),
        cmocka_unit_test(test_transport_object),
        cmocka_unit_test(test_curl_exchange),
        cmocka_unit_test(test_curl_header_list_inline_and_not),
        cmocka_unit_test(test_curl_error_status_is_not_a_transport_error),
        cmocka_unit_test(test_curl_size_cap),
        cmocka_unit_test(test_curl_cap_without_content_length),
        cmocka_unit_test(test_curl_timeout),
        cmocka_unit_test(test_curl_refused),
        cmocka_unit_test(test_curl_options),
        cmocka_unit_test(test_response_reserve_bounds),
        cmocka_unit_test(test_curl_body_sized_from_content_length),
        cmocka_unit_test(test_curl_pooled_handle_behaves_as_fresh),
        cmocka_unit_test(test_curl_ca_file_checked_at_creation),
        cmocka_unit_test(test_curl_header_line_over_libcurl_limit),
        cmocka_unit_test(test_curl_headers_over_cap),
        cmocka_unit_test(test_curl_reply_not_http),
        cmocka_unit_test(test_curl_request_too_long),
        cmocka_unit_test(test_curl_redirects_not_followed),
        cmocka_unit_test(test_curl_only_http_and_https),
        cmocka_unit_test(test_plain_http_needs_a_loopback_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
