/* SPDX-License-Identifier: MIT */
/* The providers that need neither files nor the network: static
 * credentials, the ALIBABA_CLOUD_* environment variables and a caller's
 * callback. */
#include "util/alloc.h"
#include "util/error.h"
#include "credentials/internal.h"

/* ---- static provider ---- */

static ens_status static_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                             ens_error *err)
{
    (void)opts;
    (void)err;
    *out = ens_credentials_acquire(ctx);
    return ENS_OK;
}

static void static_destroy(void *ctx) { ens_credentials_release(ctx); }

static const ens_credentials_provider_vtable static_vtable = ENS__CRED_VTABLE(static_get, static_destroy, NULL);

ENS_EXTERN ens_status ens_credentials_provider_static_new(ens_credentials_provider **out,
                                                          const char *access_key_id,
                                                          const char *access_key_secret,
                                                          const char *security_token)
{
    ens_credentials *c = NULL;
    ens_status st;
    if (!out)
        return ENS_EINVAL;
    st = ens_credentials_new(&c, access_key_id, access_key_secret, security_token, 0);
    if (st != ENS_OK)
        return st;
    st = ens_credentials_provider_new(out, &static_vtable, c);
    if (st != ENS_OK)
        ens_credentials_release(c);
    else
        ens__credentials_provider_set_name(*out, "static");
    return st;
}

/* ---- environment provider ---- */

static ens_status env_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                          ens_error *err)
{
    const ens__cred_opts *o = ctx; /* NULL: plain getenv */
    const char *id = ens__cred_getenv(o, "ALIBABA_CLOUD_ACCESS_KEY_ID");
    const char *secret = ens__cred_getenv(o, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    const char *token = ens__cred_getenv(o, "ALIBABA_CLOUD_SECURITY_TOKEN");
    ens_status st;
    (void)opts;
    if (!id)
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: ALIBABA_CLOUD_ACCESS_KEY_ID is not set");
    if (!secret)
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set");
    st = ens_credentials_new(out, id, secret, token, 0);
    if (st == ENS_EINVAL)
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: an ALIBABA_CLOUD_* variable holds a line break");
    if (st != ENS_OK)
        return ens__error_set(err, st, "credentials unavailable: %s", ens_strerror(st));
    return ENS_OK;
}

static void env_destroy(void *ctx)
{
    ens__cred_opts *o = ctx;
    if (o) {
        ens__cred_opts_clear(o);
        ens__free(o);
    }
}

static const ens_credentials_provider_vtable env_vtable = ENS__CRED_VTABLE(env_get, env_destroy, NULL);

ENS_EXTERN ens_status ens_credentials_provider_env_new(ens_credentials_provider **out)
{
    return ens_credentials_provider_env_new_ext(out, NULL);
}

ENS_EXTERN ens_status ens_credentials_provider_env_new_ext(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    ens__cred_opts *o = NULL;
    ens_status st;
    if (!out)
        return ENS_EINVAL;
    if (opts) {
        o = ens__calloc(1, sizeof(*o));
        if (!o)
            return ENS_ENOMEM;
        if ((st = ens__cred_opts_copy(o, opts)) != ENS_OK) {
            env_destroy(o);
            return st;
        }
    }
    st = ens_credentials_provider_new(out, &env_vtable, o);
    if (st != ENS_OK)
        env_destroy(o);
    else
        ens__credentials_provider_set_name(*out, "environment");
    return st;
}

/* ---- callback provider ---- */

typedef struct callback_ctx {
    ens_credentials_fn fn;
    void *payload;
} callback_ctx;

static ens_status callback_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                               ens_error *err)
{
    callback_ctx *c = ctx;
    ens__cred_call call;
    ens_status st;
    /* The host function cannot see the deadline: it is not started past it. */
    ens__cred_call_from(&call, opts);
    if ((st = ens__cred_call_check(&call, "resolving credentials", err)) != ENS_OK)
        return st;
    return c->fn(c->payload, out, err);
}

static void callback_destroy(void *ctx) { ens__free(ctx); }

static const ens_credentials_provider_vtable callback_vtable =
    ENS__CRED_VTABLE(callback_get, callback_destroy, NULL);

ENS_EXTERN ens_status ens_credentials_provider_callback_new(ens_credentials_provider **out,
                                                            ens_credentials_fn fn, void *payload)
{
    callback_ctx *c;
    ens_status st;
    if (!out || !fn)
        return ENS_EINVAL;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    c->fn = fn;
    c->payload = payload;
    st = ens_credentials_provider_new(out, &callback_vtable, c);
    if (st != ENS_OK)
        ens__free(c);
    else
        ens__credentials_provider_set_name(*out, "callback");
    return st;
}
