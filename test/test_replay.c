/* SPDX-License-Identifier: MIT */
/* Record and replay transports, and the suite's cassettes end to end.
 *
 * Every cassette under test/fixtures/cassettes/ was written by this file's
 * generator (a record transport over a small in-test "server" transport that
 * serves the bodies), so they can be rebuilt after a format change:
 *
 *     build/test/test_replay --write-cassettes test/fixtures/cassettes
 */
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support/support.h"

/* The fictitious keys the committed cassettes were recorded with, and their
 * pinned clock (the shared constants, by shorter names). */
#define FIXTURE_AKID TS_FIXTURE_KEY_ID
#define FIXTURE_SECRET TS_FIXTURE_SECRET
#define FIXTURE_EPOCH TS_FIXTURE_EPOCH
/* A secret and a token that must never be written anywhere. */
#define TEST_SECRET TS_SECRET
#define TEST_TOKEN TS_TOKEN

/* Fails the running test, or stops the generator, outside cmocka's asserts. */
#define REQUIRE(cond)                                                                            \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* ---- files -------------------------------------------------------------- */

/* A recorded body of test/fixtures/bodies/ (malloc). */
static char *fixture_body(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "bodies/%s", name);
    return ts_fixture_load(rel, NULL);
}

/* ---- an in-test "server" transport -------------------------------------- */

typedef struct served {
    long status;
    const char *content_type;
    const char *body;      /* NUL-terminated */
    ens_status fail;       /* != ENS_OK: fail with message instead of answering */
    const char *message;
    const char *echo;      /* value of an extra "X-Echo" response header, or NULL */
} served;

typedef struct server {
    const served *script;
    size_t count, next;    /* past the end, the last entry repeats */
    time_t date;
    int sends, destroyed;
    pthread_mutex_t lock;
    char request[8192];    /* the last request as text (request_text) */
} server;

/* "METHOD URL\nname: value\n..." */
static void request_text(const ens_http_request *req, char *out, size_t size)
{
    size_t i, off = (size_t)snprintf(out, size, "%s %s\n", req->method, req->url);
    for (i = 0; i < req->header_count && off < size; i++)
        off += (size_t)snprintf(out + off, size - off, "%s: %s\n", req->headers[i].name,
                                req->headers[i].value);
}

static ens_status add_header(ens_http_response *resp, const char *name, const char *value)
{
    return ens_http_response_add_header(resp, name, strlen(name), value, strlen(value));
}

static ens_status server_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    server *s = ctx;
    const served *r;
    char date[64], length[32];
    const char *rid = NULL;
    struct tm tm;
    json_t *doc;
    ens_status st;

    pthread_mutex_lock(&s->lock);
    r = &s->script[s->next < s->count ? s->next : s->count - 1];
    s->next++;
    s->sends++;
    request_text(req, s->request, sizeof(s->request));
    pthread_mutex_unlock(&s->lock);
    if (r->fail != ENS_OK) {
        if (err) {
            ens_error_init(err);
            err->status = r->fail;
            snprintf(err->description, sizeof(err->description), "%s", r->message);
        }
        return r->fail;
    }
    if (r->status) /* 0: a broken transport that answers without a status */
        REQUIRE(ens_http_response_set_status(resp, r->status) == ENS_OK);
    gmtime_r(&s->date, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(length, sizeof(length), "%zu", strlen(r->body));
    doc = json_loads(r->body, 0, NULL);
    if (json_is_string(json_object_get(doc, "RequestId")))
        rid = json_string_value(json_object_get(doc, "RequestId"));
    if ((st = add_header(resp, "Date", date)) != ENS_OK ||
        (st = add_header(resp, "Content-Type",
                         r->content_type ? r->content_type : "application/json;charset=utf-8")) != ENS_OK ||
        (st = add_header(resp, "Content-Length", length)) != ENS_OK ||
        (st = add_header(resp, "Connection", "keep-alive")) != ENS_OK ||
        (rid && (st = add_header(resp, "x-acs-request-id", rid)) != ENS_OK) ||
        (st = add_header(resp, "Access-Control-Allow-Origin", "*")) != ENS_OK ||
        (st = add_header(resp, "Access-Control-Expose-Headers", "*")) != ENS_OK ||
        (r->echo && (st = add_header(resp, "X-Echo", r->echo)) != ENS_OK))
        goto done;
    st = ens_http_response_append_body(resp, r->body, strlen(r->body));
done:
    json_decref(doc);
    if (st != ENS_OK && err) {
        ens_error_init(err);
        err->status = st;
        snprintf(err->description, sizeof(err->description), "test server: %s", ens_strerror(st));
    }
    return st;
}

static void server_destroy(void *ctx)
{
    server *s = ctx;
    s->destroyed++;
}

static const ens_transport_vtable server_vt = {ENS_TRANSPORT_VTABLE_VERSION, server_send, server_destroy};

static void server_init(server *s, const served *script, size_t count)
{
    memset(s, 0, sizeof(*s));
    s->script = script;
    s->count = count;
    s->date = FIXTURE_EPOCH;
    REQUIRE(pthread_mutex_init(&s->lock, NULL) == 0);
}

/* A transport that writes each request as text and delegates. */
typedef struct capture {
    ens_transport *inner;
    char request[8192];
} capture;

static ens_status capture_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                               ens_error *err)
{
    capture *c = ctx;
    request_text(req, c->request, sizeof(c->request));
    return ens_transport_send(c->inner, req, resp, err);
}

static void capture_destroy(void *ctx)
{
    capture *c = ctx;
    ens_transport_free(c->inner);
    c->inner = NULL;
}

static const ens_transport_vtable capture_vt = {ENS_TRANSPORT_VTABLE_VERSION, capture_send,
                                                capture_destroy};

/* ---- clients ------------------------------------------------------------ */

/* Static credentials, the pins when given (deterministic, different on every
 * call), one attempt per call unless told. */
static ts_client_options client_options(const char *secret, const char *token, ts_pins *p,
                                        unsigned int attempts)
{
    ts_client_options o = {.key_id = FIXTURE_AKID, .secret = secret, .token = token, .pins = p,
                           .max_attempts = attempts ? attempts : 1, .retry_base_delay_ms = 1,
                           .retry_max_delay_ms = 2};
    return o;
}

/* A client over t (owned). */
static ens_client *new_client(ens_transport *t, const char *secret, const char *token, ts_pins *p,
                              unsigned int attempts)
{
    ts_client_options o = client_options(secret, token, p, attempts);
    o.transport = t;
    return ts_client(&o);
}

/* A client that records what srv answers into path (redacting secret). */
static ens_client *recording_client(const char *path, server *srv, const char *secret, const char *token,
                                    ts_pins *p)
{
    ens_record_options ro = ENS_RECORD_OPTIONS_INIT;
    ens_transport *inner = NULL, *rec = NULL;
    const char *redact[] = {secret};
    ens_error err = ENS_ERROR_INIT;
    REQUIRE(ens_transport_new(&inner, &server_vt, srv) == ENS_OK);
    ro.path = path;
    ro.inner = inner;
    ro.redact = redact;
    ro.redact_count = 1;
    REQUIRE(ens_record_transport_new(&rec, &ro, &err) == ENS_OK);
    return new_client(rec, secret, token, p, 1);
}

/* A client replaying a committed cassette; *replay keeps a reference for the test. */
static ens_client *replay_client(const char *name, ens_replay **replay, const char *secret, ts_pins *p)
{
    char rel[256];
    ts_client_options o = client_options(secret ? secret : FIXTURE_SECRET, NULL, p, 1);
    snprintf(rel, sizeof(rel), "cassettes/%s", name);
    return ts_cassette_client(rel, replay, &o);
}

/* ---- generated bodies --------------------------------------------------- */

/* prefix + len characters of [0-9a-z] derived from seed and i + "****" (the
 * service's own masking). */
static void fake_id(char *out, size_t size, const char *prefix, const char *seed, unsigned int i, size_t len)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char d[crypto_hash_sha256_BYTES];
    char in[128];
    size_t k, off;
    int n = snprintf(in, sizeof(in), "%s:%u", seed, i);
    crypto_hash_sha256(d, (const unsigned char *)in, (unsigned long long)n);
    off = (size_t)snprintf(out, size, "%s", prefix);
    for (k = 0; k < len && off + k + 5 < size; k++)
        out[off + k] = alphabet[d[k] % 36];
    snprintf(out + off + k, size - off - k, "****");
}

static void fake_request_id(char *out, size_t size, const char *seed, unsigned int page)
{
    unsigned char d[crypto_hash_sha256_BYTES];
    char in[128];
    int n = snprintf(in, sizeof(in), "request:%s:%u", seed, page);
    crypto_hash_sha256(d, (const unsigned char *)in, (unsigned long long)n);
    snprintf(out, size, "%02X%02X%02X%02X-%02X%02X-4%01X%02X-8%01X%02X-%02X%02X%02X%02X%02X%02X", d[0], d[1],
             d[2], d[3], d[4], d[5], d[6] & 15, d[7], d[8] & 15, d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

static const char *const regions[] = {"cn-xian-unicom", "cn-dongguan-9", "cn-hangzhou-telecom"};

/* Connection number i (1-based); NULL arguments take generated values. */
static json_t *make_item(unsigned int i, const char *id, const char *name, const char *region,
                         const char *network, const char *accepting)
{
    char iid[64], net[64], acc[64], text[64], cidr[32], acidr[32];
    static const char *const statuses[] = {"Activated", "Activated", "Creating", "Activated", "Deleting"};
    fake_id(iid, sizeof(iid), "pcc-", "instance", i, 21);
    fake_id(net, sizeof(net), "n-", "network", i, 14);
    fake_id(acc, sizeof(acc), "n-", "accepting", i, 14);
    snprintf(cidr, sizeof(cidr), "10.%u.0.0/16", i % 256);
    snprintf(acidr, sizeof(acidr), "192.168.%u.0/24", i % 256);
    snprintf(text, sizeof(text), "2024-05-%02uT%02u:%02u:%02uZ", 1 + i % 28, i % 24, (i * 7) % 60, (i * 13) % 60);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:{s:s, s:[s]}}",
                          "InstanceId", id ? id : iid, "CreationTime", text, "Name", "",
                          "Description", "", "EnsRegionId", region ? region : regions[i % 3],
                          "Status", statuses[i % 5], "NetworkId", network ? network : net,
                          "AcceptingNetworkId", accepting ? accepting : acc,
                          "Network", "NetworkId", network ? network : net, "Ipv4Cidrs", cidr,
                          "AcceptingNetwork", "NetworkId", accepting ? accepting : acc, "Ipv4Cidrs", acidr);
    REQUIRE(o != NULL);
    if (name) {
        json_object_set_new(o, "Name", json_string(name));
    } else {
        snprintf(text, sizeof(text), "peer-%02u", i);
        json_object_set_new(o, "Name", json_string(text));
    }
    snprintf(text, sizeof(text), "fixture connection %u", i);
    json_object_set_new(o, "Description", json_string(text));
    return o;
}

/* A page body (compact, as the service sends it).  items is stolen.  With
 * as_numbers, PageNumber/PageSize/TotalCount are JSON numbers, else numeric
 * strings (as in the published example). */
static char *page_body(const char *seed, unsigned int page, unsigned int size, unsigned int total,
                       json_t *items, bool as_numbers)
{
    char rid[64], text[32];
    json_t *o = json_object();
    char *body;
    fake_request_id(rid, sizeof(rid), seed, page);
    json_object_set_new(o, "RequestId", json_string(rid));
#define NUMBER_FIELD(key, v)                                                                     \
    do {                                                                                         \
        snprintf(text, sizeof(text), "%u", (v));                                                 \
        json_object_set_new(o, key, as_numbers ? json_integer(v) : json_string(text));           \
    } while (0)
    NUMBER_FIELD("PageNumber", page);
    NUMBER_FIELD("PageSize", size);
    NUMBER_FIELD("TotalCount", total);
#undef NUMBER_FIELD
    json_object_set_new(o, "NetworkPeerConnects", items);
    body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    REQUIRE(body != NULL);
    return body;
}

static json_t *item_range(unsigned int first, unsigned int count)
{
    json_t *a = json_array();
    unsigned int i;
    for (i = first; i < first + count; i++)
        json_array_append_new(a, make_item(i, NULL, NULL, NULL, NULL, NULL));
    return a;
}

/* ---- the suite's cassettes ---------------------------------------------- */

/* One error cassette: file name, HTTP status, body file, expected mapping. */
typedef struct error_fixture {
    const char *cassette;
    long status;
    const char *body;
    ens_status expect;
    const char *code;
} error_fixture;

static const error_fixture error_fixtures[] = {
    {"error_ens_interface_error.json", 400, "error_ens_interface_error.json", ENS_ESERVICE, "ens.interface.error"},
    {"error_no_permission.json", 400, "error_no_permission.json", ENS_ESERVICE, "NoPermission"},
    {"error_invalid_parameter_page_size.json", 400, "error_invalid_parameter_page_size.json", ENS_ESERVICE,
     "InvalidParameter.PageSize"},
    {"error_throttling_user.json", 400, "error_throttling_user.json", ENS_ESERVICE, "Throttling.User"},
    {"error_service_unavailable.json", 503, "error_service_unavailable.json", ENS_ESERVICE, "ServiceUnavailable"},
    {"error_internal_error.json", 500, "error_internal_error.json", ENS_ESERVICE, "InternalError"},
    {"error_signature_does_not_match.json", 400, "error_signature_does_not_match.json", ENS_EAUTH,
     "SignatureDoesNotMatch"},
    {"error_invalid_access_key_id_not_found.json", 404, "error_invalid_access_key_id_not_found.json", ENS_EAUTH,
     "InvalidAccessKeyId.NotFound"},
    {"error_invalid_timestamp_expired.json", 400, "error_invalid_timestamp_expired.json", ENS_EAUTH,
     "InvalidTimeStamp.Expired"},
    {"error_signature_nonce_used.json", 400, "error_signature_nonce_used.json", ENS_EAUTH, "SignatureNonceUsed"},
    {"error_missing_parameter.json", 400, "error_missing_parameter.json", ENS_ESERVICE, "MissingParameter"},
};

static const char *const network_filter[] = {"n-5q73bm****", "n-5q28114****"};
#define NON_ASCII_NAME "对等连接 \"测试\" ünïcödé"
#define FILTER_INSTANCE "pcc-5inkeimcipxk26yqtzm4q****"
#define FILTER_NAME "peer to xian"

static const char *const transport_messages[] = {
    "network error: Failed to connect to ens.aliyuncs.com port 443 after 1003 ms: Couldn't connect to server",
    "timed out: Operation timed out after 30001 milliseconds with 0 bytes received",
    "TLS error: SSL certificate problem: unable to get local issuer certificate",
    "response too large: the body exceeds 8388608 bytes",
};
static const ens_status transport_statuses[] = {ENS_ENETWORK, ENS_ETIMEOUT, ENS_ETLS, ENS_ETOOLARGE};

/* Records one cassette into dir/name: calls[i] answered by script[i]. */
static void record_cassette(const char *dir, const char *name, const ens_describe_request *calls,
                            const served *script, size_t n)
{
    char path[1024];
    server srv;
    ts_pins p = {FIXTURE_EPOCH, name, 0};
    ens_client *client;
    ens_replay *check = NULL;
    size_t i;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    server_init(&srv, script, n);
    client = recording_client(path, &srv, FIXTURE_SECRET, NULL, &p);
    for (i = 0; i < n; i++) {
        ens_describe_response *out = NULL;
        ens_describe_peer_connections(client, &calls[i], &out, NULL);
        ens_describe_response_free(out);
    }
    ens_client_free(client);
    pthread_mutex_destroy(&srv.lock);
    REQUIRE(srv.sends == (int)n);
    REQUIRE(ens_replay_new(&check, path, NULL) == ENS_OK);
    REQUIRE(ens_replay_exchange_count(check) == n);
    ens_replay_free(check);
    printf("wrote %s (%zu exchange(s))\n", path, n);
}

static void write_cassettes(const char *dir)
{
    ens_describe_request calls[4];
    served script[4];
    json_t *items;
    char *bodies[4] = {NULL, NULL, NULL, NULL};
    size_t i;

#define RESET()                                                                                  \
    do {                                                                                         \
        for (i = 0; i < 4; i++) {                                                                \
            free(bodies[i]);                                                                     \
            bodies[i] = NULL;                                                                    \
            ens_describe_request_init(&calls[i]);                                                \
            memset(&script[i], 0, sizeof(script[i]));                                            \
        }                                                                                        \
    } while (0)
#define SERVE(k, st, body_text) (script[k].status = (st), script[k].body = (body_text))

    RESET();
    SERVE(0, 200, bodies[0] = page_body("single_page", 1, 10, 3, item_range(1, 3), false));
    record_cassette(dir, "single_page.json", calls, script, 1);

    RESET();
    for (i = 0; i < 3; i++) {
        calls[i].page_number = (int32_t)i + 1;
        calls[i].page_size = 10;
        SERVE(i, 200, bodies[i] = page_body("multi_page", (unsigned)i + 1, 10, 25,
                                            item_range(1 + 10 * (unsigned)i, i < 2 ? 10 : 5), false));
    }
    record_cassette(dir, "multi_page.json", calls, script, 3);

    RESET();
    calls[0].ens_region_id = "cn-beijing-cmcc";
    SERVE(0, 200, bodies[0] = fixture_body("empty_list.json"));
    record_cassette(dir, "empty_result.json", calls, script, 1);

    RESET();
    calls[0].instance_id = FILTER_INSTANCE;
    items = json_array();
    json_array_append_new(items, make_item(7, FILTER_INSTANCE, NULL, NULL, NULL, NULL));
    SERVE(0, 200, bodies[0] = page_body("filter_instance_id", 1, 10, 1, items, false));
    record_cassette(dir, "filter_instance_id.json", calls, script, 1);

    RESET();
    calls[0].ens_region_id = "cn-xian-unicom";
    items = json_array();
    json_array_append_new(items, make_item(3, NULL, NULL, "cn-xian-unicom", NULL, NULL));
    json_array_append_new(items, make_item(6, NULL, NULL, "cn-xian-unicom", NULL, NULL));
    SERVE(0, 200, bodies[0] = page_body("filter_ens_region_id", 1, 10, 2, items, false));
    record_cassette(dir, "filter_ens_region_id.json", calls, script, 1);

    RESET();
    calls[0].name = FILTER_NAME;
    items = json_array();
    json_array_append_new(items, make_item(11, NULL, FILTER_NAME, "cn-xian-unicom", NULL, NULL));
    SERVE(0, 200, bodies[0] = page_body("filter_name", 1, 10, 1, items, false));
    record_cassette(dir, "filter_name.json", calls, script, 1);

    RESET();
    calls[0].network_ids = network_filter;
    calls[0].network_ids_count = 2;
    items = json_array();
    json_array_append_new(items, make_item(21, NULL, NULL, "cn-dongguan-9", network_filter[0], NULL));
    json_array_append_new(items, make_item(22, NULL, NULL, "cn-dongguan-9", NULL, network_filter[1]));
    SERVE(0, 200, bodies[0] = page_body("filter_network_ids", 1, 10, 2, items, false));
    record_cassette(dir, "filter_network_ids.json", calls, script, 1);

    for (size_t e = 0; e < sizeof(error_fixtures) / sizeof(error_fixtures[0]); e++) {
        RESET();
        if (strcmp(error_fixtures[e].code, "InvalidParameter.PageSize") == 0)
            calls[0].page_size = 100;
        SERVE(0, error_fixtures[e].status, bodies[0] = fixture_body(error_fixtures[e].body));
        record_cassette(dir, error_fixtures[e].cassette, calls, script, 1);
    }

    RESET();
    SERVE(0, 502, bodies[0] = fixture_body("proxy_502.html"));
    script[0].content_type = "text/html";
    record_cassette(dir, "non_json_body.json", calls, script, 1);

    RESET();
    SERVE(0, 200, bodies[0] = fixture_body("truncated.json"));
    record_cassette(dir, "truncated_body.json", calls, script, 1);

    RESET();
    calls[0].page_number = 1;
    calls[0].page_size = 10;
    calls[1].page_number = 2;
    calls[1].page_size = 10;
    SERVE(0, 200, bodies[0] = page_body("numbers_vs_strings", 1, 10, 12, item_range(1, 10), false));
    SERVE(1, 200, bodies[1] = page_body("numbers_vs_strings", 2, 10, 12, item_range(11, 2), true));
    record_cassette(dir, "numbers_vs_strings.json", calls, script, 2);

    RESET();
    calls[0].name = NON_ASCII_NAME;
    SERVE(0, 200, bodies[0] = fixture_body("unicode_text.json"));
    record_cassette(dir, "non_ascii.json", calls, script, 1);

    RESET();
    for (i = 0; i < 4; i++) {
        script[i].fail = transport_statuses[i];
        script[i].message = transport_messages[i];
    }
    record_cassette(dir, "transport_errors.json", calls, script, 4);
    RESET();
#undef RESET
#undef SERVE
}

/* ---- loading ------------------------------------------------------------ */

static void test_load_errors(void **state)
{
    static const struct {
        const char *text;
        const char *place; /* must appear in the description */
    } cases[] = {
        {"{\"cassette\": 1, \"exchanges\": [", "invalid JSON at line 1"},
        {"{\"cassette\": 1, \"cassette\": 1, \"exchanges\": []}", "invalid JSON"},
        {"[]", "the top level must be an object"},
        {"{\"exchanges\": []}", "cassette: expected the format number 1"},
        {"{\"cassette\": 2, \"exchanges\": []}", "cassette: expected the format number 1"},
        {"{\"cassette\": 1}", "exchanges: expected an array, found nothing"},
        {"{\"cassette\": 1, \"exchanges\": [], \"extra\": 1}", "unknown member \"extra\""},
        {"{\"cassette\": 1, \"exchanges\": [7]}", "exchanges[0]: expected an object, found an integer"},
        {"{\"cassette\": 1, \"exchanges\": [{}]}", "exchanges[0].request: expected an object, found nothing"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"respons\": {}}]}",
         "exchanges[0]: unknown member \"respons\""},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": 200}},"
         " {\"request\": {\"path\": \"/\"}, \"response\": {\"status\": 200}}]}",
         "exchanges[1].request.method: missing"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"path\": \"x\"}, "
         "\"response\": {\"status\": 200}}]}",
         "exchanges[0].request.path: must start with '/'"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"query\": 3}, "
         "\"response\": {\"status\": 200}}]}",
         "exchanges[0].request.query: expected a string, found an integer"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"headers\": {\"host\": 1}}, "
         "\"response\": {\"status\": 200}}]}",
         "exchanges[0].request.headers: \"host\": expected"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"headers\": {\"Host\": \"a\", "
         "\"host\": \"b\"}}, \"response\": {\"status\": 200}}]}",
         "exchanges[0].request.headers: \"host\" appears twice"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": \"200\"}}]}",
         "exchanges[0].response.status: expected an integer 100..999"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": 1000}}]}",
         "exchanges[0].response.status: expected an integer 100..999"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {}}]}",
         "exchanges[0].response.status: missing"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": 200, "
         "\"json\": {}, \"body\": \"\"}}]}",
         "exchanges[0].response: give at most one of"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": 200, "
         "\"body\": 5}}]}",
         "exchanges[0].response.body: expected a string, found an integer"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"status\": 200, "
         "\"body_base64\": \"@@@\"}}]}",
         "exchanges[0].response.body_base64: is not valid base64"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"dns\"}}]}",
         "exchanges[0].response.error: \"dns\" is not one of network, timeout, tls, too_large"},
        {"{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"tls\", "
         "\"status\": 200}}]}",
         "exchanges[0].response: unknown member \"status\""},
    };
    char dir[512], path[1024];
    ens_replay *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ens_status st = ens_replay_new_from_buffer(&r, cases[i].text, strlen(cases[i].text), &err);
        if (st != ENS_EPARSE || !strstr(err.description, cases[i].place))
            fail_msg("case %zu: status %d, description \"%s\", wanted \"%s\"", i, st, err.description,
                     cases[i].place);
        assert_int_equal(err.status, ENS_EPARSE);
        assert_null(r);
    }

    /* From a file, the description names the file. */
    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/missing.json", dir);
    assert_int_equal(ens_replay_new(&r, path, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, path));
    assert_non_null(strstr(err.description, "No such file"));
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    ts_write_file(path, "{\"cassette\": 1,\n \"exchanges\": [{\"request\": {\"method\": \"POST\"}, \"response\": 200}]}\n");
    assert_int_equal(ens_replay_new(&r, path, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, path));
    assert_non_null(strstr(err.description, "exchanges[0].response: expected an object, found an integer"));
    ts_write_file(path, "{\"cassette\": 1,\n \"exchanges\": [\n  {\"request\": \n");
    assert_int_equal(ens_replay_new(&r, path, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, "invalid JSON at line 4"));
    ts_rm_rf(dir);

    assert_int_equal(ens_replay_new(NULL, path, &err), ENS_EINVAL);
    assert_int_equal(ens_replay_new(&r, NULL, &err), ENS_EINVAL);
    assert_int_equal(ens_replay_new_from_buffer(&r, NULL, 3, &err), ENS_EINVAL);
    assert_int_equal(ens_replay_transport_new(NULL, NULL), ENS_EINVAL);

    /* The smallest cassette: defaults for path, query and headers; comments allowed. */
    {
        static const char text[] = "{\"comment\": \"hand-written\", \"cassette\": 1, \"exchanges\": [{\"request\": "
                                   "{\"method\": \"POST\"}, \"response\": {\"status\": 204}}]}";
        ens_transport *t = NULL;
        ens_http_response *resp = NULL;
        ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST",
                                .url = "https://ens.aliyuncs.com/"};
        assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), &err), ENS_OK);
        assert_int_equal(ens_replay_exchange_count(r), 1);
        assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
        assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
        assert_int_equal(ens_transport_send(t, &req, resp, &err), ENS_OK);
        assert_int_equal(ens_http_response_status(resp), 204);
        assert_int_equal(ens_replay_unused_count(r), 0);
        ens_http_response_free(resp);
        ens_transport_free(t);
        ens_replay_free(r);
    }
    ens_replay_free(NULL);
}

/* ---- matching ----------------------------------------------------------- */

static const char one_exchange[] =
    "{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"path\": \"/\", "
    "\"query\": \"PageNumber=1&PageSize=10\", \"headers\": {\"host\": \"ens.aliyuncs.com\", "
    "\"x-acs-action\": \"DescribeNetworkPeerConnections\", \"x-acs-version\": \"2017-11-10\", "
    "\"x-acs-date\": \"2024-06-01T08:00:00Z\", \"x-acs-signature-nonce\": \"aaaa\", "
    "\"authorization\": \"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=[redacted sha256:0123456789abcdef]\"}}, "
    "\"response\": {\"status\": 200, \"headers\": {\"Content-Type\": \"application/json\"}, "
    "\"json\": {\"RequestId\": \"R\"}}}]}";

typedef struct raw_call {
    const char *method, *url, *action, *version, *date, *nonce, *auth;
} raw_call;

static ens_status send_raw(ens_transport *t, const raw_call *c, ens_http_response *resp, ens_error *err)
{
    ens_http_header h[8];
    size_t n = 0;
    ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION};
    h[n++] = (ens_http_header){"host", "ens.aliyuncs.com"};
    if (c->action)
        h[n++] = (ens_http_header){"x-acs-action", c->action};
    if (c->version)
        h[n++] = (ens_http_header){"x-acs-version", c->version};
    if (c->date)
        h[n++] = (ens_http_header){"x-acs-date", c->date};
    if (c->nonce)
        h[n++] = (ens_http_header){"x-acs-signature-nonce", c->nonce};
    if (c->auth)
        h[n++] = (ens_http_header){"authorization", c->auth};
    h[n++] = (ens_http_header){"user-agent", "something/else"};
    req.method = c->method;
    req.url = c->url;
    req.headers = h;
    req.header_count = n;
    return ens_transport_send(t, &req, resp, err);
}

static void test_matching_fields(void **state)
{
#define ACT "DescribeNetworkPeerConnections"
#define VER "2017-11-10"
#define URL "https://ens.aliyuncs.com/?PageNumber=1&PageSize=10"
    static const raw_call misses[] = {
        {"GET", URL, ACT, VER, NULL, NULL, NULL},
        {"POST", "https://ens.aliyuncs.com/other?PageNumber=1&PageSize=10", ACT, VER, NULL, NULL, NULL},
        {"POST", URL, "DescribeNetworks", VER, NULL, NULL, NULL},
        {"POST", URL, ACT, "2017-11-11", NULL, NULL, NULL},
        {"POST", URL, NULL, VER, NULL, NULL, NULL},
        {"POST", "https://ens.aliyuncs.com/?PageNumber=2&PageSize=10", ACT, VER, NULL, NULL, NULL},
        {"POST", "https://ens.aliyuncs.com/?PageSize=10&PageNumber=1", ACT, VER, NULL, NULL, NULL},
        {"POST", "https://ens.aliyuncs.com/", ACT, VER, NULL, NULL, NULL},
    };
    /* Same request, every volatile header different: matches. */
    static const raw_call hit = {"POST", "http://127.0.0.1:8080/?PageNumber=1&PageSize=10#frag", ACT, VER,
                                 "2030-01-01T00:00:00Z", "bbbb", "ACS3-HMAC-SHA256 Credential=x,Signature=ffff"};
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_http_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t i, len;
    const char *body;
    (void)state;

    assert_int_equal(ens_replay_new_from_buffer(&r, one_exchange, strlen(one_exchange), &err), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
    for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
        if (send_raw(t, &misses[i], resp, &err) != ENS_ETRANSPORT)
            fail_msg("miss %zu matched", i);
        assert_int_equal(err.status, ENS_ETRANSPORT);
        assert_non_null(strstr(err.description, "no recorded exchange matches"));
        assert_non_null(strstr(err.description, "nearest: #1 POST /?PageNumber=1&PageSize=10"));
        assert_int_equal(ens_replay_unused_count(r), 1); /* a miss consumes nothing */
    }
    send_raw(t, &misses[2], resp, &err);
    assert_string_equal(err.description,
                        "no recorded exchange matches POST /?PageNumber=1&PageSize=10 (action DescribeNetworks "
                        "2017-11-10); nearest: #1 POST /?PageNumber=1&PageSize=10 (action " ACT " " VER ")");
    send_raw(t, &misses[4], resp, &err);
    assert_non_null(strstr(err.description, "(no x-acs-action header)"));

    assert_int_equal(send_raw(t, &hit, resp, &err), ENS_OK);
    assert_int_equal(ens_http_response_status(resp), 200);
    body = ens_http_response_body(resp, &len);
    assert_string_equal(body, "{\"RequestId\":\"R\"}");
    assert_string_equal(ens_http_response_header(resp, "content-type"), "application/json");
    assert_int_equal(ens_replay_unused_count(r), 0);

    /* Used up: the same request now fails and says so. */
    assert_int_equal(send_raw(t, &hit, resp, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "nearest: #1 POST /?PageNumber=1&PageSize=10 (already used)"));

    /* Strict mode: the volatile headers now count. */
    ens_replay_free(r);
    ens_transport_free(t);
    assert_int_equal(ens_replay_new_from_buffer(&r, one_exchange, strlen(one_exchange), &err), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    ens_replay_set_strict(r, true);
    assert_int_equal(send_raw(t, &hit, resp, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "(strict: x-acs-date differs)"));
    ens_replay_set_strict(r, false);
    assert_int_equal(send_raw(t, &hit, resp, &err), ENS_OK);

    ens_http_response_free(resp);
    ens_transport_free(t);
    ens_replay_free(r);
#undef ACT
#undef VER
#undef URL
}

static void test_duplicates_answer_in_file_order(void **state)
{
    static const char text[] =
        "{\"cassette\": 1, \"exchanges\": ["
        "{\"request\": {\"method\": \"POST\", \"headers\": {\"x-acs-action\": \"DescribeNetworkPeerConnections\","
        " \"x-acs-version\": \"2017-11-10\"}}, \"response\": {\"status\": 503, \"json\": {\"RequestId\": \"R1\","
        " \"Code\": \"ServiceUnavailable\", \"Message\": \"later\"}}},"
        "{\"request\": {\"method\": \"POST\", \"headers\": {\"x-acs-action\": \"DescribeNetworkPeerConnections\","
        " \"x-acs-version\": \"2017-11-10\"}}, \"response\": {\"status\": 200, \"json\": {\"RequestId\": \"R2\"}}},"
        "{\"request\": {\"method\": \"POST\", \"headers\": {\"x-acs-action\": \"DescribeNetworkPeerConnections\","
        " \"x-acs-version\": \"2017-11-10\"}}, \"response\": {\"status\": 200, \"json\": {\"RequestId\": \"R3\"}}}]}";
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_client *client;
    (void)state;

    /* One attempt per call: each call takes the next unused exchange. */
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, FIXTURE_SECRET, NULL, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ESERVICE);
    assert_string_equal(err.request_id, "R1");
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    assert_string_equal(out->request_id, "R2");
    ens_describe_response_free(out);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    assert_string_equal(out->request_id, "R3");
    ens_describe_response_free(out);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "(already used)"));
    ens_client_free(client);
    ens_replay_free(r);

    /* With retries, the 503 is retried and the retry takes the second exchange. */
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, FIXTURE_SECRET, NULL, NULL, 3);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    assert_string_equal(out->request_id, "R2");
    ens_describe_response_free(out);
    assert_int_equal(ens_replay_unused_count(r), 1);
    ens_client_free(client);
    ens_replay_free(r);
}

static void test_unmatched_description(void **state)
{
    static const char text[] =
        "{\"cassette\": 1, \"exchanges\": ["
        "{\"request\": {\"method\": \"POST\", \"query\": \"PageNumber=1&PageSize=10\", \"headers\": {\"x-acs-action\":"
        " \"DescribeNetworkPeerConnections\", \"x-acs-version\": \"2017-11-10\"}}, \"response\": {\"status\": 200,"
        " \"json\": {\"PageNumber\": 1, \"PageSize\": 10, \"TotalCount\": 30}}},"
        "{\"request\": {\"method\": \"POST\", \"query\": \"PageNumber=3&PageSize=10\", \"headers\": {\"x-acs-action\":"
        " \"DescribeNetworkPeerConnections\", \"x-acs-version\": \"2017-11-10\"}}, \"response\": {\"status\": 200,"
        " \"json\": {\"PageNumber\": 3, \"PageSize\": 10, \"TotalCount\": 30}}}]}";
    static const char empty[] = "{\"cassette\": 1, \"exchanges\": []}";
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_client *client;
    char name[129 * 4];
    size_t i;
    (void)state;

    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, TEST_SECRET, TEST_TOKEN, NULL, 1);
    req.page_size = 10;
    req.page_number = 1;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    ens_describe_response_free(out);
    req.page_number = 2;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_string_equal(err.description,
                        "no recorded exchange matches POST /?PageNumber=2&PageSize=10 (action "
                        "DescribeNetworkPeerConnections 2017-11-10); nearest: #2 POST /?PageNumber=3&PageSize=10");
    assert_int_equal(err.attempts, 1);
    assert_null(strstr(err.description, TEST_SECRET));
    assert_null(strstr(err.description, TEST_TOKEN));

    /* A long query is cut so that the description still shows both sides. */
    for (i = 0; i < 128; i++)
        memcpy(name + 3 * i, "\xe5\xaf\xb9", 3); /* 128 x U+5BF9, 9 bytes each once encoded */
    name[3 * 128] = '\0';
    req.name = name;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_true(strlen(err.description) < sizeof(err.description));
    assert_non_null(strstr(err.description, "... (action DescribeNetworkPeerConnections 2017-11-10); nearest: "));
    assert_non_null(strstr(err.description, "nearest: #2 POST /?PageNumber=3&PageSize=10"));
    ens_client_free(client);
    ens_replay_free(r);

    assert_int_equal(ens_replay_new_from_buffer(&r, empty, strlen(empty), NULL), ENS_OK);
    assert_int_equal(ens_replay_exchange_count(r), 0);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, TEST_SECRET, NULL, NULL, 1);
    ens_describe_request_init(&req);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_string_equal(err.description, "no recorded exchange matches POST / (action DescribeNetworkPeerConnections "
                                         "2017-11-10); the cassette has no exchanges");
    ens_client_free(client);
    ens_replay_free(r);
}

static void test_unused_report(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_replay *r = NULL;
    ens_client *client = replay_client("multi_page.json", &r, NULL, NULL);
    char buf[1024], small[12];
    (void)state;

    assert_int_equal(ens_replay_exchange_count(r), 3);
    assert_int_equal(ens_replay_unused_count(r), 3);
    req.page_size = 10;
    req.page_number = 1;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    ens_describe_response_free(out);
    req.page_number = 3;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    ens_describe_response_free(out);

    assert_int_equal(ens_replay_unused_count(r), 1);
    assert_int_equal(ens_replay_describe_unused(r, buf, sizeof(buf)), 1);
    assert_string_equal(buf, "#2 POST /?PageNumber=2&PageSize=10 (action DescribeNetworkPeerConnections "
                             "2017-11-10) -> 200");
    assert_int_equal(ens_replay_describe_unused(r, small, sizeof(small)), 1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small + sizeof(small) - 4, "...");
    assert_int_equal(ens_replay_describe_unused(r, NULL, 0), 1);

    req.page_number = 2;
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    ens_describe_response_free(out);
    assert_int_equal(ens_replay_unused_count(r), 0);
    assert_int_equal(ens_replay_describe_unused(r, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    ens_client_free(client);
    ens_replay_free(r);
}

static void test_transport_failure_entries(void **state)
{
    static const char text[] =
        "{\"cassette\": 1, \"exchanges\": ["
        "{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"network\", \"message\": \"connection reset\"}},"
        "{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"timeout\", \"message\": \"too slow\"}},"
        "{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"tls\", \"message\": \"bad certificate\"}},"
        "{\"request\": {\"method\": \"POST\"}, \"response\": {\"error\": \"too_large\"}}]}";
    static const ens_status expect[] = {ENS_ENETWORK, ENS_ETIMEOUT, ENS_ETLS, ENS_ETOOLARGE};
    static const char *const messages[] = {"connection reset", "too slow", "bad certificate",
                                           "response too large: replayed too_large failure"};
    ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST", .url = "http://x/"};
    ens_http_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    char buf[512];
    size_t i;
    (void)state;

    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    assert_int_equal(ens_replay_describe_unused(r, buf, sizeof(buf)), 4);
    assert_non_null(strstr(buf, "#1 POST / (action - -) -> network failure\n#2 POST /"));
    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
    for (i = 0; i < 4; i++) {
        assert_int_equal(ens_transport_send(t, &req, resp, &err), expect[i]);
        assert_int_equal(err.status, expect[i]);
        assert_string_equal(err.description, messages[i]);
    }
    assert_int_equal(ens_replay_unused_count(r), 0);
    ens_http_response_free(resp);
    ens_transport_free(t);
    ens_replay_free(r);
}

static void test_body_json_and_base64(void **state)
{
    static const char text[] =
        "{\"cassette\": 1, \"exchanges\": ["
        "{\"request\": {\"method\": \"POST\", \"query\": \"a=1\"}, \"response\": {\"status\": 200, \"json\": "
        "{ \"b\": [1, \"x\", 2.5, true],\n  \"a\": {\"c\": null, \"d\": \"\\u00e9\\n\"} }}},"
        "{\"request\": {\"method\": \"POST\", \"query\": \"a=2\"}, \"response\": {\"status\": 200, "
        "\"headers\": {\"X-Multi\": \"one, two\"}, \"body\": \"{ \\\"spaced\\\" : 1 }\\u0000tail\\n\"}},"
        "{\"request\": {\"method\": \"POST\", \"query\": \"a=3\"}, \"response\": {\"status\": 200, "
        "\"body_base64\": \"AP/+\"}},"
        "{\"request\": {\"method\": \"POST\", \"query\": \"a=4\"}, \"response\": {\"status\": 200, \"json\": \"scalar\"}}]}";
    ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST"};
    ens_http_response *resp = NULL;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    const char *body;
    size_t len;
    (void)state;

    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);

    req.url = "https://h/?a=1"; /* "json": the same document, compact, members in file order */
    assert_int_equal(ens_transport_send(t, &req, resp, NULL), ENS_OK);
    body = ens_http_response_body(resp, &len);
    assert_string_equal(body, "{\"b\":[1,\"x\",2.5,true],\"a\":{\"c\":null,\"d\":\"\xc3\xa9\\n\"}}");
    assert_int_equal(len, strlen(body));

    req.url = "https://h/?a=2"; /* "body": exact bytes, NUL included */
    assert_int_equal(ens_transport_send(t, &req, resp, NULL), ENS_OK);
    body = ens_http_response_body(resp, &len);
    assert_int_equal(len, 22);
    assert_memory_equal(body, "{ \"spaced\" : 1 }\0tail\n", 22);
    assert_string_equal(ens_http_response_header(resp, "x-multi"), "one, two");

    req.url = "https://h/?a=3"; /* "body_base64": any bytes */
    assert_int_equal(ens_transport_send(t, &req, resp, NULL), ENS_OK);
    body = ens_http_response_body(resp, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(body, "\x00\xff\xfe", 3);

    req.url = "https://h/?a=4";
    assert_int_equal(ens_transport_send(t, &req, resp, NULL), ENS_OK);
    assert_string_equal(ens_http_response_body(resp, NULL), "\"scalar\"");

    ens_http_response_free(resp);
    ens_transport_free(t);
    ens_replay_free(r);
}

static void test_replay_honours_size_cap(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_replay *r = NULL;
    char path[1024];
    ens_http_request raw = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST", .url = "https://h/",
                            .max_response_bytes = 16};
    ens_http_response *resp = NULL;
    ens_transport *t = NULL;
    (void)state;

    ts_fixture_path(path, sizeof(path), "cassettes/single_page.json");
    assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&o.transport, r), ENS_OK);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, FIXTURE_AKID, FIXTURE_SECRET, NULL), ENS_OK);
    o.max_response_bytes = 100;
    o.max_attempts = 1;
    assert_int_equal(ens_client_new(&client, &o, NULL), ENS_OK);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETOOLARGE);
    assert_non_null(strstr(err.description, "too large"));
    ens_client_free(client);
    ens_replay_free(r);

    /* Also when only the request carries the cap. */
    static const char text[] = "{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\"}, "
                               "\"response\": {\"status\": 200, \"body\": \"seventeen bytes!!\"}}]}";
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
    assert_int_equal(ens_transport_send(t, &raw, resp, &err), ENS_ETOOLARGE);
    assert_int_equal(err.status, ENS_ETOOLARGE);
    ens_http_response_free(resp);
    ens_transport_free(t);
    ens_replay_free(r);
}

/* ---- strict replay proves the signer end to end ------------------------- */

static const char ok_body[] =
    "{\"RequestId\":\"C0FFEE00-0000-4000-8000-000000000001\",\"PageNumber\":\"1\",\"PageSize\":\"10\","
    "\"TotalCount\":\"1\",\"NetworkPeerConnects\":[{\"InstanceId\":\"pcc-strict0001****\",\"Status\":\"Activated\"}]}";

static void test_strict_replay_is_byte_identical(void **state)
{
    static const served script[] = {{.status = 200, .body = ok_body}};
    const char *ids[] = {"n-a****", "n-b****"};
    char dir[512], path[1024];
    server srv;
    ts_pins p = {FIXTURE_EPOCH, "strict", 0};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_client *client;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    capture cap;
    (void)state;

    req.ens_region_id = "cn-xian-unicom";
    req.name = "peer one";
    req.network_ids = ids;
    req.network_ids_count = 2;
    req.page_size = 20;

    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/strict.json", dir);
    server_init(&srv, script, 1);
    client = recording_client(path, &srv, TEST_SECRET, TEST_TOKEN, &p);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    ens_describe_response_free(out);
    ens_client_free(client);
    assert_non_null(strstr(srv.request, "authorization: ACS3-HMAC-SHA256 Credential=" FIXTURE_AKID ","));

    /* A fresh client with the same pins, secret and token: the request it
     * sends is the recorded one, byte for byte, signature fingerprint included. */
    assert_int_equal(ens_replay_new(&r, path, &err), ENS_OK);
    ens_replay_set_strict(r, true);
    memset(&cap, 0, sizeof(cap));
    assert_int_equal(ens_replay_transport_new(&cap.inner, r), ENS_OK);
    assert_int_equal(ens_transport_new(&t, &capture_vt, &cap), ENS_OK);
    p.nonces = 0;
    client = new_client(t, TEST_SECRET, TEST_TOKEN, &p, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    assert_string_equal(out->connections[0].instance_id, "pcc-strict0001****");
    ens_describe_response_free(out);
    assert_string_equal(cap.request, srv.request);
    assert_int_equal(ens_replay_unused_count(r), 0);
    ens_client_free(client);
    ens_replay_free(r);

    /* Another secret: same date, nonce and headers, another signature. */
    assert_int_equal(ens_replay_new(&r, path, &err), ENS_OK);
    ens_replay_set_strict(r, true);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    p.nonces = 0;
    client = new_client(t, "another-secret-entirely", TEST_TOKEN, &p, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "(strict: signature differs)"));
    ens_client_free(client);

    /* Without the token (which is signed too), the presence check catches it first. */
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    p.nonces = 0;
    client = new_client(t, TEST_SECRET, NULL, &p, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "(strict: x-acs-security-token presence differs)"));
    ens_client_free(client);

    /* Another nonce. */
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    p.nonces = 5;
    p.base -= 5; /* same date */
    client = new_client(t, TEST_SECRET, TEST_TOKEN, &p, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "(strict: x-acs-signature-nonce differs)"));
    ens_client_free(client);

    /* Not strict: the other secret is accepted (strict mode is what caught it). */
    ens_replay_set_strict(r, false);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, "another-secret-entirely", NULL, NULL, 1);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_OK);
    ens_describe_response_free(out);
    ens_client_free(client);
    ens_replay_free(r);
    pthread_mutex_destroy(&srv.lock);
    ts_rm_rf(dir);
}

/* ---- recording ---------------------------------------------------------- */

static void extract_signature(const char *request, char sig[65])
{
    const char *s = strstr(request, "Signature=");
    assert_non_null(s);
    memcpy(sig, s + 10, 64);
    sig[64] = '\0';
    assert_int_equal(strspn(sig, "0123456789abcdef"), 64);
}

static void test_record_never_writes_secrets(void **state)
{
    /* A server that echoes the secrets back, in a JSON body (one escaped),
     * a text body and a header. */
    static const served script[] = {
        {.status = 200,
         .body = "{\"RequestId\":\"R-1\",\"Echo\":\"" TEST_SECRET "\",\"Token\":\"tEsT-StS-ToKeN\\u002d77b2\","
                 "\"" TEST_SECRET "\":1,\"NetworkPeerConnects\":[]}",
         .echo = "token=" TEST_TOKEN},
        {.status = 500, .content_type = "text/plain", .body = "debug: key " TEST_SECRET " token " TEST_TOKEN "\n"},
    };
    char dir[512], path[1024], sig[2][65], fp[17], expect[64];
    unsigned char digest[crypto_hash_sha256_BYTES];
    server srv;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_client *client;
    ens_replay *r = NULL;
    char *text;
    int i;
    (void)state;

    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/secrets.json", dir);
    server_init(&srv, script, 2);
    client = recording_client(path, &srv, TEST_SECRET, TEST_TOKEN, NULL);
    for (i = 0; i < 2; i++) {
        ens_describe_peer_connections(client, &req, &out, NULL);
        ens_describe_response_free(out);
        out = NULL;
        extract_signature(srv.request, sig[i]);
        assert_non_null(strstr(srv.request, "x-acs-security-token: " TEST_TOKEN "\n"));
    }
    ens_client_free(client);

    text = ts_read_file(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, TEST_SECRET));
    assert_null(strstr(text, TEST_TOKEN));
    assert_null(strstr(text, "tEsT-StS-ToKeN"));
    for (i = 0; i < 2; i++) {
        assert_null(strstr(text, sig[i]));
        crypto_hash_sha256(digest, (const unsigned char *)sig[i], 64);
        sodium_bin2hex(fp, sizeof(fp), digest, 8);
        snprintf(expect, sizeof(expect), "Signature=[redacted sha256:%s]\"", fp);
        assert_non_null(strstr(text, expect));
    }
    assert_non_null(strstr(text, "\"x-acs-security-token\": \"[redacted]\""));
    assert_non_null(strstr(text, "\"Echo\": \"[redacted]\""));
    assert_non_null(strstr(text, "\"Token\": \"[redacted]\""));
    assert_non_null(strstr(text, "\"[redacted]\": 1"));
    assert_non_null(strstr(text, "\"x-echo\": \"token=[redacted]\""));
    assert_non_null(strstr(text, "\"body\": \"debug: key [redacted] token [redacted]\\n\""));
    assert_non_null(strstr(text, "Credential=" FIXTURE_AKID ",SignedHeaders=host;x-acs-action;"));
    /* transfer headers are not kept; names are lowercased */
    assert_null(strstr(text, "content-length"));
    assert_null(strstr(text, "\"connection\""));
    assert_non_null(strstr(text, "\"content-type\": \"text/plain\""));
    free(text);

    /* What was written still replays. */
    assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
    assert_int_equal(ens_replay_exchange_count(r), 2);
    ens_replay_free(r);
    pthread_mutex_destroy(&srv.lock);

    /* A secret that would survive outside a JSON string (as a number) stops the write. */
    {
        static const served numeric[] = {{.status = 200, .body = "{\"TotalCount\":98765432101,\"NetworkPeerConnects\":[]}"}};
        ens_error err = ENS_ERROR_INIT;
        server_init(&srv, numeric, 1);
        client = recording_client(path, &srv, "98765432101", NULL, NULL);
        assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
        assert_non_null(strstr(err.description, "refusing to write"));
        assert_null(strstr(err.description, "98765432101"));
        ens_client_free(client);
        text = ts_read_file(path, NULL); /* the previous recording is untouched */
        assert_null(strstr(text, "98765432101"));
        free(text);
        assert_int_equal(ts_dir_entries(dir), 1);
        pthread_mutex_destroy(&srv.lock);
    }
    ts_rm_rf(dir);
}

/* The description is the recorded failure's, followed only by what the call
 * adds to any failure: the attempts made and the remedy (common.h). */
static void assert_recorded_description(const ens_error *err, const char *recorded)
{
    const char *rest = err->description + strlen(recorded);
    assert_memory_equal(err->description, recorded, strlen(recorded));
    if (*rest && strncmp(rest, " (after ", 8) != 0 && strncmp(rest, "; ", 2) != 0)
        fail_msg("\"%s\" adds more than attempts and a remedy to \"%s\"", err->description, recorded);
}

static void test_record_file_valid_after_each_exchange(void **state)
{
    static const served script[] = {
        {.status = 200, .body = ok_body},
        {.status = 200, .body = "{\"RequestId\":\"R-2\",\"NetworkPeerConnects\":[]}"},
        {.fail = ENS_ETIMEOUT, .message = "canned timeout"},
        {.fail = ENS_ECANCELED, .message = "canned cancel"},
        {.status = 200, .body = "\xff\xfe not UTF-8"},
    };
    static const ens_status expect[] = {ENS_OK, ENS_OK, ENS_ETIMEOUT, ENS_ECANCELED, ENS_EPARSE};
    static const size_t recorded[] = {1, 2, 3, 3, 4};
    char dir[512], path[1024], bad[1024];
    server srv;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_client *client;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_http_response *resp = NULL;
    char *text;
    size_t i;
    (void)state;

    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/steps.json", dir);
    server_init(&srv, script, 5);
    client = recording_client(path, &srv, TEST_SECRET, NULL, NULL);
    for (i = 0; i < 5; i++) {
        assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), expect[i]);
        ens_describe_response_free(out);
        out = NULL;
        if (expect[i] == ENS_ETIMEOUT)
            assert_recorded_description(&err, "canned timeout");
        assert_int_equal(ens_replay_new(&r, path, &err), ENS_OK);
        assert_int_equal(ens_replay_exchange_count(r), recorded[i]);
        ens_replay_free(r);
        assert_int_equal(ts_dir_entries(dir), 1); /* no temporary file left behind */
    }
    ens_client_free(client);
    text = ts_read_file(path, NULL);
    assert_non_null(strstr(text, "\"error\": \"timeout\",\n        \"message\": \"canned timeout\""));
    assert_null(strstr(text, "canned cancel"));
    assert_non_null(strstr(text, "\"body_base64\": \"//4gbm90IFVURi04\""));
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);

    /* The recorded cassette replays the same outcomes. */
    assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, TEST_SECRET, NULL, NULL, 1);
    for (i = 0; i < 5; i++) {
        if (expect[i] == ENS_ECANCELED)
            continue;
        assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), expect[i]);
        ens_describe_response_free(out);
        out = NULL;
    }
    assert_int_equal(ens_replay_unused_count(r), 0);
    ens_client_free(client);
    ens_replay_free(r);

    /* A file that cannot be written makes the exchange fail. */
    snprintf(bad, sizeof(bad), "%s/no/such/dir/x.json", dir);
    srv.next = 0;
    client = recording_client(bad, &srv, TEST_SECRET, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
    assert_non_null(strstr(err.description, "cannot create a temporary file for cassette"));
    ens_client_free(client);

    /* Driven directly: a response without a status is refused and not
     * recorded; a new recording replaces the file. */
    {
        static const served none[] = {{.status = 0, .body = ""}, {.status = 200, .body = ""}};
        ens_record_options ro = ENS_RECORD_OPTIONS_INIT;
        ens_http_request raw = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST", .url = "https://h/"};
        server s2;
        server_init(&s2, none, 2);
        assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &s2), ENS_OK);
        ro.path = path;
        assert_int_equal(ens_record_transport_new(&t, &ro, NULL), ENS_OK);
        assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
        assert_int_equal(ens_transport_send(t, &raw, resp, &err), ENS_ETRANSPORT);
        assert_non_null(strstr(err.description, "without an HTTP status"));
        assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
        assert_int_equal(ens_replay_exchange_count(r), 4); /* untouched */
        ens_replay_free(r);
        assert_int_equal(ens_transport_send(t, &raw, resp, &err), ENS_OK);
        assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
        assert_int_equal(ens_replay_exchange_count(r), 1);
        ens_replay_free(r);
        ens_http_response_free(resp);
        ens_transport_free(t);
        pthread_mutex_destroy(&s2.lock);
    }
    pthread_mutex_destroy(&srv.lock);
    ts_rm_rf(dir);
}

static void test_record_ownership(void **state)
{
    static const served script[] = {{.status = 200, .body = ok_body}};
    ens_record_options ro = ENS_RECORD_OPTIONS_INIT;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    const char *redact[] = {NULL, "", TEST_SECRET};
    server srv;
    (void)state;

    server_init(&srv, script, 1);
    ro.path = "/nonexistent/unused.json";
    ro.redact = redact;
    ro.redact_count = 3;
    assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &srv), ENS_OK);
    assert_int_equal(ens_record_transport_new(&t, &ro, &err), ENS_OK);
    assert_int_equal(srv.destroyed, 0);
    ens_transport_free(t);
    assert_int_equal(srv.destroyed, 1); /* freed with the record transport */

    /* Every failure still takes the inner transport. */
    assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &srv), ENS_OK);
    ro.version = 42;
    assert_int_equal(ens_record_transport_new(&t, &ro, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_int_equal(srv.destroyed, 2);
    ro.version = ENS_RECORD_OPTIONS_VERSION;

    assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &srv), ENS_OK);
    ro.path = NULL;
    assert_int_equal(ens_record_transport_new(&t, &ro, &err), ENS_EINVAL);
    assert_int_equal(srv.destroyed, 3);
    ro.path = "/nonexistent/unused.json";

    assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &srv), ENS_OK);
    assert_int_equal(ens_record_transport_new(NULL, &ro, &err), ENS_EINVAL);
    assert_int_equal(srv.destroyed, 4);

    assert_int_equal(ens_transport_new(&ro.inner, &server_vt, &srv), ENS_OK);
    ro.redact = NULL;
    assert_int_equal(ens_record_transport_new(&t, &ro, &err), ENS_EINVAL);
    assert_int_equal(srv.destroyed, 5);

    ro.inner = NULL;
    ro.redact_count = 0;
    assert_int_equal(ens_record_transport_new(&t, &ro, &err), ENS_EINVAL);
    assert_int_equal(ens_record_transport_new(&t, NULL, &err), ENS_EINVAL);
    assert_int_equal(srv.destroyed, 5);
    pthread_mutex_destroy(&srv.lock);
}

static void test_replay_lifetime(void **state)
{
    ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST", .url = "https://h/?a=1"};
    static const char text[] = "{\"cassette\": 1, \"exchanges\": ["
                               "{\"request\": {\"method\": \"POST\", \"query\": \"a=1\"}, \"response\": {\"status\": 200}},"
                               "{\"request\": {\"method\": \"POST\", \"query\": \"a=1\"}, \"response\": {\"status\": 201}}]}";
    ens_replay *r = NULL;
    ens_transport *t1 = NULL, *t2 = NULL;
    ens_http_response *resp = NULL;
    (void)state;

    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
    /* replay freed first: the transports keep it alive */
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t1, r), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t2, r), ENS_OK);
    ens_replay_free(r);
    assert_int_equal(ens_transport_send(t1, &req, resp, NULL), ENS_OK);
    assert_int_equal(ens_http_response_status(resp), 200);
    ens_transport_free(t1);
    assert_int_equal(ens_transport_send(t2, &req, resp, NULL), ENS_OK); /* shared state: next exchange */
    assert_int_equal(ens_http_response_status(resp), 201);
    ens_transport_free(t2);

    /* transport freed first: the replay stays usable */
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    assert_int_equal(ens_replay_transport_new(&t1, r), ENS_OK);
    assert_int_equal(ens_transport_send(t1, &req, resp, NULL), ENS_OK);
    ens_transport_free(t1);
    assert_int_equal(ens_replay_unused_count(r), 1);
    ens_replay_free(r);
    ens_http_response_free(resp);
}

/* ---- every allocation failure is handled -------------------------------- */

/* One replay and one recording, driven directly; returns true when no
 * injected failure was reached (the run went through). */
static bool alloc_scenario(const char *path)
{
    static const char text[] =
        "{\"cassette\": 1, \"exchanges\": [{\"request\": {\"method\": \"POST\", \"query\": \"a=1\", \"headers\": "
        "{\"x-acs-action\": \"A\", \"x-acs-version\": \"V\"}}, \"response\": {\"status\": 200, \"headers\": "
        "{\"content-type\": \"application/json\"}, \"json\": {\"RequestId\": \"R\", \"L\": [1, 2]}}}]}";
    static const served script[] = {{.status = 200, .body = "{\"RequestId\":\"R\",\"Secret\":\"" TEST_SECRET "\"}",
                                     .echo = TEST_TOKEN}};
    static const ens_http_header headers[] = {
        {"x-acs-action", "A"}, {"x-acs-version", "V"}, {"x-acs-security-token", TEST_TOKEN},
        {"authorization", "ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=00ff"}};
    ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST", .url = "https://h/?a=1",
                            .headers = headers, .header_count = 4};
    const char *redact[] = {TEST_SECRET};
    ens_record_options ro = ENS_RECORD_OPTIONS_INIT;
    ens_http_response *resp = NULL;
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    server srv;
    bool complete = false;

    server_init(&srv, script, 1);
    if (ens_http_response_new(&resp, 0) != ENS_OK)
        goto out;
    st = ens_replay_new_from_buffer(&r, text, strlen(text), &err);
    assert_true(st == ENS_OK || st == ENS_ENOMEM);
    if (st == ENS_OK && (st = ens_replay_transport_new(&t, r)) == ENS_OK) {
        st = ens_transport_send(t, &req, resp, &err);
        assert_true(st == ENS_OK || st == ENS_ENOMEM);
        ens_transport_free(t);
        t = NULL;
    }
    assert_true(st == ENS_OK || st == ENS_ENOMEM);
    ens_replay_free(r);
    if (st != ENS_OK)
        goto out;

    if (ens_transport_new(&ro.inner, &server_vt, &srv) != ENS_OK)
        goto out;
    ro.path = path;
    ro.redact = redact;
    ro.redact_count = 1;
    st = ens_record_transport_new(&t, &ro, &err);
    assert_true(st == ENS_OK || st == ENS_ENOMEM);
    assert_int_equal(srv.destroyed, st == ENS_OK ? 0 : 1);
    if (st == ENS_OK) {
        st = ens_transport_send(t, &req, resp, &err);
        assert_true(st == ENS_OK || st == ENS_ENOMEM);
        ens_transport_free(t);
        assert_int_equal(srv.destroyed, 1);
        complete = st == ENS_OK && ts_alloc.failures == 0;
    }
out:
    ens_http_response_free(resp);
    pthread_mutex_destroy(&srv.lock);
    return complete;
}

static void test_allocation_failures(void **state)
{
    char dir[512], path[1024];
    char *text;
    bool done = false;
    long k;
    (void)state;

    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/alloc.json", dir);
    assert_int_equal(ens_set_allocator(&ts_failing_allocator), ENS_OK);
    for (k = 0; !done && k < 100000; k++) {
        ts_alloc_arm(k);
        done = alloc_scenario(path);
    }
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    ts_alloc_disarm();
    assert_true(done);
    assert_true(ts_alloc.calls > 20); /* the scenario did allocate through the hooks */
    assert_int_equal(ts_dir_entries(dir), 1); /* no temporary file left by a failed write */
    text = ts_read_file(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, TEST_SECRET));
    assert_null(strstr(text, TEST_TOKEN));
    free(text);
    ts_rm_rf(dir);
}

/* ---- threads ------------------------------------------------------------ */

#define THREADS 4
#define CALLS 50

typedef struct worker {
    ens_client *client;
    int ok;
    char ids[CALLS][16];
} worker;

static void *replay_worker(void *arg)
{
    worker *w = arg;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    int i;
    req.page_size = 10;
    for (i = 0; i < CALLS; i++) {
        ens_describe_response *out = NULL;
        if (ens_describe_peer_connections(w->client, &req, &out, NULL) == ENS_OK && out->request_id) {
            snprintf(w->ids[w->ok], sizeof(w->ids[0]), "%s", out->request_id);
            w->ok++;
        }
        ens_describe_response_free(out);
    }
    return NULL;
}

static int by_string(const void *a, const void *b) { return strcmp(a, b); }

static void test_concurrent_replay(void **state)
{
    json_t *root = json_pack("{s:i, s:[]}", "cassette", 1, "exchanges");
    char *text, all[THREADS * CALLS][16];
    pthread_t th[THREADS];
    worker w[THREADS];
    ens_replay *r = NULL;
    ens_transport *t = NULL;
    ens_client *client;
    int i, j, n = 0;
    (void)state;

    for (i = 0; i < THREADS * CALLS; i++) {
        char rid[16];
        snprintf(rid, sizeof(rid), "R-%03d", i);
        json_array_append_new(json_object_get(root, "exchanges"),
                              json_pack("{s:{s:s, s:s, s:{s:s, s:s}}, s:{s:i, s:{s:s, s:[]}}}", "request",
                                        "method", "POST", "query", "PageSize=10", "headers", "x-acs-action",
                                        "DescribeNetworkPeerConnections", "x-acs-version", "2017-11-10",
                                        "response", "status", 200, "json", "RequestId", rid,
                                        "NetworkPeerConnects"));
    }
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    assert_int_equal(ens_replay_new_from_buffer(&r, text, strlen(text), NULL), ENS_OK);
    free(text);
    assert_int_equal(ens_replay_exchange_count(r), THREADS * CALLS);
    assert_int_equal(ens_replay_transport_new(&t, r), ENS_OK);
    client = new_client(t, TEST_SECRET, NULL, NULL, 1);
    memset(w, 0, sizeof(w));
    for (i = 0; i < THREADS; i++) {
        w[i].client = client;
        assert_int_equal(pthread_create(&th[i], NULL, replay_worker, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, CALLS);
        for (j = 0; j < w[i].ok; j++)
            memcpy(all[n++], w[i].ids[j], sizeof(all[0]));
    }
    /* every exchange answered exactly once */
    qsort(all, (size_t)n, sizeof(all[0]), by_string);
    for (i = 0; i < n; i++) {
        char rid[16];
        snprintf(rid, sizeof(rid), "R-%03d", i);
        assert_string_equal(all[i], rid);
    }
    assert_int_equal(ens_replay_unused_count(r), 0);
    ens_client_free(client);
    ens_replay_free(r);
}

static void *record_worker(void *arg)
{
    worker *w = arg;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    int i;
    for (i = 0; i < 10; i++) {
        ens_describe_response *out = NULL;
        if (ens_describe_peer_connections(w->client, &req, &out, NULL) == ENS_OK)
            w->ok++;
        ens_describe_response_free(out);
    }
    return NULL;
}

static void test_concurrent_record(void **state)
{
    static const served script[] = {{.status = 200, .body = ok_body}};
    char dir[512], path[1024];
    pthread_t th[THREADS];
    worker w[THREADS];
    server srv;
    ens_client *client;
    ens_replay *r = NULL;
    int i;
    (void)state;

    ts_tmpdir(dir, sizeof(dir), "ens-replay");
    snprintf(path, sizeof(path), "%s/threads.json", dir);
    server_init(&srv, script, 1);
    client = recording_client(path, &srv, TEST_SECRET, NULL, NULL);
    memset(w, 0, sizeof(w));
    for (i = 0; i < THREADS; i++) {
        w[i].client = client;
        assert_int_equal(pthread_create(&th[i], NULL, record_worker, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, 10);
    }
    ens_client_free(client);
    assert_int_equal(ens_replay_new(&r, path, NULL), ENS_OK);
    assert_int_equal(ens_replay_exchange_count(r), THREADS * 10);
    ens_replay_free(r);
    assert_int_equal(ts_dir_entries(dir), 1);
    pthread_mutex_destroy(&srv.lock);
    ts_rm_rf(dir);
}

/* ---- no secret in any fixture ------------------------------------------- */

static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
    size_t i;
    for (i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* The first secret found in data[0..len), or NULL. */
static const char *find_secret(const char *data, size_t len)
{
    static const char *const secrets[] = {FIXTURE_SECRET, TEST_SECRET, TEST_TOKEN};
    const char *p;
    size_t i;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        if (find_bytes(data, len, secrets[i], strlen(secrets[i])))
            return secrets[i];
    for (p = data; (p = find_bytes(p, len - (size_t)(p - data), "Signature=", 10)) != NULL; p += 10) {
        size_t n = 0;
        while (p + 10 + n < data + len && strchr("0123456789abcdefABCDEF", p[10 + n]) && p[10 + n])
            n++;
        if (n >= 64)
            return "a 64-hex-character signature";
    }
    return NULL;
}

static int scan_tree(const char *dir, char *found, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    REQUIRE(d != NULL);
    while ((e = readdir(d)) != NULL) {
        char path[2048];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            files += scan_tree(path, found, size);
        } else if (S_ISREG(st.st_mode)) {
            size_t len;
            char *data = ts_read_file(path, &len);
            const char *what = data ? find_secret(data, len) : NULL;
            if (what && !*found)
                snprintf(found, size, "%s holds %s", path, what);
            free(data);
            files++;
        }
    }
    closedir(d);
    return files;
}

static void test_fixtures_hold_no_secrets(void **state)
{
    char found[2300] = "";
    static const char sample[] = "x,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0\"";
    (void)state;
    /* the scanner itself finds what it looks for */
    assert_non_null(find_secret(sample, strlen(sample)));
    assert_non_null(find_secret("k=" TEST_TOKEN, strlen("k=" TEST_TOKEN)));
    assert_null(find_secret("Signature=[redacted sha256:0123456789abcdef]", 44));
    assert_true(scan_tree(ts_fixtures_dir(), found, sizeof(found)) >= 20);
    if (*found)
        fail_msg("%s", found);
}

/* ---- the committed cassettes, end to end -------------------------------- */

static void finish(ens_client *client, ens_replay *r)
{
    char buf[1024];
    if (ens_replay_describe_unused(r, buf, sizeof(buf)) != 0)
        fail_msg("unused exchanges: %s", buf);
    ens_client_free(client);
    ens_replay_free(r);
}

static void test_fixture_single_page(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_replay *r = NULL;
    ens_client *client = replay_client("single_page.json", &r, NULL, NULL);
    const ens_peer_connection *c;
    (void)state;

    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->page_number, 1);
    assert_int_equal(out->page_size, 10);
    assert_int_equal(out->total_count, 3);
    assert_int_equal(out->connections_count, 3);
    assert_non_null(out->request_id);
    c = &out->connections[0];
    assert_string_equal(c->name, "peer-01");
    assert_string_equal(c->description, "fixture connection 1");
    assert_int_equal(strncmp(c->instance_id, "pcc-", 4), 0);
    assert_int_equal(c->status, ENS_PEER_STATUS_ACTIVATED);
    assert_true(c->creation_time_epoch != (time_t)-1);
    assert_true(c->network.present);
    assert_int_equal(c->network.ipv4_cidrs_count, 1);
    assert_string_equal(c->network.ipv4_cidrs[0], "10.1.0.0/16");
    assert_string_equal(c->accepting_network.ipv4_cidrs[0], "192.168.1.0/24");
    assert_int_equal(out->connections[1].status, ENS_PEER_STATUS_CREATING);
    ens_describe_response_free(out);
    finish(client, r);
}

static void test_fixture_multi_page_walk(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_replay *r = NULL;
    ens_client *client = replay_client("multi_page.json", &r, NULL, NULL);
    char ids[25][64];
    int seen = 0, pages = 0, i, j;
    (void)state;

    req.page_size = 10;
    for (req.page_number = 1;; req.page_number++) {
        ens_describe_response *out = NULL;
        size_t k;
        ens_error err = ENS_ERROR_INIT;
        if (ens_describe_peer_connections(client, &req, &out, &err) != ENS_OK)
            fail_msg("page %d: %s", req.page_number, err.description);
        pages++;
        assert_int_equal(out->page_number, req.page_number);
        assert_int_equal(out->total_count, 25);
        for (k = 0; k < out->connections_count; k++) {
            char name[24];
            assert_true(seen < 25);
            snprintf(name, sizeof(name), "peer-%02d", seen + 1);
            assert_string_equal(out->connections[k].name, name);
            snprintf(ids[seen++], sizeof(ids[0]), "%s", out->connections[k].instance_id);
        }
        k = out->connections_count;
        ens_describe_response_free(out);
        if ((int64_t)req.page_number * req.page_size >= 25 || k == 0)
            break;
    }
    assert_int_equal(pages, 3);
    assert_int_equal(seen, 25);
    for (i = 0; i < seen; i++)
        for (j = i + 1; j < seen; j++)
            assert_string_not_equal(ids[i], ids[j]);
    finish(client, r);
}

static void test_fixture_empty_result(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_replay *r = NULL;
    ens_client *client = replay_client("empty_result.json", &r, NULL, NULL);
    (void)state;
    req.ens_region_id = "cn-beijing-cmcc";
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->total_count, 0);
    assert_int_equal(out->connections_count, 0);
    assert_null(out->connections);
    ens_describe_response_free(out);
    finish(client, r);
}

static void test_fixture_filters(void **state)
{
    ens_describe_request req;
    ens_describe_response *out = NULL;
    ens_replay *r = NULL;
    ens_client *client;
    size_t k;
    (void)state;

    ens_describe_request_init(&req);
    req.instance_id = FILTER_INSTANCE;
    client = replay_client("filter_instance_id.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->connections_count, 1);
    assert_string_equal(out->connections[0].instance_id, FILTER_INSTANCE);
    ens_describe_response_free(out);
    finish(client, r);

    ens_describe_request_init(&req);
    req.ens_region_id = "cn-xian-unicom";
    client = replay_client("filter_ens_region_id.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->connections_count, 2);
    for (k = 0; k < out->connections_count; k++)
        assert_string_equal(out->connections[k].ens_region_id, "cn-xian-unicom");
    ens_describe_response_free(out);
    finish(client, r);

    ens_describe_request_init(&req);
    req.name = FILTER_NAME;
    client = replay_client("filter_name.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->connections_count, 1);
    assert_string_equal(out->connections[0].name, FILTER_NAME);
    ens_describe_response_free(out);
    finish(client, r);

    ens_describe_request_init(&req);
    req.network_ids = network_filter;
    req.network_ids_count = 2;
    client = replay_client("filter_network_ids.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->connections_count, 2);
    assert_string_equal(out->connections[0].network_id, network_filter[0]);
    assert_string_equal(out->connections[1].accepting_network_id, network_filter[1]);
    ens_describe_response_free(out);
    finish(client, r);

    /* A filter the cassettes were not recorded with does not match. */
    ens_describe_request_init(&req);
    req.network_ids = network_filter;
    req.network_ids_count = 1;
    client = replay_client("filter_network_ids.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_ETRANSPORT);
    assert_int_equal(ens_replay_unused_count(r), 1);
    ens_client_free(client);
    ens_replay_free(r);
}

static void test_fixture_errors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(error_fixtures) / sizeof(error_fixtures[0]); i++) {
        const error_fixture *f = &error_fixtures[i];
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *out = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_replay *r = NULL;
        ens_client *client = replay_client(f->cassette, &r, NULL, NULL);
        if (strcmp(f->code, "InvalidParameter.PageSize") == 0)
            req.page_size = 100;
        if (ens_describe_peer_connections(client, &req, &out, &err) != f->expect)
            fail_msg("%s: got %d: %s", f->cassette, err.status, err.description);
        assert_null(out);
        assert_string_equal(err.code, f->code);
        assert_int_equal(err.http_status, f->status);
        assert_int_equal(err.attempts, 1);
        assert_true(strlen(err.request_id) > 0);
        assert_string_equal(err.host_id, "ens.aliyuncs.com");
        assert_true(strlen(err.message) > 0);
        assert_non_null(strstr(err.description, f->code));
        finish(client, r);
    }
}

static void test_fixture_bad_bodies(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = NULL;
    ens_client *client;
    (void)state;

    client = replay_client("non_json_body.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_EHTTP);
    assert_int_equal(err.http_status, 502);
    assert_string_equal(err.code, "");
    assert_non_null(strstr(err.description, "502"));
    finish(client, r);

    client = replay_client("truncated_body.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_EPARSE);
    assert_int_equal(err.http_status, 200);
    assert_null(out);
    finish(client, r);
}

static void test_fixture_numbers_and_non_ascii(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_replay *r = NULL;
    ens_client *client;
    (void)state;

    client = replay_client("numbers_vs_strings.json", &r, NULL, NULL);
    req.page_size = 10;
    req.page_number = 1; /* numeric strings */
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->page_number, 1);
    assert_int_equal(out->page_size, 10);
    assert_int_equal(out->total_count, 12);
    assert_int_equal(out->connections_count, 10);
    ens_describe_response_free(out);
    req.page_number = 2; /* JSON numbers */
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->page_number, 2);
    assert_int_equal(out->page_size, 10);
    assert_int_equal(out->total_count, 12);
    assert_int_equal(out->connections_count, 2);
    ens_describe_response_free(out);
    finish(client, r);

    ens_describe_request_init(&req);
    req.name = NON_ASCII_NAME;
    client = replay_client("non_ascii.json", &r, NULL, NULL);
    assert_int_equal(ens_describe_peer_connections(client, &req, &out, NULL), ENS_OK);
    assert_int_equal(out->connections_count, 1);
    assert_string_equal(out->connections[0].name, NON_ASCII_NAME);
    assert_non_null(strstr(out->connections[0].description, "\xf0\x9f\x9a\x80")); /* U+1F680 */
    assert_string_equal(out->connections[0].accepting_network_id, "  n-uni-acc****  ");
    ens_describe_response_free(out);
    finish(client, r);
}

static void test_fixture_transport_errors(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *out = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *r = NULL;
    ens_client *client = replay_client("transport_errors.json", &r, NULL, NULL);
    size_t i;
    (void)state;
    for (i = 0; i < 4; i++) {
        assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), transport_statuses[i]);
        assert_recorded_description(&err, transport_messages[i]);
        assert_int_equal(err.http_status, 0);
    }
    finish(client, r);
}

/* The committed cassettes replay strictly: their signatures were made by this
 * library's signer with the fixture key, the pinned clock and nonces. */
static void test_fixture_strict_signatures(void **state)
{
    static const char *const names[] = {"single_page.json", "multi_page.json", "filter_name.json",
                                        "non_ascii.json"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        ts_pins p = {FIXTURE_EPOCH, names[i], 0};
        ens_replay *r = NULL;
        ens_client *client = replay_client(names[i], &r, NULL, &p);
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_error err = ENS_ERROR_INIT;
        int32_t page;
        ens_replay_set_strict(r, true);
        if (i == 2)
            req.name = FILTER_NAME;
        if (i == 3)
            req.name = NON_ASCII_NAME;
        for (page = 1; page <= (i == 1 ? 3 : 1); page++) {
            ens_describe_response *out = NULL;
            if (i == 1) {
                req.page_size = 10;
                req.page_number = page;
            }
            if (ens_describe_peer_connections(client, &req, &out, &err) != ENS_OK)
                fail_msg("%s: %s", names[i], err.description);
            ens_describe_response_free(out);
        }
        finish(client, r);

        /* and not with another key */
        p.nonces = 0;
        client = replay_client(names[i], &r, "not-the-fixture-key", &p);
        ens_replay_set_strict(r, true);
        if (i == 1)
            req.page_number = 1;
        {
            ens_describe_response *out = NULL;
            assert_int_equal(ens_describe_peer_connections(client, &req, &out, &err), ENS_ETRANSPORT);
            assert_null(out);
        }
        assert_non_null(strstr(err.description, "(strict: signature differs)"));
        ens_client_free(client);
        ens_replay_free(r);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_matching_fields),
        cmocka_unit_test(test_duplicates_answer_in_file_order),
        cmocka_unit_test(test_unmatched_description),
        cmocka_unit_test(test_unused_report),
        cmocka_unit_test(test_transport_failure_entries),
        cmocka_unit_test(test_body_json_and_base64),
        cmocka_unit_test(test_replay_honours_size_cap),
        cmocka_unit_test(test_strict_replay_is_byte_identical),
        cmocka_unit_test(test_record_never_writes_secrets),
        cmocka_unit_test(test_record_file_valid_after_each_exchange),
        cmocka_unit_test(test_record_ownership),
        cmocka_unit_test(test_replay_lifetime),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_concurrent_replay),
        cmocka_unit_test(test_concurrent_record),
        cmocka_unit_test(test_fixtures_hold_no_secrets),
        cmocka_unit_test(test_fixture_single_page),
        cmocka_unit_test(test_fixture_multi_page_walk),
        cmocka_unit_test(test_fixture_empty_result),
        cmocka_unit_test(test_fixture_filters),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_fixture_bad_bodies),
        cmocka_unit_test(test_fixture_numbers_and_non_ascii),
        cmocka_unit_test(test_fixture_transport_errors),
        cmocka_unit_test(test_fixture_strict_signatures),
    };
    REQUIRE(sodium_init() >= 0);
    if (argc == 3 && strcmp(argv[1], "--write-cassettes") == 0) {
        write_cassettes(argv[2]);
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
