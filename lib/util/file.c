/* SPDX-License-Identifier: MIT */
/* Whole-file reads and errno texts (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

/* First buffer for a file whose size fstat cannot tell (a pipe). */
#define UNSIZED_START 16384

int ens__file_read(const char *path, size_t max, bool any_type, char **data, size_t *len)
{
    struct stat sb;
    char *buf = NULL, *bigger;
    size_t cap = 0, n = 0, grown;
    bool regular = false;
    int fd, e = 0;

    *data = NULL;
    *len = 0;
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2; /* room for the +1 below and the NUL */
    /* O_NONBLOCK: opening a FIFO for reading waits for a writer, forever if
       none comes; non-blocking, the open returns at once and fstat refuses it.
       It changes nothing for regular files. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (any_type ? 0 : O_NONBLOCK));
    if (fd < 0)
        return errno;
    if (fstat(fd, &sb) != 0)
        e = errno;
    else if (S_ISDIR(sb.st_mode))
        e = EISDIR;
    else if (!(regular = S_ISREG(sb.st_mode)) && !any_type)
        e = EINVAL;
    else if (regular && (sb.st_size < 0 || (uintmax_t)sb.st_size > max))
        e = EFBIG;
    /* One byte more than expected, to see the end without growing. */
    if (!e) {
        cap = regular ? (size_t)sb.st_size + 1 : max < UNSIZED_START ? max + 1 : UNSIZED_START;
        if (!(buf = ens__malloc(cap + 1)))
            e = ENOMEM;
    }
    while (!e) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno != EINTR)
                e = errno;
            continue;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n < cap)
            continue;
        if (regular || cap > max) { /* grew while read, or more than max */
            e = EFBIG;
            break;
        }
        grown = cap <= max / 2 ? cap * 2 : max + 1;
        if (!(bigger = ens__malloc(grown + 1))) {
            e = ENOMEM;
            break;
        }
        memcpy(bigger, buf, n);
        ens__file_free(buf, cap);
        buf = bigger;
        cap = grown;
    }
    close(fd);
    if (e) {
        ens__file_free(buf, cap);
        return e;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

void ens__file_free(char *data, size_t len)
{
    if (!data)
        return;
    sodium_memzero(data, len + 1);
    ens__free(data);
}

void ens__errno_text(int e, char *buf, size_t cap)
{
    if (strerror_r(e, buf, cap) != 0)
        snprintf(buf, cap, "error %d", e);
}
