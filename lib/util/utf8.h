/* SPDX-License-Identifier: MIT */
/* Internal: UTF-8 well-formedness (RFC 3629), one implementation for the
 * request validator, the JSON scanner and every other reader. */
#ifndef ENS_LIB_UTF8_H
#define ENS_LIB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at p whose lead byte is >= 0x80
 * (avail bytes readable from p, avail >= 1), or 0 when it is not one: a stray
 * continuation byte, an overlong form, a surrogate (U+D800..U+DFFF), a value
 * above U+10FFFF, or a sequence cut short.  Inline: the JSON scanner calls it
 * for every non-ASCII character. */
static inline size_t ens__utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    size_t n, i;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0; /* 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF */
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* true when s[0..len) is well-formed UTF-8. */
bool ens__utf8_valid(const char *s, size_t len);

/* Number of code points of a valid UTF-8 string. */
size_t ens__utf8_length(const char *s, size_t len);

#endif
