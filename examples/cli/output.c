/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: output as a table and as JSON. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

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

static int dump(json_t *root)
{
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
    return rc;
}

static json_t *connections_json(const ens_peer_connection *rows, size_t n)
{
    json_t *arr = json_array();
    size_t i;
    for (i = 0; i < n; i++)
        json_array_append_new(arr, connection_json(&rows[i]));
    return arr;
}

int cli_print_json(const ens_describe_response *r)
{
    json_t *root = json_object();
    json_object_set_new(root, "RequestId", jstr(r->request_id));
    json_object_set_new(root, "PageNumber", jint(r->page_number));
    json_object_set_new(root, "PageSize", jint(r->page_size));
    json_object_set_new(root, "TotalCount", jint(r->total_count));
    json_object_set_new(root, "NetworkPeerConnects",
                        connections_json(r->connections, r->connections_count));
    return dump(root);
}

int cli_print_json_walk(const ens_peer_connection *rows, size_t n, const cli_walk_summary *w)
{
    json_t *root = json_object(), *ids = json_array();
    uint64_t i;
    for (i = 0; i < w->pages; i++)
        json_array_append_new(ids, jstr(w->request_ids[i]));
    /* The walk's own figures: no PageNumber (a walk spans pages). */
    json_object_set_new(root, "TotalCount", jint(w->total_count));
    json_object_set_new(root, "Count", json_integer((json_int_t)n));
    json_object_set_new(root, "PageSize", jint(w->page_size));
    json_object_set_new(root, "PageCount", json_integer((json_int_t)w->pages));
    json_object_set_new(root, "RequestIds", ids);
    json_object_set_new(root, "NetworkPeerConnects", connections_json(rows, n));
    return dump(root);
}

int cli_terminal_width(void)
{
    struct winsize ws;
    const char *cols;
    if (!isatty(STDOUT_FILENO))
        return 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    cols = getenv("COLUMNS");
    if (cols && atoi(cols) > 0)
        return atoi(cols);
    return 80;
}

/* Off a terminal, cells wider than this are shortened unless --wide. */
#define MAX_CELL 32
/* Fitting to a terminal never makes a column narrower than this. */
#define MIN_CELL 6
#define GAP 2
enum { NCOL = 7 };

static void row_cells(const ens_peer_connection *p, const char *v[NCOL])
{
    v[0] = p->instance_id;
    v[1] = p->name;
    v[2] = p->status_text;
    v[3] = p->ens_region_id;
    v[4] = p->network_id;
    v[5] = p->accepting_network_id;
    v[6] = p->creation_time;
}

static void print_row(const char *const v[NCOL], const int w[NCOL])
{
    int c;
    for (c = 0; c < NCOL; c++) {
        cli_print_cell(stdout, v[c], w[c], c < NCOL - 1); /* no trailing blanks */
        if (c < NCOL - 1)
            fputs("  ", stdout);
    }
    fputc('\n', stdout);
}

/* The widest column above MIN_CELL, among the protected ones or the others;
 * -1 when there is none. */
static int widest(const int w[NCOL], bool protected_cols)
{
    int c, best = -1;
    for (c = 0; c < NCOL; c++) {
        bool prot = c == 0 || c == 2; /* INSTANCE ID and STATUS: what a row is */
        if (prot == protected_cols && w[c] > MIN_CELL && (best < 0 || w[c] > w[best]))
            best = c;
    }
    return best;
}

/* Narrows the widest columns, one column at a time, until the row fits;
 * INSTANCE ID and STATUS only once every other column is down to MIN_CELL. */
static void fit(int w[NCOL], int width)
{
    int total = GAP * (NCOL - 1), c;
    for (c = 0; c < NCOL; c++)
        total += w[c];
    while (total > width) {
        if ((c = widest(w, false)) < 0 && (c = widest(w, true)) < 0)
            break; /* cannot fit: the terminal is narrower than the minimum */
        w[c]--;
        total--;
    }
}

void cli_print_table(const ens_peer_connection *rows, size_t n, int width, bool wide,
                     const char *footer)
{
    static const char *heads[NCOL] = {"INSTANCE ID", "NAME", "STATUS", "ENS REGION", "NETWORK",
                                      "ACCEPTING NETWORK", "CREATED"};
    int w[NCOL];
    const char *v[NCOL];
    size_t i;
    int c;
    for (c = 0; c < NCOL; c++)
        w[c] = cli_text_width(heads[c]);
    for (i = 0; i < n; i++) {
        row_cells(&rows[i], v);
        for (c = 0; c < NCOL; c++)
            if (cli_text_width(v[c]) > w[c])
                w[c] = cli_text_width(v[c]);
    }
    if (!wide && width > 0)
        fit(w, width);
    else if (!wide)
        for (c = 0; c < NCOL; c++)
            if (w[c] > MAX_CELL)
                w[c] = MAX_CELL;
    print_row(heads, w);
    for (i = 0; i < n; i++) {
        row_cells(&rows[i], v);
        print_row(v, w);
    }
    if (footer) {
        if (!wide && width > 0)
            cli_print_cell(stdout, footer, width, false);
        else
            fputs(footer, stdout);
        fputc('\n', stdout);
    }
}
