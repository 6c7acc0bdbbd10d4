/* SPDX-License-Identifier: MIT */
/* The text exposition of a client's counters (ens_metrics_format()):
 * Prometheus text format 0.0.4 or OpenMetrics 1.0, written into the caller's
 * buffer without allocating. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "util/utf8.h"
#include "ensclient/metrics.h"

#define LABEL_MAX 128

/* Appends to buf, counting what does not fit (snprintf's contract, kept
 * across many writes). */
typedef struct out {
    char *buf;
    size_t cap, len; /* len: the whole text so far, also beyond cap */
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - 1 - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = '\0';
    }
    o->len += n;
}

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static void printf_(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(out *o, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

typedef struct family {
    out *o;
    bool om;
    const char *label; /* escaped client label, "" for none */
} family;

/* HELP and TYPE lines.  name is the family name without "_total"; OpenMetrics
 * names a counter family that way, Prometheus 0.0.4 names it with the suffix
 * its samples carry. */
static void header(family *f, const char *name, const char *type, const char *help)
{
    const char *suffix = !f->om && strcmp(type, "counter") == 0 ? "_total" : "";
    printf_(f->o, "# HELP %s%s %s\n", name, suffix, help);
    printf_(f->o, "# TYPE %s%s %s\n", name, suffix, type);
}

/* One sample: name, then the client label and the extra label (may be NULL). */
static void sample(family *f, const char *name, const char *extra_name, const char *extra_value,
                   uint64_t value)
{
    bool any = *f->label || extra_name;
    puts_(f->o, name);
    if (any) {
        puts_(f->o, "{");
        if (*f->label) {
            puts_(f->o, "client=\"");
            puts_(f->o, f->label);
            puts_(f->o, extra_name ? "\"," : "\"");
        }
        if (extra_name)
            printf_(f->o, "%s=\"%s\"", extra_name, extra_value);
        puts_(f->o, "}");
    }
    printf_(f->o, " %" PRIu64 "\n", value);
}

static void counter(family *f, const char *name, const char *help, uint64_t value)
{
    char full[96];
    header(f, name, "counter", help);
    snprintf(full, sizeof(full), "%s_total", name);
    sample(f, full, NULL, NULL, value);
}

/* Escapes a label value (backslash, double quote; the label holds no control
 * character) into esc (2 * LABEL_MAX + 1 bytes). */
static void escape_label(const char *s, char *esc)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            *esc++ = '\\';
        *esc++ = *s;
    }
    *esc = '\0';
}

static void histogram(family *f, const ens_metrics *m)
{
    static const char name[] = "ens_client_call_duration_seconds";
    char le[32];
    size_t i;
    header(f, name, "histogram",
           "Duration of calls, from the first attempt to the outcome, retries and waits included.");
    for (i = 0; i < ENS_METRICS_LATENCY_BUCKETS; i++) {
        long b = ens_metrics_latency_bound_ms(i);
        if (b < 0) {
            snprintf(le, sizeof(le), "+Inf");
        } else {
            /* seconds, shortest form: 0.005, 1, 2.5 */
            size_t n = (size_t)snprintf(le, sizeof(le), "%ld.%03ld", b / 1000, b % 1000);
            while (le[n - 1] == '0')
                le[--n] = '\0';
            if (le[n - 1] == '.')
                le[n - 1] = '\0';
        }
        sample(f, "ens_client_call_duration_seconds_bucket", "le", le, m->latency_buckets[i]);
    }
    {
        /* seconds with millisecond precision, written without floating point */
        char sum[48];
        snprintf(sum, sizeof(sum), "%" PRIu64 ".%03u", m->latency_sum_ms / 1000,
                 (unsigned)(m->latency_sum_ms % 1000));
        puts_(f->o, "ens_client_call_duration_seconds_sum");
        if (*f->label) {
            puts_(f->o, "{client=\"");
            puts_(f->o, f->label);
            puts_(f->o, "\"}");
        }
        printf_(f->o, " %s\n", sum);
    }
    sample(f, "ens_client_call_duration_seconds_count", NULL, NULL,
           m->latency_buckets[ENS_METRICS_LATENCY_BUCKETS - 1]);
}

ENS_EXTERN ens_status ens_metrics_format(const ens_metrics *m, const char *client_label,
                                         unsigned int flags, char *buf, size_t cap, size_t *needed)
{
    char esc[2 * LABEL_MAX + 1];
    out o = {buf, cap, 0};
    family f = {&o, (flags & ENS_METRICS_OPENMETRICS) != 0, esc};
    size_t i, label_len = client_label ? strlen(client_label) : 0;

    if (!m || m->version == 0 || m->version > ENS_METRICS_VERSION || (!buf && cap > 0) ||
        (flags & ~ENS_METRICS_OPENMETRICS) != 0 || label_len > LABEL_MAX ||
        (client_label && (ens__has_ctl(client_label) || !ens__utf8_valid(client_label, label_len))))
        return ENS_EINVAL;
    escape_label(client_label ? client_label : "", esc);
    if (cap > 0)
        buf[0] = '\0';

    counter(&f, "ens_client_calls", "Calls finished, whatever their outcome.", m->calls);
    header(&f, "ens_client_call_failures", "counter", "Calls that ended with an error, by status.");
    for (i = 1; i <= ENS_METRICS_STATUSES; i++) {
        size_t slot = i % ENS_METRICS_STATUSES; /* the known statuses first, "other" last */
        sample(&f, "ens_client_call_failures_total", "status",
               slot ? ens_metrics_status_label(-(int)slot) : "other", m->failures[slot]);
    }
    counter(&f, "ens_client_attempts", "HTTP attempts started.", m->attempts);
    header(&f, "ens_client_retries", "counter", "Failed attempts retried, by reason.");
    for (i = 0; i < ENS_METRICS_RETRY_REASONS; i++)
        sample(&f, "ens_client_retries_total", "reason", ens_retry_reason_name((ens_retry_reason)i),
               m->retries[i]);
    counter(&f, "ens_client_throttled", "Attempts the service answered with a Throttling code.",
            m->throttled);
    counter(&f, "ens_client_sent_bytes", "Request bytes handed to the transport (URL, headers, body).",
            m->bytes_out);
    counter(&f, "ens_client_received_bytes", "Response body bytes received.", m->bytes_in);
    histogram(&f, m);
    if (f.om)
        puts_(&o, "# EOF\n");

    if (needed)
        *needed = o.len;
    return o.len < cap ? ENS_OK : ENS_ETOOLARGE;
}

ENS_EXTERN const char *ens_retry_reason_name(ens_retry_reason reason)
{
    static const char *const names[ENS_METRICS_RETRY_REASONS] = {"throttled", "unavailable", "network",
                                                                  "timeout", "credentials"};
    return (unsigned)reason < ENS_METRICS_RETRY_REASONS ? names[reason] : "unknown";
}

ENS_EXTERN const char *ens_metrics_status_label(int status)
{
    static const char *const names[ENS_METRICS_STATUSES] = {
        "ok",          "invalid",  "nomem",    "network",     "timeout",   "tls",
        "service",     "auth",     "http",     "parse",       "credentials", "toolarge",
        "canceled",    "unsupported", "transport", "internal", "pagination"};
    if (status <= 0 && status > -ENS_METRICS_STATUSES)
        return names[-status];
    return "other";
}
