/**
 * @file client.h
 * @brief The client handle and the DescribeNetworkPeerConnections call.
 */
#ifndef ENSCLIENT_CLIENT_H
#define ENSCLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

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
/** @brief Default total timeout of one call (ms). */
#define ENS_DEFAULT_TIMEOUT_MS 30000L

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
    /** Credentials provider; NULL = the environment provider.  The client takes
        ownership, also when ens_client_new() fails. */
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
 * @param out  receives the client (ens_client_free()); unchanged on failure.
 * @param opts NULL for all defaults.
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
 * pooled connections).  NULL accepted.  No call may be in progress on it.
 */
ENS_EXTERN void ens_client_free(ens_client *client);

/**
 * @brief Calls DescribeNetworkPeerConnections once (one page).
 *
 * Validates @p req (nothing is sent when it is invalid), resolves
 * credentials, builds and signs `POST /?<query>`, sends it through the
 * transport, and parses the answer.
 *
 * @param out receives a new response owned by the caller
 *            (ens_describe_response_free()); unchanged on failure.
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

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CLIENT_H */
