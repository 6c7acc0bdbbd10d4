/* SPDX-License-Identifier: MIT */
/* Internal: how long the watch and the wait pause: an interval with jitter,
 * and a doubling backoff between a minimum and a maximum delay. */
#ifndef ENS_LIB_WATCH_PACE_H
#define ENS_LIB_WATCH_PACE_H

/* interval_ms times a factor drawn uniformly from [1 - jitter, 1 + jitter]
 * (jitter in 0..1); at least 0. */
long ens__pace_jitter(long interval_ms, double jitter);

/* The delay before try number n (n >= 1): drawn uniformly from [min_ms,
 * ceiling], the ceiling min_ms * 2^(n-1) capped at max_ms (>= min_ms). */
long ens__pace_backoff(unsigned int n, long min_ms, long max_ms);

#endif
