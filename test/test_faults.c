/* SPDX-License-Identifier: MIT */
/* The fault matrix: each way a network or a server can misbehave, over real
 * loopback sockets through the libcurl transport, ends in its documented
 * status; after each, the same client still works.  (Leaks: this test runs
 * under AddressSanitizer and valgrind in CI.)  docs/faults.md holds the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"

/* Cases list only the fields that matter to them. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct fault_case {
    const char *name;
    ensmock_faults faults;
    unsigned max_attempts;
    long timeout_ms;
    size_t cap;
    ens_status expect;
    unsigned expect_attempts; /* 0 = do not check */
} fault_case;

static char *big_string_body(size_t n)
{
    static const char head[] = "{\"RequestId\":\"BIG\",\"PageNumber\":\"1\",\"PageSize\":\"10\","
                               "\"TotalCount\":\"1\",\"NetworkPeerConnects\":[{\"InstanceId\":\"pcc-big\",\"Name\":\"";
    static const char tail[] = "\"}]}";
    char *b = malloc(sizeof(head) + n + sizeof(tail));
    assert_non_null(b);
    memcpy(b, head, sizeof(head) - 1);
    memset(b + sizeof(head) - 1, 'n', n);
    memcpy(b + sizeof(head) - 1 + n, tail, sizeof(tail));
    return b;
}

static char *nested_body(size_t depth)
{
    static const char head[] = "{\"RequestId\":\"DEEP\",\"Unknown\":";
    size_t i, off = sizeof(head) - 1;
    char *b = malloc(sizeof(head) + 2 * depth + 2);
    assert_non_null(b);
    memcpy(b, head, off);
    for (i = 0; i < depth; i++)
        b[off++] = '[';
    for (i = 0; i < depth; i++)
        b[off++] = ']';
    b[off++] = '}';
    b[off] = '\0';
    return b;
}

static ens_describe_response *call(ensmock_server *srv, ens_client *c, ens_status expect,
                                   unsigned expect_attempts, const char *name)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = ens_describe_peer_connections(c, &req, &resp, &err);
    (void)srv;
    if (st != expect)
        fail_msg("%s: expected %s, got %s (%s)", name, ens_strerror(expect), ens_strerror(st),
                 err.description);
    if (st != ENS_OK) {
        assert_null(resp);
        assert_int_equal(err.status, st);
        assert_true(strlen(err.description) > 0);
        if (expect_attempts && err.attempts != expect_attempts)
            fail_msg("%s: %u attempts, expected %u", name, err.attempts, expect_attempts);
    }
    return resp;
}

static void run_case(ensmock_server *srv, const fault_case *fc)
{
    ts_client_options o = {.max_attempts = fc->max_attempts ? fc->max_attempts : 1,
                           .retry_base_delay_ms = 5,
                           .retry_max_delay_ms = 20,
                           .timeout_ms = fc->timeout_ms ? fc->timeout_ms : 60000,
                           .max_response_bytes = fc->cap};
    ens_client *c = ts_mock_client(srv, &o);
    ens_describe_response *resp;

    assert_int_equal(ensmock_set_faults(srv, &fc->faults), ENSMOCK_OK);
    resp = call(srv, c, fc->expect, fc->expect_attempts, fc->name);
    ens_describe_response_free(resp);

    /* the same client serves the next call once the fault is gone */
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
    resp = call(srv, c, ENS_OK, 0, fc->name);
    assert_true(resp->connections_count > 0);
    ens_describe_response_free(resp);
    ens_client_free(c);
}

static void test_matrix(void **state)
{
    ensmock_server *srv;
    char *ten_mb = big_string_body(10u * 1024 * 1024);
    char *deep = nested_body(100000);
    size_t i;
    const fault_case cases[] = {
        {"throttled, then served", {.throttle_first_n = 2}, 3, 0, 0, ENS_OK},
        {"throttled past the attempts", {.throttle_first_n = 5}, 3, 0, 0, ENS_ESERVICE, 3},
        {"503, then served", {.unavailable_first_n = 2}, 3, 0, 0, ENS_OK},
        {"dropped before the headers", {.drop_connection = true}, 1, 0, 0, ENS_ENETWORK, 1},
        {"dropped before the headers, retried", {.drop_connection = true}, 3, 0, 0, ENS_ENETWORK, 3},
        {"dropped after the headers (not retried)", {.drop_after_headers = true}, 3, 0, 0, ENS_ENETWORK, 1},
        {"reply slower than the deadline", {.delay_ms = 3000}, 3, 400, 0, ENS_ETIMEOUT},
        {"truncated body", {.truncate_body = true}, 3, 0, 0, ENS_ENETWORK, 1},
        {"malformed JSON", {.raw_body = "{\"RequestId\":\"X\",\"NetworkPeerConnects\":[{\"Name\":"}, 3, 0, 0, ENS_EPARSE, 1},
        {"not JSON at all", {.raw_body = "<html>maintenance</html>"}, 1, 0, 0, ENS_EPARSE, 1},
        {"oversize body", {.oversize_body_bytes = 512 * 1024}, 1, 0, 64 * 1024, ENS_ETOOLARGE, 1},
        {"TotalCount overflowing int64", {.raw_body = "{\"RequestId\":\"X\",\"TotalCount\":\"99999999999999999999999\"}"}, 1, 0, 0, ENS_EPARSE},
        {"TotalCount negative", {.raw_body = "{\"RequestId\":\"X\",\"TotalCount\":-5}"}, 1, 0, 0, ENS_EPARSE},
        {"a 10 MB string field over the 8 MiB cap", {.raw_body = ten_mb}, 1, 0, 0, ENS_ETOOLARGE},
        {"JSON nested 100000 deep", {.raw_body = deep}, 1, 0, 0, ENS_EPARSE},
        {"accepts and never answers", {.delay_ms = 60000}, 2, 500, 0, ENS_ETIMEOUT},
    };
    (void)state;
    srv = ts_mock_start(NULL);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("fault: %s -> %s\n", cases[i].name, ens_strerror(cases[i].expect));
        run_case(srv, &cases[i]);
    }
    ensmock_stop(srv);
    free(ten_mb);
    free(deep);
}

static void test_big_but_allowed(void **state)
{
    /* A 10 MB string is served in full when the cap allows it, and an absurd
       but representable TotalCount is reported as sent. */
    ensmock_server *srv;
    ens_client *c;
    ens_describe_response *resp;
    char *ten_mb = big_string_body(10u * 1024 * 1024);
    (void)state;
    srv = ts_mock_start(&(ts_mock_options){.faults = &(ensmock_faults){.raw_body = ten_mb}});
    free(ten_mb); /* the mock keeps its own copy */
    c = ts_mock_client(srv, &(ts_client_options){.max_response_bytes = 16u * 1024 * 1024});
    resp = call(srv, c, ENS_OK, 0, "10 MB allowed");
    assert_int_equal(resp->connections_count, 1);
    assert_int_equal(strlen(resp->connections[0].name), 10u * 1024 * 1024);
    ens_describe_response_free(resp);

    {
        ensmock_faults f = {.raw_body = "{\"RequestId\":\"X\",\"PageNumber\":1,\"PageSize\":10,"
                                        "\"TotalCount\":\"9223372036854775807\",\"NetworkPeerConnects\":[]}"};
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_peer_iterator *it = NULL;
        const ens_peer_connection *p;
        assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
        resp = call(srv, c, ENS_OK, 0, "INT64_MAX TotalCount");
        assert_int_equal(resp->total_count, INT64_MAX);
        ens_describe_response_free(resp);
        /* a walk over it ends at the first (empty) page instead of looping */
        req.page_size = 10;
        assert_int_equal(ens_peer_iterator_new(&it, c, &req, NULL, NULL), ENS_OK);
        assert_int_equal(ens_peer_iterator_next(it, &p, NULL), ENS_ITEROVER);
        ens_peer_iterator_free(it);
    }
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- replies the mock cannot make: a scripted loopback server ---- */

typedef struct raw_reply {
    const char *data;
    size_t len;
    int connections;
} raw_reply;

static void raw_serve(void *ctx, int fd, const char *request, size_t len)
{
    raw_reply *r = ctx;
    (void)request;
    (void)len;
    r->connections++;
    ts_send_all(fd, r->data, r->len);
}

static void raw_case(const char *name, const char *data, size_t len, ens_status expect,
                     const char *must, unsigned expect_attempts)
{
    raw_reply r = {data, len, 0};
    ts_http_server *s = ts_http_start(raw_serve, &r);
    char url[64];
    ts_client_options o = {.key_id = "k", .secret = "s", .endpoint = url, .max_attempts = 3,
                           .retry_base_delay_ms = 1, .retry_max_delay_ms = 2, .timeout_ms = 20000};
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    print_message("fault: %s -> %s\n", name, ens_strerror(expect));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", ts_http_port(s));
    c = ts_client(&o);
    st = ens_describe_peer_connections(c, &req, &resp, &err);
    ens_client_free(c);
    ts_http_stop(s);
    if (st != expect || !strstr(err.description, must) || err.attempts != expect_attempts ||
        r.connections != (int)expect_attempts)
        fail_msg("%s: %s after %u attempt(s), %d connection(s): %s", name, ens_strerror(st),
                 err.attempts, r.connections, err.description);
    assert_null(resp);
}

static void test_replies_out_of_bounds(void **state)
{
    size_t big = 1024 * 1024, n = 0;
    char *line = malloc(big + 128), *many = malloc(256 * 1024);
    int i;
    (void)state;
    assert_non_null(line);
    assert_non_null(many);
    /* one header line of 1 MiB: over libcurl's 100 KiB limit, which libcurl
       reports as "out of memory" */
    n = (size_t)sprintf(line, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(line + n, 'a', big);
    n += big;
    n += (size_t)sprintf(line + n, "\r\nContent-Length: 2\r\n\r\n{}");
    raw_case("a 1 MiB header line", line, n, ENS_ETOOLARGE, "header line", 1);
    /* 200 KiB of headers in lines of 1000 bytes: over the 64 KiB cap */
    n = (size_t)sprintf(many, "HTTP/1.1 200 OK\r\n");
    for (i = 0; i < 200; i++) {
        n += (size_t)sprintf(many + n, "X-Pad-%03d: ", i);
        memset(many + n, 'p', 987);
        n += 987;
        n += (size_t)sprintf(many + n, "\r\n");
    }
    n += (size_t)sprintf(many + n, "Content-Length: 2\r\n\r\n{}");
    raw_case("200 KiB of headers", many, n, ENS_ETOOLARGE, "headers exceed", 1);
    /* no status line: retried like a connection dropped before any answer */
    {
        static const char http09[] = "{\"RequestId\":\"X\"}\r\n\r\n", ssh[] = "SSH-2.0-OpenSSH_9.6\r\n";
        raw_case("an HTTP/0.9 reply", http09, sizeof(http09) - 1, ENS_ENETWORK, "not HTTP", 3);
        raw_case("a reply in another protocol", ssh, sizeof(ssh) - 1, ENS_ENETWORK, "not HTTP", 3);
    }
    free(line);
    free(many);
}

static void test_request_too_long_to_send(void **state)
{
    /* a 2 MiB InstanceId: libcurl cannot send the URL; nothing is sent */
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 3});
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ensmock_stats stats;
    size_t n = 2u * 1024 * 1024;
    char *id = malloc(n + 1);
    (void)state;
    assert_non_null(id);
    memset(id, 'i', n);
    id[n] = '\0';
    req.instance_id = id;
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_EINVAL);
    print_message("%s\n", err.description);
    assert_non_null(strstr(err.description, "too long to send"));
    ensmock_stats_get(srv, &stats);
    assert_int_equal(stats.connections, 0);
    assert_int_equal(stats.requests, 0);
    /* the same client goes on working */
    req.instance_id = NULL;
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_big_but_allowed),
        cmocka_unit_test(test_replies_out_of_bounds),
        cmocka_unit_test(test_request_too_long_to_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
