/* st_result_load_json: a report written, read back and written again must
 * give the same image, OS and packages (the writer is the oracle); hostile
 * documents give one-line errors. */
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
#include "strata/report.h"
#include "util/util.h"

static const char *const tags[] = {"127.0.0.1:5000/team/app:1"};
static const st_layer_info layers[] = {
    {"sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "application/vnd.oci.image.layer.v1.tar+gzip", 1234, "ADD rootfs /"},
    {"sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     NULL, -1, NULL},
};

static st_result *make(void)
{
    st_result *r = st_result__new();
    st_image_info img;
    st_package *p;

    assert_non_null(r);
    memset(&img, 0, sizeof(img));
    img.ref = "127.0.0.1:5000/team/app:1";
    img.source = "registry";
    img.path = img.ref;
    img.manifest_digest = layers[0].digest;
    img.config_digest = layers[1].digest;
    img.os = "linux";
    img.architecture = "amd64";
    img.repo_tags = tags;
    img.repo_tag_count = 1;
    img.layers = layers;
    img.layer_count = 2;
    assert_int_equal(st_result__set_image(r, &img), 0);
    r->os.family = "debian";
    r->os.id = "debian";
    r->os.version_id = "12";
    r->os.codename = "bookworm";
    p = st_result__add_package(r);
    p->type = "deb";
    p->name = "libssl3";
    p->version = "3.0.11-1~deb12u2";
    p->arch = "amd64";
    p->source_name = "openssl";
    p->source_version = "3.0.11-1~deb12u2";
    p->layer_index = 0;
    p->layer_diff_id = layers[0].diff_id;
    p->found_in = "var/lib/dpkg/status";
    p = st_result__add_package(r);
    p->type = "npm";
    p->name = "@babel/core";
    p->version = "7.22.0";
    p->layer_index = 1;
    p->layer_diff_id = layers[1].diff_id;
    p->direct = 1;
    p->dev = 1;
    assert_int_equal(st_result__finish(r), 0);
    return r;
}

static json_t *write_json(const st_result *r)
{
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_t *doc;

    assert_non_null(f);
    assert_int_equal(st_report_write(f, r, ST_FORMAT_JSON, &ro, NULL), 0);
    fclose(f);
    doc = json_loadb(buf, len, 0, NULL);
    free(buf);
    assert_non_null(doc);
    return doc;
}

static void roundtrip(void **state)
{
    st_result *r = make(), *back = NULL;
    json_t *a = write_json(r), *b;
    char *text = json_dumps(a, 0);
    st_error *err = NULL;

    (void)state;
    assert_int_equal(st_result_load_json(&back, text, strlen(text), "t.json",
                                         &err),
                     0);
    b = write_json(back);
    assert_true(json_equal(json_object_get(a, "artifact"),
                           json_object_get(b, "artifact")));
    assert_true(json_equal(json_object_get(a, "os"), json_object_get(b, "os")));
    assert_true(json_equal(json_object_get(a, "packages"),
                           json_object_get(b, "packages")));
    assert_int_equal(st_result_package_count(back), 2);
    free(text);
    json_decref(a);
    json_decref(b);
    st_result_free(r);
    st_result_free(back);
}

static void hostile(void **state)
{
    static const char *const bad[] = {
        "", "{", "[]", "{\"schema\":\"other/v9\"}",
        "{\"schema\":\"strata.scan/v1\",\"packages\":[{\"type\":\"deb\"}]}",
        "{\"schema\":\"strata.scan/v1\",\"packages\":[7]}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st_result *r = NULL;
        st_error *err = NULL;
        char *m;
        assert_true(st_result_load_json(&r, bad[i], strlen(bad[i]), "x.json",
                                        &err) < 0);
        assert_null(r);
        m = st_error_format(err);
        assert_non_null(strstr(m, "x.json"));
        assert_null(strchr(m, '\n'));
        st_free(m);
        st_error_free(err);
    }
    /* an empty inventory is fine */
    {
        const char *ok = "{\"schema\":\"strata.scan/v1\"}";
        st_result *r = NULL;
        assert_int_equal(st_result_load_json(&r, ok, strlen(ok), "x", NULL),
                         0);
        assert_int_equal(st_result_package_count(r), 0);
        st_result_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip),
        cmocka_unit_test(hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
