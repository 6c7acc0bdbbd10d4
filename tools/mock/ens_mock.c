/* SPDX-License-Identifier: MIT */
/*
 * ensmock: local mock of ENS DescribeNetworkPeerConnections.  See ens_mock.h
 * for the contract and mock_internal.h for how the files divide the work.
 */
#include "mock_internal.h"
#include "ens_mock_data.h"

#include <zlib.h>

static void mhd_logger(void *cls, const char *fmt, va_list ap) MOCK_PRINTF(2, 0);
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    const ensmock_server *srv = cls;
    if (!srv->verbose)
        return;
    fputs("ensmock (libmicrohttpd): ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- replies ---- */

typedef struct trunc_body {
    char *body;
    size_t len, cut;
} trunc_body;

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    trunc_body *t = cls;
    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    trunc_body *t = cls;
    free(t->body);
    free(t);
}

/* The gzip_body fault: *body (*len bytes, malloc'd) replaced by its gzip
 * encoding (RFC 1952: zlib's deflate with a gzip wrapper).  0 on success. */
static int gzip_reply(char **body, size_t *len)
{
    z_stream z;
    unsigned char *out;
    uLong cap;
    int rc;

    memset(&z, 0, sizeof(z));
    if (*len > UINT_MAX || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    cap = deflateBound(&z, (uLong)*len);
    if (!(out = malloc(cap))) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)*body;
    z.avail_in = (uInt)*len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return -1;
    }
    free(*body);
    *body = (char *)out;
    *len = z.total_out;
    return 0;
}

static enum MHD_Result send_reply(reqctx *c)
{
    ensmock_server *srv = c->srv;
    if (!c->root) { /* out of memory building the reply */
        c->status = 500;
        c->root = json_pack("{s:s, s:s, s:s, s:s}", "RequestId", c->request_id,
                            "HostId", MOCK_HOST_ID, "Code", "InternalError",
                            "Message", "The request processing has failed due to some unknown error.");
        if (!c->root)
            return MHD_NO;
    }
    if (c->faults.oversize_body_bytes > 0) {
        size_t n = c->faults.oversize_body_bytes + 1;
        char *pad = malloc(n + 1);
        if (pad) {
            memset(pad, 'x', n);
            pad[n] = '\0';
            json_object_set_new(c->root, "MockPadding", json_string(pad));
            free(pad);
        }
    }
    char *body = c->status == 200 && c->faults.raw_body ? mock_strdup(c->faults.raw_body)
                                                        : json_dumps(c->root, JSON_COMPACT);
    if (!body)
        return MHD_NO;
    size_t len = strlen(body);
    struct MHD_Response *resp;
    bool truncated = false, gzipped = c->faults.gzip_body && c->status == 200;
    if (gzipped && gzip_reply(&body, &len) != 0) {
        free(body);
        return MHD_NO;
    }
    if (c->faults.truncate_body || c->faults.drop_after_headers) {
        trunc_body *t = malloc(sizeof *t);
        if (!t) {
            free(body);
            return MHD_NO;
        }
        t->body = body;
        t->len = len;
        t->cut = c->faults.drop_after_headers ? 0 : len / 2;
        resp = MHD_create_response_from_callback(len, 4096, trunc_reader, t, trunc_free);
        if (!resp) {
            trunc_free(t);
            return MHD_NO;
        }
        truncated = true;
    } else {
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, MOCK_CONTENT_TYPE);
    MHD_add_response_header(resp, "x-acs-request-id", c->request_id);
    if (gzipped)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result r = MHD_queue_response(c->conn, (unsigned)c->status, resp);
    MHD_destroy_response(resp);

    pthread_mutex_lock(&srv->lock);
    if (!truncated)
        srv->stats.body_bytes += len;
    if (c->status >= 0 && c->status < ENSMOCK_STATUS_MAX)
        srv->stats.http_status[c->status]++;
    if (c->status == 200)
        srv->stats.ok++;
    if (truncated)
        srv->stats.truncated++;
    if (gzipped)
        srv->stats.gzipped++;
    pthread_mutex_unlock(&srv->lock);
    return r;
}

static void handle(reqctx *c, const char *method)
{
    ensmock_server *srv = c->srv;
    const char *uri = c->rq->uri ? c->rq->uri : "";
    const char *qm = strchr(uri, '?');
    size_t pathlen = qm ? (size_t)(qm - uri) : strlen(uri);

    if (strcmp(method, "POST") != 0) {
        mock_set_error(c, 405, "UnsupportedHTTPMethod",
                  "The HTTP method %s is not supported; use POST.", method);
        return;
    }
    if (pathlen != 1 || uri[0] != '/') {
        mock_set_error(c, 404, "InvalidAction.NotFound",
                  "Specified api is not found, please check your url and method.");
        return;
    }
    if (c->rq->too_large) {
        mock_set_error(c, 413, "RequestEntityTooLarge", "The request body is too large.");
        return;
    }
    if (!mock_hdr(c, "x-acs-action")) {
        mock_set_error(c, 400, "MissingParameter",
                  "The input parameter \"x-acs-action\" that is mandatory for processing "
                  "this request is not supplied.");
        return;
    }
    if (!mock_hdr(c, "x-acs-version")) {
        mock_set_error(c, 400, "MissingParameter",
                  "The input parameter \"x-acs-version\" that is mandatory for processing "
                  "this request is not supplied.");
        return;
    }
    if (!mock_parse_query(c, qm ? qm + 1 : NULL)) {
        mock_set_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    /* Routing: AssumeRoleWithOIDC is the one action sent unsigned. */
    const char *action = mock_hdr(c, "x-acs-action");
    if (strcmp(action, "AssumeRoleWithOIDC") != 0 && !mock_authenticate(c))
        return;
    if (mock_sts_action(action)) {
        mock_sts(c, action);
        return;
    }
    if (strcmp(action, MOCK_ACTION) != 0) {
        mock_set_error(c, 404, "InvalidAction.NotFound",
                  "Specified api is not found, please check your url and method.");
        return;
    }
    if (strcmp(mock_hdr(c, "x-acs-version"), MOCK_VERSION) != 0) {
        mock_set_error(c, 400, "InvalidVersion", "Specified parameter Version is not valid.");
        return;
    }

    /* The counters and the limits they are compared with are read together:
       a request that began before ensmock_set_faults() holds the old faults
       in c->faults, but its sequence number counts under the new ones. */
    pthread_mutex_lock(&srv->lock);
    unsigned long seq = ++srv->fault_seq;
    bool throttle = seq <= srv->faults.throttle_first_n;
    bool unavailable = !throttle &&
                       seq <= (unsigned long)srv->faults.throttle_first_n + srv->faults.unavailable_first_n;
    if (throttle)
        srv->stats.throttled++;
    if (unavailable)
        srv->stats.unavailable++;
    pthread_mutex_unlock(&srv->lock);
    if (throttle) {
        mock_set_error(c, 400, "Throttling.User", "Request was denied due to user flow control.");
        return;
    }
    if (unavailable) {
        mock_set_error(c, 503, "ServiceUnavailable",
                  "The request has failed due to a temporary failure of the server.");
        return;
    }
    mock_describe(c);
}

/* Sleep up to ms, returning early when the server stops. */
static void mock_sleep(ensmock_server *srv, long ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->lock);
    while (!srv->stopping) {
        if (pthread_cond_timedwait(&srv->cond, &srv->lock, &dl) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&srv->lock);
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url;
    (void)version;
    ensmock_server *srv = cls;
    req_state *rq = *con_cls;
    if (!rq)
        return MHD_NO; /* allocation failed in on_uri */
    if (!rq->started) {
        rq->started = true;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->too_large || rq->body_len + n > ENSMOCK_MAX_BODY_BYTES) {
            rq->too_large = true;
            return MHD_YES;
        }
        if (rq->body_len + n > rq->body_cap) {
            size_t ncap = rq->body_cap ? rq->body_cap : 1024;
            while (ncap < rq->body_len + n)
                ncap *= 2;
            char *nb = realloc(rq->body, ncap);
            if (!nb)
                return MHD_NO;
            rq->body = nb;
            rq->body_cap = ncap;
        }
        memcpy(rq->body + rq->body_len, upload_data, n);
        rq->body_len += n;
        return MHD_YES;
    }

    reqctx c;
    memset(&c, 0, sizeof c);
    c.srv = srv;
    c.conn = conn;
    c.rq = rq;
    mock_new_request_id(c.request_id);

    pthread_mutex_lock(&srv->lock);
    srv->stats.requests++;
    c.faults = srv->faults;
    pthread_mutex_unlock(&srv->lock);

    mock_log(srv, "%s %s", method, rq->uri ? rq->uri : "?");
    if (c.faults.delay_ms > 0)
        mock_sleep(srv, c.faults.delay_ms);
    if (c.faults.drop_connection) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.dropped++;
        pthread_mutex_unlock(&srv->lock);
        mock_log(srv, "  -> connection dropped (fault)");
        return MHD_NO;
    }

    handle(&c, method);
    enum MHD_Result r = send_reply(&c);
    json_decref(c.root);
    mock_free_params(&c);
    return r;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    req_state *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->uri = mock_strdup(uri);
    if (!rq->uri) {
        free(rq);
        return NULL;
    }
    return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_state *rq = *con_cls;
    if (rq) {
        free(rq->uri);
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    (void)socket_context;
    ensmock_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&srv->lock);
        srv->stats.connections++;
        pthread_mutex_unlock(&srv->lock);
    }
}

/* ------------------------------------------------------------------ */
/* Start / stop                                                        */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mock_sb_addn(&b, buf, n);
    bool err = ferror(f) || b.oom;
    fclose(f);
    if (err || !b.p) {
        mock_sb_free(&b);
        return NULL;
    }
    return b.p;
}

static int load_data(ensmock_server *srv, const ensmock_options *o)
{
    json_error_t err;
    json_t *root;
    const char *what;
    if (o->data_json) {
        what = "data_json";
        root = json_loads(o->data_json, 0, &err);
    } else if (o->data_file) {
        what = o->data_file;
        root = json_load_file(o->data_file, 0, &err);
    } else {
        what = "built-in data set";
        root = json_loadb((const char *)ensmock_default_json, ensmock_default_json_len, 0, &err);
    }
    if (!root) {
        if (err.line > 0)
            fprintf(stderr, "ensmock: %s: line %d column %d: %s\n", what, err.line, err.column,
                    err.text);
        else
            fprintf(stderr, "ensmock: %s: %s\n", what, err.text);
        return ENSMOCK_ERR_DATA;
    }
    json_t *arr = json_is_array(root) ? root : json_object_get(root, "NetworkPeerConnects");
    if (!json_is_array(arr)) {
        fprintf(stderr, "ensmock: %s: expected an array or an object with a "
                        "\"NetworkPeerConnects\" array\n", what);
        json_decref(root);
        return ENSMOCK_ERR_DATA;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (!json_is_object(json_array_get(arr, i))) {
            fprintf(stderr, "ensmock: %s: entry %zu is not an object\n", what, i);
            json_decref(root);
            return ENSMOCK_ERR_DATA;
        }
    }
    srv->data = json_incref(arr);
    json_decref(root);
    return ENSMOCK_OK;
}

void ensmock_options_init(ensmock_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

static int keep_raw_body(ensmock_server *srv, char *raw)
{
    char **grown = realloc(srv->raw_bodies, (srv->nraw + 1) * sizeof *grown);
    if (!grown)
        return -1;
    srv->raw_bodies = grown;
    srv->raw_bodies[srv->nraw++] = raw;
    return 0;
}

static void free_server(ensmock_server *srv)
{
    mock_churn_free(srv->churn);
    for (size_t i = 0; i < srv->nraw; i++)
        free(srv->raw_bodies[i]);
    free(srv->raw_bodies);
    for (size_t i = 0; i < srv->nkeys; i++) {
        free(srv->keys[i].id);
        if (srv->keys[i].secret)
            sodium_memzero(srv->keys[i].secret, strlen(srv->keys[i].secret));
        free(srv->keys[i].secret);
        free(srv->keys[i].token);
    }
    free(srv->keys);
    json_decref(srv->data);
    free(srv->tls_cert);
    if (srv->tls_key)
        sodium_memzero(srv->tls_key, strlen(srv->tls_key));
    free(srv->tls_key);
    mock_sts_free(srv);
    mock_nonce_free(&srv->nonces);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

static bool valid_faults(const ensmock_faults *f)
{
    return f->delay_ms >= 0;
}

int ensmock_start(const ensmock_options *opts, ensmock_server **out)
{
    ensmock_options defaults;
    if (!out)
        return ENSMOCK_ERR_INVALID;
    *out = NULL;
    if (!opts) {
        ensmock_options_init(&defaults);
        opts = &defaults;
    }
    if (!valid_faults(&opts->faults) || (opts->key_count && !opts->keys) ||
        (!opts->tls_cert_file != !opts->tls_key_file)) {
        fprintf(stderr, "ensmock: invalid options\n");
        return ENSMOCK_ERR_INVALID;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "ensmock: sodium_init failed\n");
        return ENSMOCK_ERR_START;
    }

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(opts->port);
    const char *bind_addr = opts->bind_addr ? opts->bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "ensmock: bind address \"%s\" is not an IPv4 literal\n", bind_addr);
        return ENSMOCK_ERR_INVALID;
    }

    ensmock_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ENSMOCK_ERR_NOMEM;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cond, &ca);
    pthread_condattr_destroy(&ca);
    randombytes_buf(srv->nonces.key, sizeof srv->nonces.key);
    if (mock_sts_init(srv) != ENSMOCK_OK) {
        free_server(srv);
        return ENSMOCK_ERR_NOMEM;
    }
    const char *ev = getenv("ENSMOCK_VERBOSE");
    srv->verbose = opts->verbose || (ev && *ev && strcmp(ev, "0") != 0);
    srv->faults = opts->faults;
    srv->faults.raw_body = NULL;
    if (opts->faults.raw_body) {
        char *raw = mock_strdup(opts->faults.raw_body);
        if (!raw || keep_raw_body(srv, raw) != 0) {
            free(raw);
            free_server(srv);
            return ENSMOCK_ERR_NOMEM;
        }
        srv->faults.raw_body = raw;
    }
    srv->skew_s = opts->clock_skew_check_s == 0 ? ENSMOCK_DEFAULT_CLOCK_SKEW_S
                                                : opts->clock_skew_check_s;
    if (srv->skew_s < 0)
        srv->skew_s = -1;

    int rc = ENSMOCK_ERR_NOMEM;
    static const ensmock_key demo = {ENSMOCK_DEMO_KEY_ID, ENSMOCK_DEMO_KEY_SECRET, NULL};
    const ensmock_key *keys = opts->key_count ? opts->keys : &demo;
    size_t nkeys = opts->key_count ? opts->key_count : 1;
    srv->keys = calloc(nkeys, sizeof *srv->keys);
    if (!srv->keys)
        goto fail;
    for (size_t i = 0; i < nkeys; i++) {
        if (!keys[i].id || !keys[i].secret || !*keys[i].id) {
            fprintf(stderr, "ensmock: key %zu lacks an id or a secret\n", i);
            rc = ENSMOCK_ERR_INVALID;
            goto fail;
        }
        srv->nkeys++;
        srv->keys[i].id = mock_strdup(keys[i].id);
        srv->keys[i].secret = mock_strdup(keys[i].secret);
        srv->keys[i].token = mock_strdup(keys[i].security_token);
        if (!srv->keys[i].id || !srv->keys[i].secret ||
            (keys[i].security_token && !srv->keys[i].token))
            goto fail;
    }

    rc = load_data(srv, opts);
    if (rc != ENSMOCK_OK)
        goto fail;
    if (!(srv->churn = mock_churn_new(srv))) {
        rc = ENSMOCK_ERR_NOMEM;
        goto fail;
    }

    if (opts->tls_cert_file) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            fprintf(stderr, "ensmock: libmicrohttpd was built without TLS support\n");
            rc = ENSMOCK_ERR_TLS;
            goto fail;
        }
        srv->tls_cert = read_file(opts->tls_cert_file);
        srv->tls_key = read_file(opts->tls_key_file);
        if (!srv->tls_cert || !srv->tls_key) {
            fprintf(stderr, "ensmock: cannot read %s: %s\n",
                    srv->tls_cert ? opts->tls_key_file : opts->tls_cert_file, strerror(errno));
            rc = ENSMOCK_ERR_TLS;
            goto fail;
        }
        srv->tls = true;
    }

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (srv->tls) {
        srv->daemon = MHD_start_daemon(
            flags | MHD_USE_TLS, opts->port, NULL, NULL, on_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            MHD_OPTION_HTTPS_MEM_CERT, srv->tls_cert,
            MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key,
            MHD_OPTION_END);
    } else {
        srv->daemon = MHD_start_daemon(
            flags, opts->port, NULL, NULL, on_request, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            MHD_OPTION_END);
    }
    if (!srv->daemon) {
        fprintf(stderr, "ensmock: cannot start the HTTP%s server on %s:%u%s\n",
                srv->tls ? "S" : "", bind_addr, (unsigned)opts->port,
                srv->tls ? " (port in use, or bad certificate/key?)" : " (port in use?)");
        rc = srv->tls ? ENSMOCK_ERR_TLS : ENSMOCK_ERR_START;
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : opts->port;
    snprintf(srv->url, sizeof srv->url, "%s://%s:%u", srv->tls ? "https" : "http", bind_addr,
             (unsigned)srv->port);
    *out = srv;
    return ENSMOCK_OK;

fail:
    free_server(srv);
    return rc;
}

unsigned short ensmock_port(const ensmock_server *srv)
{
    return srv ? srv->port : 0;
}

const char *ensmock_url(const ensmock_server *srv)
{
    return srv ? srv->url : "";
}

size_t ensmock_data_count(const ensmock_server *srv)
{
    return srv ? mock_churn_data_count((ensmock_server *)srv) : 0;
}

void ensmock_stats_get(const ensmock_server *srv, ensmock_stats *out)
{
    ensmock_server *s = (ensmock_server *)srv; /* the lock is not logically state */
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

void ensmock_stats_reset(ensmock_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    memset(&srv->stats, 0, sizeof srv->stats);
    pthread_mutex_unlock(&srv->lock);
}

int ensmock_set_faults(ensmock_server *srv, const ensmock_faults *faults)
{
    ensmock_faults none;
    memset(&none, 0, sizeof none);
    if (!faults)
        faults = &none;
    if (!srv || !valid_faults(faults))
        return ENSMOCK_ERR_INVALID;
    char *raw = NULL;
    if (faults->raw_body && !(raw = mock_strdup(faults->raw_body)))
        return ENSMOCK_ERR_NOMEM;
    pthread_mutex_lock(&srv->lock);
    if (raw && keep_raw_body(srv, raw) != 0) {
        pthread_mutex_unlock(&srv->lock);
        free(raw);
        return ENSMOCK_ERR_NOMEM;
    }
    srv->faults = *faults;
    srv->faults.raw_body = raw;
    srv->fault_seq = 0;
    srv->grow_seq = 0;
    pthread_mutex_unlock(&srv->lock);
    return ENSMOCK_OK;
}

void ensmock_stop(ensmock_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->lock);
    srv->stopping = true;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    MHD_stop_daemon(srv->daemon);
    free_server(srv);
}
