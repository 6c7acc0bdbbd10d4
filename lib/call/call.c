/* SPDX-License-Identifier: MIT */
/* The policy of one call (see call.h).  Every decision, message and log line
 * about retries, deadlines, the rate limit, credential refresh and
 * cancellation is made here and nowhere else. */
#include "call/call.h"

#include <string.h>

#include "call/client_internal.h"
#include "call/retry.h"
#include "util/cancel.h"
#include "util/error.h"

ens_status ens__call_check_options(const ens_call_options *opts, ens_error *e)
{
    if (opts && (opts->version == 0 || opts->version > ENS_CALL_OPTIONS_VERSION || opts->timeout_ms < 0))
        return ens__error_set(e, ENS_EINVAL, "invalid argument: bad ens_call_options");
    return ENS_OK;
}

void ens__call_start(ens__call *c, ens_client *client, const ens__rpc_op *op,
                     const ens_call_options *opts)
{
    memset(c, 0, sizeof(*c));
    c->client = client;
    c->op = op;
    c->cancel = opts ? opts->cancel : NULL;
    c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : client->timeout_ms;
    c->start = ens__now_ms();
    c->deadline = c->start + c->timeout_ms;
    c->phase = ENS__CALL_TOP;
    c->st = ENS_OK;
    ens_error_init(&c->e);
}

/* Ends the call with st; c->e holds the details of a failure. */
static ens__call_step finish(ens__call *c, ens_status st)
{
    c->phase = ENS__CALL_FINISHED;
    c->st = st;
    c->e.status = st;
    c->e.attempts = c->sent;
    if (st != ENS_OK) {
        ens__call_advise(c, &c->e);
        ens__client_log(c->client, ENS_LOG_ERROR, "%s: %s", c->op->action, c->e.description);
    }
    ens__metrics_call_done(&c->client->metrics, st, ens__now_ms() - c->start); /* metrics */
    return ENS__CALL_DONE;
}

/* The deadline ended the call; rate_limited when the wait for the rate
 * limit is what took it past. */
static ens__call_step timed_out(ens__call *c, bool rate_limited)
{
    if (rate_limited)
        ens__error_set(&c->e, ENS_ETIMEOUT,
                       "timed out: the client-side rate limit would delay the call past its deadline");
    else
        ens__error_set(&c->e, ENS_ETIMEOUT, "timed out: the %ld ms deadline passed", c->timeout_ms);
    memset(&c->clues, 0, sizeof(c->clues));
    c->clues.retried_kind = c->sent > 0;
    c->clues.rate_limited = rate_limited;
    return finish(c, ENS_ETIMEOUT);
}

/* Every wait the call asks for (rate limit, backoff) goes through here. */
static ens__call_step wait_then(ens__call *c, ens__call_phase then, long wait, long *ms)
{
    c->phase = then;
    *ms = wait;
    return ENS__CALL_WAIT;
}

static ens__call_step send_now(ens__call *c, long remaining, long *ms)
{
    c->attempt++;
    ens_error_init(&c->e);
    ens__metrics_attempt(&c->client->metrics); /* metrics */
    c->phase = ENS__CALL_SENDING;
    c->attempt_start = ens__now_ms();
    c->budget_ms = remaining;
    *ms = remaining;
    return ENS__CALL_SEND;
}

/* Before an attempt: cancellation (checked by the caller), the deadline, a
 * rate-limit token. */
static ens__call_step top(ens__call *c, long *ms)
{
    long remaining = (long)(c->deadline - ens__now_ms()), wait;
    if (remaining <= 0) {
        /* After a failed attempt the call reports that failure, not the clock. */
        if (c->attempt == 0 || c->e.status == ENS_OK)
            return timed_out(c, false);
        return finish(c, c->st);
    }
    wait = ens__ratelimit_reserve(&c->client->ratelimit, remaining);
    if (wait < 0)
        return timed_out(c, true);
    if (wait > 0)
        return wait_then(c, ENS__CALL_RATE, wait, ms);
    return send_now(c, remaining, ms);
}

ens__call_step ens__call_next(ens__call *c, long *ms)
{
    long remaining;
    *ms = 0;
    switch (c->phase) {
    case ENS__CALL_FINISHED:
        return ENS__CALL_DONE;
    case ENS__CALL_SENDING:
        ens__error_set(&c->e, ENS_EINTERNAL, "internal error: the next step was asked during attempt %u",
                       c->attempt);
        return finish(c, ENS_EINTERNAL);
    default:
        break;
    }
    if (ens_cancel_is_triggered(c->cancel)) {
        ens__call_cancel(c, "");
        return ENS__CALL_DONE;
    }
    switch (c->phase) {
    case ENS__CALL_RETRY:
        return wait_then(c, ENS__CALL_BACKOFF, c->wait_ms, ms);
    case ENS__CALL_RATE:
        remaining = (long)(c->deadline - ens__now_ms());
        if (remaining <= 0)
            return timed_out(c, false);
        return send_now(c, remaining, ms);
    default: /* TOP, or the backoff is over */
        c->phase = ENS__CALL_TOP;
        return top(c, ms);
    }
}

ens_error *ens__call_attempt_error(ens__call *c) { return &c->e; }

void ens__call_attempt_sent(ens__call *c, const ens__exchange *x)
{
    if (c->phase != ENS__CALL_SENDING)
        return;
    c->sent++;
    memcpy(c->clues.key_id, x->key_id, sizeof(c->clues.key_id));
}

void ens__call_attempt_done(ens__call *c, ens_status st, const ens_http_response *resp,
                            const void *result)
{
    ens_client *client = c->client;
    long wait, remaining;

    if (c->phase != ENS__CALL_SENDING)
        return;
    ens__metrics_answer(&client->metrics, st, &c->e, resp); /* metrics */
    c->st = st;
    if (st != ENS_OK)
        ens__call_observe(c, st, resp);
    if (st == ENS_OK) {
        long http_status = ens_http_response_status(resp);
        if (client->log_fn && client->log_level >= ENS_LOG_INFO) { /* no formatting for nobody */
            char summary[512];
            c->op->summarize(result, summary, sizeof(summary));
            ens__client_log(client, ENS_LOG_INFO, "%s: HTTP %ld, %s, %u attempt(s), %lld ms", c->op->action,
                            http_status, summary, c->attempt, ens__now_ms() - c->start);
        }
        ens_error_init(&c->e);
        c->e.http_status = http_status;
        finish(c, ENS_OK);
        return;
    }
    if (st == ENS_ECANCELED || ens_cancel_is_triggered(c->cancel)) {
        ens__call_cancel(c, "");
        return;
    }
    if (st == ENS_EAUTH && !c->refreshed && strncmp(c->e.code, "InvalidSecurityToken", 20) == 0) {
        /* The STS token expired or was revoked: drop cached credentials,
           fetch fresh ones and try once more, at once. */
        c->refreshed = true;
        ens__metrics_retry(&client->metrics, st, &c->e, true); /* metrics */
        ens_credentials_provider_invalidate(client->credentials);
        ens__client_log(client, ENS_LOG_INFO, "%s: %s; refreshing the credentials and retrying once",
                        c->op->action, c->e.code);
        c->phase = ENS__CALL_TOP;
        return;
    }
    c->clues.retried_kind = ens__retry_is_retryable(st, &c->e, resp);
    if (c->attempt >= client->max_attempts + (c->refreshed ? 1u : 0u) || !c->clues.retried_kind) {
        finish(c, st);
        return;
    }
    c->e.status = st;
    c->e.attempts = c->attempt;
    if (client->retry_fn && !client->retry_fn(client->retry_payload, c->attempt, &c->e)) {
        finish(c, st);
        return;
    }
    wait = ens__retry_delay_ms(c->attempt, client->retry_base_ms, client->retry_cap_ms, resp);
    remaining = (long)(c->deadline - ens__now_ms());
    if (wait >= remaining) {
        ens__client_log(client, ENS_LOG_INFO, "%s: not retrying, the deadline is too close: %s",
                        c->op->action, c->e.description);
        c->clues.deadline_stopped = true;
        finish(c, st);
        return;
    }
    ens__client_log(client, ENS_LOG_INFO, "%s: attempt %u/%u failed, retrying in %ld ms: %s",
                    c->op->action, c->attempt, client->max_attempts, wait, c->e.description);
    c->wait_ms = wait;
    c->phase = ENS__CALL_RETRY;
    ens__metrics_retry(&client->metrics, st, &c->e, false); /* metrics */
}

void ens__call_cancel(ens__call *c, const char *why)
{
    if (c->phase == ENS__CALL_FINISHED)
        return;
    if (c->phase == ENS__CALL_SENDING)
        ens__error_set(&c->e, ENS_ECANCELED, "canceled%s during attempt %u", why, c->attempt);
    else
        ens__error_set(&c->e, ENS_ECANCELED, "canceled%s after %u attempt(s)", why, c->attempt);
    finish(c, ENS_ECANCELED);
}

bool ens__call_finished(const ens__call *c) { return c->phase == ENS__CALL_FINISHED; }

ens_status ens__call_status(const ens__call *c) { return c->st; }

const ens_error *ens__call_error(const ens__call *c) { return &c->e; }

ens_status ens__call_refuse(ens_client *client, const ens__rpc_op *op, ens_status st, ens_error *e,
                            ens_error *err)
{
    e->status = st;
    e->attempts = 0;
    if (client)
        ens__client_log(client, ENS_LOG_ERROR, "%s: %s", op->action, e->description);
    if (client)
        ens__metrics_call_done(&client->metrics, st, 0); /* metrics */
    ens__error_copy(err, e);
    return st;
}
