/* SPDX-License-Identifier: MIT */
/* DescribeNetworkPeerConnections (see describe.h) and its blocking entry
 * points. */
#include "call/describe.h"

#include <stdio.h>
#include <string.h>

#include "call/blocking.h"
#include "call/call.h"
#include "request/query.h"
#include "util/alloc.h"
#include "util/error.h"
#include "ensclient/client.h"

static ens_status decode(const ens_http_response *http, void **out, ens_error *e)
{
    ens_describe_response *resp = NULL;
    size_t len;
    const char *body = ens_http_response_body(http, &len);
    ens_status st = ens_describe_response_parse(&resp, body, len, e);
    if (st == ENS_OK)
        *out = resp;
    return st;
}

static void free_result(void *result) { ens_describe_response_free(result); }

static void summarize(const void *result, char *buf, size_t cap)
{
    const ens_describe_response *r = result;
    snprintf(buf, cap, "%zu connection(s), RequestId %s", r ? r->connections_count : 0,
             r && r->request_id ? r->request_id : "-");
}

const ens__rpc_op ens__describe_op = {.action = ENS__DESCRIBE_ACTION,
                                      .version = ENS__DESCRIBE_API_VERSION,
                                      .decode = decode,
                                      .free_result = free_result,
                                      .summarize = summarize};

ens_status ens__describe_plan(const ens_describe_request *req, ens__rpc_plan *p, ens_error *e)
{
    ens__query q = ENS__QUERY_INIT;
    ens_status st;
    memset(p, 0, sizeof(*p));
    p->op = ens__describe_op;
    st = ens__query_from_request(req, &q);
    if (st != ENS_OK)
        st = ens__error_set(e, st, "%s: building the query", ens_strerror(st));
    else
        st = ens__rpc_plan_set_query(p, &q, e);
    ens__query_free(&q);
    if (st != ENS_OK)
        ens__rpc_plan_clear(p);
    return st;
}

ENS_EXTERN ens_status ens_describe_peer_connections_ex(ens_client *client,
                                                       const ens_describe_request *req,
                                                       const ens_call_options *opts,
                                                       ens_describe_response **out, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens__rpc_plan plan;
    void *result = NULL;
    ens_status st;

    if (!client || !req || !out)
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: NULL client, request or out");
    else if ((st = ens__call_check_options(opts, &e)) == ENS_OK &&
             (st = ens_describe_request_validate(req, &e)) == ENS_OK)
        st = ens__describe_plan(req, &plan, &e);
    if (st != ENS_OK)
        return ens__call_refuse(client, &ens__describe_op, st, &e, err);
    st = ens__call_blocking(client, &plan, opts, &result, err);
    ens__rpc_plan_clear(&plan);
    if (st == ENS_OK)
        *out = result;
    return st;
}

ENS_EXTERN ens_status ens_describe_peer_connections(ens_client *client,
                                                    const ens_describe_request *req,
                                                    ens_describe_response **out, ens_error *err)
{
    return ens_describe_peer_connections_ex(client, req, NULL, out, err);
}
