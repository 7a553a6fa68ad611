/* Between capture.c (the front: mode choice, process table, /proc readers)
 * and its back ends, capture_bpf.c and capture_fallback.c. Internal to
 * src/lib/monitor.
 */
#ifndef ST_MONITOR_CAPTURE_INT_H
#define ST_MONITOR_CAPTURE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor/capture.h"

/* A back end. `poll` delivers through st_capture__deliver. */
typedef struct st_capture_ops {
    const char *name;
    int (*poll)(st_capture *c, void *impl, int timeout_ms,
                st_capture_fn fn, void *payload, st_error **err);
    /* Kernel-side counters (dropped, filtered); `events` is the front's. */
    void (*counters)(void *impl, st_capture_counters *out);
    void (*close)(void *impl);
} st_capture_ops;

/* Opens a back end: fills *impl and a description of what it watches
 * ("tracepoints: 4 programs"). ST_EUNSUPPORTED with the reason when it
 * cannot run here. */
int st_capture__bpf_open(void **impl, const st_capture_options *o,
                         char *desc, size_t desclen, st_error **err);
int st_capture__fallback_open(void **impl, const st_capture_options *o,
                              char *desc, size_t desclen, st_error **err);
extern const st_capture_ops st_capture__bpf_ops;
extern const st_capture_ops st_capture__fallback_ops;

/* Hands one event to the caller's callback after the front's enrichment
 * (the executable from the process table) and counting. Returns fn's
 * value. Back ends pass EXECVE, FORK and EXIT too: the process table
 * learns from them. */
int st_capture__deliver(st_capture *c, st_event *ev, st_capture_fn fn,
                        void *payload);

/* The cgroup id last seen for a process (0: unknown): for events that
 * arrive after the process has left its cgroup (fallback exits). */
uint64_t st_capture__proc_cgroup(const st_capture *c, uint32_t pid);

/* ---- /proc and cgroups, shared by the back ends and the tests ---------- */

/* Where cgroup ids come from on this host. cgroup_id (st_event, both
 * capture modes) is the inode number of the process's cgroup directory:
 * in the memory controller's hierarchy when that controller is mounted
 * as cgroup v1 (a v1 or hybrid host), else in the unified (v2)
 * hierarchy. */
typedef struct st_cgroup_layout {
    bool v1_memory;  /* the memory controller is on a v1 hierarchy */
    char mnt[256];   /* that hierarchy's mount point */
    char mroot[256]; /* the mount's root inside the hierarchy ("/") */
} st_cgroup_layout;
/* ST_ENOTFOUND when neither hierarchy is mounted. */
int st_capture__cgroup_layout(st_cgroup_layout *out, st_error **err);

/* The cgroup id of a process, from /proc/<pid>/cgroup; 0 when it cannot
 * be read. */
uint64_t st_capture__cgroup_id(const st_cgroup_layout *l, pid_t pid);

/* Fills comm, pcomm, ppid, uid, gid (effective), loginuid, cap_effective,
 * tty and, with l, cgroup_id of ev from /proc/<pid>; with `exec`, also exe,
 * args and stdio_socket. Returns false when the process is gone or a
 * zombie (then only the names and ids are filled: a zombie has left its
 * cgroup and its executable). */
bool st_capture__proc_read(const st_cgroup_layout *l, pid_t pid,
                           st_event *ev, bool exec);

/* True when fd `fd` of process pid is a socket (/proc/<pid>/fd). */
bool st_capture__proc_fd_is_socket(pid_t pid, int fd);

/* Monotonic and real-time clocks in nanoseconds. */
uint64_t st_capture__now_ns(void);
uint64_t st_capture__realtime_ns(void);

#endif
