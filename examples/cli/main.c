/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: list ENS network peer connections from the command line.
 *
 * Credentials come from the library's default chain (see --help).  This file
 * makes the client, turns Ctrl-C into the library's cancellation and
 * dispatches; the other files of this folder hold the options (args.c), the
 * output (output.c, width.c), the error lines (errors.c) and the page walk
 * (walk.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifdef ENS_HAVE_MOCK
#include "ens_mock.h"
#endif

static ens_cancel *stop_token; /* made before the handler is installed */

/* All a handler may do: ens_cancel_trigger() is async-signal-safe.  The
 * call or walk under way returns ENS_ECANCELED and main() cleans up. */
static void on_interrupt(int sig)
{
    (void)sig;
    ens_cancel_trigger(stop_token);
}

static int catch_interrupt(void)
{
    struct sigaction sa;
    if (ens_cancel_new(&stop_token) != ENS_OK)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    return sigaction(SIGTERM, &sa, NULL);
}

static void release_interrupt(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    ens_cancel_free(stop_token);
    stop_token = NULL;
}

/* One page, as asked. */
static int run_one(ens_client *client, const cli *c)
{
    ens_call_options co = ENS_CALL_OPTIONS_INIT;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    char footer[200];
    int rc = EXIT_OK;
    size_t i;

    co.cancel = c->stop;
    st = ens_describe_peer_connections_ex(client, &c->req, &co, &resp, &err);
    if (st == ENS_ECANCELED) {
        fputs(CLI_NAME ": interrupted\n", stderr);
        return EXIT_INTERRUPTED;
    }
    if (st != ENS_OK) {
        cli_print_error(&err);
        return cli_exit_for(st);
    }
    if (c->json_lines) {
        for (i = 0; i < resp->connections_count; i++)
            if (cli_print_json_line(&resp->connections[i]) != 0)
                rc = EXIT_OTHER;
    } else if (c->json) {
        if (cli_print_json(resp) != 0)
            rc = EXIT_OTHER;
    } else {
        snprintf(footer, sizeof(footer), "Page %lld, %zu shown, %lld in total (RequestId %s)",
                 (long long)resp->page_number, resp->connections_count,
                 (long long)resp->total_count, resp->request_id ? resp->request_id : "-");
        cli_print_table(resp->connections, resp->connections_count, cli_terminal_width(),
                        c->wide, footer);
    }
    ens_describe_response_free(resp);
    return rc;
}

int main(int argc, char **argv)
{
    cli c;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    int rc;

#ifdef ENS_HAVE_MOCK
    ensmock_server *mock = NULL;
#endif

    memset(&c, 0, sizeof(c));
    ens_describe_request_init(&c.req);
    if (cli_parse_args(argc, argv, &c) < 0)
        return EXIT_USAGE;
    if (catch_interrupt() != 0) {
        fputs(CLI_NAME ": cannot set up Ctrl-C handling\n", stderr);
        return EXIT_OTHER;
    }
    c.stop = stop_token;
    o.endpoint = c.endpoint;
    o.ca_file = c.ca_file;
    o.timeout_ms = c.timeout_ms;
    o.max_response_bytes = c.max_response_bytes;
    o.max_attempts = (unsigned int)c.max_attempts;
    o.user_agent_suffix = CLI_NAME;
    if (c.verbose) {
        o.log_fn = cli_log_to_stderr;
        o.log_level = ENS_LOG_DEBUG;
    }
#ifdef ENS_HAVE_MOCK
    if (c.demo) {
        ensmock_options mo;
        ensmock_options_init(&mo);
        if (ensmock_start(&mo, &mock) != ENSMOCK_OK) {
            fputs(CLI_NAME ": cannot start the demo server\n", stderr);
            release_interrupt();
            return EXIT_OTHER;
        }
        fprintf(stderr, "demo: mock ENS endpoint at %s serving %zu peer connections; "
                        "credentials %s / (demo secret)\n",
                ensmock_url(mock), ensmock_data_count(mock), ENSMOCK_DEMO_KEY_ID);
        o.endpoint = ensmock_url(mock);
        st = ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                                 ENSMOCK_DEMO_KEY_SECRET, NULL);
        if (st != ENS_OK) {
            fprintf(stderr, CLI_NAME ": %s\n", ens_strerror(st));
            ensmock_stop(mock);
            release_interrupt();
            return EXIT_OTHER;
        }
    }
#endif
    if (c.profile && !o.credentials) {
        ens_credentials_provider_options po = ENS_CREDENTIALS_PROVIDER_OPTIONS_INIT;
        po.profile = c.profile;
        if ((st = ens_credentials_provider_cli_config_new(&o.credentials, &po)) != ENS_OK) {
            fprintf(stderr, "ens-peer-connections: %s\n", ens_strerror(st));
            return EXIT_OTHER;
        }
    }
    st = ens_client_new(&client, &o, &err);
    if (st != ENS_OK) {
        cli_print_error(&err);
        rc = cli_exit_for(st);
    } else {
#ifdef ENS_HAVE_MOCK
        void *demo = mock;
#else
        void *demo = NULL;
#endif
        if (c.generic_action)
            rc = cli_run_generic(client, &c);
        else if (c.watch || c.wait_for)
            rc = cli_run_watch(client, &c, demo);
        else
            rc = c.all ? cli_run_all(client, &c) : run_one(client, &c);
        cli_print_metrics(client, &c);
        ens_client_free(client);
    }
#ifdef ENS_HAVE_MOCK
    ensmock_stop(mock);
#endif
    release_interrupt();
    if (fflush(stdout) != 0 && rc == EXIT_OK)
        rc = EXIT_OTHER;
    return rc;
}
