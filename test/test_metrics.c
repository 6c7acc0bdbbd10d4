/* SPDX-License-Identifier: MIT */
/* A client's counters (metrics.h): they equal what the local mock server
 * saw (requests, throttled and unavailable answers, body bytes) over
 * blocking, asynchronous and concurrent calls, with retries, failures and
 * refused calls; the bytes sent equal what the transport was handed; and
 * the Prometheus / OpenMetrics text of a snapshot. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support/mock.h"
#include "async/async_loop.h"

static ens_metrics metrics_of(const ens_client *c)
{
    ens_metrics m = ENS_METRICS_INIT;
    assert_int_equal(ens_client_metrics(c, &m), ENS_OK);
    return m;
}

static uint64_t sum(const uint64_t *v, size_t n)
{
    uint64_t s = 0;
    size_t i;
    for (i = 0; i < n; i++)
        s += v[i];
    return s;
}

static ens_status one_call(ens_client *c)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error e = ENS_ERROR_INIT;
    ens_status st;
    req.page_size = 20;
    st = ens_describe_peer_connections(c, &req, &resp, &e);
    ens_describe_response_free(resp);
    return st;
}

/* The counters always agree with the server's and with each other. */
static void assert_matches_mock(const ens_client *c, ensmock_server *srv)
{
    ens_metrics m = metrics_of(c);
    ensmock_stats ms;
    ensmock_stats_get(srv, &ms);
    assert_int_equal(m.attempts, ms.requests);
    assert_int_equal(m.throttled, ms.throttled);
    assert_int_equal(m.bytes_in, ms.body_bytes);
    assert_int_equal(m.calls_failed, sum(m.failures, ENS_METRICS_STATUSES));
    assert_int_equal(m.latency_buckets[ENS_METRICS_LATENCY_BUCKETS - 1], m.calls);
    /* every call that was not refused made one attempt plus one per retry */
    assert_int_equal(m.attempts, m.calls - m.failures[-ENS_EINVAL] + sum(m.retries, ENS_METRICS_RETRY_REASONS));
}

static void test_counts_equal_what_the_mock_saw(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 4, .retry_base_delay_ms = 1,
                                                            .retry_max_delay_ms = 5});
    ensmock_faults f;
    ens_metrics m;
    size_t i;
    (void)state;

    m = metrics_of(c);
    assert_int_equal(m.calls, 0);
    assert_int_equal(m.attempts, 0);

    /* 2 throttled answers and a 503, then success: 4 attempts, 3 retries */
    memset(&f, 0, sizeof(f));
    f.throttle_first_n = 2;
    f.unavailable_first_n = 1;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(one_call(c), ENS_OK);
    m = metrics_of(c);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.calls_failed, 0);
    assert_int_equal(m.attempts, 4);
    assert_int_equal(m.throttled, 2);
    assert_int_equal(m.retries[ENS_RETRY_THROTTLED], 2);
    assert_int_equal(m.retries[ENS_RETRY_UNAVAILABLE], 1);
    assert_true(m.bytes_in > 0 && m.bytes_out > 0);
    assert_matches_mock(c, srv);

    /* throttled every time: the call fails after 4 attempts */
    f.throttle_first_n = 100;
    f.unavailable_first_n = 0;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(one_call(c), ENS_ESERVICE);
    m = metrics_of(c);
    assert_int_equal(m.calls, 2);
    assert_int_equal(m.failures[-ENS_ESERVICE], 1);
    assert_int_equal(m.throttled, 6);
    assert_int_equal(m.retries[ENS_RETRY_THROTTLED], 5);
    assert_matches_mock(c, srv);

    /* refused before sending: counted as a call, no attempt */
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
    {
        ens_describe_request bad = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *resp = NULL;
        bad.page_size = 5;
        assert_int_equal(ens_describe_peer_connections(c, &bad, &resp, NULL), ENS_EINVAL);
    }
    m = metrics_of(c);
    assert_int_equal(m.calls, 3);
    assert_int_equal(m.failures[-ENS_EINVAL], 1);
    assert_matches_mock(c, srv);

    /* more successes */
    for (i = 0; i < 10; i++)
        assert_int_equal(one_call(c), ENS_OK);
    m = metrics_of(c);
    assert_int_equal(m.calls, 13);
    assert_int_equal(m.calls_failed, 2);
    assert_true(m.latency_sum_ms < 60000);
    assert_matches_mock(c, srv);
    ens_client_free(c);

    /* connections dropped: network retries, then a network failure.  (A new
       client: libcurl itself sends a request again once when a connection it
       reused turns out dead, which the mock would count.) */
    c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 4, .retry_base_delay_ms = 1,
                                                 .retry_max_delay_ms = 5});
    ensmock_stats_reset(srv);
    memset(&f, 0, sizeof(f));
    f.drop_connection = true;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(one_call(c), ENS_ENETWORK);
    m = metrics_of(c);
    assert_int_equal(m.attempts, 4);
    assert_int_equal(m.retries[ENS_RETRY_NETWORK], 3);
    assert_int_equal(m.failures[-ENS_ENETWORK], 1);
    assert_int_equal(m.bytes_in, 0);
    assert_matches_mock(c, srv);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* A call that outlasts its deadline: a timeout failure, and a timeout retry
 * when an attempt timed out before the call's deadline. */
static void test_timeouts(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 2, .retry_base_delay_ms = 1,
                                                            .retry_max_delay_ms = 1, .timeout_ms = 400});
    ensmock_faults f;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_metrics m;
    (void)state;

    memset(&f, 0, sizeof(f));
    f.delay_ms = 1000;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    co.timeout_ms = 300;
    assert_int_equal(ens_describe_peer_connections_ex(c, &req, &co, &resp, NULL), ENS_ETIMEOUT);
    m = metrics_of(c);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.failures[-ENS_ETIMEOUT], 1);
    assert_true(m.attempts >= 1);
    /* the whole call took at least its deadline: not in the buckets up to 250 ms */
    assert_int_equal(m.latency_buckets[5], 0);
    assert_int_equal(m.latency_buckets[ENS_METRICS_LATENCY_BUCKETS - 1], 1);
    assert_true(m.latency_sum_ms >= 300);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- bytes out: what the transport was handed ------------------------------ */

typedef struct counting {
    ens_transport *inner;
    uint64_t bytes;
} counting;

static ens_status counting_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                                ens_error *err)
{
    counting *k = ctx;
    size_t i;
    k->bytes += strlen(req->url) + req->body_len;
    for (i = 0; i < req->header_count; i++)
        k->bytes += strlen(req->headers[i].name) + strlen(req->headers[i].value);
    return ens_transport_send(k->inner, req, resp, err);
}

static void counting_destroy(void *ctx) { ens_transport_free(((counting *)ctx)->inner); }

static const ens_transport_vtable counting_vtable = {ENS_TRANSPORT_VTABLE_VERSION, counting_send,
                                                     counting_destroy};

static void test_bytes_out(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_curl_transport_options co = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    counting k = {NULL, 0};
    ens_transport *t = NULL;
    ens_client *c;
    int i;
    (void)state;

    assert_int_equal(ens_transport_curl_new(&k.inner, &co), ENS_OK);
    assert_int_equal(ens_transport_new(&t, &counting_vtable, &k), ENS_OK);
    c = ts_mock_client(srv, &(ts_client_options){.transport = t});
    for (i = 0; i < 5; i++)
        assert_int_equal(one_call(c), ENS_OK);
    assert_true(k.bytes > 5 * 200);
    assert_int_equal(metrics_of(c).bytes_out, k.bytes);
    assert_matches_mock(c, srv);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- asynchronous and concurrent calls --------------------------------------- */

static void on_done(ens_async_call *call, ens_status st, ens_describe_response *resp, const ens_error *err,
                    void *user)
{
    int *done = user;
    (void)call;
    (void)err;
    if (st == ENS_OK)
        ++*done;
    ens_describe_response_free(resp);
}

static void *calls_thread(void *arg)
{
    int i;
    for (i = 0; i < 25; i++)
        if (one_call(arg) != ENS_OK)
            return arg;
    return NULL;
}

static void test_async_and_threads(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.retry_base_delay_ms = 1, .retry_max_delay_ms = 2});
    ens__async_loop loop = ENS__ASYNC_LOOP_INIT;
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_async *a = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ensmock_faults f;
    pthread_t th[4];
    int done = 0, i;
    ens_metrics m;
    (void)state;

    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &loop;
    assert_int_equal(ens_async_new(&a, c, &ao, NULL), ENS_OK);
    memset(&f, 0, sizeof(f));
    f.throttle_first_n = 3;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    for (i = 0; i < 8; i++)
        assert_int_equal(ens_async_describe(a, &req, NULL, on_done, &done, NULL, NULL), ENS_OK);
    while (ens_async_pending(a))
        assert_int_equal(ens__async_loop_run_once(&loop, a, 100), ENS_OK);
    assert_int_equal(done, 8);
    m = metrics_of(c);
    assert_int_equal(m.calls, 8);
    assert_int_equal(m.attempts, 11);
    assert_int_equal(m.throttled, 3);
    assert_int_equal(m.retries[ENS_RETRY_THROTTLED], 3);
    assert_matches_mock(c, srv);
    ens_async_free(a);
    ens__async_loop_free(&loop);

    /* four threads at once: no count lost */
    for (i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, calls_thread, c), 0);
    for (i = 0; i < 4; i++) {
        void *failed = NULL;
        assert_int_equal(pthread_join(th[i], &failed), 0);
        assert_null(failed);
    }
    m = metrics_of(c);
    assert_int_equal(m.calls, 108);
    assert_matches_mock(c, srv);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- the text exposition ---------------------------------------------------- */

static ens_metrics sample_metrics(void)
{
    ens_metrics m = ENS_METRICS_INIT;
    size_t i;
    m.calls = 7;
    m.calls_failed = 3;
    m.attempts = 11;
    m.retries[ENS_RETRY_THROTTLED] = 2;
    m.retries[ENS_RETRY_NETWORK] = 2;
    m.throttled = 4;
    m.failures[-ENS_ETIMEOUT] = 2;
    m.failures[-ENS_EAUTH] = 1;
    m.bytes_out = 12345;
    m.bytes_in = 67890;
    for (i = 0; i < ENS_METRICS_LATENCY_BUCKETS; i++)
        m.latency_buckets[i] = i < 3 ? 0 : i < 8 ? 4 : 7;
    m.latency_sum_ms = 41234;
    return m;
}

static void test_text(void **state)
{
    ens_metrics m = sample_metrics();
    static char buf[16384], small[64];
    size_t needed = 0, len, i, samples = 0;
    char *line;
    (void)state;

    assert_int_equal(ens_metrics_format(&m, "main \"1\" \\x", 0, buf, sizeof(buf), &needed), ENS_OK);
    len = strlen(buf);
    assert_int_equal(len, needed);
    assert_non_null(strstr(buf, "# HELP ens_client_calls_total "));
    assert_non_null(strstr(buf, "# TYPE ens_client_calls_total counter\n"
                                "ens_client_calls_total{client=\"main \\\"1\\\" \\\\x\"} 7\n"));
    assert_non_null(strstr(buf, "ens_client_call_failures_total{client=\"main \\\"1\\\" \\\\x\",status=\"timeout\"} 2\n"));
    assert_non_null(strstr(buf, ",status=\"auth\"} 1\n"));
    assert_non_null(strstr(buf, ",status=\"other\"} 0\n"));
    assert_non_null(strstr(buf, "ens_client_attempts_total{client=\"main \\\"1\\\" \\\\x\"} 11\n"));
    assert_non_null(strstr(buf, ",reason=\"throttled\"} 2\n"));
    assert_non_null(strstr(buf, ",reason=\"network\"} 2\n"));
    assert_non_null(strstr(buf, "ens_client_throttled_total{client=\"main \\\"1\\\" \\\\x\"} 4\n"));
    assert_non_null(strstr(buf, "ens_client_sent_bytes_total{client=\"main \\\"1\\\" \\\\x\"} 12345\n"));
    assert_non_null(strstr(buf, "ens_client_received_bytes_total{client=\"main \\\"1\\\" \\\\x\"} 67890\n"));
    assert_non_null(strstr(buf, "# TYPE ens_client_call_duration_seconds histogram\n"));
    assert_non_null(strstr(buf, ",le=\"0.005\"} 0\n"));
    assert_non_null(strstr(buf, ",le=\"0.05\"} 4\n"));
    assert_non_null(strstr(buf, ",le=\"1\"} 4\n"));
    assert_non_null(strstr(buf, ",le=\"2.5\"} 7\n"));
    assert_non_null(strstr(buf, ",le=\"30\"} 7\n"));
    assert_non_null(strstr(buf, ",le=\"+Inf\"} 7\n"));
    assert_non_null(strstr(buf, "ens_client_call_duration_seconds_sum{client=\"main \\\"1\\\" \\\\x\"} 41.234\n"));
    assert_non_null(strstr(buf, "ens_client_call_duration_seconds_count{client=\"main \\\"1\\\" \\\\x\"} 7\n"));
    assert_null(strstr(buf, "# EOF"));
    /* every line: a comment or "name{labels} value" */
    for (line = buf; *line; line = strchr(line, '\n') + 1) {
        assert_non_null(strchr(line, '\n'));
        if (*line == '#')
            continue;
        assert_true(strncmp(line, "ens_client_", 11) == 0);
        samples++;
    }
    assert_int_equal(samples, 1 + 17 + 1 + 5 + 1 + 1 + 1 + 13 + 2);

    /* OpenMetrics, no label */
    assert_int_equal(ens_metrics_format(&m, NULL, ENS_METRICS_OPENMETRICS, buf, sizeof(buf), &needed), ENS_OK);
    assert_non_null(strstr(buf, "# TYPE ens_client_calls counter\nens_client_calls_total 7\n"));
    assert_non_null(strstr(buf, "ens_client_call_failures_total{status=\"timeout\"} 2\n"));
    assert_non_null(strstr(buf, "ens_client_call_duration_seconds_bucket{le=\"+Inf\"} 7\n"));
    assert_non_null(strstr(buf, "ens_client_call_duration_seconds_sum 41.234\n"));
    len = strlen(buf);
    assert_true(len > 6 && strcmp(buf + len - 6, "# EOF\n") == 0);

    /* too small: as much as fits, and the size needed */
    assert_int_equal(ens_metrics_format(&m, "", 0, small, sizeof(small), &needed), ENS_ETOOLARGE);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(ens_metrics_format(&m, "", 0, NULL, 0, &len), ENS_ETOOLARGE);
    assert_int_equal(len, needed);
    assert_int_equal(ens_metrics_format(&m, "", 0, buf, needed + 1, NULL), ENS_OK);
    assert_int_equal(strlen(buf), needed);
    assert_int_equal(ens_metrics_format(&m, "", 0, buf, needed, NULL), ENS_ETOOLARGE);

    /* refused */
    assert_int_equal(ens_metrics_format(NULL, NULL, 0, buf, sizeof(buf), NULL), ENS_EINVAL);
    assert_int_equal(ens_metrics_format(&m, "a\nb", 0, buf, sizeof(buf), NULL), ENS_EINVAL);
    assert_int_equal(ens_metrics_format(&m, "\xff", 0, buf, sizeof(buf), NULL), ENS_EINVAL);
    assert_int_equal(ens_metrics_format(&m, NULL, 2, buf, sizeof(buf), NULL), ENS_EINVAL);
    assert_int_equal(ens_metrics_format(&m, NULL, 0, NULL, 10, NULL), ENS_EINVAL);
    memset(small, 'x', sizeof(small));
    small[sizeof(small) - 1] = '\0';
    {
        char long_label[200];
        memset(long_label, 'a', sizeof(long_label) - 1);
        long_label[sizeof(long_label) - 1] = '\0';
        assert_int_equal(ens_metrics_format(&m, long_label, 0, buf, sizeof(buf), NULL), ENS_EINVAL);
    }
    m.version = 0;
    assert_int_equal(ens_metrics_format(&m, NULL, 0, buf, sizeof(buf), NULL), ENS_EINVAL);
    assert_int_equal(ens_client_metrics(NULL, &m), ENS_EINVAL);

    /* names and bounds */
    assert_int_equal(ens_metrics_latency_bound_ms(0), 5);
    assert_int_equal(ens_metrics_latency_bound_ms(11), 30000);
    assert_int_equal(ens_metrics_latency_bound_ms(12), -1);
    assert_int_equal(ens_metrics_latency_bound_ms(99), -1);
    assert_string_equal(ens_retry_reason_name(ENS_RETRY_CREDENTIALS), "credentials");
    assert_string_equal(ens_retry_reason_name((ens_retry_reason)9), "unknown");
    assert_string_equal(ens_metrics_status_label(ENS_OK), "ok");
    assert_string_equal(ens_metrics_status_label(ENS_EPAGINATION), "pagination");
    assert_string_equal(ens_metrics_status_label(-40), "other");
    assert_string_equal(ens_metrics_status_label(ENS_ITEROVER), "other");
    for (i = 1; i < ENS_METRICS_STATUSES; i++)
        assert_string_not_equal(ens_metrics_status_label(-(int)i), "other");
    {
        ens_metrics z;
        ens_metrics_init(&z);
        assert_int_equal(z.version, ENS_METRICS_VERSION);
        assert_int_equal(z.calls, 0);
        ens_metrics_init(NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_counts_equal_what_the_mock_saw),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_bytes_out),
        cmocka_unit_test(test_async_and_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
