/* SPDX-License-Identifier: MIT */
/* The record transport: sends through an inner transport and writes every
 * exchange, with its secrets redacted, to a cassette file. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "replay/cassette.h"
#include "util/error.h"
#include "util/file.h"
#include "transport/transport_internal.h"
#include "transport/http_response.h"
#include "ensclient/replay.h"

#define REDACTED "[redacted]"

/* Strings that must not reach the file, longest first so that a secret that
 * contains another is replaced whole. */
typedef struct needle {
    const char *s;
    size_t len;
} needle;

typedef struct record_ctx {
    pthread_mutex_t lock; /* guards root and the file */
    char *path;
    ens_transport *inner;
    char **secrets;       /* the redact option, copied into secret memory */
    size_t secret_count;
    json_t *root;         /* {"cassette": 1, "exchanges": [...]} */
    json_t *exchanges;    /* borrowed from root */
} record_ctx;

/* Response headers that describe the transfer, not the stored body: they
 * would be wrong once the body is replayed (decoded, re-serialised). */
static const char *const transfer_headers[] = {"content-length", "content-encoding", "transfer-encoding",
                                               "connection", "keep-alive"};

/* ---- redaction ---------------------------------------------------------- */

static int by_length_desc(const void *a, const void *b)
{
    const needle *x = a, *y = b;
    return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

/* Appends s[0..len) to out with every needle replaced by "[redacted]". */
static int put_redacted(ens__buf *out, const char *s, size_t len, const needle *nd, size_t n)
{
    size_t p = 0, start = 0, i;
    while (p < len) {
        for (i = 0; i < n; i++)
            if (nd[i].len <= len - p && memcmp(s + p, nd[i].s, nd[i].len) == 0)
                break;
        if (i == n) {
            p++;
            continue;
        }
        if (ens__buf_put(out, s + start, p - start) < 0 || ens__buf_puts(out, REDACTED) < 0)
            return -1;
        p += nd[i].len;
        start = p;
    }
    return ens__buf_put(out, s + start, len - start);
}

/* A new JSON string holding s with the needles replaced; NULL when out of
 * memory or when the result is not UTF-8. */
static json_t *redacted_string(const char *s, size_t len, const needle *nd, size_t n)
{
    ens__buf b = ENS__BUF_INIT;
    json_t *j = NULL;
    if (put_redacted(&b, s, len, nd, n) == 0)
        j = json_stringn(ens__buf_cstr(&b), b.len);
    ens__buf_free(&b);
    return j;
}

/* A deep copy of v with every string (and object key) redacted. */
static json_t *redacted_copy(json_t *v, const needle *nd, size_t n)
{
    json_t *copy = NULL, *item;
    const char *key;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return redacted_string(json_string_value(v), json_string_length(v), nd, n);
    case JSON_ARRAY:
        if (!(copy = json_array()))
            return NULL;
        json_array_foreach(v, i, item) {
            if (json_array_append_new(copy, redacted_copy(item, nd, n)) != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    case JSON_OBJECT:
        if (!(copy = json_object()))
            return NULL;
        json_object_foreach(v, key, item) {
            ens__buf k = ENS__BUF_INIT;
            int rc = put_redacted(&k, key, strlen(key), nd, n);
            rc = rc == 0 ? json_object_set_new(copy, ens__buf_cstr(&k), redacted_copy(item, nd, n)) : -1;
            ens__buf_free(&k);
            if (rc != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    default:
        return json_incref(v); /* numbers and literals are never changed */
    }
}

/* ---- building one exchange ---------------------------------------------- */

/* Insertion sort by name: stable, so repeated headers keep their order. */
static void sort_by_name(ens_http_header *h, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        ens_http_header t = h[i];
        for (j = i; j > 0 && strcasecmp(h[j - 1].name, t.name) > 0; j--)
            h[j] = h[j - 1];
        h[j] = t;
    }
}

static bool is_transfer_header(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(transfer_headers) / sizeof(transfer_headers[0]); i++)
        if (strcasecmp(name, transfer_headers[i]) == 0)
            return true;
    return false;
}

/* "ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=[redacted sha256:<16 hex>]"
 * (the prefix redacted too); a value without "Signature=" becomes the tag alone. */
static json_t *redacted_authorization(const char *value, const needle *nd, size_t n)
{
    char fp[ENS__FP_HEX + 1];
    size_t len;
    const char *sig = ens__auth_signature(value, &len);
    ens__buf b = ENS__BUF_INIT;
    json_t *j = NULL;

    ens__fingerprint(sig, len, fp);
    if (sig != value)
        put_redacted(&b, value, (size_t)(sig - value), nd, n);
    ens__buf_printf(&b, "[redacted sha256:%s]", fp);
    if (sig != value)
        put_redacted(&b, sig + len, strlen(sig + len), nd, n);
    if (!b.oom)
        j = json_stringn(ens__buf_cstr(&b), b.len);
    ens__buf_free(&b);
    return j;
}

/* headers -> {"lowercased-name": "value", ...} sorted by name; repeated
 * names joined with ", ".  Request headers get the authorization and token
 * treatment; response headers lose the transfer headers. */
static json_t *headers_json(const ens_http_header *in, size_t count, bool request, const needle *nd,
                            size_t n)
{
    ens_http_header *h = NULL;
    json_t *obj = json_object();
    size_t i, j, k;

    if (!obj)
        return NULL;
    if (count && !(h = ens__calloc(count, sizeof(*h))))
        goto fail;
    for (i = 0, j = 0; i < count; i++)
        if (in[i].name && *in[i].name)
            h[j++] = in[i];
    count = j;
    sort_by_name(h, count);
    for (i = 0; i < count; i = j) {
        ens__buf name = ENS__BUF_INIT, value = ENS__BUF_INIT;
        json_t *v;
        int rc;
        for (j = i + 1; j < count && strcasecmp(h[i].name, h[j].name) == 0; j++)
            ;
        if (!request && is_transfer_header(h[i].name))
            continue;
        if (ens__buf_puts(&name, h[i].name) == 0)
            ens__ascii_lower(name.ptr);
        for (k = i; k < j; k++) {
            if (k > i)
                ens__buf_puts(&value, ", ");
            ens__buf_puts(&value, h[k].value ? h[k].value : "");
        }
        if (name.oom || value.oom)
            v = NULL;
        else if (request && strcmp(ens__buf_cstr(&name), "authorization") == 0)
            v = redacted_authorization(ens__buf_cstr(&value), nd, n);
        else if (request && strcmp(ens__buf_cstr(&name), "x-acs-security-token") == 0)
            v = json_string(REDACTED);
        else
            v = redacted_string(ens__buf_cstr(&value), value.len, nd, n);
        ens__buf_wipe_free(&value);
        if (v) {
            ens__buf b = ENS__BUF_INIT;
            rc = put_redacted(&b, name.ptr, name.len, nd, n);
            rc = rc == 0 ? json_object_set_new(obj, ens__buf_cstr(&b), v) : (json_decref(v), -1);
            ens__buf_free(&b);
        } else {
            json_decref(v);
            rc = -1;
        }
        ens__buf_free(&name);
        if (rc != 0)
            goto fail;
    }
    ens__free(h);
    return obj;
fail:
    ens__free(h);
    json_decref(obj);
    return NULL;
}

/* Sets "json", "body" or "body_base64" on resp. */
static int put_body(json_t *resp, const char *body, size_t len, const needle *nd, size_t n)
{
    json_error_t jerr;
    json_t *doc = len ? json_loadb(body, len, 0, &jerr) : NULL;
    ens__buf b = ENS__BUF_INIT;
    json_t *v;
    int rc = -1;

    if (json_is_object(doc) || json_is_array(doc)) {
        v = redacted_copy(doc, nd, n);
        json_decref(doc);
        return v ? json_object_set_new(resp, "json", v) : -1;
    }
    json_decref(doc);
    if (put_redacted(&b, body, len, nd, n) < 0)
        return -1;
    v = json_stringn(ens__buf_cstr(&b), b.len);
    if (v) {
        rc = json_object_set_new(resp, "body", v);
    } else if (!b.oom) {
        /* Not UTF-8 (a binary or cut body): keep the exact bytes in base64. */
        size_t cap = sodium_base64_encoded_len(b.len, sodium_base64_VARIANT_ORIGINAL);
        char *text = ens__malloc(cap);
        if (text) {
            sodium_bin2base64(text, cap, (const unsigned char *)ens__buf_cstr(&b), b.len,
                              sodium_base64_VARIANT_ORIGINAL);
            rc = json_object_set_new(resp, "body_base64", json_string(text));
            ens__free(text);
        }
    }
    ens__buf_free(&b);
    return rc;
}

/* Builds {"request": ..., "response": ...}; resp is NULL for a failure. */
static json_t *exchange_json(const record_ctx *c, const ens_http_request *req,
                             const ens_http_response *resp, ens_status failure, const char *message)
{
    needle *nd = ens__calloc(c->secret_count + 2, sizeof(*nd));
    size_t n = 0, i, path_len, query_len, sig_len = 0, hc = req->headers ? req->header_count : 0;
    const char *path, *query, *sig, *token, *auth;
    json_t *x = json_object(), *rq = json_object(), *rs = json_object();
    int rc = (nd && x && rq && rs) ? 0 : -1;

    /* The caller's secrets, plus this request's token and signature. */
    for (i = 0; nd && i < c->secret_count; i++)
        nd[n++] = (needle){c->secrets[i], strlen(c->secrets[i])};
    token = ens__header_find(req->headers, hc, "x-acs-security-token");
    auth = ens__header_find(req->headers, hc, "authorization");
    if (nd && token && *token)
        nd[n++] = (needle){token, strlen(token)};
    if (nd && auth && (sig = ens__auth_signature(auth, &sig_len)) != NULL && sig_len)
        nd[n++] = (needle){sig, sig_len};
    if (n)
        qsort(nd, n, sizeof(nd[0]), by_length_desc);

    ens__cassette_target(req->url, &path, &path_len, &query, &query_len);
    if (rc == 0)
        rc = json_object_set_new(rq, "method", redacted_string(req->method, strlen(req->method), nd, n)) ||
             json_object_set_new(rq, "path", redacted_string(path, path_len, nd, n)) ||
             json_object_set_new(rq, "query", redacted_string(query, query_len, nd, n)) ||
             json_object_set_new(rq, "headers", headers_json(req->headers, hc, true, nd, n));
    if (rc == 0 && resp)
        rc = json_object_set_new(rs, "status", json_integer(resp->status)) ||
             json_object_set_new(rs, "headers",
                                 headers_json(resp->headers, resp->header_count, false, nd, n)) ||
             put_body(rs, ens__buf_cstr(&resp->body), resp->body.len, nd, n);
    else if (rc == 0)
        rc = json_object_set_new(rs, "error", json_string(ens__failure_word(failure))) ||
             json_object_set_new(rs, "message", redacted_string(message, strlen(message), nd, n));
    if (rc == 0) {
        rc = json_object_set(x, "request", rq);
        rc = rc ? rc : json_object_set(x, "response", rs);
    }
    json_decref(rq);
    json_decref(rs);
    ens__free(nd);
    if (rc != 0) {
        json_decref(x);
        return NULL;
    }
    return x;
}

/* ---- the file ----------------------------------------------------------- */

static ens_status io_error(ens_error *err, const char *what, const char *path, int e)
{
    char reason[128];
    ens__errno_text(e, reason, sizeof(reason));
    return ens__error_set(err, ENS_ETRANSPORT, "transport error: cannot %s cassette %s: %s", what, path,
                          reason);
}

/* Writes the whole cassette to a temporary file beside path, then renames it
 * over path.  Called with the lock held. */
static ens_status write_cassette(record_ctx *c, ens_error *err)
{
    ens__buf doc = ENS__BUF_INIT, tmp = ENS__BUF_INIT;
    ens_status st = ENS_OK;
    size_t i, off = 0;
    int fd = -1, e;
    bool created = false;

    if (json_dump_callback(c->root, ens__json_to_buf, &doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
        ens__buf_putc(&doc, '\n') < 0 || ens__buf_printf(&tmp, "%s.XXXXXX", c->path) < 0) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: serialising the cassette");
        goto done;
    }
    /* Safety net: every string was redacted, so a secret can only be left in
     * a number or across JSON syntax.  Short strings are skipped: they occur
     * by chance (in "[redacted]" itself, for a start). */
    for (i = 0; i < c->secret_count; i++)
        if (strlen(c->secrets[i]) >= 8 && strstr(ens__buf_cstr(&doc), c->secrets[i])) {
            st = ens__error_set(err, ENS_ETRANSPORT,
                                "transport error: refusing to write cassette %s: a redacted string "
                                "appears outside a JSON string", c->path);
            goto done;
        }
    fd = mkstemp(tmp.ptr);
    if (fd < 0) {
        st = io_error(err, "create a temporary file for", c->path, errno);
        goto done;
    }
    created = true;
    (void)fchmod(fd, 0644); /* mkstemp's 0600 is needlessly strict for a test fixture */
    while (off < doc.len) {
        ssize_t w = write(fd, doc.ptr + off, doc.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = io_error(err, "write", c->path, w < 0 ? errno : EIO);
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        st = io_error(err, "sync", c->path, errno);
        goto done;
    }
    e = close(fd);
    fd = -1;
    if (e != 0) {
        st = io_error(err, "close", c->path, errno);
        goto done;
    }
    if (rename(tmp.ptr, c->path) != 0) {
        st = io_error(err, "replace", c->path, errno);
        goto done;
    }
    created = false; /* renamed: nothing left to remove */
done:
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmp.ptr);
    ens__buf_free(&tmp);
    ens__buf_free(&doc);
    return st;
}

/* ---- the transport ------------------------------------------------------ */

static ens_status record_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    record_ctx *c = ctx;
    ens_error inner_err = ENS_ERROR_INIT;
    ens_status st, wst;
    json_t *x;

    st = ens_transport_send(c->inner, req, resp, &inner_err);
    if (st != ENS_OK && !ens__failure_word(st)) {
        /* A local condition (out of memory, cancelled, ...), not an exchange. */
        ens__error_copy(err, &inner_err);
        return st;
    }
    if (st == ENS_OK && (resp->status < 100 || resp->status > 999))
        return ens__error_set(err, ENS_ETRANSPORT,
                              "transport error: the inner transport answered without an HTTP status");
    x = exchange_json(c, req, st == ENS_OK ? resp : NULL, st, inner_err.description);
    if (!x)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: recording the exchange");

    pthread_mutex_lock(&c->lock);
    if (json_array_append_new(c->exchanges, x) != 0) {
        wst = ens__error_set(err, ENS_ENOMEM, "out of memory: recording the exchange");
    } else if ((wst = write_cassette(c, err)) != ENS_OK) {
        /* Keep memory and file alike: the caller is told this one failed. */
        json_array_remove(c->exchanges, json_array_size(c->exchanges) - 1);
    }
    pthread_mutex_unlock(&c->lock);
    if (wst != ENS_OK)
        return wst;
    if (st != ENS_OK)
        ens__error_copy(err, &inner_err);
    return st;
}

static void free_secrets(record_ctx *c)
{
    size_t i;
    for (i = 0; i < c->secret_count; i++)
        ens__secret_free(c->secrets[i]);
    ens__free(c->secrets);
    c->secrets = NULL;
    c->secret_count = 0;
}

static void record_destroy(void *ctx)
{
    record_ctx *c = ctx;
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    ens_transport_free(c->inner);
    free_secrets(c);
    json_decref(c->root);
    ens__free(c->path);
    ens__free(c);
}

static const ens_transport_vtable record_vtable = {ENS_TRANSPORT_VTABLE_VERSION, record_send,
                                                   record_destroy};

ENS_EXTERN ens_status ens_record_transport_new(ens_transport **out, const ens_record_options *opts,
                                               ens_error *err)
{
    record_ctx *c = NULL;
    ens_status st;
    size_t i;

    if (!opts)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL options");
    if (!out || opts->version == 0 || opts->version > ENS_RECORD_OPTIONS_VERSION || !opts->path ||
        !*opts->path || !opts->inner || (opts->redact_count && !opts->redact)) {
        ens_transport_free(opts->inner);
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: record options need out, a known version, a path, "
                              "an inner transport and redact entries when redact_count > 0");
    }
    if (sodium_init() < 0) {
        ens_transport_free(opts->inner);
        return ens__error_set(err, ENS_ETRANSPORT, "transport error: libsodium failed to initialise");
    }
    c = ens__calloc(1, sizeof(*c));
    if (!c || pthread_mutex_init(&c->lock, NULL) != 0) {
        ens__free(c);
        ens_transport_free(opts->inner);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: creating the record transport");
    }
    c->inner = opts->inner;
    st = ENS_ENOMEM;
    if (!(c->path = ens__strdup(opts->path)))
        goto fail;
    if (opts->redact_count && !(c->secrets = ens__calloc(opts->redact_count, sizeof(*c->secrets))))
        goto fail;
    for (i = 0; i < opts->redact_count; i++) {
        if (!opts->redact[i] || !*opts->redact[i])
            continue; /* nothing to hide */
        if (!(c->secrets[c->secret_count] = ens__secret_strdup(opts->redact[i])))
            goto fail;
        c->secret_count++;
    }
    c->root = json_object();
    c->exchanges = json_array();
    if (!c->root || !c->exchanges ||
        json_object_set_new(c->root, "cassette", json_integer(ENS__CASSETTE_FORMAT)) ||
        json_object_set(c->root, "exchanges", c->exchanges)) {
        json_decref(c->exchanges);
        c->exchanges = NULL;
        goto fail;
    }
    json_decref(c->exchanges); /* root holds it */
    if ((st = ens_transport_new(out, &record_vtable, c)) != ENS_OK)
        goto fail;
    return ENS_OK;

fail:
    record_destroy(c);
    return ens__error_set(err, st, "%s: creating the record transport", ens_strerror(st));
}
