/* SPDX-License-Identifier: MIT */
/**
 * @file allocator.h
 * @brief Replacing the allocator libensclient uses for its own memory.
 *
 * Every allocation the library itself makes goes through these hooks (the
 * system allocator by default), and every one is checked: a failed
 * allocation ends the call with ::ENS_ENOMEM and leaks nothing.
 *
 * Not covered: memory that libcurl, jansson and libsodium allocate
 * internally (the library does not change those libraries' global
 * allocators, which belong to the host application), and the guarded pages
 * that hold secrets (libsodium's sodium_malloc()).
 */
#ifndef ENSCLIENT_ALLOCATOR_H
#define ENSCLIENT_ALLOCATOR_H

#include <stddef.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Current version of ::ens_allocator. */
#define ENS_ALLOCATOR_VERSION 1

/**
 * @brief Allocation hooks.  Each must behave like its C library namesake
 * (realloc(NULL, n) allocates; free(NULL) does nothing) and be thread-safe.
 * The library never asks for 0 bytes.
 */
typedef struct ens_allocator {
    unsigned int version;                               /**< ENS_ALLOCATOR_VERSION. */
    void *(*malloc_fn)(void *payload, size_t size);      /**< Like malloc. */
    void *(*realloc_fn)(void *payload, void *ptr, size_t size); /**< Like realloc. */
    void (*free_fn)(void *payload, void *ptr);          /**< Like free. */
    void *payload;                                      /**< Passed to every hook. */
} ens_allocator;

/**
 * @brief Installs @p allocator for all later allocations (NULL restores the
 * system allocator).  The structure is copied.
 *
 * Call it before creating any library object, while no other thread uses the
 * library: memory must be freed by the allocator that made it.  Not
 * thread-safe.
 * @return ::ENS_OK, or ::ENS_EINVAL (unknown version or a NULL hook).
 */
ENS_EXTERN ens_status ens_set_allocator(const ens_allocator *allocator);

#ifdef __cplusplus
}
#endif

#endif /* ENSCLIENT_ALLOCATOR_H */
