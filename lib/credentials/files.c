/* SPDX-License-Identifier: MIT */
/* The Alibaba Cloud CLI configuration (~/.aliyun/config.json) as a
 * credentials provider.  The file is read on every get, by the library's
 * JSON scanner into wiped memory (document.c); the selected profile becomes
 * credentials or a provider (profile.c).  No text of the file reaches an
 * error message except names looked up (profile, mode), sanitised. */
#include <stdio.h>
#include <string.h>

#include "credentials/internal.h"
#include "util/error.h"

#define FAIL ENS__CRED_FAIL

/* Longest chain of source profiles (ChainableRamRoleArn). */
#define MAX_CHAIN 8

typedef struct mode_info {
    const char *name;
    ens__profile_kind kind;
} mode_info;

static const mode_info modes[] = {
    {"AK", ENS__PROFILE_AK},
    {"StsToken", ENS__PROFILE_STS_TOKEN},
    {"RamRoleArn", ENS__PROFILE_RAM_ROLE_ARN},
    {"ChainableRamRoleArn", ENS__PROFILE_CHAINABLE},
    {"EcsRamRole", ENS__PROFILE_ECS_RAM_ROLE},
    {"CredentialsURI", ENS__PROFILE_URI},
    {"OIDC", ENS__PROFILE_OIDC},
};

/* What one read of the file needs. */
typedef struct cli_read {
    const ens__doc *d;
    const char *path;
    ens__profile prof[MAX_CHAIN];
} cli_read;

/* A member of profile i: a non-empty string, else NULL. */
static const char *member(const ens__doc *d, size_t i, const char *name)
{
    char path[96];
    snprintf(path, sizeof(path), "profiles.%zu.%s", i, name);
    return ens__doc_str(d, path, NULL);
}

/* One profile's value as text, for ens__profile_role_members(): strings,
 * numbers as written, booleans. */
typedef struct cli_member_src {
    const ens__doc *d;
    size_t i;
} cli_member_src;

static const char *member_text(const void *src, const char *name)
{
    const cli_member_src *m = src;
    char path[96];
    ens__doc_type t;
    const char *v;
    snprintf(path, sizeof(path), "profiles.%zu.%s", m->i, name);
    v = ens__doc_get(m->d, path, &t);
    if (!v)
        return NULL;
    switch (t) {
    case ENS__DOC_STRING: return *v ? v : NULL;
    case ENS__DOC_NUMBER: return v;
    case ENS__DOC_TRUE: return "true";
    case ENS__DOC_FALSE: return "false";
    default: return NULL;
    }
}

/* The index of the profile named name, or -1. */
static long find_profile(const ens__doc *d, const char *name)
{
    size_t i;
    char path[48];
    ens__doc_type t;
    for (i = 0;; i++) {
        const char *n;
        snprintf(path, sizeof(path), "profiles.%zu", i);
        if (!ens__doc_get(d, path, &t))
            return -1;
        n = t == ENS__DOC_OBJECT ? member(d, i, "name") : NULL;
        if (n && strcmp(n, name) == 0)
            return (long)i;
    }
}

/* Reads profile `name` (level levels down a chain of source profiles)
 * into r->prof[level]. */
static ens_status read_profile(cli_read *r, const char *name, size_t level, ens_error *err)
{
    ens__profile *p = &r->prof[level];
    const char *mode, *missing = NULL;
    char pshown[65], mshown[65];
    size_t m;
    long i;

    ens__cred_shown_name(pshown, sizeof(pshown), name);
    if (level == MAX_CHAIN)
        return FAIL(err, "%s: profile '%s': source profiles go more than %d deep (a loop?)", r->path, pshown,
                    MAX_CHAIN);
    if ((i = find_profile(r->d, name)) < 0)
        return FAIL(err, "%s: profile '%s' not found", r->path, pshown);
    if (!(mode = member(r->d, (size_t)i, "mode")))
        return FAIL(err, "%s: profile '%s' has no mode", r->path, pshown);
    ens__cred_shown_name(mshown, sizeof(mshown), mode);
    for (m = 0; m < sizeof(modes) / sizeof(modes[0]) && strcmp(mode, modes[m].name) != 0; m++) {
    }
    if (m == sizeof(modes) / sizeof(modes[0]))
        return FAIL(err,
                    "unsupported mode '%s' in profile '%s' of %s (supported: AK, StsToken, RamRoleArn, "
                    "ChainableRamRoleArn, EcsRamRole, CredentialsURI, OIDC)",
                    mshown, pshown, r->path);
    memset(p, 0, sizeof(*p));
    p->kind = modes[m].kind;
    p->enable_vpc = -1;
    switch (p->kind) {
    case ENS__PROFILE_STS_TOKEN:
    case ENS__PROFILE_RAM_ROLE_ARN:
        p->token = member(r->d, (size_t)i, "sts_token");
        if (p->kind == ENS__PROFILE_STS_TOKEN && !p->token)
            missing = "sts_token";
        /* fall through */
    case ENS__PROFILE_AK:
        p->id = member(r->d, (size_t)i, "access_key_id");
        p->secret = member(r->d, (size_t)i, "access_key_secret");
        missing = !p->id ? "access_key_id" : !p->secret ? "access_key_secret" : missing;
        break;
    case ENS__PROFILE_ECS_RAM_ROLE:
        p->role_name = member(r->d, (size_t)i, "ram_role_name");
        break;
    case ENS__PROFILE_URI:
        if (!(p->uri = member(r->d, (size_t)i, "credentials_uri")))
            missing = "credentials_uri";
        break;
    case ENS__PROFILE_OIDC:
        p->oidc_provider_arn = member(r->d, (size_t)i, "oidc_provider_arn");
        p->oidc_token_file = member(r->d, (size_t)i, "oidc_token_file");
        missing = !p->oidc_provider_arn ? "oidc_provider_arn" : !p->oidc_token_file ? "oidc_token_file" : NULL;
        break;
    case ENS__PROFILE_CHAINABLE:
        break;
    }
    if (p->kind == ENS__PROFILE_RAM_ROLE_ARN || p->kind == ENS__PROFILE_CHAINABLE ||
        p->kind == ENS__PROFILE_OIDC) {
        cli_member_src src = {r->d, (size_t)i};
        ens__profile_role_members(p, member_text, &src, "ram_session_name", "expired_seconds");
        if (!missing && !(p->role_arn = member(r->d, (size_t)i, "ram_role_arn")))
            missing = "ram_role_arn";
    }
    if (!missing && p->kind == ENS__PROFILE_CHAINABLE) {
        const char *src = member(r->d, (size_t)i, "source_profile");
        ens_status st;
        if (!src)
            missing = "source_profile";
        else if ((st = read_profile(r, src, level + 1, err)) != ENS_OK)
            return st;
        else
            p->source = &r->prof[level + 1];
    }
    if (missing)
        return FAIL(err, "%s: profile '%s' (mode %s) has no %s", r->path, pshown, mshown, missing);
    return ENS_OK;
}

static ens_status cli_parse(ens__profile_ctx *c, const char *path, char *data, size_t len,
                           const ens__cred_call *call, ens_credentials **out, ens_error *err)
{
    char pshown[65], where[600], at[64];
    const char *profile;
    ens__doc_type t;
    ens__doc d;
    cli_read r;
    ens_status st;

    memset(&d, 0, sizeof(d));
    if ((st = ens__doc_parse(&d, data, len)) != ENS_OK) {
        ens__doc_where(&d, at, sizeof(at));
        st = st == ENS_ENOMEM ? ens__error_set(err, ENS_ENOMEM, "out of memory: reading %s", path)
                              : FAIL(err, "%s: not valid JSON (%s)", path, at);
        goto done;
    }
    if (d.e[0].type != ENS__DOC_OBJECT) {
        st = FAIL(err, "%s: not a JSON object", path);
        goto done;
    }
    profile = c->o.profile ? c->o.profile : ens__cred_getenv(&c->o, "ALIBABA_CLOUD_PROFILE");
    if (!profile)
        profile = ens__doc_str(&d, "current", NULL);
    if (!profile) {
        st = FAIL(err, "%s: no profile selected (no \"current\" and ALIBABA_CLOUD_PROFILE is not set)", path);
        goto done;
    }
    if (ens__doc_get(&d, "profiles", &t) && t != ENS__DOC_ARRAY) {
        st = FAIL(err, "%s: \"profiles\" is not an array", path);
        goto done;
    }
    memset(&r, 0, sizeof(r));
    r.d = &d;
    r.path = path;
    if ((st = read_profile(&r, profile, 0, err)) != ENS_OK)
        goto done;
    ens__cred_shown_name(pshown, sizeof(pshown), profile);
    snprintf(where, sizeof(where), "%s: profile '%s'", path, pshown);
    st = ens__profile_get(c, &r.prof[0], where, call, out, err);
done:
    ens__doc_free(&d);
    return st;
}

static const ens__profile_file cli_file = {
    .name = "cli config",
    .cli = true,
    .var = "ALIBABA_CLOUD_CONFIG_FILE",
    .rel = ".aliyun/config.json",
    .disabled_var = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
    .parse = cli_parse,
};

ENS_EXTERN ens_status ens_credentials_provider_cli_config_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return ens__profile_provider_new(out, opts, &cli_file);
}
