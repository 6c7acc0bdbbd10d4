/* SPDX-License-Identifier: MIT */
/* UTF-8 well-formedness and length (see utf8.h). */
#include "util/utf8.h"

bool ens__utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = p[i] < 0x80 ? 1 : ens__utf8_seq(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t ens__utf8_length(const char *s, size_t len)
{
    size_t i, count = 0;
    for (i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}
