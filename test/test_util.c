/* SPDX-License-Identifier: MIT */
/* Tests of the URL splitter (lib/util/url.c: the endpoint parser, the
 * replay and record transports and credentials messages use it) and of the
 * whole-file reader (lib/util/file.c: credentials files and cassettes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/url.h"

/* A part as "text", or "(none)" when absent. */
static const char *part(char *buf, const char *p, size_t len)
{
    if (!p)
        return "(none)";
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static void check_split(const char *url, ens__url_bare bare, const char *scheme, const char *userinfo,
                        const char *host, const char *port, const char *path, const char *query,
                        const char *fragment)
{
    ens__url u;
    char b[128];
    ens__url_split(url, bare, &u);
    assert_string_equal(part(b, u.scheme, u.scheme_len), scheme);
    assert_string_equal(part(b, u.userinfo, u.userinfo_len), userinfo);
    assert_string_equal(part(b, u.host, u.host_len), host);
    assert_string_equal(part(b, u.port, u.port_len), port);
    assert_string_equal(part(b, u.path, u.path_len), path);
    assert_string_equal(part(b, u.query, u.query_len), query);
    assert_string_equal(part(b, u.fragment, u.fragment_len), fragment);
}

static void test_split(void **state)
{
    const ens__url_bare P = ENS__URL_BARE_PATH, H = ENS__URL_BARE_HOST;
    (void)state;
    check_split("https://user:pw@host:8443/p/x?q=1&r#frag", P, "https", "user:pw", "host", ":8443",
                "/p/x", "q=1&r", "frag");
    check_split("http://h?q#f", P, "http", "(none)", "h", "", "", "q", "f");
    check_split("http://h", P, "http", "(none)", "h", "", "", "(none)", "(none)");
    check_split("https://", P, "https", "(none)", "", "", "", "(none)", "(none)");
    /* no "scheme://": a request target, or host first */
    check_split("/path?x=http://y", P, "(none)", "(none)", "(none)", "(none)", "/path", "x=http://y",
                "(none)");
    check_split("host/x", P, "(none)", "(none)", "(none)", "(none)", "host/x", "(none)", "(none)");
    check_split("host/x", H, "(none)", "(none)", "host", "", "/x", "(none)", "(none)");
    check_split("host:80", H, "(none)", "(none)", "host", ":80", "", "(none)", "(none)");
    check_split("a/b://c", H, "(none)", "(none)", "a", "", "/b://c", "(none)", "(none)");
    check_split("?a://b", H, "(none)", "(none)", "", "", "", "a://b", "(none)");
    /* IP literals */
    check_split("http://[::1]:9000/", P, "http", "(none)", "[::1]", ":9000", "/", "(none)", "(none)");
    check_split("http://[::1", P, "http", "(none)", "[::1", "", "", "(none)", "(none)");
    check_split("http://[::1]x", P, "http", "(none)", "[::1]", "x", "", "(none)", "(none)");
    /* the last '@' ends the user info: a '@' typed in a password stays in it */
    check_split("http://u:p@ss@host/", P, "http", "u:p@ss", "host", "", "/", "(none)", "(none)");
    check_split("http://h/a@b", P, "http", "(none)", "h", "", "/a@b", "(none)", "(none)");
}

static void test_http_scheme(void **state)
{
    ens__url u;
    bool https = false;
    (void)state;
    ens__url_split("HTTPS://h", ENS__URL_BARE_HOST, &u);
    assert_true(ens__url_http_scheme(&u, &https));
    assert_true(https);
    ens__url_split("Http://h", ENS__URL_BARE_HOST, &u);
    assert_true(ens__url_http_scheme(&u, &https));
    assert_false(https);
    ens__url_split("ftp://h", ENS__URL_BARE_HOST, &u);
    assert_false(ens__url_http_scheme(&u, NULL));
    ens__url_split("httpss://h", ENS__URL_BARE_HOST, &u);
    assert_false(ens__url_http_scheme(&u, NULL));
    ens__url_split("h/http://x", ENS__URL_BARE_HOST, &u);
    assert_false(ens__url_http_scheme(&u, NULL));
}

static void test_loopback(void **state)
{
    /* decided on the parsed address: 127.0.0.0/8 as a plain dotted quad, ::1
       in any spelling (or IPv4-mapped 127/8), "localhost" */
    static const char *const yes[] = {"localhost", "LocalHost", "[::1]", "[0:0::1]",
                                      "[0000:0000:0000:0000:0000:0000:0000:0001]",
                                      "[::ffff:127.0.0.1]", "127.0.0.1", "127.0.0.0",
                                      "127.255.255.255", "127.10.0.7"};
    /* a resolver may send the forms inet_aton() alone reads ("127.1", octal,
       hex) or anything with more parts ("127.0.0.1.5") to DNS */
    static const char *const no[] = {"", "localhost.example", "localhost.", "[::2]", "[::1%25lo]",
                                     "[::ffff:10.0.0.1]", "[::1", "128.0.0.1", "127.0.0.1x",
                                     "127.0.0.1.5", "127.0.0.1.", "127.1", "127.", "127",
                                     "0127.0.0.1", "127.0.0.01", "0x7f.0.0.1", "127.0.0.256",
                                     "127.0.0.1000", "127..0.1", ".127.0.0.1", "::1", "10.0.0.1",
                                     "127.0.0.1.example.com"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!ens__url_host_is_loopback(yes[i], strlen(yes[i])))
            fail_msg("%s: not loopback", yes[i]);
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (ens__url_host_is_loopback(no[i], strlen(no[i])))
            fail_msg("%s: loopback", no[i]);
    /* only the given length counts */
    assert_true(ens__url_host_is_loopback("localhost:80", 9));
}

static void check_display(const char *url, size_t cap, const char *want)
{
    char b[128];
    memset(b, 'x', sizeof(b));
    ens__url_display(b, cap, url);
    assert_string_equal(b, want);
}

static void test_display(void **state)
{
    char b[4] = "abc";
    (void)state;
    check_display("https://user:hunter2@host:8443/path/x?token=hunter2#frag", 128,
                  "https://***@host:8443/path/x");
    check_display("http://127.0.0.1:9/creds", 128, "http://127.0.0.1:9/creds");
    check_display("http://long-host-name/", 8, "http://");
    check_display("host:8080/creds?k=v", 128, "host:8080/creds");
    check_display("u:pw@host", 128, "***@host");
    check_display(NULL, 128, "");
    /* A '@' in the password: all of the user info is hidden (the first '@'
     * used to end it, which showed the rest of the password). */
    check_display("https://AK:pa@ss@host/x", 128, "https://***@host/x");
    /* A "://" in the query is not a scheme (it used to be taken for one,
     * which showed the query). */
    check_display("host/p?u=http://a:b@c", 128, "host/p");
    check_display("?token=x://y", 128, "");
    ens__url_display(b, 0, "http://h"); /* no room at all: untouched */
    assert_string_equal(b, "abc");
}

/* A temporary file holding n bytes of 'a'..'z'. */
static void make_file(char *path, size_t n)
{
    FILE *f;
    size_t i;
    int fd;
    strcpy(path, "/tmp/ens-test-util-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    for (i = 0; i < n; i++)
        fputc('a' + (int)(i % 26), f);
    assert_int_equal(fclose(f), 0);
}

static void test_read_regular(void **state)
{
    char path[64], *data = (char *)1;
    size_t len = 99;
    (void)state;
    make_file(path, 1000);
    assert_int_equal(ens__file_read(path, 1000, false, &data, &len), 0);
    assert_int_equal(len, 1000);
    assert_int_equal(data[0], 'a');
    assert_int_equal(data[999], 'a' + 999 % 26);
    assert_int_equal(data[1000], '\0');
    ens__file_free(data, len);
    /* one byte over the limit */
    assert_int_equal(ens__file_read(path, 999, false, &data, &len), EFBIG);
    assert_null(data);
    assert_int_equal(len, 0);
    unlink(path);
    make_file(path, 0);
    assert_int_equal(ens__file_read(path, 10, false, &data, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    ens__file_free(data, len);
    unlink(path);
    ens__file_free(NULL, 0);
}

static void test_read_refused(void **state)
{
    char *data = NULL, text[128];
    size_t len = 0;
    (void)state;
    assert_int_equal(ens__file_read("/nonexistent/ens-test-util", 10, true, &data, &len), ENOENT);
    assert_int_equal(ens__file_read("/tmp", 10, true, &data, &len), EISDIR);
    /* a device: only when any type is allowed */
    assert_int_equal(ens__file_read("/dev/null", 10, false, &data, &len), EINVAL);
    assert_int_equal(ens__file_read("/dev/null", 10, true, &data, &len), 0);
    assert_int_equal(len, 0);
    ens__file_free(data, len);
    ens__errno_text(ENOENT, text, sizeof(text));
    assert_non_null(strstr(text, "No such file"));
}

/* A pipe holding n bytes, its write end closed: the path of its read end. */
static int filled_pipe(char *path, size_t cap, size_t n)
{
    int fds[2];
    size_t i;
    char chunk[1000];
    assert_int_equal(pipe(fds), 0);
    for (i = 0; i < sizeof(chunk); i++)
        chunk[i] = (char)('0' + i % 10);
    for (i = 0; i < n; i += sizeof(chunk)) {
        size_t k = n - i < sizeof(chunk) ? n - i : sizeof(chunk);
        assert_int_equal(write(fds[1], chunk, k), (ssize_t)k);
    }
    close(fds[1]);
    snprintf(path, cap, "/dev/fd/%d", fds[0]);
    return fds[0];
}

static void test_read_pipe(void **state)
{
    char path[64], *data = NULL;
    size_t len = 0;
    int fd;
    (void)state;
    /* more than the first buffer and its first doubling (a pipe holds 64 KiB) */
    fd = filled_pipe(path, sizeof(path), 40000);
    assert_int_equal(ens__file_read(path, 1u << 20, true, &data, &len), 0);
    assert_int_equal(len, 40000);
    assert_int_equal(data[39999], '9');
    assert_int_equal(data[40000], '\0');
    ens__file_free(data, len);
    close(fd);
    fd = filled_pipe(path, sizeof(path), 40000);
    assert_int_equal(ens__file_read(path, 39999, true, &data, &len), EFBIG);
    close(fd);
    fd = filled_pipe(path, sizeof(path), 40000);
    assert_int_equal(ens__file_read(path, 40000, true, &data, &len), 0);
    assert_int_equal(len, 40000);
    ens__file_free(data, len);
    close(fd);
    fd = filled_pipe(path, sizeof(path), 10);
    assert_int_equal(ens__file_read(path, 100, false, &data, &len), EINVAL);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_http_scheme),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_read_regular),
        cmocka_unit_test(test_read_refused),
        cmocka_unit_test(test_read_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
