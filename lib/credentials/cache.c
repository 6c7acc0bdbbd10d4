/* SPDX-License-Identifier: MIT */
/* The caching provider: keeps the inner provider's credentials, refreshes
 * temporary ones before they expire with a single fetch at a time (a mutex,
 * a "refreshing" flag and a condition variable), keeps still-valid
 * credentials when a refresh fails, and never hands out expired ones.
 *
 * States, with now = clock() and left = expiration - now:
 *   fresh      cur set and (no expiration or left >= refresh_before): hand out cur
 *   stale      cur set, 0 < left < refresh_before: hand out cur; unless a fetch
 *              is under way or the back-off after a failure is running, the
 *              caller fetches first (others go on using cur meanwhile)
 *   none       no cur, or left <= 0 (dropped): the caller fetches; callers
 *              arriving during that fetch wait for it and share its outcome
 * The fetch runs without the lock held.  A caller waits for another's fetch
 * no longer than its own deadline allows (the condition variable runs on the
 * monotonic clock; with a cancellation token the wait wakes every
 * WAIT_SLICE_MS to look at it), and a fetch that ended only because its
 * caller ran out of time (ENS_ETIMEOUT, ENS_ECANCELED) is not shared: the
 * callers that waited for it fetch again within their own deadlines.
 *
 * fork(): the child inherits the lock and the "refreshing" flag as they were
 * in the parent, but not the thread that set them: a fetch under way (or the
 * lock held) in another thread at fork() would never end in the child, and
 * every get there would wait for it.  So each cache remembers the fork
 * generation (bumped by a pthread_atfork() child handler; getpid() when the
 * handler could not be registered) it last ran in, and its first get in a
 * new one forgets the parent's fetch and makes its lock and condition
 * variable anew.  The credentials already cached are kept. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/cancel.h"
#include "credentials/internal.h"
#include "util/error.h"

/* How often a waiter with a cancellation token looks at it. */
#define WAIT_SLICE_MS 50L

typedef struct cache_ctx {
    ens_credentials_provider *inner;
    ens_clock_fn clock_fn;
    void *clock_payload;
    long refresh_before_s;
    long retry_backoff_s;

    pthread_mutex_t mu;
    pthread_cond_t cv;           /* CLOCK_MONOTONIC */
    ens_credentials *cur;        /* guarded by mu */
    bool refreshing;             /* a fetch is under way */
    time_t retry_after;          /* no stale refresh before this time */
    unsigned long long fetches;  /* completed fetches */
    unsigned long long epoch;    /* bumped by invalidate */
    ens_status last_status;      /* outcome of the last fetch */
    ens_error last_err;          /* its details when it failed */
    atomic_ulong fork_gen;       /* the fork generation mu and cv belong to */
    pid_t pid;                   /* the process they belong to; under adopt_mu */
} cache_ctx;

/* Bumped in the child (where only the forking thread exists) by the fork
 * handler, which also releases adopt_mu, held across fork() so that no
 * cache is half re-initialised in the child. */
static atomic_ulong fork_generation;
static pthread_mutex_t adopt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static bool fork_handler_set; /* written once under fork_once */

static void before_fork(void) { pthread_mutex_lock(&adopt_mu); }
static void after_fork_parent(void) { pthread_mutex_unlock(&adopt_mu); }
static void after_fork_child(void)
{
    atomic_fetch_add(&fork_generation, 1);
    pthread_mutex_unlock(&adopt_mu);
}
static void register_fork_handler(void)
{
    fork_handler_set = pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;
}

static int cond_init_monotonic(pthread_cond_t *cv);

/* In a process made by fork() since this cache last ran: the lock, the
 * condition variable and any fetch under way are the parent's; start afresh. */
static void adopt_after_fork(cache_ctx *c)
{
    unsigned long gen = atomic_load(&fork_generation);
    if (atomic_load_explicit(&c->fork_gen, memory_order_acquire) == gen &&
        (fork_handler_set || c->pid == getpid()))
        return;
    pthread_mutex_lock(&adopt_mu);
    if (atomic_load(&c->fork_gen) != gen || c->pid != getpid()) {
        /* A lock held by a thread that does not exist here cannot be
           unlocked; making it anew is all that is left. */
        pthread_mutex_init(&c->mu, NULL);
        if (cond_init_monotonic(&c->cv) != 0)
            pthread_cond_init(&c->cv, NULL); /* waits then time out late, never hang */
        c->refreshing = false;
        c->pid = getpid();
        atomic_store_explicit(&c->fork_gen, gen, memory_order_release);
    }
    pthread_mutex_unlock(&adopt_mu);
}

static time_t now_of(const cache_ctx *c)
{
    return c->clock_fn ? c->clock_fn(c->clock_payload) : time(NULL);
}

static void copy_error(ens_error *dst, const ens_error *src)
{
    unsigned int v;
    if (!dst)
        return;
    v = dst->version ? dst->version : ENS_ERROR_VERSION;
    *dst = *src;
    dst->version = v;
}

/* A failure that says something about the caller, not about the source. */
static bool callers_own(ens_status st) { return st == ENS_ETIMEOUT || st == ENS_ECANCELED; }

/* Called with mu held: the fetch.  Releases mu while the inner provider runs. */
static ens_status fetch_locked(cache_ctx *c, const ens__cred_call *call, ens_credentials **out, ens_error *err)
{
    ens_credentials *fresh = NULL;
    ens_error ferr = ENS_ERROR_INIT;
    unsigned long long epoch = c->epoch;
    ens_status st;
    time_t now, exp;

    c->refreshing = true;
    pthread_mutex_unlock(&c->mu);
    st = ens__cred_get(c->inner, call, &fresh, &ferr);
    pthread_mutex_lock(&c->mu);
    c->refreshing = false;
    c->fetches++;
    now = now_of(c);
    if (st == ENS_OK) {
        exp = ens_credentials_expiration(fresh);
        if (exp != 0 && exp <= now) {
            ens_credentials_release(fresh);
            fresh = NULL;
            st = ens__error_set(&ferr, ENS_ECREDENTIALS,
                                "credentials unavailable: the credentials obtained had already expired");
        }
    }
    c->last_status = st;
    if (st == ENS_OK) {
        if (epoch == c->epoch) {
            ens_credentials_release(c->cur);
            c->cur = ens_credentials_acquire(fresh);
            c->retry_after = 0;
        }
        /* else: invalidated while fetching; not kept, but this caller may use them */
        *out = fresh;
    } else {
        copy_error(&c->last_err, &ferr);
        c->retry_after = now + c->retry_backoff_s;
        if (c->cur && ens_credentials_expiration(c->cur) > now) {
            /* refresh failed, old credentials still valid: keep using them */
            *out = ens_credentials_acquire(c->cur);
            st = ENS_OK;
        } else {
            copy_error(err, &ferr);
        }
    }
    pthread_cond_broadcast(&c->cv);
    return st;
}

/* Called with mu held: waits (mu released meanwhile) until the cache
 * changes or the call's time or token runs out.  ENS_OK, or the call's
 * ENS_ETIMEOUT / ENS_ECANCELED with err filled. */
static ens_status wait_locked(cache_ctx *c, const ens__cred_call *call, ens_error *err)
{
    struct timespec ts;
    long long at;
    long ms = ens__cred_call_left(call);
    ens_status st = ens__cred_call_check(call, "waiting for another caller's fetch of credentials", err);
    if (st != ENS_OK)
        return st;
    if (call->cancel && ms > WAIT_SLICE_MS)
        ms = WAIT_SLICE_MS;
    if (ms == LONG_MAX) {
        pthread_cond_wait(&c->cv, &c->mu);
        return ENS_OK;
    }
    at = ens__now_ms() + ms; /* CLOCK_MONOTONIC, the condition variable's clock */
    ts.tv_sec = (time_t)(at / 1000);
    ts.tv_nsec = (long)(at % 1000) * 1000000L;
    pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    return ENS_OK;
}

static ens_status cache_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                            ens_error *err)
{
    cache_ctx *c = ctx;
    ens__cred_call call;
    ens_status st;
    ens__cred_call_from(&call, opts);
    adopt_after_fork(c);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        time_t now = now_of(c), exp;
        if (c->cur) {
            exp = ens_credentials_expiration(c->cur);
            if (exp == 0 || exp - now >= c->refresh_before_s) {
                *out = ens_credentials_acquire(c->cur);
                pthread_mutex_unlock(&c->mu);
                return ENS_OK;
            }
            if (exp > now) { /* stale but valid */
                if (c->refreshing || now < c->retry_after) {
                    *out = ens_credentials_acquire(c->cur);
                    pthread_mutex_unlock(&c->mu);
                    return ENS_OK;
                }
                st = fetch_locked(c, &call, out, err);
                pthread_mutex_unlock(&c->mu);
                return st;
            }
            /* expired: never handed out again */
            ens_credentials_release(c->cur);
            c->cur = NULL;
        }
        if (!c->refreshing) {
            st = fetch_locked(c, &call, out, err);
            pthread_mutex_unlock(&c->mu);
            return st;
        }
        /* a fetch is under way and nothing valid is cached: wait for it */
        {
            unsigned long long seen = c->fetches;
            while (c->refreshing && c->fetches == seen) {
                if ((st = wait_locked(c, &call, err)) != ENS_OK) {
                    pthread_mutex_unlock(&c->mu);
                    return st;
                }
            }
            if (c->fetches != seen && c->last_status != ENS_OK && !callers_own(c->last_status) &&
                (!c->cur || ens_credentials_expiration(c->cur) <= now_of(c))) {
                st = c->last_status;
                copy_error(err, &c->last_err);
                pthread_mutex_unlock(&c->mu);
                return st;
            }
        }
        /* loop: use what the fetch stored, or fetch ourselves (invalidated
           meanwhile, or the fetch ran out of its caller's time) */
    }
}

static void cache_invalidate(void *ctx)
{
    cache_ctx *c = ctx;
    ens_credentials *old;
    adopt_after_fork(c);
    pthread_mutex_lock(&c->mu);
    old = c->cur;
    c->cur = NULL;
    c->retry_after = 0;
    c->epoch++;
    pthread_mutex_unlock(&c->mu);
    ens_credentials_release(old);
    ens_credentials_provider_invalidate(c->inner);
}

static void cache_destroy(void *ctx)
{
    cache_ctx *c = ctx;
    ens_credentials_release(c->cur);
    ens_credentials_provider_free(c->inner);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    ens__free(c);
}

static const ens_credentials_provider_vtable cache_vtable =
    ENS__CRED_VTABLE(cache_get, cache_destroy, cache_invalidate);

static int cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    int r;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    r = pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
    return r;
}

ENS_EXTERN ens_status ens_credentials_provider_cached_new(ens_credentials_provider **out,
                                                          ens_credentials_provider *inner,
                                                          const ens_credentials_cache_options *opts)
{
    cache_ctx *c;
    ens_status st;
    if (!out || !inner || (opts && (opts->version == 0 ||
                                    opts->version > ENS_CREDENTIALS_CACHE_OPTIONS_VERSION ||
                                    opts->refresh_before_s < 0 || opts->retry_backoff_s < 0))) {
        ens_credentials_provider_free(inner);
        return ENS_EINVAL;
    }
    c = ens__calloc(1, sizeof(*c));
    if (!c) {
        ens_credentials_provider_free(inner);
        return ENS_ENOMEM;
    }
    c->inner = inner;
    c->refresh_before_s = ENS_DEFAULT_CREDENTIALS_REFRESH_BEFORE_S;
    c->retry_backoff_s = ENS_DEFAULT_CREDENTIALS_RETRY_BACKOFF_S;
    if (opts) {
        c->clock_fn = opts->clock_fn;
        c->clock_payload = opts->clock_payload;
        if (opts->refresh_before_s)
            c->refresh_before_s = opts->refresh_before_s;
        if (opts->retry_backoff_s)
            c->retry_backoff_s = opts->retry_backoff_s;
    }
    ens_error_init(&c->last_err);
    (void)pthread_once(&fork_once, register_fork_handler);
    pthread_mutex_lock(&adopt_mu);
    atomic_init(&c->fork_gen, atomic_load(&fork_generation));
    c->pid = getpid();
    pthread_mutex_unlock(&adopt_mu);
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        ens_credentials_provider_free(inner);
        ens__free(c);
        return ENS_ENOMEM;
    }
    if (cond_init_monotonic(&c->cv) != 0) {
        pthread_mutex_destroy(&c->mu);
        ens_credentials_provider_free(inner);
        ens__free(c);
        return ENS_ENOMEM;
    }
    st = ens_credentials_provider_new(out, &cache_vtable, c);
    if (st != ENS_OK) {
        cache_destroy(c);
        return st;
    }
    ens__credentials_provider_set_name(*out, ens__credentials_provider_name(inner));
    return ENS_OK;
}

ens_status ens__cred_cached(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                            ens__cred_raw_new_fn raw_new)
{
    ens_credentials_provider *inner = NULL;
    ens_credentials_cache_options co;
    ens_status st;
    if (!out)
        return ENS_EINVAL;
    if ((st = raw_new(&inner, opts)) != ENS_OK) /* validates opts */
        return st;
    ens__cred_cache_opts(opts, &co);
    return ens_credentials_provider_cached_new(out, inner, &co);
}
