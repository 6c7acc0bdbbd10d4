/* SPDX-License-Identifier: MIT */
/*
 * Internal: the byte scanning under the JSON lexer (lex.h), sixteen bytes at
 * a time with SSE2 where the compiler targets it, eight at a time in portable
 * C everywhere else.  Both find the same byte; the portable one is always
 * compiled and the tests run the parser through each (ens__scan_portable).
 *
 * - ens__scan_text(): the first byte of a run of string bytes that is not
 *   plain text: '"', '\\', a control character (< 0x20) or a byte >= 0x80
 *   (the start of a UTF-8 sequence, checked by the caller);
 * - ens__scan_text_copy(): the same, copying the bytes it passes;
 * - ens__scan_quote(): the first '"' or '\\' (in a string found valid);
 * - ens__scan_count(): how many '{' and '"' bytes a buffer holds.
 */
#ifndef ENS_LIB_JSON_SCAN_H
#define ENS_LIB_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(ENS_JSON_NO_SIMD)
#include <emmintrin.h>
#define ENS__SCAN_SSE2 1
#else
#define ENS__SCAN_SSE2 0
#endif

/* The functions the hot loops are made of: inlined whatever the compiler's
 * size heuristics say (a call costs more than most of them). */
#if defined(__GNUC__)
#define ENS__INLINE static inline __attribute__((always_inline))
#else
#define ENS__INLINE static inline
#endif

/* true: the portable code runs even where SSE2 is compiled in.  A switch for
 * the tests (test_parser runs once with each); the library never sets it.
 * Set it before parsing starts, not while another thread parses. */
extern bool ens__scan_portable;

/* Whether the SIMD code is compiled in (and so whether ens__scan_portable
 * changes anything). */
#define ENS__SCAN_HAS_SIMD ENS__SCAN_SSE2

/* ------------------------------------------------------------------------ */
/* Portable: eight bytes in a uint64_t.  Each test below sets the high bit of
 * exactly the bytes it is about (no borrow crosses bytes: the low seven bits
 * plus a constant below 0x80 stay below 0x100), so the lowest flagged byte is
 * the first such byte in memory on a little-endian machine; elsewhere the
 * eight bytes are looked at one by one once one of them is flagged. */

#define ENS__SCAN_ONES UINT64_C(0x0101010101010101)
#define ENS__SCAN_HIGHS UINT64_C(0x8080808080808080)
#define ENS__SCAN_LOWS UINT64_C(0x7F7F7F7F7F7F7F7F)

static inline uint64_t ens__scan_load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* High bit of each byte whose low seven bits differ from c's (c < 0x80). */
static inline uint64_t ens__scan_ne7(uint64_t lo, unsigned char c)
{
    return (lo ^ (ENS__SCAN_ONES * c)) + ENS__SCAN_LOWS;
}

/* High bit of each byte that is '"', '\\', < 0x20 or >= 0x80. */
static inline uint64_t ens__scan_text_mask(uint64_t x)
{
    uint64_t lo = x & ENS__SCAN_LOWS;
    uint64_t plain = (lo + ENS__SCAN_ONES * (0x80 - 0x20)) & ens__scan_ne7(lo, '"') & ens__scan_ne7(lo, '\\') & ~x;
    return ~plain & ENS__SCAN_HIGHS;
}

/* High bit of each byte that is '"' or '\\'. */
static inline uint64_t ens__scan_quote_mask(uint64_t x)
{
    uint64_t lo = x & ENS__SCAN_LOWS;
    return ~(ens__scan_ne7(lo, '"') & ens__scan_ne7(lo, '\\')) & ~x & ENS__SCAN_HIGHS;
}

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    defined(__GNUC__)
#define ENS__SCAN_FIRST_FLAGGED(p, mask) ((p) + ((unsigned)__builtin_ctzll(mask) >> 3))
#else
#define ENS__SCAN_FIRST_FLAGGED(p, mask) (p) /* then one byte at a time */
#endif

#if ENS__SCAN_SSE2
#if defined(__GNUC__)
#define ENS__SCAN_CTZ(m) ((unsigned)__builtin_ctz(m))
#else
static inline unsigned ens__scan_ctz(unsigned m)
{
    unsigned n = 0;
    while (!(m & 1u))
        m >>= 1, n++;
    return n;
}
#define ENS__SCAN_CTZ(m) ens__scan_ctz(m)
#endif

/* Bit i set when byte i of v is '"', '\\', < 0x20 or >= 0x80 (a signed
 * compare: bytes >= 0x80 are negative). */
static inline unsigned ens__scan_text16(__m128i v)
{
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    __m128i c = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
}

static inline unsigned ens__scan_quote16(__m128i v)
{
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(q, b));
}
#endif

static inline bool ens__scan_is_text(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* The portable scanners, eight bytes at a time.  Where SSE2 is compiled in,
 * they run only for an input's last bytes and under ens__scan_portable, so
 * the inline functions below call them out of line (json/scan.c: no copy of
 * them at every call site); elsewhere they are inlined. */

static inline const unsigned char *ens__scan_text_c(const unsigned char *p, const unsigned char *end)
{
    for (; end - p >= 8; p += 8) {
        uint64_t m = ens__scan_text_mask(ens__scan_load64(p));
        if (m) {
            p = ENS__SCAN_FIRST_FLAGGED(p, m);
            break;
        }
    }
    while (p < end && ens__scan_is_text(*p))
        p++;
    return p;
}

static inline const unsigned char *ens__scan_quote_c(const unsigned char *p, const unsigned char *end)
{
    for (; end - p >= 8; p += 8) {
        uint64_t m = ens__scan_quote_mask(ens__scan_load64(p));
        if (m) {
            p = ENS__SCAN_FIRST_FLAGGED(p, m);
            break;
        }
    }
    while (p < end && *p != '"' && *p != '\\')
        p++;
    return p;
}

static inline const unsigned char *ens__scan_text_copy_c(const unsigned char *p, const unsigned char *end,
                                                         char *dst, char **dst_out)
{
    for (; end - p >= 8; p += 8, dst += 8) {
        uint64_t x = ens__scan_load64(p), m;
        memcpy(dst, &x, 8);
        m = ens__scan_text_mask(x);
        if (m) {
            const unsigned char *at = ENS__SCAN_FIRST_FLAGGED(p, m);
            dst += at - p;
            p = at;
            break;
        }
    }
    for (; p < end && ens__scan_is_text(*p); p++)
        *dst++ = (char)*p;
    *dst_out = dst;
    return p;
}

const unsigned char *ens__scan_text_out(const unsigned char *p, const unsigned char *end);
const unsigned char *ens__scan_quote_out(const unsigned char *p, const unsigned char *end);
const unsigned char *ens__scan_text_copy_out(const unsigned char *p, const unsigned char *end, char *dst,
                                             char **dst_out);

#if ENS__SCAN_SSE2
#define ENS__SCAN_PORTABLE(f) f##_out
#else
#define ENS__SCAN_PORTABLE(f) f##_c
#endif

/* The first byte of [p, end) that is '"', '\\', < 0x20 or >= 0x80; end when
 * there is none. */
ENS__INLINE const unsigned char *ens__scan_text(const unsigned char *p, const unsigned char *end)
{
#if ENS__SCAN_SSE2
    if (!ens__scan_portable) {
        for (; end - p >= 16; p += 16) {
            unsigned m = ens__scan_text16(_mm_loadu_si128((const __m128i *)(const void *)p));
            if (m)
                return p + ENS__SCAN_CTZ(m);
        }
    }
#endif
    return ENS__SCAN_PORTABLE(ens__scan_text)(p, end);
}

/* The first '"' or '\\' of [p, end); end when there is none. */
ENS__INLINE const unsigned char *ens__scan_quote(const unsigned char *p, const unsigned char *end)
{
#if ENS__SCAN_SSE2
    if (!ens__scan_portable) {
        for (; end - p >= 16; p += 16) {
            unsigned m = ens__scan_quote16(_mm_loadu_si128((const __m128i *)(const void *)p));
            if (m)
                return p + ENS__SCAN_CTZ(m);
        }
    }
#endif
    return ENS__SCAN_PORTABLE(ens__scan_quote)(p, end);
}

/* ens__scan_text() that also copies to dst the bytes it passes.  Whole
 * chunks are stored before they are looked at: up to 15 bytes past the ones
 * it passes may be written too, so dst must have room for end - p + 16
 * bytes.  *dst_out: dst moved by as many bytes as p moved. */
ENS__INLINE const unsigned char *ens__scan_text_copy(const unsigned char *p, const unsigned char *end, char *dst,
                                                    char **dst_out)
{
#if ENS__SCAN_SSE2
    if (!ens__scan_portable) {
        for (; end - p >= 16; p += 16, dst += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m;
            _mm_storeu_si128((__m128i *)(void *)dst, v);
            m = ens__scan_text16(v);
            if (m) {
                unsigned k = ENS__SCAN_CTZ(m);
                *dst_out = dst + k;
                return p + k;
            }
        }
    }
#endif
    return ENS__SCAN_PORTABLE(ens__scan_text_copy)(p, end, dst, dst_out);
}

/* The sum of the eight byte lanes of x. */
static inline size_t ens__scan_lanes(uint64_t x)
{
    const uint64_t m = UINT64_C(0x00FF00FF00FF00FF);
    x = (x & m) + (x >> 8 & m); /* four 16-bit lanes */
    return (size_t)((x * UINT64_C(0x0001000100010001)) >> 48);
}

/* The '{' and '"' bytes of [p, end), added to *braces and *quotes. */
static inline void ens__scan_count(const unsigned char *p, const unsigned char *end, size_t *braces,
                                   size_t *quotes)
{
    size_t b = 0, q = 0;
#if ENS__SCAN_SSE2
    if (!ens__scan_portable) {
        /* Each match subtracts -1 from its byte lane (two chunks: -2 at
         * most a step): at most 127 steps before the lanes are summed
         * (psadbw) and cleared. */
        const __m128i zero = _mm_setzero_si128(), brace = _mm_set1_epi8('{'), quote = _mm_set1_epi8('"');
        size_t pairs = (size_t)(end - p) / 32; /* two chunks a step: half the loop overhead */
        while (pairs) {
            size_t k = pairs < 127 ? pairs : 127;
            __m128i cb = zero, cq = zero, sb, sq;
            for (pairs -= k; k; k--, p += 32) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
                __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
                cb = _mm_sub_epi8(cb, _mm_add_epi8(_mm_cmpeq_epi8(v, brace), _mm_cmpeq_epi8(w, brace)));
                cq = _mm_sub_epi8(cq, _mm_add_epi8(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(w, quote)));
            }
            sb = _mm_sad_epu8(cb, zero);
            sq = _mm_sad_epu8(cq, zero);
            b += (size_t)_mm_cvtsi128_si32(sb) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sb, 8));
            q += (size_t)_mm_cvtsi128_si32(sq) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sq, 8));
        }
    }
#endif
    /* The same in the eight byte lanes of a uint64_t. */
    while (end - p >= 8) {
        uint64_t cb = 0, cq = 0;
        for (int k = 0; k < 255 && end - p >= 8; k++, p += 8) {
            uint64_t x = ens__scan_load64(p), lo = x & ENS__SCAN_LOWS, ascii = ~x & ENS__SCAN_HIGHS;
            cb += (~ens__scan_ne7(lo, '{') & ascii) >> 7;
            cq += (~ens__scan_ne7(lo, '"') & ascii) >> 7;
        }
        b += ens__scan_lanes(cb);
        q += ens__scan_lanes(cq);
    }
    for (; p < end; p++) {
        b += *p == '{';
        q += *p == '"';
    }
    *braces += b;
    *quotes += q;
}

#endif
