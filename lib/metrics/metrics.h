/* SPDX-License-Identifier: MIT */
/* Internal: a client's counters (include/ensclient/metrics.h), updated by
 * the call engine (lib/call/call.c) at its transitions and by the exchange
 * when a request is handed to the transport.  Lock-free: every update is one
 * relaxed atomic addition, so calls on many threads never wait for each
 * other here.  The struct lives inside the client (zeroed with it). */
#ifndef ENS_LIB_METRICS_H
#define ENS_LIB_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ensclient/metrics.h"
#include "ensclient/transport.h"

typedef struct ens__metrics {
    _Atomic uint64_t calls, calls_failed, attempts, throttled, bytes_out, bytes_in, latency_sum_ms;
    _Atomic uint64_t retries[ENS_METRICS_RETRY_REASONS];
    _Atomic uint64_t failures[ENS_METRICS_STATUSES];
    /* not cumulative here: entry i counts durations in (bound i-1, bound i] */
    _Atomic uint64_t latency[ENS_METRICS_LATENCY_BUCKETS];
} ens__metrics;

/* Copies the counters into out (whose version the caller checked): the
 * latency buckets made cumulative, as ens_metrics documents. */
void ens__metrics_read(const ens__metrics *m, ens_metrics *out);

/* A call ended with st after ms milliseconds (0 for a refused call). */
void ens__metrics_call_done(ens__metrics *m, ens_status st, long long ms);

/* An attempt starts. */
void ens__metrics_attempt(ens__metrics *m);

/* The attempt under way ended with st (details in e); resp is its response
 * (status 0 when none arrived).  Counts the body bytes and a throttled answer. */
void ens__metrics_answer(ens__metrics *m, ens_status st, const ens_error *e,
                         const ens_http_response *resp);

/* The engine decided to retry a failed attempt (st, e); credentials: the
 * retry after an InvalidSecurityToken answer. */
void ens__metrics_retry(ens__metrics *m, ens_status st, const ens_error *e, bool credentials);

/* A request is handed to the transport. */
void ens__metrics_sent(ens__metrics *m, const ens_http_request *req);

#endif
