/* SPDX-License-Identifier: MIT */
/* Cancellation tokens: an atomic flag plus a self-pipe.
 *
 * ens_cancel_trigger() must be callable from a signal handler, so it may
 * only touch lock-free atomics and call async-signal-safe functions: it sets
 * the flag and, on the flag's false -> true transition only, writes one byte
 * to the pipe (write(2) is async-signal-safe; a mutex and a condition
 * variable are not).  Waiters poll(2) the read end, so a trigger wakes them
 * at once from any thread or handler.  ens_cancel_reset() reads that byte
 * back on the true -> false transition: the pipe holds one byte exactly
 * while the token is triggered, so a wait never spins on a stale byte. */
#include "util/cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"

/* A signal handler may only use lock-free atomics. */
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "ens_cancel_trigger() needs a lock-free atomic_bool");

struct ens_cancel {
    atomic_bool triggered;
    int rd, wr; /* the self-pipe: rd is polled by waiters, wr written by the trigger */
};

long long ens__now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int set_fd_flags(int fd, bool nonblock)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    if (nonblock && ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
        return -1;
    return 0;
}

ENS_EXTERN ens_status ens_cancel_new(ens_cancel **out)
{
    ens_cancel *c;
    int fds[2];
    if (!out)
        return ENS_EINVAL;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    if (pipe(fds) != 0) {
        ens__free(c);
        return ENS_ENOMEM; /* out of descriptors: a resource, like memory */
    }
    /* The write end never blocks (it never holds more than one byte anyway);
       the read end blocks, for ens_cancel_reset() (see there). */
    if (set_fd_flags(fds[0], false) != 0 || set_fd_flags(fds[1], true) != 0) {
        close(fds[0]);
        close(fds[1]);
        ens__free(c);
        return ENS_ENOMEM;
    }
    atomic_init(&c->triggered, false);
    c->rd = fds[0];
    c->wr = fds[1];
    *out = c;
    return ENS_OK;
}

ENS_EXTERN void ens_cancel_trigger(ens_cancel *cancel)
{
    int saved;
    if (!cancel || atomic_exchange(&cancel->triggered, true))
        return; /* already triggered: its byte is in the pipe */
    saved = errno; /* a signal handler must leave errno as it found it */
    while (write(cancel->wr, "!", 1) < 0 && errno == EINTR) {
    }
    errno = saved;
}

ENS_EXTERN bool ens_cancel_is_triggered(const ens_cancel *cancel)
{
    return cancel && atomic_load(&((ens_cancel *)cancel)->triggered);
}

ENS_EXTERN void ens_cancel_reset(ens_cancel *cancel)
{
    char byte;
    if (!cancel || !atomic_exchange(&cancel->triggered, false))
        return;
    /* The trigger that set the flag writes its byte right after; if it has
       not yet, this read waits those few instructions for it. */
    while (read(cancel->rd, &byte, 1) < 0 && errno == EINTR) {
    }
}

ENS_EXTERN void ens_cancel_free(ens_cancel *cancel)
{
    if (!cancel)
        return;
    close(cancel->rd);
    close(cancel->wr);
    ens__free(cancel);
}

int ens__cancel_fd(const ens_cancel *cancel)
{
    return cancel ? cancel->rd : -1;
}

static void sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

bool ens__cancel_wait(const ens_cancel *cancel, long ms)
{
    long long deadline;
    if (ms <= 0)
        return ens_cancel_is_triggered(cancel);
    if (!cancel) {
        sleep_ms(ms);
        return false;
    }
    deadline = ens__now_ms() + ms;
    for (;;) {
        struct pollfd p;
        long long left;
        int rc;
        if (ens_cancel_is_triggered(cancel))
            return true;
        left = deadline - ens__now_ms();
        if (left <= 0)
            return false;
        p.fd = cancel->rd;
        p.events = POLLIN;
        p.revents = 0;
        rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc < 0 && errno != EINTR && errno != EAGAIN)
            sleep_ms(left < 10 ? (long)left : 10); /* poll cannot work: a short bounded nap */
        else if (rc > 0 && !ens_cancel_is_triggered(cancel))
            sleep_ms(1); /* a reset is reading the byte back: let it */
    }
}
