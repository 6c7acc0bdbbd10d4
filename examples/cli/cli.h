/* ens-peer-connections: the command-line tool's shared declarations.  One
 * file per concern: args.c (options and --help), output.c (table, JSON and
 * error lines), walk.c (--all), generic.c (--generic), main.c (the client
 * and the dispatch). */
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
#define MAX_PARAMS 64

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
    const char *network_ids[MAX_NETWORK_IDS];
    ens_describe_request req;
    const char *profile;        /* --profile NAME: that CLI-config profile only */
    const char *generic_action; /* --generic ACTION */
    const char *api_version;    /* --api-version V (with --generic) */
    const char *params[MAX_PARAMS]; /* -p Key=Value (with --generic) */
    size_t param_count;
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

/* generic.c: --generic; returns the exit code. */
int cli_run_generic(ens_client *client, const cli *c);

#endif
