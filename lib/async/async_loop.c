/* SPDX-License-Identifier: MIT */
/* A minimal poll(2) host for an asynchronous engine (see async_loop.h). */
#include "async/async_loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>

#include "util/alloc.h"
#include "util/cancel.h"

ens_status ens__async_loop_reserve(ens__async_loop *l, size_t more)
{
    size_t need, cap;
    ens__async_watch *w;
    struct pollfd *p;
    if (more > SIZE_MAX / 4 - l->count)
        return ENS_ENOMEM;
    need = l->count + more;
    if (need <= l->cap)
        return ENS_OK;
    for (cap = l->cap ? l->cap : 8; cap < need; cap *= 2)
        ;
    w = ens__realloc(l->watch, cap * sizeof(*w));
    if (!w)
        return ENS_ENOMEM;
    l->watch = w;
    p = ens__realloc(l->pfds, (cap + 1) * sizeof(*p)); /* + the token's descriptor */
    if (!p)
        return ENS_ENOMEM; /* watch keeps its larger block; cap unchanged */
    l->pfds = p;
    l->cap = cap;
    return ENS_OK;
}

void ens__async_loop_free(ens__async_loop *l)
{
    ens__free(l->watch);
    ens__free(l->pfds);
    l->watch = NULL;
    l->pfds = NULL;
    l->count = l->cap = 0;
    l->due = -1;
    l->oom = false;
}

void ens__async_loop_socket(int fd, ens_async_poll what, void *payload)
{
    ens__async_loop *l = payload;
    short events = 0;
    size_t i;
    for (i = 0; i < l->count; i++)
        if (l->watch[i].fd == fd)
            break;
    if (what == ENS_ASYNC_POLL_REMOVE) {
        if (i < l->count)
            l->watch[i] = l->watch[--l->count];
        return;
    }
    if (what & ENS_ASYNC_POLL_IN)
        events |= POLLIN;
    if (what & ENS_ASYNC_POLL_OUT)
        events |= POLLOUT;
    if (i == l->count) {
        if (ens__async_loop_reserve(l, 1) != ENS_OK) {
            l->oom = true;
            return;
        }
        l->watch[l->count].fd = fd;
        l->count++;
    }
    l->watch[i].events = events;
}

void ens__async_loop_timer(long timeout_ms, void *payload)
{
    ens__async_loop *l = payload;
    l->due = timeout_ms < 0 ? -1 : ens__now_ms() + timeout_ms;
}

ens_status ens__async_loop_run_once(ens__async_loop *l, ens_async *engine, long max_wait_ms)
{
    size_t i, n = 0;
    long long now = ens__now_ms();
    long wait = max_wait_ms;
    int rc;
    ens_status st = ENS_OK, st2;

    if (l->oom)
        return ENS_ENOMEM;
    if (l->due >= 0) {
        long long left = l->due > now ? l->due - now : 0;
        if (wait < 0 || left < wait)
            wait = left > INT_MAX ? INT_MAX : (long)left;
    }
    for (i = 0; i < l->count; i++)
        if (l->watch[i].events) {
            l->pfds[n].fd = l->watch[i].fd;
            l->pfds[n].events = l->watch[i].events;
            l->pfds[n].revents = 0;
            n++;
        }
    if (l->cancel) {
        if (ens_cancel_is_triggered(l->cancel))
            wait = 0;
        if (l->pfds) {
            l->pfds[n].fd = ens__cancel_fd(l->cancel);
            l->pfds[n].events = POLLIN;
            l->pfds[n].revents = 0;
        } else if (wait < 0 || wait > ENS_ASYNC_CANCEL_POLL_MS) {
            wait = ENS_ASYNC_CANCEL_POLL_MS; /* nothing recorded yet: look again soon */
        }
    }
    rc = poll(l->pfds, (nfds_t)(n + (l->cancel && l->pfds ? 1 : 0)),
              wait < 0 ? -1 : (int)(wait > INT_MAX ? INT_MAX : wait));
    if (rc < 0)
        return errno == EINTR ? ENS_OK : errno == ENOMEM ? ENS_ENOMEM : ENS_ETRANSPORT;
    /* pfds is a snapshot: the engine may change the watch list meanwhile. */
    for (i = 0; rc > 0 && i < n; i++) {
        int ev = 0;
        if (!l->pfds[i].revents)
            continue;
        if (l->pfds[i].revents & (POLLIN | POLLPRI | POLLHUP))
            ev |= ENS_ASYNC_EV_IN;
        if (l->pfds[i].revents & POLLOUT)
            ev |= ENS_ASYNC_EV_OUT;
        if (l->pfds[i].revents & (POLLERR | POLLNVAL))
            ev |= ENS_ASYNC_EV_ERR;
        st2 = ens_async_socket_action(engine, l->pfds[i].fd, ev);
        if (st == ENS_OK)
            st = st2;
    }
    if (l->due >= 0 && l->due <= ens__now_ms()) {
        l->due = -1;
        st2 = ens_async_timeout(engine);
        if (st == ENS_OK)
            st = st2;
    }
    if (st == ENS_OK && l->oom)
        st = ENS_ENOMEM;
    return st;
}
