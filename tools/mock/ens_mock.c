/*
 * ensmock: local mock of ENS DescribeNetworkPeerConnections.  See ens_mock.h.
 *
 * Threading: libmicrohttpd runs one thread per connection plus a listening
 * thread.  Everything shared and mutable (counters, faults, nonce set) is
 * guarded by srv->lock; the data set and the key list are read-only after
 * ensmock_start().
 */
#include "ens_mock.h"
#include "ens_mock_data.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define MOCK_HOST_ID "ens.aliyuncs.com"
#define MOCK_ACTION "DescribeNetworkPeerConnections"
#define MOCK_VERSION "2017-11-10"
#define MOCK_ALGORITHM "ACS3-HMAC-SHA256"
#define MOCK_CONTENT_TYPE "application/json;charset=utf-8"
#define MOCK_MAX_NONCE_LEN 256u
#define MOCK_MAX_NAME_CHARS 128u
#define MOCK_NONCE_BUCKETS (1u << 17) /* power of two, > capacity */

#if defined(__GNUC__) || defined(__clang__)
#define MOCK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MOCK_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Small string buffer                                                 */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_grow(sbuf *b, size_t extra)
{
    if (b->oom)
        return;
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    char *np = realloc(b->p, ncap);
    if (!np) {
        b->oom = true;
        return;
    }
    b->p = np;
    b->cap = ncap;
}

static void sb_addn(sbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_add(sbuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

static void sb_addc(sbuf *b, char c)
{
    sb_addn(b, &c, 1);
}

static void sb_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------------------------ */
/* Crypto helpers (libsodium)                                          */

static void hex_lower(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    hex_lower(h, sizeof h, out);
}

static void hmac_sha256_hex(const char *key, const char *msg, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    hex_lower(mac, sizeof mac, out);
}

static void new_request_id(char out[37])
{
    static const char digits[] = "0123456789ABCDEF";
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = digits[r[i] >> 4];
        out[o++] = digits[r[i] & 15];
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* Percent encoding (RFC 3986)                                         */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XY escapes; '+' stays '+' (RFC 3986: a space is %20).  A '%' not
 * followed by two hex digits is kept literally. */
static char *pct_decode(const char *s, size_t n, size_t *out_len)
{
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int hi = hexval((unsigned char)s[i + 1]);
            int lo = hexval((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                o[j++] = (char)(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        o[j++] = s[i];
    }
    o[j] = '\0';
    *out_len = j;
    return o;
}

static void pct_encode(sbuf *b, const char *s, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            sb_addc(b, (char)c);
        } else {
            char e[3] = {'%', digits[c >> 4], digits[c & 15]};
            sb_addn(b, e, 3);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Bounded nonce set: hash chains + FIFO ring for eviction             */

typedef struct nonce_node {
    struct nonce_node *next;
    uint64_t hash;
    char s[];
} nonce_node;

typedef struct nonce_set {
    nonce_node **buckets; /* MOCK_NONCE_BUCKETS */
    nonce_node **ring;    /* ENSMOCK_NONCE_CAPACITY, oldest at head */
    size_t head, count;
    unsigned char key[crypto_shorthash_KEYBYTES];
} nonce_set;

static uint64_t nonce_hash(const nonce_set *ns, const char *s)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)s, strlen(s), ns->key);
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof out; i++)
        h = (h << 8) | out[i];
    return h;
}

static void nonce_unlink(nonce_set *ns, nonce_node *n)
{
    nonce_node **pp = &ns->buckets[n->hash & (MOCK_NONCE_BUCKETS - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->next;
    if (*pp)
        *pp = n->next;
}

/* 1 = inserted (fresh), 0 = seen before, -1 = out of memory. */
static int nonce_insert(nonce_set *ns, const char *s)
{
    if (!ns->buckets) {
        ns->buckets = calloc(MOCK_NONCE_BUCKETS, sizeof *ns->buckets);
        ns->ring = calloc(ENSMOCK_NONCE_CAPACITY, sizeof *ns->ring);
        if (!ns->buckets || !ns->ring) {
            free(ns->buckets);
            free(ns->ring);
            ns->buckets = NULL;
            ns->ring = NULL;
            return -1;
        }
    }
    uint64_t h = nonce_hash(ns, s);
    for (nonce_node *n = ns->buckets[h & (MOCK_NONCE_BUCKETS - 1)]; n; n = n->next)
        if (n->hash == h && strcmp(n->s, s) == 0)
            return 0;
    size_t len = strlen(s);
    nonce_node *nn = malloc(sizeof *nn + len + 1);
    if (!nn)
        return -1;
    nn->hash = h;
    memcpy(nn->s, s, len + 1);
    size_t pos;
    if (ns->count < ENSMOCK_NONCE_CAPACITY) {
        pos = (ns->head + ns->count) % ENSMOCK_NONCE_CAPACITY;
        ns->count++;
    } else {
        pos = ns->head;
        nonce_unlink(ns, ns->ring[pos]);
        free(ns->ring[pos]);
        ns->head = (ns->head + 1) % ENSMOCK_NONCE_CAPACITY;
    }
    ns->ring[pos] = nn;
    nonce_node **b = &ns->buckets[h & (MOCK_NONCE_BUCKETS - 1)];
    nn->next = *b;
    *b = nn;
    return 1;
}

static void nonce_free(nonce_set *ns)
{
    if (ns->ring) {
        for (size_t i = 0; i < ns->count; i++)
            free(ns->ring[(ns->head + i) % ENSMOCK_NONCE_CAPACITY]);
    }
    free(ns->ring);
    free(ns->buckets);
    ns->ring = NULL;
    ns->buckets = NULL;
    ns->count = ns->head = 0;
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

typedef struct key_entry {
    char *id, *secret, *token;
} key_entry;

struct ensmock_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC; wakes delayed requests on stop */
    bool stopping;

    key_entry *keys;
    size_t nkeys;
    json_t *data; /* array of objects, read-only */
    char *tls_cert, *tls_key;
    bool tls;
    unsigned short port;
    char url[64];
    long skew_s; /* < 0: unchecked */
    bool verbose;

    ensmock_faults faults;
    unsigned long fault_seq; /* authenticated requests since faults set */
    unsigned long grow_seq;  /* list replies since faults set */
    ensmock_stats stats;
    nonce_set nonces;
    char **raw_bodies; /* every raw_body ever set, freed at stop (requests in
                          flight may still read an older one) */
    size_t nraw;
};

typedef struct req_state {
    char *uri; /* raw request target, as received */
    char *body;
    size_t body_len, body_cap;
    bool started, too_large;
} req_state;

typedef struct qparam {
    char *name, *value; /* decoded */
    size_t name_len, value_len;
    char *enc; /* "encname=encvalue" */
    size_t enc_name_len;
} qparam;

typedef struct reqctx {
    ensmock_server *srv;
    struct MHD_Connection *conn;
    req_state *rq;
    ensmock_faults faults;
    char request_id[37];
    qparam *params;
    size_t nparams;
    int status;
    json_t *root;
} reqctx;

static void mock_log(const ensmock_server *srv, const char *fmt, ...) MOCK_PRINTF(2, 3);
static void mock_log(const ensmock_server *srv, const char *fmt, ...)
{
    if (!srv->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ensmock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) MOCK_PRINTF(2, 0);
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    const ensmock_server *srv = cls;
    if (!srv->verbose)
        return;
    fputs("ensmock (libmicrohttpd): ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- replies ---- */

static void set_error(reqctx *c, int status, const char *code, const char *fmt, ...)
    MOCK_PRINTF(4, 5);
static void set_error(reqctx *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char rec[256];
    snprintf(rec, sizeof rec,
             "https://api.aliyun.com/troubleshoot?q=%s&product=Ens&requestId=%s",
             code, c->request_id);
    json_decref(c->root);
    c->root = json_pack("{s:s, s:s, s:s, s:s, s:s}", "RequestId", c->request_id,
                        "HostId", MOCK_HOST_ID, "Code", code, "Message", msg,
                        "Recommend", rec);
    c->status = status;
    mock_log(c->srv, "  -> %d %s: %s", status, code, msg);
}

typedef struct trunc_body {
    char *body;
    size_t len, cut;
} trunc_body;

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    trunc_body *t = cls;
    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    trunc_body *t = cls;
    free(t->body);
    free(t);
}

static enum MHD_Result send_reply(reqctx *c)
{
    ensmock_server *srv = c->srv;
    if (!c->root) { /* out of memory building the reply */
        c->status = 500;
        c->root = json_pack("{s:s, s:s, s:s, s:s}", "RequestId", c->request_id,
                            "HostId", MOCK_HOST_ID, "Code", "InternalError",
                            "Message", "The request processing has failed due to some unknown error.");
        if (!c->root)
            return MHD_NO;
    }
    if (c->faults.oversize_body_bytes > 0) {
        size_t n = c->faults.oversize_body_bytes + 1;
        char *pad = malloc(n + 1);
        if (pad) {
            memset(pad, 'x', n);
            pad[n] = '\0';
            json_object_set_new(c->root, "MockPadding", json_string(pad));
            free(pad);
        }
    }
    char *body = c->status == 200 && c->faults.raw_body ? xstrdup(c->faults.raw_body)
                                                        : json_dumps(c->root, JSON_COMPACT);
    if (!body)
        return MHD_NO;
    size_t len = strlen(body);
    struct MHD_Response *resp;
    bool truncated = false;
    if (c->faults.truncate_body || c->faults.drop_after_headers) {
        trunc_body *t = malloc(sizeof *t);
        if (!t) {
            free(body);
            return MHD_NO;
        }
        t->body = body;
        t->len = len;
        t->cut = c->faults.drop_after_headers ? 0 : len / 2;
        resp = MHD_create_response_from_callback(len, 4096, trunc_reader, t, trunc_free);
        if (!resp) {
            trunc_free(t);
            return MHD_NO;
        }
        truncated = true;
    } else {
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, MOCK_CONTENT_TYPE);
    MHD_add_response_header(resp, "x-acs-request-id", c->request_id);
    enum MHD_Result r = MHD_queue_response(c->conn, (unsigned)c->status, resp);
    MHD_destroy_response(resp);

    pthread_mutex_lock(&srv->lock);
    if (c->status >= 0 && c->status < ENSMOCK_STATUS_MAX)
        srv->stats.http_status[c->status]++;
    if (c->status == 200)
        srv->stats.ok++;
    if (truncated)
        srv->stats.truncated++;
    pthread_mutex_unlock(&srv->lock);
    return r;
}

/* ---- query string ---- */

static void free_params(reqctx *c)
{
    for (size_t i = 0; i < c->nparams; i++) {
        free(c->params[i].name);
        free(c->params[i].value);
        free(c->params[i].enc);
    }
    free(c->params);
    c->params = NULL;
    c->nparams = 0;
}

static int cmp_param(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    /* by encoded name, then by encoded value */
    size_t n = x->enc_name_len < y->enc_name_len ? x->enc_name_len : y->enc_name_len;
    int r = memcmp(x->enc, y->enc, n);
    if (r)
        return r;
    if (x->enc_name_len != y->enc_name_len)
        return x->enc_name_len < y->enc_name_len ? -1 : 1;
    return strcmp(x->enc + x->enc_name_len, y->enc + y->enc_name_len);
}

/* false = out of memory */
static bool parse_query(reqctx *c, const char *q)
{
    size_t cap = 0;
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t seg = amp ? (size_t)(amp - q) : strlen(q);
        if (seg > 0) {
            const char *eq = memchr(q, '=', seg);
            size_t nl = eq ? (size_t)(eq - q) : seg;
            const char *v = eq ? eq + 1 : q + seg;
            size_t vl = eq ? seg - nl - 1 : 0;
            if (c->nparams == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                qparam *np = realloc(c->params, ncap * sizeof *np);
                if (!np)
                    return false;
                c->params = np;
                cap = ncap;
            }
            qparam *p = &c->params[c->nparams];
            memset(p, 0, sizeof *p);
            c->nparams++;
            p->name = pct_decode(q, nl, &p->name_len);
            p->value = pct_decode(v, vl, &p->value_len);
            if (!p->name || !p->value)
                return false;
            sbuf b = {0};
            pct_encode(&b, p->name, p->name_len);
            p->enc_name_len = b.len;
            sb_addc(&b, '=');
            pct_encode(&b, p->value, p->value_len);
            if (b.oom || !b.p) {
                sb_free(&b);
                return false;
            }
            p->enc = b.p;
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    if (c->nparams > 1)
        qsort(c->params, c->nparams, sizeof *c->params, cmp_param);
    return true;
}

/* First value of a parameter, NULL if absent. */
static const char *param(const reqctx *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}

/* ---- authentication ---- */

static const char *hdr(const reqctx *c, const char *name)
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
static bool authenticate(reqctx *c)
{
    ensmock_server *srv = c->srv;
    const char *authz = hdr(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!authz) {
        set_error(c, 400, "MissingParameter",
                  "The input parameter \"Authorization\" that is mandatory for "
                  "processing this request is not supplied.");
        return false;
    }
    static const char *const required[] = {
        "host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256",
    };
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        if (!hdr(c, required[i])) {
            set_error(c, 400, "MissingParameter",
                      "The input parameter \"%s\" that is mandatory for "
                      "processing this request is not supplied.", required[i]);
            return false;
        }
    }

    auth_parts a = {0};
    const char *why = NULL;
    bool ok = false;
    sbuf canon = {0};
    if (!parse_authorization(authz, &a, &why)) {
        set_error(c, 400, "IncompleteSignature",
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
                set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "SignedHeaders has an empty name.");
                goto out;
            }
            for (size_t i = 0; i < l; i++) {
                char ch = p[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                      ch == '_' || ch == '.')) {
                    set_error(c, 400, "IncompleteSignature",
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
                    set_error(c, 400, "IncompleteSignature",
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
            set_error(c, 400, "IncompleteSignature",
                      "The request signature does not conform to Aliyun standards: "
                      "header \"%s\" is present but not in SignedHeaders.", uc.first_unsigned);
            goto out;
        }
    }

    /* Key. */
    const key_entry *key = NULL;
    for (size_t i = 0; i < srv->nkeys; i++)
        if (strcmp(srv->keys[i].id, a.credential) == 0)
            key = &srv->keys[i];
    if (!key) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.unknown_key++;
        pthread_mutex_unlock(&srv->lock);
        set_error(c, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        goto out;
    }
    const char *tok = hdr(c, "x-acs-security-token");
    if ((key->token && (!tok || strcmp(tok, key->token) != 0)) || (!key->token && tok)) {
        set_error(c, 400, "InvalidSecurityToken.MismatchWithAccessKey",
                  key->token ? "The security token does not match the access key."
                             : "A security token was sent with a permanent access key.");
        goto out;
    }

    /* Date. */
    time_t t;
    if (!valid_date(hdr(c, "x-acs-date"), &t)) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.timestamp_rejected++;
        pthread_mutex_unlock(&srv->lock);
        set_error(c, 400, "InvalidTimeStamp.Format",
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
            set_error(c, 400, "InvalidTimeStamp.Expired",
                      "Specified time stamp or date value is expired.");
            goto out;
        }
    }

    /* Body hash. */
    char body_hash[65];
    sha256_hex(c->rq->body ? c->rq->body : "", c->rq->body_len, body_hash);
    const char *claimed = hdr(c, "x-acs-content-sha256");
    if (strcmp(claimed, body_hash) != 0) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.signature_mismatch++;
        pthread_mutex_unlock(&srv->lock);
        set_error(c, 400, "SignatureDoesNotMatch",
                  "x-acs-content-sha256 is not the lowercase hex SHA-256 of the request body.");
        goto out;
    }

    /* Canonical request. */
    sb_add(&canon, "POST\n/\n");
    for (size_t i = 0; i < c->nparams; i++) {
        if (i)
            sb_addc(&canon, '&');
        sb_add(&canon, c->params[i].enc);
    }
    sb_addc(&canon, '\n');
    {
        const char *p = a.signed_headers;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t l = semi ? (size_t)(semi - p) : strlen(p);
            char name[128];
            if (l >= sizeof name) {
                set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "a signed header name is too long.");
                goto out;
            }
            memcpy(name, p, l);
            name[l] = '\0';
            const char *v = hdr(c, name);
            if (!v) {
                set_error(c, 400, "IncompleteSignature",
                          "The request signature does not conform to Aliyun standards: "
                          "signed header \"%s\" is not in the request.", name);
                goto out;
            }
            const char *vs;
            size_t vl;
            trimmed(v, &vs, &vl);
            sb_add(&canon, name);
            sb_addc(&canon, ':');
            sb_addn(&canon, vs, vl);
            sb_addc(&canon, '\n');
            if (!semi)
                break;
            p = semi + 1;
        }
    }
    sb_addc(&canon, '\n');
    sb_add(&canon, a.signed_headers);
    sb_addc(&canon, '\n');
    sb_add(&canon, claimed);
    if (canon.oom) {
        set_error(c, 500, "InternalError", "Out of memory.");
        goto out;
    }
    char canon_hash[65];
    sha256_hex(canon.p, canon.len, canon_hash);
    char sts[sizeof MOCK_ALGORITHM + 1 + 65];
    snprintf(sts, sizeof sts, "%s\n%s", MOCK_ALGORITHM, canon_hash);
    char expect[65];
    hmac_sha256_hex(key->secret, sts, expect);
    if (!is_lower_hex64(a.signature) || sodium_memcmp(expect, a.signature, 64) != 0) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.signature_mismatch++;
        pthread_mutex_unlock(&srv->lock);
        mock_log(srv, "  signature mismatch; server canonical request:\n%s\n  string to sign:\n%s",
                 canon.p, sts);
        set_error(c, 400, "SignatureDoesNotMatch",
                  "Specified signature does not match our calculation. "
                  "server string to sign is:%s", sts);
        goto out;
    }

    /* Nonce (recorded only for correctly signed requests). */
    const char *nonce = hdr(c, "x-acs-signature-nonce");
    if (!*nonce || strlen(nonce) > MOCK_MAX_NONCE_LEN) {
        set_error(c, 400, "IncompleteSignature",
                  "The request signature does not conform to Aliyun standards: "
                  "x-acs-signature-nonce must be 1..%u bytes.", MOCK_MAX_NONCE_LEN);
        goto out;
    }
    pthread_mutex_lock(&srv->lock);
    int ins = nonce_insert(&srv->nonces, nonce);
    if (ins == 0)
        srv->stats.nonce_reused++;
    pthread_mutex_unlock(&srv->lock);
    if (ins < 0) {
        set_error(c, 500, "InternalError", "Out of memory.");
        goto out;
    }
    if (ins == 0) {
        set_error(c, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        goto out;
    }
    ok = true;
out:
    sb_free(&canon);
    auth_parts_free(&a);
    return ok;
}

/* ---- the operation ---- */

/* Strict decimal; false on anything else or on overflow. */
static bool parse_uint(const char *s, unsigned long long *out)
{
    if (!*s)
        return false;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (ULLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (unsigned long long)(*p - '0');
    }
    *out = v;
    return true;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool str_field_eq(const json_t *obj, const char *field, const char *want)
{
    const char *v = json_string_value(json_object_get(obj, field));
    return v && strcmp(v, want) == 0;
}

static bool entry_has_network(const json_t *e, const char *nid)
{
    return str_field_eq(e, "NetworkId", nid) || str_field_eq(e, "AcceptingNetworkId", nid) ||
           str_field_eq(json_object_get(e, "Network"), "NetworkId", nid) ||
           str_field_eq(json_object_get(e, "AcceptingNetwork"), "NetworkId", nid);
}

static json_t *synthetic_entry(size_t i)
{
    char id[64], name[64], net[32], acc[32];
    snprintf(id, sizeof id, "pcc-mockgrow%013zu", i);
    snprintf(name, sizeof name, "synthetic-%zu", i);
    snprintf(net, sizeof net, "n-mockgrowreq%04zu", i % 10000);
    snprintf(acc, sizeof acc, "n-mockgrowacc%04zu", i % 10000);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:{s:s, s:[s]}}",
                     "InstanceId", id, "CreationTime", "2024-01-01T00:00:00Z", "Name", name,
                     "Description", "synthetic entry (grow_total_count fault)", "EnsRegionId",
                     "cn-mock-grow", "Status", "Activated", "NetworkId", net,
                     "AcceptingNetworkId", acc, "Network", "NetworkId", net, "Ipv4Cidrs",
                     "10.250.0.0/16", "AcceptingNetwork", "NetworkId", acc, "Ipv4Cidrs",
                     "10.251.0.0/16");
}

static void describe(reqctx *c)
{
    ensmock_server *srv = c->srv;
    unsigned long long page_number = 1, page_size = 10;
    const char *v;

    if ((v = param(c, "PageSize")) && *v) {
        if (!parse_uint(v, &page_size) || page_size < 10 || page_size > 100) {
            set_error(c, 400, "InvalidParameter.PageSize",
                      "The specified field PageSize invalid. Please check it again.");
            return;
        }
    }
    if ((v = param(c, "PageNumber")) && *v) {
        if (!parse_uint(v, &page_number) || page_number < 1) {
            set_error(c, 400, "InvalidParameter.PageNumber",
                      "The specified field PageNumber invalid. Please check it again.");
            return;
        }
    }
    const char *instance_id = param(c, "InstanceId");
    const char *region = param(c, "EnsRegionId");
    const char *name = param(c, "Name");
    if (instance_id && !*instance_id)
        instance_id = NULL;
    if (region && !*region)
        region = NULL;
    if (name && !*name)
        name = NULL;
    if (name && utf8_chars(name) > MOCK_MAX_NAME_CHARS) {
        set_error(c, 400, "InvalidParameter.Name",
                  "The specified field Name invalid. Please check it again.");
        return;
    }
    /* NetworkIds.N */
    const char **nets = NULL;
    size_t nnets = 0;
    if (c->nparams) {
        nets = malloc(c->nparams * sizeof *nets);
        if (!nets) {
            set_error(c, 500, "InternalError", "Out of memory.");
            return;
        }
    }
    for (size_t i = 0; i < c->nparams; i++) {
        const qparam *p = &c->params[i];
        if (strncmp(p->name, "NetworkIds.", 11) == 0) {
            unsigned long long n;
            if (parse_uint(p->name + 11, &n) && n >= 1 && p->name[11] != '0') {
                if (*p->value)
                    nets[nnets++] = p->value;
                continue;
            }
        }
        if (strcmp(p->name, "PageSize") && strcmp(p->name, "PageNumber") &&
            strcmp(p->name, "InstanceId") && strcmp(p->name, "EnsRegionId") &&
            strcmp(p->name, "Name") && strncmp(p->name, "NetworkIds.", 11))
            mock_log(srv, "  ignoring unknown parameter \"%s\"", p->name);
        else if (strncmp(p->name, "NetworkIds.", 11) == 0)
            mock_log(srv, "  ignoring malformed parameter \"%s\"", p->name);
    }

    size_t total = json_array_size(srv->data);
    size_t *idx = total ? malloc(total * sizeof *idx) : NULL;
    if (total && !idx) {
        free(nets);
        set_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    size_t nmatch = 0;
    for (size_t i = 0; i < total; i++) {
        const json_t *e = json_array_get(srv->data, i);
        if (instance_id && !str_field_eq(e, "InstanceId", instance_id))
            continue;
        if (region && !str_field_eq(e, "EnsRegionId", region))
            continue;
        if (name && !str_field_eq(e, "Name", name))
            continue;
        if (nnets) {
            bool any = false;
            for (size_t k = 0; k < nnets && !any; k++)
                any = entry_has_network(e, nets[k]);
            if (!any)
                continue;
        }
        idx[nmatch++] = i;
    }
    free(nets);

    unsigned long long reported = nmatch;
    if (c->faults.grow_total_count) {
        pthread_mutex_lock(&srv->lock);
        unsigned long n = ++srv->grow_seq;
        pthread_mutex_unlock(&srv->lock);
        reported += (unsigned long long)n * page_size;
    }

    json_t *list = json_array();
    unsigned long long first = 0;
    bool any_page = (page_number - 1) <= reported / page_size;
    if (any_page)
        first = (page_number - 1) * page_size;
    for (unsigned long long i = first; any_page && i < reported && i < first + page_size; i++) {
        json_t *e = i < nmatch ? json_deep_copy(json_array_get(srv->data, idx[i]))
                               : synthetic_entry((size_t)i);
        json_array_append_new(list, e);
    }
    free(idx);

    char pn[24], ps[24], tc[24];
    snprintf(pn, sizeof pn, "%llu", page_number);
    snprintf(ps, sizeof ps, "%llu", page_size);
    snprintf(tc, sizeof tc, "%llu", reported);
    json_decref(c->root);
    c->root = json_pack("{s:s, s:s, s:s, s:s, s:o}", "RequestId", c->request_id, "PageNumber",
                        pn, "PageSize", ps, "TotalCount", tc, "NetworkPeerConnects", list);
    c->status = 200;
    mock_log(srv, "  -> 200 TotalCount=%s PageNumber=%s PageSize=%s", tc, pn, ps);
}

static void handle(reqctx *c, const char *method)
{
    ensmock_server *srv = c->srv;
    const char *uri = c->rq->uri ? c->rq->uri : "";
    const char *qm = strchr(uri, '?');
    size_t pathlen = qm ? (size_t)(qm - uri) : strlen(uri);

    if (strcmp(method, "POST") != 0) {
        set_error(c, 405, "UnsupportedHTTPMethod",
                  "The HTTP method %s is not supported; use POST.", method);
        return;
    }
    if (pathlen != 1 || uri[0] != '/') {
        set_error(c, 404, "InvalidAction.NotFound",
                  "Specified api is not found, please check your url and method.");
        return;
    }
    if (c->rq->too_large) {
        set_error(c, 413, "RequestEntityTooLarge", "The request body is too large.");
        return;
    }
    if (!hdr(c, "x-acs-action")) {
        set_error(c, 400, "MissingParameter",
                  "The input parameter \"x-acs-action\" that is mandatory for processing "
                  "this request is not supplied.");
        return;
    }
    if (!hdr(c, "x-acs-version")) {
        set_error(c, 400, "MissingParameter",
                  "The input parameter \"x-acs-version\" that is mandatory for processing "
                  "this request is not supplied.");
        return;
    }
    if (!parse_query(c, qm ? qm + 1 : NULL)) {
        set_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    if (!authenticate(c))
        return;
    if (strcmp(hdr(c, "x-acs-action"), MOCK_ACTION) != 0) {
        set_error(c, 404, "InvalidAction.NotFound",
                  "Specified api is not found, please check your url and method.");
        return;
    }
    if (strcmp(hdr(c, "x-acs-version"), MOCK_VERSION) != 0) {
        set_error(c, 400, "InvalidVersion", "Specified parameter Version is not valid.");
        return;
    }

    pthread_mutex_lock(&srv->lock);
    unsigned long seq = ++srv->fault_seq;
    bool throttle = seq <= c->faults.throttle_first_n;
    bool unavailable = !throttle &&
                       seq <= (unsigned long)c->faults.throttle_first_n + c->faults.unavailable_first_n;
    if (throttle)
        srv->stats.throttled++;
    if (unavailable)
        srv->stats.unavailable++;
    pthread_mutex_unlock(&srv->lock);
    if (throttle) {
        set_error(c, 400, "Throttling.User", "Request was denied due to user flow control.");
        return;
    }
    if (unavailable) {
        set_error(c, 503, "ServiceUnavailable",
                  "The request has failed due to a temporary failure of the server.");
        return;
    }
    describe(c);
}

/* Sleep up to ms, returning early when the server stops. */
static void mock_sleep(ensmock_server *srv, long ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->lock);
    while (!srv->stopping) {
        if (pthread_cond_timedwait(&srv->cond, &srv->lock, &dl) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&srv->lock);
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url;
    (void)version;
    ensmock_server *srv = cls;
    req_state *rq = *con_cls;
    if (!rq)
        return MHD_NO; /* allocation failed in on_uri */
    if (!rq->started) {
        rq->started = true;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->too_large || rq->body_len + n > ENSMOCK_MAX_BODY_BYTES) {
            rq->too_large = true;
            return MHD_YES;
        }
        if (rq->body_len + n > rq->body_cap) {
            size_t ncap = rq->body_cap ? rq->body_cap : 1024;
            while (ncap < rq->body_len + n)
                ncap *= 2;
            char *nb = realloc(rq->body, ncap);
            if (!nb)
                return MHD_NO;
            rq->body = nb;
            rq->body_cap = ncap;
        }
        memcpy(rq->body + rq->body_len, upload_data, n);
        rq->body_len += n;
        return MHD_YES;
    }

    reqctx c;
    memset(&c, 0, sizeof c);
    c.srv = srv;
    c.conn = conn;
    c.rq = rq;
    new_request_id(c.request_id);

    pthread_mutex_lock(&srv->lock);
    srv->stats.requests++;
    c.faults = srv->faults;
    pthread_mutex_unlock(&srv->lock);

    mock_log(srv, "%s %s", method, rq->uri ? rq->uri : "?");
    if (c.faults.delay_ms > 0)
        mock_sleep(srv, c.faults.delay_ms);
    if (c.faults.drop_connection) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.dropped++;
        pthread_mutex_unlock(&srv->lock);
        mock_log(srv, "  -> connection dropped (fault)");
        return MHD_NO;
    }

    handle(&c, method);
    enum MHD_Result r = send_reply(&c);
    json_decref(c.root);
    free_params(&c);
    return r;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    req_state *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->uri = xstrdup(uri);
    if (!rq->uri) {
        free(rq);
        return NULL;
    }
    return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_state *rq = *con_cls;
    if (rq) {
        free(rq->uri);
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    (void)socket_context;
    ensmock_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.connections++;
        pthread_mutex_unlock(&srv->lock);
    }
}

/* ------------------------------------------------------------------ */
/* Start / stop                                                        */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_addn(&b, buf, n);
    bool err = ferror(f) || b.oom;
    fclose(f);
    if (err || !b.p) {
        sb_free(&b);
        return NULL;
    }
    return b.p;
}

static int load_data(ensmock_server *srv, const ensmock_options *o)
{
    json_error_t err;
    json_t *root;
    const char *what;
    if (o->data_json) {
        what = "data_json";
        root = json_loads(o->data_json, 0, &err);
    } else if (o->data_file) {
        what = o->data_file;
        root = json_load_file(o->data_file, 0, &err);
    } else {
        what = "built-in data set";
        root = json_loadb((const char *)ensmock_default_json, ensmock_default_json_len, 0, &err);
    }
    if (!root) {
        if (err.line > 0)
            fprintf(stderr, "ensmock: %s: line %d column %d: %s\n", what, err.line, err.column,
                    err.text);
        else
            fprintf(stderr, "ensmock: %s: %s\n", what, err.text);
        return ENSMOCK_ERR_DATA;
    }
    json_t *arr = json_is_array(root) ? root : json_object_get(root, "NetworkPeerConnects");
    if (!json_is_array(arr)) {
        fprintf(stderr, "ensmock: %s: expected an array or an object with a "
                        "\"NetworkPeerConnects\" array\n", what);
        json_decref(root);
        return ENSMOCK_ERR_DATA;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (!json_is_object(json_array_get(arr, i))) {
            fprintf(stderr, "ensmock: %s: entry %zu is not an object\n", what, i);
            json_decref(root);
            return ENSMOCK_ERR_DATA;
        }
    }
    srv->data = json_incref(arr);
    json_decref(root);
    return ENSMOCK_OK;
}

void ensmock_options_init(ensmock_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

static int keep_raw_body(ensmock_server *srv, char *raw)
{
    char **grown = realloc(srv->raw_bodies, (srv->nraw + 1) * sizeof *grown);
    if (!grown)
        return -1;
    srv->raw_bodies = grown;
    srv->raw_bodies[srv->nraw++] = raw;
    return 0;
}

static void free_server(ensmock_server *srv)
{
    for (size_t i = 0; i < srv->nraw; i++)
        free(srv->raw_bodies[i]);
    free(srv->raw_bodies);
    for (size_t i = 0; i < srv->nkeys; i++) {
        free(srv->keys[i].id);
        if (srv->keys[i].secret)
            sodium_memzero(srv->keys[i].secret, strlen(srv->keys[i].secret));
        free(srv->keys[i].secret);
        free(srv->keys[i].token);
    }
    free(srv->keys);
    json_decref(srv->data);
    free(srv->tls_cert);
    if (srv->tls_key)
        sodium_memzero(srv->tls_key, strlen(srv->tls_key));
    free(srv->tls_key);
    nonce_free(&srv->nonces);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

static bool valid_faults(const ensmock_faults *f)
{
    return f->delay_ms >= 0;
}

int ensmock_start(const ensmock_options *opts, ensmock_server **out)
{
    ensmock_options defaults;
    if (!out)
        return ENSMOCK_ERR_INVALID;
    *out = NULL;
    if (!opts) {
        ensmock_options_init(&defaults);
        opts = &defaults;
    }
    if (!valid_faults(&opts->faults) || (opts->key_count && !opts->keys) ||
        (!opts->tls_cert_file != !opts->tls_key_file)) {
        fprintf(stderr, "ensmock: invalid options\n");
        return ENSMOCK_ERR_INVALID;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "ensmock: sodium_init failed\n");
        return ENSMOCK_ERR_START;
    }

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(opts->port);
    const char *bind_addr = opts->bind_addr ? opts->bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "ensmock: bind address \"%s\" is not an IPv4 literal\n", bind_addr);
        return ENSMOCK_ERR_INVALID;
    }

    ensmock_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ENSMOCK_ERR_NOMEM;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cond, &ca);
    pthread_condattr_destroy(&ca);
    randombytes_buf(srv->nonces.key, sizeof srv->nonces.key);
    const char *ev = getenv("ENSMOCK_VERBOSE");
    srv->verbose = opts->verbose || (ev && *ev && strcmp(ev, "0") != 0);
    srv->faults = opts->faults;
    srv->faults.raw_body = NULL;
    if (opts->faults.raw_body) {
        char *raw = xstrdup(opts->faults.raw_body);
        if (!raw || keep_raw_body(srv, raw) != 0) {
            free(raw);
            free_server(srv);
            return ENSMOCK_ERR_NOMEM;
        }
        srv->faults.raw_body = raw;
    }
    srv->skew_s = opts->clock_skew_check_s == 0 ? ENSMOCK_DEFAULT_CLOCK_SKEW_S
                                                : opts->clock_skew_check_s;
    if (srv->skew_s < 0)
        srv->skew_s = -1;

    int rc = ENSMOCK_ERR_NOMEM;
    static const ensmock_key demo = {ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET, NULL};
    const ensmock_key *keys = opts->key_count ? opts->keys : &demo;
    size_t nkeys = opts->key_count ? opts->key_count : 1;
    srv->keys = calloc(nkeys, sizeof *srv->keys);
    if (!srv->keys)
        goto fail;
    for (size_t i = 0; i < nkeys; i++) {
        if (!keys[i].id || !keys[i].secret || !*keys[i].id) {
            fprintf(stderr, "ensmock: key %zu lacks an id or a secret\n", i);
            rc = ENSMOCK_ERR_INVALID;
            goto fail;
        }
        srv->nkeys++;
        srv->keys[i].id = xstrdup(keys[i].id);
        srv->keys[i].secret = xstrdup(keys[i].secret);
        srv->keys[i].token = xstrdup(keys[i].security_token);
        if (!srv->keys[i].id || !srv->keys[i].secret ||
            (keys[i].security_token && !srv->keys[i].token))
            goto fail;
    }

    rc = load_data(srv, opts);
    if (rc != ENSMOCK_OK)
        goto fail;

    if (opts->tls_cert_file) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            fprintf(stderr, "ensmock: libmicrohttpd was built without TLS support\n");
            rc = ENSMOCK_ERR_TLS;
            goto fail;
        }
        srv->tls_cert = read_file(opts->tls_cert_file);
        srv->tls_key = read_file(opts->tls_key_file);
        if (!srv->tls_cert || !srv->tls_key) {
            fprintf(stderr, "ensmock: cannot read %s: %s\n",
                    srv->tls_cert ? opts->tls_key_file : opts->tls_cert_file, strerror(errno));
            rc = ENSMOCK_ERR_TLS;
            goto fail;
        }
        srv->tls = true;
    }

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (srv->tls) {
        srv->daemon = MHD_start_daemon(
            flags | MHD_USE_TLS, opts->port, NULL, NULL, on_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            MHD_OPTION_HTTPS_MEM_CERT, srv->tls_cert,
            MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key,
            MHD_OPTION_END);
    } else {
        srv->daemon = MHD_start_daemon(
            flags, opts->port, NULL, NULL, on_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            MHD_OPTION_END);
    }
    if (!srv->daemon) {
        fprintf(stderr, "ensmock: cannot start the HTTP%s server on %s:%u%s\n",
                srv->tls ? "S" : "", bind_addr, (unsigned)opts->port,
                srv->tls ? " (port in use, or bad certificate/key?)" : " (port in use?)");
        rc = srv->tls ? ENSMOCK_ERR_TLS : ENSMOCK_ERR_START;
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : opts->port;
    snprintf(srv->url, sizeof srv->url, "%s://%s:%u", srv->tls ? "https" : "http", bind_addr,
             (unsigned)srv->port);
    *out = srv;
    return ENSMOCK_OK;

fail:
    free_server(srv);
    return rc;
}

unsigned short ensmock_port(const ensmock_server *srv)
{
    return srv ? srv->port : 0;
}

const char *ensmock_url(const ensmock_server *srv)
{
    return srv ? srv->url : "";
}

size_t ensmock_data_count(const ensmock_server *srv)
{
    return srv ? json_array_size(srv->data) : 0;
}

void ensmock_stats_get(const ensmock_server *srv, ensmock_stats *out)
{
    ensmock_server *s = (ensmock_server *)srv; /* the lock is not logically state */
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

void ensmock_stats_reset(ensmock_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    memset(&srv->stats, 0, sizeof srv->stats);
    pthread_mutex_unlock(&srv->lock);
}

int ensmock_set_faults(ensmock_server *srv, const ensmock_faults *faults)
{
    ensmock_faults none;
    memset(&none, 0, sizeof none);
    if (!faults)
        faults = &none;
    if (!srv || !valid_faults(faults))
        return ENSMOCK_ERR_INVALID;
    char *raw = NULL;
    if (faults->raw_body && !(raw = xstrdup(faults->raw_body)))
        return ENSMOCK_ERR_NOMEM;
    pthread_mutex_lock(&srv->lock);
    if (raw && keep_raw_body(srv, raw) != 0) {
        pthread_mutex_unlock(&srv->lock);
        free(raw);
        return ENSMOCK_ERR_NOMEM;
    }
    srv->faults = *faults;
    srv->faults.raw_body = raw;
    srv->fault_seq = 0;
    srv->grow_seq = 0;
    pthread_mutex_unlock(&srv->lock);
    return ENSMOCK_OK;
}

void ensmock_stop(ensmock_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->lock);
    srv->stopping = true;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    MHD_stop_daemon(srv->daemon);
    free_server(srv);
}
