/* Internal: the client's layout and the steps of one exchange, shared by the
 * blocking call and any other driver of the same steps. */
#ifndef ENS_LIB_CLIENT_INTERNAL_H
#define ENS_LIB_CLIENT_INTERNAL_H

#include "util/buf.h"
#include "request/endpoint.h"
#include "call/retry.h"
#include "ensclient/client.h"

#define ENS_ACTION "DescribeNetworkPeerConnections"
#define ENS_API_VERSION "2017-11-10"

struct ens_client {
    ens__endpoint endpoint;
    char *user_agent;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    ens_log_fn log_fn;
    void *log_payload;
    ens_log_level log_level;
    ens_transport *transport;
    ens_signer *signer;
    ens_credentials_provider *credentials;
    ens_clock_fn clock;
    ens_nonce_fn nonce;
    void *hooks_payload;
    unsigned int max_attempts;
    long retry_base_ms;
    long retry_cap_ms;
    ens_retry_fn retry_fn;
    void *retry_payload;
    ens__ratelimit ratelimit;
};

/* One prepared exchange: the signed request and the HTTP request built from it. */
typedef struct ens__exchange {
    ens_signable *signable;
    ens__buf url;
    ens_http_request http; /* borrows from signable and url */
} ens__exchange;

/* Builds, signs (fresh date and nonce) and turns req into x->http, with
 * budget_ms as the attempt's timeout.  req must be valid already.  On failure
 * x is cleared.  ENS_OK or the step's error (e filled). */
ens_status ens__exchange_prepare(ens_client *c, const ens_describe_request *req, long budget_ms,
                                 const ens_cancel *cancel, ens__exchange *x, ens_error *e);

/* Interprets a complete HTTP response: a 2xx body is parsed into *out, any
 * other status becomes the service/HTTP error.  e may be NULL. */
ens_status ens__exchange_interpret(ens_client *c, const ens_http_response *resp,
                                   ens_describe_response **out, ens_error *e);

void ens__exchange_clear(ens__exchange *x);

void ens__client_log(const ens_client *c, ens_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
