/* Container attribution and resource statistics.
 *
 * Attribution: a cgroup id (the inode number of the process's cgroup
 * directory; on cgroup v1 the memory controller's) -> the cgroup path ->
 * the container id in it (docker-<id>.scope, /docker/<id>,
 * cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope,
 * kubepods…pod<uid>/<id>, or a runc/crun cgroupsPath) -> the runtime's
 * state (runc's <root>/<id>/state.json, docker's
 * containers/<id>/config.v2.json, containerd/CRI-O/podman state) for the
 * name, image and Kubernetes pod/namespace labels. Results are cached by
 * cgroup id; a miss rescans lazily.
 * Internal; depends on util and event.h.
 */
#ifndef ST_MONITOR_CONTAINER_H
#define ST_MONITOR_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/event.h"

/* Which hierarchy the cgroup ids come from: the capture and attribution
 * must agree. bpf_get_current_cgroup_id() returns the unified (v2)
 * hierarchy's id, also on a v1/hybrid host where runc joins the unified
 * hierarchy too; a capture that reads the memory controller's cgroup
 * (task->cgroups->subsys[memory_cgrp_id]) gets MEMORY ids. */
typedef enum st_cgroup_ids {
    ST_CGROUP_IDS_AUTO = 0, /* MEMORY when a v1 memory controller is
                               mounted, else UNIFIED */
    ST_CGROUP_IDS_MEMORY,   /* <cgroup_root>/memory (v1) */
    ST_CGROUP_IDS_UNIFIED   /* <cgroup_root> (v2) or <cgroup_root>/unified
                               (hybrid) */
} st_cgroup_ids;

typedef struct st_containers_options {
    /* Roots to read, for tests; NULL for the defaults. */
    const char *cgroup_root;  /* [/sys/fs/cgroup] */
    const char *proc_root;    /* [/proc] */
    /* runc --root directories to read state from (runc's and crun's
     * layouts); NULL-terminated list. An entry whose last component is a
     * lone asterisk stands for each directory in it (containerd keeps one
     * root per namespace). NULL: /run/runc, /run/docker/runtime-runc/moby,
     * /run/containerd/runc/<every namespace>, /run/crun,
     * /run/user/0/runc. */
    const char *const *runc_roots;
    const char *docker_root;  /* [/var/lib/docker] */
    /* containers/storage (podman, CRI-O) [/var/lib/containers/storage] */
    const char *podman_root;
    st_cgroup_ids ids;        /* [AUTO] */
    unsigned rescan_ms;       /* least time between two rescans caused by
                                 lookups that miss [1000] */
} st_containers_options;

typedef struct st_container {
    char id[65];
    char name[128];
    char image[256];
    char runtime[16];
    char pod[128];         /* Kubernetes pod name */
    char k8s_ns[64];
    char pod_uid[40];      /* from the kubepods path or the CRI labels */
    char cgroup_path[512]; /* in the id hierarchy, relative to its root */
    uint64_t cgroup_id;    /* inode of that directory; 0 when unknown */
    uint32_t init_pid;     /* 0 when unknown */
    char bundle[512];      /* runc bundle (rootfs is <bundle>/<root>) */
    char rootfs[512];
} st_container;

typedef struct st_containers st_containers;

/* Reads the runtimes' state and indexes the cgroup hierarchy. Missing
 * state directories are not errors (no such runtime here); unreadable or
 * malformed state files are skipped. ST_ENOMEM, ST_EUSAGE (bad options). */
int st_containers_open(st_containers **out, const st_containers_options *o,
                       st_error **err);
void st_containers_free(st_containers *c);

/* The container of a cgroup id (and/or a pid: with cgid 0, as in the
 * fallback capture, or when the id is not known yet, /proc/<pid>/cgroup
 * decides), or NULL for a host process. Fills the event's container
 * fields ("" on the host) when ev is not NULL. A miss rescans, at most
 * once per rescan_ms. The result is borrowed: valid until the next call
 * on c. Not thread-safe. */
const st_container *st_containers_lookup(st_containers *c, uint64_t cgid,
                                         uint32_t pid, st_event *ev);
/* Rescans and lists the containers that have a cgroup or a live init
 * process, sorted by name (for --stats). The array and the containers are
 * borrowed: valid until the next call on c. ST_ENOMEM. */
int st_containers_list(st_containers *c, const st_container ***out,
                       size_t *n, st_error **err);
/* Cgroup ids of the host's own cgroups (every directory of the id
 * hierarchy that is neither a container's nor inside one), for the
 * in-kernel filter, as of the last scan. *ids is the caller's (st_free).
 * ST_ENOMEM. */
int st_containers_host_cgroups(st_containers *c, uint64_t **ids,
                               size_t *n, st_error **err);
/* The cgroup id of a process in the id hierarchy (the inode number of its
 * directory there): what the capture should report for that process.
 * ST_ENOTFOUND (no such process or cgroup), ST_EIO. */
int st_containers_pid_cgroup(st_containers *c, uint32_t pid, uint64_t *out,
                             st_error **err);
/* The hierarchy the ids come from (AUTO resolved), and its directory. */
st_cgroup_ids st_containers_ids(const st_containers *c);
const char *st_containers_hierarchy(const st_containers *c);

/* ---- stats (stats.c) ---------------------------------------------------- */

typedef struct st_cstats {
    double cpu_percent;   /* of one CPU, over the last interval (0 on the
                             first sample) */
    uint64_t cpu_ns;      /* CPU time used since start */
    uint64_t mem_bytes;   /* usage minus inactive file cache, as docker */
    uint64_t mem_limit;   /* 0: none */
    uint64_t pids;
    uint64_t blk_read, blk_write;  /* bytes since start */
    uint64_t net_rx, net_tx;       /* bytes, from /proc/<pid>/net/dev */
} st_cstats;

typedef struct st_stats st_stats;

/* Opens the cgroup stat files of a container once (v1 or v2) and keeps
 * them open: each sample re-reads them from offset 0 with pread. The
 * per-controller directories come from /proc/<init_pid>/cgroup (they
 * differ between v1 controllers), else ct->cgroup_path in each. Only the
 * options' cgroup_root and proc_root are read; ct is copied. A controller
 * that is missing leaves its figures 0. ST_ENOTFOUND (no cgroup found for
 * the container), ST_ENOMEM. */
int st_stats_open(st_stats **out, const st_containers_options *o,
                  const st_container *ct, st_error **err);
/* ST_ENOTFOUND when the container is gone, ST_EIO. */
int st_stats_sample(st_stats *s, st_cstats *out, st_error **err);
void st_stats_close(st_stats *s);
/* For tests: a sample taken at now_ns (CLOCK_MONOTONIC) instead of the
 * clock's time. */
int st_stats__sample_at(st_stats *s, uint64_t now_ns, st_cstats *out,
                        st_error **err);
/* For bench/monitor_stats: open, read and close every file on each sample
 * instead of keeping them open, to measure what keeping them saves. */
void st_stats__reopen_each(st_stats *s, bool on);

/* A moving baseline (exponentially weighted mean and deviation) of one
 * metric: after `warmup` samples, a value above mean + k·sd (and above
 * floor) for `sustain` samples in a row is an anomaly, reported once.
 * Samples above the threshold do not move the baseline; when an anomaly
 * lasts `warmup` samples beyond its report, the baseline relearns from
 * the new level (a lasting change becomes the new normal). */
typedef struct st_baseline {
    double mean, var;
    unsigned n, above;
    double alpha, k, floor;
    unsigned warmup, sustain;
} st_baseline;
void st_baseline_init(st_baseline *b, double alpha, double k, double floor,
                      unsigned warmup, unsigned sustain);
/* Feeds one sample; true when it completes a sustained anomaly. */
bool st_baseline_feed(st_baseline *b, double v);

#endif
