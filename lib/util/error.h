/* Internal helpers for filling ens_error. */
#ifndef ENS_LIB_ERROR_H
#define ENS_LIB_ERROR_H

#include <stddef.h>

#include "ensclient/common.h"

/* Clears every field of err (keeps version), sets err->status = st and the
 * description from fmt; returns st.  err may be NULL.  Never pass a secret. */
ens_status ens__error_set(ens_error *err, ens_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears every field of err except version. */
void ens__error_reset(ens_error *err);

/* Copies src (may be NULL) into dst of capacity cap, truncating, always terminated. */
void ens__strlcpy(char *dst, size_t cap, const char *src);

#endif
