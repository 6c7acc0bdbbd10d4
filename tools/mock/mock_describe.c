/* SPDX-License-Identifier: MIT */
/* ensmock: the DescribeNetworkPeerConnections operation: filters, paging,
 * synthetic entries (see mock_internal.h). */
#include "mock_internal.h"

/* ---- the operation ---- */

/* Strict decimal; false on anything else or on overflow. */
static bool parse_uint(const char *s, unsigned long long *out)
{
    if (!*s)
        return false;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (ULLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (unsigned long long)(*p - '0');
    }
    *out = v;
    return true;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool str_field_eq(const json_t *obj, const char *field, const char *want)
{
    const char *v = json_string_value(json_object_get(obj, field));
    return v && strcmp(v, want) == 0;
}

static bool entry_has_network(const json_t *e, const char *nid)
{
    return str_field_eq(e, "NetworkId", nid) || str_field_eq(e, "AcceptingNetworkId", nid) ||
           str_field_eq(json_object_get(e, "Network"), "NetworkId", nid) ||
           str_field_eq(json_object_get(e, "AcceptingNetwork"), "NetworkId", nid);
}

static json_t *synthetic_entry(size_t i)
{
    char id[64], name[64], net[32], acc[32];
    snprintf(id, sizeof id, "pcc-mockgrow%013zu", i);
    snprintf(name, sizeof name, "synthetic-%zu", i);
    snprintf(net, sizeof net, "n-mockgrowreq%04zu", i % 10000);
    snprintf(acc, sizeof acc, "n-mockgrowacc%04zu", i % 10000);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:{s:s, s:[s]}}",
                     "InstanceId", id, "CreationTime", "2024-01-01T00:00:00Z", "Name", name,
                     "Description", "synthetic entry (grow_total_count fault)", "EnsRegionId",
                     "cn-mock-grow", "Status", "Activated", "NetworkId", net,
                     "AcceptingNetworkId", acc, "Network", "NetworkId", net, "Ipv4Cidrs",
                     "10.250.0.0/16", "AcceptingNetwork", "NetworkId", acc, "Ipv4Cidrs",
                     "10.251.0.0/16");
}

void mock_describe(reqctx *c)
{
    ensmock_server *srv = c->srv;
    unsigned long long page_number = 1, page_size = 10;
    const char *v;

    if ((v = mock_param(c, "PageSize")) && *v) {
        if (!parse_uint(v, &page_size) || page_size < 10 || page_size > 100) {
            mock_set_error(c, 400, "InvalidParameter.PageSize",
                      "The specified field PageSize invalid. Please check it again.");
            return;
        }
    }
    if ((v = mock_param(c, "PageNumber")) && *v) {
        if (!parse_uint(v, &page_number) || page_number < 1) {
            mock_set_error(c, 400, "InvalidParameter.PageNumber",
                      "The specified field PageNumber invalid. Please check it again.");
            return;
        }
    }
    const char *instance_id = mock_param(c, "InstanceId");
    const char *region = mock_param(c, "EnsRegionId");
    const char *name = mock_param(c, "Name");
    if (instance_id && !*instance_id)
        instance_id = NULL;
    if (region && !*region)
        region = NULL;
    if (name && !*name)
        name = NULL;
    if (name && utf8_chars(name) > MOCK_MAX_NAME_CHARS) {
        mock_set_error(c, 400, "InvalidParameter.Name",
                  "The specified field Name invalid. Please check it again.");
        return;
    }
    /* NetworkIds.N */
    const char **nets = NULL;
    size_t nnets = 0;
    if (c->nparams) {
        nets = malloc(c->nparams * sizeof *nets);
        if (!nets) {
            mock_set_error(c, 500, "InternalError", "Out of memory.");
            return;
        }
    }
    for (size_t i = 0; i < c->nparams; i++) {
        const qparam *p = &c->params[i];
        if (strncmp(p->name, "NetworkIds.", 11) == 0) {
            unsigned long long n;
            if (parse_uint(p->name + 11, &n) && n >= 1 && p->name[11] != '0') {
                if (*p->value)
                    nets[nnets++] = p->value;
                continue;
            }
        }
        if (strcmp(p->name, "PageSize") && strcmp(p->name, "PageNumber") &&
            strcmp(p->name, "InstanceId") && strcmp(p->name, "EnsRegionId") &&
            strcmp(p->name, "Name") && strncmp(p->name, "NetworkIds.", 11))
            mock_log(srv, "  ignoring unknown parameter \"%s\"", p->name);
        else if (strncmp(p->name, "NetworkIds.", 11) == 0)
            mock_log(srv, "  ignoring malformed parameter \"%s\"", p->name);
    }

    mock_churn_begin(c); /* the data set may change between requests */
    size_t total = json_array_size(srv->data);
    size_t *idx = total ? malloc(total * sizeof *idx) : NULL;
    if (total && !idx) {
        mock_churn_end(srv);
        free(nets);
        mock_set_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    size_t nmatch = 0;
    for (size_t i = 0; i < total; i++) {
        const json_t *e = json_array_get(srv->data, i);
        if (instance_id && !str_field_eq(e, "InstanceId", instance_id))
            continue;
        if (region && !str_field_eq(e, "EnsRegionId", region))
            continue;
        if (name && !str_field_eq(e, "Name", name))
            continue;
        if (nnets) {
            bool any = false;
            for (size_t k = 0; k < nnets && !any; k++)
                any = entry_has_network(e, nets[k]);
            if (!any)
                continue;
        }
        idx[nmatch++] = i;
    }
    free(nets);

    unsigned long long reported = nmatch;
    if (c->faults.grow_total_count) {
        pthread_mutex_lock(&srv->lock);
        unsigned long n = ++srv->grow_seq;
        pthread_mutex_unlock(&srv->lock);
        reported += (unsigned long long)n * page_size;
    }

    json_t *list = json_array();
    unsigned long long first = 0;
    bool any_page = (page_number - 1) <= reported / page_size;
    if (any_page)
        first = (page_number - 1) * page_size;
    for (unsigned long long i = first; any_page && i < reported && i < first + page_size; i++) {
        json_t *e = i < nmatch ? json_deep_copy(json_array_get(srv->data, idx[i]))
                               : synthetic_entry((size_t)i);
        json_array_append_new(list, e);
    }
    mock_churn_end(srv);
    free(idx);

    char pn[24], ps[24], tc[24];
    snprintf(pn, sizeof pn, "%llu", page_number);
    snprintf(ps, sizeof ps, "%llu", page_size);
    snprintf(tc, sizeof tc, "%llu", reported);
    json_decref(c->root);
    c->root = json_pack("{s:s, s:s, s:s, s:s, s:o}", "RequestId", c->request_id, "PageNumber",
                        pn, "PageSize", ps, "TotalCount", tc, "NetworkPeerConnects", list);
    c->status = 200;
    mock_log(srv, "  -> 200 TotalCount=%s PageNumber=%s PageSize=%s", tc, pn, ps);
}
