/* The compose kind (config/compose.c) through the configuration engine:
 * the predicate checks of policies/config/compose.yaml, the checks in C
 * (ports, image, environment) and the mounts it gives the storage graph
 * (the runtime socket, storage shared by services). Each case is a compose
 * file, the checks it is about, and their findings as "check@line" sorted
 * by line then check (the "compose-" prefix left out), or "" for a pass
 * example. The expectations follow the Compose Specification's syntax for
 * ports (short: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]; long:
 * target, published, host_ip) and volumes (SOURCE:TARGET[:MODE]; long:
 * type, source, target, read_only). */
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

#include "config/config_int.h"
#include "strata/config.h"
#include "util/util.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/st-compose-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* Audits text as <tmp>/proj/<name> (a directory of its own: the project). */
static st_result *audit_compose(const char *name, const char *text)
{
    static int seq;
    char dir[128], path[256];
    const char *paths[1] = {path};
    st_result *r = NULL;
    st_error *err = NULL;

    snprintf(dir, sizeof(dir), "%s/p%d", tmpdir, seq++);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    write_file(path, text);
    if (st_config_scan(&r, paths, 1, NULL, &err) < 0)
        fprintf(stderr, "%s\n", st_error_message(err));
    assert_non_null(r);
    st_error_free(err);
    return r;
}

static bool listed(const char *ids, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = ids; (p = strstr(p, id)); p += n)
        if ((p == ids || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return true;
    return false;
}

static int cmp_item(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    unsigned lx = (unsigned)strtoul(strchr(x, '@') + 1, NULL, 10);
    unsigned ly = (unsigned)strtoul(strchr(y, '@') + 1, NULL, 10);
    return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

static char *findings(const st_result *r, const char *ids)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    char *items[256];
    size_t n = 0;

    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        const char *id = f->id;
        char one[160];
        if (st_str_startswith(id, "compose-"))
            id += 8;
        if (!listed(ids, id) || n == 256)
            continue;
        snprintf(one, sizeof(one), "%s@%u", id, f->line);
        items[n++] = st_strdup(one);
    }
    qsort(items, n, sizeof(*items), cmp_item);
    for (size_t i = 0; i < n; i++) {
        st_buf_printf(&b, "%s%s", i ? " " : "", items[i]);
        st_free(items[i]);
    }
    return st_buf_detach(&b, NULL);
}

typedef struct ccase {
    const char *ids, *text, *want;
} ccase;

static void run_cases(const ccase *cases, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        st_result *r = audit_compose("docker-compose.yml", cases[i].text);
        char *got = findings(r, cases[i].ids);
        if (strcmp(got, cases[i].want)) {
            fprintf(stderr,
                    "--- case %zu (%s):\n%s--- want: %s\n--- got:  %s\n", i,
                    cases[i].ids, cases[i].text, cases[i].want, got);
            bad++;
        }
        st_free(got);
        st_result_free(r);
    }
    assert_int_equal(bad, 0);
}

#define RUN_CASES(c) run_cases(c, sizeof(c) / sizeof(c[0]))

static void test_config__compose_predicates(void **state)
{
    static const ccase cases[] = {
        {"privileged network-host pid-host ipc-host uts-host userns-host",
         "services:\n"
         "  a:\n"
         "    image: x:1\n"
         "    privileged: true\n"
         "    network_mode: host\n"
         "    pid: host\n"
         "    ipc: host\n"
         "    uts: host\n"
         "    userns_mode: host\n",
         "privileged@4 network-host@5 pid-host@6 ipc-host@7 uts-host@8 "
         "userns-host@9"},
        {"privileged network-host pid-host ipc-host uts-host userns-host",
         "services:\n"
         "  a:\n"
         "    image: x:1\n"
         "    privileged: false\n"
         "    network_mode: \"service:db\"\n"
         "    pid: \"service:db\"\n"
         "    ipc: shareable\n",
         ""},
        {"cap-add",
         "services:\n  a:\n    cap_add: [NET_BIND_SERVICE, CHOWN]\n"
         "  b:\n    cap_add:\n      - CHOWN\n      - CAP_SYS_ADMIN\n"
         "  c:\n    cap_add: [all]\n",
         "cap-add@7 cap-add@9"},
        {"security-opt",
         "services:\n"
         "  a:\n    security_opt: [\"seccomp:unconfined\"]\n"
         "  b:\n    security_opt: [\"apparmor=unconfined\"]\n"
         "  c:\n    security_opt: [\"label:disable\"]\n"
         "  d:\n    security_opt:\n"
         "      - no-new-privileges:true\n"
         "      - seccomp:./profile.json\n"
         "      - label=type:svirt_apache_t\n",
         "security-opt@3 security-opt@5 security-opt@7"},
        {"user-root user-missing",
         "services:\n"
         "  a:\n    user: root\n"
         "  b:\n    user: \"0:0\"\n"
         "  c:\n    user: \"10001:10001\"\n"
         "  d:\n    image: x:1\n",
         "user-root@3 user-root@5 user-missing@8"},
        /* merge keys: the merged value is blamed where it is written */
        {"privileged cap-add",
         "x-base: &base\n  privileged: true\n  cap_add: [SYS_PTRACE]\n"
         "services:\n  a:\n    <<: *base\n    image: x:1\n"
         "  b:\n    <<: *base\n    privileged: false\n    cap_add: []\n",
         "privileged@2 cap-add@3"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__compose_ports(void **state)
{
    static const ccase cases[] = {
        {"port-all-interfaces",
         "services:\n"
         "  web:\n"
         "    ports:\n"
         "      - \"8080:80\"\n"                      /* 4: all */
         "      - \"127.0.0.1:8443:443\"\n"           /* 5 */
         "      - \"0.0.0.0:81:81\"\n"                /* 6: all */
         "      - \"[::1]:82:82\"\n"                  /* 7 */
         "      - \"[::]:83:83\"\n"                   /* 8: all */
         "      - 3000\n"                             /* 9: random port, all */
         "      - \"9000-9010:9000-9010/udp\"\n"      /* 10: all */
         "      - \"192.168.1.5::53/udp\"\n"          /* 11 */
         "      - \"${BIND:-127.0.0.1}:5432:5432\"\n" /* 12 */
         "      - \"${BIND:-0.0.0.0}:5433:5433\"\n"   /* 13: all */
         "      - target: 9100\n"                     /* 14: all */
         "        published: \"9100\"\n"
         "      - target: 9200\n" /* 16 */
         "        host_ip: 127.0.0.1\n"
         "        published: \"9200\"\n"
         "    expose: [\"7000\"]\n",
         "port-all-interfaces@4 port-all-interfaces@6 port-all-interfaces@8 "
         "port-all-interfaces@9 port-all-interfaces@10 "
         "port-all-interfaces@13 port-all-interfaces@14"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__compose_image_env(void **state)
{
    static const ccase cases[] = {
        {"image-untagged image-latest",
         "services:\n"
         "  a:\n    image: nginx\n"
         "  b:\n    image: nginx:latest\n"
         "  c:\n    image: nginx:1.25.3\n"
         "  d:\n    image: \"${REGISTRY:-docker.io}/app:${TAG:-latest}\"\n"
         "  e:\n    image: nginx@sha256:"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
         "  f:\n    build: .\n    image: myapp\n"
         "  g:\n    image: localhost:5000/app\n"
         "  h:\n    image: ${IMAGE}\n",
         "image-untagged@3 image-latest@5 image-latest@9 image-untagged@16"},
        {"env-secret",
         "services:\n"
         "  a:\n    environment:\n"
         "      DB_PASSWORD: hunter22\n" /* 4 */
         "      API_TOKEN: ${API_TOKEN}\n"
         "      DB_PASSWORD_FILE: /run/secrets/db\n"
         "      REDIS_PASSWORD:\n"
         "      LOG_LEVEL: debug\n"
         "  b:\n    environment:\n"
         "      - MYSQL_ROOT_PASSWORD=example-root-pw\n" /* 11 */
         "      - SECRET_KEY_BASE\n"
         "      - GITHUB_TOKEN=$${LITERAL}\n"
         "      - POSTGRES_HOST_AUTH_METHOD=trust\n",
         "env-secret@4 env-secret@11"},
    };
    (void)state;
    RUN_CASES(cases);
}

/* Mounts go to the storage graph, whose checks report them. */
static void test_config__compose_storage(void **state)
{
    static const ccase cases[] = {
        {"storage-runtime-socket",
         "services:\n"
         "  a:\n    volumes:\n"
         "      - /var/run/docker.sock:/var/run/docker.sock:ro\n" /* 4 */
         "  b:\n    volumes:\n"
         "      - type: bind\n" /* 7 */
         "        source: /run\n"
         "        target: /host-run\n"
         "  c:\n    volumes:\n"
         "      - ./data:/data\n"
         "      - logs:/var/log\n"
         "      - /srv/docker.sock.d:/x\n"
         "volumes:\n  logs: {}\n",
         "storage-runtime-socket@4 storage-runtime-socket@7"},
        /* a named volume two services mount, one writing */
        {"storage-shared-writable-volume",
         "services:\n"
         "  app:\n    volumes: [\"uploads:/srv/uploads\"]\n"
         "  nginx:\n    volumes: [\"uploads:/usr/share/nginx/html:ro\"]\n"
         "  backup:\n    volumes:\n"
         "      - type: volume\n        source: other\n"
         "        target: /b\n        read_only: true\n"
         "volumes:\n  uploads:\n  other:\n",
         "storage-shared-writable-volume@3 storage-shared-writable-volume@5"},
        /* read-only everywhere: not shared writable */
        {"storage-shared-writable-volume storage-shared-writable-host-path "
         "storage-host-path-writable",
         "services:\n"
         "  a:\n    volumes: [\"./conf:/etc/app:ro\", \"cache:/c:ro\"]\n"
         "  b:\n    volumes: [\"./conf:/etc/app:ro,z\", \"cache:/c:ro\"]\n",
         ""},
        /* a host path under another one, written by one service */
        {"storage-shared-writable-host-path",
         "services:\n"
         "  a:\n    volumes: [\"/srv/data:/data\"]\n"
         "  b:\n    volumes: [\"/srv/data/reports:/reports:ro\"]\n",
         "storage-shared-writable-host-path@3 "
         "storage-shared-writable-host-path@5"},
        /* external volumes are the daemon's, shared across projects */
        {"storage-shared-writable-volume",
         "services:\n"
         "  a:\n    volumes: [\"shared:/s\"]\n"
         "  b:\n    volumes: [\"other:/s\"]\n"
         "volumes:\n  shared:\n    external: true\n"
         "  other:\n    external: true\n    name: shared\n",
         "storage-shared-writable-volume@3 storage-shared-writable-volume@5"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__compose_objects_and_graph(void **state)
{
    st_result *r = audit_compose("compose.yaml",
                                 "name: shop\n"
                                 "services:\n"
                                 "  web:\n"
                                 "    image: nginx:1.25\n"
                                 "    volumes:\n"
                                 "      - ./site:/usr/share/nginx/html:ro\n"
                                 "      - uploads:/uploads\n");
    const st_storage_mount *m;
    bool seen = false;
    (void)state;
    assert_int_equal(st_result_storage_count(r), 2);
    m = st_result_storage(r, 0); /* sorted by store: hostPath first */
    assert_string_equal(m->store, "hostPath");
    assert_true(st_str_endswith(m->source, "/site"));
    assert_string_equal(m->workload, "service web");
    assert_string_equal(m->mount_path, "/usr/share/nginx/html");
    assert_int_equal(m->writable, 0);
    assert_int_equal(m->line, 6);
    assert_int_equal(m->column, 9);
    m = st_result_storage(r, 1);
    assert_string_equal(m->store, "volume");
    assert_string_equal(m->source, "shop/uploads");
    assert_int_equal(m->writable, 1);
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        if (!strcmp(f->id, "compose-user-missing")) {
            seen = true;
            assert_string_equal(f->object, "service web");
            assert_string_equal(f->category, "compose");
            assert_int_equal(f->line, 3);
            assert_int_equal(f->column, 3);
        }
    }
    assert_true(seen);
    st_result_free(r);
}

static void test_config__compose_detect(void **state)
{
    static const struct {
        const char *path, *head;
        bool yes;
    } cases[] = {
        {"docker-compose.yml", "x: 1\n", true},
        {"a/docker-compose.yaml", "", true},
        {"docker-compose.override.yml", "", true},
        {"docker-compose-dev.yml", "", true},
        {"compose.yaml", "", true},
        {"compose.prod.yml", "", true},
        {"app.compose.yml", "", true},
        {"docker-compose.json", "{}", false},
        /* by content: a services: mapping */
        {"stack.yml", "version: \"3.8\"\nservices:\n  web:\n    image: x\n",
         true},
        {"stack.yml", "services:\n\n  # web\n  web: {}\n", true},
        {"stack.yml", "services: {web: {image: x}}\n", true},
        /* GitLab CI's services: is a list; Kubernetes has apiVersion */
        {".gitlab-ci.yml", "services:\n  - docker:dind\n", false},
        {"svc.yaml", "apiVersion: v1\nkind: Service\nservices:\n  a: 1\n",
         false},
        {"values.yaml", "image: x\n", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (st_cfg_kind_compose.detect(cases[i].path, cases[i].head,
                                       strlen(cases[i].head)) != cases[i].yes) {
            fprintf(stderr, "detect %s: want %d\n", cases[i].path,
                    cases[i].yes);
            fail();
        }
}

/* A broken file is a diagnostic with its line; the next file is audited. */
static void test_config__compose_bad_yaml(void **state)
{
    char dir[128], a[256], b[256];
    const char *paths[1] = {dir};
    st_result *r = NULL;
    st_error *err = NULL;
    bool diag = false;
    (void)state;

    snprintf(dir, sizeof(dir), "%s/bad", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(a, sizeof(a), "%s/a.compose.yml", dir);
    snprintf(b, sizeof(b), "%s/b.compose.yml", dir);
    write_file(a, "services:\n  web:\n\timage: x\n");
    write_file(b, "services:\n  web:\n    privileged: true\n");
    assert_int_equal(st_config_scan(&r, paths, 1, NULL, &err), 0);
    for (size_t i = 0; i < st_result_diagnostic_count(r); i++) {
        const st_diagnostic *d = st_result_diagnostic(r, i);
        if (d->path && st_str_endswith(d->path, "a.compose.yml") &&
            strstr(d->message, "line 3"))
            diag = true;
    }
    assert_true(diag);
    {
        char *got = findings(r, "privileged");
        assert_string_equal(got, "privileged@3");
        st_free(got);
    }
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__compose_predicates),
        cmocka_unit_test(test_config__compose_ports),
        cmocka_unit_test(test_config__compose_image_env),
        cmocka_unit_test(test_config__compose_storage),
        cmocka_unit_test(test_config__compose_objects_and_graph),
        cmocka_unit_test(test_config__compose_detect),
        cmocka_unit_test(test_config__compose_bad_yaml),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
