/* SPDX-License-Identifier: MIT */
/* Cancellation tokens triggered from real signal handlers, and the time
 * bounds of walks (ens_iterator_options version 3), over real loopback
 * sockets against the local mock server:
 * - a wait (a backoff sleep, the rate limiter) wakes at once, whether the
 *   handler runs on the waiting thread (poll(2) interrupted) or on another
 *   one (only the token's pipe can wake the waiter then);
 * - a blocking call and a sequential walk stop within libcurl's progress
 *   period; a parallel walk, waiting in its own poll loop, at once;
 * - a cancelled walk resumes after ens_cancel_reset() without skipping or
 *   repeating an item;
 * - a walk's deadline is final, a page's deadline is not.
 * (Leaks: this test runs under AddressSanitizer and valgrind in CI.) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "support/mock.h"
#include "util/cancel.h"

/* The token the handlers trigger: set before a handler is installed. */
static ens_cancel *volatile g_token;

static void on_signal(int sig)
{
    (void)sig;
    ens_cancel_trigger(g_token); /* all a handler may do: it is async-signal-safe */
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

/* SIGALRM to the process in ms milliseconds (whichever thread takes it). */
static void alarm_in(long ms)
{
    struct itimerval t;
    memset(&t, 0, sizeof(t));
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    install(SIGALRM);
    assert_int_equal(setitimer(ITIMER_REAL, &t, NULL), 0);
}

/* A thread that, after ms milliseconds, raises SIGUSR1 on itself: the handler
 * runs on that thread while the test's thread (which blocks SIGUSR1) waits. */
typedef struct raiser {
    pthread_t thread;
    long ms;
} raiser;

static void *raise_later(void *arg)
{
    raiser *r = arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    ts_sleep_ms(r->ms);
    raise(SIGUSR1);
    return NULL;
}

static void raiser_start(raiser *r, long ms)
{
    sigset_t s;
    install(SIGUSR1);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &s, NULL), 0); /* not on this thread */
    r->ms = ms;
    assert_int_equal(pthread_create(&r->thread, NULL, raise_later, r), 0);
}

static void raiser_join(raiser *r)
{
    sigset_t s;
    pthread_join(r->thread, NULL);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static ens_cancel *new_token(void)
{
    ens_cancel *c = NULL;
    assert_int_equal(ens_cancel_new(&c), ENS_OK);
    g_token = c;
    return c;
}

static void free_token(ens_cancel *c)
{
    struct itimerval off;
    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, NULL);
    g_token = NULL;
    ens_cancel_free(c);
}

/* ---- the token itself ---------------------------------------------------- */

static void test_wait_wakes_from_handler_on_this_thread(void **state)
{
    ens_cancel *c = new_token();
    double t0 = ts_now_ms();
    (void)state;
    alarm_in(100);
    assert_true(ens__cancel_wait(c, 10000));
    assert_true(ts_now_ms() - t0 < 1000);
    assert_true(ts_now_ms() - t0 >= 90);
    free_token(c);
}

static void test_wait_wakes_from_handler_on_another_thread(void **state)
{
    ens_cancel *c = new_token();
    raiser r;
    double t0 = ts_now_ms(), took;
    (void)state;
    raiser_start(&r, 100);
    assert_true(ens__cancel_wait(c, 10000));
    took = ts_now_ms() - t0;
    raiser_join(&r);
    assert_true(took >= 90);
    assert_true(took < 1000);
    free_token(c);
}

static void test_reset_leaves_no_stale_wakeup(void **state)
{
    ens_cancel *c = new_token();
    double t0;
    (void)state;
    ens_cancel_trigger(c);
    ens_cancel_trigger(c); /* idempotent: still one byte in the pipe */
    assert_true(ens_cancel_is_triggered(c));
    assert_true(ens__cancel_wait(c, 5000));
    ens_cancel_reset(c);
    assert_false(ens_cancel_is_triggered(c));
    t0 = ts_now_ms();
    assert_false(ens__cancel_wait(c, 80)); /* sleeps its full time again */
    assert_true(ts_now_ms() - t0 >= 75);
    ens_cancel_reset(c); /* resetting an untriggered token changes nothing */
    ens_cancel_trigger(c);
    assert_true(ens__cancel_wait(c, 5000));
    free_token(c);
}

static void test_errno_preserved(void **state)
{
    ens_cancel *c = new_token();
    (void)state;
    errno = EAGAIN;
    ens_cancel_trigger(c);
    assert_int_equal(errno, EAGAIN);
    free_token(c);
}

/* A handler that interrupts ens_cancel_trigger() itself, on the same thread,
 * and triggers again: with a lock inside the trigger this deadlocks. */
static atomic_bool g_worker_done;

static void *trigger_loop(void *arg)
{
    ens_cancel *c = arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    for (int i = 0; i < 20000; i++) {
        ens_cancel_trigger(c);
        if (i % 2)
            ens_cancel_reset(c); /* not from a handler: from the thread itself */
    }
    atomic_store(&g_worker_done, true);
    return NULL;
}

static void test_trigger_reentered_from_handler(void **state)
{
    ens_cancel *c = new_token();
    pthread_t worker;
    double t0 = ts_now_ms();
    unsigned long kills = 0;
    (void)state;
    install(SIGUSR1);
    atomic_store(&g_worker_done, false);
    assert_int_equal(pthread_create(&worker, NULL, trigger_loop, c), 0);
    while (!atomic_load(&g_worker_done)) {
        if (ts_now_ms() - t0 > 20000)
            fail_msg("the trigger loop is stuck after %lu signals", kills);
        pthread_kill(worker, SIGUSR1);
        kills++;
    }
    pthread_join(worker, NULL);
    assert_true(kills > 0);
    free_token(c);
}

/* ---- calls --------------------------------------------------------------- */

static void test_rate_limit_wait_cancelled_by_signal(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_client *client = NULL;
    ens_cancel *c = new_token();
    double t0, took;
    (void)state;
    o.endpoint = ensmock_url(srv);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                                         ENSMOCK_DEMO_KEY_SECRET, NULL),
                     ENS_OK);
    o.rate_limit_per_second = 0.1; /* one request, then ten seconds of waiting */
    assert_int_equal(ens_client_new(&client, &o, &err), ENS_OK);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    resp = NULL;
    co.cancel = c;
    t0 = ts_now_ms();
    alarm_in(150);
    assert_int_equal(ens_describe_peer_connections_ex(client, &req, &co, &resp, &err),
                     ENS_ECANCELED);
    took = ts_now_ms() - t0;
    assert_null(resp);
    assert_true(took >= 140);
    assert_true(took < 1000); /* not the rate limiter's ten seconds */
    ens_client_free(client);
    free_token(c);
    ensmock_stop(srv);
}

static void test_backoff_sleep_cancelled_from_another_thread(void **state)
{
    ensmock_faults f = {.throttle_first_n = 1000};
    ts_mock_options mo = {.faults = &f};
    ensmock_server *srv = ts_mock_start(&mo);
    ts_client_options tco = {.max_attempts = 5, .retry_base_delay_ms = 20000,
                             .retry_max_delay_ms = 20000, .timeout_ms = 60000};
    ens_client *client = ts_mock_client(srv, &tco);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_cancel *c = new_token();
    raiser r;
    double t0, took;
    (void)state;
    co.cancel = c;
    t0 = ts_now_ms();
    raiser_start(&r, 300);
    assert_int_equal(ens_describe_peer_connections_ex(client, &req, &co, &resp, &err),
                     ENS_ECANCELED);
    took = ts_now_ms() - t0;
    raiser_join(&r);
    assert_true(took < 2000); /* a backoff draw of up to 20 s was cut short */
    ens_client_free(client);
    free_token(c);
    ensmock_stop(srv);
}

/* ---- walks --------------------------------------------------------------- */

/* The InstanceIds yielded, in order, joined by spaces. */
typedef struct ids {
    char text[8192];
    size_t len, count;
} ids;

static void ids_add(ids *s, const char *id)
{
    int n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s ", id ? id : "-");
    assert_true(n > 0 && (size_t)n < sizeof(s->text) - s->len);
    s->len += (size_t)n;
    s->count++;
}

/* Every InstanceId of the mock's data set in walk order (page size 10). */
static void full_walk(ens_client *client, ids *out)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    memset(out, 0, sizeof(*out));
    req.page_size = 10;
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, NULL, &err), ENS_OK);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        ids_add(out, pc->instance_id);
    assert_int_equal(st, ENS_ITEROVER);
    ens_peer_iterator_free(it);
}

/* Walks at page size 10 with `parallel`; after the first page, the mock
 * answers slowly and a signal (SIGALRM, or SIGUSR1 on another thread)
 * triggers the token; the walk must stop within `within_ms`.  Then the token
 * is reset, the mock made fast again, and the walk must resume and list
 * exactly what a plain walk lists. */
static void cancel_and_resume(unsigned parallel, bool other_thread, double within_ms)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ts_client_options tco = {.max_attempts = 1, .timeout_ms = 30000};
    ens_client *client = ts_mock_client(srv, &tco);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ensmock_faults slow = {.delay_ms = 2500}, fast = {0};
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT;
    ens_cancel *c = new_token();
    ids want, got;
    raiser r;
    double t0, took;
    ens_status st;

    full_walk(client, &want);
    memset(&got, 0, sizeof(got));
    req.page_size = 10;
    io.parallel = parallel;
    io.cancel = c;
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, &io, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_OK); /* page 1 */
    ids_add(&got, pc->instance_id);
    assert_int_equal(ensmock_set_faults(srv, &slow), ENSMOCK_OK);
    t0 = ts_now_ms();
    if (other_thread)
        raiser_start(&r, 200);
    else
        alarm_in(200);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        ids_add(&got, pc->instance_id);
    took = ts_now_ms() - t0;
    if (other_thread)
        raiser_join(&r);
    assert_int_equal(st, ENS_ECANCELED);
    assert_int_equal(err.status, ENS_ECANCELED);
    assert_int_equal(got.count, 10); /* page 1, nothing more */
    if (took >= within_ms)
        fail_msg("the walk took %.0f ms to stop (limit %.0f ms)", took, within_ms);
    /* still triggered: every _next says so, and changes nothing */
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ECANCELED);
    assert_int_equal(ensmock_set_faults(srv, &fast), ENSMOCK_OK);
    ens_cancel_reset(c);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        ids_add(&got, pc->instance_id);
    assert_int_equal(st, ENS_ITEROVER);
    assert_string_equal(got.text, want.text);
    ens_peer_iterator_free(it);
    ens_client_free(client);
    free_token(c);
    ensmock_stop(srv);
}

/* Inside libcurl the token is seen at its progress callback, at least once a
 * second. */
static void test_sequential_walk_signal(void **state)
{
    (void)state;
    cancel_and_resume(0, false, 1800);
}

static void test_sequential_walk_signal_other_thread(void **state)
{
    (void)state;
    cancel_and_resume(0, true, 1800);
}

/* The parallel walk waits in its own poll loop, which polls the token too. */
static void test_parallel_walk_signal(void **state)
{
    (void)state;
    cancel_and_resume(4, false, 700);
}

static void test_parallel_walk_signal_other_thread(void **state)
{
    (void)state;
    cancel_and_resume(4, true, 700);
}

/* Items already fetched are not yielded while the token is triggered. */
static void test_buffered_items_wait_for_reset(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *client = ts_mock_client(srv, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT;
    ens_cancel *c = new_token();
    ensmock_stats before, after;
    size_t n = 1;
    ens_status st;
    (void)state;
    req.page_size = 10;
    io.cancel = c;
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, &io, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_OK);
    ensmock_stats_get(srv, &before);
    ens_cancel_trigger(c);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ECANCELED);
    assert_non_null(strstr(err.description, "reset the token"));
    ensmock_stats_get(srv, &after);
    assert_int_equal(after.requests, before.requests); /* nothing sent */
    ens_cancel_reset(c);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        n++;
    assert_int_equal(st, ENS_ITEROVER);
    assert_int_equal(n, ensmock_data_count(srv));
    ens_peer_iterator_free(it);
    ens_client_free(client);
    free_token(c);
    ensmock_stop(srv);
}

/* The walk's deadline ends it, finally, also mid-page; a page's deadline
 * fails that page only. */
static void deadline_walk(unsigned parallel)
{
    ensmock_faults slow = {.delay_ms = 400}, slower = {.delay_ms = 2000}, fast = {0};
    ts_mock_options mo = {.faults = &slow};
    ensmock_server *srv = ts_mock_start(&mo);
    ts_client_options tco = {.max_attempts = 1, .timeout_ms = 30000};
    ens_client *client = ts_mock_client(srv, &tco);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT, again = ENS_ERROR_INIT;
    size_t n = 0;
    double t0, took;
    ens_status st;

    req.page_size = 10;
    io.parallel = parallel;
    io.timeout_ms = 900; /* two and a bit slow pages one by one, two rounds in parallel */
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, &io, &err), ENS_OK);
    t0 = ts_now_ms();
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        n++;
    took = ts_now_ms() - t0;
    assert_int_equal(st, ENS_ETIMEOUT);
    assert_non_null(strstr(err.description, "walk's deadline"));
    if (took < 880 || took > 1600)
        fail_msg("the walk stopped after %.0f ms (deadline 900 ms)", took);
    assert_true(n < ensmock_data_count(srv));
    /* final, with the same details, even once the server is fast */
    assert_int_equal(ensmock_set_faults(srv, &fast), ENSMOCK_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &again), ENS_ETIMEOUT);
    assert_string_equal(again.description, err.description);
    ens_peer_iterator_free(it);

    /* a page deadline: that page fails, the walk goes on afterwards (a
       deadline generous enough for a fast page even under valgrind) */
    assert_int_equal(ensmock_set_faults(srv, &slower), ENSMOCK_OK);
    io.timeout_ms = 0;
    io.page_timeout_ms = 1000;
    n = 0;
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, &io, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ETIMEOUT);
    assert_null(strstr(err.description, "walk's deadline"));
    assert_int_equal(ensmock_set_faults(srv, &fast), ENSMOCK_OK);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        n++;
    assert_int_equal(st, ENS_ITEROVER);
    assert_int_equal(n, ensmock_data_count(srv));
    ens_peer_iterator_free(it);
    ens_client_free(client);
    ensmock_stop(srv);
}

static void test_walk_deadline_sequential(void **state)
{
    (void)state;
    deadline_walk(0);
}

static void test_walk_deadline_parallel(void **state)
{
    (void)state;
    deadline_walk(4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_wakes_from_handler_on_this_thread),
        cmocka_unit_test(test_wait_wakes_from_handler_on_another_thread),
        cmocka_unit_test(test_reset_leaves_no_stale_wakeup),
        cmocka_unit_test(test_errno_preserved),
        cmocka_unit_test(test_trigger_reentered_from_handler),
        cmocka_unit_test(test_rate_limit_wait_cancelled_by_signal),
        cmocka_unit_test(test_backoff_sleep_cancelled_from_another_thread),
        cmocka_unit_test(test_sequential_walk_signal),
        cmocka_unit_test(test_sequential_walk_signal_other_thread),
        cmocka_unit_test(test_parallel_walk_signal),
        cmocka_unit_test(test_parallel_walk_signal_other_thread),
        cmocka_unit_test(test_buffered_items_wait_for_reset),
        cmocka_unit_test(test_walk_deadline_sequential),
        cmocka_unit_test(test_walk_deadline_parallel),
    };
    ts_env_no_real_credentials();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
