/* The paging iterators: a page walk over ens_describe_peer_connections()
 * that checks every page the server returns (page number, repeated pages,
 * items already yielded, a page budget) and an item walk on top of it.
 * See include/ensclient/iterator.h for the contract. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "async/async_loop.h"
#include "call/client_internal.h"
#include "call/describe.h"
#include "request/request_copy.h"
#include "util/error.h"
#include "ensclient/async.h"
#include "ensclient/iterator.h"

/* ---- a set of InstanceIds ------------------------------------------------
 * Open addressing with linear probing over a power-of-two table kept at most
 * half full.  The keys live in blocks owned by the set (one block per page),
 * so the responses they were read from can be freed.  Everything that can
 * fail is done by set_reserve(); set_add() then cannot fail, which keeps a
 * page's bookkeeping all-or-nothing. */
typedef struct id_set {
    const char **slots; /* cap entries; NULL = free */
    size_t cap;         /* 0 or a power of two */
    size_t count;
    char **blocks; /* key storage */
    size_t nblocks, blocks_cap;
} id_set;

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
static size_t set_find(const id_set *s, const char *key)
{
    size_t mask = s->cap - 1;
    size_t i = (size_t)hash_str(key) & mask;
    while (s->slots[i] && strcmp(s->slots[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

static bool set_contains(const id_set *s, const char *key)
{
    return s->cap && s->slots[set_find(s, key)] != NULL;
}

/* Makes room for `more` keys and one more key block.  On failure the set is
 * unchanged (apart from spare capacity). */
static ens_status set_reserve(id_set *s, size_t more)
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
        id_set grown = *s;
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

/* Adds a key already stored in a block of the set.  Room must be reserved. */
static void set_add(id_set *s, const char *key)
{
    s->slots[set_find(s, key)] = key;
    s->count++;
}

/* Hands a key block to the set.  A block must have been reserved. */
static void set_adopt_block(id_set *s, char *block)
{
    s->blocks[s->nblocks++] = block;
}

static void set_free(id_set *s)
{
    size_t i;
    for (i = 0; i < s->nblocks; i++)
        ens__free(s->blocks[i]);
    ens__free(s->blocks);
    ens__free(s->slots);
    memset(s, 0, sizeof(*s));
}

/* ---- the page iterator ------------------------------------------------- */

/* A page fetched ahead by the parallel walk (or being fetched). */
typedef struct prefetch {
    int32_t page;          /* 0 = slot unused */
    ens_async_call *call;  /* in flight, or NULL */
    bool done;             /* finished: st, resp and err hold the outcome */
    ens_status st;
    ens_describe_response *resp;
    ens_error err;
} prefetch;

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
    id_set ids;
    ens_status final;               /* ENS_OK while the walk goes on */
    ens_error final_err;            /* details of a final error */
    /* parallel walk (options.parallel >= 2) */
    unsigned int parallel;          /* 0 = sequential */
    prefetch *slots;                /* parallel entries, allocated with the engine */
    ens_async *engine;              /* created at the first parallel fetch */
    ens__async_loop loop;
};

/* Drops the page yielded last. */
static void release_current(ens_page_iterator *it)
{
    ens_describe_response_free(it->raw);
    it->raw = NULL;
    ens__free(it->view_conns);
    it->view_conns = NULL;
    memset(&it->view, 0, sizeof(it->view));
}

/* Drops every page fetched ahead; calls in flight complete (cancelled) and
 * their slots are cleared. */
static void drop_prefetch(ens_page_iterator *it)
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

ENS_EXTERN void ens_page_iterator_free(ens_page_iterator *it)
{
    if (!it)
        return;
    drop_prefetch(it);
    ens_async_free(it->engine);
    ens__async_loop_free(&it->loop);
    ens__free(it->slots);
    release_current(it);
    set_free(&it->ids);
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
    it->loop.due = -1;
    it->offset = ((int64_t)eff.page_number - 1) * eff.page_size;
    it->total_count = -1;
    it->final = ENS_OK;
    ens_error_init(&it->final_err);
    *out = it;
    return ENS_OK;
}

/* Ends the walk: every later _next returns st (with these details when st is an error). */
static void make_final(ens_page_iterator *it, ens_status st, const ens_error *e)
{
    drop_prefetch(it); /* pages fetched ahead are never looked at */
    it->final = st;
    if (e)
        it->final_err = *e;
    it->final_err.version = ENS_ERROR_VERSION;
    it->final_err.status = st;
}

static ens_status report_final(const ens_page_iterator *it, ens_error *err)
{
    if (it->final < 0 && err)
        *err = it->final_err;
    return it->final;
}

/* Ends the walk with ENS_EPAGINATION about the page resp, which the server
 * sent as a success (so: HTTP 2xx, at least one attempt). */
static ens_status paging_error(ens_page_iterator *it, const ens_describe_response *resp,
                               ens_error *err, const char *what)
{
    ens_error e = ENS_ERROR_INIT;
    const char *rid = resp->request_id ? resp->request_id : "";
    ens__error_set(&e, ENS_EPAGINATION, "inconsistent paging: %s%s%s%s", what,
                   *rid ? " [RequestId " : "", rid, *rid ? "]" : "");
    ens__strlcpy(e.request_id, sizeof(e.request_id), rid);
    e.http_status = 200;
    e.attempts = 1;
    make_final(it, ENS_EPAGINATION, &e);
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
        make_final(it, ENS_EPAGINATION, &e);
        return;
    }
    if (it->req.page_number == INT32_MAX) {
        ens__error_set(&e, ENS_EPAGINATION,
                       "inconsistent paging: the server still reports more entries after page %ld, "
                       "the last page number a request can carry",
                       (long)INT32_MAX);
        make_final(it, ENS_EPAGINATION, &e);
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
    if (set_reserve(&it->ids, n) != ENS_OK)
        goto oom;

    /* From here on nothing fails. */
    cursor = block;
    for (i = 0; i < n; i++) {
        const ens_peer_connection *c = &resp->connections[i];
        if (c->instance_id) {
            size_t len = strlen(c->instance_id) + 1;
            if (set_contains(&it->ids, c->instance_id))
                continue; /* yielded before (or earlier on this page): never twice */
            memcpy(cursor, c->instance_id, len);
            set_add(&it->ids, cursor);
            cursor += len;
        }
        conns[kept++] = *c;
        fresh++;
    }
    if (cursor != block)
        set_adopt_block(&it->ids, block);
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

/* ---- the parallel walk -------------------------------------------------- */

static void on_prefetch_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                             const ens_error *err, void *user)
{
    prefetch *p = user;
    (void)call;
    p->call = NULL;
    p->done = true;
    p->st = st;
    p->resp = resp;
    p->err = *err;
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

static prefetch *find_slot(ens_page_iterator *it, int32_t page)
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
        prefetch *p = NULL;
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
            st = ens_async_describe(it->engine, &req, NULL, on_prefetch_done, p, &p->call, &e);
        } else {
            ens__error_set(&e, st, "out of memory: starting the fetch of page %ld", (long)page);
        }
        if (st != ENS_OK) {
            memset(p, 0, sizeof(*p));
            if (k == 0) {
                if (err)
                    *err = e;
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
    ens_status st;
    if (!it->slots && !(it->slots = ens__calloc(it->parallel, sizeof(*it->slots))))
        return ens__error_set(err, ENS_ENOMEM, "out of memory: starting the parallel walk");
    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &it->loop;
    st = ens_async_new(&it->engine, it->client, &ao, err);
    return st;
}

/* Gets the page it->req.page_number through the parallel walk: its result
 * when it was fetched ahead, else waits for it. */
static ens_status fetch_parallel(ens_page_iterator *it, ens_describe_response **resp, ens_error *e)
{
    ens_status st;
    for (;;) {
        prefetch *p;
        if ((st = fill_window(it, e)) != ENS_OK)
            return st;
        p = find_slot(it, it->req.page_number);
        if (p && p->done) {
            st = p->st;
            *resp = p->resp;
            if (st != ENS_OK)
                *e = p->err;
            memset(p, 0, sizeof(*p)); /* a failed page is requested again next time */
            return st;
        }
        if (!p || ens_async_pending(it->engine) == 0) /* nothing could ever finish it */
            return ens__error_set(e, ENS_EINTERNAL,
                                  "internal error: page %ld of the parallel walk is not under way",
                                  (long)it->req.page_number);
        st = ens__async_loop_run_once(&it->loop, it->engine, -1);
        if (st != ENS_OK) {
            /* The loop cannot go on: drop what is in flight (the walk itself
               stays where it was) and report. */
            drop_prefetch(it);
            if (st == ENS_ENOMEM)
                it->loop.oom = false;
            return ens__error_set(e, st, "%s: waiting for page %ld of the parallel walk",
                                  ens_strerror(st), (long)it->req.page_number);
        }
    }
}

/* Fetches the page it->req.page_number, through the parallel walk when it is
 * on and possible, else with one blocking call. */
static ens_status fetch_page(ens_page_iterator *it, ens_describe_response **resp, ens_error *e)
{
    if (it->parallel >= 2 && it->pages >= 1) {
        ens_status st = ENS_OK;
        if (!it->engine) {
            st = start_engine(it, e);
            if (st == ENS_EUNSUPPORTED) {
                ens__client_log(it->client, ENS_LOG_INFO,
                                "%s: parallel page fetch needs the default libcurl transport; "
                                "walking one page at a time",
                                ENS__DESCRIBE_ACTION);
                it->parallel = 0;
                ens_error_init(e);
            } else if (st != ENS_OK) {
                return st;
            }
        }
        if (it->engine)
            return fetch_parallel(it, resp, e);
    }
    return ens_describe_peer_connections(it->client, &it->req, resp, e);
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
    release_current(it);
    st = fetch_page(it, &resp, &e);
    if (st != ENS_OK) {
        /* The request was checked when the iterator was made, so this cannot
           get better on a retry. */
        if (st == ENS_EINVAL)
            make_final(it, st, &e);
        if (err)
            *err = e;
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
