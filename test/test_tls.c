/* SPDX-License-Identifier: MIT */
/* TLS through the libcurl transport against the mock server: the host name
 * is verified (a certificate for another name is refused even when it is
 * trusted), and every TLS failure says what to do about it, never "turn
 * verification off"; a CA file that cannot be used is refused when the
 * client is made, with the option named. */
#include <stdio.h>
#include <string.h>

#include "support/mock.h"

#define OTHER_CERT ENS_TLS_DIR "/other.pem" /* self-signed, DNS:other.invalid only */
#define OTHER_KEY ENS_TLS_DIR "/other.key"

static ensmock_server *start_with(const char *cert, const char *key)
{
    ensmock_options mo;
    ensmock_server *srv = NULL;
    ensmock_options_init(&mo);
    mo.tls_cert_file = cert;
    mo.tls_key_file = key;
    assert_int_equal(ensmock_start(&mo, &srv), ENSMOCK_OK);
    return srv;
}

/* One call on a client of endpoint; its status, err filled. */
static ens_status call_on(const char *endpoint, const char *ca_file, ens_error *err)
{
    ts_client_options o = {.key_id = ENSMOCK_DEMO_KEY_ID, .secret = ENSMOCK_DEMO_KEY_SECRET,
                           .endpoint = endpoint, .ca_file = ca_file, .max_attempts = 1,
                           .timeout_ms = 10000};
    ens_client *c = ts_client(&o);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_status st;
    ens_error_init(err);
    st = ens_describe_peer_connections(c, &req, &resp, err);
    ens_describe_response_free(resp);
    ens_client_free(c);
    return st;
}

static void expect_advice(const ens_error *err, const char *must, const char *why)
{
    print_message("%s\n", err->description);
    if (!strstr(err->description, must))
        fail_msg("%s: the description does not say \"%s\": %s", why, must, err->description);
    if (strstr(err->description, "insecure"))
        fail_msg("%s: the description suggests turning verification off: %s", why, err->description);
}

static void test_wrong_host_name_refused(void **state)
{
    /* trusted (the certificate is its own CA, given as ca_file), but issued
       for other.invalid: connecting by 127.0.0.1 or localhost must fail */
    ensmock_server *srv = start_with(OTHER_CERT, OTHER_KEY);
    char url[64];
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", ensmock_port(srv));
    assert_int_equal(call_on(url, OTHER_CERT, &err), ENS_ETLS);
    expect_advice(&err, "host name", "wrong name, by IP address");
    snprintf(url, sizeof(url), "https://localhost:%u", ensmock_port(srv));
    assert_int_equal(call_on(url, OTHER_CERT, &err), ENS_ETLS);
    expect_advice(&err, "host name", "wrong name, by name");
    ensmock_stop(srv);

    /* the same client settings reach a server whose certificate carries the name */
    srv = ts_mock_start(&(ts_mock_options){.tls = true});
    snprintf(url, sizeof(url), "https://localhost:%u", ensmock_port(srv));
    assert_int_equal(call_on(url, ts_tls_ca_file(), &err), ENS_OK);
    ensmock_stop(srv);
}

static void test_untrusted_names_ca_file(void **state)
{
    /* the system store does not know the test CA */
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = true});
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(call_on(ensmock_url(srv), NULL, &err), ENS_ETLS);
    expect_advice(&err, "ca_file", "untrusted certificate");
    /* a CA that did not sign it */
    assert_int_equal(call_on(ensmock_url(srv), OTHER_CERT, &err), ENS_ETLS);
    expect_advice(&err, "ca_file", "another CA");
    ensmock_stop(srv);
    /* a self-signed server certificate */
    srv = start_with(OTHER_CERT, OTHER_KEY);
    assert_int_equal(call_on(ensmock_url(srv), NULL, &err), ENS_ETLS);
    expect_advice(&err, "ca_file", "self-signed certificate");
    ensmock_stop(srv);
}

/* What a plain HTTP server says to a TLS ClientHello. */
static void plain_http_answer(void *ctx, int fd, const char *request, size_t len)
{
    static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                "Connection: close\r\n\r\n";
    (void)ctx;
    (void)request;
    (void)len;
    ts_send_all(fd, reply, sizeof(reply) - 1);
}

static void test_https_to_plain_http(void **state)
{
    /* A loopback server of the test's own rather than the mock: the
       libmicrohttpd of Debian 11 (0.9.72) can crash on a ClientHello. */
    ts_http_server *srv = ts_http_start_ex(&(ts_http_options){.handler = plain_http_answer,
                                                              .first_read_only = true});
    char url[64];
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", ts_http_port(srv));
    assert_int_equal(call_on(url, ts_tls_ca_file(), &err), ENS_ETLS);
    expect_advice(&err, "serves HTTPS", "https to an http server");
    ts_http_stop(srv);
}

static void test_unusable_ca_file(void **state)
{
    /* readable but not PEM: libcurl says so at the first request */
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = true});
    char dir[512], path[600];
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    ts_tmpdir(dir, sizeof(dir), "ens-tls");
    snprintf(path, sizeof(path), "%s/garbage.pem", dir);
    ts_write_file(path, "this is not a certificate\n");
    assert_int_equal(call_on(ensmock_url(srv), path, &err), ENS_ETLS);
    expect_advice(&err, "ca_file", "a CA file that is not PEM");
    ts_rm_rf(dir);
    ensmock_stop(srv);
}

static void test_client_refuses_missing_ca_file(void **state)
{
    /* at ens_client_new(), not at the first request */
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "k", "s", NULL), ENS_OK);
    o.ca_file = "/nonexistent/ensclient-test/ca.pem";
    assert_int_equal(ens_client_new(&c, &o, &err), ENS_EINVAL);
    assert_null(c);
    assert_int_equal(err.status, ENS_EINVAL);
    print_message("%s\n", err.description);
    assert_non_null(strstr(err.description, "ca_file \"/nonexistent/ensclient-test/ca.pem\" does not exist"));
    assert_non_null(strstr(err.description, "PEM file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_host_name_refused),
        cmocka_unit_test(test_untrusted_names_ca_file),
        cmocka_unit_test(test_https_to_plain_http),
        cmocka_unit_test(test_unusable_ca_file),
        cmocka_unit_test(test_client_refuses_missing_ca_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
