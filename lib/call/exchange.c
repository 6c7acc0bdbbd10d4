/* SPDX-License-Identifier: MIT */
/* One exchange of an RPC-style call (see exchange.h): canonical query ->
 * signable -> credentials -> signer -> ens_http_request, and the answer ->
 * result or error.  Each step lives in its own file; this one wires them. */
#include "call/exchange.h"

#include <string.h>

#include "call/client_internal.h"
#include "json/parser.h"
#include "sign/acs3.h"
#include "sign/signable.h"
#include "util/alloc.h"
#include "util/error.h"

static const ens__endpoint *endpoint_of(const ens_client *c, const ens__rpc_op *op)
{
    return op->endpoint ? op->endpoint : &c->endpoint;
}

ens_status ens__rpc_plan_set_query(ens__rpc_plan *p, ens__query *q, ens_error *e)
{
    ens_status st = ens__query_canonical(q, &p->query);
    if (st == ENS_OK && ens__query_has_secret(q))
        st = ens__query_shown(q, &p->shown_query);
    if (st != ENS_OK)
        return ens__error_set(e, st, "%s: building the query", ens_strerror(st));
    return ENS_OK;
}

void ens__rpc_plan_clear(ens__rpc_plan *p)
{
    ens__free_wipe_str(p->query);
    ens__free(p->shown_query);
    ens__free(p->names);
    ens__endpoint_free(&p->endpoint);
    memset(p, 0, sizeof(*p));
}

static ens_status build_signable(ens_client *c, const ens__rpc_op *op, const char *query,
                                 ens_signable **out, ens_error *err)
{
    ens_signable *s = NULL;
    ens_status st = ens_signable_new(&s, "POST", endpoint_of(c, op)->host_header, "/", query);
    if (st != ENS_OK)
        return ens__error_set(err, st, "%s: building the request", ens_strerror(st));
    if ((st = ens_signable_set_header(s, "x-acs-action", op->action)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-version", op->version)) != ENS_OK ||
        (st = ens_signable_set_header(s, "accept", "application/json")) != ENS_OK ||
        (st = ens_signable_set_header(s, "user-agent", c->user_agent)) != ENS_OK) {
        ens_signable_free(s);
        return ens__error_set(err, st, "%s: building the request headers", ens_strerror(st));
    }
    if (c->clock)
        ens_signable_set_clock(s, c->clock, c->hooks_payload);
    if (c->nonce)
        ens_signable_set_nonce_source(s, c->nonce, c->hooks_payload);
    *out = s;
    return ENS_OK;
}

/* Anonymous mode: the date and nonce a signed request carries, no
 * credentials, no Authorization. */
static ens_status stamp(ens_signable *s, ens_error *err)
{
    char date[32], nonce[65];
    ens_status st;
    if (ens__acs3_date(ens_signable_now(s), date) < 0)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: the clock returned an unusable time");
    if ((st = ens_signable_nonce(s, nonce)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-date", date)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-signature-nonce", nonce)) != ENS_OK)
        return ens__error_set(err, st, "%s: stamping the anonymous request", ens_strerror(st));
    return ENS_OK;
}

/* Everything before the transport: build, resolve credentials (within the
 * attempt's budget and token), sign.  The AccessKey ID used goes to key_id
 * (cap bytes). */
static ens_status prepare(ens_client *c, const ens__rpc_op *op, const char *query, long budget_ms,
                          const ens_cancel *cancel, ens_signable **out, char *key_id, size_t cap,
                          ens_error *err)
{
    ens_credentials *creds = NULL;
    ens_signable *s = NULL;
    ens_status st;

    if ((st = build_signable(c, op, query, &s, err)) != ENS_OK)
        return st;
    if (op->anonymous) {
        if ((st = stamp(s, err)) != ENS_OK) {
            ens_signable_free(s);
            return st;
        }
        *out = s;
        return ENS_OK;
    }
    st = ens_credentials_provider_get_ex(
        c->credentials,
        &(ens_credentials_get_options){.version = ENS_CREDENTIALS_GET_OPTIONS_VERSION, .timeout_ms = budget_ms,
                                       .cancel = cancel, .log_fn = c->log_fn, .log_payload = c->log_payload,
                                       .log_level = c->log_level},
        &creds, err);
    if (st == ENS_OK) {
        ens__strlcpy(key_id, cap, ens_credentials_access_key_id(creds));
        st = ens_signer_sign(c->signer, s, creds, err);
        if (st != ENS_OK && err && err->status != st)
            ens__error_set(err, st, "%s: signing the request failed", ens_strerror(st));
    }
    ens_credentials_release(creds);
    if (st != ENS_OK) {
        ens_signable_free(s);
        return st;
    }
    *out = s;
    return ENS_OK;
}

static void log_request(const ens_client *c, const ens__rpc_plan *plan, const ens_signable *s)
{
    size_t i, n = ens_signable_header_count(s);
    const char *query = plan->shown_query ? plan->shown_query : plan->query;
    if (!c->log_fn || c->log_level < ENS_LOG_DEBUG)
        return;
    ens__client_log(c, ENS_LOG_DEBUG, "> POST %s/%s%s", endpoint_of(c, &plan->op)->base, *query ? "?" : "",
                    query);
    for (i = 0; i < n; i++) {
        const char *name, *value;
        ens_signable_header_at(s, i, &name, &value);
        if (strcmp(name, "authorization") == 0 || strcmp(name, "x-acs-security-token") == 0)
            ens__client_log(c, ENS_LOG_DEBUG, "> %s: [redacted]", name);
        else
            ens__client_log(c, ENS_LOG_DEBUG, "> %s: %.200s", name, value);
    }
}

void ens__exchange_clear(ens__exchange *x)
{
    ens__buf_wipe_free(&x->url); /* its query may hold a secret parameter; wipes url_room in use */
    ens_signable_free(x->signable);
    memset(x, 0, sizeof(*x));
}

ens_status ens__exchange_prepare(ens_client *c, const ens__rpc_plan *plan, long budget_ms,
                                 const ens_cancel *cancel, ens__exchange *x, ens_error *e)
{
    const char *base = endpoint_of(c, &plan->op)->base, *query;
    ens_status st;
    memset(x, 0, sizeof(*x));
    if ((st = prepare(c, &plan->op, plan->query, budget_ms, cancel, &x->signable, x->key_id,
                      sizeof(x->key_id), e)) != ENS_OK)
        return st;
    query = ens_signable_canonical_query(x->signable);
    ens__buf_init_on(&x->url, x->url_room, sizeof(x->url_room));
    ens__buf_grow(&x->url, strlen(base) + 2 + strlen(query)); /* once: no copy of a secret left behind */
    ens__buf_puts(&x->url, base);
    ens__buf_puts(&x->url, "/");
    if (*query) {
        ens__buf_putc(&x->url, '?');
        ens__buf_puts(&x->url, query);
    }
    if (x->url.oom) {
        ens__exchange_clear(x);
        return ens__error_set(e, ENS_ENOMEM, "out of memory: preparing the exchange");
    }
    x->http.version = ENS_HTTP_REQUEST_VERSION;
    x->http.method = ens_signable_method(x->signable);
    x->http.url = ens__buf_cstr(&x->url);
    x->http.headers = ens__signable_headers(x->signable, &x->http.header_count);
    x->http.body = ens_signable_body(x->signable, &x->http.body_len);
    x->http.connect_timeout_ms = c->connect_timeout_ms < budget_ms ? c->connect_timeout_ms : budget_ms;
    x->http.timeout_ms = budget_ms;
    x->http.max_response_bytes = c->max_response_bytes;
    x->http.cancel = cancel;
    ens__metrics_sent(&c->metrics, &x->http); /* metrics */
    log_request(c, plan, x->signable);
    return ENS_OK;
}

ens_status ens__exchange_interpret(ens_client *c, const ens__rpc_op *op, const ens_http_response *resp,
                                   void **out, ens_error *e)
{
    long status = ens_http_response_status(resp);
    size_t body_len;
    const char *body = ens_http_response_body(resp, &body_len);
    const char *rid = ens_http_response_header(resp, "x-acs-request-id");
    ens_status st;
    ens__client_log(c, ENS_LOG_DEBUG, "< HTTP %ld, %zu body bytes, x-acs-request-id %.80s", status,
                    body_len, rid ? rid : "-");
    if (status < 200 || status > 299)
        return ens__parse_error_body(body, body_len, status, e);
    st = op->decode(resp, out, e);
    if (st != ENS_OK && e)
        e->http_status = status;
    return st;
}
