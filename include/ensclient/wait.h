/* SPDX-License-Identifier: MIT */
/**
 * @file wait.h
 * @brief Waiting until one peer connection reaches a status or disappears,
 *        with a deadline (in the manner of the AWS SDK waiters).
 *
 * A wait asks for one InstanceId (DescribeNetworkPeerConnections with the
 * InstanceId filter) until the connection has the wanted status, or is gone,
 * or the deadline passes.  Between two polls it pauses with a doubling
 * backoff between a minimum and a maximum delay, jittered (the pause before
 * poll n+1 is drawn from [min_delay_ms, min(max_delay_ms, min_delay_ms *
 * 2^(n-1))]); it never outlasts its deadline: when the next pause would end
 * past it, the wait sleeps until the deadline and ends with
 * ::ENS_WAIT_DEADLINE.  Each poll is one call of the client, with its
 * retries, rate limit and a deadline no later than the wait's.
 *
 * @code
 * ens_wait_options wo = ENS_WAIT_OPTIONS_INIT;
 * ens_wait_result r = ENS_WAIT_RESULT_INIT;
 * wo.status = ENS_PEER_STATUS_ACTIVATED;
 * wo.timeout_ms = 300000;
 * if (ens_wait_peer_connection(client, "pcc-...", &wo, &r, &err) == ENS_OK &&
 *     r.outcome == ENS_WAIT_REACHED)
 *     use(r.connection);
 * ens_wait_result_clear(&r);
 * @endcode
 *
 * A failed poll is tolerated when it is worth retrying (the failures the
 * client itself retries: network failures, timeouts, Throttling*,
 * ServiceUnavailable, InternalError, HTTP 5xx), up to max_failures in a row;
 * any other failure (credentials, authentication, a bad argument, a body that
 * cannot be parsed...) ends the wait at once with ::ENS_WAIT_FAILED.
 */
#ifndef ENSCLIENT_WAIT_H
#define ENSCLIENT_WAIT_H

#include <stdbool.h>

#include "async.h"
#include "cancel.h"
#include "client.h"
#include "common.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief How a wait ended. */
typedef enum ens_wait_outcome {
    ENS_WAIT_REACHED = 1,  /**< The connection has the status (or, with until_gone, is gone). */
    ENS_WAIT_GONE = 2,     /**< Waiting for a status, the connection was not found (more polls
                                in a row than absent_polls allows). */
    ENS_WAIT_DEADLINE = 3, /**< timeout_ms passed first. */
    ENS_WAIT_FAILED = 4,   /**< A poll failed (see the returned status and the error). */
    ENS_WAIT_CANCELED = 5  /**< The token was triggered, or ens_wait_cancel() was called. */
} ens_wait_outcome;

/** @brief Default ens_wait_options::timeout_ms (10 min). */
#define ENS_WAIT_DEFAULT_TIMEOUT_MS 600000L
/** @brief Default ens_wait_options::min_delay_ms. */
#define ENS_WAIT_DEFAULT_MIN_DELAY_MS 2000L
/** @brief Default ens_wait_options::max_delay_ms. */
#define ENS_WAIT_DEFAULT_MAX_DELAY_MS 30000L
/** @brief Default ens_wait_options::max_failures. */
#define ENS_WAIT_DEFAULT_MAX_FAILURES 3u

/** @brief Current version of ::ens_wait_options. */
#define ENS_WAIT_OPTIONS_VERSION 1

/**
 * @brief What to wait for.  Caller-owned; read (strings copied) when the
 * wait starts.  Initialise with ::ENS_WAIT_OPTIONS_INIT or
 * ens_wait_options_init(); members are only ever added at the end.  Zero
 * means the documented default.
 */
typedef struct ens_wait_options {
    unsigned int version;   /**< Set by the initialiser; do not change. */
    ens_peer_status status; /**< The status to wait for (not ::ENS_PEER_STATUS_UNKNOWN unless until_gone). */
    bool until_gone;        /**< Wait until the connection disappears instead (status is ignored). */
    long timeout_ms;        /**< Longest wait, polls and pauses included; 0 = default. */
    long min_delay_ms;      /**< Pause after the first poll; 0 = default. */
    long max_delay_ms;      /**< Longest pause; 0 = default (raised to min_delay_ms if lower). */
    /** Polls in a row that may find no such connection before the wait ends
        with ::ENS_WAIT_GONE (a connection just created may take a moment to
        be listed); 0 = none: the first such poll ends it. */
    unsigned int absent_polls;
    unsigned int max_failures; /**< Failed polls tolerated in a row (see above); 0 = default. */
    const char *ens_region_id; /**< Sent with every poll as EnsRegionId when not NULL. */
    /** Blocking wait only: triggering it (any thread) ends the wait with
        ::ENS_WAIT_CANCELED within about a second.  Borrowed for the wait.
        Ignored by ens_wait_peer_connection_async() (use ens_wait_cancel()). */
    const ens_cancel *cancel;
} ens_wait_options;

/** @brief Static initialiser for ::ens_wait_options. */
#define ENS_WAIT_OPTIONS_INIT {ENS_WAIT_OPTIONS_VERSION, ENS_PEER_STATUS_UNKNOWN, false, 0, 0, 0, 0, 0, NULL, NULL}

/** @brief Initialises @p opts (NULL is ignored) to defaults.  Thread-safe. */
ENS_EXTERN void ens_wait_options_init(ens_wait_options *opts);

/** @brief Current version of ::ens_wait_result. */
#define ENS_WAIT_RESULT_VERSION 1

/**
 * @brief How a wait ended.  Caller-owned for the blocking wait (initialise
 * with ::ENS_WAIT_RESULT_INIT, release with ens_wait_result_clear()); owned
 * by the library during an asynchronous wait's completion callback.
 */
typedef struct ens_wait_result {
    unsigned int version;     /**< Set by the initialiser; do not change. */
    ens_wait_outcome outcome; /**< How it ended. */
    unsigned int polls;       /**< Polls made (failed ones included). */
    long waited_ms;           /**< From the start to the outcome. */
    /** The connection as the last poll that found it saw it (for
        ::ENS_WAIT_REACHED on a status: with that status); NULL when no poll
        found it, and when the wait reached until_gone.  Blocking: owned by
        the caller (ens_wait_result_clear() frees it); asynchronous: borrowed
        for the callback (ens_peer_connection_copy() keeps it). */
    ens_peer_connection *connection;
} ens_wait_result;

/** @brief Static initialiser for ::ens_wait_result. */
#define ENS_WAIT_RESULT_INIT {ENS_WAIT_RESULT_VERSION, ENS_WAIT_FAILED, 0, 0, NULL}

/** @brief Frees what @p result holds and makes it empty again (NULL is ignored). */
ENS_EXTERN void ens_wait_result_clear(ens_wait_result *result);

/**
 * @brief Waits on the calling thread.
 *
 * @param client      the client; borrowed.
 * @param instance_id the connection; copied.
 * @param opts        what to wait for (required: the status or until_gone).
 * @param result      initialised by the caller; filled (also on failure:
 *                    the outcome says which); release it with
 *                    ens_wait_result_clear().
 * @param err         may be NULL; filled when an error is returned.
 * @return ::ENS_OK with outcome ::ENS_WAIT_REACHED, ::ENS_WAIT_GONE or
 *         ::ENS_WAIT_DEADLINE; the status of the poll that ended the wait
 *         with outcome ::ENS_WAIT_FAILED (::ENS_ECREDENTIALS, ::ENS_EAUTH,
 *         ::ENS_ENETWORK after max_failures..., @p err filled as by
 *         ens_describe_peer_connections()); ::ENS_ECANCELED with outcome
 *         ::ENS_WAIT_CANCELED; ::ENS_EINVAL (NULL argument, an empty or
 *         invalid InstanceId, options version 0 or unknown, a negative time,
 *         no status to wait for, a result of version 0 or unknown; nothing
 *         is sent); ::ENS_ENOMEM.
 * Thread-safe as calls on the client are.
 */
ENS_EXTERN ens_status ens_wait_peer_connection(ens_client *client, const char *instance_id,
                                               const ens_wait_options *opts, ens_wait_result *result,
                                               ens_error *err);

/** @brief An asynchronous wait in progress.  Opaque. */
typedef struct ens_wait ens_wait;

/**
 * @brief Completion callback of an asynchronous wait; runs exactly once.
 *
 * @param wait   the handle; freed when this returns.
 * @param status as the blocking wait returns it.
 * @param result how it ended; borrowed for the callback.
 * @param err    never NULL; borrowed; filled when @p status is an error.
 * @param user   as given to ens_wait_peer_connection_async().
 */
typedef void (*ens_wait_done_fn)(ens_wait *wait, ens_status status, const ens_wait_result *result,
                                 const ens_error *err, void *user);

/**
 * @brief Starts a wait on @p engine (see async.h): polls are asynchronous
 * calls and the pauses timers of the engine.  Nothing happens before the
 * host drives the engine; @p done is never called from here.
 *
 * @param engine      borrowed; cancel every wait (ens_wait_cancel()) before
 *                    freeing it.
 * @param instance_id copied.
 * @param opts        as for ens_wait_peer_connection() (cancel is ignored).
 * @param done        required.
 * @param user        passed to @p done.
 * @param handle      may be NULL; receives the handle, valid until @p done returns.
 * @param err         may be NULL; filled on failure.
 * @return ::ENS_OK (@p done will run exactly once); ::ENS_EINVAL, ::ENS_ENOMEM
 *         (nothing started, @p done will not run).
 * Not thread-safe: call it on the engine's thread (also from a callback).
 */
ENS_EXTERN ens_status ens_wait_peer_connection_async(ens_async *engine, const char *instance_id,
                                                     const ens_wait_options *opts, ens_wait_done_fn done,
                                                     void *user, ens_wait **handle, ens_error *err);

/**
 * @brief Ends an asynchronous wait now: its poll in flight is cancelled and
 * its completion callback runs with ::ENS_ECANCELED (outcome
 * ::ENS_WAIT_CANCELED) before this returns.
 *
 * @return ::ENS_OK; ::ENS_EINVAL for NULL or from the wait's own completion
 *         callback.  A handle whose callback has returned is gone.
 * Not thread-safe: call it on the engine's thread.
 */
ENS_EXTERN ens_status ens_wait_cancel(ens_wait *wait);

/** @brief Static name of an outcome ("reached", "gone", "deadline", "failed",
    "canceled"), or "unknown".  Thread-safe. */
ENS_EXTERN const char *ens_wait_outcome_name(ens_wait_outcome outcome);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_WAIT_H */
