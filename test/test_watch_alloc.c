/* SPDX-License-Identifier: MIT */
/* The watch when an allocation fails: every allocation a walk makes (the
 * calls, the pages it keeps, the bookkeeping of what it met, the copies and
 * the snapshot it commits) is made to fail in turn.  Each time, the walk
 * either fails and changes nothing (the store and its generation stay as
 * they were, no connection event) or, when the failure hit something that
 * does not matter to it, is applied whole; nothing leaks (this test also
 * runs under AddressSanitizer and valgrind). */
#include <stdio.h>
#include <string.h>

#include "support/mock.h"

typedef struct outcome {
    ens_cancel *stop;
    unsigned long changes, failed, done;
    ens_status error;
} outcome;

static void on_event(void *payload, const ens_watch_event *ev)
{
    outcome *o = payload;
    switch (ev->kind) {
    case ENS_WATCH_ADDED:
    case ENS_WATCH_UPDATED:
    case ENS_WATCH_REMOVED:
        o->changes++;
        break;
    case ENS_WATCH_WALK_FAILED:
        o->failed++;
        o->error = ev->error->status;
        ens_cancel_trigger(o->stop);
        break;
    case ENS_WATCH_WALK_DONE:
        o->done++;
        ens_cancel_trigger(o->stop);
        break;
    default:
        break;
    }
}

static ens_watch *new_watch(ens_client *c, outcome *o)
{
    ens_watch_options wo = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_watch *w = NULL;
    req.page_size = 20;
    wo.request = &req;
    wo.handler = on_event;
    wo.payload = o;
    wo.interval_ms = 1;
    wo.jitter = 0;
    assert_int_equal(ens_watch_new(&w, c, &wo, NULL), ENS_OK);
    return w;
}

/* One walk, with allocation k failing (k < 0: none). */
static void one_walk(ens_watch *w, outcome *o, long k)
{
    o->changes = o->failed = o->done = 0;
    ens_cancel_reset(o->stop);
    ts_alloc_arm(k);
    assert_int_equal(ens_watch_run(w, o->stop, NULL), ENS_OK);
    ts_alloc_disarm();
    assert_int_equal(o->failed + o->done, 1);
}

static uint64_t generation(const ens_watch *w, size_t *count)
{
    ens_watch_snapshot *s = NULL;
    uint64_t g;
    assert_int_equal(ens_watch_snapshot_get(w, &s), ENS_OK);
    g = ens_watch_snapshot_generation(s);
    *count = ens_watch_snapshot_count(s);
    ens_watch_snapshot_release(s);
    return g;
}

static void test_walks_under_allocation_failures(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    ensmock_churn ch;
    outcome o;
    long k, failed_walks = 0, applied_walks = 0;
    (void)state;

    memset(&o, 0, sizeof(o));
    assert_int_equal(ens_cancel_new(&o.stop), ENS_OK);

    /* The first walk: everything added, or nothing. */
    for (k = 0;; k++) {
        ens_watch *w = new_watch(c, &o);
        size_t n;
        one_walk(w, &o, k);
        if (o.failed) {
            failed_walks++;
            assert_int_equal(o.changes, 0);
            assert_int_equal(generation(w, &n), 0);
            assert_int_equal(n, 0);
            assert_false(ens_watch_has_synced(w));
        } else {
            applied_walks++;
            assert_int_equal(o.changes, 57);
            assert_int_equal(generation(w, &n), 1);
            assert_int_equal(n, 57);
        }
        ens_watch_free(w);
        if (ts_alloc.failures == 0)
            break; /* no allocation left to fail */
    }
    print_message("first walk: %ld allocations made to fail, %ld walks failed, %ld applied\n", k,
                  failed_walks, applied_walks);
    assert_true(k > 50 && failed_walks > 0);

    /* Later walks with an addition, a status change and a removal to apply. */
    memset(&ch, 0, sizeof(ch));
    ch.seed = 5;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    for (k = 0;; k++) {
        ens_watch *w = new_watch(c, &o);
        size_t before, after;
        long injected;
        uint64_t g;
        one_walk(w, &o, -1);
        g = generation(w, &before);
        /* a new change of each kind for this round (the mock's churn picks
           the kinds by weight; three steps give a mix) */
        assert_int_equal(ensmock_churn_step(srv), ENSMOCK_OK);
        assert_int_equal(ensmock_churn_step(srv), ENSMOCK_OK);
        assert_int_equal(ensmock_churn_step(srv), ENSMOCK_OK);
        one_walk(w, &o, k);
        injected = ts_alloc.failures;
        if (o.failed) {
            assert_int_equal(o.changes, 0);
            assert_int_equal(generation(w, &after), g);
            assert_int_equal(after, before);
        } else {
            assert_true(o.changes > 0);
            assert_int_equal(generation(w, &after), g + 1);
        }
        /* and the next walk, without failures, catches up */
        one_walk(w, &o, -1);
        assert_int_equal(o.failed, 0);
        assert_int_equal(generation(w, &after) >= g, true);
        assert_int_equal(after, ensmock_data_count(srv));
        ens_watch_free(w);
        if (injected == 0)
            break;
    }
    print_message("later walks: %ld allocations made to fail\n", k);
    ens_cancel_free(o.stop);
    ens_client_free(c);
    ensmock_stop(srv);
}

static int set_allocator(void **state)
{
    (void)state;
    return ens_set_allocator(&ts_failing_allocator) == ENS_OK ? 0 : -1;
}

static int reset_allocator(void **state)
{
    (void)state;
    return ens_set_allocator(NULL) == ENS_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walks_under_allocation_failures),
    };
    return cmocka_run_group_tests(tests, set_allocator, reset_allocator);
}
