/* SPDX-License-Identifier: MIT */
/* fork(): a client (blocking, or through an asynchronous engine) made and
 * used before fork() serves the parent and the child at the same time, each
 * on connections of its own: every answer matches its own request (the
 * parent asks for page 1, the child for page 2), over plain HTTP and over
 * TLS; and a child that frees what it inherited leaves the parent's
 * connection working (no TLS close_notify sent on it).  The child reports
 * through a pipe and never runs a cmocka assertion. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/mock.h"

#define CALLS 150

typedef struct tally {
    int ok, wrong, failed, canceled;
    char first[256]; /* the first failure's description */
} tally;

static void note(tally *t, ens_status st, const ens_describe_response *resp, int32_t page,
                 const ens_error *err)
{
    if (st == ENS_ECANCELED) {
        t->canceled++;
    } else if (st != ENS_OK) {
        if (!t->failed++)
            snprintf(t->first, sizeof(t->first), "%.200s", err->description);
    } else if (resp->page_number != page) {
        if (!t->wrong++)
            snprintf(t->first, sizeof(t->first), "asked page %d, got page %lld", (int)page,
                     (long long)resp->page_number);
    } else {
        t->ok++;
    }
}

/* A client of srv with cached static credentials (the default chain caches
 * too), one attempt per call so that any disturbance shows. */
static ens_client *fork_client(ensmock_server *srv, bool tls)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_credentials_provider_static_new(&p, ENSMOCK_DEMO_KEY_ID,
                                                         ENSMOCK_DEMO_KEY_SECRET, NULL),
                     ENS_OK);
    assert_int_equal(ens_credentials_provider_cached_new(&o.credentials, p, NULL), ENS_OK);
    o.endpoint = ensmock_url(srv);
    o.ca_file = tls ? ts_tls_ca_file() : NULL;
    o.max_attempts = 1;
    o.timeout_ms = 20000;
    if (ens_client_new(&c, &o, &err) != ENS_OK)
        fail_msg("client: %s", err.description);
    return c;
}

static void blocking_calls(ens_client *c, int32_t page, int n, tally *t)
{
    int i;
    for (i = 0; i < n; i++) {
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        ens_status st;
        req.page_number = page;
        req.page_size = 10;
        st = ens_describe_peer_connections(c, &req, &resp, &err);
        note(t, st, resp, page, &err);
        ens_describe_response_free(resp);
    }
}

/* The child's end: its tally through the pipe, then SIGKILL, which skips
 * every exit-time check (valgrind's leak report would count the parent's
 * objects the child inherited, such as the mock server, as the child's). */
static void child_report(int fd, const tally *t)
{
    ssize_t n;
    do {
        n = write(fd, t, sizeof(*t));
    } while (n < 0 && errno == EINTR);
    close(fd);
    raise(SIGKILL);
    _exit(3);
}

static void parent_collect(int fd, pid_t pid, tally *t)
{
    int status = 0;
    ssize_t n;
    memset(t, 0, sizeof(*t));
    do {
        n = read(fd, t, sizeof(*t));
    } while (n < 0 && errno == EINTR);
    close(fd);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (n != (ssize_t)sizeof(*t) || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the child did not report (status %d)", status);
}

static void check(const char *who, const tally *t, int want_ok)
{
    print_message("%s: %d right, %d wrong, %d failed, %d canceled\n", who, t->ok, t->wrong,
                  t->failed, t->canceled);
    if (t->wrong || t->failed || t->ok != want_ok)
        fail_msg("%s: %d wrong, %d failed of %d (%s)", who, t->wrong, t->failed, want_ok, t->first);
}

static void blocking_case(bool tls)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = tls});
    ens_client *c = fork_client(srv, tls);
    tally before = {0}, parent = {0}, child;
    int fds[2];
    pid_t pid;

    blocking_calls(c, 1, 1, &before); /* a pooled keep-alive connection now exists */
    check("before fork()", &before, 1);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        tally t = {0};
        close(fds[0]);
        blocking_calls(c, 2, CALLS, &t);
        ens_client_free(c);
        child_report(fds[1], &t);
    }
    close(fds[1]);
    blocking_calls(c, 1, CALLS, &parent);
    parent_collect(fds[0], pid, &child);
    check("parent", &parent, CALLS);
    check("child", &child, CALLS);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_blocking_http(void **state)
{
    (void)state;
    blocking_case(false);
}

static void test_blocking_tls(void **state)
{
    (void)state;
    blocking_case(true);
}

/* A child that frees the client it inherited must not close the parent's
 * connection: over TLS, closing it the usual way sends close_notify, and the
 * server then closes the connection under the parent. */
static void child_frees_case(bool tls)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = tls});
    ens_client *c = fork_client(srv, tls);
    tally t = {0}, child;
    ensmock_stats s;
    int fds[2];
    pid_t pid;

    blocking_calls(c, 1, 1, &t);
    ensmock_stats_get(srv, &s);
    assert_int_equal(s.connections, 1);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        tally none = {0};
        close(fds[0]);
        ens_client_free(c);
        child_report(fds[1], &none);
    }
    close(fds[1]);
    parent_collect(fds[0], pid, &child);
    ts_sleep_ms(100); /* time for the server to act on anything the child sent */
    blocking_calls(c, 1, 3, &t);
    check("parent", &t, 4);
    ensmock_stats_get(srv, &s);
    if (s.connections != 1)
        fail_msg("the parent's connection was lost: %lu connections", s.connections);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_child_frees_inherited_http(void **state)
{
    (void)state;
    child_frees_case(false);
}

static void test_child_frees_inherited_tls(void **state)
{
    (void)state;
    child_frees_case(true);
}

/* ---- the asynchronous engine: a poll(2) host ------------------------------ */

#define MAX_WATCH 64

typedef struct host {
    struct pollfd w[MAX_WATCH];
    size_t n;
    long long due; /* ms, -1 = none */
    int running;   /* calls started and not completed */
    tally t;
    int32_t page;
} host;

static long long now_ms(void) { return (long long)ts_now_ms(); }

static void on_socket(int fd, ens_async_poll what, void *payload)
{
    host *h = payload;
    size_t i;
    for (i = 0; i < h->n && h->w[i].fd != fd; i++)
        ;
    if (what == ENS_ASYNC_POLL_REMOVE) {
        if (i < h->n)
            h->w[i] = h->w[--h->n];
        return;
    }
    if (i == h->n) {
        if (h->n == MAX_WATCH)
            return; /* the loop's limit; the test then times out */
        h->w[h->n++].fd = fd;
    }
    h->w[i].events = (short)(((what & ENS_ASYNC_POLL_IN) ? POLLIN : 0) |
                             ((what & ENS_ASYNC_POLL_OUT) ? POLLOUT : 0));
}

static void on_timer(long ms, void *payload)
{
    host *h = payload;
    h->due = ms < 0 ? -1 : now_ms() + ms;
}

static void on_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                    const ens_error *err, void *user)
{
    host *h = user;
    (void)call;
    note(&h->t, st, resp, h->page, err);
    ens_describe_response_free(resp);
    h->running--;
}

/* One poll round.  false when the engine refused an event. */
static bool round_once(host *h, ens_async *a)
{
    struct pollfd p[MAX_WATCH];
    size_t i, n = h->n;
    int timeout = 100; /* at most: the callers watch the clock */
    if (h->due >= 0 && h->due - now_ms() < timeout)
        timeout = h->due <= now_ms() ? 0 : (int)(h->due - now_ms()) + 1;
    memcpy(p, h->w, n * sizeof(p[0]));
    if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
        return false;
    for (i = 0; i < n; i++) {
        int ev = 0;
        if (p[i].revents & POLLNVAL) {
            on_socket(p[i].fd, ENS_ASYNC_POLL_REMOVE, h); /* closed behind our back */
            continue;
        }
        if (p[i].revents & (POLLIN | POLLHUP))
            ev |= ENS_ASYNC_EV_IN;
        if (p[i].revents & POLLOUT)
            ev |= ENS_ASYNC_EV_OUT;
        if (p[i].revents & POLLERR)
            ev |= ENS_ASYNC_EV_ERR;
        if (ev && ens_async_socket_action(a, p[i].fd, ev) != ENS_OK)
            return false;
    }
    if (h->due >= 0 && h->due <= now_ms()) {
        h->due = -1;
        if (ens_async_timeout(a) != ENS_OK)
            return false;
    }
    return true;
}

/* Makes n calls for h->page, 4 at a time, driving the loop until all are
 * done.  false on an engine error or after 60 s. */
static bool async_calls(host *h, ens_async *a, int n)
{
    long long end = now_ms() + 60000;
    int started = 0;
    while (started < n || ens_async_pending(a) > 0) {
        while (started < n && h->running < 4) {
            ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
            req.page_number = h->page;
            req.page_size = 10;
            if (ens_async_describe(a, &req, NULL, on_done, h, NULL, NULL) != ENS_OK)
                return false;
            h->running++;
            started++;
        }
        if (now_ms() > end || !round_once(h, a))
            return false;
    }
    return true;
}

static ens_async *engine_for(ens_client *c, host *h)
{
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_async *a = NULL;
    ens_error err = ENS_ERROR_INIT;
    ao.socket_fn = on_socket;
    ao.timer_fn = on_timer;
    ao.payload = h;
    if (ens_async_new(&a, c, &ao, &err) != ENS_OK)
        fail_msg("engine: %s", err.description);
    return a;
}

static void async_case(bool tls)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = tls});
    ens_client *c = fork_client(srv, tls);
    host h;
    ens_async *a;
    tally child;
    int fds[2];
    pid_t pid;
    long long end;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;

    memset(&h, 0, sizeof(h));
    h.due = -1;
    h.page = 1;
    a = engine_for(c, &h);
    assert_true(async_calls(&h, a, 1)); /* a cached connection now exists */
    check("before fork()", &h.t, 1);
    memset(&h.t, 0, sizeof(h.t));

    /* one call under way at fork(), its request sent and the answer held
       back by the server: the parent's to complete */
    assert_int_equal(ensmock_set_faults(srv, &(ensmock_faults){.delay_ms = 1500}), ENSMOCK_OK);
    req.page_number = 1;
    req.page_size = 10;
    assert_int_equal(ens_async_describe(a, &req, NULL, on_done, &h, NULL, NULL), ENS_OK);
    h.running++;
    for (end = now_ms() + 300; now_ms() < end;)
        assert_true(round_once(&h, a));
    if (h.n == 0 || ens_async_pending(a) != 1)
        fail_msg("at fork(): %zu descriptors watched, %zu calls pending (%d ok, %s)", h.n,
                 ens_async_pending(a), h.t.ok, h.t.first);

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        bool ok;
        close(fds[0]);
        /* the inherited call ends here, canceled; the child's own go on */
        h.page = 2;
        ok = async_calls(&h, a, CALLS);
        if (!ok && !h.t.failed++)
            snprintf(h.t.first, sizeof(h.t.first), "the child's engine failed");
        ens_async_free(a);
        ens_client_free(c);
        child_report(fds[1], &h.t);
    }
    close(fds[1]);
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
    assert_true(async_calls(&h, a, CALLS));
    parent_collect(fds[0], pid, &child);
    check("parent", &h.t, CALLS + 1);
    check("child", &child, CALLS);
    if (child.canceled != 1)
        fail_msg("the call pending at fork() ended %d time(s) canceled in the child", child.canceled);
    ens_async_free(a);
    ens_client_free(c);
    ensmock_stop(srv);
}

static void test_async_http(void **state)
{
    (void)state;
    async_case(false);
}

static void test_async_tls(void **state)
{
    (void)state;
    async_case(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_http),
        cmocka_unit_test(test_blocking_tls),
        cmocka_unit_test(test_child_frees_inherited_http),
        cmocka_unit_test(test_child_frees_inherited_tls),
        cmocka_unit_test(test_async_http),
        cmocka_unit_test(test_async_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
