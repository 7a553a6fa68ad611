/* Conditions: Falco's filter grammar, by recursive descent.
 *
 *   Or    ::= And ('or' (Blank | '(') And)*
 *   And   ::= Not ('and' (Blank | '(') Not)*
 *   Not   ::= ('not' Blank+)* ('not(' Or ')' | Check)
 *   Check ::= '(' Or ')' | Field ['[' Arg ']'] Cond | Transformer Cond
 *           | Identifier                        (a macro)
 *   Cond  ::= 'exists' | NumOp Number | StrOp String | ListOp List
 *   List  ::= '(' [String (',' String)*] ')' | Identifier  (a list)
 *
 * Fields have a dot (proc.name), identifiers do not. Bare strings are
 * runs of anything but blanks, parentheses, quotes, '=' and ','; quoted
 * strings take \b \f \n \r \t and escaped quotes, spaces and backslashes.
 * Transformers (tolower(…)) and val(…) are parsed so that a rule using
 * them can be skipped with the reason. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "monitor/rules_int.h"

#include "util/banned.h"

#define MAX_PARSE_DEPTH 1000 /* Falco's limit for rule conditions */

static const char *const op_names[] = {
    [ST_OP_EQ] = "=",
    [ST_OP_NE] = "!=",
    [ST_OP_LT] = "<",
    [ST_OP_LE] = "<=",
    [ST_OP_GT] = ">",
    [ST_OP_GE] = ">=",
    [ST_OP_CONTAINS] = "contains",
    [ST_OP_ICONTAINS] = "icontains",
    [ST_OP_STARTSWITH] = "startswith",
    [ST_OP_ENDSWITH] = "endswith",
    [ST_OP_GLOB] = "glob",
    [ST_OP_IGLOB] = "iglob",
    [ST_OP_IN] = "in",
    [ST_OP_INTERSECTS] = "intersects",
    [ST_OP_PMATCH] = "pmatch",
    [ST_OP_EXISTS] = "exists",
    [ST_OP_BCONTAINS] = "bcontains",
    [ST_OP_BSTARTSWITH] = "bstartswith",
    [ST_OP_REGEX] = "regex",
};

const char *st_rules__op_name(st_rop op)
{
    return (unsigned)op < sizeof(op_names) / sizeof(*op_names) ? op_names[op]
                                                               : "?";
}

/* Operators in the order Falco tries them; `blank`: a blank must follow. */
static const struct {
    const char *text;
    st_rop op;
    bool blank;
} num_ops[] = {{"<=", ST_OP_LE, false},
               {"<", ST_OP_LT, false},
               {">=", ST_OP_GE, false},
               {">", ST_OP_GT, false}},
  str_ops[] = {{"==", ST_OP_EQ, false},
               {"=", ST_OP_EQ, false},
               {"!=", ST_OP_NE, false},
               {"glob", ST_OP_GLOB, true},
               {"iglob", ST_OP_IGLOB, true},
               {"contains", ST_OP_CONTAINS, true},
               {"icontains", ST_OP_ICONTAINS, true},
               {"bcontains", ST_OP_BCONTAINS, true},
               {"startswith", ST_OP_STARTSWITH, true},
               {"bstartswith", ST_OP_BSTARTSWITH, true},
               {"endswith", ST_OP_ENDSWITH, true},
               {"regex", ST_OP_REGEX, true}},
  list_ops[] = {{"intersects", ST_OP_INTERSECTS, false},
                {"in", ST_OP_IN, false},
                {"pmatch", ST_OP_PMATCH, false}};

static const char *const transformers[] = {"tolower(",  "toupper(", "b64(",
                                           "basename(", "len(",     "join("};

typedef struct lx {
    const char *t;
    size_t i, n;
    st_arena *a;
    char *msg;
    size_t msglen;
    unsigned pos;
    int rc;
    unsigned depth;
} lx;

static int fail(lx *l, const char *fmt, ...) ST_PRINTF(2, 3);
static int fail(lx *l, const char *fmt, ...)
{
    va_list ap;
    if (l->rc < 0)
        return l->rc;
    l->rc = ST_EINVALID;
    l->pos = (unsigned)l->i;
    va_start(ap, fmt);
    vsnprintf(l->msg, l->msglen, fmt, ap);
    va_end(ap);
    return l->rc;
}

static int oom(lx *l)
{
    if (l->rc == 0) {
        l->rc = ST_ENOMEM;
        snprintf(l->msg, l->msglen, "out of memory");
    }
    return l->rc;
}

static char cur(const lx *l)
{
    return l->i < l->n ? l->t[l->i] : 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

static bool is_space(char c) /* POSIX [:space:] */
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

static bool blank(lx *l)
{
    bool found = false;
    while (l->i < l->n && is_blank(l->t[l->i])) {
        l->i++;
        found = true;
    }
    return found;
}

static bool lit(lx *l, const char *s)
{
    size_t n = strlen(s);
    if (l->n - l->i < n || memcmp(l->t + l->i, s, n))
        return false;
    l->i += n;
    return true;
}

static size_t ident_at(const lx *l, size_t i)
{
    size_t j = i;
    if (j >= l->n || !is_alpha(l->t[j]))
        return 0;
    while (j < l->n && is_word(l->t[j]))
        j++;
    return j - i;
}

/* A field name: identifiers joined by dots, at least one dot. */
static size_t field_at(const lx *l)
{
    size_t j = l->i + ident_at(l, l->i), dots = 0;
    if (j == l->i)
        return 0;
    while (j < l->n && l->t[j] == '.') {
        size_t k = ident_at(l, j + 1);
        if (!k)
            break;
        j += 1 + k;
        dots++;
    }
    return dots ? j - l->i : 0;
}

static char *dup_range(lx *l, size_t from, size_t to)
{
    char *s = st_arena_strndup(l->a, l->t + from, to - from);
    if (!s)
        oom(l);
    return s;
}

/* A quoted string at the cursor, unescaped. */
static bool quoted(lx *l, char **out)
{
    char q = cur(l), *s;
    size_t j = l->i + 1, k = 0;
    if (q != '"' && q != '\'')
        return false;
    /* find the end first: a quote not escaped */
    while (j < l->n && l->t[j] != q) {
        if (l->t[j] == '\\' && j + 1 < l->n)
            j++;
        j++;
    }
    if (j >= l->n) {
        fail(l, "unterminated quoted string");
        return false;
    }
    if (!(s = st_arena_alloc(l->a, j - l->i))) {
        oom(l);
        return false;
    }
    for (size_t p = l->i + 1; p < j; p++) {
        char c = l->t[p];
        if (c == '\\') {
            c = l->t[++p];
            switch (c) {
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case ' ':
            case '\\':
            case '"':
            case '\'':
                break;
            default:
                l->i = p - 1;
                fail(l, "invalid escape '\\%c' in a quoted string", c);
                return false;
            }
        }
        s[k++] = c;
    }
    s[k] = 0;
    l->i = j + 1;
    *out = s;
    return true;
}

static bool bare_char(char c)
{
    return c && !is_space(c) && c != '(' && c != ')' && c != '"' && c != '\'' &&
           c != '=' && c != ',';
}

static bool bare(lx *l, char **out)
{
    size_t j = l->i;
    while (j < l->n && bare_char(l->t[j]))
        j++;
    if (j == l->i)
        return false;
    if (!(*out = dup_range(l, l->i, j)))
        return false;
    l->i = j;
    return true;
}

/* [+-]?[0-9]+[.]?[0-9]*([eE][+-][0-9]+)? or 0x… */
static bool number(lx *l, char **out)
{
    size_t j = l->i;
    const char *t = l->t;
    if (j + 2 < l->n && t[j] == '0' && (t[j + 1] == 'x' || t[j + 1] == 'X') &&
        strchr("0123456789abcdefABCDEF", t[j + 2]) && t[j + 2]) {
        j += 2;
        while (j < l->n && t[j] && strchr("0123456789abcdefABCDEF", t[j]))
            j++;
    } else {
        if (j < l->n && (t[j] == '+' || t[j] == '-'))
            j++;
        if (j >= l->n || t[j] < '0' || t[j] > '9')
            return false;
        while (j < l->n && t[j] >= '0' && t[j] <= '9')
            j++;
        if (j < l->n && t[j] == '.')
            j++;
        while (j < l->n && t[j] >= '0' && t[j] <= '9')
            j++;
        if (j + 2 < l->n && (t[j] == 'e' || t[j] == 'E') &&
            (t[j + 1] == '+' || t[j + 1] == '-') && t[j + 2] >= '0' &&
            t[j + 2] <= '9') {
            j += 2;
            while (j < l->n && t[j] >= '0' && t[j] <= '9')
                j++;
        }
    }
    if (!(*out = dup_range(l, l->i, j)))
        return false;
    l->i = j;
    return true;
}

static st_pnode *node(lx *l, st_pkind kind, size_t pos)
{
    st_pnode *p = st_arena_alloc(l->a, sizeof(*p));
    if (!p) {
        oom(l);
        return NULL;
    }
    p->kind = kind;
    p->pos = (unsigned)pos;
    return p;
}

static st_pnode *parse_or(lx *l);

static bool enter(lx *l)
{
    if (++l->depth >= MAX_PARSE_DEPTH) {
        fail(l, "nested more than %d deep", MAX_PARSE_DEPTH);
        return false;
    }
    return true;
}

static st_pnode *embedded(lx *l)
{
    st_pnode *p;
    blank(l);
    if (!(p = parse_or(l)))
        return NULL;
    blank(l);
    if (!lit(l, ")")) {
        fail(l, "expected ')'");
        return NULL;
    }
    return p;
}

/* A field's name with its optional [argument], in the arena. */
static char *field_name(lx *l)
{
    size_t start = l->i, flen = field_at(l);
    char *arg = NULL;
    l->i += flen;
    if (!lit(l, "["))
        return dup_range(l, start, l->i);
    if (!quoted(l, &arg)) {
        size_t j = l->i;
        if (l->rc < 0)
            return NULL;
        while (j < l->n && !is_space(l->t[j]) && l->t[j] != '[' &&
               l->t[j] != ']' && l->t[j] != '"' && l->t[j] != '\'')
            j++;
        if (j == l->i) {
            fail(l, "expected a field argument");
            return NULL;
        }
        if (!(arg = dup_range(l, l->i, j)))
            return NULL;
        l->i = j;
    }
    if (!lit(l, "]")) {
        fail(l, "expected ']'");
        return NULL;
    }
    {
        char *s =
            st_arena_printf(l->a, "%.*s[%s]", (int)flen, l->t + start, arg);
        if (!s)
            oom(l);
        return s;
    }
}

static const char *transformer_at(lx *l)
{
    for (size_t i = 0; i < sizeof(transformers) / sizeof(*transformers); i++)
        if (lit(l, transformers[i]))
            return transformers[i];
    return NULL;
}

/* The arguments of a transformer up to its ')': fields, transformers,
 * quoted strings, numbers, lists. Only their syntax is checked. */
static bool transformer_args(lx *l)
{
    if (!enter(l))
        return false;
    do {
        char *s;
        blank(l);
        if (lit(l, "(")) {
            while (l->rc == 0 && !lit(l, ")")) {
                blank(l);
                if (!quoted(l, &s) && !number(l, &s)) {
                    if (!field_at(l)) {
                        fail(l, "expected a field, a string or a number");
                        return false;
                    }
                    if (!field_name(l))
                        return false;
                }
                blank(l);
                lit(l, ",");
            }
        } else if (transformer_at(l)) {
            if (!transformer_args(l))
                return false;
        } else if (field_at(l)) {
            if (!field_name(l))
                return false;
        } else if (!quoted(l, &s) && !number(l, &s)) {
            if (l->rc == 0)
                fail(l, "expected a field, a transformer, a string or a "
                        "number");
            return false;
        }
        blank(l);
    } while (lit(l, ","));
    if (l->rc < 0)
        return false;
    if (!lit(l, ")")) {
        fail(l, "expected ')' closing the transformer");
        return false;
    }
    l->depth--;
    return true;
}

/* val(field) or a transformer on the right-hand side: 1 found, 0 not,
 * -1 error. */
static int rhs_transformer(lx *l, st_pnode *p)
{
    const char *t;
    blank(l);
    if (lit(l, "val(")) {
        blank(l);
        if (!field_at(l) || !field_name(l)) {
            fail(l, "expected a field within 'val('");
            return -1;
        }
        blank(l);
        if (!lit(l, ")")) {
            fail(l, "expected ')' closing 'val('");
            return -1;
        }
        p->rhs_field = true;
        return 1;
    }
    if ((t = transformer_at(l))) {
        if (!transformer_args(l))
            return -1;
        p->rhs_field = true;
        return 1;
    }
    return 0;
}

static bool add_value(lx *l, st_pnode *p, char *s, bool isq, size_t *cap)
{
    if (p->nvals == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        st_pval *nv = st_arena_alloc(l->a, ncap * sizeof(*nv));
        if (!nv) {
            oom(l);
            return false;
        }
        if (p->nvals)
            memcpy(nv, p->vals, p->nvals * sizeof(*nv));
        p->vals = nv;
        *cap = ncap;
    }
    p->vals[p->nvals].s = s;
    p->vals[p->nvals].quoted = isq;
    p->nvals++;
    return true;
}

static bool str_value(lx *l, char **s, bool *isq)
{
    blank(l);
    *isq = cur(l) == '"' || cur(l) == '\'';
    if (quoted(l, s) || (l->rc == 0 && bare(l, s)))
        return true;
    if (l->rc == 0)
        fail(l, "expected a string value");
    return false;
}

static bool condition(lx *l, st_pnode *p)
{
    char *s;
    bool isq;
    size_t cap = 0;
    int t;

    blank(l);
    if (lit(l, "exists")) {
        p->op = ST_OP_EXISTS;
        return true;
    }
    blank(l);
    for (size_t i = 0; i < sizeof(num_ops) / sizeof(*num_ops); i++) {
        if (!lit(l, num_ops[i].text))
            continue;
        p->op = num_ops[i].op;
        if ((t = rhs_transformer(l, p)) != 0)
            return t > 0;
        blank(l);
        if (!number(l, &s)) {
            if (l->rc == 0)
                fail(l, "expected a number after '%s'", num_ops[i].text);
            return false;
        }
        return add_value(l, p, s, false, &cap);
    }
    for (size_t i = 0; i < sizeof(str_ops) / sizeof(*str_ops); i++) {
        if (!lit(l, str_ops[i].text))
            continue;
        if (str_ops[i].blank && !blank(l)) {
            fail(l, "expected a blank after '%s'", str_ops[i].text);
            return false;
        }
        p->op = str_ops[i].op;
        if ((t = rhs_transformer(l, p)) != 0)
            return t > 0;
        return str_value(l, &s, &isq) && add_value(l, p, s, isq, &cap);
    }
    for (size_t i = 0; i < sizeof(list_ops) / sizeof(*list_ops); i++) {
        if (!lit(l, list_ops[i].text))
            continue;
        p->op = list_ops[i].op;
        p->list = true;
        blank(l);
        if (lit(l, "(")) {
            blank(l);
            if (lit(l, ")"))
                return true;
            do {
                if (!str_value(l, &s, &isq) || !add_value(l, p, s, isq, &cap))
                    return false;
                blank(l);
            } while (lit(l, ","));
            if (!lit(l, ")")) {
                fail(l, "expected ')' or ',' in a list");
                return false;
            }
            return true;
        }
        if ((t = rhs_transformer(l, p)) != 0)
            return t > 0;
        {
            size_t n = ident_at(l, l->i);
            if (!n) {
                fail(l, "expected a list after '%s'", list_ops[i].text);
                return false;
            }
            if (!(s = dup_range(l, l->i, l->i + n)))
                return false;
            l->i += n;
            return add_value(l, p, s, false, &cap);
        }
    }
    fail(l, "expected an operator");
    return false;
}

static st_pnode *check(lx *l)
{
    st_pnode *p;
    const char *t;
    size_t start;

    if (!enter(l))
        return NULL;
    blank(l);
    start = l->i;
    if (lit(l, "(")) {
        p = embedded(l);
    } else if (field_at(l)) {
        if (!(p = node(l, ST_P_CHECK, start)) || !(p->name = field_name(l)) ||
            !condition(l, p))
            p = NULL;
    } else if ((t = transformer_at(l))) {
        if (!(p = node(l, ST_P_CHECK, start)) || !transformer_args(l) ||
            !condition(l, p)) {
            p = NULL;
        } else {
            p->transformer = t;
            p->name = "";
        }
    } else if (ident_at(l, l->i)) {
        size_t n = ident_at(l, l->i);
        if ((p = node(l, ST_P_IDENT, start)) &&
            !(p->name = dup_range(l, l->i, l->i + n)))
            p = NULL;
        l->i += n;
    } else {
        fail(l, "expected '(', a field check or a macro name");
        p = NULL;
    }
    l->depth--;
    return p;
}

static st_pnode *parse_not(lx *l)
{
    st_pnode *p, *kid;
    bool neg = false;
    size_t start;

    if (!enter(l))
        return NULL;
    blank(l);
    start = l->i;
    for (;;) {
        size_t j = l->i + 3;
        if (l->n - l->i > 3 && !memcmp(l->t + l->i, "not", 3) &&
            is_space(l->t[j])) {
            while (j < l->n && is_space(l->t[j]))
                j++;
            l->i = j;
            neg = !neg;
            continue;
        }
        break;
    }
    if (lit(l, "not(")) {
        neg = !neg;
        kid = embedded(l);
    } else {
        kid = check(l);
    }
    l->depth--;
    if (!kid || !neg)
        return kid;
    if (!(p = node(l, ST_P_NOT, start)) ||
        !(p->kids = st_arena_alloc(l->a, sizeof(*p->kids))))
        return NULL;
    p->kids[0] = kid;
    p->n = 1;
    return p;
}

/* and/or chains: one node with every operand. */
static st_pnode *chain(lx *l, st_pkind kind)
{
    const char *word = kind == ST_P_AND ? "and" : "or";
    st_vec kids = ST_VEC_INIT;
    st_pnode *p = NULL, *kid;
    size_t start;

    if (!enter(l))
        return NULL;
    blank(l);
    start = l->i;
    kid = kind == ST_P_AND ? parse_not(l) : chain(l, ST_P_AND);
    while (kid) {
        if (st_vec_push(&kids, kid) < 0) {
            oom(l);
            goto done;
        }
        blank(l);
        if (!lit(l, word))
            break;
        if (!blank(l)) {
            if (!lit(l, "(")) {
                fail(l, "expected a blank or '(' after '%s'", word);
                goto done;
            }
            kid = embedded(l);
        } else {
            kid = kind == ST_P_AND ? parse_not(l) : chain(l, ST_P_AND);
        }
    }
    if (l->rc < 0)
        goto done;
    if (kids.len == 1) {
        p = kids.items[0];
        goto done;
    }
    if (!(p = node(l, kind, start)) ||
        !(p->kids = st_arena_alloc(l->a, kids.len * sizeof(*p->kids)))) {
        p = NULL;
        goto done;
    }
    memcpy(p->kids, kids.items, kids.len * sizeof(*p->kids));
    p->n = kids.len;
done:
    st_vec_release(&kids);
    l->depth--;
    return l->rc < 0 ? NULL : p;
}

static st_pnode *parse_or(lx *l)
{
    return chain(l, ST_P_OR);
}

int st_rules__parse(st_pnode **out,
                    st_arena *a,
                    const char *text,
                    char *msg,
                    size_t msglen,
                    unsigned *pos)
{
    lx l = {text, 0, strlen(text), a, msg, msglen, 0, 0, 0};
    st_pnode *p;

    *out = NULL;
    msg[0] = 0;
    *pos = 0;
    blank(&l);
    if (l.i == l.n) {
        fail(&l, "empty condition");
    } else if ((p = parse_or(&l)) != NULL) {
        blank(&l);
        if (l.i != l.n)
            fail(&l, "unexpected text, expected 'and', 'or' or the end");
        else
            *out = p;
    }
    *pos = l.pos;
    return l.rc;
}
