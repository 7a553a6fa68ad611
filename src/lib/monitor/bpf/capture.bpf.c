/* Event capture for `strata monitor`: CO-RE programs on tracepoints only.
 * Kprobes, fentry and the BPF LSM do not load on every kernel we run on
 * (on the reference machine's 6.18 none of them does); tracepoints, raw_tp
 * and tp_btf do.
 *
 *   tp_btf/sys_exit             one program for every syscall we watch,
 *                               decoded at exit from the saved user
 *                               registers (the arguments are still there,
 *                               and the result is known): one program
 *                               run per syscall instead of two
 *   tp_btf/sched_process_exec   exec, after the new image is in place
 *   tp_btf/sched_process_fork   new processes (not threads)
 *   tp_btf/sched_process_exit   the last thread of a process
 *
 * tp_btf needs no tracefs mount (syscalls/sys_enter_* tracepoints do) and
 * gives typed, directly readable arguments.
 *
 * Delivery: one ring buffer; records are submitted without a wake-up and
 * user space drains them on a timer, except past the high-water mark,
 * where a wake-up avoids drops. Lost records are counted per CPU.
 *
 * Work per event is a few dozen loads: fields are read directly through
 * the typed task pointer where the verifier allows it (no helper call),
 * and paths are only rebuilt when a name is relative.
 *
 * Layers as in falcosecurity/libs modern_bpf: read the kernel (task__*,
 * file__*, inode__*, path__*), build records (rec__*), then one handler
 * per kind of event (on_*) and the programs.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture_rec.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#if !defined(__TARGET_ARCH_x86)
#error "capture.bpf.c decodes x86-64 syscalls only"
#endif

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_open 2
#define NR_dup2 33
#define NR_connect 42
#define NR_accept 43
#define NR_bind 49
#define NR_listen 50
#define NR_rename 82
#define NR_creat 85
#define NR_unlink 87
#define NR_chmod 90
#define NR_fchmod 91
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_capset 126
#define NR_mount 165
#define NR_init_module 175
#define NR_openat 257
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_fchmodat 268
#define NR_unshare 272
#define NR_accept4 288
#define NR_dup3 292
#define NR_setns 308
#define NR_finit_module 313
#define NR_renameat2 316
#define NR_bpf 321
#define NR_openat2 437
#define NR_fchmodat2 452

#define TS_COMPAT 0x0002 /* thread_info.status: an ia32 syscall */

#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define AT_FDCWD -100
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* ---- tunables, set by user space before load ------------------------- */

const volatile __u32 rec_schema = ST_REC_SCHEMA; /* checked by user space */
const volatile __u32 self_tgid = 0;     /* the monitor: never reported */
const volatile bool filter_host = false; /* drop events of host_cgroups */
const volatile __u32 cgroup_id_mode = ST_CGID_UNIFIED;
const volatile __u64 wake_bytes = 1 << 22; /* high water for a wake-up */

/* ---- maps -------------------------------------------------------------- */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20); /* resized by user space */
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, ST_CNT__COUNT);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

/* The host's own cgroups (cgroup_id values, see task__cgroup_id). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);
    __type(value, __u8);
} host_cgroups SEC(".maps");

/* Inodes opened with write intent while we watch: an exec of one of them
 * is drift (exe_written). Keyed by device and inode number. */
struct inode_key {
    __u64 ino;
    __u32 dev;
    __u32 pad;
};
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct inode_key);
    __type(value, __u8);
} written SEC(".maps");

/* Per-CPU room to build paths in (programs on one CPU never nest). */
#define PATH_HALF ST_REC_PATH
#define PATH_DEPTH 32
struct scratch {
    char buf[2 * PATH_HALF];
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

/* ---- reading the kernel ------------------------------------------------ */

static __always_inline void count(__u32 idx)
{
    __u64 *v = bpf_map_lookup_elem(&counters, &idx);

    if (v)
        *v += 1;
}

/* What cgroup_id means (user space and container attribution rely on it):
 * the inode number of the task's cgroup directory — in the unified (v2)
 * hierarchy on a cgroup v2 host, in the memory controller's hierarchy on a
 * cgroup v1 or hybrid host. On a hybrid host every task usually sits in
 * the v2 root, so bpf_get_current_cgroup_id() would say nothing; the
 * memory controller is the one container runtimes always place a
 * container in. kernfs_node.id is the directory's inode number on 64-bit
 * kernels. */
static __always_inline __u64 task__cgroup_id(struct task_struct *t)
{
    if (cgroup_id_mode == ST_CGID_MEMORY) {
        int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

        if (id < 0 || id >= 12)
            return 0;
        return t->cgroups->subsys[id]->cgroup->kn->id;
    }
    return bpf_get_current_cgroup_id();
}

/* tty_devnum(): MKDEV(driver major, minor_start) + index. */
static __always_inline __u32 task__tty(struct task_struct *t)
{
    struct tty_struct *tty = t->signal->tty;

    if (!tty)
        return 0;
    return (__u32)tty->driver->major << 20 |
           (__u32)(tty->driver->minor_start + tty->index);
}

static __always_inline struct file *task__fd(struct task_struct *t, long fd)
{
    struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
    struct file **fds;
    struct file *f = NULL;

    if (fd < 0 || !fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
        return NULL;
    fds = BPF_CORE_READ(fdt, fd);
    bpf_core_read(&f, sizeof(f), &fds[fd]);
    return f;
}

static __always_inline struct sock *file__sock(struct file *f)
{
    struct socket *s;

    if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
        return NULL;
    s = BPF_CORE_READ(f, private_data);
    return BPF_CORE_READ(s, sk);
}

static __always_inline void inode__key(struct inode *ino, struct inode_key *k)
{
    k->ino = BPF_CORE_READ(ino, i_ino);
    k->dev = BPF_CORE_READ(ino, i_sb, s_dev);
    k->pad = 0;
}

/* Drift: the executable was opened for writing while we watched, has no
 * name left (memfd, deleted file), or lives in an overlay's upper layer
 * (written or copied up after the container started). */
static __always_inline bool file__exe_written(struct file *f)
{
    struct inode *ino = BPF_CORE_READ(f, f_inode);
    struct inode_key k;

    if (!ino)
        return false;
    inode__key(ino, &k);
    if (bpf_map_lookup_elem(&written, &k))
        return true;
    if (BPF_CORE_READ(ino, i_nlink) == 0)
        return true;
    if (bpf_core_type_exists(struct ovl_inode) &&
        BPF_CORE_READ(ino, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
        struct ovl_inode *oi = container_of(ino, struct ovl_inode, vfs_inode);

        return BPF_CORE_READ(oi, __upperdentry) != NULL;
    }
    return false;
}

/* ---- building records ---------------------------------------------------- */

/* The cgroup filter runs last, just before a record is reserved, so that
 * `filtered` counts events, not syscalls. */
static __always_inline bool rec__filtered(__u64 cgid)
{
    if (filter_host && bpf_map_lookup_elem(&host_cgroups, &cgid)) {
        count(ST_CNT_FILTERED);
        return true;
    }
    return false;
}

static __always_inline void rec__fill(struct st_rec *r, __u32 type,
                                      struct task_struct *t, __u64 cgid)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    struct task_struct *parent = t->real_parent;
    const struct cred *cred = t->cred;

    __builtin_memset(r, 0, __builtin_offsetof(struct st_rec, comm));
    r->ts_ns = bpf_ktime_get_boot_ns();
    r->type = type;
    r->cgroup_id = cgid;
    r->pid = pid_tgid >> 32;
    r->tid = (__u32)pid_tgid;
    r->ppid = parent->tgid;
    /* Effective ids, as Falco's user.uid. */
    r->uid = cred->euid.val;
    r->gid = cred->egid.val;
    /* kernel_cap_t: a u64 since 6.3, two u32 (low first) before: the
     * same eight bytes either way on little-endian. */
    __builtin_memcpy(&r->cap_effective, &cred->cap_effective,
                     sizeof(r->cap_effective));
    r->loginuid = (__u32)-1;
    if (bpf_core_field_exists(t->loginuid))
        r->loginuid = t->loginuid.val;
    __builtin_memcpy(r->comm, t->comm, sizeof(r->comm));
    __builtin_memcpy(r->pcomm, parent->comm, sizeof(r->pcomm));
    r->path[0] = 0;
    r->tty = task__tty(t);
}

/* The comms of p's parent, grandparent… (acomm[0] is p's parent). */
static __always_inline void rec__ancestors(struct st_rec *r,
                                           struct task_struct *p)
{
    struct task_struct *a = p->real_parent;

    for (int i = 0; i < ST_REC_ANCESTORS; i++) {
        r->acomm[i][0] = 0;
        if (!a || a->pid == 0) /* past init */
            continue;
        __builtin_memcpy(r->acomm[i], a->comm, sizeof(r->acomm[i]));
        a = a->real_parent;
    }
}

static __always_inline void rec__submit(void *r)
{
    __u64 flags = BPF_RB_NO_WAKEUP;

    if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wake_bytes) {
        flags = BPF_RB_FORCE_WAKEUP;
        count(ST_CNT_WAKEUPS);
    }
    bpf_ringbuf_submit(r, flags);
}

/* Reserves and fills the common part of a record for the current task, or
 * returns NULL (filtered, or counted as dropped). */
static __always_inline struct st_rec *rec__begin(__u32 type, long ret)
{
    struct task_struct *t = bpf_get_current_task_btf();
    __u64 cgid = task__cgroup_id(t);
    struct st_rec *r;

    if (rec__filtered(cgid))
        return NULL;
    r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
    if (!r) {
        count(ST_CNT_DROPPED);
        return NULL;
    }
    rec__fill(r, type, t, cgid);
    r->ret = ret;
    return r;
}

/* ---- paths --------------------------------------------------------------
 * The kernel keeps no full path, and bpf_d_path() is not allowed on
 * tracepoints: paths are rebuilt by walking dentries up to the task's root
 * (so a container's process gets the path it sees), crossing mounts, in
 * the scratch buffer. Layout: a directory is written to end at
 * buf[PATH_HALF - 1], which holds '/', so that a relative name read into
 * buf[PATH_HALF...] completes it.
 */

static __always_inline char *scratch__buf(void)
{
    __u32 k = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch, &k);

    return s ? s->buf : NULL;
}

/* Writes the path of (d, vm) into buf[pos..PATH_HALF-1), buf[PATH_HALF-1]
 * = '/', and returns pos. *cut when components did not fit. */
static __always_inline int path__walk(char *buf, struct dentry *d,
                                      struct vfsmount *vm, bool *cut)
{
    struct task_struct *t = bpf_get_current_task_btf();
    struct dentry *root_d = BPF_CORE_READ(t, fs, root.dentry);
    struct vfsmount *root_m = BPF_CORE_READ(t, fs, root.mnt);
    struct mount *m = container_of(vm, struct mount, mnt);
    int pos = PATH_HALF - 1;

    buf[PATH_HALF - 1] = '/';
    for (int i = 0; i < PATH_DEPTH && d; i++) {
        struct dentry *parent, *mnt_root;
        const unsigned char *name;
        __u32 len;

        if (d == root_d && vm == root_m)
            break;
        mnt_root = BPF_CORE_READ(vm, mnt_root);
        parent = BPF_CORE_READ(d, d_parent);
        if (d == mnt_root || d == parent) {
            struct mount *mp = BPF_CORE_READ(m, mnt_parent);

            if (mp == m || !mp) /* the top of the mount tree */
                break;
            d = BPF_CORE_READ(m, mnt_mountpoint);
            m = mp;
            vm = &mp->mnt;
            continue;
        }
        len = BPF_CORE_READ(d, d_name.len);
        name = BPF_CORE_READ(d, d_name.name);
        if (len == 0 || len + 1 > (__u32)pos) {
            *cut = true;
            break;
        }
        pos -= len + 1;
        pos &= PATH_HALF - 1;
        bpf_probe_read_kernel(buf + pos + 1, len & (PATH_HALF - 1), name);
        buf[pos] = '/';
        d = parent;
    }
    return pos;
}

/* The path of an open file, NUL-terminated, from the returned offset. */
static __always_inline int path__file(char *buf, struct file *f, bool *cut)
{
    int pos;

    if (!f)
        return -1;
    pos = path__walk(buf, BPF_CORE_READ(f, f_path.dentry),
                     BPF_CORE_READ(f, f_path.mnt), cut);
    if (pos == PATH_HALF - 1) /* the root itself: "/" */
        buf[PATH_HALF] = 0;
    else
        buf[PATH_HALF - 1] = 0; /* no trailing '/' */
    return pos;
}

/* A path a syscall was given: as is when absolute, else completed with the
 * directory of dirfd (AT_FDCWD: the working directory). NUL-terminated
 * from the returned offset; -1 when it cannot be read. */
static __always_inline int path__resolve(char *buf, long dirfd,
                                         const char *upath, bool *cut)
{
    struct task_struct *t = bpf_get_current_task_btf();
    long n = bpf_probe_read_user_str(buf + PATH_HALF, PATH_HALF, upath);
    struct file *f;

    if (n <= 0)
        return -1;
    if (n == PATH_HALF)
        *cut = true;
    if (buf[PATH_HALF] == '/')
        return PATH_HALF;
    if ((int)dirfd == AT_FDCWD)
        return path__walk(buf, BPF_CORE_READ(t, fs, pwd.dentry),
                          BPF_CORE_READ(t, fs, pwd.mnt), cut);
    f = task__fd(t, (int)dirfd);
    if (!f)
        return PATH_HALF; /* left relative */
    return path__walk(buf, BPF_CORE_READ(f, f_path.dentry),
                      BPF_CORE_READ(f, f_path.mnt), cut);
}

static __always_inline void rec__path(struct st_rec *r, const char *buf,
                                      int pos, bool cut)
{
    long n;

    if (pos < 0 || pos > PATH_HALF) {
        r->path[0] = 0;
        return;
    }
    n = bpf_probe_read_kernel_str(r->path, sizeof(r->path), buf + pos);
    if (n < 0)
        r->path[0] = 0;
    if (cut || n == sizeof(r->path))
        r->bits |= ST_REC_TRUNCATED;
}

static __always_inline void rec__sock(struct st_rec *r, struct sock *sk)
{
    __u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);

    r->family = fam;
    r->l4proto = (__u8)BPF_CORE_READ(sk, sk_protocol);
    if (fam == AF_INET || fam == AF_INET6) {
        r->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
        r->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    }
    if (fam == AF_INET) {
        bpf_core_read(r->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
        bpf_core_read(r->daddr, 4, &sk->__sk_common.skc_daddr);
    } else if (fam == AF_INET6) {
        bpf_core_read(r->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
        bpf_core_read(r->daddr, 16, &sk->__sk_common.skc_v6_daddr);
    }
}

/* A user sockaddr as the remote (connect) or local (bind) side. */
static __always_inline void rec__sockaddr(struct st_rec *r, const void *sa,
                                          long len, bool remote)
{
    __u16 fam = 0;

    if (!sa || bpf_probe_read_user(&fam, sizeof(fam), sa) < 0)
        return;
    r->family = fam;
    if (fam == AF_INET && len >= 8) {
        struct sockaddr_in in = {};

        bpf_probe_read_user(&in, sizeof(in), sa);
        if (remote) {
            r->dport = bpf_ntohs(in.sin_port);
            __builtin_memcpy(r->daddr, &in.sin_addr, 4);
        } else {
            r->sport = bpf_ntohs(in.sin_port);
            __builtin_memcpy(r->saddr, &in.sin_addr, 4);
        }
    } else if (fam == AF_INET6 && len >= 24) {
        struct sockaddr_in6 in6 = {};

        bpf_probe_read_user(&in6, sizeof(in6), sa);
        if (remote) {
            r->dport = bpf_ntohs(in6.sin6_port);
            __builtin_memcpy(r->daddr, &in6.sin6_addr, 16);
        } else {
            r->sport = bpf_ntohs(in6.sin6_port);
            __builtin_memcpy(r->saddr, &in6.sin6_addr, 16);
        }
    } else if (fam == AF_UNIX && len > 2) {
        /* Abstract names start with a NUL: shown as "@name". */
        long n = len - 2;

        if (n > 107)
            n = 107;
        n &= 127;
        bpf_probe_read_user(r->path, n, (const char *)sa + 2);
        if (r->path[0] == 0)
            r->path[0] = '@';
        r->path[n & 127] = 0;
    }
}

/* ---- opens ------------------------------------------------------------- */

static __always_inline bool has_prefix(const char *s, const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] != p[i])
            return false;
    return true;
}
#define PREFIX(s, lit) has_prefix(s, lit, sizeof(lit) - 1)

/* Reads of these are reported; other read-only opens never leave the
 * kernel. Relative names are completed first (path__resolve). */
static __always_inline bool sensitive(const char *s)
{
    switch (s[1]) {
    case 'e':
        return PREFIX(s, "/etc/shadow") || PREFIX(s, "/etc/gshadow") ||
               PREFIX(s, "/etc/sudoers") || PREFIX(s, "/etc/kubernetes");
    case 'r':
        return PREFIX(s, "/root/.ssh") || PREFIX(s, "/run/secrets");
    case 'v':
        return PREFIX(s, "/var/run/secrets");
    default:
        return false;
    }
}

static __always_inline int on_open(struct pt_regs *regs, long nr, long ret)
{
    long dirfd = AT_FDCWD;
    const char *path;
    __u64 flags;
    struct st_rec *r;
    bool write, cut = false;
    char *buf = scratch__buf();
    int pos;

    if (!buf)
        return 0;
    if (nr == NR_open) {
        path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
        flags = PT_REGS_PARM2_SYSCALL(regs);
    } else if (nr == NR_creat) {
        path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
        flags = O_CREAT | O_WRONLY | O_TRUNC;
    } else if (nr == NR_openat) {
        dirfd = PT_REGS_PARM1_SYSCALL(regs);
        path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
        flags = PT_REGS_PARM3_SYSCALL(regs);
    } else {
        struct open_how *how = (void *)PT_REGS_PARM3_SYSCALL(regs);

        dirfd = PT_REGS_PARM1_SYSCALL(regs);
        path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
        flags = 0;
        bpf_probe_read_user(&flags, sizeof(flags), &how->flags);
    }
    write = flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC);
    /* Writes by containers while we watch: an exec of the file later is
     * drift. Not the host's: the runtime unpacking an image writes every
     * binary of it, and a container running them is no drift (a file
     * copied in from outside lands in an overlay's upper layer, which
     * file__exe_written checks). */
    if (write && ret >= 0) {
        struct task_struct *cur = bpf_get_current_task_btf();
        __u64 wcg = task__cgroup_id(cur);
        struct file *f = task__fd(cur, ret);
        struct inode *ino = BPF_CORE_READ(f, f_inode);
        struct inode_key k;
        __u8 one = 1;

        if (ino && !bpf_map_lookup_elem(&host_cgroups, &wcg)) {
            inode__key(ino, &k);
            bpf_map_update_elem(&written, &k, &one, BPF_ANY);
        }
    }
    pos = path__resolve(buf, dirfd, path, &cut);
    if (!write && (pos < 0 || pos > PATH_HALF || !sensitive(buf + pos)))
        return 0;
    r = rec__begin(ST_REC_OPEN, ret);
    if (!r)
        return 0;
    r->flags = (__u32)flags;
    rec__path(r, buf, pos, cut);
    rec__submit(r);
    return 0;
}

/* ---- sockets ----------------------------------------------------------- */

static __always_inline int on_socket(struct pt_regs *regs, long nr, long ret)
{
    struct task_struct *t = bpf_get_current_task_btf();
    long fd = PT_REGS_PARM1_SYSCALL(regs);
    __u32 type;
    struct st_rec *r;
    struct sock *sk;

    /* Failed accepts (EAGAIN on a non-blocking socket) are the common
     * case and say nothing; so do failed binds and listens. */
    if (nr == NR_connect)
        type = ST_REC_CONNECT;
    else if (ret < 0)
        return 0;
    else if (nr == NR_bind)
        type = ST_REC_BIND;
    else if (nr == NR_listen)
        type = ST_REC_LISTEN;
    else
        type = ST_REC_ACCEPT;
    r = rec__begin(type, ret);
    if (!r)
        return 0;
    sk = file__sock(task__fd(t, type == ST_REC_ACCEPT ? ret : fd));
    if (sk)
        rec__sock(r, sk);
    if (type == ST_REC_CONNECT)
        rec__sockaddr(r, (const void *)PT_REGS_PARM2_SYSCALL(regs),
                      PT_REGS_PARM3_SYSCALL(regs), true);
    else if (type == ST_REC_BIND && r->family == AF_UNIX)
        rec__sockaddr(r, (const void *)PT_REGS_PARM2_SYSCALL(regs),
                      PT_REGS_PARM3_SYSCALL(regs), false);
    rec__submit(r);
    return 0;
}

/* dup2/dup3 onto stdin, stdout or stderr: with a socket, the shape of a
 * reverse shell. */
static __always_inline int on_dup(struct pt_regs *regs, long ret)
{
    long newfd = PT_REGS_PARM2_SYSCALL(regs);
    struct st_rec *r;
    struct sock *sk;

    if (ret < 0 || newfd < 0 || newfd > 2)
        return 0;
    r = rec__begin(ST_REC_DUP, ret);
    if (!r)
        return 0;
    r->arg = newfd;
    sk = file__sock(task__fd(bpf_get_current_task_btf(), newfd));
    if (sk) {
        r->bits |= ST_REC_STDIO_SOCKET;
        rec__sock(r, sk);
    }
    rec__submit(r);
    return 0;
}

/* ---- the rest: one record, a path or a number or two ------------------- */

static __always_inline __u32 pick_id(long a, long b)
{
    /* setreuid(r, e) and setresuid(r, e, s): the effective id when one is
     * given (-1 keeps it), else the real one. */
    return (__u32)b != (__u32)-1 ? (__u32)b : (__u32)a;
}

static __always_inline int on_other(struct pt_regs *regs, long nr, long ret)
{
    long a1 = PT_REGS_PARM1_SYSCALL(regs), a2 = PT_REGS_PARM2_SYSCALL(regs);
    long a3 = PT_REGS_PARM3_SYSCALL(regs), a4 = PT_REGS_PARM4_SYSCALL(regs);
    const void *upath = NULL;
    long dirfd = AT_FDCWD;
    struct file *kfile = NULL;
    __u32 type, flags = 0, arg = 0;
    struct st_rec *r;
    bool cut = false;
    char *buf;
    int pos = -1;

    switch (nr) {
    case NR_ptrace:
        type = ST_REC_PTRACE, flags = a1, arg = a2;
        break;
    case NR_mount:
        type = ST_REC_MOUNT, upath = (void *)a2, flags = a4;
        break;
    case NR_setuid:
        type = ST_REC_SETUID, arg = a1;
        break;
    case NR_setreuid:
    case NR_setresuid:
        type = ST_REC_SETUID, arg = pick_id(a1, a2);
        break;
    case NR_setgid:
        type = ST_REC_SETGID, arg = a1;
        break;
    case NR_setregid:
    case NR_setresgid:
        type = ST_REC_SETGID, arg = pick_id(a1, a2);
        break;
    case NR_capset:
        type = ST_REC_CAPSET;
        break;
    case NR_init_module:
        type = ST_REC_INIT_MODULE;
        break;
    case NR_finit_module:
        type = ST_REC_INIT_MODULE;
        kfile = task__fd(bpf_get_current_task_btf(), a1);
        break;
    case NR_bpf:
        type = ST_REC_BPF, arg = a1;
        break;
    case NR_unshare:
        type = ST_REC_UNSHARE, flags = a1;
        break;
    case NR_setns:
        type = ST_REC_SETNS, flags = a2, arg = a1;
        break;
    case NR_chmod:
        type = ST_REC_CHMOD, upath = (void *)a1, flags = a2;
        break;
    case NR_fchmod:
        type = ST_REC_CHMOD, flags = a2;
        kfile = task__fd(bpf_get_current_task_btf(), a1);
        break;
    case NR_fchmodat:
    case NR_fchmodat2:
        type = ST_REC_CHMOD, dirfd = a1, upath = (void *)a2, flags = a3;
        break;
    case NR_rename:
        type = ST_REC_RENAME, upath = (void *)a2;
        break;
    case NR_renameat:
    case NR_renameat2:
        type = ST_REC_RENAME, dirfd = a3, upath = (void *)a4;
        break;
    case NR_unlink:
        type = ST_REC_UNLINK, upath = (void *)a1;
        break;
    case NR_unlinkat:
        type = ST_REC_UNLINK, dirfd = a1, upath = (void *)a2, flags = a3;
        break;
    default:
        return 0;
    }
    /* Failed file operations are noise (rm -f, races); failed attempts at
     * privilege (ptrace, mount, setuid, modules, bpf, namespaces) are
     * the interesting ones. */
    if (ret < 0 && (type == ST_REC_CHMOD || type == ST_REC_RENAME ||
                    type == ST_REC_UNLINK))
        return 0;
    buf = scratch__buf();
    if (!buf)
        return 0;
    if (upath)
        pos = path__resolve(buf, dirfd, upath, &cut);
    else if (kfile)
        pos = path__file(buf, kfile, &cut);
    r = rec__begin(type, ret);
    if (!r)
        return 0;
    r->flags = flags;
    r->arg = arg;
    rec__path(r, buf, pos, cut);
    rec__submit(r);
    return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(st_sys_exit, struct pt_regs *regs, long ret)
{
    long nr = regs->orig_ax;
    struct task_struct *t;

    switch (nr) {
    case NR_open:
    case NR_creat:
    case NR_openat:
    case NR_openat2:
    case NR_connect:
    case NR_accept:
    case NR_accept4:
    case NR_bind:
    case NR_listen:
    case NR_dup2:
    case NR_dup3:
    case NR_ptrace:
    case NR_mount:
    case NR_setuid:
    case NR_setgid:
    case NR_setreuid:
    case NR_setregid:
    case NR_setresuid:
    case NR_setresgid:
    case NR_capset:
    case NR_init_module:
    case NR_finit_module:
    case NR_bpf:
    case NR_unshare:
    case NR_setns:
    case NR_chmod:
    case NR_fchmod:
    case NR_fchmodat:
    case NR_fchmodat2:
    case NR_rename:
    case NR_renameat:
    case NR_renameat2:
    case NR_unlink:
    case NR_unlinkat:
        break;
    default:
        return 0;
    }
    if ((bpf_get_current_pid_tgid() >> 32) == self_tgid)
        return 0;
    /* An ia32 syscall numbers differently: not decoded. */
    t = bpf_get_current_task_btf();
    if (bpf_core_field_exists(t->thread_info.status) &&
        (t->thread_info.status & TS_COMPAT))
        return 0;

    switch (nr) {
    case NR_open:
    case NR_creat:
    case NR_openat:
    case NR_openat2:
        return on_open(regs, nr, ret);
    case NR_connect:
    case NR_accept:
    case NR_accept4:
    case NR_bind:
    case NR_listen:
        return on_socket(regs, nr, ret);
    case NR_dup2:
    case NR_dup3:
        return on_dup(regs, ret);
    default:
        return on_other(regs, nr, ret);
    }
}

/* ---- processes --------------------------------------------------------- */

static __always_inline bool fd_is_socket(struct task_struct *t, long fd)
{
    struct file *f = task__fd(t, fd);

    return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFSOCK;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(st_exec, struct task_struct *p, pid_t old_pid,
             struct linux_binprm *bprm)
{
    struct task_struct *t = bpf_get_current_task_btf();
    __u64 cgid = task__cgroup_id(t);
    struct st_rec_exec *r;
    struct mm_struct *mm;
    unsigned long start, end, len;
    char *buf;
    long n;

    if ((bpf_get_current_pid_tgid() >> 32) == self_tgid || rec__filtered(cgid))
        return 0;
    r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
    if (!r) {
        count(ST_CNT_DROPPED);
        return 0;
    }
    rec__fill(&r->h, ST_REC_EXECVE, t, cgid);
    /* The filename as given; a relative one (./x) completed from the
     * file. */
    n = bpf_probe_read_kernel_str(r->h.path, sizeof(r->h.path),
                                  BPF_CORE_READ(bprm, filename));
    if (n < 0)
        r->h.path[0] = 0;
    else if (n == sizeof(r->h.path))
        r->h.bits |= ST_REC_TRUNCATED;
    if (r->h.path[0] != '/' && (buf = scratch__buf())) {
        bool cut = false;
        int pos = path__file(buf, BPF_CORE_READ(bprm, file), &cut);

        rec__path(&r->h, buf, pos, cut);
    }

    /* argv as the new image sees it, bounded. */
    mm = BPF_CORE_READ(t, mm);
    start = BPF_CORE_READ(mm, arg_start);
    end = BPF_CORE_READ(mm, arg_end);
    len = end > start ? end - start : 0;
    if (len > ST_REC_ARGS) {
        len = ST_REC_ARGS;
        r->h.bits |= ST_REC_TRUNCATED;
    }
    if (bpf_probe_read_user(r->args, len & (2 * ST_REC_ARGS - 1),
                            (const void *)start) < 0)
        len = 0;
    r->args_len = len;
    r->pad = 0;

    if (fd_is_socket(t, 0) || fd_is_socket(t, 1))
        r->h.bits |= ST_REC_STDIO_SOCKET;
    /* Set when the new credentials differ from the caller's (ids or
     * capabilities raised): PER_CLEAR_ON_SETID. */
    if (BPF_CORE_READ(bprm, per_clear))
        r->h.bits |= ST_REC_EXE_SETUID;
    rec__ancestors(&r->h, t->real_parent);
    if (file__exe_written(BPF_CORE_READ(bprm, file)))
        r->h.bits |= ST_REC_EXE_WRITTEN;
    rec__submit(r);
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(st_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);
    __u32 ptgid = BPF_CORE_READ(parent, tgid);
    struct st_rec *r;

    if (pid != tgid || ptgid == self_tgid) /* a thread, or ours */
        return 0;
    r = rec__begin(ST_REC_FORK, 0);
    if (!r)
        return 0;
    /* The record speaks for the child: it runs the parent's image. */
    r->pid = tgid;
    r->tid = pid;
    r->ppid = ptgid;
    __builtin_memcpy(r->pcomm, r->comm, sizeof(r->pcomm));
    rec__ancestors(r, bpf_get_current_task_btf());
    r->arg = pid;
    rec__submit(r);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(st_exit, struct task_struct *p)
{
    struct st_rec *r;

    /* Only when the whole thread group is gone. */
    if (BPF_CORE_READ(p, signal, live.counter) != 0 ||
        BPF_CORE_READ(p, tgid) == self_tgid)
        return 0;
    r = rec__begin(ST_REC_EXIT, BPF_CORE_READ(p, exit_code));
    if (!r)
        return 0;
    rec__submit(r);
    return 0;
}
