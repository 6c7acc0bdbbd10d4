/* SPDX-License-Identifier: MIT */
/* Configuration files as the providers read them: where they are, reading
 * one whole (a regular file of bounded size, never a FIFO or a device, whose
 * bytes are wiped once used), and names from them fit to show in messages.
 * A file that group or others may read is used with a warning. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/file.h"
#include "credentials/internal.h"
#include "util/error.h"

#define FAIL ENS__CRED_FAIL

static const char *errno_text(int e)
{
    switch (e) {
    case ENOENT: return "not found";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case EFBIG: return "is larger than 1 MiB";
    case EINVAL: return "is not a regular file (a FIFO, device or socket is never read)";
    case ENOTDIR: return "a component of the path is not a directory";
    case ELOOP: return "too many symbolic links";
    case ENAMETOOLONG: return "name too long";
    default: return "cannot be read";
    }
}

void ens__cred_shown_name(char *dst, size_t cap, const char *src)
{
    size_t i;
    ens__strlcpy(dst, cap, src);
    for (i = 0; dst[i]; i++)
        if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] >= 0x7f || dst[i] == '\'')
            dst[i] = '?';
}

ens_status ens__cred_resolve_path(const ens__cred_opts *o, const char *explicit_path, const char *var,
                                  const char *rel, char **path, ens_error *err)
{
    const char *v = explicit_path ? explicit_path : ens__cred_getenv(o, var);
    const char *home;
    ens__buf b = ENS__BUF_INIT;
    if (v) {
        *path = ens__strdup(v);
    } else {
        home = o->home_dir ? o->home_dir : ens__cred_getenv(o, "HOME");
        if (!home)
            return FAIL(err, "%s is not set and HOME is not set", var);
        ens__buf_puts(&b, home);
        if (b.len && b.ptr[b.len - 1] == '/')
            b.len--;
        ens__buf_putc(&b, '/');
        ens__buf_puts(&b, rel);
        *path = ens__buf_detach(&b);
    }
    if (!*path)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: credentials file path");
    return ENS_OK;
}

/* Group- or other-readable: said once per provider (the file is read on
 * every fetch), with what to do about it. */
static void warn_if_shared(const char *path, const ens__cred_call *call, atomic_int *warned)
{
    struct stat sb;
    char shown[400], line[1024];
    if (!warned || !call || !call->log_fn || stat(path, &sb) != 0 || !(sb.st_mode & (S_IRGRP | S_IROTH)))
        return;
    if (atomic_exchange(warned, 1))
        return;
    ens__cred_shown_name(shown, sizeof(shown), path);
    snprintf(line, sizeof(line),
             "credentials file %s can be read by %s (mode %04o): make it private, e.g. chmod 600 '%s'", shown,
             sb.st_mode & S_IROTH ? "other users" : "its group", (unsigned)(sb.st_mode & 07777), shown);
    ens__cred_warn(call, line);
}

ens_status ens__cred_read_file(const char *path, const ens__cred_call *call, atomic_int *warned, char **data,
                               size_t *len, ens_error *err)
{
    int e = ens__file_read(path, ENS__CRED_MAX_FILE_BYTES, false, data, len);
    if (e == ENOMEM)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: reading %s", path);
    if (e)
        return FAIL(err, "%s %s", path, errno_text(e));
    if (memchr(*data, '\0', *len)) {
        ens__file_free(*data, *len);
        *data = NULL;
        return FAIL(err, "%s holds a NUL byte", path);
    }
    warn_if_shared(path, call, warned);
    return ENS_OK;
}

void ens__cred_file_free(char *data, size_t len) { ens__file_free(data, len); }

ens_status ens__cred_read_config(const ens__cred_opts *o, const char *explicit_path, const char *var,
                                 const char *rel, const ens__cred_call *call, atomic_int *warned, char **path,
                                 char **data, size_t *len, ens_error *err)
{
    ens_status st = ens__cred_resolve_path(o, explicit_path, var, rel, path, err);
    if (st == ENS_OK)
        st = ens__cred_read_file(*path, call, warned, data, len, err);
    return st;
}
