/* SPDX-License-Identifier: MIT */
/* One walk of a watch (see walk.h). */
#include "watch/walk.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/cancel.h"
#include "util/error.h"
#include "ensclient/watch.h"

/* The page size of a lookup: the smallest the service accepts. */
#define LOOKUP_PAGE_SIZE 10

void ens__walk_begin(ens__walk *w, const ens__walk_config *cfg, const ens__store *store)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->store = store;
    w->st = ENS_OK;
    ens_error_init(&w->err);
    w->phase = ENS__WALK_PAGES;
    w->start = ens__now_ms();
    w->deadline = w->start + cfg->walk_timeout_ms;
    w->page = 1;
    w->first_total = w->last_total = -1;
}

/* Forgets what this pass met (the walk starts over, or ends). */
static void drop_pass(ens__walk *w)
{
    size_t i;
    for (i = 0; i < w->nresps; i++)
        ens_describe_response_free(w->resps[i]);
    w->nresps = 0;
    ens__idmap_clear(&w->seen);
    w->met = w->unkeyed = 0;
    w->moved = false;
    w->page = 1;
    w->first_total = w->last_total = -1;
}

void ens__walk_clear(ens__walk *w)
{
    drop_pass(w);
    ens__free(w->resps);
    ens__idmap_free(&w->seen);
    ens__free(w->cands);
    ens__free(w->gone);
    ens__free(w->suspects);
    memset(w, 0, sizeof(*w));
}

void ens__walk_fail(ens__walk *w, ens_status st, const char *what)
{
    if (w->phase == ENS__WALK_FINISHED)
        return;
    w->phase = ENS__WALK_FINISHED;
    w->st = st;
    ens__error_set(&w->err, st, "%s: %s", ens_strerror(st), what);
}

/* A failed call ends the walk with the call's details, the description
 * saying where the walk was. */
static void fail_call(ens__walk *w, ens_status st, const ens_error *err)
{
    char where[64], desc[sizeof(w->err.description)];
    if (w->phase == ENS__WALK_LOOKUPS)
        snprintf(where, sizeof(where), "walk lookup %u", w->lookups);
    else
        snprintf(where, sizeof(where), "walk page %ld", (long)w->page);
    w->phase = ENS__WALK_FINISHED;
    w->st = st;
    if (err) {
        w->err = *err;
        w->err.version = ENS_ERROR_VERSION;
    } else {
        ens_error_init(&w->err);
    }
    w->err.status = st;
    {
        /* "<where>: <the call's description>", cut to fit */
        size_t n = strlen(where);
        memcpy(desc, where, n);
        desc[n++] = ':';
        desc[n++] = ' ';
        ens__strlcpy(desc + n, sizeof(desc) - n,
                     err && err->description[0] ? err->description : ens_strerror(st));
    }
    ens__strlcpy(w->err.description, sizeof(w->err.description), desc);
}

static bool keep(ens__walk *w, ens_describe_response *resp)
{
    if (w->nresps == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        ens_describe_response **v = ens__realloc(w->resps, cap * sizeof(*v));
        if (!v)
            return false;
        w->resps = v;
        w->cap = cap;
    }
    w->resps[w->nresps++] = resp;
    return true;
}

/* After a consistent pass: sorts every stored connection the walk did not
 * meet into those to remove now (missing twice in a row), to look up, and
 * to mark as suspects. */
static ens_status plan_removals(ens__walk *w)
{
    const ens__idmap *map = &w->store->map;
    const ens__idmap_slot *slot;
    size_t i = 0, n = map->count;
    if (n && (!(w->cands = ens__calloc(n, sizeof(*w->cands))) ||
              !(w->gone = ens__calloc(n, sizeof(*w->gone))) ||
              !(w->suspects = ens__calloc(n, sizeof(*w->suspects)))))
        return ENS_ENOMEM;
    while ((slot = ens__idmap_next(map, &i)) != NULL) {
        const ens__watch_entry *e = slot->value;
        if (ens__idmap_get(&w->seen, slot->key))
            continue;
        if (e->suspect)
            w->gone[w->ngone++] = slot->key;
        else if (w->ncands < w->cfg->max_lookups)
            w->cands[w->ncands++] = slot->key;
        else
            w->suspects[w->nsuspects++] = slot->key;
    }
    return ENS_OK;
}

/* The pass ended on its last page. */
static void end_pass(ens__walk *w)
{
    if (w->last_total >= 0 && (int64_t)(w->met + w->unkeyed) != w->last_total)
        w->moved = true;
    if (w->moved) {
        if (w->repeats < w->cfg->max_repeats) {
            w->repeats++;
            drop_pass(w);
            return;
        }
        /* Still moving: apply what the last pass met, remove nothing. */
        ens__error_set(&w->err, ENS_EPAGINATION,
                       "inconsistent paging: the data kept moving during %u walks in a row "
                       "(TotalCount %lld, %zu connections met); additions and updates applied, "
                       "nothing removed",
                       w->repeats + 1, (long long)w->last_total, w->met + w->unkeyed);
        w->consistent = false;
        w->phase = ENS__WALK_FINISHED;
        return;
    }
    w->consistent = true;
    if (plan_removals(w) != ENS_OK) {
        ens__walk_fail(w, ENS_ENOMEM, "out of memory: planning the removals of a walk");
        return;
    }
    w->phase = w->ncands ? ENS__WALK_LOOKUPS : ENS__WALK_FINISHED;
}

static void feed_page(ens__walk *w, ens_describe_response *resp)
{
    const int32_t size = w->cfg->req->page_size;
    size_t n = resp->connections_count, i;
    char what[160];

    if (resp->page_number >= 0 && resp->page_number != w->page) {
        snprintf(what, sizeof(what), "inconsistent paging: asked for page %ld, the server answered with page %lld",
                 (long)w->page, (long long)resp->page_number);
        ens_describe_response_free(resp);
        ens__walk_fail(w, ENS_EPAGINATION, what);
        w->err.http_status = 200;
        return;
    }
    if (ens__idmap_reserve(&w->seen, n) != ENS_OK || !keep(w, resp)) {
        ens_describe_response_free(resp);
        ens__walk_fail(w, ENS_ENOMEM, "out of memory: recording a page of the walk");
        return;
    }
    if (w->page == 1) {
        w->first_total = resp->total_count;
        w->budget = (uint64_t)(resp->total_count > 0 ? resp->total_count : 0) / (uint64_t)size + 1 +
                    ENS_WATCH_EXTRA_PAGES;
    } else if (resp->total_count != w->last_total) {
        w->moved = true;
    }
    w->last_total = resp->total_count;
    for (i = 0; i < n; i++) {
        const ens_peer_connection *c = &resp->connections[i];
        if (!c->instance_id) {
            w->unkeyed++;
            continue;
        }
        if (ens__idmap_put(&w->seen, c->instance_id, (void *)c))
            w->moved = true; /* met twice: it moved onto a later page */
        else
            w->met++;
    }
    if (n < (size_t)size || (w->last_total >= 0 && (int64_t)w->page * size >= w->last_total)) {
        end_pass(w);
        return;
    }
    if ((uint64_t)w->page >= w->budget || w->page == INT32_MAX) {
        snprintf(what, sizeof(what),
                 "inconsistent paging: TotalCount kept growing (%lld after %ld pages, %lld on the first)",
                 (long long)w->last_total, (long)w->page, (long long)w->first_total);
        ens__walk_fail(w, ENS_EPAGINATION, what);
        return;
    }
    w->page++;
}

static void feed_lookup(ens__walk *w, ens_describe_response *resp)
{
    const char *id = w->cands[w->next_cand++];
    size_t i;
    for (i = 0; i < resp->connections_count; i++) {
        const ens_peer_connection *c = &resp->connections[i];
        if (c->instance_id && strcmp(c->instance_id, id) == 0) {
            if (ens__idmap_reserve(&w->seen, 1) != ENS_OK || !keep(w, resp)) {
                ens_describe_response_free(resp);
                ens__walk_fail(w, ENS_ENOMEM, "out of memory: recording a lookup of the walk");
                return;
            }
            ens__idmap_put(&w->seen, c->instance_id, (void *)c); /* still there */
            break;
        }
    }
    if (i == resp->connections_count) {
        ens_describe_response_free(resp);
        w->gone[w->ngone++] = id;
    }
    if (w->next_cand == w->ncands)
        w->phase = ENS__WALK_FINISHED;
}

ens__walk_step ens__walk_next(ens__walk *w, const ens_describe_request **req, long *ms)
{
    long long left;
    if (w->phase == ENS__WALK_FINISHED)
        return ENS__WALK_DONE;
    left = w->deadline - ens__now_ms();
    if (left <= 0) {
        char what[96];
        snprintf(what, sizeof(what), "the walk did not finish within %ld ms", w->cfg->walk_timeout_ms);
        ens__walk_fail(w, ENS_ETIMEOUT, what);
        return ENS__WALK_DONE;
    }
    w->call = *w->cfg->req;
    if (w->phase == ENS__WALK_PAGES) {
        w->call.page_number = w->page;
    } else {
        w->call.instance_id = w->cands[w->next_cand];
        w->call.page_number = 1;
        w->call.page_size = LOOKUP_PAGE_SIZE;
        w->lookups++;
    }
    w->calls++;
    *req = &w->call;
    *ms = left < w->cfg->call_timeout_ms ? (long)left : w->cfg->call_timeout_ms;
    return ENS__WALK_FETCH;
}

void ens__walk_feed(ens__walk *w, ens_status st, ens_describe_response *resp, const ens_error *err)
{
    if (w->phase == ENS__WALK_FINISHED) {
        ens_describe_response_free(resp);
        return;
    }
    if (st != ENS_OK) {
        ens_describe_response_free(resp);
        fail_call(w, st, err);
        return;
    }
    if (w->phase == ENS__WALK_PAGES)
        feed_page(w, resp);
    else
        feed_lookup(w, resp);
}

const ens_peer_connection *ens__walk_observed(const ens__walk *w, size_t *i, size_t *k)
{
    for (; *i < w->nresps; (*i)++, *k = 0) {
        const ens_describe_response *r = w->resps[*i];
        while (*k < r->connections_count) {
            const ens_peer_connection *c = &r->connections[(*k)++];
            if (c->instance_id && ens__idmap_get(&w->seen, c->instance_id) == c)
                return c;
        }
    }
    return NULL;
}
