/* SPDX-License-Identifier: MIT */
/* Assumed roles: STS AssumeRole signed with a source provider's credentials
 * (RamRoleArn, and a chain of roles when the source is itself a role) and
 * AssumeRoleWithOIDC, unsigned, with a token read from a file (RRSA).
 *
 * Each provider holds an ens_client of its own, made at the first fetch and
 * pointed at STS, and calls the action through the engine of the library's
 * generic RPC call (call/rpc_internal.h, call/blocking.h): the same signer,
 * transport, retries, deadline and error mapping as any call.  Only the
 * decoder differs from ens_rpc_call()'s: the answer is read by the library's
 * own JSON scanner straight into credentials (document.c), so that no parser
 * tree or buffer holds the secret or the token after the read.
 *
 * The raw providers fetch on every get; the public constructors wrap them in
 * the cache (refresh before expiry, single flight, keep valid credentials
 * when a refresh fails). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "call/blocking.h"
#include "call/rpc_internal.h"
#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/error.h"
#include "util/url.h"
#include "ensclient/client.h"
#include "ensclient/rpc.h"

#define FAIL ENS__CRED_FAIL

typedef struct sts_ctx {
    ens__cred_opts o;                 /* first: see ens__cred_opts_provider() */
    bool oidc;                        /* AssumeRoleWithOIDC, else AssumeRole */
    ens_credentials_provider *source; /* AssumeRole's source, owned; NULL for OIDC */
    pthread_mutex_t mu;               /* guards client */
    bool mu_ready;
    ens_client *client;               /* made at the first fetch */
} sts_ctx;

/* ---- what the STS client holds: views of things the provider owns ---- */

/* The source provider, lent to the client (which frees what it is given):
 * get and invalidate go to the source; freeing the view leaves it alone.
 * Without a source (OIDC, whose call is unsigned) get fails. */
static ens_status lent_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                           ens_error *err)
{
    if (!ctx)
        return FAIL(err, "AssumeRoleWithOIDC is sent without credentials");
    return ens_credentials_provider_get_ex(ctx, opts, out, err);
}

static void lent_invalidate(void *ctx) { ens_credentials_provider_invalidate(ctx); }

static const ens_credentials_provider_vtable lent_vtable = ENS__CRED_VTABLE(lent_get, NULL, lent_invalidate);

/* The transport of the options (borrowed by the provider), lent likewise. */
static ens_status lent_send(void *ctx, const ens_http_request *req, ens_http_response *resp, ens_error *err)
{
    return ens_transport_send(ctx, req, resp, err);
}

static const ens_transport_vtable lent_transport_vtable = {.version = ENS_TRANSPORT_VTABLE_VERSION,
                                                           .send = lent_send};

/* c->client, made on first use.  Called with c->mu held. */
static ens_status client_locked(sts_ctx *c, ens_error *err)
{
    ens_client_options co = ENS_CLIENT_OPTIONS_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_status st;
    if (c->client)
        return ENS_OK;
    co.endpoint = ENS_DEFAULT_STS_ENDPOINT; /* each call names the endpoint of its fetch */
    co.timeout_ms = c->o.sts_timeout_ms;
    co.user_agent_suffix = "credentials";
    st = ens_credentials_provider_new(&co.credentials, &lent_vtable, c->source);
    if (st == ENS_OK && c->o.transport)
        st = ens_transport_new(&co.transport, &lent_transport_vtable, c->o.transport);
    if (st == ENS_OK)
        st = ens_client_new(&c->client, &co, &e); /* owns both views, also on failure */
    else
        ens_credentials_provider_free(co.credentials);
    if (st == ENS_ENOMEM)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: the STS client");
    if (st != ENS_OK)
        return FAIL(err, "cannot make the STS client: %s", e.description[0] ? e.description : ens_strerror(st));
    return ENS_OK;
}

/* ---- the answer ---- */

static ens_status decode(const ens_http_response *resp, void **out, ens_error *e)
{
    ens_credentials *creds = NULL;
    size_t len = 0;
    const char *body = ens_http_response_body(resp, &len);
    ens_status st = ens__cred_from_json(body, len, ENS__CRED_DOC_STS, "the STS answer", &creds, e);
    if (st == ENS_ECREDENTIALS && e) {
        /* a 2xx answer the library cannot use: a parse error of the call */
        char reason[sizeof(e->description)];
        ens__strlcpy(reason, sizeof(reason), ens__cred_reason(e));
        st = ens__error_set(e, ENS_EPARSE, "response parse error: %s", reason);
    } else if (st == ENS_ECREDENTIALS) {
        st = ENS_EPARSE;
    }
    if (st == ENS_OK)
        *out = creds;
    return st;
}

static void free_result(void *result) { ens_credentials_release(result); }

static void summarize(const void *result, char *buf, size_t cap)
{
    snprintf(buf, cap, "temporary AccessKey %s", ens_credentials_access_key_id(result));
}

/* ---- one fetch ---- */

/* The STS endpoint of this fetch: the option, else the region's (VPC or
 * not), else the default.  ENS_OK or ENS_ECREDENTIALS. */
static ens_status endpoint_of(const ens__cred_opts *o, char *dst, size_t cap, ens_error *err)
{
    const char *region = o->sts_region ? o->sts_region : ens__cred_getenv(o, "ALIBABA_CLOUD_STS_REGION");
    bool vpc = o->sts_vpc || ens__cred_env_true(o, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
    size_t i;
    if (o->sts_endpoint) {
        ens__strlcpy(dst, cap, o->sts_endpoint);
        return ENS_OK;
    }
    if (!region) {
        ens__strlcpy(dst, cap, ENS_DEFAULT_STS_ENDPOINT);
        return ENS_OK;
    }
    for (i = 0; region[i]; i++)
        if (!((region[i] >= 'a' && region[i] <= 'z') || (region[i] >= '0' && region[i] <= '9') ||
              region[i] == '-') ||
            i >= 64)
            return FAIL(err, "%s is not an STS region such as cn-hangzhou",
                        o->sts_region ? "the sts_region option" : "ALIBABA_CLOUD_STS_REGION");
    snprintf(dst, cap, "https://sts%s.%s.aliyuncs.com", vpc ? "-vpc" : "", region);
    return ENS_OK;
}

/* A value of this fetch: the option, else the variable, else NULL. */
static const char *opt_or_env(const ens__cred_opts *o, const char *opt, const char *var)
{
    return opt ? opt : ens__cred_getenv(o, var);
}

/* The OIDC token from path into *data (wiped later), surrounding white
 * space cut: *token points into it. */
static ens_status read_token(const char *path, const ens__cred_call *call, char **data, size_t *len,
                             const char **token, ens_error *err)
{
    char *b, *e;
    ens_status st = ens__cred_read_file(path, call, NULL, data, len, err);
    if (st != ENS_OK)
        return st;
    b = *data;
    e = b + *len;
    while (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    *e = '\0';
    if (b == e)
        return FAIL(err, "the OIDC token file %s is empty", path);
    *token = b;
    return ENS_OK;
}

/* Runs the call of req on c's client within call; the credentials land in
 * *out.  A failure becomes ENS_ECREDENTIALS naming `what`, unless the
 * caller's deadline or token ended it. */
static ens_status sts_call(sts_ctx *c, const ens__cred_call *call, const ens_rpc_request *req,
                           const char *what, ens_credentials **out, ens_error *err)
{
    ens_call_options copts = ENS_CALL_OPTIONS_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens__rpc_plan plan;
    void *result = NULL;
    long left = ens__cred_call_left(call);
    ens_status st;

    pthread_mutex_lock(&c->mu);
    st = client_locked(c, err);
    pthread_mutex_unlock(&c->mu);
    if (st != ENS_OK)
        return st;
    if ((st = ens__cred_call_check(call, what, err)) != ENS_OK)
        return st;
    copts.timeout_ms = left < c->o.sts_timeout_ms ? left : c->o.sts_timeout_ms;
    copts.cancel = call->cancel;
    st = ens__rpc_plan_from_request(c->client, req, &plan, &e);
    if (st == ENS_OK) {
        plan.op.decode = decode;
        plan.op.free_result = free_result;
        plan.op.summarize = summarize;
        st = ens__call_blocking(c->client, &plan, &copts, &result, &e);
        ens__rpc_plan_clear(&plan);
    }
    if (st == ENS_OK) {
        *out = result;
        return ENS_OK;
    }
    return ens__cred_exchange_failed(call, st, &e, what, err);
}

static ens_status sts_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                          ens_error *err)
{
    sts_ctx *c = ctx;
    const ens__cred_opts *o = &c->o;
    ens_rpc_request req = ENS_RPC_REQUEST_INIT;
    ens_rpc_param p[7];
    ens__cred_call call;
    char endpoint[256], shown_ep[256], shown_role[160], what[512], session[64], duration[24];
    const char *role, *session_name, *provider_arn = NULL, *token_file = NULL, *token = NULL;
    char *data = NULL;
    size_t n = 0, len = 0;
    ens_status st;

    ens__cred_call_from(&call, opts);
    if (c->oidc) {
        if (!(token_file = opt_or_env(o, o->oidc_token_file, "ALIBABA_CLOUD_OIDC_TOKEN_FILE")))
            return FAIL(err, "ALIBABA_CLOUD_OIDC_TOKEN_FILE is not set");
        if (!(provider_arn = opt_or_env(o, o->oidc_provider_arn, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN")))
            return FAIL(err, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN is not set");
    }
    if (!(role = opt_or_env(o, o->role_arn, "ALIBABA_CLOUD_ROLE_ARN")))
        return FAIL(err, "ALIBABA_CLOUD_ROLE_ARN is not set");
    if ((st = endpoint_of(o, endpoint, sizeof(endpoint), err)) != ENS_OK)
        return st;
    session_name = opt_or_env(o, o->role_session_name, "ALIBABA_CLOUD_ROLE_SESSION_NAME");
    if (!session_name) {
        snprintf(session, sizeof(session), "ensclient-%lld", (long long)time(NULL));
        session_name = session;
    }
    snprintf(duration, sizeof(duration), "%ld", o->role_duration_s ? o->role_duration_s : ENS_DEFAULT_ROLE_DURATION_S);
    ens__url_display(shown_ep, sizeof(shown_ep), endpoint);
    ens__cred_shown_name(shown_role, sizeof(shown_role), role);
    snprintf(what, sizeof(what), "STS %s at %s for role '%s'", c->oidc ? "AssumeRoleWithOIDC" : "AssumeRole",
             shown_ep, shown_role);

    p[n++] = (ens_rpc_param){"RoleArn", role, 0};
    p[n++] = (ens_rpc_param){"RoleSessionName", session_name, 0};
    p[n++] = (ens_rpc_param){"DurationSeconds", duration, 0};
    if (o->role_policy)
        p[n++] = (ens_rpc_param){"Policy", o->role_policy, 0};
    if (c->oidc) {
        if ((st = read_token(token_file, &call, &data, &len, &token, err)) != ENS_OK)
            goto done;
        p[n++] = (ens_rpc_param){"OIDCProviderArn", provider_arn, 0};
        p[n++] = (ens_rpc_param){"OIDCToken", token, ENS_RPC_PARAM_SECRET};
    } else if (o->role_external_id) {
        p[n++] = (ens_rpc_param){"ExternalId", o->role_external_id, 0};
    }
    req.action = c->oidc ? "AssumeRoleWithOIDC" : "AssumeRole";
    req.api_version = ENS_STS_API_VERSION;
    req.endpoint = endpoint;
    req.params = p;
    req.param_count = n;
    req.anonymous = c->oidc;
    st = sts_call(c, &call, &req, what, out, err);
done:
    ens__cred_file_free(data, len);
    return st;
}

/* ---- constructors ---- */

static void sts_destroy(void *ctx)
{
    sts_ctx *c = ctx;
    ens_client_free(c->client);
    ens_credentials_provider_free(c->source);
    if (c->mu_ready)
        pthread_mutex_destroy(&c->mu);
    ens__cred_opts_ctx_free(c);
}

static const ens_credentials_provider_vtable sts_vtable = ENS__CRED_VTABLE(sts_get, sts_destroy, NULL);

static ens_status sts_init(void *ctx, void *arg)
{
    sts_ctx *c = ctx;
    ens_credentials_provider **source = arg; /* AssumeRole: taken from the caller */
    if (source) {
        c->source = *source;
        *source = NULL;
    } else {
        c->oidc = true;
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0)
        return ENS_ENOMEM;
    c->mu_ready = true;
    return ENS_OK;
}

ens_status ens__cred_oidc_raw_new(ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return ens__cred_opts_provider(out, opts, sizeof(sts_ctx), &sts_vtable, "oidc", sts_init, NULL);
}

ENS_EXTERN ens_status ens_credentials_provider_ram_role_arn_new(ens_credentials_provider **out,
                                                                ens_credentials_provider *source,
                                                                const ens_credentials_provider_options *opts)
{
    ens_credentials_provider *inner = NULL;
    ens_credentials_cache_options co;
    ens_status st = ENS_EINVAL;
    if (out && source)
        st = ens__cred_opts_provider(&inner, opts, sizeof(sts_ctx), &sts_vtable, "ram role arn", sts_init,
                                     &source);
    ens_credentials_provider_free(source); /* NULL once the provider took it */
    if (st != ENS_OK)
        return st;
    ens__cred_cache_opts(opts, &co);
    return ens_credentials_provider_cached_new(out, inner, &co);
}

ENS_EXTERN ens_status ens_credentials_provider_oidc_new(ens_credentials_provider **out,
                                                        const ens_credentials_provider_options *opts)
{
    return ens__cred_cached(out, opts, ens__cred_oidc_raw_new);
}
