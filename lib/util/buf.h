/* SPDX-License-Identifier: MIT */
/* Internal growable byte buffer, always NUL-terminated when non-empty. */
#ifndef ENS_LIB_BUF_H
#define ENS_LIB_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ens__buf {
    char *ptr;   /* NULL until the first append */
    size_t len;  /* bytes used, excluding the NUL */
    size_t cap;  /* bytes allocated */
    bool oom;    /* an append failed; the buffer keeps what it had */
    bool lent;   /* ptr is the caller's storage (ens__buf_init_on), not ours to free */
} ens__buf;

#define ENS__BUF_INIT {NULL, 0, 0, false, false}

/* Starts b on the caller's storage of cap bytes (cap > 0; a stack array, so
 * that a short-lived buffer costs no allocation): growing past it moves the
 * text to the heap and wipes storage.  ens__buf_free() and
 * ens__buf_wipe_free() leave the storage (wiped by the latter) to the caller. */
void ens__buf_init_on(ens__buf *b, char *storage, size_t cap);

/* Each returns 0 on success, -1 on allocation failure (and sets oom). */
int ens__buf_grow(ens__buf *b, size_t extra);
int ens__buf_put(ens__buf *b, const void *data, size_t len);
/* As ens__buf_grow(), for a buffer holding a secret: a larger block is
 * allocated, the text copied and the old block wiped before it is freed
 * (realloc could leave a copy behind).  The text may move: keep offsets,
 * not pointers, across the call. */
int ens__buf_grow_wiped(ens__buf *b, size_t extra);
int ens__buf_puts(ens__buf *b, const char *s);
int ens__buf_putc(ens__buf *b, char c);
int ens__buf_printf(ens__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view ("" when empty); valid until the next append. */
const char *ens__buf_cstr(const ens__buf *b);
/* Hands the storage to the caller (never NULL unless oom) and resets b. */
char *ens__buf_detach(ens__buf *b);
void ens__buf_clear(ens__buf *b);     /* len = 0, keeps storage */
void ens__buf_free(ens__buf *b);
void ens__buf_wipe_free(ens__buf *b); /* sodium_memzero, then free */

#endif
