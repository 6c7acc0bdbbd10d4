/* SPDX-License-Identifier: MIT */
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
 *         "json": { ... }          // the body, when it is a JSON object or array, kept as JSON
 *         // or "body": "text"     // any other UTF-8 body, as a string (exact bytes)
 *         // or "body_base64": "..." // a body that is not UTF-8 (exact bytes, base64)
 *         // or "error": "network" | "timeout" | "tls" | "too_large", "message": "..."
 *         //    (a transport failure instead of a response)
 *       }
 *     }
 *   ]
 * }
 * @endcode
 * A "json" body is re-serialised compactly when replayed (members in file
 * order), so replay gives the same document, not necessarily the same bytes;
 * use "body" where exact bytes matter (truncated or malformed bodies always
 * use "body").  No body member means an empty body.  `headers`, `query` and
 * `path` are optional in a hand-written cassette (defaults: no headers, empty
 * query, "/"); header names are case-insensitive.  A "comment" member (any
 * value) is allowed in every object above; any other unknown member is an
 * error, so that a misspelt name is caught.
 *
 * The record transport writes members in the order shown, header names
 * lowercased and sorted (a repeated header joined with ", "), with a
 * two-space indent, so a re-recording diffs line by line.  It leaves out the
 * response headers that describe the transfer rather than the stored body
 * (content-length, content-encoding, transfer-encoding, connection,
 * keep-alive), and request bodies (x-acs-content-sha256 stands for them).
 *
 * ## Matching
 * A request matches a recorded one when method, path, the x-acs-action and
 * x-acs-version headers and the canonical query string are equal (byte for
 * byte: write queries as the client sends them, RFC 3986-encoded and
 * sorted); headers that change on every call (x-acs-date,
 * x-acs-signature-nonce, authorization, x-acs-security-token, user-agent) are
 * ignored unless the replay is strict.  The first unused matching exchange,
 * in file order, answers; a request matches nothing once its exchanges are
 * used up.  An unmatched request fails with ::ENS_ETRANSPORT and consumes
 * nothing; its error description shows the request and the nearest recorded
 * exchange, e.g. "no recorded exchange matches POST /?PageNumber=2&PageSize=10
 * (action DescribeNetworkPeerConnections 2017-11-10); nearest: #2 POST
 * /?PageNumber=3&PageSize=10", followed by "(already used)" or, in strict
 * mode, "(strict: x-acs-date differs)" when that is why.  Exchanges are
 * numbered from 1 in file order.
 *
 * ## Secrets
 * A record transport never writes the signature (only a SHA-256 fingerprint
 * of it, so a strict replay can still prove a signature byte for byte), the
 * x-acs-security-token value, nor any string listed in its redact option
 * (give it the AccessKey secret), wherever it would appear: in any header,
 * the path, the query, a body (inside JSON strings and member names too) or
 * a failure message.  Each becomes "[redacted]"; the authorization header
 * keeps its Credential and SignedHeaders and ends in
 * "Signature=[redacted sha256:<first 16 hex digits of SHA-256(signature)>]".
 * The token and the signature of each request are redacted wherever they
 * would appear even when they are not in the redact option.
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
 * @param err  may be NULL; filled on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument); ::ENS_ETRANSPORT (file
 *         unreadable, with the reason; or libsodium failed to initialise);
 *         ::ENS_EPARSE (not a cassette: the error names the file and the
 *         place, e.g. "exchanges[2].response.status: expected an integer
 *         100..999", or the line and column of a JSON syntax error);
 *         ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_replay_new(ens_replay **out, const char *path, ens_error *err);

/** @brief As ens_replay_new(), from a cassette held in memory (@p data need
 *  not be NUL-terminated; it is not kept). */
ENS_EXTERN ens_status ens_replay_new_from_buffer(ens_replay **out, const char *data, size_t len,
                                                 ens_error *err);

/**
 * @brief When @p strict is true, a request also has to carry exactly the
 * recorded x-acs-date, x-acs-signature-nonce, x-acs-content-sha256,
 * x-acs-security-token presence and a signature whose SHA-256 fingerprint
 * equals the recorded one (pin the client's clock and nonce).  Default false.
 * Applies to the requests sent after the call.  NULL accepted.  Thread-safe.
 */
ENS_EXTERN void ens_replay_set_strict(ens_replay *replay, bool strict);

/**
 * @brief Creates a transport that answers from @p replay.
 *
 * The transport holds its own reference to the replay state, so the caller
 * may free @p replay and the transport in any order; several transports may
 * share one replay state (and its used exchanges).  Thread-safe: concurrent
 * sends each take a different exchange.
 *
 * `send` answers with the recorded status, headers and body (the body
 * subject to req->max_response_bytes and the response's own cap:
 * ::ENS_ETOOLARGE), or fails with the recorded transport failure
 * (::ENS_ENETWORK, ::ENS_ETIMEOUT, ::ENS_ETLS, ::ENS_ETOOLARGE) whose
 * description is the recorded message, or with ::ENS_ETRANSPORT when nothing
 * matches (see Matching).
 * @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_replay_transport_new(ens_transport **out, ens_replay *replay);

/** @brief Number of exchanges in the cassette (0 for NULL).  Thread-safe. */
ENS_EXTERN size_t ens_replay_exchange_count(const ens_replay *replay);
/** @brief Number of exchanges not replayed yet (0 for NULL).  Thread-safe. */
ENS_EXTERN size_t ens_replay_unused_count(const ens_replay *replay);
/**
 * @brief Writes a one-line summary of every unused exchange, in file order,
 * one per line ("#2 POST /?PageNumber=2&PageSize=10 (action
 * DescribeNetworkPeerConnections 2017-11-10) -> 200", or "-> timeout failure")
 * into @p buf (NUL-terminated; when cut to @p size it ends in "...").  @p buf
 * may be NULL when @p size is 0.  Thread-safe.
 * @return the number of unused exchanges.
 */
ENS_EXTERN size_t ens_replay_describe_unused(const ens_replay *replay, char *buf, size_t size);

/** @brief Drops the caller's reference.  NULL accepted. */
ENS_EXTERN void ens_replay_free(ens_replay *replay);

/** @brief Current version of ::ens_record_options. */
#define ENS_RECORD_OPTIONS_VERSION 1

/** @brief Options of ens_record_transport_new(). */
typedef struct ens_record_options {
    unsigned int version;        /**< ENS_RECORD_OPTIONS_VERSION. */
    const char *path;            /**< Cassette file to write (replaced atomically after each exchange;
                                      an existing file is replaced by the new recording). */
    ens_transport *inner;        /**< Transport that really sends; owned by the record transport, also on failure. */
    const char *const *redact;   /**< Strings never to write (e.g. the AccessKey secret); each becomes
                                      "[redacted]".  Copied (into memory wiped on free); NULL and empty
                                      entries are skipped. */
    size_t redact_count;         /**< Entries in redact. */
} ens_record_options;

/** @brief Static initialiser for ::ens_record_options. */
#define ENS_RECORD_OPTIONS_INIT {.version = ENS_RECORD_OPTIONS_VERSION}

/**
 * @brief Creates a transport that sends through opts->inner and appends every
 * exchange (responses and transport failures) to the cassette at opts->path.
 *
 * The recording starts empty; the file is first written after the first
 * exchange and rewritten after each one (a temporary file beside it, then
 * rename), so it is a valid cassette at every moment.  Thread-safe (the
 * inner transport is called without a lock held): exchanges are appended in
 * completion order.
 *
 * `send` returns what the inner transport returned.  Responses and the
 * failures ::ENS_ENETWORK, ::ENS_ETIMEOUT, ::ENS_ETLS and ::ENS_ETOOLARGE are
 * recorded (with the inner error description as the message); other
 * failures (::ENS_ENOMEM, ::ENS_ECANCELED, ::ENS_ETRANSPORT, ...) are local
 * conditions, passed through without being recorded.  An exchange also fails
 * with ::ENS_ETRANSPORT when the file cannot be written (the exchange is
 * then not kept; this includes a redact string of 8 characters or more that
 * would still appear outside a JSON string, e.g. as digits of a number), or when the inner transport answered without an HTTP
 * status, and with ::ENS_ENOMEM when recording it ran out of memory.
 *
 * @return ::ENS_OK; ::ENS_EINVAL (NULL opts, out, path or inner, unknown
 *         version, redact NULL with redact_count > 0); ::ENS_ENOMEM;
 *         ::ENS_ETRANSPORT (libsodium failed to initialise).  opts->inner is
 *         freed on every failure.
 */
ENS_EXTERN ens_status ens_record_transport_new(ens_transport **out, const ens_record_options *opts,
                                               ens_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_REPLAY_H */
