/* SPDX-License-Identifier: MIT */
/* The watch's store and its snapshots (see store.h), the public snapshot
 * accessors of include/ensclient/watch.h, and the comparison of two
 * connections that says what changed. */
#include "watch/store.h"

#include <stdlib.h>
#include <string.h>

#include "model/schema.h"
#include "util/alloc.h"

/* ---- entries and snapshots -------------------------------------------- */

static void entry_release(ens__watch_entry *e)
{
    if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        ens_peer_connection_free(e->conn);
        ens__free(e);
    }
}

static void entry_retain(ens__watch_entry *e) { atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); }

static ens_watch_snapshot *snapshot_alloc(size_t count)
{
    ens_watch_snapshot *snap;
    if (count > (SIZE_MAX - sizeof(*snap)) / sizeof(snap->items[0]))
        return NULL;
    snap = ens__malloc(sizeof(*snap) + count * sizeof(snap->items[0]));
    if (!snap)
        return NULL;
    atomic_init(&snap->refs, 1);
    snap->generation = 0;
    snap->count = 0;
    return snap;
}

ENS_EXTERN void ens_watch_snapshot_release(ens_watch_snapshot *s)
{
    size_t i;
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (i = 0; i < s->count; i++)
        entry_release(s->items[i]);
    ens__free(s);
}

ens_watch_snapshot *ens__store_snapshot(const ens__store *s)
{
    ens__store *st = (ens__store *)s; /* the lock is not the store's state */
    ens_watch_snapshot *snap;
    pthread_mutex_lock(&st->lock);
    snap = st->current;
    atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&st->lock);
    return snap;
}

ENS_EXTERN size_t ens_watch_snapshot_count(const ens_watch_snapshot *s) { return s ? s->count : 0; }

ENS_EXTERN const ens_peer_connection *ens_watch_snapshot_at(const ens_watch_snapshot *s, size_t i)
{
    return s && i < s->count ? s->items[i]->conn : NULL;
}

ENS_EXTERN const ens_peer_connection *ens_watch_snapshot_find(const ens_watch_snapshot *s,
                                                              const char *instance_id)
{
    size_t lo = 0, hi;
    if (!s || !instance_id)
        return NULL;
    hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(s->items[mid]->conn->instance_id, instance_id);
        if (cmp == 0)
            return s->items[mid]->conn;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

ENS_EXTERN uint64_t ens_watch_snapshot_generation(const ens_watch_snapshot *s)
{
    return s ? s->generation : 0;
}

/* ---- the store -------------------------------------------------------- */

ens_status ens__store_init(ens__store *s)
{
    memset(s, 0, sizeof(*s));
    if (!(s->current = snapshot_alloc(0)))
        return ENS_ENOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        ens__free(s->current);
        s->current = NULL;
        return ENS_ENOMEM;
    }
    return ENS_OK;
}

void ens__store_destroy(ens__store *s)
{
    size_t i = 0;
    const ens__idmap_slot *slot;
    if (!s->current)
        return; /* never initialised */
    while ((slot = ens__idmap_next(&s->map, &i)) != NULL)
        entry_release(slot->value);
    ens__idmap_free(&s->map);
    ens_watch_snapshot_release(s->current);
    s->current = NULL;
    pthread_mutex_destroy(&s->lock);
}

ens__watch_entry *ens__store_get(const ens__store *s, const char *id)
{
    return ens__idmap_get(&s->map, id);
}

/* ---- a batch of changes ----------------------------------------------- */

static ens__change *change_push(ens__changes *ch)
{
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 16;
        ens__change *v;
        if (cap > SIZE_MAX / sizeof(*v))
            return NULL;
        v = ens__realloc(ch->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        ch->v = v;
        ch->cap = cap;
    }
    memset(&ch->v[ch->n], 0, sizeof(ch->v[0]));
    return &ch->v[ch->n++];
}

ens_status ens__changes_observe(ens__changes *ch, const ens__store *s, const ens_peer_connection *c)
{
    ens__watch_entry *old = ens__store_get(s, c->instance_id), *e;
    unsigned int changed = 0;
    ens__change *x;
    if (old && (changed = ens__connection_diff(old->conn, c)) == 0)
        return ENS_OK;
    if (!(e = ens__calloc(1, sizeof(*e))))
        return ENS_ENOMEM;
    if (ens_peer_connection_copy(&e->conn, c) != ENS_OK || !(x = change_push(ch))) {
        ens_peer_connection_free(e->conn);
        ens__free(e);
        return ENS_ENOMEM;
    }
    atomic_init(&e->refs, 1);
    x->kind = old ? ENS_WATCH_UPDATED : ENS_WATCH_ADDED;
    x->old = old; /* its reference moves from the map to the change at commit */
    x->now = e;
    x->changed = changed;
    if (!old)
        ch->added++;
    return ENS_OK;
}

ens_status ens__changes_remove(ens__changes *ch, const ens__store *s, const char *id)
{
    ens__watch_entry *old = ens__store_get(s, id);
    ens__change *x;
    if (!old)
        return ENS_OK;
    if (!(x = change_push(ch)))
        return ENS_ENOMEM;
    x->kind = ENS_WATCH_REMOVED;
    x->old = old;
    ch->removed++;
    return ENS_OK;
}

static int by_id(const void *a, const void *b)
{
    const ens__watch_entry *x = *(ens__watch_entry *const *)a, *y = *(ens__watch_entry *const *)b;
    return strcmp(x->conn->instance_id, y->conn->instance_id);
}

ens_status ens__store_commit(ens__store *s, ens__changes *ch)
{
    size_t count = s->map.count + ch->added - ch->removed, i, k = 0;
    const ens__idmap_slot *slot;
    ens_watch_snapshot *snap, *old;

    if (ch->n == 0)
        return ENS_OK;
    /* Everything that can fail, first. */
    if (ens__idmap_reserve(&s->map, ch->added) != ENS_OK || !(snap = snapshot_alloc(count)))
        return ENS_ENOMEM;
    /* From here on nothing fails. */
    for (i = 0; i < ch->n; i++) {
        ens__change *x = &ch->v[i];
        if (x->kind == ENS_WATCH_REMOVED)
            ens__idmap_remove(&s->map, x->old->conn->instance_id);
        else
            ens__idmap_put(&s->map, x->now->conn->instance_id, x->now);
    }
    ch->committed = true;
    i = 0;
    while ((slot = ens__idmap_next(&s->map, &i)) != NULL) {
        snap->items[k++] = slot->value;
        entry_retain(slot->value);
    }
    snap->count = k;
    qsort(snap->items, k, sizeof(snap->items[0]), by_id);
    snap->generation = ++s->generation;
    pthread_mutex_lock(&s->lock);
    old = s->current;
    s->current = snap;
    pthread_mutex_unlock(&s->lock);
    ens_watch_snapshot_release(old);
    return ENS_OK;
}

void ens__changes_release(ens__changes *ch)
{
    size_t i;
    for (i = 0; i < ch->n; i++) {
        if (ch->committed)
            entry_release(ch->v[i].old);
        else
            entry_release(ch->v[i].now);
    }
    ens__free(ch->v);
    memset(ch, 0, sizeof(*ch));
}

/* ---- what changed ----------------------------------------------------- */

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* true when the members of shape sh at a and b are equal (the rows, and the
   present flag of an object). */
static bool shape_eq(const ens__shape *sh, const char *a, const char *b);

static bool row_eq(const ens__field *row, const char *a, const char *b)
{
    switch (row->kind) {
    case ENS__F_TEXT:
        return str_eq(*(const char *const *)(const void *)(a + row->at),
                      *(const char *const *)(const void *)(b + row->at));
    case ENS__F_COUNT:
        return *(const int64_t *)(const void *)(a + row->at) == *(const int64_t *)(const void *)(b + row->at);
    case ENS__F_OBJECT:
        return shape_eq(row->of, a + row->at, b + row->at);
    case ENS__F_STRINGS: {
        const char *const *x = *(const char *const *const *)(const void *)(a + row->at);
        const char *const *y = *(const char *const *const *)(const void *)(b + row->at);
        size_t n = *(const size_t *)(const void *)(a + row->count_at), i;
        if (n != *(const size_t *)(const void *)(b + row->count_at))
            return false;
        for (i = 0; i < n; i++)
            if (!str_eq(x[i], y[i]))
                return false;
        return true;
    }
    case ENS__F_LIST:
        break;
    }
    return false;
}

static bool shape_eq(const ens__shape *sh, const char *a, const char *b)
{
    size_t r;
    if (sh->present != ENS__NO_FLAG &&
        *(const bool *)(const void *)(a + sh->present) != *(const bool *)(const void *)(b + sh->present))
        return false;
    for (r = 0; r < sh->count; r++)
        if (!row_eq(&sh->fields[r], a, b))
            return false;
    return true;
}

/* The public bit of each member by JSON name; the members not named here
   (new ones included) are ENS_WATCH_CHANGED_OTHER. */
static const struct {
    const char *name;
    unsigned int bit;
} member_bits[] = {
    {"InstanceId", 0}, /* the key: equal whenever two connections are compared */
    {"CreationTime", ENS_WATCH_CHANGED_CREATION_TIME},
    {"Name", ENS_WATCH_CHANGED_NAME},
    {"Description", ENS_WATCH_CHANGED_DESCRIPTION},
    {"EnsRegionId", ENS_WATCH_CHANGED_REGION},
    {"Status", ENS_WATCH_CHANGED_STATUS},
    {"NetworkId", ENS_WATCH_CHANGED_NETWORK},
    {"Network", ENS_WATCH_CHANGED_NETWORK},
    {"AcceptingNetworkId", ENS_WATCH_CHANGED_ACCEPTING_NETWORK},
    {"AcceptingNetwork", ENS_WATCH_CHANGED_ACCEPTING_NETWORK},
};

unsigned int ens__connection_diff(const ens_peer_connection *a, const ens_peer_connection *b)
{
    const ens__shape *sh = &ens__connection_shape;
    unsigned int bits = 0;
    size_t r, k;
    for (r = 0; r < sh->count; r++) {
        const ens__field *row = &sh->fields[r];
        unsigned int bit = ENS_WATCH_CHANGED_OTHER;
        if (row_eq(row, (const char *)a, (const char *)b))
            continue;
        for (k = 0; k < sizeof(member_bits) / sizeof(member_bits[0]); k++)
            if (strcmp(member_bits[k].name, row->name) == 0)
                bit = member_bits[k].bit;
        bits |= bit ? bit : ENS_WATCH_CHANGED_OTHER;
    }
    return bits;
}
