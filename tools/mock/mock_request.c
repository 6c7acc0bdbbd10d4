/* SPDX-License-Identifier: MIT */
/* ensmock: what every handler uses to read a request and to answer with an
 * error: the log line, the error reply, the decoded query parameters (see
 * mock_internal.h). */
#include "mock_internal.h"

void mock_log(const ensmock_server *srv, const char *fmt, ...)
{
    if (!srv->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ensmock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- error replies ---- */

void mock_set_error(reqctx *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char rec[256];
    snprintf(rec, sizeof rec,
             "https://api.aliyun.com/troubleshoot?q=%s&product=Ens&requestId=%s",
             code, c->request_id);
    json_decref(c->root);
    c->root = json_pack("{s:s, s:s, s:s, s:s, s:s}", "RequestId", c->request_id,
                        "HostId", MOCK_HOST_ID, "Code", code, "Message", msg,
                        "Recommend", rec);
    c->status = status;
    mock_log(c->srv, "  -> %d %s: %s", status, code, msg);
}

/* ---- query string ---- */

void mock_free_params(reqctx *c)
{
    for (size_t i = 0; i < c->nparams; i++) {
        free(c->params[i].name);
        free(c->params[i].value);
        free(c->params[i].enc);
    }
    free(c->params);
    c->params = NULL;
    c->nparams = 0;
}

static int cmp_param(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    /* by encoded name, then by encoded value */
    size_t n = x->enc_name_len < y->enc_name_len ? x->enc_name_len : y->enc_name_len;
    int r = memcmp(x->enc, y->enc, n);
    if (r)
        return r;
    if (x->enc_name_len != y->enc_name_len)
        return x->enc_name_len < y->enc_name_len ? -1 : 1;
    return strcmp(x->enc + x->enc_name_len, y->enc + y->enc_name_len);
}

/* false = out of memory */
bool mock_parse_query(reqctx *c, const char *q)
{
    size_t cap = 0;
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t seg = amp ? (size_t)(amp - q) : strlen(q);
        if (seg > 0) {
            const char *eq = memchr(q, '=', seg);
            size_t nl = eq ? (size_t)(eq - q) : seg;
            const char *v = eq ? eq + 1 : q + seg;
            size_t vl = eq ? seg - nl - 1 : 0;
            if (c->nparams == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                qparam *np = realloc(c->params, ncap * sizeof *np);
                if (!np)
                    return false;
                c->params = np;
                cap = ncap;
            }
            qparam *p = &c->params[c->nparams];
            memset(p, 0, sizeof *p);
            c->nparams++;
            p->name = mock_pct_decode(q, nl, &p->name_len);
            p->value = mock_pct_decode(v, vl, &p->value_len);
            if (!p->name || !p->value)
                return false;
            sbuf b = {0};
            mock_pct_encode(&b, p->name, p->name_len);
            p->enc_name_len = b.len;
            mock_sb_addc(&b, '=');
            mock_pct_encode(&b, p->value, p->value_len);
            if (b.oom || !b.p) {
                mock_sb_free(&b);
                return false;
            }
            p->enc = b.p;
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    if (c->nparams > 1)
        qsort(c->params, c->nparams, sizeof *c->params, cmp_param);
    return true;
}

/* First value of a parameter, NULL if absent. */
const char *mock_param(const reqctx *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}
