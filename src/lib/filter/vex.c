/* OpenVEX documents (https://github.com/openvex/spec): 0.2.0, and the
 * 0.0.1 shape where a vulnerability and a product are plain strings.
 *
 * A statement applies to a finding when its vulnerability (name, @id or
 * one of its aliases) equals one of the finding's ids, and one of its
 * products is
 *   - the package: a purl with the same type, namespace and name, and the
 *     same version when the product names one (qualifiers and subpath do
 *     not count); or
 *   - the image (pkg:oci/…@DIGEST with the manifest or config digest, or
 *     the image's reference, a repo tag, or a digest), without
 *     subcomponents, or with a subcomponent that is the package.
 * Statements are taken in timestamp order (a statement without one has
 * the document's; ties keep document order); the last one that applies
 * decides. "not_affected" and "fixed" suppress the finding; "affected"
 * and "under_investigation" leave it as it is. A finding already
 * suppressed keeps its first reason. Nothing is applied when the document
 * is malformed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter_int.h"
#include "inventory/result_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MAX_FILE (64u << 20)

enum { S_NOT_AFFECTED, S_AFFECTED, S_FIXED, S_UNDER_INVESTIGATION };
static const char *const status_names[] = {
    "not_affected", "affected", "fixed", "under_investigation",
};
static const char *const justifications[] = {
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
};

typedef struct stmt {
    const json_t *vuln;     /* string or object */
    const json_t *products; /* array */
    int status;
    const char *justification; /* one of justifications[], or NULL */
    long long secs;            /* timestamp, seconds since the epoch */
    long nanos;
    size_t order;
} stmt;

/* ---- timestamps ---------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* RFC 3339: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". */
static int parse_time(long long *secs, long *nanos, const char *s)
{
    long long days;
    size_t len = strlen(s);
    const char *t;
    long ns = 0, scale = 100000000;
    int off = 0;

    if (len < 20 || st_filter__date(&days, s, 10) < 0 ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return ST_EINVALID;
    t = s + 11;
    if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' ||
        !digits(t + 6, 2) || two(t) > 23 || two(t + 3) > 59 ||
        two(t + 6) > 60)
        return ST_EINVALID;
    *secs = days * 86400 + two(t) * 3600 + two(t + 3) * 60 + two(t + 6);
    t += 8;
    if (*t == '.') {
        t++;
        if (!digits(t, 1))
            return ST_EINVALID;
        for (; *t >= '0' && *t <= '9'; t++) {
            ns += (*t - '0') * scale;
            scale /= 10;
        }
    }
    if ((*t == 'Z' || *t == 'z') && !t[1]) {
        off = 0;
    } else if ((*t == '+' || *t == '-') && strlen(t) == 6 &&
               digits(t + 1, 2) && t[3] == ':' && digits(t + 4, 2) &&
               two(t + 1) <= 23 && two(t + 4) <= 59) {
        off = (two(t + 1) * 60 + two(t + 4)) * 60;
        if (*t == '-')
            off = -off;
    } else {
        return ST_EINVALID;
    }
    *secs -= off;
    *nanos = ns;
    return 0;
}

/* ---- package URLs ---------------------------------------------------- */

typedef struct purl {
    char *type, *ns, *name, *version; /* decoded; ns/version may be NULL */
} purl;

static void purl_release(purl *p)
{
    st_free(p->type);
    st_free(p->ns);
    st_free(p->name);
    st_free(p->version);
    memset(p, 0, sizeof(*p));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s[0..n) percent-decoded; NULL when out of memory. */
static char *decode(const char *s, size_t n)
{
    char *out = st_malloc(n + 1);
    size_t o = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
            hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* Parses "pkg:type/namespace/name@version?qualifiers#subpath". 1 when s
 * is a purl, 0 when it is not, ST_ENOMEM. */
static int purl_parse(purl *out, const char *s)
{
    const char *p, *end, *slash, *at, *name;

    memset(out, 0, sizeof(*out));
    if (strncasecmp(s, "pkg:", 4))
        return 0;
    p = s + 4;
    while (*p == '/')
        p++;
    slash = strchr(p, '/');
    if (!slash || slash == p)
        return 0;
    end = p + strcspn(p, "?#");
    if (slash >= end)
        return 0;
    if (!(out->type = st_strndup(p, (size_t)(slash - p))))
        return ST_ENOMEM;
    for (char *c = out->type; *c; c++) {
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
    p = slash + 1;
    /* The version follows the last '@' after the last '/'. */
    name = p;
    for (const char *c = p; c < end; c++) {
        if (*c == '/')
            name = c + 1;
    }
    at = NULL;
    for (const char *c = name; c < end; c++) {
        if (*c == '@')
            at = c;
    }
    if (at) {
        if (!(out->version = decode(at + 1, (size_t)(end - at - 1))))
            goto nomem;
        end = at;
    }
    if (name > p && !(out->ns = decode(p, (size_t)(name - 1 - p))))
        goto nomem;
    if (!(out->name = decode(name, (size_t)(end - name))))
        goto nomem;
    if (!*out->name) {
        purl_release(out);
        return 0;
    }
    return 1;
nomem:
    purl_release(out);
    return ST_ENOMEM;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Whether the product purl `want` names the package purl `have`. */
static bool purl_matches(const purl *want, const purl *have)
{
    if (strcmp(want->type, have->type) || strcmp(want->name, have->name))
        return false;
    if (!str_eq(want->ns && *want->ns ? want->ns : NULL,
                have->ns && *have->ns ? have->ns : NULL))
        return false;
    return !want->version || str_eq(want->version, have->version);
}

/* ---- matching ---------------------------------------------------------- */

typedef struct ctx {
    const st_result *r;
    purl pkg;  /* the finding's package purl (type NULL when none) */
} ctx;

static int matches_package(ctx *c, const char *id)
{
    purl want;
    int rc;

    if (!c->pkg.type)
        return 0;
    rc = purl_parse(&want, id);
    if (rc <= 0)
        return rc;
    rc = purl_matches(&want, &c->pkg) ? 1 : 0;
    purl_release(&want);
    return rc;
}

static int matches_image(ctx *c, const char *id)
{
    const st_image_info *img = st_result_image(c->r);
    const char *at;
    purl want;
    int rc;

    if (!img)
        return 0;
    rc = purl_parse(&want, id);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        rc = !strcmp(want.type, "oci") && want.version &&
             (str_eq(want.version, img->manifest_digest) ||
              str_eq(want.version, img->config_digest));
        purl_release(&want);
        return rc;
    }
    if (str_eq(id, img->ref) || str_eq(id, img->manifest_digest) ||
        str_eq(id, img->config_digest))
        return 1;
    for (size_t i = 0; i < img->repo_tag_count; i++) {
        if (str_eq(id, img->repo_tags[i]))
            return 1;
    }
    /* "name@sha256:…" */
    at = strrchr(id, '@');
    return at && (str_eq(at + 1, img->manifest_digest) ||
                  str_eq(at + 1, img->config_digest));
}

/* The identifiers of a product or subcomponent: a string (0.0.1), or an
 * object's @id and identifiers.purl. */
static size_t product_ids(const json_t *p, const char *ids[2])
{
    size_t n = 0;
    const json_t *idents;

    if (json_is_string(p)) {
        ids[n++] = json_string_value(p);
        return n;
    }
    if (st_json_str(p, "@id"))
        ids[n++] = st_json_str(p, "@id");
    if ((idents = st_json_obj(p, "identifiers")) &&
        st_json_str(idents, "purl"))
        ids[n++] = st_json_str(idents, "purl");
    return n;
}

/* 1 when any identifier of p satisfies fn, 0 when none, ST_ENOMEM. */
static int any_id(ctx *c, const json_t *p, int (*fn)(ctx *, const char *))
{
    const char *ids[2];
    size_t n = product_ids(p, ids);

    for (size_t i = 0; i < n; i++) {
        int rc = fn(c, ids[i]);

        if (rc)
            return rc;
    }
    return 0;
}

static int product_applies(ctx *c, const json_t *prod)
{
    const json_t *subs = json_is_object(prod)
                         ? st_json_arr(prod, "subcomponents") : NULL;
    size_t i;
    const json_t *sub;
    int rc;

    if (!subs || !json_array_size(subs)) {
        if ((rc = any_id(c, prod, matches_package)))
            return rc;
        return any_id(c, prod, matches_image);
    }
    if ((rc = any_id(c, prod, matches_image)) <= 0)
        return rc;
    json_array_foreach(subs, i, sub) {
        if ((rc = any_id(c, sub, matches_package)))
            return rc;
    }
    return 0;
}

static bool names_vuln(const json_t *vuln, const st_vuln *v)
{
    const char *names[2] = {NULL, NULL};
    const json_t *aliases = NULL, *al;
    size_t i;

    if (json_is_string(vuln)) {
        names[0] = json_string_value(vuln);
    } else {
        names[0] = st_json_str(vuln, "name");
        names[1] = st_json_str(vuln, "@id");
        aliases = st_json_arr(vuln, "aliases");
    }
    for (size_t k = 0; k <= v->id_count; k++) {
        const char *id = k == v->id_count ? v->id : v->ids[k];

        if (!id)
            continue;
        if (str_eq(names[0], id) || str_eq(names[1], id))
            return true;
        json_array_foreach(aliases, i, al) {
            if (str_eq(json_string_value(al), id))
                return true;
        }
    }
    return false;
}

/* ---- the document ------------------------------------------------------ */

static int cmp_stmt(const void *a, const void *b)
{
    const stmt *x = *(const stmt *const *)a, *y = *(const stmt *const *)b;

    if (x->secs != y->secs)
        return x->secs < y->secs ? -1 : 1;
    if (x->nanos != y->nanos)
        return x->nanos < y->nanos ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int parse_stmt(stmt *s, const json_t *js, size_t idx,
                      long long doc_secs, long doc_nanos, const char *file,
                      st_error **err)
{
    const char *status = st_json_str(js, "status");
    const char *ts = st_json_str(js, "timestamp");
    const char *just = st_json_str(js, "justification");

    memset(s, 0, sizeof(*s));
    s->order = idx;
    if (!json_is_object(js))
        return st_error_set(err, ST_EINVALID, "filter",
                            "%s: statement %zu is not an object", file, idx);
    s->vuln = json_object_get(js, "vulnerability");
    if (!json_is_string(s->vuln) &&
        !(json_is_object(s->vuln) && (st_json_str(s->vuln, "name") ||
                                      st_json_str(s->vuln, "@id"))))
        return st_error_set(err, ST_EINVALID, "filter",
                            "%s: statement %zu: no vulnerability name",
                            file, idx);
    s->status = -1;
    for (int i = 0; status && i < 4; i++) {
        if (!strcmp(status, status_names[i]))
            s->status = i;
    }
    if (s->status < 0)
        return st_error_set(err, ST_EINVALID, "filter",
                            "%s: statement %zu: status is not one of "
                            "not_affected, affected, fixed, "
                            "under_investigation", file, idx);
    s->products = st_json_arr(js, "products");
    for (size_t i = 0; just && i < sizeof(justifications) /
                                       sizeof(justifications[0]); i++) {
        if (!strcmp(just, justifications[i]))
            s->justification = justifications[i];
    }
    s->secs = doc_secs;
    s->nanos = doc_nanos;
    if (ts && parse_time(&s->secs, &s->nanos, ts) < 0)
        return st_error_set(err, ST_EINVALID, "filter",
                            "%s: statement %zu: timestamp is not RFC 3339",
                            file, idx);
    return 0;
}

/* The last statement (in timestamp order) that applies to v, or NULL. */
static int decide(const stmt **out, stmt **sorted, size_t n, ctx *c,
                  const st_vuln *v)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const stmt *s = sorted[i];
        const json_t *prod;
        size_t k;

        if (!s->products || !names_vuln(s->vuln, v))
            continue;
        json_array_foreach(s->products, k, prod) {
            int rc = product_applies(c, prod);

            if (rc < 0)
                return rc;
            if (rc) {
                *out = s;
                break;
            }
        }
    }
    return 0;
}

int st_filter__vex_buf(st_result *r, const char *data, size_t len,
                       const char *file, st_error **err)
{
    json_t *doc = NULL, *stmts;
    const char *context, *ts;
    stmt *all = NULL;
    stmt **sorted = NULL;
    st_vec pending = ST_VEC_INIT; /* st_vuln *, then its reason */
    const char *name = st_filter__basename(file);
    long long doc_secs = 0;
    long doc_nanos = 0;
    size_t n = 0;
    ctx c = {r, {NULL, NULL, NULL, NULL}};
    int rc = 0;

    ST_CHECK(st_json_load(&doc, data, len, file, err));
    context = st_json_str(doc, "@context");
    if (!json_is_object(doc) || !context ||
        strncmp(context, "https://openvex.dev/ns", 22))
        ST_CHECK(st_error_set(err, ST_EINVALID, "filter",
                              "%s: not an OpenVEX document (no @context "
                              "https://openvex.dev/ns…)", file));
    stmts = json_object_get(doc, "statements");
    if (!json_is_array(stmts))
        ST_CHECK(st_error_set(err, ST_EINVALID, "filter",
                              "%s: no \"statements\" array", file));
    ts = st_json_str(doc, "timestamp");
    if (ts && parse_time(&doc_secs, &doc_nanos, ts) < 0)
        ST_CHECK(st_error_set(err, ST_EINVALID, "filter",
                              "%s: timestamp is not RFC 3339", file));
    n = json_array_size(stmts);
    if (n && (!(all = st_calloc(n, sizeof(*all))) ||
              !(sorted = st_calloc(n, sizeof(*sorted))))) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        ST_CHECK(parse_stmt(&all[i], json_array_get(stmts, i), i, doc_secs,
                            doc_nanos, file, err));
        sorted[i] = &all[i];
    }
    if (n)
        qsort(sorted, n, sizeof(*sorted), cmp_stmt);

    /* Decide every finding first, then apply: an error changes nothing. */
    for (size_t i = 0; i < r->vulns.len; i++) {
        st_vuln *v = r->vulns.items[i];
        const stmt *s = NULL;
        char *why;

        if (v->suppressed_by)
            continue;
        purl_release(&c.pkg);
        if (v->package && v->package->purl)
            ST_CHECK(purl_parse(&c.pkg, v->package->purl));
        ST_CHECK(decide(&s, sorted, n, &c, v));
        if (!s || (s->status != S_NOT_AFFECTED && s->status != S_FIXED))
            continue;
        if (s->status == S_FIXED)
            why = st_arena_printf(r->arena, "VEX fixed (%s)", name);
        else if (s->justification)
            why = st_arena_printf(r->arena, "VEX not_affected: %s (%s)",
                                  s->justification, name);
        else
            why = st_arena_printf(r->arena, "VEX not_affected (%s)", name);
        if (!why) {
            rc = ST_ENOMEM;
            goto done;
        }
        ST_CHECK(st_vec_push(&pending, v));
        ST_CHECK(st_vec_push(&pending, why));
    }
    for (size_t i = 0; i + 1 < pending.len; i += 2)
        ((st_vuln *)pending.items[i])->suppressed_by = pending.items[i + 1];
done:
    if (rc == ST_ENOMEM && err && !*err)
        st_error_set(err, rc, "filter", "%s: out of memory", file);
    purl_release(&c.pkg);
    st_vec_release(&pending);
    st_free(all);
    st_free(sorted);
    json_decref(doc);
    return rc;
}

int st_filter_vex(st_result *r, const char *path, st_error **err)
{
    st_buf b = ST_BUF_INIT(MAX_FILE);
    int rc = 0;

    if (!r || !path)
        return st_error_set(err, ST_EUSAGE, "filter",
                            "no result or no VEX document");
    ST_CHECK(st_read_file(&b, path, MAX_FILE, err));
    ST_CHECK(st_filter__vex_buf(r, b.ptr, b.len, path, err));
done:
    st_buf_release(&b);
    return rc;
}
