/* SPDX-License-Identifier: MIT */
/*
 * Test support: a second, independent parser of DescribeNetworkPeerConnections
 * pages, for differential testing of the library's (lib/json/page.c).  Built
 * into test_parser and the fuzz_parser_diff fuzz target only, never into the
 * library.
 *
 * It is written by hand on jansson's tree (the parser the library used before
 * its scanner) and does NOT read the library's field tables.  A reference is
 * only worth something where it can disagree: a row of those tables with the
 * wrong member, kind or name, or a wrong rule in the code they drive, would be
 * wrong in a reference built from the same tables too, and the differential
 * tests would pass.  Written separately, each field appears twice, once here
 * and once in a table row, and a difference between the two is a failing
 * test.  What both share is outside the schema: the single-block layout and
 * the derived fields (status enum, UTC time) of lib/model and lib/util.
 */
#ifndef ENS_TEST_PARSER_DOM_H
#define ENS_TEST_PARSER_DOM_H

#include <stdbool.h>
#include <stddef.h>

#include "ensclient/types.h"

/* ens_describe_response_parse() as jansson reads the body (json_loadb, flags
 * 0): the same contract, errors and single-block result, except where
 * jansson itself differs (see ens__parsers_agree()).  Where jansson is
 * stricter than the library's rules, the reference does its own work:
 * - jansson refuses \u0000 and unpaired surrogate escapes; the reference
 *   hands it a copy of the body in which each is written \uFFFD (the same
 *   length), which is what the library decodes them to;
 * - jansson reads 57.0 or 5e1 as a double; for such a count the reference
 *   finds the number's text in the body and works out its value on the
 *   digits (the library takes any number whose value is exactly a
 *   non-negative int64);
 * - the page limits of types.h (ENS_MAX_PAGE_CONNECTIONS,
 *   ENS_MAX_PAGE_IPV4_CIDRS) are checked on the tree.  jansson keeps only the
 *   last of duplicate keys, so the reference counts only the Ipv4Cidrs
 *   entries of last occurrences, where the library counts every entry it
 *   read: they can differ only on a page of more than 100,000 entries whose
 *   objects repeat a member. */
ens_status ens__describe_response_parse_dom(ens_describe_response **out, const char *body, size_t body_len,
                                            ens_error *err);

/*
 * Runs the library's parser and the reference parser on the same body and
 * returns true when their outcomes agree: same status; for invalid JSON, both
 * say so (the line and column may differ); for another failure, the same
 * description; on success, equal values in every field.  Two classes of
 * bodies are let through, because jansson, not the scanner, is at odds with
 * JSON there:
 * - jansson refuses the whole document when any number overflows (an integer
 *   beyond int64, or a real beyond double), reporting "number too large"; the
 *   scanner only converts the numbers it reads (PageNumber, PageSize,
 *   TotalCount, which then fail naming the field) and accepts any other
 *   number the JSON grammar allows: the scanner may succeed or fail;
 * - jansson 2.14 silently drops a raw NUL byte that directly follows a number
 *   or true/false/null ("[1\0]" loads as [1]): its reader pushes the byte
 *   after a token back into a NUL-terminated one-character buffer and then
 *   takes the NUL for an empty buffer.  The scanner refuses the stray byte, as
 *   it refuses a NUL anywhere else outside a string: it must refuse the body
 *   as invalid JSON, jansson must have read the body without those bytes as it
 *   read the body, and the two parsers must agree on it.
 * On a disagreement, why (why_cap bytes) says what differed.
 */
bool ens__parsers_agree(const char *body, size_t body_len, char *why, size_t why_cap);

#endif
