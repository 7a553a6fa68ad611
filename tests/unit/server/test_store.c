/* server/store: one suite, run against SQLite (a fresh file per test, in a
 * temp dir) and against PostgreSQL when ST_TEST_PG_URL names a database
 * (a fresh schema per test; tests/integration/server_store_pg.sh starts
 * one with tests/fixtures/postgres/pg.sh). Covers the queue and its
 * leases, the index and report writes, reads, paging, the finding-key
 * diff, statements failing and a process dying in the middle of a write,
 * and concurrent claims from two processes and eight handles.
 * ST_TEST_STORE_BENCH=N also times N reports of 100 keys and prints it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>

#include "server/store_int.h"

typedef struct fx {
    bool pg;
    char base[512]; /* the temp dir, or ST_TEST_PG_URL */
    char url[1024]; /* this test's store */
    char schema[64];
    int seq, first; /* schemas first..seq belong to the running test */
    st_store *s;
} fx;

static st_error *E;

/* OK(call): call passes &E; a failure prints the store's message. */
#define OK(call)                                                              \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ < 0)                                                          \
            fail_msg("%s:%d: %s -> %d: %s", __FILE__, __LINE__, #call, rc_,  \
                     st_error_message(E));                                    \
        st_error_free(E);                                                     \
        E = NULL;                                                             \
    } while (0)
#define FAILS(code, call)                                                     \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ != (code))                                                    \
            fail_msg("%s:%d: %s -> %d, want %d: %s", __FILE__, __LINE__,      \
                     #call, rc_, code, st_error_message(E));                  \
        st_error_free(E);                                                     \
        E = NULL;                                                             \
    } while (0)

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void digest_of(char out[72], const char *what, int i)
{
    char in[64];
    snprintf(in, sizeof(in), "%s-%d", what, i);
    st_sha256_hex(in, strlen(in), out);
}

/* ---- fixtures: a fresh store per test ---------------------------------- */

static void quiet(void *u, const char *msg)
{
    (void)u;
    (void)msg;
}

static void pg_exec(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r;
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("ST_TEST_PG_URL: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

static int group_sqlite(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    snprintf(f->base, sizeof(f->base), "%s/st-store-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->base))
        return -1;
    *state = f;
    return 0;
}

static int group_pg(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    f->pg = true;
    snprintf(f->base, sizeof(f->base), "%s", getenv("ST_TEST_PG_URL"));
    *state = f;
    return 0;
}

static int group_end(void **state)
{
    fx *f = *state;
    char cmd[600];
    if (!f->pg) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", f->base);
    }
    free(f);
    return 0;
}

/* A URL for a new, empty store (not opened). */
static void fresh_url(fx *f)
{
    f->seq++;
    if (!f->pg) {
        snprintf(f->url, sizeof(f->url), "%s/store-%d.db", f->base, f->seq);
        return;
    }
    snprintf(f->schema, sizeof(f->schema), "st_test_%d_%d", (int)getpid(),
             f->seq);
    {
        char sql[128];
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        pg_exec(f->base, sql);
    }
    snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s",
             f->base, strchr(f->base, '?') ? '&' : '?', f->schema);
}

static int setup(void **state)
{
    fx *f = *state;
    fresh_url(f);
    f->first = f->seq;
    OK(st_store_open(&f->s, f->url, 4, &E));
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char sql[128];
    st_store_close(f->s);
    f->s = NULL;
    st_store__fail_after(0, false);
    for (; f->pg && f->first <= f->seq; f->first++) {
        snprintf(sql, sizeof(sql), "DROP SCHEMA st_test_%d_%d CASCADE",
                 (int)getpid(), f->first);
        pg_exec(f->base, sql);
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Claims and indexes `digest` with the given layers (inventory "inv-L"). */
static void index_image(st_store *s, const char *digest, const char *worker,
                        const char *const *layers, size_t n)
{
    st_store_layer l[8];
    char inv[8][96];
    size_t i;
    assert_true(n <= 8);
    for (i = 0; i < n; i++) {
        snprintf(inv[i], sizeof(inv[i]), "{\"layer\":\"%s\"}", layers[i]);
        l[i].digest = layers[i];
        l[i].inventory_json = inv[i];
    }
    assert_int_equal(st_store_claim_digest(s, digest, "r/x:1", worker, 60,
                                           &E),
                     1);
    OK(st_store_put_index(s, digest, worker, l, n, "{\"image\":1}", &E));
}

static void assert_keys(st_store *s, const char *digest,
                        const char *const *want, size_t nwant)
{
    char **k = NULL;
    size_t n = 0, i;
    OK(st_store_report_keys(s, digest, &k, &n, &E));
    assert_int_equal(n, nwant);
    for (i = 0; i < n; i++) {
        assert_string_equal(k[i], want[i]);
        st_free(k[i]);
    }
    st_free(k);
}

static void free_keys(char **k, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        st_free(k[i]);
    st_free(k);
}

/* ---- tests -------------------------------------------------------------- */

static void test_store__open(void **state)
{
    fx *f = *state;
    st_store *again = NULL;
    int v = 0;

    assert_string_equal(st_store_backend(f->s), f->pg ? "postgres" : "sqlite");
    OK(st_store_schema_version(f->s, &v, &E));
    assert_int_equal(v, ST_STORE_SCHEMA);
    /* a second handle finds the schema current and migrates nothing */
    OK(st_store_open(&again, f->url, 1, &E));
    OK(st_store_schema_version(again, &v, &E));
    assert_int_equal(v, ST_STORE_SCHEMA);
    st_store_close(again);
    FAILS(ST_EUNSUPPORTED, st_store_open(&again, "mysql://h/db", 1, &E));
    FAILS(ST_EUSAGE, st_store_open(&again, "", 1, &E));
    assert_null(again);
}

/* Opens url expecting `code`; returns the formatted error (st_free). */
static char *open_fails(const char *url, int code)
{
    st_store *s = NULL;
    char *msg;
    int rc = st_store_open(&s, url, 1, &E);
    assert_null(s);
    msg = st_error_format(E);
    if (rc != code)
        fail_msg("%s -> %d, want %d: %s", url, rc, code, msg);
    assert_null(strchr(msg, '\n'));
    st_error_free(E);
    E = NULL;
    return msg;
}

/* Errors of the backend under test; the PostgreSQL ones need no server. */
static void test_store__open_errors(void **state)
{
    fx *f = *state;
    char path[600], *msg;
    FILE *fp;
    int i;

    if (f->pg) {
        /* nothing listens on port 1: the error names the backend and the
         * URL, never the password */
        msg = open_fails("postgres://alice:s3cr3t@127.0.0.1:1/db"
                         "?connect_timeout=2",
                         ST_EIO);
        assert_null(strstr(msg, "s3cr3t"));
        assert_non_null(
            strstr(msg, "postgres postgres://alice@127.0.0.1:1/db"));
        st_free(msg);
        msg = open_fails("postgresql://127.0.0.1:1/db?password=s3cr3t"
                         "&connect_timeout=2",
                         ST_EIO);
        assert_null(strstr(msg, "s3cr3t"));
        st_free(msg);
        msg = open_fails("postgres://bob:s3cr3t@127.0.0.1:1/db?bogus=%zz",
                         ST_EIO);
        assert_null(strstr(msg, "s3cr3t"));
        st_free(msg);
        return;
    }
    /* an SQLite file holding other tables is not ours to migrate */
    snprintf(path, sizeof(path), "%s/foreign.db", f->base);
    {
        char cmd[700];
        snprintf(cmd, sizeof(cmd),
                 "sqlite3 '%s' 'CREATE TABLE vulns (id TEXT)' 2>/dev/null",
                 path);
        if (system(cmd) == 0)
            st_free(open_fails(path, ST_EINVALID));
        else
            fprintf(stderr, "# no sqlite3 shell: foreign DB case not run\n");
    }
    /* not SQLite at all */
    snprintf(path, sizeof(path), "%s/garbage.db", f->base);
    assert_non_null(fp = fopen(path, "w"));
    for (i = 0; i < 512; i++)
        fputs("not a database ", fp);
    fclose(fp);
    msg = open_fails(path, ST_EINVALID);
    assert_non_null(strstr(msg, "sqlite"));
    assert_non_null(strstr(msg, path));
    st_free(msg);
    /* a directory that does not exist */
    snprintf(path, sizeof(path), "sqlite:%s/no/such/dir/x.db", f->base);
    st_free(open_fails(path, ST_EIO));
}

static void test_store__enqueue(void **state)
{
    fx *f = *state;
    uint64_t c[4];
    st_store_image im;
    bool created = false;
    char *d = NULL, *r = NULL;

    OK(st_store_enqueue(f->s, "sha256:a", "reg/a:1", &created, &E));
    assert_true(created);
    OK(st_store_enqueue(f->s, "sha256:a", "reg/a:2", &created, &E));
    assert_false(created);
    OK(st_store_counts(f->s, c, &E));
    assert_int_equal(c[ST_IMG_QUEUED], 1);
    assert_int_equal(c[ST_IMG_INDEXING] + c[ST_IMG_INDEXED] + c[ST_IMG_FAILED],
                     0);
    /* known and queued: the first reference stays */
    OK(st_store_get(f->s, "sha256:a", true, true, &im, &E));
    assert_string_equal(im.ref, "reg/a:1");
    assert_int_equal(im.state, ST_IMG_QUEUED);
    assert_null(im.indexed_at);
    assert_null(im.report_json);
    assert_int_equal(im.layer_count, 0);
    st_store_image_release(&im);

    /* FAILED is queued again (with the new reference); INDEXING is not */
    assert_int_equal(st_store_claim(f->s, "w1", 60, &d, &r, &E), 1);
    assert_string_equal(d, "sha256:a");
    OK(st_store_fail(f->s, d, "w1", "registry said 404", &E));
    OK(st_store_get(f->s, d, false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_FAILED);
    assert_string_equal(im.error, "registry said 404");
    st_store_image_release(&im);
    OK(st_store_enqueue(f->s, d, "reg/a:3", &created, &E));
    assert_false(created);
    OK(st_store_get(f->s, d, false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_QUEUED);
    assert_string_equal(im.ref, "reg/a:3");
    assert_null(im.error);
    st_store_image_release(&im);
    st_free(d);
    st_free(r);
    FAILS(ST_ENOTFOUND, st_store_get(f->s, "sha256:none", false, false, &im,
                                     &E));
    assert_string_equal(st_image_state_name(ST_IMG_INDEXED), "indexed");
}

static void test_store__claim_order_and_leases(void **state)
{
    fx *f = *state;
    st_store_image im;
    char *d = NULL, *r = NULL;
    const char *want[] = {"sha256:c", "sha256:a", "sha256:b"};
    size_t i;

    for (i = 0; i < 3; i++) {
        OK(st_store_enqueue(f->s, want[i], "reg/x", NULL, &E));
        sleep_ms(3); /* distinct queue times, even at a millisecond */
    }
    /* oldest first, whatever the digests */
    for (i = 0; i < 3; i++) {
        assert_int_equal(st_store_claim(f->s, "w1", 600, &d, &r, &E), 1);
        assert_string_equal(d, want[i]);
        assert_string_equal(r, "reg/x");
        st_free(d);
        st_free(r);
    }
    assert_int_equal(st_store_claim(f->s, "w2", 600, &d, &r, &E), 0);
    assert_null(d);

    /* a lease that ran out is taken over; the old holder's write is
     * refused and changes nothing */
    OK(st_store_enqueue(f->s, "sha256:d", "reg/d", NULL, &E));
    assert_int_equal(st_store_claim(f->s, "w1", 0, &d, &r, &E), 1);
    assert_string_equal(d, "sha256:d");
    st_free(d);
    st_free(r);
    sleep_ms(2);
    assert_int_equal(st_store_claim(f->s, "w2", 600, &d, &r, &E), 1);
    assert_string_equal(d, "sha256:d");
    FAILS(ST_EABORT,
          st_store_put_index(f->s, d, "w1", NULL, 0, "{\"by\":1}", &E));
    FAILS(ST_EABORT, st_store_fail(f->s, d, "w1", "late", &E));
    OK(st_store_get(f->s, d, false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXING);
    st_store_image_release(&im);
    OK(st_store_put_index(f->s, d, "w2", NULL, 0, "{\"by\":2}", &E));
    OK(st_store_get(f->s, d, false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXED);
    assert_string_equal(im.image_json, "{\"by\":2}");
    st_store_image_release(&im);
    /* indexed: no more claims, nor index writes */
    FAILS(ST_EABORT, st_store_put_index(f->s, d, "w2", NULL, 0, "{}", &E));
    FAILS(ST_ENOTFOUND, st_store_put_index(f->s, "sha256:zz", "w2", NULL, 0,
                                           "{}", &E));
    st_free(d);
    st_free(r);
    /* a live lease is not taken over */
    OK(st_store_enqueue(f->s, "sha256:e", "reg/e", NULL, &E));
    assert_int_equal(st_store_claim(f->s, "w1", 600, &d, &r, &E), 1);
    st_free(d);
    st_free(r);
    assert_int_equal(st_store_claim(f->s, "w2", 600, &d, &r, &E), 0);
}

static void test_store__claim_digest(void **state)
{
    fx *f = *state;
    st_store_image im;
    char *d = NULL, *r = NULL;

    /* unknown: added, claimed */
    assert_int_equal(st_store_claim_digest(f->s, "sha256:a", "reg/a", "w1",
                                           600, &E),
                     1);
    OK(st_store_get(f->s, "sha256:a", false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXING);
    assert_string_equal(im.ref, "reg/a");
    st_store_image_release(&im);
    /* not a second time by someone else; again by its holder */
    assert_int_equal(st_store_claim_digest(f->s, "sha256:a", "reg/a", "w2",
                                           600, &E),
                     0);
    assert_int_equal(st_store_claim_digest(f->s, "sha256:a", "reg/a", "w1",
                                           600, &E),
                     1);
    /* the queue does not hand it out either */
    assert_int_equal(st_store_claim(f->s, "w3", 600, &d, &r, &E), 0);
    OK(st_store_put_index(f->s, "sha256:a", "w1", NULL, 0, "{}", &E));
    assert_int_equal(st_store_claim_digest(f->s, "sha256:a", "reg/a", "w1",
                                           600, &E),
                     0);
    /* queued and failed ones are claimed */
    OK(st_store_enqueue(f->s, "sha256:b", "reg/b", NULL, &E));
    assert_int_equal(st_store_claim_digest(f->s, "sha256:b", "reg/b2", "w2",
                                           0, &E),
                     1);
    sleep_ms(2);
    /* its lease ran out: w3 takes over */
    assert_int_equal(st_store_claim_digest(f->s, "sha256:b", "reg/b", "w3",
                                           600, &E),
                     1);
    OK(st_store_fail(f->s, "sha256:b", "w3", "boom", &E));
    assert_int_equal(st_store_claim_digest(f->s, "sha256:b", "reg/b", "w1",
                                           600, &E),
                     1);
    OK(st_store_get(f->s, "sha256:b", false, false, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXING);
    assert_null(im.error);
    st_store_image_release(&im);
}

static void test_store__index_and_layers(void **state)
{
    fx *f = *state;
    st_store_image im;
    st_store_layer l[4];
    bool have = true;
    char *inv = NULL;

    FAILS(ST_ENOTFOUND, st_store_get_layer(f->s, "sha256:l1", &inv, &E));
    OK(st_store_has_layer(f->s, "sha256:l1", &have, &E));
    assert_false(have);
    assert_int_equal(
        st_store_claim_digest(f->s, "sha256:img1", "r/1", "w", 60, &E), 1);
    l[0] = (st_store_layer){"sha256:l1", "{\"pkgs\":[\"a\"]}"};
    l[1] = (st_store_layer){"sha256:l2", "{\"pkgs\":[\"b\"]}"};
    l[2] = (st_store_layer){"sha256:l1", NULL}; /* listed twice */
    OK(st_store_put_index(f->s, "sha256:img1", "w", l, 3, "{\"i\":1}", &E));
    OK(st_store_has_layer(f->s, "sha256:l2", &have, &E));
    assert_true(have);
    OK(st_store_get_layer(f->s, "sha256:l2", &inv, &E));
    assert_string_equal(inv, "{\"pkgs\":[\"b\"]}");
    st_free(inv);

    /* a second image reuses l2 without sending it; the first inventory
     * stored for a layer stays */
    assert_int_equal(
        st_store_claim_digest(f->s, "sha256:img2", "r/2", "w", 60, &E), 1);
    l[0] = (st_store_layer){"sha256:l2", NULL};
    l[1] = (st_store_layer){"sha256:l3", "{\"pkgs\":[\"c\"]}"};
    l[2] = (st_store_layer){"sha256:l1", "{\"changed\":true}"};
    OK(st_store_put_index(f->s, "sha256:img2", "w", l, 3, NULL, &E));
    OK(st_store_get_layer(f->s, "sha256:l1", &inv, &E));
    assert_string_equal(inv, "{\"pkgs\":[\"a\"]}");
    st_free(inv);

    OK(st_store_get(f->s, "sha256:img1", true, true, &im, &E));
    assert_string_equal(im.digest, "sha256:img1");
    assert_int_equal(im.state, ST_IMG_INDEXED);
    assert_string_equal(im.image_json, "{\"i\":1}");
    assert_int_equal(im.layer_count, 3);
    assert_string_equal(im.layers[0], "sha256:l1");
    assert_string_equal(im.layers[1], "sha256:l2");
    assert_string_equal(im.layers[2], "sha256:l1");
    assert_null(im.report_json);
    /* RFC 3339 UTC, to the second: 2026-11-30T13:46:24Z */
    assert_non_null(im.indexed_at);
    assert_int_equal(strlen(im.indexed_at), 20);
    assert_int_equal(im.indexed_at[4], '-');
    assert_int_equal(im.indexed_at[10], 'T');
    assert_int_equal(im.indexed_at[19], 'Z');
    st_store_image_release(&im);
    OK(st_store_get(f->s, "sha256:img2", false, true, &im, &E));
    assert_null(im.image_json);
    assert_int_equal(im.layer_count, 3);
    assert_string_equal(im.layers[0], "sha256:l2");
    assert_string_equal(im.layers[1], "sha256:l3");
    assert_string_equal(im.layers[2], "sha256:l1");
    st_store_image_release(&im);

    /* a layer given without inventory must be stored: nothing of the
     * write remains */
    assert_int_equal(
        st_store_claim_digest(f->s, "sha256:img3", "r/3", "w", 60, &E), 1);
    l[0] = (st_store_layer){"sha256:l4", "{}"};
    l[1] = (st_store_layer){"sha256:missing", NULL};
    FAILS(ST_ENOTFOUND,
          st_store_put_index(f->s, "sha256:img3", "w", l, 2, "{}", &E));
    OK(st_store_has_layer(f->s, "sha256:l4", &have, &E));
    assert_false(have);
    OK(st_store_get(f->s, "sha256:img3", false, true, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXING);
    assert_int_equal(im.layer_count, 0);
    st_store_image_release(&im);
}

static void test_store__reports(void **state)
{
    fx *f = *state;
    st_store_image im;
    char **nk = NULL;
    size_t n = 0;
    const char *k1[] = {"CVE-2 deb/b@1", "CVE-1 deb/a@1", "CVE-2 deb/b@1",
                        "CVE-3 \"q\\uote\" deb/c@1"};
    const char *k1_sorted[] = {"CVE-1 deb/a@1", "CVE-2 deb/b@1",
                               "CVE-3 \"q\\uote\" deb/c@1"};
    const char *k2[] = {"CVE-4 deb/d@1", "CVE-2 deb/b@1", "CVE-0 deb/z@1"};
    const char *k2_sorted[] = {"CVE-0 deb/z@1", "CVE-2 deb/b@1",
                               "CVE-4 deb/d@1"};

    index_image(f->s, "sha256:i", "w", NULL, 0);
    index_image(f->s, "sha256:j", "w", NULL, 0);
    FAILS(ST_ENOTFOUND, st_store_report_keys(f->s, "sha256:i", &nk, &n, &E));
    FAILS(ST_ENOTFOUND, st_store_put_report(f->s, "sha256:none", "{}", "v1",
                                            k1, 4, false, &nk, &n, &E));

    /* first report, not a baseline: every key is new, sorted, once */
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":1}", "v1", k1, 4, false,
                           &nk, &n, &E));
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(nk[i], k1_sorted[i]);
    free_keys(nk, n);
    assert_keys(f->s, "sha256:i", k1_sorted, 3);
    /* the same again: nothing new */
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":2}", "v2", k1, 4, false,
                           &nk, &n, &E));
    assert_int_equal(n, 0);
    assert_null(nk);
    /* some gone, two new */
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":3}", "v3", k2, 3, false,
                           &nk, &n, &E));
    assert_int_equal(n, 2);
    assert_string_equal(nk[0], "CVE-0 deb/z@1");
    assert_string_equal(nk[1], "CVE-4 deb/d@1");
    free_keys(nk, n);
    assert_keys(f->s, "sha256:i", k2_sorted, 3);
    OK(st_store_get(f->s, "sha256:i", true, false, &im, &E));
    assert_string_equal(im.report_json, "{\"r\":3}");
    assert_string_equal(im.db_version, "v3");
    st_store_image_release(&im);
    /* a key that went and came back is new again */
    OK(st_store_put_report(f->s, "sha256:i", "{}", "v4", k1 + 1, 1, false,
                           &nk, &n, &E));
    assert_int_equal(n, 1);
    assert_string_equal(nk[0], "CVE-1 deb/a@1");
    free_keys(nk, n);
    /* no findings at all */
    OK(st_store_put_report(f->s, "sha256:i", "{}", NULL, NULL, 0, false, &nk,
                           &n, &E));
    assert_int_equal(n, 0);
    assert_keys(f->s, "sha256:i", NULL, 0);
    OK(st_store_get(f->s, "sha256:i", true, false, &im, &E));
    assert_null(im.db_version);
    st_store_image_release(&im);

    /* first report as a baseline: nothing to notify; later ones diff */
    OK(st_store_put_report(f->s, "sha256:j", "{}", "v1", k1, 4, true, &nk,
                           &n, &E));
    assert_int_equal(n, 0);
    assert_keys(f->s, "sha256:j", k1_sorted, 3);
    OK(st_store_put_report(f->s, "sha256:j", "{}", "v2", k2, 3, true, NULL,
                           NULL, &E));
    assert_keys(f->s, "sha256:j", k2_sorted, 3);
}

static void test_store__list(void **state)
{
    fx *f = *state;
    st_store_image *v = NULL;
    size_t n = 0;

    index_image(f->s, "sha256:b", "w", NULL, 0);
    sleep_ms(1100); /* indexed_at: whole seconds apart in any backend */
    index_image(f->s, "sha256:a", "w", NULL, 0);
    sleep_ms(5);
    OK(st_store_enqueue(f->s, "sha256:q", "r/q", NULL, &E));
    sleep_ms(5);
    OK(st_store_enqueue(f->s, "sha256:fail", "r/f", NULL, &E));
    assert_int_equal(st_store_claim_digest(f->s, "sha256:fail", "r/f", "w",
                                           60, &E),
                     1);
    OK(st_store_fail(f->s, "sha256:fail", "w", "no such manifest", &E));
    OK(st_store_put_report(f->s, "sha256:b", "{}", "db-7", NULL, 0, false,
                           NULL, NULL, &E));

    OK(st_store_list(f->s, 0, 10, &v, &n, &E));
    assert_int_equal(n, 4);
    assert_string_equal(v[0].digest, "sha256:fail");
    assert_int_equal(v[0].state, ST_IMG_FAILED);
    assert_string_equal(v[0].error, "no such manifest");
    assert_null(v[0].indexed_at);
    assert_string_equal(v[1].digest, "sha256:q");
    assert_int_equal(v[1].state, ST_IMG_QUEUED);
    assert_string_equal(v[2].digest, "sha256:a");
    assert_string_equal(v[3].digest, "sha256:b");
    assert_string_equal(v[3].ref, "r/x:1");
    assert_string_equal(v[3].db_version, "db-7");
    assert_non_null(v[3].indexed_at);
    assert_true(strcmp(v[3].indexed_at, v[2].indexed_at) < 0);
    assert_null(v[3].image_json);
    assert_null(v[3].report_json);
    st_store_list_free(v, n);
    OK(st_store_list(f->s, 1, 2, &v, &n, &E));
    assert_int_equal(n, 2);
    assert_string_equal(v[0].digest, "sha256:q");
    assert_string_equal(v[1].digest, "sha256:a");
    st_store_list_free(v, n);
    OK(st_store_list(f->s, 4, 10, &v, &n, &E));
    assert_int_equal(n, 0);
    st_store_list_free(v, n);
}

struct each {
    st_store *s;
    int calls, stop_at;
    char last[80];
    bool sorted;
};

static int each_cb(void *u, const char *digest, const char *image_json,
                   const char *db_version)
{
    struct each *e = u;
    const char *key = "CVE-1 x@1";
    st_error *err = NULL;
    if (e->last[0] && strcmp(e->last, digest) >= 0)
        e->sorted = false;
    snprintf(e->last, sizeof(e->last), "%s", digest);
    if (strcmp(image_json, "{\"image\":1}"))
        return 1;
    /* the re-matcher writes from inside the callback: with a pool of one
     * connection this would hang if the page held it */
    if (e->calls % 50 == 0) {
        if (st_store_put_report(e->s, digest, "{}", "v2", &key, 1, false,
                                NULL, NULL, &err) < 0) {
            fprintf(stderr, "%s\n", st_error_message(err));
            st_error_free(err);
            return 1;
        }
    } else if (db_version) {
        return 1; /* only the ones stored above have a report */
    }
    return ++e->calls == e->stop_at;
}

static void test_store__each_indexed(void **state)
{
    fx *f = *state;
    st_store *one = NULL;
    struct each e = {0};
    char d[72];
    int i;

    OK(st_store_open(&one, f->url, 1, &E));
    for (i = 0; i < 300; i++) { /* more than one page of 256 */
        digest_of(d, "each", i);
        index_image(one, d, "w", NULL, 0);
    }
    OK(st_store_enqueue(one, "sha256:queued", "r", NULL, &E));
    e.s = one;
    e.sorted = true;
    OK(st_store_each_indexed(one, each_cb, &e, &E));
    assert_int_equal(e.calls, 300);
    assert_true(e.sorted);
    /* the callback stops it */
    memset(&e, 0, sizeof(e));
    e.s = one;
    e.stop_at = 10;
    FAILS(ST_EABORT, st_store_each_indexed(one, each_cb, &e, &E));
    assert_int_equal(e.calls, 10);
    st_store_close(one);
}

static void test_store__meta(void **state)
{
    fx *f = *state;
    char *v = (char *)"x";
    OK(st_store_meta_get(f->s, "db_version", &v, &E));
    assert_null(v);
    OK(st_store_meta_set(f->s, "db_version", "2024-01-01", &E));
    OK(st_store_meta_set(f->s, "db_version", "2024-02-02", &E));
    OK(st_store_meta_get(f->s, "db_version", &v, &E));
    assert_string_equal(v, "2024-02-02");
    st_free(v);
}

/* R1 is stored; a write of R2 is cut short at every statement in turn.
 * Each time R1 must be there, whole. */
static const char *r1_keys[] = {"CVE-a", "CVE-b", "CVE-c"};
static const char *r2_keys[] = {"CVE-b", "CVE-c", "CVE-d", "CVE-e"};

static void assert_r1(st_store *s)
{
    st_store_image im;
    OK(st_store_get(s, "sha256:i", true, false, &im, &E));
    assert_string_equal(im.report_json, "{\"r\":1}");
    assert_string_equal(im.db_version, "v1");
    st_store_image_release(&im);
    assert_keys(s, "sha256:i", r1_keys, 3);
}

static void assert_r2(st_store *s)
{
    st_store_image im;
    OK(st_store_get(s, "sha256:i", true, false, &im, &E));
    assert_string_equal(im.report_json, "{\"r\":2}");
    assert_string_equal(im.db_version, "v2");
    st_store_image_release(&im);
    assert_keys(s, "sha256:i", r2_keys, 4);
}

static void test_store__failing_statements(void **state)
{
    fx *f = *state;
    st_store_image im;
    st_store_layer l[2] = {{"sha256:l1", "{}"}, {"sha256:l2", "{}"}};
    char **nk = NULL;
    size_t n = 0;
    bool have;
    long at;
    int rc;

    index_image(f->s, "sha256:i", "w", NULL, 0);
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":1}", "v1", r1_keys, 3,
                           false, NULL, NULL, &E));
    for (at = 1;; at++) {
        assert_true(at < 100);
        st_store__fail_after(at, false);
        rc = st_store_put_report(f->s, "sha256:i", "{\"r\":2}", "v2", r2_keys,
                                 4, false, &nk, &n, &E);
        st_store__fail_after(0, false);
        if (rc == 0)
            break;
        assert_int_equal(rc, ST_EIO);
        assert_non_null(strstr(st_error_message(E), "injected failure"));
        st_error_free(E);
        E = NULL;
        assert_null(nk);
        assert_r1(f->s);
    }
    /* BEGIN, read, read, the report row, delete, insert, COMMIT at least */
    assert_true(at >= 7);
    assert_int_equal(n, 2);
    assert_string_equal(nk[0], "CVE-d");
    assert_string_equal(nk[1], "CVE-e");
    free_keys(nk, n);
    assert_r2(f->s);

    /* the same for an index write */
    assert_int_equal(
        st_store_claim_digest(f->s, "sha256:k", "r/k", "w", 60, &E), 1);
    for (at = 1;; at++) {
        assert_true(at < 100);
        st_store__fail_after(at, false);
        rc = st_store_put_index(f->s, "sha256:k", "w", l, 2, "{}", &E);
        st_store__fail_after(0, false);
        if (rc == 0)
            break;
        st_error_free(E);
        E = NULL;
        OK(st_store_get(f->s, "sha256:k", false, true, &im, &E));
        assert_int_equal(im.state, ST_IMG_INDEXING);
        assert_int_equal(im.layer_count, 0);
        st_store_image_release(&im);
        OK(st_store_has_layer(f->s, "sha256:l1", &have, &E));
        assert_false(have);
    }
    assert_true(at >= 5);
    OK(st_store_get(f->s, "sha256:k", false, true, &im, &E));
    assert_int_equal(im.state, ST_IMG_INDEXED);
    assert_int_equal(im.layer_count, 2);
    st_store_image_release(&im);
}

static int count_cb(void *u, const char *digest, const char *image_json,
                    const char *db_version)
{
    (void)digest;
    (void)image_json;
    (void)db_version;
    ++*(int *)u;
    return 0;
}

/* The nth allocation fails, for every n: each call fails cleanly (no
 * leak, no half-filled out-parameter, nothing half-written) or works. */
static void test_store__alloc_failures(void **state)
{
    fx *f = *state;
    const char *l[] = {"sha256:l1", "sha256:l2"};
    st_store_image im, *v = NULL;
    char **k = NULL;
    size_t n = 0;
    long at;
    int rc, calls;

    index_image(f->s, "sha256:i", "w", l, 2);
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":1}", "v1", r1_keys, 3,
                           false, NULL, NULL, &E));
    for (at = 1;; at++) {
        assert_true(at < 1000);
        st_alloc_fail_after(at);
        rc = st_store_put_report(f->s, "sha256:i", "{\"r\":2}", "v2",
                                 r2_keys, 4, false, &k, &n, &E);
        st_alloc_fail_after(0);
        st_error_free(E);
        E = NULL;
        if (rc == 0)
            break;
        assert_true(rc < 0);
        assert_null(k);
        assert_int_equal(n, 0);
        assert_r1(f->s);
    }
    assert_int_equal(n, 2);
    free_keys(k, n);
    assert_r2(f->s);
    for (at = 1;; at++) {
        assert_true(at < 1000);
        st_alloc_fail_after(at);
        rc = st_store_get(f->s, "sha256:i", true, true, &im, &E);
        st_alloc_fail_after(0);
        st_error_free(E);
        E = NULL;
        if (rc == 0)
            break;
        assert_null(im.digest);
        assert_null(im.layers);
    }
    assert_int_equal(im.layer_count, 2);
    st_store_image_release(&im);
    for (at = 1;; at++) {
        assert_true(at < 1000);
        st_alloc_fail_after(at);
        rc = st_store_list(f->s, 0, 10, &v, &n, &E);
        st_alloc_fail_after(0);
        st_error_free(E);
        E = NULL;
        if (rc == 0)
            break;
        assert_null(v);
    }
    assert_int_equal(n, 1);
    st_store_list_free(v, n);
    for (at = 1;; at++) {
        assert_true(at < 1000);
        calls = 0;
        st_alloc_fail_after(at);
        rc = st_store_each_indexed(f->s, count_cb, &calls, &E);
        st_alloc_fail_after(0);
        st_error_free(E);
        E = NULL;
        if (rc == 0)
            break;
    }
    assert_int_equal(calls, 1);
    for (at = 1;; at++) {
        assert_true(at < 1000);
        st_alloc_fail_after(at);
        rc = st_store_report_keys(f->s, "sha256:i", &k, &n, &E);
        st_alloc_fail_after(0);
        st_error_free(E);
        E = NULL;
        if (rc == 0)
            break;
        assert_null(k);
    }
    assert_int_equal(n, 4);
    free_keys(k, n);
}

/* A child process opens the store and dies (_exit) before its nth
 * statement of a report write, holding the write transaction open. */
static void test_store__crash_mid_write(void **state)
{
    fx *f = *state;
    long at;
    int status;
    pid_t pid;

    index_image(f->s, "sha256:i", "w", NULL, 0);
    OK(st_store_put_report(f->s, "sha256:i", "{\"r\":1}", "v1", r1_keys, 3,
                           false, NULL, NULL, &E));
    for (at = 1;; at++) {
        assert_true(at < 100);
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            st_store *s = NULL;
            if (st_store_open(&s, f->url, 1, NULL) < 0)
                _exit(2);
            st_store__fail_after(at, true);
            _exit(st_store_put_report(s, "sha256:i", "{\"r\":2}", "v2",
                                      r2_keys, 4, false, NULL, NULL,
                                      NULL) == 0
                      ? 0
                      : 3);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 0)
            break;
        assert_int_equal(WEXITSTATUS(status), 75);
        assert_r1(f->s);
    }
    assert_true(at >= 7);
    assert_r2(f->s);
}

/* Four processes open one new store at once: the migration runs once
 * (advisory lock / BEGIN IMMEDIATE) and every one of them works. */
static void test_store__concurrent_open(void **state)
{
    fx *f = *state;
    st_store *s = NULL;
    bool created = false;
    uint64_t c[4];
    pid_t pid[4];
    int i, v = 0, status;

    fresh_url(f);
    fflush(NULL);
    for (i = 0; i < 4; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            char d[72];
            st_error *err = NULL;
            digest_of(d, "open", i);
            if (st_store_open(&s, f->url, 1, &err) < 0 ||
                st_store_enqueue(s, d, "r", NULL, &err) < 0) {
                fprintf(stderr, "child %d: %s\n", i, st_error_message(err));
                _exit(1);
            }
            st_store_close(s);
            _exit(0);
        }
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    OK(st_store_open(&s, f->url, 1, &E));
    OK(st_store_schema_version(s, &v, &E));
    assert_int_equal(v, ST_STORE_SCHEMA);
    OK(st_store_counts(s, c, &E));
    assert_int_equal(c[ST_IMG_QUEUED], 4);
    OK(st_store_enqueue(s, "sha256:x", "r", &created, &E));
    assert_true(created);
    st_store_close(s);
}

/* PostgreSQL: the server ends every connection of the store (a restart,
 * a failover); the next calls reconnect and work. */
static void test_store__reconnect(void **state)
{
    fx *f = *state;
    st_store_image im;
    bool created = false;
    char sql[256];
    int round;

    if (!f->pg) {
        skip(); /* an SQLite connection does not break */
        return;
    }
    OK(st_store_enqueue(f->s, "sha256:a", "r/a", &created, &E));
    for (round = 0; round < 2; round++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                 " WHERE application_name = 'strata'"
                 " AND query NOT LIKE '%%pg_terminate_backend%%'");
        pg_exec(f->base, sql);
        sleep_ms(100);
        /* a read first in round 0, a write first in round 1 */
        if (round == 0) {
            OK(st_store_get(f->s, "sha256:a", false, false, &im, &E));
            assert_string_equal(im.ref, "r/a");
            st_store_image_release(&im);
        }
        OK(st_store_enqueue(f->s, "sha256:b", "r/b", &created, &E));
        assert_int_equal(created, round == 0);
    }
}

/* ---- concurrent claims -------------------------------------------------- */

#define CLAIM_IMAGES  200
#define CLAIM_THREADS 4

struct claimer {
    const char *url;
    st_store *shared; /* or NULL: the thread opens its own handle */
    int gate;         /* read end of a pipe: EOF means go */
    char name[32];
    int n;
    char got[CLAIM_IMAGES][72];
    int failed;
};

static void *claim_loop(void *arg)
{
    struct claimer *c = arg;
    st_store *s = c->shared;
    st_store_layer l[2];
    st_error *err = NULL;
    char *d = NULL, *r = NULL;
    int got;

    char go;

    if (!s && st_store_open(&s, c->url, 1, &err) < 0)
        goto fail;
    /* every thread of both processes starts claiming at once */
    if (read(c->gate, &go, 1) != 0)
        goto fail;
    while ((got = st_store_claim(s, c->name, 600, &d, &r, &err)) == 1) {
        if (c->n == CLAIM_IMAGES) /* more claims than images */
            goto fail;
        snprintf(c->got[c->n++], sizeof(c->got[0]), "%s", d);
        /* every image shares the base layer: concurrent inserts of one
         * layer row */
        l[0] = (st_store_layer){"sha256:base", "{\"base\":true}"};
        l[1] = (st_store_layer){d, "{}"};
        if (st_store_put_index(s, d, c->name, l, 2, "{}", &err) < 0)
            goto fail;
        st_free(d);
        st_free(r);
        d = r = NULL;
    }
    if (got < 0)
        goto fail;
    if (!c->shared)
        st_store_close(s);
    return NULL;
fail:
    fprintf(stderr, "%s: %s\n", c->name, st_error_message(err));
    st_error_free(err);
    st_free(d);
    st_free(r);
    c->failed = 1;
    if (!c->shared)
        st_store_close(s);
    return NULL;
}

/* Process p: 4 threads; p 0 shares one handle with a pool of 2, p 1 gives
 * each thread its own. Writes the digests it claimed to out. */
static int claim_process(const char *url, int p, int gate, const char *out)
{
    static struct claimer c[CLAIM_THREADS];
    pthread_t t[CLAIM_THREADS];
    st_store *shared = NULL;
    FILE *fp;
    int i, j, bad = 0;

    if (p == 0 && st_store_open(&shared, url, 2, NULL) < 0)
        return 2;
    for (i = 0; i < CLAIM_THREADS; i++) {
        c[i].url = url;
        c[i].shared = shared;
        c[i].gate = gate;
        snprintf(c[i].name, sizeof(c[i].name), "p%d-t%d", p, i);
        if (pthread_create(&t[i], NULL, claim_loop, &c[i]))
            return 2;
    }
    for (i = 0; i < CLAIM_THREADS; i++)
        pthread_join(t[i], NULL);
    st_store_close(shared);
    if (!(fp = fopen(out, "w")))
        return 2;
    for (i = 0; i < CLAIM_THREADS; i++) {
        bad |= c[i].failed;
        for (j = 0; j < c[i].n; j++)
            fprintf(fp, "%s %s\n", c[i].got[j], c[i].name);
    }
    return fclose(fp) || bad ? 3 : 0;
}

static void test_store__concurrent_claims(void **state)
{
    fx *f = *state;
    char d[CLAIM_IMAGES][72], out[2][600], line[200], *sp;
    int seen[CLAIM_IMAGES] = {0}, status, i, p, total = 0;
    int per_worker[2] = {0};
    uint64_t c[4];
    pid_t pid[2];
    double t0;
    FILE *fp;
    int gate[2];

    for (i = 0; i < CLAIM_IMAGES; i++) {
        digest_of(d[i], "claim", i);
        OK(st_store_enqueue(f->s, d[i], "reg/app", NULL, &E));
    }
    assert_int_equal(pipe(gate), 0);
    fflush(NULL);
    for (p = 0; p < 2; p++) {
        snprintf(out[p], sizeof(out[p]), "%s/claims-%d-%d.txt",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(),
                 p);
        pid[p] = fork();
        assert_true(pid[p] >= 0);
        if (pid[p] == 0) {
            close(gate[1]);
            _exit(claim_process(f->url, p, gate[0], out[p]));
        }
    }
    close(gate[0]);
    sleep_ms(300); /* the children open their handles */
    t0 = now_s();
    close(gate[1]);
    for (p = 0; p < 2; p++) {
        assert_int_equal(waitpid(pid[p], &status, 0), pid[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    printf("# %s: %d images claimed and indexed by 2 processes x %d threads "
           "in %.2f s\n",
           st_store_backend(f->s), CLAIM_IMAGES, CLAIM_THREADS,
           now_s() - t0);
    for (p = 0; p < 2; p++) {
        assert_non_null(fp = fopen(out[p], "r"));
        while (fgets(line, sizeof(line), fp)) {
            assert_non_null(sp = strchr(line, ' '));
            *sp = 0;
            for (i = 0; i < CLAIM_IMAGES && strcmp(d[i], line); i++)
                ;
            assert_true(i < CLAIM_IMAGES);
            seen[i]++;
            per_worker[p]++;
            total++;
        }
        fclose(fp);
        unlink(out[p]);
    }
    /* every image exactly once */
    assert_int_equal(total, CLAIM_IMAGES);
    for (i = 0; i < CLAIM_IMAGES; i++)
        if (seen[i] != 1)
            fail_msg("%s claimed %d times", d[i], seen[i]);
    OK(st_store_counts(f->s, c, &E));
    assert_int_equal(c[ST_IMG_INDEXED], CLAIM_IMAGES);
    assert_int_equal(c[ST_IMG_QUEUED] + c[ST_IMG_INDEXING], 0);
    printf("# claims per process: %d and %d\n", per_worker[0],
           per_worker[1]);
}

/* ---- timing (printed, never asserted) ----------------------------------- */

struct bench_each {
    size_t n, bytes;
};

static int bench_cb(void *u, const char *digest, const char *image_json,
                    const char *db_version)
{
    struct bench_each *b = u;
    (void)digest;
    (void)db_version;
    b->n++;
    b->bytes += strlen(image_json);
    return 0;
}

static void test_store__bench(void **state)
{
    fx *f = *state;
    const char *env = getenv("ST_TEST_STORE_BENCH");
    long n = env ? strtol(env, NULL, 10) : 0, i, k;
    st_store_layer l[3];
    struct bench_each b = {0};
    char d[72], img[2048], keys[100][64];
    const char *kp[100];
    double t0, t_index, t_first, t_again, t_each;

    if (n <= 0) {
        skip(); /* ST_TEST_STORE_BENCH=N times N images */
        return;
    }
    memset(img, 'x', sizeof(img) - 1);
    img[0] = '"';
    img[sizeof(img) - 2] = '"';
    img[sizeof(img) - 1] = 0;
    for (k = 0; k < 100; k++)
        kp[k] = keys[k];
    t0 = now_s();
    for (i = 0; i < n; i++) {
        digest_of(d, "bench", (int)i);
        l[0] = (st_store_layer){"sha256:base-os", "{\"pkgs\":[]}"};
        l[1] = (st_store_layer){"sha256:base-runtime", "{\"pkgs\":[]}"};
        l[2] = (st_store_layer){d, "{\"pkgs\":[\"app\"]}"};
        assert_int_equal(st_store_claim_digest(f->s, d, "r/b", "w", 60, &E),
                         1);
        OK(st_store_put_index(f->s, d, "w", l, 3, img, &E));
    }
    t_index = now_s() - t0;
    t0 = now_s();
    for (i = 0; i < n; i++) {
        digest_of(d, "bench", (int)i);
        for (k = 0; k < 100; k++)
            snprintf(keys[k], sizeof(keys[k]),
                     "CVE-2024-%05ld deb/pkg%ld@1.%ld",
                     (i * 7 + k) % 5000, k, i % 13);
        OK(st_store_put_report(f->s, d, img, "v1", kp, 100, false, NULL, NULL,
                               &E));
    }
    t_first = now_s() - t0;
    /* a re-match after a DB update: 5 of 100 findings change */
    t0 = now_s();
    for (i = 0; i < n; i++) {
        digest_of(d, "bench", (int)i);
        for (k = 0; k < 100; k++)
            snprintf(keys[k], sizeof(keys[k]),
                     "CVE-2024-%05ld deb/pkg%ld@1.%ld",
                     (i * 7 + k) % 5000 + (k < 5 ? 10000 : 0), k, i % 13);
        OK(st_store_put_report(f->s, d, img, "v2", kp, 100, false, NULL, NULL,
                               &E));
    }
    t_again = now_s() - t0;
    t0 = now_s();
    OK(st_store_each_indexed(f->s, bench_cb, &b, &E));
    t_each = now_s() - t0;
    assert_int_equal(b.n, (size_t)n);
    printf("# bench %s: %ld images, 100 keys each, 2 KB image_json\n"
           "#   claim+put_index   %7.3f s  (%.3f ms/image)\n"
           "#   put_report first  %7.3f s  (%.3f ms/image, 100 new keys)\n"
           "#   put_report again  %7.3f s  (%.3f ms/image, 5 keys changed)\n"
           "#   each_indexed      %7.3f s  (%.1f MB of image_json)\n",
           st_store_backend(f->s), n, t_index, 1e3 * t_index / (double)n,
           t_first, 1e3 * t_first / (double)n, t_again,
           1e3 * t_again / (double)n, t_each, (double)b.bytes / 1e6);
}

static void test_store__postgres_skipped(void **state)
{
    (void)state;
    fprintf(stderr,
            "SKIPPED: the PostgreSQL backend was not tested: ST_TEST_PG_URL is "
            "not set (tests/integration/server_store_pg.sh sets it)\n");
    skip();
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_store__open),
        T(test_store__open_errors),
        T(test_store__enqueue),
        T(test_store__claim_order_and_leases),
        T(test_store__claim_digest),
        T(test_store__index_and_layers),
        T(test_store__reports),
        T(test_store__list),
        T(test_store__each_indexed),
        T(test_store__meta),
        T(test_store__failing_statements),
        T(test_store__crash_mid_write),
        T(test_store__alloc_failures),
        T(test_store__concurrent_open),
        T(test_store__reconnect),
        T(test_store__concurrent_claims),
        T(test_store__bench),
    };
    const struct CMUnitTest skipped[] = {
        cmocka_unit_test(test_store__postgres_skipped),
    };
    int rc;
    const char *pg = getenv("ST_TEST_PG_URL");

    rc = cmocka_run_group_tests_name("sqlite", tests, group_sqlite,
                                     group_end);
    if (pg && *pg)
        rc |= cmocka_run_group_tests_name("postgres", tests, group_pg,
                                          group_end);
    else
        rc |= cmocka_run_group_tests_name("postgres", skipped, NULL, NULL);
    return rc;
}
