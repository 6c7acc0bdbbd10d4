/* SPDX-License-Identifier: MIT */
/* Internal: the blocking driver of the call engine (call.h): it sleeps on the
 * call's cancellation token and sends through the client's transport. */
#ifndef ENS_LIB_BLOCKING_H
#define ENS_LIB_BLOCKING_H

#include "call/exchange.h"
#include "ensclient/client.h"

/* Runs one call of plan on the calling thread, with every retry, wait and
 * the deadline of opts (which must have passed ens__call_check_options()).
 * On ENS_OK *result receives what plan->op.decode made (the caller's; free it
 * with plan->op.free_result) and err is untouched; on failure err (may be
 * NULL) is filled and *result untouched. */
ens_status ens__call_blocking(ens_client *client, const ens__rpc_plan *plan, const ens_call_options *opts,
                              void **result, ens_error *err);

#endif
