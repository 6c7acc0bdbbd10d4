/* One client shared by many threads against the local mock server: every
 * result checked, connections pooled (far fewer TCP connections than calls). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ens_mock.h"
#include "ensclient/ensclient.h"

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

static atomic_int log_lines;
static void count_log(void *payload, ens_log_level level, const char *message)
{
    (void)payload;
    (void)level;
    (void)message;
    atomic_fetch_add(&log_lines, 1);
}

static void test_many_threads_one_client(void **state)
{
    ensmock_options mo;
    ensmock_server *srv = NULL;
    ensmock_stats st;
    ens_client_options o = ENS_CLIENT_OPTIONS_INIT;
    ens_client *client = NULL;
    ens_error err = ENS_ERROR_INIT;
    pthread_t th[THREADS];
    worker w[THREADS];
    int i, calls = calls_per_thread(), total_ok = 0;
    (void)state;

    ensmock_options_init(&mo);
    assert_int_equal(ensmock_start(&mo, &srv), ENSMOCK_OK);
    assert_int_equal(ens_credentials_provider_static_new(&o.credentials, ENSMOCK_DEMO_KEY_ID,
                                                         ENSMOCK_DEMO_KEY_SECRET, NULL), ENS_OK);
    o.endpoint = ensmock_url(srv);
    o.timeout_ms = 20000;
    o.log_fn = count_log;
    o.log_level = ENS_LOG_INFO;
    assert_int_equal(ens_client_new(&client, &o, &err), ENS_OK);

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
    assert_int_equal(atomic_load(&log_lines), THREADS * calls);
    ens_client_free(client);
    ensmock_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_threads_one_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
