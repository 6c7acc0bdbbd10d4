/* SPDX-License-Identifier: MIT */
/* A loopback HTTP server for tests that script the wire themselves: one
 * connection at a time, the reply left to a handler; optionally a listener
 * kept full so that a connection attempt is never answered (a connect
 * timeout on demand).  wire.c builds the transport-answering server on it. */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Longest request kept; the tests' requests are far shorter. */
#define REQUEST_MAX (256 * 1024)
/* How long a request may pause before the server gives up on it. */
#define READ_STALL_MS 5000

struct ts_http_server {
    ts_http_options o;
    int fd;      /* listening socket */
    int wake[2]; /* a byte written to wake[1] makes the thread look at the flags */
    struct sockaddr_in addr;
    pthread_t thread;
    pthread_mutex_t lock;
    bool stopping;
    bool stalled; /* the listener's queue is full on purpose */
    int filler;   /* the connection that fills it, -1 = none */
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

/* The request head and its body into buf (cap bytes, NUL added), or only
 * what the first read brings; its length.  Gives up after a long pause. */
static size_t read_request(int fd, char *buf, size_t cap, bool first_only)
{
    size_t got = 0, want = 0;
    buf[0] = '\0';
    while (got < cap - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        const char *end;
        if (poll(&p, 1, READ_STALL_MS) <= 0)
            break;
        n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        if (first_only)
            break;
        if (!want && (end = strstr(buf, "\r\n\r\n")) != NULL)
            want = (size_t)(end + 4 - buf) + content_length(buf, end);
        if (want && got >= want)
            break;
    }
    return got;
}

/* Closes a connection without a reset: the reply is sent in full, and what
 * the peer still sends (a TLS alert, say) is read and dropped, waiting up
 * to linger_ms for it to close first. */
static void close_gently(int fd, long linger_ms)
{
    char sink[4096];
    long rounds = linger_ms / 10;
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, rounds > 0 ? 10 : 0);
        if (ready > 0 && (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0 || (p.revents & (POLLERR | POLLNVAL))))
            break;
        if (ready == 0 && rounds-- <= 0)
            break;
        if (ready < 0 && errno != EINTR)
            break;
    }
    close(fd);
}

/* With the lock held: when the next connection is to find the listener full
 * (stalls_next), fills its queue (the backlog is 0: one queued connection
 * fills it) so that the client's connection attempt is never answered. */
static void stall_locked(ts_http_server *s)
{
    struct pollfd p;
    if (s->stalled || s->stopping || !s->o.stalls_next || !s->o.stalls_next(s->o.ctx))
        return;
    s->filler = socket(AF_INET, SOCK_STREAM, 0);
    if (s->filler < 0 || connect(s->filler, (struct sockaddr *)&s->addr, sizeof(s->addr)) != 0) {
        fprintf(stderr, "ts_http: cannot fill the listener: %s\n", strerror(errno));
        abort(); /* (not an assertion: this may run on the server's thread) */
    }
    p = (struct pollfd){s->fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) { /* queued: the queue is full */
        fprintf(stderr, "ts_http: the filler never reached the queue\n");
        abort();
    }
    s->stalled = true;
}

static void wake(ts_http_server *s)
{
    while (write(s->wake[1], "x", 1) < 0 && errno == EINTR) {
    }
}

static void *serve(void *arg)
{
    ts_http_server *s = arg;
    char *buf = malloc(REQUEST_MAX + 1);
    if (!buf)
        return NULL;
    for (;;) {
        struct pollfd pf[2] = {{s->wake[0], POLLIN, 0}, {s->fd, POLLIN, 0}};
        bool stalled, stopping;
        size_t len;
        int cfd;
        pthread_mutex_lock(&s->lock);
        stalled = s->stalled;
        stopping = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (stopping)
            break;
        if (poll(pf, stalled ? 1 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].revents) {
            char c[16];
            if (read(s->wake[0], c, sizeof(c)) < 0 && errno != EINTR && errno != EAGAIN)
                break;
            continue;
        }
        if (stalled || !pf[1].revents || (cfd = accept(s->fd, NULL, NULL)) < 0)
            continue;
        len = read_request(cfd, buf, REQUEST_MAX + 1, s->o.first_read_only);
        s->o.handler(s->o.ctx, cfd, buf, len);
        close_gently(cfd, s->o.linger_ms);
    }
    free(buf);
    return NULL;
}

ts_http_server *ts_http_start_ex(const ts_http_options *o)
{
    ts_http_server *s = calloc(1, sizeof(*s));
    socklen_t alen = sizeof(s->addr);
    int one = 1;
    assert_non_null(s);
    assert_non_null(o->handler);
    s->o = *o;
    s->filler = -1;
    s->addr.sin_family = AF_INET;
    s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(pipe(s->wake), 0);
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(s->fd, (struct sockaddr *)&s->addr, sizeof(s->addr)), 0);
    /* a backlog of 0 lets one queued connection fill the queue (stalls) */
    assert_int_equal(listen(s->fd, o->stalls_next ? 0 : 64), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&s->addr, &alen), 0);
    pthread_mutex_init(&s->lock, NULL);
    ts_http_stall_if_due(s);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
    return s;
}

ts_http_server *ts_http_start(ts_http_handler handler, void *ctx)
{
    ts_http_options o = {0};
    o.handler = handler;
    o.ctx = ctx;
    return ts_http_start_ex(&o);
}

unsigned short ts_http_port(const ts_http_server *s)
{
    return ntohs(s->addr.sin_port);
}

void ts_http_stall_if_due(ts_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    stall_locked(s);
    pthread_mutex_unlock(&s->lock);
}

bool ts_http_stalled(ts_http_server *s)
{
    bool stalled;
    pthread_mutex_lock(&s->lock);
    stalled = s->stalled;
    pthread_mutex_unlock(&s->lock);
    return stalled;
}

void ts_http_release(ts_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->stalled) {
        /* The server's thread is not accepting now: the queue is ours. */
        int fd = accept(s->fd, NULL, NULL);
        if (fd >= 0)
            close(fd);
        close(s->filler);
        s->filler = -1;
        s->stalled = false;
        if (s->o.stall_released)
            s->o.stall_released(s->o.ctx);
        stall_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
    wake(s);
}

void ts_http_stop(ts_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_mutex_unlock(&s->lock);
    wake(s);
    pthread_join(s->thread, NULL);
    if (s->filler >= 0)
        close(s->filler);
    close(s->fd);
    close(s->wake[0]);
    close(s->wake[1]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

bool ts_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}
