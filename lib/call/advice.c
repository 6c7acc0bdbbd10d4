/* SPDX-License-Identifier: MIT */
/* What a failed call's error says to do (common.h, "What to do about it"):
 * the attempts made, and a remedy naming the setting that governs the
 * failure.  The engine (call.c) gathers the clues while the call runs and
 * asks for the advice once, when the call ends; both drivers therefore
 * give the same words. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "call/call.h"
#include "call/client_internal.h"
#include "credentials/internal.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/utctime.h"

/* An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") into
 * *out; -1 when it is not one. */
static int http_date(const char *s, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4], iso[32];
    const char *m;
    int day, year, hh, mm, ss, n = 0;
    if (!s || sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT%n", &day, mon, &year, &hh, &mm, &ss, &n) != 6 ||
        n == 0 || s[n] != '\0' || !(m = strstr(months, mon)) || (m - months) % 3 != 0)
        return -1;
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, (int)(m - months) / 3 + 1, day, hh, mm,
             ss);
    return ens__utc_time_parse(iso, out);
}

void ens__call_observe(ens__call *c, ens_status st, const ens_http_response *resp)
{
    ens__call_clues *k = &c->clues;
    const ens_client *client = c->client;
    const char *date;
    time_t server;

    k->retried_kind = k->deadline_stopped = k->connect_timeout = k->skew_known = false;
    k->server_date[0] = '\0';
    /* A transfer that timed out after about the connect timeout, well before
       its budget ran out, was still connecting: the connect timeout, not the
       deadline, ended it. */
    if (st == ENS_ETIMEOUT && ens_http_response_status(resp) == 0 && client->connect_timeout_ms < c->budget_ms) {
        long long took = ens__now_ms() - c->attempt_start;
        k->connect_timeout = took + 50 >= client->connect_timeout_ms &&
                             took < c->budget_ms - (c->budget_ms - client->connect_timeout_ms) / 2;
    }
    if (st == ENS_EAUTH && strncmp(c->e.code, "InvalidTimeStamp", 16) == 0) {
        date = ens_http_response_header(resp, "date");
        if (date) {
            ens__strlcpy(k->server_date, sizeof(k->server_date), date);
            if (http_date(date, &server) == 0) {
                time_t local = client->clock ? client->clock(client->hooks_payload) : time(NULL);
                k->skew_s = (long long)local - (long long)server;
                k->skew_known = true;
            }
        }
    }
}

/* "the credentials provider 'static'" (or the client's own) into buf. */
static void provider_named(const ens_client *client, char *buf, size_t cap)
{
    const char *name = ens__credentials_provider_name(client->credentials);
    if (name)
        snprintf(buf, cap, "the credentials provider '%s'", name);
    else
        snprintf(buf, cap, "the client's own credentials provider");
}

/* "the credentials provider 'static' (AccessKey ID ...)" into buf. */
static void credentials_origin(const ens__call *c, char *buf, size_t cap)
{
    char provider[160];
    provider_named(c->client, provider, sizeof(provider));
    if (c->clues.key_id[0])
        snprintf(buf, cap, "%s (AccessKey ID %s)", provider, c->clues.key_id);
    else
        snprintf(buf, cap, "%s", provider);
}

static void advise_auth(const ens__call *c, ens_error *e, const char *tail)
{
    const ens__call_clues *k = &c->clues;
    char origin[320];
    if (strncmp(e->code, "InvalidTimeStamp", 16) == 0) {
        long long off = k->skew_s < 0 ? -k->skew_s : k->skew_s;
        if (k->skew_known)
            ens__error_remedy(e, tail, "clock",
                              "the local clock is %lld s %s the server's (its Date: %s): set the "
                              "system clock right (NTP)",
                              off, k->skew_s < 0 ? "behind" : "ahead of", k->server_date);
        else
            ens__error_remedy(e, tail, "clock",
                              "the server sent no usable Date to compare with: check that the local "
                              "clock is right (NTP)");
        return;
    }
    credentials_origin(c, origin, sizeof(origin));
    if (strcmp(e->code, "SignatureDoesNotMatch") == 0)
        ens__error_remedy(e, tail, "credentials",
                          "the request was signed with %s: check that its AccessKey secret is the one "
                          "issued with that ID",
                          origin);
    else if (strncmp(e->code, "InvalidAccessKeyId", 18) == 0)
        ens__error_remedy(e, tail, "credentials",
                          "the credentials came from %s: check that this AccessKey ID exists and is "
                          "enabled",
                          origin);
    else if (strncmp(e->code, "InvalidSecurityToken", 20) == 0)
        ens__error_remedy(e, tail, "credentials",
                          "the credentials came from %s, refreshed once: its STS token is expired or "
                          "belongs to another AccessKey ID",
                          origin);
}

static void advise_service(const ens__call *c, ens_error *e, const char *tail)
{
    const ens_client *client = c->client;
    if (strncmp(e->code, "Throttling", 10) == 0) {
        if (client->ratelimit.enabled)
            ens__error_remedy(e, tail, "rate_limit_per_second",
                              "the service is throttling these calls: lower rate_limit_per_second "
                              "(now %g), or allow more attempts (max_attempts) and time (timeout_ms)",
                              client->ratelimit.rate);
        else
            ens__error_remedy(e, tail, "rate_limit_per_second",
                              "the service is throttling these calls: set rate_limit_per_second below "
                              "the service's quota, or allow more attempts (max_attempts) and time "
                              "(timeout_ms)");
    } else if (c->clues.retried_kind) {
        ens__error_remedy(e, tail, "max_attempts",
                          "a temporary failure of the service: try again later, or allow more "
                          "attempts (max_attempts, now %u)",
                          client->max_attempts);
    } else if (e->status == ENS_EHTTP) {
        ens__error_remedy(e, tail, "endpoint",
                          "the answer did not come from the service (a proxy's or gateway's page?): "
                          "check the endpoint and the proxy");
    }
}

void ens__call_advise(const ens__call *c, ens_error *e)
{
    const ens_client *client = c->client;
    const ens__endpoint *ep = c->op->endpoint ? c->op->endpoint : &client->endpoint;
    const ens__call_clues *k = &c->clues;

    char tail[96] = "";

    if (e->status == ENS_ECANCELED || e->status == ENS_OK)
        return;
    /* how many attempts went out, where the policy would have retried;
       kept whole with the remedy when the description is cut short */
    if (c->sent > 0 && (k->retried_kind || e->status == ENS_ETLS || e->status == ENS_ETIMEOUT))
        snprintf(tail, sizeof(tail), " (after %u attempt%s%s)", c->sent, c->sent == 1 ? "" : "s",
                 /* (a timeout that used the whole deadline says so itself) */
                 k->deadline_stopped && (e->status != ENS_ETIMEOUT || k->connect_timeout)
                     ? ", the deadline leaving no time for another"
                     : "");
    e->remedy[0] = '\0';
    switch (e->status) {
    case ENS_ETIMEOUT:
        if (k->rate_limited)
            ens__error_remedy(e, tail, "rate_limit_per_second",
                              "raise rate_limit_per_second (now %g) or timeout_ms (now %ld ms)",
                              client->ratelimit.rate, c->timeout_ms);
        else if (k->connect_timeout)
            ens__error_remedy(e, tail, "connect_timeout_ms",
                              "no connection to %s within connect_timeout_ms (%ld ms): check that it "
                              "is reachable, or raise connect_timeout_ms",
                              ep->base, client->connect_timeout_ms);
        else
            ens__error_remedy(e, tail, "timeout_ms",
                              "raise timeout_ms (now %ld ms for all attempts and waits; "
                              "ens_client_options or ens_call_options) if the service needs longer",
                              c->timeout_ms);
        break;
    case ENS_ETLS:
        /* The transport's text says what was wrong with the certificate. */
        ens__error_remedy(e, tail, "ca_file",
                          "if %s has a certificate from a private CA, give that CA's PEM bundle in "
                          "ca_file",
                          ep->base);
        break;
    case ENS_ENETWORK:
        ens__error_remedy(e, tail, "endpoint", "check the endpoint %s (host name, port) and the network or proxy "
                                         "on the way",
                          ep->base);
        break;
    case ENS_ETOOLARGE:
        ens__error_remedy(e, tail, "max_response_bytes", "raise max_response_bytes (now %zu bytes)",
                          client->max_response_bytes);
        break;
    case ENS_ECREDENTIALS: {
        char provider[160];
        provider_named(client, provider, sizeof(provider));
        ens__error_remedy(e, tail, "credentials",
                          "make a source of %s hold credentials, or give the client another provider "
                          "(ens_client_options.credentials)",
                          provider);
        break;
    }
    case ENS_EAUTH:
        advise_auth(c, e, tail);
        break;
    case ENS_ESERVICE:
    case ENS_EHTTP:
        advise_service(c, e, tail);
        break;
    default:
        break;
    }
    if (!e->remedy[0] && *tail)
        ens__error_append(e, "%s", tail);
}
