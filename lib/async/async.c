/* SPDX-License-Identifier: MIT */
/* The asynchronous engine: the event-loop driver of the call engine
 * (lib/call/call.h), driven by the host's event loop through libcurl's
 * multi-socket interface.  See include/ensclient/async.h for the contract.
 *
 * The engine decides every step of a call (attempts, waits, the result, its
 * details and log lines); this file only carries them out: a WAIT becomes
 * the call's `due` time (one timer for the whole engine, see
 * update_timer()), a SEND becomes a libcurl easy transfer in the multi
 * handle, and DONE runs the completion callback and frees the call. */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "async/async_timer.h"
#include "transport/curl_xfer.h"
#include "util/cancel.h"
#include "call/call.h"
#include "call/client_internal.h"
#include "call/describe.h"
#include "call/rpc_internal.h"
#include "util/error.h"
#include "ensclient/async.h"
#include "ensclient/rpc.h"

struct ens_async_call {
    ens_async *engine;
    ens_async_call *prev, *next;
    ens__call call;           /* the policy: what to do next */
    long long due;            /* monotonic ms when the engine is to be asked again, -1 = none */
    ens_async_done_fn done;   /* a typed call's callback, or NULL */
    ens_rpc_done_fn rpc_done; /* a generic call's callback, or NULL */
    void *user;
    ens__rpc_plan plan;       /* what every attempt sends; call.op is plan.op */
    ens_http_response *resp;  /* reused between attempts */
    void *out;                /* the successful attempt's result (c->call.op's) */
    /* the attempt in flight */
    ens__exchange x;
    bool have_x;
    bool in_xfer;             /* its easy handle is (or was, until xfer_done) in the multi handle */
    CURL *easy;
    ens__curl_xfer xfer;      /* headers, callbacks' state, error text */
    bool xfer_done;
    CURLcode xfer_rc;
    bool orphan;              /* pending when the process forked: ended in the child */
};

struct ens_async {
    ens_client *client; /* borrowed */
    ens__curl_config curl;
    CURLM *multi;
    ens__sockets sockets;  /* of the multi handle's connections (fork(): see fork_check()) */
    long max_connections, max_idle_connections;
    ens_async_socket_fn socket_fn;
    ens_async_timer_fn timer_fn;
    void *payload;
    ens_async_call *head, *tail;
    size_t pending;
    long long curl_due;    /* libcurl's timer, -1 = none */
    long long token_due;   /* next check of cancellation tokens, -1 = none */
    long long host_due;    /* the timer the host has armed, -1 = none */
    unsigned int depth;    /* > 0 while engine code runs (callbacks, nested calls) */
    bool closing;
    ens__async_timer *timers; /* armed internal timers (async_timer.h), unordered */
};

/* ---- list ------------------------------------------------------------- */

static void link_call(ens_async *a, ens_async_call *c)
{
    c->prev = a->tail;
    c->next = NULL;
    if (a->tail)
        a->tail->next = c;
    else
        a->head = c;
    a->tail = c;
    a->pending++;
}

static void unlink_call(ens_async *a, ens_async_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        a->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        a->tail = c->prev;
    c->prev = c->next = NULL;
    a->pending--;
}

static void call_free(ens_async_call *c)
{
    if (c->resp) /* set after c->engine (start_call) */
        ens__client_response_give(c->engine->client, c->resp); /* wiped: it may have been a credentials document */
    if (c->out)
        c->plan.op.free_result(c->out);
    ens__rpc_plan_clear(&c->plan);
    ens__free(c);
}

/* ---- libcurl callbacks ------------------------------------------------ */

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    ens_async *a = userp;
    ens_async_poll w;
    (void)easy;
    (void)socketp;
    switch (what) {
    case CURL_POLL_IN: w = ENS_ASYNC_POLL_IN; break;
    case CURL_POLL_OUT: w = ENS_ASYNC_POLL_OUT; break;
    case CURL_POLL_INOUT: w = ENS_ASYNC_POLL_INOUT; break;
    case CURL_POLL_REMOVE: w = ENS_ASYNC_POLL_REMOVE; break;
    default: w = ENS_ASYNC_POLL_NONE; break;
    }
    a->socket_fn((int)s, w, a->payload);
    return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    ens_async *a = userp;
    (void)multi;
    a->curl_due = timeout_ms < 0 ? -1 : ens__now_ms() + timeout_ms;
    return 0;
}

/* ---- the transfer of one attempt -------------------------------------- */

/* Frees the easy handle, the header list (wiped: it held the signature and
 * any token) and the exchange of the attempt.  The handle must be out of the
 * multi handle. */
static void xfer_release(ens_async_call *c)
{
    if (c->easy) {
        curl_easy_cleanup(c->easy);
        c->easy = NULL;
    }
    ens__curl_xfer_release(&c->xfer);
    if (c->have_x) {
        ens__exchange_clear(&c->x);
        c->have_x = false;
    }
    c->xfer_done = false;
    c->in_xfer = false;
}

/* Takes the call's easy handle out of the multi handle (if it is there). */
static void xfer_abort(ens_async_call *c)
{
    if (c->in_xfer && c->easy && !c->xfer_done)
        curl_multi_remove_handle(c->engine->multi, c->easy);
    xfer_release(c);
}

#define SETOPT(h, opt, val)                                                                     \
    do {                                                                                       \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                   \
            return ens__error_set(e, ENS_ETRANSPORT, "transport error: libcurl rejected " #opt); \
    } while (0)

/* Configures c->easy for c->x.http exactly as the libcurl transport does. */
static ens_status xfer_setup(ens_async_call *c, ens_error *e)
{
    ens_status st = ens__curl_xfer_setup(c->easy, &c->xfer, c->resp, &c->x.http,
                                         &c->engine->curl, e);
    if (st != ENS_OK)
        return st;
    SETOPT(c->easy, CURLOPT_PRIVATE, (void *)c);
    return ENS_OK;
}

#undef SETOPT

/* The outcome of a finished transfer, as the libcurl transport reports it
 * (ens_transport_send() included): ENS_OK with the status set in c->resp, or
 * the error with the attempt's details filled. */
static ens_status xfer_result(ens_async_call *c)
{
    return ens__curl_xfer_result(c->easy, c->xfer_rc, &c->xfer, &c->x.http,
                                 ens__call_attempt_error(&c->call));
}

/* ---- carrying out the engine's steps -------------------------------- */

/* Ends the finished call: runs the completion callback, then frees the call.
 * c is gone afterwards. */
static void finish(ens_async_call *c)
{
    ens_async *a = c->engine;
    ens_status st = ens__call_status(&c->call);
    void *out = NULL;

    xfer_abort(c);
    unlink_call(a, c);
    if (st == ENS_OK) {
        out = c->out;
        c->out = NULL;
    }
    a->depth++;
    if (c->rpc_done)
        c->rpc_done(c, st, out, ens__call_error(&c->call), c->user);
    else
        c->done(c, st, out, ens__call_error(&c->call), c->user);
    a->depth--;
    call_free(c);
}

static void cancel_call(ens_async_call *c, const char *why)
{
    ens__call_cancel(&c->call, why);
    finish(c);
}

/* Starts the transfer of one attempt with budget_ms.  false when it could
 * not start (the attempt has then been reported to the engine). */
static bool begin_attempt(ens_async_call *c, long budget_ms)
{
    ens_async *a = c->engine;
    ens_error *e = ens__call_attempt_error(&c->call);
    ens_status st;
    CURLMcode mc;

    st = ens__exchange_prepare(a->client, &c->plan, budget_ms, c->call.cancel, &c->x, e);
    if (st != ENS_OK)
        goto fail;
    c->have_x = true;
    ens_http_response_reset(c->resp);
    c->easy = curl_easy_init();
    if (!c->easy) {
        st = ens__error_set(e, ENS_ENOMEM, "out of memory: cannot create a libcurl handle");
        goto fail;
    }
    if ((st = xfer_setup(c, e)) != ENS_OK)
        goto fail;
    mc = curl_multi_add_handle(a->multi, c->easy);
    if (mc != CURLM_OK) {
        st = mc == CURLM_OUT_OF_MEMORY ? ENS_ENOMEM : ENS_ETRANSPORT;
        ens__error_set(e, st, "%s: libcurl refused the transfer: %s", ens_strerror(st),
                       curl_multi_strerror(mc));
        goto fail;
    }
    c->in_xfer = true;
    ens__call_attempt_sent(&c->call, &c->x);
    return true;

fail:
    xfer_release(c);
    ens__call_attempt_done(&c->call, st, c->resp, NULL);
    return false;
}

/* Asks the engine what to do until the call waits, has a transfer under way
 * or is finished (then c is gone). */
static void advance(ens_async_call *c)
{
    long ms;
    c->due = -1;
    for (;;) {
        switch (ens__call_next(&c->call, &ms)) {
        case ENS__CALL_DONE:
            finish(c);
            return;
        case ENS__CALL_WAIT:
            c->due = ens__now_ms() + ms;
            return;
        case ENS__CALL_SEND:
            if (begin_attempt(c, ms))
                return;
            break; /* it failed at once: ask again */
        }
    }
}

static bool needs_step(const ens_async_call *c, long long now)
{
    if (c->orphan || ens_cancel_is_triggered(c->call.cancel))
        return true;
    if (c->in_xfer)
        return c->xfer_done;
    return c->due >= 0 && c->due <= now;
}

static void step(ens_async_call *c)
{
    if (c->orphan) {
        cancel_call(c, " in the child process made by fork() (the parent process carries the call on)");
        return;
    }
    if (ens_cancel_is_triggered(c->call.cancel)) {
        cancel_call(c, "");
        return;
    }
    if (c->in_xfer) {
        ens_status st = xfer_result(c);
        void *out = NULL;
        if (st == ENS_OK)
            st = ens__exchange_interpret(c->engine->client, c->call.op, c->resp, &out,
                                         ens__call_attempt_error(&c->call));
        xfer_release(c);
        c->out = out;
        ens__call_attempt_done(&c->call, st, c->resp, out);
    }
    advance(c);
}

/* Collects finished transfers from libcurl. */
static void drain_messages(ens_async *a)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(a->multi, &left)) != NULL) {
        ens_async_call *c = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)(void *)&c);
        if (!c)
            continue;
        c->xfer_rc = m->data.result;
        c->xfer_done = true;
        curl_multi_remove_handle(a->multi, c->easy);
    }
}

/* Tells the host about the next timer the engine needs. */
static void update_timer(ens_async *a)
{
    ens_async_call *c;
    long long next = a->curl_due, now = ens__now_ms();
    bool tokens = false;
    ens__async_timer *t;
    for (c = a->head; c; c = c->next) {
        if (c->call.cancel)
            tokens = true;
        if (!c->in_xfer && c->due >= 0 && (next < 0 || c->due < next))
            next = c->due;
    }
    for (t = a->timers; t; t = t->next)
        if (next < 0 || t->due < next)
            next = t->due;
    if (!tokens)
        a->token_due = -1;
    else if (a->token_due < 0)
        a->token_due = now + ENS_ASYNC_CANCEL_POLL_MS;
    if (a->token_due >= 0 && (next < 0 || a->token_due < next))
        next = a->token_due;
    if (next == a->host_due)
        return;
    a->host_due = next;
    a->timer_fn(next < 0 ? -1L : (long)(next > now ? next - now : 0), a->payload);
}

/* ---- internal timers (async_timer.h) ---------------------------------- */

void ens__async_timer_disarm(ens__async_timer *t)
{
    ens_async *a = t->engine;
    if (!a)
        return;
    if (t->prev)
        t->prev->next = t->next;
    else
        a->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    t->engine = NULL;
}

void ens__async_timer_arm(ens_async *a, ens__async_timer *t, long ms, ens__async_timer_fn fire)
{
    ens__async_timer_disarm(t);
    t->due = ens__now_ms() + (ms > 0 ? ms : 0);
    t->fire = fire;
    t->engine = a;
    t->prev = NULL;
    t->next = a->timers;
    if (a->timers)
        a->timers->prev = t;
    a->timers = t;
    if (a->depth == 0)
        update_timer(a);
}

ens_client *ens__async_client(const ens_async *a) { return a->client; }

/* Fires one timer that is due; false when none is. */
static bool fire_due_timer(ens_async *a, long long now)
{
    ens__async_timer *t;
    for (t = a->timers; t; t = t->next)
        if (t->due <= now) {
            ens__async_timer_disarm(t);
            t->fire(t);
            return true;
        }
    return false;
}

/* Runs every step that is due, then re-arms the host's timer. */
static void process(ens_async *a)
{
    a->depth++;
    for (;;) {
        long long now = ens__now_ms();
        ens_async_call *c;
        drain_messages(a);
        for (c = a->head; c; c = c->next)
            if (needs_step(c, now))
                break;
        if (!c) {
            if (!fire_due_timer(a, now))
                break;
            continue; /* the timer's callback may have started calls: rescan */
        }
        step(c); /* may run callbacks that start or cancel calls: rescan */
    }
    a->depth--;
    update_timer(a);
}

/* ---- fork() ------------------------------------------------------------ */

/* A multi handle with the engine's options into a->multi: ENS_OK,
 * ENS_ENOMEM, or ENS_ETRANSPORT (an option refused; a->multi NULL). */
static ens_status multi_new(ens_async *a)
{
    CURLM *m = curl_multi_init();
    a->multi = NULL;
    if (!m)
        return ENS_ENOMEM;
    if (curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
        curl_multi_setopt(m, CURLMOPT_SOCKETDATA, (void *)a) != CURLM_OK ||
        curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        curl_multi_setopt(m, CURLMOPT_TIMERDATA, (void *)a) != CURLM_OK ||
        /* a fixed cache: libcurl's default (4 per easy handle in use) would
           close idle connections whenever few transfers are under way */
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS,
                          a->max_idle_connections ? a->max_idle_connections
                                                  : ENS_ASYNC_DEFAULT_IDLE_CONNECTIONS) != CURLM_OK ||
        (a->max_connections > 0 &&
         curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, a->max_connections) != CURLM_OK)) {
        curl_multi_cleanup(m);
        return ENS_ETRANSPORT;
    }
    a->multi = m;
    return ENS_OK;
}

/* In a child process made by fork(), before the engine touches libcurl: the
 * multi handle's connections, and the transfers under way on them, are the
 * parent's.  Lets go of them without reading, writing or shutting them down
 * (lib/transport/curl_sockets.h), gives the child a multi handle of its own,
 * and ends every call that was pending at fork() with ENS_ECANCELED the next
 * time the engine runs: the parent completes those calls.  (When no socket
 * pair can be made, the parent's handles are abandoned untouched.) */
static void fork_check(ens_async *a)
{
    ens_async_call *c;
    bool disowned;
    if (!ens__sockets_forked(&a->sockets))
        return;
    disowned = ens__sockets_disown_begin(&a->sockets);
    for (c = a->head; c; c = c->next) {
        if (!disowned)
            c->easy = NULL;
        else if (c->easy && c->in_xfer && !c->xfer_done)
            curl_multi_remove_handle(a->multi, c->easy);
        xfer_release(c);
        c->orphan = true;
        c->due = ens__now_ms(); /* so that the host is asked for a timer */
    }
    if (disowned)
        curl_multi_cleanup(a->multi);
    ens__sockets_disown_end(&a->sockets);
    (void)multi_new(a); /* NULL: every transfer is refused (ENS_ETRANSPORT) */
    a->curl_due = -1;
}

/* ---- public API ------------------------------------------------------- */

ENS_EXTERN void ens_async_options_init(ens_async_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_ASYNC_OPTIONS_VERSION;
}

ENS_EXTERN ens_status ens_async_new(ens_async **out, ens_client *client,
                                    const ens_async_options *opts, ens_error *err)
{
    ens_async *a;
    ens_status st;
    if (!out || !client || !opts)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL out, client or options");
    if (opts->version == 0 || opts->version > ENS_ASYNC_OPTIONS_VERSION)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: unknown ens_async_options version %u", opts->version);
    if (!opts->socket_fn || !opts->timer_fn || opts->max_connections < 0 ||
        opts->max_idle_connections < 0)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: ens_async_options needs socket_fn and timer_fn, "
                              "and connection limits must not be negative");
    a = ens__calloc(1, sizeof(*a));
    if (!a)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the engine");
    if (!ens__transport_curl_config(client->transport, &a->curl)) {
        ens__free(a);
        return ens__error_set(err, ENS_EUNSUPPORTED,
                              "unsupported: asynchronous calls need a transport with a non-blocking "
                              "form, and the client's transport has none (only the default libcurl "
                              "transport has one; see ensclient/async.h)");
    }
    a->client = client;
    a->socket_fn = opts->socket_fn;
    a->timer_fn = opts->timer_fn;
    a->payload = opts->payload;
    a->curl_due = a->token_due = a->host_due = -1;
    a->max_connections = opts->max_connections;
    a->max_idle_connections = opts->max_idle_connections;
    if (ens__sockets_init(&a->sockets) != 0) {
        ens__free(a);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the engine");
    }
    a->curl.sockets = &a->sockets;
    st = multi_new(a);
    if (st != ENS_OK) {
        ens__sockets_destroy(&a->sockets);
        ens__free(a);
        return st == ENS_ENOMEM
                   ? ens__error_set(err, st, "out of memory: cannot create a libcurl multi handle")
                   : ens__error_set(err, st, "transport error: libcurl rejected the multi handle's options");
    }
    *out = a;
    return ENS_OK;
}

ENS_EXTERN void ens_async_free(ens_async *engine)
{
    if (!engine)
        return;
    fork_check(engine);
    engine->closing = true;
    engine->depth++;
    while (engine->head)
        cancel_call(engine->head, ": the engine was freed");
    while (engine->timers)
        ens__async_timer_disarm(engine->timers);
    curl_multi_cleanup(engine->multi);
    ens__sockets_destroy(&engine->sockets);
    engine->depth--;
    if (engine->host_due >= 0)
        engine->timer_fn(-1L, engine->payload);
    ens__free(engine);
}

/* Starts a call of the plan in *c (a new call, its plan and callback set,
 * owned from now on by the engine, also on failure).  What both the typed
 * and the generic call start with. */
static ens_status start_call(ens_async *engine, ens_async_call *c, const ens_call_options *opts,
                             ens_async_call **handle, ens_error *e)
{
    c->engine = engine;
    if (!(c->resp = ens__client_response_take(engine->client))) {
        call_free(c);
        return ens__error_set(e, ENS_ENOMEM, "out of memory: starting the call");
    }
    ens__call_start(&c->call, engine->client, &c->plan.op, opts);
    c->due = c->call.start; /* the first attempt starts from the loop */
    link_call(engine, c);
    if (engine->depth == 0)
        update_timer(engine);
    if (handle)
        *handle = c;
    return ENS_OK;
}

/* The checks every start makes before anything is built. */
static ens_status check_start(ens_async *engine, bool args, const ens_call_options *opts, ens_error *e)
{
    if (!engine || !args)
        return ens__error_set(e, ENS_EINVAL, "invalid argument: NULL engine, request or completion callback");
    if (engine->closing)
        return ens__error_set(e, ENS_EINVAL, "invalid argument: the engine is being freed");
    return ens__call_check_options(opts, e);
}

ENS_EXTERN ens_status ens_async_describe(ens_async *engine, const ens_describe_request *req,
                                         const ens_call_options *opts, ens_async_done_fn done,
                                         void *user, ens_async_call **handle, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens_async_call *c = NULL;
    ens_status st;

    if ((st = check_start(engine, req && done, opts, &e)) != ENS_OK ||
        (st = ens_describe_request_validate(req, &e)) != ENS_OK)
        goto fail;
    fork_check(engine); /* before the new call joins those it would end */
    c = ens__calloc(1, sizeof(*c));
    if (!c) {
        st = ens__error_set(&e, ENS_ENOMEM, "out of memory: starting the call");
        goto fail;
    }
    /* The request is needed no more: the plan is all its attempts send. */
    if ((st = ens__describe_plan(req, &c->plan, &e)) != ENS_OK) {
        ens__free(c);
        goto fail;
    }
    c->done = done;
    c->user = user;
    if ((st = start_call(engine, c, opts, handle, &e)) == ENS_OK)
        return ENS_OK;

fail:
    return ens__call_refuse(engine ? engine->client : NULL, &ens__describe_op, st, &e, err);
}

ENS_EXTERN ens_status ens_rpc_call_async(ens_async *engine, const ens_rpc_request *req,
                                         const ens_call_options *opts, ens_rpc_done_fn done,
                                         void *user, ens_async_call **handle, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens_async_call *c = NULL;
    ens__rpc_op refused;
    ens_status st;

    if ((st = check_start(engine, req && done, opts, &e)) != ENS_OK)
        goto fail;
    c = ens__calloc(1, sizeof(*c));
    if (!c) {
        st = ens__error_set(&e, ENS_ENOMEM, "out of memory: starting the call");
        goto fail;
    }
    if ((st = ens__rpc_plan_from_request(engine->client, req, &c->plan, &e)) != ENS_OK) {
        ens__free(c);
        goto fail;
    }
    c->rpc_done = done;
    c->user = user;
    if ((st = start_call(engine, c, opts, handle, &e)) == ENS_OK)
        return ENS_OK;

fail:
    refused = ens__rpc_refused_op(req);
    return ens__call_refuse(engine ? engine->client : NULL, &refused, st, &e, err);
}

ENS_EXTERN ens_status ens_async_cancel(ens_async_call *call)
{
    ens_async *a;
    if (!call || ens__call_finished(&call->call))
        return ENS_EINVAL;
    a = call->engine;
    fork_check(a);
    a->depth++;
    cancel_call(call, " by ens_async_cancel()");
    a->depth--;
    if (a->depth == 0)
        update_timer(a);
    return ENS_OK;
}

static ens_status multi_status(CURLMcode mc)
{
    switch (mc) {
    case CURLM_OK:
    case CURLM_BAD_SOCKET: /* a descriptor libcurl has let go of meanwhile */
        return ENS_OK;
    case CURLM_OUT_OF_MEMORY:
        return ENS_ENOMEM;
    case CURLM_RECURSIVE_API_CALL:
        return ENS_EINVAL;
    default:
        return ENS_ETRANSPORT;
    }
}

ENS_EXTERN ens_status ens_async_socket_action(ens_async *engine, int fd, int events)
{
    int mask = 0, running = 0;
    ens_status st;
    if (!engine || engine->depth > 0)
        return ENS_EINVAL;
    if (events & ENS_ASYNC_EV_IN)
        mask |= CURL_CSELECT_IN;
    if (events & ENS_ASYNC_EV_OUT)
        mask |= CURL_CSELECT_OUT;
    if (events & ENS_ASYNC_EV_ERR)
        mask |= CURL_CSELECT_ERR;
    fork_check(engine);
    engine->depth++; /* the host's socket callback must not re-enter */
    st = multi_status(curl_multi_socket_action(engine->multi, (curl_socket_t)fd, mask, &running));
    engine->depth--;
    process(engine);
    return st;
}

ENS_EXTERN ens_status ens_async_timeout(ens_async *engine)
{
    long long now;
    int running = 0;
    ens_status st = ENS_OK;
    if (!engine || engine->depth > 0)
        return ENS_EINVAL;
    fork_check(engine);
    now = ens__now_ms();
    engine->host_due = -1; /* the host's timer has fired: it is gone */
    if (engine->token_due >= 0 && engine->token_due <= now)
        engine->token_due = -1;
    if (engine->curl_due >= 0 && engine->curl_due <= now) {
        engine->curl_due = -1; /* libcurl asks again if it still needs one */
        engine->depth++;
        st = multi_status(curl_multi_socket_action(engine->multi, CURL_SOCKET_TIMEOUT, 0, &running));
        engine->depth--;
    }
    process(engine);
    return st;
}

ENS_EXTERN size_t ens_async_pending(const ens_async *engine)
{
    return engine ? engine->pending : 0;
}
