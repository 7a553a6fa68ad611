/* Running compiled checks on an event. A field is read at most once per
 * event (values formatted into the context's pool are kept), and/or
 * short-circuit, and every operand was prepared at compile time. */
#include <fnmatch.h>
#include <string.h>

#include "monitor/rules_int.h"

#include "util/banned.h"

void st_rules__ectx_init(st_ectx *x, const st_event *ev)
{
    x->ev = ev;
    x->used = 0;
    memset(x->state, 0, sizeof(x->state));
}

static const st_ev_field *field_of(unsigned id)
{
    size_t n;
    return &st_ev_fields(&n)[id];
}

/* The value of a field without index: kept in the context. */
static const st_ev_value *get(st_ectx *x, unsigned id, uint32_t *len)
{
    st_ev_value *v = &x->val[id];
    if (x->state[id] == 0) {
        bool keep = ST_ECTX_POOL - x->used >= ST_EV_BUFSZ;
        char *buf = keep ? x->pool + x->used : x->scratch;
        if (!st_ev_get(x->ev, field_of(id), v, buf, ST_EV_BUFSZ)) {
            x->state[id] = 1;
            return NULL;
        }
        if (v->s) {
            size_t n = strlen(v->s);
            x->len[id] = (uint32_t)n;
            if (v->s == buf && keep)
                x->used += n + 1;
            else if (v->s == buf) {
                *len = (uint32_t)n;
                return v; /* in scratch: good for this check only */
            }
        }
        x->state[id] = 2;
    }
    if (x->state[id] == 1)
        return NULL;
    *len = x->len[id];
    return v;
}

static bool icontains(const char *h, size_t n, const char *needle, size_t m)
{
    if (m == 0)
        return true;
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m) {
            unsigned char c = (unsigned char)h[i + j];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            if (c != (unsigned char)needle[j])
                break;
            j++;
        }
        if (j == m)
            return true;
    }
    return false;
}

/* The path or one of its parent directories is in the set. */
static bool pmatch(const st_strset *set, const char *s, size_t len)
{
    if (st_rules__set_has(set, s, len))
        return true;
    for (size_t i = len; i-- > 0;)
        if (s[i] == '/' && st_rules__set_has(set, s, i ? i : 1))
            return true;
    return false;
}

static bool in_nums(const int64_t *v, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x;
}

static bool test(const st_cnode *c, const st_ev_value *v, size_t len)
{
    switch ((st_ev_ftype)c->ftype) {
    case ST_EVF_NUM:
        switch ((st_rop)c->op) {
        case ST_OP_EQ:
            return v->n == c->num;
        case ST_OP_NE:
            return v->n != c->num;
        case ST_OP_LT:
            return v->n < c->num;
        case ST_OP_LE:
            return v->n <= c->num;
        case ST_OP_GT:
            return v->n > c->num;
        case ST_OP_GE:
            return v->n >= c->num;
        case ST_OP_IN:
        case ST_OP_INTERSECTS:
            return in_nums(c->nums, c->nnums, v->n);
        case ST_OP_EXISTS:
            return true;
        default:
            return false;
        }
    case ST_EVF_BOOL:
        switch ((st_rop)c->op) {
        case ST_OP_EQ:
            return v->b == c->b;
        case ST_OP_NE:
            return v->b != c->b;
        case ST_OP_IN:
            return (c->num >> (v->b ? 1 : 0)) & 1;
        case ST_OP_EXISTS:
            return true;
        default:
            return false;
        }
    case ST_EVF_STR:
    case ST_EVF_IP:
        break;
    }
    switch ((st_rop)c->op) {
    case ST_OP_EQ:
        return len == c->len && !memcmp(v->s, c->s, len);
    case ST_OP_NE:
        return len != c->len || memcmp(v->s, c->s, len);
    case ST_OP_CONTAINS:
        return memmem(v->s, len, c->s, c->len) != NULL;
    case ST_OP_ICONTAINS:
        return icontains(v->s, len, c->s, c->len);
    case ST_OP_STARTSWITH:
        return len >= c->len && !memcmp(v->s, c->s, c->len);
    case ST_OP_ENDSWITH:
        return len >= c->len && !memcmp(v->s + len - c->len, c->s, c->len);
    case ST_OP_GLOB:
        return fnmatch(c->s, v->s, 0) == 0;
    case ST_OP_IGLOB:
        return fnmatch(c->s, v->s, FNM_CASEFOLD) == 0;
    case ST_OP_IN:
    case ST_OP_INTERSECTS:
        return st_rules__set_has(c->set, v->s, len);
    case ST_OP_PMATCH:
        return pmatch(c->set, v->s, len);
    case ST_OP_EXISTS:
        return true;
    default:
        return false;
    }
}

static bool cmp(const st_cnode *c, st_ectx *x)
{
    const st_ev_field *f = field_of(c->field);
    st_ev_value tmp;
    const st_ev_value *v;
    uint32_t len = 0;

    if (c->any) {
        for (unsigned k = 0;
             st_ev_get_nth(x->ev, f, k, &tmp, x->scratch, sizeof(x->scratch));
             k++)
            if (test(c, &tmp, tmp.s ? strlen(tmp.s) : 0))
                return true;
        return false;
    }
    if (c->index >= 0) {
        if (!st_ev_get_arg(x->ev, f, c->index, &tmp, x->scratch,
                           sizeof(x->scratch)))
            return false;
        return test(c, &tmp, tmp.s ? strlen(tmp.s) : 0);
    }
    if (!(v = get(x, c->field, &len)))
        return false; /* no value: every check fails, exists too */
    return test(c, v, len);
}

bool st_rules__eval(const st_cnode *c, st_ectx *x)
{
    switch ((st_ckind)c->kind) {
    case ST_C_TRUE:
        return true;
    case ST_C_FALSE:
        return false;
    case ST_C_AND:
        for (uint32_t i = 0; i < c->n; i++)
            if (!st_rules__eval(c->kids[i], x))
                return false;
        return true;
    case ST_C_OR:
        for (uint32_t i = 0; i < c->n; i++)
            if (st_rules__eval(c->kids[i], x))
                return true;
        return false;
    case ST_C_NOT:
        return !st_rules__eval(c->kids[0], x);
    case ST_C_TYPE:
        return (c->types >> x->ev->type) & 1;
    case ST_C_CMP:
        return cmp(c, x);
    }
    return false;
}
