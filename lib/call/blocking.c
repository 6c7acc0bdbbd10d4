/* SPDX-License-Identifier: MIT */
/* The blocking driver (see blocking.h): only mechanics; every decision is
 * the engine's (call.c). */
#include "call/blocking.h"

#include "call/call.h"
#include "call/client_internal.h"
#include "util/cancel.h"
#include "util/error.h"

ens_status ens__call_blocking(ens_client *client, const ens__rpc_plan *plan, const ens_call_options *opts,
                              void **result, ens_error *err)
{
    const ens__rpc_op *op = &plan->op;
    ens_http_response *resp = NULL;
    void *out = NULL;
    ens__call call;
    long ms;

    if (!(resp = ens__client_response_take(client))) {
        ens_error e = ENS_ERROR_INIT;
        ens__error_set(&e, ENS_ENOMEM, "out of memory: preparing the exchange");
        return ens__call_refuse(client, op, ENS_ENOMEM, &e, err);
    }
    ens__call_start(&call, client, op, opts);
    for (;;) {
        ens__call_step next = ens__call_next(&call, &ms);
        if (next == ENS__CALL_DONE)
            break;
        if (next == ENS__CALL_WAIT) {
            if (ens__cancel_wait(call.cancel, ms))
                ens__call_cancel(&call, "");
        } else {
            /* One attempt: sign afresh, send, interpret (resp is reused). */
            ens_error *e = ens__call_attempt_error(&call);
            ens__exchange x;
            ens_status st = ens__exchange_prepare(client, plan, ms, call.cancel, &x, e);
            if (st == ENS_OK) {
                ens__call_attempt_sent(&call, &x);
                st = ens_transport_send(client->transport, &x.http, resp, e);
                if (st == ENS_OK)
                    st = ens__exchange_interpret(client, op, resp, &out, e);
                ens__exchange_clear(&x);
            }
            ens__call_attempt_done(&call, st, resp, out);
        }
    }
    ens__client_response_give(client, resp); /* wiped: it may have been a credentials document */
    if (ens__call_status(&call) == ENS_OK) {
        *result = out;
        return ENS_OK;
    }
    ens__error_copy(err, ens__call_error(&call));
    return ens__call_status(&call);
}
