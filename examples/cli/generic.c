/* SPDX-License-Identifier: MIT */
/* ens-peer-connections --generic ACTION: any RPC action of ENS (or of
 * another RPC API with --api-version and --endpoint), with -p Key=Value
 * parameters, through the library's generic call; prints the answer's JSON
 * body as it came. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_run_generic(ens_client *client, const cli *c)
{
    ens_rpc_param params[MAX_PARAMS];
    ens_rpc_request req = ENS_RPC_REQUEST_INIT;
    ens_rpc_response *resp = NULL;
    ens_call_options opts = ENS_CALL_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    char *names[MAX_PARAMS];
    size_t i, len = 0;
    const char *body;
    ens_status st;
    int rc = EXIT_OK;

    for (i = 0; i < c->param_count; i++) {
        const char *eq = strchr(c->params[i], '=');
        /* args.c checked that there is a '=' after a non-empty name */
        names[i] = malloc((size_t)(eq - c->params[i]) + 1);
        if (!names[i]) {
            fprintf(stderr, "ens-peer-connections: out of memory\n");
            while (i--)
                free(names[i]);
            return EXIT_OTHER;
        }
        memcpy(names[i], c->params[i], (size_t)(eq - c->params[i]));
        names[i][eq - c->params[i]] = '\0';
        params[i].name = names[i];
        params[i].value = eq + 1;
        params[i].flags = 0;
    }
    req.action = c->generic_action;
    req.api_version = c->api_version ? c->api_version : "2017-11-10";
    req.params = params;
    req.param_count = c->param_count;
    opts.timeout_ms = c->timeout_ms;
    st = ens_rpc_call(client, &req, &opts, &resp, &err);
    for (i = 0; i < c->param_count; i++)
        free(names[i]);
    if (st != ENS_OK) {
        cli_print_error(&err);
        return cli_exit_for(st);
    }
    body = ens_rpc_response_body(resp, &len);
    if (fwrite(body, 1, len, stdout) != len || putchar('\n') == EOF)
        rc = EXIT_OTHER;
    ens_rpc_response_free(resp);
    return rc;
}
