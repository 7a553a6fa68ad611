/* OCI image layouts (directories and archives): index.json, nested
 * indexes, platform selection, manifests and media types. */
#include <stdio.h>
#include <string.h>

#include "image/image_int.h"
#include "util/json.h"
#include "util/banned.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MAX_DEPTH 4

static const struct {
    const char *media_type;
    st_compression comp;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", ST_COMP_NONE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", ST_COMP_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", ST_COMP_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", ST_COMP_NONE},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
     ST_COMP_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
     ST_COMP_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", ST_COMP_NONE},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", ST_COMP_GZIP},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
     ST_COMP_GZIP},
};

struct platform {
    char os[32], arch[32], variant[32];
};

static bool is_index(const char *mt)
{
    return mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST));
}

static bool is_manifest(const char *mt)
{
    return mt && (!strcmp(mt, MT_OCI_MANIFEST) ||
                  !strcmp(mt, MT_DOCKER_MANIFEST));
}

/* Validates a descriptor's digest and gives its blob name. */
static int blob_name(st_image *img, const char *digest, const char *what,
                     const char **out, st_error **err)
{
    if (!st_digest_valid(digest))
        return st_error_set(err, ST_EINVALID, "source",
                            "%s: invalid digest \"%s\"", what,
                            digest ? digest : "(missing)");
    if (strncmp(digest, "sha256:", 7))
        return st_error_set(err, ST_EUNSUPPORTED, "source",
                            "%s: unsupported digest algorithm in %s", what,
                            digest);
    *out = st_arena_printf(img->arena, "blobs/sha256/%s", digest + 7);
    if (!*out)
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    return 0;
}

static int64_t desc_size(const json_t *d)
{
    json_t *s = json_object_get(d, "size");
    return json_is_integer(s) && json_integer_value(s) >= 0
               ? (int64_t)json_integer_value(s)
               : -1;
}

static bool platform_matches(const json_t *p, const struct platform *want)
{
    const char *os = st_json_str(p, "os"), *arch = st_json_str(p,
                                                               "architecture");
    const char *var = st_json_str(p, "variant");
    if (!os || !arch || strcmp(os, want->os) || strcmp(arch, want->arch))
        return false;
    if (want->variant[0]) {
        /* arm64 images usually omit "v8". */
        if (!var)
            return !strcmp(want->arch, "arm64") &&
                   !strcmp(want->variant, "v8");
        return !strcmp(var, want->variant);
    }
    return true;
}

static int load_manifest(st_image *img, const json_t *desc, unsigned depth,
                         const struct platform *plat, st_error **err);

/* Picks one descriptor of an index for the platform. */
static int pick_platform(st_image *img, const json_t *manifests,
                         const char *what, unsigned depth,
                         const struct platform *plat, st_error **err)
{
    st_buf avail = ST_BUF_INIT(4096);
    size_t i;
    json_t *d;
    int rc;

    json_array_foreach(manifests, i, d)
    {
        json_t *p = st_json_obj(d, "platform");
        if (p && platform_matches(p, plat)) {
            st_buf_release(&avail);
            return load_manifest(img, d, depth + 1, plat, err);
        }
    }
    json_array_foreach(manifests, i, d)
    {
        json_t *p = st_json_obj(d, "platform");
        const char *os = st_json_str(p, "os"), *a = st_json_str(p,
                                                                "architecture");
        const char *v = st_json_str(p, "variant");
        if (os && a && strcmp(os, "unknown"))
            st_buf_printf(&avail, "%s%s/%s%s%s", avail.len ? ", " : "", os, a,
                          v ? "/" : "", v ? v : "");
    }
    rc = st_error_set(err, ST_ENOTFOUND, "source",
                      "%s: no image for platform %s/%s%s%s (available: %s)",
                      what, plat->os, plat->arch, plat->variant[0] ? "/" : "",
                      plat->variant, avail.len ? avail.ptr : "none");
    st_buf_release(&avail);
    return rc;
}

static int load_layers(st_image *img, const json_t *m, const char *what,
                       st_error **err)
{
    json_t *layers = st_json_arr(m, "layers"), *d;
    size_t n, i;

    if (!layers)
        return st_error_set(err, ST_EINVALID, "source", "%s: no layers",
                            what);
    n = json_array_size(layers);
    img->layers = st_arena_alloc(img->arena, (n ? n : 1) * sizeof(*img->layers));
    img->info.layers = st_arena_alloc(img->arena,
                                      (n ? n : 1) * sizeof(st_layer_info));
    if (!img->layers || !img->info.layers)
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    img->info.layer_count = n;
    json_array_foreach(layers, i, d)
    {
        const char *mt = st_json_str(d, "mediaType");
        const char *digest = st_json_str(d, "digest");
        st_layer_rt *l = &img->layers[i];
        st_layer_info *info = (st_layer_info *)&img->info.layers[i];
        size_t k;

        if (!mt)
            return st_error_set(err, ST_EINVALID, "source",
                                "%s: layer %zu has no mediaType", what, i + 1);
        for (k = 0; k < sizeof(layer_types) / sizeof(layer_types[0]); k++)
            if (!strcmp(mt, layer_types[k].media_type))
                break;
        if (k == sizeof(layer_types) / sizeof(layer_types[0]))
            return st_error_set(err, ST_EUNSUPPORTED, "source",
                                "%s: layer %zu has unsupported media type "
                                "\"%s\"",
                                what, i + 1, mt);
        int rc = blob_name(img, digest, what, &l->blob, err);
        if (rc < 0)
            return rc;
        l->digest = l->name = info->digest = st_arena_strdup(img->arena,
                                                             digest);
        l->comp = layer_types[k].comp;
        l->size = info->size = desc_size(d);
        info->media_type = st_arena_strdup(img->arena, mt);
        if (!l->digest || !info->media_type)
            return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    }
    return 0;
}

/* A manifest or index document, read and verified. */
static int load_document(st_image *img, const char *data, size_t len,
                         const char *digest, const char *dmt, unsigned depth,
                         const struct platform *plat, st_error **err)
{
    const char *mt, *cdigest, *cmt, *cname, *what, *cwhat;
    st_buf b = ST_BUF_INIT(0);
    json_t *m = NULL, *config;
    int rc;

    what = st_arena_printf(img->arena, "manifest %s",
                           digest ? digest : "(no digest)");
    if (!what)
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    ST_CHECK(st_json_load(&m, data, len, what, err));
    mt = st_json_str(m, "mediaType");
    if (!mt)
        mt = dmt;
    if (!mt)
        mt = st_json_arr(m, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
    if (dmt && strcmp(mt, dmt)) {
        rc = st_error_set(err, ST_EINVALID, "source",
                          "%s: media type \"%s\" differs from its "
                          "descriptor's \"%s\"",
                          what, mt, dmt);
        goto done;
    }
    if (is_index(mt)) {
        json_t *ms = st_json_arr(m, "manifests");
        if (!ms) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: index without manifests", what);
            goto done;
        }
        rc = pick_platform(img, ms, what, depth, plat, err);
        goto done;
    }
    if (!is_manifest(mt)) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "source",
                          "%s: unsupported media type \"%s\"", what, mt);
        goto done;
    }
    img->info.manifest_digest = st_arena_strdup(img->arena, digest);
    img->info.manifest_media_type = st_arena_strdup(img->arena, mt);
    config = st_json_obj(m, "config");
    cdigest = st_json_str(config, "digest");
    cmt = st_json_str(config, "mediaType");
    if (!config || !cmt) {
        rc = st_error_set(err, ST_EINVALID, "source",
                          "%s: no config descriptor", what);
        goto done;
    }
    if (strcmp(cmt, MT_OCI_CONFIG) && strcmp(cmt, MT_DOCKER_CONFIG)) {
        rc = st_error_set(err, ST_EUNSUPPORTED, "source",
                          "%s: config has unsupported media type \"%s\" "
                          "(not a container image)",
                          what, cmt);
        goto done;
    }
    ST_CHECK(load_layers(img, m, what, err));
    ST_CHECK(blob_name(img, cdigest, what, &cname, err));
    img->info.config_digest = st_arena_strdup(img->arena, cdigest);
    if (!(cwhat = st_arena_printf(img->arena, "config %s", cdigest))) {
        rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
        goto done;
    }
    ST_CHECK(st_image__read_blob(img, cname, cwhat, cdigest,
                                 desc_size(config), img->max_json, &b, err));
    ST_CHECK(st_image__apply_config(img, b.ptr, b.len, cwhat, err));
done:
    json_decref(m);
    st_buf_release(&b);
    return rc;
}

static int load_manifest(st_image *img, const json_t *desc, unsigned depth,
                         const struct platform *plat, st_error **err)
{
    const char *digest = st_json_str(desc, "digest");
    const char *dmt = st_json_str(desc, "mediaType");
    const char *name, *what;
    st_buf b = ST_BUF_INIT(0);
    int rc;

    if (depth > MAX_DEPTH)
        return st_error_set(err, ST_ELIMIT, "source",
                            "%s: image indexes nested too deep",
                            img->info.path);
    what = st_arena_printf(img->arena, "manifest %s",
                           digest ? digest : "(no digest)");
    if (!what)
        return st_error_set(err, ST_ENOMEM, "source", "out of memory");
    if ((rc = blob_name(img, digest, "index.json", &name, err)) < 0)
        return rc;
    if (dmt && !is_index(dmt) && !is_manifest(dmt))
        return st_error_set(err, ST_EUNSUPPORTED, "source",
                            "%s: unsupported media type \"%s\"", what, dmt);
    rc = st_image__read_manifest(img, digest, what, desc_size(desc), &b, err);
    if (rc == 0)
        rc = load_document(img, b.ptr, b.len, digest, dmt, depth, plat, err);
    st_buf_release(&b);
    return rc;
}

static int want_platform(struct platform *plat, const st_image_options *opts,
                         st_error **err)
{
    memset(plat, 0, sizeof(*plat));
    return st_image__parse_platform(opts->platform, plat->os,
                                    sizeof(plat->os), plat->arch,
                                    sizeof(plat->arch), plat->variant,
                                    sizeof(plat->variant), err);
}

int st_source__oci_document(st_image *img, const char *json, size_t len,
                            const char *digest, const char *media_type,
                            const st_image_options *opts, st_error **err)
{
    struct platform plat;
    int rc;

    if ((rc = want_platform(&plat, opts, err)) < 0)
        return rc;
    /* A registry's Content-Type may be a generic one: trust the body's. */
    if (media_type && !is_index(media_type) && !is_manifest(media_type))
        media_type = NULL;
    return load_document(img, json, len, digest, media_type, 0, &plat, err);
}

static const char *ref_name(const json_t *d)
{
    json_t *ann = st_json_obj(d, "annotations");
    return st_json_str(ann, "org.opencontainers.image.ref.name");
}

int st_source__oci(st_image *img, const char *tag,
                   const st_image_options *opts, st_error **err)
{
    st_buf b = ST_BUF_INIT(0);
    json_t *index = NULL, *ms, *d, *chosen = NULL;
    struct platform plat;
    size_t i, n;
    int rc;

    if ((rc = want_platform(&plat, opts, err)) < 0)
        return rc;
    ST_CHECK(st_image__read_blob(img, "index.json", "index.json", NULL, -1,
                                 img->max_json, &b, err));
    ST_CHECK(st_json_load(&index, b.ptr, b.len, "index.json", err));
    ms = st_json_arr(index, "manifests");
    if (!ms || !(n = json_array_size(ms))) {
        rc = st_error_set(err, ST_EINVALID, "source",
                          "%s: index.json lists no manifests",
                          img->info.path);
        goto done;
    }
    if (tag) {
        json_array_foreach(ms, i, d)
        {
            const char *r = ref_name(d);
            if (r && !strcmp(r, tag)) {
                chosen = d;
                break;
            }
        }
        if (!chosen) {
            st_buf tags = ST_BUF_INIT(4096);
            json_array_foreach(ms, i, d)
            {
                const char *r = ref_name(d);
                if (r)
                    st_buf_printf(&tags, "%s%s", tags.len ? ", " : "", r);
            }
            rc = st_error_set(err, ST_ENOTFOUND, "source",
                              "%s: no image tagged \"%s\" (tags: %s)",
                              img->info.path, tag,
                              tags.len ? tags.ptr : "none");
            st_buf_release(&tags);
            goto done;
        }
        if (opts->platform == NULL || !st_json_obj(chosen, "platform"))
            rc = load_manifest(img, chosen, 0, &plat, err);
        else
            rc = pick_platform(img, ms, "index.json", 0, &plat, err);
        goto done;
    }
    if (n == 1) {
        rc = load_manifest(img, json_array_get(ms, 0), 0, &plat, err);
        goto done;
    }
    /* Several: a multi-platform index at the top, or several tags. */
    json_array_foreach(ms, i, d) if (st_json_obj(d, "platform"))
    {
        rc = pick_platform(img, ms, "index.json", 0, &plat, err);
        goto done;
    }
    {
        st_buf tags = ST_BUF_INIT(4096);
        json_array_foreach(ms, i, d)
        {
            const char *r = ref_name(d);
            st_buf_printf(&tags, "%s%s", tags.len ? ", " : "",
                          r ? r : "(untagged)");
        }
        rc = st_error_set(err, ST_EUSAGE, "source",
                          "%s holds %zu images; name one with "
                          "oci:DIR:TAG (tags: %s)",
                          img->info.path, n, tags.ptr);
        st_buf_release(&tags);
    }
done:
    json_decref(index);
    st_buf_release(&b);
    return rc;
}
