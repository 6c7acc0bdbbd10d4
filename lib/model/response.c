/*
 * Ownership of parsed responses.  A response is one block (see json/page.c
 * and ens__layout in model/model.h), and so is a copied connection: each is
 * released with a single ens__free.
 */
#include <string.h>

#include "model/model.h"
#include "util/alloc.h"

ENS_EXTERN void ens_describe_response_free(ens_describe_response *resp)
{
    /* The struct sits at the start of its block. */
    ens__free(resp);
}

static const char *copy_str(ens__layout *l, const char *s)
{
    return s ? ens__layout_str(l, s, strlen(s)) : NULL;
}

static void copy_network(ens__layout *l, ens_network_info *dst, const ens_network_info *src)
{
    const char **arr = NULL;
    size_t n = src->ipv4_cidrs_count;

    dst->present = src->present;
    dst->network_id = copy_str(l, src->network_id);
    if (n)
        arr = ens__layout_ptrs(l, n);
    for (size_t i = 0; i < n; i++) {
        const char *s = copy_str(l, src->ipv4_cidrs[i]);
        if (arr)
            arr[i] = s;
    }
    dst->ipv4_cidrs = arr;
    dst->ipv4_cidrs_count = n;
}

/* One walk: measures while l->base is NULL (dst is then scratch), fills otherwise. */
static void copy_connection(ens__layout *l, ens_peer_connection *dst, const ens_peer_connection *src)
{
    dst->instance_id = copy_str(l, src->instance_id);
    dst->creation_time = copy_str(l, src->creation_time);
    dst->creation_time_epoch = src->creation_time_epoch;
    dst->name = copy_str(l, src->name);
    dst->description = copy_str(l, src->description);
    dst->ens_region_id = copy_str(l, src->ens_region_id);
    dst->status = src->status;
    dst->status_text = copy_str(l, src->status_text);
    dst->network_id = copy_str(l, src->network_id);
    dst->accepting_network_id = copy_str(l, src->accepting_network_id);
    copy_network(l, &dst->network, &src->network);
    copy_network(l, &dst->accepting_network, &src->accepting_network);
}

ENS_EXTERN ens_status ens_peer_connection_copy(ens_peer_connection **out, const ens_peer_connection *src)
{
    ens__layout l = ENS__LAYOUT_INIT;
    ens_peer_connection scratch, *conn;
    size_t total;
    char *block;

    if (!out || !src)
        return ENS_EINVAL;
    /* A count without an array would have us read through NULL. */
    if ((src->network.ipv4_cidrs_count && !src->network.ipv4_cidrs) ||
        (src->accepting_network.ipv4_cidrs_count && !src->accepting_network.ipv4_cidrs))
        return ENS_EINVAL;

    ens__layout_obj(&l, sizeof(scratch), _Alignof(ens_peer_connection));
    copy_connection(&l, &scratch, src);
    total = ens__layout_total(&l);
    block = total ? ens__malloc(total) : NULL;
    if (!block)
        return ENS_ENOMEM;

    ens__layout_start_fill(&l, block);
    conn = ens__layout_obj(&l, sizeof(*conn), _Alignof(ens_peer_connection));
    copy_connection(&l, conn, src);
    *out = conn;
    return ENS_OK;
}

ENS_EXTERN void ens_peer_connection_free(ens_peer_connection *conn) { ens__free(conn); }
