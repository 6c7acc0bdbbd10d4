/* SPDX-License-Identifier: MIT */
/* The client object: its options, defaults, owned parts and log callback.
 * A call's exchange is exchange.c, its policy call.c, the blocking driver
 * blocking.c, and DescribeNetworkPeerConnections itself describe.c. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/text.h"
#include "util/utf8.h"
#include "util/buf.h"
#include "request/endpoint.h"
#include "util/error.h"
#include "call/client_internal.h"
#include "call/retry.h"
#include "transport/http_response.h"
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

/* Appends the n bytes of s to out when they fit before room. */
static bool put(char *out, size_t *o, size_t room, const void *s, size_t n)
{
    if (*o + n > room)
        return false;
    memcpy(out + *o, s, n);
    *o += n;
    return true;
}

/* Appends "\\xNN" (width 2) or "\\uNNNN" (width 4) for v. */
static bool put_hex(char *out, size_t *o, size_t room, char kind, unsigned int v, int width)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6];
    int i;
    esc[0] = '\\';
    esc[1] = kind;
    for (i = 0; i < width; i++)
        esc[2 + i] = hex[(v >> (4 * (width - 1 - i))) & 0xF];
    return put(out, o, room, esc, (size_t)(2 + width));
}

size_t ens__log_line(char *out, size_t cap, const char *in)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, left = strlen(in), room = cap - 1 - 3; /* "..." marks a cut */
    bool ok = true;
    while (left > 0 && ok) {
        unsigned char ch = *p;
        size_t n = 1;
        if (ch == '\n')
            ok = put(out, &o, room, "\\n", 2);
        else if (ch == '\r')
            ok = put(out, &o, room, "\\r", 2);
        else if (ch == '\t')
            ok = put(out, &o, room, "\\t", 2);
        else if (ch < 0x20 || ch == 0x7f)
            ok = put_hex(out, &o, room, 'x', ch, 2);
        else if (ch < 0x80)
            ok = put(out, &o, room, p, 1);
        else if ((n = ens__utf8_seq(p, left)) == 0) {
            ok = put_hex(out, &o, room, 'x', ch, 2); /* not UTF-8 */
            n = 1;
        } else {
            /* C1 controls and the line and paragraph separators act as
               controls on terminals and in log viewers: escaped too */
            unsigned int cp = n == 2   ? ((ch & 0x1Fu) << 6) | (p[1] & 0x3Fu)
                              : n == 3 ? ((ch & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu)
                                       : 0x10000;
            if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029)
                ok = put_hex(out, &o, room, 'u', cp, 4);
            else
                ok = put(out, &o, room, p, n);
        }
        if (ok) {
            p += n;
            left -= n;
        }
    }
    if (!ok) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return o;
}

void ens__client_log(const ens_client *c, ens_log_level level, const char *fmt, ...)
{
    char raw[2048], line[ENS__LOG_LINE_MAX + 1];
    va_list ap;
    if (!c->log_fn || level > c->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* One callback is one line: whatever a server or a caller put in the
       text (a RequestId, a message, a header) is shown, never obeyed. */
    ens__log_line(line, sizeof(line), raw);
    c->log_fn(c->log_payload, level, line);
}

ens_status ens__client_endpoint_allowed(const ens_client *c, const ens__endpoint *ep, ens_error *err)
{
    if (ep->https || ep->loopback || c->allow_insecure_http)
        return ENS_OK;
    ens__error_set(err, ENS_EINVAL,
                   "invalid argument: plain http to a host that is not loopback would expose credentials "
                   "(%s)",
                   ep->base);
    ens__error_remedy(err, NULL, "allow_insecure_http",
                      "use https:// or a loopback host, or set allow_insecure_http if the network is "
                      "trusted");
    return ENS_EINVAL;
}

static void release_owned(const ens_client_options *opts)
{
    if (!opts)
        return;
    ens_transport_free(opts->transport);
    ens_signer_free(opts->signer);
    ens_credentials_provider_free(opts->credentials);
}

ens_http_response *ens__client_response_take(ens_client *c)
{
    ens_http_response *r;
    size_t i;
    for (i = 0; i < ENS__CLIENT_SPARES; i++)
        if ((r = atomic_exchange(&c->spare[i], NULL)) != NULL)
            return r;
    return ens_http_response_new(&r, c->max_response_bytes) == ENS_OK ? r : NULL;
}

void ens__client_response_give(ens_client *c, ens_http_response *resp)
{
    size_t i;
    if (!resp)
        return;
    ens_http_response_reset(resp); /* wipes the body and the headers */
    if (resp->body.cap <= ENS__CLIENT_SPARE_BODY_MAX)
        for (i = 0; i < ENS__CLIENT_SPARES; i++) {
            ens_http_response *none = NULL;
            if (atomic_compare_exchange_strong(&c->spare[i], &none, resp))
                return;
        }
    ens_http_response_free(resp);
}

ENS_EXTERN void ens_client_free(ens_client *client)
{
    size_t i;
    if (!client)
        return;
    for (i = 0; i < ENS__CLIENT_SPARES; i++)
        ens_http_response_free(atomic_exchange(&client->spare[i], NULL));
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
    c->allow_insecure_http = opts->allow_insecure_http;
    if ((st = ens__client_endpoint_allowed(c, &c->endpoint, err)) != ENS_OK)
        goto fail;
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
        st = ens_transport_curl_new_ex(&c->transport, &co, err); /* err names the option at fault */
        if (st != ENS_OK)
            goto fail;
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

ENS_EXTERN ens_status ens_client_metrics(const ens_client *client, ens_metrics *out)
{
    if (!client || !out || out->version == 0 || out->version > ENS_METRICS_VERSION)
        return ENS_EINVAL;
    ens__metrics_read(&client->metrics, out);
    return ENS_OK;
}
