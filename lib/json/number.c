/* SPDX-License-Identifier: MIT */
/*
 * ens__lex_count() (see lex.h): the exact value of a JSON number, or of a
 * numeric string, when it is a non-negative integer that fits int64.
 *
 * The text is read once, character by character (a string decoded from its
 * escapes), without converting through double: 57.0, 5.7e1 and 570e-1 are
 * 57 exactly, 9007199254740993.0 is 9007199254740993, and
 * 1.00000000000000000001 is not an integer.  The value is kept as
 * v * 10^(zeros - frac + exp): v the significant digits up to the last
 * non-zero one, zeros the zeros after it, frac the digits after the point.
 */
#include "json/lex.h"

/* Beyond any input's length: counts stop growing here, which keeps the sums
 * below exact in sign (a number with 2^50 digits does not fit in memory). */
#define CAP ((int64_t)1 << 50)

typedef struct reader {
    const unsigned char *p, *end;
    bool string; /* inside a string: decode escapes, stop at the closing quote */
} reader;

#define END (-1)   /* the end of the number */
#define OTHER (-2) /* a character no number holds */

static int next(reader *r)
{
    unsigned char c;
    uint32_t cp;

    if (r->p >= r->end)
        return r->string ? OTHER : END; /* a string always ends with its quote */
    c = *r->p;
    if (!r->string) {
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
            r->p++;
            return c;
        }
        return END;
    }
    if (c == '"')
        return END;
    if (c != '\\') {
        r->p++;
        return c < 0x80 ? c : OTHER;
    }
    r->p = ens__lex_escape(r->p, r->end, &cp);
    if (!r->p) {
        r->p = r->end;
        return OTHER;
    }
    return cp < 0x80 ? (int)cp : OTHER;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

typedef struct value {
    uint64_t v;
    int64_t zeros, frac;
    bool too_big; /* v overflowed: more significant digits than an int64 holds */
} value;

static void add_digit(value *x, int d, bool fraction)
{
    if (fraction && x->frac < CAP)
        x->frac++;
    if (d == 0) {
        if (x->v && x->zeros < CAP)
            x->zeros++;
        return;
    }
    /* v = v * 10^(zeros + 1) + d */
    for (int64_t k = 0; k <= x->zeros && !x->too_big; k++) {
        if (x->v > (uint64_t)INT64_MAX / 10)
            x->too_big = true;
        x->v *= 10;
    }
    if (x->v > (uint64_t)INT64_MAX - (uint64_t)d)
        x->too_big = true;
    x->v += (uint64_t)d;
    x->zeros = 0;
}

bool ens__lex_count(const unsigned char *at, const unsigned char *end, int64_t *out)
{
    reader r = {at, end, *at == '"'};
    value x = {0, 0, 0, false};
    bool negative = false, exp_negative = false;
    int64_t exp = 0, e;
    int c;

    if (r.string)
        r.p++;
    else if (*at != '-' && !is_digit(*at))
        return false; /* not a number at all */
    c = next(&r);
    if (c == '-') {
        negative = true;
        c = next(&r);
    }
    if (!is_digit(c))
        return false;
    for (; is_digit(c); c = next(&r))
        add_digit(&x, c - '0', false);
    if (c == '.') {
        c = next(&r);
        if (!is_digit(c))
            return false;
        for (; is_digit(c); c = next(&r))
            add_digit(&x, c - '0', true);
    }
    if (c == 'e' || c == 'E') {
        c = next(&r);
        if (c == '+' || c == '-') {
            exp_negative = c == '-';
            c = next(&r);
        }
        if (!is_digit(c))
            return false;
        for (; is_digit(c); c = next(&r))
            exp = exp < CAP ? exp * 10 + (c - '0') : CAP;
    }
    if (c != END)
        return false;
    if (x.v == 0 && !x.too_big) {
        *out = 0; /* any zero: -0, 0.000, 0e99 */
        return true;
    }
    if (negative || x.too_big)
        return false;
    e = x.zeros - x.frac + (exp_negative ? -exp : exp);
    if (e < 0)
        return false; /* the last non-zero digit is a fraction */
    for (; e > 0; e--) {
        if (x.v > (uint64_t)INT64_MAX / 10)
            return false;
        x.v *= 10;
    }
    *out = (int64_t)x.v;
    return true;
}
