/* A shell command line split into simple commands (dockerfile.h), as far
 * as the Dockerfile checks need: who runs what, with which words, piped
 * into what. Quotes and backslashes are removed the way sh removes them;
 * $VAR, ${…}, $(…), `…` and <(…) stay in their word as written (the
 * checks look into them when they must); redirections and their targets
 * are dropped; the reserved words that open compound commands (if, then,
 * do, {, !, …) are skipped, so "if x; then apt-get install y; fi" yields
 * x and apt-get. */
#include <string.h>

#include "config/dockerfile.h"
#include "util/banned.h"

#define MAX_WORD (64u << 10)
#define MAX_ARGS 1024u

typedef struct sh {
    st_arena *a;
    const char *s;
    size_t n, i;
    unsigned line;     /* of s[i], 0-based */
    unsigned cmd_line; /* of the current command's first word */
    st_vec cmds;       /* st_sh_cmd * */
    st_vec args;       /* the current command's words */
    st_buf word;
    bool in_word;  /* a word is open (may be empty: "") */
    bool redirect; /* the next word is a redirection's target */
    bool full;     /* ST_SH_MAX_CMDS reached: the rest is dropped */
    int heredoc;   /* 1: the next word is a heredoc's delimiter;
                      2: its body starts at the next newline */
    bool chomp;    /* <<- */
    char delim[128];
    int rc;
} sh;

static const char *const reserved[] = {
    "if",    "then",  "else", "elif", "fi", "do",   "done",
    "while", "until", "!",    "{",    "}",  "esac", NULL,
};

static void put(sh *p, const char *s, size_t n)
{
    if (p->rc)
        return;
    p->in_word = true;
    if (st_buf_put(&p->word, s, n) == ST_ENOMEM)
        p->rc = ST_ENOMEM;
}

static bool is_reserved(const char *w)
{
    for (const char *const *r = reserved; *r; r++)
        if (!strcmp(*r, w))
            return true;
    return false;
}

static void end_word(sh *p)
{
    char *w;

    if (!p->in_word || p->rc)
        return;
    p->in_word = false;
    if (p->redirect) {
        p->redirect = false;
        if (p->heredoc == 1) {
            /* the delimiter (too long: no body is skipped) */
            p->heredoc = p->word.len < sizeof(p->delim) ? 2 : 0;
            if (p->heredoc)
                memcpy(p->delim, p->word.ptr, p->word.len + 1);
        }
        st_buf_reset(&p->word);
        return;
    }
    /* reserved words count only where a command starts */
    if (!p->args.len && is_reserved(p->word.ptr)) {
        st_buf_reset(&p->word);
        return;
    }
    if (!p->args.len)
        p->cmd_line = p->line;
    if (p->args.len >= MAX_ARGS) {
        st_buf_reset(&p->word);
        return;
    }
    if (!(w = st_arena_strndup(p->a, p->word.ptr, p->word.len)) ||
        st_vec_push(&p->args, w) < 0)
        p->rc = ST_ENOMEM;
    st_buf_reset(&p->word);
}

static void end_cmd(sh *p, st_sh_sep sep)
{
    st_sh_cmd *c;
    const char **argv;

    end_word(p);
    if (p->rc)
        return;
    if (!p->args.len) {
        /* "a |\n b": the pipe still joins a and b */
        if (sep != ST_SH_END && p->cmds.len)
            ((st_sh_cmd *)p->cmds.items[p->cmds.len - 1])->sep = sep;
        return;
    }
    if (p->cmds.len >= ST_SH_MAX_CMDS) {
        p->full = true;
        p->args.len = 0;
        return;
    }
    c = st_arena_alloc(p->a, sizeof(*c));
    argv = st_arena_alloc(p->a, (p->args.len + 1) * sizeof(*argv));
    if (!c || !argv || st_vec_push(&p->cmds, c) < 0) {
        p->rc = ST_ENOMEM;
        return;
    }
    memcpy(argv, p->args.items, p->args.len * sizeof(*argv));
    c->argc = p->args.len;
    c->argv = argv;
    c->sep = sep;
    c->line = p->cmd_line;
    p->args.len = 0;
}

/* Copies a balanced construct starting at s[i] (the opening char at
 * s[i + skip - 1]) into the word as written, up to its closing char. */
static void balanced(sh *p, size_t skip, char open, char close)
{
    size_t start = p->i;
    int depth = 1;
    char q = 0;

    p->i += skip;
    while (p->i < p->n && depth) {
        char c = p->s[p->i];
        if (c == '\n')
            p->line++;
        if (c == '\\' && q != '\'') {
            p->i += 2;
            continue;
        }
        if (q) {
            if (c == q)
                q = 0;
        } else if (c == '\'' || c == '"' || c == '`') {
            q = c;
        } else if (c == open) {
            depth++;
        } else if (c == close) {
            depth--;
        }
        p->i++;
    }
    if (p->i > p->n)
        p->i = p->n;
    put(p, p->s + start, p->i - start);
}

static void backquoted(sh *p)
{
    size_t start = p->i++;
    while (p->i < p->n && p->s[p->i] != '`') {
        if (p->s[p->i] == '\n')
            p->line++;
        p->i += p->s[p->i] == '\\' ? 2 : 1;
    }
    if (p->i < p->n)
        p->i++;
    if (p->i > p->n)
        p->i = p->n;
    put(p, p->s + start, p->i - start);
}

/* $… at s[i]: a construct kept as written. */
static void dollar(sh *p)
{
    const char *s = p->s + p->i;
    size_t left = p->n - p->i;

    if (left >= 2 && s[1] == '(')
        balanced(p, 2, '(', ')');
    else if (left >= 2 && s[1] == '{')
        balanced(p, 2, '{', '}');
    else if (left >= 2 && s[1] == '\'') {
        /* $'…': backslash escapes; kept as written minus the quoting */
        p->i += 2;
        while (p->i < p->n && p->s[p->i] != '\'') {
            size_t k = p->s[p->i] == '\\' && p->i + 1 < p->n ? 2 : 1;
            put(p, p->s + p->i, k);
            p->i += k;
        }
        p->i++;
        put(p, "", 0);
    } else {
        put(p, s, 1);
        p->i++;
    }
}

static void double_quoted(sh *p)
{
    p->i++;
    put(p, "", 0);
    while (p->i < p->n && p->s[p->i] != '"') {
        char c = p->s[p->i];
        if (c == '\\' && p->i + 1 < p->n) {
            char d = p->s[p->i + 1];
            if (d == '\n') {
                p->line++;
            } else if (d == '$' || d == '`' || d == '"' || d == '\\') {
                put(p, &d, 1);
            } else {
                put(p, p->s + p->i, 2);
            }
            p->i += 2;
        } else if (c == '$') {
            dollar(p);
        } else if (c == '`') {
            backquoted(p);
        } else {
            if (c == '\n')
                p->line++;
            put(p, &c, 1);
            p->i++;
        }
    }
    p->i++;
}

/* < > and friends at s[i]: the operator goes, and the next word too. A
 * word of digits just before ("2>") was the descriptor. */
static void redirection(sh *p)
{
    const char *s = p->s;
    size_t i = p->i;
    bool digits = p->in_word && p->word.len;

    for (size_t k = 0; k < p->word.len && digits; k++)
        digits = p->word.ptr[k] >= '0' && p->word.ptr[k] <= '9';
    if (digits) {
        st_buf_reset(&p->word);
        p->in_word = false;
    } else {
        end_word(p);
    }
    i++;
    /* >> >| >& <& <> << <<- <<< &> &>> */
    while (i < p->n && (s[i] == '>' || s[i] == '<' || s[i] == '|' ||
                        s[i] == '&' || s[i] == '-'))
        i++;
    if (i - p->i >= 2 && s[p->i] == '<' && s[p->i + 1] == '<' &&
        (i - p->i == 2 || s[p->i + 2] == '-')) {
        p->heredoc = 1;
        p->chomp = i - p->i == 3;
    }
    p->i = i;
    p->redirect = true;
}

/* After the newline that ends a line with a heredoc: its body, up to the
 * delimiter line, is data, not commands. */
static void skip_heredoc(sh *p)
{
    size_t dl = strlen(p->delim);

    p->heredoc = 0;
    while (p->i < p->n) {
        const char *ln = p->s + p->i, *nl;
        size_t k;
        nl = memchr(ln, '\n', p->n - p->i);
        k = (size_t)((nl ? nl : p->s + p->n) - ln);
        p->i += k + (nl != NULL);
        p->line++;
        if (p->chomp)
            while (k && *ln == '\t')
                ln++, k--;
        if (k == dl && !memcmp(ln, p->delim, dl))
            return;
    }
}

int st_sh_split(
    st_sh_cmd **cmds, size_t *n, st_arena *a, const char *text, size_t len)
{
    sh p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.a = a;
    p.s = text;
    p.n = len;
    st_buf_init(&p.word, MAX_WORD);
    *cmds = NULL;
    *n = 0;
    while (p.i < p.n && !p.rc && !p.full) {
        char c = text[p.i];
        char d = p.i + 1 < p.n ? text[p.i + 1] : 0;
        switch (c) {
        case ' ':
        case '\t':
        case '\r':
            end_word(&p);
            p.i++;
            break;
        case '\n':
            end_cmd(&p, ST_SH_END);
            p.line++;
            p.i++;
            if (p.heredoc == 2)
                skip_heredoc(&p);
            break;
        case '\\':
            if (d == '\n') {
                p.line++;
            } else if (d) {
                put(&p, &d, 1);
            }
            p.i += 2;
            break;
        case '\'': {
            const char *q = memchr(text + p.i + 1, '\'', p.n - p.i - 1);
            size_t k = q ? (size_t)(q - text) : p.n;
            for (size_t j = p.i + 1; j < k; j++)
                p.line += text[j] == '\n';
            put(&p, "", 0);
            put(&p, text + p.i + 1, k - p.i - 1);
            p.i = k + 1;
            break;
        }
        case '"':
            double_quoted(&p);
            break;
        case '`':
            backquoted(&p);
            break;
        case '$':
            dollar(&p);
            break;
        case '#':
            if (p.in_word) {
                put(&p, &c, 1);
                p.i++;
                break;
            }
            while (p.i < p.n && text[p.i] != '\n')
                p.i++;
            break;
        case ';':
            end_cmd(&p, ST_SH_END);
            p.i += d == ';' ? 2 : 1;
            break;
        case '&':
            if (d == '&') {
                end_cmd(&p, ST_SH_AND);
                p.i += 2;
            } else if (d == '>') {
                redirection(&p);
            } else {
                end_cmd(&p, ST_SH_END);
                p.i++;
            }
            break;
        case '|':
            end_cmd(&p, d == '|' ? ST_SH_OR : ST_SH_PIPE);
            p.i += d == '|' || d == '&' ? 2 : 1;
            break;
        case '(':
        case ')':
            end_cmd(&p, ST_SH_END);
            p.i++;
            break;
        case '<':
        case '>':
            if (d == '(') { /* <(…) process substitution: a word */
                balanced(&p, 2, '(', ')');
                break;
            }
            redirection(&p);
            break;
        default:
            put(&p, &c, 1);
            p.i++;
            break;
        }
    }
    if (p.i > p.n)
        p.i = p.n;
    end_cmd(&p, ST_SH_END);
    rc = p.rc;
    if (!rc && p.cmds.len) {
        st_sh_cmd *arr = st_arena_alloc(a, p.cmds.len * sizeof(*arr));
        if (!arr) {
            rc = ST_ENOMEM;
        } else {
            for (size_t i = 0; i < p.cmds.len; i++)
                arr[i] = *(st_sh_cmd *)p.cmds.items[i];
            *cmds = arr;
            *n = p.cmds.len;
        }
    }
    st_vec_release(&p.cmds);
    st_vec_release(&p.args);
    st_buf_release(&p.word);
    return rc;
}
