/* SPDX-License-Identifier: MIT */
/* The paging iterators, walked over recorded cassettes
 * (test/fixtures/iterator/, written by generate.py there) through the
 * replay transport.  Two tests use in-test transports instead: the
 * allocation-failure walk needs a server that answers a retried page again
 * (a cassette answers each exchange once), and the final-ENS_EINVAL test a
 * transport that refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/support.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct rig {
    ens_replay *replay;
    ens_client *client;
} rig;

/* The cassettes hold each attempt; the iterator does the retrying. */
static const ts_client_options one_attempt = {.max_attempts = 1};

static ens_client *client_over(ens_transport *t)
{
    ts_client_options o = one_attempt;
    o.transport = t;
    o.key_id = "test-akid";
    o.secret = "test-secret";
    return ts_client(&o);
}

static void rig_open(rig *r, const char *cassette)
{
    char name[256];
    snprintf(name, sizeof(name), "iterator/%s.json", cassette);
    r->client = ts_cassette_client(name, &r->replay, &one_attempt);
}

/* Checks how many exchanges the walk left unused, then frees the rig. */
static void rig_close(rig *r, size_t expect_unused)
{
    char unused[4096];
    size_t n = ens_replay_describe_unused(r->replay, unused, sizeof(unused));
    if (n != expect_unused)
        fail_msg("%zu unused exchange(s), expected %zu:\n%s", n, expect_unused, unused);
    assert_int_equal(ens_replay_unused_count(r->replay), expect_unused);
    ens_client_free(r->client);
    ens_replay_free(r->replay);
}

/* The InstanceIds a walk yielded, space-separated, "(null)" for a NULL one. */
typedef struct seq {
    char text[16384];
    size_t len, count;
} seq;

static void seq_add(seq *s, const char *id)
{
    int n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s ", id ? id : "(null)");
    assert_true(n > 0 && (size_t)n < sizeof(s->text) - s->len);
    s->len += (size_t)n;
    s->count++;
}

/* "pcc-<from> ... pcc-<to> " appended to s. */
static void seq_range(seq *s, int from, int to)
{
    char id[16];
    for (int i = from; i <= to; i++) {
        snprintf(id, sizeof(id), "pcc-%04d", i);
        seq_add(s, id);
    }
}

static const seq *range(int from, int to)
{
    static seq s;
    memset(&s, 0, sizeof(s));
    seq_range(&s, from, to);
    return &s;
}

static void assert_seq(const seq *got, const seq *want)
{
    assert_string_equal(got->text, want->text);
    assert_int_equal(got->count, want->count);
}

/* Walks with a peer iterator until _next stops returning ENS_OK; checks that
 * the final status repeats; returns it (details in *err). */
static ens_status walk_items(ens_client *client, const ens_describe_request *req,
                             const ens_iterator_options *opts, seq *got, ens_error *err)
{
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc = NULL;
    ens_error again = ENS_ERROR_INIT;
    ens_status st, st2;

    memset(got, 0, sizeof(*got));
    ens_error_init(err);
    assert_int_equal(ens_peer_iterator_new(&it, client, req, opts, err), ENS_OK);
    while ((st = ens_peer_iterator_next(it, &pc, err)) == ENS_OK)
        seq_add(got, pc->instance_id);
    st2 = ens_peer_iterator_next(it, &pc, &again);
    assert_int_equal(st2, st);
    if (st < 0)
        assert_string_equal(again.description, err->description);
    ens_peer_iterator_free(it);
    return st;
}

static ens_describe_request req_size(int32_t page_size)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    req.page_size = page_size;
    return req;
}

/* Walks page by page; records each page's entry count ("10,10,4,") and
 * every item; returns the final status. */
static ens_status walk_pages(ens_client *client, const ens_describe_request *req,
                             const ens_iterator_options *opts, char *counts, size_t counts_size,
                             seq *got, ens_error *err)
{
    ens_page_iterator *it = NULL;
    const ens_describe_response *page = NULL;
    ens_status st;
    int32_t expect_page = req->page_number ? req->page_number : 1;
    size_t off = 0;

    memset(got, 0, sizeof(*got));
    counts[0] = '\0';
    ens_error_init(err);
    assert_int_equal(ens_page_iterator_new(&it, client, req, opts, err), ENS_OK);
    while ((st = ens_page_iterator_next(it, &page, err)) == ENS_OK) {
        if (page->page_number >= 0)
            assert_int_equal(page->page_number, expect_page);
        expect_page++;
        off += (size_t)snprintf(counts + off, counts_size - off, "%zu,", page->connections_count);
        assert_true(off < counts_size);
        for (size_t i = 0; i < page->connections_count; i++)
            seq_add(got, page->connections[i].instance_id);
    }
    assert_int_equal(ens_page_iterator_next(it, &page, NULL), st);
    ens_page_iterator_free(it);
    return st;
}

/* ---- walks that end normally -------------------------------------------- */

static void test_zero_items(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    ens_page_iterator *pit = NULL;
    const ens_peer_connection *pc = NULL;
    const ens_describe_response *page = NULL, *last;
    (void)state;

    rig_open(&r, "zero_items");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_int_equal(got.count, 0);
    rig_close(&r, 0);

    /* The page walk yields the one empty page, for its TotalCount and RequestId. */
    rig_open(&r, "zero_items");
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    assert_int_equal(page->connections_count, 0);
    assert_null(page->connections);
    assert_int_equal(page->total_count, 0);
    assert_string_equal(page->request_id, "ITER-zero_items-1");
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_ITEROVER);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_ITEROVER);
    ens_page_iterator_free(pit);
    rig_close(&r, 0);

    /* The peer walk keeps the last page for the same reason. */
    rig_open(&r, "zero_items");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    assert_null(ens_peer_iterator_page(it));
    pc = (const ens_peer_connection *)&got; /* must stay unchanged */
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ITEROVER);
    assert_ptr_equal(pc, (const ens_peer_connection *)&got);
    last = ens_peer_iterator_page(it);
    assert_non_null(last);
    assert_int_equal(last->total_count, 0);
    assert_string_equal(last->request_id, "ITER-zero_items-1");
    ens_peer_iterator_free(it);
    rig_close(&r, 0);
}

static void test_one_item(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "one_item");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 1));
    rig_close(&r, 0);
}

/* TotalCount is reached at the end of page 1: page 2 is never asked for
 * (the cassette has no page 2: asking would fail the walk). */
static void test_one_full_page(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "one_full_page");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 10));
    rig_close(&r, 0);

    rig_open(&r, "one_full_page");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,");
    rig_close(&r, 0);
}

static void test_several_pages_page_size_10(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 34));
    rig_close(&r, 0);

    rig_open(&r, "several_pages");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,10,10,4,");
    assert_seq(&got, range(1, 34));
    rig_close(&r, 0);
}

/* page_size 0 walks with ENS_ITERATOR_DEFAULT_PAGE_SIZE (the cassette
 * expects PageSize=100 on the wire). */
static void test_page_size_100(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    (void)state;
    assert_int_equal(ENS_ITERATOR_DEFAULT_PAGE_SIZE, 100);
    rig_open(&r, "page_size_100");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 250));
    rig_close(&r, 0);

    req.page_size = 100;
    rig_open(&r, "page_size_100");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "100,100,50,");
    rig_close(&r, 0);
}

/* TotalCount 30 on page 1, 35 from page 2 on: the walk follows it to page 4. */
static void test_total_count_grows(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    (void)state;
    rig_open(&r, "total_grows");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 35));
    rig_close(&r, 0);

    rig_open(&r, "total_grows");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    while (ens_peer_iterator_next(it, &pc, &err) == ENS_OK)
        ;
    assert_int_equal(ens_peer_iterator_page(it)->total_count, 35);
    assert_string_equal(ens_peer_iterator_page(it)->request_id, "ITER-total_grows-4");
    ens_peer_iterator_free(it);
    rig_close(&r, 0);
}

/* TotalCount 30 on page 1, 20 on page 2: 20 items seen, the walk ends
 * although page 2 was full. */
static void test_total_count_shrinks(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "total_shrinks");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 20));
    rig_close(&r, 0);
}

/* Page 3 is empty while TotalCount says 30: the walk ends there. */
static void test_empty_page_before_total(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "empty_page");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 20));
    rig_close(&r, 0);

    rig_open(&r, "empty_page");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,10,0,");
    rig_close(&r, 0);
}

/* No PageNumber and no TotalCount on the wire: accepted; the short page ends it. */
static void test_absent_counts(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "absent_counts");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 13));
    rig_close(&r, 0);
}

/* ---- a misbehaving server ------------------------------------------------ */

static void test_repeated_page(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    (void)state;
    rig_open(&r, "repeated_page");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_EPAGINATION);
    assert_seq(&got, range(1, 10));
    assert_int_equal(err.status, ENS_EPAGINATION);
    assert_string_equal(err.request_id, "ITER-repeated_page-2");
    assert_non_null(strstr(err.description, "repeated page"));
    rig_close(&r, 0);

    rig_open(&r, "repeated_page");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_EPAGINATION);
    assert_string_equal(counts, "10,");
    rig_close(&r, 0);
}

/* Entries met before are skipped, never yielded twice; one without an
 * InstanceId cannot be recognised and is yielded. */
static void test_duplicates_skipped(void **state)
{
    rig r;
    seq got, want;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    (void)state;
    memset(&want, 0, sizeof(want));
    seq_range(&want, 1, 19);
    seq_add(&want, NULL);
    seq_range(&want, 20, 21);

    rig_open(&r, "overlap");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_ITEROVER);
    assert_seq(&got, &want);
    rig_close(&r, 0);

    rig_open(&r, "overlap");
    assert_int_equal(walk_pages(r.client, &req, NULL, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,8,4,");
    assert_seq(&got, &want);
    rig_close(&r, 0);
}

/* Page 2 comes back as page 1: none of its entries is yielded. */
static void test_wrong_page_number(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    (void)state;
    rig_open(&r, "wrong_page_number");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_EPAGINATION);
    assert_seq(&got, range(1, 10));
    assert_non_null(strstr(err.description, "asked for page 2"));
    assert_non_null(strstr(err.description, "page 1"));
    assert_string_equal(err.request_id, "ITER-wrong_page_number-2");
    rig_close(&r, 0);

    rig_open(&r, "wrong_page_number");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    while (ens_peer_iterator_next(it, &pc, &err) == ENS_OK)
        ;
    assert_null(ens_peer_iterator_page(it)); /* the rejected page is not kept */
    ens_peer_iterator_free(it);
    rig_close(&r, 0);
}

/* TotalCount grows by a page on every page: the walk stops at its budget of
 * 15 / 10 + 1 + ENS_ITERATOR_EXTRA_PAGES = 102 pages with ENS_EPAGINATION. */
static void test_page_budget(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    (void)state;
    assert_int_equal(ENS_ITERATOR_EXTRA_PAGES, 100);
    rig_open(&r, "inflating_total");
    assert_int_equal(walk_items(r.client, &req, NULL, &got, &err), ENS_EPAGINATION);
    assert_seq(&got, range(1, 1020));
    assert_non_null(strstr(err.description, "after 102 pages"));
    rig_close(&r, 0);
}

/* ---- errors and resuming ------------------------------------------------- */

/* Page 3 times out, then answers 503 ServiceUnavailable, then succeeds: each
 * failed _next reports the error, the next one retries page 3, and the walk
 * neither skips nor repeats an item. */
static void test_error_on_page_3_then_resume(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    ens_page_iterator *pit = NULL;
    const ens_peer_connection *pc;
    const ens_describe_response *page = NULL;
    ens_status st;
    (void)state;

    rig_open(&r, "error_page3");
    memset(&got, 0, sizeof(got));
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        seq_add(&got, pc->instance_id);
    assert_int_equal(st, ENS_ETIMEOUT);
    assert_int_equal(err.status, ENS_ETIMEOUT);
    assert_int_equal(got.count, 20);
    assert_null(ens_peer_iterator_page(it));

    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ESERVICE);
    assert_int_equal(err.status, ENS_ESERVICE);
    assert_int_equal(err.http_status, 503);
    assert_string_equal(err.code, "ServiceUnavailable");
    assert_string_equal(err.request_id, "ITER-error_page3-4");

    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        seq_add(&got, pc->instance_id);
    assert_int_equal(st, ENS_ITEROVER);
    assert_seq(&got, range(1, 34));
    ens_peer_iterator_free(it);
    rig_close(&r, 0);

    /* The same with the page walk. */
    rig_open(&r, "error_page3");
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    assert_int_equal(page->page_number, 2);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_ETIMEOUT);
    assert_int_equal(ens_page_iterator_next(pit, &page, NULL), ENS_ESERVICE);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    assert_int_equal(page->page_number, 3);
    assert_string_equal(page->connections[0].instance_id, "pcc-0021");
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    assert_int_equal(page->page_number, 4);
    assert_int_equal(page->connections_count, 4);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_ITEROVER);
    ens_page_iterator_free(pit);
    rig_close(&r, 0);
}

/* ---- options ------------------------------------------------------------- */

static void test_max_items(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    ens_iterator_options o = ENS_ITERATOR_OPTIONS_INIT;
    (void)state;

    o.max_items = 15; /* inside page 2: pages 3 and 4 are never asked for */
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 15));
    rig_close(&r, 2);

    rig_open(&r, "several_pages"); /* the page walk cuts page 2 short */
    assert_int_equal(walk_pages(r.client, &req, &o, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,5,");
    assert_seq(&got, range(1, 15));
    rig_close(&r, 2);

    o.max_items = 10; /* exactly one page */
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 10));
    rig_close(&r, 3);

    o.max_items = 1000; /* more than there is */
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 34));
    rig_close(&r, 0);
}

static void test_max_pages(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    char counts[64];
    ens_describe_request req = req_size(10);
    ens_iterator_options o = ENS_ITERATOR_OPTIONS_INIT;
    (void)state;

    o.max_pages = 2;
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 20));
    rig_close(&r, 2);

    rig_open(&r, "several_pages");
    assert_int_equal(walk_pages(r.client, &req, &o, counts, sizeof(counts), &got, &err),
                     ENS_ITEROVER);
    assert_string_equal(counts, "10,10,");
    rig_close(&r, 2);

    /* Failed fetches do not count as pages. */
    o.max_pages = 3;
    rig_open(&r, "error_page3");
    {
        ens_peer_iterator *it = NULL;
        const ens_peer_connection *pc;
        ens_status st;
        memset(&got, 0, sizeof(got));
        assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, &o, &err), ENS_OK);
        while ((st = ens_peer_iterator_next(it, &pc, &err)) != ENS_ITEROVER)
            if (st == ENS_OK)
                seq_add(&got, pc->instance_id);
        ens_peer_iterator_free(it);
    }
    assert_seq(&got, range(1, 30));
    rig_close(&r, 1);

    o.max_pages = 1;
    o.max_items = 5; /* whichever comes first */
    rig_open(&r, "several_pages");
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 5));
    rig_close(&r, 3);
}

/* ---- request copy, ownership, arguments ---------------------------------- */

static char *heap_str(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    strcpy(p, s);
    return p;
}

/* Every filter is copied at _new: the caller's strings are scribbled over and
 * freed before the first page is fetched.  The walk starts at page 3. */
static void test_request_is_copied(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request *req = malloc(sizeof(*req));
    char **ids = malloc(2 * sizeof(*ids));
    char *region = heap_str("cn-xian-unicom"), *instance = heap_str("pcc-0025"),
         *name = heap_str("web");
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_status st;
    (void)state;

    assert_non_null(req);
    assert_non_null(ids);
    ids[0] = heap_str("n-a");
    ids[1] = heap_str("n-b");
    ens_describe_request_init(req);
    req->ens_region_id = region;
    req->instance_id = instance;
    req->name = name;
    req->network_ids = (const char *const *)ids;
    req->network_ids_count = 2;
    req->page_number = 3;
    req->page_size = 10;

    rig_open(&r, "filters_start_page");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, req, NULL, &err), ENS_OK);
    memset(region, 'X', strlen(region));
    memset(ids[1], 'X', strlen(ids[1]));
    free(region);
    free(instance);
    free(name);
    free(ids[0]);
    free(ids[1]);
    free(ids);
    memset(req, 0xA5, sizeof(*req));
    free(req);

    memset(&got, 0, sizeof(got));
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        seq_add(&got, pc->instance_id);
    if (st != ENS_ITEROVER)
        fail_msg("walk ended with %s: %s", ens_strerror(st), err.description);
    /* 20 entries before page 3 + 10 on it = TotalCount 30: page 4 is not asked for. */
    assert_seq(&got, range(21, 30));
    ens_peer_iterator_free(it);
    rig_close(&r, 0);
}

/* ens_peer_connection_copy keeps an item after the iterator (and the client)
 * are gone. */
static void test_copy_outlives_iterator(void **state)
{
    rig r;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc = NULL;
    ens_peer_connection *copy = NULL;
    (void)state;

    rig_open(&r, "one_item");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_OK);
    assert_int_equal(ens_peer_connection_copy(&copy, pc), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ITEROVER);
    ens_peer_iterator_free(it);
    rig_close(&r, 0);

    assert_string_equal(copy->instance_id, "pcc-0001");
    assert_string_equal(copy->name, "conn-1");
    assert_int_equal(copy->status, ENS_PEER_STATUS_ACTIVATED);
    assert_string_equal(copy->accepting_network_id, "n-b");
    ens_peer_connection_free(copy);
}

static void test_invalid_arguments(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10), bad;
    ens_iterator_options o = ENS_ITERATOR_OPTIONS_INIT;
    ens_peer_iterator *it = NULL, *sentinel = (ens_peer_iterator *)&got;
    ens_page_iterator *pit = NULL, *psentinel = (ens_page_iterator *)&got;
    const ens_peer_connection *pc;
    const ens_describe_response *page;
    const char *null_id[] = {"n-a", NULL};
    (void)state;

    rig_open(&r, "one_item");

    assert_int_equal(ens_peer_iterator_new(NULL, r.client, &req, NULL, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    it = sentinel;
    assert_int_equal(ens_peer_iterator_new(&it, NULL, &req, NULL, &err), ENS_EINVAL);
    assert_int_equal(ens_peer_iterator_new(&it, r.client, NULL, NULL, NULL), ENS_EINVAL);
    assert_ptr_equal(it, sentinel);
    pit = psentinel;
    assert_int_equal(ens_page_iterator_new(NULL, r.client, &req, NULL, &err), ENS_EINVAL);
    assert_int_equal(ens_page_iterator_new(&pit, NULL, &req, NULL, &err), ENS_EINVAL);
    assert_int_equal(ens_page_iterator_new(&pit, r.client, NULL, NULL, &err), ENS_EINVAL);
    assert_ptr_equal(pit, psentinel);

    /* Options versions. */
    memset(&o, 0xff, sizeof(o));
    ens_iterator_options_init(&o);
    assert_int_equal(o.version, ENS_ITERATOR_OPTIONS_VERSION);
    assert_int_equal(o.max_items, 0);
    assert_int_equal(o.max_pages, 0);
    ens_iterator_options_init(NULL);
    o.version = 0;
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, &o, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "ens_iterator_options version"));
    o.version = ENS_ITERATOR_OPTIONS_VERSION + 1;
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, &o, &err), ENS_EINVAL);

    /* The request is checked as ens_describe_request_validate() would. */
    bad = req_size(5);
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &bad, NULL, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "PageSize"));
    bad = req_size(101);
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &bad, NULL, &err), ENS_EINVAL);
    bad = req_size(10);
    bad.page_number = -1;
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &bad, NULL, &err), ENS_EINVAL);
    bad = req_size(10);
    bad.network_ids = null_id;
    bad.network_ids_count = 2;
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &bad, NULL, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "NetworkIds.2"));
    bad = req_size(10);
    bad.name = "bad\nname";
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &bad, NULL, &err), ENS_EINVAL);
    assert_ptr_equal(it, sentinel);
    assert_ptr_equal(pit, psentinel);

    /* NULL to _next: ENS_EINVAL, and the iterator is unharmed. */
    assert_int_equal(ens_peer_iterator_next(NULL, &pc, &err), ENS_EINVAL);
    assert_int_equal(ens_page_iterator_next(NULL, &page, NULL), ENS_EINVAL);
    assert_null(ens_peer_iterator_page(NULL));
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, NULL, &err), ENS_EINVAL);
    assert_int_equal(err.status, ENS_EINVAL);
    memset(&got, 0, sizeof(got));
    while (ens_peer_iterator_next(it, &pc, &err) == ENS_OK)
        seq_add(&got, pc->instance_id);
    assert_seq(&got, range(1, 1));
    ens_peer_iterator_free(it);

    o.version = ENS_ITERATOR_OPTIONS_VERSION;
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, &o, &err), ENS_OK);
    assert_int_equal(ens_page_iterator_next(pit, NULL, &err), ENS_EINVAL);
    ens_page_iterator_free(pit);

    ens_peer_iterator_free(NULL);
    ens_page_iterator_free(NULL);
    rig_close(&r, 0);
}

/* ENS_ITEROVER leaves err alone; errors fill it. */
static void test_err_untouched_on_iterover(void **state)
{
    rig r;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    (void)state;
    rig_open(&r, "one_item");
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_OK);
    strcpy(err.description, "sentinel");
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ITEROVER);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ITEROVER);
    assert_string_equal(err.description, "sentinel");
    ens_peer_iterator_free(it);
    rig_close(&r, 0);
}

/* ---- allocation failures --------------------------------------------------
 * Every allocation of the library fails in turn, once, during a walk of 34
 * items over pages served by an in-test transport (stateless, so a retried
 * page is answered again).  Each failure must come back as a retryable error
 * (never a final one) and the resumed walk must yield exactly 1..34. */

#define SERVED_TOTAL 34

static ens_status pages_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                             ens_error *err)
{
    char body[4096];
    const char *q = strstr(req->url, "PageNumber="), *s = strstr(req->url, "PageSize=");
    int page, size, first, last, off;
    (void)ctx;
    (void)err;
    assert_non_null(q);
    assert_non_null(s);
    page = atoi(q + strlen("PageNumber="));
    size = atoi(s + strlen("PageSize="));
    first = (page - 1) * size + 1;
    last = first + size - 1 < SERVED_TOTAL ? first + size - 1 : SERVED_TOTAL;
    off = snprintf(body, sizeof(body),
                   "{\"RequestId\":\"GEN-%d\",\"PageNumber\":%d,\"PageSize\":%d,\"TotalCount\":%d,"
                   "\"NetworkPeerConnects\":[",
                   page, page, size, SERVED_TOTAL);
    for (int i = first; i <= last; i++)
        off += snprintf(body + off, sizeof(body) - (size_t)off, "%s{\"InstanceId\":\"pcc-%04d\"}",
                        i == first ? "" : ",", i);
    off += snprintf(body + off, sizeof(body) - (size_t)off, "]}");
    if (ens_http_response_set_status(resp, 200) != ENS_OK)
        return ENS_ENOMEM;
    return ens_http_response_append_body(resp, body, (size_t)off);
}

static const ens_transport_vtable pages_vt = {ENS_TRANSPORT_VTABLE_VERSION, pages_send, NULL};

/* A transport that refuses every request with ENS_EINVAL, counting them. */
static ens_status refuse_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    (void)req;
    (void)resp;
    ++*(int *)ctx;
    if (err) {
        ens_error_init(err);
        err->status = ENS_EINVAL;
        snprintf(err->description, sizeof(err->description), "refused by the test transport");
    }
    return ENS_EINVAL;
}

static const ens_transport_vtable refuse_vt = {ENS_TRANSPORT_VTABLE_VERSION, refuse_send, NULL};

/* ENS_EINVAL from the describe call ends the walk: nothing is sent again. */
static void test_einval_from_call_is_final(void **state)
{
    int sends = 0;
    ens_transport *t = NULL;
    ens_client *client;
    ens_describe_request req = req_size(10);
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT, err2 = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_transport_new(&t, &refuse_vt, &sends), ENS_OK);
    client = client_over(t);
    assert_int_equal(ens_peer_iterator_new(&it, client, &req, NULL, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_EINVAL);
    assert_int_equal(sends, 1);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err2), ENS_EINVAL);
    assert_int_equal(sends, 1);
    assert_int_equal(err2.status, ENS_EINVAL);
    assert_string_equal(err2.description, err.description);
    assert_non_null(strstr(err.description, "refused by the test transport"));
    ens_peer_iterator_free(it);
    ens_client_free(client);
}

static void test_allocation_failures(void **state)
{
    ens_describe_request req = req_size(10);
    ens_iterator_options o = ENS_ITERATOR_OPTIONS_INIT;
    long k;
    (void)state;

    assert_int_equal(ens_set_allocator(&ts_failing_allocator), ENS_OK);
    for (k = 0;; k++) {
        ens_transport *t = NULL;
        ens_client *client;
        ens_peer_iterator *it = NULL;
        const ens_peer_connection *pc;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        seq got;
        int failures = 0;

        ts_alloc_disarm();
        assert_int_equal(ens_transport_new(&t, &pages_vt, NULL), ENS_OK);
        client = client_over(t);
        o.max_items = 33; /* one short of everything: exercises the cut too */

        ts_alloc_arm(k);
        while ((st = ens_peer_iterator_new(&it, client, &req, &o, &err)) != ENS_OK) {
            assert_int_equal(st, ENS_ENOMEM);
            assert_null(it);
            failures++;
        }
        memset(&got, 0, sizeof(got));
        for (;;) {
            st = ens_peer_iterator_next(it, &pc, &err);
            if (st == ENS_OK) {
                seq_add(&got, pc->instance_id);
                continue;
            }
            if (st == ENS_ITEROVER)
                break;
            if (st == ENS_EINVAL || st == ENS_EPAGINATION || st == ENS_EINTERNAL)
                fail_msg("allocation %ld: final error %s: %s", k, ens_strerror(st), err.description);
            failures++;
            assert_true(failures < 5);
        }
        assert_seq(&got, range(1, 33));
        ens_peer_iterator_free(it);
        ts_alloc_disarm();
        ens_client_free(client);
        if (ts_alloc.failures == 0)
            break; /* every allocation of the walk has failed once */
        assert_true(failures >= 1);
    }
    print_message("allocation failures injected: %ld\n", k);
    assert_true(k > 10);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
}

/* Options version 3: a token triggered before a _next stops it before
 * anything is sent, for pages and for items already fetched; reset, the walk
 * resumes exactly; negative timeouts are refused; a version-2 structure
 * ignores the fields it does not have. */
static void test_cancel_token(void **state)
{
    rig r;
    seq got;
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = req_size(10);
    ens_iterator_options o = ENS_ITERATOR_OPTIONS_INIT;
    ens_peer_iterator *it = NULL;
    ens_page_iterator *pit = NULL;
    const ens_peer_connection *pc;
    const ens_describe_response *page;
    ens_cancel *c = NULL;
    ens_status st;
    (void)state;
    assert_int_equal(ens_cancel_new(&c), ENS_OK);
    rig_open(&r, "several_pages");

    o.cancel = c;
    o.timeout_ms = -1;
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, &o, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "timeout_ms"));
    o.timeout_ms = 0;
    o.page_timeout_ms = -5;
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, &o, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "page_timeout_ms"));
    o.page_timeout_ms = 0;

    memset(&got, 0, sizeof(got));
    ens_cancel_trigger(c);
    assert_int_equal(ens_peer_iterator_new(&it, r.client, &req, &o, &err), ENS_OK);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ECANCELED);
    assert_int_equal(err.status, ENS_ECANCELED);
    assert_int_equal(ens_replay_unused_count(r.replay), 4); /* nothing was sent */
    assert_null(ens_peer_iterator_page(it));
    ens_cancel_reset(c);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_OK);
    seq_add(&got, pc->instance_id);
    ens_cancel_trigger(c); /* items of page 1 are fetched but not yielded */
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ECANCELED);
    assert_int_equal(ens_peer_iterator_next(it, &pc, &err), ENS_ECANCELED);
    ens_cancel_reset(c);
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
        seq_add(&got, pc->instance_id);
    assert_int_equal(st, ENS_ITEROVER);
    assert_seq(&got, range(1, 34));
    ens_peer_iterator_free(it);
    rig_close(&r, 0);

    /* page iterator: cancelled between pages, resumed */
    rig_open(&r, "several_pages");
    assert_int_equal(ens_page_iterator_new(&pit, r.client, &req, &o, &err), ENS_OK);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_OK);
    ens_cancel_trigger(c);
    assert_int_equal(ens_page_iterator_next(pit, &page, &err), ENS_ECANCELED);
    assert_int_equal(ens_replay_unused_count(r.replay), 3);
    ens_cancel_reset(c);
    while ((st = ens_page_iterator_next(pit, &page, &err)) == ENS_OK)
        ;
    assert_int_equal(st, ENS_ITEROVER);
    ens_page_iterator_free(pit);
    rig_close(&r, 0);

    /* version 2 has no token: a triggered one is not looked at */
    rig_open(&r, "several_pages");
    ens_cancel_trigger(c);
    o.version = 2;
    o.timeout_ms = -1; /* not read either */
    assert_int_equal(walk_items(r.client, &req, &o, &got, &err), ENS_ITEROVER);
    assert_seq(&got, range(1, 34));
    rig_close(&r, 0);
    ens_cancel_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_items),
        cmocka_unit_test(test_one_item),
        cmocka_unit_test(test_one_full_page),
        cmocka_unit_test(test_several_pages_page_size_10),
        cmocka_unit_test(test_page_size_100),
        cmocka_unit_test(test_total_count_grows),
        cmocka_unit_test(test_total_count_shrinks),
        cmocka_unit_test(test_empty_page_before_total),
        cmocka_unit_test(test_absent_counts),
        cmocka_unit_test(test_repeated_page),
        cmocka_unit_test(test_duplicates_skipped),
        cmocka_unit_test(test_wrong_page_number),
        cmocka_unit_test(test_page_budget),
        cmocka_unit_test(test_error_on_page_3_then_resume),
        cmocka_unit_test(test_max_items),
        cmocka_unit_test(test_max_pages),
        cmocka_unit_test(test_request_is_copied),
        cmocka_unit_test(test_copy_outlives_iterator),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_err_untouched_on_iterover),
        cmocka_unit_test(test_einval_from_call_is_final),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_cancel_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
