/* ens-peer-connections: --all, every page through the peer iterator. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Walks every page with the peer iterator, keeping a copy of each connection,
 * then prints them all as one table or one JSON object (RequestId, PageNumber,
 * PageSize and TotalCount of the last page fetched).  Returns the exit code. */
int cli_run_all(ens_client *client, const cli *c)
{
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    const ens_describe_response *last;
    ens_describe_response all;
    ens_peer_connection **copies = NULL, *rows = NULL;
    ens_error err = ENS_ERROR_INIT;
    size_t n = 0, cap = 0, i;
    ens_status st;
    int rc = EXIT_OK;

    bool progress = !c->json && !c->json_lines && isatty(STDERR_FILENO);

    io.max_items = c->max;
    io.parallel = c->parallel;
    st = ens_peer_iterator_new(&it, client, &c->req, &io, &err);
    while (st == ENS_OK && (st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK) {
        if (progress && n % 50 == 0) {
            const ens_describe_response *pg = ens_peer_iterator_page(it);
            fprintf(stderr, "\rfetched %zu of %lld connections...", n,
                    pg ? (long long)pg->total_count : -1LL);
        }
        if (c->json_lines) {
            if (cli_print_json_line(pc) != 0) {
                st = ENS_EINVAL;
                break;
            }
            n++;
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            ens_peer_connection **grown = realloc(copies, ncap * sizeof(*grown));
            if (!grown) {
                st = ENS_ENOMEM;
                break;
            }
            copies = grown;
            cap = ncap;
        }
        if ((st = ens_peer_connection_copy(&copies[n], pc)) != ENS_OK)
            break;
        n++;
    }
    if (progress)
        fputs("\r\033[K", stderr);
    if (st == ENS_ITEROVER && c->json_lines)
        goto done;
    if (st == ENS_ITEROVER && !(rows = calloc(n ? n : 1, sizeof(*rows))))
        st = ENS_ENOMEM;
    if (st != ENS_ITEROVER) {
        if (st == ENS_ENOMEM && !err.description[0])
            snprintf(err.description, sizeof(err.description), "out of memory");
        cli_print_error(&err);
        rc = cli_exit_for(st);
        goto done;
    }
    for (i = 0; i < n; i++)
        rows[i] = *copies[i]; /* shallow: the strings stay in copies[i] */
    last = ens_peer_iterator_page(it);
    memset(&all, 0, sizeof(all));
    all.request_id = last ? last->request_id : NULL;
    all.page_number = last ? last->page_number : -1;
    all.page_size = last ? last->page_size : -1;
    all.total_count = last ? last->total_count : -1;
    all.connections = n ? rows : NULL;
    all.connections_count = n;
    if (c->json) {
        if (cli_print_json(&all) != 0)
            rc = EXIT_OTHER;
    } else {
        cli_print_table(&all, c->wide);
    }
done:
    free(rows);
    for (i = 0; copies && i < n; i++)
        ens_peer_connection_free(copies[i]);
    free(copies);
    ens_peer_iterator_free(it);
    return rc;
}
