/* The client and the describe call: validation -> query -> signable ->
 * signer -> transport -> parser.  Each step lives in its own file; this one
 * only wires them together. */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/text.h"
#include "util/buf.h"
#include "request/endpoint.h"
#include "util/error.h"
#include "json/parser.h"
#include "util/cancel.h"
#include "call/client_internal.h"
#include "request/query.h"
#include "call/retry.h"
#include "sign/signable.h"
#include "ensclient/client.h"
#include "ensclient/version.h"



ENS_EXTERN void ens_client_options_init(ens_client_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_CLIENT_OPTIONS_VERSION;
    opts->log_level = ENS_LOG_ERROR;
}

void ens__client_log(const ens_client *c, ens_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!c->log_fn || level > c->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->log_fn(c->log_payload, level, line);
}

static void release_owned(const ens_client_options *opts)
{
    if (!opts)
        return;
    ens_transport_free(opts->transport);
    ens_signer_free(opts->signer);
    ens_credentials_provider_free(opts->credentials);
}

ENS_EXTERN void ens_client_free(ens_client *client)
{
    if (!client)
        return;
    ens_transport_free(client->transport);
    ens_signer_free(client->signer);
    ens_credentials_provider_free(client->credentials);
    ens__endpoint_free(&client->endpoint);
    ens__free(client->user_agent);
    ens__ratelimit_destroy(&client->ratelimit);
    ens__free(client);
}

ENS_EXTERN ens_status ens_client_new(ens_client **out, const ens_client_options *opts,
                                     ens_error *err)
{
    ens_client_options defaults;
    ens_client *c = NULL;
    ens_status st;
    ens__buf ua = ENS__BUF_INIT;

    if (!out) {
        release_owned(opts);
        return ens__error_set(err, ENS_EINVAL, "invalid argument: out is NULL");
    }
    if (!opts) {
        ens_client_options_init(&defaults);
        opts = &defaults;
    }
    if (opts->version == 0 || opts->version > ENS_CLIENT_OPTIONS_VERSION) {
        release_owned(opts);
        return ens__error_set(err, ENS_EINVAL, "invalid argument: unknown ens_client_options version %u",
                              opts->version);
    }
    if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0 || opts->retry_base_delay_ms < 0 ||
        opts->retry_max_delay_ms < 0 || opts->rate_limit_per_second < 0 ||
        opts->rate_limit_per_second != opts->rate_limit_per_second) {
        release_owned(opts);
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: timeouts, delays and rates must not be negative");
    }
    if (ens__has_ctl(opts->user_agent_suffix)) {
        release_owned(opts);
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: user_agent_suffix contains a control character");
    }
    if (sodium_init() < 0) {
        release_owned(opts);
        return ens__error_set(err, ENS_ETRANSPORT, "transport error: libsodium failed to initialise");
    }
    c = ens__calloc(1, sizeof(*c));
    if (!c) {
        release_owned(opts);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the client");
    }
    /* From here on the client owns what the options handed over. */
    c->transport = opts->transport;
    c->signer = opts->signer;
    c->credentials = opts->credentials;
    c->log_fn = opts->log_fn;
    c->log_payload = opts->log_payload;
    c->log_level = opts->log_level;
    c->clock = opts->clock;
    c->nonce = opts->nonce;
    c->hooks_payload = opts->hooks_payload;
    c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                     : ENS_DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : ENS_DEFAULT_TIMEOUT_MS;
    c->max_response_bytes = opts->max_response_bytes ? opts->max_response_bytes
                                                     : ENS_DEFAULT_MAX_RESPONSE_BYTES;
    c->max_attempts = opts->max_attempts ? opts->max_attempts : ENS_DEFAULT_MAX_ATTEMPTS;
    c->retry_base_ms = opts->retry_base_delay_ms ? opts->retry_base_delay_ms
                                                 : ENS_DEFAULT_RETRY_BASE_DELAY_MS;
    c->retry_cap_ms = opts->retry_max_delay_ms ? opts->retry_max_delay_ms
                                               : ENS_DEFAULT_RETRY_MAX_DELAY_MS;
    c->retry_fn = opts->retry_fn;
    c->retry_payload = opts->retry_payload;
    ens__ratelimit_init(&c->ratelimit, opts->rate_limit_per_second, opts->rate_limit_burst);

    st = ens__endpoint_parse(opts->endpoint ? opts->endpoint : ENS_DEFAULT_ENDPOINT, &c->endpoint, err);
    if (st != ENS_OK)
        goto fail;
    if (!c->endpoint.https && !c->endpoint.loopback && !opts->allow_insecure_http) {
        st = ens__error_set(err, ENS_EINVAL,
                            "invalid argument: plain http to a host that is not loopback would expose "
                            "credentials; use https or set allow_insecure_http");
        goto fail;
    }
    if (!c->endpoint.https && !c->endpoint.loopback)
        ens__client_log(c, ENS_LOG_WARN, "allow_insecure_http: signed requests go over plain http to %s",
                   c->endpoint.host_header);

    ens__buf_puts(&ua, "ensclient/" ENS_VERSION_STRING);
    if (opts->user_agent_suffix && *opts->user_agent_suffix) {
        ens__buf_putc(&ua, ' ');
        ens__buf_puts(&ua, opts->user_agent_suffix);
    }
    c->user_agent = ens__buf_detach(&ua);
    if (!c->user_agent) {
        ens__buf_free(&ua);
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the client");
        goto fail;
    }

    if (!c->transport) {
        ens_curl_transport_options co = ENS_CURL_TRANSPORT_OPTIONS_INIT;
        co.proxy = opts->proxy;
        co.ca_file = opts->ca_file;
        co.insecure_skip_tls_verify = opts->insecure_skip_tls_verify;
        st = ens_transport_curl_new(&c->transport, &co);
        if (st != ENS_OK) {
            ens__error_set(err, st, "%s: cannot create the libcurl transport", ens_strerror(st));
            goto fail;
        }
        if (opts->insecure_skip_tls_verify)
            ens__client_log(c, ENS_LOG_WARN,
                       "insecure_skip_tls_verify: TLS peer verification is OFF; do not use in production");
    }
    if (!c->signer && (st = ens_signer_acs3_new(&c->signer)) != ENS_OK) {
        ens__error_set(err, st, "%s: cannot create the ACS3 signer", ens_strerror(st));
        goto fail;
    }
    if (!c->credentials && (st = ens_credentials_provider_default_chain_new(&c->credentials, NULL)) != ENS_OK) {
        ens__error_set(err, st, "%s: cannot create the default credentials chain",
                       ens_strerror(st));
        goto fail;
    }
    *out = c;
    return ENS_OK;

fail:
    ens_client_free(c);
    return st;
}

static ens_status build_signable(ens_client *c, const ens_describe_request *req, ens_signable **out,
                                 ens_error *err)
{
    ens__query q = ENS__QUERY_INIT;
    char *canonical = NULL;
    ens_signable *s = NULL;
    ens_status st;

    st = ens__query_from_request(req, &q);
    if (st == ENS_OK)
        st = ens__query_canonical(&q, &canonical);
    ens__query_free(&q);
    if (st != ENS_OK)
        return ens__error_set(err, st, "%s: building the query", ens_strerror(st));
    st = ens_signable_new(&s, "POST", c->endpoint.host_header, "/", canonical);
    ens__free(canonical);
    if (st != ENS_OK)
        return ens__error_set(err, st, "%s: building the request", ens_strerror(st));
    if ((st = ens_signable_set_header(s, "x-acs-action", ENS_ACTION)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-version", ENS_API_VERSION)) != ENS_OK ||
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

/* Everything before the transport: build, resolve credentials, sign. */
static ens_status prepare(ens_client *c, const ens_describe_request *req, ens_signable **out,
                          ens_error *err)
{
    ens_credentials *creds = NULL;
    ens_signable *s = NULL;
    ens_status st;

    if ((st = build_signable(c, req, &s, err)) != ENS_OK)
        return st;
    st = ens_credentials_provider_get(c->credentials, &creds, err);
    if (st == ENS_OK) {
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

static void log_request(const ens_client *c, const ens_signable *s, const char *url)
{
    size_t i, n = ens_signable_header_count(s);
    if (!c->log_fn || c->log_level < ENS_LOG_DEBUG)
        return;
    ens__client_log(c, ENS_LOG_DEBUG, "> POST %s", url);
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
    ens__buf_free(&x->url);
    ens_signable_free(x->signable);
    memset(x, 0, sizeof(*x));
}

ens_status ens__exchange_prepare(ens_client *c, const ens_describe_request *req, long budget_ms,
                                 const ens_cancel *cancel, ens__exchange *x, ens_error *e)
{
    ens_status st;
    memset(x, 0, sizeof(*x));
    if ((st = prepare(c, req, &x->signable, e)) != ENS_OK)
        return st;
    ens__buf_puts(&x->url, c->endpoint.base);
    ens__buf_puts(&x->url, "/");
    if (*ens_signable_canonical_query(x->signable)) {
        ens__buf_putc(&x->url, '?');
        ens__buf_puts(&x->url, ens_signable_canonical_query(x->signable));
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
    log_request(c, x->signable, x->http.url);
    return ENS_OK;
}

ens_status ens__exchange_interpret(ens_client *c, const ens_http_response *resp,
                                   ens_describe_response **out, ens_error *e)
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
    st = ens_describe_response_parse(out, body, body_len, e);
    if (st != ENS_OK && e)
        e->http_status = status;
    return st;
}

/* One attempt: sign afresh, send, interpret.  resp is reused between attempts. */
static ens_status attempt_once(ens_client *c, const ens_describe_request *req, long budget_ms,
                               const ens_cancel *cancel, ens_http_response *resp,
                               ens_describe_response **out, ens_error *e)
{
    ens__exchange x;
    ens_status st = ens__exchange_prepare(c, req, budget_ms, cancel, &x, e);
    if (st != ENS_OK)
        return st;
    st = ens_transport_send(c->transport, &x.http, resp, e);
    if (st == ENS_OK)
        st = ens__exchange_interpret(c, resp, out, e);
    ens__exchange_clear(&x);
    return st;
}

ENS_EXTERN ens_status ens_describe_peer_connections_ex(ens_client *client,
                                                       const ens_describe_request *req,
                                                       const ens_call_options *opts,
                                                       ens_describe_response **out, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens_http_response *resp = NULL;
    const ens_cancel *cancel = NULL;
    long long start, deadline;
    unsigned int attempt = 0;
    bool refreshed = false;
    long timeout_ms;
    ens_status st;

    if (!client || !req || !out) {
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: NULL client, request or out");
        goto done;
    }
    if (opts && (opts->version == 0 || opts->version > ENS_CALL_OPTIONS_VERSION || opts->timeout_ms < 0)) {
        st = ens__error_set(&e, ENS_EINVAL, "invalid argument: bad ens_call_options");
        goto done;
    }
    timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : client->timeout_ms;
    cancel = opts ? opts->cancel : NULL;
    start = ens__now_ms();
    deadline = start + timeout_ms;
    if ((st = ens_describe_request_validate(req, &e)) != ENS_OK)
        goto done;
    if (ens_http_response_new(&resp, client->max_response_bytes) != ENS_OK) {
        st = ens__error_set(&e, ENS_ENOMEM, "out of memory: preparing the exchange");
        goto done;
    }
    for (;;) {
        long remaining = (long)(deadline - ens__now_ms()), wait;
        if (ens_cancel_is_triggered(cancel)) {
            st = ens__error_set(&e, ENS_ECANCELED, "canceled after %u attempt(s)", attempt);
            break;
        }
        if (remaining <= 0) {
            if (attempt == 0 || e.status == ENS_OK)
                st = ens__error_set(&e, ENS_ETIMEOUT, "timed out: the %ld ms deadline passed", timeout_ms);
            break;
        }
        wait = ens__ratelimit_reserve(&client->ratelimit, remaining);
        if (wait < 0) {
            st = ens__error_set(&e, ENS_ETIMEOUT,
                                "timed out: the client-side rate limit would delay the call past its deadline");
            break;
        }
        if (wait > 0) {
            if (ens__cancel_wait(cancel, wait)) {
                st = ens__error_set(&e, ENS_ECANCELED, "canceled after %u attempt(s)", attempt);
                break;
            }
            remaining = (long)(deadline - ens__now_ms());
            if (remaining <= 0) {
                st = ens__error_set(&e, ENS_ETIMEOUT, "timed out: the %ld ms deadline passed", timeout_ms);
                break;
            }
        }
        attempt++;
        ens_error_init(&e);
        st = attempt_once(client, req, remaining, cancel, resp, out, &e);
        if (st == ENS_OK)
            break;
        if (st == ENS_ECANCELED || ens_cancel_is_triggered(cancel)) {
            st = ens__error_set(&e, ENS_ECANCELED, "canceled during attempt %u", attempt);
            break;
        }
        if (st == ENS_EAUTH && !refreshed && strncmp(e.code, "InvalidSecurityToken", 20) == 0) {
            /* The STS token expired or was revoked: drop cached credentials,
               fetch fresh ones and try once more, at once. */
            refreshed = true;
            ens_credentials_provider_invalidate(client->credentials);
            ens__client_log(client, ENS_LOG_INFO,
                            "%s: %s; refreshing the credentials and retrying once", ENS_ACTION, e.code);
            continue;
        }
        if (attempt >= client->max_attempts + (refreshed ? 1u : 0u) ||
            !ens__retry_is_retryable(st, &e, resp))
            break;
        e.status = st;
        e.attempts = attempt;
        if (client->retry_fn && !client->retry_fn(client->retry_payload, attempt, &e))
            break;
        wait = ens__retry_delay_ms(attempt, client->retry_base_ms, client->retry_cap_ms, resp);
        remaining = (long)(deadline - ens__now_ms());
        if (wait >= remaining) {
            ens__client_log(client, ENS_LOG_INFO, "%s: not retrying, the deadline is too close: %s",
                       ENS_ACTION, e.description);
            break;
        }
        ens__client_log(client, ENS_LOG_INFO, "%s: attempt %u/%u failed, retrying in %ld ms: %s", ENS_ACTION,
                   attempt, client->max_attempts, wait, e.description);
        if (ens__cancel_wait(cancel, wait)) {
            st = ens__error_set(&e, ENS_ECANCELED, "canceled after %u attempt(s)", attempt);
            break;
        }
    }
    if (st == ENS_OK)
        ens__client_log(client, ENS_LOG_INFO, "%s: HTTP %ld, %zu connection(s), RequestId %s, %u attempt(s), %lld ms",
                   ENS_ACTION, ens_http_response_status(resp), (*out)->connections_count,
                   (*out)->request_id ? (*out)->request_id : "-", attempt, ens__now_ms() - start);

done:
    if (st != ENS_OK) {
        e.status = st;
        e.attempts = attempt;
        if (client)
            ens__client_log(client, ENS_LOG_ERROR, "%s: %s", ENS_ACTION, e.description);
        if (err)
            *err = e;
    }
    ens_http_response_free(resp);
    return st;
}

ENS_EXTERN ens_status ens_describe_peer_connections(ens_client *client,
                                                    const ens_describe_request *req,
                                                    ens_describe_response **out, ens_error *err)
{
    return ens_describe_peer_connections_ex(client, req, NULL, out, err);
}
