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
    if (dup_opt(&dst->home_dir, src->home_dir) < 0 || dup_opt(&dst->profile, src->profile) < 0 ||
        dup_opt(&dst->cli_config_file, src->cli_config_file) < 0 ||
        dup_opt(&dst->credentials_file, src->credentials_file) < 0 ||
        dup_opt(&dst->metadata_base_url,
                src->metadata_base_url ? src->metadata_base_url : ENS_DEFAULT_METADATA_BASE_URL) < 0 ||
        dup_opt(&dst->metadata_role_name, src->metadata_role_name) < 0 ||
        dup_opt(&dst->credentials_uri, src->credentials_uri) < 0)
        return ENS_ENOMEM;
    return ENS_OK;
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
    memset(o, 0, sizeof(*o));
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
