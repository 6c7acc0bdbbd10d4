/* SPDX-License-Identifier: MIT */
/* Internal: reading a whole file, and the text of an errno value, for the
 * credentials files and the cassettes. */
#ifndef ENS_LIB_FILE_H
#define ENS_LIB_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the whole file at path into a NUL-terminated ens__malloc'd buffer
 * (*data; *len bytes, the NUL not counted; both cleared first).  Refused:
 * a file of more than max bytes (EFBIG); a directory (EISDIR); anything else
 * that is not a regular file (EINVAL), unless any_type (a FIFO or a device
 * could block or never end: only for callers that read what a person points
 * them at, such as "<(...)"; without any_type the open itself never blocks,
 * so a FIFO is refused at once); a regular file that grows while it is read
 * (EFBIG), rather than half of the old and half of the new.  Returns 0, or an
 * errno value (ENOENT, EACCES, ENOMEM, ...).  Every buffer abandoned on the
 * way is wiped: the file may hold secrets. */
int ens__file_read(const char *path, size_t max, bool any_type, char **data, size_t *len);

/* Wipes and frees a buffer from ens__file_read() (NULL: nothing). */
void ens__file_free(char *data, size_t len);

/* The system's text for errno value e (thread-safe), or "error <e>". */
void ens__errno_text(int e, char *buf, size_t cap);

#endif
