/* SPDX-License-Identifier: MIT */
/* Internal: the typed model's shared pieces: status texts, and the
 * single-block layout every ens_describe_response and every copied
 * ens_peer_connection is built in (one allocation each, released with one
 * ens__free). */
#ifndef ENS_LIB_MODEL_H
#define ENS_LIB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ensclient/types.h"

/* The enum of a Status text ("Creating", "Activated", "Deleting"; exact,
 * case-sensitive); ENS_PEER_STATUS_UNKNOWN for NULL or any other text. */
ens_peer_status ens__peer_status_from_text(const char *s);

/*
 * Single-block layout, shared by the response parser and
 * ens_peer_connection_copy().  A builder walks its source twice: first with
 * base == NULL, when the calls only add up sizes (and return NULL), then,
 * after ens__layout_start_fill(), over one block of ens__layout_total()
 * bytes, when they hand out memory and copy strings.  (The copy walks with
 * the same code both times; the page parser, json/page.c, reads its body
 * once: it lays out, with these calls, a block of slots sized from a count
 * of the body's bytes, then fills them.)
 * Aligned objects (structs, pointer arrays) come first, string bytes after.
 */
typedef struct ens__layout {
    char *base;    /* NULL while measuring */
    size_t obj;    /* next offset in the object region */
    size_t str;    /* next offset for string bytes (relative while measuring) */
    bool overflow; /* a size did not fit size_t */
} ens__layout;

#define ENS__LAYOUT_INIT {NULL, 0, 0, false}

/* Reserves size bytes aligned to align (a power of two).  NULL while measuring. */
static inline void *ens__layout_obj(ens__layout *l, size_t size, size_t align)
{
    size_t off = (l->obj + (align - 1)) & ~(align - 1);
    if (off < l->obj || off + size < off) {
        l->overflow = true;
        return NULL;
    }
    l->obj = off + size;
    return l->base ? l->base + off : NULL;
}

/* Reserves n pointers; NULL while measuring (or on overflow). */
static inline const char **ens__layout_ptrs(ens__layout *l, size_t n)
{
    if (n > SIZE_MAX / sizeof(const char *)) {
        l->overflow = true;
        return NULL;
    }
    return (const char **)ens__layout_obj(l, n * sizeof(const char *), _Alignof(const char *));
}

/* Reserves len + 1 bytes and, when filling, copies s[0..len) and a NUL there. */
static inline const char *ens__layout_str(ens__layout *l, const char *s, size_t len)
{
    size_t off = l->str;
    if (len > SIZE_MAX - 1 - off) {
        l->overflow = true;
        return NULL;
    }
    l->str = off + len + 1;
    if (!l->base)
        return NULL;
    if (len)
        memcpy(l->base + off, s, len);
    l->base[off + len] = '\0';
    return l->base + off;
}

/* Total bytes measured; 0 on overflow. */
static inline size_t ens__layout_total(const ens__layout *l)
{
    if (l->overflow || l->str > SIZE_MAX - l->obj)
        return 0;
    return l->obj + l->str;
}

/* Switches a measured layout to filling block (ens__layout_total() bytes,
 * aligned as malloc aligns). */
static inline void ens__layout_start_fill(ens__layout *l, char *block)
{
    l->base = block;
    l->str = l->obj;
    l->obj = 0;
}

#endif
