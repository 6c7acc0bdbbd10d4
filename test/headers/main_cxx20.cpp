/* SPDX-License-Identifier: MIT */
// C++20 has designated initialisers: every public _INIT macro must compile.
#include <ensclient/ensclient.h>

#include <cstdio>

int main()
{
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_client_options copts = ENS_CLIENT_OPTIONS_INIT;
    ens_call_options call = ENS_CALL_OPTIONS_INIT;
    ens_iterator_options iopts = ENS_ITERATOR_OPTIONS_INIT;
    ens_curl_transport_options topts = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_record_options ropts = ENS_RECORD_OPTIONS_INIT;
    bool ok = err.version == ENS_ERROR_VERSION && req.version == ENS_DESCRIBE_REQUEST_VERSION &&
              copts.version == ENS_CLIENT_OPTIONS_VERSION && call.version == ENS_CALL_OPTIONS_VERSION &&
              iopts.version == ENS_ITERATOR_OPTIONS_VERSION &&
              topts.version == ENS_CURL_TRANSPORT_OPTIONS_VERSION &&
              ropts.version == ENS_RECORD_OPTIONS_VERSION;
    std::puts(ok ? "public _INIT macros OK from C++20" : "an _INIT macro did not set its version");
    return ok ? 0 : 1;
}
