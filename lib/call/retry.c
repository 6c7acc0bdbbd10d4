/* SPDX-License-Identifier: MIT */
#include "call/retry.h"

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/cancel.h"

bool ens__retry_is_retryable(ens_status st, const ens_error *err, const ens_http_response *resp)
{
    switch (st) {
    case ENS_ENETWORK:
    case ENS_ETIMEOUT:
        return ens_http_response_status(resp) == 0;
    case ENS_ESERVICE:
    case ENS_EHTTP:
        if (err->http_status >= 500 && err->http_status <= 599)
            return true;
        return strncmp(err->code, "Throttling", 10) == 0 ||
               strcmp(err->code, "ServiceUnavailable") == 0 ||
               strcmp(err->code, "InternalError") == 0;
    default:
        return false;
    }
}

long ens__retry_after_ms(const char *value)
{
    char *end;
    double s;
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value < '0' || *value > '9')
        return -1;
    s = strtod(value, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || !(s >= 0 && s < 1e300))
        return -1;
    if (s > 86400.0)
        s = 86400.0;
    return (long)(s * 1000.0);
}

static uint32_t sodium_uniform(void *payload, uint32_t upper)
{
    (void)payload;
    return randombytes_uniform(upper);
}

static ens__uniform_fn uniform = sodium_uniform;
static void *uniform_payload;

void ens__retry_set_random(ens__uniform_fn fn, void *payload)
{
    uniform = fn ? fn : sodium_uniform;
    uniform_payload = fn ? payload : NULL;
}

long ens__retry_delay_ms(unsigned attempt, long base_ms, long cap_ms, const ens_http_response *resp)
{
    long ceiling = base_ms, after, delay;
    unsigned i;
    for (i = 1; i < attempt && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    delay = ceiling > 0 ? (long)uniform(uniform_payload, (uint32_t)ceiling + 1) : 0;
    after = ens__retry_after_ms(ens_http_response_header(resp, "x-acs-retry-after"));
    if (after < 0)
        after = ens__retry_after_ms(ens_http_response_header(resp, "retry-after"));
    if (after > delay)
        delay = after;
    return delay > cap_ms ? cap_ms : delay;
}

void ens__ratelimit_init(ens__ratelimit *rl, double rate, unsigned burst)
{
    memset(rl, 0, sizeof(*rl));
    rl->enabled = rate > 0 && rate < 1e300;
    rl->rate = rate;
    rl->burst = burst ? (double)burst : 1.0;
    rl->tokens = rl->burst;
    rl->last_ms = ens__now_ms();
    pthread_mutex_init(&rl->lock, NULL);
}

void ens__ratelimit_destroy(ens__ratelimit *rl) { pthread_mutex_destroy(&rl->lock); }

long ens__ratelimit_reserve(ens__ratelimit *rl, long max_wait_ms)
{
    long long now;
    double wait_s;
    long wait_ms;
    if (!rl->enabled)
        return 0;
    pthread_mutex_lock(&rl->lock);
    now = ens__now_ms();
    rl->tokens += (double)(now - rl->last_ms) / 1000.0 * rl->rate;
    if (rl->tokens > rl->burst)
        rl->tokens = rl->burst;
    rl->last_ms = now;
    wait_s = rl->tokens >= 1.0 ? 0.0 : (1.0 - rl->tokens) / rl->rate;
    if (wait_s > 1e9)
        wait_ms = LONG_MAX;
    else
        wait_ms = wait_s > 0 ? (long)(wait_s * 1000.0) + 1 : 0; /* rounded up */
    if (wait_ms > max_wait_ms) {
        pthread_mutex_unlock(&rl->lock);
        return -1;
    }
    rl->tokens -= 1.0; /* may go negative: later callers queue behind this one */
    pthread_mutex_unlock(&rl->lock);
    return wait_ms;
}
