/* Internal interfaces of the credentials folder.  Calls go one way, down
 * this list (a file calls only files listed before it):
 *   credentials.c  credentials objects and the provider interface
 *   options.c      provider options and the environment
 *   document.c     credentials from a document's values (JSON credentials documents)
 *   providers.c    static, environment and callback providers
 *   cache.c        the caching provider
 *   files.c        CLI configuration and credentials file (INI) providers
 *   http.c         instance RAM role and credentials URI providers
 *   chain.c        provider chains and the default chain */
#ifndef ENS_LIB_CREDENTIALS_INTERNAL_H
#define ENS_LIB_CREDENTIALS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/error.h"
#include "ensclient/credentials.h"

/* What every provider's failure description starts with (the chain strips it
 * when it joins the reasons). */
#define ENS__CRED_UNAVAILABLE "credentials unavailable: "
/* Fills err with ENS_ECREDENTIALS and ENS__CRED_UNAVAILABLE + the message;
 * returns ENS_ECREDENTIALS. */
#define ENS__CRED_FAIL(err, ...) ens__error_set((err), ENS_ECREDENTIALS, ENS__CRED_UNAVAILABLE __VA_ARGS__)

/* ---- credentials.c ---- */

struct crypto_auth_hmacsha256_state; /* <sodium.h> */
/* Copies into *out the HMAC-SHA256 state keyed with the AccessKey secret
 * (both key pads absorbed), computed once by ens_credentials_new() and kept
 * in secret memory next to the secret: the signer continues from the copy
 * instead of keying a fresh state for every signature.  false (and *out
 * untouched) when creds holds no such state.  The copy is as sensitive as the
 * secret: the caller wipes it (sodium_memzero) once done. */
bool ens__credentials_hmac_copy(const ens_credentials *creds,
                                struct crypto_auth_hmacsha256_state *out);

/* Sets the name a chain shows for the provider: a static string. */
void ens__credentials_provider_set_name(ens_credentials_provider *provider, const char *name);
/* The name, or NULL when none was set. */
const char *ens__credentials_provider_name(const ens_credentials_provider *provider);

/* ---- options.c ---- */

/* A private copy of ens_credentials_provider_options, defaults resolved. */
typedef struct ens__cred_opts {
    ens_getenv_fn getenv_fn;
    void *getenv_payload;
    char *home_dir;
    char *profile;
    char *cli_config_file;
    char *credentials_file;
    char *metadata_base_url;  /* never NULL after copy */
    char *metadata_role_name;
    char *credentials_uri;
    long metadata_token_ttl_s;
    bool metadata_v1_disabled;
    ens_transport *transport; /* borrowed, may be NULL */
    long connect_timeout_ms;
    long timeout_ms;
    /* the cache settings are read from the caller's options (ens__cred_cache_opts) */
} ens__cred_opts;

/* Validates and copies src (NULL = defaults) into dst (zeroed by the caller).
 * ENS_EINVAL or ENS_ENOMEM; on failure dst may hold partial copies: clear it. */
ens_status ens__cred_opts_copy(ens__cred_opts *dst, const ens_credentials_provider_options *src);
void ens__cred_opts_clear(ens__cred_opts *o);
/* The cache options in opts (validated; NULL: the defaults). */
void ens__cred_cache_opts(const ens_credentials_provider_options *opts, ens_credentials_cache_options *out);

/* Environment lookup through o (NULL o = getenv); empty values count as unset. */
const char *ens__cred_getenv(const ens__cred_opts *o, const char *name);
/* True when the variable is "true" (any case). */
bool ens__cred_env_true(const ens__cred_opts *o, const char *name);

/* ---- document.c ---- */

/* ens_credentials_new() for values read from `where` (named in errors):
 * ENS_OK, ENS_ECREDENTIALS ("<where>: a credentials value holds a line
 * break") or ENS_ENOMEM / ENS_EINTERNAL. */
ens_status ens__cred_new_checked(ens_credentials **out, const char *id, const char *secret,
                                 const char *token, time_t expiration, const char *where,
                                 ens_error *err);

/* Parses a JSON credentials document (AccessKeyId, AccessKeySecret,
 * SecurityToken, Expiration, optional Code) held in body.  `source` names it
 * in errors.  require_sts: SecurityToken and Expiration required and Code
 * must be present and "Success".  Wipes every string value jansson copied
 * before freeing the tree.  ENS_OK, ENS_ECREDENTIALS, ENS_ENOMEM. */
ens_status ens__cred_from_json(const char *body, size_t len, bool require_sts, const char *source,
                               ens_credentials **out, ens_error *err);

/* Wipes every string held in a jansson tree (the values may be secrets). */
struct json_t;
void ens__cred_json_wipe(struct json_t *j);

/* ---- http.c: the providers without their cache (for the default chain) ---- */

ens_status ens__cred_ecs_ram_role_raw_new(ens_credentials_provider **out,
                                          const ens_credentials_provider_options *opts);
ens_status ens__cred_uri_raw_new(ens_credentials_provider **out,
                                 const ens_credentials_provider_options *opts);

#endif
