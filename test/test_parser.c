/* SPDX-License-Identifier: MIT */
/* Tests of lib/json (the lexer, the page parser, error documents) and
 * lib/model against the recorded bodies in test/fixtures/bodies (see
 * test/fixtures/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>

#include "ensclient/types.h"
#include "ensclient/allocator.h"
#include "json/lex.h"
#include "json/parser.h"
#include "model/schema.h"

/* The jansson-based reference parser and ens__parsers_agree(). */
#include "support/parser_dom.h"

/* ----------------------------------------------------------------------- */
/* Helpers                                                                 */

/* Reads a fixture into an exact-size buffer with NO terminating NUL, so any
 * read past body_len is caught by valgrind / ASan. */
static char *load(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    long size;
    char *buf;

    snprintf(path, sizeof(path), "%s/bodies/%s", ENS_FIXTURES_DIR, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static ens_status parse_fixture(const char *name, ens_describe_response **out, ens_error *err)
{
    size_t len;
    char *body = load(name, &len);
    ens_status st = ens_describe_response_parse(out, body, len, err);
    free(body);
    return st;
}

static ens_describe_response *parse_ok(const char *name)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = parse_fixture(name, &resp, &err);
    if (st != ENS_OK)
        fail_msg("%s: status %d: %s", name, (int)st, err.description);
    assert_non_null(resp);
    return resp;
}

/* Parses a fixture that must fail with ENS_EPARSE and a description naming want. */
static void expect_parse_error(const char *name, const char *want)
{
    ens_describe_response *resp = (ens_describe_response *)(uintptr_t)0x1;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = parse_fixture(name, &resp, &err);
    if (st != ENS_EPARSE || !strstr(err.description, want))
        fail_msg("%s: status %d, description \"%s\", wanted \"%s\"", name, (int)st, err.description, want);
    assert_int_equal(err.status, ENS_EPARSE);
    assert_ptr_equal(resp, (ens_describe_response *)(uintptr_t)0x1); /* untouched */
}

static void expect_agree(const char *what, const char *body, size_t len);

static ens_status parse_str(const char *body, ens_describe_response **out, ens_error *err)
{
    return ens_describe_response_parse(out, body, strlen(body), err);
}

static void assert_cidrs(const ens_network_info *n, size_t count, const char *const *want)
{
    assert_true(n->present);
    assert_int_equal(n->ipv4_cidrs_count, count);
    if (count == 0) {
        assert_null(n->ipv4_cidrs);
        return;
    }
    assert_non_null(n->ipv4_cidrs);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(n->ipv4_cidrs[i], want[i]);
}

/* ----------------------------------------------------------------------- */
/* Success pages                                                           */

static void test_published_example(void **state)
{
    ens_describe_response *r = parse_ok("published_example.json");
    const ens_peer_connection *c;
    static const char *const req[] = {"10.0.0.0/8"}, *const acc[] = {"192.168.0.0/16"};
    (void)state;

    assert_string_equal(r->request_id, "CEF72CEB-54B6-4AE8-B225-F876FF7BA984");
    assert_int_equal(r->page_number, 1);
    assert_int_equal(r->page_size, 30);
    assert_int_equal(r->total_count, 1);
    assert_int_equal(r->connections_count, 1);
    c = &r->connections[0];
    assert_string_equal(c->instance_id, "pcc-521pzxdg****");
    assert_string_equal(c->creation_time, "2024-05-31T06:43:29Z");
    assert_true(c->creation_time_epoch == (time_t)1717137809);
    assert_string_equal(c->name, "test");
    assert_string_equal(c->description, "desc");
    assert_string_equal(c->ens_region_id, "cn-dongguan-9");
    assert_int_equal(c->status, ENS_PEER_STATUS_ACTIVATED);
    assert_string_equal(c->status_text, "Activated");
    assert_string_equal(c->network_id, "n-5q73bm****");
    /* The stray newline of the published example is kept as sent. */
    assert_string_equal(c->accepting_network_id, "n-5q28114****\n");
    assert_int_equal(strlen(c->accepting_network_id), 14);
    assert_string_equal(c->network.network_id, "n-5q73bm****");
    assert_cidrs(&c->network, 1, req);
    assert_string_equal(c->accepting_network.network_id, "n-5q28114****");
    assert_cidrs(&c->accepting_network, 1, acc);
    ens_describe_response_free(r);
}

static void test_numbers(void **state)
{
    ens_describe_response *r = parse_ok("numbers.json");
    const ens_peer_connection *c;
    static const char *const req[] = {"10.1.0.0/16", "10.2.0.0/16"};
    (void)state;

    assert_int_equal(r->page_number, 2);
    assert_int_equal(r->page_size, 10);
    assert_int_equal(r->total_count, 12);
    assert_int_equal(r->connections_count, 1);
    c = &r->connections[0];
    assert_int_equal(c->status, ENS_PEER_STATUS_CREATING);
    assert_true(c->creation_time_epoch == (time_t)1704067199);
    /* An empty string is a string, not a missing field. */
    assert_non_null(c->description);
    assert_string_equal(c->description, "");
    assert_cidrs(&c->network, 2, req);
    assert_string_equal(c->accepting_network.network_id, "n-numacc****");
    assert_cidrs(&c->accepting_network, 0, NULL);
    ens_describe_response_free(r);
}

static void assert_conn_empty(const ens_peer_connection *c)
{
    assert_null(c->creation_time);
    assert_true(c->creation_time_epoch == (time_t)-1);
    assert_null(c->name);
    assert_null(c->description);
    assert_null(c->ens_region_id);
    assert_int_equal(c->status, ENS_PEER_STATUS_UNKNOWN);
    assert_null(c->status_text);
    assert_null(c->network_id);
    assert_null(c->accepting_network_id);
}

static void test_missing_fields(void **state)
{
    ens_describe_response *r = parse_ok("missing_fields.json");
    const ens_peer_connection *c;
    (void)state;

    assert_string_equal(r->request_id, "22222222-3333-4444-8555-666666666666");
    assert_int_equal(r->page_number, -1);
    assert_int_equal(r->page_size, -1);
    assert_int_equal(r->total_count, -1);
    assert_int_equal(r->connections_count, 2);

    c = &r->connections[0];
    assert_string_equal(c->instance_id, "pcc-sparse0001****");
    assert_conn_empty(c);
    assert_false(c->network.present);
    assert_null(c->network.network_id);
    assert_null(c->network.ipv4_cidrs);
    assert_int_equal(c->network.ipv4_cidrs_count, 0);
    assert_false(c->accepting_network.present);

    c = &r->connections[1];
    assert_string_equal(c->instance_id, "pcc-sparse0002****");
    assert_conn_empty(c);
    assert_true(c->network.present); /* {} is present, just empty */
    assert_null(c->network.network_id);
    assert_cidrs(&c->network, 0, NULL);
    assert_string_equal(c->accepting_network.network_id, "n-sparseacc****");
    assert_cidrs(&c->accepting_network, 0, NULL);
    ens_describe_response_free(r);
}

static void test_null_fields(void **state)
{
    ens_describe_response *r = parse_ok("null_fields.json");
    const ens_peer_connection *c;
    (void)state;

    assert_null(r->request_id);
    assert_int_equal(r->page_number, -1);
    assert_int_equal(r->page_size, -1);
    assert_int_equal(r->total_count, -1);
    assert_int_equal(r->connections_count, 1);
    c = &r->connections[0];
    assert_null(c->instance_id);
    assert_conn_empty(c);
    assert_false(c->network.present);
    assert_true(c->accepting_network.present);
    assert_null(c->accepting_network.network_id);
    assert_cidrs(&c->accepting_network, 0, NULL);
    ens_describe_response_free(r);

    /* A null list is an absent list. */
    assert_int_equal(parse_str("{\"NetworkPeerConnects\":null}", &r, NULL), ENS_OK);
    assert_int_equal(r->connections_count, 0);
    assert_null(r->connections);
    assert_null(r->request_id);
    ens_describe_response_free(r);
}

static void test_unknown_fields(void **state)
{
    ens_describe_response *r = parse_ok("unknown_fields.json");
    const ens_peer_connection *c;
    static const char *const req[] = {"10.9.0.0/16"}, *const acc[] = {"192.168.9.0/24"};
    (void)state;

    assert_string_equal(r->request_id, "33333333-4444-4555-8666-777777777777");
    assert_int_equal(r->total_count, 1);
    assert_int_equal(r->connections_count, 1);
    c = &r->connections[0];
    assert_string_equal(c->instance_id, "pcc-unknown0001****");
    assert_string_equal(c->name, "with extras");
    assert_int_equal(c->status, ENS_PEER_STATUS_ACTIVATED);
    assert_string_equal(c->network.network_id, "n-unkreq****");
    assert_cidrs(&c->network, 1, req);
    assert_string_equal(c->accepting_network.network_id, "n-unkacc****");
    assert_cidrs(&c->accepting_network, 1, acc);
    ens_describe_response_free(r);
}

static void test_empty_and_absent_list(void **state)
{
    ens_describe_response *r = parse_ok("empty_list.json");
    (void)state;
    assert_string_equal(r->request_id, "44444444-5555-4666-8777-888888888888");
    assert_int_equal(r->total_count, 0);
    assert_int_equal(r->connections_count, 0);
    assert_null(r->connections);
    ens_describe_response_free(r);

    r = parse_ok("absent_list.json");
    assert_string_equal(r->request_id, "55555555-6666-4777-8888-999999999999");
    assert_int_equal(r->page_number, 3);
    assert_int_equal(r->page_size, 50);
    assert_int_equal(r->total_count, 100);
    assert_int_equal(r->connections_count, 0);
    assert_null(r->connections);
    ens_describe_response_free(r);

    /* The smallest acceptable page. */
    assert_int_equal(parse_str("{}", &r, NULL), ENS_OK);
    assert_null(r->request_id);
    assert_int_equal(r->page_number, -1);
    assert_int_equal(r->connections_count, 0);
    ens_describe_response_free(r);
}

static void test_unicode_text(void **state)
{
    ens_describe_response *r = parse_ok("unicode_text.json");
    const ens_peer_connection *c;
    (void)state;

    c = &r->connections[0];
    assert_string_equal(c->name, "\xe5\xaf\xb9\xe7\xad\x89\xe8\xbf\x9e\xe6\x8e\xa5 \"\xe6\xb5\x8b\xe8\xaf\x95\" "
                                 "\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9");
    assert_string_equal(c->description, "line 1\nline 2\r\n\ttabbed \\ backslash \"quoted\" \xc3\xa9 "
                                         "\xf0\x9f\x9a\x80 \xf0\x9f\x9a\x80 ");
    assert_string_equal(c->accepting_network_id, "  n-uni-acc****  "); /* not trimmed */
    assert_int_equal(c->status, ENS_PEER_STATUS_DELETING);
    assert_true(c->creation_time_epoch == (time_t)1709208000); /* leap day */
    ens_describe_response_free(r);
}

static void test_statuses(void **state)
{
    ens_describe_response *r = parse_ok("statuses.json");
    static const struct {
        ens_peer_status status;
        const char *text;
        time_t epoch;
    } want[] = {
        {ENS_PEER_STATUS_CREATING, "Creating", 0},
        {ENS_PEER_STATUS_ACTIVATED, "Activated", 951782400},
        {ENS_PEER_STATUS_DELETING, "Deleting", -1},     /* 2100 is not a leap year */
        {ENS_PEER_STATUS_UNKNOWN, "Pending", -1},       /* space instead of T, no Z */
        {ENS_PEER_STATUS_UNKNOWN, "activated", -1},     /* case matters; offset instead of Z */
        {ENS_PEER_STATUS_UNKNOWN, "", -1},
        {ENS_PEER_STATUS_UNKNOWN, NULL, -1},
    };
    (void)state;

    assert_int_equal(r->connections_count, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *c = &r->connections[i];
        assert_int_equal(c->status, want[i].status);
        if (want[i].text)
            assert_string_equal(c->status_text, want[i].text);
        else
            assert_null(c->status_text);
        assert_true(c->creation_time_epoch == want[i].epoch);
    }
    ens_describe_response_free(r);
}

static void test_status_name(void **state)
{
    (void)state;
    assert_string_equal(ens_peer_status_name(ENS_PEER_STATUS_CREATING), "Creating");
    assert_string_equal(ens_peer_status_name(ENS_PEER_STATUS_ACTIVATED), "Activated");
    assert_string_equal(ens_peer_status_name(ENS_PEER_STATUS_DELETING), "Deleting");
    assert_string_equal(ens_peer_status_name(ENS_PEER_STATUS_UNKNOWN), "Unknown");
    assert_string_equal(ens_peer_status_name((ens_peer_status)42), "Unknown");
    assert_string_equal(ens_peer_status_name((ens_peer_status)-1), "Unknown");
}

static void test_page_10(void **state)
{
    ens_describe_response *r = parse_ok("page_10.json");
    char want[64];
    (void)state;

    assert_string_equal(r->request_id, "00000000-0000-4000-8000-00000000000A");
    assert_int_equal(r->page_number, 1);
    assert_int_equal(r->page_size, 10);
    assert_int_equal(r->total_count, 23);
    assert_int_equal(r->connections_count, 10);
    for (size_t i = 0; i < 10; i++) {
        const ens_peer_connection *c = &r->connections[i];
        size_t k = i + 1;
        snprintf(want, sizeof(want), "pcc-fixture%05zu****", k);
        assert_string_equal(c->instance_id, want);
        assert_int_equal(c->status, k % 3 == 0 ? ENS_PEER_STATUS_ACTIVATED
                                    : k % 3 == 1 ? ENS_PEER_STATUS_CREATING
                                                 : ENS_PEER_STATUS_DELETING);
        assert_true(c->creation_time_epoch != (time_t)-1);
        assert_int_equal(c->network.ipv4_cidrs_count, 1);
        assert_int_equal(c->accepting_network.ipv4_cidrs_count, 2);
        snprintf(want, sizeof(want), "172.16.%zu.0/24", k);
        assert_string_equal(c->accepting_network.ipv4_cidrs[1], want);
    }
    assert_true(r->connections[0].creation_time_epoch == (time_t)1706835667);
    ens_describe_response_free(r);
}

/* The whole page is one block: the struct first, then the connection array,
 * then the cidr pointer arrays, then every string back to back in document
 * order.  (Under valgrind, the single ens_describe_response_free also proves
 * nothing else was allocated.) */
static const char *next_string(const char *expect, const char *s)
{
    if (!s)
        return expect;
    assert_ptr_equal(s, expect);
    return s + strlen(s) + 1;
}

static void test_page_100_single_block(void **state)
{
    ens_describe_response *r = parse_ok("page_100.json");
    const char *base = (const char *)r, *cursor, *first_string;
    const char *objects_end;
    char want[64];
    (void)state;

    assert_int_equal(r->connections_count, 100);
    assert_int_equal(r->total_count, 100);
    snprintf(want, sizeof(want), "pcc-fixture%05d****", 100);
    assert_string_equal(r->connections[99].instance_id, want);
    assert_string_equal(r->connections[99].accepting_network.ipv4_cidrs[0], "192.168.100.0/24");

    assert_true((const char *)r->connections >= base + sizeof(*r));
    assert_true((const char *)r->connections < base + sizeof(*r) + _Alignof(ens_peer_connection));
    objects_end = (const char *)(r->connections + r->connections_count);
    for (size_t i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *c = &r->connections[i];
        assert_true((const char *)c->network.ipv4_cidrs >= objects_end);
        assert_true((const char *)c->accepting_network.ipv4_cidrs >= objects_end);
    }
    first_string = r->request_id;
    assert_true(first_string > objects_end);
    cursor = first_string;
    cursor = next_string(cursor, r->request_id);
    for (size_t i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *c = &r->connections[i];
        const char *const in_order[] = {c->instance_id,   c->creation_time, c->name,
                                        c->description,   c->ens_region_id, c->status_text,
                                        c->network_id,    c->accepting_network_id};
        for (size_t k = 0; k < sizeof(in_order) / sizeof(in_order[0]); k++)
            cursor = next_string(cursor, in_order[k]);
        cursor = next_string(cursor, c->network.network_id);
        for (size_t k = 0; k < c->network.ipv4_cidrs_count; k++) {
            assert_true((const char *)c->network.ipv4_cidrs < first_string);
            cursor = next_string(cursor, c->network.ipv4_cidrs[k]);
        }
        cursor = next_string(cursor, c->accepting_network.network_id);
        for (size_t k = 0; k < c->accepting_network.ipv4_cidrs_count; k++)
            cursor = next_string(cursor, c->accepting_network.ipv4_cidrs[k]);
    }
    ens_describe_response_free(r);
}

/* ----------------------------------------------------------------------- */
/* Malformed pages                                                         */

static void test_wrong_types(void **state)
{
    static const struct {
        const char *fixture;
        const char *want;
    } cases[] = {
        {"wrong_type_name.json", "NetworkPeerConnects[0].Name is not a string"},
        {"wrong_type_list_object.json", "NetworkPeerConnects is not an array"},
        {"wrong_type_cidr_number.json", "NetworkPeerConnects[3].Network.Ipv4Cidrs[0] is not a string"},
        {"wrong_type_cidr_null.json", "NetworkPeerConnects[0].AcceptingNetwork.Ipv4Cidrs[1] is not a string"},
        {"wrong_type_cidrs_not_array.json", "NetworkPeerConnects[0].Network.Ipv4Cidrs is not an array"},
        {"wrong_type_entry_not_object.json", "NetworkPeerConnects[1] is not an object"},
        {"wrong_type_network_string.json", "NetworkPeerConnects[0].Network is not an object"},
        {"wrong_type_request_id.json", "RequestId is not a string"},
        {"wrong_type_page_size_real.json", "PageSize is not a non-negative integer"},
        {"wrong_type_total_bool.json", "TotalCount is not a non-negative integer"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parse_error(cases[i].fixture, cases[i].want);
    /* The exact wording, once. */
    {
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        assert_int_equal(parse_fixture("wrong_type_cidr_number.json", &r, &err), ENS_EPARSE);
        assert_string_equal(err.description,
                            "response parse error: NetworkPeerConnects[3].Network.Ipv4Cidrs[0] is not a string");
        assert_int_equal(err.http_status, 0);
        assert_string_equal(err.code, "");
        assert_null(r);
    }
}

static void test_wrong_types_inline(void **state)
{
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        {"{\"NetworkPeerConnects\":[null]}", "NetworkPeerConnects[0] is not an object"},
        {"{\"NetworkPeerConnects\":[[]]}", "NetworkPeerConnects[0] is not an object"},
        {"{\"NetworkPeerConnects\":\"x\"}", "NetworkPeerConnects is not an array"},
        {"{\"NetworkPeerConnects\":[{\"InstanceId\":1}]}", "NetworkPeerConnects[0].InstanceId is not a string"},
        {"{\"NetworkPeerConnects\":[{\"CreationTime\":1717137809}]}",
         "NetworkPeerConnects[0].CreationTime is not a string"},
        {"{\"NetworkPeerConnects\":[{\"Description\":{}}]}", "NetworkPeerConnects[0].Description is not a string"},
        {"{\"NetworkPeerConnects\":[{\"EnsRegionId\":[]}]}", "NetworkPeerConnects[0].EnsRegionId is not a string"},
        {"{\"NetworkPeerConnects\":[{\"Status\":2}]}", "NetworkPeerConnects[0].Status is not a string"},
        {"{\"NetworkPeerConnects\":[{\"NetworkId\":false}]}", "NetworkPeerConnects[0].NetworkId is not a string"},
        {"{\"NetworkPeerConnects\":[{\"AcceptingNetworkId\":0.5}]}",
         "NetworkPeerConnects[0].AcceptingNetworkId is not a string"},
        {"{\"NetworkPeerConnects\":[{},{\"AcceptingNetwork\":[]}]}",
         "NetworkPeerConnects[1].AcceptingNetwork is not an object"},
        {"{\"NetworkPeerConnects\":[{\"Network\":{\"NetworkId\":7}}]}",
         "NetworkPeerConnects[0].Network.NetworkId is not a string"},
        {"{\"NetworkPeerConnects\":[{\"AcceptingNetwork\":{\"Ipv4Cidrs\":{}}}]}",
         "NetworkPeerConnects[0].AcceptingNetwork.Ipv4Cidrs is not an array"},
        {"{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[\"a\",\"b\",[\"c\"]]}}]}",
         "NetworkPeerConnects[0].Network.Ipv4Cidrs[2] is not a string"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st = parse_str(cases[i].body, &r, &err);
        if (st != ENS_EPARSE || !strstr(err.description, cases[i].want))
            fail_msg("%s: status %d, \"%s\"", cases[i].body, (int)st, err.description);
        assert_null(r);
    }
}

static void test_counts(void **state)
{
    static const struct {
        const char *value; /* JSON text of PageSize */
        long long want;    /* -2: parse error */
    } cases[] = {
        {"0", 0},
        {"\"0\"", 0},
        {"\"007\"", 7},
        {"100", 100},
        {"\"100\"", 100},
        {"null", -1},
        {"\"9223372036854775807\"", INT64_MAX},
        {"9223372036854775807", INT64_MAX},
        {"\"0000000000000000000000009223372036854775807\"", INT64_MAX},
        {"\"\\u0031\\u0032\"", 12}, /* "12" written with escapes */
        {"-0", 0},                    /* any JSON number whose value is a non-negative integer */
        {"-0.0", 0},
        {"30.0", 30},
        {"3e1", 30},
        {"0.3E+2", 30},
        {"300e-1", 30},
        {"\"30.0\"", 30},
        {"\"3e1\"", 30},
        {"\"-0\"", 0},
        {"9223372036854775808", -2},
        {"99999999999999999999999999", -2},
        {"-9223372036854775808", -2},
        {"-9223372036854775809", -2},
        {"1e400", -2},
        {"1e19", -2},
        {"30.5", -2},
        {"3.05e1", -2},
        {"\"9223372036854775808\"", -2},
        {"\"99999999999999999999\"", -2},
        {"-1", -2},
        {"\"-1\"", -2},
        {"\"+1\"", -2},
        {"\" 1\"", -2},
        {"\"1 \"", -2},
        {"\"\"", -2},
        {"\"1a\"", -2},
        {"\"0x10\"", -2},
        {"\"1.\"", -2},
        {"\"\\u0661\"", -2}, /* ARABIC-INDIC DIGIT ONE */
        {"true", -2},
        {"false", -2},
        {"[]", -2},
        {"{}", -2},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[128];
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        snprintf(body, sizeof(body), "{\"PageSize\": %s}", cases[i].value);
        expect_agree(body, body, strlen(body));
        st = parse_str(body, &r, &err);
        if (cases[i].want == -2) {
            if (st != ENS_EPARSE ||
                strcmp(err.description, "response parse error: PageSize is not a non-negative integer") != 0)
                fail_msg("%s: status %d, \"%s\"", body, (int)st, err.description);
            assert_null(r);
        } else {
            if (st != ENS_OK)
                fail_msg("%s: status %d, \"%s\"", body, (int)st, err.description);
            if ((long long)r->page_size != cases[i].want)
                fail_msg("%s: got %lld", body, (long long)r->page_size);
            ens_describe_response_free(r);
        }
    }
}

static void test_count_fixtures(void **state)
{
    ens_describe_response *r;
    (void)state;

    expect_parse_error("negative_count.json", "TotalCount is not a non-negative integer");
    expect_parse_error("overflow_count_string.json", "TotalCount is not a non-negative integer");
    /* A JSON integer beyond int64 names the field.  (jansson refused the whole
     * document with "number too large" and could not name it.) */
    expect_parse_error("overflow_count_number.json", "TotalCount is not a non-negative integer");

    r = parse_ok("max_count.json");
    assert_int_equal(r->page_number, 0);
    assert_true(r->page_size == INT64_MAX);
    assert_true(r->total_count == INT64_MAX);
    ens_describe_response_free(r);
}

static void test_invalid_json(void **state)
{
    ens_describe_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    expect_parse_error("truncated.json", "response body is not valid JSON at line ");
    expect_parse_error("proxy_502.html", "response parse error: response body is not valid JSON at line 1 column 1");
    expect_parse_error("error_plain.txt", "response body is not valid JSON");
    expect_parse_error("not_object.json", "response parse error: response body is not a JSON object");

    assert_int_equal(ens_describe_response_parse(&r, "", 0, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, "not valid JSON"));
    assert_int_equal(parse_str("{\"a\":1} {}", &r, &err), ENS_EPARSE);
    assert_int_equal(parse_str("{\"a\":1,}", &r, &err), ENS_EPARSE);
    assert_int_equal(parse_str("{\"RequestId\":\"\xff\"}", &r, &err), ENS_EPARSE); /* not UTF-8 */
    assert_int_equal(parse_str("\"just a string\"", &r, &err), ENS_EPARSE);
    assert_int_equal(parse_str("42", &r, &err), ENS_EPARSE);
    /* The position is 1-based and points into the right line. */
    assert_int_equal(parse_str("{\n  \"RequestId\": \"x\",\n  oops\n}", &r, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, "at line 3 column"));
    /* Deep nesting is refused by the depth limit (2048, as jansson's), not by the stack. */
    {
        size_t depth = 100000;
        char *deep = malloc(2 * depth + 16);
        assert_non_null(deep);
        memcpy(deep, "{\"x\":", 5);
        memset(deep + 5, '[', depth);
        memset(deep + 5 + depth, ']', depth);
        deep[5 + 2 * depth] = '}';
        assert_int_equal(ens_describe_response_parse(&r, deep, 6 + 2 * depth, &err), ENS_EPARSE);
        free(deep);
    }
    assert_null(r);
}

static void test_nul_bytes(void **state)
{
    static const char inside[] = "{\"RequestId\":\"ab\0cd\"}";
    static const char escaped[] = "{\"RequestId\":\"ab\\u0000cd\"}";
    static const char after[] = "{\"RequestId\":\"abc\"}\0";
    static const char longer[] = "{\"RequestId\":\"abc\"}GARBAGE";
    ens_describe_response *r = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    /* A raw NUL inside the length is never mistaken for the end. */
    assert_int_equal(ens_describe_response_parse(&r, inside, sizeof(inside) - 1, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, "not valid JSON at line 1 column"));
    /* \u0000 would make a string C cannot hold: replaced by U+FFFD (documented). */
    assert_int_equal(ens_describe_response_parse(&r, escaped, sizeof(escaped) - 1, &err), ENS_OK);
    assert_string_equal(r->request_id, "ab\xef\xbf\xbd" "cd");
    ens_describe_response_free(r);
    r = NULL;
    /* A NUL after the document but inside the length is trailing garbage. */
    assert_int_equal(ens_describe_response_parse(&r, after, sizeof(after) - 1, &err), ENS_EPARSE);
    assert_null(r);
    /* Only body_len bytes are read. */
    assert_int_equal(ens_describe_response_parse(&r, longer, strlen("{\"RequestId\":\"abc\"}"), &err), ENS_OK);
    assert_string_equal(r->request_id, "abc");
    ens_describe_response_free(r);
}

static void test_parse_arguments(void **state)
{
    ens_describe_response *r = NULL;
    ens_error err = ENS_ERROR_INIT, before;
    (void)state;

    assert_int_equal(ens_describe_response_parse(NULL, "{}", 2, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_int_equal(ens_describe_response_parse(&r, NULL, 1, &err), ENS_EINVAL);
    assert_null(r);
    /* NULL with length 0 is an empty body: a parse error, not a misuse. */
    assert_int_equal(ens_describe_response_parse(&r, NULL, 0, &err), ENS_EPARSE);
    assert_non_null(strstr(err.description, "not valid JSON"));
    assert_null(r);
    assert_int_equal(ens_describe_response_parse(NULL, NULL, 0, NULL), ENS_EINVAL);

    /* err == NULL on every outcome. */
    assert_int_equal(parse_str("{\"PageSize\":-1}", &r, NULL), ENS_EPARSE);
    assert_int_equal(parse_str("{\"NetworkPeerConnects\":[1]}", &r, NULL), ENS_EPARSE);
    assert_int_equal(parse_str("<html>", &r, NULL), ENS_EPARSE);
    assert_int_equal(parse_str("[]", &r, NULL), ENS_EPARSE);
    assert_null(r);
    assert_int_equal(parse_fixture("published_example.json", &r, NULL), ENS_OK);
    ens_describe_response_free(r);

    /* Success leaves err untouched. */
    memset(&err, 0x5A, sizeof(err));
    memcpy(&before, &err, sizeof(err));
    assert_int_equal(parse_fixture("numbers.json", &r, &err), ENS_OK);
    assert_memory_equal(&err, &before, sizeof(err));
    ens_describe_response_free(r);

    ens_describe_response_free(NULL);
}

/* ----------------------------------------------------------------------- */
/* The scanner against the jansson reference parser                        */

static void expect_agree(const char *what, const char *body, size_t len)
{
    char why[512];
    if (!ens__parsers_agree(body, len, why, sizeof(why)))
        fail_msg("%s (%zu bytes): parsers disagree: %s", what, len, why);
}

/* Every fixture, whole and cut short at up to 300 places (every place for
 * small ones), gives the same outcome from both parsers. */
static void test_differential_fixtures(void **state)
{
    char dir[1024];
    DIR *d;
    struct dirent *e;
    size_t files = 0;
    (void)state;

    snprintf(dir, sizeof(dir), "%s/bodies", ENS_FIXTURES_DIR);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[1400];
        struct stat st;
        size_t len, step;
        char *body;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        body = load(e->d_name, &len);
        expect_agree(e->d_name, body, len);
        step = len > 300 ? len / 300 : 1;
        for (size_t cut = 0; cut < len; cut += step)
            expect_agree(e->d_name, body, cut);
        free(body);
        files++;
    }
    closedir(d);
    assert_true(files >= 45);
}

/* Inline bodies for each rule: both parsers agree on all of them. */
static void test_differential_inline(void **state)
{
    static const char *const bodies[] = {
        /* top level */
        "", " ", "{}", " {} \t\r\n", "[]", "[1,2]", "\"x\"", "1", "null", "true", "\xef\xbb\xbf{}",
        "{}{}", "{} x", "{", "}", "[", "{\"a\"}", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1,,\"b\":2}",
        "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}", "{\"a\":{\"b\":1}}}", "{1:2}", "{'a':1}",
        /* literals and numbers (in unknown fields) */
        "{\"x\":true,\"y\":false,\"z\":null}", "{\"x\":tru}", "{\"x\":nulll}", "{\"x\":True}", "{\"x\":01}",
        "{\"x\":-}", "{\"x\":1.}", "{\"x\":.5}", "{\"x\":1e}", "{\"x\":1e+}", "{\"x\":-0}", "{\"x\":1E+5}",
        "{\"x\":+1}", "{\"x\":0x1}", "{\"x\":1.5e-7}", "{\"x\":-0.0e0}", "{\"x\":NaN}", "{\"x\":Infinity}",
        "{\"x\":1e400}", "{\"x\":99999999999999999999}", "{\"x\":-99999999999999999999,\"RequestId\":\"r\"}",
        "{\"PageSize\":1e400}", "{\"PageSize\":-0}", "{\"TotalCount\":12345678901234567890}",
        /* strings: escapes */
        "{\"RequestId\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}", "{\"RequestId\":\"\\u00e9\\u20AC\"}",
        "{\"RequestId\":\"\\ud83d\\ude80\"}", "{\"RequestId\":\"\\uD83D\"}", "{\"RequestId\":\"\\uD83Dx\"}",
        "{\"RequestId\":\"\\uD83D\\n\"}", "{\"RequestId\":\"\\uD83D\\uD83D\"}", "{\"RequestId\":\"\\uDE80\"}",
        "{\"RequestId\":\"\\u0000\"}", "{\"x\":\"\\u0000\"}", "{\"\\u0000\":1}", "{\"RequestId\":\"\\u0001\"}",
        "{\"RequestId\":\"\\x\"}", "{\"RequestId\":\"\\u12\"}", "{\"RequestId\":\"\\u12G4\"}",
        "{\"RequestId\":\"\\'\"}", "{\"RequestId\":\"\\", "{\"RequestId\":\"\\u",
        /* strings: raw bytes */
        "{\"RequestId\":\"tab\there\"}", "{\"RequestId\":\"new\nline\"}", "{\"RequestId\":\"del\x7f\"}",
        "{\"RequestId\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf\"}",
        "{\"RequestId\":\"\xc0\x80\"}", "{\"RequestId\":\"\xc1\xbf\"}",
        "{\"RequestId\":\"\xe0\x80\x80\"}", "{\"RequestId\":\"\xe0\x9f\xbf\"}",
        "{\"RequestId\":\"\xed\xa0\x80\"}", "{\"RequestId\":\"\xf0\x80\x80\x80\"}",
        "{\"RequestId\":\"\xf4\x90\x80\x80\"}", "{\"RequestId\":\"\xf5\x80\x80\x80\"}",
        "{\"RequestId\":\"\xe2\x82\"}", "{\"RequestId\":\"\x80\"}", "{\"RequestId\":\"\xff\"}", "{\"x\xff\":1}",
        "{\"x\":\"\xe2\x82\"}", "{\xc3\xa9:1}",
        /* keys written with escapes are the same keys */
        "{\"Request\\u0049d\":\"x\"}", "{\"\\u0052equestId\":1}",
        "{\"NetworkPeerConnects\":[{\"N\\u0061me\":\"n\"}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4\\u0043idrs\":[\"a\"]}}]}", "{\"RequestI\\u0064x\":1}",
        "{\"NetworkPeerConnects\\u0000\":1}",
        /* duplicate keys: the last one wins, at every level */
        "{\"RequestId\":\"a\",\"RequestId\":\"bb\"}", "{\"RequestId\":1,\"RequestId\":\"b\"}",
        "{\"RequestId\":\"b\",\"RequestId\":1}", "{\"RequestId\":\"b\",\"RequestId\":null}",
        "{\"PageSize\":true,\"PageSize\":\"5\"}", "{\"PageSize\":5,\"PageSize\":[]}",
        "{\"NetworkPeerConnects\":[{}],\"NetworkPeerConnects\":[{\"Name\":\"x\"},{}]}",
        "{\"NetworkPeerConnects\":\"x\",\"NetworkPeerConnects\":null}",
        "{\"NetworkPeerConnects\":[1],\"NetworkPeerConnects\":[]}",
        "{\"NetworkPeerConnects\":[],\"NetworkPeerConnects\":[1]}",
        "{\"NetworkPeerConnects\":[{\"Name\":\"a\",\"Name\":\"bb\",\"Name\":null,\"Name\":\"ccc\"}]}",
        "{\"NetworkPeerConnects\":[{\"Name\":5,\"Name\":\"ok\"}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[\"a\"]},\"Network\":{\"NetworkId\":\"n\"}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":[],\"Network\":{}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[1],\"Ipv4Cidrs\":[\"a\",\"b\"]}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[\"a\"],\"Ipv4Cidrs\":[null]}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"NetworkId\":\"a\",\"NetworkId\":\"\"}}]}",
        /* types and the order of errors */
        "{\"RequestId\":1,\"PageSize\":true}", "{\"PageSize\":true,\"RequestId\":1}",
        "{\"NetworkPeerConnects\":[{\"Name\":1,\"InstanceId\":2}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[1]}},{\"Name\":1}]}",
        "{\"NetworkPeerConnects\":[{\"AcceptingNetwork\":1,\"Network\":{\"NetworkId\":1}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":\"x\",\"NetworkId\":2}}]}",
        "{\"NetworkPeerConnects\":[null,{\"Name\":1}]}", "{\"NetworkPeerConnects\":[{\"Name\":1},null]}",
        "{\"NetworkPeerConnects\":[{\"Name\":1}],\"RequestId\":2}", "{\"RequestId\":1,\"x\":nul}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[\"a\",null,\"b\"]}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":null,\"AcceptingNetwork\":{\"Ipv4Cidrs\":null}}]}",
        "{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[]}},{\"Network\":{\"Ipv4Cidrs\":[\"\"]}}]}",
        /* unknown members of every kind, at every level */
        ("{\"a\":{\"b\":[{\"c\":[[],{},\"\\u00e9\",-1.5e3,true,null]}]},\"NetworkPeerConnects\":[{\"x\":[{\"y\":{}}],"
         "\"Network\":{\"z\":[1,{\"q\":\"w\"}],\"Ipv4Cidrs\":[\"c\"]},\"Name\":\"n\"}],\"RequestId\":\"r\"}"),
    };
    /* Raw NUL bytes (explicit lengths).  jansson dropped a NUL right after a
     * number or literal; the scanner refuses it like any stray byte. */
    static const struct {
        const char *body;
        size_t len;
    } nuls[] = {
#define BODY(text) {text, sizeof(text) - 1}
        BODY("{\"PageSize\":1\0}"),         BODY("{\"x\":true\0}"),  BODY("{\"x\":null\0,\"RequestId\":\"r\"}"),
        BODY("{\"x\":[1\0\0]}"),           BODY("{\"x\":1,\0\"y\":2}"), BODY("{\"x\":\"a\0\"}"),
        BODY("{\"x\":\"e\0\",\"y\":1\0}"), BODY("{\"x\":-1\0}"),      BODY("\0{}"), BODY("{}\0"),
#undef BODY
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
        expect_agree(bodies[i], bodies[i], strlen(bodies[i]));
    for (size_t i = 0; i < sizeof(nuls) / sizeof(nuls[0]); i++) {
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        expect_agree("NUL bytes", nuls[i].body, nuls[i].len);
        assert_int_equal(ens_describe_response_parse(&r, nuls[i].body, nuls[i].len, &err), ENS_EPARSE);
        assert_non_null(strstr(err.description, "not valid JSON at line 1 column "));
    }
}

/* Last occurrence wins, keys compare decoded, numbers out of range are only
 * an error in the fields that are read. */
static void test_duplicates_and_keys(void **state)
{
    ens_describe_response *r = NULL;
    const ens_peer_connection *c;
    static const char body[] =
        "{\"RequestId\":\"first\",\"Request\\u0049d\":\"second\",\"PageSize\":true,\"PageSize\":\"20\","
        "\"Huge\":1e400,\"Long\":123456789012345678901234567890,"
        "\"NetworkPeerConnects\":[{\"Name\":\"gone\"}],"
        "\"NetworkPeerConnects\":[{\"Name\":\"a\",\"Name\":\"b\\n\",\"Network\":{\"Ipv4Cidrs\":[\"x\"]},"
        "\"Network\":{\"NetworkId\":\"n1\",\"Ipv4Cidrs\":[1],\"Ipv4Cidrs\":[\"10.0.0.0/8\",\"\\u00e9\"]}}]}";
    (void)state;

    assert_int_equal(parse_str(body, &r, NULL), ENS_OK);
    assert_string_equal(r->request_id, "second");
    assert_int_equal(r->page_size, 20);
    assert_int_equal(r->page_number, -1);
    assert_int_equal(r->connections_count, 1);
    c = &r->connections[0];
    assert_string_equal(c->name, "b\n");
    assert_true(c->network.present);
    assert_string_equal(c->network.network_id, "n1");
    assert_int_equal(c->network.ipv4_cidrs_count, 2);
    assert_string_equal(c->network.ipv4_cidrs[0], "10.0.0.0/8");
    assert_string_equal(c->network.ipv4_cidrs[1], "\xc3\xa9");
    assert_false(c->accepting_network.present);
    ens_describe_response_free(r);
    expect_agree("duplicates", body, strlen(body));
}

/* A value inside 2048 open containers is refused, as by jansson; an empty
 * container at depth 2048 is not. */
static void test_depth_limit(void **state)
{
    static const struct {
        size_t depth; /* arrays nested inside the root object */
        const char *inner;
        ens_status want;
    } cases[] = {
        {2046, "1", ENS_OK},      /* 1 is inside 2047 containers */
        {2047, "", ENS_OK},       /* innermost array at depth 2048, empty */
        {2047, "1", ENS_EPARSE},  /* 1 inside 2048 */
        {2047, "{}", ENS_EPARSE}, /* a container at depth 2049 */
        {2048, "", ENS_EPARSE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cases[i].depth, len = 0;
        char *body = malloc(2 * n + 32);
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        assert_non_null(body);
        len += (size_t)sprintf(body, "{\"x\":");
        memset(body + len, '[', n), len += n;
        len += (size_t)sprintf(body + len, "%s", cases[i].inner);
        memset(body + len, ']', n), len += n;
        body[len++] = '}';
        st = ens_describe_response_parse(&r, body, len, &err);
        if (st != cases[i].want)
            fail_msg("depth %zu + \"%s\": status %d (%s)", n, cases[i].inner, (int)st, err.description);
        if (st == ENS_OK)
            ens_describe_response_free(r);
        else
            assert_non_null(strstr(err.description, "not valid JSON at line 1 column "));
        expect_agree("depth", body, len);
        /* The same nesting as the top level: an array, so "not a JSON object" when valid. */
        st = ens_describe_response_parse(&r, body + 5, len - 6, &err);
        assert_int_equal(st, ENS_EPARSE);
        expect_agree("top-level depth", body + 5, len - 6);
        free(body);
    }
}

/* ----------------------------------------------------------------------- */
/* The lexer on its own                                                    */

/* Reads a flat object of strings, as a reader of credential documents would
 * (lex.h): wanted members decoded into the caller's memory, the rest skipped. */
static void test_lex_members(void **state)
{
    static const char body[] =
        " {\"AccessKeyId\":\"LTAI\\u00e9\",\"Extra\":{\"a\":[1,-2.5e3,true,null,\"\\ud83d\\ude80\"]},"
        "\"Access\\u004beySecret\":\"s\\\"e\\\\c\\/r\\n\",\"SecurityToken\":\"\","
        "\"Expiration\":\"2024-01-01T00:00:00Z\",\"AccessKeyId\":\"second\"}\n";
    static const char *const names[] = {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"};
    static const char *const want[] = {"second", "s\"e\\c/r\n", "", "2024-01-01T00:00:00Z"};
    char *got[4] = {NULL, NULL, NULL, NULL};
    size_t members = 0;
    ens__lex lx;
    bool more = false;
    (void)state;

    ens__lex_init(&lx, body, sizeof(body) - 1);
    assert_true(ens__lex_begin(&lx));
    assert_int_equal(*lx.p, '{');
    assert_true(ens__lex_open(&lx, &more));
    while (more) {
        char buf[16];
        ens__lex_text key;
        size_t k = 4;
        assert_true(ens__lex_key(&lx, buf, sizeof(buf), &key));
        assert_non_null(key.ptr);
        for (size_t i = 0; i < 4; i++)
            if (key.len == strlen(names[i]) && memcmp(key.ptr, names[i], key.len) == 0)
                k = i;
        if (k < 4 && *lx.p == '"') {
            ens__lex_str s;
            const unsigned char *after = NULL;
            assert_true(ens__lex_string(&lx, &s));
            free(got[k]); /* a later occurrence replaces an earlier one */
            got[k] = malloc(s.len + 1);
            assert_non_null(got[k]);
            assert_int_equal(ens__lex_decode(s.at, lx.end, got[k], s.len, &after), s.len);
            assert_ptr_equal(after, lx.p);
            got[k][s.len] = '\0';
            if (k == 0 && members == 0)
                assert_string_equal(got[k], "LTAI\xc3\xa9");
        } else {
            assert_true(ens__lex_skip(&lx, 1));
        }
        members++;
        assert_true(ens__lex_next(&lx, true, &more));
    }
    assert_true(ens__lex_finish(&lx));
    assert_int_equal(members, 6);
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
        free(got[i]);
    }
}

static void test_lex_keys_and_errors(void **state)
{
    static const char keys[] = "{\"Plain_key_longer_than_buf\":1,\"Esc\\u0061ped_and_long\":2,\"\\u0041\":3}";
    static const char bad[] = "{\n  \"a\": [1,\n    2,, 3]\n}";
    ens__lex lx;
    ens__lex_text key;
    char buf[8];
    bool more = false;
    size_t line, column;
    (void)state;

    /* A key without escapes is handed out from the input, whatever its
     * length; one with escapes only when it fits the buffer. */
    ens__lex_init(&lx, keys, sizeof(keys) - 1);
    assert_true(ens__lex_begin(&lx) && ens__lex_open(&lx, &more) && more);
    assert_true(ens__lex_key(&lx, buf, sizeof(buf), &key));
    assert_int_equal(key.len, strlen("Plain_key_longer_than_buf"));
    assert_ptr_equal(key.ptr, keys + 2);
    assert_true(ens__lex_skip(&lx, 1) && ens__lex_next(&lx, true, &more) && more);
    assert_true(ens__lex_key(&lx, buf, sizeof(buf), &key));
    assert_null(key.ptr);
    assert_int_equal(key.len, strlen("Escaped_and_long"));
    assert_true(ens__lex_skip(&lx, 1) && ens__lex_next(&lx, true, &more) && more);
    assert_true(ens__lex_key(&lx, buf, sizeof(buf), &key));
    assert_ptr_equal(key.ptr, buf);
    assert_int_equal(key.len, 1);
    assert_int_equal(buf[0], 'A');

    /* The first place the input stops being JSON, as line and column. */
    ens__lex_init(&lx, bad, sizeof(bad) - 1);
    assert_true(ens__lex_begin(&lx));
    assert_false(ens__lex_skip(&lx, 0));
    ens__lex_where(&lx, &line, &column);
    assert_int_equal(line, 3);
    assert_int_equal(column, 7);

    /* Only whitespace may follow the document; nothing but an object or an
     * array may start it. */
    ens__lex_init(&lx, "[] x", 4);
    assert_true(ens__lex_begin(&lx) && ens__lex_skip(&lx, 0));
    assert_false(ens__lex_finish(&lx));
    ens__lex_init(&lx, " \"s\"", 4);
    assert_false(ens__lex_begin(&lx));
    ens__lex_init(&lx, NULL, 0);
    assert_false(ens__lex_begin(&lx));
}

/* Every \uXXXX is valid JSON; decoded, \u0000 and an unpaired surrogate
 * become U+FFFD (3 bytes), a pair the character (4 bytes). */
static void test_lex_strings(void **state)
{
    static const struct {
        const char *json;
        const char *want; /* decoded; NULL: not JSON */
    } cases[] = {
        {"\"a\\u0000b\"", "a\xef\xbf\xbd" "b"},
        {"\"\\ud800\"", "\xef\xbf\xbd"},
        {"\"\\udc00x\"", "\xef\xbf\xbdx"},
        {"\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A"},
        {"\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80"},
        {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"},
        {"\"\\ud83d\\ude80\"", "\xf0\x9f\x9a\x80"},
        {"\"\\u00e9\\u20AC\"", "\xc3\xa9\xe2\x82\xac"},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"},
        {"\"\xe8\xbe\xb9 \xf0\x9f\x9a\x80 plain text longer than sixteen bytes \\n\"",
         "\xe8\xbe\xb9 \xf0\x9f\x9a\x80 plain text longer than sixteen bytes \n"},
        {"\"\\u12\"", NULL},
        {"\"\\u12G4\"", NULL},
        {"\"\\x\"", NULL},
        {"\"\\\xc3\xa9\"", NULL},
        {"\"\x01\"", NULL},
        {"\"\x7f\"", "\x7f"},
        {"\"\xc3\"", NULL},
        {"\"\xed\xa0\x80\"", NULL}, /* a surrogate written raw is not UTF-8 */
        {"\"ab", NULL},
        {"\"ab\\", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i].json), len = 99;
        ens__lex lx;
        ens__lex_str s;
        char out[64], taken[64 + ENS__LEX_TAKE_SLACK];
        const unsigned char *after;
        ens__lex_init(&lx, cases[i].json, n);
        if (ens__lex_string(&lx, &s) != (cases[i].want != NULL))
            fail_msg("%s: validated %d", cases[i].json, cases[i].want != NULL);
        ens__lex_init(&lx, cases[i].json, n);
        after = ens__lex_take_at(&lx, lx.p, taken, &len);
        if ((after != NULL) != (cases[i].want != NULL))
            fail_msg("%s: taken", cases[i].json);
        if (!cases[i].want) {
            assert_non_null(lx.bad);
            continue;
        }
        assert_ptr_equal(after, (const unsigned char *)cases[i].json + n);
        assert_int_equal(s.len, strlen(cases[i].want));
        assert_int_equal(len, s.len);
        assert_memory_equal(taken, cases[i].want, len);
        assert_int_equal(ens__lex_decode(s.at, lx.end, out, sizeof(out), NULL), s.len);
        assert_memory_equal(out, cases[i].want, s.len);
        if (s.len)
            assert_int_equal(ens__lex_decode(s.at, lx.end, out, s.len - 1, NULL), SIZE_MAX); /* too small */
        assert_true(s.plain == (strchr(cases[i].json, '\\') == NULL));
    }
}

static void test_lex_numbers(void **state)
{
    static const struct {
        const char *json;
        int ok;       /* 1: valid, a count (ens__lex_count); 0: valid, not a count; -1: not JSON */
        int64_t want;
        size_t taken; /* bytes that are the number */
    } cases[] = {
        {"0", 1, 0, 1},
        {"-0", 1, 0, 2},
        {"-5", 0, 0, 2},
        {"57", 1, 57, 2},
        {"9223372036854775807", 1, INT64_MAX, 19},
        {"-9223372036854775808", 0, 0, 20},
        {"9223372036854775808", 0, 0, 19},
        {"-9223372036854775809", 0, 0, 20},
        {"57.0", 1, 57, 4},
        {"5e1", 1, 50, 3},
        {"-1.5E+3,", 0, 0, 7},
        {"1.5", 0, 0, 3},
        {"1]", 1, 1, 1},
        {"01", -1, 0, 0},
        {"-", -1, 0, 0},
        {"1.", -1, 0, 0},
        {".5", -1, 0, 0},
        {"1e", -1, 0, 0},
        {"1e+", -1, 0, 0},
        {"+1", -1, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ens__lex lx;
        ens__lex_num n;
        int64_t v = 42;
        ens__lex_init(&lx, cases[i].json, strlen(cases[i].json));
        if (!ens__lex_number(&lx, &n)) {
            if (cases[i].ok != -1)
                fail_msg("%s: refused", cases[i].json);
            assert_non_null(lx.bad);
            continue;
        }
        if (cases[i].ok == -1)
            fail_msg("%s: accepted", cases[i].json);
        assert_int_equal(lx.p - lx.start, cases[i].taken);
        assert_int_equal(n.end - n.at, cases[i].taken);
        assert_int_equal(ens__lex_count(n.at, lx.end, &v), cases[i].ok == 1);
        if (cases[i].ok == 1 && v != cases[i].want)
            fail_msg("%s: %lld", cases[i].json, (long long)v);
    }
}

/* ens__lex_count(): exactly a non-negative integer that fits int64, from any
 * JSON number or a string holding one; nothing through double. */
static void test_lex_count(void **state)
{
    static const struct {
        const char *json;
        long long want; /* -1: refused */
    } cases[] = {
        {"57", 57},
        {"57.0", 57},
        {"5.7e1", 57},
        {"5.7E+1", 57},
        {"570e-1", 57},
        {"0.057e3", 57},
        {"5700000000000e-11", 57},
        {"57.000000000000000000000000000000", 57},
        {"0", 0},
        {"-0", 0},
        {"-0.0", 0},
        {"0e999999999999999999999", 0},
        {"0.0e-5", 0},
        {"9223372036854775807", INT64_MAX},
        {"9223372036854775807.0", INT64_MAX},
        {"922337203685477580.7e1", INT64_MAX},
        {"9.223372036854775807e18", INT64_MAX},
        {"9007199254740993.0", 9007199254740993LL}, /* not a double */
        {"1e18", 1000000000000000000LL},
        {"\"57\"", 57},
        {"\"007\"", 7},
        {"\"57.0\"", 57},
        {"\"5.7e1\"", 57},
        {"\"-0\"", 0},
        {"\"\\u0035\\u0037\"", 57},
        {"\"0000000000000000000000009223372036854775807\"", INT64_MAX},
        {"57.5", -1},
        {"5.75e1", -1},
        {"1.00000000000000000001", -1},
        {"1e-400", -1},
        {"-1", -1},
        {"-1e0", -1},
        {"-0.5", -1},
        {"9223372036854775808", -1},
        {"9223372036854775808.0", -1},
        {"1e19", -1},
        {"1e400", -1},
        {"99999999999999999999999999", -1},
        {"\"\"", -1},
        {"\" 57\"", -1},
        {"\"57 \"", -1},
        {"\"+57\"", -1},
        {"\"0x39\"", -1},
        {"\"57.\"", -1},
        {"\".5\"", -1},
        {"\"5e\"", -1},
        {"\"\\u0661\"", -1}, /* ARABIC-INDIC DIGIT ONE */
        {"\"5\\u0000\"", -1},
        {"\"Infinity\"", -1},
        {"true", -1},
        {"null", -1},
        {"[]", -1},
        {"{}", -1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const unsigned char *at = (const unsigned char *)cases[i].json;
        int64_t v = 42;
        bool ok = ens__lex_count(at, at + strlen(cases[i].json), &v);
        if (ok != (cases[i].want >= 0) || (ok && v != cases[i].want))
            fail_msg("%s: %d, %lld", cases[i].json, ok, (long long)v);
    }
}

/* ----------------------------------------------------------------------- */
/* Lenient where JSON is valid, bounded in memory                          */

/* Valid JSON the library does not read never fails a page: \u0000 and
 * unpaired surrogates (which jansson with flags 0, and the library before,
 * refused everywhere), numbers of any size, in values and in keys, at every
 * level. */
static void test_lenient_unknown_members(void **state)
{
    static const char *const bodies[] = {
        "{\"Extra\":\"\\u0000\",\"RequestId\":\"r\"}",
        "{\"Extra\":\"\\ud800\",\"RequestId\":\"r\"}",
        "{\"Extra\":\"\\udc00\\ud800 \\udbff\",\"RequestId\":\"r\"}",
        "{\"Extra\":{\"Deeper\":[\"\\u0000\\udfff\",{\"\\ud800\":\"\\u0000\"}]},\"RequestId\":\"r\"}",
        "{\"\\u0000\":1,\"\\ud800\":2,\"Request\\u0000Id\":3,\"RequestId\":\"r\"}",
        "{\"Big\":1e400,\"Tiny\":-1e-400,\"Long\":123456789012345678901234567890.5e-3,\"RequestId\":\"r\"}",
        ("{\"RequestId\":\"r\",\"NetworkPeerConnects\":[{\"Future\":\"\\u0000\",\"Name\":\"n\","
         "\"Network\":{\"Tag\":\"\\udead\",\"Ipv4Cidrs\":[\"10.0.0.0/8\"]}}]}"),
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        if (parse_str(bodies[i], &r, &err) != ENS_OK)
            fail_msg("%s: %s", bodies[i], err.description);
        assert_string_equal(r->request_id, "r");
        if (r->connections_count) {
            assert_string_equal(r->connections[0].name, "n");
            assert_string_equal(r->connections[0].network.ipv4_cidrs[0], "10.0.0.0/8");
        }
        ens_describe_response_free(r);
        expect_agree(bodies[i], bodies[i], strlen(bodies[i]));
    }
}

/* In the strings the library hands out, \u0000 and each unpaired surrogate
 * escape become U+FFFD: replaced, not refused (a C string cannot hold NUL,
 * UTF-8 no surrogate).  A pair stays the character it encodes. */
static void test_replacement_in_returned_strings(void **state)
{
    static const char body[] =
        "{\"RequestId\":\"\\u0000\",\"NetworkPeerConnects\":[{\"Name\":\"a\\u0000b\",\"Description\":\"\\ud83d\","
        "\"Status\":\"\\ud83d\\ude80\",\"EnsRegionId\":\"\\ude80\\ud83d\\u0041\","
        "\"Network\":{\"NetworkId\":\"\\udbff\\udfff\",\"Ipv4Cidrs\":[\"\\udc00x\",\"10.0.0.0/8\\u0000\"]}}]}";
    ens_describe_response *r = NULL;
    ens_peer_connection *copy = NULL;
    const ens_peer_connection *c;
    (void)state;

    assert_int_equal(parse_str(body, &r, NULL), ENS_OK);
    assert_string_equal(r->request_id, "\xef\xbf\xbd");
    c = &r->connections[0];
    assert_string_equal(c->name, "a\xef\xbf\xbd" "b");
    assert_string_equal(c->description, "\xef\xbf\xbd");
    assert_string_equal(c->status_text, "\xf0\x9f\x9a\x80");
    assert_string_equal(c->ens_region_id, "\xef\xbf\xbd\xef\xbf\xbd" "A");
    assert_string_equal(c->network.network_id, "\xf4\x8f\xbf\xbf");
    assert_int_equal(c->network.ipv4_cidrs_count, 2);
    assert_string_equal(c->network.ipv4_cidrs[0], "\xef\xbf\xbdx");
    assert_string_equal(c->network.ipv4_cidrs[1], "10.0.0.0/8\xef\xbf\xbd");
    assert_int_equal(ens_peer_connection_copy(&copy, c), ENS_OK);
    assert_string_equal(copy->name, c->name);
    ens_peer_connection_free(copy);
    ens_describe_response_free(r);
    expect_agree("replacement", body, sizeof(body) - 1);
}

/* What ens_describe_response_parse() still refuses (types.h lists it): one
 * case per line of that list. */
static void test_refusal_list(void **state)
{
    static const struct {
        const char *body;
        size_t len; /* 0: strlen */
        ens_status want;
        const char *description;
    } cases[] = {
        /* not JSON */
        {"", 0, ENS_EPARSE, "response body is not valid JSON at line 1 column 1"},
        {"{\"Extra\":\"\xff\"}", 0, ENS_EPARSE, "not valid JSON at line 1 column 11"},
        {"{\"Extra\xc3\":1}", 0, ENS_EPARSE, "not valid JSON at line 1 column 8"},
        {"{\"Extra\":\"tab\there\"}", 0, ENS_EPARSE, "not valid JSON at line 1 column 14"},
        {"{\"Extra\":1\0}", 12, ENS_EPARSE, "not valid JSON at line 1 column 11"},
        {"{\"RequestId\":\"r\"} {}", 0, ENS_EPARSE, "not valid JSON at line 1 column 19"},
        {"{\"Extra\":\"\\x\"}", 0, ENS_EPARSE, "not valid JSON at line 1 column 11"},
        {"{\"Extra\":\"\\u12\"}", 0, ENS_EPARSE, "not valid JSON at line 1 column 11"},
        {"{\"Extra\":01}", 0, ENS_EPARSE, "not valid JSON at line 1 column 11"},
        /* valid JSON, not an object */
        {"[{\"RequestId\":\"r\"}]", 0, ENS_EPARSE, "response body is not a JSON object"},
        /* a field of the wrong type; an integer field that is not one */
        {"{\"NetworkPeerConnects\":[{\"Name\":7}]}", 0, ENS_EPARSE, "NetworkPeerConnects[0].Name is not a string"},
        {"{\"NetworkPeerConnects\":[null]}", 0, ENS_EPARSE, "NetworkPeerConnects[0] is not an object"},
        {"{\"TotalCount\":57.5}", 0, ENS_EPARSE, "TotalCount is not a non-negative integer"},
        {"{\"TotalCount\":\" 57\"}", 0, ENS_EPARSE, "TotalCount is not a non-negative integer"},
        /* too large: test_page_limits */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st = ens_describe_response_parse(&r, cases[i].body, len, &err);
        if (st != cases[i].want || !strstr(err.description, cases[i].description))
            fail_msg("case %zu: status %d, \"%s\"", i, (int)st, err.description);
        assert_null(r);
        expect_agree("refusal", cases[i].body, len);
    }
}

/* A counting allocator: the largest block asked for, and what is live. */
static size_t biggest, live_blocks;

static void *counting_malloc(void *payload, size_t size)
{
    (void)payload;
    if (size > biggest)
        biggest = size;
    live_blocks++;
    return malloc(size);
}

static void *counting_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    if (size > biggest)
        biggest = size;
    live_blocks += ptr == NULL;
    return realloc(ptr, size);
}

static void counting_free(void *payload, void *ptr)
{
    (void)payload;
    live_blocks -= ptr != NULL;
    free(ptr);
}

static const ens_allocator counting_allocator = {ENS_ALLOCATOR_VERSION, counting_malloc, counting_realloc,
                                                 counting_free, NULL};

/* {"NetworkPeerConnects":[<n times entry, comma-separated>]} in a malloc'd
 * buffer (*len bytes, no NUL counted). */
static char *repeated_page(const char *head, const char *entry, size_t n, const char *tail, size_t *len)
{
    size_t h = strlen(head), e = strlen(entry), t = strlen(tail), at = h;
    char *b = malloc(h + n * (e + 1) + t + 1);
    assert_non_null(b);
    memcpy(b, head, h);
    for (size_t i = 0; i < n; i++) {
        if (i)
            b[at++] = ',';
        memcpy(b + at, entry, e);
        at += e;
    }
    memcpy(b + at, tail, t + 1);
    *len = at + t;
    return b;
}

/* What a parsed page allocates is bounded by its body: a small body cannot
 * make a call allocate ~50 times its size (2.8 million empty connections in
 * an 8 MiB body took a 384 MB block).  Over the limits of types.h:
 * ENS_ETOOLARGE naming what, and nothing left allocated. */
static void test_page_limits(void **state)
{
    static const struct {
        const char *head, *entry, *tail;
        size_t n;
        ens_status want;
        const char *description;
    } cases[] = {
        {"{\"NetworkPeerConnects\":[", "{}", "]}", ENS_MAX_PAGE_CONNECTIONS, ENS_OK, NULL},
        {"{\"NetworkPeerConnects\":[", "{}", "]}", ENS_MAX_PAGE_CONNECTIONS + 1, ENS_ETOOLARGE,
         "response too large: NetworkPeerConnects holds 10001 entries, more than the 10000 a page may hold"},
        /* 8 MiB of {} minus a little: under the default response cap */
        {"{\"NetworkPeerConnects\":[", "{}", "]}", (8u << 20) / 3 - 16, ENS_ETOOLARGE,
         "response too large: NetworkPeerConnects holds 2796186 entries"},
        {"{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[", "\"\"", "]}}]}", ENS_MAX_PAGE_IPV4_CIDRS, ENS_OK,
         NULL},
        {"{\"NetworkPeerConnects\":[{\"Network\":{\"Ipv4Cidrs\":[", "\"\"", "]}}]}", ENS_MAX_PAGE_IPV4_CIDRS + 1,
         ENS_ETOOLARGE,
         "response too large: the page holds 100001 Ipv4Cidrs entries, more than the 100000 a page may hold"},
        /* a type error is reported first */
        {"{\"NetworkPeerConnects\":[", "{}", ",7]}", ENS_MAX_PAGE_CONNECTIONS + 1, ENS_EPARSE,
         "NetworkPeerConnects[10001] is not an object"},
        /* an earlier array's slots are taken again: only the last one counts */
        {"{\"NetworkPeerConnects\":[", "{}", "],\"NetworkPeerConnects\":[{},{}]}", ENS_MAX_PAGE_CONNECTIONS + 5,
         ENS_OK, NULL},
    };
    (void)state;
    assert_int_equal(ens_set_allocator(&counting_allocator), ENS_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *body = repeated_page(cases[i].head, cases[i].entry, cases[i].n, cases[i].tail, &len);
        ens_describe_response *r = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        biggest = live_blocks = 0;
        st = ens_describe_response_parse(&r, body, len, &err);
        if (st != cases[i].want || (cases[i].description && !strstr(err.description, cases[i].description)))
            fail_msg("case %zu: status %d, \"%s\"", i, (int)st, err.description);
        /* One block: the body's length for strings plus the slots the limits allow. */
        if (biggest > len + 64 + (ENS_MAX_PAGE_CONNECTIONS + 1) * sizeof(ens_peer_connection) +
                          (ENS_MAX_PAGE_IPV4_CIDRS + 1) * sizeof(char *))
            fail_msg("case %zu: a %zu-byte block for a %zu-byte body", i, biggest, len);
        if (st == ENS_OK) {
            assert_int_equal(live_blocks, 1);
            assert_true(r->connections_count == 1 || r->connections_count == ENS_MAX_PAGE_CONNECTIONS ||
                        r->connections_count == 2);
            ens_describe_response_free(r);
        }
        assert_int_equal(live_blocks, 0);
        if (len < (1u << 20))
            expect_agree("limits", body, len);
        free(body);
    }
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
}

/* Each shape's empty struct: every member NULL, false or 0, a COUNT -1. */
static void check_empty(const ens__shape *sh)
{
    unsigned char want[512];
    assert_true(sh->size <= sizeof(want));
    memset(want, 0, sh->size);
    for (size_t r = 0; r < sh->count; r++) {
        const ens__field *row = &sh->fields[r];
        if (row->kind == ENS__F_COUNT)
            memcpy(want + row->at, &(int64_t){-1}, sizeof(int64_t));
        if (row->kind == ENS__F_OBJECT || row->kind == ENS__F_LIST)
            check_empty(row->of);
        assert_int_equal(row->len, strlen(row->name));
        assert_int_equal(strlen(row->key), row->len + 3);
        assert_true(row->key[0] == '"' && memcmp(row->key + 1, row->name, row->len) == 0);
        assert_memory_equal(row->key + 1 + row->len, "\":", 2);
        for (size_t k = 0; k < row->len; k++) /* plain ASCII: a key written so is a valid string */
            assert_true(row->name[k] > ' ' && row->name[k] < 0x7f && row->name[k] != '"' && row->name[k] != '\\');
    }
    if (sh->empty)
        assert_memory_equal(sh->empty, want, sh->size);
    else
        for (size_t k = 0; k < sh->size; k++)
            assert_int_equal(want[k], 0);
}

static void test_shape_tables(void **state)
{
    (void)state;
    check_empty(&ens__page_shape);
    check_empty(&ens__connection_shape);
}

/* The SIMD and the portable scanners find the same bytes, and copy and
 * count alike, whatever ens__scan_portable says for the rest of the run. */
static void test_scan_paths(void **state)
{
    static const unsigned char alphabet[] = {'a', ' ', '"', '\\', '{', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, 'Z'};
    unsigned char buf[96];
    char out[2][96 + 16];
    bool saved = ens__scan_portable;
    uint32_t seed = 12345;
    (void)state;

    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)round % 80, from = (size_t)round % 7 < len ? (size_t)round % 7 : 0;
        const unsigned char *found[2][3];
        size_t braces[2] = {0, 0}, quotes[2] = {0, 0}, want_b = 0, want_q = 0;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly plain text, so that long runs happen too */
            buf[i] = (seed >> 16) % 4 ? (unsigned char)('a' + (seed >> 20) % 26) : alphabet[(seed >> 8) % 12];
        }
        for (int portable = 0; portable < 2; portable++) {
            char *d;
            ens__scan_portable = portable;
            found[portable][0] = ens__scan_text(buf + from, buf + len);
            found[portable][1] = ens__scan_quote(buf + from, buf + len);
            found[portable][2] = ens__scan_text_copy(buf + from, buf + len, out[portable], &d);
            assert_int_equal(d - out[portable], found[portable][2] - (buf + from));
            assert_memory_equal(out[portable], buf + from, (size_t)(d - out[portable]));
            ens__scan_count(buf + from, buf + len, &braces[portable], &quotes[portable]);
        }
        {
            const unsigned char *t = buf + from, *q = buf + from;
            while (t < buf + len && *t >= 0x20 && *t < 0x80 && *t != '"' && *t != '\\')
                t++;
            while (q < buf + len && *q != '"' && *q != '\\')
                q++;
            for (size_t i = from; i < len; i++)
                want_b += buf[i] == '{', want_q += buf[i] == '"';
            for (int portable = 0; portable < 2; portable++) {
                assert_ptr_equal(found[portable][0], t);
                assert_ptr_equal(found[portable][1], q);
                assert_ptr_equal(found[portable][2], t);
                assert_int_equal(braces[portable], want_b);
                assert_int_equal(quotes[portable], want_q);
            }
        }
    }
    /* Counts past 255 chunks (the lanes are summed every 255). */
    {
        size_t n = 70000, b[2] = {0, 0}, q[2] = {0, 0};
        unsigned char *big = malloc(n);
        assert_non_null(big);
        for (size_t i = 0; i < n; i++)
            big[i] = i % 3 == 0 ? '{' : i % 3 == 1 ? '"' : 'x';
        for (int portable = 0; portable < 2; portable++) {
            ens__scan_portable = portable;
            ens__scan_count(big, big + n, &b[portable], &q[portable]);
            assert_int_equal(b[portable], (n + 2) / 3);
            assert_int_equal(q[portable], (n + 1) / 3);
        }
        free(big);
    }
    ens__scan_portable = saved;
}

/* ----------------------------------------------------------------------- */
/* Copies                                                                  */

static void test_copy(void **state)
{
    ens_describe_response *r = parse_ok("published_example.json");
    ens_peer_connection *copy = NULL;
    static const char *const req[] = {"10.0.0.0/8"}, *const acc[] = {"192.168.0.0/16"};
    (void)state;

    assert_int_equal(ens_peer_connection_copy(&copy, &r->connections[0]), ENS_OK);
    assert_non_null(copy);
    assert_ptr_not_equal(copy->instance_id, r->connections[0].instance_id);
    ens_describe_response_free(r); /* the copy must not depend on it */

    assert_string_equal(copy->instance_id, "pcc-521pzxdg****");
    assert_string_equal(copy->creation_time, "2024-05-31T06:43:29Z");
    assert_true(copy->creation_time_epoch == (time_t)1717137809);
    assert_string_equal(copy->name, "test");
    assert_string_equal(copy->description, "desc");
    assert_string_equal(copy->ens_region_id, "cn-dongguan-9");
    assert_int_equal(copy->status, ENS_PEER_STATUS_ACTIVATED);
    assert_string_equal(copy->status_text, "Activated");
    assert_string_equal(copy->network_id, "n-5q73bm****");
    assert_string_equal(copy->accepting_network_id, "n-5q28114****\n");
    assert_string_equal(copy->network.network_id, "n-5q73bm****");
    assert_cidrs(&copy->network, 1, req);
    assert_string_equal(copy->accepting_network.network_id, "n-5q28114****");
    assert_cidrs(&copy->accepting_network, 1, acc);
    /* One block: the pointer arrays and strings live right behind the struct. */
    assert_true((const char *)copy->network.ipv4_cidrs >= (const char *)(copy + 1));
    assert_true(copy->accepting_network.ipv4_cidrs[0] > (const char *)copy->accepting_network.ipv4_cidrs);
    ens_peer_connection_free(copy);
}

static void test_copy_sparse_and_errors(void **state)
{
    ens_describe_response *r = parse_ok("missing_fields.json");
    ens_peer_connection *copy = NULL, *sentinel = (ens_peer_connection *)(uintptr_t)0x1;
    ens_peer_connection hand;
    static const char *const cidrs[] = {"10.0.0.0/8", "10.1.0.0/16"};
    (void)state;

    assert_int_equal(ens_peer_connection_copy(&copy, &r->connections[1]), ENS_OK);
    ens_describe_response_free(r);
    assert_string_equal(copy->instance_id, "pcc-sparse0002****");
    assert_conn_empty(copy);
    assert_true(copy->network.present);
    assert_null(copy->network.network_id);
    assert_cidrs(&copy->network, 0, NULL);
    assert_string_equal(copy->accepting_network.network_id, "n-sparseacc****");
    ens_peer_connection_free(copy);

    /* A caller-built connection. */
    memset(&hand, 0, sizeof(hand));
    hand.instance_id = "pcc-hand****";
    hand.status = ENS_PEER_STATUS_DELETING;
    hand.creation_time_epoch = 5;
    hand.accepting_network.present = true;
    hand.accepting_network.ipv4_cidrs = cidrs;
    hand.accepting_network.ipv4_cidrs_count = 2;
    assert_int_equal(ens_peer_connection_copy(&copy, &hand), ENS_OK);
    assert_string_equal(copy->instance_id, "pcc-hand****");
    assert_null(copy->name);
    assert_int_equal(copy->status, ENS_PEER_STATUS_DELETING);
    assert_true(copy->creation_time_epoch == 5);
    assert_false(copy->network.present);
    assert_cidrs(&copy->accepting_network, 2, cidrs);
    assert_ptr_not_equal(copy->accepting_network.ipv4_cidrs, cidrs);
    ens_peer_connection_free(copy);

    /* Invalid arguments leave *out alone. */
    copy = sentinel;
    assert_int_equal(ens_peer_connection_copy(&copy, NULL), ENS_EINVAL);
    assert_ptr_equal(copy, sentinel);
    assert_int_equal(ens_peer_connection_copy(NULL, &hand), ENS_EINVAL);
    hand.network.ipv4_cidrs_count = 1; /* count without an array */
    assert_int_equal(ens_peer_connection_copy(&copy, &hand), ENS_EINVAL);
    assert_ptr_equal(copy, sentinel);

    ens_peer_connection_free(NULL);
}

static void test_copy_page_100(void **state)
{
    ens_describe_response *r = parse_ok("page_100.json");
    ens_peer_connection *copies[100];
    (void)state;

    for (size_t i = 0; i < 100; i++)
        assert_int_equal(ens_peer_connection_copy(&copies[i], &r->connections[i]), ENS_OK);
    for (size_t i = 0; i < 100; i++) {
        const ens_peer_connection *a = &r->connections[i], *b = copies[i];
        assert_string_equal(a->instance_id, b->instance_id);
        assert_string_equal(a->creation_time, b->creation_time);
        assert_true(a->creation_time_epoch == b->creation_time_epoch);
        assert_string_equal(a->description, b->description);
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->accepting_network.ipv4_cidrs_count, b->accepting_network.ipv4_cidrs_count);
        assert_string_equal(a->accepting_network.ipv4_cidrs[1], b->accepting_network.ipv4_cidrs[1]);
    }
    ens_describe_response_free(r);
    for (size_t i = 0; i < 100; i++)
        ens_peer_connection_free(copies[i]);
}

/* ----------------------------------------------------------------------- */
/* Error bodies                                                            */

static ens_status error_fixture(const char *name, long http_status, ens_error *err)
{
    size_t len;
    char *body = load(name, &len);
    ens_status st = ens__parse_error_body(body, len, http_status, err);
    free(body);
    return st;
}

static ens_status error_str(const char *body, long http_status, ens_error *err)
{
    return ens__parse_error_body(body, strlen(body), http_status, err);
}

static void test_error_bodies(void **state)
{
    static const struct {
        const char *fixture;
        long http;
        ens_status status;
        const char *code;
        const char *message;
        const char *request_id;
    } cases[] = {
        {"error_ens_interface_error.json", 400, ENS_ESERVICE, "ens.interface.error", "Failed to call API.",
         "E0000000-0000-4000-8000-000000000001"},
        {"error_no_permission.json", 400, ENS_ESERVICE, "NoPermission", "Permission denied.",
         "E0000000-0000-4000-8000-000000000002"},
        {"error_invalid_parameter_page_size.json", 400, ENS_ESERVICE, "InvalidParameter.PageSize",
         "The specified field PageSize invalid. Please check it again.", "E0000000-0000-4000-8000-000000000003"},
        {"error_throttling.json", 400, ENS_ESERVICE, "Throttling", "Request was denied due to flow control.",
         "E0000000-0000-4000-8000-000000000004"},
        {"error_throttling_user.json", 400, ENS_ESERVICE, "Throttling.User",
         "Request was denied due to user flow control.", "E0000000-0000-4000-8000-000000000005"},
        {"error_throttling_api.json", 400, ENS_ESERVICE, "Throttling.Api",
         "Request was denied due to api flow control.", "E0000000-0000-4000-8000-000000000006"},
        {"error_service_unavailable.json", 503, ENS_ESERVICE, "ServiceUnavailable",
         "The request has failed due to a temporary failure of the server.", "E0000000-0000-4000-8000-000000000007"},
        {"error_internal_error.json", 500, ENS_ESERVICE, "InternalError",
         "The request processing has failed due to some unknown error, exception or failure.",
         "E0000000-0000-4000-8000-000000000008"},
        {"error_signature_does_not_match.json", 400, ENS_EAUTH, "SignatureDoesNotMatch",
         "Specified signature does not match our calculation.", "E0000000-0000-4000-8000-000000000009"},
        {"error_invalid_access_key_id_not_found.json", 404, ENS_EAUTH, "InvalidAccessKeyId.NotFound",
         "Specified access key is not found.", "E0000000-0000-4000-8000-00000000000A"},
        {"error_invalid_timestamp_expired.json", 400, ENS_EAUTH, "InvalidTimeStamp.Expired",
         "Specified time stamp or date value is expired.", "E0000000-0000-4000-8000-00000000000B"},
        {"error_signature_nonce_used.json", 400, ENS_EAUTH, "SignatureNonceUsed",
         "Specified signature nonce was used already.", "E0000000-0000-4000-8000-00000000000C"},
        {"error_missing_parameter.json", 400, ENS_ESERVICE, "MissingParameter",
         "The input parameter \"Action\" that is mandatory for processing this request is not supplied.",
         "E0000000-0000-4000-8000-00000000000D"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ens_error err = ENS_ERROR_INIT;
        char want[256];
        ens_status st = error_fixture(cases[i].fixture, cases[i].http, &err);
        if (st != cases[i].status)
            fail_msg("%s: status %d, want %d", cases[i].fixture, (int)st, (int)cases[i].status);
        assert_int_equal(err.status, cases[i].status);
        assert_int_equal(err.http_status, cases[i].http);
        assert_int_equal(err.attempts, 0);
        assert_string_equal(err.code, cases[i].code);
        assert_string_equal(err.message, cases[i].message);
        assert_string_equal(err.request_id, cases[i].request_id);
        assert_string_equal(err.host_id, "ens.aliyuncs.com");
        snprintf(want, sizeof(want), "https://api.aliyun.com/troubleshoot?q=%s&product=Ens&requestId=%s",
                 cases[i].code, cases[i].request_id);
        assert_string_equal(err.recommend, want);
        snprintf(want, sizeof(want), "%s (HTTP %ld): ", cases[i].code, cases[i].http);
        assert_non_null(strstr(err.description, want));
        snprintf(want, sizeof(want), "[RequestId: %s]", cases[i].request_id);
        assert_non_null(strstr(err.description, want));

        /* Same classification without details. */
        assert_int_equal(error_fixture(cases[i].fixture, cases[i].http, NULL), cases[i].status);
    }
}

static void test_error_description(void **state)
{
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(error_fixture("error_throttling_user.json", 400, &err), ENS_ESERVICE);
    assert_string_equal(err.description, "service error Throttling.User (HTTP 400): Request was denied due to user "
                                         "flow control. [RequestId: E0000000-0000-4000-8000-000000000005]");
    assert_int_equal(error_fixture("error_signature_does_not_match.json", 400, &err), ENS_EAUTH);
    assert_string_equal(err.description,
                        "authentication error SignatureDoesNotMatch (HTTP 400): Specified signature does not match "
                        "our calculation. [RequestId: E0000000-0000-4000-8000-000000000009]");
    /* Only a Code: no dangling separators. */
    assert_int_equal(error_str("{\"Code\":\"Forbidden\"}", 403, &err), ENS_ESERVICE);
    assert_string_equal(err.description, "service error Forbidden (HTTP 403)");
    assert_string_equal(err.request_id, "");
    assert_string_equal(err.message, "");
}

static void test_error_auth_codes(void **state)
{
    static const struct {
        const char *code;
        ens_status want;
    } cases[] = {
        {"SignatureDoesNotMatch", ENS_EAUTH},
        {"IncompleteSignature", ENS_EAUTH},
        {"InvalidAccessKeyId", ENS_EAUTH},
        {"InvalidAccessKeyId.NotFound", ENS_EAUTH},
        {"InvalidAccessKeyId.Inactive", ENS_EAUTH},
        {"InvalidTimeStamp.Expired", ENS_EAUTH},
        {"InvalidTimeStamp.Format", ENS_EAUTH},
        {"SignatureNonceUsed", ENS_EAUTH},
        {"InvalidSecurityToken.Expired", ENS_EAUTH},
        {"InvalidSecurityToken.MismatchWithAccessKey", ENS_EAUTH},
        {"InvalidAccessKeyIdX", ENS_ESERVICE},
        {"SignatureDoesNotMatch.Extra", ENS_ESERVICE},
        {"signaturedoesnotmatch", ENS_ESERVICE},
        {"Forbidden.RAM", ENS_ESERVICE},
        {"InvalidParameter", ENS_ESERVICE},
        {"Throttling", ENS_ESERVICE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[160];
        ens_error err = ENS_ERROR_INIT;
        int n = snprintf(body, sizeof(body), "{\"Code\":\"%s\",\"RequestId\":\"R-%zu\"}", cases[i].code, i);
        ens_status st = ens__parse_error_body(body, (size_t)n, 400, &err);
        if (st != cases[i].want)
            fail_msg("%s: status %d, want %d", cases[i].code, (int)st, (int)cases[i].want);
        assert_string_equal(err.code, cases[i].code);
    }
}

static void test_error_not_service_document(void **state)
{
    ens_error err = ENS_ERROR_INIT;
    size_t len;
    char *body, want[128];
    (void)state;

    body = load("proxy_502.html", &len);
    assert_int_equal(ens__parse_error_body(body, len, 502, &err), ENS_EHTTP);
    snprintf(want, sizeof(want), "HTTP 502 with a non-JSON body (%zu bytes)", len);
    assert_string_equal(err.description, want);
    assert_int_equal(err.status, ENS_EHTTP);
    assert_int_equal(err.http_status, 502);
    assert_string_equal(err.code, "");
    assert_string_equal(err.message, "");
    assert_string_equal(err.request_id, "");
    assert_null(strstr(err.description, "nginx")); /* no body bytes in the description */
    assert_int_equal(ens__parse_error_body(body, len, 502, NULL), ENS_EHTTP);
    free(body);

    assert_int_equal(error_fixture("error_plain.txt", 503, &err), ENS_EHTTP);
    assert_int_equal(err.http_status, 503);
    assert_non_null(strstr(err.description, "HTTP 503 with a non-JSON body"));

    assert_int_equal(error_fixture("truncated.json", 500, &err), ENS_EHTTP);
    assert_non_null(strstr(err.description, "non-JSON"));
    assert_string_equal(err.request_id, "");

    /* JSON without a usable Code: still EHTTP, RequestId kept. */
    assert_int_equal(error_fixture("error_no_code.json", 400, &err), ENS_EHTTP);
    assert_string_equal(err.request_id, "E0000000-0000-4000-8000-00000000000E");
    assert_string_equal(err.code, "");
    assert_string_equal(err.message, "");
    assert_non_null(strstr(err.description, "HTTP 400 with a JSON body that has no error Code"));
    assert_non_null(strstr(err.description, "[RequestId: E0000000-0000-4000-8000-00000000000E]"));

    assert_int_equal(error_fixture("error_code_not_string.json", 400, &err), ENS_EHTTP);
    assert_string_equal(err.request_id, "E0000000-0000-4000-8000-00000000000F");
    assert_string_equal(err.code, "");

    assert_int_equal(error_str("{\"Code\":\"\"}", 400, &err), ENS_EHTTP);
    assert_int_equal(error_str("[{\"Code\":\"Throttling\"}]", 429, &err), ENS_EHTTP);
    assert_int_equal(err.http_status, 429);
    assert_int_equal(error_fixture("published_example.json", 404, &err), ENS_EHTTP);
    assert_string_equal(err.request_id, "CEF72CEB-54B6-4AE8-B225-F876FF7BA984");

    /* Empty and absent bodies. */
    assert_int_equal(ens__parse_error_body("", 0, 504, &err), ENS_EHTTP);
    assert_string_equal(err.description, "HTTP 504 with an empty body");
    assert_int_equal(err.http_status, 504);
    assert_int_equal(ens__parse_error_body(NULL, 0, 500, &err), ENS_EHTTP);
    assert_int_equal(ens__parse_error_body(NULL, 0, 500, NULL), ENS_EHTTP);
}

static void test_error_nul_and_controls(void **state)
{
    static const char nul_body[] = "{\"Code\":\"Throttling\0\",\"RequestId\":\"R\"}";
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    /* A raw NUL is not JSON: never a truncated "Throttling" code. */
    assert_int_equal(ens__parse_error_body(nul_body, sizeof(nul_body) - 1, 400, &err), ENS_EHTTP);
    assert_string_equal(err.code, "");
    /* \u0000 likewise. */
    assert_int_equal(error_str("{\"Code\":\"A\\u0000B\"}", 400, &err), ENS_EHTTP);

    /* Control characters: fields as sent, description on one line. */
    assert_int_equal(error_fixture("error_multiline_message.json", 400, &err), ENS_ESERVICE);
    assert_string_equal(err.code, "InvalidParameter.Name");
    assert_string_equal(err.message, "first line\nsecond line\r\n\tthird\a line");
    assert_string_equal(err.request_id, "E0000000-0000-4000-8000-000000000010\r\n");
    assert_string_equal(err.description, "service error InvalidParameter.Name (HTTP 400): first line second line  "
                                         " third  line [RequestId: E0000000-0000-4000-8000-000000000010  ]");
    for (const char *p = err.description; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7F);
}

static void test_error_truncation(void **state)
{
    /* Message of 600 two-byte characters, Code of 200 bytes, RequestId of 100. */
    size_t cap = 4096, n = 0;
    char *body = malloc(cap);
    ens_error err = ENS_ERROR_INIT;
    size_t len;
    (void)state;

    assert_non_null(body);
    n += (size_t)snprintf(body + n, cap - n, "{\"Code\":\"");
    for (int i = 0; i < 200; i++)
        body[n++] = 'C';
    n += (size_t)snprintf(body + n, cap - n, "\",\"RequestId\":\"");
    for (int i = 0; i < 100; i++)
        body[n++] = 'R';
    n += (size_t)snprintf(body + n, cap - n, "\",\"Message\":\"x");
    for (int i = 0; i < 600; i++) {
        body[n++] = '\xc3';
        body[n++] = '\xa9';
    }
    n += (size_t)snprintf(body + n, cap - n, "\",\"Recommend\":\"");
    for (int i = 0; i < 300; i++) {
        memcpy(body + n, "\xe2\x82\xac", 3); /* euro sign */
        n += 3;
    }
    n += (size_t)snprintf(body + n, cap - n, "\"}");

    assert_int_equal(ens__parse_error_body(body, n, 400, &err), ENS_ESERVICE);
    assert_int_equal(strlen(err.code), sizeof(err.code) - 1);
    assert_int_equal(strlen(err.request_id), sizeof(err.request_id) - 1);
    /* "x" + whole two-byte characters: 511 bytes would cut the last one. */
    len = strlen(err.message);
    assert_int_equal(len, sizeof(err.message) - 1);
    assert_memory_equal(err.message + len - 2, "\xc3\xa9", 2);
    len = strlen(err.recommend);
    assert_int_equal(len, 510); /* 170 whole euro signs; 511 would split one */
    assert_memory_equal(err.recommend + len - 3, "\xe2\x82\xac", 3);
    /* The description holds every field in full and stays terminated. */
    assert_non_null(strstr(err.description, err.message));
    assert_non_null(strstr(err.description, err.request_id));
    assert_true(strlen(err.description) < sizeof(err.description));
    free(body);
}

static void test_error_resets_previous(void **state)
{
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    assert_int_equal(error_fixture("error_throttling_user.json", 400, &err), ENS_ESERVICE);
    err.attempts = 3;
    assert_int_equal(error_fixture("proxy_502.html", 502, &err), ENS_EHTTP);
    assert_string_equal(err.code, "");
    assert_string_equal(err.message, "");
    assert_string_equal(err.host_id, "");
    assert_string_equal(err.recommend, "");
    assert_string_equal(err.request_id, "");
    assert_int_equal(err.version, ENS_ERROR_VERSION);

    {
        ens_error zeroed;
        memset(&zeroed, 0, sizeof(zeroed)); /* version 0 is accepted */
        assert_int_equal(error_fixture("error_no_permission.json", 400, &zeroed), ENS_ESERVICE);
        assert_string_equal(zeroed.code, "NoPermission");
    }
}

/* --portable-scan: the whole run through the portable scanning code
 * (json/scan.h), as on a machine without SSE2. */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_example),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_null_fields),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_empty_and_absent_list),
        cmocka_unit_test(test_unicode_text),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_status_name),
        cmocka_unit_test(test_page_10),
        cmocka_unit_test(test_page_100_single_block),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_wrong_types_inline),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_count_fixtures),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_parse_arguments),
        cmocka_unit_test(test_differential_fixtures),
        cmocka_unit_test(test_differential_inline),
        cmocka_unit_test(test_duplicates_and_keys),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_lenient_unknown_members),
        cmocka_unit_test(test_replacement_in_returned_strings),
        cmocka_unit_test(test_refusal_list),
        cmocka_unit_test(test_page_limits),
        cmocka_unit_test(test_shape_tables),
        cmocka_unit_test(test_scan_paths),
        cmocka_unit_test(test_lex_members),
        cmocka_unit_test(test_lex_keys_and_errors),
        cmocka_unit_test(test_lex_strings),
        cmocka_unit_test(test_lex_numbers),
        cmocka_unit_test(test_lex_count),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_copy_sparse_and_errors),
        cmocka_unit_test(test_copy_page_100),
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_error_description),
        cmocka_unit_test(test_error_auth_codes),
        cmocka_unit_test(test_error_not_service_document),
        cmocka_unit_test(test_error_nul_and_controls),
        cmocka_unit_test(test_error_truncation),
        cmocka_unit_test(test_error_resets_previous),
    };
    if (argc > 1 && strcmp(argv[1], "--portable-scan") == 0)
        ens__scan_portable = true;
    printf("# scanning: %s\n", ens__scan_portable || !ENS__SCAN_HAS_SIMD ? "portable C" : "SSE2");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
