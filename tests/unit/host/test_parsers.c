/* The host audit's parsers and its root: systemd ExecStart, dockerd flags
 * and their merge with daemon.json (conflicts as dockerd reports them),
 * daemon.json limits, and path resolution that never leaves the root —
 * with openat2 and with the component-by-component fallback. */
#include <errno.h>
#include <fcntl.h>
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

#include "host/host_int.h"

static char *joined(const st_host__argv *a, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < a->n && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s[%s]", i ? " " : "",
                              a->v[i]);
    return buf;
}

static void test_host__parsers_execstart(void **state)
{
    static const struct {
        const char *unit;
        const char *want; /* words in [], or "!message" */
    } cases[] = {
        {"[Service]\nExecStart=/usr/bin/dockerd -H fd://\n",
         "[/usr/bin/dockerd] [-H] [fd://]"},
        /* continuation lines, a comment inside, quotes and escapes */
        {"[Unit]\nExecStart=/wrong\n[Service]\nType=notify\n"
         "ExecStart=/usr/bin/dockerd \\\n"
         "# a comment in the middle\n"
         "  --log-opt \"max-size=10 m\" \\\n"
         "  --label 'a b\\n' --x=\"q\\\"uote\"\n",
         "[/usr/bin/dockerd] [--log-opt] [max-size=10 m] [--label] "
         "[a b\\n] [--x=q\"uote]"},
        /* an empty ExecStart= resets; prefixes are dropped */
        {"[Service]\nExecStart=/a\nExecStart=\nExecStart=-/usr/bin/b x\n",
         "[/usr/bin/b] [x]"},
        {"[Service]\r\nExecStart = /c  y \r\n", "[/c] [y]"},
        {"[Service]\nExecStartPre=/pre\n", ""},
        {"[Service]\nExecStart=/a \"open\n", "!an unterminated double quote"},
        /* a backslash ending the file continues nothing */
        {"[Service]\nExecStart=/a \\", "[/a]"},
    };
    char buf[1024];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_arena *a = st_arena_new();
        st_host__argv w = {NULL, 0};
        st_error *err = NULL;
        int rc = st_host__unit_execstart(&w, a, cases[i].unit,
                                         strlen(cases[i].unit), "u.service",
                                         &err);
        if (cases[i].want[0] == '!') {
            if (rc != ST_EINVALID ||
                !strstr(st_error_message(err), cases[i].want + 1) ||
                !strstr(st_error_message(err), "u.service"))
                fail_msg("case %zu: rc %d, %s", i, rc,
                         st_error_message(err));
        } else if (rc || strcmp(joined(&w, buf, sizeof(buf)),
                                cases[i].want)) {
            fail_msg("case %zu: rc %d, got \"%s\", want \"%s\"", i, rc, buf,
                     cases[i].want);
        }
        st_error_free(err);
        st_arena_free(a);
    }
}

static void test_host__parsers_execstart_limits(void **state)
{
    st_buf b = ST_BUF_INIT(1 << 22);
    st_arena *a = st_arena_new();
    st_host__argv w = {NULL, 0};
    st_error *err = NULL;
    (void)state;
    st_buf_puts(&b, "[Service]\nExecStart=/x");
    for (int i = 0; i < ST_HOST__MAX_ARGS + 5; i++)
        st_buf_puts(&b, " w");
    assert_int_equal(st_host__unit_execstart(&w, a, b.ptr, b.len, "u", &err),
                     ST_ELIMIT);
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_host__unit_execstart(&w, a, "a\0b", 3, "u", &err),
                     ST_EINVALID);
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_host__split_words(&w, a, "a b\\", 4, "u", &err),
                     ST_EINVALID);
    assert_non_null(strstr(st_error_message(err), "a trailing backslash"));
    st_error_free(err);
    st_buf_release(&b);
    st_arena_free(a);
}

static json_t *flags_of(const char *line, int want_rc)
{
    st_arena *a = st_arena_new();
    st_host__argv w;
    json_t *j = NULL;
    st_error *err = NULL;
    assert_int_equal(st_host__split_words(&w, a, line, strlen(line), "t",
                                          NULL),
                     0);
    assert_int_equal(st_host__daemon_flags(&j, &w, &err), want_rc);
    st_error_free(err);
    st_arena_free(a);
    return j;
}

static void expect_json(const json_t *j, const char *want)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (strcmp(s, want))
        fail_msg("got %s, want %s", s, want);
    free(s);
}

static void test_host__parsers_flags(void **state)
{
    json_t *j;
    (void)state;
    j = flags_of("/usr/bin/dockerd -H fd:// --host=tcp://0.0.0.0:2375 "
                 "-Hunix:///x --icc=false --tlsverify --live-restore=true "
                 "--insecure-registry r:5000 --insecure-registry=s "
                 "--default-ulimit nofile=1024:2048 -s overlay2 "
                 "--unknown-flag --userland-proxy=0 --log-level=info",
                 0);
    expect_json(j, "{\"default-ulimits\":{\"nofile\":\"1024:2048\"},"
                   "\"hosts\":[\"fd://\",\"tcp://0.0.0.0:2375\",\"unix:///x\"],"
                   "\"icc\":false,\"insecure-registries\":[\"r:5000\",\"s\"],"
                   "\"live-restore\":true,\"log-level\":\"info\","
                   "\"storage-driver\":\"overlay2\",\"tlsverify\":true,"
                   "\"userland-proxy\":false}");
    json_decref(j);
    assert_null(flags_of("/usr/bin/dockerd --icc=maybe", ST_EINVALID));
    assert_null(flags_of("/usr/bin/dockerd --storage-driver", ST_EINVALID));
    assert_null(flags_of("/usr/bin/dockerd --default-ulimit nofile",
                         ST_EINVALID));
}

static void test_host__parsers_merge(void **state)
{
    json_t *file = json_pack("{s:b,s:[s]}", "icc", 0, "hosts", "tcp://x");
    json_t *fl = json_pack("{s:b,s:s}", "live-restore", 1, "config-file",
                           "/etc/d.json");
    json_t *m = NULL;
    st_error *err = NULL;
    (void)state;
    /* no overlap: the union, --config-file is not a directive */
    assert_int_equal(st_host__daemon_merge(&m, file, fl, &err), 0);
    expect_json(m, "{\"hosts\":[\"tcp://x\"],\"icc\":false,"
                   "\"live-restore\":true}");
    json_decref(m);
    /* no file */
    assert_int_equal(st_host__daemon_merge(&m, NULL, fl, &err), 0);
    expect_json(m, "{\"live-restore\":true}");
    json_decref(m);
    /* the same directive both ways: dockerd refuses to start */
    json_object_set_new(fl, "hosts", json_pack("[s]", "fd://"));
    json_object_set_new(fl, "icc", json_false());
    assert_int_equal(st_host__daemon_merge(&m, file, fl, &err), ST_EINVALID);
    assert_null(m);
    assert_string_equal(
        st_error_message(err),
        "the following directives are specified both as a flag and in the "
        "configuration file: hosts: (from flag: [\"fd://\"], from file: "
        "[\"tcp://x\"]), icc: (from flag: false, from file: false)");
    st_error_free(err);
    json_decref(file);
    json_decref(fl);
}

static void test_host__parsers_daemon_json(void **state)
{
    static const struct {
        const char *text;
        int rc;
        const char *msg;
    } cases[] = {
        {"{\"icc\": false}", 0, NULL},
        {"[1]", ST_EINVALID, "d.json: not a JSON object"},
        {"{\"icc\": false, \"icc\": true}", ST_EINVALID, "d.json"},
        {"{\"a\": ", ST_EINVALID, "d.json: line 1"},
        {"", ST_EINVALID, "d.json"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = NULL;
        st_error *err = NULL;
        int rc = st_host__daemon_json(&j, cases[i].text,
                                      strlen(cases[i].text), "d.json", &err);
        char *m = st_error_format(err);
        if (rc != cases[i].rc ||
            (cases[i].msg && (!m || !strstr(m, cases[i].msg))))
            fail_msg("case %zu: rc %d msg %s", i, rc, m ? m : "");
        st_free(m);
        json_decref(j);
        st_error_free(err);
    }
    {
        /* nesting past the limit */
        st_buf b = ST_BUF_INIT(1 << 20);
        json_t *j = NULL;
        st_error *err = NULL;
        st_buf_puts(&b, "{\"a\":");
        for (int i = 0; i < ST_HOST__MAX_DEPTH + 2; i++)
            st_buf_putc(&b, '[');
        for (int i = 0; i < ST_HOST__MAX_DEPTH + 2; i++)
            st_buf_putc(&b, ']');
        st_buf_putc(&b, '}');
        assert_int_equal(st_host__daemon_json(&j, b.ptr, b.len, "d", &err),
                         ST_ELIMIT);
        st_error_free(err);
        st_buf_release(&b);
    }
}

/* ---- the root ------------------------------------------------------------ */

static char tmp[256];

static void put(const char *rel, const char *text)
{
    char p[512];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    assert_non_null(f = fopen(p, "w"));
    fputs(text, f);
    fclose(f);
}

static void link_at(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void mk(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void test_host__parsers_root(void **state)
{
    char outside[600], root[300];
    (void)state;
    snprintf(tmp, sizeof(tmp), "%s/strata-host-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(tmp));
    mk("r");
    mk("r/etc");
    mk("r/run");
    put("secret", "outside\n");
    put("r/etc/passwd", "inside\n");
    put("r/run/docker.sock", "sock\n");
    snprintf(outside, sizeof(outside), "%s/secret", tmp);
    link_at(outside, "r/etc/abs-escape");                 /* /tmp/…/secret */
    link_at("../../../../../../../../secret", "r/etc/rel-escape");
    link_at("../secret", "r/etc/one-up");                 /* r/secret: none */
    link_at("/run", "r/varrun");                         /* inside */
    link_at("/etc/../etc/./passwd", "r/etc/alias");
    link_at("loop2", "r/etc/loop1");
    link_at("loop1", "r/etc/loop2");
    snprintf(root, sizeof(root), "%s/r", tmp);

    for (int mode = 0; mode < 2; mode++) {
        st_host__root r;
        st_buf b = ST_BUF_INIT(1 << 16);
        struct stat st;
        assert_int_equal(st_host__root_open(&r, root, NULL), 0);
        r.no_openat2 = mode == 1;
        r.offline = true;
        assert_int_equal(st_host__read(&r, "/etc/passwd", &b, 1 << 16, NULL),
                         0);
        assert_string_equal(b.ptr, "inside\n");
        /* escapes resolve inside the root, where there is nothing */
        assert_int_equal(st_host__read(&r, "/etc/abs-escape", &b, 1 << 16,
                                       NULL),
                         ST_ENOTFOUND);
        assert_int_equal(st_host__read(&r, "/etc/rel-escape", &b, 1 << 16,
                                       NULL),
                         ST_ENOTFOUND);
        assert_int_equal(st_host__read(&r, "/etc/one-up", &b, 1 << 16, NULL),
                         ST_ENOTFOUND);
        assert_int_equal(st_host__read(&r, "/../../secret", &b, 1 << 16,
                                       NULL),
                         ST_ENOTFOUND);
        /* links inside work, absolute ones restart at the root */
        assert_int_equal(st_host__read(&r, "/varrun/docker.sock", &b,
                                       1 << 16, NULL),
                         0);
        assert_string_equal(b.ptr, "sock\n");
        assert_int_equal(st_host__read(&r, "/etc/alias", &b, 1 << 16, NULL),
                         0);
        assert_string_equal(b.ptr, "inside\n");
        assert_int_equal(st_host__read(&r, "/etc/loop1", &b, 1 << 16, NULL),
                         ST_EIO);
        /* lstat vs stat */
        assert_int_equal(st_host__stat(&r, "/varrun", &st, true), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(st_host__stat(&r, "/varrun", &st, false), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_true(st_host__exists(&r, "/etc/abs-escape"));
        assert_int_equal(st_host__stat(&r, "/etc/abs-escape", &st, false),
                         -ENOENT);
        /* limits */
        assert_int_equal(st_host__read(&r, "/etc/passwd", &b, 3, NULL),
                         ST_ELIMIT);
        assert_int_equal(st_host__read(&r, "/etc", &b, 1 << 16, NULL),
                         ST_EIO);
        st_buf_release(&b);
        st_host__root_close(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host__parsers_execstart),
        cmocka_unit_test(test_host__parsers_execstart_limits),
        cmocka_unit_test(test_host__parsers_flags),
        cmocka_unit_test(test_host__parsers_merge),
        cmocka_unit_test(test_host__parsers_daemon_json),
        cmocka_unit_test(test_host__parsers_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
