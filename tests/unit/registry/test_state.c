/* registry/state: the audit's tag -> digest memory. Created private, WAL,
 * schema versioned; first_seen follows the digest, last_seen every audit;
 * a failed write changes nothing; files that are not ours are refused. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "registry/state.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static char dir[64];

static char *path(const char *name)
{
    static char b[4][256];
    static int next;
    char *p = b[next++ % 4];
    snprintf(p, sizeof(b[0]), "%s/%s", dir, name);
    return p;
}

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "%s/st-regstate.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The stored digest, first_seen and last_seen of one tag ("" when none). */
typedef struct row {
    char digest[80];
    int64_t first_seen, last_seen;
} row;

static row get(st_regstate *s, const char *reg, const char *repo,
               const char *tag)
{
    st_arena *a = st_arena_new();
    st_regstate_tag t;
    bool found = true;
    row r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(st_regstate_get(s, reg, repo, tag, a, &t, &found, NULL),
                     0);
    if (found) {
        snprintf(r.digest, sizeof(r.digest), "%s", t.digest);
        r.first_seen = t.first_seen;
        r.last_seen = t.last_seen;
        assert_string_equal(t.repository, repo);
        assert_string_equal(t.tag, tag);
    }
    st_arena_free(a);
    return r;
}

static void expect_row(st_regstate *s, const char *repo, const char *tag,
                       const char *digest, int64_t first, int64_t last)
{
    row r = get(s, "reg:5000", repo, tag);
    assert_string_equal(r.digest, digest);
    assert_int_equal(r.first_seen, first);
    assert_int_equal(r.last_seen, last);
}

static void test_registry__state_create(void **state)
{
    st_regstate *s = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    struct stat st;
    int64_t when = -1;
    size_t n = 99;
    (void)state;

    umask(022);
    assert_int_equal(st_regstate_open(&s, path("new.db"), NULL), 0);
    assert_int_equal(stat(path("new.db"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st_regstate_last_audit(s, "reg:5000", &when, &n, NULL),
                     0);
    assert_int_equal(when, 0);
    assert_int_equal(n, 0);
    assert_string_equal(get(s, "reg:5000", "a", "latest").digest, "");
    st_regstate_close(s);

    /* What another reader sees: schema 1, WAL, both tables. */
    assert_int_equal(sqlite3_open_v2(path("new.db"), &db,
                                     SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), ST_REGSTATE_SCHEMA);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT group_concat(name, ',') FROM (SELECT name"
                           " FROM sqlite_master WHERE type = 'table'"
                           " ORDER BY name)",
                           -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0),
                        "audits,tags");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_registry__state_record(void **state)
{
    st_regstate *s = NULL;
    int64_t when;
    size_t n;
    const st_regstate_tag first[] = {
        {"team/app", "latest", D1, 0, 0},
        {"team/app", "1.0", D1, 0, 0},
        {"base", "12", D2, 0, 0},
    };
    const st_regstate_tag second[] = {
        {"team/app", "latest", D3, 0, 0}, /* moved */
        {"team/app", "1.0", D1, 0, 0},    /* unchanged */
        /* base:12 not seen this time (a truncated listing) */
        {"team/app", "2.0", D3, 0, 0}, /* new */
    };
    const st_regstate_tag back[] = {
        {"team/app", "latest", D1, 0, 0}, /* moved back */
    };
    (void)state;

    assert_int_equal(st_regstate_open(&s, path("rec.db"), NULL), 0);
    assert_int_equal(st_regstate_record(s, "reg:5000", first, 3, 1000, NULL),
                     0);
    expect_row(s, "team/app", "latest", D1, 1000, 1000);
    expect_row(s, "team/app", "1.0", D1, 1000, 1000);
    expect_row(s, "base", "12", D2, 1000, 1000);
    /* Other registries are separate. */
    assert_string_equal(get(s, "other:5000", "base", "12").digest, "");

    assert_int_equal(st_regstate_record(s, "reg:5000", second, 3, 2000, NULL),
                     0);
    st_regstate_close(s);
    s = NULL;
    /* Reopened: the state is on disk. */
    assert_int_equal(st_regstate_open(&s, path("rec.db"), NULL), 0);
    expect_row(s, "team/app", "latest", D3, 2000, 2000);
    expect_row(s, "team/app", "1.0", D1, 1000, 2000);
    expect_row(s, "base", "12", D2, 1000, 1000);
    expect_row(s, "team/app", "2.0", D3, 2000, 2000);
    assert_int_equal(st_regstate_last_audit(s, "reg:5000", &when, &n, NULL),
                     0);
    assert_int_equal(when, 2000);
    assert_int_equal(n, 4);

    assert_int_equal(st_regstate_record(s, "reg:5000", back, 1, 3000, NULL),
                     0);
    expect_row(s, "team/app", "latest", D1, 3000, 3000);
    /* An audit that saw no tags still counts as an audit. */
    assert_int_equal(st_regstate_record(s, "empty:443", NULL, 0, 3500, NULL),
                     0);
    assert_int_equal(st_regstate_last_audit(s, "empty:443", &when, &n, NULL),
                     0);
    assert_int_equal(when, 3500);
    assert_int_equal(n, 0);
    st_regstate_close(s);
}

/* A write that fails half-way leaves every row and the audit time as
 * they were: the first tag's update is rolled back with the rest. */
static void test_registry__state_atomic(void **state)
{
    st_regstate *s = NULL;
    st_error *err = NULL;
    int64_t when;
    size_t n;
    const st_regstate_tag base[] = {
        {"a", "latest", D1, 0, 0},
        {"b", "latest", D2, 0, 0},
    };
    const st_regstate_tag broken[] = {
        {"a", "latest", D3, 0, 0},
        {"b", "latest", NULL, 0, 0}, /* NOT NULL fails here */
        {"c", "latest", D3, 0, 0},
    };
    (void)state;

    assert_int_equal(st_regstate_open(&s, path("atomic.db"), NULL), 0);
    assert_int_equal(st_regstate_record(s, "reg:5000", base, 2, 100, NULL),
                     0);
    assert_int_equal(
        st_regstate_record(s, "reg:5000", broken, 3, 200, &err), ST_EIO);
    assert_non_null(strstr(st_error_message(err), "atomic.db: storing "
                                                  "reg:5000/b:latest: "));
    st_error_free(err);
    expect_row(s, "a", "latest", D1, 100, 100);
    expect_row(s, "b", "latest", D2, 100, 100);
    assert_string_equal(get(s, "reg:5000", "c", "latest").digest, "");
    assert_int_equal(st_regstate_last_audit(s, "reg:5000", &when, &n, NULL),
                     0);
    assert_int_equal(when, 100);
    assert_int_equal(n, 2);
    /* And the handle still works afterwards. */
    assert_int_equal(st_regstate_record(s, "reg:5000", broken, 1, 300, NULL),
                     0);
    expect_row(s, "a", "latest", D3, 300, 300);
    st_regstate_close(s);
}

static void write_file(const char *p, const char *data)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static void sql(const char *p, const char *stmts)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, stmts, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_registry__state_refused(void **state)
{
    static const struct {
        const char *name;
        int code;
        const char *msg; /* the message after "<dir>/" */
    } cases[] = {
        {"text.db", ST_EINVALID, "text.db: not a strata registry state DB"},
        {"foreign.db", ST_EINVALID,
         "foreign.db: not a strata registry state DB"},
        {"future.db", ST_EUNSUPPORTED,
         "future.db: state DB schema 7 is newer than this strata's (1)"},
        {"no/such/dir.db", ST_EIO,
         "no/such/dir.db: No such file or directory"},
    };
    (void)state;

    write_file(path("text.db"),
               "this is not a database, but long enough to look like one "
               "to nobody: 0123456789abcdef0123456789abcdef0123456789\n");
    sql(path("foreign.db"), "CREATE TABLE t (x);");
    sql(path("future.db"), "PRAGMA user_version = 7;");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_regstate *s = (st_regstate *)&cases;
        st_error *err = NULL;
        char want[512];
        snprintf(want, sizeof(want), "%s/%s", dir, cases[i].msg);
        assert_int_equal(st_regstate_open(&s, path(cases[i].name), &err),
                         cases[i].code);
        assert_null(s);
        assert_string_equal(st_error_message(err), want);
        st_error_free(err);
    }
    /* A refused file is left as it was. */
    {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_open(path("foreign.db"), &db), SQLITE_OK);
        assert_int_equal(
            sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1,
                               &q, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 1);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
}

/* Two handles on one file (two audits at once): both work, and a reader
 * sees only committed audits. */
static void test_registry__state_two_handles(void **state)
{
    st_regstate *a = NULL, *b = NULL;
    const st_regstate_tag t1[] = {{"r", "t", D1, 0, 0}};
    const st_regstate_tag t2[] = {{"r", "t", D2, 0, 0}};
    (void)state;

    assert_int_equal(st_regstate_open(&a, path("two.db"), NULL), 0);
    assert_int_equal(st_regstate_open(&b, path("two.db"), NULL), 0);
    assert_int_equal(st_regstate_record(a, "reg:5000", t1, 1, 10, NULL), 0);
    expect_row(b, "r", "t", D1, 10, 10);
    assert_int_equal(st_regstate_record(b, "reg:5000", t2, 1, 20, NULL), 0);
    expect_row(a, "r", "t", D2, 20, 20);
    st_regstate_close(a);
    st_regstate_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__state_create),
        cmocka_unit_test(test_registry__state_record),
        cmocka_unit_test(test_registry__state_atomic),
        cmocka_unit_test(test_registry__state_refused),
        cmocka_unit_test(test_registry__state_two_handles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
