/* The "cyclonedx" format: a CycloneDX 1.5 JSON BOM.
 *
 * The image is metadata.component (type "container"); the operating system
 * and every package are components. Each component's bom-ref is its purl;
 * a purl seen twice (the same npm package in two lockfiles) gets "|2",
 * "|3"… appended so references stay unique. The serial number is a UUID
 * version 5 of the image digest and the inventory (st_report__seed), so
 * the same scan gives the same BOM, byte for byte, for a given timestamp.
 * strata's own facts are properties named "strata:…".
 *
 * When the result has findings, "vulnerabilities" lists each one (per
 * vulnerability and package) that the severity and fix filters let
 * through, suppressed ones included with an "analysis" that says why
 * (docs/formats/json.md describes the same filters). */
#include <string.h>

#include "report_int.h"
#include "util/banned.h"

#define J(s) st_report__jstr(s)

/* Sets o[key] = v, taking v. ST_ENOMEM when v is NULL or setting fails. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return ST_ENOMEM;
    return json_object_set_new(o, key, v) < 0 ? ST_ENOMEM : 0;
}

/* Sets o[key] = s only when s is non-NULL. */
static int put_opt(json_t *o, const char *key, const char *s)
{
    return s ? put(o, key, J(s)) : 0;
}

/* Appends {"name": name, "value": value} when value is non-NULL. */
static int prop(json_t *props, const char *name, const char *value)
{
    json_t *p;

    if (!value)
        return 0;
    p = json_pack("{s:s, s:o}", "name", name, "value", J(value));
    return json_array_append_new(props, p) < 0 ? ST_ENOMEM : 0;
}

static int prop_int(json_t *props, const char *name, long long v)
{
    char num[32];

    if (v < 0)
        return 0;
    snprintf(num, sizeof(num), "%lld", v);
    return prop(props, name, num);
}

/* Sets o["properties"] = props when it has any; takes props. */
static int put_props(json_t *o, json_t *props)
{
    if (!props)
        return ST_ENOMEM;
    if (!json_array_size(props)) {
        json_decref(props);
        return 0;
    }
    return put(o, "properties", props);
}

/* A bom-ref for want that no earlier component used, recorded in used.
 * Caller frees with st_free. */
static char *unique_ref(st_map *used, const char *want)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    int rc = 0;

    ST_CHECK(st_buf_puts(&b, want));
    for (unsigned n = 2;; n++) {
        void **slot;
        bool created;

        ST_CHECK(st_map_slot(used, b.ptr, b.len, &slot, &created));
        if (created)
            break;
        st_buf_reset(&b);
        ST_CHECK(st_buf_printf(&b, "%s|%u", want, n));
    }
done:
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

/* [{"license": {"id": …}}] for one known SPDX id, else {"name": …}: a
 * licence string is only ever an id when it is exactly one. */
static json_t *licenses(const char *license)
{
    const char *kind = st_report__spdx_known(license) ? "id" : "name";

    return json_pack("[{s:{s:o}}]", "license", kind, J(license));
}

static json_t *image_component(const st_result *r, const char *ref,
                               const char *purl)
{
    const st_image_info *img = st_result_image(r);
    json_t *c = json_object(), *props = json_array();
    int rc = 0;

    if (!c || !props) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(c, "bom-ref", J(ref)));
    ST_CHECK(put(c, "type", json_string("container")));
    ST_CHECK(put(c, "name", J(st_report__image_name(r))));
    if (img)
        ST_CHECK(put_opt(c, "version", img->manifest_digest
                                       ? img->manifest_digest
                                       : img->config_digest));
    ST_CHECK(put_opt(c, "purl", purl));
    if (img) {
        ST_CHECK(prop(props, "strata:source", img->source));
        ST_CHECK(prop(props, "strata:manifest_digest",
                      img->manifest_digest));
        ST_CHECK(prop(props, "strata:config_digest", img->config_digest));
        for (size_t i = 0; i < img->repo_tag_count; i++)
            ST_CHECK(prop(props, "strata:repo_tag", img->repo_tags[i]));
        ST_CHECK(prop(props, "strata:os", img->os));
        ST_CHECK(prop(props, "strata:architecture", img->architecture));
        ST_CHECK(prop(props, "strata:variant", img->variant));
        ST_CHECK(prop(props, "strata:created", img->created));
        for (size_t i = 0; i < img->layer_count; i++)
            ST_CHECK(prop(props, "strata:layer_diff_id",
                          img->layers[i].diff_id));
    }
    ST_CHECK(put_props(c, st_steal(&props)));
done:
    json_decref(props);
    if (rc < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static json_t *os_component(const st_os_info *os, const char *ref)
{
    json_t *c = json_object(), *props = json_array();
    int rc = 0;

    if (!c || !props) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(c, "bom-ref", J(ref)));
    ST_CHECK(put(c, "type", json_string("operating-system")));
    ST_CHECK(put(c, "name", J(os->id ? os->id : os->family)));
    ST_CHECK(put_opt(c, "version", os->version_id ? os->version_id
                                                  : os->version));
    ST_CHECK(put_opt(c, "description", os->pretty_name));
    ST_CHECK(prop(props, "strata:family", os->family));
    ST_CHECK(prop(props, "strata:version", os->version));
    ST_CHECK(prop(props, "strata:codename", os->codename));
    ST_CHECK(prop(props, "strata:id_like", os->id_like));
    if (os->distroless)
        ST_CHECK(prop(props, "strata:distroless", "true"));
    ST_CHECK(put_props(c, st_steal(&props)));
done:
    json_decref(props);
    if (rc < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static json_t *package_component(const st_package *p, const char *ref)
{
    json_t *c = json_object(), *props = json_array();
    int rc = 0;

    if (!c || !props) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(c, "bom-ref", J(ref)));
    ST_CHECK(put(c, "type", json_string("library")));
    ST_CHECK(put(c, "name", J(p->name ? p->name : "")));
    ST_CHECK(put_opt(c, "version", p->version));
    if (p->license && *p->license)
        ST_CHECK(put(c, "licenses", licenses(p->license)));
    ST_CHECK(put_opt(c, "purl", p->purl));
    ST_CHECK(prop(props, "strata:package_type", p->type));
    ST_CHECK(prop(props, "strata:found_in", p->found_in));
    ST_CHECK(prop_int(props, "strata:layer_index", p->layer_index));
    ST_CHECK(prop(props, "strata:layer_diff_id", p->layer_diff_id));
    ST_CHECK(prop(props, "strata:source_name", p->source_name));
    ST_CHECK(prop(props, "strata:source_version", p->source_version));
    ST_CHECK(prop(props, "strata:source_rpm", p->source_rpm));
    ST_CHECK(prop(props, "strata:maintainer", p->maintainer));
    ST_CHECK(put_props(c, st_steal(&props)));
done:
    json_decref(props);
    if (rc < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* The fallback reference of a package without a purl. */
static char *package_ref(const st_package *p)
{
    st_buf b = ST_BUF_INIT(1 << 20);

    if (p->purl)
        return st_strdup(p->purl);
    if (st_buf_printf(&b, "strata:package:%s/%s@%s",
                      p->type ? p->type : "", p->name ? p->name : "",
                      p->version ? p->version : "") < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

static bool os_known(const st_os_info *os)
{
    return os && os->family && strcmp(os->family, "unknown") &&
           (os->id || os->family);
}

/* components[] and dependencies[] together: the image depends on the OS
 * and on every package. */
static int components(json_t *doc, const st_result *r, st_map *used,
                      const char *image_ref, char **pkg_refs)
{
    const st_os_info *os = st_result_os(r);
    size_t n = st_result_package_count(r);
    json_t *comps = json_array(), *deps = json_array(), *on = json_array();
    char *ref = NULL, *want = NULL;
    int rc = 0;

    if (!comps || !deps || !on) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (os_known(os)) {
        want = st_strdup("strata:os");
        if (!want || !(ref = unique_ref(used, want))) {
            rc = ST_ENOMEM;
            goto done;
        }
        ST_CHECK(json_array_append_new(comps, os_component(os, ref)) < 0
                 ? ST_ENOMEM : 0);
        ST_CHECK(json_array_append_new(on, json_string(ref)) < 0
                 ? ST_ENOMEM : 0);
        st_free(st_steal(&ref));
        st_free(st_steal(&want));
    }
    for (size_t i = 0; i < n; i++) {
        const st_package *p = st_result_package(r, i);

        if (!(want = package_ref(p)) || !(ref = unique_ref(used, want))) {
            rc = ST_ENOMEM;
            goto done;
        }
        ST_CHECK(json_array_append_new(comps, package_component(p, ref)) < 0
                 ? ST_ENOMEM : 0);
        ST_CHECK(json_array_append_new(on, J(ref)) < 0 ? ST_ENOMEM : 0);
        pkg_refs[i] = st_steal(&ref);
        st_free(st_steal(&want));
    }
    ST_CHECK(json_array_append_new(deps,
                                   json_pack("{s:o, s:o}", "ref",
                                             J(image_ref), "dependsOn",
                                             st_steal(&on))) < 0
             ? ST_ENOMEM : 0);
    ST_CHECK(put(doc, "components", st_steal(&comps)));
    ST_CHECK(put(doc, "dependencies", st_steal(&deps)));
done:
    st_free(ref);
    st_free(want);
    json_decref(comps);
    json_decref(deps);
    json_decref(on);
    return rc;
}

/* ---- vulnerabilities ------------------------------------------------- */

/* CycloneDX's severity names (its enum, lowercase). */
static const char *cdx_severity(const char *severity)
{
    static const char *const names[5] = {"unknown", "low", "medium", "high",
                                         "critical"};

    return names[st_report__sev_rank(severity)];
}

/* The scoring method, from the vector's prefix or the severity source
 * ("cvss:3.1"); "other" when neither says. */
static const char *cdx_method(const st_vuln *v)
{
    const char *vec = v->cvss_vector ? v->cvss_vector : "";
    const char *src = v->severity_source ? v->severity_source : "";

    if (st_str_startswith(vec, "CVSS:4.0/") || !strcmp(src, "cvss:4.0"))
        return "CVSSv4";
    if (st_str_startswith(vec, "CVSS:3.1/") || !strcmp(src, "cvss:3.1"))
        return "CVSSv31";
    if (st_str_startswith(vec, "CVSS:3.0/") || !strcmp(src, "cvss:3.0") ||
        !strcmp(src, "cvss:3"))
        return "CVSSv3";
    if (st_str_startswith(vec, "AV:") || !strcmp(src, "cvss:2.0") ||
        !strcmp(src, "cvss:2"))
        return "CVSSv2";
    return "other";
}

/* A date-time the schema accepts (RFC 3339 with a zone), from what the
 * advisory says: kept when it already is one, "T00:00:00Z" added to a
 * bare date, NULL (left out) otherwise. Caller frees. */
static char *time_shape(const char *s, bool copy, bool *valid)
{
    static const char date_shape[] = "dddd-dd-dd";
    size_t len = s ? strlen(s) : 0, i;
    const char *t;

    if (len < 10 || len > 64)
        return NULL;
    for (i = 0; i < 10; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';

        if (date_shape[i] == 'd' ? !digit : s[i] != '-')
            return NULL;
    }
    if (len == 10) {
        char out[32];

        snprintf(out, sizeof(out), "%.10sT00:00:00Z", s);
        *valid = true;
        return copy ? st_strdup(out) : NULL;
    }
    /* "Thh:mm:ss", an optional fraction, then "Z" or "+hh:mm". */
    t = s + 10;
    if ((*t != 'T' && *t != 't') || strlen(t) < 10)
        return NULL;
    for (i = 1; i < 9; i++) {
        bool digit = t[i] >= '0' && t[i] <= '9';

        if ((i == 3 || i == 6) ? t[i] != ':' : !digit)
            return NULL;
    }
    t += 9;
    if (*t == '.') {
        t++;
        if (!(*t >= '0' && *t <= '9'))
            return NULL;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    if (((*t == 'Z' || *t == 'z') && !t[1]) ||
        ((*t == '+' || *t == '-') && strlen(t) == 6 && t[1] >= '0' &&
         t[1] <= '9' && t[2] >= '0' && t[2] <= '9' && t[3] == ':' &&
         t[4] >= '0' && t[4] <= '9' && t[5] >= '0' && t[5] <= '9')) {
        *valid = true;
        return copy ? st_strdup(s) : NULL;
    }
    return NULL;
}

static char *cdx_time_of(const char *s)
{
    bool valid = false;

    return time_shape(s, true, &valid);
}

static bool cdx_valid_time(const char *s)
{
    bool valid = false;

    time_shape(s, false, &valid);
    return valid;
}

/* Sets o[key] to the date-time form of s, when it has one. */
static int put_time(json_t *o, const char *key, const char *s)
{
    char *t = cdx_time_of(s);
    int rc;

    if (!t)
        return cdx_valid_time(s) ? ST_ENOMEM : 0;
    rc = put(o, key, json_string(t));
    st_free(t);
    return rc;
}

/* OpenVEX justifications (as st_filter_vex writes them into
 * suppressed_by) in CycloneDX's terms. */
static const char *cdx_justification(const char *vex)
{
    static const struct {
        const char *vex, *cdx;
    } map[] = {
        {"component_not_present", "code_not_present"},
        {"vulnerable_code_not_present", "code_not_present"},
        {"vulnerable_code_not_in_execute_path", "code_not_reachable"},
        {"vulnerable_code_cannot_be_controlled_by_adversary",
         "requires_environment"},
        {"inline_mitigations_already_exist",
         "protected_by_mitigating_control"},
    };
    size_t n;

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        n = strlen(map[i].vex);
        if (!strncmp(vex, map[i].vex, n) && (vex[n] == ' ' || !vex[n]))
            return map[i].cdx;
    }
    return NULL;
}

/* analysis for a suppressed finding. suppressed_by is written by
 * src/lib/filter: "VEX fixed (…)" is resolved; "VEX not_affected: J (…)"
 * and an ignore rule are not_affected. detail is the reason as written. */
static json_t *cdx_analysis(const char *why)
{
    const char *state = "not_affected", *just = NULL;
    json_t *a;

    if (st_str_startswith(why, "VEX fixed"))
        state = "resolved";
    else if (st_str_startswith(why, "VEX not_affected: "))
        just = cdx_justification(why + strlen("VEX not_affected: "));
    a = json_pack("{s:s}", "state", state);
    if (a && just && json_object_set_new(a, "justification",
                                         json_string(just)) < 0) {
        json_decref(a);
        return NULL;
    }
    if (a && json_object_set_new(a, "detail", J(why)) < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *cdx_vuln(const st_vuln *v, const char *bom_ref,
                        const char *pkg_ref)
{
    json_t *o = json_object(), *refs = NULL, *rating = NULL;
    char *url = NULL;
    const char *src = v->data_source;
    int rc = 0;

    if (!o || !(refs = json_array()) || !(url = st_report__vuln_url(v->id))) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(put(o, "bom-ref", J(bom_ref)));
    ST_CHECK(put(o, "id", J(v->id ? v->id : "")));
    ST_CHECK(put(o, "source", json_pack("{s:o, s:o}", "name",
                                        J(src ? src : "strata"), "url",
                                        J(url))));
    for (size_t i = 0; i < v->id_count + v->related_count; i++) {
        const char *other = i < v->id_count ? v->ids[i]
                                            : v->related[i - v->id_count];
        char *ourl;

        if (!other || (v->id && !strcmp(other, v->id)))
            continue;
        if (!(ourl = st_report__vuln_url(other))) {
            rc = ST_ENOMEM;
            goto done;
        }
        rc = json_array_append_new(refs, json_pack("{s:o, s:{s:o}}", "id",
                                                   J(other), "source",
                                                   "url", J(ourl))) < 0
             ? ST_ENOMEM : 0;
        st_free(ourl);
        ST_CHECK(rc);
    }
    if (json_array_size(refs))
        ST_CHECK(put(o, "references", st_steal(&refs)));
    rating = json_pack("{s:{s:o}}", "source", "name",
                       J(v->severity_source ? v->severity_source
                                            : src ? src : "strata"));
    if (!rating) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (v->cvss_score >= 0 && v->cvss_score <= 10)
        ST_CHECK(put(rating, "score", json_real(v->cvss_score)));
    ST_CHECK(put(rating, "severity", json_string(cdx_severity(v->severity))));
    ST_CHECK(put(rating, "method", json_string(cdx_method(v))));
    if (v->cvss_vector && *v->cvss_vector)
        ST_CHECK(put(rating, "vector", J(v->cvss_vector)));
    ST_CHECK(put(o, "ratings", json_pack("[O]", rating)));
    if (v->description && *v->description)
        ST_CHECK(put(o, "description", J(v->description)));
    else if (v->title && *v->title)
        ST_CHECK(put(o, "description", J(v->title)));
    if (v->fixed_version && *v->fixed_version) {
        st_buf b = ST_BUF_INIT(1 << 20);

        rc = st_buf_printf(&b, "Upgrade to %s", v->fixed_version);
        if (rc >= 0)
            rc = put(o, "recommendation", J(b.ptr));
        st_buf_release(&b);
        ST_CHECK(rc);
    }
    ST_CHECK(put_time(o, "published", v->published));
    ST_CHECK(put_time(o, "updated", v->modified));
    if (v->suppressed_by)
        ST_CHECK(put(o, "analysis", cdx_analysis(v->suppressed_by)));
    {
        const char *ver = v->installed_version ? v->installed_version
                          : v->package ? v->package->version : NULL;
        json_t *aff = json_pack("{s:o}", "ref", J(pkg_ref));

        if (aff && ver && *ver && strlen(ver) <= 1024 &&
            json_object_set_new(aff, "versions",
                                json_pack("[{s:o, s:s}]", "version", J(ver),
                                          "status", "affected")) < 0) {
            json_decref(aff);
            aff = NULL;
        }
        ST_CHECK(put(o, "affects", aff ? json_pack("[o]", aff) : NULL));
    }
done:
    json_decref(refs);
    json_decref(rating);
    st_free(url);
    if (rc < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* vulnerabilities[]: one per finding the filters let through, affecting
 * the component its package became (pkg_refs, by package index). */
static int vulnerabilities(json_t *doc, const st_result *r, st_map *used,
                           char **pkg_refs, const st_report_options *opts)
{
    size_t n = st_result_vuln_count(r), np = st_result_package_count(r);
    st_map *index = NULL; /* package pointer -> index + 1 */
    json_t *a = NULL;
    st_buf want = ST_BUF_INIT(1 << 20);
    char *ref = NULL;
    int rc = 0;

    if (!n)
        return 0;
    if (!(index = st_map_new()) || !(a = json_array())) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < np; i++) {
        const st_package *p = st_result_package(r, i);
        void **slot;
        bool created;

        ST_CHECK(st_map_slot(index, (const char *)&p, sizeof(p), &slot,
                             &created));
        *slot = (void *)(uintptr_t)(i + 1);
    }
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, i);
        const st_package *p = v->package;
        uintptr_t at;

        if (!st_report__listed(v, opts))
            continue;
        at = p ? (uintptr_t)st_map_get(index, (const char *)&p, sizeof(p))
               : 0;
        if (!at)
            continue; /* not a package of this result: nothing to affect */
        st_buf_reset(&want);
        ST_CHECK(st_buf_printf(&want, "strata:vuln:%s:%s", v->id ? v->id : "",
                               pkg_refs[at - 1]));
        if (!(ref = unique_ref(used, want.ptr))) {
            rc = ST_ENOMEM;
            goto done;
        }
        ST_CHECK(json_array_append_new(a, cdx_vuln(v, ref, pkg_refs[at - 1]))
                 < 0 ? ST_ENOMEM : 0);
        st_free(st_steal(&ref));
    }
    ST_CHECK(put(doc, "vulnerabilities", st_steal(&a)));
done:
    st_map_free(index);
    json_decref(a);
    st_buf_release(&want);
    st_free(ref);
    return rc;
}

/* The reference the image wants: its purl, else "strata:image:" and its
 * config digest (or name). Caller frees. */
static char *image_want(const st_result *r, const char *purl)
{
    const st_image_info *img = st_result_image(r);
    st_buf b = ST_BUF_INIT(1 << 20);

    if (purl)
        return st_strdup(purl);
    if (st_buf_printf(&b, "strata:image:%s",
                      img && img->config_digest ? img->config_digest
                      : st_report__image_name(r)) < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

int st_report__cyclonedx(FILE *f, const st_result *r,
                         const st_report_options *opts, st_error **err)
{
    json_t *doc = NULL, *meta = NULL, *comp;
    st_map *used = st_map_new();
    char *seed = NULL, *purl = NULL, *image_ref = NULL, *want = NULL;
    size_t np = st_result_package_count(r);
    char **pkg_refs = st_calloc(np ? np : 1, sizeof(*pkg_refs));
    char uuid[37], serial[48], when[32];
    int rc = 0;

    if (!used || !pkg_refs ||
        !(seed = st_report__seed(r, "strata:cyclonedx")) ||
        !(doc = json_object())) {
        rc = ST_ENOMEM;
        goto done;
    }
    ST_CHECK(st_report__uuid5(uuid, seed));
    snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
    st_report__rfc3339(when, st_report__time(opts));

    /* The image: its purl when its manifest digest is known. */
    ST_CHECK(st_report__image_purl(&purl, r));
    if (!(want = image_want(r, purl))) {
        rc = ST_ENOMEM;
        goto done;
    }
    if (!(image_ref = unique_ref(used, want))) {
        rc = ST_ENOMEM;
        goto done;
    }

    ST_CHECK(put(doc, "$schema",
                 json_string("http://cyclonedx.org/schema/bom-1.5.schema.json")));
    ST_CHECK(put(doc, "bomFormat", json_string("CycloneDX")));
    ST_CHECK(put(doc, "specVersion", json_string("1.5")));
    ST_CHECK(put(doc, "serialNumber", json_string(serial)));
    ST_CHECK(put(doc, "version", json_integer(1)));
    meta = json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}}",
                     "timestamp", when,
                     "tools", "components",
                     "type", "application",
                     "name", "strata",
                     "version", st_version());
    if (!meta) {
        rc = ST_ENOMEM;
        goto done;
    }
    comp = image_component(r, image_ref, purl);
    ST_CHECK(put(meta, "component", comp));
    ST_CHECK(put(doc, "metadata", st_steal(&meta)));
    ST_CHECK(components(doc, r, used, image_ref, pkg_refs));
    ST_CHECK(vulnerabilities(doc, r, used, pkg_refs, opts));
    ST_CHECK(st_report__dump(f, doc, err));
done:
    if (rc == ST_ENOMEM && err && !*err)
        st_error_set(err, rc, "report", "cyclonedx: out of memory");
    json_decref(meta);
    json_decref(doc);
    st_map_free(used);
    st_free(seed);
    st_free(purl);
    st_free(image_ref);
    st_free(want);
    for (size_t i = 0; pkg_refs && i < np; i++)
        st_free(pkg_refs[i]);
    st_free(pkg_refs);
    return rc;
}
