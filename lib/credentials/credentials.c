/* SPDX-License-Identifier: MIT */
/* Credentials objects and the provider interface (the providers themselves
 * live in the other files of this folder).  Secrets live in sodium_malloc'd
 * memory: guarded, excluded from core dumps where the platform allows it,
 * wiped on release. */
#include <limits.h>
#include <sodium.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/cancel.h"
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

/* The table's get_ex, or NULL (a table of version 1 or 2 has none). */
static ens_status (*get_ex_of(const ens_credentials_provider_vtable *vt))(
    void *, const ens_credentials_get_options *, ens_credentials **, ens_error *)
{
    return vt->version >= 3 ? vt->get_ex : NULL;
}

ENS_EXTERN ens_status ens_credentials_provider_new(ens_credentials_provider **out,
                                                   const ens_credentials_provider_vtable *vtable,
                                                   void *ctx)
{
    ens__vobj *o;
    ens_status st;
    if (!out || !vtable || (!vtable->get && !(vtable->version >= 3 && vtable->get_ex)))
        return ENS_EINVAL;
    st = ens__vobj_new(&o, sizeof(ens_credentials_provider), vtable, vtable->version,
                       ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, ctx);
    if (st == ENS_OK)
        *out = (ens_credentials_provider *)o;
    return st;
}

ENS_EXTERN void ens_credentials_get_options_init(ens_credentials_get_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_CREDENTIALS_GET_OPTIONS_VERSION;
}

ENS_EXTERN ens_status ens_credentials_provider_get(ens_credentials_provider *provider,
                                                   ens_credentials **out, ens_error *err)
{
    return ens_credentials_provider_get_ex(provider, NULL, out, err);
}

ENS_EXTERN ens_status ens_credentials_provider_get_ex(ens_credentials_provider *provider,
                                                      const ens_credentials_get_options *opts,
                                                      ens_credentials **out, ens_error *err)
{
    static const ens_credentials_get_options none = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    const ens_credentials_provider_vtable *vt;
    ens_credentials *c = NULL;
    ens_status st;
    if (!provider || !out)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL credentials provider");
    if (opts && (opts->version == 0 || opts->version > ENS_CREDENTIALS_GET_OPTIONS_VERSION ||
                 opts->timeout_ms < 0))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: bad ens_credentials_get_options");
    vt = vtable_of(provider);
    if (get_ex_of(vt)) {
        st = get_ex_of(vt)(provider->o.ctx, opts ? opts : &none, &c, err);
    } else {
        /* A provider that cannot see the deadline is not started past it. */
        ens__cred_call call;
        ens__cred_call_from(&call, opts);
        st = ens__cred_call_check(&call, "resolving credentials", err);
        if (st == ENS_OK)
            st = vt->get(provider->o.ctx, &c, err);
    }
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

/* ---- one get's deadline, token and log ---- */

void ens__cred_call_from(ens__cred_call *call, const ens_credentials_get_options *opts)
{
    memset(call, 0, sizeof(*call));
    if (!opts)
        return;
    if (opts->timeout_ms > 0)
        call->deadline = ens__now_ms() + opts->timeout_ms;
    call->cancel = opts->cancel;
    call->log_fn = opts->log_fn;
    call->log_payload = opts->log_payload;
    call->log_level = opts->log_level;
}

long ens__cred_call_left(const ens__cred_call *call)
{
    long long left;
    if (!call || !call->deadline)
        return LONG_MAX;
    left = call->deadline - ens__now_ms();
    return left > LONG_MAX ? LONG_MAX : left < LONG_MIN ? LONG_MIN : (long)left;
}

ens_status ens__cred_call_check(const ens__cred_call *call, const char *what, ens_error *err)
{
    if (call && ens_cancel_is_triggered(call->cancel))
        return ens__error_set(err, ENS_ECANCELED, "canceled while %s", what);
    if (ens__cred_call_left(call) <= 0)
        return ens__error_set(err, ENS_ETIMEOUT, "timed out: the deadline passed while %s", what);
    return ENS_OK;
}

ens_status ens__cred_exchange_failed(const ens__cred_call *call, ens_status st, const ens_error *inner,
                                     const char *what, ens_error *err)
{
    if (st == ENS_ENOMEM)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: %s", what);
    if (st == ENS_ETIMEOUT || st == ENS_ECANCELED) {
        ens_status mine = ens__cred_call_check(call, what, err);
        if (mine != ENS_OK)
            return mine;
    }
    return ENS__CRED_FAIL(err, "%s failed: %s", what,
                          inner->description[0] ? inner->description : ens_strerror(st));
}

ens_status ens__cred_get(ens_credentials_provider *p, const ens__cred_call *call, ens_credentials **out,
                         ens_error *err)
{
    ens_credentials_get_options o = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    long left = ens__cred_call_left(call);
    if (left != LONG_MAX) {
        /* 0 would mean "no deadline": a deadline that has passed stays one */
        o.timeout_ms = left > 0 ? left : 1;
        if (left <= 0)
            return ens__cred_call_check(call, "resolving credentials", err);
    }
    if (call) {
        o.cancel = call->cancel;
        o.log_fn = call->log_fn;
        o.log_payload = call->log_payload;
        o.log_level = call->log_level;
    }
    return ens_credentials_provider_get_ex(p, &o, out, err);
}

void ens__cred_warn(const ens__cred_call *call, const char *line)
{
    if (call && call->log_fn && call->log_level >= ENS_LOG_WARN)
        call->log_fn(call->log_payload, ENS_LOG_WARN, line);
}

const char *ens__cred_reason(const ens_error *e)
{
    static const char prefix[] = ENS__CRED_UNAVAILABLE;
    const char *d = e->description;
    if (strncmp(d, prefix, sizeof(prefix) - 1) == 0)
        d += sizeof(prefix) - 1;
    return *d ? d : ens_strerror(e->status);
}
