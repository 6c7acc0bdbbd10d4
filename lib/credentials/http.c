/* SPDX-License-Identifier: MIT */
/* HTTP credentials providers: the instance RAM role (metadata service) and
 * the credentials URI.  The raw providers here fetch on every get; the public
 * constructors wrap them in the cache (cache.c).  Requests go through an
 * ens_transport so that tests and hosts can substitute one; each is cut to
 * the time left to the caller's deadline and carries its token.  The
 * default transport uses no proxy at all: both answers are secrets, often
 * fetched over plain http. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "credentials/internal.h"
#include "transport/http_response.h"
#include "util/error.h"
#include "util/url.h"

#define FAIL ENS__CRED_FAIL

/* Largest metadata or credentials URI response body accepted. */
#define MAX_RESPONSE_BYTES (64u * 1024u)

#define ROLE_NAME_MAX 128

typedef struct http_ctx {
    ens__cred_opts o; /* first: see ens__cred_opts_provider() */
    ens_transport *own; /* created when no transport was given */
    char shown_base[256];
} http_ctx;

static ens_transport *ctx_transport(const http_ctx *c) { return c->o.transport ? c->o.transport : c->own; }

/* Wipes the body: it may hold credentials or a token. */
static void resp_wipe(ens_http_response *resp)
{
    size_t len = 0;
    const char *body = ens_http_response_body(resp, &len);
    if (body && len)
        sodium_memzero((char *)body, len);
}

static void resp_wipe_free(ens_http_response *resp)
{
    if (!resp)
        return;
    resp_wipe(resp);
    ens_http_response_free(resp);
}

/* A response whose body never moves: room for the largest body accepted is
 * made at once, so that no block holding part of a secret is left behind by
 * a growing buffer (a chunked answer arrives in pieces). */
static ens_status new_response(ens_http_response **resp, const char *what, ens_error *err)
{
    if (ens_http_response_new(resp, MAX_RESPONSE_BYTES) != ENS_OK)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: %s", what);
    if (ens__http_response_reserve_body(*resp, MAX_RESPONSE_BYTES) != ENS_OK) {
        ens_http_response_free(*resp);
        *resp = NULL;
        return ens__error_set(err, ENS_ENOMEM, "out of memory: %s", what);
    }
    return ENS_OK;
}

static long at_most(long a, long b) { return a < b ? a : b; }

/* One exchange within what is left of call.  On a transport failure, fills
 * err with "credentials unavailable: <what>: <the transport's description>"
 * and returns ENS_ECREDENTIALS (or ENS_ENOMEM); when the caller's deadline
 * or token ended it, ENS_ETIMEOUT or ENS_ECANCELED instead. */
static ens_status exchange(const http_ctx *c, const ens__cred_call *call, const char *method,
                           const char *url, const ens_http_header *hdrs, size_t nh,
                           ens_http_response *resp, const char *what, ens_error *err)
{
    ens_http_request req;
    ens_error terr = ENS_ERROR_INIT;
    long left = ens__cred_call_left(call);
    ens_status st;
    if ((st = ens__cred_call_check(call, what, err)) != ENS_OK)
        return st;
    memset(&req, 0, sizeof(req));
    req.version = ENS_HTTP_REQUEST_VERSION;
    req.method = method;
    req.url = url;
    req.headers = hdrs;
    req.header_count = nh;
    req.connect_timeout_ms = at_most(c->o.connect_timeout_ms, left);
    req.timeout_ms = at_most(c->o.timeout_ms, left);
    req.max_response_bytes = MAX_RESPONSE_BYTES;
    req.cancel = call->cancel;
    st = ens_transport_send(ctx_transport(c), &req, resp, &terr);
    if (st == ENS_OK)
        return ENS_OK;
    return ens__cred_exchange_failed(call, st, &terr, what, err);
}

static bool valid_role(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > ROLE_NAME_MAX)
        return false;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

/* ======================= instance RAM role ======================= */

static ens_status ram_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                          ens_error *err)
{
    http_ctx *c = ctx;
    ens__cred_call call;
    const char *base = c->o.metadata_base_url, *sb = c->shown_base, *role_src, *body;
    ens__buf url = ENS__BUF_INIT;
    ens_http_response *resp = NULL;
    ens_http_header hdr;
    char ttl[32], role[ROLE_NAME_MAX + 1], source[ROLE_NAME_MAX + 320];
    char *token = NULL;
    size_t base_len = strlen(base), len = 0, n;
    bool v1_disabled;
    long status;
    ens_status st;

    ens__cred_call_from(&call, opts);
    if (ens__cred_env_true(&c->o, "ALIBABA_CLOUD_ECS_METADATA_DISABLED"))
        return FAIL(err, "disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    v1_disabled = c->o.metadata_v1_disabled || ens__cred_env_true(&c->o, "ALIBABA_CLOUD_IMDSV1_DISABLED");
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    if ((st = new_response(&resp, "metadata request", err)) != ENS_OK)
        return st;

    /* 1. session token */
    snprintf(ttl, sizeof(ttl), "%ld", c->o.metadata_token_ttl_s);
    hdr.name = "X-aliyun-ecs-metadata-token-ttl-seconds";
    hdr.value = ttl;
    ens__buf_put(&url, base, base_len);
    ens__buf_puts(&url, "/latest/api/token");
    if (url.oom) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: metadata request");
        goto done;
    }
    st = exchange(c, &call, "PUT", url.ptr, &hdr, 1, resp, "metadata service session token request", err);
    if (st != ENS_OK)
        goto done;
    status = ens_http_response_status(resp);
    if (status == 200) {
        const char *b = ens_http_response_body(resp, &len), *e;
        while (len && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) {
            b++;
            len--;
        }
        e = b + len;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        if (e == b || memchr(b, '\r', (size_t)(e - b)) || memchr(b, '\n', (size_t)(e - b)) ||
            memchr(b, '\0', (size_t)(e - b))) {
            st = FAIL(err, "metadata service %s: the session token answer is empty or malformed", sb);
            goto done;
        }
        token = ens__secret_alloc((size_t)(e - b) + 1);
        if (!token) {
            st = ens__error_set(err, ENS_ENOMEM, "out of memory: metadata session token");
            goto done;
        }
        memcpy(token, b, (size_t)(e - b));
        token[e - b] = '\0';
    } else if (v1_disabled) {
        st = FAIL(err, "metadata service %s: the session token request answered HTTP %ld", sb, status);
        goto done;
    } /* else: an old metadata service; go on without a token */
    resp_wipe(resp);
    hdr.name = "X-aliyun-ecs-metadata-token";
    hdr.value = token;

    /* 2. role name */
    role_src = c->o.metadata_role_name ? c->o.metadata_role_name
                                       : ens__cred_getenv(&c->o, "ALIBABA_CLOUD_ECS_METADATA");
    if (role_src) {
        if (!valid_role(role_src, strlen(role_src))) {
            st = FAIL(err, "%s holds an invalid RAM role name",
                      c->o.metadata_role_name ? "the metadata_role_name option"
                                              : "ALIBABA_CLOUD_ECS_METADATA");
            goto done;
        }
        ens__strlcpy(role, sizeof(role), role_src);
    } else {
        ens__buf_clear(&url);
        ens__buf_put(&url, base, base_len);
        ens__buf_puts(&url, "/latest/meta-data/ram/security-credentials/");
        if (url.oom) {
            st = ens__error_set(err, ENS_ENOMEM, "out of memory: metadata request");
            goto done;
        }
        st = exchange(c, &call, "GET", url.ptr, &hdr, token ? 1 : 0, resp,
                      "metadata service RAM role discovery", err);
        if (st != ENS_OK)
            goto done;
        status = ens_http_response_status(resp);
        if (status == 404) {
            st = FAIL(err, "metadata service %s: no RAM role is attached to this instance (HTTP 404)", sb);
            goto done;
        }
        if (status != 200) {
            st = FAIL(err, "metadata service %s: RAM role discovery answered HTTP %ld", sb, status);
            goto done;
        }
        body = ens_http_response_body(resp, &len);
        while (len && (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')) {
            body++;
            len--;
        }
        n = strcspn(body, "\r\n");
        if (n > len)
            n = len;
        while (n && (body[n - 1] == ' ' || body[n - 1] == '\t'))
            n--;
        if (n == 0) {
            st = FAIL(err, "metadata service %s: no RAM role is attached to this instance (empty answer)",
                      sb);
            goto done;
        }
        if (!valid_role(body, n)) {
            st = FAIL(err, "metadata service %s: RAM role discovery returned an invalid role name", sb);
            goto done;
        }
        memcpy(role, body, n);
        role[n] = '\0';
    }

    /* 3. credentials of the role */
    ens__buf_clear(&url);
    ens__buf_put(&url, base, base_len);
    ens__buf_puts(&url, "/latest/meta-data/ram/security-credentials/");
    ens__buf_puts(&url, role);
    if (url.oom) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: metadata request");
        goto done;
    }
    snprintf(source, sizeof(source), "metadata service %s role '%s'", sb, role);
    st = exchange(c, &call, "GET", url.ptr, &hdr, token ? 1 : 0, resp, source, err);
    if (st != ENS_OK)
        goto done;
    status = ens_http_response_status(resp);
    if (status == 404) {
        st = FAIL(err, "%s: the role is not attached to this instance (HTTP 404)", source);
        goto done;
    }
    if (status != 200) {
        st = FAIL(err, "%s: the credentials request answered HTTP %ld", source, status);
        goto done;
    }
    body = ens_http_response_body(resp, &len);
    st = ens__cred_from_json(body, len, ENS__CRED_DOC_METADATA, source, out, err);

done:
    resp_wipe_free(resp);
    ens__secret_free(token);
    ens__buf_free(&url);
    return st;
}

/* ======================= credentials URI ======================= */

static ens_status uri_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                          ens_error *err)
{
    http_ctx *c = ctx;
    ens__cred_call call;
    const char *uri = c->o.credentials_uri ? c->o.credentials_uri
                                           : ens__cred_getenv(&c->o, "ALIBABA_CLOUD_CREDENTIALS_URI");
    ens_http_response *resp = NULL;
    ens__url u;
    char shown[300], source[340];
    const char *body;
    size_t len = 0;
    long status;
    ens_status st;

    ens__cred_call_from(&call, opts);
    if (!uri)
        return FAIL(err, "ALIBABA_CLOUD_CREDENTIALS_URI is not set");
    ens__url_display(shown, sizeof(shown), uri);
    ens__url_split(uri, ENS__URL_BARE_HOST, &u);
    if (!ens__url_http_scheme(&u, NULL))
        return FAIL(err, "credentials URI %s is not an http or https URL", shown);
    if (strpbrk(uri, "\r\n \t"))
        return FAIL(err, "credentials URI %s holds white space", shown);
    snprintf(source, sizeof(source), "credentials URI %s", shown);
    if ((st = new_response(&resp, "credentials URI request", err)) != ENS_OK)
        return st;
    st = exchange(c, &call, "GET", uri, NULL, 0, resp, source, err);
    if (st != ENS_OK)
        goto done;
    status = ens_http_response_status(resp);
    if (status != 200) {
        st = FAIL(err, "%s answered HTTP %ld", source, status);
        goto done;
    }
    body = ens_http_response_body(resp, &len);
    st = ens__cred_from_json(body, len, ENS__CRED_DOC_URI, source, out, err);
done:
    resp_wipe_free(resp);
    return st;
}

/* ======================= constructors ======================= */

static void http_destroy(void *ctx)
{
    http_ctx *c = ctx;
    ens_transport_free(c->own);
    ens__cred_opts_ctx_free(c);
}

static const ens_credentials_provider_vtable ram_vtable = ENS__CRED_VTABLE(ram_get, http_destroy, NULL);
static const ens_credentials_provider_vtable uri_vtable = ENS__CRED_VTABLE(uri_get, http_destroy, NULL);

static ens_status http_init(void *ctx, void *arg)
{
    http_ctx *c = ctx;
    (void)arg;
    ens__url_display(c->shown_base, sizeof(c->shown_base), c->o.metadata_base_url);
    if (!c->o.transport) {
        ens_curl_transport_options co = ENS_CURL_TRANSPORT_OPTIONS_INIT;
        co.ignore_environment_proxies = true; /* both answers are secrets */
        return ens_transport_curl_new(&c->own, &co);
    }
    return ENS_OK;
}

ens_status ens__cred_ecs_ram_role_raw_new(ens_credentials_provider **out,
                                          const ens_credentials_provider_options *opts)
{
    return ens__cred_opts_provider(out, opts, sizeof(http_ctx), &ram_vtable, "instance RAM role", http_init,
                                   NULL);
}

ens_status ens__cred_uri_raw_new(ens_credentials_provider **out,
                                 const ens_credentials_provider_options *opts)
{
    return ens__cred_opts_provider(out, opts, sizeof(http_ctx), &uri_vtable, "credentials URI", http_init,
                                   NULL);
}

ENS_EXTERN ens_status ens_credentials_provider_ecs_ram_role_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return ens__cred_cached(out, opts, ens__cred_ecs_ram_role_raw_new);
}

ENS_EXTERN ens_status ens_credentials_provider_uri_new(ens_credentials_provider **out,
                                                       const ens_credentials_provider_options *opts)
{
    return ens__cred_cached(out, opts, ens__cred_uri_raw_new);
}
