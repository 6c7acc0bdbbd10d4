/* SPDX-License-Identifier: MIT */
/* Internal: the object behind ens_transport, ens_signer and
 * ens_credentials_provider: a caller's versioned vtable and its context.
 * Each public type is a struct whose first member is an ens__vobj (plus
 * whatever else it keeps), so the layout stays private and the public API
 * and ABI stay as they are. */
#ifndef ENS_LIB_VOBJ_H
#define ENS_LIB_VOBJ_H

#include <stddef.h>

#include "ensclient/common.h"

typedef struct ens__vobj {
    const void *vtable; /* the caller's, which must outlive the object */
    void *ctx;
} ens__vobj;

/* Allocates a zeroed object of size bytes (at least sizeof(ens__vobj)) that
 * starts with an ens__vobj holding vtable and ctx, once version (the vtable's)
 * is within 1..max_version.  The caller has checked the vtable's mandatory
 * functions.  ENS_OK, ENS_EINVAL (bad version; nothing allocated) or
 * ENS_ENOMEM; *out is set on ENS_OK only. */
ens_status ens__vobj_new(ens__vobj **out, size_t size, const void *vtable, unsigned int version,
                         unsigned int max_version, void *ctx);

/* Calls destroy(ctx) when destroy (the vtable's) is set, then frees o.
 * NULL o: nothing. */
void ens__vobj_free(ens__vobj *o, void (*destroy)(void *ctx));

/* o's context when o was made with vtable, NULL otherwise (or when o is NULL). */
void *ens__vobj_ctx_if(const ens__vobj *o, const void *vtable);

#endif
