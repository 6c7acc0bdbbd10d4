/* SPDX-License-Identifier: MIT */
/* Internal: the page iterator's state, shared by the walk (iterator.c) and
 * its parallel page fetch (parallel.c).  The contract is in
 * include/ensclient/iterator.h. */
#ifndef ENS_LIB_PAGING_H
#define ENS_LIB_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "async/async_loop.h"
#include "paging/id_set.h"
#include "ensclient/async.h"
#include "ensclient/iterator.h"

/* A page fetched ahead by the parallel walk (or being fetched). */
typedef struct ens__prefetch {
    int32_t page;          /* 0 = slot unused */
    ens_async_call *call;  /* in flight, or NULL */
    bool done;             /* finished: st, resp and err hold the outcome */
    ens_status st;
    ens_describe_response *resp;
    ens_error err;
} ens__prefetch;

struct ens_page_iterator {
    ens_client *client;             /* borrowed */
    ens_describe_request req;       /* owned copy; req.page_number is the page to fetch next */
    char *req_block;                /* the copy's strings (ens__request_copy) */
    uint64_t max_items, max_pages;  /* 0 = no limit */
    int64_t offset;                 /* entries before the first page: (first page - 1) * size */
    int64_t seen;                   /* distinct items met so far (NULL ids each count) */
    uint64_t yielded;               /* items handed to the caller */
    int64_t total_count;            /* latest TotalCount the server sent, -1 = none yet */
    uint64_t pages;                 /* pages accepted */
    uint64_t page_budget;           /* most pages the walk may fetch; 0 until the first page */
    int64_t first_total;            /* TotalCount of the first page, -1 = none */
    ens_describe_response *raw;     /* current page as parsed, or NULL */
    ens_describe_response view;     /* current page as yielded (filtered entries) */
    ens_peer_connection *view_conns;
    ens__id_set ids;
    ens_status final;               /* ENS_OK while the walk goes on */
    ens_error final_err;            /* details of a final error */
    /* time bounds (options version >= 3) */
    const ens_cancel *cancel;       /* borrowed; NULL = none */
    long page_timeout_ms;           /* 0 = the client's timeout_ms */
    long timeout_ms;                /* the walk's deadline; 0 = none */
    long long deadline;             /* monotonic ms; 0 until the first _next */
    /* parallel walk (options.parallel >= 2) */
    unsigned int parallel;          /* 0 = sequential */
    ens__prefetch *slots;           /* parallel entries, allocated with the engine */
    ens_async *engine;              /* created at the first parallel fetch */
    ens__async_loop loop;
};

/* Copies an error's details to a caller's structure (every copy goes through
 * here, so that a caller's older, shorter ens_error version is respected in
 * one place when the structure grows). */
void ens__walk_copy_error(ens_error *dst, const ens_error *src);

/* Ends the walk: every later _next returns st (with these details when st is
 * an error).  Drops pages fetched ahead. */
void ens__walk_final(ens_page_iterator *it, ens_status st, const ens_error *e);

/* ENS_OK while the walk may go on; else ENS_ECANCELED (the token is
 * triggered; nothing changes) or ENS_ETIMEOUT (the walk's deadline passed:
 * made final), with e filled. */
ens_status ens__walk_check_time(ens_page_iterator *it, ens_error *e);

/* The options of one page's call: the walk's token, and the page deadline
 * cut to the time the walk has left. */
ens_call_options ens__walk_call_options(const ens_page_iterator *it);

/* parallel.c: the page it->req.page_number through the parallel walk (its
 * result when it was fetched ahead, else waits for it).  ENS_EUNSUPPORTED
 * (nothing fetched) when the client's transport has no non-blocking form. */
ens_status ens__walk_fetch_parallel(ens_page_iterator *it, ens_describe_response **resp,
                                    ens_error *e);
/* Drops every page fetched ahead; calls in flight complete (cancelled). */
void ens__walk_drop_prefetch(ens_page_iterator *it);
/* Frees the parallel walk's engine, loop and slots. */
void ens__walk_free_parallel(ens_page_iterator *it);

#endif
