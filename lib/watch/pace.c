/* SPDX-License-Identifier: MIT */
/* Pauses of the watch and the wait (see pace.h).  Random numbers come from
 * libsodium, as the call engine's backoff does. */
#include "watch/pace.h"

#include <sodium.h>
#include <stdint.h>

/* Uniform in [0, n] (n >= 0). */
static long uniform(long n)
{
    if (n <= 0)
        return 0;
    if ((unsigned long)n >= UINT32_MAX)
        n = (long)(UINT32_MAX - 1);
    return (long)randombytes_uniform((uint32_t)n + 1);
}

long ens__pace_jitter(long interval_ms, double jitter)
{
    double spread, low;
    if (interval_ms <= 0)
        return 0;
    if (!(jitter > 0))
        return interval_ms;
    if (jitter > 1)
        jitter = 1;
    spread = (double)interval_ms * jitter;
    low = (double)interval_ms - spread;
    return (long)low + uniform((long)(2 * spread));
}

long ens__pace_backoff(unsigned int n, long min_ms, long max_ms)
{
    long ceiling = min_ms;
    unsigned int i;
    if (max_ms < min_ms)
        max_ms = min_ms;
    for (i = 1; i < n && ceiling < max_ms; i++)
        ceiling = ceiling > max_ms / 2 ? max_ms : ceiling * 2;
    if (ceiling > max_ms)
        ceiling = max_ms;
    return min_ms + uniform(ceiling - min_ms);
}
