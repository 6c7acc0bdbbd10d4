/* Internal: what the asynchronous engine (lib/async/async.c) needs from the default
 * libcurl transport (lib/transport/transport_curl.c) to drive libcurl itself. */
#ifndef ENS_LIB_CURL_XFER_H
#define ENS_LIB_CURL_XFER_H

#include <curl/curl.h>
#include <stdbool.h>

#include "ensclient/transport.h"

/* The settings of a libcurl transport.  Strings are borrowed from the
 * transport (NULL when unset) and live as long as it does. */
typedef struct ens__curl_config {
    const char *proxy;
    const char *ca_file;
    const char *user_agent;
    bool insecure;
} ens__curl_config;

/* true (and *out filled) when t was made by ens_transport_curl_new(); false
 * for every other transport.  Thread-safe. */
bool ens__transport_curl_config(const ens_transport *t, ens__curl_config *out);

/* One transfer on an easy handle, shared by the blocking transport and the
 * asynchronous engine so that both send and receive exactly alike. */
typedef struct ens__curl_xfer {
    ens_http_response *resp;   /* filled by the header and body callbacks */
    ens_status fail;           /* set by a callback that aborted the transfer */
    struct curl_slist *hdrs;   /* the request headers; wiped on release */
    char errbuf[CURL_ERROR_SIZE];
} ens__curl_xfer;

/* Configures a new easy handle h (nothing set on it yet) to send req with
 * cfg's settings and to fill resp (which the caller resets first): the
 * options every transfer of the transport shares, then those of the request.
 * x must stay in place until released (the handle's callbacks and error
 * buffer point at it).  On failure x still needs ens__curl_xfer_release().
 * (The blocking transport reuses pooled handles and sets the shared options
 * only once; see transport_curl.c.) */
ens_status ens__curl_xfer_setup(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                const ens_http_request *req, const ens__curl_config *cfg,
                                ens_error *e);

/* The outcome of a finished transfer (rc from libcurl): ENS_OK with the HTTP
 * status set in x->resp, or the mapped error with e filled. */
ens_status ens__curl_xfer_result(CURL *h, CURLcode rc, ens__curl_xfer *x,
                                 const ens_http_request *req, ens_error *e);

/* Wipes and frees the header list; x may be set up again afterwards. */
void ens__curl_xfer_release(ens__curl_xfer *x);

#endif
