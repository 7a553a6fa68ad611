/* Reading a JSON report (schema strata.scan/v1) back into a result: the
 * image, its OS and its packages — what matching needs. A server keeps
 * inventories this way and re-matches them when the vulnerability DB
 * changes, without pulling the image again. Vulnerabilities and findings
 * in the document are not read: matching recomputes the former, the
 * latter do not depend on the DB. */
#include <string.h>

#include "inventory/result_int.h"
#include "util/json.h"
#include "util/banned.h"

#define SCHEMA "strata.scan/v1"

static const char *dup(st_result *r, const json_t *o, const char *key)
{
    const char *s = st_json_str(o, key);
    return s ? st_arena_strdup(r->arena, s) : NULL;
}

static int int_or(const json_t *o, const char *key, int dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static int load_image(st_result *r, const json_t *a)
{
    st_image_info *im = &r->image;
    json_t *tags = st_json_arr(a, "repo_tags"), *layers = st_json_arr(a,
                                                                     "layers");
    size_t n;

    im->ref = dup(r, a, "ref");
    im->source = dup(r, a, "source");
    im->path = dup(r, a, "path");
    im->manifest_digest = dup(r, a, "manifest_digest");
    im->manifest_media_type = dup(r, a, "manifest_media_type");
    im->config_digest = dup(r, a, "config_digest");
    im->os = dup(r, a, "os");
    im->architecture = dup(r, a, "architecture");
    im->variant = dup(r, a, "variant");
    im->created = dup(r, a, "created");
    if ((n = json_array_size(tags))) {
        const char **t = st_arena_alloc(r->arena, n * sizeof(*t));
        if (!t)
            return ST_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(tags, i);
            t[im->repo_tag_count] =
                json_is_string(v)
                    ? st_arena_strdup(r->arena, json_string_value(v))
                    : NULL;
            if (t[im->repo_tag_count])
                im->repo_tag_count++;
        }
        im->repo_tags = t;
    }
    if ((n = json_array_size(layers))) {
        st_layer_info *l = st_arena_alloc(r->arena, n * sizeof(*l));
        if (!l)
            return ST_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_array_get(layers, i);
            json_t *size = json_object_get(o, "size");
            l[i].digest = dup(r, o, "digest");
            l[i].diff_id = dup(r, o, "diff_id");
            l[i].media_type = dup(r, o, "media_type");
            l[i].created_by = dup(r, o, "created_by");
            l[i].size = json_is_integer(size) ? json_integer_value(size) : -1;
        }
        im->layers = l;
        im->layer_count = n;
    }
    return 0;
}

static void load_os(st_result *r, const json_t *o)
{
    const char *family = st_json_str(o, "family");
    if (family)
        r->os.family = st_arena_strdup(r->arena, family);
    r->os.id = dup(r, o, "id");
    r->os.version_id = dup(r, o, "version_id");
    r->os.version = dup(r, o, "version");
    r->os.codename = dup(r, o, "codename");
    r->os.pretty_name = dup(r, o, "pretty_name");
    r->os.id_like = dup(r, o, "id_like");
    r->os.distroless = json_is_true(json_object_get(o, "distroless"));
    r->os.reason = dup(r, o, "reason");
}

static int load_package(st_result *r, const json_t *o, size_t i,
                        const char *what, st_error **err)
{
    st_package *p;
    json_t *direct = json_object_get(o, "direct");

    if (!json_is_object(o) || !st_json_str(o, "type") ||
        !st_json_str(o, "name") || !st_json_str(o, "version"))
        return st_error_set(err, ST_EINVALID, "inventory",
                            "%s: package %zu lacks type, name or version",
                            what, i + 1);
    if (!(p = st_result__add_package(r)))
        return st_error_set(err, ST_ENOMEM, "inventory", "out of memory");
    p->type = dup(r, o, "type");
    p->name = dup(r, o, "name");
    p->version = dup(r, o, "version");
    p->epoch = dup(r, o, "epoch");
    p->release = dup(r, o, "release");
    p->arch = dup(r, o, "arch");
    p->source_name = dup(r, o, "source_name");
    p->source_version = dup(r, o, "source_version");
    p->source_rpm = dup(r, o, "source_rpm");
    p->license = dup(r, o, "license");
    p->maintainer = dup(r, o, "maintainer");
    p->purl = dup(r, o, "purl");
    p->found_in = dup(r, o, "found_in");
    p->layer_index = int_or(o, "layer_index", -1);
    p->layer_diff_id = dup(r, o, "layer_diff_id");
    p->direct = json_is_boolean(direct) ? json_is_true(direct) : -1;
    p->dev = json_is_true(json_object_get(o, "dev"));
    return 0;
}

int st_result_load_json(st_result **out, const char *data, size_t len,
                        const char *what, st_error **err)
{
    json_t *doc = NULL, *pkgs, *p;
    st_result *r = NULL;
    const char *schema;
    size_t i;
    int rc;

    *out = NULL;
    ST_CHECK(st_json_load(&doc, data, len, what, err));
    schema = st_json_str(doc, "schema");
    if (!schema || strcmp(schema, SCHEMA)) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "inventory",
                          "%s: not a strata report (schema %s, want %s)",
                          what, schema ? schema : "missing", SCHEMA);
        goto done;
    }
    if (!(r = st_result__new())) {
        rc = st_error_set(err, ST_ENOMEM, "inventory", "out of memory");
        goto done;
    }
    if ((rc = load_image(r, st_json_obj(doc, "artifact"))) < 0) {
        rc = st_error_set(err, rc, "inventory", "out of memory");
        goto done;
    }
    load_os(r, st_json_obj(doc, "os"));
    pkgs = st_json_arr(doc, "packages");
    json_array_foreach(pkgs, i, p)
    {
        ST_CHECK(load_package(r, p, i, what, err));
    }
    *out = r;
    r = NULL;
done:
    st_result_free(r);
    json_decref(doc);
    return rc;
}
