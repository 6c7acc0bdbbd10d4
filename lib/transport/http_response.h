/* SPDX-License-Identifier: MIT */
/* Internal layout of ens_http_response. */
#ifndef ENS_LIB_HTTP_RESPONSE_H
#define ENS_LIB_HTTP_RESPONSE_H

#include "util/buf.h"
#include "ensclient/transport.h"

struct ens_http_response {
    long status;
    size_t max_body;        /* 0 = unlimited */
    ens__buf body;
    ens_http_header *headers; /* name/value pointers into text */
    size_t header_count, header_cap;
    size_t header_bytes;
    /* Every header as "name\0value\0", one after the other: one block for
     * all of them, kept (wiped) across resets. */
    char *text;
    size_t text_len, text_cap;
};

#define ENS__MAX_HEADER_BYTES ((size_t)64 * 1024)
/* Most body storage a Content-Length hint alone makes us reserve. */
#define ENS__BODY_PRESIZE_MAX ((size_t)8 * 1024 * 1024)

/* A transport saw "Content-Length: content_length": makes room for a body of
 * that many bytes at once instead of growing the buffer by doubling (never
 * shrinks it).  Never
 * reserves more than the cap (max_body) or ENS__BODY_PRESIZE_MAX, and nothing
 * at all for a length over either (a body over the cap is refused anyway; one
 * over ENS__BODY_PRESIZE_MAX grows as it arrives).  The storage is kept across
 * ens_http_response_reset() and released by ens_http_response_free().
 * ENS_OK, or ENS_ENOMEM (the response is unchanged). */
ens_status ens__http_response_reserve_body(ens_http_response *resp,
                                          unsigned long long content_length);

#endif
