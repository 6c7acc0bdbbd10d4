/* SPDX-License-Identifier: MIT */
/* No secret, token or OIDC token is left in memory the library frees or
 * abandons: an allocator installed with ens_set_allocator() keeps a copy of
 * every block the library frees, and of the old block of every realloc (it
 * always moves), and after each flow the copies are searched for the
 * AccessKey secrets, security tokens and OIDC tokens the flow handled.
 * Flows: static, environment, CLI config (StsToken and RamRoleArn), the
 * credentials file, a credentials URI answering in one piece and chunked,
 * STS AssumeRole and AssumeRoleWithOIDC (their own requests through the
 * library's libcurl transport), each up to a call to the mock signed with
 * the credentials obtained, through the libcurl transport as well: the
 * signer, the exchange and the transport's header lines included.  (What
 * libcurl itself allocates is libcurl's: it does not go through the
 * library's allocator.) */
#include "support/mock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KEY_ID "wipe-key-id"
#define SECRET "wipe-SECRET-8f3a1c2e5d"
#define TOKEN "wipe-TOKEN-77d2b9a1c4"
#define SRC_ID "wipe-src-id"
#define SRC_SECRET "wipe-src-SECRET-41c9a7"
#define OIDC_TOKEN "wipe-oidc-TOKEN-e3b0c442"
#define ROLE "acs:ram::1234567890123456:role/wipe"

/* ---- the keeping allocator ---- */

typedef struct slot {
    void *p;
    size_t size;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot *table; /* open addressing, power-of-two size */
static size_t table_cap, table_n;
static char *kept;  /* copies of freed blocks, each followed by two NULs */
static size_t kept_len, kept_cap;

static size_t hash_ptr(const void *p) { return ((size_t)p >> 4) * 0x9E3779B97F4A7C15u; }

static void table_put(void *p, size_t size);

static void table_grow(void)
{
    slot *old = table;
    size_t old_cap = table_cap, i;
    table_cap = table_cap ? table_cap * 2 : 4096;
    table = calloc(table_cap, sizeof(*table));
    if (!table)
        abort();
    table_n = 0;
    for (i = 0; i < old_cap; i++)
        if (old[i].p)
            table_put(old[i].p, old[i].size);
    free(old);
}

static void table_put(void *p, size_t size)
{
    size_t i;
    if ((table_n + 1) * 2 > table_cap)
        table_grow();
    for (i = hash_ptr(p) & (table_cap - 1); table[i].p; i = (i + 1) & (table_cap - 1)) {
    }
    table[i].p = p;
    table[i].size = size;
    table_n++;
}

/* Removes p; its size, or (size_t)-1 when the block is not ours. */
static size_t table_take(void *p)
{
    size_t i, size, j;
    if (!table_cap)
        return (size_t)-1;
    for (i = hash_ptr(p) & (table_cap - 1); table[i].p && table[i].p != p; i = (i + 1) & (table_cap - 1)) {
    }
    if (!table[i].p)
        return (size_t)-1;
    size = table[i].size;
    table[i].p = NULL;
    table_n--;
    /* re-insert the rest of the cluster */
    for (j = (i + 1) & (table_cap - 1); table[j].p; j = (j + 1) & (table_cap - 1)) {
        slot s = table[j];
        table[j].p = NULL;
        table_n--;
        table_put(s.p, s.size);
    }
    return size;
}

static void keep(const void *p, size_t size)
{
    if (kept_len + size + 2 > kept_cap) {
        size_t cap = kept_cap ? kept_cap : 1 << 20;
        while (cap < kept_len + size + 2)
            cap *= 2;
        kept = realloc(kept, cap);
        if (!kept)
            abort();
        kept_cap = cap;
    }
    memcpy(kept + kept_len, p, size);
    kept_len += size;
    kept[kept_len++] = '\0';
    kept[kept_len++] = '\0';
}

static void *k_malloc(void *payload, size_t size)
{
    void *p = malloc(size);
    (void)payload;
    if (p) {
        /* what an earlier user of this memory left (libcurl frees its
           buffers as they are) is not the library's */
        memset(p, 0xA5, size);
        pthread_mutex_lock(&mu);
        table_put(p, size);
        pthread_mutex_unlock(&mu);
    }
    return p;
}

static void k_free(void *payload, void *p)
{
    size_t size;
    (void)payload;
    if (!p)
        return;
    pthread_mutex_lock(&mu);
    size = table_take(p);
    if (size != (size_t)-1)
        keep(p, size);
    pthread_mutex_unlock(&mu);
    free(p);
}

/* Always moves, so that the old block is seen like a freed one. */
static void *k_realloc(void *payload, void *p, size_t size)
{
    void *n;
    size_t old;
    if (!p)
        return k_malloc(payload, size);
    n = k_malloc(payload, size);
    if (!n)
        return NULL;
    pthread_mutex_lock(&mu);
    old = table_take(p);
    pthread_mutex_unlock(&mu);
    if (old == (size_t)-1)
        abort(); /* a block the library did not get from us */
    memcpy(n, p, old < size ? old : size);
    pthread_mutex_lock(&mu);
    keep(p, old);
    pthread_mutex_unlock(&mu);
    free(p);
    return n;
}

static const char *find(const char *hay, size_t len, const char *needle, size_t n)
{
    size_t i;
    for (i = 0; n <= len && i <= len - n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static const ens_allocator keeping = {.version = ENS_ALLOCATOR_VERSION, .malloc_fn = k_malloc,
                                      .realloc_fn = k_realloc, .free_fn = k_free};

static void begin_flow(void)
{
    kept_len = 0;
    assert_int_equal(ens_set_allocator(&keeping), ENS_OK);
}

/* Ends the flow (everything the library made is freed by now) and searches
 * what it freed for each needle (a NULL ends the list). */
static void end_flow(const char *flow, const char *const *needles)
{
    size_t i;
    assert_int_equal(ens_set_allocator(NULL), ENS_OK);
    assert_true(kept_len > 0); /* the allocator saw the flow */
    for (i = 0; needles[i]; i++) {
        size_t n = strlen(needles[i]);
        const char *hit = find(kept, kept_len, needles[i], n);
        if (hit) {
            /* where: the text around it, control bytes shown as '.' (the
               needles are fictitious) */
            char around[256];
            const char *from = hit - (hit - kept > 96 ? 96 : hit - kept);
            size_t k, m = (size_t)(hit - from) + n + 32;
            for (k = 0; k < m && k < sizeof(around) - 1 && from + k < kept + kept_len; k++)
                around[k] = from[k] >= 0x20 && from[k] < 0x7f ? from[k] : '.';
            around[k] = '\0';
            fail_msg("%s: '%s' left in freed memory: ...%s...", flow, needles[i], around);
        }
    }
}

/* ---- the mock and a client on it ---- */

static ensmock_server *srv;
static char dir[256];

static int setup(void **state)
{
    static const ensmock_key keys[] = {{KEY_ID, SECRET, TOKEN}, {SRC_ID, SRC_SECRET, NULL}};
    (void)state;
    ts_env_no_real_credentials();
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_PROFILE");
    srv = ts_mock_start(&(ts_mock_options){.keys = keys, .key_count = 2});
    ts_tmpdir(dir, sizeof(dir), "ens-cred-wipe");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ensmock_stop(srv);
    ts_rm_rf(dir);
    return 0;
}

/* One call with provider p (taken, freed with the client). */
static void call_with(ens_credentials_provider *p)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    o.endpoint = ensmock_url(srv);
    o.credentials = p;
    assert_int_equal(ens_client_new(&c, &o, &err), ENS_OK); /* the libcurl transport */
    if (ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK)
        fail_msg("call: %s", err.description);
    ens_describe_response_free(resp);
    ens_client_free(c);
}

static const char *const key_needles[] = {SECRET, TOKEN, NULL};

static void test_static_env_files(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    char cfg[512], ini[512];
    (void)state;

    begin_flow();
    assert_int_equal(ens_credentials_provider_static_new(&p, KEY_ID, SECRET, TOKEN), ENS_OK);
    call_with(p);
    end_flow("static", key_needles);

    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID, 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET, 1);
    setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN, 1);
    begin_flow();
    assert_int_equal(ens_credentials_provider_env_new(&p), ENS_OK);
    call_with(p);
    end_flow("environment", key_needles);
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");

    snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
    ts_write_file(cfg, "{\"current\":\"s\",\"profiles\":[{\"name\":\"x\",\"mode\":\"AK\",\"access_key_id\":\"a\","
                       "\"access_key_secret\":\"\\u0061-escaped\"},{\"name\":\"s\",\"mode\":\"StsToken\","
                       "\"access_key_id\":\"" KEY_ID "\",\"access_key_secret\":\"" SECRET "\","
                       "\"sts_token\":\"" TOKEN "\"}]}");
    chmod(cfg, 0600);
    o.cli_config_file = cfg;
    begin_flow();
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    call_with(p);
    end_flow("CLI config", key_needles);

    snprintf(ini, sizeof(ini), "%s/credentials", dir);
    ts_write_file(ini, "[default]\ntype = access_key\naccess_key_id = " SRC_ID "\naccess_key_secret = " SRC_SECRET
                       "\n");
    chmod(ini, 0600);
    o.cli_config_file = NULL;
    o.credentials_file = ini;
    begin_flow();
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    call_with(p);
    end_flow("credentials file", (const char *const[]){SRC_SECRET, NULL});
}

/* ---- a credentials URI, in one piece and chunked ---- */

static void uri_handler(void *ctx, int fd, const char *request, size_t len)
{
    static const char body[] = "{\"AccessKeyId\":\"" KEY_ID "\",\"AccessKeySecret\":\"" SECRET "\","
                               "\"SecurityToken\":\"" TOKEN "\","
                               "\"Padding\":\"................................................................"
                               "................................................................\"}";
    const bool *chunked = ctx;
    char out[1024];
    (void)request;
    (void)len;
    if (!*chunked) {
        snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 sizeof(body) - 1, body);
        ts_send_all(fd, out, strlen(out));
        return;
    }
    /* the secret and the token in the first pieces, then more: a buffer that
       grew with the body would leave them behind */
    snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    ts_send_all(fd, out, strlen(out));
    for (size_t at = 0; at < sizeof(body) - 1; at += 40) {
        size_t n = sizeof(body) - 1 - at < 40 ? sizeof(body) - 1 - at : 40;
        snprintf(out, sizeof(out), "%zx\r\n%.*s\r\n", n, (int)n, body + at);
        ts_send_all(fd, out, strlen(out));
        ts_sleep_ms(20); /* separate reads on the other side */
    }
    ts_send_all(fd, "0\r\n\r\n", 5);
}

static void test_uri(void **state)
{
    bool chunked = false;
    ts_http_server *http = ts_http_start(uri_handler, &chunked);
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    char uri[64];
    (void)state;
    snprintf(uri, sizeof(uri), "http://127.0.0.1:%u/creds", ts_http_port(http));
    o.credentials_uri = uri;
    begin_flow();
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    call_with(p);
    end_flow("credentials URI", key_needles);

    chunked = true;
    begin_flow();
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    call_with(p);
    end_flow("credentials URI, chunked", key_needles);
    ts_http_stop(http);
}

/* ---- STS ---- */

/* The secret and token of the credentials p hands out now, kept for the
 * search (they are only known once issued). */
static void learn(ens_credentials_provider *p, char *secret, char *token, size_t cap)
{
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_OK);
    snprintf(secret, cap, "%s", ens_credentials_access_key_secret(c));
    snprintf(token, cap, "%s", ens_credentials_security_token(c));
    ens_credentials_release(c);
}

static void test_sts(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *src = NULL, *p = NULL;
    char secret[128], token[256], tfile[512], cfg[512];
    (void)state;
    o.sts_endpoint = ensmock_url(srv);
    o.role_arn = ROLE;

    begin_flow();
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    learn(p, secret, token, sizeof(secret));
    call_with(p);
    end_flow("AssumeRole", (const char *const[]){SRC_SECRET, secret, token, NULL});

    snprintf(tfile, sizeof(tfile), "%s/token", dir);
    ts_write_file(tfile, OIDC_TOKEN "\n");
    o.oidc_token_file = tfile;
    o.oidc_provider_arn = "acs:ram::1234567890123456:oidc-provider/wipe";
    begin_flow();
    assert_int_equal(ens_credentials_provider_oidc_new(&p, &o), ENS_OK);
    learn(p, secret, token, sizeof(secret));
    call_with(p);
    end_flow("AssumeRoleWithOIDC", (const char *const[]){OIDC_TOKEN, secret, token, NULL});

    /* a CLI-config profile that assumes a role */
    snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
    ts_write_file(cfg, "{\"current\":\"r\",\"profiles\":[{\"name\":\"r\",\"mode\":\"RamRoleArn\","
                       "\"access_key_id\":\"" SRC_ID "\",\"access_key_secret\":\"" SRC_SECRET "\","
                       "\"ram_role_arn\":\"" ROLE "\"}]}");
    chmod(cfg, 0600);
    o.cli_config_file = cfg;
    begin_flow();
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    learn(p, secret, token, sizeof(secret));
    call_with(p);
    end_flow("CLI config RamRoleArn", (const char *const[]){SRC_SECRET, secret, token, NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static_env_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(kept);
    free(table);
    return rc;
}
