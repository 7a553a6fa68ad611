/* Opening an image: reference parsing, detection, blob access, config. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image_int.h"
#include "source/tarindex.h"
#include "util/json.h"
#include "util/banned.h"

#define DEFAULT_MAX_JSON (4u << 20)

void st_image__host_platform(char *os, size_t oslen, char *arch,
                             size_t archlen, char *variant, size_t varlen)
{
    struct utsname u;
    const char *a = "amd64", *v = "";
    snprintf(os, oslen, "linux");
    if (uname(&u) == 0) {
        if (!strcmp(u.machine, "x86_64"))
            a = "amd64";
        else if (!strcmp(u.machine, "aarch64"))
            a = "arm64", v = "v8";
        else if (!strncmp(u.machine, "armv7", 5))
            a = "arm", v = "v7";
        else if (!strncmp(u.machine, "armv6", 5))
            a = "arm", v = "v6";
        else if (!strcmp(u.machine, "i686") || !strcmp(u.machine, "i386"))
            a = "386";
        else if (!strcmp(u.machine, "ppc64le"))
            a = "ppc64le";
        else if (!strcmp(u.machine, "s390x"))
            a = "s390x";
        else if (!strcmp(u.machine, "riscv64"))
            a = "riscv64";
    }
    snprintf(arch, archlen, "%s", a);
    snprintf(variant, varlen, "%s", v);
}

int st_image__parse_platform(const char *spec, char *os, size_t oslen,
                             char *arch, size_t archlen, char *variant,
                             size_t varlen, st_error **err)
{
    char tmp[96];
    char *o, *a, *v, *save = NULL;

    if (!spec) {
        st_image__host_platform(os, oslen, arch, archlen, variant, varlen);
        return 0;
    }
    snprintf(tmp, sizeof(tmp), "%s", spec);
    o = strtok_r(tmp, "/", &save);
    a = o ? strtok_r(NULL, "/", &save) : NULL;
    v = a ? strtok_r(NULL, "/", &save) : NULL;
    if (!o || !a || strtok_r(NULL, "/", &save))
        return st_error_set(err, ST_EUSAGE, "source",
                            "--platform %s: expected os/arch[/variant]",
                            spec);
    snprintf(os, oslen, "%s", o);
    snprintf(arch, archlen, "%s", a);
    snprintf(variant, varlen, "%s", v ? v : "");
    return 0;
}

const st_image_info *st_image_get_info(const st_image *img)
{
    return &img->info;
}

void st_image_free(st_image *img)
{
    if (!img)
        return;
    if (img->fd >= 0)
        close(img->fd);
    st_source__registry_free(img);
    st_tarindex_free(img->tar);
    st_arena_free(img->arena);
    st_free(img);
}

/* ---- blobs -------------------------------------------------------------- */

int st_image__locate(st_image *img, const char *name, st_blobloc *loc,
                     st_error **err)
{
    struct stat st;
    int fd;

    memset(loc, 0, sizeof(*loc));
    if (img->tar) {
        const st_tarmember *m = st_tarindex_find(img->tar, name);
        if (!m)
            return st_error_set(err, ST_ENOTFOUND, "source",
                                "%s: no member %s", img->info.path, name);
        loc->fd = img->fd;
        loc->off = m->off;
        loc->len = m->size;
        return 0;
    }
    /* A layout directory: the name must stay inside it. */
    if (name[0] == '/' || strstr(name, ".."))
        return st_error_set(err, ST_EINVALID, "source",
                            "%s: invalid blob name %s", img->info.path, name);
    fd = openat(img->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "source", "%s/%s: %s", img->info.path, name,
                            strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return st_error_set(err, ST_EINVALID, "source",
                            "%s/%s: not a regular file", img->info.path,
                            name);
    }
    loc->fd = fd;
    loc->owns_fd = true;
    loc->len = (uint64_t)st.st_size;
    return 0;
}

int st_image__read_blob(st_image *img, const char *name, const char *what,
                        const char *digest, int64_t size, size_t max,
                        st_buf *out, st_error **err)
{
    st_blobloc loc;
    char got[72];
    int rc;

    if (img->kind == ST_SRC_REGISTRY)
        return st_source__registry_read(img, name, what, digest, size, max,
                                        false, out, err);
    if ((rc = st_image__locate(img, name, &loc, err)) < 0)
        return rc;
    st_buf_reset(out);
    if (loc.len > max) {
        rc = st_error_set(err, ST_ELIMIT, "source",
                          "%s is %llu bytes, more than the %zu allowed", what,
                          (unsigned long long)loc.len, max);
        goto done;
    }
    if ((rc = st_buf_grow(out, (size_t)loc.len)) < 0 ||
        (rc = st_pread_full(loc.fd, out->ptr, (size_t)loc.len, loc.off)) <
            0) {
        rc = st_error_set(err, rc, "source", "%s: %s", what,
                          rc == ST_EIO ? "read error" : st_strerror(rc));
        goto done;
    }
    out->len = (size_t)loc.len;
    out->ptr[out->len] = 0;
    if (digest) {
        if (strncmp(digest, "sha256:", 7)) {
            rc = st_error_set(err, ST_EUNSUPPORTED, "source",
                              "%s: unsupported digest algorithm in %s", what,
                              digest);
            goto done;
        }
        st_sha256_hex(out->ptr, out->len, got);
        if (strcmp(got, digest)) {
            rc = st_error_set(err, ST_EDIGEST, "source",
                              "%s does not match its digest (read %s): "
                              "image tampered or corrupt",
                              what, got);
            goto done;
        }
    }
    if (size >= 0 && out->len != (uint64_t)size) {
        rc = st_error_set(err, ST_EDIGEST, "source",
                          "%s is %zu bytes, its descriptor says %lld: image "
                          "tampered or corrupt",
                          what, out->len, (long long)size);
        goto done;
    }
done:
    if (loc.owns_fd)
        close(loc.fd);
    return rc;
}

int st_image__read_manifest(st_image *img, const char *digest,
                            const char *what, int64_t size, st_buf *out,
                            st_error **err)
{
    char name[96];
    if (img->kind == ST_SRC_REGISTRY)
        return st_source__registry_read(img, digest, what, digest, size,
                                        img->max_json, true, out, err);
    /* Layouts name blobs by digest; the caller checked its form. */
    snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
    return st_image__read_blob(img, name, what, digest, size, img->max_json,
                               out, err);
}

int st_image__open_layer(st_image *img, size_t i, st_blobloc *loc,
                         st_error **err)
{
    if (img->kind == ST_SRC_REGISTRY)
        return st_source__registry_layer(img, i, loc, err);
    return st_image__locate(img, img->layers[i].blob, loc, err);
}

/* ---- config ------------------------------------------------------------- */

static const char *dup_str(st_image *img, const json_t *o, const char *key)
{
    const char *s = st_json_str(o, key);
    return s ? st_arena_strdup(img->arena, s) : NULL;
}

int st_image__apply_config(st_image *img, const char *data, size_t len,
                           const char *what, st_error **err)
{
    json_t *cfg = NULL, *rootfs, *ids, *hist;
    size_t n = img->info.layer_count, li = 0;
    int rc = 0;

    if ((rc = st_json_load(&cfg, data, len, what, err)) < 0)
        return rc;
    if (!json_is_object(cfg)) {
        rc = st_error_set(err, ST_EINVALID, "image",
                          "%s: not a JSON object", what);
        goto done;
    }
    img->info.os = dup_str(img, cfg, "os");
    img->info.architecture = dup_str(img, cfg, "architecture");
    img->info.variant = dup_str(img, cfg, "variant");
    img->info.created = dup_str(img, cfg, "created");
    if (!(img->info.config_json = st_arena_strndup(img->arena, data, len))) {
        rc = st_error_set(err, ST_ENOMEM, "image", "out of memory");
        goto done;
    }
    rootfs = st_json_obj(cfg, "rootfs");
    ids = st_json_arr(rootfs, "diff_ids");
    if (!ids) {
        rc = st_error_set(err, ST_EINVALID, "image",
                          "%s: no rootfs.diff_ids", what);
        goto done;
    }
    if (json_array_size(ids) != n) {
        rc = st_error_set(err, ST_EINVALID, "image",
                          "%s lists %zu diff_ids but the manifest has %zu "
                          "layers",
                          what, json_array_size(ids), n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(ids, i);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        st_layer_info *info = (st_layer_info *)&img->info.layers[i];
        if (!st_digest_valid(s)) {
            rc = st_error_set(err, ST_EINVALID, "image",
                              "%s: diff_id %zu is not a sha256 digest", what,
                              i + 1);
            goto done;
        }
        if (strncmp(s, "sha256:", 7)) {
            rc = st_error_set(err, ST_EUNSUPPORTED, "image",
                              "%s: unsupported digest algorithm in %s", what,
                              s);
            goto done;
        }
        info->diff_id = img->layers[i].diff_id =
            st_arena_strdup(img->arena, s);
    }
    /* History entries that made a layer (not empty_layer), in order. */
    hist = st_json_arr(cfg, "history");
    for (size_t h = 0; hist && h < json_array_size(hist) && li < n; h++) {
        json_t *e = json_array_get(hist, h);
        if (json_is_true(json_object_get(e, "empty_layer")))
            continue;
        ((st_layer_info *)&img->info.layers[li++])->created_by =
            dup_str(img, e, "created_by");
    }
done:
    json_decref(cfg);
    return rc;
}

/* ---- opening ------------------------------------------------------------ */

/* An explicit --platform must match the image found, even when the source
 * holds only one image (as docker refuses to run a foreign image). */
static int check_platform(st_image *img, const char *want, st_error **err)
{
    char buf[96], *os, *arch, *var, *save = NULL;
    const st_image_info *i = &img->info;

    snprintf(buf, sizeof(buf), "%s", want);
    os = strtok_r(buf, "/", &save);
    arch = os ? strtok_r(NULL, "/", &save) : NULL;
    var = arch ? strtok_r(NULL, "/", &save) : NULL;
    if (!os || !arch)
        return st_error_set(err, ST_EUSAGE, "image",
                            "--platform %s: expected os/arch[/variant]", want);
    if (!i->os || !i->architecture)
        return 0; /* the config does not say: nothing to hold against it */
    if (strcmp(os, i->os) || strcmp(arch, i->architecture) ||
        (var && i->variant && strcmp(var, i->variant)))
        return st_error_set(err, ST_ENOTFOUND, "image",
                            "%s: no image for platform %s (it holds %s/%s%s%s)",
                            i->path, want, i->os, i->architecture,
                            i->variant ? "/" : "",
                            i->variant ? i->variant : "");
    return 0;
}

static bool has_prefix(const char *s, const char *p, const char **rest)
{
    size_t n = strlen(p);
    if (strncmp(s, p, n))
        return false;
    *rest = s + n;
    return true;
}

/* Splits "PATH[:TAG]". The tag may hold ':' and '/' (docker-archive's
 * "PATH:docker.io/library/debian:12"), so the path is the shortest prefix
 * ending before a ':' that exists; the whole spec when it exists itself. */
static int split_tag(st_image *img, const char *spec, const char **path,
                     const char **tag)
{
    struct stat st;
    *path = st_arena_strdup(img->arena, spec);
    *tag = NULL;
    if (!*path)
        return ST_ENOMEM;
    if (stat(spec, &st) == 0)
        return 0;
    for (const char *c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
        char *p = st_arena_strndup(img->arena, spec, (size_t)(c - spec));
        if (!p)
            return ST_ENOMEM;
        if (c[1] && stat(p, &st) == 0) {
            *path = p;
            return (*tag = st_arena_strdup(img->arena, c + 1)) ? 0 : ST_ENOMEM;
        }
    }
    return 0;
}

static int open_archive(st_image *img, st_error **err)
{
    struct stat st;
    uint8_t magic[4] = {0};

    img->fd = open(img->info.path, O_RDONLY | O_CLOEXEC);
    if (img->fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "source", "%s: %s", img->info.path,
                            strerror(errno));
    if (fstat(img->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return st_error_set(err, ST_EINVALID, "source",
                            "%s: not a regular file", img->info.path);
    if (st.st_size >= 4 && st_pread_full(img->fd, magic, 4, 0) == 0 &&
        st_decomp_sniff(magic, 4) != ST_COMP_NONE)
        return st_error_set(err, ST_EUNSUPPORTED, "source",
                            "%s: compressed (%s) archive; decompress it "
                            "first (e.g. gunzip)",
                            img->info.path,
                            st_decomp_name(st_decomp_sniff(magic, 4)));
    return st_tarindex_build(&img->tar, img->fd, (uint64_t)st.st_size,
                             img->info.path, err);
}

static int open_layout_dir(st_image *img, st_error **err)
{
    img->fd = open(img->info.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (img->fd < 0)
        return st_error_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
                            "source", "%s: %s", img->info.path,
                            strerror(errno));
    return 0;
}

static bool looks_like_registry(const char *ref)
{
    const char *slash = strchr(ref, '/');
    /* host[:port]/repo[:tag|@digest], host with a dot or a port */
    if (!slash || ref[0] == '.' || ref[0] == '/')
        return false;
    for (const char *p = ref; p < slash; p++)
        if (*p == '.' || *p == ':')
            return true;
    return !strncmp(ref, "localhost/", 10);
}

int st_image_open(st_image **out, const char *ref,
                  const st_image_options *opts, st_error **err)
{
    st_image_options defaults = ST_IMAGE_OPTIONS_INIT;
    st_image *img = st_calloc(1, sizeof(*img));
    const char *spec, *path = NULL, *tag = NULL;
    struct stat st;
    int rc = 0;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!img || !(img->arena = st_arena_new())) {
        st_free(img);
        return st_error_set(err, ST_ENOMEM, "image", "out of memory");
    }
    img->fd = -1;
    img->max_json = opts->max_json_bytes ? opts->max_json_bytes
                                         : DEFAULT_MAX_JSON;
    img->info.ref = st_arena_strdup(img->arena, ref);

    if (has_prefix(ref, "docker-archive:", &spec)) {
        img->kind = ST_SRC_DOCKER_ARCHIVE;
    } else if (has_prefix(ref, "oci-archive:", &spec)) {
        img->kind = ST_SRC_OCI_ARCHIVE;
    } else if (has_prefix(ref, "oci:", &spec)) {
        img->kind = ST_SRC_OCI;
    } else if (has_prefix(ref, "dir:", &spec)) {
        img->kind = ST_SRC_DIR;
    } else if (has_prefix(ref, "registry:", &spec) ||
               has_prefix(ref, "docker://", &spec)) {
        img->kind = ST_SRC_REGISTRY;
        path = spec;
    } else {
        /* Detect. */
        spec = ref;
        if ((rc = split_tag(img, spec, &path, &tag)) < 0)
            goto oom;
        if (stat(path, &st) < 0) {
            /* Not a file: an image name ("debian:12", "host:5000/a/b"),
             * unless it looks like a path. A bare word stays a missing
             * file; docker://NAME pulls it. */
            if (errno == ENOENT && !strchr("./~", ref[0]) &&
                !st_str_endswith(ref, ".tar") &&
                (looks_like_registry(ref) || strchr(ref, ':') ||
                 strchr(ref, '@'))) {
                img->kind = ST_SRC_REGISTRY;
                path = ref;
                tag = NULL;
                goto opened;
            }
            rc = st_error_set(err, ST_ENOTFOUND, "source", "%s: %s", path,
                              strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            char p[4096];
            snprintf(p, sizeof(p), "%s/index.json", path);
            img->kind = access(p, F_OK) == 0 ? ST_SRC_OCI : ST_SRC_DIR;
        } else {
            img->info.path = path;
            if ((rc = open_archive(img, err)) < 0)
                goto done;
            if (st_tarindex_find(img->tar, "index.json") &&
                st_tarindex_find(img->tar, "oci-layout"))
                img->kind = ST_SRC_OCI_ARCHIVE;
            else if (st_tarindex_find(img->tar, "manifest.json"))
                img->kind = ST_SRC_DOCKER_ARCHIVE;
            else {
                rc = st_error_set(err, ST_EINVALID, "source",
                                  "%s: a tar archive, but neither a docker "
                                  "archive (no manifest.json) nor an OCI "
                                  "archive (no index.json and oci-layout)",
                                  path);
                goto done;
            }
        }
    }
opened:
    if (!path) {
        if (img->kind == ST_SRC_DIR) {
            path = st_arena_strdup(img->arena, spec);
            if (!path)
                goto oom;
        } else if ((rc = split_tag(img, spec, &path, &tag)) < 0)
            goto oom;
    }
    img->info.path = path;
    switch (img->kind) {
    case ST_SRC_DIR:
        img->info.source = "dir";
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
            rc = st_error_set(err, ST_ENOTFOUND, "source",
                              "%s: not a directory", path);
            goto done;
        }
        if (tag) {
            rc = st_error_set(err, ST_EUSAGE, "source",
                              "%s: a directory takes no tag", path);
            goto done;
        }
        break;
    case ST_SRC_OCI:
        img->info.source = "oci";
        if ((rc = open_layout_dir(img, err)) < 0 ||
            (rc = st_source__oci(img, tag, opts, err)) < 0)
            goto done;
        break;
    case ST_SRC_OCI_ARCHIVE:
        img->info.source = "oci-archive";
        if ((!img->tar && (rc = open_archive(img, err)) < 0) ||
            (rc = st_source__oci(img, tag, opts, err)) < 0)
            goto done;
        break;
    case ST_SRC_DOCKER_ARCHIVE:
        img->info.source = "docker-archive";
        if ((!img->tar && (rc = open_archive(img, err)) < 0) ||
            (rc = st_source__docker_archive(img, tag, err)) < 0)
            goto done;
        break;
    case ST_SRC_REGISTRY:
        img->info.source = "registry";
        img->sequential = true;
        if ((rc = st_source__registry(img, path, opts, err)) < 0)
            goto done;
        break;
    }
    if (opts->platform && img->kind != ST_SRC_DIR &&
        (rc = check_platform(img, opts->platform, err)) < 0)
        goto done;
    if ((opts->key_count || opts->require_signature) &&
        img->kind != ST_SRC_REGISTRY) {
        rc = st_error_set(err, opts->require_signature ? ST_ESIGNATURE
                                                       : ST_EUSAGE,
                          "image",
                          "%s: --key, --require-signature: only images in a "
                          "registry carry cosign signatures",
                          img->info.path);
        goto done;
    }
    *out = img;
    return 0;
oom:
    rc = st_error_set(err, ST_ENOMEM, "image", "out of memory");
done:
    st_image_free(img);
    return rc;
}
