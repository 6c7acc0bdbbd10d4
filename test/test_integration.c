/* SPDX-License-Identifier: MIT */
/* Integration: the real libcurl transport and the real signer against the
 * local mock ENS server (started by this test on 127.0.0.1) over real sockets. */
#include <string.h>

#include "support/mock.h"

/* A client with the demo key id and the demo secret (or another one). */
static ens_client *client_for(ensmock_server *srv, const char *secret, long timeout_ms,
                              size_t cap, const char *ca_file, unsigned attempts)
{
    return ts_mock_client(srv, &(ts_client_options){.secret = secret, .timeout_ms = timeout_ms,
                                                    .connect_timeout_ms = 20000,
                                                    .max_response_bytes = cap, .ca_file = ca_file,
                                                    .max_attempts = attempts,
                                                    .retry_base_delay_ms = 10});
}

static void test_signed_call_and_filter(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = client_for(srv, NULL, 30000, 0, NULL, 1);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t i;
    (void)state;
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    assert_int_equal(resp->total_count, (int64_t)ensmock_data_count(srv));
    assert_int_equal(resp->page_number, 1);
    assert_int_equal(resp->connections_count, 10);
    assert_non_null(resp->request_id);
    ens_describe_response_free(resp);

    req.ens_region_id = "cn-xian-unicom";
    req.page_size = 100;
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    assert_true(resp->connections_count > 0);
    assert_int_equal(resp->total_count, (int64_t)resp->connections_count);
    for (i = 0; i < resp->connections_count; i++)
        assert_string_equal(resp->connections[i].ens_region_id, "cn-xian-unicom");
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_wrong_secret_is_an_auth_error(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = client_for(srv, "not-the-secret", 30000, 0, NULL, 1);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_EAUTH);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_int_equal(err.http_status, 400);
    assert_true(strlen(err.request_id) > 0);
    assert_null(strstr(err.description, "not-the-secret"));
    assert_null(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_connection_reuse(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = client_for(srv, NULL, 30000, 0, NULL, 1);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ensmock_stats st;
    int i;
    (void)state;
    for (i = 0; i < 1000; i++) {
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK)
            fail_msg("call %d: %s", i, err.description);
        assert_int_equal(resp->connections_count, 10);
        ens_describe_response_free(resp);
    }
    ensmock_stats_get(srv, &st);
    assert_int_equal(st.requests, 1000);
    assert_int_equal(st.ok, 1000);
    assert_int_equal(st.connections, 1);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_slow_server_hits_total_timeout(void **state)
{
    ensmock_faults f = {0};
    ensmock_server *srv;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    double t0, took;
    (void)state;
    f.delay_ms = 4000;
    srv = ts_mock_start(&(ts_mock_options){.faults = &f});
    c = client_for(srv, NULL, 300, 0, NULL, 1);
    t0 = ts_now_ms();
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ETIMEOUT);
    took = ts_now_ms() - t0;
    /* bound: the configured 300 ms plus a generous margin for a loaded machine */
    assert_true(took < 2500.0);
    assert_true(took >= 250.0);
    assert_int_equal(err.status, ENS_ETIMEOUT);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_dropped_and_truncated(void **state)
{
    ensmock_faults f = {0};
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = client_for(srv, NULL, 30000, 0, NULL, 1);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    f.drop_connection = true;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ENETWORK);
    assert_null(resp);

    f.drop_connection = false;
    f.truncate_body = true;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ENETWORK);
    assert_null(resp);

    /* the client is still usable afterwards */
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_size_cap(void **state)
{
    ensmock_faults f = {0};
    ensmock_server *srv;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    f.oversize_body_bytes = 256 * 1024;
    srv = ts_mock_start(&(ts_mock_options){.faults = &f});
    c = client_for(srv, NULL, 30000, 64 * 1024, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ETOOLARGE);
    assert_null(resp);
    ens_client_free(c);
    /* the same body fits under the default 8 MiB cap */
    c = client_for(srv, NULL, 30000, 0, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_tls(void **state)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = true});
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_non_null(strstr(ensmock_url(srv), "https://"));
    c = client_for(srv, NULL, 30000, 0, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ETLS);
    assert_null(resp);
    ens_client_free(c);
    c = client_for(srv, NULL, 30000, 0, ts_tls_ca_file(), 1);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    assert_int_equal(resp->connections_count, 10);
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_service_errors_over_http(void **state)
{
    ensmock_faults f = {0};
    ensmock_server *srv;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    f.throttle_first_n = 1;
    f.unavailable_first_n = 1;
    srv = ts_mock_start(&(ts_mock_options){.faults = &f});
    c = client_for(srv, NULL, 30000, 0, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "Throttling.User");
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "ServiceUnavailable");
    assert_int_equal(err.http_status, 503);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_retries_over_http(void **state)
{
    ensmock_faults f = {0};
    ensmock_server *srv;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ensmock_stats st;
    (void)state;
    f.throttle_first_n = 1;
    f.unavailable_first_n = 1;
    srv = ts_mock_start(&(ts_mock_options){.faults = &f});
    c = client_for(srv, NULL, 30000, 0, NULL, 3);
    /* throttled, then 503, then served: every attempt re-signed with a fresh
       nonce, or the server would answer SignatureNonceUsed */
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    ensmock_stats_get(srv, &st);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.throttled, 1);
    assert_int_equal(st.unavailable, 1);
    assert_int_equal(st.nonce_reused, 0);

    f.throttle_first_n = 0;
    f.unavailable_first_n = 5;
    assert_int_equal(ensmock_set_faults(srv, &f), ENSMOCK_OK);
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_ESERVICE);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(err.http_status, 503);
    ens_client_free(c);
    ensmock_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_call_and_filter),
        cmocka_unit_test(test_wrong_secret_is_an_auth_error),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_slow_server_hits_total_timeout),
        cmocka_unit_test(test_dropped_and_truncated),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_service_errors_over_http),
        cmocka_unit_test(test_retries_over_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
