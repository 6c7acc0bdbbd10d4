/* SPDX-License-Identifier: MIT */
/* Internal: interruptible waits on a cancellation token. */
#ifndef ENS_LIB_CANCEL_H
#define ENS_LIB_CANCEL_H

#include <stdbool.h>

#include "ensclient/cancel.h"

/* Sleeps ms milliseconds, or less when cancel (may be NULL) is triggered: a
 * trigger from any thread or signal handler wakes it at once.  Returns true
 * when the wait ended because of cancellation. */
bool ens__cancel_wait(const ens_cancel *cancel, long ms);

/* A descriptor that is readable exactly while the token is triggered, for
 * poll(2)-based waits that must wake at once (never read it, never close it);
 * -1 for a NULL token. */
int ens__cancel_fd(const ens_cancel *cancel);

/* Milliseconds of CLOCK_MONOTONIC. */
long long ens__now_ms(void);

#endif
