/* SPDX-License-Identifier: MIT */
/**
 * @file watch.h
 * @brief A watch: a local, always up-to-date view of every peer connection
 *        a query matches, with handlers for what appears, changes and goes.
 *
 * A watch does what a reconciling daemon would otherwise write by hand
 * around DescribeNetworkPeerConnections (in the manner of a Kubernetes
 * informer): it walks every page of a query at an interval, keeps a store
 * keyed by InstanceId, and calls the host's handler with each connection
 * added, updated (old and new, with what changed) or removed, plus a
 * "synced" event once the first complete walk is in.  It avoids the known
 * faults of the hand-written loop:
 *
 * - **A walk that fails halfway removes nothing.**  Only a complete,
 *   consistent walk can remove a connection.  A walk that fails (a call
 *   failed after the client's own retries, the walk's deadline passed, the
 *   server's paging is inconsistent, memory ran out) or is cut short changes
 *   nothing: it is reported (::ENS_WATCH_WALK_FAILED) and retried after a
 *   backoff (min/max delay, doubling, jittered).
 * - **Items that move between pages are neither missed nor doubled.**  A
 *   walk keeps every InstanceId it met; one met twice counts once (the later
 *   copy wins).  A walk is consistent when every page reported the same
 *   TotalCount, no InstanceId came twice and the connections met add up to
 *   TotalCount; otherwise the data moved under it, and it is repeated at once
 *   (up to ens_watch_options::max_repeats times).  Creations and deletions
 *   that balance out during one walk can still hide a connection that moved
 *   onto a page already walked, so a connection a consistent walk did not
 *   meet is removed only once a call asking for its InstanceId (with the
 *   watch's filters) confirms it is gone (up to max_lookups such calls per
 *   walk; beyond them, a connection missing from two consistent walks in a
 *   row is removed).  When the data keeps moving past max_repeats, the last
 *   walk's additions and updates are applied, nothing is removed, and the
 *   walk is reported unsettled.
 * - **A fleet does not poll in lock-step.**  Every wait between walks is
 *   the interval times a random factor in [1 - jitter, 1 + jitter].
 *
 * The client's rate limit, retries and deadline apply to every call the
 * watch makes (see client.h); ens_watch_options::call_timeout_ms and
 * walk_timeout_ms bound each call and each walk.
 *
 * ## Running it
 * - Blocking: ens_watch_run() walks, waits and calls the handler on the
 *   calling thread until a cancellation token is triggered (from any
 *   thread, for example a signal-handling thread).
 * - On the host's event loop: ens_watch_start() runs it on an ::ens_async
 *   engine; walks are asynchronous calls and the waits are timers of the
 *   engine (the host needs no timer of its own beyond the engine's), the
 *   handler runs from inside ens_async_timeout() / ens_async_socket_action().
 *   ens_watch_stop() ends it at once.  This needs the client's default
 *   libcurl transport (see async.h).
 *
 * ## The store
 * ens_watch_snapshot_get() hands out the store as it was after the last walk
 * applied: an immutable, reference-counted snapshot (sorted by InstanceId)
 * that any thread may read while the watch goes on; it stays valid, and
 * consistent, until released, even after the watch is freed.  Taking one
 * costs a lock and a reference count, never a copy.
 *
 * ## Events
 * For each walk applied, the handler receives the changes in the order the
 * walk met the connections (additions and updates), then the removals, then
 * ::ENS_WATCH_SYNCED after the first such walk, then ::ENS_WATCH_WALK_DONE.
 * Per connection, changes arrive in the order the service showed them, each
 * once.  A change that is undone between two walks is not seen.  The
 * snapshot already holds a walk's result when its events are delivered.
 * Every ens_watch_options::resync_ms the whole store is delivered again as
 * ::ENS_WATCH_RESYNC events (no call is made), for handlers that reconcile
 * periodically.
 *
 * ## Threads
 * A watch runs on one thread at a time (the one in ens_watch_run(), or the
 * engine's).  ens_watch_snapshot_get(), ens_watch_has_synced() and
 * ens_watch_get_stats() may be called from any thread at any time, also from the
 * handler.  The handler must not call ens_watch_run(), ens_watch_start() or
 * ens_watch_free() on its own watch; it may call ens_watch_stop() (event
 * loop) or trigger the run's token (blocking), and make calls on the client.
 */
#ifndef ENSCLIENT_WATCH_H
#define ENSCLIENT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "async.h"
#include "cancel.h"
#include "client.h"
#include "common.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A watch.  Opaque. */
typedef struct ens_watch ens_watch;

/** @brief An immutable view of a watch's store.  Opaque; see ens_watch_snapshot_get(). */
typedef struct ens_watch_snapshot ens_watch_snapshot;

/** @brief What an ::ens_watch_event reports. */
typedef enum ens_watch_event_kind {
    ENS_WATCH_ADDED = 1,       /**< A connection appeared: `connection`. */
    ENS_WATCH_UPDATED = 2,     /**< A connection changed: `old_connection`, `connection`, `changed`. */
    ENS_WATCH_REMOVED = 3,     /**< A connection is gone: `old_connection`. */
    ENS_WATCH_RESYNC = 4,      /**< Periodic re-delivery of a stored connection: `connection`
                                    (and `old_connection`, the same). */
    ENS_WATCH_SYNCED = 5,      /**< The first complete walk (consistent or unsettled) has been
                                    applied (once per watch). */
    ENS_WATCH_WALK_FAILED = 6, /**< A walk failed and changed nothing: `error`, `retry_in_ms`. */
    ENS_WATCH_WALK_DONE = 7    /**< A walk was applied: `retry_in_ms` until the next one;
                                    `error` set when it was unsettled (nothing removed). */
} ens_watch_event_kind;

/** @brief ens_watch_event::changed: CreationTime differs. */
#define ENS_WATCH_CHANGED_CREATION_TIME 0x01u
/** @brief ens_watch_event::changed: Name differs. */
#define ENS_WATCH_CHANGED_NAME 0x02u
/** @brief ens_watch_event::changed: Description differs. */
#define ENS_WATCH_CHANGED_DESCRIPTION 0x04u
/** @brief ens_watch_event::changed: EnsRegionId differs. */
#define ENS_WATCH_CHANGED_REGION 0x08u
/** @brief ens_watch_event::changed: Status differs (the text, so also between two unknown values). */
#define ENS_WATCH_CHANGED_STATUS 0x10u
/** @brief ens_watch_event::changed: NetworkId or the Network object differs. */
#define ENS_WATCH_CHANGED_NETWORK 0x20u
/** @brief ens_watch_event::changed: AcceptingNetworkId or the AcceptingNetwork object differs. */
#define ENS_WATCH_CHANGED_ACCEPTING_NETWORK 0x40u
/** @brief ens_watch_event::changed: a member this version does not name differs. */
#define ENS_WATCH_CHANGED_OTHER 0x80u

/** @brief Current version of ::ens_watch_stats. */
#define ENS_WATCH_STATS_VERSION 1

/**
 * @brief Counters of a watch since it was created.  Caller-owned when read
 * with ens_watch_get_stats() (initialise with ::ENS_WATCH_STATS_INIT); members
 * are only ever added at the end.
 */
typedef struct ens_watch_stats {
    unsigned int version;        /**< Set by the initialiser (or by the library in events). */
    uint64_t walks;              /**< Walks started (a repeated walk counts once). */
    uint64_t walks_applied;      /**< Walks applied (consistent or unsettled). */
    uint64_t walks_unsettled;    /**< Walks applied without removals: the data kept moving. */
    uint64_t walks_failed;       /**< Walks that failed and changed nothing. */
    uint64_t walk_repeats;       /**< Walks started again because the data moved under them. */
    uint64_t calls;              /**< Calls made: pages and lookups, failed ones included. */
    uint64_t lookups;            /**< Calls that asked for one InstanceId to confirm a removal. */
    uint64_t added;              /**< ::ENS_WATCH_ADDED events delivered. */
    uint64_t updated;            /**< ::ENS_WATCH_UPDATED events delivered. */
    uint64_t removed;            /**< ::ENS_WATCH_REMOVED events delivered. */
    uint64_t resyncs;            /**< Resync rounds (each delivers the whole store). */
    uint64_t generation;         /**< Changes of the store (the snapshot's generation). */
    size_t connections;          /**< Connections in the store now. */
    size_t unkeyed;              /**< Entries without InstanceId in the last walk (never stored). */
    unsigned int consecutive_failures; /**< Failed walks since the last one applied. */
    unsigned int last_walk_calls;      /**< Calls of the last walk that ended. */
    long last_walk_ms;           /**< Duration of the last walk that ended (repeats included). */
    bool synced;                 /**< A complete walk has been applied. */
} ens_watch_stats;

/** @brief Static initialiser for ::ens_watch_stats. */
#define ENS_WATCH_STATS_INIT {ENS_WATCH_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false}

/** @brief Current version of ::ens_watch_event. */
#define ENS_WATCH_EVENT_VERSION 1

/**
 * @brief One event, as the handler receives it.  Owned by the library and
 * valid (with everything it points to) only during the handler call; copy a
 * connection with ens_peer_connection_copy() to keep it.  Members are only
 * ever added at the end: read those of your version only when `version` is
 * at least ::ENS_WATCH_EVENT_VERSION of your headers.
 */
typedef struct ens_watch_event {
    unsigned int version;                        /**< The library's ENS_WATCH_EVENT_VERSION. */
    ens_watch_event_kind kind;                   /**< What happened. */
    const ens_peer_connection *old_connection;   /**< UPDATED: before; REMOVED: the last state;
                                                      RESYNC: same as `connection`; else NULL. */
    const ens_peer_connection *connection;       /**< ADDED, UPDATED (after), RESYNC; else NULL. */
    unsigned int changed;                        /**< UPDATED: ENS_WATCH_CHANGED_* bits (never 0). */
    const ens_error *error;                      /**< WALK_FAILED: why; WALK_DONE: NULL, or why
                                                      the walk was unsettled (::ENS_EPAGINATION). */
    long retry_in_ms;                            /**< WALK_FAILED, WALK_DONE: ms until the next walk. */
    const ens_watch_stats *stats;                /**< SYNCED, WALK_FAILED, WALK_DONE: the counters
                                                      now; else NULL. */
} ens_watch_event;

/**
 * @brief The host's handler.  Runs on the thread running the watch, once per
 * event, never concurrently with itself for one watch.
 *
 * @param payload ens_watch_options::payload.
 * @param event   the event; borrowed for the call.
 */
typedef void (*ens_watch_fn)(void *payload, const ens_watch_event *event);

/** @brief Default ens_watch_options::interval_ms (30 s). */
#define ENS_WATCH_DEFAULT_INTERVAL_MS 30000L
/** @brief ens_watch_options::jitter set by the initialisers (10 %). */
#define ENS_WATCH_DEFAULT_JITTER 0.1
/** @brief Default ens_watch_options::walk_timeout_ms (5 min). */
#define ENS_WATCH_DEFAULT_WALK_TIMEOUT_MS 300000L
/** @brief Default ens_watch_options::backoff_min_ms. */
#define ENS_WATCH_DEFAULT_BACKOFF_MIN_MS 1000L
/** @brief Default ens_watch_options::backoff_max_ms. */
#define ENS_WATCH_DEFAULT_BACKOFF_MAX_MS 60000L
/** @brief Default ens_watch_options::max_repeats. */
#define ENS_WATCH_DEFAULT_MAX_REPEATS 3u
/** @brief Default ens_watch_options::max_lookups. */
#define ENS_WATCH_DEFAULT_MAX_LOOKUPS 16u
/**
 * @brief Pages a walk may fetch beyond its first page's TotalCount / page
 * size + 1 before it fails with ::ENS_EPAGINATION (a server whose TotalCount
 * keeps growing cannot hold a walk forever).
 */
#define ENS_WATCH_EXTRA_PAGES 10

/** @brief Current version of ::ens_watch_options. */
#define ENS_WATCH_OPTIONS_VERSION 1

/**
 * @brief Options of ens_watch_new().  Caller-owned; read (and the request
 * copied) only by ens_watch_new().  Initialise with ::ENS_WATCH_OPTIONS_INIT
 * or ens_watch_options_init(); members are only ever added at the end.
 * Zero means the documented default, except for `jitter` (the initialisers
 * set ::ENS_WATCH_DEFAULT_JITTER; 0 is no jitter).
 */
typedef struct ens_watch_options {
    unsigned int version; /**< Set by the initialiser; do not change. */
    /** The query: instance_id, ens_region_id, name and network_ids filter
        what is watched; page_size is the page size of every walk (0 = 100,
        else 10..100); page_number is ignored.  NULL = every connection.
        Copied. */
    const ens_describe_request *request;
    ens_watch_fn handler; /**< Called for every event; NULL = keep the store only. */
    void *payload;        /**< Passed to the handler. */
    long interval_ms;     /**< From the end of a walk to the start of the next; 0 = default. */
    /** Each wait between walks is interval_ms times a factor drawn uniformly
        from [1 - jitter, 1 + jitter]; 0..1. */
    double jitter;
    long resync_ms;       /**< Re-deliver the whole store this often (::ENS_WATCH_RESYNC); 0 = never. */
    long walk_timeout_ms; /**< Deadline of one walk, repeats and lookups included; 0 = default. */
    long call_timeout_ms; /**< Deadline of each call (within the walk's); 0 = the client's timeout_ms. */
    long backoff_min_ms;  /**< Wait after a first failed walk; doubles per failure; 0 = default. */
    long backoff_max_ms;  /**< Ceiling of that wait; 0 = default (raised to backoff_min_ms if lower). */
    unsigned int max_repeats; /**< Walks repeated at once when the data moved; 0 = default. */
    unsigned int max_lookups; /**< Removal confirmations per walk; 0 = default. */
} ens_watch_options;

/** @brief Static initialiser for ::ens_watch_options. */
#define ENS_WATCH_OPTIONS_INIT {ENS_WATCH_OPTIONS_VERSION, NULL, NULL, NULL, 0, ENS_WATCH_DEFAULT_JITTER, 0, 0, 0, 0, 0, 0, 0}

/** @brief Initialises @p opts (NULL is ignored) to defaults.  Thread-safe. */
ENS_EXTERN void ens_watch_options_init(ens_watch_options *opts);

/**
 * @brief Creates a watch.  Nothing is sent until it runs.
 *
 * @param out    receives the watch (ens_watch_free()); unchanged on failure.
 * @param client borrowed; must outlive the watch.
 * @param opts   NULL = defaults (every connection, no handler); copied.
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL @p out or @p client, options version 0
 *         or unknown, a negative time, a jitter outside 0..1, an invalid
 *         request field as ens_describe_request_validate() says);
 *         ::ENS_ENOMEM.
 * Thread-safe (creates a new object).
 */
ENS_EXTERN ens_status ens_watch_new(ens_watch **out, ens_client *client, const ens_watch_options *opts,
                                    ens_error *err);

/**
 * @brief Runs the watch on the calling thread until @p cancel is triggered.
 *
 * Walks at once, then at every interval (or after a backoff when a walk
 * failed), calling the handler from this thread.  A walk under way when the
 * token is triggered is abandoned (it changes nothing; its call ends within
 * about a second, see cancel.h).  May be called again after it returned
 * (the store is kept; the next walk starts at once).
 *
 * @param w      the watch.
 * @param cancel required; borrowed; triggering it (from any thread) ends the run.
 * @param err    may be NULL; filled when an error is returned.
 * @return ::ENS_OK once @p cancel was triggered (walk failures never end the
 *         run: they are events); ::ENS_EINVAL (NULL argument, or the watch
 *         is already running).
 */
ENS_EXTERN ens_status ens_watch_run(ens_watch *w, const ens_cancel *cancel, ens_error *err);

/**
 * @brief Starts the watch on @p engine (see async.h): the first walk starts
 * the next time the host drives the engine.
 *
 * @param w      the watch.
 * @param engine borrowed; must be bound to the watch's client and outlive
 *               the run (stop or free the watch before freeing the engine).
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument, an engine of another
 *         client, or the watch is already running).
 * Not thread-safe: call it on the engine's thread.
 */
ENS_EXTERN ens_status ens_watch_start(ens_watch *w, ens_async *engine, ens_error *err);

/**
 * @brief Stops a watch started with ens_watch_start(): its call in flight is
 * cancelled and its timer disarmed before this returns; a walk under way
 * changes nothing.  No-op when it is not running on an engine.  May be
 * called from the handler.  Not thread-safe: call it on the engine's thread.
 */
ENS_EXTERN void ens_watch_stop(ens_watch *w);

/**
 * @brief Frees the watch (stopping it first when it runs on an engine) and
 * its reference to the store; snapshots still held stay valid.  NULL is
 * accepted.  Must not be called while ens_watch_run() runs, nor from the
 * handler.
 */
ENS_EXTERN void ens_watch_free(ens_watch *w);

/**
 * @brief true once a complete walk has been applied: the store then holds
 * every connection the query matched during that walk (when the walk was
 * unsettled, a connection that moved onto a page already walked may be
 * missing until a later walk).  Thread-safe; NULL gives false.
 */
ENS_EXTERN bool ens_watch_has_synced(const ens_watch *w);

/**
 * @brief Reads the watch's counters.
 * @param w   the watch.
 * @param out initialised by the caller (::ENS_WATCH_STATS_INIT).
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument, version 0 or unknown).
 * Thread-safe.
 */
ENS_EXTERN ens_status ens_watch_get_stats(const ens_watch *w, ens_watch_stats *out);

/**
 * @brief Takes a reference to the store as the last applied walk left it.
 *
 * @param w   the watch.
 * @param out receives the snapshot; release it with
 *            ens_watch_snapshot_release().  Before the first walk applied
 *            it is empty.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL argument).  Never allocates.
 * Thread-safe: any thread, any time, also from the handler.
 */
ENS_EXTERN ens_status ens_watch_snapshot_get(const ens_watch *w, ens_watch_snapshot **out);

/** @brief Number of connections in @p s (0 for NULL).  Thread-safe. */
ENS_EXTERN size_t ens_watch_snapshot_count(const ens_watch_snapshot *s);

/**
 * @brief Connection @p i of @p s, in ascending InstanceId order (strcmp);
 * NULL when @p i is out of range or @p s is NULL.  Valid until @p s is
 * released.  Thread-safe.
 */
ENS_EXTERN const ens_peer_connection *ens_watch_snapshot_at(const ens_watch_snapshot *s, size_t i);

/**
 * @brief The connection of @p s with this InstanceId (binary search), or
 * NULL.  Valid until @p s is released.  Thread-safe.
 */
ENS_EXTERN const ens_peer_connection *ens_watch_snapshot_find(const ens_watch_snapshot *s,
                                                              const char *instance_id);

/**
 * @brief How many times the store had changed when @p s was taken (0 =
 * nothing applied yet); two snapshots with the same generation hold the same
 * connections.  Thread-safe.
 */
ENS_EXTERN uint64_t ens_watch_snapshot_generation(const ens_watch_snapshot *s);

/** @brief Releases a snapshot (NULL is accepted).  Thread-safe. */
ENS_EXTERN void ens_watch_snapshot_release(ens_watch_snapshot *s);

/** @brief Static name of an event kind ("added", "updated", "removed", "resync",
    "synced", "walk-failed", "walk-done"), or "unknown".  Thread-safe. */
ENS_EXTERN const char *ens_watch_event_name(ens_watch_event_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_WATCH_H */
