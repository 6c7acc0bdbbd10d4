/* SPDX-License-Identifier: MIT */
/* The watch (see include/ensclient/watch.h): options, scheduling (interval,
 * jitter, backoff, resync), applying a finished walk to the store and
 * delivering its events, and the two drivers of the walk state machine
 * (walk.h): blocking calls on the caller's thread, or asynchronous calls and
 * timers on an ens_async engine. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "async/async_timer.h"
#include "call/client_internal.h"
#include "request/request_copy.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/error.h"
#include "watch/pace.h"
#include "watch/store.h"
#include "watch/walk.h"
#include "ensclient/watch.h"

struct ens_watch {
    ens_client *client;           /* borrowed */
    ens_describe_request req;     /* the query, page_size set */
    char *req_block;              /* its strings */
    ens__walk_config cfg;
    ens_watch_fn handler;
    void *payload;
    long interval_ms, resync_ms, backoff_min_ms, backoff_max_ms;
    double jitter;
    ens__store store;
    pthread_mutex_t lock;         /* guards stats */
    ens_watch_stats stats;
    atomic_bool synced;
    atomic_bool running;
    long long next_walk, next_resync; /* monotonic ms; next_resync -1 = never */
    ens__walk walk;
    bool walking;
    /* on an engine */
    ens_async *engine;            /* NULL = not running on one */
    ens_async_call *call;         /* the walk's call in flight */
    ens__async_timer timer;       /* the interval, backoff and resync (of_timer() finds w) */
};

/* ---- options ------------------------------------------------------------ */

ENS_EXTERN void ens_watch_options_init(ens_watch_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_WATCH_OPTIONS_VERSION;
    opts->jitter = ENS_WATCH_DEFAULT_JITTER;
}

static ens_status check_options(const ens_watch_options *o, ens_describe_request *eff, ens_error *err)
{
    if (o->version == 0 || o->version > ENS_WATCH_OPTIONS_VERSION)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: unknown ens_watch_options version %u",
                              o->version);
    if (o->interval_ms < 0 || o->resync_ms < 0 || o->walk_timeout_ms < 0 || o->call_timeout_ms < 0 ||
        o->backoff_min_ms < 0 || o->backoff_max_ms < 0)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: ens_watch_options times must not be negative");
    if (!(o->jitter >= 0 && o->jitter <= 1))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: ens_watch_options.jitter must be within 0..1");
    if (o->request)
        *eff = *o->request;
    else
        ens_describe_request_init(eff);
    eff->page_number = 1;
    if (eff->page_size == 0)
        eff->page_size = 100;
    return ens_describe_request_validate(eff, err);
}

ENS_EXTERN ens_status ens_watch_new(ens_watch **out, ens_client *client, const ens_watch_options *opts,
                                    ens_error *err)
{
    ens_watch_options defaults;
    ens_describe_request eff;
    ens_watch *w;
    ens_status st;

    if (!out || !client)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL out or client");
    if (!opts) {
        ens_watch_options_init(&defaults);
        opts = &defaults;
    }
    if ((st = check_options(opts, &eff, err)) != ENS_OK)
        return st;
    if (!(w = ens__calloc(1, sizeof(*w))))
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the watch");
    if (ens__store_init(&w->store) != ENS_OK) {
        ens__free(w);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the watch's store");
    }
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        ens__store_destroy(&w->store);
        ens__free(w);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the watch's lock");
    }
    if (ens__request_copy(&eff, &w->req, &w->req_block) != ENS_OK) {
        pthread_mutex_destroy(&w->lock);
        ens__store_destroy(&w->store);
        ens__free(w);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: copying the watch's request");
    }
    w->client = client;
    w->handler = opts->handler;
    w->payload = opts->payload;
    w->interval_ms = opts->interval_ms ? opts->interval_ms : ENS_WATCH_DEFAULT_INTERVAL_MS;
    w->jitter = opts->jitter;
    w->resync_ms = opts->resync_ms;
    w->backoff_min_ms = opts->backoff_min_ms ? opts->backoff_min_ms : ENS_WATCH_DEFAULT_BACKOFF_MIN_MS;
    w->backoff_max_ms = opts->backoff_max_ms ? opts->backoff_max_ms : ENS_WATCH_DEFAULT_BACKOFF_MAX_MS;
    if (w->backoff_max_ms < w->backoff_min_ms)
        w->backoff_max_ms = w->backoff_min_ms;
    w->cfg.req = &w->req;
    w->cfg.max_repeats = opts->max_repeats ? opts->max_repeats : ENS_WATCH_DEFAULT_MAX_REPEATS;
    w->cfg.max_lookups = opts->max_lookups ? opts->max_lookups : ENS_WATCH_DEFAULT_MAX_LOOKUPS;
    w->cfg.walk_timeout_ms = opts->walk_timeout_ms ? opts->walk_timeout_ms : ENS_WATCH_DEFAULT_WALK_TIMEOUT_MS;
    w->cfg.call_timeout_ms = opts->call_timeout_ms ? opts->call_timeout_ms : client->timeout_ms;
    w->stats.version = ENS_WATCH_STATS_VERSION;
    w->timer.due = -1;
    atomic_init(&w->synced, false);
    atomic_init(&w->running, false);
    *out = w;
    return ENS_OK;
}

/* ---- events --------------------------------------------------------------- */

static void deliver(ens_watch *w, ens_watch_event_kind kind, const ens_peer_connection *old,
                    const ens_peer_connection *now, unsigned int changed, const ens_error *error,
                    long retry_in_ms, const ens_watch_stats *stats)
{
    ens_watch_event ev;
    if (!w->handler)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.version = ENS_WATCH_EVENT_VERSION;
    ev.kind = kind;
    ev.old_connection = old;
    ev.connection = now;
    ev.changed = changed;
    ev.error = error;
    ev.retry_in_ms = retry_in_ms;
    ev.stats = stats;
    w->handler(w->payload, &ev);
}

static void stats_copy(ens_watch *w, ens_watch_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

/* Delivers the whole store as RESYNC events. */
static void resync(ens_watch *w)
{
    ens_watch_snapshot *snap = ens__store_snapshot(&w->store);
    size_t i;
    pthread_mutex_lock(&w->lock);
    w->stats.resyncs++;
    pthread_mutex_unlock(&w->lock);
    for (i = 0; i < snap->count; i++)
        deliver(w, ENS_WATCH_RESYNC, snap->items[i]->conn, snap->items[i]->conn, 0, NULL, 0, NULL);
    ens_watch_snapshot_release(snap);
}

/* ---- applying a finished walk ------------------------------------------- */

/* Builds the batch of changes of a successful walk and commits it.  ENS_OK,
 * or ENS_ENOMEM with nothing changed. */
static ens_status commit_walk(ens_watch *w, ens__changes *ch)
{
    const ens__walk *k = &w->walk;
    const ens_peer_connection *c;
    size_t i = 0, j = 0;
    while ((c = ens__walk_observed(k, &i, &j)) != NULL)
        if (ens__changes_observe(ch, &w->store, c) != ENS_OK)
            return ENS_ENOMEM;
    if (k->consistent)
        for (i = 0; i < k->ngone; i++)
            if (ens__changes_remove(ch, &w->store, k->gone[i]) != ENS_OK)
                return ENS_ENOMEM;
    if (ens__store_commit(&w->store, ch) != ENS_OK)
        return ENS_ENOMEM;
    /* Suspects: what this walk met is not; what it missed without
       confirmation is (removed at the next consistent walk that misses it). */
    i = j = 0;
    while ((c = ens__walk_observed(k, &i, &j)) != NULL)
        ens__store_get(&w->store, c->instance_id)->suspect = false;
    if (k->consistent)
        for (i = 0; i < k->nsuspects; i++) {
            ens__watch_entry *e = ens__store_get(&w->store, k->suspects[i]);
            if (e)
                e->suspect = true;
        }
    return ENS_OK;
}

/* The walk is over: applies it (or reports its failure), delivers the
 * events and schedules the next walk. */
static void finish_walk(ens_watch *w)
{
    ens__walk *k = &w->walk;
    ens__changes ch = ENS__CHANGES_INIT;
    ens_watch_stats stats;
    long long now;
    long next;
    bool first = false;
    size_t i;

    w->walking = false;
    if (k->st == ENS_OK && commit_walk(w, &ch) != ENS_OK) {
        ens__changes_release(&ch);
        k->st = ens__error_set(&k->err, ENS_ENOMEM, "out of memory: applying a walk to the store");
    }
    now = ens__now_ms();
    pthread_mutex_lock(&w->lock);
    w->stats.calls += k->calls;
    w->stats.lookups += k->lookups;
    w->stats.walk_repeats += k->repeats;
    w->stats.last_walk_calls = k->calls;
    w->stats.last_walk_ms = (long)(now - k->start);
    if (k->st == ENS_OK) {
        w->stats.walks_applied++;
        if (!k->consistent)
            w->stats.walks_unsettled++;
        w->stats.consecutive_failures = 0;
        for (i = 0; i < ch.n; i++) {
            if (ch.v[i].kind == ENS_WATCH_ADDED)
                w->stats.added++;
            else if (ch.v[i].kind == ENS_WATCH_UPDATED)
                w->stats.updated++;
            else
                w->stats.removed++;
        }
        w->stats.generation = w->store.generation;
        w->stats.connections = w->store.map.count;
        w->stats.unkeyed = k->unkeyed;
        first = !w->stats.synced;
        w->stats.synced = true;
        next = ens__pace_jitter(w->interval_ms, w->jitter);
    } else {
        w->stats.walks_failed++;
        w->stats.consecutive_failures++;
        next = ens__pace_backoff(w->stats.consecutive_failures, w->backoff_min_ms, w->backoff_max_ms);
    }
    stats = w->stats;
    pthread_mutex_unlock(&w->lock);
    w->next_walk = now + next;

    if (k->st == ENS_OK) {
        if (first)
            atomic_store(&w->synced, true);
        for (i = 0; i < ch.n; i++) {
            const ens__change *x = &ch.v[i];
            deliver(w, x->kind, x->old ? x->old->conn : NULL, x->now ? x->now->conn : NULL, x->changed, NULL,
                    0, NULL);
        }
        ens__changes_release(&ch);
        if (first)
            deliver(w, ENS_WATCH_SYNCED, NULL, NULL, 0, NULL, 0, &stats);
        deliver(w, ENS_WATCH_WALK_DONE, NULL, NULL, 0, k->consistent ? NULL : &k->err, next, &stats);
    } else {
        ens__client_log(w->client, ENS_LOG_WARN, "watch: %s; next walk in %ld ms", k->err.description, next);
        deliver(w, ENS_WATCH_WALK_FAILED, NULL, NULL, 0, &k->err, next, &stats);
    }
    ens__walk_clear(k);
}

static void start_walk(ens_watch *w)
{
    ens__walk_begin(&w->walk, &w->cfg, &w->store);
    w->walking = true;
    pthread_mutex_lock(&w->lock);
    w->stats.walks++;
    pthread_mutex_unlock(&w->lock);
}

/* Abandons the walk under way: nothing is applied or reported. */
static void abandon_walk(ens_watch *w)
{
    if (w->walking)
        ens__walk_clear(&w->walk);
    w->walking = false;
}

/* When the watch next has something to do. */
static long long next_due(const ens_watch *w)
{
    if (w->next_resync >= 0 && w->next_resync < w->next_walk)
        return w->next_resync;
    return w->next_walk;
}

/* Runs a resync that is due; true when a walk is due. */
static bool due_now(ens_watch *w)
{
    long long now = ens__now_ms();
    if (w->next_resync >= 0 && now >= w->next_resync) {
        w->next_resync = now + w->resync_ms;
        resync(w);
    }
    return now >= w->next_walk;
}

static void begin_run(ens_watch *w)
{
    long long now = ens__now_ms();
    w->next_walk = now;
    w->next_resync = w->resync_ms ? now + w->resync_ms : -1;
}

/* ---- blocking driver ------------------------------------------------------ */

ENS_EXTERN ens_status ens_watch_run(ens_watch *w, const ens_cancel *cancel, ens_error *err)
{
    bool idle = false;
    if (!w || !cancel)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL watch or cancellation token");
    if (atomic_exchange(&w->running, true))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: the watch is already running");
    begin_run(w);
    while (!ens_cancel_is_triggered(cancel)) {
        const ens_describe_request *req;
        ens_call_options co = ENS_CALL_OPTIONS_INIT;
        long ms;
        if (!due_now(w)) {
            long long wait = next_due(w) - ens__now_ms();
            idle = ens__cancel_wait(cancel, wait > 0 ? (long)(wait < 86400000 ? wait : 86400000) : 0);
            if (idle)
                break;
            continue;
        }
        start_walk(w);
        co.cancel = cancel;
        while (ens__walk_next(&w->walk, &req, &ms) == ENS__WALK_FETCH) {
            ens_describe_response *resp = NULL;
            ens_error e = ENS_ERROR_INIT;
            ens_status st;
            co.timeout_ms = ms;
            st = ens_describe_peer_connections_ex(w->client, req, &co, &resp, &e);
            ens__walk_feed(&w->walk, st, st == ENS_OK ? resp : NULL, &e);
            if (ens_cancel_is_triggered(cancel))
                ens__walk_fail(&w->walk, ENS_ECANCELED, "the watch was stopped");
        }
        if (ens_cancel_is_triggered(cancel)) {
            abandon_walk(w);
            break;
        }
        finish_walk(w);
    }
    atomic_store(&w->running, false);
    return ENS_OK;
}

/* ---- event-loop driver ------------------------------------------------------ */

static void drive(ens_watch *w);

static ens_watch *of_timer(ens__async_timer *t)
{
    return (ens_watch *)(void *)((char *)t - offsetof(ens_watch, timer));
}

static void on_timer(ens__async_timer *t)
{
    ens_watch *w = of_timer(t);
    if (!w->engine)
        return;
    if (due_now(w) && w->engine) {
        start_walk(w);
        drive(w);
        return;
    }
    if (w->engine)
        ens__async_timer_arm(w->engine, &w->timer, (long)(next_due(w) - ens__now_ms()), on_timer);
}

static void on_call_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                         const ens_error *err, void *user)
{
    ens_watch *w = user;
    (void)call;
    w->call = NULL;
    if (!w->engine) { /* stopped: ens_watch_stop() cancelled this call */
        ens_describe_response_free(resp);
        abandon_walk(w);
        return;
    }
    ens__walk_feed(&w->walk, st, resp, err);
    drive(w);
}

/* Starts the walk's next call, or finishes the walk and arms the timer. */
static void drive(ens_watch *w)
{
    const ens_describe_request *req;
    long ms;
    while (ens__walk_next(&w->walk, &req, &ms) == ENS__WALK_FETCH) {
        ens_call_options co = ENS_CALL_OPTIONS_INIT;
        ens_error e = ENS_ERROR_INIT;
        ens_status st;
        co.timeout_ms = ms;
        st = ens_async_describe(w->engine, req, &co, on_call_done, w, &w->call, &e);
        if (st == ENS_OK)
            return; /* on_call_done() goes on */
        ens__walk_feed(&w->walk, st, NULL, &e);
    }
    finish_walk(w); /* the handler may stop the watch */
    if (w->engine)
        ens__async_timer_arm(w->engine, &w->timer, (long)(next_due(w) - ens__now_ms()), on_timer);
}

ENS_EXTERN ens_status ens_watch_start(ens_watch *w, ens_async *engine, ens_error *err)
{
    if (!w || !engine)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL watch or engine");
    if (ens__async_client(engine) != w->client)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: the engine is bound to another client");
    if (atomic_exchange(&w->running, true))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: the watch is already running");
    w->engine = engine;
    begin_run(w);
    ens__async_timer_arm(engine, &w->timer, 0, on_timer);
    return ENS_OK;
}

ENS_EXTERN void ens_watch_stop(ens_watch *w)
{
    if (!w || !w->engine)
        return;
    w->engine = NULL; /* first: the cancelled call's completion sees it */
    if (w->call)
        ens_async_cancel(w->call);
    w->call = NULL;
    ens__async_timer_disarm(&w->timer);
    abandon_walk(w);
    atomic_store(&w->running, false);
}

ENS_EXTERN void ens_watch_free(ens_watch *w)
{
    if (!w)
        return;
    ens_watch_stop(w);
    abandon_walk(w);
    ens__store_destroy(&w->store);
    pthread_mutex_destroy(&w->lock);
    ens__free(w->req_block);
    ens__free(w);
}

/* ---- readers (any thread) ------------------------------------------------- */

ENS_EXTERN bool ens_watch_has_synced(const ens_watch *w)
{
    return w && atomic_load(&((ens_watch *)w)->synced);
}

ENS_EXTERN ens_status ens_watch_get_stats(const ens_watch *w, ens_watch_stats *out)
{
    unsigned int version;
    if (!w || !out || out->version == 0 || out->version > ENS_WATCH_STATS_VERSION)
        return ENS_EINVAL;
    version = out->version;
    stats_copy((ens_watch *)w, out);
    out->version = version;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_watch_snapshot_get(const ens_watch *w, ens_watch_snapshot **out)
{
    if (!w || !out)
        return ENS_EINVAL;
    *out = ens__store_snapshot(&w->store);
    return ENS_OK;
}

ENS_EXTERN const char *ens_watch_event_name(ens_watch_event_kind kind)
{
    switch (kind) {
    case ENS_WATCH_ADDED: return "added";
    case ENS_WATCH_UPDATED: return "updated";
    case ENS_WATCH_REMOVED: return "removed";
    case ENS_WATCH_RESYNC: return "resync";
    case ENS_WATCH_SYNCED: return "synced";
    case ENS_WATCH_WALK_FAILED: return "walk-failed";
    case ENS_WATCH_WALK_DONE: return "walk-done";
    }
    return "unknown";
}
