/* SPDX-License-Identifier: MIT */
/*
 * Tests of the ensmock local mock server (tools/mock), through libcurl.
 *
 * Independent of libensclient on purpose: requests are signed here with a
 * small ACS3-HMAC-SHA256 signer of the test's own (libsodium), which first
 * reproduces the worked example of SIGNATURE-V3.md byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ens_mock.h"

#ifndef ENSMOCK_TLS_DIR
#error "ENSMOCK_TLS_DIR must name the test/tls directory"
#endif

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ACTION "DescribeNetworkPeerConnections"
#define VERSION "2017-11-10"

/* ------------------------------------------------------------------ */
/* A small growable string                                             */

typedef struct str {
    char *p;
    size_t len, cap;
} str;

static void s_addn(str *s, const char *d, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 128;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *np = realloc(s->p, cap);
        assert_non_null(np);
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void s_add(str *s, const char *d)
{
    s_addn(s, d, strlen(d));
}

static void s_free(str *s)
{
    free(s->p);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------ */
/* The test's own ACS3-HMAC-SHA256 signer                              */

typedef struct kv {
    const char *k, *v;
} kv;

static void pct(str *s, const char *d)
{
    static const char hx[] = "0123456789ABCDEF";
    for (; *d; d++) {
        unsigned char c = (unsigned char)*d;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            s_addn(s, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            s_addn(s, e, 3);
        }
    }
}

typedef struct encpair {
    char *name, *pair;
} encpair;

static int cmp_encpair(const void *a, const void *b)
{
    const encpair *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->pair, y->pair);
}

/* name=value pairs, RFC 3986 encoded, sorted by encoded name, joined by & */
static char *canonical_query(const kv *params, size_t n)
{
    encpair *e = calloc(n ? n : 1, sizeof *e);
    assert_non_null(e);
    for (size_t i = 0; i < n; i++) {
        str a = {0}, b = {0};
        pct(&a, params[i].k);
        s_add(&a, "");
        s_add(&b, a.p);
        s_add(&b, "=");
        pct(&b, params[i].v);
        e[i].name = a.p;
        e[i].pair = b.p;
    }
    qsort(e, n, sizeof *e, cmp_encpair);
    str q = {0};
    s_add(&q, "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            s_add(&q, "&");
        s_add(&q, e[i].pair);
        free(e[i].name);
        free(e[i].pair);
    }
    free(e);
    return q.p;
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static void hexify(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

typedef struct signed_req {
    char *canonical;     /* canonical request */
    char hash[65];       /* hex sha256 of it */
    char signature[65];
    char *signed_headers;
    char *authorization;
} signed_req;

static void signed_req_free(signed_req *r)
{
    free(r->canonical);
    free(r->signed_headers);
    free(r->authorization);
}

/* headers: lowercase names, any order; values used trimmed as given. */
static void sign(const char *key_id, const char *secret, const char *method, const char *query,
                 const kv *headers, size_t nh, const char *payload_hash, signed_req *out)
{
    kv *h = malloc(nh * sizeof *h);
    assert_non_null(h);
    memcpy(h, headers, nh * sizeof *h);
    qsort(h, nh, sizeof *h, cmp_kv);
    str c = {0}, sh = {0};
    s_add(&c, method);
    s_add(&c, "\n/\n");
    s_add(&c, query);
    s_add(&c, "\n");
    s_add(&sh, "");
    for (size_t i = 0; i < nh; i++) {
        s_add(&c, h[i].k);
        s_add(&c, ":");
        s_add(&c, h[i].v);
        s_add(&c, "\n");
        if (i)
            s_add(&sh, ";");
        s_add(&sh, h[i].k);
    }
    free(h);
    s_add(&c, "\n");
    s_add(&c, sh.p);
    s_add(&c, "\n");
    s_add(&c, payload_hash);

    unsigned char dig[32];
    crypto_hash_sha256(dig, (const unsigned char *)c.p, c.len);
    hexify(dig, 32, out->hash);
    char sts[128];
    snprintf(sts, sizeof sts, "ACS3-HMAC-SHA256\n%s", out->hash);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)sts, strlen(sts));
    crypto_auth_hmacsha256_final(&st, dig);
    hexify(dig, 32, out->signature);

    str a = {0};
    s_add(&a, "ACS3-HMAC-SHA256 Credential=");
    s_add(&a, key_id);
    s_add(&a, ",SignedHeaders=");
    s_add(&a, sh.p);
    s_add(&a, ",Signature=");
    s_add(&a, out->signature);
    out->canonical = c.p;
    out->signed_headers = sh.p;
    out->authorization = a.p;
}

/* ------------------------------------------------------------------ */
/* One request to the mock                                             */

typedef struct call {
    /* inputs (NULL / 0 = sensible default) */
    const char *key_id, *secret;
    const kv *params;
    size_t nparams;
    const char *date;          /* x-acs-date; NULL = now */
    const char *nonce;         /* NULL = fresh random */
    const char *action, *version;
    const char *token;         /* x-acs-security-token, signed */
    const char *content_type;  /* sent and signed; NULL = header removed */
    const char *unsigned_header; /* "name: value" sent but not signed */
    const char *payload_hash;  /* x-acs-content-sha256; NULL = empty body's */
    bool no_authorization;
    const char *method;        /* NULL = POST */
    const char *cainfo;        /* TLS trust anchor */
    long timeout_ms;           /* 0 = 30 s */
    bool dry_run;              /* sign only (fills signature), send nothing */
    /* outputs */
    CURLcode rc;
    long status;
    str body;
    json_t *json;
    char *content_type_out;
    char signature[65];
} call;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    str *s = userdata;
    s_addn(s, ptr, size * nmemb);
    return size * nmemb;
}

static void fmt_date(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void call_reset(call *c)
{
    s_free(&c->body);
    json_decref(c->json);
    c->json = NULL;
    free(c->content_type_out);
    c->content_type_out = NULL;
}

static void perform(CURL *h, const char *base_url, call *c)
{
    call_reset(c);
    char date[32], nonce[33], host[128];
    if (!c->date)
        fmt_date(time(NULL), date);
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    hexify(r, sizeof r, nonce);
    const char *hostpart = strstr(base_url, "://");
    assert_non_null(hostpart);
    snprintf(host, sizeof host, "%s", hostpart + 3);

    char *query = canonical_query(c->params, c->nparams);
    kv hdrs[10];
    size_t nh = 0;
    hdrs[nh++] = (kv){"host", host};
    hdrs[nh++] = (kv){"x-acs-action", c->action ? c->action : ACTION};
    hdrs[nh++] = (kv){"x-acs-version", c->version ? c->version : VERSION};
    hdrs[nh++] = (kv){"x-acs-date", c->date ? c->date : date};
    hdrs[nh++] = (kv){"x-acs-signature-nonce", c->nonce ? c->nonce : nonce};
    hdrs[nh++] = (kv){"x-acs-content-sha256", c->payload_hash ? c->payload_hash : EMPTY_SHA256};
    if (c->token)
        hdrs[nh++] = (kv){"x-acs-security-token", c->token};
    if (c->content_type)
        hdrs[nh++] = (kv){"content-type", c->content_type};
    signed_req sr;
    sign(c->key_id ? c->key_id : ENSMOCK_DEMO_KEY_ID,
         c->secret ? c->secret : ENSMOCK_DEMO_KEY_SECRET, "POST", query, hdrs, nh,
         c->payload_hash ? c->payload_hash : EMPTY_SHA256, &sr);
    memcpy(c->signature, sr.signature, sizeof c->signature);
    if (c->dry_run) {
        free(query);
        signed_req_free(&sr);
        return;
    }

    struct curl_slist *list = NULL;
    char line[1024];
    for (size_t i = 1; i < nh; i++) { /* host: curl sets it */
        snprintf(line, sizeof line, "%s: %s", hdrs[i].k, hdrs[i].v);
        list = curl_slist_append(list, line);
    }
    if (!c->content_type)
        list = curl_slist_append(list, "Content-Type:"); /* drop curl's default */
    if (!c->no_authorization) {
        snprintf(line, sizeof line, "Authorization: %s", sr.authorization);
        list = curl_slist_append(list, line);
    }
    if (c->unsigned_header)
        list = curl_slist_append(list, c->unsigned_header);
    list = curl_slist_append(list, "Accept: application/json");

    str url = {0};
    s_add(&url, base_url);
    s_add(&url, "/");
    if (*query) {
        s_add(&url, "?");
        s_add(&url, query);
    }
    curl_easy_setopt(h, CURLOPT_URL, url.p);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    if (c->method && strcmp(c->method, "POST") != 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms ? c->timeout_ms : 30000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (c->cainfo)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cainfo);
    c->rc = curl_easy_perform(h);
    c->status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
    char *ct = NULL;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    c->content_type_out = ct ? strdup(ct) : NULL;
    if (c->rc == CURLE_OK && c->body.p)
        c->json = json_loadb(c->body.p, c->body.len, 0, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    s_free(&url);
    free(query);
    signed_req_free(&sr);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Expect an error reply with this status and code. */
static void expect_error(const call *c, long status, const char *code)
{
    assert_int_equal(c->rc, CURLE_OK);
    if (c->status != status || !c->json || !jstr(c->json, "Code") ||
        strcmp(jstr(c->json, "Code"), code) != 0)
        print_error("want %ld %s, got %ld %s\n", status, code, c->status,
                    c->body.p ? c->body.p : "(no body)");
    assert_int_equal(c->status, status);
    assert_non_null(c->json);
    assert_string_equal(jstr(c->json, "Code"), code);
    assert_non_null(jstr(c->json, "RequestId"));
    assert_non_null(jstr(c->json, "HostId"));
    assert_non_null(jstr(c->json, "Message"));
    assert_non_null(jstr(c->json, "Recommend"));
}

static void expect_ok(const call *c)
{
    assert_int_equal(c->rc, CURLE_OK);
    if (c->status != 200)
        print_error("want 200, got %ld %s\n", c->status, c->body.p ? c->body.p : "");
    assert_int_equal(c->status, 200);
    assert_non_null(c->json);
    assert_non_null(c->content_type_out);
    assert_true(strncmp(c->content_type_out, "application/json", 16) == 0);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static const ensmock_key test_keys[] = {
    {ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET, NULL},
    {"second-key-id", "second secret with spaces & symbols/+=", NULL},
    {"sts-key-id", "sts-secret", "sts-token-value"},
};

typedef struct fixture {
    ensmock_server *srv;
    CURL *h;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ensmock_options o;
    ensmock_options_init(&o);
    o.keys = test_keys;
    o.key_count = sizeof test_keys / sizeof *test_keys;
    assert_int_equal(ensmock_start(&o, &f->srv), ENSMOCK_OK);
    f->h = curl_easy_init();
    assert_non_null(f->h);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    curl_easy_cleanup(f->h);
    ensmock_stop(f->srv);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

/* The signer reproduces SIGNATURE-V3.md's worked example byte for byte. */
static void test_signer_worked_example(void **state)
{
    (void)state;
    const kv params[] = {
        {"RegionId", "cn-shanghai"},
        {"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
    };
    char *q = canonical_query(params, 2);
    assert_string_equal(q, "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"
                           "&RegionId=cn-shanghai");
    const kv hdrs[] = {
        {"x-acs-version", "2014-05-26"},
        {"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
        {"host", "ecs.cn-shanghai.aliyuncs.com"},
        {"x-acs-date", "2023-10-26T10:22:32Z"},
        {"x-acs-content-sha256", EMPTY_SHA256},
        {"x-acs-action", "RunInstances"},
    };
    signed_req sr;
    sign("YourAccessKeyId", "YourAccessKeySecret", "POST", q, hdrs, 6, EMPTY_SHA256, &sr);
    assert_string_equal(sr.canonical,
                        "POST\n"
                        "/\n"
                        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
                        "host:ecs.cn-shanghai.aliyuncs.com\n"
                        "x-acs-action:RunInstances\n"
                        "x-acs-content-sha256:" EMPTY_SHA256 "\n"
                        "x-acs-date:2023-10-26T10:22:32Z\n"
                        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
                        "x-acs-version:2014-05-26\n"
                        "\n"
                        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
                        EMPTY_SHA256);
    assert_string_equal(sr.hash, "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    assert_string_equal(sr.signature,
                        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    assert_string_equal(sr.authorization,
                        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;"
                        "x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                        "x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    signed_req_free(&sr);
    free(q);

    /* Encoding rules: space %20, '*' %2A, '~' kept, UTF-8 bytes, '+' %2B. */
    const kv odd[] = {{"b", "a b*c~d+e/é"}, {"a", ""}};
    q = canonical_query(odd, 2);
    assert_string_equal(q, "a=&b=a%20b%2Ac~d%2Be%2F%C3%A9");
    free(q);
}

static void test_start_stop_many(void **state)
{
    (void)state;
    for (int i = 0; i < 25; i++) {
        ensmock_server *srv = NULL;
        assert_int_equal(ensmock_start(NULL, &srv), ENSMOCK_OK);
        assert_non_null(srv);
        assert_true(ensmock_port(srv) != 0);
        assert_int_equal(ensmock_data_count(srv), 57);
        if (i % 5 == 0) {
            /* leave a keep-alive connection open across the stop */
            CURL *h = curl_easy_init();
            call c = {0};
            perform(h, ensmock_url(srv), &c);
            expect_ok(&c);
            call_reset(&c);
            ensmock_stop(srv);
            curl_easy_cleanup(h);
        } else {
            ensmock_stop(srv);
        }
    }
    ensmock_stop(NULL);
}

static void test_start_errors(void **state)
{
    (void)state;
    ensmock_server *srv = (ensmock_server *)&srv;
    ensmock_options o;
    ensmock_options_init(&o);
    o.data_json = "{\"NetworkPeerConnects\": 3}";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_DATA);
    assert_null(srv);
    o.data_json = "[1]";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_DATA);
    o.data_json = NULL;
    o.data_file = "/nonexistent/ensmock.json";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_DATA);
    o.data_file = NULL;
    o.tls_cert_file = ENSMOCK_TLS_DIR "/server.pem";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_INVALID);
    o.tls_key_file = "/nonexistent/key.pem";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_TLS);
    o.tls_cert_file = o.tls_key_file = NULL;
    o.bind_addr = "not-an-address";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_INVALID);
    o.bind_addr = NULL;
    /* port already taken */
    ensmock_server *a = NULL;
    assert_int_equal(ensmock_start(NULL, &a), ENSMOCK_OK);
    o.port = ensmock_port(a);
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_ERR_START);
    ensmock_stop(a);
    /* data as a bare array */
    o.port = 0;
    o.data_json = "[{\"InstanceId\": \"pcc-a\"}, {\"InstanceId\": null}]";
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_OK);
    assert_int_equal(ensmock_data_count(srv), 2);
    ensmock_stop(srv);
}

static void test_ok_filters(void **state)
{
    fixture *f = *state;
    const char *url = ensmock_url(f->srv);
    call c = {0};

    /* no parameter: defaults 1 / 10 */
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "PageNumber"), "1");
    assert_string_equal(jstr(c.json, "PageSize"), "10");
    assert_string_equal(jstr(c.json, "TotalCount"), "57");
    assert_int_equal(strlen(jstr(c.json, "RequestId")), 36);
    json_t *list = json_object_get(c.json, "NetworkPeerConnects");
    assert_int_equal(json_array_size(list), 10);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        static const char *const fields[] = {"InstanceId", "CreationTime", "Name",
                                             "Description", "EnsRegionId", "Status",
                                             "NetworkId", "AcceptingNetworkId"};
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            assert_non_null(jstr(e, fields[k]));
        json_t *n = json_object_get(e, "Network"), *an = json_object_get(e, "AcceptingNetwork");
        assert_non_null(jstr(n, "NetworkId"));
        assert_true(json_is_array(json_object_get(n, "Ipv4Cidrs")));
        assert_non_null(jstr(an, "NetworkId"));
        assert_true(json_is_array(json_object_get(an, "Ipv4Cidrs")));
    }
    /* the stray newline of the published example survives */
    assert_string_equal(jstr(json_array_get(list, 1), "AcceptingNetworkId"),
                        "n-1n9lgf2hix5d\n");

    /* EnsRegionId: 12 entries, page 2 of size 10 holds 2 */
    kv p1[] = {{"EnsRegionId", "cn-xian-unicom"}, {"PageNumber", "2"}};
    c.params = p1;
    c.nparams = 2;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "12");
    assert_string_equal(jstr(c.json, "PageNumber"), "2");
    assert_int_equal(json_array_size(json_object_get(c.json, "NetworkPeerConnects")), 2);

    /* page past the end: empty list, same TotalCount */
    kv p2[] = {{"EnsRegionId", "cn-xian-unicom"}, {"PageNumber", "3"}};
    c.params = p2;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "12");
    assert_int_equal(json_array_size(json_object_get(c.json, "NetworkPeerConnects")), 0);

    /* PageSize 100 returns everything */
    kv p3[] = {{"PageSize", "100"}};
    c.params = p3;
    c.nparams = 1;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "PageSize"), "100");
    assert_int_equal(json_array_size(json_object_get(c.json, "NetworkPeerConnects")), 57);

    /* Name exact (several matches), UTF-8 name, name with quote/backslash */
    kv p4[] = {{"Name", "test"}};
    c.params = p4;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "3");
    kv p5[] = {{"Name", "边缘对等连接-西安"}};
    c.params = p5;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "1");
    kv p6[] = {{"Name", "say \"hi\" \\ bye"}};
    c.params = p6;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "1");
    kv p6b[] = {{"Name", "Überbrücke ✓ 🚀"}};
    c.params = p6b;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "1");

    /* InstanceId exact */
    kv p7[] = {{"InstanceId", "pcc-5gisx6d8nu52x0shi3jiy"}};
    c.params = p7;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "1");
    assert_string_equal(
        jstr(json_array_get(json_object_get(c.json, "NetworkPeerConnects"), 0), "InstanceId"),
        "pcc-5gisx6d8nu52x0shi3jiy");

    /* NetworkIds.N: either side, any of them */
    kv p8[] = {{"NetworkIds.1", "n-r4ud59o2t8vr"}};
    c.params = p8;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "9");
    kv p9[] = {{"NetworkIds.1", "n-r4ud59o2t8vr"}, {"NetworkIds.2", "n-1n9lgf2hix5d"}};
    c.params = p9;
    c.nparams = 2;
    perform(f->h, url, &c);
    expect_ok(&c);
    long both = strtol(jstr(c.json, "TotalCount"), NULL, 10);
    assert_true(both > 9 && both <= 14);

    /* filters combine; no match gives an empty list */
    kv p10[] = {{"EnsRegionId", "cn-dongguan-9"}, {"Name", "test"}};
    c.params = p10;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "1");
    kv p11[] = {{"EnsRegionId", "cn-nowhere"}};
    c.params = p11;
    c.nparams = 1;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "0");
    assert_int_equal(json_array_size(json_object_get(c.json, "NetworkPeerConnects")), 0);

    /* the second key, and content-type sent and signed */
    c.params = NULL;
    c.nparams = 0;
    c.key_id = "second-key-id";
    c.secret = "second secret with spaces & symbols/+=";
    c.content_type = "application/x-www-form-urlencoded";
    perform(f->h, url, &c);
    expect_ok(&c);
    call_reset(&c);
}

static void test_param_errors(void **state)
{
    fixture *f = *state;
    const char *url = ensmock_url(f->srv);
    call c = {0};
    static const struct {
        const char *k, *v, *code;
    } cases[] = {
        {"PageSize", "5", "InvalidParameter.PageSize"},
        {"PageSize", "101", "InvalidParameter.PageSize"},
        {"PageSize", "ten", "InvalidParameter.PageSize"},
        {"PageSize", "-10", "InvalidParameter.PageSize"},
        {"PageNumber", "0", "InvalidParameter.PageNumber"},
        {"PageNumber", "1.5", "InvalidParameter.PageNumber"},
        {"PageNumber", "99999999999999999999999", "InvalidParameter.PageNumber"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kv p[] = {{cases[i].k, cases[i].v}};
        c.params = p;
        c.nparams = 1;
        perform(f->h, url, &c);
        expect_error(&c, 400, cases[i].code);
    }
    char longname[200];
    memset(longname, 'n', 129);
    longname[129] = '\0';
    kv p[] = {{"Name", longname}};
    c.params = p;
    perform(f->h, url, &c);
    expect_error(&c, 400, "InvalidParameter.Name");
    longname[128] = '\0'; /* 128 is fine */
    perform(f->h, url, &c);
    expect_ok(&c);
    call_reset(&c);
}

static void test_wrong_secret(void **state)
{
    fixture *f = *state;
    const char *url = ensmock_url(f->srv);
    char date[32];
    fmt_date(time(NULL), date);
    call bad = {.secret = "not-the-secret", .nonce = "fixed-nonce-for-leak-check", .date = date};
    perform(f->h, url, &bad);
    expect_error(&bad, 400, "SignatureDoesNotMatch");

    /* The signature the server computed (same request, right secret) must
     * not appear in the reply. */
    call good = {.nonce = "fixed-nonce-for-leak-check", .date = date, .dry_run = true};
    perform(f->h, url, &good);
    assert_string_not_equal(good.signature, bad.signature);
    assert_null(strstr(bad.body.p, good.signature));
    call_reset(&bad);

    /* the refused request did not consume its nonce: signed right, it passes */
    good.dry_run = false;
    perform(f->h, url, &good);
    expect_ok(&good);
    call_reset(&good);

    ensmock_stats st;
    ensmock_stats_get(f->srv, &st);
    assert_int_equal(st.signature_mismatch, 1);
}

static void test_unknown_key(void **state)
{
    fixture *f = *state;
    call c = {.key_id = "no-such-key", .secret = "whatever"};
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 404, "InvalidAccessKeyId.NotFound");
    call_reset(&c);
}

static void test_nonce_reuse(void **state)
{
    fixture *f = *state;
    char nonce[33];
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    hexify(r, sizeof r, nonce);
    call c = {.nonce = nonce};
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "SignatureNonceUsed");
    /* also when the reuse comes with other parameters */
    kv p[] = {{"PageSize", "20"}};
    c.params = p;
    c.nparams = 1;
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "SignatureNonceUsed");
    call_reset(&c);
}

static void test_timestamps(void **state)
{
    fixture *f = *state;
    char old[32], future[32], near[32];
    fmt_date(time(NULL) - 16 * 60, old);
    fmt_date(time(NULL) + 16 * 60, future);
    fmt_date(time(NULL) - 10 * 60, near);
    call c = {.date = old};
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "InvalidTimeStamp.Expired");
    c.date = future;
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "InvalidTimeStamp.Expired");
    c.date = near;
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    c.date = "2024-05-31 06:43:29";
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "InvalidTimeStamp.Format");
    call_reset(&c);

    /* skew check disabled */
    ensmock_options o;
    ensmock_options_init(&o);
    o.clock_skew_check_s = -1;
    ensmock_server *srv = NULL;
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_OK);
    c.date = "2001-01-01T00:00:00Z";
    perform(f->h, ensmock_url(srv), &c);
    expect_ok(&c);
    call_reset(&c);
    ensmock_stop(srv);
}

static void test_request_shape_errors(void **state)
{
    fixture *f = *state;
    const char *url = ensmock_url(f->srv);
    call c = {.no_authorization = true};
    perform(f->h, url, &c);
    expect_error(&c, 400, "MissingParameter");

    call_reset(&c);
    memset(&c, 0, sizeof c);
    c.action = "DescribeInstances";
    perform(f->h, url, &c);
    expect_error(&c, 404, "InvalidAction.NotFound");
    c.action = NULL;
    c.version = "2020-01-01";
    perform(f->h, url, &c);
    expect_error(&c, 400, "InvalidVersion");
    c.version = NULL;

    c.method = "GET";
    perform(f->h, url, &c);
    expect_error(&c, 405, "UnsupportedHTTPMethod");
    c.method = NULL;

    /* an x-acs-* header that is not signed */
    c.unsigned_header = "x-acs-extra: 1";
    perform(f->h, url, &c);
    expect_error(&c, 400, "IncompleteSignature");
    /* curl's default Content-Type, not signed */
    c.unsigned_header = "Content-Type: application/x-www-form-urlencoded";
    perform(f->h, url, &c);
    expect_error(&c, 400, "IncompleteSignature");
    c.unsigned_header = NULL;

    /* x-acs-content-sha256 that is not the body's hash (correctly signed) */
    c.payload_hash = "0000000000000000000000000000000000000000000000000000000000000000";
    perform(f->h, url, &c);
    expect_error(&c, 400, "SignatureDoesNotMatch");
    c.payload_hash = NULL;

    /* STS: token required for the STS key, refused for a permanent key */
    c.key_id = "sts-key-id";
    c.secret = "sts-secret";
    perform(f->h, url, &c);
    expect_error(&c, 400, "InvalidSecurityToken.MismatchWithAccessKey");
    c.token = "sts-token-value";
    perform(f->h, url, &c);
    expect_ok(&c);
    c.key_id = NULL;
    c.secret = NULL;
    perform(f->h, url, &c);
    expect_error(&c, 400, "InvalidSecurityToken.MismatchWithAccessKey");
    c.token = NULL;

    /* query values that need encoding, signed right: accepted */
    kv p[] = {{"Name", "a b*c~d+e/é&=?"}, {"Unknown.Param", "(x)"}};
    c.params = p;
    c.nparams = 2;
    perform(f->h, url, &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "0");
    call_reset(&c);
}

static void test_throttle_then_ok(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.throttle_first_n = 2};
    assert_int_equal(ensmock_set_faults(f->srv, &fl), ENSMOCK_OK);
    call c = {0};
    for (int i = 0; i < 2; i++) {
        perform(f->h, ensmock_url(f->srv), &c);
        expect_error(&c, 400, "Throttling.User");
        assert_string_equal(jstr(c.json, "Message"), "Request was denied due to user flow control.");
    }
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);

    /* then: 1 throttle, 2 unavailable, ok */
    fl.throttle_first_n = 1;
    fl.unavailable_first_n = 2;
    assert_int_equal(ensmock_set_faults(f->srv, &fl), ENSMOCK_OK);
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "Throttling.User");
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 503, "ServiceUnavailable");
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 503, "ServiceUnavailable");
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    assert_int_equal(ensmock_set_faults(f->srv, NULL), ENSMOCK_OK);
    call_reset(&c);
}

static void test_connection_reuse(void **state)
{
    (void)state;
    ensmock_server *srv = NULL;
    assert_int_equal(ensmock_start(NULL, &srv), ENSMOCK_OK);
    CURL *h = curl_easy_init();
    call c = {0};
    for (int i = 0; i < 20; i++) {
        perform(h, ensmock_url(srv), &c);
        expect_ok(&c);
    }
    /* error replies keep the connection too */
    c.secret = "wrong";
    perform(h, ensmock_url(srv), &c);
    expect_error(&c, 400, "SignatureDoesNotMatch");
    call_reset(&c);
    ensmock_stats st;
    ensmock_stats_get(srv, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.requests, 21);
    assert_int_equal(st.ok, 20);
    assert_int_equal(st.http_status[200], 20);
    assert_int_equal(st.http_status[400], 1);
    ensmock_stats_reset(srv);
    ensmock_stats_get(srv, &st);
    assert_int_equal(st.requests, 0);
    curl_easy_cleanup(h);
    ensmock_stop(srv);
}

static void test_tls(void **state)
{
    (void)state;
    ensmock_options o;
    ensmock_options_init(&o);
    o.tls_cert_file = ENSMOCK_TLS_DIR "/server.pem";
    o.tls_key_file = ENSMOCK_TLS_DIR "/server.key";
    ensmock_server *srv = NULL;
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_OK);
    const char *url = ensmock_url(srv);
    assert_true(strncmp(url, "https://127.0.0.1:", 18) == 0);

    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    call c = {.cainfo = ENSMOCK_TLS_DIR "/ca.pem"};
    for (int i = 0; i < 3; i++) {
        perform(h, url, &c);
        expect_ok(&c);
        assert_string_equal(jstr(c.json, "TotalCount"), "57");
    }
    /* by name as well (SAN DNS:localhost) */
    char byname[64];
    snprintf(byname, sizeof byname, "https://localhost:%u", (unsigned)ensmock_port(srv));
    curl_easy_setopt(h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
    perform(h, byname, &c);
    expect_ok(&c);
    ensmock_stats st;
    ensmock_stats_get(srv, &st);
    assert_int_equal(st.ok, 4);
    assert_int_equal(st.connections, 2);
    curl_easy_cleanup(h);

    /* without the test CA (system trust store only): verification fails */
    h = curl_easy_init();
    c.cainfo = NULL;
    perform(h, url, &c);
    assert_true(c.rc == CURLE_PEER_FAILED_VERIFICATION || c.rc == CURLE_SSL_CACERT_BADFILE);
    curl_easy_cleanup(h);

    /* plain HTTP against the HTTPS port fails, the server survives */
    h = curl_easy_init();
    char plain[64];
    snprintf(plain, sizeof plain, "http://127.0.0.1:%u", (unsigned)ensmock_port(srv));
    c.cainfo = NULL;
    perform(h, plain, &c);
    assert_int_not_equal(c.rc, CURLE_OK);
    curl_easy_cleanup(h);

    call_reset(&c);
    ensmock_stop(srv);
}

static void test_fault_drop(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.drop_connection = true};
    ensmock_set_faults(f->srv, &fl);
    call c = {0};
    perform(f->h, ensmock_url(f->srv), &c);
    assert_int_equal(c.rc, CURLE_GOT_NOTHING);
    assert_int_equal(c.status, 0);
    ensmock_set_faults(f->srv, NULL);
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    call_reset(&c);
}

static void test_fault_truncate(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.truncate_body = true};
    ensmock_set_faults(f->srv, &fl);
    call c = {0};
    perform(f->h, ensmock_url(f->srv), &c);
    assert_int_equal(c.rc, CURLE_PARTIAL_FILE);
    assert_int_equal(c.status, 200);
    assert_true(c.body.len > 0);
    assert_null(json_loadb(c.body.p, c.body.len, 0, NULL));
    ensmock_set_faults(f->srv, NULL);
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    call_reset(&c);
}

static void test_fault_oversize(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.oversize_body_bytes = 300000};
    ensmock_set_faults(f->srv, &fl);
    call c = {0};
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    assert_true(c.body.len > 300000);
    assert_string_equal(jstr(c.json, "TotalCount"), "57");
    /* error replies are padded too */
    c.secret = "wrong";
    perform(f->h, ensmock_url(f->srv), &c);
    expect_error(&c, 400, "SignatureDoesNotMatch");
    assert_true(c.body.len > 300000);
    ensmock_set_faults(f->srv, NULL);
    call_reset(&c);
}

static void test_fault_grow_total(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.grow_total_count = true};
    ensmock_set_faults(f->srv, &fl);
    call c = {0};
    char pn[16];
    kv p[] = {{"PageNumber", pn}, {"PageSize", "50"}};
    c.params = p;
    c.nparams = 2;
    for (int page = 1; page <= 5; page++) {
        snprintf(pn, sizeof pn, "%d", page);
        perform(f->h, ensmock_url(f->srv), &c);
        expect_ok(&c);
        char want[16];
        snprintf(want, sizeof want, "%d", 57 + page * 50);
        assert_string_equal(jstr(c.json, "TotalCount"), want);
        /* every page is full: the listing never ends */
        assert_int_equal(json_array_size(json_object_get(c.json, "NetworkPeerConnects")), 50);
    }
    ensmock_set_faults(f->srv, NULL);
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    assert_string_equal(jstr(c.json, "TotalCount"), "57");
    call_reset(&c);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_fault_delay(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.delay_ms = 300};
    ensmock_set_faults(f->srv, &fl);
    call c = {0};
    double t0 = now_s();
    perform(f->h, ensmock_url(f->srv), &c);
    double dt = now_s() - t0;
    expect_ok(&c);
    assert_true(dt >= 0.29);

    /* a client timeout shorter than the delay */
    fl.delay_ms = 1500;
    ensmock_set_faults(f->srv, &fl);
    c.timeout_ms = 200;
    perform(f->h, ensmock_url(f->srv), &c);
    assert_int_equal(c.rc, CURLE_OPERATION_TIMEDOUT);
    ensmock_set_faults(f->srv, NULL);
    c.timeout_ms = 0;
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    call_reset(&c);
}

/* A request already inside the server when the faults change counts under
 * the new faults: ensmock_set_faults({unavailable_first_n = 1}) while a
 * delayed request is in flight gives that request the 503 (it used to take
 * the fault's sequence number yet answer with its stale, fault-free copy, so
 * no request at all saw the 503). */
typedef struct inflight {
    const char *url;
    call c;
} inflight;

static void *inflight_main(void *arg)
{
    inflight *in = arg;
    CURL *h = curl_easy_init();
    perform(h, in->url, &in->c);
    curl_easy_cleanup(h);
    return NULL;
}

static void test_faults_set_mid_request(void **state)
{
    fixture *f = *state;
    ensmock_faults fl = {.delay_ms = 400};
    inflight in;
    ensmock_stats st;
    pthread_t t;
    double t0;
    memset(&in, 0, sizeof in);
    in.url = ensmock_url(f->srv);
    assert_int_equal(ensmock_set_faults(f->srv, &fl), ENSMOCK_OK);
    ensmock_stats_reset(f->srv);
    assert_int_equal(pthread_create(&t, NULL, inflight_main, &in), 0);
    t0 = now_s();
    do {
        ensmock_stats_get(f->srv, &st);
    } while (st.requests == 0 && now_s() - t0 < 5);
    assert_int_equal(st.requests, 1);
    fl.delay_ms = 0;
    fl.unavailable_first_n = 1;
    assert_int_equal(ensmock_set_faults(f->srv, &fl), ENSMOCK_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    expect_error(&in.c, 503, "ServiceUnavailable");
    ensmock_stats_get(f->srv, &st);
    assert_int_equal(st.unavailable, 1);
    call c = {0};
    perform(f->h, ensmock_url(f->srv), &c);
    expect_ok(&c);
    assert_int_equal(ensmock_set_faults(f->srv, NULL), ENSMOCK_OK);
    call_reset(&c);
    call_reset(&in.c);
}

/* ensmock_stop() returns promptly while a request sits in a long delay. */
static void test_stop_during_delay(void **state)
{
    (void)state;
    ensmock_options o;
    ensmock_options_init(&o);
    o.faults.delay_ms = 20000;
    ensmock_server *srv = NULL;
    assert_int_equal(ensmock_start(&o, &srv), ENSMOCK_OK);
    char url[64];
    snprintf(url, sizeof url, "%s/", ensmock_url(srv));
    CURL *h = curl_easy_init();
    CURLM *m = curl_multi_init();
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    str body = {0};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_multi_add_handle(m, h);
    int running = 1;
    ensmock_stats st = {0};
    double t0 = now_s();
    while (st.requests == 0 && now_s() - t0 < 5) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 20, NULL);
        ensmock_stats_get(srv, &st);
    }
    assert_int_equal(st.requests, 1);
    t0 = now_s();
    ensmock_stop(srv);
    assert_true(now_s() - t0 < 5.0);
    /* the client sees the reply that was being prepared, or a closed
     * connection: either way it is not left hanging */
    t0 = now_s();
    while (running && now_s() - t0 < 5) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 20, NULL);
    }
    assert_int_equal(running, 0);
    curl_multi_remove_handle(m, h);
    curl_multi_cleanup(m);
    curl_easy_cleanup(h);
    curl_slist_free_all(hl);
    s_free(&body);
}

/* Many requests in parallel on separate connections, several threads of the
 * server at once; the nonce set and counters stay consistent. */
static void test_parallel(void **state)
{
    fixture *f = *state;
    ensmock_stats before, after;
    ensmock_stats_get(f->srv, &before);
    enum { N = 16 };
    CURLM *m = curl_multi_init();
    CURL *hs[N];
    struct curl_slist *lists[N];
    str bodies[N];
    char *urls[N];
    memset(bodies, 0, sizeof bodies);
    for (int i = 0; i < N; i++) {
        /* sign each request with the helper, but send it through multi */
        char date[32], nonce[40], host[64];
        fmt_date(time(NULL), date);
        snprintf(nonce, sizeof nonce, "parallel-%d-%u", i, (unsigned)randombytes_random());
        snprintf(host, sizeof host, "127.0.0.1:%u", (unsigned)ensmock_port(f->srv));
        const kv hdrs[] = {
            {"host", host},           {"x-acs-action", ACTION},
            {"x-acs-version", VERSION}, {"x-acs-date", date},
            {"x-acs-signature-nonce", nonce}, {"x-acs-content-sha256", EMPTY_SHA256},
        };
        signed_req sr;
        sign(ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET, "POST", "", hdrs, 6, EMPTY_SHA256, &sr);
        struct curl_slist *l = curl_slist_append(NULL, "Content-Type:");
        char line[512];
        for (size_t k = 1; k < 6; k++) {
            snprintf(line, sizeof line, "%s: %s", hdrs[k].k, hdrs[k].v);
            l = curl_slist_append(l, line);
        }
        snprintf(line, sizeof line, "Authorization: %s", sr.authorization);
        l = curl_slist_append(l, line);
        signed_req_free(&sr);
        lists[i] = l;
        str u = {0};
        s_add(&u, ensmock_url(f->srv));
        s_add(&u, "/");
        urls[i] = u.p;
        hs[i] = curl_easy_init();
        curl_easy_setopt(hs[i], CURLOPT_URL, urls[i]);
        curl_easy_setopt(hs[i], CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(hs[i], CURLOPT_HTTPHEADER, l);
        curl_easy_setopt(hs[i], CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(hs[i], CURLOPT_WRITEDATA, &bodies[i]);
        curl_multi_add_handle(m, hs[i]);
    }
    int running = 1;
    double t0 = now_s();
    while (running && now_s() - t0 < 20) {
        curl_multi_perform(m, &running);
        if (running)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    assert_int_equal(running, 0);
    for (int i = 0; i < N; i++) {
        long status = 0;
        curl_easy_getinfo(hs[i], CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 200);
        curl_multi_remove_handle(m, hs[i]);
        curl_easy_cleanup(hs[i]);
        curl_slist_free_all(lists[i]);
        free(urls[i]);
        s_free(&bodies[i]);
    }
    curl_multi_cleanup(m);
    ensmock_stats_get(f->srv, &after);
    assert_int_equal(after.ok - before.ok, N);
    assert_true(after.connections - before.connections >= 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signer_worked_example),
        cmocka_unit_test(test_start_stop_many),
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test_setup_teardown(test_ok_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_shape_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle_then_ok, setup, teardown),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_tls),
        cmocka_unit_test_setup_teardown(test_fault_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_oversize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_grow_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_set_mid_request, setup, teardown),
        cmocka_unit_test(test_stop_during_delay),
        cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
