/* SPDX-License-Identifier: MIT */
/* A request's deep copy in one block (see request_copy.h): the network_ids
 * pointer array first (aligned: the block comes from malloc), the strings
 * after it. */
#include "request/request_copy.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

/* Copies s (may be NULL) to *p and advances it; returns the copy. */
static const char *put(char **p, const char *s)
{
    size_t len;
    char *copy = *p;
    if (!s)
        return NULL;
    len = strlen(s) + 1;
    memcpy(copy, s, len);
    *p += len;
    return copy;
}

static size_t add(size_t total, const char *s)
{
    size_t len = s ? strlen(s) + 1 : 0;
    return total > SIZE_MAX - len ? SIZE_MAX : total + len;
}

ens_status ens__request_copy(const ens_describe_request *src, ens_describe_request *dst, char **block)
{
    size_t i, n = src->network_ids_count, bytes;
    char *b = NULL, *p, **ids;

    if (n > SIZE_MAX / sizeof(char *))
        return ENS_ENOMEM;
    bytes = n * sizeof(char *);
    bytes = add(add(add(bytes, src->instance_id), src->ens_region_id), src->name);
    for (i = 0; i < n; i++)
        bytes = add(bytes, src->network_ids[i]);
    if (bytes == SIZE_MAX)
        return ENS_ENOMEM;
    if (bytes && !(b = ens__malloc(bytes)))
        return ENS_ENOMEM;
    *dst = *src;
    dst->version = ENS_DESCRIBE_REQUEST_VERSION;
    dst->network_ids = NULL; /* never the caller's array */
    *block = b;
    if (!b)
        return ENS_OK; /* no string, no network id */
    ids = (char **)(void *)b;
    p = b + n * sizeof(char *);
    dst->instance_id = put(&p, src->instance_id);
    dst->ens_region_id = put(&p, src->ens_region_id);
    dst->name = put(&p, src->name);
    for (i = 0; i < n; i++)
        ids[i] = (char *)put(&p, src->network_ids[i]);
    if (n)
        dst->network_ids = (const char *const *)ids;
    return ENS_OK;
}
