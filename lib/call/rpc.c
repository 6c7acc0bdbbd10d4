/* SPDX-License-Identifier: MIT */
/* The generic RPC call (include/ensclient/rpc.h): a request of any action
 * checked and turned into a plan, the answer kept raw and parsed with
 * jansson.  The call itself is the same engine and drivers as the typed
 * call's (blocking.c, lib/async/async.c). */
#include "call/rpc_internal.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "call/blocking.h"
#include "call/call.h"
#include "call/client_internal.h"
#include "credentials/internal.h"
#include "util/alloc.h"
#include "util/error.h"

#define MAX_ACTION 128
#define MAX_API_VERSION 32
#define MAX_PARAMS 1024

struct ens_rpc_response {
    char *body; /* NUL-terminated; wiped when freed */
    size_t len;
    long http_status;
    char *request_id;
    json_t *json; /* NULL once taken */
};

ENS_EXTERN void ens_rpc_request_init(ens_rpc_request *req)
{
    if (!req)
        return;
    memset(req, 0, sizeof(*req));
    req->version = ENS_RPC_REQUEST_VERSION;
}

/* ---- the answer --------------------------------------------------------- */

ENS_EXTERN void ens_rpc_response_free(ens_rpc_response *resp)
{
    if (!resp)
        return;
    if (resp->json) {
        ens__cred_json_wipe(resp->json); /* an STS answer holds a secret and a token */
        json_decref(resp->json);
    }
    if (resp->body) {
        sodium_memzero(resp->body, resp->len);
        ens__free(resp->body);
    }
    ens__free(resp->request_id);
    ens__free(resp);
}

ENS_EXTERN const char *ens_rpc_response_body(const ens_rpc_response *resp, size_t *len)
{
    if (len)
        *len = resp ? resp->len : 0;
    return resp ? resp->body : NULL;
}

ENS_EXTERN long ens_rpc_response_http_status(const ens_rpc_response *resp)
{
    return resp ? resp->http_status : 0;
}

ENS_EXTERN const char *ens_rpc_response_request_id(const ens_rpc_response *resp)
{
    return resp ? resp->request_id : "";
}

ENS_EXTERN struct json_t *ens_rpc_response_json(const ens_rpc_response *resp)
{
    return resp ? resp->json : NULL;
}

ENS_EXTERN struct json_t *ens_rpc_response_take_json(ens_rpc_response *resp)
{
    json_t *j;
    if (!resp)
        return NULL;
    j = resp->json;
    resp->json = NULL;
    return j;
}

static ens_status decode(const ens_http_response *http, void **out, ens_error *e)
{
    ens_rpc_response *r;
    json_error_t jerr;
    json_t *rid;
    size_t len;
    const char *body = ens_http_response_body(http, &len), *header;

    r = ens__calloc(1, sizeof(*r));
    if (!r || !(r->body = ens__malloc(len + 1))) {
        ens__free(r);
        return ens__error_set(e, ENS_ENOMEM, "out of memory: keeping the answer");
    }
    if (len)
        memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->len = len;
    r->http_status = ens_http_response_status(http);
    r->json = json_loadb(r->body, len, 0, &jerr);
    if (!r->json || !json_is_object(r->json)) {
        ens_status st = r->json ? ens__error_set(e, ENS_EPARSE, "response parse error: the body is not a "
                                                                "JSON object")
                                : ens__error_set(e, ENS_EPARSE, "response parse error: line %d column %d: %s",
                                                 jerr.line, jerr.column, jerr.text);
        ens_rpc_response_free(r);
        return st;
    }
    rid = json_object_get(r->json, "RequestId");
    header = ens_http_response_header(http, "x-acs-request-id");
    r->request_id = ens__strdup(json_is_string(rid) ? json_string_value(rid) : header ? header : "");
    if (!r->request_id) {
        ens_rpc_response_free(r);
        return ens__error_set(e, ENS_ENOMEM, "out of memory: keeping the answer");
    }
    *out = r;
    return ENS_OK;
}

static void free_result(void *result) { ens_rpc_response_free(result); }

static void summarize(const void *result, char *buf, size_t cap)
{
    const ens_rpc_response *r = result;
    snprintf(buf, cap, "%zu body byte(s), RequestId %s", r ? r->len : 0,
             r && *r->request_id ? r->request_id : "-");
}

/* ---- the request -------------------------------------------------------- */

static bool all_of(const char *s, size_t max, const char *extra)
{
    size_t n = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++, n++) {
        char ch = *s;
        if (n >= max || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                          (*extra && strchr(extra, ch))))
            return false;
    }
    return true;
}

static ens_status check(const ens_rpc_request *req, ens_error *e)
{
    size_t i;
    if (req->version == 0 || req->version > ENS_RPC_REQUEST_VERSION)
        return ens__error_set(e, ENS_EINVAL, "invalid argument: unknown ens_rpc_request version %u",
                              req->version);
    if (!all_of(req->action, MAX_ACTION, ""))
        return ens__error_set(e, ENS_EINVAL, "invalid argument: action must be 1..%d letters and digits",
                              MAX_ACTION);
    if (!all_of(req->api_version, MAX_API_VERSION, "-."))
        return ens__error_set(e, ENS_EINVAL,
                              "invalid argument: api_version must be 1..%d letters, digits, '-' and '.' "
                              "(e.g. \"2015-04-01\")",
                              MAX_API_VERSION);
    if (req->param_count > MAX_PARAMS || (req->param_count && !req->params))
        return ens__error_set(e, ENS_EINVAL, "invalid argument: params must hold param_count (at most %d) "
                                             "parameters",
                              MAX_PARAMS);
    for (i = 0; i < req->param_count; i++) {
        const ens_rpc_param *p = &req->params[i];
        if (!p->name || !*p->name || !p->value)
            return ens__error_set(e, ENS_EINVAL, "invalid argument: params[%zu] needs a name and a value", i);
        if (p->flags & ~ENS_RPC_PARAM_SECRET)
            return ens__error_set(e, ENS_EINVAL, "invalid argument: params[%zu] has unknown flags %#x", i,
                                  p->flags);
    }
    return ENS_OK;
}

ens__rpc_op ens__rpc_refused_op(const ens_rpc_request *req)
{
    ens__rpc_op op = {.action = "RPC call"};
    if (req && all_of(req->action, MAX_ACTION, ""))
        op.action = req->action;
    return op;
}

ens_status ens__rpc_plan_from_request(const ens_client *c, const ens_rpc_request *req, ens__rpc_plan *p,
                                      ens_error *e)
{
    ens__query q = ENS__QUERY_INIT;
    size_t alen, i;
    ens_status st;

    memset(p, 0, sizeof(*p));
    if ((st = check(req, e)) != ENS_OK)
        return st;
    if (req->endpoint) {
        if ((st = ens__endpoint_parse(req->endpoint, &p->endpoint, e)) != ENS_OK ||
            (st = ens__client_endpoint_allowed(c, &p->endpoint, e)) != ENS_OK)
            goto fail;
        p->op.endpoint = &p->endpoint;
    }
    for (i = 0; i < req->param_count; i++) {
        const ens_rpc_param *rp = &req->params[i];
        st = rp->flags & ENS_RPC_PARAM_SECRET ? ens__query_add_secret(&q, rp->name, rp->value)
                                               : ens__query_add(&q, rp->name, rp->value);
        if (st != ENS_OK) {
            ens__error_set(e, st, "%s: building the query", ens_strerror(st));
            goto fail;
        }
    }
    if ((st = ens__rpc_plan_set_query(p, &q, e)) != ENS_OK)
        goto fail;
    /* The names, copied into one block: "action\0version\0". */
    alen = strlen(req->action);
    p->names = ens__malloc(alen + strlen(req->api_version) + 2);
    if (!p->names) {
        st = ens__error_set(e, ENS_ENOMEM, "out of memory: copying the request");
        goto fail;
    }
    memcpy(p->names, req->action, alen + 1);
    strcpy(p->names + alen + 1, req->api_version);
    p->op.action = p->names;
    p->op.version = p->names + alen + 1;
    p->op.anonymous = req->anonymous;
    p->op.decode = decode;
    p->op.free_result = free_result;
    p->op.summarize = summarize;
    ens__query_free(&q);
    return ENS_OK;

fail:
    ens__query_free(&q);
    ens__rpc_plan_clear(p);
    return st;
}

ENS_EXTERN ens_status ens_rpc_call(ens_client *client, const ens_rpc_request *req,
                                   const ens_call_options *opts, ens_rpc_response **out,
                                   ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens__rpc_plan plan;
    void *result = NULL;
    ens_status st;

    if (!client || !req || !out)
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: NULL client, request or out");
    else if ((st = ens__call_check_options(opts, &e)) == ENS_OK)
        st = ens__rpc_plan_from_request(client, req, &plan, &e);
    if (st != ENS_OK) {
        ens__rpc_op refused = ens__rpc_refused_op(req);
        return ens__call_refuse(client, &refused, st, &e, err);
    }
    st = ens__call_blocking(client, &plan, opts, &result, err);
    ens__rpc_plan_clear(&plan);
    if (st == ENS_OK)
        *out = result;
    return st;
}
