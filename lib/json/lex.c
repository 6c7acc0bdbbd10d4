/*
 * The JSON lexer (see lex.h for what it accepts).  Three places hold the
 * choices a faster or more lenient lexer would change, each in one function:
 * plain_run() finds the end of a run of bytes that need no check inside a
 * string, SKIPPED below says what a skipped string may hold, and
 * ens__lex_int64() says which numbers are integers.
 */
#include "json/lex.h"

#include <string.h>

#include "util/utf8.h"

/* What a string that is only skipped (a value no reader wants, and every
 * key) may hold.  As much as a string read as text, because jansson with
 * flags 0, the reference of the differential tests, refused \u0000 and
 * unpaired surrogates everywhere; ENS__LEX_ANY would skip any valid JSON. */
#define SKIPPED ENS__LEX_TEXT

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* 1 for the bytes that stand for themselves inside a string and need no
 * check: printable ASCII except '"' and '\\'.  Control characters are
 * refused; bytes >= 0x80 start a UTF-8 sequence, checked by ens__utf8_seq(). */
#define ROW16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char plain_byte[256] = {
    ROW16(0), ROW16(0),                             /* 0x00-0x1F */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2F: '"' */
    ROW16(1), ROW16(1),                             /* 0x30-0x4F */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5F: '\\' */
    ROW16(1), ROW16(1),                             /* 0x60-0x7F */
                                                    /* 0x80-0xFF: 0 */
};
#undef ROW16

/* Moves p over the bytes for which plain_byte[] is 1, eight at a time while
 * it can (the tests below tell whether any of the eight is < 0x20, '"', '\\'
 * or >= 0x80; the last bytes, and the eight that hold the stop, go one by
 * one). */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *end)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

    while (end - p >= 8) {
        uint64_t x, quote, bslash;
        memcpy(&x, p, 8);
        quote = x ^ (ones * '"');
        bslash = x ^ (ones * '\\');
        if ((x | ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash)) & highs)
            break;
        p += 8;
    }
    while (p < end && plain_byte[*p])
        p++;
    return p;
}

static size_t utf8_len(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

static size_t utf8_put(char *dst, uint32_t cp)
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

/* Four hex digits at p as a number, or -1. */
static long hex4(const unsigned char *p, const unsigned char *end)
{
    long v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d;
        if (is_digit(c))
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The escape sequence at p (a backslash inside a string): its code point in
 * *cp and the position after it, or NULL when it is not JSON (an unknown
 * escape, \u without four hex digits).  \u0000 gives 0, and a surrogate
 * escape that is not the first half of a pair gives that surrogate alone:
 * whether those may stay is the caller's policy (allowed()). */
static const unsigned char *escape(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    long hi, lo;

    if (end - p < 2)
        return NULL;
    switch (p[1]) {
    case '"': *cp = '"'; return p + 2;
    case '\\': *cp = '\\'; return p + 2;
    case '/': *cp = '/'; return p + 2;
    case 'b': *cp = '\b'; return p + 2;
    case 'f': *cp = '\f'; return p + 2;
    case 'n': *cp = '\n'; return p + 2;
    case 'r': *cp = '\r'; return p + 2;
    case 't': *cp = '\t'; return p + 2;
    case 'u': break;
    default: return NULL;
    }
    if ((hi = hex4(p + 2, end)) < 0)
        return NULL;
    *cp = (uint32_t)hi;
    if (hi < 0xD800 || hi > 0xDBFF || end - p < 12 || p[6] != '\\' || p[7] != 'u')
        return p + 6;
    lo = hex4(p + 8, end);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return p + 6; /* a high surrogate alone */
    *cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
    return p + 12;
}

/* Whether a decoded escape may stay in a string read under policy. */
static bool allowed(uint32_t cp, ens__lex_policy policy)
{
    return policy == ENS__LEX_ANY || (cp != 0 && (cp < 0xD800 || cp > 0xDFFF));
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

bool ens__lex_string(ens__lex *lx, ens__lex_policy policy, ens__lex_str *out)
{
    const unsigned char *p = lx->p + 1, *end = lx->end;
    size_t n = 0;
    bool plain = true;

    for (;;) {
        const unsigned char *run = p;
        p = plain_run(p, end);
        n += (size_t)(p - run);
        if (p >= end)
            return ens__lex_fail(lx, end);
        if (*p == '"')
            break;
        if (*p == '\\') {
            uint32_t cp;
            const unsigned char *next = escape(p, end, &cp);
            if (!next || !allowed(cp, policy))
                return ens__lex_fail(lx, p);
            n += utf8_len(cp);
            p = next;
            plain = false;
        } else {
            size_t k = *p < 0x20 ? 0 : ens__utf8_seq(p, (size_t)(end - p)); /* control character: 0 */
            if (k == 0)
                return ens__lex_fail(lx, p);
            n += k;
            p += k;
        }
    }
    out->at = lx->p;
    out->len = n;
    out->plain = plain;
    lx->p = p + 1;
    return true;
}

size_t ens__lex_decode(const unsigned char *quote, const unsigned char *end, char *dst, size_t cap,
                       const unsigned char **after)
{
    const unsigned char *p = quote + 1;
    size_t len = 0;

    for (;;) {
        const unsigned char *run = p;
        uint32_t cp;
        for (p = plain_run(p, end); p < end && *p != '"' && *p != '\\';) /* UTF-8 and all: valid */
            p++;
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

bool ens__lex_digits(const unsigned char *quote, const unsigned char *end, int64_t *out)
{
    const unsigned char *p = quote + 1;
    int64_t n = 0;
    bool any = false;

    for (; p < end && *p != '"'; any = true) {
        uint32_t c = *p;
        int d;
        p = c == '\\' ? escape(p, end, &c) : p + 1;
        if (!p || c < '0' || c > '9')
            return false;
        d = (int)(c - '0');
        if (n > (INT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    if (!any || p >= end)
        return false;
    *out = n;
    return true;
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
    out->int_end = p;
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

bool ens__lex_int64(const ens__lex_num *n, int64_t *out)
{
    const unsigned char *p = n->at;
    bool negative = *p == '-';
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;

    if (n->int_end != n->end)
        return false; /* a fraction or an exponent */
    for (p += negative; p < n->int_end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    /* -v without overflow, INT64_MIN included. */
    *out = negative ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
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
    case '"': return ens__lex_string(lx, SKIPPED, &s);
    case 't': return literal(lx, "true", 4);
    case 'f': return literal(lx, "false", 5);
    case 'n': return literal(lx, "null", 4);
    default: return ens__lex_number(lx, &n);
    }
}

bool ens__lex_key(ens__lex *lx, char *buf, size_t cap, ens__lex_text *key)
{
    ens__lex_str s;

    if (*lx->p != '"')
        return ens__lex_fail(lx, lx->p);
    if (!ens__lex_string(lx, SKIPPED, &s))
        return false;
    if (key) {
        key->len = s.len;
        if (s.plain)
            key->ptr = (const char *)s.at + 1;
        else if (s.len <= cap && ens__lex_decode(s.at, lx->end, buf, cap, NULL) == s.len)
            key->ptr = buf;
        else
            key->ptr = NULL;
    }
    ens__lex_ws(lx);
    if (lx->p >= lx->end || *lx->p != ':')
        return ens__lex_fail(lx, lx->p);
    lx->p++;
    ens__lex_ws(lx);
    if (lx->p >= lx->end)
        return ens__lex_fail(lx, lx->p);
    return true;
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

bool ens__lex_skip_valid(ens__lex *lx)
{
    const unsigned char *p = lx->p, *end = lx->end;
    size_t depth = 0;

    do {
        if (p >= end)
            return false;
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\' && ++p == end)
                    return false;
            if (p++ >= end)
                return false;
        } else if (*p == '{' || *p == '[') {
            depth++, p++;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0)
                return false;
            depth--, p++;
        } else if (depth == 0) {
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' &&
                   *p != '\t')
                p++;
        } else {
            p++;
        }
    } while (depth > 0);
    lx->p = p;
    return true;
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
