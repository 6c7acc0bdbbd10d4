#include "request/endpoint.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

static bool host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool is_loopback(const char *host, size_t len)
{
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (len == 5 && memcmp(host, "[::1]", 5) == 0)
        return true;
    if (len >= 4 && memcmp(host, "127.", 4) == 0) {
        size_t i;
        for (i = 4; i < len; i++)
            if (!isdigit((unsigned char)host[i]) && host[i] != '.')
                return false;
        return true;
    }
    return false;
}

ens_status ens__endpoint_parse(const char *url, ens__endpoint *out, ens_error *err)
{
    const char *p = url, *host, *host_end, *port = NULL, *end;
    size_t host_len, i;
    long port_num = 0;
    ens__buf base = ENS__BUF_INIT, hh = ENS__BUF_INIT;

    memset(out, 0, sizeof(*out));
    if (!url || !*url)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: empty endpoint");
    for (i = 0; url[i]; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return ens__error_set(err, ENS_EINVAL,
                                  "invalid argument: endpoint contains a space or control character");
    out->https = true;
    if (strncasecmp(p, "https://", 8) == 0) {
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        p += 7;
        out->https = false;
    } else if (strstr(p, "://")) {
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: endpoint scheme must be http or https");
    }
    end = p + strlen(p);
    if (end > p && end[-1] == '/')
        end--;
    if (memchr(p, '/', (size_t)(end - p)) || memchr(p, '?', (size_t)(end - p)) ||
        memchr(p, '#', (size_t)(end - p)) || memchr(p, '@', (size_t)(end - p)))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: endpoint must be scheme://host[:port] without "
                              "path, query, fragment or user info");
    host = p;
    if (*host == '[') {
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint has an unclosed '['");
        host_end++;
        for (i = 1; host + i < host_end - 1; i++)
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
                return ens__error_set(err, ENS_EINVAL, "invalid argument: bad IPv6 endpoint host");
    } else {
        host_end = memchr(host, ':', (size_t)(end - host));
        if (!host_end)
            host_end = end;
        for (i = 0; host + i < host_end; i++)
            if (!host_char_ok(host[i]))
                return ens__error_set(err, ENS_EINVAL,
                                      "invalid argument: endpoint host has a character that is not allowed");
    }
    host_len = (size_t)(host_end - host);
    if (host_len == 0 || (*host == '[' && host_len < 3))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint has no host");
    if (host_end < end) {
        char *num_end;
        if (*host_end != ':' || host_end + 1 == end)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: bad endpoint port");
        port = host_end + 1;
        for (i = 0; port + i < end; i++)
            if (!isdigit((unsigned char)port[i]))
                return ens__error_set(err, ENS_EINVAL, "invalid argument: bad endpoint port");
        port_num = strtol(port, &num_end, 10);
        if (port_num < 1 || port_num > 65535 || (end - port) > 5)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint port out of range");
    }
    out->loopback = is_loopback(host, host_len);

    ens__buf_puts(&base, out->https ? "https://" : "http://");
    ens__buf_put(&base, host, host_len);
    ens__buf_put(&hh, host, host_len);
    if (port && port_num != (out->https ? 443 : 80)) {
        ens__buf_printf(&base, ":%ld", port_num);
        ens__buf_printf(&hh, ":%ld", port_num);
    } else if (port) {
        ens__buf_printf(&base, ":%ld", port_num);
    }
    out->base = ens__buf_detach(&base);
    out->host_header = ens__buf_detach(&hh);
    if (!out->base || !out->host_header) {
        ens__buf_free(&base);
        ens__buf_free(&hh);
        ens__endpoint_free(out);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: parsing the endpoint");
    }
    return ENS_OK;
}

void ens__endpoint_free(ens__endpoint *ep)
{
    if (!ep)
        return;
    ens__free(ep->base);
    ens__free(ep->host_header);
    ep->base = ep->host_header = NULL;
}
