/* SPDX-License-Identifier: MIT */
/* libFuzzer target: request validation, RPC query building, RFC 3986
 * encoding, header canonicalisation and ACS3 signing of arbitrary input.
 * The input is split on NUL bytes into the request's strings and headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign/acs3.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "ensclient/ensclient.h"
#include "request/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* decode(encode(x)) must give x back, and the encoding only unreserved or %XY */
static void check_encoding(const char *s, size_t len)
{
    ens__buf b = ENS__BUF_INIT;
    size_t i, j = 0;
    if (ens__percent_encode(&b, s, len) < 0) {
        ens__buf_free(&b);
        return;
    }
    for (i = 0; i < b.len; i++) {
        char c = b.ptr[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= b.len)
                abort();
            hi = hexval(b.ptr[i + 1]);
            lo = hexval(b.ptr[i + 2]);
            if (hi < 0 || lo < 0 || j >= len || (unsigned char)s[j] != (unsigned)(hi * 16 + lo))
                abort();
            i += 2;
        } else {
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '~'))
                abort();
            if (j >= len || s[j] != c)
                abort();
        }
        j++;
    }
    if (j != len)
        abort();
    ens__buf_free(&b);
}

static time_t fixed_clock(void *p)
{
    (void)p;
    return 1698315752;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    const char *parts[12] = {0};
    const char *ids[8];
    size_t n = 0, i, start = 0;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens__query q = ENS__QUERY_INIT;
    char *canonical = NULL;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (i = 0; i <= size && n < 12; i++) {
        if (i == size || copy[i] == '\0') {
            parts[n++] = copy + start;
            start = i + 1;
        }
    }
    check_encoding((const char *)data, size);

    req.instance_id = parts[0];
    req.ens_region_id = parts[1];
    req.name = parts[2];
    for (i = 0; i < 8 && parts[3 + i]; i++)
        ids[i] = parts[3 + i];
    req.network_ids = ids;
    req.network_ids_count = i;
    req.page_number = size > 0 ? data[0] : 0;
    req.page_size = size > 1 ? data[1] : 0;
    if (ens_describe_request_validate(&req, NULL) == ENS_OK &&
        ens__query_from_request(&req, &q) == ENS_OK && ens__query_canonical(&q, &canonical) == ENS_OK) {
        ens_signable *s = NULL;
        ens_signer *signer = NULL;
        ens_credentials *creds = NULL;
        if (ens_signable_new(&s, "POST", "ens.aliyuncs.com", "/", canonical) == ENS_OK &&
            ens_signer_acs3_new(&signer) == ENS_OK &&
            ens_credentials_new(&creds, "fuzz-id", "fuzz-secret", NULL, 0) == ENS_OK) {
            ens_signable_set_clock(s, fixed_clock, NULL);
            /* arbitrary extra headers from the input: accepted or refused, never a crash */
            if (parts[11] && parts[10])
                (void)ens_signable_set_header(s, parts[10], parts[11]);
            if (ens_signer_sign(signer, s, creds, NULL) == ENS_OK &&
                !ens_signable_header(s, "authorization"))
                abort();
        }
        ens_credentials_release(creds);
        ens_signer_free(signer);
        ens_signable_free(s);
    }
    ens__free(canonical);
    ens__query_free(&q);
    free(copy);
    return 0;
}
