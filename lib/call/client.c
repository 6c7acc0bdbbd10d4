/* The client object: its options, defaults, owned parts and log callback.
 * A call's exchange is exchange.c, its policy call.c, the blocking driver
 * blocking.c, and DescribeNetworkPeerConnections itself describe.c. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/text.h"
#include "util/buf.h"
#include "request/endpoint.h"
#include "util/error.h"
#include "call/client_internal.h"
#include "call/retry.h"
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
