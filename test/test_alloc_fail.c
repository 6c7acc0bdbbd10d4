/* SPDX-License-Identifier: MIT */
/* Allocation failure: a full describe call, the same call through the
 * generic RPC call, and a full iterator walk, all on
 * the replay transport, are run again and again with the k-th allocation of
 * the library failing, for every k until a run needs no failure.  Every run
 * must end in ENS_ENOMEM, never a crash or another status; leaks are caught by
 * AddressSanitizer and valgrind, under which CI runs this test.
 *
 * What is counted: the library's own allocations (ens_set_allocator).  Not
 * counted: libcurl's, jansson's and libsodium's internal allocations. */
#include "support/support.h"

/* A client on the cassette, one attempt per call; NULL when setting it up
 * failed (an allocation failing there too). */
static ens_client *replay_client(const char *cassette, ens_replay **replay_out)
{
    ens_client *c = NULL;
    ts_cassette_client_try(&c, replay_out, cassette, &(ts_client_options){.max_attempts = 1}, NULL);
    return c;
}

/* One describe call with the k-th allocation failing (k < 0: none). */
static ens_status describe_once(long k)
{
    ens_replay *r = NULL;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    ts_alloc_arm(k);
    c = replay_client("cassettes/single_page.json", &r);
    if (!c) {
        ts_alloc_disarm();
        return ENS_ENOMEM; /* setting up failed: that is the allocation failing too */
    }
    st = ens_describe_peer_connections(c, &req, &resp, &err);
    ts_alloc_disarm();
    if (st == ENS_OK) {
        assert_true(resp->connections_count > 0);
        assert_non_null(resp->request_id);
    } else {
        assert_null(resp);
        assert_int_equal(err.status, st);
    }
    ens_describe_response_free(resp);
    ens_client_free(c);
    ens_replay_free(r);
    return st;
}

/* The same call through the generic RPC call (k < 0: no failure). */
static ens_status rpc_once(long k)
{
    ens_replay *r = NULL;
    ens_client *c;
    ens_rpc_request req = ENS_RPC_REQUEST_INIT;
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    req.action = "DescribeNetworkPeerConnections";
    req.api_version = "2017-11-10";
    ts_alloc_arm(k);
    c = replay_client("cassettes/single_page.json", &r);
    if (!c) {
        ts_alloc_disarm();
        return ENS_ENOMEM;
    }
    st = ens_rpc_call(c, &req, NULL, &resp, &err);
    ts_alloc_disarm();
    if (st == ENS_OK) {
        assert_non_null(ens_rpc_response_json(resp));
        assert_string_equal(ens_rpc_response_request_id(resp), "A2EC80D9-A466-46A2-80A6-0DC70F86F79D");
    } else {
        assert_null(resp);
        assert_int_equal(err.status, st);
    }
    ens_rpc_response_free(resp);
    ens_client_free(c);
    ens_replay_free(r);
    return st;
}

/* A whole walk; returns its status and the number of items yielded. */
static ens_status walk_once(long k, size_t *items)
{
    ens_replay *r = NULL;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *p;
    ens_status st;
    *items = 0;
    ts_alloc_arm(k);
    c = replay_client("iterator/several_pages.json", &r);
    if (!c) {
        ts_alloc_disarm();
        return ENS_ENOMEM;
    }
    req.page_size = 10;
    st = ens_peer_iterator_new(&it, c, &req, NULL, NULL);
    while (st == ENS_OK && (st = ens_peer_iterator_next(it, &p, NULL)) == ENS_OK) {
        assert_non_null(p);
        (*items)++;
    }
    ts_alloc_disarm();
    ens_peer_iterator_free(it);
    ens_client_free(c);
    ens_replay_free(r);
    return st;
}

static void test_describe_every_allocation(void **state)
{
    long k, points = 0;
    ens_status st;
    (void)state;
    assert_int_equal(ens_set_allocator(&ts_failing_allocator), ENS_OK);
    for (k = 0;; k++) {
        st = describe_once(k);
        if (ts_alloc.failures == 0) {
            assert_int_equal(st, ENS_OK); /* no failure injected: the call works */
            break;
        }
        points++;
        if (st != ENS_ENOMEM)
            fail_msg("allocation %ld failed: got %s", k, ens_strerror(st));
    }
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    print_message("describe call: %ld allocation points failed in turn\n", points);
    assert_true(points > 20);
}

static void test_rpc_every_allocation(void **state)
{
    long k, points = 0;
    ens_status st;
    (void)state;
    assert_int_equal(ens_set_allocator(&ts_failing_allocator), ENS_OK);
    for (k = 0;; k++) {
        st = rpc_once(k);
        if (ts_alloc.failures == 0) {
            assert_int_equal(st, ENS_OK);
            break;
        }
        points++;
        if (st != ENS_ENOMEM)
            fail_msg("allocation %ld failed: got %s", k, ens_strerror(st));
    }
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    print_message("generic RPC call: %ld allocation points failed in turn\n", points);
    assert_true(points > 20);
}

static void test_walk_every_allocation(void **state)
{
    long k, points = 0;
    size_t items, full = 0;
    ens_status st;
    (void)state;
    assert_int_equal(ens_set_allocator(&ts_failing_allocator), ENS_OK);
    st = walk_once(-1, &full);
    assert_int_equal(st, ENS_ITEROVER);
    assert_true(full > 20);
    for (k = 0;; k++) {
        st = walk_once(k, &items);
        if (ts_alloc.failures == 0) {
            assert_int_equal(st, ENS_ITEROVER);
            assert_int_equal(items, full);
            break;
        }
        points++;
        if (st != ENS_ENOMEM)
            fail_msg("allocation %ld failed: got %s after %zu items", k, ens_strerror(st), items);
        assert_true(items <= full);
    }
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    print_message("iterator walk: %ld allocation points failed in turn\n", points);
    assert_true(points > 50);
}

static void test_allocator_rules(void **state)
{
    ens_allocator bad = ts_failing_allocator;
    (void)state;
    bad.free_fn = NULL;
    assert_int_equal(ens_set_allocator(&bad), ENS_EINVAL);
    bad = ts_failing_allocator;
    bad.version = 99;
    assert_int_equal(ens_set_allocator(&bad), ENS_EINVAL);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_every_allocation),
        cmocka_unit_test(test_rpc_every_allocation),
        cmocka_unit_test(test_walk_every_allocation),
        cmocka_unit_test(test_allocator_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
