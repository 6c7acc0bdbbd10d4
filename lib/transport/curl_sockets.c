/* SPDX-License-Identifier: MIT */
/* The sockets of one libcurl connection cache, and letting go of them in a
 * child process (see curl_sockets.h). */
#include "transport/curl_sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

/* Bumped in the child by the fork handler, where only the thread that called
 * fork() exists; never written anywhere else, so reading it needs no lock. */
static unsigned long fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static bool fork_handler_set; /* written once, under fork_once */

static void on_fork_child(void) { fork_generation++; }

static void register_fork_handler(void)
{
    /* Should it fail (no memory), getpid() still tells a child apart. */
    fork_handler_set = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

int ens__sockets_init(ens__sockets *s)
{
    (void)pthread_once(&fork_once, register_fork_handler);
    s->fds = NULL;
    s->n = s->cap = 0;
    s->gen = fork_generation;
    s->pid = getpid();
    s->placeholder[0] = s->placeholder[1] = -1;
    return pthread_mutex_init(&s->mu, NULL) == 0 ? 0 : -1;
}

void ens__sockets_destroy(ens__sockets *s)
{
    ens__free(s->fds);
    s->fds = NULL;
    s->n = s->cap = 0;
    pthread_mutex_destroy(&s->mu);
}

static bool track(ens__sockets *s, int fd)
{
    bool ok = true;
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8; /* a few per connection cache */
        int *p = ens__realloc(s->fds, cap * sizeof(*p));
        if (p) {
            s->fds = p;
            s->cap = cap;
        } else {
            ok = false;
        }
    }
    if (ok)
        s->fds[s->n++] = fd;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

curl_socket_t ens__sockets_open(ens__sockets *s, const struct curl_sockaddr *addr, bool *oom)
{
    int fd;
    *oom = false;
#ifdef SOCK_CLOEXEC
    fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
#else
    fd = socket(addr->family, addr->socktype, addr->protocol);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
    if (fd < 0)
        return CURL_SOCKET_BAD;
    if (!track(s, fd)) {
        close(fd);
        *oom = true;
        return CURL_SOCKET_BAD;
    }
    return fd;
}

int ens__sockets_close(void *sp, curl_socket_t fd)
{
    ens__sockets *s = sp;
    size_t i;
    pthread_mutex_lock(&s->mu);
    for (i = 0; i < s->n; i++)
        if (s->fds[i] == fd) {
            s->fds[i] = s->fds[--s->n];
            break;
        }
    pthread_mutex_unlock(&s->mu);
    return close(fd);
}

bool ens__sockets_forked(const ens__sockets *s)
{
    /* getpid() is a system call (about 2 us in a loaded VM), asked on every
       request: only without the handler. */
    return s->gen != fork_generation || (!fork_handler_set && s->pid != getpid());
}

bool ens__sockets_disown_begin(ens__sockets *s)
{
    int pair[2];
    size_t i;
    /* Non-blocking: what libcurl then reads finds nothing at once; what it
       writes (a TLS close_notify) lands in the pair's buffer. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
        return false;
    if (fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK) != 0) {
        close(pair[0]);
        close(pair[1]);
        return false;
    }
    pthread_mutex_lock(&s->mu);
    s->placeholder[0] = pair[0];
    s->placeholder[1] = pair[1];
    for (i = 0; i < s->n; i++) {
        struct stat st;
        /* Only what is still a socket: the number of one closed behind the
           list's back may name someone else's file by now. */
        if (fstat(s->fds[i], &st) == 0 && S_ISSOCK(st.st_mode))
            while (dup2(pair[0], s->fds[i]) < 0 && errno == EINTR)
                ;
    }
    pthread_mutex_unlock(&s->mu);
    return true;
}

void ens__sockets_disown_end(ens__sockets *s)
{
    size_t i;
    pthread_mutex_lock(&s->mu);
    for (i = 0; i < s->n; i++) {
        struct stat st;
        if (fstat(s->fds[i], &st) == 0 && S_ISSOCK(st.st_mode))
            close(s->fds[i]);
    }
    s->n = 0;
    if (s->placeholder[0] >= 0) {
        close(s->placeholder[0]);
        close(s->placeholder[1]);
    }
    s->placeholder[0] = s->placeholder[1] = -1;
    s->gen = fork_generation;
    s->pid = getpid();
    pthread_mutex_unlock(&s->mu);
}
