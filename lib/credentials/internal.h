/* SPDX-License-Identifier: MIT */
/* Internal interfaces of the credentials folder.  Calls go one way, down
 * this list (a file calls only files listed before it):
 *   credentials.c  credentials objects, the provider interface, one get's
 *                  deadline, token and log (ens__cred_call)
 *   options.c      provider options and the environment
 *   read.c         configuration files: paths, bounded reads, names shown
 *   document.c     a JSON document read by the library's scanner into wiped
 *                  memory, and credentials from its values
 *   providers.c    static, environment and callback providers
 *   cache.c        the caching provider
 *   http.c         instance RAM role and credentials URI providers
 *   sts.c          RAM role (AssumeRole) and OIDC (AssumeRoleWithOIDC)
 *                  providers, over the library's RPC call (lib/call)
 *   profile.c      a CLI-config or INI profile turned into credentials or a
 *                  provider, kept while the profile stays the same
 *   files.c        the CLI configuration provider
 *   ini.c          the shared credentials file (INI) provider
 *   chain.c        provider chains and the default chain
 * Outside the folder they use util/, the JSON lexer (json/lex.h), the
 * transport's public interface and, in sts.c only, the call engine. */
#ifndef ENS_LIB_CREDENTIALS_INTERNAL_H
#define ENS_LIB_CREDENTIALS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/error.h"
#include "ensclient/credentials.h"

/* What every provider's failure description starts with (the chain strips it
 * when it joins the reasons). */
#define ENS__CRED_UNAVAILABLE "credentials unavailable: "
/* Fills err with ENS_ECREDENTIALS and ENS__CRED_UNAVAILABLE + the message;
 * returns ENS_ECREDENTIALS. */
#define ENS__CRED_FAIL(err, ...) ens__error_set((err), ENS_ECREDENTIALS, ENS__CRED_UNAVAILABLE __VA_ARGS__)

/* The vtable of every provider of the library: version 3, get_ex only. */
#define ENS__CRED_VTABLE(get_ex_fn, destroy_fn, invalidate_fn)                                        \
    {                                                                                             \
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get_ex = (get_ex_fn),                 \
        .destroy = (destroy_fn), .invalidate = (invalidate_fn)                                     \
    }

/* ---- credentials.c ---- */

struct crypto_auth_hmacsha256_state; /* <sodium.h> */
/* Copies into *out the HMAC-SHA256 state keyed with the AccessKey secret
 * (both key pads absorbed), computed once by ens_credentials_new() and kept
 * in secret memory next to the secret: the signer continues from the copy
 * instead of keying a fresh state for every signature.  false (and *out
 * untouched) when creds holds no such state.  The copy is as sensitive as the
 * secret: the caller wipes it (sodium_memzero) once done. */
bool ens__credentials_hmac_copy(const ens_credentials *creds,
                                struct crypto_auth_hmacsha256_state *out);

/* Sets the name a chain shows for the provider: a static string. */
void ens__credentials_provider_set_name(ens_credentials_provider *provider, const char *name);
/* The name, or NULL when none was set. */
const char *ens__credentials_provider_name(const ens_credentials_provider *provider);

/* One get as the providers see it: an absolute deadline (so that nested
 * providers share one), the token and where warnings go. */
typedef struct ens__cred_call {
    long long deadline;       /* ens__now_ms() value; 0 = none */
    const ens_cancel *cancel; /* may be NULL */
    ens_log_fn log_fn;        /* may be NULL */
    void *log_payload;
    ens_log_level log_level;
} ens__cred_call;

/* The call described by opts (as given to a get_ex; NULL: no limits). */
void ens__cred_call_from(ens__cred_call *call, const ens_credentials_get_options *opts);
/* Milliseconds left to the deadline: LONG_MAX without one, <= 0 once passed. */
long ens__cred_call_left(const ens__cred_call *call);
/* ENS_OK while time is left and the token untriggered; else ENS_ETIMEOUT /
 * ENS_ECANCELED with err saying "... while <what>". */
ens_status ens__cred_call_check(const ens__cred_call *call, const char *what, ens_error *err);
/* How a provider reports an exchange (an HTTP request, an STS call) that
 * failed with st and inner: ENS_ENOMEM as such; a timeout or cancel that is
 * the call's own as ens__cred_call_check() says it; anything else as
 * "<what> failed: <inner's description>" (ENS_ECREDENTIALS). */
ens_status ens__cred_exchange_failed(const ens__cred_call *call, ens_status st, const ens_error *inner,
                                     const char *what, ens_error *err);
/* ens_credentials_provider_get_ex() of p with what is left of call. */
ens_status ens__cred_get(ens_credentials_provider *p, const ens__cred_call *call, ens_credentials **out,
                         ens_error *err);
/* e's description without ENS__CRED_UNAVAILABLE (the status's name when
 * nothing is left). */
const char *ens__cred_reason(const ens_error *e);
/* A warning line to call's log callback, when it takes warnings.  Never
 * pass a secret. */
void ens__cred_warn(const ens__cred_call *call, const char *line);

/* ---- options.c ---- */

/* A private copy of ens_credentials_provider_options, defaults resolved. */
typedef struct ens__cred_opts {
    ens_getenv_fn getenv_fn;
    void *getenv_payload;
    char *home_dir;
    char *profile;
    char *cli_config_file;
    char *credentials_file;
    char *metadata_base_url;  /* never NULL after copy */
    char *metadata_role_name;
    char *credentials_uri;
    long metadata_token_ttl_s;
    bool metadata_v1_disabled;
    ens_transport *transport; /* borrowed, may be NULL */
    long connect_timeout_ms;
    long timeout_ms;
    /* as given (0 = default): the cache of a provider built later */
    ens_clock_fn clock_fn;
    void *clock_payload;
    long refresh_before_s;
    long retry_backoff_s;
    /* version 2; NULL / 0 when unset */
    char *role_arn;
    char *role_session_name;
    long role_duration_s; /* 0 = default */
    char *role_policy;
    char *role_external_id;
    char *oidc_provider_arn;
    char *oidc_token_file;
    char *sts_endpoint;
    char *sts_region;
    bool sts_vpc;
    long sts_timeout_ms;  /* resolved */
} ens__cred_opts;

/* Validates and copies src (NULL = defaults) into dst (zeroed by the caller).
 * ENS_EINVAL or ENS_ENOMEM; on failure dst may hold partial copies: clear it. */
ens_status ens__cred_opts_copy(ens__cred_opts *dst, const ens_credentials_provider_options *src);
void ens__cred_opts_clear(ens__cred_opts *o);
/* Public options equal to o (strings borrowed from o): what a provider made
 * later from these options is given. */
void ens__cred_opts_public(const ens__cred_opts *o, ens_credentials_provider_options *out);
/* The cache options in opts (validated; NULL: the defaults). */
void ens__cred_cache_opts(const ens_credentials_provider_options *opts, ens_credentials_cache_options *out);

/* A provider named name whose context (ctx_size bytes, zeroed) starts with
 * an ens__cred_opts copied from opts; init (may be NULL) finishes the
 * context, given arg.  On failure vt->destroy(ctx) is called (it copes with
 * a context made halfway) and *out is left alone.  ENS_EINVAL (NULL out, bad
 * options), ENS_ENOMEM or what init returns. */
ens_status ens__cred_opts_provider(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                                   size_t ctx_size, const ens_credentials_provider_vtable *vt,
                                   const char *name, ens_status (*init)(void *ctx, void *arg), void *arg);
/* The destroy of such a context when it holds nothing else. */
void ens__cred_opts_ctx_free(void *ctx);

/* Environment lookup through o (NULL o = getenv); empty values count as unset. */
const char *ens__cred_getenv(const ens__cred_opts *o, const char *name);
/* True when the variable is "true" (any case). */
bool ens__cred_env_true(const ens__cred_opts *o, const char *name);

/* ---- read.c ---- */

/* Largest configuration or token file read. */
#define ENS__CRED_MAX_FILE_BYTES (1024u * 1024u)

/* A name taken from configuration, fit to show in a message: printable
 * ASCII but the quote, at most cap - 1 bytes. */
void ens__cred_shown_name(char *dst, size_t cap, const char *src);

/* The file path: explicit, else the variable var, else $HOME/rel (home_dir
 * option first).  *path receives an ens__malloc'd string. */
ens_status ens__cred_resolve_path(const ens__cred_opts *o, const char *explicit_path, const char *var,
                                  const char *rel, char **path, ens_error *err);

/* Reads the regular file at path (at most ENS__CRED_MAX_FILE_BYTES, no NUL
 * byte) into *data / *len, released with ens__cred_file_free() (which wipes
 * it).  Never blocks on open: a FIFO, a device or a directory is refused
 * with a message that says so.  warned (may be NULL): when the file is
 * readable by group or others, a warning goes to call's log unless *warned
 * was already set (it is set then).  ENS_OK, ENS_ECREDENTIALS, ENS_ENOMEM. */
ens_status ens__cred_read_file(const char *path, const ens__cred_call *call, atomic_int *warned, char **data,
                               size_t *len, ens_error *err);
void ens__cred_file_free(char *data, size_t len);
/* ens__cred_resolve_path() then ens__cred_read_file(): *path (ens__malloc'd,
 * also on failure after it was found) names the file read. */
ens_status ens__cred_read_config(const ens__cred_opts *o, const char *explicit_path, const char *var,
                                 const char *rel, const ens__cred_call *call, atomic_int *warned, char **path,
                                 char **data, size_t *len, ens_error *err);

/* ---- document.c ---- */

/* ens_credentials_new() for values read from `where` (named in errors):
 * ENS_OK, ENS_ECREDENTIALS ("<where>: a credentials value holds a line
 * break") or ENS_ENOMEM / ENS_EINTERNAL. */
ens_status ens__cred_new_checked(ens_credentials **out, const char *id, const char *secret,
                                 const char *token, time_t expiration, const char *where,
                                 ens_error *err);

/* A JSON document (an object or an array at the top) read into a flat list
 * of its values, each named by its path: member names and array indexes
 * joined by '.', e.g. "profiles.2.mode", "Credentials.AccessKeyId"; the
 * root is "".  Values nested deeper than 8 levels, and members whose name is
 * empty, longer than 128 bytes or holds a '.', are checked but not kept.
 * Strings are decoded into one block that is wiped when the document is
 * freed; nothing else holds them.  A member name repeated in one object
 * makes the document invalid. */
typedef enum ens__doc_type {
    ENS__DOC_STRING, /* text: valid UTF-8 without NUL */
    ENS__DOC_BYTES,  /* a string that is not text (\u0000, a lone surrogate) */
    ENS__DOC_NUMBER, /* value: the number as written */
    ENS__DOC_TRUE,
    ENS__DOC_FALSE,
    ENS__DOC_NULL,
    ENS__DOC_OBJECT,
    ENS__DOC_ARRAY
} ens__doc_type;

typedef struct ens__doc_entry {
    size_t path;  /* offset in the path block */
    size_t value; /* offset in the value block (strings and numbers) */
    ens__doc_type type;
} ens__doc_entry;

typedef struct ens__doc {
    char *values; /* decoded strings and numbers, each NUL-terminated; wiped */
    size_t values_cap, values_len;
    ens__buf path_buf;  /* every path, NUL-terminated (names only: not wiped) */
    ens__buf entry_buf; /* the entries (offsets only) */
    const char *paths;  /* path_buf's bytes once parsed */
    const ens__doc_entry *e; /* entry_buf's entries once parsed ... */
    size_t n;                /* ... and how many */
    size_t *sorted; /* entry indexes sorted by path */
    size_t line, column; /* where the text stopped being JSON (1-based) */
    bool dup;            /* ... because a member name was repeated */
} ens__doc;

/* Reads body[0..len) into d (zeroed by the caller).  ENS_OK; ENS_EPARSE (not
 * JSON: d->line / d->column / d->dup say where); ENS_ENOMEM.  Free d with
 * ens__doc_free() in every case. */
ens_status ens__doc_parse(ens__doc *d, const char *body, size_t len);
void ens__doc_free(ens__doc *d);
/* Where a document that failed to parse stopped being JSON, for a message:
 * "line L, column C", or that a member name is repeated. */
void ens__doc_where(const ens__doc *d, char *buf, size_t cap);
/* The value at path: NULL when absent; else *type (may be NULL) receives its
 * type and the result is its text ("" for objects, arrays, booleans, null
 * and BYTES strings). */
const char *ens__doc_get(const ens__doc *d, const char *path, ens__doc_type *type);
/* A non-empty STRING at path, else NULL; *wrong (when given) is set when
 * something other than a string, null or nothing is there. */
const char *ens__doc_str(const ens__doc *d, const char *path, bool *wrong);

/* How ens__cred_from_json() reads a credentials document. */
typedef enum ens__cred_doc_kind {
    ENS__CRED_DOC_URI,      /* AccessKeyId, AccessKeySecret; optional SecurityToken,
                               Expiration; a Code other than "Success" fails */
    ENS__CRED_DOC_METADATA, /* all four, and Code "Success" */
    ENS__CRED_DOC_STS       /* all four under "Credentials" (an STS answer) */
} ens__cred_doc_kind;

/* Parses the credentials document in body (kind says its shape); `source`
 * names it in errors, which never quote it.  ENS_OK, ENS_ECREDENTIALS,
 * ENS_ENOMEM. */
ens_status ens__cred_from_json(const char *body, size_t len, ens__cred_doc_kind kind, const char *source,
                               ens_credentials **out, ens_error *err);

/* Wipes every string held in a jansson tree (the values may be secrets);
 * for the generic RPC call's parsed answers. */
struct json_t;
void ens__cred_json_wipe(struct json_t *j);

/* ---- cache.c ---- */

/* A provider that fetches on every get, made from opts. */
typedef ens_status (*ens__cred_raw_new_fn)(ens_credentials_provider **out,
                                           const ens_credentials_provider_options *opts);
/* raw_new's provider wrapped in a cache with opts' settings (and its name). */
ens_status ens__cred_cached(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                            ens__cred_raw_new_fn raw_new);

/* ---- http.c: the providers without their cache (for the default chain) ---- */

ens_status ens__cred_ecs_ram_role_raw_new(ens_credentials_provider **out,
                                          const ens_credentials_provider_options *opts);
ens_status ens__cred_uri_raw_new(ens_credentials_provider **out,
                                 const ens_credentials_provider_options *opts);

/* ---- sts.c ---- */

ens_status ens__cred_oidc_raw_new(ens_credentials_provider **out, const ens_credentials_provider_options *opts);

/* ---- profile.c ---- */

typedef enum ens__profile_kind {
    ENS__PROFILE_AK,            /* id, secret */
    ENS__PROFILE_STS_TOKEN,     /* id, secret, token */
    ENS__PROFILE_RAM_ROLE_ARN,  /* id, secret, optional token; role */
    ENS__PROFILE_CHAINABLE,     /* source; role */
    ENS__PROFILE_ECS_RAM_ROLE,  /* optional role_name */
    ENS__PROFILE_URI,           /* uri */
    ENS__PROFILE_OIDC           /* role, oidc_provider_arn, oidc_token_file */
} ens__profile_kind;

/* A profile as a file describes it; strings are borrowed from the file's
 * (wiped) buffers, NULL when absent. */
typedef struct ens__profile {
    ens__profile_kind kind;
    const char *id, *secret, *token;
    const char *role_arn, *session_name, *policy, *external_id, *duration;
    const char *sts_region;
    int enable_vpc; /* -1 unset, 0, 1 */
    const char *role_name, *uri, *oidc_provider_arn, *oidc_token_file;
    const struct ens__profile *source; /* ENS__PROFILE_CHAINABLE */
} ens__profile;

/* A file provider (CLI config, INI): its options, what its file is, and
 * the provider made for the last profile seen, kept (with its cache) while
 * the profile stays the same; safe for concurrent gets. */
struct ens__profile_holder;
typedef struct ens__profile_ctx ens__profile_ctx;

/* What a file provider reads, and how. */
typedef struct ens__profile_file {
    const char *name;         /* the provider's name, e.g. "cli config" */
    bool cli;                 /* path option: cli_config_file, else credentials_file */
    const char *var;          /* the variable naming the file */
    const char *rel;          /* else $HOME/rel */
    const char *disabled_var; /* NULL, or a variable that turns the provider off when "true" */
    /* Picks the profile in the file's text (data[0..len), NUL-terminated,
       wiped afterwards, may be changed) and gets its credentials with
       ens__profile_get(). */
    ens_status (*parse)(ens__profile_ctx *c, const char *path, char *data, size_t len,
                        const ens__cred_call *call, ens_credentials **out, ens_error *err);
} ens__profile_file;

struct ens__profile_ctx {
    ens__cred_opts o; /* first: see ens__cred_opts_provider() */
    const ens__profile_file *file;
    atomic_int warned; /* the file's permissions were warned about */
    pthread_mutex_t mu;
    bool mu_ready;
    struct ens__profile_holder *cur; /* guarded by mu */
    unsigned char key[32];           /* keys the fingerprints of profiles */
};

/* Fills p's optional role members (session name, policy, external ID,
 * STS region, duration, VPC flag) from a profile's values, read through
 * get(src, key) (non-empty text or NULL; flags as "true" / "false"); a
 * NULL duration_key: no duration. */
void ens__profile_role_members(ens__profile *p, const char *(*get)(const void *src, const char *key),
                               const void *src, const char *session_key, const char *duration_key);

/* The provider of file (a static description), with opts. */
ens_status ens__profile_provider_new(ens_credentials_provider **out, const ens_credentials_provider_options *opts,
                                     const ens__profile_file *file);

/* Credentials for profile p, named `where` in errors: the keys themselves
 * (AK, StsToken), or through the provider c keeps for p, made from p and
 * c's options when p differs from the last profile seen. */
ens_status ens__profile_get(ens__profile_ctx *c, const ens__profile *p, const char *where,
                            const ens__cred_call *call, ens_credentials **out, ens_error *err);

#endif
