/* SPDX-License-Identifier: MIT */
/* Internal layout of ens_signable (step "RPC query -> signable request"). */
#ifndef ENS_LIB_SIGNABLE_H
#define ENS_LIB_SIGNABLE_H

#include "ensclient/signer.h"
#include "ensclient/transport.h"

struct ens_signable {
    char *method;
    char *host;
    char *path;
    char *query;             /* canonical query string */
    void *body;
    size_t body_len;
    /* Names lowercased and unique; names and values are owned by the signable
     * (allocated with ens__strdup; values wiped when replaced or freed). */
    ens_http_header *headers;
    size_t header_count, header_cap;
    ens_clock_fn clock;
    void *clock_payload;
    ens_nonce_fn nonce;
    void *nonce_payload;
};

/* The headers as an array usable directly in an ens_http_request (borrowed,
 * valid until the next header change).  count may be NULL. */
const ens_http_header *ens__signable_headers(const ens_signable *s, size_t *count);

/* Removes header name (case-insensitive), wiping its value; no-op when absent.
 * Used by the signer to drop a stale x-acs-security-token when re-signing. */
void ens__signable_remove_header(ens_signable *s, const char *name);

#endif
