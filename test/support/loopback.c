/* A loopback HTTP server for tests that script the wire themselves: one
 * connection at a time, the reply left to a handler. */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Longest request kept; the tests' requests are far shorter. */
#define REQUEST_MAX (64 * 1024)

struct ts_http_server {
    int fd;      /* listening socket */
    int stop[2]; /* a byte written to stop[1] ends the thread */
    unsigned short port;
    pthread_t thread;
    ts_http_handler handler;
    void *ctx;
};

/* Content-Length of the head in buf (NUL-terminated), 0 when absent. */
static size_t content_length(const char *buf, const char *head_end)
{
    const char *line = strstr(buf, "\r\n");
    while (line && line < head_end) {
        line += 2;
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            return (size_t)strtoul(line + 15, NULL, 10);
        line = strstr(line, "\r\n");
    }
    return 0;
}

/* The request head and its body into buf (cap bytes, NUL added); its length. */
static size_t read_request(int fd, char *buf, size_t cap)
{
    size_t got = 0, want = 0;
    buf[0] = '\0';
    while (got < cap - 1) {
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        const char *end;
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        if (!want && (end = strstr(buf, "\r\n\r\n")) != NULL)
            want = (size_t)(end + 4 - buf) + content_length(buf, end);
        if (want && got >= want)
            break;
    }
    return got;
}

static void *serve(void *arg)
{
    ts_http_server *s = arg;
    char *buf = malloc(REQUEST_MAX + 1);
    if (!buf)
        return NULL;
    for (;;) {
        struct pollfd pf[2] = {{s->fd, POLLIN, 0}, {s->stop[0], POLLIN, 0}};
        size_t len;
        int cfd;
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents)
            break;
        cfd = accept(s->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        len = read_request(cfd, buf, REQUEST_MAX + 1);
        s->handler(s->ctx, cfd, buf, len);
        shutdown(cfd, SHUT_WR);
        close(cfd);
    }
    free(buf);
    return NULL;
}

ts_http_server *ts_http_start(ts_http_handler handler, void *ctx)
{
    ts_http_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int one = 1;
    assert_non_null(s);
    s->handler = handler;
    s->ctx = ctx;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(pipe(s->stop), 0);
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 64), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
    return s;
}

unsigned short ts_http_port(const ts_http_server *s)
{
    return s->port;
}

void ts_http_stop(ts_http_server *s)
{
    while (write(s->stop[1], "x", 1) < 0 && errno == EINTR) {
    }
    pthread_join(s->thread, NULL);
    close(s->fd);
    close(s->stop[0]);
    close(s->stop[1]);
    free(s);
}

bool ts_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}
