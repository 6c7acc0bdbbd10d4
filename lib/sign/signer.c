/* SPDX-License-Identifier: MIT */
/* The signer object: a versioned vtable and its context (util/vobj.h). */
#include "util/error.h"
#include "util/vobj.h"
#include "ensclient/signer.h"

struct ens_signer {
    ens__vobj o;
};

static const ens_signer_vtable *vtable_of(const ens_signer *s)
{
    return s->o.vtable;
}

ENS_EXTERN ens_status ens_signer_new(ens_signer **out, const ens_signer_vtable *vtable, void *ctx)
{
    ens__vobj *o;
    ens_status st;
    if (!out || !vtable || !vtable->sign)
        return ENS_EINVAL;
    st = ens__vobj_new(&o, sizeof(ens_signer), vtable, vtable->version, ENS_SIGNER_VTABLE_VERSION, ctx);
    if (st == ENS_OK)
        *out = (ens_signer *)o;
    return st;
}

ENS_EXTERN ens_status ens_signer_sign(ens_signer *signer, ens_signable *req,
                                      const ens_credentials *creds, ens_error *err)
{
    ens_status st;

    if (!signer)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: signer is NULL");
    if (!req)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: signable request is NULL");
    if (!creds)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: credentials are NULL");
    st = vtable_of(signer)->sign(signer->o.ctx, req, creds, err);
    if (st > 0) /* a custom signer must not return a positive status */
        return ens__error_set(err, ENS_EINTERNAL,
                              "internal error: signer returned unexpected status %d", (int)st);
    if (st < 0 && err && err->status != st)
        ens__error_set(err, st, "signing failed: %s", ens_strerror(st));
    return st;
}

ENS_EXTERN void ens_signer_free(ens_signer *signer)
{
    if (signer)
        ens__vobj_free(&signer->o, vtable_of(signer)->destroy);
}
