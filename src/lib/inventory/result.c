/* The result model: packages, OS, diagnostics; purls. */
#include <stdlib.h>
#include <string.h>

#include "result_int.h"
#include "util/banned.h"

st_result *st_result__new(void)
{
    st_result *r = st_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (!(r->arena = st_arena_new())) {
        st_free(r);
        return NULL;
    }
    r->os.family = "unknown";
    return r;
}

void st_result_free(st_result *r)
{
    if (!r)
        return;
    st_vec_release(&r->packages);
    st_vec_release(&r->diags);
    st_vec_release(&r->vulns);
    st_vec_release(&r->findings);
    st_arena_free(r->arena);
    st_free(r);
}

st_package *st_result__add_package(st_result *r)
{
    st_package *p = st_arena_alloc(r->arena, sizeof(*p));
    if (!p || st_vec_push(&r->packages, p) < 0)
        return NULL;
    p->layer_index = -1;
    p->direct = -1;
    return p;
}

st_vuln *st_result__add_vuln(st_result *r)
{
    st_vuln *v = st_arena_alloc(r->arena, sizeof(*v));
    if (!v || st_vec_push(&r->vulns, v) < 0)
        return NULL;
    v->cvss_score = -1;
    return v;
}

st_finding *st_result__add_finding(st_result *r)
{
    st_finding *f = st_arena_alloc(r->arena, sizeof(*f));
    if (!f || st_vec_push(&r->findings, f) < 0)
        return NULL;
    f->layer_index = -1;
    f->visible = 1;
    return f;
}

int st_result__set_image(st_result *r, const st_image_info *in)
{
    st_arena *a = r->arena;
    st_image_info *o = &r->image;
    st_layer_info *layers;
    const char **tags;

#define DUP(f) o->f = st_arena_strdup(a, in->f)
    DUP(ref);
    DUP(source);
    DUP(path);
    DUP(manifest_digest);
    DUP(manifest_media_type);
    DUP(config_digest);
    DUP(os);
    DUP(architecture);
    DUP(variant);
    DUP(created);
    DUP(config_json);
#undef DUP
    layers = st_arena_alloc(a, (in->layer_count + 1) * sizeof(*layers));
    tags = st_arena_alloc(a, (in->repo_tag_count + 1) * sizeof(*tags));
    if (!layers || !tags)
        return ST_ENOMEM;
    for (size_t i = 0; i < in->layer_count; i++) {
        layers[i].digest = st_arena_strdup(a, in->layers[i].digest);
        layers[i].diff_id = st_arena_strdup(a, in->layers[i].diff_id);
        layers[i].media_type = st_arena_strdup(a, in->layers[i].media_type);
        layers[i].size = in->layers[i].size;
        layers[i].created_by = st_arena_strdup(a, in->layers[i].created_by);
    }
    for (size_t i = 0; i < in->repo_tag_count; i++)
        tags[i] = st_arena_strdup(a, in->repo_tags[i]);
    o->layers = layers;
    o->layer_count = in->layer_count;
    o->repo_tags = tags;
    o->repo_tag_count = in->repo_tag_count;
    if (in->signature_count) {
        st_signature_info *sigs =
            st_arena_alloc(a, in->signature_count * sizeof(*sigs));
        if (!sigs)
            return ST_ENOMEM;
        for (size_t i = 0; i < in->signature_count; i++) {
            const st_signature_info *s = &in->signatures[i];
            sigs[i].valid = s->valid;
            sigs[i].key = st_arena_strdup(a, s->key);
            sigs[i].signed_digest = st_arena_strdup(a, s->signed_digest);
            sigs[i].identity = st_arena_strdup(a, s->identity);
            sigs[i].annotations_json = st_arena_strdup(a,
                                                       s->annotations_json);
            sigs[i].problem = st_arena_strdup(a, s->problem);
        }
        o->signatures = sigs;
        o->signature_count = in->signature_count;
    }
    return 0;
}

/* ---- purl ------------------------------------------------------------------
 * Package URLs per the purl spec: the type, a namespace (the distro for OS
 * packages), name and version percent-encoded except for the unreserved
 * characters [A-Za-z0-9.-_~] and ':', qualifiers sorted by key. */

static int put_encoded(st_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
            c == '~' || c == ':') /* the spec: ':' is never encoded */
            rc = st_buf_putc(b, (char)c);
        else
            rc = st_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool os_type(const char *t)
{
    return !strcmp(t, "deb") || !strcmp(t, "apk") || !strcmp(t, "rpm");
}

/* Splits a language package's name into the purl namespace and name:
 * npm "@scope/x" -> "@scope" "x"; maven "g:a" -> "g" "a"; golang and
 * composer "a/b/c" -> "a/b" "c"; the others have no namespace. */
static void split_name(const st_package *p, st_buf *ns, const char **name)
{
    const char *sep = NULL;
    *name = p->name;
    if (!strcmp(p->type, "npm") && p->name[0] == '@')
        sep = strchr(p->name, '/');
    else if (!strcmp(p->type, "maven"))
        sep = strchr(p->name, ':');
    else if (!strcmp(p->type, "golang") || !strcmp(p->type, "composer"))
        sep = strrchr(p->name, '/');
    if (sep && sep > p->name && sep[1]) {
        st_buf_put(ns, p->name, (size_t)(sep - p->name));
        *name = sep + 1;
    }
}

/* Namespace segments are encoded one by one; the '/' between them stays. */
static int put_namespace(st_buf *b, const char *ns, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        char seg[1024];
        while (j < n && ns[j] != '/')
            j++;
        if (j - i >= sizeof(seg))
            return ST_ELIMIT;
        memcpy(seg, ns + i, j - i);
        seg[j - i] = 0;
        if ((i && st_buf_putc(b, '/') < 0) || put_encoded(b, seg) < 0)
            return ST_ENOMEM;
        i = j + 1;
    }
    return st_buf_putc(b, '/');
}

char *st_purl_for(st_arena *a, const st_package *p, const st_os_info *os)
{
    st_buf b = ST_BUF_INIT(65536), lns = ST_BUF_INIT(4096);
    const char *ns = NULL, *name;
    char *out = NULL;
    bool q = false;

    if (!p->type || !p->name)
        return NULL;
    if (os_type(p->type)) {
        ns = os->id;
        name = p->name;
    } else {
        split_name(p, &lns, &name);
    }
    char pyname[512];
    if (!strcmp(p->type, "pypi") && strlen(name) < sizeof(pyname)) {
        /* the purl spec: PyPI names lower case, '_' as '-' */
        size_t i = 0;
        for (; name[i]; i++)
            pyname[i] = name[i] == '_' ? '-'
                        : (name[i] >= 'A' && name[i] <= 'Z')
                            ? (char)(name[i] - 'A' + 'a')
                            : name[i];
        pyname[i] = 0;
        name = pyname;
    }
    if (st_buf_printf(&b, "pkg:%s/", p->type) < 0)
        goto done;
    if (ns && (put_encoded(&b, ns) < 0 || st_buf_putc(&b, '/') < 0))
        goto done;
    if (lns.len && put_namespace(&b, lns.ptr, lns.len) < 0)
        goto done;
    if (put_encoded(&b, name) < 0)
        goto done;
    if (p->version) {
        /* rpm purls carry the epoch as a qualifier, not in the version */
        const char *v = p->version;
        if (!strcmp(p->type, "rpm") && p->epoch) {
            const char *colon = strchr(v, ':');
            if (colon)
                v = colon + 1;
        }
        if (st_buf_putc(&b, '@') < 0 || put_encoded(&b, v) < 0)
            goto done;
    }
    /* qualifiers in key order: arch, distro, epoch, upstream */
    if (p->arch) {
        if (st_buf_puts(&b, "?arch=") < 0 || put_encoded(&b, p->arch) < 0)
            goto done;
        q = true;
    }
    if (ns && os->version_id) {
        if (st_buf_puts(&b, q ? "&distro=" : "?distro=") < 0 ||
            put_encoded(&b, os->id) < 0 || st_buf_putc(&b, '-') < 0 ||
            put_encoded(&b, os->version_id) < 0)
            goto done;
        q = true;
    }
    if (!strcmp(p->type, "rpm") && p->epoch) {
        if (st_buf_puts(&b, q ? "&epoch=" : "?epoch=") < 0 ||
            put_encoded(&b, p->epoch) < 0)
            goto done;
        q = true;
    }
    if (p->source_name && strcmp(p->source_name, p->name) &&
        !strcmp(p->type, "deb")) {
        if (st_buf_puts(&b, q ? "&upstream=" : "?upstream=") < 0 ||
            put_encoded(&b, p->source_name) < 0)
            goto done;
    }
    out = st_arena_strndup(a, b.ptr, b.len);
done:
    st_buf_release(&b);
    st_buf_release(&lns);
    return out;
}

/* ---- finishing -------------------------------------------------------- */

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_pkg(const void *x, const void *y)
{
    const st_package *a = *(st_package *const *)x;
    const st_package *b = *(st_package *const *)y;
    int c;
    if ((c = cmp_str(a->type, b->type)) || (c = cmp_str(a->name, b->name)) ||
        (c = cmp_str(a->version, b->version)) ||
        (c = cmp_str(a->arch, b->arch)) ||
        (c = cmp_str(a->found_in, b->found_in)))
        return c;
    return a->layer_index - b->layer_index;
}

static int sev_rank(const char *s)
{
    static const char *const order[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, order[i]))
            return i;
    return 4;
}

static int cmp_finding(const void *x, const void *y)
{
    const st_finding *a = *(st_finding *const *)x;
    const st_finding *b = *(st_finding *const *)y;
    int c;
    if ((c = (int)a->kind - (int)b->kind) ||
        (c = sev_rank(a->severity) - sev_rank(b->severity)) ||
        (c = (int)a->origin - (int)b->origin) ||
        (c = cmp_str(a->path, b->path)) || (c = cmp_str(a->id, b->id)) ||
        (c = a->layer_index - b->layer_index))
        return c;
    return (a->line > b->line) - (a->line < b->line);
}

int st_result__finish(st_result *r)
{
    size_t out = 0;

    st_vec_sort(&r->findings, cmp_finding);

    for (size_t i = 0; i < r->packages.len; i++) {
        st_package *p = r->packages.items[i];
        if (!p->purl && p->type && p->name &&
            !(p->purl = st_purl_for(r->arena, p, &r->os)))
            return ST_ENOMEM;
    }
    st_vec_sort(&r->packages, cmp_pkg);
    for (size_t i = 0; i < r->packages.len; i++) {
        if (out && !cmp_pkg(&r->packages.items[out - 1],
                            &r->packages.items[i]))
            continue; /* the same package declared twice in one file */
        r->packages.items[out++] = r->packages.items[i];
    }
    r->packages.len = out;
    return 0;
}

/* ---- accessors ---------------------------------------------------------- */

const st_image_info *st_result_image(const st_result *r)
{
    return &r->image;
}

const st_os_info *st_result_os(const st_result *r)
{
    return &r->os;
}

size_t st_result_package_count(const st_result *r)
{
    return r->packages.len;
}

const st_package *st_result_package(const st_result *r, size_t i)
{
    return i < r->packages.len ? r->packages.items[i] : NULL;
}

size_t st_result_diagnostic_count(const st_result *r)
{
    return r->diags.len;
}

const st_diagnostic *st_result_diagnostic(const st_result *r, size_t i)
{
    return i < r->diags.len ? r->diags.items[i] : NULL;
}

const st_scan_stats *st_result_stats(const st_result *r)
{
    return &r->stats;
}

size_t st_result_vuln_count(const st_result *r)
{
    return r->vulns.len;
}

const st_vuln *st_result_vuln(const st_result *r, size_t i)
{
    return i < r->vulns.len ? r->vulns.items[i] : NULL;
}

size_t st_result_finding_count(const st_result *r)
{
    return r->findings.len;
}

const st_finding *st_result_finding(const st_result *r, size_t i)
{
    return i < r->findings.len ? r->findings.items[i] : NULL;
}
