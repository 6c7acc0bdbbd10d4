/* SPDX-License-Identifier: MIT */
/* Benchmark 1: end to end against raw libcurl.
 *
 * One process, alternating rounds.  "lib": N sequential
 * ens_describe_peer_connections() calls on one client (default libcurl
 * transport, keep-alive, max_attempts 1): validate, build, sign, send,
 * receive, parse into typed structs, free.  "raw": N sequential exchanges on
 * one reused libcurl easy handle with options set once, each sending a
 * pre-built request -- the same URL and the same header lines the library
 * sends, taken from requests the library signed before the round started
 * (outside the timed loop: the mock refuses a reused nonce, so every raw
 * request needs its own signature, but the raw side must not pay for
 * signing) -- and reading the same response bytes into a buffer without
 * parsing them.
 *
 * The mock serves the 100 connections of test/fixtures/bodies/page_100.json;
 * 10-item and 100-item pages are measured separately.  Prints calls/s of
 * each side and lib/raw (target: >= 0.85 for 10 items, >= 0.70 for 100).
 * Never asserts timing; exits non-zero only when a call fails.
 *
 *   bench_e2e [--quick] [--size 10|100]   (--size: one page size only) */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

/* ------------------------------------------------ capturing the requests */

typedef struct capture {
    char *url;                 /* of the first request */
    struct curl_slist **lists; /* one header list per captured request */
    size_t count, cap;
} capture;

static const char canned_body[] = "{\"RequestId\":\"capture\",\"PageNumber\":1,\"PageSize\":10,"
                                  "\"TotalCount\":0,\"NetworkPeerConnects\":[]}";

/* Records the URL and the header lines exactly as the libcurl transport
 * passes them to CURLOPT_HTTPHEADER (lib/transport/transport_curl.c), then answers
 * with a canned empty page instead of sending anything. */
static ens_status capture_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                               ens_error *err)
{
    capture *c = ctx;
    struct curl_slist *l = NULL, *t;
    char line[8192];
    size_t i;
    (void)err;
    if (!c->url && !(c->url = strdup(req->url)))
        return ENS_ENOMEM;
    if (strcmp(req->url, c->url) != 0 || strcmp(req->method, "POST") != 0 || req->body_len != 0) {
        fprintf(stderr, "bench_e2e: unexpected request shape\n");
        return ENS_ETRANSPORT;
    }
    for (i = 0; i < req->header_count; i++) {
        const ens_http_header *h = &req->headers[i];
        snprintf(line, sizeof(line), "%s%s%s", h->name, *h->value ? ": " : ";", h->value);
        if (!(t = curl_slist_append(l, line)))
            goto oom;
        l = t;
    }
    if (!(t = curl_slist_append(l, "Expect:")) || !(l = t, t = curl_slist_append(l, "Content-Type:")))
        goto oom;
    l = t;
    if (c->count == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct curl_slist **n = realloc(c->lists, ncap * sizeof(*n));
        if (!n)
            goto oom;
        c->lists = n;
        c->cap = ncap;
    }
    c->lists[c->count++] = l;
    if (ens_http_response_set_status(resp, 200) != ENS_OK ||
        ens_http_response_append_body(resp, canned_body, sizeof(canned_body) - 1) != ENS_OK)
        return ENS_ENOMEM;
    return ENS_OK;
oom:
    curl_slist_free_all(l);
    return ENS_ENOMEM;
}

static const ens_transport_vtable capture_vtable = {ENS_TRANSPORT_VTABLE_VERSION, capture_send, NULL};

static void capture_clear(capture *c)
{
    size_t i;
    for (i = 0; i < c->count; i++)
        curl_slist_free_all(c->lists[i]);
    c->count = 0;
    free(c->url);
    c->url = NULL;
}

/* Signs n requests for one page size with the library (outside any timing). */
static void presign(ens_client *cap_client, capture *c, int32_t page_size, size_t n)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    size_t i;
    req.page_number = 1;
    req.page_size = page_size;
    capture_clear(c);
    for (i = 0; i < n; i++) {
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        if (ens_describe_peer_connections(cap_client, &req, &resp, &err) != ENS_OK) {
            fprintf(stderr, "bench_e2e: pre-signing failed: %s\n", err.description);
            exit(1);
        }
        ens_describe_response_free(resp);
    }
    if (c->count != n) {
        fprintf(stderr, "bench_e2e: captured %zu requests, expected %zu\n", c->count, n);
        exit(1);
    }
}

/* ------------------------------------------------------------ raw side */

typedef struct sink {
    char *buf;
    size_t len, cap;
} sink;

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    if (s->len + n > s->cap) {
        size_t ncap = s->cap ? s->cap : 4096;
        char *b;
        while (ncap < s->len + n)
            ncap *= 2;
        if (!(b = realloc(s->buf, ncap)))
            return 0;
        s->buf = b;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    return n;
}

static CURL *raw_handle(const char *url, sink *s)
{
    CURL *h = curl_easy_init();
    if (!h || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "") != CURLE_OK ||
        /* the library's transport asks for the same Accept-Encoding */
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, s) != CURLE_OK) {
        fprintf(stderr, "bench_e2e: cannot set up the raw libcurl handle\n");
        exit(1);
    }
    return h;
}

/* Sends the n captured requests; returns the elapsed seconds. */
static double raw_round(CURL *h, sink *s, const capture *c, size_t n)
{
    double t0 = bench_now();
    size_t i;
    for (i = 0; i < n; i++) {
        long code = 0;
        CURLcode rc;
        s->len = 0;
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->lists[i]);
        rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (rc != CURLE_OK || code != 200) {
            fprintf(stderr, "bench_e2e: raw call %zu failed: %s, HTTP %ld: %.*s\n", i,
                    curl_easy_strerror(rc), code, (int)(s->len > 300 ? 300 : s->len),
                    s->buf ? s->buf : "");
            exit(1);
        }
    }
    return bench_now() - t0;
}

/* ------------------------------------------------------------ lib side */

static double lib_round(ens_client *c, int32_t page_size, size_t n)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    double t0;
    size_t i;
    req.page_number = 1;
    req.page_size = page_size;
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK) {
            fprintf(stderr, "bench_e2e: library call %zu failed: %s\n", i, err.description);
            exit(1);
        }
        if (resp->connections_count != (size_t)page_size) {
            fprintf(stderr, "bench_e2e: got %zu connections, expected %d\n",
                    resp->connections_count, (int)page_size);
            exit(1);
        }
        ens_describe_response_free(resp);
    }
    return bench_now() - t0;
}

/* ------------------------------------------------------------------ main */

static void run_size(bench_mock *mock, ens_client *lib, ens_client *cap_client, capture *cap,
                     int32_t page_size, size_t n, size_t rounds)
{
    double *lib_t = calloc(rounds, sizeof(double)), *raw_t = calloc(rounds, sizeof(double));
    double *ratio = calloc(rounds, sizeof(double));
    double lib_sum = 0, raw_sum = 0, lib_rate, raw_rate;
    sink s = {NULL, 0, 0};
    CURL *h;
    ensmock_stats st;
    size_t r, body_bytes;
    double min_ratio = 1e9;
    char name[64];

    if (!lib_t || !raw_t || !ratio) {
        fprintf(stderr, "bench_e2e: out of memory\n");
        exit(1);
    }
    /* Warm-up: open both connections, check both sides get the same bytes. */
    presign(cap_client, cap, page_size, 5);
    if (!cap->url) {
        fprintf(stderr, "bench_e2e: no request captured\n");
        exit(1);
    }
    h = raw_handle(cap->url, &s);
    raw_round(h, &s, cap, 5);
    lib_round(lib, page_size, 5);
    body_bytes = s.len;

    if (bench_mock_reset(mock) != 0) {
        fprintf(stderr, "bench_e2e: mock control failed\n");
        exit(1);
    }
    for (r = 0; r < rounds; r++) {
        presign(cap_client, cap, page_size, n);
        if (r % 2 == 0) {
            lib_t[r] = lib_round(lib, page_size, n);
            raw_t[r] = raw_round(h, &s, cap, n);
        } else {
            raw_t[r] = raw_round(h, &s, cap, n);
            lib_t[r] = lib_round(lib, page_size, n);
        }
        lib_sum += lib_t[r];
        raw_sum += raw_t[r];
        ratio[r] = raw_t[r] / lib_t[r];
        if (ratio[r] < min_ratio)
            min_ratio = ratio[r];
        printf("  round %2zu  %3d items  lib %9.0f calls/s  raw %9.0f calls/s  lib/raw %.3f\n", r + 1,
               (int)page_size, (double)n / lib_t[r], (double)n / raw_t[r], ratio[r]);
    }
    if (bench_mock_stats(mock, &st) != 0) {
        fprintf(stderr, "bench_e2e: mock control failed\n");
        exit(1);
    }
    if (st.ok != 2 * n * rounds) {
        fprintf(stderr, "bench_e2e: the mock answered %lu calls with 200, expected %zu\n", st.ok,
                2 * n * rounds);
        exit(1);
    }
    lib_rate = (double)(n * rounds) / lib_sum;
    raw_rate = (double)(n * rounds) / raw_sum;
    printf("%d-item pages: %zu rounds x %zu calls per side, response body %zu bytes, "
           "%lu new TCP connection(s) during the rounds\n",
           (int)page_size, rounds, n, body_bytes, st.connections);
    printf("  lib %.0f calls/s (%.1f us/call), raw libcurl %.0f calls/s (%.1f us/call)\n", lib_rate,
           1e6 / lib_rate, raw_rate, 1e6 / raw_rate);
    printf("  lib/raw overall %.3f, per-round median %.3f (min %.3f), target >= %.2f\n",
           lib_rate / raw_rate, bench_median(ratio, rounds), min_ratio,
           page_size == 10 ? 0.85 : 0.70);
    snprintf(name, sizeof(name), "e2e.lib.%d", (int)page_size);
    bench_result(name, lib_rate, "calls/s");
    snprintf(name, sizeof(name), "e2e.raw.%d", (int)page_size);
    bench_result(name, raw_rate, "calls/s");
    snprintf(name, sizeof(name), "e2e.ratio.%d", (int)page_size);
    bench_result(name, lib_rate / raw_rate, "x");

    curl_easy_cleanup(h);
    free(s.buf);
    free(lib_t);
    free(raw_t);
    free(ratio);
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t rounds = quick ? 2 : 10;
    size_t n10 = quick ? 20 : 2000, n100 = quick ? 10 : 1000;
    char *data;
    bench_mock mock;
    ens_transport *cap_transport = NULL;
    ens_client *lib, *cap_client;
    capture cap = {NULL, NULL, 0, 0};
    long only = 0; /* --size 10 or --size 100: that page size only (for profiling) */
    int i;

    for (i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--size") == 0)
            only = strtol(argv[i + 1], NULL, 10);
    if (only != 0 && only != 10 && only != 100) {
        fprintf(stderr, "usage: bench_e2e [--quick] [--size 10|100]\n");
        return 2;
    }

    data = bench_read_file(bench_fixture_path("page_100.json"), NULL);
    if (!data) {
        fprintf(stderr, "bench_e2e: cannot read %s\n", bench_fixture_path("page_100.json"));
        return 1;
    }
    if (bench_mock_start(&mock, data) != 0)
        return 1;
    free(data);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;

    lib = bench_client_new(mock.url, NULL);
    if (ens_transport_new(&cap_transport, &capture_vtable, &cap) != ENS_OK)
        return 1;
    cap_client = bench_client_new(mock.url, cap_transport);

    printf("bench_e2e: library vs raw libcurl against the mock at %s (%s mode)\n", mock.url,
           quick ? "quick" : "full");
    if (only != 100)
        run_size(&mock, lib, cap_client, &cap, 10, n10, rounds);
    if (only != 10)
        run_size(&mock, lib, cap_client, &cap, 100, n100, rounds);

    ens_client_free(cap_client);
    ens_client_free(lib);
    capture_clear(&cap);
    free(cap.lists);
    free(cap.url);
    bench_mock_stop(&mock);
    curl_global_cleanup();
    return 0;
}
