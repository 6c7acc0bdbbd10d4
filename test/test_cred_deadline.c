/* SPDX-License-Identifier: MIT */
/* Credential resolution within the caller's deadline and token: provider
 * vtables of every version, FIFOs refused at once, a stalled credentials URI
 * cut at the call's deadline, cache waiters that keep their own deadlines
 * and fetch again when the fetch they waited for ran out of its caller's
 * time, cancellation, chains that stop at the deadline; environment proxies
 * ignored by the metadata and URI providers (a capturing proxy on loopback);
 * the warning for credential files others can read. */
#include "support/support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credentials/internal.h"

static const char *const managed_vars[] = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_CONFIG_FILE",
    "ALIBABA_CLOUD_PROFILE",       "ALIBABA_CLOUD_CREDENTIALS_FILE",  "ALIBABA_CLOUD_CREDENTIALS_URI",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_ECS_METADATA",    "http_proxy",
    "HTTP_PROXY",                  "https_proxy",                     "HTTPS_PROXY",
    "all_proxy",                   "ALL_PROXY",                       "no_proxy",
    "NO_PROXY",
};
#define N_VARS (sizeof(managed_vars) / sizeof(managed_vars[0]))

static char dir[256];

static int setup(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_VARS; i++)
        unsetenv(managed_vars[i]);
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    ts_tmpdir(dir, sizeof(dir), "ens-cred-deadline");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ts_rm_rf(dir);
    return 0;
}

static void scratch(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

/* ---- a credentials server on loopback whose answers can stall ---- */

typedef struct creds_server {
    ts_http_server *http;
    atomic_int hits;
    atomic_int delay_first_ms; /* the first request waits this long */
    atomic_int delay_ms;       /* every later one waits this long */
} creds_server;

static void creds_handler(void *ctx, int fd, const char *request, size_t len)
{
    static const char body[] = "{\"AccessKeyId\":\"uri-id\",\"AccessKeySecret\":\"uri-SECRET\"}";
    creds_server *s = ctx;
    char out[512];
    int n = atomic_fetch_add(&s->hits, 1);
    int delay = n == 0 ? atomic_load(&s->delay_first_ms) : atomic_load(&s->delay_ms);
    (void)request;
    (void)len;
    if (delay > 0)
        ts_sleep_ms(delay);
    snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             sizeof(body) - 1, body);
    ts_send_all(fd, out, strlen(out));
}

static void creds_start(creds_server *s, int delay_first_ms, int delay_ms)
{
    atomic_init(&s->hits, 0);
    atomic_init(&s->delay_first_ms, delay_first_ms);
    atomic_init(&s->delay_ms, delay_ms);
    s->http = ts_http_start(creds_handler, s);
}

static ens_credentials_provider *uri_provider(creds_server *s, bool cached)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    char uri[64];
    snprintf(uri, sizeof(uri), "http://127.0.0.1:%u/creds", ts_http_port(s->http));
    o.credentials_uri = uri;
    o.timeout_ms = 5000; /* the provider's own limit is not what stops it here */
    if (cached)
        assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    else
        assert_int_equal(ens__cred_uri_raw_new(&p, &o), ENS_OK);
    return p;
}

static ens_status get_within(ens_credentials_provider *p, long timeout_ms, const ens_cancel *cancel,
                             ens_credentials **c, ens_error *err)
{
    ens_credentials_get_options g = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    g.timeout_ms = timeout_ms;
    g.cancel = cancel;
    *c = NULL;
    ens_error_init(err);
    return ens_credentials_provider_get_ex(p, &g, c, err);
}

/* ---- vtables of every version ---- */

typedef struct seen_opts {
    long timeout_ms;
    const ens_cancel *cancel;
    bool log_set;
    int calls;
} seen_opts;

static ens_status v3_get(void *ctx, const ens_credentials_get_options *opts, ens_credentials **out,
                         ens_error *err)
{
    seen_opts *s = ctx;
    (void)err;
    s->calls++;
    s->timeout_ms = opts->timeout_ms;
    s->cancel = opts->cancel;
    s->log_set = opts->log_fn != NULL;
    return ens_credentials_new(out, "v3-id", "v3-SECRET", NULL, 0);
}

static ens_status v2_get(void *ctx, ens_credentials **out, ens_error *err)
{
    seen_opts *s = ctx;
    (void)err;
    s->calls++;
    return ens_credentials_new(out, "v2-id", "v2-SECRET", NULL, 0);
}

static void test_vtable_versions(void **state)
{
    static const ens_credentials_provider_vtable v3 = {.version = 3, .get_ex = v3_get};
    static const ens_credentials_provider_vtable v2 = {.version = 2, .get = v2_get};
    static const ens_credentials_provider_vtable v2_without_get = {.version = 2, .get_ex = v3_get};
    ts_log log = TS_LOG_INIT;
    ens_credentials_get_options g = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    seen_opts s3 = {0}, s2 = {0};
    ens_credentials_provider *p3 = NULL, *p2 = NULL, *bad = NULL;
    ens_credentials *c = NULL;
    ens_cancel *cancel = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_cancel_new(&cancel), ENS_OK);
    assert_int_equal(ens_credentials_provider_new(&p3, &v3, &s3), ENS_OK);
    assert_int_equal(ens_credentials_provider_new(&p2, &v2, &s2), ENS_OK);
    /* a table older than get_ex must have get */
    assert_int_equal(ens_credentials_provider_new(&bad, &v2_without_get, &s2), ENS_EINVAL);

    /* get_ex sees the deadline, the token and the log */
    g.timeout_ms = 4321;
    g.cancel = cancel;
    g.log_fn = ts_log_capture;
    g.log_payload = &log;
    assert_int_equal(ens_credentials_provider_get_ex(p3, &g, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(s3.timeout_ms, 4321);
    assert_ptr_equal(s3.cancel, cancel);
    assert_true(s3.log_set);
    /* the old entry point: no deadline */
    assert_int_equal(ens_credentials_provider_get(p3, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(s3.timeout_ms, 0);
    assert_null(s3.cancel);

    /* a version-2 provider is called through its get, unless the token is
       already triggered */
    assert_int_equal(ens_credentials_provider_get_ex(p2, &g, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(s2.calls, 1);
    ens_cancel_trigger(cancel);
    assert_int_equal(get_within(p2, 1000, cancel, &c, &err), ENS_ECANCELED);
    assert_int_equal(s2.calls, 1);

    /* bad options */
    g.version = 0;
    assert_int_equal(ens_credentials_provider_get_ex(p3, &g, &c, &err), ENS_EINVAL);
    ens_credentials_get_options_init(&g);
    g.timeout_ms = -1;
    assert_int_equal(ens_credentials_provider_get_ex(p3, &g, &c, &err), ENS_EINVAL);
    assert_null(c);
    ens_credentials_get_options_init(NULL);

    ens_credentials_provider_free(p3);
    ens_credentials_provider_free(p2);
    ens_cancel_free(cancel);
    ts_log_clear(&log);
}

/* ---- files ---- */

static void test_fifo_refused_at_once(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_credentials *c;
    ens_client *client;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    char fifo[512];
    double t0;
    (void)state;
    scratch(fifo, sizeof(fifo), "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);

    o.cli_config_file = fifo;
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    t0 = ts_now_ms();
    assert_int_equal(get_within(p, 1000, NULL, &c, &err), ENS_ECREDENTIALS);
    assert_true(ts_now_ms() - t0 < 500);
    assert_non_null(strstr(err.description, "is not a regular file"));
    ens_credentials_provider_free(p);

    o.cli_config_file = NULL;
    o.credentials_file = fifo;
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS); /* no deadline: still at once */
    assert_non_null(strstr(err.description, "is not a regular file"));
    ens_credentials_provider_free(p);

    /* through a client's default chain, under a 1 s deadline */
    setenv("ALIBABA_CLOUD_CONFIG_FILE", fifo, 1);
    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", fifo, 1);
    client = ts_client(&(ts_client_options){.endpoint = "http://127.0.0.1:9"});
    co.timeout_ms = 1000;
    t0 = ts_now_ms();
    ens_error_init(&err);
    assert_int_equal(ens_describe_peer_connections_ex(client, &req, &co, &resp, &err), ENS_ECREDENTIALS);
    assert_true(ts_now_ms() - t0 < 800);
    assert_non_null(strstr(err.description, "cli config: "));
    assert_non_null(strstr(err.description, "is not a regular file"));
    ens_client_free(client);
}

/* ---- a stalled credentials URI ---- */

static void test_uri_stall_cut_at_the_call_deadline(void **state)
{
    creds_server s;
    ens_client *client;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    double t0, took;
    (void)state;
    creds_start(&s, 1500, 1500);
    o.endpoint = "http://127.0.0.1:9";
    o.credentials = uri_provider(&s, true);
    assert_int_equal(ens_client_new(&client, &o, &err), ENS_OK);
    co.timeout_ms = 300;
    t0 = ts_now_ms();
    assert_int_equal(ens_describe_peer_connections_ex(client, &req, &co, &resp, &err), ENS_ETIMEOUT);
    took = ts_now_ms() - t0;
    if (took > 800)
        fail_msg("a 300 ms call took %.0f ms", took);
    ens_client_free(client);
    ts_http_stop(s.http);
}

typedef struct getter {
    ens_credentials_provider *p;
    long timeout_ms;
    ens_status st;
    double took;
    char id[32];
} getter;

static void *run_get(void *arg)
{
    getter *g = arg;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    double t0 = ts_now_ms();
    g->st = get_within(g->p, g->timeout_ms, NULL, &c, &err);
    g->took = ts_now_ms() - t0;
    if (c)
        snprintf(g->id, sizeof(g->id), "%s", ens_credentials_access_key_id(c));
    ens_credentials_release(c);
    return NULL;
}

/* A caller waiting for another's slow fetch stops at its own deadline. */
static void test_cache_waiter_keeps_its_deadline(void **state)
{
    creds_server s;
    getter a = {0}, b = {0};
    pthread_t ta;
    (void)state;
    creds_start(&s, 1200, 0);
    a.p = b.p = uri_provider(&s, true);
    a.timeout_ms = 0; /* no deadline: waits for the slow answer */
    assert_int_equal(pthread_create(&ta, NULL, run_get, &a), 0);
    ts_sleep_ms(100); /* a's fetch is under way */
    b.timeout_ms = 200;
    run_get(&b);
    assert_int_equal(b.st, ENS_ETIMEOUT);
    if (b.took > 600)
        fail_msg("the waiter with a 200 ms deadline waited %.0f ms", b.took);
    pthread_join(ta, NULL);
    assert_int_equal(a.st, ENS_OK);
    assert_string_equal(a.id, "uri-id");
    assert_int_equal(atomic_load(&s.hits), 1);
    b.timeout_ms = 200; /* cached now */
    run_get(&b);
    assert_int_equal(b.st, ENS_OK);
    ens_credentials_provider_free(a.p);
    ts_http_stop(s.http);
}

/* The fetch a caller waited for ran out of its own caller's time: the
 * waiter fetches again instead of sharing that timeout. */
static void test_cache_waiter_fetches_again(void **state)
{
    creds_server s;
    getter a = {0}, b = {0};
    pthread_t ta;
    (void)state;
    creds_start(&s, 800, 0);
    a.p = b.p = uri_provider(&s, true);
    a.timeout_ms = 200;
    assert_int_equal(pthread_create(&ta, NULL, run_get, &a), 0);
    ts_sleep_ms(50);
    b.timeout_ms = 0;
    run_get(&b);
    pthread_join(ta, NULL);
    assert_int_equal(a.st, ENS_ETIMEOUT);
    assert_int_equal(b.st, ENS_OK);
    assert_string_equal(b.id, "uri-id");
    assert_int_equal(atomic_load(&s.hits), 2);
    ens_credentials_provider_free(a.p);
    ts_http_stop(s.http);
}

static void *trigger_later(void *arg)
{
    ts_sleep_ms(100);
    ens_cancel_trigger(arg);
    return NULL;
}

static void test_cancel_and_chain(void **state)
{
    creds_server s;
    ens_credentials_provider *ps[2] = {NULL, NULL}, *chain = NULL, *p;
    ens_credentials *c;
    ens_cancel *cancel = NULL;
    ens_error err = ENS_ERROR_INIT;
    pthread_t t;
    double t0;
    (void)state;
    creds_start(&s, 1200, 1200);

    /* a triggered token stops a fetch under way */
    p = uri_provider(&s, false);
    assert_int_equal(ens_cancel_new(&cancel), ENS_OK);
    assert_int_equal(pthread_create(&t, NULL, trigger_later, cancel), 0);
    t0 = ts_now_ms();
    assert_int_equal(get_within(p, 0, cancel, &c, &err), ENS_ECANCELED);
    assert_true(ts_now_ms() - t0 < 1150);
    pthread_join(t, NULL);
    ens_credentials_provider_free(p);
    ens_cancel_free(cancel);

    /* a chain stops where the deadline found it: the static keys after the
       stalled URI are not handed out */
    ps[0] = uri_provider(&s, false);
    assert_int_equal(ens_credentials_provider_static_new(&ps[1], "late-id", "late-SECRET", NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, 2), ENS_OK);
    t0 = ts_now_ms();
    assert_int_equal(get_within(chain, 300, NULL, &c, &err), ENS_ETIMEOUT);
    assert_true(ts_now_ms() - t0 < 900);
    assert_null(c);
    assert_non_null(strstr(err.description, "timed out resolving credentials: credentials URI: "));
    assert_null(strstr(err.description, "static"));
    ens_credentials_provider_free(chain);
    ts_http_stop(s.http);
}

/* ---- proxies ---- */

static atomic_int proxy_hits;

static void proxy_handler(void *ctx, int fd, const char *request, size_t len)
{
    static const char reply[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)ctx;
    (void)request;
    (void)len;
    atomic_fetch_add(&proxy_hits, 1);
    ts_send_all(fd, reply, sizeof(reply) - 1);
}

static void md_handler(void *ctx, int fd, const char *request, size_t len)
{
    static const char body[] = "{\"Code\":\"Success\",\"AccessKeyId\":\"md-id\",\"AccessKeySecret\":\"md-SECRET\","
                               "\"SecurityToken\":\"md-TOKEN\",\"Expiration\":\"2037-12-31T00:00:00Z\"}"; /* before 2038: 32-bit time_t */
    char out[512];
    (void)ctx;
    (void)len;
    if (strncmp(request, "PUT ", 4) == 0)
        snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\ntoken");
    else
        snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 sizeof(body) - 1, body);
    ts_send_all(fd, out, strlen(out));
}

/* Which proxy the credentials providers use.  The transport itself never
 * sends plain http or loopback requests through a proxy, and takes the
 * environment's proxies for https only; so the case to hold is an https
 * credentials URI on another host: with https_proxy set, the default
 * transport tunnels through it, the providers' own transport does not.
 * (192.0.2.1 is TEST-NET-1: nothing answers there, and no name lookup is
 * needed.)  The metadata provider (plain http) keeps working with the
 * variables set, and a transport given explicitly with a proxy is used. */
static void test_environment_proxies_ignored(void **state)
{
    ts_http_server *proxy = ts_http_start(proxy_handler, NULL), *md = ts_http_start(md_handler, NULL);
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_curl_transport_options tco = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_transport *t = NULL;
    ens_http_response *resp = NULL;
    ens_http_request req;
    ens_credentials *c;
    ens_error err = ENS_ERROR_INIT;
    char proxy_url[64], base[64];
    const char *const uri = "https://192.0.2.1/creds";
    const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                                "http_proxy", "HTTP_PROXY"};
    size_t i;
    (void)state;
    atomic_store(&proxy_hits, 0);
    snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%u", ts_http_port(proxy));
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", ts_http_port(md));
    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        setenv(vars[i], proxy_url, 1);

    /* the environment's proxy is real: the default transport tunnels https through it */
    assert_int_equal(ens_transport_curl_new(&t, NULL), ENS_OK);
    assert_int_equal(ens_http_response_new(&resp, 0), ENS_OK);
    memset(&req, 0, sizeof(req));
    req.version = ENS_HTTP_REQUEST_VERSION;
    req.method = "GET";
    req.url = uri;
    req.timeout_ms = 3000;
    assert_int_not_equal(ens_transport_send(t, &req, resp, &err), ENS_OK); /* the proxy refuses */
    assert_int_equal(atomic_load(&proxy_hits), 1);
    ens_http_response_free(resp);
    ens_transport_free(t);

    /* the credentials-URI provider does not use it: it tries the host itself */
    o.credentials_uri = uri;
    o.connect_timeout_ms = 300;
    o.timeout_ms = 500;
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    ens_credentials_provider_free(p);
    assert_int_equal(atomic_load(&proxy_hits), 1);

    /* the metadata provider works with the variables set (three requests to
       a loopback server: time enough for an emulated CPU, qemu-arm in CI) */
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    o.connect_timeout_ms = 5000;
    o.timeout_ms = 10000;
    o.credentials_uri = NULL;
    o.metadata_base_url = base;
    o.metadata_role_name = "EdgeRole";
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    if (ens_credentials_provider_get(p, &c, &err) != ENS_OK)
        fail_msg("the metadata provider failed with proxies in the environment: %s", err.description);
    assert_string_equal(ens_credentials_access_key_id(c), "md-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    assert_int_equal(atomic_load(&proxy_hits), 1);

    /* ... and a transport given explicitly with a proxy is used */
    tco.proxy = proxy_url;
    assert_int_equal(ens_transport_curl_new(&t, &tco), ENS_OK);
    o.transport = t;
    o.metadata_base_url = NULL;
    o.credentials_uri = uri;
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(ens_credentials_provider_get(p, &c, &err), ENS_ECREDENTIALS);
    assert_int_equal(atomic_load(&proxy_hits), 2);
    ens_credentials_provider_free(p);
    ens_transport_free(t);
    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    ts_http_stop(md);
    ts_http_stop(proxy);
}

/* ---- permissions ---- */

static void test_readable_file_warning(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_get_options g = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ts_log log = TS_LOG_INIT;
    ens_client *client;
    ens_client_options co = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    char ini[512];
    (void)state;
    scratch(ini, sizeof(ini), "credentials");
    ts_write_file(ini, "[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-SECRET\n");
    assert_int_equal(chmod(ini, 0644), 0);
    o.credentials_file = ini;
    g.log_fn = ts_log_capture;
    g.log_payload = &log;
    g.log_level = ENS_LOG_WARN;
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    assert_int_equal(ens_credentials_provider_get_ex(p, &g, &c, &err), ENS_OK); /* used, with a word */
    ens_credentials_release(c);
    assert_int_equal(log.lines, 1);
    assert_non_null(strstr(ts_log_text(&log), ini));
    assert_non_null(strstr(ts_log_text(&log), "can be read by other users (mode 0644)"));
    assert_non_null(strstr(ts_log_text(&log), "chmod 600"));
    assert_null(strstr(ts_log_text(&log), "-SECRET"));
    assert_int_equal(ens_credentials_provider_get_ex(p, &g, &c, &err), ENS_OK); /* said once */
    ens_credentials_release(c);
    assert_int_equal(log.lines, 1);
    ens_credentials_provider_free(p);

    /* private: nothing to say */
    ts_log_clear(&log);
    assert_int_equal(chmod(ini, 0600), 0);
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    assert_int_equal(ens_credentials_provider_get_ex(p, &g, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(log.lines, 0);
    ens_credentials_provider_free(p);

    /* through a client's default chain, to the client's log */
    assert_int_equal(chmod(ini, 0640), 0);
    setenv("ALIBABA_CLOUD_CONFIG_FILE", "/nonexistent/config.json", 1);
    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", ini, 1);
    co.endpoint = "http://127.0.0.1:9";
    co.log_fn = ts_log_capture;
    co.log_payload = &log;
    co.log_level = ENS_LOG_WARN;
    co.max_attempts = 1;
    co.connect_timeout_ms = 200;
    assert_int_equal(ens_client_new(&client, &co, &err), ENS_OK);
    assert_int_not_equal(ens_describe_peer_connections(client, &req, &resp, &err), ENS_OK); /* nobody listens */
    assert_non_null(strstr(ts_log_text(&log), "can be read by its group (mode 0640)"));
    ens_client_free(client);
    ts_log_clear(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vtable_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_stall_cut_at_the_call_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_waiter_keeps_its_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_waiter_fetches_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_proxies_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readable_file_warning, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
