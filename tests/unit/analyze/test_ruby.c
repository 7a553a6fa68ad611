/* ruby: a Gemfile.lock written by Bundler against Bundler's own
 * LockfileParser, installed gemspecs against RubyGems' own loader (the
 * oracles' output is in the .expected.tsv files of tests/data/ruby), then
 * literal forms, platforms, GIT/PATH sources and malformed input by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyzer.h"
#include "drive.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_ruby;

enum { LAYER = 0 };

static char *slurp(const char *rel, size_t *len)
{
    return drive_slurp(NULL, rel, len);
}

static int feed_rc(drive *r, const char *path, const char *d, size_t n)
{
    int rc = drive_file(r, path, LAYER, true, d, n);
    assert_int_not_equal(rc, DRIVE_UNWANTED);
    return rc;
}

static void feed(drive *r, const char *path, const char *d, size_t n)
{
    assert_int_equal(feed_rc(r, path, d, n), 0);
}

/* Each row "name<TAB>version<TAB>third": third is the direct flag (lock)
 * or the licenses (gemspecs); every package is a row. */
static void check_tsv(const st_result *res, const char *tsv, bool lock)
{
    size_t len, rows = 0;
    char *t = slurp(tsv, &len), *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[3] = {line, NULL, NULL};
        const st_package *p;
        if (line[0] == '#')
            continue;
        for (int i = 1; i < 3; i++) {
            f[i] = strchr(f[i - 1], '\t');
            assert_non_null(f[i]);
            *f[i]++ = 0;
        }
        p = drive_pkg(res, f[0]);
        if (!p)
            fail_msg("%s: no package %s", tsv, f[0]);
        assert_string_equal(p->type, "gem");
        assert_string_equal(p->version, f[1]);
        if (lock)
            assert_int_equal(p->direct, strtol(f[2], NULL, 10));
        else
            assert_string_equal(p->license ? p->license : "", f[2]);
        assert_int_equal(p->dev, 0);
        rows++;
    }
    assert_int_equal(st_result_package_count(res), rows);
    free(t);
}

static void test_ruby__wants(void **state)
{
    static const struct {
        const char *path;
        bool want;
    } cases[] = {
        {"Gemfile.lock", true},
        {"app/Gemfile.lock", true},
        {"srv/app/gems.locked", true},
        {"app/Gemfile", false},
        {"app/MyGemfile.lock", false},
        {"usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec", true},
        {"usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
         true},
        {"specifications/rack-2.2.3.gemspec", true},
        {"usr/share/rubygems-integration/all/specifications/x-1.gemspec", true},
        {"usr/lib/ruby/gems/3.1.0/gems/rack-2.2.3/rack.gemspec", false},
        {"app/rack.gemspec", false},
        {"x/myspecifications/rack-2.2.3.gemspec", false},
        {"x/specifications/.gemspec", false},
        {"x/specifications/sub/rack-1.gemspec", false},
        {"x/specifications/default/sub/rack-1.gemspec", false},
        {"x/specifications/rack-1.gemspec.bak", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_entry e = drive_entry(cases[i].path, LAYER, true, 0);
        if (ops->wants(&e) != cases[i].want)
            fail_msg("wants(%s) != %d", cases[i].path, cases[i].want);
    }
    st_entry d = drive_entry("app/Gemfile.lock", LAYER, true, 0);
    d.type = ST_ENTRY_DIR;
    assert_false(ops->wants(&d));
}

static void test_ruby__bundler_lockfile(void **state)
{
    size_t len;
    char *lock = slurp("ruby/Gemfile.lock", &len);
    const st_result *res;
    const st_package *p;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed(&r, "srv/app/Gemfile.lock", lock, len);
    res = drive_finish(&r);
    check_tsv(res, "ruby/Gemfile.lock.expected.tsv", true);
    /* "nokogiri (1.13.10-x86_64-linux)": the platform is not the version */
    p = drive_pkg(res, "nokogiri");
    assert_string_equal(p->version, "1.13.10");
    assert_null(p->arch);
    assert_string_equal(p->found_in, "/srv/app/Gemfile.lock");
    assert_int_equal(p->layer_index, 0);
    /* GIT (gitgem) and PATH (vendored) are not registry gems */
    assert_null(drive_pkg(res, "gitgem"));
    assert_null(drive_pkg(res, "vendored"));
    assert_int_equal(st_result_diagnostic_count(res), 1);
    assert_int_equal(st_result_diagnostic(res, 0)->level, ST_DIAG_INFO);
    assert_non_null(strstr(st_result_diagnostic(res, 0)->message, "2 gems"));
    drive_free(&r);
    free(lock);
}

static void test_ruby__installed_gemspecs(void **state)
{
    static const char *const files[][2] = {
        {"ruby/json-2.6.1.gemspec",
         "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"},
        {"ruby/nokogiri-1.13.10-x86_64-linux.gemspec",
         "var/lib/gems/3.1.0/specifications/"
         "nokogiri-1.13.10-x86_64-linux.gemspec"},
        {"ruby/rack-2.2.22.gemspec",
         "usr/share/rubygems-integration/all/specifications/"
         "rack-2.2.22.gemspec"},
    };
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *d = slurp(files[i][0], &len);
        feed(&r, files[i][1], d, len);
        free(d);
    }
    res = drive_finish(&r);
    check_tsv(res, "ruby/gemspecs.expected.tsv", false);
    assert_string_equal(drive_pkg(res, "json")->found_in,
                        "/usr/lib/ruby/gems/3.1.0/specifications/default/"
                        "json-2.6.1.gemspec");
    assert_int_equal(drive_pkg(res, "rack")->direct, -1);
    assert_int_equal(st_result_diagnostic_count(res), 0);
    drive_free(&r);
}

/* One lockfile by hand: CRLF, one gem for several platforms, a pinned
 * dependency with a requirement, PLUGIN SOURCE and CHECKSUMS sections,
 * malformed lines. */
static void test_ruby__lockfile_forms(void **state)
{
    static const char lock[] = "PLUGIN SOURCE\r\n"
                               "  remote: https://example.invalid/plugins\r\n"
                               "  specs:\r\n"
                               "    a-plugin (0.1.0)\r\n"
                               "\r\n"
                               "GEM\r\n"
                               "  remote: https://rubygems.org/\r\n"
                               "  specs:\r\n"
                               "    nokogiri (1.15.4)\r\n"
                               "      racc (~> 1.4)\r\n"
                               "    nokogiri (1.15.4-aarch64-linux)\r\n"
                               "      racc (~> 1.4)\r\n"
                               "    nokogiri (1.15.4-x86_64-linux-musl)\r\n"
                               "    racc (1.7.1)\r\n"
                               "    rails (7.0.8)\r\n"
                               "    broken-no-version\r\n"
                               "    bad (1.0\r\n"
                               "    ( 1.0)\r\n"
                               "\r\n"
                               "GEM\r\n"
                               "  remote: https://gems.example.invalid/\r\n"
                               "  specs:\r\n"
                               "    private-gem (3.0.0.pre.1)\r\n"
                               "\r\n"
                               "PLATFORMS\r\n"
                               "  aarch64-linux\r\n"
                               "  ruby\r\n"
                               "\r\n"
                               "DEPENDENCIES\r\n"
                               "  nokogiri (~> 1.15)!\r\n"
                               "  private-gem!\r\n"
                               "  rails (= 7.0.8)\r\n"
                               "\r\n"
                               "CHECKSUMS\r\n"
                               "  racc (1.7.1) sha256=abc\r\n"
                               "\r\n"
                               "BUNDLED WITH\r\n"
                               "   2.5.3\r\n";
    const st_result *res;
    drive r;
    (void)state;

    r = drive_new(ops);
    feed(&r, "Gemfile.lock", lock, sizeof(lock) - 1);
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 4);
    assert_string_equal(drive_pkg(res, "nokogiri")->version, "1.15.4");
    assert_int_equal(drive_pkg(res, "nokogiri")->direct, 1);
    assert_int_equal(drive_pkg(res, "racc")->direct, 0);
    assert_int_equal(drive_pkg(res, "rails")->direct, 1);
    assert_string_equal(drive_pkg(res, "private-gem")->version, "3.0.0.pre.1");
    assert_int_equal(drive_pkg(res, "private-gem")->direct, 1);
    assert_null(drive_pkg(res, "a-plugin"));
    /* a warning for 3 malformed lines, an info for the plugin */
    assert_int_equal(st_result_diagnostic_count(res), 2);
    assert_non_null(
        strstr(st_result_diagnostic(res, 0)->message, "3 malformed lines"));
    drive_free(&r);
}

static void test_ruby__lockfile_malformed(void **state)
{
    static const char *const bad[] = {
        "", "  just indented\n", "\x00\x01\x02",
        "    rack (1.0)\n", /* specs outside any section */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        drive r;
        const st_result *res;
        r = drive_new(ops);
        feed(&r, "Gemfile.lock", bad[i], i == 2 ? 3 : strlen(bad[i]));
        res = drive_finish(&r);
        assert_int_equal(st_result_package_count(res), 0);
        assert_int_equal(st_result_diagnostic_count(res), 1);
        assert_non_null(strstr(st_result_diagnostic(res, 0)->message,
                               "not a Gemfile.lock"));
        drive_free(&r);
    }
    /* no DEPENDENCIES: direct unknown */
    {
        static const char l[] = "GEM\n  specs:\n    rack (2.2.3)\n";
        drive r;
        const st_result *res;
        r = drive_new(ops);
        feed(&r, "Gemfile.lock", l, sizeof(l) - 1);
        res = drive_finish(&r);
        assert_int_equal(st_result_package_count(res), 1);
        assert_int_equal(drive_pkg(res, "rack")->direct, -1);
        drive_free(&r);
    }
}

/* Literal forms of gemspecs (not all written by to_ruby: hand-made
 * specifications exist in images), and values that need evaluation. */
static void test_ruby__gemspec_literals(void **state)
{
    static const struct {
        const char *text;
        const char *name, *version, *license; /* name NULL: skipped */
    } cases[] = {
        {"s.name = \"rack\".freeze\ns.version = \"2.2.3\"\n"
         "s.licenses = [\"MIT\".freeze]\n",
         "rack", "2.2.3", "MIT"},
        {"  spec.name    = 'rack'\n  spec.version = '1.0'\n"
         "  spec.license = 'Ruby'\n",
         "rack", "1.0", "Ruby"},
        {"s.name = %q{old-gem}\ns.version = %q<0.9.1>\n", "old-gem", "0.9.1",
         NULL},
        {"s.name = \"x\"\ns.version = Gem::Version.new(\"4.0.1\")\n"
         "s.licenses = [\"MIT\".freeze,\n    \"Ruby\".freeze,\n"
         "    \"BSD-2-Clause\"]\ns.license = \"GPL\"\n",
         "x", "4.0.1", "MIT, Ruby, BSD-2-Clause"},
        {"s.name = \"w\"\ns.version = \"1\"\ns.licenses = %w[MIT Apache-2.0]\n",
         "w", "1", "MIT, Apache-2.0"},
        /* escapes */
        {"s.name = \"a\\\"b\"\ns.version = \"1\"\n", NULL, NULL, NULL},
        {"s.name = \"u\"\ns.version = \"1\"\ns.licenses = [\"\\u00e9\"]\n", "u",
         "1", "\xc3\xa9"},
        /* interpolation and constants need Ruby: the stub line fills in */
        {"# stub: real 3.1.4 ruby lib\ns.name = \"#{n}\"\n"
         "s.version = Real::VERSION\n",
         "real", "3.1.4", NULL},
        {"s.name = \"#{n}\"\ns.version = Real::VERSION\n", NULL, NULL, NULL},
        {"s.name == \"cmp\"\ns.version = \"1\"\n", NULL, NULL, NULL},
        {"s.name = \"unterminated\ns.version = \"1\"\n", NULL, NULL, NULL},
        {"s.name = \"sp ace\"\ns.version = \"1\"\n", NULL, NULL, NULL},
        {"s.name = \"\"\ns.version = \"1\"\n", NULL, NULL, NULL},
        {"s.name = \"first\"\ns.name = \"second\"\ns.version = \"1\"\n",
         "first", "1", NULL},
        {"s.version = \"1\"\ns.licenses = [\"MIT\"", NULL, NULL, NULL},
        {"", NULL, NULL, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        drive r;
        const st_result *res;
        r = drive_new(ops);
        feed(&r, "usr/lib/ruby/gems/3.1.0/specifications/t-1.gemspec",
             cases[i].text, strlen(cases[i].text));
        res = drive_finish(&r);
        if (!cases[i].name) {
            if (st_result_package_count(res) != 0)
                fail_msg("case %zu: a package", i);
            assert_int_equal(st_result_diagnostic_count(res), 1);
        } else {
            const st_package *p;
            if (st_result_package_count(res) != 1)
                fail_msg("case %zu: no package", i);
            p = st_result_package(res, 0);
            assert_string_equal(p->name, cases[i].name);
            assert_string_equal(p->version, cases[i].version);
            if (cases[i].license)
                assert_string_equal(p->license, cases[i].license);
            else
                assert_null(p->license);
        }
        drive_free(&r);
    }
}

/* A literal longer than any name once made a buffer limit fail the file
 * (fuzz_gemspec): now a diagnostic. */
static void test_ruby__gemspec_long_literal(void **state)
{
    static char text[20000];
    size_t n = 0;
    const st_result *res;
    drive r;
    (void)state;

    n += (size_t)snprintf(text, sizeof(text), "s.name = \"");
    memset(text + n, 'a', 5000);
    n += 5000;
    n +=
        (size_t)snprintf(text + n, sizeof(text) - n, "\"\ns.version = \"1\"\n");
    r = drive_new(ops);
    feed(&r, "specifications/x.gemspec", text, n);
    res = drive_finish(&r);
    assert_int_equal(st_result_package_count(res), 0);
    assert_int_equal(st_result_diagnostic_count(res), 1);
    drive_free(&r);
}

/* Every allocation failing in turn: ST_ENOMEM or success, no leak. */
static void test_ruby__alloc_failures(void **state)
{
    size_t len;
    char *lock = slurp("ruby/Gemfile.lock", &len);
    size_t slen;
    char *spec = slurp("ruby/rack-2.2.22.gemspec", &slen);
    (void)state;
    for (long n = 1; n < 400; n++) {
        st_scan_ctx *ctx = st_scan__test_ctx();
        void *st = NULL;
        int rc;
        st_entry e = drive_entry("Gemfile.lock", LAYER, true, 0),
                 g = drive_entry("specifications/r.gemspec", LAYER, true, 0);
        assert_non_null(ctx);
        st_alloc_fail_after(n);
        rc = ops->begin(&st, ctx);
        if (rc == 0)
            rc = ops->file(st, ctx, &e, lock, len);
        if (rc == 0)
            rc = ops->file(st, ctx, &g, spec, slen);
        st_alloc_fail_after(0);
        assert_true(rc == 0 || rc == ST_ENOMEM);
        ops->release(st);
        st_scan__test_ctx_free(ctx);
    }
    free(lock);
    free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ruby__wants),
        cmocka_unit_test(test_ruby__bundler_lockfile),
        cmocka_unit_test(test_ruby__installed_gemspecs),
        cmocka_unit_test(test_ruby__lockfile_forms),
        cmocka_unit_test(test_ruby__lockfile_malformed),
        cmocka_unit_test(test_ruby__gemspec_literals),
        cmocka_unit_test(test_ruby__gemspec_long_literal),
        cmocka_unit_test(test_ruby__alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
