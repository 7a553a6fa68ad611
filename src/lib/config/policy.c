/* The policy loader and the predicate evaluator (policy.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/policy.h"
#include "util/banned.h"

/* ---- predicates ------------------------------------------------------- */

typedef enum step_type { S_KEY, S_ANYKEY, S_ITEMS, S_INDEX } step_type;
typedef struct step {
    step_type type;
    const char *key;
    size_t index;
} step;

typedef enum root_type { R_SELF, R_POD, R_DOC } root_type;

typedef enum pred_type { P_LEAF, P_ALL, P_ANY, P_NOT } pred_type;
typedef enum op_type {
    OP_EQUALS,
    OP_NOT_EQUALS,
    OP_EXISTS,
    OP_MISSING,
    OP_IN,
    OP_NOT_IN,
    OP_MATCHES,
    OP_GREATER,
    OP_LESS
} op_type;

static const char *const op_names[] = {
    "equals", "not_equals", "exists", "missing", "in",
    "not_in", "matches",    "greater", "less"};
#define N_OPS (sizeof(op_names) / sizeof(*op_names))

struct st_cfg_pred {
    pred_type type;
    const st_cfg_pred **kids; /* all/any: several; not: one */
    size_t n;
    /* leaf */
    root_type root;
    const step *steps;
    size_t nsteps;
    op_type op;
    const st_ynode *value;    /* equals…less: a scalar; in/not_in: a list */
    pcre2_code *re;
    double num;               /* greater/less */
};

static const char *const workload_kinds[] = {
    "Pod",         "Deployment", "StatefulSet",          "DaemonSet",
    "ReplicaSet",  "Job",        "CronJob",              "ReplicationController",
    "DeploymentConfig", "PodTemplate"};

bool st_cfg__is_workload_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof(workload_kinds) / sizeof(*workload_kinds);
         i++)
        if (!strcmp(kind, workload_kinds[i]))
            return true;
    return false;
}

static const char *const scopes[] = {"document", "pod", "container",
                                     "any-container", "service"};
static const char *const file_kinds[] = {"dockerfile", "compose", "kubernetes",
                                         "image", "workload", "*"};

static const char *const sev_names[] = {"INFO", "LOW", "MEDIUM", "HIGH",
                                        "CRITICAL"};

int st_cfg__severity(const char *s, const char **canon)
{
    for (int i = 0; s && i < 5; i++)
        if (!strcasecmp(s, sev_names[i])) {
            if (canon)
                *canon = sev_names[i];
            return i;
        }
    return -1;
}

/* ---- the loader ------------------------------------------------------- */

typedef struct pload {
    st_cfg_policy *p;
    const char *name;
    bool builtin;
    st_error **err;
} pload;

static int pfail(pload *ld, unsigned line, const char *fmt, ...)
    ST_PRINTF(3, 4);
static int pfail(pload *ld, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return st_error_set(ld->err, ST_EINVALID, "config", "%s:%u: %s", ld->name,
                        line, msg);
}

static int oom(pload *ld)
{
    return st_error_set(ld->err, ST_ENOMEM, "config", "out of memory");
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
    size_t n = strlen(s);
    if (!n || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.'))
            return false;
    return true;
}

/* "tool:ID": a lowercase tool name, a colon, an id without spaces */
static bool valid_tag(const char *s)
{
    const char *c = strchr(s, ':');
    if (!c || c == s || !c[1] || strlen(s) > 80)
        return false;
    for (const char *p = s; p < c; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return false;
    for (const char *p = c + 1; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool valid_kind(const char *s)
{
    if (one_of(file_kinds, sizeof(file_kinds) / sizeof(*file_kinds), s))
        return true;
    /* a Kubernetes kind: CamelCase letters and digits */
    if (!(*s >= 'A' && *s <= 'Z') || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static int text(pload *ld, const st_ynode *v, const char *key,
                const char **out)
{
    if (v->type != ST_Y_SCALAR || !v->len)
        return pfail(ld, v->line, "%s must be a non-empty string", key);
    if (v->len > 4096)
        return pfail(ld, v->line, "%s is longer than 4096 bytes", key);
    *out = v->s;
    return 0;
}

/* A list of strings (a single string is a list of one). */
static int strings(pload *ld, const st_ynode *v, const char *key,
                   const char *const **out, size_t *n,
                   bool (*valid)(const char *), const char *what)
{
    const st_ynode *const *items = &v;
    size_t count = 1;
    const char **arr;

    if (v->type == ST_Y_MAP)
        return pfail(ld, v->line, "%s must be a list of strings", key);
    if (v->type == ST_Y_SEQ) {
        items = (const st_ynode *const *)v->kids;
        count = v->n;
    }
    if (count > 256)
        return pfail(ld, v->line, "%s: more than 256 entries", key);
    if (!(arr = st_arena_alloc(ld->p->a, (count ? count : 1) * sizeof(*arr))))
        return oom(ld);
    for (size_t i = 0; i < count; i++) {
        const st_ynode *it = items[i];
        if (it->type != ST_Y_SCALAR || !it->len || it->len > 4096)
            return pfail(ld, it->line, "%s must be a list of strings", key);
        if (valid && !valid(it->s))
            return pfail(ld, it->line, "%s: \"%.80s\" is not a valid %s", key,
                         it->s, what);
        arr[i] = it->s;
    }
    *out = arr;
    *n = count;
    return 0;
}

static int parse_path(pload *ld, const st_ynode *v, st_cfg_pred *pr)
{
    const char *s = v->s;
    step steps[ST_CFG__MAX_PATH_STEPS];
    size_t n = 0;

    pr->root = R_SELF;
    if (st_str_startswith(s, "$pod.")) {
        pr->root = R_POD;
        s += 5;
    } else if (st_str_startswith(s, "$doc.")) {
        pr->root = R_DOC;
        s += 5;
    } else if (*s == '$') {
        return pfail(ld, v->line, "path \"%.80s\": only $pod. and $doc. may "
                     "start a path", v->s);
    }
    while (*s) {
        if (n == ST_CFG__MAX_PATH_STEPS)
            return pfail(ld, v->line, "path \"%.80s\": more than %d steps",
                         v->s, ST_CFG__MAX_PATH_STEPS);
        memset(&steps[n], 0, sizeof(steps[n]));
        if (*s == '[') {
            if (!strncmp(s, "[*]", 3)) {
                steps[n++].type = S_ITEMS;
                s += 3;
            } else if (s[1] == '"') {
                const char *e = strchr(s + 2, '"');
                if (!e || e[1] != ']' || e == s + 2)
                    return pfail(ld, v->line, "path \"%.80s\": a [\"key\"] "
                                 "is not closed", v->s);
                steps[n].type = S_KEY;
                if (!(steps[n].key = st_arena_strndup(ld->p->a, s + 2,
                                                      (size_t)(e - s - 2))))
                    return oom(ld);
                n++;
                s = e + 2;
            } else if (s[1] >= '0' && s[1] <= '9') {
                char *e;
                unsigned long idx = strtoul(s + 1, &e, 10);
                if (*e != ']' || idx > 100000)
                    return pfail(ld, v->line, "path \"%.80s\": a bad index",
                                 v->s);
                steps[n].type = S_INDEX;
                steps[n++].index = idx;
                s = e + 1;
            } else {
                return pfail(ld, v->line, "path \"%.80s\": expected [*], [N] "
                             "or [\"key\"]", v->s);
            }
            if (*s == '.')
                s++;
            else if (*s && *s != '[')
                return pfail(ld, v->line, "path \"%.80s\": expected '.' "
                             "after ']'", v->s);
            continue;
        }
        size_t k = strcspn(s, ".[");
        if (!k)
            return pfail(ld, v->line, "path \"%.80s\": an empty step", v->s);
        if (k == 1 && *s == '*') {
            steps[n++].type = S_ANYKEY;
        } else {
            steps[n].type = S_KEY;
            if (!(steps[n].key = st_arena_strndup(ld->p->a, s, k)))
                return oom(ld);
            n++;
        }
        s += k;
        if (*s == '.') {
            s++;
            if (!*s)
                return pfail(ld, v->line, "path \"%.80s\": ends with '.'",
                             v->s);
        }
    }
    if (!n)
        return pfail(ld, v->line, "an empty path");
    if (!(pr->steps = st_arena_memdup(ld->p->a, steps, n * sizeof(*steps))))
        return oom(ld);
    pr->nsteps = n;
    return 0;
}

static bool number(const char *s, double *out)
{
    char *e;
    if (!*s)
        return false;
    *out = strtod(s, &e);
    return !*e;
}

static int parse_pred(pload *ld, const st_ynode *m, const st_cfg_pred **out,
                      unsigned depth);

static int parse_leaf(pload *ld, const st_ynode *m, st_cfg_pred *pr)
{
    const st_ynode *path = NULL, *opv = NULL;
    int op = -1;

    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const st_ynode *k = m->kids[i], *v = m->kids[i + 1];
        int found = -1;
        if (!strcmp(k->s, "path")) {
            if (v->type != ST_Y_SCALAR || !v->len)
                return pfail(ld, v->line, "path must be a string");
            path = v;
            continue;
        }
        for (size_t o = 0; o < N_OPS; o++)
            if (!strcmp(k->s, op_names[o]))
                found = (int)o;
        if (found < 0)
            return pfail(ld, k->line,
                         "unknown key \"%.60s\" in a predicate (path, "
                         "equals, not_equals, exists, missing, in, not_in, "
                         "matches, greater, less; all, any, not)",
                         k->s);
        if (op >= 0)
            return pfail(ld, k->line, "one operator per predicate "
                         "(combine with all/any)");
        op = found;
        opv = v;
    }
    if (!path)
        return pfail(ld, m->line, "a predicate without a path");
    if (op < 0)
        return pfail(ld, m->line, "a predicate without an operator");
    pr->type = P_LEAF;
    pr->op = (op_type)op;
    pr->value = opv;
    if (parse_path(ld, path, pr) < 0)
        return ST_EINVALID;
    switch (pr->op) {
    case OP_EXISTS:
    case OP_MISSING: {
        int b = st_ybool(opv);
        if (b < 0)
            return pfail(ld, opv->line, "%s takes true or false",
                         op_names[op]);
        if (!b) /* exists: false is missing: true */
            pr->op = pr->op == OP_EXISTS ? OP_MISSING : OP_EXISTS;
        break;
    }
    case OP_IN:
    case OP_NOT_IN:
        if (opv->type != ST_Y_SEQ)
            return pfail(ld, opv->line, "%s takes a list", op_names[op]);
        for (size_t i = 0; i < opv->n; i++)
            if (opv->kids[i]->type != ST_Y_SCALAR)
                return pfail(ld, opv->kids[i]->line,
                             "%s takes a list of scalars", op_names[op]);
        break;
    case OP_GREATER:
    case OP_LESS:
        if (opv->type != ST_Y_SCALAR || !number(opv->s, &pr->num))
            return pfail(ld, opv->line, "%s takes a number", op_names[op]);
        break;
    case OP_MATCHES: {
        int code = 0;
        PCRE2_SIZE where = 0;
        if (opv->type != ST_Y_SCALAR || !opv->len || opv->len > 1024)
            return pfail(ld, opv->line, "matches takes a regular expression "
                         "(at most 1024 bytes)");
        pr->re = pcre2_compile((PCRE2_SPTR)opv->s, opv->len,
                               PCRE2_NEVER_UTF | PCRE2_NEVER_UCP |
                                   PCRE2_NEVER_BACKSLASH_C,
                               &code, &where, NULL);
        if (!pr->re) {
            PCRE2_UCHAR msg[120];
            if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
                snprintf((char *)msg, sizeof(msg), "error %d", code);
            return pfail(ld, opv->line, "matches: %s at offset %zu",
                         (const char *)msg, (size_t)where);
        }
        if (st_vec_push(&ld->p->regexes, pr->re) < 0) {
            pcre2_code_free(pr->re);
            pr->re = NULL;
            return oom(ld);
        }
        break;
    }
    case OP_EQUALS:
    case OP_NOT_EQUALS:
        if (opv->type != ST_Y_SCALAR)
            return pfail(ld, opv->line, "%s takes a scalar", op_names[op]);
        break;
    }
    return 0;
}

static int parse_pred(pload *ld, const st_ynode *m, const st_cfg_pred **out,
                      unsigned depth)
{
    st_cfg_pred *pr;
    const st_ynode *k, *v;

    if (depth > ST_CFG__MAX_PRED_DEPTH)
        return pfail(ld, m->line, "predicates nested deeper than %d",
                     ST_CFG__MAX_PRED_DEPTH);
    if (m->type != ST_Y_MAP || !m->n)
        return pfail(ld, m->line, "a predicate must be a mapping");
    if (!(pr = st_arena_alloc(ld->p->a, sizeof(*pr))))
        return oom(ld);
    *out = pr;
    k = m->kids[0];
    v = m->kids[1];
    if (strcmp(k->s, "all") && strcmp(k->s, "any") && strcmp(k->s, "not"))
        return parse_leaf(ld, m, pr);
    if (m->n != 2)
        return pfail(ld, m->kids[2]->line, "\"%s\" must be the only key of "
                     "its mapping", k->s);
    if (!strcmp(k->s, "not")) {
        pr->type = P_NOT;
        pr->n = 1;
        if (!(pr->kids = st_arena_alloc(ld->p->a, sizeof(*pr->kids))))
            return oom(ld);
        return parse_pred(ld, v, &pr->kids[0], depth + 1);
    }
    pr->type = !strcmp(k->s, "all") ? P_ALL : P_ANY;
    if (v->type != ST_Y_SEQ || !v->n)
        return pfail(ld, v->line, "%s takes a non-empty list of predicates",
                     k->s);
    if (v->n > 64)
        return pfail(ld, v->line, "%s: more than 64 predicates", k->s);
    pr->n = v->n;
    if (!(pr->kids = st_arena_alloc(ld->p->a, v->n * sizeof(*pr->kids))))
        return oom(ld);
    for (size_t i = 0; i < v->n; i++)
        if (parse_pred(ld, v->kids[i], &pr->kids[i], depth + 1) < 0)
            return ST_EINVALID;
    return 0;
}

static int one_check(pload *ld, st_cfg_check *c, const st_ynode *m)
{
    st_config_check *pc = &c->pub;
    const st_ynode *deny = NULL, *kinds = NULL, *scope = NULL;
    const char *sev = NULL;

    if (m->type != ST_Y_MAP)
        return pfail(ld, m->line, "a check must be a mapping");
    pc->enabled = 1;
    if (!(pc->source = st_arena_printf(ld->p->a, "%s:%u", ld->name, m->line)))
        return oom(ld);
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const char *k = m->kids[i]->s;
        const st_ynode *v = m->kids[i + 1];
        unsigned line = m->kids[i]->line;
        int rc = 0;
        if (!strcmp(k, "id")) {
            if ((rc = text(ld, v, k, &pc->id)) == 0 && !valid_id(pc->id))
                return pfail(ld, line, "id \"%.80s\": use letters, digits, "
                             "'-', '_' and '.' (at most 64)", pc->id);
        } else if (!strcmp(k, "title")) {
            rc = text(ld, v, k, &pc->title);
        } else if (!strcmp(k, "severity")) {
            if ((rc = text(ld, v, k, &sev)) == 0 &&
                st_cfg__severity(sev, &pc->severity) < 0)
                return pfail(ld, v->line, "unknown severity \"%.40s\" "
                             "(CRITICAL, HIGH, MEDIUM, LOW, INFO)", sev);
        } else if (!strcmp(k, "rationale")) {
            rc = text(ld, v, k, &pc->rationale);
        } else if (!strcmp(k, "remediation")) {
            rc = text(ld, v, k, &pc->remediation);
        } else if (!strcmp(k, "references")) {
            rc = strings(ld, v, k, &pc->refs, &pc->ref_count, NULL, NULL);
        } else if (!strcmp(k, "tags")) {
            rc = strings(ld, v, k, &pc->tags, &pc->tag_count, valid_tag,
                         "tag (tool:ID)");
        } else if (!strcmp(k, "kinds")) {
            kinds = v;
            rc = strings(ld, v, k, &pc->kinds, &pc->kind_count, valid_kind,
                         "kind");
        } else if (!strcmp(k, "scope")) {
            scope = v;
            if ((rc = text(ld, v, k, &pc->scope)) == 0 &&
                !one_of(scopes, sizeof(scopes) / sizeof(*scopes), pc->scope))
                return pfail(ld, v->line, "unknown scope \"%.40s\" (document, "
                             "pod, container, any-container, service)",
                             pc->scope);
        } else if (!strcmp(k, "deny")) {
            deny = v;
        } else if (!strcmp(k, "code")) {
            if ((rc = text(ld, v, k, &pc->code)) == 0 && !valid_id(pc->code))
                return pfail(ld, v->line, "code \"%.80s\": not a name",
                             pc->code);
            if (!rc && !ld->builtin)
                return pfail(ld, line, "code checks are built in; a policy "
                             "file states its check with deny:");
        } else {
            return pfail(ld, line,
                         "unknown key \"%.60s\" (id, title, severity, "
                         "rationale, remediation, references, tags, kinds, "
                         "scope, deny, code)",
                         k);
        }
        if (rc < 0)
            return rc;
    }
    if (!pc->id)
        return pfail(ld, m->line, "a check without an id");
    if (!pc->title || !pc->severity || !pc->remediation || !pc->rationale)
        return pfail(ld, m->line, "check %s: title, severity, rationale and "
                     "remediation are required", pc->id);
    if (!kinds)
        return pfail(ld, m->line, "check %s: kinds is required", pc->id);
    if (!deny == !pc->code)
        return pfail(ld, m->line, "check %s: exactly one of deny and code",
                     pc->id);
    if (pc->code && scope)
        return pfail(ld, scope->line, "check %s: scope is for deny checks",
                     pc->id);
    if (deny) {
        if (!pc->scope)
            pc->scope = "document";
        if (parse_pred(ld, deny, &c->deny, 0) < 0)
            return ST_EINVALID;
    }
    if (!pc->tags) {
        static const char *const none[1];
        pc->tags = none;
    }
    if (!pc->refs) {
        static const char *const none[1];
        pc->refs = none;
    }
    return 0;
}

int st_cfg__policy_init(st_cfg_policy *p, st_arena *a)
{
    memset(p, 0, sizeof(*p));
    p->a = a;
    if (!(p->by_id = st_map_new()))
        return ST_ENOMEM;
    return 0;
}

void st_cfg__policy_release(st_cfg_policy *p)
{
    for (size_t i = 0; i < p->regexes.len; i++)
        pcre2_code_free(p->regexes.items[i]);
    st_vec_release(&p->regexes);
    st_vec_release(&p->checks);
    st_map_free(p->by_id);
    memset(p, 0, sizeof(*p));
}

int st_cfg__policy_load(st_cfg_policy *p, const char *name, const char *data,
                        size_t len, bool builtin, st_error **err)
{
    pload ld = {p, name, builtin, err};
    st_yaml_limits lim = {ST_CFG__MAX_POLICY_BYTES, 32, 200000, 2};
    st_yaml_error ye;
    st_vec docs = ST_VEC_INIT;
    const st_ynode *root, *list = NULL;
    int rc = 0;

    if ((rc = st_yaml_parse(&docs, p->a, data, len, &lim, &ye)) < 0) {
        if (rc == ST_ENOMEM)
            rc = oom(&ld);
        else
            rc = st_error_set(err, rc, "config", "%s:%u:%u: %s", name,
                              ye.line, ye.column, ye.msg);
        goto done;
    }
    if (docs.len != 1) {
        rc = pfail(&ld, 1, "expected one YAML document with \"checks\"");
        goto done;
    }
    root = docs.items[0];
    if (root->type != ST_Y_MAP) {
        rc = pfail(&ld, root->line, "expected a mapping with \"checks\"");
        goto done;
    }
    for (size_t i = 0; i + 1 < root->n; i += 2) {
        if (strcmp(root->kids[i]->s, "checks")) {
            rc = pfail(&ld, root->kids[i]->line,
                       "unknown key \"%.60s\" (a policy file has \"checks\")",
                       root->kids[i]->s);
            goto done;
        }
        list = root->kids[i + 1];
    }
    if (!list || list->type != ST_Y_SEQ) {
        rc = pfail(&ld, list ? list->line : root->line,
                   "\"checks\" must be a list");
        goto done;
    }
    for (size_t i = 0; i < list->n; i++) {
        st_cfg_check *c = st_arena_alloc(p->a, sizeof(*c));
        void **slot;
        bool created;
        if (!c) {
            rc = oom(&ld);
            goto done;
        }
        if ((rc = one_check(&ld, c, list->kids[i])) < 0)
            goto done;
        if (st_map_slot(p->by_id, c->pub.id, strlen(c->pub.id), &slot,
                        &created) < 0) {
            rc = oom(&ld);
            goto done;
        }
        if (!created) {
            rc = pfail(&ld, list->kids[i]->line,
                       "duplicate check id \"%s\" (first at %s)", c->pub.id,
                       ((st_cfg_check *)*slot)->pub.source);
            goto done;
        }
        *slot = c;
        if (st_vec_push(&p->checks, c) < 0) {
            rc = oom(&ld);
            goto done;
        }
    }
done:
    st_vec_release(&docs);
    return rc;
}

st_cfg_check *st_cfg__policy_find(const st_cfg_policy *p, const char *id)
{
    return st_map_get(p->by_id, id, strlen(id));
}

bool st_cfg__check_applies(const st_cfg_check *k, const char *kind,
                           const char *scope)
{
    if (!k->deny || strcmp(k->pub.scope, scope))
        return false;
    for (size_t i = 0; i < k->pub.kind_count; i++) {
        const char *want = k->pub.kinds[i];
        if (!strcmp(want, kind) || !strcmp(want, "*") ||
            (!strcmp(want, "workload") && st_cfg__is_workload_kind(kind)))
            return true;
    }
    return false;
}

/* ---- evaluation ------------------------------------------------------- */

typedef struct leaf {
    const st_cfg_pred *p;
    st_cfg_blame first; /* the first node the path selected */
    st_cfg_blame match; /* the first for which the operator held */
} leaf;

static bool scalar_eq(const st_ynode *doc, const st_ynode *want)
{
    int b;
    double x, y;
    if (doc->type != ST_Y_SCALAR)
        return false;
    if ((b = st_ybool(want)) >= 0)
        return st_ybool(doc) == b;
    if (want->plain && (!strcmp(want->s, "null") || !strcmp(want->s, "~")))
        return doc->plain && (!strcmp(doc->s, "null") ||
                              !strcmp(doc->s, "~") || !doc->len);
    if (want->plain && number(want->s, &x))
        return number(doc->s, &y) && x == y;
    return doc->len == want->len && !memcmp(doc->s, want->s, doc->len);
}

static bool op_holds(const st_cfg_pred *p, const st_ynode *n)
{
    double x;
    switch (p->op) {
    case OP_EXISTS:
    case OP_MISSING:
        return true;
    case OP_EQUALS:
        return scalar_eq(n, p->value);
    case OP_NOT_EQUALS:
        return !scalar_eq(n, p->value);
    case OP_IN:
    case OP_NOT_IN: {
        bool in = false;
        if (n->type != ST_Y_SCALAR)
            return false;
        for (size_t i = 0; i < p->value->n && !in; i++)
            in = scalar_eq(n, p->value->kids[i]);
        return p->op == OP_IN ? in : !in;
    }
    case OP_MATCHES: {
        pcre2_match_data *md;
        pcre2_match_context *mc;
        int rc = -1;
        if (n->type != ST_Y_SCALAR)
            return false;
        md = pcre2_match_data_create(1, NULL);
        mc = pcre2_match_context_create(NULL);
        if (md && mc) {
            pcre2_set_match_limit(mc, 100000);
            pcre2_set_depth_limit(mc, 1000);
            rc = pcre2_match(p->re, (PCRE2_SPTR)n->s, n->len, 0, 0, md, mc);
        }
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
        return rc >= 0;
    }
    case OP_GREATER:
        return n->type == ST_Y_SCALAR && number(n->s, &x) && x > p->num;
    case OP_LESS:
        return n->type == ST_Y_SCALAR && number(n->s, &x) && x < p->num;
    }
    return false;
}

/* Visits what the steps select below n; `key` is n's key when n is a
 * mapping value. Returns true to stop (a match was found). */
static bool walk(leaf *lf, const step *s, size_t ns, const st_ynode *key,
                 const st_ynode *n)
{
    if (!ns) {
        st_cfg_blame b = {key ? key : n, n};
        if (!lf->first.at)
            lf->first = b;
        if (op_holds(lf->p, n)) {
            lf->match = b;
            return true;
        }
        return false;
    }
    switch (s->type) {
    case S_KEY:
        if (n->type == ST_Y_MAP)
            for (size_t i = 0; i + 1 < n->n; i += 2)
                if (!strcmp(n->kids[i]->s, s->key))
                    return walk(lf, s + 1, ns - 1, n->kids[i], n->kids[i + 1]);
        return false;
    case S_ANYKEY:
        if (n->type == ST_Y_MAP)
            for (size_t i = 0; i + 1 < n->n; i += 2)
                if (walk(lf, s + 1, ns - 1, n->kids[i], n->kids[i + 1]))
                    return true;
        return false;
    case S_ITEMS:
        if (n->type == ST_Y_SEQ)
            for (size_t i = 0; i < n->n; i++)
                if (walk(lf, s + 1, ns - 1, NULL, n->kids[i]))
                    return true;
        return false;
    case S_INDEX:
        if (n->type == ST_Y_SEQ && s->index < n->n)
            return walk(lf, s + 1, ns - 1, NULL, n->kids[s->index]);
        return false;
    }
    return false;
}

static bool eval(const st_cfg_pred *p, const st_cfg_evalctx *e,
                 st_cfg_blame *blame)
{
    static const st_cfg_blame none;
    *blame = none;
    switch (p->type) {
    case P_LEAF: {
        leaf lf = {p, {NULL, NULL}, {NULL, NULL}};
        const st_ynode *root = p->root == R_POD   ? e->pod
                               : p->root == R_DOC ? e->doc
                                                  : e->self;
        if (root)
            walk(&lf, p->steps, p->nsteps, NULL, root);
        switch (p->op) {
        case OP_MISSING:
            return !lf.first.at;
        case OP_EXISTS:
            *blame = lf.first;
            return lf.first.at != NULL;
        default:
            *blame = lf.match.at ? lf.match : lf.first;
            return lf.match.at != NULL;
        }
    }
    case P_NOT:
        return !eval(p->kids[0], e, blame);
    case P_ALL: {
        st_cfg_blame first = none, b;
        for (size_t i = 0; i < p->n; i++) {
            if (!eval(p->kids[i], e, &b)) {
                *blame = b;
                return false;
            }
            if (!first.at)
                first = b;
        }
        *blame = first;
        return true;
    }
    case P_ANY: {
        st_cfg_blame b;
        for (size_t i = 0; i < p->n; i++)
            if (eval(p->kids[i], e, &b)) {
                *blame = b;
                return true;
            }
        return false;
    }
    }
    return false;
}

bool st_cfg__check_eval(const st_cfg_check *k, const st_cfg_evalctx *e,
                        st_cfg_blame *blame)
{
    static const st_cfg_blame none;
    *blame = none;
    return k->deny && eval(k->deny, e, blame);
}
