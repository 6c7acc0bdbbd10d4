/* SPDX-License-Identifier: MIT */
/* A small body cannot make a call allocate many times its size: an 8 MiB page
 * of empty connections, {"NetworkPeerConnects":[{},{},...]} (under the
 * default 8 MiB response cap), sent gzip-compressed by the mock over real
 * loopback HTTP (about 8 KB on the wire; the libcurl transport accepts any
 * encoding), ends in ENS_ETOOLARGE naming NetworkPeerConnects, with no block
 * anywhere near the 384 MB its 2.8 million connections would take; the same
 * body sent plain too; and a compressed ordinary page still parses.
 * docs/faults.md has the row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"

/* The largest block the library asks for while the counting allocator is in. */
static size_t biggest;

static void *counting_malloc(void *payload, size_t size)
{
    (void)payload;
    if (size > biggest)
        biggest = size;
    return malloc(size);
}

static void *counting_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    if (size > biggest)
        biggest = size;
    return realloc(ptr, size);
}

static void counting_free(void *payload, void *ptr)
{
    (void)payload;
    free(ptr);
}

static const ens_allocator counting = {ENS_ALLOCATOR_VERSION, counting_malloc, counting_realloc, counting_free,
                                       NULL};

/* {"NetworkPeerConnects":[{},{},...]} of nearly `bytes` bytes, NUL-terminated. */
static char *empty_connections_body(size_t bytes, size_t *entries)
{
    static const char head[] = "{\"NetworkPeerConnects\":[", tail[] = "]}";
    size_t n = (bytes - sizeof(head) - sizeof(tail)) / 3, at = sizeof(head) - 1;
    char *b = malloc(bytes);
    assert_non_null(b);
    memcpy(b, head, at);
    for (size_t i = 0; i < n; i++) {
        memcpy(b + at, i ? ",{}" : "{}", i ? 3 : 2);
        at += i ? 3 : 2;
    }
    memcpy(b + at, tail, sizeof(tail));
    *entries = n;
    return b;
}

static void call_expect(ensmock_server *srv, const ensmock_faults *faults, ens_status want, const char *description)
{
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;

    assert_int_equal(ensmock_set_faults(srv, faults), ENSMOCK_OK);
    c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    biggest = 0;
    assert_int_equal(ens_set_allocator(&counting), ENS_OK);
    st = ens_describe_peer_connections(c, &req, &resp, &err);
    if (st != want || (description && !strstr(err.description, description)))
        fail_msg("status %s, \"%s\"", ens_strerror(st), err.description);
    if (st == ENS_OK) {
        assert_int_equal(resp->connections_count, 10);
        assert_non_null(resp->connections[9].instance_id);
        ens_describe_response_free(resp);
    } else {
        assert_null(resp);
    }
    ens_client_free(c);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    /* The body itself (at most the 8 MiB cap, grown by doubling) is the
     * largest thing held; the parsed page's one block is bounded by it. */
    if (biggest > 24u * 1024 * 1024)
        fail_msg("a block of %zu bytes", biggest);
}

static void test_empty_connections_gzip_and_plain(void **state)
{
    size_t entries;
    char *body = empty_connections_body(8u * 1024 * 1024 - 4096, &entries);
    char want[160];
    ensmock_server *srv = ts_mock_start(NULL);
    ensmock_stats stats;
    (void)state;

    assert_true(entries > 2000000);
    snprintf(want, sizeof(want), "response too large: NetworkPeerConnects holds %zu entries, more than the %d a page",
             entries, ENS_MAX_PAGE_CONNECTIONS);
    ensmock_stats_reset(srv);
    call_expect(srv, &(ensmock_faults){.raw_body = body, .gzip_body = true}, ENS_ETOOLARGE, want);
    ensmock_stats_get(srv, &stats);
    assert_int_equal(stats.gzipped, 1); /* it did travel compressed */
    assert_int_equal(stats.ok, 1);

    call_expect(srv, &(ensmock_faults){.raw_body = body}, ENS_ETOOLARGE, want);
    ensmock_stats_get(srv, &stats);
    assert_int_equal(stats.gzipped, 1);

    /* An ordinary page, compressed: decoded and parsed as usual. */
    call_expect(srv, &(ensmock_faults){.gzip_body = true}, ENS_OK, NULL);
    ensmock_stats_get(srv, &stats);
    assert_int_equal(stats.gzipped, 2);

    ensmock_stop(srv);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_connections_gzip_and_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
