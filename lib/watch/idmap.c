/* SPDX-License-Identifier: MIT */
/* A map from InstanceId to a pointer (see idmap.h). */
#include "watch/idmap.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, 64 bits */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32));
}

/* Index of key's slot, or of the free slot where it would go (cap > 0). */
static size_t find(const ens__idmap *m, const char *key)
{
    size_t mask = m->cap - 1, i = hash_str(key) & mask;
    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

ens_status ens__idmap_reserve(ens__idmap *m, size_t more)
{
    ens__idmap grown;
    size_t need, cap, i;
    if (more > SIZE_MAX / 4 - m->count)
        return ENS_ENOMEM;
    need = (m->count + more) * 2;
    if (need <= m->cap)
        return ENS_OK;
    for (cap = m->cap ? m->cap : 16; cap < need; cap *= 2)
        ;
    if (cap > SIZE_MAX / sizeof(*grown.slots))
        return ENS_ENOMEM;
    grown.slots = ens__calloc(cap, sizeof(*grown.slots));
    if (!grown.slots)
        return ENS_ENOMEM;
    grown.cap = cap;
    grown.count = m->count;
    for (i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            grown.slots[find(&grown, m->slots[i].key)] = m->slots[i];
    ens__free(m->slots);
    *m = grown;
    return ENS_OK;
}

void *ens__idmap_get(const ens__idmap *m, const char *key)
{
    return m->cap ? m->slots[find(m, key)].value : NULL;
}

void *ens__idmap_put(ens__idmap *m, const char *key, void *value)
{
    ens__idmap_slot *s = &m->slots[find(m, key)];
    void *old = s->value;
    if (!s->key)
        m->count++;
    s->key = key;
    s->value = value;
    return old;
}

void *ens__idmap_remove(ens__idmap *m, const char *key)
{
    size_t mask, i, j;
    void *old;
    if (!m->cap)
        return NULL;
    mask = m->cap - 1;
    i = find(m, key);
    if (!m->slots[i].key)
        return NULL;
    old = m->slots[i].value;
    /* Backward-shift deletion: move each following entry into the hole
       unless its home slot lies cyclically in (hole, its position]. */
    for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = hash_str(m->slots[j].key) & mask;
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = NULL;
    m->slots[i].value = NULL;
    m->count--;
    return old;
}

void ens__idmap_clear(ens__idmap *m)
{
    if (m->cap)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->count = 0;
}

void ens__idmap_free(ens__idmap *m)
{
    ens__free(m->slots);
    memset(m, 0, sizeof(*m));
}

const ens__idmap_slot *ens__idmap_next(const ens__idmap *m, size_t *i)
{
    for (; *i < m->cap; (*i)++)
        if (m->slots[*i].key)
            return &m->slots[(*i)++];
    return NULL;
}
