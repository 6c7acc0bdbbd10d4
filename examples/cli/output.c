/* ens-peer-connections: output as a table, as JSON, and error lines. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_exit_for(ens_status st)
{
    switch (st) {
    case ENS_OK: return EXIT_OK;
    case ENS_EINVAL: return EXIT_USAGE;
    case ENS_ECREDENTIALS: return EXIT_CREDENTIALS;
    case ENS_ENETWORK:
    case ENS_ETIMEOUT:
    case ENS_ETLS: return EXIT_NETWORK;
    case ENS_ESERVICE:
    case ENS_EAUTH:
    case ENS_EHTTP: return EXIT_SERVICE;
    case ENS_EPARSE:
    case ENS_ETOOLARGE: return EXIT_PARSE;
    default: return EXIT_OTHER;
    }
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *network_json(const ens_network_info *n)
{
    json_t *o, *cidrs;
    size_t i;
    if (!n->present)
        return json_null();
    o = json_object();
    cidrs = json_array();
    for (i = 0; i < n->ipv4_cidrs_count; i++)
        json_array_append_new(cidrs, json_string(n->ipv4_cidrs[i]));
    json_object_set_new(o, "NetworkId", jstr(n->network_id));
    json_object_set_new(o, "Ipv4Cidrs", cidrs);
    return o;
}

static json_t *connection_json(const ens_peer_connection *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "InstanceId", jstr(p->instance_id));
    json_object_set_new(o, "CreationTime", jstr(p->creation_time));
    json_object_set_new(o, "Name", jstr(p->name));
    json_object_set_new(o, "Description", jstr(p->description));
    json_object_set_new(o, "EnsRegionId", jstr(p->ens_region_id));
    json_object_set_new(o, "Status", jstr(p->status_text));
    json_object_set_new(o, "NetworkId", jstr(p->network_id));
    json_object_set_new(o, "AcceptingNetworkId", jstr(p->accepting_network_id));
    json_object_set_new(o, "Network", network_json(&p->network));
    json_object_set_new(o, "AcceptingNetwork", network_json(&p->accepting_network));
    return o;
}

static json_t *jint(int64_t v) { return v < 0 ? json_null() : json_integer((json_int_t)v); }

int cli_print_json_line(const ens_peer_connection *p)
{
    json_t *o = connection_json(p);
    int rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    fputc('\n', stdout);
    return rc;
}

void cli_log_to_stderr(void *payload, ens_log_level level, const char *message)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)payload;
    fprintf(stderr, "[%s] %s\n", names[level <= ENS_LOG_DEBUG ? level : ENS_LOG_DEBUG], message);
}

int cli_print_json(const ens_describe_response *r)
{
    json_t *root = json_object(), *arr = json_array();
    size_t i;
    int rc;
    json_object_set_new(root, "RequestId", jstr(r->request_id));
    json_object_set_new(root, "PageNumber", jint(r->page_number));
    json_object_set_new(root, "PageSize", jint(r->page_size));
    json_object_set_new(root, "TotalCount", jint(r->total_count));
    for (i = 0; i < r->connections_count; i++)
        json_array_append_new(arr, connection_json(&r->connections[i]));
    json_object_set_new(root, "NetworkPeerConnects", arr);
    rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
    return rc;
}

/* Columns wider than this are cut with an ellipsis unless --wide. */
#define MAX_CELL 32

/* Prints s for a table cell, at most width code points (cut with an
 * ellipsis); control characters become '?'. */
static void cell(const char *s, int width, int last)
{
    int n = 0, total = 0;
    const char *p;
    if (!s)
        s = "-";
    for (p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            total++;
    for (; *s; s++) {
        bool lead = ((unsigned char)*s & 0xC0) != 0x80;
        if (lead && total > width && n == width - 1) {
            fputs("\xe2\x80\xa6", stdout); /* U+2026 */
            n++;
            break;
        }
        if (lead)
            n++;
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
    }
    if (!last)
        for (; n < width + 2; n++)
            fputc(' ', stdout);
}

/* Display width in code points (good enough for an aligned table). */
static int width_of(const char *s)
{
    int n = 0;
    if (!s)
        return 1;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void cli_print_table(const ens_describe_response *r, bool wide)
{
    static const char *heads[] = {"INSTANCE ID", "NAME", "STATUS", "ENS REGION", "NETWORK",
                                  "ACCEPTING NETWORK", "CREATED"};
    enum { NCOL = 7 };
    int w[NCOL];
    size_t i;
    int c;
    for (c = 0; c < NCOL; c++)
        w[c] = (int)strlen(heads[c]);
    for (i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *p = &r->connections[i];
        const char *v[NCOL] = {p->instance_id, p->name, p->status_text, p->ens_region_id,
                               p->network_id, p->accepting_network_id, p->creation_time};
        for (c = 0; c < NCOL; c++)
            if (width_of(v[c]) > w[c])
                w[c] = width_of(v[c]);
    }
    if (!wide)
        for (c = 0; c < NCOL; c++)
            if (w[c] > MAX_CELL)
                w[c] = MAX_CELL;
    for (c = 0; c < NCOL; c++)
        cell(heads[c], w[c], c == NCOL - 1);
    fputc('\n', stdout);
    for (i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *p = &r->connections[i];
        const char *v[NCOL] = {p->instance_id, p->name, p->status_text, p->ens_region_id,
                               p->network_id, p->accepting_network_id, p->creation_time};
        for (c = 0; c < NCOL; c++)
            cell(v[c], w[c], c == NCOL - 1);
        fputc('\n', stdout);
    }
    printf("Page %lld, %zu shown, %lld in total (RequestId %s)\n", (long long)r->page_number,
           r->connections_count, (long long)r->total_count, r->request_id ? r->request_id : "-");
}

void cli_print_error(const ens_error *e)
{
    fprintf(stderr, "ens-peer-connections: %s\n", e->description);
}
