/* SPDX-License-Identifier: MIT */
// The public headers used from C++: the _init() functions (the _INIT macros
// use designated initialisers, which C++ has only from C++20: see
// main_cxx20.cpp), and calls through the extern "C" declarations (the program
// is linked with the library, so a missing extern "C" fails to link).
#include <ensclient/ensclient.h>

#include <cstdio>
#include <cstring>

int main()
{
    ens_error err;
    ens_describe_request req;
    ens_client_options copts;
    ens_iterator_options iopts;
    ens_error_init(&err);
    ens_describe_request_init(&req);
    ens_client_options_init(&copts);
    ens_iterator_options_init(&iopts);
    if (err.version != ENS_ERROR_VERSION || req.version != ENS_DESCRIBE_REQUEST_VERSION ||
        copts.version != ENS_CLIENT_OPTIONS_VERSION || iopts.version != ENS_ITERATOR_OPTIONS_VERSION) {
        std::fputs("an _init() function did not set its version\n", stderr);
        return 1;
    }
    if (std::strcmp(ens_version(), ENS_VERSION_STRING) != 0) {
        std::fputs("ens_version() differs from ENS_VERSION_STRING\n", stderr);
        return 1;
    }
    req.page_size = 5;
    if (ens_describe_request_validate(&req, &err) != ENS_EINVAL || err.status != ENS_EINVAL) {
        std::fputs("validation from C++\n", stderr);
        return 1;
    }
    ens_client *client = nullptr;
    ens_client_free(client); // NULL accepted
    std::printf("public headers OK from C++ (%ld)\n", static_cast<long>(__cplusplus));
    return 0;
}
