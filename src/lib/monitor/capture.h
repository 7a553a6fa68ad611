/* Event capture: eBPF tracepoints when the kernel allows them, else the
 * netlink process connector (exec/fork/exit) and fanotify (opens). Events
 * arrive in batches: the BPF ring buffer is drained on a short timer, not
 * woken per event. Internal; depends on util and event.h.
 *
 * st_event.cgroup_id, in both modes, is the inode number of the process's
 * cgroup directory in the memory controller's hierarchy when that
 * controller is mounted as cgroup v1 (a v1 or hybrid host: there
 * bpf_get_current_cgroup_id() is the unified root for most processes),
 * else in the unified (v2) hierarchy; 0 when unknown. Container
 * attribution (container.c, ST_CGROUP_IDS_AUTO) reads the same hierarchy.
 * Host processes are not filtered by pid namespace or name: only by the
 * cgroup ids given in st_capture_options.
 */
#ifndef ST_MONITOR_CAPTURE_H
#define ST_MONITOR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/event.h"

typedef enum st_capture_mode {
    ST_CAPTURE_AUTO = 0, /* eBPF, else the fallback */
    ST_CAPTURE_EBPF,
    ST_CAPTURE_FALLBACK  /* netlink proc connector + fanotify */
} st_capture_mode;

typedef struct st_capture_options {
    st_capture_mode mode;
    /* Also report host processes (not in any container cgroup). Without
     * it, events of processes whose cgroup is the host's own are dropped
     * in the kernel. */
    bool host;
    /* Cgroup ids (inode numbers of cgroup directories, as cgroup_id above)
     * of the host's own cgroups: events from them are host events.
     * Filled by the caller from container.c; may be empty (then every
     * event is delivered and attribution decides). Copied at open. */
    const uint64_t *host_cgroups;
    size_t host_cgroup_count;
    unsigned drain_ms;    /* ring buffer drain period [20] */
    unsigned ringbuf_kb;  /* ring buffer size [8192] */
} st_capture_options;

typedef struct st_capture st_capture;

/* Starts capturing. In AUTO mode an eBPF failure (no BTF, no privilege, a
 * program the kernel rejects) falls back and st_capture_describe says
 * why. ST_EUNSUPPORTED when no mode can run (with the reasons). */
int st_capture_open(st_capture **out, const st_capture_options *o,
                    st_error **err);

/* Calls fn for every event available (at most 65,536 per call), waiting
 * at most timeout_ms for the first (0: do not wait; negative: no limit).
 * Returns the number of events delivered, or a negative ST_E*. fn returns
 * non-zero to stop early; the events not yet delivered wait for the next
 * call. The event passed to fn is valid during the call only. Not
 * thread-safe. */
typedef int (*st_capture_fn)(const st_event *ev, void *payload);
int st_capture_poll(st_capture *c, int timeout_ms, st_capture_fn fn,
                    void *payload, st_error **err);

/* "ebpf (tracepoints: 4 programs, …)" or "fallback (netlink proc
 * connector + fanotify: exec, fork, …; no network, mount, … events …)
 * (eBPF: <why eBPF could not run>)". Borrowed from c. */
const char *st_capture_describe(const st_capture *c);
bool st_capture_is_ebpf(const st_capture *c);

typedef struct st_capture_counters {
    uint64_t events;  /* delivered */
    uint64_t dropped; /* lost in the kernel (ring buffer full), all CPUs;
                         fallback: queue overflows (each may lose many) */
    uint64_t filtered;/* dropped in the kernel as host events */
} st_capture_counters;
void st_capture_counters_get(const st_capture *c, st_capture_counters *out);

void st_capture_close(st_capture *c);

#endif
