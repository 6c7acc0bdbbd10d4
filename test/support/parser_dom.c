/* SPDX-License-Identifier: MIT */
/*
 * The jansson-based reference parser and the differential check (see
 * parser_dom.h for why it is written by hand).  It loads the body into a DOM
 * (json_loadb, flags 0) and walks the tree twice: measure, then fill one
 * ens__layout block.
 */
#include "parser_dom.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/utctime.h"

typedef struct dom_walker {
    ens__layout lay;
    ens_error *err;
    const char *body; /* what jansson read */
    size_t body_len;
    size_t connections; /* NetworkPeerConnects entries seen */
    size_t cidrs;       /* Ipv4Cidrs entries seen */
} dom_walker;

/* Where a value sits, for error messages: top level, NetworkPeerConnects[conn],
 * or NetworkPeerConnects[conn].<side>. */
typedef struct dom_where {
    bool in_conn;
    size_t conn;
    const char *side;
} dom_where;

static const dom_where DOM_TOP = {false, 0, NULL};

#define DOM_MSG_STRING "is not a string"
#define DOM_MSG_OBJECT "is not an object"
#define DOM_MSG_ARRAY "is not an array"
#define DOM_MSG_INT "is not a non-negative integer"

/* ENS_EPARSE "response parse error: <path> <problem>"; index >= 0 adds "[index]" to leaf. */
static ens_status dom_wrong(dom_walker *w, const dom_where *at, const char *leaf, long long index,
                            const char *problem)
{
    char path[160], idx[32] = "";
    if (index >= 0)
        snprintf(idx, sizeof(idx), "[%lld]", index);
    if (!at->in_conn)
        snprintf(path, sizeof(path), "%s%s", leaf, idx);
    else if (!at->side)
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu]%s%s%s", at->conn, leaf ? "." : "",
                 leaf ? leaf : "", idx);
    else
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu].%s.%s%s", at->conn, at->side, leaf, idx);
    return ens__error_set(w->err, ENS_EPARSE, "response parse error: %s %s", path, problem);
}

/* Field key of obj: missing or null -> *out = NULL. */
static ens_status dom_take_string(dom_walker *w, const dom_where *at, json_t *obj, const char *key,
                                  const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return ENS_OK;
    if (!json_is_string(v))
        return dom_wrong(w, at, key, -1, DOM_MSG_STRING);
    *out = ens__layout_str(&w->lay, json_string_value(v), json_string_length(v));
    return ENS_OK;
}

/* s[0..n) as a decimal number: -?D+(.D+)?([eE][+-]?D+)?, the integer part
 * with leading zeros or not.  *out: its value when that is exactly an
 * integer in 0..INT64_MAX.  Worked on the digits as text: the significant
 * digits without their leading and trailing zeros, and the power of ten of
 * the last one. */
static bool dom_exact_count(const char *s, size_t n, int64_t *out)
{
    char digits[24];
    size_t i = 0, nd = 0, frac = 0, first_sig = SIZE_MAX, last_sig = 0, k = 0;
    long long exp = 0, e10;
    bool negative = false, exp_negative = false;
    uint64_t v = 0;

    if (i < n && s[i] == '-')
        negative = true, i++;
    /* The digits before and after the point, as one run. */
    for (bool point = false;; i++) {
        if (i < n && s[i] >= '0' && s[i] <= '9') {
            if (s[i] != '0') {
                if (first_sig == SIZE_MAX)
                    first_sig = nd;
                last_sig = nd;
            }
            nd++;
            frac += point;
        } else if (i < n && s[i] == '.' && !point && nd > 0 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
            point = true;
        } else {
            break;
        }
    }
    if (nd == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t start;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            exp_negative = s[i++] == '-';
        for (start = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (exp < 1000000000000LL)
                exp = exp * 10 + (s[i] - '0');
        if (i == start)
            return false;
    }
    if (i != n)
        return false;
    if (first_sig == SIZE_MAX) {
        *out = 0;
        return true;
    }
    if (negative)
        return false;
    /* value = digits[first_sig..last_sig] * 10^e10 */
    e10 = (long long)(nd - 1 - last_sig) - (long long)frac + (exp_negative ? -exp : exp);
    if (e10 < 0 || (long long)(last_sig - first_sig + 1) + e10 > 19)
        return false;
    /* Copy the significant digits out of s again (points skipped). */
    for (size_t j = 0, seen = 0; j < n && seen <= last_sig; j++) {
        if (s[j] < '0' || s[j] > '9')
            continue;
        if (seen >= first_sig)
            digits[k++] = s[j];
        seen++;
    }
    for (long long z = 0; z < e10; z++)
        digits[k++] = '0';
    if (k == 19 && memcmp(digits, "9223372036854775807", 19) > 0)
        return false;
    for (size_t j = 0; j < k; j++)
        v = v * 10 + (uint64_t)(digits[j] - '0');
    *out = (int64_t)v;
    return true;
}

static size_t dom_ws(const char *b, size_t len, size_t i)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    return i;
}

/* Past the string whose quote is at i. */
static size_t dom_string_end(const char *b, size_t len, size_t i)
{
    for (i++; i < len && b[i] != '"'; i++)
        if (b[i] == '\\')
            i++;
    return i + 1;
}

/* Past the value at i. */
static size_t dom_value_end(const char *b, size_t len, size_t i)
{
    size_t depth = 0;
    if (b[i] == '"')
        return dom_string_end(b, len, i);
    if (b[i] != '{' && b[i] != '[') {
        while (i < len && !strchr(",}] \t\r\n", b[i]))
            i++;
        return i;
    }
    do {
        if (b[i] == '"') {
            i = dom_string_end(b, len, i);
            continue;
        }
        depth += b[i] == '{' || b[i] == '[';
        depth -= b[i] == '}' || b[i] == ']';
        i++;
    } while (depth && i < len);
    return i;
}

/* The text of the value of the last top-level member named key, in a body
 * jansson read (so the walk can trust it; keys are decoded by jansson).
 * jansson hands reals out as doubles, and the count rule needs their
 * digits. */
static bool dom_member_text(const char *b, size_t len, const char *key, const char **at, size_t *n)
{
    size_t i = dom_ws(b, len, 0) + 1;
    bool found = false;

    for (i = dom_ws(b, len, i); i < len && b[i] == '"'; i = dom_ws(b, len, i)) {
        size_t key_end = dom_string_end(b, len, i), v;
        json_error_t jerr;
        json_t *k = json_loadb(b + i, key_end - i, JSON_DECODE_ANY, &jerr);
        i = dom_ws(b, len, dom_ws(b, len, key_end) + 1); /* past ':' */
        v = i;
        i = dom_value_end(b, len, i);
        if (k && strlen(key) == json_string_length(k) && memcmp(json_string_value(k), key, strlen(key)) == 0) {
            *at = b + v;
            *n = i - v;
            found = true;
        }
        json_decref(k);
        i = dom_ws(b, len, i);
        if (i < len && b[i] == ',')
            i++;
    }
    return found;
}

/* PageNumber, PageSize, TotalCount; missing or null -> -1. */
static ens_status dom_take_count(dom_walker *w, json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    const char *text = NULL;
    size_t len = 0;
    *out = -1;
    if (!v || json_is_null(v))
        return ENS_OK;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        _Static_assert(sizeof(json_int_t) <= sizeof(int64_t), "json_int_t wider than int64_t");
        if (n < 0)
            return dom_wrong(w, &DOM_TOP, key, -1, DOM_MSG_INT);
        *out = (int64_t)n;
        return ENS_OK;
    }
    if (json_is_string(v)) {
        text = json_string_value(v);
        len = json_string_length(v);
    } else if (json_is_real(v) && !dom_member_text(w->body, w->body_len, key, &text, &len)) {
        text = NULL;
    }
    if (text && dom_exact_count(text, len, out))
        return ENS_OK;
    *out = -1;
    return dom_wrong(w, &DOM_TOP, key, -1, DOM_MSG_INT);
}

/* "Network" / "AcceptingNetwork" of connection i. */
static ens_status dom_take_network(dom_walker *w, size_t i, json_t *conn, const char *key, ens_network_info *dst)
{
    const dom_where at_conn = {true, i, NULL}, at_side = {true, i, key};
    json_t *v = json_object_get(conn, key), *cidrs;
    const char **arr = NULL;
    ens_status st;
    size_t n;

    memset(dst, 0, sizeof(*dst));
    if (!v || json_is_null(v))
        return ENS_OK;
    if (!json_is_object(v))
        return dom_wrong(w, &at_conn, key, -1, DOM_MSG_OBJECT);
    dst->present = true;
    if ((st = dom_take_string(w, &at_side, v, "NetworkId", &dst->network_id)) != ENS_OK)
        return st;

    cidrs = json_object_get(v, "Ipv4Cidrs");
    if (!cidrs || json_is_null(cidrs))
        return ENS_OK;
    if (!json_is_array(cidrs))
        return dom_wrong(w, &at_side, "Ipv4Cidrs", -1, DOM_MSG_ARRAY);
    n = json_array_size(cidrs);
    w->cidrs += n;
    if (n)
        arr = ens__layout_ptrs(&w->lay, n);
    for (size_t j = 0; j < n; j++) {
        json_t *e = json_array_get(cidrs, j);
        const char *s;
        if (!json_is_string(e))
            return dom_wrong(w, &at_side, "Ipv4Cidrs", (long long)j, DOM_MSG_STRING);
        s = ens__layout_str(&w->lay, json_string_value(e), json_string_length(e));
        if (arr)
            arr[j] = s;
    }
    dst->ipv4_cidrs = arr;
    dst->ipv4_cidrs_count = n;
    return ENS_OK;
}

static ens_status dom_take_connection(dom_walker *w, size_t i, json_t *v, ens_peer_connection *dst)
{
    const dom_where at = {true, i, NULL};
    static const struct {
        const char *key;
        size_t offset;
    } strings[] = {
        {"InstanceId", offsetof(ens_peer_connection, instance_id)},
        {"CreationTime", offsetof(ens_peer_connection, creation_time)},
        {"Name", offsetof(ens_peer_connection, name)},
        {"Description", offsetof(ens_peer_connection, description)},
        {"EnsRegionId", offsetof(ens_peer_connection, ens_region_id)},
        {"Status", offsetof(ens_peer_connection, status_text)},
        {"NetworkId", offsetof(ens_peer_connection, network_id)},
        {"AcceptingNetworkId", offsetof(ens_peer_connection, accepting_network_id)},
    };
    ens_status st;

    if (!json_is_object(v))
        return dom_wrong(w, &at, NULL, -1, DOM_MSG_OBJECT);
    for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++) {
        const char **field = (const char **)(void *)((char *)dst + strings[k].offset);
        if ((st = dom_take_string(w, &at, v, strings[k].key, field)) != ENS_OK)
            return st;
    }
    if ((st = dom_take_network(w, i, v, "Network", &dst->network)) != ENS_OK ||
        (st = dom_take_network(w, i, v, "AcceptingNetwork", &dst->accepting_network)) != ENS_OK)
        return st;
    dst->status = w->lay.base ? ens__peer_status_from_text(dst->status_text) : ENS_PEER_STATUS_UNKNOWN;
    dst->creation_time_epoch = (time_t)-1;
    if (w->lay.base && ens__utc_time_parse(dst->creation_time, &dst->creation_time_epoch) != 0)
        dst->creation_time_epoch = (time_t)-1;
    return ENS_OK;
}

/* One walk over the (object) root; *out is the response in the block when
 * filling, unspecified while measuring. */
static ens_status dom_walk_response(dom_walker *w, json_t *root, ens_describe_response **out)
{
    ens_describe_response scratch_resp, *resp;
    ens_peer_connection scratch_conn, *conns = NULL;
    json_t *list;
    ens_status st;
    size_t n;

    resp = ens__layout_obj(&w->lay, sizeof(*resp), _Alignof(ens_describe_response));
    if (!resp)
        resp = &scratch_resp;
    memset(resp, 0, sizeof(*resp));
    if ((st = dom_take_string(w, &DOM_TOP, root, "RequestId", &resp->request_id)) != ENS_OK ||
        (st = dom_take_count(w, root, "PageNumber", &resp->page_number)) != ENS_OK ||
        (st = dom_take_count(w, root, "PageSize", &resp->page_size)) != ENS_OK ||
        (st = dom_take_count(w, root, "TotalCount", &resp->total_count)) != ENS_OK)
        return st;

    list = json_object_get(root, "NetworkPeerConnects");
    if (list && !json_is_null(list)) {
        if (!json_is_array(list))
            return dom_wrong(w, &DOM_TOP, "NetworkPeerConnects", -1, DOM_MSG_ARRAY);
        n = json_array_size(list);
        w->connections = n;
        if (n > SIZE_MAX / sizeof(ens_peer_connection)) {
            w->lay.overflow = true;
            n = 0;
        } else if (n) {
            conns = ens__layout_obj(&w->lay, n * sizeof(ens_peer_connection), _Alignof(ens_peer_connection));
        }
        for (size_t i = 0; i < n; i++) {
            ens_peer_connection *dst = conns ? &conns[i] : &scratch_conn;
            if ((st = dom_take_connection(w, i, json_array_get(list, i), dst)) != ENS_OK)
                return st;
        }
        resp->connections = conns;
        resp->connections_count = n;
    }
    *out = resp;
    return ENS_OK;
}

/* The page limits of types.h, checked once the page is known to have no
 * type error (the measuring walk): ENS_ETOOLARGE naming what. */
static ens_status dom_limits(const dom_walker *w, ens_error *err)
{
    if (w->connections > ENS_MAX_PAGE_CONNECTIONS)
        return ens__error_set(err, ENS_ETOOLARGE,
                              "response too large: NetworkPeerConnects holds %zu entries, more than the %zu a "
                              "page may hold",
                              w->connections, (size_t)ENS_MAX_PAGE_CONNECTIONS);
    if (w->cidrs > ENS_MAX_PAGE_IPV4_CIDRS)
        return ens__error_set(err, ENS_ETOOLARGE,
                              "response too large: the page holds %zu Ipv4Cidrs entries, more than the %d a page "
                              "may hold",
                              w->cidrs, ENS_MAX_PAGE_IPV4_CIDRS);
    return ENS_OK;
}

static bool dom_hex4(const char *s, size_t avail, unsigned *v)
{
    *v = 0;
    if (avail < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return false;
        *v = *v * 16 + d;
    }
    return true;
}

/* jansson refuses \u0000 (without JSON_ALLOW_NUL) and every unpaired
 * surrogate escape; the library accepts both and decodes them as U+FFFD.
 * Returns a copy of the body in which each such escape inside a string is
 * written \uFFFD (the same length, so line and column stay), or NULL when
 * the body has none. */
static char *dom_replace_escapes(const char *body, size_t len)
{
    char *copy = NULL;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        unsigned v, lo;
        if (body[i] == '"') {
            in_string = !in_string;
            continue;
        }
        if (!in_string || body[i] != '\\')
            continue;
        if (i + 1 >= len || body[i + 1] != 'u' || !dom_hex4(body + i + 2, len - i - 2, &v)) {
            i++; /* \" \\ and the rest: the next byte is not the end of the string */
            continue;
        }
        if (v >= 0xD800 && v <= 0xDBFF && i + 11 < len && body[i + 6] == '\\' && body[i + 7] == 'u' &&
            dom_hex4(body + i + 8, len - i - 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            i += 11; /* a pair */
            continue;
        }
        if (v == 0 || (v >= 0xD800 && v <= 0xDFFF)) {
            if (!copy) {
                copy = ens__malloc(len);
                if (!copy)
                    abort();
                memcpy(copy, body, len);
            }
            memcpy(copy + i + 2, "FFFD", 4);
        }
        i += 5;
    }
    return copy;
}

static ens_status dom_json_failure(ens_error *err, const json_error_t *jerr)
{
    enum json_error_code code = json_error_code(jerr);
    if (code == json_error_out_of_memory)
        return ens__error_set(err, ENS_ENOMEM, "out of memory while parsing the response body");
    if (jerr->line > 0 && code == json_error_numeric_overflow)
        return ens__error_set(err, ENS_EPARSE,
                              "response parse error: response body holds a number too large "
                              "at line %d column %d",
                              jerr->line, jerr->column);
    if (jerr->line > 0)
        return ens__error_set(err, ENS_EPARSE,
                              "response parse error: response body is not valid JSON at line %d column %d",
                              jerr->line, jerr->column);
    return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not valid JSON");
}

ens_status ens__describe_response_parse_dom(ens_describe_response **out, const char *body, size_t body_len,
                                            ens_error *err)
{
    dom_walker w = {ENS__LAYOUT_INIT, err, NULL, 0, 0, 0};
    ens_describe_response *resp = NULL;
    char *replaced;
    json_error_t jerr;
    json_t *root;
    ens_status st;
    size_t total;
    char *block;

    if (!out || (!body && body_len))
        return ens__error_set(err, ENS_EINVAL, "ens_describe_response_parse: out and body must not be NULL");
    replaced = dom_replace_escapes(body, body_len);
    w.body = replaced ? replaced : body ? body : "";
    w.body_len = body_len;
    root = json_loadb(w.body, body_len, 0, &jerr);
    if (!root) {
        ens__free(replaced);
        return dom_json_failure(err, &jerr);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        ens__free(replaced);
        return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not a JSON object");
    }

    if ((st = dom_walk_response(&w, root, &resp)) != ENS_OK || (st = dom_limits(&w, err)) != ENS_OK) {
        json_decref(root);
        ens__free(replaced);
        return st;
    }
    total = ens__layout_total(&w.lay);
    block = total ? ens__malloc(total) : NULL;
    if (!block) {
        json_decref(root);
        ens__free(replaced);
        return ens__error_set(err, ENS_ENOMEM, "out of memory while building the response (%zu bytes)", total);
    }
    ens__layout_start_fill(&w.lay, block);
    st = dom_walk_response(&w, root, &resp); /* validated above: cannot fail */
    json_decref(root);
    ens__free(replaced);
    if (st != ENS_OK) {
        ens__free(block);
        return st;
    }
    *out = resp;
    return ENS_OK;
}

/* ----------------------------------------------------------------------- */
/* Differential check                                                      */

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

#define DIFF(...) (snprintf(why, why_cap, __VA_ARGS__), false)

static bool same_network(const ens_network_info *a, const ens_network_info *b, const char *path, char *why,
                         size_t why_cap)
{
    if (a->present != b->present)
        return DIFF("%s.present: %d vs %d", path, a->present, b->present);
    if (!same_text(a->network_id, b->network_id))
        return DIFF("%s.NetworkId: \"%s\" vs \"%s\"", path, a->network_id ? a->network_id : "(null)",
                    b->network_id ? b->network_id : "(null)");
    if (a->ipv4_cidrs_count != b->ipv4_cidrs_count)
        return DIFF("%s.Ipv4Cidrs count: %zu vs %zu", path, a->ipv4_cidrs_count, b->ipv4_cidrs_count);
    if ((a->ipv4_cidrs == NULL) != (b->ipv4_cidrs == NULL) || (a->ipv4_cidrs == NULL) != (a->ipv4_cidrs_count == 0))
        return DIFF("%s.Ipv4Cidrs: array NULL-ness", path);
    for (size_t j = 0; j < a->ipv4_cidrs_count; j++)
        if (!a->ipv4_cidrs[j] || !b->ipv4_cidrs[j] || strcmp(a->ipv4_cidrs[j], b->ipv4_cidrs[j]) != 0)
            return DIFF("%s.Ipv4Cidrs[%zu] differs", path, j);
    return true;
}

static bool same_response(const ens_describe_response *a, const ens_describe_response *b, char *why,
                          size_t why_cap)
{
    if (!same_text(a->request_id, b->request_id))
        return DIFF("RequestId differs");
    if (a->page_number != b->page_number || a->page_size != b->page_size || a->total_count != b->total_count)
        return DIFF("counts: %lld/%lld/%lld vs %lld/%lld/%lld", (long long)a->page_number,
                    (long long)a->page_size, (long long)a->total_count, (long long)b->page_number,
                    (long long)b->page_size, (long long)b->total_count);
    if (a->connections_count != b->connections_count)
        return DIFF("connections_count: %zu vs %zu", a->connections_count, b->connections_count);
    if ((a->connections == NULL) != (b->connections == NULL) ||
        (a->connections == NULL) != (a->connections_count == 0))
        return DIFF("connections: array NULL-ness");
    for (size_t i = 0; i < a->connections_count; i++) {
        const ens_peer_connection *x = &a->connections[i], *y = &b->connections[i];
        const char *const xs[] = {x->instance_id, x->creation_time, x->name, x->description,
                                  x->ens_region_id, x->status_text, x->network_id, x->accepting_network_id};
        const char *const ys[] = {y->instance_id, y->creation_time, y->name, y->description,
                                  y->ens_region_id, y->status_text, y->network_id, y->accepting_network_id};
        char path[64];
        for (size_t k = 0; k < sizeof(xs) / sizeof(xs[0]); k++)
            if (!same_text(xs[k], ys[k]))
                return DIFF("NetworkPeerConnects[%zu]: text field %zu differs", i, k);
        if (x->status != y->status || x->creation_time_epoch != y->creation_time_epoch)
            return DIFF("NetworkPeerConnects[%zu]: status or creation_time_epoch differs", i);
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu].Network", i);
        if (!same_network(&x->network, &y->network, path, why, why_cap))
            return false;
        snprintf(path, sizeof(path), "NetworkPeerConnects[%zu].AcceptingNetwork", i);
        if (!same_network(&x->accepting_network, &y->accepting_network, path, why, why_cap))
            return false;
    }
    return true;
}

typedef struct outcome {
    ens_status st;
    ens_error err;
    ens_describe_response *resp;
} outcome;

static void run_parser(outcome *o, bool reference, const char *body, size_t body_len)
{
    o->resp = NULL;
    o->err = (ens_error)ENS_ERROR_INIT;
    o->st = reference ? ens__describe_response_parse_dom(&o->resp, body, body_len, &o->err)
                      : ens_describe_response_parse(&o->resp, body, body_len, &o->err);
}

static void outcome_free(outcome *o)
{
    if (o->st == ENS_OK)
        ens_describe_response_free(o->resp);
}

static const char INVALID_JSON[] = "response body is not valid JSON";

/* Same status and: for invalid JSON, both say so (the line and column may
 * differ); for another failure, the same description; on success, equal
 * values in every field. */
static bool same_outcome(const outcome *a, const outcome *b, char *why, size_t why_cap)
{
    if (a->st != b->st)
        return DIFF("status %d (%s) vs %d (%s)", (int)a->st, a->st == ENS_OK ? "" : a->err.description, (int)b->st,
                    b->st == ENS_OK ? "" : b->err.description);
    if (a->st == ENS_OK)
        return same_response(a->resp, b->resp, why, why_cap);
    if (strstr(b->err.description, INVALID_JSON))
        return strstr(a->err.description, INVALID_JSON)
                   ? true
                   : DIFF("\"%s\" vs \"%s\"", a->err.description, b->err.description);
    return strcmp(a->err.description, b->err.description) == 0
               ? true
               : DIFF("\"%s\" vs \"%s\"", a->err.description, b->err.description);
}

/* jansson 2.14 drops a raw NUL byte that directly follows a number or
 * true/false/null (its reader takes the pushed-back NUL for an empty
 * buffer), so for it "[1\0]" is "[1]"; the scanner refuses the stray byte.
 * Returns a copy of body without those NULs (*len_out), or NULL if there are
 * none. */
static char *without_dropped_nuls(const char *body, size_t body_len, size_t *len_out)
{
    char *copy = NULL;
    size_t n = 0;

    for (size_t i = 1; i < body_len; i++) {
        char prev = body[i - 1];
        if (body[i] == '\0' && ((prev >= '0' && prev <= '9') || prev == 'e' || prev == 'l')) {
            if (!copy) {
                copy = ens__malloc(body_len);
                if (!copy)
                    abort();
                memcpy(copy, body, i);
                n = i;
            }
            continue;
        }
        if (copy)
            copy[n++] = body[i];
    }
    *len_out = n;
    return copy;
}

/* See parser_dom.h. */
bool ens__parsers_agree(const char *body, size_t body_len, char *why, size_t why_cap)
{
    outcome mine, ref;
    bool agree;
    char *cleaned;
    size_t cleaned_len;

    why[0] = '\0';
    run_parser(&mine, false, body, body_len);
    run_parser(&ref, true, body, body_len);
    if (ref.st == ENS_EPARSE && strstr(ref.err.description, "holds a number too large"))
        agree = mine.st == ENS_OK || mine.st == ENS_EPARSE
                    ? true
                    : DIFF("scanner status %d (%s) on a number too large", (int)mine.st, mine.err.description);
    else if ((agree = same_outcome(&mine, &ref, why, why_cap)) == false &&
             (cleaned = without_dropped_nuls(body, body_len, &cleaned_len)) != NULL) {
        outcome ref_cleaned;
        run_parser(&ref_cleaned, true, cleaned, cleaned_len);
        if (mine.st != ENS_EPARSE || !strstr(mine.err.description, INVALID_JSON))
            agree = DIFF("a NUL after a token: scanner status %d (%s)", (int)mine.st,
                         mine.st == ENS_OK ? "" : mine.err.description);
        else if (!same_outcome(&ref, &ref_cleaned, why, why_cap))
            agree = false;
        else
            agree = ens__parsers_agree(cleaned, cleaned_len, why, why_cap);
        outcome_free(&ref_cleaned);
        ens__free(cleaned);
    }
    outcome_free(&mine);
    outcome_free(&ref);
    return agree;
}

#undef DIFF
