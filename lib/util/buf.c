/* SPDX-License-Identifier: MIT */
#include "util/buf.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

int ens__buf_grow(ens__buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->lent) {
        /* Off the caller's storage: copied, and what it held wiped (it may
           have been part of a secret). */
        p = ens__malloc(cap);
        if (!p) {
            b->oom = true;
            return -1;
        }
        memcpy(p, b->ptr, b->len + 1);
        sodium_memzero(b->ptr, b->cap);
        b->lent = false;
    } else if (!(p = ens__realloc(b->ptr, cap))) {
        b->oom = true;
        return -1;
    }
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int ens__buf_grow_wiped(ens__buf *b, size_t extra)
{
    size_t cap;
    char *p;
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX / 2 - b->len - 1) {
        b->oom = true;
        return -1;
    }
    if (b->ptr && b->len + extra + 1 <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    p = ens__malloc(cap);
    if (!p) {
        b->oom = true;
        return -1;
    }
    if (b->ptr) {
        memcpy(p, b->ptr, b->len + 1);
        sodium_memzero(b->ptr, b->cap);
        if (!b->lent)
            ens__free(b->ptr);
    } else {
        p[0] = '\0';
    }
    b->ptr = p;
    b->cap = cap;
    b->lent = false;
    return 0;
}

void ens__buf_init_on(ens__buf *b, char *storage, size_t cap)
{
    b->ptr = storage;
    b->ptr[0] = '\0';
    b->len = 0;
    b->cap = cap;
    b->oom = false;
    b->lent = true;
}

int ens__buf_put(ens__buf *b, const void *data, size_t len)
{
    if (ens__buf_grow(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return 0;
}

int ens__buf_puts(ens__buf *b, const char *s) { return ens__buf_put(b, s, strlen(s)); }

int ens__buf_putc(ens__buf *b, char c) { return ens__buf_put(b, &c, 1); }

int ens__buf_printf(ens__buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t spare;
    int n;
    if (b->oom)
        return -1;
    /* Format into the spare capacity first (it includes the byte of the NUL);
       only when that was too small grow and format a second time. */
    spare = b->ptr ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = vsnprintf(spare ? b->ptr + b->len : NULL, spare, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < spare) {
        b->len += (size_t)n;
        return 0;
    }
    if (n < 0 || ens__buf_grow(b, (size_t)n) < 0) {
        if (b->ptr)
            b->ptr[b->len] = '\0'; /* drop what a truncated first pass left */
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *ens__buf_cstr(const ens__buf *b) { return b->ptr ? b->ptr : ""; }

char *ens__buf_detach(ens__buf *b)
{
    char *p;
    if (b->oom)
        return NULL;
    if (b->lent) { /* never hand out the caller's storage */
        p = ens__strndup(b->ptr, b->len);
        if (!p)
            return NULL;
        ens__buf_free(b);
        return p;
    }
    if (!b->ptr && ens__buf_grow(b, 0) < 0)
        return NULL;
    b->ptr[b->len] = '\0';
    p = b->ptr;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void ens__buf_clear(ens__buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void ens__buf_free(ens__buf *b)
{
    if (!b->lent)
        ens__free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    b->lent = false;
}

void ens__buf_wipe_free(ens__buf *b)
{
    if (b->ptr)
        sodium_memzero(b->ptr, b->cap);
    ens__buf_free(b);
}
