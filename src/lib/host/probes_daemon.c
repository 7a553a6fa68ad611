/* The Docker daemon (CIS 2.x) and its socket: which components exist,
 * the merged configuration (daemon.json + the unit's ExecStart flags),
 * rootless mode, TCP listeners without TLS verification and a live probe
 * for an unauthenticated API on loopback. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "host/probes.h"
#include "util/banned.h"
#include "util/json.h"

static const char *const unit_dirs[] = {
    "/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
    "/lib/systemd/system"};

static bool any(st_host__ctx *ctx, const char *const *paths, size_t n,
                const char **which)
{
    for (size_t i = 0; i < n; i++)
        if (st_host__exists(&ctx->root, paths[i])) {
            if (which)
                *which = paths[i];
            return true;
        }
    return false;
}

void st_host__detect(st_host__ctx *ctx)
{
    static const char *const docker[] = {
        "/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd",
        "/etc/systemd/system/docker.service",
        "/usr/lib/systemd/system/docker.service",
        "/lib/systemd/system/docker.service", "/etc/docker/daemon.json",
        "/var/lib/docker/containers"};
    static const char *const containerd[] = {
        "/usr/bin/containerd", "/usr/local/bin/containerd",
        "/etc/containerd/config.toml", "/run/containerd/containerd.sock",
        "/usr/lib/systemd/system/containerd.service",
        "/lib/systemd/system/containerd.service"};
    static const char *const kubelet[] = {
        "/var/lib/kubelet/config.yaml", "/etc/kubernetes/kubelet.conf",
        "/usr/bin/kubelet", "/usr/local/bin/kubelet",
        "/etc/systemd/system/kubelet.service",
        "/usr/lib/systemd/system/kubelet.service",
        "/lib/systemd/system/kubelet.service"};
    const char *which = NULL;

    ctx->docker = any(ctx, docker, sizeof(docker) / sizeof(*docker), &which);
    if (ctx->docker)
        ctx->docker_why = st_arena_printf(ctx->arena, "found %s", which);
    else
        ctx->docker_why = "no dockerd, docker.service, /etc/docker/daemon.json "
                          "or /var/lib/docker/containers";
    ctx->containerd =
        any(ctx, containerd, sizeof(containerd) / sizeof(*containerd), NULL);
    ctx->kubelet = any(ctx, kubelet, sizeof(kubelet) / sizeof(*kubelet), NULL);
}

const char *st_host__json_text(st_host__ctx *ctx, const json_t *v)
{
    char *s, *copy;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
        return NULL;
    copy = st_arena_strdup(ctx->arena, s);
    free(s);
    return copy;
}

/* ---- loading ----------------------------------------------------------- */

/* The words of a service's effective ExecStart: the unit, then drop-ins
 * in name order. Sets *unit_out to the unit read. */
static int unit_words(st_host__ctx *ctx, const char *svc,
                      st_host__argv *words, const char **unit_out,
                      const char **error)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    st_error *err = NULL;
    char path[512];
    int rc = 0;

    words->n = 0;
    *unit_out = NULL;
    for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(*unit_dirs); i++) {
        snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], svc);
        if (st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE, NULL))
            continue;
        *unit_out = st_arena_strdup(ctx->arena, path);
        if (st_host__unit_execstart(words, ctx->arena, b.ptr, b.len, path,
                                    &err) < 0)
            goto bad;
        break;
    }
    for (size_t i = sizeof(unit_dirs) / sizeof(*unit_dirs); i-- > 0;) {
        const char **names;
        size_t n;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s.d", unit_dirs[i], svc);
        if ((rc = st_host__list(&ctx->root, dir, ctx->arena, &names, &n,
                                256)) < 0)
            goto done;
        for (size_t k = 0; k < n; k++) {
            if (!st_str_endswith(names[k], ".conf"))
                continue;
            if (snprintf(path, sizeof(path), "%s/%s", dir, names[k]) >=
                    (int)sizeof(path) ||
                st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE, NULL))
                continue;
            if (!*unit_out)
                *unit_out = st_arena_strdup(ctx->arena, path);
            if (st_host__unit_execstart(words, ctx->arena, b.ptr, b.len,
                                        path, &err) < 0)
                goto bad;
        }
    }
    goto done;
bad:
    if (st_error_code(err) == ST_ENOMEM) {
        rc = ST_ENOMEM;
    } else {
        char *m = st_error_format(err);
        *error = st_arena_strdup(ctx->arena, m ? m : "unreadable unit");
        st_free(m);
    }
done:
    st_error_free(err);
    st_buf_release(&b);
    return rc;
}

/* Rootless dockerd: a user unit running dockerd-rootless.sh. */
static void find_rootless(st_host__ctx *ctx, const char **home_out)
{
    const char **homes;
    size_t n;
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    char path[512];

    *home_out = NULL;
    if (st_host__read(&ctx->root, "/etc/systemd/user/docker.service", &b,
                      ST_HOST__MAX_FILE, NULL) == 0 &&
        strstr(b.ptr, "dockerd-rootless")) {
        ctx->rootless = true;
        ctx->rootless_why = "/etc/systemd/user/docker.service runs "
                            "dockerd-rootless.sh";
    }
    if (st_host__list(&ctx->root, "/home", ctx->arena, &homes, &n, 4096) ==
        0)
        for (size_t i = 0; i < n && !ctx->rootless; i++) {
            snprintf(path, sizeof(path),
                     "/home/%s/.config/systemd/user/docker.service",
                     homes[i]);
            if (st_host__read(&ctx->root, path, &b, ST_HOST__MAX_FILE,
                              NULL) == 0 &&
                strstr(b.ptr, "dockerd-rootless")) {
                ctx->rootless = true;
                ctx->rootless_why = st_arena_printf(
                    ctx->arena, "%s runs dockerd-rootless.sh", path);
                *home_out = st_arena_printf(ctx->arena, "/home/%s",
                                            homes[i]);
            }
        }
    st_buf_release(&b);
}

int st_host__load_daemon(st_host__ctx *ctx)
{
    st_host__argv words = {NULL, 0};
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    json_t *fl = NULL, *merged = NULL;
    st_error *err = NULL;
    const char *home = NULL, *cf;
    const char *uerr = NULL;
    int rc = 0;

    if (ctx->daemon_loaded)
        return 0;
    ctx->daemon_loaded = true;
    ctx->daemon_json_path = "/etc/docker/daemon.json";
    ST_CHECK(unit_words(ctx, "docker.service", &words, &ctx->daemon_unit,
                        &uerr));
    find_rootless(ctx, &home);
    if (words.n && strstr(words.v[0], "rootless") && !ctx->rootless) {
        ctx->rootless = true;
        ctx->rootless_why = "the docker.service ExecStart runs "
                            "dockerd-rootless";
    }
    if (!ctx->daemon_unit && home)
        ctx->daemon_json_path = st_arena_printf(
            ctx->arena, "%s/.config/docker/daemon.json", home);
    if (uerr) {
        ctx->daemon_error = uerr;
    } else if (st_host__daemon_flags(&fl, &words, &err) < 0) {
        if (st_error_code(err) == ST_ENOMEM) {
            rc = ST_ENOMEM;
            goto done;
        }
        ctx->daemon_error = st_arena_printf(ctx->arena, "%s: ExecStart: %s",
                                            ctx->daemon_unit,
                                            st_error_message(err));
        st_error_free(err);
        err = NULL;
    }
    if (fl && (cf = st_host__json_text(ctx, json_object_get(fl,
                                                            "config-file"))))
        ctx->daemon_json_path = cf;
    rc = st_host__read(&ctx->root, ctx->daemon_json_path, &b,
                       ST_HOST__MAX_FILE, &err);
    if (rc == 0)
        rc = st_host__daemon_json(&ctx->daemon_file, b.ptr, b.len,
                                  ctx->daemon_json_path, &err);
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0 && rc != ST_ENOTFOUND && !ctx->daemon_error) {
        char *m = st_error_format(err);
        ctx->daemon_error = st_arena_strdup(ctx->arena, m ? m : "?");
        st_free(m);
    }
    if (rc == ST_ENOTFOUND)
        ctx->daemon_json_path = NULL;
    st_error_free(err);
    err = NULL;
    rc = 0;
    if (fl && st_host__daemon_merge(&merged, ctx->daemon_file, fl, &err) <
                  0) {
        if (st_error_code(err) == ST_ENOMEM) {
            rc = ST_ENOMEM;
            goto done;
        }
        if (!ctx->daemon_error)
            ctx->daemon_error = st_arena_printf(
                ctx->arena, "%s and %s: %s", ctx->daemon_unit,
                ctx->daemon_json_path, st_error_message(err));
        /* dockerd would not start; audit the union, flags first */
        merged = ctx->daemon_file ? json_deep_copy(ctx->daemon_file)
                                  : json_object();
        if (merged) {
            const char *k;
            json_t *v;
            json_object_foreach(fl, k, v)
            {
                json_t *have = json_object_get(merged, k);
                if (json_is_array(have) && json_is_array(v))
                    json_array_extend(have, v);
                else
                    json_object_set(merged, k, v);
            }
        }
    } else if (!fl) {
        merged = ctx->daemon_file ? json_incref(ctx->daemon_file)
                                  : json_object();
    }
    if (!merged) {
        rc = ST_ENOMEM;
        goto done;
    }
    ctx->daemon = merged;
    merged = NULL;
    json_decref(ctx->daemon_flags);
    ctx->daemon_flags = fl;
    fl = NULL;
done:
    if (!ctx->daemon)
        ctx->daemon = json_object();
    json_decref(fl);
    json_decref(merged);
    st_error_free(err);
    st_buf_release(&b);
    return rc;
}

/* Where a directive was set, for evidence. */
static const char *origin(st_host__ctx *ctx, const char *key)
{
    if (ctx->daemon_flags && json_object_get(ctx->daemon_flags, key))
        return st_arena_printf(ctx->arena, "flag in %s", ctx->daemon_unit);
    if (ctx->daemon_file && json_object_get(ctx->daemon_file, key))
        return ctx->daemon_json_path;
    return NULL;
}

/* ---- probes ------------------------------------------------------------ */

int st_host__p_daemon_config(st_host__ctx *ctx, const st_host__check *c,
                             st_host__out *out)
{
    (void)c;
    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    if (ctx->daemon_error)
        st_host__set(out, ST_HOST_FAIL, "%s", ctx->daemon_error);
    else
        st_host__set(out, ST_HOST_PASS, "%s%s%s%s",
                     ctx->daemon_json_path ? ctx->daemon_json_path
                                           : "no daemon.json (defaults)",
                     ctx->daemon_unit ? "; ExecStart of " : "",
                     ctx->daemon_unit ? ctx->daemon_unit : "",
                     ctx->daemon_unit ? "" : "; no docker.service unit");
    return 0;
}

/* A list or object value: its items; a scalar: itself. */
static bool rejects(st_host__ctx *ctx, const st_host__ynode *not,
                    const json_t *v, const char **hit)
{
    size_t i;
    const char *k;
    json_t *item;
    if (!not || !v)
        return false;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            const char *t = st_host__json_text(ctx, item);
            for (size_t j = 0; t && j < (not->type == ST_HOST__Y_SEQ ? not->n
                                                                      : 1);
                 j++) {
                const char *w = not->type == ST_HOST__Y_SEQ ? not->kids[j]->s
                                                             : not->s;
                if (st_str_startswith(t, w)) {
                    *hit = t;
                    return true;
                }
            }
        }
        return false;
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, item) if (st_host__match(not, k))
        {
            *hit = k;
            return true;
        }
        return false;
    }
    *hit = st_host__json_text(ctx, v);
    return st_host__match(not, *hit);
}

static bool empty(const json_t *v)
{
    return !v || json_is_null(v) ||
           (json_is_array(v) && !json_array_size(v)) ||
           (json_is_object(v) && !json_object_size(v)) ||
           (json_is_string(v) && !*json_string_value(v));
}

int st_host__p_daemon_option(st_host__ctx *ctx, const st_host__check *c,
                             st_host__out *out)
{
    const char *key = st_host__arg(c, "key");
    const st_host__ynode *expect = st_host__argn(c, "expect");
    const st_host__ynode *not = st_host__argn(c, "not");
    const char *dflt = st_host__arg(c, "default");
    const char *set = st_host__arg(c, "set");
    const char *rl = st_host__arg(c, "rootless");
    st_host_status bad = st_host__status_arg(c, ST_HOST_FAIL);
    const json_t *v;
    const char *text, *from, *hit = NULL;
    bool ok = true;

    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    if (rl && ctx->rootless) {
        st_host__set(out, ST_HOST_PASS, "rootless mode: %s",
                     ctx->rootless_why);
        return 0;
    }
    v = json_object_get(ctx->daemon, key);
    text = st_host__json_text(ctx, v);
    from = origin(ctx, key);
    if (set) {
        ok = !strcmp(set, "true") ? !empty(v) : empty(v);
        if (ok && not && rejects(ctx, not, v, &hit))
            ok = false;
    } else if (!v && dflt) {
        text = dflt;
        ok = (!expect || st_host__match(expect, dflt)) &&
             !(not && st_host__match(not, dflt));
    } else if (!v) {
        ok = !expect;
    } else {
        ok = (!expect || st_host__match(expect, text)) &&
             !rejects(ctx, not, v, &hit);
    }
    if (!v || empty(v))
        st_host__set(out, ok ? ST_HOST_PASS : bad, "%s not set%s%s%s", key,
                     dflt ? " (dockerd default: " : "", dflt ? dflt : "",
                     dflt ? ")" : "");
    else
        st_host__set(out, ok ? ST_HOST_PASS : bad, "%s = %s (%s)", key,
                     text ? text : "?", from ? from : "?");
    if (hit && !ok && v && (json_is_array(v) || json_is_object(v)))
        st_host__add(out, "rejected: %s", hit);
    return 0;
}

/* "tcp://0.0.0.0:2375" -> host, port; false when not tcp. */
static bool tcp_host(const char *h, char *host, size_t n, unsigned *port)
{
    const char *p, *colon;
    if (!st_str_startswith(h, "tcp://"))
        return false;
    p = h + 6;
    colon = strrchr(p, ':');
    *port = 2375;
    if (colon) {
        char *end;
        unsigned long v = strtoul(colon + 1, &end, 10);
        if (end != colon + 1 && v > 0 && v < 65536)
            *port = (unsigned)v;
        snprintf(host, n, "%.*s", (int)(colon - p), p);
    } else {
        snprintf(host, n, "%s", p);
    }
    host[strcspn(host, "/")] = 0;
    return true;
}

int st_host__p_daemon_tcp_tls(st_host__ctx *ctx, const st_host__check *c,
                              st_host__out *out)
{
    const json_t *hosts, *h;
    bool verify, any_tcp = false, bad = false;
    size_t i;
    (void)c;

    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    hosts = json_object_get(ctx->daemon, "hosts");
    verify = json_is_true(json_object_get(ctx->daemon, "tlsverify"));
    st_buf_reset(&out->evidence);
    json_array_foreach(hosts, i, h)
    {
        char host[256];
        unsigned port;
        const char *s = json_string_value(h);
        if (!s || !tcp_host(s, host, sizeof(host), &port))
            continue;
        any_tcp = true;
        if (verify && json_object_get(ctx->daemon, "tlscacert") &&
            json_object_get(ctx->daemon, "tlscert") &&
            json_object_get(ctx->daemon, "tlskey")) {
            st_host__add(out, "%s: TLS with client verification", s);
        } else {
            bad = true;
            st_host__add(out, "%s without %s: whoever reaches it controls "
                         "the daemon (root on the host)",
                         s, verify ? "tlscacert/tlscert/tlskey" : "tlsverify");
        }
    }
    if (!any_tcp)
        st_host__set(out, ST_HOST_PASS, "no tcp:// host in the daemon "
                     "configuration: local socket only");
    else
        out->status = bad ? ST_HOST_FAIL : ST_HOST_PASS;
    return 0;
}

int st_host__p_rootless(st_host__ctx *ctx, const st_host__check *c,
                        st_host__out *out)
{
    (void)c;
    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    if (ctx->rootless)
        st_host__set(out, ST_HOST_PASS, "rootless mode: %s",
                     ctx->rootless_why);
    else
        st_host__set(out, ST_HOST_WARN, "dockerd runs as root%s%s: consider "
                     "rootless mode where its limits are acceptable",
                     ctx->daemon_unit ? " (" : "",
                     ctx->daemon_unit ? ctx->daemon_unit : "");
    if (!ctx->rootless && ctx->daemon_unit)
        st_buf_putc(&out->evidence, ')');
    return 0;
}

/* ---- the live API probe ------------------------------------------------ */

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 +
           (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* 0 closed, 1 open but no plain API, 2 the plain API answered. */
static int probe_port(unsigned port, unsigned timeout_ms, char *version,
                      size_t vn)
{
    struct sockaddr_in sa;
    struct pollfd pfd;
    struct timespec t0;
    char buf[4096];
    size_t len = 0;
    int fd, rc = 0, err = 0;
    socklen_t el = sizeof(err);
    static const char req[] = "GET /version HTTP/1.0\r\nHost: localhost\r\n"
                              "User-Agent: strata-host-audit\r\n\r\n";

    clock_gettime(CLOCK_MONOTONIC, &t0);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (errno != EINPROGRESS)
            goto done;
        pfd.fd = fd;
        pfd.events = POLLOUT;
        if (poll(&pfd, 1, (int)timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
            goto done;
    }
    rc = 1;
    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1)
        goto done;
    while (len < sizeof(buf) - 1) {
        long left = (long)timeout_ms - ms_since(&t0);
        ssize_t n;
        pfd.fd = fd;
        pfd.events = POLLIN;
        if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
            break;
        n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    if (st_str_startswith(buf, "HTTP/1.") && strstr(buf, "\"ApiVersion\"")) {
        const char *v = strstr(buf, "\"Version\":\"");
        rc = 2;
        snprintf(version, vn, "%.*s", v ? (int)strcspn(v + 11, "\"") : 1,
                 v ? v + 11 : "?");
    }
done:
    close(fd);
    return rc;
}

int st_host__p_api_probe(st_host__ctx *ctx, const st_host__check *c,
                         st_host__out *out)
{
    unsigned ports[16];
    size_t n = 0, i;
    const json_t *hosts, *h;
    unsigned timeout = ctx->opts->probe_timeout_ms
                           ? ctx->opts->probe_timeout_ms
                           : 500;
    bool exposed = false;
    const st_host__ynode *pa = st_host__argn(c, "port");

    if (ctx->root.offline && !ctx->opts->probe_network) {
        st_host__set(out, ST_HOST_SKIP, "live network probe not run on an "
                     "offline root (use --probe-network)");
        return 0;
    }
    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    for (size_t k = 0; pa && k < (pa->type == ST_HOST__Y_SEQ ? pa->n : 1);
         k++) {
        const char *s = pa->type == ST_HOST__Y_SEQ ? pa->kids[k]->s : pa->s;
        unsigned long v = strtoul(s, NULL, 10);
        if (v && v < 65536 && n < 16)
            ports[n++] = (unsigned)v;
    }
    hosts = json_object_get(ctx->daemon, "hosts");
    st_buf_reset(&out->evidence);
    json_array_foreach(hosts, i, h)
    {
        char host[256];
        unsigned port;
        bool dup = false;
        const char *s = json_string_value(h);
        if (!s || !tcp_host(s, host, sizeof(host), &port))
            continue;
        if (*host && strcmp(host, "0.0.0.0") && strcmp(host, "[::]") &&
            strcmp(host, "localhost") && !st_str_startswith(host, "127.")) {
            st_host__add(out, "%s not probed (not a local address)", s);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            dup |= ports[k] == port;
        if (!dup && n < 16)
            ports[n++] = port;
    }
    for (size_t k = 0; k < n; k++) {
        char ver[64];
        int r = probe_port(ports[k], timeout, ver, sizeof(ver));
        if (r == 2) {
            exposed = true;
            st_host__add(out, "127.0.0.1:%u answered GET /version without "
                         "TLS or authentication: Docker Engine %s",
                         ports[k], ver);
        } else {
            st_host__add(out, "127.0.0.1:%u %s", ports[k],
                         r ? "open, no plain Docker API" : "closed");
        }
    }
    out->status = exposed ? ST_HOST_FAIL : ST_HOST_PASS;
    return 0;
}
