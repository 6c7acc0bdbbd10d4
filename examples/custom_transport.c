/* SPDX-License-Identifier: MIT */
/* custom_transport: a user-written transport and a user-written signer.
 *
 * logging transport   logs every exchange to stderr (method, URL, status,
 *                     body length, time; never a header value: headers carry
 *                     the signature and the STS token), then delegates to
 *                     another transport: the default libcurl one, or a replay
 *                     transport answering from a cassette.
 * counting signer     wraps the default ACS3-HMAC-SHA256 signer: adds the
 *                     header "x-acs-example-signer: 1" (an x-acs-* header, so
 *                     the ACS3 signer signs it too) and counts signatures.
 *
 * Usage:
 *   custom_transport [--page-size N] [CASSETTE]
 *       Offline: replays CASSETTE (default: the test suite's single-page
 *       cassette) with the fictitious fixture key.  Fails if the cassette has
 *       exchanges left over.
 *   custom_transport [--page-size N] --endpoint URL
 *       Live, or a loopback mock: the libcurl transport, credentials from
 *       ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ ALIBABA_CLOUD_SECURITY_TOKEN).
 *
 * Lists every connection (all pages) on stdout; exit status 0 on success.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ensclient/ensclient.h>

#ifndef ENS_EXAMPLE_CASSETTE
#define ENS_EXAMPLE_CASSETTE "test/fixtures/cassettes/single_page.json"
#endif

/* ---- a transport that logs and delegates -------------------------------- */

typedef struct logging_transport {
    ens_transport *inner; /* owned */
    atomic_uint exchanges;
} logging_transport;

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Safe to call from several threads at once: the counter is atomic, the inner
 * transports (curl, replay) are thread-safe, and each line is one fprintf. */
static ens_status logging_send(void *ctx, const ens_http_request *req, ens_http_response *resp,
                               ens_error *err)
{
    logging_transport *lt = ctx;
    struct timespec t0;
    size_t body_len = 0;
    ens_status st;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    atomic_fetch_add(&lt->exchanges, 1);
    st = ens_transport_send(lt->inner, req, resp, err);
    if (st == ENS_OK) {
        ens_http_response_body(resp, &body_len);
        fprintf(stderr, "custom_transport: %s %s -> HTTP %ld, %zu body bytes, %ld ms\n", req->method,
                req->url, ens_http_response_status(resp), body_len, ms_since(&t0));
    } else {
        /* err->description never holds a header value either (transport contract). */
        fprintf(stderr, "custom_transport: %s %s -> failed: %s: %s\n", req->method, req->url,
                ens_strerror(st), err ? err->description : "");
    }
    return st;
}

static void logging_destroy(void *ctx)
{
    logging_transport *lt = ctx;
    ens_transport_free(lt->inner);
    free(lt);
}

static const ens_transport_vtable logging_vtable = {
    .version = ENS_TRANSPORT_VTABLE_VERSION,
    .send = logging_send,
    .destroy = logging_destroy,
};

/* Takes inner (also on failure). */
static ens_status logging_transport_new(ens_transport **out, ens_transport *inner,
                                        logging_transport **view)
{
    logging_transport *lt = calloc(1, sizeof(*lt));
    ens_status st;
    if (!lt) {
        ens_transport_free(inner);
        return ENS_ENOMEM;
    }
    lt->inner = inner;
    atomic_init(&lt->exchanges, 0);
    st = ens_transport_new(out, &logging_vtable, lt);
    if (st != ENS_OK) {
        logging_destroy(lt); /* ens_transport_new leaves ctx to us on failure */
        return st;
    }
    *view = lt; /* stays valid until the transport is freed */
    return ENS_OK;
}

/* ---- a signer that wraps the default one -------------------------------- */

typedef struct counting_signer {
    ens_signer *inner; /* owned: the ACS3 signer */
    atomic_uint signatures;
} counting_signer;

static ens_status counting_sign(void *ctx, ens_signable *req, const ens_credentials *creds,
                                ens_error *err)
{
    counting_signer *cs = ctx;
    ens_status st = ens_signable_set_header(req, "x-acs-example-signer", "1");
    if (st != ENS_OK)
        return st;
    st = ens_signer_sign(cs->inner, req, creds, err);
    if (st == ENS_OK)
        atomic_fetch_add(&cs->signatures, 1);
    return st;
}

static void counting_destroy(void *ctx)
{
    counting_signer *cs = ctx;
    ens_signer_free(cs->inner);
    free(cs);
}

static const ens_signer_vtable counting_vtable = {
    .version = ENS_SIGNER_VTABLE_VERSION,
    .sign = counting_sign,
    .destroy = counting_destroy,
};

static ens_status counting_signer_new(ens_signer **out, counting_signer **view)
{
    counting_signer *cs = calloc(1, sizeof(*cs));
    ens_status st;
    if (!cs)
        return ENS_ENOMEM;
    atomic_init(&cs->signatures, 0);
    if ((st = ens_signer_acs3_new(&cs->inner)) != ENS_OK ||
        (st = ens_signer_new(out, &counting_vtable, cs)) != ENS_OK) {
        counting_destroy(cs);
        return st;
    }
    *view = cs;
    return ENS_OK;
}

/* ---- the program -------------------------------------------------------- */

static int usage(void)
{
    fputs("usage: custom_transport [--page-size N] [CASSETTE | --endpoint URL]\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *cassette = ENS_EXAMPLE_CASSETTE, *endpoint = NULL;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
    ens_error err = ENS_ERROR_INIT;
    ens_transport *inner = NULL;
    ens_replay *replay = NULL;
    ens_client *client = NULL;
    logging_transport *lt = NULL;
    counting_signer *cs = NULL;
    unsigned int exchanges, signatures;
    size_t listed = 0;
    int32_t page_size = 0;
    int i, rc = 1;
    ens_status st;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
            endpoint = argv[++i];
        else if (strcmp(argv[i], "--page-size") == 0 && i + 1 < argc)
            page_size = (int32_t)atoi(argv[++i]);
        else if (argv[i][0] != '-')
            cassette = argv[i];
        else
            return usage();
    }

    /* 1. The transport that really sends, wrapped in the logging one. */
    if (endpoint) {
        st = ens_transport_curl_new(&inner, NULL);
        if (st == ENS_OK)
            st = ens_credentials_provider_env_new(&o.credentials);
    } else {
        st = ens_replay_new(&replay, cassette, &err);
        if (st == ENS_OK)
            st = ens_replay_transport_new(&inner, replay);
        /* Fictitious: the key the suite's cassettes were recorded with. */
        if (st == ENS_OK)
            st = ens_credentials_provider_static_new(&o.credentials, "testAccessKeyId",
                                                     "testAccessKeySecret-DO-NOT-USE", NULL);
    }
    if (st == ENS_OK)
        st = logging_transport_new(&o.transport, inner, &lt);
    else
        ens_transport_free(inner);
    /* 2. The signer. */
    if (st == ENS_OK)
        st = counting_signer_new(&o.signer, &cs);
    if (st != ENS_OK) {
        fprintf(stderr, "custom_transport: setup failed: %s %s\n", ens_strerror(st), err.description);
        ens_transport_free(o.transport);
        ens_credentials_provider_free(o.credentials);
        ens_replay_free(replay);
        return 1;
    }

    /* 3. A client that owns both (also if ens_client_new fails). */
    o.endpoint = endpoint;
    if ((st = ens_client_new(&client, &o, &err)) != ENS_OK) {
        fprintf(stderr, "custom_transport: %s\n", err.description);
        ens_replay_free(replay);
        return 1;
    }

    /* 4. Every page. */
    if (page_size) {
        req.page_size = page_size;
        req.page_number = 1;
    }
    for (;;) {
        ens_describe_response *page = NULL;
        size_t k;
        int64_t seen;
        if ((st = ens_describe_peer_connections(client, &req, &page, &err)) != ENS_OK) {
            fprintf(stderr, "custom_transport: %s\n", err.description);
            goto out;
        }
        for (k = 0; k < page->connections_count; k++) {
            const ens_peer_connection *c = &page->connections[k];
            printf("%s\t%s\t%s\t%s\n", c->instance_id ? c->instance_id : "-",
                   c->status_text ? c->status_text : "-", c->ens_region_id ? c->ens_region_id : "-",
                   c->name ? c->name : "-");
        }
        listed += page->connections_count;
        seen = (page->page_number > 0 ? page->page_number : 1) *
               (page->page_size > 0 ? page->page_size : 10);
        k = page->connections_count;
        if (k == 0 || page->total_count < 0 || seen >= page->total_count) {
            ens_describe_response_free(page);
            break;
        }
        req.page_number = (int32_t)(page->page_number > 0 ? page->page_number + 1 : 2);
        ens_describe_response_free(page);
    }

    exchanges = atomic_load(&lt->exchanges);
    signatures = atomic_load(&cs->signatures);
    fprintf(stderr, "custom_transport: %zu connection(s), %u exchange(s), %u signature(s)\n", listed,
            exchanges, signatures);
    rc = exchanges > 0 && exchanges == signatures ? 0 : 1;
    if (replay && ens_replay_unused_count(replay) != 0) {
        char unused[512];
        ens_replay_describe_unused(replay, unused, sizeof(unused));
        fprintf(stderr, "custom_transport: exchanges never replayed:\n%s\n", unused);
        rc = 1;
    }
out:
    ens_client_free(client); /* frees the logging transport, its inner transport and the signer */
    ens_replay_free(replay);
    return rc;
}
