/* registry/client and registry/stream against a real registry. Skips
 * (saying why) unless tests/integration/registry_client.sh, or a person,
 * sets the environment:
 *   ST_TEST_REGISTRY  host:port of a registry holding the image
 *   ST_TEST_MODE      open | basic-tls | token | tamper
 *   ST_TEST_REPO      repository ("strata-test/minbase"), tag ST_TEST_TAG
 *   ST_TEST_OCI       the OCI layout that was pushed (the oracle: manifest,
 *                     config and layer bytes must be the same)
 *   ST_TEST_CA        the registry's CA (basic-tls)
 *   ST_TEST_USER, ST_TEST_PASS, ST_TEST_DOCKER_CONFIG  (basic-tls, token)
 *   ST_TEST_TAMPERED  a layer digest whose bytes were altered in the
 *                     registry's storage (tamper)
 *   ST_TEST_TMP       scratch directory (cache)
 *   ST_TEST_FAKE_BLOB, ST_TEST_FAKE_DIGEST  the blob the scripted registry
 *                     of registry_client.sh serves as fake/blob (fake) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#define MAX_BLOB ((size_t)256 << 20)

static struct {
    const char *registry, *mode, *repo, *tag, *oci, *ca, *user, *pass;
    const char *docker_config, *tampered, *tmp;
    char manifest[72];
    char config[72];
    int64_t config_size;
    char layer[72];
    int64_t layer_size;
} E;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *blob_path(const char *digest)
{
    static char p[4][1024];
    static int next;
    char *b = p[next++ % 4];
    snprintf(b, sizeof(p[0]), "%s/blobs/sha256/%s", E.oci, digest + 7);
    return b;
}

static json_t *load_json(const char *path)
{
    st_buf b = ST_BUF_INIT(16 << 20);
    json_t *j = NULL;
    if (st_read_file(&b, path, 16 << 20, NULL) == 0)
        (void)st_json_load(&j, b.ptr, b.len, path, NULL);
    st_buf_release(&b);
    return j;
}

/* The expected digests, from the OCI layout. */
static int group_setup(void **state)
{
    json_t *idx, *man;
    (void)state;
    E.registry = env("ST_TEST_REGISTRY");
    E.mode = env("ST_TEST_MODE");
    E.repo = env("ST_TEST_REPO");
    E.tag = env("ST_TEST_TAG") ? env("ST_TEST_TAG") : "latest";
    E.oci = env("ST_TEST_OCI");
    E.ca = env("ST_TEST_CA");
    E.user = env("ST_TEST_USER");
    E.pass = env("ST_TEST_PASS");
    E.docker_config = env("ST_TEST_DOCKER_CONFIG");
    E.tampered = env("ST_TEST_TAMPERED");
    E.tmp = env("ST_TEST_TMP");
    if (!E.registry || !E.mode || !E.repo || !E.oci || !E.tmp) {
        printf("registry live tests skipped: ST_TEST_REGISTRY, ST_TEST_MODE, "
               "ST_TEST_REPO, ST_TEST_OCI and ST_TEST_TMP are not all set "
               "(tests/integration/registry_client.sh sets them)\n");
        E.registry = NULL;
        return 0;
    }
    {
        char p[1024];
        snprintf(p, sizeof(p), "%s/index.json", E.oci);
        idx = load_json(p);
    }
    if (!idx)
        return -1;
    snprintf(E.manifest, sizeof(E.manifest), "%s",
             st_json_str(json_array_get(st_json_arr(idx, "manifests"), 0),
                         "digest"));
    json_decref(idx);
    if (!(man = load_json(blob_path(E.manifest))))
        return -1;
    snprintf(E.config, sizeof(E.config), "%s",
             st_json_str(st_json_obj(man, "config"), "digest"));
    E.config_size = json_integer_value(
        json_object_get(st_json_obj(man, "config"), "size"));
    {
        json_t *l0 = json_array_get(st_json_arr(man, "layers"), 0);
        snprintf(E.layer, sizeof(E.layer), "%s", st_json_str(l0, "digest"));
        E.layer_size = json_integer_value(json_object_get(l0, "size"));
    }
    json_decref(man);
    return st_digest_valid(E.layer) && st_digest_valid(E.config) ? 0 : -1;
}

static void need(const char *mode)
{
    if (!E.registry)
        skip();
    if (strcmp(E.mode, mode)) {
        printf("not a %s registry (ST_TEST_MODE=%s)\n", mode, E.mode);
        skip();
    }
}

static const char *insecure_list[1];

/* A config for the registry under test: insecure when plain http. */
static st_reg_config config(bool insecure)
{
    st_reg_config c;
    memset(&c, 0, sizeof(c));
    insecure_list[0] = E.registry;
    if (insecure) {
        c.insecure = insecure_list;
        c.insecure_count = 1;
    }
    c.tries = 2;
    c.retry_delay_ms = 50;
    c.docker_config = "/nonexistent/strata-test/config.json";
    return c;
}

static st_reg *open_reg(const st_reg_config *c)
{
    st_reg *r = NULL;
    st_error *err = NULL;
    if (st_reg_open(&r, E.registry, c, &err) < 0)
        fail_msg("open: %s", st_error_message(err));
    return r;
}

static void same_as_file(const st_buf *b, const char *path)
{
    st_buf want = ST_BUF_INIT(MAX_BLOB);
    assert_int_equal(st_read_file(&want, path, MAX_BLOB, NULL), 0);
    assert_int_equal(b->len, want.len);
    assert_memory_equal(b->ptr, want.ptr, want.len);
    st_buf_release(&want);
}

/* Gets the manifest by tag and by digest; both must be the layout's. */
static void check_manifest(st_reg *r)
{
    st_buf body = ST_BUF_INIT(4 << 20);
    char digest[72], *mt = NULL;
    st_error *err = NULL;
    if (st_reg_get_manifest(r, E.repo, E.tag, 0, &body, &mt, digest, &err) <
        0)
        fail_msg("manifest by tag: %s", st_error_message(err));
    assert_string_equal(digest, E.manifest);
    assert_string_equal(mt, "application/vnd.oci.image.manifest.v1+json");
    same_as_file(&body, blob_path(E.manifest));
    st_free(mt);
    if (st_reg_get_manifest(r, E.repo, E.manifest, 0, &body, NULL, digest,
                            &err) < 0)
        fail_msg("manifest by digest: %s", st_error_message(err));
    assert_string_equal(digest, E.manifest);
    same_as_file(&body, blob_path(E.manifest));
    st_buf_release(&body);
}

/* Streams the first layer in odd-sized reads; the bytes must be the
 * layout's and the end must come once. Returns the bytes read. */
static uint64_t stream_layer(st_reg *r, bool *cached)
{
    st_blobstream *s = NULL;
    st_error *err = NULL;
    FILE *want = fopen(blob_path(E.layer), "rb");
    static char got[70001], exp[70001];
    uint64_t total = 0;
    char why[256];
    size_t step = 1;
    ssize_t n;

    assert_non_null(want);
    if (st_reg_open_blob(r, E.repo, E.layer, E.layer_size, &s, &err) < 0)
        fail_msg("open blob: %s", st_error_message(err));
    *cached = st_blobstream_cached(s);
    while ((n = st_blobstream_read(s, got, step, why, sizeof(why))) > 0) {
        assert_int_equal(fread(exp, 1, (size_t)n, want), (size_t)n);
        if (memcmp(got, exp, (size_t)n))
            fail_msg("layer bytes differ at %llu", (unsigned long long)total);
        total += (uint64_t)n;
        step = step * 7 % 70001 + 1; /* 1 byte .. 70001 bytes */
    }
    if (n < 0)
        fail_msg("read: %s", why);
    assert_int_equal(fread(exp, 1, 1, want), 0); /* nothing left */
    assert_int_equal(total, (uint64_t)E.layer_size);
    /* the end stays the end */
    assert_int_equal(st_blobstream_read(s, got, 10, why, sizeof(why)), 0);
    st_blobstream_close(s);
    fclose(want);
    return total;
}

static void check_config_blob(st_reg *r)
{
    st_buf b = ST_BUF_INIT(4 << 20);
    st_error *err = NULL;
    if (st_reg_get_blob(r, E.repo, E.config, E.config_size, 0, &b, &err) < 0)
        fail_msg("config blob: %s", st_error_message(err));
    same_as_file(&b, blob_path(E.config));
    st_buf_release(&b);
}

/* ---- open registry (plain http) ------------------------------------------- */

static void test_registry__live_http_refused(void **state)
{
    st_reg_config c = config(false);
    st_reg *r;
    st_buf body = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    (void)state;
    need("open");
    r = open_reg(&c);
    assert_int_equal(
        st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
        ST_EIO);
    assert_non_null(strstr(st_error_message(err), "insecure"));
    assert_null(st_reg_base_url(r));
    st_error_free(err);
    st_buf_release(&body);
    st_reg_free(r);
}

static void test_registry__live_open_pull(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    st_buf body = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    st_arena *a;
    const char **tags;
    size_t ntags;
    bool cached, found = false;
    char url[300];
    (void)state;
    need("open");
    a = st_arena_new();
    r = open_reg(&c);
    check_manifest(r);
    snprintf(url, sizeof(url), "http://%s", E.registry);
    assert_string_equal(st_reg_base_url(r), url);
    check_config_blob(r);
    assert_int_equal(stream_layer(r, &cached), (uint64_t)E.layer_size);
    assert_false(cached);

    /* unknown things */
    assert_int_equal(st_reg_get_manifest(r, E.repo, "no-such-tag", 0, &body,
                                         NULL, NULL, &err),
                     ST_ENOTFOUND);
    assert_non_null(strstr(st_error_message(err), "manifest unknown"));
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_reg_get_blob(r, E.repo,
                                     "sha256:0000000000000000000000000000000"
                                     "000000000000000000000000000000000",
                                     -1, 0, &body, &err),
                     ST_ENOTFOUND);
    st_error_free(err);
    err = NULL;
    /* a manifest asked by a digest it does not have, a repository that
     * does not exist */
    assert_int_equal(st_reg_get_manifest(r, E.repo,
                                         "sha256:111111111111111111111111111"
                                         "1111111111111111111111111111111111"
                                         "111",
                                         0, &body, NULL, NULL, &err),
                     ST_ENOTFOUND);
    st_error_free(err);
    err = NULL;
    assert_int_equal(st_reg_get_manifest(r, "strata-test/not-here", E.tag, 0,
                                         &body, NULL, NULL, &err),
                     ST_ENOTFOUND);
    assert_non_null(strstr(st_error_message(err), "not-here:latest"));
    st_error_free(err);
    err = NULL;
    /* the config is smaller than its size says: the limit holds first */
    assert_int_equal(st_reg_get_blob(r, E.repo, E.config, E.config_size,
                                     (size_t)E.config_size - 1, &body, &err),
                     ST_ELIMIT);
    st_error_free(err);
    err = NULL;

    assert_int_equal(st_reg_list_tags(r, E.repo, a, &tags, &ntags, 100, &err),
                     0);
    for (size_t i = 0; i < ntags; i++)
        found |= !strcmp(tags[i], E.tag);
    assert_true(found);

    /* plain http: no TLS facts */
    {
        st_reg_request req = {0};
        st_reg_response resp;
        req.path = "/v2/";
        assert_int_equal(st_reg_do(r, &req, &resp, NULL), 0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.tls_version, "");
        assert_int_equal(resp.cert_not_after, 0);
        assert_false(resp.authenticated);
        st_reg_response_release(&resp);
    }
    st_arena_free(a);
    st_buf_release(&body);
    st_reg_free(r);
}

static void test_registry__live_stream_size_lies(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    st_blobstream *s = NULL;
    char buf[65536], why[256];
    ssize_t n;
    (void)state;
    need("open");
    r = open_reg(&c);
    /* One byte less than the blob: more bytes than announced arrive. */
    assert_int_equal(
        st_reg_open_blob(r, E.repo, E.layer, E.layer_size - 1, &s, NULL), 0);
    while ((n = st_blobstream_read(s, buf, sizeof(buf), why, sizeof(why))) > 0)
        ;
    assert_int_equal(n, ST_EDIGEST);
    assert_non_null(strstr(why, "does not match its digest"));
    st_blobstream_close(s);
    /* One byte more: the blob ends short. */
    assert_int_equal(
        st_reg_open_blob(r, E.repo, E.layer, E.layer_size + 1, &s, NULL), 0);
    while ((n = st_blobstream_read(s, buf, sizeof(buf), why, sizeof(why))) > 0)
        ;
    assert_int_equal(n, ST_EDIGEST);
    assert_non_null(strstr(why, E.layer));
    st_blobstream_close(s);
    st_reg_free(r);
}

static int count_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && (!part || strstr(e->d_name, part)))
            n++;
    closedir(d);
    return n;
}

static void test_registry__live_cache(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    char cache[512], dir[600], file[800];
    struct stat st;
    uint64_t size;
    bool cached;
    int fd;
    (void)state;
    need("open");
    snprintf(cache, sizeof(cache), "%s/cache-%d", E.tmp, (int)getpid());
    snprintf(dir, sizeof(dir), "%s/blobs/sha256", cache);
    snprintf(file, sizeof(file), "%s/%s", dir, E.layer + 7);
    c.cache_dir = cache;
    r = open_reg(&c);
    assert_int_equal(st_blobcache_open(cache, E.layer, &size), -1);

    /* A stream closed half-way leaves nothing behind. */
    {
        st_blobstream *s = NULL;
        char buf[4096];
        assert_int_equal(
            st_reg_open_blob(r, E.repo, E.layer, E.layer_size, &s, NULL), 0);
        assert_true(st_blobstream_read(s, buf, sizeof(buf), NULL, 0) > 0);
        assert_int_equal(count_entries(dir, ".part"), 1);
        st_blobstream_close(s);
        assert_int_equal(count_entries(dir, NULL), 0);
    }
    /* Fill, then hit. */
    assert_int_equal(stream_layer(r, &cached), (uint64_t)E.layer_size);
    assert_false(cached);
    assert_int_equal(count_entries(dir, NULL), 1);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(st.st_size, E.layer_size);
    fd = st_blobcache_open(cache, E.layer, &size);
    assert_true(fd >= 0);
    assert_int_equal(size, (uint64_t)E.layer_size);
    close(fd);
    assert_int_equal(stream_layer(r, &cached), (uint64_t)E.layer_size);
    assert_true(cached);
    st_reg_free(r);

    /* A hit needs no network: a client for a port nobody listens on. */
    {
        st_reg_config c2 = config(true);
        st_reg *dead = NULL;
        st_blobstream *s = NULL;
        c2.cache_dir = cache;
        assert_int_equal(st_reg_open(&dead, "127.0.0.1:9", &c2, NULL), 0);
        assert_int_equal(
            st_reg_open_blob(dead, E.repo, E.layer, E.layer_size, &s, NULL),
            0);
        assert_true(st_blobstream_cached(s));
        st_blobstream_close(s);
        st_reg_free(dead);
    }
}

/* ---- basic auth over TLS ----------------------------------------------------- */

static void test_registry__live_basic_tls(void **state)
{
    st_reg_config c = config(false);
    st_reg *r;
    st_buf body = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    bool cached;
    (void)state;
    need("basic-tls");
    assert_non_null(E.ca);
    assert_non_null(E.user);

    /* Not trusted without the CA. */
    r = open_reg(&c);
    assert_int_equal(
        st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
        ST_EIO);
    assert_non_null(strstr(st_error_message(err), E.registry));
    st_error_free(err);
    err = NULL;
    st_reg_free(r);

    /* The CA, no credentials: authentication required. */
    c.ca_file = E.ca;
    r = open_reg(&c);
    assert_int_equal(
        st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
        ST_EIO);
    assert_non_null(strstr(st_error_message(err), "authentication required"));
    assert_non_null(strstr(st_error_message(err), "strata registry login"));
    st_error_free(err);
    err = NULL;
    st_reg_free(r);

    /* Wrong password. */
    c.username = E.user;
    c.password = "wrong-password";
    r = open_reg(&c);
    assert_int_equal(
        st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
        ST_EIO);
    assert_non_null(strstr(st_error_message(err), "strata registry login"));
    st_error_free(err);
    err = NULL;
    st_reg_free(r);

    /* Right password: everything works, over TLS. */
    c.password = E.pass;
    r = open_reg(&c);
    check_manifest(r);
    check_config_blob(r);
    assert_int_equal(stream_layer(r, &cached), (uint64_t)E.layer_size);
    {
        st_reg_request req = {0};
        st_reg_response resp;
        time_t now = time(NULL);
        req.path = "/v2/";
        assert_int_equal(st_reg_do(r, &req, &resp, NULL), 0);
        assert_int_equal(resp.status, 200);
        assert_true(resp.authenticated);
        assert_true(!strcmp(resp.tls_version, "TLSv1.3") ||
                    !strcmp(resp.tls_version, "TLSv1.2"));
        /* the test CA makes certificates valid for one day */
        assert_true(resp.cert_not_after > now &&
                    resp.cert_not_after <= now + 2 * 86400);
        st_reg_response_release(&resp);
    }
    st_reg_free(r);

    /* Credentials from the docker config. */
    if (E.docker_config) {
        char p[1024];
        snprintf(p, sizeof(p), "%s/config.json", E.docker_config);
        c.username = c.password = NULL;
        c.docker_config = p;
        r = open_reg(&c);
        check_manifest(r);
        /* ...but never when anonymous */
        st_reg_free(r);
        c.anonymous = true;
        r = open_reg(&c);
        assert_int_equal(
            st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
            ST_EIO);
        st_error_free(err);
        err = NULL;
        st_reg_free(r);
        c.anonymous = false;
    }

    /* Listed as insecure: TLS without verification, no CA needed. */
    c = config(true);
    c.username = E.user;
    c.password = E.pass;
    r = open_reg(&c);
    check_manifest(r);
    {
        char url[300];
        snprintf(url, sizeof(url), "https://%s", E.registry);
        assert_string_equal(st_reg_base_url(r), url);
    }
    st_reg_free(r);
    st_buf_release(&body);
}

/* ---- token auth ---------------------------------------------------------------- */

static long catalog_status(st_reg *r)
{
    st_reg_request req = {0};
    st_reg_response resp;
    long s;
    req.path = "/v2/_catalog";
    req.scope = "registry:catalog:*";
    assert_int_equal(st_reg_do(r, &req, &resp, NULL), 0);
    s = resp.status;
    if (s == 401)
        assert_non_null(resp.www_authenticate);
    st_reg_response_release(&resp);
    return s;
}

static void test_registry__live_token(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    st_buf body = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    bool cached;
    (void)state;
    need("token");

    /* Anonymous: a pull token, but no catalog. */
    c.anonymous = true;
    r = open_reg(&c);
    check_manifest(r);
    check_config_blob(r);
    assert_int_equal(catalog_status(r), 401);
    st_reg_free(r);

    /* The user: pull, stream, catalog. */
    c.anonymous = false;
    c.username = E.user;
    c.password = E.pass;
    r = open_reg(&c);
    check_manifest(r);
    assert_int_equal(stream_layer(r, &cached), (uint64_t)E.layer_size);
    assert_int_equal(catalog_status(r), 200);
    /* the token for the scope is reused: a second pull works the same */
    check_manifest(r);
    st_reg_free(r);

    /* A wrong password: the token server refuses, the message says so. */
    c.password = "wrong-password";
    r = open_reg(&c);
    assert_int_equal(
        st_reg_get_manifest(r, E.repo, E.tag, 0, &body, NULL, NULL, &err),
        ST_EIO);
    assert_non_null(strstr(st_error_message(err), "token server"));
    assert_non_null(strstr(st_error_message(err), "strata registry login"));
    st_error_free(err);
    st_reg_free(r);
    st_buf_release(&body);
}

/* ---- one client, a stream per thread ----------------------------------------
 * As the layer pipeline does: streams of one client read on several
 * threads at once (with token auth, they share the locked token cache). */

typedef struct worker {
    st_reg *r;
    uint64_t bytes;
    int rc;
    char why[256];
} worker;

static void *stream_worker(void *arg)
{
    worker *w = arg;
    st_blobstream *s = NULL;
    st_sha256 *h = st_sha256_new();
    char buf[32768], got[72];
    ssize_t n;
    st_error *err = NULL;
    w->rc = st_reg_open_blob(w->r, E.repo, E.layer, E.layer_size, &s, &err);
    if (w->rc < 0) {
        snprintf(w->why, sizeof(w->why), "%s", st_error_message(err));
        st_error_free(err);
        st_sha256_free(h);
        return NULL;
    }
    while ((n = st_blobstream_read(s, buf, sizeof(buf), w->why,
                                   sizeof(w->why))) > 0) {
        st_sha256_update(h, buf, (size_t)n);
        w->bytes += (uint64_t)n;
    }
    w->rc = (int)n;
    st_sha256_final(h, got);
    if (n == 0 && strcmp(got, E.layer)) { /* the stream's own check failed */
        w->rc = -100;
        snprintf(w->why, sizeof(w->why), "hashed %s", got);
    }
    st_sha256_free(h);
    st_blobstream_close(s);
    return NULL;
}

static void test_registry__live_threads(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    pthread_t t[4];
    worker w[4];
    (void)state;
    if (!E.registry)
        skip();
    if (strcmp(E.mode, "open") && strcmp(E.mode, "token")) {
        printf("needs an open or token registry (ST_TEST_MODE=%s)\n", E.mode);
        skip();
    }
    c.username = E.user;
    c.password = E.pass;
    r = open_reg(&c);
    memset(w, 0, sizeof(w));
    for (int i = 0; i < 4; i++) {
        w[i].r = r;
        assert_int_equal(pthread_create(&t[i], NULL, stream_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (w[i].rc != 0)
            fail_msg("thread %d: rc %d: %s", i, w[i].rc, w[i].why);
        assert_int_equal(w[i].bytes, (uint64_t)E.layer_size);
    }
    st_reg_free(r);
}

/* ---- the scripted registry of registry_client.sh ------------------------------
 * It asks for a Bearer token, answers the first blob request with 429,
 * redirects blobs to another host name, cuts the body once and lies about
 * one manifest's digest. The script checks its log afterwards. */

static void test_registry__live_fake(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    st_blobstream *s = NULL;
    st_buf want = ST_BUF_INIT(64 << 20), got = ST_BUF_INIT(64 << 20);
    st_buf body = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    const char *path = env("ST_TEST_FAKE_BLOB"), *dg = env("ST_TEST_FAKE_DIGEST");
    char buf[100000], why[256];
    ssize_t n;
    (void)state;
    need("fake");
    assert_non_null(path);
    assert_non_null(dg);
    assert_int_equal(st_read_file(&want, path, 64 << 20, NULL), 0);
    c.tries = 4;
    c.username = E.user;
    c.password = E.pass;
    r = open_reg(&c);
    if (st_reg_open_blob(r, "fake/blob", dg, (int64_t)want.len, &s, &err) < 0)
        fail_msg("open blob: %s", st_error_message(err));
    /* slow reads: the 1 MiB buffer fills and the transfer pauses */
    while ((n = st_blobstream_read(s, buf, sizeof(buf), why, sizeof(why))) >
           0)
        assert_int_equal(st_buf_put(&got, buf, (size_t)n), 0);
    if (n < 0)
        fail_msg("read: %s", why);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.ptr, want.ptr, want.len);
    st_blobstream_close(s);

    /* Docker-Content-Digest that does not match the body */
    assert_int_equal(st_reg_get_manifest(r, "fake/blob", "lying", 0, &body,
                                         NULL, NULL, &err),
                     ST_EDIGEST);
    assert_non_null(strstr(st_error_message(err), "tampered"));
    st_error_free(err);
    err = NULL;
    /* a digest reference the body does not have */
    assert_int_equal(st_reg_get_manifest(r, "fake/blob",
                                         "sha256:111111111111111111111111111"
                                         "1111111111111111111111111111111111"
                                         "111",
                                         0, &body, NULL, NULL, &err),
                     ST_ENOTFOUND);
    st_error_free(err);
    st_reg_free(r);
    st_buf_release(&want);
    st_buf_release(&got);
    st_buf_release(&body);
}

/* ---- a blob altered in the registry's storage ------------------------------ */

static void test_registry__live_tampered(void **state)
{
    st_reg_config c = config(true);
    st_reg *r;
    st_blobstream *s = NULL;
    char cache[512], buf[65536], why[256];
    uint64_t size;
    ssize_t n;
    (void)state;
    need("tamper");
    assert_non_null(E.tampered);
    snprintf(cache, sizeof(cache), "%s/cache-tamper-%d", E.tmp, (int)getpid());
    c.cache_dir = cache;
    r = open_reg(&c);
    assert_int_equal(
        st_reg_open_blob(r, E.repo, E.tampered, E.layer_size, &s, NULL), 0);
    while ((n = st_blobstream_read(s, buf, sizeof(buf), why, sizeof(why))) > 0)
        ;
    assert_int_equal(n, ST_EDIGEST);
    assert_non_null(strstr(why, E.tampered));
    assert_non_null(strstr(why, "tampered or corrupt"));
    /* sticky */
    assert_int_equal(st_blobstream_read(s, buf, 1, why, sizeof(why)),
                     ST_EDIGEST);
    st_blobstream_close(s);
    /* nothing unverified reaches the cache */
    assert_int_equal(st_blobcache_open(cache, E.tampered, &size), -1);
    {
        char dir[600];
        snprintf(dir, sizeof(dir), "%s/blobs/sha256", cache);
        assert_int_equal(count_entries(dir, NULL), 0);
    }
    st_reg_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__live_http_refused),
        cmocka_unit_test(test_registry__live_open_pull),
        cmocka_unit_test(test_registry__live_stream_size_lies),
        cmocka_unit_test(test_registry__live_cache),
        cmocka_unit_test(test_registry__live_basic_tls),
        cmocka_unit_test(test_registry__live_token),
        cmocka_unit_test(test_registry__live_tampered),
        cmocka_unit_test(test_registry__live_fake),
        cmocka_unit_test(test_registry__live_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
