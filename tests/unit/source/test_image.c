/* image: OCI layouts (nested indexes, platforms, tags, media types,
 * digests, sizes, malformed JSON), oci-archive and docker-archive, written
 * into temp dirs with digests computed by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"

static char empty_tar[1024];

static void write_file(const char *dir, const char *name, const void *d,
                       size_t n)
{
    char p[4096];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

static char *layout_new(void)
{
    char tmpl[] = "/tmp/st-image-XXXXXX", p[4096];
    char *dir = strdup(mkdtemp(tmpl));
    snprintf(p, sizeof(p), "%s/blobs", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
    mkdir(p, 0755);
    write_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    return dir;
}

static void rm_rf(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* Writes a blob; returns a descriptor JSON fragment (static buffer ring). */
static const char *blob(const char *dir, const char *mt, const void *d,
                        size_t n, const char *extra)
{
    static char ring[64][1024];
    static int k;
    char dig[72], name[128];
    char *out = ring[k++ % 64];
    st_sha256_hex(d, n, dig);
    snprintf(name, sizeof(name), "blobs/sha256/%s", dig + 7);
    write_file(dir, name, d, n);
    snprintf(out, 1024,
             "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s%s}", mt,
             dig, n, extra ? "," : "", extra ? extra : "");
    return out;
}

static const char *sblob(const char *dir, const char *mt, const char *s,
                         const char *extra)
{
    return blob(dir, mt, s, strlen(s), extra);
}

/* A manifest for one empty layer and a config of the given architecture.
 * ndiff diff_ids (normally 1); layer_mt/config_mt override media types. */
static const char *image(const char *dir, const char *arch,
                         const char *layer_mt, const char *config_mt,
                         int ndiff, const char *extra)
{
    char cfg[1024], man[2048], diff[72];
    const char *layer = blob(dir, layer_mt ? layer_mt : MT_LAYER, empty_tar,
                             sizeof(empty_tar), NULL);
    st_sha256_hex(empty_tar, sizeof(empty_tar), diff);
    /* "arm/v7": architecture and variant */
    const char *slash = strchr(arch, '/');
    snprintf(cfg, sizeof(cfg),
             "{\"architecture\":\"%.*s\",%s%s%s\"os\":\"linux\",\"rootfs\":"
             "{\"type\":\"layers\",\"diff_ids\":[\"%s\"%s%s%s]}}",
             slash ? (int)(slash - arch) : (int)strlen(arch), arch,
             slash ? "\"variant\":\"" : "", slash ? slash + 1 : "",
             slash ? "\"," : "", diff, ndiff > 1 ? ",\"" : "",
             ndiff > 1 ? diff : "", ndiff > 1 ? "\"" : "");
    if (ndiff == 0)
        snprintf(cfg, sizeof(cfg),
                 "{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{"
                 "\"type\":\"layers\",\"diff_ids\":[]}}",
                 arch);
    snprintf(man, sizeof(man),
             "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
             "\",\"config\":%s,\"layers\":[%s]}",
             sblob(dir, config_mt ? config_mt : MT_CONFIG, cfg, NULL), layer);
    return sblob(dir, MT_MANIFEST, man, extra);
}

static void index_json(const char *dir, const char *manifests)
{
    char idx[8192];
    snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}",
             manifests);
    write_file(dir, "index.json", idx, strlen(idx));
}

/* Opens ref; returns rc; *msg gets the formatted error (or NULL). */
static int open_ref(const char *ref, const char *platform, char **arch,
                    char **msg)
{
    st_image_options o = ST_IMAGE_OPTIONS_INIT;
    st_image *img = NULL;
    st_error *err = NULL;
    int rc;
    o.platform = platform;
    rc = st_image_open(&img, ref, &o, &err);
    *msg = err ? st_error_format(err) : NULL;
    *arch = NULL;
    if (rc == 0) {
        const st_image_info *i = st_image_get_info(img);
        *arch = strdup(i->architecture);
        assert_non_null(i->config_digest);
        assert_int_equal(i->layer_count, 1);
        /* the layers verify too */
        st_result *r = NULL;
        assert_int_equal(st_scan_image(&r, img, NULL, NULL), 0);
        st_result_free(r);
    }
    st_error_free(err);
    st_image_free(img);
    return rc;
}

static void expect(const char *ref, const char *platform, int rc,
                   const char *arch_or_needle)
{
    char *arch, *msg;
    int got = open_ref(ref, platform, &arch, &msg);
    if (got != rc)
        fail_msg("%s (%s): rc %d, want %d (%s)", ref,
                 platform ? platform : "host", got, rc, msg ? msg : "");
    if (rc == 0) {
        assert_string_equal(arch, arch_or_needle);
    } else if (!msg || !strstr(msg, arch_or_needle)) {
        fail_msg("%s: message \"%s\" lacks \"%s\"", ref, msg ? msg : "",
                 arch_or_needle);
    }
    free(arch);
    st_free(msg);
}

static void test_image__platforms_nested_index(void **state)
{
    (void)state;
    char *dir = layout_new(), ref[4200], inner[4096];
    const char *amd = image(dir, "amd64", NULL, NULL, 1,
                            "\"platform\":{\"architecture\":\"amd64\","
                            "\"os\":\"linux\"}");
    const char *arm64 = image(dir, "arm64", NULL, NULL, 1,
                              "\"platform\":{\"architecture\":\"arm64\","
                              "\"os\":\"linux\"}");
    const char *armv7 = image(dir, "arm/v7", NULL, NULL, 1,
                              "\"platform\":{\"architecture\":\"arm\","
                              "\"os\":\"linux\",\"variant\":\"v7\"}");
    const char *att = image(dir, "unknown", NULL, NULL, 1,
                            "\"platform\":{\"architecture\":\"unknown\","
                            "\"os\":\"unknown\"}");
    snprintf(inner, sizeof(inner),
             "{\"schemaVersion\":2,\"mediaType\":\"" MT_INDEX
             "\",\"manifests\":[%s,%s,%s,%s]}",
             att, amd, arm64, armv7);
    index_json(dir, sblob(dir, MT_INDEX, inner, NULL));
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, "linux/amd64", 0, "amd64");
    expect(ref, "linux/arm64", 0, "arm64");
    expect(ref, "linux/arm64/v8", 0, "arm64"); /* no variant: v8 */
    expect(ref, "linux/arm/v7", 0, "arm");
    expect(ref, "linux/arm/v6", ST_ENOTFOUND, "linux/arm/v6");
    expect(ref, "linux/s390x", ST_ENOTFOUND,
           "available: linux/amd64, linux/arm64, linux/arm/v7)");
    expect(ref, "windows/amd64", ST_ENOTFOUND, "no image for platform");
    expect(ref, "linux", ST_EUSAGE, "os/arch");
    expect(ref, NULL, 0, "amd64"); /* the host (x86_64 here) */
    rm_rf(dir);
}

/* The index labels an image linux/arm/v7 and its config names no variant
 * (older docker builds): picking it with --platform linux/arm/v7 must
 * work. check_platform in image.c only lets a config without a variant
 * match "v8". */
static void test_image__platform_config_without_variant(void **state)
{
    (void)state;
    char *dir = layout_new(), ref[4200], inner[4096];
    const char *amd = image(dir, "amd64", NULL, NULL, 1,
                            "\"platform\":{\"architecture\":\"amd64\","
                            "\"os\":\"linux\"}");
    const char *armv7 = image(dir, "arm", NULL, NULL, 1,
                              "\"platform\":{\"architecture\":\"arm\","
                              "\"os\":\"linux\",\"variant\":\"v7\"}");
    snprintf(inner, sizeof(inner), "%s,%s", amd, armv7);
    index_json(dir, inner);
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, "linux/arm/v7", 0, "arm");
    rm_rf(dir);
}

static void test_image__tags(void **state)
{
    (void)state;
    char *dir = layout_new(), ref[4200], ms[4096];
    const char *a = image(dir, "amd64", NULL, NULL, 1,
                          "\"annotations\":{\"org.opencontainers.image.ref."
                          "name\":\"a\"}");
    const char *b = image(dir, "arm64", NULL, NULL, 1,
                          "\"annotations\":{\"org.opencontainers.image.ref."
                          "name\":\"b\"}");
    snprintf(ms, sizeof(ms), "%s,%s", a, b);
    index_json(dir, ms);
    snprintf(ref, sizeof(ref), "oci:%s:b", dir);
    expect(ref, NULL, 0, "arm64");
    snprintf(ref, sizeof(ref), "oci:%s:a", dir);
    expect(ref, NULL, 0, "amd64");
    snprintf(ref, sizeof(ref), "oci:%s:zzz", dir);
    expect(ref, NULL, ST_ENOTFOUND, "no image tagged \"zzz\" (tags: a, b)");
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EUSAGE, "holds 2 images");
    /* detection without a prefix */
    snprintf(ref, sizeof(ref), "%s:b", dir);
    expect(ref, NULL, 0, "arm64");
    rm_rf(dir);
}

static void test_image__media_types(void **state)
{
    (void)state;
    char ref[4200];
    char *dir = layout_new();
    index_json(dir, image(dir, "amd64",
                          "application/vnd.oci.image.layer.v1.tar+bzip2",
                          NULL, 1, NULL));
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EUNSUPPORTED,
           "\"application/vnd.oci.image.layer.v1.tar+bzip2\"");
    rm_rf(dir);

    dir = layout_new();
    index_json(dir, image(dir, "amd64", NULL,
                          "application/vnd.cncf.helm.config.v1+json", 1,
                          NULL));
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EUNSUPPORTED,
           "\"application/vnd.cncf.helm.config.v1+json\" (not a container");
    rm_rf(dir);

    /* a docker media type on the descriptor, OCI in the manifest */
    dir = layout_new();
    {
        char d[2048];
        snprintf(d, sizeof(d), "%s", image(dir, "amd64", NULL, NULL, 1, NULL));
        char *mt = strstr(d, MT_MANIFEST);
        char fixed[2048];
        snprintf(fixed, sizeof(fixed), "%.*s%s%s", (int)(mt - d), d,
                 "application/vnd.docker.distribution.manifest.v2+json",
                 mt + strlen(MT_MANIFEST));
        index_json(dir, fixed);
    }
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EINVALID, "differs from its descriptor");
    rm_rf(dir);
}

static void test_image__digests_and_sizes(void **state)
{
    (void)state;
    char ref[4200], d[2048], path[4400];
    char *dir = layout_new();
    FILE *f;

    /* the manifest blob is changed after its digest was taken */
    snprintf(d, sizeof(d), "%s", image(dir, "amd64", NULL, NULL, 1, NULL));
    index_json(dir, d);
    {
        char *dg = strstr(d, "sha256:");
        snprintf(path, sizeof(path), "%s/blobs/sha256/%.64s", dir, dg + 7);
        f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        fputc(' ', f); /* still valid JSON */
        fclose(f);
    }
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EDIGEST, "does not match its digest");
    rm_rf(dir);

    /* the descriptor's size is wrong, the digest right */
    dir = layout_new();
    snprintf(d, sizeof(d), "%s", image(dir, "amd64", NULL, NULL, 1, NULL));
    {
        char *sz = strstr(d, "\"size\":");
        char fixed[2048];
        snprintf(fixed, sizeof(fixed), "%.*s\"size\":1}", (int)(sz - d), d);
        index_json(dir, fixed);
    }
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EDIGEST, "descriptor says 1");
    rm_rf(dir);

    /* diff_ids do not match the layers */
    dir = layout_new();
    index_json(dir, image(dir, "amd64", NULL, NULL, 2, NULL));
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EINVALID, "lists 2 diff_ids but the manifest has 1");
    rm_rf(dir);
    dir = layout_new();
    index_json(dir, image(dir, "amd64", NULL, NULL, 0, NULL));
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_EINVALID, "lists 0 diff_ids");
    rm_rf(dir);

    /* a descriptor pointing at a missing blob */
    dir = layout_new();
    index_json(dir, "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:"
                    "0000000000000000000000000000000000000000000000000000000"
                    "000000000\",\"size\":2}");
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    expect(ref, NULL, ST_ENOTFOUND, "blobs/sha256/0000");
    index_json(dir, "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":"
                    "\"sha256:../../etc/passwd\",\"size\":2}");
    expect(ref, NULL, ST_EINVALID, "invalid digest");
    rm_rf(dir);
}

static void test_image__malformed_json(void **state)
{
    (void)state;
    char ref[4200];
    char *dir = layout_new();
    snprintf(ref, sizeof(ref), "oci:%s", dir);
    {
        static const char j[] = "{\"schemaVersion\":2,\n\"manifests\":[,]}";
        write_file(dir, "index.json", j, strlen(j));
    }
    expect(ref, NULL, ST_EINVALID, "index.json: line 2");
    {
        static const char j[] =
            "{\"schemaVersion\":2,\n\"manifests\":[],\n\"manifests\":[]}";
        write_file(dir, "index.json", j, strlen(j));
    }
    expect(ref, NULL, ST_EINVALID, "index.json: line 3");
    index_json(dir, "");
    expect(ref, NULL, ST_EINVALID, "lists no manifests");
    /* duplicate keys inside a manifest */
    index_json(dir, sblob(dir, MT_MANIFEST,
                          "{\"schemaVersion\":2,\"config\":{},\"config\":{},"
                          "\"layers\":[]}",
                          NULL));
    expect(ref, NULL, ST_EINVALID, "duplicate");
    rm_rf(dir);
}

/* ---- archives ----------------------------------------------------------- */

static la_ssize_t to_file(struct archive *a, void *p, const void *b, size_t n)
{
    (void)a;
    return (la_ssize_t)fwrite(b, 1, n, p);
}

static void ar_add(struct archive *a, const char *name, const void *d,
                   size_t n)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    if (n)
        assert_int_equal(archive_write_data(a, d, n), (la_ssize_t)n);
    archive_entry_free(e);
}

static void test_image__docker_archive_two_images(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/st-image-XXXXXX", path[4200], ref[4300];
    char cfg[2][512], cname[2][80], diff[72], man[1024];
    const char *arch[2] = {"amd64", "arm64"};
    struct archive *a = archive_write_new();
    FILE *f;
    char *dir = strdup(mkdtemp(tmpl));

    snprintf(path, sizeof(path), "%s/img.tar", dir);
    f = fopen(path, "wb");
    st_sha256_hex(empty_tar, sizeof(empty_tar), diff);
    for (int i = 0; i < 2; i++) {
        char d[72];
        snprintf(cfg[i], sizeof(cfg[i]),
                 "{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{"
                 "\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                 arch[i], diff);
        st_sha256_hex(cfg[i], strlen(cfg[i]), d);
        snprintf(cname[i], sizeof(cname[i]), "%s.json", d + 7);
    }
    snprintf(man, sizeof(man),
             "[{\"Config\":\"%s\",\"RepoTags\":[\"r/a:one\"],\"Layers\":["
             "\"%s.tar\"]},{\"Config\":\"%s\",\"RepoTags\":[\"r/b:two\","
             "\"r/b:latest\"],\"Layers\":[\"%s.tar\"]}]",
             cname[0], diff + 7, cname[1], diff + 7);
    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, f, NULL, to_file, NULL);
    ar_add(a, "manifest.json", man, strlen(man));
    ar_add(a, cname[0], cfg[0], strlen(cfg[0]));
    ar_add(a, cname[1], cfg[1], strlen(cfg[1]));
    {
        char lname[80];
        snprintf(lname, sizeof(lname), "%s.tar", diff + 7);
        ar_add(a, lname, empty_tar, sizeof(empty_tar));
    }
    archive_write_close(a);
    archive_write_free(a);
    fclose(f);

    snprintf(ref, sizeof(ref), "docker-archive:%s", path);
    expect(ref, NULL, ST_EUSAGE, "holds 2 images");
    snprintf(ref, sizeof(ref), "docker-archive:%s:two", path);
    expect(ref, NULL, 0, "arm64");
    snprintf(ref, sizeof(ref), "docker-archive:%s:one", path);
    expect(ref, NULL, 0, "amd64");
    snprintf(ref, sizeof(ref), "%s:latest", path); /* detected */
    expect(ref, NULL, 0, "arm64");
    snprintf(ref, sizeof(ref), "docker-archive:%s:three", path);
    expect(ref, NULL, ST_ENOTFOUND, "no image tagged \"three\"");
    {
        st_image *img = NULL;
        snprintf(ref, sizeof(ref), "docker-archive:%s:two", path);
        assert_int_equal(st_image_open(&img, ref, NULL, NULL), 0);
        const st_image_info *i = st_image_get_info(img);
        assert_string_equal(i->source, "docker-archive");
        assert_int_equal(i->repo_tag_count, 2);
        assert_string_equal(i->repo_tags[0], "r/b:two");
        assert_string_equal(i->layers[0].diff_id, diff);
        assert_null(i->manifest_digest);
        st_image_free(img);
    }
    rm_rf(dir);
}

/* skopeo's syntax, docker-archive:PATH:REPO:TAG, names an image by its
 * full RepoTag; docker.c matches full tags, but the reference parser splits
 * at the last ':' only, so the path becomes "PATH:REPO" and is not found. */
static void test_image__docker_archive_repo_tag(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/st-image-XXXXXX", path[4200], ref[4300];
    char cfg[512], cname[80], diff[72], man[1024], d[72], lname[80];
    struct archive *a = archive_write_new();
    char *dir = strdup(mkdtemp(tmpl));
    FILE *f;

    snprintf(path, sizeof(path), "%s/img.tar", dir);
    f = fopen(path, "wb");
    st_sha256_hex(empty_tar, sizeof(empty_tar), diff);
    snprintf(cfg, sizeof(cfg),
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{"
             "\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", diff);
    st_sha256_hex(cfg, strlen(cfg), d);
    snprintf(cname, sizeof(cname), "%s.json", d + 7);
    snprintf(lname, sizeof(lname), "%s.tar", diff + 7);
    snprintf(man, sizeof(man),
             "[{\"Config\":\"%s\",\"RepoTags\":[\"docker.io/r/a:one\"],"
             "\"Layers\":[\"%s\"]},{\"Config\":\"%s\",\"RepoTags\":["
             "\"docker.io/r/b:one\"],\"Layers\":[\"%s\"]}]",
             cname, lname, cname, lname);
    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, f, NULL, to_file, NULL);
    ar_add(a, "manifest.json", man, strlen(man));
    ar_add(a, cname, cfg, strlen(cfg));
    ar_add(a, lname, empty_tar, sizeof(empty_tar));
    archive_write_close(a);
    archive_write_free(a);
    fclose(f);
    snprintf(ref, sizeof(ref), "docker-archive:%s:docker.io/r/b:one", path);
    expect(ref, NULL, 0, "amd64");
    rm_rf(dir);
}

static void test_image__oci_archive(void **state)
{
    (void)state;
    char *dir = layout_new(), path[4200], ref[4300], cmd[8600];
    index_json(dir, image(dir, "arm64", NULL, NULL, 1,
                          "\"annotations\":{\"org.opencontainers.image.ref."
                          "name\":\"v1\"}"));
    snprintf(path, sizeof(path), "%s.tar", dir);
    snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' oci-layout index.json "
             "blobs", dir, path);
    assert_int_equal(system(cmd), 0);
    snprintf(ref, sizeof(ref), "oci-archive:%s", path);
    expect(ref, NULL, 0, "arm64");
    snprintf(ref, sizeof(ref), "oci-archive:%s:v1", path);
    expect(ref, NULL, 0, "arm64");
    snprintf(ref, sizeof(ref), "%s", path);
    expect(ref, NULL, 0, "arm64");
    unlink(path);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image__platforms_nested_index),
        cmocka_unit_test(test_image__platform_config_without_variant),
        cmocka_unit_test(test_image__tags),
        cmocka_unit_test(test_image__media_types),
        cmocka_unit_test(test_image__digests_and_sizes),
        cmocka_unit_test(test_image__malformed_json),
        cmocka_unit_test(test_image__docker_archive_two_images),
        cmocka_unit_test(test_image__docker_archive_repo_tag),
        cmocka_unit_test(test_image__oci_archive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
