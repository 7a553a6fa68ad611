/* Rule files: YAML items into definitions, with Falco's semantics for
 * redefinition (in place), `append: true`, `override:` and `enabled`-only
 * items; and the public side of the engine (rules.h).
 *
 * Definitions keep their text: conditions are parsed and compiled only by
 * st_rules_compile, when every file is in, because a macro or list may be
 * appended to by a later file. Their strings live in the rule set's
 * arena. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "monitor/rules_int.h"
#include "util/yaml.h"

#include "util/banned.h"

#define MODULE "monitor"

extern const st_embedded_file st_monitor_builtin_rules[];

/* ---- priorities --------------------------------------------------------- */

static const char *const prio_names[] = {
    "EMERGENCY", "ALERT",  "CRITICAL",      "ERROR",
    "WARNING",   "NOTICE", "INFORMATIONAL", "DEBUG",
};

const char *st_rule_priority_name(st_rule_priority p)
{
    switch (p) {
    case ST_PRIO_EMERGENCY:
        return "EMERGENCY";
    case ST_PRIO_ALERT:
        return "ALERT";
    case ST_PRIO_CRITICAL:
        return "CRITICAL";
    case ST_PRIO_ERROR:
        return "ERROR";
    case ST_PRIO_WARNING:
        return "WARNING";
    case ST_PRIO_NOTICE:
        return "NOTICE";
    case ST_PRIO_INFORMATIONAL:
        return "INFORMATIONAL";
    case ST_PRIO_DEBUG:
        return "DEBUG";
    }
    return "UNKNOWN";
}

bool st_rule_priority_parse(const char *s, st_rule_priority *out)
{
    static const st_rule_priority values[] = {
        ST_PRIO_EMERGENCY, ST_PRIO_ALERT,  ST_PRIO_CRITICAL,      ST_PRIO_ERROR,
        ST_PRIO_WARNING,   ST_PRIO_NOTICE, ST_PRIO_INFORMATIONAL, ST_PRIO_DEBUG,
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        if (!strcasecmp(s, prio_names[i])) {
            *out = values[i];
            return true;
        }
    }
    if (!strcasecmp(s, "info")) {
        *out = ST_PRIO_INFORMATIONAL;
        return true;
    }
    return false;
}

/* ---- the rule set ------------------------------------------------------- */

static void release_row(st_rdef_val *row)
{
    if (row->list)
        for (size_t i = 0; i < row->items.len; i++)
            st_vec_release(&((st_rdef_val *)row->items.items[i])->items);
    st_vec_release(&row->items);
}

static void release_exception(st_rdef_exc *e)
{
    if (!e)
        return;
    st_vec_release(&e->fields);
    st_vec_release(&e->comps);
    for (size_t k = 0; k < e->values.len; k++)
        release_row(e->values.items[k]);
    st_vec_release(&e->values);
}

static void release_exceptions(st_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        release_exception(v->items[i]);
    st_vec_release(v);
}

int st_rules_new(st_rules **out, st_error **err)
{
    st_rules *r = st_calloc(1, sizeof(*r));
    *out = NULL;
    if (!r || !(r->a = st_arena_new()) || !(r->list_by_name = st_map_new()) ||
        !(r->macro_by_name = st_map_new()) ||
        !(r->rule_by_name = st_map_new())) {
        st_rules_free(r);
        return st_error_set(err, ST_ENOMEM, MODULE, "out of memory");
    }
    *out = r;
    return 0;
}

void st_rules_free(st_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->lists.len; i++) {
        st_rdef_list *l = r->lists.items[i];
        st_vec_release(&l->items);
        st_vec_release(&l->flat);
    }
    for (size_t i = 0; i < r->rules.len; i++) {
        st_rdef_rule *d = r->rules.items[i];
        st_vec_release(&d->tags);
        release_exceptions(&d->exceptions);
    }
    st_vec_release(&r->lists);
    st_vec_release(&r->macros);
    st_vec_release(&r->rules);
    st_vec_release(&r->crules);
    st_vec_release(&r->skips);
    for (int t = 0; t < ST_EV__COUNT; t++)
        st_free(r->by_type[t]);
    st_free(r->skip_arr);
    st_map_free(r->list_by_name);
    st_map_free(r->macro_by_name);
    st_map_free(r->rule_by_name);
    st_arena_free(r->a);
    st_free(r);
}

/* ---- loading ------------------------------------------------------------ */

typedef struct ld {
    st_rules *r;
    const char *name; /* the file, in the arena */
    st_error **err;
} ld;

static int fail(ld *l, unsigned line, const char *fmt, ...) ST_PRINTF(3, 4);
static int fail(ld *l, unsigned line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return st_error_set(l->err, ST_EINVALID, MODULE, "%s:%u: %s", l->name, line,
                        msg);
}

static int oom(ld *l)
{
    return st_error_set(l->err, ST_ENOMEM, MODULE, "%s: out of memory",
                        l->name);
}

static char *dup(ld *l, const char *s)
{
    return st_arena_strdup(l->r->a, s);
}

/* A string value: a scalar (an empty one is ""). */
static int str_of(ld *l,
                  const char *what,
                  const char *item,
                  const st_ynode *n,
                  const char **out)
{
    if (n->type != ST_Y_SCALAR)
        return fail(l, n->line, "%s: '%s' must be a string", item, what);
    if (!(*out = dup(l, n->s)))
        return oom(l);
    return 0;
}

/* A list of strings (a scalar is refused; null is empty). */
static int strs_of(
    ld *l, const char *what, const char *item, const st_ynode *n, st_vec *out)
{
    if (n->type == ST_Y_SCALAR && n->plain &&
        (!n->s[0] || !strcmp(n->s, "null") || !strcmp(n->s, "~")))
        return 0;
    if (n->type != ST_Y_SEQ)
        return fail(l, n->line, "%s: '%s' must be a list", item, what);
    for (size_t i = 0; i < n->n; i++) {
        const char *s;
        int rc;
        if (n->kids[i]->type != ST_Y_SCALAR)
            return fail(l, n->kids[i]->line,
                        "%s: the items of '%s' must be strings", item, what);
        if ((rc = str_of(l, what, item, n->kids[i], &s)) < 0)
            return rc;
        if (st_vec_push(out, (void *)s) < 0)
            return oom(l);
    }
    return 0;
}

static int
bool_of(ld *l, const char *what, const char *item, const st_ynode *n, bool *out)
{
    int b = st_ybool(n);
    if (b < 0)
        return fail(l, n->line, "%s: '%s' must be true or false", item, what);
    *out = b;
    return 0;
}

/* override: {key: append|replace}; 'a', 'r' or 0 for key. */
static int override_of(
    ld *l, const char *item, const st_ynode *ov, const char *key, char *mode)
{
    const st_ynode *v = st_ymap_get(ov, key);
    *mode = 0;
    if (!v)
        return 0;
    if (v->type == ST_Y_SCALAR && !strcmp(v->s, "append"))
        *mode = 'a';
    else if (v->type == ST_Y_SCALAR && !strcmp(v->s, "replace"))
        *mode = 'r';
    else
        return fail(l, v->line,
                    "%s: override of '%s' must be append or "
                    "replace",
                    item, key);
    return 0;
}

static int check_override_keys(ld *l,
                               const char *item,
                               const st_ynode *ov,
                               const st_ynode *map,
                               const char *const *allowed)
{
    if (ov->type != ST_Y_MAP)
        return fail(l, ov->line, "%s: 'override' must be a mapping", item);
    for (size_t i = 0; i + 1 < ov->n; i += 2) {
        const char *k = ov->kids[i]->s;
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = !strcmp(allowed[j], k);
        if (!ok)
            return fail(l, ov->kids[i]->line, "%s: '%s' cannot be overridden",
                        item, k);
        if (!st_ymap_get(map, k))
            return fail(l, ov->kids[i]->line,
                        "%s: overrides '%s' but does not define it", item, k);
    }
    return 0;
}

/* ---- lists -------------------------------------------------------------- */

static int load_list(ld *l, const st_ynode *m, const char *name)
{
    static const char *const ov_keys[] = {"items", NULL};
    st_rules *r = l->r;
    const st_ynode *items = st_ymap_get(m, "items"),
                   *app = st_ymap_get(m, "append"),
                   *ov = st_ymap_get(m, "override");
    st_rdef_list *prev = st_map_get(r->list_by_name, name, strlen(name));
    st_rdef_list *d;
    char label[200], mode = 0;
    bool append = false;
    st_vec vals = ST_VEC_INIT;
    int rc = 0;

    snprintf(label, sizeof(label), "list \"%.150s\"", name);
    if (ov) {
        ST_CHECK(check_override_keys(l, label, ov, m, ov_keys));
        ST_CHECK(override_of(l, label, ov, "items", &mode));
    }
    if (!items) {
        rc = fail(l, m->line, "%s: missing 'items'", label);
        goto done;
    }
    if (app)
        ST_CHECK(bool_of(l, "append", label, app, &append));
    if (append)
        mode = 'a';
    ST_CHECK(strs_of(l, "items", label, items, &vals));
    if (mode && !prev) {
        rc = fail(l, m->line, "%s: %s, but no list of that name exists", label,
                  mode == 'a' ? "appends" : "overrides");
        goto done;
    }
    if (mode == 'a') {
        for (size_t i = 0; i < vals.len; i++)
            if (st_vec_push(&prev->items, vals.items[i]) < 0)
                goto nomem;
        goto done;
    }
    if (prev) { /* redefined or replaced: in place */
        st_vec_release(&prev->items);
        prev->items = vals;
        vals = (st_vec)ST_VEC_INIT;
        prev->file = l->name;
        prev->line = m->line;
        goto done;
    }
    if (!(d = st_arena_alloc(r->a, sizeof(*d))) || !(d->name = dup(l, name)))
        goto nomem;
    d->items = vals;
    vals = (st_vec)ST_VEC_INIT;
    d->file = l->name;
    d->line = m->line;
    if (st_vec_push(&r->lists, d) < 0) {
        st_vec_release(&d->items);
        goto nomem;
    }
    {
        void **slot;
        bool created;
        if (st_map_slot(r->list_by_name, d->name, strlen(d->name), &slot,
                        &created) < 0)
            goto nomem;
        *slot = d;
    }
    goto done;
nomem:
    rc = oom(l);
done:
    st_vec_release(&vals);
    return rc;
}

/* ---- macros ------------------------------------------------------------- */

static int load_macro(ld *l, const st_ynode *m, const char *name)
{
    static const char *const ov_keys[] = {"condition", NULL};
    st_rules *r = l->r;
    const st_ynode *cond = st_ymap_get(m, "condition"),
                   *app = st_ymap_get(m, "append"),
                   *ov = st_ymap_get(m, "override");
    st_rdef_macro *prev = st_map_get(r->macro_by_name, name, strlen(name));
    st_rdef_macro *d;
    const char *text;
    char label[200], mode = 0;
    bool append = false;
    int rc = 0;

    snprintf(label, sizeof(label), "macro \"%.150s\"", name);
    if (!cond)
        return fail(l, m->line, "%s: missing 'condition'", label);
    ST_CHECK(str_of(l, "condition", label, cond, &text));
    if (app)
        ST_CHECK(bool_of(l, "append", label, app, &append));
    if (ov) {
        ST_CHECK(check_override_keys(l, label, ov, m, ov_keys));
        ST_CHECK(override_of(l, label, ov, "condition", &mode));
    }
    if (append)
        mode = 'a';
    if (mode && !prev)
        return fail(l, m->line, "%s: %s, but no macro of that name exists",
                    label, mode == 'a' ? "appends" : "overrides");
    if (mode == 'a') {
        if (!(prev->cond = st_arena_printf(r->a, "%s %s", prev->cond, text)))
            return oom(l);
        return 0;
    }
    if (prev) {
        prev->cond = text;
        prev->file = l->name;
        prev->line = m->line;
        prev->cond_line = cond->line;
        return 0;
    }
    if (!(d = st_arena_alloc(r->a, sizeof(*d))) || !(d->name = dup(l, name)))
        return oom(l);
    d->cond = text;
    d->file = l->name;
    d->line = m->line;
    d->cond_line = cond->line;
    if (st_vec_push(&r->macros, d) < 0)
        return oom(l);
    {
        void **slot;
        bool created;
        if (st_map_slot(r->macro_by_name, d->name, strlen(d->name), &slot,
                        &created) < 0)
            return oom(l);
        *slot = d;
    }
done:
    return rc;
}

/* ---- rules -------------------------------------------------------------- */

static bool is_list_op(const char *op)
{
    return !strcmp(op, "in") || !strcmp(op, "intersects") ||
           !strcmp(op, "pmatch");
}

static bool is_op(const char *op)
{
    static const char *const ops[] = {
        "=",        "==",     "!=",        "<",           ">",
        "<=",       ">=",     "contains",  "icontains",   "startswith",
        "endswith", "glob",   "iglob",     "in",          "intersects",
        "pmatch",   "exists", "bcontains", "bstartswith", "regex",
        NULL};
    for (size_t i = 0; ops[i]; i++)
        if (!strcmp(ops[i], op))
            return true;
    return false;
}

/* One exception of a rule: name, fields, comps, values. */
static int
load_exception(ld *l, const char *label, const st_ynode *n, st_rdef_exc **out)
{
    const st_ynode *name = st_ymap_get(n, "name"),
                   *fields = st_ymap_get(n, "fields"),
                   *comps = st_ymap_get(n, "comps"),
                   *values = st_ymap_get(n, "values");
    st_rdef_exc *e;
    int rc = 0;

    *out = NULL;
    if (n->type != ST_Y_MAP)
        return fail(l, n->line, "%s: an exception must be a mapping", label);
    if (!name || name->type != ST_Y_SCALAR || !name->s[0])
        return fail(l, n->line, "%s: an exception needs a 'name'", label);
    if (!(e = st_arena_alloc(l->r->a, sizeof(*e))))
        return oom(l);
    *out = e;
    e->line = n->line;
    ST_CHECK(str_of(l, "name", label, name, &e->name));
    if (fields) {
        e->fields_list = fields->type == ST_Y_SEQ;
        if (e->fields_list) {
            ST_CHECK(strs_of(l, "fields", label, fields, &e->fields));
        } else {
            const char *s;
            ST_CHECK(str_of(l, "fields", label, fields, &s));
            if (st_vec_push(&e->fields, (void *)s) < 0)
                return oom(l);
        }
    }
    if (comps) {
        e->comps_set = true;
        e->comps_list = comps->type == ST_Y_SEQ;
        if (e->comps_list) {
            ST_CHECK(strs_of(l, "comps", label, comps, &e->comps));
        } else {
            const char *s;
            ST_CHECK(str_of(l, "comps", label, comps, &s));
            if (st_vec_push(&e->comps, (void *)s) < 0)
                return oom(l);
        }
    }
    if (values) {
        if (values->type != ST_Y_SEQ)
            return fail(l, values->line,
                        "%s: exception %s: 'values' must "
                        "be a list",
                        label, e->name);
        for (size_t i = 0; i < values->n; i++) {
            const st_ynode *v = values->kids[i];
            st_rdef_val *row = st_arena_alloc(l->r->a, sizeof(*row));
            if (!row || st_vec_push(&e->values, row) < 0)
                return oom(l);
            if (v->type == ST_Y_SEQ) {
                row->list = true;
                for (size_t j = 0; j < v->n; j++) {
                    const st_ynode *c = v->kids[j];
                    if (c->type == ST_Y_SEQ) {
                        /* a list inside a row: one value for an `in` */
                        st_rdef_val *sub =
                            st_arena_alloc(l->r->a, sizeof(*sub));
                        if (!sub || st_vec_push(&row->items, sub) < 0)
                            return oom(l);
                        sub->list = true;
                        ST_CHECK(strs_of(l, "values", label, c, &sub->items));
                    } else {
                        st_rdef_val *sub =
                            st_arena_alloc(l->r->a, sizeof(*sub));
                        const char *s;
                        if (!sub || st_vec_push(&row->items, sub) < 0)
                            return oom(l);
                        ST_CHECK(str_of(l, "values", label, c, &s));
                        if (st_vec_push(&sub->items, (void *)s) < 0)
                            return oom(l);
                    }
                }
            } else {
                const char *s;
                ST_CHECK(str_of(l, "values", label, v, &s));
                if (st_vec_push(&row->items, (void *)s) < 0)
                    return oom(l);
            }
        }
    }
done:
    return rc;
}

/* Falco's checks of an exception's shape; defaults the comps. */
static int validate_exception(ld *l, const char *label, st_rdef_exc *e)
{
    if (!e->fields.len)
        return fail(l, e->line, "%s: exception %s: needs 'fields'", label,
                    e->name);
    if (e->fields_list) {
        if (!e->comps_set)
            for (size_t i = 0; i < e->fields.len; i++)
                if (st_vec_push(&e->comps, "=") < 0)
                    return oom(l);
        e->comps_list = true;
        if (e->comps.len != e->fields.len)
            return fail(l, e->line,
                        "%s: exception %s: 'fields' and 'comps' "
                        "differ in length",
                        label, e->name);
    } else {
        if (!e->comps_set && st_vec_push(&e->comps, "in") < 0)
            return oom(l);
        if (e->comps_list)
            return fail(l, e->line,
                        "%s: exception %s: 'fields' and 'comps' "
                        "must both be strings",
                        label, e->name);
        if (!is_list_op(e->comps.items[0]))
            return fail(l, e->line,
                        "%s: exception %s: with one field, "
                        "'comps' must be in, pmatch or "
                        "intersects",
                        label, e->name);
    }
    for (size_t i = 0; i < e->comps.len; i++)
        if (!is_op(e->comps.items[i]))
            return fail(l, e->line,
                        "%s: exception %s: '%s' is not an "
                        "operator",
                        label, e->name, (const char *)e->comps.items[i]);
    for (size_t i = 0; i < e->values.len && !e->fields_list; i++)
        if (((st_rdef_val *)e->values.items[i])->list)
            return fail(l, e->line,
                        "%s: exception %s: with one field, each "
                        "value must be a string",
                        label, e->name);
    for (size_t i = 0; i < e->values.len && e->fields_list; i++) {
        st_rdef_val *row = e->values.items[i];
        if (!row->list || row->items.len != e->fields.len)
            return fail(l, e->line,
                        "%s: exception %s: each value must be a "
                        "list as long as 'fields'",
                        label, e->name);
        for (size_t k = 0; k < row->items.len; k++)
            if (((st_rdef_val *)row->items.items[k])->list &&
                !is_list_op(e->comps.items[k]))
                return fail(l, e->line,
                            "%s: exception %s: a list of values "
                            "needs in, pmatch or intersects, not "
                            "%s",
                            label, e->name, (const char *)e->comps.items[k]);
    }
    return 0;
}

static int
load_exceptions(ld *l, const char *label, const st_ynode *n, st_vec *out)
{
    if (n->type != ST_Y_SEQ)
        return fail(l, n->line, "%s: 'exceptions' must be a list", label);
    for (size_t i = 0; i < n->n; i++) {
        st_rdef_exc *e;
        int rc = load_exception(l, label, n->kids[i], &e);
        if (e && st_vec_push(out, e) < 0) {
            release_exception(e);
            return oom(l);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Appends new exceptions; values of existing ones (by name) are added. */
static int
merge_exceptions(ld *l, const char *label, st_rdef_rule *d, st_vec *add)
{
    for (size_t i = 0; i < add->len; i++) {
        st_rdef_exc *e = add->items[i], *old = NULL;
        int rc;
        for (size_t j = 0; j < d->exceptions.len && !old; j++)
            if (!strcmp(((st_rdef_exc *)d->exceptions.items[j])->name, e->name))
                old = d->exceptions.items[j];
        if (!old) {
            if (!e->values.len)
                return fail(l, e->line, "%s: exception %s: needs 'values'",
                            label, e->name);
            if ((rc = validate_exception(l, label, e)) < 0)
                return rc;
            if (st_vec_push(&d->exceptions, e) < 0)
                return oom(l);
            add->items[i] = NULL;
            continue;
        }
        if (e->fields.len || e->comps_set)
            return fail(l, e->line,
                        "%s: exception %s: only values can be "
                        "appended to an existing exception",
                        label, e->name);
        for (size_t j = 0; j < e->values.len; j++)
            if (st_vec_push(&old->values, e->values.items[j]) < 0)
                return oom(l);
        st_vec_release(&e->values);
    }
    return 0;
}

/* The fields an item may set, read into a scratch definition. */
typedef struct ritem {
    const char *desc, *cond, *output, *source;
    int priority;
    bool enabled, has_enabled, has_tags, has_exc;
    unsigned cond_line;
    st_vec tags, exc;
} ritem;

/* Folded YAML (output: >) ends with a newline that is not part of the
 * text. */
static void trim_end(const char *s)
{
    char *e = (char *)s + strlen(s);
    while (e > s &&
           (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = 0;
}

static int
read_rule_item(ld *l, const char *label, const st_ynode *m, ritem *it)
{
    const st_ynode *n;
    int rc = 0;

    it->priority = -1;
    it->enabled = true;
    if ((n = st_ymap_get(m, "desc"))) {
        ST_CHECK(str_of(l, "desc", label, n, &it->desc));
        trim_end(it->desc);
    }
    if ((n = st_ymap_get(m, "condition"))) {
        ST_CHECK(str_of(l, "condition", label, n, &it->cond));
        it->cond_line = n->line;
    }
    if ((n = st_ymap_get(m, "output"))) {
        ST_CHECK(str_of(l, "output", label, n, &it->output));
        trim_end(it->output);
    }
    if ((n = st_ymap_get(m, "source")))
        ST_CHECK(str_of(l, "source", label, n, &it->source));
    if ((n = st_ymap_get(m, "priority"))) {
        st_rule_priority p;
        if (n->type != ST_Y_SCALAR || !st_rule_priority_parse(n->s, &p))
            return fail(l, n->line, "%s: unknown priority \"%.40s\"", label,
                        n->type == ST_Y_SCALAR ? n->s : "");
        it->priority = (int)p;
    }
    if ((n = st_ymap_get(m, "enabled"))) {
        ST_CHECK(bool_of(l, "enabled", label, n, &it->enabled));
        it->has_enabled = true;
    }
    if ((n = st_ymap_get(m, "tags"))) {
        ST_CHECK(strs_of(l, "tags", label, n, &it->tags));
        it->has_tags = true;
    }
    if ((n = st_ymap_get(m, "exceptions"))) {
        ST_CHECK(load_exceptions(l, label, n, &it->exc));
        it->has_exc = true;
    }
done:
    return rc;
}

static int add_tags(ld *l, st_vec *tags, const st_vec *add)
{
    for (size_t i = 0; i < add->len; i++) {
        bool have = false;
        if (!((const char *)add->items[i])[0])
            continue;
        for (size_t j = 0; j < tags->len && !have; j++)
            have = !strcmp(tags->items[j], add->items[i]);
        if (!have && st_vec_push(tags, add->items[i]) < 0)
            return oom(l);
    }
    return 0;
}

static int load_rule(ld *l, const st_ynode *m, const char *name)
{
    static const char *const ov_keys[] = {"condition",
                                          "output",
                                          "desc",
                                          "priority",
                                          "tags",
                                          "exceptions",
                                          "enabled",
                                          "warn_evttypes",
                                          "skip-if-unknown-filter",
                                          "capture",
                                          "capture_duration",
                                          NULL};
    st_rules *r = l->r;
    st_rdef_rule *prev = st_map_get(r->rule_by_name, name, strlen(name));
    st_rdef_rule *d;
    const st_ynode *app = st_ymap_get(m, "append"),
                   *ov = st_ymap_get(m, "override");
    ritem it;
    char label[200];
    bool append = false;
    int rc = 0;

    memset(&it, 0, sizeof(it));
    snprintf(label, sizeof(label), "rule \"%.150s\"", name);
    ST_CHECK(read_rule_item(l, label, m, &it));
    if (app)
        ST_CHECK(bool_of(l, "append", label, app, &append));

    if (ov) {
        static const char *const appendable[] = {
            "condition", "output", "desc", "tags", "exceptions", NULL};
        ST_CHECK(check_override_keys(l, label, ov, m, ov_keys));
        if (!prev) {
            rc = fail(l, m->line,
                      "%s: overrides, but no rule of that name "
                      "exists",
                      label);
            goto done;
        }
        for (size_t i = 0; i + 1 < ov->n; i += 2) {
            const char *k = ov->kids[i]->s;
            char mode;
            bool can_append = false;
            ST_CHECK(override_of(l, label, ov, k, &mode));
            for (size_t j = 0; appendable[j]; j++)
                can_append |= !strcmp(appendable[j], k);
            if (mode == 'a' && !can_append) {
                rc = fail(l, ov->kids[i]->line,
                          "%s: '%s' can be replaced, not appended", label, k);
                goto done;
            }
            if (!strcmp(k, "condition")) {
                prev->cond = mode == 'a' ? st_arena_printf(r->a, "%s %s",
                                                           prev->cond, it.cond)
                                         : it.cond;
                if (mode == 'r')
                    prev->cond_line = it.cond_line;
            } else if (!strcmp(k, "output")) {
                prev->output = mode == 'a'
                                   ? st_arena_printf(r->a, "%s %s",
                                                     prev->output, it.output)
                                   : it.output;
            } else if (!strcmp(k, "desc")) {
                prev->desc = mode == 'a' ? st_arena_printf(r->a, "%s %s",
                                                           prev->desc, it.desc)
                                         : it.desc;
            } else if (!strcmp(k, "priority")) {
                prev->priority = it.priority;
            } else if (!strcmp(k, "enabled")) {
                prev->enabled = it.enabled;
            } else if (!strcmp(k, "tags")) {
                if (mode == 'r')
                    prev->tags.len = 0;
                ST_CHECK(add_tags(l, &prev->tags, &it.tags));
            } else if (!strcmp(k, "exceptions")) {
                if (mode == 'r') {
                    release_exceptions(&prev->exceptions);
                    prev->exceptions = (st_vec)ST_VEC_INIT;
                }
                ST_CHECK(merge_exceptions(l, label, prev, &it.exc));
            }
            if (!prev->cond || !prev->output || !prev->desc)
                goto nomem;
        }
        goto done;
    }

    if (append) {
        if (!prev) {
            rc = fail(l, m->line,
                      "%s: appends, but no rule of that name "
                      "exists",
                      label);
            goto done;
        }
        if (!it.cond && !it.has_exc && !it.output && !it.has_tags) {
            rc = fail(l, m->line,
                      "%s: an append needs a condition, "
                      "output, tags or exceptions",
                      label);
            goto done;
        }
        if (it.cond &&
            !(prev->cond = st_arena_printf(r->a, "%s %s", prev->cond, it.cond)))
            goto nomem;
        if (it.output && !(prev->output = st_arena_printf(
                               r->a, "%s %s", prev->output, it.output)))
            goto nomem;
        ST_CHECK(add_tags(l, &prev->tags, &it.tags));
        ST_CHECK(merge_exceptions(l, label, prev, &it.exc));
        if (it.priority >= 0)
            prev->priority = it.priority;
        if (it.has_enabled)
            prev->enabled = it.enabled;
        goto done;
    }

    /* `- rule: X` with `enabled` and nothing else switches a rule */
    if (it.has_enabled && !it.cond && !it.output && !it.desc &&
        it.priority < 0 && !it.has_tags && !it.has_exc && !it.source) {
        if (!prev) {
            rc = fail(l, m->line,
                      "%s: sets 'enabled', but no rule of that "
                      "name exists",
                      label);
            goto done;
        }
        prev->enabled = it.enabled;
        goto done;
    }

    /* a definition; a redefinition keeps what it does not say */
    if (prev) {
        if (!it.desc)
            it.desc = prev->desc;
        if (!it.cond) {
            it.cond = prev->cond;
            it.cond_line = prev->cond_line;
        }
        if (!it.output)
            it.output = prev->output;
        if (!it.has_tags)
            ST_CHECK(add_tags(l, &it.tags, &prev->tags));
        if (it.priority < 0)
            it.priority = prev->priority;
    }
    {
        const char *missing = !it.cond          ? "condition"
                              : !it.output      ? "output"
                              : !it.desc        ? "desc"
                              : it.priority < 0 ? "priority"
                                                : NULL;
        if (missing) {
            rc = fail(l, m->line, "%s: missing '%s'", label, missing);
            goto done;
        }
    }
    for (size_t i = 0; i < it.exc.len; i++)
        ST_CHECK(validate_exception(l, label, it.exc.items[i]));
    if (prev) {
        d = prev;
        st_vec_release(&d->tags);
        release_exceptions(&d->exceptions);
    } else {
        void **slot;
        bool created;
        if (!(d = st_arena_alloc(r->a, sizeof(*d))) ||
            !(d->name = dup(l, name)) || st_vec_push(&r->rules, d) < 0)
            goto nomem;
        if (st_map_slot(r->rule_by_name, d->name, strlen(d->name), &slot,
                        &created) < 0)
            goto nomem;
        *slot = d;
    }
    d->desc = it.desc;
    d->cond = it.cond;
    d->output = it.output;
    d->priority = it.priority;
    d->tags = it.tags;
    it.tags = (st_vec)ST_VEC_INIT;
    d->exceptions = it.exc;
    it.exc = (st_vec)ST_VEC_INIT;
    d->enabled = it.enabled;
    d->source = it.source ? it.source : "syscall";
    d->file = l->name;
    d->line = m->line;
    d->cond_line = it.cond_line;
    goto done;
nomem:
    rc = oom(l);
done:
    st_vec_release(&it.tags);
    release_exceptions(&it.exc);
    return rc;
}

static int load_item(ld *l, const st_ynode *m)
{
    static const char *const kinds[] = {"rule", "macro", "list", NULL};
    const st_ynode *v;

    if (m->type != ST_Y_MAP)
        return fail(l, m->line,
                    "an item must be a mapping (rule, macro or "
                    "list)");
    if (st_ymap_get(m, "required_engine_version") ||
        st_ymap_get(m, "required_plugin_versions") ||
        st_ymap_get(m, "engine_version"))
        return 0; /* strata is not versioned against Falco's engine */
    for (size_t k = 0; kinds[k]; k++) {
        if (!(v = st_ymap_get(m, kinds[k])))
            continue;
        if (v->type != ST_Y_SCALAR || !v->s[0])
            return fail(l, v->line,
                        "the name of a %s must be a non-empty "
                        "string",
                        kinds[k]);
        return k == 0   ? load_rule(l, m, v->s)
               : k == 1 ? load_macro(l, m, v->s)
                        : load_list(l, m, v->s);
    }
    return fail(l, m->line, "unknown item: expected rule, macro or list");
}


int st_rules_load(
    st_rules *r, const char *yaml, size_t len, const char *name, st_error **err)
{
    ld l = {r, NULL, err};
    st_arena *scratch = NULL;
    st_vec docs = ST_VEC_INIT;
    st_yaml_limits lim = {ST_RULES__MAX_FILE, 64, 1000000, 16};
    st_yaml_error ye;
    int rc = 0;

    if (!name)
        name = "<rules>";
    if (r->compiled)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "%s: the rules are already compiled", name);
    if (len > ST_RULES__MAX_FILE)
        return st_error_set(err, ST_ELIMIT, MODULE, "%s: larger than %u MiB",
                            name, ST_RULES__MAX_FILE >> 20);
    if (!(l.name = st_arena_strdup(r->a, name)) ||
        !(scratch = st_arena_new())) {
        rc = st_error_set(err, ST_ENOMEM, MODULE, "%s: out of memory", name);
        goto done;
    }
    {
        size_t bad = st_text_check((const unsigned char *)yaml, len);
        if (bad < len) {
            unsigned line = 1;
            for (size_t i = 0; i < bad; i++)
                line += yaml[i] == '\n';
            rc = fail(&l, line, "not UTF-8 text (byte %zu)", bad);
            goto done;
        }
    }
    if ((rc = st_yaml_parse(&docs, scratch, yaml, len, &lim, &ye)) < 0) {
        if (rc == ST_ENOMEM)
            rc = oom(&l);
        else
            rc = st_error_set(err, rc, MODULE, "%s:%u:%u: %s", name, ye.line,
                              ye.column, ye.msg);
        goto done;
    }
    for (size_t d = 0; d < docs.len; d++) {
        const st_ynode *root = docs.items[d];
        if (root->type == ST_Y_SCALAR && root->plain &&
            (!root->s[0] || !strcmp(root->s, "null") || !strcmp(root->s, "~")))
            continue; /* an empty document */
        if (root->type != ST_Y_SEQ) {
            rc = fail(&l, root->line,
                      "a rules file is a list of rule, "
                      "macro and list items");
            goto done;
        }
        for (size_t i = 0; i < root->n; i++)
            ST_CHECK(load_item(&l, root->kids[i]));
    }
done:
    st_vec_release(&docs);
    st_arena_free(scratch);
    return rc;
}

int st_rules_load_file(st_rules *r, const char *path, st_error **err)
{
    st_buf b = ST_BUF_INIT(ST_RULES__MAX_FILE + 1);
    int rc = st_read_file(&b, path, ST_RULES__MAX_FILE + 1, err);
    if (rc == ST_ELIMIT || (rc == 0 && b.len > ST_RULES__MAX_FILE))
        rc = st_error_set(err, ST_ELIMIT, MODULE, "%s: larger than %u MiB",
                          path, ST_RULES__MAX_FILE >> 20);
    else if (rc == 0)
        rc = st_rules_load(r, b.ptr, b.len, path, err);
    st_buf_release(&b);
    return rc;
}

int st_rules_load_builtin(st_rules *r, st_error **err)
{
    for (const st_embedded_file *f = st_monitor_builtin_rules; f->name; f++) {
        int rc = st_rules_load(r, f->data, f->len, f->name, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- compiled rules ------------------------------------------------------ */

int st_rules_compile(st_rules *r, st_error **err)
{
    int rc;
    if (r->compiled)
        return st_error_set(err, ST_EUSAGE, MODULE,
                            "the rules are already compiled");
    if ((rc = st_rules__compile_all(r, err)) < 0)
        return rc;
    r->compiled = true;
    return 0;
}

size_t st_rules_count(const st_rules *r)
{
    return r->compiled ? r->crules.len : 0;
}

const st_rule_info *st_rules_get(const st_rules *r, size_t i)
{
    return r->compiled && i < r->crules.len
               ? &((const st_crule *)r->crules.items[i])->info
               : NULL;
}

size_t st_rules_skipped(const st_rules *r, const st_rule_skip **out)
{
    *out = r->compiled ? r->skip_arr : NULL;
    return r->compiled ? r->nskips : 0;
}

size_t st_rules_eval(const st_rules *r,
                     const st_event *ev,
                     st_rule_hit_fn fn,
                     void *payload)
{
    const st_crule *const *list;
    size_t n, hits = 0;
    st_ectx x;

    if (!r->compiled || (unsigned)ev->type >= ST_EV__COUNT)
        return 0;
    n = r->n_by_type[ev->type];
    if (!n)
        return 0;
    list = r->by_type[ev->type];
    st_rules__ectx_init(&x, ev);
    for (size_t i = 0; i < n; i++) {
        if (!st_rules__eval(list[i]->cond, &x))
            continue;
        hits++;
        if (fn) {
            char out[ST_RULES__MAX_OUTPUT];
            st_rules__render(list[i]->output, &x, out, sizeof(out));
            fn(&list[i]->info, ev, out, payload);
        }
    }
    return hits;
}
