/* The response object a transport fills. */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "http_response.h"

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

static void free_headers(ens_http_response *r)
{
    size_t i;
    for (i = 0; i < r->header_count; i++) {
        ens__free((char *)r->headers[i].name);
        ens__free((char *)r->headers[i].value);
    }
    r->header_count = 0;
    r->header_bytes = 0;
}

ENS_EXTERN void ens_http_response_reset(ens_http_response *resp)
{
    if (!resp)
        return;
    resp->status = 0;
    free_headers(resp);
    ens__buf_free(&resp->body);
}

ENS_EXTERN void ens_http_response_free(ens_http_response *resp)
{
    if (!resp)
        return;
    ens_http_response_reset(resp);
    ens__free(resp->headers);
    ens__free(resp);
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
    char *n, *v;
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
    n = ens__strndup(name, name_len);
    v = ens__strndup(value ? value : "", value_len);
    if (!n || !v) {
        ens__free(n);
        ens__free(v);
        return ENS_ENOMEM;
    }
    resp->headers[resp->header_count].name = n;
    resp->headers[resp->header_count].value = v;
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
    if (ens__buf_put(&resp->body, data, len) < 0) {
        resp->body.oom = false; /* keep what we had; the caller sees ENOMEM */
        return ENS_ENOMEM;
    }
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
    size_t i;
    if (!resp || !name)
        return NULL;
    for (i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
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
