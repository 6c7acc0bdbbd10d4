/* SPDX-License-Identifier: MIT */
/*
 * What a DescribeNetworkPeerConnections page holds: one table per kind of
 * object, one row per member read (schema.h).  The order of the rows is the
 * order in which the page parser reports type errors and fills the
 * top-level members.
 */
#include "model/schema.h"

#include "model/model.h"
#include "util/utctime.h"

static const ens__field network_fields[] = {
    ENS__TEXT_ROW("NetworkId", ens_network_info, network_id),
    ENS__STRINGS_ROW("Ipv4Cidrs", ens_network_info, ipv4_cidrs, ipv4_cidrs_count),
};
static const ens__shape network_shape =
    ENS__SHAPE(ens_network_info, network_fields, offsetof(ens_network_info, present), NULL, NULL);

/* The members derived from the text ones. */
static void connection_finish(void *obj)
{
    ens_peer_connection *c = obj;
    c->status = ens__peer_status_from_text(c->status_text);
    if (ens__utc_time_parse(c->creation_time, &c->creation_time_epoch) != 0)
        c->creation_time_epoch = (time_t)-1;
}

static const ens__field connection_fields[] = {
    ENS__TEXT_ROW("InstanceId", ens_peer_connection, instance_id),
    ENS__TEXT_ROW("CreationTime", ens_peer_connection, creation_time),
    ENS__TEXT_ROW("Name", ens_peer_connection, name),
    ENS__TEXT_ROW("Description", ens_peer_connection, description),
    ENS__TEXT_ROW("EnsRegionId", ens_peer_connection, ens_region_id),
    ENS__TEXT_ROW("Status", ens_peer_connection, status_text),
    ENS__TEXT_ROW("NetworkId", ens_peer_connection, network_id),
    ENS__TEXT_ROW("AcceptingNetworkId", ens_peer_connection, accepting_network_id),
    ENS__OBJECT_ROW("Network", ens_peer_connection, network, ens_network_info, &network_shape),
    ENS__OBJECT_ROW("AcceptingNetwork", ens_peer_connection, accepting_network, ens_network_info, &network_shape),
};
const ens__shape ens__connection_shape =
    ENS__SHAPE(ens_peer_connection, connection_fields, ENS__NO_FLAG, connection_finish, NULL);

static const ens__field page_fields[] = {
    ENS__TEXT_ROW("RequestId", ens_describe_response, request_id),
    ENS__COUNT_ROW("PageNumber", ens_describe_response, page_number),
    ENS__COUNT_ROW("PageSize", ens_describe_response, page_size),
    ENS__COUNT_ROW("TotalCount", ens_describe_response, total_count),
    ENS__LIST_ROW("NetworkPeerConnects", ens_describe_response, connections, ens_peer_connection,
                  connections_count, &ens__connection_shape, ENS_MAX_PAGE_CONNECTIONS),
};
static const ens_describe_response page_empty = {.page_number = -1, .page_size = -1, .total_count = -1};
const ens__shape ens__page_shape = ENS__SHAPE(ens_describe_response, page_fields, ENS__NO_FLAG, NULL, &page_empty);
