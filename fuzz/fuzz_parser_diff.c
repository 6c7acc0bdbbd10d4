/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the success-body scanner (ens_describe_response_parse)
 * against the jansson-based reference parser it replaced
 * (test/support/parser_dom.c, test-only code built into this target).
 * Aborts when they disagree on success or failure, on the kind of failure,
 * or, on success, on any field of the response, of any connection or of any
 * Ipv4Cidrs entry.  The classes of inputs on which they may differ (a number
 * too large for jansson, a NUL byte jansson drops) are explained in
 * test/support/parser_dom.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../test/support/parser_dom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[512];
    if (!ens__parsers_agree((const char *)data, size, why, sizeof(why))) {
        fprintf(stderr, "fuzz_parser_diff: the parsers disagree: %s\n", why);
        abort();
    }
    return 0;
}
