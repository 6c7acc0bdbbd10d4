/* The URL splitter, the loopback decision and URLs for messages (see url.h). */
#include "util/url.h"

#include <ctype.h>
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

bool ens__url_host_is_loopback(const char *host, size_t len)
{
    size_t i;
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (len == 5 && memcmp(host, "[::1]", 5) == 0)
        return true;
    if (len >= 4 && memcmp(host, "127.", 4) == 0) {
        for (i = 4; i < len; i++)
            if (!isdigit((unsigned char)host[i]) && host[i] != '.')
                return false;
        return true;
    }
    return false;
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
