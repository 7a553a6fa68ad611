/* The Dockerfile kind of the configuration audit: finds Dockerfiles by
 * name, parses them (dockerfile_parse.c) and runs the checks of
 * policies/config/dockerfile.yaml, which are C (`code:`).
 *
 * Checks about what the image is (its USER, HEALTHCHECK, CMD, EXPOSE,
 * package caches) look at the final stage and the stages it is built
 * FROM; checks about how it is built (FROM, ADD, COPY --from, RUN's
 * commands, secrets) look at every stage. RUN is read as sh reads it
 * (dockerfile_sh.c): the commands of its shell form, of sh -c arguments
 * and of heredoc scripts, each after the wrappers that do not change what
 * runs (sudo, env, VAR=value, nice, …). Each check reports at most once per
 * instruction, naming what it saw first. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_int.h"
#include "config/dockerfile.h"
#include "config/envsecret.h"
#include "secrets/secrets.h"
#include "util/banned.h"

/* ---- the audit of one file ------------------------------------------------
 */

/* What the checks track per stage; a stage built FROM another starts with
 * its base's SHELL and ENV. */
typedef struct stage_state {
    bool final;                     /* in the final image */
    const char *object;             /* "stage build", "stage 1" */
    const struct st_df_insn *shell; /* the SHELL in force, or NULL */
    bool pip_no_cache;              /* ENV PIP_NO_CACHE_DIR true */
} stage_state;

typedef struct audit {
    st_cfg_ctx *c;
    const char *path;
    st_arena *a; /* the parse and scratch strings */
    const st_dockerfile *df;
    struct stage_state *stages; /* per stage */
    st_map *names;              /* stage name -> index + 1 of its first FROM */
    st_secret_scanner *scanner;
    bool rules_failed;
    int rc; /* ST_ENOMEM once out of memory */
} audit;

static int report(audit *au,
                  const char *id,
                  const st_df_insn *in,
                  unsigned line,
                  const char *fmt,
                  ...) ST_PRINTF(5, 6);
static int report(audit *au,
                  const char *id,
                  const st_df_insn *in,
                  unsigned line,
                  const char *fmt,
                  ...)
{
    st_cfg_where w = {au->path, line ? line : in->line,
                      line && line != in->line ? 0 : in->column, NULL};
    char detail[512];
    va_list ap;
    int rc;

    if (in->stage >= 0)
        w.object = au->stages[in->stage].object;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if ((rc = st_cfg_report(au->c, id, &w, "%s", detail)) < 0 && !au->rc)
        au->rc = rc;
    return rc;
}

/* The last path component. */
static const char *base_name(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

static bool starts_ci(const char *s, const char *prefix)
{
    return !strncasecmp(s, prefix, strlen(prefix));
}

static bool ends_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* ---- FROM ------------------------------------------------------------------
 */

static void check_from(audit *au, const st_df_stage *st)
{
    const st_df_insn *in = &au->df->insns[st->insn];
    const char *img = st->image, *slash, *colon, *at;

    if (st->base >= 0 || st->unresolved || !*img || !strcasecmp(img, "scratch"))
        return;
    at = strchr(img, '@');
    if (at)
        return; /* a digest names one image, tag or not */
    /* the tag is after the last '/': registry:5000/app has none */
    slash = strrchr(img, '/');
    colon = strrchr(slash ? slash : img, ':');
    report(au, "dockerfile-from-no-digest", in, 0, "FROM %s", img);
    if (!colon)
        report(au, "dockerfile-from-untagged", in, 0, "FROM %s", img);
    else if (!strcmp(colon + 1, "latest"))
        report(au, "dockerfile-from-latest", in, 0, "FROM %s", img);
}

/* ---- ADD, COPY, WORKDIR, EXPOSE
 * ---------------------------------------------- */

static bool is_url(const char *s)
{
    return starts_ci(s, "http://") || starts_ci(s, "https://") ||
           starts_ci(s, "ftp://") || starts_ci(s, "git://") ||
           starts_ci(s, "git@") || starts_ci(s, "ssh://");
}

/* What ADD unpacks: tar, optionally gzip, bzip2 or xz compressed. */
static bool is_archive(const char *s)
{
    static const char *const ext[] = {
        ".tar",    ".tar.gz", ".tgz",     ".tar.bz2", ".tbz2", ".tbz",
        ".tar.xz", ".txz",    ".tar.zst", ".tzst",    NULL,
    };
    for (const char *const *e = ext; *e; e++)
        if (ends_ci(s, *e))
            return true;
    return false;
}

static void check_add(audit *au, const st_df_insn *in)
{
    bool url = false, local = false;

    if (in->nargs < 2)
        return;
    for (size_t i = 0; i + 1 < in->nargs; i++) {
        const char *src = in->args[i];
        if (!strncmp(src, "<<", 2))
            continue; /* a heredoc: inline content */
        if (is_url(src)) {
            if (!url && !st_df_flagval(in, "checksum"))
                report(au, "dockerfile-add-url", in, 0, "ADD %s", src);
            url = true;
        } else if (!is_archive(src) && !local) {
            report(au, "dockerfile-add-local", in, 0, "ADD %s: use COPY", src);
            local = true;
        }
    }
}

static void check_copy_from(audit *au, const st_df_insn *in)
{
    const char *from = st_df_flagval(in, "from");
    int cur = in->stage;
    char *end;

    if (!from || !*from || cur < 0)
        return;
    if (isdigit((unsigned char)*from)) {
        unsigned long idx = strtoul(from, &end, 10);
        if (*end)
            goto name;
        if (idx == (unsigned long)cur)
            report(au, "dockerfile-copy-from-unknown", in, 0,
                   "--from=%s is this stage itself", from);
        else if (idx > (unsigned long)cur)
            report(au, "dockerfile-copy-from-unknown", in, 0,
                   "--from=%s: stage %s is not before this one", from, from);
        return;
    }
name : {
    char low[256];
    size_t n = strlen(from);
    void *hit;
    if (n < sizeof(low)) {
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)from[i]);
        if ((hit = st_map_get(au->names, low, n))) {
            int i = (int)((size_t)hit - 1);
            if (i < cur)
                return;
            report(au, "dockerfile-copy-from-unknown", in, 0,
                   i == cur ? "--from=%s is this stage itself"
                            : "--from=%s: that stage comes later",
                   from);
            return;
        }
    }
}
    /* an image reference is allowed: repo:tag, registry/repo, @digest */
    if (strpbrk(from, ":/@"))
        return;
    report(au, "dockerfile-copy-from-unknown", in, 0,
           "--from=%s: no stage of that name before this one (the builder "
           "pulls the image %s:latest)",
           from, from);
}

static void check_workdir(audit *au, const st_df_insn *in)
{
    const char *d;

    if (in->nargs != 1 || in->unresolved)
        return;
    d = in->args[0];
    if (*d == '/' || *d == '\\' ||
        (isalpha((unsigned char)d[0]) && d[1] == ':'))
        return; /* absolute, also C:\ on Windows */
    report(au, "dockerfile-workdir-relative", in, 0, "WORKDIR %s", d);
}

static void check_expose(audit *au, const st_df_insn *in)
{
    for (size_t i = 0; i < in->nargs; i++) {
        const char *p = in->args[i];
        char *e;
        unsigned long lo = strtoul(p, &e, 10), hi = lo;
        if (e == p)
            continue;
        if (*e == '-')
            hi = strtoul(e + 1, &e, 10);
        if (*e && *e != '/')
            continue;
        if (lo <= 22 && 22 <= hi) {
            report(au, "dockerfile-expose-ssh", in, 0, "EXPOSE %s", p);
            return;
        }
    }
}

/* ---- secrets in ENV and ARG ------------------------------------------------
 */

static int on_secret(void *payload, const st_secret_match *m)
{
    const st_secret_rule_info **hit = payload;
    *hit = m->rule;
    return 1; /* the first is enough */
}

/* Whether a value could hold what a secret rule finds: long enough, not a
 * path (PATH=/usr/local/bin:…), and with a digit or a URL's "://" (tokens
 * and keyed passwords have digits; credentials in URLs may not). Compiling
 * the rules is the expensive part of a Dockerfile's audit; most files
 * never need them. */
static bool worth_scanning(const char *v)
{
    return strlen(v) >= 8 && *v != '/' &&
           (strpbrk(v, "0123456789") || strstr(v, "://"));
}

/* The secret rule that "KEY=value" matches, or NULL. */
static const st_secret_rule_info *
rule_match(audit *au, const char *key, const char *value)
{
    const st_secret_rule_info *hit = NULL;
    char *line;

    if (!worth_scanning(value) || au->rules_failed)
        return NULL;
    if (!au->scanner) {
        /* the audit compiles the rules once; a scanner per file */
        const st_secret_rules *rules = st_cfg_secret_rules(au->c);
        if (!rules || !(au->scanner = st_secret_scanner_new(rules))) {
            au->rules_failed = true;
            return NULL;
        }
    }
    if (!(line = st_arena_printf(au->a, "%s=%s", key, value)))
        return NULL;
    if (st_secret_scan(au->scanner, NULL, line, strlen(line), on_secret,
                       &hit) == ST_ENOMEM)
        au->rc = ST_ENOMEM;
    return hit;
}

static void check_secrets(audit *au, const st_df_insn *in)
{
    bool env = in->cmd == ST_DF_ENV;

    for (size_t i = 0; i < in->npairs; i++) {
        const st_df_pair *p = &in->pairs[i];
        const st_secret_rule_info *hit;
        bool named = st_cfg__secret_name(p->key, strlen(p->key));
        if (env && named && p->raw &&
            (strchr(p->raw, '$') ||
             (*p->value && st_cfg__secret_literal(p->raw)))) {
            report(au, "dockerfile-env-secret", in, 0,
                   strchr(p->raw, '$')
                       ? "ENV %s keeps a build-time value in the image"
                       : "ENV %s has a literal value",
                   p->key);
            return;
        }
        if (!env && named) {
            report(au, "dockerfile-arg-secret", in, 0,
                   p->value && *p->value ? "ARG %s has a default value"
                                         : "ARG %s: its value is recorded "
                                           "in the image history",
                   p->key);
            return;
        }
        if (p->value && !p->unresolved &&
            (hit = rule_match(au, p->key, p->value))) {
            report(au, env ? "dockerfile-env-secret" : "dockerfile-arg-secret",
                   in, 0, "%s %s: %s", env ? "ENV" : "ARG", p->key, hit->title);
            return;
        }
    }
}

/* ---- RUN
 * --------------------------------------------------------------------- */

enum {
    R_CURL_SH = 1u << 0,
    R_SUDO = 1u << 1,
    R_APT_UNPINNED = 1u << 2,
    R_APT_RECOMMENDS = 1u << 3,
    R_APK_UNPINNED = 1u << 4,
    R_APK_CACHE = 1u << 5,
    R_PIP_CACHE = 1u << 6,
    R_UPGRADE = 1u << 7,
    R_CHMOD = 1u << 8,
    R_TLS = 1u << 9,
    R_UNSIGNED = 1u << 10,
};

typedef struct run {
    audit *au;
    const st_df_insn *in;
    bool final;        /* the stage is in the final image */
    bool pip_no_cache; /* ENV PIP_NO_CACHE_DIR in the stage */
    unsigned reported; /* R_* already reported for this RUN */
    /* what the whole RUN did, for the checks across its commands */
    unsigned apt_update_line, apk_add_line, rpm_line;
    bool apt_lists_removed, apk_cache_removed, rpm_cleaned;
    size_t commands, index_updates;
    unsigned downloaded; /* the line of a curl/wget earlier in the current
                            pipeline, 0 if none */
    /* cache mounts (RUN --mount=type=cache,target=…) */
    const char *mounts[8];
    size_t nmounts;
} run;

static void run_report(
    run *r, unsigned bit, const char *id, unsigned line, const char *fmt, ...)
    ST_PRINTF(5, 6);
static void run_report(
    run *r, unsigned bit, const char *id, unsigned line, const char *fmt, ...)
{
    char detail[400];
    va_list ap;

    if (r->reported & bit)
        return;
    r->reported |= bit;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    report(r->au, id, r->in, line, "%s", detail);
}

static bool cache_mount(const run *r, const char *prefix)
{
    for (size_t i = 0; i < r->nmounts; i++)
        if (st_str_startswith(r->mounts[i], prefix))
            return true;
    return false;
}

/* --mount=type=cache,target=/var/cache/apt,sharing=locked */
static void read_mounts(run *r)
{
    const st_df_insn *in = r->in;

    for (size_t i = 0; i < in->nflags && r->nmounts < 8; i++) {
        const char *v = in->flags[i].value, *t;
        bool cache;
        if (strcmp(in->flags[i].name, "mount") || !v)
            continue;
        cache = strstr(v, "type=cache") != NULL;
        t = strstr(v, "target=");
        if (!t && (t = strstr(v, "dst=")))
            t += 4;
        else if (!t && (t = strstr(v, "destination=")))
            t += 12;
        else if (t)
            t += 7;
        if (cache && t) {
            char *m = st_arena_strndup(r->au->a, t, strcspn(t, ","));
            if (m)
                r->mounts[r->nmounts++] = m;
        }
    }
}

static bool is_shell(const char *cmd)
{
    static const char *const shells[] = {"sh",  "bash", "dash", "ash",
                                         "zsh", "ksh",  "mksh", NULL};
    for (const char *const *s = shells; *s; s++)
        if (!strcmp(cmd, *s))
            return true;
    return false;
}

static bool is_interpreter(const char *cmd)
{
    static const char *const langs[] = {"python", "python2", "python3", "perl",
                                        "ruby",   "node",    "php",     NULL};
    if (is_shell(cmd))
        return true;
    for (const char *const *s = langs; *s; s++)
        if (!strcmp(cmd, *s) ||
            (st_str_startswith(cmd, *s) && cmd[strlen(*s)] == '.'))
            return true;
    return false;
}

static bool is_assignment(const char *w)
{
    const char *eq = strchr(w, '=');
    if (!eq || eq == w || !(isalpha((unsigned char)*w) || *w == '_'))
        return false;
    for (const char *p = w; p < eq; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

/* The index of the word that names the program really run: past
 * assignments and wrappers (sudo, env, nice, …). *sudo is set when sudo
 * was one of them. argc when none is left. */
static size_t effective(const st_sh_cmd *c, bool *sudo)
{
    size_t i = 0;

    while (i < c->argc) {
        const char *w = c->argv[i], *b = base_name(w);
        if (is_assignment(w)) {
            i++;
        } else if (!strcmp(b, "sudo") || !strcmp(b, "doas")) {
            *sudo = true;
            i++;
            while (i < c->argc && c->argv[i][0] == '-') {
                const char *o = c->argv[i++];
                if (!strcmp(o, "--"))
                    break;
                /* options that take a value */
                if (strlen(o) == 2 && strchr("ugCDhprtTU", o[1]))
                    i++;
            }
        } else if (!strcmp(b, "env")) {
            i++;
            while (i < c->argc &&
                   (c->argv[i][0] == '-' || is_assignment(c->argv[i]))) {
                const char *o = c->argv[i++];
                if (!strcmp(o, "-u") || !strcmp(o, "-C"))
                    i++;
            }
        } else if (!strcmp(b, "nice") || !strcmp(b, "ionice")) {
            i++;
            while (i < c->argc && c->argv[i][0] == '-') {
                const char *o = c->argv[i++];
                if (!strcmp(o, "-n") || !strcmp(o, "-c"))
                    i++;
            }
        } else if (!strcmp(b, "timeout")) {
            i++;
            while (i < c->argc && c->argv[i][0] == '-')
                i++;
            i++; /* the duration */
        } else if (!strcmp(b, "nohup") || !strcmp(b, "time") ||
                   !strcmp(b, "exec") || !strcmp(b, "command") ||
                   !strcmp(b, "eatmydata") || !strcmp(b, "xargs")) {
            i++;
            while (i < c->argc && c->argv[i][0] == '-')
                i++;
        } else if (!strcmp(b, "busybox") && i + 1 < c->argc) {
            i++;
        } else {
            break;
        }
    }
    return i < c->argc ? i : c->argc;
}

/* The first word after argv[i] that is not an option; options in `valued`
 * ("-o -t --target-release") take the next word as their value. */
static size_t subcommand(const st_sh_cmd *c, size_t i, const char *valued)
{
    for (i++; i < c->argc; i++) {
        const char *w = c->argv[i];
        if (w[0] != '-')
            return i;
        if (!strchr(w, '=')) {
            char key[48];
            snprintf(key, sizeof(key), " %s ", w);
            if (strstr(valued, key))
                i++;
        }
    }
    return c->argc;
}

static bool has_word(const st_sh_cmd *c, size_t from, const char *w)
{
    for (size_t i = from; i < c->argc; i++)
        if (!strcmp(c->argv[i], w))
            return true;
    return false;
}

static unsigned cmd_line(const run *r, const st_sh_cmd *c, unsigned base)
{
    return base ? base + c->line : r->in->line;
}

static void apt(run *r, const st_sh_cmd *c, size_t i, unsigned line)
{
    static const char valued[] = " -o -c -t --target-release --option "
                                 "--config-file ";
    size_t sub = subcommand(c, i, valued);
    const char *verb = sub < c->argc ? c->argv[sub] : "";
    bool recommends = true;
    const char *unpinned = NULL;

    if (!strcmp(verb, "update")) {
        if (!r->apt_update_line)
            r->apt_update_line = line;
        r->index_updates++;
        return;
    }
    if (!strcmp(verb, "upgrade") || !strcmp(verb, "dist-upgrade") ||
        !strcmp(verb, "full-upgrade")) {
        run_report(r, R_UPGRADE, "dockerfile-pkg-upgrade", line, "%s %s",
                   base_name(c->argv[i]), verb);
        return;
    }
    if (strcmp(verb, "install"))
        return;
    for (size_t k = i + 1; k < c->argc; k++) {
        const char *w = c->argv[k];
        if (!strcmp(w, "--no-install-recommends") ||
            (starts_ci(w, "APT::Install-Recommends=") &&
             (!strcasecmp(w + 24, "false") || !strcmp(w + 24, "0"))))
            recommends = false;
        if (k > sub && w[0] != '-' && !strchr(w, '=') && !ends_ci(w, ".deb") &&
            w[0] != '/' && w[0] != '.' && !unpinned &&
            strcmp(c->argv[k - 1], "-o") && strcmp(c->argv[k - 1], "-t"))
            unpinned = w;
    }
    if (recommends)
        run_report(r, R_APT_RECOMMENDS, "dockerfile-apt-recommends", line,
                   "%s install without --no-install-recommends",
                   base_name(c->argv[i]));
    if (unpinned)
        run_report(r, R_APT_UNPINNED, "dockerfile-apt-unpinned", line,
                   "%s install %s: no version", base_name(c->argv[i]),
                   unpinned);
}

static void apk(run *r, const st_sh_cmd *c, size_t i, unsigned line)
{
    static const char valued[] = " -X --repository -p --root --keys-dir "
                                 "--cache-dir --arch -t --virtual ";
    size_t sub = subcommand(c, i, valued);
    const char *verb = sub < c->argc ? c->argv[sub] : "";
    const char *unpinned = NULL;
    bool no_cache = has_word(c, i + 1, "--no-cache");

    if (!strcmp(verb, "update")) {
        r->index_updates++;
        return;
    }
    if (!strcmp(verb, "upgrade")) {
        run_report(r, R_UPGRADE, "dockerfile-pkg-upgrade", line, "apk upgrade");
        return;
    }
    if (strcmp(verb, "add"))
        return;
    for (size_t k = sub + 1; k < c->argc; k++) {
        const char *w = c->argv[k], *prev = c->argv[k - 1];
        if (w[0] == '-' || !strcmp(prev, "-t") || !strcmp(prev, "--virtual") ||
            !strcmp(prev, "-X") || !strcmp(prev, "--repository"))
            continue;
        if (!strpbrk(w, "=~<>") && !ends_ci(w, ".apk") && !unpinned)
            unpinned = w;
    }
    if (unpinned)
        run_report(r, R_APK_UNPINNED, "dockerfile-apk-unpinned", line,
                   "apk add %s: no version", unpinned);
    if (!no_cache && !cache_mount(r, "/var/cache/apk") && r->final &&
        !r->apk_add_line)
        r->apk_add_line = line;
}

static void rpm_tool(run *r, const st_sh_cmd *c, size_t i, unsigned line)
{
    static const char valued[] = " -c --config --installroot --releasever "
                                 "--enablerepo --disablerepo --setopt ";
    size_t sub = subcommand(c, i, valued);
    const char *verb = sub < c->argc ? c->argv[sub] : "";

    if (!strcmp(verb, "clean")) {
        if (sub + 1 < c->argc && !strcmp(c->argv[sub + 1], "all"))
            r->rpm_cleaned = true;
        return;
    }
    if (!strcmp(verb, "makecache") || !strcmp(verb, "check-update")) {
        r->index_updates++;
        return;
    }
    if ((!strcmp(verb, "update") || !strcmp(verb, "upgrade")) &&
        subcommand(c, sub, valued) >= c->argc)
        run_report(r, R_UPGRADE, "dockerfile-pkg-upgrade", line, "%s %s",
                   base_name(c->argv[i]), verb);
    if (!strcmp(verb, "install") || !strcmp(verb, "groupinstall") ||
        !strcmp(verb, "localinstall") || !strcmp(verb, "reinstall") ||
        !strcmp(verb, "update") || !strcmp(verb, "upgrade")) {
        if (!r->rpm_line)
            r->rpm_line = line;
    }
}

static void pip(run *r, const st_sh_cmd *c, size_t i, unsigned line)
{
    size_t sub = subcommand(c, i, " ");
    if (sub >= c->argc || strcmp(c->argv[sub], "install") ||
        has_word(c, i + 1, "--no-cache-dir") || r->pip_no_cache || !r->final ||
        cache_mount(r, "/root/.cache/pip") || cache_mount(r, "/root/.cache"))
        return;
    run_report(r, R_PIP_CACHE, "dockerfile-pip-cache", line,
               "pip install without --no-cache-dir");
}

/* A mode that gives others write permission: 777, 0666, o+w, a=rwx. */
static bool world_writable(const char *m)
{
    size_t n = strlen(m);
    bool digits = n >= 3 && n <= 4;

    for (size_t k = 0; k < n && digits; k++)
        digits = m[k] >= '0' && m[k] <= '7';
    /* the sticky bit (1777, as /tmp has it) makes a shared directory
     * where nobody removes another's files: the intended use */
    if (digits)
        return ((m[n - 1] - '0') & 2) && !(n == 4 && ((m[0] - '0') & 1));
    while (*m) {
        size_t len = strcspn(m, ",");
        bool others = false;
        const char *p = m, *end = m + len;
        while (p < end && strchr("ugoa", *p))
            others |= *p == 'o' || *p == 'a', p++;
        if (p < end && (*p == '+' || *p == '=') && others &&
            memchr(p, 'w', (size_t)(end - p)))
            return true;
        m = *end ? end + 1 : end;
    }
    return false;
}

static void chmod_cmd(run *r, const st_sh_cmd *c, size_t i, unsigned line)
{
    for (size_t k = i + 1; k < c->argc; k++) {
        const char *w = c->argv[k];
        if (w[0] == '-' && !strchr("rwxXst", w[1] ? w[1] : '?'))
            continue; /* -R, --recursive, … (not "-w") */
        if (world_writable(w))
            run_report(r, R_CHMOD, "dockerfile-chmod-world-writable", line,
                       "chmod %s", w);
        return; /* the mode is the first operand */
    }
}

/* -k in a cluster of short options (-fsSLk), or the long form. */
static bool short_or_long(const char *w, char letter, const char *longopt)
{
    if (!strcmp(w, longopt))
        return true;
    return w[0] == '-' && w[1] != '-' && w[1] && strchr(w + 1, letter);
}

/* Certificate checks turned off on the command line. */
static const char *tls_off(const st_sh_cmd *c, size_t i, const char *b)
{
    for (size_t k = i + 1; k < c->argc; k++) {
        const char *w = c->argv[k];
        if (!strcmp(b, "curl") && short_or_long(w, 'k', "--insecure"))
            return w;
        if (!strcmp(b, "wget") && !strcmp(w, "--no-check-certificate"))
            return w;
        if (st_str_startswith(b, "pip") &&
            st_str_startswith(w, "--trusted-host"))
            return w;
        if (!strcmp(b, "git") &&
            (!strcasecmp(w, "http.sslVerify=false") ||
             (!strcasecmp(w, "http.sslVerify") && k + 1 < c->argc &&
              !strcmp(c->argv[k + 1], "false"))))
            return w;
        if ((!strcmp(b, "npm") || !strcmp(b, "yarn")) &&
            !strcmp(w, "strict-ssl") && k + 1 < c->argc &&
            !strcmp(c->argv[k + 1], "false"))
            return w;
    }
    return NULL;
}

/* Package signatures not checked. */
static const char *unsigned_pkgs(const st_sh_cmd *c, size_t i, const char *b)
{
    bool apt = !strcmp(b, "apt-get") || !strcmp(b, "apt");
    bool rpmish = !strcmp(b, "yum") || !strcmp(b, "dnf") ||
                  !strcmp(b, "microdnf") || !strcmp(b, "tdnf");

    for (size_t k = i + 1; k < c->argc; k++) {
        const char *w = c->argv[k];
        if (!strcmp(b, "apk") && !strcmp(w, "--allow-untrusted"))
            return w;
        if (apt && (!strcmp(w, "--allow-unauthenticated") ||
                    !strcmp(w, "--allow-insecure-repositories") ||
                    !strcmp(w, "--force-yes") ||
                    !strcasecmp(w, "APT::Get::AllowUnauthenticated=true") ||
                    !strcasecmp(w, "APT::Get::AllowUnauthenticated=1")))
            return w;
        if (rpmish && (!strcmp(w, "--nogpgcheck") ||
                       !strcasecmp(w, "--setopt=gpgcheck=0") ||
                       !strcasecmp(w, "--setopt=gpgcheck=false")))
            return w;
        if (!strcmp(b, "rpm") &&
            (!strcmp(w, "--nosignature") || !strcmp(w, "--nodigest") ||
             !strcmp(w, "--noverify") || !strcmp(w, "--nofiledigest")))
            return w;
    }
    return NULL;
}

static bool downloads_into(const char *w)
{
    static const char *const pats[] = {"$(curl", "$(wget", "`curl", "`wget",
                                       "<(curl", "<(wget", NULL};
    for (const char *const *p = pats; *p; p++)
        if (strstr(w, *p))
            return true;
    return false;
}

static void
script(run *r, const char *text, size_t len, unsigned base, int depth);

/* sh -c 'script': the script's commands are checked too. */
static void
shell_c(run *r, const st_sh_cmd *c, size_t i, unsigned base, int depth)
{
    bool dash_c = false;

    for (size_t k = i + 1; k < c->argc; k++) {
        const char *w = c->argv[k];
        if (!strcmp(w, "-o") || !strcmp(w, "+o")) {
            k++;
        } else if (w[0] == '-' && w[1] != '-') {
            dash_c |= strchr(w, 'c') != NULL;
        } else if (w[0] != '-' && w[0] != '+') {
            if (dash_c && depth < ST_SH_MAX_DEPTH)
                script(r, w, strlen(w), base, depth + 1);
            return;
        }
    }
}

static void
command(run *r, const st_sh_cmd *c, bool piped_in, unsigned base, int depth)
{
    bool sudo = false;
    size_t i = effective(c, &sudo);
    unsigned line = cmd_line(r, c, base);
    const char *b, *w;

    r->commands++;
    if (sudo)
        run_report(r, R_SUDO, "dockerfile-sudo", line, "sudo %s",
                   i < c->argc ? c->argv[i] : "");
    if (i >= c->argc)
        return;
    b = base_name(c->argv[i]);
    if (is_interpreter(b)) {
        unsigned fetched = piped_in ? r->downloaded : 0;
        for (size_t k = i + 1; k < c->argc && !fetched; k++)
            if (downloads_into(c->argv[k]))
                fetched = line;
        if (fetched)
            run_report(r, R_CURL_SH, "dockerfile-curl-pipe-shell", fetched,
                       "a download is run by %s", b);
        if (is_shell(b))
            shell_c(r, c, i, base, depth);
        return;
    }
    if ((w = tls_off(c, i, b)))
        run_report(r, R_TLS, "dockerfile-tls-verify-off", line, "%s %s", b, w);
    if ((w = unsigned_pkgs(c, i, b)))
        run_report(r, R_UNSIGNED, "dockerfile-unsigned-packages", line, "%s %s",
                   b, w);
    if ((!strcmp(b, "curl") || !strcmp(b, "wget")) && !r->downloaded)
        r->downloaded = line;
    else if (!strcmp(b, "apt-get") || !strcmp(b, "apt") ||
             !strcmp(b, "aptitude"))
        apt(r, c, i, line);
    else if (!strcmp(b, "apk"))
        apk(r, c, i, line);
    else if (!strcmp(b, "yum") || !strcmp(b, "dnf") || !strcmp(b, "microdnf") ||
             !strcmp(b, "tdnf"))
        rpm_tool(r, c, i, line);
    else if (!strcmp(b, "pip") || !strcmp(b, "pip2") || !strcmp(b, "pip3") ||
             (st_str_startswith(b, "pip3.")))
        pip(r, c, i, line);
    else if (!strcmp(b, "chmod"))
        chmod_cmd(r, c, i, line);
    else if (!strcmp(b, "rm")) {
        for (size_t k = i + 1; k < c->argc; k++) {
            const char *a = c->argv[k];
            if (st_str_startswith(a, "/var/lib/apt/lists"))
                r->apt_lists_removed = true;
            if (st_str_startswith(a, "/var/cache/apk"))
                r->apk_cache_removed = true;
            if (st_str_startswith(a, "/var/cache/yum") ||
                st_str_startswith(a, "/var/cache/dnf"))
                r->rpm_cleaned = true;
        }
    }
}

/* python -m pip install: pip under another name. */
static bool python_pip(const st_sh_cmd *c, size_t i)
{
    const char *b = base_name(c->argv[i]);
    return (!strcmp(b, "python") || st_str_startswith(b, "python3") ||
            !strcmp(b, "python2")) &&
           i + 2 < c->argc && !strcmp(c->argv[i + 1], "-m") &&
           !strcmp(c->argv[i + 2], "pip");
}

static void
script(run *r, const char *text, size_t len, unsigned base, int depth)
{
    st_sh_cmd *cmds;
    size_t n;

    if (st_sh_split(&cmds, &n, r->au->a, text, len) < 0) {
        r->au->rc = ST_ENOMEM;
        return;
    }
    r->downloaded = 0;
    for (size_t k = 0; k < n; k++) {
        const st_sh_cmd *c = &cmds[k];
        bool piped_in = k && cmds[k - 1].sep == ST_SH_PIPE;
        bool sudo = false;
        size_t i;
        if (!piped_in)
            r->downloaded = 0;
        i = effective(c, &sudo);
        if (i < c->argc && python_pip(c, i)) {
            st_sh_cmd shifted = *c;
            shifted.argv = c->argv + i + 2;
            shifted.argc = c->argc - i - 2;
            pip(r, &shifted, 0, cmd_line(r, c, base));
            r->commands++;
            continue;
        }
        command(r, c, piped_in, base, depth);
    }
}

/* Whether a heredoc of this RUN is the script it runs: RUN <<EOF, or a
 * shell reading it (RUN bash <<EOF, RUN sh -e <<EOF). */
static bool heredoc_is_script(const st_df_insn *in)
{
    size_t i = 0;

    while (i < in->nargs && is_assignment(in->args[i]))
        i++;
    if (i >= in->nargs)
        return true;
    return !strncmp(in->args[i], "<<", 2) || is_shell(base_name(in->args[i]));
}

static void check_run(audit *au, const st_df_insn *in, const stage_state *st)
{
    run r;
    bool posix = true;

    memset(&r, 0, sizeof(r));
    r.au = au;
    r.in = in;
    r.final = st && st->final;
    r.pip_no_cache = st && st->pip_no_cache;
    read_mounts(&r);
    if (st && st->shell && st->shell->nargs)
        posix = is_shell(base_name(st->shell->args[0]));
    if (in->json) {
        /* one command, no shell: ["sh", "-c", "…"] is a shell again */
        st_sh_cmd c = {in->nargs, in->args, ST_SH_END, 0};
        if (in->nargs)
            command(&r, &c, false, 0, 0);
    } else if (posix) {
        script(&r, in->text, strlen(in->text), 0, 0);
    }
    for (size_t h = 0; h < in->nheredocs && posix && !in->json; h++)
        if (heredoc_is_script(in))
            script(&r, in->heredocs[h].body, in->heredocs[h].len,
                   in->heredocs[h].line, 0);
    /* across the RUN's commands */
    if (r.final && r.apt_update_line && !r.apt_lists_removed &&
        !cache_mount(&r, "/var/lib/apt"))
        report(au, "dockerfile-apt-lists", in, r.apt_update_line,
               "apt-get update, and /var/lib/apt/lists is not removed");
    if (r.apk_add_line && !r.apk_cache_removed)
        report(au, "dockerfile-apk-no-cache", in, r.apk_add_line,
               "apk add without --no-cache");
    if (r.final && r.rpm_line && !r.rpm_cleaned &&
        !cache_mount(&r, "/var/cache/yum") &&
        !cache_mount(&r, "/var/cache/dnf") &&
        !cache_mount(&r, "/var/cache/libdnf5"))
        report(au, "dockerfile-rpm-no-clean", in, r.rpm_line,
               "no yum/dnf clean all in this RUN");
    if (r.commands && r.index_updates == r.commands)
        report(au, "dockerfile-update-alone", in, 0,
               "this RUN only updates the package index");
}

/* ---- the final image: USER, HEALTHCHECK, CMD
 * --------------------------------- */

/* The last instruction of `cmd` in the final stage or the stages it is
 * built on (the nearest wins), or NULL. */
static const st_df_insn *effective_insn(const audit *au, st_df_cmd cmd)
{
    int s = (int)au->df->nstages - 1;

    while (s >= 0) {
        const st_df_stage *st = &au->df->stages[s];
        for (size_t k = st->insn + st->ninsns; k > st->insn; k--)
            if (au->df->insns[k - 1].cmd == cmd)
                return &au->df->insns[k - 1];
        s = st->base;
    }
    return NULL;
}

static bool root_user(const char *u)
{
    size_t n = strcspn(u, ":");
    return (n == 4 && !strncmp(u, "root", 4)) || (n == 1 && u[0] == '0');
}

static void check_final(audit *au)
{
    const st_dockerfile *df = au->df;
    const st_df_insn *user, *hc, *cmd, *ep;

    if (!df->nstages)
        return;
    user = effective_insn(au, ST_DF_USER);
    if (!user)
        report(au, "dockerfile-user-missing",
               &df->insns[df->stages[df->nstages - 1].insn], 0,
               "no USER: the container runs as the base image's user");
    else if (user->nargs == 1 && !user->unresolved && root_user(user->args[0]))
        report(au, "dockerfile-user-root", user, 0, "USER %s", user->args[0]);
    hc = effective_insn(au, ST_DF_HEALTHCHECK);
    if (!hc)
        report(au, "dockerfile-no-healthcheck",
               &df->insns[df->stages[df->nstages - 1].insn], 0,
               "no HEALTHCHECK");
    else if (hc->nargs && !strcasecmp(hc->args[0], "NONE"))
        report(au, "dockerfile-no-healthcheck", hc, 0,
               "HEALTHCHECK NONE turns the base image's check off");
    cmd = effective_insn(au, ST_DF_CMD);
    ep = effective_insn(au, ST_DF_ENTRYPOINT);
    if (ep && !ep->json && ep->nargs)
        report(au, "dockerfile-shell-form-cmd", ep, 0,
               "ENTRYPOINT in shell form");
    else if (cmd && !cmd->json && cmd->nargs && !ep)
        report(au, "dockerfile-shell-form-cmd", cmd, 0, "CMD in shell form");
}

/* ---- the kind ------------------------------------------------------------ */

static bool env_truthy(const char *v)
{
    return v && *v && strcasecmp(v, "false") && strcasecmp(v, "0") &&
           strcasecmp(v, "no") && strcasecmp(v, "off");
}

/* Variables that turn certificate checks off for a whole image. */
static void check_tls_env(audit *au, const st_df_insn *in)
{
    static const struct {
        const char *name, *off; /* off: the value that turns it off, or
                                   NULL for any value */
    } vars[] = {
        {"NODE_TLS_REJECT_UNAUTHORIZED", "0"},
        {"PYTHONHTTPSVERIFY", "0"},
        {"NPM_CONFIG_STRICT_SSL", "false"},
        {"GIT_SSL_NO_VERIFY", NULL},
        {"PIP_TRUSTED_HOST", NULL},
        {"CURL_CA_BUNDLE", ""},
    };
    for (size_t i = 0; i < in->npairs; i++) {
        const st_df_pair *p = &in->pairs[i];
        for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++) {
            if (strcmp(p->key, vars[v].name) || !p->value || p->unresolved)
                continue;
            if (vars[v].off ? strcasecmp(p->value, vars[v].off) : !*p->value)
                continue;
            report(au, "dockerfile-tls-verify-off", in, 0, "ENV %s=%s", p->key,
                   p->value);
            return;
        }
    }
}

static void check_insn(audit *au, const st_df_insn *in)
{
    stage_state *st = in->stage >= 0 ? &au->stages[in->stage] : NULL;
    bool final = st && st->final;

    switch (in->cmd) {
    case ST_DF_ADD:
        check_add(au, in);
        break;
    case ST_DF_COPY:
        check_copy_from(au, in);
        break;
    case ST_DF_WORKDIR:
        check_workdir(au, in);
        break;
    case ST_DF_EXPOSE:
        if (final)
            check_expose(au, in);
        break;
    case ST_DF_ENV:
        for (size_t i = 0; i < in->npairs && st; i++)
            if (!strcmp(in->pairs[i].key, "PIP_NO_CACHE_DIR"))
                st->pip_no_cache = env_truthy(in->pairs[i].value);
        check_secrets(au, in);
        check_tls_env(au, in);
        break;
    case ST_DF_ARG:
        check_secrets(au, in);
        break;
    case ST_DF_MAINTAINER:
        report(au, "dockerfile-maintainer", in, 0, "MAINTAINER %s", in->text);
        break;
    case ST_DF_RUN:
        check_run(au, in, st);
        break;
    case ST_DF_ONBUILD:
        if (in->sub)
            check_insn(au, in->sub);
        break;
    case ST_DF_SHELL:
        if (in->json && st)
            st->shell = in;
        break;
    case ST_DF_FROM:
    case ST_DF_UNKNOWN:
    case ST_DF_CMD:
    case ST_DF_ENTRYPOINT:
    case ST_DF_HEALTHCHECK:
    case ST_DF_LABEL:
    case ST_DF_STOPSIGNAL:
    case ST_DF_USER:
    case ST_DF_VOLUME:
        break;
    }
}

static int run_checks(audit *au)
{
    const st_dockerfile *df = au->df;
    int prev_stage = -2;

    if (df->nstages && !(au->stages = st_arena_alloc(
                             au->a, df->nstages * sizeof(*au->stages))))
        return ST_ENOMEM;
    if (!(au->names = st_map_new()))
        return ST_ENOMEM;
    for (int s = (int)df->nstages - 1; s >= 0 && !au->stages[s].final;
         s = df->stages[s].base)
        au->stages[s].final = true;
    for (size_t s = 0; s < df->nstages; s++) {
        const char *name = df->stages[s].name;
        void **slot;
        bool created;
        au->stages[s].object = name ? st_arena_printf(au->a, "stage %s", name)
                                    : st_arena_printf(au->a, "stage %zu", s);
        if (!au->stages[s].object ||
            (name &&
             st_map_slot(au->names, name, strlen(name), &slot, &created) < 0))
            return ST_ENOMEM;
        if (name && created)
            *slot = (void *)(s + 1);
        check_from(au, &df->stages[s]);
    }
    for (size_t k = 0; k < df->ninsns && !au->rc; k++) {
        const st_df_insn *in = &df->insns[k];
        if (in->stage != prev_stage && in->stage >= 0) {
            /* a stage built on an earlier one keeps its SHELL and ENV */
            int base = df->stages[in->stage].base;
            if (base >= 0) {
                au->stages[in->stage].shell = au->stages[base].shell;
                au->stages[in->stage].pip_no_cache =
                    au->stages[base].pip_no_cache;
            }
        }
        prev_stage = in->stage;
        check_insn(au, in);
    }
    if (!au->rc)
        check_final(au);
    return au->rc;
}

static bool detect(const char *path, const char *head, size_t len)
{
    const char *b = base_name(path);

    if (memchr(head, 0, len) || ends_ci(b, ".dockerignore") ||
        ends_ci(b, ".md"))
        return false;
    return !strcasecmp(b, "Dockerfile") || !strcasecmp(b, "Containerfile") ||
           starts_ci(b, "Dockerfile.") || starts_ci(b, "Containerfile.") ||
           (ends_ci(b, ".Dockerfile") && strlen(b) > 11) ||
           (ends_ci(b, ".Containerfile") && strlen(b) > 14);
}

static int
audit_file(st_cfg_ctx *c, const char *path, const char *data, size_t len)
{
    audit au;
    st_dockerfile *df = NULL;
    st_error *err = NULL;
    int rc;

    memset(&au, 0, sizeof(au));
    au.c = c;
    au.path = path;
    if (!(au.a = st_arena_new()))
        return ST_ENOMEM;
    rc = st_df_parse(&df, au.a, data, len, &err);
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0) {
        st_cfg_diag(c, path, 0, "%s", st_error_message(err));
        rc = 0;
        goto done;
    }
    for (size_t i = 0; i < df->ndiags; i++)
        st_cfg_diag(c, path, df->diags[i].line, "%s", df->diags[i].msg);
    au.df = df;
    rc = run_checks(&au);
done:
    st_error_free(err);
    st_secret_scanner_free(au.scanner);
    st_map_free(au.names);
    st_arena_free(au.a);
    return rc;
}

const st_cfg_kind st_cfg_kind_dockerfile = {"dockerfile", detect, audit_file};
