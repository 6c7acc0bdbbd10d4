/**
 * @file cancel.h
 * @brief Cancelling a call in progress from another thread.
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
 * Hand it to calls through ::ens_call_options; trigger it from any thread to
 * make those calls return ::ENS_ECANCELED soon: immediately when they are
 * sleeping between retries or waiting for the rate limiter, and within about
 * a second when they are inside the libcurl transport (libcurl polls its
 * progress callback at least once a second).
 */
typedef struct ens_cancel ens_cancel;

/** @brief Creates an untriggered token.  @return ::ENS_OK, ::ENS_EINVAL, ::ENS_ENOMEM. */
ENS_EXTERN ens_status ens_cancel_new(ens_cancel **out);
/** @brief Triggers the token (idempotent).  Thread-safe; not async-signal-safe.  NULL accepted. */
ENS_EXTERN void ens_cancel_trigger(ens_cancel *cancel);
/** @brief true once triggered (until reset).  Thread-safe.  NULL gives false. */
ENS_EXTERN bool ens_cancel_is_triggered(const ens_cancel *cancel);
/** @brief Untriggers the token so it can be reused.  Thread-safe. */
ENS_EXTERN void ens_cancel_reset(ens_cancel *cancel);
/** @brief Frees the token.  No call may still be using it.  NULL accepted. */
ENS_EXTERN void ens_cancel_free(ens_cancel *cancel);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_CANCEL_H */
