/* Benchmark 3: the response parser.
 *
 * ens_describe_response_parse() + ens_describe_response_free() on the
 * recorded bodies test/fixtures/bodies/page_10.json and page_100.json
 * (pretty-printed as recorded), and on compact re-serialisations of the same
 * documents (what a server usually sends: fewer bytes per item, so a lower
 * MB/s for the same work).  Prints MB/s (10^6 bytes) and items/s, and, for
 * reference, what jansson alone takes to load and free the same bytes.
 *
 * Allocations per page: counted in a separate, untimed pass through the
 * library's allocator hooks (ens_set_allocator) and, in this process only,
 * through jansson's (json_set_alloc_funcs; restored afterwards).
 * Targets: >= 150 MB/s; library allocations per page independent of the
 * number of items.  Never asserts timing; exits non-zero when a parse fails. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

typedef struct body {
    const char *name;
    char *data; /* exact-size copy, no NUL after it */
    size_t len;
    size_t items;
} body;

static void load(body *b, const char *name, const char *file, bool compact)
{
    size_t len;
    char *raw = bench_read_file(bench_fixture_path(file), &len);
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (!raw) {
        fprintf(stderr, "bench_parser: cannot read %s\n", bench_fixture_path(file));
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

/* Parses (or only jansson-loads) the body until min_s passed and at least
 * min_iter iterations ran; returns iterations per second. */
static double run(const body *b, bool jansson_only, double min_s, size_t min_iter)
{
    size_t n = 0, i;
    double t0 = bench_now(), t;
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
                ens_describe_response *resp = NULL;
                ens_error err = ENS_ERROR_INIT;
                if (ens_describe_response_parse(&resp, b->data, b->len, &err) != ENS_OK) {
                    fprintf(stderr, "bench_parser: %s: %s\n", b->name, err.description);
                    exit(1);
                }
                ens_describe_response_free(resp);
            }
        }
        n += 64;
        t = bench_now() - t0;
        if (t >= min_s && n >= min_iter)
            break;
    }
    return (double)n / t;
}

static void count_allocs(const body *b, bench_alloc_counts *lib, bench_alloc_counts *js)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    bench_lib_alloc_install();
    bench_json_alloc_install();
    if (ens_describe_response_parse(&resp, b->data, b->len, &err) != ENS_OK) {
        fprintf(stderr, "bench_parser: %s: %s\n", b->name, err.description);
        exit(1);
    }
    ens_describe_response_free(resp);
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

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t reps = quick ? 1 : 7, r, i;
    double min_s = quick ? 0.0 : 0.4;
    size_t min_iter = quick ? 64 : 0;
    body bodies[4];
    uint64_t lib_allocs[4];
    char name[96];
    static const char *const tags[4] = {"page_10", "page_100", "page_10_compact", "page_100_compact"};

    load(&bodies[0], "page_10.json", "page_10.json", false);
    load(&bodies[1], "page_100.json", "page_100.json", false);
    load(&bodies[2], "page_10 compact", "page_10.json", true);
    load(&bodies[3], "page_100 compact", "page_100.json", true);

    printf("bench_parser: ens_describe_response_parse + free, one thread, %s mode, jansson %s\n",
           quick ? "quick" : "full", JANSSON_VERSION);
    for (i = 0; i < 4; i++) {
        const body *b = &bodies[i];
        double v[7], jv[7], per_s, j_per_s, mbs;
        bench_alloc_counts lib, js;
        count_allocs(b, &lib, &js);
        lib_allocs[i] = lib.mallocs + lib.reallocs;
        run(b, false, min_s / 4, min_iter); /* warm-up */
        for (r = 0; r < reps; r++) {
            v[r] = run(b, false, min_s, min_iter);
            jv[r] = run(b, true, min_s, min_iter);
        }
        per_s = bench_median(v, reps);
        j_per_s = bench_median(jv, reps);
        mbs = per_s * (double)b->len / 1e6;
        printf("%-17s %6zu bytes %3zu items: %8.1f MB/s %10.0f items/s %8.0f pages/s (%.1f us/page); "
               "jansson alone %.1f MB/s (%.0f%% of the time)\n",
               b->name, b->len, b->items, mbs, per_s * (double)b->items, per_s, 1e6 / per_s,
               j_per_s * (double)b->len / 1e6, 100.0 * per_s / j_per_s);
        printf("%-17s allocations per page: library %llu (malloc %llu, realloc %llu), jansson %llu\n",
               "", (unsigned long long)(lib.mallocs + lib.reallocs), (unsigned long long)lib.mallocs,
               (unsigned long long)lib.reallocs, (unsigned long long)js.mallocs);
        snprintf(name, sizeof(name), "parser.%s.MBps", tags[i]);
        bench_result(name, mbs, "MB/s");
        snprintf(name, sizeof(name), "parser.%s.items_per_s", tags[i]);
        bench_result(name, per_s * (double)b->items, "items/s");
        snprintf(name, sizeof(name), "parser.%s.lib_allocs", tags[i]);
        bench_result(name, (double)(lib.mallocs + lib.reallocs), "allocs/page");
        snprintf(name, sizeof(name), "parser.%s.jansson_allocs", tags[i]);
        bench_result(name, (double)js.mallocs, "allocs/page");
    }
    printf("library allocations per page, 10 vs 100 items: %llu vs %llu (%s); target: independent "
           "of the number of items; MB/s target >= 150\n",
           (unsigned long long)lib_allocs[0], (unsigned long long)lib_allocs[1],
           lib_allocs[0] == lib_allocs[1] ? "independent" : "DEPENDS on the item count");
    for (i = 0; i < 4; i++)
        free(bodies[i].data);
    return 0;
}
