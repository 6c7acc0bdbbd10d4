/* SPDX-License-Identifier: MIT */
/*
 * Ownership of parsed responses.  A response is one block (see json/page.c
 * and ens__layout in model/model.h), and so is a copied connection: each is
 * released with a single ens__free.  The copy walks the connection's table
 * (model/schema.h), so a member added there is copied too.
 */
#include <string.h>

#include "model/model.h"
#include "model/schema.h"
#include "util/alloc.h"

ENS_EXTERN void ens_describe_response_free(ens_describe_response *resp)
{
    /* The struct sits at the start of its block. */
    ens__free(resp);
}

static const char *copy_str(ens__layout *l, const char *s)
{
    return s ? ens__layout_str(l, s, strlen(s)) : NULL;
}

/* A STRINGS member: its pointer array and strings.  false for a count
 * without an array, which would have us read through NULL. */
static bool copy_strings(ens__layout *l, const ens__field *row, char *dst, const char *src)
{
    const char *const *from = *(const char *const *const *)(const void *)(src + row->at);
    size_t n = *(const size_t *)(const void *)(src + row->count_at);
    const char **arr = NULL;

    if (n && !from)
        return false;
    if (n)
        arr = ens__layout_ptrs(l, n);
    for (size_t i = 0; i < n; i++) {
        const char *s = copy_str(l, from[i]);
        if (arr)
            arr[i] = s;
    }
    *(const char *const **)(void *)(dst + row->at) = arr;
    return true;
}

/* One walk over an object of shape sh: measures while l->base is NULL (dst
 * is then scratch), fills otherwise.  The members no row names (the derived
 * status and creation_time_epoch, present flags, counts) are copied as they
 * are; strings and arrays are copied into the block. */
static bool copy_object(ens__layout *l, const ens__shape *sh, char *dst, const char *src)
{
    memcpy(dst, src, sh->size);
    for (size_t r = 0; r < sh->count; r++) {
        const ens__field *row = &sh->fields[r];
        switch (row->kind) {
        case ENS__F_TEXT:
            *(const char **)(void *)(dst + row->at) = copy_str(l, *(const char *const *)(const void *)(src + row->at));
            break;
        case ENS__F_COUNT: break;
        case ENS__F_OBJECT:
            if (!copy_object(l, row->of, dst + row->at, src + row->at))
                return false;
            break;
        case ENS__F_STRINGS:
            if (!copy_strings(l, row, dst, src))
                return false;
            break;
        case ENS__F_LIST: return false; /* only in the page itself, never copied */
        }
    }
    return true;
}

ENS_EXTERN ens_status ens_peer_connection_copy(ens_peer_connection **out, const ens_peer_connection *src)
{
    ens__layout l = ENS__LAYOUT_INIT;
    ens_peer_connection scratch, *conn;
    size_t total;
    char *block;

    if (!out || !src)
        return ENS_EINVAL;
    ens__layout_obj(&l, sizeof(scratch), _Alignof(ens_peer_connection));
    if (!copy_object(&l, &ens__connection_shape, (char *)&scratch, (const char *)src))
        return ENS_EINVAL;
    total = ens__layout_total(&l);
    block = total ? ens__malloc(total) : NULL;
    if (!block)
        return ENS_ENOMEM;

    ens__layout_start_fill(&l, block);
    conn = ens__layout_obj(&l, sizeof(*conn), _Alignof(ens_peer_connection));
    copy_object(&l, &ens__connection_shape, (char *)conn, (const char *)src);
    *out = conn;
    return ENS_OK;
}

ENS_EXTERN void ens_peer_connection_free(ens_peer_connection *conn) { ens__free(conn); }
