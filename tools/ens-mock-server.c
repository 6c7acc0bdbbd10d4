/* SPDX-License-Identifier: MIT */
/*
 * ens-mock-server: run the ensmock local ENS mock until SIGINT/SIGTERM.
 */
#include "ens_mock.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "Usage: %s [OPTION]...\n"
            "Local mock of the Alibaba Cloud ENS API DescribeNetworkPeerConnections\n"
            "(ACS3-HMAC-SHA256 verified), listening on 127.0.0.1 only.\n"
            "\n"
            "  -p, --port N          TCP port; 0 (default) = any free port\n"
            "  -d, --data FILE       JSON data set (default: the built-in one)\n"
            "  -k, --key ID:SECRET   accepted AccessKey pair, repeatable\n"
            "                        (default: " ENSMOCK_DEMO_KEY_ID ":" ENSMOCK_DEMO_KEY_SECRET ")\n"
            "      --tls-cert FILE   serve HTTPS with this PEM certificate\n"
            "      --tls-key FILE    ... and this PEM private key\n"
            "      --clock-skew S    accepted x-acs-date skew in seconds (default 900;\n"
            "                        0 or negative = not checked)\n"
            "Faults:\n"
            "      --throttle N      answer the first N requests 400 Throttling.User\n"
            "      --unavailable N   then answer N requests 503 ServiceUnavailable\n"
            "      --delay-ms N      wait N ms before handling each request\n"
            "      --drop            close every connection without a reply\n"
            "      --truncate        send half of each body, then close\n"
            "      --oversize BYTES  pad each reply beyond BYTES bytes\n"
            "      --grow-total      TotalCount grows by one page on every request\n"
            "\n"
            "  -v, --verbose         log every request to stderr\n"
            "  -h, --help            this help\n"
            "\n"
            "Prints \"listening on URL\" on stdout once ready; prints counters to\n"
            "stderr on exit.\n",
            argv0);
}

static int parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

enum {
    OPT_TLS_CERT = 256,
    OPT_TLS_KEY,
    OPT_CLOCK_SKEW,
    OPT_THROTTLE,
    OPT_UNAVAILABLE,
    OPT_DELAY,
    OPT_DROP,
    OPT_TRUNCATE,
    OPT_OVERSIZE,
    OPT_GROW,
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"data", required_argument, NULL, 'd'},
        {"key", required_argument, NULL, 'k'},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"clock-skew", required_argument, NULL, OPT_CLOCK_SKEW},
        {"throttle", required_argument, NULL, OPT_THROTTLE},
        {"unavailable", required_argument, NULL, OPT_UNAVAILABLE},
        {"delay-ms", required_argument, NULL, OPT_DELAY},
        {"drop", no_argument, NULL, OPT_DROP},
        {"truncate", no_argument, NULL, OPT_TRUNCATE},
        {"oversize", required_argument, NULL, OPT_OVERSIZE},
        {"grow-total", no_argument, NULL, OPT_GROW},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ensmock_options o;
    ensmock_options_init(&o);
    ensmock_key *keys = NULL;
    char **key_strings = NULL;
    size_t nkeys = 0;
    int status = 2;
    long long v;
    int c;

    while ((c = getopt_long(argc, argv, "p:d:k:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (parse_num(optarg, 0, 65535, &v)) {
                fprintf(stderr, "%s: bad --port '%s'\n", argv[0], optarg);
                goto out;
            }
            o.port = (unsigned short)v;
            break;
        case 'd':
            o.data_file = optarg;
            break;
        case 'k': {
            char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || !colon[1]) {
                fprintf(stderr, "%s: --key wants ID:SECRET\n", argv[0]);
                goto out;
            }
            ensmock_key *nk = realloc(keys, (nkeys + 1) * sizeof *nk);
            char **ns = realloc(key_strings, (nkeys + 1) * sizeof *ns);
            if (nk)
                keys = nk;
            if (ns)
                key_strings = ns;
            char *copy = strdup(optarg);
            if (!nk || !ns || !copy) {
                free(copy);
                fprintf(stderr, "%s: out of memory\n", argv[0]);
                goto out;
            }
            key_strings[nkeys] = copy;
            copy[colon - optarg] = '\0';
            keys[nkeys].id = copy;
            keys[nkeys].secret = copy + (colon - optarg) + 1;
            keys[nkeys].security_token = NULL;
            nkeys++;
            break;
        }
        case OPT_TLS_CERT:
            o.tls_cert_file = optarg;
            break;
        case OPT_TLS_KEY:
            o.tls_key_file = optarg;
            break;
        case OPT_CLOCK_SKEW:
            if (parse_num(optarg, LONG_MIN, LONG_MAX, &v)) {
                fprintf(stderr, "%s: bad --clock-skew '%s'\n", argv[0], optarg);
                goto out;
            }
            o.clock_skew_check_s = v <= 0 ? -1 : (long)v;
            break;
        case OPT_THROTTLE:
        case OPT_UNAVAILABLE:
            if (parse_num(optarg, 0, UINT_MAX, &v)) {
                fprintf(stderr, "%s: bad count '%s'\n", argv[0], optarg);
                goto out;
            }
            if (c == OPT_THROTTLE)
                o.faults.throttle_first_n = (unsigned)v;
            else
                o.faults.unavailable_first_n = (unsigned)v;
            break;
        case OPT_DELAY:
            if (parse_num(optarg, 0, LONG_MAX, &v)) {
                fprintf(stderr, "%s: bad --delay-ms '%s'\n", argv[0], optarg);
                goto out;
            }
            o.faults.delay_ms = (long)v;
            break;
        case OPT_DROP:
            o.faults.drop_connection = true;
            break;
        case OPT_TRUNCATE:
            o.faults.truncate_body = true;
            break;
        case OPT_OVERSIZE:
            if (parse_num(optarg, 0, 1LL << 30, &v)) {
                fprintf(stderr, "%s: bad --oversize '%s' (0..1073741824)\n", argv[0], optarg);
                goto out;
            }
            o.faults.oversize_body_bytes = (size_t)v;
            break;
        case OPT_GROW:
            o.faults.grow_total_count = true;
            break;
        case 'v':
            o.verbose = true;
            break;
        case 'h':
            usage(stdout, argv[0]);
            status = 0;
            goto out;
        default:
            usage(stderr, argv[0]);
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
        goto out;
    }
    if (!o.tls_cert_file != !o.tls_key_file) {
        fprintf(stderr, "%s: --tls-cert and --tls-key go together\n", argv[0]);
        goto out;
    }
    o.keys = keys;
    o.key_count = nkeys;

    /* Block the signals before the server threads exist, so that only
     * sigwait() below sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    ensmock_server *srv = NULL;
    if (ensmock_start(&o, &srv) != ENSMOCK_OK) {
        status = 1;
        goto out;
    }
    printf("listening on %s\n", ensmock_url(srv));
    fflush(stdout);
    fprintf(stderr, "ens-mock-server: %zu peer connections; accepted key%s:", ensmock_data_count(srv),
            nkeys > 1 ? "s" : "");
    if (nkeys == 0)
        fprintf(stderr, " %s", ENSMOCK_DEMO_KEY_ID);
    for (size_t i = 0; i < nkeys; i++)
        fprintf(stderr, " %s", keys[i].id);
    fprintf(stderr, "\n");

    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;

    ensmock_stats st;
    ensmock_stats_get(srv, &st);
    ensmock_stop(srv);
    fprintf(stderr,
            "ens-mock-server: signal %d; connections %lu, requests %lu, 200 OK %lu, "
            "throttled %lu, unavailable %lu, dropped %lu, truncated %lu, "
            "bad signature %lu, unknown key %lu, nonce reused %lu, bad timestamp %lu\n",
            sig, st.connections, st.requests, st.ok, st.throttled, st.unavailable, st.dropped,
            st.truncated, st.signature_mismatch, st.unknown_key, st.nonce_reused,
            st.timestamp_rejected);
    for (int code = 0; code < ENSMOCK_STATUS_MAX; code++)
        if (st.http_status[code])
            fprintf(stderr, "ens-mock-server:   HTTP %d: %lu\n", code, st.http_status[code]);
    status = 0;

out:
    for (size_t i = 0; i < nkeys; i++)
        free(key_strings[i]);
    free(key_strings);
    free(keys);
    return status;
}
