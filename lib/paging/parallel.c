/* SPDX-License-Identifier: MIT */
/* The parallel page fetch of the page walk (options.parallel >= 2): pages
 * after the one the walk needs are fetched ahead on an asynchronous engine
 * the iterator owns, driven by a small poll(2) loop inside _next.  The walk
 * itself (iterator.c) still checks and yields pages in order.  See
 * "Parallel page fetch" in include/ensclient/iterator.h. */
#include <string.h>

#include "paging/paging.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/error.h"

static void on_prefetch_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                             const ens_error *err, void *user)
{
    ens__prefetch *p = user;
    (void)call;
    p->call = NULL;
    p->done = true;
    p->st = st;
    p->resp = resp;
    p->err = *err;
}

void ens__walk_drop_prefetch(ens_page_iterator *it)
{
    unsigned int i;
    if (!it->slots)
        return;
    for (i = 0; i < it->parallel; i++)
        if (it->slots[i].call)
            ens_async_cancel(it->slots[i].call); /* its completion clears .call */
    for (i = 0; i < it->parallel; i++) {
        ens_describe_response_free(it->slots[i].resp);
        memset(&it->slots[i], 0, sizeof(it->slots[i]));
    }
}

void ens__walk_free_parallel(ens_page_iterator *it)
{
    ens__walk_drop_prefetch(it);
    ens_async_free(it->engine);
    it->engine = NULL;
    ens__async_loop_free(&it->loop);
    ens__free(it->slots);
    it->slots = NULL;
}

/* How many pages, from it->req.page_number on, the walk may have in flight:
 * no more than the sequential walk could still fetch as far as is known now
 * (latest TotalCount, limits, page budget).  At least 1. */
static uint64_t window(const ens_page_iterator *it)
{
    uint64_t w = it->parallel, size = (uint64_t)it->req.page_size;
    uint64_t next = (uint64_t)it->req.page_number;
    if (it->total_count < 0)
        return 1;
    {
        /* last page holding an entry below TotalCount */
        uint64_t last = it->total_count > 0 ? ((uint64_t)it->total_count - 1) / size + 1 : 0;
        uint64_t left = last >= next ? last - next + 1 : 1;
        if (left < w)
            w = left;
    }
    if (it->page_budget > it->pages && it->page_budget - it->pages < w)
        w = it->page_budget - it->pages;
    if (it->max_pages && it->max_pages > it->pages && it->max_pages - it->pages < w)
        w = it->max_pages - it->pages;
    if (it->max_items && it->max_items > it->yielded) {
        uint64_t need = (it->max_items - it->yielded + size - 1) / size;
        if (need < w)
            w = need;
    }
    if ((uint64_t)INT32_MAX - next + 1 < w)
        w = (uint64_t)INT32_MAX - next + 1;
    return w ? w : 1;
}

static ens__prefetch *find_slot(ens_page_iterator *it, int32_t page)
{
    unsigned int i;
    for (i = 0; i < it->parallel; i++)
        if (it->slots[i].page == page)
            return &it->slots[i];
    return NULL;
}

/* Starts the fetches of the window that are not under way.  Returns an error
 * only when the page the walk needs next could not be started. */
static ens_status fill_window(ens_page_iterator *it, ens_error *err)
{
    uint64_t w = window(it), k;
    unsigned int i;
    for (k = 0; k < w; k++) {
        int32_t page = (int32_t)((uint64_t)it->req.page_number + k);
        ens_describe_request req = it->req;
        ens_call_options co = ens__walk_call_options(it);
        ens__prefetch *p = NULL;
        ens_error e = ENS_ERROR_INIT;
        ens_status st;
        if (find_slot(it, page))
            continue;
        for (i = 0; i < it->parallel && !p; i++)
            if (it->slots[i].page == 0)
                p = &it->slots[i];
        if (!p) {
            if (k == 0) /* cannot happen: slots only hold pages from here on */
                return ens__error_set(err, ENS_EINTERNAL,
                                      "internal error: no room to fetch page %ld", (long)page);
            break;
        }
        req.page_number = page;
        /* Room for the sockets of one more transfer, so that recording them
           cannot fail (a few descriptors: connection, resolver). */
        st = ens__async_loop_reserve(&it->loop, 4);
        if (st == ENS_OK) {
            p->page = page;
            st = ens_async_describe(it->engine, &req, &co, on_prefetch_done, p, &p->call, &e);
        } else {
            ens__error_set(&e, st, "out of memory: starting the fetch of page %ld", (long)page);
        }
        if (st != ENS_OK) {
            memset(p, 0, sizeof(*p));
            if (k == 0) {
                ens__walk_copy_error(err, &e);
                return st;
            }
            break; /* try the rest later */
        }
    }
    return ENS_OK;
}

/* Creates the engine of the parallel walk.  ENS_EUNSUPPORTED when the
 * client's transport has no non-blocking form. */
static ens_status start_engine(ens_page_iterator *it, ens_error *err)
{
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    if (!it->slots && !(it->slots = ens__calloc(it->parallel, sizeof(*it->slots))))
        return ens__error_set(err, ENS_ENOMEM, "out of memory: starting the parallel walk");
    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &it->loop;
    return ens_async_new(&it->engine, it->client, &ao, err);
}

ens_status ens__walk_fetch_parallel(ens_page_iterator *it, ens_describe_response **resp,
                                    ens_error *e)
{
    ens_status st;
    if (!it->engine && (st = start_engine(it, e)) != ENS_OK)
        return st;
    for (;;) {
        ens__prefetch *p;
        long wait = -1;
        if ((st = fill_window(it, e)) != ENS_OK)
            return st;
        p = find_slot(it, it->req.page_number);
        if (p && p->done) {
            st = p->st;
            *resp = p->resp;
            if (st != ENS_OK)
                ens__walk_copy_error(e, &p->err);
            memset(p, 0, sizeof(*p)); /* a failed page is requested again next time */
            return st;
        }
        if (!p || ens_async_pending(it->engine) == 0) /* nothing could ever finish it */
            return ens__error_set(e, ENS_EINTERNAL,
                                  "internal error: page %ld of the parallel walk is not under way",
                                  (long)it->req.page_number);
        /* Wake up for the walk's deadline too; the loop also wakes at once
           when the token is triggered (it polls the token's descriptor). */
        if (it->deadline) {
            long long left = it->deadline - ens__now_ms();
            wait = left > 0 ? (long)left : 0;
        }
        st = ens__async_loop_run_once(&it->loop, it->engine, wait);
        if (st != ENS_OK) {
            /* The loop cannot go on: drop what is in flight (the walk itself
               stays where it was) and report. */
            ens__walk_drop_prefetch(it);
            if (st == ENS_ENOMEM)
                it->loop.oom = false;
            return ens__error_set(e, st, "%s: waiting for page %ld of the parallel walk",
                                  ens_strerror(st), (long)it->req.page_number);
        }
        if ((st = ens__walk_check_time(it, e)) != ENS_OK)
            return st;
    }
}
