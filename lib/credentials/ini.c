/* SPDX-License-Identifier: MIT */
/* The shared credentials file (~/.alibabacloud/credentials, INI) as a
 * credentials provider.  The file is read on every get into a buffer that is
 * wiped before it is freed; the selected section becomes credentials or a
 * provider (profile.c).  The parser is strict, and its errors name the file
 * and the line only, never the line's text. */
#include <stdio.h>
#include <string.h>

#include "credentials/internal.h"
#include "util/error.h"

#define FAIL ENS__CRED_FAIL

#define INI_MAX_KEYS 64

/* The keys of the selected section; values point into the file's buffer. */
typedef struct ini_section {
    bool found; /* the section was seen */
    size_t n;
    const char *key[INI_MAX_KEYS], *value[INI_MAX_KEYS];
} ini_section;

static bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

/* A value of the section, non-empty, else NULL. */
static const char *ini_value(const void *section, const char *key)
{
    const ini_section *r = section;
    size_t i;
    for (i = 0; i < r->n; i++)
        if (strcmp(r->key[i], key) == 0)
            return *r->value[i] ? r->value[i] : NULL;
    return NULL;
}

/* One `key = value` line (s..e, trimmed) of the section wanted when in_want:
 * kept in r. */
static ens_status ini_pair(char *s, char *e, bool in_section, bool in_want, const char *path,
                           unsigned long line, const char *want, ini_section *r, ens_error *err)
{
    char *eq = memchr(s, '=', (size_t)(e - s)), *ke, *v;
    size_t k;
    if (!eq)
        return FAIL(err, "%s:%lu: expected [section] or key = value", path, line);
    ke = eq;
    while (ke > s && is_space(ke[-1]))
        ke--;
    if (ke == s)
        return FAIL(err, "%s:%lu: missing key name", path, line);
    for (v = s; v < ke; v++)
        if (!is_key_char(*v))
            return FAIL(err, "%s:%lu: invalid key name", path, line);
    if (!in_section)
        return FAIL(err, "%s:%lu: key outside of any [section]", path, line);
    v = eq + 1;
    while (v < e && is_space(*v))
        v++;
    if (e - v >= 2 && *v == '"' && e[-1] == '"') {
        v++;
        e--;
    }
    if (!in_want)
        return ENS_OK;
    *ke = '\0';
    *e = '\0';
    for (k = 0; k < r->n; k++)
        if (strcmp(r->key[k], s) == 0)
            return FAIL(err, "%s:%lu: key repeated in section [%s]", path, line, want);
    if (r->n == INI_MAX_KEYS)
        return FAIL(err, "%s:%lu: too many keys in section [%s]", path, line, want);
    r->key[r->n] = s;
    r->value[r->n++] = v;
    return ENS_OK;
}

/* Parses the whole of data (NUL-terminated, modified in place) strictly and
 * collects the keys of section `want`. */
static ens_status ini_parse(char *data, const char *path, const char *want, ini_section *r, ens_error *err)
{
    unsigned long line = 0;
    bool in_section = false, in_want = false;
    char *p = data;
    ens_status st;

    memset(r, 0, sizeof(*r));
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte order mark */
    while (*p) {
        char *eol = strchr(p, '\n'), *next, *s, *e;
        line++;
        if (eol) {
            next = eol + 1;
        } else {
            eol = p + strlen(p);
            next = eol;
        }
        e = eol;
        if (e > p && e[-1] == '\r')
            e--;
        s = p;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        p = next;
        if (memchr(s, '\r', (size_t)(e - s)))
            return FAIL(err, "%s:%lu: stray carriage return", path, line);
        if (s == e || *s == ';' || *s == '#')
            continue;
        if (*s != '[') {
            if ((st = ini_pair(s, e, in_section, in_want, path, line, want, r, err)) != ENS_OK)
                return st;
            continue;
        }
        {
            char *n = s + 1, *ne;
            if (e[-1] != ']' || e - s < 3)
                return FAIL(err, "%s:%lu: malformed section header", path, line);
            ne = e - 1;
            while (n < ne && is_space(*n))
                n++;
            while (ne > n && is_space(ne[-1]))
                ne--;
            if (n == ne || memchr(n, '[', (size_t)(ne - n)) || memchr(n, ']', (size_t)(ne - n)))
                return FAIL(err, "%s:%lu: malformed section header", path, line);
            in_section = true;
            in_want = strlen(want) == (size_t)(ne - n) && memcmp(n, want, (size_t)(ne - n)) == 0;
            if (in_want) {
                if (r->found)
                    return FAIL(err, "%s:%lu: section [%s] appears twice", path, line, want);
                r->found = true;
            }
        }
    }
    return ENS_OK;
}

/* The profile the section describes. */
static ens_status ini_profile(const ini_section *r, const char *path, const char *sshown, ens__profile *p,
                              ens_error *err)
{
    const char *type = ini_value(r, "type"), *missing = NULL;
    char tshown[65];
    memset(p, 0, sizeof(*p));
    p->enable_vpc = -1;
    if (!type)
        return FAIL(err, "%s: section [%s] has no type", path, sshown);
    p->id = ini_value(r, "access_key_id");
    p->secret = ini_value(r, "access_key_secret");
    p->role_arn = ini_value(r, "role_arn");
    if (strcmp(type, "access_key") == 0 || strcmp(type, "ram_role_arn") == 0) {
        p->kind = strcmp(type, "access_key") == 0 ? ENS__PROFILE_AK : ENS__PROFILE_RAM_ROLE_ARN;
        missing = !p->id ? "access_key_id" : !p->secret ? "access_key_secret" : NULL;
    } else if (strcmp(type, "ecs_ram_role") == 0) {
        p->kind = ENS__PROFILE_ECS_RAM_ROLE;
        p->role_name = ini_value(r, "role_name");
    } else if (strcmp(type, "oidc_role_arn") == 0) {
        p->kind = ENS__PROFILE_OIDC;
        p->oidc_provider_arn = ini_value(r, "oidc_provider_arn");
        p->oidc_token_file = ini_value(r, "oidc_token_file_path");
        missing = !p->oidc_provider_arn ? "oidc_provider_arn"
                  : !p->oidc_token_file ? "oidc_token_file_path"
                                        : NULL;
    } else {
        ens__cred_shown_name(tshown, sizeof(tshown), type);
        return FAIL(err,
                    "unsupported type '%s' in section [%s] of %s (supported: access_key, ecs_ram_role, "
                    "ram_role_arn, oidc_role_arn)",
                    tshown, sshown, path);
    }
    if (p->kind == ENS__PROFILE_RAM_ROLE_ARN || p->kind == ENS__PROFILE_OIDC) {
        if (!missing && !p->role_arn)
            missing = "role_arn";
        ens__profile_role_members(p, ini_value, r, "role_session_name", NULL);
    }
    if (missing)
        return FAIL(err, "%s: section [%s] has no %s", path, sshown, missing);
    return ENS_OK;
}

static ens_status ini_parse_file(ens__profile_ctx *c, const char *path, char *data, size_t len,
                                const ens__cred_call *call, ens_credentials **out, ens_error *err)
{
    char sshown[65], where[600];
    const char *section;
    ens__profile prof;
    ini_section r;
    ens_status st;

    (void)len;
    section = c->o.profile ? c->o.profile : ens__cred_getenv(&c->o, "ALIBABA_CLOUD_PROFILE");
    if (!section)
        section = "default";
    ens__cred_shown_name(sshown, sizeof(sshown), section);
    if ((st = ini_parse(data, path, sshown, &r, err)) != ENS_OK)
        return st;
    if (strcmp(sshown, section) != 0) /* a name we cannot show is not a section name either */
        r.found = false;
    if (!r.found)
        return FAIL(err, "%s: section [%s] not found", path, sshown);
    if ((st = ini_profile(&r, path, sshown, &prof, err)) != ENS_OK)
        return st;
    snprintf(where, sizeof(where), "%s: section [%s]", path, sshown);
    return ens__profile_get(c, &prof, where, call, out, err);
}

static const ens__profile_file ini_file = {
    .name = "credentials file",
    .cli = false,
    .var = "ALIBABA_CLOUD_CREDENTIALS_FILE",
    .rel = ".alibabacloud/credentials",
    .parse = ini_parse_file,
};

ENS_EXTERN ens_status ens_credentials_provider_credentials_file_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return ens__profile_provider_new(out, opts, &ini_file);
}
