/* The image config analyzer (--scanners config) on images written here: an
 * OCI layout with one empty layer and a config JSON made by hand for each
 * case, scanned through the public API as `strata image` does. Each case
 * lists the findings it must give, "check path", sorted. Real images are
 * tests/integration/config_image.sh's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "strata/config.h"
#include "strata/image.h"
#include "strata/scan.h"
#include "util/util.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_LAYER    "application/vnd.oci.image.layer.v1.tar"

static char empty_tar[1024];

static void
write_file(const char *dir, const char *name, const void *d, size_t n)
{
    char p[4096];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_non_null(f = fopen(p, "wb"));
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

/* Writes a blob; its descriptor into out. */
static void blob(const char *dir,
                 const char *mt,
                 const void *d,
                 size_t n,
                 char *out,
                 size_t size)
{
    char dig[72], name[128];
    st_sha256_hex(d, n, dig);
    snprintf(name, sizeof(name), "blobs/sha256/%s", dig + 7);
    write_file(dir, name, d, n);
    snprintf(out, size, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}",
             mt, dig, n);
}

/* An OCI layout whose image has `config` ("config":{…} of the config
 * JSON, or "" for none) and one empty layer. Returns the directory. */
static char *layout(const char *config)
{
    char tmpl[] = "/tmp/st-imgcfg-XXXXXX", p[4200], cfg[8192], man[4096],
         dl[512], dc[512], dm[512], idx[1024], diff[72];
    char *dir = strdup(mkdtemp(tmpl));

    snprintf(p, sizeof(p), "%s/blobs", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
    mkdir(p, 0755);
    write_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    blob(dir, MT_LAYER, empty_tar, sizeof(empty_tar), dl, sizeof(dl));
    st_sha256_hex(empty_tar, sizeof(empty_tar), diff);
    snprintf(cfg, sizeof(cfg),
             "{\"architecture\":\"amd64\",\"os\":\"linux\",%s%s"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
             config, *config ? "," : "", diff);
    blob(dir, MT_CONFIG, cfg, strlen(cfg), dc, sizeof(dc));
    snprintf(man, sizeof(man),
             "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
             "\",\"config\":%s,\"layers\":[%s]}",
             dc, dl);
    blob(dir, MT_MANIFEST, man, strlen(man), dm, sizeof(dm));
    snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}", dm);
    write_file(dir, "index.json", idx, strlen(idx));
    return dir;
}

static void rm_rf(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static st_result *scan(const char *ref, unsigned scanners)
{
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    st_image_options io = ST_IMAGE_OPTIONS_INIT;
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;

    so.scanners = scanners;
    if (st_image_open(&img, ref, &io, &err) < 0 ||
        st_scan_image(&r, img, &so, &err) < 0)
        fail_msg("%s: %s", ref, st_error_message(err));
    st_image_free(img);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "check path, check path" of the config findings, sorted. */
static char *config_findings(const st_result *r)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    char *items[64];
    size_t n = 0;

    for (size_t i = 0; i < st_result_finding_count(r) && n < 64; i++) {
        const st_finding *f = st_result_finding(r, i);
        char one[256];
        if (f->kind != ST_FINDING_CONFIG)
            continue;
        snprintf(one, sizeof(one), "%s %s", f->id, f->path ? f->path : "-");
        items[n++] = st_strdup(one);
    }
    qsort(items, n, sizeof(*items), cmp_str);
    for (size_t i = 0; i < n; i++) {
        st_buf_printf(&b, "%s%s", i ? ", " : "", items[i]);
        st_free(items[i]);
    }
    return st_buf_detach(&b, NULL);
}

static void test_imageconfig__cases(void **state)
{
    static const struct {
        const char *config, *want;
    } cases[] = {
        /* a hardened image: nothing to say */
        {"\"config\":{\"User\":\"10001:10001\",\"ExposedPorts\":"
         "{\"8080/tcp\":{}},\"Env\":[\"PATH=/usr/bin\","
         "\"DB_PASSWORD_FILE=/run/secrets/db\",\"TOKEN_URL=https://x\"],"
         "\"Entrypoint\":[\"/app\"],\"Cmd\":[\"serve\"],"
         "\"Healthcheck\":{\"Test\":[\"CMD\",\"/app\",\"health\"]}}",
         ""},
        /* no config at all: root, no health check */
        {"", "image-no-healthcheck config.Healthcheck, "
             "image-user-root config.User"},
        {"\"config\":{\"User\":\"root\",\"ExposedPorts\":{\"22/tcp\":{},"
         "\"80/tcp\":{},\"2375/tcp\":{},\"5901/tcp\":{},\"8443/tcp\":{}},"
         "\"Env\":[\"MYSQL_ROOT_PASSWORD=example-pw\",\"API_TOKEN=\","
         "\"GITHUB_TOKEN=$GH\"],"
         "\"Cmd\":[\"/bin/sh\",\"-c\",\"nginx -g 'daemon off;'\"],"
         "\"Healthcheck\":{\"Test\":[\"NONE\"]}}",
         "image-env-secret MYSQL_ROOT_PASSWORD, "
         "image-no-healthcheck config.Healthcheck, "
         "image-port-privileged config.ExposedPorts[80/tcp], "
         "image-port-remote-admin config.ExposedPorts[22/tcp], "
         "image-port-remote-admin config.ExposedPorts[2375/tcp], "
         "image-port-remote-admin config.ExposedPorts[5901/tcp], "
         "image-shell-form config.Cmd, image-user-root config.User"},
        /* the shell form in Entrypoint wins over Cmd; User 0:0 is root */
        {"\"config\":{\"User\":\"0:0\",\"Entrypoint\":[\"/bin/sh\",\"-c\","
         "\"exec app\"],\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"],"
         "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"]}}",
         "image-shell-form config.Entrypoint, image-user-root config.User"},
        /* an exec Entrypoint makes Cmd its arguments */
        {"\"config\":{\"User\":\"app\",\"Entrypoint\":[\"tini\",\"--\"],"
         "\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"],"
         "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}",
         ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *dir = layout(cases[i].config), ref[4200];
        st_result *r;
        char *got;
        snprintf(ref, sizeof(ref), "oci:%s", dir);
        r = scan(ref, ST_SCANNER_CONFIG);
        got = config_findings(r);
        if (strcmp(got, cases[i].want)) {
            fprintf(stderr, "case %zu\nwant: %s\ngot:  %s\n", i, cases[i].want,
                    got);
            fail();
        }
        st_free(got);
        st_result_free(r);
        rm_rf(dir);
    }
}

/* The findings carry the check's metadata from image.yaml. */
static void test_imageconfig__metadata(void **state)
{
    char *dir = layout("\"config\":{\"Env\":[\"DB_PASSWORD=hunter22\"]}");
    char ref[4200];
    st_result *r;
    st_config_checks *list = NULL;
    size_t seen = 0;
    (void)state;

    snprintf(ref, sizeof(ref), "oci:%s", dir);
    r = scan(ref, ST_SCANNER_CONFIG);
    assert_int_equal(st_config_list_checks(&list, NULL, NULL), 0);
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        const st_config_check *k = NULL;
        for (size_t j = 0; j < st_config_checks_count(list); j++)
            if (!strcmp(st_config_checks_get(list, j)->id, f->id))
                k = st_config_checks_get(list, j);
        assert_non_null(k);
        assert_string_equal(f->title, k->title);
        assert_string_equal(f->severity, k->severity);
        assert_string_equal(f->remediation, k->remediation);
        assert_int_equal(f->tag_count, k->tag_count);
        for (size_t t = 0; t < f->tag_count; t++)
            assert_string_equal(f->tags[t], k->tags[t]);
        assert_string_equal(f->category, "image");
        assert_int_equal(f->layer_index, -1);
        if (!strcmp(f->id, "image-env-secret")) {
            assert_int_equal(f->origin, ST_ORIGIN_ENV);
            assert_string_equal(f->path, "DB_PASSWORD");
            /* the value is not repeated */
            assert_null(strstr(f->detail, "hunter22"));
            assert_string_equal(f->tags[0], "cis-docker:4.10");
        } else {
            assert_int_equal(f->origin, ST_ORIGIN_FILE);
        }
        seen++;
    }
    assert_int_equal(seen, 3); /* user, health check, env */
    /* without the scanner: no config findings */
    st_result_free(r);
    r = scan(ref, 0);
    {
        char *got = config_findings(r);
        assert_string_equal(got, "");
        st_free(got);
    }
    st_config_checks_free(list);
    st_result_free(r);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imageconfig__cases),
        cmocka_unit_test(test_imageconfig__metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
