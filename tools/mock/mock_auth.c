/* SPDX-License-Identifier: MIT */
/* ensmock: ACS3-HMAC-SHA256 verification, written independently of the
 * library (see mock_internal.h). */
#include "mock_internal.h"

/* ---- authentication ---- */

const char *mock_hdr(const reqctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

static void trimmed(const char *s, const char **start, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *start = s;
    *len = n;
}

typedef struct auth_parts {
    char *credential, *signed_headers, *signature;
} auth_parts;

static void auth_parts_free(auth_parts *a)
{
    free(a->credential);
    free(a->signed_headers);
    free(a->signature);
}

/* "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex" */
static bool parse_authorization(const char *v, auth_parts *a, const char **why)
{
    size_t al = strlen(MOCK_ALGORITHM);
    if (strncmp(v, MOCK_ALGORITHM, al) != 0 || (v[al] != ' ' && v[al] != '\t')) {
        *why = "the signature algorithm is not " MOCK_ALGORITHM;
        return false;
    }
    const char *p = v + al;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *comma = strchr(p, ',');
        size_t seg = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        if (!eq) {
            *why = "an Authorization field lacks '='";
            return false;
        }
        size_t kl = (size_t)(eq - p);
        const char *val = eq + 1;
        size_t vl = seg - kl - 1;
        while (vl > 0 && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
            vl--;
        char **slot = NULL;
        if (kl == 10 && strncmp(p, "Credential", kl) == 0)
            slot = &a->credential;
        else if (kl == 13 && strncmp(p, "SignedHeaders", kl) == 0)
            slot = &a->signed_headers;
        else if (kl == 9 && strncmp(p, "Signature", kl) == 0)
            slot = &a->signature;
        if (!slot) {
            *why = "the Authorization header has an unknown field";
            return false;
        }
        if (*slot) {
            *why = "the Authorization header repeats a field";
            return false;
        }
        *slot = malloc(vl + 1);
        if (!*slot) {
            *why = "out of memory";
            return false;
        }
        memcpy(*slot, val, vl);
        (*slot)[vl] = '\0';
        p += seg;
    }
    if (!a->credential || !*a->credential) {
        *why = "Credential is missing";
        return false;
    }
    if (!a->signed_headers || !*a->signed_headers) {
        *why = "SignedHeaders is missing";
        return false;
    }
    if (!a->signature || !*a->signature) {
        *why = "Signature is missing";
        return false;
    }
    return true;
}

typedef struct unsigned_check {
    const char *signed_list; /* "a;b;c" */
    char first_unsigned[128];
} unsigned_check;

static bool in_signed_list(const char *list, const char *name)
{
    size_t nl = strlen(name);
    const char *p = list;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t l = semi ? (size_t)(semi - p) : strlen(p);
        if (l == nl && strncasecmp(p, name, nl) == 0)
            return true;
        if (!semi)
            break;
        p = semi + 1;
    }
    return false;
}

static enum MHD_Result check_unsigned_iter(void *cls, enum MHD_ValueKind kind,
                                           const char *key, const char *value)
{
    (void)kind;
    (void)value;
    unsigned_check *uc = cls;
    bool must = strncasecmp(key, "x-acs-", 6) == 0 || strcasecmp(key, "host") == 0 ||
                strcasecmp(key, "content-type") == 0;
    if (must && !in_signed_list(uc->signed_list, key)) {
        snprintf(uc->first_unsigned, sizeof uc->first_unsigned, "%s", key);
        return MHD_NO; /* stop iterating */
    }
    return MHD_YES;
}

static bool valid_date(const char *s, time_t *out)
{
    /* YYYY-MM-DDThh:mm:ssZ */
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof pat - 1)
        return false;
    for (size_t i = 0; i < sizeof pat - 1; i++) {
        if (pat[i] == 'd') {
            if (s[i] < '0' || s[i] > '9')
                return false;
        } else if (s[i] != pat[i]) {
            return false;
        }
    }
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = D2(0) * 100 + D2(2) - 1900;
    tm.tm_mon = D2(5) - 1;
    tm.tm_mday = D2(8);
    tm.tm_hour = D2(11);
    tm.tm_min = D2(14);
    tm.tm_sec = D2(17);
#undef D2
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    *out = timegm(&tm);
    return true;
}

static bool is_lower_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* true = authenticated; false = c->root holds the error. */
bool mock_authenticate(reqctx *c)
{
    ensmock_server *srv = c->srv;
    const char *authz = mock_hdr(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!authz) {
        mock_set_error(c, 400, "MissingParameter",
                  "The input parameter \"Authorization\" that is mandatory for "
                  "processing this request is not supplied.");
        return false;
    }
    static const char *const required[] = {
        "host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256",
    };
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        if (!mock_hdr(c, required[i])) {
            mock_set_error(c, 400, "MissingParameter",
                      "The input parameter \"%s\" that is mandatory for "
                      "processing this request is not supplied.", required[i]);
            return false;
        }
    }

    auth_parts a = {0};
    const char *why = NULL;
    bool ok = false;
    sbuf canon = {0};
    key_entry issued = {0};
    bool issued_expired = false;
    char *issued_arn = NULL;
    if (!parse_authorization(authz, &a, &why)) {
        mock_set_error(c, 400, "IncompleteSignature",
                  "The request signature does not conform to Aliyun standards: %s.", why);
        goto out;
    }

    /* SignedHeaders: lowercase, strictly sorted, no duplicates, no empty. */
    {
        const char *p = a.signed_headers;
        const char *prev = NULL;
        size_t prevl = 0;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t l = semi ? (size_t)(semi - p) : strlen(p);
            if (l == 0) {
                mock_set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "SignedHeaders has an empty name.");
                goto out;
            }
            for (size_t i = 0; i < l; i++) {
                char ch = p[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                      ch == '_' || ch == '.')) {
                    mock_set_error(c, 400, "IncompleteSignature",
                              "The request signature does not conform to Aliyun standards: "
                              "SignedHeaders must be lowercase header names (got \"%.*s\").",
                              (int)l, p);
                    goto out;
                }
            }
            if (prev) {
                size_t m = prevl < l ? prevl : l;
                int r = memcmp(prev, p, m);
                if (r > 0 || (r == 0 && prevl >= l)) {
                    mock_set_error(c, 400, "IncompleteSignature",
                              "The request signature does not conform to Aliyun standards: "
                              "SignedHeaders must be sorted and unique (\"%.*s\" after \"%.*s\").",
                              (int)l, p, (int)prevl, prev);
                    goto out;
                }
            }
            prev = p;
            prevl = l;
            if (!semi)
                break;
            p = semi + 1;
        }
    }
    {
        unsigned_check uc = {.signed_list = a.signed_headers};
        uc.first_unsigned[0] = '\0';
        MHD_get_connection_values(c->conn, MHD_HEADER_KIND, check_unsigned_iter, &uc);
        if (uc.first_unsigned[0]) {
            mock_set_error(c, 400, "IncompleteSignature",
                      "The request signature does not conform to Aliyun standards: "
                      "header \"%s\" is present but not in SignedHeaders.", uc.first_unsigned);
            goto out;
        }
    }

    /* Key: a configured one, else one STS issued (copied: the list grows). */
    const key_entry *key = NULL;
    for (size_t i = 0; i < srv->nkeys; i++)
        if (strcmp(srv->keys[i].id, a.credential) == 0)
            key = &srv->keys[i];
    if (!key) {
        int found = mock_sts_find_key(srv, a.credential, &issued, &issued_expired, &issued_arn);
        if (found < 0) {
            mock_set_error(c, 500, "InternalError", "Out of memory.");
            goto out;
        }
        if (found)
            key = &issued;
    }
    if (!key) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.unknown_key++;
        pthread_mutex_unlock(&srv->lock);
        mock_set_error(c, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        goto out;
    }
    const char *tok = mock_hdr(c, "x-acs-security-token");
    if ((key->token && (!tok || strcmp(tok, key->token) != 0)) || (!key->token && tok)) {
        mock_set_error(c, 400, "InvalidSecurityToken.MismatchWithAccessKey",
                  key->token ? "The security token does not match the access key."
                             : "A security token was sent with a permanent access key.");
        goto out;
    }
    if (issued_expired) {
        mock_set_error(c, 400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.");
        goto out;
    }

    /* Date. */
    time_t t;
    if (!valid_date(mock_hdr(c, "x-acs-date"), &t)) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.timestamp_rejected++;
        pthread_mutex_unlock(&srv->lock);
        mock_set_error(c, 400, "InvalidTimeStamp.Format",
                  "Specified time stamp or date value is not well formatted "
                  "(expected YYYY-MM-DDThh:mm:ssZ).");
        goto out;
    }
    if (srv->skew_s >= 0) {
        time_t now = time(NULL);
        double d = difftime(now, t);
        if (d > (double)srv->skew_s || -d > (double)srv->skew_s) {
            pthread_mutex_lock(&srv->lock);
            srv->stats.timestamp_rejected++;
            pthread_mutex_unlock(&srv->lock);
            mock_set_error(c, 400, "InvalidTimeStamp.Expired",
                      "Specified time stamp or date value is expired.");
            goto out;
        }
    }

    /* Body hash. */
    char body_hash[65];
    mock_sha256_hex(c->rq->body ? c->rq->body : "", c->rq->body_len, body_hash);
    const char *claimed = mock_hdr(c, "x-acs-content-sha256");
    if (strcmp(claimed, body_hash) != 0) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.signature_mismatch++;
        pthread_mutex_unlock(&srv->lock);
        mock_set_error(c, 400, "SignatureDoesNotMatch",
                  "x-acs-content-sha256 is not the lowercase hex SHA-256 of the request body.");
        goto out;
    }

    /* Canonical request. */
    mock_sb_add(&canon, "POST\n/\n");
    for (size_t i = 0; i < c->nparams; i++) {
        if (i)
            mock_sb_addc(&canon, '&');
        mock_sb_add(&canon, c->params[i].enc);
    }
    mock_sb_addc(&canon, '\n');
    {
        const char *p = a.signed_headers;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t l = semi ? (size_t)(semi - p) : strlen(p);
            char name[128];
            if (l >= sizeof name) {
                mock_set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "a signed header name is too long.");
                goto out;
            }
            memcpy(name, p, l);
            name[l] = '\0';
            const char *v = mock_hdr(c, name);
            if (!v) {
                mock_set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "signed header \"%s\" is not in the request.", name);
                goto out;
            }
            const char *vs;
            size_t vl;
            trimmed(v, &vs, &vl);
            mock_sb_add(&canon, name);
            mock_sb_addc(&canon, ':');
            mock_sb_addn(&canon, vs, vl);
            mock_sb_addc(&canon, '\n');
            if (!semi)
                break;
            p = semi + 1;
        }
    }
    mock_sb_addc(&canon, '\n');
    mock_sb_add(&canon, a.signed_headers);
    mock_sb_addc(&canon, '\n');
    mock_sb_add(&canon, claimed);
    if (canon.oom) {
        mock_set_error(c, 500, "InternalError", "Out of memory.");
        goto out;
    }
    char canon_hash[65];
    mock_sha256_hex(canon.p, canon.len, canon_hash);
    char sts[sizeof MOCK_ALGORITHM + 1 + 65];
    snprintf(sts, sizeof sts, "%s\n%s", MOCK_ALGORITHM, canon_hash);
    char expect[65];
    mock_hmac_sha256_hex(key->secret, sts, expect);
    if (!is_lower_hex64(a.signature) || sodium_memcmp(expect, a.signature, 64) != 0) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.signature_mismatch++;
        pthread_mutex_unlock(&srv->lock);
        mock_log(srv, "  signature mismatch; server canonical request:\n%s\n  string to sign:\n%s",
                 canon.p, sts);
        mock_set_error(c, 400, "SignatureDoesNotMatch",
                  "Specified signature does not match our calculation. "
                  "server string to sign is:%s", sts);
        goto out;
    }

    /* Nonce (recorded only for correctly signed requests). */
    const char *nonce = mock_hdr(c, "x-acs-signature-nonce");
    if (!*nonce || strlen(nonce) > MOCK_MAX_NONCE_LEN) {
        mock_set_error(c, 400, "IncompleteSignature",
                  "The request signature does not conform to Aliyun standards: "
                  "x-acs-signature-nonce must be 1..%u bytes.", MOCK_MAX_NONCE_LEN);
        goto out;
    }
    pthread_mutex_lock(&srv->lock);
    int ins = mock_nonce_insert(&srv->nonces, nonce);
    if (ins == 0)
        srv->stats.nonce_reused++;
    pthread_mutex_unlock(&srv->lock);
    if (ins < 0) {
        mock_set_error(c, 500, "InternalError", "Out of memory.");
        goto out;
    }
    if (ins == 0) {
        mock_set_error(c, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        goto out;
    }
    ok = true;
out:
    mock_sb_free(&canon);
    auth_parts_free(&a);
    free(issued.id);
    if (issued.secret)
        sodium_memzero(issued.secret, strlen(issued.secret));
    free(issued.secret);
    free(issued.token);
    free(issued_arn);
    return ok;
}
