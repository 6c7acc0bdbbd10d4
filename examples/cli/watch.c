/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: --watch (one line per change until Ctrl-C),
 * --wait-for (one connection's status or disappearance) and --metrics (the
 * client's counters at exit), on the library's watch.h, wait.h and
 * metrics.h. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifdef ENS_HAVE_MOCK
#include "ens_mock.h"
#endif

#define DEFAULT_INTERVAL_S 10.0
#define DEFAULT_WAIT_MS 600000L

/* ---- --watch --------------------------------------------------------------- */

typedef struct watch_out {
    bool json_lines;
    int failed; /* an output error */
} watch_out;

static void now_utc(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* Prints s (NULL as "-") with control characters shown as '?': a name from
 * the service must not move the terminal's cursor. */
static void put_clean(const char *s)
{
    for (s = or_dash(s); *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

/* The names of the ENS_WATCH_CHANGED_* bits, as the API names the members. */
static const struct {
    unsigned int bit;
    const char *name;
} changed_names[] = {
    {ENS_WATCH_CHANGED_STATUS, "Status"},
    {ENS_WATCH_CHANGED_NAME, "Name"},
    {ENS_WATCH_CHANGED_DESCRIPTION, "Description"},
    {ENS_WATCH_CHANGED_REGION, "EnsRegionId"},
    {ENS_WATCH_CHANGED_NETWORK, "Network"},
    {ENS_WATCH_CHANGED_ACCEPTING_NETWORK, "AcceptingNetwork"},
    {ENS_WATCH_CHANGED_CREATION_TIME, "CreationTime"},
    {ENS_WATCH_CHANGED_OTHER, "other"},
};

static void print_json_event(watch_out *o, const char *when, const ens_watch_event *ev)
{
    const ens_peer_connection *p = ev->connection ? ev->connection : ev->old_connection;
    json_t *j = json_object();
    size_t i;
    json_object_set_new(j, "time", json_string(when));
    json_object_set_new(j, "event", json_string(ens_watch_event_name(ev->kind)));
    if (p) {
        json_object_set_new(j, "InstanceId", jstr(p->instance_id));
        json_object_set_new(j, "Status", jstr(p->status_text));
        json_object_set_new(j, "Name", jstr(p->name));
        json_object_set_new(j, "EnsRegionId", jstr(p->ens_region_id));
    }
    if (ev->kind == ENS_WATCH_UPDATED) {
        json_t *names = json_array();
        for (i = 0; i < sizeof(changed_names) / sizeof(changed_names[0]); i++)
            if (ev->changed & changed_names[i].bit)
                json_array_append_new(names, json_string(changed_names[i].name));
        json_object_set_new(j, "Changed", names);
        json_object_set_new(j, "PreviousStatus", jstr(ev->old_connection->status_text));
    }
    if (ev->kind == ENS_WATCH_SYNCED && ev->stats)
        json_object_set_new(j, "Connections", json_integer((json_int_t)ev->stats->connections));
    if (json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        o->failed = 1;
    fputc('\n', stdout);
    json_decref(j);
}

static void on_watch_event(void *payload, const ens_watch_event *ev)
{
    watch_out *o = payload;
    char when[32];
    const ens_peer_connection *p = ev->connection ? ev->connection : ev->old_connection;

    if (ev->kind == ENS_WATCH_WALK_FAILED) {
        fprintf(stderr, "ens-peer-connections: %s (next try in %.1f s)\n", ev->error->description,
                (double)ev->retry_in_ms / 1000.0);
        return;
    }
    if (ev->kind == ENS_WATCH_WALK_DONE) {
        if (ev->error)
            fprintf(stderr, "ens-peer-connections: %s\n", ev->error->description);
        return;
    }
    if (ev->kind == ENS_WATCH_RESYNC)
        return;
    now_utc(when, sizeof(when));
    if (o->json_lines) {
        print_json_event(o, when, ev);
    } else if (ev->kind == ENS_WATCH_SYNCED) {
        printf("%s  synced   %zu connection(s)\n", when, ev->stats ? ev->stats->connections : 0);
    } else if (ev->kind == ENS_WATCH_UPDATED) {
        const char *sep = "";
        size_t i;
        printf("%s  updated  ", when);
        put_clean(p->instance_id);
        fputs("  ", stdout);
        put_clean(ev->old_connection->status_text);
        fputs(" -> ", stdout);
        put_clean(p->status_text);
        fputs("  (", stdout);
        for (i = 0; i < sizeof(changed_names) / sizeof(changed_names[0]); i++)
            if (ev->changed & changed_names[i].bit) {
                printf("%s%s", sep, changed_names[i].name);
                sep = ", ";
            }
        printf(")\n");
    } else {
        const char *fields[4];
        size_t i;
        fields[0] = p->instance_id;
        fields[1] = p->status_text;
        fields[2] = p->name;
        fields[3] = p->ens_region_id;
        printf("%s  %-7s", when, ens_watch_event_name(ev->kind));
        for (i = 0; i < 4; i++) {
            fputs("  ", stdout);
            put_clean(fields[i]);
        }
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0)
        o->failed = 1;
}

static int run_watch(ens_client *client, const cli *c)
{
    ens_watch_options o = ENS_WATCH_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_watch *w = NULL;
    watch_out out = {c->json_lines != 0, 0};
    ens_status st;

    o.request = &c->req;
    o.handler = on_watch_event;
    o.payload = &out;
    o.interval_ms = (long)((c->interval_s > 0 ? c->interval_s : DEFAULT_INTERVAL_S) * 1000.0);
    if (o.interval_ms < 1)
        o.interval_ms = 1;
    if ((st = ens_watch_new(&w, client, &o, &err)) != ENS_OK) {
        cli_print_error(&err);
        return cli_exit_for(st);
    }
    st = ens_watch_run(w, c->stop, &err);
    ens_watch_free(w);
    if (st != ENS_OK) {
        cli_print_error(&err);
        return cli_exit_for(st);
    }
    return out.failed ? EXIT_OTHER : EXIT_OK;
}

/* ---- --wait-for ------------------------------------------------------------ */

static int run_wait(ens_client *client, const cli *c)
{
    ens_wait_options o = ENS_WAIT_OPTIONS_INIT;
    ens_wait_result r = ENS_WAIT_RESULT_INIT;
    ens_error err = ENS_ERROR_INIT;
    const char *want = c->wait_for;
    ens_status st;
    int rc;

    if (!c->req.instance_id) {
        fprintf(stderr, "ens-peer-connections: --wait-for needs --instance-id\n");
        return EXIT_USAGE;
    }
    if (strcasecmp(want, "gone") == 0)
        o.until_gone = true;
    else if (strcasecmp(want, "Creating") == 0)
        o.status = ENS_PEER_STATUS_CREATING;
    else if (strcasecmp(want, "Activated") == 0)
        o.status = ENS_PEER_STATUS_ACTIVATED;
    else if (strcasecmp(want, "Deleting") == 0)
        o.status = ENS_PEER_STATUS_DELETING;
    else {
        fprintf(stderr, "ens-peer-connections: --wait-for takes Creating, Activated, Deleting or gone\n");
        return EXIT_USAGE;
    }
    o.timeout_ms = c->timeout_ms ? c->timeout_ms : DEFAULT_WAIT_MS;
    o.ens_region_id = c->req.ens_region_id;
    o.cancel = c->stop;
    st = ens_wait_peer_connection(client, c->req.instance_id, &o, &r, &err);
    if (c->json || c->json_lines) {
        json_t *j = json_object();
        json_object_set_new(j, "InstanceId", json_string(c->req.instance_id));
        json_object_set_new(j, "Outcome", json_string(ens_wait_outcome_name(r.outcome)));
        json_object_set_new(j, "Status", r.connection ? jstr(r.connection->status_text) : json_null());
        json_object_set_new(j, "Polls", json_integer(r.polls));
        json_object_set_new(j, "WaitedMs", json_integer(r.waited_ms));
        if (st != ENS_OK)
            json_object_set_new(j, "Error", json_string(err.description));
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    } else if (st == ENS_OK || r.outcome == ENS_WAIT_CANCELED) {
        printf("%s: %s%s%s after %u poll(s) in %.1f s\n", c->req.instance_id, ens_wait_outcome_name(r.outcome),
               r.connection ? ", status " : "", r.connection ? or_dash(r.connection->status_text) : "",
               r.polls, (double)r.waited_ms / 1000.0);
    }
    switch (r.outcome) {
    case ENS_WAIT_REACHED: rc = EXIT_OK; break;
    case ENS_WAIT_DEADLINE: rc = EXIT_NETWORK; break; /* as a timeout */
    case ENS_WAIT_FAILED:
        if (!c->json && !c->json_lines)
            cli_print_error(&err);
        rc = cli_exit_for(st);
        break;
    default: rc = EXIT_OTHER; break; /* gone, or interrupted */
    }
    ens_wait_result_clear(&r);
    return rc;
}

/* ---- dispatch and --metrics ----------------------------------------------- */

/* Ctrl-C (and SIGTERM) trigger c->stop (main.c): it ends a watch normally
 * (exit 0) and a wait as interrupted. */
int cli_run_watch(ens_client *client, const cli *c, void *demo)
{
    int rc;
    if (c->watch && c->wait_for) {
        fprintf(stderr, "ens-peer-connections: --watch and --wait-for do not go together\n");
        return EXIT_USAGE;
    }
#ifdef ENS_HAVE_MOCK
    if (demo && c->watch) {
        /* the demo server changes its data set so that there is something to see */
        ensmock_churn ch;
        memset(&ch, 0, sizeof(ch));
        ch.seed = (unsigned long)time(NULL);
        ch.interval_ms = 700;
        ch.min_connections = 40;
        ch.max_connections = 80;
        ensmock_set_churn(demo, &ch);
        fprintf(stderr, "demo: the mock server adds, changes and removes a connection every 0.7 s\n");
    }
#else
    (void)demo;
#endif
    rc = c->watch ? run_watch(client, c) : run_wait(client, c);
    if (fflush(stdout) != 0)
        rc = EXIT_OTHER;
    return rc;
}

void cli_print_metrics(const ens_client *client, const cli *c)
{
    ens_metrics m = ENS_METRICS_INIT;
    size_t needed = 0;
    char *text;
    if (!c->metrics || ens_client_metrics(client, &m) != ENS_OK)
        return;
    ens_metrics_format(&m, "ens-peer-connections", 0, NULL, 0, &needed);
    if (!(text = malloc(needed + 1)))
        return;
    if (ens_metrics_format(&m, "ens-peer-connections", 0, text, needed + 1, NULL) == ENS_OK)
        fputs(text, stderr);
    free(text);
}
