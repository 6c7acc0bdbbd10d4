/* SPDX-License-Identifier: MIT */
/* Internal helpers for filling ens_error. */
#ifndef ENS_LIB_ERROR_H
#define ENS_LIB_ERROR_H

#include <stddef.h>

#include "ensclient/common.h"

/* Clears every field of err (keeps version), sets err->status = st and the
 * description from fmt; returns st.  err may be NULL.  Never pass a secret. */
ens_status ens__error_set(ens_error *err, ens_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears every field of err's version except version (0 becomes 1). */
void ens__error_reset(ens_error *err);

/* Bytes of err's version of the structure: all the library may touch. */
size_t ens__error_size(const ens_error *err);

/* Copies src into dst field by field as far as both versions go (dst keeps
 * its version; fields src lacks are emptied).  NULL dst or src: no-op. */
void ens__error_copy(ens_error *dst, const ens_error *src);

/* Appends to err->description (cut short at its end).  err may be NULL. */
void ens__error_append(ens_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Names the setting that governs err's failure and the remedy: before (may
 * be NULL), "; " and the remedy end the description (the failure's own text
 * is shortened to make room), and a version-2 err gets setting and remedy
 * filled.  err may be NULL.  Never pass a secret. */
void ens__error_remedy(ens_error *err, const char *before, const char *setting, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies src (may be NULL) into dst of capacity cap, truncating, always terminated. */
void ens__strlcpy(char *dst, size_t cap, const char *src);

#endif
