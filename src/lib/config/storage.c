/* The storage graph: which workloads mount which host paths, claims and
 * volumes. Kinds declare mounts as they read their files; at the end the
 * graph is checked as a whole (a host path or shared volume written by
 * one workload and mounted by another, the runtime's socket, writable host
 * mounts) and copied into the result (st_result_storage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/engine_int.h"
#include "util/banned.h"

#define MAX_HOST_PATH 4096

static const char *const store_names[] = {"hostPath", "pvc", "volume"};

/* "/var//run/./docker.sock/" -> "/var/run/docker.sock"; ".." pops. A
 * relative path (compose: relative to the file) keeps no leading "/". */
static char *normalize(st_arena *a, const char *in)
{
    size_t n = strlen(in);
    char *out = st_arena_alloc(a, n + 2), *o = out;
    const char *p = in;
    bool abs = *in == '/';

    if (!out)
        return NULL;
    if (abs)
        *o++ = '/';
    while (*p) {
        size_t k;
        while (*p == '/')
            p++;
        k = strcspn(p, "/");
        if (!k)
            break;
        if (k == 1 && p[0] == '.') {
            /* nothing */
        } else if (k == 2 && p[0] == '.' && p[1] == '.' &&
                   o > out + (abs ? 1 : 0)) {
            while (o > out + (abs ? 1 : 0) && o[-1] != '/')
                o--;
            if (o > out + (abs ? 1 : 0))
                o--; /* the slash */
        } else {
            if (o > out + (abs ? 1 : 0))
                *o++ = '/';
            memcpy(o, p, k);
            o += k;
        }
        p += k;
    }
    *o = 0;
    if (!*out) {
        out[0] = '.';
        out[1] = 0;
    }
    return out;
}

int st_cfg_storage_add(st_cfg_ctx *c, const st_cfg_mount *m,
                       const st_cfg_where *w)
{
    st_cfg__mount *x = st_arena_alloc(c->a, sizeof(*x));
    if (!x || !m->source || !m->workload)
        goto fail;
    x->m = *m;
    x->w = *w;
    if (strlen(m->source) > MAX_HOST_PATH)
        return 0; /* nothing sane to compare */
    if (!(x->m.source = m->store == ST_CFG_STORE_HOST_PATH
                            ? normalize(c->a, m->source)
                            : st_arena_strdup(c->a, m->source)) ||
        !(x->m.workload = st_arena_strdup(c->a, m->workload)) ||
        (m->container &&
         !(x->m.container = st_arena_strdup(c->a, m->container))) ||
        (m->mount_path &&
         !(x->m.mount_path = st_arena_strdup(c->a, m->mount_path))) ||
        (w->path && !(x->w.path = st_arena_strdup(c->a, w->path))) ||
        (w->object && !(x->w.object = st_arena_strdup(c->a, w->object))))
        goto fail;
    if (st_vec_push(&c->mounts, x) < 0)
        goto fail;
    return 0;
fail:
    if (!m->source || !m->workload)
        return ST_EUSAGE;
    c->oom = 1;
    return ST_ENOMEM;
}

int st_cfg_storage_mount(st_cfg_ctx *c, const char *workload,
                         const char *host_path, bool writable,
                         const st_cfg_where *w)
{
    st_cfg_mount m = {ST_CFG_STORE_HOST_PATH, workload, NULL, host_path,
                      NULL, writable, false};
    return st_cfg_storage_add(c, &m, w);
}

/* ---- the runtime's sockets -------------------------------------------- */

static const char *const sockets[] = {
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/podman/podman.sock",
    "/run/podman/podman.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
};

/* Is `dir` the path p or a directory above it? */
static bool covers(const char *dir, const char *p)
{
    size_t n = strlen(dir);
    if (!strcmp(dir, "/"))
        return *p == '/';
    return !strncmp(dir, p, n) && (p[n] == 0 || p[n] == '/');
}

static const char *runtime_socket(const char *host_path)
{
    for (size_t i = 0; i < sizeof(sockets) / sizeof(*sockets); i++)
        if (covers(host_path, sockets[i]))
            return sockets[i];
    /* any other socket of a container engine by name */
    if (st_str_endswith(host_path, "/docker.sock") ||
        st_str_endswith(host_path, "/containerd.sock") ||
        st_str_endswith(host_path, "/crio.sock") ||
        st_str_endswith(host_path, "/podman.sock"))
        return host_path;
    return NULL;
}

/* ---- grouping --------------------------------------------------------- */

static size_t find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static const st_cfg__mount *M(const st_cfg_ctx *c, size_t i)
{
    return c->mounts.items[i];
}

/* Host paths overlap when one is the other or lies below it: the groups
 * are built by joining each path with every ancestor that is mounted. */
static int group_host_paths(st_cfg_ctx *c, size_t *parent)
{
    st_map *first = st_map_new(); /* path -> index + 1 of a mount */
    char buf[MAX_HOST_PATH + 1];
    int rc = 0;

    if (!first)
        return ST_ENOMEM;
    for (size_t i = 0; i < c->mounts.len; i++) {
        const st_cfg__mount *x = M(c, i);
        void **slot;
        bool created;
        if (x->m.store != ST_CFG_STORE_HOST_PATH)
            continue;
        if (st_map_slot(first, x->m.source, strlen(x->m.source), &slot,
                        &created) < 0) {
            rc = ST_ENOMEM;
            goto done;
        }
        if (created)
            *slot = (void *)(i + 1);
        else
            parent[find(parent, i)] = find(parent, (size_t)*slot - 1);
    }
    for (size_t i = 0; i < c->mounts.len; i++) {
        const st_cfg__mount *x = M(c, i);
        char *slash;
        if (x->m.store != ST_CFG_STORE_HOST_PATH)
            continue;
        snprintf(buf, sizeof(buf), "%s", x->m.source);
        while ((slash = strrchr(buf, '/'))) {
            void *hit;
            if (slash == buf)
                slash[1] = 0; /* "/" itself */
            else
                *slash = 0;
            if ((hit = st_map_get(first, buf, strlen(buf))))
                parent[find(parent, i)] = find(parent, (size_t)hit - 1);
            if (slash == buf)
                break;
        }
    }
done:
    st_map_free(first);
    return rc;
}

static void group_volumes(st_cfg_ctx *c, size_t *parent, st_map *first)
{
    for (size_t i = 0; i < c->mounts.len; i++) {
        const st_cfg__mount *x = M(c, i);
        char key[MAX_HOST_PATH + 8];
        void **slot;
        bool created;
        int n;
        if (x->m.store == ST_CFG_STORE_HOST_PATH)
            continue;
        n = snprintf(key, sizeof(key), "%d:%s", (int)x->m.store,
                     x->m.source);
        if (n < 0 || (size_t)n >= sizeof(key) ||
            st_map_slot(first, key, (size_t)n, &slot, &created) < 0)
            continue;
        if (created)
            *slot = (void *)(i + 1);
        else
            parent[find(parent, i)] = find(parent, (size_t)*slot - 1);
    }
}

/* Reports the sharing checks for one group (mounts with the same root). */
static int report_group(st_cfg_ctx *c, const size_t *idx, size_t n)
{
    const st_cfg__mount *x0 = M(c, idx[0]);
    size_t workloads = 0, writers = 0;
    const char *id;
    st_buf others = ST_BUF_INIT(1024);
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(M(c, idx[j])->m.workload, M(c, idx[i])->m.workload);
        if (!seen)
            workloads++;
        if (M(c, idx[i])->m.writable)
            writers++;
    }
    if (workloads < 2 || !writers)
        return 0;
    if (x0->m.store == ST_CFG_STORE_PVC) {
        bool rwx = false;
        for (size_t i = 0; i < n; i++)
            rwx |= M(c, idx[i])->m.shared_access;
        if (!rwx)
            return 0; /* one node at a time: not shared at once */
        id = "storage-shared-writable-volume";
    } else if (x0->m.store == ST_CFG_STORE_VOLUME) {
        id = "storage-shared-writable-volume";
    } else {
        id = "storage-shared-writable-host-path";
    }
    for (size_t i = 0; i < n; i++) {
        const st_cfg__mount *x = M(c, idx[i]);
        size_t listed = 0;
        st_buf_reset(&others);
        for (size_t j = 0; j < n; j++) {
            const st_cfg__mount *y = M(c, idx[j]);
            bool dup = false;
            if (!strcmp(y->m.workload, x->m.workload))
                continue;
            for (size_t k = 0; k < j && !dup; k++)
                dup = !strcmp(M(c, idx[k])->m.workload, y->m.workload) &&
                      strcmp(M(c, idx[k])->m.workload, x->m.workload);
            if (dup)
                continue;
            if (listed++ == 4) {
                st_buf_puts(&others, ", …");
                break;
            }
            st_buf_printf(&others, "%s%s%s", listed > 1 ? ", " : "",
                          y->m.workload, y->m.writable ? " (writes)" : "");
        }
        ST_CHECK(st_cfg_report(c, id, &x->w, "%s %s%s, also mounted by %s",
                               store_names[x->m.store], x->m.source,
                               x->m.writable ? " (writable)" : " (read-only)",
                               others.ptr));
    }
done:
    st_buf_release(&others);
    return rc;
}

static int cmp_graph(const void *a, const void *b)
{
    const st_storage_mount *x = a, *y = b;
    int c;
    if ((c = strcmp(x->store, y->store)) ||
        (c = strcmp(x->source, y->source)) ||
        (c = strcmp(x->workload, y->workload)) ||
        (c = strcmp(x->container ? x->container : "",
                    y->container ? y->container : "")) ||
        (c = strcmp(x->mount_path ? x->mount_path : "",
                    y->mount_path ? y->mount_path : "")) ||
        (c = strcmp(x->path ? x->path : "", y->path ? y->path : "")))
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

static int publish(st_cfg_ctx *c)
{
    size_t n = c->mounts.len;
    st_storage_mount *g;

    if (!n)
        return 0;
    if (!(g = st_arena_alloc(c->a, n * sizeof(*g))))
        return ST_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const st_cfg__mount *x = M(c, i);
        g[i].store = store_names[x->m.store];
        g[i].source = x->m.source;
        g[i].workload = x->m.workload;
        g[i].container = x->m.container;
        g[i].mount_path = x->m.mount_path;
        g[i].writable = x->m.writable;
        g[i].shared_access = x->m.shared_access;
        g[i].path = x->w.path;
        g[i].line = x->w.line;
        g[i].column = x->w.column;
    }
    qsort(g, n, sizeof(*g), cmp_graph);
    c->r->storage = g;
    c->r->storage_count = n;
    return 0;
}

int st_cfg__storage_finish(st_cfg_ctx *c)
{
    size_t n = c->mounts.len, *parent = NULL, *idx = NULL;
    st_map *vols = NULL;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        const st_cfg__mount *x = M(c, i);
        const char *sock;
        if (x->m.store != ST_CFG_STORE_HOST_PATH)
            continue;
        if ((sock = runtime_socket(x->m.source)))
            ST_CHECK(st_cfg_report(
                c, "storage-runtime-socket", &x->w, "%s %s%s%s",
                store_names[x->m.store], x->m.source,
                strcmp(sock, x->m.source) ? " holds " : "",
                strcmp(sock, x->m.source) ? sock : ""));
        else if (x->m.writable)
            ST_CHECK(st_cfg_report(c, "storage-host-path-writable", &x->w,
                                   "%s %s mounted writable at %s",
                                   store_names[x->m.store], x->m.source,
                                   x->m.mount_path ? x->m.mount_path : "?"));
    }
    if (n > 1) {
        if (!(parent = st_malloc(n * sizeof(*parent))) ||
            !(idx = st_malloc(n * sizeof(*idx))) || !(vols = st_map_new())) {
            rc = ST_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            parent[i] = i;
        ST_CHECK(group_host_paths(c, parent));
        group_volumes(c, parent, vols);
        /* each group once, in declaration order of its first mount:
         * bucket the mounts by their group's root */
        for (size_t i = 0; i < n; i++)
            idx[i] = 0;
        for (size_t i = 0; i < n; i++)
            idx[find(parent, i)]++; /* sizes, at the roots */
        {
            size_t *start = st_malloc((n + 1) * sizeof(*start));
            size_t *order = st_malloc(n * sizeof(*order));
            size_t at = 0;
            if (!start || !order) {
                st_free(start);
                st_free(order);
                rc = ST_ENOMEM;
                goto done;
            }
            for (size_t i = 0; i < n; i++) {
                start[i] = at;
                at += idx[i];
            }
            start[n] = at;
            for (size_t i = 0; i < n; i++)
                idx[i] = start[i]; /* next free slot per root */
            for (size_t i = 0; i < n; i++)
                order[idx[find(parent, i)]++] = i;
            for (size_t root = 0; root < n && rc == 0; root++)
                if (start[root + 1] - start[root] > 1)
                    rc = report_group(c, order + start[root],
                                      start[root + 1] - start[root]);
            st_free(start);
            st_free(order);
            if (rc < 0)
                goto done;
        }
    }
    ST_CHECK(publish(c));
done:
    st_free(parent);
    st_free(idx);
    st_map_free(vols);
    if (rc == ST_ENOMEM)
        c->oom = 1;
    return rc;
}

/* ---- the result's accessors ------------------------------------------- */

size_t st_result_storage_count(const st_result *r)
{
    return r ? r->storage_count : 0;
}

const st_storage_mount *st_result_storage(const st_result *r, size_t i)
{
    return r && i < r->storage_count ? &r->storage[i] : NULL;
}
