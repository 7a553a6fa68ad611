/* The Dockerfile checks (config/dockerfile.c) through the configuration
 * engine: each case is a Dockerfile, the checks it is about, and the
 * findings of those checks it must give, "check@line" sorted by line then
 * check (the "dockerfile-" prefix left out). A case that lists no finding
 * is a pass example: the check must stay quiet. The expectations are the
 * rules of policies/config/dockerfile.yaml applied by hand, and for the
 * Hadolint-equivalent checks they agree with Hadolint's documented
 * examples (DL3002, DL3004, DL3006-DL3009, DL3015, DL3018-DL3020,
 * DL3022, DL3042, DL4000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config_int.h"
#include "strata/config.h"
#include "util/util.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/st-df-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* Audits `text` as <tmp>/<name>; the result (caller frees). */
static st_result *audit_text(const char *name, const char *text)
{
    char path[256];
    const char *paths[1] = {path};
    st_result *r = NULL;
    st_error *err = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    assert_non_null(f = fopen(path, "w"));
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    if (st_config_scan(&r, paths, 1, NULL, &err) < 0)
        fprintf(stderr, "%s\n", st_error_message(err));
    assert_non_null(r);
    st_error_free(err);
    return r;
}

static bool listed(const char *ids, const char *id)
{
    size_t n = strlen(id);
    const char *p = ids;
    while ((p = strstr(p, id))) {
        if ((p == ids || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return true;
        p += n;
    }
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    unsigned lx = (unsigned)strtoul(strchr(x, '@') + 1, NULL, 10);
    unsigned ly = (unsigned)strtoul(strchr(y, '@') + 1, NULL, 10);
    return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

/* "check@line …" for the findings of the checks in `ids` (short names). */
static char *findings(const st_result *r, const char *ids)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    char *items[256];
    size_t n = 0;

    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        const char *id = f->id;
        char one[160];
        if (st_str_startswith(id, "dockerfile-"))
            id += 11;
        if (!listed(ids, id) || n == 256)
            continue;
        snprintf(one, sizeof(one), "%s@%u", id, f->line);
        items[n++] = st_strdup(one);
    }
    qsort(items, n, sizeof(*items), cmp_str);
    for (size_t i = 0; i < n; i++) {
        st_buf_printf(&b, "%s%s", i ? " " : "", items[i]);
        st_free(items[i]);
    }
    return st_buf_detach(&b, NULL);
}

typedef struct dcase {
    const char *ids; /* the checks looked at */
    const char *text;
    const char *want;
} dcase;

static void run_cases(const dcase *cases, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        st_result *r = audit_text("Dockerfile", cases[i].text);
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
#define D            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_config__df_check_run_download(void **state)
{
    static const dcase cases[] = {
        {"curl-pipe-shell",
         "FROM a:1\nRUN curl -fsSL https://x/setup | bash -\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell sudo",
         "FROM a:1\nRUN wget -qO- https://x | sudo -E sh\n",
         "curl-pipe-shell@2 sudo@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN curl -s https://x | tee /tmp/i.sh | sh\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN sh -c \"$(curl -fsSL https://x/install.sh)\"\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell", "FROM a:1\nRUN bash <(curl -s https://x)\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN python3 -c \"$(curl -s https://x/get.py)\"\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN [\"sh\", \"-ec\", \"curl -s https://x | sh\"]\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN bash -o pipefail -c 'curl -s https://x | perl'\n",
         "curl-pipe-shell@2"},
        {"curl-pipe-shell",
         "FROM a:1\nRUN <<EOF\nset -eux\ncurl -fsSL https://x \\\n  | "
         "sh\nEOF\n",
         "curl-pipe-shell@4"},
        {"curl-pipe-shell", "FROM a:1\nONBUILD RUN curl -s https://x | sh\n",
         "curl-pipe-shell@2"},
        /* verified before it runs; piped into grep; data for python */
        {"curl-pipe-shell",
         "FROM a:1\nRUN curl -fsSLo /tmp/i.sh https://x \\\n"
         " && echo \"" D "  /tmp/i.sh\" | sha256sum -c \\\n"
         " && sh /tmp/i.sh\n",
         ""},
        {"curl-pipe-shell", "FROM a:1\nRUN curl -s https://x | grep -q ok\n",
         ""},
        {"curl-pipe-shell",
         "FROM a:1\nRUN python3 <<EOF\nimport os\nos.system('curl x | sh')\n"
         "EOF\n",
         ""},
        {"curl-pipe-shell",
         "FROM a:1\nRUN cat <<EOF > /x.sh\ncurl a | sh\nEOF\n", ""},
        /* another shell: not read as sh */
        {"curl-pipe-shell",
         "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
         "SHELL [\"powershell\", \"-Command\"]\n"
         "RUN iwr https://x/i.ps1 | sh\n",
         ""},
        {"sudo", "FROM a:1\nRUN sudo -u app make install\n", "sudo@2"},
        {"sudo",
         "FROM a:1\nRUN echo sudo && apt-get install -y sudo=1.9.13p3-1\n", ""},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_packages(void **state)
{
    static const dcase cases[] = {
        /* the Hadolint-clean apt-get line */
        {"apt-unpinned apt-recommends apt-lists update-alone pkg-upgrade",
         "FROM a:1\nRUN apt-get update \\\n"
         " && apt-get install -y --no-install-recommends curl=7.88.1-10 \\\n"
         " && rm -rf /var/lib/apt/lists/*\n",
         ""},
        {"apt-unpinned apt-recommends apt-lists",
         "FROM a:1\nRUN apt-get install -y curl\n",
         "apt-recommends@2 apt-unpinned@2"},
        {"apt-recommends",
         "FROM a:1\nRUN apt-get install -o APT::Install-Recommends=false "
         "-y x=1\n",
         ""},
        {"apt-unpinned",
         "FROM a:1\nRUN apt-get -y -t bookworm-backports install "
         "--no-install-recommends ca-certificates=2023 ./local.deb\n",
         ""},
        {"apt-lists",
         "FROM a:1\nRUN apt-get update && apt-get install -y "
         "--no-install-recommends x=1\n",
         "apt-lists@2"},
        /* only the stages that make the image */
        {"apt-lists",
         "FROM a:1 AS build\nRUN apt-get update && apt-get install -y x=1\n"
         "FROM b:1\nCOPY --from=build /x /x\n",
         ""},
        {"apt-lists",
         "FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt/lists "
         "apt-get update && apt-get install -y --no-install-recommends x=1\n",
         ""},
        {"pkg-upgrade apt-lists",
         "FROM a:1\nRUN apt-get update && apt-get -y dist-upgrade "
         "&& rm -rf /var/lib/apt/lists/*\n",
         "pkg-upgrade@2"},
        {"update-alone apt-lists",
         "FROM a:1\nRUN apt-get update\n"
         "RUN apt-get install -y --no-install-recommends x=1 "
         "&& rm -rf /var/lib/apt/lists/*\n",
         "apt-lists@2 update-alone@2"},
        {"apk-unpinned apk-no-cache", "FROM a:1\nRUN apk add curl\n",
         "apk-no-cache@2 apk-unpinned@2"},
        {"apk-unpinned apk-no-cache",
         "FROM a:1\nRUN apk add --no-cache curl=8.5.0-r0 'tzdata>2023'\n", ""},
        {"apk-unpinned apk-no-cache",
         "FROM a:1\nRUN apk add --virtual .build-deps gcc=13.2.1-r0 \\\n"
         " && make && apk del .build-deps && rm -rf /var/cache/apk/*\n",
         ""},
        {"pkg-upgrade update-alone",
         "FROM a:1\nRUN apk update\nRUN apk upgrade\n",
         "update-alone@2 pkg-upgrade@3"},
        {"rpm-no-clean", "FROM a:1\nRUN yum install -y httpd-2.4.57\n",
         "rpm-no-clean@2"},
        {"rpm-no-clean",
         "FROM a:1\nRUN yum install -y httpd-2.4.57 && yum clean all\n", ""},
        {"rpm-no-clean pkg-upgrade", "FROM a:1\nRUN dnf -y update\n",
         "pkg-upgrade@2 rpm-no-clean@2"},
        {"rpm-no-clean",
         "FROM a:1\nRUN --mount=type=cache,target=/var/cache/dnf "
         "dnf install -y x-1.0\n",
         ""},
        {"rpm-no-clean",
         "FROM a:1\nRUN microdnf install -y x-1 && rm -rf /var/cache/yum\n",
         ""},
        {"pip-cache", "FROM a:1\nRUN pip install -r requirements.txt\n",
         "pip-cache@2"},
        {"pip-cache", "FROM a:1\nRUN python3 -m pip install flask==3.0.0\n",
         "pip-cache@2"},
        {"pip-cache",
         "FROM a:1\nRUN pip3 install --no-cache-dir flask==3.0.0\n", ""},
        {"pip-cache",
         "FROM a:1\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.0\n",
         ""},
        {"pip-cache",
         "FROM a:1\nENV PIP_NO_CACHE_DIR=false\nRUN pip install x==1\n",
         "pip-cache@3"},
        {"pip-cache",
         "FROM a:1 AS base\nENV PIP_NO_CACHE_DIR=on\nFROM base\n"
         "RUN pip install x==1\n",
         ""},
        {"pip-cache",
         "FROM a:1 AS wheels\nRUN pip wheel -w /w x==1 && pip install x==1\n"
         "FROM b:1\nCOPY --from=wheels /w /w\n",
         ""},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_verification(void **state)
{
    static const dcase cases[] = {
        {"tls-verify-off",
         "FROM a:1\nRUN curl -fsSLk https://x -o /x\n"
         "RUN wget --no-check-certificate https://x\n"
         "RUN pip install --trusted-host pypi.internal x==1\n"
         "RUN git -c http.sslVerify=false clone https://x\n"
         "RUN npm config set strict-ssl false\n"
         "ENV NODE_TLS_REJECT_UNAUTHORIZED=0\n"
         "ENV PYTHONHTTPSVERIFY=0 GIT_SSL_NO_VERIFY=1\n",
         "tls-verify-off@2 tls-verify-off@3 tls-verify-off@4 "
         "tls-verify-off@5 tls-verify-off@6 tls-verify-off@7 "
         "tls-verify-off@8"},
        {"tls-verify-off",
         "FROM a:1\nRUN curl -fsSL --cacert /etc/ca.pem https://x -o k\n"
         "RUN curl -H 'X-Key: -k' https://x\n"
         "ENV NODE_TLS_REJECT_UNAUTHORIZED=1 PYTHONHTTPSVERIFY=1\n",
         ""},
        {"unsigned-packages",
         "FROM a:1\nRUN apk add --allow-untrusted /tmp/x.apk\n"
         "RUN apt-get install -y --allow-unauthenticated x=1\n"
         "RUN apt-get -o APT::Get::AllowUnauthenticated=true install x=1\n"
         "RUN yum install -y --nogpgcheck x-1 && yum clean all\n"
         "RUN dnf --setopt=gpgcheck=0 install -y x-1 && dnf clean all\n"
         "RUN rpm -ivh --nosignature /tmp/x.rpm\n"
         "RUN apt-get install --force-yes x=1\n",
         "unsigned-packages@2 unsigned-packages@3 unsigned-packages@4 "
         "unsigned-packages@5 unsigned-packages@6 unsigned-packages@7 "
         "unsigned-packages@8"},
        {"unsigned-packages",
         "FROM a:1\nRUN apk add --no-cache x=1 && rpm -ivh /tmp/x.rpm\n", ""},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_chmod(void **state)
{
    static const dcase cases[] = {
        {"chmod-world-writable", "FROM a:1\nRUN chmod 777 /srv\n",
         "chmod-world-writable@2"},
        {"chmod-world-writable", "FROM a:1\nRUN chmod -R 0666 /srv\n",
         "chmod-world-writable@2"},
        {"chmod-world-writable", "FROM a:1\nRUN chmod a+w /srv\n",
         "chmod-world-writable@2"},
        {"chmod-world-writable", "FROM a:1\nRUN chmod -R u+rw,o=rwx /srv\n",
         "chmod-world-writable@2"},
        {"chmod-world-writable",
         "FROM a:1\nRUN chmod 755 /a && chmod u+w,g-w /b && chmod +x /c "
         "&& chmod -R go-w /d && chmod 1777 /tmp\n",
         ""},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_from_add_copy(void **state)
{
    static const dcase cases[] = {
        {"from-untagged from-latest from-no-digest", "FROM ubuntu\n",
         "from-no-digest@1 from-untagged@1"},
        {"from-untagged from-latest from-no-digest", "FROM ubuntu:latest\n",
         "from-latest@1 from-no-digest@1"},
        {"from-untagged from-latest from-no-digest", "FROM ubuntu:22.04\n",
         "from-no-digest@1"},
        {"from-untagged from-latest from-no-digest",
         "FROM ubuntu@sha256:" D "\nFROM ubuntu:22.04@sha256:" D "\n", ""},
        {"from-untagged", "FROM localhost:5000/app\n", "from-untagged@1"},
        {"from-untagged from-latest from-no-digest",
         "FROM scratch\nFROM a:1@sha256:" D " AS b\nFROM b\n", ""},
        {"from-untagged from-latest", "ARG IMG\nFROM ${IMG}\nARG TAG=latest\n",
         ""},
        {"from-latest", "ARG TAG=latest\nFROM node:${TAG}\n", "from-latest@2"},
        {"add-url add-local",
         "FROM a:1\nADD https://x/a.tar.gz /opt/\n"
         "ADD --checksum=sha256:" D " https://x/b /b\n"
         "ADD app.tar.gz /\nADD ./conf /etc/conf\n"
         "ADD git@github.com:x/y.git /src\nADD [\"a b\", \"/c/\"]\n",
         "add-url@2 add-local@5 add-url@6 add-local@7"},
        {"copy-from-unknown",
         "FROM a:1 AS builder\nFROM b:1\nCOPY --from=builder /x /x\n"
         "COPY --from=0 /y /y\nCOPY --from=nginx:1.25 /etc/nginx /n\n"
         "COPY --from=BUILDER /z /z\n",
         ""},
        {"copy-from-unknown",
         "FROM a:1 AS builder\nFROM b:1 AS app\nCOPY --from=buidler /x /x\n"
         "COPY --from=1 /y /y\nCOPY --from=2 /z /z\nCOPY --from=app /w /w\n"
         "COPY --from=later /v /v\nFROM c:1 AS later\n",
         "copy-from-unknown@3 copy-from-unknown@4 copy-from-unknown@5 "
         "copy-from-unknown@6 copy-from-unknown@7"},
        {"workdir-relative",
         "FROM a:1\nWORKDIR app\nWORKDIR /srv\nWORKDIR $HOME/x\n"
         "ENV APP=/opt\nWORKDIR $APP/x\nWORKDIR ${APP}\n",
         "workdir-relative@2"},
        {"workdir-relative",
         "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n"
         "WORKDIR C:\\app\n",
         ""},
        {"maintainer", "FROM a:1\nMAINTAINER someone <a@example.com>\n",
         "maintainer@2"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_final_stage(void **state)
{
    static const dcase cases[] = {
        {"user-root user-missing", "FROM a:1\nUSER app\nUSER root\n",
         "user-root@3"},
        {"user-root user-missing", "FROM a:1\nUSER 0:0\n", "user-root@2"},
        {"user-root user-missing", "FROM a:1\nUSER root\nUSER 10001\n", ""},
        {"user-root user-missing", "FROM a:1\nRUN x\n", "user-missing@1"},
        /* the final stage inherits the USER of the stage it is built on */
        {"user-root user-missing",
         "FROM a:1 AS base\nUSER app\nFROM base\nRUN x\n", ""},
        /* but not of a stage it only copies from */
        {"user-root user-missing",
         "FROM a:1 AS build\nUSER root\nFROM b:1\nCOPY --from=build /x /x\n",
         "user-missing@3"},
        {"no-healthcheck", "FROM a:1\nCMD [\"x\"]\n", "no-healthcheck@1"},
        {"no-healthcheck", "FROM a:1\nHEALTHCHECK NONE\n", "no-healthcheck@2"},
        {"no-healthcheck",
         "FROM a:1\nHEALTHCHECK --interval=30s --timeout=3s \\\n"
         "  CMD curl -f http://localhost/ || exit 1\n",
         ""},
        {"expose-ssh",
         "FROM a:1\nEXPOSE 80 22/tcp\nEXPOSE 20-30\nEXPOSE 2222 2000-2300\n",
         "expose-ssh@2 expose-ssh@3"},
        {"expose-ssh", "FROM a:1 AS b\nEXPOSE 22\nFROM c:1\n", ""},
        {"shell-form-cmd", "FROM a:1\nCMD node server.js\n",
         "shell-form-cmd@2"},
        {"shell-form-cmd", "FROM a:1\nCMD [\"node\", \"server.js\"]\n", ""},
        {"shell-form-cmd",
         "FROM a:1\nENTRYPOINT [\"tini\", \"--\"]\nCMD node x\n", ""},
        {"shell-form-cmd", "FROM a:1\nENTRYPOINT exec nginx\nCMD [\"-g\"]\n",
         "shell-form-cmd@2"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_check_secrets(void **state)
{
    static const dcase cases[] = {
        {"env-secret arg-secret", "FROM a:1\nENV DB_PASSWORD=hunter22\n",
         "env-secret@2"},
        {"env-secret arg-secret",
         "FROM a:1\nENV POSTGRES_PASSWORD_FILE=/run/secrets/pg "
         "TOKENIZERS_PARALLELISM=false PASSWORD_MIN_LENGTH=12 PWD=/app "
         "NPM_TOKEN=\n",
         ""},
        {"env-secret arg-secret",
         "FROM a:1\nARG NPM_TOKEN\nENV NPM_TOKEN=${NPM_TOKEN}\n",
         "arg-secret@2 env-secret@3"},
        {"arg-secret", "ARG GITHUB_TOKEN=abc123\nFROM a:1\n", "arg-secret@1"},
        {"env-secret arg-secret",
         "FROM a:1\nLABEL password=hunter22\nRUN --mount=type=secret,id=npm "
         "npm ci\n",
         ""},
    };
    char text[256], tok[41];
    st_result *r;
    char *got;
    (void)state;
    RUN_CASES(cases);

    /* a value the secret rules know, under a name that says nothing:
     * a GitHub token made up here */
    srand((unsigned)getpid());
    memcpy(tok, "ghp_", 4);
    for (int i = 4; i < 40; i++)
        tok[i] =
            "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rand() %
                                                                        57];
    tok[40] = 0;
    snprintf(text, sizeof(text), "FROM a:1\nENV GH=%s\nARG X=%s\n", tok, tok);
    r = audit_text("Dockerfile", text);
    got = findings(r, "env-secret arg-secret");
    assert_string_equal(got, "env-secret@2 arg-secret@3");
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        /* the detail names the rule, never the secret */
        assert_null(strstr(f->detail ? f->detail : "", tok));
    }
    st_free(got);
    st_result_free(r);
}

/* Positions, objects, tags and the metadata the engine adds. */
static void test_config__df_finding_shape(void **state)
{
    st_result *r =
        audit_text("app.Dockerfile", "FROM golang:1.22 AS build\n"
                                     "  WORKDIR src\n"
                                     "FROM gcr.io/distroless/static:latest\n"
                                     "USER root\n");
    bool seen_workdir = false, seen_root = false;
    (void)state;
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        assert_int_equal(f->kind, ST_FINDING_CONFIG);
        assert_non_null(f->remediation);
        assert_true(st_str_endswith(f->path, "/app.Dockerfile"));
        if (!strcmp(f->id, "dockerfile-workdir-relative")) {
            seen_workdir = true;
            assert_int_equal(f->line, 2);
            assert_int_equal(f->column, 3);
            assert_string_equal(f->object, "stage build");
            assert_string_equal(f->severity, "LOW");
            assert_int_equal(f->tag_count, 2);
            assert_string_equal(f->tags[0], "hadolint:DL3000");
            assert_string_equal(f->tags[1], "checkov:CKV_DOCKER_10");
            assert_string_equal(f->detail, "WORKDIR src");
        }
        if (!strcmp(f->id, "dockerfile-user-root")) {
            seen_root = true;
            assert_string_equal(f->object, "stage 1");
            assert_string_equal(f->severity, "HIGH");
            assert_int_equal(f->line, 4);
        }
    }
    assert_true(seen_workdir && seen_root);
    st_result_free(r);

    /* a file the parser refuses is a diagnostic naming the line */
    {
        char text[] = "FROM a:1\nRUN x\0\n";
        char path[256];
        FILE *f;
        const char *paths[1] = {path};
        st_error *err = NULL;
        bool found = false;
        snprintf(path, sizeof(path), "%s/Dockerfile.bin", tmpdir);
        assert_non_null(f = fopen(path, "w"));
        fwrite(text, 1, sizeof(text) - 1, f);
        fclose(f);
        r = NULL;
        /* named explicitly, so the kind's detect sees a NUL and passes */
        assert_int_equal(st_config_scan(&r, paths, 1, NULL, &err), 0);
        for (size_t i = 0; i < st_result_diagnostic_count(r); i++)
            found |= strstr(st_result_diagnostic(r, i)->message,
                            "not a Dockerfile") != NULL;
        assert_true(found);
        assert_int_equal(st_result_finding_count(r), 0);
        st_result_free(r);
    }
}

/* Which names are Dockerfiles. */
static void test_config__df_detect(void **state)
{
    static const struct {
        const char *path;
        bool yes;
    } cases[] = {
        {"Dockerfile", true},
        {"a/b/Dockerfile", true},
        {"dockerfile", true},
        {"Containerfile", true},
        {"x/Dockerfile.dev", true},
        {"api.Dockerfile", true},
        {"api.dockerfile", true},
        {"web.Containerfile", true},
        {"Dockerfile.dockerignore", false},
        {"Dockerfile.md", false},
        {".Dockerfile", false},
        {"Dockerfiles", false},
        {"docker-compose.yml", false},
        {"README", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (st_cfg_kind_dockerfile.detect(cases[i].path, "FROM a:1\n", 9) !=
            cases[i].yes) {
            fprintf(stderr, "detect %s: want %d\n", cases[i].path,
                    cases[i].yes);
            fail();
        }
    assert_false(st_cfg_kind_dockerfile.detect("Dockerfile", "FROM\0", 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__df_check_run_download),
        cmocka_unit_test(test_config__df_check_packages),
        cmocka_unit_test(test_config__df_check_verification),
        cmocka_unit_test(test_config__df_check_chmod),
        cmocka_unit_test(test_config__df_check_from_add_copy),
        cmocka_unit_test(test_config__df_check_final_stage),
        cmocka_unit_test(test_config__df_check_secrets),
        cmocka_unit_test(test_config__df_finding_shape),
        cmocka_unit_test(test_config__df_detect),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
