/* SPDX-License-Identifier: MIT */
/* Internal: the client's layout and its log function, shared by the parts
 * of a call (exchange.h, call.h) and its drivers. */
#ifndef ENS_LIB_CLIENT_INTERNAL_H
#define ENS_LIB_CLIENT_INTERNAL_H

#include <stdatomic.h>

#include "request/endpoint.h"
#include "call/retry.h"
#include "ensclient/client.h"
#include "ensclient/transport.h"
#include "metrics/metrics.h" /* metrics */

/* Spare response objects a client keeps, and the largest body storage a
 * spare may keep (a page of 100 connections is about 60 KB). */
#define ENS__CLIENT_SPARES 4
#define ENS__CLIENT_SPARE_BODY_MAX ((size_t)1024 * 1024)

struct ens_client {
    ens__endpoint endpoint;
    char *user_agent;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    ens_log_fn log_fn;
    void *log_payload;
    ens_log_level log_level;
    ens_transport *transport;
    ens_signer *signer;
    ens_credentials_provider *credentials;
    ens_clock_fn clock;
    ens_nonce_fn nonce;
    void *hooks_payload;
    unsigned int max_attempts;
    long retry_base_ms;
    long retry_cap_ms;
    ens_retry_fn retry_fn;
    void *retry_payload;
    ens__ratelimit ratelimit;
    bool allow_insecure_http;
    ens__metrics metrics; /* metrics: counters of every call (lib/metrics/) */
    /* Response objects of finished calls, wiped, kept for the next calls
     * with their storage (body, header text), so that a call in the steady
     * state allocates none.  Taken and given back with atomic exchanges: no
     * lock (a fork() may happen at any point), any number of threads. */
    _Atomic(ens_http_response *) spare[ENS__CLIENT_SPARES];
};

/* A response object for one call: a spare one, or a new one; NULL when out
 * of memory. */
ens_http_response *ens__client_response_take(ens_client *c);

/* Hands a call's response back: wiped (its body may have been a credentials
 * document), then kept as a spare, or freed when every spare slot is taken
 * or its body storage is larger than ENS__CLIENT_SPARE_BODY_MAX. */
void ens__client_response_give(ens_client *c, ens_http_response *resp);

/* ENS_OK when the client may send signed requests to ep: https, a loopback
 * host, or allow_insecure_http; else ENS_EINVAL with err filled. */
ens_status ens__client_endpoint_allowed(const ens_client *c, const ens__endpoint *ep, ens_error *err);

/* Longest line handed to the log callback, in bytes. */
#define ENS__LOG_LINE_MAX 1023

/* Delivers one log line when the client logs level: formatted, then made
 * safe by ens__log_line(). */
void ens__client_log(const ens_client *c, ens_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* in as one safe line into out (cap bytes, NUL included): control
 * characters (C0, DEL, C1, U+2028, U+2029) and bytes that are not UTF-8
 * written as escapes (\n \r \t \xNN \u00NN), the line cut at cap - 1
 * bytes with "..." when longer (never inside an escape or a character).
 * Returns the length written. */
size_t ens__log_line(char *out, size_t cap, const char *in);

#endif
