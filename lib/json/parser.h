/* SPDX-License-Identifier: MIT */
/* Internal: what lib/json/ offers the rest of the library besides the public
 * ens_describe_response_parse() (json/page.c, over the lexer of json/lex.h):
 * reading service error documents (json/error_doc.c). */
#ifndef ENS_LIB_PARSER_H
#define ENS_LIB_PARSER_H

#include <stddef.h>

#include "ensclient/common.h"

/* Interprets an HTTP error answer (status >= 400, or any non-2xx).  body need
 * not be NUL-terminated and may be NULL when len is 0.  Fills err (status,
 * http_status, code, message, request_id, host_id, recommend, description;
 * attempts is left 0 for the caller to set) and returns ENS_EAUTH for the
 * authentication codes (SignatureDoesNotMatch, IncompleteSignature,
 * InvalidAccessKeyId and InvalidAccessKeyId.*, InvalidTimeStamp and
 * InvalidTimeStamp.*, SignatureNonceUsed, InvalidSecurityToken and
 * InvalidSecurityToken.*), ENS_ESERVICE for any other non-empty Code,
 * ENS_EHTTP when the body is not a JSON object with a non-empty string Code
 * (RequestId is still copied when a JSON object carried one), ENS_ENOMEM when
 * jansson ran out of memory.  err may be NULL (the status is still returned). */
ens_status ens__parse_error_body(const char *body, size_t len, long http_status, ens_error *err);

#endif
