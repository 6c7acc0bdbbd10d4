/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Export macro, status codes and the error-detail structure shared by
 *        every libensclient call.
 *
 * Every fallible function returns an ::ens_status: ::ENS_OK (0) on success,
 * a negative value on failure, and the positive ::ENS_ITEROVER from iterators
 * when a walk is complete.  Decide on the return code first; read the
 * optional ::ens_error for details afterwards.
 */
#ifndef ENSCLIENT_COMMON_H
#define ENSCLIENT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks a function exported from the shared object. */
#if defined(_WIN32)
#define ENS_EXTERN
#elif defined(__GNUC__) || defined(__clang__)
#define ENS_EXTERN __attribute__((visibility("default")))
#else
#define ENS_EXTERN
#endif

/**
 * @brief Result of every fallible call.
 *
 * Values are never renumbered; new codes are only ever appended.
 */
typedef enum ens_status {
    ENS_OK = 0,                /**< Success. */
    ENS_ITEROVER = 1,          /**< An iterator has no more items (not an error). */
    ENS_EINVAL = -1,           /**< An argument or request field is invalid; nothing was sent. */
    ENS_ENOMEM = -2,           /**< An allocation failed. */
    ENS_ENETWORK = -3,         /**< Connecting, sending or receiving failed (DNS, refused, reset, dropped). */
    ENS_ETIMEOUT = -4,         /**< A connect timeout, total timeout or deadline expired. */
    ENS_ETLS = -5,             /**< TLS handshake or certificate verification failed. */
    ENS_ESERVICE = -6,         /**< The service answered with an error Code (see ens_error::code). */
    ENS_EAUTH = -7,            /**< The service rejected the credentials or the signature
                                    (SignatureDoesNotMatch, InvalidAccessKeyId.*, InvalidTimeStamp.*,
                                    SignatureNonceUsed, InvalidSecurityToken.*). */
    ENS_EHTTP = -8,            /**< An HTTP error status whose body is not a service error document
                                    (for example a proxy's HTML page). */
    ENS_EPARSE = -9,           /**< A response body could not be parsed or has a field of the wrong type. */
    ENS_ECREDENTIALS = -10,    /**< No credentials could be obtained from the provider. */
    ENS_ETOOLARGE = -11,       /**< The response exceeded the configured size cap. */
    ENS_ECANCELED = -12,       /**< The call was cancelled by the caller. */
    ENS_EUNSUPPORTED = -13,    /**< The operation is not supported by this build or component. */
    ENS_ETRANSPORT = -14,      /**< A transport failed in a way not covered above (for example a
                                    replayed request that matches no recorded exchange). */
    ENS_EINTERNAL = -15,       /**< An internal invariant failed; please report it. */
    ENS_EPAGINATION = -16      /**< The server's paging was inconsistent (a repeated page, a page
                                    number other than the one asked for); see iterator.h. */
} ens_status;

/**
 * @brief Returns a static, human-readable name for a status, e.g. "invalid argument".
 *
 * Never returns NULL; unknown values give "unknown status".  Thread-safe.
 */
ENS_EXTERN const char *ens_strerror(int status);

/** @brief Current version of ::ens_error.  Fields are only ever added at the end. */
#define ENS_ERROR_VERSION 2

/**
 * @brief Details of a failed call.  Caller-owned; may live on the stack.
 *
 * Every function that takes an `ens_error *err` accepts NULL when the caller
 * does not want details.  On failure the library fills every field the
 * caller's version has (empty strings where nothing is known); on success it
 * leaves the structure untouched.  Strings are always NUL-terminated and
 * truncated to their buffers.  No field ever holds a secret (AccessKey
 * secret, STS token or signature); an AccessKey ID, which is not secret, may
 * appear.
 *
 * Initialise with ::ENS_ERROR_INIT or ens_error_init().  The library reads
 * and writes only the fields of the structure's own version: a program built
 * against version 1 (no setting, no remedy) keeps working unchanged.  A
 * zeroed structure (version 0) is treated as version 1.
 *
 * ## What to do about it
 * The description says what failed and, where the library knows one, what
 * to do: how many attempts were made when the failure is of a kind that is
 * retried, and a remedy naming the setting that governs the failure (never a
 * secret).  Since version 2 that setting also has a machine-readable name in
 * ens_error::setting and the remedy its own copy in ens_error::remedy, so
 * that a program with its own options (a command-line tool's flags, say) can
 * word its own advice: when the description ends with "; " followed by the
 * remedy, what comes before is the failure alone.  The names, each with the
 * client option or thing it stands for:
 *
 * | setting                 | governs                                                     |
 * | ----------------------- | ----------------------------------------------------------- |
 * | `timeout_ms`            | the call's deadline (ens_client_options / ens_call_options)  |
 * | `connect_timeout_ms`    | the time allowed to connect (ens_client_options)             |
 * | `endpoint`              | where requests go: host, port, DNS, proxy on the way         |
 * | `ca_file`               | the CA bundle TLS verification trusts (ens_client_options)   |
 * | `credentials`           | the credentials provider and the source that served them     |
 * | `clock`                 | the local clock requests are dated with                      |
 * | `rate_limit_per_second` | the client-side rate limit (ens_client_options)              |
 * | `max_attempts`          | attempts per call (ens_client_options)                       |
 * | `max_response_bytes`    | the response size cap (ens_client_options)                   |
 * | `allow_insecure_http`   | plain http to a host that is not loopback                    |
 *
 * New names may be added; an unknown one is best treated as none.
 */
typedef struct ens_error {
    unsigned int version;  /**< Set by ENS_ERROR_INIT; do not change. */
    ens_status status;     /**< The same value the call returned. */
    long http_status;      /**< HTTP status of the last response, 0 if none was received. */
    unsigned int attempts; /**< HTTP requests the call sent (0 when nothing was sent, for example when
                                no credentials could be had). */
    char code[96];         /**< Service error Code, e.g. "Throttling.User"; empty if none. */
    char message[512];     /**< Service error Message; empty if none. */
    char request_id[80];   /**< Service RequestId; quote it in support requests. */
    char host_id[128];     /**< Service HostId; empty if none. */
    char recommend[512];   /**< Service Recommend URL; empty if none. */
    char description[768]; /**< One line for humans, e.g. "service error Throttling.User (HTTP 400):
                                Request was denied due to user flow control. [RequestId: 5A3C...]
                                (after 3 attempts); the service is throttling ...". */
    /* ---- version 2 ---- */
    char setting[40];      /**< (Version 2.) Name of the setting that governs the failure (see
                                "What to do about it"); empty if none. */
    char remedy[384];      /**< (Version 2.) What to do, as the end of the description says it;
                                empty if the library knows no remedy. */
} ens_error;

/** @brief Static initialiser for ::ens_error (the current version). */
#define ENS_ERROR_INIT {.version = ENS_ERROR_VERSION}

/**
 * @brief Initialises @p err (which must not be NULL) to an empty error of the
 * current version.  Thread-safe.
 *
 * A macro over ens_error_init_version(), so that a program gets the version
 * of the header it was built with; the function of the same name initialises
 * a version-1 structure (for programs built against version 1).
 */
ENS_EXTERN void ens_error_init(ens_error *err);

/**
 * @brief Initialises @p err to an empty error of @p version (1 up to
 * ::ENS_ERROR_VERSION), writing only the fields that version has.
 * Thread-safe.
 * @return ::ENS_OK; ::ENS_EINVAL for NULL or an unknown version (nothing written).
 */
ENS_EXTERN ens_status ens_error_init_version(ens_error *err, unsigned int version);

/** @cond ENS_MACRO_OVER_FUNCTION */
#define ens_error_init(err) ((void)ens_error_init_version((err), ENS_ERROR_VERSION))
/** @endcond */

/** @brief Log levels passed to an ::ens_log_fn. */
typedef enum ens_log_level {
    ENS_LOG_ERROR = 0, /**< A call failed. */
    ENS_LOG_WARN = 1,  /**< Something is degraded or insecure. */
    ENS_LOG_INFO = 2,  /**< One line per call or retry. */
    ENS_LOG_DEBUG = 3  /**< Request and response details (secrets are always redacted). */
} ens_log_level;

/**
 * @brief Log callback.  @p message is a NUL-terminated line without a trailing
 * newline, valid only during the call, and never contains a secret.  It may be
 * called from any thread that uses the client, concurrently.
 *
 * One call is one line, whatever a server or a caller put in the text it
 * shows (a RequestId, a header, a service message): control characters are
 * written as escapes (`\n`, `\r`, `\t`, `\xNN` for the other C0 controls,
 * DEL and bytes that are not UTF-8, `\uNNNN` for C1 controls, U+2028 and
 * U+2029), and a line longer than 1023 bytes is cut, with "..." at its end.
 */
typedef void (*ens_log_fn)(void *payload, ens_log_level level, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_COMMON_H */
