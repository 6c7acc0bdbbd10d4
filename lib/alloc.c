#include "alloc.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void *ens__malloc(size_t size) { return malloc(size ? size : 1); }

void *ens__calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

void *ens__realloc(void *ptr, size_t size) { return realloc(ptr, size ? size : 1); }

void ens__free(void *ptr) { free(ptr); }

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
