/* SPDX-License-Identifier: MIT */
/* Benchmark 8: a watch of 10,000 connections at page size 100.
 *
 * Measures what a watch costs a daemon:
 *  - calls per interval: with nothing changing, every walk must cost exactly
 *    the 100 page calls (no lookup, no repeat); counted by the watch and by
 *    the mock, which must agree;
 *  - the store's memory: the library's live heap bytes (counting hooks
 *    installed with ens_set_allocator) after the first walk, minus before,
 *    per connection; and the peak during a walk (the pages it holds);
 *  - the time of a walk (first: everything added; later: nothing changed)
 *    and of taking and releasing a snapshot.
 * Prints its figures and RESULT lines; exits non-zero only when it could not
 * run, a walk failed, or a walk cost other than 100 calls. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define ITEMS 10000
#define PAGE 100

/* ---- library heap bytes ---------------------------------------------------- */

/* Each block carries its size in a 16-byte header (keeps malloc's alignment). */
#define HDR 16
static atomic_llong live_bytes, peak_bytes;

static void note(long long delta)
{
    long long now = atomic_fetch_add(&live_bytes, delta) + delta, peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now)) {
    }
}

static void *b_malloc(void *payload, size_t size)
{
    char *p = malloc(size + HDR);
    (void)payload;
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof(size));
    note((long long)size);
    return p + HDR;
}

static void b_free(void *payload, void *ptr)
{
    size_t size;
    (void)payload;
    if (!ptr)
        return;
    memcpy(&size, (char *)ptr - HDR, sizeof(size));
    note(-(long long)size);
    free((char *)ptr - HDR);
}

static void *b_realloc(void *payload, void *ptr, size_t size)
{
    size_t old = 0;
    char *p;
    if (ptr)
        memcpy(&old, (char *)ptr - HDR, sizeof(old));
    p = realloc(ptr ? (char *)ptr - HDR : NULL, size + HDR);
    (void)payload;
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof(size));
    note((long long)size - (long long)old);
    return p + HDR;
}

/* ---- running the watch one walk at a time ------------------------------------ */

typedef struct runner {
    ens_watch *w;
    ens_cancel *cancel;
    unsigned int walks_left; /* the handler triggers cancel when it reaches 0 */
    unsigned int failed;
} runner;

static void on_event(void *payload, const ens_watch_event *ev)
{
    runner *r = payload;
    if (ev->kind == ENS_WATCH_WALK_FAILED) {
        fprintf(stderr, "bench_watch: walk failed: %s\n", ev->error->description);
        r->failed++;
        ens_cancel_trigger(r->cancel);
    }
    if (ev->kind == ENS_WATCH_WALK_DONE && --r->walks_left == 0)
        ens_cancel_trigger(r->cancel);
}

/* Runs the watch for n walks (its interval between them). */
static void run_walks(runner *r, unsigned int n)
{
    ens_error e = ENS_ERROR_INIT;
    r->walks_left = n;
    ens_cancel_reset(r->cancel);
    if (ens_watch_run(r->w, r->cancel, &e) != ENS_OK || r->failed) {
        fprintf(stderr, "bench_watch: the watch failed: %s\n", e.description);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    unsigned int intervals = quick ? 3 : 20, i;
    ens_allocator counting = {ENS_ALLOCATOR_VERSION, b_malloc, b_realloc, b_free, NULL};
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_watch_stats s = ENS_WATCH_STATS_INIT;
    ens_error e = ENS_ERROR_INIT;
    ensmock_stats ms;
    bench_mock mock;
    ens_client *c;
    runner r;
    long long before, after, peak;
    double t0, first_walk_ms, snap_ns, walk_ms_sum = 0;
    uint64_t calls_before;
    char *data = bench_gen_dataset(ITEMS);

    if (!data || bench_mock_start(&mock, data) != 0) {
        fprintf(stderr, "bench_watch: cannot start the mock with %d connections\n", ITEMS);
        return 1;
    }
    free(data);
    if (ens_set_allocator(&counting) != ENS_OK)
        return 1;
    c = bench_client_new(mock.url, NULL);
    printf("bench_watch: %d connections, page size %d, %u intervals, %s mode\n", ITEMS, PAGE, intervals,
           quick ? "quick" : "full");

    req.page_size = PAGE;
    o.request = &req;
    o.handler = on_event;
    o.payload = &r;
    o.interval_ms = 20;
    o.jitter = 0;
    memset(&r, 0, sizeof(r));
    if (ens_cancel_new(&r.cancel) != ENS_OK)
        return 1;
    bench_mock_reset(&mock);
    before = atomic_load(&live_bytes);
    if (ens_watch_new(&r.w, c, &o, &e) != ENS_OK) {
        fprintf(stderr, "bench_watch: %s\n", e.description);
        return 1;
    }

    /* The first walk: everything is added. */
    atomic_store(&peak_bytes, atomic_load(&live_bytes));
    t0 = bench_now();
    run_walks(&r, 1);
    first_walk_ms = (bench_now() - t0) * 1e3;
    after = atomic_load(&live_bytes);
    peak = atomic_load(&peak_bytes);
    ens_watch_get_stats(r.w, &s);
    if (s.connections != ITEMS || s.last_walk_calls != ITEMS / PAGE) {
        fprintf(stderr, "bench_watch: the first walk stored %zu connections in %u calls\n", s.connections,
                s.last_walk_calls);
        return 1;
    }

    /* Steady state: nothing changes; each walk must cost 100 calls. */
    calls_before = s.calls;
    for (i = 0; i < intervals; i++) {
        run_walks(&r, 1);
        ens_watch_get_stats(r.w, &s);
        walk_ms_sum += (double)s.last_walk_ms;
        if (s.last_walk_calls != ITEMS / PAGE || s.lookups || s.walk_repeats) {
            fprintf(stderr, "bench_watch: walk %u cost %u calls (%llu lookups, %llu repeats)\n", i + 2,
                    s.last_walk_calls, (unsigned long long)s.lookups, (unsigned long long)s.walk_repeats);
            return 1;
        }
    }
    if (bench_mock_stats(&mock, &ms) != 0 || ms.requests != s.calls || ms.ok != s.calls) {
        fprintf(stderr, "bench_watch: the mock answered %lu requests, the watch made %llu calls\n",
                ms.requests, (unsigned long long)s.calls);
        return 1;
    }

    /* Taking a snapshot. */
    {
        unsigned long n = quick ? 10000 : 1000000, k;
        ens_watch_snapshot *snap = NULL;
        t0 = bench_now();
        for (k = 0; k < n; k++) {
            ens_watch_snapshot_get(r.w, &snap);
            ens_watch_snapshot_release(snap);
        }
        snap_ns = (bench_now() - t0) * 1e9 / (double)n;
    }

    printf("calls per interval: %.1f (%llu calls over %u walks after the first; the mock answered %lu)\n",
           (double)(s.calls - calls_before) / intervals, (unsigned long long)(s.calls - calls_before),
           intervals, ms.ok);
    printf("store: %lld bytes of library heap for %d connections: %.0f bytes per connection\n", after - before,
           ITEMS, (double)(after - before) / ITEMS);
    printf("peak during the first walk: %lld bytes above the idle client (%.0f per connection)\n",
           peak - before, (double)(peak - before) / ITEMS);
    printf("first walk (10,000 added): %.1f ms; unchanged walk: %.1f ms (mean of %u)\n", first_walk_ms,
           walk_ms_sum / intervals, intervals);
    printf("snapshot get + release: %.0f ns\n", snap_ns);
    bench_result("watch.calls_per_interval", (double)(s.calls - calls_before) / intervals, "calls");
    bench_result("watch.store_bytes_per_connection", (double)(after - before) / ITEMS, "bytes");
    bench_result("watch.walk_peak_bytes_per_connection", (double)(peak - before) / ITEMS, "bytes");
    bench_result("watch.first_walk_ms", first_walk_ms, "ms");
    bench_result("watch.unchanged_walk_ms", walk_ms_sum / intervals, "ms");
    bench_result("watch.snapshot_ns", snap_ns, "ns");

    ens_watch_free(r.w);
    ens_cancel_free(r.cancel);
    ens_client_free(c);
    bench_mock_stop(&mock);
    if (atomic_load(&live_bytes) != 0) {
        fprintf(stderr, "bench_watch: %lld library bytes never freed\n", atomic_load(&live_bytes));
        return 1;
    }
    return 0;
}
