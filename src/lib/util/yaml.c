/* YAML streams as trees with positions (yaml.h), from libfyaml events.
 * libfyaml does the lexing; this file builds the trees and holds the
 * limits: aliases are shared nodes whose expanded size is counted, so a
 * document that would expand beyond the limit is refused before anything
 * is copied. */
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/yaml.h"
#include "util/banned.h"

#define DEF_MAX_BYTES (8u << 20)
#define DEF_MAX_NODES 1000000u
#define DEF_MAX_DOCS 100000u
#define MAX_DEPTH 64u
#define SMALL_MAP 16 /* pairs; larger maps check duplicates by hashing */

typedef struct frame {
    st_ynode *node;
    const char *anchor; /* to register when the node ends, or NULL */
    size_t anchor_len;
    st_vec kids;
} frame;

typedef struct yload {
    st_arena *a;
    st_yaml_limits lim;
    st_yaml_error *e;
    st_map *anchors; /* name -> st_ynode *, per document */
    int rc;
} yload;

static int yfail(yload *ld, int code, unsigned line, unsigned col,
                 const char *fmt, ...) ST_PRINTF(5, 6);
static int yfail(yload *ld, int code, unsigned line, unsigned col,
                 const char *fmt, ...)
{
    va_list ap;
    if (ld->rc)
        return ld->rc;
    ld->rc = code;
    if (ld->e) {
        ld->e->code = code;
        ld->e->line = line;
        ld->e->column = col;
        va_start(ap, fmt);
        vsnprintf(ld->e->msg, sizeof(ld->e->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* libfyaml's diagnostics read "…:LINE:COL: error: MESSAGE"; keep the
 * first one. */
struct firsterr {
    bool got;
    unsigned line, col;
    char msg[160];
};

struct fy_diag *st_yaml_diag_new(void)
{
    struct fy_diag_cfg dcfg;
    struct fy_diag *d;

    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.colorize = false;
    if ((d = fy_diag_create(&dcfg)))
        fy_diag_set_collect_errors(d, true);
    return d;
}

bool st_yaml_diag_first(struct fy_diag *d, unsigned *line, unsigned *column,
                        char *msg, size_t n)
{
    void *it = NULL;
    struct fy_diag_error *e = d ? fy_diag_errors_iterate(d, &it) : NULL;

    if (!e || !e->msg)
        return false;
    *line = e->line > 0 ? (unsigned)e->line : 0;
    *column = e->column > 0 ? (unsigned)e->column : 0;
    snprintf(msg, n, "%s", e->msg);
    msg[strcspn(msg, "\n")] = 0;
    return true;
}

/* The first error of the parse, for the failure message. */
static void first_error(struct firsterr *fe, struct fy_diag *diag)
{
    fe->got = st_yaml_diag_first(diag, &fe->line, &fe->col, fe->msg,
                                 sizeof(fe->msg));
}

static st_ynode *new_node(yload *ld, st_ytype t, unsigned line, unsigned col)
{
    st_ynode *n = st_arena_alloc(ld->a, sizeof(*n));
    if (!n) {
        yfail(ld, ST_ENOMEM, line, col, "out of memory");
        return NULL;
    }
    n->type = t;
    n->line = line;
    n->column = col;
    n->s = "";
    n->weight = 1;
    return n;
}

/* Hangs n below the open node (or makes it the root); line and col are
 * where the event was, for errors (an alias's target is elsewhere). */
static int attach(yload *ld, frame *stack, size_t depth, st_ynode **root,
                  st_ynode *n, unsigned line, unsigned col)
{
    if (!depth) {
        *root = n;
        if (n->weight > ld->lim.max_nodes)
            return yfail(ld, ST_ELIMIT, line, col,
                         "the document expands to more than %zu nodes "
                         "(an alias bomb?)",
                         ld->lim.max_nodes);
        return 0;
    }
    frame *p = &stack[depth - 1];
    /* the parent's weight so far: refuse as soon as it is too large */
    p->node->weight += n->weight;
    if (p->node->weight > ld->lim.max_nodes)
        return yfail(ld, ST_ELIMIT, line, col,
                     "the document expands to more than %zu nodes "
                     "(an alias bomb?)",
                     ld->lim.max_nodes);
    if (st_vec_push(&p->kids, n) < 0)
        return yfail(ld, ST_ENOMEM, line, col, "out of memory");
    return 0;
}

static bool key_is(const st_ynode *k, const char *s)
{
    return k->type == ST_Y_SCALAR && !strcmp(k->s, s);
}

/* Merge keys: "<<" with a mapping or a list of mappings; entries the
 * mapping already has (or an earlier merged one gave) are not replaced. */
static int merge(yload *ld, st_ynode *map, st_vec *out)
{
    st_vec own = ST_VEC_INIT;
    int rc = 0;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        st_ynode *k = map->kids[i];
        if (k->type == ST_Y_SCALAR && k->plain && !strcmp(k->s, "<<"))
            continue;
        if (st_vec_push(&own, k) < 0 || st_vec_push(&own, map->kids[i + 1]) < 0)
            goto oom;
    }
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        st_ynode *k = map->kids[i], *v = map->kids[i + 1];
        st_ynode *const *srcs = &v;
        size_t nsrc = 1;
        if (!(k->type == ST_Y_SCALAR && k->plain && !strcmp(k->s, "<<")))
            continue;
        if (v->type == ST_Y_SEQ) {
            srcs = v->kids;
            nsrc = v->n;
        }
        for (size_t s = 0; s < nsrc; s++) {
            const st_ynode *src = srcs[s];
            if (src->type != ST_Y_MAP) {
                rc = yfail(ld, ST_EINVALID, src->line, src->column,
                           "a merge key needs a mapping");
                goto done;
            }
            for (size_t j = 0; j + 1 < src->n; j += 2) {
                bool have = false;
                for (size_t o = 0; o < own.len && !have; o += 2)
                    have = !strcmp(((st_ynode *)own.items[o])->s,
                                   src->kids[j]->s);
                if (have)
                    continue;
                if (st_vec_push(&own, src->kids[j]) < 0 ||
                    st_vec_push(&own, src->kids[j + 1]) < 0)
                    goto oom;
            }
        }
    }
    *out = own;
    return 0;
oom:
    rc = yfail(ld, ST_ENOMEM, map->line, map->column, "out of memory");
done:
    st_vec_release(&own);
    return rc;
}

static int finish(yload *ld, frame *f)
{
    st_ynode *node = f->node;
    size_t n = f->kids.len;
    bool merges = false;
    st_map *seen = NULL;
    int rc = 0;

    if (n) {
        node->kids = st_arena_memdup(ld->a, f->kids.items, n * sizeof(void *));
        if (!node->kids)
            return yfail(ld, ST_ENOMEM, node->line, node->column,
                         "out of memory");
    }
    node->n = n;
    f->kids.len = 0;
    if (node->type != ST_Y_MAP)
        goto anchor;
    for (size_t i = 0; i + 1 < n; i += 2) {
        const st_ynode *k = node->kids[i];
        if (k->type != ST_Y_SCALAR)
            return yfail(ld, ST_EINVALID, k->line, k->column,
                         "a mapping key must be a scalar");
        if (k->plain && !strcmp(k->s, "<<"))
            merges = true;
    }
    if (n / 2 > SMALL_MAP && !(seen = st_map_new()))
        return yfail(ld, ST_ENOMEM, node->line, node->column,
                     "out of memory");
    for (size_t i = 0; i + 1 < n; i += 2) {
        const st_ynode *k = node->kids[i];
        bool dup = false;
        if (k->plain && !strcmp(k->s, "<<"))
            continue;
        if (seen) {
            void **slot;
            bool created;
            if (st_map_slot(seen, k->s, k->len, &slot, &created) < 0) {
                rc = yfail(ld, ST_ENOMEM, k->line, k->column,
                           "out of memory");
                break;
            }
            dup = !created;
        } else {
            for (size_t j = 0; j < i && !dup; j += 2)
                dup = key_is(node->kids[j], k->s) &&
                      node->kids[j]->len == k->len;
        }
        if (dup) {
            rc = yfail(ld, ST_EINVALID, k->line, k->column,
                       "duplicate key \"%.60s\"", k->s);
            break;
        }
    }
    st_map_free(seen);
    if (rc)
        return rc;
    if (merges) {
        st_vec m = ST_VEC_INIT;
        if ((rc = merge(ld, node, &m)) < 0)
            return rc;
        node->kids = m.len ? st_arena_memdup(ld->a, m.items,
                                             m.len * sizeof(void *))
                           : NULL;
        node->n = m.len;
        st_vec_release(&m);
        if (m.len && !node->kids)
            return yfail(ld, ST_ENOMEM, node->line, node->column,
                         "out of memory");
    }
anchor:
    if (f->anchor) {
        void **slot;
        bool created;
        if (st_map_slot(ld->anchors, f->anchor, f->anchor_len, &slot,
                        &created) < 0)
            return yfail(ld, ST_ENOMEM, node->line, node->column,
                         "out of memory");
        *slot = node;
        f->anchor = NULL;
    }
    return 0;
}

static int scalar(yload *ld, struct fy_token *tok, st_ynode *n)
{
    size_t len = 0;
    const char *text = fy_token_get_text(tok, &len);

    if (!text)
        return yfail(ld, ST_ENOMEM, n->line, n->column, "out of memory");
    if (len > ld->lim.max_bytes)
        return yfail(ld, ST_ELIMIT, n->line, n->column,
                     "a scalar is too long");
    if (memchr(text, 0, len))
        return yfail(ld, ST_EINVALID, n->line, n->column,
                     "a NUL byte in a scalar");
    if (!(n->s = st_arena_strndup(ld->a, text, len)))
        return yfail(ld, ST_ENOMEM, n->line, n->column, "out of memory");
    n->len = len;
    n->plain = fy_token_scalar_style(tok) == FYSS_PLAIN;
    /* libfyaml's mark of a quoted scalar is after its quote */
    if ((fy_token_scalar_style(tok) == FYSS_SINGLE_QUOTED ||
         fy_token_scalar_style(tok) == FYSS_DOUBLE_QUOTED) &&
        n->column > 1)
        n->column--;
    return 0;
}

static int add_anchor(yload *ld, struct fy_token *anchor, st_ynode *n)
{
    size_t len = 0;
    const char *name;
    void **slot;
    bool created;
    if (!anchor)
        return 0;
    if (!(name = fy_token_get_text(anchor, &len)))
        return yfail(ld, ST_ENOMEM, n->line, n->column, "out of memory");
    if (st_map_slot(ld->anchors, name, len, &slot, &created) < 0)
        return yfail(ld, ST_ENOMEM, n->line, n->column, "out of memory");
    *slot = n;
    return 0;
}

static void limits(st_yaml_limits *out, const st_yaml_limits *in)
{
    memset(out, 0, sizeof(*out));
    if (in)
        *out = *in;
    if (!out->max_bytes)
        out->max_bytes = DEF_MAX_BYTES;
    if (!out->max_depth || out->max_depth > MAX_DEPTH)
        out->max_depth = MAX_DEPTH;
    if (!out->max_nodes)
        out->max_nodes = DEF_MAX_NODES;
    if (!out->max_docs)
        out->max_docs = DEF_MAX_DOCS;
}

int st_yaml_parse(st_vec *docs, st_arena *a, const char *data, size_t len,
                  const st_yaml_limits *lim, st_yaml_error *e)
{
    yload ld = {a, {0, 0, 0, 0}, e, NULL, 0};
    struct fy_parse_cfg cfg;
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    struct fy_event *ev;
    struct firsterr fe;
    frame stack[MAX_DEPTH];
    size_t depth = 0, ndocs = 0;
    unsigned last = 1, lastcol = 1;
    st_ynode *root = NULL;

    limits(&ld.lim, lim);
    memset(stack, 0, sizeof(stack));
    memset(&fe, 0, sizeof(fe));
    if (e)
        memset(e, 0, sizeof(*e));
    if (len > ld.lim.max_bytes)
        return yfail(&ld, ST_ELIMIT, 1, 1, "larger than %zu bytes",
                     ld.lim.max_bytes);
    if (memchr(data, 0, len))
        return yfail(&ld, ST_EINVALID, 1, 1, "a NUL byte: not a text file");
    /* libfyaml 0.7.12 loops forever on some invalid UTF-8 (a directive
     * "%p#\xb1", found by fuzz_monitor_rules); YAML is UTF-8 anyway. */
    if (st_utf8_check(data, len) != len) {
        size_t at = st_utf8_check(data, len), line = 1, col = 1;
        for (size_t i = 0; i < at; i++, col++)
            if (data[i] == '\n')
                line++, col = 0;
        return yfail(&ld, ST_EINVALID, (unsigned)line, (unsigned)col,
                     "not UTF-8 text");
    }
    if (!(ld.anchors = st_map_new()))
        return yfail(&ld, ST_ENOMEM, 1, 1, "out of memory");
    if (!(diag = st_yaml_diag_new())) {
        yfail(&ld, ST_ENOMEM, 1, 1, "out of memory");
        goto done;
    }
    memset(&cfg, 0, sizeof(cfg));
    /* Sloppy flow indentation: a "]" at its key's indentation is what
     * Falco's and PyYAML's readers accept (falco_rules.yaml has it). */
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_AUTO |
                FYPCF_SLOPPY_FLOW_INDENTATION;
    cfg.diag = diag;
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, data, len) != 0) {
        yfail(&ld, ST_ENOMEM, 1, 1, "out of memory");
        goto done;
    }
    while (!ld.rc && (ev = fy_parser_parse(fyp))) {
        const struct fy_mark *m = fy_event_start_mark(ev);
        unsigned line = m && m->line >= 0 ? (unsigned)m->line + 1 : last;
        unsigned col = m && m->column >= 0 ? (unsigned)m->column + 1 : lastcol;
        struct fy_token *anchor = NULL;
        st_ynode *n = NULL;

        last = line;
        lastcol = col;
        switch (ev->type) {
        case FYET_DOCUMENT_START:
            if (++ndocs > ld.lim.max_docs)
                yfail(&ld, ST_ELIMIT, line, col,
                      "more than %zu documents", ld.lim.max_docs);
            root = NULL;
            break;
        case FYET_DOCUMENT_END:
            /* anchors do not cross documents */
            st_map_free(ld.anchors);
            if (!(ld.anchors = st_map_new()))
                yfail(&ld, ST_ENOMEM, line, col, "out of memory");
            else if (root && !(root->type == ST_Y_SCALAR && root->plain &&
                               !root->len) &&
                     st_vec_push(docs, root) < 0)
                yfail(&ld, ST_ENOMEM, line, col, "out of memory");
            root = NULL;
            break;
        case FYET_ALIAS: {
            size_t alen = 0;
            const char *aname = fy_token_get_text(ev->alias.anchor, &alen);
            if (!aname ||
                !(n = st_map_get(ld.anchors, aname, alen))) {
                yfail(&ld, ST_EINVALID, line, col,
                      "alias \"*%.*s\" of no complete anchor",
                      aname ? (int)(alen > 40 ? 40 : alen) : 0,
                      aname ? aname : "");
                break;
            }
            attach(&ld, stack, depth, &root, n, line, col);
            break;
        }
        case FYET_SCALAR:
            if ((n = new_node(&ld, ST_Y_SCALAR, line, col)) &&
                scalar(&ld, ev->scalar.value, n) == 0 &&
                add_anchor(&ld, ev->scalar.anchor, n) == 0)
                attach(&ld, stack, depth, &root, n, line, col);
            break;
        case FYET_MAPPING_START:
        case FYET_SEQUENCE_START:
            anchor = ev->type == FYET_MAPPING_START ? ev->mapping_start.anchor
                                                    : ev->sequence_start.anchor;
            if (depth >= ld.lim.max_depth) {
                yfail(&ld, ST_ELIMIT, line, col,
                      "nested deeper than %u levels", ld.lim.max_depth);
                break;
            }
            n = new_node(&ld, ev->type == FYET_MAPPING_START ? ST_Y_MAP
                                                             : ST_Y_SEQ,
                         line, col);
            if (!n)
                break;
            stack[depth].node = n;
            stack[depth].anchor = NULL;
            if (anchor) {
                size_t alen = 0;
                const char *aname = fy_token_get_text(anchor, &alen);
                if (!aname || !(stack[depth].anchor =
                                    st_arena_strndup(a, aname, alen))) {
                    yfail(&ld, ST_ENOMEM, line, col, "out of memory");
                    break;
                }
                stack[depth].anchor_len = alen;
            }
            depth++;
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            if (depth && finish(&ld, &stack[depth - 1]) == 0) {
                depth--;
                attach(&ld, stack, depth, &root, stack[depth].node, line,
                       col);
            }
            break;
        case FYET_NONE:
        case FYET_STREAM_START:
        case FYET_STREAM_END:
            break;
        }
        fy_parser_event_free(fyp, ev);
    }
    if (!ld.rc && fy_parser_get_stream_error(fyp)) {
        first_error(&fe, diag);
        yfail(&ld, ST_EINVALID, fe.line ? fe.line : last,
              fe.line ? fe.col : lastcol, "%s",
              fe.got && fe.msg[0] ? fe.msg : "syntax error");
    }
done:
    for (size_t i = 0; i < MAX_DEPTH; i++)
        st_vec_release(&stack[i].kids);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag); /* frees the collected errors */
    st_map_free(ld.anchors);
    return ld.rc;
}

const st_ynode *st_ymap_key(const st_ynode *map, const char *key)
{
    if (!map || map->type != ST_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (!strcmp(map->kids[i]->s, key))
            return map->kids[i];
    return NULL;
}

const st_ynode *st_ymap_get(const st_ynode *map, const char *key)
{
    if (!map || map->type != ST_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (!strcmp(map->kids[i]->s, key))
            return map->kids[i + 1];
    return NULL;
}

const st_ynode *st_ypath(const st_ynode *map, const char *path)
{
    char part[128];
    const st_ynode *n = map;
    while (n && *path) {
        size_t k = strcspn(path, ".");
        if (k >= sizeof(part))
            return NULL;
        memcpy(part, path, k);
        part[k] = 0;
        n = st_ymap_get(n, part);
        path += k + (path[k] == '.');
    }
    return n;
}

const char *st_ystr(const st_ynode *n)
{
    return n && n->type == ST_Y_SCALAR ? n->s : NULL;
}

int st_ybool(const st_ynode *n)
{
    static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes",
                                    "YES",  "on",   "On",   "ON"};
    static const char *const f[] = {"false", "False", "FALSE", "no", "No",
                                    "NO",    "off",   "Off",   "OFF"};
    if (!n || n->type != ST_Y_SCALAR || !n->plain)
        return -1;
    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        if (!strcmp(n->s, t[i]))
            return 1;
        if (!strcmp(n->s, f[i]))
            return 0;
    }
    return -1;
}

bool st_yint(const st_ynode *n, long long *out)
{
    char *end;
    long long v;
    if (!n || n->type != ST_Y_SCALAR || !n->len || n->len > 20)
        return false;
    v = strtoll(n->s, &end, 10);
    if (*end || end == n->s)
        return false;
    *out = v;
    return true;
}
