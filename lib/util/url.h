/* SPDX-License-Identifier: MIT */
/* Internal: the one URL splitter, for the endpoint parser, the replay and
 * record transports and the URLs shown in credentials messages.
 *
 * It splits by the generic syntax of RFC 3986 (scheme "://" authority, path,
 * "?" query, "#" fragment) and nothing more: no decoding, no normalisation, no
 * allocation, no failure; every part points into the text given.
 *
 * libcurl's URL API (curl_url_set/curl_url_get) is not used, because its
 * answers change with the libcurl version, from 7.74 (the oldest supported)
 * on: spaces are refused only since 7.78; IPv6 hosts are normalised since
 * 7.77 and IPv4 hosts since 7.81 ("127.1" becomes "127.0.0.1"); the host check
 * grew stricter up to 8.1; ":" with no port is accepted; and it needs a
 * scheme.  The callers need the same answer everywhere: the endpoint's
 * accepted and refused inputs and their messages, the exact path and query
 * bytes a cassette records and matches, and a safe display of a URL that may
 * not parse at all (that is when it is shown). */
#ifndef ENS_LIB_URL_H
#define ENS_LIB_URL_H

#include <stdbool.h>
#include <stddef.h>

/* How text without "scheme://" is read. */
typedef enum ens__url_bare {
    ENS__URL_BARE_PATH, /* a path and query: "/p?q" (an HTTP request target) */
    ENS__URL_BARE_HOST, /* an authority first: "host[:port][/p?q]" (how people write endpoints) */
} ens__url_bare;

/* The parts of a URL; NULL (length 0) marks a part that is absent. */
typedef struct ens__url {
    const char *scheme;   /* before the first "://" when that comes before any '/', '?', '#' */
    size_t scheme_len;
    const char *userinfo; /* before the authority's last '@' (a '@' typed in a password stays hidden) */
    size_t userinfo_len;
    const char *host;     /* non-NULL whenever there is an authority, possibly empty; an IP
                             literal keeps its brackets, an unclosed '[' runs to the end */
    size_t host_len;
    const char *port;     /* the rest of the authority after the host, ':' included: "" when
                             none, ":8080", ":" ... (after an IP literal it may not start with ':') */
    size_t port_len;
    const char *path;     /* never NULL; "" when empty */
    size_t path_len;
    const char *query;    /* after '?', up to '#' */
    size_t query_len;
    const char *fragment; /* after '#' */
    size_t fragment_len;
} ens__url;

/* Splits url (NUL-terminated, not NULL) into *out. */
void ens__url_split(const char *url, ens__url_bare bare, ens__url *out);

/* true when u has the scheme "http" or "https" (any case); *https (may be
 * NULL) tells which. */
bool ens__url_http_scheme(const ens__url *u, bool *https);

/* true when host[0..len) (a URL's host, IPv6 literals in brackets) is an
 * address of this machine, decided on the parsed address, never on a prefix:
 * "localhost" (any case); an IPv4 address in 127.0.0.0/8 written as a plain
 * dotted quad (four decimal numbers 0..255, no leading zeros: "127.1",
 * "0x7f.0.0.1" or "127.0.0.1.5" are not, as a resolver may send them to DNS);
 * an IPv6 literal equal to ::1 in any spelling ("[0:0::1]"), or IPv4-mapped
 * in 127.0.0.0/8.  The one place that decides which hosts may be reached over
 * plain http without allow_insecure_http, and which requests never go
 * through a proxy (lib/transport/curl_xfer.c). */
bool ens__url_host_is_loopback(const char *host, size_t len);

/* Writes into dst (capacity cap, cut to fit, always terminated) a form of url
 * safe to show in a message: scheme://host[:port]/path, user info replaced by
 * "***@", query and fragment left out.  Text without "scheme://" is read
 * host first.  NULL url: "". */
void ens__url_display(char *dst, size_t cap, const char *url);

#endif
