/* Shared by the credentials providers: options, environment and the JSON
 * credentials document. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "credentials/cred_internal.h"
#include "util/error.h"
#include "util/text.h"
#include "util/utctime.h"

/* ---- options ---- */


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

void ens__cred_cache_opts(const ens__cred_opts *o, ens_credentials_cache_options *out)
{
    ens_credentials_cache_options co = ENS_CREDENTIALS_CACHE_OPTIONS_INIT;
    co.clock_fn = o->clock_fn;
    co.clock_payload = o->clock_payload;
    co.refresh_before_s = o->refresh_before_s;
    co.retry_backoff_s = o->retry_backoff_s;
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

/* ---- JSON credentials ---- */

void ens__cred_json_wipe(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    if (!j)
        return;
    switch (json_typeof(j)) {
    case JSON_STRING:
        sodium_memzero((char *)json_string_value(j), json_string_length(j));
        break;
    case JSON_OBJECT:
        json_object_foreach(j, key, v) ens__cred_json_wipe(v);
        break;
    case JSON_ARRAY:
        json_array_foreach(j, i, v) ens__cred_json_wipe(v);
        break;
    default:
        break;
    }
}

static const char *json_str_member(json_t *root, const char *name, bool *wrong_type)
{
    json_t *v = json_object_get(root, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *wrong_type = true;
        return NULL;
    }
    return json_string_length(v) ? json_string_value(v) : NULL;
}

ens_status ens__cred_from_json(const char *body, size_t len, bool require_sts, const char *source,
                               ens_credentials **out, ens_error *err)
{
    json_error_t jerr;
    json_t *root;
    const char *id, *secret, *token, *exp, *code, *missing = NULL;
    bool wrong = false;
    time_t expiration = 0;
    ens_status st;

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        /* jerr.text may quote the document: give the position only */
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: %s: response is not valid JSON (line %d, column %d)",
                              source, jerr.line, jerr.column);
    if (!json_is_object(root)) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: response is not a JSON object", source);
        goto done;
    }
    code = json_str_member(root, "Code", &wrong);
    if (wrong) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: member Code is not a string", source);
        goto done;
    }
    if ((code || require_sts) && (!code || strcmp(code, "Success") != 0)) {
        /* the Code of a failure is not secret, but keep it short and printable */
        char shown[64];
        size_t i;
        ens__strlcpy(shown, sizeof(shown), code ? code : "(none)");
        for (i = 0; shown[i]; i++)
            if ((unsigned char)shown[i] < 0x20 || (unsigned char)shown[i] >= 0x7f)
                shown[i] = '?';
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: Code is '%s', not 'Success'", source, shown);
        goto done;
    }
    id = json_str_member(root, "AccessKeyId", &wrong);
    secret = json_str_member(root, "AccessKeySecret", &wrong);
    token = json_str_member(root, "SecurityToken", &wrong);
    exp = json_str_member(root, "Expiration", &wrong);
    if (wrong) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: a credentials member is not a string", source);
        goto done;
    }
    if (!id)
        missing = "AccessKeyId";
    else if (!secret)
        missing = "AccessKeySecret";
    else if (require_sts && !token)
        missing = "SecurityToken";
    else if (require_sts && !exp)
        missing = "Expiration";
    if (missing) {
        st = ens__error_set(err, ENS_ECREDENTIALS, "credentials unavailable: %s: %s is missing or empty",
                            source, missing);
        goto done;
    }
    if (exp && ens__utc_time_parse(exp, &expiration) != 0) {
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: Expiration is not a time like "
                            "2026-11-25T12:00:00Z",
                            source);
        goto done;
    }
    st = ens_credentials_new(out, id, secret, token, expiration);
    if (st == ENS_EINVAL)
        st = ens__error_set(err, ENS_ECREDENTIALS,
                            "credentials unavailable: %s: a credentials value holds a line break", source);
    else if (st != ENS_OK)
        st = ens__error_set(err, st, "credentials unavailable: %s", ens_strerror(st));
done:
    ens__cred_json_wipe(root);
    json_decref(root);
    return st;
}
