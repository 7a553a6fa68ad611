/* rpm header blobs: hand-built headers for each rule of the parser (a
 * table of malformed ones that must be refused), and real headers from
 * tests/data/rpm mutated every way a fuzzer would start with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/rpmhdr.h"
#include "util/util.h"
#include "util/banned.h"

enum { T_INT32 = 4, T_STRING = 6, T_BIN = 7, T_STRARRAY = 8, T_I18N = 9 };

/* ---- a header builder --------------------------------------------------- */

typedef struct hb {
    uint8_t *index;
    uint32_t il;
    uint8_t *data;
    size_t dl;
    size_t cap;
} hb;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void hb_init(hb *b, size_t cap)
{
    b->index = st_calloc(64, 16);
    b->data = st_calloc(cap, 1);
    b->il = 0;
    b->dl = 0;
    b->cap = cap;
}

static void hb_free(hb *b)
{
    st_free(b->index);
    st_free(b->data);
}

static uint32_t hb_data(hb *b, const void *d, size_t n, size_t align)
{
    while (b->dl % align)
        b->data[b->dl++] = 0;
    assert_true(b->dl + n <= b->cap);
    memcpy(b->data + b->dl, d, n);
    b->dl += n;
    return (uint32_t)(b->dl - n);
}

static void hb_entry(hb *b, uint32_t tag, uint32_t type, uint32_t off,
                     uint32_t count)
{
    uint8_t *p = b->index + (size_t)b->il++ * 16;

    assert_true(b->il <= 64);
    put32(p, tag);
    put32(p + 4, type);
    put32(p + 8, off);
    put32(p + 12, count);
}

static void hb_string(hb *b, uint32_t tag, uint32_t type, const char *s)
{
    hb_entry(b, tag, type, hb_data(b, s, strlen(s) + 1, 1), 1);
}

static void hb_strings(hb *b, uint32_t tag, const char *const *v, uint32_t n)
{
    uint32_t off = (uint32_t)b->dl;

    for (uint32_t i = 0; i < n; i++)
        hb_data(b, v[i], strlen(v[i]) + 1, 1);
    hb_entry(b, tag, T_STRARRAY, off, n);
}

static void hb_int32s(hb *b, uint32_t tag, const uint32_t *v, uint32_t n)
{
    uint8_t tmp[4];
    uint32_t off = 0;

    for (uint32_t i = 0; i < n; i++) {
        put32(tmp, v[i]);
        uint32_t o = hb_data(b, tmp, 4, 4);
        if (i == 0)
            off = o;
    }
    hb_entry(b, tag, T_INT32, off, n);
}

/* The blob: il, dl, index, data. Caller frees. */
static uint8_t *hb_blob(const hb *b, size_t *len)
{
    uint8_t *p;

    *len = 8 + (size_t)b->il * 16 + b->dl;
    p = st_malloc(*len);
    put32(p, b->il);
    put32(p + 4, (uint32_t)b->dl);
    memcpy(p + 8, b->index, (size_t)b->il * 16);
    memcpy(p + 8 + (size_t)b->il * 16, b->data, b->dl);
    return p;
}

/* A whole, ordinary package header. */
static void hb_package(hb *b)
{
    static const char *const dirs[] = {"/usr/bin/", "/etc/"};
    static const char *const bases[] = {"tool", "tool.conf", "other"};
    static const uint32_t idx[] = {0, 1, 0};
    static const uint32_t epoch = 3;

    hb_string(b, 1000, T_STRING, "pkg");
    hb_string(b, 1001, T_STRING, "1.2");
    hb_string(b, 1002, T_STRING, "4.el9");
    hb_int32s(b, 1003, &epoch, 1);
    hb_string(b, 1014, T_I18N, "MIT");
    hb_string(b, 1022, T_STRING, "x86_64");
    hb_string(b, 1044, T_STRING, "pkg-1.2-4.el9.src.rpm");
    hb_string(b, 1011, T_STRING, "Vendor");
    hb_strings(b, 1118, dirs, 2);
    hb_strings(b, 1117, bases, 3);
    hb_int32s(b, 1116, idx, 3);
}

static int parse(const uint8_t *blob, size_t len, st_rpm_header *h,
                 st_arena *a)
{
    /* A private exact-size copy, so ASan sees one byte past the end. */
    uint8_t *copy = st_malloc(len ? len : 1);
    int rc;

    memcpy(copy, blob, len);
    rc = st_rpm__parse_header(h, copy, len, a);
    st_free(copy);
    return rc;
}

/* ---- well-formed headers ----------------------------------------------- */

static void test_rpm__package(void **state)
{
    hb b;
    st_arena *a = st_arena_new();
    st_rpm_header h;
    uint8_t *blob;
    size_t len;
    (void)state;

    hb_init(&b, 4096);
    hb_package(&b);
    blob = hb_blob(&b, &len);
    assert_int_equal(parse(blob, len, &h, a), 0);
    assert_string_equal(h.name, "pkg");
    assert_string_equal(h.version, "1.2");
    assert_string_equal(h.release, "4.el9");
    assert_true(h.has_epoch);
    assert_int_equal(h.epoch, 3);
    assert_string_equal(h.license, "MIT");
    assert_string_equal(h.arch, "x86_64");
    assert_string_equal(h.sourcerpm, "pkg-1.2-4.el9.src.rpm");
    assert_string_equal(h.vendor, "Vendor");
    assert_int_equal(h.file_count, 3);
    assert_string_equal(h.files[0], "/usr/bin/tool");
    assert_string_equal(h.files[1], "/etc/tool.conf");
    assert_string_equal(h.files[2], "/usr/bin/other");
    st_free(blob);
    hb_free(&b);
    st_arena_free(a);
}

/* No epoch, no arch, no files: a gpg-pubkey looks like this. */
static void test_rpm__minimal(void **state)
{
    hb b;
    st_arena *a = st_arena_new();
    st_rpm_header h;
    uint8_t *blob;
    size_t len;
    (void)state;

    hb_init(&b, 256);
    hb_string(&b, 1000, T_STRING, "gpg-pubkey");
    hb_string(&b, 1001, T_STRING, "abcd1234");
    blob = hb_blob(&b, &len);
    assert_int_equal(parse(blob, len, &h, a), 0);
    assert_string_equal(h.name, "gpg-pubkey");
    assert_false(h.has_epoch);
    assert_null(h.release);
    assert_null(h.arch);
    assert_int_equal(h.file_count, 0);
    assert_null(h.files);
    st_free(blob);
    hb_free(&b);
    st_arena_free(a);
}

/* rpm < 4.1 kept whole paths in OLDFILENAMES. */
static void test_rpm__old_filenames(void **state)
{
    static const char *const names[] = {"/bin/a", "/etc/b"};
    hb b;
    st_arena *a = st_arena_new();
    st_rpm_header h;
    uint8_t *blob;
    size_t len;
    (void)state;

    hb_init(&b, 256);
    hb_string(&b, 1000, T_STRING, "old");
    hb_strings(&b, 1027, names, 2);
    blob = hb_blob(&b, &len);
    assert_int_equal(parse(blob, len, &h, a), 0);
    assert_int_equal(h.file_count, 2);
    assert_string_equal(h.files[0], "/bin/a");
    assert_string_equal(h.files[1], "/etc/b");
    st_free(blob);
    hb_free(&b);
    st_arena_free(a);
}

/* An entry appended after the region replaces the one inside it. */
static void test_rpm__dribble_wins(void **state)
{
    hb b;
    st_arena *a = st_arena_new();
    st_rpm_header h;
    uint8_t *blob;
    size_t len;
    (void)state;

    hb_init(&b, 256);
    hb_string(&b, 1000, T_STRING, "first");
    hb_string(&b, 1014, T_STRING, "GPL");
    hb_string(&b, 1000, T_STRING, "second");
    blob = hb_blob(&b, &len);
    assert_int_equal(parse(blob, len, &h, a), 0);
    assert_string_equal(h.name, "second");
    st_free(blob);
    hb_free(&b);
    st_arena_free(a);
}

/* ---- malformed headers ------------------------------------------------- */

/* Each case damages an ordinary header (or builds its own) in one way. */
typedef struct bad_case {
    const char *what;
    void (*build)(hb *b);
    /* applied to the finished blob; may change its length */
    void (*patch)(uint8_t *blob, size_t *len);
} bad_case;

static void b_package(hb *b) { hb_package(b); }
static void b_no_name(hb *b) { hb_string(b, 1001, T_STRING, "1.0"); }
static void b_empty_name(hb *b) { hb_string(b, 1000, T_STRING, ""); }

static void b_name_int(hb *b)
{
    static const uint32_t v = 7;
    hb_int32s(b, 1000, &v, 1);
}

static void b_name_unterminated(hb *b)
{
    hb_entry(b, 1000, T_STRING, hb_data(b, "abc", 3, 1), 1);
}

static void b_misaligned_epoch(hb *b)
{
    hb_string(b, 1000, T_STRING, "p");
    hb_data(b, "\0\0\0\0\0", 5, 1);
    hb_entry(b, 1003, T_INT32, 2, 1); /* offset 2: not a multiple of 4 */
}

static void b_epoch_past_end(hb *b)
{
    hb_string(b, 1000, T_STRING, "pkg"); /* 4 bytes */
    hb_entry(b, 1003, T_INT32, 4, 1);   /* would read bytes 4..7 */
}

static void b_epoch_zero_count(hb *b)
{
    static const uint32_t v = 1;
    hb_int32s(b, 1003, &v, 1);
    hb_string(b, 1000, T_STRING, "p");
    put32(b->index + 12, 0); /* EPOCH count 0 */
}

static void b_unknown_type(hb *b)
{
    hb_string(b, 1000, T_STRING, "p");
    hb_entry(b, 5000, 10, 0, 1);
}

static void b_huge_count(hb *b)
{
    hb_string(b, 1000, T_STRING, "p");
    hb_entry(b, 5000, T_BIN, 0, 0x01000000);
}

static void b_offset_past_dl(hb *b)
{
    hb_string(b, 1000, T_STRING, "p");
    hb_entry(b, 1014, T_STRING, 1000, 1);
}

static void b_strarray_count(hb *b)
{
    static const char *const v[] = {"a", "b"};
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1027, v, 2);
    put32(b->index + 16 + 12, 3); /* three strings claimed, two present */
}

static void b_strarray_huge(hb *b)
{
    static const char *const v[] = {"a"};
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1117, v, 1);
    put32(b->index + 16 + 12, 0x00ffffff);
}

static void b_dirindex_range(hb *b)
{
    static const char *const dirs[] = {"/d/"};
    static const char *const bases[] = {"f"};
    static const uint32_t idx[] = {1};
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1118, dirs, 1);
    hb_strings(b, 1117, bases, 1);
    hb_int32s(b, 1116, idx, 1);
}

static void b_dirindex_count(hb *b)
{
    static const char *const dirs[] = {"/d/"};
    static const char *const bases[] = {"f", "g"};
    static const uint32_t idx[] = {0};
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1118, dirs, 1);
    hb_strings(b, 1117, bases, 2);
    hb_int32s(b, 1116, idx, 1);
}

static void b_no_dirnames(hb *b)
{
    static const char *const bases[] = {"f"};
    static const uint32_t idx[] = {0};
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1117, bases, 1);
    hb_int32s(b, 1116, idx, 1);
}

/* One long dirname shared by many basenames: the joined paths would be
 * far larger than the blob. */
static void b_quadratic(hb *b)
{
    static char dir[64 * 1024];
    static const char *const dirs[] = {dir};
    const char *bases[40];
    uint32_t idx[40];

    memset(dir, 'd', sizeof(dir) - 1);
    for (int i = 0; i < 40; i++) {
        bases[i] = "f";
        idx[i] = 0;
    }
    hb_string(b, 1000, T_STRING, "p");
    hb_strings(b, 1118, dirs, 1);
    hb_strings(b, 1117, bases, 40);
    /* A smaller budget than production's 1 MiB floor would need, so check
     * the real one: 40 * 64 KiB = 2.5 MiB > 16 * ~64 KiB + 1 MiB. */
    hb_int32s(b, 1116, idx, 40);
}

static void p_longer(uint8_t *blob, size_t *len) { (void)blob; ++*len; }
static void p_shorter(uint8_t *blob, size_t *len) { (void)blob; --*len; }
static void p_il_zero(uint8_t *blob, size_t *len) { (void)len; put32(blob, 0); }
static void p_il_huge(uint8_t *blob, size_t *len) { (void)len; put32(blob, 0x10000); }
static void p_il_max(uint8_t *blob, size_t *len) { (void)len; put32(blob, 0xffffffff); }
static void p_dl_huge(uint8_t *blob, size_t *len)
{
    (void)len;
    put32(blob + 4, 256u * 1024 * 1024 + 1);
}
static void p_dl_max(uint8_t *blob, size_t *len) { (void)len; put32(blob + 4, 0xffffffff); }
static void p_tiny(uint8_t *blob, size_t *len) { (void)blob; *len = 7; }
static void p_empty(uint8_t *blob, size_t *len) { (void)blob; *len = 0; }
static void p_header_only(uint8_t *blob, size_t *len) { (void)blob; *len = 8; }

static const bad_case bad_cases[] = {
    {"blob one byte longer", b_package, p_longer},
    {"blob one byte shorter", b_package, p_shorter},
    {"il = 0", b_package, p_il_zero},
    {"il = 0x10000", b_package, p_il_huge},
    {"il = 0xffffffff", b_package, p_il_max},
    {"dl over 256 MiB", b_package, p_dl_huge},
    {"dl = 0xffffffff", b_package, p_dl_max},
    {"7 bytes", b_package, p_tiny},
    {"0 bytes", b_package, p_empty},
    {"8 bytes", b_package, p_header_only},
    {"no NAME", b_no_name, NULL},
    {"empty NAME", b_empty_name, NULL},
    {"NAME is INT32", b_name_int, NULL},
    {"NAME unterminated", b_name_unterminated, NULL},
    {"EPOCH misaligned", b_misaligned_epoch, NULL},
    {"EPOCH past the store", b_epoch_past_end, NULL},
    {"EPOCH count 0", b_epoch_zero_count, NULL},
    {"type 10", b_unknown_type, NULL},
    {"count over 0xffffff", b_huge_count, NULL},
    {"offset past dl", b_offset_past_dl, NULL},
    {"STRING_ARRAY count too large", b_strarray_count, NULL},
    {"STRING_ARRAY count huge", b_strarray_huge, NULL},
    {"DIRINDEXES out of range", b_dirindex_range, NULL},
    {"DIRINDEXES count mismatch", b_dirindex_count, NULL},
    {"BASENAMES without DIRNAMES", b_no_dirnames, NULL},
    {"file list quadratic", b_quadratic, NULL},
};

static void test_rpm__malformed(void **state)
{
    (void)state;

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        hb b;
        st_arena *a = st_arena_new();
        st_rpm_header h;
        uint8_t *blob;
        size_t len;
        int rc;

        hb_init(&b, 128 * 1024);
        bad_cases[i].build(&b);
        blob = hb_blob(&b, &len);
        if (bad_cases[i].patch) {
            /* room for "one byte longer" */
            blob = st_realloc(blob, len + 1);
            blob[len] = 0;
            bad_cases[i].patch(blob, &len);
        }
        rc = parse(blob, len, &h, a);
        if (rc != ST_EINVALID)
            print_error("case \"%s\": rc %d\n", bad_cases[i].what, rc);
        assert_int_equal(rc, ST_EINVALID);
        st_free(blob);
        hb_free(&b);
        st_arena_free(a);
    }
}

/* ---- real headers ------------------------------------------------------ */

typedef struct blobs {
    st_vec v; /* st_buf * */
} blobs;

static int keep_blob(void *payload, const uint8_t *blob, size_t len)
{
    blobs *b = payload;
    st_buf *copy = st_calloc(1, sizeof(*copy));

    st_buf_init(copy, len + 1);
    assert_int_equal(st_buf_put(copy, blob, len), 0);
    return st_vec_push(&b->v, copy);
}

static void real_blobs(blobs *out)
{
    st_buf db = ST_BUF_INIT(1 << 20);

    memset(out, 0, sizeof(*out));
    assert_int_equal(st_read_file(&db, ST_TEST_DATA "/rpm/Packages.db", db.max,
                                  NULL),
                     0);
    assert_int_equal(st_rpmdb__foreach((const uint8_t *)db.ptr, db.len,
                                       ST_RPMDB_NDB, keep_blob, out, NULL),
                     0);
    assert_int_equal(out->v.len, 5);
    st_buf_release(&db);
}

static void blobs_release(blobs *b)
{
    for (size_t i = 0; i < b->v.len; i++) {
        st_buf_release(b->v.items[i]);
        st_free(b->v.items[i]);
    }
    st_vec_release(&b->v);
}

/* Every proper prefix of a real header is refused. */
static void test_rpm__real_truncated(void **state)
{
    blobs b;
    (void)state;

    real_blobs(&b);
    for (size_t i = 0; i < b.v.len; i++) {
        st_buf *blob = b.v.items[i];
        st_arena *a = st_arena_new();
        st_rpm_header h;

        assert_int_equal(parse((uint8_t *)blob->ptr, blob->len, &h, a), 0);
        for (size_t n = 0; n < blob->len; n++)
            assert_int_equal(parse((uint8_t *)blob->ptr, n, &h, a),
                             ST_EINVALID);
        st_arena_free(a);
    }
    blobs_release(&b);
}

/* Every byte of the il/dl words and the index, set to a few values that
 * break offsets, counts and types: never a crash, never a read outside
 * the blob (ASan), and a result of 0 or ST_EINVALID. */
static void test_rpm__real_mutated(void **state)
{
    static const uint8_t values[] = {0x00, 0x01, 0x07, 0x7f, 0x80, 0xff};
    blobs b;
    (void)state;

    real_blobs(&b);
    for (size_t i = 0; i < b.v.len; i++) {
        st_buf *blob = b.v.items[i];
        uint8_t *m = st_malloc(blob->len);
        uint32_t il = (uint32_t)(uint8_t)blob->ptr[2] << 8 | (uint8_t)blob->ptr[3];
        size_t end = 8 + (size_t)il * 16;
        st_arena *a = st_arena_new();

        for (size_t pos = 0; pos < end; pos++) {
            for (size_t v = 0; v < sizeof(values); v++) {
                st_rpm_header h;
                int rc;

                memcpy(m, blob->ptr, blob->len);
                m[pos] = values[v];
                rc = st_rpm__parse_header(&h, m, blob->len, a);
                assert_true(rc == 0 || rc == ST_EINVALID);
            }
        }
        st_free(m);
        st_arena_free(a);
    }
    blobs_release(&b);
}

/* Out of memory at every allocation: ST_ENOMEM, no crash, no leak. */
static void test_rpm__alloc_failure(void **state)
{
    blobs b;
    (void)state;

    real_blobs(&b);
    for (long n = 1;; n++) {
        st_buf *blob = b.v.items[1];
        st_arena *a = st_arena_new();
        st_rpm_header h;
        int rc;

        assert_non_null(a);
        st_alloc_fail_after(n);
        rc = st_rpm__parse_header(&h, (uint8_t *)blob->ptr, blob->len, a);
        st_alloc_fail_after(0);
        st_arena_free(a);
        if (rc == 0)
            break;
        assert_int_equal(rc, ST_ENOMEM);
        assert_true(n < 1000);
    }
    blobs_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpm__package),
        cmocka_unit_test(test_rpm__minimal),
        cmocka_unit_test(test_rpm__old_filenames),
        cmocka_unit_test(test_rpm__dribble_wins),
        cmocka_unit_test(test_rpm__malformed),
        cmocka_unit_test(test_rpm__real_truncated),
        cmocka_unit_test(test_rpm__real_mutated),
        cmocka_unit_test(test_rpm__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
