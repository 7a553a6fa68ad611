/* java: pom.xml, the direct <dependencies> of a Maven project.
 *
 * Only what the pom itself says: a dependency whose version is a literal,
 * or a ${property} defined in the same pom (<properties>, or the pom's own
 * project.version / groupId / parent coordinates). Versions inherited from
 * a parent or managed by a BOM are not resolved (the parent is not here),
 * so those dependencies are skipped and counted in one diagnostic. Ranges
 * ("[1.0,2.0)") are not versions of anything installed: skipped too.
 * <dependencyManagement>, <profiles> and plugin dependencies are not the
 * project's dependencies. scope "test" marks a development dependency.
 *
 * Parsing is libxml2 with XML_PARSE_NONET and without XML_PARSE_NOENT or
 * XML_PARSE_DTDLOAD: no entity is ever substituted and nothing outside the
 * file is loaded (XXE). A pom with a DOCTYPE is refused outright: no real
 * pom has one, and a hostile one gains nothing by it. Text is read from
 * text and CDATA nodes only; an entity reference makes a value unusable.
 */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "java_parse.h"
#include "util/banned.h"

#define MAX_VALUE 4096   /* longest resolved value */
#define MAX_DEPTH 8      /* nested ${} resolutions */
#define MAX_DEPS 100000

struct pom {
    st_scan_ctx *ctx;
    const st_entry *e;
    xmlNode *project;
    st_map *props;       /* name -> xmlNode * (a child of <properties>) */
    size_t skipped;      /* dependencies without a usable version */
};

void st_java__xml_init(void)
{
    xmlInitParser();
}

/* libxml2 reports some errors (encoding conversion, I/O) through its
 * per-thread generic and structured handlers, which print to stderr by
 * default, whatever the parser options say. The library never prints:
 * both are silenced around a parse and given back after. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

struct xml_handlers {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
};

static void quiet(struct xml_handlers *saved)
{
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    saved->structured = xmlStructuredError;
    saved->structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
}

static void unquiet(const struct xml_handlers *saved)
{
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
    xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
}

static bool named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name &&
           !strcmp((const char *)n->name, name);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    if (!n)
        return NULL;
    for (xmlNode *c = n->children; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* The raw text of an element: its text and CDATA children. false when it
 * has an entity reference or element children, or is too long. */
static bool raw_text(const xmlNode *n, st_buf *out)
{
    st_buf_reset(out);
    if (!n)
        return false;
    for (const xmlNode *c = n->children; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content &&
                st_buf_puts(out, (const char *)c->content) < 0)
                return false;
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            return false;
        }
    }
    return true;
}

static int resolve(struct pom *p, const char *s, size_t n, st_buf *out,
                   int depth);

/* The value of the built-in or declared property `name`, resolved. */
static int property(struct pom *p, const char *name, size_t n, st_buf *out,
                    int depth)
{
    static const struct {
        const char *name, *el;
        bool parent; /* only the parent's */
    } builtin[] = {
        {"project.version", "version", false},
        {"pom.version", "version", false},
        {"version", "version", false},
        {"project.groupId", "groupId", false},
        {"pom.groupId", "groupId", false},
        {"groupId", "groupId", false},
        {"project.artifactId", "artifactId", false},
        {"pom.artifactId", "artifactId", false},
        {"artifactId", "artifactId", false},
        {"project.parent.version", "version", true},
        {"parent.version", "version", true},
        {"project.parent.groupId", "groupId", true},
        {"parent.groupId", "groupId", true},
    };
    st_buf raw = ST_BUF_INIT(MAX_VALUE);
    xmlNode *node = st_map_get(p->props, name, n);
    int rc = ST_EINVALID;

    if (!node) {
        for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
            xmlNode *parent = child(p->project, "parent");
            if (strlen(builtin[i].name) != n ||
                memcmp(builtin[i].name, name, n))
                continue;
            node = builtin[i].parent ? NULL
                                     : child(p->project, builtin[i].el);
            /* groupId and version are inherited from the parent. */
            if (!node && strcmp(builtin[i].el, "artifactId"))
                node = child(parent, builtin[i].el);
            break;
        }
    }
    if (node && raw_text(node, &raw))
        rc = resolve(p, raw.ptr, raw.len, out, depth + 1);
    st_buf_release(&raw);
    return rc;
}

/* Appends s[0..n) with every ${name} replaced. ST_EINVALID when one is
 * undefined, nested too deep or too long. */
static int resolve(struct pom *p, const char *s, size_t n, st_buf *out,
                   int depth)
{
    size_t i = 0;
    int rc;
    if (depth > MAX_DEPTH)
        return ST_EINVALID;
    while (i < n) {
        const char *open = NULL, *close;
        for (size_t k = i; k + 1 < n; k++)
            if (s[k] == '$' && s[k + 1] == '{') {
                open = s + k;
                break;
            }
        if (!open)
            return st_buf_put(out, s + i, n - i) < 0 ? ST_EINVALID : 0;
        if (st_buf_put(out, s + i, (size_t)(open - (s + i))) < 0)
            return ST_EINVALID;
        close = memchr(open + 2, '}', (size_t)(s + n - (open + 2)));
        if (!close)
            return ST_EINVALID;
        if ((rc = property(p, open + 2, (size_t)(close - open - 2), out,
                           depth)) < 0)
            return rc;
        i = (size_t)(close + 1 - s);
    }
    return 0;
}

/* The trimmed, resolved text of an element; false when unusable. */
static bool value(struct pom *p, const xmlNode *n, st_buf *raw, st_buf *out)
{
    size_t b = 0, e;
    st_buf_reset(out);
    if (!raw_text(n, raw))
        return false;
    e = raw->len;
    while (b < e && strchr(" \t\r\n", raw->ptr[b]))
        b++;
    while (e > b && strchr(" \t\r\n", raw->ptr[e - 1]))
        e--;
    if (b == e || resolve(p, raw->ptr + b, e - b, out, 0) < 0)
        return false;
    return out->len > 0;
}

static int add_dep(struct pom *p, xmlNode *dep, st_buf *raw, st_buf *g,
                   st_buf *a, st_buf *v, st_buf *scope)
{
    st_arena *ar = st_ctx_arena(p->ctx);
    st_package *pkg;
    char *version, *gc, *ac;

    if (!value(p, child(dep, "groupId"), raw, g) ||
        !value(p, child(dep, "artifactId"), raw, a) ||
        !value(p, child(dep, "version"), raw, v) || v->ptr[0] == '[' ||
        v->ptr[0] == '(') {
        p->skipped++;
        return 0;
    }
    if (!value(p, child(dep, "scope"), raw, scope))
        st_buf_reset(scope);
    /* A property may resolve to nothing but white space. */
    if (!(version = st_java__clean(ar, v->ptr, v->len)))
        return ST_ENOMEM;
    if (!*version) {
        p->skipped++;
        return 0;
    }
    if (!(pkg = st_ctx_add_package(p->ctx)))
        return ST_ENOMEM;
    pkg->type = "maven";
    gc = st_java__clean(ar, g->ptr, g->len);
    ac = st_java__clean(ar, a->ptr, a->len);
    if (!gc || !ac)
        return ST_ENOMEM;
    pkg->name = st_arena_printf(ar, "%s:%s", gc, ac);
    pkg->version = version;
    pkg->found_in = st_arena_printf(ar, "/%s", p->e->path);
    pkg->direct = 1;
    pkg->dev = !strcmp(scope->ptr, "test");
    if (!pkg->name || !pkg->found_in)
        return ST_ENOMEM;
    st_ctx_package_layer(p->ctx, pkg, p->e->layer);
    return 0;
}

static int collect_props(struct pom *p)
{
    xmlNode *props = child(p->project, "properties");
    if (!props)
        return 0;
    for (xmlNode *c = props->children; c; c = c->next) {
        void **slot;
        bool created;
        int rc;
        if (c->type != XML_ELEMENT_NODE || !c->name)
            continue;
        rc = st_map_slot(p->props, (const char *)c->name,
                         strlen((const char *)c->name), &slot, &created);
        if (rc < 0)
            return rc;
        *slot = c; /* the last definition wins, as in Maven */
    }
    return 0;
}

int st_java__pom(st_scan_ctx *ctx, const st_entry *e, const char *data,
                 size_t len)
{
    st_buf raw = ST_BUF_INIT(MAX_VALUE), g = ST_BUF_INIT(MAX_VALUE),
           a = ST_BUF_INIT(MAX_VALUE), v = ST_BUF_INIT(MAX_VALUE),
           scope = ST_BUF_INIT(MAX_VALUE);
    xmlParserCtxtPtr px = NULL;
    xmlDocPtr doc = NULL;
    struct xml_handlers saved;
    xmlNode *deps;
    struct pom p;
    size_t ndeps = 0;
    int rc = 0;

    memset(&p, 0, sizeof(p));
    p.ctx = ctx;
    p.e = e;
    if (len > ST_JAVA_MAX_POM) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "java", e->path, e->layer,
                    "pom.xml larger than %u bytes: not read", ST_JAVA_MAX_POM);
        return 0;
    }
    if (!(p.props = st_map_new()) || !(px = xmlNewParserCtxt())) {
        rc = ST_ENOMEM;
        goto done;
    }
    quiet(&saved);
    doc = xmlCtxtReadMemory(px, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    unquiet(&saved);
    if (!doc) {
        const xmlError *err = xmlCtxtGetLastError(px);
        char msg[160] = "not well-formed";
        if (err && err->message) {
            size_t n = strcspn(err->message, "\n");
            snprintf(msg, sizeof(msg), "line %d: %.*s", err->line,
                     (int)(n > 120 ? 120 : n), err->message);
        }
        st_ctx_diag(ctx, ST_DIAG_WARNING, "java", e->path, e->layer,
                    "pom.xml is not valid XML (%s): skipped",
                    st_java__clean(st_ctx_arena(ctx), msg, strlen(msg)));
        goto done;
    }
    if (doc->intSubset || doc->extSubset) {
        st_ctx_diag(ctx, ST_DIAG_WARNING, "java", e->path, e->layer,
                    "pom.xml has a DOCTYPE (entities are never expanded): "
                    "skipped");
        goto done;
    }
    p.project = xmlDocGetRootElement(doc);
    if (!named(p.project, "project")) {
        st_ctx_diag(ctx, ST_DIAG_INFO, "java", e->path, e->layer,
                    "pom.xml has no <project> root: skipped");
        goto done;
    }
    ST_CHECK(collect_props(&p));
    deps = child(p.project, "dependencies");
    for (xmlNode *c = deps ? deps->children : NULL; c; c = c->next) {
        if (!named(c, "dependency"))
            continue;
        if (++ndeps > MAX_DEPS) {
            st_ctx_diag(ctx, ST_DIAG_WARNING, "java", e->path, e->layer,
                        "more than %d dependencies: the rest ignored",
                        MAX_DEPS);
            break;
        }
        ST_CHECK(add_dep(&p, c, &raw, &g, &a, &v, &scope));
    }
    if (p.skipped)
        st_ctx_diag(ctx, ST_DIAG_INFO, "java", e->path, e->layer,
                    "%zu dependenc%s without a literal version (inherited, "
                    "managed, a range or an undefined property): not listed",
                    p.skipped, p.skipped == 1 ? "y" : "ies");
done:
    st_buf_release(&raw);
    st_buf_release(&g);
    st_buf_release(&a);
    st_buf_release(&v);
    st_buf_release(&scope);
    if (doc)
        xmlFreeDoc(doc);
    if (px)
        xmlFreeParserCtxt(px);
    st_map_free(p.props);
    return rc;
}
