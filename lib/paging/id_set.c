/* SPDX-License-Identifier: MIT */
/* The set of InstanceIds a walk has met (see id_set.h). */
#include "paging/id_set.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, 64 bits */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Index of key's slot, or of the free slot where it would go. */
static size_t set_find(const ens__id_set *s, const char *key)
{
    size_t mask = s->cap - 1;
    size_t i = (size_t)hash_str(key) & mask;
    while (s->slots[i] && strcmp(s->slots[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

bool ens__id_set_contains(const ens__id_set *s, const char *key)
{
    return s->cap && s->slots[set_find(s, key)] != NULL;
}

ens_status ens__id_set_reserve(ens__id_set *s, size_t more)
{
    size_t need, cap, i;
    const char **slots;

    if (s->nblocks == s->blocks_cap) {
        size_t nc = s->blocks_cap ? s->blocks_cap * 2 : 8;
        char **b;
        if (nc > SIZE_MAX / sizeof(*b))
            return ENS_ENOMEM;
        b = ens__realloc(s->blocks, nc * sizeof(*b));
        if (!b)
            return ENS_ENOMEM;
        s->blocks = b;
        s->blocks_cap = nc;
    }
    if (more > SIZE_MAX / 4 - s->count)
        return ENS_ENOMEM;
    need = (s->count + more) * 2;
    if (need <= s->cap)
        return ENS_OK;
    for (cap = s->cap ? s->cap : 16; cap < need; cap *= 2)
        ;
    slots = ens__calloc(cap, sizeof(*slots));
    if (!slots)
        return ENS_ENOMEM;
    {
        ens__id_set grown = *s;
        grown.slots = slots;
        grown.cap = cap;
        for (i = 0; i < s->cap; i++)
            if (s->slots[i])
                slots[set_find(&grown, s->slots[i])] = s->slots[i];
    }
    ens__free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return ENS_OK;
}

void ens__id_set_add(ens__id_set *s, const char *key)
{
    s->slots[set_find(s, key)] = key;
    s->count++;
}

void ens__id_set_adopt_block(ens__id_set *s, char *block)
{
    s->blocks[s->nblocks++] = block;
}

void ens__id_set_free(ens__id_set *s)
{
    size_t i;
    for (i = 0; i < s->nblocks; i++)
        ens__free(s->blocks[i]);
    ens__free(s->blocks);
    ens__free(s->slots);
    memset(s, 0, sizeof(*s));
}
