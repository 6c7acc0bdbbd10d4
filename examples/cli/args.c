/* ens-peer-connections: command-line options and --help. */
#include <errno.h>
#include <getopt.h>
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
        {"profile", required_argument, NULL, O_PROFILE},
        {"generic", required_argument, NULL, O_GENERIC},
        {"param", required_argument, NULL, 'p'},
        {"api-version", required_argument, NULL, O_API_VERSION},
        {NULL, 0, NULL, 0},
    };
    int o;
    long v;
    while ((o = getopt_long(argc, argv, "hp:", opts, NULL)) != -1) {
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
        case O_PROFILE: c->profile = optarg; break;
        case O_GENERIC: c->generic_action = optarg; break;
        case O_API_VERSION: c->api_version = optarg; break;
        case 'p':
            if (c->param_count == MAX_PARAMS || optarg[0] == '=' || !strchr(optarg, '=')) {
                fprintf(stderr, "ens-peer-connections: -p needs KEY=VALUE (at most %d)\n", MAX_PARAMS);
                return -1;
            }
            c->params[c->param_count++] = optarg;
            break;
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
    if ((c->param_count || c->api_version) && !c->generic_action) {
        fprintf(stderr, "ens-peer-connections: -p and --api-version go with --generic\n");
        return -1;
    }
    return 0;
}
