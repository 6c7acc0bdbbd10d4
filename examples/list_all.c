/* SPDX-License-Identifier: MIT */
/* list_all [CASSETTE | --endpoint URL]: all peer connections, walked with the peer iterator.
 * Offline by default (replays a cassette); with --endpoint, credentials come from the environment.
 * Ctrl-C stops the walk cleanly: the SIGINT handler only triggers a cancellation token (which is
 * async-signal-safe), the walk returns ENS_ECANCELED, and everything is freed as usual. */
#include <ensclient/ensclient.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#ifndef LIST_ALL_CASSETTE
#define LIST_ALL_CASSETTE "test/fixtures/iterator/several_pages.json"
#endif

static ens_cancel *stop; /* created before the handler is installed */

static void on_sigint(int sig)
{
    (void)sig;
    ens_cancel_trigger(stop);
}

int main(int argc, char **argv)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *replay = NULL;
    ens_client *client = NULL;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    struct sigaction sa;
    ens_status st;
    if ((st = ens_cancel_new(&stop)) != ENS_OK) {
        fprintf(stderr, "list_all: %s\n", ens_strerror(st));
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    if (argc == 3 && strcmp(argv[1], "--endpoint") == 0)
        o.endpoint = argv[2];
    else if ((st = ens_replay_new(&replay, argc > 1 ? argv[1] : LIST_ALL_CASSETTE, &err)) == ENS_OK &&
             (st = ens_replay_transport_new(&o.transport, replay)) == ENS_OK)
        st = ens_credentials_provider_static_new(&o.credentials, "offline", "offline", NULL);
    if (st != ENS_OK)
        ens_transport_free(o.transport);
    else /* the client owns transport and credentials from here, even on failure */
        st = ens_client_new(&client, &o, &err);
    req.page_size = 10; /* small pages, to show the paging; 0 means 100 */
    io.cancel = stop;   /* Ctrl-C ends the walk, even in the middle of a request */
    if (st == ENS_OK && (st = ens_peer_iterator_new(&it, client, &req, &io, &err)) == ENS_OK)
        while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
            printf("%s  %s\n", pc->instance_id ? pc->instance_id : "-", pc->name ? pc->name : "-");
    if (st == ENS_ECANCELED) /* ens_cancel_reset() and _next again would resume the walk */
        fprintf(stderr, "list_all: interrupted\n");
    else if (st != ENS_ITEROVER) /* after a retryable error, _next could be called again to resume */
        fprintf(stderr, "list_all: %s: %s\n", ens_strerror(st), err.description);
    ens_peer_iterator_free(it);
    ens_client_free(client);
    ens_replay_free(replay);
    signal(SIGINT, SIG_DFL); /* the token goes away: the handler must not see it */
    ens_cancel_free(stop);
    return st == ENS_ITEROVER ? 0 : st == ENS_ECANCELED ? 130 : 1;
}
