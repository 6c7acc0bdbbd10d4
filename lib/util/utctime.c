/* SPDX-License-Identifier: MIT */
/* The UTC timestamp parser (see utctime.h). */
#include "util/utctime.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* n decimal digits at s, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1): years counted
 * from March in 400-year eras of 146097 days. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int ens__utc_time_parse(const char *s, time_t *out)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day, hour, minute, second;
    int64_t secs;

    if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return -1;
    year = digits(s, 4);
    month = digits(s + 5, 2);
    day = digits(s + 8, 2);
    hour = digits(s + 11, 2);
    minute = digits(s + 14, 2);
    second = digits(s + 17, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return -1;
    if (second == 60 && (hour != 23 || minute != 59))
        return -1;
    if (day > month_days[month - 1] + (month == 2 && is_leap(year)))
        return -1;
    secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    if ((int64_t)(time_t)secs != secs)
        return -1;
    *out = (time_t)secs;
    return 0;
}
