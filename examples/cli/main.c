/* ens-peer-connections: list ENS network peer connections from the command line.
 *
 * Credentials come from the library's default chain (see --help).  This file
 * makes the client and dispatches; the other files of this folder hold the
 * options (args.c), the output (output.c) and the page walk (walk.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifdef ENS_HAVE_MOCK
#include "ens_mock.h"
#endif

int main(int argc, char **argv)
{
    cli c;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_describe_response *resp = NULL;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    int rc;

#ifdef ENS_HAVE_MOCK
    ensmock_server *mock = NULL;
#endif

    memset(&c, 0, sizeof(c));
    ens_describe_request_init(&c.req);
    if (cli_parse_args(argc, argv, &c) < 0) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    o.endpoint = c.endpoint;
    o.ca_file = c.ca_file;
    o.timeout_ms = c.timeout_ms;
    o.max_attempts = (unsigned int)c.max_attempts;
    o.user_agent_suffix = "ens-peer-connections";
    if (c.verbose) {
        o.log_fn = cli_log_to_stderr;
        o.log_level = ENS_LOG_DEBUG;
    }
#ifdef ENS_HAVE_MOCK
    if (c.demo) {
        ensmock_options mo;
        ensmock_options_init(&mo);
        if (ensmock_start(&mo, &mock) != ENSMOCK_OK) {
            fprintf(stderr, "ens-peer-connections: cannot start the demo server\n");
            return EXIT_OTHER;
        }
        fprintf(stderr, "demo: mock ENS endpoint at %s serving %zu peer connections; "
                        "credentials %s / (demo secret)\n",
                ensmock_url(mock), ensmock_data_count(mock), ENSMOCK_DEMO_KEY_ID);
        o.endpoint = ensmock_url(mock);
        st = ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                                 ENSMOCK_DEMO_KEY_SECRET, NULL);
        if (st != ENS_OK) {
            fprintf(stderr, "ens-peer-connections: %s\n", ens_strerror(st));
            ensmock_stop(mock);
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
#ifdef ENS_HAVE_MOCK
        ensmock_stop(mock);
#endif
        return cli_exit_for(st);
    }
    if (c.generic_action) {
        rc = cli_run_generic(client, &c);
        ens_client_free(client);
#ifdef ENS_HAVE_MOCK
        ensmock_stop(mock);
#endif
        return fflush(stdout) != 0 ? EXIT_OTHER : rc;
    }
    if (c.all) {
        rc = cli_run_all(client, &c);
        ens_client_free(client);
#ifdef ENS_HAVE_MOCK
        ensmock_stop(mock);
#endif
        if (fflush(stdout) != 0)
            rc = EXIT_OTHER;
        return rc;
    }
    st = ens_describe_peer_connections(client, &c.req, &resp, &err);
    if (st != ENS_OK) {
        cli_print_error(&err);
        ens_client_free(client);
        return cli_exit_for(st);
    }
    rc = EXIT_OK;
    if (c.json_lines) {
        size_t i;
        for (i = 0; i < resp->connections_count; i++)
            if (cli_print_json_line(&resp->connections[i]) != 0)
                rc = EXIT_OTHER;
    } else if (c.json) {
        if (cli_print_json(resp) != 0)
            rc = EXIT_OTHER;
    } else {
        cli_print_table(resp, c.wide);
    }
    ens_describe_response_free(resp);
    ens_client_free(client);
    if (fflush(stdout) != 0)
        rc = EXIT_OTHER;
    return rc;
}
