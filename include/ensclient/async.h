/* SPDX-License-Identifier: MIT */
/**
 * @file async.h
 * @brief Non-blocking calls driven by the host's event loop.
 *
 * An ::ens_async engine runs DescribeNetworkPeerConnections calls without
 * blocking, in the style of libcurl's multi-socket interface: the library
 * tells the host which file descriptors to watch and when its next timer is
 * due (through two callbacks the host registers), and the host tells the
 * library when a descriptor is ready (ens_async_socket_action()) or the timer
 * fired (ens_async_timeout()).  Any loop works: poll(2), epoll, libuv,
 * libev, sd-event.
 *
 * @code
 * static void on_socket(int fd, ens_async_poll what, void *payload)
 * {   // add, modify or remove fd in the host's poll set
 * }
 * static void on_timer(long timeout_ms, void *payload)
 * {   // (re)arm the host's one-shot timer; -1 = disarm
 * }
 * static void on_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
 *                     const ens_error *err, void *user)
 * {
 *     if (st == ENS_OK) { use(resp); ens_describe_response_free(resp); }
 *     else fprintf(stderr, "%s\n", err->description);
 * }
 * ...
 * ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
 * ao.socket_fn = on_socket;
 * ao.timer_fn = on_timer;
 * ao.payload = my_loop;
 * ens_async_new(&engine, client, &ao, &err);
 * ens_async_describe(engine, &req, NULL, on_done, NULL, &call, &err);
 * // in the loop: ens_async_socket_action(engine, fd, ENS_ASYNC_EV_IN) when fd
 * // is readable, ens_async_timeout(engine) when the timer fires.
 * @endcode
 * examples/poll_loop.c is a complete program.
 *
 * ## What a call does
 * Exactly what ens_describe_peer_connections_ex() does, with the same
 * result: the request is validated once (an invalid request is refused by
 * ens_async_describe() itself, nothing is sent); each attempt resolves
 * credentials and is signed afresh (new date and nonce); answers are parsed
 * and errors mapped the same way; retryable failures (Throttling*,
 * ServiceUnavailable, InternalError, HTTP 5xx, network failures or timeouts
 * before any response) are retried up to the client's max_attempts with the
 * same backoff and the client's retry_fn veto; an InvalidSecurityToken answer
 * refreshes the credentials and retries once; the client-side rate limit is
 * shared with blocking calls; one deadline (ens_call_options::timeout_ms, else
 * the client's timeout_ms) covers every attempt and wait.  Backoff sleeps,
 * rate-limit waits and the deadline are timers of the engine, never sleeps.
 * The completion callback receives the status, the response (on ::ENS_OK)
 * and the same ::ens_error details the blocking call would have filled
 * (attempts included).  The client's log callback receives the same lines.
 *
 * ## Callbacks and re-entrancy
 * Every callback runs on the thread that drives the engine, from inside an
 * engine function:
 * - the socket and timer callbacks from any ens_async_* function (including
 *   ens_async_describe(), ens_async_cancel() and ens_async_free()).  They must
 *   only record what they are told: they must not call any ens_async_*
 *   function.
 * - completion callbacks only from ens_async_socket_action(),
 *   ens_async_timeout(), ens_async_cancel() and ens_async_free() — never from
 *   ens_async_describe().  A completion callback may start new calls
 *   (ens_async_describe()) and cancel other calls (ens_async_cancel()) on the
 *   same engine, and use the client's blocking API; it must not call
 *   ens_async_socket_action(), ens_async_timeout() (they return ::ENS_EINVAL
 *   then) or ens_async_free().
 *
 * ## Credentials
 * The client's credentials provider is called synchronously, on the engine's
 * thread, at the start of every attempt (inside ens_async_timeout() or
 * ens_async_socket_action()); there is no non-blocking provider interface.
 * That is fine for the static, environment and callback providers and for
 * the file providers (a small local file read).  A provider that fetches over
 * the network — ens_credentials_provider_ecs_ram_role_new(),
 * ens_credentials_provider_uri_new(), and the client's default,
 * ens_credentials_provider_default_chain_new(), which ends with both — blocks
 * the loop while it fetches: up to its connect and total timeouts (1 s + 1 s
 * per request by default) whenever its cache is empty or due for a refresh,
 * and after an InvalidSecurityToken answer (the call then invalidates the
 * provider and retries once with fresh credentials, as the blocking call
 * does).  Outside an instance, the default chain's RAM-role step costs up to
 * its connect timeout on every fetch that reaches it.  To keep the loop from
 * waiting on the network:
 * - prefer a provider that never fetches (static, environment, files, a
 *   callback reading the host's own store), or set
 *   `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` when the chain should not
 *   reach the metadata service;
 * - with a fetching provider, keep it behind a cache (the default chain and
 *   the RAM-role and URI providers are cached; wrap others in
 *   ens_credentials_provider_cached_new()), warm the cache before starting
 *   asynchronous calls (call ens_credentials_provider_get() on the provider
 *   before handing it to ens_client_new(), or make one blocking call), and
 *   keep it warm from a worker thread that calls ens_credentials_provider_get()
 *   on it (providers are thread-safe; the pointer stays valid while the client
 *   lives) more often than the cache's refresh_before_s: the cache refreshes in
 *   whichever caller comes first and meanwhile hands every other caller the
 *   still-valid credentials without waiting.
 * A provider that cannot produce credentials fails the call with
 * ::ENS_ECREDENTIALS through its completion callback, as the blocking call
 * does.
 *
 * ## Transports
 * Only a transport with a non-blocking form can serve asynchronous calls.
 * Today that is the default libcurl transport (the one ens_client_new() makes
 * when ens_client_options::transport is NULL, or one made with
 * ens_transport_curl_new()): the engine drives libcurl itself through one
 * multi handle, with the transport's proxy, CA file, TLS-verification and
 * user-agent settings.  Every other transport — a user's vtable, a replay or
 * recording transport, a wrapper around the default one — has only the
 * blocking `send`, and ens_async_new() refuses its client with
 * ::ENS_EUNSUPPORTED ("the client's transport has no non-blocking form").
 * Use the blocking API, on a worker thread, with such clients.
 *
 * ## Connections
 * All calls of one engine share one libcurl multi handle: connections are
 * kept alive and reused between calls, DNS answers are cached, and HTTP/2
 * connections are multiplexed when the server offers HTTP/2 over TLS.  The
 * engine does not share connections with blocking calls on the same client.
 * Name resolution uses libcurl's resolver: with the threaded resolver (the
 * usual build, Debian's included) or c-ares it does not block; a libcurl built
 * with the synchronous resolver blocks while it resolves a host name (a
 * literal IP address never needs resolving).
 *
 * ## Cancellation
 * ens_async_cancel() ends one call at once: its completion callback runs with
 * ::ENS_ECANCELED before ens_async_cancel() returns.  A token given in
 * ens_call_options::cancel works too: once it is triggered (from any thread),
 * the call completes with ::ENS_ECANCELED the next time the host drives the
 * engine; while such a call is pending, the engine keeps a timer due at most
 * ::ENS_ASYNC_CANCEL_POLL_MS away so that this happens even when no socket is
 * ready.  Either way every completion callback runs exactly once.
 *
 * ## Threads
 * An engine is not thread-safe: create it, start and cancel calls, drive it
 * and free it from one thread at a time (normally the loop's thread).
 * Different engines may run on different threads, also on the same client;
 * the client may meanwhile serve blocking calls on other threads within its
 * own rules (see ens_describe_peer_connections()).  Only cancellation tokens
 * may be triggered from another thread.  The engine never installs signal
 * handlers (libcurl runs with CURLOPT_NOSIGNAL).
 */
#ifndef ENSCLIENT_ASYNC_H
#define ENSCLIENT_ASYNC_H

#include <stddef.h>

#include "client.h"
#include "common.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief An engine of asynchronous calls bound to one client.  Opaque. */
typedef struct ens_async ens_async;

/** @brief One asynchronous call in progress (a handle).  Opaque. */
typedef struct ens_async_call ens_async_call;

/**
 * @brief What the host should watch a descriptor for (argument of
 * ::ens_async_socket_fn).  The values of IN and OUT equal ::ENS_ASYNC_EV_IN
 * and ::ENS_ASYNC_EV_OUT.
 */
typedef enum ens_async_poll {
    ENS_ASYNC_POLL_NONE = 0,   /**< Keep the descriptor known but wait for nothing on it yet. */
    ENS_ASYNC_POLL_IN = 1,     /**< Wait until it is readable. */
    ENS_ASYNC_POLL_OUT = 2,    /**< Wait until it is writable. */
    ENS_ASYNC_POLL_INOUT = 3,  /**< Wait until it is readable or writable. */
    ENS_ASYNC_POLL_REMOVE = 4  /**< Stop watching it (the engine may close it right after). */
} ens_async_poll;

/** @brief Event flag of ens_async_socket_action(): the descriptor is readable (or hung up). */
#define ENS_ASYNC_EV_IN 1
/** @brief Event flag of ens_async_socket_action(): the descriptor is writable. */
#define ENS_ASYNC_EV_OUT 2
/** @brief Event flag of ens_async_socket_action(): the descriptor has an error condition. */
#define ENS_ASYNC_EV_ERR 4

/**
 * @brief How often (ms) pending calls' cancellation tokens are checked when
 * nothing else wakes the engine up (see "Cancellation").
 */
#define ENS_ASYNC_CANCEL_POLL_MS 100

/**
 * @brief Socket callback: start, change or stop watching @p fd.
 *
 * Called whenever the engine's interest in a descriptor changes, with the
 * new interest (it replaces the previous one for that descriptor).  After
 * ::ENS_ASYNC_POLL_REMOVE the descriptor is forgotten; the same number may
 * come back later for a new socket.  Must not call any ens_async_* function.
 *
 * @param fd      the descriptor (a socket the engine owns: never close it).
 * @param what    the new interest.
 * @param payload ens_async_options::payload.
 */
typedef void (*ens_async_socket_fn)(int fd, ens_async_poll what, void *payload);

/**
 * @brief Timer callback: (re)arm the host's single one-shot timer.
 *
 * @p timeout_ms >= 0: call ens_async_timeout() once that many milliseconds
 * from now (0 = as soon as possible, from the loop — not from inside this
 * callback); this replaces any timer armed before.  -1: disarm the timer.
 * The engine assumes a timer is gone once it has fired (once the host has
 * called ens_async_timeout()) and arms a new one when it needs one.  Must not
 * call any ens_async_* function.
 *
 * @param timeout_ms milliseconds from now, 0 = at once, -1 = disarm.
 * @param payload    ens_async_options::payload.
 */
typedef void (*ens_async_timer_fn)(long timeout_ms, void *payload);

/**
 * @brief Completion callback: the call is over.  Runs exactly once per call
 * started with ens_async_describe().
 *
 * @param call   the handle ens_async_describe() returned; valid until this
 *               callback returns, then freed by the engine (forget it here).
 * @param status ::ENS_OK, or what ens_describe_peer_connections_ex() would
 *               have returned: ::ENS_ENOMEM, ::ENS_ECREDENTIALS,
 *               ::ENS_ENETWORK, ::ENS_ETIMEOUT, ::ENS_ETLS, ::ENS_ETOOLARGE,
 *               ::ENS_ESERVICE, ::ENS_EAUTH, ::ENS_EHTTP, ::ENS_EPARSE,
 *               ::ENS_ETRANSPORT, ::ENS_ECANCELED (ens_async_cancel(), the
 *               call's token, or ens_async_free()).
 * @param resp   on ::ENS_OK a new response owned by the receiver, who frees it
 *               with ens_describe_response_free() (now or later); NULL
 *               otherwise.
 * @param err    never NULL; borrowed, valid during the callback only.  On
 *               failure filled as the blocking call fills its @p err
 *               (status, http_status, attempts, code, message, request_id,
 *               description ...); on success status is ::ENS_OK and attempts
 *               tells how many attempts were made.
 * @param user   the @p user given to ens_async_describe().
 */
typedef void (*ens_async_done_fn)(ens_async_call *call, ens_status status,
                                  ens_describe_response *resp, const ens_error *err, void *user);

/** @brief Current version of ::ens_async_options. */
#define ENS_ASYNC_OPTIONS_VERSION 1

/**
 * @brief Options of ens_async_new().  Caller-owned; read only during
 * ens_async_new().  Initialise with ::ENS_ASYNC_OPTIONS_INIT or
 * ens_async_options_init(); fields are only ever added at the end.
 */
typedef struct ens_async_options {
    unsigned int version;          /**< Set by the initialiser; do not change. */
    ens_async_socket_fn socket_fn; /**< Required. */
    ens_async_timer_fn timer_fn;   /**< Required. */
    void *payload;                 /**< Passed to socket_fn and timer_fn. */
    /** Most connections open at once (CURLMOPT_MAX_TOTAL_CONNECTIONS); further
        transfers queue inside libcurl, their deadline running.  0 = no limit. */
    long max_connections;
    /** Idle connections kept open for reuse (CURLMOPT_MAXCONNECTS); the oldest
        is closed beyond that.  0 = ::ENS_ASYNC_DEFAULT_IDLE_CONNECTIONS. */
    long max_idle_connections;
} ens_async_options;

/** @brief Default of ens_async_options::max_idle_connections. */
#define ENS_ASYNC_DEFAULT_IDLE_CONNECTIONS 32L

/** @brief Static initialiser for ::ens_async_options. */
#define ENS_ASYNC_OPTIONS_INIT {.version = ENS_ASYNC_OPTIONS_VERSION}

/** @brief Initialises @p opts (NULL is ignored) to defaults (no callbacks set).  Thread-safe. */
ENS_EXTERN void ens_async_options_init(ens_async_options *opts);

/**
 * @brief Creates an engine bound to @p client.  Nothing is sent and no
 * callback runs.
 *
 * @param out    receives the engine, owned by the caller (ens_async_free());
 *               unchanged on failure.
 * @param client borrowed; must outlive the engine.  Several engines may share
 *               one client.
 * @param opts   required (the callbacks).
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument or callback, unknown options
 *         version, a negative max_connections or max_idle_connections); ::ENS_EUNSUPPORTED (the
 *         client's transport has no non-blocking form: see "Transports");
 *         ::ENS_ENOMEM; ::ENS_ETRANSPORT (libcurl refused the multi handle).
 * Thread-safe (creates a new object).
 */
ENS_EXTERN ens_status ens_async_new(ens_async **out, ens_client *client,
                                    const ens_async_options *opts, ens_error *err);

/**
 * @brief Frees an engine.  NULL is accepted.
 *
 * Every call still pending completes first, with ::ENS_ECANCELED ("the
 * engine was freed"), its completion callback running from here;
 * ens_async_describe() refused meanwhile.  The socket and timer callbacks may
 * run too, to remove descriptors and disarm the timer.  Pooled connections
 * are closed.  Never touches the client.  Must not be called from a callback
 * of this engine.
 */
ENS_EXTERN void ens_async_free(ens_async *engine);

/**
 * @brief Starts a DescribeNetworkPeerConnections call without blocking.
 *
 * Checks the arguments and validates @p req as the blocking call would, copies
 * the request, and schedules the first attempt (the timer callback is asked
 * for a 0 ms timer): nothing is sent before the host drives the engine, and
 * this function never waits for the network nor calls the completion
 * callback.
 *
 * @param engine the engine.
 * @param req    copied (every string and the network_ids array): the caller
 *               may change or free it as soon as this returns.
 * @param opts   NULL = defaults; timeout_ms is the deadline of this call
 *               (counted from now); cancel, when set, is borrowed and must
 *               outlive the call (until its completion callback).
 * @param done   required; see ::ens_async_done_fn.
 * @param user   passed to @p done.
 * @param handle may be NULL; receives the call's handle (for ens_async_cancel()),
 *               valid until its completion callback returns.  Unchanged on failure.
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK (the completion callback will run exactly once);
 *         ::ENS_EINVAL (NULL @p engine, @p req or @p done, bad @p opts, an
 *         invalid request — @p err names the field —, or an engine being
 *         freed); ::ENS_ENOMEM.  On failure nothing was started and @p done
 *         will not be called.
 * Not thread-safe for one engine; may be called from a completion callback.
 */
ENS_EXTERN ens_status ens_async_describe(ens_async *engine, const ens_describe_request *req,
                                         const ens_call_options *opts, ens_async_done_fn done,
                                         void *user, ens_async_call **handle, ens_error *err);

/**
 * @brief Cancels a pending call: its transfer (if any) is aborted, and its
 * completion callback runs with ::ENS_ECANCELED before this function
 * returns.  The handle is freed when that callback returns.
 *
 * @return ::ENS_OK; ::ENS_EINVAL for NULL, or for a call whose completion
 *         callback is running (cancelling oneself from one's own completion
 *         callback is refused harmlessly).  A handle whose completion callback
 *         has returned is gone: passing it is undefined behaviour.
 * Not thread-safe for one engine (use a token of ens_call_options to cancel
 * from another thread); may be called from another call's completion
 * callback.
 */
ENS_EXTERN ens_status ens_async_cancel(ens_async_call *call);

/**
 * @brief Tells the engine that @p fd is ready.
 *
 * Call it when a descriptor the socket callback asked to watch reports
 * readiness.  Progresses the transfers on it, then runs whatever else is due
 * (completions, attempts whose timers expired, triggered tokens).
 *
 * @param engine the engine.
 * @param fd     a descriptor announced by the socket callback.
 * @param events ENS_ASYNC_EV_IN, ENS_ASYNC_EV_OUT and/or ENS_ASYNC_EV_ERR
 *               (0 lets libcurl find out itself).  A descriptor the engine
 *               no longer knows is ignored.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL engine, or called from one of the
 *         engine's callbacks); ::ENS_ENOMEM or ::ENS_ETRANSPORT when libcurl's
 *         multi handle failed as a whole (the failures of single calls go to
 *         their completion callbacks, never here).
 * Not thread-safe for one engine.
 */
ENS_EXTERN ens_status ens_async_socket_action(ens_async *engine, int fd, int events);

/**
 * @brief Tells the engine that the timer it asked for has fired.
 *
 * Runs expired libcurl timeouts, retries whose backoff is over, deadlines and
 * cancellation checks, then asks for the next timer.  Calling it early or
 * spuriously is harmless.
 *
 * @param engine the engine.
 * @return as ens_async_socket_action().
 * Not thread-safe for one engine.
 */
ENS_EXTERN ens_status ens_async_timeout(ens_async *engine);

/**
 * @brief Number of calls started on @p engine whose completion callback has
 * not run yet (0 for NULL).  A loop can run until this is 0.
 */
ENS_EXTERN size_t ens_async_pending(const ens_async *engine);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_ASYNC_H */
