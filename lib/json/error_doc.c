/* SPDX-License-Identifier: MIT */
/*
 * Service error documents (ens__parse_error_body, see parser.h): the
 * {"Code": ..., "Message": ..., "RequestId": ...} object that comes with an
 * HTTP error.  They are rare and small, so jansson reads them; success pages
 * go through the lexer (page.c).
 */
#include "json/parser.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

/* Copies s[0..len) into dst (capacity cap), cutting at a UTF-8 character
 * boundary when it does not fit. */
static void copy_field(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        /* s[len] is the first byte left out: if it continues a character, drop
         * that character's first bytes too (at most 3 back). */
        for (int k = 0; k < 3 && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80; k++)
            len--;
        if (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len = cap - 1; /* not UTF-8 anyway: plain byte cut */
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static void copy_member(char *dst, size_t cap, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        copy_field(dst, cap, json_string_value(v), json_string_length(v));
}

/* code equals name, or starts with name followed by '.'. */
static bool code_in_family(const char *code, const char *name)
{
    size_t n = strlen(name);
    return strncmp(code, name, n) == 0 && (code[n] == '\0' || code[n] == '.');
}

static bool code_is_auth(const char *code)
{
    return strcmp(code, "SignatureDoesNotMatch") == 0 || strcmp(code, "IncompleteSignature") == 0 ||
           strcmp(code, "SignatureNonceUsed") == 0 || code_in_family(code, "InvalidAccessKeyId") ||
           code_in_family(code, "InvalidTimeStamp") || code_in_family(code, "InvalidSecurityToken");
}

/* One line for humans: every C0 control character and DEL become spaces. */
static void sanitize_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = ' ';
}

/* The description is built from the (already truncated) fields, so it always
 * fits: "authentication error " + code + " (HTTP " + long + "): " + message +
 * " [RequestId: " + request_id + "]". */
_Static_assert(sizeof("authentication error ") + sizeof(((ens_error *)0)->code) + sizeof(" (HTTP ") + 21 +
                       sizeof("): ") + sizeof(((ens_error *)0)->message) + sizeof(" [RequestId: ") +
                       sizeof(((ens_error *)0)->request_id) + sizeof("]") <=
                   sizeof(((ens_error *)0)->description),
               "ens_error.description too small for a service error line");

ens_status ens__parse_error_body(const char *body, size_t len, long http_status, ens_error *err)
{
    json_error_t jerr;
    json_t *root = NULL, *code = NULL;
    ens_status st;

    if (body && len)
        root = json_loadb(body, len, 0, &jerr);
    if (!root && body && len && json_error_code(&jerr) == json_error_out_of_memory) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory while parsing an HTTP %ld error body", http_status);
        if (err)
            err->http_status = http_status;
        return st;
    }
    if (json_is_object(root))
        code = json_object_get(root, "Code");

    if (!json_is_string(code) || json_string_length(code) == 0) {
        /* Not a service error document. */
        if (!body || !len)
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with an empty body", http_status);
        else if (!root)
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with a non-JSON body (%zu bytes)", http_status, len);
        else
            st = ens__error_set(err, ENS_EHTTP, "HTTP %ld with a JSON body that has no error Code (%zu bytes)",
                                http_status, len);
        if (err) {
            err->http_status = http_status;
            if (json_is_object(root)) {
                copy_member(err->request_id, sizeof(err->request_id), root, "RequestId");
                if (err->request_id[0]) {
                    size_t used = strlen(err->description);
                    snprintf(err->description + used, sizeof(err->description) - used, " [RequestId: %s]",
                             err->request_id);
                    sanitize_line(err->description);
                }
            }
        }
        json_decref(root);
        return st;
    }

    st = code_is_auth(json_string_value(code)) ? ENS_EAUTH : ENS_ESERVICE;
    if (err) {
        ens__error_set(err, st, "%s", "");
        err->http_status = http_status;
        copy_member(err->code, sizeof(err->code), root, "Code");
        copy_member(err->message, sizeof(err->message), root, "Message");
        copy_member(err->request_id, sizeof(err->request_id), root, "RequestId");
        copy_member(err->host_id, sizeof(err->host_id), root, "HostId");
        copy_member(err->recommend, sizeof(err->recommend), root, "Recommend");
        snprintf(err->description, sizeof(err->description), "%s %s (HTTP %ld)%s%s%s%s%s",
                 st == ENS_EAUTH ? "authentication error" : "service error", err->code, http_status,
                 err->message[0] ? ": " : "", err->message, err->request_id[0] ? " [RequestId: " : "",
                 err->request_id, err->request_id[0] ? "]" : "");
        sanitize_line(err->description);
    }
    json_decref(root);
    return st;
}
