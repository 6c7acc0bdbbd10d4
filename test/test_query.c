/* SPDX-License-Identifier: MIT */
/* Tests of RFC 3986 encoding, the canonical query string and the
 * request -> RPC parameter mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "ensclient/types.h"
#include "request/query.h"

/* Encodes s[0..len) and compares with expected. */
static void check_encode_n(const char *s, size_t len, const char *expected)
{
    ens__buf b = ENS__BUF_INIT;
    assert_int_equal(ens__percent_encode(&b, s, len), 0);
    assert_string_equal(ens__buf_cstr(&b), expected);
    ens__buf_free(&b);
}

static void check_encode(const char *s, const char *expected)
{
    check_encode_n(s, strlen(s), expected);
}

/* Canonical query of req. */
static char *canonical_of(const ens_describe_request *req)
{
    ens__query q = ENS__QUERY_INIT;
    char *out = NULL;
    assert_int_equal(ens__query_from_request(req, &q), ENS_OK);
    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    assert_non_null(out);
    ens__query_free(&q);
    return out;
}

static void check_request(const ens_describe_request *req, const char *expected)
{
    char *got = canonical_of(req);
    assert_string_equal(got, expected);
    ens__free(got);
}

/* ------------------------------------------------------------------------ */

static void test_encode_unreserved_kept(void **state)
{
    const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    (void)state;
    check_encode(all, all);
    check_encode("", "");
}

static void test_encode_reserved(void **state)
{
    (void)state;
    check_encode(" ", "%20");
    check_encode("*", "%2A");
    check_encode("/", "%2F");
    check_encode("+", "%2B");
    check_encode("=", "%3D");
    check_encode("&", "%26");
    check_encode("%", "%25");
    check_encode("?#[]@!$'(),;:\"<>\\^`{|}",
                 "%3F%23%5B%5D%40%21%24%27%28%29%2C%3B%3A%22%3C%3E%5C%5E%60%7B%7C%7D");
    check_encode("a b*c~d/e+f=g&h", "a%20b%2Ac~d%2Fe%2Bf%3Dg%26h");
    check_encode("\t\r\n", "%09%0D%0A");
}

static void test_encode_bytes(void **state)
{
    (void)state;
    /* Non-ASCII UTF-8: each byte, uppercase hex. */
    check_encode("\xc3\xa9", "%C3%A9");                  /* é */
    check_encode("caf\xc3\xa9", "caf%C3%A9");
    check_encode("\xe4\xb8\xad\xe6\x96\x87", "%E4%B8%AD%E6%96%87"); /* 中文 */
    check_encode("\xf0\x9f\x98\x80", "%F0%9F%98%80");    /* emoji */
    check_encode("\x7f\xff", "%7F%FF");
    /* Explicit length: embedded NUL, and only len bytes are read. */
    check_encode_n("a\0b", 3, "a%00b");
    check_encode_n("abc", 2, "ab");
}

static void test_encode_appends(void **state)
{
    ens__buf b = ENS__BUF_INIT;
    (void)state;
    assert_int_equal(ens__buf_puts(&b, "x="), 0);
    assert_int_equal(ens__percent_encode(&b, "a b", 3), 0);
    assert_string_equal(ens__buf_cstr(&b), "x=a%20b");
    ens__buf_free(&b);
}

/* ------------------------------------------------------------------------ */

static void test_canonical_sorting(void **state)
{
    ens__query q = ENS__QUERY_INIT;
    char *out = NULL;
    (void)state;

    assert_int_equal(ens__query_add(&q, "b", "2"), ENS_OK);
    assert_int_equal(ens__query_add(&q, "a", "1"), ENS_OK);
    assert_int_equal(ens__query_add(&q, "B", "3"), ENS_OK); /* uppercase sorts first */
    assert_int_equal(ens__query_add(&q, "A b", "x y"), ENS_OK);
    assert_int_equal(q.count, 4);
    /* Stored encoded. */
    assert_string_equal(q.items[3].name, "A%20b");
    assert_string_equal(q.items[3].value, "x%20y");
    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    assert_string_equal(out, "A%20b=x%20y&B=3&a=1&b=2");
    /* Sorted in place. */
    assert_string_equal(q.items[0].name, "A%20b");
    assert_string_equal(q.items[3].name, "b");
    ens__free(out);
    ens__query_free(&q);
    assert_null(q.items);
    assert_int_equal(q.count, 0);
}

static void test_canonical_sorts_encoded_names(void **state)
{
    ens__query q = ENS__QUERY_INIT;
    char *out = NULL;
    (void)state;
    /* Raw, "a~" (0x7E) sorts before "a\xc3\xa9" (0xC3); encoded, "a%C3%A9"
     * ('%' is 0x25) sorts before "a~". */
    assert_int_equal(ens__query_add(&q, "a~", "1"), ENS_OK);
    assert_int_equal(ens__query_add(&q, "a\xc3\xa9", "2"), ENS_OK);
    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    assert_string_equal(out, "a%C3%A9=2&a~=1");
    ens__free(out);
    ens__query_free(&q);
}

static void test_canonical_stable_and_empty(void **state)
{
    ens__query q = ENS__QUERY_INIT;
    char *out = NULL;
    int i;
    (void)state;

    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    assert_string_equal(out, ""); /* no parameters: empty string, not NULL */
    ens__free(out);

    /* Equal names keep their insertion order (enough of them to exceed any
     * small-array special case in qsort). */
    for (i = 0; i < 40; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", 39 - i);
        assert_int_equal(ens__query_add(&q, i % 2 ? "k" : "j", v), ENS_OK);
    }
    assert_int_equal(ens__query_add(&q, "empty", ""), ENS_OK);
    assert_int_equal(ens__query_canonical(&q, &out), ENS_OK);
    assert_true(strncmp(out, "empty=&j=39&j=37&j=35", 21) == 0);
    assert_non_null(strstr(out, "&j=1&k=38&k=36&"));
    assert_true(strlen(out) > 4 && strcmp(out + strlen(out) - 4, "&k=0") == 0);
    ens__free(out);
    ens__query_free(&q);
}

static void test_query_null_args(void **state)
{
    ens__query q = ENS__QUERY_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    char *out = NULL;
    (void)state;
    assert_int_equal(ens__query_add(NULL, "a", "b"), ENS_EINVAL);
    assert_int_equal(ens__query_add(&q, NULL, "b"), ENS_EINVAL);
    assert_int_equal(ens__query_add(&q, "a", NULL), ENS_EINVAL);
    assert_int_equal(ens__query_canonical(NULL, &out), ENS_EINVAL);
    assert_int_equal(ens__query_canonical(&q, NULL), ENS_EINVAL);
    assert_int_equal(ens__query_from_request(NULL, &q), ENS_EINVAL);
    assert_int_equal(ens__query_from_request(&req, NULL), ENS_EINVAL);
    assert_int_equal(q.count, 0);
    ens__query_free(&q);
    ens__query_free(NULL);
}

/* ------------------------------------------------------------------------ */

static void test_request_empty(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    check_request(&req, "");
}

static void test_request_each_parameter(void **state)
{
    static const char *const one[] = {"n-5inkeimcipxk26yqtzm4q"};
    ens_describe_request req;
    (void)state;

    ens_describe_request_init(&req);
    req.instance_id = "pcc-5inkeimcipxk26yqtzm4q****";
    check_request(&req, "InstanceId=pcc-5inkeimcipxk26yqtzm4q%2A%2A%2A%2A");

    ens_describe_request_init(&req);
    req.ens_region_id = "cn-xian-unicom";
    check_request(&req, "EnsRegionId=cn-xian-unicom");

    ens_describe_request_init(&req);
    req.name = "my peer/conn \xc3\xa9";
    check_request(&req, "Name=my%20peer%2Fconn%20%C3%A9");

    ens_describe_request_init(&req);
    req.network_ids = one;
    req.network_ids_count = 1;
    check_request(&req, "NetworkIds.1=n-5inkeimcipxk26yqtzm4q");

    ens_describe_request_init(&req);
    req.page_number = 3;
    check_request(&req, "PageNumber=3");

    ens_describe_request_init(&req);
    req.page_size = 100;
    check_request(&req, "PageSize=100");

    ens_describe_request_init(&req);
    req.page_number = INT32_MAX;
    check_request(&req, "PageNumber=2147483647");

    /* network_ids set but count 0: nothing sent. */
    ens_describe_request_init(&req);
    req.network_ids = one;
    check_request(&req, "");
}

static void test_request_empty_values(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    req.name = "";
    req.instance_id = "";
    check_request(&req, "InstanceId=&Name=");
}

static void test_request_full(void **state)
{
    static const char *const ids[] = {"n-b", "n-a"};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens__query q = ENS__QUERY_INIT;
    static const char *const order[] = {"InstanceId",   "EnsRegionId",  "Name",    "NetworkIds.1",
                                        "NetworkIds.2", "PageNumber", "PageSize"};
    size_t i;
    (void)state;

    req.instance_id = "pcc-1";
    req.ens_region_id = "cn-xian-unicom";
    req.name = "a&b=c";
    req.network_ids = ids;
    req.network_ids_count = 2;
    req.page_number = 2;
    req.page_size = 10;

    /* Emission order before sorting. */
    assert_int_equal(ens__query_from_request(&req, &q), ENS_OK);
    assert_int_equal(q.count, 7);
    for (i = 0; i < 7; i++)
        assert_string_equal(q.items[i].name, order[i]);
    assert_string_equal(q.items[3].value, "n-b");
    assert_string_equal(q.items[4].value, "n-a");
    ens__query_free(&q);

    check_request(&req, "EnsRegionId=cn-xian-unicom&InstanceId=pcc-1&Name=a%26b%3Dc&"
                        "NetworkIds.1=n-b&NetworkIds.2=n-a&PageNumber=2&PageSize=10");
}

static void test_request_many_network_ids(void **state)
{
    const char *ids[12];
    char storage[12][8];
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    size_t i;
    (void)state;

    for (i = 0; i < 12; i++) {
        snprintf(storage[i], sizeof(storage[i]), "n-%zu", i + 1);
        ids[i] = storage[i];
    }
    req.network_ids = ids;
    req.network_ids_count = 12;
    req.page_size = 20;
    /* Byte order: NetworkIds.10..12 come before NetworkIds.2. */
    check_request(&req, "NetworkIds.1=n-1&NetworkIds.10=n-10&NetworkIds.11=n-11&"
                        "NetworkIds.12=n-12&NetworkIds.2=n-2&NetworkIds.3=n-3&NetworkIds.4=n-4&"
                        "NetworkIds.5=n-5&NetworkIds.6=n-6&NetworkIds.7=n-7&NetworkIds.8=n-8&"
                        "NetworkIds.9=n-9&PageSize=20");
}

static void test_request_bad_network_ids_leave_query(void **state)
{
    static const char *const with_null[] = {"n-1", NULL};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens__query q = ENS__QUERY_INIT;
    (void)state;

    assert_int_equal(ens__query_add(&q, "Keep", "me"), ENS_OK);

    req.network_ids_count = 2; /* network_ids NULL */
    assert_int_equal(ens__query_from_request(&req, &q), ENS_EINVAL);
    assert_int_equal(q.count, 1);

    req.instance_id = "pcc-1";
    req.network_ids = with_null;
    assert_int_equal(ens__query_from_request(&req, &q), ENS_EINVAL);
    assert_int_equal(q.count, 1); /* InstanceId and NetworkIds.1 rolled back */
    assert_string_equal(q.items[0].name, "Keep");
    ens__query_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_unreserved_kept),
        cmocka_unit_test(test_encode_reserved),
        cmocka_unit_test(test_encode_bytes),
        cmocka_unit_test(test_encode_appends),
        cmocka_unit_test(test_canonical_sorting),
        cmocka_unit_test(test_canonical_sorts_encoded_names),
        cmocka_unit_test(test_canonical_stable_and_empty),
        cmocka_unit_test(test_query_null_args),
        cmocka_unit_test(test_request_empty),
        cmocka_unit_test(test_request_each_parameter),
        cmocka_unit_test(test_request_empty_values),
        cmocka_unit_test(test_request_full),
        cmocka_unit_test(test_request_many_network_ids),
        cmocka_unit_test(test_request_bad_network_ids_leave_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
