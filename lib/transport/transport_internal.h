/* SPDX-License-Identifier: MIT */
/* Internal: reaching a transport's context when its vtable is known, and
 * finding a header. */
#ifndef ENS_LIB_TRANSPORT_INTERNAL_H
#define ENS_LIB_TRANSPORT_INTERNAL_H

#include <stddef.h>

#include "ensclient/transport.h"

/* t's context when t was made with vtable, NULL otherwise (or when t is NULL). */
void *ens__transport_ctx_if(const ens_transport *t, const ens_transport_vtable *vtable);

/* Value of the first header called name (ASCII case-insensitive) in
 * h[0..n), or NULL; entries with a NULL name are passed over. */
const char *ens__header_find(const ens_http_header *h, size_t n, const char *name);

#endif
