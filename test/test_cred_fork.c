/* SPDX-License-Identifier: MIT */
/* fork() while another thread's fetch of credentials is under way in a
 * caching provider: the child does not inherit that fetch (its thread does
 * not exist there), so its own get fetches at once instead of waiting for it
 * until the deadline; the parent's fetch ends normally in the parent. */
#include "support/support.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A provider whose first fetch (in the parent) blocks until the test lets
 * it go; later ones, the child's included, answer at once. */
typedef struct slow_source {
    atomic_int calls;
    int started[2]; /* the first fetch writes a byte here once it is blocked */
    int release[2]; /* ... and returns once a byte arrives here */
} slow_source;

static ens_status slow_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                           ens_error *err)
{
    slow_source *s = ctx;
    char b = 0;
    ssize_t n;
    (void)opts;
    (void)err;
    if (atomic_fetch_add(&s->calls, 1) == 0) {
        do {
            n = write(s->started[1], &b, 1);
        } while (n < 0 && errno == EINTR);
        do {
            n = read(s->release[0], &b, 1);
        } while (n < 0 && errno == EINTR);
        return ens_credentials_new(out, "parent-id", "parent-SECRET", NULL, 0);
    }
    return ens_credentials_new(out, "fresh-id", "fresh-SECRET", NULL, 0);
}

typedef struct getter {
    ens_credentials_provider *p;
    ens_status st;
    char id[32];
} getter;

static void *run_get(void *arg)
{
    getter *g = arg;
    ens_credentials *c = NULL;
    g->st = ens_credentials_provider_get(g->p, &c, NULL);
    if (c)
        snprintf(g->id, sizeof(g->id), "%s", ens_credentials_access_key_id(c));
    ens_credentials_release(c);
    return NULL;
}

/* What the child reports through its exit status. */
enum { CHILD_OK = 0, CHILD_FAILED = 1, CHILD_WRONG = 2, CHILD_SLOW = 3 };

static int child_get(ens_credentials_provider *p)
{
    ens_credentials_get_options g = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    ens_credentials *c = NULL;
    double t0 = ts_now_ms(), took;
    ens_status st;
    int rc = CHILD_OK;
    g.timeout_ms = 3000;
    st = ens_credentials_provider_get_ex(p, &g, &c, NULL);
    took = ts_now_ms() - t0;
    if (st != ENS_OK)
        rc = CHILD_FAILED;
    else if (strcmp(ens_credentials_access_key_id(c), "fresh-id") != 0)
        rc = CHILD_WRONG;
    else if (took > 1500)
        rc = CHILD_SLOW;
    ens_credentials_release(c);
    return rc;
}

static void test_fork_during_fetch(void **state)
{
    static const ens_credentials_provider_vtable vt = {
        .version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION, .get_ex = slow_get};
    slow_source s;
    ens_credentials_provider *inner = NULL;
    getter a = {0};
    pthread_t ta;
    char b = 0;
    int status = 0;
    pid_t pid;
    (void)state;
    atomic_init(&s.calls, 0);
    assert_int_equal(pipe(s.started), 0);
    assert_int_equal(pipe(s.release), 0);
    assert_int_equal(ens_credentials_provider_new(&inner, &vt, &s), ENS_OK);
    assert_int_equal(ens_credentials_provider_cached_new(&a.p, inner, NULL), ENS_OK);

    assert_int_equal(pthread_create(&ta, NULL, run_get, &a), 0);
    assert_int_equal(read(s.started[0], &b, 1), 1); /* a's fetch is under way */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20); /* a child that hangs is killed, and the test fails */
        _exit(child_get(a.p));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(write(s.release[1], &b, 1), 1);
    pthread_join(ta, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK)
        fail_msg("the child's get after fork() %s (status %d)",
                 !WIFEXITED(status)                     ? "never returned"
                 : WEXITSTATUS(status) == CHILD_FAILED ? "failed: it waited for the parent's fetch"
                 : WEXITSTATUS(status) == CHILD_WRONG  ? "returned the wrong credentials"
                                                        : "took longer than 1.5 s",
                 status);
    /* The parent's own fetch ended normally and is what the parent caches. */
    assert_int_equal(a.st, ENS_OK);
    assert_string_equal(a.id, "parent-id");
    memset(a.id, 0, sizeof(a.id));
    run_get(&a);
    assert_int_equal(a.st, ENS_OK);
    assert_string_equal(a.id, "parent-id");
    assert_int_equal(atomic_load(&s.calls), 1);
    ens_credentials_provider_free(a.p);
    close(s.started[0]);
    close(s.started[1]);
    close(s.release[0]);
    close(s.release[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork_during_fetch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
