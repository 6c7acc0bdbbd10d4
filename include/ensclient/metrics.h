/* SPDX-License-Identifier: MIT */
/**
 * @file metrics.h
 * @brief Counters of a client's calls, read as a struct or as
 *        Prometheus / OpenMetrics text.
 *
 * Every client counts, from its creation, what its calls do: calls and how
 * they ended, attempts, retries by reason, throttled answers, bytes sent and
 * received, and a histogram of call durations.  The counters are updated on
 * the call path with relaxed atomic additions (no lock, no allocation), by
 * blocking calls, asynchronous calls, iterators, watches and waits alike.
 * They only ever grow (they are never reset), as Prometheus counters must.
 *
 * @code
 * ens_metrics m = ENS_METRICS_INIT;
 * char text[8192];
 * size_t len;
 * ens_client_metrics(client, &m);
 * printf("%llu calls, %llu attempts\n", (unsigned long long)m.calls,
 *        (unsigned long long)m.attempts);
 * if (ens_metrics_format(&m, "ens-main", 0, text, sizeof(text), &len) == ENS_OK)
 *     serve_on_metrics_endpoint(text, len);
 * @endcode
 */
#ifndef ENSCLIENT_METRICS_H
#define ENSCLIENT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Why a failed attempt was retried (index of ens_metrics::retries). */
typedef enum ens_retry_reason {
    ENS_RETRY_THROTTLED = 0,   /**< The service answered Throttling*. */
    ENS_RETRY_UNAVAILABLE = 1, /**< ServiceUnavailable, InternalError or another HTTP 5xx. */
    ENS_RETRY_NETWORK = 2,     /**< No answer: connecting, sending or receiving failed. */
    ENS_RETRY_TIMEOUT = 3,     /**< No answer within the attempt's share of the deadline. */
    ENS_RETRY_CREDENTIALS = 4  /**< InvalidSecurityToken: credentials refreshed, retried once. */
} ens_retry_reason;

/** @brief Number of ::ens_retry_reason values (entries of ens_metrics::retries). */
#define ENS_METRICS_RETRY_REASONS 5

/**
 * @brief Entries of ens_metrics::failures: entry `-status` counts the calls
 * that ended with that (negative) ::ens_status, ::ENS_EINVAL (1) to
 * ::ENS_EPAGINATION (16); entry 0 counts calls that ended with a status this
 * version does not know.
 */
#define ENS_METRICS_STATUSES 17

/**
 * @brief Entries of ens_metrics::latency_buckets: 12 upper bounds (5 ms,
 * 10 ms, 25 ms, 50 ms, 100 ms, 250 ms, 500 ms, 1 s, 2.5 s, 5 s, 10 s, 30 s;
 * see ens_metrics_latency_bound_ms()) and +Inf.
 */
#define ENS_METRICS_LATENCY_BUCKETS 13

/** @brief Current version of ::ens_metrics. */
#define ENS_METRICS_VERSION 1

/**
 * @brief A snapshot of a client's counters.  Caller-owned; may live on the
 * stack.  Initialise with ::ENS_METRICS_INIT or ens_metrics_init(); members
 * are only ever added at the end (the library fills those of the caller's
 * version).
 *
 * Each counter is read atomically, but not all at the same instant: while
 * calls run, a snapshot may count an attempt whose call it does not count
 * yet.  Read while no call runs, `calls` equals the sum of `failures` plus
 * the calls that succeeded, and `latency_buckets[ENS_METRICS_LATENCY_BUCKETS - 1]`
 * equals `calls`.
 */
typedef struct ens_metrics {
    unsigned int version;  /**< Set by the initialiser; do not change. */
    /** Calls finished, whatever their outcome: every call of
        ens_describe_peer_connections() and its variants, asynchronous calls,
        and the calls iterators, watches and waits make; calls refused before
        anything was sent (::ENS_EINVAL, ::ENS_ENOMEM) included. */
    uint64_t calls;
    /** Calls that ended with an error (the sum of `failures`). */
    uint64_t calls_failed;
    /** HTTP attempts started (a call makes one, plus one per retry). */
    uint64_t attempts;
    /** Retries decided, by ::ens_retry_reason. */
    uint64_t retries[ENS_METRICS_RETRY_REASONS];
    /** Attempts the service answered with a Throttling* code (retried or not). */
    uint64_t throttled;
    /** Failed calls by final status (see ::ENS_METRICS_STATUSES). */
    uint64_t failures[ENS_METRICS_STATUSES];
    /** Request bytes handed to the transport: URL, header names and values, body
        (what the transport adds — request line, Host, framing — not counted). */
    uint64_t bytes_out;
    /** Response body bytes received, over every attempt that got an answer. */
    uint64_t bytes_in;
    /** Call durations (first attempt to outcome, waits included), cumulative as
        in Prometheus: entry i counts the calls that took at most
        ens_metrics_latency_bound_ms(i) milliseconds; the last entry (+Inf)
        counts every call. */
    uint64_t latency_buckets[ENS_METRICS_LATENCY_BUCKETS];
    /** Sum of the durations of every call counted, in milliseconds. */
    uint64_t latency_sum_ms;
} ens_metrics;

/** @brief Static initialiser for ::ens_metrics. */
#define ENS_METRICS_INIT {ENS_METRICS_VERSION, 0, 0, 0, {0}, 0, {0}, 0, 0, {0}, 0}

/** @brief Initialises @p m (NULL is ignored) to an empty current-version snapshot.  Thread-safe. */
ENS_EXTERN void ens_metrics_init(ens_metrics *m);

/**
 * @brief Reads the counters of @p client into @p out.
 *
 * @param client the client; borrowed.
 * @param out    initialised by the caller (its version says which members
 *               to fill); every member of that version is overwritten.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument, version 0 or unknown).
 * Thread-safe and lock-free: may run while other threads make calls on the
 * client.
 */
ENS_EXTERN ens_status ens_client_metrics(const ens_client *client, ens_metrics *out);

/**
 * @brief Upper bound of latency bucket @p bucket in milliseconds: 5, 10,
 * 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000; -1 for the last
 * bucket (+Inf) and for an index out of range.  Thread-safe.
 */
ENS_EXTERN long ens_metrics_latency_bound_ms(size_t bucket);

/**
 * @brief Static name of a retry reason as the text exposition labels it
 * ("throttled", "unavailable", "network", "timeout", "credentials"), or
 * "unknown".  Thread-safe.
 */
ENS_EXTERN const char *ens_retry_reason_name(ens_retry_reason reason);

/**
 * @brief Static label of a status as the text exposition writes it: "ok",
 * "invalid", "nomem", "network", "timeout", "tls", "service", "auth",
 * "http", "parse", "credentials", "toolarge", "canceled", "unsupported",
 * "transport", "internal", "pagination"; "other" for any other value.
 * Thread-safe.
 */
ENS_EXTERN const char *ens_metrics_status_label(int status);

/** @brief Flag of ens_metrics_format(): OpenMetrics 1.0 instead of the Prometheus text format 0.0.4. */
#define ENS_METRICS_OPENMETRICS 1u

/**
 * @brief Writes @p m as Prometheus text (format 0.0.4, the default) or
 * OpenMetrics 1.0 text, for a daemon's /metrics endpoint.
 *
 * Families (each with HELP and TYPE lines; OpenMetrics names the counter
 * families without `_total` and ends with `# EOF`):
 * `ens_client_calls_total`, `ens_client_call_failures_total{status}`,
 * `ens_client_attempts_total`, `ens_client_retries_total{reason}`,
 * `ens_client_throttled_total`, `ens_client_sent_bytes_total`,
 * `ens_client_received_bytes_total` and the histogram
 * `ens_client_call_duration_seconds` (`_bucket{le}`, `_sum`, `_count`).
 * Every sample carries `client="<client_label>"` when @p client_label is
 * given (escaped as the formats require).  Serve the Prometheus form as
 * `text/plain; version=0.0.4`, the OpenMetrics form as
 * `application/openmetrics-text; version=1.0.0; charset=utf-8`.
 *
 * @param m            the snapshot (from ens_client_metrics()).
 * @param client_label value of the `client` label, NULL or "" for none;
 *                     valid UTF-8, at most 128 bytes.
 * @param flags        0 or ::ENS_METRICS_OPENMETRICS.
 * @param buf          receives the text, NUL-terminated; may be NULL when
 *                     @p cap is 0 (to learn the size).
 * @param cap          bytes available at @p buf.
 * @param needed       may be NULL; receives the length of the whole text
 *                     (without the NUL), also when it did not fit.
 * @return ::ENS_OK (the whole text is in @p buf); ::ENS_ETOOLARGE (it needs
 *         more than @p cap - 1 bytes: @p buf holds as much as fits,
 *         NUL-terminated, when @p cap > 0; call again with *needed + 1);
 *         ::ENS_EINVAL (NULL @p m, unknown version, a @p buf of NULL with
 *         @p cap > 0, unknown flags, a label that is not valid UTF-8, holds a
 *         control character or is longer than 128 bytes).
 * Thread-safe; allocates nothing.
 */
ENS_EXTERN ens_status ens_metrics_format(const ens_metrics *m, const char *client_label,
                                         unsigned int flags, char *buf, size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_METRICS_H */
