/* SPDX-License-Identifier: MIT */
/* Benchmark 4: walking 10,000 connections from the mock at page size 100.
 *
 * "iterator": ens_peer_iterator (iterator.h), item by item, over one client.
 * "page loop": for reference, the same 100 pages fetched by hand with
 * ens_describe_peer_connections() (what the iterator adds is its
 * bookkeeping: request copy, repeat detection, termination checks).
 * Prints items/s of each.  Never asserts timing; exits non-zero when a walk
 * fails or does not yield exactly the 10,000 connections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define ITEMS 10000
#define PAGE 100

static double walk_iterator(ens_client *c)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    size_t n = 0;
    ens_status st;
    double t0 = bench_now(), t;
    req.page_size = PAGE;
    if (ens_peer_iterator_new(&it, c, &req, NULL, &err) != ENS_OK) {
        fprintf(stderr, "bench_iterator: ens_peer_iterator_new: %s\n", err.description);
        exit(1);
    }
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK) {
        if (!pc->instance_id) {
            fprintf(stderr, "bench_iterator: connection without an InstanceId\n");
            exit(1);
        }
        n++;
    }
    t = bench_now() - t0;
    if (st != ENS_ITEROVER) {
        fprintf(stderr, "bench_iterator: walk failed after %zu items: %s\n", n, err.description);
        exit(1);
    }
    ens_peer_iterator_free(it);
    if (n != ITEMS) {
        fprintf(stderr, "bench_iterator: the walk yielded %zu items, expected %d\n", n, ITEMS);
        exit(1);
    }
    return (double)n / t;
}

static double walk_pages(ens_client *c)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    size_t n = 0;
    double t0 = bench_now(), t;
    req.page_size = PAGE;
    for (req.page_number = 1;; req.page_number++) {
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        size_t got;
        if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK) {
            fprintf(stderr, "bench_iterator: page %d: %s\n", (int)req.page_number, err.description);
            exit(1);
        }
        got = resp->connections_count;
        n += got;
        ens_describe_response_free(resp);
        if (got < PAGE || n >= ITEMS)
            break;
    }
    t = bench_now() - t0;
    if (n != ITEMS) {
        fprintf(stderr, "bench_iterator: the page loop got %zu items, expected %d\n", n, ITEMS);
        exit(1);
    }
    return (double)n / t;
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t reps = quick ? 1 : 7, r;
    double it_v[7], pg_v[7], it_med, pg_med;
    bench_mock mock;
    ens_client *c;
    char *data = bench_gen_dataset(ITEMS);

    if (!data || bench_mock_start(&mock, data) != 0) {
        fprintf(stderr, "bench_iterator: cannot start the mock with %d connections\n", ITEMS);
        return 1;
    }
    free(data);
    c = bench_client_new(mock.url, NULL);
    printf("bench_iterator: %d connections, page size %d, %s mode\n", ITEMS, PAGE,
           quick ? "quick" : "full");
    walk_pages(c); /* warm-up: connection, caches */
    for (r = 0; r < reps; r++) {
        it_v[r] = walk_iterator(c);
        pg_v[r] = walk_pages(c);
        printf("  walk %zu  iterator %.0f items/s  page loop %.0f items/s\n", r + 1, it_v[r], pg_v[r]);
    }
    it_med = bench_median(it_v, reps);
    pg_med = bench_median(pg_v, reps);
    printf("ens_peer_iterator: %.0f items/s (%.1f ms per 10,000-item walk), median of %zu\n", it_med,
           1e3 * ITEMS / it_med, reps);
    printf("manual page loop:  %.0f items/s (%.1f ms per walk); iterator/page loop %.3f\n", pg_med,
           1e3 * ITEMS / pg_med, it_med / pg_med);
    bench_result("iterator.items_per_s", it_med, "items/s");
    bench_result("iterator.page_loop_items_per_s", pg_med, "items/s");
    ens_client_free(c);
    bench_mock_stop(&mock);
    return 0;
}
