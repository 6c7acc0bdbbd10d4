/* SPDX-License-Identifier: MIT */
/* ACS3-HMAC-SHA256: Alibaba Cloud request signature V3.
 * Algorithm and worked example: "Request syntax and signature method V3"
 * (Alibaba Cloud API reference), summarised in docs/signature-v3.md. */
#include "sign/acs3.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/error.h"
#include "sign/signable.h"

#define ACS3_ALGORITHM "ACS3-HMAC-SHA256"
/* hex(SHA-256("")): the x-acs-content-sha256 of a request without a body. */
#define ACS3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* "ACS3-HMAC-SHA256\n" + 64 hex digits. */
#define ACS3_STS_LEN (sizeof(ACS3_ALGORITHM) + 64)
/* Signed headers sorted on the stack up to this many; more take the heap. */
#define ACS3_STACK_HEADERS 32

void ens__sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)data, (unsigned long long)len);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* host, content-type and every x-acs-* header are signed (names are stored lowercased). */
static bool is_signed_header(const char *name)
{
    switch (name[0]) {
    case 'h':
        return strcmp(name, "host") == 0;
    case 'c':
        return strcmp(name, "content-type") == 0;
    case 'x':
        return strncmp(name, "x-acs-", 6) == 0;
    default:
        return false;
    }
}

static int cmp_header_ptr(const void *a, const void *b)
{
    const ens_http_header *x = *(const ens_http_header *const *)a;
    const ens_http_header *y = *(const ens_http_header *const *)b;
    return strcmp(x->name, y->name);
}

/* Sorts by name (unique in a signable).  A request signs about ten headers:
   insertion sort beats qsort's indirect calls there; qsort beyond. */
static void sort_headers(const ens_http_header **v, size_t n)
{
    size_t i, j;
    if (n > 16) {
        qsort(v, n, sizeof(*v), cmp_header_ptr);
        return;
    }
    for (i = 1; i < n; i++) {
        const ens_http_header *x = v[i];
        for (j = i; j > 0 && strcmp(v[j - 1]->name, x->name) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

int ens__acs3_canonical_request(const ens_signable *s, const char *hashed_payload, ens__buf *out,
                                ens__buf *signed_headers)
{
    const ens_http_header *stack_sig[ACS3_STACK_HEADERS], **sig = stack_sig;
    size_t n = 0, i, method_len, path_len, query_len, hash_len, names = 0, values = 0;

    if (s->header_count > ACS3_STACK_HEADERS) {
        sig = ens__calloc(s->header_count, sizeof(*sig));
        if (!sig)
            return -1;
    }
    for (i = 0; i < s->header_count; i++)
        if (is_signed_header(s->headers[i].name)) {
            sig[n++] = &s->headers[i];
            names += strlen(s->headers[i].name);
            values += strlen(s->headers[i].value);
        }
    sort_headers(sig, n);

    /* Room for all of it at once (values counted untrimmed): one allocation
       each instead of growing by doubling. */
    method_len = strlen(s->method);
    path_len = strlen(s->path);
    query_len = strlen(s->query);
    hash_len = strlen(hashed_payload);
    if (ens__buf_grow(signed_headers, names + n) == 0)
        ens__buf_grow(out, method_len + path_len + query_len + 3 + /* the three lines */
                               names + values + 2 * n +             /* "name:value\n" each */
                               1 + names + n + 1 + hash_len);        /* the last three */

    ens__buf_put(out, s->method, method_len);
    ens__buf_putc(out, '\n');
    ens__buf_put(out, s->path, path_len);
    ens__buf_putc(out, '\n');
    ens__buf_put(out, s->query, query_len);
    ens__buf_putc(out, '\n');
    for (i = 0; i < n; i++) {
        const char *v = sig[i]->value;
        size_t len = strlen(v);
        while (len && is_ws(*v)) {
            v++;
            len--;
        }
        while (len && is_ws(v[len - 1]))
            len--;
        ens__buf_puts(out, sig[i]->name);
        ens__buf_putc(out, ':');
        ens__buf_put(out, v, len);
        ens__buf_putc(out, '\n');
        if (i)
            ens__buf_putc(signed_headers, ';');
        ens__buf_puts(signed_headers, sig[i]->name);
    }
    if (sig != stack_sig)
        ens__free(sig);
    ens__buf_putc(out, '\n');
    ens__buf_put(out, ens__buf_cstr(signed_headers), signed_headers->len);
    ens__buf_putc(out, '\n');
    ens__buf_put(out, hashed_payload, hash_len);
    return (out->oom || signed_headers->oom) ? -1 : 0;
}

/* The string to sign into out[ACS3_STS_LEN + 1]. */
static void string_to_sign(const char *canonical, size_t len, char *out)
{
    memcpy(out, ACS3_ALGORITHM "\n", sizeof(ACS3_ALGORITHM));
    ens__sha256_hex(canonical, len, out + sizeof(ACS3_ALGORITHM));
}

int ens__acs3_string_to_sign(const char *canonical, size_t len, ens__buf *out)
{
    char sts[ACS3_STS_LEN + 1];
    string_to_sign(canonical, len, sts);
    return ens__buf_put(out, sts, ACS3_STS_LEN);
}

/* HMAC-SHA256 finished from a keyed state, hex into out; state and MAC wiped. */
static void hmac_finish(crypto_auth_hmacsha256_state *state, const char *string_to_sign,
                        size_t len, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_update(state, (const unsigned char *)string_to_sign,
                                  (unsigned long long)len);
    crypto_auth_hmacsha256_final(state, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
    sodium_memzero(state, sizeof(*state));
    sodium_memzero(mac, sizeof(mac));
}

void ens__acs3_signature(const char *secret, const char *string_to_sign, size_t len, char out[65])
{
    crypto_auth_hmacsha256_state state;
    /* The multi-part API takes keys of any length (longer ones are hashed). */
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    hmac_finish(&state, string_to_sign, len, out);
}

void ens__acs3_signature_creds(const ens_credentials *creds, const char *string_to_sign,
                               size_t len, char out[65])
{
    crypto_auth_hmacsha256_state state;
    /* The state keyed once when the credentials were made; keyed here only
       when the object has none. */
    if (!ens__credentials_hmac_copy(creds, &state)) {
        const char *secret = ens_credentials_access_key_secret(creds);
        crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    }
    hmac_finish(&state, string_to_sign, len, out);
}

/* Writes n (< 10^width) as width decimal digits. */
static void put_digits(char *p, unsigned long n, int width)
{
    while (width-- > 0) {
        p[width] = (char)('0' + n % 10);
        n /= 10;
    }
}

int ens__acs3_date(time_t t, char out[32])
{
    struct tm tm;
    /* Compared as long long: with a 32-bit time_t the upper bound is always
       true, which -Wtype-limits reports on the time_t itself. */
    long long tl = (long long)t;
    /* 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z computed directly (no
       gmtime_r lock, no strftime); anything else through the C library. */
    if (tl >= 0 && tl <= 253402300799LL) {
        unsigned long long secs = (unsigned long long)tl;
        unsigned long days = (unsigned long)(secs / 86400), sod = (unsigned long)(secs % 86400);
        /* Civil date from a day count: count from 0000-03-01 so that the leap
           day ends a year, split into 400-year cycles of 146097 days, then
           years of the cycle, then months of 153 days per 5 (March based). */
        unsigned long d = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
        unsigned long cycle = d / 146097, doc = d % 146097;
        unsigned long yoc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365;
        unsigned long doy = doc - (365 * yoc + yoc / 4 - yoc / 100);
        unsigned long mp = (5 * doy + 2) / 153;
        unsigned long mday = doy - (153 * mp + 2) / 5 + 1;
        unsigned long mon = mp < 10 ? mp + 3 : mp - 9;
        unsigned long year = yoc + cycle * 400 + (mon <= 2 ? 1 : 0);
        put_digits(out, year, 4);
        out[4] = '-';
        put_digits(out + 5, mon, 2);
        out[7] = '-';
        put_digits(out + 8, mday, 2);
        out[10] = 'T';
        put_digits(out + 11, sod / 3600, 2);
        out[13] = ':';
        put_digits(out + 14, sod / 60 % 60, 2);
        out[16] = ':';
        put_digits(out + 17, sod % 60, 2);
        out[19] = 'Z';
        out[20] = '\0';
        return 0;
    }
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return -1;
    return 0;
}

static ens_status acs3_sign(void *ctx, ens_signable *s, const ens_credentials *creds, ens_error *err)
{
    const char *id, *secret, *token;
    char date[32], nonce[65], body_hash[65], signature[65], sts[ACS3_STS_LEN + 1];
    /* A typical request's texts fit here: no allocation (larger ones move to
       the heap); all wiped below, the canonical request may hold the token. */
    char canonical_room[1536], names_room[256], auth_room[512];
    const void *body;
    size_t body_len, id_len;
    ens__buf canonical, signed_headers, auth;
    ens_status st;

    (void)ctx;
    ens__buf_init_on(&canonical, canonical_room, sizeof(canonical_room));
    ens__buf_init_on(&signed_headers, names_room, sizeof(names_room));
    ens__buf_init_on(&auth, auth_room, sizeof(auth_room));
    if (!s || !creds)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL signable or credentials");
    id = ens_credentials_access_key_id(creds);
    secret = ens_credentials_access_key_secret(creds);
    token = ens_credentials_security_token(creds);
    if (!id || !*id || !secret || !*secret)
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: AccessKey ID or secret is empty");

    if (ens__acs3_date(ens_signable_now(s), date) < 0)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: the signing clock returned an unusable time");

    st = ens_signable_nonce(s, nonce);
    if (st != ENS_OK)
        return ens__error_set(err, st,
                              "%s: the signature nonce source failed or produced an invalid nonce "
                              "(need 1..64 characters of [0-9A-Za-z_-])",
                              ens_strerror(st));

    body = ens_signable_body(s, &body_len);
    if (body_len)
        ens__sha256_hex(body, body_len, body_hash);
    else
        memcpy(body_hash, ACS3_EMPTY_SHA256, sizeof(ACS3_EMPTY_SHA256));

    if ((st = ens_signable_set_header(s, "x-acs-date", date)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-signature-nonce", nonce)) != ENS_OK ||
        (st = ens_signable_set_header(s, "x-acs-content-sha256", body_hash)) != ENS_OK)
        goto fail;
    if (token && *token)
        st = ens_signable_set_header(s, "x-acs-security-token", token);
    else
        ens__signable_remove_header(s, "x-acs-security-token"); /* left from an earlier signing */
    if (st != ENS_OK)
        goto fail;

    /* The canonical request may hold the STS token: it is wiped like the rest. */
    st = ENS_ENOMEM;
    if (ens__acs3_canonical_request(s, body_hash, &canonical, &signed_headers) < 0)
        goto fail;
    string_to_sign(canonical.ptr, canonical.len, sts);
    ens__acs3_signature_creds(creds, sts, ACS3_STS_LEN, signature);

    id_len = strlen(id);
    if (ens__buf_grow(&auth, sizeof(ACS3_ALGORITHM " Credential=,SignedHeaders=,Signature=") +
                                 id_len + signed_headers.len + 64) < 0)
        goto fail;
    ens__buf_puts(&auth, ACS3_ALGORITHM " Credential=");
    ens__buf_put(&auth, id, id_len);
    ens__buf_puts(&auth, ",SignedHeaders=");
    ens__buf_put(&auth, ens__buf_cstr(&signed_headers), signed_headers.len);
    ens__buf_puts(&auth, ",Signature=");
    ens__buf_put(&auth, signature, 64);
    if (auth.oom)
        goto fail;
    st = ens_signable_set_header(s, "authorization", auth.ptr);

fail:
    sodium_memzero(signature, sizeof(signature));
    sodium_memzero(sts, sizeof(sts));
    /* Each wipes its room, or its heap copy (the room was wiped on the move). */
    ens__buf_wipe_free(&canonical);
    ens__buf_wipe_free(&signed_headers);
    ens__buf_wipe_free(&auth);
    if (st == ENS_ENOMEM)
        return ens__error_set(err, st, "out of memory while signing the request");
    if (st != ENS_OK) /* set_header only fails on bad input (a credential holding CR/LF) */
        return ens__error_set(err, st, "%s: a signing header could not be set", ens_strerror(st));
    return ENS_OK;
}

static const ens_signer_vtable acs3_vtable = {ENS_SIGNER_VTABLE_VERSION, acs3_sign, NULL};

ENS_EXTERN ens_status ens_signer_acs3_new(ens_signer **out)
{
    if (!out)
        return ENS_EINVAL;
    if (sodium_init() < 0)
        return ENS_EINTERNAL;
    return ens_signer_new(out, &acs3_vtable, NULL);
}
