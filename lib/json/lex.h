/* SPDX-License-Identifier: MIT */
/*
 * Internal: a JSON lexer over a length-delimited buffer.  It allocates
 * nothing, copies nothing but what a caller asks it to decode, and builds no
 * tree: a reader walks a document token by token, keeps what it wants and
 * skips the rest.  The page parser (page.c) is one such reader; a reader of a
 * flat object of strings looks like this:
 *
 *     ens__lex lx;
 *     bool more;
 *     ens__lex_init(&lx, body, len);
 *     if (!ens__lex_begin(&lx) || *lx.p != '{' || !ens__lex_open(&lx, &more))
 *         return not_json;
 *     while (more) {
 *         char buf[32];
 *         ens__lex_text key;
 *         ens__lex_str value;
 *         if (!ens__lex_key(&lx, buf, sizeof(buf), &key))
 *             return not_json;
 *         if (is_wanted(key) && *lx.p == '"') {
 *             if (!ens__lex_string(&lx, &value))
 *                 return not_json;
 *             dst = allocate(value.len + 1);   (wiped memory for a secret)
 *             ens__lex_decode(value.at, lx.end, dst, value.len, NULL);
 *             dst[value.len] = '\0';
 *         } else if (!ens__lex_skip(&lx, 1)) {
 *             return not_json;
 *         }
 *         if (!ens__lex_next(&lx, true, &more))
 *             return not_json;
 *     }
 *     if (!ens__lex_finish(&lx))
 *         return not_json;
 *
 * What it accepts is JSON (RFC 8259), with jansson's depth limit:
 * - the top level is an object or an array, with only whitespace (space, tab,
 *   CR, LF) around it; the input ends where its length says, and a NUL byte
 *   outside a string is refused like any other stray byte;
 * - strings: strict UTF-8 (ens__utf8_seq: no overlong form, no surrogate,
 *   nothing above U+10FFFF, no truncated sequence), no raw control character,
 *   the escapes \" \\ \/ \b \f \n \r \t and \uXXXX.  Every \uXXXX is valid,
 *   \u0000 and unpaired surrogates included; decoded, a string is always
 *   UTF-8 that C can hold: \u0000 and each unpaired surrogate escape become
 *   U+FFFD (EF BF BD), a surrogate pair the character it encodes;
 * - numbers per the JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 *   converted only on request (ens__lex_count), so a number of any size is
 *   valid JSON;
 * - true, false, null; no value inside more than ENS__LEX_MAX_DEPTH - 1
 *   arrays/objects (jansson's depth limit).
 *
 * Every function that reads moves lx->p past what it read and returns false
 * when the input is not JSON, recording the first place where it stopped
 * being JSON in lx->bad (ens__lex_where()).  None reads past lx->end.  The
 * common cases (a string without escape, whitespace, separators) are inline
 * here; escapes, non-ASCII text and errors go to lex.c.
 */
#ifndef ENS_LIB_JSON_LEX_H
#define ENS_LIB_JSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/scan.h"

/* jansson's JSON_PARSER_MAX_DEPTH: a value inside ENS__LEX_MAX_DEPTH open
 * arrays or objects is refused (so the innermost container may be at that
 * depth only if it is empty). */
#define ENS__LEX_MAX_DEPTH 2048

typedef struct ens__lex {
    const unsigned char *p;     /* next byte */
    const unsigned char *end;   /* one past the input */
    const unsigned char *start; /* the input, for error positions */
    const unsigned char *bad;   /* where the input stopped being JSON; NULL so far */
} ens__lex;

/* A validated string token. */
typedef struct ens__lex_str {
    const unsigned char *at; /* its opening quote */
    size_t len;              /* its decoded length in bytes */
    bool plain;              /* no escape: at[1..len] is its value */
    bool replaced;           /* a \u0000 or an unpaired surrogate escape decodes to U+FFFD
                                (readers of secrets refuse such a value: it is not what was sent) */
} ens__lex_str;

/* A validated number token: at[0..end). */
typedef struct ens__lex_num {
    const unsigned char *at;
    const unsigned char *end;
} ens__lex_num;

/* A decoded key: ptr[0..len), not NUL-terminated. */
typedef struct ens__lex_text {
    const char *ptr; /* NULL: longer than the caller's buffer (then it matches no name that fits there) */
    size_t len;
} ens__lex_text;

static inline void ens__lex_init(ens__lex *lx, const char *buf, size_t len)
{
    const unsigned char *b = (const unsigned char *)(buf ? buf : "");
    lx->p = lx->start = b;
    lx->end = b + len;
    lx->bad = NULL;
}

/* Records that the input stopped being JSON at `at` (the first call wins);
 * returns false. */
static inline bool ens__lex_fail(ens__lex *lx, const unsigned char *at)
{
    if (!lx->bad)
        lx->bad = at;
    return false;
}

static inline bool ens__lex_is_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* The hot functions below come in two forms: ens__lex_*_at() take the
 * position in p and return the new one (NULL when the input is not JSON,
 * lx->bad then set), so that a reader keeps it in a register, as compact
 * JSON is a token every few bytes; the others read and move lx->p. */

/* The first byte at or after p that is not whitespace. */
ENS__INLINE const unsigned char *ens__lex_ws_at(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p <= ' ')
        while (p < end && ens__lex_is_ws(*p))
            p++;
    return p;
}

static inline void ens__lex_ws(ens__lex *lx) { lx->p = ens__lex_ws_at(lx->p, lx->end); }

/* ens__lex_fail() that returns NULL. */
static inline const unsigned char *ens__lex_fail_at(ens__lex *lx, const unsigned char *at)
{
    ens__lex_fail(lx, at);
    return NULL;
}

/* p at '{' or '[' (the caller has looked): consumes it.  *more is false when
 * the container is empty (its closing bracket consumed too); otherwise the
 * position returned is its first key or element. */
ENS__INLINE const unsigned char *ens__lex_open_at(ens__lex *lx, const unsigned char *p, bool *more)
{
    unsigned char close = *p == '{' ? '}' : ']';
    p = ens__lex_ws_at(p + 1, lx->end);
    if (p >= lx->end)
        return ens__lex_fail_at(lx, p);
    *more = *p != close;
    return *more ? p : p + 1;
}

static inline bool ens__lex_open(ens__lex *lx, bool *more)
{
    const unsigned char *p = ens__lex_open_at(lx, lx->p, more);
    return p ? (lx->p = p, true) : false;
}

/* After a member (object) or an element: ',' then *more, at the next key or
 * element; or the closing bracket, consumed, and !*more. */
ENS__INLINE const unsigned char *ens__lex_next_at(ens__lex *lx, const unsigned char *p, bool object, bool *more)
{
    const unsigned char *end = lx->end;
    if (end - p >= 2 && p[1] > ' ') { /* compact JSON: no whitespace to skip */
        if (*p == ',') {
            *more = true;
            return p + 1;
        }
        if (*p == (object ? '}' : ']')) {
            *more = false;
            return p + 1;
        }
    }
    p = ens__lex_ws_at(p, end);
    if (p < end && *p == ',') {
        p = ens__lex_ws_at(p + 1, end);
        if (p >= end)
            return ens__lex_fail_at(lx, p);
        *more = true;
        return p;
    }
    if (p < end && *p == (object ? '}' : ']')) {
        *more = false;
        return p + 1;
    }
    return ens__lex_fail_at(lx, p);
}

static inline bool ens__lex_next(ens__lex *lx, bool object, bool *more)
{
    const unsigned char *p = ens__lex_next_at(lx, lx->p, object, more);
    return p ? (lx->p = p, true) : false;
}

/* Skips whitespace and checks that a document starts here: lx->p at its
 * '{' or '['. */
bool ens__lex_begin(ens__lex *lx);

/* Skips whitespace and checks that the input ends there. */
bool ens__lex_finish(ens__lex *lx);

/* ens__lex_string() from `stop`, the first byte of the string at lx->p that
 * is not plain text: escapes, UTF-8, the errors. */
bool ens__lex_string_rest(ens__lex *lx, const unsigned char *stop, ens__lex_str *out);

/* Validates the string at p (the caller has seen the '"'); *out describes
 * it.  Returns the position past it. */
ENS__INLINE const unsigned char *ens__lex_string_at(ens__lex *lx, const unsigned char *p, ens__lex_str *out)
{
    const unsigned char *q = ens__scan_text(p + 1, lx->end);
    if (q < lx->end && *q == '"') {
        out->at = p;
        out->len = (size_t)(q - p) - 1;
        out->plain = true;
        out->replaced = false;
        return q + 1;
    }
    lx->p = p;
    return ens__lex_string_rest(lx, q, out) ? lx->p : NULL;
}

static inline bool ens__lex_string(ens__lex *lx, ens__lex_str *out)
{
    const unsigned char *p = ens__lex_string_at(lx, lx->p, out);
    return p ? (lx->p = p, true) : false;
}

/* Decodes the string validated by ens__lex_string() whose opening quote is
 * at `quote` into dst (room for cap bytes, no NUL added); returns its length,
 * or SIZE_MAX when it does not fit (or is not a valid string after all).
 * *after (may be NULL): the position past its closing quote. */
size_t ens__lex_decode(const unsigned char *quote, const unsigned char *end, char *dst, size_t cap,
                       const unsigned char **after);

/* After a key: the ':' and the whitespace around it; returns the position
 * of the value. */
ENS__INLINE const unsigned char *ens__lex_colon_at(ens__lex *lx, const unsigned char *p)
{
    const unsigned char *end = lx->end;
    if (end - p >= 2 && *p == ':' && p[1] > ' ')
        return p + 1; /* compact JSON */
    if (p >= end || *p != ':') {
        p = ens__lex_ws_at(p, end);
        if (p >= end || *p != ':')
            return ens__lex_fail_at(lx, p);
    }
    p = ens__lex_ws_at(p + 1, end);
    return p < end ? p : ens__lex_fail_at(lx, p);
}

/* A member's key at p and the ':' after it; returns the position of the
 * value.  key (may be NULL when the member is skipped anyway) receives the
 * decoded key: in the input when it has no escape, else decoded into buf
 * (cap bytes), else NULL. */
ENS__INLINE const unsigned char *ens__lex_key_at(ens__lex *lx, const unsigned char *p, char *buf, size_t cap,
                                                   ens__lex_text *key)
{
    const unsigned char *end = lx->end;
    ens__lex_str s;

    if (*p != '"')
        return ens__lex_fail_at(lx, p);
    if (!(p = ens__lex_string_at(lx, p, &s)))
        return NULL;
    if (key) {
        key->len = s.len;
        if (s.plain)
            key->ptr = (const char *)s.at + 1;
        else if (s.len <= cap && ens__lex_decode(s.at, end, buf, cap, NULL) == s.len)
            key->ptr = buf;
        else
            key->ptr = NULL;
    }
    return ens__lex_colon_at(lx, p);
}

static inline bool ens__lex_key(ens__lex *lx, char *buf, size_t cap, ens__lex_text *key)
{
    const unsigned char *p = ens__lex_key_at(lx, lx->p, buf, cap, key);
    return p ? (lx->p = p, true) : false;
}

/* Room ens__lex_take_at() may use past the bytes of the string it decodes. */
#define ENS__LEX_TAKE_SLACK 16

/* ens__lex_take_at() from `stop`, the first byte of the string that is not
 * plain text, d the byte of dst that corresponds to it. */
const unsigned char *ens__lex_take_rest(ens__lex *lx, const unsigned char *stop, char *dst, char *d, size_t *len);

/* Validates the string at p, as ens__lex_string_at() does, and decodes it
 * into dst: *len receives its decoded length (no NUL added).  dst must have
 * room for lx->end - p + ENS__LEX_TAKE_SLACK bytes: whole chunks are copied,
 * and a decoded string is never longer than it is in the input. */
ENS__INLINE const unsigned char *ens__lex_take_at(ens__lex *lx, const unsigned char *p, char *dst, size_t *len)
{
    char *d;
    const unsigned char *q = ens__scan_text_copy(p + 1, lx->end, dst, &d);
    if (q < lx->end && *q == '"') {
        *len = (size_t)(d - dst);
        return q + 1;
    }
    return ens__lex_take_rest(lx, q, dst, d, len);
}

/* The escape sequence at p (a backslash inside a string): its code point in
 * *cp, with \u0000 and an unpaired surrogate escape as U+FFFD, and the
 * position after it; NULL when it is not JSON (an unknown escape, \u without
 * four hex digits). */
const unsigned char *ens__lex_escape(const unsigned char *p, const unsigned char *end, uint32_t *cp);

/* Validates the number at lx->p and moves past it. */
bool ens__lex_number(ens__lex *lx, ens__lex_num *out);

/* The value at `at`, a number or a string an earlier pass found valid, when
 * it is an exact non-negative integer that fits int64 (json/number.c):
 * - a number: any JSON number with such a value (57, 57.0, 5.7e1, 570e-1,
 *   -0, 0e9); not 57.5, -1, 1e19;
 * - a string: its decoded text is such a number, except that the integer
 *   part may have leading zeros ("007"); nothing else (no space, no '+', not
 *   empty).
 * false otherwise (also for any other JSON value). */
bool ens__lex_count(const unsigned char *at, const unsigned char *end, int64_t *out);

/* Validates one value of any kind at lx->p, which sits inside `level` open
 * containers, and moves past it.  Iterative (a fixed stack of
 * ENS__LEX_MAX_DEPTH bytes): nesting costs no C stack. */
bool ens__lex_skip(ens__lex *lx, size_t level);

/* 1-based line and column (in characters) of lx->bad, or of lx->p when
 * nothing failed. */
void ens__lex_where(const ens__lex *lx, size_t *line, size_t *column);

#endif
