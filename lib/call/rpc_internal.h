/* SPDX-License-Identifier: MIT */
/* Internal: the generic RPC call (include/ensclient/rpc.h) as the drivers
 * need it -- a checked ens_rpc_request turned into an ens__rpc_plan whose
 * results are ens_rpc_response. */
#ifndef ENS_LIB_RPC_INTERNAL_H
#define ENS_LIB_RPC_INTERNAL_H

#include "call/exchange.h"
#include "ensclient/rpc.h"

/* Checks req and builds its plan into *p (which owns copies of everything it
 * needs: the caller's request may go as soon as this returns).  ENS_OK, or
 * ENS_EINVAL / ENS_ENOMEM with e filled and p cleared. */
ens_status ens__rpc_plan_from_request(const ens_client *c, const ens_rpc_request *req, ens__rpc_plan *p,
                                      ens_error *e);

/* What the refusal of req is logged as: an operation named after its action
 * when that is well-formed, else "RPC call" (req may be NULL).  Borrows
 * from req. */
ens__rpc_op ens__rpc_refused_op(const ens_rpc_request *req);

#endif
