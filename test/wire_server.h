/* A loopback HTTP/1.1 server that answers with what an in-test transport's
 * `send` would have answered, so that a scripted scenario written for the
 * blocking call (a transport vtable) can be played over real sockets to the
 * asynchronous engine, which only speaks libcurl.
 *
 * One request per connection (every answer says "Connection: close"), one
 * connection at a time.  How each outcome of `send` goes over the wire:
 *   ENS_OK                    the response's status, headers and body
 *   a failure after a status  the status line and headers, a Content-Length
 *   was set                   beyond the body, part of it, then close
 *                             (client: a network error after the answer started)
 *   ENS_ETIMEOUT, announced   the listener's queue is filled beforehand, so
 *   by stalls_next            the client's connection attempt is never
 *                             answered (client: a connect timeout, no status);
 *                             wire_server_release() ends that
 *   any other failure         close without a byte (client: a network error)
 *   tls_garbage               every connection gets plain HTTP bytes while it
 *                             expects a TLS handshake (client: a TLS error)
 * While `send` runs, req->cancel is triggered once the client hangs up (or
 * the server stops), so a scripted delay ends with the client's attempt. */
#ifndef ENS_TEST_WIRE_SERVER_H
#define ENS_TEST_WIRE_SERVER_H

#include <stdbool.h>

#include "ensclient/transport.h"

typedef struct wire_server wire_server;

typedef struct wire_options {
    const ens_transport_vtable *vt; /* vt->send answers every request */
    void *ctx;                      /* its ctx */
    /* May be NULL.  true when the next request is to time out before any
     * answer (see above). */
    bool (*stalls_next)(void *ctx);
    bool tls_garbage;               /* serve "https://": every handshake fails */
} wire_options;

/* Starts listening on 127.0.0.1 (any free port); fails the test on error. */
wire_server *wire_server_start(const wire_options *o);

/* The endpoint to give the client ("http://127.0.0.1:PORT" or https). */
const char *wire_server_url(const wire_server *w);

/* true while the listener is kept full for an attempt that is to time out. */
bool wire_server_stalled(wire_server *w);

/* The attempt that was to time out did: the listener is emptied, the step is
 * consumed (send() is called with an empty request, its answer dropped) and
 * the server takes connections again.  No-op when not stalled.  Call it from
 * the client's thread (the client's log callback, say). */
void wire_server_release(wire_server *w);

/* Stops the server (a request in progress is cancelled) and frees it.  NULL
 * is a no-op. */
void wire_server_stop(wire_server *w);

#endif
