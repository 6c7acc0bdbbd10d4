/* SPDX-License-Identifier: MIT */
/* ensmock: the STS actions (see ens_mock_sts.h): AssumeRole (signed),
 * AssumeRoleWithOIDC (unsigned), GetCallerIdentity, the keys they issue and
 * how long those are accepted. */
#include "ens_mock_sts.h"
#include "mock_internal.h"

#define MOCK_ACCOUNT "1234567890123456"

typedef struct sts_key {
    char *id, *secret, *token;
    char *arn; /* the assumed role's ARN and session: acs:ram::N:assumed-role/name/session */
    time_t expires;
} sts_key;

struct mock_sts {
    /* options, strings owned */
    long expires_in_s;
    char *oidc_provider_arn, *oidc_token, *fail_code;
    unsigned fail_first_n;
    int fail_status;
    bool refuse_issued;
    unsigned long fail_seq; /* STS calls since the options were set */
    sts_key *keys;
    size_t nkeys, cap;
    unsigned long seq;
    ensmock_sts_stats stats;
};

static void copy_last(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void free_key(sts_key *k)
{
    free(k->id);
    if (k->secret)
        sodium_memzero(k->secret, strlen(k->secret));
    free(k->secret);
    if (k->token)
        sodium_memzero(k->token, strlen(k->token));
    free(k->token);
    free(k->arn);
}

int mock_sts_init(ensmock_server *srv)
{
    srv->sts = calloc(1, sizeof(*srv->sts));
    return srv->sts ? ENSMOCK_OK : ENSMOCK_ERR_NOMEM;
}

static void free_options(struct mock_sts *s)
{
    free(s->oidc_provider_arn);
    free(s->oidc_token);
    free(s->fail_code);
    s->oidc_provider_arn = s->oidc_token = s->fail_code = NULL;
}

void mock_sts_free(ensmock_server *srv)
{
    struct mock_sts *s = srv->sts;
    if (!s)
        return;
    for (size_t i = 0; i < s->nkeys; i++)
        free_key(&s->keys[i]);
    free(s->keys);
    free_options(s);
    free(s);
    srv->sts = NULL;
}

int ensmock_sts_set(ensmock_server *srv, const ensmock_sts_options *opts)
{
    ensmock_sts_options none;
    char *arn = NULL, *tok = NULL, *code = NULL;
    memset(&none, 0, sizeof none);
    if (!opts)
        opts = &none;
    if (!srv || opts->expires_in_s < 0 || opts->fail_status < 0 || opts->fail_status >= ENSMOCK_STATUS_MAX)
        return ENSMOCK_ERR_INVALID;
    if ((opts->oidc_provider_arn && !(arn = mock_strdup(opts->oidc_provider_arn))) ||
        (opts->oidc_token && !(tok = mock_strdup(opts->oidc_token))) ||
        (opts->fail_code && !(code = mock_strdup(opts->fail_code)))) {
        free(arn);
        free(tok);
        free(code);
        return ENSMOCK_ERR_NOMEM;
    }
    pthread_mutex_lock(&srv->lock);
    free_options(srv->sts);
    srv->sts->expires_in_s = opts->expires_in_s;
    srv->sts->oidc_provider_arn = arn;
    srv->sts->oidc_token = tok;
    srv->sts->fail_code = code;
    srv->sts->fail_first_n = opts->fail_first_n;
    srv->sts->fail_status = opts->fail_status;
    srv->sts->refuse_issued = opts->refuse_issued;
    srv->sts->fail_seq = 0;
    pthread_mutex_unlock(&srv->lock);
    return ENSMOCK_OK;
}

void ensmock_sts_stats_get(const ensmock_server *srv, ensmock_sts_stats *out)
{
    ensmock_server *s = (ensmock_server *)srv; /* the lock is not logically state */
    pthread_mutex_lock(&s->lock);
    *out = s->sts->stats;
    pthread_mutex_unlock(&s->lock);
}

void ensmock_sts_expire_all(ensmock_server *srv)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->sts->nkeys; i++)
        if (srv->sts->keys[i].expires > now)
            srv->sts->keys[i].expires = now;
    pthread_mutex_unlock(&srv->lock);
}

int mock_sts_find_key(ensmock_server *srv, const char *id, key_entry *out, bool *expired, char **arn)
{
    int found = 0;
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->sts->nkeys && !found; i++) {
        const sts_key *k = &srv->sts->keys[i];
        if (strcmp(k->id, id) != 0)
            continue;
        found = 1;
        out->id = mock_strdup(k->id);
        out->secret = mock_strdup(k->secret);
        out->token = mock_strdup(k->token);
        *arn = mock_strdup(k->arn);
        *expired = k->expires <= time(NULL);
        if (*expired)
            srv->sts->stats.expired++;
        if (!out->id || !out->secret || !out->token || !*arn)
            found = -1;
    }
    pthread_mutex_unlock(&srv->lock);
    return found;
}

/* ---- the actions ---- */

static bool valid_role_arn(const char *s, const char **name)
{
    static const char pre[] = "acs:ram::";
    const char *p;
    if (strncmp(s, pre, sizeof pre - 1) != 0)
        return false;
    p = s + sizeof pre - 1;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (strncmp(p, ":role/", 6) != 0 || !p[6])
        return false;
    *name = p + 6;
    return true;
}

static bool valid_session(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '@' || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* nbytes (at most 64) random bytes as hex into out (2 * nbytes + 1). */
static void random_text(char *out, size_t nbytes)
{
    unsigned char b[64];
    randombytes_buf(b, nbytes);
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void iso_time(char out[32], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The key signing this request, from its Authorization header. */
static void signing_key(const reqctx *c, char *out, size_t cap)
{
    const char *a = mock_hdr(c, MHD_HTTP_HEADER_AUTHORIZATION), *p = a ? strstr(a, "Credential=") : NULL;
    size_t n = 0;
    if (p) {
        p += 11;
        n = strcspn(p, ", ");
    }
    snprintf(out, cap, "%.*s", (int)n, p ? p : "");
}

/* Checks the parameters common to both AssumeRole actions; false after
 * setting the error. */
static bool check_role_params(reqctx *c, const char **role, const char **session, long *duration)
{
    const char *role_name, *d = mock_param(c, "DurationSeconds"), *pol = mock_param(c, "Policy");
    *role = mock_param(c, "RoleArn");
    *session = mock_param(c, "RoleSessionName");
    *duration = 3600;
    if (!*role || !**role) {
        mock_set_error(c, 400, "MissingParameter", "The input parameter \"RoleArn\" is not supplied.");
        return false;
    }
    if (!valid_role_arn(*role, &role_name)) {
        mock_set_error(c, 400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.");
        return false;
    }
    if (!*session || !valid_session(*session)) {
        mock_set_error(c, 400, "InvalidParameter.RoleSessionName",
                       "The parameter RoleSessionName is wrongly formed.");
        return false;
    }
    if (d && *d) {
        char *end;
        *duration = strtol(d, &end, 10);
        if (*end || *duration < 900 || *duration > 43200) {
            mock_set_error(c, 400, "InvalidParameter.DurationSeconds",
                           "The Min/Max value of DurationSeconds is 15min/12hr.");
            return false;
        }
    }
    if (pol && strlen(pol) > 2048) {
        mock_set_error(c, 400, "InvalidParameter.PolicyGrammar", "The policy is too long.");
        return false;
    }
    return true;
}

/* Issues a key for role/session; the answer goes into c. */
static void issue(reqctx *c, const char *role, const char *session, long duration, bool oidc)
{
    ensmock_server *srv = c->srv;
    struct mock_sts *s = srv->sts;
    char id[64], secret[65], token[129], exp[32], arn[512], rid[64];
    const char *role_name = strstr(role, ":role/") + 6;
    time_t now = time(NULL), expires;
    sts_key k = {0};

    random_text(secret, 24);
    random_text(token, 48);
    pthread_mutex_lock(&srv->lock);
    snprintf(id, sizeof id, "STS.mock%06lu", ++s->seq);
    expires = now + (s->expires_in_s ? s->expires_in_s : duration);
    snprintf(arn, sizeof arn, "acs:ram::%.*s:assumed-role/%s/%s", (int)(strstr(role, ":role/") - role - 9),
             role + 9, role_name, session);
    k.id = mock_strdup(id);
    k.secret = mock_strdup(secret);
    k.token = mock_strdup(token);
    k.arn = mock_strdup(arn);
    k.expires = s->refuse_issued ? now : expires;
    if (k.id && k.secret && k.token && k.arn && s->nkeys == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        sts_key *nk = realloc(s->keys, ncap * sizeof *nk);
        if (nk) {
            s->keys = nk;
            s->cap = ncap;
        }
    }
    if (!k.id || !k.secret || !k.token || !k.arn || s->nkeys == s->cap) {
        pthread_mutex_unlock(&srv->lock);
        free_key(&k);
        sodium_memzero(secret, sizeof secret);
        mock_set_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    s->keys[s->nkeys++] = k;
    s->stats.issued++;
    copy_last(s->stats.last_issued_key_id, sizeof s->stats.last_issued_key_id, id);
    pthread_mutex_unlock(&srv->lock);

    iso_time(exp, expires);
    snprintf(rid, sizeof rid, "3%015lu:%s", (unsigned long)expires, session);
    json_decref(c->root);
    c->root = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s}}", "RequestId", c->request_id,
                        "AssumedRoleUser", "AssumedRoleId", rid, "Arn", arn, "Credentials", "SecurityToken",
                        token, "AccessKeyId", id, "AccessKeySecret", secret, "Expiration", exp);
    if (c->root && oidc)
        json_object_set_new(c->root, "OIDCTokenInfo",
                            json_pack("{s:s, s:s, s:s}", "Subject", "system:serviceaccount:default:mock",
                                      "Issuer", "https://oidc.mock.invalid", "ClientIds", "sts.aliyuncs.com"));
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(token, sizeof token);
    c->status = 200;
    mock_log(srv, "  -> 200 %s issued until %s", id, exp);
}

/* The injected failure, when one is due; true after setting it. */
static bool injected(reqctx *c)
{
    struct mock_sts *s = c->srv->sts;
    int status;
    char code[128];
    bool fail;
    pthread_mutex_lock(&c->srv->lock);
    fail = ++s->fail_seq <= s->fail_first_n;
    status = s->fail_status ? s->fail_status : 503;
    snprintf(code, sizeof code, "%s", s->fail_code ? s->fail_code : "ServiceUnavailable");
    if (fail)
        s->stats.injected++;
    pthread_mutex_unlock(&c->srv->lock);
    if (fail)
        mock_set_error(c, status, code, "Injected failure of the STS mock.");
    return fail;
}

static void refused(reqctx *c)
{
    pthread_mutex_lock(&c->srv->lock);
    c->srv->sts->stats.refused++;
    pthread_mutex_unlock(&c->srv->lock);
}

static void assume(reqctx *c, bool oidc)
{
    struct mock_sts *s = c->srv->sts;
    const char *role, *session, *ext = mock_param(c, "ExternalId"), *pol = mock_param(c, "Policy");
    const char *parn = mock_param(c, "OIDCProviderArn"), *tok = mock_param(c, "OIDCToken");
    char key[128];
    long duration;
    bool bad = false;

    if (injected(c))
        return;
    if (!check_role_params(c, &role, &session, &duration)) {
        refused(c);
        return;
    }
    if (!oidc && ext && *ext && (strlen(ext) < 2 || strlen(ext) > 1224)) {
        mock_set_error(c, 400, "InvalidParameter.ExternalId", "The parameter ExternalId is wrongly formed.");
        refused(c);
        return;
    }
    if (oidc) {
        pthread_mutex_lock(&c->srv->lock);
        if (!parn || !*parn || (s->oidc_provider_arn && strcmp(parn, s->oidc_provider_arn) != 0)) {
            bad = true;
            mock_set_error(c, 400, "InvalidParameter.OIDCProviderArn", "The OIDC provider is not found.");
        } else if (!tok || !*tok || (s->oidc_token && strcmp(tok, s->oidc_token) != 0)) {
            bad = true;
            mock_set_error(c, 400, "AuthenticationFail.OIDCToken.Invalid", "The OIDC token is invalid.");
        }
        pthread_mutex_unlock(&c->srv->lock);
        if (bad) {
            refused(c);
            return;
        }
    }
    signing_key(c, key, sizeof key);
    pthread_mutex_lock(&c->srv->lock);
    if (oidc)
        s->stats.assume_role_oidc++;
    else
        s->stats.assume_role++;
    copy_last(s->stats.last_role_arn, sizeof s->stats.last_role_arn, role);
    copy_last(s->stats.last_session_name, sizeof s->stats.last_session_name, session);
    copy_last(s->stats.last_policy, sizeof s->stats.last_policy, pol);
    copy_last(s->stats.last_external_id, sizeof s->stats.last_external_id, oidc ? NULL : ext);
    copy_last(s->stats.last_source_key_id, sizeof s->stats.last_source_key_id, oidc ? NULL : key);
    copy_last(s->stats.last_provider_arn, sizeof s->stats.last_provider_arn, oidc ? parn : NULL);
    copy_last(s->stats.last_oidc_token, sizeof s->stats.last_oidc_token, oidc ? tok : NULL);
    s->stats.last_duration_s = duration;
    pthread_mutex_unlock(&c->srv->lock);
    issue(c, role, session, duration, oidc);
}

static void caller_identity(reqctx *c)
{
    char key[128], user[64];
    key_entry k = {0};
    bool expired = false;
    char *arn = NULL;
    signing_key(c, key, sizeof key);
    snprintf(user, sizeof user, "2%015u", (unsigned)(strlen(key) * 7919u));
    json_decref(c->root);
    if (mock_sts_find_key(c->srv, key, &k, &expired, &arn) > 0)
        c->root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "RequestId", c->request_id, "AccountId",
                            MOCK_ACCOUNT, "Arn", arn, "IdentityType", "AssumedRoleUser", "PrincipalId", key,
                            "UserId", user);
    else
        c->root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "RequestId", c->request_id, "AccountId",
                            MOCK_ACCOUNT, "Arn", "acs:ram::" MOCK_ACCOUNT ":root", "IdentityType", "Account",
                            "PrincipalId", MOCK_ACCOUNT, "UserId", MOCK_ACCOUNT);
    free(k.id);
    free(k.secret);
    free(k.token);
    free(arn);
    pthread_mutex_lock(&c->srv->lock);
    c->srv->sts->stats.caller_identity++;
    pthread_mutex_unlock(&c->srv->lock);
    c->status = 200;
}

bool mock_sts_action(const char *action)
{
    return strcmp(action, "AssumeRole") == 0 || strcmp(action, "AssumeRoleWithOIDC") == 0 ||
           strcmp(action, "GetCallerIdentity") == 0;
}

void mock_sts(reqctx *c, const char *action)
{
    if (strcmp(mock_hdr(c, "x-acs-version"), ENSMOCK_STS_VERSION) != 0) {
        mock_set_error(c, 400, "InvalidVersion", "Specified parameter Version is not valid.");
        return;
    }
    if (strcmp(action, "GetCallerIdentity") == 0)
        caller_identity(c);
    else
        assume(c, strcmp(action, "AssumeRoleWithOIDC") == 0);
}
