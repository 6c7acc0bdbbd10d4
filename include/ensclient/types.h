/* SPDX-License-Identifier: MIT */
/**
 * @file types.h
 * @brief Typed request and response of DescribeNetworkPeerConnections.
 */
#ifndef ENSCLIENT_TYPES_H
#define ENSCLIENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Current version of ::ens_describe_request. */
#define ENS_DESCRIBE_REQUEST_VERSION 1

/**
 * @brief Parameters of one DescribeNetworkPeerConnections call.
 *
 * Caller-owned; every pointer is borrowed and only read during the call that
 * receives the request (iterators copy what they need).  NULL strings and a
 * zero page number/size mean "not sent" (the service defaults apply: page 1,
 * size 10).  Initialise with ::ENS_DESCRIBE_REQUEST_INIT or
 * ens_describe_request_init(); fields are only ever added at the end.
 *
 * Validation (before anything is sent, ::ENS_EINVAL naming the field):
 * page_size in 10..100, page_number >= 1 when set, name at most 128
 * characters, no NULL or empty entry in network_ids, network_ids non-NULL when
 * network_ids_count > 0, and no string holding CR, LF or invalid UTF-8.
 */
typedef struct ens_describe_request {
    unsigned int version;            /**< Set by the initialiser; do not change. */
    const char *instance_id;         /**< InstanceId, e.g. "pcc-5inkeimcipxk26yqtzm4q****"; NULL = any. */
    const char *ens_region_id;       /**< EnsRegionId, e.g. "cn-xian-unicom"; NULL = any. */
    const char *name;                /**< Name (at most 128 characters); NULL = any. */
    const char *const *network_ids;  /**< NetworkIds.1..N; may be NULL when count is 0. */
    size_t network_ids_count;        /**< Number of entries in network_ids. */
    int32_t page_number;             /**< PageNumber, 1-based; 0 = not sent. */
    int32_t page_size;               /**< PageSize, 10..100; 0 = not sent. */
} ens_describe_request;

/** @brief Static initialiser for ::ens_describe_request. */
#define ENS_DESCRIBE_REQUEST_INIT {.version = ENS_DESCRIBE_REQUEST_VERSION}

/** @brief Initialises @p req (must not be NULL) to an empty request. Thread-safe. */
ENS_EXTERN void ens_describe_request_init(ens_describe_request *req);

/**
 * @brief Checks @p req as ens_describe_peer_connections() would, without sending anything.
 *
 * @return ::ENS_OK, or ::ENS_EINVAL with @p err naming the offending field.
 * Thread-safe.
 */
ENS_EXTERN ens_status ens_describe_request_validate(const ens_describe_request *req, ens_error *err);

/** @brief Status of a peer connection. */
typedef enum ens_peer_status {
    ENS_PEER_STATUS_UNKNOWN = 0,   /**< Missing, or a value this library does not know (see status_text). */
    ENS_PEER_STATUS_CREATING = 1,  /**< "Creating". */
    ENS_PEER_STATUS_ACTIVATED = 2, /**< "Activated". */
    ENS_PEER_STATUS_DELETING = 3   /**< "Deleting". */
} ens_peer_status;

/** @brief Returns the wire text of a status ("Creating", ...) or "Unknown". Static; thread-safe. */
ENS_EXTERN const char *ens_peer_status_name(ens_peer_status status);

/** @brief One side of a peer connection (the "Network" / "AcceptingNetwork" objects). */
typedef struct ens_network_info {
    bool present;                  /**< false when the object was missing or null. */
    const char *network_id;        /**< NetworkId, or NULL when missing. */
    const char *const *ipv4_cidrs; /**< Ipv4Cidrs entries (never NULL entries). */
    size_t ipv4_cidrs_count;       /**< Number of entries in ipv4_cidrs. */
} ens_network_info;

/**
 * @brief One peer connection.
 *
 * Owned by the ::ens_describe_response (or the copy) that holds it.  String
 * fields are NULL when the field was missing or null, and otherwise exactly
 * the text the server sent (no trimming, no re-encoding), decoded from its
 * JSON escapes; the escapes no C string of UTF-8 can hold, \\u0000 and an
 * unpaired surrogate (\\uD800 alone), are each replaced by U+FFFD (bytes EF BF
 * BD) rather than failing the page.
 */
typedef struct ens_peer_connection {
    const char *instance_id;          /**< InstanceId, "pcc-...". */
    const char *creation_time;        /**< CreationTime as sent, e.g. "2024-05-31T06:43:29Z". */
    time_t creation_time_epoch;       /**< CreationTime parsed as UTC seconds; (time_t)-1 when missing
                                           or not in the form YYYY-MM-DDThh:mm:ssZ. */
    const char *name;                 /**< Name. */
    const char *description;          /**< Description. */
    const char *ens_region_id;        /**< EnsRegionId. */
    ens_peer_status status;           /**< Status as an enum. */
    const char *status_text;          /**< Status as sent (kept for unknown values). */
    const char *network_id;           /**< NetworkId (requester side). */
    const char *accepting_network_id; /**< AcceptingNetworkId (accepter side). */
    ens_network_info network;         /**< Network object (requester side). */
    ens_network_info accepting_network; /**< AcceptingNetwork object (accepter side). */
} ens_peer_connection;

/**
 * @brief A page of DescribeNetworkPeerConnections results.
 *
 * Allocated by the library, read-only for the caller, released with
 * ens_describe_response_free() (every string and array inside belongs to
 * it).  Integer fields are -1 when the server left them out or sent null.
 */
typedef struct ens_describe_response {
    const char *request_id;                 /**< RequestId, or NULL when missing. */
    int64_t page_number;                    /**< PageNumber (number or numeric string on the wire). */
    int64_t page_size;                      /**< PageSize. */
    int64_t total_count;                    /**< TotalCount: entries across all pages after filtering. */
    const ens_peer_connection *connections; /**< NetworkPeerConnects entries (NULL when count is 0). */
    size_t connections_count;               /**< Number of entries; 0 when the array was empty or absent. */
} ens_describe_response;

/**
 * @brief Most entries of NetworkPeerConnects one parsed page may hold (100 times
 * the API's largest page size); a page with more is ::ENS_ETOOLARGE.
 */
#define ENS_MAX_PAGE_CONNECTIONS 10000

/**
 * @brief Most Ipv4Cidrs entries, all connections together, one parsed page may
 * hold; a page with more is ::ENS_ETOOLARGE.  Every entry read counts, also
 * those of a member that a later duplicate key overrides.
 *
 * With ::ENS_MAX_PAGE_CONNECTIONS this bounds what parsing a page allocates:
 * one block of at most the body's length (for the strings), plus slots for
 * the connections and the Ipv4Cidrs pointers (on a 64-bit machine at most
 * about 1.5 MB and 0.8 MB), whatever the body asks for.  The block is sized
 * from a count of the body's '{' and '"' bytes before it is read, so a
 * typical page's block is about twice what the page uses.
 */
#define ENS_MAX_PAGE_IPV4_CIDRS 100000

/** @brief Frees a response and everything in it.  NULL is accepted.  Not thread-safe per object. */
ENS_EXTERN void ens_describe_response_free(ens_describe_response *resp);

/**
 * @brief Deep-copies one peer connection into a single new allocation.
 *
 * @param out receives the copy, owned by the caller and released with
 *            ens_peer_connection_free(); unchanged on failure.
 * @param src the connection to copy (for example one borrowed from an iterator).
 * @return ::ENS_OK, ::ENS_EINVAL (NULL argument) or ::ENS_ENOMEM.  Thread-safe
 *         as long as @p src is not being freed concurrently.
 */
ENS_EXTERN ens_status ens_peer_connection_copy(ens_peer_connection **out, const ens_peer_connection *src);

/** @brief Frees a copy made by ens_peer_connection_copy().  NULL is accepted. */
ENS_EXTERN void ens_peer_connection_free(ens_peer_connection *conn);

/**
 * @brief Parses a DescribeNetworkPeerConnections success body into a typed response.
 *
 * Exposed for tools and tests that hold a recorded body; the client calls the
 * same parser.  @p body need not be NUL-terminated.
 *
 * Lenient where the body is JSON: members the library does not use are
 * skipped whatever valid JSON (RFC 8259) they hold (\\u0000, unpaired
 * surrogate escapes, numbers of any size or precision, nesting up to the
 * limit below); with duplicate keys the last one wins.  Integer fields
 * (PageNumber, PageSize, TotalCount) accept any JSON number, or string
 * holding one (leading zeros allowed), whose value is exactly a
 * non-negative integer that fits int64: 57, 57.0, 5.7e1, 570e-1, "57",
 * "007", "5.7e1".  String fields: see ::ens_peer_connection (\\u0000 and
 * unpaired surrogates become U+FFFD).
 *
 * What it refuses, and nothing else:
 * - ::ENS_EPARSE "response body is not valid JSON at line L column C": not
 *   JSON (RFC 8259): an empty body, bytes that are not UTF-8 anywhere, a raw
 *   control character inside a string, a stray byte (a NUL included) or
 *   trailing data outside the document, an unknown escape, or a value nested
 *   inside 2048 or more arrays and objects (the depth limit);
 * - ::ENS_EPARSE "response body is not a JSON object": valid JSON whose top
 *   level is not an object;
 * - ::ENS_EPARSE naming the field ("NetworkPeerConnects[3].Network.Ipv4Cidrs[0]
 *   is not a string"): a field of the wrong JSON type (a text field that is
 *   neither a string nor null, Network or AcceptingNetwork not an object,
 *   NetworkPeerConnects or Ipv4Cidrs not an array, an entry of either that is
 *   null or of the wrong type), or an integer field whose value is not as
 *   above (-1, 57.5, 9223372036854775808, 1e19, "", " 57", "+57", "0x39",
 *   true);
 * - ::ENS_ETOOLARGE naming what was too large: more than
 *   ::ENS_MAX_PAGE_CONNECTIONS connections or ::ENS_MAX_PAGE_IPV4_CIDRS
 *   Ipv4Cidrs entries in the page (nothing is allocated for it then).
 *
 * @param out      receives a new response owned by the caller
 *                 (ens_describe_response_free()); unchanged on failure.
 * @param body     the body bytes (need not be NUL-terminated).
 * @param body_len number of bytes in @p body.
 * @param err      may be NULL; filled on failure (for ::ENS_EPARSE it names
 *                 the field at fault).
 * @return ::ENS_OK; ::ENS_EPARSE or ::ENS_ETOOLARGE as listed above;
 *         ::ENS_ENOMEM; ::ENS_EINVAL for a NULL @p out (@p body may be NULL
 *         only when @p body_len is 0, which is ::ENS_EPARSE: an empty body).
 *         Thread-safe.
 */
ENS_EXTERN ens_status ens_describe_response_parse(ens_describe_response **out, const char *body,
                                                  size_t body_len, ens_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_TYPES_H */
