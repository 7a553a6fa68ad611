/* Secret rules: the YAML rule documents (docs/secrets.md), validated
 * into rules with compiled regexes.
 *
 * libfyaml's event parser feeds a small tree of our own, so every node
 * keeps its line, nesting and aliases are refused while parsing, and the
 * whole document is checked before anything is added. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfyaml.h>

#include "secrets_int.h"
#include "util/yaml.h"
#include "util/banned.h"

/* ---- regexes and lifetimes -------------------------------------------- */

static void *gc_malloc(PCRE2_SIZE n, void *data)
{
    (void)data;
    return st_malloc(n);
}

static void gc_free(void *p, void *data)
{
    (void)data;
    st_free(p);
}

st_secret__re *st_secret__re_new(const st_secret_rules *r,
                                 const char *pat,
                                 size_t len,
                                 uint32_t opts,
                                 char *msg,
                                 size_t msglen,
                                 bool *oom)
{
    pcre2_compile_context *cc = NULL;
    st_secret__re *re = NULL;
    PCRE2_SIZE where = 0;
    int code = 0;

    *oom = false;
    msg[0] = 0;
    if (len > ST_SECRET__MAX_PATTERN) {
        snprintf(msg, msglen, "longer than %u bytes", ST_SECRET__MAX_PATTERN);
        return NULL;
    }
    re = st_calloc(1, sizeof(*re));
    cc = pcre2_compile_context_create(r->gctx);
    if (!re || !cc)
        goto oom;
    /* (*UTF) and friends are refused: rules match bytes */
    re->code = pcre2_compile((PCRE2_SPTR)pat, len,
                             opts | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code,
                             &where, cc);
    pcre2_compile_context_free(cc);
    cc = NULL;
    if (!re->code) {
        PCRE2_UCHAR text[160];
        if (code == PCRE2_ERROR_HEAP_FAILED || code == PCRE2_ERROR_NOMEMORY)
            goto oom;
        if (pcre2_get_error_message(code, text, sizeof(text)) < 0)
            snprintf((char *)text, sizeof(text), "error %d", code);
        snprintf(msg, msglen, "%s at offset %zu", (const char *)text,
                 (size_t)where);
        st_free(re);
        return NULL;
    }
    /* where JIT is missing (or out of executable memory) the
     * interpreter runs the same pattern */
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    return re;
oom:
    pcre2_compile_context_free(cc);
    st_free(re);
    *oom = true;
    snprintf(msg, msglen, "out of memory");
    return NULL;
}

void st_secret__re_free(st_secret__re *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    st_free(re);
}

static void free_strings(st_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        st_free(v->items[i]);
    st_vec_release(v);
}

static void free_res(st_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        st_secret__re_free(v->items[i]);
    st_vec_release(v);
}

void st_secret__allow_release(st_secret__allow *a)
{
    free_res(&a->paths);
    free_res(&a->regexes);
    free_strings(&a->stopwords);
}

void st_secret__rule_free(st_secret__rule *rule)
{
    if (!rule)
        return;
    st_free((char *)rule->info.id);
    st_free((char *)rule->info.category);
    st_free((char *)rule->info.title);
    free_strings(&rule->keywords);
    st_free(rule->pattern);
    pcre2_code_free(rule->re.code);
    st_secret__re_free(rule->path);
    st_secret__allow_release(&rule->allow);
    st_free(rule);
}

st_secret_rules *st_secret_rules_new(void)
{
    st_secret_rules *r = st_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->gctx = pcre2_general_context_create(gc_malloc, gc_free, NULL);
    r->ids = st_map_new();
    if (!r->gctx || !r->ids) {
        st_secret_rules_free(r);
        return NULL;
    }
    return r;
}

void st_secret__force_fallback(st_secret_rules *r)
{
    r->no_hyperscan = true;
}

/* ---- can a regex cross a line? ---------------------------------------- *
 * A rule whose regex cannot match '\n' runs only on the lines holding its
 * keywords. Judged from the pattern's text, conservatively: whatever is
 * not understood counts as "may match a newline". */

enum { NL_NO, NL_YES, NL_MAYBE };

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The escape at p[0] == '\\': whether it can match '\n', its length in
 * *used, and its byte in *value when it stands for one (else -1). */
static int
escape(const char *p, size_t n, bool in_class, size_t *used, int *value)
{
    size_t i = 2;
    unsigned v = 0;
    *value = -1;
    *used = n < 2 ? n : 2;
    if (n < 2)
        return NL_MAYBE;
    switch (p[1]) {
    case 's':
    case 'v':
    case 'R':
    case 'W':
    case 'D':
    case 'H':
    case 'X':
    case 'C':
        return NL_YES;
    case 'p':
    case 'P':
        return NL_MAYBE;
    case 'n':
        *value = '\n';
        return NL_YES;
    case 't':
        *value = '\t';
        return NL_NO;
    case 'r':
        *value = '\r';
        return NL_NO;
    case 'f':
        *value = '\f';
        return NL_NO;
    case 'e':
        *value = 27;
        return NL_NO;
    case 'a':
        *value = 7;
        return NL_NO;
    case 'b':
        if (in_class)
            *value = 8;
        return NL_NO;
    case 'N':
        return n > 2 && p[2] == '{' ? NL_MAYBE : NL_NO;
    case 'c':
        if (n < 3)
            return NL_MAYBE;
        *used = 3;
        *value = (p[2] >= 'a' && p[2] <= 'z' ? p[2] - 32 : p[2]) ^ 0x40;
        return *value == '\n' ? NL_YES : NL_NO;
    case 'x':
        if (n > 2 && p[2] == '{') {
            for (i = 3; i < n && hexval(p[i]) >= 0 && v < 0x110000; i++)
                v = v * 16 + (unsigned)hexval(p[i]);
            if (i >= n || p[i] != '}' || i == 3)
                return NL_MAYBE;
            i++;
        } else {
            for (; i < n && i < 4 && hexval(p[i]) >= 0; i++)
                v = v * 16 + (unsigned)hexval(p[i]);
        }
        break;
    case 'o':
        if (n < 3 || p[2] != '{')
            return NL_MAYBE;
        for (i = 3; i < n && p[i] >= '0' && p[i] <= '7' && v < 0x110000; i++)
            v = v * 8 + (unsigned)(p[i] - '0');
        if (i >= n || p[i] != '}' || i == 3)
            return NL_MAYBE;
        i++;
        break;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        /* octal (\0, \012, \12 with fewer groups) or a back reference,
         * which repeats text the pattern matched elsewhere */
        for (i = 1; i < n && i < 4 && p[i] >= '0' && p[i] <= '7'; i++)
            v = v * 8 + (unsigned)(p[i] - '0');
        if (i == 1)
            i = 2; /* \8, \9 */
        *used = i;
        if (v == '\n')
            return NL_YES;
        if (p[1] == '0' || in_class)
            *value = (int)v;
        return NL_NO;
    default:
        /* \d \w \S \h \V \A \z \Z \G \B \K \E \g \k and escaped literals */
        if (!((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z')))
            *value = (unsigned char)p[1];
        return NL_NO;
    }
    *used = i;
    *value = v < 256 ? (int)v : -1;
    return v == '\n' ? NL_YES : NL_NO;
}

/* A class at p[0] == '[': whether it can match '\n'; its length in
 * *used. */
static int char_class(const char *p, size_t n, size_t *used)
{
    size_t i = 1;
    bool neg = false, yes = false, maybe = false;
    int prev = -1;

    if (i < n && p[i] == '^') {
        neg = true;
        i++;
    }
    if (i < n && p[i] == ']') { /* a literal ']' first */
        prev = ']';
        i++;
    }
    while (i < n && p[i] != ']') {
        size_t u = 1;
        int v = -1, m = NL_NO;
        if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
            /* [:name:] and [:^name:] */
            const char *name = p + i + 2, *end = NULL;
            bool pneg;
            size_t len;
            for (size_t j = i + 2; j + 1 < n && !end; j++)
                if (p[j] == ':' && p[j + 1] == ']')
                    end = p + j;
            if (!end) {
                *used = n;
                return NL_MAYBE;
            }
            pneg = *name == '^';
            name += pneg;
            len = (size_t)(end - name);
            m = (len == 5 && !memcmp(name, "space", 5)) ||
                        (len == 5 && !memcmp(name, "cntrl", 5)) ||
                        (len == 5 && !memcmp(name, "ascii", 5))
                    ? (pneg ? NL_NO : NL_YES)
                    : (pneg ? NL_YES : NL_NO);
            u = (size_t)(end + 2 - (p + i));
        } else if (p[i] == '\\') {
            if (i + 1 < n && p[i + 1] == 'Q') {
                *used = n;
                return NL_MAYBE;
            }
            m = escape(p + i, n - i, true, &u, &v);
        } else if (p[i] == '-' && prev >= 0 && i + 1 < n && p[i + 1] != ']') {
            int hi = (unsigned char)p[i + 1];
            size_t u2 = 1;
            if (p[i + 1] == '\\')
                escape(p + i + 1, n - i - 1, true, &u2, &hi);
            m = hi < 0 ? NL_MAYBE : prev <= '\n' && '\n' <= hi ? NL_YES : NL_NO;
            u = 1 + u2;
        } else {
            v = (unsigned char)p[i];
            m = v == '\n' ? NL_YES : NL_NO;
        }
        yes |= m == NL_YES;
        maybe |= m == NL_MAYBE;
        prev = v;
        i += u;
    }
    if (i >= n) {
        *used = n;
        return NL_MAYBE;
    }
    *used = i + 1;
    /* a negated class excludes '\n' only when an item surely holds it */
    if (neg)
        return yes ? NL_NO : NL_YES;
    return yes ? NL_YES : maybe ? NL_MAYBE : NL_NO;
}

int st_secret__newline_use(const char *p, size_t n, size_t *where)
{
    bool dotall = false;
    int depth = 0, behind = -1, ahead = -1; /* depths where they opened */
    int use = ST_SECRET__NL_NONE;
    size_t i;

    /* (?s), (?is:…), but not (?-s) */
    for (i = 0; i + 2 < n; i++)
        if (p[i] == '(' && p[i + 1] == '?')
            for (size_t j = i + 2;
                 j < n && (isalpha((unsigned char)p[j]) || p[j] == '^'); j++)
                dotall |= p[j] == 's';
    for (i = 0; i < n;) {
        size_t used = 1;
        int value, m = NL_NO;
        switch (p[i]) {
        case '\n':
            m = NL_YES;
            break;
        case '.':
            m = dotall ? NL_YES : NL_NO;
            break;
        case '\\':
            if (i + 1 < n && p[i + 1] == 'Q') {
                size_t j = i + 2;
                while (j + 1 < n && !(p[j] == '\\' && p[j + 1] == 'E'))
                    if (p[j++] == '\n')
                        m = NL_YES;
                used = j + 2 - i;
                break;
            }
            m = escape(p + i, n - i, false, &used, &value);
            break;
        case '[':
            m = char_class(p + i, n - i, &used);
            break;
        case '(':
            if (i + 2 < n && p[i + 1] == '?' && p[i + 2] == '#') {
                const char *e = memchr(p + i, ')', n - i);
                if (!e || memchr(p + i, '\n', (size_t)(e - (p + i))))
                    m = NL_YES;
                used = e ? (size_t)(e - (p + i)) + 1 : n - i;
                break;
            }
            if (behind < 0 && i + 3 < n && p[i + 1] == '?' && p[i + 2] == '<' &&
                (p[i + 3] == '=' || p[i + 3] == '!'))
                behind = depth;
            else if (behind < 0 && ahead < 0 && i + 2 < n && p[i + 1] == '?' &&
                     (p[i + 2] == '=' || p[i + 2] == '!'))
                ahead = depth;
            depth++;
            break;
        case ')':
            depth--;
            if (depth == behind)
                behind = -1;
            if (depth == ahead)
                ahead = -1;
            break;
        default:
            break;
        }
        /* what a look-behind sees lies before the window, whose subject
         * starts at the buffer's start: look-behinds do not count */
        if (m != NL_NO && behind < 0) {
            int u = ahead < 0 ? ST_SECRET__NL_MATCH : ST_SECRET__NL_PEEK;
            if (u > use) {
                use = u;
                if (where)
                    *where = i;
            }
            if (use == ST_SECRET__NL_MATCH)
                break;
        }
        i += used;
    }
    return use;
}

/* ---- a YAML tree with lines ------------------------------------------- */

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

typedef struct ynode {
    enum ytype type;
    unsigned line; /* 1-based */
    bool null;     /* a plain "", "~" or "null" */
    const char *s; /* scalar text, NUL-terminated (may hold NULs) */
    size_t len;
    struct ynode **kids; /* sequence items; mapping key, value, key, … */
    size_t n;
} ynode;

struct open {
    ynode *node;
    st_vec kids;
};

typedef struct load {
    st_secret_rules *r;
    const char *name;
    st_error **err;
    st_arena *arena; /* the tree and scratch strings */
    int rc;          /* the first error */
} load;

/* Records the document's first error: "name:line: who: message". */
static int vfail(load *ld,
                 int code,
                 unsigned line,
                 const char *who,
                 const char *fmt,
                 va_list ap) ST_PRINTF(5, 0);
static int vfail(load *ld,
                 int code,
                 unsigned line,
                 const char *who,
                 const char *fmt,
                 va_list ap)
{
    char msg[512];
    if (ld->rc < 0)
        return ld->rc;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    ld->rc = code;
    return st_error_set(ld->err, code, "secrets", "%s:%u: %s%s%s", ld->name,
                        line, who ? who : "", who ? ": " : "", msg);
}

static int fail(load *ld, unsigned line, const char *who, const char *fmt, ...)
    ST_PRINTF(4, 5);
static int fail(load *ld, unsigned line, const char *who, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vfail(ld, ST_EINVALID, line, who, fmt, ap);
    va_end(ap);
    return rc;
}

/* The same for a limit (ST_ELIMIT). */
static int
too_many(load *ld, unsigned line, const char *who, const char *fmt, ...)
    ST_PRINTF(4, 5);
static int
too_many(load *ld, unsigned line, const char *who, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vfail(ld, ST_ELIMIT, line, who, fmt, ap);
    va_end(ap);
    return rc;
}

static int oom(load *ld)
{
    if (ld->rc < 0)
        return ld->rc;
    ld->rc = ST_ENOMEM;
    return st_error_set(ld->err, ST_ENOMEM, "secrets", "%s: out of memory",
                        ld->name);
}

static unsigned line_at(const char *s, size_t off)
{
    unsigned line = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + off - p))); p++)
        line++;
    return line;
}

static ynode *new_node(load *ld, enum ytype type, unsigned line)
{
    ynode *n = st_arena_alloc(ld->arena, sizeof(*n));
    if (n) {
        n->type = type;
        n->line = line;
    }
    return n;
}

/* Appends `n` to the innermost open collection, or makes it the root. */
static int
attach(load *ld, struct open *stack, size_t depth, ynode **root, ynode *n)
{
    if (!depth) {
        *root = n;
        return 0;
    }
    if (st_vec_push(&stack[depth - 1].kids, n) < 0)
        return oom(ld);
    return 0;
}

static int close_node(load *ld, struct open *o)
{
    ynode *n = o->node;
    n->n = o->kids.len;
    if (n->n) {
        n->kids = st_arena_alloc(ld->arena, n->n * sizeof(ynode *));
        if (!n->kids)
            return oom(ld);
        memcpy(n->kids, o->kids.items, n->n * sizeof(ynode *));
    }
    st_vec_release(&o->kids);
    return 0;
}

/* libfyaml's first error (collected, see st_yaml_diag_new). */
static void yaml_error(load *ld, struct fy_diag *diag)
{
    unsigned line, col;
    char msg[256];
    if (st_yaml_diag_first(diag, &line, &col, msg, sizeof(msg)))
        fail(ld, line ? line : 1, NULL, "YAML: %s (column %u)", msg, col);
    else
        fail(ld, 1, NULL, "YAML: syntax error");
}

/* A scalar's text, escapes processed, into the arena. Read through a
 * token iterator: fy_token_get_text's buffer leaks in libfyaml 0.7.12
 * when the document turns out malformed later. */
static int scalar_text(load *ld, struct fy_token *tok, ynode *n)
{
    st_buf b = ST_BUF_INIT(ST_SECRET__MAX_FILE);
    struct fy_token_iter *it = fy_token_iter_create(tok);
    const struct fy_iter_chunk *c = NULL;
    char *copy = NULL;
    int bad = 0;

    if (!it)
        return oom(ld);
    while ((c = fy_token_iter_chunk_next(it, c, &bad)))
        if (st_buf_put(&b, c->str, c->len) < 0)
            break;
    fy_token_iter_destroy(it);
    if (bad)
        fail(ld, n->line, NULL, "YAML: a scalar cannot be read");
    else if (c || !(copy = st_arena_alloc(ld->arena, b.len + 1)))
        oom(ld);
    if (copy) {
        memcpy(copy, b.ptr, b.len);
        n->s = copy;
        n->len = b.len;
        n->null = fy_token_scalar_style(tok) == FYSS_PLAIN &&
                  (!b.len || !strcmp(copy, "~") || !strcmp(copy, "null") ||
                   !strcmp(copy, "Null") || !strcmp(copy, "NULL"));
    }
    st_buf_release(&b);
    return ld->rc;
}

static int parse(load *ld, const char *yaml, size_t len, ynode **root)
{
    struct fy_parse_cfg cfg;
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct fy_event *ev;
    struct open stack[ST_SECRET__MAX_DEPTH];
    size_t depth = 0, bad;
    unsigned docs = 0, last = 1;

    *root = NULL;
    memset(stack, 0, sizeof(stack));
    /* libfyaml 0.7.12 can loop on some invalid UTF-8, and a rule file is
     * text: both are checked before it parses */
    bad = st_text_check(yaml, len);
    if (bad < len)
        return fail(ld, line_at(yaml, bad), NULL,
                    yaml[bad] ? "not UTF-8 text" : "a NUL byte");

    if (!(diag = st_yaml_diag_new()))
        return oom(ld);
    memset(&cfg, 0, sizeof(cfg));
    /* flow collections may close at their key's indentation, as other
     * YAML readers allow */
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_AUTO |
                FYPCF_SLOPPY_FLOW_INDENTATION;
    cfg.diag = diag;
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, yaml, len) != 0) {
        oom(ld);
        goto done;
    }
    while (ld->rc == 0 && (ev = fy_parser_parse(fyp))) {
        const struct fy_mark *m = fy_event_start_mark(ev);
        unsigned line = m && m->line >= 0 ? (unsigned)m->line + 1 : last;
        ynode *n = NULL;
        last = line;
        switch (ev->type) {
        case FYET_DOCUMENT_START:
            if (++docs > 1)
                fail(ld, line, NULL, "more than one YAML document");
            break;
        case FYET_ALIAS:
            fail(ld, line, NULL, "YAML aliases are not supported");
            break;
        case FYET_SCALAR:
            n = new_node(ld, Y_SCALAR, line);
            if (!n) {
                oom(ld);
                break;
            }
            if (scalar_text(ld, ev->scalar.value, n) == 0)
                attach(ld, stack, depth, root, n);
            break;
        case FYET_MAPPING_START:
        case FYET_SEQUENCE_START:
            if (depth == ST_SECRET__MAX_DEPTH) {
                too_many(ld, line, NULL, "YAML nested deeper than %d levels",
                         ST_SECRET__MAX_DEPTH);
                break;
            }
            n = new_node(ld, ev->type == FYET_MAPPING_START ? Y_MAP : Y_SEQ,
                         line);
            if (!n) {
                oom(ld);
                break;
            }
            stack[depth++].node = n;
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            if (depth && close_node(ld, &stack[depth - 1]) == 0) {
                depth--;
                attach(ld, stack, depth, root, stack[depth].node);
            }
            break;
        case FYET_NONE:
        case FYET_STREAM_START:
        case FYET_STREAM_END:
        case FYET_DOCUMENT_END:
            break;
        }
        fy_parser_event_free(fyp, ev);
    }
    if (ld->rc == 0 && fy_parser_get_stream_error(fyp))
        yaml_error(ld, diag);
done:
    for (size_t i = 0; i < ST_SECRET__MAX_DEPTH; i++)
        st_vec_release(&stack[i].kids);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag); /* frees the errors, fy_diag_unref does not */
    return ld->rc;
}

/* ---- the schema ------------------------------------------------------- */

static const char *scalar(const ynode *n)
{
    return n && n->type == Y_SCALAR && !n->null ? n->s : NULL;
}

/* A non-empty string without NULs (and, when `text`, no control bytes):
 * a heap copy in *out. */
static int string(load *ld,
                  const char *w,
                  const char *field,
                  const ynode *n,
                  bool text,
                  size_t max,
                  char **out)
{
    const char *s = scalar(n);
    *out = NULL;
    if (!s || !n->len)
        return fail(ld, n->line, w, "%s must be a non-empty string", field);
    if (n->len > max)
        return too_many(ld, n->line, w, "%s is longer than %zu bytes", field,
                        max);
    for (size_t i = 0; i < n->len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!c || (text && (c < 0x20 || c == 0x7f)))
            return fail(ld, n->line, w, "%s must not contain %s", field,
                        text ? "control characters" : "NUL bytes");
    }
    if (!(*out = st_strndup(s, n->len)))
        return oom(ld);
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* A list of strings, lowered when `fold`. */
static int strings(load *ld,
                   const char *w,
                   const char *field,
                   const ynode *n,
                   bool fold,
                   st_vec *out)
{
    if (n->type != Y_SEQ)
        return fail(ld, n->line, w, "%s must be a list", field);
    if (!n->n)
        return fail(ld, n->line, w, "%s must not be empty", field);
    if (n->n > ST_SECRET__MAX_LIST)
        return too_many(ld, n->line, w, "%s has more than %d entries", field,
                        ST_SECRET__MAX_LIST);
    for (size_t i = 0; i < n->n; i++) {
        char *s;
        if (string(ld, w, field, n->kids[i], false, ST_SECRET__MAX_STRING, &s) <
            0)
            return ld->rc;
        if (fold)
            lower(s);
        if (st_vec_push(out, s) < 0) {
            st_free(s);
            return oom(ld);
        }
    }
    return 0;
}

static int regex(load *ld,
                 const char *w,
                 const char *field,
                 const ynode *n,
                 uint32_t opts,
                 st_secret__re **out)
{
    char msg[256];
    bool nomem;
    const char *s = scalar(n);
    *out = NULL;
    if (!s || !n->len)
        return fail(ld, n->line, w, "%s must be a non-empty string", field);
    if (n->len > ST_SECRET__MAX_PATTERN)
        return too_many(ld, n->line, w, "%s is longer than %d bytes", field,
                        ST_SECRET__MAX_PATTERN);
    *out = st_secret__re_new(ld->r, s, n->len, opts, msg, sizeof(msg), &nomem);
    if (!*out)
        return nomem ? oom(ld) : fail(ld, n->line, w, "%s: %s", field, msg);
    return 0;
}

static int
regexes(load *ld, const char *w, const char *field, const ynode *n, st_vec *out)
{
    if (n->type != Y_SEQ)
        return fail(ld, n->line, w, "%s must be a list", field);
    if (!n->n)
        return fail(ld, n->line, w, "%s must not be empty", field);
    if (n->n > ST_SECRET__MAX_LIST)
        return too_many(ld, n->line, w, "%s has more than %d entries", field,
                        ST_SECRET__MAX_LIST);
    for (size_t i = 0; i < n->n; i++) {
        st_secret__re *re;
        if (regex(ld, w, field, n->kids[i], 0, &re) < 0)
            return ld->rc;
        if (st_vec_push(out, re) < 0) {
            st_secret__re_free(re);
            return oom(ld);
        }
    }
    return 0;
}

/* Walks a mapping (`what` names it in messages; NULL for a rule or the
 * document): each key must be one of `keys` (at most 16), at most once;
 * fn is called with the key's index and the value. */
typedef int (*field_fn)(load *ld,
                        const char *w,
                        void *obj,
                        int key,
                        const ynode *k,
                        const ynode *v);

static int fields(load *ld,
                  const char *w,
                  const char *what,
                  const ynode *map,
                  const char *const *keys,
                  void *obj,
                  field_fn fn)
{
    unsigned seen = 0;
    if (map->type != Y_MAP)
        return fail(ld, map->line, w, "%s must be a mapping",
                    what ? what : "a rule");
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const ynode *k = map->kids[i], *v = map->kids[i + 1];
        const char *name = scalar(k);
        int key = -1;
        if (!name)
            return fail(ld, k->line, w, "keys must be strings");
        for (int j = 0; keys[j]; j++)
            if (!strcmp(name, keys[j]) && strlen(name) == k->len)
                key = j;
        if (key < 0)
            return fail(ld, k->line, w, "unknown key '%.64s'%s%s", name,
                        what ? " in " : "", what ? what : "");
        if (seen & (1u << key))
            return fail(ld, k->line, w, "duplicate key '%s'%s%s", name,
                        what ? " in " : "", what ? what : "");
        seen |= 1u << key;
        if (fn(ld, w, obj, key, k, v) < 0)
            return ld->rc;
    }
    return 0;
}

static const char *const allow_keys[] = {"paths", "regexes", "stopwords", NULL};

static int allow_field(
    load *ld, const char *w, void *obj, int key, const ynode *k, const ynode *v)
{
    st_secret__allow *a = obj;
    (void)k;
    switch (key) {
    case 0:
        return regexes(ld, w, "allow: paths", v, &a->paths);
    case 1:
        return regexes(ld, w, "allow: regexes", v, &a->regexes);
    default:
        return strings(ld, w, "allow: stopwords", v, true, &a->stopwords);
    }
}

static bool valid_id(const char *s, size_t n)
{
    if (!n || n > 128 || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return false;
    return true;
}

enum {
    R_ID,
    R_CATEGORY,
    R_TITLE,
    R_SEVERITY,
    R_KEYWORDS,
    R_REGEX,
    R_PATH,
    R_ENTROPY,
    R_ALLOW
};
static const char *const rule_keys[] = {
    "id",    "category", "title",   "severity", "keywords",
    "regex", "path",     "entropy", "allow",    NULL};

static int rule_field(
    load *ld, const char *w, void *obj, int key, const ynode *k, const ynode *v)
{
    static const char *const sev[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};
    st_secret__rule *rule = obj;
    const char *s;
    char *end;
    (void)k;
    switch (key) {
    case R_ID: /* checked by rule() */
        return 0;
    case R_CATEGORY:
        return string(ld, w, "category", v, true, ST_SECRET__MAX_STRING,
                      (char **)&rule->info.category);
    case R_TITLE:
        return string(ld, w, "title", v, true, ST_SECRET__MAX_STRING,
                      (char **)&rule->info.title);
    case R_SEVERITY:
        s = scalar(v);
        for (size_t i = 0; s && i < 4; i++)
            if (!strcasecmp(s, sev[i]) && strlen(sev[i]) == v->len)
                rule->info.severity = sev[i];
        if (!rule->info.severity)
            return fail(ld, v->line, w,
                        "severity must be CRITICAL, HIGH, MEDIUM or LOW");
        return 0;
    case R_KEYWORDS:
        return strings(ld, w, "keywords", v, true, &rule->keywords);
    case R_REGEX: {
        st_secret__re *re;
        if (regex(ld, w, "regex", v, PCRE2_MULTILINE, &re) < 0)
            return ld->rc;
        rule->newline = st_secret__newline_use(v->s, v->len, NULL);
        if (!(rule->pattern = st_malloc(v->len + 1))) {
            st_secret__re_free(re);
            return oom(ld);
        }
        memcpy(rule->pattern, v->s, v->len);
        rule->pattern[v->len] = 0;
        rule->pattern_len = v->len;
        rule->re = *re;
        st_free(re);
        return 0;
    }
    case R_PATH:
        return regex(ld, w, "path", v, 0, &rule->path);
    case R_ENTROPY:
        s = scalar(v);
        if (s)
            rule->entropy = strtod(s, &end);
        if (!s || !v->len || end != s + v->len || !isfinite(rule->entropy) ||
            rule->entropy < 0 || rule->entropy > 8)
            return fail(ld, v->line, w, "entropy must be a number from 0 to 8");
        return 0;
    default:
        return fields(ld, w, "allow", v, allow_keys, &rule->allow, allow_field);
    }
}

/* What one document adds, checked before anything is added. */
typedef struct staged {
    st_vec rules; /* st_secret__rule * */
    st_map *ids;  /* id → its ynode (for "first defined at") */
    st_secret__allow allow;
    st_vec disable; /* st_secret__rule * of r to remove */
} staged;

static int rule(load *ld, staged *st, const ynode *n, size_t index)
{
    st_secret__rule *rule = NULL;
    const ynode *idv = NULL;
    void **slot;
    bool created;
    char w[160];
    int rc;

    snprintf(w, sizeof(w), "rule #%zu", index + 1);
    if (n->type != Y_MAP)
        return fail(ld, n->line, w, "a rule must be a mapping");
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const char *k = scalar(n->kids[i]);
        if (k && !strcmp(k, "id") && n->kids[i]->len == 2)
            idv = n->kids[i + 1];
    }
    if (!idv)
        return fail(ld, n->line, w, "missing 'id'");
    if (!scalar(idv) || !valid_id(idv->s, idv->len))
        return fail(ld, idv->line, w,
                    "id must be lower-case letters, digits and '-', "
                    "starting with a letter or digit (at most 128)");
    snprintf(w, sizeof(w), "rule %s", idv->s);

    if (!(rule = st_calloc(1, sizeof(*rule))) ||
        !(rule->info.id = st_strndup(idv->s, idv->len))) {
        st_secret__rule_free(rule);
        return oom(ld);
    }
    if ((rc = fields(ld, w, NULL, n, rule_keys, rule, rule_field)) < 0)
        goto fail;
    rc = !rule->info.category   ? fail(ld, n->line, w, "missing 'category'")
         : !rule->info.title    ? fail(ld, n->line, w, "missing 'title'")
         : !rule->info.severity ? fail(ld, n->line, w, "missing 'severity'")
         : !rule->re.code       ? fail(ld, n->line, w, "missing 'regex'")
                                : 0;
    if (rc < 0)
        goto fail;
    rc = pcre2_substring_number_from_name(rule->re.code, (PCRE2_SPTR) "secret");
    if (rc == PCRE2_ERROR_NOUNIQUESUBSTRING) {
        rc = fail(ld, n->line, w,
                  "regex: more than one group is named 'secret'");
        goto fail;
    }
    rule->group = rc > 0 ? (uint32_t)rc : 0;
    pcre2_pattern_info(rule->re.code, PCRE2_INFO_CAPTURECOUNT, &rule->captures);

    if (st_map_slot(st->ids, rule->info.id, strlen(rule->info.id), &slot,
                    &created) < 0) {
        rc = oom(ld);
        goto fail;
    }
    if (!created) {
        rc = fail(ld, idv->line, w, "duplicate id (first at line %u)",
                  ((const ynode *)*slot)->line);
        goto fail;
    }
    *slot = (void *)idv;
    if (st_vec_push(&st->rules, rule) < 0) {
        rc = oom(ld);
        goto fail;
    }
    return 0;
fail:
    st_secret__rule_free(rule);
    return rc;
}

static const char *const top_keys[] = {"rules", "allow", "disable", NULL};

static int top_field(
    load *ld, const char *w, void *obj, int key, const ynode *k, const ynode *v)
{
    staged *st = obj;
    (void)k;
    switch (key) {
    case 0:
        if (v->type != Y_SEQ && !(v->type == Y_SCALAR && v->null))
            return fail(ld, v->line, NULL, "rules must be a list");
        if (v->n > ST_SECRET__MAX_RULES)
            return too_many(ld, v->line, NULL, "more than %d rules",
                            ST_SECRET__MAX_RULES);
        for (size_t i = 0; i < v->n; i++)
            if (rule(ld, st, v->kids[i], i) < 0)
                return ld->rc;
        return 0;
    case 1:
        return fields(ld, w, "allow", v, allow_keys, &st->allow, allow_field);
    default:
        if (v->type != Y_SEQ)
            return fail(ld, v->line, NULL, "disable must be a list");
        for (size_t i = 0; i < v->n; i++) {
            const ynode *d = v->kids[i];
            st_secret__rule *old;
            if (!scalar(d))
                return fail(ld, d->line, NULL,
                            "disable: entries must be rule ids");
            old = st_map_get(ld->r->ids, d->s, d->len);
            if (!old)
                return fail(ld, d->line, NULL,
                            "disable: no rule '%.128s' was loaded before",
                            d->s);
            if (st_vec_push(&st->disable, old) < 0)
                return oom(ld);
        }
        return 0;
    }
}

static bool listed(const st_vec *v, const void *p)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == p)
            return true;
    return false;
}

static int append(st_vec *to, const st_vec *from)
{
    for (size_t i = 0; i < from->len; i++)
        if (st_vec_push(to, from->items[i]) < 0)
            return ST_ENOMEM;
    return 0;
}

/* Applies a checked document: a new rule list and id map are built
 * first, so running out of memory leaves r as it was. */
static int commit(load *ld, staged *st)
{
    st_secret_rules *r = ld->r;
    st_vec rules = ST_VEC_INIT, gone = ST_VEC_INIT;
    st_secret__allow global;
    st_map *ids = st_map_new();
    bool *placed = st_calloc(st->rules.len + 1, sizeof(bool));
    int rc = 0;

    memset(&global, 0, sizeof(global));
    if (!ids || !placed)
        goto nomem;
    for (size_t i = 0; i < r->rules.len; i++) {
        st_secret__rule *old = r->rules.items[i], *use = old;
        if (listed(&st->disable, old)) {
            if (st_vec_push(&gone, old) < 0)
                goto nomem;
            continue;
        }
        for (size_t j = 0; j < st->rules.len; j++) {
            st_secret__rule *nw = st->rules.items[j];
            if (!strcmp(nw->info.id, old->info.id)) {
                use = nw; /* replaces it in place */
                placed[j] = true;
                if (st_vec_push(&gone, old) < 0)
                    goto nomem;
            }
        }
        if (st_vec_push(&rules, use) < 0)
            goto nomem;
    }
    for (size_t j = 0; j < st->rules.len; j++)
        if (!placed[j] && st_vec_push(&rules, st->rules.items[j]) < 0)
            goto nomem;
    if (rules.len > ST_SECRET__MAX_RULES) {
        rc = st_error_set(ld->err, ST_ELIMIT, "secrets",
                          "%s: more than %d rules in all", ld->name,
                          ST_SECRET__MAX_RULES);
        goto done;
    }
    for (size_t i = 0; i < rules.len; i++) {
        const st_secret__rule *rl = rules.items[i];
        void **slot;
        bool created;
        if (st_map_slot(ids, rl->info.id, strlen(rl->info.id), &slot,
                        &created) < 0)
            goto nomem;
        *slot = (void *)rl;
    }
    if (append(&global.paths, &r->global.paths) < 0 ||
        append(&global.paths, &st->allow.paths) < 0 ||
        append(&global.regexes, &r->global.regexes) < 0 ||
        append(&global.regexes, &st->allow.regexes) < 0 ||
        append(&global.stopwords, &r->global.stopwords) < 0 ||
        append(&global.stopwords, &st->allow.stopwords) < 0)
        goto nomem;

    /* nothing fails from here on */
    for (size_t i = 0; i < gone.len; i++)
        st_secret__rule_free(gone.items[i]);
    st_vec_release(&r->rules);
    r->rules = rules;
    rules = (st_vec)ST_VEC_INIT;
    st_map_free(r->ids);
    r->ids = st_steal(&ids);
    st_vec_release(&r->global.paths);
    st_vec_release(&r->global.regexes);
    st_vec_release(&r->global.stopwords);
    r->global = global;
    memset(&global, 0, sizeof(global));
    /* the staged objects now belong to r */
    st_vec_release(&st->rules);
    st_vec_release(&st->allow.paths);
    st_vec_release(&st->allow.regexes);
    st_vec_release(&st->allow.stopwords);
    goto done;
nomem:
    rc = oom(ld);
done:
    st_vec_release(&rules);
    st_vec_release(&gone);
    st_vec_release(&global.paths);
    st_vec_release(&global.regexes);
    st_vec_release(&global.stopwords);
    st_map_free(ids);
    st_free(placed);
    return rc;
}

int st_secret_rules_add(st_secret_rules *r,
                        const char *name,
                        const char *yaml,
                        size_t len,
                        st_error **err)
{
    load ld = {r, name ? name : "<rules>", err, NULL, 0};
    staged st;
    ynode *root = NULL;
    int rc = 0;

    memset(&st, 0, sizeof(st));
    if (r->compiled)
        return st_error_set(err, ST_EUSAGE, "secrets",
                            "%s: rules are already compiled", ld.name);
    if (len > ST_SECRET__MAX_FILE)
        return st_error_set(err, ST_ELIMIT, "secrets", "%s: larger than %u MiB",
                            ld.name, ST_SECRET__MAX_FILE >> 20);
    ld.arena = st_arena_new();
    st.ids = st_map_new();
    if (!ld.arena || !st.ids) {
        rc = oom(&ld);
        goto done;
    }
    ST_CHECK(parse(&ld, yaml, len, &root));
    if (!root || (root->type == Y_SCALAR && root->null)) {
        rc = fail(&ld, 1, NULL, "empty rule file");
        goto done;
    }
    if (root->type != Y_MAP) {
        rc = fail(&ld, root->line, NULL,
                  "a rule file is a mapping (rules, allow, disable)");
        goto done;
    }
    ST_CHECK(fields(&ld, NULL, NULL, root, top_keys, &st, top_field));
    ST_CHECK(commit(&ld, &st));
done:
    for (size_t i = 0; i < st.rules.len; i++)
        st_secret__rule_free(st.rules.items[i]);
    st_vec_release(&st.rules);
    st_secret__allow_release(&st.allow);
    st_vec_release(&st.disable);
    st_map_free(st.ids);
    st_arena_free(ld.arena);
    return rc;
}

int st_secret_rules_add_file(st_secret_rules *r,
                             const char *path,
                             st_error **err)
{
    st_buf b = ST_BUF_INIT(ST_SECRET__MAX_FILE + 1);
    int rc = st_read_file(&b, path, ST_SECRET__MAX_FILE + 1, err);
    if (rc == ST_ELIMIT || (rc == 0 && b.len > ST_SECRET__MAX_FILE))
        rc = st_error_set(err, ST_ELIMIT, "secrets", "%s: larger than %u MiB",
                          path, ST_SECRET__MAX_FILE >> 20);
    else if (rc == 0)
        rc = st_secret_rules_add(r, path, b.ptr, b.len, err);
    st_buf_release(&b);
    return rc;
}
