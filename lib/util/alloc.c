/* SPDX-License-Identifier: MIT */
#include "util/alloc.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ensclient/allocator.h"

static void *sys_malloc(void *payload, size_t size)
{
    (void)payload;
    return malloc(size);
}

static void *sys_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    return realloc(ptr, size);
}

static void sys_free(void *payload, void *ptr)
{
    (void)payload;
    free(ptr);
}

static ens_allocator current = {ENS_ALLOCATOR_VERSION, sys_malloc, sys_realloc, sys_free, NULL};

ENS_EXTERN ens_status ens_set_allocator(const ens_allocator *allocator)
{
    if (!allocator) {
        current.malloc_fn = sys_malloc;
        current.realloc_fn = sys_realloc;
        current.free_fn = sys_free;
        current.payload = NULL;
        return ENS_OK;
    }
    if (allocator->version == 0 || allocator->version > ENS_ALLOCATOR_VERSION ||
        !allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn)
        return ENS_EINVAL;
    current = *allocator;
    current.version = ENS_ALLOCATOR_VERSION;
    return ENS_OK;
}

void *ens__malloc(size_t size) { return current.malloc_fn(current.payload, size ? size : 1); }

void *ens__calloc(size_t n, size_t size)
{
    void *p;
    if (n == 0 || size == 0)
        n = size = 1;
    if (n > SIZE_MAX / size)
        return NULL;
    p = current.malloc_fn(current.payload, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *ens__realloc(void *ptr, size_t size)
{
    return current.realloc_fn(current.payload, ptr, size ? size : 1);
}

void ens__free(void *ptr)
{
    if (ptr)
        current.free_fn(current.payload, ptr);
}

char *ens__strndup(const char *s, size_t n)
{
    char *p = ens__malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ens__strdup(const char *s) { return s ? ens__strndup(s, strlen(s)) : NULL; }

void *ens__secret_alloc(size_t size) { return sodium_malloc(size ? size : 1); }

void ens__secret_free(void *ptr)
{
    if (ptr)
        sodium_free(ptr); /* sodium_free wipes before releasing */
}

char *ens__secret_strdup(const char *s)
{
    size_t n;
    char *p;
    if (!s)
        return NULL;
    n = strlen(s);
    p = ens__secret_alloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n + 1);
    return p;
}

void ens__free_wipe_str(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    ens__free(s);
}
