/* SPDX-License-Identifier: MIT */
/* Requests with many signed headers, verified by the in-tree mock server
 * (its own ACS3 code checks that SignedHeaders is sorted, complete and that
 * the signature matches).  The signer sorts up to 16 signed headers one way
 * and more another, and keeps up to 32 on the stack: both sorts and both
 * storages are exercised, through both drivers. */
#include <stdio.h>
#include <string.h>

#include "support/mock.h"

/* A signer that adds extra x-acs-* headers (in no order) and then lets
 * ACS3 sign, as a wrapping signer of a user would. */
typedef struct extra_headers {
    ens_signer *acs3;
    size_t count;
} extra_headers;

static ens_status extra_sign(void *ctx, ens_signable *req, const ens_credentials *creds, ens_error *err)
{
    extra_headers *x = ctx;
    size_t i;
    for (i = 0; i < x->count; i++) {
        char name[40], value[40];
        /* a permutation of 0..count-1 that is far from sorted */
        size_t k = (i * 7 + 3) % x->count;
        snprintf(name, sizeof(name), "x-acs-extra-%c%02zu", (char)('z' - (int)(k % 26)), k);
        snprintf(value, sizeof(value), " value %zu ", k); /* signed trimmed */
        if (ens_signable_set_header(req, name, value) != ENS_OK)
            return ENS_ENOMEM;
    }
    return ens_signer_sign(x->acs3, req, creds, err);
}

static void extra_destroy(void *ctx)
{
    extra_headers *x = ctx;
    ens_signer_free(x->acs3);
}

static const ens_signer_vtable extra_vt = {ENS_SIGNER_VTABLE_VERSION, extra_sign, extra_destroy};

static void test_many_signed_headers_verify(void **state)
{
    /* The client signs 6 headers of its own (host, x-acs-action, -version,
       -date, -signature-nonce, -content-sha256) among 8 (accept and
       user-agent unsigned): 10 extras are 16 signed headers (the small
       sort), 11 are 17 (the other), 24 keep 32 headers on the stack, 25 and
       40 take the heap. */
    static const size_t extras[] = {0, 10, 11, 24, 25, 40};
    ensmock_server *srv = ts_mock_start(NULL);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
        extra_headers x = {NULL, extras[i]};
        ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
        ens_client *c = NULL;
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        ensmock_stats stats;
        int d;
        assert_int_equal(ens_signer_acs3_new(&x.acs3), ENS_OK);
        assert_int_equal(ens_signer_new(&o.signer, &extra_vt, &x), ENS_OK);
        assert_int_equal(ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                                             ENSMOCK_DEMO_KEY_SECRET, NULL),
                         ENS_OK);
        o.endpoint = ensmock_url(srv);
        o.max_attempts = 1;
        assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
        for (d = 0; d < 2; d++) {
            ensmock_stats_reset(srv);
            if (ts_describe_by(d ? TS_ASYNC : TS_BLOCKING, c, &req, NULL, &resp, &err) != ENS_OK)
                fail_msg("%zu signed headers: %s", 6 + extras[i], err.description);
            ens_describe_response_free(resp);
            resp = NULL;
            ensmock_stats_get(srv, &stats);
            assert_int_equal(stats.ok, 1);
        }
        ens_client_free(c);
    }
    ensmock_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_signed_headers_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
