/* SPDX-License-Identifier: MIT */
/* Which proxy the libcurl transport uses, with a capturing proxy on
 * loopback started by the test: the proxy environment variables never carry
 * a request to a loopback host or a plain http:// request (its signed
 * headers and token would reach the proxy in cleartext), do carry https://
 * requests to other hosts (a CONNECT tunnel), and are never read with
 * ignore_environment_proxies; the proxy option serves every host but a
 * loopback one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"

/* A proxy that notes what reaches it and answers 502. */
typedef struct capture {
    ts_http_server *server;
    unsigned short port;
    int connections;
    char first_line[256];
    char proxy_url[64];
} capture;

static void capture_serve(void *ctx, int fd, const char *request, size_t len)
{
    static const char reply[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    capture *c = ctx;
    (void)len;
    if (c->connections++ == 0)
        snprintf(c->first_line, sizeof(c->first_line), "%.*s", (int)strcspn(request, "\r\n"), request);
    ts_send_all(fd, reply, sizeof(reply) - 1);
}

static void capture_start(capture *c)
{
    memset(c, 0, sizeof(*c));
    c->server = ts_http_start(capture_serve, c);
    c->port = ts_http_port(c->server);
    snprintf(c->proxy_url, sizeof(c->proxy_url), "http://127.0.0.1:%u", c->port);
}

/* Stops the proxy; what it saw stays readable. */
static void capture_stop(capture *c) { ts_http_stop(c->server); }

static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                         "all_proxy", "ALL_PROXY"};

static void env_proxies(const char *url)
{
    size_t i;
    for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
        if (url)
            setenv(proxy_vars[i], url, 1);
        else
            unsetenv(proxy_vars[i]);
    }
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
}

/* One signed-looking request through a new transport. */
static ens_status send_via(const ens_curl_transport_options *o, const char *url, ens_error *err)
{
    static const ens_http_header hdrs[] = {{"authorization", "ACS3-HMAC-SHA256 Credential=k,Signature=5ec2e7"},
                                           {"x-acs-security-token", "proxy-ToKeN"}};
    ens_http_request req = {ENS_HTTP_REQUEST_VERSION, "POST", url, hdrs, 2, NULL, 0, 500, 3000, 0, NULL};
    ens_transport *t = NULL;
    ens_http_response *r = NULL;
    ens_status st;
    assert_int_equal(ens_transport_curl_new_ex(&t, o, err), ENS_OK);
    assert_int_equal(ens_http_response_new(&r, 0), ENS_OK);
    st = ens_transport_send(t, &req, r, err);
    ens_http_response_free(r);
    ens_transport_free(t);
    return st;
}

static const ensmock_key sts_key = {"proxy-key-id", "proxy-secret", "proxy-sts-token"};

/* One call with STS credentials: answered by the mock itself, directly. */
static void call_ok(ensmock_server *srv, const char *ca_file, const char *proxy)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, sts_key.id, sts_key.secret,
                                                         sts_key.security_token),
                     ENS_OK);
    o.endpoint = ensmock_url(srv);
    o.ca_file = ca_file;
    o.proxy = proxy;
    o.max_attempts = 1;
    assert_int_equal(ens_client_new(&c, &o, &err), ENS_OK);
    if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK)
        fail_msg("call: %s", err.description);
    ens_describe_response_free(resp);
    ens_client_free(c);
}

static void test_loopback_endpoint_never_through_a_proxy(void **state)
{
    ensmock_server *plain = ts_mock_start(&(ts_mock_options){.keys = &sts_key, .key_count = 1});
    ensmock_server *tls = ts_mock_start(&(ts_mock_options){.keys = &sts_key, .key_count = 1, .tls = true});
    capture cap;
    (void)state;
    capture_start(&cap);
    env_proxies(cap.proxy_url);
    call_ok(plain, NULL, NULL);
    call_ok(tls, ts_tls_ca_file(), NULL);
    /* nor through the proxy option */
    call_ok(plain, NULL, cap.proxy_url);
    call_ok(tls, ts_tls_ca_file(), cap.proxy_url);
    env_proxies(NULL);
    capture_stop(&cap);
    if (cap.connections)
        fail_msg("a loopback request went through the proxy: %s", cap.first_line);
    ensmock_stop(plain);
    ensmock_stop(tls);
}

static void test_environment_never_for_plain_http(void **state)
{
    /* a host that is not loopback (TEST-NET-1: nothing answers) */
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    capture cap;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    capture_start(&cap);
    env_proxies(cap.proxy_url);
    assert_int_not_equal(send_via(&o, "http://192.0.2.1:9/?a=1", &err), ENS_OK);
    env_proxies(NULL);
    capture_stop(&cap);
    if (cap.connections)
        fail_msg("signed headers went to the environment's proxy in cleartext: %s", cap.first_line);
}

static void test_environment_for_https_as_a_tunnel(void **state)
{
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    capture cap;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    capture_start(&cap);
    env_proxies(cap.proxy_url);
    assert_int_not_equal(send_via(&o, "https://192.0.2.1:9/?a=1", &err), ENS_OK); /* the proxy's 502 */
    env_proxies(NULL);
    capture_stop(&cap);
    assert_int_equal(cap.connections, 1);
    /* only the tunnel's target: the request itself would go inside TLS */
    assert_string_equal(cap.first_line, "CONNECT 192.0.2.1:9 HTTP/1.1");
}

static void test_ignore_environment(void **state)
{
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    capture cap, other;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.ignore_environment_proxies = true;
    capture_start(&cap);
    env_proxies(cap.proxy_url);
    setenv("no_proxy", "192.0.2.1", 1);
    assert_int_not_equal(send_via(&o, "https://192.0.2.1:9/", &err), ENS_OK);
    assert_int_not_equal(send_via(&o, "http://192.0.2.1:9/", &err), ENS_OK);
    /* the proxy option still applies, and no_proxy is not read either */
    capture_start(&other);
    o.proxy = other.proxy_url;
    assert_int_not_equal(send_via(&o, "https://192.0.2.1:9/", &err), ENS_OK);
    env_proxies(NULL);
    capture_stop(&cap);
    capture_stop(&other);
    if (cap.connections)
        fail_msg("the environment's proxy was used: %s", cap.first_line);
    assert_int_equal(other.connections, 1);
    assert_string_equal(other.first_line, "CONNECT 192.0.2.1:9 HTTP/1.1");
}

static void test_option_for_other_hosts(void **state)
{
    /* plain http to a host that is not loopback is the caller's choice
       (allow_insecure_http): the proxy option then serves it */
    ens_curl_transport_options o = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    capture cap;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    env_proxies(NULL);
    capture_start(&cap);
    o.proxy = cap.proxy_url;
    assert_int_equal(send_via(&o, "http://192.0.2.1:9/?a=1", &err), ENS_OK); /* the proxy's 502 */
    /* "" turns every proxy off */
    o.proxy = "";
    assert_int_not_equal(send_via(&o, "http://192.0.2.1:9/?a=1", &err), ENS_OK);
    capture_stop(&cap);
    assert_int_equal(cap.connections, 1);
    assert_string_equal(cap.first_line, "POST http://192.0.2.1:9/?a=1 HTTP/1.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_endpoint_never_through_a_proxy),
        cmocka_unit_test(test_environment_never_for_plain_http),
        cmocka_unit_test(test_environment_for_https_as_a_tunnel),
        cmocka_unit_test(test_ignore_environment),
        cmocka_unit_test(test_option_for_other_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
