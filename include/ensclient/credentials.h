/* SPDX-License-Identifier: MIT */
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
 * | a RAM role assumed with other credentials (STS AssumeRole) | ens_credentials_provider_ram_role_arn_new() |
 * | OIDC role assumption (RRSA: `ALIBABA_CLOUD_ROLE_ARN`, `_OIDC_PROVIDER_ARN`, `_OIDC_TOKEN_FILE`) | ens_credentials_provider_oidc_new() |
 * | a host function | ens_credentials_provider_callback_new(), or ens_credentials_provider_new() with a vtable |
 * | the official order of the above | ens_credentials_provider_default_chain_new() |
 *
 * ens_credentials_provider_chain_new() and ens_credentials_provider_cached_new()
 * compose providers.  Every provider is safe for concurrent get; creating and
 * freeing one is not synchronised.  No error description ever holds a secret.
 *
 * ## Deadlines
 * ens_credentials_provider_get_ex() hands a provider the time left to the
 * caller's deadline, its cancellation token and its log callback (the client
 * passes those of each call).  Every provider of the library keeps within
 * them: HTTP requests are cut to the time left, a file is never opened in a
 * way that can block (FIFOs and devices are refused), a cache does not make
 * a caller wait for another caller's fetch past its own deadline, and a
 * chain stops at the deadline.  Providers written against vtable versions 1
 * and 2 keep working: they are called without a deadline.
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

/** @brief Current version of ::ens_credentials_get_options. */
#define ENS_CREDENTIALS_GET_OPTIONS_VERSION 1

/**
 * @brief What one resolution of credentials may take, and where its
 * warnings go: given to ens_credentials_provider_get_ex() and passed on to a
 * provider's `get_ex`.  Caller-owned; read during the call only.  Initialise
 * with ::ENS_CREDENTIALS_GET_OPTIONS_INIT or ens_credentials_get_options_init();
 * fields are only ever added at the end.
 */
typedef struct ens_credentials_get_options {
    unsigned int version; /**< Set by the initialiser; do not change. */
    /** Milliseconds left until the caller's deadline; 0 = no deadline.  A
        provider gives up with ::ENS_ETIMEOUT when it passes (requests it
        makes are cut to what is left). */
    long timeout_ms;
    /** May be NULL; once triggered a provider gives up with ::ENS_ECANCELED
        (an HTTP request within about a second, see cancel.h). */
    const ens_cancel *cancel;
    /** Where providers report what deserves a word but is not a failure, for
        example a credentials file that group or others can read (a
        ::ENS_LOG_WARN line).  NULL = nothing is reported.  The client passes
        its own log callback.  Lines never hold a secret. */
    ens_log_fn log_fn;
    void *log_payload;       /**< Passed to log_fn. */
    ens_log_level log_level; /**< Most verbose level delivered. */
} ens_credentials_get_options;

/** @brief Static initialiser for ::ens_credentials_get_options (no deadline, no log). */
#define ENS_CREDENTIALS_GET_OPTIONS_INIT {.version = ENS_CREDENTIALS_GET_OPTIONS_VERSION}

/** @brief Initialises @p opts (NULL is ignored) to no deadline, no token, no log.  Thread-safe. */
ENS_EXTERN void ens_credentials_get_options_init(ens_credentials_get_options *opts);

/**
 * @brief Current version of ::ens_credentials_provider_vtable.
 *
 * Version 2 added `invalidate`, version 3 `get_ex`.  Tables of versions 1 and
 * 2 are still accepted: the library never reads past the members their
 * version has.
 */
#define ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION 3

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
 * `get_ex` (version >= 3) is `get` with the caller's deadline, cancellation
 * token and log callback (@p opts, never NULL, of version 1 or later: read
 * only the members its version has).  It should return ::ENS_ETIMEOUT once
 * the deadline has passed and ::ENS_ECANCELED once the token is triggered.
 * A version-3 table needs `get` or `get_ex` (or both): when `get_ex` is set
 * the library calls only it; otherwise it calls `get`, which cannot see the
 * deadline.
 *
 * Initialise with designated initialisers
 * (`{.version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get_ex = my_get}`) so
 * that members added later are NULL.
 */
typedef struct ens_credentials_provider_vtable {
    unsigned int version; /**< ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION. */
    ens_status (*get)(void *ctx, ens_credentials **out, ens_error *err); /**< Resolve credentials. */
    void (*destroy)(void *ctx);                                           /**< Free ctx; may be NULL. */
    /** Drop cached credentials; the next get fetches anew.  May be NULL.  (Version 2.) */
    void (*invalidate)(void *ctx);
    /** Resolve credentials within @p opts (deadline, token, log).  May be NULL.  (Version 3.) */
    ens_status (*get_ex)(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                         ens_error *err);
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
 * Tables of version 1 (without `invalidate`), 2 and 3 are accepted.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL vtable, neither get nor (version 3)
 *         get_ex, unknown version), ::ENS_ENOMEM.
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

/**
 * @brief Resolves credentials through @p provider within a deadline, with a
 * cancellation token and a log callback (see ::ens_credentials_get_options).
 *
 * @param provider the provider; borrowed.  Safe to call from several threads at once.
 * @param opts     NULL = no deadline, no token, no log (then the same as
 *                 ens_credentials_provider_get()); read during the call only.
 * @param out      receives a new reference (ens_credentials_release()).
 * @param err      may be NULL; filled on failure, never with a secret.
 * @return whatever the provider returns: ::ENS_OK, ::ENS_ECREDENTIALS,
 *         ::ENS_ENOMEM, ::ENS_ETIMEOUT (the deadline passed: nothing was
 *         obtained in time), ::ENS_ECANCELED (the token was triggered);
 *         ::ENS_EINVAL for NULL arguments, an unknown @p opts version or a
 *         negative timeout; ::ENS_EINTERNAL when a provider returns ENS_OK
 *         without credentials.  A provider of vtable version 1 or 2 is called
 *         through its `get` after a check of the deadline and the token.
 */
ENS_EXTERN ens_status ens_credentials_provider_get_ex(ens_credentials_provider *provider,
                                                      const ens_credentials_get_options *opts,
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

/**
 * @brief Current version of ::ens_credentials_provider_options.  Version 2
 * added the role and STS members (role_arn ... sts_timeout_ms).
 */
#define ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION 2

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
/** @brief Default STS endpoint (no region named). */
#define ENS_DEFAULT_STS_ENDPOINT "https://sts.aliyuncs.com"
/** @brief API version of the STS calls (AssumeRole, AssumeRoleWithOIDC). */
#define ENS_STS_API_VERSION "2015-04-01"
/** @brief Default lifetime asked for assumed-role credentials (1 hour). */
#define ENS_DEFAULT_ROLE_DURATION_S 3600L
/** @brief Shortest lifetime STS grants (15 minutes). */
#define ENS_MIN_ROLE_DURATION_S 900L
/** @brief Longest lifetime STS may grant (12 hours; the role's own maximum may be lower). */
#define ENS_MAX_ROLE_DURATION_S 43200L
/** @brief Default deadline of one STS call, retries included. */
#define ENS_DEFAULT_STS_TIMEOUT_MS 10000L

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
    /** Transport for the metadata, URI and STS requests; borrowed, must
        outlive the provider and allow concurrent sends.  NULL = a libcurl
        transport of the provider's own (ens_transport_curl_new()): the
        metadata and URI providers' one never uses a proxy, not even one named
        by the environment (http_proxy, ALL_PROXY ...), since both fetch
        secrets, often over plain http; the STS one uses libcurl's defaults.
        To reach a metadata service or a credentials URI through a proxy,
        pass a transport made with ens_curl_transport_options::proxy set. */
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
    /* ---- version 2: assumed roles and STS ---- */
    /** RAM role to assume, e.g. "acs:ram::123456789012:role/ens-reader";
        NULL = `ALIBABA_CLOUD_ROLE_ARN`.  (A CLI-config or INI profile names its own.) */
    const char *role_arn;
    /** Session name of the assumed role (2..64 of letters, digits, `.@-_`);
        NULL = `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else `ensclient-<unix time>`. */
    const char *role_session_name;
    /** Lifetime asked for, ::ENS_MIN_ROLE_DURATION_S to ::ENS_MAX_ROLE_DURATION_S;
        0 = ::ENS_DEFAULT_ROLE_DURATION_S. */
    long role_duration_s;
    /** An inline policy further restricting the role (JSON text); NULL = none. */
    const char *role_policy;
    /** The external ID the role's trust policy asks for (AssumeRole only); NULL = none. */
    const char *role_external_id;
    /** OIDC identity provider, e.g. "acs:ram::123456789012:oidc-provider/ack-rrsa";
        NULL = `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`. */
    const char *oidc_provider_arn;
    /** File holding the OIDC token (re-read on every fetch); NULL =
        `ALIBABA_CLOUD_OIDC_TOKEN_FILE`. */
    const char *oidc_token_file;
    /** STS endpoint, "https://host[:port]" or a bare host (http only to
        loopback); NULL = from sts_region. */
    const char *sts_endpoint;
    /** STS region: the endpoint becomes `sts.<region>.aliyuncs.com` (or
        `sts-vpc.<region>.aliyuncs.com`, see sts_vpc); NULL =
        `ALIBABA_CLOUD_STS_REGION`, else ::ENS_DEFAULT_STS_ENDPOINT. */
    const char *sts_region;
    /** Use the region's VPC endpoint (also turned on by
        `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`); needs a region. */
    bool sts_vpc;
    /** Deadline of one STS call, retries included (the caller's deadline,
        when shorter, wins); 0 = ::ENS_DEFAULT_STS_TIMEOUT_MS. */
    long sts_timeout_ms;
} ens_credentials_provider_options;

/** @brief Static initialiser for ::ens_credentials_provider_options. */
#define ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT {.version = ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION}

/** @brief Initialises @p opts (not NULL) to the defaults.  Thread-safe. */
ENS_EXTERN void ens_credentials_provider_options_init(ens_credentials_provider_options *opts);

/*
 * Errors of every provider below.  Constructors return ::ENS_OK,
 * ::ENS_EINVAL (NULL @p out, an options version of 0 or above the current
 * one, a negative number, a string holding CR/LF, a role_duration_s outside
 * 900..43200) or ::ENS_ENOMEM; the HTTP providers may also return what
 * ens_transport_curl_new() returns.  Nothing is read or fetched before the
 * first get.  `get` returns ::ENS_OK, ::ENS_ENOMEM, or ::ENS_ECREDENTIALS
 * with a description that names the source (a path and line, a variable, a
 * URL without user info or query) and the reason — never a secret nor any
 * text of the file or response.  The HTTP and STS providers fail with
 * ::ENS_ECREDENTIALS too when the request failed; the transport's status
 * (::ENS_ETIMEOUT, ::ENS_ENETWORK ...) is named in the description.  Through
 * ens_credentials_provider_get_ex() they also return ::ENS_ETIMEOUT when the
 * caller's deadline passed and ::ENS_ECANCELED when its token was triggered.
 * All providers are safe for concurrent get.
 *
 * Files (the CLI config, the credentials file, an OIDC token file) must be
 * regular files of at most 1 MiB: a FIFO, a device, a socket or a directory
 * is refused at once ("is not a regular file"), never waited on.  A CLI
 * config or credentials file that group or others may read is used, with a
 * ::ENS_LOG_WARN line through the log callback of the get options (once per
 * provider).
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
 * element of `"profiles"` with that `"name"`) has a `"mode"`:
 *
 * | mode | members | credentials |
 * | --- | --- | --- |
 * | `AK` | `access_key_id`, `access_key_secret` | those |
 * | `StsToken` | the same and `sts_token` | those |
 * | `RamRoleArn` | the same as AK (and optional `sts_token`), `ram_role_arn`, optional `ram_session_name`, `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` | AssumeRole with those keys |
 * | `ChainableRamRoleArn` | `source_profile` (another profile of the file), `ram_role_arn` and the optional members above | AssumeRole with the source profile's credentials |
 * | `EcsRamRole` | optional `ram_role_name` | the instance RAM role (discovered without a name) |
 * | `CredentialsURI` | `credentials_uri` | that URI |
 * | `OIDC` | `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`, optional `ram_session_name`, `expired_seconds`, `policy`, `sts_region`, `enable_vpc` | AssumeRoleWithOIDC |
 *
 * Any other mode fails with "unsupported mode 'X' in profile 'x'"; a chain
 * of source profiles deeper than 8 or looping fails too.  Members the
 * profile does not set come from the options as for
 * ens_credentials_provider_ram_role_arn_new(), ens_credentials_provider_oidc_new(),
 * ens_credentials_provider_ecs_ram_role_new() and ens_credentials_provider_uri_new()
 * (sts_endpoint, timeouts, transport, clock, cache settings).
 * `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` turns it off.
 * The file is read on every get (wrap it in a cache to avoid that; the
 * default chain does); the provider behind a role, URI or RAM-role profile
 * is built once and kept (with its cache) while the profile stays the same.
 * Read buffers are wiped.
 */
ENS_EXTERN ens_status ens_credentials_provider_cli_config_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/**
 * @brief The shared credentials file (INI): `~/.alibabacloud/credentials`.
 *
 * File: `credentials_file`, else `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
 * `$HOME/.alibabacloud/credentials`.  Section: `profile`, else
 * `ALIBABA_CLOUD_PROFILE`, else `default`.  The section's `type`:
 *
 * | type | keys | credentials |
 * | --- | --- | --- |
 * | `access_key` | `access_key_id`, `access_key_secret` | those |
 * | `ecs_ram_role` | `role_name` (optional: discovered) | the instance RAM role |
 * | `ram_role_arn` | `access_key_id`, `access_key_secret`, `role_arn`, optional `role_session_name`, `policy`, `external_id`, `sts_region`, `enable_vpc` | AssumeRole with those keys |
 * | `oidc_role_arn` | `role_arn`, `oidc_provider_arn`, `oidc_token_file_path`, optional `role_session_name`, `policy`, `sts_region`, `enable_vpc` | AssumeRoleWithOIDC |
 *
 * another type fails naming it ("unsupported type 'rsa_key_pair' ...").
 * Options fill in what a section leaves out, as for the CLI config.
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
 * until invalidated).  A `Code` member other than "Success" fails.  With the
 * default transport no proxy is used, not even one the environment names.
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
 *   all get its error (the next get tries again).  A caller never waits past
 *   its own deadline or a triggered token (ens_credentials_provider_get_ex():
 *   it gets ::ENS_ETIMEOUT / ::ENS_ECANCELED), and when the fetch ended only
 *   because the fetching caller's time ran out, the waiters fetch again
 *   within their own deadlines instead of sharing that failure.  The fetch
 *   runs without the cache's lock held.
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
 * official Alibaba Cloud chains do; only ::ENS_ENOMEM, and through
 * ens_credentials_provider_get_ex() a passed deadline (::ENS_ETIMEOUT) or a
 * triggered token (::ENS_ECANCELED), stop it at once (the description then
 * names the provider that was running and those tried before it).  When
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
 * @brief A RAM role assumed with credentials from @p source: STS AssumeRole,
 * cached and refreshed before expiry (see ens_credentials_provider_cached_new(),
 * with the options' clock, `refresh_before_s` and `retry_backoff_s`).
 *
 * A fetch is one signed call of STS AssumeRole (version
 * ::ENS_STS_API_VERSION, through the library's RPC call with the same
 * retries and error model as any call) with `RoleArn` (`role_arn`, else
 * `ALIBABA_CLOUD_ROLE_ARN`), `RoleSessionName`, `DurationSeconds` and, when
 * set, `Policy` and `ExternalId`.  The source credentials (any provider: a
 * static AccessKey, another role for a chain of roles, ...) sign it; when STS
 * answers InvalidSecurityToken.* the source is invalidated and the call
 * retried once.  The endpoint: `sts_endpoint`, else
 * `https://sts[-vpc].<region>.aliyuncs.com` for `sts_region` (else
 * `ALIBABA_CLOUD_STS_REGION`; `-vpc` with `sts_vpc` or
 * `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), else ::ENS_DEFAULT_STS_ENDPOINT.
 * Each call takes at most `sts_timeout_ms`, or the caller's remaining
 * deadline when that is shorter.  The answer's `Credentials` (AccessKeyId,
 * AccessKeySecret, SecurityToken, Expiration) are read by the library's own
 * JSON scanner into memory that is wiped.
 *
 * A refresh that fails keeps the still-valid credentials; an STS error is
 * reported as ::ENS_ECREDENTIALS naming the endpoint, the role and the
 * service's Code and Message ("... NoPermission ...").
 *
 * @param out    receives the provider (ens_credentials_provider_free(), or
 *               hand it to a client); unchanged on failure.
 * @param source the provider of the credentials that assume the role; owned
 *               by the new provider, also when this call fails.
 * @param opts   may be NULL (then everything comes from the environment).
 * @return as the other constructors; ::ENS_EINVAL also for a NULL @p source.
 */
ENS_EXTERN ens_status ens_credentials_provider_ram_role_arn_new(
    ens_credentials_provider **out, ens_credentials_provider *source,
    const ens_credentials_provider_options *opts);

/**
 * @brief OIDC role assumption (RRSA on Alibaba Cloud Kubernetes): STS
 * AssumeRoleWithOIDC with a token read from a file, cached and refreshed
 * before expiry like ens_credentials_provider_ram_role_arn_new().
 *
 * A fetch reads the token file (`oidc_token_file`, else
 * `ALIBABA_CLOUD_OIDC_TOKEN_FILE`) anew, so that a rotated token is used,
 * and calls AssumeRoleWithOIDC unsigned (no credentials are needed) with
 * `RoleArn` (`role_arn`, else `ALIBABA_CLOUD_ROLE_ARN`), `OIDCProviderArn`
 * (`oidc_provider_arn`, else `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`), `OIDCToken`
 * (never logged, wiped after the call), `RoleSessionName`,
 * `DurationSeconds` and, when set, `Policy`, at the STS endpoint chosen as
 * for ens_credentials_provider_ram_role_arn_new().  A variable that is unset
 * fails the get naming it (this is how the default chain passes over OIDC
 * outside a pod).
 *
 * @return as the other constructors.
 */
ENS_EXTERN ens_status ens_credentials_provider_oidc_new(ens_credentials_provider **out,
                                                        const ens_credentials_provider_options *opts);

/**
 * @brief The default chain: environment -> OIDC -> CLI config -> credentials
 * file -> instance RAM role -> credentials URI, behind one cache (the order
 * of the official Alibaba Cloud tools).
 *
 * Each provider is built from @p opts (may be NULL) as its own constructor
 * documents; the chain is ens_credentials_provider_chain_new() (so a broken
 * source is passed over and the failure lists them all), wrapped in
 * ens_credentials_provider_cached_new() with the options' clock and refresh
 * settings (the OIDC, RAM role and URI steps have no cache of their own
 * here).  The failure of get names every source and why it failed.
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
