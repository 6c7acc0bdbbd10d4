/* SPDX-License-Identifier: MIT */
/*
 * ensmock: the STS part of the mock (version 2015-04-01), so that assumed
 * roles can be tested end to end over real HTTP.
 *
 * Actions, with x-acs-version 2015-04-01 (another version: 400 InvalidVersion):
 *   AssumeRole          signed (ACS3, verified like every request) with a
 *                       configured key or a key the mock issued itself (a
 *                       chain of roles); parameters RoleArn
 *                       (acs:ram::<digits>:role/<name>), RoleSessionName
 *                       (2..64 of [A-Za-z0-9.@_-]), DurationSeconds
 *                       (900..43200, default 3600), optional Policy (at most
 *                       2048 bytes) and ExternalId (2..1224 bytes).
 *   AssumeRoleWithOIDC  sent WITHOUT a signature (any Authorization is
 *                       ignored); RoleArn, OIDCProviderArn, OIDCToken,
 *                       RoleSessionName, DurationSeconds, Policy as above.
 *   GetCallerIdentity   signed; answers who the key belongs to (AccountId,
 *                       Arn, IdentityType, PrincipalId, UserId): no secret
 *                       in the answer.
 * AssumeRole and AssumeRoleWithOIDC answer
 *   {"RequestId", "AssumedRoleUser": {"AssumedRoleId", "Arn"},
 *    "Credentials": {"AccessKeyId": "STS.<n>...", "AccessKeySecret",
 *                    "SecurityToken", "Expiration": "YYYY-MM-DDThh:mm:ssZ"}}
 * (OIDC adds "OIDCTokenInfo").  The key issued is accepted, with its token,
 * for every action of the mock (DescribeNetworkPeerConnections included)
 * until it expires; then the request gets
 *   400 InvalidSecurityToken.Expired.
 * Of the faults of ensmock_faults, throttle_first_n and unavailable_first_n
 * are DescribeNetworkPeerConnections' only (STS fails by fail_first_n
 * below); the others (delay, dropped or cut replies, padding, raw_body) apply
 * to STS answers too.
 * Errors: 400 MissingParameter, 400 InvalidParameter.RoleArn /
 * .RoleSessionName / .DurationSeconds / .Policy / .ExternalId /
 * .OIDCProviderArn, 400 AuthenticationFail.OIDCToken.Invalid (a token other
 * than the one configured), and the injected failure (fail_first_n).
 */
#ifndef ENSMOCK_STS_H
#define ENSMOCK_STS_H

#include <stdbool.h>

#include "ens_mock.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENSMOCK_STS_VERSION "2015-04-01"

/* How the STS actions behave.  Zero-initialised = the defaults. */
typedef struct ensmock_sts_options {
    long expires_in_s;              /* > 0: issued keys expire this many seconds after
                                       issue, whatever DurationSeconds asked; 0 = DurationSeconds */
    const char *oidc_provider_arn;  /* the OIDCProviderArn accepted; NULL = any */
    const char *oidc_token;         /* the OIDCToken accepted; NULL = any non-empty */
    unsigned fail_first_n;          /* the next n AssumeRole / AssumeRoleWithOIDC fail ... */
    int fail_status;                /* ... with this HTTP status (0 = 503) ... */
    const char *fail_code;          /* ... and Code (NULL = "ServiceUnavailable") */
    bool refuse_issued;             /* keys issued from now on are refused as expired at
                                       once, though their Expiration says later */
} ensmock_sts_options;

/* What the STS actions saw (thread-safe snapshot).  The last_* strings are
 * those of the last AssumeRole / AssumeRoleWithOIDC accepted. */
typedef struct ensmock_sts_stats {
    unsigned long assume_role;        /* AssumeRole requests that got an answer */
    unsigned long assume_role_oidc;   /* AssumeRoleWithOIDC requests that got an answer */
    unsigned long caller_identity;    /* GetCallerIdentity answers */
    unsigned long issued;             /* keys issued */
    unsigned long injected;           /* failures injected (fail_first_n) */
    unsigned long refused;            /* parameters refused */
    unsigned long expired;            /* requests refused with InvalidSecurityToken.Expired */
    char last_role_arn[256];
    char last_session_name[128];
    char last_policy[256];
    char last_external_id[128];
    char last_source_key_id[128];     /* AssumeRole: the key that signed it */
    char last_provider_arn[256];
    char last_oidc_token[256];
    long last_duration_s;
    char last_issued_key_id[64];
} ensmock_sts_stats;

/* Replaces the STS options (strings copied; NULL = the defaults); restarts
 * the fail_first_n counter.  ENSMOCK_OK, ENSMOCK_ERR_INVALID, ENSMOCK_ERR_NOMEM. */
int ensmock_sts_set(ensmock_server *srv, const ensmock_sts_options *opts);

void ensmock_sts_stats_get(const ensmock_server *srv, ensmock_sts_stats *out);

/* Every key issued so far expires now: requests signed with one get
 * InvalidSecurityToken.Expired. */
void ensmock_sts_expire_all(ensmock_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* ENSMOCK_STS_H */
