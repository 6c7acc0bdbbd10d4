/* SPDX-License-Identifier: MIT */
/* JSON documents that hold credentials (the CLI configuration, the answers
 * of the metadata service, of a credentials URI and of STS), read by the
 * library's own scanner (json/lex.h) into one block of decoded values that
 * is wiped when the document is freed: no tree, and no parser's buffer that
 * outlives the read with a secret in it.  Then credentials from a
 * document's values.  Calls credentials.c only. */
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json/lex.h"
#include "util/alloc.h"
#include "credentials/internal.h"
#include "util/error.h"
#include "util/utctime.h"
#include "util/utf8.h"

#define FAIL ENS__CRED_FAIL

/* Levels of nesting kept, and the longest member name kept. */
#define DOC_MAX_DEPTH 8
#define DOC_MAX_KEY 128
#define DOC_MAX_PATH (DOC_MAX_DEPTH * (DOC_MAX_KEY + 1) + 1)

ens_status ens__cred_new_checked(ens_credentials **out, const char *id, const char *secret,
                                 const char *token, time_t expiration, const char *where,
                                 ens_error *err)
{
    ens_status st = ens_credentials_new(out, id, secret, token, expiration);
    if (st == ENS_EINVAL)
        return FAIL(err, "%s: a credentials value holds a line break", where);
    if (st != ENS_OK)
        return ens__error_set(err, st, "credentials unavailable: %s", ens_strerror(st));
    return ENS_OK;
}

/* ---- the scanner ---------------------------------------------------------- */

typedef struct doc_reader {
    ens__doc *d;
    ens__lex lx;
    char path[DOC_MAX_PATH];
    bool oom;
} doc_reader;

/* Adds an entry for the value at r->path (of length plen); its text, when it
 * has one, is value[0..vlen) (written into the value block). */
static bool add_entry(doc_reader *r, size_t plen, ens__doc_type type, const char *value, size_t vlen)
{
    ens__doc *d = r->d;
    ens__doc_entry e;
    memset(&e, 0, sizeof(e)); /* no uninitialised padding copied to the heap */
    e.path = d->path_buf.len;
    e.type = type;
    e.value = d->values_len;
    r->path[plen] = '\0';
    if (ens__buf_put(&d->path_buf, r->path, plen + 1) < 0 || ens__buf_put(&d->entry_buf, &e, sizeof(e)) < 0)
        return !(r->oom = true);
    if (value) {
        /* The block was sized for the whole text, which is never shorter
           than what it decodes to plus one NUL per value. */
        if (vlen + 1 > d->values_cap - d->values_len)
            return ens__lex_fail(&r->lx, r->lx.p);
        if (value != d->values + d->values_len)
            memcpy(d->values + d->values_len, value, vlen);
        d->values[d->values_len + vlen] = '\0';
        d->values_len += vlen + 1;
    }
    return true;
}

static bool read_value(doc_reader *r, size_t plen, size_t depth);

/* The members (object) or elements of the container at lx.p, each under
 * r->path extended by its name or index. */
static bool read_container(doc_reader *r, size_t plen, size_t depth)
{
    ens__lex *lx = &r->lx;
    bool object = *lx->p == '{', more;
    size_t index = 0;
    if (!add_entry(r, plen, object ? ENS__DOC_OBJECT : ENS__DOC_ARRAY, NULL, 0) || !ens__lex_open(lx, &more))
        return false;
    while (more) {
        char name[DOC_MAX_KEY], num[24];
        const char *part = num;
        size_t n;
        if (object) {
            ens__lex_text key;
            if (!ens__lex_key(lx, name, sizeof(name), &key))
                return false;
            part = key.ptr;
            n = key.len;
            if (!part || n == 0 || n > DOC_MAX_KEY || memchr(part, '.', n) || memchr(part, '\0', n))
                part = NULL; /* not a name a reader asks for: checked, not kept */
        } else {
            n = (size_t)snprintf(num, sizeof(num), "%zu", index++);
        }
        if (part && depth + 1 < DOC_MAX_DEPTH) {
            size_t child = plen + (plen ? 1 : 0) + n;
            if (plen)
                r->path[plen] = '.';
            memcpy(r->path + child - n, part, n);
            if (!read_value(r, child, depth + 1))
                return false;
        } else if (!ens__lex_skip(lx, depth + 1)) {
            return false;
        }
        if (!ens__lex_next(lx, object, &more))
            return false;
    }
    return true;
}

static bool read_value(doc_reader *r, size_t plen, size_t depth)
{
    ens__lex *lx = &r->lx;
    ens__doc *d = r->d;
    unsigned char c = *lx->p;
    if (c == '{' || c == '[')
        return read_container(r, plen, depth);
    if (c == '"') {
        ens__lex_str s;
        char *dst = d->values + d->values_len;
        size_t room = d->values_cap - d->values_len;
        bool text;
        if (!ens__lex_string(lx, &s))
            return false;
        if (s.len + 1 > room || ens__lex_decode(s.at, lx->end, dst, s.len, NULL) != s.len)
            return ens__lex_fail(lx, s.at);
        /* \u0000 and unpaired surrogates decode to U+FFFD: not the value sent */
        text = !s.replaced && ens__utf8_valid(dst, s.len);
        if (!text)
            sodium_memzero(dst, s.len); /* kept as "" */
        return add_entry(r, plen, text ? ENS__DOC_STRING : ENS__DOC_BYTES, dst, text ? s.len : 0);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        ens__lex_num num;
        if (!ens__lex_number(lx, &num))
            return false;
        return add_entry(r, plen, ENS__DOC_NUMBER, (const char *)num.at, (size_t)(num.end - num.at));
    }
    if (!ens__lex_skip(lx, depth)) /* true, false, null, or not JSON */
        return false;
    return add_entry(r, plen, c == 't' ? ENS__DOC_TRUE : c == 'f' ? ENS__DOC_FALSE : ENS__DOC_NULL, NULL, 0);
}

static int path_cmp(const ens__doc *d, size_t a, size_t b)
{
    return strcmp(d->paths + d->e[a].path, d->paths + d->e[b].path);
}

/* Sorts the entry indexes by path (a stable bottom-up merge sort: qsort
 * takes no context) and notes a path that appears twice. */
static ens_status index_doc(ens__doc *d)
{
    size_t n = d->n, width, i, *a, *b, *t;
    a = ens__malloc((n ? n : 1) * sizeof(*a));
    b = ens__malloc((n ? n : 1) * sizeof(*b));
    if (!a || !b) {
        ens__free(a);
        ens__free(b);
        return ENS_ENOMEM;
    }
    for (i = 0; i < n; i++)
        a[i] = i;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
            size_t l = lo, r = mid, k = lo;
            while (l < mid && r < hi)
                b[k++] = path_cmp(d, a[l], a[r]) <= 0 ? a[l++] : a[r++];
            while (l < mid)
                b[k++] = a[l++];
            while (r < hi)
                b[k++] = a[r++];
        }
        t = a;
        a = b;
        b = t;
    }
    ens__free(b);
    d->sorted = a;
    for (i = 1; i < n; i++)
        if (path_cmp(d, a[i - 1], a[i]) == 0)
            d->dup = true;
    return d->dup ? ENS_EPARSE : ENS_OK;
}

ens_status ens__doc_parse(ens__doc *d, const char *body, size_t len)
{
    doc_reader r;
    memset(&r, 0, sizeof(r));
    r.d = d;
    d->values_cap = len + 1;
    d->values = ens__malloc(d->values_cap);
    if (!d->values)
        return ENS_ENOMEM;
    ens__lex_init(&r.lx, body, len);
    if (!ens__lex_begin(&r.lx) || !read_value(&r, 0, 0) || !ens__lex_finish(&r.lx)) {
        if (r.oom)
            return ENS_ENOMEM;
        ens__lex_where(&r.lx, &d->line, &d->column);
        return ENS_EPARSE;
    }
    d->paths = d->path_buf.ptr;
    d->e = (const ens__doc_entry *)(const void *)d->entry_buf.ptr;
    d->n = d->entry_buf.len / sizeof(ens__doc_entry);
    return index_doc(d);
}

void ens__doc_free(ens__doc *d)
{
    if (!d)
        return;
    if (d->values) {
        sodium_memzero(d->values, d->values_cap);
        ens__free(d->values);
    }
    ens__buf_free(&d->path_buf);
    ens__buf_free(&d->entry_buf);
    ens__free(d->sorted);
    memset(d, 0, sizeof(*d));
}

void ens__doc_where(const ens__doc *d, char *buf, size_t cap)
{
    if (d->dup)
        snprintf(buf, cap, "a member name is repeated");
    else
        snprintf(buf, cap, "line %zu, column %zu", d->line, d->column);
}

const char *ens__doc_get(const ens__doc *d, const char *path, ens__doc_type *type)
{
    size_t lo = 0, hi = d->sorted ? d->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ens__doc_entry *e = &d->e[d->sorted[mid]];
        int c = strcmp(d->paths + e->path, path);
        if (c == 0) {
            if (type)
                *type = e->type;
            return e->type == ENS__DOC_STRING || e->type == ENS__DOC_NUMBER ? d->values + e->value : "";
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *ens__doc_str(const ens__doc *d, const char *path, bool *wrong)
{
    ens__doc_type t;
    const char *v = ens__doc_get(d, path, &t);
    if (!v || t == ENS__DOC_NULL)
        return NULL;
    if (t != ENS__DOC_STRING) {
        if (wrong)
            *wrong = true;
        return NULL;
    }
    return *v ? v : NULL;
}

/* ---- credentials documents ------------------------------------------------ */

ens_status ens__cred_from_json(const char *body, size_t len, ens__cred_doc_kind kind, const char *source,
                               ens_credentials **out, ens_error *err)
{
    static const char *const names[] = {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"};
    const char *prefix = kind == ENS__CRED_DOC_STS ? "Credentials." : "";
    const char *v[4], *code, *missing = NULL;
    bool require_all = kind != ENS__CRED_DOC_URI, wrong = false;
    time_t expiration = 0;
    ens__doc d;
    ens_status st;
    size_t i;

    memset(&d, 0, sizeof(d));
    st = ens__doc_parse(&d, body, len);
    if (st == ENS_ENOMEM) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: reading %s", source);
        goto done;
    }
    if (st != ENS_OK) {
        /* the position only: the text may be a secret */
        char where[64];
        ens__doc_where(&d, where, sizeof(where));
        st = FAIL(err, "%s: response is not valid JSON (%s)", source, where);
        goto done;
    }
    if (d.n == 0 || d.e[0].type != ENS__DOC_OBJECT) {
        st = FAIL(err, "%s: response is not a JSON object", source);
        goto done;
    }
    code = ens__doc_str(&d, "Code", &wrong);
    if (wrong) {
        st = FAIL(err, "%s: member Code is not a string", source);
        goto done;
    }
    if (kind != ENS__CRED_DOC_STS && (code || kind == ENS__CRED_DOC_METADATA) &&
        (!code || strcmp(code, "Success") != 0)) {
        /* the Code of a failure is not secret, but keep it short and printable */
        char shown[64];
        ens__cred_shown_name(shown, sizeof(shown), code ? code : "(none)");
        st = FAIL(err, "%s: Code is '%s', not 'Success'", source, shown);
        goto done;
    }
    if (kind == ENS__CRED_DOC_STS && !ens__doc_get(&d, "Credentials", NULL)) {
        st = FAIL(err, "%s: the answer has no Credentials", source);
        goto done;
    }
    for (i = 0; i < 4; i++) {
        char path[64];
        snprintf(path, sizeof(path), "%s%s", prefix, names[i]);
        v[i] = ens__doc_str(&d, path, &wrong);
        if (!v[i] && !missing && (i < 2 || require_all))
            missing = names[i];
    }
    if (wrong) {
        st = FAIL(err, "%s: a credentials member is not a string", source);
        goto done;
    }
    if (missing) {
        st = FAIL(err, "%s: %s is missing or empty", source, missing);
        goto done;
    }
    if (v[3] && ens__utc_time_parse(v[3], &expiration) != 0) {
        st = FAIL(err, "%s: Expiration is not a time like 2026-11-25T12:00:00Z", source);
        goto done;
    }
    st = ens__cred_new_checked(out, v[0], v[1], v[2], expiration, source, err);
done:
    ens__doc_free(&d);
    return st;
}

/* ---- jansson trees (the generic RPC call's answers) ------------------------ */

void ens__cred_json_wipe(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    if (!j)
        return;
    switch (json_typeof(j)) {
    case JSON_STRING:
        sodium_memzero((char *)json_string_value(j), json_string_length(j));
        break;
    case JSON_OBJECT:
        json_object_foreach(j, key, v) ens__cred_json_wipe(v);
        break;
    case JSON_ARRAY:
        json_array_foreach(j, i, v) ens__cred_json_wipe(v);
        break;
    default:
        break;
    }
}
