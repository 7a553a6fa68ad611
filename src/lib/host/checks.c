/* Check files: the YAML files of policies/host. Each check is data — id, CIS number,
 * section, severity, title, rationale, remediation — plus the name of a C
 * probe and that probe's arguments. Every key is known: an unknown key,
 * probe or argument is an error naming the file and line, so a typo in a
 * check can never silently disable it. */
#include <stdio.h>
#include <string.h>

#include "host/host_int.h"
#include "util/banned.h"

static const char *const sections[] = {"host",       "lsm",     "daemon",
                                       "files",      "socket",  "containers",
                                       "kubelet",    "packages"};
static const char *const components[] = {"docker", "containerd", "kubelet"};

typedef struct cload {
    const char *name;
    st_error **err;
} cload;

static int cfail(cload *ld, unsigned line, const char *fmt, ...)
    ST_PRINTF(3, 4);
static int cfail(cload *ld, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return st_error_set(ld->err, ST_EINVALID, "host", "%s:%u: %s", ld->name,
                        line, msg);
}

const st_host__probe *st_host__probe_find(const char *name)
{
    for (const st_host__probe *p = st_host__probes; p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

/* Is `key` one of the comma-separated words of `list`? */
static bool in_list(const char *list, const char *key)
{
    size_t k = strlen(key);
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n == k && !strncmp(list, key, k))
            return true;
        list += n + (list[n] == ',');
    }
    return false;
}

static bool one_of(const char *const *set, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(set[i], s))
            return true;
    return false;
}

static bool valid_id(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return false;
    return true;
}

static int text(cload *ld, const st_host__ynode *v, const char *key,
                const char **out)
{
    if (v->type != ST_HOST__Y_SCALAR || !v->len)
        return cfail(ld, v->line, "%s must be a non-empty string", key);
    if (v->len > 4096)
        return cfail(ld, v->line, "%s is longer than 4096 bytes", key);
    *out = v->s;
    return 0;
}

static int one_check(cload *ld, st_host__check *c, const st_host__ynode *m)
{
    const char *probe = NULL, *sev = NULL;
    int rc = 0;

    if (m->type != ST_HOST__Y_MAP)
        return cfail(ld, m->line, "a check must be a mapping");
    c->file = ld->name;
    c->line = m->line;
    c->r.status = ST_HOST_NOT_RUN;
    c->r.evidence = "";
    /* the probe first: it says which other keys are arguments */
    for (size_t i = 0; i + 1 < m->n; i += 2)
        if (!strcmp(m->kids[i]->s, "probe"))
            ST_CHECK(text(ld, m->kids[i + 1], "probe", &probe));
    if (!probe)
        return cfail(ld, m->line, "a check without a probe");
    if (!(c->probe = st_host__probe_find(probe)))
        return cfail(ld, m->line, "unknown probe \"%s\"", probe);
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const char *k = m->kids[i]->s;
        const st_host__ynode *v = m->kids[i + 1];
        unsigned line = m->kids[i]->line;
        if (!strcmp(k, "probe"))
            continue;
        if (!strcmp(k, "id")) {
            ST_CHECK(text(ld, v, k, &c->r.id));
            if (!valid_id(c->r.id))
                return cfail(ld, line, "id \"%s\": use a-z, 0-9 and '-'",
                             c->r.id);
        } else if (!strcmp(k, "cis")) {
            ST_CHECK(text(ld, v, k, &c->r.cis));
            if (!st_str_startswith(c->r.cis, "cis-docker:") &&
                !st_str_startswith(c->r.cis, "cis-k8s:"))
                return cfail(ld, line,
                             "cis \"%s\": expected cis-docker:N or cis-k8s:N",
                             c->r.cis);
        } else if (!strcmp(k, "section")) {
            ST_CHECK(text(ld, v, k, &c->r.section));
            if (!one_of(sections, sizeof(sections) / sizeof(*sections),
                        c->r.section))
                return cfail(ld, line, "unknown section \"%s\"",
                             c->r.section);
        } else if (!strcmp(k, "title")) {
            ST_CHECK(text(ld, v, k, &c->r.title));
        } else if (!strcmp(k, "rationale")) {
            ST_CHECK(text(ld, v, k, &c->r.rationale));
        } else if (!strcmp(k, "remediation")) {
            ST_CHECK(text(ld, v, k, &c->r.remediation));
        } else if (!strcmp(k, "severity")) {
            st_host_severity s;
            ST_CHECK(text(ld, v, k, &sev));
            if (st_host_severity_parse(&s, sev) < 0)
                return cfail(ld, line, "unknown severity \"%s\"", sev);
            c->r.severity = s;
        } else if (!strcmp(k, "requires")) {
            ST_CHECK(text(ld, v, k, &c->requires));
            if (!one_of(components, sizeof(components) / sizeof(*components),
                        c->requires))
                return cfail(ld, line, "unknown component \"%s\"",
                             c->requires);
        } else if (in_list(c->probe->args, k)) {
            if (c->nargs == ST_HOST__MAX_ARGN)
                return cfail(ld, line, "too many arguments");
            if (v->type == ST_HOST__Y_MAP)
                return cfail(ld, v->line, "argument %s: a mapping", k);
            for (size_t j = 0; v->type == ST_HOST__Y_SEQ && j < v->n; j++)
                if (v->kids[j]->type != ST_HOST__Y_SCALAR)
                    return cfail(ld, v->kids[j]->line,
                                 "argument %s: a list of strings", k);
            c->argk[c->nargs] = k;
            c->argv[c->nargs++] = v;
        } else {
            return cfail(ld, line, "unknown key \"%s\" (probe %s takes: %s)",
                         k, probe, *c->probe->args ? c->probe->args : "none");
        }
    }
    if (!c->r.id)
        return cfail(ld, m->line, "a check without an id");
    if (!c->r.title || !c->r.section || !sev || !c->r.remediation ||
        !c->r.rationale)
        return cfail(ld, m->line,
                     "check %s: title, section, severity, rationale and "
                     "remediation are required",
                     c->r.id);
    for (const char *r = c->probe->required; r && *r;) {
        char key[64];
        size_t n = strcspn(r, ",");
        snprintf(key, sizeof(key), "%.*s", (int)n, r);
        if (!st_host__argn(c, key))
            return cfail(ld, m->line, "check %s: probe %s needs \"%s\"",
                         c->r.id, probe, key);
        r += n + (r[n] == ',');
    }
done:
    return rc;
}

int st_host__checks_parse(st_vec *checks, st_map *seen, st_arena *a,
                          const char *data, size_t len, const char *name,
                          st_error **err)
{
    cload ld = {name, err};
    st_host__ynode *root = NULL, *list;
    int rc;

    if ((rc = st_host__yaml_parse(&root, a, data, len, name, err)) < 0)
        return rc;
    if (!root || root->type != ST_HOST__Y_MAP)
        return cfail(&ld, root ? root->line : 1,
                     "expected a mapping with \"checks\"");
    for (size_t i = 0; i + 1 < root->n; i += 2)
        if (strcmp(root->kids[i]->s, "checks"))
            return cfail(&ld, root->kids[i]->line, "unknown key \"%s\"",
                         root->kids[i]->s);
    list = st_host__ymap(root, "checks");
    if (!list || list->type != ST_HOST__Y_SEQ)
        return cfail(&ld, list ? list->line : root->line,
                     "\"checks\" must be a list");
    for (size_t i = 0; i < list->n; i++) {
        st_host__check *c = st_arena_alloc(a, sizeof(*c));
        void **slot;
        bool created;
        if (!c)
            return st_error_set(err, ST_ENOMEM, "host", "out of memory");
        if ((rc = one_check(&ld, c, list->kids[i])) < 0)
            return rc;
        if (st_map_slot(seen, c->r.id, strlen(c->r.id), &slot, &created) < 0)
            return st_error_set(err, ST_ENOMEM, "host", "out of memory");
        if (!created)
            return cfail(&ld, c->line, "duplicate check id \"%s\"", c->r.id);
        *slot = c;
        if (st_vec_push(checks, c) < 0)
            return st_error_set(err, ST_ENOMEM, "host", "out of memory");
    }
    return 0;
}

const st_host__ynode *st_host__argn(const st_host__check *c, const char *key)
{
    for (size_t i = 0; i < c->nargs; i++)
        if (!strcmp(c->argk[i], key))
            return c->argv[i];
    return NULL;
}

const char *st_host__arg(const st_host__check *c, const char *key)
{
    const st_host__ynode *n = st_host__argn(c, key);
    return n && n->type == ST_HOST__Y_SCALAR ? n->s : NULL;
}

void st_host__set(st_host__out *o, st_host_status s, const char *fmt, ...)
{
    va_list ap;
    o->status = s;
    st_buf_reset(&o->evidence);
    va_start(ap, fmt);
    st_buf_vprintf(&o->evidence, fmt, ap);
    va_end(ap);
}

void st_host__add(st_host__out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->evidence.len)
        st_buf_puts(&o->evidence, "; ");
    va_start(ap, fmt);
    st_buf_vprintf(&o->evidence, fmt, ap);
    va_end(ap);
}
