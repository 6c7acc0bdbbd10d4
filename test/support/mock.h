/* SPDX-License-Identifier: MIT */
/* The in-tree mock ENS server (tools/mock/ens_mock.h) for the tests: started
 * on 127.0.0.1 with the options they vary, and clients on it.  Built only
 * when the mock is (it needs libmicrohttpd). */
#ifndef ENS_TEST_SUPPORT_MOCK_H
#define ENS_TEST_SUPPORT_MOCK_H

#include "ens_mock.h"
#include "support.h"

/* Zero = the mock's defaults: plain HTTP, the demo key pair, the built-in
 * data set, no fault. */
typedef struct ts_mock_options {
    const ensmock_faults *faults; /* initial faults (copied) */
    bool tls;                     /* HTTPS with test/tls/server.pem and server.key */
    const ensmock_key *keys;      /* accepted credentials (copied) */
    size_t key_count;
    const char *data_json;        /* the data set (copied) */
} ts_mock_options;

/* A mock server on 127.0.0.1, a free port; o may be NULL.  Fails the test
 * when it cannot start.  Stop it with ensmock_stop(). */
ensmock_server *ts_mock_start(const ts_mock_options *o);

/* The CA that signed test/tls/server.pem (for ts_client_options.ca_file). */
const char *ts_tls_ca_file(void);

/* A client on srv: endpoint ensmock_url(srv), the demo key pair unless o
 * names other credentials (see ts_client_options); o may be NULL.  Fails the
 * test when the client cannot be made. */
ens_client *ts_mock_client(ensmock_server *srv, const ts_client_options *o);

#endif
