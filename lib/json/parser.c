/*
 * Response bodies: DescribeNetworkPeerConnections success pages and service
 * error documents.
 *
 * Success pages (ens_describe_response_parse) are read by a scanner over the
 * body bytes, in two passes, without building a tree:
 * - Pass 1 (check_*) validates the whole document as JSON, exactly as strict
 *   as jansson with flags 0 was: input length-delimited, top level an object,
 *   strict UTF-8 (no overlong forms, no UTF-16 surrogates, nothing above
 *   U+10FFFF, no truncated sequence), no raw control character inside
 *   strings, the escapes \" \\ \/ \b \f \n \r \t \uXXXX with surrogate pairs
 *   (an unpaired surrogate is an error), "\u0000" refused (in keys too: every
 *   string handed out is a proper C string), numbers per the JSON grammar,
 *   nothing but whitespace after the document, and no value inside more than
 *   2047 arrays/objects (jansson's depth limit: see MAX_DEPTH).  Keys are
 *   compared decoded, so "Na\u006de" is "Name".  Unknown members, at any
 *   depth, are validated and skipped without recursion (skip_value()).
 *   For each field the response reads, pass 1 keeps the JSON type of its
 *   last occurrence in its object (duplicate keys: the last one wins, at every
 *   level), and it adds up the bytes pass 2 will write.  A type error is
 *   reported only once the whole body is known to be JSON (a body that is
 *   not JSON always says so), and the first one in the order the fields are
 *   laid out: RequestId, PageNumber, PageSize, TotalCount, NetworkPeerConnects,
 *   then connection by connection its text fields, Network, AcceptingNetwork.
 * - Pass 2 (fill_*) walks the now valid document again and decodes every
 *   string straight into ONE block holding the ens_describe_response, the
 *   connection array, the Ipv4Cidrs pointer arrays and every string (see
 *   ens__layout in parser.h), connection fields in document order: a later
 *   occurrence of a key overrides an earlier one, whose bytes stay unused in
 *   the block (pass 1 counted them).  ens_describe_response_free frees that
 *   block: one allocation per page, whatever the number of connections.
 * - Missing and null fields give NULL / -1 / present=false / count 0; unknown
 *   fields are ignored.  A field of the wrong JSON type is ENS_EPARSE and the
 *   description names its path, e.g.
 *   "NetworkPeerConnects[3].Network.Ipv4Cidrs[0] is not a string".
 * - An entry of NetworkPeerConnects or of Ipv4Cidrs that is null is a parse
 *   error like any other non-object / non-string entry: the arrays handed out
 *   never contain NULL entries.
 * - PageNumber, PageSize, TotalCount: a JSON integer >= 0 (also -0), or a
 *   string of ASCII digits only (no sign, no space, not empty) whose value
 *   fits int64.  Anything else (negative, real, boolean, other text, beyond
 *   int64) is ENS_EPARSE "<Field> is not a non-negative integer".
 * - Numbers are converted only in those three fields.  (With jansson, a
 *   number beyond int64 or double anywhere failed the whole document with
 *   "number too large" and no field name; now such a number in one of the
 *   three fields names the field, and elsewhere it is skipped like any other
 *   unknown value.)
 * - A raw NUL byte outside a string is refused wherever it is.  (jansson 2.14
 *   silently dropped one that directly followed a number or true/false/null.)
 * - Strings are handed out decoded from their JSON escapes and otherwise byte
 *   for byte as sent: no trimming, no re-encoding.
 * - An empty array (NetworkPeerConnects or Ipv4Cidrs) gives a NULL pointer
 *   and a count of 0, like an absent one.
 *
 * Error documents (ens__parse_error_body) are rare and small: jansson reads
 * them.
 */
#include "json/parser.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/utctime.h"
#include "util/utf8.h"

/* ----------------------------------------------------------------------- */
/* Status names and times                                                  */

ENS_EXTERN const char *ens_peer_status_name(ens_peer_status status)
{
    switch (status) {
    case ENS_PEER_STATUS_CREATING: return "Creating";
    case ENS_PEER_STATUS_ACTIVATED: return "Activated";
    case ENS_PEER_STATUS_DELETING: return "Deleting";
    case ENS_PEER_STATUS_UNKNOWN: break;
    }
    return "Unknown";
}

ens_peer_status ens__peer_status_from_text(const char *s)
{
    if (!s)
        return ENS_PEER_STATUS_UNKNOWN;
    if (strcmp(s, "Creating") == 0)
        return ENS_PEER_STATUS_CREATING;
    if (strcmp(s, "Activated") == 0)
        return ENS_PEER_STATUS_ACTIVATED;
    if (strcmp(s, "Deleting") == 0)
        return ENS_PEER_STATUS_DELETING;
    return ENS_PEER_STATUS_UNKNOWN;
}

/* ----------------------------------------------------------------------- */
/* Success pages: JSON scanning                                            */

/* jansson's JSON_PARSER_MAX_DEPTH: a value inside MAX_DEPTH open arrays or
 * objects is refused (so the innermost container may be at depth MAX_DEPTH
 * only if it is empty). */
#define MAX_DEPTH 2048

typedef struct scan {
    const unsigned char *p;     /* next byte */
    const unsigned char *end;   /* one past the body */
    const unsigned char *start; /* the body, for error positions */
    const unsigned char *bad;   /* where the body stopped being JSON; NULL so far */
} scan;

static bool fail(scan *s, const unsigned char *at)
{
    if (!s->bad)
        s->bad = at;
    return false;
}

static void skip_ws(scan *s)
{
    while (s->p < s->end && *s->p <= ' ' && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

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
 * *cp and the position after it, or NULL when it is not valid: an unknown
 * escape, \u without four hex digits, an unpaired surrogate, or \u0000.
 * Both passes decode escapes with this one function. */
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
    hi = hex4(p + 2, end);
    if (hi <= 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) /* not hex, \u0000, or a lone low surrogate */
        return NULL;
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = (uint32_t)hi;
        return p + 6;
    }
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
        return NULL;
    lo = hex4(p + 8, end);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return NULL;
    *cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
    return p + 12;
}

/* Validates the string whose opening quote is at s->p and moves past it.
 * *len: its decoded length; *plain: true when it holds no escape (then its
 * bytes are its value). */
static bool str_scan(scan *s, size_t *len, bool *plain)
{
    const unsigned char *p = s->p + 1, *end = s->end;
    size_t n = 0;

    *plain = true;
    for (;;) {
        const unsigned char *run = p;
        p = plain_run(p, end);
        n += (size_t)(p - run);
        if (p >= end)
            return fail(s, end);
        if (*p == '"')
            break;
        if (*p == '\\') {
            uint32_t cp;
            const unsigned char *next = escape(p, end, &cp);
            if (!next)
                return fail(s, p);
            n += utf8_len(cp);
            p = next;
            *plain = false;
        } else {
            size_t k = *p < 0x20 ? 0 : ens__utf8_seq(p, (size_t)(end - p)); /* control character: 0 */
            if (k == 0)
                return fail(s, p);
            n += k;
            p += k;
        }
    }
    s->p = p + 1;
    *len = n;
    return true;
}

/* Decodes a string already validated by str_scan() (opening quote at p) into
 * dst, which has room for cap bytes; returns its length, or SIZE_MAX if it
 * does not fit (or, defensively, is not valid after all).  *after: the
 * position past the closing quote. */
static size_t str_decode(const unsigned char *p, const unsigned char *end, char *dst, size_t cap,
                         const unsigned char **after)
{
    size_t len = 0;

    for (p++;;) {
        const unsigned char *run = p;
        uint32_t cp;
        for (p = plain_run(p, end); p < end && *p != '"' && *p != '\\';) /* UTF-8 and all: valid */
            p++;
        if (p >= end || (size_t)(p - run) > cap - len)
            return SIZE_MAX;
        memcpy(dst + len, run, (size_t)(p - run));
        len += (size_t)(p - run);
        if (*p == '"') {
            *after = p + 1;
            return len;
        }
        p = escape(p, end, &cp);
        if (!p || utf8_len(cp) > cap - len)
            return SIZE_MAX;
        len += utf8_put(dst + len, cp);
    }
}

/* The value of a validated string (opening quote at p) made of ASCII digits
 * only, not empty, that fits int64; false for any other string. */
static bool str_digits(const unsigned char *p, const unsigned char *end, int64_t *out)
{
    int64_t n = 0;
    bool any = false;

    for (p++; p < end && *p != '"'; any = true) {
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

typedef struct number {
    bool integer;  /* no fraction, no exponent */
    bool negative; /* a minus sign */
    bool too_big;  /* integer part beyond INT64_MAX */
    uint64_t magnitude;
} number;

/* Validates the number at s->p (JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)
 * and moves past it. */
static bool num_scan(scan *s, number *n)
{
    const unsigned char *p = s->p, *end = s->end;

    *n = (number){true, false, false, 0};
    if (p < end && *p == '-') {
        n->negative = true;
        p++;
    }
    if (p >= end || !is_digit(*p))
        return fail(s, p);
    if (*p == '0') {
        if (++p < end && is_digit(*p))
            return fail(s, p); /* leading zero */
    } else {
        for (; p < end && is_digit(*p); p++) {
            unsigned d = (unsigned)(*p - '0');
            if (n->magnitude > ((uint64_t)INT64_MAX - d) / 10)
                n->too_big = true;
            else
                n->magnitude = n->magnitude * 10 + d;
        }
    }
    if (p < end && *p == '.') {
        n->integer = false;
        if (++p >= end || !is_digit(*p))
            return fail(s, p);
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        n->integer = false;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return fail(s, p);
        while (p < end && is_digit(*p))
            p++;
    }
    s->p = p;
    return true;
}

static bool literal(scan *s, const char *word, size_t len)
{
    if ((size_t)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
        return fail(s, s->p);
    s->p += len;
    return true;
}

/* A string, number, true, false or null at s->p. */
static bool scalar(scan *s)
{
    size_t len;
    bool plain;
    number n;

    switch (*s->p) {
    case '"': return str_scan(s, &len, &plain);
    case 't': return literal(s, "true", 4);
    case 'f': return literal(s, "false", 5);
    case 'n': return literal(s, "null", 4);
    default: return num_scan(s, &n);
    }
}

/* The keys the response reads.  A connection's text fields,
 * K_INSTANCE_ID..K_ACCEPTING_NETWORK_ID, come in the order of the fields of
 * ens_peer_connection, which is also the order of their type errors. */
enum key {
    K_OTHER = -1,
    K_REQUEST_ID,
    K_PAGE_NUMBER,
    K_PAGE_SIZE,
    K_TOTAL_COUNT,
    K_CONNECTS,
    K_INSTANCE_ID,
    K_CREATION_TIME,
    K_NAME,
    K_DESCRIPTION,
    K_ENS_REGION_ID,
    K_STATUS,
    K_NETWORK_ID,
    K_ACCEPTING_NETWORK_ID,
    K_NETWORK,
    K_ACCEPTING_NETWORK,
    K_IPV4_CIDRS,
    K_COUNT
};

#define KEY(s) {s, sizeof(s) - 1}
static const struct {
    const char *name;
    size_t len;
} key_names[K_COUNT] = {
    KEY("RequestId"),   KEY("PageNumber"),  KEY("PageSize"),  KEY("TotalCount"), KEY("NetworkPeerConnects"),
    KEY("InstanceId"),  KEY("CreationTime"), KEY("Name"),     KEY("Description"), KEY("EnsRegionId"),
    KEY("Status"),      KEY("NetworkId"),   KEY("AcceptingNetworkId"), KEY("Network"), KEY("AcceptingNetwork"),
    KEY("Ipv4Cidrs"),
};
#undef KEY
#define LONGEST_KEY (sizeof("NetworkPeerConnects") - 1)

/* The keys read in each kind of object, K_OTHER-terminated. */
static const signed char root_keys[] = {K_REQUEST_ID, K_PAGE_NUMBER, K_PAGE_SIZE, K_TOTAL_COUNT, K_CONNECTS, K_OTHER};
static const signed char conn_keys[] = {K_INSTANCE_ID, K_CREATION_TIME, K_NAME, K_DESCRIPTION, K_ENS_REGION_ID,
                                        K_STATUS, K_NETWORK_ID, K_ACCEPTING_NETWORK_ID, K_NETWORK,
                                        K_ACCEPTING_NETWORK, K_OTHER};
static const signed char network_keys[] = {K_NETWORK_ID, K_IPV4_CIDRS, K_OTHER};

static int find_key(const unsigned char *name, size_t len, const signed char *keys)
{
    for (; *keys != K_OTHER; keys++)
        if (key_names[*keys].len == len && key_names[*keys].name[0] == name[0] &&
            memcmp(key_names[*keys].name, name, len) == 0)
            return *keys;
    return K_OTHER;
}

/* Object and array syntax.  Each leaves s->p at the next value (whitespace
 * skipped, never at the end of the body) when *more is set. */

/* At '{' or '[': consumes it; *more is false when the container is empty
 * (its closing bracket consumed too). */
static bool open_container(scan *s, bool *more)
{
    unsigned char close = *s->p == '{' ? '}' : ']';
    s->p++;
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, s->p);
    *more = *s->p != close;
    if (!*more)
        s->p++;
    return true;
}

/* After a member or element: ',' (*more) or the closing bracket. */
static bool next_item(scan *s, bool object, bool *more)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == ',') {
        s->p++;
        skip_ws(s);
        if (s->p >= s->end)
            return fail(s, s->p);
        *more = true;
        return true;
    }
    if (s->p < s->end && *s->p == (object ? '}' : ']')) {
        s->p++;
        *more = false;
        return true;
    }
    return fail(s, s->p);
}

/* A member's key and the ':' after it; *key is its id in keys (NULL: none). */
static bool member_key(scan *s, const signed char *keys, int *key)
{
    const unsigned char *q = s->p;
    size_t len;
    bool plain;

    if (*q != '"')
        return fail(s, q);
    if (!str_scan(s, &len, &plain))
        return false;
    if (keys && len <= LONGEST_KEY) {
        char buf[LONGEST_KEY];
        const unsigned char *after;
        if (plain)
            *key = find_key(q + 1, len, keys);
        else
            *key = str_decode(q, s->end, buf, sizeof(buf), &after) == len
                       ? find_key((const unsigned char *)buf, len, keys)
                       : K_OTHER;
    } else if (key) {
        *key = K_OTHER;
    }
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return fail(s, s->p);
    s->p++;
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, s->p);
    return true;
}

/* Validates one value of any kind at s->p, which sits inside `level` open
 * containers, and moves past it.  Iterative: the containers it opens are kept
 * in a fixed stack, so nesting costs no C stack. */
static bool skip_value(scan *s, size_t level)
{
    bool is_object[MAX_DEPTH];
    size_t open = 0; /* containers opened here, not yet closed */
    bool more;

    for (;;) {
        /* At a value. */
        if (level + open >= MAX_DEPTH)
            return fail(s, s->p);
        if (*s->p == '{' || *s->p == '[') {
            bool object = *s->p == '{';
            if (!open_container(s, &more))
                return false;
            if (more) {
                is_object[open++] = object;
                if (object && !member_key(s, NULL, NULL))
                    return false;
                continue;
            }
        } else if (!scalar(s)) {
            return false;
        }
        /* After a value: close what ends here, up to the next value. */
        for (;;) {
            if (open == 0)
                return true;
            if (!next_item(s, is_object[open - 1], &more))
                return false;
            if (more)
                break;
            open--;
        }
        if (is_object[open - 1] && !member_key(s, NULL, NULL))
            return false;
    }
}

/* ----------------------------------------------------------------------- */
/* Success pages: pass 1, validate and measure                             */

/* What the last occurrence of a field held. */
enum { ABSENT, GOOD, WRONG }; /* missing or null / usable / wrong JSON type */

typedef struct text_field {
    unsigned char kind;
    size_t len;              /* decoded length when GOOD */
    const unsigned char *at; /* the value */
} text_field;

typedef struct count_field {
    unsigned char kind;
    int64_t value;
} count_field;

#define NO_INDEX SIZE_MAX

typedef struct cidrs_field {
    unsigned char kind;
    size_t bad; /* first entry that is not a string, or NO_INDEX */
} cidrs_field;

typedef struct network_field {
    unsigned char kind;
    text_field id;
    cidrs_field cidrs;
} network_field;

#define CONN_TEXTS (K_ACCEPTING_NETWORK_ID - K_INSTANCE_ID + 1)

typedef struct conn_fields {
    text_field text[CONN_TEXTS];
    network_field side[2]; /* Network, AcceptingNetwork */
} conn_fields;

/* What pass 2 writes for the connections: Ipv4Cidrs pointers, and string
 * bytes (each string's length + 1).  Pass 2 fills every occurrence of a field
 * in document order, the last one overriding the others, so these count every
 * occurrence: a duplicate key wastes its bytes in the block, and nothing
 * needs to find the last occurrence first.  The sums cannot overflow: a
 * string of decoded length n takes at least n + 2 bytes of the body. */
typedef struct sizes {
    size_t ptrs;
    size_t bytes;
} sizes;

/* Where a value sits, for error messages: top level, NetworkPeerConnects[conn],
 * or NetworkPeerConnects[conn].<side>. */
typedef struct where {
    bool in_conn;
    size_t conn;
    const char *side;
} where;

static const where TOP = {false, 0, NULL};

#define MSG_STRING "is not a string"
#define MSG_OBJECT "is not an object"
#define MSG_ARRAY "is not an array"
#define MSG_INT "is not a non-negative integer"

/* A type error: "<path> <problem>", the path built by wrong(). */
typedef struct fault {
    const char *problem; /* MSG_*; NULL: none */
    where at;
    const char *leaf;    /* field name; NULL for a connection itself */
    long long index;     /* array index added to leaf, or -1 */
} fault;

typedef struct list_field {
    unsigned char kind;
    const unsigned char *at; /* the '[' */
    size_t count;            /* connections */
    sizes sizes;             /* of all of them */
    fault first_fault;       /* of the first connection that has one */
} list_field;

typedef struct root_fields {
    text_field request_id;
    count_field counts[3]; /* PageNumber, PageSize, TotalCount */
    list_field list;
} root_fields;

/* A text field's value at s->p, `level` containers deep; a string adds its
 * bytes to acc (if not NULL). */
static bool check_text(scan *s, size_t level, text_field *f, sizes *acc)
{
    bool plain;
    f->at = s->p;
    if (*s->p == '"') {
        f->kind = GOOD;
        if (!str_scan(s, &f->len, &plain))
            return false;
        if (acc)
            acc->bytes += f->len + 1;
        return true;
    }
    f->kind = *s->p == 'n' ? ABSENT : WRONG; /* skip_value() makes sure 'n' is null */
    return skip_value(s, level);
}

/* PageNumber, PageSize or TotalCount at s->p (inside the root object). */
static bool check_count(scan *s, count_field *f)
{
    const unsigned char *at = s->p;
    size_t len;
    bool plain;
    number n;

    f->kind = WRONG;
    if (*at == '"') {
        if (!str_scan(s, &len, &plain))
            return false;
        if (str_digits(at, s->end, &f->value))
            f->kind = GOOD;
        return true;
    }
    if (*at == '-' || is_digit(*at)) {
        if (!num_scan(s, &n))
            return false;
        if (n.integer && !n.too_big && (!n.negative || n.magnitude == 0)) {
            f->kind = GOOD;
            f->value = (int64_t)n.magnitude;
        }
        return true;
    }
    if (*at == 'n')
        f->kind = ABSENT;
    return skip_value(s, 1);
}

/* Ipv4Cidrs at s->p (inside root, list, connection, network: 4 deep).  Pass 2
 * writes every string entry of an array, and a pointer to each. */
static bool check_cidrs(scan *s, cidrs_field *f, sizes *acc)
{
    bool more, plain;
    size_t len;

    f->bad = NO_INDEX;
    if (*s->p != '[') {
        f->kind = *s->p == 'n' ? ABSENT : WRONG;
        return skip_value(s, 4);
    }
    f->kind = GOOD;
    if (!open_container(s, &more))
        return false;
    for (size_t i = 0; more; i++) {
        if (*s->p == '"') {
            if (!str_scan(s, &len, &plain))
                return false;
            acc->ptrs++;
            acc->bytes += len + 1;
        } else {
            if (f->bad == NO_INDEX)
                f->bad = i;
            if (!skip_value(s, 5))
                return false;
        }
        if (!next_item(s, false, &more))
            return false;
    }
    return true;
}

/* Network or AcceptingNetwork at s->p (3 deep). */
static bool check_network(scan *s, network_field *f, sizes *acc)
{
    bool more;
    int key;

    memset(f, 0, sizeof(*f)); /* every field ABSENT */
    if (*s->p != '{') {
        f->kind = *s->p == 'n' ? ABSENT : WRONG;
        return skip_value(s, 3);
    }
    f->kind = GOOD;
    if (!open_container(s, &more))
        return false;
    while (more) {
        bool ok;
        if (!member_key(s, network_keys, &key))
            return false;
        if (key == K_NETWORK_ID)
            ok = check_text(s, 4, &f->id, acc);
        else if (key == K_IPV4_CIDRS)
            ok = check_cidrs(s, &f->cidrs, acc);
        else
            ok = skip_value(s, 4);
        if (!ok || !next_item(s, true, &more))
            return false;
    }
    return true;
}

/* One connection object at s->p (2 deep). */
static bool check_conn(scan *s, conn_fields *c, sizes *acc)
{
    bool more;
    int key;

    memset(c, 0, sizeof(*c)); /* every field ABSENT */
    if (!open_container(s, &more))
        return false;
    while (more) {
        bool ok;
        if (!member_key(s, conn_keys, &key))
            return false;
        if (key >= K_INSTANCE_ID && key <= K_ACCEPTING_NETWORK_ID)
            ok = check_text(s, 3, &c->text[key - K_INSTANCE_ID], acc);
        else if (key == K_NETWORK || key == K_ACCEPTING_NETWORK)
            ok = check_network(s, &c->side[key - K_NETWORK], acc);
        else
            ok = skip_value(s, 3);
        if (!ok || !next_item(s, true, &more))
            return false;
    }
    return true;
}

static bool set_fault(fault *f, size_t conn, const char *side, const char *leaf, long long index,
                      const char *problem)
{
    f->problem = problem;
    f->at = (where){true, conn, side};
    f->leaf = leaf;
    f->index = index;
    return true;
}

/* The first type error of connection i, in the order the fields are laid
 * out: its text fields, then Network, then AcceptingNetwork. */
static bool conn_fault(const conn_fields *c, size_t i, fault *f)
{
    for (size_t k = 0; k < CONN_TEXTS; k++)
        if (c->text[k].kind == WRONG)
            return set_fault(f, i, NULL, key_names[K_INSTANCE_ID + k].name, -1, MSG_STRING);
    for (size_t k = 0; k < 2; k++) {
        const network_field *n = &c->side[k];
        const char *side = key_names[K_NETWORK + k].name;
        if (n->kind == WRONG)
            return set_fault(f, i, NULL, side, -1, MSG_OBJECT);
        if (n->kind != GOOD)
            continue;
        if (n->id.kind == WRONG)
            return set_fault(f, i, side, "NetworkId", -1, MSG_STRING);
        if (n->cidrs.kind == WRONG)
            return set_fault(f, i, side, "Ipv4Cidrs", -1, MSG_ARRAY);
        if (n->cidrs.kind == GOOD && n->cidrs.bad != NO_INDEX)
            return set_fault(f, i, side, "Ipv4Cidrs", (long long)n->cidrs.bad, MSG_STRING);
    }
    return false;
}

/* NetworkPeerConnects at s->p (1 deep). */
static bool check_list(scan *s, list_field *f)
{
    list_field l = {GOOD, s->p, 0, {0, 0}, {NULL, {false, 0, NULL}, NULL, -1}};
    conn_fields c;
    bool more;

    if (*s->p != '[') {
        f->kind = *s->p == 'n' ? ABSENT : WRONG;
        return skip_value(s, 1);
    }
    if (!open_container(s, &more))
        return false;
    for (; more; l.count++) {
        if (*s->p == '{') {
            if (!check_conn(s, &c, &l.sizes))
                return false;
            if (!l.first_fault.problem)
                conn_fault(&c, l.count, &l.first_fault);
        } else {
            if (!l.first_fault.problem)
                set_fault(&l.first_fault, l.count, NULL, NULL, -1, MSG_OBJECT);
            if (!skip_value(s, 2))
                return false;
        }
        if (!next_item(s, false, &more))
            return false;
    }
    *f = l;
    return true;
}

/* The root object at s->p. */
static bool check_root(scan *s, root_fields *r)
{
    bool more;
    int key;

    memset(r, 0, sizeof(*r)); /* every field ABSENT */
    if (!open_container(s, &more))
        return false;
    while (more) {
        bool ok;
        if (!member_key(s, root_keys, &key))
            return false;
        if (key == K_REQUEST_ID)
            ok = check_text(s, 1, &r->request_id, NULL);
        else if (key >= K_PAGE_NUMBER && key <= K_TOTAL_COUNT)
            ok = check_count(s, &r->counts[key - K_PAGE_NUMBER]);
        else if (key == K_CONNECTS)
            ok = check_list(s, &r->list);
        else
            ok = skip_value(s, 1);
        if (!ok || !next_item(s, true, &more))
            return false;
    }
    return true;
}

/* The whole body; *is_object false when the top level is a (valid) array. */
static bool check_document(scan *s, root_fields *root, bool *is_object)
{
    skip_ws(s);
    if (s->p >= s->end || (*s->p != '{' && *s->p != '['))
        return fail(s, s->p);
    *is_object = *s->p == '{';
    if (!(*is_object ? check_root(s, root) : skip_value(s, 0)))
        return false;
    skip_ws(s);
    return s->p == s->end || fail(s, s->p);
}

static ens_status not_json(ens_error *err, const scan *s)
{
    size_t line = 1, column = 1; /* column in characters */
    for (const unsigned char *p = s->start; p < s->bad; p++) {
        if (*p == '\n')
            line++, column = 1;
        else if ((*p & 0xC0) != 0x80)
            column++;
    }
    return ens__error_set(err, ENS_EPARSE,
                          "response parse error: response body is not valid JSON at line %zu column %zu", line,
                          column);
}

/* ENS_EPARSE "response parse error: <path> <problem>"; index >= 0 adds "[index]" to leaf. */
static ens_status wrong(ens_error *err, const where *at, const char *leaf, long long index, const char *problem)
{
    char path[160], idx[32] = "";
    if (index >= 0)
        snprintf(idx, sizeof(idx), "[%lld]", index);
    if (!at->in_conn)
        snprintf(path, sizeof(path), "%s%s", leaf, idx);
    else if (!at->side)
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu]%s%s%s", at->conn, leaf ? "." : "",
                 leaf ? leaf : "", idx);
    else
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu].%s.%s%s", at->conn, at->side, leaf, idx);
    return ens__error_set(err, ENS_EPARSE, "response parse error: %s %s", path, problem);
}

/* The first type error: RequestId, PageNumber, PageSize, TotalCount,
 * NetworkPeerConnects, then its first connection that has one. */
static ens_status report_fault(const root_fields *r, ens_error *err)
{
    const fault *f = &r->list.first_fault;

    if (r->request_id.kind == WRONG)
        return wrong(err, &TOP, "RequestId", -1, MSG_STRING);
    for (size_t k = 0; k < 3; k++)
        if (r->counts[k].kind == WRONG)
            return wrong(err, &TOP, key_names[K_PAGE_NUMBER + k].name, -1, MSG_INT);
    if (r->list.kind == WRONG)
        return wrong(err, &TOP, "NetworkPeerConnects", -1, MSG_ARRAY);
    if (r->list.kind == GOOD && f->problem)
        return wrong(err, &f->at, f->leaf, f->index, f->problem);
    return ENS_OK;
}

/* Size of the block; *strings: where its strings start.  0 on overflow. */
static size_t measure(const root_fields *r, size_t *strings)
{
    ens__layout lay = ENS__LAYOUT_INIT;
    size_t bytes = r->request_id.kind == GOOD ? r->request_id.len + 1 : 0;

    _Static_assert(_Alignof(ens_peer_connection) % _Alignof(const char *) == 0,
                   "pointer arrays need no padding after the connection array");
    ens__layout_obj(&lay, sizeof(ens_describe_response), _Alignof(ens_describe_response));
    if (r->list.kind == GOOD && r->list.count) {
        if (r->list.count > SIZE_MAX / sizeof(ens_peer_connection))
            return 0;
        ens__layout_obj(&lay, r->list.count * sizeof(ens_peer_connection), _Alignof(ens_peer_connection));
        ens__layout_ptrs(&lay, r->list.sizes.ptrs); /* all the arrays, back to back */
        bytes += r->list.sizes.bytes;
    }
    lay.str = bytes;
    *strings = lay.obj;
    return ens__layout_total(&lay);
}

/* ----------------------------------------------------------------------- */
/* Success pages: pass 2, fill the block                                   */

/* Pass 2 reads a body that pass 1 found valid, with the fields pass 1
 * measured; it still checks every step and fails (f->broken) rather than
 * write out of the block if the two ever disagreed. */
typedef struct filler {
    scan s;          /* over the body */
    ens__layout lay; /* filling the block */
    size_t strings;  /* end of the object region, as measured */
    size_t total;    /* block size, as measured */
    bool broken;     /* pass 2 disagreed with pass 1: cannot happen */
} filler;

static void *fill_obj(filler *f, size_t size, size_t align)
{
    void *p = ens__layout_obj(&f->lay, size, align);
    if (!p || f->lay.obj > f->strings) {
        f->broken = true;
        return NULL;
    }
    return p;
}

/* Moves past the (valid) value at f->s.p. */
static void skip_valid(filler *f)
{
    const unsigned char *p = f->s.p, *end = f->s.end;
    size_t depth = 0;

    do {
        if (p >= end)
            goto broken;
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\' && ++p == end)
                    goto broken;
            if (p++ >= end)
                goto broken;
        } else if (*p == '{' || *p == '[') {
            depth++, p++;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0)
                goto broken;
            depth--, p++;
        } else if (depth == 0) {
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' &&
                   *p != '\t')
                p++;
        } else {
            p++;
        }
    } while (depth > 0);
    f->s.p = p;
    return;
broken:
    f->broken = true;
}

/* The string at f->s.p, decoded into the block; f->s.p moves past it. */
static const char *fill_string(filler *f)
{
    char *dst = f->lay.base + f->lay.str;
    size_t n = SIZE_MAX;

    if (f->lay.str < f->total)
        n = str_decode(f->s.p, f->s.end, dst, f->total - f->lay.str - 1, &f->s.p);
    if (n == SIZE_MAX) {
        f->broken = true;
        return NULL;
    }
    dst[n] = '\0';
    f->lay.str += n + 1;
    return dst;
}

/* A text field's value at f->s.p: its string in the block, or NULL (null, or
 * the wrong type in an occurrence that a later one overrides). */
static const char *fill_text(filler *f)
{
    if (*f->s.p == '"')
        return fill_string(f);
    skip_valid(f);
    return NULL;
}

/* Ipv4Cidrs at f->s.p: the strings first, then the pointers to them. */
static void fill_cidrs(filler *f, ens_network_info *dst)
{
    size_t first = f->lay.str, n = 0;
    const char **arr, *s;
    bool more = false;

    dst->ipv4_cidrs = NULL;
    dst->ipv4_cidrs_count = 0;
    if (*f->s.p != '[') {
        skip_valid(f);
        return;
    }
    if (!open_container(&f->s, &more))
        f->broken = true;
    while (more && !f->broken) {
        if (*f->s.p == '"') {
            fill_string(f);
            n++;
        } else {
            skip_valid(f);
        }
        if (!f->broken && !next_item(&f->s, false, &more))
            f->broken = true;
    }
    if (!n || f->broken || !(arr = fill_obj(f, n * sizeof(const char *), _Alignof(const char *))))
        return;
    s = f->lay.base + first;
    for (size_t j = 0; j < n; j++, s += strlen(s) + 1)
        arr[j] = s;
    dst->ipv4_cidrs = arr;
    dst->ipv4_cidrs_count = n;
}

/* Network or AcceptingNetwork at f->s.p. */
static void fill_network(filler *f, ens_network_info *dst)
{
    bool more = false;
    int key;

    memset(dst, 0, sizeof(*dst));
    if (*f->s.p != '{') {
        skip_valid(f);
        return;
    }
    dst->present = true;
    if (!open_container(&f->s, &more))
        f->broken = true;
    while (more && !f->broken) {
        if (!member_key(&f->s, network_keys, &key))
            f->broken = true;
        else if (key == K_NETWORK_ID)
            dst->network_id = fill_text(f);
        else if (key == K_IPV4_CIDRS)
            fill_cidrs(f, dst);
        else
            skip_valid(f);
        if (!f->broken && !next_item(&f->s, true, &more))
            f->broken = true;
    }
}

/* The connection object at f->s.p, its fields filled in document order (of
 * duplicate keys, the last one fills last). */
static void fill_conn(filler *f, ens_peer_connection *dst)
{
    static const size_t text_offsets[CONN_TEXTS] = {
        offsetof(ens_peer_connection, instance_id),   offsetof(ens_peer_connection, creation_time),
        offsetof(ens_peer_connection, name),          offsetof(ens_peer_connection, description),
        offsetof(ens_peer_connection, ens_region_id), offsetof(ens_peer_connection, status_text),
        offsetof(ens_peer_connection, network_id),    offsetof(ens_peer_connection, accepting_network_id),
    };
    bool more = false;
    int key;

    memset(dst, 0, sizeof(*dst));
    if (!open_container(&f->s, &more))
        f->broken = true;
    while (more && !f->broken) {
        if (!member_key(&f->s, conn_keys, &key))
            f->broken = true;
        else if (key >= K_INSTANCE_ID && key <= K_ACCEPTING_NETWORK_ID)
            *(const char **)(void *)((char *)dst + text_offsets[key - K_INSTANCE_ID]) = fill_text(f);
        else if (key == K_NETWORK)
            fill_network(f, &dst->network);
        else if (key == K_ACCEPTING_NETWORK)
            fill_network(f, &dst->accepting_network);
        else
            skip_valid(f);
        if (!f->broken && !next_item(&f->s, true, &more))
            f->broken = true;
    }
    dst->status = ens__peer_status_from_text(dst->status_text);
    if (ens__utc_time_parse(dst->creation_time, &dst->creation_time_epoch) != 0)
        dst->creation_time_epoch = (time_t)-1;
}

/* Fills the block from the validated body; NULL if pass 2 went wrong. */
static ens_describe_response *fill_response(filler *f, const root_fields *r)
{
    ens_describe_response *resp = fill_obj(f, sizeof(*resp), _Alignof(ens_describe_response));
    size_t n = r->list.kind == GOOD ? r->list.count : 0;

    if (!resp)
        return NULL;
    memset(resp, 0, sizeof(*resp));
    if (r->request_id.kind == GOOD) {
        f->s.p = r->request_id.at;
        resp->request_id = fill_string(f);
    }
    resp->page_number = r->counts[0].kind == GOOD ? r->counts[0].value : -1;
    resp->page_size = r->counts[1].kind == GOOD ? r->counts[1].value : -1;
    resp->total_count = r->counts[2].kind == GOOD ? r->counts[2].value : -1;
    if (n) {
        ens_peer_connection *conns = fill_obj(f, n * sizeof(ens_peer_connection), _Alignof(ens_peer_connection));
        bool more = false;
        size_t i = 0;
        if (!conns)
            return NULL;
        f->s.p = r->list.at;
        if (!open_container(&f->s, &more))
            f->broken = true;
        for (; more && !f->broken; i++) {
            if (i == n)
                return NULL; /* more connections than pass 1 counted */
            fill_conn(f, &conns[i]);
            if (!f->broken && !next_item(&f->s, false, &more))
                f->broken = true;
        }
        if (i != n)
            return NULL;
        resp->connections = conns;
        resp->connections_count = n;
    }
    if (f->broken || f->lay.obj != f->strings || f->lay.str != f->total)
        return NULL;
    return resp;
}

ENS_EXTERN ens_status ens_describe_response_parse(ens_describe_response **out, const char *body,
                                                  size_t body_len, ens_error *err)
{
    const unsigned char *start;
    scan s;
    root_fields root;
    bool is_object;
    ens_status st;
    size_t total, strings;
    filler f;
    char *block;
    ens_describe_response *resp;

    if (!out || (!body && body_len))
        return ens__error_set(err, ENS_EINVAL, "ens_describe_response_parse: out and body must not be NULL");
    /* A NULL body of length 0 is an empty body (a transport may hand one out
     * for a 200 without content): not JSON, so ENS_EPARSE. */
    start = (const unsigned char *)(body ? body : "");
    s = (scan){start, start + body_len, start, NULL};
    if (!check_document(&s, &root, &is_object))
        return not_json(err, &s);
    if (!is_object)
        return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not a JSON object");
    if ((st = report_fault(&root, err)) != ENS_OK)
        return st;

    total = measure(&root, &strings);
    block = total ? ens__malloc(total) : NULL;
    if (!block)
        return ens__error_set(err, ENS_ENOMEM, "out of memory while building the response (%zu bytes)", total);
    f = (filler){{start, start + body_len, start, NULL}, ENS__LAYOUT_INIT, strings, total, false};
    f.lay.obj = strings;
    ens__layout_start_fill(&f.lay, block);
    resp = fill_response(&f, &root);
    if (!resp) {
        ens__free(block);
        return ens__error_set(err, ENS_EPARSE, "response parse error: internal error while filling the response");
    }
    *out = resp;
    return ENS_OK;
}

/* ----------------------------------------------------------------------- */
/* Error documents                                                         */

/* Copies s[0..len) into dst (capacity cap), cutting at a UTF-8 character
 * boundary when it does not fit. */
static void copy_field(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        /* s[len] is the first byte left out: if it continues a character, drop
         * that character's first bytes too (at most 3 back). */
        for (int k = 0; k < 3 && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80; k++)
            len--;
        if (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len = cap - 1; /* not UTF-8 anyway: plain byte cut */
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static void copy_member(char *dst, size_t cap, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        copy_field(dst, cap, json_string_value(v), json_string_length(v));
}

/* code equals name, or starts with name followed by '.'. */
static bool code_in_family(const char *code, const char *name)
{
    size_t n = strlen(name);
    return strncmp(code, name, n) == 0 && (code[n] == '\0' || code[n] == '.');
}

static bool code_is_auth(const char *code)
{
    return strcmp(code, "SignatureDoesNotMatch") == 0 || strcmp(code, "IncompleteSignature") == 0 ||
           strcmp(code, "SignatureNonceUsed") == 0 || code_in_family(code, "InvalidAccessKeyId") ||
           code_in_family(code, "InvalidTimeStamp") || code_in_family(code, "InvalidSecurityToken");
}

/* One line for humans: every C0 control character and DEL become spaces. */
static void sanitize_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = ' ';
}

/* The description is built from the (already truncated) fields, so it always
 * fits: "authentication error " + code + " (HTTP " + long + "): " + message +
 * " [RequestId: " + request_id + "]". */
_Static_assert(sizeof("authentication error ") + sizeof(((ens_error *)0)->code) + sizeof(" (HTTP ") + 21 +
                       sizeof("): ") + sizeof(((ens_error *)0)->message) + sizeof(" [RequestId: ") +
                       sizeof(((ens_error *)0)->request_id) + sizeof("]") <=
                   sizeof(((ens_error *)0)->description),
               "ens_error.description too small for a service error line");

ens_status ens__parse_error_body(const char *body, size_t len, long http_status, ens_error *err)
{
    json_error_t jerr;
    json_t *root = NULL, *code = NULL;
    ens_status st;

    if (body && len)
        root = json_loadb(body, len, 0, &jerr);
    if (!root && body && len && json_error_code(&jerr) == json_error_out_of_memory) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory while parsing an HTTP %ld error body", http_status);
        if (err)
            err->http_status = http_status;
        return st;
    }
    if (json_is_object(root))
        code = json_object_get(root, "Code");

    if (!json_is_string(code) || json_string_length(code) == 0) {
        /* Not a service error document. */
        if (!body || !len)
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with an empty body", http_status);
        else if (!root)
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with a non-JSON body (%zu bytes)", http_status, len);
        else
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with a JSON body that has no error Code (%zu bytes)",
                                http_status, len);
        if (err) {
            err->http_status = http_status;
            if (json_is_object(root)) {
                copy_member(err->request_id, sizeof(err->request_id), root, "RequestId");
                if (err->request_id[0]) {
                    size_t used = strlen(err->description);
                    snprintf(err->description + used, sizeof(err->description) - used, " [RequestId: %s]",
                             err->request_id);
                    sanitize_line(err->description);
                }
            }
        }
        json_decref(root);
        return st;
    }

    st = code_is_auth(json_string_value(code)) ? ENS_EAUTH : ENS_ESERVICE;
    if (err) {
        ens__error_set(err, st, "%s", "");
        err->http_status = http_status;
        copy_member(err->code, sizeof(err->code), root, "Code");
        copy_member(err->message, sizeof(err->message), root, "Message");
        copy_member(err->request_id, sizeof(err->request_id), root, "RequestId");
        copy_member(err->host_id, sizeof(err->host_id), root, "HostId");
        copy_member(err->recommend, sizeof(err->recommend), root, "Recommend");
        snprintf(err->description, sizeof(err->description), "%s %s (HTTP %ld)%s%s%s%s%s",
                 st == ENS_EAUTH ? "authentication error" : "service error", err->code, http_status,
                 err->message[0] ? ": " : "", err->message, err->request_id[0] ? " [RequestId: " : "",
                 err->request_id, err->request_id[0] ? "]" : "");
        sanitize_line(err->description);
    }
    json_decref(root);
    return st;
}
