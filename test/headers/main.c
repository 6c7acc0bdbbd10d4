/* SPDX-License-Identifier: MIT */
/* The public headers used from C11 (and C99): every initialiser macro, and calls that
 * prove the declarations match the library (the program is linked with it). */
#include <ensclient/ensclient.h>

#include <stdio.h>
#include <string.h>

#ifndef ENS_HEADERS_STD
#define ENS_HEADERS_STD "C11"
#endif

int main(void)
{
    ens_error err = ENS_ERROR_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_client_options copts = ENS_CLIENT_OPTIONS_INIT;
    ens_call_options call = ENS_CALL_OPTIONS_INIT;
    ens_iterator_options iopts = ENS_ITERATOR_OPTIONS_INIT;
    ens_curl_transport_options topts = ENS_CURL_TRANSPORT_OPTIONS_INIT;
    ens_record_options ropts = ENS_RECORD_OPTIONS_INIT;

    if (err.version != ENS_ERROR_VERSION || req.version != ENS_DESCRIBE_REQUEST_VERSION ||
        copts.version != ENS_CLIENT_OPTIONS_VERSION || call.version != ENS_CALL_OPTIONS_VERSION ||
        iopts.version != ENS_ITERATOR_OPTIONS_VERSION ||
        topts.version != ENS_CURL_TRANSPORT_OPTIONS_VERSION || ropts.version != ENS_RECORD_OPTIONS_VERSION) {
        fputs("an _INIT macro did not set its version\n", stderr);
        return 1;
    }
    if (strcmp(ens_version(), ENS_VERSION_STRING) != 0 ||
        ENS_VERSION_NUM != ((ENS_VERSION_MAJOR << 16) | (ENS_VERSION_MINOR << 8) | ENS_VERSION_PATCH)) {
        fputs("version macros and ens_version() disagree\n", stderr);
        return 1;
    }
    if (strcmp(ens_strerror(ENS_OK), ens_strerror(ENS_EINVAL)) == 0 || ens_strerror(-9999) == NULL) {
        fputs("ens_strerror\n", stderr);
        return 1;
    }
    req.page_size = 5;
    if (ens_describe_request_validate(&req, &err) != ENS_EINVAL) {
        fputs("validation from C\n", stderr);
        return 1;
    }
    puts("public headers OK from " ENS_HEADERS_STD);
    return 0;
}
