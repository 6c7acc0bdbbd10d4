/* SPDX-License-Identifier: MIT */
/* The watch (watch.h) against the local mock server over loopback HTTP,
 * while the mock changes its data set (ensmock_set_churn()): every change
 * reported once and in order per connection, pages that drift under a walk,
 * faults that break walks (throttling, resets, deadlines) never reporting a
 * removal, a connection met twice in one pass (a service of the test's own),
 * the event-loop driver, resync.  The concurrent readers of the store are
 * test_watch_threads.c; the wait is test_watch_wait.c. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"
#include "async/async_loop.h"

/* ---- recording the events ----------------------------------------------- */

typedef struct rec_event {
    ens_watch_event_kind kind;
    char id[64];
    char status[24];
    unsigned int changed;
    ens_status error; /* WALK_FAILED, WALK_DONE (unsettled) */
} rec_event;

typedef struct recorder {
    pthread_mutex_t lock;
    rec_event *v;
    size_t n, cap;
    ens_watch *stop_watch;   /* event loop: ens_watch_stop() at the first WALK_DONE */
    ens_cancel *stop_cancel; /* blocking: triggered at the first WALK_DONE or WALK_FAILED */
} recorder;

static void rec_init(recorder *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
}

static void rec_free(recorder *r)
{
    free(r->v);
    pthread_mutex_destroy(&r->lock);
}

static void on_event(void *payload, const ens_watch_event *ev)
{
    recorder *r = payload;
    rec_event *x;
    const ens_peer_connection *c = ev->connection ? ev->connection : ev->old_connection;
    pthread_mutex_lock(&r->lock);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
    }
    x = &r->v[r->n++];
    memset(x, 0, sizeof(*x));
    x->kind = ev->kind;
    if (c) {
        snprintf(x->id, sizeof(x->id), "%s", c->instance_id);
        snprintf(x->status, sizeof(x->status), "%s", c->status_text ? c->status_text : "");
    }
    x->changed = ev->changed;
    x->error = ev->error ? ev->error->status : ENS_OK;
    pthread_mutex_unlock(&r->lock);
    if (ev->kind == ENS_WATCH_WALK_DONE && r->stop_watch)
        ens_watch_stop(r->stop_watch);
    if ((ev->kind == ENS_WATCH_WALK_DONE || ev->kind == ENS_WATCH_WALK_FAILED) && r->stop_cancel)
        ens_cancel_trigger(r->stop_cancel);
}

static size_t rec_count(recorder *r, ens_watch_event_kind kind)
{
    size_t i, n = 0;
    pthread_mutex_lock(&r->lock);
    for (i = 0; i < r->n; i++)
        n += r->v[i].kind == kind;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ---- running a watch on a thread ------------------------------------------ */

typedef struct runner {
    ens_watch *w;
    ens_cancel *cancel;
    pthread_t th;
    ens_status st;
} runner;

static void *run_thread(void *arg)
{
    runner *r = arg;
    ens_error e = ENS_ERROR_INIT;
    r->st = ens_watch_run(r->w, r->cancel, &e);
    return NULL;
}

static void run_start(runner *r, ens_watch *w)
{
    memset(r, 0, sizeof(*r));
    r->w = w;
    assert_int_equal(ens_cancel_new(&r->cancel), ENS_OK);
    assert_int_equal(pthread_create(&r->th, NULL, run_thread, r), 0);
}

static void run_stop(runner *r)
{
    ens_cancel_trigger(r->cancel);
    assert_int_equal(pthread_join(r->th, NULL), 0);
    assert_int_equal(r->st, ENS_OK);
    ens_cancel_free(r->cancel);
}

static ens_watch_stats stats_of(const ens_watch *w)
{
    ens_watch_stats s = ENS_WATCH_STATS_INIT;
    assert_int_equal(ens_watch_get_stats(w, &s), ENS_OK);
    return s;
}

/* Waits (up to 60 s) until the watch has applied `applied` walks. */
static void wait_applied(const ens_watch *w, uint64_t applied)
{
    double t0 = ts_now_ms();
    while (stats_of(w).walks_applied < applied) {
        if (ts_now_ms() - t0 > 60000)
            fail_msg("the watch applied %llu walks in 60 s, waited for %llu",
                     (unsigned long long)stats_of(w).walks_applied, (unsigned long long)applied);
        ts_sleep_ms(5);
    }
}

/* Waits until every walk started so far has ended, then for one more walk
 * applied: the store then reflects the mock's data as it is now. */
static void wait_caught_up(const ens_watch *w)
{
    ens_watch_stats s = stats_of(w);
    wait_applied(w, s.walks + 1);
}

static ens_watch *new_watch(ens_client *c, recorder *r, int32_t page_size, long interval_ms)
{
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_watch *w = NULL;
    req.page_size = page_size;
    o.request = &req;
    o.handler = on_event;
    o.payload = r;
    o.interval_ms = interval_ms;
    o.jitter = 0;
    o.backoff_min_ms = 5;
    o.backoff_max_ms = 20;
    if (ens_watch_new(&w, c, &o, &e) != ENS_OK)
        fail_msg("ens_watch_new: %s", e.description);
    return w;
}

/* ---- the mock's data and journal ------------------------------------------ */

/* The connections of the mock's data now: InstanceId and Status, by one
 * plain walk (outside the watch). */
typedef struct item {
    char id[64];
    char status[24];
} item;

static size_t mock_items(ens_client *c, item *out, size_t cap)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error e = ENS_ERROR_INIT;
    ens_status st;
    size_t n = 0;
    assert_int_equal(ens_peer_iterator_new(&it, c, &req, NULL, &e), ENS_OK);
    while ((st = ens_peer_iterator_next(it, &pc, &e)) == ENS_OK) {
        assert_true(n < cap);
        snprintf(out[n].id, sizeof(out[n].id), "%s", pc->instance_id);
        snprintf(out[n].status, sizeof(out[n].status), "%s", pc->status_text);
        n++;
    }
    assert_int_equal(st, ENS_ITEROVER);
    ens_peer_iterator_free(it);
    return n;
}

/* The watch's store equals the mock's data (same InstanceIds, same Status). */
static void assert_store_matches(const ens_watch *w, ens_client *c)
{
    static item items[4096];
    ens_watch_snapshot *s = NULL;
    size_t n = mock_items(c, items, 4096), i;
    assert_int_equal(ens_watch_snapshot_get(w, &s), ENS_OK);
    assert_int_equal(ens_watch_snapshot_count(s), n);
    for (i = 0; i < n; i++) {
        const ens_peer_connection *p = ens_watch_snapshot_find(s, items[i].id);
        if (!p)
            fail_msg("%s is served by the mock but not in the store", items[i].id);
        assert_string_equal(p->status_text, items[i].status);
    }
    for (i = 1; i < n; i++)
        assert_true(strcmp(ens_watch_snapshot_at(s, i - 1)->instance_id,
                           ens_watch_snapshot_at(s, i)->instance_id) < 0);
    ens_watch_snapshot_release(s);
}

/* Checks that the events about each connection are exactly what happened to
 * it: ADDED with its first status (the initial data, or a journaled
 * addition), one UPDATED per status change with that status, REMOVED when it
 * was removed; nothing twice, nothing missing, in order. */
static void assert_events_match_journal(recorder *r, const item *initial, size_t ninitial,
                                        ensmock_server *srv)
{
    size_t nj = ensmock_churn_journal(srv, NULL, 0), i, k, checked = 0;
    ensmock_change *j = calloc(nj ? nj : 1, sizeof(*j));
    /* every id ever known: initial ones, then added ones */
    size_t nids = 0;
    char(*ids)[64] = calloc(ninitial + nj + 1, 64);
    assert_int_equal(ensmock_churn_journal(srv, j, nj), nj);
    for (i = 0; i < ninitial; i++)
        snprintf(ids[nids++], 64, "%s", initial[i].id);
    for (i = 0; i < nj; i++)
        if (j[i].kind == ENSMOCK_CHANGE_ADDED)
            snprintf(ids[nids++], 64, "%s", j[i].instance_id);
    for (k = 0; k < nids; k++) {
        const char *id = ids[k];
        /* expected sequence */
        rec_event want[64];
        size_t nwant = 0, ngot = 0;
        for (i = 0; i < ninitial; i++)
            if (strcmp(initial[i].id, id) == 0) {
                want[nwant].kind = ENS_WATCH_ADDED;
                snprintf(want[nwant++].status, sizeof(want[0].status), "%s", initial[i].status);
            }
        for (i = 0; i < nj; i++) {
            if (strcmp(j[i].instance_id, id) != 0 || j[i].kind == ENSMOCK_CHANGE_MOVED)
                continue;
            assert_true(nwant < 64);
            want[nwant].kind = j[i].kind == ENSMOCK_CHANGE_ADDED     ? ENS_WATCH_ADDED
                               : j[i].kind == ENSMOCK_CHANGE_STATUS ? ENS_WATCH_UPDATED
                                                                    : ENS_WATCH_REMOVED;
            snprintf(want[nwant++].status, sizeof(want[0].status), "%s", j[i].status);
        }
        pthread_mutex_lock(&r->lock);
        for (i = 0; i < r->n; i++) {
            const rec_event *x = &r->v[i];
            if (x->kind != ENS_WATCH_ADDED && x->kind != ENS_WATCH_UPDATED && x->kind != ENS_WATCH_REMOVED)
                continue;
            if (strcmp(x->id, id) != 0)
                continue;
            if (ngot >= nwant)
                fail_msg("%s: event %zu (%s %s) was not expected: it happened %zu times", id, ngot + 1,
                         ens_watch_event_name(x->kind), x->status, nwant);
            if (x->kind != want[ngot].kind)
                fail_msg("%s: event %zu is %s, expected %s", id, ngot + 1, ens_watch_event_name(x->kind),
                         ens_watch_event_name(want[ngot].kind));
            if (x->kind == ENS_WATCH_UPDATED) {
                assert_true((x->changed & ENS_WATCH_CHANGED_STATUS) != 0);
                assert_string_equal(x->status, want[ngot].status);
            }
            if (x->kind == ENS_WATCH_ADDED)
                assert_string_equal(x->status, want[ngot].status);
            ngot++;
        }
        pthread_mutex_unlock(&r->lock);
        if (ngot != nwant)
            fail_msg("%s: %zu events reported, %zu changes made", id, ngot, nwant);
        checked += ngot;
    }
    assert_true(checked >= ninitial);
    free(ids);
    free(j);
}

/* ---- tests -------------------------------------------------------------- */

/* The first walk: every connection added once, then "synced"; the snapshot
 * holds them sorted; a walk of 57 connections at page size 10 costs 6 calls. */
static void test_first_walk_syncs(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    recorder r;
    runner run;
    ens_watch *w;
    ens_watch_stats s;
    ens_watch_snapshot *snap = NULL;
    size_t i;
    (void)state;

    rec_init(&r);
    w = new_watch(c, &r, 10, 60000);
    assert_false(ens_watch_has_synced(w));
    assert_int_equal(ens_watch_snapshot_get(w, &snap), ENS_OK);
    assert_int_equal(ens_watch_snapshot_count(snap), 0);
    assert_int_equal(ens_watch_snapshot_generation(snap), 0);
    ens_watch_snapshot_release(snap);

    run_start(&run, w);
    wait_applied(w, 1);
    assert_true(ens_watch_has_synced(w));
    s = stats_of(w);
    assert_int_equal(s.connections, 57);
    assert_int_equal(s.last_walk_calls, 6);
    assert_int_equal(s.lookups, 0);
    assert_int_equal(rec_count(&r, ENS_WATCH_ADDED), 57);
    assert_int_equal(rec_count(&r, ENS_WATCH_SYNCED), 1);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 0);
    /* SYNCED comes after the additions, then WALK_DONE */
    pthread_mutex_lock(&r.lock);
    assert_int_equal(r.v[57].kind, ENS_WATCH_SYNCED);
    assert_int_equal(r.v[58].kind, ENS_WATCH_WALK_DONE);
    pthread_mutex_unlock(&r.lock);
    assert_store_matches(w, c);

    assert_int_equal(ens_watch_snapshot_get(w, &snap), ENS_OK);
    assert_int_equal(ens_watch_snapshot_generation(snap), 1);
    for (i = 0; i < 57; i++)
        assert_ptr_equal(ens_watch_snapshot_find(snap, ens_watch_snapshot_at(snap, i)->instance_id),
                         ens_watch_snapshot_at(snap, i));
    assert_null(ens_watch_snapshot_at(snap, 57));
    assert_null(ens_watch_snapshot_find(snap, "pcc-not-there"));
    /* a second run on another thread is refused while this one runs */
    {
        ens_error e = ENS_ERROR_INIT;
        assert_int_equal(ens_watch_run(w, run.cancel, &e), ENS_EINVAL);
    }
    run_stop(&run);
    ens_watch_free(w);
    /* a snapshot outlives its watch */
    assert_int_equal(ens_watch_snapshot_count(snap), 57);
    assert_non_null(ens_watch_snapshot_find(snap, "pcc-0rx6f5dcv99fyfmwsw11x"));
    ens_watch_snapshot_release(snap);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* The mock adds, advances and removes connections while the watch runs:
 * every change is reported once, in order, per connection, and the store
 * ends equal to the mock's data. */
static void test_every_change_once_in_order(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ensmock_churn ch;
    static item initial[128];
    size_t ninitial;
    recorder r;
    runner run;
    ens_watch *w;
    double t0;
    (void)state;

    ninitial = mock_items(c, initial, 128);
    assert_int_equal(ninitial, 57);
    rec_init(&r);
    w = new_watch(c, &r, 10, 2);
    run_start(&run, w);
    wait_applied(w, 1);

    memset(&ch, 0, sizeof(ch));
    ch.seed = 7;
    ch.every_requests = 9;
    ch.max_steps = 50;
    ch.settle_requests = 150; /* each change is seen before the next one to the same connection */
    ch.min_connections = 20;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    t0 = ts_now_ms();
    while (ensmock_churn_journal(srv, NULL, 0) < 50) {
        if (ts_now_ms() - t0 > 120000)
            fail_msg("the mock made %zu of 50 changes in 120 s", ensmock_churn_journal(srv, NULL, 0));
        ts_sleep_ms(10);
    }
    wait_caught_up(w);
    run_stop(&run);

    assert_events_match_journal(&r, initial, ninitial, srv);
    assert_store_matches(w, c);
    {
        ens_watch_stats s = stats_of(w);
        assert_int_equal(s.walks_failed, 0);
        assert_true(s.added >= 57);
        assert_true(s.updated > 0 && s.removed > 0);
        /* removals were confirmed by lookups (nothing else removes here) */
        assert_true(s.lookups >= s.removed);
    }
    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* Connections move between pages under the walks (the set itself does not
 * change): nothing is reported twice, nothing is missed, nothing removed;
 * the moved walks were noticed and repeated. */
static void test_drifting_pages(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ensmock_churn ch;
    recorder r;
    runner run;
    ens_watch *w;
    ens_watch_stats s;
    (void)state;

    memset(&ch, 0, sizeof(ch));
    ch.drift_every = 3;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    rec_init(&r);
    w = new_watch(c, &r, 10, 2);
    run_start(&run, w);
    wait_applied(w, 25);
    run_stop(&run);

    s = stats_of(w);
    assert_true(s.walk_repeats > 0);
    assert_true(ensmock_churn_journal(srv, NULL, 0) > 10); /* moves made */
    assert_int_equal(rec_count(&r, ENS_WATCH_ADDED), 57);
    assert_int_equal(rec_count(&r, ENS_WATCH_UPDATED), 0);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 0);
    assert_int_equal(s.connections, 57);
    assert_int_equal(ensmock_set_churn(srv, NULL), ENSMOCK_OK);
    assert_store_matches(w, c);
    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* A removal and an addition during one walk keep TotalCount: the walk looks
 * consistent but misses the connection that moved onto a page it had
 * walked.  The lookup keeps it from being reported removed: the events are
 * exactly the journal's. */
static void test_drift_replace_confirms_removals(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ensmock_churn ch;
    static item initial[128];
    size_t ninitial;
    recorder r;
    runner run;
    ens_watch *w;
    ens_watch_stats s;
    (void)state;

    ninitial = mock_items(c, initial, 128);
    rec_init(&r);
    w = new_watch(c, &r, 10, 2);
    run_start(&run, w);
    wait_applied(w, 1);
    memset(&ch, 0, sizeof(ch));
    ch.drift_every = 7;
    ch.drift_replace = true;
    ch.settle_requests = 150;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    wait_applied(w, 30);
    assert_int_equal(ensmock_set_churn(srv, NULL), ENSMOCK_OK);
    wait_caught_up(w);
    run_stop(&run);

    s = stats_of(w);
    assert_true(ensmock_churn_journal(srv, NULL, 0) >= 4);
    assert_true(s.lookups > s.removed); /* some lookups found a connection still there */
    assert_events_match_journal(&r, initial, ninitial, srv);
    assert_store_matches(w, c);
    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- faults: a wrapper transport that breaks chosen requests -------------- */

typedef enum fault { F_NONE, F_THROTTLE, F_RESET } fault;

typedef struct faulty {
    ens_transport *inner;
    pthread_mutex_t lock;
    unsigned long requests;
    unsigned long fail_from, fail_every; /* request k >= fail_from with k % fail_every == 0 fails */
    fault kind;
    unsigned long injected;
} faulty;

static ens_status faulty_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    static const char throttled[] = "{\"RequestId\":\"F\",\"HostId\":\"h\",\"Code\":\"Throttling.User\","
                                    "\"Message\":\"Request was denied due to user flow control.\"}";
    faulty *f = ctx;
    fault kind = F_NONE;
    unsigned long k;
    pthread_mutex_lock(&f->lock);
    k = ++f->requests;
    if (f->kind != F_NONE && k >= f->fail_from && k % f->fail_every == 0) {
        kind = f->kind;
        f->injected++;
    }
    pthread_mutex_unlock(&f->lock);
    if (kind == F_THROTTLE) {
        ens_http_response_set_status(resp, 400);
        ens_http_response_append_body(resp, throttled, sizeof(throttled) - 1);
        return ENS_OK;
    }
    if (kind == F_RESET) {
        if (err) {
            ens_error_init(err);
            err->status = ENS_ENETWORK;
            snprintf(err->description, sizeof(err->description), "network error: connection reset (injected)");
        }
        return ENS_ENETWORK;
    }
    return ens_transport_send(f->inner, req, resp, err);
}

static void faulty_destroy(void *ctx)
{
    faulty *f = ctx;
    ens_transport_free(f->inner);
}

static const ens_transport_vtable faulty_vtable = {ENS_TRANSPORT_VTABLE_VERSION, faulty_send, faulty_destroy};

static void faulty_set(faulty *f, fault kind, unsigned long every)
{
    pthread_mutex_lock(&f->lock);
    f->kind = kind;
    f->fail_every = every;
    f->fail_from = f->requests + 1;
    pthread_mutex_unlock(&f->lock);
}

/* Removes n connections from the mock (journaled). */
static void mock_remove(ensmock_server *srv, int n)
{
    ensmock_churn ch;
    memset(&ch, 0, sizeof(ch));
    ch.remove_weight = 1;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    while (n-- > 0)
        assert_int_equal(ensmock_churn_step(srv), ENSMOCK_OK);
    assert_int_equal(ensmock_set_churn(srv, NULL), ENSMOCK_OK);
}

/* Waits until the watch has reported `failures` more failed walks. */
static void wait_failures(recorder *r, size_t failures)
{
    double t0 = ts_now_ms();
    while (rec_count(r, ENS_WATCH_WALK_FAILED) < failures) {
        if (ts_now_ms() - t0 > 60000)
            fail_msg("%zu failed walks in 60 s, expected %zu", rec_count(r, ENS_WATCH_WALK_FAILED), failures);
        ts_sleep_ms(5);
    }
}

/* Walks broken halfway by throttling, by connection resets and by the walk's
 * deadline never report a removal, although connections were removed
 * meanwhile; once the faults stop, the removals are reported, once each. */
static void test_broken_walks_never_remove(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    faulty f;
    ens_transport *inner = NULL, *t = NULL;
    ens_curl_transport_options co = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_client *c, *plain;
    ensmock_faults slow;
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error e = ENS_ERROR_INIT;
    recorder r;
    runner run;
    ens_watch *w = NULL;
    size_t i, failed;
    (void)state;

    memset(&f, 0, sizeof(f));
    pthread_mutex_init(&f.lock, NULL);
    assert_int_equal(ens_transport_curl_new(&inner, &co), ENS_OK);
    f.inner = inner;
    assert_int_equal(ens_transport_new(&t, &faulty_vtable, &f), ENS_OK);
    c = ts_mock_client(srv, &(ts_client_options){.transport = t, .max_attempts = 1});
    plain = ts_mock_client(srv, NULL);
    rec_init(&r);
    req.page_size = 10;
    o.request = &req;
    o.handler = on_event;
    o.payload = &r;
    o.interval_ms = 2;
    o.jitter = 0;
    o.backoff_min_ms = 2;
    o.backoff_max_ms = 10;
    o.walk_timeout_ms = 400;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_OK);
    run_start(&run, w);
    wait_applied(w, 1);

    /* Throttling on every 4th request: page 4 of 6 (or earlier) fails. */
    mock_remove(srv, 3);
    faulty_set(&f, F_THROTTLE, 4);
    failed = rec_count(&r, ENS_WATCH_WALK_FAILED);
    wait_failures(&r, failed + 5);
    /* Resets on every 3rd request. */
    faulty_set(&f, F_RESET, 3);
    failed = rec_count(&r, ENS_WATCH_WALK_FAILED);
    wait_failures(&r, failed + 5);
    /* Deadline: every answer 60 ms late, so 6 pages take longer than the
       walk's 400 ms. */
    faulty_set(&f, F_NONE, 1);
    memset(&slow, 0, sizeof(slow));
    slow.delay_ms = 100;
    assert_int_equal(ensmock_set_faults(srv, &slow), ENSMOCK_OK);
    failed = rec_count(&r, ENS_WATCH_WALK_FAILED);
    wait_failures(&r, failed + 2);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 0);
    assert_true(f.injected >= 10);
    {
        bool throttled = false, reset = false, timeout = false;
        pthread_mutex_lock(&r.lock);
        for (i = 0; i < r.n; i++)
            if (r.v[i].kind == ENS_WATCH_WALK_FAILED) {
                throttled |= r.v[i].error == ENS_ESERVICE;
                reset |= r.v[i].error == ENS_ENETWORK;
                timeout |= r.v[i].error == ENS_ETIMEOUT;
            }
        pthread_mutex_unlock(&r.lock);
        assert_true(throttled && reset && timeout);
    }
    /* The faults stop: the three removals are reported, once each. */
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
    wait_caught_up(w);
    wait_caught_up(w);
    run_stop(&run);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 3);
    assert_int_equal(stats_of(w).connections, 54);
    assert_int_equal(stats_of(w).consecutive_failures, 0);
    assert_store_matches(w, plain);

    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
    ens_client_free(plain);
    pthread_mutex_destroy(&f.lock);
    ensmock_stop(srv);
}

/* 30 connections removed at once: the first walk confirms 16 of them by
 * lookup (max_lookups), the next removes the 14 it missed again; each
 * removal reported once. */
static void test_mass_removal(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    recorder r;
    runner run;
    ens_watch *w;
    ens_watch_stats s;
    (void)state;

    rec_init(&r);
    w = new_watch(c, &r, 10, 100000); /* one walk per run_start */
    run_start(&run, w);
    wait_applied(w, 1);
    run_stop(&run);
    mock_remove(srv, 30);
    run_start(&run, w);
    wait_applied(w, 2);
    run_stop(&run);
    s = stats_of(w);
    assert_int_equal(s.lookups, ENS_WATCH_DEFAULT_MAX_LOOKUPS);
    assert_int_equal(s.removed, ENS_WATCH_DEFAULT_MAX_LOOKUPS);
    run_start(&run, w);
    wait_applied(w, 3);
    run_stop(&run);
    s = stats_of(w);
    assert_int_equal(s.lookups, ENS_WATCH_DEFAULT_MAX_LOOKUPS); /* none more */
    assert_int_equal(s.removed, 30);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 30);
    assert_int_equal(s.connections, 27);
    assert_store_matches(w, c);
    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- on an event loop ------------------------------------------------------ */

/* Drives the engine until the watch has applied `walks` walks (or stopped). */
static void loop_until(ens__async_loop *loop, ens_async *a, const ens_watch *w, uint64_t walks)
{
    double t0 = ts_now_ms();
    while (stats_of(w).walks_applied < walks) {
        assert_int_equal(ens__async_loop_run_once(loop, a, 50), ENS_OK);
        if (ts_now_ms() - t0 > 60000)
            fail_msg("the watch applied %llu of %llu walks in 60 s",
                     (unsigned long long)stats_of(w).walks_applied, (unsigned long long)walks);
    }
}

/* The event-loop driver: the same events as the blocking one, its interval
 * and its resync are the engine's timers; ens_watch_stop() from the handler
 * ends it at once. */
static void test_event_loop(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ens__async_loop loop = ENS__ASYNC_LOOP_INIT;
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_async *a = NULL;
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_watch *w = NULL;
    ensmock_churn ch;
    static item initial[128];
    size_t ninitial, i;
    recorder r;
    (void)state;

    ninitial = mock_items(c, initial, 128);
    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &loop;
    assert_int_equal(ens_async_new(&a, c, &ao, &e), ENS_OK);
    rec_init(&r);
    req.page_size = 20;
    o.request = &req;
    o.handler = on_event;
    o.payload = &r;
    o.interval_ms = 20;
    o.resync_ms = 150;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_OK);
    assert_int_equal(ens_watch_start(w, a, &e), ENS_OK);
    assert_int_equal(ens_watch_start(w, a, &e), ENS_EINVAL); /* already running */
    loop_until(&loop, a, w, 1);
    assert_int_equal(rec_count(&r, ENS_WATCH_ADDED), 57);
    assert_int_equal(stats_of(w).last_walk_calls, 3);

    /* changes between walks */
    memset(&ch, 0, sizeof(ch));
    ch.seed = 3;
    ch.settle_requests = 1000000;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    for (i = 0; i < 12; i++) {
        uint64_t applied = stats_of(w).walks_applied;
        assert_int_equal(ensmock_churn_step(srv), ENSMOCK_OK);
        loop_until(&loop, a, w, applied + 2);
    }
    /* resync: the whole store delivered again, every 150 ms */
    {
        double t0 = ts_now_ms();
        while (rec_count(&r, ENS_WATCH_RESYNC) < 2 * stats_of(w).connections) {
            assert_int_equal(ens__async_loop_run_once(&loop, a, 50), ENS_OK);
            assert_true(ts_now_ms() - t0 < 30000);
        }
        assert_true(stats_of(w).resyncs >= 2);
    }
    assert_events_match_journal(&r, initial, ninitial, srv);

    /* stop from the handler at the next walk's end */
    r.stop_watch = w;
    {
        uint64_t applied = stats_of(w).walks_applied, walks;
        loop_until(&loop, a, w, applied + 1);
        walks = stats_of(w).walks;
        for (i = 0; i < 10; i++)
            assert_int_equal(ens__async_loop_run_once(&loop, a, 30), ENS_OK);
        assert_int_equal(stats_of(w).walks, walks); /* nothing started since */
        assert_int_equal(ens_async_pending(a), 0);
    }
    /* and again on the same engine, stopped in the middle of a walk */
    r.stop_watch = NULL;
    assert_int_equal(ens_watch_start(w, a, &e), ENS_OK);
    assert_int_equal(ens__async_loop_run_once(&loop, a, 50), ENS_OK);
    ens_watch_stop(w);
    assert_int_equal(ens_async_pending(a), 0);
    ens_watch_stop(w); /* no-op */
    assert_store_matches(w, c);

    ens_watch_free(w);
    ens_async_free(a);
    ens__async_loop_free(&loop);
    rec_free(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* Bad arguments are refused before anything runs. */
static void test_invalid_arguments(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_watch_stats s = ENS_WATCH_STATS_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_watch *w = NULL;
    ens_watch_snapshot *snap = NULL;
    (void)state;

    assert_int_equal(ens_watch_new(NULL, c, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_watch_new(&w, NULL, NULL, &e), ENS_EINVAL);
    o.jitter = 1.5;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_EINVAL);
    assert_non_null(strstr(e.description, "jitter"));
    ens_watch_options_init(&o);
    assert_true(o.jitter == ENS_WATCH_DEFAULT_JITTER);
    o.interval_ms = -1;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_EINVAL);
    ens_watch_options_init(&o);
    req.page_size = 5;
    o.request = &req;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_EINVAL);
    assert_non_null(strstr(e.description, "PageSize"));
    o.request = NULL;
    o.version = 0;
    assert_int_equal(ens_watch_new(&w, c, &o, &e), ENS_EINVAL);
    assert_null(w);

    assert_int_equal(ens_watch_new(&w, c, NULL, &e), ENS_OK);
    assert_int_equal(ens_watch_run(w, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_watch_start(w, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_watch_get_stats(w, NULL), ENS_EINVAL);
    s.version = 0;
    assert_int_equal(ens_watch_get_stats(w, &s), ENS_EINVAL);
    assert_int_equal(ens_watch_snapshot_get(NULL, &snap), ENS_EINVAL);
    assert_int_equal(ens_watch_snapshot_count(NULL), 0);
    assert_null(ens_watch_snapshot_at(NULL, 0));
    assert_null(ens_watch_snapshot_find(NULL, "x"));
    ens_watch_snapshot_release(NULL);
    assert_false(ens_watch_has_synced(NULL));
    assert_string_equal(ens_watch_event_name(ENS_WATCH_WALK_FAILED), "walk-failed");
    assert_string_equal(ens_watch_event_name((ens_watch_event_kind)99), "unknown");
    ens_watch_stop(w); /* not running: no-op */
    ens_watch_free(w);
    ens_watch_free(NULL);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- a connection met twice in one pass ------------------------------------ */

/* A service of the test's own.  Phase 0: c01..c12 over two pages of 10.
 * Phase 1: c12 is gone, and c10 shows on page 1 and again on page 2, as when
 * a row moves onto a later page during the walk; the number of distinct
 * connections met (11) still agrees with TotalCount (11).  Lookups (a
 * request naming one InstanceId) find nothing. */
typedef struct moved_service {
    atomic_int phase;
    atomic_uint lookups;
} moved_service;

static size_t moved_item(char *out, size_t cap, int i)
{
    int n = snprintf(out, cap, "{\"InstanceId\":\"pcc-moved%02d\",\"Name\":\"m%d\",\"Status\":\"Activated\"}",
                     i, i);
    return n > 0 ? (size_t)n : 0;
}

static ens_status moved_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                             ens_error *err)
{
    moved_service *m = ctx;
    const char *p = strstr(req->url, "PageNumber=");
    long page = p ? strtol(p + strlen("PageNumber="), NULL, 10) : 1;
    int first = 0, last = -1, total = 0, i;
    char body[4096];
    size_t n;
    (void)err;
    if (strstr(req->url, "InstanceId=")) {
        atomic_fetch_add(&m->lookups, 1);
    } else if (atomic_load(&m->phase) == 0) {
        total = 12;
        first = page == 1 ? 1 : 11;
        last = page == 1 ? 10 : 12;
    } else {
        total = 11;
        first = page == 1 ? 1 : 10; /* c10 again */
        last = page == 1 ? 10 : 11;
    }
    n = (size_t)snprintf(body, sizeof(body),
                         "{\"RequestId\":\"R\",\"PageNumber\":%ld,\"PageSize\":10,\"TotalCount\":%d,"
                         "\"NetworkPeerConnects\":[",
                         page, total);
    for (i = first; i <= last; i++) {
        if (i > first)
            body[n++] = ',';
        n += moved_item(body + n, sizeof(body) - n, i);
    }
    n += (size_t)snprintf(body + n, sizeof(body) - n, "]}");
    ens_http_response_set_status(resp, 200);
    return ens_http_response_append_body(resp, body, n);
}

static const ens_transport_vtable moved_vtable = {ENS_TRANSPORT_VTABLE_VERSION, moved_send, NULL};

/* A pass that met a connection twice is not consistent, even when the
 * count of distinct connections agrees with TotalCount: it is walked again,
 * then applied without removals; the connection it missed is neither looked
 * up nor removed. */
static void test_met_twice_is_not_consistent(void **state)
{
    moved_service m;
    ens_transport *t = NULL;
    ens_client *c;
    recorder r;
    runner run;
    ens_watch *w;
    ens_watch_stats st;
    uint64_t applied;
    (void)state;
    atomic_init(&m.phase, 0);
    atomic_init(&m.lookups, 0);
    assert_int_equal(ens_transport_new(&t, &moved_vtable, &m), ENS_OK);
    c = ts_client(&(ts_client_options){.key_id = "k", .secret = "s", .transport = t,
                                       .endpoint = "https://ens.example.com"});
    rec_init(&r);
    w = new_watch(c, &r, 10, 2);
    run_start(&run, w);
    wait_applied(w, 1);
    assert_int_equal(stats_of(w).connections, 12);

    atomic_store(&m.phase, 1);
    applied = stats_of(w).walks + 1;
    wait_applied(w, applied + 1); /* two whole walks of phase 1 */
    run_stop(&run);
    st = stats_of(w);
    assert_true(st.walk_repeats >= 1);
    assert_true(st.walks_unsettled >= 1);
    assert_int_equal(st.removed, 0);
    assert_int_equal(rec_count(&r, ENS_WATCH_REMOVED), 0);
    assert_int_equal(atomic_load(&m.lookups), 0);
    assert_int_equal(st.connections, 12);
    ens_watch_free(w);
    rec_free(&r);
    ens_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_first_walk_syncs),
        cmocka_unit_test(test_every_change_once_in_order),
        cmocka_unit_test(test_drifting_pages),
        cmocka_unit_test(test_drift_replace_confirms_removals),
        cmocka_unit_test(test_broken_walks_never_remove),
        cmocka_unit_test(test_mass_removal),
        cmocka_unit_test(test_event_loop),
        cmocka_unit_test(test_met_twice_is_not_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
