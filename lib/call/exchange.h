/* SPDX-License-Identifier: MIT */
/* Internal: one exchange of an RPC-style call, whatever the action.
 *
 * Before the transport: the signable request (POST /?<canonical query> with
 * the action, version, accept and user-agent headers), credentials resolved
 * from the client's provider, the signature (none in anonymous mode), and
 * the ens_http_request built from them.  After it: a 2xx answer decoded by
 * the operation, any other status turned into the service/HTTP error.  The
 * retry policy around exchanges is call.h's.
 *
 * What a call sends is an ens__rpc_plan: its operation (action, version,
 * endpoint, anonymous mode, decoder) and its canonical query.  The typed
 * DescribeNetworkPeerConnections call (describe.h) and the generic call of
 * rpc.h build one each and hand it to the same drivers. */
#ifndef ENS_LIB_EXCHANGE_H
#define ENS_LIB_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "request/endpoint.h"
#include "request/query.h"
#include "util/buf.h"
#include "ensclient/client.h"
#include "ensclient/signer.h"
#include "ensclient/transport.h"

/* One RPC operation, as the exchange and the call engine need it. */
typedef struct ens__rpc_op {
    const char *action;  /* x-acs-action; also what every log line of a call starts with */
    const char *version; /* x-acs-version */
    /* Where the call goes; NULL = the client's endpoint. */
    const ens__endpoint *endpoint;
    /* Sent unsigned: no credentials are asked for, no Authorization. */
    bool anonymous;
    /* Decodes a 2xx answer into a new result in *out.  ENS_OK, or the error
     * with e filled (e may be NULL); *out is left alone on failure. */
    ens_status (*decode)(const ens_http_response *resp, void **out, ens_error *e);
    /* Frees what decode made; NULL is a no-op. */
    void (*free_result)(void *result);
    /* What the success log line says of a result ("3 connection(s), RequestId R"). */
    void (*summarize)(const void *result, char *buf, size_t cap);
} ens__rpc_op;

/* Everything one call sends, whatever drives it.  Owned by the call; its
 * op may point into the plan (action, version, endpoint). */
typedef struct ens__rpc_plan {
    ens__rpc_op op;
    char *query;       /* canonical query, "" for none; wiped when cleared */
    char *shown_query; /* the query as the DEBUG log shows it (secret values
                          redacted); NULL = query */
    char *names;       /* action and version, when the plan owns them */
    ens__endpoint endpoint; /* op.endpoint points here when the call named one */
} ens__rpc_plan;

/* Sets the plan's query from q (sorted and joined here); the values of q's
 * secret parameters are shown as "[redacted]" in the logged form.  ENS_OK or
 * ENS_ENOMEM with e filled. */
ens_status ens__rpc_plan_set_query(ens__rpc_plan *p, ens__query *q, ens_error *e);

/* Frees what the plan owns (the query wiped) and zeroes it. */
void ens__rpc_plan_clear(ens__rpc_plan *p);

/* One prepared exchange: the signed request and the HTTP request built from it. */
typedef struct ens__exchange {
    ens_signable *signable;
    ens__buf url;
    ens_http_request http; /* borrows from signable and url */
    char key_id[128];      /* the AccessKey ID it was signed with ("" when anonymous) */
    char url_room[512];    /* url's storage when it fits: x points into itself, never copy it */
} ens__exchange;

/* Builds and signs (fresh date and nonce) a call of plan, and turns it into
 * x->http with budget_ms as the attempt's timeout and cancel as its token.
 * On failure x is cleared.  ENS_OK or the step's error (e filled). */
ens_status ens__exchange_prepare(ens_client *c, const ens__rpc_plan *plan, long budget_ms,
                                 const ens_cancel *cancel, ens__exchange *x, ens_error *e);

/* Interprets a complete HTTP response: a 2xx answer is decoded by op into
 * *out, any other status becomes the service/HTTP error.  e may be NULL. */
ens_status ens__exchange_interpret(ens_client *c, const ens__rpc_op *op, const ens_http_response *resp,
                                   void **out, ens_error *e);

/* Frees what ens__exchange_prepare() made (the signable's secrets and the
 * URL wiped). */
void ens__exchange_clear(ens__exchange *x);

#endif
