/* SPDX-License-Identifier: MIT */
/* Waiting for one peer connection (wait.h), blocking and on an event loop,
 * against the local mock server while it changes its data set: each outcome
 * (reached, gone, deadline, failed, canceled), the pauses between polls, and
 * bad arguments. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support/mock.h"
#include "async/async_loop.h"

/* One connection, "Creating". */
static const char one_creating[] =
    "{\"NetworkPeerConnects\":[{\"InstanceId\":\"pcc-wait-1\",\"Name\":\"w\",\"EnsRegionId\":\"cn-x\","
    "\"Status\":\"Creating\",\"CreationTime\":\"2024-01-01T00:00:00Z\"}]}";

static ens_wait_options fast(ens_peer_status status)
{
    ens_wait_options o = ENS_WAIT_OPTIONS_INIT;
    o.status = status;
    o.min_delay_ms = 10;
    o.max_delay_ms = 40;
    o.timeout_ms = 20000;
    return o;
}

/* A churn that only advances statuses, one step every `every` list requests. */
static void advance_every(ensmock_server *srv, unsigned every)
{
    ensmock_churn ch;
    memset(&ch, 0, sizeof(ch));
    ch.status_weight = 1;
    ch.every_requests = every;
    assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
}

static void test_reached(void **state)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.data_json = one_creating});
    ens_client *c = ts_mock_client(srv, NULL);
    ens_wait_options o = fast(ENS_PEER_STATUS_CREATING);
    ens_wait_result r = ENS_WAIT_RESULT_INIT;
    ens_error e = ENS_ERROR_INIT;
    (void)state;

    /* already there: one poll */
    assert_int_equal(ens_wait_peer_connection(c, "pcc-wait-1", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_REACHED);
    assert_int_equal(r.polls, 1);
    assert_non_null(r.connection);
    assert_string_equal(r.connection->status_text, "Creating");
    ens_wait_result_clear(&r);
    assert_null(r.connection);

    /* Creating -> Activated on the 3rd poll (a step before every 3rd request) */
    advance_every(srv, 3);
    o = fast(ENS_PEER_STATUS_ACTIVATED);
    assert_int_equal(ens_wait_peer_connection(c, "pcc-wait-1", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_REACHED);
    assert_int_equal(r.polls, 3);
    assert_string_equal(r.connection->status_text, "Activated");
    assert_true(r.waited_ms >= 20); /* two pauses of at least 10 ms */
    ens_wait_result_clear(&r);

    /* until gone: the connection is removed on the 2nd poll */
    {
        ensmock_churn ch;
        memset(&ch, 0, sizeof(ch));
        ch.remove_weight = 1;
        ch.every_requests = 2;
        assert_int_equal(ensmock_set_churn(srv, &ch), ENSMOCK_OK);
    }
    o = fast(ENS_PEER_STATUS_UNKNOWN);
    o.until_gone = true;
    assert_int_equal(ens_wait_peer_connection(c, "pcc-wait-1", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_REACHED);
    assert_int_equal(r.polls, 2);
    assert_null(r.connection);
    ens_wait_result_clear(&r);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_gone_deadline_failed(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ens_client *bad = ts_mock_client(srv, &(ts_client_options){.key_id = "nobody", .secret = "x"});
    ens_client *down = ts_client(&(ts_client_options){.endpoint = "http://127.0.0.1:9", .key_id = "k",
                                                      .secret = "s", .max_attempts = 1});
    ens_wait_options o = fast(ENS_PEER_STATUS_ACTIVATED);
    ens_wait_result r = ENS_WAIT_RESULT_INIT;
    ens_error e = ENS_ERROR_INIT;
    ensmock_stats ms;
    double t0;
    (void)state;

    /* not there: gone at the first poll, or after absent_polls more */
    assert_int_equal(ens_wait_peer_connection(c, "pcc-none", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_GONE);
    assert_int_equal(r.polls, 1);
    assert_null(r.connection);
    o.absent_polls = 2;
    assert_int_equal(ens_wait_peer_connection(c, "pcc-none", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_GONE);
    assert_int_equal(r.polls, 3);

    /* an Activated connection never becomes Deleting here: the deadline
       ends it, not later than asked (the last pause is cut to fit) */
    o = fast(ENS_PEER_STATUS_DELETING);
    o.timeout_ms = 300;
    o.min_delay_ms = 40;
    o.max_delay_ms = 80;
    ensmock_stats_reset(srv);
    t0 = ts_now_ms();
    assert_int_equal(ens_wait_peer_connection(c, "pcc-0rx6f5dcv99fyfmwsw11x", &o, &r, &e), ENS_OK);
    assert_int_equal(r.outcome, ENS_WAIT_DEADLINE);
    assert_true(r.waited_ms >= 300);
    assert_true(ts_now_ms() - t0 < 300 + 1000); /* a poll in flight may end it a little late */
    assert_string_equal(r.connection->status_text, "Activated");
    ensmock_stats_get(srv, &ms);
    assert_int_equal(ms.ok, r.polls);
    assert_true(r.polls >= 2 && r.polls <= 8); /* pauses of 40..80 ms within 300 ms */

    /* a failure that cannot get better ends it at once */
    o = fast(ENS_PEER_STATUS_ACTIVATED);
    assert_int_equal(ens_wait_peer_connection(bad, "pcc-0rx6f5dcv99fyfmwsw11x", &o, &r, &e), ENS_EAUTH);
    assert_int_equal(r.outcome, ENS_WAIT_FAILED);
    assert_int_equal(r.polls, 1);
    assert_string_equal(e.code, "InvalidAccessKeyId.NotFound");
    /* one worth retrying is tolerated max_failures - 1 times in a row */
    o.max_failures = 3;
    assert_int_equal(ens_wait_peer_connection(down, "pcc-0rx6f5dcv99fyfmwsw11x", &o, &r, &e), ENS_ENETWORK);
    assert_int_equal(r.outcome, ENS_WAIT_FAILED);
    assert_int_equal(r.polls, 3);
    ens_wait_result_clear(&r);
    ens_client_free(c);
    ens_client_free(bad);
    ens_client_free(down);
    ensmock_stop(srv);
}

static void *trigger_later(void *arg)
{
    ts_sleep_ms(150);
    ens_cancel_trigger(arg);
    return NULL;
}

static void test_canceled_and_invalid(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, NULL);
    ens_wait_options o = fast(ENS_PEER_STATUS_DELETING);
    ens_wait_result r = ENS_WAIT_RESULT_INIT;
    ens_error e = ENS_ERROR_INIT;
    ens_cancel *cancel = NULL;
    pthread_t th;
    double t0;
    (void)state;

    assert_int_equal(ens_cancel_new(&cancel), ENS_OK);
    o.cancel = cancel;
    o.min_delay_ms = o.max_delay_ms = 5000;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, cancel), 0);
    t0 = ts_now_ms();
    assert_int_equal(ens_wait_peer_connection(c, "pcc-0rx6f5dcv99fyfmwsw11x", &o, &r, &e), ENS_ECANCELED);
    assert_int_equal(r.outcome, ENS_WAIT_CANCELED);
    assert_true(ts_now_ms() - t0 < 3000); /* woken from its 5 s pause */
    assert_int_equal(pthread_join(th, NULL), 0);
    ens_wait_result_clear(&r);
    ens_cancel_free(cancel);

    o = fast(ENS_PEER_STATUS_ACTIVATED);
    assert_int_equal(ens_wait_peer_connection(NULL, "pcc-x", &o, &r, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection(c, "", &o, &r, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection(c, "pcc\r\nx", &o, &r, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", NULL, &r, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", &o, NULL, &e), ENS_EINVAL);
    o.status = ENS_PEER_STATUS_UNKNOWN;
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", &o, &r, &e), ENS_EINVAL);
    assert_non_null(strstr(e.description, "status"));
    o = fast(ENS_PEER_STATUS_ACTIVATED);
    o.timeout_ms = -1;
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", &o, &r, &e), ENS_EINVAL);
    o.version = 7;
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", &o, &r, &e), ENS_EINVAL);
    r.version = 0;
    o = fast(ENS_PEER_STATUS_ACTIVATED);
    assert_int_equal(ens_wait_peer_connection(c, "pcc-x", &o, &r, &e), ENS_EINVAL);
    assert_string_equal(ens_wait_outcome_name(ENS_WAIT_DEADLINE), "deadline");
    assert_string_equal(ens_wait_outcome_name((ens_wait_outcome)0), "unknown");
    {
        ens_wait_options d;
        ens_wait_options_init(&d);
        assert_int_equal(d.version, ENS_WAIT_OPTIONS_VERSION);
        ens_wait_options_init(NULL);
        ens_wait_result_clear(NULL);
    }
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- on an event loop ---------------------------------------------------- */

typedef struct outcome {
    int calls;
    ens_status st;
    ens_wait_result r;
    char status[24];
} outcome;

static void on_done(ens_wait *w, ens_status st, const ens_wait_result *r, const ens_error *e, void *user)
{
    outcome *o = user;
    (void)w;
    assert_non_null(e);
    o->calls++;
    o->st = st;
    o->r = *r;
    o->r.connection = NULL; /* borrowed: keep what is needed */
    snprintf(o->status, sizeof(o->status), "%s", r->connection ? r->connection->status_text : "");
}

static void loop_until_done(ens__async_loop *loop, ens_async *a, const outcome *o)
{
    double t0 = ts_now_ms();
    while (!o->calls) {
        assert_int_equal(ens__async_loop_run_once(loop, a, 50), ENS_OK);
        assert_true(ts_now_ms() - t0 < 30000);
    }
}

static void test_event_loop(void **state)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.data_json = one_creating});
    ens_client *c = ts_mock_client(srv, NULL);
    ens__async_loop loop = ENS__ASYNC_LOOP_INIT;
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_async *a = NULL;
    ens_wait_options o = fast(ENS_PEER_STATUS_ACTIVATED);
    ens_error e = ENS_ERROR_INIT;
    ens_wait *h = NULL;
    outcome out;
    (void)state;

    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &loop;
    assert_int_equal(ens_async_new(&a, c, &ao, &e), ENS_OK);

    /* reached on the 3rd poll; the pauses are the engine's timers */
    advance_every(srv, 3);
    memset(&out, 0, sizeof(out));
    assert_int_equal(ens_wait_peer_connection_async(a, "pcc-wait-1", &o, on_done, &out, &h, &e), ENS_OK);
    assert_int_equal(out.calls, 0); /* never from the start function */
    loop_until_done(&loop, a, &out);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.st, ENS_OK);
    assert_int_equal(out.r.outcome, ENS_WAIT_REACHED);
    assert_int_equal(out.r.polls, 3);
    assert_string_equal(out.status, "Activated");
    assert_int_equal(ensmock_set_churn(srv, NULL), ENSMOCK_OK);

    /* deadline */
    o = fast(ENS_PEER_STATUS_DELETING);
    o.timeout_ms = 200;
    memset(&out, 0, sizeof(out));
    assert_int_equal(ens_wait_peer_connection_async(a, "pcc-wait-1", &o, on_done, &out, NULL, &e), ENS_OK);
    loop_until_done(&loop, a, &out);
    assert_int_equal(out.r.outcome, ENS_WAIT_DEADLINE);
    assert_true(out.r.waited_ms >= 200);

    /* cancelled while pausing, and while polling: the callback runs before
       ens_wait_cancel() returns */
    o = fast(ENS_PEER_STATUS_DELETING);
    o.min_delay_ms = o.max_delay_ms = 5000;
    memset(&out, 0, sizeof(out));
    ensmock_stats_reset(srv);
    assert_int_equal(ens_wait_peer_connection_async(a, "pcc-wait-1", &o, on_done, &out, &h, &e), ENS_OK);
    {
        ensmock_stats ms;
        double t0 = ts_now_ms();
        do { /* until the first poll is over: the wait is pausing */
            assert_int_equal(ens__async_loop_run_once(&loop, a, 20), ENS_OK);
            ensmock_stats_get(srv, &ms);
            assert_true(ts_now_ms() - t0 < 30000);
        } while (ms.ok < 1 || ens_async_pending(a) != 0);
    }
    assert_int_equal(out.calls, 0);
    assert_int_equal(ens_wait_cancel(h), ENS_OK);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.st, ENS_ECANCELED);
    assert_int_equal(out.r.outcome, ENS_WAIT_CANCELED);
    memset(&out, 0, sizeof(out));
    assert_int_equal(ens_wait_peer_connection_async(a, "pcc-wait-1", &o, on_done, &out, &h, &e), ENS_OK);
    assert_int_equal(ens__async_loop_run_once(&loop, a, 0), ENS_OK); /* the poll starts */
    assert_int_equal(ens_wait_cancel(h), ENS_OK);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.r.outcome, ENS_WAIT_CANCELED);
    assert_int_equal(ens_async_pending(a), 0);

    assert_int_equal(ens_wait_peer_connection_async(NULL, "x", &o, on_done, &out, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection_async(a, "x", &o, NULL, &out, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_peer_connection_async(a, "", &o, on_done, &out, NULL, &e), ENS_EINVAL);
    assert_int_equal(ens_wait_cancel(NULL), ENS_EINVAL);

    ens_async_free(a);
    ens__async_loop_free(&loop);
    ens_client_free(c);
    ensmock_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reached),
        cmocka_unit_test(test_gone_deadline_failed),
        cmocka_unit_test(test_canceled_and_invalid),
        cmocka_unit_test(test_event_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
