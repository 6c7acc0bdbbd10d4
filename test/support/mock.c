/* SPDX-License-Identifier: MIT */
/* The mock ENS server for the tests. */
#include "mock.h"

#ifndef ENS_TLS_DIR
#error "ENS_TLS_DIR must name test/tls"
#endif

ensmock_server *ts_mock_start(const ts_mock_options *o)
{
    ensmock_options mo;
    ensmock_server *srv = NULL;
    ensmock_options_init(&mo);
    if (o) {
        if (o->faults)
            mo.faults = *o->faults;
        if (o->tls) {
            mo.tls_cert_file = ENS_TLS_DIR "/server.pem";
            mo.tls_key_file = ENS_TLS_DIR "/server.key";
        }
        mo.keys = o->keys;
        mo.key_count = o->key_count;
        mo.data_json = o->data_json;
    }
    assert_int_equal(ensmock_start(&mo, &srv), ENSMOCK_OK);
    return srv;
}

const char *ts_tls_ca_file(void)
{
    return ENS_TLS_DIR "/ca.pem";
}

ens_client *ts_mock_client(ensmock_server *srv, const ts_client_options *o)
{
    ts_client_options c = ts_default_pair(o, ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET);
    c.endpoint = ensmock_url(srv);
    return ts_client(&c);
}
