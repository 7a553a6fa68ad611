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
 * package vulnerable.
 *
 * Secrets, malware and hardening findings follow: one rule per kind and
 * id, one result per finding the options show, located at the file (with
 * its line) or, for the image config's Env, history and labels, at the
 * image with a logical location naming the variable, entry or label.
 * Secrets are redacted unless show_secrets. */
#include <stdint.h>
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
static const char *level_of_severity(const char *severity)
{
    int rank = st_report__sev_rank(severity);

    return rank >= 3 ? "error" : rank == 2 ? "warning" : "note";
}

static const char *level_of(const st_vuln *v)
{
    return level_of_severity(v->severity);
}

/* GitHub ranks security alerts by security-severity, a CVSS-like score
 * as a string (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0). The
 * finding's CVSS score when it has one, else a score inside its
 * severity's band. */
static const char *const band_score[5] = {"0.0", "2.0", "5.5", "8.0",
                                          "9.5"};

static void security_severity(char out[16], const st_vuln *v)
{
    if (v->cvss_score >= 0 && v->cvss_score <= 10)
        snprintf(out, 16, "%.1f", v->cvss_score);
    else
        snprintf(out, 16, "%s", band_score[st_report__sev_rank(v->severity)]);
}

/* A path in the image, relative and percent-encoded: a URI reference
 * GitHub resolves against the repository root. Falls back to the image
 * name. Caller frees. */
static char *path_uri(const st_result *r, const char *path)
{
    st_buf b = ST_BUF_INIT(1 << 20);
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

/* The file that declared the package. */
static char *location_uri(const st_result *r, const st_vuln *v)
{
    return path_uri(r, v->package ? v->package->found_in : NULL);
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

/* ---- secrets, malware, hardening ------------------------------------ */

static const char *kind_label(st_finding_kind kind)
{
    switch (kind) {
    case ST_FINDING_SECRET:
        return "Secret";
    case ST_FINDING_MALWARE:
        return "Malware";
    case ST_FINDING_HARDENING:
        return "Hardening";
    case ST_FINDING_CONFIG:
        return "Configuration";
    }
    return "Finding";
}

/* What to do about a finding of each kind: the rule's help. */
static const char *kind_advice(st_finding_kind kind)
{
    switch (kind) {
    case ST_FINDING_SECRET:
        return "Anyone who can pull the image can read this secret, even "
               "when a later layer deletes the file: revoke it, then "
               "rebuild without it (build secrets through BuildKit secret "
               "mounts, run-time secrets through the orchestrator).";
    case ST_FINDING_MALWARE:
        return "A malware signature matched a file of the image: find the "
               "layer and the build step that added it, and rebuild from "
               "trusted sources.";
    case ST_FINDING_HARDENING:
        return "The image is weaker than it needs to be: change the build "
               "so that the file or account is not in the final image.";
    case ST_FINDING_CONFIG:
        return "The configuration allows more than it needs to: apply the "
               "check's remediation.";
    }
    return "";
}

static const char *precision_of(st_finding_kind kind)
{
    /* Secret and malware rules are patterns and can misfire; hardening
     * checks read exact facts (modes, accounts, ELF headers). */
    return kind == ST_FINDING_HARDENING ? "very-high" : "high";
}

static json_t *finding_rule_json(const st_finding *f, const char *rule_id)
{
    const char *sev_name =
        st_report__sev_name(st_report__sev_rank(f->severity));
    const char *kind = st_report__kind_name(f->kind);
    const char *title = f->title && *f->title ? f->title
                        : f->id && *f->id ? f->id : kind;
    const char *advice;
    st_buf full = ST_BUF_INIT(1 << 20), t = ST_BUF_INIT(1 << 20),
           m = ST_BUF_INIT(1 << 20);
    json_t *rule = NULL, *tags = NULL, *props = NULL;
    int rc = 0;

    ST_CHECK(st_buf_printf(&full, "%s", kind_label(f->kind)));
    if (f->category && *f->category)
        ST_CHECK(st_buf_printf(&full, " (%s)", f->category));
    ST_CHECK(st_buf_printf(&full, ": %s", title));
    /* a configuration check says what to do itself */
    advice = f->remediation && *f->remediation ? f->remediation
                                               : kind_advice(f->kind);
    ST_CHECK(st_buf_printf(&t, "%s\nSeverity: %s\n%s", full.ptr, sev_name,
                           advice));
    ST_CHECK(st_buf_puts(&m, "**"));
    ST_CHECK(md_escape(&m, full.ptr));
    ST_CHECK(st_buf_printf(&m, "**\n\nSeverity: %s\n\n", sev_name));
    ST_CHECK(md_escape(&m, advice));
    if (f->tag_count) {
        ST_CHECK(st_buf_puts(&m, "\n\nEquivalent ids: "));
        for (size_t i = 0; i < f->tag_count; i++) {
            ST_CHECK(st_buf_puts(&m, i ? ", `" : "`"));
            ST_CHECK(st_buf_puts(&m, f->tags[i]));
            ST_CHECK(st_buf_putc(&m, '`'));
        }
    }

    /* The kind first (GitHub filters on tags), then the category. */
    if (!(tags = json_array())) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(append(tags, json_string(kind)));
    if (f->category && *f->category && strcmp(f->category, kind))
        ST_CHECK(append(tags, J(f->category)));
    ST_CHECK(append(tags, json_string("security")));
    ST_CHECK(append(tags, json_string(sev_name)));
    /* the equivalent ids of other tools: "checkov:CKV_K8S_14",
     * "hadolint:DL3007", "pss:baseline" */
    for (size_t i = 0; i < f->tag_count; i++)
        ST_CHECK(append(tags, J(f->tags[i])));
    props = json_pack("{s:O, s:s, s:s}",
                      "tags", tags,
                      "precision", precision_of(f->kind),
                      "security-severity",
                      band_score[st_report__sev_rank(f->severity)]);
    rule = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:{s:o, s:o},"
                     " s:{s:s}}",
                     "id", J(rule_id),
                     "name", J(f->id ? f->id : rule_id),
                     "shortDescription", "text", J(title),
                     "fullDescription", "text", J(full.ptr),
                     "help", "text", J(t.ptr), "markdown", J(m.ptr),
                     "defaultConfiguration", "level",
                     level_of_severity(f->severity));
    if (!props || !rule) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(rule, "properties", st_steal(&props)));
done:
    st_buf_release(&full);
    st_buf_release(&t);
    st_buf_release(&m);
    json_decref(tags);
    json_decref(props);
    if (rc < 0) {
        json_decref(rule);
        return NULL;
    }
    return rule;
}

/* Where a finding outside the files is, as a logical location: an ENV
 * variable, a history entry, a label. NULL for a file. */
static json_t *origin_location(const st_finding *f)
{
    st_buf fq = ST_BUF_INIT(1 << 20);
    const char *kind = NULL;
    json_t *o = NULL;

    switch (f->origin) {
    case ST_ORIGIN_FILE:
        return NULL;
    case ST_ORIGIN_ENV:
        kind = "variable";
        break;
    case ST_ORIGIN_HISTORY:
        kind = "element";
        break;
    case ST_ORIGIN_LABEL:
        kind = "property";
        break;
    }
    if (st_report__finding_where(&fq, f) == 0)
        o = json_pack("{s:o, s:o, s:s}", "name", J(f->path ? f->path : ""),
                      "fullyQualifiedName", J(fq.ptr), "kind", kind);
    st_buf_release(&fq);
    return o;
}

static json_t *finding_location(const st_result *r, const st_finding *f)
{
    char *uri = path_uri(r, f->origin == ST_ORIGIN_FILE ? f->path : NULL);
    json_t *loc = NULL, *logical = NULL, *phys = NULL;
    int rc = 0;

    if (!uri) {
        rc = ST_ENOMEM;
        goto done;
    }
    phys = json_pack("{s:{s:o}}", "artifactLocation", "uri", J(uri));
    loc = json_object();
    logical = json_array();
    if (!phys || !loc || !logical) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (f->origin == ST_ORIGIN_FILE && f->line && f->column)
        ST_CHECK(put(phys, "region",
                     json_pack("{s:I, s:I}", "startLine",
                               (json_int_t)f->line, "startColumn",
                               (json_int_t)f->column)));
    else if (f->origin == ST_ORIGIN_FILE && f->line)
        ST_CHECK(put(phys, "region", json_pack("{s:I}", "startLine",
                                               (json_int_t)f->line)));
    ST_CHECK(put(loc, "physicalLocation", st_steal(&phys)));
    if (f->origin != ST_ORIGIN_FILE)
        ST_CHECK(append(logical, origin_location(f)));
    /* the object a configuration finding is about: a Kubernetes object
     * and container, a Dockerfile stage, a compose service */
    if (f->object && *f->object)
        ST_CHECK(append(logical, json_pack("{s:o, s:o, s:s}", "name",
                                           J(f->object), "fullyQualifiedName",
                                           J(f->object), "kind",
                                           "resource")));
    if (f->layer_diff_id) {
        char fq[64];

        snprintf(fq, sizeof(fq), "layer %d", f->layer_index);
        ST_CHECK(append(logical, json_pack("{s:o, s:s, s:s}", "name",
                                           J(f->layer_diff_id),
                                           "fullyQualifiedName", fq,
                                           "kind", "module")));
    }
    if (json_array_size(logical))
        ST_CHECK(put(loc, "logicalLocations", st_steal(&logical)));
done:
    st_free(uri);
    json_decref(phys);
    json_decref(logical);
    if (rc < 0) {
        json_decref(loc);
        return NULL;
    }
    return loc;
}

static json_t *finding_result_json(const st_result *r, const st_finding *f,
                                   size_t rule_index, const char *rule_id,
                                   const st_report_options *opts)
{
    const char *sev_name =
        st_report__sev_name(st_report__sev_rank(f->severity));
    st_buf msg = ST_BUF_INIT(1 << 22), fp = ST_BUF_INIT(1 << 20);
    char red[32], hash[72];
    const char *match = st_report__finding_match(f, opts, red, sizeof(red));
    char *detail = NULL;
    json_t *res = NULL, *loc = NULL, *props = NULL;
    int rc = 0;

    ST_CHECK(st_report__hide_secrets(&detail, f->detail, r, f, opts));
    ST_CHECK(st_buf_printf(&msg, "%s: %s\nRule: %s\nSeverity: %s\nWhere: ",
                           kind_label(f->kind),
                           f->title && *f->title ? f->title
                           : f->id ? f->id : "?",
                           f->id ? f->id : "?", sev_name));
    ST_CHECK(st_report__finding_where(&msg, f));
    if (f->layer_index >= 0)
        ST_CHECK(st_buf_printf(&msg, "\nLayer: %d", f->layer_index));
    if (!f->visible)
        ST_CHECK(st_buf_puts(&msg, f->layer_index >= 0
                                       ? " (deleted in a later layer, still "
                                         "in the image)"
                                       : "\nDeleted in a later layer, still "
                                         "in the image"));
    if (match)
        ST_CHECK(st_buf_printf(&msg, "\nMatch: %s", match));
    if (detail && *detail)
        ST_CHECK(st_buf_printf(&msg, "\n%s", detail));

    /* Stable across rebuilds: no layer index or digest, no version of the
     * secret. A copy deleted later is an alert apart from a visible one. */
    ST_CHECK(st_buf_printf(&fp, "%s\n%s\n%s\n%s\n%u\n%s",
                           st_report__kind_name(f->kind), f->id ? f->id : "",
                           st_report__origin_name(f->origin),
                           f->path ? f->path : "", f->line,
                           f->visible ? "visible" : "deleted"));
    st_sha256_hex(fp.ptr, fp.len, hash);

    if (!(loc = finding_location(r, f))) {
        rc = ST_ENOMEM;
        goto done;
    }
    props = json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:b, s:s, s:o}",
                      "kind", st_report__kind_name(f->kind),
                      "category", J(f->category),
                      "origin", st_report__origin_name(f->origin),
                      "severity", sev_name,
                      "layerIndex", f->layer_index < 0
                                        ? json_null()
                                        : json_integer(f->layer_index),
                      "layerDiffId", J(f->layer_diff_id),
                      "visible", f->visible ? 1 : 0,
                      "state", f->visible ? "visible" : "deleted",
                      "suppressedBy", J(f->suppressed_by));
    res = json_pack("{s:o, s:I, s:s, s:{s:o}, s:[O], s:{s:s}}",
                    "ruleId", J(rule_id),
                    "ruleIndex", (json_int_t)rule_index,
                    "level", level_of_severity(f->severity),
                    "message", "text", J(msg.ptr),
                    "locations", loc,
                    "partialFingerprints", FINGERPRINT_KEY, hash + 7);
    if (!res || !props) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (f->object)
        ST_CHECK(put(props, "object", J(f->object)));
    ST_CHECK(put(res, "properties", st_steal(&props)));
done:
    st_buf_release(&msg);
    st_buf_release(&fp);
    st_free(detail);
    json_decref(loc);
    json_decref(props);
    if (rc < 0) {
        json_decref(res);
        return NULL;
    }
    return res;
}

/* The rules and results of the findings other than vulnerabilities. One
 * rule per kind and id; its id is the finding's id unless a rule before it
 * (a vulnerability, a finding of another kind) took that id, then
 * "kind/id". rule_of maps rule ids, and "\x01kind\x01id" for findings, to
 * rule index + 1. */
static int sarif_findings(const st_result *r, const st_report_options *opts,
                          st_map *rule_of, json_t *rules, json_t *results)
{
    size_t n = st_result_finding_count(r);
    st_buf key = ST_BUF_INIT(1 << 20), id = ST_BUF_INIT(1 << 20);
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        const st_finding *f = st_result_finding(r, i);
        const char *fid = f->id ? f->id : "";
        size_t index;
        void **slot;
        bool created;

        if (!st_report_shows_finding(f, opts))
            continue;
        st_buf_reset(&key);
        ST_CHECK(st_buf_printf(&key, "\x01%s\x01%s",
                               st_report__kind_name(f->kind), fid));
        ST_CHECK(st_map_slot(rule_of, key.ptr, key.len, &slot, &created));
        if (created) {
            st_buf_reset(&id);
            if (st_map_get(rule_of, fid, strlen(fid)))
                ST_CHECK(st_buf_printf(&id, "%s/",
                                       st_report__kind_name(f->kind)));
            ST_CHECK(st_buf_puts(&id, fid));
            ST_CHECK(append(rules, finding_rule_json(f, id.ptr)));
            *slot = (void *)(uintptr_t)json_array_size(rules);
            ST_CHECK(st_map_slot(rule_of, id.ptr, id.len, &slot, &created));
            if (created)
                *slot = (void *)(uintptr_t)json_array_size(rules);
            ST_CHECK(st_map_slot(rule_of, key.ptr, key.len, &slot,
                                 &created));
        }
        index = (size_t)(uintptr_t)*slot - 1;
        ST_CHECK(append(results,
                        finding_result_json(
                            r, f, index,
                            json_string_value(json_object_get(
                                json_array_get(rules, index), "id")),
                            opts)));
    }
done:
    st_buf_release(&key);
    st_buf_release(&id);
    return rc;
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
    ST_CHECK(sarif_findings(r, opts, rule_of, rules, results));

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
