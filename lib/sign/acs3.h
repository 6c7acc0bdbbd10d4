/* SPDX-License-Identifier: MIT */
/* Internal pieces of the ACS3-HMAC-SHA256 signer, exposed for unit tests. */
#ifndef ENS_LIB_ACS3_H
#define ENS_LIB_ACS3_H

#include <time.h>

#include "util/buf.h"
#include "ensclient/credentials.h"
#include "ensclient/signer.h"

/* Appends the canonical request of s (with its current headers) to out and
 * the ';'-joined signed header names to signed_headers (both should start
 * empty).  Signed: host, content-type and every x-acs-* header, values
 * trimmed of surrounding spaces and tabs, sorted by name.  hashed_payload is
 * the lowercase hex SHA-256 of the body.  0 or -1 (oom).  out may hold the
 * STS token: wipe it (ens__buf_wipe_free). */
int ens__acs3_canonical_request(const ens_signable *s, const char *hashed_payload, ens__buf *out,
                                ens__buf *signed_headers);

/* hex(sha256(data)) into out[65]. */
void ens__sha256_hex(const void *data, size_t len, char out[65]);

/* "ACS3-HMAC-SHA256\n" + hex(sha256(canonical)) into out. 0 or -1. */
int ens__acs3_string_to_sign(const char *canonical, size_t len, ens__buf *out);

/* lowercase hex HMAC-SHA256(secret, string_to_sign) into out[65]; the HMAC
 * state is wiped.  The caller wipes out when done. */
void ens__acs3_signature(const char *secret, const char *string_to_sign, size_t len, char out[65]);

/* The same with the key of creds: continues from the HMAC state keyed once
 * when creds was made (ens__credentials_hmac_copy), keying a state from the
 * secret only when creds holds none.  The copied state is wiped. */
void ens__acs3_signature_creds(const ens_credentials *creds, const char *string_to_sign,
                               size_t len, char out[65]);

/* t as "YYYY-MM-DDThh:mm:ssZ" (UTC) into out.  0, or -1 when t cannot be
 * expressed (time_t -1, or out of the C library's range). */
int ens__acs3_date(time_t t, char out[32]);

#endif
