/* SPDX-License-Identifier: MIT */
/**
 * @file cancel.h
 * @brief Cancelling calls and walks in progress, from another thread or a signal handler.
 */
#ifndef ENSCLIENT_CANCEL_H
#define ENSCLIENT_CANCEL_H

#include <stdbool.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A cancellation token.  Opaque.
 *
 * Hand it to calls through ::ens_call_options and to walks through
 * ::ens_iterator_options; trigger it from any thread, or from a signal
 * handler, to make them return ::ENS_ECANCELED soon:
 * - at once when they are sleeping between retries, waiting for the rate
 *   limiter, or (a parallel walk) waiting for pages in flight;
 * - within about a second when they are inside the libcurl transport
 *   (libcurl polls its progress callback at least once a second).
 *
 * How: the token is an atomic flag plus a self-pipe.  ens_cancel_trigger()
 * sets the flag and writes one byte to the pipe (only when the flag was not
 * set yet); waits poll(2) the pipe, so they wake at once whoever triggers.
 * Each token therefore holds two file descriptors (close-on-exec) until
 * ens_cancel_free().
 *
 * @code
 * static ens_cancel *stop;                    // created before the handler is installed
 * static void on_sigint(int sig) { (void)sig; ens_cancel_trigger(stop); }
 * ...
 * ens_cancel_new(&stop);
 * signal(SIGINT, on_sigint);                  // or sigaction()
 * io.cancel = stop;                           // ens_iterator_options, or ens_call_options
 * @endcode
 */
typedef struct ens_cancel ens_cancel;

/**
 * @brief Creates an untriggered token.
 * @param out receives the token, owned by the caller (ens_cancel_free());
 *            unchanged on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL @p out); ::ENS_ENOMEM (no memory, or
 *         no file descriptor left for the token's pipe).
 * Thread-safe.
 */
ENS_EXTERN ens_status ens_cancel_new(ens_cancel **out);

/**
 * @brief Triggers the token (idempotent).  NULL accepted.
 *
 * Async-signal-safe: it only sets a lock-free atomic flag and, the first time,
 * calls write(2) (errno is preserved), so a SIGINT or SIGTERM handler may call
 * it directly, while calls using the token are under way in any thread.
 * Thread-safe.
 */
ENS_EXTERN void ens_cancel_trigger(ens_cancel *cancel);

/** @brief true once triggered (until reset).  Thread-safe and async-signal-safe.  NULL gives false. */
ENS_EXTERN bool ens_cancel_is_triggered(const ens_cancel *cancel);

/**
 * @brief Untriggers the token so it can be reused.  NULL accepted.
 *
 * Thread-safe, but not async-signal-safe.  Reset it only when no call or walk
 * is using it (a trigger racing with a reset may be lost).  A walk stopped with
 * ::ENS_ECANCELED resumes once its token is reset (see iterator.h).
 */
ENS_EXTERN void ens_cancel_reset(ens_cancel *cancel);

/** @brief Frees the token and closes its descriptors.  No call may still be using it.  NULL accepted. */
ENS_EXTERN void ens_cancel_free(ens_cancel *cancel);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CANCEL_H */
