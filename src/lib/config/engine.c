/* The configuration audit engine: loads the checks, walks the paths, hands
 * each file to the kind that claims it, and turns the kinds' reports into
 * findings (config_int.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/engine_int.h"
#include "secrets/secrets.h"
#include "util/banned.h"

extern const st_embedded_file st_config_builtin_policies[];

#define HEAD_BYTES (64u << 10) /* what detect() sees */
#define SCRATCH_MAX (4u << 20)  /* parsed documents kept before a free */

static const char *const scope_names[] = {"document", "pod", "container",
                                          "any-container", "service"};
#define N_SCOPES (sizeof(scope_names) / sizeof(*scope_names))

static const st_cfg_kind *const kinds[] = {
#define ST_CFG_KIND(n) &st_cfg_kind_##n,
#include "config/kinds.def"
#undef ST_CFG_KIND
};
#define N_KINDS (sizeof(kinds) / sizeof(*kinds))

/* ---- loading the checks ----------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_file(st_cfg_policy *p, const char *path, st_error **err)
{
    st_buf b = ST_BUF_INIT(ST_CFG__MAX_POLICY_BYTES);
    int rc = st_read_file(&b, path, ST_CFG__MAX_POLICY_BYTES, err);
    if (rc == 0) {
        char *name = st_arena_strdup(p->a, path);
        rc = name ? st_cfg__policy_load(p, name, b.ptr, b.len, false, err)
                  : st_error_set(err, ST_ENOMEM, "config", "out of memory");
    } else {
        st_error_wrap(err, "policy %s", path);
    }
    st_buf_release(&b);
    return rc;
}

/* A policy directory: its *.yaml and *.yml files, in name order (not
 * recursive). */
static int load_dir(st_cfg_policy *p, const char *dir, st_error **err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    st_vec names = ST_VEC_INIT;
    int rc = 0;

    if (!d)
        return st_error_set(err, ST_EIO, "config", "policy %s: %s", dir,
                            strerror(errno));
    while ((e = readdir(d))) {
        char *n;
        if (e->d_name[0] == '.' || !(st_str_endswith(e->d_name, ".yaml") ||
                                     st_str_endswith(e->d_name, ".yml")))
            continue;
        if (!(n = st_arena_printf(p->a, "%s/%s", dir, e->d_name)) ||
            st_vec_push(&names, n) < 0) {
            rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
            goto done;
        }
    }
    if (names.len)
        qsort(names.items, names.len, sizeof(void *), cmp_name);
    for (size_t i = 0; i < names.len; i++) {
        struct stat st;
        if (stat(names.items[i], &st) == 0 && !S_ISREG(st.st_mode))
            continue;
        ST_CHECK(load_file(p, names.items[i], err));
    }
done:
    closedir(d);
    st_vec_release(&names);
    return rc;
}

static int load_policies(st_cfg_policy *p, const st_config_options *o,
                         st_error **err)
{
    int rc = 0;
    if (!o->no_builtin)
        for (const st_embedded_file *f = st_config_builtin_policies; f->name;
             f++)
            ST_CHECK(st_cfg__policy_load(p, f->name, f->data, f->len, true,
                                         err));
    for (size_t i = 0; i < o->policy_count; i++) {
        struct stat st;
        const char *path = o->policies[i];
        if (!path || stat(path, &st) < 0) {
            rc = st_error_set(err, ST_ENOTFOUND, "config",
                              "policy %s: %s", path ? path : "(null)",
                              strerror(errno));
            goto done;
        }
        ST_CHECK(S_ISDIR(st.st_mode) ? load_dir(p, path, err)
                                     : load_file(p, path, err));
    }
done:
    return rc;
}

/* --skip-check and --severity: every id must name a loaded check. */
static int apply_options(st_cfg_policy *p, const st_config_options *o,
                         st_error **err)
{
    for (size_t i = 0; i < o->skip_check_count; i++) {
        st_cfg_check *k = st_cfg__policy_find(p, o->skip_checks[i]);
        if (!k)
            return st_error_set(err, ST_EUSAGE, "config",
                                "skip: no check \"%s\"", o->skip_checks[i]);
        k->pub.enabled = 0;
    }
    for (size_t i = 0; i < o->severity_count; i++) {
        const char *s = o->severities[i], *eq = strchr(s, '='), *canon;
        char id[80];
        st_cfg_check *k;
        if (!eq || eq == s || (size_t)(eq - s) >= sizeof(id))
            return st_error_set(err, ST_EUSAGE, "config",
                                "severity \"%s\": expected ID=SEVERITY", s);
        memcpy(id, s, (size_t)(eq - s));
        id[eq - s] = 0;
        if (!(k = st_cfg__policy_find(p, id)))
            return st_error_set(err, ST_EUSAGE, "config",
                                "severity: no check \"%s\"", id);
        if (st_cfg__severity(eq + 1, &canon) < 0)
            return st_error_set(err, ST_EUSAGE, "config",
                                "severity \"%s\": unknown severity (CRITICAL, "
                                "HIGH, MEDIUM, LOW, INFO)", s);
        k->pub.severity = canon;
    }
    return 0;
}

static int check_options(const st_config_options *o, st_error **err)
{
    if (o->version != ST_CONFIG_OPTIONS_VERSION)
        return st_error_set(err, ST_EUSAGE, "config",
                            "config options version %u, want %u", o->version,
                            ST_CONFIG_OPTIONS_VERSION);
    return 0;
}

/* ---- the context ------------------------------------------------------ */

int st_cfg_ctx_new(st_cfg_ctx **out, st_result *r,
                   const st_config_options *o, st_error **err)
{
    static const st_config_options defaults = ST_CONFIG_OPTIONS_INIT;
    st_cfg_ctx *c = NULL;
    const char **trusted = NULL;
    int rc = 0;

    *out = NULL;
    if (!o)
        o = &defaults;
    ST_CHECK(check_options(o, err));
    if (!(c = st_calloc(1, sizeof(*c))))
        return st_error_set(err, ST_ENOMEM, "config", "out of memory");
    c->r = r;
    c->a = r->arena;
    c->no_builtin = o->no_builtin != 0;
    c->origin = ST_ORIGIN_FILE;
    c->max_file = o->max_file_bytes ? (size_t)o->max_file_bytes
                                    : ST_CFG__MAX_FILE;
    if (st_cfg__policy_init(&c->policy, c->a) < 0) {
        rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
        goto done;
    }
    ST_CHECK(load_policies(&c->policy, o, err));
    ST_CHECK(apply_options(&c->policy, o, err));
    if (o->trusted_registry_count) {
        trusted = st_arena_alloc(c->a, o->trusted_registry_count *
                                           sizeof(*trusted));
        if (!trusted) {
            rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
            goto done;
        }
        for (size_t i = 0; i < o->trusted_registry_count; i++)
            if (!(trusted[i] = st_arena_strdup(c->a,
                                               o->trusted_registries[i]))) {
                rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
                goto done;
            }
        c->trusted = trusted;
        c->trusted_count = o->trusted_registry_count;
    }
    for (size_t i = 0; i < c->policy.checks.len; i++) {
        st_cfg_check *k = c->policy.checks.items[i];
        if (!k->deny || !k->pub.enabled)
            continue;
        for (size_t s = 0; s < N_SCOPES; s++)
            if (!strcmp(k->pub.scope, scope_names[s]) &&
                st_vec_push(&c->by_scope[s], k) < 0) {
                rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
                goto done;
            }
    }
    *out = st_steal(&c);
done:
    st_cfg_ctx_free(c);
    return rc;
}

int st_cfg_ctx_finish(st_cfg_ctx *c)
{
    int rc = 0;
    /* the category of the findings across files */
    c->kind = "kubernetes";
    ST_CHECK(st_cfg__k8s_finish(c));
    c->kind = "storage";
    ST_CHECK(st_cfg__storage_finish(c));
    c->kind = NULL;
    if (c->oom)
        rc = ST_ENOMEM;
done:
    return rc;
}

const struct st_secret_rules *st_cfg_secret_rules(st_cfg_ctx *c)
{
    st_error *err = NULL;

    if (c->secret_rules || c->secret_rules_failed)
        return c->secret_rules;
    if (!(c->secret_rules = st_secret_rules_new()) ||
        st_secret_rules_add(c->secret_rules, "rules/secrets.yaml",
                            st_secret_builtin_yaml,
                            st_secret_builtin_yaml_len, &err) < 0 ||
        st_secret_rules_compile(c->secret_rules, &err) < 0) {
        st_cfg_diag(c, NULL, 0, "secret rules unavailable: %s",
                    err ? st_error_message(err) : "out of memory");
        st_error_free(err);
        st_secret_rules_free(c->secret_rules);
        c->secret_rules = NULL;
        c->secret_rules_failed = true;
    }
    return c->secret_rules;
}

void st_cfg_ctx_free(st_cfg_ctx *c)
{
    if (!c)
        return;
    st_cfg__k8s_free(c);
    for (size_t s = 0; s < N_SCOPES; s++)
        st_vec_release(&c->by_scope[s]);
    st_vec_release(&c->mounts);
    st_map_free(c->unknown);
    st_secret_rules_free(c->secret_rules);
    st_arena_free(c->scratch);
    st_cfg__policy_release(&c->policy);
    st_free(c);
}

st_arena *st_cfg_arena(st_cfg_ctx *c)
{
    return c->a;
}

void st_cfg_set_origin(st_cfg_ctx *c, st_finding_origin origin)
{
    c->origin = origin;
}

const char *const *st_cfg_trusted_registries(st_cfg_ctx *c, size_t *n)
{
    *n = c->trusted_count;
    return c->trusted;
}

bool st_cfg_enabled(st_cfg_ctx *c, const char *id)
{
    const st_cfg_check *k = st_cfg__policy_find(&c->policy, id);
    return k && k->pub.enabled;
}

/* ---- diagnostics and findings ----------------------------------------- */

static void diag(st_cfg_ctx *c, st_diag_level level, const char *path,
                 const char *msg)
{
    st_diagnostic *d = st_arena_alloc(c->a, sizeof(*d));
    if (!d || !(d->message = st_arena_strdup(c->a, msg)) ||
        (path && !(d->path = st_arena_strdup(c->a, path))) ||
        st_vec_push(&c->r->diags, d) < 0) {
        c->oom = 1;
        return;
    }
    d->level = level;
    d->analyzer = "config";
    d->layer_index = -1;
}

void st_cfg_diag(st_cfg_ctx *c, const char *path, unsigned line,
                 const char *fmt, ...)
{
    char msg[512];
    size_t n = 0;
    va_list ap;
    if (line)
        n = (size_t)snprintf(msg, sizeof(msg), "line %u: ", line);
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    va_end(ap);
    diag(c, ST_DIAG_WARNING, path, msg);
}

/* Strings a kind passes may be its own temporaries: copy them, once per
 * run of equal strings (findings come file by file, object by object). */
static const char *keep(st_cfg_ctx *c, const char *s, const char **last)
{
    if (!s)
        return NULL;
    if (*last && !strcmp(*last, s))
        return *last;
    *last = st_arena_strdup(c->a, s);
    return *last;
}

static int add_finding(st_cfg_ctx *c, const st_cfg_check *k,
                       const st_cfg_where *w, const char *detail)
{
    st_finding *f;

    if (!(f = st_result__add_finding(c->r)))
        goto oom;
    f->kind = ST_FINDING_CONFIG;
    f->id = k->pub.id;
    f->category = c->kind ? c->kind : "config";
    f->title = k->pub.title;
    f->severity = k->pub.severity;
    f->origin = c->origin;
    f->line = w->line;
    f->column = w->column;
    f->remediation = k->pub.remediation;
    f->tags = k->pub.tags;
    f->tag_count = k->pub.tag_count;
    if ((w->path && !(f->path = keep(c, w->path, &c->last_path))) ||
        (w->object && !(f->object = keep(c, w->object, &c->last_object))) ||
        (detail && !(f->detail = st_arena_strdup(c->a, detail))))
        goto oom;
    return 0;
oom:
    c->oom = 1;
    return ST_ENOMEM;
}

int st_cfg_report(st_cfg_ctx *c, const char *id, const st_cfg_where *w,
                  const char *fmt, ...)
{
    st_cfg_check *k = st_cfg__policy_find(&c->policy, id);
    char detail[1024];
    va_list ap;

    if (!k) {
        /* a kind names a check no policy defines: a defect, said once;
         * without the built-in policies, the normal case */
        if (c->no_builtin)
            return 0;
        void **slot;
        bool created;
        if (!c->unknown && !(c->unknown = st_map_new()))
            return ST_ENOMEM;
        if (st_map_slot(c->unknown, id, strlen(id), &slot, &created) < 0)
            return ST_ENOMEM;
        if (created) {
            char msg[160];
            snprintf(msg, sizeof(msg), "no check \"%.80s\" is loaded: its "
                     "findings are dropped", id);
            diag(c, ST_DIAG_INFO, NULL, msg);
        }
        return 0;
    }
    if (!k->pub.enabled)
        return 0;
    detail[0] = 0;
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    return add_finding(c, k, w, detail[0] ? detail : NULL);
}

/* ---- predicates ------------------------------------------------------- */

static int scope_index(const char *scope)
{
    for (size_t s = 0; s < N_SCOPES; s++)
        if (!strcmp(scope, scope_names[s]))
            return (int)s;
    return -1;
}

/* "securityContext.privileged: true", "SYS_ADMIN" — what was found. */
static void blame_text(char *out, size_t size, const st_cfg_blame *b)
{
    out[0] = 0;
    if (!b->at)
        return;
    if (b->at != b->value && b->at->type == ST_Y_SCALAR) {
        if (b->value && b->value->type == ST_Y_SCALAR)
            snprintf(out, size, "%.100s: %.200s", b->at->s,
                     b->value->len ? b->value->s : "\"\"");
        else
            snprintf(out, size, "%.100s", b->at->s);
    } else if (b->value && b->value->type == ST_Y_SCALAR) {
        snprintf(out, size, "%.200s", b->value->s);
    }
}

int st_cfg__eval(st_cfg_ctx *c, const char *kind, const char *scope,
                 const st_cfg_evalctx *e, const st_cfg_where *w)
{
    int s = scope_index(scope);
    const st_vec *v;

    if (s < 0 || !e->self)
        return 0;
    v = &c->by_scope[s];
    for (size_t i = 0; i < v->len; i++) {
        const st_cfg_check *k = v->items[i];
        st_cfg_blame b;
        st_cfg_where at = *w;
        char detail[320];
        if (!st_cfg__check_applies(k, kind, scope) ||
            !st_cfg__check_eval(k, e, &b))
            continue;
        if (b.at) {
            at.line = b.at->line;
            at.column = b.at->column;
        } else if (!at.line) {
            at.line = e->self->line;
            at.column = e->self->column;
        }
        blame_text(detail, sizeof(detail), &b);
        if (add_finding(c, k, &at, detail[0] ? detail : NULL) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

int st_cfg_eval(st_cfg_ctx *c, const char *kind, const char *scope,
                const st_ynode *node, const st_cfg_where *w)
{
    st_cfg_evalctx e = {node, NULL, NULL};
    return st_cfg__eval(c, kind, scope, &e, w);
}

int st_cfg_parse_yaml(st_cfg_ctx *c, st_vec *docs, const char *path,
                      const char *data, size_t len)
{
    st_yaml_limits lim = {c->max_file, 64, 1000000, 100000};
    st_yaml_error e;
    int rc = st_yaml_parse(docs, c->scratch ? c->scratch : c->a, data, len,
                           &lim, &e);
    if (rc == ST_ENOMEM) {
        c->oom = 1;
    } else if (rc < 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "line %u, column %u: %s", e.line,
                 e.column, e.msg);
        diag(c, ST_DIAG_WARNING, path, msg);
    }
    return rc;
}

/* ---- files and directories -------------------------------------------- */

static int read_fd(int fd, st_buf *b, size_t want)
{
    while (b->len < want) {
        ssize_t n;
        if (st_buf_grow(b, want - b->len) < 0)
            return ST_ENOMEM;
        n = read(fd, b->ptr + b->len, want - b->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ST_EIO;
        if (n == 0)
            break;
        b->len += (size_t)n;
        b->ptr[b->len] = 0;
    }
    return 0;
}

/* Audits one file; `named` when the caller named it (an unclaimed file is
 * then worth a note, and a symbolic link is followed). */
static int audit_file(st_cfg_ctx *c, const char *path, bool named)
{
    st_buf b = ST_BUF_INIT(SIZE_MAX / 2);
    const st_cfg_kind *kind = NULL;
    struct stat st;
    int fd, rc = 0;
    size_t head;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
                        (named ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        st_cfg_diag(c, path, 0, "cannot open: %s", strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        goto done; /* a FIFO or device placed where a file was */
    c->r->stats.entries++;
    head = (size_t)st.st_size < HEAD_BYTES ? (size_t)st.st_size : HEAD_BYTES;
    if ((rc = read_fd(fd, &b, head)) < 0)
        goto bad_read;
    for (size_t i = 0; i < N_KINDS && !kind; i++)
        if (kinds[i]->detect(path, b.ptr, b.len))
            kind = kinds[i];
    if (!kind) {
        if (named)
            diag(c, ST_DIAG_INFO, path, "not a Dockerfile, Kubernetes "
                 "manifest or compose file: not audited");
        goto done;
    }
    if ((uint64_t)st.st_size > c->max_file) {
        char msg[160];
        snprintf(msg, sizeof(msg), "larger than %zu bytes: not audited",
                 c->max_file);
        diag(c, ST_DIAG_WARNING, path, msg);
        goto done;
    }
    /* the file may have grown since fstat: read at most the limit */
    if ((rc = read_fd(fd, &b, c->max_file + 1)) < 0)
        goto bad_read;
    if (b.len > c->max_file) {
        st_cfg_diag(c, path, 0, "larger than %zu bytes: not audited",
                    c->max_file);
        goto done;
    }
    /* the file's parsed documents live in a scratch arena, freed once it
     * holds a few MiB (not after every file: that churns malloc) */
    if (!c->scratch && !(c->scratch = st_arena_new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    c->kind = kind->name;
    c->r->stats.files_read++;
    rc = kind->audit(c, path, b.ptr, b.len);
    c->kind = NULL;
    if (st_arena_size(c->scratch) > SCRATCH_MAX) {
        st_arena_free(c->scratch);
        c->scratch = NULL;
    }
    if (rc == ST_ENOMEM)
        goto done;
    rc = 0; /* a kind's other failures are its file's problem */
    goto done;
bad_read:
    if (rc == ST_EIO) {
        st_cfg_diag(c, path, 0, "cannot read: %s", strerror(errno));
        rc = 0;
    }
done:
    close(fd);
    st_buf_release(&b);
    return rc;
}

static bool skipped_dir(const char *name)
{
    return !strcmp(name, ".git") || !strcmp(name, "node_modules");
}

static int walk_dir(st_cfg_ctx *c, const char *dir, unsigned depth)
{
    DIR *d;
    struct dirent *e;
    st_vec names = ST_VEC_INIT;
    st_buf path = ST_BUF_INIT(1u << 16);
    int rc = 0;

    if (depth > ST_CFG__MAX_DIR_DEPTH) {
        st_cfg_diag(c, dir, 0, "nested deeper than %d directories: not "
                    "walked", ST_CFG__MAX_DIR_DEPTH);
        return 0;
    }
    if (!(d = opendir(dir))) {
        st_cfg_diag(c, dir, 0, "cannot open: %s", strerror(errno));
        return 0;
    }
    while ((e = readdir(d))) {
        char *n;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            skipped_dir(e->d_name))
            continue;
        if (!(n = st_strdup(e->d_name)) || st_vec_push(&names, n) < 0) {
            st_free(n);
            rc = ST_ENOMEM;
            goto done;
        }
    }
    if (names.len)
        qsort(names.items, names.len, sizeof(void *), cmp_name);
    for (size_t i = 0; i < names.len; i++) {
        struct stat st;
        st_buf_reset(&path);
        /* "." names its files without "./" */
        if (st_buf_printf(&path, "%s%s%s", strcmp(dir, ".") ? dir : "",
                          !strcmp(dir, ".") || st_str_endswith(dir, "/")
                              ? ""
                              : "/",
                          (char *)names.items[i]) < 0) {
            st_cfg_diag(c, dir, 0, "a path too long: not walked");
            continue;
        }
        if (lstat(path.ptr, &st) < 0)
            continue; /* gone since readdir */
        if (S_ISDIR(st.st_mode))
            ST_CHECK(walk_dir(c, path.ptr, depth + 1));
        else if (S_ISREG(st.st_mode))
            ST_CHECK(audit_file(c, path.ptr, false));
        /* symbolic links, sockets, devices: never followed or read */
    }
done:
    closedir(d);
    for (size_t i = 0; i < names.len; i++)
        st_free(names.items[i]);
    st_vec_release(&names);
    st_buf_release(&path);
    return rc;
}

int st_config_scan(st_result **out, const char *const *paths, size_t n,
                   const st_config_options *o, st_error **err)
{
    st_result *r = NULL;
    st_cfg_ctx *c = NULL;
    int rc = 0;

    if (!out)
        return st_error_set(err, ST_EUSAGE, "config", "no result pointer");
    *out = NULL;
    if (!(r = st_result__new()))
        return st_error_set(err, ST_ENOMEM, "config", "out of memory");
    /* an empty graph still says "this result has a storage graph" */
    if (!(r->storage = st_arena_alloc(r->arena, sizeof(*r->storage)))) {
        rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
        goto done;
    }
    ST_CHECK(st_cfg_ctx_new(&c, r, o, err));
    /* what was audited, for the report's header */
    r->image.source = "config";
    {
        st_buf b = ST_BUF_INIT(1u << 16);
        for (size_t i = 0; i < n && b.len < 4096; i++)
            if (paths[i])
                st_buf_printf(&b, "%s%s", i ? " " : "", paths[i]);
        r->image.ref = st_arena_strdup(r->arena, b.ptr);
        st_buf_release(&b);
        if (!r->image.ref) {
            rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        const char *p = paths[i];
        if (!p || stat(p, &st) < 0) {
            rc = st_error_set(err, ST_ENOTFOUND, "config", "%s: %s",
                              p ? p : "(null)", strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode))
            rc = walk_dir(c, p, 0);
        else
            rc = audit_file(c, p, true);
        if (rc < 0) {
            st_error_set(err, rc, "config", "%s: %s", p, st_strerror(rc));
            goto done;
        }
    }
    if ((rc = st_cfg_ctx_finish(c)) < 0 || (rc = st_result__finish(r)) < 0) {
        st_error_set(err, rc, "config", "%s", st_strerror(rc));
        goto done;
    }
    *out = st_steal(&r);
done:
    st_cfg_ctx_free(c);
    st_result_free(r);
    return rc;
}

/* ---- listing the checks ----------------------------------------------- */

struct st_config_checks {
    st_arena *a;
    st_cfg_policy p;
    st_vec sorted; /* st_cfg_check * */
};

static int cmp_check(const void *a, const void *b)
{
    const st_cfg_check *x = *(const st_cfg_check *const *)a;
    const st_cfg_check *y = *(const st_cfg_check *const *)b;
    return strcmp(x->pub.id, y->pub.id);
}

int st_config_list_checks(st_config_checks **out, const st_config_options *o,
                          st_error **err)
{
    static const st_config_options defaults = ST_CONFIG_OPTIONS_INIT;
    st_config_checks *l = NULL;
    int rc = 0;

    if (!out)
        return st_error_set(err, ST_EUSAGE, "config", "no list pointer");
    *out = NULL;
    if (!o)
        o = &defaults;
    ST_CHECK(check_options(o, err));
    if (!(l = st_calloc(1, sizeof(*l))) || !(l->a = st_arena_new()) ||
        st_cfg__policy_init(&l->p, l->a) < 0) {
        rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
        goto done;
    }
    ST_CHECK(load_policies(&l->p, o, err));
    ST_CHECK(apply_options(&l->p, o, err));
    for (size_t i = 0; i < l->p.checks.len; i++)
        if (st_vec_push(&l->sorted, l->p.checks.items[i]) < 0) {
            rc = st_error_set(err, ST_ENOMEM, "config", "out of memory");
            goto done;
        }
    st_vec_sort(&l->sorted, cmp_check);
    *out = st_steal(&l);
done:
    st_config_checks_free(l);
    return rc;
}

size_t st_config_checks_count(const st_config_checks *l)
{
    return l ? l->sorted.len : 0;
}

const st_config_check *st_config_checks_get(const st_config_checks *l,
                                            size_t i)
{
    if (!l || i >= l->sorted.len)
        return NULL;
    return &((const st_cfg_check *)l->sorted.items[i])->pub;
}

void st_config_checks_free(st_config_checks *l)
{
    if (!l)
        return;
    st_vec_release(&l->sorted);
    if (l->a)
        st_cfg__policy_release(&l->p);
    st_arena_free(l->a);
    st_free(l);
}
