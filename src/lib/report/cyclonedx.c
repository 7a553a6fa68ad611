/* The "cyclonedx" format: a CycloneDX 1.5 JSON BOM.
 *
 * The image is metadata.component (type "container"); the operating system
 * and every package are components. Each component's bom-ref is its purl;
 * a purl seen twice (the same npm package in two lockfiles) gets "|2",
 * "|3"… appended so references stay unique. The serial number is a UUID
 * version 5 of the image digest and the inventory (st_report__seed), so
 * the same scan gives the same BOM, byte for byte, for a given timestamp.
 * strata's own facts are properties named "strata:…". */
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
                      const char *image_ref)
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
        st_free(st_steal(&ref));
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
    char uuid[37], serial[48], when[32];
    int rc = 0;

    if (!used || !(seed = st_report__seed(r, "strata:cyclonedx")) ||
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
    ST_CHECK(components(doc, r, used, image_ref));
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
    return rc;
}
