/* SPDX-License-Identifier: MIT */
/* The built-in data set (tools/data/default.json), embedded at build time. */
#ifndef ENSMOCK_DATA_H
#define ENSMOCK_DATA_H

#include <stddef.h>

extern const unsigned char ensmock_default_json[];
extern const size_t ensmock_default_json_len;

#endif
