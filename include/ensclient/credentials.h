/**
 * @file credentials.h
 * @brief Credentials and the credentials-provider interface.
 *
 * A provider hands out ::ens_credentials: an immutable, reference-counted
 * AccessKey ID, secret and optional STS token.  The secret and token live in
 * library-owned memory that is excluded from core dumps where the platform
 * allows it and wiped with sodium_memzero() when the last reference goes.
 */
#ifndef ENSCLIENT_CREDENTIALS_H
#define ENSCLIENT_CREDENTIALS_H

#include <time.h>

#include "common.h"

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

/** @brief Current version of ::ens_credentials_provider_vtable. */
#define ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION 1

/**
 * @brief Functions of a credentials provider.
 *
 * `get` must return ::ENS_OK with a new reference in @p out, or
 * ::ENS_ECREDENTIALS / ::ENS_ENOMEM / ::ENS_ETIMEOUT / ::ENS_ENETWORK with @p err
 * filled (err may be NULL).  It must be safe to call from several threads at
 * once.  `destroy` (may be NULL) releases @p ctx; it is called once, when the
 * provider is freed.
 */
typedef struct ens_credentials_provider_vtable {
    unsigned int version; /**< ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION. */
    ens_status (*get)(void *ctx, ens_credentials **out, ens_error *err); /**< Resolve credentials. */
    void (*destroy)(void *ctx);                                           /**< Free ctx; may be NULL. */
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
 * @return ::ENS_OK, ::ENS_EINVAL (NULL vtable or get, unknown version), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_credentials_provider_new(ens_credentials_provider **out,
                                                   const ens_credentials_provider_vtable *vtable,
                                                   void *ctx);

/**
 * @brief A provider that always returns the given static credentials.
 *
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
 * @param out receives a new reference (ens_credentials_release()).
 * @return whatever the provider's get returns; ::ENS_EINVAL for NULL arguments;
 *         ::ENS_EINTERNAL when a provider returns ENS_OK without credentials.
 */
ENS_EXTERN ens_status ens_credentials_provider_get(ens_credentials_provider *provider,
                                                   ens_credentials **out, ens_error *err);

/** @brief Frees a provider (calling its destroy hook).  NULL accepted.  Not thread-safe. */
ENS_EXTERN void ens_credentials_provider_free(ens_credentials_provider *provider);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CREDENTIALS_H */
