/* Containers as the daemon stored them (CIS 5.x, read offline from
 * <data-root>/containers/<id>/config.v2.json and hostconfig.json), the
 * kubelet's configuration (CIS Kubernetes 4.x) and the packages of the
 * container stack (dpkg status, apt lists). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/probes.h"
#include "util/banned.h"
#include "util/json.h"

/* ---- containers -------------------------------------------------------- */

static json_t *load_json(st_host__ctx *ctx, const char *path,
                         const char **error)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    st_error *err = NULL;
    json_t *j = NULL;
    if (st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE, &err) == 0 &&
        st_host__daemon_json(&j, b.ptr, b.len, path, &err) == 0) {
        st_buf_release(&b);
        return j;
    }
    if (!*error) {
        char *m = st_error_format(err);
        *error = st_arena_strdup(ctx->arena, m ? m : path);
        st_free(m);
    }
    st_error_free(err);
    st_buf_release(&b);
    return NULL;
}

int st_host__load_containers(st_host__ctx *ctx)
{
    const char **ids;
    size_t n;
    const char *root = "/var/lib/docker", *dr;
    char dir[1024];
    int rc;

    if (ctx->containers_loaded)
        return 0;
    ctx->containers_loaded = true;
    if ((rc = st_host__load_daemon(ctx)) < 0)
        return rc;
    if ((dr = st_host__json_text(ctx, json_object_get(ctx->daemon,
                                                      "data-root"))))
        root = dr;
    snprintf(dir, sizeof(dir), "%s/containers", root);
    if ((rc = st_host__list(&ctx->root, dir, ctx->arena, &ids, &n,
                            ST_HOST__MAX_CONTAINERS)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        st_host__container *k = st_arena_alloc(ctx->arena, sizeof(*k));
        char p[1400];
        const char *name;
        if (!k)
            return ST_ENOMEM;
        k->id = st_arena_strndup(ctx->arena, ids[i], 12);
        snprintf(p, sizeof(p), "%s/%s/config.v2.json", dir, ids[i]);
        k->config = load_json(ctx, p, &k->error);
        snprintf(p, sizeof(p), "%s/%s/hostconfig.json", dir, ids[i]);
        k->hostcfg = load_json(ctx, p, &k->error);
        name = st_json_str(k->config, "Name");
        k->name = name ? (name[0] == '/' ? name + 1 : name) : k->id;
        if (!k->id || st_vec_push(&ctx->containers, k) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

static bool is_host(const json_t *hc, const char *key)
{
    const char *v = st_json_str(hc, key);
    return v && !strcmp(v, "host");
}

static const char *const sensitive[] = {"/",     "/boot", "/dev", "/etc",
                                        "/lib",  "/proc", "/sys", "/usr",
                                        "/var/run/docker.sock",
                                        "/run/docker.sock",
                                        "/run/containerd/containerd.sock"};

/* Source paths of bind mounts: HostConfig.Binds "src:dst[:opts]" and
 * Mounts [{Type: bind, Source}], plus config.v2 MountPoints. */
static size_t binds(st_arena *a, const st_host__container *k,
                    const char **src, const char **opts, size_t max)
{
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(st_json_arr(k->hostcfg, "Binds"), i, v)
    {
        const char *s = json_string_value(v);
        char *copy, *c1, *c2 = NULL;
        if (!s || n == max || !(copy = st_arena_strdup(a, s)))
            continue;
        if ((c1 = strchr(copy, ':'))) {
            *c1 = 0;
            c2 = strchr(c1 + 1, ':');
        }
        opts[n] = c2 ? c2 + 1 : "";
        src[n] = copy;
        n++;
    }
    json_array_foreach(st_json_arr(k->hostcfg, "Mounts"), i, v)
    {
        const char *t = st_json_str(v, "Type"), *s = st_json_str(v, "Source");
        json_t *bo = st_json_obj(v, "BindOptions");
        if (!s || (t && strcmp(t, "bind")) || n == max)
            continue;
        opts[n] = st_json_str(bo, "Propagation");
        if (!opts[n])
            opts[n] = "";
        src[n++] = s;
    }
    return n;
}

static bool sensitive_path(const char *s)
{
    char p[512];
    size_t l;
    snprintf(p, sizeof(p), "%s", s);
    l = strlen(p);
    while (l > 1 && p[l - 1] == '/')
        p[--l] = 0;
    for (size_t i = 0; i < sizeof(sensitive) / sizeof(*sensitive); i++)
        if (!strcmp(p, sensitive[i]))
            return true;
    return false;
}

static bool secopt(const json_t *hc, const char *what)
{
    size_t i;
    json_t *v;
    /* "seccomp=unconfined" or the older "seccomp:unconfined" */
    json_array_foreach(st_json_arr(hc, "SecurityOpt"), i, v)
    {
        const char *s = json_string_value(v);
        char norm[256];
        if (!s)
            continue;
        snprintf(norm, sizeof(norm), "%s", s);
        for (char *p = norm; *p; p++)
            if (*p == ':') {
                *p = '=';
                break;
            }
        if (!strcmp(norm, what))
            return true;
    }
    return false;
}

static json_int_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* One test on one container: true when it offends; `why` says how. */
static bool offends(st_host__ctx *ctx, const char *test,
                    const st_host__container *k, st_buf *why)
{
    const json_t *hc = k->hostcfg, *cfg = st_json_obj(k->config, "Config");
    const char *src[64], *opts[64];
    size_t nb, i;
    json_t *v;
    const char *key;
    bool bad = false;

    if (!strcmp(test, "privileged"))
        return json_is_true(json_object_get(hc, "Privileged")) &&
               !st_buf_puts(why, "Privileged");
    if (!strcmp(test, "host_net"))
        return is_host(hc, "NetworkMode") && !st_buf_puts(why, "--net=host");
    if (!strcmp(test, "host_pid"))
        return is_host(hc, "PidMode") && !st_buf_puts(why, "--pid=host");
    if (!strcmp(test, "host_ipc"))
        return is_host(hc, "IpcMode") && !st_buf_puts(why, "--ipc=host");
    if (!strcmp(test, "host_uts"))
        return is_host(hc, "UTSMode") && !st_buf_puts(why, "--uts=host");
    if (!strcmp(test, "host_userns"))
        return is_host(hc, "UsernsMode") &&
               !st_buf_puts(why, "--userns=host");
    if (!strcmp(test, "sensitive_mounts") || !strcmp(test, "docker_socket") ||
        !strcmp(test, "propagation")) {
        nb = binds(ctx->arena, k, src, opts, 64);
        for (i = 0; i < nb; i++) {
            bool hit;
            if (!strcmp(test, "docker_socket"))
                hit = st_str_endswith(src[i], "/docker.sock") ||
                      st_str_endswith(src[i], "/containerd.sock");
            else if (!strcmp(test, "propagation"))
                hit = strstr(opts[i], "shared") != NULL;
            else
                hit = sensitive_path(src[i]);
            if (hit) {
                st_buf_printf(why, "%s%s%s%s", bad ? ", " : "", src[i],
                              *opts[i] ? ":" : "", opts[i]);
                bad = true;
            }
        }
        return bad;
    }
    if (!strcmp(test, "cap_add")) {
        json_array_foreach(st_json_arr(hc, "CapAdd"), i, v)
        {
            const char *s = json_string_value(v);
            if (s) {
                st_buf_printf(why, "%s%s", bad ? ", " : "CapAdd ", s);
                bad = true;
            }
        }
        return bad;
    }
    if (!strcmp(test, "memory"))
        return num(hc, "Memory") <= 0 && !st_buf_puts(why, "no memory limit");
    if (!strcmp(test, "cpu"))
        return num(hc, "CpuShares") <= 0 && num(hc, "NanoCpus") <= 0 &&
               num(hc, "CpuQuota") <= 0 &&
               !st_buf_puts(why, "no CPU shares, quota or limit");
    if (!strcmp(test, "pids"))
        return num(hc, "PidsLimit") <= 0 && !st_buf_puts(why, "no pids limit");
    if (!strcmp(test, "restart")) {
        const json_t *rp = st_json_obj(hc, "RestartPolicy");
        const char *name = st_json_str(rp, "Name");
        json_int_t max = num(rp, "MaximumRetryCount");
        if (!name || !*name || !strcmp(name, "no"))
            return false;
        if (!strcmp(name, "on-failure") && max > 0 && max <= 5)
            return false;
        st_buf_printf(why, "restart policy %s, maximum retries %lld", name,
                      (long long)max);
        return true;
    }
    if (!strcmp(test, "apparmor")) {
        const char *p = st_json_str(k->config, "AppArmorProfile");
        return ((p && !strcmp(p, "unconfined")) ||
                secopt(hc, "apparmor=unconfined")) &&
               !st_buf_puts(why, "AppArmor profile unconfined");
    }
    if (!strcmp(test, "selinux"))
        return (secopt(hc, "label=disable") ||
                secopt(hc, "label=disabled")) &&
               !st_buf_puts(why, "SELinux labels disabled");
    if (!strcmp(test, "seccomp"))
        return secopt(hc, "seccomp=unconfined") &&
               !st_buf_puts(why, "seccomp unconfined");
    if (!strcmp(test, "readonly_rootfs"))
        return !json_is_true(json_object_get(hc, "ReadonlyRootfs")) &&
               !st_buf_puts(why, "writable root filesystem");
    if (!strcmp(test, "no_new_privileges"))
        return !secopt(hc, "no-new-privileges") &&
               !secopt(hc, "no-new-privileges=true") &&
               !json_is_true(json_object_get(ctx->daemon,
                                             "no-new-privileges")) &&
               !st_buf_puts(why, "may gain privileges (no no-new-privileges)");
    if (!strcmp(test, "user")) {
        const char *u = st_json_str(cfg, "User");
        return (!u || !*u || !strcmp(u, "root") || !strcmp(u, "0") ||
                st_str_startswith(u, "0:") || st_str_startswith(u, "root:")) &&
               !st_buf_puts(why, "runs as root");
    }
    if (!strcmp(test, "healthcheck")) {
        const json_t *hcheck = st_json_obj(cfg, "Healthcheck");
        const json_t *t = st_json_arr(hcheck, "Test");
        const char *t0 = json_string_value(json_array_get(t, 0));
        return (!hcheck || !t0 || !strcmp(t0, "NONE")) &&
               !st_buf_puts(why, "no health check");
    }
    if (!strcmp(test, "privileged_ports") || !strcmp(test, "bind_any")) {
        json_object_foreach(st_json_obj(hc, "PortBindings"), key, v)
        {
            json_t *b;
            size_t j;
            json_array_foreach(v, j, b)
            {
                const char *hp = st_json_str(b, "HostPort");
                const char *ip = st_json_str(b, "HostIp");
                bool hit = !strcmp(test, "bind_any")
                               ? (!ip || !*ip || !strcmp(ip, "0.0.0.0") ||
                                  !strcmp(ip, "::"))
                               : (hp && *hp && strtol(hp, NULL, 10) > 0 &&
                                  strtol(hp, NULL, 10) < 1024);
                if (hit) {
                    st_buf_printf(why, "%s%s:%s->%s", bad ? ", " : "",
                                  ip && *ip ? ip : "0.0.0.0", hp ? hp : "?",
                                  key);
                    bad = true;
                }
            }
        }
        return bad;
    }
    if (!strcmp(test, "devices")) {
        json_array_foreach(st_json_arr(hc, "Devices"), i, v)
        {
            const char *s = st_json_str(v, "PathOnHost");
            st_buf_printf(why, "%s%s", bad ? ", " : "device ", s ? s : "?");
            bad = true;
        }
        return bad;
    }
    if (!strcmp(test, "cgroup_parent")) {
        const char *p = st_json_str(hc, "CgroupParent");
        return p && *p && !st_buf_printf(why, "cgroup parent %s", p);
    }
    st_buf_printf(why, "unknown container test \"%s\"", test);
    return true;
}

int st_host__p_container(st_host__ctx *ctx, const st_host__check *c,
                         st_host__out *out)
{
    const char *test = st_host__arg(c, "test");
    st_host_status bad = st_host__status_arg(c, ST_HOST_FAIL);
    st_buf why = ST_BUF_INIT(4096);
    size_t offenders = 0, broken = 0;
    int rc;

    if ((rc = st_host__load_containers(ctx)) < 0)
        return rc;
    if (!ctx->containers.len) {
        st_host__set(out, ST_HOST_SKIP, "no containers in the daemon's "
                     "data root");
        return 0;
    }
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < ctx->containers.len; i++) {
        const st_host__container *k = ctx->containers.items[i];
        if (!k->config || !k->hostcfg) {
            broken++;
            st_host__add(out, "%s: cannot be read: %s", k->name,
                         k->error ? k->error : "?");
            continue;
        }
        st_buf_reset(&why);
        if (offends(ctx, test, k, &why)) {
            offenders++;
            st_host__add(out, "%s (%s): %s", k->name, k->id, why.ptr);
        }
    }
    st_buf_release(&why);
    if (!offenders && !broken)
        st_host__add(out, "%zu container%s checked", ctx->containers.len,
                     ctx->containers.len == 1 ? "" : "s");
    out->status = offenders ? bad : broken ? ST_HOST_WARN : ST_HOST_PASS;
    return 0;
}

/* ---- kubelet ----------------------------------------------------------- */

/* Adds the "--flag" words of an environment file's quoted values. */
static int env_flags(st_host__ctx *ctx, const char *path, st_vec *words)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    st_host__argv a;
    int rc = 0;
    if (st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE, NULL) < 0)
        goto done;
    for (char *l = b.ptr; l && *l;) {
        char *nl = strchr(l, '\n'), *eq;
        if (nl)
            *nl = 0;
        /* NAME="--a=1 --b": unquote the value, then split it */
        if (*l != '#' && (eq = strchr(l, '=')) &&
            st_host__split_words(&a, ctx->arena, eq + 1, strlen(eq + 1),
                                 path, NULL) == 0)
            for (size_t i = 0; i < a.n; i++) {
                st_host__argv w;
                if (st_host__split_words(&w, ctx->arena, a.v[i],
                                         strlen(a.v[i]), path, NULL) < 0)
                    continue;
                for (size_t k = 0; k < w.n; k++)
                    if (st_str_startswith(w.v[k], "--") &&
                        (rc = st_vec_push(words, w.v[k])) < 0)
                        goto done;
            }
        l = nl ? nl + 1 : NULL;
    }
done:
    st_buf_release(&b);
    return rc;
}

/* The value of --name / --name=value in the collected flags (the last). */
static const char *kflag(const st_host__ctx *ctx, const char *name)
{
    const char *val = NULL;
    size_t k = strlen(name);
    for (size_t i = 0; i < ctx->kubelet_flags.n; i++) {
        const char *w = ctx->kubelet_flags.v[i];
        if (strncmp(w, "--", 2) || strncmp(w + 2, name, k))
            continue;
        if (w[2 + k] == '=')
            val = w + 3 + k;
        else if (!w[2 + k])
            val = i + 1 < ctx->kubelet_flags.n &&
                          strncmp(ctx->kubelet_flags.v[i + 1], "--", 2)
                      ? ctx->kubelet_flags.v[i + 1]
                      : "true";
    }
    return val;
}

int st_host__load_kubelet(st_host__ctx *ctx)
{
    static const char *const dirs[] = {"/etc/systemd/system",
                                       "/usr/lib/systemd/system",
                                       "/lib/systemd/system"};
    st_vec words = ST_VEC_INIT;
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    st_error *err = NULL;
    const char *cfg;
    int rc = 0;

    if (ctx->kubelet_loaded)
        return 0;
    ctx->kubelet_loaded = true;
    for (size_t d = 0; d < 3; d++) {
        char path[512], dir[512];
        const char **names;
        size_t n;
        st_host__argv a = {NULL, 0};
        snprintf(path, sizeof(path), "%s/kubelet.service", dirs[d]);
        if (st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE, NULL) ==
                0 &&
            st_host__unit_execstart(&a, ctx->arena, b.ptr, b.len, path,
                                    NULL) == 0)
            for (size_t i = 1; i < a.n; i++)
                if ((rc = st_vec_push(&words, a.v[i])) < 0)
                    goto done;
        snprintf(dir, sizeof(dir), "%s/kubelet.service.d", dirs[d]);
        if ((rc = st_host__list(&ctx->root, dir, ctx->arena, &names, &n,
                                256)) < 0)
            goto done;
        for (size_t k = 0; k < n; k++) {
            a.n = 0;
            if (snprintf(path, sizeof(path), "%s/%s", dir, names[k]) <
                    (int)sizeof(path) &&
                st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE,
                              NULL) == 0 &&
                st_host__unit_execstart(&a, ctx->arena, b.ptr, b.len, path,
                                        NULL) == 0)
                for (size_t i = 1; i < a.n; i++)
                    if ((rc = st_vec_push(&words, a.v[i])) < 0)
                        goto done;
        }
    }
    if ((rc = env_flags(ctx, "/var/lib/kubelet/kubeadm-flags.env", &words)) <
            0 ||
        (rc = env_flags(ctx, "/etc/default/kubelet", &words)) < 0 ||
        (rc = env_flags(ctx, "/etc/sysconfig/kubelet", &words)) < 0)
        goto done;
    if (words.len &&
        !(ctx->kubelet_flags.v = st_arena_memdup(ctx->arena, words.items,
                                                 words.len * sizeof(char *)))) {
        rc = ST_ENOMEM;
        goto done;
    }
    ctx->kubelet_flags.n = words.len;
    cfg = kflag(ctx, "config");
    ctx->kubelet_cfg_path = cfg ? cfg : "/var/lib/kubelet/config.yaml";
    if (st_host__read(&ctx->root, ctx->kubelet_cfg_path, &b,
                      ST_HOST__MAX_FILE, &err) == 0) {
        if (st_host__yaml_parse(&ctx->kubelet_cfg, ctx->arena, b.ptr, b.len,
                                ctx->kubelet_cfg_path, &err) < 0) {
            char *m = st_error_format(err);
            if (st_error_code(err) == ST_ENOMEM)
                rc = ST_ENOMEM;
            ctx->kubelet_error = st_arena_strdup(ctx->arena, m ? m : "?");
            st_free(m);
        } else if (ctx->kubelet_cfg &&
                   ctx->kubelet_cfg->type != ST_HOST__Y_MAP) {
            ctx->kubelet_error = st_arena_printf(
                ctx->arena, "%s: not a mapping", ctx->kubelet_cfg_path);
            ctx->kubelet_cfg = NULL;
        }
    } else {
        ctx->kubelet_cfg_path = NULL;
    }
done:
    st_error_free(err);
    st_vec_release(&words);
    st_buf_release(&b);
    return rc;
}

int st_host__p_kubelet_option(st_host__ctx *ctx, const st_host__check *c,
                              st_host__out *out)
{
    const char *key = st_host__arg(c, "key"), *flag = st_host__arg(c, "flag");
    const st_host__ynode *expect = st_host__argn(c, "expect");
    const st_host__ynode *not = st_host__argn(c, "not");
    const char *dflt = st_host__arg(c, "default");
    const char *fdflt = st_host__arg(c, "flag_default");
    const char *set = st_host__arg(c, "set");
    const char *val, *from;
    const st_host__ynode *n;
    bool ok;
    int rc;

    if ((rc = st_host__load_kubelet(ctx)) < 0)
        return rc;
    if ((val = kflag(ctx, flag))) {
        from = st_arena_printf(ctx->arena, "flag --%s", flag);
    } else if ((n = st_host__ypath(ctx->kubelet_cfg, key)) &&
               n->type == ST_HOST__Y_SCALAR) {
        val = n->s;
        from = st_arena_printf(ctx->arena, "%s:%u", ctx->kubelet_cfg_path,
                               n->line);
    } else {
        val = NULL;
        from = NULL;
    }
    if (!val && set) {
        ok = strcmp(set, "true") != 0;
    } else if (!val) {
        const char *d = ctx->kubelet_cfg ? dflt : fdflt;
        ok = d ? (!expect || st_host__match(expect, d)) &&
                     !st_host__match(not, d)
               : !expect;
        st_host__set(out, ok ? ST_HOST_PASS : ST_HOST_FAIL,
                     "%s not set%s%s%s%s", key, d ? " (kubelet default " : "",
                     d ? d : "", d ? ")" : "",
                     ctx->kubelet_error ? "; config unreadable: " : "");
        if (ctx->kubelet_error)
            st_buf_puts(&out->evidence, ctx->kubelet_error);
        return 0;
    } else {
        ok = set ? strcmp(set, "false") != 0 && *val
                 : (!expect || st_host__match(expect, val)) &&
                       !st_host__match(not, val);
    }
    if (val)
        st_host__set(out, ok ? ST_HOST_PASS : ST_HOST_FAIL, "%s = %s (%s)",
                     key, val, from);
    else
        st_host__set(out, ok ? ST_HOST_PASS : ST_HOST_FAIL, "%s not set",
                     key);
    return 0;
}

/* ---- packages ---------------------------------------------------------- */

int st_host__dpkg(st_host__ctx *ctx, st_map **out)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_LIST);
    int rc = 0;

    if (ctx->dpkg_loaded) {
        *out = ctx->dpkg;
        return 0;
    }
    ctx->dpkg_loaded = true;
    *out = NULL;
    if (st_host__read(&ctx->root, "/var/lib/dpkg/status", &b,
                      ST_HOST__MAX_LIST, NULL) < 0)
        goto done;
    if (!(ctx->dpkg = st_map_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (char *s = b.ptr; s && *s;) {
        char *end = strstr(s, "\n\n");
        const char *pkg = NULL, *ver = NULL;
        bool installed = false;
        if (end)
            *end = 0;
        for (char *l = s; l && *l;) {
            char *nl = strchr(l, '\n');
            if (nl)
                *nl = 0;
            if (st_str_startswith(l, "Package: "))
                pkg = l + 9;
            else if (st_str_startswith(l, "Version: "))
                ver = l + 9;
            else if (st_str_startswith(l, "Status: "))
                installed = st_str_endswith(l, " installed");
            l = nl ? nl + 1 : NULL;
        }
        if (pkg && ver && installed) {
            void **slot;
            bool created;
            if (st_map_slot(ctx->dpkg, pkg, strlen(pkg), &slot, &created) <
                    0 ||
                !(*slot = st_arena_strdup(ctx->arena, ver))) {
                rc = ST_ENOMEM;
                goto done;
            }
        }
        s = end ? end + 2 : NULL;
    }
    *out = ctx->dpkg;
done:
    st_buf_release(&b);
    return rc;
}

int st_host__p_package_versions(st_host__ctx *ctx, const st_host__check *c,
                                st_host__out *out)
{
    const st_host__ynode *pk = st_host__argn(c, "package");
    size_t n = pk->type == ST_HOST__Y_SEQ ? pk->n : 1, found = 0;
    st_map *m;
    int rc;

    if ((rc = st_host__dpkg(ctx, &m)) < 0)
        return rc;
    if (!m) {
        st_host__set(out, ST_HOST_SKIP, "no dpkg status "
                     "(/var/lib/dpkg/status)");
        return 0;
    }
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < n; i++) {
        const char *name = pk->type == ST_HOST__Y_SEQ ? pk->kids[i]->s : pk->s;
        const char *v = st_map_get(m, name, strlen(name));
        if (v) {
            found++;
            st_host__add(out, "%s %s", name, v);
        }
    }
    if (!found)
        st_host__set(out, ST_HOST_SKIP, "none of the container packages is "
                     "installed (dpkg)");
    else
        out->status = ST_HOST_INFO;
    return 0;
}

/* Whether a list argument (one string or a sequence) holds s. */
static bool in_list(const st_host__ynode *l, const char *s)
{
    if (!l || !s)
        return false;
    if (l->type != ST_HOST__Y_SEQ)
        return l->s && !strcmp(l->s, s);
    for (size_t i = 0; i < l->n; i++)
        if (l->kids[i]->s && !strcmp(l->kids[i]->s, s))
            return true;
    return false;
}

/* Known vulnerabilities of the container stack: packages by name (dpkg
 * names, Go module paths) and everything found in its binaries (their Go
 * standard library too), as the caller matched them. */
int st_host__p_package_vulns(st_host__ctx *ctx, const st_host__check *c,
                             st_host__out *out)
{
    const st_host_options *o = ctx->opts;
    const st_host__ynode *pk = st_host__argn(c, "package");
    const st_host__ynode *bin = st_host__argn(c, "binary");
    size_t hits = 0;

    if (!o->vulns_matched) {
        st_host__set(out, ST_HOST_SKIP, "no vulnerability DB: run 'strata "
                     "db update' (or give --db DIR)");
        return 0;
    }
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < o->vuln_count; i++) {
        const st_host_vuln *v = &o->vulns[i];
        const char *base = v->found_in ? strrchr(v->found_in, '/') : NULL;
        base = base ? base + 1 : v->found_in;
        bool by_binary = in_list(bin, base);
        if (!by_binary && !in_list(pk, v->package))
            continue;
        if (!by_binary)
            base = NULL; /* a package database: its path says nothing */
        if (hits++ < 8)
            st_host__add(out, "%s %s%s%s: %s (%s, %s%s)", v->package,
                         v->version ? v->version : "?",
                         base ? " in " : "", base ? base : "", v->id,
                         v->severity ? v->severity : "UNKNOWN",
                         v->fixed_version ? "fixed in " : "no fix yet",
                         v->fixed_version ? v->fixed_version : "");
    }
    if (hits > 8)
        st_host__add(out, "and %zu more",
                     hits - 8);
    if (hits)
        out->status = ST_HOST_FAIL;
    else
        st_host__set(out, ST_HOST_PASS, "no known vulnerability in the "
                     "container stack's packages and binaries");
    return 0;
}

/* Which apt list (its file name starts with the repository's host) holds
 * this package at this version? Streams the lists line by line. */
static const char *apt_origin(st_host__ctx *ctx, const char *pkg,
                              const char *ver)
{
    const char **names;
    size_t n;
    char want[300];
    const char *found = NULL;

    snprintf(want, sizeof(want), "Package: %s", pkg);
    if (st_host__list(&ctx->root, "/var/lib/apt/lists", ctx->arena, &names,
                      &n, 4096) < 0)
        return NULL;
    for (size_t i = 0; i < n && !found; i++) {
        char path[1024];
        int fd;
        FILE *f;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        bool in = false;
        if (!st_str_endswith(names[i], "_Packages"))
            continue;
        snprintf(path, sizeof(path), "/var/lib/apt/lists/%s", names[i]);
        if ((fd = st_host__open(&ctx->root, path, O_RDONLY)) < 0)
            continue;
        if (!(f = fdopen(fd, "r"))) {
            close(fd);
            continue;
        }
        while (!found && (len = getline(&line, &cap, f)) > 0) {
            if (len && line[len - 1] == '\n')
                line[--len] = 0;
            if (!*line)
                in = false;
            else if (st_str_startswith(line, "Package: "))
                in = !strcmp(line, want);
            else if (in && st_str_startswith(line, "Version: ") &&
                     !strcmp(line + 9, ver))
                found = st_arena_strndup(ctx->arena, names[i],
                                         strcspn(names[i], "_"));
        }
        free(line);
        fclose(f);
    }
    return found;
}

static bool official(const char *host)
{
    static const char *const ok[] = {
        "download.docker.com", "deb.debian.org",  "security.debian.org",
        "archive.ubuntu.com",  "security.ubuntu.com", "ports.ubuntu.com",
        "pkgs.k8s.io",         "prod-cdn.packages.k8s.io"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
        if (!strcmp(host, ok[i]) ||
            (st_str_endswith(host, ok[i]) &&
             host[strlen(host) - strlen(ok[i]) - 1] == '.'))
            return true;
    return false;
}

int st_host__p_package_origin(st_host__ctx *ctx, const st_host__check *c,
                              st_host__out *out)
{
    const st_host__ynode *pk = st_host__argn(c, "package");
    size_t n = pk->type == ST_HOST__Y_SEQ ? pk->n : 1, found = 0, bad = 0;
    st_map *m;
    int rc;

    if ((rc = st_host__dpkg(ctx, &m)) < 0)
        return rc;
    if (!m) {
        st_host__set(out, ST_HOST_SKIP, "no dpkg status "
                     "(/var/lib/dpkg/status)");
        return 0;
    }
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < n; i++) {
        const char *name = pk->type == ST_HOST__Y_SEQ ? pk->kids[i]->s : pk->s;
        const char *v = st_map_get(m, name, strlen(name)), *o;
        if (!v)
            continue;
        found++;
        o = apt_origin(ctx, name, v);
        if (!o) {
            bad++;
            st_host__add(out, "%s %s: no apt list offers this version "
                         "(installed by hand, or the repository is gone)",
                         name, v);
        } else if (!official(o)) {
            bad++;
            st_host__add(out, "%s %s from %s: not an official repository",
                         name, v, o);
        } else {
            st_host__add(out, "%s %s from %s", name, v, o);
        }
    }
    if (!found)
        st_host__set(out, ST_HOST_SKIP, "none of the container packages is "
                     "installed (dpkg)");
    else
        out->status = bad ? ST_HOST_WARN : ST_HOST_PASS;
    return 0;
}
