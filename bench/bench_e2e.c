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
 * parsing them.  Per side and round: calls/s, client CPU per call
 * (getrusage RUSAGE_SELF, user + system) and, for the library, its
 * allocations per call (counting ens_set_allocator hooks).
 *
 * Servers: by default the in-tree mock (a forked child serving
 * test/fixtures/bodies/page_100.json; about 1 ms of server time per call,
 * which hides the client's own cost).  With --nginx: a static nginx started
 * by the benchmark on 127.0.0.1 (generated config in a temp dir, killed at
 * the end) answering any POST with a fixed compact page of realistic content
 * (bench_realistic_page(), the pages bench_parser measures: long
 * descriptions, escaped and non-ASCII text), over HTTP and over HTTPS
 * (test/tls/ certificate, keep-alive: one handshake per side).  Without nginx
 * it prints how to install it and exits 77.  10-item and 100-item pages are
 * measured separately.  Never asserts timing; exits non-zero only when a call
 * fails.
 *
 *   bench_e2e [--quick] [--nginx] [--size 10|100] [--scheme http|https] [--rounds N] */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

static CURL *raw_handle(const char *url, const char *ca_file, sink *s)
{
    CURL *h = curl_easy_init();
    if (!h || curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        (ca_file && curl_easy_setopt(h, CURLOPT_CAINFO, ca_file) != CURLE_OK) ||
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

/* One timed round of one side. */
typedef struct round_figures {
    double secs;   /* wall clock */
    double cpu;    /* user + system seconds of this process */
    double allocs; /* library allocations (malloc + realloc calls) */
} round_figures;

static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

static uint64_t lib_allocs_now(void)
{
    bench_alloc_counts a;
    bench_lib_alloc_get(&a);
    return a.mallocs + a.reallocs;
}

static void round_begin(round_figures *f)
{
    f->allocs = (double)lib_allocs_now();
    f->cpu = cpu_now();
    f->secs = bench_now();
}

static void round_end(round_figures *f)
{
    f->secs = bench_now() - f->secs;
    f->cpu = cpu_now() - f->cpu;
    f->allocs = (double)lib_allocs_now() - f->allocs;
}

/* Sends the n captured requests. */
static void raw_round(CURL *h, sink *s, const capture *c, size_t n, round_figures *f)
{
    round_begin(f);
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
    round_end(f);
}

/* ------------------------------------------------------------ lib side */

static void lib_round(ens_client *c, int32_t page_size, size_t n, round_figures *f)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    size_t i;
    req.page_number = 1;
    req.page_size = page_size;
    round_begin(f);
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
    round_end(f);
}

/* --------------------------------------------------------------- nginx */

typedef struct nginx {
    pid_t pid;
    char dir[64];
    char http_url[64], https_url[64];
    size_t page_bytes[2]; /* 10 items, 100 items */
} nginx;

static const char nginx_bin[] = "/usr/sbin/nginx";

static unsigned short free_port(void);

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_e2e: cannot write %s\n", path);
        exit(1);
    }
}

/* Waits until the server accepts a plain GET (up to about 5 s). */
static int nginx_wait(const char *url)
{
    int i;
    for (i = 0; i < 100; i++) {
        CURL *h = curl_easy_init();
        long code = 0;
        CURLcode rc;
        char probe[128];
        snprintf(probe, sizeof(probe), "%s/?PageSize=10", url);
        curl_easy_setopt(h, CURLOPT_URL, probe);
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_cleanup(h);
        if (rc == CURLE_OK && code == 200)
            return 0;
        usleep(50000);
    }
    return -1;
}

static nginx *running; /* the one started, until stopped (atexit) */

static void nginx_stop(nginx *ng)
{
    char cmd[128];
    if (ng->pid <= 0)
        return;
    kill(ng->pid, SIGTERM);
    waitpid(ng->pid, NULL, 0);
    ng->pid = -1;
    if (running == ng)
        running = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ng->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_e2e: could not remove %s\n", ng->dir);
}

static void stop_running(void)
{
    if (running)
        nginx_stop(running);
}

static void nginx_start(nginx *ng, const char *tls_dir)
{
    char path[256], conf[4096];
    unsigned short p_http = free_port(), p_https = free_port();
    size_t sizes[2] = {10, 100}, i;
    memset(ng, 0, sizeof(*ng));
    snprintf(ng->dir, sizeof(ng->dir), "/tmp/bench_e2e_nginx.XXXXXX");
    if (!mkdtemp(ng->dir)) {
        fprintf(stderr, "bench_e2e: mkdtemp failed\n");
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/p", ng->dir);
    mkdir(path, 0700);
    for (i = 0; i < 2; i++) {
        char *page = bench_realistic_page(sizes[i], &ng->page_bytes[i]);
        snprintf(path, sizeof(path), "%s/p/page_%zu.json", ng->dir, sizes[i]);
        write_file(path, page);
        free(page);
    }
    /* Static files answer POST with 405: the error page sends the same file
     * again with 200 (works with nginx 1.18 and 1.22).  The page is chosen by
     * the request's PageSize query parameter. */
    snprintf(conf, sizeof(conf),
             "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
             "error_log %s/error.log;\nevents { worker_connections 64; }\n"
             "http {\n  access_log off;\n  client_body_temp_path %s/cb;\n  proxy_temp_path %s/px;\n"
             "  fastcgi_temp_path %s/fc;\n  uwsgi_temp_path %s/uw;\n  scgi_temp_path %s/sc;\n"
             "  keepalive_requests 1000000;\n  keepalive_timeout 300s;\n"
             "  default_type application/json;\n  etag off;\n"
             "  server {\n    listen 127.0.0.1:%u;\n    listen 127.0.0.1:%u ssl;\n"
             "    ssl_certificate %s/server.pem;\n    ssl_certificate_key %s/server.key;\n"
             "    root %s;\n"
             "    location / { rewrite ^ /p/page_$arg_PageSize.json last; }\n"
             "    location /p/ { error_page 405 =200 $uri; }\n  }\n}\n",
             ng->dir, ng->dir, ng->dir, ng->dir, ng->dir, ng->dir, ng->dir, (unsigned)p_http,
             (unsigned)p_https, tls_dir, tls_dir, ng->dir);
    snprintf(path, sizeof(path), "%s/nginx.conf", ng->dir);
    write_file(path, conf);
    fflush(NULL);
    ng->pid = fork();
    if (ng->pid < 0)
        exit(1);
    if (ng->pid == 0) {
        /* Dies with the benchmark, however that ends. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execl(nginx_bin, nginx_bin, "-q", "-p", ng->dir, "-c", path, (char *)NULL);
        _exit(127);
    }
    running = ng;
    atexit(stop_running); /* a failed call exits: nginx and its temp dir go too */
    snprintf(ng->http_url, sizeof(ng->http_url), "http://127.0.0.1:%u", (unsigned)p_http);
    snprintf(ng->https_url, sizeof(ng->https_url), "https://127.0.0.1:%u", (unsigned)p_https);
    if (nginx_wait(ng->http_url) != 0) {
        fprintf(stderr, "bench_e2e: nginx did not answer on %s; see %s/error.log\n", ng->http_url,
                ng->dir);
        exit(1);
    }
}


static unsigned short free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned short port = 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    if (!port) {
        fprintf(stderr, "bench_e2e: no free loopback port\n");
        exit(1);
    }
    return port;
}

/* ------------------------------------------------------------------ main */

typedef struct target {
    const char *name;    /* "mock", "nginx-http", "nginx-https" */
    const char *url;
    const char *ca_file; /* NULL: plain HTTP */
    bench_mock *mock;    /* NULL unless the mock */
} target;

static void run_size(const target *t, int32_t page_size, size_t n, size_t rounds)
{
    round_figures *lib = calloc(rounds, sizeof(*lib)), *raw = calloc(rounds, sizeof(*raw));
    double *m = calloc(rounds, sizeof(double));
    double lib_rate, raw_rate, ratio, lib_cpu, raw_cpu, allocs;
    capture cap = {NULL, NULL, 0, 0};
    ens_transport *cap_transport = NULL;
    ens_client *lib_client, *cap_client;
    sink s = {NULL, 0, 0};
    CURL *h;
    ensmock_stats st;
    size_t r, body_bytes;
    char name[96];

    if (!lib || !raw || !m || ens_transport_new(&cap_transport, &capture_vtable, &cap) != ENS_OK) {
        fprintf(stderr, "bench_e2e: out of memory\n");
        exit(1);
    }
    lib_client = bench_client_new_ca(t->url, NULL, t->ca_file);
    cap_client = bench_client_new_ca(t->url, cap_transport, t->ca_file);
    /* Warm-up: open both connections, check both sides get the same bytes. */
    presign(cap_client, &cap, page_size, 5);
    if (!cap.url) {
        fprintf(stderr, "bench_e2e: no request captured\n");
        exit(1);
    }
    h = raw_handle(cap.url, t->ca_file, &s);
    raw_round(h, &s, &cap, 5, &raw[0]);
    lib_round(lib_client, page_size, 5, &lib[0]);
    body_bytes = s.len;

    if (t->mock && bench_mock_reset(t->mock) != 0) {
        fprintf(stderr, "bench_e2e: mock control failed\n");
        exit(1);
    }
    for (r = 0; r < rounds; r++) {
        presign(cap_client, &cap, page_size, n);
        if (r % 2 == 0) {
            lib_round(lib_client, page_size, n, &lib[r]);
            raw_round(h, &s, &cap, n, &raw[r]);
        } else {
            raw_round(h, &s, &cap, n, &raw[r]);
            lib_round(lib_client, page_size, n, &lib[r]);
        }
        printf("  %s round %2zu %3d items  lib %7.0f calls/s %6.1f us CPU/call %5.1f allocs/call"
               "  raw %7.0f calls/s %6.1f us CPU/call  lib/raw %.3f\n",
               t->name, r + 1, (int)page_size, (double)n / lib[r].secs, 1e6 * lib[r].cpu / (double)n,
               lib[r].allocs / (double)n, (double)n / raw[r].secs, 1e6 * raw[r].cpu / (double)n,
               raw[r].secs / lib[r].secs);
        fflush(stdout);
    }
    if (t->mock) {
        if (bench_mock_stats(t->mock, &st) != 0) {
            fprintf(stderr, "bench_e2e: mock control failed\n");
            exit(1);
        }
        if (st.ok != 2 * n * rounds) {
            fprintf(stderr, "bench_e2e: the mock answered %lu calls with 200, expected %zu\n",
                    st.ok, 2 * n * rounds);
            exit(1);
        }
    }
    for (r = 0; r < rounds; r++)
        m[r] = (double)n / lib[r].secs;
    lib_rate = bench_median(m, rounds);
    for (r = 0; r < rounds; r++)
        m[r] = (double)n / raw[r].secs;
    raw_rate = bench_median(m, rounds);
    for (r = 0; r < rounds; r++)
        m[r] = raw[r].secs / lib[r].secs;
    ratio = bench_median(m, rounds);
    for (r = 0; r < rounds; r++)
        m[r] = 1e6 * lib[r].cpu / (double)n;
    lib_cpu = bench_median(m, rounds);
    for (r = 0; r < rounds; r++)
        m[r] = 1e6 * raw[r].cpu / (double)n;
    raw_cpu = bench_median(m, rounds);
    for (r = 0; r < rounds; r++)
        m[r] = lib[r].allocs / (double)n;
    allocs = bench_median(m, rounds);
    printf("%s, %d-item pages: %zu rounds x %zu calls per side, response body %zu bytes\n", t->name,
           (int)page_size, rounds, n, body_bytes);
    printf("  medians: lib %.0f calls/s, raw %.0f calls/s, lib/raw %.3f (target >= %.2f); "
           "CPU/call lib %.1f us, raw %.1f us, difference %.1f us (target <= %d); "
           "library allocations/call %.1f (target <= 10)\n",
           lib_rate, raw_rate, ratio, page_size == 10 ? 0.90 : 0.70, lib_cpu, raw_cpu,
           lib_cpu - raw_cpu, page_size == 10 ? 10 : 35, allocs);
    snprintf(name, sizeof(name), "e2e.%s.lib.%d", t->name, (int)page_size);
    bench_result(name, lib_rate, "calls/s");
    snprintf(name, sizeof(name), "e2e.%s.raw.%d", t->name, (int)page_size);
    bench_result(name, raw_rate, "calls/s");
    snprintf(name, sizeof(name), "e2e.%s.ratio.%d", t->name, (int)page_size);
    bench_result(name, ratio, "x");
    snprintf(name, sizeof(name), "e2e.%s.cpu_lib.%d", t->name, (int)page_size);
    bench_result(name, lib_cpu, "us/call");
    snprintf(name, sizeof(name), "e2e.%s.cpu_raw.%d", t->name, (int)page_size);
    bench_result(name, raw_cpu, "us/call");
    snprintf(name, sizeof(name), "e2e.%s.allocs.%d", t->name, (int)page_size);
    bench_result(name, allocs, "allocs/call");

    curl_easy_cleanup(h);
    ens_client_free(cap_client);
    ens_client_free(lib_client);
    capture_clear(&cap);
    free(cap.lists);
    free(s.buf);
    free(lib);
    free(raw);
    free(m);
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv), use_nginx = false;
    size_t rounds = quick ? 2 : 10;
    size_t n10 = quick ? 20 : 2000, n100 = quick ? 10 : 1000;
    long only = 0; /* --size 10 or --size 100: that page size only (for profiling) */
    const char *scheme = "";  /* --scheme http or https: against nginx, that one only */
    char tls_dir[4096];
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--nginx") == 0)
            use_nginx = true;
        else if (i + 1 < argc && strcmp(argv[i], "--size") == 0)
            only = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--scheme") == 0)
            scheme = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
            rounds = (size_t)strtoul(argv[++i], NULL, 10);
    }
    if ((only != 0 && only != 10 && only != 100) || rounds == 0) {
        fprintf(stderr, "usage: bench_e2e [--quick] [--nginx] [--size 10|100] [--scheme http|https] [--rounds N]\n");
        return 2;
    }
    if (use_nginx && access(nginx_bin, X_OK) != 0) {
        printf("bench_e2e: %s not found; install it (Debian: apt-get install nginx-light) to "
               "measure against nginx\n",
               nginx_bin);
        return 77;
    }
    /* Before any library object exists (ens_set_allocator's rule). */
    bench_lib_alloc_install();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;

    if (use_nginx) {
        nginx ng;
        target th, ts;
        nginx_start(&ng, bench_tls_dir());
        th = (target){"nginx-http", ng.http_url, NULL, NULL};
        ts = (target){"nginx-https", ng.https_url, NULL, NULL};
        snprintf(tls_dir, sizeof(tls_dir), "%s/ca.pem", bench_tls_dir());
        ts.ca_file = tls_dir;
        printf("bench_e2e: library vs raw libcurl against nginx at %s and %s (%s mode); "
               "compact pages of %zu bytes (10 items) and %zu bytes (100 items)\n",
               ng.http_url, ng.https_url, quick ? "quick" : "full", ng.page_bytes[0],
               ng.page_bytes[1]);
        if (only != 100 && strcmp(scheme, "https") != 0)
            run_size(&th, 10, n10, rounds);
        if (only != 100 && strcmp(scheme, "http") != 0)
            run_size(&ts, 10, n10, rounds);
        if (only != 10 && strcmp(scheme, "https") != 0)
            run_size(&th, 100, n100, rounds);
        if (only != 10 && strcmp(scheme, "http") != 0)
            run_size(&ts, 100, n100, rounds);
        nginx_stop(&ng);
    } else {
        bench_mock mock;
        target tm;
        char *data = bench_read_file(bench_fixture_path("page_100.json"), NULL);
        if (!data) {
            fprintf(stderr, "bench_e2e: cannot read %s\n", bench_fixture_path("page_100.json"));
            return 1;
        }
        if (bench_mock_start(&mock, data) != 0)
            return 1;
        free(data);
        tm = (target){"mock", mock.url, NULL, &mock};
        printf("bench_e2e: library vs raw libcurl against the mock at %s (%s mode)\n", mock.url,
               quick ? "quick" : "full");
        if (only != 100)
            run_size(&tm, 10, n10, rounds);
        if (only != 10)
            run_size(&tm, 100, n100, rounds);
        bench_mock_stop(&mock);
    }
    curl_global_cleanup();
    return 0;
}
