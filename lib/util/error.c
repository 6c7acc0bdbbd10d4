/* SPDX-License-Identifier: MIT */
#include "util/error.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ensclient/common.h"
#include "ensclient/version.h"

ENS_EXTERN const char *ens_strerror(int status)
{
    switch (status) {
    case ENS_OK: return "success";
    case ENS_ITEROVER: return "iteration complete";
    case ENS_EINVAL: return "invalid argument";
    case ENS_ENOMEM: return "out of memory";
    case ENS_ENETWORK: return "network error";
    case ENS_ETIMEOUT: return "timed out";
    case ENS_ETLS: return "TLS error";
    case ENS_ESERVICE: return "service error";
    case ENS_EAUTH: return "authentication rejected by the service";
    case ENS_EHTTP: return "HTTP error";
    case ENS_EPARSE: return "response parse error";
    case ENS_ECREDENTIALS: return "credentials unavailable";
    case ENS_ETOOLARGE: return "response too large";
    case ENS_ECANCELED: return "canceled";
    case ENS_EUNSUPPORTED: return "unsupported";
    case ENS_ETRANSPORT: return "transport error";
    case ENS_EINTERNAL: return "internal error";
    case ENS_EPAGINATION: return "inconsistent paging";
    default: return "unknown status";
    }
}

/* Bytes of an ens_error of err's version: what the library may touch. */
size_t ens__error_size(const ens_error *err)
{
    return err->version >= 2 ? sizeof(*err) : offsetof(ens_error, setting);
}

/* (The macro of the same name, common.h, is for programs.) */
ENS_EXTERN void(ens_error_init)(ens_error *err)
{
    (void)ens_error_init_version(err, 1);
}

ENS_EXTERN ens_status ens_error_init_version(ens_error *err, unsigned int version)
{
    if (!err || version == 0 || version > ENS_ERROR_VERSION)
        return ENS_EINVAL;
    err->version = version;
    memset(err, 0, ens__error_size(err));
    err->version = version;
    return ENS_OK;
}

void ens__error_reset(ens_error *err)
{
    unsigned int v;
    if (!err)
        return;
    v = err->version ? err->version : 1;
    err->version = v;
    memset(err, 0, ens__error_size(err));
    err->version = v;
}

void ens__error_copy(ens_error *dst, const ens_error *src)
{
    unsigned int v;
    if (!dst || !src || dst == src)
        return;
    v = dst->version ? dst->version : 1;
    dst->version = v;
    /* what both have; the rest of dst (when it is the newer) emptied */
    ens__error_reset(dst);
    memcpy(dst, src, ens__error_size(src) < ens__error_size(dst) ? ens__error_size(src) : ens__error_size(dst));
    dst->version = v;
}

/* Appends text to err->description whole: when both do not fit, the
 * description's own text is cut short (at a character boundary, "..."
 * marking the cut) to make room. */
static void describe_more(ens_error *err, const char *text)
{
    size_t used = strlen(err->description), room = sizeof(err->description) - 1, n = strlen(text);
    if (n > room - 3)
        n = room - 3;
    if (used + n > room) {
        size_t cut = room - n - 3;
        while (cut > 0 && ((unsigned char)err->description[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(err->description + cut, "...", 4);
        used = cut + 3;
    }
    memcpy(err->description + used, text, n);
    err->description[used + n] = '\0';
}

void ens__error_append(ens_error *err, const char *fmt, ...)
{
    char text[sizeof(err->description)];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    describe_more(err, text);
}

void ens__error_remedy(ens_error *err, const char *before, const char *setting, const char *fmt, ...)
{
    char remedy[sizeof(err->remedy)], text[sizeof(err->description)];
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(remedy, sizeof(remedy), fmt, ap);
    va_end(ap);
    snprintf(text, sizeof(text), "%s; %s", before ? before : "", remedy);
    describe_more(err, text);
    if (ens__error_size(err) == sizeof(*err)) {
        ens__strlcpy(err->setting, sizeof(err->setting), setting);
        ens__strlcpy(err->remedy, sizeof(err->remedy), remedy);
    }
}

void ens__strlcpy(char *dst, size_t cap, const char *src)
{
    size_t n;
    if (!cap)
        return;
    if (!src)
        src = "";
    n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

ens_status ens__error_set(ens_error *err, ens_status st, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return st;
    ens__error_reset(err);
    err->status = st;
    va_start(ap, fmt);
    vsnprintf(err->description, sizeof(err->description), fmt, ap);
    va_end(ap);
    return st;
}

ENS_EXTERN const char *ens_version(void) { return ENS_VERSION_STRING; }
