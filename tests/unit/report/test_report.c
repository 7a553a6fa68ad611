/* Report writers: a result built by hand is written in every format to a
 * memory stream and read back; the JSON ones are parsed with jansson and
 * checked field by field (shape, null vs value, determinism, identifiers
 * the SBOM specs constrain). With ST_REPORT_DUMP=DIR set, the SBOMs of the
 * hand-made result are also written to DIR for an external validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "inventory/result_int.h"
#include "report/report_int.h"
#include "strata/report.h"
#include "util/util.h"
#include "util/banned.h"

#define SCHEMAS ST_TEST_DATA "/../schemas/"
#define T0 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */

/* ---- a hand-made result -------------------------------------------------- */

static const char *const tags[] = {"docker.io/Library/Debian:12"};
static const st_layer_info layers[] = {
    {"sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "application/vnd.oci.image.layer.v1.tar+gzip", 1234, "ADD rootfs /"},
    {"sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     NULL, -1, NULL},
};

static st_package *add(st_result *r, const char *type, const char *name,
                       const char *version, const char *arch, int layer)
{
    st_package *p = st_result__add_package(r);

    assert_non_null(p);
    p->type = type;
    p->name = name;
    p->version = version;
    p->arch = arch;
    p->layer_index = layer;
    p->layer_diff_id = layer >= 0 ? layers[layer].diff_id : NULL;
    return p;
}

static void add_diag(st_result *r, st_diag_level level, const char *path,
                     int layer, const char *msg)
{
    st_diagnostic *d = st_arena_alloc(r->arena, sizeof(*d));

    assert_non_null(d);
    d->level = level;
    d->analyzer = "dpkg";
    d->path = path;
    d->layer_index = layer;
    d->message = msg;
    assert_int_equal(st_vec_push(&r->diags, d), 0);
}

/* with_manifest: an OCI image (manifest digest known) rather than a docker
 * archive. extra: one more package, to see identifiers change. */
static st_result *make_result(bool with_manifest, bool extra)
{
    st_result *r = st_result__new();
    st_image_info img;
    st_package *p;

    assert_non_null(r);
    memset(&img, 0, sizeof(img));
    img.ref = "docker-archive:debian.tar";
    img.source = "docker-archive";
    img.path = "debian.tar";
    img.manifest_digest =
        with_manifest ? "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
                      : NULL;
    img.config_digest =
        "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    img.os = "linux";
    img.architecture = "amd64";
    img.created = "2024-01-01T00:00:00Z";
    img.repo_tag_count = 1;
    img.repo_tags = tags;
    img.layer_count = 2;
    img.layers = layers;
    assert_int_equal(st_result__set_image(r, &img), 0);

    r->os.family = "debian";
    r->os.id = "debian";
    r->os.version_id = "12";
    r->os.version = "12.8";
    r->os.codename = "bookworm";
    r->os.pretty_name = "Debian GNU/Linux 12 (bookworm)";

    p = add(r, "deb", "bash", "5.2.15-2+b7", "amd64", 0);
    p->source_name = "bash";
    p->source_version = "5.2.15-2";
    p->license = "GPL-3+";
    p->maintainer = "Matthias Klose <doko@debian.org>";
    p->found_in = "/var/lib/dpkg/status";
    p->file_count = 113;
    p = add(r, "deb", "libc6", "2.36-9+deb12u9", "amd64", 0);
    p->source_name = "glibc";
    p->source_version = "2.36-9+deb12u9";
    p->license = "LGPL-2.1-or-later";
    p->found_in = "/var/lib/dpkg/status";
    /* The same npm package in two lockfiles: two entries, one purl. */
    p = add(r, "npm", "lodash", "4.17.15", NULL, 1);
    p->license = "MIT";
    p->found_in = "/app/a/package-lock.json";
    p = add(r, "npm", "lodash", "4.17.15", NULL, 1);
    p->license = "MIT";
    p->found_in = "/app/b/package-lock.json";
    /* A hostile name: characters SPDX ids and terminals must not see. */
    p = add(r, "npm", "@scope/we_ird\x1b[31mname", "1.0.0", NULL, 1);
    p->found_in = "/app/c/package-lock.json";
    if (extra) {
        p = add(r, "deb", "zlib1g", "1:1.2.13.dfsg-1", "amd64", 0);
        p->source_name = "zlib";
    }
    assert_int_equal(st_result__finish(r), 0);

    add_diag(r, ST_DIAG_WARNING, "/var/lib/dpkg/status.d/broken", 0,
             "line 3: field without a name");
    add_diag(r, ST_DIAG_INFO, NULL, -1, "no package database");
    r->stats.layers = 2;
    r->stats.entries = 6721;
    r->stats.bytes_compressed = 1234;
    r->stats.bytes_uncompressed = 99999;
    r->stats.files_read = 7;
    return r;
}

/* ---- helpers ----------------------------------------------------------- */

/* Writes r in fmt to memory; returns the text (free with free) and the
 * writer's return code in *rc. */
static char *render_rc(const st_result *r, st_format fmt,
                       const st_report_options *o, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    st_error *err = NULL;

    assert_non_null(f);
    *rc = st_report_write(f, r, fmt, o, &err);
    assert_int_equal(fclose(f), 0);
    if (*rc < 0)
        assert_int_equal(st_error_code(err), *rc);
    st_error_free(err);
    return text;
}

static char *render(const st_result *r, st_format fmt,
                    const st_report_options *o)
{
    int rc;
    char *text = render_rc(r, fmt, o, &rc);

    assert_int_equal(rc, 0);
    assert_non_null(text);
    return text;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (!j)
        fail_msg("not JSON: line %d: %s\n%s", je.line, je.text, text);
    return j;
}

static st_report_options opts_at(time_t t)
{
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    o.timestamp = t;
    return o;
}

/* Writes text to $ST_REPORT_DUMP/name when that is set. */
static void dump(const char *name, const char *text)
{
    const char *dir = getenv("ST_REPORT_DUMP");
    char path[1024];
    FILE *f;

    if (!dir || !*dir)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static bool is_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx";

    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');

        if (shape[i] == '-' && c != '-')
            return false;
        if (shape[i] == 'x' && !hex)
            return false;
        if (shape[i] == '5' && c != '5')
            return false;
        if (shape[i] == 'y' && !strchr("89ab", c))
            return false;
    }
    return true;
}

/* ---- format names ---------------------------------------------------------- */

static void test_report__format_parse(void **state)
{
    static const struct {
        const char *name;
        int rc;
        st_format fmt;
    } cases[] = {
        {"table", 0, ST_FORMAT_TABLE},
        {"json", 0, ST_FORMAT_JSON},
        {"cyclonedx", 0, ST_FORMAT_CYCLONEDX},
        {"cyclonedx-json", 0, ST_FORMAT_CYCLONEDX},
        {"spdx-json", 0, ST_FORMAT_SPDX},
        {"spdx", 0, ST_FORMAT_SPDX},
        {"JSON", ST_EUSAGE, 0},
        {"", ST_EUSAGE, 0},
        {"sarif", 0, ST_FORMAT_SARIF},
        {"SARIF", ST_EUSAGE, 0},
        {"spdx-tag-value", ST_EUSAGE, 0},
    };
    st_format f;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f = (st_format)99;
        assert_int_equal(st_format_parse(&f, cases[i].name), cases[i].rc);
        if (cases[i].rc == 0)
            assert_int_equal(f, cases[i].fmt);
    }
    assert_int_equal(st_format_parse(&f, NULL), ST_EUSAGE);
}

static void test_report__bad_arguments(void **state)
{
    st_result *r = make_result(false, false);
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    st_error *err = NULL;

    (void)state;
    o.version = 99;
    assert_int_equal(st_report_write(stdout, r, ST_FORMAT_JSON, &o, &err),
                     ST_EUSAGE);
    st_error_free(err);
    assert_int_equal(st_report_write(stdout, r, (st_format)42, NULL, NULL),
                     ST_EUSAGE);
    assert_int_equal(st_report_write(NULL, r, ST_FORMAT_JSON, NULL, NULL),
                     ST_EUSAGE);
    st_result_free(r);
}

/* ---- json ------------------------------------------------------------------ */

static void assert_keys(const json_t *o, const char *const *want)
{
    const char *key;
    json_t *v;
    size_t i = 0;

    assert_true(json_is_object(o));
    json_object_foreach((json_t *)o, key, v) {
        (void)v;
        assert_non_null(want[i]);
        assert_string_equal(key, want[i]);
        i++;
    }
    assert_null(want[i]);
}

static void test_report__json_shape(void **state)
{
    static const char *const top[] = {"schema", "strata_version", "artifact",
                                      "os", "packages", "vulnerabilities",
                                      "diagnostics", "stats", "findings",
                                      NULL};
    static const char *const pkg[] = {
        "type", "name", "version", "epoch", "release", "arch",
        "source_name", "source_version", "source_rpm", "license",
        "maintainer", "purl", "found_in", "layer_index", "layer_diff_id",
        "file_count", "direct", "dev", NULL};
    static const char *const layer[] = {"index", "digest", "diff_id",
                                        "media_type", "size", "created_by",
                                        NULL};
    static const char *const diag[] = {"level", "analyzer", "path",
                                       "layer_index", "message", NULL};
    st_result *r = make_result(false, false);
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *a = render(r, ST_FORMAT_JSON, &o), *b;
    json_t *j = parse(a), *pkgs, *p, *l;

    (void)state;
    assert_true(!strncmp(a, "{\n  \"schema\": \"strata.scan/v1\",", 31));
    assert_keys(j, top);
    /* no findings: an empty array, never a missing key */
    assert_true(json_is_array(json_object_get(j, "vulnerabilities")));
    assert_int_equal(json_array_size(json_object_get(j, "vulnerabilities")), 0);
    assert_true(json_is_array(json_object_get(j, "findings")));
    assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "strata_version")),
                        st_version());

    /* artifact: absent strings are null, present ones kept */
    l = json_object_get(j, "artifact");
    assert_true(json_is_null(json_object_get(l, "manifest_digest")));
    assert_true(json_is_null(json_object_get(l, "variant")));
    assert_string_equal(json_string_value(json_object_get(l, "source")),
                        "docker-archive");
    assert_int_equal(json_array_size(json_object_get(l, "repo_tags")), 1);
    l = json_object_get(l, "layers");
    assert_int_equal(json_array_size(l), 2);
    assert_keys(json_array_get(l, 0), layer);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0),
                                                        "size")), 1234);
    assert_true(json_is_null(json_object_get(json_array_get(l, 1), "size")));
    assert_true(json_is_null(json_object_get(json_array_get(l, 1),
                                             "media_type")));
    assert_true(json_is_false(json_object_get(json_object_get(j, "os"),
                                              "distroless")));

    /* packages: sorted by finish, duplicates in two files both kept */
    pkgs = json_object_get(j, "packages");
    assert_int_equal(json_array_size(pkgs), st_result_package_count(r));
    assert_int_equal(json_array_size(pkgs), 5);
    for (size_t i = 0; i < json_array_size(pkgs); i++) {
        const st_package *sp = st_result_package(r, i);

        p = json_array_get(pkgs, i);
        assert_keys(p, pkg);
        assert_string_equal(json_string_value(json_object_get(p, "purl")),
                            sp->purl);
    }
    p = json_array_get(pkgs, 0);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "bash");
    assert_string_equal(json_string_value(json_object_get(p, "purl")),
                        "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&"
                        "distro=debian-12");
    assert_true(json_is_null(json_object_get(p, "epoch")));
    assert_true(json_is_null(json_object_get(p, "source_rpm")));
    assert_int_equal(json_integer_value(json_object_get(p, "layer_index")), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "file_count")), 113);
    /* the hostile name survives intact in JSON (escaped, not cleaned) */
    p = json_array_get(pkgs, 2);
    assert_string_equal(json_string_value(json_object_get(p, "name")),
                        "@scope/we_ird\x1b[31mname");

    l = json_object_get(j, "diagnostics");
    assert_int_equal(json_array_size(l), 2);
    assert_keys(json_array_get(l, 0), diag);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0),
                                                          "level")), "warning");
    assert_true(json_is_null(json_object_get(json_array_get(l, 1), "path")));
    assert_true(json_is_null(json_object_get(json_array_get(l, 1),
                                             "layer_index")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "stats"), "bytes_uncompressed")),
                     99999);

    /* stable: same bytes twice, even with another clock */
    o.timestamp = T0 + 1000;
    b = render(r, ST_FORMAT_JSON, &o);
    assert_string_equal(a, b);

    json_decref(j);
    free(a);
    free(b);
    st_result_free(r);
}

static void test_report__json_invalid_utf8(void **state)
{
    st_result *r = make_result(false, false);
    st_package *p = add(r, "npm", "bad\xff\xc3(name", "1", NULL, 1);
    char *text;
    json_t *j;

    (void)state;
    p->purl = "pkg:npm/bad";
    text = render(r, ST_FORMAT_JSON, NULL);
    j = parse(text);
    p = NULL;
    {
        json_t *pk = json_object_get(j, "packages");
        json_t *last = json_array_get(pk, json_array_size(pk) - 1);

        assert_string_equal(json_string_value(json_object_get(last, "name")),
                            "bad\xef\xbf\xbd\xef\xbf\xbd(name");
    }
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* ---- cyclonedx --------------------------------------------------------- */

static const char *prop_value(const json_t *c, const char *name)
{
    json_t *props = json_object_get(c, "properties"), *v;
    size_t i;

    json_array_foreach(props, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "name")), name))
            return json_string_value(json_object_get(v, "value"));
    }
    return NULL;
}

static void test_report__cyclonedx(void **state)
{
    st_result *r = make_result(true, false), *r2 = make_result(true, true);
    st_report_options o = opts_at(T0);
    char *a = render(r, ST_FORMAT_CYCLONEDX, &o);
    char *b = render(r, ST_FORMAT_CYCLONEDX, &o);
    char *c = render(r2, ST_FORMAT_CYCLONEDX, &o);
    json_t *j = parse(a), *j2 = parse(c), *comps, *meta, *v;
    const char *serial;
    size_t i;

    (void)state;
    dump("cyclonedx.json", a);
    assert_string_equal(a, b); /* deterministic */
    assert_string_equal(json_string_value(json_object_get(j, "bomFormat")),
                        "CycloneDX");
    assert_string_equal(json_string_value(json_object_get(j, "specVersion")),
                        "1.5");
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    serial = json_string_value(json_object_get(j, "serialNumber"));
    assert_non_null(serial);
    assert_true(!strncmp(serial, "urn:uuid:", 9));
    assert_true(is_uuid(serial + 9));
    /* another inventory, another serial */
    assert_string_not_equal(serial, json_string_value(json_object_get(
                                        j2, "serialNumber")));

    meta = json_object_get(j, "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "timestamp")),
                        "2024-01-01T00:00:00Z");
    v = json_array_get(json_object_get(json_object_get(meta, "tools"),
                                       "components"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "name")),
                        "strata");
    assert_string_equal(json_string_value(json_object_get(v, "version")),
                        st_version());
    v = json_object_get(meta, "component");
    assert_string_equal(json_string_value(json_object_get(v, "type")),
                        "container");
    assert_string_equal(json_string_value(json_object_get(v, "purl")),
                        "pkg:oci/debian@sha256%3Acccccccccccccccccccccccccccc"
                        "cccccccccccccccccccccccccccccccccccc?arch=amd64&"
                        "repository_url=docker.io/Library/Debian&tag=12");
    assert_string_equal(json_string_value(json_object_get(v, "bom-ref")),
                        json_string_value(json_object_get(v, "purl")));

    /* the OS, then one library per package, refs unique */
    comps = json_object_get(j, "components");
    assert_int_equal(json_array_size(comps), 1 + st_result_package_count(r));
    v = json_array_get(comps, 0);
    assert_string_equal(json_string_value(json_object_get(v, "type")),
                        "operating-system");
    assert_string_equal(json_string_value(json_object_get(v, "name")),
                        "debian");
    assert_string_equal(json_string_value(json_object_get(v, "version")),
                        "12");
    json_array_foreach(comps, i, v) {
        const char *ref = json_string_value(json_object_get(v, "bom-ref"));

        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(ref, json_string_value(json_object_get(
                                             json_array_get(comps, k),
                                             "bom-ref")));
        if (i == 0)
            continue;
        assert_string_equal(json_string_value(json_object_get(v, "type")),
                            "library");
        assert_string_equal(json_string_value(json_object_get(v, "purl")),
                            st_result_package(r, i - 1)->purl);
    }
    /* lodash twice: the second ref is disambiguated */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(comps, 4), "bom-ref")),
                        "pkg:npm/lodash@4.17.15");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(comps, 5), "bom-ref")),
                        "pkg:npm/lodash@4.17.15|2");
    assert_string_equal(prop_value(json_array_get(comps, 5),
                                   "strata:found_in"),
                        "/app/b/package-lock.json");
    /* licences: a known id is an id, anything else a name */
    v = json_array_get(comps, 1); /* bash, GPL-3+ */
    assert_string_equal(json_string_value(json_object_get(json_object_get(
                            json_array_get(json_object_get(v, "licenses"), 0),
                            "license"), "name")), "GPL-3+");
    assert_string_equal(prop_value(v, "strata:source_version"), "5.2.15-2");
    assert_string_equal(prop_value(v, "strata:layer_diff_id"),
                        layers[0].diff_id);
    v = json_array_get(comps, 2); /* libc6, LGPL-2.1-or-later */
    assert_string_equal(json_string_value(json_object_get(json_object_get(
                            json_array_get(json_object_get(v, "licenses"), 0),
                            "license"), "id")), "LGPL-2.1-or-later");
    assert_null(json_object_get(json_array_get(comps, 3), "licenses"));
    /* dependencies: the image on everything */
    v = json_array_get(json_object_get(j, "dependencies"), 0);
    assert_int_equal(json_array_size(json_object_get(v, "dependsOn")),
                     json_array_size(comps));

    json_decref(j);
    json_decref(j2);
    free(a);
    free(b);
    free(c);
    st_result_free(r);
    st_result_free(r2);
}

static void test_report__cyclonedx_docker_archive(void **state)
{
    st_result *r = make_result(false, false);
    char *a = render(r, ST_FORMAT_CYCLONEDX, NULL);
    json_t *j = parse(a), *c;

    (void)state;
    /* no manifest digest: no made-up purl, the config digest as version */
    c = json_object_get(json_object_get(j, "metadata"), "component");
    assert_null(json_object_get(c, "purl"));
    assert_string_equal(json_string_value(json_object_get(c, "version")),
                        st_result_image(r)->config_digest);
    assert_true(st_str_startswith(json_string_value(json_object_get(
                                      c, "bom-ref")), "strata:image:sha256:"));
    json_decref(j);
    free(a);
    st_result_free(r);
}

static void test_report__timestamp_source(void **state)
{
    st_result *r = make_result(false, false);
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *a;
    json_t *j;

    (void)state;
    assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1700000000", 1), 0);
    a = render(r, ST_FORMAT_CYCLONEDX, &o);
    j = parse(a);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "metadata"), "timestamp")),
                        "2023-11-14T22:13:20Z");
    json_decref(j);
    free(a);
    /* opts wins over the environment */
    o.timestamp = T0;
    a = render(r, ST_FORMAT_SPDX, &o);
    j = parse(a);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "creationInfo"), "created")),
                        "2024-01-01T00:00:00Z");
    json_decref(j);
    free(a);
    /* garbage in the environment: the clock, still RFC 3339 */
    assert_int_equal(setenv("SOURCE_DATE_EPOCH", "soon", 1), 0);
    o.timestamp = 0;
    a = render(r, ST_FORMAT_SPDX, &o);
    j = parse(a);
    assert_int_equal(strlen(json_string_value(json_object_get(
                         json_object_get(j, "creationInfo"), "created"))),
                     20);
    json_decref(j);
    free(a);
    unsetenv("SOURCE_DATE_EPOCH");
    st_result_free(r);
}

/* ---- spdx ---------------------------------------------------------------- */

static bool idstring(const char *s)
{
    if (strncmp(s, "SPDXRef-", 8) || !s[8])
        return false;
    for (s += 8; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
            return false;
    }
    return true;
}

static const json_t *find_package(const json_t *pkgs, const char *name)
{
    size_t i;
    json_t *v;

    json_array_foreach(pkgs, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "name")), name))
            return v;
    }
    return NULL;
}

static void test_report__spdx(void **state)
{
    st_result *r = make_result(true, false), *r2 = make_result(true, true);
    st_report_options o = opts_at(T0);
    char *a = render(r, ST_FORMAT_SPDX, &o), *b = render(r, ST_FORMAT_SPDX, &o);
    char *c = render(r2, ST_FORMAT_SPDX, &o);
    json_t *j = parse(a), *j2 = parse(c), *pkgs, *rels, *v;
    const json_t *p;
    const char *ns, *image_id = NULL;
    size_t i, contains = 0;

    (void)state;
    dump("spdx.json", a);
    assert_string_equal(a, b);
    assert_string_equal(json_string_value(json_object_get(j, "spdxVersion")),
                        "SPDX-2.3");
    assert_string_equal(json_string_value(json_object_get(j, "dataLicense")),
                        "CC0-1.0");
    assert_string_equal(json_string_value(json_object_get(j, "SPDXID")),
                        "SPDXRef-DOCUMENT");
    assert_string_equal(json_string_value(json_object_get(j, "name")),
                        "docker.io/Library/Debian:12");
    ns = json_string_value(json_object_get(j, "documentNamespace"));
    assert_true(st_str_startswith(
        ns, "https://strata.invalid/spdx/docker.io-Library-Debian-12-"));
    assert_true(is_uuid(ns + strlen(ns) - 36));
    assert_string_not_equal(ns, json_string_value(json_object_get(
                                    j2, "documentNamespace")));
    v = json_object_get(j, "creationInfo");
    assert_string_equal(json_string_value(json_object_get(v, "created")),
                        "2024-01-01T00:00:00Z");
    {
        char creator[64];

        snprintf(creator, sizeof(creator), "Tool: strata-%s", st_version());
        assert_string_equal(json_string_value(json_array_get(
                                json_object_get(v, "creators"), 0)),
                            creator);
    }

    /* the image, the OS, every package; ids valid and unique */
    pkgs = json_object_get(j, "packages");
    assert_int_equal(json_array_size(pkgs), 2 + st_result_package_count(r));
    json_array_foreach(pkgs, i, v) {
        const char *id = json_string_value(json_object_get(v, "SPDXID"));

        assert_true(idstring(id));
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(id, json_string_value(json_object_get(
                                            json_array_get(pkgs, k),
                                            "SPDXID")));
        assert_string_equal(json_string_value(json_object_get(
                                v, "downloadLocation")), "NOASSERTION");
        assert_true(json_is_false(json_object_get(v, "filesAnalyzed")));
    }
    v = json_array_get(pkgs, 0);
    assert_string_equal(json_string_value(json_object_get(
                            v, "primaryPackagePurpose")), "CONTAINER");
    image_id = json_string_value(json_object_get(v, "SPDXID"));
    v = json_array_get(pkgs, 1);
    assert_string_equal(json_string_value(json_object_get(
                            v, "primaryPackagePurpose")), "OPERATING_SYSTEM");

    p = find_package(pkgs, "@scope/we_ird\x1b[31mname");
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "SPDXID")),
                        "SPDXRef-Package-3--scope-we-ird--31mname");
    p = find_package(pkgs, "bash");
    assert_string_equal(json_string_value(json_object_get(p, "SPDXID")),
                        "SPDXRef-Package-1-bash");
    assert_string_equal(json_string_value(json_object_get(p, "versionInfo")),
                        "5.2.15-2+b7");
    assert_string_equal(json_string_value(json_object_get(
                            p, "licenseDeclared")), "NOASSERTION");
    assert_string_equal(json_string_value(json_object_get(
                            p, "licenseComments")), "declared as: GPL-3+");
    assert_string_equal(json_string_value(json_object_get(p, "supplier")),
                        "Organization: Matthias Klose (doko@debian.org)");
    assert_string_equal(json_string_value(json_object_get(p, "sourceInfo")),
                        "built package from: bash 5.2.15-2");
    v = json_array_get(json_object_get(p, "externalRefs"), 0);
    assert_string_equal(json_string_value(json_object_get(
                            v, "referenceCategory")), "PACKAGE-MANAGER");
    assert_string_equal(json_string_value(json_object_get(
                            v, "referenceType")), "purl");
    assert_string_equal(json_string_value(json_object_get(
                            v, "referenceLocator")),
                        st_result_package(r, 0)->purl);
    p = find_package(pkgs, "libc6");
    assert_string_equal(json_string_value(json_object_get(
                            p, "licenseDeclared")), "LGPL-2.1-or-later");
    assert_null(json_object_get(p, "supplier"));

    /* DOCUMENT DESCRIBES image; image CONTAINS every other package */
    rels = json_object_get(j, "relationships");
    v = json_array_get(rels, 0);
    assert_string_equal(json_string_value(json_object_get(v, "spdxElementId")),
                        "SPDXRef-DOCUMENT");
    assert_string_equal(json_string_value(json_object_get(
                            v, "relationshipType")), "DESCRIBES");
    assert_string_equal(json_string_value(json_object_get(
                            v, "relatedSpdxElement")), image_id);
    json_array_foreach(rels, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "relationshipType")),
                    "CONTAINS")) {
            assert_string_equal(json_string_value(json_object_get(
                                    v, "spdxElementId")), image_id);
            contains++;
        }
    }
    assert_int_equal(contains, json_array_size(pkgs) - 1);

    json_decref(j);
    json_decref(j2);
    free(a);
    free(b);
    free(c);
    st_result_free(r);
    st_result_free(r2);
}

/* ---- table --------------------------------------------------------------- */

static void test_report__table(void **state)
{
    st_result *r = make_result(true, false);
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *plain, *list, *color, *line, *save = NULL;
    size_t header_col = 0, rows = 0;

    (void)state;
    plain = render(r, ST_FORMAT_TABLE, &o);
    assert_non_null(strstr(plain, "Debian GNU/Linux 12 (bookworm)"));
    assert_non_null(strstr(plain, "Packages  5 (deb 2, npm 3)\n"));
    assert_non_null(strstr(plain, "Manifest  sha256:cccccccccccc\n"));
    assert_non_null(strstr(plain, "Layers    2\n"));
    assert_null(strstr(plain, "TYPE"));
    assert_null(strstr(plain, "Vulnerabilities")); /* not matched */
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(plain, "\nwarning: /var/lib/dpkg/status.d/broken "
                                  "(layer 0): line 3: field without a name\n"));
    assert_non_null(strstr(plain, "\ninfo: no package database\n"));

    o.list_packages = 1;
    list = render(r, ST_FORMAT_TABLE, &o);
    assert_null(strchr(list, '\033')); /* the hostile name was cleaned */
    assert_non_null(strstr(list, "@scope/we_ird?[31mname"));
    for (line = strtok_r(list, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);

        assert_true(n == 0 || line[n - 1] != ' '); /* no trailing spaces */
        if (st_str_startswith(line, "TYPE ")) {
            header_col = (size_t)(strstr(line, "VERSION") - line);
            continue;
        }
        if (header_col && (st_str_startswith(line, "deb ") ||
                           st_str_startswith(line, "npm "))) {
            /* VERSION column aligned under its header */
            assert_true(strlen(line) > header_col);
            assert_true(line[header_col - 1] == ' ');
            assert_true(line[header_col] != ' ');
            rows++;
        }
    }
    assert_int_equal(rows, 5);

    o.color = 1;
    color = render(r, ST_FORMAT_TABLE, &o);
    assert_non_null(strstr(color, "\033[1mTYPE"));
    assert_non_null(strstr(color, "\033[0m"));

    free(plain);
    free(list);
    free(color);
    st_result_free(r);
}

/* ---- helpers --------------------------------------------------------------- */

static void test_report__uuid5(void **state)
{
    char u[37];

    (void)state;
    /* Python: uuid.uuid5(uuid.NAMESPACE_URL, name) */
    assert_int_equal(st_report__uuid5(u, "strata"), 0);
    assert_string_equal(u, "87a992ee-b5f9-5b44-a9a4-6da045c36303");
    assert_int_equal(st_report__uuid5(u, "http://www.example.com/"), 0);
    assert_string_equal(u, "fcde3c85-2270-590f-9e7c-ee003d65e0e2");
}

static void test_report__spdx_ids_in_schema(void **state)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    json_t *schema, *ids;

    (void)state;
    assert_int_equal(st_read_file(&b, SCHEMAS "spdx.SNAPSHOT.schema.json",
                                  b.max, &err), 0);
    schema = parse(b.ptr);
    ids = json_object_get(schema, "enum");
    assert_true(json_array_size(ids) > 500);
    for (size_t i = 0; st_report__spdx_ids[i]; i++) {
        bool found = false;

        for (size_t k = 0; !found && k < json_array_size(ids); k++)
            found = !strcmp(json_string_value(json_array_get(ids, k)),
                            st_report__spdx_ids[i]);
        if (!found)
            fail_msg("%s is not in the CycloneDX SPDX id list",
                     st_report__spdx_ids[i]);
        assert_true(st_report__spdx_known(st_report__spdx_ids[i]));
    }
    assert_false(st_report__spdx_known("GPL-2+"));
    assert_false(st_report__spdx_known("MIT OR Apache-2.0"));
    assert_false(st_report__spdx_known("mit"));
    assert_false(st_report__spdx_known(NULL));
    json_decref(schema);
    st_buf_release(&b);
}

static void test_report__write_error(void **state)
{
    st_result *r = make_result(false, false);
    FILE *f = fopen("/dev/full", "w");
    st_error *err = NULL;

    (void)state;
    if (!f)
        skip();
    for (int fmt = ST_FORMAT_TABLE; fmt <= ST_FORMAT_SARIF; fmt++) {
        assert_int_equal(st_report_write(f, r, (st_format)fmt, NULL, &err),
                         ST_EIO);
        st_error_free(err);
        err = NULL;
        clearerr(f);
    }
    fclose(f);
    st_result_free(r);
}

/* Every allocation of every writer may fail: the writer returns ST_ENOMEM,
 * or recovers and writes exactly what it writes without failures; it never
 * crashes or leaks (run under the sanitizers). jansson allocates through
 * st_malloc here so its allocations fail too. */
#define MAX_ALLOCS 1500 /* more than any writer makes for this result */

static void test_report__alloc_failure(void **state)
{
    st_result *r = make_result(true, false);
    st_report_options o = opts_at(T0);

    (void)state;
    json_set_alloc_funcs(st_malloc, st_free);
    for (int fmt = ST_FORMAT_TABLE; fmt <= ST_FORMAT_SARIF; fmt++) {
        char *want = render(r, (st_format)fmt, &o);
        long failed = 0;

        for (long n = 1; n <= MAX_ALLOCS; n++) {
            int rc;
            char *text;

            st_alloc_fail_after(n);
            text = render_rc(r, (st_format)fmt, &o, &rc);
            st_alloc_fail_after(0);
            if (rc == 0) {
                assert_string_equal(text, want);
            } else {
                assert_int_equal(rc, ST_ENOMEM);
                failed = n;
            }
            free(text);
        }
        /* the last failure is far from the bound: every allocation tried */
        assert_true(failed > 0 && failed < MAX_ALLOCS / 2);
        free(want);
    }
    json_set_alloc_funcs(malloc, free);
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__format_parse),
        cmocka_unit_test(test_report__bad_arguments),
        cmocka_unit_test(test_report__json_shape),
        cmocka_unit_test(test_report__json_invalid_utf8),
        cmocka_unit_test(test_report__cyclonedx),
        cmocka_unit_test(test_report__cyclonedx_docker_archive),
        cmocka_unit_test(test_report__timestamp_source),
        cmocka_unit_test(test_report__spdx),
        cmocka_unit_test(test_report__table),
        cmocka_unit_test(test_report__uuid5),
        cmocka_unit_test(test_report__spdx_ids_in_schema),
        cmocka_unit_test(test_report__write_error),
        cmocka_unit_test(test_report__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
