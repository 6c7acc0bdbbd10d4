/* SPDX-License-Identifier: MIT */
/* Credentials objects and the static, environment and callback providers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "credentials/internal.h"
#include "ensclient/ensclient.h"

static void test_new_and_accessors(void **state)
{
    ens_credentials *c = NULL;
    (void)state;
    assert_int_equal(ens_credentials_new(&c, "AKID", "SECRET", NULL, 0), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "AKID");
    assert_string_equal(ens_credentials_access_key_secret(c), "SECRET");
    assert_null(ens_credentials_security_token(c));
    assert_int_equal(ens_credentials_expiration(c), 0);
    assert_ptr_equal(ens_credentials_acquire(c), c);
    ens_credentials_release(c);
    /* still alive after one release */
    assert_string_equal(ens_credentials_access_key_id(c), "AKID");
    ens_credentials_release(c);
    ens_credentials_release(NULL);
}

static void test_new_copies_input(void **state)
{
    char secret[] = "copied-secret";
    ens_credentials *c = NULL;
    (void)state;
    assert_int_equal(ens_credentials_new(&c, "id", secret, "tok", 1234), ENS_OK);
    memset(secret, 'x', sizeof(secret) - 1);
    assert_string_equal(ens_credentials_access_key_secret(c), "copied-secret");
    assert_string_equal(ens_credentials_security_token(c), "tok");
    assert_int_equal(ens_credentials_expiration(c), 1234);
    ens_credentials_release(c);
}

static void test_new_rejects_bad_input(void **state)
{
    ens_credentials *c = NULL;
    (void)state;
    assert_int_equal(ens_credentials_new(NULL, "a", "b", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, NULL, "b", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "", "b", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "a", "", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "a", NULL, NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "a\r\n", "b", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "a", "b\n", NULL, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_new(&c, "a", "b", "t\r", 0), ENS_EINVAL);
    assert_null(c);
    /* an empty token means long-term keys */
    assert_int_equal(ens_credentials_new(&c, "a", "b", "", 0), ENS_OK);
    assert_null(ens_credentials_security_token(c));
    ens_credentials_release(c);
}

static void test_static_provider(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *a = NULL, *b = NULL;
    (void)state;
    assert_int_equal(ens_credentials_provider_static_new(&p, "id", "secret", "sts"), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &a, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &b, NULL), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(a), "id");
    assert_string_equal(ens_credentials_security_token(b), "sts");
    ens_credentials_provider_free(p);
    /* references outlive the provider */
    assert_string_equal(ens_credentials_access_key_secret(a), "secret");
    ens_credentials_release(a);
    ens_credentials_release(b);
    assert_int_equal(ens_credentials_provider_static_new(&p, "", "secret", NULL), ENS_EINVAL);
}

static void test_env_provider(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_env_new(&p), ENS_OK);

    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    assert_int_equal(err.status, ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ACCESS_KEY_ID"));
    assert_null(c);

    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"));

    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-value", 1);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "env-id");
    assert_string_equal(ens_credentials_access_key_secret(c), "env-secret-value");
    assert_null(ens_credentials_security_token(c));
    ens_credentials_release(c);
    c = NULL;

    setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token", 1);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_security_token(c), "env-token");
    ens_credentials_release(c);
    c = NULL;

    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "bad\nsecret", 1);
    ens_error_init(&err);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(strstr(err.description, "bad"));

    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
    ens_credentials_provider_free(p);
}

typedef struct cb_state {
    int calls;
    int destroyed;
    ens_status fail_with;
} cb_state;

static ens_status cb_get(void *ctx, ens_credentials **out, ens_error *err)
{
    cb_state *s = ctx;
    (void)err;
    s->calls++;
    if (s->fail_with != ENS_OK)
        return s->fail_with;
    return ens_credentials_new(out, "cb-id", "cb-secret", NULL, 0);
}

static void cb_destroy(void *ctx) { ((cb_state *)ctx)->destroyed++; }

static ens_status cb_get_nothing(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)out;
    (void)err;
    return ENS_OK;
}

static void test_callback_provider(void **state)
{
    static const ens_credentials_provider_vtable vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = cb_get, .destroy = cb_destroy};
    static const ens_credentials_provider_vtable vt_nothing = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = cb_get_nothing};
    static const ens_credentials_provider_vtable vt_bad = {.version = 99, .get = cb_get};
    cb_state s = {0, 0, ENS_OK};
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(ens_credentials_provider_new(&p, &vt_bad, &s), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_new(&p, NULL, &s), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_new(&p, &vt, &s), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cb-id");
    ens_credentials_release(c);
    c = NULL;
    s.fail_with = ENS_ECREDENTIALS;
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    assert_int_equal(err.status, ENS_ECREDENTIALS);
    assert_true(strlen(err.description) > 0);
    assert_int_equal(s.calls, 2);
    ens_credentials_provider_free(p);
    assert_int_equal(s.destroyed, 1);

    assert_int_equal(ens_credentials_provider_new(&p, &vt_nothing, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_EINTERNAL);
    ens_credentials_provider_free(p);
}

/* The HMAC state keyed with the secret when the credentials are made gives
 * the MAC of a fresh HMAC-SHA256 with that key, for keys shorter than, as
 * long as and longer than the SHA-256 block. */
static void test_precomputed_hmac_state(void **state)
{
    static const size_t lens[] = {1, 19, 63, 64, 65, 100, 300};
    static const char msg[] = "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259";
    size_t i;
    (void)state;
    assert_true(sodium_init() >= 0);
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char key[301];
        unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256_state ref, copy, copy2;
        ens_credentials *c = NULL;
        size_t j;
        for (j = 0; j < lens[i]; j++)
            key[j] = (char)('A' + (j * 7 + i) % 26);
        key[lens[i]] = '\0';
        assert_int_equal(ens_credentials_new(&c, "id", key, i % 2 ? "tok" : NULL, 0), ENS_OK);
        assert_string_equal(ens_credentials_access_key_secret(c), key);

        crypto_auth_hmacsha256_init(&ref, (const unsigned char *)key, lens[i]);
        crypto_auth_hmacsha256_update(&ref, (const unsigned char *)msg, sizeof(msg) - 1);
        crypto_auth_hmacsha256_final(&ref, want);

        assert_true(ens__credentials_hmac_copy(c, &copy));
        crypto_auth_hmacsha256_update(&copy, (const unsigned char *)msg, sizeof(msg) - 1);
        crypto_auth_hmacsha256_final(&copy, got);
        assert_memory_equal(got, want, sizeof(want));
        /* the kept state is unchanged by the use of a copy */
        assert_true(ens__credentials_hmac_copy(c, &copy2));
        crypto_auth_hmacsha256_update(&copy2, (const unsigned char *)msg, sizeof(msg) - 1);
        crypto_auth_hmacsha256_final(&copy2, got);
        assert_memory_equal(got, want, sizeof(want));
        ens_credentials_release(c);
    }
    {
        crypto_auth_hmacsha256_state st;
        assert_false(ens__credentials_hmac_copy(NULL, &st));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_accessors),   cmocka_unit_test(test_new_copies_input),
        cmocka_unit_test(test_new_rejects_bad_input), cmocka_unit_test(test_static_provider),
        cmocka_unit_test(test_env_provider),        cmocka_unit_test(test_callback_provider),
        cmocka_unit_test(test_precomputed_hmac_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
