/* Internal: what is specific to DescribeNetworkPeerConnections -- its action
 * and API version, request -> canonical query, 2xx body -> typed response.
 * Everything else of a call (exchange.h, call.h) is the same for any action. */
#ifndef ENS_LIB_DESCRIBE_H
#define ENS_LIB_DESCRIBE_H

#include "call/exchange.h"
#include "ensclient/types.h"

#define ENS__DESCRIBE_ACTION "DescribeNetworkPeerConnections"
#define ENS__DESCRIBE_API_VERSION "2017-11-10"

/* Results are ens_describe_response (ens_describe_response_free()). */
extern const ens__rpc_op ens__describe_op;

/* The canonical query of a validated request into *query (ens__free()).
 * ENS_OK, or the error (ENS_ENOMEM) with e filled. */
ens_status ens__describe_query(const ens_describe_request *req, char **query, ens_error *e);

#endif
