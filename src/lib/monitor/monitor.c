/* strata monitor: the event loop. Events come from the capture layer (or a
 * replayed file), are attributed to their container, annotated for drift,
 * evaluated by the rules; matches are folded, rate-limited and written.
 * Resource statistics are sampled on a timer between capture batches.
 *
 * Time: every decision that depends on time (deduplication, rate limits,
 * the summary of what was suppressed) reads one clock, the largest event
 * time seen (and, live, the wall clock too), so a replay decides exactly as
 * the live run did. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strata/monitor.h"

#include "monitor/capture.h"
#include "monitor/container.h"
#include "monitor/event.h"
#include "monitor/output.h"
#include "monitor/rules.h"
#include "util/util.h"
#include "util/banned.h"

#define MODULE "monitor"

#define NS_PER_MS 1000000ull
#define MINUTE_NS (60ull * 1000 * NS_PER_MS)
#define REPLAY_LINE_MAX (1u << 20)
#define POLL_MAX_MS 100
#define METRICS_MS 1000
#define DRIFT_PRUNE_MS 30000
#define DRIFT_MAX_PATHS 65536 /* per container */
#define DEDUP_MAX_SLOTS (1u << 22)

/* The baselines of the resource anomaly alert: a moving mean over about
 * ten samples; an anomaly is three deviations above it, twice the mean
 * and above an absolute floor (half a CPU; 20 processes) for three
 * samples in a row, once ten samples have taught the container's normal.
 * Twice the mean: a steady container has no deviation, and one more
 * process is not what "far above" means. */
#define CPU_FLOOR 50.0
#define PIDS_FLOOR 20.0
#define CPU_BASELINE 0.1, 3.0, CPU_FLOOR, 10, 3
#define PIDS_BASELINE 0.1, 3.0, PIDS_FLOOR, 10, 3

/* ---- deduplication: 64-bit hashes of (rule, container, output) ------------ */

typedef struct dd_slot {
    uint64_t key; /* 0: empty */
    uint64_t ts;  /* when the last alert of this key was written */
} dd_slot;

typedef struct dedup {
    dd_slot *s;
    size_t cap, n;
} dedup;

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull; /* a separator between parts */
}

static dd_slot *dd_probe(dd_slot *s, size_t cap, uint64_t key)
{
    size_t i = (size_t)(key ^ key >> 29) & (cap - 1);
    while (s[i].key && s[i].key != key)
        i = (i + 1) & (cap - 1);
    return &s[i];
}

/* Rehashes into `cap` slots, keeping only keys seen within `win` of now. */
static int dd_rebuild(dedup *d, size_t cap, uint64_t now, uint64_t win)
{
    dd_slot *s = st_calloc(cap, sizeof(*s));
    size_t n = 0;
    if (!s)
        return ST_ENOMEM;
    for (size_t i = 0; i < d->cap; i++)
        if (d->s[i].key && now - d->s[i].ts < win) {
            *dd_probe(s, cap, d->s[i].key) = d->s[i];
            n++;
        }
    st_free(d->s);
    d->s = s;
    d->cap = cap;
    d->n = n;
    return 0;
}

/* The slot of key, created when absent (ts 0); NULL when out of memory. */
static dd_slot *dd_slot_of(dedup *d, uint64_t key, uint64_t now, uint64_t win)
{
    dd_slot *e;
    if (!d->s && dd_rebuild(d, 1024, now, win) < 0)
        return NULL;
    e = dd_probe(d->s, d->cap, key);
    if (e->key)
        return e;
    if ((d->n + 1) * 4 > d->cap * 3) {
        size_t cap = d->cap;
        /* stale keys go first; grow only when the live ones need it */
        if (dd_rebuild(d, cap, now, win) < 0)
            return NULL;
        if (d->n * 2 > cap && cap < DEDUP_MAX_SLOTS &&
            dd_rebuild(d, cap * 2, now, win) < 0)
            return NULL;
        if ((d->n + 1) * 4 > d->cap * 3) {
            /* a flood of distinct alerts: forget them rather than grow */
            memset(d->s, 0, d->cap * sizeof(*d->s));
            d->n = 0;
        }
        e = dd_probe(d->s, d->cap, key);
    }
    e->key = key;
    e->ts = 0;
    d->n++;
    return e;
}

/* ---- per (rule, container): rate limits and what was suppressed ----------- */

typedef struct ctref { /* the container fields of an alert */
    char id[65];
    char name[128];
    char image[256];
    char runtime[16];
    char pod[128];
    char k8s_ns[64];
} ctref;

typedef struct limiter {
    const char *rule; /* owned by the rules, or static */
    st_rule_priority priority;
    ctref ct;
    uint64_t window_start; /* 0: no window yet */
    unsigned in_window;
    uint64_t rate_limited, folded; /* since the last summary */
} limiter;

typedef struct rule_stat {
    uint64_t matched, alerts, suppressed;
} rule_stat;

/* ---- drift: paths a container wrote since we started watching -------------- */

typedef struct drift {
    st_map *paths;
    bool full;
} drift;

/* ---- stats ------------------------------------------------------------------ */

typedef struct ctstat {
    st_container ct;
    st_stats *s;
    st_baseline cpu, pids;
    unsigned samples;
    bool seen;
} ctstat;

/* ---- the run ---------------------------------------------------------------- */

typedef struct mon {
    const st_monitor_options *o;
    FILE *log;
    st_rules *rules;
    st_containers_options co;
    st_containers *cts;
    st_capture *cap;
    st_alerts *alerts;
    bool live;
    /* The capture marks drift itself (eBPF: by inode, in the kernel), so
     * the path bookkeeping below is for the fallback and replays only. */
    bool kernel_drift;
    const char *mode, *mode_detail;

    st_map *rule_index; /* st_rule_info pointer -> index + 1 */
    rule_stat *rstats;
    st_metrics_rule *mrules;
    size_t nrules;

    dedup dd;
    uint64_t dedup_ns;
    st_map *limits; /* "rule\x1fcontainer" -> limiter */
    st_vec limit_list;

    st_map *drifts; /* container id -> drift */

    st_vec ctstats;
    FILE *stats_f;
    st_buf line;

    FILE *record;
    st_buf recbuf;

    uint64_t clock_ns;        /* the largest time seen */
    uint64_t next_summary_ns; /* 0: not started */
    uint64_t last_summary_ns;

    st_monitor_counters c;
    bool reader_gone;
    volatile sig_atomic_t *stop;
    st_error **err;
    int rc; /* the first error raised inside a callback */
} mon;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool stopping(const mon *m)
{
    return m->rc < 0 || m->reader_gone || (m->stop && *m->stop);
}

static void fail(mon *m, int rc)
{
    if (m->rc == 0)
        m->rc = rc;
}

/* ---- rules ------------------------------------------------------------------ */

static int yaml_name(const struct dirent *d)
{
    return d->d_name[0] != '.' && (st_str_endswith(d->d_name, ".yaml") ||
                                   st_str_endswith(d->d_name, ".yml"));
}

/* A file, or a directory's *.yaml and *.yml in name order (as Falco reads
 * a rules directory). */
static int load_rule_path(st_rules *r, const char *path, st_error **err)
{
    struct dirent **ents = NULL;
    st_buf p = ST_BUF_INIT(PATH_MAX);
    struct stat st;
    int n, rc = 0;

    if (stat(path, &st) < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            MODULE, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return st_rules_load_file(r, path, err);
    if ((n = scandir(path, &ents, yaml_name, alphasort)) < 0)
        return st_error_set(err, ST_EIO, MODULE, "%s: %s", path,
                            strerror(errno));
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            st_buf_reset(&p);
            rc = st_buf_printf(&p, "%s/%s", path, ents[i]->d_name);
            if (rc < 0)
                rc = st_error_set(err, rc, MODULE, "%s: %s", path,
                                  st_strerror(rc));
            else
                rc = st_rules_load_file(r, p.ptr, err);
        }
        free(ents[i]); /* scandir's memory is malloc's */
    }
    free(ents);
    st_buf_release(&p);
    return rc;
}

static int load_rules(st_rules **out, const st_monitor_options *o,
                      st_error **err)
{
    st_rules *r = NULL;
    int rc;

    ST_CHECK(st_rules_new(&r, err));
    if (!o->no_default_rules)
        ST_CHECK(st_rules_load_builtin(r, err));
    for (size_t i = 0; i < o->rule_file_count; i++)
        ST_CHECK(load_rule_path(r, o->rule_files[i], err));
    ST_CHECK(st_rules_compile(r, err));
    *out = st_steal(&r);
done:
    st_rules_free(r);
    return rc;
}

static int check_options(const st_monitor_options *o, st_error **err)
{
    if (!o || o->version != ST_MONITOR_OPTIONS_VERSION)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "options: unknown version (use "
                            "ST_MONITOR_OPTIONS_INIT)");
    return 0;
}

int st_monitor_check_rules(const st_monitor_options *o, FILE *f,
                           st_error **err)
{
    st_rules *r = NULL;
    const st_rule_skip *sk = NULL;
    size_t n, ns;
    int rc;

    ST_CHECK(check_options(o, err));
    ST_CHECK(load_rules(&r, o, err));
    n = st_rules_count(r);
    ns = st_rules_skipped(r, &sk);
    fprintf(f, "rules: %zu enabled, %zu skipped\n", n, ns);
    for (size_t i = 0; i < n; i++) {
        const st_rule_info *ri = st_rules_get(r, i);
        fprintf(f, "  %-13s %s (%s:%u)\n",
                st_rule_priority_name(ri->priority), ri->name,
                ri->source_file ? ri->source_file : "?", ri->line);
    }
    if (ns)
        fprintf(f, "skipped:\n");
    for (size_t i = 0; i < ns; i++)
        fprintf(f, "  %s: %s\n", sk[i].name, sk[i].why);
    if (fflush(f) != 0 || ferror(f))
        rc = st_error_set(err, ST_EIO, MODULE, "rule list: %s",
                          strerror(errno));
done:
    st_rules_free(r);
    return rc;
}

int st_monitor_list_fields(FILE *f, st_error **err)
{
    static const char *const types[] = {"string", "number", "bool", "ip"};
    size_t n = 0;
    const st_ev_field *fl = st_ev_fields(&n);

    for (size_t i = 0; i < n; i++)
        fprintf(f, "%-28s %-7s %s\n", fl[i].name,
                (unsigned)fl[i].type < 4 ? types[fl[i].type] : "?",
                fl[i].doc ? fl[i].doc : "");
    if (fflush(f) != 0 || ferror(f))
        return st_error_set(err, ST_EIO, MODULE, "field list: %s",
                            strerror(errno));
    return 0;
}

/* ---- alerts: dedup, rate limit, summaries ----------------------------------- */

static void ctref_of(ctref *c, const st_event *ev)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", ev->container_id);
    snprintf(c->name, sizeof(c->name), "%s", ev->container_name);
    snprintf(c->image, sizeof(c->image), "%s", ev->image);
    snprintf(c->runtime, sizeof(c->runtime), "%s", ev->runtime);
    snprintf(c->pod, sizeof(c->pod), "%s", ev->pod);
    snprintf(c->k8s_ns, sizeof(c->k8s_ns), "%s", ev->k8s_ns);
}

/* An event holding only a container's fields, for alerts about it. */
static void event_of(st_event *ev, const ctref *c)
{
    memset(ev, 0, sizeof(*ev));
    snprintf(ev->container_id, sizeof(ev->container_id), "%s", c->id);
    snprintf(ev->container_name, sizeof(ev->container_name), "%s", c->name);
    snprintf(ev->image, sizeof(ev->image), "%s", c->image);
    snprintf(ev->runtime, sizeof(ev->runtime), "%s", c->runtime);
    snprintf(ev->pod, sizeof(ev->pod), "%s", c->pod);
    snprintf(ev->k8s_ns, sizeof(ev->k8s_ns), "%s", c->k8s_ns);
}

static limiter *limiter_of(mon *m, const char *rule, st_rule_priority prio,
                           const st_event *ev)
{
    st_buf key = ST_BUF_INIT(4096);
    void **slot;
    bool created;
    limiter *l = NULL;

    if (st_buf_printf(&key, "%s\x1f%s", rule, ev->container_id) < 0 ||
        st_map_slot(m->limits, key.ptr, key.len, &slot, &created) < 0)
        goto done;
    if (!created) {
        l = *slot;
        goto done;
    }
    if (!(l = st_calloc(1, sizeof(*l))) ||
        st_vec_push(&m->limit_list, l) < 0) {
        st_free(l);
        l = NULL;
        goto done; /* the slot stays NULL: tried again next time */
    }
    l->rule = rule;
    l->priority = prio;
    ctref_of(&l->ct, ev);
    *slot = l;
done:
    st_buf_release(&key);
    if (!l)
        fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
    return l;
}

static void write_alert(mon *m, const st_alert *al)
{
    int r = st_alerts_write(m->alerts, al, m->err);
    if (r < 0)
        fail(m, r);
    else if (r == 1)
        m->reader_gone = true;
}

/* Writes an alert unless it repeats one written within dedup_ms or its
 * rule and container are over the rate; either way it is counted. */
static void emit(mon *m, const st_alert *al, rule_stat *rs)
{
    const st_event *ev = al->ev;
    const st_monitor_options *o = m->o;
    uint64_t now = m->clock_ns;
    dd_slot *d = NULL;
    limiter *l;

    if (!(l = limiter_of(m, al->rule, al->priority, ev)))
        return;
    if (m->dedup_ns) {
        uint64_t h = fnv(fnv(fnv(0xcbf29ce484222325ull, al->rule),
                             ev->container_id),
                         al->output);
        if (!(d = dd_slot_of(&m->dd, h ? h : 1, now, m->dedup_ns))) {
            fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
            return;
        }
        if (d->ts && now - d->ts < m->dedup_ns) {
            l->folded++;
            goto suppressed;
        }
    }
    if (o->rate_per_minute) {
        if (!l->window_start || now - l->window_start >= MINUTE_NS) {
            l->window_start = now;
            l->in_window = 0;
        }
        if (l->in_window >= o->rate_per_minute) {
            l->rate_limited++;
            goto suppressed;
        }
        l->in_window++;
    }
    if (d)
        d->ts = now ? now : 1;
    write_alert(m, al);
    m->c.alerts++;
    if (rs)
        rs->alerts++;
    return;
suppressed:
    m->c.suppressed++;
    if (rs)
        rs->suppressed++;
}

static int cmp_limiter(const void *a, const void *b)
{
    const limiter *x = *(limiter *const *)a, *y = *(limiter *const *)b;
    int c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(x->ct.id, y->ct.id);
}

/* One line per rule and container whose alerts were suppressed since the
 * last summary, in a stable order. */
static void summarize(mon *m)
{
    static const char *const tags[] = {"strata", "suppressed"};
    uint64_t since = m->last_summary_ns;

    st_vec_sort(&m->limit_list, cmp_limiter);
    for (size_t i = 0; i < m->limit_list.len && m->rc == 0; i++) {
        limiter *l = m->limit_list.items[i];
        uint64_t total = l->rate_limited + l->folded;
        double win = since && m->clock_ns > since
                         ? (double)((m->clock_ns - since) / NS_PER_MS) / 1e3
                         : 0;
        st_buf out = ST_BUF_INIT(8192);
        st_event ev;
        st_alert al = {0};
        st_alert_field ex[5];
        int rc;

        if (!total)
            continue;
        event_of(&ev, &l->ct);
        rc = st_buf_printf(&out, "%llu alert%s of rule \"%s\" suppressed "
                           "for %s %s:",
                           (unsigned long long)total, total == 1 ? "" : "s",
                           l->rule, l->ct.id[0] ? "container" : "the",
                           l->ct.id[0] ? l->ct.id : "host");
        if (rc == 0 && l->rate_limited)
            rc = st_buf_printf(&out, " %llu over the limit of %u a minute%s",
                               (unsigned long long)l->rate_limited,
                               m->o->rate_per_minute, l->folded ? "," : "");
        if (rc == 0 && l->folded)
            rc = st_buf_printf(&out, " %llu duplicate%s within %u ms",
                               (unsigned long long)l->folded,
                               l->folded == 1 ? "" : "s", m->o->dedup_ms);
        if (rc < 0) {
            st_buf_release(&out);
            fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
            return;
        }
        ex[0] = (st_alert_field){"suppressed.rule", l->rule, 0};
        ex[1] = (st_alert_field){"suppressed.count", NULL, (double)total};
        ex[2] = (st_alert_field){"suppressed.rate_limited", NULL,
                                 (double)l->rate_limited};
        ex[3] = (st_alert_field){"suppressed.duplicates", NULL,
                                 (double)l->folded};
        ex[4] = (st_alert_field){"suppressed.window_s", NULL, win};
        al.ts_ns = m->clock_ns;
        al.rule = "Alerts suppressed";
        al.priority = l->priority;
        al.output = out.ptr;
        al.tags = tags;
        al.tag_count = 2;
        al.source = "strata";
        al.ev = &ev;
        al.extra = ex;
        al.extra_count = 5;
        write_alert(m, &al);
        st_buf_release(&out);
        l->rate_limited = l->folded = 0;
    }
    m->last_summary_ns = m->clock_ns;
}

/* Advances the clock; a minute after the last summary, writes the next. */
static void tick(mon *m, uint64_t now)
{
    if (now > m->clock_ns)
        m->clock_ns = now;
    if (!m->next_summary_ns && m->clock_ns) {
        m->last_summary_ns = m->clock_ns;
        m->next_summary_ns = m->clock_ns + MINUTE_NS;
    } else if (m->next_summary_ns && m->clock_ns >= m->next_summary_ns) {
        summarize(m);
        m->next_summary_ns = m->clock_ns + MINUTE_NS;
    }
}

static rule_stat *rule_stat_of(mon *m, const st_rule_info *r)
{
    uintptr_t i = (uintptr_t)st_map_get(m->rule_index, (const char *)&r,
                                        sizeof(r));
    return i ? &m->rstats[i - 1] : NULL;
}

static void on_hit(const st_rule_info *rule, const st_event *ev,
                   const char *output, void *payload)
{
    mon *m = payload;
    rule_stat *rs = rule_stat_of(m, rule);
    st_alert al = {0};

    m->c.matched++;
    if (rs)
        rs->matched++;
    if (m->rc < 0)
        return;
    al.ts_ns = ev->ts_ns ? ev->ts_ns : m->clock_ns;
    al.rule = rule->name;
    al.priority = rule->priority;
    al.output = output;
    al.tags = rule->tags;
    al.tag_count = rule->tag_count;
    al.source = "syscall";
    al.ev = ev;
    al.event_fields = true;
    emit(m, &al, rs);
}

static int index_rules(mon *m)
{
    m->nrules = st_rules_count(m->rules);
    if (!(m->rule_index = st_map_new()) ||
        !(m->rstats = st_calloc(m->nrules + 1, sizeof(*m->rstats))) ||
        !(m->mrules = st_calloc(m->nrules + 1, sizeof(*m->mrules))))
        return ST_ENOMEM;
    for (size_t i = 0; i < m->nrules; i++) {
        const st_rule_info *r = st_rules_get(m->rules, i);
        void **slot;
        bool created;
        if (st_map_slot(m->rule_index, (const char *)&r, sizeof(r), &slot,
                        &created) < 0)
            return ST_ENOMEM;
        *slot = (void *)(uintptr_t)(i + 1);
        m->mrules[i].name = r->name;
    }
    return 0;
}

/* ---- drift ------------------------------------------------------------------ */

/* The path an event names, absolute and cleaned (no leading "/"), into
 * out. A relative path is resolved against the process's working directory
 * inside its root while the process is still there (live only). */
static bool event_path(const mon *m, const st_event *ev, const char *p,
                       st_buf *out)
{
    char cwd[PATH_MAX], root[PATH_MAX], link[64];
    const char *in_root;
    st_buf joined = ST_BUF_INIT(2 * PATH_MAX);
    ssize_t n, r;
    bool ok = false;

    st_buf_reset(out);
    if (!*p)
        return false;
    if (*p == '/')
        return st_path_clean(out, p, strlen(p)) == 0;
    if (!m->live || !ev->pid)
        return false;
    snprintf(link, sizeof(link), "/proc/%u/cwd", ev->pid);
    if ((n = readlink(link, cwd, sizeof(cwd) - 1)) <= 0)
        return false;
    cwd[n] = 0;
    snprintf(link, sizeof(link), "/proc/%u/root", ev->pid);
    if ((r = readlink(link, root, sizeof(root) - 1)) <= 0)
        return false;
    root[r] = 0;
    /* /proc shows the cwd from our root: cut the process's root off */
    in_root = cwd;
    if (strcmp(root, "/") != 0) {
        size_t rl = (size_t)r;
        if (strncmp(cwd, root, rl) != 0 || (cwd[rl] && cwd[rl] != '/'))
            return false;
        in_root = cwd + rl;
    }
    if (st_buf_printf(&joined, "%s/%s", in_root, p) == 0)
        ok = st_path_clean(out, joined.ptr, joined.len) == 0;
    st_buf_release(&joined);
    return ok;
}

/* Does this event leave a file that may later be executed? Writes,
 * creations, renames onto a name and chmod +x, when they succeeded. */
static bool writes_file(const st_event *ev)
{
    switch (ev->type) {
    case ST_EV_OPEN:
        return ev->ret >= 0 && ((ev->flags & O_ACCMODE) != O_RDONLY ||
                                (ev->flags & (O_CREAT | O_TRUNC)));
    case ST_EV_RENAME:
        return ev->ret == 0;
    case ST_EV_CHMOD:
        return ev->ret == 0 && (ev->flags & 0111);
    default:
        return false;
    }
}

static drift *drift_of(mon *m, const char *id, bool create)
{
    void **slot;
    bool created;
    drift *d;

    if (!create)
        return st_map_get(m->drifts, id, strlen(id));
    if (st_map_slot(m->drifts, id, strlen(id), &slot, &created) < 0)
        return NULL;
    if (*slot)
        return *slot;
    if (!(d = st_calloc(1, sizeof(*d))) || !(d->paths = st_map_new())) {
        st_free(d);
        return NULL;
    }
    *slot = d;
    return d;
}

static void drift_free(drift *d)
{
    if (d) {
        st_map_free(d->paths);
        st_free(d);
    }
}

/* Remembers what a container writes and marks an exec of any of it: the
 * binary was not in the image, or was changed after the start. Host
 * processes are not tracked (a host installs and builds binaries). */
static void track_drift(mon *m, st_event *ev)
{
    st_buf p = ST_BUF_INIT(PATH_MAX);
    drift *d;

    if (!ev->container_id[0])
        return;
    if (writes_file(ev)) {
        void **slot;
        bool created;
        if (!event_path(m, ev, ev->path, &p) || !p.len)
            goto done;
        if (!(d = drift_of(m, ev->container_id, true))) {
            fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
            goto done;
        }
        if (d->full)
            goto done;
        if (st_map_count(d->paths) >= DRIFT_MAX_PATHS) {
            d->full = true; /* bounded: later writes are not remembered */
            goto done;
        }
        if (st_map_slot(d->paths, p.ptr, p.len, &slot, &created) < 0)
            fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
        else
            *slot = (void *)1;
    } else if (ev->type == ST_EV_EXECVE && ev->ret >= 0 && !ev->exe_written) {
        if ((d = drift_of(m, ev->container_id, false)) &&
            event_path(m, ev, ev->exe, &p) &&
            st_map_get(d->paths, p.ptr, p.len))
            ev->exe_written = true;
    }
done:
    st_buf_release(&p);
}

/* Forgets containers that are gone. */
static void prune_drift(mon *m)
{
    const st_container **list = NULL;
    st_map *keep;
    size_t n = 0, pos = 0;
    const char *key;
    void *val;

    if (!st_map_count(m->drifts) ||
        st_containers_list(m->cts, &list, &n, NULL) < 0 ||
        !(keep = st_map_new()))
        return;
    while (st_map_next(m->drifts, &pos, &key, &val)) {
        bool alive = false;
        void **slot;
        bool created;
        for (size_t i = 0; i < n && !alive; i++)
            alive = !strcmp(list[i]->id, key);
        if (alive &&
            st_map_slot(keep, key, strlen(key), &slot, &created) == 0) {
            *slot = val;
            continue;
        }
        drift_free(val);
    }
    st_map_free(m->drifts);
    m->drifts = keep;
}

/* ---- events ----------------------------------------------------------------- */

static void record(mon *m, const st_event *ev)
{
    int rc;
    st_buf_reset(&m->recbuf);
    if ((rc = st_ev_to_json(ev, &m->recbuf)) < 0) {
        fail(m, st_error_set(m->err, rc, MODULE, "%s: %s", m->o->record,
                             st_strerror(rc)));
        return;
    }
    if (fwrite(m->recbuf.ptr, 1, m->recbuf.len, m->record) != m->recbuf.len ||
        fputc('\n', m->record) == EOF)
        fail(m, st_error_set(m->err, ST_EIO, MODULE, "%s: %s", m->o->record,
                             strerror(errno)));
}

static void handle(mon *m, st_event *ev)
{
    if (m->live)
        st_containers_lookup(m->cts, ev->cgroup_id, ev->pid, ev);
    if (!ev->container_id[0] && !m->o->host) {
        m->c.filtered++;
        return;
    }
    tick(m, ev->ts_ns);
    if (!m->kernel_drift)
        track_drift(m, ev);
    if (m->record)
        record(m, ev);
    m->c.events++;
    st_rules_eval(m->rules, ev, on_hit, m);
}

static int on_capture(const st_event *cev, void *payload)
{
    mon *m = payload;
    st_event ev;
    memcpy(&ev, cev, sizeof(ev));
    handle(m, &ev);
    return stopping(m);
}

/* ---- stats ------------------------------------------------------------------ */

static void ctstat_free(ctstat *cs)
{
    if (cs) {
        st_stats_close(cs->s);
        st_free(cs);
    }
}

static void anomaly(mon *m, const ctstat *cs, const st_cstats *s,
                    const st_baseline *cpu, const st_baseline *pids,
                    bool hot, bool many)
{
    static const char *const tags[] = {"container", "resource",
                                       "mitre_impact", "T1496"};
    st_buf out = ST_BUF_INIT(4096);
    st_event ev;
    ctref c;
    st_alert al = {0};
    const char *what = hot && many ? "cpu,pids" : hot ? "cpu" : "pids";
    double cpu_sd = sqrt(cpu->var > 0 ? cpu->var : 0);
    double pids_sd = sqrt(pids->var > 0 ? pids->var : 0);
    st_alert_field ex[7] = {
        {"anomaly", what, 0},
        {"stats.cpu_percent", NULL, s->cpu_percent},
        {"stats.pids", NULL, (double)s->pids},
        {"baseline.cpu_mean", NULL, cpu->mean},
        {"baseline.cpu_sd", NULL, cpu_sd},
        {"baseline.pids_mean", NULL, pids->mean},
        {"baseline.pids_sd", NULL, pids_sd},
    };

    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", cs->ct.id);
    snprintf(c.name, sizeof(c.name), "%s", cs->ct.name);
    snprintf(c.image, sizeof(c.image), "%s", cs->ct.image);
    snprintf(c.runtime, sizeof(c.runtime), "%s", cs->ct.runtime);
    snprintf(c.pod, sizeof(c.pod), "%s", cs->ct.pod);
    snprintf(c.k8s_ns, sizeof(c.k8s_ns), "%s", cs->ct.k8s_ns);
    event_of(&ev, &c);
    if (st_buf_printf(&out,
                      "Resource anomaly in container %s (%s): CPU %.1f%% of "
                      "one CPU (baseline %.1f%% +- %.1f), %llu pids "
                      "(baseline %.1f +- %.1f), above baseline for %u "
                      "samples (%s)",
                      cs->ct.name[0] ? cs->ct.name : cs->ct.id,
                      cs->ct.image[0] ? cs->ct.image : "image unknown",
                      s->cpu_percent, cpu->mean, cpu_sd,
                      (unsigned long long)s->pids, pids->mean, pids_sd,
                      hot ? cpu->sustain : pids->sustain, what) < 0) {
        st_buf_release(&out);
        fail(m, st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
        return;
    }
    al.ts_ns = m->clock_ns;
    al.rule = "Resource anomaly";
    al.priority = ST_PRIO_WARNING;
    al.output = out.ptr;
    al.tags = tags;
    al.tag_count = 4;
    al.source = "stats";
    al.ev = &ev;
    al.extra = ex;
    al.extra_count = 7;
    emit(m, &al, NULL);
    st_buf_release(&out);
}

static int stats_line(mon *m, const ctstat *cs, const st_cstats *s)
{
    st_buf *b = &m->line;
    int rc;
    double mem_pct = s->mem_limit ? 100.0 * (double)s->mem_bytes /
                                        (double)s->mem_limit
                                  : 0;

    st_buf_reset(b);
    rc = st_buf_puts(b, "{\"time\":");
    if (rc == 0)
        rc = st_alerts_json_time(b, m->clock_ns);
    if (rc == 0)
        rc = st_buf_puts(b, ",\"type\":\"stats\",\"container\":{\"id\":");
    if (rc == 0)
        rc = st_alerts_json_str(b, cs->ct.id);
    if (rc == 0)
        rc = st_buf_puts(b, ",\"name\":");
    if (rc == 0)
        rc = st_alerts_json_str(b, cs->ct.name);
    if (rc == 0)
        rc = st_buf_puts(b, ",\"image\":");
    if (rc == 0)
        rc = st_alerts_json_str(b, cs->ct.image);
    if (rc == 0)
        rc = st_buf_puts(b, ",\"runtime\":");
    if (rc == 0)
        rc = st_alerts_json_str(b, cs->ct.runtime);
    if (rc == 0)
        rc = st_buf_printf(
            b,
            "},\"cpu_percent\":%.2f,\"mem_bytes\":%llu,\"mem_limit\":%llu,"
            "\"mem_percent\":%.2f,\"pids\":%llu,\"blk_read\":%llu,"
            "\"blk_write\":%llu,\"net_rx\":%llu,\"net_tx\":%llu}",
            s->cpu_percent, (unsigned long long)s->mem_bytes,
            (unsigned long long)s->mem_limit, mem_pct,
            (unsigned long long)s->pids, (unsigned long long)s->blk_read,
            (unsigned long long)s->blk_write, (unsigned long long)s->net_rx,
            (unsigned long long)s->net_tx);
    if (rc < 0)
        return st_error_set(m->err, rc, MODULE, "stats: %s", st_strerror(rc));
    if (m->stats_f) {
        if (fwrite(b->ptr, 1, b->len, m->stats_f) != b->len ||
            fputc('\n', m->stats_f) == EOF || fflush(m->stats_f) != 0)
            return st_error_set(m->err, ST_EIO, MODULE, "%s: %s",
                                m->o->stats_output, strerror(errno));
        return 0;
    }
    if ((rc = st_alerts_write_line(m->alerts, b->ptr, b->len, m->err)) == 1)
        m->reader_gone = true;
    return rc < 0 ? rc : 0;
}

static void sample_one(mon *m, ctstat *cs)
{
    st_cstats s;
    st_baseline cpu0, pids0;
    bool hot, many;

    if (st_stats_sample(cs->s, &s, NULL) < 0) {
        cs->seen = false; /* gone between the list and the sample */
        return;
    }
    m->c.stats_samples++;
    if (stats_line(m, cs, &s) < 0) {
        fail(m, ST_EIO);
        return;
    }
    /* the first CPU figure covers no interval: not part of the baseline */
    if (cs->samples++ == 0)
        return;
    cs->cpu.floor = fmax(CPU_FLOOR, 2 * cs->cpu.mean);
    cs->pids.floor = fmax(PIDS_FLOOR, 2 * cs->pids.mean);
    cpu0 = cs->cpu;
    pids0 = cs->pids;
    hot = st_baseline_feed(&cs->cpu, s.cpu_percent);
    many = st_baseline_feed(&cs->pids, (double)s.pids);
    if (hot || many)
        anomaly(m, cs, &s, &cpu0, &pids0, hot, many);
}

static void stats_tick(mon *m)
{
    const st_container **list = NULL;
    size_t n = 0, keep = 0;

    tick(m, real_ns());
    if (st_containers_list(m->cts, &list, &n, NULL) < 0)
        return; /* transient: the next tick rescans */
    for (size_t j = 0; j < m->ctstats.len; j++)
        ((ctstat *)m->ctstats.items[j])->seen = false;
    for (size_t i = 0; i < n && m->rc == 0; i++) {
        ctstat *cs = NULL;
        for (size_t j = 0; j < m->ctstats.len && !cs; j++)
            if (!strcmp(((ctstat *)m->ctstats.items[j])->ct.id, list[i]->id))
                cs = m->ctstats.items[j];
        if (!cs) {
            if (!(cs = st_calloc(1, sizeof(*cs)))) {
                fail(m,
                     st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory"));
                break;
            }
            cs->ct = *list[i];
            st_baseline_init(&cs->cpu, CPU_BASELINE);
            st_baseline_init(&cs->pids, PIDS_BASELINE);
            if (st_stats_open(&cs->s, &m->co, &cs->ct, NULL) < 0 ||
                st_vec_push(&m->ctstats, cs) < 0) {
                ctstat_free(cs); /* exited meanwhile: next tick */
                continue;
            }
        }
        cs->seen = true;
        sample_one(m, cs);
    }
    /* containers that are gone */
    for (size_t j = 0; j < m->ctstats.len; j++) {
        ctstat *cs = m->ctstats.items[j];
        if (cs->seen)
            m->ctstats.items[keep++] = cs;
        else
            ctstat_free(cs);
    }
    m->ctstats.len = keep;
}

/* ---- metrics ----------------------------------------------------------------- */

static void write_metrics(mon *m)
{
    st_capture_counters cc = {0};
    st_metrics mt = {0};

    if (!m->o->metrics)
        return;
    if (m->cap)
        st_capture_counters_get(m->cap, &cc);
    for (size_t i = 0; i < m->nrules; i++) {
        m->mrules[i].matched = m->rstats[i].matched;
        m->mrules[i].alerts = m->rstats[i].alerts;
        m->mrules[i].suppressed = m->rstats[i].suppressed;
    }
    mt.events = m->c.events;
    mt.matched = m->c.matched;
    mt.alerts = m->c.alerts;
    mt.suppressed = m->c.suppressed;
    mt.filtered = m->c.filtered + cc.filtered;
    mt.dropped_kernel = cc.dropped;
    mt.dropped_webhook = m->alerts ? st_alerts_webhook_failures(m->alerts) : 0;
    mt.stats_samples = m->c.stats_samples;
    mt.containers = m->ctstats.len;
    mt.mode = m->mode;
    mt.mode_detail = m->mode_detail;
    mt.rules = m->mrules;
    mt.rule_count = m->nrules;
    if (st_metrics_write(m->o->metrics, &mt, m->err) < 0)
        fail(m, ST_EIO);
}

/* ---- the loops ---------------------------------------------------------------- */

static void flush_alerts(mon *m)
{
    int r = st_alerts_flush(m->alerts, m->err);
    if (r < 0)
        fail(m, r);
    else if (r == 1)
        m->reader_gone = true;
}

/* Reads one line of at most REPLAY_LINE_MAX bytes into buf (size
 * REPLAY_LINE_MAX + 2). 1: a line, 0: end of file, <0: too long. */
static int read_line(FILE *f, char *buf, size_t *len)
{
    if (!fgets(buf, REPLAY_LINE_MAX + 2, f))
        return 0;
    *len = strlen(buf);
    if (*len && buf[*len - 1] == '\n')
        buf[--*len] = 0;
    else if (*len > REPLAY_LINE_MAX)
        return -1;
    return 1;
}

static int run_replay(mon *m)
{
    const char *path = m->o->replay;
    bool is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "re");
    char *buf = NULL;
    st_buf what = ST_BUF_INIT(PATH_MAX + 32);
    unsigned long lineno = 0;
    uint64_t next_metrics = mono_ms() + METRICS_MS;
    size_t len;
    int r, rc = 0;

    if (!f)
        return st_error_set(m->err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            MODULE, "%s: %s", path, strerror(errno));
    if (!(buf = st_malloc(REPLAY_LINE_MAX + 2))) {
        rc = st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    while (!stopping(m) && (r = read_line(f, buf, &len)) != 0) {
        st_event ev;
        size_t i = 0;
        lineno++;
        if (r < 0) {
            rc = st_error_set(m->err, ST_EINVALID, MODULE,
                              "%s:%lu: line longer than %u bytes", path,
                              lineno, REPLAY_LINE_MAX);
            goto done;
        }
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
            i++;
        if (i == len)
            continue; /* blank lines are allowed */
        /* "path:line" for messages, without a printf per line */
        st_buf_reset(&what);
        {
            char num[24];
            size_t k = sizeof(num);
            unsigned long v = lineno;
            do
                num[--k] = (char)('0' + v % 10);
            while ((v /= 10) != 0);
            if (st_buf_puts(&what, path) < 0 || st_buf_putc(&what, ':') < 0 ||
                st_buf_put(&what, num + k, sizeof(num) - k) < 0) {
                rc = st_error_set(m->err, ST_ENOMEM, MODULE, "out of memory");
                goto done;
            }
        }
        memset(&ev, 0, sizeof(ev));
        if ((rc = st_ev_from_json(&ev, buf, len, what.ptr, m->err)) < 0)
            goto done;
        handle(m, &ev);
        if ((lineno & 1023) == 0 && m->o->metrics &&
            mono_ms() >= next_metrics) {
            write_metrics(m);
            next_metrics = mono_ms() + METRICS_MS;
        }
    }
    if (ferror(f))
        rc = st_error_set(m->err, ST_EIO, MODULE, "%s: %s", path,
                          strerror(errno));
done:
    st_free(buf);
    st_buf_release(&what);
    if (!is_stdin)
        fclose(f);
    return rc;
}

static int run_live(mon *m)
{
    const st_monitor_options *o = m->o;
    uint64_t start = mono_ms();
    uint64_t end = o->duration_ms ? start + o->duration_ms : 0;
    uint64_t next_metrics = start + METRICS_MS;
    uint64_t next_stats = o->stats_interval_ms ? start : 0;
    uint64_t next_prune = start + DRIFT_PRUNE_MS;
    int n;

    while (!stopping(m)) {
        uint64_t now = mono_ms();
        uint64_t wake = now + POLL_MAX_MS;
        if (end && now >= end)
            break;
        if (end && end < wake)
            wake = end;
        if (o->metrics && next_metrics < wake)
            wake = next_metrics;
        if (next_stats && next_stats < wake)
            wake = next_stats;
        n = st_capture_poll(m->cap, (int)(wake > now ? wake - now : 0),
                            on_capture, m, m->err);
        if (n < 0) {
            fail(m, n);
            break;
        }
        now = mono_ms();
        tick(m, real_ns());
        if (next_stats && now >= next_stats) {
            stats_tick(m);
            next_stats += o->stats_interval_ms;
            if (next_stats <= now)
                next_stats = now + o->stats_interval_ms;
        }
        if (now >= next_prune) {
            prune_drift(m);
            next_prune = now + DRIFT_PRUNE_MS;
        }
        flush_alerts(m);
        if (o->metrics && now >= next_metrics) {
            write_metrics(m);
            next_metrics = now + METRICS_MS;
        }
    }
    return m->rc;
}

static int parse_capture(st_capture_mode *out, const char *s, st_error **err)
{
    if (!s || !strcmp(s, "auto"))
        *out = ST_CAPTURE_AUTO;
    else if (!strcmp(s, "ebpf"))
        *out = ST_CAPTURE_EBPF;
    else if (!strcmp(s, "fallback"))
        *out = ST_CAPTURE_FALLBACK;
    else
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "capture mode %s: expected auto, ebpf or "
                            "fallback", s);
    return 0;
}

static int open_live(mon *m, uint64_t **host_ids)
{
    const st_monitor_options *o = m->o;
    st_capture_options cpo = {0};
    size_t nids = 0;
    int rc;

    ST_CHECK(parse_capture(&cpo.mode, o->capture, m->err));
    m->co.cgroup_root = o->cgroup_root;
    m->co.runc_roots = o->runc_roots;
    ST_CHECK(st_containers_open(&m->cts, &m->co, m->err));
    ST_CHECK(st_containers_host_cgroups(m->cts, host_ids, &nids, m->err));
    cpo.host = o->host;
    cpo.host_cgroups = *host_ids;
    cpo.host_cgroup_count = nids;
    ST_CHECK(st_capture_open(&m->cap, &cpo, m->err));
    m->mode = st_capture_is_ebpf(m->cap) ? "ebpf" : "fallback";
    m->kernel_drift = st_capture_is_ebpf(m->cap);
    m->mode_detail = st_capture_describe(m->cap);
    fprintf(m->log, "strata monitor: capture: %s\n", m->mode_detail);
    fprintf(m->log, "strata monitor: %zu rules; watching %s\n", m->nrules,
            o->host ? "containers and host processes"
                    : "containers (--host adds host processes)");
    fflush(m->log);
done:
    return rc;
}

int st_monitor_run(const st_monitor_options *o, volatile sig_atomic_t *stop,
                   FILE *log, st_monitor_counters *out, st_error **err)
{
    mon m;
    uint64_t *host_ids = NULL;
    sigset_t pipe_set, old_set;
    struct timespec zero = {0, 0};
    int rc;

    memset(&m, 0, sizeof(m));
    m.o = o;
    m.log = log ? log : stderr;
    m.stop = stop;
    m.err = err;
    st_buf_init(&m.line, 1u << 16);
    st_buf_init(&m.recbuf, 1u << 20);
    /* a reader that goes away is EPIPE here, never a signal */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

    ST_CHECK(check_options(o, err));
    if (o->replay && o->stats_interval_ms) {
        rc = st_error_set(err, ST_EUSAGE, MODULE,
                          "stats sample running containers: not with a "
                          "replay");
        goto done;
    }
    m.live = !o->replay;
    m.dedup_ns = (uint64_t)o->dedup_ms * NS_PER_MS;
    if (!(m.limits = st_map_new()) || !(m.drifts = st_map_new())) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    ST_CHECK(load_rules(&m.rules, o, err));
    if (index_rules(&m) < 0) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
        goto done;
    }
    {
        st_alerts_options ao = ST_ALERTS_OPTIONS_INIT;
        ao.output = o->output;
        ao.webhook = o->webhook;
        ao.syslog = o->syslog;
        ST_CHECK(st_alerts_open(&m.alerts, &ao, err));
    }
    if (o->record && !(m.record = fopen(o->record, "we"))) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", o->record,
                          strerror(errno));
        goto done;
    }
    if (m.record)
        setvbuf(m.record, NULL, _IOFBF, 1u << 20);
    if (o->stats_interval_ms && o->stats_output &&
        strcmp(o->stats_output, "-") != 0 &&
        !(m.stats_f = fopen(o->stats_output, "ae"))) {
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", o->stats_output,
                          strerror(errno));
        goto done;
    }
    if (m.live) {
        ST_CHECK(open_live(&m, &host_ids));
        rc = run_live(&m);
    } else {
        const st_rule_skip *sk;
        size_t ns = st_rules_skipped(m.rules, &sk);
        m.mode = "replay";
        m.mode_detail = o->replay;
        fprintf(m.log, "strata monitor: replaying %s: %zu rules", o->replay,
                m.nrules);
        if (ns)
            fprintf(m.log, " (%zu skipped: --list-rules says why)", ns);
        fputc('\n', m.log);
        fflush(m.log);
        rc = run_replay(&m);
    }
    if (rc == 0)
        rc = m.rc;
    /* what is still suppressed, then every output flushed */
    if (rc == 0 && !m.reader_gone) {
        summarize(&m);
        rc = m.rc;
    }
    if (!m.reader_gone)
        flush_alerts(&m);
    if (rc == 0)
        rc = m.rc;
    if (m.record && fflush(m.record) != 0 && rc == 0)
        rc = st_error_set(err, ST_EIO, MODULE, "%s: %s", o->record,
                          strerror(errno));
    if (rc == 0 && m.reader_gone)
        fprintf(m.log, "strata monitor: the alert output was closed by its "
                       "reader; stopping\n");
    st_alerts_drain(m.alerts);
    write_metrics(&m);
    if (rc == 0)
        rc = m.rc;
done:
    if (m.cap) {
        st_capture_counters cc;
        st_capture_counters_get(m.cap, &cc);
        m.c.dropped = cc.dropped;
        m.c.filtered += cc.filtered;
    }
    st_capture_close(m.cap);
    if (m.alerts) {
        st_alerts_drain(m.alerts);
        m.c.webhook_failures = st_alerts_webhook_failures(m.alerts);
    }
    st_alerts_close(m.alerts);
    if (out)
        *out = m.c;
    if (m.record)
        fclose(m.record);
    if (m.stats_f)
        fclose(m.stats_f);
    for (size_t i = 0; i < m.ctstats.len; i++)
        ctstat_free(m.ctstats.items[i]);
    st_vec_release(&m.ctstats);
    for (size_t i = 0; i < m.limit_list.len; i++)
        st_free(m.limit_list.items[i]);
    st_vec_release(&m.limit_list);
    st_map_free(m.limits);
    if (m.drifts) {
        size_t pos = 0;
        const char *k;
        void *v;
        while (st_map_next(m.drifts, &pos, &k, &v))
            drift_free(v);
        st_map_free(m.drifts);
    }
    st_free(m.dd.s);
    st_map_free(m.rule_index);
    st_free(m.rstats);
    st_free(m.mrules);
    st_containers_free(m.cts);
    st_free(host_ids);
    st_rules_free(m.rules);
    st_buf_release(&m.line);
    st_buf_release(&m.recbuf);
    /* a SIGPIPE raised while it was blocked is consumed, not delivered */
    if (!sigismember(&old_set, SIGPIPE))
        while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    return rc;
}
