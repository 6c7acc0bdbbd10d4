/* SPDX-License-Identifier: MIT */
/* Internal: one walk of a watch, as a state machine that does no I/O (the
 * watch's blocking and event-loop drivers make the calls it asks for):
 *
 *     ens__walk_begin(&w, &cfg, store);
 *     while (ens__walk_next(&w, &req, &ms) == ENS__WALK_FETCH)
 *         call DescribeNetworkPeerConnections with req and an ms deadline,
 *         then ens__walk_feed(&w, st, resp, &err);
 *     if (w.st == ENS_OK) apply what it met (ens__walk_observed()) and the
 *         removals (w.gone); ens__walk_clear(&w);
 *
 * It walks every page, checks that the walk is consistent (see watch.h:
 * the same TotalCount on every page, no InstanceId twice, the connections
 * met adding up to TotalCount), repeats it when it is not, and, after a
 * consistent walk, asks for each stored connection it did not meet by
 * InstanceId to confirm it is gone.  A failed call, a deadline, a paging
 * fault or no memory end the walk with that status: nothing is to be
 * applied then. */
#ifndef ENS_LIB_WATCH_WALK_H
#define ENS_LIB_WATCH_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "watch/idmap.h"
#include "watch/store.h"
#include "ensclient/types.h"

typedef struct ens__walk_config {
    const ens_describe_request *req; /* filters and page_size (set); page_number ignored */
    unsigned int max_repeats, max_lookups;
    long walk_timeout_ms;            /* > 0 */
    long call_timeout_ms;            /* > 0 */
} ens__walk_config;

typedef enum ens__walk_step {
    ENS__WALK_FETCH, /* make the call *req with an *ms deadline, then ens__walk_feed() */
    ENS__WALK_DONE   /* finished: w->st */
} ens__walk_step;

typedef enum ens__walk_phase { ENS__WALK_PAGES, ENS__WALK_LOOKUPS, ENS__WALK_FINISHED } ens__walk_phase;

typedef struct ens__walk {
    const ens__walk_config *cfg;
    const ens__store *store;
    /* outcome (ENS__WALK_DONE) */
    ens_status st;        /* ENS_OK: apply it; else it failed (err) and changes nothing */
    ens_error err;
    bool consistent;      /* ENS_OK and false: unsettled (apply without removals; err says why) */
    const char **gone;    /* InstanceIds to remove (keys of store entries) */
    size_t ngone;
    const char **suspects; /* missing, unconfirmed: mark them (keys of store entries) */
    size_t nsuspects;
    /* progress */
    ens__walk_phase phase;
    long long start, deadline;
    unsigned int calls, lookups, repeats;
    int32_t page;
    int64_t first_total, last_total;
    uint64_t budget;
    bool moved;           /* this pass saw the data move */
    size_t met, unkeyed;  /* distinct InstanceIds met, entries without one (this pass) */
    ens_describe_response **resps; /* pages of this pass, then lookup answers, in order */
    size_t nresps, cap;
    ens__idmap seen;      /* InstanceId -> the latest const ens_peer_connection * met */
    const char **cands;   /* InstanceIds to look up */
    size_t ncands, next_cand;
    ens_describe_request call; /* the call asked for last */
} ens__walk;

void ens__walk_begin(ens__walk *w, const ens__walk_config *cfg, const ens__store *store);

/* What to do next.  FETCH: *req (valid until ens__walk_feed()) with a
 * deadline of *ms (> 0).  DONE: see w->st. */
ens__walk_step ens__walk_next(ens__walk *w, const ens_describe_request **req, long *ms);

/* The call asked for ended: st, and on ENS_OK resp (taken over), else err
 * (may be NULL). */
void ens__walk_feed(ens__walk *w, ens_status st, ens_describe_response *resp, const ens_error *err);

/* Ends the walk with st (ENS_ECANCELED, ...) and a description. */
void ens__walk_fail(ens__walk *w, ens_status st, const char *what);

/* The connections the walk met, in the order it met them, each InstanceId
 * once (its latest copy): call with *i = 0 and *k = 0 until it returns NULL. */
const ens_peer_connection *ens__walk_observed(const ens__walk *w, size_t *i, size_t *k);

/* Frees everything the walk holds (what ens__walk_observed() returned too). */
void ens__walk_clear(ens__walk *w);

#endif
