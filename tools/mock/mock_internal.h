/* SPDX-License-Identifier: MIT */
/* Internal: what the files of the mock server share (see ens_mock.h for the
 * server's contract).  One file per concern: mock_util.c (buffers, hashing,
 * percent-encoding, the nonce set), mock_auth.c (ACS3 verification),
 * mock_describe.c (the DescribeNetworkPeerConnections operation),
 * mock_sts.c (the STS actions and the keys they issue),
 * mock_request.c (log lines, error replies, the query string),
 * ens_mock.c (HTTP handling, sending replies, start/stop, statistics).
 *
 * Threading: libmicrohttpd runs one thread per connection plus a listening
 * thread.  Everything shared and mutable (counters, faults, nonce set) is
 * guarded by srv->lock; the key list is read-only after ensmock_start(); the
 * data set changes only under mock_churn.c's lock (readers hold
 * mock_churn_begin() .. mock_churn_end()). */
#ifndef ENSMOCK_INTERNAL_H
#define ENSMOCK_INTERNAL_H

#include "ens_mock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define MOCK_HOST_ID "ens.aliyuncs.com"
#define MOCK_ACTION "DescribeNetworkPeerConnections"
#define MOCK_VERSION "2017-11-10"
#define MOCK_ALGORITHM "ACS3-HMAC-SHA256"
#define MOCK_CONTENT_TYPE "application/json;charset=utf-8"
#define MOCK_MAX_NONCE_LEN 256u
#define MOCK_MAX_NAME_CHARS 128u
#define MOCK_NONCE_BUCKETS (1u << 17) /* power of two, > capacity */

#if defined(__GNUC__) || defined(__clang__)
#define MOCK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MOCK_PRINTF(f, a)
#endif

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

typedef struct nonce_node {
    struct nonce_node *next;
    uint64_t hash;
    char s[];
} nonce_node;

typedef struct nonce_set {
    nonce_node **buckets; /* MOCK_NONCE_BUCKETS */
    nonce_node **ring;    /* ENSMOCK_NONCE_CAPACITY, oldest at head */
    size_t head, count;
    unsigned char key[crypto_shorthash_KEYBYTES];
} nonce_set;

typedef struct key_entry {
    char *id, *secret, *token;
} key_entry;

struct ensmock_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC; wakes delayed requests on stop */
    bool stopping;

    key_entry *keys;
    size_t nkeys;
    json_t *data; /* array of objects, read-only */
    char *tls_cert, *tls_key;
    bool tls;
    unsigned short port;
    char url[64];
    long skew_s; /* < 0: unchecked */
    bool verbose;

    ensmock_faults faults;
    unsigned long fault_seq; /* authenticated requests since faults set */
    unsigned long grow_seq;  /* list replies since faults set */
    ensmock_stats stats;
    nonce_set nonces;
    char **raw_bodies; /* every raw_body ever set, freed at stop (requests in
                          flight may still read an older one) */
    size_t nraw;
    struct mock_churn *churn; /* the changing data set (mock_churn.c) */
    struct mock_sts *sts; /* STS options, issued keys, counters (mock_sts.c) */
};

typedef struct req_state {
    char *uri; /* raw request target, as received */
    char *body;
    size_t body_len, body_cap;
    bool started, too_large;
} req_state;

typedef struct qparam {
    char *name, *value; /* decoded */
    size_t name_len, value_len;
    char *enc; /* "encname=encvalue" */
    size_t enc_name_len;
} qparam;

typedef struct reqctx {
    ensmock_server *srv;
    struct MHD_Connection *conn;
    req_state *rq;
    ensmock_faults faults;
    char request_id[37];
    qparam *params;
    size_t nparams;
    int status;
    json_t *root;
} reqctx;

/* mock_util.c */
void mock_sb_addn(sbuf *b, const char *s, size_t n);
void mock_sb_add(sbuf *b, const char *s);
void mock_sb_addc(sbuf *b, char c);
void mock_sb_free(sbuf *b);
char *mock_strdup(const char *s);
void mock_sha256_hex(const void *data, size_t len, char out[65]);
void mock_hmac_sha256_hex(const char *key, const char *msg, char out[65]);
void mock_new_request_id(char out[37]);
char *mock_pct_decode(const char *s, size_t n, size_t *out_len);
void mock_pct_encode(sbuf *b, const char *s, size_t n);
int mock_nonce_insert(nonce_set *ns, const char *s);
void mock_nonce_free(nonce_set *ns);

/* mock_request.c: logging, error replies, the decoded query */
void mock_log(const ensmock_server *srv, const char *fmt, ...) MOCK_PRINTF(2, 3);
void mock_set_error(reqctx *c, int status, const char *code, const char *fmt, ...) MOCK_PRINTF(4, 5);
/* Decodes and sorts the query q (may be NULL) into c->params; false when it
 * is malformed. */
bool mock_parse_query(reqctx *c, const char *q);
void mock_free_params(reqctx *c);
/* The decoded value of parameter name, or NULL. */
const char *mock_param(const reqctx *c, const char *name);

/* mock_auth.c: checks the request's ACS3 signature and headers; false after
 * setting the error reply. */
const char *mock_hdr(const reqctx *c, const char *name);
bool mock_authenticate(reqctx *c);

/* mock_describe.c: answers DescribeNetworkPeerConnections into c. */
void mock_describe(reqctx *c);

/* mock_churn.c: the changing data set.  begin: a list request is about to
 * read srv->data (the churn's pace and drift run first); it may read until
 * end.  NULL from mock_churn_new() means out of memory. */
struct mock_churn *mock_churn_new(ensmock_server *srv);
void mock_churn_free(struct mock_churn *ch);
void mock_churn_begin(reqctx *c);
void mock_churn_end(ensmock_server *srv);
size_t mock_churn_data_count(ensmock_server *srv);
/* mock_sts.c: the STS actions (ens_mock_sts.h), under srv->lock where
 * shared. */
int mock_sts_init(ensmock_server *srv);
void mock_sts_free(ensmock_server *srv);
/* true for an action of STS (routed to mock_sts()). */
bool mock_sts_action(const char *action);
/* Answers an STS action into c; AssumeRoleWithOIDC is not authenticated. */
void mock_sts(reqctx *c, const char *action);
/* A key STS issued: 1 with copies in *out (free the three strings) and
 * *arn, and *expired; 0 when unknown; -1 out of memory. */
int mock_sts_find_key(ensmock_server *srv, const char *id, key_entry *out, bool *expired, char **arn);

#endif
