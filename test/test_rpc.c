/* SPDX-License-Identifier: MIT */
/* The generic RPC call (include/ensclient/rpc.h) over real sockets: against
 * the in-tree mock server (which verifies ACS3 on its own and answers only
 * DescribeNetworkPeerConnections), through both drivers, and against a
 * loopback server that records what an STS-shaped or an anonymous call puts
 * on the wire. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "support/mock.h"

static ens_status rpc(int async, ens_client *c, const ens_rpc_request *req, ens_rpc_response **out,
                      ens_error *err)
{
    return ts_rpc_by(async ? TS_ASYNC : TS_BLOCKING, c, req, NULL, out, err);
}

static ens_rpc_request request(const char *action, const char *version, const ens_rpc_param *p, size_t n)
{
    ens_rpc_request r = ENS_RPC_REQUEST_INIT;
    r.action = action;
    r.api_version = version;
    r.params = p;
    r.param_count = n;
    return r;
}

/* A member holding an integer, as a number or as text (the mock sends the
 * counts as text, as the service does). */
static long long member_int(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? atoll(json_string_value(v)) : (long long)json_integer_value(v);
}

static const char *member_text(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- against the mock --------------------------------------------------------- */

/* DescribeNetworkPeerConnections through the generic call gives what the
 * typed call gives, through either driver. */
static void test_describe_through_the_generic_call(void **state)
{
    static const ens_rpc_param p[] = {{"EnsRegionId", "cn-xian-unicom", 0}, {"PageSize", "20", 0}};
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    ens_describe_request dreq = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *typed = NULL;
    ens_rpc_request req = request("DescribeNetworkPeerConnections", "2017-11-10", p, 2);
    ens_error err = ENS_ERROR_INIT;
    int d;
    (void)state;
    dreq.ens_region_id = "cn-xian-unicom";
    dreq.page_size = 20;
    assert_int_equal(ens_describe_peer_connections(c, &dreq, &typed, &err), ENS_OK);
    for (d = 0; d < 2; d++) {
        ens_rpc_response *resp = NULL;
        json_t *root, *list;
        size_t len, i;
        const char *body;
        assert_int_equal(rpc(d, c, &req, &resp, &err), ENS_OK);
        assert_int_equal(ens_rpc_response_http_status(resp), 200);
        body = ens_rpc_response_body(resp, &len);
        assert_int_equal(strlen(body), len);
        assert_non_null(strstr(body, "\"NetworkPeerConnects\""));
        root = ens_rpc_response_json(resp);
        assert_non_null(root);
        assert_string_equal(ens_rpc_response_request_id(resp), member_text(root, "RequestId"));
        assert_true(strlen(ens_rpc_response_request_id(resp)) > 0);
        assert_int_equal(member_int(root, "TotalCount"), typed->total_count);
        list = json_object_get(root, "NetworkPeerConnects");
        assert_int_equal(json_array_size(list), typed->connections_count);
        for (i = 0; i < typed->connections_count; i++)
            assert_string_equal(member_text(json_array_get(list, i), "InstanceId"),
                                typed->connections[i].instance_id);
        ens_rpc_response_free(resp);
    }
    ens_describe_response_free(typed);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* Field by field, with the RequestId (one per answer) left out, and the
 * message too unless same_message (a refused signature's quotes the string
 * to sign, which differs between requests). */
static void assert_same_error(const ens_error *a, const ens_error *b, bool same_message)
{
    const char *ra = strstr(a->description, "[RequestId: "), *rb = strstr(b->description, "[RequestId: ");
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->http_status, b->http_status);
    assert_int_equal(a->attempts, b->attempts);
    assert_string_equal(a->code, b->code);
    assert_string_equal(a->host_id, b->host_id);
    assert_true(strlen(a->request_id) > 0 && strlen(b->request_id) > 0);
    assert_non_null(ra);
    assert_non_null(rb);
    if (same_message) {
        assert_string_equal(a->message, b->message);
        assert_int_equal(ra - a->description, rb - b->description);
        assert_memory_equal(a->description, b->description, (size_t)(ra - a->description));
    } else {
        /* "service error <Code> (HTTP <status>): " alike */
        const char *ma = strstr(a->description, "): "), *mb = strstr(b->description, "): ");
        assert_non_null(ma);
        assert_non_null(mb);
        assert_int_equal(ma - a->description, mb - b->description);
        assert_memory_equal(a->description, b->description, (size_t)(ma - a->description));
    }
}

/* An action the mock does not know is the service's error, mapped as the
 * typed call maps its errors: throttling and a refused signature compared
 * with the typed call's, field by field. */
static void test_service_errors_map_as_for_the_typed_call(void **state)
{
    ensmock_faults throttle = {.throttle_first_n = 1000};
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    ens_client *wrong = ts_mock_client(srv, &(ts_client_options){.secret = "not-the-secret", .max_attempts = 1});
    ens_rpc_request req = request("DescribeEnsRegions", "2017-11-10", NULL, 0);
    ens_describe_request dreq = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *typed = NULL;
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT, terr = ENS_ERROR_INIT;
    char want[256];
    int d;
    (void)state;
    for (d = 0; d < 2; d++) {
        assert_int_equal(rpc(d, c, &req, &resp, &err), ENS_ESERVICE);
        assert_null(resp);
        assert_int_equal(err.http_status, 404);
        assert_string_equal(err.code, "InvalidAction.NotFound");
        assert_string_equal(err.message, "Specified api is not found, please check your url and method.");
        assert_int_equal(err.attempts, 1);
        snprintf(want, sizeof(want),
                 "service error InvalidAction.NotFound (HTTP 404): Specified api is not found, please check "
                 "your url and method. [RequestId: %s]",
                 err.request_id);
        assert_string_equal(err.description, want);
    }

    /* a refused signature, both ways */
    req.action = "DescribeNetworkPeerConnections";
    assert_int_equal(ens_describe_peer_connections(wrong, &dreq, &typed, &terr), ENS_EAUTH);
    for (d = 0; d < 2; d++) {
        assert_int_equal(rpc(d, wrong, &req, &resp, &err), ENS_EAUTH);
        assert_same_error(&err, &terr, false);
    }

    /* throttling, both ways */
    assert_int_equal(ensmock_set_faults(srv, &throttle), ENSMOCK_OK);
    assert_int_equal(ens_describe_peer_connections(c, &dreq, &typed, &terr), ENS_ESERVICE);
    assert_string_equal(terr.code, "Throttling.User");
    for (d = 0; d < 2; d++) {
        assert_int_equal(rpc(d, c, &req, &resp, &err), ENS_ESERVICE);
        assert_same_error(&err, &terr, true);
    }
    assert_null(typed);
    ens_client_free(wrong);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* The mock checks ACS3 before the action: an STS-shaped request (a Policy
 * full of reserved characters, UTF-8, an empty value) reaches the mock's
 * AssumeRole only when its signature verified, and a wrong secret is
 * refused. */
static void test_sts_shaped_request_is_signed_right(void **state)
{
    static const ens_rpc_param p[] = {
        {"RoleArn", "acs:ram::1234567890123456:role/ens-reader", 0},
        {"RoleSessionName", "daemon-7", 0},
        {"DurationSeconds", "3600", 0},
        {"Policy", "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ens:Describe*\","
                   "\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"x\":\"a b+c/d~e%f&g=h\\u00e9 \xe7\x8c\xab\"}}}]}",
         0},
        {"ExternalId", "", 0},
    };
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    ens_client *wrong = ts_mock_client(srv, &(ts_client_options){.secret = "not-the-secret", .max_attempts = 1});
    ens_rpc_request req = request("AssumeRole", "2015-04-01", p, sizeof(p) / sizeof(p[0]));
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_rpc_call(c, &req, NULL, &resp, &err), ENS_OK); /* past authentication */
    assert_non_null(strstr(ens_rpc_response_body(resp, NULL), "\"AccessKeyId\":\"STS."));
    ens_rpc_response_free(resp);
    resp = NULL;
    assert_int_equal(ens_rpc_call(wrong, &req, NULL, &resp, &err), ENS_EAUTH);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_null(resp);
    ens_client_free(wrong);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- on the wire ---------------------------------------------------------------- */

typedef struct wire {
    pthread_mutex_t lock;
    char request[16384];
    int requests;
    const char *reply; /* a whole HTTP response */
} wire;

static void record_and_reply(void *ctx, int fd, const char *request, size_t len)
{
    wire *w = ctx;
    const char *reply;
    pthread_mutex_lock(&w->lock);
    snprintf(w->request, sizeof(w->request), "%.*s", (int)len, request);
    w->requests++;
    reply = w->reply;
    pthread_mutex_unlock(&w->lock);
    ts_send_all(fd, reply, strlen(reply));
}

/* What the server recorded, once it is done with it (the lock orders the
 * server's writes before the test's reads). */
static const char *recorded(wire *w, int *requests)
{
    pthread_mutex_lock(&w->lock);
    *requests = w->requests;
    pthread_mutex_unlock(&w->lock);
    return w->request;
}

/* The value of header name (lower case; matched in any case) in the recorded
 * request, or NULL. */
static const char *header_of(const char *request, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    const char *p = strstr(request, "\r\n"), *eol;
    for (; p; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
            break;
    if (!p)
        return NULL;
    p += 2 + n + 1;
    while (*p == ' ')
        p++;
    eol = strstr(p, "\r\n");
    snprintf(out, cap, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
    return out;
}

#define STS_ANSWER_BODY                                                                                   \
    "{\"RequestId\":\"6894B13B-6D71-4EF5-88FA-F32781734A7F\",\"AssumedRoleUser\":{\"Arn\":"            \
    "\"acs:ram::1234567890123456:role/ens-reader/daemon-7\",\"AssumedRoleId\":\"34458433936495****:daemon-7\"}," \
    "\"Credentials\":{\"SecurityToken\":\"" TS_TOKEN "\",\"AccessKeyId\":\"STS.NUgYrLnoC37mZZCNnAbez****\","  \
    "\"AccessKeySecret\":\"" TS_SECRET "\",\"Expiration\":\"2015-04-09T11:52:19Z\"}}"

static char sts_reply[1024];

/* A provider that counts the times it is asked. */
static int provider_gets;
static ens_status counting_get(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)err;
    provider_gets++;
    return ens_credentials_new(out, "source-key-id", "source-secret", NULL, 0);
}

static ens_client *wire_client(const char *endpoint, ts_log *log)
{
    static const ens_credentials_provider_vtable vt = {.version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION,
                                                       .get = counting_get};
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &vt, NULL), ENS_OK);
    o.endpoint = endpoint;
    o.max_attempts = 1;
    o.log_fn = ts_log_capture;
    o.log_payload = log;
    o.log_level = ENS_LOG_DEBUG;
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    provider_gets = 0;
    return c;
}

/* AssumeRole as an STS provider will call it: a client of its own whose
 * request names the STS endpoint; signed with the source credentials; the
 * answer's secrets reach the caller through the parsed value and never the
 * log. */
static void test_assume_role_on_the_wire(void **state)
{
    static const ens_rpc_param p[] = {
        {"RoleArn", "acs:ram::1234567890123456:role/ens-reader", 0},
        {"RoleSessionName", "daemon-7", 0},
        {"DurationSeconds", "3600", 0},
        {"Policy", "{\"Version\":\"1\"}", 0},
        {"ExternalId", "abc", 0},
    };
    wire w = {.lock = PTHREAD_MUTEX_INITIALIZER};
    ts_http_server *s;
    ts_log log = TS_LOG_INIT;
    ens_client *c;
    ens_rpc_request req = request("AssumeRole", "2015-04-01", p, sizeof(p) / sizeof(p[0]));
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    char endpoint[64], h[512];
    const char *seen;
    int requests;
    json_t *root, *creds;
    (void)state;
    snprintf(sts_reply, sizeof(sts_reply),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(STS_ANSWER_BODY), STS_ANSWER_BODY);
    w.reply = sts_reply;
    s = ts_http_start(record_and_reply, &w);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", (unsigned)ts_http_port(s));
    /* the client's own endpoint is elsewhere: the request's wins */
    c = wire_client("http://127.0.0.1:1", &log);
    req.endpoint = endpoint;
    assert_int_equal(ens_rpc_call(c, &req, NULL, &resp, &err), ENS_OK);
    seen = recorded(&w, &requests);
    assert_int_equal(requests, 1);
    assert_int_equal(provider_gets, 1);
    assert_non_null(strstr(seen, "POST /?DurationSeconds=3600&ExternalId=abc&"
                                      "Policy=%7B%22Version%22%3A%221%22%7D&"
                                      "RoleArn=acs%3Aram%3A%3A1234567890123456%3Arole%2Fens-reader&"
                                      "RoleSessionName=daemon-7 HTTP/1.1\r\n"));
    assert_string_equal(header_of(seen, "x-acs-action", h, sizeof(h)), "AssumeRole");
    assert_string_equal(header_of(seen, "x-acs-version", h, sizeof(h)), "2015-04-01");
    snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", (unsigned)ts_http_port(s));
    assert_string_equal(header_of(seen, "host", h, sizeof(h)), endpoint);
    assert_non_null(header_of(seen, "authorization", h, sizeof(h)));
    assert_non_null(strstr(h, "ACS3-HMAC-SHA256 Credential=source-key-id,SignedHeaders=host;x-acs-action;"));

    assert_int_equal(ens_rpc_response_http_status(resp), 200);
    assert_string_equal(ens_rpc_response_request_id(resp), "6894B13B-6D71-4EF5-88FA-F32781734A7F");
    root = ens_rpc_response_json(resp);
    creds = json_object_get(root, "Credentials");
    assert_string_equal(member_text(creds, "AccessKeySecret"), TS_SECRET);
    assert_string_equal(member_text(creds, "SecurityToken"), TS_TOKEN);
    /* the caller may keep the value beyond the response */
    assert_ptr_equal(ens_rpc_response_take_json(resp), root);
    assert_null(ens_rpc_response_json(resp));
    assert_null(ens_rpc_response_take_json(resp));
    ens_rpc_response_free(resp);
    assert_string_equal(member_text(json_object_get(root, "AssumedRoleUser"), "AssumedRoleId"),
                        "34458433936495****:daemon-7");
    json_decref(root);

    assert_non_null(strstr(ts_log_text(&log), "AssumeRole: HTTP 200, "));
    assert_non_null(strstr(ts_log_text(&log), "RequestId 6894B13B-6D71-4EF5-88FA-F32781734A7F, 1 attempt(s)"));
    assert_null(strstr(ts_log_text(&log), TS_SECRET));
    assert_null(strstr(ts_log_text(&log), TS_TOKEN));
    ts_log_clear(&log);
    ens_client_free(c);
    ts_http_stop(s);
}

/* Anonymous mode (AssumeRoleWithOIDC): no credentials asked for, no
 * Authorization or token sent, the date and nonce still are; a secret
 * parameter is on the wire but never in a log line. */
static void test_anonymous_sends_no_authorization(void **state)
{
    static const ens_rpc_param p[] = {
        {"RoleArn", "acs:ram::1234567890123456:role/ens-reader", 0},
        {"OIDCProviderArn", "acs:ram::1234567890123456:oidc-provider/ack-rrsa", 0},
        {"OIDCToken", "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LW9pZGMtdG9rZW4", ENS_RPC_PARAM_SECRET},
        {"RoleSessionName", "pod-1", 0},
    };
    wire w = {.lock = PTHREAD_MUTEX_INITIALIZER};
    ts_http_server *s;
    ts_log log = TS_LOG_INIT;
    ens_client *c;
    ens_rpc_request req = request("AssumeRoleWithOIDC", "2015-04-01", p, sizeof(p) / sizeof(p[0]));
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    char endpoint[64], h[512];
    const char *seen;
    int requests, d;
    (void)state;
    snprintf(sts_reply, sizeof(sts_reply),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(STS_ANSWER_BODY), STS_ANSWER_BODY);
    w.reply = sts_reply;
    s = ts_http_start(record_and_reply, &w);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", (unsigned)ts_http_port(s));
    c = wire_client(endpoint, &log);
    req.anonymous = true;
    for (d = 0; d < 2; d++) {
        assert_int_equal(rpc(d, c, &req, &resp, &err), ENS_OK);
        seen = recorded(&w, &requests);
        assert_int_equal(requests, d + 1);
        assert_int_equal(provider_gets, 0);
        assert_null(header_of(seen, "authorization", h, sizeof(h)));
        assert_null(header_of(seen, "x-acs-security-token", h, sizeof(h)));
        assert_null(strstr(seen, "source-key-id"));
        assert_string_equal(header_of(seen, "x-acs-action", h, sizeof(h)), "AssumeRoleWithOIDC");
        assert_non_null(header_of(seen, "x-acs-date", h, sizeof(h)));
        assert_int_equal(strlen(h), 20);
        assert_non_null(header_of(seen, "x-acs-signature-nonce", h, sizeof(h)));
        assert_non_null(strstr(seen, "&OIDCToken=eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LW9pZGMtdG9rZW4&"));
        ens_rpc_response_free(resp);
        resp = NULL;
    }
    /* DEBUG lines show the request line, with the token redacted */
    assert_non_null(strstr(ts_log_text(&log), "&OIDCToken=[redacted]&"));
    assert_null(strstr(ts_log_text(&log), "c2VjcmV0LW9pZGMtdG9rZW4"));
    assert_null(strstr(ts_log_text(&log), TS_SECRET));
    ts_log_clear(&log);
    ens_client_free(c);
    ts_http_stop(s);
}

/* The mock refuses an unsigned request: what it says is that no
 * Authorization came. */
static void test_anonymous_against_the_mock(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_attempts = 1});
    ens_rpc_request req = request("DescribeNetworkPeerConnections", "2017-11-10", NULL, 0);
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    req.anonymous = true;
    assert_int_equal(ens_rpc_call(c, &req, NULL, &resp, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "MissingParameter");
    assert_non_null(strstr(err.message, "\"Authorization\""));
    ens_client_free(c);
    ensmock_stop(srv);
}

/* A 2xx body that is not a JSON object is a parse error. */
static void test_answer_not_an_object(void **state)
{
    static const char *const bodies[] = {"[1,2]", "{\"RequestId\":", "<html>ok</html>"};
    static char replies[3][256]; /* one each: the server may still be sending the last one */
    wire w = {.lock = PTHREAD_MUTEX_INITIALIZER};
    ts_log log = TS_LOG_INIT;
    ts_http_server *s;
    ens_client *c;
    ens_rpc_request req = request("AnyAction", "2020-01-01", NULL, 0);
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    char endpoint[64];
    size_t i;
    (void)state;
    s = ts_http_start(record_and_reply, &w);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", (unsigned)ts_http_port(s));
    c = wire_client(endpoint, &log);
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(replies[i], sizeof(replies[i]),
                 "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s", strlen(bodies[i]),
                 bodies[i]);
        pthread_mutex_lock(&w.lock);
        w.reply = replies[i];
        pthread_mutex_unlock(&w.lock);
        assert_int_equal(ens_rpc_call(c, &req, NULL, &resp, &err), ENS_EPARSE);
        assert_int_equal(err.http_status, 200);
        assert_non_null(strstr(err.description, "response parse error: "));
        assert_null(resp);
    }
    ts_log_clear(&log);
    ens_client_free(c);
    ts_http_stop(s);
}

/* ---- refusals: nothing is sent -------------------------------------------------- */

static void test_refusals(void **state)
{
    static const ens_rpc_param named = {"A", "1", 0}, unnamed = {"", "1", 0}, no_value = {"A", NULL, 0},
                               odd_flags = {"A", "1", 4};
    ts_log log = TS_LOG_INIT;
    ens_client *c = wire_client("http://127.0.0.1:1", &log);
    ens_rpc_request req = request("AssumeRole", "2015-04-01", NULL, 0);
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    struct {
        ens_rpc_request r;
        const char *says;
    } cases[12];
    size_t i, n = 0;
    (void)state;
#define CASE(mod, text)                                                                                \
    do {                                                                                               \
        cases[n].r = req;                                                                              \
        { ens_rpc_request *r = &cases[n].r; mod; }                                                     \
        cases[n++].says = text;                                                                        \
    } while (0)
    CASE(r->version = 0, "unknown ens_rpc_request version 0");
    CASE(r->version = 99, "unknown ens_rpc_request version 99");
    CASE(r->action = NULL, "action must be 1..128 letters and digits");
    CASE(r->action = "Assume Role", "action must be");
    CASE(r->action = "AssumeRole\r\nx-evil: 1", "action must be");
    CASE(r->api_version = "", "api_version must be");
    CASE(r->param_count = 1, "params must hold param_count");
    CASE((r->params = &unnamed, r->param_count = 1), "params[0] needs a name and a value");
    CASE((r->params = &no_value, r->param_count = 1), "params[0] needs a name and a value");
    CASE((r->params = &odd_flags, r->param_count = 1), "params[0] has unknown flags 0x4");
    CASE((r->params = &named, r->param_count = 1, r->endpoint = "http://sts.aliyuncs.com"),
         "plain http to a host that is not loopback would expose credentials");
    CASE(r->endpoint = "ftp://sts.aliyuncs.com", "invalid argument: ");
#undef CASE
    for (i = 0; i < n; i++) {
        ens_error_init(&err);
        assert_int_equal(ens_rpc_call(c, &cases[i].r, NULL, &resp, &err), ENS_EINVAL);
        if (!strstr(err.description, cases[i].says))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.description, cases[i].says);
        assert_int_equal(err.attempts, 0);
        assert_null(resp);
    }
    assert_int_equal(provider_gets, 0);
    /* the refusal is logged under the action when it is well-formed */
    assert_non_null(strstr(ts_log_text(&log), "AssumeRole: invalid argument: params[0] needs a name"));
    assert_non_null(strstr(ts_log_text(&log), "RPC call: invalid argument: action must be"));
    assert_null(strstr(ts_log_text(&log), "x-evil"));
    assert_int_equal(ens_rpc_call(NULL, &req, NULL, &resp, &err), ENS_EINVAL);
    assert_int_equal(ens_rpc_call(c, NULL, NULL, &resp, &err), ENS_EINVAL);
    assert_int_equal(ens_rpc_call(c, &req, NULL, NULL, &err), ENS_EINVAL);
    assert_int_equal(ens_rpc_call_async(NULL, &req, NULL, NULL, NULL, NULL, &err), ENS_EINVAL);
    {
        ens_call_options co = ENS_CALL_OPTIONS_INIT;
        co.timeout_ms = -1;
        assert_int_equal(ens_rpc_call(c, &req, &co, &resp, &err), ENS_EINVAL);
    }
    /* the accessors take NULL */
    assert_null(ens_rpc_response_body(NULL, NULL));
    assert_int_equal(ens_rpc_response_http_status(NULL), 0);
    assert_string_equal(ens_rpc_response_request_id(NULL), "");
    assert_null(ens_rpc_response_json(NULL));
    assert_null(ens_rpc_response_take_json(NULL));
    ens_rpc_response_free(NULL);
    ens_rpc_request_init(NULL);
    ens_rpc_request_init(&req);
    assert_int_equal(req.version, ENS_RPC_REQUEST_VERSION);
    assert_null(req.action);
    ts_log_clear(&log);
    ens_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_through_the_generic_call),
        cmocka_unit_test(test_service_errors_map_as_for_the_typed_call),
        cmocka_unit_test(test_sts_shaped_request_is_signed_right),
        cmocka_unit_test(test_assume_role_on_the_wire),
        cmocka_unit_test(test_anonymous_sends_no_authorization),
        cmocka_unit_test(test_anonymous_against_the_mock),
        cmocka_unit_test(test_answer_not_an_object),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
