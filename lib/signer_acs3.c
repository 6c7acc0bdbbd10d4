/* ACS3-HMAC-SHA256: Alibaba Cloud request signature V3.
 * See shared/reference/SIGNATURE-V3.md for the algorithm and its worked example. */
#include "acs3.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "signable.h"

#define ACS3_ALGORITHM "ACS3-HMAC-SHA256"

void ens__sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)data, (unsigned long long)len);
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* host, content-type and every x-acs-* header are signed (names are stored lowercased). */
static bool is_signed_header(const char *name)
{
    return strcmp(name, "host") == 0 || strcmp(name, "content-type") == 0 ||
           strncmp(name, "x-acs-", 6) == 0;
}

static int cmp_header_ptr(const void *a, const void *b)
{
    const ens_http_header *x = *(const ens_http_header *const *)a;
    const ens_http_header *y = *(const ens_http_header *const *)b;
    return strcmp(x->name, y->name);
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

int ens__acs3_canonical_request(const ens_signable *s, const char *hashed_payload, ens__buf *out,
                                ens__buf *signed_headers)
{
    const ens_http_header **sig;
    size_t n = 0, i;

    sig = ens__calloc(s->header_count ? s->header_count : 1, sizeof(*sig));
    if (!sig)
        return -1;
    for (i = 0; i < s->header_count; i++)
        if (is_signed_header(s->headers[i].name))
            sig[n++] = &s->headers[i];
    qsort(sig, n, sizeof(*sig), cmp_header_ptr);

    ens__buf_printf(out, "%s\n%s\n%s\n", s->method, s->path, s->query);
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
    ens__free(sig);
    ens__buf_printf(out, "\n%s\n%s", ens__buf_cstr(signed_headers), hashed_payload);
    return (out->oom || signed_headers->oom) ? -1 : 0;
}

int ens__acs3_string_to_sign(const char *canonical, size_t len, ens__buf *out)
{
    char hash[65];
    ens__sha256_hex(canonical, len, hash);
    return ens__buf_printf(out, "%s\n%s", ACS3_ALGORITHM, hash);
}

void ens__acs3_signature(const char *secret, const char *string_to_sign, size_t len, char out[65])
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    /* The multi-part API takes keys of any length (longer ones are hashed). */
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)string_to_sign,
                                  (unsigned long long)len);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
    sodium_memzero(&state, sizeof(state));
    sodium_memzero(mac, sizeof(mac));
}

static ens_status acs3_sign(void *ctx, ens_signable *s, const ens_credentials *creds, ens_error *err)
{
    const char *id, *secret, *token;
    char date[32], nonce[65], body_hash[65], signature[65];
    struct tm tm;
    time_t now;
    const void *body;
    size_t body_len;
    ens__buf canonical = ENS__BUF_INIT, signed_headers = ENS__BUF_INIT;
    ens__buf to_sign = ENS__BUF_INIT, auth = ENS__BUF_INIT;
    ens_status st;

    (void)ctx;
    if (!s || !creds)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL signable or credentials");
    id = ens_credentials_access_key_id(creds);
    secret = ens_credentials_access_key_secret(creds);
    token = ens_credentials_security_token(creds);
    if (!id || !*id || !secret || !*secret)
        return ens__error_set(err, ENS_ECREDENTIALS,
                              "credentials unavailable: AccessKey ID or secret is empty");

    now = ens_signable_now(s);
    if (now == (time_t)-1 || !gmtime_r(&now, &tm) ||
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: the signing clock returned an unusable time");

    st = ens_signable_nonce(s, nonce);
    if (st != ENS_OK)
        return ens__error_set(err, st,
                              "%s: the signature nonce source failed or produced an invalid nonce "
                              "(need 1..64 characters of [0-9A-Za-z_-])",
                              ens_strerror(st));

    body = ens_signable_body(s, &body_len);
    ens__sha256_hex(body_len ? body : "", body_len, body_hash);

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
    if (ens__acs3_canonical_request(s, body_hash, &canonical, &signed_headers) < 0 ||
        ens__acs3_string_to_sign(canonical.ptr, canonical.len, &to_sign) < 0)
        goto fail;
    ens__acs3_signature(secret, to_sign.ptr, to_sign.len, signature);
    if (ens__buf_printf(&auth, "%s Credential=%s,SignedHeaders=%s,Signature=%s", ACS3_ALGORITHM, id,
                        ens__buf_cstr(&signed_headers), signature) < 0)
        goto fail;
    st = ens_signable_set_header(s, "authorization", auth.ptr);

fail:
    sodium_memzero(signature, sizeof(signature));
    ens__buf_wipe_free(&canonical);
    ens__buf_wipe_free(&signed_headers);
    ens__buf_wipe_free(&to_sign);
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
