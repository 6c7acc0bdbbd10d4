/* SPDX-License-Identifier: MIT */
/* Internal: the policy of one call, once, for every driver.
 *
 * An ens__call owns what happens between "start the call" and "here is its
 * result": the deadline, the client-side rate limit, counting attempts,
 * refreshing credentials after InvalidSecurityToken, deciding what is worth
 * retrying (and asking the client's retry_fn), the backoff, the error details
 * and every log line about them.  It does no I/O and never sleeps: a driver
 * asks it what to do next and does it with its own mechanics.
 *
 *     ens__call_start(&c, client, op, opts);
 *     for (;;) switch (ens__call_next(&c, &ms)) {
 *     case ENS__CALL_SEND:   run one exchange with an ms budget (exchange.h):
 *                            ens__call_attempt_sent(&c, &x) once the request
 *                            is handed to the transport, then
 *                            ens__call_attempt_done(&c, st, resp, result);
 *     case ENS__CALL_WAIT:   wait ms (waking early on cancellation:
 *                            ens__call_cancel(&c, "")), then ask again;
 *     case ENS__CALL_DONE:   ens__call_status(&c) / ens__call_error(&c).
 *     }
 *
 * The blocking driver (blocking.c) sleeps on the call's token and calls the
 * transport; the event-loop driver (lib/async/async.c) turns WAIT into a
 * timer and SEND into a libcurl transfer.  Anything that must hold for every
 * call -- a wait that may not outlast the deadline, counters of attempts,
 * retries, throttled answers, failures, bytes and latency -- belongs here,
 * in the transitions below. */
#ifndef ENS_LIB_CALL_H
#define ENS_LIB_CALL_H

#include <stdbool.h>

#include "call/exchange.h"
#include "ensclient/client.h"

typedef enum ens__call_step {
    ENS__CALL_SEND, /* make one attempt now; *ms is its budget (> 0) */
    ENS__CALL_WAIT, /* wait *ms (>= 0), then ask again */
    ENS__CALL_DONE  /* finished: see ens__call_status() and ens__call_error() */
} ens__call_step;

typedef enum ens__call_phase {
    ENS__CALL_TOP,     /* before an attempt: cancellation, deadline, rate limit */
    ENS__CALL_RATE,    /* told to wait for the rate limiter; an attempt follows */
    ENS__CALL_SENDING, /* an attempt is under way */
    ENS__CALL_RETRY,   /* a failed attempt is to be retried after wait_ms */
    ENS__CALL_BACKOFF, /* told to wait wait_ms; then back to TOP */
    ENS__CALL_FINISHED
} ens__call_phase;

/* What the last failed attempt tells about its remedy (advice.c). */
typedef struct ens__call_clues {
    bool retried_kind;     /* a failure of a kind the policy retries */
    bool deadline_stopped; /* retryable, but the deadline left no room for another attempt */
    bool connect_timeout;  /* timed out before the budget was spent: connecting */
    bool rate_limited;     /* the client-side rate limit kept the call past its deadline */
    bool skew_known;       /* skew_s measured against the server's Date */
    long long skew_s;      /* local clock minus the server's, seconds */
    char server_date[40];  /* the server's Date header ("" when none came) */
    char key_id[128];      /* the AccessKey ID of the last request sent */
} ens__call_clues;

typedef struct ens__call {
    ens_client *client;       /* borrowed */
    const ens__rpc_op *op;    /* borrowed; outlives the call */
    const ens_cancel *cancel; /* borrowed; may be NULL */
    long timeout_ms;
    long long start, deadline; /* monotonic ms */
    long long attempt_start;  /* monotonic ms when the attempt under way was asked for */
    long budget_ms;           /* the attempt under way's budget */
    long wait_ms;             /* the backoff decided after a failed attempt */
    unsigned int attempt;     /* attempts started */
    unsigned int sent;        /* attempts whose request reached the transport */
    bool refreshed;           /* credentials refreshed after InvalidSecurityToken */
    ens__call_phase phase;
    ens_status st;            /* the last attempt's status; the call's once finished */
    ens_error e;              /* the last attempt's details; the call's once finished */
    ens__call_clues clues;
} ens__call;

/* Checks per-call options (NULL = defaults): ENS_OK, or ENS_EINVAL with e
 * filled for an unknown version or a negative timeout. */
ens_status ens__call_check_options(const ens_call_options *opts, ens_error *e);

/* Starts the deadline (opts->timeout_ms, else the client's) of a call of op;
 * opts must have passed ens__call_check_options().  Nothing to free. */
void ens__call_start(ens__call *c, ens_client *client, const ens__rpc_op *op,
                     const ens_call_options *opts);

/* What the driver does next (see above).  Not during an attempt (that is a
 * driver's bug: the call then ends with ENS_EINTERNAL). */
ens__call_step ens__call_next(ens__call *c, long *ms);

/* Where the attempt under way reports its details (cleared when it started). */
ens_error *ens__call_attempt_error(ens__call *c);

/* The attempt under way's request, x, has been handed to the transport:
 * it counts in ens_error::attempts (what failed before counts not). */
void ens__call_attempt_sent(ens__call *c, const ens__exchange *x);

/* The attempt under way ended with st (its details in
 * ens__call_attempt_error()); resp is its response (status 0 when none
 * arrived), result what op->decode made of a 2xx body (ENS_OK only; still
 * the driver's).  Decides, logs and returns; ask ens__call_next() next. */
void ens__call_attempt_done(ens__call *c, ens_status st, const ens_http_response *resp,
                            const void *result);

/* Ends the call with ENS_ECANCELED ("canceled<why> during attempt N" or
 * "... after N attempt(s)"); no-op once finished.  The driver stops an
 * attempt under way itself. */
void ens__call_cancel(ens__call *c, const char *why);

bool ens__call_finished(const ens__call *c);
/* The call's status and details once finished (on ENS_OK: status, the
 * answer's HTTP status and the attempts; nothing else). */
ens_status ens__call_status(const ens__call *c);
const ens_error *ens__call_error(const ens__call *c);

/* Notes what a failed attempt tells about its remedy (advice.c): whether a
 * timeout came while connecting, how far the local clock is from the
 * server's Date.  Called by ens__call_attempt_done(). */
void ens__call_observe(ens__call *c, ens_status st, const ens_http_response *resp);

/* Adds to the finished call's failure what to do about it (advice.c): the
 * attempts made when the failure is of a kind that is retried, and the
 * setting and remedy (common.h, "What to do about it"). */
void ens__call_advise(const ens__call *c, ens_error *e);

/* Ends a call of op refused before it started (bad arguments, no memory):
 * logs it as a failed call does and copies e, with status st and no
 * attempts, to err (may be NULL).  client may be NULL.  Returns st. */
ens_status ens__call_refuse(ens_client *client, const ens__rpc_op *op, ens_status st, ens_error *e,
                            ens_error *err);

#endif
