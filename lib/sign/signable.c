/* SPDX-License-Identifier: MIT */
/* The signable request: what a signer sees and amends. */
#include "sign/signable.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/text.h"

/* Bytes of randomness in the default nonce (hex-encoded: twice as many characters). */
#define ENS__NONCE_BYTES 16
/* Longest nonce a source may produce, in characters. */
#define ENS__NONCE_MAX 64
/* Random bytes fetched at once for the default nonces (64 nonces). */
#define ENS__NONCE_POOL_BYTES 1024

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower(*a) != ascii_lower(*b))
            return false;
    return *a == *b;
}

/* A header name: non-empty, no CR/LF, no ':', and none of the other bytes
 * that would let a name break out of its line (space, controls, DEL). */
static bool header_name_ok(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    if (!*p)
        return false;
    for (; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == ':')
            return false;
    return true;
}

static bool in_arena(const ens_signable *s, const char *p)
{
    /* Compared as integers: a pointer into another object may not be
       compared with one into the arena. */
    uintptr_t a = (uintptr_t)s->arena, q = (uintptr_t)p;
    return q >= a && q < a + sizeof(s->arena);
}

/* A copy of the n bytes of text and a NUL, in the arena when they fit, else
 * allocated; NULL when out of memory. */
static char *keep(ens_signable *s, const char *text, size_t n)
{
    char *p;
    if (n < sizeof(s->arena) - s->arena_used) {
        p = s->arena + s->arena_used;
        s->arena_used += n + 1;
        memcpy(p, text, n);
        p[n] = '\0';
        return p;
    }
    return ens__strndup(text, n);
}

/* Wipes the string p (a value may be secret) and frees it when it is not in the arena. */
static void drop(ens_signable *s, char *p)
{
    if (!p)
        return;
    if (in_arena(s, p))
        sodium_memzero(p, strlen(p));
    else
        ens__free_wipe_str(p);
}

/* Drops a header's name and value, wiping the value first. */
static void header_clear(ens_signable *s, ens_http_header *h)
{
    drop(s, (char *)h->value);
    drop(s, (char *)h->name);
    h->name = h->value = NULL;
}

static ens_http_header *find_header(const ens_signable *s, const char *name)
{
    const char *p;
    size_t i;
    for (p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            break;
    if (!*p) { /* lowercase already, like every stored name: plain comparison */
        for (i = 0; i < s->header_count; i++)
            if (strcmp(s->headers[i].name, name) == 0)
                return &s->headers[i];
        return NULL;
    }
    for (i = 0; i < s->header_count; i++)
        if (ascii_ieq(s->headers[i].name, name))
            return &s->headers[i];
    return NULL;
}

ENS_EXTERN ens_status ens_signable_new(ens_signable **out, const char *method, const char *host,
                                       const char *path, const char *canonical_query)
{
    ens_signable *s;
    ens_status st;

    if (!out || !method || !host || !path || !canonical_query || !*method || !*host || !*path)
        return ENS_EINVAL;
    if (ens__has_crlf(method) || ens__has_crlf(host) || ens__has_crlf(path) || ens__has_crlf(canonical_query))
        return ENS_EINVAL;
    /* Not calloc: the arena is written before it is read. */
    s = ens__malloc(sizeof(*s));
    if (!s)
        return ENS_ENOMEM;
    memset(s, 0, offsetof(ens_signable, arena));
    s->headers = s->slots;
    s->header_cap = ENS__SIGNABLE_SLOTS;
    s->method = keep(s, method, strlen(method));
    s->host = keep(s, host, strlen(host));
    s->path = keep(s, path, strlen(path));
    s->query = keep(s, canonical_query, strlen(canonical_query));
    if (!s->method || !s->host || !s->path || !s->query) {
        ens_signable_free(s);
        return ENS_ENOMEM;
    }
    /* The host header is always signed and always sent. */
    st = ens_signable_set_header(s, "host", host);
    if (st != ENS_OK) {
        ens_signable_free(s);
        return st;
    }
    *out = s;
    return ENS_OK;
}

ENS_EXTERN void ens_signable_free(ens_signable *s)
{
    size_t i;
    if (!s)
        return;
    for (i = 0; i < s->header_count; i++)
        header_clear(s, &s->headers[i]);
    if (s->headers != s->slots)
        ens__free(s->headers);
    drop(s, s->method);
    drop(s, s->host);
    drop(s, s->path);
    drop(s, s->query); /* it may carry a secret parameter (an OIDC token) */
    sodium_memzero(s->arena, s->arena_used);
    if (s->body) {
        sodium_memzero(s->body, s->body_len);
        ens__free(s->body);
    }
    ens__free(s);
}

ENS_EXTERN const char *ens_signable_method(const ens_signable *s) { return s ? s->method : NULL; }

ENS_EXTERN const char *ens_signable_host(const ens_signable *s) { return s ? s->host : NULL; }

ENS_EXTERN const char *ens_signable_path(const ens_signable *s) { return s ? s->path : NULL; }

ENS_EXTERN const char *ens_signable_canonical_query(const ens_signable *s)
{
    return s ? s->query : NULL;
}

ENS_EXTERN const void *ens_signable_body(const ens_signable *s, size_t *len)
{
    if (len)
        *len = s ? s->body_len : 0;
    return s ? s->body : NULL;
}

ENS_EXTERN ens_status ens_signable_set_body(ens_signable *s, const void *body, size_t len)
{
    void *copy = NULL;

    if (!s || (!body && len))
        return ENS_EINVAL;
    if (len) {
        copy = ens__malloc(len);
        if (!copy)
            return ENS_ENOMEM;
        memcpy(copy, body, len);
    }
    if (s->body) {
        sodium_memzero(s->body, s->body_len);
        ens__free(s->body);
    }
    s->body = copy;
    s->body_len = len;
    return ENS_OK;
}

ENS_EXTERN size_t ens_signable_header_count(const ens_signable *s) { return s ? s->header_count : 0; }

ENS_EXTERN ens_status ens_signable_header_at(const ens_signable *s, size_t index, const char **name,
                                             const char **value)
{
    if (!s || index >= s->header_count)
        return ENS_EINVAL;
    if (name)
        *name = s->headers[index].name;
    if (value)
        *value = s->headers[index].value;
    return ENS_OK;
}

ENS_EXTERN const char *ens_signable_header(const ens_signable *s, const char *name)
{
    const ens_http_header *h;
    if (!s || !name)
        return NULL;
    h = find_header(s, name);
    return h ? h->value : NULL;
}

ENS_EXTERN ens_status ens_signable_set_header(ens_signable *s, const char *name, const char *value)
{
    ens_http_header *h;
    size_t vlen;
    char *v;

    if (!s || !name || !value || !header_name_ok(name) || ens__has_crlf(value))
        return ENS_EINVAL;
    vlen = strlen(value);
    h = find_header(s, name);
    if (h) {
        /* Replacing: a value no longer than the old one is written over it
           (re-signing replaces the date, nonce, hashes and authorization with
           values of the same length), the rest of the old one wiped. */
        char *old = (char *)h->value;
        size_t olen = strlen(old);
        if (vlen <= olen) {
            memmove(old, value, vlen);
            sodium_memzero(old + vlen, olen - vlen);
            return ENS_OK;
        }
        v = keep(s, value, vlen);
        if (!v)
            return ENS_ENOMEM;
        drop(s, old);
        h->value = v;
        return ENS_OK;
    }

    if (s->header_count == s->header_cap) {
        size_t cap = s->header_cap * 2;
        ens_http_header *grown;
        if (cap > SIZE_MAX / sizeof(*grown))
            return ENS_ENOMEM;
        grown = ens__malloc(cap * sizeof(*grown)); /* names and values stay where they are */
        if (!grown)
            return ENS_ENOMEM;
        memcpy(grown, s->headers, s->header_count * sizeof(*grown));
        if (s->headers != s->slots)
            ens__free(s->headers);
        s->headers = grown;
        s->header_cap = cap;
    }
    v = keep(s, value, vlen);
    if (!v)
        return ENS_ENOMEM;
    {
        char *n = keep(s, name, strlen(name));
        char *p;
        if (!n) {
            drop(s, v);
            return ENS_ENOMEM;
        }
        for (p = n; *p; p++)
            *p = ascii_lower(*p);
        s->headers[s->header_count].name = n;
        s->headers[s->header_count].value = v;
        s->header_count++;
    }
    return ENS_OK;
}

void ens__signable_remove_header(ens_signable *s, const char *name)
{
    ens_http_header *h;
    size_t i;

    if (!s || !name)
        return;
    h = find_header(s, name);
    if (!h)
        return;
    header_clear(s, h);
    /* Keep the order of the others: it is the order they are sent in. */
    for (i = (size_t)(h - s->headers); i + 1 < s->header_count; i++)
        s->headers[i] = s->headers[i + 1];
    s->header_count--;
}

const ens_http_header *ens__signable_headers(const ens_signable *s, size_t *count)
{
    if (count)
        *count = s ? s->header_count : 0;
    return s ? s->headers : NULL;
}

ENS_EXTERN void ens_signable_set_clock(ens_signable *s, ens_clock_fn clock, void *payload)
{
    if (!s)
        return;
    s->clock = clock;
    s->clock_payload = payload;
}

ENS_EXTERN void ens_signable_set_nonce_source(ens_signable *s, ens_nonce_fn nonce, void *payload)
{
    if (!s)
        return;
    s->nonce = nonce;
    s->nonce_payload = payload;
}

ENS_EXTERN time_t ens_signable_now(const ens_signable *s)
{
    if (s && s->clock)
        return s->clock(s->clock_payload);
    return time(NULL);
}

static bool nonce_char_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
}

/* true when out holds 1..64 allowed characters and a NUL, all within its 65 bytes. */
static bool nonce_ok(const char out[ENS__NONCE_MAX + 1])
{
    size_t i;
    for (i = 0; i <= ENS__NONCE_MAX; i++) {
        if (out[i] == '\0')
            return i > 0;
        if (!nonce_char_ok(out[i]))
            return false;
    }
    return false; /* no NUL within 65 bytes */
}

/* ---- the default nonce source ----
 *
 * 16 random bytes per nonce, hex-encoded.  A getrandom(2) system call for
 * every 16 bytes costs more than the rest of the nonce, so each thread keeps
 * a pool of random bytes (C11 _Thread_local: no locking, no sharing) that is
 * refilled with randombytes_buf() ENS__NONCE_POOL_BYTES at a time.  Bytes are
 * taken from the pool front to back and wiped (sodium_memzero) as soon as
 * they are taken, so the pool only ever holds bytes no nonce has used yet.
 *
 * fork(): the child gets a copy of the forking thread's pool.  Left alone,
 * parent and child would then both sign with the same next nonces (and the
 * server refuses a nonce it has seen).  A pthread_atfork() child handler,
 * registered once (pthread_once) before any pool is first filled, wipes and
 * empties the pool of the thread that forked, which is the only thread the
 * child has; the pools of the parent's other threads are copied too but belong
 * to threads that do not exist in the child and are never read there (a
 * thread the child starts begins with an empty pool).  If the handler cannot
 * be registered, no pool is used: every nonce then comes straight from
 * randombytes_buf().  A process made by a raw clone() or vfork() that skips
 * the fork handlers and then signs requests without exec is not covered.
 *
 * The bytes left in the pool of a thread that exits are not wiped: they were
 * never used and never will be. */

typedef struct nonce_pool {
    unsigned char bytes[ENS__NONCE_POOL_BYTES];
    size_t left; /* unused bytes, at the end of bytes[]; 0 = empty */
} nonce_pool;

static _Thread_local nonce_pool tl_pool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static bool pool_fork_safe; /* written once under pool_once */

static void pool_forget_in_child(void)
{
    sodium_memzero(tl_pool.bytes, sizeof(tl_pool.bytes));
    tl_pool.left = 0;
}

static void pool_register_fork_handler(void)
{
    pool_fork_safe = pthread_atfork(NULL, NULL, pool_forget_in_child) == 0;
}

/* 16 random bytes as 32 hex digits into out.  ENS_OK or ENS_EINTERNAL. */
static ens_status default_nonce(char out[ENS__NONCE_MAX + 1])
{
    nonce_pool *p = &tl_pool;
    unsigned char *raw;

    if (p->left < ENS__NONCE_BYTES) {
        unsigned char direct[ENS__NONCE_BYTES];
        if (sodium_init() < 0 || pthread_once(&pool_once, pool_register_fork_handler) != 0)
            return ENS_EINTERNAL;
        if (!pool_fork_safe) {
            randombytes_buf(direct, sizeof(direct));
            sodium_bin2hex(out, ENS__NONCE_MAX + 1, direct, sizeof(direct));
            sodium_memzero(direct, sizeof(direct));
            return ENS_OK;
        }
        /* left is a multiple of 16 here: the pool is empty. */
        randombytes_buf(p->bytes, sizeof(p->bytes));
        p->left = sizeof(p->bytes);
    }
    raw = p->bytes + sizeof(p->bytes) - p->left;
    p->left -= ENS__NONCE_BYTES;
    sodium_bin2hex(out, ENS__NONCE_MAX + 1, raw, ENS__NONCE_BYTES);
    sodium_memzero(raw, ENS__NONCE_BYTES);
    return ENS_OK;
}

ENS_EXTERN ens_status ens_signable_nonce(const ens_signable *s, char out[65])
{
    ens_status st;

    if (!s || !out)
        return ENS_EINVAL;
    if (!s->nonce)
        return default_nonce(out);
    memset(out, 0, ENS__NONCE_MAX + 1);
    st = s->nonce(s->nonce_payload, out);
    if (st == ENS_OK && nonce_ok(out))
        return ENS_OK;
    memset(out, 0, ENS__NONCE_MAX + 1);
    return st < 0 ? st : ENS_EINVAL;
}
