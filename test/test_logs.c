/* SPDX-License-Identifier: MIT */
/* Log lines are safe whatever a server sends: every control character is
 * shown as an escape, every line is bounded, and one callback is one line
 * (lib/call/client.c, ens__client_log() and ens__log_line()).  A loopback
 * server plays hostile answers to both drivers. */
#include <stdio.h>
#include <string.h>

#include "call/client_internal.h"
#include "support/support.h"

/* ---- the escaping itself -------------------------------------------------- */

static void test_escapes(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain text, 100%", "plain text, 100%"},
        {"a\nb\rc\td", "a\\nb\\rc\\td"},
        {"\x1b[31mred\x07", "\\x1b[31mred\\x07"},
        {"nul-free \x01\x1f\x7f", "nul-free \\x01\\x1f\\x7f"},
        {"caf\xc3\xa9 \xe7\x8c\xab \xf0\x9f\x9a\x80", "caf\xc3\xa9 \xe7\x8c\xab \xf0\x9f\x9a\x80"},
        {"csi \xc2\x9b" "2J, nel \xc2\x85", "csi \\u009b2J, nel \\u0085"},
        {"ls \xe2\x80\xa8 ps \xe2\x80\xa9", "ls \\u2028 ps \\u2029"},
        {"bad \xff\xfe, cut \xe7\x8c", "bad \\xff\\xfe, cut \\xe7\\x8c"},
        {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
    };
    char out[64];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ens__log_line(out, sizeof(out), cases[i].in), strlen(cases[i].out));
        assert_string_equal(out, cases[i].out);
    }
}

/* A line too long is cut, never inside an escape or a character, and says
 * so with "...". */
static void test_bounded(void **state)
{
    char in[4096], out[16];
    size_t i;
    (void)state;
    memset(in, 'a', sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    assert_int_equal(ens__log_line(out, sizeof(out), in), 15);
    assert_string_equal(out, "aaaaaaaaaaaa...");
    /* 11 bytes fit before "...": the escape that does not fit is left out whole */
    assert_int_equal(ens__log_line(out, sizeof(out), "aaaaaaaaa\x1b\x1b"), 12);
    assert_string_equal(out, "aaaaaaaaa...");
    assert_int_equal(ens__log_line(out, sizeof(out), "aaaaaaaaaa\xe7\x8c\xab"), 13);
    assert_string_equal(out, "aaaaaaaaaa...");
    /* and what fits exactly is not cut */
    assert_int_equal(ens__log_line(out, sizeof(out), "aaaaaaaa\xe7\x8c\xab"), 11);
    assert_string_equal(out, "aaaaaaaa\xe7\x8c\xab");
    for (i = 0; i + 4 < sizeof(in); i += 4)
        memcpy(in + i, "\x1b\n\r\x07", 4);
    in[i] = '\0';
    assert_true(ens__log_line(out, sizeof(out), in) <= 15);
}

/* ---- hostile answers, both drivers ---------------------------------------- */

/* The reply to send; set under the lock (the server reads it on its own
 * thread), each reply in a buffer of its own. */
typedef struct hostile {
    pthread_mutex_t lock;
    const char *reply;
} hostile;

static void answer(void *ctx, int fd, const char *request, size_t len)
{
    hostile *h = ctx;
    const char *reply;
    (void)request;
    (void)len;
    pthread_mutex_lock(&h->lock);
    reply = h->reply;
    pthread_mutex_unlock(&h->lock);
    ts_send_all(fd, reply, strlen(reply));
}

static void reply_with(hostile *h, const char *reply)
{
    pthread_mutex_lock(&h->lock);
    h->reply = reply;
    pthread_mutex_unlock(&h->lock);
}

/* Every captured line is one safe line: no control byte, no C1 control, no
 * byte that is not UTF-8, within the bound; and as many lines as callbacks. */
static void assert_safe_log(const ts_log *log)
{
    const char *text = ts_log_text(log), *line = text;
    unsigned long newlines = 0;
    while (*line) {
        const char *end = strchr(line, '\n');
        const unsigned char *p;
        assert_non_null(end);
        assert_true((size_t)(end - line) <= ENS__LOG_LINE_MAX);
        for (p = (const unsigned char *)line; p < (const unsigned char *)end; p++) {
            if (*p < 0x20 || *p == 0x7f || *p == 0xff || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
                fail_msg("unsafe byte 0x%02x in log line \"%.*s\"", *p, (int)(end - line), line);
        }
        newlines++;
        line = end + 1;
    }
    assert_int_equal(newlines, log->lines);
}

#define FAKE "[error] DescribeNetworkPeerConnections: credentials rotated"

static void test_hostile_server_text(void **state)
{
    static const char ok_body[] =
        "{\"RequestId\":\"R\\u001b[31m\\r\\n" FAKE "\\u0007\\u009b2J\",\"PageNumber\":1,\"PageSize\":10,"
        "\"TotalCount\":0,\"NetworkPeerConnects\":[]}";
    static const char err_body[] =
        "{\"RequestId\":\"E\\n" FAKE "\",\"Code\":\"InvalidParameter\\u001b]0;pwned\\u0007\","
        "\"Message\":\"line one\\r\\n" FAKE "\\u2028tail\"}";
    static char ok_reply[2048], err_reply[2048];
    char endpoint[64];
    hostile h = {PTHREAD_MUTEX_INITIALIZER, ""};
    ts_http_server *srv = ts_http_start(answer, &h);
    ts_log log = TS_LOG_INIT;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    int d;
    (void)state;
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", (unsigned)ts_http_port(srv));
    c = ts_client(&(ts_client_options){.key_id = "id", .secret = TS_SECRET, .endpoint = endpoint,
                                       .max_attempts = 1, .log = &log, .log_level = ENS_LOG_DEBUG});
    /* a success whose header and body RequestId carry controls */
    snprintf(ok_reply, sizeof(ok_reply),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
             "x-acs-request-id: H\x1b[2J\x07\xff\xc2\x9b" "end\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(ok_body), ok_body);
    /* an error answer whose Code, Message and RequestId carry controls */
    snprintf(err_reply, sizeof(err_reply),
             "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(err_body), err_body);
    for (d = 0; d < 2; d++) {
        ts_log_clear(&log);
        log.lines = 0;
        reply_with(&h, ok_reply);
        assert_int_equal(ts_describe_by(d ? TS_ASYNC : TS_BLOCKING, c, &req, NULL, &resp, &err), ENS_OK);
        ens_describe_response_free(resp);
        resp = NULL;
        reply_with(&h, err_reply);
        assert_int_equal(ts_describe_by(d ? TS_ASYNC : TS_BLOCKING, c, &req, NULL, &resp, &err), ENS_ESERVICE);

        assert_safe_log(&log);
        /* shown, escaped, where they were */
        assert_non_null(strstr(ts_log_text(&log), "x-acs-request-id H\\x1b[2J\\x07\\xff\\u009bend"));
        assert_non_null(strstr(ts_log_text(&log), "RequestId R\\x1b[31m\\r\\n" FAKE "\\x07\\u009b2J"));
        /* (the service's fields come with their controls made spaces already;
           a line separator is left to the log line's escaping) */
        assert_non_null(strstr(ts_log_text(&log), "DescribeNetworkPeerConnections: service error InvalidParameter"));
        assert_non_null(strstr(ts_log_text(&log), " rotated\\u2028tail [RequestId: E"));
        /* no line of the log starts with the forged text */
        assert_null(strstr(ts_log_text(&log), "\n" FAKE));
        assert_true(strncmp(ts_log_text(&log), FAKE, strlen(FAKE)) != 0);
        assert_null(strstr(ts_log_text(&log), TS_SECRET));
    }
    ts_log_clear(&log);
    ens_client_free(c);
    ts_http_stop(srv);
}

/* A long server text makes a bounded line: a RequestId of controls, each
 * shown as a 4-byte escape, goes past the bound and is cut. */
static void test_long_server_text(void **state)
{
    static char body[8192], reply[9000];
    char endpoint[64], rid[4000];
    hostile h = {PTHREAD_MUTEX_INITIALIZER, reply};
    ts_http_server *srv;
    ts_log log = TS_LOG_INIT;
    ens_client *c;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t i;
    (void)state;
    for (i = 0; i + 6 < sizeof(rid); i += 6)
        memcpy(rid + i, "\\u0007", 6);
    rid[i] = '\0';
    snprintf(body, sizeof(body), "{\"RequestId\":\"%s\",\"PageNumber\":1,\"PageSize\":10,\"TotalCount\":0}", rid);
    snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    srv = ts_http_start(answer, &h);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", (unsigned)ts_http_port(srv));
    c = ts_client(&(ts_client_options){.key_id = "id", .secret = TS_SECRET, .endpoint = endpoint,
                                       .max_attempts = 1, .log = &log, .log_level = ENS_LOG_INFO});
    assert_int_equal(ens_describe_peer_connections(c, &req, &resp, &err), ENS_OK);
    ens_describe_response_free(resp);
    assert_int_equal(log.lines, 1);
    assert_safe_log(&log);
    /* the line and its '\n': up to the bound, less what an escape left out */
    assert_true(strlen(ts_log_text(&log)) <= ENS__LOG_LINE_MAX + 1);
    assert_true(strlen(ts_log_text(&log)) > ENS__LOG_LINE_MAX + 1 - 4);
    assert_non_null(strstr(ts_log_text(&log), "RequestId \\x07\\x07"));
    assert_non_null(strstr(ts_log_text(&log), "\\x07...\n"));
    ts_log_clear(&log);
    ens_client_free(c);
    ts_http_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_hostile_server_text),
        cmocka_unit_test(test_long_server_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
