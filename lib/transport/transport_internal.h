/* Internal: reaching a transport's context when its vtable is known. */
#ifndef ENS_LIB_TRANSPORT_INTERNAL_H
#define ENS_LIB_TRANSPORT_INTERNAL_H

#include "ensclient/transport.h"

/* t's context when t was made with vtable, NULL otherwise (or when t is NULL). */
void *ens__transport_ctx_if(const ens_transport *t, const ens_transport_vtable *vtable);

#endif
