/* SPDX-License-Identifier: MIT */
/**
 * @file ensclient.h
 * @brief Umbrella header of libensclient: include this one.
 */
#ifndef ENSCLIENT_ENSCLIENT_H
#define ENSCLIENT_ENSCLIENT_H

#include "common.h"
#include "allocator.h"
#include "cancel.h"
#include <ensclient/version.h>
#include "types.h"
#include "credentials.h"
#include "transport.h"
#include "signer.h"
#include "client.h"
#include "iterator.h"
#include "replay.h"
#include "async.h"
#include "rpc.h"
#include "metrics.h"
#include "watch.h"
#include "wait.h"

#endif /* ENSCLIENT_ENSCLIENT_H */
