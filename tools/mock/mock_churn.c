/* SPDX-License-Identifier: MIT */
/* ensmock: the changing data set (see "A changing data set" in ens_mock.h).
 *
 * Locking: ch->lock guards the churn's settings, counters, journal and
 * thread; ch->data_lock guards srv->data (list requests read it between
 * mock_churn_begin() and mock_churn_end(), steps and drifts write it).  A
 * step takes ch->lock, then data_lock for writing. */
#include "mock_internal.h"

struct mock_churn {
    ensmock_server *srv;
    pthread_rwlock_t data_lock;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC: wakes the pace thread to stop */
    ensmock_churn cfg;
    uint64_t rng;
    unsigned long list_seq;  /* list requests served */
    unsigned long pace_seq;  /* list requests since the churn was set */
    unsigned long drift_seq; /* list requests for a page > 1 */
    unsigned long paced;     /* steps made by the pace */
    unsigned long next_id;
    bool drift_to_front;
    json_t *touched;         /* InstanceId -> list_seq of its last change */
    ensmock_change *journal;
    size_t njournal, cap;
    pthread_t thread;
    bool thread_on, thread_stop;
};

/* ---- helpers ---- */

static uint64_t next_rand(struct mock_churn *ch)
{
    /* xorshift64* */
    ch->rng ^= ch->rng >> 12;
    ch->rng ^= ch->rng << 25;
    ch->rng ^= ch->rng >> 27;
    return ch->rng * 2685821657736338717ULL;
}

static size_t pick(struct mock_churn *ch, size_t n) { return n ? (size_t)(next_rand(ch) % n) : 0; }

static const char *entry_id(const json_t *e) { return json_string_value(json_object_get(e, "InstanceId")); }

static bool settled(const struct mock_churn *ch, const json_t *e)
{
    const char *id = entry_id(e);
    json_t *t = id ? json_object_get(ch->touched, id) : NULL;
    return !t || ch->list_seq - (unsigned long)json_integer_value(t) >= ch->cfg.settle_requests;
}

static int record(struct mock_churn *ch, ensmock_change_kind kind, const char *id, const char *status)
{
    ensmock_change *x;
    if (ch->njournal == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 64;
        ensmock_change *v = realloc(ch->journal, cap * sizeof *v);
        if (!v)
            return ENSMOCK_ERR_NOMEM;
        ch->journal = v;
        ch->cap = cap;
    }
    x = &ch->journal[ch->njournal++];
    memset(x, 0, sizeof *x);
    x->seq = ch->njournal;
    x->kind = kind;
    snprintf(x->instance_id, sizeof x->instance_id, "%s", id ? id : "");
    snprintf(x->status, sizeof x->status, "%s", status ? status : "");
    x->request = ch->list_seq;
    if (id && kind != ENSMOCK_CHANGE_MOVED)
        json_object_set_new(ch->touched, id, json_integer((json_int_t)ch->list_seq));
    return ENSMOCK_OK;
}

static json_t *new_entry(struct mock_churn *ch)
{
    json_t *data = ch->srv->data, *model = json_array_size(data) ? json_array_get(data, pick(ch, json_array_size(data))) : NULL;
    const char *region = model ? json_string_value(json_object_get(model, "EnsRegionId")) : NULL;
    char id[64], name[64], net[48], acc[48], when[32];
    time_t now = time(NULL);
    struct tm tm;
    unsigned long n = ++ch->next_id;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(id, sizeof id, "pcc-churn%04lx%08lu", (unsigned long)(ch->cfg.seed & 0xffff), n);
    snprintf(name, sizeof name, "churn-%lu", n);
    snprintf(net, sizeof net, "n-churnreq%06lu", n);
    snprintf(acc, sizeof acc, "n-churnacc%06lu", n);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:{s:s, s:[s]}}",
                     "InstanceId", id, "CreationTime", when, "Name", name, "Description",
                     "added by the mock's churn", "EnsRegionId", region ? region : "cn-mock-churn",
                     "Status", "Creating", "NetworkId", net, "AcceptingNetworkId", acc, "Network",
                     "NetworkId", net, "Ipv4Cidrs", "10.240.0.0/16", "AcceptingNetwork", "NetworkId", acc,
                     "Ipv4Cidrs", "10.241.0.0/16");
}

/* ---- steps (ch->lock held, data_lock taken here) ---- */

enum { K_ADD, K_REMOVE, K_STATUS };

static int add_at(struct mock_churn *ch, size_t at)
{
    json_t *e = new_entry(ch);
    if (!e || json_array_insert_new(ch->srv->data, at, e) != 0)
        return ENSMOCK_ERR_NOMEM;
    return record(ch, ENSMOCK_CHANGE_ADDED, entry_id(e), "Creating");
}

static int remove_at(struct mock_churn *ch, size_t at)
{
    json_t *e = json_array_get(ch->srv->data, at);
    char id[64];
    snprintf(id, sizeof id, "%s", entry_id(e) ? entry_id(e) : "");
    json_array_remove(ch->srv->data, at);
    return record(ch, ENSMOCK_CHANGE_REMOVED, id, "");
}

/* Index of a random eligible entry for kind, or -1. */
static long eligible(struct mock_churn *ch, int kind)
{
    json_t *data = ch->srv->data;
    size_t n = json_array_size(data), count = 0, i, want;
    for (i = 0; i < n; i++) {
        const json_t *e = json_array_get(data, i);
        const char *s = json_string_value(json_object_get(e, "Status"));
        if (!entry_id(e) || !settled(ch, e) || (kind == K_STATUS && s && strcmp(s, "Deleting") == 0))
            continue;
        count++;
    }
    if (!count)
        return -1;
    want = pick(ch, count);
    for (i = 0; i < n; i++) {
        const json_t *e = json_array_get(data, i);
        const char *s = json_string_value(json_object_get(e, "Status"));
        if (!entry_id(e) || !settled(ch, e) || (kind == K_STATUS && s && strcmp(s, "Deleting") == 0))
            continue;
        if (want-- == 0)
            return (long)i;
    }
    return -1;
}

static int try_kind(struct mock_churn *ch, int kind)
{
    size_t n = json_array_size(ch->srv->data);
    long i;
    if (kind == K_ADD) {
        if (ch->cfg.max_connections && n >= ch->cfg.max_connections)
            return ENSMOCK_ERR_INVALID;
        return add_at(ch, pick(ch, n + 1));
    }
    if (kind == K_REMOVE && n <= ch->cfg.min_connections)
        return ENSMOCK_ERR_INVALID;
    if ((i = eligible(ch, kind)) < 0)
        return ENSMOCK_ERR_INVALID;
    if (kind == K_REMOVE)
        return remove_at(ch, (size_t)i);
    {
        json_t *e = json_array_get(ch->srv->data, (size_t)i);
        const char *s = json_string_value(json_object_get(e, "Status"));
        const char *to = s && strcmp(s, "Activated") == 0 ? "Deleting" : "Activated";
        if (json_object_set_new(e, "Status", json_string(to)) != 0)
            return ENSMOCK_ERR_NOMEM;
        return record(ch, ENSMOCK_CHANGE_STATUS, entry_id(e), to);
    }
}

static int step_locked(struct mock_churn *ch)
{
    unsigned w[3] = {ch->cfg.add_weight, ch->cfg.remove_weight, ch->cfg.status_weight};
    unsigned total, r, k;
    int rc = ENSMOCK_ERR_INVALID, first;
    if (!w[0] && !w[1] && !w[2]) {
        w[0] = w[1] = 1;
        w[2] = 2;
    }
    total = w[0] + w[1] + w[2];
    r = (unsigned)(next_rand(ch) % total);
    first = r < w[0] ? K_ADD : r < w[0] + w[1] ? K_REMOVE : K_STATUS;
    pthread_rwlock_wrlock(&ch->data_lock);
    /* The kind drawn, else the others (with weight) in turn. */
    for (k = 0; k < 3 && rc == ENSMOCK_ERR_INVALID; k++) {
        int kind = (first + (int)k) % 3;
        if (w[kind])
            rc = try_kind(ch, kind);
    }
    pthread_rwlock_unlock(&ch->data_lock);
    return rc;
}

static void drift_locked(struct mock_churn *ch)
{
    json_t *data = ch->srv->data;
    size_t n = json_array_size(data);
    if (n < 2)
        return;
    pthread_rwlock_wrlock(&ch->data_lock);
    if (ch->cfg.drift_replace) {
        if (settled(ch, json_array_get(data, 0)) && remove_at(ch, 0) == ENSMOCK_OK)
            add_at(ch, n - 1);
    } else {
        size_t from = ch->drift_to_front ? n - 1 : 0, to = ch->drift_to_front ? 0 : n - 1;
        json_t *e = json_incref(json_array_get(data, from));
        json_array_remove(data, from);
        json_array_insert_new(data, to, e);
        record(ch, ENSMOCK_CHANGE_MOVED, entry_id(e), json_string_value(json_object_get(e, "Status")));
        ch->drift_to_front = !ch->drift_to_front;
    }
    pthread_rwlock_unlock(&ch->data_lock);
}

static bool may_pace(const struct mock_churn *ch)
{
    return !ch->cfg.max_steps || ch->paced < ch->cfg.max_steps;
}

/* ---- the pace thread ---- */

static void *pace_thread(void *arg)
{
    struct mock_churn *ch = arg;
    pthread_mutex_lock(&ch->lock);
    while (!ch->thread_stop) {
        struct timespec dl;
        long ms = ch->cfg.interval_ms;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += ms / 1000;
        dl.tv_nsec += (ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        while (!ch->thread_stop && pthread_cond_timedwait(&ch->cond, &ch->lock, &dl) != ETIMEDOUT) {
        }
        if (ch->thread_stop)
            break;
        if (may_pace(ch) && step_locked(ch) == ENSMOCK_OK)
            ch->paced++;
    }
    pthread_mutex_unlock(&ch->lock);
    return NULL;
}

/* ch->lock held; returns with it held. */
static void stop_thread(struct mock_churn *ch)
{
    if (!ch->thread_on)
        return;
    ch->thread_stop = true;
    pthread_cond_broadcast(&ch->cond);
    pthread_mutex_unlock(&ch->lock);
    pthread_join(ch->thread, NULL);
    pthread_mutex_lock(&ch->lock);
    ch->thread_on = false;
    ch->thread_stop = false;
}

/* ---- hooks of the server ---- */

struct mock_churn *mock_churn_new(ensmock_server *srv)
{
    struct mock_churn *ch = calloc(1, sizeof *ch);
    pthread_condattr_t ca;
    if (!ch)
        return NULL;
    if (!(ch->touched = json_object())) {
        free(ch);
        return NULL;
    }
    ch->srv = srv;
    ch->rng = 1;
    pthread_rwlock_init(&ch->data_lock, NULL);
    pthread_mutex_init(&ch->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ch->cond, &ca);
    pthread_condattr_destroy(&ca);
    return ch;
}

void mock_churn_free(struct mock_churn *ch)
{
    if (!ch)
        return;
    pthread_mutex_lock(&ch->lock);
    stop_thread(ch);
    pthread_mutex_unlock(&ch->lock);
    json_decref(ch->touched);
    free(ch->journal);
    pthread_cond_destroy(&ch->cond);
    pthread_mutex_destroy(&ch->lock);
    pthread_rwlock_destroy(&ch->data_lock);
    free(ch);
}

void mock_churn_begin(reqctx *c)
{
    struct mock_churn *ch = c->srv->churn;
    const char *page = mock_param(c, "PageNumber"), *id = mock_param(c, "InstanceId");
    pthread_mutex_lock(&ch->lock);
    ch->list_seq++;
    ch->pace_seq++;
    if (ch->cfg.every_requests && ch->pace_seq % ch->cfg.every_requests == 0 && may_pace(ch) &&
        step_locked(ch) == ENSMOCK_OK)
        ch->paced++;
    if (ch->cfg.drift_every && page && strcmp(page, "1") != 0 && *page && (!id || !*id) &&
        ++ch->drift_seq % ch->cfg.drift_every == 0)
        drift_locked(ch);
    pthread_mutex_unlock(&ch->lock);
    pthread_rwlock_rdlock(&ch->data_lock);
}

void mock_churn_end(ensmock_server *srv) { pthread_rwlock_unlock(&srv->churn->data_lock); }

size_t mock_churn_data_count(ensmock_server *srv)
{
    size_t n;
    pthread_rwlock_rdlock(&srv->churn->data_lock);
    n = json_array_size(srv->data);
    pthread_rwlock_unlock(&srv->churn->data_lock);
    return n;
}

/* ---- public ---- */

int ensmock_set_churn(ensmock_server *srv, const ensmock_churn *churn)
{
    struct mock_churn *ch;
    int rc = ENSMOCK_OK;
    if (!srv || (churn && churn->interval_ms < 0))
        return ENSMOCK_ERR_INVALID;
    ch = srv->churn;
    pthread_mutex_lock(&ch->lock);
    stop_thread(ch);
    if (churn) {
        ch->cfg = *churn;
        ch->rng = churn->seed ? churn->seed : 1;
    } else {
        memset(&ch->cfg, 0, sizeof ch->cfg);
    }
    ch->paced = 0;
    ch->pace_seq = 0;
    ch->drift_seq = 0;
    if (churn && churn->interval_ms > 0) {
        if (pthread_create(&ch->thread, NULL, pace_thread, ch) == 0)
            ch->thread_on = true;
        else
            rc = ENSMOCK_ERR_NOMEM;
    }
    pthread_mutex_unlock(&ch->lock);
    return rc;
}

int ensmock_churn_step(ensmock_server *srv)
{
    int rc;
    if (!srv)
        return ENSMOCK_ERR_INVALID;
    pthread_mutex_lock(&srv->churn->lock);
    rc = step_locked(srv->churn);
    pthread_mutex_unlock(&srv->churn->lock);
    return rc;
}

size_t ensmock_churn_journal(const ensmock_server *srv, ensmock_change *out, size_t cap)
{
    struct mock_churn *ch;
    size_t n;
    if (!srv)
        return 0;
    ch = srv->churn;
    pthread_mutex_lock(&ch->lock);
    n = ch->njournal;
    if (out && cap)
        memcpy(out, ch->journal, (cap < n ? cap : n) * sizeof *out);
    pthread_mutex_unlock(&ch->lock);
    return n;
}
