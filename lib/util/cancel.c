/* Cancellation tokens: an atomic flag plus a condition variable so that
 * sleeping callers wake up at once. */
#include "util/cancel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/alloc.h"

struct ens_cancel {
    atomic_bool triggered;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* uses CLOCK_MONOTONIC */
};

long long ens__now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

ENS_EXTERN ens_status ens_cancel_new(ens_cancel **out)
{
    ens_cancel *c;
    pthread_condattr_t attr;
    if (!out)
        return ENS_EINVAL;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    atomic_init(&c->triggered, false);
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        ens__free(c);
        return ENS_ENOMEM;
    }
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&c->lock);
        ens__free(c);
        return ENS_ENOMEM;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&c->cond, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&c->lock);
        ens__free(c);
        return ENS_ENOMEM;
    }
    pthread_condattr_destroy(&attr);
    *out = c;
    return ENS_OK;
}

ENS_EXTERN void ens_cancel_trigger(ens_cancel *cancel)
{
    if (!cancel)
        return;
    pthread_mutex_lock(&cancel->lock);
    atomic_store(&cancel->triggered, true);
    pthread_cond_broadcast(&cancel->cond);
    pthread_mutex_unlock(&cancel->lock);
}

ENS_EXTERN bool ens_cancel_is_triggered(const ens_cancel *cancel)
{
    return cancel && atomic_load(&((ens_cancel *)cancel)->triggered);
}

ENS_EXTERN void ens_cancel_reset(ens_cancel *cancel)
{
    if (cancel)
        atomic_store(&cancel->triggered, false);
}

ENS_EXTERN void ens_cancel_free(ens_cancel *cancel)
{
    if (!cancel)
        return;
    pthread_cond_destroy(&cancel->cond);
    pthread_mutex_destroy(&cancel->lock);
    ens__free(cancel);
}

bool ens__cancel_wait(const ens_cancel *cancel, long ms)
{
    struct timespec ts;
    if (ms <= 0)
        return ens_cancel_is_triggered(cancel);
    if (!cancel) {
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&d, &d) != 0 && errno == EINTR) {
        }
        return false;
    }
    {
        ens_cancel *c = (ens_cancel *)cancel;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&c->lock);
        while (!atomic_load(&c->triggered)) {
            if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
                break;
        }
        pthread_mutex_unlock(&c->lock);
        return atomic_load(&c->triggered);
    }
}
