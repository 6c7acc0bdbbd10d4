/* SPDX-License-Identifier: MIT */
/* RPC query building: RFC 3986 encoding, the parameter list, the canonical
 * (sorted) query string, and the request -> parameters mapping. */
#include "request/query.h"

#include <sodium.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int ens__percent_encode(ens__buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, start = 0;

    /* Runs of unreserved bytes are copied in one go. */
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[3];
        if (is_unreserved(c))
            continue;
        if (i > start && ens__buf_put(b, s + start, i - start) < 0)
            return -1;
        esc[0] = '%';
        esc[1] = hex[c >> 4];
        esc[2] = hex[c & 0x0F];
        if (ens__buf_put(b, esc, sizeof(esc)) < 0)
            return -1;
        start = i + 1;
    }
    if (i > start && ens__buf_put(b, s + start, i - start) < 0)
        return -1;
    return 0;
}

/* Makes room for extra more bytes of text and one more item.  Text that
 * moves is wiped where it was (a value may be a secret); the items' pointers
 * follow it. */
static ens_status room_for(ens__query *q, size_t extra)
{
    size_t i;
    if (!q->items) {
        q->items = q->slots;
        q->cap = ENS__QUERY_SLOTS;
    }
    if (!q->text.ptr)
        ens__buf_init_on(&q->text, q->room, sizeof(q->room));
    if (q->count == q->cap) {
        size_t cap = q->cap * 2;
        ens__param *items;
        if (cap > SIZE_MAX / sizeof(*items))
            return ENS_ENOMEM;
        items = ens__malloc(cap * sizeof(*items));
        if (!items)
            return ENS_ENOMEM;
        memcpy(items, q->items, q->count * sizeof(*items));
        if (q->items != q->slots)
            ens__free(q->items);
        q->items = items;
        q->cap = cap;
    }
    if (extra > q->text.cap - q->text.len - 1) {
        size_t *offs = ens__malloc((2 * q->count + 1) * sizeof(*offs));
        if (!offs)
            return ENS_ENOMEM;
        for (i = 0; i < q->count; i++) {
            offs[2 * i] = (size_t)(q->items[i].name - q->text.ptr);
            offs[2 * i + 1] = (size_t)(q->items[i].value - q->text.ptr);
        }
        if (ens__buf_grow_wiped(&q->text, extra) < 0) {
            ens__free(offs);
            return ENS_ENOMEM;
        }
        for (i = 0; i < q->count; i++) {
            q->items[i].name = q->text.ptr + offs[2 * i];
            q->items[i].value = q->text.ptr + offs[2 * i + 1];
        }
        ens__free(offs);
    }
    return ENS_OK;
}

/* Appends the encoding of s and a NUL to the text (room made). */
static char *encode_into(ens__query *q, const char *s, size_t len)
{
    size_t at = q->text.len;
    ens__percent_encode(&q->text, s, len);
    ens__buf_putc(&q->text, '\0'); /* a separator: the next one starts after it */
    return q->text.ptr + at;
}

static ens_status add(ens__query *q, const char *name, const char *value, bool secret)
{
    ens__param p;
    size_t nlen, vlen;

    if (!q || !name || !value)
        return ENS_EINVAL;
    nlen = strlen(name);
    vlen = strlen(value);
    if (nlen > SIZE_MAX / 8 || vlen > SIZE_MAX / 8)
        return ENS_ENOMEM;
    /* At most three bytes per byte, and the NULs: sized once, so that no
       grown-out copy of a secret is left behind. */
    if (room_for(q, 3 * (nlen + vlen) + 2) != ENS_OK)
        return ENS_ENOMEM;
    p.name = encode_into(q, name, nlen);
    p.value = encode_into(q, value, vlen);
    p.secret = secret;
    q->items[q->count++] = p;
    return ENS_OK;
}

ens_status ens__query_add(ens__query *q, const char *name, const char *value)
{
    return add(q, name, value, false);
}

ens_status ens__query_add_secret(ens__query *q, const char *name, const char *value)
{
    return add(q, name, value, true);
}

bool ens__query_has_secret(const ens__query *q)
{
    size_t i;
    for (i = 0; q && i < q->count; i++)
        if (q->items[i].secret)
            return true;
    return false;
}

/* A parameter with its original position, so that sorting is stable. */
typedef struct sort_entry {
    ens__param param;
    size_t index;
} sort_entry;

static int cmp_entry(const void *a, const void *b)
{
    const sort_entry *x = a, *y = b;
    int c = strcmp(x->param.name, y->param.name); /* compares as unsigned char */
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Writes "n1=v1&n2=v2" of q as it is ordered (secret values as [redacted]
 * when shown) into *out, sized once. */
static ens_status join(const ens__query *q, bool shown, char **out)
{
    static const char redacted[] = "[redacted]";
    ens__buf b = ENS__BUF_INIT;
    size_t i, total = 0;
    for (i = 0; i < q->count; i++)
        total += strlen(q->items[i].name) + 2 +
                 (shown && q->items[i].secret ? sizeof(redacted) : strlen(q->items[i].value));
    ens__buf_grow(&b, total);
    for (i = 0; i < q->count; i++) {
        if (i)
            ens__buf_putc(&b, '&');
        ens__buf_puts(&b, q->items[i].name);
        ens__buf_putc(&b, '=');
        ens__buf_puts(&b, shown && q->items[i].secret ? redacted : q->items[i].value);
    }
    /* Appends after an oom are no-ops; detach reports it. */
    *out = ens__buf_detach(&b);
    if (!*out) {
        ens__buf_free(&b);
        return ENS_ENOMEM;
    }
    return ENS_OK;
}

ens_status ens__query_shown(const ens__query *q, char **out)
{
    if (!q || !out)
        return ENS_EINVAL;
    return join(q, true, out);
}

ens_status ens__query_canonical(ens__query *q, char **out)
{
    size_t i;

    if (!q || !out)
        return ENS_EINVAL;
    if (q->count > 1) {
        sort_entry stack_tmp[ENS__QUERY_SLOTS];
        sort_entry *tmp = q->count <= ENS__QUERY_SLOTS ? stack_tmp : ens__calloc(q->count, sizeof(*tmp));
        if (!tmp)
            return ENS_ENOMEM;
        for (i = 0; i < q->count; i++) {
            tmp[i].param = q->items[i];
            tmp[i].index = i;
        }
        qsort(tmp, q->count, sizeof(*tmp), cmp_entry);
        for (i = 0; i < q->count; i++)
            q->items[i] = tmp[i].param;
        if (tmp != stack_tmp)
            ens__free(tmp);
    }
    return join(q, false, out);
}

void ens__query_free(ens__query *q)
{
    if (!q)
        return;
    ens__buf_wipe_free(&q->text); /* wipes the room too while the text is there */
    if (q->items != q->slots)
        ens__free(q->items);
    q->items = NULL;
    q->count = q->cap = 0;
}

/* Drops the parameters added after position keep (their text wiped). */
static void query_truncate(ens__query *q, size_t keep)
{
    size_t end;
    if (q->count <= keep)
        return;
    end = (size_t)(q->items[keep].name - q->text.ptr);
    sodium_memzero(q->text.ptr + end, q->text.len - end);
    q->text.len = end;
    q->count = keep;
}

static ens_status add_int(ens__query *q, const char *name, int32_t v)
{
    char num[16];
    snprintf(num, sizeof(num), "%" PRId32, v);
    return ens__query_add(q, name, num);
}

ens_status ens__query_from_request(const ens_describe_request *req, ens__query *q)
{
    size_t start, i;
    ens_status st = ENS_OK;

    if (!req || !q || (req->network_ids_count > 0 && !req->network_ids))
        return ENS_EINVAL;
    start = q->count;

    if (req->instance_id && (st = ens__query_add(q, "InstanceId", req->instance_id)) != ENS_OK)
        goto fail;
    if (req->ens_region_id && (st = ens__query_add(q, "EnsRegionId", req->ens_region_id)) != ENS_OK)
        goto fail;
    if (req->name && (st = ens__query_add(q, "Name", req->name)) != ENS_OK)
        goto fail;
    for (i = 0; i < req->network_ids_count; i++) {
        char field[40];
        if (!req->network_ids[i]) {
            st = ENS_EINVAL;
            goto fail;
        }
        snprintf(field, sizeof(field), "NetworkIds.%zu", i + 1);
        if ((st = ens__query_add(q, field, req->network_ids[i])) != ENS_OK)
            goto fail;
    }
    if (req->page_number != 0 && (st = add_int(q, "PageNumber", req->page_number)) != ENS_OK)
        goto fail;
    if (req->page_size != 0 && (st = add_int(q, "PageSize", req->page_size)) != ENS_OK)
        goto fail;
    return ENS_OK;

fail:
    query_truncate(q, start);
    return st;
}
