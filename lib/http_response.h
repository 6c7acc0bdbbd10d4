/* Internal layout of ens_http_response. */
#ifndef ENS_LIB_HTTP_RESPONSE_H
#define ENS_LIB_HTTP_RESPONSE_H

#include "buf.h"
#include "ensclient/transport.h"

struct ens_http_response {
    long status;
    size_t max_body;        /* 0 = unlimited */
    ens__buf body;
    ens_http_header *headers; /* owned name/value copies */
    size_t header_count, header_cap;
    size_t header_bytes;
};

#define ENS__MAX_HEADER_BYTES ((size_t)64 * 1024)

#endif
