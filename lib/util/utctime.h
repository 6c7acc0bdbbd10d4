/* SPDX-License-Identifier: MIT */
/* Internal: the one parser of UTC timestamps ("YYYY-MM-DDThh:mm:ssZ"), for
 * CreationTime in pages and Expiration in credential documents. */
#ifndef ENS_LIB_UTCTIME_H
#define ENS_LIB_UTCTIME_H

#include <time.h>

/* Parses exactly "YYYY-MM-DDThh:mm:ssZ" (20 characters, upper-case T and Z)
 * into seconds since 1970-01-01T00:00:00Z in *out.  The rules:
 *   - years 0001..9999 of the proleptic Gregorian calendar, real month
 *     lengths and leap years; dates before 1970 give negative values;
 *   - hours 00..23, minutes 00..59, seconds 00..59, and 60 only at 23:59:60
 *     (a leap second, always the last second of a UTC day), which counts as
 *     the next day's 00:00:00, as POSIX time does;
 *   - a value time_t cannot hold (beyond 2038-01-19T03:14:07Z or before
 *     1901-12-13T20:45:52Z with a 32-bit time_t) is refused.
 * Returns 0, or -1 (with *out untouched) when s is NULL, malformed or out of
 * range.  Locale- and TZ-independent; thread-safe. */
int ens__utc_time_parse(const char *s, time_t *out);

#endif
