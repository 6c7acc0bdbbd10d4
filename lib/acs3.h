/* Internal pieces of the ACS3-HMAC-SHA256 signer, exposed for unit tests. */
#ifndef ENS_LIB_ACS3_H
#define ENS_LIB_ACS3_H

#include "buf.h"
#include "ensclient/signer.h"

/* Writes the canonical request of s (with its current headers) into out and
 * the ';'-joined signed header names into signed_headers.  hashed_payload is
 * the lowercase hex SHA-256 of the body.  0 or -1 (oom). */
int ens__acs3_canonical_request(const ens_signable *s, const char *hashed_payload, ens__buf *out,
                                ens__buf *signed_headers);

/* hex(sha256(data)) into out[65]. */
void ens__sha256_hex(const void *data, size_t len, char out[65]);

/* "ACS3-HMAC-SHA256\n" + hex(sha256(canonical)) into out. 0 or -1. */
int ens__acs3_string_to_sign(const char *canonical, size_t len, ens__buf *out);

/* lowercase hex HMAC-SHA256(secret, string_to_sign) into out[65]. */
void ens__acs3_signature(const char *secret, const char *string_to_sign, size_t len, char out[65]);

#endif
