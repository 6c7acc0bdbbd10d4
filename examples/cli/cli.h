/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: the command-line tool's shared declarations.  One
 * file per concern: args.c (options and --help), output.c (table and JSON),
 * width.c (display width of text), errors.c (error lines and their
 * remedies), walk.c (--all), watch.c (--watch, --wait-for, --metrics),
 * generic.c (--generic), main.c (the client, Ctrl-C and the dispatch). */
#ifndef ENS_CLI_H
#define ENS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ensclient/ensclient.h>

#define CLI_NAME "ens-peer-connections"

enum exit_code {
    EXIT_OK = 0,
    EXIT_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_CREDENTIALS = 3,
    EXIT_NETWORK = 4,
    EXIT_SERVICE = 5,
    EXIT_PARSE = 6,
    EXIT_INTERRUPTED = 130, /* 128 + SIGINT, as shells report it */
};

#define MAX_NETWORK_IDS 64
#define MAX_PARAMS 64

typedef struct cli {
    const char *endpoint;
    const char *ca_file;
    long timeout_ms;
    size_t max_response_bytes; /* --max-response-bytes N (0 = library default) */
    int json;
    int all;     /* --all: walk every page with the page iterator */
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
    ens_cancel *stop; /* triggered by Ctrl-C */
    const char *profile;        /* --profile NAME: that CLI-config profile only */
    const char *generic_action; /* --generic ACTION */
    const char *api_version;    /* --api-version V (with --generic) */
    const char *params[MAX_PARAMS]; /* -p Key=Value (with --generic) */
    size_t param_count;
} cli;

/* args.c */
void cli_usage(FILE *f);
/* Fills c from argv; -1 after printing a one-line message and a hint at
 * --help to stderr.  --help prints the usage and exits. */
int cli_parse_args(int argc, char **argv, cli *c);

/* errors.c */
int cli_exit_for(ens_status st);
/* Prints the error line and, when one is known, what to do about it (naming
 * the CLI's own flags). */
void cli_print_error(const ens_error *e);
/* The name of the client setting that governs the failure e ("timeout_ms",
 * "ca_file", ...), or NULL. */
const char *cli_error_setting(const ens_error *e);
/* What a user of this CLI does about a failure governed by setting (see
 * cli_error_setting()), or NULL when there is no advice. */
const char *cli_setting_remedy(const char *setting);
void cli_log_to_stderr(void *payload, ens_log_level level, const char *message);

/* output.c */
int cli_print_json_line(const ens_peer_connection *p);
int cli_print_json(const ens_describe_response *r);
/* --all --json: the walk's own figures. */
typedef struct cli_walk_summary {
    int64_t total_count;     /* latest TotalCount the server sent, -1 = none */
    uint64_t pages;          /* pages fetched */
    int32_t page_size;
    const char *const *request_ids; /* one per page */
} cli_walk_summary;
int cli_print_json_walk(const ens_peer_connection *rows, size_t n, const cli_walk_summary *w);
/* The table; width = columns to fit in (0 = no limit, cells of more than 32
 * columns shortened), wide = never shorten.  footer: the last line. */
void cli_print_table(const ens_peer_connection *rows, size_t n, int width, bool wide,
                     const char *footer);
/* Columns of the terminal on stdout, or 0 when stdout is not a terminal. */
int cli_terminal_width(void);

/* width.c */
#define CLI_BAD_CHAR 0xFFFFFFFFu
/* Decodes one character at s (not at its end); CLI_BAD_CHAR for a byte that
 * does not start valid UTF-8.  Returns the bytes used (>= 1). */
size_t cli_utf8_next(const char *s, uint32_t *cp);
int cli_char_width(uint32_t cp);
int cli_text_width(const char *s); /* NULL is "-" */
/* Prints s (NULL = "-") in at most width columns, shortened with an
 * ellipsis, padded with spaces to width when pad.  Returns the columns used. */
int cli_print_cell(FILE *f, const char *s, int width, bool pad);

/* walk.c: --all; returns the exit code. */
int cli_run_all(ens_client *client, const cli *c);

/* watch.c: --watch and --wait-for (demo: the --demo mock server, or NULL);
 * returns the exit code.  --metrics: prints the exposition to stderr. */
int cli_run_watch(ens_client *client, const cli *c, void *demo);
void cli_print_metrics(const ens_client *client, const cli *c);
/* generic.c: --generic; returns the exit code. */
int cli_run_generic(ens_client *client, const cli *c);

#endif
