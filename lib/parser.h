/* Internal: body -> typed response (step "parser"), and error bodies. */
#ifndef ENS_LIB_PARSER_H
#define ENS_LIB_PARSER_H

#include <stddef.h>

#include "ensclient/types.h"

/* Interprets an HTTP error answer (status >= 400, or any non-2xx).  Fills err
 * (http_status, code, message, request_id, host_id, recommend, description)
 * and returns ENS_EAUTH for the authentication codes (SignatureDoesNotMatch,
 * InvalidAccessKeyId*, InvalidTimeStamp*, SignatureNonceUsed,
 * InvalidSecurityToken*, IncompleteSignature), ENS_ESERVICE for other codes,
 * ENS_EHTTP when the body is not a JSON object with a string Code. */
ens_status ens__parse_error_body(const char *body, size_t len, long http_status, ens_error *err);

/* Parses "YYYY-MM-DDThh:mm:ssZ" into UTC seconds; (time_t)-1 if malformed. */
time_t ens__parse_utc_time(const char *s);

#endif
