/* Internal: request validation (step "request struct -> validation"). */
#ifndef ENS_LIB_VALIDATE_H
#define ENS_LIB_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* true when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool ens__utf8_valid(const char *s, size_t len);
/* Number of code points of a valid UTF-8 string. */
size_t ens__utf8_length(const char *s, size_t len);
/* true when s contains '\r' or '\n'. */
bool ens__has_crlf(const char *s);

#endif
