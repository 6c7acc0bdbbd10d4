/* SPDX-License-Identifier: MIT */
/* Internal: RPC query building and RFC 3986 encoding (step "request -> RPC query"). */
#ifndef ENS_LIB_QUERY_H
#define ENS_LIB_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "ensclient/types.h"

/* One encoded parameter. */
typedef struct ens__param {
    char *name;  /* RFC 3986-encoded, in the query's text */
    char *value; /* RFC 3986-encoded, in the query's text; wiped when freed */
    bool secret; /* never shown (ens__query_shown()) */
} ens__param;

/* Inline room of a query: a request of this library fits, so that building
 * it allocates nothing.  Beyond, items and text move to the heap.  A query
 * points into itself: never copy one by value. */
#define ENS__QUERY_SLOTS 8
#define ENS__QUERY_ROOM 512

typedef struct ens__query {
    ens__param *items; /* NULL, slots or allocated */
    size_t count, cap;
    ens__buf text;     /* every "name\0value\0", one after the other */
    ens__param slots[ENS__QUERY_SLOTS];
    char room[ENS__QUERY_ROOM];
} ens__query;

#define ENS__QUERY_INIT {0}

/* Appends the RFC 3986 encoding of s[0..len) to b: unreserved A-Z a-z 0-9 - _ . ~
 * kept, every other byte as %XY (uppercase hex).  0 or -1 (oom). */
int ens__percent_encode(ens__buf *b, const char *s, size_t len);

/* Adds name=value (raw; encoded here).  ENS_OK, ENS_EINVAL (NULL argument)
 * or ENS_ENOMEM. */
ens_status ens__query_add(ens__query *q, const char *name, const char *value);

/* As ens__query_add(), for a value that is a secret (a token): it is wiped
 * when freed and never shown. */
ens_status ens__query_add_secret(ens__query *q, const char *name, const char *value);

/* true when q holds a secret parameter. */
bool ens__query_has_secret(const ens__query *q);

/* Sorts the parameters by encoded name (byte order; stable for equal names)
 * and writes "n1=v1&n2=v2" into *out (caller frees with ens__free; "" when empty).
 * ENS_OK, ENS_EINVAL (NULL argument) or ENS_ENOMEM. */
ens_status ens__query_canonical(ens__query *q, char **out);

/* The query as ens__query_canonical() wrote it (call that first: it sorts),
 * with every secret value written as "[redacted]": what a log line may show.
 * ENS_OK, ENS_EINVAL or ENS_ENOMEM. */
ens_status ens__query_shown(const ens__query *q, char **out);

void ens__query_free(ens__query *q);

/* Appends the RPC parameters of a validated request to q: InstanceId,
 * EnsRegionId, Name, NetworkIds.1..N, PageNumber, PageSize (NULL strings and
 * zero numbers are left out; an empty string is sent as "Name=").
 * ENS_OK, ENS_ENOMEM, or ENS_EINVAL (NULL argument, NULL network_ids or a
 * NULL entry; run ens_describe_request_validate() first).  On failure q is
 * left as it was. */
ens_status ens__query_from_request(const ens_describe_request *req, ens__query *q);

#endif
