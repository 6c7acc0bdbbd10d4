/* SPDX-License-Identifier: MIT */
/* The event-loop driver of the call engine, run to completion the way the
 * blocking call runs: for tests that hold both drivers to the same result. */
#include "support.h"

#include <string.h>

#include "async/async_loop.h"

/* What a completion callback received. */
typedef struct done_box {
    int calls;
    ens_status st;
    void *out;
    ens_error err;
} done_box;

static void on_describe_done(ens_async_call *call, ens_status st, ens_describe_response *resp,
                             const ens_error *err, void *user)
{
    done_box *b = user;
    (void)call;
    b->calls++;
    b->st = st;
    b->out = resp;
    b->err = *err;
}

static void on_rpc_done(ens_async_call *call, ens_status st, ens_rpc_response *resp, const ens_error *err,
                        void *user)
{
    done_box *b = user;
    (void)call;
    b->calls++;
    b->st = st;
    b->out = resp;
    b->err = *err;
}

/* Starts one call (describe when req, else rpc) and loops until it is done. */
static ens_status run(ens_client *c, const ens_describe_request *req, const ens_rpc_request *rreq,
                      const ens_call_options *co, void **out, ens_error *err)
{
    ens__async_loop loop = ENS__ASYNC_LOOP_INIT;
    ens_async_options ao = ENS_ASYNC_OPTIONS_INIT;
    ens_async *a = NULL;
    done_box b;
    ens_status st;
    memset(&b, 0, sizeof(b));
    ao.socket_fn = ens__async_loop_socket;
    ao.timer_fn = ens__async_loop_timer;
    ao.payload = &loop;
    assert_int_equal(ens_async_new(&a, c, &ao, NULL), ENS_OK);
    st = req ? ens_async_describe(a, req, co, on_describe_done, &b, NULL, err)
             : ens_rpc_call_async(a, rreq, co, on_rpc_done, &b, NULL, err);
    while (st == ENS_OK && ens_async_pending(a) > 0)
        assert_int_equal(ens__async_loop_run_once(&loop, a, -1), ENS_OK);
    ens_async_free(a);
    ens__async_loop_free(&loop);
    if (st != ENS_OK) { /* refused at the start, as the blocking call refuses */
        assert_int_equal(b.calls, 0);
        return st;
    }
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.err.status, b.st);
    if (b.st == ENS_OK) {
        *out = b.out;
        return ENS_OK;
    }
    assert_null(b.out);
    if (err)
        *err = b.err;
    return b.st;
}

ens_status ts_describe_async(ens_client *c, const ens_describe_request *req, const ens_call_options *co,
                             ens_describe_response **out, ens_error *err)
{
    void *result = NULL;
    ens_status st = run(c, req, NULL, co, &result, err);
    if (st == ENS_OK)
        *out = result;
    return st;
}

ens_status ts_rpc_async(ens_client *c, const ens_rpc_request *req, const ens_call_options *co,
                        ens_rpc_response **out, ens_error *err)
{
    void *result = NULL;
    ens_status st;
    assert_non_null(req);
    st = run(c, NULL, req, co, &result, err);
    if (st == ENS_OK)
        *out = result;
    return st;
}

ens_status ts_describe_by(ts_driver d, ens_client *c, const ens_describe_request *req,
                          const ens_call_options *co, ens_describe_response **out, ens_error *err)
{
    if (d == TS_ASYNC)
        return ts_describe_async(c, req, co, out, err);
    return ens_describe_peer_connections_ex(c, req, co, out, err);
}

ens_status ts_rpc_by(ts_driver d, ens_client *c, const ens_rpc_request *req, const ens_call_options *co,
                     ens_rpc_response **out, ens_error *err)
{
    if (d == TS_ASYNC)
        return ts_rpc_async(c, req, co, out, err);
    return ens_rpc_call(c, req, co, out, err);
}
