/* The image config analyzer (--scanners config): what the image itself
 * says about how its containers run — the user, the exposed ports, the
 * environment, the health check, how the program is started.
 *
 * The checks are data like every configuration check: their ids, titles,
 * severities, remediations and equivalent ids are in
 * policies/config/image.yaml, loaded by the config engine. This analyzer
 * reports into an engine context of its own (over the built-in checks),
 * then moves the findings into the scan's result: one source of truth for
 * the metadata, and `strata config --list-checks` lists these checks too.
 *
 * Secrets in Env: the secret scanner already searches every Env entry
 * with the secret rules (token formats, keyed passwords), so this one
 * reports what those rules deliberately pass over — a variable whose name
 * says secret (DB_PASSWORD, API_TOKEN) holding a literal value of any
 * shape — with the name test the Dockerfile and compose checks use
 * (config/envsecret.h). Running the rules here too would report each
 * keyed token twice with both scanners on (the default set has secret). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer.h"
#include "config/config_int.h"
#include "config/envsecret.h"
#include "inventory/result_int.h"
#include "util/json.h"
#include "util/banned.h"

#define NAME "imageconfig"

typedef struct ictx {
    st_cfg_ctx *c;
    int rc;
} ictx;

static void
report(ictx *x, const char *id, const char *path, const char *fmt, ...)
    ST_PRINTF(4, 5);
static void
report(ictx *x, const char *id, const char *path, const char *fmt, ...)
{
    st_cfg_where w = {path, 0, 0, NULL};
    char detail[512];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if ((rc = st_cfg_report(x->c, id, &w, "%s", detail)) < 0 && !x->rc)
        x->rc = rc;
}

/* ---- the checks ------------------------------------------------------------
 */

static void check_user(ictx *x, const json_t *cfg)
{
    const char *u = st_json_str(cfg, "User");
    size_t n;

    if (!u || !*u) {
        report(x, "image-user-root", "config.User",
               "no User: containers run as root");
        return;
    }
    n = strcspn(u, ":");
    if ((n == 4 && !strncmp(u, "root", 4)) || (n == 1 && u[0] == '0'))
        report(x, "image-user-root", "config.User", "User %s", u);
}

/* Ports of remote administration services, by number. */
static const char *remote_admin(unsigned long p)
{
    if (p == 22)
        return "SSH";
    if (p == 23)
        return "Telnet";
    if (p >= 512 && p <= 514)
        return "rexec/rlogin/rsh";
    if (p == 2375 || p == 2376)
        return "Docker API";
    if (p == 3389)
        return "RDP";
    if (p >= 5900 && p <= 5909)
        return "VNC";
    if (p == 5985 || p == 5986)
        return "WinRM";
    return NULL;
}

static void check_ports(ictx *x, const json_t *cfg)
{
    const char *key;
    json_t *v;

    json_object_foreach(st_json_obj(cfg, "ExposedPorts"), key, v)
    {
        char *end, path[96];
        unsigned long p = strtoul(key, &end, 10);
        const char *what;
        (void)v;
        if (end == key || (*end && *end != '/'))
            continue;
        snprintf(path, sizeof(path), "config.ExposedPorts[%.60s]", key);
        if ((what = remote_admin(p)))
            report(x, "image-port-remote-admin", path, "%s (%s)", key, what);
        else if (p < 1024)
            report(x, "image-port-privileged", path, "%s", key);
    }
}

static void check_env(ictx *x, const json_t *cfg)
{
    size_t i;
    json_t *v;

    st_cfg_set_origin(x->c, ST_ORIGIN_ENV);
    json_array_foreach(st_json_arr(cfg, "Env"), i, v)
    {
        const char *e = json_string_value(v), *eq;
        char name[128];
        if (!e || !(eq = strchr(e, '=')) || (size_t)(eq - e) >= sizeof(name))
            continue;
        memcpy(name, e, (size_t)(eq - e));
        name[eq - e] = 0;
        if (st_cfg__secret_name(name, strlen(name)) &&
            st_cfg__secret_literal(eq + 1))
            report(x, "image-env-secret", name, "%s has a literal value", name);
    }
    st_cfg_set_origin(x->c, ST_ORIGIN_FILE);
}

static void check_healthcheck(ictx *x, const json_t *cfg)
{
    const json_t *hc = st_json_obj(cfg, "Healthcheck");
    const char *t0 =
        json_string_value(json_array_get(st_json_arr(hc, "Test"), 0));

    if (!hc || !t0)
        report(x, "image-no-healthcheck", "config.Healthcheck",
               "no Healthcheck");
    else if (!strcmp(t0, "NONE"))
        report(x, "image-no-healthcheck", "config.Healthcheck",
               "Healthcheck NONE");
}

/* ["/bin/sh", "-c", "…"] (and cmd /S /C on Windows): what the shell form
 * of ENTRYPOINT and CMD becomes. */
static bool shell_form(const json_t *a)
{
    const char *s0 = json_string_value(json_array_get(a, 0));
    const char *s1 = json_string_value(json_array_get(a, 1));

    if (!s0 || !s1 || json_array_size(a) < 3)
        return false;
    if (!strcmp(s1, "-c"))
        return !strcmp(s0, "/bin/sh") || !strcmp(s0, "sh") ||
               !strcmp(s0, "/bin/bash") || !strcmp(s0, "bash");
    return !strcasecmp(s0, "cmd") && !strcasecmp(s1, "/S");
}

static void check_cmd(ictx *x, const json_t *cfg)
{
    const json_t *ep = st_json_arr(cfg, "Entrypoint");
    const json_t *cmd = st_json_arr(cfg, "Cmd");

    if (ep && json_array_size(ep)) {
        if (shell_form(ep))
            report(x, "image-shell-form", "config.Entrypoint",
                   "Entrypoint %s -c %.200s",
                   json_string_value(json_array_get(ep, 0)),
                   json_string_value(json_array_get(ep, 2)));
    } else if (shell_form(cmd)) {
        report(x, "image-shell-form", "config.Cmd", "Cmd %s -c %.200s",
               json_string_value(json_array_get(cmd, 0)),
               json_string_value(json_array_get(cmd, 2)));
    }
}

/* ---- into the scan's result -------------------------------------------------
 */

static char *keep(st_arena *a, const char *s, bool *oom)
{
    char *d;
    if (!s)
        return NULL;
    if (!(d = st_arena_strdup(a, s)))
        *oom = true;
    return d;
}

static int move_findings(st_scan_ctx *ctx, const st_result *from)
{
    st_arena *a = st_ctx_arena(ctx);
    size_t n = st_result_finding_count(from);
    bool oom = false;

    for (size_t i = 0; i < n && !oom; i++) {
        const st_finding *f = st_result_finding(from, i);
        st_finding *g = st_ctx_add_finding(ctx);
        const char **tags;
        if (!g)
            return ST_ENOMEM;
        g->kind = ST_FINDING_CONFIG;
        g->category = "image";
        g->origin = f->origin;
        g->id = keep(a, f->id, &oom);
        g->title = keep(a, f->title, &oom);
        g->severity = keep(a, f->severity, &oom);
        g->path = keep(a, f->path, &oom);
        g->detail = keep(a, f->detail, &oom);
        g->object = keep(a, f->object, &oom);
        g->remediation = keep(a, f->remediation, &oom);
        if (f->tag_count) {
            if (!(tags = st_arena_alloc(a, f->tag_count * sizeof(*tags))))
                return ST_ENOMEM;
            for (size_t t = 0; t < f->tag_count; t++)
                tags[t] = keep(a, f->tags[t], &oom);
            g->tags = tags;
            g->tag_count = f->tag_count;
        }
    }
    return oom ? ST_ENOMEM : 0;
}

/* ---- the analyzer
 * ------------------------------------------------------------ */

static int end(void *state, st_scan_ctx *ctx)
{
    const st_image_info *img = st_ctx_image(ctx);
    st_result *tmp = NULL;
    json_t *root = NULL;
    const json_t *cfg;
    st_error *err = NULL;
    ictx x = {NULL, 0};
    int rc = 0;

    (void)state;
    if (!img->config_json)
        return 0; /* a root filesystem has no config */
    if (st_json_load(&root, img->config_json, strlen(img->config_json),
                     "image config", NULL) < 0)
        return 0; /* the image module accepted it: nothing more here */
    if (!(tmp = st_result__new())) {
        rc = ST_ENOMEM;
        goto done;
    }
    if ((rc = st_cfg_ctx_new(&x.c, tmp, NULL, &err)) < 0) {
        char *msg = st_error_format(err);
        rc = st_ctx_fail(ctx, rc, "config checks: %s",
                         msg ? msg : st_strerror(rc));
        st_free(msg);
        goto done;
    }
    /* an image config without "config" still runs: as root, no check */
    cfg = st_json_obj(root, "config"); /* NULL: nothing set */
    check_user(&x, cfg);
    check_ports(&x, cfg);
    check_env(&x, cfg);
    check_healthcheck(&x, cfg);
    check_cmd(&x, cfg);
    if ((rc = x.rc) < 0 || (rc = st_cfg_ctx_finish(x.c)) < 0)
        goto done;
    rc = move_findings(ctx, tmp);
done:
    st_cfg_ctx_free(x.c);
    st_result_free(tmp);
    st_error_free(err);
    json_decref(root);
    return rc;
}

const st_analyzer_ops st_analyzer_imageconfig = {
    .name = NAME,
    .version = 1,
    .flags = 0,
    .wants = NULL, /* no files: the config only */
    .end = end,
    .scanner = ST_SCANNER_CONFIG,
};
