/* registry/creds: credentials from the environment, the docker config's
 * auths (base64 "user:password", identitytoken), credHelpers and
 * credsStore through a fake docker-credential-strata-test helper written
 * at test time into a temporary directory put first on PATH; storing a
 * login. Expected values are the ones the test writes. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/registry.h"
#include "util/json.h"

static struct {
    char dir[256];
    char bin[320];
    char cfgdir[320];
    char cfg[400];
    char log[400];
    char *old_path;
} S;

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* The fake helper: answers according to the server URL it reads, and logs
 * its arguments and input. */
static const char helper[] =
    "#!/bin/sh\n"
    "read -r server\n"
    "echo \"$* $server\" >> \"$HELPER_LOG\"\n"
    "case \"$server\" in\n"
    "  nocreds.example) echo 'credentials not found in native keychain'; "
    "exit 1 ;;\n"
    "  broken.example) echo 'the keychain is locked'; exit 3 ;;\n"
    "  slow.example) exec sleep 30 ;;\n"
    "  big.example) head -c 100000 /dev/zero | tr '\\0' x; exit 0 ;;\n"
    "  garbage.example) echo 'not json'; exit 0 ;;\n"
    "  token.example) printf '{\"ServerURL\":\"%s\",\"Username\":\"<token>\","
    "\"Secret\":\"refresh-1\"}' \"$server\" ;;\n"
    "  *) printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\",\"Secret\":"
    "\"s3cr\\\\\"et\"}' \"$server\" \"$server\" ;;\n"
    "esac\n";

static int group_setup(void **state)
{
    char path[4096];
    const char *old;
    (void)state;
    snprintf(S.dir, sizeof(S.dir), "%s/strata-creds.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(S.dir))
        return -1;
    snprintf(S.bin, sizeof(S.bin), "%s/bin", S.dir);
    snprintf(S.cfgdir, sizeof(S.cfgdir), "%s/docker", S.dir);
    snprintf(S.cfg, sizeof(S.cfg), "%s/config.json", S.cfgdir);
    snprintf(S.log, sizeof(S.log), "%s/helper.log", S.dir);
    if (mkdir(S.bin, 0755) < 0 || mkdir(S.cfgdir, 0700) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/docker-credential-strata-test", S.bin);
    {
        FILE *f = fopen(path, "w");
        if (!f)
            return -1;
        fputs(helper, f);
        fclose(f);
        chmod(path, 0755);
    }
    old = getenv("PATH");
    S.old_path = strdup(old ? old : "/usr/bin:/bin");
    snprintf(path, sizeof(path), "%s:%s", S.bin, S.old_path);
    setenv("PATH", path, 1);
    setenv("DOCKER_CONFIG", S.cfgdir, 1);
    setenv("HELPER_LOG", S.log, 1);
    unsetenv("STRATA_REGISTRY_USERNAME");
    unsetenv("STRATA_REGISTRY_PASSWORD");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (S.old_path)
        setenv("PATH", S.old_path, 1);
    free(S.old_path);
    nftw(S.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Looks up `registry` with the config text `cfg`; returns the rc. */
static int lookup(const char *cfg, const char *registry, st_creds *c,
                  st_error **err)
{
    if (cfg)
        write_file(S.cfg, cfg, 0600);
    else
        unlink(S.cfg);
    unlink(S.log);
    return st_creds_lookup(c, registry, NULL, err);
}

static void expect(const char *cfg, const char *registry, const char *user,
                   const char *secret, bool identity)
{
    st_creds c;
    st_error *err = NULL;
    int rc = lookup(cfg, registry, &c, &err);
    if (rc != 0)
        fail_msg("%s: %s", registry, st_error_message(err));
    if (!user) {
        assert_null(c.username);
        assert_null(c.secret);
        return;
    }
    assert_non_null(c.username);
    assert_string_equal(c.username, user);
    assert_string_equal(c.secret, secret);
    assert_int_equal(c.identity_token, identity);
    st_creds_release(&c);
    assert_null(c.secret);
}

/* "user:pa:ss" and "alice:secret" in base64 */
#define B64_USER_PASS "dXNlcjpwYTpzcw=="
#define B64_ALICE     "YWxpY2U6c2VjcmV0"

static void test_registry__creds_auths(void **state)
{
    static const char cfg[] =
        "{\"auths\":{"
        "\"myreg:5000\":{\"auth\":\"" B64_USER_PASS "\"},"
        "\"https://other.example/v1/\":{\"auth\":\"" B64_ALICE "\"},"
        "\"https://index.docker.io/v1/\":{\"auth\":\"" B64_ALICE "\"},"
        "\"idt.example\":{\"auth\":\"\",\"identitytoken\":\"refresh-tok\"},"
        "\"plain.example\":{\"username\":\"bob\",\"password\":\"pw\"},"
        "\"nopad.example\":{\"auth\":\"YWxpY2U6c2VjcmV0YQ\"}"
        "}}";
    (void)state;
    expect(cfg, "myreg:5000", "user", "pa:ss", false);
    expect(cfg, "other.example", "alice", "secret", false);
    expect(cfg, "registry-1.docker.io", "alice", "secret", false);
    expect(cfg, "docker.io", "alice", "secret", false);
    expect(cfg, "idt.example", "<token>", "refresh-tok", true);
    expect(cfg, "plain.example", "bob", "pw", false);
    expect(cfg, "nopad.example", "alice", "secreta", false);
    /* a port is part of the name */
    expect(cfg, "myreg", NULL, NULL, false);
    expect(cfg, "myreg:5001", NULL, NULL, false);
    expect(cfg, "unknown.example", NULL, NULL, false);
    /* no config at all */
    expect(NULL, "myreg:5000", NULL, NULL, false);
}

static void test_registry__creds_env_wins(void **state)
{
    static const char cfg[] =
        "{\"auths\":{\"myreg:5000\":{\"auth\":\"" B64_USER_PASS "\"}}}";
    (void)state;
    setenv("STRATA_REGISTRY_USERNAME", "envuser", 1);
    setenv("STRATA_REGISTRY_PASSWORD", "envpass", 1);
    expect(cfg, "myreg:5000", "envuser", "envpass", false);
    expect(cfg, "anything.example", "envuser", "envpass", false);
    unsetenv("STRATA_REGISTRY_USERNAME");
    unsetenv("STRATA_REGISTRY_PASSWORD");
    expect(cfg, "myreg:5000", "user", "pa:ss", false);
}

static char *slurp_log(void)
{
    static char buf[4096];
    FILE *f = fopen(S.log, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_registry__creds_helpers(void **state)
{
    static const char cfg[] =
        "{\"credHelpers\":{\"helped.example\":\"strata-test\","
        "\"nocreds.example\":\"strata-test\","
        "\"token.example\":\"strata-test\","
        "\"myreg:5000\":\"strata-test\"},"
        "\"auths\":{\"myreg:5000\":{\"auth\":\"" B64_USER_PASS "\"}}}";
    (void)state;
    /* The helper gets "get" and the server on stdin; its JSON answers. */
    expect(cfg, "helped.example", "u-helped.example", "s3cr\"et", false);
    assert_string_equal(slurp_log(), "get helped.example\n");
    /* credHelpers come before auths */
    expect(cfg, "myreg:5000", "u-myreg:5000", "s3cr\"et", false);
    expect(cfg, "token.example", "<token>", "refresh-1", true);
    /* "credentials not found" is no credentials, not an error */
    expect(cfg, "nocreds.example", NULL, NULL, false);
    assert_string_equal(slurp_log(), "get nocreds.example\n");
}

static void test_registry__creds_store(void **state)
{
    static const char cfg[] =
        "{\"credsStore\":\"strata-test\",\"auths\":{"
        "\"https://index.docker.io/v1/\":{},\"stored.example\":{},"
        "\"direct.example\":{\"auth\":\"" B64_ALICE "\"}}}";
    (void)state;
    /* the store is asked with the key the login was stored under */
    expect(cfg, "docker.io", "u-https://index.docker.io/v1/", "s3cr\"et",
           false);
    expect(cfg, "stored.example", "u-stored.example", "s3cr\"et", false);
    expect(cfg, "fresh.example", "u-fresh.example", "s3cr\"et", false);
    /* an auths entry with a value comes before the store */
    expect(cfg, "direct.example", "alice", "secret", false);
    assert_string_equal(slurp_log(), "");
}

static void test_registry__creds_helper_failures(void **state)
{
    static const struct {
        const char *registry;
        int rc;
        const char *msg;
    } cases[] = {
        {"broken.example", ST_EIO, "the keychain is locked"},
        {"big.example", ST_ELIMIT, "longer than"},
        {"garbage.example", ST_EINVALID, "Secret"},
        {"missing.example", ST_EIO, "docker-credential-no-such-helper"},
        {"badname.example", ST_EINVALID, "not valid"},
    };
    static const char cfg[] =
        "{\"credHelpers\":{\"broken.example\":\"strata-test\","
        "\"big.example\":\"strata-test\","
        "\"garbage.example\":\"strata-test\","
        "\"missing.example\":\"no-such-helper\","
        "\"badname.example\":\"../../bin/sh\"}}";
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_creds c;
        st_error *err = NULL;
        int rc = lookup(cfg, cases[i].registry, &c, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d (%s)", cases[i].registry, rc,
                     cases[i].rc, st_error_message(err));
        if (!strstr(st_error_message(err), cases[i].msg))
            fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].registry,
                     st_error_message(err), cases[i].msg);
        assert_null(c.secret);
        st_error_free(err);
    }
}

static void test_registry__creds_helper_timeout(void **state)
{
    static const char cfg[] =
        "{\"credHelpers\":{\"slow.example\":\"strata-test\"}}";
    struct timespec a, b;
    st_creds c;
    st_error *err = NULL;
    double secs;
    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(lookup(cfg, "slow.example", &c, &err), ST_EIO);
    clock_gettime(CLOCK_MONOTONIC, &b);
    secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    assert_non_null(strstr(st_error_message(err), "no answer within 5 s"));
    /* killed at the deadline, not waited for (the helper sleeps 30 s) */
    assert_true(secs >= 4.5 && secs < 15);
    st_error_free(err);
}

static void test_registry__creds_malformed(void **state)
{
    static const char *const cfgs[] = {
        "{\"auths\":", "[1,2]",
        "{\"auths\":{\"myreg:5000\":{\"auth\":\"!!notbase64!!\"}}}",
        "{\"auths\":{\"myreg:5000\":{\"auth\":\"" "bm9jb2xvbg==" "\"}}}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
        st_creds c;
        st_error *err = NULL;
        assert_int_equal(lookup(cfgs[i], "myreg:5000", &c, &err), ST_EINVALID);
        /* the message names the file */
        assert_non_null(strstr(st_error_message(err), "config.json"));
        st_error_free(err);
    }
}

static void test_registry__creds_store_login(void **state)
{
    char dir[512], path[600];
    struct stat st;
    st_buf text = ST_BUF_INIT(1 << 20);
    json_t *j = NULL;
    st_creds c;
    (void)state;
    snprintf(dir, sizeof(dir), "%s/new/sub", S.dir);
    snprintf(path, sizeof(path), "%s/config.json", dir);
    assert_int_equal(st_creds_store("myreg:5000", path, "alice", "p:w\"1",
                                     NULL),
                     0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(st_creds_lookup(&c, "myreg:5000", path, NULL), 0);
    assert_string_equal(c.username, "alice");
    assert_string_equal(c.secret, "p:w\"1");
    st_creds_release(&c);

    /* Other keys stay; docker.io goes under docker's key. */
    write_file(path,
               "{\"credsStore\":\"\",\"proxies\":{\"x\":1},\"auths\":{"
               "\"keep.example\":{\"auth\":\"" B64_ALICE "\"}}}",
               0600);
    assert_int_equal(st_creds_store("docker.io", path, "bob", "pw", NULL), 0);
    assert_int_equal(st_read_file(&text, path, 1 << 20, NULL), 0);
    assert_int_equal(st_json_load(&j, text.ptr, text.len, "c", NULL), 0);
    assert_non_null(json_object_get(j, "proxies"));
    assert_non_null(json_object_get(json_object_get(j, "auths"),
                                    "keep.example"));
    assert_string_equal(
        st_json_str(json_object_get(json_object_get(j, "auths"),
                                    "https://index.docker.io/v1/"),
                    "auth"),
        "Ym9iOnB3"); /* base64("bob:pw") */
    json_decref(j);
    st_buf_release(&text);
    assert_int_equal(st_creds_lookup(&c, "registry-1.docker.io", path, NULL),
                     0);
    assert_string_equal(c.username, "bob");
    st_creds_release(&c);
    /* a user name with ':' cannot be stored */
    assert_int_equal(st_creds_store("x.example", path, "a:b", "pw", NULL),
                     ST_EUSAGE);
    /* a config that is not JSON is not overwritten */
    write_file(path, "{broken", 0600);
    assert_int_equal(st_creds_store("x.example", path, "a", "pw", NULL),
                     ST_EINVALID);
    assert_int_equal(st_read_file(&text, path, 1 << 20, NULL), 0);
    assert_string_equal(text.ptr, "{broken");
    st_buf_release(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__creds_auths),
        cmocka_unit_test(test_registry__creds_env_wins),
        cmocka_unit_test(test_registry__creds_helpers),
        cmocka_unit_test(test_registry__creds_store),
        cmocka_unit_test(test_registry__creds_helper_failures),
        cmocka_unit_test(test_registry__creds_helper_timeout),
        cmocka_unit_test(test_registry__creds_malformed),
        cmocka_unit_test(test_registry__creds_store_login),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
