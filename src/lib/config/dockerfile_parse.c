/* The Dockerfile parser (dockerfile.h): lines into instructions, then the
 * builder's substitution of ARG and ENV values and the stages.
 *
 * Reading follows BuildKit: parser directives only before anything else;
 * a line whose last non-blank character is the escape character continues
 * on the next line that is not blank or a comment, joined without a
 * separator; the first word of an instruction is its keyword, in any case.
 * A heredoc's body is the lines after its instruction up to the line that
 * is its delimiter (after the leading tabs a <<- strips).
 *
 * Substitution follows the builder's shell-like lexer: outside quotes the
 * escape character takes the next character literally; single quotes are
 * literal; in double quotes the escape character escapes only itself, '"'
 * and '$'. A variable of unknown value (an ARG without a default, a name
 * never declared) expands to "" and marks the result unresolved, so that
 * checks do not judge a value nobody knows. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/dockerfile.h"
#include "util/json.h"
#include "util/banned.h"

/* ---- the variables in scope ---------------------------------------------- */

typedef struct var {
    const char *value; /* NULL: declared, value unknown */
    bool env;          /* ENV (wins over an ARG of the same name) */
} var;

typedef struct scope {
    st_map *vars;
    size_t count;
    /* every variable is declared here: one that is not is empty. True of
     * the global scope (FROM lines); a stage may see ENV of its base
     * image, which nobody here knows. */
    bool closed;
} scope;

typedef struct parser {
    st_arena *a;
    const char *p, *end; /* the unread input */
    unsigned line;       /* the line p is at, 1-based */
    char esc;
    st_error **err;
    int rc;
    st_vec insns;         /* st_df_insn * */
    st_vec stages;        /* st_df_stage * */
    st_vec diags;         /* st_df_diag * */
    st_vec words;         /* scratch: raw words of one instruction */
    st_buf logical;       /* one instruction, continuations joined */
    st_buf xbuf;          /* scratch for substitution */
    scope global;         /* ARGs before the first FROM */
    scope stage;          /* the current stage's */
    st_vec envs;          /* per stage: its scope at the end (scope *) */
    st_map *stage_names;  /* lower-cased name -> index + 1 (first FROM) */
    size_t expand_budget; /* bytes substitution may still produce */
} parser;

static void diag(parser *ps, unsigned line, const char *fmt, ...)
    ST_PRINTF(3, 4);
static void diag(parser *ps, unsigned line, const char *fmt, ...)
{
    st_df_diag *d;
    va_list ap;
    char msg[256];

    if (ps->rc || ps->diags.len >= ST_DF_MAX_DIAGS)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!(d = st_arena_alloc(ps->a, sizeof(*d))) ||
        !(d->msg = st_arena_strdup(ps->a, msg)) ||
        st_vec_push(&ps->diags, d) < 0) {
        ps->rc = ST_ENOMEM;
        return;
    }
    d->line = line;
}

static int fail(parser *ps, int code, unsigned line, const char *what)
{
    if (!ps->rc)
        ps->rc =
            code == ST_ENOMEM
                ? st_error_set(ps->err, code, "dockerfile", "out of memory")
                : st_error_set(ps->err, code, "dockerfile", "line %u: %s", line,
                               what ? what : "invalid");
    return ps->rc;
}

static char *dup(parser *ps, const char *s, size_t n)
{
    char *d = st_arena_strndup(ps->a, s, n);
    if (!d)
        fail(ps, ST_ENOMEM, 0, NULL);
    return d;
}

static void scope_release(scope *s)
{
    st_map_free(s->vars);
    s->vars = NULL;
    s->count = 0;
}

static int scope_init(parser *ps, scope *s)
{
    s->count = 0;
    if (!(s->vars = st_map_new()))
        return fail(ps, ST_ENOMEM, 0, NULL);
    return 0;
}

static const var *lookup(const scope *s, const char *name, size_t n)
{
    return s && s->vars ? st_map_get(s->vars, name, n) : NULL;
}

/* Sets name to value (NULL: unknown). An ARG does not hide an ENV. */
static int set_var(parser *ps,
                   scope *s,
                   unsigned line,
                   const char *name,
                   const char *value,
                   bool env)
{
    void **slot;
    bool created;
    var *v;

    if (!s->vars)
        return 0;
    if (!st_map_get(s->vars, name, strlen(name)) &&
        s->count >= ST_DF_MAX_VARS) {
        diag(ps, line, "more than %u variables: %s is not tracked",
             ST_DF_MAX_VARS, name);
        return 0;
    }
    if (st_map_slot(s->vars, name, strlen(name), &slot, &created) < 0)
        return fail(ps, ST_ENOMEM, 0, NULL);
    if (created)
        s->count++;
    v = *slot;
    if (v && v->env && !env)
        return 0;
    if (!v && !(v = *slot = st_arena_alloc(ps->a, sizeof(*v))))
        return fail(ps, ST_ENOMEM, 0, NULL);
    v->value = value;
    v->env = env;
    return 0;
}

/* ---- substitution ----------------------------------------------------------
 */

typedef struct xctx {
    parser *ps;
    const scope *s;
    unsigned line;
    bool unresolved;
} xctx;

static int xput(xctx *x, st_buf *out, const char *s, size_t n)
{
    if (n > x->ps->expand_budget || out->len + n > ST_DF_MAX_EXPAND) {
        diag(x->ps, x->line, "a word grows past %u bytes: cut",
             ST_DF_MAX_EXPAND);
        x->unresolved = true;
        return 1; /* stop this word, keep the parse */
    }
    x->ps->expand_budget -= n;
    if (st_buf_put(out, s, n) < 0)
        return fail(x->ps, ST_ENOMEM, 0, NULL);
    return 0;
}

static int expand(xctx *x, st_buf *out, const char *s, size_t n, int depth);

/* The end of a ${…} word that starts at s: the index of its "}" (braces
 * nest, quotes and the escape character protect), or n. */
static size_t brace_end(const char *s, size_t n, char esc)
{
    int nest = 0;
    char q = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == esc && q != '\'') {
            i++;
        } else if (q) {
            if (c == q)
                q = 0;
        } else if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '{') {
            nest++;
        } else if (c == '}') {
            if (!nest--)
                return i;
        }
    }
    return n;
}

/* s points after a '$': substitutes one variable into out; *used gets
 * how many bytes of s it read (0: a literal '$'). */
static int substitute(
    xctx *x, st_buf *out, const char *s, size_t n, size_t *used, int depth)
{
    const var *v;
    size_t i = 0, name_len, close;
    bool braces = n && s[0] == '{', unknown;
    char op = 0, colon = 0;
    int rc;

    *used = 0;
    if (braces)
        i = 1;
    if (i >= n || !(isalpha((unsigned char)s[i]) || s[i] == '_'))
        return 0; /* "$", "$1", "${}": the builder keeps them as written */
    name_len = i;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
        i++;
    name_len = i - name_len;
    v = lookup(x->s, s + (braces ? 1 : 0), name_len);
    /* unknown: an ARG without a value, or a name a base image may set */
    unknown = v ? !v->value : !(x->s && x->s->closed);
    if (!braces) {
        *used = i;
        if (unknown)
            x->unresolved = true;
        return v && v->value ? xput(x, out, v->value, strlen(v->value)) : 0;
    }
    close = i + brace_end(s + i, n - i, x->ps->esc);
    if (close >= n) {
        diag(x->ps, x->line, "missing '}' in a variable substitution");
        x->unresolved = true;
        *used = n;
        return 0;
    }
    *used = close + 1;
    if (i < close && s[i] == ':')
        colon = s[i++];
    if (i < close)
        op = s[i++];
    if (op && op != '-' && op != '+') {
        /* ${x#p}, ${x%p}, ${x/p/r}: patterns the checks do not need */
        x->unresolved = true;
        return 0;
    }
    if (!op && colon) {
        diag(x->ps, x->line, "bad variable substitution");
        x->unresolved = true;
        return 0;
    }
    if (unknown)
        x->unresolved = true;
    if (!op)
        return v && v->value ? xput(x, out, v->value, strlen(v->value)) : 0;
    if (depth >= ST_DF_MAX_DEPTH) {
        diag(x->ps, x->line, "variable substitution nested too deep");
        x->unresolved = true;
        return 0;
    }
    {
        /* unknown reads as unset: the default is the likely value */
        bool set = v && v->value && (!colon || *v->value);
        bool word = op == '-' ? !set : set;
        if (!word)
            return set ? xput(x, out, v->value, strlen(v->value)) : 0;
        rc = expand(x, out, s + i, close - i, depth + 1);
        return rc < 0 ? rc : 0;
    }
}

/* The builder's word processing: quote removal, the escape character,
 * substitution. Appends to out; 0, ST_ENOMEM. */
static int expand(xctx *x, st_buf *out, const char *s, size_t n, int depth)
{
    const char esc = x->ps->esc;
    size_t i = 0, used;
    char q = 0;
    int rc;

    while (i < n) {
        char c = s[i];
        if (q == '\'') {
            if (c == '\'')
                q = 0;
            else if ((rc = xput(x, out, &c, 1)) != 0)
                return rc < 0 ? rc : 0;
            i++;
            continue;
        }
        if (c == esc) {
            if (i + 1 < n) {
                char d = s[i + 1];
                bool take = !q || d == '"' || d == '$' || d == esc;
                if (!take && (rc = xput(x, out, &c, 1)) != 0)
                    return rc < 0 ? rc : 0;
                if ((rc = xput(x, out, &d, 1)) != 0)
                    return rc < 0 ? rc : 0;
            }
            i += 2;
            continue;
        }
        if (c == '"' || (c == '\'' && !q)) {
            q = q == c ? 0 : c;
            i++;
            continue;
        }
        if (c == '$') {
            if ((rc = substitute(x, out, s + i + 1, n - i - 1, &used, depth)) !=
                0)
                return rc < 0 ? rc : 0;
            if (used) {
                i += 1 + used;
                continue;
            }
        }
        if ((rc = xput(x, out, &c, 1)) != 0)
            return rc < 0 ? rc : 0;
        i++;
    }
    if (q)
        diag(x->ps, x->line, "unterminated %s quote",
             q == '"' ? "double" : "single");
    return 0;
}

/* One word expanded into the arena; NULL on ST_ENOMEM (ps->rc set). */
static const char *xword(parser *ps,
                         const scope *s,
                         unsigned line,
                         const char *w,
                         size_t n,
                         bool *unresolved)
{
    xctx x = {ps, s, line, false};

    st_buf_reset(&ps->xbuf);
    if (expand(&x, &ps->xbuf, w, n, 0) < 0)
        return NULL;
    if (x.unresolved && unresolved)
        *unresolved = true;
    return dup(ps, ps->xbuf.ptr, ps->xbuf.len);
}

/* ---- words as written ------------------------------------------------------
 */

typedef struct rword {
    const char *s;
    size_t n;
} rword;

/* Splits s[0..n) at blanks outside quotes into ps->words (rword *, from
 * the arena). Quotes and escapes stay in the words. */
static int split_raw(parser *ps, unsigned line, const char *s, size_t n)
{
    size_t i = 0;

    ps->words.len = 0;
    while (i < n) {
        size_t start;
        char q = 0;
        rword *w;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (i >= n)
            break;
        start = i;
        while (i < n && (q || !isspace((unsigned char)s[i]))) {
            char c = s[i];
            if (c == ps->esc && q != '\'')
                i++;
            else if (q && c == q)
                q = 0;
            else if (!q && (c == '"' || c == '\''))
                q = c;
            i++;
        }
        if (i > n)
            i = n;
        if (ps->words.len >= ST_DF_MAX_WORDS) {
            diag(ps, line, "more than %u words: the rest is ignored",
                 ST_DF_MAX_WORDS);
            break;
        }
        if (!(w = st_arena_alloc(ps->a, sizeof(*w))) ||
            st_vec_push(&ps->words, w) < 0)
            return fail(ps, ST_ENOMEM, 0, NULL);
        w->s = s + start;
        w->n = i - start;
    }
    return 0;
}

/* ---- instructions ----------------------------------------------------------
 */

static const struct {
    const char *name;
    st_df_cmd cmd;
} keywords[] = {
    {"ADD", ST_DF_ADD},
    {"ARG", ST_DF_ARG},
    {"CMD", ST_DF_CMD},
    {"COPY", ST_DF_COPY},
    {"ENTRYPOINT", ST_DF_ENTRYPOINT},
    {"ENV", ST_DF_ENV},
    {"EXPOSE", ST_DF_EXPOSE},
    {"FROM", ST_DF_FROM},
    {"HEALTHCHECK", ST_DF_HEALTHCHECK},
    {"LABEL", ST_DF_LABEL},
    {"MAINTAINER", ST_DF_MAINTAINER},
    {"ONBUILD", ST_DF_ONBUILD},
    {"RUN", ST_DF_RUN},
    {"SHELL", ST_DF_SHELL},
    {"STOPSIGNAL", ST_DF_STOPSIGNAL},
    {"USER", ST_DF_USER},
    {"VOLUME", ST_DF_VOLUME},
    {"WORKDIR", ST_DF_WORKDIR},
};

st_df_cmd st_df_cmd_of(const char *word, size_t len)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strlen(keywords[i].name) == len &&
            !strncasecmp(keywords[i].name, word, len))
            return keywords[i].cmd;
    return ST_DF_UNKNOWN;
}

const char *st_df_flagval(const st_df_insn *in, const char *name)
{
    for (size_t i = 0; i < in->nflags; i++)
        if (!strcmp(in->flags[i].name, name))
            return in->flags[i].value ? in->flags[i].value : "";
    return NULL;
}

static bool heredocs_allowed(st_df_cmd c)
{
    return c == ST_DF_RUN || c == ST_DF_COPY || c == ST_DF_ADD;
}

static bool takes_flags(st_df_cmd c)
{
    return c == ST_DF_FROM || c == ST_DF_COPY || c == ST_DF_ADD ||
           c == ST_DF_RUN || c == ST_DF_HEALTHCHECK;
}

static bool json_capable(st_df_cmd c)
{
    return c == ST_DF_RUN || c == ST_DF_CMD || c == ST_DF_ENTRYPOINT ||
           c == ST_DF_COPY || c == ST_DF_ADD || c == ST_DF_SHELL ||
           c == ST_DF_VOLUME;
}

/* The exec form: a JSON array of strings. false (shell form) otherwise. */
static bool parse_json(parser *ps, st_df_insn *in, const char *s, size_t n)
{
    json_t *j = NULL, *v;
    const char **args;
    size_t i;

    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n || s[0] != '[' || s[n - 1] != ']')
        return false;
    if (st_json_load(&j, s, n, "exec form", NULL) < 0 || !json_is_array(j))
        goto no;
    json_array_foreach(j, i, v) if (!json_is_string(v)) goto no;
    args = st_arena_alloc(ps->a, (json_array_size(j) + 1) * sizeof(*args));
    if (!args) {
        fail(ps, ST_ENOMEM, 0, NULL);
        goto no;
    }
    json_array_foreach(j, i, v)
    {
        if (!(args[i] = dup(ps, json_string_value(v), json_string_length(v))))
            goto no;
    }
    in->nargs = json_array_size(j);
    in->args = args;
    in->json = true;
    json_decref(j);
    return true;
no:
    json_decref(j);
    return false;
}

/* --flags at the start of *s; advances *s past them. Values are expanded
 * later (they need the scope). */
static int parse_flags(parser *ps,
                       st_df_insn *in,
                       const char **s,
                       const char *end,
                       st_vec *raw_values)
{
    st_vec flags = ST_VEC_INIT;
    const char *p = *s;
    int rc = 0;

    for (;;) {
        const char *w, *eq;
        st_df_flag *f;
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (end - p < 3 || p[0] != '-' || p[1] != '-' ||
            isspace((unsigned char)p[2]))
            break;
        w = p + 2;
        {
            char q = 0;
            while (p < end && (q || !isspace((unsigned char)*p))) {
                if (*p == ps->esc && q != '\'' && p + 1 < end)
                    p++;
                else if (q && *p == q)
                    q = 0;
                else if (!q && (*p == '"' || *p == '\''))
                    q = *p;
                p++;
            }
        }
        if (flags.len >= 64) {
            diag(ps, in->line, "too many flags");
            continue;
        }
        eq = memchr(w, '=', (size_t)(p - w));
        if (!(f = st_arena_alloc(ps->a, sizeof(*f))) ||
            !(f->name = dup(ps, w, (size_t)((eq ? eq : p) - w))) ||
            st_vec_push(&flags, f) < 0 ||
            st_vec_push(raw_values, eq ? (void *)eq : NULL) < 0) {
            rc = fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
        /* the raw value runs from after '=' to p: keep its end too */
        if (eq && st_vec_push(raw_values, (void *)p) < 0) {
            rc = fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
        if (!eq && st_vec_push(raw_values, NULL) < 0) {
            rc = fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
    }
    if (flags.len) {
        st_df_flag *arr = st_arena_alloc(ps->a, flags.len * sizeof(*arr));
        if (!arr) {
            rc = fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
        for (size_t i = 0; i < flags.len; i++)
            arr[i] = *(st_df_flag *)flags.items[i];
        in->flags = arr;
        in->nflags = flags.len;
    }
    *s = p;
done:
    st_vec_release(&flags);
    return rc;
}

/* ---- reading lines ---------------------------------------------------------
 */

/* The next physical line (without "\n" and a "\r" before it); false at
 * the end of the input. */
static bool next_line(parser *ps, const char **s, size_t *n)
{
    const char *nl;

    if (ps->p >= ps->end)
        return false;
    nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    *s = ps->p;
    *n = (size_t)((nl ? nl : ps->end) - ps->p);
    ps->p = nl ? nl + 1 : ps->end;
    ps->line++;
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    return true;
}

static size_t skip_blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Whether the line (blanks at its end trimmed into *n) ends in the escape
 * character; if so *n is cut before it. */
static bool continues(parser *ps, const char *s, size_t *n)
{
    size_t k = *n;
    while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    if (!k || s[k - 1] != ps->esc)
        return false;
    *n = k - 1;
    return true;
}

/* # name=value at the top of the file. */
static bool directive(const char *s,
                      size_t n,
                      const char **name,
                      size_t *name_len,
                      const char **value,
                      size_t *value_len)
{
    size_t i = skip_blank(s, n), k;

    if (i >= n || s[i] != '#')
        return false;
    i += 1 + skip_blank(s + i + 1, n - i - 1);
    if (i >= n || !isalpha((unsigned char)s[i]))
        return false;
    *name = s + i;
    while (i < n && isalnum((unsigned char)s[i]))
        i++;
    *name_len = (size_t)(s + i - *name);
    i += skip_blank(s + i, n - i);
    if (i >= n || s[i] != '=')
        return false;
    i++;
    i += skip_blank(s + i, n - i);
    k = n;
    while (k > i && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    if (k == i)
        return false;
    *value = s + i;
    *value_len = k - i;
    return true;
}

static void directives(parser *ps, st_dockerfile *df)
{
    bool seen_escape = false, seen_syntax = false;

    for (;;) {
        const char *save = ps->p, *s, *name, *value;
        unsigned save_line = ps->line;
        size_t n, nl, vl;
        if (!next_line(ps, &s, &n) ||
            !directive(s, n, &name, &nl, &value, &vl)) {
            ps->p = save;
            ps->line = save_line;
            return;
        }
        if (nl == 6 && !strncasecmp(name, "escape", 6)) {
            if (seen_escape)
                diag(ps, ps->line, "escape directive given twice");
            else if (vl == 1 && (*value == '\\' || *value == '`'))
                ps->esc = df->escape = *value;
            else
                diag(ps, ps->line,
                     "invalid escape directive: %.*s (expected \\ or `)",
                     (int)(vl > 40 ? 40 : vl), value);
            seen_escape = true;
        } else if (nl == 6 && !strncasecmp(name, "syntax", 6)) {
            if (seen_syntax)
                diag(ps, ps->line, "syntax directive given twice");
            else
                df->syntax = dup(ps, value, vl);
            seen_syntax = true;
        } else if (!(nl == 5 && !strncasecmp(name, "check", 5))) {
            /* an unknown directive is a comment, and ends the directives */
            return;
        }
    }
}

/* One instruction's lines, continuations joined, into ps->logical.
 * Returns false at the end of the input. *line gets its first line. */
static bool logical_line(parser *ps, unsigned *line, unsigned *col)
{
    const char *s;
    size_t n, i;

    st_buf_reset(&ps->logical);
    for (;;) {
        if (!next_line(ps, &s, &n))
            return false;
        i = skip_blank(s, n);
        if (i < n && s[i] != '#')
            break;
    }
    *line = ps->line;
    *col = (unsigned)i + 1;
    s += i;
    n -= i;
    for (;;) {
        bool more = continues(ps, s, &n);
        if (ps->logical.len + n > ST_DF_MAX_LINE) {
            fail(ps, ST_ELIMIT, *line, "an instruction longer than 1 MiB");
            return false;
        }
        if (st_buf_put(&ps->logical, s, n) < 0) {
            fail(ps, ST_ENOMEM, 0, NULL);
            return false;
        }
        if (!more)
            return true;
        /* blank and comment lines inside a continuation are dropped */
        for (;;) {
            if (!next_line(ps, &s, &n))
                return true;
            i = skip_blank(s, n);
            if (i < n && s[i] != '#')
                break;
        }
    }
}

/* The heredoc markers among the words (<<EOF, <<-EOF, <<"EOF") and their
 * bodies from the lines that follow. */
static int heredocs(parser *ps, st_df_insn *in)
{
    st_df_heredoc docs[ST_DF_MAX_HEREDOCS];
    size_t nd = 0;
    st_buf body = ST_BUF_INIT(ST_DF_MAX_HEREDOC);
    int rc = 0;

    for (size_t i = 0; i < ps->words.len; i++) {
        const rword *w = ps->words.items[i];
        const char *p = w->s;
        size_t n = w->n, k;
        st_df_heredoc *d;
        bool unres = false;
        if (n < 3 || p[0] != '<' || p[1] != '<' || p[2] == '<')
            continue;
        if (nd == ST_DF_MAX_HEREDOCS) {
            diag(ps, in->line, "more than %u heredocs", ST_DF_MAX_HEREDOCS);
            break;
        }
        d = &docs[nd];
        memset(d, 0, sizeof(*d));
        p += 2;
        n -= 2;
        if (*p == '-') {
            d->chomp = true;
            p++;
            n--;
        }
        if (!n)
            continue;
        for (k = 0; k < n; k++)
            if (p[k] == '"' || p[k] == '\'')
                d->quoted = true;
        /* the delimiter is the word unquoted; nothing is substituted */
        {
            scope none = {NULL, 0, false};
            if (!(d->name = xword(ps, &none, in->line, p, n, &unres)))
                return ps->rc;
        }
        if (!*d->name)
            continue;
        nd++;
    }
    for (size_t i = 0; i < nd; i++) {
        st_df_heredoc *d = &docs[i];
        const char *s;
        size_t n;
        bool closed = false, cut = false;
        st_buf_reset(&body);
        d->line = ps->line + 1;
        while (next_line(ps, &s, &n)) {
            if (d->chomp)
                while (n && *s == '\t')
                    s++, n--;
            if (n == strlen(d->name) && !memcmp(s, d->name, n)) {
                closed = true;
                break;
            }
            if ((rc = st_buf_put(&body, s, n)) < 0 ||
                (rc = st_buf_putc(&body, '\n')) < 0) {
                if (rc == ST_ELIMIT) {
                    if (!cut)
                        diag(ps, d->line,
                             "heredoc %s longer than %u bytes: cut", d->name,
                             ST_DF_MAX_HEREDOC);
                    cut = true;
                    continue;
                }
                fail(ps, rc, 0, NULL);
                goto done;
            }
        }
        if (!closed)
            diag(ps, in->line, "heredoc %s is not terminated", d->name);
        if (!(d->body = dup(ps, body.ptr, body.len)))
            goto done;
        d->len = body.len;
        in->end_line = ps->line;
    }
    if (nd) {
        st_df_heredoc *arr = st_arena_memdup(ps->a, docs, nd * sizeof(*arr));
        if (!arr) {
            fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
        in->heredocs = arr;
        in->nheredocs = nd;
    }
done:
    st_buf_release(&body);
    return ps->rc;
}

/* ---- evaluation: scopes, pairs, words, stages -------------------------------
 */

static scope *current_scope(parser *ps, const st_df_insn *in)
{
    return in->stage < 0 ? &ps->global : &ps->stage;
}

/* ENV, LABEL, ARG: KEY=value words, or ENV/LABEL's old "KEY value". */
static int eval_pairs(parser *ps, st_df_insn *in, const char *text, size_t tlen)
{
    scope *s = current_scope(ps, in);
    st_df_pair *pairs;
    size_t np = 0, nw;

    if ((ps->rc = split_raw(ps, in->line, text, tlen)) < 0)
        return ps->rc;
    nw = ps->words.len;
    if (!nw) {
        diag(ps, in->line, "%s needs at least one argument", in->keyword);
        return 0;
    }
    if (!(pairs = st_arena_alloc(ps->a, nw * sizeof(*pairs))))
        return fail(ps, ST_ENOMEM, 0, NULL);
    {
        const rword *w0 = ps->words.items[0];
        if (in->cmd != ST_DF_ARG && !memchr(w0->s, '=', w0->n)) {
            /* ENV KEY the rest of the line */
            const char *rest = w0->s + w0->n;
            size_t rl = (size_t)(text + tlen - rest);
            bool unres = false;
            while (rl && isspace((unsigned char)*rest))
                rest++, rl--;
            if (!rl)
                diag(ps, in->line, "%s %.*s has no value", in->keyword,
                     (int)(w0->n > 60 ? 60 : w0->n), w0->s);
            pairs[0].key = dup(ps, w0->s, w0->n);
            pairs[0].raw = dup(ps, rest, rl);
            pairs[0].value = xword(ps, s, in->line, rest, rl, &unres);
            pairs[0].unresolved = unres;
            if (!pairs[0].key || !pairs[0].raw || !pairs[0].value)
                return ps->rc;
            np = 1;
            goto set;
        }
    }
    for (size_t i = 0; i < nw; i++) {
        const rword *w = ps->words.items[i];
        const char *eq = memchr(w->s, '=', w->n);
        st_df_pair *pr = &pairs[np];
        bool unres = false;
        if (!eq && in->cmd != ST_DF_ARG) {
            diag(ps, in->line, "%s: %.*s has no '='", in->keyword,
                 (int)(w->n > 60 ? 60 : w->n), w->s);
            continue;
        }
        if (!(pr->key =
                  xword(ps, s, in->line, w->s,
                        (size_t)((eq ? eq : w->s + w->n) - w->s), &unres)))
            return ps->rc;
        if (eq) {
            size_t vl = (size_t)(w->s + w->n - eq - 1);
            if (!(pr->raw = dup(ps, eq + 1, vl)) ||
                !(pr->value = xword(ps, s, in->line, eq + 1, vl, &unres)))
                return ps->rc;
        }
        pr->unresolved = unres;
        if (!*pr->key) {
            diag(ps, in->line, "%s: an empty name", in->keyword);
            continue;
        }
        np++;
    }
set:
    in->pairs = pairs;
    in->npairs = np;
    for (size_t i = 0; i < np; i++) {
        const st_df_pair *pr = &pairs[i];
        const char *value = pr->unresolved ? NULL : pr->value;
        if (in->cmd == ST_DF_LABEL)
            continue;
        if (in->cmd == ST_DF_ARG && !pr->value && in->stage >= 0) {
            /* ARG X in a stage takes the global default */
            const var *g = lookup(&ps->global, pr->key, strlen(pr->key));
            value = g ? g->value : NULL;
        }
        if (set_var(ps, s, in->line, pr->key, value, in->cmd == ST_DF_ENV) < 0)
            return ps->rc;
    }
    return 0;
}

/* The words of an instruction the builder expands. One word for USER and
 * WORKDIR (the rest of the line). */
static int eval_words(parser *ps, st_df_insn *in, const char *text, size_t tlen)
{
    const scope *s = current_scope(ps, in);
    const char **args;
    bool one = in->cmd == ST_DF_USER || in->cmd == ST_DF_WORKDIR;
    size_t nw;

    if (one) {
        while (tlen && isspace((unsigned char)text[tlen - 1]))
            tlen--;
        if (!tlen) {
            diag(ps, in->line, "%s needs an argument", in->keyword);
            return 0;
        }
        if (!(args = st_arena_alloc(ps->a, 2 * sizeof(*args))) ||
            !(args[0] = xword(ps, s, in->line, text, tlen, &in->unresolved)))
            return fail(ps, ST_ENOMEM, 0, NULL);
        in->args = args;
        in->nargs = 1;
        return 0;
    }
    if ((ps->rc = split_raw(ps, in->line, text, tlen)) < 0)
        return ps->rc;
    nw = ps->words.len;
    if (!(args = st_arena_alloc(ps->a, (nw + 1) * sizeof(*args))))
        return fail(ps, ST_ENOMEM, 0, NULL);
    for (size_t i = 0; i < nw; i++) {
        const rword *w = ps->words.items[i];
        /* a heredoc's marker stays as written */
        if (w->n > 2 && w->s[0] == '<' && w->s[1] == '<')
            args[i] = dup(ps, w->s, w->n);
        else
            args[i] = xword(ps, s, in->line, w->s, w->n, &in->unresolved);
        if (!args[i])
            return ps->rc;
    }
    in->args = args;
    in->nargs = nw;
    return 0;
}

/* Words as written (RUN, CMD, ENTRYPOINT in shell form; the rest). */
static int raw_words(parser *ps, st_df_insn *in, const char *text, size_t tlen)
{
    const char **args;

    if ((ps->rc = split_raw(ps, in->line, text, tlen)) < 0)
        return ps->rc;
    if (!(args = st_arena_alloc(ps->a, (ps->words.len + 1) * sizeof(*args))))
        return fail(ps, ST_ENOMEM, 0, NULL);
    for (size_t i = 0; i < ps->words.len; i++) {
        const rword *w = ps->words.items[i];
        if (!(args[i] = dup(ps, w->s, w->n)))
            return ps->rc;
    }
    in->args = args;
    in->nargs = ps->words.len;
    return 0;
}

static int save_scope(parser *ps)
{
    scope *keep = st_arena_alloc(ps->a, sizeof(*keep));
    if (!keep)
        return fail(ps, ST_ENOMEM, 0, NULL);
    *keep = ps->stage;
    ps->stage.vars = NULL;
    ps->stage.count = 0;
    if (st_vec_push(&ps->envs, keep) < 0) {
        scope_release(keep);
        return fail(ps, ST_ENOMEM, 0, NULL);
    }
    return 0;
}

/* A new stage: FROM [--platform=…] image [AS name]. */
static int eval_from(parser *ps, st_df_insn *in, const char *text, size_t tlen)
{
    st_df_stage *st;
    int base = -1;

    if (ps->stages.len && save_scope(ps) < 0)
        return ps->rc;
    if (!(st = st_arena_alloc(ps->a, sizeof(*st))) ||
        st_vec_push(&ps->stages, st) < 0)
        return fail(ps, ST_ENOMEM, 0, NULL);
    in->stage = (int)ps->stages.len - 1;
    st->insn = ps->insns.len - 1; /* this FROM, already pushed */
    st->base = -1;
    /* FROM lines see the global ARGs only */
    in->stage = -1;
    if (eval_words(ps, in, text, tlen) < 0)
        return ps->rc;
    in->stage = (int)ps->stages.len - 1;
    st->platform = st_df_flagval(in, "platform");
    if (!in->nargs) {
        diag(ps, in->line, "FROM needs an image");
        st->image = "";
    } else {
        st->image = in->args[0];
        st->unresolved = in->unresolved;
    }
    {
        /* FROM name: an earlier stage (the first of that name) */
        char *low = dup(ps, st->image, strlen(st->image));
        void *hit;
        if (!low)
            return ps->rc;
        for (char *c = low; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if ((hit = st_map_get(ps->stage_names, low, strlen(low))))
            base = (int)((size_t)hit - 1);
    }
    st->base = base;
    if (in->nargs == 3 && !strcasecmp(in->args[1], "as")) {
        char *name = dup(ps, in->args[2], strlen(in->args[2]));
        void **slot;
        bool created;
        if (!name)
            return ps->rc;
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        st->name = name;
        if (st_map_slot(ps->stage_names, name, strlen(name), &slot, &created) <
            0)
            return fail(ps, ST_ENOMEM, 0, NULL);
        if (created)
            *slot = (void *)ps->stages.len; /* index + 1 */
        else
            diag(ps, in->line, "stage name %s is used twice", name);
    } else if (in->nargs != 1 && in->nargs) {
        diag(ps, in->line, "FROM takes an image and optionally AS name");
    }
    if (scope_init(ps, &ps->stage) < 0)
        return ps->rc;
    if (base >= 0) {
        /* a stage built on an earlier one inherits its ENV */
        const scope *from = ps->envs.items[base];
        size_t pos = 0;
        const char *k;
        void *v;
        while (from->vars && st_map_next(from->vars, &pos, &k, &v)) {
            const var *bv = v;
            if (bv->env &&
                set_var(ps, &ps->stage, in->line, k, bv->value, true) < 0)
                return ps->rc;
        }
    }
    return 0;
}

/* Expands the flags' values (kept as raw pointers pairs [start, end)). */
static int eval_flags(parser *ps, st_df_insn *in, const st_vec *raw)
{
    const scope *s =
        in->cmd == ST_DF_FROM ? &ps->global : current_scope(ps, in);
    st_df_flag *f = (st_df_flag *)in->flags;

    for (size_t i = 0; i < in->nflags; i++) {
        const char *eq = raw->items[2 * i], *end = raw->items[2 * i + 1];
        bool unres = false;
        if (!eq)
            continue;
        if (!(f[i].value = xword(ps, s, in->line, eq + 1,
                                 (size_t)(end - eq - 1), &unres)))
            return ps->rc;
    }
    return 0;
}

/* One instruction from `text` (its keyword first). `outer` is the ONBUILD
 * that holds it, or NULL. */
static int instruction(parser *ps,
                       st_df_insn *in,
                       const char *text,
                       size_t tlen,
                       unsigned line,
                       unsigned col,
                       bool outer)
{
    const char *end = text + tlen, *p = text, *args;
    st_vec raw = ST_VEC_INIT;
    size_t kl;
    int rc = 0;

    while (p < end && !isspace((unsigned char)*p))
        p++;
    kl = (size_t)(p - text);
    in->line = line;
    in->end_line = ps->line;
    in->column = col;
    in->cmd = st_df_cmd_of(text, kl);
    in->stage = ps->stages.len ? (int)ps->stages.len - 1 : -1;
    if (!(in->keyword = dup(ps, text, kl)))
        return ps->rc;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (in->cmd == ST_DF_UNKNOWN) {
        diag(ps, line, "unknown instruction: %.*s", (int)(kl > 40 ? 40 : kl),
             text);
        in->text = dup(ps, p, (size_t)(end - p));
        return ps->rc;
    }
    if (takes_flags(in->cmd) && (rc = parse_flags(ps, in, &p, end, &raw)) < 0)
        goto done;
    while (p < end && isspace((unsigned char)*p))
        p++;
    args = p;
    if (!(in->text = dup(ps, args, (size_t)(end - args))))
        goto done;
    if (in->stage < 0 && in->cmd != ST_DF_ARG && in->cmd != ST_DF_FROM &&
        !outer)
        diag(ps, line, "%s before the first FROM", in->keyword);
    if (heredocs_allowed(in->cmd) && !outer) {
        if ((rc = split_raw(ps, line, args, (size_t)(end - args))) < 0 ||
            (rc = heredocs(ps, in)) < 0)
            goto done;
    }
    if (in->cmd == ST_DF_ONBUILD) {
        st_df_insn *sub = st_arena_alloc(ps->a, sizeof(*sub));
        size_t sl = (size_t)(end - args);
        st_df_cmd sc;
        if (!sub) {
            rc = fail(ps, ST_ENOMEM, 0, NULL);
            goto done;
        }
        sc = st_df_cmd_of(args, strcspn(args, " \t"));
        if (outer || sc == ST_DF_ONBUILD || sc == ST_DF_FROM ||
            sc == ST_DF_MAINTAINER)
            diag(ps, line, "ONBUILD cannot hold %.*s",
                 (int)strcspn(args, " \t"), args);
        else if (sl &&
                 (rc = instruction(ps, sub, args, sl, line,
                                   col + (unsigned)(args - text), true)) < 0)
            goto done;
        else if (sl)
            in->sub = sub;
        goto done;
    }
    if (in->nflags && (rc = eval_flags(ps, in, &raw)) < 0)
        goto done;
    if (json_capable(in->cmd) && parse_json(ps, in, args, (size_t)(end - args)))
        goto done;
    if ((rc = ps->rc) < 0)
        goto done;
    switch (in->cmd) {
    case ST_DF_FROM:
        if (!outer)
            rc = eval_from(ps, in, args, (size_t)(end - args));
        break;
    case ST_DF_ARG:
    case ST_DF_ENV:
    case ST_DF_LABEL:
        rc = outer ? raw_words(ps, in, args, (size_t)(end - args))
                   : eval_pairs(ps, in, args, (size_t)(end - args));
        break;
    case ST_DF_ADD:
    case ST_DF_COPY:
    case ST_DF_EXPOSE:
    case ST_DF_STOPSIGNAL:
    case ST_DF_USER:
    case ST_DF_VOLUME:
    case ST_DF_WORKDIR:
        rc = eval_words(ps, in, args, (size_t)(end - args));
        break;
    case ST_DF_SHELL:
        diag(ps, line, "SHELL takes a JSON array");
        break;
    case ST_DF_UNKNOWN:
    case ST_DF_CMD:
    case ST_DF_ENTRYPOINT:
    case ST_DF_HEALTHCHECK:
    case ST_DF_MAINTAINER:
    case ST_DF_ONBUILD:
    case ST_DF_RUN:
        rc = raw_words(ps, in, args, (size_t)(end - args));
        break;
    }
done:
    st_vec_release(&raw);
    return rc < 0 ? rc : ps->rc;
}

/* ---- the whole file --------------------------------------------------------
 */

#define EXPAND_BUDGET (64u << 20)

/* ARGs the builder declares in the global scope, values known at build
 * time only. */
static const char *const builtin_args[] = {
    "BUILDPLATFORM",  "BUILDOS",         "BUILDARCH",  "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS",        "TARGETARCH", "TARGETVARIANT",
    "TARGETSTAGE",    "BUILDKIT_SYNTAX", NULL,
};

static void *to_array(parser *ps, const st_vec *v, size_t size)
{
    char *arr;
    if (!v->len)
        return NULL;
    if (!(arr = st_arena_alloc(ps->a, v->len * size))) {
        fail(ps, ST_ENOMEM, 0, NULL);
        return NULL;
    }
    for (size_t i = 0; i < v->len; i++)
        memcpy(arr + i * size, v->items[i], size);
    return arr;
}

int st_df_parse(st_dockerfile **out,
                st_arena *a,
                const char *data,
                size_t len,
                st_error **err)
{
    parser ps;
    st_dockerfile *df;
    unsigned line, col;
    const char *nul;

    *out = NULL;
    memset(&ps, 0, sizeof(ps));
    ps.a = a;
    ps.p = data;
    ps.end = data + len;
    ps.esc = '\\';
    ps.err = err;
    ps.expand_budget = EXPAND_BUDGET;
    st_buf_init(&ps.logical, ST_DF_MAX_LINE + 1);
    st_buf_init(&ps.xbuf, ST_DF_MAX_EXPAND + 1);
    if (len > ST_DF_MAX_BYTES)
        return fail(&ps, ST_ELIMIT, 1, "larger than 4 MiB");
    if ((nul = memchr(data, 0, len))) {
        unsigned ln = 1;
        for (const char *c = data; c < nul; c++)
            ln += *c == '\n';
        return fail(&ps, ST_EINVALID, ln, "a NUL byte: not a text file");
    }
    /* a UTF-8 byte order mark is allowed */
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        ps.p += 3;
    if (!(df = st_arena_alloc(a, sizeof(*df))))
        return fail(&ps, ST_ENOMEM, 0, NULL);
    df->escape = '\\';
    if (scope_init(&ps, &ps.global) < 0)
        goto done;
    ps.global.closed = true;
    if (!(ps.stage_names = st_map_new())) {
        fail(&ps, ST_ENOMEM, 0, NULL);
        goto done;
    }
    for (const char *const *b = builtin_args; *b; b++)
        if (set_var(&ps, &ps.global, 0, *b, NULL, false) < 0)
            goto done;
    directives(&ps, df);
    while (!ps.rc && logical_line(&ps, &line, &col)) {
        st_df_insn *in;
        if (ps.insns.len >= ST_DF_MAX_INSNS) {
            fail(&ps, ST_ELIMIT, line, "more than 10000 instructions");
            break;
        }
        if (!(in = st_arena_alloc(a, sizeof(*in))) ||
            st_vec_push(&ps.insns, in) < 0) {
            fail(&ps, ST_ENOMEM, 0, NULL);
            break;
        }
        if (instruction(&ps, in, ps.logical.ptr, ps.logical.len, line, col,
                        false) < 0)
            break;
        if (in->stage >= 0)
            ((st_df_stage *)ps.stages.items[in->stage])->ninsns++;
    }
    if (ps.rc)
        goto done;
    if (!ps.stages.len && ps.insns.len)
        diag(&ps, 1, "no FROM instruction");
    df->insns = to_array(&ps, &ps.insns, sizeof(st_df_insn));
    df->ninsns = ps.insns.len;
    df->stages = to_array(&ps, &ps.stages, sizeof(st_df_stage));
    df->nstages = ps.stages.len;
    df->diags = to_array(&ps, &ps.diags, sizeof(st_df_diag));
    df->ndiags = ps.diags.len;
    /* ONBUILD subs and heredocs point into the arena: still valid */
    if (!ps.rc)
        *out = df;
done:
    for (size_t i = 0; i < ps.envs.len; i++)
        scope_release(ps.envs.items[i]);
    st_vec_release(&ps.envs);
    st_map_free(ps.stage_names);
    scope_release(&ps.global);
    scope_release(&ps.stage);
    st_vec_release(&ps.insns);
    st_vec_release(&ps.stages);
    st_vec_release(&ps.diags);
    st_vec_release(&ps.words);
    st_buf_release(&ps.logical);
    st_buf_release(&ps.xbuf);
    return ps.rc;
}
