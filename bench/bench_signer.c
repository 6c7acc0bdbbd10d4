/* SPDX-License-Identifier: MIT */
/* Benchmark 2: signatures per second, one thread.
 *
 * A typical request as the client builds it (POST /, host, canonical query
 * with a region filter and paging, x-acs-action, x-acs-version, accept,
 * user-agent), signed with ACS3-HMAC-SHA256 using the system clock and
 * libsodium nonces, as in production.  Two figures:
 *   sign        ens_signer_sign() on one signable, again and again (each
 *               signature replaces the previous date, nonce and authorization)
 *   build+sign  per signature: ens_signable_new(), the four headers,
 *               ens_signer_sign(), ens_signable_free() -- the client's own
 *               per-call signing work
 * Target: >= 250,000 signatures/s.  Never asserts timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define HOST "ens.aliyuncs.com"
#define QUERY "EnsRegionId=cn-xian-unicom&PageNumber=1&PageSize=100"

static ens_signable *make_signable(void)
{
    ens_signable *s = NULL;
    if (ens_signable_new(&s, "POST", HOST, "/", QUERY) != ENS_OK ||
        ens_signable_set_header(s, "x-acs-action", "DescribeNetworkPeerConnections") != ENS_OK ||
        ens_signable_set_header(s, "x-acs-version", "2017-11-10") != ENS_OK ||
        ens_signable_set_header(s, "accept", "application/json") != ENS_OK ||
        ens_signable_set_header(s, "user-agent", "ensclient/" ENS_VERSION_STRING) != ENS_OK) {
        fprintf(stderr, "bench_signer: cannot build the signable\n");
        exit(1);
    }
    return s;
}

static void check_signed(const ens_signable *s)
{
    const char *a = ens_signable_header(s, "authorization");
    if (!a || strncmp(a, "ACS3-HMAC-SHA256 Credential=", 28) != 0 ||
        !ens_signable_header(s, "x-acs-signature-nonce") || !ens_signable_header(s, "x-acs-date")) {
        fprintf(stderr, "bench_signer: the request was not signed\n");
        exit(1);
    }
}

/* Runs batches until min_s seconds passed (or exactly min_iter iterations
 * in quick mode); returns signatures per second. */
static double run(ens_signer *signer, const ens_credentials *creds, bool rebuild, double min_s,
                  size_t min_iter)
{
    ens_signable *s = rebuild ? NULL : make_signable();
    size_t n = 0, i;
    double t0 = bench_now(), t;
    for (;;) {
        for (i = 0; i < 256; i++) {
            ens_error err = ENS_ERROR_INIT;
            if (rebuild)
                s = make_signable();
            if (ens_signer_sign(signer, s, creds, &err) != ENS_OK) {
                fprintf(stderr, "bench_signer: signing failed: %s\n", err.description);
                exit(1);
            }
            if (rebuild) {
                if (n == 0 && i == 0)
                    check_signed(s);
                ens_signable_free(s);
                s = NULL;
            }
        }
        n += 256;
        t = bench_now() - t0;
        if (t >= min_s && n >= min_iter)
            break;
    }
    if (!rebuild) {
        check_signed(s);
        ens_signable_free(s);
    }
    return (double)n / t;
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t reps = quick ? 1 : 7, r;
    double min_s = quick ? 0.0 : 0.5;
    size_t min_iter = quick ? 512 : 0;
    double sign_v[7], build_v[7], sign_med, build_med;
    ens_signer *signer = NULL;
    ens_credentials *creds = NULL;

    if (ens_signer_acs3_new(&signer) != ENS_OK ||
        ens_credentials_new(&creds, "LTAI5tBenchmarkKeyId00000", "BenchmarkSecret0000000000000000",
                            NULL, 0) != ENS_OK) {
        fprintf(stderr, "bench_signer: cannot create the signer or the credentials\n");
        return 1;
    }
    printf("bench_signer: ACS3-HMAC-SHA256, one thread, %s mode\n", quick ? "quick" : "full");
    run(signer, creds, false, min_s / 5, min_iter); /* warm-up */
    for (r = 0; r < reps; r++) {
        sign_v[r] = run(signer, creds, false, min_s, min_iter);
        build_v[r] = run(signer, creds, true, min_s, min_iter);
        printf("  rep %zu  sign %.0f/s  build+sign %.0f/s\n", r + 1, sign_v[r], build_v[r]);
    }
    sign_med = bench_median(sign_v, reps);
    build_med = bench_median(build_v, reps);
    printf("sign only:  %.0f signatures/s (%.2f us each), median of %zu\n", sign_med, 1e6 / sign_med,
           reps);
    printf("build+sign: %.0f signatures/s (%.2f us each), median of %zu; target >= 250000\n",
           build_med, 1e6 / build_med, reps);
    bench_result("signer.sign", sign_med, "sig/s");
    bench_result("signer.build_sign", build_med, "sig/s");
    ens_credentials_release(creds);
    ens_signer_free(signer);
    return 0;
}
