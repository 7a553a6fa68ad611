/* Compiling rules: lists flattened, macros parsed once and compiled once
 * (their compiled trees are shared by every rule that uses them), checks
 * resolved to field ids with their operands prepared (numbers parsed,
 * strings lowered for icontains, hash sets for `in`, path-prefix sets for
 * `pmatch`), and/or chains flattened and constants folded.
 *
 * Each compiled tree knows the event types for which it can hold: a rule
 * runs only for those. A rule whose condition names a field strata does
 * not have (or a macro that does) is skipped with the reason. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rules_int.h"

#include "util/banned.h"

#define MODULE    "monitor"
#define ALL_TYPES ((uint32_t)(((uint64_t)1 << ST_EV__COUNT) - 2))

/* ---- string sets -------------------------------------------------------- */

#define SET_LINEAR 8 /* at most this many strings: compared in turn */

typedef struct slot {
    const char *s;
    uint32_t len, hash;
} slot;

struct st_strset {
    size_t n, mask;
    slot *slots; /* linear: n entries; else mask + 1, empty s == NULL */
};

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

bool st_rules__set_has(const st_strset *set, const char *v, size_t len)
{
    uint32_t h;
    if (set->n <= SET_LINEAR) {
        for (size_t i = 0; i < set->n; i++)
            if (set->slots[i].len == len && !memcmp(set->slots[i].s, v, len))
                return true;
        return false;
    }
    h = hash(v, len);
    for (size_t i = h & set->mask;; i = (i + 1) & set->mask) {
        const slot *s = &set->slots[i];
        if (!s->s)
            return false;
        if (s->hash == h && s->len == len && !memcmp(s->s, v, len))
            return true;
    }
}

/* A set of the strings (duplicates folded). */
static st_strset *set_new(st_arena *a, const char *const *v, size_t n)
{
    st_strset *set = st_arena_alloc(a, sizeof(*set));
    size_t cap = 16;
    if (!set)
        return NULL;
    if (n <= SET_LINEAR) {
        if (!(set->slots = st_arena_alloc(a, (n ? n : 1) * sizeof(slot))))
            return NULL;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(v[i]);
            if (st_rules__set_has(set, v[i], len))
                continue;
            set->slots[set->n].s = v[i];
            set->slots[set->n].len = (uint32_t)len;
            set->n++;
        }
        return set;
    }
    while (cap < n * 2)
        cap *= 2;
    if (!(set->slots = st_arena_alloc(a, cap * sizeof(slot))))
        return NULL;
    set->mask = cap - 1;
    set->n = SET_LINEAR + 1; /* hashed from now on */
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        uint32_t h = hash(v[i], len);
        size_t j = h & set->mask;
        while (set->slots[j].s && !(set->slots[j].len == len &&
                                    !memcmp(set->slots[j].s, v[i], len)))
            j = (j + 1) & set->mask;
        set->slots[j].s = v[i];
        set->slots[j].len = (uint32_t)len;
        set->slots[j].hash = h;
    }
    return set;
}

/* ---- compile context ----------------------------------------------------- */

typedef struct cc {
    st_rules *r;
    st_error **err;
    int rc;
    const char *skip; /* why the rule being compiled is skipped */
    unsigned macro_depth;
    st_cnode *c_true, *c_false;
} cc;

static int oom(cc *c)
{
    if (c->rc == 0)
        c->rc = st_error_set(c->err, ST_ENOMEM, MODULE, "out of memory");
    return c->rc;
}

static void skip(cc *c, const char *fmt, ...) ST_PRINTF(2, 3);
static void skip(cc *c, const char *fmt, ...)
{
    va_list ap;
    char msg[300];
    if (c->skip || c->rc < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!(c->skip = st_arena_strdup(c->r->a, msg)))
        oom(c);
}

static st_cnode *cnode(cc *c, st_ckind kind)
{
    st_cnode *n = st_arena_alloc(c->r->a, sizeof(*n));
    if (!n) {
        oom(c);
        return NULL;
    }
    n->kind = (uint8_t)kind;
    n->index = -1;
    return n;
}

/* ---- lists ----------------------------------------------------------------
 */

static st_rdef_list *list_named(const cc *c, const char *name)
{
    return st_map_get(c->r->list_by_name, name, strlen(name));
}

/* A list item as a value: '"a b"' -> a b (Falco's lists carry their
 * quotes into the condition, where they are unescaped). */
static const char *item_value(cc *c, const char *item)
{
    size_t n = strlen(item);
    char *s;
    size_t k = 0;
    if (n < 2 || (item[0] != '"' && item[0] != '\'') || item[n - 1] != item[0])
        return item;
    if (!(s = st_arena_alloc(c->r->a, n))) {
        oom(c);
        return NULL;
    }
    for (size_t i = 1; i + 1 < n; i++) {
        char ch = item[i];
        if (ch == '\\' && i + 2 < n) {
            ch = item[++i];
            ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
        }
        s[k++] = ch;
    }
    s[k] = 0;
    return s;
}

static int flatten(cc *c, st_rdef_list *l, unsigned depth)
{
    if (l->state == 2)
        return 0;
    if (l->state == 1 || depth > ST_RULES__MAX_MACRO_DEPTH)
        return c->rc = st_error_set(c->err, ST_EINVALID, MODULE,
                                    "%s:%u: list \"%s\": its items refer "
                                    "back to it",
                                    l->file, l->line, l->name);
    l->state = 1;
    for (size_t i = 0; i < l->items.len; i++) {
        const char *item = l->items.items[i];
        st_rdef_list *sub = list_named(c, item);
        if (sub) {
            if (flatten(c, sub, depth + 1) < 0)
                return c->rc;
            for (size_t j = 0; j < sub->flat.len; j++)
                if (st_vec_push(&l->flat, sub->flat.items[j]) < 0)
                    return oom(c);
        } else {
            const char *v = item_value(c, item);
            if (!v || st_vec_push(&l->flat, (void *)v) < 0)
                return oom(c);
        }
        if (l->flat.len > ST_RULES__MAX_LIST_ITEMS)
            return c->rc = st_error_set(c->err, ST_ELIMIT, MODULE,
                                        "%s:%u: list \"%s\": more than %d "
                                        "items once expanded",
                                        l->file, l->line, l->name,
                                        ST_RULES__MAX_LIST_ITEMS);
    }
    l->state = 2;
    return 0;
}

/* ---- checks ---------------------------------------------------------------
 */

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    bool neg = false;
    unsigned long long v;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end,
                 (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    if (*end || errno || v > (unsigned long long)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The values of a check, list names expanded. */
static int values(cc *c, const st_pnode *p, st_vec *out)
{
    for (size_t i = 0; i < p->nvals; i++) {
        const st_pval *v = &p->vals[i];
        st_rdef_list *l = p->list && !v->quoted ? list_named(c, v->s) : NULL;
        if (!l) {
            if (st_vec_push(out, (void *)v->s) < 0)
                return oom(c);
            continue;
        }
        if (flatten(c, l, 0) < 0)
            return c->rc;
        for (size_t j = 0; j < l->flat.len; j++)
            if (st_vec_push(out, l->flat.items[j]) < 0)
                return oom(c);
        if (out->len > ST_RULES__MAX_LIST_ITEMS)
            return c->rc = st_error_set(c->err, ST_ELIMIT, MODULE,
                                        "a list of more than %d items",
                                        ST_RULES__MAX_LIST_ITEMS);
    }
    return 0;
}

static const char *lowered(cc *c, const char *s)
{
    char *l = st_arena_strdup(c->r->a, s);
    if (!l) {
        oom(c);
        return NULL;
    }
    for (char *p = l; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return l;
}

/* A pmatch prefix: without its trailing slashes ("/" stays). */
static const char *prefix(cc *c, const char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        n--;
    if (n == strlen(s))
        return s;
    {
        char *p = st_arena_strndup(c->r->a, s, n);
        if (!p)
            oom(c);
        return p;
    }
}

/* evt.type = / != / in: a set of types. Names strata does not capture
 * match nothing; they are kept to say why a rule can never run. */
static st_cnode *type_check(cc *c, const st_pnode *p, const st_vec *vals)
{
    st_cnode *n = cnode(c, ST_C_TYPE);
    st_buf missing = ST_BUF_INIT(1024);
    uint32_t mask = 0;
    if (!n)
        return NULL;
    for (size_t i = 0; i < vals->len; i++) {
        st_ev_type t = st_ev_type_parse(vals->items[i]);
        if (t != ST_EV_NONE)
            mask |= (uint32_t)1 << t;
        else if (st_buf_printf(&missing, "%s%s", missing.len ? ", " : "",
                               (const char *)vals->items[i]) == ST_ENOMEM) {
            oom(c);
            break;
        }
    }
    n->types = p->op == ST_OP_NE ? ALL_TYPES & ~mask : mask;
    if (missing.len && !(n->s = st_arena_strdup(c->r->a, missing.ptr)))
        oom(c);
    st_buf_release(&missing);
    return c->rc < 0 ? NULL : n;
}

static bool op_for_numbers(st_rop op)
{
    switch (op) {
    case ST_OP_EQ:
    case ST_OP_NE:
    case ST_OP_LT:
    case ST_OP_LE:
    case ST_OP_GT:
    case ST_OP_GE:
    case ST_OP_IN:
    case ST_OP_INTERSECTS:
    case ST_OP_EXISTS:
        return true;
    default:
        return false;
    }
}

static bool op_for_strings(st_rop op)
{
    switch (op) {
    case ST_OP_LT:
    case ST_OP_LE:
    case ST_OP_GT:
    case ST_OP_GE:
        return false;
    default:
        return true;
    }
}

static st_cnode *check(cc *c, const st_pnode *p)
{
    const st_ev_field *f;
    st_vec vals = ST_VEC_INIT;
    st_cnode *n = NULL;
    int index = -1;
    const char *kind;

    if (p->transformer) {
        skip(c, "unsupported field transformer %.*s",
             (int)strlen(p->transformer) - 1, p->transformer);
        return NULL;
    }
    if (!(f = st_ev_field_findn(p->name, strlen(p->name), &index))) {
        skip(c, "unknown field %s", p->name);
        return NULL;
    }
    if (p->rhs_field) {
        skip(c, "unsupported: a field or transformer after '%s'",
             st_rules__op_name(p->op));
        return NULL;
    }
    if (p->op == ST_OP_BCONTAINS || p->op == ST_OP_BSTARTSWITH ||
        p->op == ST_OP_REGEX) {
        skip(c, "unsupported operator %s", st_rules__op_name(p->op));
        return NULL;
    }
    if (values(c, p, &vals) < 0)
        goto done;

    /* evt.type: a bit test; evt.dir: one event is both directions */
    if (f->id == ST_F_EVT_TYPE &&
        (p->op == ST_OP_EQ || p->op == ST_OP_NE || p->op == ST_OP_IN ||
         p->op == ST_OP_INTERSECTS)) {
        n = type_check(c, p, &vals);
        goto done;
    }
    if (f->id == ST_F_EVT_DIR &&
        (p->op == ST_OP_EQ || p->op == ST_OP_NE || p->op == ST_OP_IN)) {
        bool dir = false;
        for (size_t i = 0; i < vals.len; i++)
            dir |= !strcmp(vals.items[i], "<") || !strcmp(vals.items[i], ">");
        n = (p->op == ST_OP_NE) != dir ? c->c_true : c->c_false;
        goto done;
    }

    if (!(n = cnode(c, ST_C_CMP)))
        goto done;
    n->op = (uint8_t)p->op;
    n->field = (uint16_t)f->id;
    n->ftype = (uint8_t)f->type;
    n->index = (int16_t)index;
    n->any = (f->flags & ST_EVF_ANY) && index < 0;
    if (p->op == ST_OP_EXISTS)
        goto done;
    if (!p->list && vals.len != 1) {
        skip(c, "%s: expected one value", p->name);
        n = NULL;
        goto done;
    }
    switch (f->type) {
    case ST_EVF_NUM:
        kind = "number";
        if (!op_for_numbers(p->op))
            goto bad_op;
        if (p->list) {
            int64_t *nums = st_arena_alloc(c->r->a, (vals.len ? vals.len : 1) *
                                                        sizeof(*nums));
            if (!nums) {
                oom(c);
                n = NULL;
                goto done;
            }
            for (size_t i = 0; i < vals.len; i++)
                if (!parse_int(vals.items[i], &nums[i]))
                    goto bad_number;
            qsort(nums, vals.len, sizeof(*nums), cmp_i64);
            n->nums = nums;
            n->nnums = vals.len;
        } else if (!parse_int(vals.items[0], &n->num)) {
            goto bad_number;
        }
        /* evt.num is 1 and up, or no value: evt.num = 0 never holds (the
         * "never_true" macro of Falco's rules) */
        if (f->id == ST_F_EVT_NUM && p->op == ST_OP_EQ && n->num == 0)
            n = c->c_false;
        break;
    case ST_EVF_BOOL:
        kind = "boolean";
        if (p->op != ST_OP_EQ && p->op != ST_OP_NE && p->op != ST_OP_IN)
            goto bad_op;
        for (size_t i = 0; i < vals.len; i++) {
            const char *v = vals.items[i];
            bool b;
            if (!strcmp(v, "true") || !strcmp(v, "1"))
                b = true;
            else if (!strcmp(v, "false") || !strcmp(v, "0"))
                b = false;
            else {
                skip(c, "%s: \"%s\" is not true or false", p->name, v);
                n = NULL;
                goto done;
            }
            /* IN over booleans: num holds a bit per value */
            n->b = b;
            n->num |= b ? 2 : 1;
        }
        break;
    case ST_EVF_STR:
    case ST_EVF_IP:
        kind = "string";
        if (!op_for_strings(p->op))
            goto bad_op;
        if (p->list) {
            const char **v = (const char **)vals.items;
            if (p->op == ST_OP_PMATCH)
                for (size_t i = 0; i < vals.len; i++)
                    if (!(v[i] = prefix(c, v[i]))) {
                        n = NULL;
                        goto done;
                    }
            if (!(n->set = set_new(c->r->a, v, vals.len))) {
                oom(c);
                n = NULL;
            }
            break;
        }
        n->s = vals.items[0];
        if (p->op == ST_OP_ICONTAINS || p->op == ST_OP_IGLOB)
            n->s = lowered(c, n->s);
        if (!n->s) {
            n = NULL;
            break;
        }
        n->len = strlen(n->s);
        break;
    }
    goto done;
bad_op:
    skip(c, "operator %s does not apply to %s (a %s)", st_rules__op_name(p->op),
         p->name, kind);
    n = NULL;
    goto done;
bad_number:
    skip(c, "%s: a value is not a whole number", p->name);
    n = NULL;
done:
    st_vec_release(&vals);
    return c->rc < 0 ? NULL : n;
}

/* ---- trees ----------------------------------------------------------------
 */

static st_cnode *compile(cc *c, const st_pnode *p);

static st_cnode *macro(cc *c, const st_pnode *p)
{
    st_rdef_macro *m =
        st_map_get(c->r->macro_by_name, p->name, strlen(p->name));
    const char *outer;
    st_cnode *n;

    if (!m) {
        skip(c, "undefined macro %s", p->name);
        return NULL;
    }
    if (m->state == 2) {
        if (m->skip)
            skip(c, "%s", m->skip);
        return m->compiled;
    }
    if (m->state == 1 || c->macro_depth >= ST_RULES__MAX_MACRO_DEPTH) {
        c->rc =
            st_error_set(c->err, ST_EINVALID, MODULE, "%s:%u: macro \"%s\": %s",
                         m->file, m->line, m->name,
                         m->state == 1 ? "refers to itself through its "
                                         "condition"
                                       : "macros nested too deeply");
        return NULL;
    }
    m->state = 1;
    outer = c->skip;
    c->skip = NULL;
    c->macro_depth++;
    n = compile(c, m->tree);
    c->macro_depth--;
    if (c->rc < 0)
        return NULL;
    m->state = 2;
    m->compiled = n;
    m->skip = c->skip;
    c->skip = outer;
    if (m->skip)
        skip(c, "%s", m->skip);
    return n;
}

/* and/or: operands flattened, constants folded. */
static st_cnode *chain(cc *c, const st_pnode *p)
{
    bool is_and = p->kind == ST_P_AND;
    st_cnode *absorb = is_and ? c->c_false : c->c_true;
    st_cnode *unit = is_and ? c->c_true : c->c_false;
    st_vec kids = ST_VEC_INIT;
    st_cnode *n = NULL;

    for (size_t i = 0; i < p->n; i++) {
        st_cnode *k = compile(c, p->kids[i]);
        if (!k)
            goto done; /* skipped or failed: the first reason stands */
        if (k == absorb) {
            n = absorb;
            /* the rest is still compiled: an unknown field skips the
             * rule even where it would not be reached */
            for (size_t j = i + 1; j < p->n; j++)
                if (!compile(c, p->kids[j]))
                    goto done;
            goto done;
        }
        if (k == unit)
            continue;
        /* and-in-and is spliced, but not a macro's tree: it is shared,
         * and splicing copies would grow with every level of macros */
        if (k->kind == (is_and ? ST_C_AND : ST_C_OR) &&
            p->kids[i]->kind != ST_P_IDENT) {
            for (size_t j = 0; j < k->n; j++)
                if (st_vec_push(&kids, k->kids[j]) < 0)
                    goto nomem;
            continue;
        }
        if (st_vec_push(&kids, k) < 0)
            goto nomem;
    }
    if (kids.len == 0) {
        n = unit;
    } else if (kids.len == 1) {
        n = kids.items[0];
    } else if ((n = cnode(c, is_and ? ST_C_AND : ST_C_OR))) {
        if (!(n->kids = st_arena_alloc(c->r->a, kids.len * sizeof(*n->kids))))
            goto nomem;
        memcpy(n->kids, kids.items, kids.len * sizeof(*n->kids));
        n->n = (uint32_t)kids.len;
    }
    goto done;
nomem:
    oom(c);
    n = NULL;
done:
    st_vec_release(&kids);
    return c->rc < 0 || c->skip ? NULL : n;
}

static st_cnode *compile(cc *c, const st_pnode *p)
{
    st_cnode *k, *n;
    switch (p->kind) {
    case ST_P_AND:
    case ST_P_OR:
        return chain(c, p);
    case ST_P_NOT:
        if (!(k = compile(c, p->kids[0])))
            return NULL;
        if (k == c->c_true)
            return c->c_false;
        if (k == c->c_false)
            return c->c_true;
        if (k->kind == ST_C_NOT)
            return k->kids[0];
        if (!(n = cnode(c, ST_C_NOT)) ||
            !(n->kids = st_arena_alloc(c->r->a, sizeof(*n->kids)))) {
            oom(c);
            return NULL;
        }
        n->kids[0] = k;
        n->n = 1;
        return n;
    case ST_P_CHECK:
        return check(c, p);
    case ST_P_IDENT:
        return macro(c, p);
    }
    return NULL;
}

/* Event types for which a tree can be true (false); its weight. */
static void analyse(st_cnode *n)
{
    if (n->analysed)
        return;
    switch ((st_ckind)n->kind) {
    case ST_C_TRUE:
        n->may_true = ALL_TYPES;
        n->weight = 1;
        break;
    case ST_C_FALSE:
        n->may_false = ALL_TYPES;
        n->weight = 1;
        break;
    case ST_C_TYPE:
        n->may_true = n->types;
        n->may_false = ALL_TYPES & ~n->types;
        n->weight = 1;
        break;
    case ST_C_CMP:
        n->may_true = n->may_false = ALL_TYPES;
        n->weight = 1;
        break;
    case ST_C_NOT:
        analyse(n->kids[0]);
        n->may_true = n->kids[0]->may_false;
        n->may_false = n->kids[0]->may_true;
        n->weight = n->kids[0]->weight + 1;
        break;
    case ST_C_AND:
    case ST_C_OR: {
        bool and = n->kind == ST_C_AND;
        n->may_true = and? ALL_TYPES : 0;
        n->may_false = and? 0 : ALL_TYPES;
        n->weight = 1;
        for (uint32_t i = 0; i < n->n; i++) {
            st_cnode *k = n->kids[i];
            analyse(k);
            if (and) {
                n->may_true &= k->may_true;
                n->may_false |= k->may_false;
            } else {
                n->may_true |= k->may_true;
                n->may_false &= k->may_false;
            }
            n->weight += k->weight;
            if (n->weight > ST_RULES__MAX_WEIGHT)
                n->weight = ST_RULES__MAX_WEIGHT + 1; /* saturate */
        }
        break;
    }
    }
    n->analysed = true;
}

/* The first event type name strata does not capture, in a tree (a
 * bounded search: shared subtrees could make a full walk exponential). */
static const char *
uncaptured(const st_cnode *n, unsigned depth, unsigned *budget)
{
    if (n->kind == ST_C_TYPE)
        return n->s;
    if (depth > 200 || *budget == 0)
        return NULL;
    --*budget;
    for (uint32_t i = 0; i < n->n; i++) {
        const char *s = uncaptured(n->kids[i], depth + 1, budget);
        if (s)
            return s;
    }
    return NULL;
}

/* ---- rules ----------------------------------------------------------------
 */

static bool bare_ok(const char *s)
{
    if (!*s || *s == '"' || *s == '\'')
        return false;
    for (; *s; s++)
        if (*s == '(' || *s == ')' || *s == '"' || *s == '\'' || *s == '=' ||
            *s == ',' || isspace((unsigned char)*s))
            return false;
    return true;
}

/* A value in an exception's condition: bare when it can be, else quoted
 * (Falco quotes only values with spaces; strata also the other characters
 * a bare string cannot hold). A value the user quoted stays. */
static int put_value(st_buf *b, const char *v)
{
    size_t n = strlen(v);
    int rc;
    if (bare_ok(v) ||
        (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]))
        return st_buf_puts(b, v);
    if ((rc = st_buf_putc(b, '"')) < 0)
        return rc;
    for (; *v; v++) {
        if ((*v == '"' || *v == '\\') && (rc = st_buf_putc(b, '\\')) < 0)
            return rc;
        if ((rc = st_buf_putc(b, *v)) < 0)
            return rc;
    }
    return st_buf_putc(b, '"');
}

static bool list_comp(const char *op)
{
    return !strcmp(op, "in") || !strcmp(op, "intersects") ||
           !strcmp(op, "pmatch");
}

/* A value of an exception row: a list, or one value ((v) for list ops). */
static int put_row_value(st_buf *b, const st_rdef_val *v, const char *comp)
{
    int rc = 0;
    if (v->list || list_comp(comp)) {
        bool paren = !v->list && ((const char *)v->items.items[0])[0] == '(';
        if (paren)
            return st_buf_puts(b, v->items.items[0]);
        rc = st_buf_putc(b, '(');
        for (size_t i = 0; rc == 0 && i < v->items.len; i++) {
            if (i)
                rc = st_buf_puts(b, ", ");
            if (rc == 0)
                rc = put_value(b, v->items.items[i]);
        }
        return rc ? rc : st_buf_putc(b, ')');
    }
    return put_value(b, v->items.items[0]);
}

/* The condition of a rule with its exceptions, as Falco builds it:
 * (cond) and not (f op (v1, v2)) and not ((f1 op v1 and f2 op v2) or …) */
static int rule_text(const st_rdef_rule *d, st_buf *b)
{
    bool wrap = false;
    int rc;
    for (size_t i = 0; i < d->exceptions.len; i++)
        wrap |= ((const st_rdef_exc *)d->exceptions.items[i])->values.len > 0;
    if (!wrap)
        return st_buf_puts(b, d->cond);
    rc = st_buf_printf(b, "(%s)", d->cond);
    for (size_t i = 0; rc == 0 && i < d->exceptions.len; i++) {
        const st_rdef_exc *e = d->exceptions.items[i];
        if (!e->values.len)
            continue;
        rc = st_buf_puts(b, " and not (");
        if (!e->fields_list) {
            const char *comp = e->comps.items[0];
            rc = rc ? rc
                    : st_buf_printf(b, "%s %s (",
                                    (const char *)e->fields.items[0], comp);
            for (size_t j = 0; rc == 0 && j < e->values.len; j++) {
                const st_rdef_val *row = e->values.items[j];
                if (j)
                    rc = st_buf_puts(b, ", ");
                if (rc == 0)
                    rc = put_value(b, row->items.items[0]);
            }
            if (rc == 0)
                rc = st_buf_puts(b, "))");
            continue;
        }
        for (size_t j = 0; rc == 0 && j < e->values.len; j++) {
            const st_rdef_val *row = e->values.items[j];
            rc = st_buf_puts(b, j ? " or (" : "(");
            for (size_t k = 0; rc == 0 && k < e->fields.len; k++) {
                const char *comp = e->comps.items[k];
                rc = st_buf_printf(b, "%s%s %s ", k ? " and " : "",
                                   (const char *)e->fields.items[k], comp);
                if (rc == 0)
                    rc = put_row_value(b, row->items.items[k], comp);
            }
            if (rc == 0)
                rc = st_buf_putc(b, ')');
        }
        if (rc == 0)
            rc = st_buf_putc(b, ')');
    }
    return rc;
}

/* A parse error: "file:line: rule "x": condition: expected ')' near "…"" */
static int syntax(cc *c,
                  const char *file,
                  unsigned line,
                  const char *what,
                  const char *name,
                  const char *text,
                  unsigned pos,
                  const char *msg)
{
    /* the line in the file, where the condition's text keeps its lines
     * (an error at the end is on the last line with text) */
    size_t end = strlen(text);
    while (end > 0 && isspace((unsigned char)text[end - 1]))
        end--;
    for (unsigned i = 0; i < pos && i < end; i++)
        line += text[i] == '\n';
    return c->rc = st_error_set(c->err, ST_EINVALID, MODULE,
                                "%s:%u: %s \"%s\": condition: %s near "
                                "\"%.30s\"",
                                file, line, what, name, msg, text + pos);
}

static int add_skip(cc *c, const char *name, const char *why)
{
    st_rule_skip *s = st_arena_alloc(c->r->a, sizeof(*s));
    if (!s || st_vec_push(&c->r->skips, s) < 0)
        return oom(c);
    s->name = name;
    s->why = why;
    return 0;
}

static int compile_rule(cc *c, st_rdef_rule *d)
{
    st_buf text = ST_BUF_INIT(16u << 20);
    st_pnode *tree = NULL;
    st_cnode *cond;
    st_crule *cr;
    char msg[200];
    unsigned pos;
    int rc;

    if (strcmp(d->source, "syscall"))
        return add_skip(c, d->name,
                        st_arena_printf(c->r->a, "source: %s", d->source));
    if (!d->enabled)
        return add_skip(c, d->name, "disabled");
    if ((rc = rule_text(d, &text)) < 0) {
        st_buf_release(&text);
        return rc == ST_ENOMEM ? oom(c) : (c->rc = rc);
    }
    rc = st_rules__parse(&tree, c->r->a, text.ptr, msg, sizeof(msg), &pos);
    if (rc < 0) {
        /* the offset is in "(cond)…": point into cond */
        if (rc == ST_ENOMEM)
            oom(c);
        else if (text.len > strlen(d->cond) + 1 && text.ptr[0] == '(' &&
                 pos > 0 && pos - 1 <= strlen(d->cond))
            /* in "(cond) and not …": point into cond */
            syntax(c, d->file, d->cond_line, "rule", d->name, d->cond, pos - 1,
                   msg);
        else
            syntax(c, d->file, d->cond_line, "rule", d->name, text.ptr, pos,
                   msg);
        st_buf_release(&text);
        return c->rc;
    }
    st_buf_release(&text);
    c->skip = NULL;
    cond = compile(c, tree);
    if (c->rc < 0)
        return c->rc;
    if (!cond)
        return add_skip(c, d->name, c->skip);
    analyse(cond);
    if (cond->weight > ST_RULES__MAX_WEIGHT)
        return add_skip(c, d->name,
                        "condition too large once macros are expanded");
    if (!cond->may_true) {
        unsigned budget = 10000;
        const char *u = uncaptured(cond, 0, &budget);
        return add_skip(c, d->name,
                        u ? st_arena_printf(c->r->a,
                                            "evt.type %s: not captured by "
                                            "strata",
                                            u)
                          : "condition can never hold");
    }
    if (!(cr = st_arena_alloc(c->r->a, sizeof(*cr))))
        return oom(c);
    cr->cond = cond;
    cr->info.name = d->name;
    cr->info.desc = d->desc;
    cr->info.priority = (st_rule_priority)d->priority;
    cr->info.source_file = d->file;
    cr->info.line = d->line;
    cr->info.tag_count = d->tags.len;
    if (d->tags.len) {
        const char **tags =
            st_arena_alloc(c->r->a, d->tags.len * sizeof(*tags));
        if (!tags)
            return oom(c);
        memcpy(tags, d->tags.items, d->tags.len * sizeof(*tags));
        cr->info.tags = tags;
    }
    if (!(cr->output = st_rules__tmpl_new(c->r->a, d->output)) ||
        st_vec_push(&c->r->crules, cr) < 0)
        return oom(c);
    return 0;
}

int st_rules__compile_all(st_rules *r, st_error **err)
{
    cc c = {r, err, 0, NULL, 0, NULL, NULL};
    char msg[200];
    unsigned pos;

    if (!(c.c_true = cnode(&c, ST_C_TRUE)) ||
        !(c.c_false = cnode(&c, ST_C_FALSE)))
        return c.rc;
    /* every macro parses, used or not (as in Falco) */
    for (size_t i = 0; i < r->macros.len; i++) {
        st_rdef_macro *m = r->macros.items[i];
        int rc =
            st_rules__parse(&m->tree, r->a, m->cond, msg, sizeof(msg), &pos);
        if (rc == ST_ENOMEM)
            return oom(&c);
        if (rc < 0)
            return syntax(&c, m->file, m->cond_line, "macro", m->name, m->cond,
                          pos, msg);
    }
    for (size_t i = 0; i < r->lists.len; i++)
        if (flatten(&c, r->lists.items[i], 0) < 0)
            return c.rc;
    for (size_t i = 0; i < r->rules.len; i++)
        if (compile_rule(&c, r->rules.items[i]) < 0)
            return c.rc;

    /* the skipped, as an array; the rules by event type */
    if (r->skips.len) {
        if (!(r->skip_arr = st_calloc(r->skips.len, sizeof(*r->skip_arr))))
            return oom(&c);
        for (size_t i = 0; i < r->skips.len; i++)
            r->skip_arr[i] = *(st_rule_skip *)r->skips.items[i];
        r->nskips = r->skips.len;
    }
    for (int t = 1; t < ST_EV__COUNT; t++) {
        size_t n = 0;
        for (size_t i = 0; i < r->crules.len; i++)
            n += (((st_crule *)r->crules.items[i])->cond->may_true >> t) & 1;
        if (!n)
            continue;
        if (!(r->by_type[t] = st_calloc(n, sizeof(*r->by_type[t]))))
            return oom(&c);
        for (size_t i = 0; i < r->crules.len; i++) {
            const st_crule *cr = r->crules.items[i];
            if ((cr->cond->may_true >> t) & 1)
                r->by_type[t][r->n_by_type[t]++] = cr;
        }
    }
    return 0;
}
