/* The signer object: a versioned vtable and its context. */
#include <stddef.h>

#include "util/alloc.h"
#include "util/error.h"
#include "ensclient/signer.h"

struct ens_signer {
    const ens_signer_vtable *vtable;
    void *ctx;
};

ENS_EXTERN ens_status ens_signer_new(ens_signer **out, const ens_signer_vtable *vtable, void *ctx)
{
    ens_signer *s;

    if (!out || !vtable || !vtable->sign || vtable->version < 1 ||
        vtable->version > ENS_SIGNER_VTABLE_VERSION)
        return ENS_EINVAL;
    s = ens__malloc(sizeof(*s));
    if (!s)
        return ENS_ENOMEM;
    s->vtable = vtable;
    s->ctx = ctx;
    *out = s;
    return ENS_OK;
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
    st = signer->vtable->sign(signer->ctx, req, creds, err);
    if (st > 0) /* a custom signer must not return a positive status */
        return ens__error_set(err, ENS_EINTERNAL,
                              "internal error: signer returned unexpected status %d", (int)st);
    if (st < 0 && err && err->status != st)
        ens__error_set(err, st, "signing failed: %s", ens_strerror(st));
    return st;
}

ENS_EXTERN void ens_signer_free(ens_signer *signer)
{
    if (!signer)
        return;
    if (signer->vtable->destroy)
        signer->vtable->destroy(signer->ctx);
    ens__free(signer);
}
