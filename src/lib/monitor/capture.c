/* The capture front: picks a back end (eBPF, else the netlink/fanotify
 * fallback), keeps a small process table so that every event names its
 * executable, and holds the /proc and cgroup readers both back ends use.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/capture_int.h"
#include "util/banned.h"

/* The process table: pid -> what its exec said (executable, arguments,
 * ancestors) and its ids as of its last event, so that every event can
 * name its program and a setuid event the ids before the call. A
 * direct-mapped cache: a miss costs reading /proc/<pid>/{exe,cmdline}
 * once; a collision only evicts. */
#define PROC_SLOTS 4096

typedef struct proc_slot {
    uint32_t pid; /* 0: empty */
    uint32_t uid, gid;
    bool ids_known;
    uint64_t cgroup_id; /* 0: not known yet */
    char exe[ST_EV_PATH];
    char args[ST_EV_ARGS];
    char acomm[ST_EV_ANCESTORS][ST_EV_COMM];
} proc_slot;

struct st_capture {
    const st_capture_ops *ops;
    void *impl;
    bool ebpf;
    uint64_t events;
    proc_slot *procs;
    char desc[768];
};

/* ---- small readers ------------------------------------------------------- */

uint64_t st_capture__now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t st_capture__realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads up to n-1 bytes of a small file (procfs) into buf, NUL-terminated.
 * Returns the length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len = 0, r;

    if (fd < 0)
        return -1;
    while ((size_t)len < n - 1 &&
           (r = read(fd, buf + len, n - 1 - (size_t)len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    return len;
}

static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);

    memcpy(dst, src, len);
    dst[len] = 0;
}

static void readlink_str(const char *path, char *out, size_t n)
{
    ssize_t len = readlink(path, out, n - 1);

    out[len > 0 ? len : 0] = 0;
}

bool st_capture__proc_fd_is_socket(pid_t pid, int fd)
{
    char path[64], target[64];

    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
    readlink_str(path, target, sizeof(target));
    return st_str_startswith(target, "socket:");
}

/* ---- cgroups ------------------------------------------------------------- */

static bool has_word(const char *list, const char *word, char sep)
{
    size_t n = strlen(word);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == n && memcmp(p, word, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* mountinfo fields: id parent major:minor root mountpoint opts... - fstype
 * source superopts. */
int st_capture__cgroup_layout(st_cgroup_layout *out, st_error **err)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024], v2mnt[256] = "", v2root[256] = "";
    bool found = false;

    memset(out, 0, sizeof(*out));
    if (!f)
        return st_error_set(err, ST_EIO, "monitor",
                            "/proc/self/mountinfo: %s", strerror(errno));
    while (!found && fgets(line, sizeof(line), f)) {
        char root[256], mnt[256], fstype[32], opts[256];
        const char *sep = strstr(line, " - ");

        if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2 ||
            sscanf(sep + 3, "%31s %*s %255s", fstype, opts) != 2)
            continue;
        if (strcmp(fstype, "cgroup") == 0 && has_word(opts, "memory", ',')) {
            copy_str(out->mnt, sizeof(out->mnt), mnt);
            copy_str(out->mroot, sizeof(out->mroot), root);
            out->v1_memory = true;
            found = true;
        } else if (strcmp(fstype, "cgroup2") == 0 && !v2mnt[0]) {
            copy_str(v2mnt, sizeof(v2mnt), mnt);
            copy_str(v2root, sizeof(v2root), root);
        }
    }
    fclose(f);
    if (found)
        return 0;
    if (!v2mnt[0])
        return st_error_set(err, ST_ENOTFOUND, "monitor",
                            "no cgroup hierarchy is mounted "
                            "(/proc/self/mountinfo)");
    copy_str(out->mnt, sizeof(out->mnt), v2mnt);
    copy_str(out->mroot, sizeof(out->mroot), v2root);
    return 0;
}

uint64_t st_capture__cgroup_id(const st_cgroup_layout *l, pid_t pid)
{
    char path[64], buf[4096], dir[1024];
    const char *rel = NULL;
    struct stat st;
    size_t rootlen;

    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return 0;
    /* Lines are "hierarchy:controllers:path"; v2 is "0::path". */
    for (char *line = buf, *next; line && *line; line = next) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (!c2)
            continue;
        *c1 = *c2 = 0;
        if (l->v1_memory ? has_word(c1 + 1, "memory", ',')
                         : strcmp(line, "0") == 0 && !c1[1]) {
            rel = c2 + 1;
            break;
        }
    }
    if (!rel)
        return 0;
    /* The mount may show a subtree of the hierarchy (a cgroup namespace or
     * a bind mount): paths below its root are relative to it. */
    rootlen = strlen(l->mroot);
    if (rootlen > 1 && strncmp(rel, l->mroot, rootlen) == 0)
        rel += rootlen;
    if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", l->mnt, rel) >=
            sizeof(dir) ||
        stat(dir, &st) < 0)
        return 0;
    return (uint64_t)st.st_ino;
}

/* ---- /proc/<pid> ----------------------------------------------------------- */

static const char *status_field(const char *status, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (strncmp(p, key, n) == 0 && p[n] == ':')
            return p + n + 1;
    return NULL;
}

/* argv[1..] joined by spaces, bounded; true when cut. */
static bool join_args(char *out, size_t n, const char *argv, size_t len)
{
    size_t i = 0, o = 0;

    while (i < len && argv[i]) /* skip argv[0] */
        i++;
    i++;
    for (; i < len; i++) {
        char ch = argv[i] ? argv[i] : ' ';

        if (o + 1 >= n) {
            out[o] = 0;
            return true;
        }
        out[o++] = ch;
    }
    while (o > 0 && out[o - 1] == ' ') /* the last argument's NUL */
        o--;
    out[o] = 0;
    return false;
}

bool st_capture__proc_read(const st_cgroup_layout *l, pid_t pid, st_event *ev,
                           bool exec)
{
    char path[64], buf[4096];
    const char *v;
    bool gone = false;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (read_small(path, buf, sizeof(buf)) <= 0)
        return false;
    /* A zombie has left its cgroup and its executable behind. */
    if ((v = status_field(buf, "State")) && strspn(v, " \t") < 8 &&
        (v[strspn(v, " \t")] == 'Z' || v[strspn(v, " \t")] == 'X'))
        l = NULL, exec = false, gone = true;
    if ((v = status_field(buf, "Name"))) {
        size_t len;

        while (*v == ' ' || *v == '\t')
            v++;
        len = strcspn(v, "\n");
        if (len >= sizeof(ev->comm))
            len = sizeof(ev->comm) - 1;
        memcpy(ev->comm, v, len);
        ev->comm[len] = 0;
    }
    if ((v = status_field(buf, "PPid")))
        ev->ppid = (uint32_t)strtoul(v, NULL, 10);
    if ((v = status_field(buf, "Uid"))) /* real effective saved fs */
        (void)sscanf(v, "%*u %" SCNu32, &ev->uid);
    if ((v = status_field(buf, "Gid")))
        (void)sscanf(v, "%*u %" SCNu32, &ev->gid);
    if ((v = status_field(buf, "CapEff")))
        ev->cap_effective = strtoull(v, NULL, 16);
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof(buf)) > 0 && (v = strrchr(buf, ')'))) {
        unsigned nr = 0; /* new_encode_dev(): minor low byte, major, rest */

        if (sscanf(v + 1, " %*c %*d %*d %*d %u", &nr) == 1 && nr)
            ev->tty = ((nr >> 8) & 0xfff) << 20 | (nr & 0xff) |
                      ((nr >> 12) & 0xfff00);
    }
    snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)pid);
    ev->loginuid = (uint32_t)-1;
    if (read_small(path, buf, sizeof(buf)) > 0)
        ev->loginuid = (uint32_t)strtoul(buf, NULL, 10);
    if (ev->ppid) {
        snprintf(path, sizeof(path), "/proc/%u/comm", ev->ppid);
        if (read_small(path, buf, sizeof(ev->pcomm) + 1) > 0) {
            buf[strcspn(buf, "\n")] = 0;
            copy_str(ev->pcomm, sizeof(ev->pcomm), buf);
        }
    }
    if (l)
        ev->cgroup_id = st_capture__cgroup_id(l, pid);
    if (!exec)
        return !gone;
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    readlink_str(path, ev->exe, sizeof(ev->exe));
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    n = read_small(path, buf, sizeof(buf));
    if (n > 0 && join_args(ev->args, sizeof(ev->args), buf, (size_t)n))
        ev->truncated = true;
    ev->stdio_socket = st_capture__proc_fd_is_socket(pid, 0) ||
                       st_capture__proc_fd_is_socket(pid, 1);
    /* Gone before we finished: the reads above may be empty. */
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    return access(path, F_OK) == 0;
}

/* ---- the process table --------------------------------------------------- */

static proc_slot *proc_slot_of(st_capture *c, uint32_t pid)
{
    return &c->procs[pid % PROC_SLOTS];
}

uint64_t st_capture__proc_cgroup(const st_capture *c, uint32_t pid)
{
    const proc_slot *s = &c->procs[pid % PROC_SLOTS];

    return s->pid == pid ? s->cgroup_id : 0;
}

/* The slot of a process we have not seen exec: from /proc. */
static proc_slot *proc_load(st_capture *c, uint32_t pid)
{
    proc_slot *s = proc_slot_of(c, pid);
    char path[64], buf[ST_EV_ARGS + ST_EV_PATH];
    ssize_t n;

    if (s->pid == pid)
        return s;
    memset(s, 0, sizeof(*s));
    s->pid = pid;
    snprintf(path, sizeof(path), "/proc/%u/exe", pid);
    readlink_str(path, s->exe, sizeof(s->exe));
    snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
    n = read_small(path, buf, sizeof(buf));
    if (n > 0)
        join_args(s->args, sizeof(s->args), buf, (size_t)n);
    return s;
}

/* Canonical form of an absolute path, in place: no "." components, ".."
 * applied to the text (the kernel joins a working directory and a
 * relative name as they are). */
static void path_tidy(char *p)
{
    char *out = p;
    const char *in = p;

    if (*p != '/' || (!strstr(p, "/./") && !strstr(p, "/../") &&
                      !st_str_endswith(p, "/.") && !st_str_endswith(p, "/..") &&
                      !strstr(p, "//")))
        return;
    while (*in) {
        size_t len;

        while (*in == '/')
            in++;
        len = strcspn(in, "/");
        if (len == 0)
            break;
        if (len == 1 && in[0] == '.') {
            in += len;
            continue;
        }
        if (len == 2 && in[0] == '.' && in[1] == '.') {
            while (out > p && *--out != '/')
                ;
            in += len;
            continue;
        }
        *out++ = '/';
        memmove(out, in, len);
        out += len;
        in += len;
    }
    if (out == p)
        *out++ = '/';
    *out = 0;
}

int st_capture__deliver(st_capture *c, st_event *ev, st_capture_fn fn,
                        void *payload)
{
    proc_slot *s = proc_slot_of(c, ev->pid);
    int rc;

    path_tidy(ev->path);
    path_tidy(ev->exe);
    switch (ev->type) {
    case ST_EV_EXECVE:
        memset(s, 0, sizeof(*s));
        s->pid = ev->pid;
        copy_str(s->exe, sizeof(s->exe), ev->exe);
        copy_str(s->args, sizeof(s->args), ev->args);
        memcpy(s->acomm, ev->acomm, sizeof(s->acomm));
        break;
    case ST_EV_FORK: {
        /* The child runs its parent's program. */
        const proc_slot *parent = proc_slot_of(c, ev->ppid);

        if (parent != s) {
            if (parent->pid == ev->ppid) {
                memcpy(s, parent, sizeof(*s));
                s->ids_known = false;
            } else {
                memset(s, 0, sizeof(*s));
            }
            s->pid = ev->pid;
            memcpy(s->acomm, ev->acomm, sizeof(s->acomm));
        }
        s = proc_load(c, ev->pid);
        break;
    }
    default:
        s = proc_load(c, ev->pid);
        if (!ev->acomm[0][0])
            memcpy(ev->acomm, s->acomm, sizeof(ev->acomm));
        break;
    }
    if (!ev->exe[0])
        copy_str(ev->exe, sizeof(ev->exe), s->exe);
    if (ev->type != ST_EV_EXECVE && !ev->args[0])
        copy_str(ev->args, sizeof(ev->args), s->args);
    if (ev->type == ST_EV_SETUID || ev->type == ST_EV_SETGID) {
        /* The kernel reports the ids after the call; the event carries
         * those before it when we know them. */
        uint32_t uid = ev->uid, gid = ev->gid;

        if (s->ids_known)
            ev->uid = s->uid, ev->gid = s->gid;
        s->uid = uid, s->gid = gid;
    } else {
        s->uid = ev->uid, s->gid = ev->gid;
    }
    s->ids_known = true;
    if (ev->cgroup_id && ev->type != ST_EV_EXIT)
        s->cgroup_id = ev->cgroup_id;
    ev->num = ++c->events;
    rc = fn(ev, payload);
    if (ev->type == ST_EV_EXIT && s->pid == ev->pid)
        s->pid = 0;
    return rc;
}

/* ---- the API ----------------------------------------------------------- */

static void reason_of(st_error *e, char *out, size_t n)
{
    char *m = st_error_format(e);

    snprintf(out, n, "%s", m ? m : "out of memory");
    st_free(m);
}

int st_capture_open(st_capture **out, const st_capture_options *opts,
                    st_error **err)
{
    st_capture_options o = {0};
    st_capture *c = NULL;
    st_error *e = NULL;
    char why[384] = "", desc[384] = "";
    int rc;

    *out = NULL;
    if (opts)
        o = *opts;
    if (!o.drain_ms)
        o.drain_ms = 20;
    if (!o.ringbuf_kb)
        o.ringbuf_kb = 8192;
    c = st_calloc(1, sizeof(*c));
    if (c)
        c->procs = st_calloc(PROC_SLOTS, sizeof(*c->procs));
    if (!c || !c->procs) {
        rc = st_error_set(err, ST_ENOMEM, "monitor", "capture: out of memory");
        goto done;
    }

    if (o.mode != ST_CAPTURE_FALLBACK) {
        rc = st_capture__bpf_open(&c->impl, &o, desc, sizeof(desc), &e);
        if (rc == 0) {
            c->ops = &st_capture__bpf_ops;
            c->ebpf = true;
            snprintf(c->desc, sizeof(c->desc), "ebpf (%s)", desc);
            goto done;
        }
        reason_of(e, why, sizeof(why));
        st_error_free(st_steal(&e));
        if (o.mode == ST_CAPTURE_EBPF) {
            rc = st_error_set(err, rc, "monitor", "eBPF capture: %s", why);
            goto done;
        }
    }
    rc = st_capture__fallback_open(&c->impl, &o, desc, sizeof(desc), &e);
    if (rc < 0) {
        char fwhy[384];

        reason_of(e, fwhy, sizeof(fwhy));
        st_error_free(st_steal(&e));
        if (why[0])
            rc = st_error_set(err, ST_EUNSUPPORTED, "monitor",
                              "no capture mode can run here: eBPF: %s; "
                              "fallback: %s", why, fwhy);
        else
            rc = st_error_set(err, rc, "monitor", "fallback capture: %s", fwhy);
        goto done;
    }
    c->ops = &st_capture__fallback_ops;
    /* Cut to fit: the description is for a log line. */
    {
        int n = snprintf(c->desc, sizeof(c->desc), "fallback (%s)", desc);
        if (why[0] && n > 0 && (size_t)n < sizeof(c->desc))
            snprintf(c->desc + n, sizeof(c->desc) - (size_t)n,
                     " (eBPF: %.*s)", (int)(sizeof(c->desc) - (size_t)n),
                     why);
    }

done:
    if (rc < 0)
        st_capture_close(c);
    else
        *out = c;
    return rc;
}

int st_capture_poll(st_capture *c, int timeout_ms, st_capture_fn fn,
                    void *payload, st_error **err)
{
    return c->ops->poll(c, c->impl, timeout_ms, fn, payload, err);
}

const char *st_capture_describe(const st_capture *c)
{
    return c->desc;
}

bool st_capture_is_ebpf(const st_capture *c)
{
    return c->ebpf;
}

void st_capture_counters_get(const st_capture *c, st_capture_counters *out)
{
    memset(out, 0, sizeof(*out));
    c->ops->counters(c->impl, out);
    out->events = c->events;
}

void st_capture_close(st_capture *c)
{
    if (!c)
        return;
    if (c->ops && c->impl)
        c->ops->close(c->impl);
    st_free(c->procs);
    st_free(c);
}
