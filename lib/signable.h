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
    ens_http_header *headers; /* names lowercased; values owned (wiped on free) */
    size_t header_count, header_cap;
    ens_clock_fn clock;
    void *clock_payload;
    ens_nonce_fn nonce;
    void *nonce_payload;
};

/* The headers as an array usable directly in an ens_http_request (borrowed). */
const ens_http_header *ens__signable_headers(const ens_signable *s, size_t *count);

#endif
