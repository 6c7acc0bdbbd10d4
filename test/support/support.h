/* SPDX-License-Identifier: MIT */
/* Scaffolding shared by the tests under test/ (not part of the library):
 * fixture files and scratch directories, a pinned clock and nonce source, a
 * capturing log callback, an allocator that fails on request, client
 * builders, both drivers of a call and a loopback HTTP server.  The mock
 * server's part is in mock.h beside this file.
 *
 * "Fails the test" below means a cmocka failure: call those functions from a
 * running test (outside one, cmocka prints the failure and exits non-zero).
 * The callbacks handed to the library (ts_pins_*, ts_log_capture, the
 * allocator) never assert: the library may call them from its own threads. */
#ifndef ENS_TEST_SUPPORT_H
#define ENS_TEST_SUPPORT_H

/* cmocka needs these first; every test includes this header instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "ensclient/ensclient.h"

/* ---- shared constants ---------------------------------------------------- */

/* The fictitious AccessKey pair the committed cassettes were recorded with,
 * and their pinned clock, 2024-06-01T08:00:00Z. */
#define TS_FIXTURE_KEY_ID "testAccessKeyId"
#define TS_FIXTURE_SECRET "testAccessKeySecret-DO-NOT-USE"
#define TS_FIXTURE_EPOCH ((time_t)1717228800)

/* A secret and an STS token that the tests look for where they must never
 * appear (logs, errors, files). */
#define TS_SECRET "tEsT-SeCrEt-4f9a1c"
#define TS_TOKEN "tEsT-StS-ToKeN-77b2"

/* The instant and nonce of the published signature example
 * (docs/signature-v3.md): 2023-10-26T10:22:32Z. */
#define TS_EXAMPLE_TIME ((time_t)1698315752)
#define TS_EXAMPLE_NONCE "3156853299f313e23d1673dc12e1703d"

/* ---- fixtures (fixtures.c) ----------------------------------------------- */

/* test/fixtures: $ENS_FIXTURES when set and not empty, else the source
 * tree's directory compiled in. */
const char *ts_fixtures_dir(void);

/* "<fixtures dir>/<name>" into out; name is relative, e.g.
 * "cassettes/single_page.json". */
void ts_fixture_path(char *out, size_t size, const char *name);

/* The whole file, NUL-terminated after its *len bytes (len may be NULL);
 * malloc'd.  NULL when it cannot be read. */
char *ts_read_file(const char *path, size_t *len);

/* The fixture file name (as for ts_fixture_path()), as ts_read_file() gives
 * it; fails the test when it cannot be read. */
char *ts_fixture_load(const char *name, size_t *len);

/* ---- scratch files (fixtures.c) ------------------------------------------ */

/* Creates an empty directory $TMPDIR/<prefix>-XXXXXX (/tmp without TMPDIR)
 * and writes its path into out; fails the test when it cannot. */
void ts_tmpdir(char *out, size_t size, const char *prefix);

/* Number of entries in dir, "." and ".." left out; fails the test when dir
 * cannot be read. */
int ts_dir_entries(const char *dir);

/* Writes text to path, creating the missing directories above it (0700);
 * fails the test when any of it fails. */
void ts_write_file(const char *path, const char *text);

/* Removes path, and everything below it when it is a directory.  Missing:
 * nothing to do. */
void ts_rm_rf(const char *path);

/* ---- environment (hooks.c) ----------------------------------------------- */

/* Keeps the default credentials chain away from anything real: the instance
 * metadata service disabled, the CLI config and credentials file at paths
 * that do not exist, no credentials URI, no OIDC token file or role.  (test/meson.build sets the same;
 * a test that changes these variables calls this first.) */
void ts_env_no_real_credentials(void);

/* ---- time (hooks.c) ------------------------------------------------------ */

/* Monotonic milliseconds. */
double ts_now_ms(void);

/* Sleeps ms milliseconds (resumed after signals). */
void ts_sleep_ms(long ms);

/* ---- pinned clock and nonce (hooks.c) ------------------------------------ */

/*
 * A clock and a nonce source for ens_client_options (clock, nonce, and the
 * pins as hooks_payload), ens_signable_set_clock()/_set_nonce_source() and
 * the credentials providers' clock_fn/clock_payload.  Safe to share between
 * threads.  Positional initialisers read {base, seed, nonces}.
 */
typedef struct ts_pins {
    /* What the clock reads, plus `nonces` when seed is set. */
    _Atomic long long base;
    /* NULL: every nonce is TS_EXAMPLE_NONCE.  Otherwise nonce k (from 0) is
     * the first 16 bytes, in hex, of SHA-256("ensclient-fixture:<seed>:<k>")
     * and the clock moves one second per nonce drawn: how the committed
     * cassettes were signed (test/test_replay.c writes them). */
    const char *seed;
    /* Nonces drawn so far. */
    _Atomic unsigned nonces;
} ts_pins;

/* The signature example's instant and nonce. */
#define TS_PINS_EXAMPLE {TS_EXAMPLE_TIME, NULL, 0}

time_t ts_pins_clock(void *pins);
ens_status ts_pins_nonce(void *pins, char out[65]);

/* A nonce source that gives the string its payload points at (at most 64
 * characters), for tests of odd nonces. */
ens_status ts_nonce_text(void *text, char out[65]);

/* ---- capturing log callback (hooks.c) ------------------------------------ */

/* Every line given to it, in order; safe to feed from several threads. */
typedef struct ts_log {
    pthread_mutex_t lock;
    char *text;          /* each line followed by '\n'; NULL until the first */
    size_t len, cap;
    unsigned long lines; /* lines added so far */
} ts_log;

#define TS_LOG_INIT {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0}

/* An ens_log_fn: payload is a ts_log; the level is not kept. */
void ts_log_capture(void *log, ens_log_level level, const char *message);

/* Adds one line (any text: log lines, error fields). */
void ts_log_add(ts_log *log, const char *line);

/* Everything so far ("" before the first line); valid until the next add
 * or clear. */
const char *ts_log_text(const ts_log *log);

/* Forgets every line and frees the text. */
void ts_log_clear(ts_log *log);

/* ---- an allocator that fails on request (hooks.c) ------------------------ */

/* For ens_set_allocator(): malloc and realloc calls are counted, and the one
 * numbered fail_at (from 0, since ts_alloc_arm()) returns NULL; the others
 * are the C library's.  One thread at a time. */
typedef struct ts_alloc_faults {
    long fail_at;  /* < 0: none fails */
    long calls;    /* malloc and realloc calls since ts_alloc_arm() */
    long failures; /* calls made to fail since ts_alloc_arm() (0 or 1) */
} ts_alloc_faults;

extern ts_alloc_faults ts_alloc;
extern const ens_allocator ts_failing_allocator;

/* Counters to 0; call number k will fail (k < 0: none). */
void ts_alloc_arm(long k);
/* No call fails any more; the counters are kept. */
void ts_alloc_disarm(void);

/* ---- clients (clients.c) ------------------------------------------------- */

/* What the tests vary when they build a client.  Zero / NULL = the library's
 * default, except where a builder says otherwise. */
typedef struct ts_client_options {
    /* Static credentials.  Both key_id and secret NULL: the builder's default
     * pair (ts_client(): none, the library's default chain;
     * ts_cassette_client(): TS_FIXTURE_*; ts_mock_client(): the mock's demo
     * pair); one of them NULL: that half of the default pair. */
    const char *key_id, *secret, *token;
    const char *endpoint;
    ens_transport *transport; /* taken by the client, also on failure; NULL = libcurl */
    unsigned max_attempts;
    long retry_base_delay_ms, retry_max_delay_ms;
    long connect_timeout_ms, timeout_ms;
    size_t max_response_bytes;
    const char *ca_file;
    ts_pins *pins;            /* clock and nonce; NULL = the system's */
    ts_log *log;              /* every log line up to log_level goes there */
    ens_log_level log_level;
} ts_client_options;

/* A copy of o (NULL: all zero) with key_id and secret filled in where they
 * are NULL: how each builder applies its default pair. */
ts_client_options ts_default_pair(const ts_client_options *o, const char *key_id,
                                  const char *secret);

/* A client built from o (NULL: all defaults).  Never asserts (allocation
 * failure tests use it): on failure *out is NULL, err (may be NULL) says why
 * and the transport has been freed. */
ens_status ts_client_try(ens_client **out, const ts_client_options *o, ens_error *err);

/* As ts_client_try(); fails the test when the client cannot be made. */
ens_client *ts_client(const ts_client_options *o);

/* A client whose transport replays the cassette name (a fixture path, as for
 * ts_fixture_path(), e.g. "iterator/one_item.json"); *replay receives the
 * replay state, to be freed with ens_replay_free() after the client.  o may
 * be NULL; its transport must be NULL.  Never asserts: on failure *out and
 * *replay are NULL and everything made is freed. */
ens_status ts_cassette_client_try(ens_client **out, ens_replay **replay, const char *name,
                                  const ts_client_options *o, ens_error *err);

/* As ts_cassette_client_try(); fails the test when the cassette cannot be
 * loaded or the client made. */
ens_client *ts_cassette_client(const char *name, ens_replay **replay, const ts_client_options *o);

/* ---- the two drivers of a call (drivers.c) ------------------------------- */

/* The blocking call, or the event-loop engine driven to the call's end by a
 * poll(2) loop on the calling thread. */
typedef enum ts_driver { TS_BLOCKING, TS_ASYNC } ts_driver;

/* ens_async_describe() / ens_rpc_call_async() on a new engine of c, run to
 * completion, with the blocking call's contract: *out set on ENS_OK, err
 * (may be NULL) filled otherwise; a call refused at its start returns what
 * the start returned.  Fails the test when the completion callback does not
 * run exactly once, or runs with a status its details disagree with. */
ens_status ts_describe_async(ens_client *c, const ens_describe_request *req, const ens_call_options *co,
                             ens_describe_response **out, ens_error *err);
ens_status ts_rpc_async(ens_client *c, const ens_rpc_request *req, const ens_call_options *co,
                        ens_rpc_response **out, ens_error *err);

/* The call through driver d. */
ens_status ts_describe_by(ts_driver d, ens_client *c, const ens_describe_request *req,
                          const ens_call_options *co, ens_describe_response **out, ens_error *err);
ens_status ts_rpc_by(ts_driver d, ens_client *c, const ens_rpc_request *req, const ens_call_options *co,
                     ens_rpc_response **out, ens_error *err);

/* ---- a loopback HTTP server (loopback.c) --------------------------------- */

/*
 * Listens on 127.0.0.1 (a free port) and serves one connection at a time on
 * a thread of its own: reads the request (head, and a body as long as its
 * Content-Length says; a request that pauses for 5 s is given up), hands it
 * to the handler, then closes the connection without a reset.  The handler
 * writes its reply to fd (ts_send_all()), or nothing.
 */
typedef struct ts_http_server ts_http_server;

/* request: what was read, NUL-terminated (empty when the peer sent nothing). */
typedef void (*ts_http_handler)(void *ctx, int fd, const char *request, size_t len);

typedef struct ts_http_options {
    ts_http_handler handler; /* required */
    void *ctx;               /* passed to every callback */
    /* May be NULL.  true when the next connection is to find the listener's
     * queue full, so that the client's connection attempt is never answered
     * (a connect timeout on demand).  Asked at the start, by
     * ts_http_stall_if_due() (the handler calls it before it replies) and
     * after a release; a stall lasts until ts_http_release(). */
    bool (*stalls_next)(void *ctx);
    /* May be NULL.  Called by ts_http_release() when it ends a stall. */
    void (*stall_released)(void *ctx);
    /* Hand the handler what the first read brings (a TLS ClientHello, say)
     * instead of waiting for a whole HTTP request. */
    bool first_read_only;
    /* After the reply, how long to wait for the peer to close first (0: only
     * what it already sent is drained). */
    long linger_ms;
} ts_http_options;

/* Fails the test when the server cannot be started. */
ts_http_server *ts_http_start_ex(const ts_http_options *o);
/* ts_http_start_ex() with only a handler and its ctx. */
ts_http_server *ts_http_start(ts_http_handler handler, void *ctx);
unsigned short ts_http_port(const ts_http_server *s);
/* Asks stalls_next now and fills the listener's queue when it says so: for
 * a handler about to reply, since the client may connect again at once. */
void ts_http_stall_if_due(ts_http_server *s);
/* true while the listener is kept full. */
bool ts_http_stalled(ts_http_server *s);
/* Ends a stall (the attempt that was to time out did): the queued
 * connection is dropped, stall_released runs, the next stall is prepared if
 * due, and connections are served again.  No-op when not stalled.  Any
 * thread. */
void ts_http_release(ts_http_server *s);
/* Waits for the connection being served, closes the listening socket (the
 * port refuses connections afterwards) and frees s. */
void ts_http_stop(ts_http_server *s);

/* Writes all of data; false when the peer is gone. */
bool ts_send_all(int fd, const void *data, size_t len);

/* ---- a loopback server that answers as a transport would (wire.c) -------- */

/*
 * Plays a transport's `send` over real sockets, so that a scenario scripted
 * for the blocking call (a transport vtable) also reaches the asynchronous
 * engine, which only speaks libcurl.  One request per connection (every
 * answer says "Connection: close").  How each outcome of `send` goes over
 * the wire:
 *   ENS_OK                    the response's status, headers and body
 *   a failure after a status  the status line and headers, a Content-Length
 *   was set                   beyond the body, part of it, then close
 *                             (client: a network error after the answer started)
 *   ENS_ETIMEOUT, announced   the listener is kept full (ts_http_options.
 *   by stalls_next            stalls_next), so the client's connection attempt
 *                             is never answered (client: a connect timeout);
 *                             ts_wire_release() ends that
 *   any other failure         close without a byte (client: a network error)
 *   tls_garbage               every connection gets plain HTTP bytes while it
 *                             expects a TLS handshake (client: a TLS error)
 * While `send` runs, req->cancel is triggered once the client hangs up (or
 * the server stops), so a scripted delay ends with the client's attempt.
 */
typedef struct ts_wire ts_wire;

typedef struct ts_wire_options {
    const ens_transport_vtable *vt; /* vt->send answers every request */
    void *ctx;                      /* its ctx */
    /* May be NULL.  true when the next request is to time out before any
     * answer (see above). */
    bool (*stalls_next)(void *ctx);
    bool tls_garbage; /* serve "https://": every handshake fails */
} ts_wire_options;

/* Fails the test when the server cannot be started. */
ts_wire *ts_wire_start(const ts_wire_options *o);
/* The endpoint to give the client ("http://127.0.0.1:PORT" or https). */
const char *ts_wire_url(const ts_wire *w);
/* true while the listener is kept full for an attempt that is to time out. */
bool ts_wire_stalled(ts_wire *w);
/* The attempt that was to time out did: the step is consumed (send() is
 * called with an empty request, its answer dropped) and the server takes
 * connections again.  No-op when not stalled.  Any thread (the client's log
 * callback, say). */
void ts_wire_release(ts_wire *w);
/* Stops the server (a request in progress is cancelled) and frees it.  NULL
 * is a no-op. */
void ts_wire_stop(ts_wire *w);

#endif
