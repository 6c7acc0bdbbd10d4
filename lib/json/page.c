/*
 * Success pages: ens_describe_response_parse().
 *
 * The tables of model/schema.c (one per kind of object, see schema.h) say
 * which members are read, what JSON type each must have and where its value
 * lands.  The same rows drive both passes over the body, which is read with
 * the lexer (lex.h) and never held as a tree:
 * - Pass 1 (check_*) validates the whole body as JSON (lex.h says how
 *   strictly: as jansson with flags 0 did).  Keys are compared decoded, so
 *   "Na\u006de" is "Name"; unknown members, at any depth, are validated and
 *   skipped.  For each row it keeps the JSON type of the member's last
 *   occurrence in its object (duplicate keys: the last one wins, at every
 *   level) and adds up the bytes pass 2 will write.  A type error is
 *   reported only once the whole body is known to be JSON (a body that is not
 *   JSON always says so), and it is the first one in table order: RequestId,
 *   PageNumber, PageSize, TotalCount, NetworkPeerConnects, then connection by
 *   connection its text fields, Network, AcceptingNetwork.
 * - Pass 2 (fill_*) walks the now valid body again and decodes every string
 *   straight into ONE block holding the ens_describe_response, the
 *   connection array, the Ipv4Cidrs pointer arrays and every string (see
 *   ens__layout in model/model.h).  The top-level members are filled from
 *   their last occurrence, in table order; inside a connection, members are
 *   filled in document order, a later occurrence overriding an earlier one,
 *   whose bytes stay unused in the block (pass 1 counted them).
 *   ens_describe_response_free frees that block: one allocation per page,
 *   whatever the number of connections.
 * The rules the tables give:
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
 * - Numbers are converted only in those fields.  (With jansson, a number
 *   beyond int64 or double anywhere failed the whole document with "number
 *   too large" and no field name; now such a number in one of those fields
 *   names the field, and elsewhere it is skipped like any other unknown
 *   value.)
 * - A raw NUL byte outside a string is refused wherever it is.  (jansson 2.14
 *   silently dropped one that directly followed a number or true/false/null.)
 * - Strings are handed out decoded from their JSON escapes and otherwise byte
 *   for byte as sent: no trimming, no re-encoding.
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

static const ens__field *find_field(const ens__shape *sh, const ens__lex_text *key)
{
    if (!key->ptr)
        return NULL;
    for (const ens__field *r = sh->fields, *end = r + sh->count; r < end; r++)
        if (r->len == key->len && r->name[0] == key->ptr[0] && memcmp(r->name, key->ptr, key->len) == 0)
            return r;
    return NULL;
}

/* What the last occurrence of a member held. */
enum { ABSENT, GOOD, WRONG }; /* missing or null / usable / wrong JSON type */

/* A COUNT member (PageNumber, ...): the kind of the valid value at `at`
 * and, when GOOD, its value.  Both passes read counts with this. */
static int count_of(const unsigned char *at, const unsigned char *end, int64_t *value)
{
    if (*at == '"')
        return ens__lex_digits(at, end, value) ? GOOD : WRONG;
    if (*at == '-' || (*at >= '0' && *at <= '9')) {
        ens__lex lx = {at, end, at, NULL};
        ens__lex_num n;
        return ens__lex_number(&lx, &n) && ens__lex_int64(&n, value) && *value >= 0 ? GOOD : WRONG;
    }
    return *at == 'n' ? ABSENT : WRONG;
}

/* ----------------------------------------------------------------------- */
/* Pass 1: validate, find the first type error, measure                    */

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

/* What pass 2 writes for a value besides structs: pointers of Ipv4Cidrs
 * arrays, and string bytes (each string's length + 1).  The sums cannot
 * overflow: a string of decoded length n takes at least n + 2 bytes of the
 * body, an array entry at least one. */
typedef struct sizes {
    size_t ptrs;
    size_t bytes;
} sizes;

/* The last occurrence of a member in its object. */
typedef struct seen {
    unsigned char kind;      /* ABSENT, GOOD, WRONG */
    const unsigned char *at; /* the value */
    size_t count;            /* a LIST: its elements */
    sizes sz;                /* what pass 2 writes for it */
    size_t index;            /* STRINGS, LIST: the entry `inner` is about; OBJECT: NO_INDEX */
    fault inner;             /* OBJECT, STRINGS, LIST when GOOD: its first type error (NONE: none) */
} seen;

static void prepend(fault *f, const char *name, size_t index)
{
    if (f->depth == MAX_PATH)
        f->depth--; /* deeper than any table nests: the path loses its end */
    memmove(&f->seg[1], &f->seg[0], f->depth * sizeof(f->seg[0]));
    f->seg[0].name = name;
    f->seg[0].index = index;
    f->depth++;
}

/* The first type error among an object's members, in table order. */
static bool first_fault(const ens__shape *sh, const seen *states, fault *out)
{
    for (size_t r = 0; r < sh->count; r++) {
        const ens__field *row = &sh->fields[r];
        const seen *v = &states[r];
        if (v->kind == WRONG) {
            out->problem = wrong_type[row->kind];
            out->depth = 0;
            prepend(out, row->name, NO_INDEX);
            return true;
        }
        if (v->kind == GOOD && row->kind != ENS__F_TEXT && row->kind != ENS__F_COUNT && v->inner.problem != NONE) {
            *out = v->inner;
            prepend(out, row->name, v->index);
            return true;
        }
    }
    out->problem = NONE;
    return false;
}

static bool check_members(ens__lex *lx, const ens__shape *sh, size_t level, seen *states, sizes *acc);

/* An object of shape sh at lx->p (inside `level` containers): its sizes
 * added to *acc and, when first is not NULL, its first type error there. */
static bool check_object(ens__lex *lx, const ens__shape *sh, size_t level, sizes *acc, fault *first)
{
    seen states[ENS__MAX_FIELDS];
    if (!check_members(lx, sh, level, states, acc))
        return false;
    if (first)
        first_fault(sh, states, first);
    return true;
}

/* An array at lx->p (`level` deep) of strings (STRINGS) or objects (LIST). */
static bool check_array(ens__lex *lx, const ens__field *row, size_t level, seen *v)
{
    bool more;
    size_t i = 0;

    if (!ens__lex_open(lx, &more))
        return false;
    for (; more; i++) {
        unsigned char want = row->kind == ENS__F_LIST ? '{' : '"';
        ens__lex_str s;
        fault f;
        bool ok;
        f.problem = NONE;
        if (*lx->p != want) {
            if (v->inner.problem == NONE) {
                v->inner.problem = row->kind == ENS__F_LIST ? NOT_OBJECT : NOT_STRING;
                v->inner.depth = 0; /* the entry itself */
                v->index = i;
            }
            ok = ens__lex_skip(lx, level + 1);
        } else if (row->kind == ENS__F_LIST) {
            ok = check_object(lx, row->of, level + 1, &v->sz, v->inner.problem == NONE ? &f : NULL);
            if (f.problem != NONE) {
                v->inner = f;
                v->index = i;
            }
        } else {
            ok = ens__lex_string(lx, ENS__LEX_TEXT, &s);
            if (ok) {
                v->sz.ptrs++;
                v->sz.bytes += s.len + 1;
            }
        }
        if (!ok || !ens__lex_next(lx, false, &more))
            return false;
    }
    v->count = i;
    return true;
}

/* The value of member `row` at lx->p, `level` deep, into *v. */
static bool check_value(ens__lex *lx, const ens__field *row, size_t level, seen *v)
{
    static const unsigned char opener[] = {
        [ENS__F_TEXT] = '"', [ENS__F_COUNT] = 0, [ENS__F_OBJECT] = '{', [ENS__F_STRINGS] = '[', [ENS__F_LIST] = '[',
    };
    unsigned char c = *lx->p;
    int64_t value;

    v->at = lx->p;
    v->sz = (sizes){0, 0};
    if (row->kind == ENS__F_COUNT) {
        if (!ens__lex_skip(lx, level))
            return false;
        v->kind = (unsigned char)count_of(v->at, lx->end, &value);
        return true;
    }
    if (c != opener[row->kind]) {
        v->kind = c == 'n' ? ABSENT : WRONG; /* ens__lex_skip() makes sure 'n' is null */
        return ens__lex_skip(lx, level);
    }
    v->kind = GOOD;
    v->inner.problem = NONE;
    v->index = NO_INDEX;
    if (row->kind == ENS__F_TEXT) {
        ens__lex_str s;
        if (!ens__lex_string(lx, ENS__LEX_TEXT, &s))
            return false;
        v->sz.bytes = s.len + 1;
        return true;
    }
    if (row->kind == ENS__F_OBJECT)
        return check_object(lx, row->of, level, &v->sz, &v->inner);
    return check_array(lx, row, level, v);
}

/* The members of the object at lx->p (`level` deep), each row's last
 * occurrence in states[].  acc: NULL for the top-level object, whose members
 * pass 2 fills from their last occurrence (measure() adds up their sizes);
 * otherwise every occurrence's sizes are added there, since pass 2 fills
 * every occurrence. */
static bool check_members(ens__lex *lx, const ens__shape *sh, size_t level, seen *states, sizes *acc)
{
    bool more;

    for (size_t r = 0; r < sh->count; r++)
        states[r].kind = ABSENT;
    if (!ens__lex_open(lx, &more))
        return false;
    while (more) {
        char buf[ENS__KEY_CAP];
        ens__lex_text key;
        const ens__field *row;
        if (!ens__lex_key(lx, buf, sizeof(buf), &key))
            return false;
        if ((row = find_field(sh, &key)) == NULL) {
            if (!ens__lex_skip(lx, level + 1))
                return false;
        } else {
            seen *v = &states[row - sh->fields];
            if (!check_value(lx, row, level + 1, v))
                return false;
            if (acc) {
                acc->ptrs += v->sz.ptrs;
                acc->bytes += v->sz.bytes;
            }
        }
        if (!ens__lex_next(lx, true, &more))
            return false;
    }
    return true;
}

static ens_status not_json(ens_error *err, const ens__lex *lx)
{
    size_t line, column;
    ens__lex_where(lx, &line, &column);
    return ens__error_set(err, ENS_EPARSE,
                          "response parse error: response body is not valid JSON at line %zu column %zu", line,
                          column);
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

/* Size of the block for the top-level object sh whose members pass 1 saw
 * (states), measured in the order pass 2 takes memory: the struct, then row
 * by row a LIST's array and the pointer arrays inside the row; *strings:
 * where the strings start.  0 on overflow. */
static size_t measure(const ens__shape *sh, const seen *states, size_t *strings)
{
    ens__layout lay = ENS__LAYOUT_INIT;
    size_t bytes = 0;

    ens__layout_obj(&lay, sh->size, sh->align);
    for (size_t r = 0; r < sh->count; r++) {
        const ens__field *row = &sh->fields[r];
        const seen *v = &states[r];
        if (v->kind != GOOD)
            continue;
        if (row->kind == ENS__F_LIST && v->count) {
            if (v->count > SIZE_MAX / row->of->size)
                return 0;
            ens__layout_obj(&lay, v->count * row->of->size, row->of->align);
        }
        if (v->sz.ptrs)
            ens__layout_ptrs(&lay, v->sz.ptrs);
        bytes += v->sz.bytes;
    }
    lay.str = bytes;
    *strings = lay.obj;
    return ens__layout_total(&lay);
}

/* ----------------------------------------------------------------------- */
/* Pass 2: fill the block                                                  */

/* Pass 2 reads a body that pass 1 found valid, with the sizes pass 1
 * measured; it still checks every step and fails (broken) rather than write
 * out of the block if the two ever disagreed. */
typedef struct filler {
    ens__lex lx;     /* over the body */
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

static void skip_valid(filler *f)
{
    if (!ens__lex_skip_valid(&f->lx))
        f->broken = true;
}

/* The string at f->lx.p, decoded into the block; f->lx.p moves past it. */
static const char *fill_string(filler *f)
{
    char *dst = f->lay.base + f->lay.str;
    size_t n = SIZE_MAX;

    if (f->lay.str < f->total)
        n = ens__lex_decode(f->lx.p, f->lx.end, dst, f->total - f->lay.str - 1, &f->lx.p);
    if (n == SIZE_MAX) {
        f->broken = true;
        return NULL;
    }
    dst[n] = '\0';
    f->lay.str += n + 1;
    return dst;
}

/* An array of strings at f->lx.p: the strings first, then the pointers to them. */
static void fill_strings(filler *f, const ens__field *row, char *dst)
{
    size_t first = f->lay.str, n = 0;
    const char **arr;
    const char *s;
    bool more = false;

    *(const char *const **)(void *)(dst + row->at) = NULL;
    *(size_t *)(void *)(dst + row->count_at) = 0;
    if (*f->lx.p != '[') {
        skip_valid(f);
        return;
    }
    if (!ens__lex_open(&f->lx, &more))
        f->broken = true;
    while (more && !f->broken) {
        if (*f->lx.p == '"') {
            fill_string(f);
            n++;
        } else {
            skip_valid(f);
        }
        if (!f->broken && !ens__lex_next(&f->lx, false, &more))
            f->broken = true;
    }
    if (!n || f->broken || !(arr = fill_obj(f, n * sizeof(const char *), _Alignof(const char *))))
        return;
    s = f->lay.base + first;
    for (size_t j = 0; j < n; j++, s += strlen(s) + 1)
        arr[j] = s;
    *(const char *const **)(void *)(dst + row->at) = arr;
    *(size_t *)(void *)(dst + row->count_at) = n;
}

static void fill_object(filler *f, const ens__shape *sh, char *dst);

/* The array of `count` objects at f->lx.p that pass 1 found (a LIST). */
static void fill_list(filler *f, const ens__field *row, char *dst, size_t count)
{
    const ens__shape *of = row->of;
    char *elems;
    bool more = false;
    size_t i = 0;

    if (!count)
        return;
    if (count > SIZE_MAX / of->size || !(elems = fill_obj(f, count * of->size, of->align)))
        return;
    if (!ens__lex_open(&f->lx, &more))
        f->broken = true;
    for (; more && !f->broken; i++) {
        if (i == count || *f->lx.p != '{') {
            f->broken = true; /* not what pass 1 counted */
            return;
        }
        fill_object(f, of, elems + i * of->size);
        if (!f->broken && !ens__lex_next(&f->lx, false, &more))
            f->broken = true;
    }
    if (i != count) {
        f->broken = true;
        return;
    }
    memcpy(dst + row->at, &(const void *){elems}, sizeof(const void *)); /* a pointer to the struct type */
    *(size_t *)(void *)(dst + row->count_at) = count;
}

/* The value of member `row` at f->lx.p, into the struct at dst.  last: what
 * pass 1 saw of it (top-level members only), NULL inside nested objects. */
static void fill_value(filler *f, const ens__field *row, char *dst, const seen *last)
{
    int64_t value;

    switch (row->kind) {
    case ENS__F_TEXT:
        if (*f->lx.p == '"') {
            *(const char **)(void *)(dst + row->at) = fill_string(f);
        } else {
            *(const char **)(void *)(dst + row->at) = NULL; /* null, or an occurrence a later one overrides */
            skip_valid(f);
        }
        return;
    case ENS__F_COUNT:
        *(int64_t *)(void *)(dst + row->at) = count_of(f->lx.p, f->lx.end, &value) == GOOD ? value : -1;
        skip_valid(f);
        return;
    case ENS__F_OBJECT: fill_object(f, row->of, dst + row->at); return;
    case ENS__F_STRINGS: fill_strings(f, row, dst); return;
    case ENS__F_LIST:
        if (!last) {
            f->broken = true; /* a LIST inside a nested object: its length is not known */
            return;
        }
        fill_list(f, row, dst, last->count);
        return;
    }
}

/* Every member's empty value: NULL, -1, present=false, count 0. */
static void init_struct(const ens__shape *sh, char *dst)
{
    memset(dst, 0, sh->size);
    for (size_t r = 0; r < sh->count; r++)
        if (sh->fields[r].kind == ENS__F_COUNT)
            *(int64_t *)(void *)(dst + sh->fields[r].at) = -1;
}

/* The object (or null, or an occurrence a later one overrides) at f->lx.p,
 * its members filled in document order. */
static void fill_object(filler *f, const ens__shape *sh, char *dst)
{
    bool more = false;

    init_struct(sh, dst);
    if (*f->lx.p != '{') {
        skip_valid(f);
        return;
    }
    if (sh->present != ENS__NO_FLAG)
        *(bool *)(void *)(dst + sh->present) = true;
    if (!ens__lex_open(&f->lx, &more))
        f->broken = true;
    while (more && !f->broken) {
        char buf[ENS__KEY_CAP];
        ens__lex_text key;
        const ens__field *row;
        if (!ens__lex_key(&f->lx, buf, sizeof(buf), &key))
            f->broken = true;
        else if ((row = find_field(sh, &key)) != NULL)
            fill_value(f, row, dst, NULL);
        else
            skip_valid(f);
        if (!f->broken && !ens__lex_next(&f->lx, true, &more))
            f->broken = true;
    }
    if (sh->finish)
        sh->finish(dst);
}

/* The top-level object sh: each member from its last occurrence (states),
 * in table order.  NULL if pass 2 went wrong. */
static void *fill_top(filler *f, const ens__shape *sh, const seen *states)
{
    char *top = fill_obj(f, sh->size, sh->align);

    if (!top)
        return NULL;
    init_struct(sh, top);
    for (size_t r = 0; r < sh->count && !f->broken; r++) {
        if (states[r].kind != GOOD)
            continue;
        f->lx.p = states[r].at;
        fill_value(f, &sh->fields[r], top, &states[r]);
    }
    if (sh->finish)
        sh->finish(top);
    if (f->broken || f->lay.obj != f->strings || f->lay.str != f->total)
        return NULL;
    return top;
}

ENS_EXTERN ens_status ens_describe_response_parse(ens_describe_response **out, const char *body,
                                                  size_t body_len, ens_error *err)
{
    ens__lex lx;
    seen states[ENS__MAX_FIELDS];
    fault first;
    size_t total, strings;
    filler f;
    char *block;
    ens_describe_response *resp;

    if (!out || (!body && body_len))
        return ens__error_set(err, ENS_EINVAL, "ens_describe_response_parse: out and body must not be NULL");
    /* A NULL body of length 0 is an empty body (a transport may hand one out
     * for a 200 without content): not JSON, so ENS_EPARSE. */
    ens__lex_init(&lx, body, body_len);
    if (!ens__lex_begin(&lx))
        return not_json(err, &lx);
    if (*lx.p == '[') {
        if (!ens__lex_skip(&lx, 0) || !ens__lex_finish(&lx))
            return not_json(err, &lx);
        return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not a JSON object");
    }
    if (!check_members(&lx, &ens__page_shape, 0, states, NULL) || !ens__lex_finish(&lx))
        return not_json(err, &lx);
    if (first_fault(&ens__page_shape, states, &first))
        return report(err, &first);

    total = measure(&ens__page_shape, states, &strings);
    block = total ? ens__malloc(total) : NULL;
    if (!block)
        return ens__error_set(err, ENS_ENOMEM, "out of memory while building the response (%zu bytes)", total);
    f = (filler){{NULL, NULL, NULL, NULL}, ENS__LAYOUT_INIT, strings, total, false};
    ens__lex_init(&f.lx, body, body_len);
    f.lay.obj = strings;
    ens__layout_start_fill(&f.lay, block);
    resp = fill_top(&f, &ens__page_shape, states);
    if (!resp) {
        ens__free(block);
        return ens__error_set(err, ENS_EPARSE, "response parse error: internal error while filling the response");
    }
    *out = resp;
    return ENS_OK;
}
