/* SPDX-License-Identifier: MIT */
/* Helpers shared by the benchmarks (not part of the library). */
#ifndef ENS_BENCH_UTIL_H
#define ENS_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ens_mock.h"
#include "ensclient/ensclient.h"

/* True when the benchmark runs in tiny-count mode: argument "--quick" or the
 * environment ENS_BENCH_QUICK set to anything but "" or "0". */
bool bench_quick(int argc, char **argv);

/* Monotonic seconds. */
double bench_now(void);

/* CPU time of this process (user + system, all threads), in seconds: what
 * the measured code costs, which other tenants of a shared machine do not
 * stretch the way they stretch the wall clock. */
double bench_cpu_now(void);

/* Whole file into a malloc'd buffer (NUL added after len bytes); NULL on error. */
char *bench_read_file(const char *path, size_t *len);

/* Path of a recorded body: $ENS_FIXTURES/bodies/<name> when set, else the
 * source tree's test/fixtures/bodies/<name> (compiled in).  Static buffer. */
const char *bench_fixture_path(const char *name);

/* A generated data set of n connections, {"NetworkPeerConnects":[...]},
 * shaped like test/fixtures/bodies/page_100.json.  malloc'd; NULL on error. */
char *bench_gen_dataset(size_t n);

/* A compact page of n connections as the service sends it, with realistic
 * content: every field present, counts as numeric strings, names and
 * descriptions (40 to about 250 characters) in English and Chinese, as raw
 * UTF-8 and as \u escapes, quotes, backslashes, \n and \t, one to three
 * Ipv4Cidrs per side, an unknown member now and then (about 640 bytes per
 * connection).  The same n gives the same page.  malloc'd, *len set; exits
 * on out of memory. */
char *bench_realistic_page(size_t n, size_t *len);

/* The mock server, run by ensmock in a forked child so that its threads,
 * allocations and nonce store stay out of the measured process.  Call
 * bench_mock_start() before this process creates any thread. */
typedef struct bench_mock {
    pid_t pid;
    int ctl_fd;   /* parent -> child commands; closing it stops the child */
    int res_fd;   /* child -> parent answers */
    char url[64]; /* "http://127.0.0.1:PORT" */
} bench_mock;

/* data_json NULL = the mock's built-in data set.  0 on success. */
int bench_mock_start(bench_mock *m, const char *data_json);
/* Counters of the mock since start or the last reset.  0 on success. */
int bench_mock_stats(bench_mock *m, ensmock_stats *out);
int bench_mock_reset(bench_mock *m);
void bench_mock_stop(bench_mock *m);

/* A client for the mock: static demo credentials, the default libcurl
 * transport, max_attempts = 1 (no retries).  transport may be NULL (default).
 * Exits the process on failure. */
ens_client *bench_client_new(const char *url, ens_transport *transport);
/* Same, trusting ca_file (PEM) for HTTPS (NULL: the system store). */
ens_client *bench_client_new_ca(const char *url, ens_transport *transport, const char *ca_file);

/* Directory of the test TLS material (test/tls): $ENS_TLS_DIR when set, else
 * the source tree's (compiled in). */
const char *bench_tls_dir(void);

/* Resident memory of this process in KiB (/proc/self/status): VmRSS, VmHWM
 * (peak) and RssAnon (the anonymous part: heap, stacks; file-backed pages of
 * shared libraries are left out, the kernel may drop and fault those in at
 * will).  0 on success. */
typedef struct bench_rss {
    long rss, hwm, anon;
} bench_rss;
int bench_rss_kib(bench_rss *out);

/* Counting allocators.  The counters are shared by the library hooks and the
 * jansson hooks (each keeps its own set). */
typedef struct bench_alloc_counts {
    uint64_t mallocs;   /* malloc calls */
    uint64_t reallocs;  /* realloc calls */
    uint64_t frees;     /* free calls with a non-NULL pointer */
    int64_t live;       /* allocations not yet freed */
} bench_alloc_counts;

/* Installs counting hooks as the library allocator (ens_set_allocator) and
 * resets its counters; bench_lib_alloc_uninstall() restores the system allocator. */
void bench_lib_alloc_install(void);
void bench_lib_alloc_uninstall(void);
void bench_lib_alloc_get(bench_alloc_counts *out);
void bench_lib_alloc_reset(void);

/* Same for jansson (json_set_alloc_funcs), restoring the previous functions. */
void bench_json_alloc_install(void);
void bench_json_alloc_uninstall(void);
void bench_json_alloc_get(bench_alloc_counts *out);
void bench_json_alloc_reset(void);

/* Sorted copy median of n doubles (n > 0). */
double bench_median(const double *v, size_t n);

/* Prints one machine-readable result line: "RESULT name value unit". */
void bench_result(const char *name, double value, const char *unit);

#endif
