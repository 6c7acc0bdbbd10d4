/* SPDX-License-Identifier: MIT */
/* Rules at their edges, each found unheld by the mutation check
 * (tools/mutate.sh): which failures are retried (every 5xx status, and the
 * Throttling* and ServiceUnavailable codes whatever the status), the
 * response-body cap (one byte more than the cap is refused), a growing
 * body wiping the block it gives up (a body may be a credentials document),
 * and a latency equal to a bucket's bound counting in that bucket. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/retry.h"
#include "metrics/metrics.h"

static bool retryable(ens_status st, long http_status, const char *code)
{
    ens_error e = ENS_ERROR_INIT;
    e.status = st;
    e.http_status = http_status;
    snprintf(e.code, sizeof(e.code), "%s", code);
    return ens__retry_is_retryable(st, &e, NULL);
}

static void test_retryable_statuses(void **state)
{
    (void)state;
    /* every 5xx, with or without a service code */
    assert_true(retryable(ENS_EHTTP, 500, ""));
    assert_true(retryable(ENS_ESERVICE, 500, "SomethingElse"));
    assert_true(retryable(ENS_EHTTP, 502, ""));
    assert_true(retryable(ENS_EHTTP, 599, ""));
    /* ... and nothing else by its status alone */
    assert_false(retryable(ENS_EHTTP, 499, ""));
    assert_false(retryable(ENS_EHTTP, 600, ""));
    assert_false(retryable(ENS_ESERVICE, 400, "InvalidParameter"));
}

static void test_retryable_codes(void **state)
{
    (void)state;
    /* a code says "retry" whatever the status it came with */
    assert_true(retryable(ENS_ESERVICE, 400, "ServiceUnavailable"));
    assert_true(retryable(ENS_ESERVICE, 400, "InternalError"));
    assert_true(retryable(ENS_ESERVICE, 400, "Throttling"));
    assert_true(retryable(ENS_ESERVICE, 400, "Throttling.User"));
    assert_true(retryable(ENS_ESERVICE, 400, "Throttling.Api"));
    assert_true(retryable(ENS_ESERVICE, 429, "Throttling.Tenant"));
    assert_false(retryable(ENS_ESERVICE, 400, "Throttle"));
    assert_false(retryable(ENS_ESERVICE, 400, "ServiceUnavailableX"));
    /* not a service answer at all: never retried by its code */
    assert_false(retryable(ENS_EINVAL, 400, "Throttling.User"));
}

static void test_body_cap_edge(void **state)
{
    static const char bytes[] = "0123456789AB";
    ens_http_response *r = NULL;
    (void)state;
    /* one append: exactly the cap fits, one byte more does not */
    assert_int_equal(ens_http_response_new(&r, 10), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, bytes, 11), ENS_ETOOLARGE);
    assert_int_equal(ens_http_response_append_body(r, bytes, 10), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, bytes, 1), ENS_ETOOLARGE);
    ens_http_response_free(r);
    /* in pieces: the same limit */
    assert_int_equal(ens_http_response_new(&r, 10), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, bytes, 6), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, bytes, 5), ENS_ETOOLARGE);
    assert_int_equal(ens_http_response_append_body(r, bytes, 4), ENS_OK);
    ens_http_response_free(r);
}

/* An allocator that remembers block sizes and, when a block is freed, whether
 * it still held NEEDLE.  Single-threaded use only. */
#define NEEDLE "growth-SECRET-5e1d"
static struct {
    void *p;
    size_t size;
} blocks[64];
static int needle_freed;

static void *n_malloc(void *payload, size_t size)
{
    void *p = malloc(size);
    size_t i;
    (void)payload;
    for (i = 0; p && i < sizeof(blocks) / sizeof(blocks[0]); i++)
        if (!blocks[i].p) {
            blocks[i].p = p;
            blocks[i].size = size;
            break;
        }
    return p;
}

static void n_free(void *payload, void *p)
{
    size_t i, k, n = strlen(NEEDLE);
    (void)payload;
    for (i = 0; p && i < sizeof(blocks) / sizeof(blocks[0]); i++)
        if (blocks[i].p == p) {
            for (k = 0; k + n <= blocks[i].size; k++)
                if (memcmp((char *)p + k, NEEDLE, n) == 0)
                    needle_freed++;
            blocks[i].p = NULL;
        }
    free(p);
}

static void *n_realloc(void *payload, void *p, size_t size)
{
    (void)payload;
    (void)p;
    (void)size;
    fail_msg("the response body grew by realloc");
    return NULL;
}

static void test_body_growth_wipes(void **state)
{
    static const ens_allocator a = {.version = ENS_ALLOCATOR_VERSION, .malloc_fn = n_malloc,
                                    .realloc_fn = n_realloc, .free_fn = n_free};
    char filler[300];
    ens_http_response *r = NULL;
    (void)state;
    memset(filler, 'x', sizeof(filler));
    needle_freed = 0;
    assert_int_equal(ens_set_allocator(&a), ENS_OK);
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, NEEDLE, strlen(NEEDLE)), ENS_OK);
    /* the body moves to a larger block, twice */
    assert_int_equal(ens_http_response_append_body(r, filler, 100), ENS_OK);
    assert_int_equal(ens_http_response_append_body(r, filler, sizeof(filler)), ENS_OK);
    assert_int_equal(needle_freed, 0);
    ens_http_response_free(r);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
}

/* Bucket i holds durations up to and including its bound (<= bound). */
static void test_latency_bucket_bounds(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i + 1 < ENS_METRICS_LATENCY_BUCKETS; i++) {
        long bound = ens_metrics_latency_bound_ms(i);
        ens__metrics m;
        ens_metrics out;
        memset(&m, 0, sizeof(m));
        ens_metrics_init(&out);
        ens__metrics_call_done(&m, ENS_OK, bound);
        ens__metrics_read(&m, &out);
        if (out.latency_buckets[i] != 1 || (i > 0 && out.latency_buckets[i - 1] != 0))
            fail_msg("a call of %ld ms is not counted in the bucket of bound %ld ms", bound, bound);
        memset(&m, 0, sizeof(m));
        ens__metrics_call_done(&m, ENS_OK, bound + 1);
        ens__metrics_read(&m, &out);
        if (out.latency_buckets[i] != 0 || out.latency_buckets[i + 1] != 1)
            fail_msg("a call of %ld ms is counted in the bucket of bound %ld ms", bound + 1, bound);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retryable_statuses),
        cmocka_unit_test(test_retryable_codes),
        cmocka_unit_test(test_body_cap_edge),
        cmocka_unit_test(test_body_growth_wipes),
        cmocka_unit_test(test_latency_bucket_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
