/* SPDX-License-Identifier: MIT */
/* libcurl's global initialisation: curl_global_init() runs once per process,
 * however many libcurl transports are created and from however many threads
 * at once (before libcurl 7.84 the function is not thread-safe), and a failed
 * initialisation is retried by the next creation instead of being remembered.
 *
 * The program is linked with -Wl,--wrap=curl_global_init, so every call the
 * library makes lands in __wrap_curl_global_init() below first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "ensclient/ensclient.h"

CURLcode __real_curl_global_init(long flags);
CURLcode __wrap_curl_global_init(long flags);

static atomic_int calls;       /* every call the library made */
static atomic_int real_calls;  /* the ones passed on to libcurl */
static atomic_int inside;      /* calls under way right now */
static atomic_int overlapped;  /* set when two calls were under way at once */
static atomic_bool fail_next;  /* the next call fails without reaching libcurl */

CURLcode __wrap_curl_global_init(long flags)
{
    CURLcode rc;
    atomic_fetch_add(&calls, 1);
    if (atomic_fetch_add(&inside, 1) != 0)
        atomic_store(&overlapped, 1);
    if (atomic_exchange(&fail_next, false)) {
        rc = CURLE_FAILED_INIT;
    } else {
        /* Widen the window a concurrent caller would have to get in. */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        atomic_fetch_add(&real_calls, 1);
        rc = __real_curl_global_init(flags);
    }
    atomic_fetch_sub(&inside, 1);
    return rc;
}

#define THREADS 8
#define PER_THREAD 4

static void *create_some(void *arg)
{
    int i, *ok = arg;
    for (i = 0; i < PER_THREAD; i++) {
        ens_transport *t = NULL;
        if (ens_transport_curl_new(&t, NULL) == ENS_OK && t) {
            ens_transport_free(t);
            (*ok)++;
        }
    }
    return NULL;
}

static void test_failure_then_once_for_all_threads(void **state)
{
    pthread_t th[THREADS];
    int ok[THREADS] = {0};
    ens_transport *t = NULL;
    int i;
    (void)state;

    /* A failed initialisation is reported, and not remembered. */
    atomic_store(&fail_next, true);
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_ETRANSPORT);
    assert_null(t);
    assert_int_equal(atomic_load(&calls), 1);
    assert_int_equal(atomic_load(&real_calls), 0);

    /* Many transports from many threads at once: one initialisation. */
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, create_some, &ok[i]), 0);
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ok[i], PER_THREAD);
    }
    assert_int_equal(atomic_load(&real_calls), 1);
    assert_int_equal(atomic_load(&calls), 2);
    assert_int_equal(atomic_load(&overlapped), 0);

    /* And none for later ones. */
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
    ens_transport_free(t);
    assert_int_equal(atomic_load(&calls), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failure_then_once_for_all_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
