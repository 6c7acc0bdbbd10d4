/* SPDX-License-Identifier: MIT */
/* Internal: timers of an asynchronous engine, for what the library itself
 * runs on the host's event loop (lib/watch: the watch's interval and
 * backoff, the wait's delays).  They ride on the engine's one host timer:
 * the host arms what ens_async_options::timer_fn asks for and calls
 * ens_async_timeout(), as for calls, and needs no timer of its own.
 *
 * A timer is a struct owned by its user (embedded in it; nothing is
 * allocated).  Its callback runs from inside ens_async_timeout() or
 * ens_async_socket_action(), like a completion callback: it may start calls
 * (ens_async_describe()), cancel calls and arm or disarm timers on the same
 * engine, but must not drive or free the engine.  Disarm a timer before
 * freeing it; ens_async_free() disarms the timers still armed without
 * running them. */
#ifndef ENS_LIB_ASYNC_TIMER_H
#define ENS_LIB_ASYNC_TIMER_H

#include "ensclient/async.h"

typedef struct ens__async_timer ens__async_timer;

/* Runs once per arming, when the timer is due (it is disarmed just before). */
typedef void (*ens__async_timer_fn)(ens__async_timer *t);

struct ens__async_timer {
    ens_async *engine;           /* the engine it is armed on; NULL = not armed */
    ens__async_timer *prev, *next;
    long long due;               /* monotonic ms */
    ens__async_timer_fn fire;
};

#define ENS__ASYNC_TIMER_INIT {NULL, NULL, NULL, -1, NULL}

/* Arms t on engine to fire ms (>= 0) from now; an armed timer is re-armed
 * (on this engine only: disarm it first to move it).  Never fails. */
void ens__async_timer_arm(ens_async *engine, ens__async_timer *t, long ms, ens__async_timer_fn fire);

/* Disarms t (no-op when it is not armed); its callback will not run. */
void ens__async_timer_disarm(ens__async_timer *t);

/* The client the engine is bound to. */
ens_client *ens__async_client(const ens_async *engine);

#endif
