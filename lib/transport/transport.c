/* The transport object: a vtable plus a context. */
#include "util/alloc.h"
#include "util/error.h"
#include "ensclient/transport.h"
#include "transport/transport_internal.h"

struct ens_transport {
    const ens_transport_vtable *vtable;
    void *ctx;
};

ENS_EXTERN ens_status ens_transport_new(ens_transport **out, const ens_transport_vtable *vtable,
                                        void *ctx)
{
    ens_transport *t;
    if (!out || !vtable || !vtable->send || vtable->version == 0 ||
        vtable->version > ENS_TRANSPORT_VTABLE_VERSION)
        return ENS_EINVAL;
    t = ens__calloc(1, sizeof(*t));
    if (!t)
        return ENS_ENOMEM;
    t->vtable = vtable;
    t->ctx = ctx;
    *out = t;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_transport_send(ens_transport *transport, const ens_http_request *req,
                                         ens_http_response *resp, ens_error *err)
{
    ens_status st;
    if (!transport || !req || !resp || !req->method || !req->url)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL transport, request or response");
    ens_http_response_reset(resp);
    st = transport->vtable->send(transport->ctx, req, resp, err);
    if (st > 0)
        st = ENS_EINTERNAL;
    if (st != ENS_OK && err && err->status != st)
        ens__error_set(err, st, "%s: the transport failed", ens_strerror(st));
    return st;
}

ENS_EXTERN void ens_transport_free(ens_transport *transport)
{
    if (!transport)
        return;
    if (transport->vtable->destroy)
        transport->vtable->destroy(transport->ctx);
    ens__free(transport);
}

void *ens__transport_ctx_if(const ens_transport *t, const ens_transport_vtable *vtable)
{
    return t && t->vtable == vtable ? t->ctx : NULL;
}
