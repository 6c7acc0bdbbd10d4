/* SPDX-License-Identifier: MIT */
/* The shared test scaffolding (test/support/) does what the other tests rely
 * on: scaffolding that quietly did less would let their checks pass for the
 * wrong reason. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/support.h"

static void test_fixture_files(void **state)
{
    char path[1024];
    size_t len = 0;
    char *text;
    (void)state;
    ts_fixture_path(path, sizeof(path), "cassettes/single_page.json");
    assert_int_equal(strncmp(path, ts_fixtures_dir(), strlen(ts_fixtures_dir())), 0);
    assert_non_null(strstr(path, "/cassettes/single_page.json"));
    text = ts_fixture_load("cassettes/single_page.json", &len);
    assert_int_equal(strlen(text), len);
    assert_true(len > 100);
    assert_non_null(strstr(text, "\"cassette\": 1"));
    free(text);
    text = ts_read_file(path, NULL);
    assert_non_null(text);
    free(text);
    ts_fixture_path(path, sizeof(path), "cassettes/no-such-cassette.json");
    assert_null(ts_read_file(path, &len));
}

static void test_scratch_files(void **state)
{
    char dir[512], path[1024];
    char *text;
    size_t len = 0;
    DIR *d;
    (void)state;
    ts_tmpdir(dir, sizeof(dir), "ens-support");
    assert_int_equal(ts_dir_entries(dir), 0);
    /* missing directories are made on the way */
    snprintf(path, sizeof(path), "%s/a/b/c.txt", dir);
    ts_write_file(path, "line one\nline two\n");
    text = ts_read_file(path, &len);
    assert_non_null(text);
    assert_string_equal(text, "line one\nline two\n");
    assert_int_equal(len, 18);
    free(text);
    /* an empty file, and a file replaced */
    snprintf(path, sizeof(path), "%s/empty", dir);
    ts_write_file(path, "");
    ts_write_file(path, "");
    text = ts_read_file(path, &len);
    assert_int_equal(len, 0);
    free(text);
    assert_int_equal(ts_dir_entries(dir), 2);
    ts_rm_rf(dir);
    d = opendir(dir);
    assert_null(d);
    assert_int_equal(errno, ENOENT);
    ts_rm_rf(dir); /* gone already: nothing to do */
}

static void test_pinned_example(void **state)
{
    ts_pins p = TS_PINS_EXAMPLE;
    char a[65], b[65];
    (void)state;
    assert_int_equal(ts_pins_clock(&p), TS_EXAMPLE_TIME);
    assert_int_equal(ts_pins_nonce(&p, a), ENS_OK);
    assert_int_equal(ts_pins_nonce(&p, b), ENS_OK);
    assert_string_equal(a, TS_EXAMPLE_NONCE);
    assert_string_equal(b, TS_EXAMPLE_NONCE);
    assert_int_equal(ts_pins_clock(&p), TS_EXAMPLE_TIME); /* a fixed nonce leaves the clock alone */
    p.base = 1800000000LL;
    assert_int_equal(ts_pins_clock(&p), 1800000000LL);
    assert_int_equal(ts_nonce_text((void *)"any-Text_1", a), ENS_OK);
    assert_string_equal(a, "any-Text_1");
}

/* The seeded scheme is the one the committed cassettes were signed with:
 * single_page.json holds the date and nonce of its first draw. */
static void test_pinned_like_the_cassettes(void **state)
{
    ts_pins p = {TS_FIXTURE_EPOCH, "single_page.json", 0};
    char *cassette = ts_fixture_load("cassettes/single_page.json", NULL);
    char nonce[65], expect[128];
    (void)state;
    assert_int_equal(ts_pins_clock(&p), TS_FIXTURE_EPOCH);
    assert_non_null(strstr(cassette, "\"x-acs-date\": \"2024-06-01T08:00:00Z\""));
    assert_int_equal(ts_pins_nonce(&p, nonce), ENS_OK);
    assert_int_equal(strlen(nonce), 32);
    snprintf(expect, sizeof(expect), "\"x-acs-signature-nonce\": \"%s\"", nonce);
    assert_non_null(strstr(cassette, expect));
    assert_int_equal(p.nonces, 1);
    assert_int_equal(ts_pins_clock(&p), TS_FIXTURE_EPOCH + 1); /* a second per nonce */
    assert_int_equal(ts_pins_nonce(&p, expect), ENS_OK);
    assert_string_not_equal(expect, nonce);
    free(cassette);
}

#define LOG_THREADS 4
#define LOG_LINES 500

static void *log_lines(void *log)
{
    char line[32];
    int i;
    for (i = 0; i < LOG_LINES; i++) {
        snprintf(line, sizeof(line), "line %d", i);
        ts_log_capture(log, ENS_LOG_INFO, line);
    }
    return NULL;
}

static void test_log_capture(void **state)
{
    ts_log log = TS_LOG_INIT;
    pthread_t th[LOG_THREADS];
    const char *text;
    size_t newlines = 0;
    int i;
    (void)state;
    assert_string_equal(ts_log_text(&log), "");
    ts_log_capture(&log, ENS_LOG_ERROR, "first");
    ts_log_add(&log, "second");
    assert_string_equal(ts_log_text(&log), "first\nsecond\n");
    assert_int_equal(log.lines, 2);
    ts_log_clear(&log);
    assert_string_equal(ts_log_text(&log), "");
    assert_int_equal(log.lines, 0);

    for (i = 0; i < LOG_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, log_lines, &log), 0);
    for (i = 0; i < LOG_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(log.lines, LOG_THREADS * LOG_LINES);
    for (text = ts_log_text(&log); *text; text++)
        newlines += *text == '\n';
    assert_int_equal(newlines, LOG_THREADS * LOG_LINES);
    ts_log_clear(&log);
}

static void test_failing_allocator(void **state)
{
    const ens_allocator *a = &ts_failing_allocator;
    void *p, *q;
    (void)state;
    ts_alloc_arm(2);
    p = a->malloc_fn(a->payload, 8);
    assert_non_null(p);
    p = a->realloc_fn(a->payload, p, 16);
    assert_non_null(p);
    assert_null(a->malloc_fn(a->payload, 8)); /* call number 2 */
    q = a->malloc_fn(a->payload, 8);          /* and only that one */
    assert_non_null(q);
    assert_int_equal(ts_alloc.calls, 4);
    assert_int_equal(ts_alloc.failures, 1);
    a->free_fn(a->payload, q);
    ts_alloc_arm(0);
    assert_null(a->realloc_fn(a->payload, p, 32)); /* p is still ours */
    ts_alloc_disarm();
    q = a->malloc_fn(a->payload, 8);
    assert_non_null(q);
    assert_int_equal(ts_alloc.calls, 2);
    assert_int_equal(ts_alloc.failures, 1); /* kept by disarm */
    a->free_fn(a->payload, q);
    a->free_fn(a->payload, p);
    ts_alloc_arm(-1);
    q = a->malloc_fn(a->payload, 8);
    assert_non_null(q);
    assert_int_equal(ts_alloc.failures, 0);
    a->free_fn(a->payload, q);
}

static ens_status never_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                             ens_error *err)
{
    (void)ctx;
    (void)req;
    (void)resp;
    (void)err;
    return ENS_ETRANSPORT;
}

static void count_destroy(void *ctx) { ++*(int *)ctx; }

static void test_client_builders(void **state)
{
    static const ens_transport_vtable vt = {ENS_TRANSPORT_VTABLE_VERSION, never_send, count_destroy};
    ts_pins pins = {TS_FIXTURE_EPOCH, "single_page.json", 0};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = (ens_replay *)&pins;
    ens_client *c = (ens_client *)&pins;
    ens_transport *t = NULL;
    int destroyed = 0;
    (void)state;

    /* half a key pair: refused, and the transport is freed all the same */
    assert_int_equal(ens_transport_new(&t, &vt, &destroyed), ENS_OK);
    assert_int_equal(ts_client_try(&c, &(ts_client_options){.key_id = "id", .transport = t}, &err),
                     ENS_EINVAL);
    assert_null(c);
    assert_int_equal(destroyed, 1);
    assert_true(strlen(err.description) > 0);

    /* a missing cassette: nothing is left behind */
    assert_int_equal(ts_cassette_client_try(&c, &r, "cassettes/no-such.json", NULL, &err), ENS_ETRANSPORT);
    assert_null(c);
    assert_null(r);

    /* the fixture key pair and the pins sign exactly what was recorded */
    c = ts_cassette_client("cassettes/single_page.json", &r,
                           &(ts_client_options){.pins = &pins, .max_attempts = 1});
    ens_replay_set_strict(r, true);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    assert_int_equal(resp->connections_count, 3);
    ens_describe_response_free(resp);
    assert_int_equal(ens_replay_unused_count(r), 0);
    ens_client_free(c);
    ens_replay_free(r);

    /* another secret does not */
    pins.nonces = 0;
    c = ts_cassette_client("cassettes/single_page.json", &r,
                           &(ts_client_options){.secret = "other", .pins = &pins, .max_attempts = 1});
    ens_replay_set_strict(r, true);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "signature differs"));
    ens_client_free(c);
    ens_replay_free(r);
}

/* Answers with the request's body (what came after the head). */
static void echo_body(void *ctx, int fd, const char *request, size_t len)
{
    const char *body = strstr(request, "\r\n\r\n");
    char reply[256];
    int n;
    ++*(int *)ctx;
    body = body ? body + 4 : request + len;
    n = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                 strlen(body), body);
    ts_send_all(fd, reply, (size_t)n);
}

static int connect_to(unsigned short port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_loopback_server(void **state)
{
    static const char head[] = "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 11\r\n\r\nhello";
    int served = 0, fd;
    char got[512];
    size_t n = 0;
    ssize_t k;
    ts_http_server *s = ts_http_start(echo_body, &served);
    unsigned short port = ts_http_port(s);
    (void)state;
    assert_true(port != 0);
    fd = connect_to(port);
    assert_true(fd >= 0);
    /* the body comes in two parts: the server waits for all of it */
    assert_true(ts_send_all(fd, head, strlen(head)));
    ts_sleep_ms(50);
    assert_true(ts_send_all(fd, " world", 6));
    while (n < sizeof(got) - 1 && (k = recv(fd, got + n, sizeof(got) - 1 - n, 0)) > 0)
        n += (size_t)k;
    got[n] = '\0';
    close(fd);
    assert_non_null(strstr(got, "Content-Length: 11\r\n\r\nhello world"));
    ts_http_stop(s);
    assert_int_equal(served, 1);
    assert_int_equal(connect_to(port), -1); /* nothing listens any more */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_files),
        cmocka_unit_test(test_scratch_files),
        cmocka_unit_test(test_pinned_example),
        cmocka_unit_test(test_pinned_like_the_cassettes),
        cmocka_unit_test(test_log_capture),
        cmocka_unit_test(test_failing_allocator),
        cmocka_unit_test(test_client_builders),
        cmocka_unit_test(test_loopback_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
