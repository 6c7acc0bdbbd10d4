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
 *             if (!ens__lex_string(&lx, ENS__LEX_TEXT, &value))
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
 * What it accepts is what jansson 2.14 accepted with flags 0 (the library's
 * earlier parser, kept as the reference of the differential tests):
 * - the top level is an object or an array, with only whitespace (space, tab,
 *   CR, LF) around it; the input ends where its length says, and a NUL byte
 *   outside a string is refused like any other stray byte;
 * - strings: strict UTF-8 (ens__utf8_seq: no overlong form, no surrogate,
 *   nothing above U+10FFFF, no truncated sequence), no raw control character,
 *   the escapes \" \\ \/ \b \f \n \r \t and \uXXXX with surrogate pairs; a
 *   string read as text (ENS__LEX_TEXT) may not hold \u0000 or an unpaired
 *   surrogate, since it becomes a C string of UTF-8;
 * - numbers per the JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 *   converted only on request (ens__lex_int64), so a number of any size is
 *   valid JSON;
 * - true, false, null; no value inside more than ENS__LEX_MAX_DEPTH - 1
 *   arrays/objects (jansson's depth limit).
 *
 * Every function that reads moves lx->p past what it read and returns false
 * when the input is not JSON, recording the first place where it stopped
 * being JSON in lx->bad (ens__lex_where()).  None reads past lx->end.
 */
#ifndef ENS_LIB_JSON_LEX_H
#define ENS_LIB_JSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
} ens__lex_str;

/* A validated number token: at[0..int_end) is the sign and the integer
 * digits, int_end[0..end) the fraction and exponent (empty for an integer). */
typedef struct ens__lex_num {
    const unsigned char *at;
    const unsigned char *int_end;
    const unsigned char *end;
} ens__lex_num;

/* A decoded key: ptr[0..len), not NUL-terminated. */
typedef struct ens__lex_text {
    const char *ptr; /* NULL: longer than the caller's buffer (then it matches no name that fits there) */
    size_t len;
} ens__lex_text;

/* What a string may hold, for ens__lex_string(). */
typedef enum ens__lex_policy {
    ENS__LEX_TEXT, /* read as a C string: no \u0000, no unpaired surrogate escape */
    ENS__LEX_ANY   /* anything JSON allows */
} ens__lex_policy;

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

static inline void ens__lex_ws(ens__lex *lx)
{
    const unsigned char *p = lx->p, *end = lx->end;
    while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    lx->p = p;
}

/* At '{' or '[' (the caller has looked): consumes it.  *more is false when
 * the container is empty (its closing bracket consumed too); otherwise lx->p
 * is at its first key or element. */
static inline bool ens__lex_open(ens__lex *lx, bool *more)
{
    unsigned char close = *lx->p == '{' ? '}' : ']';
    lx->p++;
    ens__lex_ws(lx);
    if (lx->p >= lx->end)
        return ens__lex_fail(lx, lx->p);
    *more = *lx->p != close;
    if (!*more)
        lx->p++;
    return true;
}

/* After a member (object) or an element: ',' then *more, lx->p at the next
 * key or element; or the closing bracket, consumed, and !*more. */
static inline bool ens__lex_next(ens__lex *lx, bool object, bool *more)
{
    ens__lex_ws(lx);
    if (lx->p < lx->end && *lx->p == ',') {
        lx->p++;
        ens__lex_ws(lx);
        if (lx->p >= lx->end)
            return ens__lex_fail(lx, lx->p);
        *more = true;
        return true;
    }
    if (lx->p < lx->end && *lx->p == (object ? '}' : ']')) {
        lx->p++;
        *more = false;
        return true;
    }
    return ens__lex_fail(lx, lx->p);
}

/* Skips whitespace and checks that a document starts here: lx->p at its
 * '{' or '['. */
bool ens__lex_begin(ens__lex *lx);

/* Skips whitespace and checks that the input ends there. */
bool ens__lex_finish(ens__lex *lx);

/* A member's key and the ':' after it; lx->p then at the value.  key (may be
 * NULL when the member is skipped anyway) receives the decoded key: in the
 * input when it has no escape, else decoded into buf (cap bytes), else NULL. */
bool ens__lex_key(ens__lex *lx, char *buf, size_t cap, ens__lex_text *key);

/* Validates the string at lx->p (the caller has seen the '"'), under policy,
 * and moves past it; *out describes it. */
bool ens__lex_string(ens__lex *lx, ens__lex_policy policy, ens__lex_str *out);

/* Decodes the string validated by ens__lex_string() whose opening quote is
 * at `quote` into dst (room for cap bytes, no NUL added); returns its length,
 * or SIZE_MAX when it does not fit (or is not a valid string after all).
 * *after (may be NULL): the position past its closing quote. */
size_t ens__lex_decode(const unsigned char *quote, const unsigned char *end, char *dst, size_t cap,
                       const unsigned char **after);

/* The value of a validated string (opening quote at `quote`) made of ASCII
 * digits only, decoded (so "\u0031" is a digit), not empty, that fits int64;
 * false for any other string. */
bool ens__lex_digits(const unsigned char *quote, const unsigned char *end, int64_t *out);

/* Validates the number at lx->p and moves past it. */
bool ens__lex_number(ens__lex *lx, ens__lex_num *out);

/* The value of a validated number when it is an integer that fits int64:
 * today one written without fraction or exponent ("-0" is 0). */
bool ens__lex_int64(const ens__lex_num *n, int64_t *out);

/* Validates one value of any kind at lx->p, which sits inside `level` open
 * containers, and moves past it.  Iterative (a fixed stack of
 * ENS__LEX_MAX_DEPTH bytes): nesting costs no C stack. */
bool ens__lex_skip(ens__lex *lx, size_t level);

/* Moves past the value at lx->p, which an earlier ens__lex_skip() or reader
 * found valid, without checking it again (false, defensively, when it turns
 * out to run past the end). */
bool ens__lex_skip_valid(ens__lex *lx);

/* 1-based line and column (in characters) of lx->bad, or of lx->p when
 * nothing failed. */
void ens__lex_where(const ens__lex *lx, size_t *line, size_t *column);

#endif
