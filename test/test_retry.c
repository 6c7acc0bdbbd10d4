/* SPDX-License-Identifier: MIT */
/* Retries, backoff, deadlines, cancellation, the client-side rate limit and
 * credential refresh, over an in-test transport that plays a scripted
 * sequence of answers.
 *
 * Every scenario runs through both drivers of the call engine, with the same
 * assertions: the blocking call, with the script as the client's transport,
 * and the asynchronous engine (driven by a poll(2) loop), with the same
 * script answering over loopback HTTP (ts_wire, test/support), since the
 * engine only speaks libcurl.  The two must agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/retry.h"
#include "support/support.h"

/* Scripts below list only the fields that matter for each step. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MAX_STEPS 16

typedef struct step {
    long status;          /* 0 with fail set: a transport failure */
    const char *body;
    const char *retry_after; /* Retry-After header value, or NULL */
    ens_status fail;      /* transport failure */
    bool status_before_fail; /* the failure happened after the status line */
    long delay_ms;        /* wait (cancellably) before answering */
} step;

typedef struct script {
    step steps[MAX_STEPS];
    int count;
    int sends;
    char nonces[MAX_STEPS][65];
    long timeouts[MAX_STEPS];
} script;

static const char ok_body[] = "{\"RequestId\":\"R\",\"PageNumber\":1,\"PageSize\":10,\"TotalCount\":0}";
static const char throttled[] = "{\"RequestId\":\"T\",\"Code\":\"Throttling.User\",\"Message\":\"slow down\"}";
static const char unavailable[] = "{\"RequestId\":\"U\",\"Code\":\"ServiceUnavailable\",\"Message\":\"later\"}";
static const char internal[] = "{\"RequestId\":\"I\",\"Code\":\"InternalError\",\"Message\":\"oops\"}";
static const char bad_param[] = "{\"RequestId\":\"P\",\"Code\":\"InvalidParameter.Name\",\"Message\":\"no\"}";
static const char no_permission[] = "{\"RequestId\":\"N\",\"Code\":\"NoPermission\",\"Message\":\"no\"}";

static ens_status script_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    script *s = ctx;
    const step *st;
    size_t i;
    (void)err;
    if (s->sends >= s->count) { /* (no assertion: this may run on a server thread) */
        s->sends++;
        return ENS_EINTERNAL; /* the test's checks of sends and statuses fail */
    }
    st = &s->steps[s->sends];
    for (i = 0; i < req->header_count; i++)
        if (strcmp(req->headers[i].name, "x-acs-signature-nonce") == 0)
            snprintf(s->nonces[s->sends], 65, "%s", req->headers[i].value);
    s->timeouts[s->sends] = req->timeout_ms;
    s->sends++;
    if (st->delay_ms) {
        long left = st->delay_ms;
        while (left > 0 && !ens_cancel_is_triggered(req->cancel)) {
            ts_sleep_ms(5);
            left -= 5;
        }
        if (ens_cancel_is_triggered(req->cancel))
            return ENS_ECANCELED;
    }
    if (st->fail != ENS_OK) {
        if (st->status_before_fail)
            ens_http_response_set_status(resp, 200);
        return st->fail;
    }
    ens_http_response_set_status(resp, st->status);
    if (st->retry_after)
        ens_http_response_add_header(resp, "Retry-After", 11, st->retry_after, strlen(st->retry_after));
    return ens_http_response_append_body(resp, st->body, strlen(st->body));
}

static const ens_transport_vtable script_vt = {ENS_TRANSPORT_VTABLE_VERSION, script_send, NULL};

/* ---- the two drivers ---------------------------------------------------- */

static ts_driver g_driver;
static ts_wire *g_wire; /* TS_ASYNC: the server of the client made last */
static int vetoes;

/* What the clients of a test logged (INFO and up). */
static ts_log g_log = TS_LOG_INIT;

static void reset(ts_driver d)
{
    g_driver = d;
    vetoes = 0;
    ts_log_clear(&g_log);
}

static int use_blocking(void **state)
{
    (void)state;
    reset(TS_BLOCKING);
    return 0;
}

static int use_async(void **state)
{
    (void)state;
    reset(TS_ASYNC);
    return 0;
}

/* The n-th logged line (from 0) into out; false when there are fewer. */
static bool log_line(size_t n, char *out, size_t cap)
{
    const char *p = ts_log_text(&g_log), *end;
    for (; n > 0 && p; n--)
        p = (p = strchr(p, '\n')) ? p + 1 : NULL;
    if (!p || !*p || !(end = strchr(p, '\n')))
        return false;
    snprintf(out, cap, "%.*s", (int)(end - p), p);
    return true;
}

/* true when a logged line contains both a and b. */
static bool logged(const char *a, const char *b)
{
    char line[1024];
    size_t i;
    for (i = 0; log_line(i, line, sizeof(line)); i++)
        if (strstr(line, a) && strstr(line, b))
            return true;
    return false;
}

static int stop_wire(void **state)
{
    (void)state;
    ts_wire_stop(g_wire);
    g_wire = NULL;
    ts_log_clear(&g_log);
    return 0;
}

static void harness_log(void *payload, ens_log_level level, const char *message)
{
    ts_log_capture(payload, level, message);
    /* TS_ASYNC: the attempt that was to time out did; the server may go on. */
    if (g_wire && strstr(message, "timed out") && ts_wire_stalled(g_wire))
        ts_wire_release(g_wire);
}

/* Gives the client its transport: the answering function itself (blocking),
 * or the default libcurl transport and a loopback server answering with
 * that function (async).  stalls tells the server which step is to time out
 * before any answer; tls serves https (every handshake fails). */
static void attach(ens_client_options *o, const ens_transport_vtable *vt, void *ctx,
                   bool (*stalls)(void *), bool tls)
{
    o->log_fn = harness_log;
    o->log_payload = &g_log;
    o->log_level = ENS_LOG_INFO;
    if (g_driver == TS_BLOCKING) {
        assert_int_equal(ens_transport_new(&o->transport, vt, ctx), ENS_OK);
        return;
    }
    {
        ts_wire_options wo = {vt, ctx, stalls, tls};
        ts_wire_stop(g_wire);
        g_wire = ts_wire_start(&wo);
    }
    o->endpoint = ts_wire_url(g_wire);
    /* A CA bundle of its own: where the system has none (a minimal root),
       libcurl would fail before it connects, and the server could count the
       attempt after the call has returned. */
    if (tls)
        o->ca_file = ENS_TLS_DIR "/ca.pem";
}

static bool script_stalls(void *ctx)
{
    const script *s = ctx;
    return s->sends < s->count && s->steps[s->sends].fail == ENS_ETIMEOUT &&
           !s->steps[s->sends].status_before_fail;
}

static bool script_fails_with(const script *s, ens_status st)
{
    int i;
    for (i = 0; i < s->count; i++)
        if (s->steps[i].fail == st)
            return true;
    return false;
}

static bool script_has_tls_failure(const script *s) { return script_fails_with(s, ENS_ETLS); }
static bool script_has_timeout(const script *s) { return script_fails_with(s, ENS_ETIMEOUT); }

static ens_status describe_ex(ens_client *c, const ens_describe_request *req,
                              const ens_call_options *co, ens_describe_response **out, ens_error *err)
{
    return ts_describe_by(g_driver, c, req, co, out, err);
}

/* ---- scenarios ---------------------------------------------------------- */

static ens_client *make(script *s, ens_client_options *o)
{
    ens_client *c = NULL;
    ens_client_options local = ENS_CLIENT_OPTIONS_INIT;
    if (!o) {
        o = &local;
    }
    attach(o, &script_vt, s, script_stalls, script_has_tls_failure(s));
    if (g_driver == TS_ASYNC && script_has_timeout(s))
        o->connect_timeout_ms = 1000; /* how long a step that times out takes over the wire */
    assert_int_equal(ens_credentials_provider_static_new(&o->credentials, "id", "secret", NULL), ENS_OK);
    if (!o->retry_base_delay_ms)
        o->retry_base_delay_ms = 1;
    if (!o->retry_max_delay_ms)
        o->retry_max_delay_ms = 20;
    assert_int_equal(ens_client_new(&c, o, NULL), ENS_OK);
    return c;
}

static ens_status call(ens_client *c, ens_error *err)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_status st = describe_ex(c, &req, NULL, &resp, err);
    ens_describe_response_free(resp);
    return st;
}

/* How far past its deadline a call may end: scheduling and the wire, on a
 * loaded machine.  Far below any backoff or Retry-After the tests use. */
#define DEADLINE_MARGIN_MS 250.0

static void test_retryable_then_success(void **state)
{
    script s = {.count = 4,
                .steps = {{400, throttled}, {503, unavailable}, {500, internal}, {200, ok_body}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.max_attempts = 4;
    c = make(&s, &o);
    assert_int_equal(call(c, &err), ENS_OK);
    assert_int_equal(s.sends, 4);
    /* every attempt is signed afresh: a new nonce each time */
    assert_string_not_equal(s.nonces[0], s.nonces[1]);
    assert_string_not_equal(s.nonces[1], s.nonces[2]);
    assert_string_not_equal(s.nonces[2], s.nonces[3]);
    ens_client_free(c);
}

static void test_proxy_5xx_page_is_retried(void **state)
{
    script s = {.count = 2, .steps = {{502, "<html><body>Bad Gateway</body></html>"}, {200, ok_body}}};
    ens_client *c = make(&s, NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(call(c, &err), ENS_OK);
    assert_int_equal(s.sends, 2);
    ens_client_free(c);
}

static void test_default_is_three_attempts(void **state)
{
    script s = {.count = 3, .steps = {{503, unavailable}, {503, unavailable}, {503, unavailable}}};
    ens_client *c = make(&s, NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    assert_int_equal(s.sends, 3);
    assert_int_equal(err.attempts, 3);
    assert_string_equal(err.code, "ServiceUnavailable");
    assert_int_equal(err.http_status, 503);
    ens_client_free(c);
}

static void test_other_4xx_not_retried(void **state)
{
    script s = {.count = 2, .steps = {{400, bad_param}, {200, ok_body}}};
    ens_client *c = make(&s, NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    assert_int_equal(s.sends, 1);
    assert_int_equal(err.attempts, 1);
    s.steps[0] = (step){400, no_permission};
    s.sends = 0;
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    assert_int_equal(s.sends, 1);
    ens_client_free(c);
}

static void test_network_failures(void **state)
{
    script s = {.count = 4,
                .steps = {{0, NULL, NULL, ENS_ENETWORK}, {0, NULL, NULL, ENS_ETIMEOUT}, {200, ok_body},
                          {0, NULL, NULL, ENS_ENETWORK, true}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.max_attempts = 5;
    c = make(&s, &o);
    /* failures before any response are retried */
    assert_int_equal(call(c, &err), ENS_OK);
    assert_int_equal(s.sends, 3);
    assert_true(logged("attempt 1/5 failed", "network error"));
    assert_true(logged("attempt 2/5 failed", ": timed out")); /* over the wire: a connect timeout */
    /* a failure after the response started is not */
    assert_int_equal(call(c, &err), ENS_ENETWORK);
    assert_int_equal(s.sends, 4);
    assert_int_equal(err.attempts, 1);
    ens_client_free(c);
}

static void test_tls_and_parse_not_retried(void **state)
{
    script s = {.count = 1, .steps = {{0, NULL, NULL, ENS_ETLS}}};
    ens_client *c = make(&s, NULL);
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(call(c, &err), ENS_ETLS);
    assert_int_equal(s.sends, 1);
    ens_client_free(c);
    /* (a client of its own: over the wire, the TLS failure needs https) */
    memset(&s, 0, sizeof(s));
    s.count = 1;
    s.steps[0] = (step){200, "<html>"};
    c = make(&s, NULL);
    assert_int_equal(call(c, &err), ENS_EPARSE);
    assert_int_equal(s.sends, 1);
    ens_client_free(c);
}

static void test_max_attempts_one_disables(void **state)
{
    script s = {.count = 1, .steps = {{400, throttled}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.max_attempts = 1;
    c = make(&s, &o);
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    assert_int_equal(s.sends, 1);
    assert_int_equal(err.attempts, 1);
    ens_client_free(c);
}

static bool veto(void *payload, unsigned int attempt, const ens_error *err)
{
    (void)payload;
    assert_int_equal(attempt, 1);
    assert_string_equal(err->code, "Throttling.User");
    vetoes++;
    return false;
}

static void test_retry_callback_can_stop(void **state)
{
    script s = {.count = 2, .steps = {{400, throttled}, {200, ok_body}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.retry_fn = veto;
    c = make(&s, &o);
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    assert_int_equal(s.sends, 1);
    assert_int_equal(vetoes, 1);
    ens_client_free(c);
}

static void test_retry_after_honoured_within_cap(void **state)
{
    script s = {.count = 4,
                .steps = {{503, unavailable, "0.3"}, {200, ok_body}, {503, unavailable, "30"}, {200, ok_body}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    double t0, took;
    (void)state;
    o.retry_base_delay_ms = 1;
    o.retry_max_delay_ms = 1000;
    c = make(&s, &o);
    t0 = ts_now_ms();
    assert_int_equal(call(c, &err), ENS_OK);
    took = ts_now_ms() - t0;
    assert_true(took >= 290.0); /* waited at least what the server asked */
    t0 = ts_now_ms();
    assert_int_equal(call(c, &err), ENS_OK); /* 30 s asked, capped at 1 s */
    took = ts_now_ms() - t0;
    assert_true(took >= 990.0);
    assert_true(took < 20000.0);
    ens_client_free(c);
}

static void test_deadline_bounds_all_attempts(void **state)
{
    script s = {.count = MAX_STEPS};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    double t0, took;
    int i;
    (void)state;
    for (i = 0; i < MAX_STEPS; i++)
        s.steps[i] = (step){503, unavailable, NULL, ENS_OK, false, 40};
    o.max_attempts = MAX_STEPS;
    o.timeout_ms = 300;
    o.retry_base_delay_ms = 50;
    o.retry_max_delay_ms = 100;
    c = make(&s, &o);
    t0 = ts_now_ms();
    st = call(c, &err);
    took = ts_now_ms() - t0;
    if (g_driver == TS_BLOCKING) {
        assert_int_equal(st, ENS_ESERVICE);
    } else {
        /* The script answers after 40 ms whatever the attempt's budget;
           libcurl gives up when the budget is spent, so a last attempt that
           started with less than that left times out instead. */
        assert_true(st == ENS_ESERVICE || st == ENS_ETIMEOUT);
        assert_int_equal(err.http_status, st == ENS_ESERVICE ? 503 : 0);
    }
    assert_true(err.attempts >= 2);
    assert_true(err.attempts < MAX_STEPS);
    /* the deadline, plus the 40 ms a scripted answer takes whatever its
       budget (the blocking call's transport ignores it) */
    if (took > 300.0 + 40.0 + DEADLINE_MARGIN_MS)
        fail_msg("a 300 ms call took %.0f ms", took);
    /* each attempt gets only what is left of the deadline (seen by the
       transport; over the wire it is libcurl's own timeout, and test_call
       checks the budget the engine hands to either driver) */
    if (g_driver == TS_BLOCKING) {
        assert_true(s.timeouts[0] <= 300);
        assert_true(s.timeouts[1] < s.timeouts[0]);
    }
    ens_client_free(c);
}

/* One deadline for all attempts and waits: a server that asks for a wait
 * longer than what is left of the deadline gets no retry, and the call ends
 * by its deadline instead of sleeping past it; a wait that fits is made. */
static void test_retry_after_beyond_the_deadline(void **state)
{
    script s = {.count = 3, .steps = {{503, unavailable, "3"}, {503, unavailable, "0.25"}, {200, ok_body}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    double t0, took;
    (void)state;
    o.timeout_ms = 400;
    o.retry_base_delay_ms = 1;
    o.retry_max_delay_ms = 60000; /* the cap is not what stops it */
    c = make(&s, &o);
    t0 = ts_now_ms();
    assert_int_equal(call(c, &err), ENS_ESERVICE);
    took = ts_now_ms() - t0;
    assert_int_equal(s.sends, 1);
    assert_int_equal(err.attempts, 1);
    assert_non_null(strstr(err.description, "(after 1 attempt, the deadline leaving no time for another)"));
    if (took > 400.0 + DEADLINE_MARGIN_MS)
        fail_msg("a 400 ms call took %.0f ms", took);
    /* 250 ms asked, 400 ms deadline: waited, retried, done in time */
    t0 = ts_now_ms();
    assert_int_equal(call(c, &err), ENS_OK);
    took = ts_now_ms() - t0;
    assert_int_equal(s.sends, 3);
    assert_true(took >= 245.0);
    if (took > 400.0 + DEADLINE_MARGIN_MS)
        fail_msg("a 400 ms call took %.0f ms", took);
    ens_client_free(c);
}

static void test_per_call_deadline(void **state)
{
    script s = {.count = 1, .steps = {{200, ok_body, NULL, ENS_OK, false, 5000}}};
    ens_client *c = make(&s, NULL);
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    co.timeout_ms = 1234;
    /* the scripted transport ignores timeouts; check what it was told */
    s.steps[0].delay_ms = 0;
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    if (g_driver == TS_BLOCKING) /* see test_deadline_bounds_all_attempts */
        assert_true(s.timeouts[0] <= 1234 && s.timeouts[0] > 1000);
    co.version = 99;
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_EINVAL);
    co.version = ENS_CALL_OPTIONS_VERSION;
    co.timeout_ms = -1;
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_EINVAL);
    ens_client_free(c);
}

typedef struct canceller {
    ens_cancel *cancel;
    long after_ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *k = arg;
    ts_sleep_ms(k->after_ms);
    ens_cancel_trigger(k->cancel);
    return NULL;
}

static void test_cancel_during_backoff_and_during_send(void **state)
{
    script s = {.count = 3,
                .steps = {{503, unavailable, "10"}, {200, ok_body, NULL, ENS_OK, false, 10000}, {200, ok_body}}};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    canceller k;
    pthread_t th;
    double t0, took;
    (void)state;
    o.retry_max_delay_ms = 10000;
    c = make(&s, &o);
    assert_int_equal(ens_cancel_new(&k.cancel), ENS_OK);
    co.cancel = k.cancel;
    k.after_ms = 100;

    /* sleeping 10 s between attempts: the cancel wakes it at once */
    pthread_create(&th, NULL, cancel_later, &k);
    t0 = ts_now_ms();
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_ECANCELED);
    took = ts_now_ms() - t0;
    pthread_join(th, NULL);
    assert_true(took < 5000.0);
    assert_int_equal(err.status, ENS_ECANCELED);
    assert_int_equal(err.attempts, 1);
    assert_null(resp);

    /* inside the transport */
    ens_cancel_reset(k.cancel);
    pthread_create(&th, NULL, cancel_later, &k);
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_ECANCELED);
    pthread_join(th, NULL);
    assert_int_equal(s.sends, 2);

    /* an already triggered token sends nothing */
    assert_true(ens_cancel_is_triggered(k.cancel));
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_ECANCELED);
    assert_int_equal(s.sends, 2);
    assert_int_equal(err.attempts, 0);

    ens_cancel_reset(k.cancel);
    assert_false(ens_cancel_is_triggered(k.cancel));
    assert_int_equal(describe_ex(c, &req, &co, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ens_cancel_free(k.cancel);
    ens_client_free(c);
}

static void test_rate_limit(void **state)
{
    script s = {.count = 6};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    double t0, took;
    int i;
    (void)state;
    for (i = 0; i < 6; i++)
        s.steps[i] = (step){200, ok_body};
    o.rate_limit_per_second = 20.0; /* one every 50 ms */
    o.rate_limit_burst = 1;
    c = make(&s, &o);
    t0 = ts_now_ms();
    for (i = 0; i < 6; i++)
        assert_int_equal(call(c, &err), ENS_OK);
    took = ts_now_ms() - t0;
    assert_true(took >= 240.0); /* 5 waits of 50 ms at least */
    ens_client_free(c);

    /* a limit that cannot be met before the deadline fails fast */
    memset(&s, 0, sizeof(s));
    s.count = 2;
    s.steps[0] = (step){200, ok_body};
    s.steps[1] = (step){200, ok_body};
    ens_client_options_init(&o);
    o.rate_limit_per_second = 0.1; /* one every 10 s */
    o.timeout_ms = 200;
    c = make(&s, &o);
    assert_int_equal(call(c, &err), ENS_OK);
    t0 = ts_now_ms();
    assert_int_equal(call(c, &err), ENS_ETIMEOUT);
    assert_true(ts_now_ms() - t0 < 200.0 + DEADLINE_MARGIN_MS); /* refused at once, never waited */
    assert_int_equal(s.sends, 1);
    ens_client_free(c);
}

static void test_bad_retry_options(void **state)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    (void)state;
    o.retry_base_delay_ms = -1;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_EINVAL);
    ens_client_options_init(&o);
    o.rate_limit_per_second = -5;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_EINVAL);
    assert_null(c);
}

/* A provider that hands out token "old" until invalidated, then "new". */
typedef struct rotating {
    int invalidated;
    int gets;
} rotating;

static ens_status rot_get(void *ctx, ens_credentials **out, ens_error *err)
{
    rotating *r = ctx;
    (void)err;
    r->gets++;
    return ens_credentials_new(out, "id", "secret", r->invalidated ? "token-new" : "token-old", 0);
}

static void rot_invalidate(void *ctx) { ((rotating *)ctx)->invalidated++; }

static const char token_expired[] =
    "{\"RequestId\":\"X\",\"Code\":\"InvalidSecurityToken.Expired\",\"Message\":\"expired\"}";

typedef struct token_script {
    int sends;
    char tokens[8][32];
} token_script;

static ens_status token_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                             ens_error *err)
{
    token_script *t = ctx;
    const char *tok = "";
    size_t i;
    (void)err;
    for (i = 0; i < req->header_count; i++)
        if (strcmp(req->headers[i].name, "x-acs-security-token") == 0)
            tok = req->headers[i].value;
    snprintf(t->tokens[t->sends % 8], 32, "%s", tok);
    t->sends++;
    if (strcmp(tok, "token-new") == 0) {
        ens_http_response_set_status(resp, 200);
        return ens_http_response_append_body(resp, ok_body, strlen(ok_body));
    }
    ens_http_response_set_status(resp, 400);
    return ens_http_response_append_body(resp, token_expired, strlen(token_expired));
}

static void test_expired_token_refreshes_once(void **state)
{
    static const ens_credentials_provider_vtable rot_vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = rot_get, .invalidate = rot_invalidate};
    static const ens_transport_vtable tok_vt = {.version = ENS_TRANSPORT_VTABLE_VERSION, .send = token_send};
    rotating r = {0, 0};
    token_script t = {0};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &rot_vt, &r), ENS_OK);
    attach(&o, &tok_vt, &t, NULL, false);
    o.max_attempts = 1; /* the refresh retry is on top of the retry policy */
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    assert_int_equal(call(c, &err), ENS_OK);
    assert_int_equal(t.sends, 2);
    assert_string_equal(t.tokens[0], "token-old");
    assert_string_equal(t.tokens[1], "token-new");
    assert_int_equal(r.invalidated, 1);
    ens_client_free(c);

    /* a provider that keeps handing out the dead token: one refresh only */
    r.invalidated = 0;
    memset(&t, 0, sizeof(t));
    ens_client_options_init(&o);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "id", "secret", "token-dead"), ENS_OK);
    attach(&o, &tok_vt, &t, NULL, false);
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    assert_int_equal(call(c, &err), ENS_EAUTH);
    assert_string_equal(err.code, "InvalidSecurityToken.Expired");
    assert_int_equal(t.sends, 2);
    assert_int_equal(err.attempts, 2);
    ens_client_free(c);
}

/* Numbers of milliseconds (a random backoff, a duration) become "#". */
static void normalize(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    while (*src && o + 1 < cap) {
        size_t n = strspn(src, "0123456789");
        if (n && strncmp(src + n, " ms", 3) == 0) {
            dst[o++] = '#';
            src += n;
        } else if (n) {
            size_t k = n < cap - 1 - o ? n : cap - 1 - o;
            memcpy(dst + o, src, k);
            o += k;
            src += n;
        } else {
            dst[o++] = *src++;
        }
    }
    dst[o] = '\0';
}

/* The same scenarios log the same lines through either driver: retries,
 * the credential refresh, the successes and the failure, word for word. */
static void test_drivers_log_alike(void **state)
{
    static const ens_credentials_provider_vtable rot_vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = rot_get, .invalidate = rot_invalidate};
    static const ens_transport_vtable tok_vt = {.version = ENS_TRANSPORT_VTABLE_VERSION, .send = token_send};
    static const char *const expected[] = {
        "DescribeNetworkPeerConnections: attempt 1/4 failed, retrying in # ms: "
        "service error Throttling.User (HTTP 400): slow down [RequestId: T]",
        "DescribeNetworkPeerConnections: attempt 2/4 failed, retrying in # ms: "
        "service error ServiceUnavailable (HTTP 503): later [RequestId: U]",
        "DescribeNetworkPeerConnections: HTTP 200, 0 connection(s), RequestId R, 3 attempt(s), # ms",
        "DescribeNetworkPeerConnections: service error InvalidParameter.Name (HTTP 400): no [RequestId: P]",
        "DescribeNetworkPeerConnections: InvalidSecurityToken.Expired; refreshing the credentials and "
        "retrying once",
        "DescribeNetworkPeerConnections: HTTP 200, 0 connection(s), RequestId R, 2 attempt(s), # ms",
    };
    char seen[2][8][1024], line[1024];
    size_t n[2], i;
    int d;
    (void)state;
    for (d = 0; d < 2; d++) {
        script s = {.count = 4, .steps = {{400, throttled}, {503, unavailable}, {200, ok_body}, {400, bad_param}}};
        rotating r = {0, 0};
        token_script t = {0};
        ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
        ens_client *c;
        ens_error err = ENS_ERROR_INIT;
        reset(d ? TS_ASYNC : TS_BLOCKING);
        o.max_attempts = 4;
        c = make(&s, &o);
        assert_int_equal(call(c, &err), ENS_OK);
        assert_int_equal(call(c, &err), ENS_ESERVICE);
        ens_client_free(c);

        ens_client_options_init(&o);
        assert_int_equal(ens_credentials_provider_new(&o.credentials, &rot_vt, &r), ENS_OK);
        attach(&o, &tok_vt, &t, NULL, false);
        assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
        assert_int_equal(call(c, &err), ENS_OK);
        ens_client_free(c);
        ts_wire_stop(g_wire);
        g_wire = NULL;

        for (n[d] = 0; n[d] < 8 && log_line(n[d], line, sizeof(line)); n[d]++)
            normalize(seen[d][n[d]], sizeof(seen[d][n[d]]), line);
    }
    assert_int_equal(n[0], sizeof(expected) / sizeof(expected[0]));
    assert_int_equal(n[1], n[0]);
    for (i = 0; i < n[0]; i++) {
        assert_string_equal(seen[0][i], expected[i]);
        assert_string_equal(seen[1][i], seen[0][i]);
    }
}

/* ---- the backoff on its own, with a pinned random source ---------------- */

/* A random source that answers as told and records what it was asked. */
typedef struct pinned {
    enum { LOWEST, HIGHEST, XORSHIFT } mode;
    uint64_t state;
    uint32_t last_upper;
    unsigned long draws;
} pinned;

static uint32_t pinned_uniform(void *payload, uint32_t upper)
{
    pinned *p = payload;
    p->last_upper = upper;
    p->draws++;
    if (p->mode == LOWEST)
        return 0;
    if (p->mode == HIGHEST)
        return upper - 1;
    /* xorshift64*: reproducible and uniform enough for these bounds */
    p->state ^= p->state >> 12;
    p->state ^= p->state << 25;
    p->state ^= p->state >> 27;
    return (uint32_t)(((p->state * 2685821657736338717ULL) >> 32) % upper);
}

static int unpin_random(void **state)
{
    (void)state;
    ens__retry_set_random(NULL, NULL);
    return 0;
}

/* Growth by attempt: the ceiling doubles from the base until the cap, and
 * the jitter is drawn over [0, ceiling] (the source is asked for
 * ceiling + 1 values). */
static void test_backoff_growth_and_cap(void **state)
{
    pinned p = {HIGHEST, 0, 0, 0};
    ens_http_response *none = NULL;
    long want = 100;
    unsigned a;
    (void)state;
    assert_int_equal(ens_http_response_new(&none, 0), ENS_OK);
    ens__retry_set_random(pinned_uniform, &p);
    for (a = 1; a <= 10; a++, want *= 2) {
        assert_int_equal(ens__retry_delay_ms(a, 100, 100000, none), want);
        assert_int_equal(p.last_upper, (uint32_t)want + 1);
    }
    /* the cap: reached and never passed, however many attempts */
    assert_int_equal(ens__retry_delay_ms(6, 200, 5000, none), 5000); /* 200 * 32 = 6400 */
    assert_int_equal(p.last_upper, 5001);
    for (a = 7; a < 200; a += 7)
        assert_int_equal(ens__retry_delay_ms(a, 200, 5000, none), 5000);
    assert_int_equal(ens__retry_delay_ms(64, 1L << 29, (1L << 30) + 3, none), (1L << 30) + 3);
    /* full jitter: the floor is 0 */
    p.mode = LOWEST;
    for (a = 1; a <= 10; a++)
        assert_int_equal(ens__retry_delay_ms(a, 100, 100000, none), 0);
    /* nothing to draw from a zero base */
    p.draws = 0;
    assert_int_equal(ens__retry_delay_ms(3, 0, 5000, none), 0);
    assert_int_equal(p.draws, 0);
    ens_http_response_free(none);
}

/* A server's Retry-After raises the wait, the cap still bounds it. */
static void test_backoff_retry_after(void **state)
{
    pinned p = {LOWEST, 0, 0, 0};
    ens_http_response *r = NULL;
    (void)state;
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    assert_int_equal(ens_http_response_add_header(r, "Retry-After", 11, "2", 1), ENS_OK);
    ens__retry_set_random(pinned_uniform, &p);
    assert_int_equal(ens__retry_delay_ms(1, 100, 10000, r), 2000);
    assert_int_equal(ens__retry_delay_ms(1, 100, 1500, r), 1500);
    p.mode = HIGHEST;
    assert_int_equal(ens__retry_delay_ms(8, 100, 10000, r), 10000); /* the jitter above it wins */
    ens_http_response_free(r);
}

/* The jitter's spread: uniform over [0, ceiling] at every attempt. */
static void test_backoff_jitter_spread(void **state)
{
    enum { SAMPLES = 40000, BINS = 10 };
    pinned p = {XORSHIFT, 0x9E3779B97F4A7C15ULL, 0, 0};
    ens_http_response *none = NULL;
    unsigned a;
    (void)state;
    assert_int_equal(ens_http_response_new(&none, 0), ENS_OK);
    ens__retry_set_random(pinned_uniform, &p);
    for (a = 1; a <= 5; a++) {
        const long ceiling = 100L << (a - 1);
        unsigned long bins[BINS] = {0};
        double sum = 0, mean;
        long lo = ceiling, hi = 0;
        int i;
        for (i = 0; i < SAMPLES; i++) {
            long d = ens__retry_delay_ms(a, 100, 100000, none);
            assert_true(d >= 0 && d <= ceiling);
            sum += (double)d;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
            bins[d * BINS / (ceiling + 1)]++;
        }
        mean = sum / SAMPLES;
        /* the mean of U[0, c] is c/2; the extremes are reached */
        if (mean < 0.48 * (double)ceiling || mean > 0.52 * (double)ceiling)
            fail_msg("attempt %u: mean %.1f for a ceiling of %ld", a, mean, ceiling);
        assert_true(lo <= ceiling / 50);
        assert_true(hi >= ceiling - ceiling / 50);
        for (i = 0; i < BINS; i++)
            if (bins[i] < SAMPLES / BINS * 9 / 10 || bins[i] > SAMPLES / BINS * 11 / 10)
                fail_msg("attempt %u: tenth %d holds %lu of %d draws", a, i, bins[i], SAMPLES);
    }
    ens_http_response_free(none);
}

int main(void)
{
/* Each scenario once per driver. */
#define BOTH(t) {#t, t, use_blocking, stop_wire, NULL}, {#t " (async)", t, use_async, stop_wire, NULL}

    const struct CMUnitTest tests[] = {
        BOTH(test_retryable_then_success),
        BOTH(test_proxy_5xx_page_is_retried),
        BOTH(test_default_is_three_attempts),
        BOTH(test_other_4xx_not_retried),
        BOTH(test_network_failures),
        BOTH(test_tls_and_parse_not_retried),
        BOTH(test_max_attempts_one_disables),
        BOTH(test_retry_callback_can_stop),
        BOTH(test_retry_after_honoured_within_cap),
        BOTH(test_deadline_bounds_all_attempts),
        BOTH(test_retry_after_beyond_the_deadline),
        BOTH(test_per_call_deadline),
        BOTH(test_cancel_during_backoff_and_during_send),
        BOTH(test_rate_limit),
        cmocka_unit_test(test_bad_retry_options),
        BOTH(test_expired_token_refreshes_once),
        cmocka_unit_test_teardown(test_drivers_log_alike, stop_wire),
        cmocka_unit_test_teardown(test_backoff_growth_and_cap, unpin_random),
        cmocka_unit_test_teardown(test_backoff_retry_after, unpin_random),
        cmocka_unit_test_teardown(test_backoff_jitter_spread, unpin_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
