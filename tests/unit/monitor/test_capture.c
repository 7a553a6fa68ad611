/* Live capture tests: open a capture, fork a helper that does what each
 * event type needs, and check that every event arrives with the right
 * pid, names, paths, arguments and ports. They need root (eBPF, the
 * process connector, fanotify) and skip loudly without it, or when the
 * kernel refuses the eBPF programs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/bpf/capture_rec.h"
#include "monitor/capture_int.h"

#define HELPER_COMM "stcap-helper"

/* ---- collecting events ---------------------------------------------------- */

typedef struct collected {
    st_event *evs;
    size_t n, alloc;
    pid_t child;
    bool child_exited;
} collected;

/* Keeps the events of the helper and of its children. */
static int collect(const st_event *ev, void *payload)
{
    collected *c = payload;

    if ((pid_t)ev->pid != c->child && (pid_t)ev->ppid != c->child)
        return 0;
    if (c->n == c->alloc) {
        c->alloc = c->alloc ? 2 * c->alloc : 64;
        c->evs = realloc(c->evs, c->alloc * sizeof(*c->evs));
        assert_non_null(c->evs);
    }
    c->evs[c->n++] = *ev;
    if (ev->type == ST_EV_EXIT && (pid_t)ev->pid == c->child)
        c->child_exited = true;
    return 0;
}

/* Polls until the helper's exit has been seen (or 10 s). */
static void collect_until_exit(st_capture *cap, collected *c)
{
    time_t end = time(NULL) + 10;
    st_error *err = NULL;

    while (!c->child_exited && time(NULL) < end)
        assert_true(st_capture_poll(cap, 100, collect, c, &err) >= 0);
    st_error_free(err);
}

static const st_event *find(const collected *c, st_ev_type type, pid_t pid,
                            const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->evs[i].type == type && (pid_t)c->evs[i].pid == pid &&
            (!path || strcmp(c->evs[i].path, path) == 0))
            return &c->evs[i];
    return NULL;
}

/* The next event of that type and pid after `prev`. */
static const st_event *find_after(const collected *c, const st_event *prev,
                                  st_ev_type type, pid_t pid)
{
    for (size_t i = (size_t)(prev - c->evs) + 1; i < c->n; i++)
        if (c->evs[i].type == type && (pid_t)c->evs[i].pid == pid)
            return &c->evs[i];
    return NULL;
}

/* The controlling terminal of pid as st_event.tty encodes it (major << 20
 * | minor), from /proc/<pid>/stat's tty_nr (new_encode_dev). */
static uint32_t tty_of(pid_t pid)
{
    char path[64], buf[1024];
    unsigned nr = 0;
    FILE *f;
    char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    p = strrchr(buf, ')');
    assert_non_null(p);
    assert_int_equal(sscanf(p + 1, " %*c %*d %*d %*d %u", &nr), 1);
    return ((nr >> 8) & 0xfff) << 20 | (nr & 0xff) | ((nr >> 12) & 0xfff00);
}

static void comm_of(pid_t pid, char out[16])
{
    char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(out, 16, f));
    fclose(f);
    out[strcspn(out, "\n")] = 0;
}

static const st_event *must_find(const collected *c, st_ev_type type,
                                 pid_t pid, const char *path)
{
    const st_event *ev = find(c, type, pid, path);

    if (!ev)
        fprintf(stderr, "no %s event from pid %d%s%s (of %zu events)\n",
                st_ev_type_name(type), (int)pid, path ? " for " : "",
                path ? path : "", c->n);
    assert_non_null(ev);
    return ev;
}

static bool need_root(void)
{
    if (geteuid() == 0)
        return true;
    fprintf(stderr, "SKIP: live capture tests need root (eBPF, the netlink "
                    "process connector and fanotify)\n");
    return false;
}

/* Opens a capture or says loudly why the test cannot run. */
static st_capture *open_or_skip(const st_capture_options *o)
{
    st_capture *cap = NULL;
    st_error *err = NULL;

    if (st_capture_open(&cap, o, &err) < 0) {
        char *m = st_error_format(err);

        fprintf(stderr, "SKIP: cannot capture here: %s\n", m ? m : "?");
        st_free(m);
        st_error_free(err);
        return NULL;
    }
    return cap;
}

static uint32_t ipv4(const uint8_t addr[16])
{
    uint32_t v;

    memcpy(&v, addr, 4);
    return v;
}

static void make_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/stcap.XXXXXX");
    assert_non_null(mkdtemp(dir));
}

/* ---- the helper ------------------------------------------------------------- */

typedef struct facts {
    int port;       /* the listener's port */
    int cport;      /* the connecting socket's local port */
    pid_t tracee;   /* the grandchild that called PTRACE_TRACEME */
    bool v6;        /* a UDP socket connected to [::1]:port */
    char err[160];  /* the step that failed, or "" */
} facts;

static void helper_fail(facts *f, int fd, const char *what)
{
    snprintf(f->err, sizeof(f->err), "%s: %s", what, strerror(errno));
    (void)!write(fd, f, sizeof(*f));
    _exit(1);
}

/* One of every event type, then exec of /bin/true with stdout on a TCP
 * socket (the shape of a reverse shell). */
static void helper(const char *dir, const char *tmp, const char *tmp2,
                   int out)
{
    facts f = {0};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    int fd, s1, s2, s3;
    pid_t pid;

    prctl(PR_SET_NAME, HELPER_COMM);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        helper_fail(&f, out, "open for writing");
    close(fd);
    if ((fd = open("/etc/hostname", O_RDONLY)) >= 0) /* not reported */
        close(fd);
    if ((fd = open("/etc/shadow", O_RDONLY)) < 0)
        helper_fail(&f, out, "open /etc/shadow");
    close(fd);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((s1 = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        bind(s1, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(s1, (struct sockaddr *)&sa, &len) < 0 || listen(s1, 1) < 0)
        helper_fail(&f, out, "listen");
    f.port = ntohs(sa.sin_port);
    if ((s2 = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        connect(s2, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        helper_fail(&f, out, "connect");
    len = sizeof(sa);
    if (getsockname(s2, (struct sockaddr *)&sa, &len) < 0)
        helper_fail(&f, out, "getsockname");
    f.cport = ntohs(sa.sin_port);
    if ((s3 = accept(s1, NULL, NULL)) < 0)
        helper_fail(&f, out, "accept");
    {
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
                                  .sin6_port = htons(f.port),
                                  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        int u = socket(AF_INET6, SOCK_DGRAM, 0);

        /* No IPv6 here (some containers): not checked. */
        f.v6 = u >= 0 && connect(u, (struct sockaddr *)&s6, sizeof(s6)) == 0;
        snprintf(un.sun_path, sizeof(un.sun_path), "%s/sock", dir);
        if ((u = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
            bind(u, (struct sockaddr *)&un, sizeof(un)) < 0 ||
            unlink(un.sun_path) < 0)
            helper_fail(&f, out, "unix socket");
    }

    if (chmod(tmp, 0640) < 0 || rename(tmp, tmp2) < 0 || unlink(tmp2) < 0)
        helper_fail(&f, out, "chmod, rename, unlink");
    /* Relative names are completed in the kernel. */
    if (chdir(dir) < 0 ||
        (fd = open("relative", O_WRONLY | O_CREAT, 0600)) < 0 ||
        fchmod(fd, 0604) < 0 || close(fd) < 0 || unlink("relative") < 0)
        helper_fail(&f, out, "relative names");
    if (chdir("/etc") < 0 || (fd = open("shadow", O_RDONLY)) < 0)
        helper_fail(&f, out, "open shadow");
    close(fd);
    /* Effective uid to nobody and back: the events carry the ids before
     * each call. */
    if (setgid(getgid()) < 0 || setresuid(-1, 65534, -1) < 0 ||
        setresuid(-1, 0, -1) < 0)
        helper_fail(&f, out, "setgid, setresuid");
    if (syscall(SYS_capget, &hdr, data) < 0 ||
        syscall(SYS_capset, &hdr, data) < 0)
        helper_fail(&f, out, "capset");

    if ((pid = fork()) == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, NULL, 0) < 0)
        helper_fail(&f, out, "fork");
    f.tracee = pid;

    if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
        mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        helper_fail(&f, out, "unshare, mount");
    if ((fd = open("/proc/self/ns/uts", O_RDONLY)) < 0 ||
        setns(fd, CLONE_NEWUTS) < 0)
        helper_fail(&f, out, "setns");
    close(fd);
    /* Both fail harmlessly: a lookup with no attributes, a module from
     * no file. */
    (void)syscall(SYS_bpf, 1 /* BPF_MAP_LOOKUP_ELEM */, NULL, 0);
    (void)syscall(SYS_finit_module, -1, "", 0);

    if (write(out, &f, sizeof(f)) != (ssize_t)sizeof(f))
        _exit(1);
    close(out);
    if (dup2(s2, 1) < 0)
        _exit(1);
    execl("/bin/true", "true", "alpha", "beta", (char *)NULL);
    _exit(127);
}

/* ---- eBPF: every event type ----------------------------------------------- */

static void test_monitor__capture_ebpf_events(void **state)
{
    st_capture_options o = {.mode = ST_CAPTURE_EBPF, .host = true};
    collected c = {0};
    st_cgroup_layout cg;
    char dir[64], tmp[96], tmp2[96], rel[PATH_MAX + 16], pcomm[17] = "";
    char real_dir[PATH_MAX], gpcomm[16];
    size_t shadow_reads = 0;
    uint64_t cgid;
    int pipefd[2], status;
    facts f;
    st_capture *cap;
    const st_event *ev;

    (void)state;
    if (!need_root() || !(cap = open_or_skip(&o)))
        skip();
    assert_true(st_capture_is_ebpf(cap));
    assert_int_equal(st_capture__cgroup_layout(&cg, NULL), 0);
    cgid = st_capture__cgroup_id(&cg, getpid());
    assert_true(cgid != 0);
    prctl(PR_GET_NAME, pcomm);
    comm_of(getppid(), gpcomm);
    make_tmpdir(dir, sizeof(dir));
    snprintf(tmp, sizeof(tmp), "%s/written", dir);
    snprintf(tmp2, sizeof(tmp2), "%s/renamed", dir);
    assert_non_null(realpath(dir, real_dir));
    snprintf(rel, sizeof(rel), "%s/relative", real_dir);

    assert_int_equal(pipe(pipefd), 0);
    c.child = fork();
    assert_true(c.child >= 0);
    if (c.child == 0) {
        close(pipefd[0]);
        helper(dir, tmp, tmp2, pipefd[1]);
    }
    close(pipefd[1]);
    assert_int_equal(read(pipefd[0], &f, sizeof(f)), sizeof(f));
    close(pipefd[0]);
    if (f.err[0])
        fprintf(stderr, "helper: %s\n", f.err);
    assert_string_equal(f.err, "");
    assert_int_equal(waitpid(c.child, &status, 0), c.child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    collect_until_exit(cap, &c);
    rmdir(dir);

    /* Opens: the write, the sensitive read; not the ordinary read. */
    ev = must_find(&c, ST_EV_OPEN, c.child, tmp);
    assert_int_equal(ev->flags & O_ACCMODE, O_WRONLY);
    assert_true(ev->flags & O_CREAT);
    assert_true(ev->ret >= 0);
    assert_string_equal(ev->comm, HELPER_COMM);
    assert_string_equal(ev->pcomm, pcomm);
    assert_int_equal(ev->ppid, getpid());
    assert_int_equal(ev->uid, geteuid());
    assert_int_equal(ev->cgroup_id, cgid);
    assert_true(ev->ts_ns > 1500000000ull * 1000000000ull);
    ev = must_find(&c, ST_EV_OPEN, c.child, "/etc/shadow");
    assert_int_equal(ev->flags & O_ACCMODE, O_RDONLY);
    assert_null(find(&c, ST_EV_OPEN, c.child, "/etc/hostname"));
    for (size_t i = 0; i < c.n; i++)
        shadow_reads += c.evs[i].type == ST_EV_OPEN &&
                        strcmp(c.evs[i].path, "/etc/shadow") == 0;
    assert_int_equal(shadow_reads, 2); /* "/etc/shadow", "shadow" in /etc */
    ev = must_find(&c, ST_EV_OPEN, c.child, rel);
    assert_int_equal(ev->flags & O_ACCMODE, O_WRONLY);
    ev = must_find(&c, ST_EV_CHMOD, c.child, rel); /* fchmod: from the fd */
    assert_int_equal(ev->flags, 0604);
    must_find(&c, ST_EV_UNLINK, c.child, rel);

    /* Sockets: local side s*, remote side d*. */
    ev = must_find(&c, ST_EV_BIND, c.child, NULL);
    assert_int_equal(ev->family, AF_INET);
    assert_int_equal(ev->sport, f.port);
    assert_int_equal(ipv4(ev->saddr), htonl(INADDR_LOOPBACK));
    ev = must_find(&c, ST_EV_LISTEN, c.child, NULL);
    assert_int_equal(ev->sport, f.port);
    ev = must_find(&c, ST_EV_CONNECT, c.child, NULL);
    assert_int_equal(ev->ret, 0);
    assert_int_equal(ev->family, AF_INET);
    assert_int_equal(ev->l4proto, IPPROTO_TCP);
    assert_int_equal(ev->dport, f.port);
    assert_int_equal(ipv4(ev->daddr), htonl(INADDR_LOOPBACK));
    assert_int_equal(ev->sport, f.cport);
    ev = must_find(&c, ST_EV_ACCEPT, c.child, NULL);
    assert_int_equal(ev->sport, f.port);
    assert_int_equal(ev->dport, f.cport);
    if (f.v6) {
        static const uint8_t loop6[16] = {[15] = 1};

        ev = find_after(&c, must_find(&c, ST_EV_CONNECT, c.child, NULL),
                        ST_EV_CONNECT, c.child);
        assert_non_null(ev);
        assert_int_equal(ev->family, AF_INET6);
        assert_int_equal(ev->l4proto, IPPROTO_UDP);
        assert_int_equal(ev->dport, f.port);
        assert_memory_equal(ev->daddr, loop6, 16);
    } else {
        fprintf(stderr, "note: no IPv6 here: not checked\n");
    }
    snprintf(rel, sizeof(rel), "%s/sock", dir);
    ev = must_find(&c, ST_EV_BIND, c.child, rel);
    assert_int_equal(ev->family, AF_UNIX);
    snprintf(rel, sizeof(rel), "%s/relative", real_dir);

    /* Files. */
    ev = must_find(&c, ST_EV_CHMOD, c.child, tmp);
    assert_int_equal(ev->flags, 0640);
    must_find(&c, ST_EV_RENAME, c.child, tmp2);
    must_find(&c, ST_EV_UNLINK, c.child, tmp2);

    /* Privilege. */
    ev = must_find(&c, ST_EV_SETUID, c.child, NULL);
    assert_int_equal(ev->arg, 65534);
    assert_int_equal(ev->uid, 0);
    ev = find_after(&c, ev, ST_EV_SETUID, c.child);
    assert_non_null(ev);
    assert_int_equal(ev->arg, 0);
    assert_int_equal(ev->uid, 65534);
    ev = must_find(&c, ST_EV_SETGID, c.child, NULL);
    assert_int_equal(ev->arg, getgid());
    ev = must_find(&c, ST_EV_CAPSET, c.child, NULL);
    assert_int_equal(ev->ret, 0);
    ev = must_find(&c, ST_EV_FORK, f.tracee, NULL);
    assert_int_equal(ev->ppid, c.child);
    ev = must_find(&c, ST_EV_PTRACE, f.tracee, NULL);
    assert_int_equal(ev->flags, PTRACE_TRACEME);
    assert_int_equal(ev->ppid, c.child);
    must_find(&c, ST_EV_EXIT, f.tracee, NULL);
    ev = must_find(&c, ST_EV_UNSHARE, c.child, NULL);
    assert_int_equal(ev->flags, CLONE_NEWNS | CLONE_NEWUTS);
    ev = must_find(&c, ST_EV_MOUNT, c.child, "/");
    assert_int_equal(ev->flags, MS_REC | MS_PRIVATE);
    ev = must_find(&c, ST_EV_SETNS, c.child, NULL);
    assert_int_equal(ev->flags, CLONE_NEWUTS);
    ev = must_find(&c, ST_EV_BPF, c.child, NULL);
    assert_int_equal(ev->arg, 1);
    assert_true(ev->ret < 0);
    ev = must_find(&c, ST_EV_INIT_MODULE, c.child, NULL);
    assert_true(ev->ret == -EBADF || ev->ret == -ENOSYS); /* no modules */

    /* The reverse-shell shape: stdout onto a socket, then exec. */
    ev = must_find(&c, ST_EV_DUP, c.child, NULL);
    assert_int_equal(ev->arg, 1);
    assert_true(ev->stdio_socket);
    assert_int_equal(ev->dport, f.port);
    ev = must_find(&c, ST_EV_EXECVE, c.child, NULL);
    assert_string_equal(ev->comm, "true");
    assert_string_equal(ev->pcomm, pcomm);
    assert_string_equal(ev->acomm[0], gpcomm); /* proc.aname[2] */
    assert_int_equal(ev->tty, tty_of(getpid()));
    assert_false(ev->exe_setuid);
    assert_true(ev->num > 0);
    assert_string_equal(ev->exe, "/bin/true");
    assert_string_equal(ev->args, "alpha beta");
    assert_true(ev->stdio_socket);
    assert_false(ev->exe_written);
    assert_int_equal(ev->ppid, getpid());
    assert_int_equal(ev->cgroup_id, cgid);
    ev = must_find(&c, ST_EV_EXIT, c.child, NULL);
    assert_int_equal(ev->ret, 0);
    assert_string_equal(ev->comm, "true");
    assert_string_equal(ev->exe, "/bin/true");

    free(c.evs);
    st_capture_close(cap);
}

/* ---- eBPF: drift, an exec of a file written while we watched -------------- */

static void test_monitor__capture_ebpf_drift(void **state)
{
    st_capture_options o = {.mode = ST_CAPTURE_EBPF, .host = true};
    collected c = {0};
    char dir[64], copy[96];
    st_buf bin = ST_BUF_INIT(64 << 20);
    struct statvfs vfs;
    int fd, status;
    st_capture *cap;
    const st_event *ev;

    (void)state;
    if (!need_root() || !(cap = open_or_skip(&o)))
        skip();
    make_tmpdir(dir, sizeof(dir));
    snprintf(copy, sizeof(copy), "%s/true-copy", dir);
    assert_int_equal(st_read_file(&bin, "/bin/true", bin.max, NULL), 0);

    /* The child writes a copy of /bin/true and runs it: the drift rule's
     * "copy and exec a new binary". */
    c.child = fork();
    assert_true(c.child >= 0);
    if (c.child == 0) {
        fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0755);
        if (fd < 0 || write(fd, bin.ptr, bin.len) != (ssize_t)bin.len)
            _exit(1);
        close(fd);
        execl(copy, "true-copy", (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(c.child, &status, 0), c.child);
    collect_until_exit(cap, &c);
    unlink(copy);
    ev = must_find(&c, ST_EV_EXECVE, c.child, NULL);
    assert_string_equal(ev->exe, copy);
    assert_true(ev->exe_written);
    assert_false(ev->exe_setuid);

    /* A set-user-ID copy, written by us (the monitor's own writes are not
     * tracked): exe_setuid. */
    fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bin.ptr, bin.len), (ssize_t)bin.len);
    assert_int_equal(fchmod(fd, 04755), 0);
    close(fd);
    free(c.evs);
    memset(&c, 0, sizeof(c));
    c.child = fork();
    assert_true(c.child >= 0);
    if (c.child == 0) {
        execl(copy, "true-copy", (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(c.child, &status, 0), c.child);
    collect_until_exit(cap, &c);
    ev = must_find(&c, ST_EV_EXECVE, c.child, NULL);
    if (statvfs(dir, &vfs) == 0 && !(vfs.f_flag & ST_NOSUID))
        assert_true(ev->exe_setuid);
    else
        fprintf(stderr, "note: %s is nosuid: set-user-ID not checked\n", dir);
    unlink(copy);
    rmdir(dir);
    st_buf_release(&bin);
    free(c.evs);
    st_capture_close(cap);
}

/* ---- eBPF: the in-kernel host filter -------------------------------------- */

static void test_monitor__capture_ebpf_host_filter(void **state)
{
    st_cgroup_layout cg;
    uint64_t self_cg;
    st_capture_options o = {.mode = ST_CAPTURE_EBPF};
    st_capture_counters k;
    collected c = {0};
    st_capture *cap;
    int status;

    (void)state;
    if (!need_root())
        skip();
    assert_int_equal(st_capture__cgroup_layout(&cg, NULL), 0);
    self_cg = st_capture__cgroup_id(&cg, getpid());
    o.host_cgroups = &self_cg;
    o.host_cgroup_count = 1;
    if (!(cap = open_or_skip(&o)))
        skip();
    c.child = fork();
    assert_true(c.child >= 0);
    if (c.child == 0) {
        for (int i = 0; i < 100; i++)
            close(open("/dev/null", O_WRONLY));
        _exit(0);
    }
    assert_int_equal(waitpid(c.child, &status, 0), c.child);
    for (int i = 0; i < 5; i++)
        assert_true(st_capture_poll(cap, 60, collect, &c, NULL) >= 0);
    /* Our cgroup is a host cgroup here: nothing of the child gets out. */
    assert_int_equal(c.n, 0);
    st_capture_counters_get(cap, &k);
    assert_true(k.filtered >= 101); /* 100 opens and the exit */
    free(c.evs);
    st_capture_close(cap);
}

/* ---- eBPF: drops are counted ------------------------------------------------- */

typedef struct tally {
    pid_t child;
    uint64_t all, child_opens;
} tally;

static int count_child_opens(const st_event *ev, void *payload)
{
    tally *t = payload;

    t->all++;
    if (ev->type == ST_EV_OPEN && (pid_t)ev->pid == t->child)
        t->child_opens++;
    return 0;
}

static void test_monitor__capture_ebpf_drops(void **state)
{
    enum { OPENS = 3000 };
    st_capture_options o = {.mode = ST_CAPTURE_EBPF, .host = true,
                            .ringbuf_kb = 16};
    st_capture_counters k;
    tally t = {0};
    st_capture *cap;
    int status, n;

    (void)state;
    if (!need_root() || !(cap = open_or_skip(&o)))
        skip();
    t.child = fork();
    assert_true(t.child >= 0);
    if (t.child == 0) {
        for (int i = 0; i < OPENS; i++)
            close(open("/dev/null", O_WRONLY));
        _exit(0);
    }
    /* Not draining while the child runs: the 16 KiB ring fills. */
    assert_int_equal(waitpid(t.child, &status, 0), t.child);
    while ((n = st_capture_poll(cap, 0, count_child_opens, &t, NULL)) > 0)
        ;
    assert_int_equal(n, 0);
    st_capture_counters_get(cap, &k);
    assert_true(k.dropped > 0);
    assert_true(t.child_opens < OPENS);
    assert_true(t.child_opens + k.dropped >= OPENS);
    /* No more of the child's than the ring holds arrived (records plus
     * 8-byte headers): it had exited before we drained. */
    assert_true(t.child_opens <= 16384 / (sizeof(struct st_rec) + 8));
    assert_int_equal(k.events, t.all);
    st_capture_close(cap);
}

/* ---- the fallback: exec and file events --------------------------------------- */

static void test_monitor__capture_fallback(void **state)
{
    st_capture_options o = {.mode = ST_CAPTURE_FALLBACK, .host = true};
    collected c = {0};
    char dir[64], tmp[96], real_tmp[PATH_MAX], real_sleep[PATH_MAX];
    int status, fd;
    bool files;
    st_capture *cap;
    const st_event *ev;

    (void)state;
    if (!need_root() || !(cap = open_or_skip(&o)))
        skip();
    assert_false(st_capture_is_ebpf(cap));
    assert_non_null(strstr(st_capture_describe(cap), "fallback"));
    files = strstr(st_capture_describe(cap), "+ fanotify") != NULL;
    if (!files)
        fprintf(stderr, "note: fallback without fanotify here, file events "
                        "not checked: %s\n", st_capture_describe(cap));
    make_tmpdir(dir, sizeof(dir));
    snprintf(tmp, sizeof(tmp), "%s/written", dir);
    assert_non_null(realpath("/bin/sleep", real_sleep));

    c.child = fork();
    assert_true(c.child >= 0);
    if (c.child == 0) {
        prctl(PR_SET_NAME, HELPER_COMM);
        if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
            write(fd, "x", 1) != 1)
            _exit(1);
        close(fd);
        if ((fd = open("/etc/shadow", O_RDONLY)) < 0)
            _exit(1);
        close(fd);
        /* Alive long enough for /proc to be read. */
        execl("/bin/sleep", "sleep", "0.5", (char *)NULL);
        _exit(127);
    }
    /* Live: the fallback reads /proc while the process runs. */
    collect_until_exit(cap, &c);
    assert_int_equal(waitpid(c.child, &status, 0), c.child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(realpath(tmp, real_tmp));
    unlink(tmp);
    rmdir(dir);

    if (files) {
        ev = must_find(&c, ST_EV_OPEN, c.child, real_tmp);
        assert_int_equal(ev->flags & O_ACCMODE, O_WRONLY);
        ev = must_find(&c, ST_EV_OPEN, c.child, "/etc/shadow");
        assert_int_equal(ev->flags & O_ACCMODE, O_RDONLY);
    }
    ev = must_find(&c, ST_EV_EXECVE, c.child, NULL);
    assert_string_equal(ev->comm, "sleep");
    assert_string_equal(ev->exe, real_sleep);
    assert_string_equal(ev->args, "0.5");
    assert_int_equal(ev->ppid, getpid());
    must_find(&c, ST_EV_EXIT, c.child, NULL);
    free(c.evs);
    st_capture_close(cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor__capture_ebpf_events),
        cmocka_unit_test(test_monitor__capture_ebpf_drift),
        cmocka_unit_test(test_monitor__capture_ebpf_host_filter),
        cmocka_unit_test(test_monitor__capture_ebpf_drops),
        cmocka_unit_test(test_monitor__capture_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
