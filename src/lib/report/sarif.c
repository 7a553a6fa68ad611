/* The "sarif" format: SARIF 2.1.0 for code scanning (GitHub and others),
 * documented in docs/formats/sarif.md.
 *
 * One run; the tool's rules are the vulnerability ids (one rule per
 * primary id, described by the worst finding that has it: findings come
 * sorted worst first), and each finding the options show is one result
 * (one per vulnerability and package). A result's location is the file
 * that declared the package, relative to the image root ("var/lib/dpkg/
 * status"), line 1, plus a logical location naming the layer. Its partial
 * fingerprint hashes the rule, the package (type and name, not version)
 * and that file, so an alert survives an image rebuild that keeps the
 * package vulnerable. */
#include <string.h>

#include "report_int.h"
#include "util/banned.h"

#define J(s) st_report__jstr(s)
#define SARIF_SCHEMA \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
    "sarif-schema-2.1.0.json"
/* Where GitHub links the tool's name. strata has no public home yet. */
#define STRATA_URI "https://strata.invalid/"
#define FINGERPRINT_KEY "strataFinding/v1"

/* Sets o[key] = v, taking v. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return ST_ENOMEM;
    return json_object_set_new(o, key, v) < 0 ? ST_ENOMEM : 0;
}

static int append(json_t *a, json_t *v)
{
    if (!v)
        return ST_ENOMEM;
    return json_array_append_new(a, v) < 0 ? ST_ENOMEM : 0;
}

/* "error" for CRITICAL and HIGH, "warning" for MEDIUM, else "note". */
static const char *level_of(const st_vuln *v)
{
    int rank = st_report__sev_rank(v->severity);

    return rank >= 3 ? "error" : rank == 2 ? "warning" : "note";
}

/* GitHub ranks security alerts by security-severity, a CVSS-like score
 * as a string (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0). The
 * finding's CVSS score when it has one, else a score inside its
 * severity's band. */
static void security_severity(char out[16], const st_vuln *v)
{
    static const char *const by_rank[5] = {"0.0", "2.0", "5.5", "8.0",
                                           "9.5"};

    if (v->cvss_score >= 0 && v->cvss_score <= 10)
        snprintf(out, 16, "%.1f", v->cvss_score);
    else
        snprintf(out, 16, "%s", by_rank[st_report__sev_rank(v->severity)]);
}

/* The file that declared the package, relative and percent-encoded: a
 * URI reference GitHub resolves against the repository root. Falls back
 * to the image name. Caller frees. */
static char *location_uri(const st_result *r, const st_vuln *v)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    const char *path = v->package ? v->package->found_in : NULL;
    int rc = 0;

    if (!path || !*path)
        path = st_report__image_name(r);
    while (*path == '/')
        path++;
    if (!*path)
        path = "image";
    ST_CHECK(st_report__pct(&b, path, strlen(path), true));
done:
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

static int md_escape(st_buf *b, const char *s)
{
    int rc = 0;

    for (; s && *s; s++) {
        if (strchr("\\`*_[]<>#|", *s))
            ST_CHECK(st_buf_putc(b, '\\'));
        ST_CHECK(st_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s));
    }
done:
    return rc;
}

/* help: the same facts as text and as Markdown. */
static json_t *rule_help(const st_vuln *v, const char *url)
{
    st_buf t = ST_BUF_INIT(1 << 24), m = ST_BUF_INIT(1 << 24);
    json_t *o = NULL;
    char sev[16];
    int rc = 0;

    security_severity(sev, v);
    ST_CHECK(st_buf_printf(&t, "Vulnerability %s\nSeverity: %s\n",
                           v->id ? v->id : "", st_report__sev_name(
                               st_report__sev_rank(v->severity))));
    ST_CHECK(st_buf_printf(&m, "**Vulnerability %s**\n\n"
                               "| Severity | Score | Package | Fixed Version |\n"
                               "| --- | --- | --- | --- |\n| %s | %s | ",
                           v->id ? v->id : "",
                           st_report__sev_name(st_report__sev_rank(v->severity)),
                           v->cvss_score >= 0 ? sev : "-"));
    ST_CHECK(md_escape(&m, v->package && v->package->name
                           ? v->package->name : "-"));
    ST_CHECK(st_buf_puts(&m, " | "));
    ST_CHECK(md_escape(&m, v->fixed_version ? v->fixed_version
                                            : "(unfixed)"));
    ST_CHECK(st_buf_puts(&m, " |\n\n"));
    if (v->cvss_score >= 0)
        ST_CHECK(st_buf_printf(&t, "CVSS score: %s\n", sev));
    if (v->description && *v->description) {
        ST_CHECK(st_buf_printf(&t, "%s\n", v->description));
        ST_CHECK(md_escape(&m, v->description));
        ST_CHECK(st_buf_puts(&m, "\n\n"));
    }
    ST_CHECK(st_buf_printf(&t, "%s", url));
    ST_CHECK(st_buf_printf(&m, "[%s](%s)", v->id ? v->id : "", url));
    for (size_t i = 0; i < v->ref_count; i++) {
        if (!v->refs[i] || !strcmp(v->refs[i], url))
            continue;
        ST_CHECK(st_buf_printf(&t, "\n%s", v->refs[i]));
        ST_CHECK(st_buf_puts(&m, "\n\n"));
        ST_CHECK(md_escape(&m, v->refs[i]));
    }
    o = json_pack("{s:o, s:o}", "text", J(t.ptr), "markdown", J(m.ptr));
done:
    st_buf_release(&t);
    st_buf_release(&m);
    (void)rc;
    return o;
}

static json_t *rule_json(const st_vuln *v)
{
    json_t *rule = NULL, *props = NULL;
    char *url = NULL;
    char sev[16];
    const char *sev_name = st_report__sev_name(st_report__sev_rank(v->severity));
    const char *title = v->title && *v->title ? v->title : v->id;
    const char *full = v->description && *v->description ? v->description
                                                         : title;
    int rc = 0;

    security_severity(sev, v);
    if (!(url = st_report__vuln_url(v->id))) {
        rc = ST_ENOMEM;
        goto done;
    }
    props = json_pack("{s:[s, s, s], s:s, s:s}",
                      "tags", "vulnerability", "security", sev_name,
                      "precision", "very-high",
                      "security-severity", sev);
    rule = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:o, s:o, s:{s:s}}",
                     "id", J(v->id),
                     "name", J(v->id),
                     "shortDescription", "text", J(title),
                     "fullDescription", "text", J(full),
                     "helpUri", J(url),
                     "help", rule_help(v, url),
                     "defaultConfiguration", "level", level_of(v));
    if (!props || !rule) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(rule, "properties", st_steal(&props)));
done:
    st_free(url);
    json_decref(props);
    if (rc < 0) {
        json_decref(rule);
        return NULL;
    }
    return rule;
}

static json_t *result_json(const st_result *r, const st_vuln *v,
                           size_t rule_index)
{
    const st_package *p = v->package;
    const char *name = p && p->name ? p->name : "?";
    const char *installed = v->installed_version ? v->installed_version
                            : p && p->version ? p->version : "?";
    st_buf msg = ST_BUF_INIT(1 << 20), fp = ST_BUF_INIT(1 << 20);
    char *uri = NULL;
    char hash[72];
    json_t *res = NULL, *loc = NULL, *props = NULL;
    int rc = 0;

    ST_CHECK(st_buf_printf(&msg, "Package: %s\nInstalled Version: %s\n"
                                 "Vulnerability: %s\nSeverity: %s\n"
                                 "Fixed Version: %s",
                           name, installed, v->id ? v->id : "",
                           st_report__sev_name(st_report__sev_rank(v->severity)),
                           v->fixed_version && *v->fixed_version
                           ? v->fixed_version : "(unfixed)"));
    if (v->title && *v->title)
        ST_CHECK(st_buf_printf(&msg, "\n%s", v->title));
    if (!(uri = location_uri(r, v))) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(st_buf_printf(&fp, "%s\n%s\n%s\n%s", v->id ? v->id : "",
                           p && p->type ? p->type : "", name, uri));
    st_sha256_hex(fp.ptr, fp.len, hash);

    loc = json_pack("{s:{s:{s:o}, s:{s:i}}}",
                    "physicalLocation",
                    "artifactLocation", "uri", J(uri),
                    "region", "startLine", 1);
    if (loc && p && p->layer_diff_id) {
        char fq[64];

        snprintf(fq, sizeof(fq), "layer %d", p->layer_index);
        ST_CHECK(put(loc, "logicalLocations",
                     json_pack("[{s:o, s:s, s:s}]", "name",
                               J(p->layer_diff_id), "fullyQualifiedName", fq,
                               "kind", "module")));
    }
    props = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                      "package", J(p ? p->name : NULL),
                      "purl", J(p ? p->purl : NULL),
                      "installedVersion", J(installed),
                      "fixedVersion", J(v->fixed_version),
                      "severity", J(st_report__sev_name(
                                      st_report__sev_rank(v->severity))),
                      "suppressedBy", J(v->suppressed_by));
    res = json_pack("{s:o, s:I, s:s, s:{s:o}, s:[O], s:{s:s}}",
                    "ruleId", J(v->id),
                    "ruleIndex", (json_int_t)rule_index,
                    "level", level_of(v),
                    "message", "text", J(msg.ptr),
                    "locations", loc,
                    "partialFingerprints", FINGERPRINT_KEY, hash + 7);
    if (!res || !props) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(res, "properties", st_steal(&props)));
done:
    st_buf_release(&msg);
    st_buf_release(&fp);
    st_free(uri);
    json_decref(loc);
    json_decref(props);
    if (rc < 0) {
        json_decref(res);
        return NULL;
    }
    return res;
}

int st_report__sarif(FILE *f, const st_result *r,
                     const st_report_options *opts, st_error **err)
{
    size_t n = st_result_vuln_count(r);
    st_map *rule_of = st_map_new(); /* id -> rule index + 1 */
    json_t *doc = NULL, *rules = json_array(), *results = json_array();
    json_t *run = NULL, *props = NULL;
    char *purl = NULL;
    const st_image_info *img = st_result_image(r);
    int rc = 0;

    if (!rule_of || !rules || !results) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, i);
        const char *id = v->id ? v->id : "";
        void **slot;
        bool created;

        if (!st_report_shows(v, opts))
            continue;
        ST_CHECK(st_map_slot(rule_of, id, strlen(id), &slot, &created));
        if (created) {
            ST_CHECK(append(rules, rule_json(v)));
            *slot = (void *)(uintptr_t)json_array_size(rules);
        }
        ST_CHECK(append(results,
                        result_json(r, v, (size_t)(uintptr_t)*slot - 1)));
    }

    ST_CHECK(st_report__image_purl(&purl, r));
    props = json_pack("{s:o, s:o, s:o, s:o}",
                      "imageName", J(st_report__image_name(r)),
                      "imageRef", J(img ? img->ref : NULL),
                      "manifestDigest", J(img ? img->manifest_digest : NULL),
                      "configDigest", J(img ? img->config_digest : NULL));
    if (props && purl)
        ST_CHECK(put(props, "imagePurl", J(purl)));
    run = json_pack("{s:{s:{s:s, s:s, s:s, s:s, s:O}}, s:O, s:s, s:O}",
                    "tool", "driver",
                    "name", "strata",
                    "fullName", "strata container security scanner",
                    "version", st_version(),
                    "informationUri", STRATA_URI,
                    "rules", rules,
                    "results", results,
                    "columnKind", "utf16CodeUnits",
                    "properties", props);
    if (!run) {
        rc = ST_ENOMEM;
        goto done;
    }
    doc = json_pack("{s:s, s:s, s:[O]}",
                    "$schema", SARIF_SCHEMA,
                    "version", "2.1.0",
                    "runs", run);
    if (!doc) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(st_report__dump(f, doc, err));
done:
    if (rc == ST_ENOMEM && err && !*err)
        st_error_set(err, rc, "report", "sarif: out of memory");
    else if (rc < 0 && err && !*err)
        st_error_set(err, rc, "report", "sarif: %s", st_strerror(rc));
    st_map_free(rule_of);
    json_decref(doc);
    json_decref(run);
    json_decref(props);
    json_decref(rules);
    json_decref(results);
    st_free(purl);
    return rc;
}
