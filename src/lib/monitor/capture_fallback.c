/* The fallback back end, for hosts where eBPF cannot run: the netlink
 * process connector (fork, exec, exit, uid/gid changes, ptrace attach)
 * and fanotify on every disk-backed filesystem (writes, reported when the
 * file is closed, and opens of sensitive files). The kernel gives only
 * pids: names, ids and arguments are read from /proc afterwards, so a
 * process that exits first is reported with what is left (its pid; the
 * executable when fanotify saw it opened for exec).
 *
 * What it cannot see is said in the description (st_capture_describe).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "monitor/capture_int.h"
#include "util/banned.h"

#define POLL_BATCH 65536
#define BUF_BYTES (64 * 1024)
#define EXEC_CACHE 64
#define PTRACE_ATTACH_REQ 16 /* PTRACE_ATTACH, for st_event.flags */
#define REMARK_NS (2 * 1000000000ull)

/* Filesystems with nothing worth watching (or no fanotify support). */
static const char *const skip_fs[] = {
    "proc",      "sysfs",     "cgroup",    "cgroup2",  "devpts",
    "devtmpfs",  "mqueue",    "debugfs",   "tracefs",  "securityfs",
    "pstore",    "bpf",       "configfs",  "fusectl",  "hugetlbfs",
    "autofs",    "binfmt_misc", "nsfs",    "rpc_pipefs", "efivarfs",
    "selinuxfs", "ramfs",     NULL};

/* Reads of these are reported (writes of anything are). Matched anywhere
 * in the path: a container's files appear under its root directory
 * (…/merged/etc/shadow). */
static const char *const sensitive[] = {
    "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/.ssh/",
    "/etc/kubernetes/", "/var/run/secrets/", "/run/secrets/", NULL};

typedef struct buffer {
    char *data;
    size_t len, off; /* unread events: data[off..len) */
    size_t scan;     /* fanotify: exec opens noted up to here */
} buffer;

typedef struct fb_capture {
    int nl, fan;
    unsigned marks;     /* filesystems marked by the last fan_mark_all */
    uint64_t remark_ns; /* when to look for new filesystems */
    pid_t self;
    bool filter;
    uint64_t *host_cgroups;
    size_t host_cgroup_count;
    st_cgroup_layout cg;
    int64_t mono_to_real;
    uint64_t dropped, filtered;
    buffer nlbuf, fanbuf;
    struct {
        pid_t pid;
        char exe[ST_EV_PATH];
    } execs[EXEC_CACHE]; /* from FAN_OPEN_EXEC, for execs of the dead */
    unsigned exec_next;
    /* The poll in progress. */
    st_capture *c;
    st_capture_fn fn;
    void *payload;
    int delivered;
    bool stop;
    st_event ev;
} fb_capture;

static bool is_host_cgroup(const fb_capture *f, uint64_t id)
{
    for (size_t i = 0; i < f->host_cgroup_count; i++)
        if (f->host_cgroups[i] == id)
            return true;
    return false;
}

/* Hands the event on, unless it is a host event we are told to drop. */
static void pass(fb_capture *f, st_event *ev)
{
    if (f->filter && is_host_cgroup(f, ev->cgroup_id)) {
        f->filtered++;
        return;
    }
    f->delivered++;
    if (st_capture__deliver(f->c, ev, f->fn, f->payload) != 0)
        f->stop = true;
}

static void event_init(st_event *ev, st_ev_type type, uint32_t pid,
                       uint64_t ts)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->pid = ev->tid = pid;
    ev->ts_ns = ts;
    ev->loginuid = (uint32_t)-1;
}

/* ---- fanotify ----------------------------------------------------------- */

static bool is_sensitive(const char *path)
{
    for (size_t i = 0; sensitive[i]; i++)
        if (strstr(path, sensitive[i]))
            return true;
    return false;
}

/* The latest exec open noted for pid. */
static const char *exec_cached(const fb_capture *f, pid_t pid)
{
    for (unsigned i = 1; i <= EXEC_CACHE; i++) {
        unsigned k = (f->exec_next + EXEC_CACHE - i) % EXEC_CACHE;

        if (f->execs[k].pid == pid)
            return f->execs[k].exe;
    }
    return NULL;
}

static bool fan_path(const struct fanotify_event_metadata *m, char *path,
                     size_t n)
{
    char link[64];
    ssize_t len;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
    len = readlink(link, path, n - 1);
    if (len <= 0)
        return false;
    path[len] = 0;
    return true;
}

static void fan_one(fb_capture *f, const struct fanotify_event_metadata *m)
{
    char path[ST_EV_PATH];
    bool named;

    if (m->mask & FAN_Q_OVERFLOW) {
        f->dropped++;
        return;
    }
    if (m->fd < 0)
        return;
    named = fan_path(m, path, sizeof(path));
    close(m->fd);
    if (!named || m->pid == f->self)
        return;
    if (m->mask & FAN_CLOSE_WRITE) {
        /* The open's flags are not reported: it was for writing. */
        event_init(&f->ev, ST_EV_OPEN, (uint32_t)m->pid,
                   st_capture__realtime_ns());
        f->ev.flags = O_WRONLY;
    } else if ((m->mask & FAN_OPEN) && !(m->mask & FAN_OPEN_EXEC) &&
               is_sensitive(path)) {
        event_init(&f->ev, ST_EV_OPEN, (uint32_t)m->pid,
                   st_capture__realtime_ns());
        f->ev.flags = O_RDONLY;
    } else {
        return;
    }
    snprintf(f->ev.path, sizeof(f->ev.path), "%s", path);
    if (!st_capture__proc_read(&f->cg, m->pid, &f->ev, false))
        f->ev.cgroup_id = st_capture__proc_cgroup(f->c, (uint32_t)m->pid);
    pass(f, &f->ev);
}

/* Reads a batch of fanotify events when the last one is used up, and notes
 * the executables of exec opens, so that the process connector's exec
 * events, handled before these, can name them. */
static int fan_fill(fb_capture *f, st_error **err)
{
    buffer *b = &f->fanbuf;
    char exe[ST_EV_PATH];

    if (b->len - b->off < FAN_EVENT_METADATA_LEN) {
        ssize_t r = read(f->fan, b->data, BUF_BYTES);

        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (r <= 0)
            return st_error_set(err, ST_EIO, "monitor",
                                "reading fanotify events: %s",
                                r < 0 ? strerror(errno) : "end of file");
        b->len = (size_t)r;
        b->off = b->scan = 0;
    }
    while (b->len - b->scan >= FAN_EVENT_METADATA_LEN) {
        const struct fanotify_event_metadata *m =
            (const void *)(b->data + b->scan);

        if (m->vers != FANOTIFY_METADATA_VERSION ||
            m->event_len < sizeof(*m) || m->event_len > b->len - b->scan)
            return st_error_set(err, ST_EIO, "monitor",
                                "fanotify: unexpected event layout "
                                "(version %u)", m->vers);
        b->scan += m->event_len;
        if ((m->mask & FAN_OPEN_EXEC) && m->fd >= 0 &&
            fan_path(m, exe, sizeof(exe))) {
            f->execs[f->exec_next].pid = m->pid;
            memcpy(f->execs[f->exec_next].exe, exe, sizeof(exe));
            f->exec_next = (f->exec_next + 1) % EXEC_CACHE;
        }
    }
    return 0;
}

/* Hands out the events fan_fill read (and checked). */
static void fan_drain(fb_capture *f)
{
    buffer *b = &f->fanbuf;

    while (!f->stop && f->delivered < POLL_BATCH && b->off < b->scan) {
        const struct fanotify_event_metadata *m =
            (const void *)(b->data + b->off);

        b->off += m->event_len;
        fan_one(f, m);
    }
}

/* Marks each disk-backed filesystem once (FAN_MARK_FILESYSTEM covers all
 * its mounts, those of containers included); FAN_MARK_MOUNT where
 * filesystem marks are not supported. */
static void fan_mark_all(fb_capture *f)
{
    FILE *mi = fopen("/proc/self/mountinfo", "re");
    char line[1024], seen[256][16];
    unsigned nseen = 0, marked = 0;

    if (!mi)
        return;
    while (fgets(line, sizeof(line), mi)) {
        char dev[16], mnt[512], fstype[64];
        const char *sep = strstr(line, " - ");
        bool skip = false, dup = false;
        uint64_t mask = FAN_OPEN | FAN_OPEN_EXEC | FAN_CLOSE_WRITE;

        if (!sep || sscanf(line, "%*s %*s %15s %*s %511s", dev, mnt) != 2 ||
            sscanf(sep + 3, "%63s", fstype) != 1)
            continue;
        for (size_t i = 0; skip_fs[i]; i++)
            skip = skip || strcmp(fstype, skip_fs[i]) == 0;
        for (unsigned i = 0; i < nseen; i++)
            dup = dup || strcmp(seen[i], dev) == 0;
        if (skip || dup || strchr(mnt, '\\')) /* octal escapes: odd names */
            continue;
        if (fanotify_mark(f->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask,
                          AT_FDCWD, mnt) < 0 &&
            fanotify_mark(f->fan, FAN_MARK_ADD | FAN_MARK_MOUNT, mask,
                          AT_FDCWD, mnt) < 0)
            continue;
        marked++;
        if (nseen < 256)
            memcpy(seen[nseen++], dev, sizeof(dev));
    }
    fclose(mi);
    f->marks = marked;
}

/* ---- the process connector ------------------------------------------------ */

static int nl_send_op(int nl, enum proc_cn_mcast_op op)
{
    union {
        char raw[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))];
        struct nlmsghdr align;
    } msg;
    struct nlmsghdr *nlh = (struct nlmsghdr *)msg.raw;
    struct cn_msg *cn = NLMSG_DATA(nlh);

    memset(&msg, 0, sizeof(msg));
    nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
    nlh->nlmsg_type = NLMSG_DONE;
    nlh->nlmsg_pid = 0;
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(op);
    memcpy(cn->data, &op, sizeof(op));
    return send(nl, nlh, nlh->nlmsg_len, 0) < 0 ? -1 : 0;
}

static void nl_one(fb_capture *f, const struct proc_event *pe)
{
    uint64_t ts = (uint64_t)((int64_t)pe->timestamp_ns + f->mono_to_real);
    st_event *ev = &f->ev;

    switch (pe->what) {
    case PROC_EVENT_FORK: {
        const struct fork_proc_event *e = &pe->event_data.fork;

        if (e->child_pid != e->child_tgid || e->parent_tgid == f->self)
            return;
        event_init(ev, ST_EV_FORK, (uint32_t)e->child_tgid, ts);
        st_capture__proc_read(&f->cg, e->child_tgid, ev, false);
        ev->tid = (uint32_t)e->child_pid;
        ev->arg = (uint32_t)e->child_pid;
        ev->ppid = (uint32_t)e->parent_tgid;
        pass(f, ev);
        return;
    }
    case PROC_EVENT_EXEC: {
        const struct exec_proc_event *e = &pe->event_data.exec;
        const char *exe;

        if (e->process_tgid == f->self)
            return;
        event_init(ev, ST_EV_EXECVE, (uint32_t)e->process_tgid, ts);
        if (!st_capture__proc_read(&f->cg, e->process_tgid, ev, true))
            ev->cgroup_id = st_capture__proc_cgroup(f->c, (uint32_t)e->process_tgid);
        if (!ev->exe[0] && (exe = exec_cached(f, e->process_tgid)))
            snprintf(ev->exe, sizeof(ev->exe), "%s", exe);
        ev->tid = (uint32_t)e->process_pid;
        pass(f, ev);
        return;
    }
    case PROC_EVENT_EXIT: {
        const struct exit_proc_event *e = &pe->event_data.exit;

        if (e->process_pid != e->process_tgid || e->process_tgid == f->self)
            return;
        event_init(ev, ST_EV_EXIT, (uint32_t)e->process_tgid, ts);
        /* Exited: its cgroup is the one we saw last. */
        st_capture__proc_read(NULL, e->process_tgid, ev, false);
        ev->cgroup_id = st_capture__proc_cgroup(f->c, (uint32_t)e->process_tgid);
        ev->ret = e->exit_code;
        pass(f, ev);
        return;
    }
    case PROC_EVENT_UID:
    case PROC_EVENT_GID: {
        const struct id_proc_event *e = &pe->event_data.id;

        if (e->process_tgid == f->self)
            return;
        event_init(ev, pe->what == PROC_EVENT_UID ? ST_EV_SETUID : ST_EV_SETGID,
                   (uint32_t)e->process_tgid, ts);
        st_capture__proc_read(&f->cg, e->process_tgid, ev, false);
        ev->tid = (uint32_t)e->process_pid;
        ev->arg = pe->what == PROC_EVENT_UID ? e->e.euid : e->e.egid;
        pass(f, ev);
        return;
    }
    case PROC_EVENT_PTRACE: {
        const struct ptrace_proc_event *e = &pe->event_data.ptrace;

        if (!e->tracer_tgid || e->tracer_tgid == f->self) /* a detach */
            return;
        event_init(ev, ST_EV_PTRACE, (uint32_t)e->tracer_tgid, ts);
        st_capture__proc_read(&f->cg, e->tracer_tgid, ev, false);
        ev->tid = (uint32_t)e->tracer_pid;
        ev->flags = PTRACE_ATTACH_REQ;
        ev->arg = (uint32_t)e->process_tgid;
        pass(f, ev);
        return;
    }
    default:
        return;
    }
}

static int nl_drain(fb_capture *f, st_error **err)
{
    buffer *b = &f->nlbuf;

    while (!f->stop && f->delivered < POLL_BATCH) {
        const struct nlmsghdr *nlh;
        size_t left = b->len - b->off;

        if (left < NLMSG_HDRLEN) {
            ssize_t r = recv(f->nl, b->data, BUF_BYTES, 0);

            if (r < 0 && errno == ENOBUFS) { /* the socket overflowed */
                f->dropped++;
                continue;
            }
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
            if (r <= 0)
                return st_error_set(err, ST_EIO, "monitor",
                                    "reading the process connector: %s",
                                    r < 0 ? strerror(errno) : "end of file");
            b->len = (size_t)r;
            b->off = 0;
            continue;
        }
        nlh = (const void *)(b->data + b->off);
        if (!NLMSG_OK(nlh, left)) {
            b->off = b->len;
            continue;
        }
        b->off += NLMSG_ALIGN(nlh->nlmsg_len) < left ? NLMSG_ALIGN(nlh->nlmsg_len)
                                                      : left;
        if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_ERROR)
            continue;
        if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct cn_msg) +
                                           sizeof(struct proc_event))) {
            const struct cn_msg *cn = NLMSG_DATA(nlh);
            struct proc_event pe; /* cn->data is only 4-byte aligned */

            memcpy(&pe, cn->data, sizeof(pe));
            nl_one(f, &pe);
        }
    }
    return 0;
}

/* ---- the back end ----------------------------------------------------------- */

static int fb_poll(st_capture *c, void *impl, int timeout_ms, st_capture_fn fn,
                   void *payload, st_error **err)
{
    fb_capture *f = impl;
    uint64_t deadline = st_capture__now_ns() +
                        (timeout_ms > 0 ? (uint64_t)timeout_ms : 0) * 1000000u;
    int rc;

    f->c = c;
    f->fn = fn;
    f->payload = payload;
    f->delivered = 0;
    f->stop = false;
    /* Filesystems mounted since (a container's overlay). */
    if (f->fan >= 0 && st_capture__now_ns() >= f->remark_ns) {
        fan_mark_all(f);
        f->remark_ns = st_capture__now_ns() + REMARK_NS;
    }
    for (;;) {
        struct pollfd pf[2] = {{f->fan, POLLIN, 0}, {f->nl, POLLIN, 0}};
        uint64_t now;
        int wait = -1;

        /* Process events first (fork, exec come before the file events of
         * the new process), with the exec opens fanotify saw noted. */
        if (f->fan >= 0 && (rc = fan_fill(f, err)) < 0)
            return rc;
        if ((rc = nl_drain(f, err)) < 0)
            return rc;
        if (f->fan >= 0)
            fan_drain(f);
        if (f->delivered > 0 || f->stop)
            return f->delivered;
        now = st_capture__now_ns();
        if (timeout_ms >= 0) {
            if (now >= deadline)
                return 0;
            wait = (int)((deadline - now + 999999u) / 1000000u);
        }
        if (poll(pf, 2, wait) < 0 && errno != EINTR)
            return st_error_set(err, ST_EIO, "monitor", "poll: %s",
                                strerror(errno));
    }
}

static void fb_counters(void *impl, st_capture_counters *out)
{
    fb_capture *f = impl;

    out->dropped = f->dropped;
    out->filtered = f->filtered;
}

static void fb_close(void *impl)
{
    fb_capture *f = impl;

    if (!f)
        return;
    /* Events read but not handed out still hold descriptors. */
    while (f->fan >= 0 && f->fanbuf.data &&
           f->fanbuf.len - f->fanbuf.off >= FAN_EVENT_METADATA_LEN) {
        const struct fanotify_event_metadata *m =
            (const void *)(f->fanbuf.data + f->fanbuf.off);

        if (m->event_len < sizeof(*m))
            break;
        if (m->fd >= 0)
            close(m->fd);
        f->fanbuf.off += m->event_len;
    }
    if (f->nl >= 0) {
        nl_send_op(f->nl, PROC_CN_MCAST_IGNORE);
        close(f->nl);
    }
    if (f->fan >= 0)
        close(f->fan);
    st_free(f->nlbuf.data);
    st_free(f->fanbuf.data);
    st_free(f->host_cgroups);
    st_free(f);
}

const st_capture_ops st_capture__fallback_ops = {
    .name = "fallback",
    .poll = fb_poll,
    .counters = fb_counters,
    .close = fb_close,
};

int st_capture__fallback_open(void **impl, const st_capture_options *o,
                              char *desc, size_t desclen, st_error **err)
{
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
    fb_capture *f = st_calloc(1, sizeof(*f));
    int rcvbuf = 8 << 20, rc = 0;
    struct timespec mono, real;

    *impl = NULL;
    if (!f)
        return st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
    f->nl = f->fan = -1;
    f->self = getpid();
    f->nlbuf.data = st_malloc(BUF_BYTES);
    f->fanbuf.data = st_malloc(BUF_BYTES);
    if (!f->nlbuf.data || !f->fanbuf.data) {
        rc = st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
        goto done;
    }
    if ((rc = st_capture__cgroup_layout(&f->cg, err)) < 0)
        goto done;
    f->filter = !o->host && o->host_cgroup_count > 0;
    if (f->filter) {
        f->host_cgroups = st_calloc(o->host_cgroup_count, sizeof(uint64_t));
        if (!f->host_cgroups) {
            rc = st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
            goto done;
        }
        memcpy(f->host_cgroups, o->host_cgroups,
               o->host_cgroup_count * sizeof(uint64_t));
        f->host_cgroup_count = o->host_cgroup_count;
    }

    f->nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   NETLINK_CONNECTOR);
    if (f->nl < 0 || bind(f->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "monitor",
                          "the netlink process connector is not available "
                          "(%s; it needs CAP_NET_ADMIN in the initial "
                          "network namespace)", strerror(errno));
        goto done;
    }
    /* A larger socket buffer rides out bursts of forks; as root, past the
     * sysctl limit. */
    if (setsockopt(f->nl, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
                   sizeof(rcvbuf)) < 0)
        (void)setsockopt(f->nl, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (nl_send_op(f->nl, PROC_CN_MCAST_LISTEN) < 0) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "monitor",
                          "subscribing to the process connector: %s",
                          strerror(errno));
        goto done;
    }

    /* fanotify is optional: without it the connector still runs. */
    f->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                           O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (f->fan >= 0) {
        fan_mark_all(f);
        f->remark_ns = st_capture__now_ns() + REMARK_NS;
        if (!f->marks) {
            close(f->fan);
            f->fan = -1;
        }
    }

    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    f->mono_to_real = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
                      (real.tv_nsec - mono.tv_nsec);
    snprintf(desc, desclen,
             "netlink proc connector%s: exec, fork, exit, setuid/setgid, "
             "ptrace attach%s; no network, mount, module, bpf, capset, "
             "unshare/setns, dup, chmod, rename or unlink events, no "
             "ptrace(TRACEME); exec details are read from /proc and are "
             "missing for processes that exit first",
             f->fan >= 0 ? " + fanotify" : "",
             f->fan >= 0 ? ", file writes (at close) and opens of sensitive "
                           "files"
                         : "; no file events (fanotify unavailable)");
    rc = 0;

done:
    if (rc < 0)
        fb_close(f);
    else
        *impl = f;
    return rc;
}
