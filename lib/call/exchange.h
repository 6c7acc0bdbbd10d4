/* Internal: one exchange of an RPC-style call, whatever the action.
 *
 * Before the transport: the signable request (POST /?<canonical query> with
 * the action, version, accept and user-agent headers), credentials resolved
 * from the client's provider, the signature, and the ens_http_request built
 * from them.  After it: a 2xx body decoded by the operation, any other status
 * turned into the service/HTTP error.  The retry policy around exchanges is
 * call.h's; what is specific to one operation is an ens__rpc_op (see
 * describe.h for DescribeNetworkPeerConnections). */
#ifndef ENS_LIB_EXCHANGE_H
#define ENS_LIB_EXCHANGE_H

#include <stddef.h>

#include "util/buf.h"
#include "ensclient/client.h"
#include "ensclient/signer.h"
#include "ensclient/transport.h"

/* One RPC operation, as the exchange and the call engine need it.  Static. */
typedef struct ens__rpc_op {
    const char *action;  /* x-acs-action; also what every log line of a call starts with */
    const char *version; /* x-acs-version */
    /* Decodes a 2xx body (not NUL-terminated; may be NULL when len is 0)
     * into a new result in *out.  ENS_OK, or the error with e filled (e may
     * be NULL); *out is left alone on failure. */
    ens_status (*decode)(const char *body, size_t len, void **out, ens_error *e);
    /* Frees what decode made; NULL is a no-op. */
    void (*free_result)(void *result);
    /* What the success log line says of a result ("3 connection(s), RequestId R"). */
    void (*summarize)(const void *result, char *buf, size_t cap);
} ens__rpc_op;

/* One prepared exchange: the signed request and the HTTP request built from it. */
typedef struct ens__exchange {
    ens_signable *signable;
    ens__buf url;
    ens_http_request http; /* borrows from signable and url */
} ens__exchange;

/* Builds and signs (fresh date and nonce) a call of op with the canonical
 * query ("n1=v1&n2=v2", "" for none), and turns it into x->http with
 * budget_ms as the attempt's timeout and cancel as its token.  On failure x
 * is cleared.  ENS_OK or the step's error (e filled). */
ens_status ens__exchange_prepare(ens_client *c, const ens__rpc_op *op, const char *query, long budget_ms,
                                 const ens_cancel *cancel, ens__exchange *x, ens_error *e);

/* Interprets a complete HTTP response: a 2xx body is decoded by op into
 * *out, any other status becomes the service/HTTP error.  e may be NULL. */
ens_status ens__exchange_interpret(ens_client *c, const ens__rpc_op *op, const ens_http_response *resp,
                                   void **out, ens_error *e);

/* Frees what ens__exchange_prepare() made (the signable's secrets wiped). */
void ens__exchange_clear(ens__exchange *x);

#endif
