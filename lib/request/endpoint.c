/* SPDX-License-Identifier: MIT */
#include "request/endpoint.h"

#include <ctype.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/url.h"

static bool host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

ens_status ens__endpoint_parse(const char *url, ens__endpoint *out, ens_error *err)
{
    ens__url u;
    const char *host;
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
    /* a bare "host[:port]" means https */
    ens__url_split(url, ENS__URL_BARE_HOST, &u);
    out->https = true;
    if (u.scheme ? !ens__url_http_scheme(&u, &out->https) : strstr(url, "://") != NULL)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: endpoint scheme must be http or https");
    /* a trailing "/" is the only path allowed */
    if (u.userinfo || u.path_len > 1 || u.query || u.fragment)
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: endpoint must be scheme://host[:port] without "
                              "path, query, fragment or user info");
    host = u.host;
    host_len = u.host_len;
    if (host_len && *host == '[') {
        if (host[host_len - 1] != ']') /* also for "[" alone */
            return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint has an unclosed '['");
        for (i = 1; i + 1 < host_len; i++)
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
                return ens__error_set(err, ENS_EINVAL, "invalid argument: bad IPv6 endpoint host");
    } else {
        for (i = 0; i < host_len; i++)
            if (!host_char_ok(host[i]))
                return ens__error_set(err, ENS_EINVAL,
                                      "invalid argument: endpoint host has a character that is not allowed");
    }
    if (host_len == 0 || (*host == '[' && host_len < 3))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint has no host");
    if (u.port_len) {
        if (u.port[0] != ':' || u.port_len == 1)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: bad endpoint port");
        for (i = 1; i < u.port_len; i++) {
            if (!isdigit((unsigned char)u.port[i]))
                return ens__error_set(err, ENS_EINVAL, "invalid argument: bad endpoint port");
            if (i <= 5)
                port_num = port_num * 10 + (u.port[i] - '0');
        }
        if (port_num < 1 || port_num > 65535 || u.port_len - 1 > 5)
            return ens__error_set(err, ENS_EINVAL, "invalid argument: endpoint port out of range");
    }
    out->loopback = ens__url_host_is_loopback(host, host_len);

    ens__buf_puts(&base, out->https ? "https://" : "http://");
    ens__buf_put(&base, host, host_len);
    ens__buf_put(&hh, host, host_len);
    if (u.port_len) {
        ens__buf_printf(&base, ":%ld", port_num);
        /* the Host header leaves out the scheme's default port */
        if (port_num != (out->https ? 443 : 80))
            ens__buf_printf(&hh, ":%ld", port_num);
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
