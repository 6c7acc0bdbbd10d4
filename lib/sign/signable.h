/* SPDX-License-Identifier: MIT */
/* Internal layout of ens_signable (step "RPC query -> signable request"). */
#ifndef ENS_LIB_SIGNABLE_H
#define ENS_LIB_SIGNABLE_H

#include "ensclient/signer.h"
#include "ensclient/transport.h"

/* Inline room of a signable: the header slots and the bytes for its strings
 * that one request of this library needs, so that building and signing a
 * request allocates one block.  What does not fit goes to the heap. */
#define ENS__SIGNABLE_SLOTS 12
#define ENS__SIGNABLE_ARENA 2048

struct ens_signable {
    char *method;
    char *host;
    char *path;
    char *query;             /* canonical query string */
    void *body;
    size_t body_len;
    /* Names lowercased and unique; names and values are owned by the signable
     * (in arena[] or, when it is full, allocated; values wiped when replaced
     * or freed). */
    ens_http_header *headers; /* slots[] until more are needed */
    size_t header_count, header_cap;
    ens_clock_fn clock;
    void *clock_payload;
    ens_nonce_fn nonce;
    void *nonce_payload;
    size_t arena_used;
    ens_http_header slots[ENS__SIGNABLE_SLOTS];
    char arena[ENS__SIGNABLE_ARENA]; /* wiped (the used part) when freed */
};

/* The headers as an array usable directly in an ens_http_request (borrowed,
 * valid until the next header change).  count may be NULL. */
const ens_http_header *ens__signable_headers(const ens_signable *s, size_t *count);

/* Removes header name (case-insensitive), wiping its value; no-op when absent.
 * Used by the signer to drop a stale x-acs-security-token when re-signing. */
void ens__signable_remove_header(ens_signable *s, const char *name);

#endif
