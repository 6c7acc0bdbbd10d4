/**
 * @file iterator.h
 * @brief Walking every page of a DescribeNetworkPeerConnections query.
 *
 * Two iterators over the same walk: ens_page_iterator yields each page's
 * typed response; ens_peer_iterator yields one peer connection at a time.
 * Both follow the libgit2 pattern: `_new`, `_next` returning ::ENS_OK or
 * ::ENS_ITEROVER (walk complete) or a negative error, `_free`.
 *
 * ## Termination
 * The walk ends (::ENS_ITEROVER) when the items seen reach the TotalCount of
 * the latest page, when a page holds fewer entries than the page size, or
 * when a page is empty.
 *
 * ## A misbehaving server
 * See the implementation notes in this header's function docs: a page whose
 * PageNumber differs from the one asked for, or that holds no item not already
 * yielded (a repeated page), ends the walk with ::ENS_EPAGINATION; an item
 * whose InstanceId was already yielded is never yielded twice; the number of
 * pages a walk may fetch is bounded, so no server can make it loop forever.
 *
 * ## Errors and resuming
 * A failed `_next` (network, service, parse...) returns the error and leaves
 * the iterator where it was: calling `_next` again retries the same page, and
 * the resumed walk neither skips nor repeats an item.  ::ENS_EPAGINATION and
 * ::ENS_EINVAL are final: further calls return the same status.
 *
 * ## Threads
 * An iterator is used by one thread at a time; different iterators on one
 * client may run in different threads.
 */
#ifndef ENSCLIENT_ITERATOR_H
#define ENSCLIENT_ITERATOR_H

#include <stddef.h>

#include "client.h"
#include "common.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Default page size of a walk when the request leaves page_size at 0. */
#define ENS_ITERATOR_DEFAULT_PAGE_SIZE 100

/** @brief Current version of ::ens_iterator_options. */
#define ENS_ITERATOR_OPTIONS_VERSION 1

/** @brief Options of a walk.  Fields are only ever added at the end. */
typedef struct ens_iterator_options {
    unsigned int version; /**< ENS_ITERATOR_OPTIONS_VERSION. */
    size_t max_items;     /**< Stop after this many items (0 = no limit). */
    size_t max_pages;     /**< Stop after fetching this many pages (0 = no limit). */
} ens_iterator_options;

/** @brief Static initialiser for ::ens_iterator_options. */
#define ENS_ITERATOR_OPTIONS_INIT {.version = ENS_ITERATOR_OPTIONS_VERSION}

/** @brief A page-by-page walk.  Opaque. */
typedef struct ens_page_iterator ens_page_iterator;
/** @brief An item-by-item walk.  Opaque. */
typedef struct ens_peer_iterator ens_peer_iterator;

ENS_EXTERN ens_status ens_page_iterator_new(ens_page_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err);
ENS_EXTERN ens_status ens_page_iterator_next(ens_page_iterator *it,
                                             const ens_describe_response **page, ens_error *err);
ENS_EXTERN void ens_page_iterator_free(ens_page_iterator *it);

ENS_EXTERN ens_status ens_peer_iterator_new(ens_peer_iterator **out, ens_client *client,
                                            const ens_describe_request *req,
                                            const ens_iterator_options *opts, ens_error *err);
ENS_EXTERN ens_status ens_peer_iterator_next(ens_peer_iterator *it,
                                             const ens_peer_connection **item, ens_error *err);
ENS_EXTERN void ens_peer_iterator_free(ens_peer_iterator *it);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_ITERATOR_H */
