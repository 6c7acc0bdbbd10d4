/* SPDX-License-Identifier: MIT */
/* The call engine (lib/call/call.h) on its own: the steps it asks a driver
 * for, with what budget and waits, the details and log lines it leaves, for
 * an operation that is not DescribeNetworkPeerConnections; the same
 * operation through the exchange and the blocking driver; and the request
 * copy (lib/request/request_copy.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call/blocking.h"
#include "call/call.h"
#include "json/parser.h"
#include "request/request_copy.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/utf8.h"
#include "ensclient/ensclient.h"

/* ---- an operation of another action -------------------------------------- */

/* Its result: the body, NUL-terminated. */
static ens_status echo_decode(const ens_http_response *resp, void **out, ens_error *e)
{
    size_t len;
    const char *body = ens_http_response_body(resp, &len);
    char *copy;
    if (len == 0)
        return ens__error_set(e, ENS_EPARSE, "response parse error: empty body");
    copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    copy[len] = '\0';
    *out = copy;
    return ENS_OK;
}

static void echo_free(void *result) { free(result); }

static void echo_summarize(const void *result, char *buf, size_t cap)
{
    snprintf(buf, cap, "body %s", result ? (const char *)result : "-");
}

static const ens__rpc_op echo_op = {.action = "EchoAction",
                                    .version = "2020-02-02",
                                    .decode = echo_decode,
                                    .free_result = echo_free,
                                    .summarize = echo_summarize};

/* A plan of echo_op with a canonical query. */
static ens__rpc_plan echo_plan(const char *query)
{
    ens__rpc_plan p;
    memset(&p, 0, sizeof(p));
    p.op = echo_op;
    p.query = (char *)query; /* borrowed: never cleared */
    return p;
}

/* ---- a client, and what it logs ------------------------------------------- */

#define MAX_LINES 16
static char lines[MAX_LINES][1024];
static size_t nlines;

static void record(void *payload, ens_log_level level, const char *message)
{
    (void)payload;
    (void)level;
    if (nlines < MAX_LINES)
        snprintf(lines[nlines++], sizeof(lines[0]), "%s", message);
}

static const char *last_line(void) { return nlines ? lines[nlines - 1] : ""; }

/* A provider that counts invalidations. */
static int invalidations;
static ens_status count_get(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)err;
    return ens_credentials_new(out, "id", "secret", "token", 0);
}
static void count_invalidate(void *ctx)
{
    (void)ctx;
    invalidations++;
}

static int vetoes;
static bool veto(void *payload, unsigned int attempt, const ens_error *err)
{
    (void)payload;
    assert_int_equal(attempt, 1);
    assert_int_equal(err->status, ENS_ESERVICE);
    assert_int_equal(err->attempts, 1);
    vetoes++;
    return false;
}

/* A transport that must never be used, or one that records and answers. */
typedef struct capture {
    int sends;
    char url[1024];
    char action[64], version[64];
    long status;
    const char *body;
} capture;

static ens_status capture_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                               ens_error *err)
{
    capture *k = ctx;
    size_t i;
    (void)err;
    assert_non_null(k);
    k->sends++;
    snprintf(k->url, sizeof(k->url), "%s", req->url);
    for (i = 0; i < req->header_count; i++) {
        if (strcmp(req->headers[i].name, "x-acs-action") == 0)
            snprintf(k->action, sizeof(k->action), "%s", req->headers[i].value);
        if (strcmp(req->headers[i].name, "x-acs-version") == 0)
            snprintf(k->version, sizeof(k->version), "%s", req->headers[i].value);
    }
    ens_http_response_set_status(resp, k->status);
    return ens_http_response_append_body(resp, k->body, strlen(k->body));
}

static const ens_transport_vtable capture_vt = {ENS_TRANSPORT_VTABLE_VERSION, capture_send, NULL};

typedef struct cfg {
    unsigned int max_attempts;
    long base_ms, cap_ms;
    double rate;
    ens_retry_fn retry_fn;
    capture *transport;
} cfg;

static ens_client *client_with(const cfg *g)
{
    static const ens_credentials_provider_vtable count_vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = count_get, .invalidate = count_invalidate};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    assert_int_equal(ens_transport_new(&o.transport, &capture_vt, g->transport), ENS_OK);
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &count_vt, NULL), ENS_OK);
    o.max_attempts = g->max_attempts;
    o.retry_base_delay_ms = g->base_ms;
    o.retry_max_delay_ms = g->cap_ms;
    o.rate_limit_per_second = g->rate;
    o.rate_limit_burst = 1;
    o.retry_fn = g->retry_fn;
    o.log_fn = record;
    o.log_level = ENS_LOG_INFO;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    nlines = 0;
    invalidations = 0;
    vetoes = 0;
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static ens_call_options timeout_of(long ms)
{
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    co.timeout_ms = ms;
    return co;
}

/* An answer, as a driver would have one after its transfer. */
static ens_http_response *answer(long status, const char *retry_after)
{
    ens_http_response *r = NULL;
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    if (status)
        assert_int_equal(ens_http_response_set_status(r, status), ENS_OK);
    if (retry_after)
        assert_int_equal(ens_http_response_add_header(r, "Retry-After", 11, retry_after, strlen(retry_after)),
                         ENS_OK);
    return r;
}

/* The attempt under way went out, signed with the key "test-key-id". */
static void sent(ens__call *c)
{
    ens__exchange x;
    memset(&x, 0, sizeof(x));
    snprintf(x.key_id, sizeof(x.key_id), "test-key-id");
    ens__call_attempt_sent(c, &x);
}

/* Reports an attempt that the service answered with an error document. */
static void service_error(ens__call *c, long status, const char *doc, const char *retry_after)
{
    ens_http_response *r = answer(status, retry_after);
    sent(c);
    ens_status st = ens__parse_error_body(doc, strlen(doc), status, ens__call_attempt_error(c));
    ens__call_attempt_done(c, st, r, NULL);
    ens_http_response_free(r);
}

/* Reports an attempt that failed before any answer. */
static void no_answer(ens__call *c, ens_status st)
{
    ens_http_response *r = answer(0, NULL);
    sent(c);
    ens__error_set(ens__call_attempt_error(c), st, "%s: scripted", ens_strerror(st));
    ens__call_attempt_done(c, st, r, NULL);
    ens_http_response_free(r);
}

static const char unavailable[] = "{\"RequestId\":\"U\",\"Code\":\"ServiceUnavailable\",\"Message\":\"later\"}";
static const char bad_param[] = "{\"RequestId\":\"P\",\"Code\":\"InvalidParameter\",\"Message\":\"no\"}";
static const char token_expired[] =
    "{\"RequestId\":\"X\",\"Code\":\"InvalidSecurityToken.Expired\",\"Message\":\"expired\"}";

/* ---- tests ------------------------------------------------------------------ */

static void test_success_first_attempt(void **state)
{
    cfg g = {0};
    ens_client *client = client_with(&g);
    ens_call_options co = timeout_of(1000);
    ens_http_response *r = answer(200, NULL);
    ens__call c;
    long ms = -1;
    (void)state;
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    assert_true(ms > 900 && ms <= 1000); /* the whole deadline is the first attempt's */
    assert_false(ens__call_finished(&c));
    sent(&c);
    ens__call_attempt_done(&c, ENS_OK, r, "hello");
    assert_true(ens__call_finished(&c));
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_OK);
    assert_int_equal(ens__call_error(&c)->status, ENS_OK);
    assert_int_equal(ens__call_error(&c)->attempts, 1);
    assert_int_equal(ens__call_error(&c)->http_status, 200);
    assert_int_equal(nlines, 1);
    assert_non_null(strstr(lines[0], "EchoAction: HTTP 200, body hello, 1 attempt(s), "));
    ens_http_response_free(r);
    ens_client_free(client);
}

static void test_retries_then_gives_up(void **state)
{
    cfg g = {.max_attempts = 3, .base_ms = 5, .cap_ms = 8};
    ens_client *client = client_with(&g);
    ens__call c;
    long ms;
    unsigned int i;
    (void)state;
    ens__call_start(&c, client, &echo_op, NULL);
    for (i = 1; i <= 3; i++) {
        assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
        service_error(&c, 503, unavailable, NULL);
        if (i < 3) {
            char want[64];
            assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_WAIT);
            assert_true(ms >= 0 && ms <= 8); /* full jitter under the cap */
            snprintf(want, sizeof(want), "EchoAction: attempt %u/3 failed, retrying in %ld ms: ", i, ms);
            assert_non_null(strstr(last_line(), want));
        }
    }
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ESERVICE);
    assert_int_equal(ens__call_error(&c)->attempts, 3);
    assert_int_equal(ens__call_error(&c)->http_status, 503);
    assert_string_equal(ens__call_error(&c)->code, "ServiceUnavailable");
    assert_int_equal(nlines, 3);
    assert_string_equal(last_line(), "EchoAction: service error ServiceUnavailable (HTTP 503): later "
                                     "[RequestId: U] (after 3 attempts); a temporary failure of the service: "
                                     "try again later, or allow more attempts (max_attempts, now 3)");
    ens_client_free(client);
}

static void test_not_retryable_and_veto(void **state)
{
    cfg g = {.max_attempts = 5};
    ens_client *client = client_with(&g);
    ens__call c;
    long ms;
    (void)state;
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 400, bad_param, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ESERVICE);
    assert_int_equal(ens__call_error(&c)->attempts, 1);
    ens_client_free(client);

    /* the client's veto stops a retry the policy would make */
    g.retry_fn = veto;
    client = client_with(&g);
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 503, unavailable, NULL);
    assert_int_equal(vetoes, 1);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ESERVICE);
    ens_client_free(client);
}

static void test_credentials_refreshed_once_at_once(void **state)
{
    cfg g = {.max_attempts = 1};
    ens_client *client = client_with(&g);
    ens__call c;
    long ms;
    (void)state;
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 400, token_expired, NULL);
    assert_int_equal(invalidations, 1);
    assert_string_equal(last_line(), "EchoAction: InvalidSecurityToken.Expired; refreshing the credentials "
                                     "and retrying once");
    /* no wait: the next attempt goes at once, on top of max_attempts */
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 400, token_expired, NULL);
    assert_int_equal(invalidations, 1);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_EAUTH);
    assert_int_equal(ens__call_error(&c)->attempts, 2);
    ens_client_free(client);

    /* the refreshed attempt does not use up a retry */
    g.max_attempts = 2;
    g.base_ms = g.cap_ms = 1;
    client = client_with(&g);
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 400, token_expired, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 503, unavailable, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_WAIT);
    assert_non_null(strstr(last_line(), "EchoAction: attempt 2/2 failed, retrying in "));
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 503, unavailable, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_error(&c)->attempts, 3);
    ens_client_free(client);
}

static void test_budget_is_what_is_left(void **state)
{
    cfg g = {.max_attempts = 3, .base_ms = 1, .cap_ms = 1};
    ens_client *client = client_with(&g);
    ens_call_options co = timeout_of(400);
    ens__call c;
    long first, ms;
    (void)state;
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &first), ENS__CALL_SEND);
    assert_true(first <= 400);
    sleep_ms(60);
    no_answer(&c, ENS_ENETWORK); /* before any answer: retried */
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_WAIT);
    sleep_ms(ms);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    assert_true(ms <= first - 60);
    /* and the deadline passed while waiting: the last failure is reported */
    no_answer(&c, ENS_ETIMEOUT);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_WAIT);
    sleep_ms(400);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ETIMEOUT);
    assert_string_equal(ens__call_error(&c)->description,
                        "timed out: scripted (after 2 attempts); raise timeout_ms (now 400 ms for all "
                        "attempts and waits; ens_client_options or ens_call_options) if the service needs "
                        "longer");
    assert_string_equal(ens__call_error(&c)->setting, "timeout_ms");
    assert_int_equal(ens__call_error(&c)->attempts, 2);
    ens_client_free(client);
}

static void test_deadline(void **state)
{
    cfg g = {.max_attempts = 3, .base_ms = 1, .cap_ms = 100000};
    ens_client *client = client_with(&g);
    ens_call_options co = timeout_of(20);
    ens__call c;
    long ms;
    (void)state;
    /* passed before the first attempt */
    ens__call_start(&c, client, &echo_op, &co);
    sleep_ms(30);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ETIMEOUT);
    assert_string_equal(ens__call_error(&c)->description,
                        "timed out: the 20 ms deadline passed; raise timeout_ms (now 20 ms for all attempts "
                        "and waits; ens_client_options or ens_call_options) if the service needs longer");
    assert_int_equal(ens__call_error(&c)->attempts, 0);

    /* a backoff the deadline leaves no room for is not waited */
    co = timeout_of(1000);
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    service_error(&c, 503, unavailable, "10");
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ESERVICE);
    assert_string_equal(lines[nlines - 2], "EchoAction: not retrying, the deadline is too close: service "
                                           "error ServiceUnavailable (HTTP 503): later [RequestId: U]");
    /* the final error says why it stopped after one attempt */
    assert_non_null(strstr(ens__call_error(&c)->description,
                           "[RequestId: U] (after 1 attempt, the deadline leaving no time for another); "));
    ens_client_free(client);
}

static void test_cancel(void **state)
{
    cfg g = {.max_attempts = 3, .base_ms = 1, .cap_ms = 1};
    ens_client *client = client_with(&g);
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_http_response *r = answer(200, NULL);
    ens_cancel *token = NULL;
    ens__call c;
    long ms;
    (void)state;
    assert_int_equal(ens_cancel_new(&token), ENS_OK);
    co.cancel = token;

    /* triggered before the start: nothing is sent */
    ens_cancel_trigger(token);
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ECANCELED);
    assert_string_equal(ens__call_error(&c)->description, "canceled after 0 attempt(s)");
    ens_cancel_reset(token);

    /* by the driver during an attempt, then nothing changes any more */
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    sent(&c);
    ens__call_cancel(&c, " by the test");
    assert_string_equal(ens__call_error(&c)->description, "canceled by the test during attempt 1");
    ens__call_attempt_done(&c, ENS_OK, r, "late");
    ens__call_cancel(&c, " again");
    assert_int_equal(ens__call_status(&c), ENS_ECANCELED);
    assert_int_equal(ens__call_error(&c)->attempts, 1);

    /* the token during an attempt that then fails */
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    ens_cancel_trigger(token);
    no_answer(&c, ENS_ENETWORK);
    assert_int_equal(ens__call_status(&c), ENS_ECANCELED);
    assert_string_equal(ens__call_error(&c)->description, "canceled during attempt 1");
    /* ... while a success still wins */
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    ens__call_attempt_done(&c, ENS_OK, r, "x");
    assert_int_equal(ens__call_status(&c), ENS_OK);

    /* during a wait */
    ens_cancel_reset(token);
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    no_answer(&c, ENS_ENETWORK);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_WAIT);
    ens_cancel_trigger(token);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_string_equal(ens__call_error(&c)->description, "canceled after 1 attempt(s)");
    assert_string_equal(last_line(), "EchoAction: canceled after 1 attempt(s)");

    ens_cancel_free(token);
    ens_http_response_free(r);
    ens_client_free(client);
}

static void test_rate_limit(void **state)
{
    cfg g = {.max_attempts = 1, .rate = 10.0}; /* one every 100 ms */
    ens_client *client = client_with(&g);
    ens_call_options co = timeout_of(50);
    ens__call a, b, c;
    long ms;
    (void)state;
    ens__call_start(&a, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&a, &ms), ENS__CALL_SEND);
    ens__call_start(&b, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&b, &ms), ENS__CALL_WAIT);
    assert_true(ms > 0 && ms <= 101); /* 100 ms, less what the bucket refilled meanwhile */
    /* the next token is further away than this call's deadline */
    ens__call_start(&c, client, &echo_op, &co);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_ETIMEOUT);
    assert_string_equal(ens__call_error(&c)->description,
                        "timed out: the client-side rate limit would delay the call past its deadline; raise "
                        "rate_limit_per_second (now 10) or timeout_ms (now 50 ms)");
    assert_string_equal(ens__call_error(&c)->setting, "rate_limit_per_second");
    /* b's token is its own once waited for */
    assert_int_equal(ens__call_next(&b, &ms), ENS__CALL_SEND);
    ens_client_free(client);
}

static void test_driver_bugs_and_refusals(void **state)
{
    cfg g = {0};
    ens_client *client = client_with(&g);
    ens_error e = ENS_ERROR_INIT, err = ENS_ERROR_INIT;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens__call c;
    long ms;
    (void)state;
    /* asking for the next step during an attempt ends the call */
    ens__call_start(&c, client, &echo_op, NULL);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_SEND);
    assert_int_equal(ens__call_next(&c, &ms), ENS__CALL_DONE);
    assert_int_equal(ens__call_status(&c), ENS_EINTERNAL);

    co.timeout_ms = -1;
    assert_int_equal(ens__call_check_options(&co, &e), ENS_EINVAL);
    assert_string_equal(e.description, "invalid argument: bad ens_call_options");
    co.timeout_ms = 0;
    co.version = 99;
    assert_int_equal(ens__call_check_options(&co, NULL), ENS_EINVAL);
    assert_int_equal(ens__call_check_options(NULL, NULL), ENS_OK);

    nlines = 0;
    ens__error_set(&e, ENS_EINVAL, "invalid argument: scripted");
    e.attempts = 7;
    assert_int_equal(ens__call_refuse(client, &echo_op, ENS_EINVAL, &e, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_int_equal(err.attempts, 0);
    assert_string_equal(last_line(), "EchoAction: invalid argument: scripted");
    assert_int_equal(ens__call_refuse(NULL, &echo_op, ENS_EINVAL, &e, NULL), ENS_EINVAL);
    ens_client_free(client);
}

/* The exchange and the blocking driver serve any action: the operation's
 * action, version, query and decoding are all they take from it. */
static void test_any_action_through_the_blocking_driver(void **state)
{
    capture k = {.status = 200, .body = "payload"};
    cfg g = {.transport = &k};
    ens_client *client = client_with(&g);
    ens_error err = ENS_ERROR_INIT;
    void *result = NULL;
    ens__rpc_plan with_query = echo_plan("A=1&B=two"), none = echo_plan("");
    (void)state;
    assert_int_equal(ens__call_blocking(client, &with_query, NULL, &result, &err), ENS_OK);
    assert_string_equal(result, "payload");
    echo_free(result);
    assert_int_equal(k.sends, 1);
    assert_string_equal(k.action, "EchoAction");
    assert_string_equal(k.version, "2020-02-02");
    assert_non_null(strstr(k.url, "/?A=1&B=two"));
    assert_non_null(strstr(last_line(), "EchoAction: HTTP 200, body payload, 1 attempt(s), "));

    /* an error answer is the same service error as for any action */
    k.status = 400;
    k.body = bad_param;
    result = NULL;
    assert_int_equal(ens__call_blocking(client, &none, NULL, &result, &err), ENS_ESERVICE);
    assert_null(result);
    assert_string_equal(err.code, "InvalidParameter");
    assert_int_equal(err.attempts, 1);
    assert_null(strchr(k.url, '?')); /* no query, no '?' */
    /* and a 2xx body the operation cannot decode */
    k.status = 200;
    k.body = "";
    assert_int_equal(ens__call_blocking(client, &none, NULL, &result, &err), ENS_EPARSE);
    assert_int_equal(err.http_status, 200);
    ens_client_free(client);
}

/* ---- what an error says to do ------------------------------------------------ */

/* The remedy and what comes before it end the description whole: a failure
 * too long for both is cut short, at a character, with "...". */
static void test_remedy_cuts_the_failure_short(void **state)
{
    ens_error e = ENS_ERROR_INIT;
    char long_text[800];
    size_t dl, i;
    (void)state;
    /* "\xc3\xa9" (U+00E9) repeated: a cut must not split one */
    for (i = 0; i + 2 < sizeof(long_text); i += 2)
        memcpy(long_text + i, "\xc3\xa9", 2);
    long_text[i] = '\0';
    ens__error_set(&e, ENS_ESERVICE, "%s", long_text);
    ens__error_remedy(&e, " (after 2 attempts)", "max_attempts", "allow more attempts (max_attempts, now %u)",
                      2u);
    dl = strlen(e.description);
    assert_true(dl <= sizeof(e.description) - 1);
    assert_non_null(strstr(e.description, "\xa9... (after 2 attempts); allow more attempts (max_attempts, now 2)"));
    assert_string_equal(e.description + dl - strlen(e.remedy), e.remedy);
    assert_string_equal(e.setting, "max_attempts");
    assert_true(ens__utf8_valid(e.description, dl));

    /* short enough: nothing cut */
    ens__error_set(&e, ENS_ETLS, "TLS error: scripted");
    ens__error_remedy(&e, NULL, "ca_file", "give the CA in ca_file");
    assert_string_equal(e.description, "TLS error: scripted; give the CA in ca_file");
    assert_string_equal(e.remedy, "give the CA in ca_file");
}

/* ---- the request copy ------------------------------------------------------ */

static int allocations;
static void *count_malloc(void *payload, size_t size)
{
    (void)payload;
    allocations++;
    return malloc(size);
}
static void *count_realloc(void *payload, void *p, size_t size)
{
    (void)payload;
    allocations++;
    return realloc(p, size);
}
static void count_free(void *payload, void *p)
{
    (void)payload;
    free(p);
}

static void test_request_copy(void **state)
{
    static const ens_allocator hooks = {.version = ENS_ALLOCATOR_VERSION, .malloc_fn = count_malloc,
                                        .realloc_fn = count_realloc, .free_fn = count_free};
    char region[] = "cn-xian-unicom", id0[] = "n-1", id1[] = "n-22";
    const char *ids[] = {id0, id1};
    ens_describe_request src = ENS_DESCRIBE_REQUEST_INIT, dst;
    char *block = NULL;
    (void)state;
    src.ens_region_id = region;
    src.name = "";
    src.network_ids = ids;
    src.network_ids_count = 2;
    src.page_number = 3;
    src.page_size = 20;
    assert_int_equal(ens_set_allocator(&hooks), ENS_OK);
    allocations = 0;
    assert_int_equal(ens__request_copy(&src, &dst, &block), ENS_OK);
    assert_int_equal(allocations, 1); /* one block for everything */
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    /* the caller's strings may change or go: the copy keeps its own */
    memset(region, 'x', sizeof(region) - 1);
    memset(id1, 'y', sizeof(id1) - 1);
    assert_null(dst.instance_id);
    assert_string_equal(dst.ens_region_id, "cn-xian-unicom");
    assert_string_equal(dst.name, "");
    assert_int_equal(dst.network_ids_count, 2);
    assert_string_equal(dst.network_ids[0], "n-1");
    assert_string_equal(dst.network_ids[1], "n-22");
    assert_int_equal(dst.page_number, 3);
    assert_int_equal(dst.page_size, 20);
    assert_int_equal(dst.version, ENS_DESCRIBE_REQUEST_VERSION);
    assert_int_equal(ens_describe_request_validate(&dst, NULL), ENS_OK);
    ens__free(block);

    /* nothing to copy: no block, and never the caller's (empty) array */
    src = (ens_describe_request)ENS_DESCRIBE_REQUEST_INIT;
    src.network_ids = ids;
    block = (char *)&src;
    assert_int_equal(ens__request_copy(&src, &dst, &block), ENS_OK);
    assert_null(block);
    assert_null(dst.network_ids);
}

/* ---- the allocations of a call in the steady state ------------------------ */

/* A DescribeNetworkPeerConnections call on a client that has made calls
 * before allocates only what it must (the canonical query, the signable
 * request, the result block): the response object and its storage are kept
 * by the client, the signer's and the URL's texts fit on the stack (47
 * allocations a call before that). */
static void test_steady_state_allocations(void **state)
{
    static const ens_allocator hooks = {.version = ENS_ALLOCATOR_VERSION, .malloc_fn = count_malloc,
                                        .realloc_fn = count_realloc, .free_fn = count_free};
    static const char page[] =
        "{\"RequestId\":\"R\",\"PageNumber\":1,\"PageSize\":10,\"TotalCount\":1,\"NetworkPeerConnects\":"
        "[{\"InstanceId\":\"pcc-1\",\"Name\":\"a\",\"Status\":\"Activated\"}]}";
    capture k = {0};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_client *c = NULL;
    int i, per_call[3];
    (void)state;
    k.status = 200;
    k.body = page;
    req.ens_region_id = "cn-xian-unicom";
    req.page_number = 1;
    req.page_size = 10;
    assert_int_equal(ens_set_allocator(&hooks), ENS_OK);
    assert_int_equal(ens_transport_new(&o.transport, &capture_vt, &k), ENS_OK);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "id", "secret", "token"), ENS_OK);
    o.endpoint = "http://127.0.0.1:1";
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    for (i = 0; i < 5; i++) {
        ens_describe_response *resp = NULL;
        allocations = 0;
        assert_int_equal(ens_describe_peer_connections(c, &req, &resp, NULL), ENS_OK);
        assert_int_equal(resp->connections_count, 1);
        ens_describe_response_free(resp);
        if (i >= 2)
            per_call[i - 2] = allocations;
    }
    ens_client_free(c);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    assert_int_equal(k.sends, 5);
    for (i = 0; i < 3; i++)
        assert_in_range(per_call[i], 1, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_first_attempt),
        cmocka_unit_test(test_retries_then_gives_up),
        cmocka_unit_test(test_not_retryable_and_veto),
        cmocka_unit_test(test_credentials_refreshed_once_at_once),
        cmocka_unit_test(test_budget_is_what_is_left),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_driver_bugs_and_refusals),
        cmocka_unit_test(test_any_action_through_the_blocking_driver),
        cmocka_unit_test(test_remedy_cuts_the_failure_short),
        cmocka_unit_test(test_request_copy),
        cmocka_unit_test(test_steady_state_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
