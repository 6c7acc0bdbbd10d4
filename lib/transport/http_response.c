/* SPDX-License-Identifier: MIT */
/* The response object a transport fills. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "transport/http_response.h"
#include "transport/transport_internal.h"

ENS_EXTERN ens_status ens_http_response_new(ens_http_response **out, size_t max_body_bytes)
{
    ens_http_response *r;
    if (!out)
        return ENS_EINVAL;
    r = ens__calloc(1, sizeof(*r));
    if (!r)
        return ENS_ENOMEM;
    r->max_body = max_body_bytes;
    *out = r;
    return ENS_OK;
}

/* Forgets the headers; their text (a Set-Cookie or a token may be among
 * them) is wiped, its storage kept. */
static void free_headers(ens_http_response *r)
{
    if (r->text_len)
        sodium_memzero(r->text, r->text_len);
    r->text_len = 0;
    r->header_count = 0;
    r->header_bytes = 0;
}

/* Makes room for extra more bytes of header text: a larger block, the
 * pointers moved over, the old block wiped and freed. */
static ens_status text_room(ens_http_response *r, size_t extra)
{
    size_t cap = r->text_cap ? r->text_cap : 512, i;
    char *p;
    if (extra <= r->text_cap - r->text_len)
        return ENS_OK;
    while (cap - r->text_len < extra)
        cap *= 2; /* bounded: extra and text_len stay below 2 * ENS__MAX_HEADER_BYTES */
    p = ens__malloc(cap);
    if (!p)
        return ENS_ENOMEM;
    if (r->text) {
        memcpy(p, r->text, r->text_len);
        for (i = 0; i < r->header_count; i++) {
            r->headers[i].name = p + (r->headers[i].name - r->text);
            r->headers[i].value = p + (r->headers[i].value - r->text);
        }
        sodium_memzero(r->text, r->text_cap);
        ens__free(r->text);
    }
    r->text = p;
    r->text_cap = cap;
    return ENS_OK;
}

/* Makes the body's storage at least need bytes (NUL included): exactly need
 * when exact, else by doubling.  Never by realloc: the block given up is
 * wiped first, since a body may be a credentials document.  ENS_OK, or
 * ENS_ENOMEM (the body unchanged). */
static ens_status body_room(ens_http_response *r, size_t need, bool exact)
{
    size_t cap;
    char *p;
    if (need <= r->body.cap)
        return ENS_OK;
    cap = r->body.cap ? r->body.cap : 64;
    if (exact)
        cap = need;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = ens__malloc(cap);
    if (!p)
        return ENS_ENOMEM;
    if (r->body.ptr) {
        memcpy(p, r->body.ptr, r->body.len + 1);
        sodium_memzero(r->body.ptr, r->body.cap);
        ens__free(r->body.ptr);
    } else {
        p[0] = '\0';
    }
    r->body.ptr = p;
    r->body.cap = cap;
    return ENS_OK;
}

ENS_EXTERN void ens_http_response_reset(ens_http_response *resp)
{
    if (!resp)
        return;
    resp->status = 0;
    free_headers(resp);
    /* The body's storage is kept for the next attempt (and a Content-Length
       hint it was sized for); what it held is wiped, as it may have been a
       credentials document. */
    if (resp->body.ptr && resp->body.len)
        sodium_memzero(resp->body.ptr, resp->body.len);
    ens__buf_clear(&resp->body);
    resp->body.oom = false;
}

ENS_EXTERN void ens_http_response_free(ens_http_response *resp)
{
    if (!resp)
        return;
    free_headers(resp);
    ens__buf_wipe_free(&resp->body);
    ens__free(resp->text);
    ens__free(resp->headers);
    ens__free(resp);
}

ens_status ens__http_response_reserve_body(ens_http_response *resp,
                                          unsigned long long content_length)
{
    size_t limit;
    if (!resp || content_length == 0)
        return ENS_OK;
    limit = resp->max_body && resp->max_body < ENS__BODY_PRESIZE_MAX ? resp->max_body
                                                                     : ENS__BODY_PRESIZE_MAX;
    /* Beyond the cap the transfer fails anyway: nothing is reserved for it,
       so a forged length makes us allocate at most the cap (and never more
       than ENS__BODY_PRESIZE_MAX on a hint alone). */
    if (content_length > limit)
        return ENS_OK;
    /* and the NUL; never less than what is there.  ENS_ENOMEM: the body
       would not have fitted either. */
    return body_room(resp, (size_t)content_length + 1, true);
}

ENS_EXTERN ens_status ens_http_response_set_status(ens_http_response *resp, long status)
{
    if (!resp || status < 100 || status > 999)
        return ENS_EINVAL;
    resp->status = status;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_http_response_add_header(ens_http_response *resp, const char *name,
                                                   size_t name_len, const char *value,
                                                   size_t value_len)
{
    char *n;
    if (!resp || !name || !name_len || (!value && value_len))
        return ENS_EINVAL;
    if (name_len + value_len > ENS__MAX_HEADER_BYTES - resp->header_bytes)
        return ENS_ETOOLARGE;
    if (resp->header_count == resp->header_cap) {
        size_t cap = resp->header_cap ? resp->header_cap * 2 : 16;
        ens_http_header *h = ens__realloc(resp->headers, cap * sizeof(*h));
        if (!h)
            return ENS_ENOMEM;
        resp->headers = h;
        resp->header_cap = cap;
    }
    /* "name\0value\0" at the end of the text (both bounded above). */
    if (text_room(resp, name_len + value_len + 2) != ENS_OK)
        return ENS_ENOMEM;
    n = resp->text + resp->text_len;
    resp->text_len += name_len + value_len + 2;
    memcpy(n, name, name_len);
    n[name_len] = '\0';
    if (value_len)
        memcpy(n + name_len + 1, value, value_len);
    n[name_len + 1 + value_len] = '\0';
    resp->headers[resp->header_count].name = n;
    resp->headers[resp->header_count].value = n + name_len + 1;
    resp->header_count++;
    resp->header_bytes += name_len + value_len;
    return ENS_OK;
}

ENS_EXTERN ens_status ens_http_response_append_body(ens_http_response *resp, const void *data,
                                                    size_t len)
{
    if (!resp || (!data && len))
        return ENS_EINVAL;
    if (resp->max_body && (len > resp->max_body || resp->body.len > resp->max_body - len))
        return ENS_ETOOLARGE;
    if (len > SIZE_MAX - resp->body.len - 1 ||
        body_room(resp, resp->body.len + len + 1, false) != ENS_OK)
        return ENS_ENOMEM; /* keeps what it had */
    if (len)
        memcpy(resp->body.ptr + resp->body.len, data, len);
    resp->body.len += len;
    resp->body.ptr[resp->body.len] = '\0';
    return ENS_OK;
}

ENS_EXTERN long ens_http_response_status(const ens_http_response *resp)
{
    return resp ? resp->status : 0;
}

ENS_EXTERN const char *ens_http_response_body(const ens_http_response *resp, size_t *len)
{
    if (len)
        *len = resp ? resp->body.len : 0;
    return resp ? ens__buf_cstr(&resp->body) : "";
}

ENS_EXTERN const char *ens_http_response_header(const ens_http_response *resp, const char *name)
{
    return resp && name ? ens__header_find(resp->headers, resp->header_count, name) : NULL;
}

ENS_EXTERN size_t ens_http_response_header_count(const ens_http_response *resp)
{
    return resp ? resp->header_count : 0;
}

ENS_EXTERN ens_status ens_http_response_header_at(const ens_http_response *resp, size_t index,
                                                  const char **name, const char **value)
{
    if (!resp || index >= resp->header_count)
        return ENS_EINVAL;
    if (name)
        *name = resp->headers[index].name;
    if (value)
        *value = resp->headers[index].value;
    return ENS_OK;
}

const char *ens__header_find(const ens_http_header *h, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (h[i].name && strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}
