/* SPDX-License-Identifier: MIT */
/* One libcurl transfer, the same for the blocking transport and the
 * asynchronous engine: the options, the callbacks filling the response, the
 * proxy decision, and what a failure means and what to do about it. */
#include "transport/curl_xfer.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "transport/http_response.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/url.h"

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

static size_t head_fail(ens__curl_xfer *x, ens_status st)
{
    x->fail = st;
    x->fail_in_head = true;
    return 0;
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
        x->head_done = false;
        if (sp && (size_t)(sp - ptr) + 4 <= len && sp[1] >= '1' && sp[1] <= '9' && sp[2] >= '0' &&
            sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9')
            code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        if (code)
            ens_http_response_set_status(x->resp, code);
        return n;
    }
    if (len == 0) {
        /* The blank line ending a header block; a 1xx block is followed by
           another status line. */
        if (ens_http_response_status(x->resp) >= 200)
            x->head_done = true;
        return n;
    }
    colon = memchr(ptr, ':', len);
    if (!colon || colon == ptr)
        return n; /* folded continuation: ignore */
    name_len = (size_t)(colon - ptr);
    v = colon + 1;
    end = ptr + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (name_len == 14 && strncasecmp(ptr, "content-length", 14) == 0 &&
        (st = reserve_from_length(x->resp, v, (size_t)(end - v))) != ENS_OK)
        return head_fail(x, st);
    st = ens_http_response_add_header(x->resp, ptr, name_len, v, (size_t)(end - v));
    if (st != ENS_OK)
        return head_fail(x, st);
    return n;
}

/* Every socket goes through the connection cache's list (fork(): see
 * curl_sockets.h); a failure to keep it there is out of memory, not a
 * network failure. */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
                                    struct curl_sockaddr *addr)
{
    ens__curl_xfer *x = clientp;
    bool oom = false;
    curl_socket_t fd = ens__sockets_open(x->sockets, addr, &oom);
    (void)purpose;
    if (oom)
        x->fail = ENS_ENOMEM;
    return fd;
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

/* What to do about a TLS failure, as the end of its description.  Turning
 * verification off is never the advice. */
static const char *tls_advice(CURLcode rc, const char *why)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
        if (strstr(why, "subject name") || strstr(why, "does not match") ||
            strstr(why, "host name") || strstr(why, "hostname"))
            return "the endpoint's host name is not one the server's certificate names: use a "
                   "host name (or IP address) the certificate carries";
        return "the server's certificate is not trusted: if it was issued by a private or "
               "self-signed CA, give that CA's certificate (PEM) in the ca_file option of the "
               "client or transport; also check that the endpoint's host name matches the "
               "certificate and that the system clock is right";
    case CURLE_SSL_CACERT_BADFILE:
        return "the CA certificates could not be loaded: the ca_file option must name a "
               "readable PEM file of CA certificates";
    case CURLE_SSL_CONNECT_ERROR:
        return "the TLS handshake failed: check that the endpoint serves HTTPS on that port "
               "(a plain HTTP server needs an http:// endpoint) and, if the server uses a "
               "private CA, give its certificate in the ca_file option";
    default:
        return "check the server's TLS setup, and give a private CA's certificate in the "
               "ca_file option";
    }
}

/* Bytes the request occupies in libcurl's request buffer, at most: the
 * request line, the headers, libcurl's own (Host, Accept, Content-Length...)
 * and a body short enough to go with them. */
static size_t request_head_size(const ens_http_request *req, const ens__curl_config *cfg)
{
    size_t n = strlen(req->method) + strlen(req->url) + 512, i;
    for (i = 0; i < req->header_count && n <= ENS__REQUEST_HEAD_MAX; i++)
        n += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 4;
    if (cfg->user_agent)
        n += strlen(cfg->user_agent) + 14;
    if (req->body_len < 64 * 1024)
        n += req->body_len;
    return n;
}

#define SETOPT(h, opt, val)                                                                     \
    do {                                                                                       \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                   \
            return ens__error_set(e, ENS_ETRANSPORT, "transport error: libcurl rejected " #opt); \
    } while (0)

/* Which proxy a request goes through.  Credentials never cross a hop that
 * is not this machine in cleartext unless the caller asked for it:
 *   - a loopback host is reached directly, never through a proxy (a proxy's
 *     loopback is not ours, and the hop to it is not loopback);
 *   - the proxy option, when set, serves every other host ("" = none);
 *   - otherwise libcurl's environment variables (https_proxy, all_proxy,
 *     no_proxy...) serve https only: through a proxy, https is a CONNECT
 *     tunnel with TLS end to end, while plain http would hand the signed
 *     headers and the token to the proxy;
 *   - ignore_env_proxy: the environment is never read (no_proxy included). */
static ens_status set_proxy(CURL *h, const ens_http_request *req, const ens__curl_config *cfg,
                            ens_error *e)
{
    ens__url u;
    bool https = false;
    const char *proxy = "", *noproxy = NULL;
    ens__url_split(req->url, ENS__URL_BARE_PATH, &u);
    (void)ens__url_http_scheme(&u, &https);
    if (u.host && ens__url_host_is_loopback(u.host, u.host_len)) {
        proxy = "";
    } else if (cfg->proxy) {
        proxy = cfg->proxy;
        noproxy = cfg->ignore_env_proxy ? "" : NULL;
    } else if (https && !cfg->ignore_env_proxy) {
        proxy = NULL; /* libcurl's default: the environment */
    }
    SETOPT(h, CURLOPT_PROXY, proxy);
    SETOPT(h, CURLOPT_NOPROXY, noproxy);
    return ENS_OK;
}

ens_status ens__curl_xfer_setup_fixed(CURL *h, ens__curl_xfer *x, const ens__curl_config *cfg,
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
    x->sockets = cfg->sockets;
    if (cfg->sockets) {
        SETOPT(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        SETOPT(h, CURLOPT_OPENSOCKETDATA, (void *)x);
        SETOPT(h, CURLOPT_CLOSESOCKETFUNCTION, ens__sockets_close);
        SETOPT(h, CURLOPT_CLOSESOCKETDATA, (void *)cfg->sockets);
    }
    if (cfg->ca_file)
        SETOPT(h, CURLOPT_CAINFO, cfg->ca_file);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
    return ENS_OK;
}

/* "name: value", or "name;" for an empty value (libcurl's way), and a NUL
 * into out; returns the length written, NUL excluded. */
static size_t header_line(char *out, const ens_http_header *hd, size_t nlen, size_t vlen)
{
    memcpy(out, hd->name, nlen);
    memcpy(out + nlen, vlen ? ": " : ";", vlen ? 2 : 1);
    memcpy(out + nlen + (vlen ? 2 : 1), hd->value, vlen);
    out[nlen + (vlen ? 2 : 1) + vlen] = '\0';
    return nlen + (vlen ? 2 : 1) + vlen;
}

/* No "Expect: 100-continue" round trip, no unsigned default Content-Type. */
static const char *const extra_lines[2] = {"Expect:", "Content-Type:"};

/* The list in x->nodes and x->lines, when it fits (true). */
static bool build_headers_inline(ens__curl_xfer *x, const ens_http_request *req, size_t total)
{
    size_t i, used = 0, n = req->header_count + 2;
    if (n > ENS__XFER_NODES || total > sizeof(x->lines))
        return false;
    for (i = 0; i < n; i++) {
        char *line = x->lines + used;
        if (i < req->header_count) {
            const ens_http_header *hd = &req->headers[i];
            used += header_line(line, hd, strlen(hd->name), strlen(hd->value)) + 1;
        } else {
            size_t len = strlen(extra_lines[i - req->header_count]);
            memcpy(line, extra_lines[i - req->header_count], len + 1);
            used += len + 1;
        }
        x->nodes[i].data = line;
        x->nodes[i].next = i + 1 < n ? &x->nodes[i + 1] : NULL;
    }
    x->lines_used = used;
    x->own_list = true;
    x->hdrs = x->nodes;
    return true;
}

/* The request's headers as libcurl's list in x->hdrs: in x itself when they
 * fit, else through curl_slist_append(), each line built in one buffer
 * sized for the longest, never grown: a grown buffer would leave an earlier
 * line (a signature, a token) in the block it left. */
static ens_status build_headers(ens__curl_xfer *x, const ens_http_request *req, bool *has_ua,
                                ens_error *e)
{
    size_t i, longest = 0, total = sizeof("Expect:") + sizeof("Content-Type:");
    char *line = NULL;
    ens_status st = ENS_OK;
    for (i = 0; i < req->header_count; i++) {
        const ens_http_header *hd = &req->headers[i];
        size_t nlen = strlen(hd->name), n = nlen + 2 + strlen(hd->value);
        if (nlen == 10 && strcasecmp(hd->name, "user-agent") == 0)
            *has_ua = true;
        if (n > longest)
            longest = n;
        total += n + 1;
    }
    if (build_headers_inline(x, req, total))
        return ENS_OK;
    if (req->header_count && !(line = ens__malloc(longest + 1)))
        return ens__error_set(e, ENS_ENOMEM, "out of memory: building request headers");
    for (i = 0; i < req->header_count + 2 && st == ENS_OK; i++) {
        const char *text;
        struct curl_slist *tmp;
        if (i < req->header_count) {
            const ens_http_header *hd = &req->headers[i];
            header_line(line, hd, strlen(hd->name), strlen(hd->value));
            text = line;
        } else {
            text = extra_lines[i - req->header_count];
        }
        tmp = curl_slist_append(x->hdrs, text);
        if (!tmp)
            st = ens__error_set(e, ENS_ENOMEM, "out of memory: building request headers");
        else
            x->hdrs = tmp;
    }
    if (line) { /* it held the Authorization line */
        sodium_memzero(line, longest + 1);
        ens__free(line);
    }
    return st;
}

ens_status ens__curl_xfer_setup_request(CURL *h, ens__curl_xfer *x, ens_http_response *resp,
                                        const ens_http_request *req, const ens__curl_config *cfg,
                                        bool fresh, ens_error *e)
{
    bool has_ua = false;
    ens_status st;
    size_t head;

    x->resp = resp;
    x->fail = ENS_OK;
    x->fail_in_head = false;
    x->head_done = false;
    x->hdrs = NULL;
    x->own_list = false;
    x->lines_used = 0;
    x->errbuf[0] = '\0';
    head = request_head_size(req, cfg);
    if (head > ENS__REQUEST_HEAD_MAX)
        return ens__error_set(e, ENS_EINVAL,
                              "invalid argument: the request is too long to send (its URL and "
                              "headers take about %zu bytes; libcurl sends at most %zu): shorten "
                              "its parameters",
                              head, ENS__REQUEST_HEAD_MAX);
    if ((st = build_headers(x, req, &has_ua, e)) != ENS_OK)
        return st;
    if ((st = set_proxy(h, req, cfg, e)) != ENS_OK)
        return st;
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
    st = ens__curl_xfer_setup_fixed(h, x, cfg, e);
    return st != ENS_OK ? st : ens__curl_xfer_setup_request(h, x, resp, req, cfg, true, e);
}

#undef SETOPT

/* true once any byte of the request went out. */
static bool request_sent(CURL *h)
{
    long n = 0;
    return curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &n) == CURLE_OK && n > 0;
}

/* The status and description of a failed transfer. */
static ens_status describe_failure(CURL *h, CURLcode rc, const ens__curl_xfer *x,
                                   const ens_http_request *req, ens_error *e)
{
    const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    ens_status st = x->fail != ENS_OK ? x->fail : map_curl(rc);
    bool too_long_head = false;

    /* libcurl reports its own limit on one header line (100 KiB) as out of
       memory (as CURLE_TOO_LARGE from 8.6.0): once the request is out and
       before the headers have ended, that is what it is.  (The request side
       of that limit is checked before sending.) */
    if (x->fail == ENS_OK && !x->head_done && request_sent(h) &&
        (rc == CURLE_OUT_OF_MEMORY
#if LIBCURL_VERSION_NUM >= 0x080600 /* 8.6.0 */
         || rc == CURLE_TOO_LARGE
#endif
         )) {
        st = ENS_ETOOLARGE;
        too_long_head = true;
    }
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && x->fail == ENS_OK) {
        /* After the request went out: a reply without a status line (HTTP/0.9,
           or not HTTP at all).  Before: a URL libcurl will not send. */
        if (request_sent(h))
            return ens__error_set(e, ENS_ENETWORK,
                                  "network error: the reply is not HTTP (no status line): %s; check "
                                  "that the endpoint is an HTTP(S) server", why);
        return ens__error_set(e, ENS_EINVAL,
                              "invalid argument: %s; only http:// and https:// URLs are sent", why);
    }
    if (too_long_head)
        return ens__error_set(e, st, "response too large: a header line of the reply exceeds "
                                     "libcurl's limit of 100 KiB");
    if (st == ENS_ETOOLARGE && x->fail_in_head)
        return ens__error_set(e, st, "response too large: the reply's headers exceed %zu bytes",
                              (size_t)ENS__MAX_HEADER_BYTES);
    if (st == ENS_ETOOLARGE)
        return ens__error_set(e, st, "response too large: the body exceeds the %zu-byte cap",
                              req->max_response_bytes);
    if (st == ENS_ETIMEOUT)
        return ens__error_set(e, st, "timed out: %s", why);
    if (st == ENS_ETLS)
        return ens__error_set(e, st, "%s: %s; %s", ens_strerror(st), why, tls_advice(rc, why));
    return ens__error_set(e, st, "%s: %s", ens_strerror(st), why);
}

ens_status ens__curl_xfer_result(CURL *h, CURLcode rc, ens__curl_xfer *x,
                                 const ens_http_request *req, ens_error *e)
{
    long code = 0;
    ens_status st;
    if (rc != CURLE_OK) {
        st = describe_failure(h, rc, x, req, e);
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
    struct curl_slist *p;
    /* The list held the authorization header and any token: wipe it. */
    if (x->own_list) {
        sodium_memzero(x->lines, x->lines_used);
    } else {
        for (p = x->hdrs; p; p = p->next)
            if (p->data)
                sodium_memzero(p->data, strlen(p->data));
        curl_slist_free_all(x->hdrs);
    }
    x->own_list = false;
    x->lines_used = 0;
    x->hdrs = NULL;
    x->fail = ENS_OK;
    x->fail_in_head = false;
    x->errbuf[0] = '\0';
}
