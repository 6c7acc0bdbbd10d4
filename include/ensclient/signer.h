/* SPDX-License-Identifier: MIT */
/**
 * @file signer.h
 * @brief The pluggable request signer and the signable request it works on.
 *
 * The client prepares an ::ens_signable (method, host, path, canonical query,
 * headers, body), then asks the signer to add authentication headers given
 * the resolved ::ens_credentials.  The clock and the nonce source come from
 * the signable (the client's, pinnable by tests).  ACS3-HMAC-SHA256
 * (ens_signer_acs3_new()) is one implementation; a user may supply another,
 * for example one that asks a hardware module or a signing service.
 */
#ifndef ENSCLIENT_SIGNER_H
#define ENSCLIENT_SIGNER_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "credentials.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A request being prepared for signing.  Opaque.
 *
 * Not thread-safe: one signable is used by one thread at a time (the client
 * makes a new one for every attempt).  Strings returned by its accessors are
 * borrowed and valid until the signable is changed or freed.
 */
typedef struct ens_signable ens_signable;

/* ens_clock_fn (the clock a signable reads) comes from credentials.h: a
   typedef repeated in two headers is a C11 feature, an error in C99. */
/**
 * @brief A nonce source: writes a fresh value of 1..64 characters from
 * `[0-9A-Za-z_-]` plus a NUL into @p out.  Must be thread-safe.
 * @return ::ENS_OK or a negative status.
 */
typedef ens_status (*ens_nonce_fn)(void *payload, char out[65]);

/**
 * @brief Creates a signable request (for custom signers' own tests; the
 * client builds its own).
 *
 * @param out             receives the signable (ens_signable_free()); unchanged on failure.
 * @param method          HTTP method, e.g. "POST".
 * @param host            host[:port] as sent in the host header.
 * @param path            "/" for RPC-style APIs.
 * @param canonical_query the already encoded and sorted query ("" for none).
 * The `host` header is set from @p host.  Body is empty, the clock is the
 * system clock and the nonce comes from libsodium until changed.
 * @return ::ENS_OK, ::ENS_EINVAL (NULL or empty method, host or path; CR/LF in
 *         an argument), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_signable_new(ens_signable **out, const char *method, const char *host,
                                       const char *path, const char *canonical_query);
/** @brief Frees a signable, wiping header values.  NULL accepted. */
ENS_EXTERN void ens_signable_free(ens_signable *s);

/** @brief HTTP method, e.g. "POST". Borrowed. */
ENS_EXTERN const char *ens_signable_method(const ens_signable *s);
/** @brief host[:port]. Borrowed. */
ENS_EXTERN const char *ens_signable_host(const ens_signable *s);
/** @brief Path, "/" for RPC. Borrowed. */
ENS_EXTERN const char *ens_signable_path(const ens_signable *s);
/** @brief Canonical query string: RFC 3986-encoded pairs sorted by name, joined by '&'. Borrowed. */
ENS_EXTERN const char *ens_signable_canonical_query(const ens_signable *s);
/** @brief Body bytes (NULL when empty); @p len may be NULL. Borrowed. */
ENS_EXTERN const void *ens_signable_body(const ens_signable *s, size_t *len);
/**
 * @brief Replaces the body with a copy of @p len bytes.
 * @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_signable_set_body(ens_signable *s, const void *body, size_t len);

/** @brief Number of headers. */
ENS_EXTERN size_t ens_signable_header_count(const ens_signable *s);
/** @brief Header @p index (borrowed).  @return ::ENS_OK or ::ENS_EINVAL (out of range). */
ENS_EXTERN ens_status ens_signable_header_at(const ens_signable *s, size_t index,
                                             const char **name, const char **value);
/** @brief Value of header @p name (case-insensitive) or NULL.  Borrowed. */
ENS_EXTERN const char *ens_signable_header(const ens_signable *s, const char *name);
/**
 * @brief Sets header @p name (stored lowercased), replacing an existing one.
 * @return ::ENS_OK, ::ENS_EINVAL (empty name; ':', space, control character or
 *         DEL in the name; CR/LF in the value), ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_signable_set_header(ens_signable *s, const char *name, const char *value);

/** @brief Sets the clock the signer will read (NULL = system clock). */
ENS_EXTERN void ens_signable_set_clock(ens_signable *s, ens_clock_fn clock, void *payload);
/** @brief Sets the nonce source (NULL = 32 lowercase hex characters from libsodium). */
ENS_EXTERN void ens_signable_set_nonce_source(ens_signable *s, ens_nonce_fn nonce, void *payload);
/** @brief Reads the signable's clock. */
ENS_EXTERN time_t ens_signable_now(const ens_signable *s);
/** @brief Draws one nonce from the signable's nonce source.  @return ::ENS_OK or the source's error. */
ENS_EXTERN ens_status ens_signable_nonce(const ens_signable *s, char out[65]);

/** @brief Current version of ::ens_signer_vtable. */
#define ENS_SIGNER_VTABLE_VERSION 1

/**
 * @brief Functions of a signer.
 *
 * `sign` adds authentication headers to @p req using @p creds (borrowed for
 * the call).  It returns ::ENS_OK, or ::ENS_ENOMEM / ::ENS_ECREDENTIALS /
 * ::ENS_EINVAL / another negative status with @p err filled (err may be
 * NULL; never put a secret in it).  It must be safe to call from several
 * threads at once on different signables.
 */
typedef struct ens_signer_vtable {
    unsigned int version; /**< ENS_SIGNER_VTABLE_VERSION. */
    /** Adds the authentication headers to @p req (see above). */
    ens_status (*sign)(void *ctx, ens_signable *req, const ens_credentials *creds, ens_error *err);
    void (*destroy)(void *ctx); /**< Releases ctx; may be NULL. */
} ens_signer_vtable;

/** @brief A signer object.  Opaque. */
typedef struct ens_signer ens_signer;

/**
 * @brief Wraps a vtable and context into a signer.  On failure destroy is not
 * called.  @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM.
 */
ENS_EXTERN ens_status ens_signer_new(ens_signer **out, const ens_signer_vtable *vtable, void *ctx);

/** @brief Signs @p req with @p signer (what wrappers call to delegate). */
ENS_EXTERN ens_status ens_signer_sign(ens_signer *signer, ens_signable *req,
                                      const ens_credentials *creds, ens_error *err);

/** @brief Frees a signer (calls its destroy hook).  NULL accepted. */
ENS_EXTERN void ens_signer_free(ens_signer *signer);

/**
 * @brief Creates the ACS3-HMAC-SHA256 signer (Alibaba Cloud signature V3).
 *
 * It sets `x-acs-date` (from the signable's clock), `x-acs-signature-nonce`
 * (from its nonce source), `x-acs-content-sha256` (hash of the body),
 * `x-acs-security-token` (with STS credentials) and `authorization`.  It
 * signs `host`, `content-type` when present and every `x-acs-*` header.
 * Intermediate buffers holding the key material are wiped.  Thread-safe.
 * Signing fails with ::ENS_ECREDENTIALS (empty ID or secret), ::ENS_EINVAL
 * (unusable clock value or nonce) or ::ENS_ENOMEM.
 * @return ::ENS_OK, ::ENS_ENOMEM, or ::ENS_EINTERNAL when libsodium cannot initialise.
 */
ENS_EXTERN ens_status ens_signer_acs3_new(ens_signer **out);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_SIGNER_H */
