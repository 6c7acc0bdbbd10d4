/* SPDX-License-Identifier: MIT */
/* The replay state and the replay transport: answers requests from a
 * cassette (format and matching rules in include/ensclient/replay.h). */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "replay/cassette.h"
#include "util/error.h"
#include "util/file.h"
#include "transport/transport_internal.h"
#include "ensclient/replay.h"

struct ens_replay {
    pthread_mutex_t lock; /* guards refs, strict, used and unused */
    unsigned int refs;    /* the caller's reference plus one per transport */
    bool strict;
    ens__cassette cas;    /* immutable once loaded */
    bool *used;           /* cas.count flags */
    size_t unused;
};

/* Longest query shown in an error description, so that two fit in it. */
#define SHOWN_QUERY 200

/* What the replay looks at in an outgoing request. */
typedef struct live_request {
    const char *method;
    const char *path, *query;
    size_t path_len, query_len;
    const char *action, *api_version; /* "" when absent */
    const ens_http_header *headers;
    size_t header_count;
} live_request;

static ens_status replay_create(ens_replay **out, const char *data, size_t len, const char *origin,
                                ens_error *err)
{
    ens_replay *r;
    ens_status st;

    if (sodium_init() < 0)
        return ens__error_set(err, ENS_ETRANSPORT, "transport error: libsodium failed to initialise");
    r = ens__calloc(1, sizeof(*r));
    if (!r)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: loading %s", origin);
    st = ens__cassette_parse(&r->cas, data, len, origin, err);
    if (st != ENS_OK) {
        ens__free(r);
        return st;
    }
    if (r->cas.count && !(r->used = ens__calloc(r->cas.count, sizeof(*r->used)))) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: loading %s", origin);
        goto fail;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: creating the replay lock");
        goto fail;
    }
    r->refs = 1;
    r->unused = r->cas.count;
    *out = r;
    return ENS_OK;

fail:
    ens__cassette_clear(&r->cas);
    ens__free(r->used);
    ens__free(r);
    return st;
}

ENS_EXTERN ens_status ens_replay_new_from_buffer(ens_replay **out, const char *data, size_t len,
                                                 ens_error *err)
{
    if (!out || (!data && len))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL out or data");
    return replay_create(out, data ? data : "", len, "cassette (buffer)", err);
}

ENS_EXTERN ens_status ens_replay_new(ens_replay **out, const char *path, ens_error *err)
{
    ens__buf origin = ENS__BUF_INIT;
    char *data = NULL, reason[128];
    size_t len = 0;
    ens_status st;
    int e;

    if (!out || !path)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: NULL out or path");
    /* any file type: a cassette may come through a pipe, as with "<(...)" */
    e = ens__file_read(path, SIZE_MAX, true, &data, &len);
    if (e == ENOMEM)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: reading cassette %s", path);
    if (e) {
        ens__errno_text(e, reason, sizeof(reason));
        return ens__error_set(err, ENS_ETRANSPORT, "cannot read cassette %s: %s", path, reason);
    }
    if (ens__buf_printf(&origin, "cassette %s", path) < 0)
        st = ens__error_set(err, ENS_ENOMEM, "out of memory: reading cassette %s", path);
    else
        st = replay_create(out, data, len, ens__buf_cstr(&origin), err);
    ens__buf_free(&origin);
    ens__file_free(data, len);
    return st;
}

ENS_EXTERN void ens_replay_set_strict(ens_replay *replay, bool strict)
{
    if (!replay)
        return;
    pthread_mutex_lock(&replay->lock);
    replay->strict = strict;
    pthread_mutex_unlock(&replay->lock);
}

ENS_EXTERN size_t ens_replay_exchange_count(const ens_replay *replay)
{
    return replay ? replay->cas.count : 0;
}

ENS_EXTERN size_t ens_replay_unused_count(const ens_replay *replay)
{
    ens_replay *r = (ens_replay *)replay; /* the lock is not part of the logical state */
    size_t n;
    if (!r)
        return 0;
    pthread_mutex_lock(&r->lock);
    n = r->unused;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* snprintf that appends at *off and never runs past size (keeps counting). */
static void appendf(char *buf, size_t size, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(*off < size ? buf + *off : NULL, *off < size ? size - *off : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *off += (size_t)n;
}

/* "POST /?PageNumber=3&PageSize=10" (query cut at SHOWN_QUERY bytes). */
static void append_line(char *buf, size_t size, size_t *off, const char *method, const char *path,
                        size_t path_len, const char *query, size_t query_len)
{
    int shown = (int)(query_len > SHOWN_QUERY ? SHOWN_QUERY : query_len);
    appendf(buf, size, off, "%s %.*s%s%.*s%s", method, (int)(path_len > 200 ? 200 : path_len), path,
            query_len ? "?" : "", shown, query, query_len > SHOWN_QUERY ? "..." : "");
}

ENS_EXTERN size_t ens_replay_describe_unused(const ens_replay *replay, char *buf, size_t size)
{
    ens_replay *r = (ens_replay *)replay;
    size_t i, off = 0, n = 0;

    if (buf && size)
        buf[0] = '\0';
    else
        size = 0;
    if (!r)
        return 0;
    pthread_mutex_lock(&r->lock);
    for (i = 0; i < r->cas.count; i++) {
        const ens__recorded_exchange *x = &r->cas.items[i];
        if (r->used[i])
            continue;
        appendf(buf, size, &off, "%s#%zu ", n ? "\n" : "", i + 1);
        append_line(buf, size, &off, x->method, x->path, strlen(x->path), x->query, strlen(x->query));
        appendf(buf, size, &off, " (action %s %s)", *x->action ? x->action : "-",
                *x->api_version ? x->api_version : "-");
        if (x->failure != ENS_OK)
            appendf(buf, size, &off, " -> %s failure", ens__failure_word(x->failure));
        else
            appendf(buf, size, &off, " -> %ld", x->status);
        n++;
    }
    pthread_mutex_unlock(&r->lock);
    if (size && off >= size && size >= 4)
        memcpy(buf + size - 4, "...", 4); /* show that it was cut */
    return n;
}

ENS_EXTERN void ens_replay_free(ens_replay *replay)
{
    bool last;
    if (!replay)
        return;
    pthread_mutex_lock(&replay->lock);
    last = --replay->refs == 0;
    pthread_mutex_unlock(&replay->lock);
    if (!last)
        return;
    pthread_mutex_destroy(&replay->lock);
    ens__cassette_clear(&replay->cas);
    ens__free(replay->used);
    ens__free(replay);
}

/* ---- matching ----------------------------------------------------------- */

static bool span_eq(const char *a, size_t a_len, const char *b)
{
    return strlen(b) == a_len && memcmp(a, b, a_len) == 0;
}

static bool loose_match(const ens__recorded_exchange *x, const live_request *q)
{
    return strcmp(x->method, q->method) == 0 && span_eq(q->path, q->path_len, x->path) &&
           span_eq(q->query, q->query_len, x->query) && strcmp(x->action, q->action) == 0 &&
           strcmp(x->api_version, q->api_version) == 0;
}

static bool same_optional(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The first strict field that differs, or NULL when the request matches strictly. */
static const char *strict_difference(const ens__recorded_exchange *x, const live_request *q)
{
    static const char *const exact[] = {"x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"};
    const char *rec_auth, *live_auth;
    char rec_fp[ENS__FP_HEX + 1], live_fp[ENS__FP_HEX + 1];
    size_t i;

    for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (!same_optional(ens__header_find(x->req_headers, x->req_header_count, exact[i]),
                           ens__header_find(q->headers, q->header_count, exact[i])))
            return exact[i];
    if (!ens__header_find(x->req_headers, x->req_header_count, "x-acs-security-token") !=
        !ens__header_find(q->headers, q->header_count, "x-acs-security-token"))
        return "x-acs-security-token presence";
    rec_auth = ens__header_find(x->req_headers, x->req_header_count, "authorization");
    live_auth = ens__header_find(q->headers, q->header_count, "authorization");
    if (!rec_auth && !live_auth)
        return NULL;
    if (!rec_auth || !live_auth || !ens__recorded_fingerprint(rec_auth, rec_fp))
        return "signature";
    {
        size_t len;
        const char *sig = ens__auth_signature(live_auth, &len);
        ens__fingerprint(sig, len, live_fp);
    }
    return strcmp(rec_fp, live_fp) == 0 ? NULL : "signature";
}

/* Number of '&'-separated parameters of the live query found in the recorded one. */
static size_t shared_params(const char *rec, const live_request *q)
{
    const char *p = q->query, *end = q->query + q->query_len;
    size_t shared = 0, rec_len = strlen(rec);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t len = (size_t)((amp ? amp : end) - p);
        const char *r = rec;
        while (len && r < rec + rec_len) {
            size_t rlen = strcspn(r, "&");
            if (rlen == len && memcmp(r, p, len) == 0) {
                shared++;
                break;
            }
            r += rlen + (r[rlen] == '&');
        }
        p += len + 1;
    }
    return shared;
}

static size_t nearness(const ens__recorded_exchange *x, const live_request *q, bool used)
{
    size_t score = 0;
    score += strcmp(x->action, q->action) == 0 ? 100000 : 0;
    score += strcmp(x->api_version, q->api_version) == 0 ? 10000 : 0;
    score += strcmp(x->method, q->method) == 0 ? 10000 : 0;
    score += span_eq(q->path, q->path_len, x->path) ? 10000 : 0;
    score += span_eq(q->query, q->query_len, x->query) ? 5000 : 0;
    score += 10 * (shared_params(x->query, q) > 499 ? 499 : shared_params(x->query, q));
    return score * 2 + (used ? 0 : 1); /* an unused exchange wins a tie */
}

static ens_status unmatched(const ens_replay *r, const live_request *q, bool strict, ens_error *err)
{
    char d[sizeof(((ens_error *)0)->description)];
    size_t off = 0, i, best = 0, best_score = 0;
    bool found = false;

    appendf(d, sizeof(d), &off, "no recorded exchange matches ");
    append_line(d, sizeof(d), &off, q->method, q->path, q->path_len, q->query, q->query_len);
    if (*q->action)
        appendf(d, sizeof(d), &off, " (action %.64s %.32s)", q->action, q->api_version);
    else
        appendf(d, sizeof(d), &off, " (no x-acs-action header)");
    for (i = 0; i < r->cas.count; i++) {
        size_t s = nearness(&r->cas.items[i], q, r->used[i]);
        if (!found || s > best_score) {
            best = i;
            best_score = s;
            found = true;
        }
    }
    if (!found) {
        appendf(d, sizeof(d), &off, "; the cassette has no exchanges");
    } else {
        const ens__recorded_exchange *x = &r->cas.items[best];
        const char *diff = NULL;
        appendf(d, sizeof(d), &off, "; nearest: #%zu ", best + 1);
        append_line(d, sizeof(d), &off, x->method, x->path, strlen(x->path), x->query, strlen(x->query));
        if (strcmp(x->action, q->action) != 0 || strcmp(x->api_version, q->api_version) != 0)
            appendf(d, sizeof(d), &off, " (action %.64s %.32s)", *x->action ? x->action : "-",
                    *x->api_version ? x->api_version : "-");
        if (r->used[best])
            appendf(d, sizeof(d), &off, " (already used)");
        if (strict && loose_match(x, q) && (diff = strict_difference(x, q)) != NULL)
            appendf(d, sizeof(d), &off, " (strict: %s differs)", diff);
    }
    return ens__error_set(err, ENS_ETRANSPORT, "%s", d);
}

static ens_status answer(const ens__recorded_exchange *x, const ens_http_request *req,
                         ens_http_response *resp, ens_error *err)
{
    size_t i;
    ens_status st;

    if (x->failure != ENS_OK) {
        if (*x->message)
            return ens__error_set(err, x->failure, "%s", x->message);
        return ens__error_set(err, x->failure, "%s: replayed %s failure", ens_strerror(x->failure),
                              ens__failure_word(x->failure));
    }
    if ((st = ens_http_response_set_status(resp, x->status)) != ENS_OK)
        return ens__error_set(err, st, "%s: cannot set the replayed status", ens_strerror(st));
    for (i = 0; i < x->resp_header_count; i++) {
        const ens_http_header *h = &x->resp_headers[i];
        st = ens_http_response_add_header(resp, h->name, strlen(h->name), h->value, strlen(h->value));
        if (st != ENS_OK)
            return ens__error_set(err, st, "%s: adding the replayed header %.64s", ens_strerror(st),
                                  h->name);
    }
    if (req->max_response_bytes && x->body_len > req->max_response_bytes)
        st = ENS_ETOOLARGE;
    else
        st = ens_http_response_append_body(resp, x->body, x->body_len);
    if (st == ENS_ETOOLARGE)
        return ens__error_set(err, st, "response too large: the replayed body of %zu bytes exceeds the cap",
                              x->body_len);
    if (st != ENS_OK)
        return ens__error_set(err, st, "%s: copying the replayed body", ens_strerror(st));
    return ENS_OK;
}

static ens_status replay_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                              ens_error *err)
{
    ens_replay *r = ctx;
    live_request q;
    const ens__recorded_exchange *hit = NULL;
    ens_status st = ENS_OK;
    size_t i;
    bool strict;

    memset(&q, 0, sizeof(q));
    q.method = req->method;
    ens__cassette_target(req->url, &q.path, &q.path_len, &q.query, &q.query_len);
    q.headers = req->headers;
    q.header_count = req->headers ? req->header_count : 0;
    q.action = ens__header_find(q.headers, q.header_count, "x-acs-action");
    q.api_version = ens__header_find(q.headers, q.header_count, "x-acs-version");
    if (!q.action)
        q.action = "";
    if (!q.api_version)
        q.api_version = "";

    pthread_mutex_lock(&r->lock);
    strict = r->strict;
    for (i = 0; i < r->cas.count && !hit; i++) {
        const ens__recorded_exchange *x = &r->cas.items[i];
        if (!r->used[i] && loose_match(x, &q) && (!strict || !strict_difference(x, &q))) {
            r->used[i] = true;
            r->unused--;
            hit = x;
        }
    }
    if (!hit)
        st = unmatched(r, &q, strict, err);
    pthread_mutex_unlock(&r->lock);
    /* The exchanges never change and our reference keeps them alive. */
    return hit ? answer(hit, req, resp, err) : st;
}

static void replay_destroy(void *ctx) { ens_replay_free(ctx); }

static const ens_transport_vtable replay_vtable = {ENS_TRANSPORT_VTABLE_VERSION, replay_send,
                                                   replay_destroy};

ENS_EXTERN ens_status ens_replay_transport_new(ens_transport **out, ens_replay *replay)
{
    ens_status st;
    if (!out || !replay)
        return ENS_EINVAL;
    pthread_mutex_lock(&replay->lock);
    replay->refs++;
    pthread_mutex_unlock(&replay->lock);
    st = ens_transport_new(out, &replay_vtable, replay);
    if (st != ENS_OK)
        ens_replay_free(replay); /* gives the reference back */
    return st;
}
