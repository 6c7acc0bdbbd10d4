/* SPDX-License-Identifier: MIT */
/* The client and the describe call, end to end over an in-test transport that
 * records what it was asked to send and answers with canned bodies. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/support.h"

typedef struct canned {
    long status;
    const char *body;
    ens_status fail; /* returned instead of a response when != ENS_OK */
    int sends;
    int destroyed;
    char url[1024];
    char headers[4096]; /* "name: value\n" lines as sent */
    long connect_timeout_ms, timeout_ms;
    size_t cap;
} canned;

static ens_status canned_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    canned *c = ctx;
    size_t i, off = 0;
    c->sends++;
    snprintf(c->url, sizeof(c->url), "%s", req->url);
    c->headers[0] = '\0';
    for (i = 0; i < req->header_count; i++)
        off += (size_t)snprintf(c->headers + off, sizeof(c->headers) - off, "%s: %s\n",
                                req->headers[i].name, req->headers[i].value);
    c->connect_timeout_ms = req->connect_timeout_ms;
    c->timeout_ms = req->timeout_ms;
    c->cap = req->max_response_bytes;
    assert_string_equal(req->method, "POST");
    assert_int_equal(req->body_len, 0);
    if (c->fail != ENS_OK) {
        if (err) {
            ens_error_init(err);
            err->status = c->fail;
            snprintf(err->description, sizeof(err->description), "canned failure");
        }
        return c->fail;
    }
    ens_http_response_set_status(resp, c->status);
    return ens_http_response_append_body(resp, c->body, strlen(c->body));
}

static void canned_destroy(void *ctx) { ((canned *)ctx)->destroyed++; }

static const ens_transport_vtable canned_vt = {ENS_TRANSPORT_VTABLE_VERSION, canned_send,
                                               canned_destroy};

/* Every client's log, at the most verbose level. */
static ts_log logs = TS_LOG_INIT;

static const char ok_body[] =
    "{\"RequestId\":\"REQ-1\",\"PageNumber\":\"1\",\"PageSize\":\"10\",\"TotalCount\":\"1\","
    "\"NetworkPeerConnects\":[{\"InstanceId\":\"pcc-1\",\"Name\":\"n\",\"Status\":\"Activated\","
    "\"CreationTime\":\"2024-05-31T06:43:29Z\",\"NetworkId\":\"n-a\",\"AcceptingNetworkId\":\"n-b\","
    "\"Network\":{\"NetworkId\":\"n-a\",\"Ipv4Cidrs\":[\"10.0.0.0/8\"]}}]}";

static ens_client *make_client(canned *c, const char *token, const char *endpoint)
{
    static ts_pins pins = TS_PINS_EXAMPLE;
    ens_transport *t = NULL;
    assert_int_equal(ens_transport_new(&t, &canned_vt, c), ENS_OK);
    return ts_client(&(ts_client_options){.key_id = "test-akid", .secret = TS_SECRET, .token = token,
                                          .endpoint = endpoint, .transport = t, .pins = &pins,
                                          .log = &logs, .log_level = ENS_LOG_DEBUG,
                                          .max_attempts = 1 /* retries have their own tests */});
}

static void assert_no_secret(const char *text)
{
    assert_null(strstr(text, TS_SECRET));
    assert_null(strstr(text, TS_TOKEN));
}

static void test_happy_path(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, "http://127.0.0.1:8080");
    const char *ids[] = {"n-b", "n-a"};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    req.ens_region_id = "cn-xian-unicom";
    req.network_ids = ids;
    req.network_ids_count = 2;
    req.page_size = 20;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_OK);
    assert_int_equal(err.status, ENS_OK); /* untouched on success */
    assert_string_equal(err.description, "");
    assert_int_equal(c.sends, 1);
    assert_string_equal(c.url, "http://127.0.0.1:8080/?EnsRegionId=cn-xian-unicom&NetworkIds.1=n-b"
                               "&NetworkIds.2=n-a&PageSize=20");
    assert_non_null(strstr(c.headers, "host: 127.0.0.1:8080\n"));
    assert_non_null(strstr(c.headers, "x-acs-action: DescribeNetworkPeerConnections\n"));
    assert_non_null(strstr(c.headers, "x-acs-version: 2017-11-10\n"));
    assert_non_null(strstr(c.headers, "x-acs-date: 2023-10-26T10:22:32Z\n"));
    assert_non_null(strstr(c.headers, "x-acs-signature-nonce: 3156853299f313e23d1673dc12e1703d\n"));
    assert_non_null(strstr(c.headers, "x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"));
    assert_non_null(strstr(c.headers, "accept: application/json\n"));
    assert_non_null(strstr(c.headers, "user-agent: ensclient/" ENS_VERSION_STRING));
    assert_non_null(strstr(c.headers, "authorization: ACS3-HMAC-SHA256 Credential=test-akid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="));
    assert_null(strstr(c.headers, "x-acs-security-token"));
    assert_int_equal(c.connect_timeout_ms, ENS_DEFAULT_CONNECT_TIMEOUT_MS);
    /* the attempt gets what is left of the call's deadline */
    assert_true(c.timeout_ms <= ENS_DEFAULT_TIMEOUT_MS && c.timeout_ms > ENS_DEFAULT_TIMEOUT_MS - 5000);
    assert_int_equal(c.cap, ENS_DEFAULT_MAX_RESPONSE_BYTES);

    assert_string_equal(resp->request_id, "REQ-1");
    assert_int_equal(resp->total_count, 1);
    assert_int_equal(resp->connections_count, 1);
    assert_string_equal(resp->connections[0].instance_id, "pcc-1");
    assert_int_equal(resp->connections[0].status, ENS_PEER_STATUS_ACTIVATED);
    ens_describe_response_free(resp);
    ens_client_free(client);
    assert_int_equal(c.destroyed, 1);
}

static void test_signature_is_deterministic_when_pinned(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    char first[4096];
    (void)state;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, NULL), ENS_OK);
    ens_describe_response_free(resp);
    assert_string_equal(c.url, "https://ens.aliyuncs.com/");
    assert_non_null(strstr(c.headers, "host: ens.aliyuncs.com\n"));
    strcpy(first, c.headers);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, NULL), ENS_OK);
    ens_describe_response_free(resp);
    assert_string_equal(first, c.headers);
    ens_client_free(client);
}

static void test_sts_token_is_sent_and_signed(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, TS_TOKEN, "http://localhost:9");
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    (void)state;
    ts_log_clear(&logs);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, NULL), ENS_OK);
    ens_describe_response_free(resp);
    assert_non_null(strstr(c.headers, "x-acs-security-token: " TS_TOKEN "\n"));
    assert_non_null(strstr(c.headers, "x-acs-date;x-acs-security-token;x-acs-signature-nonce"));
    /* the debug log shows the request but never the token or signature */
    assert_non_null(strstr(ts_log_text(&logs), "x-acs-security-token: [redacted]"));
    assert_non_null(strstr(ts_log_text(&logs), "authorization: [redacted]"));
    assert_null(strstr(ts_log_text(&logs), "Signature="));
    assert_no_secret(ts_log_text(&logs));
    ens_client_free(client);
}

static void test_invalid_request_sends_nothing(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    req.page_size = 5;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_EINVAL);
    assert_null(resp);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_non_null(strstr(err.description, "PageSize"));
    assert_int_equal(err.attempts, 0);
    assert_int_equal(c.sends, 0);
    assert_int_equal(ens_describe_peer_connections(client, NULL, &resp, &err), ENS_EINVAL);
    assert_int_equal(ens_describe_peer_connections(NULL, &req, &resp, &err), ENS_EINVAL);
    ens_client_free(client);
}

typedef struct error_case {
    long status;
    const char *body;
    ens_status expect;
    const char *code;
} error_case;

static void test_error_mapping(void **state)
{
    static const error_case cases[] = {
        {400, "{\"RequestId\":\"R1\",\"HostId\":\"ens.aliyuncs.com\",\"Code\":\"Throttling.User\","
              "\"Message\":\"Request was denied due to user flow control.\"}",
         ENS_ESERVICE, "Throttling.User"},
        {400, "{\"RequestId\":\"R2\",\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"bad\"}",
         ENS_EAUTH, "SignatureDoesNotMatch"},
        {404, "{\"RequestId\":\"R3\",\"Code\":\"InvalidAccessKeyId.NotFound\",\"Message\":\"x\"}",
         ENS_EAUTH, "InvalidAccessKeyId.NotFound"},
        {503, "{\"RequestId\":\"R4\",\"Code\":\"ServiceUnavailable\",\"Message\":\"later\"}",
         ENS_ESERVICE, "ServiceUnavailable"},
        {502, "<html><body>Bad Gateway</body></html>", ENS_EHTTP, ""},
        {200, "<html>not json</html>", ENS_EPARSE, ""},
        {200, "{\"RequestId\":\"R5\",\"TotalCount\":\"many\"}", ENS_EPARSE, ""},
        {200, "{\"RequestId\":\"R6\",\"NetworkPeerConnects\":[{\"InstanceId\":", ENS_EPARSE, ""},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        canned c = {cases[i].status, cases[i].body, ENS_OK, 0, 0, "", "", 0, 0, 0};
        ens_client *client = make_client(&c, NULL, NULL);
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st = ens_describe_peer_connections(client, &req, &resp, &err);
        assert_int_equal(st, cases[i].expect);
        assert_int_equal(err.status, cases[i].expect);
        assert_null(resp);
        assert_string_equal(err.code, cases[i].code);
        assert_int_equal(err.http_status, cases[i].status);
        assert_int_equal(err.attempts, 1);
        assert_true(strlen(err.description) > 0);
        assert_no_secret(err.description);
        ens_client_free(client);
    }
}

static void test_service_error_details(void **state)
{
    canned c = {400, "{\"RequestId\":\"CEF72CEB\",\"HostId\":\"ens.aliyuncs.com\",\"Code\":"
                     "\"InvalidParameter.PageSize\",\"Message\":\"The specified field PageSize invalid.\","
                     "\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=x\"}",
                ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "InvalidParameter.PageSize");
    assert_string_equal(err.message, "The specified field PageSize invalid.");
    assert_string_equal(err.request_id, "CEF72CEB");
    assert_string_equal(err.host_id, "ens.aliyuncs.com");
    assert_string_equal(err.recommend, "https://api.aliyun.com/troubleshoot?q=x");
    assert_non_null(strstr(err.description, "InvalidParameter.PageSize"));
    assert_non_null(strstr(err.description, "CEF72CEB"));
    ens_client_free(client);
}

static void test_transport_failure(void **state)
{
    canned c = {0, "", ENS_ETIMEOUT, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_ETIMEOUT);
    assert_int_equal(err.status, ENS_ETIMEOUT);
    assert_int_equal(err.attempts, 1);
    assert_string_equal(err.description, "canned failure (after 1 attempt); raise timeout_ms (now 30000 ms for "
                                         "all attempts and waits; ens_client_options or ens_call_options) if "
                                         "the service needs longer");
    assert_string_equal(err.setting, "timeout_ms");
    ens_client_free(client);
}

static ens_status no_creds(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)out;
    if (err) {
        ens_error_init(err);
        err->status = ENS_ECREDENTIALS;
        strcpy(err->description, "credentials unavailable: vault is sealed");
    }
    return ENS_ECREDENTIALS;
}

static void test_credentials_failure_sends_nothing(void **state)
{
    static const ens_credentials_provider_vtable vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get = no_creds};
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &vt, NULL), ENS_OK);
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_OK);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_ECREDENTIALS);
    assert_string_equal(err.description, "credentials unavailable: vault is sealed; make a source of the "
                                         "client's own credentials provider hold credentials, or give the "
                                         "client another provider (ens_client_options.credentials)");
    assert_string_equal(err.setting, "credentials");
    assert_int_equal(err.attempts, 0); /* nothing was sent */
    assert_int_equal(c.sends, 0);
    ens_client_free(client);
}

static void test_env_credentials_by_default(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    /* never reach for a real metadata service or real profile files */
    ts_env_no_real_credentials();
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_OK);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_ECREDENTIALS);
    /* the default chain says what it tried, in the official order */
    assert_non_null(strstr(err.description, "environment"));
    assert_non_null(strstr(err.description, "cli config"));
    assert_non_null(strstr(err.description, "credentials file"));
    assert_non_null(strstr(err.description, "instance RAM role"));
    assert_true(strstr(err.description, "environment") < strstr(err.description, "cli config"));
    assert_int_equal(c.sends, 0);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-akid", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", TS_SECRET, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_OK);
    assert_non_null(strstr(c.headers, "Credential=env-akid,"));
    ens_describe_response_free(resp);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    ens_client_free(client);
}

static void test_options(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client_options o;
    ens_client *client = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    (void)state;
    ens_client_options_init(&o);
    assert_int_equal(o.version, ENS_CLIENT_OPTIONS_VERSION);
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "id", TS_SECRET, NULL), ENS_OK);
    o.connect_timeout_ms = 1234;
    o.timeout_ms = 5678;
    o.max_response_bytes = 4096;
    o.user_agent_suffix = "my-daemon/2.1";
    o.endpoint = "https://ens.example.test:8443/";
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_OK);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, NULL), ENS_OK);
    ens_describe_response_free(resp);
    assert_int_equal(c.connect_timeout_ms, 1234);
    assert_true(c.timeout_ms <= 5678 && c.timeout_ms > 5678 - 2000);
    assert_int_equal(c.cap, 4096);
    assert_string_equal(c.url, "https://ens.example.test:8443/");
    assert_non_null(strstr(c.headers, "host: ens.example.test:8443\n"));
    assert_non_null(strstr(c.headers, "user-agent: ensclient/" ENS_VERSION_STRING " my-daemon/2.1\n"));
    ens_client_free(client);
}

static void test_endpoints(void **state)
{
    static const struct {
        const char *endpoint;
        bool allow_http;
        ens_status expect;
        const char *url;
    } cases[] = {
        {"ens.aliyuncs.com", false, ENS_OK, "https://ens.aliyuncs.com/"},
        {"https://ens.aliyuncs.com:443", false, ENS_OK, "https://ens.aliyuncs.com:443/"},
        {"http://127.0.0.1:8080", false, ENS_OK, "http://127.0.0.1:8080/"},
        {"http://localhost", false, ENS_OK, "http://localhost/"},
        {"http://[::1]:9000", false, ENS_OK, "http://[::1]:9000/"},
        {"http://ens.aliyuncs.com", false, ENS_EINVAL, NULL},
        {"http://10.0.0.1:80", true, ENS_OK, "http://10.0.0.1:80/"},
        {"ftp://ens.aliyuncs.com", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com/path", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com/?q=1", false, ENS_EINVAL, NULL},
        {"https://user@ens.aliyuncs.com", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com:0", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com:65536", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com:", false, ENS_EINVAL, NULL},
        {"https://", false, ENS_EINVAL, NULL},
        {"https://ens aliyuncs", false, ENS_EINVAL, NULL},
        {"https://ens.aliyuncs.com\r\nX: y", false, ENS_EINVAL, NULL},
        {"", false, ENS_EINVAL, NULL},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
        ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
        ens_client *client = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
        assert_int_equal(ens_credentials_provider_static_new(&o.credentials, "id", TS_SECRET, NULL), ENS_OK);
        o.endpoint = cases[i].endpoint;
        o.allow_insecure_http = cases[i].allow_http;
        st = ens_client_new(&client, &o, &err);
        if (st != cases[i].expect)
            fail_msg("endpoint '%s': got %d", cases[i].endpoint, st);
        if (st == ENS_OK) {
            ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
            ens_describe_response *resp = NULL;
            assert_int_equal(ens_describe_peer_connections(client, &req, &resp, NULL), ENS_OK);
            ens_describe_response_free(resp);
            assert_string_equal(c.url, cases[i].url);
            ens_client_free(client);
        } else {
            assert_null(client);
            assert_true(strlen(err.description) > 0);
        }
        /* whatever happened, the client took the transport and destroyed it */
        assert_int_equal(c.destroyed, 1);
    }
}

static void test_new_takes_ownership_on_failure(void **state)
{
    canned c = {200, ok_body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    (void)state;
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    o.timeout_ms = -1;
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_EINVAL);
    assert_int_equal(c.destroyed, 1);

    ens_client_options_init(&o);
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    o.version = 42;
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_EINVAL);
    assert_int_equal(c.destroyed, 2);

    ens_client_options_init(&o);
    assert_int_equal(ens_transport_new(&o.transport, &canned_vt, &c), ENS_OK);
    o.user_agent_suffix = "bad\r\nX-Injected: 1";
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_EINVAL);
    assert_int_equal(c.destroyed, 3);
    assert_null(client);
}

static void test_default_client_and_insecure_warning(void **state)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    (void)state;
    assert_int_equal(ens_client_new(&client, NULL, NULL), ENS_OK);
    ens_client_free(client);
    ts_log_clear(&logs);
    o.insecure_skip_tls_verify = true;
    o.log_fn = ts_log_capture;
    o.log_payload = &logs;
    o.log_level = ENS_LOG_WARN;
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_OK);
    assert_non_null(strstr(ts_log_text(&logs), "insecure_skip_tls_verify"));
    ens_client_free(client);
    ens_client_free(NULL);
}

/* A program built against ens_error version 1 has a smaller structure: the
 * library writes none of the version-2 fields into it, whichever way the
 * error is filled (a refusal, a failed call, the client's constructor, the
 * version-1 initialiser).  The structures are heap blocks of exactly the
 * version-1 size, so that AddressSanitizer and valgrind catch a write past
 * them; a guard after a stack copy catches it elsewhere. */
static void test_version_1_errors(void **state)
{
    const size_t v1 = offsetof(ens_error, setting);
    volatile size_t v1_size = v1; /* (the compiler is not to see the block's size) */
    canned c = {0, "", ENS_ETIMEOUT, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT, bad = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *none = NULL;
    ens_error *err = malloc(v1_size);
    unsigned char guarded[sizeof(ens_error)];
    ens_error *g = (ens_error *)(void *)guarded;
    size_t i;
    (void)state;
    assert_non_null(err);
    (ens_error_init)(err); /* the function, as a version-1 program calls it */
    assert_int_equal(err->version, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, err), ENS_ETIMEOUT);
    assert_int_equal(err->version, 1);
    assert_int_equal(err->attempts, 1);
    assert_non_null(strstr(err->description, "; raise timeout_ms")); /* the remedy still told */
    bad.page_size = 5;
    assert_int_equal(ens_describe_peer_connections(client, &bad, &resp, err), ENS_EINVAL);
    o.endpoint = "http://ens.example.com";
    assert_int_equal(ens_client_new(&none, &o, err), ENS_EINVAL);
    assert_non_null(strstr(err->description, "allow_insecure_http"));
    assert_int_equal(err->version, 1);
    /* the iterators copy errors too: a failed page, a walk ended by its own
       deadline, and that final error reported again */
    {
        ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
        ens_page_iterator *it = NULL;
        const ens_describe_response *page = NULL;
        assert_int_equal(ens_page_iterator_new(&it, client, &req, NULL, err), ENS_OK);
        assert_int_equal(ens_page_iterator_next(it, &page, err), ENS_ETIMEOUT);
        assert_int_equal(err->version, 1);
        ens_page_iterator_free(it);
        io.timeout_ms = 1;
        assert_int_equal(ens_page_iterator_new(&it, client, &req, &io, err), ENS_OK);
        while (ens_page_iterator_next(it, &page, err) != ENS_ETIMEOUT || !strstr(err->description, "walk"))
            usleep(2000);
        assert_int_equal(ens_page_iterator_next(it, &page, err), ENS_ETIMEOUT);
        assert_non_null(strstr(err->description, "walk's deadline"));
        assert_int_equal(err->version, 1);
        ens_page_iterator_free(it);
    }
    /* and a wait whose every poll fails */
    {
        ens_wait_options wo = ENS_WAIT_OPTIONS_INIT;
        ens_wait_result wr = ENS_WAIT_RESULT_INIT;
        wo.status = ENS_PEER_STATUS_ACTIVATED;
        wo.max_failures = 1;
        wo.min_delay_ms = 1;
        wo.timeout_ms = 5000;
        assert_int_not_equal(ens_wait_peer_connection(client, "pcc-x", &wo, &wr, err), ENS_OK);
        assert_int_equal(err->version, 1);
        ens_wait_result_clear(&wr);
    }
    free(err);

    memset(guarded, 0xA5, sizeof(guarded));
    g->version = 1;
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, g), ENS_ETIMEOUT);
    memset(guarded, 0xA5, sizeof(guarded));
    (ens_error_init)(g);
    for (i = v1; i < sizeof(guarded); i++)
        assert_int_equal(guarded[i], 0xA5);
    /* version 0 (a zeroed structure) is version 1 */
    memset(guarded, 0, v1);
    memset(guarded + v1, 0xA5, sizeof(guarded) - v1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, g), ENS_ETIMEOUT);
    assert_int_equal(g->version, 1);
    for (i = v1; i < sizeof(guarded); i++)
        assert_int_equal(guarded[i], 0xA5);

    /* the current version gets setting and remedy; the macro initialises it */
    ens_error_init(g);
    assert_int_equal(g->version, ENS_ERROR_VERSION);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, g), ENS_ETIMEOUT);
    assert_string_equal(g->setting, "timeout_ms");
    assert_non_null(strstr(g->description, g->remedy));
    assert_int_equal(ens_error_init_version(g, 0), ENS_EINVAL);
    assert_int_equal(ens_error_init_version(g, ENS_ERROR_VERSION + 1), ENS_EINVAL);
    assert_int_equal(ens_error_init_version(NULL, 1), ENS_EINVAL);
    assert_int_equal(ens_error_init_version(g, 2), ENS_OK);
    assert_string_equal(g->setting, "");
    assert_string_equal(g->description, "");
    ens_client_free(client);
}

/* The longest service error still ends with its attempts and remedy whole
 * (test_call checks the cut itself). */
static void test_long_failure_keeps_its_remedy(void **state)
{
    char body[900];
    char msg[600];
    canned c = {503, body, ENS_OK, 0, 0, "", "", 0, 0, 0};
    ens_client *client = make_client(&c, NULL, NULL);
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t dl, rl;
    (void)state;
    memset(msg, 'm', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    /* the longest RequestId and Message an ens_error holds */
    snprintf(body, sizeof(body),
             "{\"RequestId\":\"%.79s\",\"Code\":\"ServiceUnavailable\",\"Message\":\"%s\"}", msg, msg);
    assert_int_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_ESERVICE);
    dl = strlen(err.description);
    rl = strlen(err.remedy);
    assert_true(dl <= sizeof(err.description) - 1);
    assert_true(rl > 0);
    assert_string_equal(err.description + dl - rl, err.remedy);
    assert_non_null(strstr(err.description, "] (after 1 attempt); a temporary failure"));
    assert_string_equal(err.setting, "max_attempts");
    ens_client_free(client);
}

static void test_strerror_and_version(void **state)
{
    int s;
    (void)state;
    for (s = ENS_EPAGINATION; s <= ENS_ITEROVER; s++)
        assert_string_not_equal(ens_strerror(s), "unknown status");
    assert_string_equal(ens_strerror(-999), "unknown status");
    assert_string_equal(ens_version(), ENS_VERSION_STRING);
    assert_string_equal(ens_version(), "0.2.0");
}

static int free_logs(void **state)
{
    (void)state;
    ts_log_clear(&logs);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path),
        cmocka_unit_test(test_signature_is_deterministic_when_pinned),
        cmocka_unit_test(test_sts_token_is_sent_and_signed),
        cmocka_unit_test(test_invalid_request_sends_nothing),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_service_error_details),
        cmocka_unit_test(test_transport_failure),
        cmocka_unit_test(test_credentials_failure_sends_nothing),
        cmocka_unit_test(test_env_credentials_by_default),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_new_takes_ownership_on_failure),
        cmocka_unit_test(test_default_client_and_insecure_warning),
        cmocka_unit_test(test_version_1_errors),
        cmocka_unit_test(test_long_failure_keeps_its_remedy),
        cmocka_unit_test(test_strerror_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, free_logs);
}
