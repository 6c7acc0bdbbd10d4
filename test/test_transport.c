/* The transport layer: the response object, the transport object, and the
 * libcurl transport over real loopback sockets against a tiny scripted server
 * started by the test itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ensclient/ensclient.h"

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
    int listen_fd;
    unsigned short port;
    const char *reply; /* sent after reading the request head; NULL = never answer */
    size_t reply_len;
    int hold_ms;       /* with reply NULL: keep the connection silent this long */
    int connections;
    char request[8192];
    pthread_t thread;
} script;

static void *serve(void *arg)
{
    script *s = arg;
    for (;;) {
        int fd = accept(s->listen_fd, NULL, NULL);
        size_t got = 0;
        if (fd < 0)
            return NULL;
        s->connections++;
        while (got < sizeof(s->request) - 1) {
            ssize_t n = recv(fd, s->request + got, sizeof(s->request) - 1 - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            s->request[got] = '\0';
            if (strstr(s->request, "\r\n\r\n"))
                break;
        }
        if (s->reply) {
            size_t off = 0;
            while (off < s->reply_len) {
                ssize_t n = send(fd, s->reply + off, s->reply_len - off, MSG_NOSIGNAL);
                if (n <= 0)
                    break;
                off += (size_t)n;
            }
        } else {
            struct timespec ts = {s->hold_ms / 1000, (long)(s->hold_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        close(fd);
    }
}

static void script_start(script *s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int one = 1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->listen_fd >= 0);
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->listen_fd, 8), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &alen), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void script_stop(script *s)
{
    shutdown(s->listen_fd, SHUT_RDWR);
    close(s->listen_fd);
    pthread_join(s->thread, NULL);
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

static void test_curl_options(void **state)
{
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_transport *t = NULL;
    (void)state;
    o.proxy = "http://127.0.0.1:1";
    o.ca_file = "/nonexistent";
    o.user_agent = "x";
    assert_int_equal(ens_transport_curl_new(&t, &o), ENS_OK);
    ens_transport_free(t);
    o.version = 0;
    assert_int_equal(ens_transport_curl_new(&t, &o), ENS_EINVAL);
    assert_int_equal(ens_transport_curl_new(NULL, NULL), ENS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_object),
        cmocka_unit_test(test_transport_object),
        cmocka_unit_test(test_curl_exchange),
        cmocka_unit_test(test_curl_error_status_is_not_a_transport_error),
        cmocka_unit_test(test_curl_size_cap),
        cmocka_unit_test(test_curl_cap_without_content_length),
        cmocka_unit_test(test_curl_timeout),
        cmocka_unit_test(test_curl_refused),
        cmocka_unit_test(test_curl_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
