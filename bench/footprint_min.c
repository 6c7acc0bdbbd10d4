/* SPDX-License-Identifier: MIT */
/* Benchmark 6 (footprint): a minimal program using libensclient -- one
 * client, one DescribeNetworkPeerConnections call, the count printed.  Built
 * twice: statically linked against libensclient.a (footprint_min_static;
 * libcurl, jansson and libsodium stay dynamic) and against the shared object
 * (footprint_min_shared).  bench/footprint.sh measures them.
 *
 *   footprint_min_static [ENDPOINT]   one call (credentials from the environment)
 *   footprint_min_static --version    prints the library version, sends nothing */
#include <stdio.h>
#include <string.h>

#include "ensclient/ensclient.h"

int main(int argc, char **argv)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_client *c = NULL;

    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("ensclient %s\n", ENS_VERSION_STRING);
        return 0;
    }
    o.endpoint = argc > 1 ? argv[1] : NULL;
    if (ens_client_new(&c, &o, &err) != ENS_OK ||
        ens_describe_peer_connections(c, &req, &resp, &err) != ENS_OK) {
        fprintf(stderr, "%s\n", err.description);
        ens_client_free(c);
        return 1;
    }
    printf("%zu of %lld connection(s)\n", resp->connections_count, (long long)resp->total_count);
    ens_describe_response_free(resp);
    ens_client_free(c);
    return 0;
}
