/* SPDX-License-Identifier: MIT */
/* Internal: endpoint URL parsing. */
#ifndef ENS_LIB_ENDPOINT_H
#define ENS_LIB_ENDPOINT_H

#include <stdbool.h>

#include "ensclient/common.h"

typedef struct ens__endpoint {
    char *base;       /* "scheme://host[:port]" */
    char *host_header; /* "host[:port]" (port only when not the scheme's default) */
    bool https;
    bool loopback;
} ens__endpoint;

/* Parses "https://host[:port]", "http://host[:port]" or a bare "host[:port]"
 * (https); a trailing "/" is allowed; path, query, fragment and user info are
 * not.  ENS_OK, ENS_EINVAL (err says why) or ENS_ENOMEM. */
ens_status ens__endpoint_parse(const char *url, ens__endpoint *out, ens_error *err);
void ens__endpoint_free(ens__endpoint *ep);

#endif
