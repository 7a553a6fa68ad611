/* tarindex: the outer archive index, built from hand-made headers so every
 * field (ustar prefix, pax records, GNU long names, base-256 sizes,
 * checksums) is exercised exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source/tarindex.h"
#include "util/util.h"

typedef struct hopt {
    const char *name;
    const char *prefix; /* ustar prefix field */
    char type;
    const char *link;
    size_t size;        /* written in octal unless base256 */
    bool base256;
    int sum_delta;      /* corrupts the checksum */
    const char *data;   /* content (size bytes; NULL: zeros) */
} hopt;

static void add(st_buf *t, const hopt *o)
{
    unsigned char h[512];
    unsigned sum = 0;
    memset(h, 0, sizeof(h));
    memcpy(h, o->name, strlen(o->name) < 100 ? strlen(o->name) : 100);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    if (o->base256) {
        uint64_t v = o->size;
        h[124] = 0x80;
        for (int i = 11; i > 0; i--, v >>= 8)
            h[124 + i] = (unsigned char)v;
    } else {
        snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)o->size);
    }
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)(o->type ? o->type : '0');
    if (o->link)
        memcpy(h + 157, o->link, strlen(o->link));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (o->prefix)
        memcpy(h + 345, o->prefix, strlen(o->prefix));
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum + (unsigned)o->sum_delta);
    st_buf_put(t, h, 512);
    if (o->type == 'x' || o->type == 'L' || o->type == 'K' || o->type == '0' ||
        o->type == 0) {
        if (o->size > (1u << 24))
            return; /* header only */
        size_t padded = (o->size + 511) / 512 * 512;
        size_t start = t->len;
        st_buf_grow(t, padded);
        memset(t->ptr + start, 0, padded + 1);
        if (o->data)
            memcpy(t->ptr + start, o->data, o->size);
        t->len += padded;
    }
}

static void end(st_buf *t)
{
    static const char z[1024];
    st_buf_put(t, z, sizeof(z));
}

static void pax(st_buf *t, const char *records)
{
    hopt o = {"PaxHeaders/x", NULL, 'x', NULL, strlen(records), false, 0,
              records};
    add(t, &o);
}

static int build(st_tarindex **ti, const st_buf *t, char **msg)
{
    st_error *err = NULL;
    int rc = st_tarindex_build_mem(ti, t->ptr, t->len, "test.tar", &err);
    *msg = err ? st_error_format(err) : NULL;
    st_error_free(err);
    return rc;
}

static void test_tarindex__ustar_and_prefix(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg;
    const st_tarmember *m;
    hopt a = {"manifest.json", NULL, '0', NULL, 5, false, 0, "[{}]\n"};
    hopt d = {"blobs/", NULL, '5', NULL, 0, false, 0, NULL};
    hopt b = {"0123456789abcdef", "blobs/sha256", '0', NULL, 700, false, 0,
              NULL};
    hopt c = {"./dot/./slash//x", NULL, 0 /* old-style regular */, NULL, 1,
              false, 0, "x"};
    add(&t, &a);
    add(&t, &d);
    add(&t, &b);
    add(&t, &c);
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), 0);
    assert_null(msg);
    assert_int_equal(st_tarindex_count(ti), 3); /* directories are not kept */
    m = st_tarindex_find(ti, "manifest.json");
    assert_non_null(m);
    assert_int_equal(m->off, 512);
    assert_int_equal(m->size, 5);
    assert_memory_equal(t.ptr + m->off, "[{}]\n", 5);
    m = st_tarindex_find(ti, "blobs/sha256/0123456789abcdef");
    assert_non_null(m);
    assert_int_equal(m->size, 700);
    assert_int_equal(m->off, 512 * 4);
    m = st_tarindex_find(ti, "/dot/slash/x");
    assert_non_null(m);
    assert_string_equal(m->name, "dot/slash/x");
    assert_int_equal(m->type, '0');
    assert_null(st_tarindex_find(ti, "blobs"));
    assert_null(st_tarindex_find(ti, "nothing"));
    assert_null(st_tarindex_find(ti, "../manifest.json"));
    st_tarindex_free(ti);
    st_buf_release(&t);
}

static void test_tarindex__pax_path_and_size(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0), rec = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg, longname[300] = "";
    const st_tarmember *m;
    for (int i = 0; i < 25; i++)
        strcat(longname, "directory/");
    strcat(longname, "file");
    /* "LEN path=...\n" where LEN counts itself */
    size_t body = strlen(" path=") + strlen(longname) + 1;
    size_t len = body + 3;
    st_buf_printf(&rec, "%zu path=%s\n", len, longname);
    assert_int_equal(rec.len, len);
    st_buf_puts(&rec, "11 size=10\n");
    st_buf_puts(&rec, "17 mtime=123.456\n");
    pax(&t, rec.ptr);
    hopt a = {"truncated-name", NULL, '0', NULL, 0 /* pax wins */, false, 0,
              NULL};
    add(&t, &a);
    st_buf_put(&t, "0123456789", 10);
    {
        char pad[502] = {0};
        st_buf_put(&t, pad, sizeof(pad));
    }
    hopt b = {"after", NULL, '0', NULL, 3, false, 0, "abc"};
    add(&t, &b);
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), 0);
    m = st_tarindex_find(ti, longname);
    assert_non_null(m);
    assert_int_equal(m->size, 10);
    assert_memory_equal(t.ptr + m->off, "0123456789", 10);
    assert_null(st_tarindex_find(ti, "truncated-name"));
    /* the pax record applies to one member only */
    m = st_tarindex_find(ti, "after");
    assert_non_null(m);
    assert_int_equal(m->size, 3);
    assert_memory_equal(t.ptr + m->off, "abc", 3);
    st_tarindex_free(ti);
    st_buf_release(&t);
    st_buf_release(&rec);
}

static void test_tarindex__gnu_long_name(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg, longname[200] = "";
    for (int i = 0; i < 15; i++)
        strcat(longname, "gnu-dir-/");
    strcat(longname, "target");
    hopt l = {"././@LongLink", NULL, 'L', NULL, strlen(longname) + 1, false,
              0, longname};
    hopt a = {"gnu-dir-/gnu-dir-/trunc", NULL, '0', NULL, 2, false, 0, "hi"};
    hopt k = {"././@LongLink", NULL, 'K', NULL, strlen(longname) + 1, false,
              0, longname};
    hopt s = {"short-link", NULL, '2', "ignored", 0, false, 0, NULL};
    add(&t, &l);
    add(&t, &a);
    add(&t, &k);
    add(&t, &s);
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), 0);
    assert_int_equal(st_tarindex_count(ti), 2);
    assert_non_null(st_tarindex_find(ti, longname));
    assert_null(st_tarindex_find(ti, "gnu-dir-/gnu-dir-/trunc"));
    /* the symlink's long target ('K') is followed */
    const st_tarmember *m = st_tarindex_find(ti, "short-link");
    assert_non_null(m);
    assert_string_equal(m->name, longname);
    st_tarindex_free(ti);
    st_buf_release(&t);
}

static void test_tarindex__base256_size(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg;
    hopt a = {"big", NULL, '0', NULL, 1000, true, 0, NULL};
    add(&t, &a);
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), 0);
    assert_int_equal(st_tarindex_find(ti, "big")->size, 1000);
    st_tarindex_free(ti);
    st_buf_reset(&t);
    /* a base-256 size far beyond the file: truncated, not a huge read */
    hopt b = {"huge", NULL, '0', NULL, 1ull << 40, true, 0, NULL};
    add(&t, &b);
    t.len = 512;
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), ST_EINVALID);
    assert_null(ti);
    assert_non_null(strstr(msg, "truncated"));
    st_free(msg);
    st_buf_release(&t);
}

static const struct {
    const char *what;
    int rc;
    const char *needle;
} bad_cases[] = {
    {"bad checksum", ST_EINVALID, "bad header checksum at offset 1024"},
    {"truncated data", ST_EINVALID, "truncated tar archive"},
    {"truncated header", ST_EINVALID, "truncated tar archive"},
    {"escape", ST_EINVALID, "escapes the archive root"},
    {"bad pax", ST_EINVALID, "malformed pax header"},
    {"bad size", ST_EINVALID, "bad size field"},
    {"empty", ST_EINVALID, "truncated"},
};

static void test_tarindex__rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        st_buf t = ST_BUF_INIT(0);
        st_tarindex *ti = (st_tarindex *)1;
        char *msg = NULL;
        hopt ok = {"ok", NULL, '0', NULL, 1, false, 0, "k"};
        add(&t, &ok);
        switch (i) {
        case 0: {
            hopt a = {"a", NULL, '0', NULL, 1, false, 1, "a"};
            add(&t, &a);
            end(&t);
            break;
        }
        case 1: {
            hopt a = {"a", NULL, '0', NULL, 5000, false, 0, NULL};
            add(&t, &a);
            t.len -= 4096;
            break;
        }
        case 2:
            st_buf_put(&t, "ustar", 5); /* a partial header */
            break;
        case 3: {
            hopt a = {"../../etc/passwd", NULL, '0', NULL, 1, false, 0, "x"};
            add(&t, &a);
            end(&t);
            break;
        }
        case 4:
            pax(&t, "99 path=x\n");
            end(&t);
            break;
        case 5: {
            hopt a = {"a", NULL, '0', NULL, 0, false, 0, NULL};
            add(&t, &a);
            memcpy(t.ptr + t.len - 512 + 124, "12x4", 4);
            /* fix the checksum so the size field is what fails */
            unsigned sum = 0;
            unsigned char *h = (unsigned char *)t.ptr + t.len - 512;
            memset(h + 148, ' ', 8);
            for (int k = 0; k < 512; k++)
                sum += h[k];
            snprintf((char *)h + 148, 8, "%06o", sum);
            end(&t);
            break;
        }
        case 6:
            st_buf_reset(&t);
            break;
        }
        int rc = build(&ti, &t, &msg);
        if (rc != bad_cases[i].rc)
            fail_msg("%s: rc %d", bad_cases[i].what, rc);
        assert_null(ti);
        if (!msg || !strstr(msg, bad_cases[i].needle))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad_cases[i].what,
                     msg ? msg : "(none)", bad_cases[i].needle);
        assert_non_null(strstr(msg, "test.tar"));
        st_free(msg);
        st_buf_release(&t);
    }
}

static void test_tarindex__no_end_marker(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg;
    hopt a = {"a", NULL, '0', NULL, 3, false, 0, "abc"};
    add(&t, &a);
    assert_int_equal(build(&ti, &t, &msg), 0);
    assert_non_null(st_tarindex_find(ti, "a"));
    st_tarindex_free(ti);
    st_buf_release(&t);
}

static void test_tarindex__links(void **state)
{
    (void)state;
    st_buf t = ST_BUF_INIT(0);
    st_tarindex *ti = NULL;
    char *msg;
    static const hopt ms[] = {
        {"dir/real", NULL, '0', NULL, 4, false, 0, "real"},
        {"dir/rel", NULL, '2', "real", 0, false, 0, NULL},
        {"dir/dot", NULL, '2', "./rel", 0, false, 0, NULL},
        {"abs", NULL, '2', "/dir/dot", 0, false, 0, NULL},
        {"up", NULL, '2', "../../../dir/real", 0, false, 0, NULL},
        {"hard", NULL, '1', "dir/real", 0, false, 0, NULL},
        {"hard2", NULL, '1', "/./dir/../dir/real", 0, false, 0, NULL},
        {"hard-to-sym", NULL, '1', "abs", 0, false, 0, NULL},
        {"loop1", NULL, '2', "loop2", 0, false, 0, NULL},
        {"loop2", NULL, '2', "loop1", 0, false, 0, NULL},
        {"self", NULL, '2', "self", 0, false, 0, NULL},
        {"hloop", NULL, '1', "hloop", 0, false, 0, NULL},
        {"dangling", NULL, '2', "nowhere", 0, false, 0, NULL},
        {"hard-escape", NULL, '1', "../x", 0, false, 0, NULL},
        {"fifo", NULL, '6', NULL, 0, false, 0, NULL},
        {"to-fifo", NULL, '2', "fifo", 0, false, 0, NULL},
    };
    /* a chain of 17 links is one too many */
    char names[18][16], targets[18][16];
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
        add(&t, &ms[i]);
    for (int i = 0; i < 17; i++) {
        snprintf(names[i], sizeof(names[i]), "c%d", i);
        snprintf(targets[i], sizeof(targets[i]), i == 16 ? "dir/real"
                                                          : "c%d", i + 1);
        hopt l = {names[i], NULL, '2', targets[i], 0, false, 0, NULL};
        add(&t, &l);
    }
    end(&t);
    assert_int_equal(build(&ti, &t, &msg), 0);
    static const char *const to_real[] = {"dir/real", "dir/rel", "dir/dot",
                                          "abs",      "up",      "hard",
                                          "hard2",    "hard-to-sym", "c2"};
    for (size_t i = 0; i < sizeof(to_real) / sizeof(to_real[0]); i++) {
        const st_tarmember *m = st_tarindex_find(ti, to_real[i]);
        if (!m)
            fail_msg("%s did not resolve", to_real[i]);
        assert_string_equal(m->name, "dir/real");
        assert_int_equal(m->size, 4);
    }
    static const char *const none[] = {"loop1", "self", "hloop", "dangling",
                                       "hard-escape", "fifo", "to-fifo",
                                       "c0"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        if (st_tarindex_find(ti, none[i]))
            fail_msg("%s resolved", none[i]);
    st_tarindex_free(ti);
    st_buf_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tarindex__ustar_and_prefix),
        cmocka_unit_test(test_tarindex__pax_path_and_size),
        cmocka_unit_test(test_tarindex__gnu_long_name),
        cmocka_unit_test(test_tarindex__base256_size),
        cmocka_unit_test(test_tarindex__rejects),
        cmocka_unit_test(test_tarindex__no_end_marker),
        cmocka_unit_test(test_tarindex__links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
