/* util/toml: the TOML 1.0 spec's examples and rules, valid documents
 * against the JSON they mean (checked with Python's tomllib, which
 * implements the same spec), invalid ones against the error (what, line,
 * column), the bounds, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/toml.h"

/* Parses and dumps with sorted keys, compact. NULL on error (*msg set). */
static char *parse(const char *doc, size_t len, char **msg, int *code)
{
    json_t *out = NULL;
    st_error *err = NULL;
    char *s = NULL;
    int rc = st_toml_parse(&out, doc, len, "t.toml", &err);
    *code = rc;
    *msg = NULL;
    if (rc < 0) {
        assert_null(out);
        assert_non_null(err);
        *msg = strdup(st_error_message(err));
        st_error_free(err);
        return NULL;
    }
    assert_null(err);
    s = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(out);
    return s;
}

static const struct {
    const char *toml, *json;
} valid[] = {
    {"", "{}"},
    {"# only a comment\n\n   \n", "{}"},
    {"a = 1\nb = \"x\"\n", "{\"a\":1,\"b\":\"x\"}"},
    {"a = 1", "{\"a\":1}"}, /* no final newline */
    {"a = 1\r\nb = 2\r\n", "{\"a\":1,\"b\":2}"},
    {"\xef\xbb\xbf" "a = 1\n", "{\"a\":1}"},
    /* keys */
    {"\"a.b\" = 1\n'c' = 2\n\"\" = 3\n", "{\"\":3,\"a.b\":1,\"c\":2}"},
    {"a . b . c = 1\n", "{\"a\":{\"b\":{\"c\":1}}}"},
    {"1234 = 1\n3.14159 = \"pi\"\n",
     "{\"1234\":1,\"3\":{\"14159\":\"pi\"}}"},
    {"\"\\u00e9\" = 1\n", "{\"\xc3\xa9\":1}"},
    /* strings */
    {"a = \"\\u00E9\\U0001F600\\t\\\\\\\"\"\n",
     "{\"a\":\"\xc3\xa9\xf0\x9f\x98\x80\\t\\\\\\\"\"}"},
    {"a = \"\"\"\nroses\\\n   are red\"\"\"\n", "{\"a\":\"rosesare red\"}"},
    {"a = \"\"\"a\\   \n\n  b\"\"\"\n", "{\"a\":\"ab\"}"},
    {"a = \"\"\"x\ny\"\"\"\n", "{\"a\":\"x\\ny\"}"},
    {"a = \"\"\"\"\"a\"\"\"\"\"\n", "{\"a\":\"\\\"\\\"a\\\"\\\"\"}"},
    {"a = '''\nlit\\n'''\n", "{\"a\":\"lit\\\\n\"}"},
    {"a = ''''a'''''\n", "{\"a\":\"'a''\"}"},
    {"a = 'C:\\x'\n", "{\"a\":\"C:\\\\x\"}"},
    {"a = \"tab\there\"\n", "{\"a\":\"tab\\there\"}"},
    {"a = \"\\u0000\"\n", "{\"a\":\"\\u0000\"}"},
    /* numbers */
    {"a = 0x1F\nb = 0o17\nc = 0b101\nd = +99\ne = -17\nf = 1_000\n",
     "{\"a\":31,\"b\":15,\"c\":5,\"d\":99,\"e\":-17,\"f\":1000}"},
    {"a = 9223372036854775807\nb = -9223372036854775808\n",
     "{\"a\":9223372036854775807,\"b\":-9223372036854775808}"},
    {"a = 0x7FFFFFFFFFFFFFFF\n", "{\"a\":9223372036854775807}"},
    {"a = 3.5\nb = -0.25\nc = 5e+2\nd = 1e02\ne = -2E-2\nf = 2_2.5\n",
     "{\"a\":3.5,\"b\":-0.25,\"c\":500.0,\"d\":100.0,\"e\":-0.02,\"f\":22.5}"},
    {"a = inf\nb = +inf\nc = -nan\n",
     "{\"a\":\"inf\",\"b\":\"+inf\",\"c\":\"-nan\"}"},
    {"a = 0\nb = -0\nc = +0.0\n", "{\"a\":0,\"b\":0,\"c\":0.0}"},
    {"a = true\nb = false\n", "{\"a\":true,\"b\":false}"},
    /* dates and times stay as written */
    {"a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00.999999-07:00\n"
     "c = 1979-05-27 07:32:00\nd = 1979-05-27\ne = 07:32:00\n"
     "f = 2000-02-29\n",
     "{\"a\":\"1979-05-27T07:32:00Z\",\"b\":\"1979-05-27T00:32:00.999999-07:00\","
     "\"c\":\"1979-05-27 07:32:00\",\"d\":\"1979-05-27\",\"e\":\"07:32:00\","
     "\"f\":\"2000-02-29\"}"},
    /* arrays */
    {"a = []\nb = [[]]\nc = [ [1,2], [\"a\", 'b'] ]\nd = [1, \"x\", 2.5, ]\n",
     "{\"a\":[],\"b\":[[]],\"c\":[[1,2],[\"a\",\"b\"]],\"d\":[1,\"x\",2.5]}"},
    {"a = [\n  1, # one\n  2\n  # two\n]\n", "{\"a\":[1,2]}"},
    /* inline tables */
    {"a = { }\nb = {x = 1, y.z = \"s\", y.w = [ {q = true} ]}\n",
     "{\"a\":{},\"b\":{\"x\":1,\"y\":{\"w\":[{\"q\":true}],\"z\":\"s\"}}}"},
    /* tables and arrays of tables */
    {"[a]\nb = 1\n[c.d]\ne = 2\n[ f . \"g\" ]\n",
     "{\"a\":{\"b\":1},\"c\":{\"d\":{\"e\":2}},\"f\":{\"g\":{}}}"},
    {"[x.y]\n[x]\nz = 1\n", "{\"x\":{\"y\":{},\"z\":1}}"},
    {"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
     "[fruit.apple.texture]\nsmooth = true\n",
     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},"
     "\"texture\":{\"smooth\":true}}}}"},
    {"[[p]]\nn = 1\n[p.dep]\nx = 1\n[[p]]\nn = 2\n[[p.sub]]\nq = 1\n",
     "{\"p\":[{\"dep\":{\"x\":1},\"n\":1},{\"n\":2,\"sub\":[{\"q\":1}]}]}"},
    {"[[ a ]]\nx = 1\n", "{\"a\":[{\"x\":1}]}"},
};

static void test_toml__valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        char *msg;
        int code;
        char *got = parse(valid[i].toml, strlen(valid[i].toml), &msg, &code);
        if (!got)
            fail_msg("case %zu: %s", i, msg);
        if (strcmp(got, valid[i].json))
            fail_msg("case %zu:\n got  %s\n want %s", i, got, valid[i].json);
        free(got);
    }
}

static const struct {
    const char *toml, *msg; /* the whole message */
} invalid[] = {
    {"a = 1\na = 2\n", "t.toml:2:1: duplicate key 'a'"},
    {"[a]\nb=1\n[a]\n", "t.toml:3:2: table 'a' is already defined"},
    {"[a.b]\n[a]\n[a]\n", "t.toml:3:2: table 'a' is already defined"},
    {"a.b = 1\n[a]\n", "t.toml:2:2: table 'a' is already defined"},
    {"[a]\nb.c = 1\n[a.b]\n", "t.toml:3:2: table 'b' is already defined"},
    {"t = {a = 1}\nt.b = 2\n",
     "t.toml:2:1: key 't' is already defined and cannot be extended with a "
     "dotted key"},
    {"t = {a = {x = 1}, a.y = 2}\n",
     "t.toml:1:19: key 'a' is already defined and cannot be extended with a "
     "dotted key"},
    {"[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n",
     "t.toml:4:1: key 'c' is already defined and cannot be extended with a "
     "dotted key"},
    {"[product]\ntype = { name = \"Nail\" }\n[product.type]\n",
     "t.toml:3:2: table 'type' is already defined"},
    {"a = [1]\n[[a]]\n",
     "t.toml:2:3: 'a' is already defined and is not an array of tables"},
    {"[[a]]\n[a]\n", "t.toml:2:2: table 'a' is already defined"},
    {"a = 1\n[a.b]\n", "t.toml:2:2: key 'a' is already defined as a value"},
    {"t = {a=1,}\n", "t.toml:1:10: expected a key"},
    {"t = {a=1\n}\n", "t.toml:1:9: expected ',' or '}' in an inline table"},
    {"a = [1 2]\n", "t.toml:1:8: expected ',' or ']' in an array"},
    {"a = [,]\n", "t.toml:1:6: expected a value"},
    {"a = 01\n", "t.toml:1:5: leading zero in a number"},
    {"a = 1__0\n", "t.toml:1:6: an underscore must sit between digits"},
    {"a = _1\n", "t.toml:1:5: expected a value"},
    {"a = 1_\n", "t.toml:1:6: an underscore must sit between digits"},
    {"a = 1.\n", "t.toml:1:7: expected a digit"},
    {"a = .1\n", "t.toml:1:5: expected a value"},
    {"a = 9223372036854775808\n", "t.toml:1:5: integer out of range"},
    {"a = 0x8000000000000000\n", "t.toml:1:5: integer out of range"},
    {"a = 1e999\n", "t.toml:1:5: float out of range"},
    {"a = \"\\x41\"\n", "t.toml:1:6: invalid escape sequence"},
    {"a = \"\\uD800\"\n", "t.toml:1:6: escape is not a Unicode scalar value"},
    {"a = \"\\u00\"\n", "t.toml:1:6: bad hex digit in \\u escape"},
    {"a = \"abc\n", "t.toml:1:5: newline in a string"},
    {"a = \"abc", "t.toml:1:5: unterminated string"},
    {"a = \"bad\x01\"\n", "t.toml:1:9: control character 0x01 in a string"},
    {"a = \"\"\"a\"\"\"\"\"\"\n",
     "t.toml:1:9: too many quotes at the end of a string"},
    {"\"\"\"a\"\"\" = 1\n", "t.toml:1:1: a multi-line string cannot be a key"},
    {"a = 1979-02-29\n", "t.toml:1:5: invalid date"},
    {"a = 1979-13-01\n", "t.toml:1:5: invalid date"},
    {"a = 24:00:00\n", "t.toml:1:5: invalid local time"},
    {"a = 1979-05-27T07:32\n", "t.toml:1:5: invalid date-time"},
    {"a = truee\n", "t.toml:1:9: expected the end of the line"},
    {"a = 1 b = 2\n", "t.toml:1:7: expected the end of the line"},
    {"a = 1\rb = 2\n", "t.toml:1:6: carriage return without a line feed"},
    {"key = \n", "t.toml:1:7: expected a value"},
    {"= 1\n", "t.toml:1:1: expected a key"},
    {"a = 1 # \x7f\n", "t.toml:1:9: control character 0x7f in a comment"},
    {"[ [a]]\n", "t.toml:1:3: expected a key"},
    {"[a\n", "t.toml:1:3: expected ']' to close a header"},
    {"a = \"\xc3\x28\"\n", "t.toml:1:6: invalid UTF-8"},
    {"a = \"\xed\xa0\x80\"\n", "t.toml:1:6: invalid UTF-8"}, /* surrogate */
    {"a = \"\xc0\xaf\"\n", "t.toml:1:6: invalid UTF-8"},     /* overlong */
};

static void test_toml__invalid(void **state)
{
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        char *msg;
        int code;
        char *got = parse(invalid[i].toml, strlen(invalid[i].toml), &msg, &code);
        if (got) {
            print_error("case %zu: parsed as %s\n", i, got);
            bad++;
        } else if (code != ST_EINVALID || strcmp(msg, invalid[i].msg)) {
            print_error("case %zu: code %d\n got  %s\n want %s\n", i, code,
                        msg, invalid[i].msg);
            bad++;
        }
        free(got);
        free(msg);
    }
    assert_int_equal(bad, 0);
}

static void test_toml__nul_in_key(void **state)
{
    /* a NUL (escaped) in a key is refused: no C string could hold it */
    static const char doc[] = "x.\"a\\u0000b\" = 1\n";
    json_t *out;
    st_error *err = NULL;
    (void)state;
    assert_int_equal(st_toml_parse(&out, doc, sizeof(doc) - 1, "t", &err),
                     ST_EINVALID);
    assert_string_equal(st_error_message(err),
                        "t:1:1: a NUL character in a key is not supported");
    st_error_free(err);
    assert_null(out);
    /* a raw NUL byte is a control character */
    assert_int_equal(st_toml_parse(&out, "a = \"\0\"\n", 8, "t", NULL),
                     ST_EINVALID);
    assert_null(out);
}

static void test_toml__depth(void **state)
{
    char buf[4096];
    json_t *out;
    st_error *err = NULL;
    size_t n;
    (void)state;

    /* arrays: the deepest allowed, then one more */
    for (int extra = 0; extra < 2; extra++) {
        int levels = ST_TOML_MAX_DEPTH + extra;
        n = (size_t)snprintf(buf, sizeof(buf), "a = ");
        for (int i = 0; i < levels; i++)
            buf[n++] = '[';
        for (int i = 0; i < levels; i++)
            buf[n++] = ']';
        buf[n++] = '\n';
        assert_int_equal(st_toml_parse(&out, buf, n, "t", &err),
                         extra ? ST_ELIMIT : 0);
        json_decref(out);
        st_error_free(err);
        err = NULL;
    }
    /* dotted keys and headers count as well */
    n = 0;
    buf[n++] = '[';
    for (int i = 0; i < ST_TOML_MAX_DEPTH; i++) {
        buf[n++] = 'k';
        buf[n++] = '.';
    }
    memcpy(buf + n, "k]\n", 3);
    n += 3;
    assert_int_equal(st_toml_parse(&out, buf, n, "t", &err), ST_ELIMIT);
    assert_non_null(strstr(st_error_message(err), "more than"));
    st_error_free(err);
    err = NULL;
    n = (size_t)snprintf(buf, sizeof(buf), "[");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "h.");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "h]\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "d.");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "d = 1\n");
    assert_int_equal(st_toml_parse(&out, buf, n, "t", &err), ST_ELIMIT);
    st_error_free(err);
}

/* A realistic lockfile under every allocation failure: ST_ENOMEM, never a
 * crash or a leak, and the same tree once allocation succeeds. */
static void test_toml__alloc_failure(void **state)
{
    static const char doc[] =
        "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
        "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        "dependencies = [\n \"b 0.1.0\",\n \"c\",\n]\n\n[[package]]\n"
        "name = \"b\"\nversion = \"0.1.0\"\nsdist = { url = \"u\", size = 12 }\n"
        "[package.metadata]\nx.y = [1.5, 2000-01-01, 'lit', \"\"\"m\nl\"\"\"]\n";
    char *want, *msg;
    int code;
    long failed = 0;

    (void)state;

    json_set_alloc_funcs(st_malloc, st_free);
    want = parse(doc, sizeof(doc) - 1, &msg, &code);
    assert_non_null(want);
    for (long n = 1; n < 2000; n++) {
        json_t *out = NULL;
        st_error *err = NULL;
        int rc;
        st_alloc_fail_after(n);
        rc = st_toml_parse(&out, doc, sizeof(doc) - 1, "t.toml", &err);
        st_alloc_fail_after(0);
        if (rc == 0) {
            char *got = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
            assert_string_equal(got, want);
            free(got);
            json_decref(out);
            if (n > failed + 50)
                break;
        } else {
            assert_int_equal(rc, ST_ENOMEM);
            assert_null(out);
            failed = n;
        }
        st_error_free(err);
    }
    assert_true(failed > 10);
    json_set_alloc_funcs(malloc, free);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toml__valid),
        cmocka_unit_test(test_toml__invalid),
        cmocka_unit_test(test_toml__nul_in_key),
        cmocka_unit_test(test_toml__depth),
        cmocka_unit_test(test_toml__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
