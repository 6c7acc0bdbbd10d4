/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: display width of UTF-8 text and table cells.
 *
 * A small table of ranges rather than wcwidth(): wcwidth() needs a UTF-8
 * locale to be set (setlocale) and differs between C libraries and their
 * versions, while a table gives the same columns everywhere.  Rules: East
 * Asian Wide and Fullwidth characters and emoji take two columns; combining
 * marks, zero-width spaces and joiners and variation selectors take none;
 * every other character one.  Control characters and bytes that are not
 * UTF-8 are printed as '?' (one column). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

typedef struct range {
    uint32_t lo, hi;
} range;

static const range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0x1F3FB, 0x1F3FF},
    {0xE0000, 0xE007F}, {0xE0100, 0xE01EF},
};

static const range double_width[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x3247},   {0x3250, 0x4DBF},   {0x4E00, 0xA4CF},   {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF},
    {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
    {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
    {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F3FA}, {0x1F400, 0x1F43E},
    {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E},
    {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4},
    {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
    {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC},
    {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
    {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool in(const range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

int cli_char_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 1; /* printed as '?' */
    if (in(zero_width, sizeof(zero_width) / sizeof(*zero_width), cp))
        return 0;
    if (in(double_width, sizeof(double_width) / sizeof(*double_width), cp))
        return 2;
    return 1;
}

size_t cli_utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len, i;
    uint32_t v;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2;
        v = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3;
        v = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4;
        v = p[0] & 0x07;
    } else {
        *cp = CLI_BAD_CHAR;
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = CLI_BAD_CHAR;
            return 1;
        }
        v = (v << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (len == 4 && (v < 0x10000 || v > 0x10FFFF))) {
        *cp = CLI_BAD_CHAR;
        return 1;
    }
    *cp = v;
    return len;
}

int cli_text_width(const char *s)
{
    int w = 0;
    uint32_t cp;
    if (!s)
        s = "-";
    while (*s) {
        s += cli_utf8_next(s, &cp);
        w += cp == CLI_BAD_CHAR ? 1 : cli_char_width(cp);
    }
    return w;
}

int cli_print_cell(FILE *f, const char *s, int width, bool pad)
{
    int total, used = 0;
    uint32_t cp;
    if (!s)
        s = "-";
    total = cli_text_width(s);
    while (*s) {
        const char *start = s;
        size_t n = cli_utf8_next(s, &cp);
        int w = cp == CLI_BAD_CHAR ? 1 : cli_char_width(cp);
        /* Shortened: keep one column for the ellipsis. */
        if (total > width && used + w > width - 1) {
            fputs("\xe2\x80\xa6", f); /* U+2026, one column */
            used++;
            break;
        }
        s += n;
        if (cp == CLI_BAD_CHAR || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            fputc('?', f);
        else
            fwrite(start, 1, n, f);
        used += w;
    }
    if (pad)
        for (; used < width; used++)
            fputc(' ', f);
    return used;
}
