/* SPDX-License-Identifier: MIT */
/* ensmock: small helpers (see mock_internal.h). */
#include "mock_internal.h"

/* ------------------------------------------------------------------ */
/* Small string buffer                                                 */


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

void mock_sb_addn(sbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void mock_sb_add(sbuf *b, const char *s)
{
    mock_sb_addn(b, s, strlen(s));
}

void mock_sb_addc(sbuf *b, char c)
{
    mock_sb_addn(b, &c, 1);
}

void mock_sb_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *mock_strdup(const char *s)
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

void mock_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    hex_lower(h, sizeof h, out);
}

void mock_hmac_sha256_hex(const char *key, const char *msg, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    hex_lower(mac, sizeof mac, out);
}

void mock_new_request_id(char out[37])
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
char *mock_pct_decode(const char *s, size_t n, size_t *out_len)
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

void mock_pct_encode(sbuf *b, const char *s, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            mock_sb_addc(b, (char)c);
        } else {
            char e[3] = {'%', digits[c >> 4], digits[c & 15]};
            mock_sb_addn(b, e, 3);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Bounded nonce set: hash chains + FIFO ring for eviction             */



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
int mock_nonce_insert(nonce_set *ns, const char *s)
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

void mock_nonce_free(nonce_set *ns)
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
