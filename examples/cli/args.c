/* ens-peer-connections: command-line options and --help. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void cli_usage(FILE *f)
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
          "Watching and waiting:\n"
          "  --watch              keep watching: one line per connection added, changed or\n"
          "                       removed (JSON lines with --json-lines) until Ctrl-C\n"
          "  --interval S         with --watch: seconds between walks (default 10)\n"
          "  --wait-for STATUS    with --instance-id: wait until the connection has STATUS\n"
          "                       (Creating, Activated, Deleting) or is gone (gone);\n"
          "                       --timeout-ms is then the longest wait (default 600000)\n"
          "  --metrics            print the client's counters (Prometheus text) to stderr\n"
          "                       at exit"
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

int cli_parse_args(int argc, char **argv, cli *c)
{
    enum { O_ENDPOINT = 256, O_REGION, O_INSTANCE, O_NAME, O_NETWORK, O_PAGE, O_PAGE_SIZE,
           O_TIMEOUT, O_CA, O_JSON, O_HELP, O_ALL, O_MAX, O_DEMO, O_MAX_ATTEMPTS, O_JSON_LINES, O_WIDE, O_VERBOSE, O_PARALLEL,
           O_WATCH, O_INTERVAL, O_WAIT_FOR, O_METRICS };
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
        {"watch", no_argument, NULL, O_WATCH},
        {"interval", required_argument, NULL, O_INTERVAL},
        {"wait-for", required_argument, NULL, O_WAIT_FOR},
        {"metrics", no_argument, NULL, O_METRICS},
        {NULL, 0, NULL, 0},
    };
    int o;
    long v;
    char *end;
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
        case O_WIDE: c->wide = 1; break;
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
        case O_WATCH: c->watch = 1; break;
        case O_INTERVAL:
            c->interval_s = strtod(optarg, &end);
            if (end == optarg || *end || !(c->interval_s > 0 && c->interval_s <= 86400)) {
                fprintf(stderr, "ens-peer-connections: --interval needs seconds, more than 0\n");
                return -1;
            }
            break;
        case O_WAIT_FOR: c->wait_for = optarg; break;
        case O_METRICS: c->metrics = 1; break;
        case 'h':
        case O_HELP: cli_usage(stdout); exit(EXIT_OK);
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
