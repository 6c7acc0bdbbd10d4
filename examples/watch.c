/* SPDX-License-Identifier: MIT */
/* watch: what a reconciling daemon builds on DescribeNetworkPeerConnections,
 * with the library's watch (watch.h), wait (wait.h) and metrics (metrics.h).
 *
 *   watch [SECONDS]      (default 3)
 *
 * Starts a local mock ENS endpoint that adds, changes and removes peer
 * connections while it runs, then:
 *  - watches every connection (a walk every 200 ms, jittered), printing each
 *    one added, updated or removed, until SECONDS have passed (a daemon
 *    triggers the token from its SIGTERM handling instead);
 *  - meanwhile another thread reads the store as consistent snapshots, as a
 *    daemon's status endpoint would;
 *  - then waits for one connection to be Activated (or gone);
 *  - and prints the client's counters as Prometheus text, what a daemon
 *    serves on /metrics.
 * On an event loop, ens_watch_start() replaces ens_watch_run() (see
 * examples/poll_loop.c for such a loop). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ensclient/ensclient.h>

#include "ens_mock.h"

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* ---- the handler: runs on the watch's thread ------------------------------- */

static void on_event(void *payload, const ens_watch_event *ev)
{
    const ens_peer_connection *c = ev->connection ? ev->connection : ev->old_connection;
    (void)payload;
    switch (ev->kind) {
    case ENS_WATCH_ADDED:
        printf("+ %s %s\n", c->instance_id, c->status_text ? c->status_text : "-");
        break;
    case ENS_WATCH_UPDATED:
        printf("~ %s %s -> %s\n", c->instance_id, ev->old_connection->status_text, c->status_text);
        break;
    case ENS_WATCH_REMOVED:
        printf("- %s\n", c->instance_id);
        break;
    case ENS_WATCH_SYNCED:
        printf("synced: %zu connections\n", ev->stats->connections);
        break;
    case ENS_WATCH_WALK_FAILED:
        /* nothing changed; the watch retries after retry_in_ms */
        fprintf(stderr, "walk failed: %s\n", ev->error->description);
        break;
    default:
        break;
    }
}

/* ---- a reader on another thread ---------------------------------------------- */

typedef struct reader {
    ens_watch *watch;
    atomic_bool stop;
    unsigned long reads;
} reader;

static void *read_store(void *arg)
{
    reader *r = arg;
    while (!atomic_load(&r->stop)) {
        ens_watch_snapshot *s = NULL;
        size_t i, activated = 0;
        ens_watch_snapshot_get(r->watch, &s);
        for (i = 0; i < ens_watch_snapshot_count(s); i++)
            activated += ens_watch_snapshot_at(s, i)->status == ENS_PEER_STATUS_ACTIVATED;
        ens_watch_snapshot_release(s);
        r->reads++;
        (void)activated;
        sleep_ms(20);
    }
    return NULL;
}

/* Triggered after the run time; a daemon triggers it when told to stop. */
static ens_cancel *stop_token;

static void *stop_later(void *arg)
{
    const long *ms = arg;
    sleep_ms(*ms);
    ens_cancel_trigger(stop_token);
    return NULL;
}

int main(int argc, char **argv)
{
    long run_ms = (argc > 1 ? atol(argv[1]) : 3) * 1000;
    ensmock_options mo;
    ensmock_churn churn;
    ensmock_server *mock = NULL;
    ens_client_options co = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_watch_options wo = ENS_WATCH_OPTIONS_INIT;
    ens_watch *watch = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_watch_stats stats = ENS_WATCH_STATS_INIT;
    reader rd;
    pthread_t rt, st;
    int rc = 1;

    /* A mock endpoint whose data set changes every 100 ms. */
    ensmock_options_init(&mo);
    memset(&churn, 0, sizeof(churn));
    churn.seed = 42;
    churn.interval_ms = 100;
    churn.min_connections = 40;
    if (ensmock_start(&mo, &mock) != ENSMOCK_OK || ensmock_set_churn(mock, &churn) != ENSMOCK_OK)
        return 1;
    co.endpoint = ensmock_url(mock);
    if (ens_credentials_provider_static_new(&co.credentials, ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET,
                                            NULL) != ENS_OK ||
        ens_client_new(&client, &co, &err) != ENS_OK || ens_cancel_new(&stop_token) != ENS_OK) {
        fprintf(stderr, "watch: %s\n", err.description);
        goto out;
    }

    /* The watch: every connection, a walk every 200 ms +- 10 %. */
    wo.handler = on_event;
    wo.interval_ms = 200;
    if (ens_watch_new(&watch, client, &wo, &err) != ENS_OK) {
        fprintf(stderr, "watch: %s\n", err.description);
        goto out;
    }
    rd.watch = watch;
    atomic_init(&rd.stop, false);
    rd.reads = 0;
    pthread_create(&rt, NULL, read_store, &rd);
    pthread_create(&st, NULL, stop_later, &run_ms);
    ens_watch_run(watch, stop_token, &err); /* until stop_token is triggered */
    pthread_join(st, NULL);
    atomic_store(&rd.stop, true);
    pthread_join(rt, NULL);
    ens_watch_get_stats(watch, &stats);
    printf("%llu walks (%llu applied, %llu failed), %llu calls; %llu added, %llu updated, %llu removed; "
           "%zu in the store; the reader took %lu snapshots\n",
           (unsigned long long)stats.walks, (unsigned long long)stats.walks_applied,
           (unsigned long long)stats.walks_failed, (unsigned long long)stats.calls,
           (unsigned long long)stats.added, (unsigned long long)stats.updated,
           (unsigned long long)stats.removed, stats.connections, rd.reads);

    /* Wait for the first connection of the store to be Activated. */
    {
        ens_watch_snapshot *s = NULL;
        ens_wait_options o = ENS_WAIT_OPTIONS_INIT;
        ens_wait_result r = ENS_WAIT_RESULT_INIT;
        char id[64] = "";
        ens_watch_snapshot_get(watch, &s);
        if (ens_watch_snapshot_count(s))
            snprintf(id, sizeof(id), "%s", ens_watch_snapshot_at(s, 0)->instance_id);
        ens_watch_snapshot_release(s);
        o.status = ENS_PEER_STATUS_ACTIVATED;
        o.timeout_ms = 10000;
        o.min_delay_ms = 100;
        o.max_delay_ms = 500;
        if (*id && ens_wait_peer_connection(client, id, &o, &r, &err) == ENS_OK)
            printf("wait for %s: %s after %u poll(s)\n", id, ens_wait_outcome_name(r.outcome), r.polls);
        else if (*id)
            fprintf(stderr, "wait for %s: %s\n", id, err.description);
        ens_wait_result_clear(&r);
    }

    /* What a daemon serves on /metrics. */
    {
        ens_metrics m = ENS_METRICS_INIT;
        static char text[8192];
        ens_client_metrics(client, &m);
        if (ens_metrics_format(&m, "watch-example", 0, text, sizeof(text), NULL) == ENS_OK)
            fputs(text, stdout);
    }
    rc = stats.walks_applied > 0 && stats.connections > 0 ? 0 : 1;
out:
    ens_watch_free(watch);
    ens_client_free(client);
    ens_cancel_free(stop_token);
    ensmock_stop(mock);
    return rc;
}
