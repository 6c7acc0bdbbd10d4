/* SPDX-License-Identifier: MIT */
/* Internal: one libcurl transfer (curl_xfer.c), shared by the default
 * transport (lib/transport/transport_curl.c) and the asynchronous engine
 * (lib/async/async.c), which drives libcurl itself. */
#ifndef ENS_LIB_CURL_XFER_H
#define ENS_LIB_CURL_XFER_H

#include <curl/curl.h>
#include <stdbool.h>

#include "transport/curl_sockets.h"
#include "ensclient/transport.h"

/* The settings of a libcurl transport.  Strings are borrowed from the
 * transport (NULL when unset) and live as long as it does. */
typedef struct ens__curl_config {
    const char *proxy;
    const char *ca_file;
    const char *user_agent;
    bool insecure;
    bool ignore_env_proxy;  /* never the proxy environment variables */
    ens__sockets *sockets;  /* the sockets of the handles' connection cache;
                               set by whoever owns that cache */
} ens__curl_config;

/* true (and *out filled, sockets NULL) when t was made by
 * ens_transport_curl_new(); false for every other transport.  Thread-safe. */
bool ens__transport_curl_config(const ens_transport *t, ens__curl_config *out);

/* Room for a request's header list in the transfer itself: this library's
 * requests need 11 lines (9 headers, "Expect:", "Content-Type:") of about
 * 700 bytes together. */
#define ENS__XFER_NODES 16
#define ENS__XFER_LINES 2048

/* One transfer on an easy handle, shared by the blocking transport and the
 * asynchronous engine so that both send and receive exactly alike. */
typedef struct ens__curl_xfer {
    ens_http_response *resp;   /* filled by the header and body callbacks */
    ens_status fail;           /* set by a callback that aborted the transfer */
    bool fail_in_head;         /* ... because of the response's headers */
    bool head_done;            /* the final header block has ended */
    struct curl_slist *hdrs;   /* the request headers; wiped on release */
    ens__sockets *sockets;     /* where the handle's sockets are kept, or NULL */
    char errbuf[CURL_ERROR_SIZE];
    /* A request's header list built here instead of by curl_slist_append()
     * (two allocations a line) when it fits: hdrs then points at nodes[0],
     * whose lines are in lines[] (used bytes: lines_used, wiped on release).
     * x points into itself: it must stay in place, as for the callbacks. */
    bool own_list;
    size_t lines_used;
    struct curl_slist nodes[ENS__XFER_NODES];
    char lines[ENS__XFER_LINES];
} ens__curl_xfer;

/* Longest request head (URL and headers, and a body short enough for
 * libcurl to send with them) sent.  libcurl builds the head in a buffer
 * capped at 1 MiB and reports a longer one as out of memory; a longer
 * request is refused with ENS_EINVAL before anything is sent. */
#define ENS__REQUEST_HEAD_MAX ((size_t)960 * 1024)

/* The options every transfer of the transport shares, on a new easy handle:
 * protocols, redirects, TLS, callbacks (pointing at x, which must stay in
 * place while h is used), cfg->sockets. */
ens_status ens__curl_xfer_setup_fixed(CURL *h, ens__curl_xfer *x, const ens__curl_config *cfg,
                                      ens_error *e);

/* The options of one request; resp (which the caller resets first) is to be
 * filled.  fresh: h has nothing but the fixed options; otherwise every
 * per-request option an earlier request may have set is set again, to this
 * request's value or libcurl's default, so that a reused handle sends exactly
 * what a fresh one would.  ENS_EINVAL for a request too long to send
 * (ENS__REQUEST_HEAD_MAX).  On failure x still needs ens__curl_xfer_release(). */
ens_status ens__curl_xfer_setup_request(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                        const ens_http_request *req, const ens__curl_config *cfg,
                                        bool fresh, ens_error *e);

/* Both of the above on a new easy handle (the asynchronous engine's). */
ens_status ens__curl_xfer_setup(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                const ens_http_request *req, const ens__curl_config *cfg,
                                ens_error *e);

/* The outcome of a finished transfer (rc from libcurl): ENS_OK with the HTTP
 * status set in x->resp, or the mapped error with e filled (for TLS failures
 * with what to do about them). */
ens_status ens__curl_xfer_result(CURL *h, CURLcode rc, ens__curl_xfer *x,
                                 const ens_http_request *req, ens_error *e);

/* Wipes and frees the header list; x may be set up again afterwards. */
void ens__curl_xfer_release(ens__curl_xfer *x);

#endif
