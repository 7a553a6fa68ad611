/* gobinary: Go build info in both formats (pointer-based before Go 1.18,
 * inline since), both byte orders and word sizes, with and without section
 * headers; toolchain versions as module versions; cargo-auditable's
 * .dep-v0; which files are sniffed; hostile and truncated input.
 *
 * The synthetic Go files of tests/data/gobinary are read by Go's own
 * debug/buildinfo (`go version -m`) the same way (see the README there);
 * real binaries built by the Go toolchain are compared with `go version
 * -m` in tests/integration/lang_go.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "analyze/analyzer.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_gobinary;

static char *slurp(const char *rel, size_t *len)
{
    char p[1024];
    FILE *f;
    char *b;
    long n;
    snprintf(p, sizeof(p), "%s/%s", ST_TEST_DATA, rel);
    f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static st_entry entry(const char *path, size_t size)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_FILE;
    e.mode = 0755;
    e.size = size;
    e.attrs = true;
    e.layer = 0;
    e.visible = true;
    return e;
}

/* Runs the analyzer on one file as the walker would (wants, sniff on the
 * head, file on the whole); the caller frees the context. */
static st_scan_ctx *scan(const char *path, const char *d, size_t n,
                         bool expect_read)
{
    st_scan_ctx *ctx = st_scan__test_ctx();
    st_entry e = entry(path, n);
    assert_non_null(ctx);
    assert_true(ops->wants(&e));
    assert_int_equal(ops->sniff(&e, d, n < ST_SNIFF_BYTES ? n
                                                          : ST_SNIFF_BYTES),
                     expect_read);
    assert_int_equal(ops->file(NULL, ctx, &e, d, n), 0);
    return ctx;
}

typedef struct want {
    const char *type, *name, *version, *source_name, *source_version;
    int direct, dev;
} want;

static bool streq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check(st_scan_ctx *ctx, const char *found_in, const want *w,
                  size_t nw)
{
    const st_result *res = st_scan__test_result(ctx);
    size_t n = st_result_package_count(res);
    for (size_t i = 0; i < nw; i++) {
        bool hit = false;
        for (size_t k = 0; k < n && !hit; k++) {
            const st_package *p = st_result_package(res, k);
            if (strcmp(p->name, w[i].name) || strcmp(p->type, w[i].type))
                continue;
            hit = true;
            if (!streq(p->version, w[i].version) ||
                !streq(p->source_name, w[i].source_name) ||
                !streq(p->source_version, w[i].source_version) ||
                p->direct != w[i].direct || p->dev != w[i].dev ||
                strcmp(p->found_in, found_in))
                fail_msg("%s: got %s %s (%s %s) direct %d dev %d in %s",
                         w[i].name, p->name, p->version ? p->version : "-",
                         p->source_name ? p->source_name : "-",
                         p->source_version ? p->source_version : "-",
                         p->direct, p->dev, p->found_in);
        }
        if (!hit)
            fail_msg("no package %s", w[i].name);
    }
    assert_int_equal(n, nw);
}

static void run_file(const char *file, const char *path, const want *w,
                     size_t nw, size_t diags)
{
    size_t n;
    char rel[256], found[300];
    char *d;
    st_scan_ctx *ctx;
    snprintf(rel, sizeof(rel), "gobinary/%s", file);
    snprintf(found, sizeof(found), "/%s", path);
    d = slurp(rel, &n);
    ctx = scan(path, d, n, true);
    check(ctx, found, w, nw);
    assert_int_equal(
        st_result_diagnostic_count(st_scan__test_result(ctx)), diags);
    st_scan__test_ctx_free(ctx);
    free(d);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Pointer format, 64-bit little endian; a module replaced by another
 * version and one replaced by a directory. Sniffed through the Go note
 * although it sits where the OS keeps its binaries. */
static void test_gobinary__go116_pointer_le64(void **state)
{
    (void)state;
    static const want w[] = {
        {"golang", "example.com/old", "v1.0.0", NULL, NULL, 1, 0},
        {"golang", "github.com/pkg/errors", "v0.9.1", NULL, NULL, -1, 0},
        {"golang", "golang.org/x/text", "v0.3.8", "golang.org/x/text",
         "v0.3.0", -1, 0},
        {"golang", "example.com/local", NULL, "example.com/local", "v0.1.0",
         -1, 0},
        {"golang", "stdlib", "v1.16.15", NULL, NULL, 1, 0},
    };
    run_file("go116-le64.elf", "usr/bin/tool", w, N(w), 0);
}

/* Pointer format, 32-bit big endian; the main module is "(devel)". */
static void test_gobinary__go117_pointer_be32(void **state)
{
    (void)state;
    static const want w[] = {
        {"golang", "golang.org/x/sys", "v0.1.0", NULL, NULL, -1, 0},
        {"golang", "stdlib", "v1.17.13", NULL, NULL, 1, 0},
    };
    run_file("go117-be32.elf", "usr/local/bin/be", w, N(w), 0);
}

/* Inline format, no section headers: found in the data segment. */
static void test_gobinary__go120_no_section_headers(void **state)
{
    (void)state;
    static const want w[] = {
        {"golang", "example.com/new", "v2.3.4", NULL, NULL, 1, 0},
        {"golang", "github.com/google/uuid", "v1.3.0", NULL, NULL, -1, 0},
        {"golang", "stdlib", "v1.20.0", NULL, NULL, 1, 0},
    };
    run_file("go120-noshdr.elf", "app/new", w, N(w), 0);
}

/* A development toolchain: no stdlib, said once. */
static void test_gobinary__devel_toolchain(void **state)
{
    (void)state;
    static const want w[] = {
        {"golang", "example.com/dev", "v0.0.0-20240102150405-1234567890ab",
         NULL, NULL, -1, 0},
    };
    run_file("go-devel-le32.elf", "app/dev", w, N(w), 1);
}

/* Pointers that lead nowhere: a diagnostic, no packages. */
static void test_gobinary__bad_pointers(void **state)
{
    (void)state;
    run_file("go-badptr.elf", "app/bad", NULL, 0, 1);
}

/* cargo-auditable: root and its dependencies direct, build deps dev. */
static void test_gobinary__cargo_auditable(void **state)
{
    (void)state;
    static const want w[] = {
        {"cargo", "hello", "0.1.0", NULL, NULL, 1, 0},
        {"cargo", "num-traits", "0.2.15", NULL, NULL, 1, 0},
        {"cargo", "time", "0.1.45", NULL, NULL, 1, 0},
        {"cargo", "gitdep", "0.3.0", NULL, NULL, 1, 0},
        {"cargo", "libc", "0.2.140", NULL, NULL, 0, 0},
        {"cargo", "autocfg", "1.1.0", NULL, NULL, 0, 1},
    };
    run_file("rust-auditable.elf", "opt/hello/bin/hello", w, N(w), 0);
}

/* ---- in-memory ELF files ---------------------------------------------- */

/* An ELF64 LE file with one named section holding body (no program
 * headers: the section's own bytes are read). */
static size_t mkelf(uint8_t *out, size_t cap, const char *section,
                    const void *body, size_t blen)
{
    char shstr[128];
    size_t nl = strlen(section), slen = nl + 12;
    size_t body_off = 1024, shstr_off, shoff, total;
    uint8_t *sh;

    /* "\0" NAME "\0.shstrtab\0" */
    assert_true(slen <= sizeof(shstr));
    shstr[0] = 0;
    memcpy(shstr + 1, section, nl + 1);
    memcpy(shstr + nl + 2, ".shstrtab", 10);
    shstr_off = body_off + blen;
    shoff = (shstr_off + slen + 7) & ~(size_t)7;
    total = shoff + 3 * 64;
    assert_true(total <= cap);
    memset(out, 0, total);
    memcpy(out, "\x7f" "ELF\x02\x01\x01", 7);
    out[16] = 2;  /* ET_EXEC */
    out[18] = 62; /* x86-64 */
    out[20] = 1;
    memcpy(out + 40, &shoff, 8);
    out[52] = 64; /* ehsize */
    out[54] = 56; /* phentsize */
    out[58] = 64; /* shentsize */
    out[60] = 3;  /* shnum */
    out[62] = 2;  /* shstrndx */
    memcpy(out + body_off, body, blen);
    memcpy(out + shstr_off, shstr, slen);
    sh = out + shoff + 64; /* the named section */
    {
        uint32_t name = 1, type = 1;
        uint64_t off = body_off, size = blen;
        memcpy(sh, &name, 4);
        memcpy(sh + 4, &type, 4);
        memcpy(sh + 24, &off, 8);
        memcpy(sh + 32, &size, 8);
    }
    sh = out + shoff + 128; /* .shstrtab */
    {
        uint32_t name = (uint32_t)strlen(section) + 2, type = 3;
        uint64_t off = shstr_off, size = slen;
        memcpy(sh, &name, 4);
        memcpy(sh + 4, &type, 4);
        memcpy(sh + 24, &off, 8);
        memcpy(sh + 32, &size, 8);
    }
    return total;
}

/* Go >= 1.18 build info for toolchain `vers` and module info `mod`. */
static size_t buildinfo(uint8_t *out, const char *vers, const char *mod)
{
    static const char start[] = "0w\xaf\x0c\x92t\b\x02" "A\xe1\xc1\a\xe6\xd6"
                                "\x18\xe6";
    static const char end[] = "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10"
                              "A\x16\xd8\xf2";
    size_t n = 32, vl = strlen(vers), ml = strlen(mod);
    memset(out, 0, 32);
    memcpy(out, "\xff Go buildinf:", 14);
    out[14] = 8;
    out[15] = 2;
    out[n++] = (uint8_t)vl; /* short strings: one-byte varints */
    memcpy(out + n, vers, vl);
    n += vl;
    assert_true(ml + 32 < 128);
    out[n++] = (uint8_t)(ml + 32);
    memcpy(out + n, start, 16);
    memcpy(out + n + 16, mod, ml);
    memcpy(out + n + 16 + ml, end, 16);
    return n + ml + 32;
}

static const char *stdlib_version(const char *vers)
{
    static char got[64];
    uint8_t bi[256], file[4096];
    size_t n = mkelf(file, sizeof(file), ".go.buildinfo", bi,
                     buildinfo(bi, vers, "path\tx\n"));
    st_scan_ctx *ctx = scan("app/x", (const char *)file, n, true);
    const st_result *res = st_scan__test_result(ctx);
    got[0] = 0;
    for (size_t i = 0; i < st_result_package_count(res); i++)
        if (!strcmp(st_result_package(res, i)->name, "stdlib"))
            snprintf(got, sizeof(got), "%s",
                     st_result_package(res, i)->version);
    st_scan__test_ctx_free(ctx);
    return got;
}

/* The toolchain as a module version, as golang.org/x/vuln's
 * GoTagToSemver converts it. */
static void test_gobinary__toolchain_versions(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"go1.21.3", "v1.21.3"},
        {"go1.21", "v1.21.0"},
        {"go1.20", "v1.20.0"},
        {"go1", "v1.0.0"},
        {"go1.0", ""},
        {"go1.21rc2", "v1.21.0-rc.2"},
        {"go1.18beta1", "v1.18.0-beta.1"},
        {"go1.9.2rc2", "v1.9.2-rc.2"},
        {"go1.21.3 X:boringcrypto", "v1.21.3"},
        {"go1.22.1 X:nocoverageredesign,loopvar", "v1.22.1"},
        {"go1.19.8", "v1.19.8"},
        {"devel go1.22-abcdef Tue Jan 2", ""},
        {"gccgo", ""},
        {"go", ""},
        {"go1.", ""},
        {"go.1", ""},
    };
    for (size_t i = 0; i < N(rows); i++) {
        const char *got = stdlib_version(rows[i].in);
        if (strcmp(got, rows[i].out))
            fail_msg("%s: got \"%s\", want \"%s\"", rows[i].in, got,
                     rows[i].out);
    }
}

/* Module info lines that are not what Go writes are skipped, each once. */
static void test_gobinary__malformed_module_lines(void **state)
{
    (void)state;
    uint8_t bi[512], file[4096];
    static const char mod[] = "mod\tm\tv1\n"
                              "dep\tonly-path\n"
                              "=>\tno-module-before\tv1\t\n"
                              "dep\ta b\tv1\t\n"
                              "dep\tok\tv2\t\n"
                              "dep\t\tv1\t\n"
                              "build\tx=y\n";
    size_t n;
    st_scan_ctx *ctx;
    static const want w[] = {
        {"golang", "m", "v1", NULL, NULL, 1, 0},
        {"golang", "ok", "v2", NULL, NULL, -1, 0},
        {"golang", "stdlib", "v1.2.0", NULL, NULL, 1, 0},
    };
    n = mkelf(file, sizeof(file), ".go.buildinfo", bi,
              buildinfo(bi, "go1.2", mod));
    ctx = scan("srv/x", (const char *)file, n, true);
    check(ctx, "/srv/x", w, N(w));
    assert_int_equal(st_result_diagnostic_count(st_scan__test_result(ctx)),
                     1);
    assert_non_null(strstr(
        st_result_diagnostic(st_scan__test_result(ctx), 0)->message,
        "3 malformed"));
    st_scan__test_ctx_free(ctx);
}

static st_scan_ctx *dep_v0(const void *body, size_t blen)
{
    static uint8_t file[1 << 16];
    size_t n = mkelf(file, sizeof(file), ".dep-v0", body, blen);
    return scan("app/r", (const char *)file, n, true);
}

static st_scan_ctx *dep_v0_json(const char *json)
{
    static uint8_t z[1 << 15];
    uLongf zl = sizeof(z);
    assert_int_equal(compress(z, &zl, (const Bytef *)json, strlen(json)),
                     Z_OK);
    return dep_v0(z, zl);
}

/* Hostile .dep-v0 sections: a diagnostic each, never a failed scan. */
static void test_gobinary__dep_v0_hostile(void **state)
{
    (void)state;
    static const char *const bad_json[] = {
        "not json",
        "{\"packages\":{}}",
        "[]",
        ("{\"packages\":[{\"name\":\"a\",\"version\":\"1\"},"
         "{\"name\":\"a\",\"name\":\"b\"}]}"),
    };
    st_scan_ctx *ctx;

    ctx = dep_v0("\x78\x9c garbage", 10);
    assert_int_equal(st_result_package_count(st_scan__test_result(ctx)), 0);
    assert_int_equal(st_result_diagnostic_count(st_scan__test_result(ctx)),
                     1);
    st_scan__test_ctx_free(ctx);
    for (size_t i = 0; i < N(bad_json); i++) {
        ctx = dep_v0_json(bad_json[i]);
        assert_int_equal(
            st_result_package_count(st_scan__test_result(ctx)), 0);
        assert_int_equal(
            st_result_diagnostic_count(st_scan__test_result(ctx)), 1);
        st_scan__test_ctx_free(ctx);
    }
    /* a truncated stream */
    {
        static uint8_t z[256];
        uLongf zl = sizeof(z);
        const char *j = "{\"packages\":[{\"name\":\"a\",\"version\":\"1\"}]}";
        assert_int_equal(compress(z, &zl, (const Bytef *)j, strlen(j)),
                         Z_OK);
        ctx = dep_v0(z, zl - 6);
        assert_int_equal(
            st_result_package_count(st_scan__test_result(ctx)), 0);
        assert_int_equal(
            st_result_diagnostic_count(st_scan__test_result(ctx)), 1);
        st_scan__test_ctx_free(ctx);
    }
    /* more than 8 MiB once inflated */
    {
        size_t big = 9u << 20;
        char *zeros = calloc(1, big);
        uLongf zl = compressBound(big);
        uint8_t *z = malloc(zl);
        assert_int_equal(compress2(z, &zl, (Bytef *)zeros, big, 9), Z_OK);
        assert_true(zl < (1 << 16) - 2048);
        ctx = dep_v0(z, zl);
        assert_int_equal(
            st_result_package_count(st_scan__test_result(ctx)), 0);
        assert_non_null(strstr(
            st_result_diagnostic(st_scan__test_result(ctx), 0)->message,
            "8 MiB"));
        st_scan__test_ctx_free(ctx);
        free(zeros);
        free(z);
    }
    /* entries without a name or version, dependencies out of range, a
     * root that is not a boolean */
    ctx = dep_v0_json(
        "{\"packages\":[{\"name\":\"r\",\"version\":\"1.0.0\",\"root\":true,"
        "\"dependencies\":[1,99,-1,\"x\",2]},"
        "{\"name\":\"d\",\"version\":\"2.0.0\",\"source\":{\"Other\":\"x\"}},"
        "{\"name\":\"\",\"version\":\"1\"},{\"version\":\"1\"},"
        "{\"name\":\"sp ace\",\"version\":\"1\"},"
        "{\"name\":\"t\",\"version\":\"3.0.0\",\"root\":\"yes\"}]}");
    {
        static const want w[] = {
            {"cargo", "r", "1.0.0", NULL, NULL, 1, 0},
            {"cargo", "d", "2.0.0", NULL, NULL, 1, 0},
            {"cargo", "t", "3.0.0", NULL, NULL, 0, 0},
        };
        check(ctx, "/app/r", w, N(w));
        assert_non_null(strstr(
            st_result_diagnostic(st_scan__test_result(ctx), 0)->message,
            "3 packages"));
    }
    st_scan__test_ctx_free(ctx);
    /* no root: direct unknown */
    ctx = dep_v0_json("{\"packages\":[{\"name\":\"a\",\"version\":\"1\"}]}");
    {
        static const want w[] = {{"cargo", "a", "1", NULL, NULL, -1, 0}};
        check(ctx, "/app/r", w, N(w));
    }
    st_scan__test_ctx_free(ctx);
}

/* The magic as a string in another program (a scanner, say): not a Go
 * binary, and nothing to say about it. The same bytes in a section named
 * .go.buildinfo are malformed build info. */
static void test_gobinary__magic_elsewhere(void **state)
{
    (void)state;
    static const char bodies[][40] = { /* zero-padded */
        "\xff Go buildinf:\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        "\xff Go buildinf:\x08\x00\xff\xff\xff\xff\xff\xff\xff\xff"
        "\0\0\0\0\0\0\0\0",
    };
    uint8_t file[4096];
    for (size_t i = 0; i < N(bodies); i++) {
        for (int real = 0; real < 2; real++) {
            size_t n = mkelf(file, sizeof(file),
                             real ? ".go.buildinfo" : ".rodata", bodies[i],
                             34);
            st_scan_ctx *ctx = scan("app/scanner", (const char *)file, n,
                                    true);
            const st_result *res = st_scan__test_result(ctx);
            assert_int_equal(st_result_package_count(res), 0);
            assert_int_equal(st_result_diagnostic_count(res),
                             (size_t)real);
            st_scan__test_ctx_free(ctx);
        }
    }
}

/* Which files are read whole. */
static void test_gobinary__wants_and_sniff(void **state)
{
    (void)state;
    size_t n;
    char *go = slurp("gobinary/go116-le64.elf", &n);
    char plain[64];
    st_entry e = entry("usr/bin/x", 4096);

    /* a non-Go ELF executable: only outside the OS directories */
    memset(plain, 0, sizeof(plain));
    memcpy(plain, "\x7f" "ELF\x02\x01\x01", 7);
    plain[16] = 2;
    assert_false(ops->sniff(&e, plain, sizeof(plain)));
    e.path = "usr/lib/x86_64-linux-gnu/libfoo.so.1";
    assert_false(ops->sniff(&e, plain, sizeof(plain)));
    e.path = "bin/x";
    assert_false(ops->sniff(&e, plain, sizeof(plain)));
    e.path = "usr/local/bin/x";
    assert_true(ops->sniff(&e, plain, sizeof(plain)));
    e.path = "app/server";
    assert_true(ops->sniff(&e, plain, sizeof(plain)));
    /* relocatable objects and core files are never programs */
    plain[16] = 1;
    assert_false(ops->sniff(&e, plain, sizeof(plain)));
    plain[16] = 4;
    assert_false(ops->sniff(&e, plain, sizeof(plain)));
    /* not ELF */
    assert_false(ops->sniff(&e, "#!/bin/sh\n", 10));
    assert_false(ops->sniff(&e, "\x7f" "EL", 3));
    /* a Go binary under usr/bin: its note */
    e.path = "usr/bin/x";
    assert_true(ops->sniff(&e, go, n));
    free(go);

    /* wants: regular, executable, at least 1 KiB */
    e = entry("app/x", 1024);
    assert_true(ops->wants(&e));
    e.size = 1023;
    assert_false(ops->wants(&e));
    e.size = 4096;
    e.mode = 0644;
    assert_false(ops->wants(&e));
    e.mode = 0700;
    e.type = ST_ENTRY_SYMLINK;
    assert_false(ops->wants(&e));
    /* a rootfs entry whose mode is not read yet: ruled out by name only
     * when no binary has such a name; the rest is asked again */
    {
        static const struct {
            const char *path;
            bool want;
        } cases[] = {
            {"src/main.go", false},
            {"vendor/lib.json", false},
            {"bin/server", true},
            {"opt/app.d/tool", true}, /* a dot in a directory only */
            {"usr/lib/libx.so.1", true},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            e = entry(cases[i].path, 0);
            e.attrs = false;
            e.mode = 0;
            assert_int_equal(ops->wants(&e), cases[i].want);
        }
    }
    /* content from another analyzer without a sniff: not ELF, ignored */
    {
        st_scan_ctx *ctx = st_scan__test_ctx();
        e = entry("app/x", 2048);
        assert_int_equal(ops->file(NULL, ctx, &e, "not an ELF file", 15),
                         0);
        assert_int_equal(
            st_result_package_count(st_scan__test_result(ctx)), 0);
        st_scan__test_ctx_free(ctx);
    }
}

/* Every prefix and many corruptions of the samples: no crash, no
 * package without a name (ASan and UBSan watch the reads). */
static void test_gobinary__truncated_and_corrupt(void **state)
{
    (void)state;
    static const char *const files[] = {
        "gobinary/go116-le64.elf", "gobinary/go117-be32.elf",
        "gobinary/go120-noshdr.elf", "gobinary/go-devel-le32.elf",
        "gobinary/rust-auditable.elf",
    };
    for (size_t f = 0; f < N(files); f++) {
        size_t n;
        char *d = slurp(files[f], &n);
        st_entry e = entry("app/x", n);
        for (size_t len = 0; len <= n; len += (len < 2048 ? 1 : 97)) {
            st_scan_ctx *ctx = st_scan__test_ctx();
            char *copy = malloc(len ? len : 1);
            memcpy(copy, d, len);
            assert_int_equal(ops->file(NULL, ctx, &e, copy, len), 0);
            free(copy);
            st_scan__test_ctx_free(ctx);
        }
        for (size_t i = 0; i < n && i < 2400; i++) {
            st_scan_ctx *ctx = st_scan__test_ctx();
            const st_result *res;
            char *copy = malloc(n);
            memcpy(copy, d, n);
            copy[i] ^= (char)(0x80 | (i & 0x7f));
            assert_int_equal(ops->file(NULL, ctx, &e, copy, n), 0);
            res = st_scan__test_result(ctx);
            for (size_t k = 0; k < st_result_package_count(res); k++)
                assert_true(st_result_package(res, k)->name[0] != 0);
            free(copy);
            st_scan__test_ctx_free(ctx);
        }
        free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gobinary__go116_pointer_le64),
        cmocka_unit_test(test_gobinary__go117_pointer_be32),
        cmocka_unit_test(test_gobinary__go120_no_section_headers),
        cmocka_unit_test(test_gobinary__devel_toolchain),
        cmocka_unit_test(test_gobinary__bad_pointers),
        cmocka_unit_test(test_gobinary__cargo_auditable),
        cmocka_unit_test(test_gobinary__toolchain_versions),
        cmocka_unit_test(test_gobinary__malformed_module_lines),
        cmocka_unit_test(test_gobinary__dep_v0_hostile),
        cmocka_unit_test(test_gobinary__magic_elsewhere),
        cmocka_unit_test(test_gobinary__wants_and_sniff),
        cmocka_unit_test(test_gobinary__truncated_and_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
