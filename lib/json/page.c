/* SPDX-License-Identifier: MIT */
/*
 * Success pages: ens_describe_response_parse().
 *
 * The tables of model/schema.c (one per kind of object, see schema.h) say
 * which members are read, what JSON type each must have and where its value
 * lands.  The body is read once, with the lexer (lex.h), and never held as a
 * tree: one pass validates it as JSON and, as it goes, decodes what the
 * tables name straight into ONE block, which ens_describe_response_free()
 * frees: one allocation per page, whatever the number of connections.
 *
 * The block is sized before the pass from a count of the body's '{' and '"'
 * bytes (ens__scan_count(), memory speed), as what any body of that length
 * with those counts could need:
 *   [ens_describe_response][connection slots][Ipv4Cidrs pointer slots][string bytes]
 * - connection slots: min('{' count, ENS_MAX_PAGE_CONNECTIONS) + 1, since
 *   every entry is an object and starts with '{'; the last slot takes, in
 *   turn, every entry past the limit (the page is then refused);
 * - pointer slots: min('"' count / 2, ENS_MAX_PAGE_IPV4_CIDRS) + 1, likewise;
 * - string bytes: the body's length + ENS__LEX_TAKE_SLACK, since a decoded
 *   string and its NUL never take more bytes than the string in the body.
 * A typical page's block is about twice what it uses; whatever a body asks
 * for (say 2.8 million empty connections in an 8 MiB body), the block is at
 * most the body's length plus what the two limits allow.
 *
 * The rules the tables give:
 * - Keys are compared decoded, so "Na\u006de" is "Name"; members the tables
 *   do not name, at any depth, are validated and skipped, whatever valid
 *   JSON they hold.
 * - Missing and null fields give NULL / -1 / present=false / count 0.  A
 *   field of the wrong JSON type is ENS_EPARSE and the description names its
 *   path, e.g. "NetworkPeerConnects[3].Network.Ipv4Cidrs[0] is not a
 *   string".  An entry of NetworkPeerConnects or of Ipv4Cidrs that is null is
 *   such an error too: the arrays handed out never contain NULL entries.
 * - Duplicate keys: the last one wins, at every level.  Members are filled in
 *   document order, a later occurrence overriding an earlier one (whose bytes
 *   stay unused in the block; an object member is filled again from scratch;
 *   a later NetworkPeerConnects array reuses the slots of an earlier one),
 *   and each object keeps the type error of each member's last occurrence.
 * - Errors come in this order: a body that is not JSON always says so (line
 *   and column), even when it also has type errors; then the first type
 *   error in table order (RequestId, PageNumber, PageSize, TotalCount,
 *   NetworkPeerConnects, then connection by connection its text fields,
 *   Network, AcceptingNetwork); then ENS_ETOOLARGE when the page holds more
 *   than ENS_MAX_PAGE_CONNECTIONS connections or ENS_MAX_PAGE_IPV4_CIDRS
 *   Ipv4Cidrs entries.
 * - PageNumber, PageSize, TotalCount: any JSON number, or a string holding
 *   one (leading zeros allowed), whose value is exactly a non-negative
 *   integer that fits int64 (ens__lex_count): 57, 57.0, 5.7e1, "57", "007".
 *   Anything else is ENS_EPARSE "<Field> is not a non-negative integer".
 *   Numbers are converted only in those fields.
 * - Strings are handed out decoded from their JSON escapes and otherwise byte
 *   for byte as sent: no trimming, no re-encoding; except that \u0000 and an
 *   unpaired surrogate escape, which no C string of UTF-8 can hold, become
 *   U+FFFD.
 * - An empty array (NetworkPeerConnects or Ipv4Cidrs) gives a NULL pointer
 *   and a count of 0, like an absent one.
 */
#include <stdio.h>
#include <string.h>

#include "json/lex.h"
#include "model/model.h"
#include "model/schema.h"
#include "util/alloc.h"
#include "util/error.h"

/* a[0..n) == b[0..n): a few word compares, overlapping at the end, and no
 * call; neither side is read outside [0, n). */
ENS__INLINE bool same_name(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    uint32_t u, v;

    if (n >= 8) {
        size_t i = 0;
        for (; n - i > 16; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return false;
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        if (u != v)
            return false;
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return u == v;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The row named key; *hint moves past it. */
static const ens__field *find_field(const ens__shape *sh, const ens__lex_text *key, size_t *hint)
{
    if (!key->ptr)
        return NULL;
    for (const ens__field *r = sh->fields; r < sh->fields + sh->count; r++) {
        if (r->len == key->len && same_name(r->name, key->ptr, key->len)) {
            *hint = (size_t)(r - sh->fields) + 1;
            return r;
        }
    }
    return NULL;
}

/* The member at p when its key is the row *hint expects, written as compact
 * JSON writes it, "Name": (a server sends the members of every object in
 * the same order, so this is the common case: one compare, no scan and no
 * lookup; a name is plain ASCII, so such a key is a valid string).  Returns
 * the row, *value the position of the value, and moves *hint to the next
 * row.  NULL otherwise: the key is then read the long way (ens__lex_key_at()
 * and find_field()). */
ENS__INLINE const ens__field *expected(ens__lex *lx, const ens__shape *sh, size_t *hint, const unsigned char *p,
                                       const unsigned char **value)
{
    const ens__field *r;

    if (*hint >= sh->count)
        return NULL;
    r = &sh->fields[*hint];
    if ((size_t)(lx->end - p) < r->len + 4 || !same_name((const char *)p, r->key, r->len + 3))
        return NULL;
    p += r->len + 3;
    if (*p <= ' ' && !(p = ens__lex_ws_at(p, lx->end), p < lx->end))
        return NULL; /* then the long way says where the body ends */
    *value = p;
    ++*hint;
    return r;
}

/* ----------------------------------------------------------------------- */
/* Type errors                                                             */

enum problem { NONE, NOT_STRING, NOT_OBJECT, NOT_ARRAY, NOT_COUNT };

static const char *const problem_text[] = {
    [NONE] = "", [NOT_STRING] = "is not a string", [NOT_OBJECT] = "is not an object",
    [NOT_ARRAY] = "is not an array", [NOT_COUNT] = "is not a non-negative integer",
};

/* The problem of a member of the wrong JSON type, by its kind. */
static const unsigned char wrong_type[] = {
    [ENS__F_TEXT] = NOT_STRING,     [ENS__F_COUNT] = NOT_COUNT, [ENS__F_OBJECT] = NOT_OBJECT,
    [ENS__F_STRINGS] = NOT_ARRAY, [ENS__F_LIST] = NOT_ARRAY,
};

#define NO_INDEX SIZE_MAX
#define MAX_PATH 6

/* A type error: "<path> <problem>", e.g. NetworkPeerConnects[3] . Network . Ipv4Cidrs[0]. */
typedef struct fault {
    unsigned char problem;
    unsigned char depth; /* segments in seg */
    struct {
        const char *name;
        size_t index; /* NO_INDEX: none */
    } seg[MAX_PATH];
} fault;

static void prepend(fault *f, const char *name, size_t index)
{
    if (f->depth == MAX_PATH)
        f->depth--; /* deeper than any table nests: the path loses its end */
    memmove(&f->seg[1], &f->seg[0], f->depth * sizeof(f->seg[0]));
    f->seg[0].name = name;
    f->seg[0].index = index;
    f->depth++;
}

/* A value (or entry `index`) of the wrong JSON type. */
static void wrong(fault *f, unsigned char problem, const char *name, size_t index)
{
    f->problem = problem;
    f->depth = 0;
    prepend(f, name, index);
}

/* ENS_EPARSE "response parse error: <path> <problem>". */
static ens_status report(ens_error *err, const fault *f)
{
    char path[192] = "";
    size_t used = 0;

    for (size_t k = 0; k < f->depth && used < sizeof(path) - 1; k++) {
        int n = f->seg[k].index == NO_INDEX
                    ? snprintf(path + used, sizeof(path) - used, "%s%s", k ? "." : "", f->seg[k].name)
                    : snprintf(path + used, sizeof(path) - used, "%s%s[%zu]", k ? "." : "", f->seg[k].name,
                               f->seg[k].index);
        used = n < 0 ? sizeof(path) - 1 : used + (size_t)n;
    }
    return ens__error_set(err, ENS_EPARSE, "response parse error: %s %s", path, problem_text[f->problem]);
}

/* ----------------------------------------------------------------------- */
/* The pass                                                                */

/* The page being read and the block being filled.  Every function below
 * reads the JSON at p and returns the position after what it read, or NULL
 * when the body is not JSON (lx.bad says where). */
typedef struct page {
    ens__lex lx;
    char *list0, *list, *list_last; /* LIST entries: first slot, next slot, overflow slot */
    const char **ptr0, **ptr, **ptr_last; /* string array pointers: likewise */
    char *str;                            /* next string byte */
    size_t entries;     /* entries of the last LIST occurrence (past the slots too) */
    size_t ptr_entries; /* pointers taken since that occurrence began */
} page;

/* What a member's occurrence was: missing or null / usable / wrong JSON type. */
enum { ABSENT, GOOD, WRONG };

/* A COUNT member: the kind of the valid value at `at` and, when GOOD, its value. */
static int count_of(const unsigned char *at, const unsigned char *end, int64_t *value)
{
    if (*at == 'n')
        return ABSENT;
    return ens__lex_count(at, end, value) ? GOOD : WRONG;
}

/* ens__lex_skip() of the value at p. */
static const unsigned char *skip(page *pg, const unsigned char *p, size_t level)
{
    pg->lx.p = p;
    return ens__lex_skip(&pg->lx, level) ? pg->lx.p : NULL;
}

/* The string at p, decoded into the block, *out pointing at it. */
ENS__INLINE const unsigned char *take_string(page *pg, const unsigned char *p, const char **out)
{
    char *dst = pg->str;
    size_t n;

    if (!(p = ens__lex_take_at(&pg->lx, p, dst, &n)))
        return NULL;
    dst[n] = '\0';
    pg->str = dst + n + 1;
    *out = dst;
    return p;
}

/* Every member's empty value: NULL, -1, present=false, count 0. */
static void init_struct(const ens__shape *sh, char *dst)
{
    if (sh->empty)
        memcpy(dst, sh->empty, sh->size);
    else
        memset(dst, 0, sh->size);
}

static const unsigned char *take_object(page *pg, const unsigned char *p, const ens__shape *sh, size_t level,
                                        char *dst, fault *first);

/* An array at p (`level` deep) of strings (STRINGS) or objects (LIST) for
 * member `row` of the struct at dst; its first entry of the wrong type, or
 * with a type error inside, into *f. */
static const unsigned char *take_array(page *pg, const unsigned char *p, const ens__field *row, size_t level,
                                       char *dst, fault *f)
{
    bool more, list = row->kind == ENS__F_LIST;
    unsigned char want = list ? '{' : '"';
    void *first;
    size_t i = 0;

    if (list) {
        /* Only the last occurrence of a LIST (top level only) is kept: an
         * earlier one's slots, and the pointer slots of its entries, are
         * taken again. */
        pg->list = pg->list0;
        pg->ptr = pg->ptr0;
        pg->ptr_entries = 0;
    }
    first = list ? (void *)pg->list : (void *)pg->ptr;
    if (!(p = ens__lex_open_at(&pg->lx, p, &more)))
        return NULL;
    for (; more; i++) {
        if (*p != want) {
            if (f->problem == NONE)
                wrong(f, list ? NOT_OBJECT : NOT_STRING, row->name, i);
            p = skip(pg, p, level + 1);
        } else if (list) {
            char *slot = pg->list;
            fault inner;
            if (slot < pg->list_last)
                pg->list += row->of->size;
            inner.problem = NONE;
            p = take_object(pg, p, row->of, level + 1, slot, f->problem == NONE ? &inner : NULL);
            if (p && inner.problem != NONE) {
                *f = inner;
                prepend(f, row->name, i);
            }
        } else {
            const char **slot = pg->ptr;
            if (slot < pg->ptr_last)
                pg->ptr++;
            pg->ptr_entries++;
            p = take_string(pg, p, slot);
        }
        if (!p || !(p = ens__lex_next_at(&pg->lx, p, false, &more)))
            return NULL;
    }
    if (list)
        pg->entries = i;
    memcpy(dst + row->at, &(const void *){i ? first : NULL}, sizeof(const void *));
    *(size_t *)(void *)(dst + row->count_at) = i;
    return p;
}

/* The value of member `row` at p, `level` deep, into the struct at dst; its
 * type error, if any, into *f (f->problem NONE otherwise). */
static const unsigned char *take_value(page *pg, const unsigned char *p, const ens__field *row, size_t level,
                                       char *dst, fault *f)
{
    static const unsigned char opener[] = {
        [ENS__F_TEXT] = '"', [ENS__F_COUNT] = 0, [ENS__F_OBJECT] = '{', [ENS__F_STRINGS] = '[', [ENS__F_LIST] = '[',
    };
    int64_t value;
    int kind;

    f->problem = NONE;
    switch (row->kind) {
    case ENS__F_TEXT: *(const char **)(void *)(dst + row->at) = NULL; break;
    case ENS__F_COUNT:
        kind = count_of(p, pg->lx.end, &value);
        *(int64_t *)(void *)(dst + row->at) = kind == GOOD ? value : -1;
        if (kind == WRONG)
            wrong(f, NOT_COUNT, row->name, NO_INDEX);
        return skip(pg, p, level);
    case ENS__F_OBJECT: init_struct(row->of, dst + row->at); break;
    case ENS__F_STRINGS:
    case ENS__F_LIST:
        memcpy(dst + row->at, &(const void *){NULL}, sizeof(const void *));
        *(size_t *)(void *)(dst + row->count_at) = 0;
        if (row->kind == ENS__F_LIST)
            pg->entries = pg->ptr_entries = 0;
        break;
    }
    if (*p != opener[row->kind]) {
        if (*p != 'n') /* skip() makes sure 'n' is null */
            wrong(f, wrong_type[row->kind], row->name, NO_INDEX);
        return skip(pg, p, level);
    }
    switch (row->kind) {
    case ENS__F_TEXT: return take_string(pg, p, (const char **)(void *)(dst + row->at));
    case ENS__F_OBJECT:
        p = take_object(pg, p, row->of, level, dst + row->at, f);
        if (p && f->problem != NONE)
            prepend(f, row->name, NO_INDEX);
        return p;
    default: return take_array(pg, p, row, level, dst, f);
    }
}

/* The object of shape sh at p (inside `level` containers), filled into the
 * struct at dst.  first (may be NULL): receives the object's first type
 * error in table order, and is left alone when there is none. */
static const unsigned char *take_object(page *pg, const unsigned char *p, const ens__shape *sh, size_t level,
                                        char *dst, fault *first)
{
    fault faults[ENS__MAX_FIELDS]; /* of the rows in `faulty` */
    uint32_t faulty = 0;            /* rows whose last occurrence has a type error */
    size_t hint = 0;
    bool more;

    init_struct(sh, dst);
    if (sh->present != ENS__NO_FLAG)
        *(bool *)(void *)(dst + sh->present) = true;
    if (!(p = ens__lex_open_at(&pg->lx, p, &more)))
        return NULL;
    while (more) {
        const ens__field *row;
        if ((row = expected(&pg->lx, sh, &hint, p, &p)) == NULL) {
            char buf[ENS__KEY_CAP];
            ens__lex_text key;
            if (!(p = ens__lex_key_at(&pg->lx, p, buf, sizeof(buf), &key)))
                return NULL;
            row = find_field(sh, &key, &hint);
        }
        if (!row) {
            p = skip(pg, p, level + 1);
        } else if (row->kind == ENS__F_TEXT && *p == '"') {
            /* The common case, kept short. */
            p = take_string(pg, p, (const char **)(void *)(dst + row->at));
            if (faulty)
                faulty &= ~((uint32_t)1 << (row - sh->fields));
        } else {
            size_t r = (size_t)(row - sh->fields);
            if (!(p = take_value(pg, p, row, level + 1, dst, &faults[r])))
                return NULL;
            if (faults[r].problem != NONE)
                faulty |= (uint32_t)1 << r;
            else
                faulty &= ~((uint32_t)1 << r);
        }
        if (!p || !(p = ens__lex_next_at(&pg->lx, p, true, &more)))
            return NULL;
    }
    if (sh->finish)
        sh->finish(dst);
    if (first && faulty) {
        size_t r = 0;
        while (!(faulty >> r & 1))
            r++;
        *first = faults[r];
    }
    return p;
}

/* ----------------------------------------------------------------------- */
/* The block                                                               */

/* The LIST row of the top-level shape (one at most), or NULL. */
static const ens__field *list_row(const ens__shape *sh)
{
    for (size_t r = 0; r < sh->count; r++)
        if (sh->fields[r].kind == ENS__F_LIST)
            return &sh->fields[r];
    return NULL;
}

/* Sizes the block for a body of len bytes holding `braces` '{' and `quotes`
 * '"' (see the top of this file), then, once it is allocated (block not
 * NULL), points pg's slots into it.  0 on overflow. */
static size_t lay_out(page *pg, const ens__shape *sh, size_t len, size_t braces, size_t quotes, char *block)
{
    const ens__field *list = list_row(sh);
    size_t list_slots = list ? (braces < list->max ? braces : list->max) + 1 : 0;
    size_t ptr_slots = (quotes / 2 < ENS_MAX_PAGE_IPV4_CIDRS ? quotes / 2 : ENS_MAX_PAGE_IPV4_CIDRS) + 1;
    ens__layout lay = ENS__LAYOUT_INIT;
    char *list0;
    const char **ptr0;

    lay.base = block;
    ens__layout_obj(&lay, sh->size, sh->align);
    if (list && list_slots > SIZE_MAX / list->of->size)
        return 0;
    list0 = list ? ens__layout_obj(&lay, list_slots * list->of->size, list->of->align) : NULL;
    ptr0 = ens__layout_ptrs(&lay, ptr_slots);
    if (lay.overflow || len > SIZE_MAX - ENS__LEX_TAKE_SLACK - lay.obj)
        return 0;
    if (block) {
        pg->list0 = pg->list = list0;
        pg->list_last = list ? list0 + (list_slots - 1) * list->of->size : NULL;
        pg->ptr0 = pg->ptr = ptr0;
        pg->ptr_last = ptr0 + (ptr_slots - 1);
        pg->str = block + lay.obj;
    }
    return lay.obj + len + ENS__LEX_TAKE_SLACK; /* the strings last */
}

/* ENS_ETOOLARGE when the page holds more entries than a page may
 * (ENS_MAX_PAGE_CONNECTIONS, ENS_MAX_PAGE_IPV4_CIDRS), naming what. */
static ens_status check_limits(const page *pg, const ens__shape *sh, ens_error *err)
{
    const ens__field *list = list_row(sh);

    if (list && pg->entries > list->max)
        return ens__error_set(err, ENS_ETOOLARGE,
                              "response too large: %s holds %zu entries, more than the %zu a page may hold",
                              list->name, pg->entries, list->max);
    if (pg->ptr_entries > ENS_MAX_PAGE_IPV4_CIDRS)
        return ens__error_set(err, ENS_ETOOLARGE,
                              "response too large: the page holds %zu Ipv4Cidrs entries, more than the %d a page "
                              "may hold",
                              pg->ptr_entries, ENS_MAX_PAGE_IPV4_CIDRS);
    return ENS_OK;
}

static ens_status not_json(ens_error *err, const ens__lex *lx)
{
    size_t line, column;
    ens__lex_where(lx, &line, &column);
    return ens__error_set(err, ENS_EPARSE,
                          "response parse error: response body is not valid JSON at line %zu column %zu", line,
                          column);
}

ENS_EXTERN ens_status ens_describe_response_parse(ens_describe_response **out, const char *body,
                                                  size_t body_len, ens_error *err)
{
    const ens__shape *sh = &ens__page_shape;
    page pg;
    fault first;
    size_t braces = 0, quotes = 0, total;
    char *block;
    ens_status st;

    if (!out || (!body && body_len))
        return ens__error_set(err, ENS_EINVAL, "ens_describe_response_parse: out and body must not be NULL");
    /* A NULL body of length 0 is an empty body (a transport may hand one out
     * for a 200 without content): not JSON, so ENS_EPARSE. */
    memset(&pg, 0, sizeof(pg));
    ens__lex_init(&pg.lx, body, body_len);
    if (!ens__lex_begin(&pg.lx))
        return not_json(err, &pg.lx);
    if (*pg.lx.p == '[') {
        if (!ens__lex_skip(&pg.lx, 0) || !ens__lex_finish(&pg.lx))
            return not_json(err, &pg.lx);
        return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not a JSON object");
    }

    ens__scan_count(pg.lx.p, pg.lx.end, &braces, &quotes);
    total = lay_out(&pg, sh, body_len, braces, quotes, NULL);
    block = total ? ens__malloc(total) : NULL;
    if (!block)
        return ens__error_set(err, ENS_ENOMEM, "out of memory while building the response (%zu bytes)", total);
    lay_out(&pg, sh, body_len, braces, quotes, block);

    first.problem = NONE;
    if (!(pg.lx.p = take_object(&pg, pg.lx.p, sh, 0, block, &first)) || !ens__lex_finish(&pg.lx))
        st = not_json(err, &pg.lx);
    else if (first.problem != NONE)
        st = report(err, &first);
    else
        st = check_limits(&pg, sh, err);
    if (st != ENS_OK) {
        ens__free(block);
        return st;
    }
    *out = (ens_describe_response *)(void *)block;
    return ENS_OK;
}
