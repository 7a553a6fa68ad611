/* util/yaml: trees with positions from hostile YAML and JSON streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/yaml.h"

typedef struct parsed {
    st_arena *a;
    st_vec docs;
    st_yaml_error e;
    int rc;
} parsed;

static void parse(parsed *p, const char *text, const st_yaml_limits *lim)
{
    memset(p, 0, sizeof(*p));
    p->a = st_arena_new();
    assert_non_null(p->a);
    p->rc = st_yaml_parse(&p->docs, p->a, text, strlen(text), lim, &p->e);
}

static void done(parsed *p)
{
    st_vec_release(&p->docs);
    st_arena_free(p->a);
}

static const st_ynode *doc(const parsed *p, size_t i)
{
    assert_true(i < p->docs.len);
    return p->docs.items[i];
}

static void test_yaml__positions(void **state)
{
    parsed p;
    const st_ynode *d, *k, *v, *seq;
    (void)state;
    parse(&p,
          "# comment\n"
          "apiVersion: v1\n"
          "kind: Pod\n"
          "spec:\n"
          "  containers:\n"
          "    - name: app\n"
          "      image: \"nginx:1.25\"\n",
          NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.docs.len, 1);
    d = doc(&p, 0);
    assert_int_equal(d->type, ST_Y_MAP);
    assert_int_equal(d->line, 2);
    assert_int_equal(d->column, 1);
    k = st_ymap_key(d, "kind");
    assert_int_equal(k->line, 3);
    assert_int_equal(k->column, 1);
    v = st_ymap_get(d, "kind");
    assert_string_equal(v->s, "Pod");
    assert_int_equal(v->column, 7);
    assert_true(v->plain);
    seq = st_ypath(d, "spec.containers");
    assert_int_equal(seq->type, ST_Y_SEQ);
    assert_int_equal(seq->n, 1);
    assert_int_equal(seq->kids[0]->line, 6);
    assert_int_equal(seq->kids[0]->column, 7);
    v = st_ymap_get(seq->kids[0], "image");
    assert_string_equal(v->s, "nginx:1.25");
    assert_false(v->plain);
    assert_int_equal(v->line, 7);
    assert_int_equal(v->column, 14);
    assert_null(st_ypath(d, "spec.nothing"));
    done(&p);
}

static void test_yaml__documents_and_json(void **state)
{
    parsed p;
    (void)state;
    /* several documents; an empty one is left out */
    parse(&p, "a: 1\n---\n---\nb: 2\n...\n---\n[1, 2]\n", NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.docs.len, 3);
    assert_int_equal(doc(&p, 1)->line, 4);
    assert_int_equal(doc(&p, 2)->type, ST_Y_SEQ);
    done(&p);
    /* JSON, with tabs between tokens (allowed in flow context) */
    parse(&p, "{\n\t\"kind\": \"List\",\n\t\"items\": [ {\"a\": true} ]\n}\n",
          NULL);
    assert_int_equal(p.rc, 0);
    assert_string_equal(st_ymap_get(doc(&p, 0), "kind")->s, "List");
    assert_int_equal(st_ymap_key(doc(&p, 0), "items")->line, 3);
    assert_int_equal(st_ybool(st_ypath(doc(&p, 0), "items")->kids[0]->kids[1]),
                     1);
    done(&p);
}

static void test_yaml__scalars(void **state)
{
    static const struct {
        const char *text;
        int b;
    } bools[] = {
        {"v: true", 1},  {"v: True", 1},  {"v: yes", 1},  {"v: on", 1},
        {"v: false", 0}, {"v: NO", 0},    {"v: off", 0},  {"v: \"true\"", -1},
        {"v: 1", -1},    {"v: truee", -1}, {"v: [true]", -1},
    };
    parsed p;
    long long n;
    (void)state;
    for (size_t i = 0; i < sizeof(bools) / sizeof(*bools); i++) {
        parse(&p, bools[i].text, NULL);
        assert_int_equal(p.rc, 0);
        assert_int_equal(st_ybool(st_ymap_get(doc(&p, 0), "v")), bools[i].b);
        done(&p);
    }
    parse(&p, "a: 0\nb: \"1000\"\nc: 1e3\nd: -7\ne: \"\"\n", NULL);
    assert_true(st_yint(st_ymap_get(doc(&p, 0), "a"), &n) && n == 0);
    assert_true(st_yint(st_ymap_get(doc(&p, 0), "b"), &n) && n == 1000);
    assert_false(st_yint(st_ymap_get(doc(&p, 0), "c"), &n));
    assert_true(st_yint(st_ymap_get(doc(&p, 0), "d"), &n) && n == -7);
    assert_false(st_yint(st_ymap_get(doc(&p, 0), "e"), &n));
    assert_string_equal(st_ystr(st_ymap_get(doc(&p, 0), "e")), "");
    done(&p);
}

static void test_yaml__merge_and_aliases(void **state)
{
    parsed p;
    const st_ynode *svc;
    (void)state;
    parse(&p,
          "x-base: &base\n"
          "  image: app:1\n"
          "  restart: always\n"
          "services:\n"
          "  web:\n"
          "    <<: *base\n"
          "    restart: \"no\"\n"
          "  db:\n"
          "    <<: [*base]\n"
          "    ports: &p [1, 2]\n"
          "    more: *p\n",
          NULL);
    assert_int_equal(p.rc, 0);
    svc = st_ypath(doc(&p, 0), "services.web");
    assert_string_equal(st_ymap_get(svc, "image")->s, "app:1");
    assert_string_equal(st_ymap_get(svc, "restart")->s, "no"); /* own wins */
    assert_int_equal(svc->n, 4); /* restart, image: no "<<" left */
    svc = st_ypath(doc(&p, 0), "services.db");
    assert_string_equal(st_ymap_get(svc, "restart")->s, "always");
    assert_ptr_equal(st_ymap_get(svc, "ports"), st_ymap_get(svc, "more"));
    done(&p);
    /* an alias needs a complete anchor: no cycles */
    parse(&p, "a: &x [1, *x]\n", NULL);
    assert_int_equal(p.rc, ST_EINVALID);
    assert_int_equal(p.e.line, 1);
    done(&p);
    parse(&p, "a: *nope\n", NULL);
    assert_int_equal(p.rc, ST_EINVALID);
    done(&p);
    /* anchors do not cross documents */
    parse(&p, "a: &x 1\n---\nb: *x\n", NULL);
    assert_int_equal(p.rc, ST_EINVALID);
    assert_int_equal(p.e.line, 3);
    assert_int_equal(p.docs.len, 1); /* the first document stays */
    done(&p);
}

static void test_yaml__alias_bomb(void **state)
{
    char text[2048];
    size_t n = 0;
    st_yaml_limits lim = {0, 0, 10000, 0};
    parsed p;
    (void)state;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "l0: &l0 [x,x,x,x,x,x,x,x,x,x]\n");
    for (int i = 1; i < 9; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "l%d: &l%d [*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,"
                              "*l%d,*l%d,*l%d]\n",
                              i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                              i - 1, i - 1, i - 1, i - 1);
    /* the default limit (a million nodes) refuses it at the 6th level */
    parse(&p, text, NULL);
    assert_int_equal(p.rc, ST_ELIMIT);
    assert_int_equal(p.e.line, 6);
    assert_non_null(strstr(p.e.msg, "alias bomb"));
    done(&p);
    /* with a limit of 10,000 nodes: the 4th level (11,111 nodes) */
    parse(&p, text, &lim);
    assert_int_equal(p.rc, ST_ELIMIT);
    assert_int_equal(p.e.line, 4);
    done(&p);
    /* the boundary: 3 levels (1,111 nodes + keys) pass under 10,000 */
    parse(&p, "l0: &l0 [x,x,x,x,x,x,x,x,x,x]\n"
              "l1: &l1 [*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0]\n"
              "l2: &l2 [*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1]\n",
          &lim);
    assert_int_equal(p.rc, 0);
    assert_int_equal(doc(&p, 0)->weight, 1 + 3 + 11 + 111 + 1111);
    done(&p);
}

static void test_yaml__errors(void **state)
{
    static const struct {
        const char *text;
        int rc;
        unsigned line;
        const char *msg; /* a part of the message */
    } cases[] = {
        {"a: 1\na: 2\n", ST_EINVALID, 2, "duplicate key \"a\""},
        {"m:\n  x: 1\n  y: 2\n  x: 3\n", ST_EINVALID, 4, "duplicate key"},
        {"a:\n\tb: 1\n", ST_EINVALID, 2, "tab"},
        {"a: \"open\n", ST_EINVALID, 1, ""},
        {"? [1]\n: 2\n", ST_EINVALID, 1, "must be a scalar"},
        {"a: [1, 2\n", ST_EINVALID, 2, ""},
        {"a: <<\nb:\n  <<: 5\n", ST_EINVALID, 3, "merge key needs a mapping"},
    };
    parsed p;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        parse(&p, cases[i].text, NULL);
        if (p.rc != cases[i].rc || p.e.line != cases[i].line ||
            !strstr(p.e.msg, cases[i].msg))
            fail_msg("case %zu: rc %d line %u \"%s\"", i, p.rc, p.e.line,
                     p.e.msg);
        done(&p);
    }
}

static void test_yaml__limits(void **state)
{
    char deep[400], many[64 * 1024];
    st_yaml_limits small = {16, 0, 0, 2};
    size_t n = 0;
    parsed p;
    st_arena *a;
    st_vec docs = ST_VEC_INIT;
    st_yaml_error e;
    (void)state;
    /* nesting: 64 levels pass, 65 do not */
    memset(deep, 0, sizeof(deep));
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    parse(&p, deep, NULL);
    assert_int_equal(p.rc, 0);
    done(&p);
    memset(deep, 0, sizeof(deep));
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    parse(&p, deep, NULL);
    assert_int_equal(p.rc, ST_ELIMIT);
    assert_non_null(strstr(p.e.msg, "nested deeper than 64"));
    done(&p);
    /* bytes and documents */
    parse(&p, "a: 12345678901234567890\n", &small);
    assert_int_equal(p.rc, ST_ELIMIT);
    done(&p);
    parse(&p, "1\n---\n2\n---\n3\n", &(st_yaml_limits){0, 0, 0, 2});
    assert_int_equal(p.rc, ST_ELIMIT);
    assert_int_equal(p.docs.len, 2);
    done(&p);
    /* a NUL byte: not text */
    a = st_arena_new();
    assert_int_equal(st_yaml_parse(&docs, a, "a: 1\0b", 6, NULL, &e),
                     ST_EINVALID);
    st_vec_release(&docs);
    st_arena_free(a);
    /* a large mapping checks duplicates by hashing: still found */
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "k%d: %d\n", i, i);
    parse(&p, many, NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(doc(&p, 0)->n, 4000);
    done(&p);
    snprintf(many + n, sizeof(many) - n, "k1234: again\n");
    parse(&p, many, NULL);
    assert_int_equal(p.rc, ST_EINVALID);
    assert_int_equal(p.e.line, 2001);
    done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml__positions),
        cmocka_unit_test(test_yaml__documents_and_json),
        cmocka_unit_test(test_yaml__scalars),
        cmocka_unit_test(test_yaml__merge_and_aliases),
        cmocka_unit_test(test_yaml__alias_bomb),
        cmocka_unit_test(test_yaml__errors),
        cmocka_unit_test(test_yaml__limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
