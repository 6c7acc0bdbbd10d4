/* SPDX-License-Identifier: MIT */
/* A client's counters (see metrics.h): the updates made on the call path and
 * the snapshot read of include/ensclient/metrics.h.  The text exposition is
 * format.c. */
#include "metrics/metrics.h"

#include <string.h>


#define ADD(field, n) atomic_fetch_add_explicit(&(field), (uint64_t)(n), memory_order_relaxed)
#define GET(field) atomic_load_explicit(&(field), memory_order_relaxed)

static const long bounds_ms[ENS_METRICS_LATENCY_BUCKETS - 1] = {5,   10,   25,   50,   100,   250,
                                                                  500, 1000, 2500, 5000, 10000, 30000};

void ens__metrics_call_done(ens__metrics *m, ens_status st, long long ms)
{
    size_t b = 0;
    if (ms < 0)
        ms = 0;
    while (b < ENS_METRICS_LATENCY_BUCKETS - 1 && ms > bounds_ms[b])
        b++;
    ADD(m->latency[b], 1);
    ADD(m->latency_sum_ms, ms);
    if (st != ENS_OK) {
        int slot = st < 0 && -(int)st < ENS_METRICS_STATUSES ? -(int)st : 0;
        ADD(m->failures[slot], 1);
        ADD(m->calls_failed, 1);
    }
    /* last, so that a reader that sees the call also sees its other counts
       (apart from the ordering relaxed atomics do not promise: see metrics.h
       in include/ensclient, "not all at the same instant") */
    ADD(m->calls, 1);
}

void ens__metrics_attempt(ens__metrics *m) { ADD(m->attempts, 1); }

void ens__metrics_answer(ens__metrics *m, ens_status st, const ens_error *e,
                         const ens_http_response *resp)
{
    size_t len = 0;
    if (ens_http_response_status(resp) != 0) {
        ens_http_response_body(resp, &len);
        ADD(m->bytes_in, len);
    }
    if (st != ENS_OK && e && strncmp(e->code, "Throttling", 10) == 0)
        ADD(m->throttled, 1);
}

void ens__metrics_retry(ens__metrics *m, ens_status st, const ens_error *e, bool credentials)
{
    ens_retry_reason r;
    if (credentials)
        r = ENS_RETRY_CREDENTIALS;
    else if (e && strncmp(e->code, "Throttling", 10) == 0)
        r = ENS_RETRY_THROTTLED;
    else if (st == ENS_ESERVICE || st == ENS_EHTTP)
        r = ENS_RETRY_UNAVAILABLE;
    else if (st == ENS_ETIMEOUT)
        r = ENS_RETRY_TIMEOUT;
    else
        r = ENS_RETRY_NETWORK;
    ADD(m->retries[r], 1);
}

void ens__metrics_sent(ens__metrics *m, const ens_http_request *req)
{
    uint64_t n = strlen(req->url) + req->body_len;
    size_t i;
    for (i = 0; i < req->header_count; i++)
        n += strlen(req->headers[i].name) + strlen(req->headers[i].value);
    ADD(m->bytes_out, n);
}

ENS_EXTERN void ens_metrics_init(ens_metrics *m)
{
    if (!m)
        return;
    memset(m, 0, sizeof(*m));
    m->version = ENS_METRICS_VERSION;
}

void ens__metrics_read(const ens__metrics *cm, ens_metrics *out)
{
    /* reading an atomic needs a non-const object; the counters are not
       changed here */
    ens__metrics *m = (ens__metrics *)cm;
    uint64_t cumulative = 0;
    size_t i;
    out->calls = GET(m->calls);
    out->calls_failed = GET(m->calls_failed);
    out->attempts = GET(m->attempts);
    for (i = 0; i < ENS_METRICS_RETRY_REASONS; i++)
        out->retries[i] = GET(m->retries[i]);
    out->throttled = GET(m->throttled);
    for (i = 0; i < ENS_METRICS_STATUSES; i++)
        out->failures[i] = GET(m->failures[i]);
    out->bytes_out = GET(m->bytes_out);
    out->bytes_in = GET(m->bytes_in);
    for (i = 0; i < ENS_METRICS_LATENCY_BUCKETS; i++) {
        cumulative += GET(m->latency[i]);
        out->latency_buckets[i] = cumulative;
    }
    out->latency_sum_ms = GET(m->latency_sum_ms);
}

ENS_EXTERN long ens_metrics_latency_bound_ms(size_t bucket)
{
    return bucket < ENS_METRICS_LATENCY_BUCKETS - 1 ? bounds_ms[bucket] : -1;
}
