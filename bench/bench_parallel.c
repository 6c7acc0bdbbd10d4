/* SPDX-License-Identifier: MIT */
/* Benchmark: the parallel page walk (ens_iterator_options.parallel, issue 10).
 *
 * Walks 2,000 connections at page size 10 (200 pages) from the mock server,
 * which delays every reply by 20 ms (a stand-in for a network round trip):
 * once one page at a time, once with parallel = 8.  Prints the wall time of
 * each and their ratio.  Never asserts timing; exits non-zero when a walk
 * fails or does not yield the 2,000 connections in order.
 *
 * The mock runs in this process (the forked mock of bench_util has no fault
 * switches, and the delay is one): its threads sleep through the delay, so
 * they hardly disturb the measurement.  --quick: 200 connections, 5 ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define PAGE 10
#define PARALLEL 8

/* One walk with the peer iterator; returns its wall time in seconds. */
static double walk(ens_client *c, unsigned parallel, size_t items, char **first_ids)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    size_t n = 0;
    ens_status st;
    double t0 = bench_now(), t;
    req.page_size = PAGE;
    io.parallel = parallel;
    if (ens_peer_iterator_new(&it, c, &req, &io, &err) != ENS_OK) {
        fprintf(stderr, "bench_parallel: ens_peer_iterator_new: %s\n", err.description);
        exit(1);
    }
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK) {
        /* the same sequence as the first walk, item by item */
        if (n >= items || !pc->instance_id ||
            (first_ids[n] && strcmp(first_ids[n], pc->instance_id) != 0)) {
            fprintf(stderr, "bench_parallel: item %zu differs between walks\n", n);
            exit(1);
        }
        if (!first_ids[n] && !(first_ids[n] = strdup(pc->instance_id))) {
            fprintf(stderr, "bench_parallel: out of memory\n");
            exit(1);
        }
        n++;
    }
    t = bench_now() - t0;
    if (st != ENS_ITEROVER) {
        fprintf(stderr, "bench_parallel: walk (parallel %u) failed after %zu items: %s\n", parallel,
                n, err.description);
        exit(1);
    }
    ens_peer_iterator_free(it);
    if (n != items) {
        fprintf(stderr, "bench_parallel: the walk yielded %zu items, expected %zu\n", n, items);
        exit(1);
    }
    return t;
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t items = quick ? 200 : 2000, i;
    long delay = quick ? 5 : 20;
    char *data = bench_gen_dataset(items);
    char **ids = calloc(items, sizeof(*ids));
    ensmock_options mo;
    ensmock_server *srv = NULL;
    ensmock_stats ms;
    ens_client *c;
    double seq, par;
    unsigned long seq_requests;

    if (!data || !ids) {
        fprintf(stderr, "bench_parallel: out of memory\n");
        return 1;
    }
    ensmock_options_init(&mo);
    mo.data_json = data;
    mo.faults.delay_ms = delay;
    if (ensmock_start(&mo, &srv) != ENSMOCK_OK) {
        fprintf(stderr, "bench_parallel: cannot start the mock with %zu connections\n", items);
        return 1;
    }
    free(data);
    c = bench_client_new(ensmock_url(srv), NULL);
    printf("bench_parallel: %zu connections, page size %d (%zu pages), %ld ms per reply, %s mode\n",
           items, PAGE, items / PAGE, delay, quick ? "quick" : "full");

    seq = walk(c, 1, items, ids);
    ensmock_stats_get(srv, &ms);
    seq_requests = ms.requests;
    ensmock_stats_reset(srv);
    par = walk(c, PARALLEL, items, ids);
    ensmock_stats_get(srv, &ms);

    printf("sequential:  %8.3f s  (%lu requests, %.1f ms per page)\n", seq, seq_requests,
           1e3 * seq / (double)(items / PAGE));
    printf("parallel %d:  %8.3f s  (%lu requests, %.1f ms per page)\n", PARALLEL, par, ms.requests,
           1e3 * par / (double)(items / PAGE));
    printf("speed-up:    %8.2f x  (sequential / parallel %d)\n", seq / par, PARALLEL);
    bench_result("parallel.sequential_s", seq, "s");
    bench_result("parallel.parallel8_s", par, "s");
    bench_result("parallel.speedup", seq / par, "x");

    ens_client_free(c);
    ensmock_stop(srv);
    for (i = 0; i < items; i++)
        free(ids[i]);
    free(ids);
    return 0;
}
