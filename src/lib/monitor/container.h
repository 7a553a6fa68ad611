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

typedef struct st_containers_options {
    /* Roots to read, for tests; NULL for the defaults. */
    const char *cgroup_root;  /* [/sys/fs/cgroup] */
    const char *proc_root;    /* [/proc] */
    /* runc --root directories to read state from; NULL-terminated list,
     * NULL: /run/runc, /run/docker/runtime-runc/moby,
     * /run/containerd/runc/k8s.io, /run/crun, /run/user/0/runc. */
    const char *const *runc_roots;
    const char *docker_root;  /* [/var/lib/docker] */
} st_containers_options;

typedef struct st_container {
    char id[65];
    char name[128];
    char image[256];
    char runtime[16];
    char pod[128];
    char k8s_ns[64];
    char cgroup_path[512]; /* relative to the controller root */
    uint32_t init_pid;     /* 0 when unknown */
    char bundle[512];      /* runc bundle (rootfs is <bundle>/<root>) */
    char rootfs[512];
} st_container;

typedef struct st_containers st_containers;

int st_containers_open(st_containers **out, const st_containers_options *o,
                       st_error **err);
void st_containers_free(st_containers *c);

/* The container of a cgroup id, or NULL for a host cgroup. Fills the
 * event's container fields when ev is not NULL. */
const st_container *st_containers_lookup(st_containers *c, uint64_t cgid,
                                         uint32_t pid, st_event *ev);
/* Rescans and lists running containers (for --stats). */
int st_containers_list(st_containers *c, const st_container ***out,
                       size_t *n, st_error **err);
/* Cgroup ids of the host's own cgroups (the root and system slices), for
 * the in-kernel filter. */
int st_containers_host_cgroups(st_containers *c, uint64_t **ids,
                               size_t *n, st_error **err);

/* ---- stats (stats.c) ---------------------------------------------------- */

typedef struct st_cstats {
    double cpu_percent;   /* of one CPU, over the last interval */
    uint64_t mem_bytes;   /* usage minus inactive file cache, as docker */
    uint64_t mem_limit;   /* 0: none */
    uint64_t pids;
    uint64_t blk_read, blk_write;  /* bytes since start */
    uint64_t net_rx, net_tx;       /* bytes, from /proc/<pid>/net/dev */
} st_cstats;

typedef struct st_stats st_stats;

/* Opens the cgroup stat files of a container once (v1 or v2) and keeps
 * them open: each sample re-reads them from offset 0. */
int st_stats_open(st_stats **out, const st_containers_options *o,
                  const st_container *ct, st_error **err);
int st_stats_sample(st_stats *s, st_cstats *out, st_error **err);
void st_stats_close(st_stats *s);

/* A moving baseline (exponentially weighted mean and deviation) of one
 * metric: after `warmup` samples, a value above mean + k·sd (and above
 * floor) for `sustain` samples in a row is an anomaly. */
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
