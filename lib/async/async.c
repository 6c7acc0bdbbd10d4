/* The asynchronous engine: the blocking call's loop (client.c) turned into a
 * state machine per call, driven by the host's event loop through libcurl's
 * multi-socket interface.  See include/ensclient/async.h for the contract.
 *
 * A call moves through these states:
 *   TOP      the head of the blocking loop: cancellation and deadline checks,
 *            a rate-limit token; due at `due`
 *   RATE     waiting for the rate limiter; due at `due`
 *   XFER     its easy handle is in the multi handle
 *   BACKOFF  sleeping between attempts; due at `due`, then TOP
 * and ends in finish(), which runs the completion callback and frees it.
 * Each step mirrors a line of ens_describe_peer_connections_ex(), with the
 * same messages, so that both give the same results. */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "transport/curl_xfer.h"
#include "util/cancel.h"
#include "call/client_internal.h"
#include "util/error.h"
#include "call/retry.h"
#include "ensclient/async.h"

enum call_state { ST_TOP, ST_RATE, ST_XFER, ST_BACKOFF, ST_DONE };

struct ens_async_call {
    ens_async *engine;
    ens_async_call *prev, *next;
    enum call_state state;
    long long due;            /* monotonic ms of the next step (TOP/RATE/BACKOFF), -1 = none */
    ens_async_done_fn done;
    void *user;
    ens_describe_request req; /* deep copy; its strings live in req_block */
    char *req_block;
    const ens_cancel *cancel; /* borrowed */
    long timeout_ms;
    long long start, deadline;
    unsigned int attempt;
    bool refreshed;           /* credentials refreshed after InvalidSecurityToken */
    ens_status st;            /* status of the last attempt (the loop's `st`) */
    ens_error e;              /* the loop's `e` */
    ens_http_response *resp;  /* reused between attempts */
    ens_describe_response *out;
    /* the attempt in flight */
    ens__exchange x;
    bool have_x;
    CURL *easy;
    ens__curl_xfer xfer;      /* headers, callbacks' state, error text */
    bool xfer_done;
    CURLcode xfer_rc;
};

struct ens_async {
    ens_client *client; /* borrowed */
    ens__curl_config curl;
    CURLM *multi;
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

/* ---- the request copy (one allocation) -------------------------------- */

static ens_status copy_request(ens_async_call *c, const ens_describe_request *req)
{
    const char *strs[3] = {req->instance_id, req->ens_region_id, req->name};
    size_t i, n = req->network_ids_count, bytes = n * sizeof(char *), len;
    char *p, **ids;

    for (i = 0; i < 3; i++)
        if (strs[i])
            bytes += strlen(strs[i]) + 1;
    for (i = 0; i < n; i++)
        bytes += strlen(req->network_ids[i]) + 1;
    c->req = *req;
    c->req.version = ENS_DESCRIBE_REQUEST_VERSION;
    if (bytes == 0)
        return ENS_OK;
    c->req_block = ens__malloc(bytes);
    if (!c->req_block)
        return ENS_ENOMEM;
    ids = (char **)(void *)c->req_block;
    p = c->req_block + n * sizeof(char *);
    for (i = 0; i < 3; i++) {
        const char *copy = NULL;
        if (strs[i]) {
            len = strlen(strs[i]) + 1;
            memcpy(p, strs[i], len);
            copy = p;
            p += len;
        }
        if (i == 0)
            c->req.instance_id = copy;
        else if (i == 1)
            c->req.ens_region_id = copy;
        else
            c->req.name = copy;
    }
    for (i = 0; i < n; i++) {
        len = strlen(req->network_ids[i]) + 1;
        memcpy(p, req->network_ids[i], len);
        ids[i] = p;
        p += len;
    }
    c->req.network_ids = n ? (const char *const *)ids : NULL;
    return ENS_OK;
}

static void call_free(ens_async_call *c)
{
    ens_http_response_free(c->resp);
    ens_describe_response_free(c->out);
    ens__free(c->req_block);
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
}

/* Takes the call's easy handle out of the multi handle (if it is there). */
static void xfer_abort(ens_async_call *c)
{
    if (c->state == ST_XFER && c->easy && !c->xfer_done)
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
 * the error with c->e filled. */
static ens_status xfer_result(ens_async_call *c)
{
    return ens__curl_xfer_result(c->easy, c->xfer_rc, &c->xfer, &c->x.http, &c->e);
}

/* ---- the state machine ------------------------------------------------ */

/* Ends the call with st (c->e holds the details when st is an error): runs
 * the completion callback, then frees the call.  c is gone afterwards. */
static void finish(ens_async_call *c, ens_status st)
{
    ens_async *a = c->engine;
    ens_client *client = a->client;
    ens_describe_response *out = NULL;

    xfer_abort(c);
    unlink_call(a, c);
    c->state = ST_DONE;
    if (st == ENS_OK) {
        out = c->out;
        c->out = NULL;
        ens__client_log(client, ENS_LOG_INFO,
                        "%s: HTTP %ld, %zu connection(s), RequestId %s, %u attempt(s), %lld ms",
                        ENS_ACTION, ens_http_response_status(c->resp), out->connections_count,
                        out->request_id ? out->request_id : "-", c->attempt,
                        ens__now_ms() - c->start);
        ens_error_init(&c->e);
        c->e.http_status = ens_http_response_status(c->resp);
    } else {
        ens__client_log(client, ENS_LOG_ERROR, "%s: %s", ENS_ACTION, c->e.description);
    }
    c->e.status = st;
    c->e.attempts = c->attempt;
    a->depth++;
    c->done(c, st, out, &c->e, c->user);
    a->depth--;
    call_free(c);
}

static void finish_canceled(ens_async_call *c, const char *why)
{
    if (c->state == ST_XFER)
        ens__error_set(&c->e, ENS_ECANCELED, "canceled%s during attempt %u", why, c->attempt);
    else
        ens__error_set(&c->e, ENS_ECANCELED, "canceled%s after %u attempt(s)", why, c->attempt);
    finish(c, ENS_ECANCELED);
}

static void begin_attempt(ens_async_call *c, long remaining);

/* What follows an attempt that ended with st (the tail of the blocking loop). */
static void after_attempt(ens_async_call *c, ens_status st)
{
    ens_client *client = c->engine->client;
    long wait, remaining;

    xfer_release(c);
    c->state = ST_TOP;
    c->st = st;
    if (st == ENS_OK) {
        finish(c, ENS_OK);
        return;
    }
    if (st == ENS_ECANCELED || ens_cancel_is_triggered(c->cancel)) {
        ens__error_set(&c->e, ENS_ECANCELED, "canceled during attempt %u", c->attempt);
        finish(c, ENS_ECANCELED);
        return;
    }
    if (st == ENS_EAUTH && !c->refreshed && strncmp(c->e.code, "InvalidSecurityToken", 20) == 0) {
        /* The STS token expired or was revoked: drop cached credentials,
           fetch fresh ones and try once more, at once (from the loop). */
        c->refreshed = true;
        ens_credentials_provider_invalidate(client->credentials);
        ens__client_log(client, ENS_LOG_INFO, "%s: %s; refreshing the credentials and retrying once",
                        ENS_ACTION, c->e.code);
        c->due = ens__now_ms();
        return;
    }
    if (c->attempt >= client->max_attempts + (c->refreshed ? 1u : 0u) ||
        !ens__retry_is_retryable(st, &c->e, c->resp)) {
        finish(c, st);
        return;
    }
    c->e.status = st;
    c->e.attempts = c->attempt;
    if (client->retry_fn) {
        bool go;
        c->engine->depth++;
        go = client->retry_fn(client->retry_payload, c->attempt, &c->e);
        c->engine->depth--;
        if (!go) {
            finish(c, st);
            return;
        }
    }
    wait = ens__retry_delay_ms(c->attempt, client->retry_base_ms, client->retry_cap_ms, c->resp);
    remaining = (long)(c->deadline - ens__now_ms());
    if (wait >= remaining) {
        ens__client_log(client, ENS_LOG_INFO, "%s: not retrying, the deadline is too close: %s",
                        ENS_ACTION, c->e.description);
        finish(c, st);
        return;
    }
    ens__client_log(client, ENS_LOG_INFO, "%s: attempt %u/%u failed, retrying in %ld ms: %s",
                    ENS_ACTION, c->attempt, client->max_attempts, wait, c->e.description);
    c->state = ST_BACKOFF;
    c->due = ens__now_ms() + wait;
}

static void begin_attempt(ens_async_call *c, long remaining)
{
    ens_async *a = c->engine;
    ens_status st;
    CURLMcode mc;

    c->attempt++;
    c->due = -1;
    ens_error_init(&c->e);
    st = ens__exchange_prepare(a->client, &c->req, remaining, c->cancel, &c->x, &c->e);
    if (st != ENS_OK) {
        after_attempt(c, st);
        return;
    }
    c->have_x = true;
    ens_http_response_reset(c->resp);
    c->easy = curl_easy_init();
    if (!c->easy) {
        ens__error_set(&c->e, ENS_ENOMEM, "out of memory: cannot create a libcurl handle");
        after_attempt(c, ENS_ENOMEM);
        return;
    }
    if ((st = xfer_setup(c, &c->e)) != ENS_OK) {
        after_attempt(c, st);
        return;
    }
    mc = curl_multi_add_handle(a->multi, c->easy);
    if (mc != CURLM_OK) {
        st = mc == CURLM_OUT_OF_MEMORY ? ENS_ENOMEM : ENS_ETRANSPORT;
        ens__error_set(&c->e, st, "%s: libcurl refused the transfer: %s", ens_strerror(st),
                       curl_multi_strerror(mc));
        after_attempt(c, st);
        return;
    }
    c->state = ST_XFER;
}

/* The head of the blocking loop. */
static void top(ens_async_call *c)
{
    long remaining = (long)(c->deadline - ens__now_ms()), wait;
    if (ens_cancel_is_triggered(c->cancel)) {
        finish_canceled(c, "");
        return;
    }
    if (remaining <= 0) {
        if (c->attempt == 0 || c->e.status == ENS_OK) {
            ens__error_set(&c->e, ENS_ETIMEOUT, "timed out: the %ld ms deadline passed",
                           c->timeout_ms);
            c->st = ENS_ETIMEOUT;
        }
        finish(c, c->st);
        return;
    }
    wait = ens__ratelimit_reserve(&c->engine->client->ratelimit, remaining);
    if (wait < 0) {
        ens__error_set(&c->e, ENS_ETIMEOUT,
                       "timed out: the client-side rate limit would delay the call past its deadline");
        finish(c, ENS_ETIMEOUT);
        return;
    }
    if (wait > 0) {
        c->state = ST_RATE;
        c->due = ens__now_ms() + wait;
        return;
    }
    begin_attempt(c, remaining);
}

static void rate_done(ens_async_call *c)
{
    long remaining = (long)(c->deadline - ens__now_ms());
    if (remaining <= 0) {
        ens__error_set(&c->e, ENS_ETIMEOUT, "timed out: the %ld ms deadline passed", c->timeout_ms);
        finish(c, ENS_ETIMEOUT);
        return;
    }
    begin_attempt(c, remaining);
}

static bool needs_step(const ens_async_call *c, long long now)
{
    if (c->state == ST_DONE)
        return false;
    if (ens_cancel_is_triggered(c->cancel))
        return true;
    if (c->state == ST_XFER)
        return c->xfer_done;
    return c->due >= 0 && c->due <= now;
}

static void step(ens_async_call *c)
{
    if (ens_cancel_is_triggered(c->cancel)) {
        finish_canceled(c, "");
        return;
    }
    switch (c->state) {
    case ST_TOP:
    case ST_BACKOFF:
        c->state = ST_TOP;
        top(c);
        break;
    case ST_RATE:
        rate_done(c);
        break;
    case ST_XFER: {
        ens_status st = xfer_result(c);
        if (st == ENS_OK)
            st = ens__exchange_interpret(c->engine->client, c->resp, &c->out, &c->e);
        after_attempt(c, st);
        break;
    }
    case ST_DONE:
        break;
    }
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
    for (c = a->head; c; c = c->next) {
        if (c->cancel)
            tokens = true;
        if (c->state != ST_XFER && c->due >= 0 && (next < 0 || c->due < next))
            next = c->due;
    }
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
        if (!c)
            break;
        step(c); /* may run callbacks that start or cancel calls: rescan */
    }
    a->depth--;
    update_timer(a);
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
    a->multi = curl_multi_init();
    if (!a->multi) {
        ens__free(a);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: cannot create a libcurl multi handle");
    }
    if (curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
        curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, (void *)a) != CURLM_OK ||
        curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, (void *)a) != CURLM_OK ||
        /* a fixed cache: libcurl's default (4 per easy handle in use) would
           close idle connections whenever few transfers are under way */
        curl_multi_setopt(a->multi, CURLMOPT_MAXCONNECTS,
                          opts->max_idle_connections ? opts->max_idle_connections
                                                     : ENS_ASYNC_DEFAULT_IDLE_CONNECTIONS) != CURLM_OK ||
        (opts->max_connections > 0 &&
         curl_multi_setopt(a->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, opts->max_connections) !=
             CURLM_OK)) {
        curl_multi_cleanup(a->multi);
        ens__free(a);
        return ens__error_set(err, ENS_ETRANSPORT,
                              "transport error: libcurl rejected the multi handle's options");
    }
    *out = a;
    return ENS_OK;
}

ENS_EXTERN void ens_async_free(ens_async *engine)
{
    if (!engine)
        return;
    engine->closing = true;
    engine->depth++;
    while (engine->head)
        finish_canceled(engine->head, ": the engine was freed");
    curl_multi_cleanup(engine->multi);
    engine->depth--;
    if (engine->host_due >= 0)
        engine->timer_fn(-1L, engine->payload);
    ens__free(engine);
}

ENS_EXTERN ens_status ens_async_describe(ens_async *engine, const ens_describe_request *req,
                                         const ens_call_options *opts, ens_async_done_fn done,
                                         void *user, ens_async_call **handle, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens_async_call *c = NULL;
    ens_status st;

    if (!engine || !req || !done) {
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: NULL engine, request or completion callback");
        goto fail;
    }
    if (engine->closing) {
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: the engine is being freed");
        goto fail;
    }
    if (opts && (opts->version == 0 || opts->version > ENS_CALL_OPTIONS_VERSION || opts->timeout_ms < 0)) {
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: bad ens_call_options");
        goto fail;
    }
    if ((st = ens_describe_request_validate(req, &e)) != ENS_OK)
        goto fail;
    c = ens__calloc(1, sizeof(*c));
    if (!c || copy_request(c, req) != ENS_OK ||
        ens_http_response_new(&c->resp, engine->client->max_response_bytes) != ENS_OK) {
        st = ens__error_set(&e, ENS_ENOMEM, "out of memory: starting the call");
        goto fail;
    }
    c->engine = engine;
    c->done = done;
    c->user = user;
    c->cancel = opts ? opts->cancel : NULL;
    c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : engine->client->timeout_ms;
    c->start = ens__now_ms();
    c->deadline = c->start + c->timeout_ms;
    c->state = ST_TOP;
    c->st = ENS_OK;
    c->due = c->start; /* the first attempt starts from the loop */
    ens_error_init(&c->e);
    link_call(engine, c);
    if (engine->depth == 0)
        update_timer(engine);
    if (handle)
        *handle = c;
    return ENS_OK;

fail:
    if (c)
        call_free(c);
    e.status = st;
    if (engine)
        ens__client_log(engine->client, ENS_LOG_ERROR, "%s: %s", ENS_ACTION, e.description);
    if (err)
        *err = e;
    return st;
}

ENS_EXTERN ens_status ens_async_cancel(ens_async_call *call)
{
    ens_async *a;
    if (!call || call->state == ST_DONE)
        return ENS_EINVAL;
    a = call->engine;
    a->depth++;
    finish_canceled(call, " by ens_async_cancel()");
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
