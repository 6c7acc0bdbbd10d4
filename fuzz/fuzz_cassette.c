/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the cassette (fixture) reader, and replaying one request
 * through whatever it loaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ensclient/ensclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ens_replay *replay = NULL;
    ens_transport *t = NULL;
    ens_error err = ENS_ERROR_INIT;
    if (ens_replay_new_from_buffer(&replay, (const char *)data, size, &err) != ENS_OK)
        return 0;
    if (ens_replay_transport_new(&t, replay) == ENS_OK) {
        static const ens_http_header hdrs[] = {
            {"host", "ens.aliyuncs.com"},
            {"x-acs-action", "DescribeNetworkPeerConnections"},
            {"x-acs-version", "2017-11-10"},
        };
        ens_http_request req = {.version = ENS_HTTP_REQUEST_VERSION, .method = "POST",
                                .url = "https://ens.aliyuncs.com/?PageNumber=1&PageSize=10",
                                .headers = hdrs, .header_count = 3, .max_response_bytes = 1 << 20};
        ens_http_response *resp = NULL;
        char buf[512];
        if (ens_http_response_new(&resp, 1 << 20) == ENS_OK) {
            (void)ens_transport_send(t, &req, resp, &err);
            ens_http_response_free(resp);
        }
        (void)ens_replay_describe_unused(replay, buf, sizeof(buf));
        ens_transport_free(t);
    }
    ens_replay_free(replay);
    return 0;
}
