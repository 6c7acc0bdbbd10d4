/* SPDX-License-Identifier: MIT */
/* Assumed roles end to end over loopback HTTP against the in-tree mock's
 * STS (tools/mock/ens_mock_sts.h): RamRoleArn, OIDC, every CLI-config mode
 * and INI type that goes through STS, the metadata service or a URI, the
 * default chain's order with OIDC, the STS endpoint chosen, refresh before
 * expiry, a failed refresh, an expired token fetched again once, the
 * caller's deadline, and a second action through the generic call. */
#include "support/mock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRC_ID "src-key-id"
#define SRC_SECRET "src-SECRET-5d1e0c"
#define ROLE1 "acs:ram::1234567890123456:role/ens-reader"
#define ROLE2 "acs:ram::1234567890123456:role/ens-admin"
#define PROVIDER_ARN "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1"

static const char *const managed_vars[] = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID",       "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_CONFIG_FILE",         "ALIBABA_CLOUD_PROFILE",           "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",            "ALIBABA_CLOUD_ROLE_SESSION_NAME", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",     "ALIBABA_CLOUD_STS_REGION",        "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
    "ALIBABA_CLOUD_CREDENTIALS_URI",     "ALIBABA_CLOUD_ECS_METADATA",      "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
};
#define N_VARS (sizeof(managed_vars) / sizeof(managed_vars[0]))

static ensmock_server *srv;
static ts_pins pins;   /* the providers' clock (the mock keeps real time) */
static char dir[256];  /* scratch files */

static int setup(void **state)
{
    static const ensmock_key keys[] = {{SRC_ID, SRC_SECRET, NULL},
                                       {ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET, NULL}};
    size_t i;
    (void)state;
    for (i = 0; i < N_VARS; i++)
        unsetenv(managed_vars[i]);
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    setenv("ALIBABA_CLOUD_CONFIG_FILE", "/nonexistent/ensclient-test/config.json", 1);
    setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent/ensclient-test/credentials", 1);
    srv = ts_mock_start(&(ts_mock_options){.keys = keys, .key_count = 2});
    atomic_store(&pins.base, (long long)time(NULL));
    ts_tmpdir(dir, sizeof(dir), "ens-cred-sts");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ensmock_stop(srv);
    ts_rm_rf(dir);
    return 0;
}

static ens_credentials_provider_options sts_opts(void)
{
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    o.sts_endpoint = ensmock_url(srv);
    o.clock_fn = ts_pins_clock;
    o.clock_payload = &pins;
    return o;
}

static ensmock_sts_stats sts_stats(void)
{
    ensmock_sts_stats s;
    ensmock_sts_stats_get(srv, &s);
    return s;
}

static void scratch(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

/* A client on the mock with provider p (taken). */
static ens_client *client_with(ens_credentials_provider *p, ts_log *log)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    o.endpoint = ensmock_url(srv);
    o.credentials = p;
    o.max_attempts = 1;
    if (log) {
        o.log_fn = ts_log_capture;
        o.log_payload = log;
        o.log_level = ENS_LOG_INFO;
    }
    if (ens_client_new(&c, &o, &err) != ENS_OK)
        fail_msg("client: %s", err.description);
    return c;
}

static ens_status describe(ens_client *c, ens_error *err)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_status st;
    ens_error_init(err);
    st = ens_describe_peer_connections(c, &req, &resp, err);
    ens_describe_response_free(resp);
    return st;
}

/* GetCallerIdentity through the generic call: the Arn of who signed. */
static void caller_arn(ens_client *c, char *arn, size_t cap)
{
    ens_rpc_request req = ENS_RPC_REQUEST_INIT;
    ens_rpc_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    const char *body, *a;
    req.action = "GetCallerIdentity";
    req.api_version = "2015-04-01";
    if (ens_rpc_call(c, &req, NULL, &resp, &err) != ENS_OK)
        fail_msg("GetCallerIdentity: %s", err.description);
    body = ens_rpc_response_body(resp, NULL);
    a = strstr(body, "\"Arn\":\"");
    assert_non_null(a);
    a += 7;
    snprintf(arn, cap, "%.*s", (int)strcspn(a, "\""), a);
    ens_rpc_response_free(resp);
}

static ens_credentials *get_ok(ens_credentials_provider *p)
{
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ens_credentials_provider_get(p, &c, &err) != ENS_OK)
        fail_msg("get: %s", err.description);
    return c;
}

static ens_status get_fails(ens_credentials_provider *p, ens_error *err)
{
    ens_credentials *c = NULL;
    ens_status st;
    ens_error_init(err);
    st = ens_credentials_provider_get(p, &c, err);
    assert_null(c);
    assert_null(strstr(err->description, "-SECRET"));
    return st;
}

/* ---------------------------------------------------------------------- */

/* RamRoleArn: the role assumed with the source key, the STS key used for
 * calls, refreshed before expiry, kept when a refresh fails, fetched again
 * (once) when the service says it expired. */
static void test_ram_role_arn_lifecycle(void **state)
{
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *src = NULL, *p = NULL;
    ens_credentials *c;
    ens_client *client;
    ens_error err = ENS_ERROR_INIT;
    ensmock_sts_stats s;
    char arn[256], id1[64], id2[64];
    time_t exp;
    (void)state;
    o.role_arn = ROLE1;
    o.role_session_name = "daemon-7";
    o.role_duration_s = 900;
    o.role_policy = "{\"Version\":\"1\",\"Statement\":[]}";
    o.role_external_id = "ext-42";
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    client = client_with(p, NULL);

    /* assumed with the source key; the STS key is what the calls use */
    assert_int_equal(describe(client, &err), ENS_OK);
    s = sts_stats();
    assert_int_equal(s.assume_role, 1);
    assert_string_equal(s.last_source_key_id, SRC_ID);
    assert_string_equal(s.last_role_arn, ROLE1);
    assert_string_equal(s.last_session_name, "daemon-7");
    assert_string_equal(s.last_policy, "{\"Version\":\"1\",\"Statement\":[]}");
    assert_string_equal(s.last_external_id, "ext-42");
    assert_int_equal(s.last_duration_s, 900);
    caller_arn(client, arn, sizeof(arn));
    assert_string_equal(arn, "acs:ram::1234567890123456:assumed-role/ens-reader/daemon-7");
    c = get_ok(p);
    snprintf(id1, sizeof(id1), "%s", ens_credentials_access_key_id(c));
    assert_string_equal(id1, s.last_issued_key_id);
    assert_non_null(ens_credentials_security_token(c));
    exp = ens_credentials_expiration(c);
    assert_true(exp >= time(NULL) + 890 && exp <= time(NULL) + 910);
    ens_credentials_release(c);
    assert_int_equal(sts_stats().assume_role, 1); /* cached */

    /* refreshed before expiry (3 minutes before, by default); the clock of
       the provider moves, the mock's does not: from now on it issues keys
       that outlive the provider's clock */
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.expires_in_s = 20000}), ENSMOCK_OK);
    atomic_store(&pins.base, (long long)exp - 100);
    assert_int_equal(describe(client, &err), ENS_OK);
    s = sts_stats();
    assert_int_equal(s.assume_role, 2);
    c = get_ok(p);
    snprintf(id2, sizeof(id2), "%s", ens_credentials_access_key_id(c));
    assert_string_not_equal(id2, id1);
    assert_string_equal(id2, s.last_issued_key_id);
    exp = ens_credentials_expiration(c);
    ens_credentials_release(c);

    /* a refresh that fails keeps the valid credentials (and waits before
       trying again) */
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.fail_first_n = 5, .expires_in_s = 20000}),
                     ENSMOCK_OK);
    atomic_store(&pins.base, (long long)exp - 100);
    assert_int_equal(describe(client, &err), ENS_OK);
    assert_int_equal(describe(client, &err), ENS_OK);
    s = sts_stats();
    assert_int_equal(s.injected, 3); /* one refresh (its 3 attempts: 503 is retried), then the back-off */
    assert_int_equal(s.assume_role, 2);
    c = get_ok(p);
    assert_string_equal(ens_credentials_access_key_id(c), id2);
    ens_credentials_release(c);
    atomic_store(&pins.base, (long long)time(NULL)); /* back in step with the mock */

    /* the service says the token expired: fetched again, once, and retried */
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.expires_in_s = 20000}), ENSMOCK_OK);
    ensmock_sts_expire_all(srv);
    assert_int_equal(describe(client, &err), ENS_OK);
    s = sts_stats();
    assert_int_equal(s.expired, 1);
    assert_int_equal(s.assume_role, 3);
    c = get_ok(p);
    assert_string_not_equal(ens_credentials_access_key_id(c), id2);
    ens_credentials_release(c);

    /* only once: new keys refused as well end the call */
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.refuse_issued = true, .expires_in_s = 20000}),
                     ENSMOCK_OK);
    ensmock_sts_expire_all(srv);
    assert_int_equal(describe(client, &err), ENS_EAUTH);
    assert_string_equal(err.code, "InvalidSecurityToken.Expired");
    s = sts_stats();
    assert_int_equal(s.assume_role, 4);
    assert_int_equal(s.expired, 3);
    ens_client_free(client);
}

/* STS's refusals name the endpoint, the role and the service's Code. */
static void test_ram_role_arn_errors(void **state)
{
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *src = NULL, *p = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    o.role_arn = "not-an-arn";
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "STS AssumeRole at http://127.0.0.1:"));
    assert_non_null(strstr(err.description, "for role 'not-an-arn' failed"));
    assert_non_null(strstr(err.description, "InvalidParameter.RoleArn"));
    ens_credentials_provider_free(p);

    /* a source key STS does not know */
    o.role_arn = ROLE1;
    assert_int_equal(ens_credentials_provider_static_new(&src, "unknown-id", "x-SECRET", NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "InvalidAccessKeyId.NotFound"));
    ens_credentials_provider_free(p);

    /* no role at all */
    o.role_arn = NULL;
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ROLE_ARN is not set"));
    setenv("ALIBABA_CLOUD_ROLE_ARN", ROLE2, 1); /* read at each fetch */
    ens_credentials_release(get_ok(p));
    assert_string_equal(sts_stats().last_role_arn, ROLE2);
    ens_credentials_provider_free(p);

    /* bad options; the source is freed anyway */
    o.role_duration_s = 600;
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_EINVAL);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, NULL, NULL), ENS_EINVAL);
}

static void write_text(const char *path, const char *text)
{
    ts_write_file(path, text);
}

/* OIDC: unsigned, the token file read again at every fetch. */
static void test_oidc(void **state)
{
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *p = NULL;
    ens_credentials *c;
    ens_error err = ENS_ERROR_INIT;
    ensmock_sts_stats s;
    char token[512];
    (void)state;
    scratch(token, sizeof(token), "token");
    write_text(token, "oidc-TOKEN-one\n");
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.oidc_provider_arn = PROVIDER_ARN}), ENSMOCK_OK);
    assert_int_equal(ens_credentials_provider_oidc_new(&p, &o), ENS_OK);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_OIDC_TOKEN_FILE is not set"));
    setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token, 1);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN is not set"));
    setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", PROVIDER_ARN, 1);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "ALIBABA_CLOUD_ROLE_ARN is not set"));
    setenv("ALIBABA_CLOUD_ROLE_ARN", ROLE1, 1);
    setenv("ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-1", 1);

    c = get_ok(p);
    assert_true(strncmp(ens_credentials_access_key_id(c), "STS.", 4) == 0);
    ens_credentials_release(c);
    s = sts_stats();
    assert_int_equal(s.assume_role_oidc, 1);
    assert_string_equal(s.last_oidc_token, "oidc-TOKEN-one"); /* white space cut */
    assert_string_equal(s.last_provider_arn, PROVIDER_ARN);
    assert_string_equal(s.last_session_name, "pod-1");
    assert_string_equal(s.last_source_key_id, ""); /* unsigned */

    /* a rotated token is read at the next fetch */
    write_text(token, "oidc-TOKEN-two");
    ens_credentials_provider_invalidate(p);
    ens_credentials_release(get_ok(p));
    assert_string_equal(sts_stats().last_oidc_token, "oidc-TOKEN-two");

    /* refused by STS; an empty token file; not a regular file */
    assert_int_equal(ensmock_sts_set(srv, &(ensmock_sts_options){.oidc_token = "another"}), ENSMOCK_OK);
    ens_credentials_provider_invalidate(p);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "STS AssumeRoleWithOIDC at http://127.0.0.1:"));
    assert_non_null(strstr(err.description, "AuthenticationFail.OIDCToken.Invalid"));
    assert_null(strstr(err.description, "oidc-TOKEN"));
    write_text(token, " \n");
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "is empty"));
    unlink(token);
    assert_int_equal(mkfifo(token, 0600), 0);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "is not a regular file"));
    ens_credentials_provider_free(p);
}

/* ---- a metadata service and a credentials URI on loopback ---- */

static void md_handler(void *ctx, int fd, const char *request, size_t len)
{
    char body[512], out[1024], exp[32];
    time_t t = time(NULL) + 3600;
    struct tm tm;
    const char *id = strstr(request, " /creds") ? "uri-id" : "role-id";
    (void)ctx;
    (void)len;
    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (strncmp(request, "PUT /latest/api/token", 21) == 0)
        snprintf(body, sizeof(body), "md-token");
    else
        snprintf(body, sizeof(body),
                 "{\"Code\":\"Success\",\"AccessKeyId\":\"%s\",\"AccessKeySecret\":\"%s-SECRET\","
                 "\"SecurityToken\":\"%s-TOKEN\",\"Expiration\":\"%s\"}",
                 id, id, id, exp);
    snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(body), body);
    ts_send_all(fd, out, strlen(out));
}

static const char *const cli_profiles[] = {
    "role", "chain", "oidc", "uri", "ecs", "loop1",
};

/* Every CLI-config mode that needs a source, end to end. */
static void test_cli_config_modes(void **state)
{
    ts_http_server *md = ts_http_start(md_handler, NULL);
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *p = NULL;
    ens_credentials *c;
    ens_error err = ENS_ERROR_INIT;
    ensmock_sts_stats s;
    char cfg[512], token[512], text[4096], base[64];
    size_t i;
    (void)state;
    scratch(cfg, sizeof(cfg), "config.json");
    scratch(token, sizeof(token), "token");
    write_text(token, "cli-oidc-TOKEN");
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", ts_http_port(md));
    snprintf(text, sizeof(text),
             "{\"current\":\"role\",\"profiles\":["
             "{\"name\":\"role\",\"mode\":\"RamRoleArn\",\"access_key_id\":\"" SRC_ID "\","
             "\"access_key_secret\":\"" SRC_SECRET "\",\"ram_role_arn\":\"" ROLE1 "\","
             "\"ram_session_name\":\"cli-role\",\"expired_seconds\":1800,\"external_id\":\"cli-ext\"},"
             "{\"name\":\"chain\",\"mode\":\"ChainableRamRoleArn\",\"source_profile\":\"role\","
             "\"ram_role_arn\":\"" ROLE2 "\",\"ram_session_name\":\"cli-chain\"},"
             "{\"name\":\"oidc\",\"mode\":\"OIDC\",\"ram_role_arn\":\"" ROLE1 "\","
             "\"oidc_provider_arn\":\"" PROVIDER_ARN "\",\"oidc_token_file\":\"%s\"},"
             "{\"name\":\"uri\",\"mode\":\"CredentialsURI\",\"credentials_uri\":\"%s/creds\"},"
             "{\"name\":\"ecs\",\"mode\":\"EcsRamRole\",\"ram_role_name\":\"EdgeRole\"},"
             "{\"name\":\"loop1\",\"mode\":\"ChainableRamRoleArn\",\"source_profile\":\"loop2\","
             "\"ram_role_arn\":\"" ROLE1 "\"},"
             "{\"name\":\"loop2\",\"mode\":\"ChainableRamRoleArn\",\"source_profile\":\"loop1\","
             "\"ram_role_arn\":\"" ROLE1 "\"}]}",
             token, base);
    write_text(cfg, text);
    chmod(cfg, 0600);
    o.cli_config_file = cfg;
    o.metadata_base_url = base;
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");

    for (i = 0; i < sizeof(cli_profiles) / sizeof(cli_profiles[0]); i++) {
        o.profile = cli_profiles[i];
        assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
        if (strcmp(o.profile, "loop1") == 0) {
            assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
            assert_non_null(strstr(err.description, "more than 8 deep"));
            ens_credentials_provider_free(p);
            continue;
        }
        c = get_ok(p);
        s = sts_stats();
        if (strcmp(o.profile, "role") == 0) {
            assert_int_equal(s.assume_role, 1);
            assert_string_equal(s.last_source_key_id, SRC_ID);
            assert_string_equal(s.last_session_name, "cli-role");
            assert_string_equal(s.last_external_id, "cli-ext");
            assert_int_equal(s.last_duration_s, 1800);
            ens_credentials_release(c);
            c = get_ok(p); /* the provider (and its cache) is kept */
            assert_int_equal(sts_stats().assume_role, 1);
        } else if (strcmp(o.profile, "chain") == 0) {
            /* the source role first, then the chained one with its key */
            assert_int_equal(s.assume_role, 3);
            assert_string_equal(s.last_role_arn, ROLE2);
            assert_true(strncmp(s.last_source_key_id, "STS.", 4) == 0);
            assert_string_equal(s.last_session_name, "cli-chain");
        } else if (strcmp(o.profile, "oidc") == 0) {
            assert_int_equal(s.assume_role_oidc, 1);
            assert_string_equal(s.last_oidc_token, "cli-oidc-TOKEN");
        } else if (strcmp(o.profile, "uri") == 0) {
            assert_string_equal(ens_credentials_access_key_id(c), "uri-id");
        } else {
            assert_string_equal(ens_credentials_access_key_id(c), "role-id");
        }
        if (strcmp(o.profile, "uri") && strcmp(o.profile, "ecs"))
            assert_string_equal(ens_credentials_access_key_id(c), sts_stats().last_issued_key_id);
        ens_credentials_release(c);
        ens_credentials_provider_free(p);
    }

    /* a changed profile makes a new provider */
    o.profile = "role";
    assert_int_equal(ens_credentials_provider_cli_config_new(&p, &o), ENS_OK);
    ens_credentials_release(get_ok(p));
    s = sts_stats();
    assert_string_equal(s.last_session_name, "cli-role");
    {
        char *pos, again[4096];
        snprintf(again, sizeof(again), "%s", text);
        pos = strstr(again, "cli-role");
        memcpy(pos, "cli-rolX", 8);
        write_text(cfg, again);
    }
    ens_credentials_release(get_ok(p));
    s = sts_stats();
    assert_string_equal(s.last_session_name, "cli-rolX");
    ens_credentials_provider_free(p);
    ts_http_stop(md);
}

/* The INI types that need a source. */
static void test_ini_types(void **state)
{
    ts_http_server *md = ts_http_start(md_handler, NULL);
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *p = NULL;
    ens_credentials *c;
    ensmock_sts_stats s;
    char ini[512], token[512], text[2048], base[64];
    (void)state;
    scratch(ini, sizeof(ini), "credentials");
    scratch(token, sizeof(token), "token");
    write_text(token, "ini-oidc-TOKEN");
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", ts_http_port(md));
    snprintf(text, sizeof(text),
             "[r]\ntype = ram_role_arn\naccess_key_id = " SRC_ID "\naccess_key_secret = " SRC_SECRET
             "\nrole_arn = " ROLE2 "\nrole_session_name = ini-role\npolicy = {\"Version\":\"1\"}\n"
             "[o]\ntype = oidc_role_arn\nrole_arn = " ROLE1 "\noidc_provider_arn = " PROVIDER_ARN
             "\noidc_token_file_path = %s\n"
             "[e]\ntype = ecs_ram_role\nrole_name = EdgeRole\n",
             token);
    write_text(ini, text);
    o.credentials_file = ini;
    o.metadata_base_url = base;
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");

    o.profile = "r";
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    c = get_ok(p);
    s = sts_stats();
    assert_string_equal(s.last_role_arn, ROLE2);
    assert_string_equal(s.last_source_key_id, SRC_ID);
    assert_string_equal(s.last_session_name, "ini-role");
    assert_string_equal(s.last_policy, "{\"Version\":\"1\"}");
    assert_string_equal(ens_credentials_access_key_id(c), s.last_issued_key_id);
    ens_credentials_release(c);
    ens_credentials_provider_free(p);

    o.profile = "o";
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    ens_credentials_release(get_ok(p));
    assert_string_equal(sts_stats().last_oidc_token, "ini-oidc-TOKEN");
    ens_credentials_provider_free(p);

    o.profile = "e";
    assert_int_equal(ens_credentials_provider_credentials_file_new(&p, &o), ENS_OK);
    c = get_ok(p);
    assert_string_equal(ens_credentials_access_key_id(c), "role-id");
    ens_credentials_release(c);
    ens_credentials_provider_free(p);
    ts_http_stop(md);
}

/* The default chain: environment, OIDC, CLI config, ... in that order. */
static void test_default_chain_oidc_second(void **state)
{
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *p = NULL;
    ens_credentials *c;
    char cfg[512], token[512];
    (void)state;
    scratch(cfg, sizeof(cfg), "config.json");
    scratch(token, sizeof(token), "token");
    write_text(cfg, "{\"current\":\"d\",\"profiles\":[{\"name\":\"d\",\"mode\":\"AK\","
                    "\"access_key_id\":\"cli-id\",\"access_key_secret\":\"cli-SECRET\"}]}");
    chmod(cfg, 0600);
    write_text(token, "chain-oidc-TOKEN");
    setenv("ALIBABA_CLOUD_CONFIG_FILE", cfg, 1);
    setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token, 1);
    setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", PROVIDER_ARN, 1);
    setenv("ALIBABA_CLOUD_ROLE_ARN", ROLE1, 1);
    assert_int_equal(ens_credentials_provider_default_chain_new(&p, &o), ENS_OK);

    c = get_ok(p); /* OIDC before the CLI config */
    assert_true(strncmp(ens_credentials_access_key_id(c), "STS.", 4) == 0);
    ens_credentials_release(c);
    assert_int_equal(sts_stats().assume_role_oidc, 1);

    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id", 1); /* the environment before OIDC */
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-SECRET", 1);
    ens_credentials_provider_invalidate(p);
    c = get_ok(p);
    assert_string_equal(ens_credentials_access_key_id(c), "env-id");
    ens_credentials_release(c);

    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    unsetenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE"); /* outside a pod */
    ens_credentials_provider_invalidate(p);
    c = get_ok(p);
    assert_string_equal(ens_credentials_access_key_id(c), "cli-id");
    ens_credentials_release(c);
    assert_int_equal(sts_stats().assume_role_oidc, 1);
    ens_credentials_provider_free(p);
}

/* ---- where the STS call goes: a transport that only looks ---- */

static char seen_url[1024];
static char seen_action[64];

static ens_status sts_spy_send(void *ctx, const ens_http_request *req, ens_http_response *resp, ens_error *err)
{
    char body[512], exp[32];
    time_t t = time(NULL) + 3600;
    struct tm tm;
    size_t i;
    (void)ctx;
    (void)err;
    snprintf(seen_url, sizeof(seen_url), "%s", req->url);
    for (i = 0; i < req->header_count; i++)
        if (strcmp(req->headers[i].name, "x-acs-action") == 0)
            snprintf(seen_action, sizeof(seen_action), "%s", req->headers[i].value);
    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof(body),
             "{\"RequestId\":\"r\",\"Credentials\":{\"AccessKeyId\":\"STS.spy\",\"AccessKeySecret\":"
             "\"spy-SECRET\",\"SecurityToken\":\"spy-TOKEN\",\"Expiration\":\"%s\"}}",
             exp);
    ens_http_response_set_status(resp, 200);
    return ens_http_response_append_body(resp, body, strlen(body));
}

static void expect_endpoint(const ens_credentials_provider_options *o, const char *prefix)
{
    ens_credentials_provider *src = NULL, *p = NULL;
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, o), ENS_OK);
    seen_url[0] = '\0';
    ens_credentials_release(get_ok(p));
    if (strncmp(seen_url, prefix, strlen(prefix)) != 0)
        fail_msg("expected a request to %s, got %s", prefix, seen_url);
    assert_string_equal(seen_action, "AssumeRole");
    ens_credentials_provider_free(p);
}

static void test_sts_endpoint(void **state)
{
    static const ens_transport_vtable vt = {.version = ENS_TRANSPORT_VTABLE_VERSION, .send = sts_spy_send};
    ens_credentials_provider_options o = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
    ens_credentials_provider *p = NULL, *src = NULL;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    (void)state;
    assert_int_equal(ens_transport_new(&t, &vt, NULL), ENS_OK);
    o.transport = t;
    o.role_arn = ROLE1;
    expect_endpoint(&o, "https://sts.aliyuncs.com/?");
    setenv("ALIBABA_CLOUD_STS_REGION", "cn-shanghai", 1);
    expect_endpoint(&o, "https://sts.cn-shanghai.aliyuncs.com/?");
    setenv("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "TRUE", 1);
    expect_endpoint(&o, "https://sts-vpc.cn-shanghai.aliyuncs.com/?");
    unsetenv("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
    o.sts_region = "cn-beijing"; /* the option wins */
    o.sts_vpc = true;
    expect_endpoint(&o, "https://sts-vpc.cn-beijing.aliyuncs.com/?");
    o.sts_endpoint = "sts.example.test:8443"; /* a bare host means https */
    expect_endpoint(&o, "https://sts.example.test:8443/?");

    /* plain http only to loopback */
    o.sts_endpoint = "http://sts.example.test";
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_non_null(strstr(err.description, "allow_insecure_http"));
    ens_credentials_provider_free(p);
    ens_transport_free(t);
}

/* The caller's deadline bounds the STS call; the provider's own timeout is
 * a failure of the source. */
static void test_sts_deadline(void **state)
{
    ens_credentials_provider_options o = sts_opts();
    ens_credentials_provider *src = NULL, *p = NULL;
    ens_credentials_get_options g = ENS_CREDENTIALS_GET_OPTIONS_INIT;
    ens_credentials *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    ensmock_faults slow = {.delay_ms = 1500};
    double t0;
    (void)state;
    o.role_arn = ROLE1;
    assert_int_equal(ensmock_set_faults(srv, &slow), ENSMOCK_OK);
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    g.timeout_ms = 300;
    t0 = ts_now_ms();
    assert_int_equal(ens_credentials_provider_get_ex(p, &g, &c, &err), ENS_ETIMEOUT);
    assert_true(ts_now_ms() - t0 < 1000);
    assert_null(c);
    ens_credentials_provider_free(p);

    o.sts_timeout_ms = 300;
    assert_int_equal(ens_credentials_provider_static_new(&src, SRC_ID, SRC_SECRET, NULL), ENS_OK);
    assert_int_equal(ens_credentials_provider_ram_role_arn_new(&p, src, &o), ENS_OK);
    t0 = ts_now_ms();
    assert_int_equal(get_fails(p, &err), ENS_ECREDENTIALS);
    assert_true(ts_now_ms() - t0 < 1000);
    assert_non_null(strstr(err.description, "timed out"));
    ens_credentials_provider_free(p);
    assert_int_equal(ensmock_set_faults(srv, NULL), ENSMOCK_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ram_role_arn_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_role_arn_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oidc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_config_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ini_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_chain_oidc_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts_deadline, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
