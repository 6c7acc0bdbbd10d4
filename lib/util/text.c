/* SPDX-License-Identifier: MIT */
/* Checks on text bound for request lines, headers and logs (see text.h). */
#include "util/text.h"

#include <string.h>

bool ens__has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

bool ens__has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}
