/* SPDX-License-Identifier: MIT */
/* Every buffer of the library that held the AccessKey secret or the STS
 * token is wiped before it is freed or given up by realloc: an allocator
 * installed with ens_set_allocator() looks for both in every block handed
 * back (freed, or about to be moved by realloc) while calls go through the
 * libcurl transport, blocking and through the asynchronous engine, with
 * answers of every size (the response body grows) and failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "async/async_loop.h"
#include "support/mock.h"

#define KEY_ID "wipe-key-id"
#define SECRET "wipe-SeCrEt-c0ffee-5a5a"
#define TOKEN "wipe-StS-ToKeN-feed-1234"

/* Each block carries its size in front of it. */
typedef union block_head {
    size_t size;
    max_align_t align;
} block_head;

static unsigned long blocks_checked, found;
static char first_found[160];

static bool contains(const char *p, size_t size, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= size; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, n) == 0)
            return true;
    return false;
}

static void scan(const void *p, size_t size, const char *how)
{
    static const char *const needles[] = {SECRET, TOKEN};
    size_t i;
    blocks_checked++;
    for (i = 0; i < 2; i++) {
        if (contains(p, size, needles[i]) && !found++)
            snprintf(first_found, sizeof(first_found), "%s of a %zu-byte block: \"%.60s\"", how,
                     size, (const char *)p);
    }
}

static void *w_malloc(void *payload, size_t size)
{
    block_head *h = calloc(1, sizeof(*h) + size); /* zeroed: the scan reads every byte */
    (void)payload;
    if (!h)
        return NULL;
    h->size = size;
    return h + 1;
}

static void w_free(void *payload, void *ptr)
{
    block_head *h = (block_head *)ptr - 1;
    (void)payload;
    scan(ptr, h->size, "free");
    free(h);
}

static void *w_realloc(void *payload, void *ptr, size_t size)
{
    block_head *h;
    void *p;
    if (!ptr)
        return w_malloc(payload, size);
    h = (block_head *)ptr - 1;
    /* what the block holds now is left behind when realloc moves it */
    scan(ptr, h->size, "realloc");
    p = w_malloc(payload, size);
    if (!p)
        return NULL;
    memcpy(p, ptr, h->size < size ? h->size : size);
    free(h); /* already scanned */
    return p;
}

static const ens_allocator scanning = {.version = ENS_ALLOCATOR_VERSION, .malloc_fn = w_malloc,
                                       .realloc_fn = w_realloc, .free_fn = w_free};

static ensmock_server *start(bool tls, size_t pad)
{
    static const ensmock_key key = {KEY_ID, SECRET, TOKEN};
    ensmock_faults f = {.oversize_body_bytes = pad};
    return ts_mock_start(&(ts_mock_options){.keys = &key, .key_count = 1, .tls = tls, .faults = &f});
}

static ens_client *client_of(ensmock_server *srv, bool tls)
{
    ts_client_options o = {.key_id = KEY_ID, .secret = SECRET, .token = TOKEN,
                           .endpoint = ensmock_url(srv), .ca_file = tls ? ts_tls_ca_file() : NULL,
                           .max_attempts = 2, .retry_base_delay_ms = 1, .retry_max_delay_ms = 2};
    return ts_client(&o);
}

static void expect_clean(const char *what)
{
    print_message("%s: %lu blocks checked\n", what, blocks_checked);
    assert_true(blocks_checked > 0);
    if (found)
        fail_msg("%s: %lu block(s) handed back holding the secret or the token; first: %s", what,
                 found, first_found);
}

static void blocking_calls(bool tls)
{
    const size_t pads[] = {0, 300 * 1024};
    size_t i;
    for (i = 0; i < 2; i++) {
        ensmock_server *srv = start(tls, pads[i]);
        ens_client *c;
        int k;
        assert_int_equal(ens_set_allocator(&scanning), ENS_OK);
        c = client_of(srv, tls);
        for (k = 0; k < 3; k++) {
            ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
            ens_describe_response *resp = NULL;
            ens_error err = ENS_ERROR_INIT;
            req.page_size = 10;
            req.page_number = k + 1;
            if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK)
                fail_msg("call: %s", err.description);
            ens_describe_response_free(resp);
        }
        ens_client_free(c);
        assert_int_equal(ens_set_allocator(NULL), ENS_OK);
        ensmock_stop(srv);
    }
}

static void test_blocking(void **state)
{
    (void)state;
    blocking_calls(false);
    blocking_calls(true);
    expect_clean("blocking calls");
}

static void on_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                    const ens_error *err, void *user)
{
    int *left = user;
    (void)call;
    if (st != ENS_OK)
        print_message("async call: %s\n", err->description);
    ens_describe_response_free(resp);
    (*left)--;
}

static void test_async(void **state)
{
    const size_t pads[] = {0, 300 * 1024};
    size_t i;
    (void)state;
    for (i = 0; i < 2; i++) {
        ensmock_server *srv = start(false, pads[i]);
        ens__async_loop loop = ENS__ASYNC_LOOP_INIT;
        ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
        ens_async *a = NULL;
        ens_client *c;
        int k, left = 4;
        double end = ts_now_ms() + 30000;
        assert_int_equal(ens_set_allocator(&scanning), ENS_OK);
        c = client_of(srv, false);
        ao.socket_fn = ens__async_loop_socket;
        ao.timer_fn = ens__async_loop_timer;
        ao.payload = &loop;
        assert_int_equal(ens_async_new(&a, c, &ao, NULL), ENS_OK);
        for (k = 0; k < 4; k++) {
            ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
            req.page_size = 10;
            req.page_number = k + 1;
            assert_int_equal(ens_async_describe(a, &req, NULL, on_done, &left, NULL, NULL), ENS_OK);
        }
        while (left > 0 && ts_now_ms() < end)
            assert_int_equal(ens__async_loop_run_once(&loop, a, 100), ENS_OK);
        assert_int_equal(left, 0);
        ens_async_free(a);
        ens__async_loop_free(&loop);
        ens_client_free(c);
        assert_int_equal(ens_set_allocator(NULL), ENS_OK);
        ensmock_stop(srv);
    }
    expect_clean("asynchronous calls");
}

static void test_scanner_finds_an_unwiped_block(void **state)
{
    /* the scanner itself: a block freed with the token in it is reported */
    char *p;
    (void)state;
    found = 0;
    assert_int_equal(ens_set_allocator(&scanning), ENS_OK);
    p = w_malloc(NULL, 64);
    assert_non_null(p);
    snprintf(p, 64, "x-acs-security-token:%s", TOKEN);
    p = w_realloc(NULL, p, 4096);
    assert_int_equal(found, 1);
    w_free(NULL, p);
    assert_int_equal(found, 2);
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    found = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scanner_finds_an_unwiped_block),
        cmocka_unit_test(test_blocking),
        cmocka_unit_test(test_async),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
