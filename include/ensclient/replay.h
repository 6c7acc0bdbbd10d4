/**
 * @file replay.h
 * @brief Record and replay of HTTP exchanges ("cassettes") for tests.
 *
 * A replay transport answers requests from a cassette file instead of the
 * network; a record transport wraps any transport and writes every exchange
 * it carries to a cassette.  Both are ordinary ::ens_transport objects, usable
 * in the tests of programs that call this library.
 *
 * ## Cassette format (JSON, one file, human-readable, diffs well)
 * @code
 * {
 *   "cassette": 1,
 *   "exchanges": [
 *     {
 *       "request": {
 *         "method": "POST",
 *         "path": "/",
 *         "query": "PageNumber=1&PageSize=10",        // canonical query string
 *         "headers": { "host": "...", "x-acs-action": "...", "x-acs-version": "...",
 *                      "x-acs-date": "...", "x-acs-signature-nonce": "...",
 *                      "authorization": "ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=[redacted sha256:0123abcd...]" }
 *       },
 *       "response": {
 *         "status": 200,
 *         "headers": { "content-type": "application/json" },
 *         "json": { ... }          // the body, when it is a JSON document, kept as JSON
 *         // or "body": "text"     // any other body, as a string (exact bytes)
 *         // or "error": "network" | "timeout" | "tls" | "too_large", "message": "..."
 *         //    (a transport failure instead of a response)
 *       }
 *     }
 *   ]
 * }
 * @endcode
 * A "json" body is re-serialised compactly when replayed, so replay gives the
 * same document, not necessarily the same bytes; use "body" where exact bytes
 * matter (truncated or malformed bodies always use "body").  `headers`,
 * `query` and `path` are optional in a hand-written cassette (defaults: no
 * headers, empty query, "/").
 *
 * ## Matching
 * A request matches a recorded one when method, path, the x-acs-action and
 * x-acs-version headers and the canonical query string are equal; headers
 * that change on every call (x-acs-date, x-acs-signature-nonce,
 * authorization, x-acs-security-token, user-agent) are ignored unless the
 * replay is strict.  The first unused matching exchange, in file order,
 * answers.  An unmatched request fails with ::ENS_ETRANSPORT and an error
 * description showing the request and the nearest recorded one.
 *
 * ## Secrets
 * A record transport never writes the signature (only a SHA-256 fingerprint
 * of it, so a strict replay can still prove a signature byte for byte), the
 * x-acs-security-token value, nor any string listed in its redact option
 * (give it the AccessKey secret), wherever it would appear.
 */
#ifndef ENSCLIENT_REPLAY_H
#define ENSCLIENT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A loaded cassette and what has been replayed from it.  Opaque; thread-safe. */
typedef struct ens_replay ens_replay;

/**
 * @brief Loads a cassette file.
 *
 * @param out  receives the replay state (ens_replay_free()).
 * @param path cassette file.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument); ::ENS_ETRANSPORT (file
 *         unreadable); ::ENS_EPARSE (not a cassette: the error says where);
 *         ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_replay_new(ens_replay **out, const char *path, ens_error *err);

/** @brief As ens_replay_new(), from a cassette held in memory. */
ENS_EXTERN ens_status ens_replay_new_from_buffer(ens_replay **out, const char *data, size_t len,
                                                 ens_error *err);

/**
 * @brief When @p strict is true, a request also has to carry exactly the
 * recorded x-acs-date, x-acs-signature-nonce, x-acs-content-sha256,
 * x-acs-security-token presence and a signature whose SHA-256 fingerprint
 * equals the recorded one (pin the client's clock and nonce).  Default false.
 */
ENS_EXTERN void ens_replay_set_strict(ens_replay *replay, bool strict);

/**
 * @brief Creates a transport that answers from @p replay.
 *
 * The transport holds its own reference to the replay state, so the caller
 * may free @p replay and the transport in any order.  Thread-safe.
 * @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_replay_transport_new(ens_transport **out, ens_replay *replay);

/** @brief Number of exchanges in the cassette. */
ENS_EXTERN size_t ens_replay_exchange_count(const ens_replay *replay);
/** @brief Number of exchanges not replayed yet. */
ENS_EXTERN size_t ens_replay_unused_count(const ens_replay *replay);
/**
 * @brief Writes a one-line summary of every unused exchange ("#3 POST /?PageNumber=3 ...")
 * into @p buf (NUL-terminated, truncated to @p size).  @return the number of unused exchanges.
 */
ENS_EXTERN size_t ens_replay_describe_unused(const ens_replay *replay, char *buf, size_t size);

/** @brief Drops the caller's reference.  NULL accepted. */
ENS_EXTERN void ens_replay_free(ens_replay *replay);

/** @brief Current version of ::ens_record_options. */
#define ENS_RECORD_OPTIONS_VERSION 1

/** @brief Options of ens_record_transport_new(). */
typedef struct ens_record_options {
    unsigned int version;        /**< ENS_RECORD_OPTIONS_VERSION. */
    const char *path;            /**< Cassette file to write (replaced atomically after each exchange). */
    ens_transport *inner;        /**< Transport that really sends; owned by the record transport, also on failure. */
    const char *const *redact;   /**< Strings never to write (e.g. the AccessKey secret); each becomes "[redacted]". */
    size_t redact_count;         /**< Entries in redact. */
} ens_record_options;

/** @brief Static initialiser for ::ens_record_options. */
#define ENS_RECORD_OPTIONS_INIT {.version = ENS_RECORD_OPTIONS_VERSION}

/**
 * @brief Creates a transport that sends through opts->inner and appends every
 * exchange (responses and transport failures) to the cassette at opts->path.
 *
 * The file is rewritten after each exchange (write to a temporary file, then
 * rename), so it is a valid cassette at every moment.  Thread-safe: exchanges
 * are appended in completion order.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL path or inner, unknown version);
 *         ::ENS_ENOMEM.  A failure to write the file makes the exchange fail
 *         with ::ENS_ETRANSPORT.
 */
ENS_EXTERN ens_status ens_record_transport_new(ens_transport **out, const ens_record_options *opts,
                                               ens_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_REPLAY_H */
