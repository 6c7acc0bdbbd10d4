/**
 * @file credentials.h
 * @brief Credentials and the credentials-provider interface.
 *
 * A provider hands out ::ens_credentials: an immutable, reference-counted
 * AccessKey ID, secret and optional STS token.  The secret and token live in
 * library-owned memory that is excluded from core dumps where the platform
 * allows it and wiped with sodium_memzero() when the last reference goes.
 *
 * ## Providers
 * | source | constructor |
 * | --- | --- |
 * | static AccessKey or STS token | ens_credentials_provider_static_new() |
 * | `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN` | ens_credentials_provider_env_new(), ens_credentials_provider_env_new_ext() |
 * | CLI config `~/.aliyun/config.json` | ens_credentials_provider_cli_config_new() |
 * | shared credentials file `~/.alibabacloud/credentials` | ens_credentials_provider_credentials_file_new() |
 * | instance RAM role (metadata service) | ens_credentials_provider_ecs_ram_role_new() |
 * | `ALIBABA_CLOUD_CREDENTIALS_URI` | ens_credentials_provider_uri_new() |
 * | a host function | ens_credentials_provider_callback_new(), or ens_credentials_provider_new() with a vtable |
 * | the official order of the above | ens_credentials_provider_default_chain_new() |
 *
 * ens_credentials_provider_chain_new() and ens_credentials_provider_cached_new()
 * compose providers.  Every provider is safe for concurrent get; creating and
 * freeing one is not synchronised.  No error description ever holds a secret.
 */
#ifndef ENSCLIENT_CREDENTIALS_H
#define ENSCLIENT_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Immutable, reference-counted credentials.  Opaque. */
typedef struct ens_credentials ens_credentials;

/**
 * @brief Creates credentials holding copies of the given strings.
 *
 * @param out              receives a new reference (release with ens_credentials_release()).
 * @param access_key_id    AccessKey ID; must be non-empty.
 * @param access_key_secret AccessKey secret; must be non-empty.  Copied; the
 *                         caller may wipe its own copy afterwards.
 * @param security_token   STS token, or NULL/empty for long-term keys.
 * @param expiration       when temporary credentials expire (UTC seconds), or 0 for never.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL/empty id or secret, or a value holding CR/LF),
 *         ::ENS_ENOMEM.  Thread-safe.
 */
ENS_EXTERN ens_status ens_credentials_new(ens_credentials **out, const char *access_key_id,
                                          const char *access_key_secret, const char *security_token,
                                          time_t expiration);

/** @brief Adds a reference and returns @p creds.  Thread-safe (atomic). */
ENS_EXTERN ens_credentials *ens_credentials_acquire(ens_credentials *creds);

/** @brief Drops a reference; the last one wipes and frees.  NULL accepted.  Thread-safe. */
ENS_EXTERN void ens_credentials_release(ens_credentials *creds);

/** @brief Borrowed AccessKey ID, valid while the reference is held. */
ENS_EXTERN const char *ens_credentials_access_key_id(const ens_credentials *creds);
/** @brief Borrowed AccessKey secret, valid while the reference is held.  Never log it. */
ENS_EXTERN const char *ens_credentials_access_key_secret(const ens_credentials *creds);
/** @brief Borrowed STS token, or NULL for long-term keys.  Never log it. */
ENS_EXTERN const char *ens_credentials_security_token(const ens_credentials *creds);
/** @brief Expiration time (UTC seconds), 0 for credentials that do not expire. */
ENS_EXTERN time_t ens_credentials_expiration(const ens_credentials *creds);

/**
 * @brief Current version of ::ens_credentials_provider_vtable.
 *
 * Version 2 added `invalidate`.  Version-1 tables (without that member) are
 * still accepted: the library never reads past the members their version has.
 */
#define ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION 2

/**
 * @brief Functions of a credentials provider.
 *
 * `get` must return ::ENS_OK with a new reference in @p out, or
 * ::ENS_ECREDENTIALS / ::ENS_ENOMEM / ::ENS_ETIMEOUT / ::ENS_ENETWORK with @p err
 * filled (err may be NULL).  It must be safe to call from several threads at
 * once.  `destroy` (may be NULL) releases @p ctx; it is called once, when the
 * provider is freed.  `invalidate` (may be NULL; version >= 2 only) drops any
 * cached credentials so that the next `get` fetches anew; it must be safe to
 * call concurrently with `get`.
 *
 * Initialise with designated initialisers
 * (`{.version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = my_get}`) so
 * that members added later are NULL.
 */
typedef struct ens_credentials_provider_vtable {
    unsigned int version; /**< ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION. */
    ens_status (*get)(void *ctx, ens_credentials **out, ens_error *err); /**< Resolve credentials. */
    void (*destroy)(void *ctx);                                           /**< Free ctx; may be NULL. */
    /** Drop cached credentials; the next get fetches anew.  May be NULL.  (Version 2.) */
    void (*invalidate)(void *ctx);
} ens_credentials_provider_vtable;

/** @brief A credentials provider.  Opaque. */
typedef struct ens_credentials_provider ens_credentials_provider;

/**
 * @brief Wraps a user vtable and context into a provider.
 *
 * @param out receives the provider (free with ens_credentials_provider_free(),
 *            or hand it to a client, which then owns it).
 * @param vtable must outlive the provider (usually a static const).
 * @param ctx    passed to every call; released through vtable->destroy.  On
 *               failure destroy is NOT called: the caller keeps @p ctx.
 * Tables of version 1 (without `invalidate`) and 2 are accepted.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL vtable or get, unknown version), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_new(ens_credentials_provider **out,
                                                   const ens_credentials_provider_vtable *vtable,
                                                   void *ctx);

/**
 * @brief A provider that always returns the given static credentials.
 *
 * @param out               receives the provider (ens_credentials_provider_free(),
 *                          or hand it to a client, which then owns it);
 *                          unchanged on failure.
 * @param access_key_id     AccessKey ID; must be non-empty.  Copied.
 * @param access_key_secret AccessKey secret; must be non-empty.  Copied; the
 *                          caller may wipe its own copy afterwards.
 * @param security_token NULL for long-term AccessKeys.
 * @return as ens_credentials_new(), plus ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_static_new(ens_credentials_provider **out,
                                                          const char *access_key_id,
                                                          const char *access_key_secret,
                                                          const char *security_token);

/**
 * @brief A provider that reads `ALIBABA_CLOUD_ACCESS_KEY_ID`,
 * `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and optional `ALIBABA_CLOUD_SECURITY_TOKEN`
 * on every `get` (so a changed environment is seen on the next call).
 *
 * `get` fails with ::ENS_ECREDENTIALS naming the missing variable.  Reading the
 * environment is only as thread-safe as the host's use of setenv().
 */
ENS_EXTERN ens_status ens_credentials_provider_env_new(ens_credentials_provider **out);

/**
 * @brief Resolves credentials through @p provider.
 *
 * @param provider the provider; borrowed.  Safe to call from several threads at once.
 * @param out receives a new reference (ens_credentials_release()).
 * @param err may be NULL; filled on failure, never with a secret.
 * @return whatever the provider's get returns; ::ENS_EINVAL for NULL arguments;
 *         ::ENS_EINTERNAL when a provider returns ENS_OK without credentials.
 */
ENS_EXTERN ens_status ens_credentials_provider_get(ens_credentials_provider *provider,
                                                   ens_credentials **out, ens_error *err);

/** @brief Frees a provider (calling its destroy hook).  NULL accepted.  Not thread-safe. */
ENS_EXTERN void ens_credentials_provider_free(ens_credentials_provider *provider);

/**
 * @brief Drops any credentials @p provider has cached, so that the next
 * ens_credentials_provider_get() fetches anew.
 *
 * The client calls this when the service answers that the security token
 * expired or is invalid, then fetches again, re-signs and retries once.
 * Providers without a cache (static, environment, files) ignore it; the chain
 * and the cache pass it on to the providers they hold.  NULL accepted.
 * Thread-safe: may run while other threads are inside get.
 */
ENS_EXTERN void ens_credentials_provider_invalidate(ens_credentials_provider *provider);

/**
 * @brief Host function behind a callback provider.
 *
 * Same contract as ::ens_credentials_provider_vtable `get`: return ::ENS_OK
 * with a new reference in @p out (for example from ens_credentials_new()), or
 * a negative status with @p err (may be NULL) filled without any secret.  It
 * is called from every thread that uses the provider, possibly at once.
 */
typedef ens_status (*ens_credentials_fn)(void *payload, ens_credentials **out, ens_error *err);

/**
 * @brief A provider that calls @p fn on every get (for example to read a
 * secret store or a file descriptor).
 *
 * A convenience over ens_credentials_provider_new(): use that one with your
 * own vtable when the payload needs a destroy hook or the provider caches.
 * Wrap the result in ens_credentials_provider_cached_new() when @p fn returns
 * temporary credentials and is costly.
 *
 * @param out     receives the provider (ens_credentials_provider_free(), or
 *                hand it to a client); unchanged on failure.
 * @param fn      the host function (see ::ens_credentials_fn).
 * @param payload borrowed: passed to @p fn, never freed; must outlive the provider.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL @p out or @p fn), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_callback_new(ens_credentials_provider **out,
                                                            ens_credentials_fn fn, void *payload);

/* ------------------------------------------------------------------------- */
/* Options shared by the providers below                                      */
/* ------------------------------------------------------------------------- */

/** @brief Returns the value of environment variable @p name, or NULL when unset. */
typedef const char *(*ens_getenv_fn)(void *payload, const char *name);

/**
 * @brief A clock: returns the current time (UTC seconds since the epoch).
 * Must be thread-safe.  Used by the providers below and by signables
 * (ens_signable_set_clock()).
 */
typedef time_t (*ens_clock_fn)(void *payload);

/** @brief Current version of ::ens_credentials_provider_options. */
#define ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION 1

/** @brief Default metadata service of ECS / ENS instances. */
#define ENS_DEFAULT_METADATA_BASE_URL "http://100.100.100.200"
/** @brief Default lifetime asked for the metadata session token (6 hours). */
#define ENS_DEFAULT_METADATA_TOKEN_TTL_S 21600L
/** @brief Default connect timeout of the metadata and URI requests. */
#define ENS_DEFAULT_CREDENTIALS_CONNECT_TIMEOUT_MS 1000L
/** @brief Default total timeout of each metadata and URI request. */
#define ENS_DEFAULT_CREDENTIALS_TIMEOUT_MS 1000L
/** @brief Default: temporary credentials are refreshed when less than this many seconds remain. */
#define ENS_DEFAULT_CREDENTIALS_REFRESH_BEFORE_S 180L
/** @brief Default wait after a failed refresh (while the old credentials are valid) before the next try. */
#define ENS_DEFAULT_CREDENTIALS_RETRY_BACKOFF_S 10L

/**
 * @brief Options of the file, HTTP and chain providers.  Caller-owned; read
 * only during the constructor: strings are copied, while `transport`,
 * `getenv_payload` and `clock_payload` are borrowed and must outlive the
 * provider (the functions are called from any thread that calls get).
 *
 * Zero/NULL fields take the documented defaults; a provider ignores the
 * fields it does not use.  Initialise with
 * ::ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT or
 * ens_credentials_provider_options_init(); fields are only ever added at the end.
 *
 * Environment variables are read on every fetch (not at construction), so a
 * changed environment is seen by the next fetch; an explicit option always
 * wins over the variable.
 */
typedef struct ens_credentials_provider_options {
    unsigned int version; /**< Set by the initialiser; do not change. */
    /** Environment lookup; NULL = getenv().  Lets a host keep the providers
        hermetic or feed them from its own configuration. */
    ens_getenv_fn getenv_fn;
    void *getenv_payload; /**< Passed to getenv_fn. */
    /** Home directory for the default file paths; NULL = the `HOME` variable. */
    const char *home_dir;
    /** Profile name (CLI config) or section (credentials file); NULL =
        `ALIBABA_CLOUD_PROFILE`, else the CLI file's "current" / the INI section "default". */
    const char *profile;
    /** CLI config path; NULL = `ALIBABA_CLOUD_CONFIG_FILE`, else ~/.aliyun/config.json. */
    const char *cli_config_file;
    /** Shared credentials file path; NULL = `ALIBABA_CLOUD_CREDENTIALS_FILE`,
        else ~/.alibabacloud/credentials. */
    const char *credentials_file;
    /** Metadata service base URL without trailing path, e.g. "http://127.0.0.1:8080";
        NULL = ::ENS_DEFAULT_METADATA_BASE_URL. */
    const char *metadata_base_url;
    /** RAM role of the instance; NULL = `ALIBABA_CLOUD_ECS_METADATA`, else discovered. */
    const char *metadata_role_name;
    /** Lifetime asked for the metadata session token; 0 = ::ENS_DEFAULT_METADATA_TOKEN_TTL_S. */
    long metadata_token_ttl_s;
    /** Never fall back to token-less metadata requests (also turned on by
        `ALIBABA_CLOUD_IMDSV1_DISABLED=true`).  See ens_credentials_provider_ecs_ram_role_new(). */
    bool metadata_v1_disabled;
    /** Credentials URI; NULL = `ALIBABA_CLOUD_CREDENTIALS_URI`. */
    const char *credentials_uri;
    /** Transport for the metadata and URI requests; borrowed, must outlive the
        provider and allow concurrent sends.  NULL = a libcurl transport of the
        provider's own (ens_transport_curl_new(); the metadata provider's one
        never uses a proxy). */
    ens_transport *transport;
    long connect_timeout_ms; /**< Per HTTP request; 0 = ::ENS_DEFAULT_CREDENTIALS_CONNECT_TIMEOUT_MS. */
    long timeout_ms;         /**< Per HTTP request; 0 = ::ENS_DEFAULT_CREDENTIALS_TIMEOUT_MS. */
    /** Clock of the cache; NULL = time().  For tests. */
    ens_clock_fn clock_fn;
    void *clock_payload; /**< Passed to clock_fn. */
    /** Cache: refresh when fewer seconds remain; 0 = ::ENS_DEFAULT_CREDENTIALS_REFRESH_BEFORE_S. */
    long refresh_before_s;
    /** Cache: wait after a failed refresh; 0 = ::ENS_DEFAULT_CREDENTIALS_RETRY_BACKOFF_S. */
    long retry_backoff_s;
} ens_credentials_provider_options;

/** @brief Static initialiser for ::ens_credentials_provider_options. */
#define ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT {.version = ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION}

/** @brief Initialises @p opts (not NULL) to the defaults.  Thread-safe. */
ENS_EXTERN void ens_credentials_provider_options_init(ens_credentials_provider_options *opts);

/*
 * Errors of every provider below.  Constructors return ::ENS_OK,
 * ::ENS_EINVAL (NULL @p out, an options version of 0 or above the current
 * one, a negative number, a string holding CR/LF) or ::ENS_ENOMEM; the HTTP
 * providers may also return what ens_transport_curl_new() returns.  Nothing
 * is read or fetched before the first get.  `get` returns ::ENS_OK,
 * ::ENS_ENOMEM, or ::ENS_ECREDENTIALS with a description that names the
 * source (a path and line, a variable, a URL without user info or query) and
 * the reason — never a secret nor any text of the file or response.  The
 * HTTP providers fail with ::ENS_ECREDENTIALS too when the request failed;
 * the transport's status (::ENS_ETIMEOUT, ::ENS_ENETWORK ...) is named in
 * the description.  All providers are safe for concurrent get.
 */

/**
 * @brief The environment provider of ens_credentials_provider_env_new(), with
 * options (only `getenv_fn` / `getenv_payload` are used).  @p opts may be NULL.
 */
ENS_EXTERN ens_status ens_credentials_provider_env_new_ext(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/**
 * @brief The Alibaba Cloud CLI configuration: `~/.aliyun/config.json`.
 *
 * File: `cli_config_file`, else `ALIBABA_CLOUD_CONFIG_FILE`, else
 * `$HOME/.aliyun/config.json`.  Profile: `profile`, else
 * `ALIBABA_CLOUD_PROFILE`, else the file's `"current"`.  The profile (an
 * element of `"profiles"` with that `"name"`) must have `"mode"` `"AK"`
 * (`access_key_id`, `access_key_secret`) or `"StsToken"` (the same plus
 * `sts_token`); any other mode fails with "unsupported mode 'RamRoleArn' in
 * profile 'x'".  `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` turns it off.
 * The file is read on every get (wrap it in a cache to avoid that; the
 * default chain does).  Read buffers are wiped.
 */
ENS_EXTERN ens_status ens_credentials_provider_cli_config_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/**
 * @brief The shared credentials file (INI): `~/.alibabacloud/credentials`.
 *
 * File: `credentials_file`, else `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
 * `$HOME/.alibabacloud/credentials`.  Section: `profile`, else
 * `ALIBABA_CLOUD_PROFILE`, else `default`.  The section must have
 * `type = access_key`, `access_key_id` and `access_key_secret`; another type
 * fails naming it ("unsupported type 'ecs_ram_role' ...").
 *
 * The parser is strict: blank lines, comment lines starting with `;` or `#`,
 * `[section]` and `key = value` lines (whitespace around names and values is
 * trimmed; one pair of surrounding double quotes is removed; no inline
 * comments); anything else anywhere in the file, a key outside a section,
 * the selected section appearing twice or a key repeated in it fails with
 * the file name and line number only (never the line's text).
 * The file is read on every get; read buffers are wiped.
 */
ENS_EXTERN ens_status ens_credentials_provider_credentials_file_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/**
 * @brief The instance RAM role, from the instance metadata service; cached
 * (see ens_credentials_provider_cached_new(), with the options' clock,
 * `refresh_before_s` and `retry_backoff_s`).
 *
 * A fetch: `PUT <base>/latest/api/token` with header
 * `X-aliyun-ecs-metadata-token-ttl-seconds` gets a session token; then
 * `GET <base>/latest/meta-data/ram/security-credentials/` (role discovery,
 * first line of the body) unless `metadata_role_name` or
 * `ALIBABA_CLOUD_ECS_METADATA` names the role; then
 * `GET <base>/latest/meta-data/ram/security-credentials/<role>`, both GETs
 * with header `X-aliyun-ecs-metadata-token`.  The answer must be JSON with
 * `"Code": "Success"`, `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and
 * `Expiration` ("2026-11-25T12:00:00Z").  When the token request gets an HTTP
 * answer other than 200 (an old metadata service) the GETs go without a token
 * unless `metadata_v1_disabled` or `ALIBABA_CLOUD_IMDSV1_DISABLED=true`; when
 * it gets no answer at all the fetch fails.  Each request has a 1 s connect
 * and 1 s total timeout by default, and never goes through a proxy with the
 * default transport.  `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` turns the
 * provider off (get fails with "disabled").
 */
ENS_EXTERN ens_status ens_credentials_provider_ecs_ram_role_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/**
 * @brief Credentials from a URI (`credentials_uri`, else
 * `ALIBABA_CLOUD_CREDENTIALS_URI`); cached like the RAM role provider.
 *
 * A fetch is `GET <uri>` (http or https), which must answer 200 with JSON
 * holding `AccessKeyId` and `AccessKeySecret`, and usually `SecurityToken` and
 * `Expiration` ("2026-11-25T12:00:00Z"; without it the credentials are kept
 * until invalidated).  A `Code` member other than "Success" fails.  Proxies
 * are those of libcurl's environment with the default transport.
 */
ENS_EXTERN ens_status ens_credentials_provider_uri_new(ens_credentials_provider **out,
                                                       const ens_credentials_provider_options *opts);

/** @brief Current version of ::ens_credentials_cache_options. */
#define ENS_CREDENTIALS_CACHE_OPTIONS_VERSION 1

/** @brief Options of ens_credentials_provider_cached_new().  Fields are only ever added at the end. */
typedef struct ens_credentials_cache_options {
    unsigned int version;     /**< Set by the initialiser; do not change. */
    ens_clock_fn clock_fn;    /**< NULL = time(). */
    void *clock_payload;      /**< Passed to clock_fn. */
    long refresh_before_s;    /**< 0 = ::ENS_DEFAULT_CREDENTIALS_REFRESH_BEFORE_S. */
    long retry_backoff_s;     /**< 0 = ::ENS_DEFAULT_CREDENTIALS_RETRY_BACKOFF_S. */
} ens_credentials_cache_options;

/** @brief Static initialiser for ::ens_credentials_cache_options. */
#define ENS_CREDENTIALS_CACHE_OPTIONS_INIT {.version = ENS_CREDENTIALS_CACHE_OPTIONS_VERSION}

/**
 * @brief Wraps @p inner in a thread-safe cache.
 *
 * - Credentials without expiration are kept until invalidated.
 * - Credentials with an expiration are handed out while more than
 *   `refresh_before_s` seconds remain.  Below that, ONE caller fetches new
 *   ones from @p inner while every other caller keeps getting the still-valid
 *   ones without waiting (single flight).
 * - If that refresh fails while the old credentials are still valid, they
 *   are kept (the caller gets them, not the error) and no new fetch is tried
 *   for `retry_backoff_s` seconds.
 * - Expired credentials are never handed out.  With no valid credentials,
 *   one caller fetches and the others wait for its result; if it fails, they
 *   all get its error (the next get tries again).
 * - Credentials that @p inner returns already expired are refused
 *   (::ENS_ECREDENTIALS).
 * - ens_credentials_provider_invalidate() drops the cache (and invalidates
 *   @p inner); a fetch that was under way when it happened is not kept.
 *
 * @param out   receives the provider (ens_credentials_provider_free(), or
 *              hand it to a client); unchanged on failure.
 * @param inner owned by the new provider, also when this call fails.
 * @param opts  may be NULL for defaults.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL argument, bad options), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_cached_new(ens_credentials_provider **out,
                                                          ens_credentials_provider *inner,
                                                          const ens_credentials_cache_options *opts);

/**
 * @brief A chain: get asks each provider in order and returns the first
 * credentials obtained.
 *
 * A provider that fails, whether it is not configured (variable unset, file
 * absent) or configured but broken (malformed file, unsupported mode, HTTP
 * error), is passed over and the chain moves on to the next one, as the
 * official Alibaba Cloud chains do; only ::ENS_ENOMEM stops it at once.  When
 * none succeeds, get fails with ::ENS_ECREDENTIALS and a description listing
 * every provider tried and why, e.g. "no credentials: environment:
 * ALIBABA_CLOUD_ACCESS_KEY_ID is not set; cli config: /root/.aliyun/config.json
 * not found; ...", each reason shortened (ending in "...") when all would not
 * fit in ens_error::description.  The chain itself does not cache; invalidate
 * is passed on to every provider.
 *
 * @param out       receives the chain (ens_credentials_provider_free(), or
 *                  hand it to a client); unchanged on failure.
 * @param providers array of @p count providers (1..64); the chain takes
 *                  ownership of each of them, also when this call fails.
 *                  The array itself is only read.
 * @param count     number of providers in @p providers, 1 to 64.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL @p out or @p providers or an element,
 *         @p count of 0 or above 64), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_chain_new(ens_credentials_provider **out,
                                                         ens_credentials_provider *const *providers,
                                                         size_t count);

/**
 * @brief The default chain: environment -> CLI config -> credentials file ->
 * instance RAM role -> credentials URI, behind one cache.
 *
 * Each provider is built from @p opts (may be NULL) as its own constructor
 * documents; the chain is ens_credentials_provider_chain_new() (so a broken
 * source is passed over and the failure lists them all), wrapped in
 * ens_credentials_provider_cached_new() with the options' clock and refresh
 * settings (the RAM role and URI steps have no cache of their own here).
 * Long-term keys found are therefore kept until
 * ens_credentials_provider_invalidate(); temporary ones are refreshed before
 * they expire.  Outside an instance the RAM role step costs up to the connect
 * timeout (1 s) on each fetch: set `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`
 * to skip it.
 *
 * @return as the individual constructors.
 */
ENS_EXTERN ens_status ens_credentials_provider_default_chain_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CREDENTIALS_H */
