/* SPDX-License-Identifier: MIT */
/* An out-of-tree consumer of an installed libensclient, built by
 * test/install/check-install.sh with nothing but pkg-config's flags (once
 * against the shared library, once against the static one).
 *
 *   consumer                           offline checks only
 *   consumer URL KEY_ID KEY_SECRET     also talk to the ENS endpoint at URL
 *                                      (the local mock server) and walk it
 *
 * With URL, the last line on stdout is "walked N of TOTAL", which the script
 * compares between the two builds. */
#include <ensclient/ensclient.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what, ens_status st, const ens_error *err)
{
    fprintf(stderr, "consumer: %s: %s (%s)\n", what, ens_strerror(st),
            err && err->description[0] ? err->description : "no details");
    return 1;
}

static int offline_checks(void)
{
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;

    if (strcmp(ens_version(), ENS_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header %s but library %s\n", ENS_VERSION_STRING, ens_version());
        return 1;
    }
    req.page_size = 5; /* invalid on purpose: validated without any network */
    if (ens_describe_request_validate(&req, &err) != ENS_EINVAL || !strstr(err.description, "PageSize")) {
        fprintf(stderr, "consumer: validation did not reject PageSize 5\n");
        return 1;
    }
    return 0;
}

static int new_client(ens_client **client, const char *url, const char *id, const char *secret)
{
    ens_client_options opts = ENS_CLIENT_OPTIONS_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_status st = ens_credentials_provider_static_new(&opts.credentials, id, secret, NULL);

    if (st != ENS_OK)
        return fail("static credentials provider", st, NULL);
    opts.endpoint = url;
    opts.max_attempts = 1;
    opts.timeout_ms = 10000;
    st = ens_client_new(client, &opts, &err); /* takes the provider, also on failure */
    return st == ENS_OK ? 0 : fail("ens_client_new", st, &err);
}

static int online_checks(const char *url, const char *id, const char *secret)
{
    ens_client *client = NULL;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_describe_response *page = NULL;
    ens_peer_iterator *it = NULL;
    const ens_peer_connection *pc;
    ens_error err = ENS_ERROR_INIT;
    ens_status st;
    int64_t total;
    size_t walked = 0;
    int rc = 1;

    if (new_client(&client, url, id, secret) != 0)
        return 1;

    /* One page: typed fields filled, and the page no larger than asked for. */
    req.page_size = 10;
    st = ens_describe_peer_connections(client, &req, &page, &err);
    if (st != ENS_OK) {
        rc = fail("ens_describe_peer_connections", st, &err);
        goto out;
    }
    total = page->total_count;
    if (total <= 0 || page->connections_count == 0 || page->connections_count > 10 ||
        page->request_id == NULL || page->connections[0].instance_id == NULL ||
        strncmp(page->connections[0].instance_id, "pcc-", 4) != 0) {
        fprintf(stderr, "consumer: unexpected first page (TotalCount %lld, %zu entries)\n",
                (long long)total, page->connections_count);
        goto out;
    }
    printf("first page: %zu of %lld, RequestId %s\n", page->connections_count, (long long)total,
           page->request_id);

    /* Every page: the walk yields exactly TotalCount distinct connections. */
    req.page_size = 0; /* the iterator's default, 100 */
    st = ens_peer_iterator_new(&it, client, &req, NULL, &err);
    if (st != ENS_OK) {
        rc = fail("ens_peer_iterator_new", st, &err);
        goto out;
    }
    while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK) {
        if (pc->instance_id == NULL || strncmp(pc->instance_id, "pcc-", 4) != 0) {
            fprintf(stderr, "consumer: connection %zu has no pcc- InstanceId\n", walked);
            goto out;
        }
        walked++;
    }
    if (st != ENS_ITEROVER) {
        rc = fail("ens_peer_iterator_next", st, &err);
        goto out;
    }
    if ((int64_t)walked != total) {
        fprintf(stderr, "consumer: walked %zu connections, TotalCount %lld\n", walked, (long long)total);
        goto out;
    }
    ens_peer_iterator_free(it);
    it = NULL;
    ens_client_free(client);
    client = NULL;

    /* A wrong secret: the mock checks the signature, the library reports ENS_EAUTH. */
    if (new_client(&client, url, id, "not-the-secret") != 0)
        goto out;
    ens_error_init(&err);
    ens_describe_response_free(page);
    page = NULL;
    st = ens_describe_peer_connections(client, &req, &page, &err);
    if (st != ENS_EAUTH || err.code[0] == '\0' || err.http_status < 400) {
        fprintf(stderr, "consumer: a wrong secret gave %s (HTTP %ld, Code '%s'), expected %s\n",
                ens_strerror(st), err.http_status, err.code, ens_strerror(ENS_EAUTH));
        goto out;
    }
    printf("wrong secret rejected: %s\n", err.code);
    printf("walked %zu of %lld\n", walked, (long long)total);
    rc = 0;
out:
    ens_peer_iterator_free(it);
    ens_describe_response_free(page);
    ens_client_free(client);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 1 && argc != 4) {
        fprintf(stderr, "usage: consumer [URL KEY_ID KEY_SECRET]\n");
        return 2;
    }
    if (offline_checks() != 0)
        return 1;
    if (argc == 4 && online_checks(argv[1], argv[2], argv[3]) != 0)
        return 1;
    printf("consumer OK with libensclient %s\n", ens_version());
    return 0;
}
