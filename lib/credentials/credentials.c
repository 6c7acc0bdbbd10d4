/* Credentials objects and the provider interface (the providers themselves
 * live in the other files of this folder).  Secrets live in sodium_malloc'd
 * memory: guarded, excluded from core dumps where the platform allows it,
 * wiped on release. */
#include <sodium.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/error.h"
#include "util/text.h"
#include "util/vobj.h"
#include "ensclient/credentials.h"

struct ens_credentials {
    atomic_uint refs;
    char *access_key_id;     /* ens__malloc */
    /* One block of secret memory (ens__secret_alloc): the HMAC-SHA256 state
       keyed with the secret (both key pads absorbed, computed once here so
       that a signature need not redo it), then the secret itself.  The keyed
       state is as sensitive as the secret: it lets anyone compute MACs. */
    void *secret_block;
    crypto_auth_hmacsha256_state *hmac; /* in secret_block */
    char *access_key_secret;            /* in secret_block */
    char *security_token;    /* secret memory, or NULL */
    time_t expiration;
};

/* Where the secret starts in the block: after the state, which sits at the
   block's start.  sodium_malloc places a block against the guard page that
   follows it, so the block is only as aligned as its size: the size is
   rounded up to a multiple of the alignment the state needs. */
#define SECRET_OFFSET sizeof(crypto_auth_hmacsha256_state)
#define BLOCK_ALIGN alignof(max_align_t)

struct ens_credentials_provider {
    ens__vobj o;
    const char *name; /* static string for chain messages, or NULL */
};

static const ens_credentials_provider_vtable *vtable_of(const ens_credentials_provider *p)
{
    return p->o.vtable;
}

static void credentials_destroy(ens_credentials *c)
{
    ens__free(c->access_key_id);
    if (c->hmac)
        sodium_memzero(c->hmac, sizeof(*c->hmac));
    ens__secret_free(c->secret_block); /* wipes the secret (and the state again) */
    ens__secret_free(c->security_token);
    ens__free(c);
}

/* The secret block: keyed state + secret.  0, or -1 on allocation failure. */
static int secret_block_new(ens_credentials *c, const char *secret)
{
    size_t slen = strlen(secret), size;
    if (slen > SIZE_MAX - SECRET_OFFSET - BLOCK_ALIGN)
        return -1;
    size = (SECRET_OFFSET + slen + 1 + BLOCK_ALIGN - 1) / BLOCK_ALIGN * BLOCK_ALIGN;
    c->secret_block = ens__secret_alloc(size);
    if (!c->secret_block)
        return -1;
    c->hmac = c->secret_block;
    c->access_key_secret = (char *)c->secret_block + SECRET_OFFSET;
    memcpy(c->access_key_secret, secret, slen + 1);
    /* Any key length is accepted (a key longer than the block is hashed). */
    crypto_auth_hmacsha256_init(c->hmac, (const unsigned char *)secret, slen);
    return 0;
}

ENS_EXTERN ens_status ens_credentials_new(ens_credentials **out, const char *access_key_id,
                                          const char *access_key_secret, const char *security_token,
                                          time_t expiration)
{
    ens_credentials *c;
    if (!out || !access_key_id || !*access_key_id || !access_key_secret || !*access_key_secret)
        return ENS_EINVAL;
    if (ens__has_crlf(access_key_id) || ens__has_crlf(access_key_secret) || ens__has_crlf(security_token))
        return ENS_EINVAL;
    if (sodium_init() < 0)
        return ENS_EINTERNAL;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    atomic_init(&c->refs, 1);
    c->expiration = expiration;
    c->access_key_id = ens__strdup(access_key_id);
    if (secret_block_new(c, access_key_secret) < 0) {
        credentials_destroy(c);
        return ENS_ENOMEM;
    }
    if (security_token && *security_token)
        c->security_token = ens__secret_strdup(security_token);
    if (!c->access_key_id ||
        (security_token && *security_token && !c->security_token)) {
        credentials_destroy(c);
        return ENS_ENOMEM;
    }
    *out = c;
    return ENS_OK;
}

ENS_EXTERN ens_credentials *ens_credentials_acquire(ens_credentials *creds)
{
    if (creds)
        atomic_fetch_add_explicit(&creds->refs, 1, memory_order_relaxed);
    return creds;
}

ENS_EXTERN void ens_credentials_release(ens_credentials *creds)
{
    if (!creds)
        return;
    if (atomic_fetch_sub_explicit(&creds->refs, 1, memory_order_acq_rel) == 1)
        credentials_destroy(creds);
}

ENS_EXTERN const char *ens_credentials_access_key_id(const ens_credentials *creds)
{
    return creds ? creds->access_key_id : NULL;
}

ENS_EXTERN const char *ens_credentials_access_key_secret(const ens_credentials *creds)
{
    return creds ? creds->access_key_secret : NULL;
}

bool ens__credentials_hmac_copy(const ens_credentials *creds,
                                struct crypto_auth_hmacsha256_state *out)
{
    if (!creds || !creds->hmac || !out)
        return false;
    memcpy(out, creds->hmac, sizeof(*out));
    return true;
}

ENS_EXTERN const char *ens_credentials_security_token(const ens_credentials *creds)
{
    return creds ? creds->security_token : NULL;
}

ENS_EXTERN time_t ens_credentials_expiration(const ens_credentials *creds)
{
    return creds ? creds->expiration : 0;
}

ENS_EXTERN ens_status ens_credentials_provider_new(ens_credentials_provider **out,
                                                   const ens_credentials_provider_vtable *vtable,
                                                   void *ctx)
{
    ens__vobj *o;
    ens_status st;
    if (!out || !vtable || !vtable->get)
        return ENS_EINVAL;
    st = ens__vobj_new(&o, sizeof(ens_credentials_provider), vtable, vtable->version,
                       ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, ctx);
    if (st == ENS_OK)
        *out = (ens_credentials_provider *)o;
    return st;
}

ENS_EXTERN ens_status ens_credentials_provider_get(ens_credentials_provider *provider,
                                                   ens_credentials **out, ens_error *err)
{
    ens_credentials *c = NULL;
    ens_status st;
    if (!provider || !out)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL credentials provider");
    st = vtable_of(provider)->get(provider->o.ctx, &c, err);
    if (st != ENS_OK) {
        ens_credentials_release(c);
        if (st > 0)
            st = ENS_EINTERNAL;
        if (err && err->status != st)
            ens__error_set(err, st, "credentials unavailable: the provider failed (%s)",
                           ens_strerror(st));
        return st;
    }
    if (!c)
        return ens__error_set(err, ENS_EINTERNAL,
                              "internal error: credentials provider returned no credentials");
    *out = c;
    return ENS_OK;
}

ENS_EXTERN void ens_credentials_provider_invalidate(ens_credentials_provider *provider)
{
    if (provider && vtable_of(provider)->version >= 2 && vtable_of(provider)->invalidate)
        vtable_of(provider)->invalidate(provider->o.ctx);
}

void ens__credentials_provider_set_name(ens_credentials_provider *provider, const char *name)
{
    if (provider)
        provider->name = name;
}

const char *ens__credentials_provider_name(const ens_credentials_provider *provider)
{
    return provider ? provider->name : NULL;
}

ENS_EXTERN void ens_credentials_provider_free(ens_credentials_provider *provider)
{
    if (provider)
        ens__vobj_free(&provider->o, vtable_of(provider)->destroy);
}
