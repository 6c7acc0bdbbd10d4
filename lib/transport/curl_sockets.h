/* SPDX-License-Identifier: MIT */
/* Internal: the sockets libcurl opens for one connection cache (the blocking
 * transport's handle pool, or one asynchronous engine's multi handle), kept
 * so that a child process made by fork() can let go of them without touching
 * the parent's connections.
 *
 * After fork() the child holds copies of the parent's descriptors, and of
 * libcurl's state about them.  Reusing such a connection interleaves two
 * processes' requests and answers on one socket; closing it the way libcurl
 * does (TLS: reading what is pending, then sending close_notify) takes bytes
 * meant for the parent or ends its TLS session.  So the child first points
 * every inherited descriptor at a local socket pair (dup2(): the parent's
 * socket is no longer reachable from the child, and nothing reaches the
 * peer), then lets libcurl close its connections, then starts afresh.
 *
 * A fork is noticed through a counter bumped by a pthread_atfork() child
 * handler and, should that handler be missing, through getpid(). */
#ifndef ENS_LIB_CURL_SOCKETS_H
#define ENS_LIB_CURL_SOCKETS_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct ens__sockets {
    pthread_mutex_t mu;
    int *fds;             /* open sockets, in no order */
    size_t n, cap;
    unsigned long gen;    /* the fork generation they were opened in */
    pid_t pid;            /* the process they were opened in */
    int placeholder[2];   /* during ens__sockets_disown(): the local pair; else -1 */
} ens__sockets;

/* 0, or -1 when the mutex cannot be made.  Registers the fork handler once
 * per process. */
int ens__sockets_init(ens__sockets *s);
/* Frees the list (the sockets themselves are closed by libcurl first). */
void ens__sockets_destroy(ens__sockets *s);

/* Opens a socket for libcurl's CURLOPT_OPENSOCKETFUNCTION (close-on-exec)
 * and keeps it in s.  CURL_SOCKET_BAD on failure, *oom set when that was an
 * allocation failure. */
curl_socket_t ens__sockets_open(ens__sockets *s, const struct curl_sockaddr *addr, bool *oom);
/* CURLOPT_CLOSESOCKETFUNCTION, with s as its data: libcurl keeps the data
 * of the handle that opened a connection until it closes it, so it must be
 * s, which outlives every connection of the cache. */
int ens__sockets_close(void *s, curl_socket_t fd);

/* true in a process other than the one s's sockets were opened in (a child
 * made by fork()).  Cheap; thread-safe. */
bool ens__sockets_forked(const ens__sockets *s);

/* In a child: points every socket inherited from the parent at a local
 * socket pair, so that libcurl may then close its connections (through the
 * close callback above) without any effect on the parent's.  false when no
 * socket pair can be made: the caller must then never hand those
 * connections to libcurl again (it abandons them), and the sockets are
 * closed by ens__sockets_disown_end(). */
bool ens__sockets_disown_begin(ens__sockets *s);
/* Closes what libcurl did not (sockets of handles the child can never reach:
 * they were in use by threads that do not exist in it) and the pair, and
 * makes s belong to this process. */
void ens__sockets_disown_end(ens__sockets *s);

#endif
