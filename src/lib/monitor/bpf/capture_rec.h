/* The records the eBPF programs (capture.bpf.c) hand to user space
 * (capture_bpf.c) through the ring buffer. Both sides include this file,
 * so it uses only fixed-size kernel types. Bump ST_REC_SCHEMA on any
 * change; the program carries it (rec_schema) and user space checks it.
 */
#ifndef ST_CAPTURE_REC_H
#define ST_CAPTURE_REC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define ST_REC_SCHEMA 2

#define ST_REC_COMM 16
#define ST_REC_PATH 256
#define ST_REC_ARGS 512
#define ST_REC_ANCESTORS 4 /* comms above the parent: st_event.acomm */

enum st_rec_type {
    ST_REC_EXECVE = 1,
    ST_REC_OPEN,
    ST_REC_CONNECT,
    ST_REC_ACCEPT,
    ST_REC_BIND,
    ST_REC_LISTEN,
    ST_REC_PTRACE,
    ST_REC_MOUNT,
    ST_REC_SETUID,
    ST_REC_SETGID,
    ST_REC_CAPSET,
    ST_REC_INIT_MODULE,
    ST_REC_BPF,
    ST_REC_DUP,
    ST_REC_UNSHARE,
    ST_REC_SETNS,
    ST_REC_CHMOD,
    ST_REC_RENAME,
    ST_REC_UNLINK,
    ST_REC_FORK,
    ST_REC_EXIT,
    ST_REC__COUNT
};

/* st_rec.bits */
#define ST_REC_STDIO_SOCKET 0x1 /* EXECVE: fd 0 or 1 is a socket; DUP: the
                                   new fd is */
#define ST_REC_EXE_WRITTEN 0x2  /* EXECVE: see capture.bpf.c, exe_written */
#define ST_REC_TRUNCATED 0x4    /* path or args was cut */
#define ST_REC_EXE_SETUID 0x8   /* EXECVE: the exec changed the ids or
                                   raised capabilities (set-user-ID,
                                   set-group-ID, file capabilities) */

/* Indexes into the per-CPU counter array. */
enum st_rec_counter {
    ST_CNT_DROPPED = 0, /* ring buffer full: record lost */
    ST_CNT_FILTERED,    /* host event dropped by the cgroup filter */
    ST_CNT_WAKEUPS,     /* forced wake-ups (ring buffer past high water) */
    ST_CNT__COUNT
};

/* cgroup_id_mode (a load-time constant): where cgroup_id comes from. */
#define ST_CGID_UNIFIED 0 /* bpf_get_current_cgroup_id(): cgroup v2 */
#define ST_CGID_MEMORY 1  /* the memory controller's cgroup (v1) */

/* Every event. Strings are NUL-terminated; bytes after the NUL are
 * undefined. Ports in host order, addresses in network order. */
struct st_rec {
    __u64 ts_ns; /* bpf_ktime_get_boot_ns() */
    __s64 ret;
    __u64 cgroup_id;
    __u64 cap_effective;
    __u32 type; /* enum st_rec_type */
    __u32 bits;
    __u32 pid, tid, ppid;
    __u32 uid, gid, loginuid;
    __u32 flags, arg; /* as st_event's */
    __u32 tty;        /* controlling terminal (major << 20 | minor), 0 */
    __u32 pad2;
    __u16 family, sport, dport;
    __u8 l4proto, pad;
    __u8 saddr[16], daddr[16];
    char comm[ST_REC_COMM];
    char pcomm[ST_REC_COMM];
    /* EXECVE and FORK only: the comms above the parent ("" past init). */
    char acomm[ST_REC_ANCESTORS][ST_REC_COMM];
    char path[ST_REC_PATH]; /* EXECVE: the filename; see st_event.path */
};

/* EXECVE only: the header plus argv as the process laid it out (argv[0]
 * included, NUL-separated). */
struct st_rec_exec {
    struct st_rec h;
    __u32 args_len;
    __u32 pad;
    char args[ST_REC_ARGS];
};

#endif
