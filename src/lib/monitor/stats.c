/* Per-container resource statistics from the cgroup files, what `docker
 * stats` shows, and the baseline that turns a series into alerts.
 *
 * The stat files are opened once and re-read from offset 0 with pread:
 * cgroup and /proc files are generated on every read from the start, so a
 * kept descriptor gives a fresh value without the path walk and the
 * allocation of open() (bench/monitor_stats.c measures both). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/container.h"
#include "util/banned.h"

#define MAX_STAT_FILE (1u << 20)
#define MAX_PROC_FILE (64u << 10)
/* v1 reports "no limit" as the largest page-aligned long. */
#define V1_NO_LIMIT (UINT64_C(1) << 62)

enum { F_CPU, F_MEM, F_MEMSTAT, F_LIMIT, F_PIDS, F_BLK, F_NET, F__COUNT };

struct st_stats {
    bool v2;
    bool pids_counted; /* F_PIDS is a tasks list, not pids.current */
    bool reopen;       /* bench: open/read/close every sample */
    struct {
        int fd;
        char *path;
    } f[F__COUNT];
    st_buf buf;
    uint64_t last_cpu, last_t;
    bool have_last;
    char id[65];
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- opening ------------------------------------------------------------ */

typedef struct cg_line {
    char *controllers; /* "memory", "cpu,cpuacct", "" (v2) */
    char *path;        /* without the leading "/" */
} cg_line;

/* /proc/<pid>/cgroup, split in place in b. */
static size_t parse_proc_cgroup(st_buf *b, cg_line *lines, size_t max)
{
    size_t n = 0;
    for (char *line = b->ptr, *nl; line && *line && n < max; line = nl) {
        char *c1, *c2;
        if ((nl = strchr(line, '\n')))
            *nl++ = 0;
        if (!(c1 = strchr(line, ':')) || !(c2 = strchr(c1 + 1, ':')))
            continue;
        *c2 = 0;
        lines[n].controllers = c1 + 1;
        lines[n].path = c2[1] == '/' ? c2 + 2 : c2 + 1;
        n++;
    }
    return n;
}

static bool has_controller(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *t = list; t;) {
        const char *comma = strchr(t, ',');
        size_t len = comma ? (size_t)(comma - t) : strlen(t);
        if (len == n && !memcmp(t, name, n))
            return true;
        t = comma ? comma + 1 : NULL;
    }
    return false;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The directory of controller `ctl` for the container: its mount under
 * the root (cpuacct may be co-mounted as cpu,cpuacct), then the path
 * /proc names for it, else the attribution path. */
static int v1_dir(st_buf *out,
                  const char *root,
                  const char *ctl,
                  const cg_line *lines,
                  size_t nlines,
                  const char *fallback)
{
    static const char *const comounts[] = {"%s", "cpu,%s", "%s,cpu",
                                           "net_cls,%s", NULL};
    const char *path = fallback;
    char mnt[600], name[64];
    for (size_t i = 0; i < nlines; i++)
        if (has_controller(lines[i].controllers, ctl)) {
            path = lines[i].path;
            break;
        }
    for (size_t i = 0; comounts[i]; i++) {
        snprintf(name, sizeof(name), comounts[i], ctl);
        snprintf(mnt, sizeof(mnt), "%s/%s", root, name);
        if (exists(mnt)) {
            st_buf_reset(out);
            return st_buf_printf(out, "%s%s%s", mnt, path[0] ? "/" : "", path);
        }
    }
    return ST_ENOTFOUND;
}

static int set_path(st_stats *s, int slot, const char *dir, const char *file)
{
    st_buf b = ST_BUF_INIT(1 << 16);
    int rc =
        file ? st_buf_printf(&b, "%s/%s", dir, file) : st_buf_puts(&b, dir);
    if (rc == 0 && !(s->f[slot].path = st_buf_detach(&b, NULL)))
        rc = ST_ENOMEM;
    st_buf_release(&b);
    return rc;
}

/* Keeps the file open; a missing file leaves the slot empty (that figure
 * stays 0), as on a host without the pids or blkio controller. */
static int open_slot(st_stats *s, int slot)
{
    if (!s->f[slot].path)
        return 0;
    if (!s->reopen)
        s->f[slot].fd = open(s->f[slot].path, O_RDONLY | O_CLOEXEC);
    if (s->reopen ? !exists(s->f[slot].path) : s->f[slot].fd < 0) {
        st_free(s->f[slot].path);
        s->f[slot].path = NULL;
    }
    return 0;
}

int st_stats_open(st_stats **out,
                  const st_containers_options *o,
                  const st_container *ct,
                  st_error **err)
{
    const char *root = o && o->cgroup_root ? o->cgroup_root : "/sys/fs/cgroup";
    const char *proc = o && o->proc_root ? o->proc_root : "/proc";
    st_buf pc = ST_BUF_INIT(MAX_PROC_FILE), dir = ST_BUF_INIT(1 << 16);
    cg_line lines[64];
    size_t nlines = 0;
    char path[4096];
    st_stats *s;
    int rc = 0;

    *out = NULL;
    if (!(s = st_calloc(1, sizeof(*s))))
        return st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
    for (int i = 0; i < F__COUNT; i++)
        s->f[i].fd = -1;
    st_buf_init(&s->buf, MAX_STAT_FILE);
    snprintf(s->id, sizeof(s->id), "%s", ct->id);

    if (ct->init_pid) {
        snprintf(path, sizeof(path), "%s/%u/cgroup", proc, ct->init_pid);
        if (st_read_file(&pc, path, MAX_PROC_FILE, NULL) == 0)
            nlines = parse_proc_cgroup(&pc, lines, 64);
        snprintf(path, sizeof(path), "%s/%u/net/dev", proc, ct->init_pid);
        ST_CHECK(set_path(s, F_NET, path, NULL));
    }
    snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
    s->v2 = exists(path);
    if (s->v2) {
        const char *p = ct->cgroup_path;
        for (size_t i = 0; i < nlines; i++)
            if (!lines[i].controllers[0])
                p = lines[i].path;
        ST_CHECK(st_buf_printf(&dir, "%s%s%s", root, p[0] ? "/" : "", p));
        if (!exists(dir.ptr)) {
            rc = st_error_set(err, ST_ENOTFOUND, "monitor",
                              "container %s: no cgroup %s", ct->id, dir.ptr);
            goto done;
        }
        ST_CHECK(set_path(s, F_CPU, dir.ptr, "cpu.stat"));
        ST_CHECK(set_path(s, F_MEM, dir.ptr, "memory.current"));
        ST_CHECK(set_path(s, F_MEMSTAT, dir.ptr, "memory.stat"));
        ST_CHECK(set_path(s, F_LIMIT, dir.ptr, "memory.max"));
        ST_CHECK(set_path(s, F_BLK, dir.ptr, "io.stat"));
        snprintf(path, sizeof(path), "%s/pids.current", dir.ptr);
        s->pids_counted = !exists(path);
        ST_CHECK(set_path(s, F_PIDS, dir.ptr,
                          s->pids_counted ? "cgroup.threads" : "pids.current"));
    } else {
        bool any = false;
        if (v1_dir(&dir, root, "cpuacct", lines, nlines, ct->cgroup_path) ==
                0 &&
            exists(dir.ptr)) {
            any = true;
            ST_CHECK(set_path(s, F_CPU, dir.ptr, "cpuacct.usage"));
        }
        if (v1_dir(&dir, root, "memory", lines, nlines, ct->cgroup_path) == 0 &&
            exists(dir.ptr)) {
            any = true;
            ST_CHECK(set_path(s, F_MEM, dir.ptr, "memory.usage_in_bytes"));
            ST_CHECK(set_path(s, F_MEMSTAT, dir.ptr, "memory.stat"));
            ST_CHECK(set_path(s, F_LIMIT, dir.ptr, "memory.limit_in_bytes"));
            /* Without a pids controller, count the memory cgroup's tasks. */
            s->pids_counted = true;
            ST_CHECK(set_path(s, F_PIDS, dir.ptr, "tasks"));
        }
        if (v1_dir(&dir, root, "pids", lines, nlines, ct->cgroup_path) == 0 &&
            exists(dir.ptr)) {
            any = true;
            st_free(s->f[F_PIDS].path);
            s->f[F_PIDS].path = NULL;
            s->pids_counted = false;
            ST_CHECK(set_path(s, F_PIDS, dir.ptr, "pids.current"));
        }
        if (v1_dir(&dir, root, "blkio", lines, nlines, ct->cgroup_path) == 0 &&
            exists(dir.ptr)) {
            /* The throttle layer sees every bio, whatever the scheduler;
             * _recursive includes the container's own sub-cgroups. */
            snprintf(path, sizeof(path),
                     "%s/blkio.throttle.io_service_bytes_recursive", dir.ptr);
            ST_CHECK(set_path(s, F_BLK, dir.ptr,
                              exists(path)
                                  ? "blkio.throttle.io_service_bytes_recursive"
                                  : "blkio.throttle.io_service_bytes"));
        }
        if (!any) {
            rc = st_error_set(err, ST_ENOTFOUND, "monitor",
                              "container %s: no cgroup under %s", ct->id, root);
            goto done;
        }
    }
    for (int i = 0; i < F__COUNT; i++)
        ST_CHECK(open_slot(s, i));
done:
    st_buf_release(&pc);
    st_buf_release(&dir);
    if (rc < 0) {
        if (err && !*err)
            st_error_set(err, rc, "monitor", "container %s: %s", ct->id,
                         st_strerror(rc));
        st_stats_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void st_stats_close(st_stats *s)
{
    if (!s)
        return;
    for (int i = 0; i < F__COUNT; i++) {
        if (s->f[i].fd >= 0)
            close(s->f[i].fd);
        st_free(s->f[i].path);
    }
    st_buf_release(&s->buf);
    st_free(s);
}

void st_stats__reopen_each(st_stats *s, bool on)
{
    for (int i = 0; i < F__COUNT; i++)
        if (on && s->f[i].fd >= 0) {
            close(s->f[i].fd);
            s->f[i].fd = -1;
        }
    s->reopen = on;
}

/* ---- sampling --------------------------------------------------------------
 */

/* The whole file, from offset 0, into s->buf. */
static int read_slot(st_stats *s, int slot, st_error **err)
{
    int fd = s->f[slot].fd, rc = 0;
    size_t off = 0;

    if (s->reopen && (fd = open(s->f[slot].path, O_RDONLY | O_CLOEXEC)) < 0)
        goto fail;
    st_buf_reset(&s->buf);
    for (;;) {
        ssize_t n;
        if (s->buf.alloc - s->buf.len < 4096 &&
            (rc = st_buf_grow(&s->buf, 8192)) < 0) {
            rc = st_error_set(err, rc, "monitor", "%s: %s", s->f[slot].path,
                              st_strerror(rc));
            goto done;
        }
        n = pread(fd, s->buf.ptr + s->buf.len, s->buf.alloc - s->buf.len - 1,
                  (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        s->buf.len += (size_t)n;
        s->buf.ptr[s->buf.len] = 0;
        off += (size_t)n;
    }
    goto done;
fail:
    /* A removed cgroup answers ENODEV; a dead process's files ESRCH or
     * ENOENT: the container is gone. */
    rc = st_error_set(err,
                      errno == ENODEV || errno == ENOENT || errno == ESRCH
                          ? ST_ENOTFOUND
                          : ST_EIO,
                      "monitor", "container %s: %s: %s", s->id, s->f[slot].path,
                      strerror(errno));
done:
    if (s->reopen && fd >= 0)
        close(fd);
    return rc;
}

static uint64_t num(const char *p)
{
    return strtoull(p, NULL, 10);
}

/* The value of `key` in a "key value" per line file (memory.stat, cpu.stat). */
static uint64_t keyed(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, key, n) && p[n] == ' ')
            return num(p + n + 1);
    return 0;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* v1: "8:0 Read 4096" per device and operation, "Total N" last. v2:
 * "8:0 rbytes=4096 wbytes=0 rios=1 …" per device. */
static void parse_blk(const char *text, bool v2, uint64_t *rd, uint64_t *wr)
{
    *rd = *wr = 0;
    for (const char *p = text; p && *p;
         p = strchr(p, '\n'), p = p ? p + 1 : p) {
        const char *sp = strchr(p, ' '), *nl = strchr(p, '\n');
        if (!sp || (nl && sp > nl))
            continue;
        if (!v2) {
            if (!strncmp(sp + 1, "Read ", 5))
                *rd += num(sp + 6);
            else if (!strncmp(sp + 1, "Write ", 6))
                *wr += num(sp + 7);
            continue;
        }
        for (const char *f = sp + 1; f && (!nl || f < nl);) {
            if (!strncmp(f, "rbytes=", 7))
                *rd += num(f + 7);
            else if (!strncmp(f, "wbytes=", 7))
                *wr += num(f + 7);
            f = strchr(f, ' ');
            f = f ? f + 1 : NULL;
        }
    }
}

/* /proc/<pid>/net/dev: two header lines, then "  eth0: rx_bytes rx_packets
 * … (8 receive fields) tx_bytes …". Loopback traffic is not the
 * container's network use. */
static void parse_net(const char *text, uint64_t *rx, uint64_t *tx)
{
    *rx = *tx = 0;
    for (const char *p = text; p && *p;
         p = strchr(p, '\n'), p = p ? p + 1 : p) {
        const char *colon = strchr(p, ':'), *nl = strchr(p, '\n'), *name = p;
        unsigned long long v[9];
        if (!colon || (nl && colon > nl))
            continue;
        while (*name == ' ')
            name++;
        if (colon - name == 2 && !strncmp(name, "lo", 2))
            continue;
        if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
                   &v[8]) != 9)
            continue;
        *rx += v[0];
        *tx += v[8];
    }
}

int st_stats__sample_at(st_stats *s,
                        uint64_t now,
                        st_cstats *out,
                        st_error **err)
{
    uint64_t usage = 0, inactive = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < F__COUNT; i++) {
        const char *t;
        if (!s->f[i].path)
            continue;
        if ((rc = read_slot(s, i, err)) < 0) {
            /* The network of a process that exited is not the cgroup's
             * end: report what the cgroup still says. */
            if (i == F_NET && rc == ST_ENOTFOUND) {
                if (err) {
                    st_error_free(*err);
                    *err = NULL;
                }
                continue;
            }
            return rc;
        }
        t = s->buf.ptr;
        switch (i) {
        case F_CPU:
            out->cpu_ns = s->v2 ? keyed(t, "usage_usec") * 1000 : num(t);
            break;
        case F_MEM:
            usage = num(t);
            break;
        case F_MEMSTAT:
            inactive =
                keyed(t, s->v2 ? "inactive_file" : "total_inactive_file");
            break;
        case F_LIMIT:
            out->mem_limit = s->v2 && !strncmp(t, "max", 3) ? 0 : num(t);
            if (!s->v2 && out->mem_limit >= V1_NO_LIMIT)
                out->mem_limit = 0;
            break;
        case F_PIDS:
            out->pids = s->pids_counted ? count_lines(t) : num(t);
            break;
        case F_BLK:
            parse_blk(t, s->v2, &out->blk_read, &out->blk_write);
            break;
        case F_NET:
            parse_net(t, &out->net_rx, &out->net_tx);
            break;
        default:
            break;
        }
    }
    /* As docker: the page cache the kernel can drop on demand is not the
     * container's memory. */
    out->mem_bytes = inactive < usage ? usage - inactive : usage;
    if (s->have_last && now > s->last_t && out->cpu_ns >= s->last_cpu)
        out->cpu_percent = (double)(out->cpu_ns - s->last_cpu) * 100.0 /
                           (double)(now - s->last_t);
    s->last_cpu = out->cpu_ns;
    s->last_t = now;
    s->have_last = true;
    return 0;
}

int st_stats_sample(st_stats *s, st_cstats *out, st_error **err)
{
    return st_stats__sample_at(s, mono_ns(), out, err);
}

/* ---- baseline ----------------------------------------------------------- */

void st_baseline_init(st_baseline *b,
                      double alpha,
                      double k,
                      double floor,
                      unsigned warmup,
                      unsigned sustain)
{
    memset(b, 0, sizeof(*b));
    b->alpha = alpha;
    b->k = k;
    b->floor = floor;
    b->warmup = warmup;
    b->sustain = sustain ? sustain : 1;
}

bool st_baseline_feed(st_baseline *b, double v)
{
    double diff, incr;

    if (b->n >= b->warmup && v > b->mean + b->k * sqrt(b->var) &&
        v > b->floor) {
        b->above++;
        /* A change that lasts is the new normal: learn it afresh. */
        if (b->above > b->sustain && b->above >= b->sustain + b->warmup) {
            b->n = 0;
            b->above = 0;
        }
        if (b->n > 0)
            return b->above == b->sustain;
    } else {
        b->above = 0;
    }
    /* West's incremental form of the exponentially weighted mean and
     * variance; the first sample starts the mean. */
    if (b->n == 0) {
        b->mean = v;
        b->var = 0;
    } else {
        diff = v - b->mean;
        incr = b->alpha * diff;
        b->mean += incr;
        b->var = (1 - b->alpha) * (b->var + diff * incr);
    }
    b->n++;
    return false;
}
