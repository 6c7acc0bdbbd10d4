/* ens-peer-connections: list ENS network peer connections from the command line.
 *
 * Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
 * (and ALIBABA_CLOUD_SECURITY_TOKEN for STS).  See --help. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ensclient/ensclient.h>

#ifdef ENS_HAVE_MOCK
#include "ens_mock.h"
#endif

enum exit_code {
    EXIT_OK = 0,
    EXIT_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_CREDENTIALS = 3,
    EXIT_NETWORK = 4,
    EXIT_SERVICE = 5,
    EXIT_PARSE = 6,
};

#define MAX_NETWORK_IDS 64

static int g_wide; /* --wide: table cells are never shortened */

typedef struct cli {
    const char *endpoint;
    const char *ca_file;
    long timeout_ms;
    int json;
    int all;     /* --all: walk every page with the peer iterator */
    int demo;    /* --demo: start the local mock server and walk it */
    int json_lines; /* --json-lines: one compact JSON object per connection per line */
    int verbose; /* --verbose: log each request (secrets redacted) to stderr */
    long max_attempts; /* --max-attempts N (0 = library default) */
    size_t max;  /* --max N: at most N connections (0 = no limit); implies --all */
    unsigned int parallel; /* --parallel N: pages fetched at once by --all (0 = 1) */
    const char *network_ids[MAX_NETWORK_IDS];
    ens_describe_request req;
} cli;

static void usage(FILE *f)
{
    fputs("Usage: ens-peer-connections [OPTIONS]\n"
          "List Alibaba Cloud ENS network peer connections (DescribeNetworkPeerConnections).\n"
          "\n"
          "Filters and paging:\n"
          "  --region ID          ENS node ID (EnsRegionId), e.g. cn-xian-unicom\n"
          "  --instance-id ID     one peer connection (InstanceId)\n"
          "  --name NAME          connection name (Name)\n"
          "  --network-id ID      network on either side (NetworkIds); repeatable\n"
          "  --page N             page number, from 1 (PageNumber)\n"
          "  --page-size N        entries per page, 10..100 (PageSize)\n"
          "  --all                walk every page from --page on (PageSize 100 unless\n"
          "                       --page-size is given) and print every connection\n"
          "  --max N              stop after N connections (implies --all)\n"
          "  --parallel N         with --all: fetch up to N pages at once, 1..64 (default 1);\n"
          "                       connections are still listed in page order\n"
          "\n"
          "Connection:\n"
          "  --endpoint URL       https://host[:port] (default https://ens.aliyuncs.com);\n"
          "                       http://127.0.0.1:PORT for a local server\n"
          "  --timeout-ms N       deadline of each call, retries included (default 30000)\n"
          "  --max-attempts N     attempts per call (default 3; 1 disables retries)\n"
          "  --ca-file PATH       CA bundle used to verify the server\n"
          "\n"
          "Output:\n"
          "  --json               one JSON object with the API's own field names\n"
          "  --json-lines         one JSON object per connection, one per line\n"
          "  --wide               do not shorten long table cells\n"
          "  --verbose            log each request and answer to stderr (secrets redacted)\n"
          "  --help               this text\n"
#ifdef ENS_HAVE_MOCK
          "\n"
          "Demo:\n"
          "  --demo               start a local mock ENS endpoint on 127.0.0.1 with demo\n"
          "                       credentials and list everything it serves (implies --all;\n"
          "                       no cloud account needed)\n"
#endif
          "\n"
          "Credentials come from the first source that has them:\n"
          "  1. ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS,\n"
          "     ALIBABA_CLOUD_SECURITY_TOKEN\n"
          "  2. the Alibaba Cloud CLI configuration (~/.aliyun/config.json or\n"
          "     ALIBABA_CLOUD_CONFIG_FILE; profile ALIBABA_CLOUD_PROFILE, modes AK, StsToken)\n"
          "  3. the shared credentials file (~/.alibabacloud/credentials or\n"
          "     ALIBABA_CLOUD_CREDENTIALS_FILE; section ALIBABA_CLOUD_PROFILE or default)\n"
          "  4. the instance RAM role from the metadata service (role from\n"
          "     ALIBABA_CLOUD_ECS_METADATA or discovered; off with\n"
          "     ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)\n"
          "  5. ALIBABA_CLOUD_CREDENTIALS_URI\n"
          "\n"
          "Exit status: 0 success, 1 other error, 2 usage, 3 credentials,\n"
          "4 network/timeout/TLS, 5 service or HTTP error, 6 unparseable response.\n",
          f);
}

static int exit_for(ens_status st)
{
    switch (st) {
    case ENS_OK: return EXIT_OK;
    case ENS_EINVAL: return EXIT_USAGE;
    case ENS_ECREDENTIALS: return EXIT_CREDENTIALS;
    case ENS_ENETWORK:
    case ENS_ETIMEOUT:
    case ENS_ETLS: return EXIT_NETWORK;
    case ENS_ESERVICE:
    case ENS_EAUTH:
    case ENS_EHTTP: return EXIT_SERVICE;
    case ENS_EPARSE:
    case ENS_ETOOLARGE: return EXIT_PARSE;
    default: return EXIT_OTHER;
    }
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, cli *c)
{
    enum { O_ENDPOINT = 256, O_REGION, O_INSTANCE, O_NAME, O_NETWORK, O_PAGE, O_PAGE_SIZE,
           O_TIMEOUT, O_CA, O_JSON, O_HELP, O_ALL, O_MAX, O_DEMO, O_MAX_ATTEMPTS, O_JSON_LINES, O_WIDE, O_VERBOSE, O_PARALLEL };
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, O_ENDPOINT},
        {"region", required_argument, NULL, O_REGION},
        {"instance-id", required_argument, NULL, O_INSTANCE},
        {"name", required_argument, NULL, O_NAME},
        {"network-id", required_argument, NULL, O_NETWORK},
        {"page", required_argument, NULL, O_PAGE},
        {"page-size", required_argument, NULL, O_PAGE_SIZE},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"ca-file", required_argument, NULL, O_CA},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, O_HELP},
        {"all", no_argument, NULL, O_ALL},
        {"demo", no_argument, NULL, O_DEMO},
        {"json-lines", no_argument, NULL, O_JSON_LINES},
        {"wide", no_argument, NULL, O_WIDE},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"max-attempts", required_argument, NULL, O_MAX_ATTEMPTS},
        {"max", required_argument, NULL, O_MAX},
        {"parallel", required_argument, NULL, O_PARALLEL},
        {NULL, 0, NULL, 0},
    };
    int o;
    long v;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case O_ENDPOINT: c->endpoint = optarg; break;
        case O_REGION: c->req.ens_region_id = optarg; break;
        case O_INSTANCE: c->req.instance_id = optarg; break;
        case O_NAME: c->req.name = optarg; break;
        case O_NETWORK:
            if (c->req.network_ids_count == MAX_NETWORK_IDS) {
                fprintf(stderr, "ens-peer-connections: at most %d --network-id\n", MAX_NETWORK_IDS);
                return -1;
            }
            c->network_ids[c->req.network_ids_count++] = optarg;
            break;
        case O_PAGE:
            if (parse_long(optarg, 1, INT32_MAX, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --page needs a number >= 1\n");
                return -1;
            }
            c->req.page_number = (int32_t)v;
            break;
        case O_PAGE_SIZE:
            if (parse_long(optarg, 1, INT32_MAX, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --page-size needs a positive number\n");
                return -1;
            }
            c->req.page_size = (int32_t)v;
            break;
        case O_TIMEOUT:
            if (parse_long(optarg, 1, 86400000L, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --timeout-ms needs a positive number\n");
                return -1;
            }
            c->timeout_ms = v;
            break;
        case O_CA: c->ca_file = optarg; break;
        case O_JSON: c->json = 1; break;
        case O_ALL: c->all = 1; break;
        case O_JSON_LINES: c->json_lines = 1; break;
        case O_WIDE: g_wide = 1; break;
        case O_VERBOSE: c->verbose = 1; break;
        case O_DEMO:
#ifdef ENS_HAVE_MOCK
            c->demo = 1;
            c->all = 1;
            break;
#else
            fprintf(stderr, "ens-peer-connections: this build has no mock server (needs libmicrohttpd)\n");
            return -1;
#endif
        case O_MAX_ATTEMPTS:
            if (parse_long(optarg, 1, 100, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --max-attempts needs a number from 1 to 100\n");
                return -1;
            }
            c->max_attempts = v;
            break;
        case O_MAX:
            if (parse_long(optarg, 1, INT32_MAX, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --max needs a positive number\n");
                return -1;
            }
            c->max = (size_t)v;
            c->all = 1;
            break;
        case O_PARALLEL:
            if (parse_long(optarg, 1, ENS_ITERATOR_MAX_PARALLEL, &v) < 0) {
                fprintf(stderr, "ens-peer-connections: --parallel needs a number from 1 to %d\n",
                        ENS_ITERATOR_MAX_PARALLEL);
                return -1;
            }
            c->parallel = (unsigned int)v;
            break;
        case 'h':
        case O_HELP: usage(stdout); exit(EXIT_OK);
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ens-peer-connections: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (c->req.network_ids_count)
        c->req.network_ids = c->network_ids;
    return 0;
}

/* ---- output ---- */

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *network_json(const ens_network_info *n)
{
    json_t *o, *cidrs;
    size_t i;
    if (!n->present)
        return json_null();
    o = json_object();
    cidrs = json_array();
    for (i = 0; i < n->ipv4_cidrs_count; i++)
        json_array_append_new(cidrs, json_string(n->ipv4_cidrs[i]));
    json_object_set_new(o, "NetworkId", jstr(n->network_id));
    json_object_set_new(o, "Ipv4Cidrs", cidrs);
    return o;
}

static json_t *connection_json(const ens_peer_connection *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "InstanceId", jstr(p->instance_id));
    json_object_set_new(o, "CreationTime", jstr(p->creation_time));
    json_object_set_new(o, "Name", jstr(p->name));
    json_object_set_new(o, "Description", jstr(p->description));
    json_object_set_new(o, "EnsRegionId", jstr(p->ens_region_id));
    json_object_set_new(o, "Status", jstr(p->status_text));
    json_object_set_new(o, "NetworkId", jstr(p->network_id));
    json_object_set_new(o, "AcceptingNetworkId", jstr(p->accepting_network_id));
    json_object_set_new(o, "Network", network_json(&p->network));
    json_object_set_new(o, "AcceptingNetwork", network_json(&p->accepting_network));
    return o;
}

static json_t *jint(int64_t v) { return v < 0 ? json_null() : json_integer((json_int_t)v); }

static int print_json_line(const ens_peer_connection *p)
{
    json_t *o = connection_json(p);
    int rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    fputc('\n', stdout);
    return rc;
}

static void log_to_stderr(void *payload, ens_log_level level, const char *message)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)payload;
    fprintf(stderr, "[%s] %s\n", names[level <= ENS_LOG_DEBUG ? level : ENS_LOG_DEBUG], message);
}

static int print_json(const ens_describe_response *r)
{
    json_t *root = json_object(), *arr = json_array();
    size_t i;
    int rc;
    json_object_set_new(root, "RequestId", jstr(r->request_id));
    json_object_set_new(root, "PageNumber", jint(r->page_number));
    json_object_set_new(root, "PageSize", jint(r->page_size));
    json_object_set_new(root, "TotalCount", jint(r->total_count));
    for (i = 0; i < r->connections_count; i++)
        json_array_append_new(arr, connection_json(&r->connections[i]));
    json_object_set_new(root, "NetworkPeerConnects", arr);
    rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
    return rc;
}

/* Columns wider than this are cut with an ellipsis unless --wide. */
#define MAX_CELL 32

/* Prints s for a table cell, at most width code points (cut with an
 * ellipsis); control characters become '?'. */
static void cell(const char *s, int width, int last)
{
    int n = 0, total = 0;
    const char *p;
    if (!s)
        s = "-";
    for (p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            total++;
    for (; *s; s++) {
        bool lead = ((unsigned char)*s & 0xC0) != 0x80;
        if (lead && total > width && n == width - 1) {
            fputs("\xe2\x80\xa6", stdout); /* U+2026 */
            n++;
            break;
        }
        if (lead)
            n++;
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
    }
    if (!last)
        for (; n < width + 2; n++)
            fputc(' ', stdout);
}

/* Display width in code points (good enough for an aligned table). */
static int width_of(const char *s)
{
    int n = 0;
    if (!s)
        return 1;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void print_table(const ens_describe_response *r)
{
    static const char *heads[] = {"INSTANCE ID", "NAME", "STATUS", "ENS REGION", "NETWORK",
                                  "ACCEPTING NETWORK", "CREATED"};
    enum { NCOL = 7 };
    int w[NCOL];
    size_t i;
    int c;
    for (c = 0; c < NCOL; c++)
        w[c] = (int)strlen(heads[c]);
    for (i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *p = &r->connections[i];
        const char *v[NCOL] = {p->instance_id, p->name, p->status_text, p->ens_region_id,
                               p->network_id, p->accepting_network_id, p->creation_time};
        for (c = 0; c < NCOL; c++)
            if (width_of(v[c]) > w[c])
                w[c] = width_of(v[c]);
    }
    if (!g_wide)
        for (c = 0; c < NCOL; c++)
            if (w[c] > MAX_CELL)
                w[c] = MAX_CELL;
    for (c = 0; c < NCOL; c++)
        cell(heads[c], w[c], c == NCOL - 1);
    fputc('\n', stdout);
    for (i = 0; i < r->connections_count; i++) {
        const ens_peer_connection *p = &r->connections[i];
        const char *v[NCOL] = {p->instance_id, p->name, p->status_text, p->ens_region_id,
                               p->network_id, p->accepting_network_id, p->creation_time};
        for (c = 0; c < NCOL; c++)
            cell(v[c], w[c], c == NCOL - 1);
        fputc('\n', stdout);
    }
    printf("Page %lld, %zu shown, %lld in total (RequestId %s)\n", (long long)r->page_number,
           r->connections_count, (long long)r->total_count, r->request_id ? r->request_id : "-");
}

static void print_error(const ens_error *e)
{
    fprintf(stderr, "ens-peer-connections: %s\n", e->description);
}

/* ---- --all ---- */

/* Walks every page with the peer iterator, keeping a copy of each connection,
 * then prints them all as one table or one JSON object (RequestId, PageNumber,
 * PageSize and TotalCount of the last page fetched).  Returns the exit code. */
static int run_all(ens_client *client, const cli *c)
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
            if (print_json_line(pc) != 0) {
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
        print_error(&err);
        rc = exit_for(st);
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
        if (print_json(&all) != 0)
            rc = EXIT_OTHER;
    } else {
        print_table(&all);
    }
done:
    free(rows);
    for (i = 0; copies && i < n; i++)
        ens_peer_connection_free(copies[i]);
    free(copies);
    ens_peer_iterator_free(it);
    return rc;
}

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
    if (parse_args(argc, argv, &c) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o.endpoint = c.endpoint;
    o.ca_file = c.ca_file;
    o.timeout_ms = c.timeout_ms;
    o.max_attempts = (unsigned int)c.max_attempts;
    o.user_agent_suffix = "ens-peer-connections";
    if (c.verbose) {
        o.log_fn = log_to_stderr;
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
    st = ens_client_new(&client, &o, &err);
    if (st != ENS_OK) {
        print_error(&err);
#ifdef ENS_HAVE_MOCK
        ensmock_stop(mock);
#endif
        return exit_for(st);
    }
    if (c.all) {
        rc = run_all(client, &c);
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
        print_error(&err);
        ens_client_free(client);
        return exit_for(st);
    }
    rc = EXIT_OK;
    if (c.json_lines) {
        size_t i;
        for (i = 0; i < resp->connections_count; i++)
            if (print_json_line(&resp->connections[i]) != 0)
                rc = EXIT_OTHER;
    } else if (c.json) {
        if (print_json(resp) != 0)
            rc = EXIT_OTHER;
    } else {
        print_table(resp);
    }
    ens_describe_response_free(resp);
    ens_client_free(client);
    if (fflush(stdout) != 0)
        rc = EXIT_OTHER;
    return rc;
}
