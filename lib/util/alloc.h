/* SPDX-License-Identifier: MIT */
/* Internal allocation wrappers.  Every allocation of the library goes through
 * these, so a host allocator or a failure-injection hook can be installed in
 * one place. */
#ifndef ENS_LIB_ALLOC_H
#define ENS_LIB_ALLOC_H

#include <stddef.h>

void *ens__malloc(size_t size);
void *ens__calloc(size_t n, size_t size);
void *ens__realloc(void *ptr, size_t size);
void ens__free(void *ptr);
char *ens__strdup(const char *s);
char *ens__strndup(const char *s, size_t n);

/* Memory for secrets: guarded, excluded from core dumps where possible
 * (libsodium's sodium_malloc), wiped on free. */
void *ens__secret_alloc(size_t size);
void ens__secret_free(void *ptr);
/* Copies a NUL-terminated string into secret memory. */
char *ens__secret_strdup(const char *s);

/* Wipes a NUL-terminated string's bytes, then frees it with ens__free. */
void ens__free_wipe_str(char *s);

#endif
