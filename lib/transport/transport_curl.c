/* The default transport: libcurl easy handles kept in a small pool so that
 * sequential calls reuse one connection and concurrent calls each get a
 * handle of their own.  DNS and TLS sessions are shared between the handles.
 *
 * A pooled handle keeps its options between calls: the ones that are the
 * same for every call of the transport (callbacks, protocols, TLS, proxy,
 * share...) are set once when the handle is made, and each call sets only
 * the options of its request, setting back to libcurl's default every
 * per-request option an earlier call may have set and this one does not (see
 * setup_request()).  No curl_easy_reset() per call. */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "transport/curl_xfer.h"
#include "util/buf.h"
#include "util/error.h"
#include "transport/http_response.h"
#include "transport/transport_internal.h"
#include "ensclient/transport.h"

#define POOL_MAX 16

/* A pooled handle with the transfer state its callbacks point at (so that
 * WRITEDATA, HEADERDATA and ERRORBUFFER are set once, at a fixed address). */
typedef struct pool_entry {
    CURL *h;
    ens__curl_xfer x;
    bool progress_set; /* the last call installed the cancel progress callback */
} pool_entry;

typedef struct curl_ctx {
    char *proxy;
    char *ca_file;
    char *user_agent;
    bool insecure;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    pool_entry *pool[POOL_MAX];
    size_t pool_count;
} curl_ctx;


static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
    curl_ctx *c = userp;
    (void)h;
    (void)access;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
    curl_ctx *c = userp;
    (void)h;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->share_locks[data]);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    ens__curl_xfer *x = userdata;
    size_t n = size * nmemb;
    ens_status st = ens_http_response_append_body(x->resp, ptr, n);
    if (st != ENS_OK) {
        x->fail = st;
        return n ? 0 : 1; /* anything other than n aborts the transfer */
    }
    return n;
}

/* A Content-Length value (decimal digits only, else ignored) sizes the body
 * buffer once; the response object bounds it by its cap.  ENS_OK or
 * ENS_ENOMEM. */
static ens_status reserve_from_length(ens_http_response *resp, const char *v, size_t len)
{
    unsigned long long n = 0;
    size_t i;
    if (len == 0 || len > 19) /* 19 digits cannot overflow */
        return ENS_OK;
    for (i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return ENS_OK;
        n = n * 10 + (unsigned long long)(v[i] - '0');
    }
    return ens__http_response_reserve_body(resp, n);
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    ens__curl_xfer *x = userdata;
    size_t n = size * nmemb, len = n, name_len;
    const char *colon, *v, *end;
    ens_status st;
    while (len && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        /* A new status line (after 100-continue or a proxy CONNECT): start
           over.  Recording the status at once marks the response as started,
           so a failure after this point is not retried. */
        const char *sp = memchr(ptr, ' ', len);
        long code = 0;
        ens_http_response_reset(x->resp);
        if (sp && (size_t)(sp - ptr) + 4 <= len && sp[1] >= '1' && sp[1] <= '9' && sp[2] >= '0' &&
            sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9')
            code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        if (code)
            ens_http_response_set_status(x->resp, code);
        return n;
    }
    colon = memchr(ptr, ':', len);
    if (!colon || colon == ptr)
        return n; /* blank line or folded continuation: ignore */
    name_len = (size_t)(colon - ptr);
    v = colon + 1;
    end = ptr + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (name_len == 14 && strncasecmp(ptr, "content-length", 14) == 0 &&
        (st = reserve_from_length(x->resp, v, (size_t)(end - v))) != ENS_OK) {
        x->fail = st;
        return 0;
    }
    st = ens_http_response_add_header(x->resp, ptr, name_len, v, (size_t)(end - v));
    if (st != ENS_OK) {
        x->fail = st;
        return 0;
    }
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return ens_cancel_is_triggered(clientp) ? 1 : 0;
}

static void entry_free(pool_entry *en)
{
    if (!en)
        return;
    if (en->h)
        curl_easy_cleanup(en->h);
    ens__free(en);
}

/* A handle from the pool (its fixed options already set), or a new one
 * (*fresh set: the caller sets them). */
static pool_entry *pool_take(curl_ctx *c, bool *fresh)
{
    pool_entry *en = NULL;
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_count)
        en = c->pool[--c->pool_count];
    pthread_mutex_unlock(&c->pool_lock);
    *fresh = en == NULL;
    if (en)
        return en;
    en = ens__calloc(1, sizeof(*en));
    if (!en)
        return NULL;
    en->h = curl_easy_init();
    if (!en->h) {
        ens__free(en);
        return NULL;
    }
    return en;
}

static void pool_give(curl_ctx *c, pool_entry *en)
{
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_count < POOL_MAX) {
        c->pool[c->pool_count++] = en;
        en = NULL;
    }
    pthread_mutex_unlock(&c->pool_lock);
    entry_free(en);
}

static void wipe_slist(struct curl_slist *l)
{
    struct curl_slist *p;
    for (p = l; p; p = p->next)
        if (p->data)
            sodium_memzero(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static ens_status map_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return ENS_ETIMEOUT;
    case CURLE_OUT_OF_MEMORY:
        return ENS_ENOMEM;
    case CURLE_FILESIZE_EXCEEDED:
        return ENS_ETOOLARGE;
    case CURLE_ABORTED_BY_CALLBACK:
        return ENS_ECANCELED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00 /* 7.77.0 */
    case CURLE_SSL_CLIENTCERT:
#endif
    case CURLE_USE_SSL_FAILED:
        return ENS_ETLS;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_PROXY:
        return ENS_ENETWORK;
    default:
        return ENS_ETRANSPORT;
    }
}


#define SETOPT(h, opt, val)                                                                     \
    do {                                                                                       \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                   \
            return ens__error_set(e, ENS_ETRANSPORT, "transport error: libcurl rejected " #opt); \
    } while (0)

/* The options that are the same for every transfer of a transport. */
static ens_status setup_fixed(CURL *h, ens__curl_xfer *x, const ens__curl_config *cfg,
                              ens_error *e)
{
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0: the bitmask option is deprecated from here on */
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
    SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, (void *)x);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, (void *)x);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg->proxy)
        SETOPT(h, CURLOPT_PROXY, cfg->proxy);
    if (cfg->ca_file)
        SETOPT(h, CURLOPT_CAINFO, cfg->ca_file);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
    return ENS_OK;
}

/* The options of one request.  fresh: h has nothing but the fixed options
 * (just made); otherwise every per-request option that an earlier request
 * may have set is set again, to this request's value or libcurl's default, so
 * that a reused handle sends exactly what a fresh one would. */
static ens_status setup_request(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                const ens_http_request *req, const ens__curl_config *cfg,
                                bool fresh, ens_error *e)
{
    ens__buf line = ENS__BUF_INIT;
    struct curl_slist *tmp;
    bool has_ua = false;
    size_t i;

    x->resp = resp;
    x->fail = ENS_OK;
    x->hdrs = NULL;
    x->errbuf[0] = '\0';
    for (i = 0; i < req->header_count + 2; i++) {
        const char *text;
        if (i < req->header_count) {
            const ens_http_header *hd = &req->headers[i];
            size_t nlen = strlen(hd->name), vlen = strlen(hd->value);
            if (nlen == 10 && strcasecmp(hd->name, "user-agent") == 0)
                has_ua = true;
            ens__buf_clear(&line);
            if (ens__buf_grow(&line, nlen + 2 + vlen) < 0 || ens__buf_put(&line, hd->name, nlen) < 0 ||
                ens__buf_put(&line, vlen ? ": " : ";", vlen ? 2 : 1) < 0 ||
                ens__buf_put(&line, hd->value, vlen) < 0) {
                ens__buf_wipe_free(&line);
                return ens__error_set(e, ENS_ENOMEM, "out of memory: building request headers");
            }
            text = ens__buf_cstr(&line);
        } else {
            /* No "Expect: 100-continue" round trip, no unsigned default Content-Type. */
            text = i == req->header_count ? "Expect:" : "Content-Type:";
        }
        tmp = curl_slist_append(x->hdrs, text);
        if (!tmp) {
            ens__buf_wipe_free(&line);
            return ens__error_set(e, ENS_ENOMEM, "out of memory: building request headers");
        }
        x->hdrs = tmp;
    }
    ens__buf_wipe_free(&line);

    SETOPT(h, CURLOPT_URL, req->url);
    SETOPT(h, CURLOPT_HTTPHEADER, x->hdrs);
    if (strcmp(req->method, "POST") == 0) {
        if (!fresh)
            SETOPT(h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
        SETOPT(h, CURLOPT_POST, 1L);
        SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SETOPT(h, CURLOPT_POSTFIELDS, req->body_len ? (const char *)req->body : "");
    } else {
        if (!fresh) { /* drop an earlier request's method and body */
            SETOPT(h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
            SETOPT(h, CURLOPT_POSTFIELDS, (char *)NULL);
            SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
        }
        /* After CURLOPT_POSTFIELDS, which makes the method POST even when
           NULL; on a fresh handle GET is already the default. */
        SETOPT(h, CURLOPT_HTTPGET, 1L);
        if (strcmp(req->method, "GET") != 0) {
            SETOPT(h, CURLOPT_CUSTOMREQUEST, req->method);
            if (req->body_len) {
                SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
                SETOPT(h, CURLOPT_POSTFIELDS, (const char *)req->body);
            }
        }
    }
    /* 0 is libcurl's default for each of these (300 s connect timeout, no
       transfer timeout, no size limit). */
    if (req->connect_timeout_ms > 0 || !fresh)
        SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 0L);
    if (req->timeout_ms > 0 || !fresh)
        SETOPT(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 0L);
    if (req->max_response_bytes > 0 || !fresh)
        SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_response_bytes);
    if (!has_ua && cfg->user_agent)
        SETOPT(h, CURLOPT_USERAGENT, cfg->user_agent);
    else if (!fresh && cfg->user_agent)
        SETOPT(h, CURLOPT_USERAGENT, (char *)NULL);
    return ENS_OK;
}

ens_status ens__curl_xfer_setup(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                const ens_http_request *req, const ens__curl_config *cfg,
                                ens_error *e)
{
    ens_status st;
    x->hdrs = NULL;
    st = setup_fixed(h, x, cfg, e);
    return st != ENS_OK ? st : setup_request(h, x, resp, req, cfg, true, e);
}

ens_status ens__curl_xfer_result(CURL *h, CURLcode rc, ens__curl_xfer *x,
                                 const ens_http_request *req, ens_error *e)
{
    long code = 0;
    ens_status st;
    if (rc != CURLE_OK) {
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
        st = x->fail != ENS_OK ? x->fail : map_curl(rc);
        if (st == ENS_ETOOLARGE)
            ens__error_set(e, st, "response too large: the body exceeds the %zu-byte cap",
                           req->max_response_bytes);
        else if (st == ENS_ETIMEOUT)
            ens__error_set(e, st, "timed out: %s", why);
        else
            ens__error_set(e, st, "%s: %s", ens_strerror(st), why);
        if (e) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            e->http_status = code;
        }
        return st;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (ens_http_response_set_status(x->resp, code) != ENS_OK)
        return ens__error_set(e, ENS_ENETWORK, "network error: no valid HTTP status received");
    return ENS_OK;
}

void ens__curl_xfer_release(ens__curl_xfer *x)
{
    /* The list held the authorization header and any token: wipe it. */
    wipe_slist(x->hdrs);
    x->hdrs = NULL;
    x->fail = ENS_OK;
    x->errbuf[0] = '\0';
}

static ens_status curl_send(void *ctxp, const ens_http_request *req, ens_http_response *resp,
                            ens_error *err)
{
    curl_ctx *c = ctxp;
    ens__curl_config cfg = {c->proxy, c->ca_file, c->user_agent, c->insecure};
    ens_status st = ENS_OK;
    bool fresh;
    pool_entry *en = pool_take(c, &fresh);
    CURL *h;

    if (!en)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: cannot create a libcurl handle");
    h = en->h;
    en->x.hdrs = NULL;
    if (fresh) {
        st = setup_fixed(h, &en->x, &cfg, err);
        if (st == ENS_OK && curl_easy_setopt(h, CURLOPT_SHARE, c->share) != CURLE_OK)
            st = ens__error_set(err, ENS_ETRANSPORT, "transport error: libcurl rejected CURLOPT_SHARE");
        if (st != ENS_OK) { /* never pooled half set up */
            entry_free(en);
            return st;
        }
    }
    st = setup_request(h, &en->x, resp, req, &cfg, fresh, err);
    if (st == ENS_OK && req->cancel) {
        if (curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)req->cancel) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK)
            st = ens__error_set(err, ENS_ETRANSPORT,
                                "transport error: libcurl rejected the progress callback");
        en->progress_set = true;
    } else if (st == ENS_OK && en->progress_set) {
        /* Back to libcurl's defaults: no progress callback, none of the
           earlier call's (possibly freed) cancel object. */
        if (curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, (curl_xferinfo_callback)NULL) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)NULL) != CURLE_OK)
            st = ens__error_set(err, ENS_ETRANSPORT,
                                "transport error: libcurl rejected the progress callback");
        else
            en->progress_set = false;
    }
    if (st == ENS_OK)
        st = ens__curl_xfer_result(h, curl_easy_perform(h), &en->x, req, err);
    ens__curl_xfer_release(&en->x);
    en->x.resp = NULL;
    if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL) != CURLE_OK) {
        entry_free(en); /* cannot happen; never pool a handle holding a freed list */
        return st;
    }
    pool_give(c, en); /* libcurl itself drops a connection a failed transfer left unusable */
    return st;
}

#undef SETOPT

static void curl_destroy(void *ctxp)
{
    curl_ctx *c = ctxp;
    size_t i;
    if (!c)
        return;
    for (i = 0; i < c->pool_count; i++)
        entry_free(c->pool[i]);
    if (c->share)
        curl_share_cleanup(c->share);
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->pool_lock);
    ens__free(c->proxy);
    ens__free(c->ca_file);
    ens__free(c->user_agent);
    ens__free(c);
}

/* curl_global_init() once per process, whatever the libcurl version: before
 * 7.84 it is not thread-safe, and calling it for every transport would also
 * pile up reference counts that nothing releases.  A failed attempt is
 * retried by the next transport creation.  The library never calls
 * curl_global_cleanup(): another part of the process may still use libcurl. */
static pthread_mutex_t global_init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool global_init_done;

static ens_status curl_global_init_once(void)
{
    ens_status st = ENS_OK;
    pthread_mutex_lock(&global_init_lock);
    if (!global_init_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
            global_init_done = true;
        else
            st = ENS_ETRANSPORT;
    }
    pthread_mutex_unlock(&global_init_lock);
    return st;
}

static const ens_transport_vtable curl_vtable = {ENS_TRANSPORT_VTABLE_VERSION, curl_send,
                                                 curl_destroy};

ENS_EXTERN ens_status ens_transport_curl_new(ens_transport **out,
                                             const ens_curl_transport_options *opts)
{
    curl_ctx *c;
    ens_status st;
    size_t i;
    if (!out || (opts && (opts->version == 0 || opts->version > ENS_CURL_TRANSPORT_OPTIONS_VERSION)))
        return ENS_EINVAL;
    if (curl_global_init_once() != ENS_OK)
        return ENS_ETRANSPORT;
    c = ens__calloc(1, sizeof(*c));
    if (!c)
        return ENS_ENOMEM;
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    pthread_mutex_init(&c->pool_lock, NULL);
    if (opts) {
        c->insecure = opts->insecure_skip_tls_verify;
        if ((opts->proxy && !(c->proxy = ens__strdup(opts->proxy))) ||
            (opts->ca_file && !(c->ca_file = ens__strdup(opts->ca_file))) ||
            (opts->user_agent && !(c->user_agent = ens__strdup(opts->user_agent)))) {
            curl_destroy(c);
            return ENS_ENOMEM;
        }
    }
    c->share = curl_share_init();
    if (!c->share) {
        curl_destroy(c);
        return ENS_ENOMEM;
    }
    if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        curl_destroy(c);
        return ENS_ETRANSPORT;
    }
    st = ens_transport_new(out, &curl_vtable, c);
    if (st != ENS_OK)
        curl_destroy(c);
    return st;
}

bool ens__transport_curl_config(const ens_transport *t, ens__curl_config *out)
{
    /* A libcurl transport is recognised by its vtable: no global list. */
    const curl_ctx *c = ens__transport_ctx_if(t, &curl_vtable);
    if (!c)
        return false;
    out->proxy = c->proxy;
    out->ca_file = c->ca_file;
    out->user_agent = c->user_agent;
    out->insecure = c->insecure;
    return true;
}
