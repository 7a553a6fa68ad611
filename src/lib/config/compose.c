/* The compose kind of the configuration audit: docker-compose.yml and its
 * kin (v2, v3, the Compose Specification).
 *
 * Each entry of services: is one object, "service NAME". The checks that
 * are predicates (policies/config/compose.yaml, scope service) run through
 * the engine; the ones here need code: published ports, the image
 * reference, literal secrets in environment. Every volume a service mounts
 * — bind mounts and named volumes, short ("./data:/data:ro") and long
 * syntax — goes to the storage graph, whose checks find the runtime socket
 * and storage that several services share while one writes.
 *
 * Values may use compose's interpolation: ${VAR:-default} and ${VAR-default}
 * take the default, since the environment of a later `docker compose up`
 * is unknown here; a value that needs any other variable is not judged. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_int.h"
#include "config/envsecret.h"
#include "util/banned.h"

#define MAX_VALUE        4096
#define MAX_INTERP_DEPTH 4

typedef struct compose {
    st_cfg_ctx *c;
    const char *path;
    const char *dir;         /* the file's directory ("" for the cwd) */
    const char *project;     /* the top-level name:, else the directory */
    const st_ynode *volumes; /* top-level volumes: */
    st_arena *a;
    int rc;
} compose;

static bool ends_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* ---- interpolation ----------------------------------------------------- */

/* s with ${X:-d} / ${X-d} replaced by d and $$ by $, into out. false when
 * a variable has no default ($X, ${X}, ${X:?err}, ${X:+alt}). */
static bool interp(st_buf *out, const char *s, int depth)
{
    while (*s) {
        const char *d = strchr(s, '$');
        size_t lit = d ? (size_t)(d - s) : strlen(s);
        if (st_buf_put(out, s, lit) < 0)
            return false;
        if (!d)
            return true;
        s = d + 1;
        if (*s == '$') {
            if (st_buf_putc(out, '$') < 0)
                return false;
            s++;
        } else if (*s == '{') {
            /* ${NAME:-default}: find the matching brace */
            const char *p = s + 1, *op;
            int nest = 0;
            while (*p && (isalnum((unsigned char)*p) || *p == '_'))
                p++;
            op = p;
            while (*p && (*p != '}' || nest)) {
                nest += *p == '{';
                nest -= *p == '}' && nest;
                p++;
            }
            if (!*p)
                return false;
            if (op[0] == ':' && op[1] == '-')
                op += 2;
            else if (op[0] == '-')
                op += 1;
            else
                return false;
            if (depth >= MAX_INTERP_DEPTH)
                return false;
            {
                char *def = st_strndup(op, (size_t)(p - op));
                bool ok = def && interp(out, def, depth + 1);
                st_free(def);
                if (!ok)
                    return false;
            }
            s = p + 1;
        } else if (isalpha((unsigned char)*s) || *s == '_') {
            return false;
        } else if (st_buf_putc(out, '$') < 0) {
            return false;
        }
    }
    return true;
}

/* A scalar's value after interpolation (in the arena), or NULL. */
static const char *value(compose *cp, const st_ynode *n)
{
    st_buf b = ST_BUF_INIT(MAX_VALUE);
    const char *s = st_ystr(n), *out = NULL;

    if (!s)
        return NULL;
    if (!strchr(s, '$'))
        return s;
    if (interp(&b, s, 0) && !(out = st_arena_strndup(cp->a, b.ptr, b.len)))
        cp->rc = ST_ENOMEM;
    st_buf_release(&b);
    return out;
}

static st_cfg_where
where(const compose *cp, const st_ynode *n, const char *object)
{
    st_cfg_where w = {cp->path, n ? n->line : 0, n ? n->column : 0, object};
    return w;
}

static void report_rc(compose *cp, int rc)
{
    if (rc < 0 && !cp->rc)
        cp->rc = rc;
}

/* ---- image -----------------------------------------------------------------
 */

static void check_image(compose *cp, const st_ynode *svc, const char *obj)
{
    const st_ynode *n = st_ymap_get(svc, "image");
    const char *img = value(cp, n), *slash, *colon;
    st_cfg_where w = where(cp, n, obj);

    /* with build:, image is the name the built image gets */
    if (!img || !*img || st_ymap_get(svc, "build") || strchr(img, '@'))
        return;
    slash = strrchr(img, '/');
    colon = strrchr(slash ? slash : img, ':');
    if (!colon)
        report_rc(cp, st_cfg_report(cp->c, "compose-image-untagged", &w,
                                    "image: %s", img));
    else if (!strcmp(colon + 1, "latest"))
        report_rc(cp, st_cfg_report(cp->c, "compose-image-latest", &w,
                                    "image: %s", img));
}

/* ---- ports ------------------------------------------------------------------
 */

static bool any_address(const char *ip)
{
    return !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::") ||
           !strcmp(ip, "[::]");
}

/* "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]": the host address part
 * into ip (empty when none). false when it does not parse. */
static bool port_address(const char *spec, char *ip, size_t size)
{
    char buf[256];
    char *parts[3], *p;
    size_t n = 0;

    if (strlen(spec) >= sizeof(buf))
        return false;
    snprintf(buf, sizeof(buf), "%s", spec);
    buf[strcspn(buf, "/")] = 0;
    ip[0] = 0;
    p = buf;
    if (*p == '[') { /* [::1]:8080:80 */
        char *e = strchr(p, ']');
        if (!e || e[1] != ':')
            return false;
        e[1] = 0;
        snprintf(ip, size, "%s", p);
        p = e + 2;
        return *p != 0;
    }
    while (n < 3) {
        parts[n++] = p;
        if (!(p = strchr(p, ':')))
            break;
        *p++ = 0;
    }
    if (p) {
        /* more colons: an IPv6 address without brackets */
        char *last = strrchr(spec, ':'), *prev;
        size_t k = (size_t)(last - spec);
        snprintf(buf, sizeof(buf), "%.*s", (int)k, spec);
        if (!(prev = strrchr(buf, ':')))
            return false;
        *prev = 0;
        snprintf(ip, size, "%s", buf);
        return true;
    }
    if (n == 3)
        snprintf(ip, size, "%s", parts[0]);
    return true;
}

static void check_ports(compose *cp, const st_ynode *svc, const char *obj)
{
    const st_ynode *ports = st_ymap_get(svc, "ports");

    if (!ports || ports->type != ST_Y_SEQ)
        return;
    for (size_t i = 0; i < ports->n; i++) {
        const st_ynode *p = ports->kids[i];
        st_cfg_where w = where(cp, p, obj);
        char ip[256];
        if (p->type == ST_Y_SCALAR) {
            const char *spec = value(cp, p);
            if (!spec || !port_address(spec, ip, sizeof(ip)) ||
                !any_address(ip))
                continue;
            report_rc(cp, st_cfg_report(cp->c, "compose-port-all-interfaces",
                                        &w, "ports: \"%s\"", spec));
        } else if (p->type == ST_Y_MAP) {
            const st_ynode *h = st_ymap_get(p, "host_ip");
            const char *hip = h ? value(cp, h) : "";
            const char *target = st_ystr(st_ymap_get(p, "target"));
            const char *pub = st_ystr(st_ymap_get(p, "published"));
            if (!hip || !any_address(hip))
                continue;
            report_rc(cp, st_cfg_report(cp->c, "compose-port-all-interfaces",
                                        &w, "published %s -> %s, host_ip %s",
                                        pub ? pub : "(random)",
                                        target ? target : "?",
                                        *hip ? hip : "not set"));
        }
    }
}

/* ---- volumes: the storage graph -------------------------------------------
 */

static bool is_path(const char *s)
{
    return *s == '/' || *s == '.' || *s == '~' ||
           (isalpha((unsigned char)s[0]) && s[1] == ':' &&
            (s[2] == '\\' || s[2] == '/'));
}

/* A named volume's key: external volumes are the daemon's, by their name;
 * the others belong to the project. */
static const char *volume_key(compose *cp, const char *name)
{
    const st_ynode *def = st_ymap_get(cp->volumes, name);
    const st_ynode *ext = st_ymap_get(def, "external");
    const char *real = st_ystr(st_ymap_get(def, "name"));

    if (st_ybool(ext) == 1 || st_ymap_get(ext, "name"))
        return st_arena_printf(cp->a, "external/%s",
                               real ? real
                               : st_ystr(st_ymap_get(ext, "name"))
                                   ? st_ystr(st_ymap_get(ext, "name"))
                                   : name);
    if (real)
        return st_arena_printf(cp->a, "external/%s", real);
    return st_arena_printf(cp->a, "%s/%s", cp->project, name);
}

static void mount(compose *cp,
                  const char *workload,
                  const st_ynode *at,
                  const char *obj,
                  const char *source,
                  const char *target,
                  bool read_only,
                  bool bind)
{
    st_cfg_mount m;
    st_cfg_where w = where(cp, at, obj);
    const char *src = source;

    memset(&m, 0, sizeof(m));
    if (bind && *source == '.' && *cp->dir) /* relative to the file */
        src = st_arena_printf(cp->a, "%s/%s", cp->dir, source);
    else if (!bind)
        src = volume_key(cp, source);
    if (!src) {
        cp->rc = ST_ENOMEM;
        return;
    }
    m.store = bind ? ST_CFG_STORE_HOST_PATH : ST_CFG_STORE_VOLUME;
    m.workload = workload;
    m.source = src;
    m.mount_path = target;
    m.writable = !read_only;
    report_rc(cp, st_cfg_storage_add(cp->c, &m, &w));
}

/* SOURCE:TARGET[:MODE]; a Windows source (C:\data) keeps its colon. */
static void short_volume(compose *cp,
                         const char *workload,
                         const char *obj,
                         const st_ynode *n,
                         const char *spec)
{
    const char *from = spec, *c1, *c2;
    char *source, *target;
    bool ro = false;

    if (isalpha((unsigned char)spec[0]) && spec[1] == ':' &&
        (spec[2] == '\\' || spec[2] == '/'))
        from = spec + 2;
    if (!(c1 = strchr(from, ':')))
        return; /* an anonymous volume */
    c2 = strchr(c1 + 1, ':');
    if (c2) {
        char mode[64];
        snprintf(mode, sizeof(mode), ",%.*s,", (int)strcspn(c2 + 1, "\n"),
                 c2 + 1);
        ro = strstr(mode, ",ro,") != NULL;
    }
    source = st_arena_strndup(cp->a, spec, (size_t)(c1 - spec));
    target = st_arena_strndup(cp->a, c1 + 1,
                              c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1));
    if (!source || !target) {
        cp->rc = ST_ENOMEM;
        return;
    }
    if (*source)
        mount(cp, workload, n, obj, source, target, ro, is_path(source));
}

static void check_volumes(compose *cp,
                          const st_ynode *svc,
                          const char *workload,
                          const char *obj)
{
    const st_ynode *vols = st_ymap_get(svc, "volumes");

    if (!vols || vols->type != ST_Y_SEQ)
        return;
    for (size_t i = 0; i < vols->n && !cp->rc; i++) {
        const st_ynode *v = vols->kids[i];
        if (v->type == ST_Y_SCALAR) {
            const char *spec = value(cp, v);
            if (spec)
                short_volume(cp, workload, obj, v, spec);
        } else if (v->type == ST_Y_MAP) {
            const char *type = st_ystr(st_ymap_get(v, "type"));
            const char *src = value(cp, st_ymap_get(v, "source"));
            const char *dst = value(cp, st_ymap_get(v, "target"));
            bool ro = st_ybool(st_ymap_get(v, "read_only")) == 1;
            bool bind = type ? !strcmp(type, "bind") : src && is_path(src);
            if (!src || !*src ||
                (type && strcmp(type, "bind") && strcmp(type, "volume")))
                continue; /* tmpfs, npipe, anonymous */
            mount(cp, workload, v, obj, src, dst, ro, bind);
        }
    }
}

/* ---- environment
 * -------------------------------------------------------------- */

static void env_pair(compose *cp,
                     const st_ynode *at,
                     const char *obj,
                     const char *key,
                     size_t klen,
                     const st_ynode *val,
                     const char *raw)
{
    st_cfg_where w = where(cp, at, obj);

    if (!st_cfg__secret_name(key, klen) || !raw || strchr(raw, '$') ||
        (val && !val->len) || !st_cfg__secret_literal(raw))
        return;
    report_rc(cp, st_cfg_report(cp->c, "compose-env-secret", &w,
                                "environment %.*s has a literal value",
                                (int)klen, key));
}

static void check_env(compose *cp, const st_ynode *svc, const char *obj)
{
    const st_ynode *env = st_ymap_get(svc, "environment");

    if (!env)
        return;
    if (env->type == ST_Y_MAP) {
        for (size_t i = 0; i + 1 < env->n; i += 2) {
            const st_ynode *k = env->kids[i], *v = env->kids[i + 1];
            if (v->type == ST_Y_SCALAR)
                env_pair(cp, k, obj, k->s, k->len, v, v->s);
        }
    } else if (env->type == ST_Y_SEQ) {
        for (size_t i = 0; i < env->n; i++) {
            const st_ynode *e = env->kids[i];
            const char *s = st_ystr(e), *eq;
            if (!s || !(eq = strchr(s, '=')))
                continue; /* "NAME" alone passes the caller's value */
            env_pair(cp, e, obj, s, (size_t)(eq - s), NULL, eq + 1);
        }
    }
}

/* ---- the kind ------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static bool yaml_ext(const char *b)
{
    return ends_ci(b, ".yml") || ends_ci(b, ".yaml");
}

/* A top-level key at the start of a line: "services:". */
static bool top_key(const char *head, size_t len, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i + k < len; i++)
        if ((i == 0 || head[i - 1] == '\n') && !memcmp(head + i, key, k) &&
            head[i + k] == ':')
            return true;
    return false;
}

/* After a top-level "services:", the next line that is not blank or a
 * comment is an indented "name:" — a mapping of services, not a list
 * (GitLab CI's services: is a list). */
static bool services_map(const char *head, size_t len)
{
    for (size_t i = 0; i + 9 < len; i++) {
        size_t j;
        if ((i && head[i - 1] != '\n') || memcmp(head + i, "services:", 9))
            continue;
        j = i + 9;
        while (j < len && (head[j] == ' ' || head[j] == '\t'))
            j++;
        if (j < len && head[j] != '\n' && head[j] != '\r' && head[j] != '#')
            return head[j] == '{' && j + 1 < len && head[j + 1] != '}';
        for (;;) {
            size_t ind = 0;
            while (j < len && head[j] != '\n')
                j++;
            if (++j >= len)
                return false;
            while (j + ind < len && head[j + ind] == ' ')
                ind++;
            if (j + ind >= len)
                return false;
            if (head[j + ind] == '\n' || head[j + ind] == '\r' ||
                head[j + ind] == '#')
                continue;
            return ind > 0 && head[j + ind] != '-';
        }
    }
    return false;
}

static bool detect(const char *path, const char *head, size_t len)
{
    const char *b = base_name(path);

    if (!yaml_ext(b) || memchr(head, 0, len))
        return false;
    if (!strncasecmp(b, "docker-compose.", 15) ||
        !strncasecmp(b, "docker-compose-", 15) ||
        !strncasecmp(b, "compose.", 8) || strstr(b, ".compose."))
        return true;
    /* any other YAML file that is a compose file by content */
    return services_map(head, len) && !top_key(head, len, "apiVersion") &&
           !top_key(head, len, "kind");
}

static void service(compose *cp, const st_ynode *key, const st_ynode *svc)
{
    const char *workload = st_arena_printf(cp->a, "service %s", key->s);
    st_cfg_where w = where(cp, key, workload);

    if (!workload) {
        cp->rc = ST_ENOMEM;
        return;
    }
    if (svc->type != ST_Y_MAP) {
        st_cfg_diag(cp->c, cp->path, key->line, "service %s is not a mapping",
                    key->s);
        return;
    }
    report_rc(cp, st_cfg_eval(cp->c, "compose", "service", svc, &w));
    check_image(cp, svc, workload);
    check_ports(cp, svc, workload);
    check_volumes(cp, svc, workload, workload);
    check_env(cp, svc, workload);
}

static int audit(st_cfg_ctx *c, const char *path, const char *data, size_t len)
{
    compose cp;
    st_vec docs = ST_VEC_INIT;
    const char *slash = strrchr(path, '/');
    char *dir;
    int rc;

    memset(&cp, 0, sizeof(cp));
    cp.c = c;
    cp.path = path;
    cp.a = st_cfg_arena(c);
    rc = st_cfg_parse_yaml(c, &docs, path, data, len);
    if (rc == ST_ENOMEM)
        goto done;
    rc = 0; /* a bad stream is a diagnostic; audit what parsed */
    if (!(dir = st_arena_strndup(cp.a, path,
                                 slash ? (size_t)(slash - path) : 0))) {
        rc = ST_ENOMEM;
        goto done;
    }
    cp.dir = dir;
    for (size_t d = 0; d < docs.len && !cp.rc; d++) {
        const st_ynode *doc = docs.items[d];
        const st_ynode *svcs = st_ymap_get(doc, "services");
        const char *name = st_ystr(st_ymap_get(doc, "name"));
        if (!svcs || svcs->type != ST_Y_MAP) {
            if (doc->type == ST_Y_MAP)
                st_cfg_diag(c, path, doc->line,
                            "no services: mapping: not audited as a "
                            "compose file");
            continue;
        }
        cp.volumes = st_ymap_get(doc, "volumes");
        cp.project = name && *name ? name : *dir ? base_name(dir) : ".";
        for (size_t i = 0; i + 1 < svcs->n && !cp.rc; i += 2)
            service(&cp, svcs->kids[i], svcs->kids[i + 1]);
    }
    rc = cp.rc;
done:
    st_vec_release(&docs);
    return rc;
}

const st_cfg_kind st_cfg_kind_compose = {"compose", detect, audit};
