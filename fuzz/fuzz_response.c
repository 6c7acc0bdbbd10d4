/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the success-body parser and the connection copy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ensclient/ensclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = ens_describe_response_parse(&resp, (const char *)data, size, &err);
    if (st == ENS_OK) {
        size_t i;
        for (i = 0; i < resp->connections_count; i++) {
            ens_peer_connection *copy = NULL;
            if (ens_peer_connection_copy(&copy, &resp->connections[i]) == ENS_OK) {
                if ((copy->instance_id == NULL) != (resp->connections[i].instance_id == NULL) ||
                    (copy->instance_id && strcmp(copy->instance_id, resp->connections[i].instance_id)))
                    abort();
                ens_peer_connection_free(copy);
            }
        }
        ens_describe_response_free(resp);
    } else {
        if (resp != NULL || err.status != st || !memchr(err.description, '\0', sizeof(err.description)))
            abort();
    }
    return 0;
}
