/* SPDX-License-Identifier: MIT */
/* The portable scanners of scan.h, out of line: where SSE2 is compiled in,
 * they run only for an input's last bytes and under ens__scan_portable. */
#include "json/scan.h"

bool ens__scan_portable = false;

const unsigned char *ens__scan_text_out(const unsigned char *p, const unsigned char *end)
{
    return ens__scan_text_c(p, end);
}

const unsigned char *ens__scan_quote_out(const unsigned char *p, const unsigned char *end)
{
    return ens__scan_quote_c(p, end);
}

const unsigned char *ens__scan_text_copy_out(const unsigned char *p, const unsigned char *end, char *dst,
                                             char **dst_out)
{
    return ens__scan_text_copy_c(p, end, dst, dst_out);
}
