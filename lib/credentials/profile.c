/* SPDX-License-Identifier: MIT */
/* A profile of the CLI configuration or of the credentials file, turned
 * into credentials.  AK and StsToken profiles hold the keys themselves; the
 * others name a source (a role to assume, the instance RAM role, a URI, OIDC)
 * whose provider must live longer than one get, for its cache: it is made
 * from the profile (and the file provider's options) the first time, and
 * kept until the profile changes.  A profile is recognised by a keyed
 * BLAKE2b fingerprint of its values (the key is random per provider, so the
 * fingerprint of a secret tells nothing outside the process). */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/error.h"

#define FAIL ENS__CRED_FAIL

struct ens__profile_holder {
    atomic_uint refs;
    ens_credentials_provider *p;
    unsigned char fp[crypto_generichash_BYTES];
};

static void holder_release(struct ens__profile_holder *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        ens_credentials_provider_free(h->p);
        ens__free(h);
    }
}

static ens_status ctx_init(void *ctx, void *arg)
{
    ens__profile_ctx *c = ctx;
    c->file = arg;
    if (sodium_init() < 0)
        return ENS_EINTERNAL;
    atomic_init(&c->warned, 0);
    randombytes_buf(c->key, sizeof(c->key));
    if (pthread_mutex_init(&c->mu, NULL) != 0)
        return ENS_ENOMEM;
    c->mu_ready = true;
    return ENS_OK;
}

static void ctx_free(void *ctx)
{
    ens__profile_ctx *c = ctx;
    holder_release(c->cur);
    if (c->mu_ready)
        pthread_mutex_destroy(&c->mu);
    sodium_memzero(c->key, sizeof(c->key));
    ens__cred_opts_ctx_free(c);
}

static void ctx_invalidate(void *ctx)
{
    ens__profile_ctx *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (c->cur)
        ens_credentials_provider_invalidate(c->cur->p);
    pthread_mutex_unlock(&c->mu);
}

/* ---- the fingerprint ---- */

static void fp_str(crypto_generichash_state *h, const char *s)
{
    unsigned char present = s != NULL;
    crypto_generichash_update(h, &present, 1);
    if (s)
        crypto_generichash_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void fp_profile(crypto_generichash_state *h, const ens__profile *p)
{
    unsigned char kind = (unsigned char)p->kind, vpc = (unsigned char)(p->enable_vpc + 1);
    const char *const fields[] = {p->id,         p->secret,     p->token,      p->role_arn,
                                  p->session_name, p->policy,   p->external_id, p->duration,
                                  p->sts_region, p->role_name,  p->uri,        p->oidc_provider_arn,
                                  p->oidc_token_file};
    size_t i;
    crypto_generichash_update(h, &kind, 1);
    crypto_generichash_update(h, &vpc, 1);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        fp_str(h, fields[i]);
    if (p->source)
        fp_profile(h, p->source);
}

static void fingerprint(const ens__profile_ctx *c, const ens__profile *p, unsigned char *out)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, c->key, sizeof(c->key), crypto_generichash_BYTES);
    fp_profile(&h, p);
    crypto_generichash_final(&h, out, crypto_generichash_BYTES);
    sodium_memzero(&h, sizeof(h));
}

/* ---- the provider of a profile ---- */

static ens_status build(const ens__cred_opts *o, const ens__profile *p, ens_credentials_provider **out)
{
    ens_credentials_provider_options po;
    ens_credentials_provider *source = NULL;
    ens_status st;

    ens__cred_opts_public(o, &po);
    if (p->role_arn)
        po.role_arn = p->role_arn;
    if (p->session_name)
        po.role_session_name = p->session_name;
    if (p->policy)
        po.role_policy = p->policy;
    if (p->external_id)
        po.role_external_id = p->external_id;
    if (p->sts_region)
        po.sts_region = p->sts_region;
    if (p->enable_vpc >= 0)
        po.sts_vpc = p->enable_vpc == 1;
    if (p->duration) {
        char *end;
        errno = 0;
        po.role_duration_s = strtol(p->duration, &end, 10);
        if (errno || end == p->duration || *end || po.role_duration_s < 0)
            return ENS_EINVAL;
    }
    switch (p->kind) {
    case ENS__PROFILE_RAM_ROLE_ARN:
    case ENS__PROFILE_CHAINABLE:
        st = p->kind == ENS__PROFILE_CHAINABLE
                 ? build(o, p->source, &source)
                 : ens_credentials_provider_static_new(&source, p->id, p->secret, p->token);
        return st == ENS_OK ? ens_credentials_provider_ram_role_arn_new(out, source, &po) : st;
    case ENS__PROFILE_ECS_RAM_ROLE:
        po.metadata_role_name = p->role_name;
        return ens_credentials_provider_ecs_ram_role_new(out, &po);
    case ENS__PROFILE_URI:
        po.credentials_uri = p->uri;
        return ens_credentials_provider_uri_new(out, &po);
    case ENS__PROFILE_OIDC:
        po.oidc_provider_arn = p->oidc_provider_arn;
        po.oidc_token_file = p->oidc_token_file;
        return ens_credentials_provider_oidc_new(out, &po);
    default:
        return ENS_EINTERNAL; /* AK and StsToken need no provider */
    }
}

/* The holder of the provider for p: c's, or a new one made from p. */
static ens_status holder_for(ens__profile_ctx *c, const ens__profile *p, const char *where,
                             struct ens__profile_holder **out, ens_error *err)
{
    unsigned char fp[crypto_generichash_BYTES];
    struct ens__profile_holder *h = NULL, *old = NULL;
    ens_status st;

    fingerprint(c, p, fp);
    pthread_mutex_lock(&c->mu);
    if (c->cur && sodium_memcmp(c->cur->fp, fp, sizeof(fp)) == 0) {
        atomic_fetch_add(&c->cur->refs, 1);
        *out = c->cur;
        pthread_mutex_unlock(&c->mu);
        return ENS_OK;
    }
    pthread_mutex_unlock(&c->mu);

    /* Made outside the lock (a constructor sends nothing, but may allocate
       a transport); two callers may both make one, the first kept wins. */
    h = ens__calloc(1, sizeof(*h));
    if (!h)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: %s", where);
    atomic_init(&h->refs, 1);
    memcpy(h->fp, fp, sizeof(fp));
    st = build(&c->o, p, &h->p);
    if (st != ENS_OK) {
        ens__free(h);
        if (st == ENS_EINVAL)
            return FAIL(err, "%s: a value is invalid (a line break, or a duration outside %ld..%ld s)", where,
                        ENS_MIN_ROLE_DURATION_S, ENS_MAX_ROLE_DURATION_S);
        return ens__error_set(err, st, "%s: %s", where, ens_strerror(st));
    }
    pthread_mutex_lock(&c->mu);
    if (c->cur && sodium_memcmp(c->cur->fp, fp, sizeof(fp)) == 0) {
        old = h; /* someone else's is kept */
        h = c->cur;
    } else {
        old = c->cur;
        c->cur = h;
    }
    atomic_fetch_add(&h->refs, 1);
    pthread_mutex_unlock(&c->mu);
    holder_release(old);
    *out = h;
    return ENS_OK;
}

ens_status ens__profile_get(ens__profile_ctx *c, const ens__profile *p, const char *where,
                            const ens__cred_call *call, ens_credentials **out, ens_error *err)
{
    struct ens__profile_holder *h = NULL;
    ens_status st;
    if (p->kind == ENS__PROFILE_AK || p->kind == ENS__PROFILE_STS_TOKEN)
        return ens__cred_new_checked(out, p->id, p->secret, p->kind == ENS__PROFILE_STS_TOKEN ? p->token : NULL,
                                     0, where, err);
    if ((st = holder_for(c, p, where, &h, err)) != ENS_OK)
        return st;
    st = ens__cred_get(h->p, call, out, err);
    holder_release(h);
    if (st == ENS_ECREDENTIALS && err) {
        /* say which profile the source came from */
        char reason[sizeof(err->description)];
        ens__strlcpy(reason, sizeof(reason), ens__cred_reason(err));
        FAIL(err, "%s: %s", where, reason);
    }
    return st;
}

void ens__profile_role_members(ens__profile *p, const char *(*get)(const void *src, const char *key),
                               const void *src, const char *session_key, const char *duration_key)
{
    const char *vpc = get(src, "enable_vpc");
    p->session_name = get(src, session_key);
    p->policy = get(src, "policy");
    p->external_id = get(src, "external_id");
    p->sts_region = get(src, "sts_region");
    p->duration = duration_key ? get(src, duration_key) : NULL;
    if (p->duration && strcmp(p->duration, "0") == 0)
        p->duration = NULL; /* what the CLI writes when none was chosen */
    p->enable_vpc = vpc ? strcmp(vpc, "true") == 0 : -1;
}

/* ---- the provider ---- */

static ens_status file_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                           ens_error *err)
{
    ens__profile_ctx *c = ctx;
    const ens__profile_file *f = c->file;
    char *path = NULL, *data = NULL;
    size_t len = 0;
    ens__cred_call call;
    ens_status st;

    ens__cred_call_from(&call, opts);
    if (f->disabled_var && ens__cred_env_true(&c->o, f->disabled_var))
        return FAIL(err, "disabled by %s", f->disabled_var);
    st = ens__cred_read_config(&c->o, f->cli ? c->o.cli_config_file : c->o.credentials_file, f->var, f->rel,
                               &call, &c->warned, &path, &data, &len, err);
    if (st == ENS_OK)
        st = f->parse(c, path, data, len, &call, out, err);
    ens__cred_file_free(data, len);
    ens__free(path);
    return st;
}

static const ens_credentials_provider_vtable file_vtable = ENS__CRED_VTABLE(file_get, ctx_free, ctx_invalidate);

ens_status ens__profile_provider_new(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                                     const ens__profile_file *file)
{
    return ens__cred_opts_provider(out, opts, sizeof(ens__profile_ctx), &file_vtable, file->name, ctx_init,
                                   (void *)file);
}
