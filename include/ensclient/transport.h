/* SPDX-License-Identifier: MIT */
/**
 * @file transport.h
 * @brief The pluggable HTTP transport: one request in, one response out.
 *
 * A transport is a versioned vtable plus a context pointer.  The libcurl
 * transport (ens_transport_curl_new()) is one implementation with no special
 * access; a user can write another (for example one that logs each exchange
 * and delegates to the default) and hand it to a client.
 *
 * ## Error contract of `send`
 * `send` returns ::ENS_OK when a complete HTTP response was received,
 * whatever its status code (4xx and 5xx included); the library interprets the
 * status.  Otherwise it returns one of ::ENS_ENETWORK (including a reply
 * that is not HTTP), ::ENS_ETIMEOUT, ::ENS_ETLS, ::ENS_ETOOLARGE (a body
 * over the cap, or headers too large), ::ENS_ENOMEM (an allocation failed,
 * nothing else), ::ENS_ECANCELED, ::ENS_EINVAL (a request the transport
 * cannot send, refused before anything was sent) or ::ENS_ETRANSPORT, and
 * may fill @p err (which may be NULL).  Error text must never include header
 * values (they carry signatures and tokens).
 *
 * ## Ownership
 * Everything in ::ens_http_request is borrowed for the duration of `send`.
 * The ::ens_http_response is owned by the library: the transport fills it
 * through ens_http_response_set_status(), ens_http_response_add_header() and
 * ens_http_response_append_body(), which copy what they are given.  The
 * response wipes what it held (headers and body: a credentials document
 * carries a secret) when it is reset, freed, or its body outgrows its
 * storage.
 *
 * ## Threads
 * A client calls `send` from every thread that uses it, possibly at the same
 * time: a transport given to a client must be safe for concurrent `send`
 * calls, or document that its client must be used from one thread.
 */
#ifndef ENSCLIENT_TRANSPORT_H
#define ENSCLIENT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cancel.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One header: name and value, both NUL-terminated. */
typedef struct ens_http_header {
    const char *name;  /**< Header name, e.g. "x-acs-date". */
    const char *value; /**< Header value, without CR/LF. */
} ens_http_header;

/** @brief Current version of ::ens_http_request. */
#define ENS_HTTP_REQUEST_VERSION 1

/** @brief An HTTP request to send.  Built by the library; borrowed by the transport. */
typedef struct ens_http_request {
    unsigned int version;          /**< ENS_HTTP_REQUEST_VERSION. */
    const char *method;            /**< "POST". */
    const char *url;               /**< Absolute URL with query, e.g. "https://ens.aliyuncs.com/?PageSize=10". */
    const ens_http_header *headers; /**< Headers to send (host included). */
    size_t header_count;           /**< Number of headers. */
    const void *body;              /**< Request body (may be NULL when body_len is 0). */
    size_t body_len;               /**< Body length in bytes. */
    long connect_timeout_ms;       /**< Connect timeout; 0 = transport default. */
    long timeout_ms;               /**< Whole-exchange timeout; 0 = none. */
    size_t max_response_bytes;     /**< Body cap; ens_http_response_append_body() enforces it. */
    const ens_cancel *cancel;      /**< May be NULL; a transport should give up with
                                        ::ENS_ECANCELED soon after it is triggered. */
} ens_http_request;

/**
 * @brief A response being received.  Opaque; owned by the library.
 *
 * Not thread-safe: one response is filled and read by one thread at a time
 * (a transport's `send` fills the one it is given; the client reads it after
 * `send` returns).
 */
typedef struct ens_http_response ens_http_response;

/**
 * @brief Creates an empty response with a body cap (0 = unlimited).
 *
 * The client creates responses itself; this is for code that drives a
 * transport directly (tests, wrappers).  @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_http_response_new(ens_http_response **out, size_t max_body_bytes);
/** @brief Frees a response made by ens_http_response_new().  NULL accepted. */
ENS_EXTERN void ens_http_response_free(ens_http_response *resp);
/** @brief Clears status, headers and body (keeps the cap) so the response can be reused. */
ENS_EXTERN void ens_http_response_reset(ens_http_response *resp);

/** @brief Sets the HTTP status code (100..999).  @return ::ENS_OK or ::ENS_EINVAL. */
ENS_EXTERN ens_status ens_http_response_set_status(ens_http_response *resp, long status);
/**
 * @brief Appends a copy of one header.  Lengths are explicit; no NUL needed.
 * @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM, or ::ENS_ETOOLARGE past 64 KiB of headers.
 */
ENS_EXTERN ens_status ens_http_response_add_header(ens_http_response *resp, const char *name,
                                                   size_t name_len, const char *value,
                                                   size_t value_len);
/**
 * @brief Appends body bytes.
 * @return ::ENS_OK, ::ENS_ENOMEM, or ::ENS_ETOOLARGE when the body would exceed
 *         the cap (nothing is appended then).
 */
ENS_EXTERN ens_status ens_http_response_append_body(ens_http_response *resp, const void *data,
                                                    size_t len);

/** @brief HTTP status, 0 when none was set. */
ENS_EXTERN long ens_http_response_status(const ens_http_response *resp);
/**
 * @brief Borrowed body (always NUL-terminated after its @p len bytes), valid
 * until the response is reset or freed.  @p len may be NULL.
 */
ENS_EXTERN const char *ens_http_response_body(const ens_http_response *resp, size_t *len);
/** @brief Value of the first header named @p name (case-insensitive), or NULL.  Borrowed. */
ENS_EXTERN const char *ens_http_response_header(const ens_http_response *resp, const char *name);
/** @brief Number of received headers. */
ENS_EXTERN size_t ens_http_response_header_count(const ens_http_response *resp);
/**
 * @brief Header @p index (borrowed name and value).
 * @return ::ENS_OK, or ::ENS_EINVAL when @p index is out of range.
 */
ENS_EXTERN ens_status ens_http_response_header_at(const ens_http_response *resp, size_t index,
                                                  const char **name, const char **value);

/** @brief Current version of ::ens_transport_vtable. */
#define ENS_TRANSPORT_VTABLE_VERSION 1

/** @brief Functions of a transport (see the file comment for the contract). */
typedef struct ens_transport_vtable {
    unsigned int version; /**< ENS_TRANSPORT_VTABLE_VERSION. */
    /** Sends @p req and fills @p resp. */
    ens_status (*send)(void *ctx, const ens_http_request *req, ens_http_response *resp,
                       ens_error *err);
    /** Releases @p ctx; called once by ens_transport_free(); may be NULL. */
    void (*destroy)(void *ctx);
} ens_transport_vtable;

/** @brief A transport object.  Opaque. */
typedef struct ens_transport ens_transport;

/**
 * @brief Wraps a vtable and context into a transport object.
 *
 * @param out    receives the transport (ens_transport_free(), or hand it to a
 *               client, which takes ownership); unchanged on failure.
 * @param vtable must outlive the transport (usually a static const).
 * @param ctx    released through vtable->destroy when the transport is freed;
 *               on failure destroy is not called and the caller keeps @p ctx.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL vtable or send, unknown version), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_transport_new(ens_transport **out, const ens_transport_vtable *vtable,
                                        void *ctx);

/**
 * @brief Sends one request through @p transport (the entry point wrappers use
 * to delegate).  Resets @p resp first.  @return as the transport's send, or
 * ::ENS_EINVAL for NULL arguments.
 */
ENS_EXTERN ens_status ens_transport_send(ens_transport *transport, const ens_http_request *req,
                                         ens_http_response *resp, ens_error *err);

/** @brief Frees a transport (calls its destroy hook).  NULL accepted.  Not thread-safe. */
ENS_EXTERN void ens_transport_free(ens_transport *transport);

/** @brief Current version of ::ens_curl_transport_options (2 added
 *  ignore_environment_proxies). */
#define ENS_CURL_TRANSPORT_OPTIONS_VERSION 2

/**
 * @brief Options of the libcurl transport.  Fields are only ever added at the
 * end; the library reads only those of the version the caller set.
 *
 * Which proxy a request goes through (the guide's "TLS and proxies" has the
 * table):
 * - a loopback host (127.0.0.0/8, ::1, "localhost") is always reached
 *   directly, whatever the options and the environment say;
 * - otherwise @p proxy, when set, serves every request ("" = no proxy);
 * - otherwise the proxy environment variables (`https_proxy`, `all_proxy`,
 *   `no_proxy`, and their upper-case forms, as libcurl reads them) serve
 *   https:// requests only, which go through a proxy as a CONNECT tunnel with
 *   TLS end to end.  A plain http:// request never takes a proxy from the
 *   environment: the proxy would see its signed headers and its token;
 * - @p ignore_environment_proxies: the environment is never read.
 */
typedef struct ens_curl_transport_options {
    unsigned int version;   /**< ENS_CURL_TRANSPORT_OPTIONS_VERSION (1 is still accepted). */
    const char *proxy;      /**< Proxy URL (CURLOPT_PROXY), e.g. "http://proxy:3128"; "" = no
                                 proxy at all; NULL = the environment's (https only, see above). */
    const char *ca_file;    /**< CA bundle (PEM) trusted instead of the system store
                                 (CURLOPT_CAINFO); NULL = system store.  Checked when the
                                 transport is created: it must exist, be a regular file and be
                                 readable. */
    bool insecure_skip_tls_verify; /**< Turns off peer and host verification.  Dangerous: for
                                        tests only.  The client logs a warning when it is set. */
    const char *user_agent; /**< Sent when the request carries no user-agent header; may be NULL. */
    /** Version 2.  Never read the proxy environment variables (no_proxy
        included): only @p proxy applies, and NULL means no proxy.  For
        transports that must only ever talk to a fixed address, such as the
        instance metadata service or a credentials URI. */
    bool ignore_environment_proxies;
} ens_curl_transport_options;

/** @brief Static initialiser for ::ens_curl_transport_options. */
#define ENS_CURL_TRANSPORT_OPTIONS_INIT {.version = ENS_CURL_TRANSPORT_OPTIONS_VERSION}

/**
 * @brief Creates the libcurl transport, telling what went wrong in @p err.
 *
 * Keeps a small pool of easy handles so that calls reuse connections
 * (keep-alive) and several threads can send at once.  TLS peer and host
 * verification are on unless turned off explicitly; only http:// and
 * https:// URLs are sent; gzip/deflate are accepted; redirects are not
 * followed (a 3xx is returned as it is); no signals are used
 * (CURLOPT_NOSIGNAL).  Calls curl_global_init() once per process, under a
 * lock.
 *
 * Failures of `send` (see the file comment) carry a description that says
 * what to do: a certificate that is not trusted names the ca_file option, a
 * host name the certificate does not carry says so.  A request whose URL and
 * headers exceed what libcurl can send (about 1 MiB) is refused with
 * ::ENS_EINVAL before anything is sent; a reply with a header line over
 * libcurl's 100 KiB limit, or over 64 KiB of headers, is ::ENS_ETOOLARGE; a
 * reply that is not HTTP (no status line) is ::ENS_ENETWORK.
 *
 * fork(): the transport may be used in a child process: the child's first
 * call (or ens_transport_free()) lets go of the connections inherited from
 * the parent without reading, writing or shutting them down (no TLS
 * close_notify reaches the server), and the child opens its own.  This holds
 * when no call on the transport was under way in another thread at the
 * moment of fork().
 *
 * @param out  receives the transport (ens_transport_free(), or hand it to a
 *             client, which takes ownership); unchanged on failure.
 * @param opts may be NULL for defaults; read during the call only (strings
 *             are copied).
 * @param err  may be NULL; filled on failure, naming the option at fault.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL @p out, unknown options version, a
 *         ca_file that is empty, missing, not a regular file or not
 *         readable); ::ENS_ENOMEM; ::ENS_ETRANSPORT (libcurl could not be
 *         initialised or refused an option).
 * Thread-safe (transports may be created concurrently).  The transport
 * itself is safe for concurrent `send` calls from any number of threads.
 */
ENS_EXTERN ens_status ens_transport_curl_new_ex(ens_transport **out,
                                                const ens_curl_transport_options *opts,
                                                ens_error *err);

/**
 * @brief ens_transport_curl_new_ex() without the error details.
 *
 * @param out  as for ens_transport_curl_new_ex().
 * @param opts as for ens_transport_curl_new_ex().
 * @return as ens_transport_curl_new_ex().  Thread-safe.
 */
ENS_EXTERN ens_status ens_transport_curl_new(ens_transport **out,
                                             const ens_curl_transport_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_TRANSPORT_H */
