/* Internal: interruptible waits on a cancellation token. */
#ifndef ENS_LIB_CANCEL_H
#define ENS_LIB_CANCEL_H

#include <stdbool.h>

#include "ensclient/cancel.h"

/* Sleeps ms milliseconds, or less when cancel (may be NULL) is triggered.
 * Returns true when the wait ended because of cancellation. */
bool ens__cancel_wait(const ens_cancel *cancel, long ms);

/* Milliseconds of CLOCK_MONOTONIC. */
long long ens__now_ms(void);

#endif
