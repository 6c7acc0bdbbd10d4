/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: command-line options and --help. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
          "  --page-size N        entries per page, 10 to 100 (PageSize)\n"
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
          "  --max-response-bytes N  largest response accepted, in bytes (default 8388608)\n"
          "  --profile NAME       credentials from this profile of the Alibaba Cloud CLI\n"
          "                       configuration only (any of its modes)\n"
          "\n"
          "Any other action:\n"
          "  --generic ACTION     call ACTION (e.g. DescribeEnsRegions) and print the\n"
          "                       answer's JSON as it came\n"
          "  -p, --param KEY=VALUE  a parameter of ACTION; repeatable\n"
          "  --api-version V      the API version of ACTION (default 2017-11-10, ENS)\n"
          "\n"
          "Output:\n"
          "  --json               one JSON object with the API's own field names\n"
          "  --json-lines         one JSON object per connection, one per line\n"
          "  --wide               do not shorten long table cells (on a terminal the table\n"
          "                       is otherwise fitted to its width)\n"
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
          "Credentials come from the first source that has them (--profile: only 3):\n"
          "  1. ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS,\n"
          "     ALIBABA_CLOUD_SECURITY_TOKEN\n"
          "  2. OIDC role assumption: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,\n"
          "     ALIBABA_CLOUD_OIDC_TOKEN_FILE (Kubernetes RRSA)\n"
          "  3. the Alibaba Cloud CLI configuration (~/.aliyun/config.json or\n"
          "     ALIBABA_CLOUD_CONFIG_FILE; profile ALIBABA_CLOUD_PROFILE; modes AK, StsToken,\n"
          "     RamRoleArn, ChainableRamRoleArn, EcsRamRole, CredentialsURI, OIDC)\n"
          "  4. the shared credentials file (~/.alibabacloud/credentials or\n"
          "     ALIBABA_CLOUD_CREDENTIALS_FILE; section ALIBABA_CLOUD_PROFILE or default)\n"
          "  5. the instance RAM role from the metadata service (role from\n"
          "     ALIBABA_CLOUD_ECS_METADATA or discovered; off with\n"
          "     ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)\n"
          "  6. ALIBABA_CLOUD_CREDENTIALS_URI\n"
          "Roles are assumed at STS: ALIBABA_CLOUD_STS_REGION picks a regional endpoint,\n"
          "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true its VPC one.\n"
          "\n"
          "Exit status: 0 success, 1 other error, 2 usage, 3 credentials,\n"
          "4 network/timeout/TLS, 5 service or HTTP error, 6 unparseable or too large\n"
          "response, 130 interrupted (Ctrl-C).\n",
          f);
}

/* A usage error: one line, and where to read more. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(CLI_NAME ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry '" CLI_NAME " --help' for more information.\n", stderr);
    return -1;
}

/* A whole number from lo to hi, or a usage error naming the option. */
static int number(const char *opt, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return usage_error("%s must be a whole number from %lld to %lld, not '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

int cli_parse_args(int argc, char **argv, cli *c)
{
    enum { O_ENDPOINT = 256, O_REGION, O_INSTANCE, O_NAME, O_NETWORK, O_PAGE, O_PAGE_SIZE,
           O_TIMEOUT, O_CA, O_JSON, O_HELP, O_ALL, O_MAX, O_DEMO, O_MAX_ATTEMPTS, O_JSON_LINES,
           O_WIDE, O_VERBOSE, O_PARALLEL, O_MAX_RESPONSE, O_WATCH, O_INTERVAL, O_WAIT_FOR, O_METRICS,
           O_PROFILE, O_GENERIC, O_API_VERSION };
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
        {"max-response-bytes", required_argument, NULL, O_MAX_RESPONSE},
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
        {"profile", required_argument, NULL, O_PROFILE},
        {"generic", required_argument, NULL, O_GENERIC},
        {"param", required_argument, NULL, 'p'},
        {"api-version", required_argument, NULL, O_API_VERSION},
        {NULL, 0, NULL, 0},
    };
    int o;
    long long v;
    char *end;
    opterr = 0; /* this function words the messages */
    while ((o = getopt_long(argc, argv, ":hp:", opts, NULL)) != -1) {
        switch (o) {
        case O_ENDPOINT: c->endpoint = optarg; break;
        case O_REGION: c->req.ens_region_id = optarg; break;
        case O_INSTANCE: c->req.instance_id = optarg; break;
        case O_NAME: c->req.name = optarg; break;
        case O_NETWORK:
            if (c->req.network_ids_count == MAX_NETWORK_IDS)
                return usage_error("--network-id may be given at most %d times", MAX_NETWORK_IDS);
            c->network_ids[c->req.network_ids_count++] = optarg;
            break;
        case O_PAGE:
            if (number("--page", optarg, 1, INT32_MAX, &v) < 0)
                return -1;
            c->req.page_number = (int32_t)v;
            break;
        case O_PAGE_SIZE:
            /* The service's own range: one rule, one message, whatever the input. */
            if (number("--page-size", optarg, 10, 100, &v) < 0)
                return -1;
            c->req.page_size = (int32_t)v;
            break;
        case O_TIMEOUT:
            if (number("--timeout-ms", optarg, 1, 86400000L, &v) < 0)
                return -1;
            c->timeout_ms = (long)v;
            break;
        case O_CA: c->ca_file = optarg; break;
        case O_MAX_RESPONSE:
            if (number("--max-response-bytes", optarg, 1,
                       SIZE_MAX > INT64_MAX ? INT64_MAX : (long long)SIZE_MAX, &v) < 0)
                return -1;
            c->max_response_bytes = (size_t)v;
            break;
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
            return usage_error("--demo is not available: this build has no mock server");
#endif
        case O_MAX_ATTEMPTS:
            if (number("--max-attempts", optarg, 1, 100, &v) < 0)
                return -1;
            c->max_attempts = (long)v;
            break;
        case O_MAX:
            if (number("--max", optarg, 1, INT32_MAX, &v) < 0)
                return -1;
            c->max = (size_t)v;
            c->all = 1;
            break;
        case O_PARALLEL:
            if (number("--parallel", optarg, 1, ENS_ITERATOR_MAX_PARALLEL, &v) < 0)
                return -1;
            c->parallel = (unsigned int)v;
            break;
        case O_WATCH: c->watch = 1; break;
        case O_INTERVAL:
            c->interval_s = strtod(optarg, &end);
            if (end == optarg || *end || !(c->interval_s > 0 && c->interval_s <= 86400))
                return usage_error("--interval needs seconds, more than 0 and at most 86400");
            break;
        case O_WAIT_FOR: c->wait_for = optarg; break;
        case O_METRICS: c->metrics = 1; break;
        case O_PROFILE: c->profile = optarg; break;
        case O_GENERIC: c->generic_action = optarg; break;
        case O_API_VERSION: c->api_version = optarg; break;
        case 'p':
            if (c->param_count == MAX_PARAMS || optarg[0] == '=' || !strchr(optarg, '='))
                return usage_error("-p needs KEY=VALUE (at most %d of them)", MAX_PARAMS);
            c->params[c->param_count++] = optarg;
            break;
        case 'h':
        case O_HELP: cli_usage(stdout); exit(EXIT_OK);
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (c->req.network_ids_count)
        c->req.network_ids = c->network_ids;
    if ((c->param_count || c->api_version) && !c->generic_action)
        return usage_error("-p and --api-version go with --generic");
    return 0;
}
