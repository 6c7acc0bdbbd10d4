/* list_all [CASSETTE | --endpoint URL]: all peer connections, walked with the peer iterator.
 * Offline by default (replays a cassette); with --endpoint, credentials come from the environment. */
#include <ensclient/ensclient.h>
#include <stdio.h>
#include <string.h>
#ifndef LIST_ALL_CASSETTE
#define LIST_ALL_CASSETTE "test/fixtures/iterator/several_pages.json"
#endif

int main(int argc, char **argv)
{
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_replay *replay = NULL;
    ens_client *client = NULL;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_status st = ENS_OK;
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
    if (st == ENS_OK && (st = ens_peer_iterator_new(&it, client, &req, NULL, &err)) == ENS_OK)
        while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
            printf("%s  %s\n", pc->instance_id ? pc->instance_id : "-", pc->name ? pc->name : "-");
    if (st != ENS_ITEROVER) /* after a retryable error, _next could be called again to resume */
        fprintf(stderr, "list_all: %s: %s\n", ens_strerror(st), err.description);
    ens_peer_iterator_free(it);
    ens_client_free(client);
    ens_replay_free(replay);
    return st == ENS_ITEROVER ? 0 : 1;
}
