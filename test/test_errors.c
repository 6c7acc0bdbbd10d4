/* SPDX-License-Identifier: MIT */
/* Errors that say what to do (common.h, "What to do about it"), over real
 * sockets, through both drivers: the attempts made where failures are
 * retried, the setting that governs each failure and its remedy; never a
 * secret. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "support/mock.h"

static const ts_driver drivers[] = {TS_BLOCKING, TS_ASYNC};
#define EACH_DRIVER(d) for (size_t d##_i = 0; d##_i < 2 && ((d = drivers[d##_i]), 1); d##_i++)

/* The advice of err: setting as named, a remedy that contains what and
 * ends the description after "; ", and no secret anywhere. */
static void assert_advice(const ens_error *err, const char *setting, const char *what)
{
    size_t dl = strlen(err->description), rl = strlen(err->remedy);
    assert_string_equal(err->setting, setting);
    if (!strstr(err->remedy, what))
        fail_msg("remedy \"%s\" does not say \"%s\"", err->remedy, what);
    assert_true(rl > 0 && dl > rl + 2);
    assert_memory_equal(err->description + dl - rl - 2, "; ", 2);
    assert_string_equal(err->description + dl - rl, err->remedy);
    assert_null(strstr(err->description, ENSMOCK_DEMO_KEY_SECRET));
    assert_null(strstr(err->description, TS_SECRET));
}

static ens_status describe(ts_driver d, ens_client *c, ens_error *err)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_status st;
    ens_error_init(err);
    st = ts_describe_by(d, c, &req, NULL, &resp, err);
    ens_describe_response_free(resp);
    return st;
}

/* "http://127.0.0.1:<a port nobody listens on>" */
static void closed_endpoint(char *out, size_t cap)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd); /* bound, never listened on: connections are refused */
    snprintf(out, cap, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
}

/* ---- TLS: the transport's words, then the attempts and ca_file ---------- */

static void test_self_signed_server(void **state)
{
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.tls = true});
    ens_client *c = ts_mock_client(srv, NULL);
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    char want[256];
    (void)state;
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ETLS);
        assert_int_equal(err.attempts, 1);
        assert_true(strncmp(err.description, "TLS error: ", 11) == 0);
        snprintf(want, sizeof(want),
                 " (after 1 attempt); if %s has a certificate from a private CA, give that CA's PEM bundle "
                 "in ca_file",
                 ensmock_url(srv));
        assert_non_null(strstr(err.description, want));
        assert_advice(&err, "ca_file", "ca_file");
    }
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- the clock: the server's Date against the local clock ---------------- */

static void test_clock_skew_is_measured(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ts_pins behind = {(long long)time(NULL) - 3600, NULL, 0}, ahead = {(long long)time(NULL) + 7200, NULL, 0};
    ens_client *slow = ts_mock_client(srv, &(ts_client_options){.pins = &behind});
    ens_client *fast = ts_mock_client(srv, &(ts_client_options){.pins = &ahead});
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    long long off;
    const char *p;
    (void)state;
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, slow, &err), ENS_EAUTH);
        assert_string_equal(err.code, "InvalidTimeStamp.Expired");
        assert_int_equal(err.attempts, 1);
        assert_advice(&err, "clock", "set the system clock right (NTP)");
        p = strstr(err.remedy, "the local clock is ");
        assert_non_null(p);
        off = atoll(p + 19);
        if (off < 3595 || off > 3605) /* the pinned clock against the server's, to the second */
            fail_msg("offset %lld in \"%s\"", off, err.remedy);
        assert_non_null(strstr(err.remedy, " s behind the server's (its Date: "));
        assert_non_null(strstr(err.remedy, " GMT): "));

        assert_int_equal(describe(d, fast, &err), ENS_EAUTH);
        assert_advice(&err, "clock", " s ahead of the server's (its Date: ");
        off = atoll(strstr(err.remedy, "the local clock is ") + 19);
        assert_true(off >= 7195 && off <= 7205);
    }
    ens_client_free(slow);
    ens_client_free(fast);
    ensmock_stop(srv);
}

/* ---- timeouts: curl's words, the attempts, and the setting at fault ------ */

static void test_deadline_timeout(void **state)
{
    ensmock_faults slow = {.delay_ms = 3000};
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.faults = &slow});
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.timeout_ms = 300});
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    (void)state;
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ETIMEOUT);
        assert_int_equal(err.attempts, 1);
        /* the transport's own words, not the deadline option's */
        assert_true(strncmp(err.description, "timed out: ", 11) == 0);
        assert_null(strstr(err.description, "deadline passed"));
        if (!strstr(err.description, " (after 1 attempt); "))
            fail_msg("%s", err.description);
        assert_advice(&err, "timeout_ms", "raise timeout_ms (now 300 ms for all attempts and waits; ");
    }
    ens_client_free(c);
    ensmock_stop(srv);
}

/* A listener whose queue is full: connection attempts are never answered. */
typedef struct stalled {
    int listener, filler;
    char url[64];
} stalled;

static void stall_start(stalled *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    struct pollfd p;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(s->listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->listener, 0), 0);
    assert_int_equal(getsockname(s->listener, (struct sockaddr *)&a, &len), 0);
    s->filler = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(s->filler, (struct sockaddr *)&a, sizeof(a)), 0);
    p = (struct pollfd){s->listener, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 5000), 1); /* queued: the queue is full */
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
}

static void stall_stop(stalled *s)
{
    close(s->filler);
    close(s->listener);
}

static void test_connect_timeout(void **state)
{
    stalled s;
    ens_client *c;
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    char want[160];
    (void)state;
    stall_start(&s);
    c = ts_client(&(ts_client_options){.key_id = "id", .secret = "secret", .endpoint = s.url,
                                       .connect_timeout_ms = 300, .timeout_ms = 5000, .max_attempts = 2,
                                       .retry_base_delay_ms = 1, .retry_max_delay_ms = 1});
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ETIMEOUT);
        assert_int_equal(err.attempts, 2);
        assert_non_null(strstr(err.description, " (after 2 attempts); "));
        snprintf(want, sizeof(want), "no connection to %s within connect_timeout_ms (300 ms)", s.url);
        assert_advice(&err, "connect_timeout_ms", want);
    }
    ens_client_free(c);
    stall_stop(&s);
}

/* ---- failures that are retried say so --------------------------------------- */

static void test_retried_failures_count_their_attempts(void **state)
{
    ensmock_faults throttled = {.throttle_first_n = 1000}, unavailable = {.unavailable_first_n = 1000};
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.faults = &throttled});
    ts_client_options o = {.retry_base_delay_ms = 1, .retry_max_delay_ms = 2};
    ens_client *c = ts_mock_client(srv, &o), *limited;
    ens_client_options lo = ENS_CLIENT_OPTIONS_INIT;
    char refused[64], want[160];
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    (void)state;
    assert_int_equal(ens_credentials_provider_static_new(&lo.credentials, ENSMOCK_DEMO_KEY_ID,
                                                         ENSMOCK_DEMO_KEY_SECRET, NULL),
                     ENS_OK);
    lo.endpoint = ensmock_url(srv);
    lo.retry_base_delay_ms = 1;
    lo.retry_max_delay_ms = 2;
    lo.rate_limit_per_second = 500;
    assert_int_equal(ens_client_new(&limited, &lo, NULL), ENS_OK);
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ESERVICE);
        assert_string_equal(err.code, "Throttling.User");
        assert_int_equal(err.attempts, 3);
        assert_non_null(strstr(err.description, "] (after 3 attempts); "));
        assert_advice(&err, "rate_limit_per_second", "set rate_limit_per_second below the service's quota");
        assert_int_equal(describe(d, limited, &err), ENS_ESERVICE);
        assert_advice(&err, "rate_limit_per_second", "lower rate_limit_per_second (now 500)");
    }
    assert_int_equal(ensmock_set_faults(srv, &unavailable), ENSMOCK_OK);
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ESERVICE);
        assert_int_equal(err.http_status, 503);
        assert_non_null(strstr(err.description, " (after 3 attempts); "));
        assert_advice(&err, "max_attempts", "allow more attempts (max_attempts, now 3)");
    }
    ens_client_free(limited);
    ens_client_free(c);
    ensmock_stop(srv);

    /* a refused connection, and a name that does not resolve */
    closed_endpoint(refused, sizeof(refused));
    o.key_id = "id";
    o.secret = "secret";
    o.endpoint = refused;
    c = ts_client(&o);
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ENETWORK);
        assert_int_equal(err.attempts, 3);
        assert_non_null(strstr(err.description, " (after 3 attempts); "));
        snprintf(want, sizeof(want), "check the endpoint %s (host name, port)", refused);
        assert_advice(&err, "endpoint", want);
    }
    ens_client_free(c);
    o.endpoint = "https://no-such-host.invalid";
    c = ts_client(&o);
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ENETWORK);
        assert_int_equal(err.attempts, 3);
        assert_non_null(strstr(err.description, " (after 3 attempts); "));
        assert_advice(&err, "endpoint", "check the endpoint https://no-such-host.invalid (host name, port)");
    }
    ens_client_free(c);
}

/* ---- refused credentials: their source and AccessKey ID, never the secret -- */

static void test_refused_credentials_name_their_source(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client *wrong = ts_mock_client(srv, &(ts_client_options){.secret = TS_SECRET});
    ens_client *unknown = ts_mock_client(srv, &(ts_client_options){.key_id = "no-such-key", .secret = TS_SECRET});
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    (void)state;
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, wrong, &err), ENS_EAUTH);
        assert_string_equal(err.code, "SignatureDoesNotMatch");
        assert_int_equal(err.attempts, 1);
        assert_advice(&err, "credentials",
                      "the request was signed with the credentials provider 'static' (AccessKey ID "
                      ENSMOCK_DEMO_KEY_ID "): check that its AccessKey secret is the one issued with that ID");
        assert_int_equal(describe(d, unknown, &err), ENS_EAUTH);
        assert_string_equal(err.code, "InvalidAccessKeyId.NotFound");
        assert_advice(&err, "credentials",
                      "the credentials came from the credentials provider 'static' (AccessKey ID "
                      "no-such-key): check that this AccessKey ID exists and is enabled");
    }
    ens_client_free(wrong);
    ens_client_free(unknown);
    ensmock_stop(srv);
}

/* ---- nothing sent, no attempt ---------------------------------------------- */

static ens_status sealed(void *ctx, ens_credentials **out, ens_error *err)
{
    (void)ctx;
    (void)out;
    ens_error_init(err);
    err->status = ENS_ECREDENTIALS;
    snprintf(err->description, sizeof(err->description), "credentials unavailable: the vault is sealed");
    return ENS_ECREDENTIALS;
}

static void test_nothing_sent_is_no_attempt(void **state)
{
    static const ens_credentials_provider_vtable vt = {.version = ENS_CREDENTIALS_PROVIDER_VTABLE_VERSION,
                                                       .get = sealed};
    ensmock_server *srv = ts_mock_start(NULL);
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *c = NULL;
    ensmock_stats stats;
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    (void)state;
    assert_int_equal(ens_credentials_provider_new(&o.credentials, &vt, NULL), ENS_OK);
    o.endpoint = ensmock_url(srv);
    assert_int_equal(ens_client_new(&c, &o, NULL), ENS_OK);
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ECREDENTIALS);
        assert_int_equal(err.attempts, 0);
        assert_null(strstr(err.description, "attempt"));
        assert_advice(&err, "credentials", "(ens_client_options.credentials)");
    }
    ensmock_stats_get(srv, &stats);
    assert_int_equal(stats.requests, 0);
    ens_client_free(c);
    ensmock_stop(srv);
}

/* ---- the size cap, and plain http --------------------------------------------- */

static void test_size_cap_and_plain_http(void **state)
{
    ensmock_faults big = {.oversize_body_bytes = 8192};
    ensmock_server *srv = ts_mock_start(&(ts_mock_options){.faults = &big});
    ens_client *c = ts_mock_client(srv, &(ts_client_options){.max_response_bytes = 4096});
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_rpc_request req = ENS_RPC_REQUEST_INIT;
    ens_rpc_response *resp = NULL;
    ens_client *none = NULL;
    ens_error err = ENS_ERROR_INIT;
    ts_driver d;
    (void)state;
    EACH_DRIVER(d) {
        assert_int_equal(describe(d, c, &err), ENS_ETOOLARGE);
        assert_advice(&err, "max_response_bytes", "raise max_response_bytes (now 4096 bytes)");
    }
    ens_client_free(c);
    ensmock_stop(srv);

    ens_error_init(&err);
    o.endpoint = "http://ens.example.com";
    assert_int_equal(ens_client_new(&none, &o, &err), ENS_EINVAL);
    assert_non_null(strstr(err.description, "(http://ens.example.com)"));
    assert_advice(&err, "allow_insecure_http", "use https:// or a loopback host, or set allow_insecure_http");
    /* the same rule for an RPC call's own endpoint */
    c = ts_client(&(ts_client_options){.key_id = "id", .secret = "secret", .endpoint = "http://127.0.0.1:1"});
    req.action = "AssumeRole";
    req.api_version = "2015-04-01";
    req.endpoint = "http://sts.example.com";
    EACH_DRIVER(d) {
        ens_error_init(&err);
        assert_int_equal(ts_rpc_by(d, c, &req, NULL, &resp, &err), ENS_EINVAL);
        assert_int_equal(err.attempts, 0);
        assert_advice(&err, "allow_insecure_http", "set allow_insecure_http");
    }
    ens_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_signed_server),
        cmocka_unit_test(test_clock_skew_is_measured),
        cmocka_unit_test(test_deadline_timeout),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_retried_failures_count_their_attempts),
        cmocka_unit_test(test_refused_credentials_name_their_source),
        cmocka_unit_test(test_nothing_sent_is_no_attempt),
        cmocka_unit_test(test_size_cap_and_plain_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
