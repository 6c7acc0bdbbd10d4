/* SPDX-License-Identifier: MIT */
/* Benchmark 3: the response parser.
 *
 * ens_describe_response_parse() + ens_describe_response_free() on:
 * - the recorded bodies test/fixtures/bodies/page_10.json and page_100.json,
 *   pretty-printed as recorded and re-serialised compact;
 * - realistic compact pages of 10 and 100 connections made by
 *   bench_realistic_page() (bench_util.c), shaped
 *   like the mock's data set (tools/data/default.json) and what the service
 *   sends: every field present, counts as numeric strings, names and
 *   descriptions in English and Chinese, as raw UTF-8 and as \u escapes,
 *   quotes, backslashes, \n and \t, descriptions of 40 to about 250
 *   characters, one to three Ipv4Cidrs per side, an unknown member now and
 *   then.  These are the pages the throughput target is about.
 * Prints MB/s (10^6 bytes) and items/s, and, for reference, what jansson
 * alone takes to load and free the same bytes.
 *
 * The machine is shared and noisy: every round runs each body once (the
 * bodies alternate), and the figures are medians over the rounds, of wall
 * time and, less disturbed by other tenants, of this process's CPU time.
 * The stable figure is the instruction count: `bench_parser --profile NAME N`
 * parses body NAME (page_10, page_100, page_10_compact, page_100_compact,
 * realistic_10, realistic_100) N times and does nothing else, for
 *   valgrind --tool=callgrind bench_parser --profile realistic_100 1000
 * (instructions per byte = Ir / (N * bytes), the bytes printed first);
 * `--profile NAME -1` writes the body to stdout.
 *
 * Allocations per page: counted in a separate, untimed pass through the
 * library's allocator hooks (ens_set_allocator) and, in this process only,
 * through jansson's (json_set_alloc_funcs; restored afterwards).
 * Targets: >= 1500 MB/s on the realistic 100-item page; library allocations
 * per page independent of the number of items.  Never asserts timing; exits
 * non-zero when a parse fails. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#define BODIES 6

typedef struct body {
    const char *name;
    char *data; /* exact-size copy, no NUL after it */
    size_t len;
    size_t items;
} body;

/* ------------------------------------------------------------------ bodies */


static void load(body *b, const char *name, const char *file, bool compact, size_t generate)
{
    size_t len = 0;
    char *raw = generate ? bench_realistic_page(generate, &len) : bench_read_file(bench_fixture_path(file), &len);
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (!raw) {
        fprintf(stderr, "bench_parser: cannot read or generate %s\n", name);
        exit(1);
    }
    if (compact) {
        json_error_t jerr;
        json_t *root = json_loadb(raw, len, 0, &jerr);
        char *c = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (!c) {
            fprintf(stderr, "bench_parser: cannot re-serialise %s\n", file);
            exit(1);
        }
        json_decref(root);
        free(raw);
        raw = c;
        len = strlen(c);
    }
    b->name = name;
    b->len = len;
    b->data = malloc(len ? len : 1);
    if (!b->data) {
        fprintf(stderr, "bench_parser: out of memory\n");
        exit(1);
    }
    memcpy(b->data, raw, len);
    free(raw);
    if (ens_describe_response_parse(&resp, b->data, b->len, &err) != ENS_OK) {
        fprintf(stderr, "bench_parser: %s does not parse: %s\n", name, err.description);
        exit(1);
    }
    b->items = resp->connections_count;
    ens_describe_response_free(resp);
}

/* ------------------------------------------------------------------ timing */

static void parse_once(const body *b)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ens_describe_response_parse(&resp, b->data, b->len, &err) != ENS_OK) {
        fprintf(stderr, "bench_parser: %s: %s\n", b->name, err.description);
        exit(1);
    }
    ens_describe_response_free(resp);
}


/* Parses (or only jansson-loads) the body until min_s passed and at least
 * min_iter iterations ran; returns iterations per second of wall time, and
 * in *per_cpu_s (may be NULL) per second of CPU time. */
static double run(const body *b, bool jansson_only, double min_s, size_t min_iter, double *per_cpu_s)
{
    size_t n = 0, i;
    double t0 = bench_now(), c0 = bench_cpu_now(), t;
    for (;;) {
        for (i = 0; i < 64; i++) {
            if (jansson_only) {
                json_error_t jerr;
                json_t *root = json_loadb(b->data, b->len, 0, &jerr);
                if (!root) {
                    fprintf(stderr, "bench_parser: jansson failed on %s\n", b->name);
                    exit(1);
                }
                json_decref(root);
            } else {
                parse_once(b);
            }
        }
        n += 64;
        t = bench_now() - t0;
        if (t >= min_s && n >= min_iter)
            break;
    }
    if (per_cpu_s)
        *per_cpu_s = (double)n / (bench_cpu_now() - c0 > 1e-9 ? bench_cpu_now() - c0 : 1e-9);
    return (double)n / t;
}

static void count_allocs(const body *b, bench_alloc_counts *lib, bench_alloc_counts *js)
{
    bench_lib_alloc_install();
    bench_json_alloc_install();
    parse_once(b);
    bench_lib_alloc_get(lib);
    bench_json_alloc_get(js);
    bench_json_alloc_uninstall();
    bench_lib_alloc_uninstall();
    if (lib->live != 0 || js->live != 0) {
        fprintf(stderr, "bench_parser: %s: %lld library / %lld jansson allocation(s) not freed\n",
                b->name, (long long)lib->live, (long long)js->live);
        exit(1);
    }
}

static const char *const tags[BODIES] = {"page_10",         "page_100",     "page_10_compact",
                                         "page_100_compact", "realistic_10", "realistic_100"};

static void load_all(body *bodies)
{
    load(&bodies[0], "page_10.json", "page_10.json", false, 0);
    load(&bodies[1], "page_100.json", "page_100.json", false, 0);
    load(&bodies[2], "page_10 compact", "page_10.json", true, 0);
    load(&bodies[3], "page_100 compact", "page_100.json", true, 0);
    load(&bodies[4], "realistic_10", NULL, false, 10);
    load(&bodies[5], "realistic_100", NULL, false, 100);
}

/* --profile NAME N; N < 0: write the body to stdout instead */
static int profile(body *bodies, const char *name, long n)
{
    for (size_t i = 0; i < BODIES; i++) {
        if (strcmp(tags[i], name) != 0)
            continue;
        if (n < 0)
            return fwrite(bodies[i].data, 1, bodies[i].len, stdout) == bodies[i].len ? 0 : 1;
        printf("bench_parser: %s, %zu bytes, %zu items, %ld parses\n", name, bodies[i].len, bodies[i].items, n);
        for (long k = 0; k < n; k++)
            parse_once(&bodies[i]);
        return 0;
    }
    fprintf(stderr, "bench_parser: no body named %s\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t rounds = quick ? 1 : 9, r, i;
    double min_s = quick ? 0.0 : 0.15;
    size_t min_iter = quick ? 64 : 0;
    static body bodies[BODIES];
    static double v[BODIES][9], cv[BODIES][9], jv[BODIES][9];
    uint64_t lib_allocs[BODIES];
    char name[96];

    load_all(bodies);
    if (argc == 4 && strcmp(argv[1], "--profile") == 0)
        return profile(bodies, argv[2], atol(argv[3]));

    printf("bench_parser: ens_describe_response_parse + free, one thread, %s mode, jansson %s, "
           "%zu alternating rounds\n",
           quick ? "quick" : "full", JANSSON_VERSION, rounds);
    for (i = 0; i < BODIES; i++)
        run(&bodies[i], false, min_s / 4, min_iter, NULL); /* warm-up */
    for (r = 0; r < rounds; r++) {
        for (i = 0; i < BODIES; i++) {
            /* odd rounds backwards: no body always runs right after the same one */
            size_t k = r % 2 ? BODIES - 1 - i : i;
            v[k][r] = run(&bodies[k], false, min_s, min_iter, &cv[k][r]);
            jv[k][r] = run(&bodies[k], true, min_s / 3, min_iter, NULL);
        }
    }
    for (i = 0; i < BODIES; i++) {
        const body *b = &bodies[i];
        double per_s = bench_median(v[i], rounds), j_per_s = bench_median(jv[i], rounds);
        double mbs = per_s * (double)b->len / 1e6, lo = 1e30, hi = 0;
        double cpu_mbs = bench_median(cv[i], rounds) * (double)b->len / 1e6;
        bench_alloc_counts lib, js;
        for (r = 0; r < rounds; r++) {
            double x = v[i][r] * (double)b->len / 1e6;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        count_allocs(b, &lib, &js);
        lib_allocs[i] = lib.mallocs + lib.reallocs;
        printf("%-17s %6zu bytes %3zu items: %8.1f MB/s (rounds %.0f..%.0f; %.1f MB/s of CPU time) %10.0f items/s "
               "(%.1f us/page); jansson alone %.1f MB/s\n",
               b->name, b->len, b->items, mbs, lo, hi, cpu_mbs, per_s * (double)b->items, 1e6 / per_s,
               j_per_s * (double)b->len / 1e6);
        printf("%-17s allocations per page: library %llu (malloc %llu, realloc %llu), jansson %llu\n", "",
               (unsigned long long)(lib.mallocs + lib.reallocs), (unsigned long long)lib.mallocs,
               (unsigned long long)lib.reallocs, (unsigned long long)js.mallocs);
        snprintf(name, sizeof(name), "parser.%s.MBps", tags[i]);
        bench_result(name, mbs, "MB/s");
        snprintf(name, sizeof(name), "parser.%s.cpu_MBps", tags[i]);
        bench_result(name, cpu_mbs, "MB/s");
        snprintf(name, sizeof(name), "parser.%s.items_per_s", tags[i]);
        bench_result(name, per_s * (double)b->items, "items/s");
        snprintf(name, sizeof(name), "parser.%s.lib_allocs", tags[i]);
        bench_result(name, (double)(lib.mallocs + lib.reallocs), "allocs/page");
        snprintf(name, sizeof(name), "parser.%s.jansson_allocs", tags[i]);
        bench_result(name, (double)js.mallocs, "allocs/page");
    }
    printf("library allocations per page, 10 vs 100 items: %llu vs %llu (%s); target: independent "
           "of the number of items; MB/s target >= 1500 (realistic_100)\n",
           (unsigned long long)lib_allocs[4], (unsigned long long)lib_allocs[5],
           lib_allocs[4] == lib_allocs[5] && lib_allocs[0] == lib_allocs[1] ? "independent"
                                                                             : "DEPENDS on the item count");
    for (i = 0; i < BODIES; i++)
        free(bodies[i].data);
    return 0;
}
