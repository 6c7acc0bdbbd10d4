/* SPDX-License-Identifier: MIT */
/*
 * Internal: the typed model described as tables (model/schema.c), one per
 * kind of JSON object.  One row per member gives its JSON name, its kind
 * (which JSON type it must have, and what it becomes) and where its value
 * lands in ens_describe_response / ens_peer_connection / ens_network_info.
 * The page parser (json/page.c) validates and fills with the rows, and
 * ens_peer_connection_copy() (model/response.c) copies with them: a new
 * member is one row plus its struct member.
 */
#ifndef ENS_LIB_MODEL_SCHEMA_H
#define ENS_LIB_MODEL_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "ensclient/types.h"

typedef enum ens__field_kind {
    ENS__F_TEXT,    /* string -> const char *; NULL when missing or null */
    ENS__F_COUNT,   /* integer >= 0, or a string of ASCII digits -> int64_t; -1 when missing or null */
    ENS__F_OBJECT,  /* object -> an embedded struct (`of`); its flag, if any, says it was there */
    ENS__F_STRINGS, /* array of strings -> const char *const * and a size_t count */
    ENS__F_LIST     /* array of objects (`of`) -> a pointer to an array of structs and a size_t
                       count.  Only in the top-level object: the second pass takes the number
                       of elements from the first, which keeps it for top-level members only. */
} ens__field_kind;

typedef struct ens__shape ens__shape;

typedef struct ens__field {
    const char *name;       /* the JSON member, plain ASCII */
    size_t len;             /* strlen(name) */
    const char *key;        /* the name as compact JSON writes the key: "\"name\":" (len + 3 bytes) */
    ens__field_kind kind;
    size_t at;              /* offset of the struct member it fills */
    size_t count_at;        /* ENS__F_STRINGS, ENS__F_LIST: offset of the size_t count */
    const ens__shape *of;   /* ENS__F_OBJECT, ENS__F_LIST: what the object(s) hold */
    size_t max;             /* ENS__F_LIST: most entries a page may hold (more: ENS_ETOOLARGE) */
} ens__field;

/* One kind of JSON object and the struct it fills. */
struct ens__shape {
    const ens__field *fields;  /* in the order their type errors are reported */
    size_t count;
    size_t size, align;        /* of the struct */
    size_t present;            /* offset of a bool set when the object is there, or ENS__NO_FLAG */
    void (*finish)(void *obj); /* sets derived members once an object is filled, or NULL */
    const void *empty;         /* the struct with every member empty (NULL, false, 0, -1 for a
                                  COUNT), when some is not all-zero bytes; NULL: all zero */
};

#define ENS__NO_FLAG SIZE_MAX
#define ENS__MAX_FIELDS 16 /* rows per shape */
#define ENS__KEY_CAP 32    /* longest name */

/* Rows.  Each checks at compile time that the member has the C type its kind
 * fills (_Generic finds no match otherwise), and that the name fits
 * ENS__KEY_CAP. */
#define ENS__NAME(json) \
    json, sizeof(json) - 1 + 0 * sizeof(char[sizeof(json) <= ENS__KEY_CAP ? 1 : -1]), "\"" json "\":"
#define ENS__MEMBER(type, member, want) _Generic(((type *)0)->member, want: offsetof(type, member))
#define ENS__TEXT_ROW(json, type, member) \
    {ENS__NAME(json), ENS__F_TEXT, ENS__MEMBER(type, member, const char *), 0, NULL, 0}
#define ENS__COUNT_ROW(json, type, member) \
    {ENS__NAME(json), ENS__F_COUNT, ENS__MEMBER(type, member, int64_t), 0, NULL, 0}
#define ENS__OBJECT_ROW(json, type, member, of_type, of) \
    {ENS__NAME(json), ENS__F_OBJECT, ENS__MEMBER(type, member, of_type), 0, of, 0}
#define ENS__STRINGS_ROW(json, type, member, count)                                  \
    {ENS__NAME(json), ENS__F_STRINGS, ENS__MEMBER(type, member, const char *const *), \
     ENS__MEMBER(type, count, size_t), NULL, 0}
#define ENS__LIST_ROW(json, type, member, of_type, count, of, max)                                              \
    {ENS__NAME(json), ENS__F_LIST, ENS__MEMBER(type, member, const of_type *), ENS__MEMBER(type, count, size_t), \
     of, max}
/* A shape of the rows in the array `rows` filling a `type`. */
#define ENS__SHAPE(type, rows, present, finish, empty)                                               \
    {rows, sizeof(rows) / sizeof(rows[0]) +                                                         \
               0 * sizeof(char[sizeof(rows) / sizeof(rows[0]) <= ENS__MAX_FIELDS ? 1 : -1]), \
     sizeof(type), _Alignof(type), present, finish, empty}

/* A DescribeNetworkPeerConnections page: fills an ens_describe_response. */
extern const ens__shape ens__page_shape;

/* One of its NetworkPeerConnects entries: fills an ens_peer_connection. */
extern const ens__shape ens__connection_shape;

#endif
