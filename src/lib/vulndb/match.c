/* Matching packages against advisories: which feed, which name, which
 * version, which comparator; ranges evaluated as the OSV schema defines;
 * advisories for the same flaw merged through their aliases. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/result_int.h"
#include "severity.h"
#include "vulndb_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MAX_EVENTS 256

/* One advisory that affects one package. */
struct hit {
    const char *osv_id;
    st_vec ids;      /* osv id + aliases (arena strings) */
    st_vec related;
    const char *fixed;
    bool has_fix;
    const char *summary, *details, *published, *modified;
    const char *refs_json, *severity_json, *db_json, *aff_db_json,
        *aff_eco_json;
    int group;       /* union-find parent */
};

struct matcher {
    st_vulndb *db;
    st_result *r;
    st_arena *a; /* the result's arena */
    st_buf name, ver;
    st_vec hits;
    st_map *diag_once;
};

/* ---- which feed ------------------------------------------------------------ */

/* The OSV ecosystems to look a package up in, the name and the version to
 * compare. Returns the number of ecosystems (0: no feed). */
static size_t feeds(struct matcher *m, const st_package *p,
                    const char *eco[3], const char **name,
                    const char **version)
{
    const st_os_info *os = &m->r->os;
    const char *id = os->id ? os->id : "";
    const char *vid = os->version_id;
    size_t n = 0;

    *name = p->name;
    *version = p->version;
    if (!strcmp(p->type, "deb")) {
        /* Debian and Ubuntu publish advisories per source package */
        *name = p->source_name ? p->source_name : p->name;
        *version = p->source_version ? p->source_version : p->version;
        if (!vid)
            return 0;
        if (!strcmp(id, "debian")) {
            size_t k = strspn(vid, "0123456789");
            eco[n++] = st_arena_printf(m->a, "Debian:%.*s", (int)k, vid);
        } else if (!strcmp(id, "ubuntu")) {
            eco[n++] = st_arena_printf(m->a, "Ubuntu:%s:LTS", vid);
            eco[n++] = st_arena_printf(m->a, "Ubuntu:%s", vid);
            eco[n++] = st_arena_printf(m->a, "Ubuntu:Pro:%s:LTS", vid);
        }
    } else if (!strcmp(p->type, "apk")) {
        *name = p->source_name ? p->source_name : p->name;
        if (vid && (!strcmp(id, "alpine"))) {
            const char *dot = strchr(vid, '.');
            const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
            eco[n++] = st_arena_printf(
                m->a, "Alpine:v%.*s",
                (int)(dot2 ? (size_t)(dot2 - vid) : strlen(vid)), vid);
        } else if (!strcmp(id, "wolfi")) {
            eco[n++] = "Wolfi";
        } else if (!strcmp(id, "chainguard")) {
            eco[n++] = "Chainguard";
        }
    } else if (!strcmp(p->type, "rpm")) {
        *name = p->source_name ? p->source_name : p->name;
        if (vid) {
            size_t k = strspn(vid, "0123456789");
            if (!strcmp(id, "rocky"))
                eco[n++] = st_arena_printf(m->a, "Rocky Linux:%.*s", (int)k,
                                           vid);
            else if (!strcmp(id, "almalinux"))
                eco[n++] = st_arena_printf(m->a, "AlmaLinux:%.*s", (int)k,
                                           vid);
        }
    } else {
        static const struct {
            const char *type, *eco;
        } lang[] = {
            {"npm", "npm"},         {"pypi", "PyPI"},
            {"golang", "Go"},       {"maven", "Maven"},
            {"gem", "RubyGems"},    {"nuget", "NuGet"},
            {"composer", "Packagist"}, {"cargo", "crates.io"},
        };
        for (size_t i = 0; i < sizeof(lang) / sizeof(lang[0]); i++)
            if (!strcmp(p->type, lang[i].type))
                eco[n++] = lang[i].eco;
    }
    for (size_t i = 0; i < n; i++)
        if (!eco[i])
            return 0;
    return n;
}

/* ---- ranges ------------------------------------------------------------- */

enum evkind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

struct event {
    enum evkind kind;
    const char *v;
    bool zero; /* introduced "0": before everything */
};

struct cmpctx {
    st_version_scheme s;
    bool strip_v; /* SEMVER ranges hold versions without Go's "v" */
    unsigned errors;
};

static const char *strip(const struct cmpctx *c, const char *v)
{
    return c->strip_v && v[0] == 'v' ? v + 1 : v;
}

static int cmp(struct cmpctx *c, const char *a, const char *b, int *out)
{
    if (st_version_compare(out, c->s, strip(c, a), strip(c, b)) < 0) {
        c->errors++;
        return -1;
    }
    return 0;
}

/* Evaluates one range for version v. 1: affected, 0: not. *fixed is the
 * first fix above v in this range, if any. */
static int eval_range(struct cmpctx *c, const json_t *range, const char *v,
                      const char **fixed)
{
    static const char *const keys[] = {"introduced", "fixed",
                                       "last_affected", "limit"};
    struct event ev[MAX_EVENTS];
    json_t *events = json_object_get(range, "events"), *e;
    size_t n = 0, i;
    bool affected = false;

    *fixed = NULL;
    json_array_foreach(events, i, e)
    {
        for (int k = 0; k < 4; k++) {
            const char *s = st_json_str(e, keys[k]);
            if (!s)
                continue;
            if (n == MAX_EVENTS) {
                c->errors++; /* said as "could not be compared" */
                continue;
            }
            ev[n].kind = (enum evkind)k;
            ev[n].v = s;
            ev[n].zero = k == EV_INTRODUCED && !strcmp(s, "0");
            n++;
        }
    }
    /* Sort by version (insertion sort: ranges hold a handful of events);
     * an event whose version cannot be compared is dropped. */
    for (i = 1; i < n; i++) {
        struct event x = ev[i];
        size_t j = i;
        while (j > 0) {
            int r = 0;
            if (x.zero)
                r = ev[j - 1].zero ? 0 : -1;
            else if (ev[j - 1].zero)
                r = 1;
            else if (cmp(c, x.v, ev[j - 1].v, &r) < 0)
                r = 1; /* keep its place */
            if (r >= 0)
                break;
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = x;
    }
    for (i = 0; i < n; i++) {
        int r = 0;
        if (!ev[i].zero && cmp(c, v, ev[i].v, &r) < 0)
            continue;
        switch (ev[i].kind) {
        case EV_INTRODUCED:
            if (ev[i].zero || r >= 0)
                affected = true;
            break;
        case EV_FIXED:
        case EV_LIMIT:
            if (r >= 0)
                affected = false;
            else if (affected && ev[i].kind == EV_FIXED && !*fixed)
                *fixed = ev[i].v;
            break;
        case EV_LAST_AFFECTED:
            if (r > 0)
                affected = false;
            break;
        }
        if (r < 0 && *fixed)
            break; /* past v: nothing below can change the answer */
    }
    return affected;
}

/* Does the affected entry cover version v? Sets *fixed (NULL: no fix). */
static int covers(struct cmpctx *base, const json_t *ranges,
                  const json_t *versions, const char *v, const char **fixed)
{
    size_t i;
    json_t *x;
    int hit = 0;

    *fixed = NULL;
    json_array_foreach(versions, i, x)
    {
        const char *s = json_string_value(x);
        int r;
        if (s && (!strcmp(s, v) || (cmp(base, s, v, &r) == 0 && r == 0)))
            hit = 1;
    }
    json_array_foreach(ranges, i, x)
    {
        const char *type = st_json_str(x, "type");
        struct cmpctx c = *base;
        const char *f = NULL;
        if (!type || !strcmp(type, "GIT"))
            continue; /* commit ranges need the source repository */
        if (!strcmp(type, "SEMVER")) {
            c.s = base->s == ST_VER_GO ? ST_VER_SEMVER : base->s;
            if (base->s != ST_VER_NPM && base->s != ST_VER_SEMVER &&
                base->s != ST_VER_GO)
                c.s = ST_VER_SEMVER;
            c.strip_v = true;
        } else if (strcmp(type, "ECOSYSTEM")) {
            continue;
        }
        if (eval_range(&c, x, v, &f)) {
            hit = 1;
            if (f && !*fixed)
                *fixed = f;
        }
        base->errors = c.errors;
    }
    return hit;
}

/* A distribution can say an entry does not apply to its release. */
static bool not_affected(const char *json)
{
    return json && (strstr(json, "\"not-affected\"") ||
                    strstr(json, "\"not_affected\""));
}

/* ---- hits and merging -------------------------------------------------- */

static const char *col(struct matcher *m, sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(m->db->lookup, i);
    (void)s;
    return t ? st_arena_strdup(m->a, (const char *)t) : NULL;
}

static int push_strings(struct matcher *m, st_vec *v, const char *json)
{
    json_t *a;
    size_t i;
    json_t *x;
    if (!json)
        return 0;
    if (!(a = json_loads(json, 0, NULL)))
        return 0;
    json_array_foreach(a, i, x)
    {
        const char *s = json_string_value(x);
        char *d = s ? st_arena_strdup(m->a, s) : NULL;
        if (d && st_vec_push(v, d) < 0) {
            json_decref(a);
            return ST_ENOMEM;
        }
    }
    json_decref(a);
    return 0;
}

static int find(struct matcher *m, int i)
{
    struct hit *h = m->hits.items[i];
    while (h->group != i) {
        i = h->group;
        h = m->hits.items[i];
    }
    return i;
}

static bool share_id(const struct hit *a, const struct hit *b)
{
    for (size_t i = 0; i < a->ids.len; i++)
        for (size_t j = 0; j < b->ids.len; j++)
            if (!strcmp(a->ids.items[i], b->ids.items[j]))
                return true;
    return false;
}

static int cmp_id(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    bool ca = !strncmp(a, "CVE-", 4), cb = !strncmp(b, "CVE-", 4);
    if (ca != cb)
        return ca ? -1 : 1; /* CVEs first: the primary id */
    return strcmp(a, b);
}

static int add_unique(st_vec *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(v->items[i], s))
            return 0;
    return st_vec_push(v, (void *)s);
}

static const char **to_array(struct matcher *m, st_vec *v, size_t *n)
{
    const char **arr = st_arena_alloc(m->a, (v->len + 1) * sizeof(char *));
    if (arr && v->len)
        memcpy(arr, v->items, v->len * sizeof(char *));
    *n = v->len;
    return arr;
}

static int refs_of(struct matcher *m, st_vec *out, const char *json)
{
    json_t *a = json ? json_loads(json, 0, NULL) : NULL, *x;
    size_t i;
    json_array_foreach(a, i, x)
    {
        const char *u = st_json_str(x, "url");
        char *d = u ? st_arena_strdup(m->a, u) : NULL;
        if (d && add_unique(out, d) < 0) {
            json_decref(a);
            return ST_ENOMEM;
        }
    }
    json_decref(a);
    return 0;
}

/* Compares two fixed versions the way their ranges were compared: SEMVER
 * ranges hold versions without Go's "v", so both schemes are tried on the
 * version as written and without a leading "v". */
static int cmp_fix(st_version_scheme s, const char *a, const char *b, int *out)
{
    struct cmpctx c = {s, false, 0};
    if (cmp(&c, a, b, out) == 0)
        return 0;
    c.s = s == ST_VER_GO || s == ST_VER_NPM ? ST_VER_SEMVER : s;
    c.strip_v = true;
    return cmp(&c, a, b, out);
}

/* Turns the hits of one package into findings, one per group of hits that
 * share an id. */
static int emit(struct matcher *m, const st_package *p, const char *feed,
                st_version_scheme scheme)
{
    size_t n = m->hits.len;
    bool os_pkg = !strcmp(p->type, "deb") || !strcmp(p->type, "apk") ||
                  !strcmp(p->type, "rpm");

    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (share_id(m->hits.items[i], m->hits.items[j])) {
                int a = find(m, (int)i), b = find(m, (int)j);
                if (a != b)
                    ((struct hit *)m->hits.items[b > a ? b : a])->group =
                        a < b ? a : b;
            }
    for (size_t g = 0; g < n; g++) {
        st_vec ids = ST_VEC_INIT, rel = ST_VEC_INIT, refs = ST_VEC_INIT;
        st_vuln *v;
        st_severity_pick sev;
        int rc = 0;

        if (find(m, (int)g) != (int)g)
            continue;
        if (!(v = st_result__add_vuln(m->r)))
            return ST_ENOMEM;
        st_severity_pick_init(&sev);
        v->package = p;
        v->installed_version = p->version; /* as installed; the source
                                            version is what was compared */
        v->data_source = feed;
        for (size_t i = g; i < n; i++) {
            struct hit *h = m->hits.items[i];
            if (find(m, (int)i) != (int)g)
                continue;
            for (size_t k = 0; k < h->ids.len && rc == 0; k++)
                rc = add_unique(&ids, h->ids.items[k]);
            for (size_t k = 0; k < h->related.len && rc == 0; k++)
                rc = add_unique(&rel, h->related.items[k]);
            if (rc == 0)
                rc = refs_of(m, &refs, h->refs_json);
            if (rc < 0)
                break;
            if (h->has_fix) {
                int c = 0;
                /* merged advisories: the highest fix is the safe one */
                if (!v->fixed_version ||
                    (cmp_fix(scheme, h->fixed, v->fixed_version, &c) == 0 &&
                     c > 0))
                    v->fixed_version = h->fixed;
            }
            if (!v->title)
                v->title = h->summary;
            if (!v->description)
                v->description = h->details;
            if (!v->published)
                v->published = h->published;
            if (!v->modified)
                v->modified = h->modified;
            st_severity_pick_add(&sev, h->severity_json, h->db_json,
                                 h->aff_db_json, h->aff_eco_json, os_pkg,
                                 feed);
        }
        if (rc == 0)
            st_vec_sort(&ids, cmp_id);
        if (rc == 0 &&
            (!(v->ids = to_array(m, &ids, &v->id_count)) ||
             !(v->related = to_array(m, &rel, &v->related_count)) ||
             !(v->refs = to_array(m, &refs, &v->ref_count))))
            rc = ST_ENOMEM;
        if (rc == 0) {
            v->id = v->ids[0];
            v->status = v->fixed_version ? "fixed" : "unfixed";
            rc = st_severity_pick_finish(&sev, m->a, &v->severity,
                                         &v->severity_source, &v->cvss_score,
                                         &v->cvss_vector);
        }
        st_vec_release(&ids);
        st_vec_release(&rel);
        st_vec_release(&refs);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void diag_once(struct matcher *m, const char *key, const char *msg)
{
    void **slot;
    bool created;
    if (st_map_slot(m->diag_once, key, strlen(key), &slot, &created) < 0 ||
        !created)
        return;
    *slot = (void *)1;
    {
        st_diagnostic *d = st_arena_alloc(m->a, sizeof(*d));
        if (!d)
            return;
        d->level = ST_DIAG_INFO;
        d->analyzer = "match";
        d->layer_index = -1;
        d->message = st_arena_strdup(m->a, msg);
        st_vec_push(&m->r->diags, d);
    }
}

static int match_package(struct matcher *m, const st_package *p,
                         st_error **err)
{
    const char *eco[3], *name, *version;
    size_t ne = feeds(m, p, eco, &name, &version);
    st_version_scheme scheme;
    sqlite3_stmt *s = m->db->lookup;
    char msg[300];

    m->hits.len = 0;
    if (!ne) {
        if (!strcmp(p->type, "deb") || !strcmp(p->type, "apk") ||
            !strcmp(p->type, "rpm")) {
            snprintf(msg, sizeof(msg),
                     "no advisory feed for %s %s: its %s packages were not "
                     "matched",
                     m->r->os.id ? m->r->os.id : "this OS",
                     m->r->os.version_id ? m->r->os.version_id : "",
                     p->type);
            diag_once(m, p->type, msg);
        }
        return 0;
    }
    if (!version || !st_vulndb__scheme(eco[0], &scheme))
        return 0;
    {
        /* A version the ecosystem cannot parse is in no range: say so
         * rather than report it affected by every "introduced: 0". */
        int c;
        if (st_version_compare(&c, scheme, version, version) < 0) {
            snprintf(msg, sizeof(msg),
                     "%s %s is not a valid %s version: not matched", p->name,
                     version, st_version_scheme_name(scheme));
            diag_once(m, msg, msg);
            return 0;
        }
    }
    for (size_t e = 0; e < ne; e++) {
        if (st_vulndb__normalize_name(&m->name, eco[e], name) < 0)
            return st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, eco[e], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, m->name.ptr, -1, SQLITE_STATIC);
        for (;;) {
            int r = sqlite3_step(s);
            json_t *ranges, *versions;
            const char *fixed = NULL;
            struct cmpctx c = {scheme, false, 0};
            struct hit *h;
            int hit;

            if (r == SQLITE_DONE)
                break;
            if (r != SQLITE_ROW)
                return st_vulndb__sqlite_error(err, m->db->db, m->db->path,
                                               "lookup");
            if (sqlite3_column_type(s, 5) != SQLITE_NULL)
                continue; /* withdrawn: kept, never reported */
            if (not_affected((const char *)sqlite3_column_text(s, 14)) ||
                not_affected((const char *)sqlite3_column_text(s, 13)))
                continue;
            ranges = json_loads((const char *)sqlite3_column_text(s, 11) ?
                                (const char *)sqlite3_column_text(s, 11) :
                                "[]", 0, NULL);
            versions = json_loads((const char *)sqlite3_column_text(s, 12) ?
                                  (const char *)sqlite3_column_text(s, 12) :
                                  "[]", 0, NULL);
            hit = covers(&c, ranges, versions, version, &fixed);
            if (c.errors) {
                snprintf(msg, sizeof(msg), "%s %s: some versions of %s "
                         "could not be compared as %s versions",
                         p->name, version,
                         (const char *)sqlite3_column_text(s, 0),
                         st_version_scheme_name(scheme));
                diag_once(m, p->name, msg);
            }
            if (hit && !(h = st_arena_alloc(m->a, sizeof(*h)))) {
                json_decref(ranges);
                json_decref(versions);
                return st_error_set(err, ST_ENOMEM, "vulndb",
                                    "out of memory");
            }
            if (hit) {
                h->osv_id = col(m, s, 0);
                h->summary = col(m, s, 1);
                h->details = col(m, s, 2);
                h->published = col(m, s, 3);
                h->modified = col(m, s, 4);
                h->severity_json = col(m, s, 8);
                h->refs_json = col(m, s, 9);
                h->db_json = col(m, s, 10);
                h->aff_eco_json = col(m, s, 13);
                h->aff_db_json = col(m, s, 14);
                h->fixed = fixed ? st_arena_strdup(m->a, fixed) : NULL;
                h->has_fix = fixed != NULL;
                h->group = (int)m->hits.len;
                if (!h->osv_id || st_vec_push(&h->ids, (void *)h->osv_id) < 0 ||
                    push_strings(m, &h->ids, col(m, s, 6)) < 0 ||
                    push_strings(m, &h->related, col(m, s, 7)) < 0 ||
                    st_vec_push(&m->hits, h) < 0) {
                    json_decref(ranges);
                    json_decref(versions);
                    return st_error_set(err, ST_ENOMEM, "vulndb",
                                        "out of memory");
                }
            }
            json_decref(ranges);
            json_decref(versions);
        }
    }
    {
        int rc = emit(m, p, eco[0], scheme);
        for (size_t i = 0; i < m->hits.len; i++) {
            struct hit *h = m->hits.items[i];
            st_vec_release(&h->ids);
            st_vec_release(&h->related);
        }
        m->hits.len = 0;
        if (rc < 0)
            return st_error_set(err, rc, "vulndb", "%s", st_strerror(rc));
    }
    return 0;
}

static int sev_rank(const char *s)
{
    static const char *const order[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW",
                                        "UNKNOWN"};
    for (int i = 0; i < 5; i++)
        if (s && !strcmp(s, order[i]))
            return i;
    return 5;
}

static int cmp_vuln(const void *x, const void *y)
{
    const st_vuln *a = *(st_vuln *const *)x, *b = *(st_vuln *const *)y;
    int c;
    if ((c = sev_rank(a->severity) - sev_rank(b->severity)))
        return c;
    if ((c = strcmp(a->package->name, b->package->name)))
        return c;
    if ((c = strcmp(a->package->version ? a->package->version : "",
                    b->package->version ? b->package->version : "")))
        return c;
    return strcmp(a->id, b->id);
}

int st_vulndb_match(st_vulndb *db, st_result *r, st_error **err)
{
    struct matcher m;
    int rc = 0;

    memset(&m, 0, sizeof(m));
    m.db = db;
    m.r = r;
    m.a = r->arena;
    st_buf_init(&m.name, 4096);
    st_buf_init(&m.ver, 4096);
    if (!(m.diag_once = st_map_new()))
        return st_error_set(err, ST_ENOMEM, "vulndb", "out of memory");
    for (size_t i = 0; i < r->packages.len && rc == 0; i++)
        rc = match_package(&m, r->packages.items[i], err);
    if (rc == 0) {
        st_vec_sort(&r->vulns, cmp_vuln);
        r->matched = true;
    }
    st_vec_release(&m.hits);
    st_map_free(m.diag_once);
    st_buf_release(&m.name);
    st_buf_release(&m.ver);
    return rc;
}
