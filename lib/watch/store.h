/* SPDX-License-Identifier: MIT */
/* Internal: the watch's store.  The store maps InstanceId to an entry: a
 * reference-counted, immutable copy of one connection.  Readers on other
 * threads get snapshots: a sorted array of entry references, published
 * under a lock and reference-counted too, so a reader never copies and
 * never sees a half-applied walk, and the watch never waits for a reader.
 *
 * A walk is applied in three steps, so that it is all or nothing:
 *   ens__changes_observe() / ens__changes_remove() for each connection the
 *   walk met or found gone (allocates: may fail, the store is untouched);
 *   ens__store_commit() (allocates first, then cannot fail);
 *   events, then ens__changes_release() (drops the replaced entries). */
#ifndef ENS_LIB_WATCH_STORE_H
#define ENS_LIB_WATCH_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "watch/idmap.h"
#include "ensclient/watch.h"

typedef struct ens__watch_entry {
    atomic_uint refs;
    bool suspect;              /* missing from the last consistent walk, removal
                                  unconfirmed (watch thread only) */
    ens_peer_connection *conn; /* one block; never changes */
} ens__watch_entry;

struct ens_watch_snapshot {
    atomic_uint refs;
    uint64_t generation;
    size_t count;
    ens__watch_entry *items[]; /* by InstanceId, ascending */
};

typedef struct ens__store {
    ens__idmap map;              /* InstanceId -> entry (one reference each) */
    uint64_t generation;
    pthread_mutex_t lock;        /* guards `current` */
    ens_watch_snapshot *current; /* one reference held by the store */
} ens__store;

typedef struct ens__change {
    ens_watch_event_kind kind; /* ADDED, UPDATED or REMOVED */
    ens__watch_entry *old;     /* UPDATED, REMOVED: the entry replaced (the change holds its reference) */
    ens__watch_entry *now;     /* ADDED, UPDATED: the new entry */
    unsigned int changed;      /* UPDATED: ENS_WATCH_CHANGED_* */
} ens__change;

typedef struct ens__changes {
    ens__change *v;
    size_t n, cap;
    size_t added, removed;
    bool committed;
} ens__changes;

#define ENS__CHANGES_INIT {NULL, 0, 0, 0, 0, false}

/* An empty store with an empty snapshot.  ENS_OK or ENS_ENOMEM. */
ens_status ens__store_init(ens__store *s);
/* Drops the store's references (snapshots held elsewhere stay valid). */
void ens__store_destroy(ens__store *s);

/* The entry of an InstanceId, or NULL. */
ens__watch_entry *ens__store_get(const ens__store *s, const char *id);

/* Records what a walk met: a change when c (which must have an InstanceId
 * not given before in this batch) is new or differs from the store's entry;
 * nothing otherwise.  ENS_OK or ENS_ENOMEM. */
ens_status ens__changes_observe(ens__changes *ch, const ens__store *s, const ens_peer_connection *c);
/* Records the removal of id (which the store holds).  ENS_OK or ENS_ENOMEM. */
ens_status ens__changes_remove(ens__changes *ch, const ens__store *s, const char *id);

/* Applies the batch to the store and publishes a new snapshot (nothing to do
 * for an empty batch).  ENS_OK, or ENS_ENOMEM with the store untouched. */
ens_status ens__store_commit(ens__store *s, ens__changes *ch);

/* Frees the batch: the entries it replaced (committed) or the entries it
 * made (not committed). */
void ens__changes_release(ens__changes *ch);

/* A new reference to the current snapshot. */
ens_watch_snapshot *ens__store_snapshot(const ens__store *s);

/* What differs between two connections: ENS_WATCH_CHANGED_* bits, 0 = equal. */
unsigned int ens__connection_diff(const ens_peer_connection *a, const ens_peer_connection *b);

#endif
