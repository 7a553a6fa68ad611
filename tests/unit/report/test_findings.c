/* Report writers over secrets, malware and hardening findings: a result
 * built by hand with findings of every kind and origin (a visible file, a
 * file deleted by a later layer, ENV, a history entry, a label), a
 * suppressed one and hostile strings is written in every format and read
 * back. The secrets are the documented fake AWS example keys and strings
 * made up at run time; none may appear in any output unless show_secrets.
 * With ST_REPORT_DUMP=DIR set the JSON and SARIF documents are also
 * written to DIR for the schema validator (tests/integration/
 * findings_reports.sh runs this test that way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "inventory/result_int.h"
#include "report/report_int.h"
#include "strata/report.h"
#include "util/util.h"
#include "util/banned.h"

#define T0 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */

/* ---- the secrets ----------------------------------------------------------- */

#define AWS_ID "AKIAIOSFODNN7EXAMPLE"
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AWS_ID_RED "AKIA****************"
#define AWS_SECRET_RED "wJal****************"
#define LABEL_SECRET "q7Zx2" /* shorter than 8: every character hidden */

/* Made up when the tests start, so that no token-shaped string sits in
 * the source: a GitHub-token-shaped string, a password, a PEM block. */
static char gh_token[41];    /* "ghp_" + 36 */
static char password[17];    /* 16 */
static char pem[128];
static char pem_body[41];    /* the PEM block's base64 line */
static char created_by[96];  /* the build step that leaked the password */

static void make_secrets(void)
{
    static const char alnum[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i, n;

    memcpy(gh_token, "ghp_", 4);
    for (i = 0; i < 36; i++)
        gh_token[4 + i] = alnum[(i * 17 + 5) % 62];
    gh_token[40] = 0;
    for (i = 0; i < 16; i++)
        password[i] = alnum[(i * 29 + 11) % 62];
    password[16] = 0;
    n = (size_t)snprintf(pem, sizeof(pem), "-----BEGIN PRIVATE KEY-----\n");
    for (i = 0; i < 40; i++)
        pem_body[i] = pem[n++] = alnum[(i * 7 + 3) % 62];
    pem_body[40] = 0;
    snprintf(pem + n, sizeof(pem) - n, "\n-----END PRIVATE KEY-----");
    snprintf(created_by, sizeof(created_by),
             "RUN |1 DB_PASSWORD=%s /bin/sh -c make", password);
}

/* Every secret of the result, whole (the PEM block by its body: JSON
 * escapes its newlines, the table shows them as '?'). */
static const char *const *secrets(void)
{
    static const char *all[7];

    all[0] = AWS_ID;
    all[1] = AWS_SECRET;
    all[2] = gh_token;
    all[3] = password;
    all[4] = pem_body;
    all[5] = LABEL_SECRET;
    all[6] = NULL;
    return all;
}

/* ---- a hand-made result with findings ----------------------------------- */

static const char *const tags[] = {"registry.example/app:1.0"};
static st_layer_info layers[] = {
    {"sha256:1111111111111111111111111111111111111111111111111111111111111111",
     "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL, 10, "ADD rootfs.tar /"},
    {"sha256:2222222222222222222222222222222222222222222222222222222222222222",
     "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     NULL, 20, NULL /* created_by, set at run time */},
    {"sha256:3333333333333333333333333333333333333333333333333333333333333333",
     "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
     NULL, 30, "RUN rm -f /root/.aws/credentials"},
};

#define HOSTILE "evil\x1b[31m\xff"
#define DEEP_PATH                                                         \
    "usr/local/share/applications/vendor/some-product/version-2.4.1/"   \
    "bin/plugins/xmrig"

static st_finding *add(st_result *r, st_finding_kind kind, const char *id,
                       const char *category, const char *title,
                       const char *severity, st_finding_origin origin,
                       const char *path, int layer, int visible,
                       unsigned line, const char *match)
{
    st_finding *f = st_result__add_finding(r);

    assert_non_null(f);
    assert_int_equal(f->layer_index, -1);
    assert_int_equal(f->visible, 1);
    f->kind = kind;
    f->id = id;
    f->category = category;
    f->title = title;
    f->severity = severity;
    f->origin = origin;
    f->path = path;
    f->layer_index = layer;
    f->layer_diff_id = layer >= 0 ? layers[layer].diff_id : NULL;
    f->visible = visible;
    f->line = line;
    f->match = match;
    return f;
}

#define SEC ST_FINDING_SECRET
#define MAL ST_FINDING_MALWARE
#define HARD ST_FINDING_HARDENING

/* In the result's order (kind, severity, origin, path, id):
 *  0 secret   CRITICAL aws-access-key-id      app/.env:3           layer 1
 *  1 secret   CRITICAL aws-secret-access-key  root/.aws/credentials:2
 *                                             layer 0, deleted in 2
 *  2 secret   HIGH     private-key            etc/ssl/private/server.key:1
 *  3 secret   HIGH     github-pat             ENV GITHUB_TOKEN
 *  4 secret   MEDIUM   generic-password       history[2], suppressed
 *  5 secret   LOW      generic-api-key        label org.example.key
 *  6 malware  CRITICAL xmrig                  DEEP_PATH, layer 1, deleted
 *  7 malware  HIGH     eicar                  tmp/eicar.com, layer 2
 *  8 hardening MEDIUM  private-key            etc/ssl/private/server.key
 *  9 hardening MEDIUM  setuid-unexpected      usr/local/bin/helper
 * 10 hardening MEDIUM  setuid-unexpected      usr/local/sbin/tool
 * 11 hardening LOW     elf-no-pie             HOSTILE path
 * 12 hardening LOW     world-writable         srv/data
 */
static st_result *make_result(void)
{
    st_result *r = st_result__new();
    st_image_info img;
    st_package *p;
    st_vuln *v;
    st_finding *f;

    assert_non_null(r);
    make_secrets();
    layers[1].created_by = created_by;
    memset(&img, 0, sizeof(img));
    img.ref = "oci:app";
    img.source = "oci";
    img.manifest_digest =
        "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    img.config_digest =
        "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
    img.architecture = "amd64";
    img.repo_tag_count = 1;
    img.repo_tags = tags;
    img.layer_count = 3;
    img.layers = layers;
    assert_int_equal(st_result__set_image(r, &img), 0);
    r->os.family = "debian";
    r->os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
    p = st_result__add_package(r);
    assert_non_null(p);
    p->type = "deb";
    p->name = "bash";
    p->version = "5.2.15-2+b7";
    p->found_in = "/var/lib/dpkg/status";
    p->layer_index = 0;
    p->layer_diff_id = layers[0].diff_id;

    /* Added out of order: st_result__finish sorts them. */
    add(r, HARD, "world-writable", "permissions",
        "World-writable directory without the sticky bit, and a title long "
        "enough to be cut", "LOW", ST_ORIGIN_FILE, "srv/data", 2, 1, 0,
        NULL);
    f = add(r, MAL, "eicar", "test", "EICAR anti-virus test file", "HIGH",
            ST_ORIGIN_FILE, "tmp/eicar.com", 2, 1, 0, "$eicar");
    f->detail = "yara";
    add(r, SEC, "aws-secret-access-key", "AWS", "AWS Secret Access Key",
        "CRITICAL", ST_ORIGIN_FILE, "root/.aws/credentials", 0, 0, 2,
        AWS_SECRET);
    f = add(r, SEC, "aws-access-key-id", "AWS", "AWS Access Key ID",
            "CRITICAL", ST_ORIGIN_FILE, "app/.env", 1, 1, 3, AWS_ID);
    f->detail = "found " AWS_ID " in an assignment";
    add(r, SEC, "github-pat", "GitHub", "GitHub personal access token",
        "HIGH", ST_ORIGIN_ENV, "GITHUB_TOKEN", -1, 1, 0, gh_token);
    f = add(r, SEC, "generic-password", "generic",
            "Password in an assignment", "MEDIUM", ST_ORIGIN_HISTORY,
            "history[2]", 1, 1, 0, password);
    f->suppressed_by = "ignored by .strataignore:2";
    add(r, SEC, "generic-api-key", "generic", "Generic API key", "LOW",
        ST_ORIGIN_LABEL, "org.example.key", -1, 1, 0, LABEL_SECRET);
    add(r, SEC, "private-key", "PEM", "Private key", "HIGH", ST_ORIGIN_FILE,
        "etc/ssl/private/server.key", 2, 1, 1, pem);
    f = add(r, MAL, "xmrig", "miner", "XMRig cryptominer", "CRITICAL",
            ST_ORIGIN_FILE, DEEP_PATH, 1, 0, 0, "xmrig-6.21");
    f->detail = "yara";
    f = add(r, HARD, "setuid-unexpected", "permissions",
            "Unexpected setuid file", "MEDIUM", ST_ORIGIN_FILE,
            "usr/local/sbin/tool", 2, 1, 0, NULL);
    f->detail = "mode 4755, owner 0";
    f = add(r, HARD, "setuid-unexpected", "permissions",
            "Unexpected setuid file", "MEDIUM", ST_ORIGIN_FILE,
            "usr/local/bin/helper", 2, 1, 0, NULL);
    f->detail = "mode 4755, owner 0";
    f = add(r, HARD, "elf-no-pie", "binary", "ELF binary without PIE", "LOW",
            ST_ORIGIN_FILE, HOSTILE, 2, 1, 0, NULL);
    f->detail = "detail " HOSTILE;
    f = add(r, HARD, "private-key", "keys", "Private key in the image",
            "MEDIUM", ST_ORIGIN_FILE, "etc/ssl/private/server.key", 2, 1, 0,
            NULL);
    f->detail = "a PEM private key";
    assert_int_equal(st_result__finish(r), 0);

    v = st_result__add_vuln(r);
    assert_non_null(v);
    v->id = "CVE-2024-0001";
    v->package = st_result_package(r, 0);
    v->installed_version = "5.2.15-2+b7";
    v->status = "unfixed";
    v->severity = "HIGH";
    v->title = "bash: a flaw";
    return r;
}

/* ---- helpers ------------------------------------------------------------- */

static char *render_rc(const st_result *r, st_format fmt,
                       const st_report_options *o, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    st_error *err = NULL;

    assert_non_null(f);
    *rc = st_report_write(f, r, fmt, o, &err);
    assert_int_equal(fclose(f), 0);
    if (*rc < 0)
        assert_int_equal(st_error_code(err), *rc);
    st_error_free(err);
    return text;
}

static char *render(const st_result *r, st_format fmt,
                    const st_report_options *o)
{
    int rc;
    char *text = render_rc(r, fmt, o, &rc);

    assert_int_equal(rc, 0);
    assert_non_null(text);
    return text;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (!j)
        fail_msg("not JSON: line %d: %s\n%s", je.line, je.text, text);
    return j;
}

static void dump(const char *name, const char *text)
{
    const char *dir = getenv("ST_REPORT_DUMP");
    char path[1024];
    FILE *f;

    if (!dir || !*dir)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_keys(json_t *o, const char *const *want)
{
    const char *key;
    json_t *val;
    size_t i = 0;

    json_object_foreach(o, key, val) {
        (void)val;
        assert_non_null(want[i]);
        assert_string_equal(key, want[i]);
        i++;
    }
    assert_null(want[i]);
}

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define NUL(o, k) assert_true(json_is_null(json_object_get((o), (k))))

/* ---- filters and helpers --------------------------------------------------- */

static void test_findings__shows(void **state)
{
    static const struct {
        const char *severity, *suppressed;
        unsigned severities;
        int show_suppressed, want, listed;
    } cases[] = {
        {"HIGH", NULL, 0, 0, 1, 1},
        {"HIGH", NULL, ST_SEV_HIGH, 0, 1, 1},
        {"HIGH", NULL, ST_SEV_CRITICAL, 0, 0, 0},
        {"LOW", "ignored by x:1", 0, 0, 0, 1},
        {"LOW", "ignored by x:1", 0, 1, 1, 1},
        {"LOW", "ignored by x:1", ST_SEV_HIGH, 1, 0, 0},
        {NULL, NULL, ST_SEV_UNKNOWN, 0, 1, 1},
        {"weird", NULL, ST_SEV_ALL & ~ST_SEV_UNKNOWN, 0, 0, 0},
        {"critical", NULL, ST_SEV_CRITICAL, 0, 0, 0}, /* capitals */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        st_finding f;
        st_report_options o = ST_REPORT_OPTIONS_INIT;

        memset(&f, 0, sizeof(f));
        f.kind = ST_FINDING_SECRET;
        f.severity = cases[i].severity;
        f.suppressed_by = cases[i].suppressed;
        o.severities = cases[i].severities;
        o.show_suppressed = cases[i].show_suppressed;
        if (st_report_shows_finding(&f, &o) != cases[i].want)
            fail_msg("case %zu: shows, want %d", i, cases[i].want);
        if (st_report__finding_listed(&f, &o) != (bool)cases[i].listed)
            fail_msg("case %zu: listed, want %d", i, cases[i].listed);
    }
    assert_int_equal(st_report_shows_finding(NULL, NULL), 0);
}

static void test_findings__count(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    (void)state;
    /* 13 findings (one suppressed) and one vulnerability */
    assert_int_equal(st_report_count(r, &o), 13);
    o.show_suppressed = 1;
    assert_int_equal(st_report_count(r, &o), 14);
    o.show_suppressed = 0;
    o.severities = ST_SEV_CRITICAL;
    assert_int_equal(st_report_count(r, &o), 3);
    o.severities = ST_SEV_MEDIUM;
    assert_int_equal(st_report_count(r, &o), 3); /* the password: hidden */
    st_result_free(r);
}

static void test_findings__redact(void **state)
{
    static const struct {
        const char *in;
        int show;
        size_t n;
        const char *want;
    } cases[] = {
        {AWS_ID, 0, 32, AWS_ID_RED},
        {AWS_ID, 1, 32, AWS_ID},
        {AWS_SECRET, 0, 32, AWS_SECRET_RED},
        {"12345678", 0, 32, "1234****"},
        {"1234567", 0, 32, "*******"},
        {"", 0, 32, ""},
        {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0, 32, "********"},
        {AWS_ID, 0, 8, "AKIA***"}, /* cut to the buffer */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];

        assert_string_equal(st_report_redact(cases[i].in, cases[i].show, buf,
                                             cases[i].n),
                            cases[i].want);
    }
    assert_null(st_report_redact(NULL, 0, (char[8]){0}, 8));
}

static void test_findings__hide_secrets(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    const st_finding *aws = st_result_finding(r, 0);
    st_buf want = ST_BUF_INIT(1 << 16);
    char *out = (char *)"x";

    (void)state;
    assert_string_equal(aws->match, AWS_ID);
    /* every secret of the result */
    assert_int_equal(st_report__hide_secrets(&out, created_by, r, NULL, &o),
                     0);
    assert_int_equal(st_buf_printf(&want, "RUN |1 DB_PASSWORD=%.4s"
                                          "************ /bin/sh -c make",
                                   password), 0);
    assert_string_equal(out, want.ptr);
    st_free(out);
    /* two secrets, back to back, and one repeated */
    st_buf_reset(&want);
    assert_int_equal(st_buf_printf(&want, "%s%s and %s", AWS_ID, AWS_SECRET,
                                   AWS_ID), 0);
    assert_int_equal(st_report__hide_secrets(&out, want.ptr, r, NULL, &o), 0);
    assert_string_equal(out, AWS_ID_RED AWS_SECRET_RED " and " AWS_ID_RED);
    st_free(out);
    /* only one finding's own secret */
    assert_int_equal(st_report__hide_secrets(&out, want.ptr, r, aws, &o), 0);
    assert_string_equal(out, AWS_ID_RED AWS_SECRET " and " AWS_ID_RED);
    st_free(out);
    /* a hardening finding has no secret */
    assert_int_equal(st_report__hide_secrets(&out, want.ptr, r,
                                             st_result_finding(r, 9), &o),
                     0);
    assert_string_equal(out, want.ptr);
    st_free(out);
    /* shown whole when asked; NULL stays NULL */
    o.show_secrets = 1;
    assert_int_equal(st_report__hide_secrets(&out, want.ptr, r, NULL, &o), 0);
    assert_string_equal(out, want.ptr);
    st_free(out);
    assert_int_equal(st_report__hide_secrets(&out, NULL, r, NULL, &o), 0);
    assert_null(out);
    st_buf_release(&want);
    st_result_free(r);
}

/* ---- no secret anywhere ---------------------------------------------------- */

static void test_findings__no_secret_leaks(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    const char *const *all = secrets();

    (void)state;
    o.timestamp = T0;
    o.show_suppressed = 1; /* the suppressed password too */
    o.list_packages = 1;
    for (int fmt = ST_FORMAT_TABLE; fmt <= ST_FORMAT_SARIF; fmt++) {
        char *text = render(r, (st_format)fmt, &o);

        /* the label's secret is short: not even its first characters */
        for (size_t i = 0; all[i]; i++) {
            if (strstr(text, all[i]))
                fail_msg("format %d prints secret %zu", fmt, i);
        }
        free(text);
    }
    /* show_secrets: whole in JSON and SARIF (JSON escapes "/" and the
     * newlines of the PEM block, so compare parsed strings there) */
    o.show_secrets = 1;
    {
        char *text = render(r, ST_FORMAT_TABLE, &o);

        assert_non_null(strstr(text, AWS_ID));
        assert_non_null(strstr(text, gh_token));
        free(text);
        text = render(r, ST_FORMAT_SARIF, &o);
        for (size_t i = 0; all[i]; i++) {
            if (!strstr(text, all[i]))
                fail_msg("sarif does not print secret %zu whole", i);
        }
        free(text);
        text = render(r, ST_FORMAT_JSON, &o);
        for (size_t i = 0; all[i]; i++) {
            if (i != 1 && !strstr(text, all[i])) /* 1: JSON escapes '/'? */
                fail_msg("json does not print secret %zu whole", i);
        }
        free(text);
    }
    st_result_free(r);
}

/* ---- json ------------------------------------------------------------------ */

static void test_findings__json(void **state)
{
    static const char *const keys[] = {
        "kind", "id", "category", "title", "severity", "origin", "path",
        "layer_index", "layer_diff_id", "visible", "state", "line", "match",
        "detail", "suppressed_by", NULL};
    static const char *const want_ids[] = {
        "aws-access-key-id", "aws-secret-access-key", "private-key",
        "github-pat", "generic-password", "generic-api-key", "xmrig", "eicar",
        "private-key", "setuid-unexpected", "setuid-unexpected",
        "elf-no-pie", "world-writable"};
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_JSON, &o);
    json_t *j = parse(text), *fs, *f, *l;
    char want[64];

    (void)state;
    dump("findings.json", text);
    fs = json_object_get(j, "findings");
    /* every finding, the suppressed one too, in the result's order */
    assert_int_equal(json_array_size(fs), 13);
    for (size_t i = 0; i < json_array_size(fs); i++) {
        assert_keys(json_array_get(fs, i), keys);
        assert_string_equal(S(json_array_get(fs, i), "id"), want_ids[i]);
    }

    f = json_array_get(fs, 0); /* a visible file */
    assert_string_equal(S(f, "kind"), "secret");
    assert_string_equal(S(f, "category"), "AWS");
    assert_string_equal(S(f, "title"), "AWS Access Key ID");
    assert_string_equal(S(f, "severity"), "CRITICAL");
    assert_string_equal(S(f, "origin"), "file");
    assert_string_equal(S(f, "path"), "app/.env");
    assert_int_equal(I(f, "layer_index"), 1);
    assert_string_equal(S(f, "layer_diff_id"), layers[1].diff_id);
    assert_true(json_is_true(json_object_get(f, "visible")));
    assert_string_equal(S(f, "state"), "visible");
    assert_int_equal(I(f, "line"), 3);
    assert_string_equal(S(f, "match"), AWS_ID_RED);
    /* the secret quoted in the detail is hidden too */
    assert_string_equal(S(f, "detail"), "found " AWS_ID_RED " in an assignment");
    NUL(f, "suppressed_by");

    f = json_array_get(fs, 1); /* deleted by a later layer */
    assert_int_equal(I(f, "layer_index"), 0);
    assert_true(json_is_false(json_object_get(f, "visible")));
    assert_string_equal(S(f, "state"), "deleted");
    assert_int_equal(I(f, "line"), 2);
    assert_string_equal(S(f, "match"), AWS_SECRET_RED);
    NUL(f, "detail");

    f = json_array_get(fs, 3); /* ENV: no layer, no line */
    assert_string_equal(S(f, "origin"), "env");
    assert_string_equal(S(f, "path"), "GITHUB_TOKEN");
    NUL(f, "layer_index");
    NUL(f, "layer_diff_id");
    NUL(f, "line");
    assert_string_equal(S(f, "state"), "visible");
    assert_string_equal(S(f, "match"), "ghp_****************");

    f = json_array_get(fs, 4); /* history, suppressed: kept, saying why */
    assert_string_equal(S(f, "origin"), "history");
    assert_string_equal(S(f, "path"), "history[2]");
    assert_string_equal(S(f, "suppressed_by"), "ignored by .strataignore:2");
    snprintf(want, sizeof(want), "%.4s************", password);
    assert_string_equal(S(f, "match"), want);

    f = json_array_get(fs, 5); /* a label; a short secret hidden whole */
    assert_string_equal(S(f, "origin"), "label");
    assert_string_equal(S(f, "match"), "*****");

    f = json_array_get(fs, 7); /* malware: the match as is */
    assert_string_equal(S(f, "kind"), "malware");
    assert_string_equal(S(f, "match"), "$eicar");
    assert_string_equal(S(f, "detail"), "yara");
    NUL(f, "line");
    f = json_array_get(fs, 6);
    assert_string_equal(S(f, "state"), "deleted");
    assert_string_equal(S(f, "match"), "xmrig-6.21");

    f = json_array_get(fs, 9); /* hardening: no match */
    assert_string_equal(S(f, "kind"), "hardening");
    assert_string_equal(S(f, "category"), "permissions");
    NUL(f, "match");
    assert_string_equal(S(f, "detail"), "mode 4755, owner 0");
    f = json_array_get(fs, 11); /* hostile bytes: valid UTF-8 */
    assert_string_equal(S(f, "path"), "evil\x1b[31m\xef\xbf\xbd");

    /* the build step that leaked the password: hidden in the layer list */
    l = json_array_get(json_object_get(json_object_get(j, "artifact"),
                                       "layers"), 1);
    snprintf(want, sizeof(want), "DB_PASSWORD=%.4s************ ", password);
    assert_non_null(strstr(S(l, "created_by"), want));
    json_decref(j);
    free(text);

    /* show_secrets: whole */
    o.show_secrets = 1;
    text = render(r, ST_FORMAT_JSON, &o);
    j = parse(text);
    fs = json_object_get(j, "findings");
    assert_string_equal(S(json_array_get(fs, 0), "match"), AWS_ID);
    assert_string_equal(S(json_array_get(fs, 0), "detail"),
                        "found " AWS_ID " in an assignment");
    assert_string_equal(S(json_array_get(fs, 1), "match"), AWS_SECRET);
    assert_string_equal(S(json_array_get(fs, 2), "match"), pem);
    assert_string_equal(S(json_array_get(fs, 5), "match"), LABEL_SECRET);
    l = json_array_get(json_object_get(json_object_get(j, "artifact"),
                                       "layers"), 1);
    assert_string_equal(S(l, "created_by"), created_by);
    json_decref(j);
    free(text);

    /* severities filter findings; suppressed ones stay */
    o.show_secrets = 0;
    o.severities = ST_SEV_CRITICAL | ST_SEV_MEDIUM;
    text = render(r, ST_FORMAT_JSON, &o);
    j = parse(text);
    fs = json_object_get(j, "findings");
    assert_int_equal(json_array_size(fs), 7);
    {
        static const char *const ids[] = {
            "aws-access-key-id", "aws-secret-access-key", "generic-password",
            "xmrig", "private-key", "setuid-unexpected", "setuid-unexpected"};

        for (size_t i = 0; i < 7; i++)
            assert_string_equal(S(json_array_get(fs, i), "id"), ids[i]);
    }
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* ---- table ----------------------------------------------------------------- */

static const char table_want[] =
    "\n"
    "Secrets\n"
    "SEVERITY  RULE                   WHERE                         "
    "LAYER                         MATCH\n"
    "CRITICAL  aws-access-key-id      app/.env:3                    "
    "1                             AKIA****************\n"
    "CRITICAL  aws-secret-access-key  root/.aws/credentials:2       "
    "0 (deleted in a later layer)  wJal****************\n"
    "HIGH      private-key            etc/ssl/private/server.key:1  "
    "2                             ----****************\n"
    "HIGH      github-pat             ENV GITHUB_TOKEN              "
    "-                             ghp_****************\n"
    "LOW       generic-api-key        label org.example.key         "
    "-                             *****\n"
    "Total: 5 (CRITICAL: 2, HIGH: 2, MEDIUM: 0, LOW: 1, UNKNOWN: 0)\n"
    "1 in files deleted in a later layer: still in the image, readable by "
    "anyone who can pull it.\n"
    "1 not shown: 1 suppressed\n"
    "\n"
    "Malware\n"
    "SEVERITY  RULE   WHERE                                     "
    "LAYER                         TITLE\n"
    /* the path keeps its end; the title is cut to 120 columns */
    "CRITICAL  xmrig  \xe2\x80\xa6" "product/version-2.4.1/bin/plugins/xmrig  "
    "1 (deleted in a later layer)  XMRig cryptominer (xmrig-6.21)\n"
    "HIGH      eicar  tmp/eicar.com                             "
    "2                             EICAR anti-virus test file ($e\xe2\x80\xa6\n"
    "Total: 2 (CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0)\n"
    "\n"
    "Hardening\n"
    "SEVERITY  CHECK              WHERE                       LAYER  DETAIL\n"
    "MEDIUM    private-key        etc/ssl/private/server.key  2      "
    "a PEM private key\n"
    "MEDIUM    setuid-unexpected  usr/local/bin/helper        2      "
    "mode 4755, owner 0\n"
    "MEDIUM    setuid-unexpected  usr/local/sbin/tool         2      "
    "mode 4755, owner 0\n"
    "LOW       elf-no-pie         evil?[31m\xef\xbf\xbd                  "
    "2      detail evil?[31m\xef\xbf\xbd\n"
    /* no detail: the title, cut to 120 columns */
    "LOW       world-writable     srv/data                    2      "
    "World-writable directory without the sticky bit, and a \xe2\x80\xa6\n"
    "Total: 5 (CRITICAL: 0, HIGH: 0, MEDIUM: 3, LOW: 2, UNKNOWN: 0)\n";

static void test_findings__table(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_TABLE, &o), *sec, *line, *save = NULL;

    (void)state;
    /* after the vulnerabilities, before nothing else */
    assert_non_null(strstr(text, "\nVulnerabilities\n"));
    assert_true(strstr(text, "\nVulnerabilities\n") < strstr(text, "\nSecrets\n"));
    sec = strstr(text, "\nSecrets\n");
    assert_non_null(sec);
    if (strcmp(sec, table_want)) {
        fprintf(stderr, "table:\n%s", sec);
        fail_msg("table differs");
    }
    assert_null(strchr(text, '\033'));
    for (line = strtok_r(sec, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        assert_true(st_report__width(line) <= 120);
    free(text);
    st_result_free(r);
}

static void test_findings__table_filters(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text, *sec;

    (void)state;
    /* suppressed shown and marked; severity filter counted per kind */
    o.severities = ST_SEV_MEDIUM | ST_SEV_LOW;
    o.show_suppressed = 1;
    text = render(r, ST_FORMAT_TABLE, &o);
    sec = strstr(text, "\nSecrets\n");
    assert_non_null(sec);
    assert_non_null(strstr(sec,
        "\nMEDIUM    generic-password  history[2]             1      "
        "(suppressed) "));
    assert_non_null(strstr(sec,
        "Total: 2 (CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 1, UNKNOWN: 0)\n"
        "4 not shown: 4 filtered out (severity)\n\nMalware\nNone shown.\n"
        "2 not shown: 2 filtered out (severity)\n\nHardening\n"));
    /* no secret of a deleted file shown: no such note */
    assert_null(strstr(sec, "in files deleted"));
    free(text);

    /* every secret hidden: the section says so */
    o.severities = ST_SEV_UNKNOWN;
    o.show_suppressed = 0;
    text = render(r, ST_FORMAT_TABLE, &o);
    /* the suppressed password is filtered out by its severity first */
    assert_non_null(strstr(text, "\nSecrets\nNone shown.\n6 not shown: "
                                 "6 filtered out (severity)\n"));
    free(text);

    /* colours: the severity in its colour, a deleted layer in bold */
    o.severities = 0;
    o.color = 1;
    text = render(r, ST_FORMAT_TABLE, &o);
    sec = strstr(text, "Secrets");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "\033[1;31mCRITICAL\033[0m  aws-access-key-id"));
    assert_non_null(strstr(sec, "\033[1m0 (deleted in a later layer)\033[0m"));
    assert_non_null(strstr(sec, "\033[2m1\033[0m"));
    free(text);

    /* no findings: no sections */
    st_result_free(r);
    r = st_result__new();
    assert_non_null(r);
    o.color = 0;
    text = render(r, ST_FORMAT_TABLE, &o);
    assert_null(strstr(text, "Secrets"));
    assert_null(strstr(text, "Malware"));
    assert_null(strstr(text, "Hardening"));
    free(text);
    st_result_free(r);
}

/* ---- sarif ----------------------------------------------------------------- */

static json_t *rule_by_id(json_t *rules, const char *id)
{
    size_t i;
    json_t *rule;

    json_array_foreach(rules, i, rule) {
        if (!strcmp(S(rule, "id"), id))
            return rule;
    }
    fail_msg("no rule %s", id);
    return NULL;
}

static void test_findings__sarif(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;
    char *text = render(r, ST_FORMAT_SARIF, &o), *t2;
    json_t *j = parse(text), *run, *rules, *results, *rule, *res, *loc, *tg,
           *props, *ll, *j2;
    size_t i;
    char want[96];

    (void)state;
    dump("findings.sarif.json", text);
    run = json_array_get(json_object_get(j, "runs"), 0);
    rules = json_object_get(json_object_get(json_object_get(run, "tool"),
                                            "driver"), "rules");
    results = json_object_get(run, "results");
    /* one vulnerability and 12 findings (the suppressed one left out);
     * one rule per kind and id: 11 for findings */
    assert_int_equal(json_array_size(results), 13);
    assert_int_equal(json_array_size(rules), 12);
    json_array_foreach(results, i, res) {
        json_int_t ri = I(res, "ruleIndex");

        assert_string_equal(S(json_array_get(rules, (size_t)ri), "id"),
                            S(res, "ruleId"));
    }
    /* rule ids are unique: the hardening private-key rule gives way to the
     * secret rule that took the id first */
    for (size_t a = 0; a < json_array_size(rules); a++)
        for (size_t b = a + 1; b < json_array_size(rules); b++)
            assert_string_not_equal(S(json_array_get(rules, a), "id"),
                                    S(json_array_get(rules, b), "id"));
    rule = rule_by_id(rules, "hardening/private-key");
    assert_string_equal(S(rule, "name"), "private-key");
    assert_string_equal(S(rule_by_id(rules, "private-key"), "name"),
                        "private-key");

    rule = rule_by_id(rules, "aws-access-key-id");
    assert_string_equal(S(json_object_get(rule, "shortDescription"), "text"),
                        "AWS Access Key ID");
    assert_string_equal(S(json_object_get(rule, "fullDescription"), "text"),
                        "Secret (AWS): AWS Access Key ID");
    assert_string_equal(S(json_object_get(rule, "defaultConfiguration"),
                          "level"), "error");
    assert_non_null(S(json_object_get(rule, "help"), "text"));
    assert_non_null(S(json_object_get(rule, "help"), "markdown"));
    props = json_object_get(rule, "properties");
    assert_string_equal(S(props, "security-severity"), "9.5");
    tg = json_object_get(props, "tags");
    assert_int_equal(json_array_size(tg), 4);
    assert_string_equal(json_string_value(json_array_get(tg, 0)), "secret");
    assert_string_equal(json_string_value(json_array_get(tg, 1)), "AWS");
    assert_string_equal(json_string_value(json_array_get(tg, 2)), "security");
    assert_string_equal(json_string_value(json_array_get(tg, 3)), "CRITICAL");
    rule = rule_by_id(rules, "setuid-unexpected");
    assert_string_equal(S(json_object_get(rule, "properties"),
                          "security-severity"), "5.5");
    assert_string_equal(json_string_value(json_array_get(json_object_get(
                            json_object_get(rule, "properties"), "tags"), 0)),
                        "hardening");
    assert_string_equal(S(json_object_get(rule, "defaultConfiguration"),
                          "level"), "warning");
    assert_string_equal(S(json_object_get(rule_by_id(rules, "world-writable"),
                                          "defaultConfiguration"), "level"),
                        "note");

    /* the vulnerability first, then the findings in the result's order */
    assert_string_equal(S(json_array_get(results, 0), "ruleId"),
                        "CVE-2024-0001");
    res = json_array_get(results, 1);
    assert_string_equal(S(res, "ruleId"), "aws-access-key-id");
    assert_string_equal(S(res, "level"), "error");
    assert_string_equal(S(json_object_get(res, "message"), "text"),
                        "Secret: AWS Access Key ID\nRule: aws-access-key-id\n"
                        "Severity: CRITICAL\nWhere: app/.env:3\nLayer: 1\n"
                        "Match: " AWS_ID_RED "\n"
                        "found " AWS_ID_RED " in an assignment");
    loc = json_array_get(json_object_get(res, "locations"), 0);
    assert_string_equal(S(json_object_get(json_object_get(loc,
                          "physicalLocation"), "artifactLocation"), "uri"),
                        "app/.env");
    assert_int_equal(I(json_object_get(json_object_get(loc,
                         "physicalLocation"), "region"), "startLine"), 3);
    ll = json_object_get(loc, "logicalLocations");
    assert_int_equal(json_array_size(ll), 1);
    assert_string_equal(S(json_array_get(ll, 0), "name"), layers[1].diff_id);
    assert_string_equal(S(json_array_get(ll, 0), "fullyQualifiedName"),
                        "layer 1");
    props = json_object_get(res, "properties");
    assert_string_equal(S(props, "kind"), "secret");
    assert_string_equal(S(props, "origin"), "file");
    assert_int_equal(I(props, "layerIndex"), 1);
    assert_string_equal(S(props, "layerDiffId"), layers[1].diff_id);
    assert_true(json_is_true(json_object_get(props, "visible")));
    assert_string_equal(S(props, "state"), "visible");
    assert_int_equal(strlen(S(json_object_get(res, "partialFingerprints"),
                              "strataFinding/v1")), 64);

    res = json_array_get(results, 2); /* deleted */
    assert_non_null(strstr(S(json_object_get(res, "message"), "text"),
                           "\nLayer: 0 (deleted in a later layer, still in "
                           "the image)\n"));
    props = json_object_get(res, "properties");
    assert_true(json_is_false(json_object_get(props, "visible")));
    assert_string_equal(S(props, "state"), "deleted");

    res = json_array_get(results, 4); /* ENV: the image, a variable */
    assert_string_equal(S(res, "ruleId"), "github-pat");
    loc = json_array_get(json_object_get(res, "locations"), 0);
    assert_string_equal(S(json_object_get(json_object_get(loc,
                          "physicalLocation"), "artifactLocation"), "uri"),
                        "registry.example/app%3A1.0");
    assert_null(json_object_get(json_object_get(loc, "physicalLocation"),
                                "region"));
    ll = json_object_get(loc, "logicalLocations");
    assert_int_equal(json_array_size(ll), 1);
    assert_string_equal(S(json_array_get(ll, 0), "name"), "GITHUB_TOKEN");
    assert_string_equal(S(json_array_get(ll, 0), "fullyQualifiedName"),
                        "ENV GITHUB_TOKEN");
    assert_string_equal(S(json_array_get(ll, 0), "kind"), "variable");
    assert_true(json_is_null(json_object_get(json_object_get(res,
                                             "properties"), "layerIndex")));
    snprintf(want, sizeof(want), "\nWhere: ENV GITHUB_TOKEN\nMatch: "
                                 "ghp_****************");
    assert_non_null(strstr(S(json_object_get(res, "message"), "text"), want));

    res = json_array_get(results, 5); /* a label: the suppressed history
                                         entry before it is left out */
    assert_string_equal(S(res, "ruleId"), "generic-api-key");
    assert_string_equal(S(res, "level"), "note");
    ll = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                         "logicalLocations");
    assert_string_equal(S(json_array_get(ll, 0), "fullyQualifiedName"),
                        "label org.example.key");
    assert_string_equal(S(json_array_get(ll, 0), "kind"), "property");

    /* two setuid files: one rule, two results, two fingerprints */
    {
        json_t *a = json_array_get(results, 9), *b = json_array_get(results, 10);

        assert_string_equal(S(a, "ruleId"), "setuid-unexpected");
        assert_string_equal(S(b, "ruleId"), "setuid-unexpected");
        assert_int_equal(I(a, "ruleIndex"), I(b, "ruleIndex"));
        assert_string_equal(S(a, "level"), "warning");
        assert_string_not_equal(
            S(json_object_get(a, "partialFingerprints"), "strataFinding/v1"),
            S(json_object_get(b, "partialFingerprints"), "strataFinding/v1"));
        assert_string_equal(S(json_array_get(results, 8), "ruleId"),
                            "hardening/private-key");
    }

    /* show_suppressed brings the history entry in, located at the image */
    o.show_suppressed = 1;
    t2 = render(r, ST_FORMAT_SARIF, &o);
    j2 = parse(t2);
    results = json_object_get(json_array_get(json_object_get(j2, "runs"), 0),
                              "results");
    assert_int_equal(json_array_size(results), 14);
    res = json_array_get(results, 5);
    assert_string_equal(S(res, "ruleId"), "generic-password");
    assert_string_equal(S(json_object_get(res, "properties"), "suppressedBy"),
                        "ignored by .strataignore:2");
    ll = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                         "logicalLocations");
    assert_int_equal(json_array_size(ll), 2);
    assert_string_equal(S(json_array_get(ll, 0), "fullyQualifiedName"),
                        "history[2]");
    assert_string_equal(S(json_array_get(ll, 0), "kind"), "element");
    assert_string_equal(S(json_array_get(ll, 1), "fullyQualifiedName"),
                        "layer 1");
    dump("findings-all.sarif.json", t2);
    json_decref(j2);
    free(t2);

    /* the severity filter applies; rules only for what is shown */
    o.show_suppressed = 0;
    o.severities = ST_SEV_LOW;
    t2 = render(r, ST_FORMAT_SARIF, &o);
    j2 = parse(t2);
    run = json_array_get(json_object_get(j2, "runs"), 0);
    assert_int_equal(json_array_size(json_object_get(run, "results")), 3);
    rules = json_object_get(json_object_get(json_object_get(run, "tool"),
                                            "driver"), "rules");
    assert_int_equal(json_array_size(rules), 3);
    /* the secret is the first rule with that id now: no prefix needed */
    assert_string_equal(S(json_array_get(rules, 0), "id"), "generic-api-key");
    json_decref(j2);
    free(t2);

    json_decref(j);
    free(text);
    st_result_free(r);
}

/* A finding whose id is a vulnerability's id does not take its rule. */
static void test_findings__sarif_vuln_id(void **state)
{
    st_result *r = st_result__new();
    st_package *p;
    st_vuln *v;
    st_finding *f;
    char *text;
    json_t *j, *run, *rules, *results;

    (void)state;
    assert_non_null(r);
    p = st_result__add_package(r);
    assert_non_null(p);
    p->type = "deb";
    p->name = "bash";
    p->version = "1";
    f = st_result__add_finding(r);
    assert_non_null(f);
    f->kind = ST_FINDING_MALWARE;
    f->id = "CVE-2024-0001";
    f->severity = "HIGH";
    f->path = "tmp/exploit";
    assert_int_equal(st_result__finish(r), 0);
    v = st_result__add_vuln(r);
    assert_non_null(v);
    v->id = "CVE-2024-0001";
    v->package = p;
    v->severity = "LOW";
    text = render(r, ST_FORMAT_SARIF, NULL);
    j = parse(text);
    run = json_array_get(json_object_get(j, "runs"), 0);
    rules = json_object_get(json_object_get(json_object_get(run, "tool"),
                                            "driver"), "rules");
    results = json_object_get(run, "results");
    assert_int_equal(json_array_size(rules), 2);
    assert_string_equal(S(json_array_get(rules, 0), "id"), "CVE-2024-0001");
    assert_string_equal(S(json_array_get(rules, 1), "id"),
                        "malware/CVE-2024-0001");
    assert_string_equal(S(json_array_get(results, 1), "ruleId"),
                        "malware/CVE-2024-0001");
    assert_int_equal(I(json_array_get(results, 1), "ruleIndex"), 1);
    /* no title: the id describes the rule */
    assert_string_equal(S(json_object_get(json_array_get(rules, 1),
                                          "shortDescription"), "text"),
                        "CVE-2024-0001");
    dump("findings-min.sarif.json", text);
    json_decref(j);
    free(text);
    st_result_free(r);
}

/* The SBOMs stay inventories: no findings, no secrets. */
static void test_findings__sboms_unchanged(void **state)
{
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    (void)state;
    o.timestamp = T0;
    o.show_secrets = 1;
    for (int fmt = ST_FORMAT_CYCLONEDX; fmt <= ST_FORMAT_SPDX; fmt++) {
        char *text = render(r, (st_format)fmt, &o);

        assert_null(strstr(text, "aws-access-key-id"));
        assert_null(strstr(text, AWS_ID));
        assert_null(strstr(text, "setuid"));
        free(text);
    }
    st_result_free(r);
}

/* ---- allocation failures -------------------------------------------------- */

#define MAX_ALLOCS 6000

static void test_findings__alloc_failure(void **state)
{
    static const st_format fmts[] = {ST_FORMAT_TABLE, ST_FORMAT_JSON,
                                     ST_FORMAT_SARIF};
    st_result *r = make_result();
    st_report_options o = ST_REPORT_OPTIONS_INIT;

    (void)state;
    o.show_suppressed = 1;
    json_set_alloc_funcs(st_malloc, st_free);
    for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
        char *want = render(r, fmts[k], &o);
        long failed = 0;

        for (long n = 1; n <= MAX_ALLOCS; n++) {
            int rc;
            char *text;

            st_alloc_fail_after(n);
            text = render_rc(r, fmts[k], &o, &rc);
            st_alloc_fail_after(0);
            if (rc == 0) {
                if (fmts[k] != ST_FORMAT_TABLE) /* may stop halfway */
                    assert_string_equal(text, want);
            } else {
                assert_int_equal(rc, ST_ENOMEM);
                failed = n;
            }
            /* whatever was written before the failure hides the secrets */
            for (const char *const *s = secrets(); text && *s; s++)
                assert_null(strstr(text, *s));
            free(text);
        }
        if (!(failed > 0 && failed < MAX_ALLOCS / 2))
            fail_msg("format %d: last failure at allocation %ld", fmts[k],
                     failed);
        free(want);
    }
    json_set_alloc_funcs(malloc, free);
    st_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_findings__shows),
        cmocka_unit_test(test_findings__count),
        cmocka_unit_test(test_findings__redact),
        cmocka_unit_test(test_findings__hide_secrets),
        cmocka_unit_test(test_findings__no_secret_leaks),
        cmocka_unit_test(test_findings__json),
        cmocka_unit_test(test_findings__table),
        cmocka_unit_test(test_findings__table_filters),
        cmocka_unit_test(test_findings__sarif),
        cmocka_unit_test(test_findings__sarif_vuln_id),
        cmocka_unit_test(test_findings__sboms_unchanged),
        cmocka_unit_test(test_findings__alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
