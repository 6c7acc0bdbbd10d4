/* SPDX-License-Identifier: MIT */
/* The transport object: a vtable plus a context (util/vobj.h). */

#include "util/error.h"
#include "util/vobj.h"
#include "ensclient/transport.h"
#include "transport/transport_internal.h"

struct ens_transport {
    ens__vobj o;
};

static const ens_transport_vtable *vtable_of(const ens_transport *t)
{
    return t->o.vtable;
}

ENS_EXTERN ens_status ens_transport_new(ens_transport **out, const ens_transport_vtable *vtable,
                                        void *ctx)
{
    ens__vobj *o;
    ens_status st;
    if (!out || !vtable || !vtable->send)
        return ENS_EINVAL;
    st = ens__vobj_new(&o, sizeof(ens_transport), vtable, vtable->version, ENS_TRANSPORT_VTABLE_VERSION,
                       ctx);
    if (st == ENS_OK)
        *out = (ens_transport *)o;
    return st;
}

ENS_EXTERN ens_status ens_transport_send(ens_transport *transport, const ens_http_request *req,
                                         ens_http_response *resp, ens_error *err)
{
    ens_status st;
    if (!transport || !req || !resp || !req->method || !req->url)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL transport, request or response");
    ens_http_response_reset(resp);
    st = vtable_of(transport)->send(transport->o.ctx, req, resp, err);
    if (st > 0)
        st = ENS_EINTERNAL;
    if (st != ENS_OK && err && err->status != st)
        ens__error_set(err, st, "%s: the transport failed", ens_strerror(st));
    return st;
}

ENS_EXTERN void ens_transport_free(ens_transport *transport)
{
    if (transport)
        ens__vobj_free(&transport->o, vtable_of(transport)->destroy);
}

void *ens__transport_ctx_if(const ens_transport *t, const ens_transport_vtable *vtable)
{
    return ens__vobj_ctx_if(t ? &t->o : NULL, vtable);
}
