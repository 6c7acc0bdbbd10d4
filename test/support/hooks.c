/* SPDX-License-Identifier: MIT */
/* What the tests hook into the library: pinned clock and nonces, a capturing
 * log callback, an allocator that fails on request; and the environment and
 * time functions around them. */
#include "support.h"

#include <errno.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- environment ---------------------------------------------------------- */

void ts_env_no_real_credentials(void)
{
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    setenv("ALIBABA_CLOUD_CONFIG_FILE", "/nonexistent/ensclient-test/config.json", 1);
    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent/ensclient-test/credentials", 1);
    unsetenv("ALIBABA_CLOUD_CREDENTIALS_URI");
    unsetenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    unsetenv("ALIBABA_CLOUD_ROLE_ARN");
}

/* ---- time ------------------------------------------------------------------ */

double ts_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

void ts_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- pinned clock and nonce ------------------------------------------------ */

time_t ts_pins_clock(void *payload)
{
    ts_pins *p = payload;
    long long t = atomic_load(&p->base);
    if (p->seed)
        t += (long long)atomic_load(&p->nonces);
    return (time_t)t;
}

ens_status ts_pins_nonce(void *payload, char out[65])
{
    ts_pins *p = payload;
    unsigned k = atomic_fetch_add(&p->nonces, 1);
    unsigned char digest[crypto_hash_sha256_BYTES];
    char in[256];
    int n;
    if (!p->seed)
        return ts_nonce_text(TS_EXAMPLE_NONCE, out);
    n = snprintf(in, sizeof(in), "ensclient-fixture:%s:%u", p->seed, k);
    crypto_hash_sha256(digest, (const unsigned char *)in, (unsigned long long)n);
    sodium_bin2hex(out, 65, digest, 16);
    return ENS_OK;
}

ens_status ts_nonce_text(void *text, char out[65])
{
    snprintf(out, 65, "%s", (const char *)text);
    return ENS_OK;
}

/* ---- capturing log callback ------------------------------------------------ */

void ts_log_add(ts_log *log, const char *line)
{
    size_t n = strlen(line);
    pthread_mutex_lock(&log->lock);
    if (log->len + n + 2 > log->cap) {
        size_t cap = (log->len + n + 2) * 2;
        char *bigger = realloc(log->text, cap);
        if (!bigger) {
            /* Keep what there is; a lost line shows as a failed check. */
            pthread_mutex_unlock(&log->lock);
            return;
        }
        log->text = bigger;
        log->cap = cap;
    }
    memcpy(log->text + log->len, line, n);
    log->len += n;
    log->text[log->len++] = '\n';
    log->text[log->len] = '\0';
    log->lines++;
    pthread_mutex_unlock(&log->lock);
}

void ts_log_capture(void *payload, ens_log_level level, const char *message)
{
    (void)level;
    ts_log_add(payload, message);
}

const char *ts_log_text(const ts_log *log)
{
    return log->text ? log->text : "";
}

void ts_log_clear(ts_log *log)
{
    pthread_mutex_lock(&log->lock);
    free(log->text);
    log->text = NULL;
    log->len = log->cap = 0;
    log->lines = 0;
    pthread_mutex_unlock(&log->lock);
}

/* ---- an allocator that fails on request ------------------------------------ */

ts_alloc_faults ts_alloc = {-1, 0, 0};

/* True when this call is the one to fail. */
static bool fail_this_call(void)
{
    if (ts_alloc.calls++ != ts_alloc.fail_at)
        return false;
    ts_alloc.failures++;
    return true;
}

static void *failing_malloc(void *payload, size_t size)
{
    (void)payload;
    return fail_this_call() ? NULL : malloc(size);
}

static void *failing_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    return fail_this_call() ? NULL : realloc(ptr, size);
}

static void plain_free(void *payload, void *ptr)
{
    (void)payload;
    free(ptr);
}

const ens_allocator ts_failing_allocator = {.version = ENS_ALLOCATOR_VERSION,
                                            .malloc_fn = failing_malloc,
                                            .realloc_fn = failing_realloc,
                                            .free_fn = plain_free};

void ts_alloc_arm(long k)
{
    ts_alloc.fail_at = k;
    ts_alloc.calls = 0;
    ts_alloc.failures = 0;
}

void ts_alloc_disarm(void)
{
    ts_alloc.fail_at = -1;
}
