/* rpm databases: the real samples in tests/data/rpm (see the README there)
 * must list exactly what `rpm -qa` listed when they were made, in every
 * format; damaged copies must fail cleanly and keep what can be read. */
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

#define DATA ST_TEST_DATA "/rpm/"

static void load(st_buf *b, const char *name)
{
    char path[512];
    st_error *err = NULL;

    snprintf(path, sizeof(path), "%s%s", DATA, name);
    st_buf_init(b, 64 * 1024 * 1024);
    if (st_read_file(b, path, b->max, &err) < 0) {
        print_error("%s: %s\n", path, st_error_message(err));
        st_error_free(err);
        fail();
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of `text` sorted and joined again, so that the order of the
 * database does not matter. Caller frees. */
static char *sorted(const char *text)
{
    char *copy = st_strdup(text), *save = NULL, *line;
    st_vec v = ST_VEC_INIT;
    st_buf out = ST_BUF_INIT(1 << 20);

    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        assert_int_equal(st_vec_push(&v, line), 0);
    st_vec_sort(&v, cmp_str);
    for (size_t i = 0; i < v.len; i++)
        st_buf_printf(&out, "%s\n", (char *)v.items[i]);
    st_vec_release(&v);
    st_free(copy);
    return st_buf_detach(&out, NULL);
}

/* Collects what the oracle printed: one line per package (name, epoch,
 * version, release, arch, source rpm, license) and one per file. */
typedef struct collect {
    st_arena *arena;
    st_buf pkgs;
    st_buf files;
    unsigned blobs, bad;
} collect;

/* As the oracle prints it: rpm -qa shows "(none)" for an absent tag, and
 * the fixture script blanks every "(none)" (gpg-pubkey even stores the
 * string as its SOURCERPM). */
static const char *shown(const char *s)
{
    return s && strcmp(s, "(none)") != 0 ? s : "";
}

static int on_blob(void *payload, const uint8_t *blob, size_t len)
{
    collect *c = payload;
    st_rpm_header h;
    char epoch[16] = "";

    c->blobs++;
    if (st_rpm__parse_header(&h, blob, len, c->arena) < 0) {
        c->bad++;
        return 0;
    }
    if (h.has_epoch)
        snprintf(epoch, sizeof(epoch), "%u", h.epoch);
    st_buf_printf(&c->pkgs, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.name, epoch,
                  shown(h.version), shown(h.release), shown(h.arch),
                  shown(h.sourcerpm), shown(h.license));
    for (size_t i = 0; i < h.file_count; i++)
        st_buf_printf(&c->files, "%s\t%s\n", h.name, h.files[i]);
    return 0;
}

static void collect_init(collect *c)
{
    memset(c, 0, sizeof(*c));
    c->arena = st_arena_new();
    st_buf_init(&c->pkgs, 1 << 20);
    st_buf_init(&c->files, 1 << 20);
}

static void collect_release(collect *c)
{
    st_arena_free(c->arena);
    st_buf_release(&c->pkgs);
    st_buf_release(&c->files);
}

static void check_sample(const char *name, st_rpmdb_kind kind)
{
    st_buf db, want, want_files;
    collect c;
    st_error *err = NULL;
    char *got, *got_files;
    int rc;

    load(&db, name);
    load(&want, "expected.tsv");
    load(&want_files, "expected-files.tsv");
    collect_init(&c);

    rc = st_rpmdb__foreach((const uint8_t *)db.ptr, db.len, kind, on_blob, &c,
                           &err);
    if (rc < 0)
        print_error("%s: %s\n", name, st_error_message(err));
    assert_int_equal(rc, 0);
    assert_int_equal(c.bad, 0);
    got = sorted(c.pkgs.ptr);
    got_files = sorted(c.files.ptr);
    assert_string_equal(got, want.ptr);
    assert_string_equal(got_files, want_files.ptr);

    st_free(got);
    st_free(got_files);
    collect_release(&c);
    st_buf_release(&db);
    st_buf_release(&want);
    st_buf_release(&want_files);
    st_error_free(err);
}

static void test_rpm__sqlite(void **state)
{
    (void)state;
    check_sample("rpmdb.sqlite", ST_RPMDB_SQLITE);
}

static void test_rpm__bdb(void **state)
{
    (void)state;
    check_sample("Packages", ST_RPMDB_BDB);
}

static void test_rpm__bdb_big_endian(void **state)
{
    (void)state;
    check_sample("Packages.be", ST_RPMDB_BDB);
}

static void test_rpm__bdb_checksummed(void **state)
{
    (void)state;
    check_sample("Packages.chksum", ST_RPMDB_BDB);
}

static void test_rpm__ndb(void **state)
{
    (void)state;
    check_sample("Packages.db", ST_RPMDB_NDB);
}

/* The input is never written, even for sqlite, which is handed a copy with
 * its WAL header bytes patched. */
static void test_rpm__input_untouched(void **state)
{
    static const char *const names[] = {"rpmdb.sqlite", "Packages",
                                        "Packages.db"};
    static const st_rpmdb_kind kinds[] = {ST_RPMDB_SQLITE, ST_RPMDB_BDB,
                                          ST_RPMDB_NDB};
    (void)state;

    for (size_t i = 0; i < 3; i++) {
        st_buf db;
        collect c;
        char *before;

        load(&db, names[i]);
        before = st_malloc(db.len);
        memcpy(before, db.ptr, db.len);
        collect_init(&c);
        assert_int_equal(st_rpmdb__foreach((const uint8_t *)db.ptr, db.len,
                                           kinds[i], on_blob, &c, NULL),
                         0);
        assert_memory_equal(before, db.ptr, db.len);
        st_free(before);
        collect_release(&c);
        st_buf_release(&db);
    }
}

/* A callback error stops the walk and comes back unchanged. */
static int stop_cb(void *payload, const uint8_t *blob, size_t len)
{
    (void)blob;
    (void)len;
    ++*(int *)payload;
    return ST_EABORT;
}

static void test_rpm__callback_stops(void **state)
{
    static const char *const names[] = {"rpmdb.sqlite", "Packages",
                                        "Packages.be", "Packages.db"};
    static const st_rpmdb_kind kinds[] = {ST_RPMDB_SQLITE, ST_RPMDB_BDB,
                                          ST_RPMDB_BDB, ST_RPMDB_NDB};
    (void)state;

    for (size_t i = 0; i < 4; i++) {
        st_buf db;
        int calls = 0;

        load(&db, names[i]);
        assert_int_equal(st_rpmdb__foreach((const uint8_t *)db.ptr, db.len,
                                           kinds[i], stop_cb, &calls, NULL),
                         ST_EABORT);
        assert_int_equal(calls, 1);
        st_buf_release(&db);
    }
}

/* Every prefix of every sample: 0 or ST_EINVALID, never a crash (ASan
 * checks the reads), and whatever blobs come out are whole headers. */
static void test_rpm__truncated(void **state)
{
    static const char *const names[] = {"rpmdb.sqlite", "Packages",
                                        "Packages.be", "Packages.chksum",
                                        "Packages.db"};
    static const st_rpmdb_kind kinds[] = {ST_RPMDB_SQLITE, ST_RPMDB_BDB,
                                          ST_RPMDB_BDB, ST_RPMDB_BDB,
                                          ST_RPMDB_NDB};
    (void)state;

    for (size_t i = 0; i < 5; i++) {
        st_buf db;

        load(&db, names[i]);
        for (size_t n = 0; n < db.len; n += (n < 600 ? 1 : 97)) {
            collect c;
            /* A private copy of exactly n bytes, so ASan sees the end. */
            uint8_t *p = st_malloc(n ? n : 1);
            int rc;

            memcpy(p, db.ptr, n);
            collect_init(&c);
            rc = st_rpmdb__foreach(p, n, kinds[i], on_blob, &c, NULL);
            assert_true(rc == 0 || rc == ST_EINVALID);
            assert_int_equal(c.bad, 0);
            collect_release(&c);
            st_free(p);
        }
        st_buf_release(&db);
    }
}

/* A BDB whose first overflow chain loops back on itself: that record is
 * skipped and counted, the others are still listed. */
static void test_rpm__bdb_overflow_loop(void **state)
{
    st_buf db;
    collect c;
    st_error *err = NULL;
    uint8_t *p;
    uint32_t pgsize;
    int rc;
    (void)state;

    load(&db, "Packages");
    p = (uint8_t *)db.ptr;
    memcpy(&pgsize, p + 20, 4); /* the sample is little-endian */
    /* Find the first overflow page that continues, and point it at itself. */
    for (size_t pg = 1; pg < db.len / pgsize; pg++) {
        uint8_t *page = p + pg * pgsize;
        uint32_t next;

        memcpy(&next, page + 16, 4);
        if (page[25] == 7 && next != 0) {
            uint32_t self = (uint32_t)pg;
            memcpy(page + 16, &self, 4);
            break;
        }
    }
    collect_init(&c);
    rc = st_rpmdb__foreach(p, db.len, ST_RPMDB_BDB, on_blob, &c, &err);
    assert_int_equal(rc, ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "damaged"));
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.blobs, 4); /* five headers, one lost */
    collect_release(&c);
    st_error_free(err);
    st_buf_release(&db);
}

/* An ndb slot pointing into the slot pages (or past the end) is skipped;
 * a slot without its magic makes the database unreadable, as for rpm. */
static void test_rpm__ndb_bad_slots(void **state)
{
    st_buf db;
    collect c;
    st_error *err = NULL;
    uint8_t *p;
    (void)state;

    load(&db, "Packages.db");
    p = (uint8_t *)db.ptr;
    p[32 + 8] = 1; /* first slot: blkoff 1, inside the slot page */
    p[32 + 9] = 0;
    p[48 + 11] = 0x7f; /* second slot: blkoff far past the end */
    collect_init(&c);
    assert_int_equal(st_rpmdb__foreach(p, db.len, ST_RPMDB_NDB, on_blob, &c,
                                       &err),
                     ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "2 damaged"));
    assert_int_equal(c.blobs, 3);
    collect_release(&c);
    st_error_free(err);
    err = NULL;

    p[64] = 'X'; /* third slot's magic */
    collect_init(&c);
    assert_int_equal(st_rpmdb__foreach(p, db.len, ST_RPMDB_NDB, on_blob, &c,
                                       &err),
                     ST_EINVALID);
    assert_int_equal(c.blobs, 0);
    collect_release(&c);
    st_error_free(err);
    st_buf_release(&db);
}

/* sqlite: a database without Packages, and a view named Packages (which
 * would run the image's SQL), are refused. */
static void test_rpm__sqlite_no_table(void **state)
{
    st_buf db;
    collect c;
    st_error *err = NULL;
    (void)state;

    load(&db, "rpmdb.sqlite");
    /* Rename the table in the schema text and name: "Packages" → "Packagez". */
    for (size_t i = 0; i + 8 <= db.len; i++)
        if (memcmp(db.ptr + i, "Packages", 8) == 0)
            db.ptr[i + 7] = 'z';
    collect_init(&c);
    assert_int_equal(st_rpmdb__foreach((const uint8_t *)db.ptr, db.len,
                                       ST_RPMDB_SQLITE, on_blob, &c, &err),
                     ST_EINVALID);
    assert_int_equal(c.blobs, 0);
    collect_release(&c);
    st_error_free(err);
    st_buf_release(&db);
}

static void test_rpm__wrong_kind(void **state)
{
    static const char *const names[] = {"rpmdb.sqlite", "Packages",
                                        "Packages.db"};
    (void)state;

    /* Each sample read as each of the other two formats. */
    for (size_t i = 0; i < 3; i++) {
        for (int k = 0; k < 3; k++) {
            st_buf db;
            collect c;

            if ((size_t)k == i)
                continue;
            load(&db, names[i]);
            collect_init(&c);
            assert_int_equal(st_rpmdb__foreach((const uint8_t *)db.ptr,
                                               db.len, (st_rpmdb_kind)k,
                                               on_blob, &c, NULL),
                             ST_EINVALID);
            assert_int_equal(c.blobs, 0);
            collect_release(&c);
            st_buf_release(&db);
        }
    }
    assert_int_equal(st_rpmdb__foreach(NULL, 0, ST_RPMDB_BDB, on_blob, NULL,
                                       NULL),
                     ST_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpm__sqlite),
        cmocka_unit_test(test_rpm__bdb),
        cmocka_unit_test(test_rpm__bdb_big_endian),
        cmocka_unit_test(test_rpm__bdb_checksummed),
        cmocka_unit_test(test_rpm__ndb),
        cmocka_unit_test(test_rpm__input_untouched),
        cmocka_unit_test(test_rpm__callback_stops),
        cmocka_unit_test(test_rpm__truncated),
        cmocka_unit_test(test_rpm__bdb_overflow_loop),
        cmocka_unit_test(test_rpm__ndb_bad_slots),
        cmocka_unit_test(test_rpm__sqlite_no_table),
        cmocka_unit_test(test_rpm__wrong_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
