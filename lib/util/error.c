#include "util/error.h"

#include <stdarg.h>
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

ENS_EXTERN void ens_error_init(ens_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->version = ENS_ERROR_VERSION;
}

void ens__error_reset(ens_error *err)
{
    unsigned int v;
    if (!err)
        return;
    v = err->version ? err->version : ENS_ERROR_VERSION;
    memset(err, 0, sizeof(*err));
    err->version = v;
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
