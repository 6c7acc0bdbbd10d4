/* SPDX-License-Identifier: MIT */
/* One client shared by many threads against the local mock server: every
 * result checked, connections pooled (far fewer TCP connections than calls). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/mock.h"

#define THREADS 8

static int calls_per_thread(void)
{
    const char *s = getenv("ENS_TEST_THREAD_CALLS");
    return s && atoi(s) > 0 ? atoi(s) : 500;
}

typedef struct worker {
    ens_client *client;
    int index;
    int calls;
    int ok;
    char first_error[256];
} worker;

static const char *regions[] = {"cn-xian-unicom", "cn-dongguan-9", "cn-hangzhou-telecom",
                                "cn-beijing-cmcc", "cn-chengdu-telecom", "cn-wuhan-unicom"};

static void *run(void *arg)
{
    worker *w = arg;
    int i;
    for (i = 0; i < w->calls; i++) {
        ens_describe_request req = ENS_DESCRIBE_REQUEST_INIT;
        ens_describe_response *resp = NULL;
        ens_error err = ENS_ERROR_INIT;
        size_t k;
        bool good = true;
        req.ens_region_id = regions[(w->index + i) % 6];
        req.page_size = 100;
        if (ens_describe_peer_connections(w->client, &req, &resp, &err) != ENS_OK) {
            if (!w->first_error[0])
                snprintf(w->first_error, sizeof(w->first_error), "%.200s", err.description);
            continue;
        }
        /* every item belongs to the region this thread asked for */
        for (k = 0; k < resp->connections_count; k++)
            if (strcmp(resp->connections[k].ens_region_id, req.ens_region_id) != 0)
                good = false;
        if (resp->connections_count == 0 || resp->total_count != (int64_t)resp->connections_count)
            good = false;
        if (good)
            w->ok++;
        else if (!w->first_error[0])
            snprintf(w->first_error, sizeof(w->first_error), "wrong items for %s", req.ens_region_id);
        ens_describe_response_free(resp);
    }
    return NULL;
}

static void test_many_threads_one_client(void **state)
{
    ensmock_server *srv = ts_mock_start(NULL);
    ensmock_stats st;
    ts_log logs = TS_LOG_INIT;
    ens_client *client = ts_mock_client(srv, &(ts_client_options){.timeout_ms = 20000, .log = &logs,
                                                                 .log_level = ENS_LOG_INFO});
    pthread_t th[THREADS];
    worker w[THREADS];
    int i, calls = calls_per_thread(), total_ok = 0;
    (void)state;

    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].client = client;
        w[i].index = i;
        w[i].calls = calls;
        assert_int_equal(pthread_create(&th[i], NULL, run, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].ok != calls)
            fail_msg("thread %d: %d/%d good calls; first problem: %s", i, w[i].ok, calls, w[i].first_error);
        total_ok += w[i].ok;
    }
    ensmock_stats_get(srv, &st);
    assert_int_equal(total_ok, THREADS * calls);
    assert_int_equal(st.ok, (unsigned long)(THREADS * calls));
    assert_int_equal(st.nonce_reused, 0);
    /* connections are pooled: at most one per concurrent thread, not one per call */
    assert_true(st.connections <= THREADS + 2);
    assert_int_equal(logs.lines, THREADS * calls);
    ens_client_free(client);
    ensmock_stop(srv);
    ts_log_clear(&logs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_threads_one_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
