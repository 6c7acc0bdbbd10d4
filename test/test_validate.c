/* SPDX-License-Identifier: MIT */
/* Tests of request validation and the UTF-8 helpers behind it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ensclient/types.h"
#include "util/text.h"
#include "util/utf8.h"

/* Validates req, expects ENS_EINVAL, and checks the description names the
 * field (and starts with the status text). */
static void expect_invalid(const ens_describe_request *req, const char *field)
{
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_describe_request_validate(req, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_true(strncmp(err.description, "invalid argument: ", 18) == 0);
    if (!strstr(err.description, field))
        fail_msg("description \"%s\" does not name %s", err.description, field);
    /* And without an error structure. */
    assert_int_equal(ens_describe_request_validate(req, NULL), ENS_EINVAL);
}

static void expect_valid(const ens_describe_request *req)
{
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_describe_request_validate(req, &err), ENS_OK);
    assert_int_equal(err.status, ENS_OK);
    assert_string_equal(err.description, ""); /* untouched on success */
}

/* Fills buf with n copies of the UTF-8 sequence ch. */
static char *repeat(char *buf, const char *ch, size_t n)
{
    size_t i, l = strlen(ch);
    for (i = 0; i < n; i++)
        memcpy(buf + i * l, ch, l);
    buf[n * l] = '\0';
    return buf;
}

/* ------------------------------------------------------------------------ */

static void test_init(void **state)
{
    ens_describe_request req;
    const ens_describe_request stat = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    memset(&req, 0xAB, sizeof(req));
    ens_describe_request_init(&req);
    assert_int_equal(req.version, ENS_DESCRIBE_REQUEST_VERSION);
    assert_null(req.instance_id);
    assert_null(req.ens_region_id);
    assert_null(req.name);
    assert_null(req.network_ids);
    assert_int_equal(req.network_ids_count, 0);
    assert_int_equal(req.page_number, 0);
    assert_int_equal(req.page_size, 0);
    assert_int_equal(stat.version, ENS_DESCRIBE_REQUEST_VERSION);
    ens_describe_request_init(NULL); /* no crash */
    expect_valid(&req);
}

static void test_null_request(void **state)
{
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_describe_request_validate(NULL, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    assert_non_null(strstr(err.description, "request"));
    assert_int_equal(ens_describe_request_validate(NULL, NULL), ENS_EINVAL);
}

static void test_version(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    req.version = 0; /* a zeroed struct counts as version 1 */
    expect_valid(&req);
    req.version = ENS_DESCRIBE_REQUEST_VERSION;
    expect_valid(&req);
    req.version = ENS_DESCRIBE_REQUEST_VERSION + 1;
    expect_invalid(&req, "version");
    req.version = 0xFFFFFFFFu;
    expect_invalid(&req, "version");
}

static void test_full_valid_request(void **state)
{
    static const char *const ids[] = {"n-5inkeimcipxk26yqtzm4q", "n-a", "n-b"};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    req.instance_id = "pcc-5inkeimcipxk26yqtzm4q****";
    req.ens_region_id = "cn-xian-unicom";
    req.name = "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \"quoted\"\ttab";
    req.network_ids = ids;
    req.network_ids_count = 3;
    req.page_number = 1;
    req.page_size = 100;
    expect_valid(&req);
    /* Empty strings are values like any other (sent as "Name="). */
    req.name = "";
    req.instance_id = "";
    req.ens_region_id = "";
    expect_valid(&req);
}

static void test_page_size(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    req.page_size = 0; /* not sent */
    expect_valid(&req);
    req.page_size = 10;
    expect_valid(&req);
    req.page_size = 55;
    expect_valid(&req);
    req.page_size = 100;
    expect_valid(&req);

    req.page_size = 5;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description,
                        "invalid argument: PageSize must be between 10 and 100 (got 5)");
    req.page_size = 9;
    expect_invalid(&req, "PageSize");
    req.page_size = 101;
    expect_invalid(&req, "PageSize");
    req.page_size = -10;
    expect_invalid(&req, "PageSize");
    req.page_size = INT32_MIN;
    expect_invalid(&req, "PageSize");
    req.page_size = INT32_MAX;
    expect_invalid(&req, "PageSize");
}

static void test_page_number(void **state)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    req.page_number = 0; /* not sent */
    expect_valid(&req);
    req.page_number = 1;
    expect_valid(&req);
    req.page_number = INT32_MAX;
    expect_valid(&req);

    req.page_number = -1;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: PageNumber must be 1 or more (got -1)");
    req.page_number = INT32_MIN;
    expect_invalid(&req, "PageNumber");
}

static void test_name_length(void **state)
{
    char buf[129 * 4 + 1];
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    (void)state;

    req.name = repeat(buf, "x", 128);
    expect_valid(&req);
    req.name = repeat(buf, "x", 129);
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description,
                        "invalid argument: Name must be at most 128 characters (got 129)");

    /* Code points, not bytes: 128 two-, three- and four-byte characters pass. */
    req.name = repeat(buf, "\xc3\xa9", 128); /* 256 bytes */
    expect_valid(&req);
    req.name = repeat(buf, "\xe4\xb8\xad", 128); /* 384 bytes */
    expect_valid(&req);
    req.name = repeat(buf, "\xf0\x9f\x98\x80", 128); /* 512 bytes */
    expect_valid(&req);
    req.name = repeat(buf, "\xc3\xa9", 129);
    expect_invalid(&req, "Name");
    req.name = repeat(buf, "\xe4\xb8\xad", 129);
    expect_invalid(&req, "Name");
    req.name = repeat(buf, "\xf0\x9f\x98\x80", 129);
    expect_invalid(&req, "Name");
}

static void test_huge_name_not_echoed(void **state)
{
    static char big[20001];
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    memset(big, 'q', sizeof(big) - 1);
    req.name = big;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "Name"));
    assert_null(strstr(err.description, "qqqq"));
}

static void test_network_ids(void **state)
{
    static const char *const with_null[] = {"n-1", NULL, "n-3"};
    static const char *const with_empty[] = {"n-1", "", "n-3"};
    static const char *const ok[] = {"n-1", "n-2"};
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    const char *many[12];
    size_t i;
    (void)state;

    req.network_ids_count = 1;
    expect_invalid(&req, "NetworkIds");

    req.network_ids = with_null;
    req.network_ids_count = 3;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: NetworkIds.2 is NULL");

    req.network_ids = with_empty;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: NetworkIds.2 is empty");

    /* Only the first count entries are read. */
    req.network_ids_count = 1;
    expect_valid(&req);
    req.network_ids = NULL;
    req.network_ids_count = 0;
    expect_valid(&req);
    req.network_ids = ok;
    req.network_ids_count = 2;
    expect_valid(&req);

    /* Indexes beyond 9 are reported with their own number. */
    for (i = 0; i < 12; i++)
        many[i] = "n-x";
    many[10] = "";
    req.network_ids = many;
    req.network_ids_count = 12;
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: NetworkIds.11 is empty");
}

static void test_crlf_in_each_field(void **state)
{
    static const char *const bad_values[] = {"a\rb", "a\nb", "\r\n", "x\r\nX-Injected: 1"};
    ens_describe_request req;
    ens_error err = ENS_ERROR_INIT;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
        const char *ids[3] = {"n-1", "n-2", bad_values[i]};

        ens_describe_request_init(&req);
        req.instance_id = bad_values[i];
        expect_invalid(&req, "InstanceId");

        ens_describe_request_init(&req);
        req.ens_region_id = bad_values[i];
        expect_invalid(&req, "EnsRegionId");

        ens_describe_request_init(&req);
        req.name = bad_values[i];
        expect_invalid(&req, "Name");

        ens_describe_request_init(&req);
        req.network_ids = ids;
        req.network_ids_count = 3;
        expect_invalid(&req, "NetworkIds.3");
    }

    /* The offending value is not echoed. */
    ens_describe_request_init(&req);
    req.instance_id = "pcc-zz\r\nX-Injected: 1";
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: InstanceId contains CR or LF");
    assert_null(strstr(err.description, "X-Injected"));
}

/* Malformed UTF-8: overlongs, surrogates, > U+10FFFF, truncated, stray bytes. */
static const char *const bad_utf8[] = {
    "\xc0\xaf",         /* overlong '/' (2 bytes) */
    "\xc1\xbf",         /* overlong U+007F */
    "\xe0\x80\xaf",     /* overlong '/' (3 bytes) */
    "\xe0\x9f\xbf",     /* overlong U+07FF */
    "\xf0\x80\x80\xaf", /* overlong '/' (4 bytes) */
    "\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
    "\xed\xa0\x80",     /* U+D800, high surrogate */
    "\xed\xbf\xbf",     /* U+DFFF, low surrogate */
    "\xf4\x90\x80\x80", /* U+110000 */
    "\xf5\x80\x80\x80", /* lead byte beyond U+10FFFF */
    "\xff",             /* never valid */
    "\xfe",
    "\x80",             /* stray continuation */
    "ab\xbf",
    "\xc3",             /* truncated 2-byte */
    "\xe4\xb8",         /* truncated 3-byte */
    "\xf0\x9f\x98",     /* truncated 4-byte */
    "\xc3x",            /* lead followed by ASCII */
    "\xe4\xb8x",
    "\xf0\x9f\x98x",
};

static const char *const good_utf8[] = {
    "",
    "plain ascii \x7f",
    "\xc2\x80",         /* U+0080 */
    "\xdf\xbf",         /* U+07FF */
    "\xe0\xa0\x80",     /* U+0800 */
    "\xed\x9f\xbf",     /* U+D7FF */
    "\xee\x80\x80",     /* U+E000 */
    "\xef\xbf\xbf",     /* U+FFFF */
    "\xf0\x90\x80\x80", /* U+10000 */
    "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
};

static void test_utf8_helpers(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++)
        if (ens__utf8_valid(bad_utf8[i], strlen(bad_utf8[i])))
            fail_msg("bad_utf8[%zu] accepted", i);
    for (i = 0; i < sizeof(good_utf8) / sizeof(good_utf8[0]); i++)
        if (!ens__utf8_valid(good_utf8[i], strlen(good_utf8[i])))
            fail_msg("good_utf8[%zu] rejected", i);
    /* Length-bounded: a sequence cut by len is truncated. */
    assert_false(ens__utf8_valid("\xc3\xa9", 1));
    assert_true(ens__utf8_valid("\xc3\xa9", 2));

    assert_int_equal(ens__utf8_length("", 0), 0);
    assert_int_equal(ens__utf8_length("abc", 3), 3);
    assert_int_equal(ens__utf8_length("caf\xc3\xa9", 5), 4);
    assert_int_equal(ens__utf8_length("\xe4\xb8\xad\xf0\x9f\x98\x80", 7), 2);

    assert_false(ens__has_crlf(""));
    assert_false(ens__has_crlf("a\tb"));
    assert_true(ens__has_crlf("a\rb"));
    assert_true(ens__has_crlf("a\n"));
    assert_false(ens__has_crlf(NULL));

    assert_false(ens__has_ctl(NULL));
    assert_false(ens__has_ctl(""));
    assert_false(ens__has_ctl("ensclient/0.1 caf\xc3\xa9"));
    assert_true(ens__has_ctl("a\tb"));
    assert_true(ens__has_ctl("a\x1b[31m"));
    assert_true(ens__has_ctl("del\x7f"));
}

static void test_invalid_utf8_in_each_field(void **state)
{
    ens_describe_request req;
    ens_error err = ENS_ERROR_INIT;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
        const char *ids[2] = {"n-1", bad_utf8[i]};

        ens_describe_request_init(&req);
        req.instance_id = bad_utf8[i];
        expect_invalid(&req, "InstanceId");

        ens_describe_request_init(&req);
        req.ens_region_id = bad_utf8[i];
        expect_invalid(&req, "EnsRegionId");

        ens_describe_request_init(&req);
        req.name = bad_utf8[i];
        expect_invalid(&req, "Name");

        ens_describe_request_init(&req);
        req.network_ids = ids;
        req.network_ids_count = 2;
        expect_invalid(&req, "NetworkIds.2");
    }

    ens_describe_request_init(&req);
    req.ens_region_id = "cn-\xed\xa0\x80";
    assert_int_equal(ens_describe_request_validate(&req, &err), ENS_EINVAL);
    assert_string_equal(err.description, "invalid argument: EnsRegionId is not valid UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_null_request),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_full_valid_request),
        cmocka_unit_test(test_page_size),
        cmocka_unit_test(test_page_number),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_huge_name_not_echoed),
        cmocka_unit_test(test_network_ids),
        cmocka_unit_test(test_crlf_in_each_field),
        cmocka_unit_test(test_utf8_helpers),
        cmocka_unit_test(test_invalid_utf8_in_each_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
