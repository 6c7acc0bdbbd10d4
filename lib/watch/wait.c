/* SPDX-License-Identifier: MIT */
/* Waiting for one peer connection (see include/ensclient/wait.h): the
 * decisions (what a poll means, how long to pause, when it is over) are made
 * once, in the state machine below, and carried out by a blocking driver
 * (calls and interruptible sleeps on the caller's thread) and an event-loop
 * driver (asynchronous calls and timers of an ens_async engine). */
#include <stddef.h>
#include <string.h>

#include "async/async_timer.h"
#include "call/client_internal.h"
#include "call/retry.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/error.h"
#include "watch/pace.h"
#include "ensclient/wait.h"

typedef enum step { POLL, SLEEP, DONE } step;

typedef struct waiter {
    ens_describe_request req; /* instance_id (id), the region, page 1 of 10 */
    char *id;
    ens_peer_status status;
    bool until_gone, sleep_then_end;
    long min_delay_ms, max_delay_ms, call_timeout_ms, pause;
    unsigned int absent_polls, max_failures, absent, failures;
    long long start, deadline;
    bool polled, finished;
    ens_status st;
    ens_error err;
    ens_wait_result result;
} waiter;

ENS_EXTERN void ens_wait_options_init(ens_wait_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_WAIT_OPTIONS_VERSION;
}

ENS_EXTERN void ens_wait_result_clear(ens_wait_result *result)
{
    if (!result)
        return;
    ens_peer_connection_free(result->connection);
    result->connection = NULL;
    result->outcome = ENS_WAIT_FAILED;
    result->polls = 0;
    result->waited_ms = 0;
}

static void waiter_free(waiter *w)
{
    ens_peer_connection_free(w->result.connection);
    ens__free(w->id);
    memset(w, 0, sizeof(*w));
}

static ens_status waiter_init(waiter *w, ens_client *client, const char *id, const ens_wait_options *o,
                              ens_error *err)
{
    ens_status st;
    memset(w, 0, sizeof(*w));
    if (!client || !id || !*id || !o)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL client, options or empty InstanceId");
    if (o->version == 0 || o->version > ENS_WAIT_OPTIONS_VERSION)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: unknown ens_wait_options version %u",
                              o->version);
    if (o->timeout_ms < 0 || o->min_delay_ms < 0 || o->max_delay_ms < 0)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: ens_wait_options times must not be negative");
    if (!o->until_gone && (o->status <= ENS_PEER_STATUS_UNKNOWN || o->status > ENS_PEER_STATUS_DELETING))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: ens_wait_options needs a status to wait for, or until_gone");
    ens_describe_request_init(&w->req);
    w->req.instance_id = id;
    w->req.ens_region_id = o->ens_region_id;
    w->req.page_number = 1;
    w->req.page_size = 10;
    if ((st = ens_describe_request_validate(&w->req, err)) != ENS_OK)
        return st;
    if (!(w->id = ens__strdup(id)))
        return ens__error_set(err, ENS_ENOMEM, "out of memory: starting the wait");
    w->req.instance_id = w->id;
    w->req.ens_region_id = NULL; /* set again below from a copy the waiter owns */
    w->status = o->status;
    w->until_gone = o->until_gone;
    w->min_delay_ms = o->min_delay_ms ? o->min_delay_ms : ENS_WAIT_DEFAULT_MIN_DELAY_MS;
    w->max_delay_ms = o->max_delay_ms ? o->max_delay_ms : ENS_WAIT_DEFAULT_MAX_DELAY_MS;
    w->absent_polls = o->absent_polls;
    w->max_failures = o->max_failures ? o->max_failures : ENS_WAIT_DEFAULT_MAX_FAILURES;
    w->call_timeout_ms = client->timeout_ms;
    w->start = ens__now_ms();
    w->deadline = w->start + (o->timeout_ms ? o->timeout_ms : ENS_WAIT_DEFAULT_TIMEOUT_MS);
    w->st = ENS_OK;
    ens_error_init(&w->err);
    w->result.version = ENS_WAIT_RESULT_VERSION;
    return ENS_OK;
}

static void finish(waiter *w, ens_wait_outcome outcome, ens_status st)
{
    w->finished = true;
    w->result.outcome = outcome;
    w->result.waited_ms = (long)(ens__now_ms() - w->start);
    w->st = st;
    if (w->until_gone && outcome == ENS_WAIT_REACHED) {
        ens_peer_connection_free(w->result.connection);
        w->result.connection = NULL;
    }
}

/* What to do next: POLL now with an *ms deadline, SLEEP *ms, or DONE. */
static step next(waiter *w, long *ms)
{
    long long now = ens__now_ms();
    if (w->finished)
        return DONE;
    if (w->polled) {
        w->polled = false;
        *ms = w->pause;
        return SLEEP;
    }
    if (w->sleep_then_end || now >= w->deadline) {
        finish(w, ENS_WAIT_DEADLINE, ENS_OK);
        return DONE;
    }
    *ms = w->deadline - now < w->call_timeout_ms ? (long)(w->deadline - now) : w->call_timeout_ms;
    return POLL;
}

/* A poll ended: st, resp (taken over; ENS_OK only), err. */
static void feed(waiter *w, ens_status st, ens_describe_response *resp, const ens_error *err)
{
    long long now;
    if (w->finished) { /* cancelled meanwhile */
        ens_describe_response_free(resp);
        return;
    }
    w->result.polls++;
    if (st == ENS_OK) {
        const ens_peer_connection *found = NULL;
        size_t i;
        w->failures = 0;
        for (i = 0; i < resp->connections_count && !found; i++)
            if (resp->connections[i].instance_id && strcmp(resp->connections[i].instance_id, w->id) == 0)
                found = &resp->connections[i];
        if (found) {
            ens_peer_connection *copy = NULL;
            w->absent = 0;
            if (ens_peer_connection_copy(&copy, found) != ENS_OK) {
                ens_describe_response_free(resp);
                ens__error_set(&w->err, ENS_ENOMEM, "out of memory: keeping the connection the wait found");
                finish(w, ENS_WAIT_FAILED, ENS_ENOMEM);
                return;
            }
            ens_peer_connection_free(w->result.connection);
            w->result.connection = copy;
            if (!w->until_gone && copy->status == w->status)
                finish(w, ENS_WAIT_REACHED, ENS_OK);
        } else if (w->until_gone) {
            finish(w, ENS_WAIT_REACHED, ENS_OK);
        } else if (++w->absent > w->absent_polls) {
            finish(w, ENS_WAIT_GONE, ENS_OK);
        }
        ens_describe_response_free(resp);
    } else {
        ens_describe_response_free(resp);
        if (err)
            w->err = *err;
        else
            ens__error_set(&w->err, st, "%s: a poll of the wait failed", ens_strerror(st));
        w->err.version = ENS_ERROR_VERSION;
        w->err.status = st;
        if (st == ENS_ECANCELED) {
            finish(w, ENS_WAIT_CANCELED, ENS_ECANCELED);
            return;
        }
        if (!ens__retry_is_retryable(st, &w->err, NULL) || ++w->failures >= w->max_failures) {
            finish(w, ENS_WAIT_FAILED, st);
            return;
        }
    }
    if (w->finished)
        return;
    /* Pause before the next poll, or until the deadline when it comes first. */
    now = ens__now_ms();
    w->pause = ens__pace_backoff(w->result.polls, w->min_delay_ms, w->max_delay_ms);
    if (now + w->pause >= w->deadline) {
        w->pause = w->deadline > now ? (long)(w->deadline - now) : 0;
        w->sleep_then_end = true;
    }
    w->polled = true;
}

/* Hands the outcome over: status returned, err and result filled. */
static ens_status deliver(waiter *w, ens_wait_result *result, ens_error *err)
{
    ens_peer_connection_free(result->connection);
    *result = w->result;
    result->version = ENS_WAIT_RESULT_VERSION;
    w->result.connection = NULL;
    if (w->st != ENS_OK)
        ens__error_copy(err, &w->err); /* err may be a caller's older, smaller ens_error */
    return w->st;
}

/* ---- blocking ------------------------------------------------------------ */

ENS_EXTERN ens_status ens_wait_peer_connection(ens_client *client, const char *instance_id,
                                               const ens_wait_options *opts, ens_wait_result *result,
                                               ens_error *err)
{
    const char *region = opts ? opts->ens_region_id : NULL;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    waiter w;
    ens_status st;
    long ms;
    step s;

    if (!result || result->version == 0 || result->version > ENS_WAIT_RESULT_VERSION)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL or uninitialised ens_wait_result");
    result->outcome = ENS_WAIT_FAILED;
    if ((st = waiter_init(&w, client, instance_id, opts, err)) != ENS_OK) {
        waiter_free(&w);
        return st;
    }
    w.req.ens_region_id = region; /* the caller's, borrowed for the whole blocking wait */
    co.cancel = opts->cancel;
    while ((s = next(&w, &ms)) != DONE) {
        if (s == SLEEP) {
            if (ens__cancel_wait(co.cancel, ms)) {
                ens__error_set(&w.err, ENS_ECANCELED, "canceled: the wait was cancelled");
                finish(&w, ENS_WAIT_CANCELED, ENS_ECANCELED);
            }
        } else {
            ens_describe_response *resp = NULL;
            ens_error e = ENS_ERROR_INIT;
            co.timeout_ms = ms;
            st = ens_describe_peer_connections_ex(client, &w.req, &co, &resp, &e);
            feed(&w, st, st == ENS_OK ? resp : NULL, &e);
        }
    }
    st = deliver(&w, result, err);
    waiter_free(&w);
    return st;
}

/* ---- on an engine --------------------------------------------------------- */

struct ens_wait {
    ens_async *engine;
    waiter w;
    char *region;             /* the waiter's copy of the EnsRegionId filter */
    ens_wait_done_fn done;
    void *user;
    ens_async_call *call;     /* the poll in flight */
    ens__async_timer timer;
    bool completing;
};

static void advance(ens_wait *h);

static void complete(ens_wait *h)
{
    ens_wait_result r = ENS_WAIT_RESULT_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_status st = deliver(&h->w, &r, &e);
    h->completing = true;
    h->done(h, st, &r, &e, h->user);
    ens_wait_result_clear(&r);
    waiter_free(&h->w);
    ens__free(h->region);
    ens__free(h);
}

static void on_timer(ens__async_timer *t)
{
    advance((ens_wait *)(void *)((char *)t - offsetof(ens_wait, timer)));
}

static void on_poll_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                         const ens_error *err, void *user)
{
    ens_wait *h = user;
    (void)call;
    h->call = NULL;
    feed(&h->w, st, resp, err);
    if (!h->completing)
        advance(h);
}

/* Carries out the waiter's steps until it polls, sleeps or is done (then h
 * is gone). */
static void advance(ens_wait *h)
{
    long ms;
    for (;;) {
        switch (next(&h->w, &ms)) {
        case DONE:
            complete(h);
            return;
        case SLEEP:
            ens__async_timer_arm(h->engine, &h->timer, ms, on_timer);
            return;
        case POLL: {
            ens_call_options co = ENS_CALL_OPTIONS_INIT;
            ens_error e = ENS_ERROR_INIT;
            ens_status st;
            co.timeout_ms = ms;
            st = ens_async_describe(h->engine, &h->w.req, &co, on_poll_done, h, &h->call, &e);
            if (st == ENS_OK)
                return;
            feed(&h->w, st, NULL, &e);
            break;
        }
        }
    }
}

ENS_EXTERN ens_status ens_wait_peer_connection_async(ens_async *engine, const char *instance_id,
                                                     const ens_wait_options *opts, ens_wait_done_fn done,
                                                     void *user, ens_wait **handle, ens_error *err)
{
    ens_wait *h;
    ens_status st;
    if (!engine || !done)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL engine or completion callback");
    if (!(h = ens__calloc(1, sizeof(*h))))
        return ens__error_set(err, ENS_ENOMEM, "out of memory: starting the wait");
    if ((st = waiter_init(&h->w, ens__async_client(engine), instance_id, opts, err)) != ENS_OK ||
        (opts->ens_region_id && !(h->region = ens__strdup(opts->ens_region_id)))) {
        if (st == ENS_OK)
            st = ens__error_set(err, ENS_ENOMEM, "out of memory: starting the wait");
        waiter_free(&h->w);
        ens__free(h);
        return st;
    }
    h->w.req.ens_region_id = h->region;
    h->engine = engine;
    h->done = done;
    h->user = user;
    h->timer.due = -1;
    ens__async_timer_arm(engine, &h->timer, 0, on_timer); /* the first poll starts from the loop */
    if (handle)
        *handle = h;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_wait_cancel(ens_wait *h)
{
    if (!h || h->completing)
        return ENS_EINVAL;
    ens__error_set(&h->w.err, ENS_ECANCELED, "canceled: the wait was cancelled by ens_wait_cancel()");
    finish(&h->w, ENS_WAIT_CANCELED, ENS_ECANCELED);
    ens__async_timer_disarm(&h->timer);
    if (h->call) {
        h->completing = true; /* the poll's completion must not go on */
        ens_async_cancel(h->call);
        h->completing = false;
    }
    complete(h);
    return ENS_OK;
}

ENS_EXTERN const char *ens_wait_outcome_name(ens_wait_outcome outcome)
{
    switch (outcome) {
    case ENS_WAIT_REACHED: return "reached";
    case ENS_WAIT_GONE: return "gone";
    case ENS_WAIT_DEADLINE: return "deadline";
    case ENS_WAIT_FAILED: return "failed";
    case ENS_WAIT_CANCELED: return "canceled";
    }
    return "unknown";
}
