/* SPDX-License-Identifier: MIT */
/* Secrets never reach a log line or an error: a sweep over the library's
 * paths (success, service errors, network faults, retries, TLS failures,
 * paging, every recorded cassette, credential failures) with the most
 * verbose log level, collecting every log line and every error field, then
 * searching that text for the AccessKey secret, the STS token and every
 * signature the library computed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"

#define SECRET "sweep-SECRET-9f8e7d6c5b4a"
#define TOKEN "sweep-TOKEN-1a2b3c4d5e6f"
#define KEY_ID "sweep-key-id"

/* Every log line and error text of the sweep. */
static ts_log seen = TS_LOG_INIT;
static char signatures[4096][65];
static size_t nsig;

static void collect_error(const ens_error *e)
{
    ts_log_add(&seen, e->description);
    ts_log_add(&seen, e->code);
    ts_log_add(&seen, e->message);
    ts_log_add(&seen, e->request_id);
    ts_log_add(&seen, e->host_id);
    ts_log_add(&seen, e->recommend);
}

/* A transport that notes each request's signature, then delegates. */
static ens_status spy_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                           ens_error *err)
{
    size_t i;
    for (i = 0; i < req->header_count; i++) {
        const char *sig;
        if (strcmp(req->headers[i].name, "authorization") != 0)
            continue;
        sig = strstr(req->headers[i].value, "Signature=");
        if (sig && nsig < 4096) {
            snprintf(signatures[nsig], 65, "%s", sig + 10);
            nsig++;
        }
    }
    return ens_transport_send(ctx, req, resp, err);
}

static void spy_destroy(void *ctx) { ens_transport_free(ctx); }

static const ens_transport_vtable spy_vt = {.version = ENS_TRANSPORT_VTABLE_VERSION,
                                            .send = spy_send, .destroy = spy_destroy};

/* A client over inner (wrapped in the spy), logging everything into seen. */
static ens_client *client_over(ens_transport *inner, const char *endpoint, const char *secret,
                               unsigned attempts, long timeout_ms, size_t cap)
{
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    ts_client_options o = {.key_id = KEY_ID, .secret = secret, .token = TOKEN, .endpoint = endpoint,
                           .log = &seen, .log_level = ENS_LOG_DEBUG, .max_attempts = attempts,
                           .retry_base_delay_ms = 1, .retry_max_delay_ms = 5,
                           .timeout_ms = timeout_ms, .max_response_bytes = cap};
    assert_int_equal(ens_transport_new(&o.transport, &spy_vt, inner), ENS_OK);
    if (ts_client_try(&c, &o, &err) != ENS_OK) {
        collect_error(&err);
        fail_msg("client: %s", err.description);
    }
    return c;
}

static ens_client *curl_client(const char *endpoint, const char *secret, unsigned attempts,
                               long timeout_ms, size_t cap)
{
    ens_transport *t = NULL;
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
    return client_over(t, endpoint, secret, attempts, timeout_ms, cap);
}

/* One call; its error (if any) joins the sweep.  Returns the status and
 * copies the error to *out when out is not NULL. */
static ens_status one_call_err(ens_client *c, const ens_describe_request *req, ens_error *out)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = ens_describe_peer_connections(c, req, &resp, &err);
    if (st != ENS_OK)
        collect_error(&err);
    ens_describe_response_free(resp);
    if (out)
        *out = err;
    return st;
}

static ens_status one_call(ens_client *c, const ens_describe_request *req)
{
    return one_call_err(c, req, NULL);
}

/* Walks every page; returns how the walk ended (ENS_ITEROVER when complete). */
static ens_status walk(ens_client *c)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *p;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    req.page_size = 10;
    if ((st = ens_peer_iterator_new(&it, c, &req, NULL, &err)) != ENS_OK) {
        collect_error(&err);
        return st;
    }
    while ((st = ens_peer_iterator_next(it, &p, &err)) == ENS_OK) {
    }
    if (st != ENS_ITEROVER)
        collect_error(&err);
    ens_peer_iterator_free(it);
    return st;
}

static void sweep_mock(bool tls)
{
    ensmock_key key = {KEY_ID, SECRET, TOKEN};
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.keys = &key, .key_count = 1, .tls = tls});
    ensmock_faults f = {0};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_client *c;

    c = curl_client(ensmock_url(srv), SECRET, 3, 30000, 0);
    if (tls) {
        /* TLS: refused without the CA file (the test CA is not in the system store) */
        assert_int_equal(one_call(c, &req), ENS_ETLS);
        ens_client_free(c);
        ensmock_stop(srv);
        return;
    }
    assert_int_equal(one_call(c, &req), ENS_OK);
    assert_int_equal(walk(c), ENS_ITEROVER);
    req.page_size = 5; /* invalid: never sent */
    assert_int_equal(one_call_err(c, &req, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "PageSize"));
    req.page_size = 0;
    /* two throttled answers and one 503 use up the 3 attempts ... */
    f.throttle_first_n = 2;
    f.unavailable_first_n = 2;
    ensmock_set_faults(srv, &f);
    assert_int_equal(one_call_err(c, &req, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "ServiceUnavailable");
    assert_int_equal(err.attempts, 3);
    /* ... and the next call gets the last 503, then succeeds */
    assert_int_equal(one_call_err(c, &req, &err), ENS_OK);
    memset(&f, 0, sizeof(f));
    f.drop_connection = true;
    ensmock_set_faults(srv, &f);
    assert_int_equal(one_call(c, &req), ENS_ENETWORK);
    f.drop_connection = false;
    f.truncate_body = true;
    ensmock_set_faults(srv, &f);
    assert_int_equal(one_call(c, &req), ENS_ENETWORK);
    f.truncate_body = false;
    f.oversize_body_bytes = 64 * 1024;
    ensmock_set_faults(srv, &f);
    ens_client_free(c);
    c = curl_client(ensmock_url(srv), SECRET, 1, 30000, 16 * 1024);
    assert_int_equal(one_call(c, &req), ENS_ETOOLARGE);
    ens_client_free(c);
    f.oversize_body_bytes = 0;
    f.delay_ms = 2000;
    ensmock_set_faults(srv, &f);
    c = curl_client(ensmock_url(srv), SECRET, 2, 300, 0);
    assert_int_equal(one_call(c, &req), ENS_ETIMEOUT);
    ens_client_free(c);
    ensmock_set_faults(srv, NULL);

    /* a wrong secret: the server answers SignatureDoesNotMatch with its string to sign */
    c = curl_client(ensmock_url(srv), "sweep-WRONG-secret-0000", 1, 30000, 0);
    assert_int_equal(one_call_err(c, &req, &err), ENS_EAUTH);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_mock_paths(void **state)
{
    (void)state;
    sweep_mock(false);
    sweep_mock(true);
}

static void test_every_cassette(void **state)
{
    char dir[512];
    DIR *d;
    struct dirent *de;
    int n = 0, answered = 0, unmatched = 0;
    (void)state;
    ts_fixture_path(dir, sizeof(dir), "cassettes");
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        char path[1024];
        ens_replay *r = NULL;
        ens_transport *t = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_client *c;
        int k;
        if (!strstr(de->d_name, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (ens_replay_new(&r, path, &err) != ENS_OK) {
            collect_error(&err);
            fail_msg("cassette %s: %s", de->d_name, err.description);
        }
        assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
        c = client_over(t, NULL, SECRET, 1, 30000, 0);
        for (k = 0; k < 4; k++) {
            ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
            /* matched or not: both paths are swept */
            if (one_call(c, &req) == ENS_ETRANSPORT)
                unmatched++; /* no recorded exchange matches (or all are used up) */
            else
                answered++;  /* a recorded answer: a page, a service error, a fault */
        }
        ens_client_free(c);
        ens_replay_free(r);
        n++;
    }
    closedir(d);
    assert_true(n >= 20);
    /* both paths were swept, each many times (a plain request matches the
       first exchange of 17 of the 23 cassettes today; the others record a
       filtered or later-page request) */
    assert_true(answered >= n / 2);
    assert_true(unmatched >= n);
}

static ens_status failing_get(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)out;
    (void)err;
    return ENS_ECREDENTIALS;
}

static void test_credential_failures(void **state)
{
    static const ens_credentials_provider_vtable vt = {.version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION,
                                                       .get = failing_get};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &vt, NULL), ENS_OK);
    o.log_fn = ts_log_capture;
    o.log_payload = &seen;
    o.log_level = ENS_LOG_DEBUG;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    assert_int_equal(one_call(c, &req), ENS_ECREDENTIALS);
    ens_client_free(c);
    /* a secret with a line break is refused without being echoed; the rest of
       the default chain must not reach for a metadata service or real files */
    ts_env_no_real_credentials();
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID, 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET "\n", 1);
    ens_client_options_init(&o);
    o.log_fn = ts_log_capture;
    o.log_payload = &seen;
    o.log_level = ENS_LOG_DEBUG;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    assert_int_equal(one_call_err(c, &req, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "line break"));
    ens_client_free(c);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
}

static void test_nothing_leaked(void **state)
{
    size_t i;
    (void)state;
    assert_non_null(seen.text);
    /* the sweep did produce text: request logs, service errors, network errors */
    assert_non_null(strstr(seen.text, "authorization: [redacted]"));
    assert_non_null(strstr(seen.text, "x-acs-security-token: [redacted]"));
    assert_non_null(strstr(seen.text, "SignatureDoesNotMatch"));
    assert_non_null(strstr(seen.text, "Throttling.User"));
    assert_true(nsig > 20);
    assert_null(strstr(seen.text, SECRET));
    assert_null(strstr(seen.text, TOKEN));
    assert_null(strstr(seen.text, "sweep-WRONG-secret-0000"));
    for (i = 0; i < nsig; i++) {
        assert_int_equal(strlen(signatures[i]), 64);
        if (strstr(seen.text, signatures[i]))
            fail_msg("signature %zu appears in a log line or error", i);
    }
    ts_log_clear(&seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mock_paths),
        cmocka_unit_test(test_every_cassette),
        cmocka_unit_test(test_credential_failures),
        cmocka_unit_test(test_nothing_leaked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
