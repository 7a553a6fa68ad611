/* Events: type names, the field table (Falco's names) and JSON lines.
 *
 * A field is read by a switch on its id: strings point into the event or
 * are formatted into the caller's buffer, so a check costs no allocation.
 * Flags, capabilities, ptrace requests and bpf commands render by name,
 * and the JSON reader takes the same names back. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#include "monitor/event.h"
#include "util/json.h"

#include "util/banned.h"

#define MODULE "monitor"

/* ---- event types ------------------------------------------------------- */

static const char *const type_names[ST_EV__COUNT] = {"none",
#define X(id, name) name,
                                                     ST_EV_TYPES(X)
#undef X
};

const char *st_ev_type_name(st_ev_type t)
{
    return (unsigned)t < ST_EV__COUNT ? type_names[t] : "none";
}

static const struct {
    const char *name;
    st_ev_type type;
} syscalls[] = {
    {"execve", ST_EV_EXECVE},
    {"execveat", ST_EV_EXECVE},
    {"open", ST_EV_OPEN},
    {"openat", ST_EV_OPEN},
    {"openat2", ST_EV_OPEN},
    {"creat", ST_EV_OPEN},
    {"connect", ST_EV_CONNECT},
    {"accept", ST_EV_ACCEPT},
    {"accept4", ST_EV_ACCEPT},
    {"bind", ST_EV_BIND},
    {"listen", ST_EV_LISTEN},
    {"ptrace", ST_EV_PTRACE},
    {"mount", ST_EV_MOUNT},
    {"setuid", ST_EV_SETUID},
    {"setreuid", ST_EV_SETUID},
    {"setresuid", ST_EV_SETUID},
    {"setgid", ST_EV_SETGID},
    {"setregid", ST_EV_SETGID},
    {"setresgid", ST_EV_SETGID},
    {"capset", ST_EV_CAPSET},
    {"init_module", ST_EV_INIT_MODULE},
    {"finit_module", ST_EV_INIT_MODULE},
    {"bpf", ST_EV_BPF},
    {"dup", ST_EV_DUP},
    {"dup2", ST_EV_DUP},
    {"dup3", ST_EV_DUP},
    {"unshare", ST_EV_UNSHARE},
    {"setns", ST_EV_SETNS},
    {"chmod", ST_EV_CHMOD},
    {"fchmod", ST_EV_CHMOD},
    {"fchmodat", ST_EV_CHMOD},
    {"rename", ST_EV_RENAME},
    {"renameat", ST_EV_RENAME},
    {"renameat2", ST_EV_RENAME},
    {"unlink", ST_EV_UNLINK},
    {"unlinkat", ST_EV_UNLINK},
    {"clone", ST_EV_FORK},
    {"clone3", ST_EV_FORK},
    {"fork", ST_EV_FORK},
    {"vfork", ST_EV_FORK},
    {"procexit", ST_EV_EXIT},
};

st_ev_type st_ev_type_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
        if (!strcmp(syscalls[i].name, name))
            return syscalls[i].type;
    return ST_EV_NONE;
}

/* ---- names of bits and numbers ---------------------------------------- */

typedef struct bitname {
    uint64_t mask; /* all bits must be set; several for O_SYNC, O_TMPFILE */
    const char *name;
} bitname;

#define BN(x)                                                                  \
    {                                                                          \
        (uint64_t)(x), #x                                                      \
    }
/* Multi-bit names first, so that their bits are taken before the single
 * bits they contain. */
static const bitname open_bits[] = {
    BN(O_TMPFILE),
    BN(O_SYNC),
    BN(O_CREAT),
    BN(O_EXCL),
    BN(O_NOCTTY),
    BN(O_TRUNC),
    BN(O_APPEND),
    BN(O_NONBLOCK),
    BN(O_DSYNC),
    BN(O_ASYNC),
    BN(O_DIRECT),
    BN(O_DIRECTORY),
    BN(O_NOFOLLOW),
    BN(O_NOATIME),
    BN(O_CLOEXEC),
    BN(O_PATH),
#if defined(__x86_64__) || defined(__i386__)
    {0100000, "O_LARGEFILE"}, /* glibc defines it as 0 on 64 bits */
#endif
};

static const bitname mount_bits[] = {
    BN(MS_RDONLY),    BN(MS_NOSUID),      BN(MS_NODEV),
    BN(MS_NOEXEC),    BN(MS_SYNCHRONOUS), BN(MS_REMOUNT),
    BN(MS_MANDLOCK),  BN(MS_DIRSYNC),     {256, "MS_NOSYMFOLLOW"},
    BN(MS_NOATIME),   BN(MS_NODIRATIME),  BN(MS_BIND),
    BN(MS_MOVE),      BN(MS_REC),         BN(MS_SILENT),
    BN(MS_POSIXACL),  BN(MS_UNBINDABLE),  BN(MS_PRIVATE),
    BN(MS_SLAVE),     BN(MS_SHARED),      BN(MS_RELATIME),
    BN(MS_KERNMOUNT), BN(MS_I_VERSION),   BN(MS_STRICTATIME),
    BN(MS_LAZYTIME),
};

static const bitname clone_bits[] = {
    {0x80, "CLONE_NEWTIME"},
    BN(CLONE_VM),
    BN(CLONE_FS),
    BN(CLONE_FILES),
    BN(CLONE_SIGHAND),
    {0x1000, "CLONE_PIDFD"},
    BN(CLONE_PTRACE),
    BN(CLONE_VFORK),
    BN(CLONE_PARENT),
    BN(CLONE_THREAD),
    BN(CLONE_NEWNS),
    BN(CLONE_SYSVSEM),
    BN(CLONE_SETTLS),
    BN(CLONE_PARENT_SETTID),
    BN(CLONE_CHILD_CLEARTID),
    {0x400000, "CLONE_DETACHED"},
    BN(CLONE_UNTRACED),
    BN(CLONE_CHILD_SETTID),
    BN(CLONE_NEWCGROUP),
    BN(CLONE_NEWUTS),
    BN(CLONE_NEWIPC),
    BN(CLONE_NEWUSER),
    BN(CLONE_NEWPID),
    BN(CLONE_NEWNET),
    BN(CLONE_IO),
};
#undef BN

static const bitname exe_bits[] = {
    {1, "EXE_UPPER_LAYER"},
};

/* Capability numbers are stable across architectures (linux/capability.h). */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

typedef struct numname {
    uint32_t value;
    const char *name;
} numname;

/* Request numbers of linux/ptrace.h and asm/ptrace-abi.h (x86). */
static const numname ptrace_requests[] = {
    {0, "PTRACE_TRACEME"},
    {1, "PTRACE_PEEKTEXT"},
    {2, "PTRACE_PEEKDATA"},
    {3, "PTRACE_PEEKUSR"},
    {4, "PTRACE_POKETEXT"},
    {5, "PTRACE_POKEDATA"},
    {6, "PTRACE_POKEUSR"},
    {7, "PTRACE_CONT"},
    {8, "PTRACE_KILL"},
    {9, "PTRACE_SINGLESTEP"},
    {12, "PTRACE_GETREGS"},
    {13, "PTRACE_SETREGS"},
    {14, "PTRACE_GETFPREGS"},
    {15, "PTRACE_SETFPREGS"},
    {16, "PTRACE_ATTACH"},
    {17, "PTRACE_DETACH"},
    {18, "PTRACE_GETFPXREGS"},
    {19, "PTRACE_SETFPXREGS"},
    {24, "PTRACE_SYSCALL"},
    {31, "PTRACE_SYSEMU"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {0x4201, "PTRACE_GETEVENTMSG"},
    {0x4202, "PTRACE_GETSIGINFO"},
    {0x4203, "PTRACE_SETSIGINFO"},
    {0x4204, "PTRACE_GETREGSET"},
    {0x4205, "PTRACE_SETREGSET"},
    {0x4206, "PTRACE_SEIZE"},
    {0x4207, "PTRACE_INTERRUPT"},
    {0x4208, "PTRACE_LISTEN"},
    {0x4209, "PTRACE_PEEKSIGINFO"},
};

/* enum bpf_cmd of linux/bpf.h. */
static const char *const bpf_cmds[] = {
    "BPF_MAP_CREATE",        "BPF_MAP_LOOKUP_ELEM",
    "BPF_MAP_UPDATE_ELEM",   "BPF_MAP_DELETE_ELEM",
    "BPF_MAP_GET_NEXT_KEY",  "BPF_PROG_LOAD",
    "BPF_OBJ_PIN",           "BPF_OBJ_GET",
    "BPF_PROG_ATTACH",       "BPF_PROG_DETACH",
    "BPF_PROG_TEST_RUN",     "BPF_PROG_GET_NEXT_ID",
    "BPF_MAP_GET_NEXT_ID",   "BPF_PROG_GET_FD_BY_ID",
    "BPF_MAP_GET_FD_BY_ID",  "BPF_OBJ_GET_INFO_BY_FD",
    "BPF_PROG_QUERY",        "BPF_RAW_TRACEPOINT_OPEN",
    "BPF_BTF_LOAD",          "BPF_BTF_GET_FD_BY_ID",
    "BPF_TASK_FD_QUERY",     "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
    "BPF_MAP_FREEZE",        "BPF_BTF_GET_NEXT_ID",
    "BPF_MAP_LOOKUP_BATCH",  "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
    "BPF_MAP_UPDATE_BATCH",  "BPF_MAP_DELETE_BATCH",
    "BPF_LINK_CREATE",       "BPF_LINK_UPDATE",
    "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
    "BPF_ENABLE_STATS",      "BPF_ITER_CREATE",
    "BPF_LINK_DETACH",       "BPF_PROG_BIND_MAP",
};
#define N_BPF_CMDS (sizeof(bpf_cmds) / sizeof(bpf_cmds[0]))

typedef st_ev_sink sink;

void st_ev_sink_put(sink *o, const char *s, size_t n)
{
    if (o->len + 1 >= o->n)
        return;
    if (n > o->n - 1 - o->len)
        n = o->n - 1 - o->len;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}

static void out_puts(sink *o, const char *s)
{
    st_ev_sink_put(o, s, strlen(s));
}

/* Names of the bits of v joined by sep; bits without a name as one hex
 * number at the end. "" for 0 unless zero names it. Returns whether every
 * bit had a name. */
static bool render_bits(sink *o,
                        uint64_t v,
                        const bitname *t,
                        size_t nt,
                        const char *zero,
                        const char *sep)
{
    bool first = true;
    if (!v && zero)
        out_puts(o, zero);
    for (size_t i = 0; i < nt && v; i++) {
        if (t[i].mask && (v & t[i].mask) == t[i].mask) {
            if (!first)
                out_puts(o, sep);
            out_puts(o, t[i].name);
            first = false;
            v &= ~t[i].mask;
        }
    }
    if (v) {
        char hex[24];
        snprintf(hex, sizeof(hex), "%s0x%llx", first ? "" : sep,
                 (unsigned long long)v);
        out_puts(o, hex);
        return false;
    }
    return true;
}

static bool render_open_flags(sink *o, uint32_t f)
{
    static const char *const modes[] = {"O_RDONLY", "O_WRONLY", "O_RDWR",
                                        "0x3"};
    uint32_t mode = f & O_ACCMODE;
    bool named;
    out_puts(o, modes[mode]);
    f &= ~(uint32_t)O_ACCMODE;
    if (!f)
        return mode != 3;
    out_puts(o, "|");
    named = render_bits(o, f, open_bits, sizeof(open_bits) / sizeof(*open_bits),
                        NULL, "|");
    return named && mode != 3;
}

static bool render_caps(sink *o, uint64_t caps)
{
    bool first = true;
    for (size_t i = 0; i < N_CAPS; i++) {
        if (caps & ((uint64_t)1 << i)) {
            if (!first)
                out_puts(o, " ");
            out_puts(o, cap_names[i]);
            first = false;
        }
    }
    caps &= N_CAPS < 64 ? ~(((uint64_t)1 << N_CAPS) - 1) : 0;
    if (caps) {
        char hex[24];
        snprintf(hex, sizeof(hex), "%s0x%llx", first ? "" : " ",
                 (unsigned long long)caps);
        out_puts(o, hex);
        return false;
    }
    return true;
}

static const char *ptrace_name(uint32_t req)
{
    for (size_t i = 0; i < sizeof(ptrace_requests) / sizeof(*ptrace_requests);
         i++)
        if (ptrace_requests[i].value == req)
            return ptrace_requests[i].name;
    return NULL;
}

/* Renders a number by name (cmd < n) or as decimal. */
static const char *
name_or_number(const char *name, int64_t v, char *buf, size_t buflen)
{
    if (name)
        return name;
    snprintf(buf, buflen, "%lld", (long long)v);
    return buf;
}

/* ---- user and group names --------------------------------------------- */

#define NAME_CACHE 64

typedef struct name_slot {
    uint32_t id;
    bool used, known;
    char name[ST_EV_USER];
} name_slot;

static _Thread_local name_slot user_cache[NAME_CACHE];
static _Thread_local name_slot group_cache[NAME_CACHE];

static const char *
cached_name(name_slot *cache, uint32_t id, bool group, char *buf, size_t buflen)
{
    name_slot *s = &cache[(id * 2654435761u) >> 26];
    if (id == 0)
        return "root";
    if (!s->used || s->id != id) {
        char tmp[4096];
        const char *name = NULL;
        s->used = true;
        s->id = id;
        if (group) {
            struct group g, *res = NULL;
            if (getgrgid_r(id, &g, tmp, sizeof(tmp), &res) == 0 && res)
                name = res->gr_name;
        } else {
            struct passwd p, *res = NULL;
            if (getpwuid_r(id, &p, tmp, sizeof(tmp), &res) == 0 && res)
                name = res->pw_name;
        }
        s->known = name && strlen(name) < sizeof(s->name);
        snprintf(s->name, sizeof(s->name), "%s", s->known ? name : "");
    }
    if (!s->known)
        return NULL;
    snprintf(buf, buflen, "%s", s->name);
    return buf;
}

const char *st_ev_user_name(uint32_t uid, char *buf, size_t buflen)
{
    return cached_name(user_cache, uid, false, buf, buflen);
}

/* ---- the field table ---------------------------------------------------- */

static const st_ev_field fields[ST_F__COUNT] = {
#define X(id, name, type, flags, doc)                                          \
    [ST_F_##id] = {name, ST_EVF_##type, doc, ST_F_##id, flags},
    ST_EV_FIELDS(X)
#undef X
};

const st_ev_field *st_ev_fields(size_t *n)
{
    *n = ST_F__COUNT;
    return fields;
}

const st_ev_field *st_ev_field_findn(const char *name, size_t len, int *index)
{
    size_t base = len;
    int idx = -1;
    const char *br = memchr(name, '[', len);

    if (br) {
        char *end;
        long v;
        char num[8];
        size_t nlen = (size_t)(name + len - br) - 2;
        base = (size_t)(br - name);
        if (name[len - 1] != ']' || nlen == 0 || nlen >= sizeof(num))
            return NULL;
        memcpy(num, br + 1, nlen);
        num[nlen] = 0;
        v = strtol(num, &end, 10);
        if (*end || num[0] < '0' || num[0] > '9' || v > 255)
            return NULL;
        idx = (int)v;
    }
    for (size_t i = 0; i < ST_F__COUNT; i++) {
        if (strlen(fields[i].name) == base &&
            !memcmp(fields[i].name, name, base)) {
            if (idx >= 0 && !(fields[i].flags & ST_EVF_INDEX))
                return NULL;
            if (index)
                *index = idx;
            return &fields[i];
        }
    }
    return NULL;
}

const st_ev_field *st_ev_field_find(const char *name)
{
    return st_ev_field_findn(name, strlen(name), NULL);
}

/* ---- reading fields ----------------------------------------------------- */

static bool is_socket_event(const st_event *ev)
{
    switch (ev->type) {
    case ST_EV_CONNECT:
    case ST_EV_ACCEPT:
    case ST_EV_BIND:
    case ST_EV_LISTEN:
        return ev->family != 0;
    case ST_EV_DUP:
        return ev->family != 0;
    default:
        return false;
    }
}

static bool is_inet(const st_event *ev)
{
    return is_socket_event(ev) &&
           (ev->family == AF_INET || ev->family == AF_INET6);
}

static bool is_file_event(const st_event *ev)
{
    return ev->type == ST_EV_OPEN ||
           (ev->type == ST_EV_INIT_MODULE && ev->path[0]);
}

/* The two sides of an inet socket: client and server. */
enum { SIDE_LOCAL, SIDE_REMOTE, SIDE_NONE };

static int client_side(const st_event *ev)
{
    switch (ev->type) {
    case ST_EV_CONNECT:
    case ST_EV_DUP:
        return SIDE_LOCAL;
    case ST_EV_ACCEPT:
        return SIDE_REMOTE;
    default:
        return SIDE_NONE; /* bind, listen: no peer */
    }
}

static int server_side(const st_event *ev)
{
    return ev->type == ST_EV_CONNECT || ev->type == ST_EV_DUP ? SIDE_REMOTE
                                                              : SIDE_LOCAL;
}

static bool has_remote(const st_event *ev)
{
    return ev->type != ST_EV_BIND && ev->type != ST_EV_LISTEN;
}

static const char *
ip_text(const st_event *ev, int side, char *buf, size_t buflen)
{
    const uint8_t *a = side == SIDE_LOCAL ? ev->saddr : ev->daddr;
    char tmp[INET6_ADDRSTRLEN];
    if (!inet_ntop(ev->family == AF_INET6 ? AF_INET6 : AF_INET, a, tmp,
                   sizeof(tmp)))
        return NULL;
    snprintf(buf, buflen, "%s", tmp);
    return buf;
}

static uint16_t side_port(const st_event *ev, int side)
{
    return side == SIDE_LOCAL ? ev->sport : ev->dport;
}

static bool
side_ip(const st_event *ev, int side, st_ev_value *v, char *buf, size_t buflen)
{
    if (!is_inet(ev) || side == SIDE_NONE ||
        (side == SIDE_REMOTE && !has_remote(ev)))
        return false;
    return (v->s = ip_text(ev, side, buf, buflen)) != NULL;
}

static bool side_port_value(const st_event *ev, int side, st_ev_value *v)
{
    if (!is_inet(ev) || side == SIDE_NONE ||
        (side == SIDE_REMOTE && !has_remote(ev)))
        return false;
    v->n = side_port(ev, side);
    return true;
}

/* "ip:port", IPv6 too (as Falco writes them). */
static void endpoint(sink *o, const st_event *ev, int side)
{
    char ip[INET6_ADDRSTRLEN], port[8];
    if (!ip_text(ev, side, ip, sizeof(ip)))
        snprintf(ip, sizeof(ip), "?");
    snprintf(port, sizeof(port), ":%u", (unsigned)side_port(ev, side));
    out_puts(o, ip);
    out_puts(o, port);
}

static bool
fd_name(const st_event *ev, st_ev_value *v, char *buf, size_t buflen)
{
    sink o = {buf, buflen, 0};
    if (is_file_event(ev)) {
        v->s = ev->path;
        return ev->path[0] != 0;
    }
    if (!is_socket_event(ev))
        return false;
    if (ev->family == AF_UNIX) {
        v->s = ev->path;
        return ev->path[0] != 0;
    }
    if (!is_inet(ev))
        return false;
    buf[0] = 0;
    if (client_side(ev) == SIDE_NONE) {
        endpoint(&o, ev, SIDE_LOCAL);
    } else {
        endpoint(&o, ev, client_side(ev));
        out_puts(&o, "->");
        endpoint(&o, ev, server_side(ev));
    }
    v->s = buf;
    return true;
}

static const char *time_text(uint64_t ns, int style, char *buf, size_t buflen)
{
    time_t secs = (time_t)(ns / 1000000000u);
    unsigned long frac = (unsigned long)(ns % 1000000000u);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return NULL;
    if (style == 0)
        snprintf(buf, buflen, "%02d:%02d:%02d.%09lu", tm.tm_hour, tm.tm_min,
                 tm.tm_sec, frac);
    else
        snprintf(buf, buflen, "%04d-%02d-%02d%c%02d:%02d:%02d.%09lu%s",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 style == 1 ? ' ' : 'T', tm.tm_hour, tm.tm_min, tm.tm_sec, frac,
                 style == 1 ? "" : "Z");
    return buf;
}

/* Image reference parts: repository (no tag, no digest), tag, digest. */
static bool image_part(
    const char *image, int part, st_ev_value *v, char *buf, size_t buflen)
{
    const char *at = strchr(image, '@');
    size_t n = at ? (size_t)(at - image) : strlen(image);
    const char *slash, *from, *colon;

    if (!image[0])
        return false;
    if (part == 2) {
        if (!at || !at[1])
            return false;
        v->s = at + 1;
        return true;
    }
    slash = memrchr(image, '/', n);
    from = slash ? slash + 1 : image;
    colon = memchr(from, ':', n - (size_t)(from - image));
    if (part == 1) {
        if (!colon || (size_t)(colon - image) + 1 >= n)
            return false;
        snprintf(buf, buflen, "%.*s", (int)(n - (size_t)(colon - image) - 1),
                 colon + 1);
    } else {
        snprintf(buf, buflen, "%.*s",
                 (int)(colon ? (size_t)(colon - image) : n), image);
    }
    v->s = buf;
    return true;
}

static bool value(const st_event *ev,
                  const st_ev_field *f,
                  int index,
                  st_ev_value *v,
                  char *buf,
                  size_t buflen)
{
    sink o = {buf, buflen, 0};
    buf[0] = 0;
    switch (f->id) {
    case ST_F_EVT_NUM:
        v->n = (int64_t)ev->num;
        return ev->num != 0;
    case ST_F_EVT_TYPE:
        v->s = st_ev_type_name(ev->type);
        return ev->type != ST_EV_NONE;
    case ST_F_EVT_DIR:
        v->s = "<";
        return true;
    case ST_F_EVT_TIME:
        return (v->s = time_text(ev->ts_ns, 0, buf, buflen)) != NULL;
    case ST_F_EVT_DATETIME:
        return (v->s = time_text(ev->ts_ns, 1, buf, buflen)) != NULL;
    case ST_F_EVT_TIME_ISO8601:
        return (v->s = time_text(ev->ts_ns, 2, buf, buflen)) != NULL;
    case ST_F_EVT_RAWTIME:
        v->n = (int64_t)ev->ts_ns;
        return true;
    case ST_F_EVT_RAWRES:
        v->n = ev->ret;
        return true;
    case ST_F_EVT_RES:
        if (ev->ret >= 0) {
            v->s = "SUCCESS";
        } else {
            const char *e =
                ev->ret >= -4095 ? strerrorname_np((int)-ev->ret) : NULL;
            v->s = name_or_number(e, ev->ret, buf, buflen);
        }
        return true;
    case ST_F_EVT_FAILED:
        v->b = ev->ret < 0;
        return true;
    case ST_F_EVT_IS_OPEN_READ:
        v->b = ev->type == ST_EV_OPEN && ((ev->flags & O_ACCMODE) == O_RDONLY ||
                                          (ev->flags & O_ACCMODE) == O_RDWR);
        return true;
    case ST_F_EVT_IS_OPEN_WRITE:
        v->b = ev->type == ST_EV_OPEN && ((ev->flags & O_ACCMODE) == O_WRONLY ||
                                          (ev->flags & O_ACCMODE) == O_RDWR);
        return true;
    case ST_F_EVT_ARG_FLAGS:
        switch (ev->type) {
        case ST_EV_OPEN:
            render_open_flags(&o, ev->flags);
            break;
        case ST_EV_MOUNT:
            render_bits(&o, ev->flags, mount_bits,
                        sizeof(mount_bits) / sizeof(*mount_bits), "0", "|");
            break;
        case ST_EV_FORK:
        case ST_EV_UNSHARE:
            /* clone's low byte is the exit signal, not a flag */
            render_bits(
                &o, ev->type == ST_EV_FORK ? ev->flags & ~0xffu : ev->flags,
                clone_bits, sizeof(clone_bits) / sizeof(*clone_bits), "0", "|");
            break;
        case ST_EV_EXECVE:
            if (!ev->exe_written)
                return false;
            render_bits(&o, 1, exe_bits, 1, NULL, "|");
            break;
        default:
            return false;
        }
        v->s = buf;
        return true;
    case ST_F_EVT_ARG_REQUEST:
        if (ev->type != ST_EV_PTRACE)
            return false;
        v->s = name_or_number(ptrace_name(ev->flags), ev->flags, buf, buflen);
        return true;
    case ST_F_EVT_ARG_PID:
        v->n = ev->arg;
        return ev->type == ST_EV_PTRACE;
    case ST_F_EVT_ARG_UID:
        v->n = ev->arg;
        return ev->type == ST_EV_SETUID;
    case ST_F_EVT_ARG_GID:
        v->n = ev->arg;
        return ev->type == ST_EV_SETGID;
    case ST_F_EVT_ARG_CMD:
        if (ev->type != ST_EV_BPF)
            return false;
        v->s = name_or_number(ev->arg < N_BPF_CMDS ? bpf_cmds[ev->arg] : NULL,
                              ev->arg, buf, buflen);
        return true;
    case ST_F_EVT_ARG_NEWFD:
        v->n = ev->arg;
        return ev->type == ST_EV_DUP;
    case ST_F_EVT_ARG_NSTYPE:
        if (ev->type != ST_EV_SETNS)
            return false;
        render_bits(&o, ev->flags, clone_bits,
                    sizeof(clone_bits) / sizeof(*clone_bits), "0", "|");
        v->s = buf;
        return true;
    case ST_F_EVT_ARG_NAME:
        v->s = ev->path;
        return (ev->type == ST_EV_OPEN || ev->type == ST_EV_UNLINK) &&
               ev->path[0];
    case ST_F_EVT_ARG_PATH:
        v->s = ev->path;
        return ev->type == ST_EV_UNLINK && ev->path[0];
    case ST_F_EVT_ARG_FILENAME:
        v->s = ev->type == ST_EV_EXECVE ? ev->exe : ev->path;
        return (ev->type == ST_EV_CHMOD || ev->type == ST_EV_EXECVE) && v->s[0];
    case ST_F_EVT_ARG_NEWPATH:
        v->s = ev->path;
        return ev->type == ST_EV_RENAME && ev->path[0];
    case ST_F_EVT_ARG_DIR:
        v->s = ev->path;
        return ev->type == ST_EV_MOUNT && ev->path[0];
    case ST_F_PROC_NAME:
        v->s = ev->comm;
        return ev->comm[0] != 0;
    case ST_F_PROC_EXE:
    case ST_F_PROC_EXEPATH:
        v->s = ev->exe;
        return ev->exe[0] != 0;
    case ST_F_PROC_ARGS:
        v->s = ev->args;
        return ev->type == ST_EV_EXECVE || ev->args[0];
    case ST_F_PROC_CMDLINE:
        if (!ev->comm[0])
            return false;
        out_puts(&o, ev->comm);
        if (ev->args[0]) {
            out_puts(&o, " ");
            out_puts(&o, ev->args);
        }
        v->s = buf;
        return true;
    case ST_F_PROC_PID:
        v->n = ev->pid;
        return true;
    case ST_F_PROC_PPID:
        v->n = ev->ppid;
        return true;
    case ST_F_PROC_PNAME:
        v->s = ev->pcomm;
        return ev->pcomm[0] != 0;
    case ST_F_PROC_ANAME:
        if (index < 0)
            index = 1;
        if (index == 0)
            v->s = ev->comm;
        else if (index == 1)
            v->s = ev->pcomm;
        else if (index - 2 < ST_EV_ANCESTORS)
            v->s = ev->acomm[index - 2];
        else
            return false;
        return v->s[0] != 0;
    case ST_F_PROC_TTY:
        v->n = ev->tty;
        return true;
    case ST_F_PROC_IS_EXE_UPPER_LAYER:
    case ST_F_PROC_IS_EXE_WRITTEN:
        v->b = ev->exe_written;
        return ev->type == ST_EV_EXECVE;
    case ST_F_PROC_IS_EXE_SETUID:
        v->b = ev->exe_setuid;
        return ev->type == ST_EV_EXECVE;
    case ST_F_PROC_STDIO_IS_SOCKET:
        v->b = ev->stdio_socket;
        return ev->type == ST_EV_EXECVE || ev->type == ST_EV_DUP;
    case ST_F_THREAD_TID:
        v->n = ev->tid;
        return true;
    case ST_F_THREAD_CAP_EFFECTIVE:
        render_caps(&o, ev->cap_effective);
        v->s = buf;
        return true;
    case ST_F_USER_UID:
        v->n = ev->uid;
        return true;
    case ST_F_USER_NAME:
        if (ev->user[0]) {
            v->s = ev->user;
            return true;
        }
        return (v->s = st_ev_user_name(ev->uid, buf, buflen)) != NULL;
    case ST_F_USER_LOGINUID:
        v->n = ev->loginuid == UINT32_MAX ? -1 : (int64_t)ev->loginuid;
        return true;
    case ST_F_USER_LOGINNAME:
        if (ev->loginuid == UINT32_MAX)
            return false;
        return (v->s = st_ev_user_name(ev->loginuid, buf, buflen)) != NULL;
    case ST_F_GROUP_GID:
        v->n = ev->gid;
        return true;
    case ST_F_GROUP_NAME:
        return (v->s = cached_name(group_cache, ev->gid, true, buf, buflen)) !=
               NULL;
    case ST_F_FD_NUM:
        if (ev->type != ST_EV_OPEN && ev->type != ST_EV_ACCEPT)
            return false;
        v->n = ev->ret < 0 ? -1 : ev->ret;
        return true;
    case ST_F_FD_NAME:
        return fd_name(ev, v, buf, buflen);
    case ST_F_FD_DIRECTORY:
    case ST_F_FD_FILENAME: {
        const char *slash = strrchr(ev->path, '/');
        if (!is_file_event(ev) || !ev->path[0])
            return false;
        if (f->id == ST_F_FD_FILENAME) {
            v->s = slash ? slash + 1 : ev->path;
            return true;
        }
        if (!slash)
            return false;
        snprintf(buf, buflen, "%.*s",
                 slash == ev->path ? 1 : (int)(slash - ev->path), ev->path);
        v->s = buf;
        return true;
    }
    case ST_F_FD_TYPECHAR:
    case ST_F_FD_TYPE: {
        bool chr = f->id == ST_F_FD_TYPECHAR;
        if (is_file_event(ev)) {
            bool dir = ev->type == ST_EV_OPEN &&
                       (ev->flags & O_TMPFILE) == O_DIRECTORY;
            v->s = dir ? (chr ? "d" : "directory") : (chr ? "f" : "file");
            return true;
        }
        if (!is_socket_event(ev))
            return false;
        switch (ev->family) {
        case AF_INET:
            v->s = chr ? "4" : "ipv4";
            return true;
        case AF_INET6:
            v->s = chr ? "6" : "ipv6";
            return true;
        case AF_UNIX:
            v->s = chr ? "u" : "unix";
            return true;
        default:
            return false;
        }
    }
    case ST_F_FD_SOCKFAMILY:
        if (!is_socket_event(ev))
            return false;
        v->s = ev->family == AF_UNIX ? "unix" : "ip";
        return ev->family == AF_UNIX || is_inet(ev);
    case ST_F_FD_L4PROTO:
        if (!is_inet(ev))
            return false;
        switch (ev->l4proto) {
        case IPPROTO_TCP:
            v->s = "tcp";
            return true;
        case IPPROTO_UDP:
            v->s = "udp";
            return true;
        case IPPROTO_ICMP:
        case IPPROTO_ICMPV6:
            v->s = "icmp";
            return true;
        default:
            return false;
        }
    case ST_F_FD_IS_SERVER:
        v->b = ev->type == ST_EV_ACCEPT || ev->type == ST_EV_BIND ||
               ev->type == ST_EV_LISTEN;
        return is_socket_event(ev) && ev->type != ST_EV_DUP;
    case ST_F_FD_CIP:
        return side_ip(ev, client_side(ev), v, buf, buflen);
    case ST_F_FD_CPORT:
        return side_port_value(ev, client_side(ev), v);
    case ST_F_FD_SIP:
        return side_ip(ev, server_side(ev), v, buf, buflen);
    case ST_F_FD_SPORT:
        return side_port_value(ev, server_side(ev), v);
    case ST_F_FD_LIP:
        return side_ip(ev, SIDE_LOCAL, v, buf, buflen);
    case ST_F_FD_LPORT:
        return side_port_value(ev, SIDE_LOCAL, v);
    case ST_F_FD_RIP:
        return side_ip(ev, SIDE_REMOTE, v, buf, buflen);
    case ST_F_FD_RPORT:
        return side_port_value(ev, SIDE_REMOTE, v);
    case ST_F_FD_IP: /* index 0: client, 1: server, -1: either */
        if (index != 1 && side_ip(ev, client_side(ev), v, buf, buflen))
            return true;
        return index != 0 && side_ip(ev, server_side(ev), v, buf, buflen);
    case ST_F_FD_PORT:
        if (index != 1 && side_port_value(ev, client_side(ev), v))
            return true;
        return index != 0 && side_port_value(ev, server_side(ev), v);
    case ST_F_CONTAINER_ID:
        if (!ev->container_id[0]) {
            v->s = "host";
            return true;
        }
        {
            /* the 12 characters Falco shows (as `docker ps` does) */
            size_t n = strnlen(ev->container_id, 12);
            if (n >= buflen)
                n = buflen - 1;
            memcpy(buf, ev->container_id, n);
            buf[n] = 0;
        }
        v->s = buf;
        return true;
    case ST_F_CONTAINER_FULL_ID:
        v->s = ev->container_id[0] ? ev->container_id : "host";
        return true;
    case ST_F_CONTAINER_NAME:
        v->s = ev->container_id[0] ? ev->container_name : "host";
        return v->s[0] != 0;
    case ST_F_CONTAINER_IMAGE:
        v->s = ev->image;
        return ev->image[0] != 0;
    case ST_F_CONTAINER_IMAGE_REPOSITORY:
        return image_part(ev->image, 0, v, buf, buflen);
    case ST_F_CONTAINER_IMAGE_TAG:
        return image_part(ev->image, 1, v, buf, buflen);
    case ST_F_CONTAINER_IMAGE_DIGEST:
        return image_part(ev->image, 2, v, buf, buflen);
    case ST_F_CONTAINER_TYPE:
        v->s = ev->runtime;
        return ev->runtime[0] != 0;
    case ST_F_K8S_POD_NAME:
        v->s = ev->pod;
        return ev->pod[0] != 0;
    case ST_F_K8S_NS_NAME:
        v->s = ev->k8s_ns;
        return ev->k8s_ns[0] != 0;
    case ST_F__COUNT:
        break;
    }
    return false;
}

bool st_ev_get_arg(const st_event *ev,
                   const st_ev_field *f,
                   int index,
                   st_ev_value *out,
                   char *buf,
                   size_t buflen)
{
    out->s = NULL;
    out->n = 0;
    out->b = false;
    if (!f || (unsigned)f->id >= ST_F__COUNT || !buf || buflen == 0)
        return false;
    return value(ev, f, index, out, buf, buflen);
}

bool st_ev_get(const st_event *ev,
               const st_ev_field *f,
               st_ev_value *out,
               char *buf,
               size_t buflen)
{
    return st_ev_get_arg(ev, f, -1, out, buf, buflen);
}

bool st_ev_get_nth(const st_event *ev,
                   const st_ev_field *f,
                   unsigned n,
                   st_ev_value *out,
                   char *buf,
                   size_t buflen)
{
    if (!f || !(f->flags & ST_EVF_ANY))
        return n == 0 && st_ev_get_arg(ev, f, -1, out, buf, buflen);
    switch (f->id) {
    case ST_F_PROC_ANAME:
        return n <= ST_EV_ANCESTORS &&
               st_ev_get_arg(ev, f, (int)n + 1, out, buf, buflen);
    case ST_F_FD_IP:
    case ST_F_FD_PORT:
        /* client, server; a socket without a peer has only a server */
        if (client_side(ev) == SIDE_NONE)
            n++;
        return n <= 1 && st_ev_get_arg(ev, f, (int)n, out, buf, buflen);
    default:
        return false;
    }
}

/* ---- JSON lines: writing ------------------------------------------------ */


static int put_json_str(st_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0, run = 0;
    int rc = st_buf_putc(b, '"');

    while (rc == 0 && i < n) {
        unsigned c = s[i];
        size_t l =
            c >= 0x20 && c != '"' && c != '\\' ? st_utf8_len(s + i, n - i) : 0;
        if (l) {
            i += l;
            run += l;
            continue;
        }
        /* flush the plain run, then the escape */
        if (run && (rc = st_buf_put(b, s + i - run, run)) < 0)
            break;
        run = 0;
        if (c == '"' || c == '\\') {
            char esc[3] = {'\\', (char)c, 0};
            rc = st_buf_puts(b, esc);
        } else if (c < 0x20) {
            rc = st_buf_printf(b, "\\u%04x", c);
        } else {
            rc = st_buf_puts(b, "\xef\xbf\xbd"); /* not UTF-8: U+FFFD */
        }
        i++;
    }
    if (rc == 0 && run)
        rc = st_buf_put(b, s + i - run, run);
    if (rc == 0)
        rc = st_buf_putc(b, '"');
    return rc;
}

typedef struct jw {
    st_buf *b;
    bool first;
    int rc;
} jw;

static void jkey(jw *w, const char *key)
{
    if (w->rc < 0)
        return;
    if (!w->first)
        w->rc = st_buf_putc(w->b, ',');
    w->first = false;
    if (w->rc == 0)
        w->rc = put_json_str(w->b, key);
    if (w->rc == 0)
        w->rc = st_buf_putc(w->b, ':');
}

static void jstr(jw *w, const char *key, const char *s)
{
    jkey(w, key);
    if (w->rc == 0)
        w->rc = put_json_str(w->b, s);
}

static void jstr_set(jw *w, const char *key, const char *s)
{
    if (s[0])
        jstr(w, key, s);
}

static void jint(jw *w, const char *key, long long v)
{
    jkey(w, key);
    if (w->rc == 0)
        w->rc = st_buf_printf(w->b, "%lld", v);
}

static void jbool(jw *w, const char *key, bool v)
{
    jkey(w, key);
    if (w->rc == 0)
        w->rc = st_buf_puts(w->b, v ? "true" : "false");
}

/* Flags by name when every bit has one, else the number. */
static void jbits(jw *w, const char *key, uint32_t v, int kind)
{
    char buf[512];
    sink o = {buf, sizeof(buf), 0};
    bool named;
    buf[0] = 0;
    switch (kind) {
    case 'o':
        named = render_open_flags(&o, v);
        break;
    case 'm':
        named = render_bits(&o, v, mount_bits,
                            sizeof(mount_bits) / sizeof(*mount_bits), "0", "|");
        break;
    default:
        named = render_bits(&o, v, clone_bits,
                            sizeof(clone_bits) / sizeof(*clone_bits), "0", "|");
        break;
    }
    if (named && o.len + 1 < sizeof(buf))
        jstr(w, key, buf);
    else
        jint(w, key, v);
}

static void jsocket(jw *w, const st_event *ev)
{
    char ip[INET6_ADDRSTRLEN];
    if (!ev->family)
        return;
    if (ev->family == AF_UNIX) {
        jstr(w, "fd.type", "unix");
        jstr_set(w, "fd.name", ev->path);
        return;
    }
    if (ev->family != AF_INET && ev->family != AF_INET6) {
        jint(w, "fd.family", ev->family);
        return;
    }
    jstr(w, "fd.type", ev->family == AF_INET ? "ipv4" : "ipv6");
    if (ev->l4proto == IPPROTO_TCP)
        jstr(w, "fd.l4proto", "tcp");
    else if (ev->l4proto == IPPROTO_UDP)
        jstr(w, "fd.l4proto", "udp");
    else if (ev->l4proto)
        jint(w, "fd.l4proto", ev->l4proto);
    if (ip_text(ev, SIDE_LOCAL, ip, sizeof(ip)))
        jstr(w, "fd.lip", ip);
    jint(w, "fd.lport", ev->sport);
    if (has_remote(ev)) {
        if (ip_text(ev, SIDE_REMOTE, ip, sizeof(ip)))
            jstr(w, "fd.rip", ip);
        jint(w, "fd.rport", ev->dport);
    }
}

int st_ev_to_json(const st_event *ev, st_buf *b)
{
    jw w = {b, true, 0};
    size_t start = b->len;
    char buf[ST_EV_BUFSZ];

    w.rc = st_buf_putc(b, '{');
    if (ev->num)
        jint(&w, "evt.num", (long long)ev->num);
    jint(&w, "evt.rawtime", (long long)ev->ts_ns);
    jstr(&w, "evt.type", st_ev_type_name(ev->type));
    jint(&w, "evt.rawres", ev->ret);
    jint(&w, "proc.pid", ev->pid);
    jint(&w, "thread.tid", ev->tid);
    jint(&w, "proc.ppid", ev->ppid);
    jint(&w, "user.uid", ev->uid);
    jint(&w, "group.gid", ev->gid);
    if (ev->loginuid != UINT32_MAX)
        jint(&w, "user.loginuid", ev->loginuid);
    jstr_set(&w, "user.name", ev->user);
    if (ev->tty)
        jint(&w, "proc.tty", ev->tty);
    if (ev->cgroup_id)
        jint(&w, "thread.cgroup_id", (long long)ev->cgroup_id);
    if (ev->cap_effective) {
        sink o = {buf, sizeof(buf), 0};
        if (render_caps(&o, ev->cap_effective))
            jstr(&w, "thread.cap_effective", buf);
        else
            jint(&w, "thread.cap_effective", (long long)ev->cap_effective);
    }
    jstr_set(&w, "proc.name", ev->comm);
    jstr_set(&w, "proc.pname", ev->pcomm);
    for (int i = 0; i < ST_EV_ANCESTORS; i++) {
        char key[24];
        snprintf(key, sizeof(key), "proc.aname[%d]", i + 2);
        jstr_set(&w, key, ev->acomm[i]);
    }
    jstr_set(&w, "proc.exepath", ev->exe);
    if (ev->type == ST_EV_EXECVE)
        jstr(&w, "proc.args", ev->args);
    else
        jstr_set(&w, "proc.args", ev->args);

    switch (ev->type) {
    case ST_EV_OPEN:
        jbits(&w, "evt.arg.flags", ev->flags, 'o');
        jstr_set(&w, "fd.name", ev->path);
        break;
    case ST_EV_EXECVE:
        jbool(&w, "proc.is_exe_written", ev->exe_written);
        jbool(&w, "proc.is_exe_setuid", ev->exe_setuid);
        jbool(&w, "proc.stdio_is_socket", ev->stdio_socket);
        break;
    case ST_EV_CONNECT:
    case ST_EV_ACCEPT:
    case ST_EV_BIND:
    case ST_EV_LISTEN:
        jsocket(&w, ev);
        break;
    case ST_EV_DUP:
        jint(&w, "evt.arg.newfd", ev->arg);
        jbool(&w, "proc.stdio_is_socket", ev->stdio_socket);
        jsocket(&w, ev);
        break;
    case ST_EV_PTRACE: {
        const char *name = ptrace_name(ev->flags);
        if (name)
            jstr(&w, "evt.arg.request", name);
        else
            jint(&w, "evt.arg.request", ev->flags);
        jint(&w, "evt.arg.pid", ev->arg);
        break;
    }
    case ST_EV_MOUNT:
        jbits(&w, "evt.arg.flags", ev->flags, 'm');
        jstr_set(&w, "evt.arg.dir", ev->path);
        break;
    case ST_EV_SETUID:
        jint(&w, "evt.arg.uid", ev->arg);
        break;
    case ST_EV_SETGID:
        jint(&w, "evt.arg.gid", ev->arg);
        break;
    case ST_EV_BPF:
        if (ev->arg < N_BPF_CMDS)
            jstr(&w, "evt.arg.cmd", bpf_cmds[ev->arg]);
        else
            jint(&w, "evt.arg.cmd", ev->arg);
        break;
    case ST_EV_UNSHARE:
    case ST_EV_FORK:
        jbits(&w, "evt.arg.flags",
              ev->type == ST_EV_FORK ? ev->flags & ~0xffu : ev->flags, 'c');
        break;
    case ST_EV_SETNS:
        jbits(&w, "evt.arg.nstype", ev->flags, 'c');
        break;
    case ST_EV_CHMOD:
        jstr_set(&w, "evt.arg.filename", ev->path);
        jint(&w, "evt.arg.mode", ev->flags);
        break;
    case ST_EV_RENAME:
        jstr_set(&w, "evt.arg.newpath", ev->path);
        break;
    case ST_EV_UNLINK:
        jstr_set(&w, "evt.arg.path", ev->path);
        break;
    case ST_EV_INIT_MODULE:
        jstr_set(&w, "fd.name", ev->path);
        break;
    case ST_EV_NONE:
    case ST_EV_CAPSET:
    case ST_EV_EXIT:
    case ST_EV__COUNT:
        break;
    }
    if (ev->truncated)
        jbool(&w, "evt.truncated", true);
    if (ev->container_id[0]) {
        jstr(&w, "container.full_id", ev->container_id);
        jstr_set(&w, "container.name", ev->container_name);
        jstr_set(&w, "container.image", ev->image);
        jstr_set(&w, "container.type", ev->runtime);
        jstr_set(&w, "k8s.pod.name", ev->pod);
        jstr_set(&w, "k8s.ns.name", ev->k8s_ns);
    }
    if (w.rc == 0)
        w.rc = st_buf_putc(b, '}');
    if (w.rc < 0) {
        /* leave the buffer as it was */
        b->len = start;
        b->ptr[start] = 0;
    }
    return w.rc;
}

/* ---- JSON lines: reading ------------------------------------------------ */

typedef enum jk {
    K_NUM,
    K_RAWTIME,
    K_RAWRES,
    K_PID,
    K_TID,
    K_PPID,
    K_UID,
    K_GID,
    K_LOGINUID,
    K_USER,
    K_TTY,
    K_CGROUP,
    K_CAPS,
    K_COMM,
    K_PCOMM,
    K_ANAME2,
    K_ANAME3,
    K_ANAME4,
    K_ANAME5,
    K_EXEPATH,
    K_EXE,
    K_ARGS,
    K_FLAGS,
    K_NSTYPE,
    K_MODE,
    K_REQUEST,
    K_ARG_PID,
    K_ARG_UID,
    K_ARG_GID,
    K_CMD,
    K_NEWFD,
    K_FDNAME,
    K_ARG_NAME,
    K_ARG_PATH,
    K_ARG_FILENAME,
    K_ARG_NEWPATH,
    K_ARG_DIR,
    K_L4PROTO,
    K_LIP,
    K_LPORT,
    K_RIP,
    K_RPORT,
    K_FAMILY,
    K_WRITTEN,
    K_SETUID,
    K_STDIO,
    K_TRUNCATED,
    K_CT_FULL_ID,
    K_CT_ID,
    K_CT_NAME,
    K_CT_IMAGE,
    K_CT_TYPE,
    K_POD,
    K_NS,
    K_IGNORE
} jk;

static const struct {
    const char *key;
    jk k;
} jkeys[] = {
    {"evt.num", K_NUM},
    {"evt.rawtime", K_RAWTIME},
    {"evt.rawres", K_RAWRES},
    {"proc.pid", K_PID},
    {"thread.tid", K_TID},
    {"proc.ppid", K_PPID},
    {"user.uid", K_UID},
    {"group.gid", K_GID},
    {"user.loginuid", K_LOGINUID},
    {"user.name", K_USER},
    {"proc.tty", K_TTY},
    {"thread.cgroup_id", K_CGROUP},
    {"thread.cap_effective", K_CAPS},
    {"proc.name", K_COMM},
    {"proc.pname", K_PCOMM},
    {"proc.aname[2]", K_ANAME2},
    {"proc.aname[3]", K_ANAME3},
    {"proc.aname[4]", K_ANAME4},
    {"proc.aname[5]", K_ANAME5},
    {"proc.exepath", K_EXEPATH},
    {"proc.exe", K_EXE},
    {"proc.args", K_ARGS},
    {"evt.arg.flags", K_FLAGS},
    {"evt.arg.nstype", K_NSTYPE},
    {"evt.arg.mode", K_MODE},
    {"evt.arg.request", K_REQUEST},
    {"evt.arg.pid", K_ARG_PID},
    {"evt.arg.uid", K_ARG_UID},
    {"evt.arg.gid", K_ARG_GID},
    {"evt.arg.cmd", K_CMD},
    {"evt.arg.newfd", K_NEWFD},
    {"fd.name", K_FDNAME},
    {"evt.arg.name", K_ARG_NAME},
    {"evt.arg.path", K_ARG_PATH},
    {"evt.arg.filename", K_ARG_FILENAME},
    {"evt.arg.newpath", K_ARG_NEWPATH},
    {"evt.arg.dir", K_ARG_DIR},
    {"fd.l4proto", K_L4PROTO},
    {"fd.lip", K_LIP},
    {"fd.lport", K_LPORT},
    {"fd.rip", K_RIP},
    {"fd.rport", K_RPORT},
    {"fd.family", K_FAMILY},
    {"proc.is_exe_written", K_WRITTEN},
    {"proc.is_exe_upper_layer", K_WRITTEN},
    {"proc.is_exe_setuid", K_SETUID},
    {"proc.stdio_is_socket", K_STDIO},
    {"evt.truncated", K_TRUNCATED},
    {"container.full_id", K_CT_FULL_ID},
    {"container.id", K_CT_ID},
    {"container.name", K_CT_NAME},
    {"container.image", K_CT_IMAGE},
    {"container.type", K_CT_TYPE},
    {"k8s.pod.name", K_POD},
    {"k8s.ns.name", K_NS},
    {"evt.type", K_IGNORE}, /* read first */
    {"fd.type", K_IGNORE},
};

typedef struct jr {
    st_event *ev;
    const char *what;
    const char *key;
    st_error **err;
} jr;

static int bad(jr *r, const char *expect)
{
    return st_error_set(r->err, ST_EINVALID, MODULE, "%s: %s: expected %s",
                        r->what, r->key, expect);
}

static int
get_int(jr *r, const json_t *v, long long min, long long max, long long *out)
{
    long long n;
    if (!json_is_integer(v))
        return bad(r, "a whole number");
    n = json_integer_value(v);
    if (n < min || n > max)
        return st_error_set(r->err, ST_EINVALID, MODULE,
                            "%s: %s: %lld is out of range", r->what, r->key, n);
    *out = n;
    return 0;
}

static int get_u32(jr *r, const json_t *v, uint32_t *out)
{
    long long n = 0;
    int rc = get_int(r, v, 0, UINT32_MAX, &n);
    *out = (uint32_t)n;
    return rc;
}

static int get_str(jr *r, const json_t *v, char *dst, size_t n)
{
    const char *s = json_string_value(v);
    size_t len;
    if (!s)
        return bad(r, "a string");
    len = json_string_length(v);
    if (memchr(s, 0, len))
        return bad(r, "a string without NUL");
    if (len >= n) {
        /* cut at a character boundary, as the capture does */
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
        r->ev->truncated = true;
    }
    memcpy(dst, s, len);
    dst[len] = 0;
    return 0;
}

static int get_bool(jr *r, const json_t *v, bool *out)
{
    if (!json_is_boolean(v))
        return bad(r, "true or false");
    *out = json_is_true(v);
    return 0;
}

/* One name of a bit table, or a number. */
static bool token_bits(
    const char *tok, size_t n, const bitname *t, size_t nt, uint64_t *out)
{
    char tmp[64];
    char *end;
    if (n == 0 || n >= sizeof(tmp))
        return false;
    for (size_t i = 0; i < nt; i++) {
        if (strlen(t[i].name) == n && !memcmp(t[i].name, tok, n)) {
            *out |= t[i].mask;
            return true;
        }
    }
    memcpy(tmp, tok, n);
    tmp[n] = 0;
    if (tmp[0] < '0' || tmp[0] > '9')
        return false;
    *out |= strtoull(tmp, &end, 0);
    return *end == 0;
}

/* "A|B|C" (or separated by spaces and commas) into bits. kind: 'o' open
 * flags, 'm' mount, 'c' clone, 'k' capabilities. */
static bool parse_bits(const char *s, int kind, uint64_t *out)
{
    *out = 0;
    while (*s) {
        size_t n = strcspn(s, "| ,");
        bool ok = false;
        if (n == 0) {
            s++;
            continue;
        }
        switch (kind) {
        case 'o':
            if (n == 8 && !memcmp(s, "O_RDONLY", 8))
                ok = true;
            else if (n == 8 && !memcmp(s, "O_WRONLY", 8))
                ok = true, *out |= O_WRONLY;
            else if (n == 6 && !memcmp(s, "O_RDWR", 6))
                ok = true, *out |= O_RDWR;
            else
                ok = token_bits(s, n, open_bits,
                                sizeof(open_bits) / sizeof(*open_bits), out);
            break;
        case 'm':
            ok = token_bits(s, n, mount_bits,
                            sizeof(mount_bits) / sizeof(*mount_bits), out);
            break;
        case 'c':
            ok = token_bits(s, n, clone_bits,
                            sizeof(clone_bits) / sizeof(*clone_bits), out);
            break;
        default:
            for (size_t i = 0; i < N_CAPS && !ok; i++)
                if (strlen(cap_names[i]) == n && !memcmp(cap_names[i], s, n))
                    ok = true, *out |= (uint64_t)1 << i;
            if (!ok)
                ok = token_bits(s, n, NULL, 0, out);
            break;
        }
        if (!ok)
            return false;
        s += n;
    }
    return true;
}

static int get_bits(jr *r, const json_t *v, int kind, uint64_t *out)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return bad(r, "a number from 0");
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v) || !parse_bits(json_string_value(v), kind, out))
        return bad(r, "a number or flag names");
    return 0;
}

static int get_addr(jr *r, const json_t *v, uint8_t addr[16])
{
    const char *s = json_string_value(v);
    int fam;
    if (!s)
        return bad(r, "an IP address");
    fam = strchr(s, ':') ? AF_INET6 : AF_INET;
    if (r->ev->family == 0)
        r->ev->family = (uint16_t)fam;
    if (fam != r->ev->family || inet_pton(fam, s, addr) != 1)
        return bad(r, r->ev->family == AF_INET6 ? "an IPv6 address"
                                                : "an IPv4 address");
    return 0;
}

static int one_key(jr *r, jk k, const json_t *v)
{
    st_event *ev = r->ev;
    long long n = 0;
    uint64_t bits = 0;
    int rc = 0;

    switch (k) {
    case K_NUM:
        ST_CHECK(get_int(r, v, 0, INT64_MAX, &n));
        ev->num = (uint64_t)n;
        break;
    case K_RAWTIME:
        ST_CHECK(get_int(r, v, 0, INT64_MAX, &n));
        ev->ts_ns = (uint64_t)n;
        break;
    case K_RAWRES:
        ST_CHECK(get_int(r, v, INT64_MIN, INT64_MAX, &n));
        ev->ret = n;
        break;
    case K_PID:
        return get_u32(r, v, &ev->pid);
    case K_TID:
        return get_u32(r, v, &ev->tid);
    case K_PPID:
        return get_u32(r, v, &ev->ppid);
    case K_UID:
        return get_u32(r, v, &ev->uid);
    case K_GID:
        return get_u32(r, v, &ev->gid);
    case K_LOGINUID:
        ST_CHECK(get_int(r, v, -1, UINT32_MAX, &n));
        ev->loginuid = n < 0 ? UINT32_MAX : (uint32_t)n;
        break;
    case K_USER:
        return get_str(r, v, ev->user, sizeof(ev->user));
    case K_TTY:
        return get_u32(r, v, &ev->tty);
    case K_CGROUP:
        ST_CHECK(get_int(r, v, 0, INT64_MAX, &n));
        ev->cgroup_id = (uint64_t)n;
        break;
    case K_CAPS:
        ST_CHECK(get_bits(r, v, 'k', &bits));
        ev->cap_effective = bits;
        break;
    case K_COMM:
        return get_str(r, v, ev->comm, sizeof(ev->comm));
    case K_PCOMM:
        return get_str(r, v, ev->pcomm, sizeof(ev->pcomm));
    case K_ANAME2:
    case K_ANAME3:
    case K_ANAME4:
    case K_ANAME5:
        return get_str(r, v, ev->acomm[k - K_ANAME2], ST_EV_COMM);
    case K_EXEPATH:
        return get_str(r, v, ev->exe, sizeof(ev->exe));
    case K_EXE:
        /* proc.exe is an alias on input, proc.exepath wins */
        if (!ev->exe[0])
            return get_str(r, v, ev->exe, sizeof(ev->exe));
        break;
    case K_ARGS:
        return get_str(r, v, ev->args, sizeof(ev->args));
    case K_FLAGS:
        if (ev->type == ST_EV_EXECVE)
            break; /* rendered from proc.is_exe_written */
        ST_CHECK(get_bits(r, v,
                          ev->type == ST_EV_OPEN    ? 'o'
                          : ev->type == ST_EV_MOUNT ? 'm'
                                                    : 'c',
                          &bits));
        if (bits > UINT32_MAX)
            return bad(r, "32-bit flags");
        ev->flags = (uint32_t)bits;
        break;
    case K_NSTYPE:
        ST_CHECK(get_bits(r, v, 'c', &bits));
        if (bits > UINT32_MAX)
            return bad(r, "32-bit flags");
        ev->flags = (uint32_t)bits;
        break;
    case K_MODE:
        return get_u32(r, v, &ev->flags);
    case K_REQUEST:
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            for (size_t i = 0;
                 i < sizeof(ptrace_requests) / sizeof(*ptrace_requests); i++)
                if (!strcmp(ptrace_requests[i].name, s)) {
                    ev->flags = ptrace_requests[i].value;
                    return 0;
                }
            return bad(r, "a ptrace request (PTRACE_ATTACH) or a number");
        }
        return get_u32(r, v, &ev->flags);
    case K_ARG_PID:
    case K_ARG_UID:
    case K_ARG_GID:
    case K_NEWFD:
        return get_u32(r, v, &ev->arg);
    case K_CMD:
        if (json_is_string(v)) {
            for (size_t i = 0; i < N_BPF_CMDS; i++)
                if (!strcmp(bpf_cmds[i], json_string_value(v))) {
                    ev->arg = (uint32_t)i;
                    return 0;
                }
            return bad(r, "a bpf command (BPF_PROG_LOAD) or a number");
        }
        return get_u32(r, v, &ev->arg);
    case K_FDNAME:
        /* an inet socket's name is made of its addresses */
        if (ev->family == AF_INET || ev->family == AF_INET6)
            break;
        return get_str(r, v, ev->path, sizeof(ev->path));
    case K_ARG_NAME:
    case K_ARG_PATH:
    case K_ARG_FILENAME:
    case K_ARG_NEWPATH:
    case K_ARG_DIR:
        if (k == K_ARG_FILENAME && ev->type == ST_EV_EXECVE) {
            if (!ev->exe[0])
                return get_str(r, v, ev->exe, sizeof(ev->exe));
            break;
        }
        return get_str(r, v, ev->path, sizeof(ev->path));
    case K_L4PROTO:
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (!strcmp(s, "tcp"))
                ev->l4proto = IPPROTO_TCP;
            else if (!strcmp(s, "udp"))
                ev->l4proto = IPPROTO_UDP;
            else if (!strcmp(s, "icmp"))
                ev->l4proto =
                    ev->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
            else
                return bad(r, "tcp, udp, icmp or a number");
            break;
        }
        ST_CHECK(get_int(r, v, 0, 255, &n));
        ev->l4proto = (uint8_t)n;
        break;
    case K_LIP:
        return get_addr(r, v, ev->saddr);
    case K_RIP:
        return get_addr(r, v, ev->daddr);
    case K_LPORT:
    case K_RPORT:
        ST_CHECK(get_int(r, v, 0, 65535, &n));
        if (k == K_LPORT)
            ev->sport = (uint16_t)n;
        else
            ev->dport = (uint16_t)n;
        break;
    case K_FAMILY:
        ST_CHECK(get_int(r, v, 0, 65535, &n));
        ev->family = (uint16_t)n;
        break;
    case K_WRITTEN:
        return get_bool(r, v, &ev->exe_written);
    case K_SETUID:
        return get_bool(r, v, &ev->exe_setuid);
    case K_STDIO:
        return get_bool(r, v, &ev->stdio_socket);
    case K_TRUNCATED:
        return get_bool(r, v, &ev->truncated);
    case K_CT_FULL_ID:
        return get_str(r, v, ev->container_id, sizeof(ev->container_id));
    case K_CT_ID:
        /* the short id stands for the container when no full id is given;
         * "host" is no container */
        if (!json_is_string(v))
            return bad(r, "a string");
        if (!ev->container_id[0] && strcmp(json_string_value(v), "host"))
            return get_str(r, v, ev->container_id, sizeof(ev->container_id));
        break;
    case K_CT_NAME:
        if (json_is_string(v) && !strcmp(json_string_value(v), "host"))
            break;
        return get_str(r, v, ev->container_name, sizeof(ev->container_name));
    case K_CT_IMAGE:
        return get_str(r, v, ev->image, sizeof(ev->image));
    case K_CT_TYPE:
        return get_str(r, v, ev->runtime, sizeof(ev->runtime));
    case K_POD:
        return get_str(r, v, ev->pod, sizeof(ev->pod));
    case K_NS:
        return get_str(r, v, ev->k8s_ns, sizeof(ev->k8s_ns));
    case K_IGNORE:
        break;
    }
done:
    return rc;
}

#define N_JKEYS (sizeof(jkeys) / sizeof(*jkeys))
static unsigned char jkeys_sorted[N_JKEYS]; /* indexes, by key */
static pthread_once_t jkeys_once = PTHREAD_ONCE_INIT;

static int cmp_jkey(const void *a, const void *b)
{
    return strcmp(jkeys[*(const unsigned char *)a].key,
                  jkeys[*(const unsigned char *)b].key);
}

static void sort_jkeys(void)
{
    for (size_t i = 0; i < N_JKEYS; i++)
        jkeys_sorted[i] = (unsigned char)i;
    qsort(jkeys_sorted, N_JKEYS, 1, cmp_jkey);
}

static jk key_kind(const char *key, bool *known)
{
    size_t lo = 0, hi = N_JKEYS;
    pthread_once(&jkeys_once, sort_jkeys);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(key, jkeys[jkeys_sorted[mid]].key);
        if (c == 0) {
            *known = true;
            return jkeys[jkeys_sorted[mid]].k;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *known = false;
    return K_IGNORE;
}

int st_ev_from_json(st_event *ev,
                    const char *line,
                    size_t len,
                    const char *what,
                    st_error **err)
{
    jr r = {ev, what ? what : "event", NULL, err};
    json_t *root = NULL, *v;
    const char *key, *s;
    int rc;

    memset(ev, 0, sizeof(*ev));
    ev->loginuid = UINT32_MAX;
    if ((rc = st_json_load(&root, line, len, r.what, err)) < 0)
        return rc;
    if (!json_is_object(root)) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: expected a JSON object", r.what);
        goto done;
    }
    /* the type and the socket family say what the other keys mean */
    r.key = "evt.type";
    s = json_string_value(json_object_get(root, "evt.type"));
    if (!s) {
        rc = bad(&r, "the event type (a string)");
        goto done;
    }
    if ((ev->type = st_ev_type_parse(s)) == ST_EV_NONE) {
        rc = st_error_set(err, ST_EINVALID, MODULE,
                          "%s: evt.type: unknown event type \"%.40s\"", r.what,
                          s);
        goto done;
    }
    if ((v = json_object_get(root, "fd.type"))) {
        r.key = "fd.type";
        s = json_string_value(v);
        if (!s) {
            rc = bad(&r, "a string");
            goto done;
        }
        if (!strcmp(s, "ipv4"))
            ev->family = AF_INET;
        else if (!strcmp(s, "ipv6"))
            ev->family = AF_INET6;
        else if (!strcmp(s, "unix"))
            ev->family = AF_UNIX;
        else if (strcmp(s, "file") && strcmp(s, "directory")) {
            rc = bad(&r, "ipv4, ipv6, unix, file or directory");
            goto done;
        }
    }
    json_object_foreach(root, key, v)
    {
        bool known;
        jk k = key_kind(key, &known);
        if (!known || (v && json_is_null(v)))
            continue;
        r.key = key;
        if ((rc = one_key(&r, k, v)) < 0)
            goto done;
    }
done:
    json_decref(root);
    return rc;
}
