/* SPDX-License-Identifier: MIT */
/* The provider chain and the default chain.  A chain asks its providers in
 * order; a failing one is passed over (as the official Alibaba Cloud chains
 * do) and its reason recorded; when none succeeds the reasons are joined into
 * one description that fits ens_error.description.  The caller's deadline
 * and token stop the chain where it is. */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "credentials/internal.h"
#include "util/error.h"

#define CHAIN_MAX 64

typedef struct chain_ctx {
    size_t count;
    ens_credentials_provider *p[];
} chain_ctx;

/* Joins "<head>name: reason; name: reason" into dst (capacity cap),
 * shortening the longest reasons first (each cut one ends in "...") so that
 * every provider stays listed. */
static void join_reasons(char *dst, size_t cap, const char *head, const char *const *names,
                         const char *const *reasons, size_t n)
{
    size_t fixed = strlen(head), avail, len[CHAIN_MAX], limit[CHAIN_MAX], i, total = 0;
    size_t budget, share, open_count;
    bool changed;
    ens__buf b = ENS__BUF_INIT;

    for (i = 0; i < n; i++) {
        fixed += strlen(names[i]) + 2 + (i ? 2 : 0); /* "name: " and "; " */
        len[i] = strlen(reasons[i]);
        limit[i] = len[i];
        total += len[i];
    }
    avail = cap - 1 > fixed ? cap - 1 - fixed : 0;
    if (total > avail) {
        /* water-filling: short reasons keep their length, the rest share what is left */
        bool capped[CHAIN_MAX] = {false};
        budget = avail;
        open_count = n;
        do {
            changed = false;
            share = open_count ? budget / open_count : 0;
            for (i = 0; i < n; i++)
                if (!capped[i] && len[i] <= share) {
                    capped[i] = true;
                    budget -= len[i];
                    open_count--;
                    changed = true;
                }
        } while (changed && open_count);
        share = open_count ? budget / open_count : 0;
        for (i = 0; i < n; i++)
            if (!capped[i])
                limit[i] = share;
    }
    ens__buf_puts(&b, head);
    for (i = 0; i < n; i++) {
        if (i)
            ens__buf_puts(&b, "; ");
        ens__buf_puts(&b, names[i]);
        ens__buf_puts(&b, ": ");
        if (limit[i] < len[i]) {
            size_t keep = limit[i] > 3 ? limit[i] - 3 : 0;
            /* do not cut a UTF-8 sequence */
            while (keep && ((unsigned char)reasons[i][keep] & 0xC0) == 0x80)
                keep--;
            ens__buf_put(&b, reasons[i], keep);
            ens__buf_puts(&b, limit[i] >= 3 ? "..." : "");
        } else {
            ens__buf_puts(&b, reasons[i]);
        }
    }
    ens__strlcpy(dst, cap, b.oom ? "no credentials from any provider of the chain" : ens__buf_cstr(&b));
    ens__buf_free(&b);
}

static ens_status chain_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                            ens_error *err)
{
    chain_ctx *c = ctx;
    ens_error *errs;
    const char *names[CHAIN_MAX], *reasons[CHAIN_MAX];
    char fallback[CHAIN_MAX][32]; /* "provider #" + up to 20 digits */
    ens__cred_call call;
    size_t i;
    ens_status st = ENS_ECREDENTIALS;

    ens__cred_call_from(&call, opts);
    errs = ens__calloc(c->count, sizeof(*errs));
    if (!errs)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: credentials chain");
    for (i = 0; i < c->count; i++) {
        ens_error_init(&errs[i]);
        st = ens__cred_get(c->p[i], &call, out, &errs[i]);
        if (st == ENS_OK) {
            ens__free(errs);
            return ENS_OK;
        }
        if (st == ENS_ENOMEM) {
            ens__error_set(err, ENS_ENOMEM, "%s", errs[i].description);
            ens__free(errs);
            return ENS_ENOMEM;
        }
        names[i] = ens__credentials_provider_name(c->p[i]);
        if (!names[i]) {
            snprintf(fallback[i], sizeof(fallback[i]), "provider #%zu", i + 1);
            names[i] = fallback[i];
        }
        reasons[i] = ens__cred_reason(&errs[i]);
        if (st == ENS_ETIMEOUT || st == ENS_ECANCELED) {
            i++; /* the caller's time or token ran out: the rest is not tried */
            break;
        }
        st = ENS_ECREDENTIALS;
    }
    if (err) {
        ens__error_reset(err);
        err->status = st;
        join_reasons(err->description, sizeof(err->description),
                     st == ENS_ETIMEOUT    ? "timed out resolving credentials: "
                     : st == ENS_ECANCELED ? "canceled resolving credentials: "
                                           : "no credentials: ",
                     names, reasons, i);
    }
    ens__free(errs);
    return st;
}

static void chain_invalidate(void *ctx)
{
    chain_ctx *c = ctx;
    size_t i;
    for (i = 0; i < c->count; i++)
        ens_credentials_provider_invalidate(c->p[i]);
}

static void chain_destroy(void *ctx)
{
    chain_ctx *c = ctx;
    size_t i;
    for (i = 0; i < c->count; i++)
        ens_credentials_provider_free(c->p[i]);
    ens__free(c);
}

static const ens_credentials_provider_vtable chain_vtable =
    ENS__CRED_VTABLE(chain_get, chain_destroy, chain_invalidate);

ENS_EXTERN ens_status ens_credentials_provider_chain_new(ens_credentials_provider **out,
                                                         ens_credentials_provider *const *providers,
                                                         size_t count)
{
    chain_ctx *c = NULL;
    ens_status st = ENS_OK;
    size_t i;
    if (!out || !providers || count == 0 || count > CHAIN_MAX)
        st = ENS_EINVAL;
    for (i = 0; st == ENS_OK && i < count; i++)
        if (!providers[i])
            st = ENS_EINVAL;
    if (st == ENS_OK) {
        c = ens__calloc(1, sizeof(*c) + count * sizeof(c->p[0]));
        if (!c)
            st = ENS_ENOMEM;
    }
    if (st == ENS_OK) {
        c->count = count;
        memcpy(c->p, providers, count * sizeof(c->p[0]));
        st = ens_credentials_provider_new(out, &chain_vtable, c);
        if (st == ENS_OK) {
            ens__credentials_provider_set_name(*out, "chain");
            return ENS_OK;
        }
        ens__free(c);
    }
    /* ownership was taken: free what was given */
    if (providers && count <= CHAIN_MAX)
        for (i = 0; i < count; i++)
            ens_credentials_provider_free(providers[i]);
    return st;
}

ENS_EXTERN ens_status ens_credentials_provider_default_chain_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    /* The official order; the OIDC, RAM role and URI steps without a cache of
       their own (the chain's cache keeps what any step returns). */
    static const ens__cred_raw_new_fn steps[] = {
        ens_credentials_provider_env_new_ext,          ens__cred_oidc_raw_new,
        ens_credentials_provider_cli_config_new,       ens_credentials_provider_credentials_file_new,
        ens__cred_ecs_ram_role_raw_new,                ens__cred_uri_raw_new,
    };
    enum { N = sizeof(steps) / sizeof(steps[0]) };
    ens_credentials_provider *p[N] = {NULL}, *chain = NULL;
    ens_credentials_cache_options co;
    ens__cred_opts check;
    ens_status st;
    size_t i;
    if (!out)
        return ENS_EINVAL;
    memset(&check, 0, sizeof(check));
    st = ens__cred_opts_copy(&check, opts); /* validates once, before anything is built */
    ens__cred_opts_clear(&check);
    for (i = 0; st == ENS_OK && i < N; i++)
        st = steps[i](&p[i], opts);
    if (st != ENS_OK) {
        for (i = 0; i < N; i++)
            ens_credentials_provider_free(p[i]);
        return st;
    }
    ens__cred_cache_opts(opts, &co);
    st = ens_credentials_provider_chain_new(&chain, p, N);
    if (st != ENS_OK)
        return st;
    st = ens_credentials_provider_cached_new(out, chain, &co);
    if (st == ENS_OK)
        ens__credentials_provider_set_name(*out, "default chain");
    return st;
}
