/* SPDX-License-Identifier: MIT */
/* Versioned vtable plus context objects (see vobj.h). */
#include "util/vobj.h"

#include "util/alloc.h"

ens_status ens__vobj_new(ens__vobj **out, size_t size, const void *vtable, unsigned int version,
                         unsigned int max_version, void *ctx)
{
    ens__vobj *o;
    if (version == 0 || version > max_version)
        return ENS_EINVAL;
    o = ens__calloc(1, size);
    if (!o)
        return ENS_ENOMEM;
    o->vtable = vtable;
    o->ctx = ctx;
    *out = o;
    return ENS_OK;
}

void ens__vobj_free(ens__vobj *o, void (*destroy)(void *ctx))
{
    if (!o)
        return;
    if (destroy)
        destroy(o->ctx);
    ens__free(o);
}

void *ens__vobj_ctx_if(const ens__vobj *o, const void *vtable)
{
    return o && o->vtable == vtable ? o->ctx : NULL;
}
