/* SPDX-License-Identifier: MIT */
/**
 * @file iterator.h
 * @brief Walking every page of a DescribeNetworkPeerConnections query.
 *
 * Two iterators over the same walk: ens_page_iterator yields each page's
 * typed response; ens_peer_iterator yields one peer connection at a time
 * (it is built on a page iterator).  Both follow the libgit2 pattern: `_new`,
 * `_next` returning ::ENS_OK, ::ENS_ITEROVER (walk complete) or a negative
 * error, `_free`.
 *
 * @code
 * ens_error err = ENS_ERROR_INIT;
 * ens_peer_iterator *it;
 * const ens_peer_connection *pc;
 * ens_status st;
 * if ((st = ens_peer_iterator_new(&it, client, &req, NULL, &err)) != ENS_OK)
 *     return st;
 * while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
 *     printf("%s\n", pc->instance_id ? pc->instance_id : "-");
 * // Here st is ENS_ITEROVER, or an error: after a retryable one, calling
 * // ens_peer_iterator_next() again resumes the walk.
 * if (st != ENS_ITEROVER)
 *     fprintf(stderr, "%s\n", err.description);
 * ens_peer_iterator_free(it);
 * @endcode
 *
 * ## The walk
 * The request's filters are sent with every page.  Its page_number is the
 * first page (0 = page 1) and its page_size the page size (0 =
 * ::ENS_ITERATOR_DEFAULT_PAGE_SIZE, i.e. 100, the largest the service
 * accepts, to save round trips).  Every request carries PageNumber and
 * PageSize explicitly; page N+1 is asked for after page N.
 *
 * ## Termination
 * After each page the walk ends (the page is still yielded; the following
 * `_next` returns ::ENS_ITEROVER, and keeps returning it) when any of these
 * holds:
 * - the page holds no entries (an empty page ends the walk even when
 *   TotalCount promised more);
 * - the page holds fewer entries than the page size (as sent, before
 *   entries already met are left out);
 * - the items seen reach the TotalCount of the latest page that carried one.
 *   "Items seen" counts (first page - 1) * page size, plus every distinct
 *   entry met since (an entry with a NULL InstanceId always counts);
 * - options.max_items items have been yielded;
 * - options.max_pages pages have been fetched.
 *
 * ## TotalCount changing during the walk
 * Connections created or deleted while a walk runs shift entries between
 * pages.  The target is always the TotalCount of the latest page: when it
 * grows, the walk goes on to fetch the extra pages; when it shrinks, the walk
 * ends as soon as the items seen reach the new value (pages already walked
 * are never fetched again).  So:
 * - no connection is ever yielded twice: an entry pushed onto a later page by
 *   a creation is recognised by its InstanceId and skipped;
 * - a connection created during the walk may or may not be yielded,
 *   depending on where it sorts;
 * - a connection that existed for the whole walk is missed only when
 *   deletions before it moved it back onto a page already walked.
 * For an exact snapshot, walk again (for example when the last page's
 * TotalCount differs from the first page's).
 *
 * ## A misbehaving server
 * - A page whose PageNumber (when the server sends one) differs from the one
 *   asked for ends the walk with ::ENS_EPAGINATION; none of its entries is
 *   yielded.
 * - An entry whose InstanceId was already met in this walk (on an earlier
 *   page or earlier on the same page) is skipped: no item is ever yielded
 *   twice.  Entries with a NULL InstanceId cannot be recognised and are
 *   always yielded.
 * - A page that holds entries but none not met before (a repeated page) ends
 *   the walk with ::ENS_EPAGINATION; none of its entries is yielded.
 * - Page budget: a walk fetches at most
 *   `first page's TotalCount / page size + 1 + ENS_ITERATOR_EXTRA_PAGES`
 *   pages (integer division; a missing TotalCount counts as 0), so a server
 *   that keeps inflating TotalCount (or never sends one) while serving full
 *   pages of new entries cannot make the walk run forever.  When the last
 *   page of the budget has been yielded and the walk would still go on, the
 *   following `_next` returns ::ENS_EPAGINATION (the walk is incomplete; the
 *   error says so).  The same holds when the next page number would exceed
 *   INT32_MAX.
 *
 * ## Errors and resuming
 * A `_next` whose fetch fails (::ENS_ENOMEM, ::ENS_ECREDENTIALS,
 * ::ENS_ENETWORK, ::ENS_ETIMEOUT, ::ENS_ETLS, ::ENS_ETOOLARGE, ::ENS_ESERVICE,
 * ::ENS_EAUTH, ::ENS_EHTTP, ::ENS_EPARSE, ::ENS_ETRANSPORT, ::ENS_ECANCELED:
 * see ens_describe_peer_connections()) returns that status with @p err
 * filled and leaves the walk where it was: calling `_next` again retries the
 * same page, and the resumed walk neither skips nor repeats an item.  The
 * iterator adds no retries to those the client itself makes for one call;
 * back off as the error suggests (Throttling, ServiceUnavailable) before
 * calling `_next` again.
 * ::ENS_EPAGINATION, ::ENS_EINVAL reported by the describe call, and
 * ::ENS_ETIMEOUT for the walk's own deadline (see "Cancellation and
 * deadlines") are final: every later `_next` returns the same status and the
 * same details.
 * ::ENS_ITEROVER is final too, and leaves @p err untouched.
 *
 * ## Parallel page fetch
 * With ens_iterator_options::parallel = N >= 2, the walk fetches the first
 * page alone; once a page has revealed TotalCount, up to N pages are in
 * flight at once: the page the walk needs next and the pages after it, up to
 * the last page TotalCount implies (and never more than max_pages, max_items
 * or the page budget could still use).  Pages are still checked and yielded
 * in page order, exactly as in the sequential walk: the same items in the
 * same order, the same termination, drift and repeat rules, the same errors.
 * A page fetched ahead is only looked at when the walk reaches it, so:
 * - when the walk ends early (a short page, TotalCount reached, a limit, an
 *   inconsistent page), the pages fetched ahead are dropped unseen (and those
 *   still in flight are cancelled);
 * - a fetch that failed is reported by the `_next` that reaches its page, and
 *   the following `_next` requests that page again (pages after it that
 *   arrived meanwhile are kept), so a resumed walk neither skips nor repeats
 *   an item.
 * The concurrent requests run on an asynchronous engine (see async.h) owned
 * by the iterator, driven by poll(2) inside `_next` (which blocks as in the
 * sequential walk; each page has its own deadline, page_timeout_ms or the
 * client's, and the client's retries).
 * Requests in flight progress only while a `_next` runs, and their deadlines
 * keep running in between: a caller that pauses for longer than the client's
 * timeout between items may see some of those pages fail with ::ENS_ETIMEOUT
 * (and fetched again on the next call, as above).
 * This needs the client's default libcurl transport; with any other
 * transport the walk is sequential whatever N is (an INFO line is logged).
 * The server sees up to N requests at once: mind its rate limits (the
 * client's rate_limit_per_second applies to them all).
 *
 * ## Cancellation and deadlines
 * ens_iterator_options (version 3) bounds a walk in time and lets another
 * thread or a signal handler stop it:
 * - `cancel`: once the token is triggered (ens_cancel_trigger(), which is
 *   async-signal-safe), every `_next` returns ::ENS_ECANCELED ("canceled")
 *   and changes nothing: a fetch under way ends (at once when it is sleeping
 *   between retries or, in a parallel walk, waiting for pages; within about
 *   a second inside the libcurl transport), pages fetched ahead are dropped,
 *   and even items already fetched are not yielded.  Cancellation is not
 *   final: after ens_cancel_reset(), `_next` resumes the walk where it
 *   stopped, neither skipping nor repeating an item.
 * - `page_timeout_ms`: each page's fetch (all its attempts and backoff) must
 *   end within it; one that does not fails with ::ENS_ETIMEOUT, retryable as
 *   any fetch error.
 * - `timeout_ms`: the whole walk, from the start of the first `_next`,
 *   including the time the caller spends between `_next` calls.  Each fetch
 *   gets at most the time left.  Once it has passed, `_next` returns
 *   ::ENS_ETIMEOUT (the description says it was the walk's deadline), also
 *   when items already fetched remain; this is final, like ::ENS_EPAGINATION.
 *
 * @code
 * static ens_cancel *stop;
 * static void on_sigint(int sig) { (void)sig; ens_cancel_trigger(stop); }
 * ...
 * ens_iterator_options io = ENS_ITERATOR_OPTIONS_INIT;
 * ens_cancel_new(&stop);
 * signal(SIGINT, on_sigint);
 * io.cancel = stop;
 * io.timeout_ms = 120000;       // the whole walk: two minutes
 * ens_peer_iterator_new(&it, client, &req, &io, &err);
 * while ((st = ens_peer_iterator_next(it, &pc, &err)) == ENS_OK)
 *     ...;
 * if (st == ENS_ECANCELED)      // Ctrl-C
 *     ...;
 * @endcode
 * examples/list_all.c stops this way on Ctrl-C.
 *
 * ## Ownership and lifetime
 * An iterator copies the request (every string and the network_ids array
 * are deep-copied) and the options when it is created: the caller may change
 * or free them right after `_new` returns.  It borrows the client, which must
 * outlive it.  What `_next` yields is borrowed from the iterator and stays
 * valid until the next `_next` call on the same iterator or its `_free`,
 * whatever they return; ens_peer_connection_copy() keeps one connection
 * longer.  To recognise repeats, an iterator keeps a copy of every InstanceId
 * it has met until it is freed (memory grows with the walk: about the length
 * of the ids plus a few pointers per item).
 *
 * ## Threads
 * An iterator is not thread-safe: use it from one thread at a time.
 * Different iterators, on one client or on several, may run in different
 * threads at once, within the client's own thread-safety rules (see
 * ens_describe_peer_connections()).
 */
#ifndef ENSCLIENT_ITERATOR_H
#define ENSCLIENT_ITERATOR_H

#include <stddef.h>

#include "cancel.h"
#include "client.h"
#include "common.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Page size of a walk when the request leaves page_size at 0. */
#define ENS_ITERATOR_DEFAULT_PAGE_SIZE 100

/**
 * @brief Pages a walk may fetch beyond the first page's TotalCount / page
 * size + 1 before it ends with ::ENS_EPAGINATION (see "A misbehaving
 * server").  With the default page size, 100 pages of growth (10000
 * connections created during the walk) are followed.
 */
#define ENS_ITERATOR_EXTRA_PAGES 100

/**
 * @brief Current version of ::ens_iterator_options (2 added `parallel`;
 * 3 added `cancel`, `page_timeout_ms` and `timeout_ms`).
 */
#define ENS_ITERATOR_OPTIONS_VERSION 3

/**
 * @brief Options of a walk.  Caller-owned; read only by `_new` (copied; the
 * cancel token itself is borrowed).  Initialise with
 * ::ENS_ITERATOR_OPTIONS_INIT or ens_iterator_options_init(); fields are only
 * ever added at the end, and a structure of an older version (its `version`
 * set to 1 or 2) is still accepted: the fields it lacks take their defaults.
 */
typedef struct ens_iterator_options {
    unsigned int version; /**< ENS_ITERATOR_OPTIONS_VERSION; 0 or an unknown version is ::ENS_EINVAL. */
    size_t max_items;     /**< Stop after yielding this many items (0 = no limit).  A page
                               iterator cuts the last page short so that the pages yielded hold at
                               most this many entries in all. */
    size_t max_pages;     /**< Stop after fetching this many pages (0 = no limit).  Failed
                               fetches do not count. */
    /** Pages requested at once (version >= 2; see "Parallel page fetch").
        0 or 1 = one page at a time.  Values above ::ENS_ITERATOR_MAX_PARALLEL
        are ::ENS_EINVAL. */
    unsigned int parallel;
    /** Cancellation token (version >= 3; NULL = none), borrowed: it must
        outlive the iterator.  See "Cancellation and deadlines". */
    const ens_cancel *cancel;
    /** Deadline of each page's fetch, retries and backoff included, in ms
        (version >= 3); 0 = the client's timeout_ms; negative is ::ENS_EINVAL.
        It replaces the client's timeout for the walk's calls, as
        ens_call_options::timeout_ms does for one call. */
    long page_timeout_ms;
    /** Deadline of the whole walk in ms, counted from the first `_next`
        (version >= 3); 0 = none; negative is ::ENS_EINVAL.  See
        "Cancellation and deadlines". */
    long timeout_ms;
} ens_iterator_options;

/** @brief Largest ens_iterator_options::parallel accepted. */
#define ENS_ITERATOR_MAX_PARALLEL 64

/** @brief Static initialiser for ::ens_iterator_options. */
#define ENS_ITERATOR_OPTIONS_INIT {.version = ENS_ITERATOR_OPTIONS_VERSION}

/** @brief Initialises @p opts (NULL is ignored) to no limits.  Thread-safe. */
ENS_EXTERN void ens_iterator_options_init(ens_iterator_options *opts);

/** @brief A page-by-page walk.  Opaque. */
typedef struct ens_page_iterator ens_page_iterator;
/** @brief An item-by-item walk.  Opaque. */
typedef struct ens_peer_iterator ens_peer_iterator;

/**
 * @brief Creates a page-by-page walk.  Nothing is sent until the first `_next`.
 *
 * @param out    receives the iterator, owned by the caller
 *               (ens_page_iterator_free()); unchanged on failure.
 * @param client borrowed; must outlive the iterator.
 * @param req    filters, first page and page size (see "The walk"); copied,
 *               so it may be freed as soon as this returns.  Checked as
 *               ens_describe_request_validate() would, after the defaults
 *               (page size 100, page 1) are applied.
 * @param opts   NULL for no limits; copied.
 * @param err    may be NULL; filled on failure.
 * @return ::ENS_OK; ::ENS_EINVAL (NULL @p out, @p client or @p req, an
 *         invalid request field, an options version of 0 or unknown, a
 *         `parallel` above ::ENS_ITERATOR_MAX_PARALLEL, a negative
 *         `page_timeout_ms` or `timeout_ms`); ::ENS_ENOMEM.
 * Thread-safe (creates a new object).
 */
ENS_EXTERN ens_status ens_page_iterator_new(ens_page_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err);

/**
 * @brief Fetches the next page of the walk.
 *
 * Releases the page yielded by the previous call, then asks for the next page
 * with ens_describe_peer_connections() (or, with options.parallel >= 2, takes
 * it from the pages fetched ahead, waiting for it if needed) and checks it
 * (see "A misbehaving server").
 *
 * @param it   the iterator.
 * @param page receives the page, borrowed from the iterator: valid until the
 *             next call to this function on @p it or ens_page_iterator_free().
 *             Its request_id, page_number, page_size and total_count are as
 *             the server sent them; its connections are the entries the walk
 *             yields, in the server's order: entries already met in the walk
 *             are left out and, with options.max_items, the page is cut short,
 *             so connections_count may be lower than the number the server
 *             sent.  The last page of a walk may hold no connection (an empty
 *             page, or a walk of 0 items: the page still carries TotalCount
 *             and RequestId).  Unchanged unless ::ENS_OK is returned.
 * @param err  may be NULL; filled when an error is returned, untouched on
 *             ::ENS_OK and ::ENS_ITEROVER.
 * @return ::ENS_OK (a page was yielded); ::ENS_ITEROVER (the walk is
 *         complete; returned again on every later call); ::ENS_EPAGINATION
 *         (final: wrong PageNumber, repeated page, page budget exhausted);
 *         ::ENS_ECANCELED (options.cancel is triggered: nothing changed,
 *         resumable after ens_cancel_reset()); ::ENS_ETIMEOUT (a page's
 *         fetch timed out: retryable; or the walk's timeout_ms passed:
 *         final); ::ENS_EINVAL (NULL @p it or @p page: nothing else happens and the
 *         iterator is unchanged; or, final, the describe call refused the
 *         request); any error of ens_describe_peer_connections() (the same
 *         page is retried by the next call), including ::ENS_ENOMEM also
 *         when the iterator's own bookkeeping could not allocate.
 * Not thread-safe for one iterator.
 */
ENS_EXTERN ens_status ens_page_iterator_next(ens_page_iterator *it,
                                             const ens_describe_response **page, ens_error *err);

/**
 * @brief Frees the iterator, its copy of the request and the page yielded
 * last (pages and connections borrowed from it become invalid).  NULL is
 * accepted.  Never touches the client.
 */
ENS_EXTERN void ens_page_iterator_free(ens_page_iterator *it);

/**
 * @brief Creates an item-by-item walk.  Nothing is sent until the first `_next`.
 *
 * Parameters, ownership and return values as ens_page_iterator_new(); @p out
 * is released with ens_peer_iterator_free().
 */
ENS_EXTERN ens_status ens_peer_iterator_new(ens_peer_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err);

/**
 * @brief Yields the next peer connection of the walk, fetching the next page
 * when the current one is used up (empty pages are passed over).
 *
 * @param it   the iterator.
 * @param item receives the connection, borrowed from the iterator: valid
 *             until the next call to this function on @p it or
 *             ens_peer_iterator_free(), whatever that call returns.  Keep it
 *             longer with ens_peer_connection_copy().  Unchanged unless
 *             ::ENS_OK is returned.
 * @param err  may be NULL; filled when an error is returned, untouched on
 *             ::ENS_OK and ::ENS_ITEROVER.
 * @return ::ENS_OK; ::ENS_ITEROVER (the walk is complete; returned again on
 *         every later call); ::ENS_EPAGINATION (final); ::ENS_ECANCELED and
 *         ::ENS_ETIMEOUT as for ens_page_iterator_next() (checked before an
 *         item already fetched is yielded); ::ENS_EINVAL (NULL
 *         @p it or @p item, iterator unchanged; or final, as for
 *         ens_page_iterator_next()); any error of
 *         ens_describe_peer_connections() or ::ENS_ENOMEM (retryable: the
 *         next call fetches the same page again and yields the item that
 *         would have come next).
 * Not thread-safe for one iterator.
 */
ENS_EXTERN ens_status ens_peer_iterator_next(ens_peer_iterator *it,
                                             const ens_peer_connection **item, ens_error *err);

/**
 * @brief The page the walk fetched last: the page holding the item yielded
 * last, or, once the walk is complete, the last page fetched (for its
 * TotalCount and RequestId, also when the walk yielded no item).
 *
 * @return the page, borrowed as in ens_page_iterator_next() (its
 *         connections are the entries the walk yields from it), or NULL: for
 *         a NULL @p it, before the first page is fetched, after a failed
 *         fetch, and when the walk ended on a page it rejected (a wrong
 *         PageNumber, a repeated page).  Valid until the next
 *         ens_peer_iterator_next() that fetches a page, or
 *         ens_peer_iterator_free(); once ens_peer_iterator_next() has
 *         returned ::ENS_ITEROVER or ::ENS_EPAGINATION nothing is fetched any
 *         more, so it stays valid until ens_peer_iterator_free().
 * Not thread-safe for one iterator.
 */
ENS_EXTERN const ens_describe_response *ens_peer_iterator_page(const ens_peer_iterator *it);

/**
 * @brief Frees the iterator and everything it holds (items and pages
 * borrowed from it become invalid; copies made with
 * ens_peer_connection_copy() do not).  NULL is accepted.  Never touches the
 * client.
 */
ENS_EXTERN void ens_peer_iterator_free(ens_peer_iterator *it);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_ITERATOR_H */
