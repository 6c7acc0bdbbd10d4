/* SPDX-License-Identifier: MIT */
/**
 * @file client.h
 * @brief The client handle and the DescribeNetworkPeerConnections call.
 *
 * ## fork()
 * A client made before fork() may be used in the child (daemonising after
 * setup, pre-fork workers), together with its default transport, its
 * credentials provider and any asynchronous engine bound to it.  The child's
 * first call, or ens_client_free() in the child, lets go of the connections
 * inherited from the parent without reading, writing or shutting them down
 * (no TLS close_notify reaches the server); the child then opens its own, and
 * parent and child may call concurrently, each getting the answers to its own
 * requests.  Calls pending in an engine at fork() are completed by the
 * parent; in the child each ends with ::ENS_ECANCELED the next time the child
 * drives the engine.  The default nonce source never repeats a nonce across
 * the fork.  Rule: fork() while no call on the client (and no credentials
 * fetch) is under way in another thread; a lock another thread holds at
 * fork() stays held in the child.  See the guide, "Forking processes".
 */
#ifndef ENSCLIENT_CLIENT_H
#define ENSCLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cancel.h"
#include "common.h"
#include "credentials.h"
#include "signer.h"
#include "transport.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A client: endpoint, credentials, signer and transport.  Opaque. */
typedef struct ens_client ens_client;

/** @brief Current version of ::ens_client_options. */
#define ENS_CLIENT_OPTIONS_VERSION 1

/** @brief Default endpoint. */
#define ENS_DEFAULT_ENDPOINT "https://ens.aliyuncs.com"
/** @brief Default response size cap (8 MiB). */
#define ENS_DEFAULT_MAX_RESPONSE_BYTES ((size_t)8 * 1024 * 1024)
/** @brief Default connect timeout (ms). */
#define ENS_DEFAULT_CONNECT_TIMEOUT_MS 10000L
/** @brief Default deadline of one call, all attempts and backoff included (ms). */
#define ENS_DEFAULT_TIMEOUT_MS 30000L
/** @brief Default number of attempts of one call (1 = no retries). */
#define ENS_DEFAULT_MAX_ATTEMPTS 3u
/** @brief Default base of the exponential backoff (ms). */
#define ENS_DEFAULT_RETRY_BASE_DELAY_MS 200L
/** @brief Default ceiling of one backoff sleep (ms). */
#define ENS_DEFAULT_RETRY_MAX_DELAY_MS 5000L

/**
 * @brief Decides whether a failed attempt the library would retry is retried.
 *
 * Called after attempt number @p attempt (1-based) failed with @p err (its
 * status, http_status and code filled), only for failures the library
 * considers retryable.  Return false to stop and return that error now (for
 * example during shutdown).  Called on the calling thread; must not call
 * back into the same client.
 */
typedef bool (*ens_retry_fn)(void *payload, unsigned int attempt, const ens_error *err);

/**
 * @brief Options of ens_client_new().  Caller-owned; read only during
 * ens_client_new() (strings are copied).  Zero/NULL fields take the
 * documented defaults.  Initialise with ::ENS_CLIENT_OPTIONS_INIT or
 * ens_client_options_init(); fields are only ever added at the end.
 */
typedef struct ens_client_options {
    unsigned int version;     /**< Set by the initialiser; do not change. */
    /** "https://host[:port]" or "http://host[:port]" (a bare host means https).
        NULL = ENS_DEFAULT_ENDPOINT.  No path, query, user or fragment. */
    const char *endpoint;
    /** Credentials provider; NULL = ens_credentials_provider_default_chain_new()
        (environment, CLI config, credentials file, instance RAM role, credentials
        URI; cached).  The client takes ownership, also when ens_client_new() fails.
        When the service answers InvalidSecurityToken.*, the client invalidates the
        provider, fetches fresh credentials and retries the call once. */
    ens_credentials_provider *credentials;
    long connect_timeout_ms;  /**< 0 = ENS_DEFAULT_CONNECT_TIMEOUT_MS. */
    long timeout_ms;          /**< Total per call; 0 = ENS_DEFAULT_TIMEOUT_MS. */
    const char *user_agent_suffix; /**< Appended to "ensclient/VERSION"; NULL = none. */
    const char *proxy;        /**< Proxy URL for the default transport; NULL = libcurl's defaults. */
    const char *ca_file;      /**< CA bundle for the default transport; NULL = system store. */
    size_t max_response_bytes; /**< Response body cap; 0 = ENS_DEFAULT_MAX_RESPONSE_BYTES. */
    ens_log_fn log_fn;        /**< Log callback; NULL = no logging. */
    void *log_payload;        /**< Passed to log_fn. */
    ens_log_level log_level;  /**< Most verbose level delivered (default ENS_LOG_ERROR). */
    /** Transport; NULL = the libcurl transport built from proxy, ca_file and
        insecure_skip_tls_verify.  The client takes ownership, also on failure. */
    ens_transport *transport;
    /** Signer; NULL = ACS3-HMAC-SHA256.  The client takes ownership, also on failure. */
    ens_signer *signer;
    ens_clock_fn clock;       /**< Clock for signing; NULL = system clock.  For tests. */
    ens_nonce_fn nonce;       /**< Nonce source; NULL = libsodium random.  For tests. */
    void *hooks_payload;      /**< Passed to clock and nonce. */
    /** Default transport only: do not verify the TLS peer.  Dangerous; logs a warning. */
    bool insecure_skip_tls_verify;
    /** Allow sending credentials over plain http to a host that is not loopback. */
    bool allow_insecure_http;
    /** Attempts per call; 0 = ENS_DEFAULT_MAX_ATTEMPTS; 1 = no retries.  Retried:
        Throttling*, ServiceUnavailable, InternalError, HTTP 5xx, and network
        failures or timeouts before any response arrived.  Never other 4xx. */
    unsigned int max_attempts;
    long retry_base_delay_ms; /**< Backoff base; 0 = ENS_DEFAULT_RETRY_BASE_DELAY_MS. */
    long retry_max_delay_ms;  /**< Backoff ceiling (also caps Retry-After); 0 = ENS_DEFAULT_RETRY_MAX_DELAY_MS. */
    ens_retry_fn retry_fn;    /**< Optional veto on each retry; NULL = always retry what is retryable. */
    void *retry_payload;      /**< Passed to retry_fn. */
    /** Client-side rate limit shared by every thread using the client, in
        requests per second (token bucket); 0 = off. */
    double rate_limit_per_second;
    unsigned int rate_limit_burst; /**< Bucket size; 0 = 1. */
} ens_client_options;

/** @brief Static initialiser for ::ens_client_options. */
#define ENS_CLIENT_OPTIONS_INIT {.version = ENS_CLIENT_OPTIONS_VERSION, .log_level = ENS_LOG_ERROR}

/** @brief Initialises @p opts (must not be NULL) to defaults.  Thread-safe. */
ENS_EXTERN void ens_client_options_init(ens_client_options *opts);

/**
 * @brief Creates a client.
 *
 * Calls sodium_init() (thread-safe) and, for the default transport,
 * curl_global_init() (thread-safe in libcurl >= 7.84).  Nothing is sent.
 *
 * Memory between calls: so that a steady-state call allocates almost nothing,
 * the client keeps up to 4 response buffers of earlier calls (one per call
 * that was in progress at the same time; only those of at most 1 MiB), wiped
 * when the call that used them ends, and freed by ens_client_free().  A
 * daemon that makes one call at a time keeps one buffer the size of its
 * largest page.
 *
 * @param out  receives the client (ens_client_free()); unchanged on failure.
 * @param opts NULL for all defaults.
 * @param err  may be NULL; filled on failure (the field at fault is named).
 * @return ::ENS_OK; ::ENS_EINVAL (bad endpoint, negative timeout, unknown
 *         options version, plain http to a non-loopback host without
 *         allow_insecure_http); ::ENS_ENOMEM; ::ENS_ETRANSPORT (libcurl or
 *         libsodium failed to initialise).
 * Thread-safe (different clients may be created concurrently).
 */
ENS_EXTERN ens_status ens_client_new(ens_client **out, const ens_client_options *opts,
                                     ens_error *err);

/**
 * @brief Frees a client and everything it owns (transport, signer, provider,
 * pooled connections, the response buffers it keeps between calls).  NULL accepted.  No call may be in progress on it.
 * In a child process made by fork() it leaves the parent's connections
 * untouched (see "fork()" above).
 */
ENS_EXTERN void ens_client_free(ens_client *client);

/** @brief Current version of ::ens_call_options. */
#define ENS_CALL_OPTIONS_VERSION 1

/** @brief Per-call options of ens_describe_peer_connections_ex(). */
typedef struct ens_call_options {
    unsigned int version; /**< ENS_CALL_OPTIONS_VERSION. */
    long timeout_ms;      /**< Deadline of this call (all attempts and sleeps); 0 = the client's timeout_ms. */
    const ens_cancel *cancel; /**< Optional token; triggering it ends the call with ::ENS_ECANCELED. */
} ens_call_options;

/** @brief Static initialiser for ::ens_call_options. */
#define ENS_CALL_OPTIONS_INIT {.version = ENS_CALL_OPTIONS_VERSION}

/**
 * @brief Calls DescribeNetworkPeerConnections once (one page).
 *
 * Validates @p req (nothing is sent when it is invalid), resolves
 * credentials, builds and signs `POST /?<query>`, sends it through the
 * transport, and parses the answer.  Retryable failures are retried with
 * exponential backoff and full jitter, each attempt signed afresh (new date
 * and nonce), all within one deadline (the client's timeout_ms); err->attempts
 * tells how many requests were sent (0 when none was, for example when no
 * credentials could be had).  rpc.h calls any other action the same way.
 *
 * @param client the client; borrowed for the call.
 * @param req    the request; borrowed for the call (see ::ens_describe_request
 *               for what is validated).
 * @param out    receives a new response owned by the caller
 *               (ens_describe_response_free()); unchanged on failure.
 * @param err    may be NULL; filled on failure (status, HTTP status, attempts,
 *               service Code, Message and RequestId, a one-line description
 *               that ends with what to do, and since ::ens_error version 2
 *               the governing setting and the remedy on their own; see
 *               common.h); untouched on success.
 * @return ::ENS_OK; ::ENS_EINVAL; ::ENS_ENOMEM; ::ENS_ECREDENTIALS;
 *         ::ENS_ENETWORK; ::ENS_ETIMEOUT; ::ENS_ETLS; ::ENS_ETOOLARGE;
 *         ::ENS_ESERVICE and ::ENS_EAUTH (service error; see err->code);
 *         ::ENS_EHTTP (error status with a non-JSON body); ::ENS_EPARSE;
 *         ::ENS_ETRANSPORT; ::ENS_ECANCELED.
 * Thread-safe: one client may serve many threads at once provided its
 * transport, signer and provider are thread-safe (the defaults are).
 */
ENS_EXTERN ens_status ens_describe_peer_connections(ens_client *client,
                                                    const ens_describe_request *req,
                                                    ens_describe_response **out, ens_error *err);

/**
 * @brief As ens_describe_peer_connections(), with a per-call deadline and a
 * cancellation token.
 *
 * @param client the client; borrowed for the call.
 * @param req    the request; borrowed for the call.
 * @param opts   NULL = defaults; borrowed for the call (the cancel token must
 *               outlive it).
 * @param out    as for ens_describe_peer_connections().
 * @param err    as for ens_describe_peer_connections().
 * @return as ens_describe_peer_connections(); ::ENS_ETIMEOUT when the deadline
 *         passes (also while sleeping between attempts); ::ENS_ECANCELED when
 *         opts->cancel is triggered; ::ENS_EINVAL for an unknown opts version
 *         or a negative timeout.
 */
ENS_EXTERN ens_status ens_describe_peer_connections_ex(ens_client *client,
                                                       const ens_describe_request *req,
                                                       const ens_call_options *opts,
                                                       ens_describe_response **out, ens_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CLIENT_H */
