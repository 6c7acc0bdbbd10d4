/* Internal: what the asynchronous engine (lib/async.c) needs from the default
 * libcurl transport (lib/transport_curl.c) to drive libcurl itself. */
#ifndef ENS_LIB_ASYNC_CURL_H
#define ENS_LIB_ASYNC_CURL_H

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

/* The library status the libcurl transport gives a failed transfer's
 * CURLcode (ENS_ETIMEOUT, ENS_ETLS, ENS_ENETWORK, ...). */
ens_status ens__transport_curl_status(int curl_code);

#endif
