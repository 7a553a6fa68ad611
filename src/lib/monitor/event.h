/* A runtime event: what the capture layer (eBPF or the netlink/fanotify
 * fallback) saw, enriched in user space with the container it came from.
 * The rule engine reads events through the field table (Falco's field
 * names, docs/monitor-rules.md); --record writes them as JSON lines and
 * --replay reads them back.
 *
 * One event is one completed system call: it carries the arguments Falco
 * splits between the enter (">") and exit ("<") events, so a rule that
 * tests either direction sees it (evt.dir, below).
 * Internal to libstrata; depends on util only.
 */
#ifndef ST_MONITOR_EVENT_H
#define ST_MONITOR_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

#define ST_EV_COMM 16
#define ST_EV_PATH 256
#define ST_EV_ARGS 512
#define ST_EV_USER 32
/* Ancestors above the parent whose names an event can carry:
 * proc.aname[2] (the grandparent) to proc.aname[1 + ST_EV_ANCESTORS]. */
#define ST_EV_ANCESTORS 4
/* A st_ev_get buffer this large holds every value whole. */
#define ST_EV_BUFSZ 1024

/* Event types; the names are Falco's evt.type values. */
#define ST_EV_TYPES(X)                                                         \
    X(EXECVE, "execve")                                                        \
    X(OPEN, "openat")   /* open, openat, openat2 */                           \
    X(CONNECT, "connect")                                                      \
    X(ACCEPT, "accept") /* accept, accept4 */                                 \
    X(BIND, "bind")                                                            \
    X(LISTEN, "listen")                                                        \
    X(PTRACE, "ptrace")                                                        \
    X(MOUNT, "mount")                                                          \
    X(SETUID, "setuid") /* setuid, setreuid, setresuid */                     \
    X(SETGID, "setgid") /* setgid, setregid, setresgid */                     \
    X(CAPSET, "capset")                                                        \
    X(INIT_MODULE, "init_module") /* init_module, finit_module */              \
    X(BPF, "bpf")                                                              \
    X(DUP, "dup")           /* dup2, dup3 onto fds 0-2 */                     \
    X(UNSHARE, "unshare")                                                      \
    X(SETNS, "setns")                                                          \
    X(CHMOD, "chmod")       /* chmod, fchmod, fchmodat */                     \
    X(RENAME, "rename")     /* rename, renameat, renameat2 */                 \
    X(UNLINK, "unlink")     /* unlink, unlinkat */                            \
    X(FORK, "clone")        /* fork, vfork, clone, clone3 */                  \
    X(EXIT, "procexit")

typedef enum st_ev_type {
    ST_EV_NONE = 0,
#define X(id, name) ST_EV_##id,
    ST_EV_TYPES(X)
#undef X
        ST_EV__COUNT
} st_ev_type;

/* Falco's name of a type ("execve"); "none" for ST_EV_NONE. */
const char *st_ev_type_name(st_ev_type t);
/* The type named (also the syscall variants: "open", "openat2",
 * "accept4", "finit_module", "dup2", "execveat"…); ST_EV_NONE if unknown. */
st_ev_type st_ev_type_parse(const char *name);

typedef struct st_event {
    st_ev_type type;
    int64_t ret;        /* syscall return value (fd, 0, -errno) */
    uint64_t ts_ns;     /* CLOCK_REALTIME, nanoseconds */
    uint64_t num;       /* evt.num: sequence number from 1; 0: none */
    uint32_t pid, tid, ppid;
    /* Effective ids. SETUID/SETGID: the caller's before the call (the
     * requested id is in arg). */
    uint32_t uid, gid, loginuid; /* loginuid (uint32_t)-1 when unset */
    uint32_t tty;       /* proc.tty: controlling terminal as Falco
                           numbers it, new_encode_dev(tty_devnum(tty)):
                           (minor & 0xff) | major << 8 |
                           (minor & ~0xff) << 12, so pts/0 is 34816;
                           0: none */
    /* The inode number of the task's cgroup directory in the id
     * hierarchy: the memory controller's on cgroup v1 / hybrid hosts
     * (bpf_get_current_cgroup_id() is the unified root there for every
     * task), the unified one on v2 (see st_cgroup_ids); 0 when unknown. */
    uint64_t cgroup_id;
    uint64_t cap_effective;
    uint32_t flags;     /* OPEN: open flags; MOUNT: mount flags; PTRACE:
                           request; FORK: clone flags; UNSHARE/SETNS:
                           CLONE_NEW* flags; CHMOD: mode */
    uint32_t arg;       /* SETUID/SETGID: target id; PTRACE: target pid;
                           BPF: command; DUP: new fd; INIT_MODULE: 0 */
    /* CONNECT, ACCEPT, BIND, LISTEN: the socket (AF_INET, AF_INET6,
     * AF_UNIX; addresses in network byte order, IPv4 in the first 4
     * bytes). s* is the local side, d* the remote. DUP: the same for the
     * duplicated (old) descriptor when it is a socket, family 0 when it
     * is not or is not known. */
    uint16_t family;
    uint8_t l4proto;    /* IPPROTO_TCP, IPPROTO_UDP, 0 */
    uint16_t sport, dport;
    uint8_t saddr[16], daddr[16];
    char comm[ST_EV_COMM];  /* proc.name */
    char pcomm[ST_EV_COMM]; /* proc.pname */
    /* proc.aname[2..]: acomm[0] is the grandparent; "" past the last
     * known ancestor. */
    char acomm[ST_EV_ANCESTORS][ST_EV_COMM];
    char exe[ST_EV_PATH];   /* proc.exepath: EXECVE's filename, else the
                               task's executable when known */
    char path[ST_EV_PATH];  /* OPEN: the file (fd.name); CHMOD, UNLINK:
                               the file; RENAME: the new name; MOUNT: the
                               target; INIT_MODULE: the module file when
                               known; AF_UNIX sockets: the socket path */
    char args[ST_EV_ARGS];  /* EXECVE: argv[1..] joined by spaces; other
                               events: the process's when user space
                               knows them, else "" */
    /* user.name when the capture knows it (from the container's
     * /etc/passwd); "": looked up from uid on this host. */
    char user[ST_EV_USER];
    /* Facts user space adds. */
    bool stdio_socket;      /* EXECVE/DUP: fd 0 or 1 is a socket */
    bool exe_written;       /* EXECVE: the file was written or created by
                               the container after it started (drift) */
    bool exe_setuid;        /* EXECVE: the effective uid or gid changed
                               across the exec (set-user-ID or
                               set-group-ID file) */
    bool truncated;         /* a string above was cut to fit */
    /* Container attribution (container.c); "" on the host. */
    char container_id[65];  /* full 64-hex id, or a runtime's own id */
    char container_name[128];
    char image[256];
    char runtime[16];       /* docker, containerd, cri-o, podman, runc */
    char pod[128];
    char k8s_ns[64];
} st_event;

/* ---- fields (event.c): Falco's names, read by rules and templates ----
 * Every field strata knows, in the order of `strata monitor
 * --list-fields`. The strata-only ones are proc.is_exe_written,
 * proc.is_exe_setuid and proc.stdio_is_socket. */
#define ST_EV_FIELDS(X)                                                        \
    X(EVT_NUM, "evt.num", NUM, 0, "sequence number of the event (from 1)")     \
    X(EVT_TYPE, "evt.type", STR, 0,                                            \
      "the system call (execve, openat, connect…)")                            \
    X(EVT_DIR, "evt.dir", STR, 0,                                              \
      "\"<\": one event is a whole call (checks of either direction hold)")    \
    X(EVT_TIME, "evt.time", STR, 0,                                            \
      "time of day, UTC, with nanoseconds (12:01:02.000000003)")               \
    X(EVT_DATETIME, "evt.datetime", STR, 0,                                    \
      "date and time, UTC (2024-05-01 12:01:02.000000003)")                    \
    X(EVT_TIME_ISO8601, "evt.time.iso8601", STR, 0,                            \
      "ISO 8601, UTC (2024-05-01T12:01:02.000000003Z)")                        \
    X(EVT_RAWTIME, "evt.rawtime", NUM, 0, "nanoseconds since the epoch")       \
    X(EVT_RAWRES, "evt.rawres", NUM, 0,                                        \
      "return value of the call (-errno on failure)")                          \
    X(EVT_RES, "evt.res", STR, 0, "SUCCESS, or the errno name (ENOENT)")       \
    X(EVT_FAILED, "evt.failed", BOOL, 0, "the call failed")                    \
    X(EVT_IS_OPEN_READ, "evt.is_open_read", BOOL, 0,                           \
      "an open for reading (O_RDONLY or O_RDWR)")                              \
    X(EVT_IS_OPEN_WRITE, "evt.is_open_write", BOOL, 0,                         \
      "an open for writing (O_WRONLY or O_RDWR)")                              \
    X(EVT_ARG_FLAGS, "evt.arg.flags", STR, 0,                                  \
      "flags by name: O_*, MS_*, CLONE_*; execve: EXE_UPPER_LAYER")            \
    X(EVT_ARG_REQUEST, "evt.arg.request", STR, 0,                              \
      "ptrace request (PTRACE_ATTACH)")                                        \
    X(EVT_ARG_PID, "evt.arg.pid", NUM, 0, "ptrace target pid")                 \
    X(EVT_ARG_UID, "evt.arg.uid", NUM, 0, "setuid: the requested uid")         \
    X(EVT_ARG_GID, "evt.arg.gid", NUM, 0, "setgid: the requested gid")         \
    X(EVT_ARG_CMD, "evt.arg.cmd", STR, 0, "bpf command (BPF_PROG_LOAD)")       \
    X(EVT_ARG_NEWFD, "evt.arg.newfd", NUM, 0, "dup2/dup3: the new descriptor") \
    X(EVT_ARG_NSTYPE, "evt.arg.nstype", STR, 0,                                \
      "setns: namespace types (CLONE_NEWNS…)")                                 \
    X(EVT_ARG_NAME, "evt.arg.name", STR, 0, "openat, unlinkat: the path")      \
    X(EVT_ARG_PATH, "evt.arg.path", STR, 0, "unlink: the path")                \
    X(EVT_ARG_FILENAME, "evt.arg.filename", STR, 0,                            \
      "chmod: the file; execve: the program")                                  \
    X(EVT_ARG_NEWPATH, "evt.arg.newpath", STR, 0, "rename: the new path")      \
    X(EVT_ARG_DIR, "evt.arg.dir", STR, 0, "mount: the target directory")       \
    X(PROC_NAME, "proc.name", STR, 0,                                          \
      "process name (comm, at most 15 characters)")                            \
    X(PROC_EXE, "proc.exe", STR, 0,                                            \
      "the program as executed (strata: the execve path; Falco: argv[0])")     \
    X(PROC_EXEPATH, "proc.exepath", STR, 0, "path of the executable")          \
    X(PROC_ARGS, "proc.args", STR, 0,                                          \
      "arguments after argv[0], joined by spaces")                             \
    X(PROC_CMDLINE, "proc.cmdline", STR, 0, "proc.name and proc.args")         \
    X(PROC_PID, "proc.pid", NUM, 0, "process id")                              \
    X(PROC_PPID, "proc.ppid", NUM, 0, "parent process id")                     \
    X(PROC_PNAME, "proc.pname", STR, 0, "parent process name")                 \
    X(PROC_ANAME, "proc.aname", STR, ST_EVF_INDEX | ST_EVF_ANY,                \
      "ancestor names: [1] parent, [2] grandparent…; without index any")       \
    X(PROC_TTY, "proc.tty", NUM, 0, "controlling terminal number, 0: none")    \
    X(PROC_IS_EXE_UPPER_LAYER, "proc.is_exe_upper_layer", BOOL, 0,             \
      "the executable is in the writable layer (written after start)")         \
    X(PROC_IS_EXE_WRITTEN, "proc.is_exe_written", BOOL, 0,                     \
      "strata: the executable was written after the start (drift)")            \
    X(PROC_IS_EXE_SETUID, "proc.is_exe_setuid", BOOL, 0,                       \
      "strata: the exec changed the effective uid or gid (setuid)")            \
    X(PROC_STDIO_IS_SOCKET, "proc.stdio_is_socket", BOOL, 0,                   \
      "strata: stdin or stdout is a socket (execve, dup)")                     \
    X(THREAD_TID, "thread.tid", NUM, 0, "thread id")                           \
    X(THREAD_CAP_EFFECTIVE, "thread.cap_effective", STR, 0,                    \
      "effective capabilities (CAP_CHOWN CAP_SYS_ADMIN…)")                     \
    X(USER_UID, "user.uid", NUM, 0, "effective user id")                       \
    X(USER_NAME, "user.name", STR, 0, "user name (root for 0)")                \
    X(USER_LOGINUID, "user.loginuid", NUM, 0, "audit login uid, -1: none")     \
    X(USER_LOGINNAME, "user.loginname", STR, 0, "user name of the login uid")  \
    X(GROUP_GID, "group.gid", NUM, 0, "effective group id")                    \
    X(GROUP_NAME, "group.name", STR, 0, "group name (root for 0)")             \
    X(FD_NUM, "fd.num", NUM, 0,                                                \
      "the descriptor: openat, accept results (-1 on failure)")                \
    X(FD_NAME, "fd.name", STR, 0,                                              \
      "file path, or socket cip:cport->sip:sport, or unix socket path")        \
    X(FD_DIRECTORY, "fd.directory", STR, 0, "directory of fd.name (files)")    \
    X(FD_FILENAME, "fd.filename", STR, 0, "last component of fd.name (files)") \
    X(FD_TYPECHAR, "fd.typechar", STR, 0,                                      \
      "f file, d directory, 4 ipv4, 6 ipv6, u unix")                           \
    X(FD_TYPE, "fd.type", STR, 0, "file, directory, ipv4, ipv6, unix")         \
    X(FD_SOCKFAMILY, "fd.sockfamily", STR, 0, "ip or unix")                    \
    X(FD_L4PROTO, "fd.l4proto", STR, 0, "tcp, udp, icmp")                      \
    X(FD_IS_SERVER, "fd.is_server", BOOL, 0,                                   \
      "the socket is the server side (accept, bind, listen)")                  \
    X(FD_CIP, "fd.cip", IP, 0, "client address")                               \
    X(FD_CPORT, "fd.cport", NUM, 0, "client port")                             \
    X(FD_SIP, "fd.sip", IP, 0, "server address")                               \
    X(FD_SPORT, "fd.sport", NUM, 0, "server port")                             \
    X(FD_LIP, "fd.lip", IP, 0, "local address")                                \
    X(FD_LPORT, "fd.lport", NUM, 0, "local port")                              \
    X(FD_RIP, "fd.rip", IP, 0, "remote address")                               \
    X(FD_RPORT, "fd.rport", NUM, 0, "remote port")                             \
    X(FD_IP, "fd.ip", IP, ST_EVF_ANY, "client or server address")              \
    X(FD_PORT, "fd.port", NUM, ST_EVF_ANY, "client or server port")            \
    X(CONTAINER_ID, "container.id", STR, 0,                                    \
      "container id, 12 characters; host outside containers")                  \
    X(CONTAINER_FULL_ID, "container.full_id", STR, 0,                          \
      "container id, whole; host outside containers")                          \
    X(CONTAINER_NAME, "container.name", STR, 0,                                \
      "container name; host outside containers")                               \
    X(CONTAINER_IMAGE, "container.image", STR, 0, "image reference")           \
    X(CONTAINER_IMAGE_REPOSITORY, "container.image.repository", STR, 0,        \
      "image without tag and digest")                                          \
    X(CONTAINER_IMAGE_TAG, "container.image.tag", STR, 0, "image tag")         \
    X(CONTAINER_IMAGE_DIGEST, "container.image.digest", STR, 0,                \
      "image digest")                                                          \
    X(CONTAINER_TYPE, "container.type", STR, 0,                                \
      "runtime: docker, containerd, cri-o, podman, runc")                      \
    X(K8S_POD_NAME, "k8s.pod.name", STR, 0, "Kubernetes pod name")             \
    X(K8S_NS_NAME, "k8s.ns.name", STR, 0, "Kubernetes namespace")

typedef enum st_ev_ftype {
    ST_EVF_STR,
    ST_EVF_NUM, /* int64 */
    ST_EVF_BOOL,
    ST_EVF_IP   /* compared as text: "10.0.0.1", "::1" */
} st_ev_ftype;

/* Field flags. */
#define ST_EVF_INDEX 1u /* takes an index: proc.aname[2] */
#define ST_EVF_ANY 2u   /* without an index it has several values and a
                           check holds when it holds for any of them
                           (proc.aname: every known ancestor; fd.ip: the
                           client and the server side) */

typedef enum st_ev_field_id {
#define X(id, name, type, flags, doc) ST_F_##id,
    ST_EV_FIELDS(X)
#undef X
        ST_F__COUNT
} st_ev_field_id;

typedef struct st_ev_field {
    const char *name; /* "proc.name" */
    st_ev_ftype type;
    const char *doc;
    st_ev_field_id id; /* its index in st_ev_fields() */
    unsigned flags;    /* ST_EVF_INDEX, ST_EVF_ANY */
} st_ev_field;

/* Looks a field up by name; with an argument ("proc.aname[2]") the
 * bracketed part is ignored when the field takes one. NULL when strata
 * does not know it (or it takes no argument and has one). */
const st_ev_field *st_ev_field_find(const char *name);
/* The same for name[0..len), giving the index in *index (-1: none). An
 * index that is not a number from 0 to 255 makes it unknown. */
const st_ev_field *st_ev_field_findn(const char *name, size_t len,
                                     int *index);
/* All fields, for `strata monitor --list-fields`. */
const st_ev_field *st_ev_fields(size_t *n);

/* A field's value. Strings point into the event or a static table, or
 * are formatted into buf (at least 64 bytes; ST_EV_BUFSZ holds any value
 * whole, a smaller one may cut it). Returns false when the field has no
 * value for this event (fd.name of an execve): templates render that as
 * "<NA>" and every check but `exists` fails on it.
 * evt.dir is "<" (see above; the rule engine treats evt.dir checks of
 * either direction as true). */
typedef struct st_ev_value {
    const char *s;
    int64_t n;
    bool b;
} st_ev_value;
bool st_ev_get(const st_event *ev, const st_ev_field *f, st_ev_value *out,
               char *buf, size_t buflen);
/* With an index (proc.aname[N]; -1: none, as st_ev_get). */
bool st_ev_get_arg(const st_event *ev, const st_ev_field *f, int index,
                   st_ev_value *out, char *buf, size_t buflen);
/* The n-th value of an ST_EVF_ANY field (proc.aname: parent,
 * grandparent…; fd.ip, fd.port: client, server); false past the last.
 * For other fields n = 0 is st_ev_get. */
bool st_ev_get_nth(const st_event *ev, const st_ev_field *f, unsigned n,
                   st_ev_value *out, char *buf, size_t buflen);

/* user.name of a uid as this host knows it ("root" for 0), from a small
 * per-thread cache over getpwuid_r; NULL when unknown. */
const char *st_ev_user_name(uint32_t uid, char *buf, size_t buflen);

/* A writer into a fixed buffer (values, rendered outputs): it cuts, never
 * overflows, and keeps the text NUL-terminated. */
typedef struct st_ev_sink {
    char *p;
    size_t n, len;
} st_ev_sink;
void st_ev_sink_put(st_ev_sink *o, const char *s, size_t n);

/* ---- JSON lines (event.c): --record and --replay ---------------------- */

/* Appends one event to out as a single line of JSON (no newline) with
 * Falco field names as keys where one names the value exactly:
 * {"evt.num":…,"evt.rawtime":…,"evt.type":"execve","evt.rawres":0,
 * "proc.pid":…,"proc.name":…,…} (docs/monitor-rules.md lists the keys).
 * Bytes that are not UTF-8 are written as U+FFFD. ST_ELIMIT when out is
 * full. */
int st_ev_to_json(const st_event *ev, st_buf *out);
/* Parses one line written by st_ev_to_json (unknown keys ignored;
 * ST_EINVALID naming `what` — "events.jsonl:12" — when it is not an
 * object or a known key has the wrong type or value). Flags, capability
 * sets, ptrace requests and bpf commands may be numbers or names
 * ("O_WRONLY|O_CREAT", "CAP_SYS_ADMIN CAP_NET_RAW", "PTRACE_ATTACH"). */
int st_ev_from_json(st_event *ev, const char *line, size_t len,
                    const char *what, st_error **err);

#endif
