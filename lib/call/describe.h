/* SPDX-License-Identifier: MIT */
/* Internal: what is specific to DescribeNetworkPeerConnections -- its action
 * and API version, request -> canonical query, 2xx body -> typed response.
 * Everything else of a call (exchange.h, call.h) is the same for any action,
 * the generic call of rpc.h included. */
#ifndef ENS_LIB_DESCRIBE_H
#define ENS_LIB_DESCRIBE_H

#include "call/exchange.h"
#include "ensclient/types.h"

#define ENS__DESCRIBE_ACTION "DescribeNetworkPeerConnections"
#define ENS__DESCRIBE_API_VERSION "2017-11-10"

/* Results are ens_describe_response (ens_describe_response_free()). */
extern const ens__rpc_op ens__describe_op;

/* The plan of a call of a validated request: ens__describe_op and the
 * request's canonical query (ens__rpc_plan_clear()).  ENS_OK, or the error
 * (ENS_ENOMEM) with e filled and p cleared. */
ens_status ens__describe_plan(const ens_describe_request *req, ens__rpc_plan *p, ens_error *e);

#endif
