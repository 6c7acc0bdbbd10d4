/* SPDX-License-Identifier: MIT */
/* The default transport: libcurl easy handles kept in a small pool so that
 * sequential calls reuse one connection and concurrent calls each get a
 * handle of their own.  DNS and TLS sessions are shared between the handles.
 *
 * A pooled handle keeps its options between calls: the ones that are the
 * same for every call of the transport (callbacks, protocols, TLS, share...)
 * are set once when the handle is made, and each call sets only the options
 * of its request, setting back to libcurl's default every per-request option
 * an earlier call may have set and this one does not (see
 * ens__curl_xfer_setup_request()).  No curl_easy_reset() per call.
 *
 * fork(): the pooled handles' connections belong to the process that opened
 * them.  The first call (or ens_transport_free()) in a child lets go of them
 * without touching them (curl_sockets.h) and the child opens its own. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ensclient/transport.h"
#include "transport/curl_sockets.h"
#include "transport/curl_xfer.h"
#include "transport/transport_internal.h"
#include "util/alloc.h"
#include "util/error.h"

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
    bool ignore_env_proxy;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    pool_entry *pool[POOL_MAX];
    size_t pool_count;
    ens__sockets sockets; /* of every pooled handle's connections */
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

/* In a child process: every pooled handle's connections are the parent's.
 * Their sockets are pointed elsewhere first, so that closing them (TLS
 * close_notify included) reaches nothing of the parent's; when that cannot
 * be done the handles are abandoned untouched (a bounded leak, in a process
 * out of descriptors anyway).  Handles that other threads held at fork()
 * are gone with those threads.  Called with pool_lock held, or alone. */
static void forget_parent_connections(curl_ctx *c)
{
    bool disowned = ens__sockets_disown_begin(&c->sockets);
    size_t i;
    for (i = 0; i < c->pool_count; i++) {
        if (disowned)
            entry_free(c->pool[i]);
        else
            ens__free(c->pool[i]);
    }
    c->pool_count = 0;
    ens__sockets_disown_end(&c->sockets);
}

/* A handle from the pool (its fixed options already set), or a new one
 * (*fresh set: the caller sets them). */
static pool_entry *pool_take(curl_ctx *c, bool *fresh)
{
    pool_entry *en = NULL;
    pthread_mutex_lock(&c->pool_lock);
    if (ens__sockets_forked(&c->sockets))
        forget_parent_connections(c);
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

static ens__curl_config config_of(curl_ctx *c)
{
    ens__curl_config cfg;
    cfg.proxy = c->proxy;
    cfg.ca_file = c->ca_file;
    cfg.user_agent = c->user_agent;
    cfg.insecure = c->insecure;
    cfg.ignore_env_proxy = c->ignore_env_proxy;
    cfg.sockets = &c->sockets;
    return cfg;
}

/* The cancel token's progress callback, or none (libcurl's defaults, and
 * none of an earlier call's possibly freed token). */
static ens_status set_progress(pool_entry *en, const ens_cancel *cancel, ens_error *err)
{
    CURL *h = en->h;
    if (cancel) {
        en->progress_set = true;
        if (curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel) == CURLE_OK &&
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK)
            return ENS_OK;
    } else if (!en->progress_set) {
        return ENS_OK;
    } else if (curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L) == CURLE_OK &&
               curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, (curl_xferinfo_callback)NULL) == CURLE_OK &&
               curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)NULL) == CURLE_OK) {
        en->progress_set = false;
        return ENS_OK;
    }
    return ens__error_set(err, ENS_ETRANSPORT, "transport error: libcurl rejected the progress callback");
}

static ens_status curl_send(void *ctxp, const ens_http_request *req, ens_http_response *resp,
                            ens_error *err)
{
    curl_ctx *c = ctxp;
    ens__curl_config cfg = config_of(c);
    ens_status st = ENS_OK;
    bool fresh;
    pool_entry *en = pool_take(c, &fresh);
    CURL *h;

    if (!en)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: cannot create a libcurl handle");
    h = en->h;
    en->x.hdrs = NULL;
    if (fresh) {
        st = ens__curl_xfer_setup_fixed(h, &en->x, &cfg, err);
        if (st == ENS_OK && curl_easy_setopt(h, CURLOPT_SHARE, c->share) != CURLE_OK)
            st = ens__error_set(err, ENS_ETRANSPORT, "transport error: libcurl rejected CURLOPT_SHARE");
        if (st != ENS_OK) { /* never pooled half set up */
            entry_free(en);
            return st;
        }
    }
    st = ens__curl_xfer_setup_request(h, &en->x, resp, req, &cfg, fresh, err);
    if (st == ENS_OK)
        st = set_progress(en, req->cancel, err);
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

static void curl_destroy(void *ctxp)
{
    curl_ctx *c = ctxp;
    size_t i;
    if (!c)
        return;
    if (ens__sockets_forked(&c->sockets))
        forget_parent_connections(c); /* a child freeing what it inherited */
    for (i = 0; i < c->pool_count; i++)
        entry_free(c->pool[i]);
    if (c->share)
        curl_share_cleanup(c->share);
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->pool_lock);
    ens__sockets_destroy(&c->sockets);
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

/* The CA file must exist, be a regular file and be readable now, not only
 * at the first request (where libcurl would report it as a TLS failure).
 * Its content is libcurl's to judge. */
static ens_status check_ca_file(const char *path, ens_error *err)
{
    static const char fix[] = "ca_file must name a readable PEM file of the CA certificates to trust";
    struct stat st;
    int fd;
    if (!*path)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: ca_file is empty; %s", fix);
    if (stat(path, &st) != 0)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: ca_file \"%.300s\" %s; %s", path,
                              errno == ENOENT || errno == ENOTDIR ? "does not exist"
                              : errno == EACCES                   ? "cannot be reached (permission denied)"
                                                                  : "cannot be examined",
                              fix);
    if (!S_ISREG(st.st_mode))
        return ens__error_set(err, ENS_EINVAL, "invalid argument: ca_file \"%.300s\" is %s; %s", path,
                              S_ISDIR(st.st_mode) ? "a directory" : "not a regular file", fix);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: ca_file \"%.300s\" cannot be read%s; %s",
                              path, errno == EACCES ? " (permission denied)" : "", fix);
    close(fd);
    return ENS_OK;
}

/* Copies opts (a version-1 caller's struct ends before the later members). */
static ens_status copy_options(curl_ctx *c, const ens_curl_transport_options *opts)
{
    c->insecure = opts->insecure_skip_tls_verify;
    if (opts->version >= 2)
        c->ignore_env_proxy = opts->ignore_environment_proxies;
    if ((opts->proxy && !(c->proxy = ens__strdup(opts->proxy))) ||
        (opts->ca_file && !(c->ca_file = ens__strdup(opts->ca_file))) ||
        (opts->user_agent && !(c->user_agent = ens__strdup(opts->user_agent))))
        return ENS_ENOMEM;
    return ENS_OK;
}

static const ens_transport_vtable curl_vtable = {ENS_TRANSPORT_VTABLE_VERSION, curl_send,
                                                 curl_destroy};

static ens_status make_share(curl_ctx *c, ens_error *err)
{
    c->share = curl_share_init();
    if (!c->share)
        return ens__error_set(err, ENS_ENOMEM, "out of memory: cannot create a libcurl share handle");
    if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
        return ens__error_set(err, ENS_ETRANSPORT,
                              "transport error: libcurl rejected the share handle's options");
    return ENS_OK;
}

ENS_EXTERN ens_status ens_transport_curl_new_ex(ens_transport **out,
                                                const ens_curl_transport_options *opts,
                                                ens_error *err)
{
    curl_ctx *c;
    ens_status st;
    size_t i;
    if (!out)
        return ens__error_set(err, ENS_EINVAL, "invalid argument: out is NULL");
    if (opts && (opts->version == 0 || opts->version > ENS_CURL_TRANSPORT_OPTIONS_VERSION))
        return ens__error_set(err, ENS_EINVAL,
                              "invalid argument: unknown ens_curl_transport_options version %u",
                              opts->version);
    if (opts && opts->ca_file && (st = check_ca_file(opts->ca_file, err)) != ENS_OK)
        return st;
    if (curl_global_init_once() != ENS_OK)
        return ens__error_set(err, ENS_ETRANSPORT, "transport error: curl_global_init() failed");
    c = ens__calloc(1, sizeof(*c));
    if (!c || ens__sockets_init(&c->sockets) != 0) {
        ens__free(c);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: creating the libcurl transport");
    }
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    pthread_mutex_init(&c->pool_lock, NULL);
    if (opts && copy_options(c, opts) != ENS_OK) {
        curl_destroy(c);
        return ens__error_set(err, ENS_ENOMEM, "out of memory: creating the libcurl transport");
    }
    if ((st = make_share(c, err)) != ENS_OK) {
        curl_destroy(c);
        return st;
    }
    st = ens_transport_new(out, &curl_vtable, c);
    if (st != ENS_OK) {
        curl_destroy(c);
        return ens__error_set(err, st, "out of memory: creating the libcurl transport");
    }
    return ENS_OK;
}

ENS_EXTERN ens_status ens_transport_curl_new(ens_transport **out,
                                             const ens_curl_transport_options *opts)
{
    return ens_transport_curl_new_ex(out, opts, NULL);
}

bool ens__transport_curl_config(const ens_transport *t, ens__curl_config *out)
{
    /* A libcurl transport is recognised by its vtable: no global list. */
    curl_ctx *c = ens__transport_ctx_if(t, &curl_vtable);
    if (!c)
        return false;
    *out = config_of(c);
    out->sockets = NULL; /* the caller's connection cache is its own */
    return true;
}
