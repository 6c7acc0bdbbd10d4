/* SPDX-License-Identifier: MIT */
/**
 * @file rpc.h
 * @brief The generic RPC call: any action of any RPC-style Alibaba Cloud
 *        API (every ENS action, STS), with the client's signer, transport,
 *        deadline, retries, rate limit, logging and error model.
 *
 * ens_describe_peer_connections() is this call with a typed request and a
 * typed answer; ens_rpc_call() takes the action, its API version and the
 * query parameters as text and returns the answer's raw JSON body together
 * with its parsed value.  Everything else is the same machinery: each
 * attempt resolves credentials and is signed afresh (ACS3-HMAC-SHA256 by
 * default, or the client's signer), retryable failures are retried within
 * one deadline, service errors are mapped to ::ENS_ESERVICE / ::ENS_EAUTH
 * with err->code, err->message and err->request_id exactly as for the typed
 * call, and the client's log callback receives the same lines.
 *
 * @code
 * // AssumeRole through a client of its own, pointed at STS, holding the
 * // source credentials:
 * ens_rpc_param p[] = {
 *     {"RoleArn", "acs:ram::123456789012:role/ens-reader", 0},
 *     {"RoleSessionName", "daemon-7", 0},
 *     {"DurationSeconds", "3600", 0},
 * };
 * ens_rpc_request req = ENS_RPC_REQUEST_INIT;
 * ens_rpc_response *resp = NULL;
 * req.action = "AssumeRole";
 * req.api_version = "2015-04-01";
 * req.params = p;
 * req.param_count = 3;
 * if (ens_rpc_call(sts_client, &req, NULL, &resp, &err) == ENS_OK) {
 *     json_t *root = ens_rpc_response_json(resp);  // jansson, borrowed
 *     ...
 *     ens_rpc_response_free(resp);
 * }
 * @endcode
 *
 * ## The parsed value
 * The answer is parsed with jansson; ens_rpc_response_json() returns the
 * root object as a `struct json_t *` (jansson's `json_t`): include
 * `<jansson.h>` and link with jansson to use it (pkg-config `jansson`; the
 * library itself depends on it).  This header needs no jansson include.
 *
 * ## Secrets
 * An answer may carry secrets (AssumeRole returns an AccessKey secret and a
 * security token).  The library never logs a body; ens_rpc_response_free()
 * wipes the body and every string of a parsed value it still owns.  A value
 * taken with ens_rpc_response_take_json() is the caller's to wipe.  jansson's
 * own transient buffers while parsing are not wiped (jansson offers no way
 * to do so per value).  A parameter marked ::ENS_RPC_PARAM_SECRET (an OIDC
 * token, say) is shown as `[redacted]` in DEBUG log lines and wiped from
 * the library's buffers once the call is over.
 */
#ifndef ENSCLIENT_RPC_H
#define ENSCLIENT_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "async.h"
#include "client.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief jansson's JSON value (`json_t` in `<jansson.h>`). */
struct json_t;

/** @brief ens_rpc_param::flags: the value is a secret (never logged, wiped after the call). */
#define ENS_RPC_PARAM_SECRET 1u

/**
 * @brief One query parameter of an RPC call, as text (encoded by the library,
 * RFC 3986).  Positional initialisers read {name, value, flags}.
 */
typedef struct ens_rpc_param {
    const char *name;   /**< Non-empty, e.g. "RoleArn" or "NetworkIds.1". */
    const char *value;  /**< Non-NULL; "" sends "name=". */
    unsigned int flags; /**< 0 or ::ENS_RPC_PARAM_SECRET. */
} ens_rpc_param;

/** @brief Current version of ::ens_rpc_request. */
#define ENS_RPC_REQUEST_VERSION 1

/**
 * @brief What ens_rpc_call() sends.  Caller-owned; read only during the call
 * (ens_rpc_call_async() copies what it needs).  Initialise with
 * ::ENS_RPC_REQUEST_INIT or ens_rpc_request_init(); fields are only ever
 * added at the end.
 */
typedef struct ens_rpc_request {
    unsigned int version;  /**< Set by the initialiser; do not change. */
    /** Required: the action, 1..128 letters and digits, e.g. "AssumeRole". */
    const char *action;
    /** Required: the API version, 1..32 characters of digits, letters, '-'
        and '.', e.g. "2015-04-01" (STS) or "2017-11-10" (ENS). */
    const char *api_version;
    /** NULL = the client's endpoint; otherwise "https://host[:port]" (or a
        bare host) for this call only, e.g. "https://sts.aliyuncs.com".  Plain
        http to a host that is not loopback needs the client's
        allow_insecure_http, as for the client's own endpoint. */
    const char *endpoint;
    const ens_rpc_param *params; /**< param_count parameters; NULL when there are none. */
    size_t param_count;          /**< Number of parameters (at most 1024). */
    /** Send the request unsigned: no credentials are asked of the client's
        provider, no Authorization and no security token are sent (the date
        and nonce headers are).  For actions the service accepts without a
        signature, such as STS AssumeRoleWithOIDC. */
    bool anonymous;
} ens_rpc_request;

/** @brief Static initialiser for ::ens_rpc_request. */
#define ENS_RPC_REQUEST_INIT {.version = ENS_RPC_REQUEST_VERSION}

/** @brief Initialises @p req (NULL is ignored) to an empty request.  Thread-safe. */
ENS_EXTERN void ens_rpc_request_init(ens_rpc_request *req);

/**
 * @brief The answer of a successful RPC call (an HTTP 2xx status with a JSON
 * object as its body).  Opaque; owned by whoever received it, freed with
 * ens_rpc_response_free().  Its accessors may be called from several threads
 * at once; ens_rpc_response_take_json() and ens_rpc_response_free() must not
 * run concurrently with anything else on the same response.
 */
typedef struct ens_rpc_response ens_rpc_response;

/**
 * @brief The raw body: @p len (may be NULL) receives its length; the bytes
 * are followed by a NUL.  Borrowed, valid until ens_rpc_response_free().
 * NULL (and 0) for a NULL @p resp.
 */
ENS_EXTERN const char *ens_rpc_response_body(const ens_rpc_response *resp, size_t *len);

/** @brief The answer's HTTP status (200..299); 0 for NULL. */
ENS_EXTERN long ens_rpc_response_http_status(const ens_rpc_response *resp);

/**
 * @brief The answer's RequestId: the body's "RequestId" member when it is a
 * string, else the x-acs-request-id header, else "".  Borrowed, valid until
 * ens_rpc_response_free(); "" for NULL.
 */
ENS_EXTERN const char *ens_rpc_response_request_id(const ens_rpc_response *resp);

/**
 * @brief The parsed body, a JSON object, borrowed: valid until
 * ens_rpc_response_take_json() or ens_rpc_response_free(); do not decref it.
 * NULL after it was taken, or for NULL.
 */
ENS_EXTERN struct json_t *ens_rpc_response_json(const ens_rpc_response *resp);

/**
 * @brief Takes the parsed body: the caller owns it from now on (release it
 * with jansson's json_decref(); wipe its secrets first if it holds any), and
 * the response no longer refers to it (ens_rpc_response_json() returns NULL).
 * NULL when it was already taken, or for NULL.
 */
ENS_EXTERN struct json_t *ens_rpc_response_take_json(ens_rpc_response *resp);

/**
 * @brief Frees a response: the body is wiped, and so is every string of the
 * parsed value unless it was taken.  NULL is accepted.
 */
ENS_EXTERN void ens_rpc_response_free(ens_rpc_response *resp);

/**
 * @brief Calls any RPC action once, with the typed call's policy.
 *
 * Checks @p req (nothing is sent when it is invalid), then sends
 * `POST /?<query>` to the request's endpoint (else the client's) with the
 * headers x-acs-action and x-acs-version, signed with credentials from the
 * client's provider (unless @p req is anonymous).  Retries, the deadline
 * (opts, else the client's timeout_ms), the client-side rate limit, the
 * refresh of credentials after InvalidSecurityToken.*, cancellation and log
 * lines are exactly those of ens_describe_peer_connections_ex().  A 2xx
 * answer must be a JSON object; any other status is the service's error,
 * mapped as for the typed call (an unknown action: ::ENS_ESERVICE with
 * err->code "InvalidAction.NotFound", say).
 *
 * @param client the client; borrowed for the call.
 * @param req    the request; borrowed for the call.
 * @param opts   NULL = defaults; borrowed (the cancel token must outlive the call).
 * @param out    receives a new response owned by the caller
 *               (ens_rpc_response_free()); unchanged on failure.
 * @param err    may be NULL; filled on failure as for the typed call;
 *               untouched on success.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument, unknown @p req or @p opts
 *         version, a missing or malformed action or api_version, a parameter
 *         without a name or value or with unknown flags, too many parameters,
 *         a bad endpoint, plain http to a non-loopback endpoint without
 *         allow_insecure_http, a negative timeout); ::ENS_ENOMEM;
 *         ::ENS_ECREDENTIALS; ::ENS_ENETWORK; ::ENS_ETIMEOUT; ::ENS_ETLS;
 *         ::ENS_ETOOLARGE; ::ENS_ESERVICE and ::ENS_EAUTH (service error; see
 *         err->code); ::ENS_EHTTP (error status with a non-JSON body);
 *         ::ENS_EPARSE (a 2xx body that is not a JSON object);
 *         ::ENS_ETRANSPORT; ::ENS_ECANCELED.
 * Thread-safe under the same conditions as ens_describe_peer_connections().
 */
ENS_EXTERN ens_status ens_rpc_call(ens_client *client, const ens_rpc_request *req,
                                   const ens_call_options *opts, ens_rpc_response **out,
                                   ens_error *err);

/**
 * @brief Completion callback of ens_rpc_call_async(), as ::ens_async_done_fn
 * is for ens_async_describe().
 *
 * @param call   the call's handle, as ens_rpc_call_async() gave it.
 * @param status the call's result, as ens_rpc_call() would have returned it.
 * @param resp   on ::ENS_OK a new response owned by the receiver
 *               (ens_rpc_response_free(), now or later); NULL otherwise.
 * @param err    never NULL; borrowed, valid during the callback only; filled
 *               as ens_rpc_call() fills its @p err (on success: status and
 *               attempts).
 * @param user   the @p user given to ens_rpc_call_async().
 */
typedef void (*ens_rpc_done_fn)(ens_async_call *call, ens_status status, ens_rpc_response *resp,
                                const ens_error *err, void *user);

/**
 * @brief Starts ens_rpc_call() on an event-loop engine (see async.h), without
 * blocking.
 *
 * What ens_async_describe() is to ens_describe_peer_connections_ex(): the
 * request is checked and copied (the caller may change or free it, its
 * parameters and strings as soon as this returns), the first attempt is
 * scheduled, and @p done runs exactly once, from the engine's functions,
 * with the same result and details the blocking call would have given.
 * The engine's rules on callbacks, credentials, cancellation and threads
 * apply unchanged.
 *
 * @param engine the engine.
 * @param req    the request; copied.
 * @param opts   NULL = defaults; timeout_ms is counted from now; cancel, when
 *               set, is borrowed and must outlive the call.
 * @param done   required; see ::ens_rpc_done_fn.
 * @param user   passed to @p done.
 * @param handle may be NULL; receives the call's handle (for
 *               ens_async_cancel()), valid until @p done returns.
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK (@p done will run exactly once); ::ENS_EINVAL (NULL
 *         @p engine, @p req or @p done, an invalid request as for
 *         ens_rpc_call(), bad @p opts, or an engine being freed);
 *         ::ENS_ENOMEM.  On failure nothing was started and @p done will not
 *         be called.
 * Not thread-safe for one engine; may be called from a completion callback.
 */
ENS_EXTERN ens_status ens_rpc_call_async(ens_async *engine, const ens_rpc_request *req,
                                         const ens_call_options *opts, ens_rpc_done_fn done,
                                         void *user, ens_async_call **handle, ens_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_RPC_H */
