/* SPDX-License-Identifier: MIT */
/* Peer connection statuses: the enum and the wire text. */
#include <string.h>

#include "model/model.h"

ENS_EXTERN const char *ens_peer_status_name(ens_peer_status status)
{
    switch (status) {
    case ENS_PEER_STATUS_CREATING: return "Creating";
    case ENS_PEER_STATUS_ACTIVATED: return "Activated";
    case ENS_PEER_STATUS_DELETING: return "Deleting";
    case ENS_PEER_STATUS_UNKNOWN: break;
    }
    return "Unknown";
}

ens_peer_status ens__peer_status_from_text(const char *s)
{
    /* One compare per connection of a page: the first letter picks it. */
    switch (s ? s[0] : '\0') {
    case 'C': return strcmp(s, "Creating") == 0 ? ENS_PEER_STATUS_CREATING : ENS_PEER_STATUS_UNKNOWN;
    case 'A': return strcmp(s, "Activated") == 0 ? ENS_PEER_STATUS_ACTIVATED : ENS_PEER_STATUS_UNKNOWN;
    case 'D': return strcmp(s, "Deleting") == 0 ? ENS_PEER_STATUS_DELETING : ENS_PEER_STATUS_UNKNOWN;
    default: return ENS_PEER_STATUS_UNKNOWN;
    }
}
