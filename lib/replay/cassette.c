/* SPDX-License-Identifier: MIT */
/* Cassette reading, and what the replay and record transports share. */
#include "replay/cassette.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/url.h"
#include "transport/transport_internal.h"

/* ---- shared by the replay and record transports ----------------------- */

void ens__cassette_target(const char *url, const char **path, size_t *path_len, const char **query,
                          size_t *query_len)
{
    ens__url u;
    ens__url_split(url, ENS__URL_BARE_PATH, &u);
    *path = u.path_len ? u.path : "/";
    *path_len = u.path_len ? u.path_len : 1;
    *query = u.query ? u.query : "";
    *query_len = u.query_len;
}

void ens__ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int ens__json_to_buf(const char *buffer, size_t size, void *data)
{
    return ens__buf_put(data, buffer, size);
}

static const struct {
    const char *word;
    ens_status status;
} failure_words[] = {
    {"network", ENS_ENETWORK},
    {"timeout", ENS_ETIMEOUT},
    {"tls", ENS_ETLS},
    {"too_large", ENS_ETOOLARGE},
};

const char *ens__failure_word(ens_status st)
{
    size_t i;
    for (i = 0; i < sizeof(failure_words) / sizeof(failure_words[0]); i++)
        if (failure_words[i].status == st)
            return failure_words[i].word;
    return NULL;
}

ens_status ens__failure_status(const char *word)
{
    size_t i;
    for (i = 0; i < sizeof(failure_words) / sizeof(failure_words[0]); i++)
        if (strcmp(failure_words[i].word, word) == 0)
            return failure_words[i].status;
    return ENS_OK;
}

const char *ens__auth_signature(const char *authorization, size_t *len)
{
    const char *s = strstr(authorization, "Signature=");
    if (!s) {
        *len = strlen(authorization);
        return authorization;
    }
    s += strlen("Signature=");
    *len = strcspn(s, ",");
    return s;
}

void ens__fingerprint(const void *data, size_t len, char out[ENS__FP_HEX + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, ENS__FP_HEX + 1, digest, ENS__FP_HEX / 2);
}

bool ens__recorded_fingerprint(const char *authorization, char out[ENS__FP_HEX + 1])
{
    static const char tag[] = "[redacted sha256:";
    const char *s = authorization ? strstr(authorization, tag) : NULL;
    size_t i;
    if (!s)
        return false;
    s += sizeof(tag) - 1;
    for (i = 0; i < ENS__FP_HEX; i++) {
        if (!s[i] || !strchr("0123456789abcdef", s[i]))
            return false;
        out[i] = s[i];
    }
    out[ENS__FP_HEX] = '\0';
    return s[ENS__FP_HEX] == ']';
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct loader {
    const char *origin;
    ens_error *err;
    char place[192]; /* where we are, e.g. "exchanges[2].response" */
} loader;

static ens_status shape_error(loader *l, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ens_status shape_error(loader *l, const char *member, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ens__error_set(l->err, ENS_EPARSE, "%s: %s%s%s: %s", l->origin, l->place,
                          member && *l->place ? "." : "", member ? member : "", what);
}

static ens_status oom(loader *l)
{
    return ens__error_set(l->err, ENS_ENOMEM, "out of memory: loading %s", l->origin);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Every member of obj must be one of keys (NULL-terminated); "comment" is
 * always allowed, to annotate hand-written cassettes. */
static ens_status check_keys(loader *l, json_t *obj, const char *const *keys)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        const char *const *k;
        bool known = strcmp(key, "comment") == 0;
        for (k = keys; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known)
            return shape_error(l, NULL, "unknown member \"%.64s\"", key);
    }
    return ENS_OK;
}

/* A string member without NUL bytes; *out NULL when absent. */
static ens_status get_string(loader *l, json_t *obj, const char *member, const char **out)
{
    json_t *v = json_object_get(obj, member);
    *out = NULL;
    if (!v)
        return ENS_OK;
    if (!json_is_string(v))
        return shape_error(l, member, "expected a string, found %s", json_kind(v));
    if (strlen(json_string_value(v)) != json_string_length(v))
        return shape_error(l, member, "contains a NUL character");
    *out = json_string_value(v);
    return ENS_OK;
}

static void free_headers(ens_http_header *h, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        ens__free((char *)h[i].name);
        ens__free((char *)h[i].value);
    }
    ens__free(h);
}

/* "headers": { "name": "value", ... } -> array with lowercased names. */
static ens_status parse_headers(loader *l, json_t *parent, ens_http_header **out, size_t *count)
{
    json_t *obj = json_object_get(parent, "headers"), *v;
    const char *key;
    ens_http_header *h;
    size_t n = 0;

    *out = NULL;
    *count = 0;
    if (!obj)
        return ENS_OK;
    if (!json_is_object(obj))
        return shape_error(l, "headers", "expected an object, found %s", json_kind(obj));
    if (json_object_size(obj) == 0)
        return ENS_OK;
    h = ens__calloc(json_object_size(obj), sizeof(*h));
    if (!h)
        return oom(l);
    json_object_foreach(obj, key, v) {
        char *name;
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) || !*key) {
            free_headers(h, n);
            return shape_error(l, "headers", "\"%.64s\": expected a non-empty name and a string value",
                               key);
        }
        if (ens__header_find(h, n, key)) {
            free_headers(h, n);
            return shape_error(l, "headers", "\"%.64s\" appears twice (names are case-insensitive)",
                               key);
        }
        name = ens__strdup(key);
        h[n].value = ens__strdup(json_string_value(v));
        h[n].name = name;
        if (!name || !h[n].value) {
            free_headers(h, n + 1);
            return oom(l);
        }
        ens__ascii_lower(name);
        n++;
    }
    *out = h;
    *count = n;
    return ENS_OK;
}

static ens_status parse_request(loader *l, json_t *req, ens__recorded_exchange *x)
{
    static const char *const keys[] = {"method", "path", "query", "headers", NULL};
    const char *method, *path, *query, *v;
    ens_status st;

    if (!json_is_object(req))
        return shape_error(l, "request", "expected an object, found %s", req ? json_kind(req) : "nothing");
    strcat(l->place, ".request");
    if ((st = check_keys(l, req, keys)) != ENS_OK || (st = get_string(l, req, "method", &method)) != ENS_OK ||
        (st = get_string(l, req, "path", &path)) != ENS_OK ||
        (st = get_string(l, req, "query", &query)) != ENS_OK)
        return st;
    if (!method || !*method)
        return shape_error(l, "method", "missing (a string such as \"POST\")");
    if (path && *path != '/')
        return shape_error(l, "path", "must start with '/'");
    x->method = ens__strdup(method);
    x->path = ens__strdup(path ? path : "/");
    x->query = ens__strdup(query ? query : "");
    if (!x->method || !x->path || !x->query)
        return oom(l);
    if ((st = parse_headers(l, req, &x->req_headers, &x->req_header_count)) != ENS_OK)
        return st;
    v = ens__header_find(x->req_headers, x->req_header_count, "x-acs-action");
    x->action = v ? v : "";
    v = ens__header_find(x->req_headers, x->req_header_count, "x-acs-version");
    x->api_version = v ? v : "";
    return ENS_OK;
}

static ens_status copy_bytes(loader *l, ens__recorded_exchange *x, const char *data, size_t len)
{
    x->body = ens__malloc(len + 1);
    if (!x->body)
        return oom(l);
    if (len)
        memcpy(x->body, data, len);
    x->body[len] = '\0';
    x->body_len = len;
    return ENS_OK;
}

static ens_status parse_body(loader *l, json_t *resp, ens__recorded_exchange *x)
{
    json_t *json = json_object_get(resp, "json"), *body = json_object_get(resp, "body"),
           *b64 = json_object_get(resp, "body_base64");

    if ((json != NULL) + (body != NULL) + (b64 != NULL) > 1)
        return shape_error(l, NULL, "give at most one of \"json\", \"body\" and \"body_base64\"");
    if (json) {
        ens__buf b = ENS__BUF_INIT;
        if (json_dump_callback(json, ens__json_to_buf, &b, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
            bool no_memory = b.oom;
            ens__buf_free(&b);
            return no_memory ? oom(l) : shape_error(l, "json", "cannot be serialised");
        }
        x->body_len = b.len;
        x->body = ens__buf_detach(&b);
        return x->body ? ENS_OK : oom(l);
    }
    if (body) {
        if (!json_is_string(body))
            return shape_error(l, "body", "expected a string, found %s", json_kind(body));
        return copy_bytes(l, x, json_string_value(body), json_string_length(body));
    }
    if (b64) {
        const char *text;
        size_t text_len, max, len = 0;
        unsigned char *bin;
        if (!json_is_string(b64))
            return shape_error(l, "body_base64", "expected a string, found %s", json_kind(b64));
        text = json_string_value(b64);
        text_len = json_string_length(b64);
        max = text_len / 4 * 3 + 3;
        bin = ens__malloc(max + 1);
        if (!bin)
            return oom(l);
        if (sodium_base642bin(bin, max, text, text_len, "\n\r ", &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            ens__free(bin);
            return shape_error(l, "body_base64", "is not valid base64");
        }
        bin[len] = '\0';
        x->body = (char *)bin;
        x->body_len = len;
        return ENS_OK;
    }
    return copy_bytes(l, x, "", 0);
}

static ens_status parse_response(loader *l, json_t *resp, ens__recorded_exchange *x)
{
    static const char *const failure_keys[] = {"error", "message", NULL};
    static const char *const response_keys[] = {"status", "headers", "json", "body", "body_base64", NULL};
    json_t *status;
    const char *word, *message;
    ens_status st;

    if (!json_is_object(resp))
        return shape_error(l, "response", "expected an object, found %s",
                           resp ? json_kind(resp) : "nothing");
    strcat(l->place, ".response");
    if ((st = get_string(l, resp, "error", &word)) != ENS_OK)
        return st;
    if (word) {
        if ((st = check_keys(l, resp, failure_keys)) != ENS_OK ||
            (st = get_string(l, resp, "message", &message)) != ENS_OK)
            return st;
        x->failure = ens__failure_status(word);
        if (x->failure == ENS_OK)
            return shape_error(l, "error", "\"%.32s\" is not one of network, timeout, tls, too_large",
                               word);
        x->message = ens__strdup(message ? message : "");
        return x->message ? ENS_OK : oom(l);
    }
    if ((st = check_keys(l, resp, response_keys)) != ENS_OK)
        return st;
    status = json_object_get(resp, "status");
    if (!status)
        return shape_error(l, "status", "missing (give \"status\" or \"error\")");
    if (!json_is_integer(status) || json_integer_value(status) < 100 || json_integer_value(status) > 999)
        return shape_error(l, "status", "expected an integer 100..999");
    x->status = (long)json_integer_value(status);
    if ((st = parse_headers(l, resp, &x->resp_headers, &x->resp_header_count)) != ENS_OK)
        return st;
    return parse_body(l, resp, x);
}

void ens__cassette_clear(ens__cassette *c)
{
    size_t i;
    if (!c)
        return;
    for (i = 0; i < c->count; i++) {
        ens__recorded_exchange *x = &c->items[i];
        ens__free(x->method);
        ens__free(x->path);
        ens__free(x->query);
        free_headers(x->req_headers, x->req_header_count);
        ens__free(x->message);
        free_headers(x->resp_headers, x->resp_header_count);
        ens__free(x->body);
    }
    ens__free(c->items);
    c->items = NULL;
    c->count = 0;
}

static ens_status parse_root(loader *l, json_t *root, ens__cassette *out)
{
    static const char *const keys[] = {"cassette", "exchanges", NULL};
    static const char *const exchange_keys[] = {"request", "response", NULL};
    json_t *format, *exchanges, *x;
    size_t i;
    ens_status st;

    if (!json_is_object(root))
        return shape_error(l, NULL, "the top level must be an object, found %s", json_kind(root));
    if ((st = check_keys(l, root, keys)) != ENS_OK)
        return st;
    format = json_object_get(root, "cassette");
    if (!json_is_integer(format) || json_integer_value(format) != ENS__CASSETTE_FORMAT)
        return shape_error(l, "cassette", "expected the format number %d", ENS__CASSETTE_FORMAT);
    exchanges = json_object_get(root, "exchanges");
    if (!json_is_array(exchanges))
        return shape_error(l, "exchanges", "expected an array, found %s",
                           exchanges ? json_kind(exchanges) : "nothing");
    if (json_array_size(exchanges) == 0)
        return ENS_OK;
    out->items = ens__calloc(json_array_size(exchanges), sizeof(*out->items));
    if (!out->items)
        return oom(l);
    json_array_foreach(exchanges, i, x) {
        out->count = i + 1; /* so that clear() frees what this one got */
        snprintf(l->place, sizeof(l->place), "exchanges[%zu]", i);
        if (!json_is_object(x))
            return shape_error(l, NULL, "expected an object, found %s", json_kind(x));
        if ((st = check_keys(l, x, exchange_keys)) != ENS_OK ||
            (st = parse_request(l, json_object_get(x, "request"), &out->items[i])) != ENS_OK)
            return st;
        snprintf(l->place, sizeof(l->place), "exchanges[%zu]", i);
        if ((st = parse_response(l, json_object_get(x, "response"), &out->items[i])) != ENS_OK)
            return st;
    }
    return ENS_OK;
}

ens_status ens__cassette_parse(ens__cassette *out, const char *data, size_t len, const char *origin,
                               ens_error *err)
{
    loader l;
    json_error_t jerr;
    json_t *root;
    ens_status st;

    memset(out, 0, sizeof(*out));
    memset(&l, 0, sizeof(l));
    l.origin = origin;
    l.err = err;
    root = json_loadb(data, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            return oom(&l);
        return ens__error_set(err, ENS_EPARSE, "%s: invalid JSON at line %d, column %d: %s", origin,
                              jerr.line, jerr.column, jerr.text);
    }
    st = parse_root(&l, root, out);
    json_decref(root);
    if (st != ENS_OK)
        ens__cassette_clear(out);
    return st;
}
