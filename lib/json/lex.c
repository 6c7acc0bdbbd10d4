/* SPDX-License-Identifier: MIT */
/*
 * The JSON lexer (see lex.h for what it accepts): the parts that are not
 * inline there.  Strings leave the inline fast path at their first escape,
 * non-ASCII byte or error; runs of plain bytes are found by scan.h.
 */
#include "json/lex.h"

#include <string.h>

#include "util/utf8.h"

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

#define REPLACEMENT 0xFFFDu

ENS__INLINE size_t utf8_len(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

ENS__INLINE size_t utf8_put(char *dst, uint32_t cp)
{
    unsigned char *d = (unsigned char *)dst;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | cp >> 6);
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | cp >> 12);
        d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | cp >> 18);
    d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The value of each hex digit, -1 for the other bytes. */
#define H16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const signed char hex_value[256] = {
    H16(-1), H16(-1), H16(-1),                                          /* 0x00-0x2F */
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,                /* 0x30-0x3F */
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,      /* 0x40-0x4F */
    H16(-1),                                                            /* 0x50-0x5F */
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,      /* 0x60-0x6F */
    H16(-1), H16(-1), H16(-1), H16(-1), H16(-1), H16(-1), H16(-1), H16(-1), H16(-1), /* 0x70-0xFF */
};
#undef H16

/* Four hex digits at p as a number, or -1. */
ENS__INLINE long hex4(const unsigned char *p, const unsigned char *end)
{
    int a, b, c, d;
    if (end - p < 4)
        return -1;
    a = hex_value[p[0]], b = hex_value[p[1]], c = hex_value[p[2]], d = hex_value[p[3]];
    if ((a | b | c | d) < 0)
        return -1;
    return (long)a << 12 | (long)b << 8 | c << 4 | d;
}

/* What the one-character escapes stand for: \" \\ \/ \b \f \n \r \t; 0 for
 * the others ('u' is read apart). */
static const unsigned char simple_escape[128] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/* ens__lex_escape(), inline in the string loops of this file. */
ENS__INLINE const unsigned char *escape(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    long hi, lo;

    if (end - p < 2 || p[1] >= 0x80)
        return NULL;
    if (p[1] != 'u') {
        *cp = simple_escape[p[1]];
        return *cp ? p + 2 : NULL;
    }
    if ((hi = hex4(p + 2, end)) < 0)
        return NULL;
    if (hi < 0xD800 || hi > 0xDFFF) {
        /* C strings cannot hold U+0000: it becomes U+FFFD, as an unpaired
         * surrogate does (below) in other decoders. */
        *cp = hi ? (uint32_t)hi : REPLACEMENT;
        return p + 6;
    }
    *cp = REPLACEMENT; /* a surrogate, unless a high one followed by a low one */
    if (hi > 0xDBFF || end - p < 12 || p[6] != '\\' || p[7] != 'u')
        return p + 6;
    lo = hex4(p + 8, end);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return p + 6; /* a high surrogate alone; p + 6 is read next as an escape of its own */
    *cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
    return p + 12;
}

const unsigned char *ens__lex_escape(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    return escape(p, end, cp);
}

bool ens__lex_begin(ens__lex *lx)
{
    ens__lex_ws(lx);
    if (lx->p >= lx->end || (*lx->p != '{' && *lx->p != '['))
        return ens__lex_fail(lx, lx->p);
    return true;
}

bool ens__lex_finish(ens__lex *lx)
{
    ens__lex_ws(lx);
    return lx->p == lx->end || ens__lex_fail(lx, lx->p);
}

bool ens__lex_string_rest(ens__lex *lx, const unsigned char *p, ens__lex_str *out)
{
    const unsigned char *end = lx->end;
    size_t shrink = 0; /* bytes the escapes take in the input beyond their decoded length */
    bool replaced = false;

    for (;;) {
        if (p >= end)
            return ens__lex_fail(lx, end);
        if (*p == '"')
            break;
        if (*p == '\\') {
            uint32_t cp;
            const unsigned char *next = escape(p, end, &cp);
            if (!next)
                return ens__lex_fail(lx, p);
            shrink += (size_t)(next - p) - utf8_len(cp);
            if (cp == REPLACEMENT && hex4(p + 2, end) != (long)REPLACEMENT)
                replaced = true; /* \u0000 or an unpaired surrogate, not \uFFFD itself */
            p = next;
            if (p < end && *p == '\\')
                continue; /* escapes in a row: \u8fb9\u7f18 */
        } else if (*p >= 0x80) {
            /* A run of UTF-8 sequences, checked one by one. */
            do {
                size_t k = ens__utf8_seq(p, (size_t)(end - p));
                if (k == 0)
                    return ens__lex_fail(lx, p);
                p += k;
            } while (p < end && *p >= 0x80);
        } else {
            return ens__lex_fail(lx, p); /* a control character */
        }
        p = ens__scan_text(p, end);
    }
    out->at = lx->p;
    out->len = (size_t)(p - lx->p) - 1 - shrink;
    out->plain = shrink == 0; /* every escape is longer than what it stands for */
    out->replaced = replaced;
    lx->p = p + 1;
    return true;
}

const unsigned char *ens__lex_take_rest(ens__lex *lx, const unsigned char *p, char *dst, char *d, size_t *len)
{
    const unsigned char *end = lx->end;

    for (;;) {
        if (p >= end)
            return ens__lex_fail_at(lx, end);
        if (*p == '"')
            break;
        if (*p == '\\') {
            uint32_t cp;
            const unsigned char *next = escape(p, end, &cp);
            if (!next)
                return ens__lex_fail_at(lx, p);
            d += utf8_put(d, cp);
            p = next;
            if (p < end && *p == '\\')
                continue; /* escapes in a row: \u8fb9\u7f18 */
        } else if (*p >= 0x80) {
            /* A run of UTF-8 sequences, checked one by one, then copied. */
            const unsigned char *run = p;
            size_t i = 0, n;
            do {
                size_t k = ens__utf8_seq(p, (size_t)(end - p));
                if (k == 0)
                    return ens__lex_fail_at(lx, p);
                p += k;
            } while (p < end && *p >= 0x80);
            n = (size_t)(p - run);
            for (; i < n && (size_t)(end - run) - i >= 8; i += 8) /* 8 at a time: the room allows it */
                memcpy(d + i, run + i, 8);
            for (; i < n; i++)
                d[i] = (char)run[i];
            d += n;
        } else {
            return ens__lex_fail_at(lx, p); /* a control character */
        }
        p = ens__scan_text_copy(p, end, d, &d);
    }
    *len = (size_t)(d - dst);
    return p + 1;
}

size_t ens__lex_decode(const unsigned char *quote, const unsigned char *end, char *dst, size_t cap,
                       const unsigned char **after)
{
    const unsigned char *p = quote + 1;
    size_t len = 0;

    for (;;) {
        const unsigned char *run = p;
        uint32_t cp;
        p = ens__scan_quote(p, end);
        if (p >= end || (size_t)(p - run) > cap - len)
            return SIZE_MAX;
        memcpy(dst + len, run, (size_t)(p - run));
        len += (size_t)(p - run);
        if (*p == '"') {
            if (after)
                *after = p + 1;
            return len;
        }
        p = escape(p, end, &cp);
        if (!p || utf8_len(cp) > cap - len)
            return SIZE_MAX;
        len += utf8_put(dst + len, cp);
    }
}

bool ens__lex_number(ens__lex *lx, ens__lex_num *out)
{
    const unsigned char *p = lx->p, *end = lx->end;

    out->at = p;
    if (p < end && *p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return ens__lex_fail(lx, p);
    if (*p == '0') {
        if (++p < end && is_digit(*p))
            return ens__lex_fail(lx, p); /* leading zero */
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p))
            return ens__lex_fail(lx, p);
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return ens__lex_fail(lx, p);
        while (p < end && is_digit(*p))
            p++;
    }
    out->end = lx->p = p;
    return true;
}

static bool literal(ens__lex *lx, const char *word, size_t len)
{
    if ((size_t)(lx->end - lx->p) < len || memcmp(lx->p, word, len) != 0)
        return ens__lex_fail(lx, lx->p);
    lx->p += len;
    return true;
}

/* A string, number, true, false or null at lx->p. */
static bool scalar(ens__lex *lx)
{
    ens__lex_str s;
    ens__lex_num n;

    switch (*lx->p) {
    case '"': return ens__lex_string(lx, &s);
    case 't': return literal(lx, "true", 4);
    case 'f': return literal(lx, "false", 5);
    case 'n': return literal(lx, "null", 4);
    default: return ens__lex_number(lx, &n);
    }
}

bool ens__lex_skip(ens__lex *lx, size_t level)
{
    bool is_object[ENS__LEX_MAX_DEPTH];
    size_t open = 0; /* containers opened here, not yet closed */
    bool more;

    for (;;) {
        /* At a value. */
        if (level + open >= ENS__LEX_MAX_DEPTH)
            return ens__lex_fail(lx, lx->p);
        if (*lx->p == '{' || *lx->p == '[') {
            bool object = *lx->p == '{';
            if (!ens__lex_open(lx, &more))
                return false;
            if (more) {
                is_object[open++] = object;
                if (object && !ens__lex_key(lx, NULL, 0, NULL))
                    return false;
                continue;
            }
        } else if (!scalar(lx)) {
            return false;
        }
        /* After a value: close what ends here, up to the next value. */
        for (;;) {
            if (open == 0)
                return true;
            if (!ens__lex_next(lx, is_object[open - 1], &more))
                return false;
            if (more)
                break;
            open--;
        }
        if (is_object[open - 1] && !ens__lex_key(lx, NULL, 0, NULL))
            return false;
    }
}

void ens__lex_where(const ens__lex *lx, size_t *line, size_t *column)
{
    const unsigned char *stop = lx->bad ? lx->bad : lx->p;

    *line = 1;
    *column = 1;
    for (const unsigned char *p = lx->start; p < stop; p++) {
        if (*p == '\n')
            ++*line, *column = 1;
        else if ((*p & 0xC0) != 0x80)
            ++*column;
    }
}
