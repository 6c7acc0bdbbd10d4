/* SPDX-License-Identifier: MIT */
/* Internal: a deep copy of an ens_describe_request in one allocation, for
 * code that keeps a request beyond the call that handed it over. */
#ifndef ENS_LIB_REQUEST_COPY_H
#define ENS_LIB_REQUEST_COPY_H

#include "ensclient/types.h"

/* Copies a validated src into *dst: the numbers by value, every string and
 * the network_ids array into one block, returned in *block (free it with
 * ens__free() once dst is no longer used; NULL when src holds no string).
 * dst->version is set to ENS_DESCRIBE_REQUEST_VERSION.  ENS_OK, or
 * ENS_ENOMEM with *dst and *block untouched. */
ens_status ens__request_copy(const ens_describe_request *src, ens_describe_request *dst, char **block);

#endif
