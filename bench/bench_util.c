/* SPDX-License-Identifier: MIT */
/* Helpers shared by the benchmarks.  Plain malloc is fine here: this is not
 * the library. */
#include "bench_util.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ENS_BENCH_FIXTURES_DIR
#error "ENS_BENCH_FIXTURES_DIR must point at test/fixtures"
#endif
#ifndef ENS_BENCH_TLS_DIR
#error "ENS_BENCH_TLS_DIR must point at test/tls"
#endif

bool bench_quick(int argc, char **argv)
{
    const char *e = getenv("ENS_BENCH_QUICK");
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            return true;
    return e && *e && strcmp(e, "0") != 0;
}

double bench_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

char *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto fail;
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

const char *bench_fixture_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("ENS_FIXTURES");
    if (dir && *dir)
        snprintf(path, sizeof(path), "%s/bodies/%s", dir, name);
    else
        snprintf(path, sizeof(path), "%s/bodies/%s", ENS_BENCH_FIXTURES_DIR, name);
    return path;
}

char *bench_gen_dataset(size_t n)
{
    static const char *const regions[] = {"cn-xian-unicom", "cn-dongguan-9", "cn-hangzhou-telecom",
                                          "cn-beijing-cmcc", "cn-chengdu-telecom", "cn-wuhan-unicom"};
    static const char *const statuses[] = {"Activated", "Activated", "Activated", "Creating",
                                           "Deleting"};
    size_t cap = 64 + n * 700, len = 0, i;
    char *out = malloc(cap);
    int w;
    if (!out)
        return NULL;
    len += (size_t)snprintf(out, cap, "{\"NetworkPeerConnects\":[");
    for (i = 0; i < n; i++) {
        unsigned k = (unsigned)(i + 1);
        w = snprintf(out + len, cap - len,
                     "%s{\"InstanceId\":\"pcc-bench%07u****\","
                     "\"CreationTime\":\"2024-%02u-%02uT%02u:%02u:%02uZ\","
                     "\"Name\":\"peer-%u\",\"Description\":\"bench connection %u\","
                     "\"EnsRegionId\":\"%s\",\"Status\":\"%s\","
                     "\"NetworkId\":\"n-req%07u****\",\"AcceptingNetworkId\":\"n-acc%07u****\","
                     "\"Network\":{\"NetworkId\":\"n-req%07u****\",\"Ipv4Cidrs\":[\"10.%u.%u.0/24\"]},"
                     "\"AcceptingNetwork\":{\"NetworkId\":\"n-acc%07u****\","
                     "\"Ipv4Cidrs\":[\"192.168.%u.0/24\",\"172.16.%u.0/24\"]}}",
                     i ? "," : "", k, 1 + k % 12, 1 + k % 28, k % 24, k % 60, (k * 7) % 60, k, k,
                     regions[k % 6], statuses[k % 5], k, k, k, (k / 256) % 256, k % 256, k, k % 256,
                     (k / 256) % 256);
        if (w < 0 || (size_t)w >= cap - len) {
            free(out);
            return NULL;
        }
        len += (size_t)w;
    }
    if (cap - len < 3) {
        free(out);
        return NULL;
    }
    memcpy(out + len, "]}", 3);
    return out;
}

/* ------------------------------------------------------ realistic pages */

typedef struct gen {
    char *p;
    size_t len, cap;
    uint32_t seed;
} gen;

static void put(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(gen *g, const char *fmt, ...)
{
    va_list ap;
    int n;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(g->p + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "bench: formatting failed\n");
            exit(1);
        }
        if ((size_t)n < g->cap - g->len)
            break;
        g->cap = 2 * g->cap + (size_t)n;
        g->p = realloc(g->p, g->cap);
        if (!g->p) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
    }
    g->len += (size_t)n;
}

static uint32_t rnd(gen *g)
{
    g->seed = g->seed * 1103515245u + 12345u;
    return g->seed >> 8;
}

static void put_id(gen *g, const char *prefix, size_t n)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    put(g, "%s", prefix);
    for (size_t i = 0; i < n; i++)
        put(g, "%c", alnum[rnd(g) % 36]);
}

/* Pieces of descriptions, as JSON string contents. */
static const char *const phrases[] = {
    "peering between the requester and accepter networks of the edge region",
    "production traffic; managed by the network team, do not delete",
    ("\xe8\xbe\xb9\xe7\xbc\x98\xe8\x8a\x82\xe7\x82\xb9\xe4\xb9\x8b\xe9\x97\xb4\xe7\x9a\x84\xe4\xb8\x93\xe7\xba\xbf"
     "\xe4\xba\x92\xe9\x80\x9a\xef\xbc\x8c\xe5\xb8\xa6\xe5\xae\xbd 10 Gbps"),
    "line one\\nline two\\r\\nline three",
    "owner: \\\"ops\\\" \\\\ on-call rotation B",
    "caf\\u00e9 r\\u00e9seau \\u2192 backbone",
    "ticket NET-4821: widen the CIDR of the accepting side before the migration window",
    "\\u8fb9\\u7f18\\u5bf9\\u7b49\\u8fde\\u63a5 \xe2\x9c\x93",
    "tab\\tseparated\\tnotes",
    "created by terraform (module ens-peering v2.3.1), see the runbook",
};

/* Names, as JSON string contents; a number follows. */
static const char *const names[] = {
    "pcc-cn-xian-unicom-",
    "\xe8\xbe\xb9\xe7\xbc\x98\xe5\xaf\xb9\xe7\xad\x89\xe8\xbf\x9e\xe6\x8e\xa5-\xe8\xa5\xbf\xe5\xae\x89-",
    "pcc-cn-dongguan-9-",
    "say \\\"hi\\\" \\\\ bye ",
    "\\u00dcberbr\\u00fccke \\u2713 ",
    "pcc-cn-hangzhou-telecom-",
};

static const char *const regions[] = {"cn-xian-unicom", "cn-dongguan-9", "cn-hangzhou-telecom",
                                      "cn-beijing-cmcc", "cn-chengdu-telecom", "cn-wuhan-unicom"};
static const char *const statuses[] = {"Activated", "Activated", "Activated", "Creating", "Deleting"};

static void put_network(gen *g, const char *key, unsigned k)
{
    unsigned n = 1 + rnd(g) % 3;
    put(g, "\"%s\":{\"NetworkId\":", key);
    put_id(g, "\"n-", 12);
    put(g, "\",\"Ipv4Cidrs\":[");
    for (unsigned i = 0; i < n; i++)
        put(g, "%s\"%u.%u.0.0/%u\"", i ? "," : "", i ? 172u : 10u, (k * 3 + i) % 250, i ? 20u : 16u);
    put(g, "]}");
}

char *bench_realistic_page(size_t n, size_t *len)
{
    gen g = {malloc(4096), 0, 4096, (uint32_t)(n * 7919u + 1)};
    if (!g.p)
        return NULL;
    put(&g, "{\"RequestId\":\"%08X-54B6-4AE8-B225-F876FF7BA984\",\"PageNumber\":\"1\",\"PageSize\":\"%zu\","
            "\"TotalCount\":\"%zu\",\"NetworkPeerConnects\":[",
        rnd(&g), n, n * 4 + 57);
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)i + 1, want = 40 + rnd(&g) % 211;
        size_t start;
        put(&g, "%s{\"InstanceId\":", i ? "," : "");
        put_id(&g, "\"pcc-", 21);
        put(&g, "\",\"CreationTime\":\"20%02u-%02u-%02uT%02u:%02u:%02uZ\",\"Name\":\"", 22 + k % 4, 1 + k % 12,
            1 + k % 28, k % 24, (k * 7) % 60, (k * 13) % 60);
        put(&g, "%s%02u", names[rnd(&g) % 6], k);
        put(&g, "\",\"Description\":\"");
        start = g.len;
        while (g.len - start < want)
            put(&g, "%s%s", g.len > start ? " " : "", phrases[rnd(&g) % 10]);
        put(&g, "\",\"EnsRegionId\":\"%s\",\"Status\":\"%s\",\"NetworkId\":", regions[k % 6], statuses[k % 5]);
        put_id(&g, "\"n-", 12);
        put(&g, "\",\"AcceptingNetworkId\":");
        put_id(&g, "\"n-", 12);
        put(&g, "\",");
        if (k % 17 == 0)
            put(&g, "\"ResourceGroupId\":\"rg-acfm2pz25js****\",");
        put_network(&g, "Network", k);
        put(&g, ",");
        put_network(&g, "AcceptingNetwork", k + 1);
        put(&g, "}");
    }
    put(&g, "]}");
    *len = g.len;
    return g.p;
}

/* ------------------------------------------------------------------ mock */

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void mock_child(int ctl, int res, const char *data_json)
{
    ensmock_options o;
    ensmock_server *srv = NULL;
    unsigned short port = 0;
    char cmd;
    ensmock_options_init(&o);
    o.data_json = data_json;
    if (ensmock_start(&o, &srv) != ENSMOCK_OK) {
        (void)write_all(res, &port, sizeof(port));
        _exit(1);
    }
    port = ensmock_port(srv);
    if (write_all(res, &port, sizeof(port)) != 0)
        _exit(1);
    while (read_all(ctl, &cmd, 1) == 0) {
        if (cmd == 'S') {
            ensmock_stats st;
            ensmock_stats_get(srv, &st);
            if (write_all(res, &st, sizeof(st)) != 0)
                break;
        } else if (cmd == 'R') {
            ensmock_stats_reset(srv);
            if (write_all(res, &cmd, 1) != 0)
                break;
        }
    }
    ensmock_stop(srv);
    _exit(0);
}

int bench_mock_start(bench_mock *m, const char *data_json)
{
    int ctl[2], res[2];
    unsigned short port = 0;
    memset(m, 0, sizeof(*m));
    m->pid = -1;
    if (pipe(ctl) != 0)
        return -1;
    if (pipe(res) != 0) {
        close(ctl[0]);
        close(ctl[1]);
        return -1;
    }
    fflush(NULL);
    m->pid = fork();
    if (m->pid < 0) {
        close(ctl[0]);
        close(ctl[1]);
        close(res[0]);
        close(res[1]);
        return -1;
    }
    if (m->pid == 0) {
        close(ctl[1]);
        close(res[0]);
        mock_child(ctl[0], res[1], data_json);
    }
    close(ctl[0]);
    close(res[1]);
    m->ctl_fd = ctl[1];
    m->res_fd = res[0];
    /* A write to a child that has died must not kill the benchmark. */
    signal(SIGPIPE, SIG_IGN);
    if (read_all(m->res_fd, &port, sizeof(port)) != 0 || port == 0) {
        fprintf(stderr, "bench: the mock server did not start\n");
        bench_mock_stop(m);
        return -1;
    }
    snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%u", (unsigned)port);
    return 0;
}

int bench_mock_stats(bench_mock *m, ensmock_stats *out)
{
    char cmd = 'S';
    if (write_all(m->ctl_fd, &cmd, 1) != 0 || read_all(m->res_fd, out, sizeof(*out)) != 0)
        return -1;
    return 0;
}

int bench_mock_reset(bench_mock *m)
{
    char cmd = 'R';
    if (write_all(m->ctl_fd, &cmd, 1) != 0 || read_all(m->res_fd, &cmd, 1) != 0)
        return -1;
    return 0;
}

void bench_mock_stop(bench_mock *m)
{
    if (m->pid <= 0)
        return;
    close(m->ctl_fd);
    close(m->res_fd);
    waitpid(m->pid, NULL, 0);
    m->pid = -1;
}

/* ---------------------------------------------------------------- client */

ens_client *bench_client_new(const char *url, ens_transport *transport)
{
    return bench_client_new_ca(url, transport, NULL);
}

const char *bench_tls_dir(void)
{
    const char *dir = getenv("ENS_TLS_DIR");
    return dir && *dir ? dir : ENS_BENCH_TLS_DIR;
}

ens_client *bench_client_new_ca(const char *url, ens_transport *transport, const char *ca_file)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_client *c = NULL;
    if (ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                            ENSMOCK_DEMO_KEY_SECRET, NULL) != ENS_OK) {
        fprintf(stderr, "bench: cannot create credentials\n");
        exit(1);
    }
    o.endpoint = url;
    o.max_attempts = 1;
    o.transport = transport;
    o.ca_file = ca_file;
    if (ens_client_new(&c, &o, &err) != ENS_OK) {
        fprintf(stderr, "bench: ens_client_new: %s\n", err.description);
        exit(1);
    }
    return c;
}

int bench_rss_kib(bench_rss *out)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int found = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0 && sscanf(line + 6, "%ld", &out->rss) == 1)
            found |= 1;
        else if (strncmp(line, "VmHWM:", 6) == 0 && sscanf(line + 6, "%ld", &out->hwm) == 1)
            found |= 2;
        else if (strncmp(line, "RssAnon:", 8) == 0 && sscanf(line + 8, "%ld", &out->anon) == 1)
            found |= 4;
    }
    fclose(f);
    return found == 7 ? 0 : -1;
}

/* ------------------------------------------------------------ allocators */

typedef struct counters {
    atomic_uint_fast64_t mallocs, reallocs, frees;
    atomic_int_fast64_t live;
} counters;

static counters lib_counts, json_counts;

static void counters_get(counters *c, bench_alloc_counts *out)
{
    out->mallocs = atomic_load(&c->mallocs);
    out->reallocs = atomic_load(&c->reallocs);
    out->frees = atomic_load(&c->frees);
    out->live = atomic_load(&c->live);
}

static void counters_reset(counters *c)
{
    atomic_store(&c->mallocs, 0);
    atomic_store(&c->reallocs, 0);
    atomic_store(&c->frees, 0);
    atomic_store(&c->live, 0);
}

static void *lib_malloc(void *payload, size_t size)
{
    void *p = malloc(size);
    (void)payload;
    atomic_fetch_add(&lib_counts.mallocs, 1);
    if (p)
        atomic_fetch_add(&lib_counts.live, 1);
    return p;
}

static void *lib_realloc(void *payload, void *ptr, size_t size)
{
    void *p = realloc(ptr, size);
    (void)payload;
    atomic_fetch_add(&lib_counts.reallocs, 1);
    if (p && !ptr)
        atomic_fetch_add(&lib_counts.live, 1);
    return p;
}

static void lib_free(void *payload, void *ptr)
{
    (void)payload;
    if (ptr) {
        atomic_fetch_add(&lib_counts.frees, 1);
        atomic_fetch_sub(&lib_counts.live, 1);
    }
    free(ptr);
}

void bench_lib_alloc_install(void)
{
    ens_allocator a = {ENS_ALLOCATOR_VERSION, lib_malloc, lib_realloc, lib_free, NULL};
    counters_reset(&lib_counts);
    if (ens_set_allocator(&a) != ENS_OK) {
        fprintf(stderr, "bench: ens_set_allocator refused the counting hooks\n");
        exit(1);
    }
}

void bench_lib_alloc_uninstall(void) { ens_set_allocator(NULL); }
void bench_lib_alloc_get(bench_alloc_counts *out) { counters_get(&lib_counts, out); }
void bench_lib_alloc_reset(void) { counters_reset(&lib_counts); }

static json_malloc_t saved_json_malloc;
static json_free_t saved_json_free;

static void *json_count_malloc(size_t size)
{
    void *p = malloc(size);
    atomic_fetch_add(&json_counts.mallocs, 1);
    if (p)
        atomic_fetch_add(&json_counts.live, 1);
    return p;
}

static void json_count_free(void *ptr)
{
    if (ptr) {
        atomic_fetch_add(&json_counts.frees, 1);
        atomic_fetch_sub(&json_counts.live, 1);
    }
    free(ptr);
}

void bench_json_alloc_install(void)
{
    json_get_alloc_funcs(&saved_json_malloc, &saved_json_free);
    counters_reset(&json_counts);
    json_set_alloc_funcs(json_count_malloc, json_count_free);
}

void bench_json_alloc_uninstall(void)
{
    if (saved_json_malloc && saved_json_free)
        json_set_alloc_funcs(saved_json_malloc, saved_json_free);
}

void bench_json_alloc_get(bench_alloc_counts *out) { counters_get(&json_counts, out); }
void bench_json_alloc_reset(void) { counters_reset(&json_counts); }

/* ----------------------------------------------------------------- misc */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(const double *v, size_t n)
{
    double *c = malloc(n * sizeof(*c)), m;
    if (!c)
        return v[0];
    memcpy(c, v, n * sizeof(*c));
    qsort(c, n, sizeof(*c), cmp_double);
    m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
    free(c);
    return m;
}

void bench_result(const char *name, double value, const char *unit)
{
    printf("RESULT %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}
