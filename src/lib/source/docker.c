/* docker-archive: the tar `docker save` (and skopeo) writes. manifest.json
 * names the config and the layer tars; the config's diff_ids are the
 * digests of those tars. */
#include <stdio.h>
#include <string.h>

#include "image/image_int.h"
#include "util/json.h"
#include "util/banned.h"

/* "<64 hex>.json", "blobs/sha256/<64 hex>" or "<64 hex>/layer.tar" →
 * "sha256:<hex>" when the name carries a digest, else NULL. */
static const char *digest_from_name(st_arena *a, const char *name)
{
    const char *base = strrchr(name, '/');
    char d[80];
    base = base ? base + 1 : name;
    if (strlen(base) >= 64) {
        snprintf(d, sizeof(d), "sha256:%.64s", base);
        if (st_digest_valid(d) &&
            (base[64] == 0 || !strcmp(base + 64, ".json") ||
             !strcmp(base + 64, ".tar")))
            return st_arena_strdup(a, d);
    }
    return NULL;
}

int st_source__docker_archive(st_image *img, const char *tag, st_error **err)
{
    st_buf b = ST_BUF_INIT(0);
    json_t *man = NULL, *entry = NULL, *layers, *tags, *v;
    const char *config, *cdigest, *cwhat;
    size_t i, n;
    int rc;

    ST_CHECK(st_image__read_blob(img, "manifest.json", "manifest.json", NULL,
                                 -1, img->max_json, &b, err));
    ST_CHECK(st_json_load(&man, b.ptr, b.len, "manifest.json", err));
    if (!json_is_array(man) || !(n = json_array_size(man))) {
        rc = st_error_set(err, ST_EINVALID, "source",
                          "%s: manifest.json: expected a non-empty array",
                          img->info.path);
        goto done;
    }
    if (tag) {
        json_array_foreach(man, i, v)
        {
            size_t k;
            json_t *t;
            json_array_foreach(st_json_arr(v, "RepoTags"), k, t)
            {
                const char *s = json_string_value(t);
                size_t sl = s ? strlen(s) : 0, tl = strlen(tag);
                /* "repo:tag" or just the tag part */
                if (s && (!strcmp(s, tag) ||
                          (sl > tl && s[sl - tl - 1] == ':' &&
                           !strcmp(s + sl - tl, tag)))) {
                    entry = v;
                    break;
                }
            }
            if (entry)
                break;
        }
        if (!entry) {
            rc = st_error_set(err, ST_ENOTFOUND, "source",
                              "%s: no image tagged \"%s\"", img->info.path,
                              tag);
            goto done;
        }
    } else if (n == 1) {
        entry = json_array_get(man, 0);
    } else {
        rc = st_error_set(err, ST_EUSAGE, "source",
                          "%s holds %zu images; name one with "
                          "docker-archive:PATH:TAG",
                          img->info.path, n);
        goto done;
    }
    config = st_json_str(entry, "Config");
    layers = st_json_arr(entry, "Layers");
    if (!config || !layers) {
        rc = st_error_set(err, ST_EINVALID, "source",
                          "%s: manifest.json: entry without Config or Layers",
                          img->info.path);
        goto done;
    }
    tags = st_json_arr(entry, "RepoTags");
    if (tags && json_array_size(tags)) {
        const char **t = st_arena_alloc(img->arena, json_array_size(tags) *
                                                        sizeof(char *));
        if (!t)
            goto oom;
        json_array_foreach(tags, i, v) if (json_is_string(v)) t
            [img->info.repo_tag_count++] =
            st_arena_strdup(img->arena, json_string_value(v));
        img->info.repo_tags = t;
    }
    n = json_array_size(layers);
    img->layers = st_arena_alloc(img->arena, (n ? n : 1) * sizeof(*img->layers));
    img->info.layers = st_arena_alloc(img->arena,
                                      (n ? n : 1) * sizeof(st_layer_info));
    if (!img->layers || !img->info.layers)
        goto oom;
    img->info.layer_count = n;
    json_array_foreach(layers, i, v)
    {
        const char *name = json_string_value(v);
        st_layer_rt *l = &img->layers[i];
        if (!name) {
            rc = st_error_set(err, ST_EINVALID, "source",
                              "%s: manifest.json: layer %zu is not a string",
                              img->info.path, i + 1);
            goto done;
        }
        l->blob = l->name = st_arena_strdup(img->arena, name);
        /* Layers are stored as written: usually plain tar, sometimes
         * compressed; the file name, when it is a digest, is that of the
         * bytes as stored. */
        l->digest = digest_from_name(img->arena, name);
        l->sniff = true;
        l->size = -1;
        ((st_layer_info *)&img->info.layers[i])->size = -1;
        if (!l->blob)
            goto oom;
    }
    cdigest = digest_from_name(img->arena, config);
    img->info.config_digest = cdigest;
    cwhat = st_arena_printf(img->arena, "config %s",
                            cdigest ? cdigest : config);
    if (!cwhat)
        goto oom;
    ST_CHECK(st_image__read_blob(img, config, cwhat, cdigest, -1,
                                 img->max_json, &b, err));
    if (!cdigest) {
        char d[72];
        st_sha256_hex(b.ptr, b.len, d);
        img->info.config_digest = st_arena_strdup(img->arena, d);
    }
    ST_CHECK(st_image__apply_config(img, b.ptr, b.len, cwhat, err));
    for (i = 0; i < n; i++) {
        st_layer_rt *l = &img->layers[i];
        st_layer_info *info = (st_layer_info *)&img->info.layers[i];
        /* Only "blobs/sha256/<hex>" (docker 25+) names the stored bytes;
         * "<hex>.tar" names the diff_id, which is checked anyway. */
        if (!st_str_startswith(l->blob, "blobs/"))
            l->digest = NULL;
        info->digest = l->digest ? l->digest : l->diff_id;
        l->name = info->digest;
    }
    rc = 0;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, "source", "out of memory");
done:
    json_decref(man);
    st_buf_release(&b);
    return rc;
}
