/* SPDX-License-Identifier: MIT */
/* Client builders for the tests. */
#include "support.h"

#include <stdio.h>

ts_client_options ts_default_pair(const ts_client_options *o, const char *key_id,
                                  const char *secret)
{
    ts_client_options c = {0};
    if (o)
        c = *o;
    if (!c.key_id)
        c.key_id = key_id;
    if (!c.secret)
        c.secret = secret;
    return c;
}

ens_status ts_client_try(ens_client **out, const ts_client_options *o, ens_error *err)
{
    ens_client_options co = ENS_CLIENT_OPTIONS_INIT;
    ts_client_options none = {0};
    ens_status st;
    *out = NULL;
    if (!o)
        o = &none;
    co.transport = o->transport;
    if (o->key_id || o->secret) {
        st = ens_credentials_provider_static_new(&co.credentials, o->key_id, o->secret, o->token);
        if (st != ENS_OK) {
            ens_transport_free(co.transport);
            if (err) {
                ens_error_init(err);
                err->status = st;
                snprintf(err->description, sizeof(err->description),
                         "static credentials: %s", ens_strerror(st));
            }
            return st;
        }
    }
    co.endpoint = o->endpoint;
    co.max_attempts = o->max_attempts;
    co.retry_base_delay_ms = o->retry_base_delay_ms;
    co.retry_max_delay_ms = o->retry_max_delay_ms;
    co.connect_timeout_ms = o->connect_timeout_ms;
    co.timeout_ms = o->timeout_ms;
    co.max_response_bytes = o->max_response_bytes;
    co.ca_file = o->ca_file;
    if (o->pins) {
        co.clock = ts_pins_clock;
        co.nonce = ts_pins_nonce;
        co.hooks_payload = o->pins;
    }
    if (o->log) {
        co.log_fn = ts_log_capture;
        co.log_payload = o->log;
        co.log_level = o->log_level;
    }
    /* The client takes the transport and the provider, also on failure. */
    return ens_client_new(out, &co, err);
}

ens_client *ts_client(const ts_client_options *o)
{
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ts_client_try(&c, o, &err) != ENS_OK)
        fail_msg("cannot make the client: %s", err.description);
    return c;
}

ens_status ts_cassette_client_try(ens_client **out, ens_replay **replay, const char *name,
                                  const ts_client_options *o, ens_error *err)
{
    ts_client_options c = ts_default_pair(o, TS_FIXTURE_KEY_ID, TS_FIXTURE_SECRET);
    char path[1024];
    ens_status st;
    *out = NULL;
    *replay = NULL;
    ts_fixture_path(path, sizeof(path), name);
    if ((st = ens_replay_new(replay, path, err)) != ENS_OK)
        return st;
    if ((st = ens_replay_transport_new(&c.transport, *replay)) != ENS_OK && err) {
        ens_error_init(err);
        err->status = st;
        snprintf(err->description, sizeof(err->description), "replay transport: %s", ens_strerror(st));
    }
    if (st != ENS_OK || (st = ts_client_try(out, &c, err)) != ENS_OK) {
        ens_replay_free(*replay);
        *replay = NULL;
    }
    return st;
}

ens_client *ts_cassette_client(const char *name, ens_replay **replay, const ts_client_options *o)
{
    ens_client *c = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ts_cassette_client_try(&c, replay, name, o, &err) != ENS_OK)
        fail_msg("cannot make a client on the cassette %s: %s", name, err.description);
    return c;
}
