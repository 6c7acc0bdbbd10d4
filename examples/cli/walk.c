/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: --all, every page through the page iterator.
 *
 * --json-lines prints each page's connections as they arrive (memory stays
 * flat however long the walk); the table and --json need every row first,
 * so they keep a copy of each connection.  A progress line on a terminal's
 * standard error is updated after every page and cleared before anything
 * else is printed.  Ctrl-C triggers the walk's cancellation token. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct rows {
    ens_peer_connection **copies; /* each from ens_peer_connection_copy() */
    char **request_ids;           /* one per page */
    size_t n, cap;
    uint64_t pages, ids_cap;
} rows;

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    void *g;
    size_t nc;
    if (need <= *cap)
        return true;
    nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    if (!(g = realloc(*p, nc * size)))
        return false;
    *p = g;
    *cap = nc;
    return true;
}

/* Keeps the page's connections and RequestId.  ENS_ENOMEM or ENS_OK. */
static ens_status keep_page(rows *r, const ens_describe_response *pg)
{
    size_t i, ids_cap = (size_t)r->ids_cap;
    if (!grow((void **)&r->request_ids, &ids_cap, (size_t)r->pages + 1, sizeof(char *)))
        return ENS_ENOMEM;
    r->ids_cap = ids_cap;
    r->request_ids[r->pages] = pg->request_id ? strdup(pg->request_id) : NULL;
    if (pg->request_id && !r->request_ids[r->pages])
        return ENS_ENOMEM;
    r->pages++;
    if (!grow((void **)&r->copies, &r->cap, r->n + pg->connections_count, sizeof(*r->copies)))
        return ENS_ENOMEM;
    for (i = 0; i < pg->connections_count; i++) {
        ens_status st = ens_peer_connection_copy(&r->copies[r->n], &pg->connections[i]);
        if (st != ENS_OK)
            return st;
        r->n++;
    }
    return ENS_OK;
}

static void rows_free(rows *r)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        ens_peer_connection_free(r->copies[i]);
    for (i = 0; i < r->pages; i++)
        free(r->request_ids[i]);
    free(r->copies);
    free(r->request_ids);
}

static void progress(bool on, size_t n, int64_t total, uint64_t pages)
{
    if (!on)
        return;
    if (total >= 0)
        fprintf(stderr, "\r\033[Kfetched %zu of %lld connections (%llu page%s)", n,
                (long long)total, (unsigned long long)pages, pages == 1 ? "" : "s");
    else
        fprintf(stderr, "\r\033[Kfetched %zu connections (%llu page%s)", n,
                (unsigned long long)pages, pages == 1 ? "" : "s");
    fflush(stderr);
}

static void progress_clear(bool on)
{
    if (on) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/* Prints the rows kept as one table or one JSON document. */
static int print_all(const cli *c, const rows *r, int64_t total, int32_t page_size)
{
    ens_peer_connection *flat = calloc(r->n ? r->n : 1, sizeof(*flat));
    char footer[160];
    size_t i;
    int rc = EXIT_OK;
    if (!flat) {
        fputs(CLI_NAME ": out of memory\n", stderr);
        return EXIT_OTHER;
    }
    for (i = 0; i < r->n; i++)
        flat[i] = *r->copies[i]; /* shallow: the strings stay in the copies */
    if (c->json) {
        cli_walk_summary w = {total, r->pages, page_size, (const char *const *)r->request_ids};
        if (cli_print_json_walk(flat, r->n, &w) != 0)
            rc = EXIT_OTHER;
    } else {
        if (total >= 0)
            snprintf(footer, sizeof(footer), "%zu shown, %lld in total, %llu page%s of up to %ld",
                     r->n, (long long)total, (unsigned long long)r->pages,
                     r->pages == 1 ? "" : "s", (long)page_size);
        else
            snprintf(footer, sizeof(footer), "%zu shown, %llu page%s of up to %ld", r->n,
                     (unsigned long long)r->pages, r->pages == 1 ? "" : "s", (long)page_size);
        cli_print_table(flat, r->n, cli_terminal_width(), c->wide, footer);
    }
    free(flat);
    return rc;
}

int cli_run_all(ens_client *client, const cli *c)
{
    ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
    ens_page_iterator *it = NULL;
    const ens_describe_response *pg;
    ens_error err = ENS_ERROR_INIT;
    rows r;
    size_t shown = 0, i;
    uint64_t pages = 0;
    int64_t total = -1;
    int32_t page_size = c->req.page_size ? c->req.page_size : ENS_ITERATOR_DEFAULT_PAGE_SIZE;
    ens_status st;
    int rc = EXIT_OK;
    /* On a terminal's stderr, unless --json-lines is writing to the same
       terminal (the two would interleave). */
    bool show = isatty(STDERR_FILENO) && !(c->json_lines && isatty(STDOUT_FILENO));

    memset(&r, 0, sizeof(r));
    io.max_items = c->max;
    io.parallel = c->parallel;
    io.cancel = c->stop;
    st = ens_page_iterator_new(&it, client, &c->req, &io, &err);
    while (st == ENS_OK && (st = ens_page_iterator_next(it, &pg, &err)) == ENS_OK) {
        if (pg->total_count >= 0)
            total = pg->total_count;
        if (c->json_lines) {
            for (i = 0; i < pg->connections_count; i++)
                if (cli_print_json_line(&pg->connections[i]) != 0)
                    break;
            shown += pg->connections_count;
            if (fflush(stdout) != 0 || i < pg->connections_count) {
                progress_clear(show);
                fputs(CLI_NAME ": cannot write the output\n", stderr);
                ens_page_iterator_free(it);
                return EXIT_OTHER;
            }
        } else if ((st = keep_page(&r, pg)) != ENS_OK) {
            err.status = st;
            snprintf(err.description, sizeof(err.description), "out of memory keeping the rows");
            break;
        } else {
            shown = r.n;
        }
        pages++;
        progress(show, shown, c->max && total > (int64_t)c->max ? (int64_t)c->max : total, pages);
    }
    progress_clear(show);
    if (st == ENS_ECANCELED) {
        fputs(CLI_NAME ": interrupted\n", stderr);
        rc = EXIT_INTERRUPTED;
    } else if (st != ENS_ITEROVER) {
        cli_print_error(&err);
        rc = cli_exit_for(st);
    } else if (!c->json_lines) {
        rc = print_all(c, &r, total, page_size);
    }
    rows_free(&r);
    ens_page_iterator_free(it);
    return rc;
}
