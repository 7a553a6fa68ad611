/* A YAML document as a small tree with line numbers, built from
 * libfyaml's event stream: check files and kubelet configs both need "this
 * key, on this line". Aliases, several documents and deep nesting are
 * refused; every scalar is bounded by the caller's file limit. */
#include <libfyaml.h>
#include <string.h>

#include "host/host_int.h"
#include "util/yaml.h"
#include "util/banned.h"

typedef struct frame {
    st_host__ynode *node;
    st_vec kids;
} frame;

typedef struct yload {
    st_arena *arena;
    const char *name;
    st_error **err;
    int rc;
} yload;

static int yfail(yload *ld, int code, unsigned line, const char *fmt, ...)
    ST_PRINTF(4, 5);
static int yfail(yload *ld, int code, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (ld->rc)
        return ld->rc;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld->rc = code;
    if (code == ST_ENOMEM)
        return st_error_set(ld->err, code, "host", "out of memory");
    return st_error_set(ld->err, code, "host", "%s:%u: %s", ld->name, line,
                        msg);
}

/* libfyaml reports "…:LINE:COL: error: MESSAGE"; keep the first. */
struct firsterr {
    bool got;
    unsigned line;
    char msg[160];
};

/* The first error of the parse, for the failure message. */
static void first_error(struct firsterr *fe, struct fy_diag *diag)
{
    unsigned col;
    fe->got = st_yaml_diag_first(diag, &fe->line, &col, fe->msg,
                                 sizeof(fe->msg));
}

static st_host__ynode *node(yload *ld, enum st_host__ytype t, unsigned line)
{
    st_host__ynode *n = st_arena_alloc(ld->arena, sizeof(*n));
    if (!n) {
        yfail(ld, ST_ENOMEM, line, "out of memory");
        return NULL;
    }
    n->type = t;
    n->line = line;
    n->s = "";
    return n;
}

static void attach(yload *ld, frame *stack, size_t depth,
                   st_host__ynode **root, st_host__ynode *n)
{
    if (!depth) {
        *root = n;
        return;
    }
    if (st_vec_push(&stack[depth - 1].kids, n) < 0)
        yfail(ld, ST_ENOMEM, n->line, "out of memory");
}

static int finish(yload *ld, frame *f)
{
    size_t n = f->kids.len;
    if (n) {
        f->node->kids = st_arena_memdup(ld->arena, f->kids.items,
                                        n * sizeof(void *));
        if (!f->node->kids)
            return yfail(ld, ST_ENOMEM, 0, "out of memory");
    }
    f->node->n = n;
    f->kids.len = 0;
    if (f->node->type == ST_HOST__Y_MAP) {
        /* keys are scalars and unique */
        for (size_t i = 0; i + 1 < n; i += 2) {
            const st_host__ynode *k = f->node->kids[i];
            if (k->type != ST_HOST__Y_SCALAR)
                return yfail(ld, ST_EINVALID, k->line,
                             "a mapping key must be a scalar");
            for (size_t j = 0; j < i; j += 2)
                if (!strcmp(f->node->kids[j]->s, k->s))
                    return yfail(ld, ST_EINVALID, k->line,
                                 "duplicate key \"%s\"", k->s);
        }
    }
    return 0;
}

static int scalar(yload *ld, struct fy_token *tok, st_host__ynode *n)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_LIST);
    struct fy_token_iter *it = fy_token_iter_create(tok);
    const struct fy_iter_chunk *c = NULL;
    int bad = 0;

    if (!it)
        return yfail(ld, ST_ENOMEM, n->line, "out of memory");
    while ((c = fy_token_iter_chunk_next(it, c, &bad)))
        if (st_buf_put(&b, c->str, c->len) < 0)
            break;
    fy_token_iter_destroy(it);
    if (bad)
        yfail(ld, ST_EINVALID, n->line, "a scalar cannot be read");
    else if (c)
        yfail(ld, ST_ELIMIT, n->line, "a scalar is too long");
    else if (memchr(b.ptr, 0, b.len))
        yfail(ld, ST_EINVALID, n->line, "a NUL byte in a scalar");
    else if (!(n->s = st_arena_strndup(ld->arena, b.ptr, b.len)))
        yfail(ld, ST_ENOMEM, n->line, "out of memory");
    n->len = b.len;
    n->plain = fy_token_scalar_style(tok) == FYSS_PLAIN;
    st_buf_release(&b);
    return ld->rc;
}

int st_host__yaml_parse(st_host__ynode **out, st_arena *arena,
                        const char *data, size_t len, const char *name,
                        st_error **err)
{
    yload ld = {arena, name, err, 0};
    struct fy_parse_cfg cfg;
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct fy_event *ev;
    struct firsterr fe;
    frame stack[ST_HOST__MAX_DEPTH];
    size_t depth = 0;
    unsigned docs = 0, last = 1;
    st_host__ynode *root = NULL;

    *out = NULL;
    memset(stack, 0, sizeof(stack));
    memset(&fe, 0, sizeof(fe));
    if (len > ST_HOST__MAX_LIST)
        return yfail(&ld, ST_ELIMIT, 1, "larger than %u bytes",
                     ST_HOST__MAX_LIST);
    if (memchr(data, 0, len))
        return yfail(&ld, ST_EINVALID, 1, "a NUL byte: not a text file");
    /* libfyaml 0.7.12 loops forever on some invalid UTF-8 */
    if (st_utf8_check(data, len) != len)
        return yfail(&ld, ST_EINVALID, 1, "not UTF-8 text");
    if (!(diag = st_yaml_diag_new()))
        return yfail(&ld, ST_ENOMEM, 1, "out of memory");
    memset(&cfg, 0, sizeof(cfg));
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_AUTO;
    cfg.diag = diag;
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, data, len) != 0) {
        yfail(&ld, ST_ENOMEM, 1, "out of memory");
        goto done;
    }
    while (!ld.rc && (ev = fy_parser_parse(fyp))) {
        const struct fy_mark *m = fy_event_start_mark(ev);
        unsigned line = m && m->line >= 0 ? (unsigned)m->line + 1 : last;
        st_host__ynode *n;
        last = line;
        switch (ev->type) {
        case FYET_DOCUMENT_START:
            if (++docs > 1)
                yfail(&ld, ST_EINVALID, line, "more than one YAML document");
            break;
        case FYET_ALIAS:
            yfail(&ld, ST_EINVALID, line, "YAML aliases are not supported");
            break;
        case FYET_SCALAR:
            if ((n = node(&ld, ST_HOST__Y_SCALAR, line)) &&
                scalar(&ld, ev->scalar.value, n) == 0)
                attach(&ld, stack, depth, &root, n);
            break;
        case FYET_MAPPING_START:
        case FYET_SEQUENCE_START:
            if (depth == ST_HOST__MAX_DEPTH) {
                yfail(&ld, ST_ELIMIT, line, "nested deeper than %d levels",
                      ST_HOST__MAX_DEPTH);
                break;
            }
            n = node(&ld, ev->type == FYET_MAPPING_START ? ST_HOST__Y_MAP
                                                         : ST_HOST__Y_SEQ,
                     line);
            if (n)
                stack[depth++].node = n;
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            if (depth && finish(&ld, &stack[depth - 1]) == 0) {
                depth--;
                attach(&ld, stack, depth, &root, stack[depth].node);
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
    if (!ld.rc && fy_parser_get_stream_error(fyp)) {
        first_error(&fe, diag);
        yfail(&ld, ST_EINVALID, fe.line ? fe.line : 1, "YAML: %s",
              fe.got && fe.msg[0] ? fe.msg : "syntax error");
    }
done:
    for (size_t i = 0; i < ST_HOST__MAX_DEPTH; i++)
        st_vec_release(&stack[i].kids);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag); /* frees the collected errors */
    if (!ld.rc)
        *out = root;
    return ld.rc;
}

st_host__ynode *st_host__ymap(const st_host__ynode *map, const char *key)
{
    if (!map || map->type != ST_HOST__Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (!strcmp(map->kids[i]->s, key))
            return map->kids[i + 1];
    return NULL;
}

st_host__ynode *st_host__ypath(const st_host__ynode *map, const char *path)
{
    char part[128];
    const st_host__ynode *n = map;
    while (n && *path) {
        size_t k = strcspn(path, ".");
        if (k >= sizeof(part))
            return NULL;
        memcpy(part, path, k);
        part[k] = 0;
        n = st_host__ymap(n, part);
        path += k + (path[k] == '.');
    }
    return (st_host__ynode *)n;
}
