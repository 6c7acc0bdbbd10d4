/* ens-peer-connections: the command-line tool's shared declarations.  One
 * file per concern: args.c (options and --help), output.c (table, JSON and
 * error lines), walk.c (--all), watch.c (--watch, --wait-for, --metrics),
 * main.c (the client and the dispatch). */
#ifndef ENS_CLI_H
#define ENS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <ensclient/ensclient.h>

enum exit_code {
    EXIT_OK = 0,
    EXIT_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_CREDENTIALS = 3,
    EXIT_NETWORK = 4,
    EXIT_SERVICE = 5,
    EXIT_PARSE = 6,
};

#define MAX_NETWORK_IDS 64

typedef struct cli {
    const char *endpoint;
    const char *ca_file;
    long timeout_ms;
    int json;
    int all;     /* --all: walk every page with the peer iterator */
    int demo;    /* --demo: start the local mock server and walk it */
    int json_lines; /* --json-lines: one compact JSON object per connection per line */
    int wide;    /* --wide: table cells are never shortened */
    int verbose; /* --verbose: log each request (secrets redacted) to stderr */
    long max_attempts; /* --max-attempts N (0 = library default) */
    size_t max;  /* --max N: at most N connections (0 = no limit); implies --all */
    unsigned int parallel; /* --parallel N: pages fetched at once by --all (0 = 1) */
    int watch;             /* --watch: one line per change until Ctrl-C (watch.c) */
    double interval_s;     /* --interval S: seconds between the watch's walks (0 = default) */
    const char *wait_for;  /* --wait-for STATUS|gone with --instance-id (watch.c) */
    int metrics;           /* --metrics: the client's counters on stderr at exit (watch.c) */
    const char *network_ids[MAX_NETWORK_IDS];
    ens_describe_request req;
} cli;

/* args.c */
void cli_usage(FILE *f);
/* Fills c from argv; -1 after printing a message to stderr.  --help prints
 * the usage and exits. */
int cli_parse_args(int argc, char **argv, cli *c);

/* output.c */
int cli_exit_for(ens_status st);
void cli_print_error(const ens_error *e);
void cli_log_to_stderr(void *payload, ens_log_level level, const char *message);
int cli_print_json_line(const ens_peer_connection *p);
int cli_print_json(const ens_describe_response *r);
void cli_print_table(const ens_describe_response *r, bool wide);

/* walk.c: --all; returns the exit code. */
int cli_run_all(ens_client *client, const cli *c);

/* watch.c: --watch and --wait-for (demo: the --demo mock server, or NULL);
 * returns the exit code.  --metrics: prints the exposition to stderr. */
int cli_run_watch(ens_client *client, const cli *c, void *demo);
void cli_print_metrics(const ens_client *client, const cli *c);

#endif
