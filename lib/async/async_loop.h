/* SPDX-License-Identifier: MIT */
/* Internal: a minimal poll(2) host for an asynchronous engine, used where the
 * library itself has to wait for asynchronous calls (the parallel page walk
 * of lib/paging/iterator.c).  It implements the engine's socket and timer callbacks
 * and drives the engine one round at a time. */
#ifndef ENS_LIB_ASYNC_LOOP_H
#define ENS_LIB_ASYNC_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "ensclient/async.h"

typedef struct ens__async_watch {
    int fd;
    short events; /* POLLIN / POLLOUT; 0 = known but not watched */
} ens__async_watch;

typedef struct ens__async_loop {
    ens__async_watch *watch; /* cap entries, count used */
    struct pollfd *pfds;     /* cap entries, rebuilt every round */
    size_t count, cap;
    long long due;           /* monotonic ms of the engine's timer, -1 = none */
    bool oom;                /* a descriptor could not be recorded */
    /* A token whose trigger ends a round at once (its descriptor is polled
       with the engine's, never handed to the engine); NULL = none.  The
       caller decides what a triggered token means. */
    const ens_cancel *cancel;
} ens__async_loop;

#define ENS__ASYNC_LOOP_INIT {NULL, NULL, 0, 0, -1, false, NULL}

/* Makes room for `more` descriptors beyond those recorded, so that the
 * socket callback need not allocate.  ENS_OK or ENS_ENOMEM. */
ens_status ens__async_loop_reserve(ens__async_loop *l, size_t more);
void ens__async_loop_free(ens__async_loop *l);

/* The callbacks to register in ens_async_options, with the loop as payload. */
void ens__async_loop_socket(int fd, ens_async_poll what, void *payload);
void ens__async_loop_timer(long timeout_ms, void *payload);

/* One round: waits in poll(2) for at most max_wait_ms (-1 = until a
 * descriptor is ready, the engine's timer is due or l->cancel is
 * triggered; a round with a triggered token does not wait), then hands what is ready
 * to the engine (ens_async_socket_action() / ens_async_timeout()).
 * ENS_OK (also after EINTR), ENS_ENOMEM (a descriptor could not be recorded:
 * the engine's transfers may stall; cancel them), ENS_ETRANSPORT (poll
 * failed), or what the engine returned.  Blocks: never call it from an
 * engine the host drives itself. */
ens_status ens__async_loop_run_once(ens__async_loop *l, ens_async *engine, long max_wait_ms);

#endif
