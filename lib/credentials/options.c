/* SPDX-License-Identifier: MIT */
/* Provider options (a private copy, defaults resolved) and the environment
 * as the providers see it.  Calls nothing else in this folder. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/text.h"

static int dup_opt(char **dst, const char *src)
{
    if (!src)
        return 0;
    *dst = ens__strdup(src);
    return *dst ? 0 : -1;
}

/* The version-2 members, when src has them. */
static ens_status copy_v2(ens__cred_opts *dst, const ens_credentials_provider_options *src)
{
    dst->sts_timeout_ms = ENS_DEFAULT_STS_TIMEOUT_MS;
    if (src->version < 2)
        return ENS_OK;
    if (src->role_duration_s < 0 || src->sts_timeout_ms < 0 ||
        (src->role_duration_s &&
         (src->role_duration_s < ENS_MIN_ROLE_DURATION_S || src->role_duration_s > ENS_MAX_ROLE_DURATION_S)))
        return ENS_EINVAL;
    if (ens__has_crlf(src->role_arn) || ens__has_crlf(src->role_session_name) ||
        ens__has_crlf(src->role_external_id) || ens__has_crlf(src->oidc_provider_arn) ||
        ens__has_crlf(src->oidc_token_file) || ens__has_crlf(src->sts_endpoint) ||
        ens__has_crlf(src->sts_region))
        return ENS_EINVAL;
    dst->role_duration_s = src->role_duration_s;
    dst->sts_vpc = src->sts_vpc;
    if (src->sts_timeout_ms)
        dst->sts_timeout_ms = src->sts_timeout_ms;
    if (dup_opt(&dst->role_arn, src->role_arn) < 0 ||
        dup_opt(&dst->role_session_name, src->role_session_name) < 0 ||
        dup_opt(&dst->role_policy, src->role_policy) < 0 ||
        dup_opt(&dst->role_external_id, src->role_external_id) < 0 ||
        dup_opt(&dst->oidc_provider_arn, src->oidc_provider_arn) < 0 ||
        dup_opt(&dst->oidc_token_file, src->oidc_token_file) < 0 ||
        dup_opt(&dst->sts_endpoint, src->sts_endpoint) < 0 || dup_opt(&dst->sts_region, src->sts_region) < 0)
        return ENS_ENOMEM;
    return ENS_OK;
}

ens_status ens__cred_opts_copy(ens__cred_opts *dst, const ens_credentials_provider_options *src)
{
    ens_credentials_provider_options defaults = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    if (!src)
        src = &defaults;
    if (src->version == 0 || src->version > ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION)
        return ENS_EINVAL;
    if (src->metadata_token_ttl_s < 0 || src->connect_timeout_ms < 0 || src->timeout_ms < 0 ||
        src->refresh_before_s < 0 || src->retry_backoff_s < 0)
        return ENS_EINVAL;
    if (ens__has_crlf(src->home_dir) || ens__has_crlf(src->profile) || ens__has_crlf(src->cli_config_file) ||
        ens__has_crlf(src->credentials_file) || ens__has_crlf(src->metadata_base_url) ||
        ens__has_crlf(src->metadata_role_name) || ens__has_crlf(src->credentials_uri))
        return ENS_EINVAL;
    dst->getenv_fn = src->getenv_fn;
    dst->getenv_payload = src->getenv_payload;
    dst->metadata_token_ttl_s =
        src->metadata_token_ttl_s ? src->metadata_token_ttl_s : ENS_DEFAULT_METADATA_TOKEN_TTL_S;
    dst->metadata_v1_disabled = src->metadata_v1_disabled;
    dst->transport = src->transport;
    dst->connect_timeout_ms =
        src->connect_timeout_ms ? src->connect_timeout_ms : ENS_DEFAULT_CREDENTIALS_CONNECT_TIMEOUT_MS;
    dst->timeout_ms = src->timeout_ms ? src->timeout_ms : ENS_DEFAULT_CREDENTIALS_TIMEOUT_MS;
    dst->clock_fn = src->clock_fn;
    dst->clock_payload = src->clock_payload;
    dst->refresh_before_s = src->refresh_before_s;
    dst->retry_backoff_s = src->retry_backoff_s;
    if (dup_opt(&dst->home_dir, src->home_dir) < 0 || dup_opt(&dst->profile, src->profile) < 0 ||
        dup_opt(&dst->cli_config_file, src->cli_config_file) < 0 ||
        dup_opt(&dst->credentials_file, src->credentials_file) < 0 ||
        dup_opt(&dst->metadata_base_url,
                src->metadata_base_url ? src->metadata_base_url : ENS_DEFAULT_METADATA_BASE_URL) < 0 ||
        dup_opt(&dst->metadata_role_name, src->metadata_role_name) < 0 ||
        dup_opt(&dst->credentials_uri, src->credentials_uri) < 0)
        return ENS_ENOMEM;
    return copy_v2(dst, src);
}

void ens__cred_opts_clear(ens__cred_opts *o)
{
    if (!o)
        return;
    ens__free(o->home_dir);
    ens__free(o->profile);
    ens__free(o->cli_config_file);
    ens__free(o->credentials_file);
    ens__free(o->metadata_base_url);
    ens__free(o->metadata_role_name);
    ens__free(o->credentials_uri);
    ens__free(o->role_arn);
    ens__free(o->role_session_name);
    ens__free(o->role_policy);
    ens__free(o->role_external_id);
    ens__free(o->oidc_provider_arn);
    ens__free(o->oidc_token_file);
    ens__free(o->sts_endpoint);
    ens__free(o->sts_region);
    memset(o, 0, sizeof(*o));
}

void ens__cred_opts_public(const ens__cred_opts *o, ens_credentials_provider_options *out)
{
    ens_credentials_provider_options_init(out);
    out->getenv_fn = o->getenv_fn;
    out->getenv_payload = o->getenv_payload;
    out->home_dir = o->home_dir;
    out->profile = o->profile;
    out->cli_config_file = o->cli_config_file;
    out->credentials_file = o->credentials_file;
    out->metadata_base_url = o->metadata_base_url;
    out->metadata_role_name = o->metadata_role_name;
    out->metadata_token_ttl_s = o->metadata_token_ttl_s;
    out->metadata_v1_disabled = o->metadata_v1_disabled;
    out->credentials_uri = o->credentials_uri;
    out->transport = o->transport;
    out->connect_timeout_ms = o->connect_timeout_ms;
    out->timeout_ms = o->timeout_ms;
    out->clock_fn = o->clock_fn;
    out->clock_payload = o->clock_payload;
    out->refresh_before_s = o->refresh_before_s;
    out->retry_backoff_s = o->retry_backoff_s;
    out->role_arn = o->role_arn;
    out->role_session_name = o->role_session_name;
    out->role_duration_s = o->role_duration_s;
    out->role_policy = o->role_policy;
    out->role_external_id = o->role_external_id;
    out->oidc_provider_arn = o->oidc_provider_arn;
    out->oidc_token_file = o->oidc_token_file;
    out->sts_endpoint = o->sts_endpoint;
    out->sts_region = o->sts_region;
    out->sts_vpc = o->sts_vpc;
    out->sts_timeout_ms = o->sts_timeout_ms;
}

ens_status ens__cred_opts_provider(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                                   size_t ctx_size, const ens_credentials_provider_vtable *vt,
                                   const char *name, ens_status (*init)(void *ctx, void *arg), void *arg)
{
    ens__cred_opts *c;
    ens_status st;
    if (!out)
        return ENS_EINVAL;
    c = ens__calloc(1, ctx_size);
    if (!c)
        return ENS_ENOMEM;
    st = ens__cred_opts_copy(c, opts);
    if (st == ENS_OK && init)
        st = init(c, arg);
    if (st == ENS_OK)
        st = ens_credentials_provider_new(out, vt, c);
    if (st != ENS_OK) {
        vt->destroy(c);
        return st;
    }
    ens__credentials_provider_set_name(*out, name);
    return ENS_OK;
}

void ens__cred_opts_ctx_free(void *ctx)
{
    ens__cred_opts_clear(ctx);
    ens__free(ctx);
}

void ens__cred_cache_opts(const ens_credentials_provider_options *opts, ens_credentials_cache_options *out)
{
    ens_credentials_cache_options co = ENS_CREDENTIALS_CACHE_OPTIONS_INIT;
    if (opts) {
        co.clock_fn = opts->clock_fn;
        co.clock_payload = opts->clock_payload;
        co.refresh_before_s = opts->refresh_before_s;
        co.retry_backoff_s = opts->retry_backoff_s;
    }
    *out = co;
}

ENS_EXTERN void ens_credentials_provider_options_init(ens_credentials_provider_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION;
}

/* ---- environment ---- */

const char *ens__cred_getenv(const ens__cred_opts *o, const char *name)
{
    const char *v = o && o->getenv_fn ? o->getenv_fn(o->getenv_payload, name) : getenv(name);
    return v && *v ? v : NULL;
}

bool ens__cred_env_true(const ens__cred_opts *o, const char *name)
{
    const char *v = ens__cred_getenv(o, name);
    return v && strcasecmp(v, "true") == 0;
}
