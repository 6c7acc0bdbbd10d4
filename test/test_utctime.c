/* SPDX-License-Identifier: MIT */
/* Tests of the one UTC timestamp parser (lib/util/utctime.c), used for
 * CreationTime in pages and Expiration in credential documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <time.h>

#include "util/utctime.h"

#define BAD 0x7fffffffffffffffLL /* "refused" in the tables below */

static void check(const char *s, long long want)
{
    time_t t = (time_t)12345;
    int rc = ens__utc_time_parse(s, &t);
    if (want == BAD) {
        if (rc != -1)
            fail_msg("\"%s\": accepted as %lld, want refused", s, (long long)t);
        if (t != (time_t)12345)
            fail_msg("\"%s\": refused but *out was changed", s);
        return;
    }
    /* A 32-bit time_t cannot hold every valid date: those are refused. */
    if ((long long)(time_t)want != want) {
        if (rc != -1)
            fail_msg("\"%s\": %lld does not fit this time_t but was accepted", s, want);
        return;
    }
    if (rc != 0 || (long long)t != want)
        fail_msg("\"%s\": rc %d, got %lld, want %lld", s, rc, (long long)t, want);
}

static void test_valid(void **state)
{
    (void)state;
    check("2024-05-31T06:43:29Z", 1717137809LL);
    check("1970-01-01T00:00:00Z", 0);
    check("1970-01-01T00:00:01Z", 1);
    check("2026-11-25T12:00:00Z", 1795608000LL);
    check("2000-02-29T00:00:00Z", 951782400LL);
    check("2024-02-29T23:59:59Z", 1709251199LL);
    check("2023-12-31T23:59:59Z", 1704067199LL);
    check("2038-01-19T03:14:07Z", 2147483647LL);
    check("2038-01-19T03:14:08Z", 2147483648LL); /* refused with a 32-bit time_t */
    check("9999-12-31T23:59:59Z", 253402300799LL);
}

/* Rule: dates before 1970 are valid and negative (an Expiration there has
 * simply expired); year 0000 does not exist in the format. */
static void test_before_1970(void **state)
{
    (void)state;
    check("1969-12-31T23:59:58Z", -2);
    check("1901-12-13T20:45:52Z", -2147483648LL);
    check("0001-01-01T00:00:00Z", -62135596800LL);
    check("0000-01-01T00:00:00Z", BAD);
}

/* Rule: second 60 is a leap second and exists only as 23:59:60; it counts as
 * the next day's 00:00:00, as POSIX time does. */
static void test_leap_second(void **state)
{
    (void)state;
    check("2016-12-31T23:59:60Z", 1483228800LL);
    check("2017-01-01T00:00:00Z", 1483228800LL);
    check("2016-12-31T23:58:60Z", BAD);
    check("2016-12-31T12:59:60Z", BAD);
    check("2024-01-01T00:00:61Z", BAD);
    check("2024-01-01T00:00:99Z", BAD);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
        "2024-01-00T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
        "2024-05-31T06:43:29z", "2024-05-31t06:43:29Z", "2024-05-31T06:43:29",
        "2024-05-31T06:43:29Z ", " 2024-05-31T06:43:29Z", "2024-05-31T06:43:29.000Z",
        "2024-05-31T06:43:29+00:00", "2026-11-25T12:00:00+08:00", "2026-11-25 12:00:00Z",
        "2024-5-31T06:43:29Z", "2024-05-31T6:43:29ZZ", "+024-05-31T06:43:29Z",
        "2024-05-3aT06:43:29Z", "",
    };
    time_t t = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check(bad[i], BAD);
    assert_int_equal(ens__utc_time_parse(NULL, &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_before_1970),
        cmocka_unit_test(test_leap_second),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
