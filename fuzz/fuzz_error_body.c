/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the error-body parser (HTTP 4xx/5xx answers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ensclient/ensclient.h"
#include "json/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ens_error err = ENS_ERROR_INIT;
    long status = size ? 400 + data[0] % 200 : 500;
    ens_status st = ens__parse_error_body((const char *)data, size, status, &err);
    size_t i;
    if (st != ENS_ESERVICE && st != ENS_EAUTH && st != ENS_EHTTP)
        abort();
    if (err.http_status != status)
        abort();
    /* the one-line description never carries a line break */
    for (i = 0; i < sizeof(err.description) && err.description[i]; i++)
        if (err.description[i] == '\n' || err.description[i] == '\r')
            abort();
    if (i == sizeof(err.description))
        abort();
    (void)ens__parse_error_body((const char *)data, size, status, NULL);
    return 0;
}
