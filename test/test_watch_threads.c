/* SPDX-License-Identifier: MIT */
/* The watch's store read from other threads while the watch applies walks
 * of a data set the mock keeps changing: every snapshot is consistent (its
 * count, its order, its lookups agree; its generation never goes back; it
 * stays valid and unchanged however long it is held).  Run under
 * ThreadSanitizer too: meson setup -Db_sanitize=thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "support/mock.h"

#define READERS 4

typedef struct reader {
    ens_watch *w;
    atomic_bool *stop;
    unsigned long snapshots, connections, held_checks;
    char failure[256];
} reader;

/* Every check a reader makes of one snapshot; false with r->failure set. */
static bool check_snapshot(reader *r, const ens_watch_snapshot *s, uint64_t *last_gen)
{
    size_t n = ens_watch_snapshot_count(s), i;
    uint64_t gen = ens_watch_snapshot_generation(s);
    if (gen < *last_gen) {
        snprintf(r->failure, sizeof(r->failure), "generation went back: %llu after %llu",
                 (unsigned long long)gen, (unsigned long long)*last_gen);
        return false;
    }
    *last_gen = gen;
    for (i = 0; i < n; i++) {
        const ens_peer_connection *p = ens_watch_snapshot_at(s, i);
        if (!p || !p->instance_id || !p->status_text) {
            snprintf(r->failure, sizeof(r->failure), "entry %zu of %zu is incomplete", i, n);
            return false;
        }
        if (i && strcmp(ens_watch_snapshot_at(s, i - 1)->instance_id, p->instance_id) >= 0) {
            snprintf(r->failure, sizeof(r->failure), "entries %zu and %zu out of order", i - 1, i);
            return false;
        }
        if (ens_watch_snapshot_find(s, p->instance_id) != p) {
            snprintf(r->failure, sizeof(r->failure), "find(%s) disagrees with at(%zu)", p->instance_id, i);
            return false;
        }
    }
    if (ens_watch_snapshot_at(s, n)) {
        snprintf(r->failure, sizeof(r->failure), "an entry beyond the count");
        return false;
    }
    r->connections += n;
    return true;
}

static void *read_loop(void *arg)
{
    reader *r = arg;
    uint64_t last_gen = 0;
    while (!atomic_load(r->stop)) {
        ens_watch_snapshot *s = NULL, *again = NULL;
        char first[64] = "";
        const char *status = NULL;
        if (ens_watch_snapshot_get(r->w, &s) != ENS_OK) {
            snprintf(r->failure, sizeof(r->failure), "ens_watch_snapshot_get failed");
            return NULL;
        }
        if (!check_snapshot(r, s, &last_gen)) {
            ens_watch_snapshot_release(s);
            return NULL;
        }
        if (ens_watch_snapshot_count(s)) {
            snprintf(first, sizeof(first), "%s", ens_watch_snapshot_at(s, 0)->instance_id);
            status = ens_watch_snapshot_at(s, 0)->status_text;
        }
        /* Hold it while the watch goes on: it must not change. */
        ts_sleep_ms(2);
        ens_watch_snapshot_get(r->w, &again);
        ens_watch_snapshot_release(again);
        if (ens_watch_snapshot_count(s) &&
            (strcmp(first, ens_watch_snapshot_at(s, 0)->instance_id) != 0 ||
             status != ens_watch_snapshot_at(s, 0)->status_text)) {
            snprintf(r->failure, sizeof(r->failure), "a held snapshot changed");
            ens_watch_snapshot_release(s);
            return NULL;
        }
        r->held_checks++;
        r->snapshots++;
        ens_watch_snapshot_release(s);
    }
    return NULL;
}

typedef struct runner {
    ens_watch *w;
    ens_cancel *cancel;
    ens_status st;
} runner;

static void *run_watch(void *arg)
{
    runner *r = arg;
    r->st = ens_watch_run(r->w, r->cancel, NULL);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_watch *w = NULL;
    ensmock_churn ch;
    atomic_bool stop;
    reader rd[READERS];
    pthread_t th[READERS], wt;
    runner run;
    ens_watch_stats s = ENS_WATCH_STATS_INIT;
    double t0;
    int i;
    (void)state;

    req.page_size = 20;
    o.request = &req;
    o.interval_ms = 1;
    o.jitter = 0;
    assert_int_equal(ens_watch_new(&w, c, &o, NULL), ENS_OK);
    memset(&ch, 0, sizeof(ch));
    ch.seed = 11;
    ch.interval_ms = 3;
    ch.min_connections = 30;
    ch.max_connections = 90;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);

    atomic_init(&stop, false);
    for (i = 0; i < READERS; i++) {
        memset(&rd[i], 0, sizeof(rd[i]));
        rd[i].w = w;
        rd[i].stop = &stop;
        assert_int_equal(pthread_create(&th[i], NULL, read_loop, &rd[i]), 0);
    }
    memset(&run, 0, sizeof(run));
    run.w = w;
    assert_int_equal(ens_cancel_new(&run.cancel), ENS_OK);
    assert_int_equal(pthread_create(&wt, NULL, run_watch, &run), 0);

    /* until the store has changed many times under the readers */
    t0 = ts_now_ms();
    do {
        ts_sleep_ms(20);
        assert_int_equal(ens_watch_get_stats(w, &s), ENS_OK);
        assert_true(ts_now_ms() - t0 < 120000);
    } while (s.generation < 30);

    atomic_store(&stop, true);
    for (i = 0; i < READERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        if (rd[i].failure[0])
            fail_msg("reader %d: %s", i, rd[i].failure);
        assert_true(rd[i].snapshots > 0);
    }
    ens_cancel_trigger(run.cancel);
    assert_int_equal(pthread_join(wt, NULL), 0);
    assert_int_equal(run.st, ENS_OK);
    assert_int_equal(ensmock_set_churn(srv, NULL), ENSMOCK_OK);
    print_message("%llu store generations, %llu walks; readers took %lu, %lu, %lu, %lu snapshots\n",
                  (unsigned long long)s.generation, (unsigned long long)s.walks, rd[0].snapshots,
                  rd[1].snapshots, rd[2].snapshots, rd[3].snapshots);
    ens_cancel_free(run.cancel);
    ens_watch_free(w);
    ens_client_free(c);
    ensmock_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
