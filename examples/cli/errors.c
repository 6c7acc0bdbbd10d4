/* SPDX-License-Identifier: MIT */
/* ens-peer-connections: error lines, exit codes, and what to do about a
 * failure in this tool's own terms (its flags), never the library's struct
 * fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_exit_for(ens_status st)
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
    case ENS_ECANCELED: return EXIT_INTERRUPTED;
    default: return EXIT_OTHER;
    }
}

/* Setting name (as the library names its client options) -> what a user of
 * this tool does.  The library's error details will carry the setting name
 * itself; until they do, cli_error_setting() infers it. */
static const struct {
    const char *setting;
    const char *remedy;
} remedies[] = {
    {"timeout_ms", "give it more time with --timeout-ms MS"},
    {"connect_timeout_ms", "check that the endpoint is reachable (--endpoint) and any proxy"},
    {"max_response_bytes", "raise the cap with --max-response-bytes BYTES, or use a smaller --page-size"},
    {"ca_file", "check the server's certificate, or name the CA that signed it with --ca-file PATH"},
    {"insecure_skip_tls_verify", "name the CA that signed the server's certificate with --ca-file PATH"},
    {"credentials",
     "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or see --help for the "
     "other credential sources"},
    {"allow_insecure_http", "use https:// or a loopback endpoint"},
    {"endpoint", "check --endpoint: https://host[:port], or http:// for a loopback address"},
    {"proxy", "check the https_proxy, http_proxy and no_proxy environment variables"},
    {"max_attempts", "retry later, or allow more attempts with --max-attempts N"},
    {"rate_limit_per_second",
     "the service is throttling: wait a little and retry; with --all, a lower --parallel sends "
     "fewer requests at once"},
    {"page_size", "use --page-size from 10 to 100"},
    {"clock", "set the local clock right (NTP): the service refuses requests dated too far from its own time"},
};

static bool has(const ens_error *e, const char *text)
{
    return strstr(e->description, text) != NULL;
}

const char *cli_error_setting(const ens_error *e)
{
    /* The library names the setting (ens_error version 2); errors that carry
       none (a library of an older version, an error this tool made) are
       inferred from the status and the description. */
    if (e->version >= 2 && e->setting[0])
        return e->setting;
    switch (e->status) {
    case ENS_ETIMEOUT:
        if (has(e, "connect"))
            return "connect_timeout_ms";
        return "timeout_ms";
    case ENS_ETOOLARGE: return "max_response_bytes";
    case ENS_ETLS: return "ca_file";
    case ENS_ECREDENTIALS: return "credentials";
    case ENS_EAUTH:
        return strncmp(e->code, "InvalidTimeStamp", 16) == 0 ? NULL : "credentials";
    case ENS_ESERVICE:
        return strncmp(e->code, "Throttling", 10) == 0 ? "rate_limit_per_second" : NULL;
    case ENS_EINVAL:
        if (has(e, "allow_insecure_http"))
            return "allow_insecure_http";
        if (has(e, "PageSize"))
            return "page_size";
        if (has(e, "endpoint"))
            return "endpoint";
        return NULL;
    default: return NULL;
    }
}

const char *cli_setting_remedy(const char *setting)
{
    size_t i;
    if (!setting)
        return NULL;
    for (i = 0; i < sizeof(remedies) / sizeof(*remedies); i++)
        if (strcmp(remedies[i].setting, setting) == 0)
            return remedies[i].remedy;
    return NULL;
}

void cli_print_error(const ens_error *e)
{
    const char *setting = cli_error_setting(e);
    const char *remedy = cli_setting_remedy(setting);
    const char *text = e->description[0] ? e->description : ens_strerror(e->status);
    int len = (int)strlen(text);
    if (setting && strcmp(setting, "allow_insecure_http") == 0) {
        /* The library's line names its option; this tool has no such flag. */
        fprintf(stderr, CLI_NAME ": refusing to send signed requests over plain http:// to a host "
                        "that is not loopback\n");
    } else {
        /* The library ends the description with "; " and its remedy, worded
           for its own options: this tool says the failure, then its remedy
           in its own flags (the library's when this tool knows none). */
        if (e->version >= 2 && e->remedy[0]) {
            size_t rl = strlen(e->remedy), tl = strlen(text);
            if (tl >= rl + 2 && strcmp(text + tl - rl, e->remedy) == 0 &&
                strncmp(text + tl - rl - 2, "; ", 2) == 0)
                len = (int)(tl - rl - 2);
            if (!remedy)
                remedy = e->remedy;
        }
        fprintf(stderr, CLI_NAME ": %.*s\n", len, text);
    }
    if (remedy)
        fprintf(stderr, CLI_NAME ": %s\n", remedy);
}

void cli_log_to_stderr(void *payload, ens_log_level level, const char *message)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)payload;
    fprintf(stderr, "[%s] %s\n", names[level <= ENS_LOG_DEBUG ? level : ENS_LOG_DEBUG], message);
}
