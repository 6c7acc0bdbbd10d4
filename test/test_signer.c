/* SPDX-License-Identifier: MIT */
/* Tests of the signable request, the signer object and ACS3-HMAC-SHA256. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/support.h"
#include "sign/acs3.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "ensclient/credentials.h"
#include "ensclient/signer.h"
#include "request/query.h"
#include "sign/signable.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static ens_credentials *make_creds(const char *id, const char *secret, const char *token)
{
    ens_credentials *c = NULL;
    assert_int_equal(ens_credentials_new(&c, id, secret, token, 0), ENS_OK);
    assert_non_null(c);
    return c;
}

static char *canonical_query(const char *const *pairs, size_t n)
{
    ens__query q = ENS__QUERY_INIT;
    char *out = NULL;
    size_t i;
    for (i = 0; i < n; i++)
        assert_int_equal(ens__query_add(&q, pairs[2 * i], pairs[2 * i + 1]), ENS_OK);
    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    ens__query_free(&q);
    return out;
}

/* Canonical request and SignedHeaders of s as it stands (after signing). */
static void canonical_of(const ens_signable *s, char **canon, char **signed_headers)
{
    ens__buf c = ENS__BUF_INIT, sh = ENS__BUF_INIT;
    const char *hash = ens_signable_header(s, "x-acs-content-sha256");
    assert_non_null(hash);
    assert_int_equal(ens__acs3_canonical_request(s, hash, &c, &sh), 0);
    *canon = ens__strdup(ens__buf_cstr(&c));
    *signed_headers = ens__strdup(ens__buf_cstr(&sh));
    assert_non_null(*canon);
    assert_non_null(*signed_headers);
    ens__buf_wipe_free(&c);
    ens__buf_wipe_free(&sh);
}

/* ------------------------------------------------------------------------ */
/* The published worked example, byte for byte                               */

#define EX_HOST "ecs.cn-shanghai.aliyuncs.com"
#define EX_NONCE "3156853299f313e23d1673dc12e1703d"
#define EX_EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define EX_SIGNED "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
#define EX_QUERY "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
#define EX_CANONICAL                                                                             \
    "POST\n"                                                                                     \
    "/\n" EX_QUERY "\n"                                                                          \
    "host:" EX_HOST "\n"                                                                         \
    "x-acs-action:RunInstances\n"                                                                \
    "x-acs-content-sha256:" EX_EMPTY_SHA "\n"                                                    \
    "x-acs-date:2023-10-26T10:22:32Z\n"                                                          \
    "x-acs-signature-nonce:" EX_NONCE "\n"                                                       \
    "x-acs-version:2014-05-26\n"                                                                 \
    "\n" EX_SIGNED "\n" EX_EMPTY_SHA
#define EX_CANONICAL_SHA "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
#define EX_STRING_TO_SIGN "ACS3-HMAC-SHA256\n" EX_CANONICAL_SHA
#define EX_SIGNATURE "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
#define EX_AUTHORIZATION                                                                         \
    "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=" EX_SIGNED                       \
    ",Signature=" EX_SIGNATURE

#define EX_TIME 1698315752 /* 2023-10-26T10:22:32Z */
static ts_pins ex_pins = TS_PINS_EXAMPLE; /* EX_TIME and EX_NONCE */

/* The worked example's signable, before signing. */
static ens_signable *example_signable(void)
{
    static const char *const pairs[] = {"RegionId", "cn-shanghai", "ImageId",
                                        "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"};
    ens_signable *s = NULL;
    char *q = canonical_query(pairs, 2);
    assert_string_equal(q, EX_QUERY);
    assert_int_equal(ens_signable_new(&s, "POST", EX_HOST, "/", q), ENS_OK);
    ens__free(q);
    assert_int_equal(ens_signable_set_header(s, "x-acs-action", "RunInstances"), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "x-acs-version", "2014-05-26"), ENS_OK);
    ens_signable_set_clock(s, ts_pins_clock, &ex_pins);
    ens_signable_set_nonce_source(s, ts_pins_nonce, &ex_pins);
    return s;
}

static void test_worked_example(void **state)
{
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", NULL);
    ens_signer *signer = NULL;
    ens_error err = ENS_ERROR_INIT;
    char *canon, *signed_headers, hash[65], sig[65];
    ens__buf sts = ENS__BUF_INIT;
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, &err), ENS_OK);
    assert_int_equal(err.status, ENS_OK); /* untouched on success */

    assert_string_equal(ens_signable_header(s, "host"), EX_HOST);
    assert_string_equal(ens_signable_header(s, "x-acs-date"), "2023-10-26T10:22:32Z");
    assert_string_equal(ens_signable_header(s, "x-acs-signature-nonce"), EX_NONCE);
    assert_string_equal(ens_signable_header(s, "x-acs-content-sha256"), EX_EMPTY_SHA);
    assert_null(ens_signable_header(s, "x-acs-security-token"));
    assert_string_equal(ens_signable_header(s, "authorization"), EX_AUTHORIZATION);
    assert_string_equal(ens_signable_header(s, "Authorization"), EX_AUTHORIZATION);

    /* Each intermediate step, from the signed signable. */
    canonical_of(s, &canon, &signed_headers);
    assert_string_equal(canon, EX_CANONICAL);
    assert_string_equal(signed_headers, EX_SIGNED);
    ens__sha256_hex(canon, strlen(canon), hash);
    assert_string_equal(hash, EX_CANONICAL_SHA);
    assert_int_equal(ens__acs3_string_to_sign(canon, strlen(canon), &sts), 0);
    assert_string_equal(ens__buf_cstr(&sts), EX_STRING_TO_SIGN);
    ens__acs3_signature("YourAccessKeySecret", sts.ptr, sts.len, sig);
    assert_string_equal(sig, EX_SIGNATURE);

    ens__buf_free(&sts);
    ens__free(canon);
    ens__free(signed_headers);
    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

static void test_empty_body_hash(void **state)
{
    char hex[65];
    (void)state;
    ens__sha256_hex("", 0, hex);
    assert_string_equal(hex, EX_EMPTY_SHA);
    ens__sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_hmac_long_key(void **state)
{
    char key[101], sig[65];
    (void)state;
    /* A key longer than the SHA-256 block (64 bytes) is hashed first. */
    memset(key, 'K', 100);
    key[100] = '\0';
    ens__acs3_signature(key, EX_STRING_TO_SIGN, strlen(EX_STRING_TO_SIGN), sig);
    assert_string_equal(sig, "f642506b39a06e85077ed683ecc7179251c32c9f95926aa2f87b624bf465baea");
}

/* ------------------------------------------------------------------------ */
/* Encoding, canonicalisation, STS token and body, against values computed   */
/* independently (Python hashlib/hmac).                                      */

#define FULL_BODY "{\"a\":1}"
#define FULL_BODY_SHA "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
#define FULL_QUERY "Name=my%20conn%2A~%2F%2B%3D%26%C3%A9&PageSize=10"
#define FULL_SIGNED                                                                              \
    "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;"      \
    "x-acs-signature-nonce;x-acs-version"
#define FULL_CANONICAL                                                                           \
    "POST\n/\n" FULL_QUERY "\n"                                                                  \
    "content-type:application/json\n"                                                            \
    "host:ens.aliyuncs.com\n"                                                                    \
    "x-acs-action:DescribeNetworkPeerConnections\n"                                              \
    "x-acs-content-sha256:" FULL_BODY_SHA "\n"                                                   \
    "x-acs-date:2023-11-14T22:13:20Z\n"                                                          \
    "x-acs-security-token:sts-token-value\n"                                                     \
    "x-acs-signature-nonce:nonce-Fixed_42\n"                                                     \
    "x-acs-version:2017-11-10\n"                                                                 \
    "\n" FULL_SIGNED "\n" FULL_BODY_SHA
#define FULL_AUTHORIZATION                                                                       \
    "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=" FULL_SIGNED                              \
    ",Signature=83cb27c29bb9e75a9ea9ebf47b6f11e60e4199bed8fe2c128e4ce87901d87aa1"

static ts_pins full_pins = {1700000000 /* 2023-11-14T22:13:20Z */, NULL, 0};

static ens_signable *full_signable(void)
{
    /* space, *, ~, /, +, =, & and a two-byte UTF-8 character. */
    static const char *const pairs[] = {"PageSize", "10", "Name", "my conn*~/+=&\xc3\xa9"};
    ens_signable *s = NULL;
    char *q = canonical_query(pairs, 2);
    assert_string_equal(q, FULL_QUERY);
    assert_int_equal(ens_signable_new(&s, "POST", "ens.aliyuncs.com", "/", q), ENS_OK);
    ens__free(q);
    /* Mixed-case names, values with surrounding blanks, unsigned headers. */
    assert_int_equal(ens_signable_set_header(s, "X-Acs-Action", "  DescribeNetworkPeerConnections \t"),
                     ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "x-ACS-version", "2017-11-10"), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "Content-Type", "\tapplication/json "), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "Accept", "application/json"), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "User-Agent", "ensclient/test"), ENS_OK);
    assert_int_equal(ens_signable_set_body(s, FULL_BODY, strlen(FULL_BODY)), ENS_OK);
    ens_signable_set_clock(s, ts_pins_clock, &full_pins);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"nonce-Fixed_42");
    return s;
}

static void test_canonicalisation_sts_and_body(void **state)
{
    ens_signable *s = full_signable();
    ens_credentials *creds = make_creds("testid", "testsecret", "sts-token-value");
    ens_signer *signer = NULL;
    char *canon, *signed_headers;
    const char *name, *value;
    size_t i, len;
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);

    assert_string_equal(ens_signable_header(s, "x-acs-content-sha256"), FULL_BODY_SHA);
    assert_string_equal(ens_signable_header(s, "x-acs-security-token"), "sts-token-value");
    assert_string_equal(ens_signable_header(s, "x-acs-date"), "2023-11-14T22:13:20Z");
    canonical_of(s, &canon, &signed_headers);
    assert_string_equal(canon, FULL_CANONICAL);
    assert_string_equal(signed_headers, FULL_SIGNED);
    assert_null(strstr(signed_headers, "accept"));
    assert_null(strstr(signed_headers, "user-agent"));
    assert_string_equal(ens_signable_header(s, "authorization"), FULL_AUTHORIZATION);

    /* Stored names are lowercase; values are kept as given (trimmed only when signing). */
    for (i = 0; i < ens_signable_header_count(s); i++) {
        const char *p;
        assert_int_equal(ens_signable_header_at(s, i, &name, &value), ENS_OK);
        for (p = name; *p; p++)
            assert_false(*p >= 'A' && *p <= 'Z');
    }
    assert_string_equal(ens_signable_header(s, "CONTENT-TYPE"), "\tapplication/json ");
    assert_string_equal(ens_signable_header(s, "user-agent"), "ensclient/test");
    assert_non_null(ens_signable_body(s, &len));
    assert_int_equal(len, strlen(FULL_BODY));

    ens__free(canon);
    ens__free(signed_headers);
    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

static void test_resign_drops_stale_token(void **state)
{
    ens_signable *s = full_signable();
    ens_credentials *sts = make_creds("testid", "testsecret", "sts-token-value");
    ens_credentials *plain = make_creds("testid", "testsecret", NULL);
    ens_credentials *empty_token = make_creds("testid", "testsecret", "");
    ens_signer *signer = NULL;
    size_t count;
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, sts, NULL), ENS_OK);
    count = ens_signable_header_count(s);
    assert_non_null(strstr(ens_signable_header(s, "authorization"), "x-acs-security-token"));

    /* Signing again replaces rather than duplicates. */
    assert_int_equal(ens_signer_sign(signer, s, sts, NULL), ENS_OK);
    assert_int_equal(ens_signable_header_count(s), count);
    assert_string_equal(ens_signable_header(s, "authorization"), FULL_AUTHORIZATION);

    /* Long-term keys: the token from the earlier signing is neither sent nor signed. */
    assert_int_equal(ens_signer_sign(signer, s, plain, NULL), ENS_OK);
    assert_null(ens_signable_header(s, "x-acs-security-token"));
    assert_int_equal(ens_signable_header_count(s), count - 1);
    assert_null(strstr(ens_signable_header(s, "authorization"), "x-acs-security-token"));

    /* An empty token counts as none. */
    assert_int_equal(ens_signer_sign(signer, s, empty_token, NULL), ENS_OK);
    assert_null(ens_signable_header(s, "x-acs-security-token"));

    ens_signer_free(signer);
    ens_credentials_release(sts);
    ens_credentials_release(plain);
    ens_credentials_release(empty_token);
    ens_signable_free(s);
}

static void test_content_type_absent_not_signed(void **state)
{
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", NULL);
    ens_signer *signer = NULL;
    (void)state;

    /* Unsigned headers do not change the signature. */
    assert_int_equal(ens_signable_set_header(s, "Accept", "application/json"), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "User-Agent", "x"), ENS_OK);
    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);
    assert_string_equal(ens_signable_header(s, "authorization"), EX_AUTHORIZATION);

    /* A content-type changes it, and is listed. */
    assert_int_equal(ens_signable_set_header(s, "Content-Type", "application/json"), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);
    assert_non_null(strstr(ens_signable_header(s, "authorization"),
                           "SignedHeaders=content-type;host;x-acs-action;"));
    assert_string_not_equal(ens_signable_header(s, "authorization"), EX_AUTHORIZATION);

    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

/* ------------------------------------------------------------------------ */
/* A custom signer that wraps ACS3                                           */

typedef struct wrap_ctx {
    ens_signer *inner;
    int *destroyed;
} wrap_ctx;

static ens_status wrap_sign(void *ctx, ens_signable *req, const ens_credentials *creds, ens_error *err)
{
    wrap_ctx *w = ctx;
    ens_status st = ens_signer_sign(w->inner, req, creds, err);
    if (st != ENS_OK)
        return st;
    return ens_signable_set_header(req, "X-Wrapped-By", "test-wrapper");
}

static void wrap_destroy(void *ctx)
{
    wrap_ctx *w = ctx;
    ens_signer_free(w->inner);
    (*w->destroyed)++;
}

static void test_custom_signer_wraps_acs3(void **state)
{
    static const ens_signer_vtable vt = {ENS_SIGNER_VTABLE_VERSION, wrap_sign, wrap_destroy};
    int destroyed = 0;
    wrap_ctx w = {NULL, &destroyed};
    ens_signer *signer = NULL;
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", NULL);
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&w.inner), ENS_OK);
    assert_int_equal(ens_signer_new(&signer, &vt, &w), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);
    assert_string_equal(ens_signable_header(s, "x-wrapped-by"), "test-wrapper");
    assert_string_equal(ens_signable_header(s, "authorization"), EX_AUTHORIZATION);
    ens_signer_free(signer);
    assert_int_equal(destroyed, 1);

    ens_credentials_release(creds);
    ens_signable_free(s);
}

static ens_status failing_sign(void *ctx, ens_signable *req, const ens_credentials *creds,
                               ens_error *err)
{
    (void)ctx;
    (void)req;
    (void)creds;
    (void)err; /* leaves err empty on purpose */
    return ENS_EUNSUPPORTED;
}

static void test_custom_signer_error_is_described(void **state)
{
    static const ens_signer_vtable vt = {ENS_SIGNER_VTABLE_VERSION, failing_sign, NULL};
    ens_signer *signer = NULL;
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("a", "b", NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(ens_signer_new(&signer, &vt, NULL), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, &err), ENS_EUNSUPPORTED);
    assert_int_equal(err.status, ENS_EUNSUPPORTED);
    assert_true(err.description[0] != '\0');
    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static void test_signer_null_args(void **state)
{
    static const ens_signer_vtable no_sign = {ENS_SIGNER_VTABLE_VERSION, NULL, NULL};
    static const ens_signer_vtable v0 = {0, failing_sign, NULL};
    static const ens_signer_vtable v_future = {ENS_SIGNER_VTABLE_VERSION + 1, failing_sign, NULL};
    ens_signer *signer = NULL, *acs3 = NULL;
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("a", "b", NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(ens_signer_new(NULL, &no_sign, NULL), ENS_EINVAL);
    assert_int_equal(ens_signer_new(&signer, NULL, NULL), ENS_EINVAL);
    assert_int_equal(ens_signer_new(&signer, &no_sign, NULL), ENS_EINVAL);
    assert_int_equal(ens_signer_new(&signer, &v0, NULL), ENS_EINVAL);
    assert_int_equal(ens_signer_new(&signer, &v_future, NULL), ENS_EINVAL);
    assert_null(signer);
    assert_int_equal(ens_signer_acs3_new(NULL), ENS_EINVAL);

    assert_int_equal(ens_signer_acs3_new(&acs3), ENS_OK);
    assert_int_equal(ens_signer_sign(NULL, s, creds, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_non_null(strstr(err.description, "signer"));
    assert_int_equal(ens_signer_sign(acs3, NULL, creds, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "signable"));
    assert_int_equal(ens_signer_sign(acs3, s, NULL, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "credentials"));
    assert_int_equal(ens_signer_sign(acs3, s, NULL, NULL), ENS_EINVAL);
    assert_null(ens_signable_header(s, "authorization"));

    ens_signer_free(NULL);
    ens_signer_free(acs3);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

static void test_signable_args(void **state)
{
    ens_signable *s = NULL;
    const char *name, *value;
    (void)state;

    assert_int_equal(ens_signable_new(NULL, "POST", "h", "/", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, NULL, "h", "/", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", NULL, "/", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "h", NULL, ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", NULL), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", "a=b\r\nX-Evil: 1"), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "h\nx", "/", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "PO\rST", "h", "/", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "h", "/\n", ""), ENS_EINVAL);
    assert_int_equal(ens_signable_new(&s, "POST", "", "/", ""), ENS_EINVAL);
    assert_null(s);

    assert_int_equal(ens_signable_new(&s, "POST", "h.example:8443", "/", "A=1"), ENS_OK);
    assert_string_equal(ens_signable_method(s), "POST");
    assert_string_equal(ens_signable_host(s), "h.example:8443");
    assert_string_equal(ens_signable_path(s), "/");
    assert_string_equal(ens_signable_canonical_query(s), "A=1");
    /* The host header is there from the start. */
    assert_int_equal(ens_signable_header_count(s), 1);
    assert_string_equal(ens_signable_header(s, "Host"), "h.example:8443");
    assert_null(ens_signable_body(s, NULL));

    assert_int_equal(ens_signable_set_header(s, "", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a:b", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a\r", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a\nb", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x a", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a", "v\r\nx-injected: 1"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a", "v\n"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, "x-a", NULL), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(s, NULL, "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_set_header(NULL, "x-a", "v"), ENS_EINVAL);
    assert_int_equal(ens_signable_header_count(s), 1);

    /* Replacement is case-insensitive and keeps one entry. */
    assert_int_equal(ens_signable_set_header(s, "X-Thing", "one"), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "x-THING", "two"), ENS_OK);
    assert_int_equal(ens_signable_header_count(s), 2);
    assert_int_equal(ens_signable_header_at(s, 1, &name, &value), ENS_OK);
    assert_string_equal(name, "x-thing");
    assert_string_equal(value, "two");
    assert_int_equal(ens_signable_header_at(s, 2, &name, &value), ENS_EINVAL);
    assert_null(ens_signable_header(s, "x-missing"));

    {
        size_t n = 0;
        const ens_http_header *h = ens__signable_headers(s, &n);
        assert_int_equal(n, 2);
        assert_string_equal(h[0].name, "host");
        assert_string_equal(h[1].value, "two");
    }
    ens__signable_remove_header(s, "X-THING");
    assert_int_equal(ens_signable_header_count(s), 1);
    ens__signable_remove_header(s, "x-thing"); /* absent: no-op */
    assert_int_equal(ens_signable_header_count(s), 1);

    /* Body. */
    assert_int_equal(ens_signable_set_body(s, NULL, 3), ENS_EINVAL);
    assert_int_equal(ens_signable_set_body(s, "abc", 3), ENS_OK);
    {
        size_t len = 0;
        const void *b = ens_signable_body(s, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(b, "abc", 3);
    }
    assert_int_equal(ens_signable_set_body(s, NULL, 0), ENS_OK);
    assert_null(ens_signable_body(s, NULL));

    ens_signable_free(s);
    ens_signable_free(NULL);
}

static ens_status nonce_empty(void *payload, char out[65])
{
    (void)payload;
    out[0] = '\0';
    return ENS_OK;
}

static ens_status nonce_unterminated(void *payload, char out[65])
{
    (void)payload;
    memset(out, 'a', 65); /* 65 characters, no NUL */
    return ENS_OK;
}

static ens_status nonce_silent(void *payload, char out[65])
{
    (void)payload;
    (void)out; /* writes nothing */
    return ENS_OK;
}

static ens_status nonce_fails(void *payload, char out[65])
{
    (void)payload;
    (void)out;
    return ENS_ETRANSPORT;
}

static ens_status nonce_positive(void *payload, char out[65])
{
    (void)payload;
    memcpy(out, "abc", 4);
    return ENS_ITEROVER;
}

static void test_nonce_validation(void **state)
{
    ens_signable *s = NULL;
    char out[65], max[65];
    (void)state;

    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", ""), ENS_OK);

    ens_signable_set_nonce_source(s, nonce_empty, NULL);
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, nonce_unterminated, NULL);
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    assert_int_equal(out[0], '\0'); /* nothing half-valid is left behind */
    ens_signable_set_nonce_source(s, nonce_silent, NULL);
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"has space");
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"a+b");
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"a.b");
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"caf\xc3\xa9");
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);
    ens_signable_set_nonce_source(s, nonce_fails, NULL);
    assert_int_equal(ens_signable_nonce(s, out), ENS_ETRANSPORT);
    ens_signable_set_nonce_source(s, nonce_positive, NULL);
    assert_int_equal(ens_signable_nonce(s, out), ENS_EINVAL);

    /* Boundaries that are fine: 1 and 64 characters of the whole alphabet. */
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"x");
    assert_int_equal(ens_signable_nonce(s, out), ENS_OK);
    assert_string_equal(out, "x");
    memcpy(max, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-", 65);
    assert_int_equal(strlen(max), 64);
    ens_signable_set_nonce_source(s, ts_nonce_text, max);
    assert_int_equal(ens_signable_nonce(s, out), ENS_OK);
    assert_string_equal(out, max);

    assert_int_equal(ens_signable_nonce(NULL, out), ENS_EINVAL);
    assert_int_equal(ens_signable_nonce(s, NULL), ENS_EINVAL);
    ens_signable_free(s);
}

static void test_sign_with_bad_nonce(void **state)
{
    ens_signable *s = example_signable();
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", "tok-secret");
    ens_signer *signer = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"bad nonce!");
    assert_int_equal(ens_signer_sign(signer, s, creds, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_non_null(strstr(err.description, "nonce"));
    assert_null(strstr(err.description, "bad nonce!"));
    assert_null(strstr(err.description, "YourAccessKeySecret"));
    assert_null(strstr(err.description, "tok-secret"));
    assert_null(ens_signable_header(s, "authorization"));
    assert_null(ens_signable_header(s, "x-acs-security-token"));

    ens_signable_set_nonce_source(s, nonce_fails, NULL);
    assert_int_equal(ens_signer_sign(signer, s, creds, &err), ENS_ETRANSPORT);
    assert_int_equal(err.status, ENS_ETRANSPORT);
    assert_null(ens_signable_header(s, "authorization"));

    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

static void test_default_clock_and_nonce(void **state)
{
    ens_signable *s = NULL;
    char a[65], b[65];
    time_t before, now, after;
    size_t i;
    (void)state;

    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", ""), ENS_OK);
    before = time(NULL);
    now = ens_signable_now(s);
    after = time(NULL);
    assert_true(now >= before && now <= after);

    assert_int_equal(ens_signable_nonce(s, a), ENS_OK);
    assert_int_equal(ens_signable_nonce(s, b), ENS_OK);
    assert_int_equal(strlen(a), 32);
    for (i = 0; i < 32; i++)
        assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    assert_string_not_equal(a, b);

    /* Back to the defaults after a pinned source. */
    ens_signable_set_nonce_source(s, ts_nonce_text, (void *)"pinned");
    ens_signable_set_clock(s, ts_pins_clock, &ex_pins);
    assert_int_equal(ens_signable_now(s), EX_TIME);
    ens_signable_set_nonce_source(s, NULL, NULL);
    ens_signable_set_clock(s, NULL, NULL);
    assert_int_equal(ens_signable_nonce(s, a), ENS_OK);
    assert_int_equal(strlen(a), 32);
    assert_true(ens_signable_now(s) >= before);
    ens_signable_free(s);
}

static void test_default_signing_uses_fresh_nonce(void **state)
{
    ens_signable *s = NULL;
    ens_credentials *creds = make_creds("id", "secret", NULL);
    ens_signer *signer = NULL;
    char first[65];
    const char *date;
    (void)state;

    assert_int_equal(ens_signable_new(&s, "POST", "ens.aliyuncs.com", "/", ""), ENS_OK);
    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);
    snprintf(first, sizeof(first), "%s", ens_signable_header(s, "x-acs-signature-nonce"));
    assert_int_equal(strlen(first), 32);
    date = ens_signable_header(s, "x-acs-date");
    assert_int_equal(strlen(date), 20);
    assert_true(date[4] == '-' && date[10] == 'T' && date[19] == 'Z');
    assert_int_equal(ens_signer_sign(signer, s, creds, NULL), ENS_OK);
    assert_string_not_equal(first, ens_signable_header(s, "x-acs-signature-nonce"));

    ens_signer_free(signer);
    ens_credentials_release(creds);
    ens_signable_free(s);
}

/* ------------------------------------------------------------------------ */
/* The HMAC state keyed once per credentials object                          */

static void test_precomputed_hmac_worked_example(void **state)
{
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", NULL);
    ens_credentials *long_key;
    char key[101], sig[65];
    (void)state;

    /* The published example's signature from the state kept in the credentials. */
    ens__acs3_signature_creds(creds, EX_STRING_TO_SIGN, strlen(EX_STRING_TO_SIGN), sig);
    assert_string_equal(sig, EX_SIGNATURE);
    /* ... again (the kept state is copied, not consumed) */
    ens__acs3_signature_creds(creds, EX_STRING_TO_SIGN, strlen(EX_STRING_TO_SIGN), sig);
    assert_string_equal(sig, EX_SIGNATURE);
    ens_credentials_release(creds);

    /* A key longer than the SHA-256 block, as in test_hmac_long_key. */
    memset(key, 'K', 100);
    key[100] = '\0';
    long_key = make_creds("id", key, "token");
    ens__acs3_signature_creds(long_key, EX_STRING_TO_SIGN, strlen(EX_STRING_TO_SIGN), sig);
    assert_string_equal(sig, "f642506b39a06e85077ed683ecc7179251c32c9f95926aa2f87b624bf465baea");
    assert_string_equal(ens_credentials_access_key_secret(long_key), key);
    ens_credentials_release(long_key);
}

/* ------------------------------------------------------------------------ */
/* The signing date without gmtime_r/strftime                                */

static void check_date(time_t t)
{
    char got[32], want[64];
    struct tm tm;
    int rc = ens__acs3_date(t, got);
    if (t == (time_t)-1) {
        assert_int_equal(rc, -1);
        return;
    }
    assert_non_null(gmtime_r(&t, &tm));
    assert_true(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
    assert_int_equal(rc, 0);
    assert_string_equal(got, want);
}

static void test_acs3_date(void **state)
{
    static const long long fixed[] = {
        0, 1, 59, 60, 3599, 3600, 86399, 86400, 1698315752 /* the worked example */,
        68169599 /* 1972-02-29T23:59:59Z */, 68169600, 951782399, 951782400 /* 2000-02-29 */,
        951868800, 978307199, 978307200, 1709164800 /* 2024-02-29 */, 2147483647, 2147483648LL,
        4107456000LL /* 2100-02-28 */, 4107542400LL /* 2100-03-01: no 29th */,
        13574563200LL /* 2400-02-29 */, 253402300799LL /* 9999-12-31T23:59:59Z */,
        253402300800LL /* year 10000: the C library's answer */, -1, -2, -86400, -86401};
    unsigned long long x = 88172645463325252ULL;
    size_t i;
    char out[32];
    (void)state;

    assert_int_equal(ens__acs3_date((time_t)1698315752, out), 0);
    assert_string_equal(out, "2023-10-26T10:22:32Z");
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check_date((time_t)fixed[i]);
    /* every day boundary of 1999..2001 and pseudo-random instants up to 9999 */
    for (i = 0; i < 3 * 366; i++)
        check_date((time_t)(915148800LL + (long long)i * 86400 - 1));
    for (i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_date((time_t)(x % 253402300800ULL));
    }
}

/* ------------------------------------------------------------------------ */
/* The default nonces: a per-thread pool of random bytes                     */

static int cmp_nonce(const void *a, const void *b) { return strcmp(a, b); }

/* n default nonces into out[n][65]; each 32 lowercase hex digits. */
static void draw_nonces(char (*out)[65], size_t n)
{
    ens_signable *s = NULL;
    size_t i, j;
    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", ""), ENS_OK);
    for (i = 0; i < n; i++) {
        assert_int_equal(ens_signable_nonce(s, out[i]), ENS_OK);
        assert_int_equal(strlen(out[i]), 32);
        for (j = 0; j < 32; j++)
            assert_true((out[i][j] >= '0' && out[i][j] <= '9') ||
                        (out[i][j] >= 'a' && out[i][j] <= 'f'));
    }
    ens_signable_free(s);
}

static void assert_all_distinct(char (*v)[65], size_t n)
{
    size_t i;
    qsort(v, n, sizeof(*v), cmp_nonce);
    for (i = 1; i < n; i++)
        assert_string_not_equal(v[i - 1], v[i]);
}

static void test_nonce_pool_distinct(void **state)
{
    enum { N = 5000 }; /* about 78 refills of the pool */
    char (*v)[65] = calloc(N, sizeof(*v));
    (void)state;
    assert_non_null(v);
    draw_nonces(v, N);
    assert_all_distinct(v, N);
    free(v);
}

typedef struct nonce_thread {
    char (*out)[65];
    size_t n;
} nonce_thread;

static void *nonce_worker(void *p)
{
    nonce_thread *t = p;
    ens_signable *s = NULL;
    size_t i;
    if (ens_signable_new(&s, "POST", "h", "/", "") != ENS_OK)
        return NULL;
    for (i = 0; i < t->n; i++)
        if (ens_signable_nonce(s, t->out[i]) != ENS_OK)
            t->out[i][0] = '\0';
    ens_signable_free(s);
    return NULL;
}

static void test_nonce_pool_threads(void **state)
{
    enum { T = 4, PER = 700 };
    char (*v)[65] = calloc(T * PER + PER, sizeof(*v));
    pthread_t th[T];
    nonce_thread args[T];
    size_t i;
    (void)state;
    assert_non_null(v);
    draw_nonces(v + T * PER, 10); /* this thread's pool is filled too */
    for (i = 0; i < T; i++) {
        args[i].out = v + i * PER;
        args[i].n = PER;
        assert_int_equal(pthread_create(&th[i], NULL, nonce_worker, &args[i]), 0);
    }
    draw_nonces(v + T * PER + 10, PER - 10);
    for (i = 0; i < T; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (i = 0; i < T * PER + PER; i++)
        assert_int_equal(strlen(v[i]), 32);
    assert_all_distinct(v, T * PER + PER);
    free(v);
}

static void test_nonce_pool_fork(void **state)
{
    enum { N = 100 }; /* more than the 63 nonces left in the copied pool */
    char (*v)[65] = calloc(2 * N + 1, sizeof(*v));
    int fds[2];
    pid_t pid;
    size_t got = 0;
    int status = 0;
    (void)state;
    assert_non_null(v);

    /* Fill this thread's pool and use one nonce: the child inherits the rest. */
    draw_nonces(v + 2 * N, 1);
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char (*mine)[65] = calloc(N, sizeof(*mine));
        ens_signable *s = NULL;
        size_t i, off = 0;
        int ok = mine && ens_signable_new(&s, "POST", "h", "/", "") == ENS_OK;
        close(fds[0]);
        for (i = 0; ok && i < N; i++)
            ok = ens_signable_nonce(s, mine[i]) == ENS_OK;
        while (ok && off < N * sizeof(*mine)) {
            ssize_t w = write(fds[1], (char *)mine + off, N * sizeof(*mine) - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        ens_signable_free(s);
        free(mine);
        free(v); /* the parent's, copied: nothing is left to a leak checker */
        _exit(ok && off == N * sizeof(*mine) ? 0 : 1);
    }
    close(fds[1]);
    draw_nonces(v, N); /* the parent's next nonces */
    while (got < N * sizeof(*v)) {
        ssize_t r = read(fds[0], (char *)(v + N) + got, N * sizeof(*v) - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(got, N * sizeof(*v));
    /* parent's, child's and the one before the fork: no nonce twice */
    assert_all_distinct(v, 2 * N + 1);
    free(v);
}

/* ------------------------------------------------------------------------ */
/* Replacing header values in place                                          */

static void test_header_replacement_lengths(void **state)
{
    ens_signable *s = NULL;
    size_t count;
    (void)state;
    assert_int_equal(ens_signable_new(&s, "POST", "h", "/", ""), ENS_OK);
    assert_int_equal(ens_signable_set_header(s, "X-Acs-Thing", "abcdef"), ENS_OK);
    count = ens_signable_header_count(s);
    assert_int_equal(ens_signable_set_header(s, "x-acs-thing", "uvwxyz"), ENS_OK); /* same length */
    assert_string_equal(ens_signable_header(s, "x-acs-thing"), "uvwxyz");
    assert_int_equal(ens_signable_set_header(s, "x-acs-thing", "xy"), ENS_OK); /* shorter */
    assert_string_equal(ens_signable_header(s, "X-ACS-THING"), "xy");
    assert_int_equal(ens_signable_set_header(s, "x-acs-thing", "0123456789"), ENS_OK); /* longer */
    assert_string_equal(ens_signable_header(s, "x-acs-thing"), "0123456789");
    assert_int_equal(ens_signable_set_header(s, "x-acs-thing", ""), ENS_OK);
    assert_string_equal(ens_signable_header(s, "x-acs-thing"), "");
    /* the value's own storage passed back in */
    assert_int_equal(ens_signable_set_header(s, "x-acs-thing", "0123456789"), ENS_OK);
    assert_int_equal(
        ens_signable_set_header(s, "x-acs-thing", ens_signable_header(s, "x-acs-thing") + 3), ENS_OK);
    assert_string_equal(ens_signable_header(s, "x-acs-thing"), "3456789");
    assert_int_equal(ens_signable_header_count(s), count);
    ens_signable_free(s);
}

/* ------------------------------------------------------------------------ */
/* ens__buf_printf: into the spare capacity, or grown                        */

static void test_buf_printf(void **state)
{
    ens__buf b = ENS__BUF_INIT;
    char big[300];
    (void)state;
    assert_int_equal(ens__buf_printf(&b, "%s-%d", "ab", 42), 0); /* first allocation */
    assert_string_equal(ens__buf_cstr(&b), "ab-42");
    assert_int_equal(ens__buf_grow(&b, 100), 0);
    assert_int_equal(ens__buf_printf(&b, "|%05d|", 7), 0); /* fits in the spare room */
    assert_string_equal(ens__buf_cstr(&b), "ab-42|00007|");
    assert_int_equal(b.len, 12);
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(ens__buf_printf(&b, "<%s>", big), 0); /* does not fit: grown */
    assert_int_equal(b.len, 12 + 2 + 299);
    assert_int_equal(strncmp(ens__buf_cstr(&b), "ab-42|00007|<qqq", 16), 0);
    assert_int_equal(b.ptr[b.len - 1], '>');
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(ens__buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 12 + 2 + 299);
    ens__buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* One signer, many threads                                                  */

typedef struct thread_arg {
    ens_signer *signer;
    ens_credentials *creds;
    int ok;
} thread_arg;

static void *sign_many(void *p)
{
    thread_arg *a = p;
    int i;
    a->ok = 1;
    for (i = 0; i < 50; i++) {
        ens_signable *s = NULL;
        const char *auth;
        if (ens_signable_new(&s, "POST", EX_HOST, "/", EX_QUERY) != ENS_OK) {
            a->ok = 0;
            break;
        }
        ens_signable_set_header(s, "x-acs-action", "RunInstances");
        ens_signable_set_header(s, "x-acs-version", "2014-05-26");
        ens_signable_set_clock(s, ts_pins_clock, &ex_pins);
        ens_signable_set_nonce_source(s, ts_pins_nonce, &ex_pins);
        if (ens_signer_sign(a->signer, s, a->creds, NULL) != ENS_OK ||
            !(auth = ens_signable_header(s, "authorization")) || strcmp(auth, EX_AUTHORIZATION) != 0)
            a->ok = 0;
        ens_signable_free(s);
    }
    return NULL;
}

static void test_concurrent_signing(void **state)
{
    enum { N = 4 };
    pthread_t th[N];
    thread_arg args[N];
    ens_signer *signer = NULL;
    ens_credentials *creds = make_creds("YourAccessKeyId", "YourAccessKeySecret", NULL);
    int i;
    (void)state;

    assert_int_equal(ens_signer_acs3_new(&signer), ENS_OK);
    for (i = 0; i < N; i++) {
        args[i].signer = signer;
        args[i].creds = creds;
        args[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, sign_many, &args[i]), 0);
    }
    for (i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].ok, 1);
    }
    ens_signer_free(signer);
    ens_credentials_release(creds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_empty_body_hash),
        cmocka_unit_test(test_hmac_long_key),
        cmocka_unit_test(test_canonicalisation_sts_and_body),
        cmocka_unit_test(test_resign_drops_stale_token),
        cmocka_unit_test(test_content_type_absent_not_signed),
        cmocka_unit_test(test_custom_signer_wraps_acs3),
        cmocka_unit_test(test_custom_signer_error_is_described),
        cmocka_unit_test(test_signer_null_args),
        cmocka_unit_test(test_signable_args),
        cmocka_unit_test(test_nonce_validation),
        cmocka_unit_test(test_sign_with_bad_nonce),
        cmocka_unit_test(test_default_clock_and_nonce),
        cmocka_unit_test(test_default_signing_uses_fresh_nonce),
        cmocka_unit_test(test_concurrent_signing),
        cmocka_unit_test(test_precomputed_hmac_worked_example),
        cmocka_unit_test(test_acs3_date),
        cmocka_unit_test(test_nonce_pool_distinct),
        cmocka_unit_test(test_nonce_pool_threads),
        cmocka_unit_test(test_nonce_pool_fork),
        cmocka_unit_test(test_header_replacement_lengths),
        cmocka_unit_test(test_buf_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
