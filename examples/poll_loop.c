/* SPDX-License-Identifier: MIT */
/* poll_loop: 50 DescribeNetworkPeerConnections calls at once from one thread,
 * driven by a plain poll(2) loop through the asynchronous engine (async.h),
 * against a local mock ENS endpoint started in-process.  Each result is
 * printed as it completes.
 *
 *   poll_loop [CALLS]      (default 50)
 *
 * The loop is the host: the engine's socket callback keeps the list of
 * descriptors to poll, its timer callback keeps the one deadline to wake up
 * at, and the loop reports readiness and expiry back to the engine.  The
 * same shape fits epoll, libuv, libev or sd-event. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ensclient/ensclient.h>

#include "ens_mock.h"

#define MAX_FDS 1024
#define MAX_CALLS 1000

/* ---- the host loop ----------------------------------------------------- */

typedef struct loop {
    struct pollfd fds[MAX_FDS]; /* fd and the events the engine asked for */
    nfds_t nfds;
    long long due_ms;           /* when to call ens_async_timeout(); -1 = no timer */
    int overflow;               /* more descriptors than MAX_FDS */
} loop;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Socket callback: only records what to watch (never calls the engine). */
static void on_socket(int fd, ens_async_poll what, void *payload)
{
    loop *l = payload;
    nfds_t i;
    for (i = 0; i < l->nfds; i++)
        if (l->fds[i].fd == fd)
            break;
    if (what == ENS_ASYNC_POLL_REMOVE) {
        if (i < l->nfds)
            l->fds[i] = l->fds[--l->nfds];
        return;
    }
    if (i == l->nfds) {
        if (l->nfds == MAX_FDS) {
            l->overflow = 1;
            return;
        }
        l->fds[l->nfds++].fd = fd;
    }
    l->fds[i].events = (short)(((what & ENS_ASYNC_POLL_IN) ? POLLIN : 0) |
                               ((what & ENS_ASYNC_POLL_OUT) ? POLLOUT : 0));
    l->fds[i].revents = 0;
}

/* Timer callback: one one-shot timer, replaced on every call. */
static void on_timer(long timeout_ms, void *payload)
{
    loop *l = payload;
    l->due_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* One round: sleep in poll() until a descriptor is ready or the timer is
 * due, then tell the engine.  Returns 0, or -1 on a failure of the loop. */
static int run_once(loop *l, ens_async *engine)
{
    struct pollfd ready[MAX_FDS];
    nfds_t i, n = l->nfds;
    int timeout = -1, rc;
    ens_status st;

    if (l->overflow) {
        fprintf(stderr, "poll_loop: more than %d descriptors\n", MAX_FDS);
        return -1;
    }
    if (l->due_ms >= 0) {
        long long left = l->due_ms - now_ms();
        timeout = left < 0 ? 0 : (int)left;
    }
    /* poll a copy: the engine changes the list while it handles events */
    memcpy(ready, l->fds, n * sizeof(ready[0]));
    rc = poll(ready, n, timeout);
    if (rc < 0) {
        if (errno == EINTR)
            return 0;
        perror("poll_loop: poll");
        return -1;
    }
    for (i = 0; i < n && rc > 0; i++) {
        int ev = 0;
        if (!ready[i].revents)
            continue;
        if (ready[i].revents & (POLLIN | POLLHUP))
            ev |= ENS_ASYNC_EV_IN;
        if (ready[i].revents & POLLOUT)
            ev |= ENS_ASYNC_EV_OUT;
        if (ready[i].revents & (POLLERR | POLLNVAL))
            ev |= ENS_ASYNC_EV_ERR;
        if ((st = ens_async_socket_action(engine, ready[i].fd, ev)) != ENS_OK) {
            fprintf(stderr, "poll_loop: ens_async_socket_action: %s\n", ens_strerror(st));
            return -1;
        }
    }
    if (l->due_ms >= 0 && l->due_ms <= now_ms()) {
        l->due_ms = -1; /* one-shot */
        if ((st = ens_async_timeout(engine)) != ENS_OK) {
            fprintf(stderr, "poll_loop: ens_async_timeout: %s\n", ens_strerror(st));
            return -1;
        }
    }
    return 0;
}

/* ---- the calls --------------------------------------------------------- */

static const char *regions[] = {"cn-xian-unicom", "cn-dongguan-9", "cn-hangzhou-telecom",
                                "cn-beijing-cmcc", "cn-chengdu-telecom", "cn-wuhan-unicom"};

typedef struct call_ctx {
    int index;
    const char *region;
    long long started_ms;
} call_ctx;

static int completed, failed;

/* Completion callback: the response belongs to us. */
static void on_done(ens_async_call *call, ens_status status, ens_describe_response *resp,
                    const ens_error *err, void *user)
{
    call_ctx *c = user;
    (void)call;
    completed++;
    if (status == ENS_OK) {
        printf("call %2d  %-20s  %2zu of %2lld connections  %3lld ms  %u attempt(s)  RequestId %s\n",
               c->index, c->region, resp->connections_count, (long long)resp->total_count,
               now_ms() - c->started_ms, err->attempts,
               resp->request_id ? resp->request_id : "-");
        ens_describe_response_free(resp);
    } else {
        failed++;
        printf("call %2d  %-20s  FAILED: %s\n", c->index, c->region, err->description);
    }
}

int main(int argc, char **argv)
{
    static loop l;
    static call_ctx ctx[MAX_CALLS];
    int calls = argc > 1 ? atoi(argv[1]) : 50;
    ensmock_server *mock = NULL;
    ensmock_options mo;
    ens_client_options co = ENS_CLIENT_OPTIONS_INIT;
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_async *engine = NULL;
    ens_error err = ENS_ERROR_INIT;
    long long t0;
    int i, rc = 0;

    if (calls < 1 || calls > MAX_CALLS) {
        fprintf(stderr, "usage: poll_loop [CALLS]   (1..%d, default 50)\n", MAX_CALLS);
        return 2;
    }
    l.due_ms = -1;

    /* the local mock ENS endpoint (its own threads; this program's work all
       happens on the main thread) */
    ensmock_options_init(&mo);
    mo.faults.delay_ms = 20; /* a little latency, so that calls overlap */
    if (ensmock_start(&mo, &mock) != ENSMOCK_OK) {
        fprintf(stderr, "poll_loop: cannot start the mock server\n");
        return 1;
    }
    fprintf(stderr, "mock ENS endpoint at %s\n", ensmock_url(mock));

    co.endpoint = ensmock_url(mock);
    if (ens_credentials_provider_static_new(&co.credentials, ENSMOCK_DEMO_KEY_ID,
                                            ENSMOCK_DEMO_KEY_SECRET, NULL) != ENS_OK ||
        ens_client_new(&client, &co, &err) != ENS_OK) {
        fprintf(stderr, "poll_loop: cannot create the client: %s\n", err.description);
        ensmock_stop(mock);
        return 1;
    }
    ao.socket_fn = on_socket;
    ao.timer_fn = on_timer;
    ao.payload = &l;
    if (ens_async_new(&engine, client, &ao, &err) != ENS_OK) {
        fprintf(stderr, "poll_loop: %s\n", err.description);
        ens_client_free(client);
        ensmock_stop(mock);
        return 1;
    }

    /* start every call: none of these blocks */
    t0 = now_ms();
    for (i = 0; i < calls; i++) {
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ctx[i].index = i;
        ctx[i].region = regions[i % 6];
        ctx[i].started_ms = now_ms();
        req.ens_region_id = ctx[i].region;
        req.page_size = 10 + 10 * (i % 3);
        if (ens_async_describe(engine, &req, NULL, on_done, &ctx[i], NULL, &err) != ENS_OK) {
            fprintf(stderr, "poll_loop: call %d not started: %s\n", i, err.description);
            rc = 1;
            break;
        }
    }
    fprintf(stderr, "%zu calls started in %lld ms; polling\n", ens_async_pending(engine),
            now_ms() - t0);

    /* the loop: until every call has completed */
    while (ens_async_pending(engine) > 0)
        if (run_once(&l, engine) != 0) {
            rc = 1;
            break;
        }

    fprintf(stderr, "%d completed (%d failed) in %lld ms on one thread\n", completed, failed,
            now_ms() - t0);
    ens_async_free(engine); /* completes anything still pending with ENS_ECANCELED */
    ens_client_free(client);
    ensmock_stop(mock);
    if (completed != calls || failed)
        rc = 1;
    return rc;
}
