/*
 * Response bodies: DescribeNetworkPeerConnections success pages and service
 * error documents.
 *
 * Success pages (ens_describe_response_parse):
 * - jansson parses the body with flags 0: input is length-delimited, the top
 *   level must be an object, and "\u0000" inside a string is rejected, so
 *   every string handed out is a proper C string.  A JSON integer too large
 *   for jansson also fails the whole document (it cannot name the field), and
 *   so does text that is not UTF-8.  Of duplicate keys the last one wins.
 * - The tree is walked twice by the same code (walk_response): the first walk
 *   validates every type and measures, the second fills ONE block holding the
 *   ens_describe_response, the connection array, the Ipv4Cidrs pointer arrays
 *   and every string (see ens__layout in parser.h).  ens_describe_response_free
 *   frees that block.
 * - Missing and null fields give NULL / -1 / present=false / count 0; unknown
 *   fields are ignored.  A field of the wrong JSON type is ENS_EPARSE and the
 *   description names its path, e.g.
 *   "NetworkPeerConnects[3].Network.Ipv4Cidrs[0] is not a string".
 * - An entry of NetworkPeerConnects or of Ipv4Cidrs that is null is a parse
 *   error like any other non-object / non-string entry: the arrays handed out
 *   never contain NULL entries.
 * - PageNumber, PageSize, TotalCount: a JSON integer >= 0, or a string of
 *   ASCII digits only (no sign, no space, not empty) whose value fits int64.
 *   Anything else (negative, real, boolean, other text, overflow) is
 *   ENS_EPARSE "<Field> is not a non-negative integer".
 * - Strings are copied byte for byte (json_string_length + memcpy): no
 *   trimming, no re-encoding.
 * - An empty array (NetworkPeerConnects or Ipv4Cidrs) gives a NULL pointer
 *   and a count of 0, like an absent one.
 */
#include "parser.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

/* ----------------------------------------------------------------------- */
/* Status names and times                                                  */

ENS_EXTERN const char *ens_peer_status_name(ens_peer_status status)
{
    switch (status) {
    case ENS_PEER_STATUS_CREATING: return "Creating";
    case ENS_PEER_STATUS_ACTIVATED: return "Activated";
    case ENS_PEER_STATUS_DELETING: return "Deleting";
    case ENS_PEER_STATUS_UNKNOWN: break;
    }
    return "Unknown";
}

static ens_peer_status status_from_text(const char *s)
{
    if (!s)
        return ENS_PEER_STATUS_UNKNOWN;
    if (strcmp(s, "Creating") == 0)
        return ENS_PEER_STATUS_CREATING;
    if (strcmp(s, "Activated") == 0)
        return ENS_PEER_STATUS_ACTIVATED;
    if (strcmp(s, "Deleting") == 0)
        return ENS_PEER_STATUS_DELETING;
    return ENS_PEER_STATUS_UNKNOWN;
}

/* Reads n decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Leap years in 1..y (y >= 0). */
static int64_t leaps_through(int64_t y) { return y / 4 - y / 100 + y / 400; }

time_t ens__parse_utc_time(const char *s)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day, hour, minute, second;
    int64_t days, secs;

    if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z')
        return (time_t)-1;
    year = digits(s, 4);
    month = digits(s + 5, 2);
    day = digits(s + 8, 2);
    hour = digits(s + 11, 2);
    minute = digits(s + 14, 2);
    second = digits(s + 17, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 59)
        return (time_t)-1;
    if (day > month_days[month - 1] + (month == 2 && is_leap(year)))
        return (time_t)-1;

    /* Days from 1970-01-01 to the first of the year, then to the day. */
    days = 365 * ((int64_t)year - 1970) + leaps_through(year - 1) - leaps_through(1969);
    for (int m = 1; m < month; m++)
        days += month_days[m - 1] + (m == 2 && is_leap(year));
    days += day - 1;
    secs = days * 86400 + hour * 3600 + minute * 60 + second;
    if ((int64_t)(time_t)secs != secs)
        return (time_t)-1;
    return (time_t)secs;
}

/* ----------------------------------------------------------------------- */
/* Success pages                                                           */

typedef struct walker {
    ens__layout lay;
    ens_error *err;
} walker;

/* Where a value sits, for error messages: top level, NetworkPeerConnects[conn],
 * or NetworkPeerConnects[conn].<side>. */
typedef struct where {
    bool in_conn;
    size_t conn;
    const char *side;
} where;

static const where TOP = {false, 0, NULL};

#define MSG_STRING "is not a string"
#define MSG_OBJECT "is not an object"
#define MSG_ARRAY "is not an array"
#define MSG_INT "is not a non-negative integer"

/* ENS_EPARSE "response parse error: <path> <problem>"; index >= 0 adds "[index]" to leaf. */
static ens_status wrong(walker *w, const where *at, const char *leaf, long long index, const char *problem)
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
static ens_status take_string(walker *w, const where *at, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return ENS_OK;
    if (!json_is_string(v))
        return wrong(w, at, key, -1, MSG_STRING);
    *out = ens__layout_str(&w->lay, json_string_value(v), json_string_length(v));
    return ENS_OK;
}

/* Field key of obj as described at the top of this file; missing or null -> -1. */
static ens_status take_count(walker *w, json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v))
        return ENS_OK;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        _Static_assert(sizeof(json_int_t) <= sizeof(int64_t), "json_int_t wider than int64_t");
        if (n < 0)
            return wrong(w, &TOP, key, -1, MSG_INT);
        *out = (int64_t)n;
        return ENS_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        int64_t n = 0;
        if (len == 0)
            return wrong(w, &TOP, key, -1, MSG_INT);
        for (size_t i = 0; i < len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9 || n > (INT64_MAX - d) / 10)
                return wrong(w, &TOP, key, -1, MSG_INT);
            n = n * 10 + d;
        }
        *out = n;
        return ENS_OK;
    }
    return wrong(w, &TOP, key, -1, MSG_INT);
}

/* "Network" / "AcceptingNetwork" of connection i. */
static ens_status take_network(walker *w, size_t i, json_t *conn, const char *key, ens_network_info *dst)
{
    const where at_conn = {true, i, NULL}, at_side = {true, i, key};
    json_t *v = json_object_get(conn, key), *cidrs;
    const char **arr = NULL;
    ens_status st;
    size_t n;

    memset(dst, 0, sizeof(*dst));
    if (!v || json_is_null(v))
        return ENS_OK;
    if (!json_is_object(v))
        return wrong(w, &at_conn, key, -1, MSG_OBJECT);
    dst->present = true;
    if ((st = take_string(w, &at_side, v, "NetworkId", &dst->network_id)) != ENS_OK)
        return st;

    cidrs = json_object_get(v, "Ipv4Cidrs");
    if (!cidrs || json_is_null(cidrs))
        return ENS_OK;
    if (!json_is_array(cidrs))
        return wrong(w, &at_side, "Ipv4Cidrs", -1, MSG_ARRAY);
    n = json_array_size(cidrs);
    if (n)
        arr = ens__layout_ptrs(&w->lay, n);
    for (size_t j = 0; j < n; j++) {
        json_t *e = json_array_get(cidrs, j);
        const char *s;
        if (!json_is_string(e))
            return wrong(w, &at_side, "Ipv4Cidrs", (long long)j, MSG_STRING);
        s = ens__layout_str(&w->lay, json_string_value(e), json_string_length(e));
        if (arr)
            arr[j] = s;
    }
    dst->ipv4_cidrs = arr;
    dst->ipv4_cidrs_count = n;
    return ENS_OK;
}

static ens_status take_connection(walker *w, size_t i, json_t *v, ens_peer_connection *dst)
{
    const where at = {true, i, NULL};
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
        return wrong(w, &at, NULL, -1, MSG_OBJECT);
    for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++) {
        const char **field = (const char **)(void *)((char *)dst + strings[k].offset);
        if ((st = take_string(w, &at, v, strings[k].key, field)) != ENS_OK)
            return st;
    }
    if ((st = take_network(w, i, v, "Network", &dst->network)) != ENS_OK ||
        (st = take_network(w, i, v, "AcceptingNetwork", &dst->accepting_network)) != ENS_OK)
        return st;
    /* Derived values are only needed in the block actually handed out. */
    dst->status = w->lay.base ? status_from_text(dst->status_text) : ENS_PEER_STATUS_UNKNOWN;
    dst->creation_time_epoch = w->lay.base ? ens__parse_utc_time(dst->creation_time) : (time_t)-1;
    return ENS_OK;
}

/* One walk over the (object) root; *out is the response in the block when
 * filling, unspecified while measuring. */
static ens_status walk_response(walker *w, json_t *root, ens_describe_response **out)
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
    if ((st = take_string(w, &TOP, root, "RequestId", &resp->request_id)) != ENS_OK ||
        (st = take_count(w, root, "PageNumber", &resp->page_number)) != ENS_OK ||
        (st = take_count(w, root, "PageSize", &resp->page_size)) != ENS_OK ||
        (st = take_count(w, root, "TotalCount", &resp->total_count)) != ENS_OK)
        return st;

    list = json_object_get(root, "NetworkPeerConnects");
    if (list && !json_is_null(list)) {
        if (!json_is_array(list))
            return wrong(w, &TOP, "NetworkPeerConnects", -1, MSG_ARRAY);
        n = json_array_size(list);
        if (n > SIZE_MAX / sizeof(ens_peer_connection)) {
            w->lay.overflow = true;
            n = 0;
        } else if (n) {
            conns = ens__layout_obj(&w->lay, n * sizeof(ens_peer_connection), _Alignof(ens_peer_connection));
        }
        for (size_t i = 0; i < n; i++) {
            ens_peer_connection *dst = conns ? &conns[i] : &scratch_conn;
            if ((st = take_connection(w, i, json_array_get(list, i), dst)) != ENS_OK)
                return st;
        }
        resp->connections = conns;
        resp->connections_count = n;
    }
    *out = resp;
    return ENS_OK;
}

static ens_status json_failure(ens_error *err, const json_error_t *jerr)
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

ENS_EXTERN ens_status ens_describe_response_parse(ens_describe_response **out, const char *body,
                                                  size_t body_len, ens_error *err)
{
    walker w = {ENS__LAYOUT_INIT, err};
    ens_describe_response *resp = NULL;
    json_error_t jerr;
    json_t *root;
    ens_status st;
    size_t total;
    char *block;

    if (!out || (!body && body_len))
        return ens__error_set(err, ENS_EINVAL, "ens_describe_response_parse: out and body must not be NULL");
    /* A NULL body of length 0 is an empty body (a transport may hand one out
     * for a 200 without content): not JSON, so ENS_EPARSE. */
    root = json_loadb(body ? body : "", body_len, 0, &jerr);
    if (!root)
        return json_failure(err, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return ens__error_set(err, ENS_EPARSE, "response parse error: response body is not a JSON object");
    }

    if ((st = walk_response(&w, root, &resp)) != ENS_OK) {
        json_decref(root);
        return st;
    }
    total = ens__layout_total(&w.lay);
    block = total ? ens__malloc(total) : NULL;
    if (!block) {
        json_decref(root);
        return ens__error_set(err, ENS_ENOMEM, "out of memory while building the response (%zu bytes)", total);
    }
    ens__layout_start_fill(&w.lay, block);
    st = walk_response(&w, root, &resp); /* validated above: cannot fail */
    json_decref(root);
    if (st != ENS_OK) {
        ens__free(block);
        return st;
    }
    *out = resp;
    return ENS_OK;
}

/* ----------------------------------------------------------------------- */
/* Error documents                                                         */

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
