/* SPDX-License-Identifier: MIT */
/* Credentials providers: CLI config, credentials file, instance RAM role,
 * credentials URI, callback, cache and chains.  Files live in a temporary
 * HOME; the HTTP providers talk to a small loopback HTTP server started by
 * this test (one thread, one connection at a time, Connection: close). */
#include "support/support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credentials/internal.h"
#include "util/url.h"
#include "ensclient/ensclient.h"

/* ------------------------------------------------------------------ */
/* environment and temporary HOME                                      */
/* ------------------------------------------------------------------ */

static const char *const managed_vars[] = {
    "HOME",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_CONFIG_FILE",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ECS_METADATA",
    "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
    "ALIBABA_CLOUD_IMDSV1_DISABLED",
    "ALIBABA_CLOUD_CREDENTIALS_URI",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_ROLE_SESSION_NAME",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_STS_REGION",
    "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
};
#define N_VARS (sizeof(managed_vars) / sizeof(managed_vars[0]))
static char *saved_vars[N_VARS];
static char home[256];

static int group_setup(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_VARS; i++) {
        const char *v = getenv(managed_vars[i]);
        saved_vars[i] = v ? strdup(v) : NULL;
    }
    return 0;
}

static int group_teardown(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_VARS; i++) {
        if (saved_vars[i])
            setenv(managed_vars[i], saved_vars[i], 1);
        else
            unsetenv(managed_vars[i]);
        free(saved_vars[i]);
    }
    return 0;
}

static int test_setup(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_VARS; i++)
        unsetenv(managed_vars[i]);
    ts_tmpdir(home, sizeof(home), "ens-cred-home");
    setenv("HOME", home, 1);
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    ts_rm_rf(home);
    return 0;
}

static void home_path(char *dst, size_t cap, const char *rel) { snprintf(dst, cap, "%s/%s", home, rel); }

/* Writes content to $HOME/rel, making the directories on the way. */
static void write_file(const char *rel, const char *content)
{
    char path[512];
    home_path(path, sizeof(path), rel);
    ts_write_file(path, content);
}

/* test/fixtures/credentials/<fixture> to $HOME/rel. */
static void copy_fixture(const char *fixture, const char *rel)
{
    char name[256], *text;
    snprintf(name, sizeof(name), "credentials/%s", fixture);
    text = ts_fixture_load(name, NULL);
    write_file(rel, text);
    free(text);
}

/* get through p; returns the status and keeps the error */
static ens_status get(ens_credentials_provider *p, ens_credentials **c, ens_error *err)
{
    *c = NULL;
    ens_error_init(err);
    return ens_credentials_provider_get(p, c, err);
}

/* The fictitious secrets and tokens all have "-SECRET" or "-TOKEN" in them
 * (variable names such as ALIBABA_CLOUD_OIDC_TOKEN_FILE do not). */
static void assert_no_secret(const char *text)
{
    assert_null(strstr(text, "-SECRET"));
    assert_null(strstr(text, "-TOKEN"));
    assert_null(strstr(text, "hunter2"));
}

/* ------------------------------------------------------------------ */
/* pinned clock                                                        */
/* ------------------------------------------------------------------ */

static ts_pins clock_pins = {.base = 1800000000LL}; /* 2027-01-15 */
/* The tests move the clock with atomic_store(&pinned_now, ...). */
#define pinned_now (clock_pins.base)

static void fmt_time(char *dst, size_t cap, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ */
/* loopback HTTP server                                                */
/* ------------------------------------------------------------------ */

#define ROLE "EdgeRole"
#define MD_TOKEN "md-session-TOKEN-1"

typedef struct reply {
    int status;
    char body[2048];
    int delay_ms;
} reply;

typedef struct server {
    ts_http_server *http;
    unsigned short port;
    pthread_mutex_t mu;
    /* behaviour (guarded by mu) */
    reply token, list, creds, uri;
    bool require_token; /* creds/list need X-aliyun-ecs-metadata-token: MD_TOKEN */
    /* observations (guarded by mu) */
    int hits_token, hits_list, hits_creds, hits_uri, hits_other;
    char ttl_header[64];
    bool creds_had_token;
} server;

static server srv;

static void set_reply(reply *r, int status, const char *body, int delay_ms)
{
    pthread_mutex_lock(&srv.mu);
    r->status = status;
    snprintf(r->body, sizeof(r->body), "%s", body);
    r->delay_ms = delay_ms;
    pthread_mutex_unlock(&srv.mu);
}

static void creds_json(char *dst, size_t cap, const char *id, time_t exp)
{
    char e[32];
    fmt_time(e, sizeof(e), exp);
    snprintf(dst, cap,
             "{\"Code\":\"Success\",\"AccessKeyId\":\"%s\",\"AccessKeySecret\":\"role-SECRET-%s\","
             "\"SecurityToken\":\"role-TOKEN-%s\",\"Expiration\":\"%s\",\"LastUpdated\":\"x\"}",
             id, id, id, e);
}

static void set_creds(reply *r, const char *id, time_t exp, int delay_ms)
{
    char body[1024];
    creds_json(body, sizeof(body), id, exp);
    set_reply(r, 200, body, delay_ms);
}

static int hits(int *counter)
{
    int n;
    pthread_mutex_lock(&srv.mu);
    n = *counter;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

static const char *find_header(const char *req, const char *name, char *val, size_t cap)
{
    const char *p = strstr(req, "\r\n");
    size_t nl = strlen(name);
    while (p && p[2] != '\r') {
        const char *line = p + 2, *end = strstr(line, "\r\n");
        if (!end)
            break;
        if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            size_t n;
            while (*v == ' ')
                v++;
            n = (size_t)(end - v);
            if (n >= cap)
                n = cap - 1;
            memcpy(val, v, n);
            val[n] = '\0';
            return val;
        }
        p = end;
    }
    return NULL;
}

static void handle(void *ctx, int cfd, const char *req, size_t len)
{
    char method[16], path[512], val[256];
    size_t n;
    reply r;
    int *counter;
    char out[4096];
    const char *tok;
    (void)ctx;
    (void)len;

    if (sscanf(req, "%15s %511s", method, path) != 2)
        return;
    pthread_mutex_lock(&srv.mu);
    tok = find_header(req, "X-aliyun-ecs-metadata-token", val, sizeof(val));
    if (strcmp(method, "PUT") == 0 && strcmp(path, "/latest/api/token") == 0) {
        counter = &srv.hits_token;
        r = srv.token;
        if (!find_header(req, "X-aliyun-ecs-metadata-token-ttl-seconds", srv.ttl_header,
                         sizeof(srv.ttl_header)))
            srv.ttl_header[0] = '\0';
    } else if (strcmp(method, "GET") == 0 &&
               strcmp(path, "/latest/meta-data/ram/security-credentials/") == 0) {
        counter = &srv.hits_list;
        r = srv.list;
        if (srv.require_token && (!tok || strcmp(tok, MD_TOKEN) != 0))
            r.status = 401, r.body[0] = '\0';
    } else if (strcmp(method, "GET") == 0 &&
               strcmp(path, "/latest/meta-data/ram/security-credentials/" ROLE) == 0) {
        counter = &srv.hits_creds;
        r = srv.creds;
        srv.creds_had_token = tok && strcmp(tok, MD_TOKEN) == 0;
        if (srv.require_token && !srv.creds_had_token)
            r.status = 401, r.body[0] = '\0';
    } else if (strcmp(method, "GET") == 0 && strncmp(path, "/creds", 6) == 0) {
        counter = &srv.hits_uri;
        r = srv.uri;
    } else {
        counter = &srv.hits_other;
        r.status = 404;
        snprintf(r.body, sizeof(r.body), "not found");
        r.delay_ms = 0;
    }
    (*counter)++;
    pthread_mutex_unlock(&srv.mu);
    if (r.delay_ms > 0)
        ts_sleep_ms(r.delay_ms);
    n = (size_t)snprintf(out, sizeof(out),
                         "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n%s",
                         r.status, strlen(r.body), r.body);
    ts_send_all(cfd, out, n);
}

static void metadata_defaults(void)
{
    char body[1024];
    set_reply(&srv.token, 200, MD_TOKEN, 0);
    set_reply(&srv.list, 200, ROLE "\n", 0);
    creds_json(body, sizeof(body), "role-id-1", (time_t)atomic_load(&pinned_now) + 3600);
    set_reply(&srv.creds, 200, body, 0);
    set_reply(&srv.uri, 200, "{}", 0);
    pthread_mutex_lock(&srv.mu);
    srv.require_token = true;
    srv.hits_token = srv.hits_list = srv.hits_creds = srv.hits_uri = srv.hits_other = 0;
    srv.ttl_header[0] = '\0';
    srv.creds_had_token = false;
    pthread_mutex_unlock(&srv.mu);
}

static int http_setup(void **state)
{
    if (test_setup(state) != 0)
        return -1;
    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.mu, NULL);
    atomic_store(&pinned_now, 1800000000LL);
    metadata_defaults();
    srv.http = ts_http_start(handle, NULL);
    srv.port = ts_http_port(srv.http);
    return 0;
}

static int http_teardown(void **state)
{
    ts_http_stop(srv.http);
    pthread_mutex_destroy(&srv.mu);
    return test_teardown(state);
}

static void base_url(char *dst, size_t cap) { snprintf(dst, cap, "http://127.0.0.1:%u", srv.port); }

/* options pointing the HTTP providers at the loopback server */
static ens_credentials_provider_options http_opts(char *url, size_t cap)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    base_url(url, cap);
    o.metadata_base_url = url;
    o.clock_fn = ts_pins_clock;
    o.clock_payload = &clock_pins;
    return o;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static void test_display_url(void **state)
{
    char b[128];
    (void)state;
    ens__url_display(b, sizeof(b), "https://user:hunter2@host:8443/path/x?token=hunter2#frag");
    assert_string_equal(b, "https://***@host:8443/path/x");
    ens__url_display(b, sizeof(b), "http://127.0.0.1:9/creds");
    assert_string_equal(b, "http://127.0.0.1:9/creds");
    ens__url_display(b, 8, "http://long-host-name/");
    assert_string_equal(b, "http://");
}

static void test_options_validation(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    (void)state;
    o.version = 0;
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_EINVAL);
    o.version = ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION + 1;
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_EINVAL);
    ens_credentials_provider_options_init(&o);
    assert_int_equal(o.version, ENS_CREDENTIALS_PROVIDER_OPTIONS_VERSION);
    o.timeout_ms = -1;
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_EINVAL);
    ens_credentials_provider_options_init(&o);
    o.metadata_role_name = "Edge\r\nRole";
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_default_chain_new(&p, &o), ENS_EINVAL);
    assert_null(p);
    assert_int_equal(ens_credentials_provider_cli_config_new(NULL, NULL), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_callback_new(&p, NULL, NULL), ENS_EINVAL);
}

/* ------------------------------------------------------------------ */
/* static, environment, callback                                       */
/* ------------------------------------------------------------------ */

static void test_static_ak_and_sts(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_static_new(&p, "st-id", "st-secret", NULL), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_null(ens_credentials_security_token(c));
    ens_credentials_release(c);
    ens_credentials_provider_invalidate(p); /* no cache: harmless */
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "st-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    assert_int_equal(ens_credentials_provider_static_new(&p, "st-id", "st-secret", "st-token"), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_security_token(c), "st-token");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    ens_credentials_provider_invalidate(NULL);
}

static const char *fake_env(void *payload, const char *name)
{
    (void)payload;
    if (strcmp(name, "ALIBABA_CLOUD_ACCESS_KEY_ID") == 0)
        return "fake-env-id";
    if (strcmp(name, "ALIBABA_CLOUD_ACCESS_KEY_SECRET") == 0)
        return "fake-env-secret";
    return NULL;
}

static void test_env_ext_uses_getenv_fn(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "real-env-id", 1);
    o.getenv_fn = fake_env;
    assert_int_equal(ens_credentials_provider_env_new_ext(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "fake-env-id");
    assert_null(ens_credentials_security_token(c));
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    /* NULL options: the process environment */
    assert_int_equal(ens_credentials_provider_env_new_ext(&p, NULL), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set"));
    ens_credentials_provider_free(p);
}

typedef struct cb_payload {
    atomic_int calls;
    ens_status fail;
    time_t exp;
    char id[32];
    int pad; /* failure reason padded with this many 'p' */
    long long set_now; /* when set: the clock jumps there during the call */
} cb_payload;

static const char pad_chars[] = "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                           "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                           "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                           "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp";

static ens_status cb_fn(void *payload, ens_credentials **out, ens_error *err)
{
    cb_payload *s = payload;
    int n = atomic_fetch_add(&s->calls, 1) + 1;
    char id[48];
    if (s->set_now)
        atomic_store(&pinned_now, s->set_now);
    if (s->fail != ENS_OK) {
        if (err) {
            ens_error_init(err);
            err->status = s->fail;
            snprintf(err->description, sizeof(err->description),
                     "credentials unavailable: vault %s is sealed%s%.*s", s->id, s->pad ? " " : "",
                     s->pad, pad_chars);
        }
        return s->fail;
    }
    snprintf(id, sizeof(id), "%s-%d", s->id, n);
    return ens_credentials_new(out, id, "cb-SECRET", "cb-TOKEN", s->exp);
}

static void test_callback_convenience(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "cb"};
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_callback_new(&p, cb_fn, &s), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cb-1");
    ens_credentials_release(c);
    assert_int_equal(get(p, &c, &err), ENS_OK); /* no cache: called every time */
    assert_string_equal(ens_credentials_access_key_id(c), "cb-2");
    ens_credentials_release(c);
    s.fail = ENS_ECREDENTIALS;
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "vault cb is sealed"));
    assert_null(c);
    ens_credentials_provider_free(p);
}

/* A version-1 vtable ends after destroy: the library must not read further. */
typedef struct v1_vtable {
    unsigned int version;
    ens_status (*get)(void *ctx, ens_credentials **out, ens_error *err);
    void (*destroy)(void *ctx);
} v1_vtable;

static ens_status v1_get(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)err;
    return ens_credentials_new(out, "v1-id", "v1-secret", NULL, 0);
}

static void test_version1_vtable(void **state)
{
    v1_vtable *vt = malloc(sizeof(*vt)); /* exact size: ASan/valgrind catch a read past it */
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_non_null(vt);
    vt->version = 1;
    vt->get = v1_get;
    vt->destroy = NULL;
    assert_int_equal(ens_credentials_provider_new(&p, (const ens_credentials_provider_vtable *)vt, NULL),
                     ENS_OK);
    ens_credentials_provider_invalidate(p);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "v1-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    free(vt);
}

/* ------------------------------------------------------------------ */
/* CLI config                                                          */
/* ------------------------------------------------------------------ */

static void test_cli_config_modes(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    copy_fixture("config.json", ".aliyun/config.json");
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, NULL), ENS_OK);

    /* "current" selects ak-profile */
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-ak-id");
    assert_string_equal(ens_credentials_access_key_secret(c), "cli-ak-SECRET-value");
    assert_null(ens_credentials_security_token(c)); /* empty sts_token ignored in AK mode */
    assert_int_equal(ens_credentials_expiration(c), 0);
    ens_credentials_release(c);

    /* ALIBABA_CLOUD_PROFILE wins over "current"; StsToken mode */
    setenv("ALIBABA_CLOUD_PROFILE", "sts-profile", 1);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-sts-id");
    assert_string_equal(ens_credentials_security_token(c), "cli-sts-TOKEN-value");
    ens_credentials_release(c);

    /* unsupported mode, named */
    setenv("ALIBABA_CLOUD_PROFILE", "ext-profile", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_int_equal(err.status, ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "unsupported mode 'External' in profile 'ext-profile'"));
    assert_no_secret(err.description);

    /* RamRoleArn goes to STS (stopped here, before the network, by a region
       that cannot name an endpoint; test_cred_sts runs it against the mock) */
    setenv("ALIBABA_CLOUD_PROFILE", "role-profile", 1);
    setenv("ALIBABA_CLOUD_STS_REGION", "not a region", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_non_null(strstr(err.description, "profile 'role-profile': ALIBABA_CLOUD_STS_REGION is not an STS region"));
    assert_no_secret(err.description);
    unsetenv("ALIBABA_CLOUD_STS_REGION");

    /* missing fields */
    setenv("ALIBABA_CLOUD_PROFILE", "no-secret", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "has no access_key_secret"));
    setenv("ALIBABA_CLOUD_PROFILE", "sts-no-token", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "has no sts_token"));
    assert_no_secret(err.description);
    setenv("ALIBABA_CLOUD_PROFILE", "no-mode", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "profile 'no-mode' has no mode"));
    setenv("ALIBABA_CLOUD_PROFILE", "absent", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "profile 'absent' not found"));

    /* disabled */
    unsetenv("ALIBABA_CLOUD_PROFILE");
    setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "TRUE", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "disabled"));
    ens_credentials_provider_free(p);
}

static void test_cli_config_paths_and_options(void **state)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    char path[512];
    (void)state;

    /* absent file: named in the message */
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, NULL), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    home_path(path, sizeof(path), ".aliyun/config.json");
    assert_non_null(strstr(err.description, path));
    assert_non_null(strstr(err.description, "not found"));

    /* ALIBABA_CLOUD_CONFIG_FILE */
    copy_fixture("config.json", "elsewhere/cli.json");
    home_path(path, sizeof(path), "elsewhere/cli.json");
    setenv("ALIBABA_CLOUD_CONFIG_FILE", path, 1);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-ak-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);

    /* options win over the environment */
    copy_fixture("config.json", "opt/cli.json");
    home_path(path, sizeof(path), "opt/cli.json");
    setenv("ALIBABA_CLOUD_CONFIG_FILE", "/nonexistent/config.json", 1);
    setenv("ALIBABA_CLOUD_PROFILE", "role-profile", 1);
    o.cli_config_file = path;
    o.profile = "sts-profile";
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-sts-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);

    /* home_dir option; no HOME */
    unsetenv("ALIBABA_CLOUD_CONFIG_FILE");
    unsetenv("ALIBABA_CLOUD_PROFILE");
    unsetenv("HOME");
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, NULL), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "HOME is not set"));
    ens_credentials_provider_free(p);
    copy_fixture("config.json", ".aliyun/config.json");
    ens_credentials_provider_options_init(&o);
    o.home_dir = home;
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-ak-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    setenv("HOME", home, 1);
}

static void test_cli_config_malformed(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    char path[512];
    (void)state;
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, NULL), ENS_OK);

    copy_fixture("config_malformed.json", ".aliyun/config.json");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    home_path(path, sizeof(path), ".aliyun/config.json");
    assert_non_null(strstr(err.description, path));
    assert_non_null(strstr(err.description, "not valid JSON (line 10"));
    assert_no_secret(err.description);
    assert_null(strstr(err.description, "cli-bad-id"));

    write_file(".aliyun/config.json", "[\"cli-SECRET\"]");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "not a JSON object"));

    write_file(".aliyun/config.json", "{\"profiles\":[]}");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "no profile selected"));

    write_file(".aliyun/config.json", "{\"current\":\"x\",\"profiles\":{\"name\":\"x\"}}");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "\"profiles\" is not an array"));

    write_file(".aliyun/config.json",
               "{\"current\":\"x\",\"profiles\":[{\"name\":\"x\",\"mode\":\"AK\","
               "\"access_key_id\":42,\"access_key_secret\":\"a-SECRET\"}]}");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "has no access_key_id"));

    write_file(".aliyun/config.json",
               "{\"current\":\"x\",\"profiles\":[{\"name\":\"x\",\"mode\":\"AK\","
               "\"access_key_id\":\"id\",\"access_key_secret\":\"a-SECRET\\nline\"}]}");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "line break"));
    assert_no_secret(err.description);

    write_file(".aliyun/config.json", "");
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "not valid JSON"));

    /* a directory where the file should be */
    ts_rm_rf(path);
    mkdir(path, 0700);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "is a directory"));
    assert_null(c);
    ens_credentials_provider_free(p);
}

/* ------------------------------------------------------------------ */
/* shared credentials file (INI)                                       */
/* ------------------------------------------------------------------ */

static void test_ini_sections(void **state)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    char path[512];
    (void)state;
    copy_fixture("credentials.ini", ".alibabacloud/credentials");
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, NULL), ENS_OK);

    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "ini-default-id");
    assert_string_equal(ens_credentials_access_key_secret(c), "ini-default-SECRET-value");
    assert_null(ens_credentials_security_token(c));
    ens_credentials_release(c);

    setenv("ALIBABA_CLOUD_PROFILE", "project1", 1); /* tabs, no spaces, quotes, trailing blanks */
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "ini-project1-id");
    assert_string_equal(ens_credentials_access_key_secret(c), "ini-project1-SECRET-value");
    ens_credentials_release(c);

    setenv("ALIBABA_CLOUD_PROFILE", "spaced name", 1);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "ini-spaced-id");
    ens_credentials_release(c);

    setenv("ALIBABA_CLOUD_PROFILE", "rsa", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "unsupported type 'rsa_key_pair' in section [rsa]"));

    /* ecs_ram_role: the instance RAM role (kept off the network here) */
    setenv("ALIBABA_CLOUD_PROFILE", "role", 1);
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "section [role]: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED"));
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");

    setenv("ALIBABA_CLOUD_PROFILE", "partial", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "section [partial] has no access_key_secret"));

    setenv("ALIBABA_CLOUD_PROFILE", "untyped", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "section [untyped] has no type"));
    assert_no_secret(err.description);

    setenv("ALIBABA_CLOUD_PROFILE", "missing", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "section [missing] not found"));
    unsetenv("ALIBABA_CLOUD_PROFILE");

    /* ALIBABA_CLOUD_CREDENTIALS_FILE and CRLF line ends */
    copy_fixture("credentials_crlf.ini", "crlf.ini");
    home_path(path, sizeof(path), "crlf.ini");
    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", path, 1);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "ini-crlf-id");
    assert_string_equal(ens_credentials_access_key_secret(c), "ini-crlf-SECRET-value");
    ens_credentials_release(c);

    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent/ens-credentials", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "/nonexistent/ens-credentials not found"));
    ens_credentials_provider_free(p);
}

static void expect_ini_error(ens_credentials_provider *p, const char *content, const char *needle)
{
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    char path[512], where[600];
    write_file(".alibabacloud/credentials", content);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    home_path(path, sizeof(path), ".alibabacloud/credentials");
    snprintf(where, sizeof(where), "%s%s", path, needle);
    if (!strstr(err.description, where))
        fail_msg("expected '%s' in '%s'", where, err.description);
    assert_no_secret(err.description);
}

static void test_ini_malformed(void **state)
{
    ens_credentials_provider *p = NULL;
    (void)state;
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, NULL), ENS_OK);
    expect_ini_error(p, "[default]\ntype = access_key\naccess_key_SECRET-hunter2\n",
                     ":3: expected [section] or key = value");
    expect_ini_error(p, "access_key_id = x\n[default]\n", ":1: key outside of any [section]");
    expect_ini_error(p, "[default\ntype = access_key\n", ":1: malformed section header");
    expect_ini_error(p, "[]\n", ":1: malformed section header");
    expect_ini_error(p, "[default] ; comment\n", ":1: malformed section header");
    expect_ini_error(p, "[default]\n = x-SECRET\n", ":2: missing key name");
    expect_ini_error(p, "[default]\nbad key = x-SECRET\n", ":2: invalid key name");
    expect_ini_error(p,
                     "[default]\ntype = access_key\naccess_key_id = a\naccess_key_secret = x-SECRET1\n"
                     "access_key_secret = x-SECRET2\n",
                     ":5: key repeated in section [default]");
    expect_ini_error(p, "[default]\ntype = access_key\n[other]\nx=1\n[default]\n",
                     ":5: section [default] appears twice");
    expect_ini_error(p, "[default]\ntype = access_key\raccess_key_id = x-SECRET\n",
                     ":2: stray carriage return");
    /* errors anywhere in the file count, not only in the selected section */
    expect_ini_error(p,
                     "[default]\ntype = access_key\naccess_key_id = a\naccess_key_secret = b\n"
                     "[other]\ngarbage-hunter2\n",
                     ":6: expected [section] or key = value");
    ens_credentials_provider_free(p);
}

/* ------------------------------------------------------------------ */
/* instance RAM role                                                   */
/* ------------------------------------------------------------------ */

static void test_ram_role_discovery(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "role-id-1");
    assert_string_equal(ens_credentials_access_key_secret(c), "role-SECRET-role-id-1");
    assert_string_equal(ens_credentials_security_token(c), "role-TOKEN-role-id-1");
    assert_int_equal(ens_credentials_expiration(c), atomic_load(&pinned_now) + 3600);
    ens_credentials_release(c);
    assert_int_equal(hits(&srv.hits_token), 1);
    assert_int_equal(hits(&srv.hits_list), 1);
    assert_int_equal(hits(&srv.hits_creds), 1);
    pthread_mutex_lock(&srv.mu);
    assert_string_equal(srv.ttl_header, "21600");
    assert_true(srv.creds_had_token);
    pthread_mutex_unlock(&srv.mu);

    /* cached: no new request */
    assert_int_equal(get(p, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(hits(&srv.hits_creds), 1);
    ens_credentials_provider_free(p);
}

static void test_ram_role_named(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    /* from the environment: no discovery request */
    setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE, 1);
    o.metadata_token_ttl_s = 60;
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    ens_credentials_release(c);
    assert_int_equal(hits(&srv.hits_list), 0);
    assert_int_equal(hits(&srv.hits_creds), 1);
    pthread_mutex_lock(&srv.mu);
    assert_string_equal(srv.ttl_header, "60");
    pthread_mutex_unlock(&srv.mu);
    ens_credentials_provider_free(p);

    /* a role name that is not one */
    setenv("ALIBABA_CLOUD_ECS_METADATA", "../etc", 1);
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ECS_METADATA holds an invalid RAM role name"));
    ens_credentials_provider_free(p);

    /* the option wins; an unknown role gives 404 */
    o.metadata_role_name = "OtherRole";
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "role 'OtherRole': the role is not attached"));
    ens_credentials_provider_free(p);
}

static void test_ram_role_disabled_and_v1(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);

    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "disabled"));
    assert_int_equal(hits(&srv.hits_token), 0);
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");

    /* an old metadata service without tokens: the GETs go without one */
    set_reply(&srv.token, 404, "no such thing", 0);
    pthread_mutex_lock(&srv.mu);
    srv.require_token = false;
    pthread_mutex_unlock(&srv.mu);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    ens_credentials_release(c);
    pthread_mutex_lock(&srv.mu);
    assert_false(srv.creds_had_token);
    pthread_mutex_unlock(&srv.mu);
    ens_credentials_provider_free(p);

    /* ... unless v1 is disabled */
    setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", "true", 1);
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "session token request answered HTTP 404"));
    ens_credentials_provider_free(p);
    unsetenv("ALIBABA_CLOUD_IMDSV1_DISABLED");
    o.metadata_v1_disabled = true;
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "HTTP 404"));
    ens_credentials_provider_free(p);
}

static void expect_ram_error(const ens_credentials_provider_options *o, const char *needle)
{
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    if (!strstr(err.description, needle))
        fail_msg("expected '%s' in '%s'", needle, err.description);
    assert_no_secret(err.description);
    ens_credentials_provider_free(p);
}

static void test_ram_role_bad_answers(void **state)
{
    char url[64], body[1024];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    time_t later = (time_t)atomic_load(&pinned_now) + 3600;
    char exp[32];
    (void)state;
    fmt_time(exp, sizeof(exp), later);

    set_reply(&srv.list, 404, "", 0);
    expect_ram_error(&o, "no RAM role is attached to this instance (HTTP 404)");
    set_reply(&srv.list, 200, "\n", 0);
    expect_ram_error(&o, "no RAM role is attached to this instance (empty answer)");
    set_reply(&srv.list, 500, "", 0);
    expect_ram_error(&o, "RAM role discovery answered HTTP 500");
    set_reply(&srv.list, 200, "bad/role\n", 0);
    expect_ram_error(&o, "invalid role name");
    set_reply(&srv.list, 200, ROLE "\n", 0);

    set_reply(&srv.creds, 200, "{\"Code\":\"Success\",\"AccessKeySecret\":\"x-SECRET\"", 0);
    expect_ram_error(&o, "response is not valid JSON");
    set_reply(&srv.creds, 200, "[]", 0);
    expect_ram_error(&o, "not a JSON object");
    snprintf(body, sizeof(body),
             "{\"Code\":\"Failed\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"x-SECRET\","
             "\"SecurityToken\":\"x-TOKEN\",\"Expiration\":\"%s\"}",
             exp);
    set_reply(&srv.creds, 200, body, 0);
    expect_ram_error(&o, "Code is 'Failed', not 'Success'");
    snprintf(body, sizeof(body),
             "{\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"x-SECRET\",\"SecurityToken\":\"x-TOKEN\","
             "\"Expiration\":\"%s\"}",
             exp);
    set_reply(&srv.creds, 200, body, 0);
    expect_ram_error(&o, "Code is '(none)'");
    snprintf(body, sizeof(body),
             "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"x-SECRET\","
             "\"Expiration\":\"%s\"}",
             exp);
    set_reply(&srv.creds, 200, body, 0);
    expect_ram_error(&o, "SecurityToken is missing or empty");
    set_reply(&srv.creds, 200,
              "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"x-SECRET\","
              "\"SecurityToken\":\"x-TOKEN\"}",
              0);
    expect_ram_error(&o, "Expiration is missing or empty");
    set_reply(&srv.creds, 200,
              "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"x-SECRET\","
              "\"SecurityToken\":\"x-TOKEN\",\"Expiration\":\"tomorrow\"}",
              0);
    expect_ram_error(&o, "Expiration is not a time");
    snprintf(body, sizeof(body),
             "{\"Code\":\"Success\",\"AccessKeyId\":7,\"AccessKeySecret\":\"x-SECRET\","
             "\"SecurityToken\":\"x-TOKEN\",\"Expiration\":\"%s\"}",
             exp);
    set_reply(&srv.creds, 200, body, 0);
    expect_ram_error(&o, "a credentials member is not a string");
    set_reply(&srv.creds, 500, "{\"Code\":\"InternalError\"}", 0);
    expect_ram_error(&o, "the credentials request answered HTTP 500");
    /* already expired at fetch time: refused by the cache */
    set_creds(&srv.creds, "old", (time_t)atomic_load(&pinned_now) - 1, 0);
    expect_ram_error(&o, "already expired");

    /* the session token is required by this server */
    metadata_defaults();
    set_reply(&srv.token, 200, "   \n", 0);
    expect_ram_error(&o, "session token answer is empty or malformed");
}

static void test_ram_role_network_errors(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    struct timespec t0, t1;
    double elapsed;
    (void)state;

    /* a short total timeout is honoured */
    set_reply(&srv.token, 200, MD_TOKEN, 1500);
    o.timeout_ms = 200;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_ram_error(&o, "session token request failed: timed out");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(elapsed < 1.4);

    /* nobody listening */
    o.timeout_ms = 0;
    o.metadata_base_url = "http://127.0.0.1:1";
    expect_ram_error(&o, "metadata service session token request failed");
}

/* ------------------------------------------------------------------ */
/* credentials URI                                                     */
/* ------------------------------------------------------------------ */

static void uri_of(char *dst, size_t cap, const char *suffix)
{
    snprintf(dst, cap, "http://127.0.0.1:%u/creds%s", srv.port, suffix);
}

static void test_uri_provider(void **state)
{
    char url[64], uri[128], body[1024];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_CREDENTIALS_URI is not set"));

    uri_of(uri, sizeof(uri), "?sig=hunter2");
    setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri, 1);
    creds_json(body, sizeof(body), "uri-id", (time_t)atomic_load(&pinned_now) + 900);
    set_reply(&srv.uri, 200, body, 0);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "uri-id");
    assert_string_equal(ens_credentials_security_token(c), "role-TOKEN-uri-id");
    assert_int_equal(ens_credentials_expiration(c), atomic_load(&pinned_now) + 900);
    ens_credentials_release(c);
    assert_int_equal(hits(&srv.hits_uri), 1);
    ens_credentials_provider_free(p);

    /* long-term keys without token or expiration are accepted */
    set_reply(&srv.uri, 200, "{\"AccessKeyId\":\"uri-lt\",\"AccessKeySecret\":\"lt-SECRET\"}", 0);
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_null(ens_credentials_security_token(c));
    assert_int_equal(ens_credentials_expiration(c), 0);
    ens_credentials_release(c);
    ens_credentials_provider_free(p);

    /* errors: the query (may hold a signature) is never shown */
    set_reply(&srv.uri, 503, "busy", 0);
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "/creds answered HTTP 503"));
    assert_no_secret(err.description);
    set_reply(&srv.uri, 200, "{\"AccessKeyId\":\"a\",\"AccessKeySecret\":", 0);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "not valid JSON"));
    set_reply(&srv.uri, 200, "{\"AccessKeyId\":\"a\",\"SecurityToken\":\"u-TOKEN\"}", 0);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "AccessKeySecret is missing or empty"));
    assert_no_secret(err.description);
    set_reply(&srv.uri, 200, "{\"Code\":\"Denied\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":\"b\"}", 0);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "Code is 'Denied'"));
    ens_credentials_provider_free(p);

    setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "ftp://user:hunter2@host/creds", 1);
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "is not an http or https URL"));
    assert_no_secret(err.description);
    ens_credentials_provider_free(p);

    /* the option wins over the variable */
    set_reply(&srv.uri, 200, "{\"AccessKeyId\":\"uri-opt\",\"AccessKeySecret\":\"o-SECRET\"}", 0);
    uri_of(uri, sizeof(uri), "");
    o.credentials_uri = uri;
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "uri-opt");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
}

/* A transport of the test's own: the providers must use it when given. */
static atomic_int fake_sends;

static ens_status fake_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                            ens_error *err)
{
    static const char body[] = "{\"AccessKeyId\":\"via-fake\",\"AccessKeySecret\":\"f-SECRET\"}";
    (void)ctx;
    (void)err;
    atomic_fetch_add(&fake_sends, 1);
    if (strcmp(req->method, "GET") != 0 || strcmp(req->url, "http://creds.invalid/x") != 0 ||
        req->connect_timeout_ms != 1000 || req->timeout_ms != 1000)
        return ENS_ETRANSPORT;
    ens_http_response_set_status(resp, 200);
    return ens_http_response_append_body(resp, body, sizeof(body) - 1);
}

static void test_custom_transport(void **state)
{
    static const ens_transport_vtable vt = {.version = ENS_TRANSPORT_VTABLE_VERSION, .send = fake_send};
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_transport *t = NULL;
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_transport_new(&t, &vt, NULL), ENS_OK);
    o.transport = t;
    o.credentials_uri = "http://creds.invalid/x";
    assert_int_equal(ens_credentials_provider_uri_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "via-fake");
    ens_credentials_release(c);
    assert_int_equal(atomic_load(&fake_sends), 1);
    ens_credentials_provider_free(p);
    ens_transport_free(t); /* borrowed: still ours */
}

/* ------------------------------------------------------------------ */
/* cache                                                               */
/* ------------------------------------------------------------------ */

static ens_credentials_provider *cached_cb(cb_payload *s)
{
    ens_credentials_provider *inner = NULL, *p = NULL;
    ens_credentials_cache_options co = ENS_CREDENTIALS_CACHE_OPTIONS_INIT;
    co.clock_fn = ts_pins_clock;
    co.clock_payload = &clock_pins;
    assert_int_equal(ens_credentials_provider_callback_new(&inner, cb_fn, s), ENS_OK);
    assert_int_equal(ens_credentials_provider_cached_new(&p, inner, &co), ENS_OK);
    return p;
}

static void expect_id(ens_credentials_provider *p, const char *id)
{
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), id);
    assert_true(ens_credentials_expiration(c) == 0 ||
                ens_credentials_expiration(c) > (time_t)atomic_load(&pinned_now));
    ens_credentials_release(c);
}

static void test_cache_refresh_window(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "c"};
    ens_credentials_provider *p;
    long long t0 = 1800000000LL;
    (void)state;
    atomic_store(&pinned_now, t0);
    s.exp = (time_t)(t0 + 3600);
    p = cached_cb(&s);
    expect_id(p, "c-1");
    atomic_store(&pinned_now, t0 + 3600 - 181);
    expect_id(p, "c-1");
    atomic_store(&pinned_now, t0 + 3600 - 180); /* exactly 3 min left: not yet */
    expect_id(p, "c-1");
    assert_int_equal(atomic_load(&s.calls), 1);
    s.exp = (time_t)(t0 + 7200);
    atomic_store(&pinned_now, t0 + 3600 - 179); /* less than 3 min: refresh */
    expect_id(p, "c-2");
    expect_id(p, "c-2");
    assert_int_equal(atomic_load(&s.calls), 2);
    ens_credentials_provider_free(p);
}

static void test_cache_failed_refresh_keeps_valid(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "k"};
    ens_credentials_provider *p;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    long long t0 = 1800000000LL, exp = t0 + 3600;
    (void)state;
    atomic_store(&pinned_now, t0);
    s.exp = (time_t)exp;
    p = cached_cb(&s);
    expect_id(p, "k-1");

    s.fail = ENS_ECREDENTIALS;
    atomic_store(&pinned_now, exp - 100);
    expect_id(p, "k-1"); /* refresh failed: old ones still valid */
    assert_int_equal(atomic_load(&s.calls), 2);
    expect_id(p, "k-1"); /* back-off: no new try */
    atomic_store(&pinned_now, exp - 91);
    expect_id(p, "k-1");
    assert_int_equal(atomic_load(&s.calls), 2);
    atomic_store(&pinned_now, exp - 90); /* 10 s later: tried again */
    expect_id(p, "k-1");
    assert_int_equal(atomic_load(&s.calls), 3);

    /* expired: never handed out; the error comes through */
    atomic_store(&pinned_now, exp);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_non_null(strstr(err.description, "vault k is sealed"));
    assert_int_equal(atomic_load(&s.calls), 4);
    /* no back-off without valid credentials: each get tries */
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_int_equal(atomic_load(&s.calls), 5);

    /* recovery */
    s.fail = ENS_OK;
    s.exp = (time_t)(exp + 3600);
    expect_id(p, "k-6");
    ens_credentials_provider_free(p);
}

static void test_cache_expiry_during_failed_refresh(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "d"};
    ens_credentials_provider *p;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    long long t0 = 1800000000LL, exp = t0 + 3600;
    (void)state;
    atomic_store(&pinned_now, t0);
    s.exp = (time_t)exp;
    p = cached_cb(&s);
    expect_id(p, "d-1");
    /* the refresh starts while the old ones are valid, fails after they expired */
    atomic_store(&pinned_now, exp - 10);
    s.fail = ENS_ECREDENTIALS;
    s.set_now = exp + 1;
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_int_equal(atomic_load(&s.calls), 2);
    ens_credentials_provider_free(p);
}

static void test_cache_refuses_expired_from_inner(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "e"};
    ens_credentials_provider *p;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    atomic_store(&pinned_now, 1800000000LL);
    s.exp = (time_t)(1800000000LL - 5);
    p = cached_cb(&s);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_non_null(strstr(err.description, "already expired"));
    /* just inside the window is still handed out (refresh due) */
    s.exp = (time_t)(1800000000LL + 60);
    expect_id(p, "e-2");
    expect_id(p, "e-3"); /* stale: each get refreshes (inner succeeds) */
    ens_credentials_provider_free(p);
}

static void test_cache_invalidate(void **state)
{
    cb_payload s = {.fail = ENS_OK, .id = "i"};
    ens_credentials_provider *p;
    ens_credentials_cache_options bad = ENS_CREDENTIALS_CACHE_OPTIONS_INIT;
    ens_credentials_provider *inner = NULL, *q = NULL;
    (void)state;
    atomic_store(&pinned_now, 1800000000LL);
    s.exp = 0; /* long-term: kept until invalidated */
    p = cached_cb(&s);
    expect_id(p, "i-1");
    atomic_store(&pinned_now, 1900000000LL);
    expect_id(p, "i-1");
    assert_int_equal(atomic_load(&s.calls), 1);
    ens_credentials_provider_invalidate(p);
    expect_id(p, "i-2");
    expect_id(p, "i-2");
    assert_int_equal(atomic_load(&s.calls), 2);
    ens_credentials_provider_free(p);

    /* bad options: inner is freed anyway (ASan/valgrind would see a leak) */
    bad.refresh_before_s = -1;
    assert_int_equal(ens_credentials_provider_callback_new(&inner, cb_fn, &s), ENS_OK);
    assert_int_equal(ens_credentials_provider_cached_new(&q, inner, &bad), ENS_EINVAL);
    assert_null(q);
    assert_int_equal(ens_credentials_provider_cached_new(&q, NULL, NULL), ENS_EINVAL);
}

static void test_ram_role_refresh_and_invalidate(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    long long t0 = atomic_load(&pinned_now);
    (void)state;
    set_creds(&srv.creds, "r1", (time_t)(t0 + 3600), 0);
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    expect_id(p, "r1");
    set_creds(&srv.creds, "r2", (time_t)(t0 + 7200), 0);
    atomic_store(&pinned_now, t0 + 3000);
    expect_id(p, "r1");
    assert_int_equal(hits(&srv.hits_creds), 1);
    atomic_store(&pinned_now, t0 + 3600 - 179);
    expect_id(p, "r2");
    assert_int_equal(hits(&srv.hits_creds), 2);

    /* the metadata service is down: old ones kept while valid */
    set_reply(&srv.creds, 500, "", 0);
    atomic_store(&pinned_now, t0 + 7200 - 100);
    expect_id(p, "r2");
    assert_int_equal(hits(&srv.hits_creds), 3);

    /* invalidate: the next get fetches (and fails here: nothing stale is served) */
    ens_credentials_provider_invalidate(p);
    {
        ens_credentials *c = NULL;
        ens_error err = ENS_ERROR_INIT;
        assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
        assert_null(c);
    }
    assert_int_equal(hits(&srv.hits_creds), 4);
    set_creds(&srv.creds, "r3", (time_t)(t0 + 10800), 0);
    expect_id(p, "r3");
    assert_int_equal(hits(&srv.hits_creds), 5);
    ens_credentials_provider_free(p);
}

/* 8 threads call get while one refresh is under way */
#define NTHREADS 8

typedef struct thread_result {
    ens_credentials_provider *p;
    int ok, failed, expired, saw_old, saw_new;
} thread_result;

/* 25 gets 20 ms apart; then, if the new credentials have not shown up yet
 * (a refresh that takes longer on a slow or loaded machine, or under
 * valgrind), more gets until they do, for at most 20 s. */
static void *getter(void *arg)
{
    thread_result *r = arg;
    double until = ts_now_ms() + 20000;
    int i;
    for (i = 0; i < 25 || (r->saw_new == 0 && ts_now_ms() < until); i++) {
        ens_credentials *c = NULL;
        ens_error err = ENS_ERROR_INIT;
        if (ens_credentials_provider_get(r->p, &c, &err) != ENS_OK) {
            r->failed++;
        } else {
            r->ok++;
            if (ens_credentials_expiration(c) <= (time_t)atomic_load(&pinned_now))
                r->expired++;
            if (strcmp(ens_credentials_access_key_id(c), "old") == 0)
                r->saw_old++;
            else if (strcmp(ens_credentials_access_key_id(c), "new") == 0)
                r->saw_new++;
            ens_credentials_release(c);
        }
        usleep(20000);
    }
    return NULL;
}

static void run_threads(ens_credentials_provider *p, thread_result *res)
{
    pthread_t th[NTHREADS];
    int i;
    for (i = 0; i < NTHREADS; i++) {
        memset(&res[i], 0, sizeof(res[i]));
        res[i].p = p;
        assert_int_equal(pthread_create(&th[i], NULL, getter, &res[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
}

static void test_threads_single_flight_refresh(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    thread_result res[NTHREADS];
    long long t0 = atomic_load(&pinned_now);
    int i, old = 0, neu = 0;
    (void)state;
    set_creds(&srv.creds, "old", (time_t)(t0 + 3600), 0);
    setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE, 1);
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    expect_id(p, "old");
    assert_int_equal(hits(&srv.hits_creds), 1);

    /* stale now; the refresh takes 300 ms; meanwhile the others keep the old ones */
    set_creds(&srv.creds, "new", (time_t)(t0 + 7200), 300);
    atomic_store(&pinned_now, t0 + 3600 - 60);
    run_threads(p, res);
    for (i = 0; i < NTHREADS; i++) {
        assert_int_equal(res[i].failed, 0);
        assert_int_equal(res[i].expired, 0);
        assert_true(res[i].ok >= 25);
        assert_true(res[i].saw_new > 0); /* every thread gets the refreshed ones in the end */
        old += res[i].saw_old;
        neu += res[i].saw_new;
    }
    assert_int_equal(hits(&srv.hits_creds), 2); /* one refresh went to the server */
    assert_int_equal(hits(&srv.hits_token), 2);
    assert_true(old > NTHREADS);  /* served while the refresh was under way */
    assert_true(neu > 0);
    expect_id(p, "new");
    ens_credentials_provider_free(p);
}

static void test_threads_cold_cache(void **state)
{
    char url[64];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    thread_result res[NTHREADS];
    int i;
    (void)state;
    set_creds(&srv.creds, "new", (time_t)(atomic_load(&pinned_now) + 3600), 300);
    assert_int_equal(ens_credentials_provider_ecs_ram_role_new(&p, &o), ENS_OK);
    run_threads(p, res); /* all start with nothing cached: they wait for one fetch */
    for (i = 0; i < NTHREADS; i++) {
        assert_int_equal(res[i].failed, 0);
        assert_int_equal(res[i].expired, 0);
        assert_int_equal(res[i].saw_new, 25);
    }
    assert_int_equal(hits(&srv.hits_creds), 1);
    assert_int_equal(hits(&srv.hits_list), 1);
    ens_credentials_provider_free(p);
}

/* ------------------------------------------------------------------ */
/* chains                                                              */
/* ------------------------------------------------------------------ */

static void test_chain_order_and_ownership(void **state)
{
    cb_payload a = {.fail = ENS_ECREDENTIALS, .id = "a"}, b = {.fail = ENS_OK, .id = "b"};
    ens_credentials_provider *ps[3] = {NULL}, *chain = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_credentials_provider_callback_new(&ps[0], cb_fn, &a), ENS_OK);
    assert_int_equal(ens_credentials_provider_callback_new(&ps[1], cb_fn, &b), ENS_OK);
    assert_int_equal(ens_credentials_provider_static_new(&ps[2], "static-id", "s", NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, 3), ENS_OK);
    assert_int_equal(get(chain, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "b-1"); /* first that works */
    ens_credentials_release(c);
    assert_int_equal(atomic_load(&a.calls), 1);
    a.fail = ENS_OK;
    assert_int_equal(get(chain, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "a-2"); /* no cache, order kept */
    ens_credentials_release(c);
    ens_credentials_provider_invalidate(chain);
    ens_credentials_provider_free(chain);

    /* invalid: the providers given are freed anyway */
    assert_int_equal(ens_credentials_provider_static_new(&ps[0], "x", "y", NULL), ENS_OK);
    ps[1] = NULL;
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, 2), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, 0), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_chain_new(NULL, NULL, 1), ENS_EINVAL);
}

static void test_chain_message_truncated(void **state)
{
    enum { N = 6 };
    cb_payload s[N];
    ens_credentials_provider *ps[N], *chain = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    int i;
    (void)state;
    for (i = 0; i < N; i++) {
        memset(&s[i], 0, sizeof(s[i]));
        s[i].fail = ENS_ECREDENTIALS;
        /* each reason but one ~ 250 bytes: together far over 768 */
        snprintf(s[i].id, sizeof(s[i].id), "%d", i);
        s[i].pad = i == 1 ? 0 : 230;
        assert_int_equal(ens_credentials_provider_callback_new(&ps[i], cb_fn, &s[i]), ENS_OK);
    }
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, N), ENS_OK);
    assert_int_equal(get(chain, &c, &err), ENS_ECREDENTIALS);
    assert_int_equal(err.status, ENS_ECREDENTIALS);
    assert_true(strlen(err.description) < sizeof(err.description));
    assert_non_null(strstr(err.description, "no credentials: callback: vault 0"));
    for (i = 0; i < N; i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), "callback: vault %d", i);
        assert_non_null(strstr(err.description, needle));
    }
    /* the short reason is kept whole, the long ones are cut with "..." */
    assert_non_null(strstr(err.description, "callback: vault 1 is sealed;"));
    assert_non_null(strstr(err.description, "ppp...; callback: vault 3"));
    assert_non_null(strstr(err.description, "ppp..."));
    assert_true(strlen(err.description) > sizeof(err.description) - 10); /* the room is used */
    assert_true(strlen(err.description) > 700);
    ens_credentials_provider_free(chain);

    /* short reasons: nothing cut */
    for (i = 0; i < 2; i++)
        assert_int_equal(ens_credentials_provider_callback_new(&ps[i], cb_fn, &s[1]), ENS_OK);
    assert_int_equal(ens_credentials_provider_chain_new(&chain, ps, 2), ENS_OK);
    assert_int_equal(get(chain, &c, &err), ENS_ECREDENTIALS);
    assert_string_equal(err.description,
                        "no credentials: callback: vault 1 is sealed; callback: vault 1 is sealed");
    ens_credentials_provider_free(chain);
}

static void test_default_chain_order(void **state)
{
    char url[64], uri[128], body[1024];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    copy_fixture("config.json", ".aliyun/config.json");
    copy_fixture("credentials.ini", ".alibabacloud/credentials");
    setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE, 1);
    uri_of(uri, sizeof(uri), "");
    setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri, 1);
    creds_json(body, sizeof(body), "uri-id", (time_t)atomic_load(&pinned_now) + 3600);
    set_reply(&srv.uri, 200, body, 0);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-SECRET", 1);

    assert_int_equal(ens_credentials_provider_default_chain_new(&p, &o), ENS_OK);
    /* environment first */
    assert_int_equal(get(p, &c, &err), ENS_OK);
    assert_string_equal(ens_credentials_access_key_id(c), "env-id");
    ens_credentials_release(c);
    /* long-term: cached until invalidated, even when the environment changes */
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    expect_id(p, "env-id");
    /* then the CLI config */
    ens_credentials_provider_invalidate(p);
    expect_id(p, "cli-ak-id");
    /* then the credentials file (a broken CLI config is passed over) */
    setenv("ALIBABA_CLOUD_PROFILE", "ext-profile", 1); /* unsupported in CLI, absent in INI */
    write_file(".alibabacloud/credentials",
               "[ext-profile]\ntype = access_key\naccess_key_id = ini-rp-id\naccess_key_secret = s\n");
    ens_credentials_provider_invalidate(p);
    expect_id(p, "ini-rp-id");
    /* then the RAM role */
    unsetenv("ALIBABA_CLOUD_PROFILE");
    ts_rm_rf(home); /* both files gone */
    mkdir(home, 0700);
    ens_credentials_provider_invalidate(p);
    expect_id(p, "role-id-1");
    assert_int_equal(hits(&srv.hits_uri), 0);
    /* then the URI */
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    ens_credentials_provider_invalidate(p);
    expect_id(p, "uri-id");
    assert_int_equal(hits(&srv.hits_uri), 1);
    expect_id(p, "uri-id"); /* cached */
    assert_int_equal(hits(&srv.hits_uri), 1);
    ens_credentials_provider_free(p);
}

static void test_default_chain_failure_message(void **state)
{
    char url[64], cli[512], ini[512];
    ens_credentials_provider_options o = http_opts(url, sizeof(url));
    ens_credentials_provider *p = NULL;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    /* configured but broken sources holding secrets */
    write_file(".aliyun/config.json",
               "{\"current\":\"d\",\"profiles\":[{\"name\":\"d\",\"mode\":\"RamRoleArn\","
               "\"access_key_id\":\"id\",\"access_key_secret\":\"cfg-SECRET-hunter2\"}]}");
    write_file(".alibabacloud/credentials", "[default]\naccess_key_secret hunter2-SECRET\n");
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-SECRET-only", 1);
    set_reply(&srv.list, 404, "", 0);

    assert_int_equal(ens_credentials_provider_default_chain_new(&p, &o), ENS_OK);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_null(c);
    assert_int_equal(err.status, ENS_ECREDENTIALS);
    home_path(cli, sizeof(cli), ".aliyun/config.json");
    home_path(ini, sizeof(ini), ".alibabacloud/credentials");
    {
        static const char head[] = "no credentials: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set; "
                                   "oidc: ALIBABA_CLOUD_OIDC_TOKEN_FILE is not set; cli config: ";
        assert_memory_equal(err.description, head, sizeof(head) - 1);
    }
    assert_non_null(strstr(err.description, "profile 'd' (mode RamRoleArn) has no ram_role_arn"));
    assert_non_null(strstr(err.description, "; credentials file: "));
    assert_non_null(strstr(err.description, ":2: expected [section] or key = value"));
    assert_non_null(strstr(err.description, "; instance RAM role: metadata service http://127.0.0.1:"));
    assert_non_null(strstr(err.description, "no RAM role is attached"));
    assert_non_null(strstr(err.description, "; credentials URI: ALIBABA_CLOUD_CREDENTIALS_URI is not set"));
    assert_no_secret(err.description);

    /* nothing configured at all, metadata disabled */
    ts_rm_rf(home);
    mkdir(home, 0700);
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    assert_int_equal(get(p, &c, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "cli config: "));
    assert_non_null(strstr(err.description, cli));
    assert_non_null(strstr(err.description, ini));
    assert_non_null(strstr(err.description, " not found; credentials file: "));
    assert_non_null(strstr(err.description,
                           "instance RAM role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED"));
    ens_credentials_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_url),
        cmocka_unit_test_setup_teardown(test_options_validation, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_static_ak_and_sts, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_env_ext_uses_getenv_fn, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_callback_convenience, test_setup, test_teardown),
        cmocka_unit_test(test_version1_vtable),
        cmocka_unit_test_setup_teardown(test_cli_config_modes, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cli_config_paths_and_options, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cli_config_malformed, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_ini_sections, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_ini_malformed, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_discovery, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_named, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_disabled_and_v1, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_bad_answers, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_network_errors, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_uri_provider, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_custom_transport, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cache_refresh_window, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cache_failed_refresh_keeps_valid, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cache_expiry_during_failed_refresh, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cache_refuses_expired_from_inner, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_cache_invalidate, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_refresh_and_invalidate, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_threads_single_flight_refresh, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_threads_cold_cache, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_chain_order_and_ownership, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_chain_message_truncated, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_default_chain_order, http_setup, http_teardown),
        cmocka_unit_test_setup_teardown(test_default_chain_failure_message, http_setup, http_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
