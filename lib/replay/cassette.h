/* SPDX-License-Identifier: MIT */
/* Internal: the cassette format shared by the replay and record transports
 * (see include/ensclient/replay.h for the format and test/fixtures/README.md
 * for how to write one by hand). */
#ifndef ENS_LIB_CASSETTE_H
#define ENS_LIB_CASSETTE_H

#include <stdbool.h>
#include <stddef.h>

#include "ensclient/transport.h"

/* Value of the top-level "cassette" member this code reads and writes. */
#define ENS__CASSETTE_FORMAT 1

/* Hex characters of a signature fingerprint (a prefix of SHA-256). */
#define ENS__FP_HEX 16
/* "[redacted sha256:" + 16 hex + "]" + NUL */
#define ENS__FP_TAG_SIZE (sizeof("[redacted sha256:]") + ENS__FP_HEX)

/* One recorded exchange, immutable once loaded.  Every string is owned. */
typedef struct ens__recorded_exchange {
    char *method;
    char *path;                  /* "/" when the cassette left it out */
    char *query;                 /* canonical query, "" when none */
    ens_http_header *req_headers; /* names lowercased */
    size_t req_header_count;
    const char *action;          /* x-acs-action value in req_headers, or "" */
    const char *api_version;     /* x-acs-version value in req_headers, or "" */

    ens_status failure;          /* ENS_OK for a response, else the replayed transport failure */
    char *message;               /* failure message ("" when none) */
    long status;                 /* HTTP status of a response */
    ens_http_header *resp_headers;
    size_t resp_header_count;
    char *body;                  /* exact bytes ("json" re-serialised compactly); NUL-terminated */
    size_t body_len;
} ens__recorded_exchange;

typedef struct ens__cassette {
    ens__recorded_exchange *items;
    size_t count;
} ens__cassette;

/* Parses a cassette held in memory into out (zeroed first).  origin names the
 * source in error descriptions (e.g. "cassette /x/y.json").  ENS_OK,
 * ENS_EPARSE (the description says where: "exchanges[2].response.status: ..."),
 * ENS_ENOMEM.  On failure out is left empty. */
ens_status ens__cassette_parse(ens__cassette *out, const char *data, size_t len, const char *origin,
                               ens_error *err);

/* Frees everything a parsed cassette holds and zeroes it. */
void ens__cassette_clear(ens__cassette *c);

/* The path and query of a request URL ("scheme://host[:port]/path?query#fragment",
 * or an origin-form "/path?query"), as a cassette holds them: both point into
 * url; a missing path gives "/" (length 1, static), a missing query "" (length 0). */
void ens__cassette_target(const char *url, const char **path, size_t *path_len, const char **query,
                          size_t *query_len);

/* Lowercases the ASCII letters of s in place (header names). */
void ens__ascii_lower(char *s);

/* A json_dump_callback() target: appends to the ens__buf in data. */
int ens__json_to_buf(const char *buffer, size_t size, void *data);

/* Word of a transport failure that a cassette can hold ("network", "timeout",
 * "tls", "too_large"), or NULL for any other status. */
const char *ens__failure_word(ens_status st);
/* The status of a failure word, or ENS_OK when the word is unknown. */
ens_status ens__failure_status(const char *word);

/* The signature inside an ACS3 authorization value: the text after
 * "Signature=" up to the next ',' or the end.  When there is no
 * "Signature=", the whole value counts as the signature (a custom signer's
 * scheme).  Sets *len; never NULL for a non-NULL value. */
const char *ens__auth_signature(const char *authorization, size_t *len);

/* Writes the lowercase hex of the first 8 bytes of SHA-256(data) plus a NUL. */
void ens__fingerprint(const void *data, size_t len, char out[ENS__FP_HEX + 1]);

/* Reads the fingerprint out of a recorded (redacted) authorization value
 * ("...Signature=[redacted sha256:<hex>]").  false when there is none. */
bool ens__recorded_fingerprint(const char *authorization, char out[ENS__FP_HEX + 1]);

#endif
