/* Container attribution: cgroup id -> cgroup path -> container -> runtime
 * state. A scan reads every runtime's state (runc/crun state directories,
 * docker's config.v2.json, containers/storage's containers.json), then
 * walks the id hierarchy once and files every directory's inode under the
 * container it belongs to, or under "host". Lookups are then one hash
 * probe; a miss rescans, rate-limited, and a pid resolves through
 * /proc/<pid>/cgroup in between. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/container.h"
#include "util/banned.h"
#include "util/json.h"

#define MAX_STATE_FILE    (8u << 20)  /* state.json, config.v2.json */
#define MAX_PROC_FILE     (64u << 10) /* /proc/<pid>/cgroup */
#define MAX_WALK_DIRS     200000      /* cgroup directories indexed per scan */
#define MAX_WALK_DEPTH    32
#define MAX_CACHED        1000000 /* ids remembered between scans */
#define DEFAULT_RESCAN_MS 1000

static const char *const default_runc_roots[] = {
    "/run/runc",
    "/run/docker/runtime-runc/moby",
    "/run/containerd/runc/*",
    "/run/crun",
    "/run/user/0/runc",
    NULL};

typedef struct ctr {
    st_container pub;
    char cg_rel[512]; /* the container's directory in the id hierarchy as
                         its runtime state says; "" when unknown */
    bool has_cgroup;  /* a directory of the walk belongs to it */
    bool alive;       /* its init process runs */
} ctr;

struct st_containers {
    char *cgroup_root, *proc_root, *docker_root, *podman_root;
    st_vec runc_roots; /* char *, owned; patterns expanded per scan */
    st_cgroup_ids ids; /* resolved */
    char *hier;        /* the id hierarchy's directory */
    uint64_t rescan_ns, last_scan_ns;
    bool want_rescan;   /* a lookup settled for less than a scan */
    st_map *by_id;      /* container id -> ctr */
    st_map *by_path;    /* cg_rel -> ctr */
    st_map *by_cgid;    /* 8-byte cgroup id -> ctr or HOST */
    st_map *pending;    /* runc state directories without state yet */
    st_vec all;         /* ctr, owned */
    uint64_t *host_ids; /* host directories of the last walk */
    size_t nhost, host_alloc;
    size_t walked;
    const st_container **list;
};

static char host_mark;
#define HOST ((void *)&host_mark)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copies what fits: ids, names and paths longer than their field are cut,
 * never overflowed. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    while (src && n + 1 < size && src[n])
        n++;
    if (n)
        memcpy(dst, src, n);
    dst[n] = 0;
}

static void fill(char *dst, size_t size, const char *src)
{
    if (!dst[0] && src && src[0])
        copy(dst, size, src);
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* ---- the record store ------------------------------------------------ */

static void drop_all(st_containers *c)
{
    for (size_t i = 0; i < c->all.len; i++)
        st_free(c->all.items[i]);
    st_vec_release(&c->all);
    st_map_free(c->by_id);
    st_map_free(c->by_path);
    st_map_free(c->by_cgid);
    st_map_free(c->pending);
    c->by_id = c->by_path = c->by_cgid = c->pending = NULL;
    c->nhost = 0;
    st_free(c->list);
    c->list = NULL;
}

static ctr *get_ctr(st_containers *c, const char *id)
{
    void **slot;
    bool created;
    ctr *k;
    if (!id[0] || strlen(id) >= sizeof(k->pub.id))
        return NULL;
    if (st_map_slot(c->by_id, id, strlen(id), &slot, &created) < 0)
        return NULL;
    if (!created)
        return *slot;
    if (!(k = st_calloc(1, sizeof(*k))))
        return NULL;
    copy(k->pub.id, sizeof(k->pub.id), id);
    if (st_vec_push(&c->all, k) < 0) {
        st_free(k);
        return NULL;
    }
    *slot = k;
    return k;
}

static int put_cgid(st_containers *c, uint64_t id, void *v)
{
    void **slot;
    bool created;
    if (st_map_count(c->by_cgid) >= MAX_CACHED)
        return 0;
    if (st_map_slot(c->by_cgid, (const char *)&id, sizeof(id), &slot,
                    &created) < 0)
        return ST_ENOMEM;
    *slot = v;
    return 0;
}

static void *get_cgid(const st_containers *c, uint64_t id)
{
    return st_map_get(c->by_cgid, (const char *)&id, sizeof(id));
}

/* ---- labels: CRI, CRI-O, podman, OCI annotations --------------------- */

static const char *pick(const json_t *labels, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *v = st_json_str(labels, *keys);
        if (v && v[0])
            return v;
    }
    return NULL;
}

static void apply_labels(ctr *k, const json_t *labels)
{
    static const char *const name[] = {"io.kubernetes.container.name",
                                       "io.kubernetes.cri.container-name",
                                       NULL};
    static const char *const pod[] = {"io.kubernetes.pod.name",
                                      "io.kubernetes.cri.sandbox-name", NULL};
    static const char *const ns[] = {"io.kubernetes.pod.namespace",
                                     "io.kubernetes.cri.sandbox-namespace",
                                     NULL};
    static const char *const uid[] = {"io.kubernetes.pod.uid",
                                      "io.kubernetes.cri.sandbox-uid", NULL};
    static const char *const image[] = {
        "io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName",
        "io.strata.image", "org.opencontainers.image.ref.name", NULL};
    const char *key;
    json_t *v;

    if (!json_is_object(labels))
        return;
    fill(k->pub.name, sizeof(k->pub.name), pick(labels, name));
    fill(k->pub.pod, sizeof(k->pub.pod), pick(labels, pod));
    fill(k->pub.k8s_ns, sizeof(k->pub.k8s_ns), pick(labels, ns));
    fill(k->pub.pod_uid, sizeof(k->pub.pod_uid), pick(labels, uid));
    fill(k->pub.image, sizeof(k->pub.image), pick(labels, image));
    /* Who created it, when the labels say so, beats where its state is:
     * podman and CRI-O both keep runc state in /run/runc. */
    if ((v = json_object_get(labels, "io.container.manager")) &&
        json_is_string(v) && !strcmp(json_string_value(v), "libpod"))
        copy(k->pub.runtime, sizeof(k->pub.runtime), "podman");
    json_object_foreach((json_t *)labels, key, v)
    {
        if (st_str_startswith(key, "io.kubernetes.cri-o.")) {
            copy(k->pub.runtime, sizeof(k->pub.runtime), "cri-o");
            break;
        }
    }
}

/* runc keeps the bundle's annotations as "key=value" labels. */
static json_t *labels_object(const json_t *arr)
{
    json_t *o = json_object(), *v;
    size_t i;
    if (!o)
        return NULL;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v), *eq;
        if (s && (eq = strchr(s, '=')) && eq > s) {
            char *key = st_strndup(s, (size_t)(eq - s));
            if (key)
                json_object_set_new(o, key, json_string(eq + 1));
            st_free(key);
        }
    }
    return o;
}

static json_t *load_json(const char *path, size_t max)
{
    st_buf b = ST_BUF_INIT(max);
    json_t *j = NULL;
    if (st_read_file(&b, path, max, NULL) == 0)
        st_json_load(&j, b.ptr, b.len, path, NULL);
    st_buf_release(&b);
    return j;
}

/* ---- /proc ------------------------------------------------------------ */

/* The start time (clock ticks after boot) of a live process, 0 if none. */
static uint64_t proc_start(const st_containers *c, uint32_t pid)
{
    char path[600], buf[1024], *p;
    unsigned long long start = 0;
    ssize_t n;
    int fd;
    snprintf(path, sizeof(path), "%s/%u/stat", c->proc_root, pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* comm may hold spaces and parentheses: fields resume after the last
     * ')'; starttime is field 22, the 20th after it. */
    if (!(p = strrchr(buf, ')')))
        return 0;
    for (int field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p + 1, "%llu", &start) != 1)
        return 0;
    return start ? start : 1;
}

static bool has_controller(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *t = list; t;) {
        const char *comma = strchr(t, ',');
        size_t len = comma ? (size_t)(comma - t) : strlen(t);
        if (len == n && !memcmp(t, name, n))
            return true;
        t = comma ? comma + 1 : NULL;
    }
    return false;
}

/* The path of pid's cgroup in the id hierarchy, from /proc/<pid>/cgroup:
 * the line naming the memory controller (v1), or the "0::" line (v2). */
static int pid_cgroup_path(const st_containers *c, uint32_t pid, st_buf *out)
{
    st_buf b = ST_BUF_INIT(MAX_PROC_FILE);
    char path[600];
    int rc;
    snprintf(path, sizeof(path), "%s/%u/cgroup", c->proc_root, pid);
    if ((rc = st_read_file(&b, path, MAX_PROC_FILE, NULL)) < 0)
        goto done;
    rc = ST_ENOTFOUND;
    for (char *line = b.ptr, *nl; line && *line; line = nl) {
        char *c1, *c2;
        bool want;
        if ((nl = strchr(line, '\n')))
            *nl++ = 0;
        if (!(c1 = strchr(line, ':')) || !(c2 = strchr(c1 + 1, ':')))
            continue;
        *c1 = *c2 = 0;
        want = c->ids == ST_CGROUP_IDS_UNIFIED
                   ? !strcmp(line, "0") && !c1[1]
                   : has_controller(c1 + 1, "memory");
        if (want) {
            st_buf_reset(out);
            rc = st_buf_puts(out, c2[1] == '/' ? c2 + 2 : c2 + 1);
            break;
        }
    }
done:
    st_buf_release(&b);
    return rc;
}

/* ---- runtime state ----------------------------------------------------- */

/* A cgroup directory named in a state file, made relative to the id
 * hierarchy: absolute under our hierarchy directory or under the
 * conventional mount point, else taken as already relative. */
static void
state_rel(const st_containers *c, const char *abs, char *out, size_t size)
{
    bool mem = c->ids == ST_CGROUP_IDS_MEMORY;
    const char *prefixes[] = {
        c->hier, mem ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup/unified",
        mem ? NULL : "/sys/fs/cgroup"};
    for (size_t i = 0; i < 3 && prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(abs, prefixes[i], n) && (!abs[n] || abs[n] == '/')) {
            abs += n;
            break;
        }
    }
    while (*abs == '/')
        abs++;
    copy(out, size, abs);
    for (size_t n = strlen(out); n && out[n - 1] == '/'; n--)
        out[n - 1] = 0;
}

/* One runc (state.json) or crun (status) container directory. */
static int load_runc_state(st_containers *c,
                           const char *root,
                           const char *id,
                           const char *runtime)
{
    char path[1200];
    json_t *st, *cfg, *labels = NULL, *bundle_cfg = NULL;
    const char *v, *bundle;
    bool crun = false;
    uint64_t pid = 0, start = 0;
    ctr *k;
    int rc = 0;

    snprintf(path, sizeof(path), "%s/%s/state.json", root, id);
    if (!(st = load_json(path, MAX_STATE_FILE))) {
        snprintf(path, sizeof(path), "%s/%s/status", root, id);
        if (!(st = load_json(path, MAX_STATE_FILE)))
            return 0;
        crun = true;
    }
    if (!json_is_object(st))
        goto done;
    v = st_json_str(st, "id");
    if (v && strcmp(v, id))
        goto done; /* a directory that is not its container's */
    if (!(k = get_ctr(c, id))) {
        rc = ST_ENOMEM;
        goto done;
    }
    cfg = st_json_obj(st, "config");
    if (crun) {
        pid = (uint64_t)json_integer_value(json_object_get(st, "pid"));
        start = (uint64_t)json_integer_value(
            json_object_get(st, "process-start-time"));
        if ((v = st_json_str(st, "cgroup-path")) && !k->cg_rel[0])
            state_rel(c, v, k->cg_rel, sizeof(k->cg_rel));
        fill(k->pub.bundle, sizeof(k->pub.bundle), st_json_str(st, "bundle"));
        fill(k->pub.rootfs, sizeof(k->pub.rootfs), st_json_str(st, "rootfs"));
    } else {
        json_t *paths = st_json_obj(st, "cgroup_paths");
        pid = (uint64_t)json_integer_value(
            json_object_get(st, "init_process_pid"));
        start = (uint64_t)json_integer_value(
            json_object_get(st, "init_process_start"));
        v = st_json_str(paths, c->ids == ST_CGROUP_IDS_MEMORY ? "memory" : "");
        if (v && !k->cg_rel[0])
            state_rel(c, v, k->cg_rel, sizeof(k->cg_rel));
        fill(k->pub.rootfs, sizeof(k->pub.rootfs), st_json_str(cfg, "rootfs"));
        if (!(labels = labels_object(st_json_arr(cfg, "labels")))) {
            rc = ST_ENOMEM;
            goto done;
        }
        fill(k->pub.bundle, sizeof(k->pub.bundle),
             st_json_str(labels, "bundle"));
    }
    /* The bundle's annotations: what runc copied into its labels, and
     * the only place crun keeps them. */
    bundle = k->pub.bundle;
    if (bundle[0]) {
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        if ((bundle_cfg = load_json(path, MAX_STATE_FILE))) {
            json_t *ann = st_json_obj(bundle_cfg, "annotations");
            if (labels && ann)
                json_object_update_missing(labels, ann);
            else if (ann)
                labels = json_incref(ann);
            if (!k->pub.rootfs[0] &&
                (v = st_json_str(st_json_obj(bundle_cfg, "root"), "path"))) {
                snprintf(path, sizeof(path), "%s/%s", bundle, v);
                copy(k->pub.rootfs, sizeof(k->pub.rootfs),
                     v[0] == '/' ? v : path);
            }
        }
    }
    apply_labels(k, labels);
    fill(k->pub.runtime, sizeof(k->pub.runtime), runtime);
    /* A pid is the container's only while the process that has it started
     * when the state says (pids are reused). */
    if (pid > 0 && pid < UINT32_MAX) {
        uint64_t got = proc_start(c, (uint32_t)pid);
        if (got && (!start || got == start)) {
            k->pub.init_pid = (uint32_t)pid;
            k->alive = true;
        }
    }
done:
    json_decref(labels);
    json_decref(bundle_cfg);
    json_decref(st);
    return rc;
}

static const char *root_runtime(const char *root)
{
    if (strstr(root, "/docker/"))
        return "docker";
    if (strstr(root, "/containerd/"))
        return "containerd";
    if (strstr(root, "crun"))
        return "crun";
    return "runc";
}

static int load_runc_root(st_containers *c, const char *root)
{
    DIR *d = opendir(root);
    struct dirent *e;
    int rc = 0;
    if (!d)
        return 0;
    while (rc == 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        void **slot;
        bool created;
        if (e->d_name[0] == '.' || n >= sizeof(((ctr *)0)->pub.id))
            continue;
        if ((rc = load_runc_state(c, root, e->d_name, root_runtime(root))) ||
            st_map_get(c->by_id, e->d_name, n))
            continue;
        /* runc makes the directory first and writes state.json once the
         * container runs: a container being created. */
        if ((rc = st_map_slot(c->pending, e->d_name, n, &slot, &created)) == 0)
            *slot = HOST;
    }
    closedir(d);
    return rc;
}

static int load_runc_roots(st_containers *c)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->runc_roots.len; i++) {
        const char *root = c->runc_roots.items[i];
        size_t n = strlen(root);
        if (n >= 2 && !strcmp(root + n - 2, "/*")) {
            char dir[1024], sub[1400];
            DIR *d;
            struct dirent *e;
            snprintf(dir, sizeof(dir), "%.*s", (int)(n - 2), root);
            if (!(d = opendir(dir)))
                continue;
            while (rc == 0 && (e = readdir(d))) {
                if (e->d_name[0] == '.')
                    continue;
                snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
                rc = load_runc_root(c, sub);
            }
            closedir(d);
        } else {
            rc = load_runc_root(c, root);
        }
    }
    return rc;
}

/* <docker_root>/containers/<id>/config.v2.json: Name, Config.Image,
 * Config.Labels (the dockershim's Kubernetes labels), State. */
static int load_docker(st_containers *c)
{
    char dir[1200], path[1400];
    DIR *d;
    struct dirent *e;
    int rc = 0;
    snprintf(dir, sizeof(dir), "%s/containers", c->docker_root);
    if (!(d = opendir(dir)))
        return 0;
    while (rc == 0 && (e = readdir(d))) {
        json_t *j, *config, *state;
        const char *name;
        ctr *k;
        if (strlen(e->d_name) != 64 || !is_hex(e->d_name, 64))
            continue;
        snprintf(path, sizeof(path), "%s/%.64s/config.v2.json", dir, e->d_name);
        if (!(j = load_json(path, MAX_STATE_FILE)))
            continue;
        config = st_json_obj(j, "Config");
        state = st_json_obj(j, "State");
        if (!(k = get_ctr(c, e->d_name))) {
            rc = ST_ENOMEM;
        } else {
            apply_labels(k, st_json_obj(config, "Labels"));
            name = st_json_str(j, "Name");
            fill(k->pub.name, sizeof(k->pub.name),
                 name && name[0] == '/' ? name + 1 : name);
            fill(k->pub.image, sizeof(k->pub.image),
                 st_json_str(config, "Image"));
            fill(k->pub.runtime, sizeof(k->pub.runtime), "docker");
            if (json_is_true(json_object_get(state, "Running")) &&
                !k->pub.init_pid) {
                json_int_t pid =
                    json_integer_value(json_object_get(state, "Pid"));
                if (pid > 0 && pid < UINT32_MAX &&
                    proc_start(c, (uint32_t)pid)) {
                    k->pub.init_pid = (uint32_t)pid;
                    k->alive = true;
                }
            }
        }
        json_decref(j);
    }
    closedir(d);
    return rc;
}

/* containers/storage keeps each container's name and image in the
 * "metadata" string of <root>/<driver>-containers/containers.json: podman
 * writes "name" and "image-name", CRI-O adds "pod-name". */
static int load_podman(st_containers *c)
{
    static const char *const drivers[] = {"overlay", "vfs", "btrfs", "zfs",
                                          NULL};
    int rc = 0;
    for (size_t i = 0; rc == 0 && drivers[i]; i++) {
        char path[1200];
        json_t *arr, *e;
        size_t j;
        snprintf(path, sizeof(path), "%s/%s-containers/containers.json",
                 c->podman_root, drivers[i]);
        if (!(arr = load_json(path, MAX_STATE_FILE)))
            continue;
        json_array_foreach(arr, j, e)
        {
            const char *id = st_json_str(e, "id"), *md;
            json_t *meta = NULL, *names = st_json_arr(e, "names");
            ctr *k;
            if (!id || strlen(id) != 64 || !is_hex(id, 64))
                continue;
            if (!(k = get_ctr(c, id))) {
                rc = ST_ENOMEM;
                break;
            }
            if ((md = st_json_str(e, "metadata")))
                st_json_load(&meta, md, strlen(md), path, NULL);
            fill(k->pub.name, sizeof(k->pub.name), st_json_str(meta, "name"));
            fill(k->pub.name, sizeof(k->pub.name),
                 json_string_value(json_array_get(names, 0)));
            fill(k->pub.image, sizeof(k->pub.image),
                 st_json_str(meta, "image-name"));
            fill(k->pub.pod, sizeof(k->pub.pod), st_json_str(meta, "pod-name"));
            fill(k->pub.runtime, sizeof(k->pub.runtime),
                 st_json_str(meta, "pod-name") ? "cri-o" : "podman");
            json_decref(meta);
        }
        json_decref(arr);
    }
    return rc;
}

/* ---- cgroup paths -------------------------------------------------------- */

typedef struct pattern_hit {
    char id[65];
    const char *runtime; /* NULL: the path does not say */
    bool conmon;         /* a runtime's monitor process, on the host side */
} pattern_hit;

/* One path component: docker-<id>.scope, cri-containerd-<id>.scope,
 * crio-<id>.scope, libpod-<id>.scope (systemd driver), the same without
 * .scope (cgroupfs driver), crio-conmon-<id>, libpod-conmon-<id> (the
 * monitors), or a bare 64-hex id (docker's /docker/<id>, kubepods). */
static bool match_component(
    const char *s, size_t n, const char *parent, size_t plen, pattern_hit *out)
{
    static const struct {
        const char *prefix, *runtime;
        bool conmon;
    } kinds[] = {{"docker-", "docker", false},
                 {"cri-containerd-", "containerd", false},
                 {"crio-conmon-", "cri-o", true},
                 {"crio-", "cri-o", false},
                 {"libpod-conmon-", "podman", true},
                 {"libpod-", "podman", false},
                 {"", NULL, false}};
    if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
        n -= 6;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t pl = strlen(kinds[i].prefix);
        if (n != pl + 64 || memcmp(s, kinds[i].prefix, pl) ||
            !is_hex(s + pl, 64))
            continue;
        memcpy(out->id, s + pl, 64);
        out->id[64] = 0;
        out->runtime = kinds[i].runtime;
        out->conmon = kinds[i].conmon;
        if (!out->runtime && plen == 6 && !memcmp(parent, "docker", 6))
            out->runtime = "docker";
        return true;
    }
    return false;
}

/* kubepods/burstable/pod<uid> (cgroupfs) or
 * kubepods-burstable-pod<uid_with_underscores>.slice (systemd). */
static bool match_pod(const char *s, size_t n, char uid[40])
{
    const char *p = NULL;
    char tmp[37];
    if (n > 6 && !memcmp(s + n - 6, ".slice", 6))
        n -= 6;
    if (n == 3 + 36 && !memcmp(s, "pod", 3))
        p = s + 3;
    else if (n > 4 + 36 && !memcmp(s + n - 36 - 4, "-pod", 4))
        p = s + n - 36;
    if (!p)
        return false;
    for (size_t i = 0; i < 36; i++) {
        char ch = p[i] == '_' ? '-' : p[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? ch != '-' : !is_hex(&ch, 1))
            return false;
        tmp[i] = ch;
    }
    tmp[36] = 0;
    memcpy(uid, tmp, sizeof(tmp));
    return true;
}

/* The container a directory of the id hierarchy belongs to, NULL for the
 * host. *own tells whether it is the container's own directory rather
 * than one inside it. */
static ctr *attribute(st_containers *c, const char *rel, bool *own)
{
    size_t len = strlen(rel), pn = 0;
    pattern_hit hit, best = {.id = ""};
    const char *best_end = NULL, *ps = "";
    char uid[40] = "";
    ctr *k;

    *own = false;
    /* A runtime's own record of the directory wins: plain runc puts its
     * containers wherever cgroupsPath says. */
    for (size_t n = len; n > 0;) {
        if ((k = st_map_get(c->by_path, rel, n))) {
            *own = n == len;
            return k;
        }
        while (n > 0 && rel[n - 1] != '/')
            n--;
        if (n > 0)
            n--;
    }
    /* The deepest component that names a container: the inner one of
     * docker-in-docker, the container of its own sub-cgroups. The pod is
     * the one above the container. */
    for (const char *s = rel; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (match_component(s, n, ps, pn, &hit)) {
            best = hit;
            best_end = s + n;
        } else if (!best_end) {
            match_pod(s, n, uid);
        }
        ps = s;
        pn = n;
        s += n;
        if (*s)
            s++;
    }
    if (!best_end || best.conmon)
        return NULL;
    if (!(k = get_ctr(c, best.id)))
        return NULL;
    fill(k->pub.runtime, sizeof(k->pub.runtime), best.runtime);
    fill(k->pub.pod_uid, sizeof(k->pub.pod_uid), uid);
    *own = !*best_end;
    return k;
}

/* ---- the scan --------------------------------------------------------------
 */

static int add_host(st_containers *c, uint64_t id)
{
    if (c->nhost == c->host_alloc) {
        size_t n = c->host_alloc ? c->host_alloc * 2 : 256;
        uint64_t *p = st_realloc(c->host_ids, n * sizeof(*p));
        if (!p)
            return ST_ENOMEM;
        c->host_ids = p;
        c->host_alloc = n;
    }
    c->host_ids[c->nhost++] = id;
    return 0;
}

/* The last component of a path. */
static const char *base(const char *rel)
{
    const char *s = strrchr(rel, '/');
    return s ? s + 1 : rel;
}

/* Files one directory (rel, its inode) and recurses into it; takes fd0. */
static int walk(st_containers *c, int fd0, st_buf *rel, unsigned depth)
{
    struct stat sb;
    DIR *d = NULL;
    struct dirent *e;
    bool own;
    ctr *k;
    size_t len = rel->len;
    const char *name = base(rel->ptr);
    int rc = 0;

    if (fstat(fd0, &sb) < 0 || ++c->walked > MAX_WALK_DIRS)
        goto done;
    k = attribute(c, rel->ptr, &own);
    if (k) {
        k->has_cgroup = true;
        if (own && !k->pub.cgroup_id) {
            k->pub.cgroup_id = (uint64_t)sb.st_ino;
            copy(k->pub.cgroup_path, sizeof(k->pub.cgroup_path), rel->ptr);
        }
        ST_CHECK(put_cgid(c, (uint64_t)sb.st_ino, k));
    } else if (name[0] && st_map_get(c->pending, name, strlen(name))) {
        /* A container runc is still creating: neither host nor known yet;
         * the next miss on it rescans. */
        c->want_rescan = true;
    } else {
        ST_CHECK(put_cgid(c, (uint64_t)sb.st_ino, HOST));
        ST_CHECK(add_host(c, (uint64_t)sb.st_ino));
    }
    if (depth >= MAX_WALK_DEPTH || !(d = fdopendir(fd0)))
        goto done;
    fd0 = -1; /* d owns it */
    while ((e = readdir(d))) {
        int fd;
        if (e->d_name[0] == '.' ||
            (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue;
        fd = openat(dirfd(d), e->d_name,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        rel->len = len;
        rel->ptr[len] = 0;
        if ((len && (rc = st_buf_putc(rel, '/')) < 0) ||
            (rc = st_buf_puts(rel, e->d_name)) < 0) {
            close(fd);
            goto done;
        }
        ST_CHECK(walk(c, fd, rel, depth + 1));
    }
done:
    rel->len = len;
    rel->ptr[len] = 0;
    if (d)
        closedir(d);
    if (fd0 >= 0)
        close(fd0);
    return rc;
}

/* What no source said: the name is the id (runc's id is the name its user
 * chose); the image of a plain runc/crun container without an image
 * annotation is its root filesystem. */
static void finish(ctr *k)
{
    fill(k->pub.name, sizeof(k->pub.name), k->pub.id);
    if (!strcmp(k->pub.runtime, "runc") || !strcmp(k->pub.runtime, "crun"))
        fill(k->pub.image, sizeof(k->pub.image), k->pub.rootfs);
}

static int cmp_name(const void *a, const void *b)
{
    const st_container *x = *(const st_container *const *)a;
    const st_container *y = *(const st_container *const *)b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->id, y->id);
}

static int scan(st_containers *c)
{
    st_buf rel = ST_BUF_INIT(1 << 16);
    int fd, rc = 0;

    drop_all(c);
    c->last_scan_ns = now_ns();
    c->want_rescan = false;
    c->walked = 0;
    if (!(c->by_id = st_map_new()) || !(c->by_path = st_map_new()) ||
        !(c->by_cgid = st_map_new()) || !(c->pending = st_map_new())) {
        c->want_rescan = true;
        return ST_ENOMEM;
    }
    ST_CHECK(load_runc_roots(c));
    ST_CHECK(load_docker(c));
    ST_CHECK(load_podman(c));
    for (size_t i = 0; i < c->all.len; i++) {
        ctr *k = c->all.items[i];
        void **slot;
        bool created;
        if (!k->cg_rel[0])
            continue;
        ST_CHECK(st_map_slot(c->by_path, k->cg_rel, strlen(k->cg_rel), &slot,
                             &created));
        *slot = k;
    }
    fd = open(c->hier, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        ST_CHECK(walk(c, fd, &rel, 0));
done:
    if (rc < 0)
        c->want_rescan = true;
    /* Names last: the runtime's own names and labels first, the id when
     * nothing better is known (runc's id is the name its user chose). */
    for (size_t i = 0; c->by_id && i < c->all.len; i++)
        finish(c->all.items[i]);
    st_buf_release(&rel);
    return rc;
}

/* ---- public ------------------------------------------------------------ */

static int set_str(char **dst, const char *v, const char *def)
{
    return (*dst = st_strdup(v ? v : def)) ? 0 : ST_ENOMEM;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int st_containers_open(st_containers **out,
                       const st_containers_options *o,
                       st_error **err)
{
    static const st_containers_options defaults = {0};
    const char *const *roots;
    st_containers *c;
    char path[1200];
    int rc = 0;

    *out = NULL;
    if (!o)
        o = &defaults;
    if (o->ids > ST_CGROUP_IDS_UNIFIED)
        return st_error_set(err, ST_EUSAGE, "monitor",
                            "containers: unknown cgroup id hierarchy %d",
                            (int)o->ids);
    if (!(c = st_calloc(1, sizeof(*c))))
        return st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
    ST_CHECK(set_str(&c->cgroup_root, o->cgroup_root, "/sys/fs/cgroup"));
    ST_CHECK(set_str(&c->proc_root, o->proc_root, "/proc"));
    ST_CHECK(set_str(&c->docker_root, o->docker_root, "/var/lib/docker"));
    ST_CHECK(set_str(&c->podman_root, o->podman_root,
                     "/var/lib/containers/storage"));
    for (roots = o->runc_roots ? o->runc_roots : default_runc_roots; *roots;
         roots++) {
        char *r = st_strdup(*roots);
        if (!r || st_vec_push(&c->runc_roots, r) < 0) {
            st_free(r);
            rc = ST_ENOMEM;
            goto done;
        }
    }
    c->rescan_ns =
        (uint64_t)(o->rescan_ms ? o->rescan_ms : DEFAULT_RESCAN_MS) * 1000000u;

    /* v2: the root is the unified hierarchy. v1/hybrid: the memory
     * controller, or the unified mount beside it when asked for. */
    c->ids = o->ids;
    snprintf(path, sizeof(path), "%s/cgroup.controllers", c->cgroup_root);
    if (access(path, F_OK) == 0) {
        if (c->ids == ST_CGROUP_IDS_MEMORY) {
            rc = st_error_set(err, ST_EUNSUPPORTED, "monitor",
                              "%s: cgroup v2 only, no memory controller "
                              "hierarchy",
                              c->cgroup_root);
            goto done;
        }
        c->ids = ST_CGROUP_IDS_UNIFIED;
        ST_CHECK(set_str(&c->hier, c->cgroup_root, NULL));
    } else {
        snprintf(path, sizeof(path), "%s/memory", c->cgroup_root);
        if (c->ids == ST_CGROUP_IDS_AUTO)
            c->ids =
                is_dir(path) ? ST_CGROUP_IDS_MEMORY : ST_CGROUP_IDS_UNIFIED;
        if (c->ids == ST_CGROUP_IDS_UNIFIED)
            snprintf(path, sizeof(path), "%s/unified", c->cgroup_root);
        ST_CHECK(set_str(&c->hier, path, NULL));
    }
    if ((rc = scan(c)) < 0)
        rc =
            st_error_set(err, rc, "monitor", "containers: %s", st_strerror(rc));
done:
    if (rc < 0) {
        if (rc == ST_ENOMEM && err && !*err)
            st_error_set(err, rc, "monitor", "out of memory");
        st_containers_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void st_containers_free(st_containers *c)
{
    if (!c)
        return;
    drop_all(c);
    for (size_t i = 0; i < c->runc_roots.len; i++)
        st_free(c->runc_roots.items[i]);
    st_vec_release(&c->runc_roots);
    st_free(c->host_ids);
    st_free(c->cgroup_root);
    st_free(c->proc_root);
    st_free(c->docker_root);
    st_free(c->podman_root);
    st_free(c->hier);
    st_free(c);
}

st_cgroup_ids st_containers_ids(const st_containers *c)
{
    return c->ids;
}

const char *st_containers_hierarchy(const st_containers *c)
{
    return c->hier;
}

static bool may_rescan(const st_containers *c)
{
    return now_ns() - c->last_scan_ns >= c->rescan_ns;
}

/* The state of a container created since the last scan, named by a
 * component of its path (plain runc: cgroupsPath /<id>). */
static void load_named(st_containers *c, const char *rel)
{
    const char *s = strrchr(rel, '/');
    s = s ? s + 1 : rel;
    if (!*s || strlen(s) >= sizeof(((ctr *)0)->pub.id) ||
        st_map_get(c->by_id, s, strlen(s)))
        return;
    for (size_t i = 0; i < c->runc_roots.len; i++) {
        const char *root = c->runc_roots.items[i];
        size_t n = strlen(root);
        char path[1400];
        ctr *k;
        if (n >= 2 && !strcmp(root + n - 2, "/*"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", root, s);
        if (!is_dir(path) || load_runc_state(c, root, s, root_runtime(root)))
            continue;
        if ((k = st_map_get(c->by_id, s, strlen(s)))) {
            void **slot;
            bool created;
            finish(k);
            if (k->cg_rel[0] &&
                st_map_slot(c->by_path, k->cg_rel, strlen(k->cg_rel), &slot,
                            &created) == 0)
                *slot = k;
        }
        return;
    }
}

/* Between scans: /proc/<pid>/cgroup names the directory. */
static void *by_pid(st_containers *c, uint32_t pid, uint64_t cgid)
{
    st_buf rel = ST_BUF_INIT(1 << 16);
    char path[1400];
    struct stat sb;
    void *v = NULL;
    bool own;
    ctr *k;

    if (pid_cgroup_path(c, pid, &rel) < 0)
        goto done;
    snprintf(path, sizeof(path), "%s%s%s", c->hier, rel.len ? "/" : "",
             rel.ptr);
    if (stat(path, &sb) < 0 || (cgid && (uint64_t)sb.st_ino != cgid))
        goto done; /* gone, or moved since the event */
    if ((v = get_cgid(c, (uint64_t)sb.st_ino)))
        goto done;
    if (!(k = attribute(c, rel.ptr, &own))) {
        load_named(c, rel.ptr);
        k = attribute(c, rel.ptr, &own);
    }
    if (k) {
        finish(k);
        k->has_cgroup = true;
        if (own && !k->pub.cgroup_id) {
            k->pub.cgroup_id = (uint64_t)sb.st_ino;
            copy(k->pub.cgroup_path, sizeof(k->pub.cgroup_path), rel.ptr);
        }
    }
    v = k ? (void *)k : HOST;
    put_cgid(c, (uint64_t)sb.st_ino, v);
done:
    st_buf_release(&rel);
    return v;
}

static void fill_event(st_event *ev, const ctr *k)
{
    if (!ev)
        return;
    copy(ev->container_id, sizeof(ev->container_id), k ? k->pub.id : "");
    copy(ev->container_name, sizeof(ev->container_name), k ? k->pub.name : "");
    copy(ev->image, sizeof(ev->image), k ? k->pub.image : "");
    copy(ev->runtime, sizeof(ev->runtime), k ? k->pub.runtime : "");
    copy(ev->pod, sizeof(ev->pod), k ? k->pub.pod : "");
    copy(ev->k8s_ns, sizeof(ev->k8s_ns), k ? k->pub.k8s_ns : "");
}

const st_container *st_containers_lookup(st_containers *c,
                                         uint64_t cgid,
                                         uint32_t pid,
                                         st_event *ev)
{
    void *v = NULL;
    ctr *k;

    if (c->want_rescan && may_rescan(c))
        scan(c);
    if (cgid && c->by_cgid && !(v = get_cgid(c, cgid)) && may_rescan(c)) {
        scan(c);
        v = c->by_cgid ? get_cgid(c, cgid) : NULL;
    }
    if (!v && pid && c->by_cgid) {
        v = by_pid(c, pid, cgid);
        /* What a pid told between scans lacks what only a scan reads
         * (docker's and podman's names and images). */
        c->want_rescan = true;
    }
    if (!v && cgid && c->by_cgid && !may_rescan(c))
        c->want_rescan = true;
    k = v == HOST ? NULL : v;
    fill_event(ev, k);
    return k ? &k->pub : NULL;
}

int st_containers_list(st_containers *c,
                       const st_container ***out,
                       size_t *n,
                       st_error **err)
{
    size_t m = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = scan(c)) < 0)
        return st_error_set(err, rc, "monitor", "containers: %s",
                            st_strerror(rc));
    if (!(c->list = st_calloc(c->all.len + 1, sizeof(*c->list))))
        return st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
    for (size_t i = 0; i < c->all.len; i++) {
        ctr *k = c->all.items[i];
        if (k->has_cgroup || k->alive)
            c->list[m++] = &k->pub;
    }
    qsort(c->list, m, sizeof(*c->list), cmp_name);
    *out = c->list;
    *n = m;
    return 0;
}

int st_containers_host_cgroups(st_containers *c,
                               uint64_t **ids,
                               size_t *n,
                               st_error **err)
{
    *ids = NULL;
    *n = 0;
    if (!c->nhost)
        return 0;
    if (!(*ids = st_malloc(c->nhost * sizeof(**ids))))
        return st_error_set(err, ST_ENOMEM, "monitor", "out of memory");
    memcpy(*ids, c->host_ids, c->nhost * sizeof(**ids));
    *n = c->nhost;
    return 0;
}

int st_containers_pid_cgroup(st_containers *c,
                             uint32_t pid,
                             uint64_t *out,
                             st_error **err)
{
    st_buf rel = ST_BUF_INIT(1 << 16);
    char path[1400];
    struct stat sb;
    int rc;

    *out = 0;
    if ((rc = pid_cgroup_path(c, pid, &rel)) < 0) {
        rc = st_error_set(
            err, rc, "monitor", "%s/%u/cgroup: no %s cgroup", c->proc_root, pid,
            c->ids == ST_CGROUP_IDS_MEMORY ? "memory" : "unified");
        goto done;
    }
    snprintf(path, sizeof(path), "%s%s%s", c->hier, rel.len ? "/" : "",
             rel.ptr);
    if (stat(path, &sb) < 0) {
        rc = st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                          "monitor", "%s: %s", path, strerror(errno));
        goto done;
    }
    *out = (uint64_t)sb.st_ino;
done:
    st_buf_release(&rel);
    return rc;
}
