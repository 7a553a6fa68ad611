/* The "json" format: strata's own schema, strata.scan/v1, documented in
 * docs/formats/json.md. Every key is always present (absent strings and
 * unknown numbers are null) so consumers can rely on the shape; keys are
 * written in a fixed order. */
#include <string.h>

#include "report_int.h"
#include "util/banned.h"

#define SCHEMA "strata.scan/v1"
#define J(s) st_report__jstr(s)

/* A count or index that is unknown when negative: null then. */
static json_t *int_or_null(long long v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *string_array(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, J(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* A layer's created_by is the build step that made it: a build argument
 * or an ENV value shows there, so the secrets found are hidden in it as
 * in the findings. */
static json_t *layers_json(const st_image_info *img, const st_result *r,
                           const st_report_options *opts)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < img->layer_count; i++) {
        const st_layer_info *l = &img->layers[i];
        char *created_by = NULL;
        json_t *o = NULL;

        if (st_report__hide_secrets(&created_by, l->created_by, r, NULL,
                                    opts) == 0)
            o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}",
                          "index", (json_int_t)i,
                          "digest", J(l->digest),
                          "diff_id", J(l->diff_id),
                          "media_type", J(l->media_type),
                          "size", int_or_null(l->size),
                          "created_by", J(created_by));
        st_free(created_by);
        if (json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Cosign signatures checked with --key; the payload's annotations as
 * they were signed (an object), or null. */
static json_t *signatures_json(const st_image_info *img)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < img->signature_count; i++) {
        const st_signature_info *s = &img->signatures[i];
        json_t *ann = s->annotations_json
                          ? json_loads(s->annotations_json, 0, NULL)
                          : NULL;
        json_t *o = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "valid",
                              s->valid ? 1 : 0, "key", J(s->key),
                              "signed_digest", J(s->signed_digest),
                              "identity", J(s->identity), "annotations",
                              ann ? ann : json_null(), "problem",
                              J(s->problem));
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *artifact_json(const st_result *r,
                             const st_report_options *opts)
{
    static const st_image_info none;
    const st_image_info *img = st_result_image(r);
    json_t *o;

    if (!img)
        img = &none;
    o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:o, s:o, s:o, s:o}",
                     "ref", J(img->ref),
                     "source", J(img->source),
                     "path", J(img->path),
                     "manifest_digest", J(img->manifest_digest),
                     "manifest_media_type", J(img->manifest_media_type),
                     "config_digest", J(img->config_digest),
                     "os", J(img->os),
                     "architecture", J(img->architecture),
                     "variant", J(img->variant),
                     "created", J(img->created),
                     "repo_tags",
                     string_array(img->repo_tags, img->repo_tag_count),
                     "layers", layers_json(img, r, opts));
    /* Only when signatures were checked: other reports keep their keys. */
    if (o && img->signature_count)
        json_object_set_new(o, "signatures", signatures_json(img));
    return o;
}

static json_t *os_json(const st_os_info *os)
{
    static const st_os_info none;

    if (!os)
        os = &none;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b,"
                     " s:o}",
                     "family", J(os->family),
                     "id", J(os->id),
                     "version_id", J(os->version_id),
                     "version", J(os->version),
                     "codename", J(os->codename),
                     "pretty_name", J(os->pretty_name),
                     "id_like", J(os->id_like),
                     "distroless", os->distroless ? 1 : 0,
                     "reason", J(os->reason));
}

/* Other tests rely on exactly these keys, in this order; append new ones
 * at the end and document them. */
static json_t *package_json(const st_package *p, bool files)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
                     "type", J(p->type),
                     "name", J(p->name),
                     "version", J(p->version),
                     "epoch", J(p->epoch),
                     "release", J(p->release),
                     "arch", J(p->arch),
                     "source_name", J(p->source_name),
                     "source_version", J(p->source_version),
                     "source_rpm", J(p->source_rpm),
                     "license", J(p->license),
                     "maintainer", J(p->maintainer),
                     "purl", J(p->purl),
                     "found_in", J(p->found_in),
                     "layer_index", int_or_null(p->layer_index),
                     "layer_diff_id", J(p->layer_diff_id),
                     "file_count", (json_int_t)p->file_count);
    /* added after file_count: where a lockfile says so */
    if (o && (json_object_set_new(o, "direct", p->direct < 0
                                                   ? json_null()
                                                   : json_boolean(p->direct)) < 0 ||
              json_object_set_new(o, "dev", json_boolean(p->dev)) < 0)) {
        json_decref(o);
        return NULL;
    }
    if (o && files) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < p->file_count; i++)
            if (json_array_append_new(a, J(p->files[i])) < 0) {
                json_decref(a);
                a = NULL;
            }
        if (!a || json_object_set_new(o, "files", a) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *packages_json(const st_result *r, bool files)
{
    size_t n = st_result_package_count(r);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a,
                                  package_json(st_result_package(r, i),
                                               files)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The affected package, enough to find it in "packages". */
static json_t *vuln_package_json(const st_package *p)
{
    static const st_package none = {.layer_index = -1};

    if (!p)
        p = &none;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                     "name", J(p->name),
                     "version", J(p->version),
                     "type", J(p->type),
                     "purl", J(p->purl),
                     "layer_index", int_or_null(p->layer_index),
                     "found_in", J(p->found_in));
}

/* Other tests rely on exactly these keys, in this order; append new ones
 * at the end and document them. */
static json_t *vuln_json(const st_vuln *v)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", J(v->id),
                     "ids", string_array(v->ids, v->id_count),
                     "related", string_array(v->related, v->related_count),
                     "package", vuln_package_json(v->package),
                     "installed_version", J(v->installed_version),
                     "fixed_version", J(v->fixed_version),
                     "status", J(v->status),
                     "severity", J(v->severity),
                     "severity_source", J(v->severity_source),
                     "cvss_score", !(v->cvss_score >= 0) ? json_null()
                                                     : json_real(v->cvss_score),
                     "cvss_vector", J(v->cvss_vector),
                     "title", J(v->title),
                     "description", J(v->description),
                     "references", string_array(v->refs, v->ref_count),
                     "published", J(v->published),
                     "modified", J(v->modified),
                     "data_source", J(v->data_source),
                     "suppressed_by", J(v->suppressed_by));
}

/* Every finding the severity and fix filters let through, suppressed or
 * not: suppressed ones say why in suppressed_by. */
static json_t *vulns_json(const st_result *r, const st_report_options *opts)
{
    size_t n = st_result_vuln_count(r);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        const st_vuln *v = st_result_vuln(r, i);

        if (!st_report__listed(v, opts))
            continue;
        if (json_array_append_new(a, vuln_json(v)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Other tests rely on exactly these keys, in this order; append new ones
 * at the end and document them. */
static json_t *finding_json(const st_result *r, const st_finding *f,
                            const st_report_options *opts)
{
    char red[32];
    char *detail = NULL;
    json_t *o = NULL;

    if (st_report__hide_secrets(&detail, f->detail, r, f, opts) < 0)
        return NULL;
    o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:b,"
                  " s:s, s:o, s:o, s:o, s:o}",
                  "kind", st_report__kind_name(f->kind),
                  "id", J(f->id),
                  "category", J(f->category),
                  "title", J(f->title),
                  "severity", J(f->severity),
                  "origin", st_report__origin_name(f->origin),
                  "path", J(f->path),
                  "layer_index", int_or_null(f->layer_index),
                  "layer_diff_id", J(f->layer_diff_id),
                  "visible", f->visible ? 1 : 0,
                  "state", f->visible ? "visible" : "deleted",
                  "line", f->line ? json_integer((json_int_t)f->line)
                                  : json_null(),
                  "match", J(st_report__finding_match(f, opts, red,
                                                      sizeof(red))),
                  "detail", J(detail),
                  "suppressed_by", J(f->suppressed_by));
    st_free(detail);
    /* configuration findings carry four more keys (docs/formats/json.md);
     * the other kinds keep their shape */
    if (o && f->kind == ST_FINDING_CONFIG &&
        (json_object_set_new(o, "column", f->column
                                              ? json_integer(f->column)
                                              : json_null()) < 0 ||
         json_object_set_new(o, "object", J(f->object)) < 0 ||
         json_object_set_new(o, "remediation", J(f->remediation)) < 0 ||
         json_object_set_new(o, "tags",
                             string_array(f->tags, f->tag_count)) < 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* As for vulnerabilities: the severity filter applies, suppressed
 * findings stay with suppressed_by set. */
static json_t *findings_json(const st_result *r,
                             const st_report_options *opts)
{
    size_t n = st_result_finding_count(r);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        const st_finding *f = st_result_finding(r, i);

        if (!st_report__finding_listed(f, opts))
            continue;
        if (json_array_append_new(a, finding_json(r, f, opts)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *diagnostics_json(const st_result *r)
{
    size_t n = st_result_diagnostic_count(r);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        const st_diagnostic *d = st_result_diagnostic(r, i);
        json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o}",
                              "level", d->level == ST_DIAG_WARNING
                                           ? "warning" : "info",
                              "analyzer", J(d->analyzer),
                              "path", J(d->path),
                              "layer_index", int_or_null(d->layer_index),
                              "message", J(d->message));
        if (json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The storage graph of a configuration audit: what is mounted (a host
 * path, a claim, a volume), and by whom. */
static json_t *storage_json(const st_result *r)
{
    size_t n = st_result_storage_count(r);
    json_t *sources = json_array(), *src = NULL, *mounts = NULL;
    const st_storage_mount *prev = NULL;
    size_t workloads = 0, writers = 0;

    for (size_t i = 0; sources && i <= n; i++) {
        const st_storage_mount *m = i < n ? st_result_storage(r, i) : NULL;
        bool fresh;
        if (prev && (!m || strcmp(m->store, prev->store) ||
                     strcmp(m->source, prev->source))) {
            /* close the source (the _new calls take their value, also
             * when they fail) */
            if (json_object_set_new(src, "workloads",
                                    json_integer((json_int_t)workloads)) < 0 ||
                json_object_set_new(src, "writers",
                                    json_integer((json_int_t)writers)) < 0 ||
                json_object_set_new(src, "mounts", st_steal(&mounts)) < 0 ||
                json_array_append_new(sources, st_steal(&src)) < 0)
                goto oom;
        }
        if (!m)
            break;
        fresh = !src;
        if (fresh) {
            src = json_pack("{s:o, s:o}", "store", J(m->store), "source",
                            J(m->source));
            mounts = json_array();
            if (!src || !mounts)
                goto oom;
            workloads = writers = 0;
        }
        /* the mounts of one source come sorted by workload */
        if (fresh || strcmp(m->workload, prev->workload))
            workloads++;
        writers += m->writable != 0;
        if (json_array_append_new(
                mounts,
                json_pack("{s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}",
                          "workload", J(m->workload),
                          "container", J(m->container),
                          "mount_path", J(m->mount_path),
                          "writable", m->writable ? 1 : 0,
                          "shared_access", m->shared_access ? 1 : 0,
                          "path", J(m->path),
                          "line", m->line ? json_integer(m->line)
                                          : json_null(),
                          "column", m->column ? json_integer(m->column)
                                              : json_null())) < 0)
            goto oom;
        prev = m;
    }
    return sources;
oom:
    json_decref(src);
    json_decref(mounts);
    json_decref(sources);
    return NULL;
}

static json_t *stats_json(const st_scan_stats *s)
{
    static const st_scan_stats none;

    if (!s)
        s = &none;
    return json_pack("{s:I, s:I, s:I, s:I, s:I}",
                     "layers", (json_int_t)s->layers,
                     "entries", (json_int_t)s->entries,
                     "bytes_compressed", (json_int_t)s->bytes_compressed,
                     "bytes_uncompressed", (json_int_t)s->bytes_uncompressed,
                     "files_read", (json_int_t)s->files_read);
}

int st_report__json(FILE *f, const st_result *r,
                    const st_report_options *opts, st_error **err)
{
    json_t *doc = NULL;
    int rc = 0;

    doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                    "schema", SCHEMA,
                    "strata_version", st_version(),
                    "artifact", artifact_json(r, opts),
                    "os", os_json(st_result_os(r)),
                    "packages", packages_json(r, opts->list_files != 0),
                    "vulnerabilities", vulns_json(r, opts),
                    "diagnostics", diagnostics_json(r),
                    "stats", stats_json(st_result_stats(r)),
                    "findings", findings_json(r, opts));
    /* a configuration audit (strata/config.h) adds its storage graph */
    if (doc && st_result_image(r) && st_result_image(r)->source &&
        !strcmp(st_result_image(r)->source, "config") &&
        json_object_set_new(doc, "storage", storage_json(r)) < 0) {
        json_decref(doc);
        doc = NULL;
    }
    if (!doc) {
        rc = st_error_set(err, ST_ENOMEM, "report", "json: out of memory");
        goto done;
    }
    ST_CHECK(st_report__dump(f, doc, err));
done:
    json_decref(doc);
    return rc;
}
