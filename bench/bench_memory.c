/* SPDX-License-Identifier: MIT */
/* Benchmark 5: memory over 100,000 calls.
 *
 * One client, 100,000 sequential ens_describe_peer_connections() calls of
 * 100-item pages against the mock (which runs in a child process, so its own
 * memory -- connection threads, the 100,000-entry nonce store -- is not
 * counted here).  Resident memory (/proc/self/status: VmRSS, VmHWM and the
 * anonymous part RssAnon) is sampled after 1,000 calls and after 100,000
 * (and every 10,000 in between, for the trend); the difference of the peak
 * (VmHWM, kept as a running maximum) is printed in KiB and in pages, with
 * VmRSS and RssAnon after malloc_trim(0).  Target: no growth (zero pages
 * beyond noise).
 *
 * The library's allocator hooks count its live allocations at the same
 * points: a difference there is a leak, not noise, and fails the run (exit
 * 1).  RSS is reported, never asserted.  With glibc, the process heap
 * (mallinfo2: bytes in use, bytes the heap holds) is printed too, to tell
 * fragmentation (heap grows, in-use does not) from a leak outside the
 * library's hooks (libcurl, jansson: in-use grows).  glibc's per-thread
 * cache (tcache) counts as "in use" there; run with
 * GLIBC_TUNABLES=glibc.malloc.tcache_count=0 to take it out of the picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "bench_util.h"

/* One sample: VmRSS, VmHWM, RssAnon as they are; then, with glibc, the heap
 * trimmed (malloc_trim(0) returns free heap pages to the kernel) and RssAnon
 * read again: the anonymous memory actually held, without the heap-top
 * trimming noise (glibc trims and regrows the top of the heap by a few
 * hundred KiB as large blocks come and go). */
typedef struct mem_sample {
    bench_rss r;       /* as is */
    long peak;         /* running maximum of VmHWM and VmRSS (the kernel updates VmHWM lazily) */
    long anon_trimmed; /* RssAnon after malloc_trim(0); = r.anon without glibc */
    bench_alloc_counts lib;
} mem_sample;

static long running_peak;

static void take_sample(mem_sample *m)
{
    bench_rss t;
    if (bench_rss_kib(&m->r) != 0) {
        fprintf(stderr, "bench_memory: cannot read /proc/self/status\n");
        exit(1);
    }
    bench_lib_alloc_get(&m->lib);
    if (m->r.hwm > running_peak)
        running_peak = m->r.hwm;
    if (m->r.rss > running_peak)
        running_peak = m->r.rss;
    m->peak = running_peak;
    m->anon_trimmed = m->r.anon;
#ifdef __GLIBC__
    malloc_trim(0);
    if (bench_rss_kib(&t) == 0)
        m->anon_trimmed = t.anon;
#else
    (void)t;
#endif
}

static void print_sample(size_t calls, const mem_sample *m)
{
    printf("  after %6zu calls: VmRSS %6ld  VmHWM %6ld  peak %6ld  RssAnon %5ld  trimmed %5ld KiB;"
           "  library live allocations %lld",
           calls, m->r.rss, m->r.hwm, m->peak, m->r.anon, m->anon_trimmed, (long long)m->lib.live);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    {
        struct mallinfo2 mi = mallinfo2();
        printf(", heap in use %zu KiB", mi.uordblks / 1024);
    }
#endif
    printf("\n");
}

static void call(ens_client *c, const ens_describe_request *req, size_t i)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ens_describe_peer_connections(c, req, &resp, &err) != ENS_OK) {
        fprintf(stderr, "bench_memory: call %zu failed: %s\n", i + 1, err.description);
        exit(1);
    }
    if (resp->connections_count != (size_t)req->page_size) {
        fprintf(stderr, "bench_memory: call %zu: %zu connections\n", i + 1, resp->connections_count);
        exit(1);
    }
    ens_describe_response_free(resp);
}

int main(int argc, char **argv)
{
    bool quick = bench_quick(argc, argv);
    size_t first = quick ? 200 : 1000, total = quick ? 1000 : 100000, step = quick ? 200 : 10000, i;
    long page_kib = sysconf(_SC_PAGESIZE) / 1024;
    mem_sample m0, m1, m;
    bench_alloc_counts a;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    bench_mock mock;
    ens_client *c;
    char *data;
    double t0;

    data = bench_read_file(bench_fixture_path("page_100.json"), NULL);
    if (!data || bench_mock_start(&mock, data) != 0) {
        fprintf(stderr, "bench_memory: cannot start the mock\n");
        return 1;
    }
    free(data);
    bench_lib_alloc_install(); /* before any library object exists */
    c = bench_client_new(mock.url, NULL);
    req.page_number = 1;
    req.page_size = 100;
    printf("bench_memory: %zu calls of 100-item pages on one client, %s mode, page size %ld KiB\n",
           total, quick ? "quick" : "full", page_kib);
    t0 = bench_now();
    for (i = 0; i < first; i++)
        call(c, &req, i);
    take_sample(&m0);
    print_sample(first, &m0);
    for (; i < total; i++) {
        call(c, &req, i);
        if ((i + 1) % step == 0 && i + 1 != total) {
            take_sample(&m);
            print_sample(i + 1, &m);
        }
    }
    take_sample(&m1);
    print_sample(total, &m1);
    printf("%zu calls in %.1f s; library allocations per call %.1f\n", total, bench_now() - t0,
           (double)(m1.lib.mallocs + m1.lib.reallocs - m0.lib.mallocs - m0.lib.reallocs) /
               (double)(total - first));
    printf("growth from call %zu to call %zu: peak RSS %+ld KiB (%+ld pages), VmRSS %+ld KiB (%+ld "
           "pages), RssAnon after trim %+ld KiB (%+ld pages), library live allocations %+lld; "
           "target: no growth\n",
           first, total, m1.peak - m0.peak, (m1.peak - m0.peak) / page_kib, m1.r.rss - m0.r.rss,
           (m1.r.rss - m0.r.rss) / page_kib, m1.anon_trimmed - m0.anon_trimmed,
           (m1.anon_trimmed - m0.anon_trimmed) / page_kib, (long long)(m1.lib.live - m0.lib.live));
    bench_result("memory.peak_kib_first", (double)m0.peak, "KiB");
    bench_result("memory.peak_kib_last", (double)m1.peak, "KiB");
    bench_result("memory.peak_growth_pages", (double)((m1.peak - m0.peak) / page_kib), "pages");
    bench_result("memory.rss_growth_pages", (double)((m1.r.rss - m0.r.rss) / page_kib), "pages");
    bench_result("memory.anon_trimmed_growth_pages",
                 (double)((m1.anon_trimmed - m0.anon_trimmed) / page_kib), "pages");
    bench_result("memory.lib_live_alloc_growth", (double)(m1.lib.live - m0.lib.live), "allocations");
    ens_client_free(c);
    bench_lib_alloc_get(&a);
    bench_lib_alloc_uninstall();
    bench_mock_stop(&mock);
    if (m1.lib.live != m0.lib.live) {
        fprintf(stderr, "bench_memory: the library's live allocations grew by %lld: a leak\n",
                (long long)(m1.lib.live - m0.lib.live));
        return 1;
    }
    if (a.live != 0) {
        fprintf(stderr, "bench_memory: %lld library allocation(s) still live after ens_client_free\n",
                (long long)a.live);
        return 1;
    }
    return 0;
}
