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
    if (!s)
        return ENS_PEER_STATUS_UNKNOWN;
    if (strcmp(s, "Creating") == 0)
        return ENS_PEER_STATUS_CREATING;
    if (strcmp(s, "Activated") == 0)
        return ENS_PEER_STATUS_ACTIVATED;
    if (strcmp(s, "Deleting") == 0)
        return ENS_PEER_STATUS_DELETING;
    return ENS_PEER_STATUS_UNKNOWN;
}
