/* A runtime event: what the capture layer (eBPF or the netlink/fanotify
 * fallback) saw, enriched in user space with the container it came from.
 * The rule engine reads events through the field table (Falco's field
 * names); --record writes them as JSON lines and --replay reads them back.
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
    uint32_t pid, tid, ppid;
    uint32_t uid, gid, loginuid; /* loginuid (uint32_t)-1 when unset */
    uint64_t cgroup_id; /* bpf_get_current_cgroup_id(); 0 when unknown */
    uint64_t cap_effective;
    uint32_t flags;     /* OPEN: open flags; MOUNT: mount flags; PTRACE:
                           request; FORK: clone flags; UNSHARE/SETNS:
                           CLONE_NEW* flags; CHMOD: mode */
    uint32_t arg;       /* SETUID/SETGID: target id; PTRACE: target pid;
                           BPF: command; DUP: new fd; INIT_MODULE: 0 */
    /* CONNECT, ACCEPT, BIND, LISTEN: the socket (AF_INET, AF_INET6,
     * AF_UNIX; addresses in network byte order, IPv4 in the first 4
     * bytes). s* is the local side, d* the remote. */
    uint16_t family;
    uint8_t l4proto;    /* IPPROTO_TCP, IPPROTO_UDP, 0 */
    uint16_t sport, dport;
    uint8_t saddr[16], daddr[16];
    char comm[ST_EV_COMM];  /* proc.name */
    char pcomm[ST_EV_COMM]; /* proc.pname */
    char exe[ST_EV_PATH];   /* proc.exepath: EXECVE's filename, else the
                               task's executable when known */
    char path[ST_EV_PATH];  /* fd.name: OPEN, CHMOD, UNLINK, RENAME (the
                               new name), MOUNT (target), INIT_MODULE
                               (module file when known), AF_UNIX socket
                               path */
    char args[ST_EV_ARGS];  /* EXECVE: argv[1..] joined by spaces */
    /* Facts user space adds. */
    bool stdio_socket;      /* EXECVE/DUP: fd 0 or 1 is a socket */
    bool exe_written;       /* EXECVE: the file was written or created by
                               the container after it started (drift) */
    bool truncated;         /* a string above was cut to fit */
    /* Container attribution (container.c); "" on the host. */
    char container_id[65];  /* full 64-hex id, or a runtime's own id */
    char container_name[128];
    char image[256];
    char runtime[16];       /* docker, containerd, cri-o, podman, runc */
    char pod[128];
    char k8s_ns[64];
} st_event;

/* ---- fields (event.c): Falco's names, read by rules and templates ---- */

typedef enum st_ev_ftype {
    ST_EVF_STR,
    ST_EVF_NUM, /* int64 */
    ST_EVF_BOOL,
    ST_EVF_IP   /* compared as text: "10.0.0.1", "::1" */
} st_ev_ftype;

typedef struct st_ev_field {
    const char *name; /* "proc.name" */
    st_ev_ftype type;
    const char *doc;
} st_ev_field;

/* Looks a field up by name; with an argument ("proc.aname[2]",
 * "evt.arg.flags") the bracketed/dotted part is ignored unless the field
 * supports it. NULL when strata does not know it. */
const st_ev_field *st_ev_field_find(const char *name);
/* All fields, for `strata monitor --list-fields`. */
const st_ev_field *st_ev_fields(size_t *n);

/* A field's value. Strings point into the event or a static table, or
 * are formatted into buf (at least 64 bytes). Returns false when the field
 * has no value for this event (fd.name of an execve). */
typedef struct st_ev_value {
    const char *s;
    int64_t n;
    bool b;
} st_ev_value;
bool st_ev_get(const st_event *ev, const st_ev_field *f, st_ev_value *out,
               char *buf, size_t buflen);

/* ---- JSON lines (event.c): --record and --replay ---------------------- */

/* One event as a single line of JSON (no newline) with Falco field names:
 * {"evt.time":…,"evt.type":"execve","proc.pid":…,"proc.name":…,…}. */
int st_ev_to_json(const st_event *ev, st_buf *out);
/* Parses one line written by st_ev_to_json (unknown keys ignored;
 * ST_EINVALID naming `what` — "events.jsonl:12" — when it is not an
 * object or a known key has the wrong type). */
int st_ev_from_json(st_event *ev, const char *line, size_t len,
                    const char *what, st_error **err);

#endif
