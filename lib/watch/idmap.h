/* SPDX-License-Identifier: MIT */
/* Internal: a map from InstanceId to a pointer, for the watch's store and
 * the walk's record of what it met.  Open addressing with linear probing
 * over a power-of-two table kept at most half full; removal shifts the
 * following entries back (no tombstones), so lookups stay short whatever
 * the churn.  Keys are borrowed: they must outlive their entry (they
 * normally point into the value). */
#ifndef ENS_LIB_WATCH_IDMAP_H
#define ENS_LIB_WATCH_IDMAP_H

#include <stddef.h>

#include "ensclient/common.h"

typedef struct ens__idmap_slot {
    const char *key; /* NULL = free */
    void *value;
} ens__idmap_slot;

typedef struct ens__idmap {
    ens__idmap_slot *slots; /* cap entries */
    size_t cap;             /* 0 or a power of two */
    size_t count;
} ens__idmap;

#define ENS__IDMAP_INIT {NULL, 0, 0}

/* Makes room for `more` entries beyond count, so that the next `more`
 * ens__idmap_put() calls cannot fail.  ENS_OK or ENS_ENOMEM (map unchanged). */
ens_status ens__idmap_reserve(ens__idmap *m, size_t more);

/* The value of key, or NULL. */
void *ens__idmap_get(const ens__idmap *m, const char *key);

/* Sets key to value and returns the value it replaced (NULL when key was
 * new; then it is stored as given).  Room must have been reserved for a new
 * key. */
void *ens__idmap_put(ens__idmap *m, const char *key, void *value);

/* Removes key; returns its value, or NULL when it was absent. */
void *ens__idmap_remove(ens__idmap *m, const char *key);

/* Forgets every entry (keeps the table). */
void ens__idmap_clear(ens__idmap *m);

void ens__idmap_free(ens__idmap *m);

/* Iteration: for (i = 0; (s = ens__idmap_next(m, &i)) != NULL;) ...  The map
 * must not change meanwhile. */
const ens__idmap_slot *ens__idmap_next(const ens__idmap *m, size_t *i);

#endif
