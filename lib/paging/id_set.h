/* SPDX-License-Identifier: MIT */
/* Internal: the set of InstanceIds a walk has met.
 * Open addressing with linear probing over a power-of-two table kept at most
 * half full.  The keys live in blocks owned by the set (one block per page),
 * so the responses they were read from can be freed.  Everything that can
 * fail is done by ens__id_set_reserve(); ens__id_set_add() then cannot fail,
 * which keeps a page's bookkeeping all-or-nothing. */
#ifndef ENS_LIB_PAGING_ID_SET_H
#define ENS_LIB_PAGING_ID_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "ensclient/common.h"

typedef struct ens__id_set {
    const char **slots; /* cap entries; NULL = free */
    size_t cap;         /* 0 or a power of two */
    size_t count;
    char **blocks; /* key storage */
    size_t nblocks, blocks_cap;
} ens__id_set;

bool ens__id_set_contains(const ens__id_set *s, const char *key);
/* Makes room for `more` keys and one more key block.  ENS_OK or ENS_ENOMEM;
 * on failure the set is unchanged (apart from spare capacity). */
ens_status ens__id_set_reserve(ens__id_set *s, size_t more);
/* Adds a key already stored in a block of the set.  Room must be reserved. */
void ens__id_set_add(ens__id_set *s, const char *key);
/* Hands a key block to the set.  A block must have been reserved. */
void ens__id_set_adopt_block(ens__id_set *s, char *block);
void ens__id_set_free(ens__id_set *s);

#endif
