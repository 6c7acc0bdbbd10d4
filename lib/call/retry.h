/* SPDX-License-Identifier: MIT */
/* Internal: what is worth retrying, how long to wait, and the client-wide
 * rate limiter.  Retries and deadlines wrap the transport step. */
#ifndef ENS_LIB_RETRY_H
#define ENS_LIB_RETRY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ensclient/common.h"
#include "ensclient/transport.h"

/* true when a failed attempt may be retried: Throttling*, ServiceUnavailable,
 * InternalError, any HTTP 5xx, and network failures or timeouts that happened
 * before any response arrived (resp has no status). */
bool ens__retry_is_retryable(ens_status st, const ens_error *err, const ens_http_response *resp);

/* Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))],
 * raised to a server's Retry-After / x-acs-retry-after (seconds) but never above cap. */
long ens__retry_delay_ms(unsigned attempt, long base_ms, long cap_ms, const ens_http_response *resp);

/* A uniform random source: a value in [0, upper) (upper > 0). */
typedef uint32_t (*ens__uniform_fn)(void *payload, uint32_t upper);

/* Replaces the backoff's random source (libsodium's randombytes_uniform())
 * with fn; NULL restores it.  For tests: not thread-safe, set it while no
 * call runs. */
void ens__retry_set_random(ens__uniform_fn fn, void *payload);

/* Parses a Retry-After style value (non-negative seconds, integer or decimal)
 * into milliseconds; -1 if absent or unparseable. */
long ens__retry_after_ms(const char *value);

typedef struct ens__ratelimit {
    bool enabled;
    double rate;   /* tokens per second */
    double burst;  /* bucket size */
    double tokens;
    long long last_ms;
    pthread_mutex_t lock;
} ens__ratelimit;

void ens__ratelimit_init(ens__ratelimit *rl, double rate, unsigned burst);
void ens__ratelimit_destroy(ens__ratelimit *rl);
/* Takes one token; returns how long the caller must wait before sending (0 =
 * now).  When that wait would pass max_wait_ms the token is not taken and -1
 * is returned. */
long ens__ratelimit_reserve(ens__ratelimit *rl, long max_wait_ms);

#endif
