/* SPDX-License-Identifier: MIT */
/* Internal: checks on caller- or server-supplied text that is about to become
 * part of a request line, a header or a log line. */
#ifndef ENS_LIB_TEXT_H
#define ENS_LIB_TEXT_H

#include <stdbool.h>

/* true when s contains '\r' or '\n' (which would split a header or a line).
 * NULL counts as no text: false. */
bool ens__has_crlf(const char *s);

/* true when s contains any ASCII control character (0x00-0x1F, 0x7F) before
 * its NUL.  NULL: false. */
bool ens__has_ctl(const char *s);

#endif
