/* SPDX-License-Identifier: MIT */
/* Request validation: everything ens_describe_peer_connections() checks
 * before it builds or sends anything. */
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/text.h"
#include "util/utf8.h"
#include "ensclient/types.h"

/* Longest Name the service accepts, in characters (code points). */
#define ENS__NAME_MAX_CHARS 128

ENS_EXTERN void ens_describe_request_init(ens_describe_request *req)
{
    if (!req)
        return;
    memset(req, 0, sizeof(*req));
    req->version = ENS_DESCRIBE_REQUEST_VERSION;
}

/* Checks one string parameter; field is its wire name (may carry an index,
 * e.g. "NetworkIds.3").  Values are never echoed: they may be long or hold
 * control characters. */
static ens_status check_string(const char *field, const char *value, ens_error *err)
{
    if (ens__has_crlf(value))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: %s contains CR or LF", field);
    if (!ens__utf8_valid(value, strlen(value)))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: %s is not valid UTF-8", field);
    return ENS_OK;
}

ENS_EXTERN ens_status ens_describe_request_validate(const ens_describe_request *req, ens_error *err)
{
    ens_status st;
    size_t i;

    if (!req)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: request is NULL");
    if (req->version > ENS_DESCRIBE_REQUEST_VERSION)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: unknown ens_describe_request version %u "
                              "(this library knows up to %u)",
                              req->version, (unsigned int)ENS_DESCRIBE_REQUEST_VERSION);

    if (req->instance_id && (st = check_string("InstanceId", req->instance_id, err)) != ENS_OK)
        return st;
    if (req->ens_region_id && (st = check_string("EnsRegionId", req->ens_region_id, err)) != ENS_OK)
        return st;
    if (req->name) {
        size_t chars;
        if ((st = check_string("Name", req->name, err)) != ENS_OK)
            return st;
        chars = ens__utf8_length(req->name, strlen(req->name));
        if (chars > ENS__NAME_MAX_CHARS)
            return ens__error_set(err, ENS_EINVAL,
                                  "invalid argument: Name must be at most %d characters (got %zu)",
                                  ENS__NAME_MAX_CHARS, chars);
    }

    if (req->network_ids_count > 0 && !req->network_ids)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: NetworkIds is NULL but network_ids_count is %zu",
                              req->network_ids_count);
    for (i = 0; i < req->network_ids_count; i++) {
        const char *id = req->network_ids[i];
        char field[48];
        snprintf(field, sizeof(field), "NetworkIds.%zu", i + 1);
        if (!id)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: %s is NULL", field);
        if (!id[0])
            return ens__error_set(err, ENS_EINVAL, "invalid argument: %s is empty", field);
        if ((st = check_string(field, id, err)) != ENS_OK)
            return st;
    }

    if (req->page_number < 0)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: PageNumber must be 1 or more (got %ld)",
                              (long)req->page_number);
    if (req->page_size != 0 && (req->page_size < 10 || req->page_size > 100))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: PageSize must be between 10 and 100 (got %ld)",
                              (long)req->page_size);
    return ENS_OK;
}
