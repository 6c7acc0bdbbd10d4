/* SPDX-License-Identifier: MIT */
/* The URL splitter, the loopback decision and URLs for messages (see url.h). */
#include "util/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

void ens__url_split(const char *url, ens__url_bare bare, ens__url *out)
{
    const char *p = url, *sep = strstr(url, "://"), *end, *at = NULL, *h;

    memset(out, 0, sizeof(*out));
    if (sep && sep < url + strcspn(url, "/?#")) {
        out->scheme = url;
        out->scheme_len = (size_t)(sep - url);
        p = sep + 3;
    }
    if (out->scheme || bare == ENS__URL_BARE_HOST) {
        end = p + strcspn(p, "/?#");
        for (h = p; h < end; h++)
            if (*h == '@')
                at = h;
        if (at) {
            out->userinfo = p;
            out->userinfo_len = (size_t)(at - p);
            p = at + 1;
        }
        if (*p == '[') {
            h = memchr(p, ']', (size_t)(end - p));
            h = h ? h + 1 : end;
        } else {
            h = memchr(p, ':', (size_t)(end - p));
            if (!h)
                h = end;
        }
        out->host = p;
        out->host_len = (size_t)(h - p);
        out->port = h;
        out->port_len = (size_t)(end - h);
        p = end;
    }
    out->path = p;
    out->path_len = strcspn(p, "?#");
    p += out->path_len;
    if (*p == '?') {
        out->query = p + 1;
        out->query_len = strcspn(p + 1, "#");
        p = out->query + out->query_len;
    }
    if (*p == '#') {
        out->fragment = p + 1;
        out->fragment_len = strlen(p + 1);
    }
}

bool ens__url_http_scheme(const ens__url *u, bool *https)
{
    bool s = u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0;
    if (https)
        *https = s;
    return s || (u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0);
}

/* A dotted quad of exactly four decimal numbers 0..255 without leading
 * zeros, the one IPv4 form every resolver reads as a literal (inet_aton()
 * would also take "127.1" or "0x7f.1", and some resolvers send those to DNS).
 * Its first byte into *first. */
static bool parse_dotted_quad(const char *s, size_t len, unsigned *first)
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t digits = 0;
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
            return false;
        if (part == 0)
            *first = v;
    }
    return i == len;
}

bool ens__url_host_is_loopback(const char *host, size_t len)
{
    char text[INET6_ADDRSTRLEN + 1];
    struct in6_addr a6;
    unsigned first = 0;
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        /* an IPv6 literal: ::1, or an IPv4-mapped address in 127.0.0.0/8 */
        if (len - 2 >= sizeof(text))
            return false;
        memcpy(text, host + 1, len - 2);
        text[len - 2] = '\0';
        if (inet_pton(AF_INET6, text, &a6) != 1)
            return false;
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return parse_dotted_quad(host, len, &first) && first == 127;
}

/* Appends s[0..len) to dst at *n, as much as fits before the NUL. */
static void put_cut(char *dst, size_t cap, size_t *n, const char *s, size_t len)
{
    if (len > cap - 1 - *n)
        len = cap - 1 - *n;
    memcpy(dst + *n, s, len);
    *n += len;
}

void ens__url_display(char *dst, size_t cap, const char *url)
{
    ens__url u;
    size_t n = 0;
    if (!cap)
        return;
    dst[0] = '\0';
    if (!url)
        return;
    ens__url_split(url, ENS__URL_BARE_HOST, &u);
    if (u.scheme)
        put_cut(dst, cap, &n, url, u.scheme_len + 3);
    if (u.userinfo)
        put_cut(dst, cap, &n, "***@", 4); /* user info may be a secret: show that there was some */
    /* host, port and path are contiguous */
    put_cut(dst, cap, &n, u.host, (size_t)(u.path + u.path_len - u.host));
    dst[n] = '\0';
}
