/* File-based credentials providers: the Alibaba Cloud CLI configuration
 * (~/.aliyun/config.json) and the shared credentials file
 * (~/.alibabacloud/credentials, INI).  Both read their file on every get,
 * hold its bytes in a buffer that is wiped before it is freed, and never put
 * any text of the file into an error message except names they looked up
 * (profile, mode, type), sanitised. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/file.h"
#include "credentials/internal.h"
#include "util/error.h"

#define FAIL ENS__CRED_FAIL

/* Longest file read (errno_text says it for EFBIG). */
#define MAX_FILE_BYTES (1024u * 1024u)

static const char *errno_text(int e)
{
    switch (e) {
    case ENOENT: return "not found";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case EFBIG: return "is larger than 1 MiB";
    case EINVAL: return "is not a regular file";
    case ENOTDIR: return "a component of the path is not a directory";
    case ELOOP: return "too many symbolic links";
    case ENAMETOOLONG: return "name too long";
    default: return "cannot be read";
    }
}

/* A name taken from configuration, shown in messages: printable ASCII only,
 * at most 64 bytes. */
static void shown_name(char *dst, size_t cap, const char *src)
{
    size_t i;
    ens__strlcpy(dst, cap, src);
    for (i = 0; dst[i]; i++)
        if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] >= 0x7f || dst[i] == '\'')
            dst[i] = '?';
}

/* Resolves the file path: explicit option, then the variable, then HOME/rel.
 * *path receives an ens__malloc'd string. */
static ens_status resolve_path(const ens__cred_opts *o, const char *explicit_path, const char *var,
                               const char *rel, char **path, ens_error *err)
{
    const char *v = explicit_path ? explicit_path : ens__cred_getenv(o, var);
    const char *home;
    ens__buf b = ENS__BUF_INIT;
    if (v) {
        *path = ens__strdup(v);
    } else {
        home = o->home_dir ? o->home_dir : ens__cred_getenv(o, "HOME");
        if (!home)
            return FAIL(err, "%s is not set and HOME is not set", var);
        ens__buf_puts(&b, home);
        if (b.len && b.ptr[b.len - 1] == '/')
            b.len--;
        ens__buf_putc(&b, '/');
        ens__buf_puts(&b, rel);
        *path = ens__buf_detach(&b);
    }
    if (!*path)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: credentials file path");
    return ENS_OK;
}

static ens_status read_or_fail(const char *path, char **data, size_t *len, ens_error *err)
{
    int e = ens__file_read(path, MAX_FILE_BYTES, false, data, len);
    if (e == ENOMEM)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: reading %s", path);
    if (e)
        return FAIL(err, "%s %s", path, errno_text(e));
    if (memchr(*data, '\0', *len)) {
        ens__file_free(*data, *len);
        *data = NULL;
        return FAIL(err, "%s holds a NUL byte", path);
    }
    return ENS_OK;
}

/* ======================= CLI config (config.json) ======================= */

typedef struct files_ctx {
    ens__cred_opts o;
} files_ctx;

static const char *jstr(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

static ens_status cli_from_root(json_t *root, const ens__cred_opts *o, const char *path,
                                ens_credentials **out, ens_error *err)
{
    const char *profile, *mode, *id, *secret, *token = NULL, *missing = NULL;
    char pshown[65], mshown[65], where[600];
    json_t *profiles, *p = NULL, *it;
    size_t i;

    if (!json_is_object(root))
        return FAIL(err, "%s: not a JSON object", path);
    profile = o->profile ? o->profile : ens__cred_getenv(o, "ALIBABA_CLOUD_PROFILE");
    if (!profile)
        profile = jstr(root, "current");
    if (!profile)
        return FAIL(err, "%s: no profile selected (no \"current\" and ALIBABA_CLOUD_PROFILE is not set)",
                    path);
    shown_name(pshown, sizeof(pshown), profile);
    profiles = json_object_get(root, "profiles");
    if (profiles && !json_is_array(profiles))
        return FAIL(err, "%s: \"profiles\" is not an array", path);
    json_array_foreach(profiles, i, it)
    {
        const char *name = json_is_object(it) ? jstr(it, "name") : NULL;
        if (name && strcmp(name, profile) == 0) {
            p = it;
            break;
        }
    }
    if (!p)
        return FAIL(err, "%s: profile '%s' not found", path, pshown);
    mode = jstr(p, "mode");
    if (!mode)
        return FAIL(err, "%s: profile '%s' has no mode", path, pshown);
    shown_name(mshown, sizeof(mshown), mode);
    if (strcmp(mode, "AK") != 0 && strcmp(mode, "StsToken") != 0)
        return FAIL(err, "unsupported mode '%s' in profile '%s' of %s (supported: AK, StsToken)",
                    mshown, pshown, path);
    id = jstr(p, "access_key_id");
    secret = jstr(p, "access_key_secret");
    if (strcmp(mode, "StsToken") == 0)
        token = jstr(p, "sts_token");
    if (!id)
        missing = "access_key_id";
    else if (!secret)
        missing = "access_key_secret";
    else if (strcmp(mode, "StsToken") == 0 && !token)
        missing = "sts_token";
    if (missing)
        return FAIL(err, "%s: profile '%s' (mode %s) has no %s", path, pshown, mshown, missing);
    snprintf(where, sizeof(where), "%s: profile '%s'", path, pshown);
    return ens__cred_new_checked(out, id, secret, token, 0, where, err);
}

static ens_status cli_get(void *ctx, ens_credentials **out, ens_error *err)
{
    files_ctx *c = ctx;
    char *path = NULL, *data = NULL;
    size_t len = 0;
    json_error_t jerr;
    json_t *root;
    ens_status st;

    if (ens__cred_env_true(&c->o, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"))
        return FAIL(err, "disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED");
    st = resolve_path(&c->o, c->o.cli_config_file, "ALIBABA_CLOUD_CONFIG_FILE", ".aliyun/config.json",
                      &path, err);
    if (st != ENS_OK)
        return st;
    st = read_or_fail(path, &data, &len, err);
    if (st != ENS_OK)
        goto done;
    root = json_loadb(data, len, 0, &jerr);
    if (!root) {
        /* jerr.text can quote the file: position only */
        st = FAIL(err, "%s: not valid JSON (line %d, column %d)", path, jerr.line, jerr.column);
        goto done;
    }
    st = cli_from_root(root, &c->o, path, out, err);
    ens__cred_json_wipe(root);
    json_decref(root);
done:
    ens__file_free(data, len);
    ens__free(path);
    return st;
}

static void files_destroy(void *ctx)
{
    files_ctx *c = ctx;
    ens__cred_opts_clear(&c->o);
    ens__free(c);
}

static const ens_credentials_provider_vtable cli_vtable = {
    .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = cli_get, .destroy = files_destroy};

/* ======================= shared credentials file (INI) ======================= */

#define INI_MAX_KEYS 64

typedef struct ini_result {
    bool found;       /* the section was seen */
    const char *type; /* values point into the (wiped later) file buffer */
    const char *id;
    const char *secret;
} ini_result;

static bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

/* Parses the whole of data (NUL-terminated, modified in place) strictly and
 * collects the values of section `want`.  Errors name path and line only. */
static ens_status ini_parse(char *data, const char *path, const char *want, ini_result *r,
                            ens_error *err)
{
    const char *keys[INI_MAX_KEYS];
    size_t nkeys = 0, k;
    unsigned long line = 0;
    bool in_section = false, in_want = false;
    char *p = data;

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
        if (memchr(s, '\r', (size_t)(e - s)))
            return FAIL(err, "%s:%lu: stray carriage return", path, line);
        if (s == e || *s == ';' || *s == '#') {
            p = next;
            continue;
        }
        if (*s == '[') {
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
            p = next;
            continue;
        }
        {
            char *eq = memchr(s, '=', (size_t)(e - s)), *ke, *v;
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
            if (in_want) {
                *ke = '\0';
                *e = '\0';
                for (k = 0; k < nkeys; k++)
                    if (strcmp(keys[k], s) == 0)
                        return FAIL(err, "%s:%lu: key repeated in section [%s]", path, line, want);
                if (nkeys == INI_MAX_KEYS)
                    return FAIL(err, "%s:%lu: too many keys in section [%s]", path, line, want);
                keys[nkeys++] = s;
                if (strcmp(s, "type") == 0)
                    r->type = v;
                else if (strcmp(s, "access_key_id") == 0)
                    r->id = v;
                else if (strcmp(s, "access_key_secret") == 0)
                    r->secret = v;
            }
        }
        p = next;
    }
    return ENS_OK;
}

static ens_status ini_get(void *ctx, ens_credentials **out, ens_error *err)
{
    files_ctx *c = ctx;
    char *path = NULL, *data = NULL, sshown[65], tshown[65], where[600];
    const char *section, *missing = NULL;
    size_t len = 0;
    ini_result r;
    ens_status st;

    st = resolve_path(&c->o, c->o.credentials_file, "ALIBABA_CLOUD_CREDENTIALS_FILE",
                      ".alibabacloud/credentials", &path, err);
    if (st != ENS_OK)
        return st;
    st = read_or_fail(path, &data, &len, err);
    if (st != ENS_OK)
        goto done;
    section = c->o.profile ? c->o.profile : ens__cred_getenv(&c->o, "ALIBABA_CLOUD_PROFILE");
    if (!section)
        section = "default";
    shown_name(sshown, sizeof(sshown), section);
    st = ini_parse(data, path, sshown, &r, err);
    if (st != ENS_OK)
        goto done;
    if (strcmp(sshown, section) != 0) /* a name we cannot show is not a section name either */
        r.found = false;
    if (!r.found) {
        st = FAIL(err, "%s: section [%s] not found", path, sshown);
        goto done;
    }
    if (!r.type || !*r.type) {
        st = FAIL(err, "%s: section [%s] has no type", path, sshown);
        goto done;
    }
    if (strcmp(r.type, "access_key") != 0) {
        shown_name(tshown, sizeof(tshown), r.type);
        st = FAIL(err, "unsupported type '%s' in section [%s] of %s (supported: access_key)", tshown,
                  sshown, path);
        goto done;
    }
    if (!r.id || !*r.id)
        missing = "access_key_id";
    else if (!r.secret || !*r.secret)
        missing = "access_key_secret";
    if (missing) {
        st = FAIL(err, "%s: section [%s] has no %s", path, sshown, missing);
        goto done;
    }
    snprintf(where, sizeof(where), "%s: section [%s]", path, sshown);
    st = ens__cred_new_checked(out, r.id, r.secret, NULL, 0, where, err);
done:
    ens__file_free(data, len);
    ens__free(path);
    return st;
}

static const ens_credentials_provider_vtable ini_vtable = {
    .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = ini_get, .destroy = files_destroy};

/* ======================= constructors ======================= */

static ens_status files_new(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                            const ens_credentials_provider_vtable *vt, const char *name)
{
    files_ctx *c;
    ens_status st;
    if (!out)
        return ENS_EINVAL;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    st = ens__cred_opts_copy(&c->o, opts);
    if (st == ENS_OK)
        st = ens_credentials_provider_new(out, vt, c);
    if (st != ENS_OK) {
        files_destroy(c);
        return st;
    }
    ens__credentials_provider_set_name(*out, name);
    return ENS_OK;
}

ENS_EXTERN ens_status ens_credentials_provider_cli_config_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return files_new(out, opts, &cli_vtable, "cli config");
}

ENS_EXTERN ens_status ens_credentials_provider_credentials_file_new(
    ens_credentials_provider **out, const ens_credentials_provider_options *opts)
{
    return files_new(out, opts, &ini_vtable, "credentials file");
}
