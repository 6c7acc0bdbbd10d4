/* SPDX-License-Identifier: MIT */
/*
 * ensmock: an embeddable local mock of the Alibaba Cloud ENS API
 * DescribeNetworkPeerConnections (version 2017-11-10), for tests and demos.
 *
 * The server runs on background threads (libmicrohttpd, one thread per
 * connection), binds to 127.0.0.1 only, verifies ACS3-HMAC-SHA256 signatures
 * on its own (libsodium; it shares no code with libensclient), filters and
 * pages a JSON data set, and can inject faults.
 *
 * Error replies use the service's shape
 *   {"RequestId","HostId","Code","Message","Recommend"}
 * with these HTTP status / Code pairs:
 *   400 MissingParameter            Authorization, x-acs-action, x-acs-version,
 *                                   x-acs-date, x-acs-signature-nonce,
 *                                   x-acs-content-sha256 or host missing
 *   400 IncompleteSignature         Authorization malformed, other algorithm,
 *                                   SignedHeaders not lowercase/sorted/unique,
 *                                   host or an x-acs-* or content-type header
 *                                   present but not signed, a signed header
 *                                   absent
 *   404 InvalidAccessKeyId.NotFound unknown AccessKey ID
 *   400 InvalidSecurityToken.MismatchWithAccessKey  STS token missing/wrong
 *                                   (only for keys configured with a token) or
 *                                   sent for a key that has none
 *   400 InvalidTimeStamp.Format     x-acs-date not YYYY-MM-DDThh:mm:ssZ
 *   400 InvalidTimeStamp.Expired    x-acs-date off by more than the skew
 *   400 SignatureDoesNotMatch       x-acs-content-sha256 != SHA-256(body), or
 *                                   signature mismatch (message quotes the
 *                                   server's string to sign, never the
 *                                   expected signature)
 *   400 SignatureNonceUsed          nonce already accepted once
 *   404 InvalidAction.NotFound      path other than "/", or another action
 *                                   (the STS actions: ens_mock_sts.h)
 *   400 InvalidVersion              x-acs-version other than 2017-11-10
 *   405 UnsupportedHTTPMethod       a method other than POST
 *   413 RequestEntityTooLarge       body above 1 MiB
 *   400 InvalidParameter.PageSize   not an integer in 10..100
 *   400 InvalidParameter.PageNumber not an integer >= 1
 *   400 InvalidParameter.Name       longer than 128 characters
 *   400 Throttling.User             fault throttle_first_n
 *   503 ServiceUnavailable          fault unavailable_first_n
 * Checks run in this order: method, path, action/version headers present,
 * authentication (Authorization, key, token, date, body hash, signature,
 * nonce; not for AssumeRoleWithOIDC), action/version values, faults
 * throttle/unavailable, parameters.  Keys that the STS actions issued are
 * accepted like configured ones until they expire (then
 * 400 InvalidSecurityToken.Expired).
 */
#ifndef ENSMOCK_H
#define ENSMOCK_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The AccessKey pair used when ensmock_options.key_count is 0. */
#define ENSMOCK_DEMO_KEY_ID "demo-access-key-id"
#define ENSMOCK_DEMO_KEY_SECRET "demo-access-key-secret"

/* Default accepted distance between x-acs-date and the server clock. */
#define ENSMOCK_DEFAULT_CLOCK_SKEW_S 900L

/* Requests bodies above this size are refused (413). */
#define ENSMOCK_MAX_BODY_BYTES (1024u * 1024u)

/* How many accepted nonces are remembered (oldest forgotten first). */
#define ENSMOCK_NONCE_CAPACITY 100000u

typedef struct ensmock_server ensmock_server;

/* One accepted credential.  security_token NULL: plain AccessKey pair (a
 * request carrying x-acs-security-token is then refused); non-NULL: STS
 * credential, the request must carry exactly this x-acs-security-token. */
typedef struct ensmock_key {
    const char *id;
    const char *secret;
    const char *security_token;
} ensmock_key;

/*
 * Faults.  Zero-initialised = no fault.  "Requests" below count requests that
 * passed authentication, from the moment the faults were set (start or
 * ensmock_set_faults()); throttling comes first, then unavailability:
 * request k gets Throttling.User if k <= throttle_first_n, else 503 if
 * k <= throttle_first_n + unavailable_first_n, else the normal answer.
 */
typedef struct ensmock_faults {
    unsigned throttle_first_n;    /* 400 Throttling.User */
    unsigned unavailable_first_n; /* 503 ServiceUnavailable */
    long delay_ms;                /* sleep before handling every request */
    bool drop_connection;         /* close every request's connection without
                                     any reply (client: CURLE_GOT_NOTHING) */
    bool truncate_body;           /* every reply announces its full
                                     Content-Length but only half the body is
                                     sent before the connection is closed
                                     (client: CURLE_PARTIAL_FILE) */
    size_t oversize_body_bytes;   /* >0: every JSON reply gets a member
                                     "MockPadding" so that its body is larger
                                     than this many bytes (still valid JSON) */
    bool drop_after_headers;      /* every reply sends its status line and
                                     headers (announcing the full
                                     Content-Length), then the connection is
                                     closed before any body byte */
    const char *raw_body;         /* non-NULL: every request that would get a
                                     200 list reply gets exactly these bytes
                                     instead (copied; malformed JSON, absurd
                                     counts, huge or deeply nested values) */
    bool gzip_body;               /* every 200 reply's body is sent gzip-compressed,
                                     with Content-Encoding: gzip (whatever the
                                     request's Accept-Encoding says) */
    bool grow_total_count;        /* the n-th successful list request since the
                                     faults were set reports TotalCount = real
                                     count + n * PageSize, and pages past the
                                     real data are filled with synthetic
                                     entries: pagination never ends */
} ensmock_faults;

typedef struct ensmock_options {
    const char *bind_addr;      /* IPv4 literal; NULL = "127.0.0.1" */
    unsigned short port;        /* 0 = any free port (see ensmock_port()) */
    const char *data_file;      /* JSON data set; NULL = built-in default */
    const char *data_json;      /* data set as a string; wins over data_file */
    const ensmock_key *keys;    /* accepted credentials (copied) */
    size_t key_count;           /* 0 = the demo key pair only */
    const char *tls_cert_file;  /* PEM; both set = HTTPS, both NULL = HTTP */
    const char *tls_key_file;   /* PEM, unencrypted */
    ensmock_faults faults;      /* initial faults */
    long clock_skew_check_s;    /* 0 = ENSMOCK_DEFAULT_CLOCK_SKEW_S,
                                   negative = do not check x-acs-date age */
    bool verbose;               /* log each request (and canonical request on
                                   signature failure) to stderr; also turned
                                   on by the environment ENSMOCK_VERBOSE=1 */
} ensmock_options;

/* Data set format: either {"NetworkPeerConnects": [ {...}, ... ]} or a bare
 * array of entries; entries are served as they are in the file (fields
 * missing, null or unknown included). */

#define ENSMOCK_STATUS_MAX 600

typedef struct ensmock_stats {
    unsigned long connections;      /* TCP connections accepted */
    unsigned long requests;         /* HTTP requests received */
    unsigned long http_status[ENSMOCK_STATUS_MAX]; /* replies per status */
    unsigned long ok;               /* 200 replies */
    unsigned long throttled;        /* Throttling.User by fault */
    unsigned long unavailable;      /* 503 by fault */
    unsigned long dropped;          /* connections dropped by fault */
    unsigned long truncated;        /* replies truncated by fault */
    unsigned long gzipped;          /* replies sent gzip-compressed by fault */
    unsigned long signature_mismatch; /* SignatureDoesNotMatch */
    unsigned long unknown_key;      /* InvalidAccessKeyId.NotFound */
    unsigned long nonce_reused;     /* SignatureNonceUsed */
    unsigned long timestamp_rejected; /* InvalidTimeStamp.* */
    unsigned long long body_bytes;  /* reply body bytes of the replies sent
                                       whole (truncated ones left out) */
} ensmock_stats;

/* Return codes of ensmock_start() / ensmock_set_faults(). */
enum {
    ENSMOCK_OK = 0,
    ENSMOCK_ERR_INVALID = -1, /* bad option value */
    ENSMOCK_ERR_DATA = -2,    /* data set missing or malformed */
    ENSMOCK_ERR_TLS = -3,     /* cert/key unreadable or TLS unsupported */
    ENSMOCK_ERR_START = -4,   /* could not bind/start (port in use?) */
    ENSMOCK_ERR_NOMEM = -5
};

/* Zero the struct (all defaults). */
void ensmock_options_init(ensmock_options *opts);

/* Start a server in the background.  opts may be NULL (all defaults).  On
 * failure *out is NULL and a diagnostic line goes to stderr. */
int ensmock_start(const ensmock_options *opts, ensmock_server **out);

/* The bound TCP port. */
unsigned short ensmock_port(const ensmock_server *srv);

/* "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" (no trailing slash);
 * valid until ensmock_stop(). */
const char *ensmock_url(const ensmock_server *srv);

/* Number of entries in the loaded data set. */
size_t ensmock_data_count(const ensmock_server *srv);

/* Snapshot of the counters (thread-safe). */
void ensmock_stats_get(const ensmock_server *srv, ensmock_stats *out);
/* Zero the counters. */
void ensmock_stats_reset(ensmock_server *srv);

/* Replace the faults (thread-safe; restarts the first-N counters).
 * faults NULL = no fault. */
int ensmock_set_faults(ensmock_server *srv, const ensmock_faults *faults);

/* Stop (interrupts pending delays, closes every connection) and free.
 * NULL is a no-op. */
void ensmock_stop(ensmock_server *srv);

/*
 * A changing data set (mock_churn.c), for tests of code that follows the
 * data over time (watches, waits).  Steps change the data set while the
 * server runs: a step adds a connection (Status "Creating", at a random
 * position), advances one ("Creating" -> "Activated" -> "Deleting"), or
 * removes one.  Steps come at a pace (a time interval, and/or every N list
 * requests, "list request" meaning a DescribeNetworkPeerConnections request
 * answered 200), or one at a time from ensmock_churn_step().  Every change is
 * recorded in a journal (ensmock_churn_journal()) in the order it was made.
 * Drift moves connections between pages while a client walks them, without
 * changing the set: on every drift_every-th list request for a page > 1
 * (without an InstanceId filter), alternately the last connection moves to
 * the front (the following ones shift one place later: a walker meets the
 * last connection of each page again on the next page, and misses the moved
 * one) and the first moves to the end (the others shift one place earlier:
 * a walker misses the first connection of each later page).  With
 * drift_replace, a drift removes the first connection and adds a new one at
 * the end instead (two journaled changes; TotalCount stays the same).
 */
typedef enum ensmock_change_kind {
    ENSMOCK_CHANGE_ADDED = 1,
    ENSMOCK_CHANGE_STATUS = 2,  /* status is the new Status */
    ENSMOCK_CHANGE_REMOVED = 3,
    ENSMOCK_CHANGE_MOVED = 4    /* a drift: position only, not a change of the set */
} ensmock_change_kind;

typedef struct ensmock_change {
    unsigned long seq;          /* 1, 2, ... in the order the changes were made */
    ensmock_change_kind kind;
    char instance_id[64];
    char status[16];            /* the Status after the change; "" when removed */
    unsigned long request;      /* list requests served before the change */
} ensmock_change;

typedef struct ensmock_churn {
    unsigned long seed;          /* random choices; 0 = 1 */
    long interval_ms;            /* one step every interval_ms (a thread of the server); 0 = none */
    unsigned every_requests;     /* one step before every N-th list request (counted
                                    from ensmock_set_churn()); 0 = none */
    unsigned add_weight, remove_weight, status_weight; /* odds of each kind; all 0 = 1, 1, 2 */
    unsigned long max_steps;     /* steps made by the pace, at most; 0 = no limit */
    unsigned long settle_requests; /* a connection changed is not changed again until this
                                      many list requests have been served since */
    size_t min_connections;      /* removals stop at this many connections */
    size_t max_connections;      /* additions stop at this many; 0 = no limit */
    unsigned drift_every;        /* see above (counted from ensmock_set_churn()); 0 = no drift */
    bool drift_replace;          /* see above */
} ensmock_churn;

/* Sets (or replaces) the churn; NULL stops it (the data set stays as it is,
 * the journal is kept).  ENSMOCK_OK, ENSMOCK_ERR_INVALID (negative interval),
 * ENSMOCK_ERR_NOMEM. */
int ensmock_set_churn(ensmock_server *srv, const ensmock_churn *churn);

/* Makes one step now (the weights and limits of the churn set last, or the
 * defaults); thread-safe.  ENSMOCK_OK, or ENSMOCK_ERR_INVALID when no
 * connection could change (none eligible), ENSMOCK_ERR_NOMEM. */
int ensmock_churn_step(ensmock_server *srv);

/* Copies the first min(cap, count) journal entries to out (may be NULL when
 * cap is 0) and returns how many the journal holds.  Thread-safe. */
size_t ensmock_churn_journal(const ensmock_server *srv, ensmock_change *out, size_t cap);

#ifdef __cplusplus
}
#endif

/* The STS actions (AssumeRole, AssumeRoleWithOIDC, GetCallerIdentity). */
#include "ens_mock_sts.h"

#endif /* ENSMOCK_H */
