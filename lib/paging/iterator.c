/* SPDX-License-Identifier: MIT */
/* The paging iterators: a page walk over ens_describe_peer_connections()
 * that checks every page the server returns (page number, repeated pages,
 * items already yielded, a page budget), bounded by a cancellation token and
 * deadlines, and an item walk on top of it.  The parallel page fetch is in
 * parallel.c, the set of ids met in id_set.c.  See include/ensclient/iterator.h
 * for the contract. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "paging/paging.h"
#include "util/alloc.h"
#include "call/client_internal.h"
#include "call/describe.h"
#include "request/request_copy.h"
#include "util/cancel.h"
#include "util/error.h"

/* ---- the page iterator ------------------------------------------------- */

void ens__walk_copy_error(ens_error *dst, const ens_error *src)
{
    if (dst != src)
        ens__error_copy(dst, src); /* dst may be a caller's older, smaller ens_error */
}

/* Drops the page yielded last. */
static void release_current(ens_page_iterator *it)
{
    ens_describe_response_free(it->raw);
    it->raw = NULL;
    ens__free(it->view_conns);
    it->view_conns = NULL;
    memset(&it->view, 0, sizeof(it->view));
}

ENS_EXTERN void ens_page_iterator_free(ens_page_iterator *it)
{
    if (!it)
        return;
    ens__walk_free_parallel(it);
    release_current(it);
    ens__id_set_free(&it->ids);
    ens__free(it->req_block);
    ens__free(it);
}

ENS_EXTERN void ens_iterator_options_init(ens_iterator_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->version = ENS_ITERATOR_OPTIONS_VERSION;
}

/* Checks the arguments shared by both constructors and returns the request
 * with the iterator defaults applied, validated. */
static ens_status check_new_args(const void *out, const ens_client *client,
                                 const ens_describe_request *req, const ens_iterator_options *opts,
                                 ens_describe_request *eff, ens_error *err)
{
    if (!out || !client || !req)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL out, client or request");
    if (opts && (opts->version == 0 || opts->version > ENS_ITERATOR_OPTIONS_VERSION))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: unknown ens_iterator_options version %u "
                              "(this library knows up to %u)",
                              opts->version, (unsigned int)ENS_ITERATOR_OPTIONS_VERSION);
    if (opts && opts->version >= 2 && opts->parallel > ENS_ITERATOR_MAX_PARALLEL)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: ens_iterator_options.parallel %u is above %d",
                              opts->parallel, ENS_ITERATOR_MAX_PARALLEL);
    if (opts && opts->version >= 3 && (opts->page_timeout_ms < 0 || opts->timeout_ms < 0))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: negative ens_iterator_options.%s (%ld)",
                              opts->page_timeout_ms < 0 ? "page_timeout_ms" : "timeout_ms",
                              opts->page_timeout_ms < 0 ? opts->page_timeout_ms : opts->timeout_ms);
    *eff = *req;
    if (eff->page_size == 0)
        eff->page_size = ENS_ITERATOR_DEFAULT_PAGE_SIZE;
    if (eff->page_number == 0)
        eff->page_number = 1;
    return ens_describe_request_validate(eff, err);
}

ENS_EXTERN ens_status ens_page_iterator_new(ens_page_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err)
{
    ens_describe_request eff;
    ens_page_iterator *it;
    ens_status st;

    if ((st = check_new_args(out, client, req, opts, &eff, err)) != ENS_OK)
        return st;
    it = ens__calloc(1, sizeof(*it));
    if (!it)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the page iterator");
    if (ens__request_copy(&eff, &it->req, &it->req_block) != ENS_OK) {
        ens_page_iterator_free(it);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: copying the request");
    }
    it->client = client;
    it->max_items = opts ? opts->max_items : 0;
    it->max_pages = opts ? opts->max_pages : 0;
    it->parallel = opts && opts->version >= 2 && opts->parallel >= 2 ? opts->parallel : 0;
    if (opts && opts->version >= 3) {
        it->cancel = opts->cancel;
        it->page_timeout_ms = opts->page_timeout_ms;
        it->timeout_ms = opts->timeout_ms;
    }
    it->loop.due = -1;
    it->loop.cancel = it->cancel;
    it->offset = ((int64_t)eff.page_number - 1) * eff.page_size;
    it->total_count = -1;
    it->final = ENS_OK;
    ens_error_init(&it->final_err);
    *out = it;
    return ENS_OK;
}

void ens__walk_final(ens_page_iterator *it, ens_status st, const ens_error *e)
{
    ens__walk_drop_prefetch(it); /* pages fetched ahead are never looked at */
    it->final = st;
    if (e)
        ens__error_copy(&it->final_err, e); /* e may be a caller's older ens_error */
    it->final_err.version = ENS_ERROR_VERSION;
    it->final_err.status = st;
}

static ens_status report_final(const ens_page_iterator *it, ens_error *err)
{
    if (it->final < 0)
        ens__walk_copy_error(err, &it->final_err);
    return it->final;
}

/* Ends the walk because its deadline passed. */
static void expire(ens_page_iterator *it)
{
    ens_error e = ENS_ERROR_INIT;
    ens__error_set(&e, ENS_ETIMEOUT,
                   "timed out: the walk's deadline (timeout_ms %ld) passed after %llu page(s) and "
                   "%llu item(s); a longer deadline or a smaller walk (filters, max_items) "
                   "lets it finish",
                   it->timeout_ms, (unsigned long long)it->pages,
                   (unsigned long long)it->yielded);
    ens__walk_final(it, ENS_ETIMEOUT, &e);
}

ens_status ens__walk_check_time(ens_page_iterator *it, ens_error *e)
{
    if (ens_cancel_is_triggered(it->cancel)) {
        /* Calls fetched ahead carry the same token: they would only come back
           cancelled, and be reported once each after a reset. */
        ens__walk_drop_prefetch(it);
        return ens__error_set(e, ENS_ECANCELED,
                              "canceled: the walk's cancellation token was triggered (%llu "
                              "page(s), %llu item(s) so far; reset the token to resume)",
                              (unsigned long long)it->pages, (unsigned long long)it->yielded);
    }
    if (it->deadline && ens__now_ms() >= it->deadline) {
        expire(it);
        return report_final(it, e);
    }
    return ENS_OK;
}

ens_call_options ens__walk_call_options(const ens_page_iterator *it)
{
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    co.cancel = it->cancel;
    co.timeout_ms = it->page_timeout_ms;
    if (it->deadline) {
        long long left = it->deadline - ens__now_ms();
        long page = it->page_timeout_ms ? it->page_timeout_ms : it->client->timeout_ms;
        if (left < 1)
            left = 1;
        if (left < page)
            co.timeout_ms = (long)left;
    }
    return co;
}

/* The checks before a _next goes on: a final walk, a triggered token, a
 * passed deadline.  ENS_OK when it may go on. */
static ens_status gate(ens_page_iterator *it, ens_error *err)
{
    ens_error e = ENS_ERROR_INIT;
    ens_status st;
    if (it->final == ENS_ETIMEOUT) /* only the walk's deadline ends it so */
        return report_final(it, err);
    st = ens__walk_check_time(it, &e);
    if (st != ENS_OK)
        ens__walk_copy_error(err, &e);
    return st;
}

/* Ends the walk with ENS_EPAGINATION about the page resp, which the server
 * sent as a success (so: HTTP 2xx, at least one attempt). */
static ens_status paging_error(ens_page_iterator *it, const ens_describe_response *resp,
                               ens_error *err, const char *what)
{
    ens_error e = ENS_ERROR_INIT;
    const char *rid = resp->request_id ? resp->request_id : "";
    ens__error_set(&e, ENS_EPAGINATION, "inconsistent paging: %s%s%s%s", what,
                   *rid ? " [RequestId: " : "", rid, *rid ? "]" : "");
    ens__strlcpy(e.request_id, sizeof(e.request_id), rid);
    e.http_status = 200;
    e.attempts = 1;
    ens__walk_final(it, ENS_EPAGINATION, &e);
    return report_final(it, err);
}

/* Decides, after the page just accepted, whether the walk goes on. */
static void decide_next(ens_page_iterator *it, size_t entries)
{
    ens_error e = ENS_ERROR_INIT;

    /* (An empty page is also a short one; both are named for the reader.) */
    if (entries == 0 || entries < (size_t)it->req.page_size ||
        (it->total_count >= 0 && it->offset + it->seen >= it->total_count) ||
        (it->max_items && it->yielded >= it->max_items) ||
        (it->max_pages && it->pages >= it->max_pages)) {
        it->final = ENS_ITEROVER;
        return;
    }
    if (it->pages >= it->page_budget) {
        ens__error_set(&e, ENS_EPAGINATION,
                       "inconsistent paging: the server still reports more entries (TotalCount "
                       "%lld) after %llu pages, the most a walk may fetch when the first page's "
                       "TotalCount is %lld (first TotalCount / page size + 1 + %d)",
                       (long long)it->total_count, (unsigned long long)it->pages,
                       (long long)(it->first_total > 0 ? it->first_total : 0),
                       ENS_ITERATOR_EXTRA_PAGES);
        ens__walk_final(it, ENS_EPAGINATION, &e);
        return;
    }
    if (it->req.page_number == INT32_MAX) {
        ens__error_set(&e, ENS_EPAGINATION,
                       "inconsistent paging: the server still reports more entries after page %ld, "
                       "the last page number a request can carry",
                       (long)INT32_MAX);
        ens__walk_final(it, ENS_EPAGINATION, &e);
        return;
    }
    it->req.page_number++;
}

/* Takes ownership of resp (the page just fetched) and makes it the current
 * page, or ends the walk when the page is inconsistent.  ENS_ENOMEM leaves
 * the iterator as it was (the caller retries the same page). */
static ens_status accept_page(ens_page_iterator *it, ens_describe_response *resp, ens_error *err)
{
    const int32_t asked = it->req.page_number;
    const size_t n = resp->connections_count;
    ens_peer_connection *conns = NULL;
    char *block = NULL, *cursor;
    size_t i, bytes = 0, kept = 0, fresh = 0;
    char what[160];
    ens_status st;

    if (resp->page_number >= 0 && resp->page_number != asked) {
        snprintf(what, sizeof(what), "asked for page %ld, the server answered with page %lld",
                 (long)asked, (long long)resp->page_number);
        st = paging_error(it, resp, err, what);
        ens_describe_response_free(resp);
        return st;
    }

    /* Everything that can fail, first. */
    for (i = 0; i < n; i++)
        if (resp->connections[i].instance_id)
            bytes += strlen(resp->connections[i].instance_id) + 1;
    if (n && !(conns = ens__calloc(n, sizeof(*conns))))
        goto oom;
    if (bytes && !(block = ens__malloc(bytes)))
        goto oom;
    if (ens__id_set_reserve(&it->ids, n) != ENS_OK)
        goto oom;

    /* From here on nothing fails. */
    cursor = block;
    for (i = 0; i < n; i++) {
        const ens_peer_connection *c = &resp->connections[i];
        if (c->instance_id) {
            size_t len = strlen(c->instance_id) + 1;
            if (ens__id_set_contains(&it->ids, c->instance_id))
                continue; /* yielded before (or earlier on this page): never twice */
            memcpy(cursor, c->instance_id, len);
            ens__id_set_add(&it->ids, cursor);
            cursor += len;
        }
        conns[kept++] = *c;
        fresh++;
    }
    if (cursor != block)
        ens__id_set_adopt_block(&it->ids, block);
    else
        ens__free(block);

    if (n > 0 && fresh == 0) {
        ens__free(conns);
        snprintf(what, sizeof(what),
                 "page %ld holds %zu entries, all of them already seen (a repeated page)",
                 (long)asked, n);
        st = paging_error(it, resp, err, what);
        ens_describe_response_free(resp);
        return st;
    }

    if (it->max_items && kept > it->max_items - it->yielded)
        kept = (size_t)(it->max_items - it->yielded);
    if (kept == 0) {
        ens__free(conns);
        conns = NULL;
    }
    it->raw = resp;
    it->view = *resp;
    it->view.connections = conns;
    it->view.connections_count = kept;
    it->view_conns = conns;
    it->yielded += kept;
    it->seen += (int64_t)fresh;
    it->pages++;
    if (resp->total_count >= 0)
        it->total_count = resp->total_count;
    if (it->pages == 1) {
        int64_t t = resp->total_count > 0 ? resp->total_count : 0;
        it->first_total = resp->total_count;
        it->page_budget = (uint64_t)(t / it->req.page_size) + 1 + ENS_ITERATOR_EXTRA_PAGES;
    }
    decide_next(it, n);
    return ENS_OK;

oom:
    ens__free(conns);
    ens__free(block);
    ens_describe_response_free(resp);
    return ens__error_set(err, ENS_ENOMEM, "out of memory: recording page %ld of the walk",
                          (long)asked);
}

/* Fetches the page it->req.page_number, through the parallel walk when it is
 * on and possible, else with one blocking call. */
static ens_status fetch_page(ens_page_iterator *it, ens_describe_response **resp, ens_error *e)
{
    ens_call_options co;
    if (it->parallel >= 2 && it->pages >= 1) {
        ens_status st = ens__walk_fetch_parallel(it, resp, e);
        if (st != ENS_EUNSUPPORTED)
            return st;
        ens__client_log(it->client, ENS_LOG_INFO,
                        "%s: parallel page fetch needs the default libcurl transport; "
                        "walking one page at a time",
                        ENS__DESCRIBE_ACTION);
        it->parallel = 0;
        ens_error_init(e);
    }
    co = ens__walk_call_options(it);
    return ens_describe_peer_connections_ex(it->client, &it->req, &co, resp, e);
}

ENS_EXTERN ens_status ens_page_iterator_next(ens_page_iterator *it,
                                             const ens_describe_response **page, ens_error *err)
{
    ens_describe_response *resp = NULL;
    ens_error e = ENS_ERROR_INIT;
    ens_status st;

    if (!it || !page)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL iterator or page");
    if (it->final != ENS_OK)
        return report_final(it, err);
    if (it->timeout_ms && !it->deadline)
        it->deadline = ens__now_ms() + it->timeout_ms; /* the walk starts now */
    if ((st = gate(it, err)) != ENS_OK)
        return st;
    release_current(it);
    st = fetch_page(it, &resp, &e);
    if (st != ENS_OK) {
        /* The request was checked when the iterator was made, so this cannot
           get better on a retry. */
        if (st == ENS_EINVAL)
            ens__walk_final(it, st, &e);
        /* A fetch cut short by the walk's deadline (or cancelled) is the
           walk's own outcome. */
        if (st == ENS_ETIMEOUT || st == ENS_ECANCELED) {
            ens_error g = ENS_ERROR_INIT;
            ens_status gs = gate(it, &g);
            if (gs != ENS_OK) {
                g.attempts = e.attempts;
                g.http_status = e.http_status;
                ens__walk_copy_error(err, &g);
                return gs;
            }
        }
        ens__walk_copy_error(err, &e);
        return st;
    }
    st = accept_page(it, resp, err);
    if (st == ENS_OK)
        *page = &it->view;
    return st;
}

/* ---- the peer iterator: items of the page walk, one by one -------------- */

struct ens_peer_iterator {
    ens_page_iterator *pages;
    size_t index; /* next entry of pages->view */
};

ENS_EXTERN ens_status ens_peer_iterator_new(ens_peer_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err)
{
    ens_describe_request eff;
    ens_peer_iterator *it;
    ens_status st;

    if ((st = check_new_args(out, client, req, opts, &eff, err)) != ENS_OK)
        return st;
    it = ens__calloc(1, sizeof(*it));
    if (!it)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: allocating the peer iterator");
    if ((st = ens_page_iterator_new(&it->pages, client, req, opts, err)) != ENS_OK) {
        ens__free(it);
        return st;
    }
    *out = it;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_peer_iterator_next(ens_peer_iterator *it,
                                             const ens_peer_connection **item, ens_error *err)
{
    const ens_describe_response *page;
    ens_status st;

    if (!it || !item)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL iterator or item");
    for (;;) {
        const ens_describe_response *cur = &it->pages->view;
        if (it->index < cur->connections_count) {
            if ((st = gate(it->pages, err)) != ENS_OK)
                return st;
            *item = &cur->connections[it->index++];
            return ENS_OK;
        }
        st = ens_page_iterator_next(it->pages, &page, err);
        if (st != ENS_OK)
            return st;
        it->index = 0;
    }
}

ENS_EXTERN const ens_describe_response *ens_peer_iterator_page(const ens_peer_iterator *it)
{
    if (!it || !it->pages->raw)
        return NULL;
    return &it->pages->view;
}

ENS_EXTERN void ens_peer_iterator_free(ens_peer_iterator *it)
{
    if (!it)
        return;
    ens_page_iterator_free(it->pages);
    ens__free(it);
}
