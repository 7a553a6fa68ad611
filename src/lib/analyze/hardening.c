/* hardening: what the running container will have that an attacker can
 * use — setuid/setgid and world-writable files, extra uid-0 accounts and
 * empty passwords, private keys baked into the image, ELF programs built
 * without exploit mitigations, package-manager caches left behind. Every
 * check, its id, severity and fix is in docs/hardening.md.
 *
 * Visible files only. Which entries cost what:
 *   - every file and directory: its mode (a stat in a rootfs walk);
 *   - etc/passwd, etc/shadow: read whole;
 *   - executables under bin/, sbin/, usr/bin/, usr/sbin/ and executables
 *     and shared objects under the application directories (app/, opt/,
 *     srv/, usr/local/): the first 64 KiB sniffed, the whole read (up to
 *     128 MiB) when it is an ELF program or library;
 *   - other regular files of 64 bytes to 64 KiB, save compressed, media
 *     and compiled files and usr/share's man pages, locales and docs: the
 *     content sniffed for a private key;
 *   - the rest (setuid, world-writable, host keys by name, caches): the
 *     attributes only.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "elf.h"
#include "elf_sec.h"
#include "hardening.h"
#include "util/banned.h"

#define NAME        "hardening"
#define MAX_CONTENT (128u << 20)
#define KEY_MIN     64u            /* the shortest PEM private key is longer */
#define KEY_MAX     ST_SNIFF_BYTES /* a key file is read by its sniff alone */
/* `file` sees every wanted entry (ST_AN_EVERY), with content only where
 * the sniff asks for it: setuid files, caches and host keys are judged by
 * mode and name without being read. */

/* ---- paths ------------------------------------------------------------ */

/* The length of the home directory `path` lies in ("root", "home/NAME"),
 * 0 when none. */
static size_t home_len(const char *path)
{
    const char *slash;
    if (st_str_startswith(path, "root/"))
        return 4;
    if (!st_str_startswith(path, "home/") || !(slash = strchr(path + 5, '/')) ||
        slash == path + 5)
        return 0;
    return (size_t)(slash - path);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Directories where the OS keeps its programs. */
static bool bin_dir(const char *path)
{
    return st_str_startswith(path, "bin/") ||
           st_str_startswith(path, "sbin/") ||
           st_str_startswith(path, "usr/bin/") ||
           st_str_startswith(path, "usr/sbin/");
}

/* Directories where an image's own application usually lives. */
static bool app_dir(const char *path)
{
    return st_str_startswith(path, "app/") || st_str_startswith(path, "opt/") ||
           st_str_startswith(path, "srv/") ||
           st_str_startswith(path, "usr/local/");
}

static bool shared_object_name(const char *path)
{
    const char *b = base_name(path);
    return st_str_endswith(b, ".so") || strstr(b, ".so.") != NULL;
}

/* Is the path and mode of an ELF program or library worth a checksec
 * look? */
static bool elf_place(const st_entry *e)
{
    if ((e->mode & 0111) && (bin_dir(e->path) || app_dir(e->path)))
        return true;
    return app_dir(e->path) && shared_object_name(e->path);
}

static bool elf_candidate(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && e->size >= 64 && elf_place(e);
}

/* A layer's hard link to such a file: it shares its target's finding. */
static bool elf_link(const st_entry *e)
{
    return e->type == ST_ENTRY_HARDLINK && e->link && elf_place(e);
}

static bool account_file(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE &&
           (!strcmp(e->path, "etc/passwd") || !strcmp(e->path, "etc/shadow"));
}

/* etc/ssh/ssh_host_*_key: a host's private key, by name. */
static bool ssh_host_key(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && e->size > 0 &&
           st_str_startswith(e->path, "etc/ssh/ssh_host_") &&
           !strchr(e->path + 17, '/') && st_str_endswith(e->path, "_key");
}

/* ~/.ssh/id_*: a user's private key, by name. */
static bool ssh_user_key(const st_entry *e)
{
    static const char *const names[] = {
        "id_rsa",      "id_dsa",        "id_ecdsa", "id_ed25519",
        "id_ecdsa_sk", "id_ed25519_sk", "identity",
    };
    size_t h = home_len(e->path);
    if (e->type != ST_ENTRY_FILE || !e->size || !h ||
        strncmp(e->path + h, "/.ssh/", 6) != 0)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(e->path + h + 6, names[i]))
            return true;
    return false;
}

/* Files whose content is sniffed for a private key: small regular files
 * that are not compressed, media, compiled or documentation. */
static bool key_candidate(const st_entry *e)
{
    static const char *const skip_dirs[] = {
        "usr/share/man/",   "usr/share/locale/",   "usr/share/zoneinfo/",
        "usr/share/i18n/",  "usr/share/info/",     "usr/share/icons/",
        "usr/share/fonts/", "usr/share/terminfo/", "usr/share/mime/",
        "usr/share/doc/",
    };
    static const char *const skip_ext[] = {
        "a",    "apk",  "bz2",  "deb",   "gif", "gz",  "ico",
        "jar",  "jpeg", "jpg",  "lz4",   "mo",  "o",   "pdf",
        "png",  "pyc",  "pyo",  "rpm",   "so",  "ttf", "otf",
        "webp", "whl",  "woff", "woff2", "xz",  "zip", "zst",
    };
    const char *b, *dot;
    if (e->type != ST_ENTRY_FILE || e->size < KEY_MIN || e->size > KEY_MAX)
        return false;
    for (size_t i = 0; i < sizeof(skip_dirs) / sizeof(skip_dirs[0]); i++)
        if (st_str_startswith(e->path, skip_dirs[i]))
            return false;
    b = base_name(e->path);
    if (strstr(b, ".so."))
        return false;
    if ((dot = strrchr(b, '.')))
        for (size_t i = 0; i < sizeof(skip_ext) / sizeof(skip_ext[0]); i++)
            if (!strcmp(dot + 1, skip_ext[i]))
                return false;
    return true;
}

/* ---- package-manager caches ------------------------------------------- */

/* A cache directory, below the root or below a home ("~/" in `dir`). */
struct cache {
    const char *dir; /* with its trailing '/' */
    const char *what;
};

static const struct cache caches[] = {
    {"var/cache/apt/", "apt package archives and package cache"},
    {"var/lib/apt/lists/", "apt package lists"},
    {"var/cache/apk/", "apk package cache"},
    {"var/cache/yum/", "yum cache"},
    {"var/cache/dnf/", "dnf cache"},
    {"var/cache/zypp/", "zypper cache"},
    {"usr/local/share/.cache/yarn/", "yarn cache"},
    {"~/.cache/pip/", "pip cache"},
    {"~/.npm/_cacache/", "npm cache"},
    {"~/.cache/go-build/", "Go build cache"},
    {"~/.cache/yarn/", "yarn cache"},
};

/* The cache a file belongs to: its kind, and *dir_len the length of the
 * cache directory's path (without the '/'). NULL when none. */
static const struct cache *cache_of(const st_entry *e, size_t *dir_len)
{
    size_t h = home_len(e->path);
    if (e->type != ST_ENTRY_FILE)
        return NULL;
    for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
        const struct cache *c = &caches[i];
        const char *rest;
        size_t n;
        if (c->dir[0] == '~') {
            if (!h || strncmp(e->path + h, c->dir + 1, strlen(c->dir + 1)))
                continue;
            n = h + strlen(c->dir + 1);
        } else {
            n = strlen(c->dir);
            if (strncmp(e->path, c->dir, n))
                continue;
        }
        rest = e->path + n;
        if (i == 0) {
            /* downloaded .deb files and pkgcache.bin/srcpkgcache.bin */
            if (!st_str_endswith(rest, ".deb") &&
                (strchr(rest, '/') || !st_str_endswith(rest, ".bin")))
                return NULL;
        } else if (i == 1) {
            /* apt's lock and unfinished downloads */
            if (!strcmp(rest, "lock") || st_str_startswith(rest, "partial/"))
                return NULL;
        }
        *dir_len = n - 1;
        return c;
    }
    return NULL;
}

/* ---- setuid and setgid ------------------------------------------------ */

/* Programs distributions install setuid or setgid on purpose, in bin/,
 * sbin/, usr/bin/ or usr/sbin/. */
static const char *const expected_names[] = {
    "at",
    "bbsuid",
    "bsd-write",
    "chage",
    "chfn",
    "chsh",
    "crontab",
    "dotlockfile",
    "exim4",
    "expiry",
    "fusermount",
    "fusermount3",
    "gpasswd",
    "grub2-set-bootflag",
    "ksu",
    "locate",
    "lockfile",
    "mail-lock",
    "mail-touchlock",
    "mail-unlock",
    "mlocate",
    "mount",
    "mount.cifs",
    "mount.nfs",
    "mutt_dotlock",
    "newgidmap",
    "newgrp",
    "newuidmap",
    "pam_timestamp_check",
    "passwd",
    "pkexec",
    "ping",
    "ping6",
    "plocate",
    "postdrop",
    "postqueue",
    "pppd",
    "screen",
    "ssh-agent",
    "staprun",
    "su",
    "sudo",
    "traceroute6.iputils",
    "umount",
    "unix2_chkpwd",
    "unix_chkpwd",
    "userhelper",
    "usernetctl",
    "wall",
    "write",
};

/* Helpers of system services, by path ('*' one directory: the
 * multiarch triplet). */
static const char *const expected_paths[] = {
    "usr/lib/chromium/chrome-sandbox",
    "usr/lib/dbus-1.0/dbus-daemon-launch-helper",
    "usr/lib/eject/dmcrypt-get-device",
    "usr/lib/openssh/ssh-keysign",
    "usr/lib/policykit-1/polkit-agent-helper-1",
    "usr/lib/polkit-1/polkit-agent-helper-1",
    "usr/lib/snapd/snap-confine",
    "usr/lib/ssh/ssh-keysign",
    "usr/lib/utempter/utempter",
    "usr/lib/*/utempter/utempter",
    "usr/lib/xorg/Xorg.wrap",
    "usr/libexec/dbus-1/dbus-daemon-launch-helper",
    "usr/libexec/dbus-daemon-launch-helper",
    "usr/libexec/openssh/ssh-keysign",
    "usr/libexec/polkit-agent-helper-1",
    "usr/libexec/utempter/utempter",
};

static bool setuid_expected(const char *path)
{
    const char *b = base_name(path);
    size_t dir = (size_t)(b - path);
    if ((dir == 4 && !strncmp(path, "bin/", 4)) ||
        (dir == 5 && !strncmp(path, "sbin/", 5)) ||
        (dir == 8 && !strncmp(path, "usr/bin/", 8)) ||
        (dir == 9 && !strncmp(path, "usr/sbin/", 9)))
        for (size_t i = 0; i < sizeof(expected_names) / sizeof(char *); i++)
            if (!strcmp(b, expected_names[i]))
                return true;
    for (size_t i = 0; i < sizeof(expected_paths) / sizeof(char *); i++)
        if (!fnmatch(expected_paths[i], path, FNM_PATHNAME))
            return true;
    return false;
}

/* ---- state -------------------------------------------------------------- */

struct cache_total {
    const struct cache *kind;
    uint64_t files, bytes;
    int layer; /* the uppermost layer with a file in it */
};

/* An account of etc/passwd, for the severity of an empty shadow entry. */
struct account {
    int64_t uid; /* -1: unreadable */
    bool login;  /* its shell is not nologin/false */
};

/* A hard link to an ELF file, judged at the end by its target. */
struct link {
    const char *path, *target;
    int layer;
};

struct state {
    st_map *caches;   /* cache directory -> struct cache_total */
    st_map *accounts; /* name -> struct account (arena) */
    st_vec empty;     /* names with an empty etc/shadow password */
    int shadow_layer;
    st_map *elf;  /* ELF path -> its finding's detail ("" for none) */
    st_vec links; /* struct link (arena) */
};

static int begin(void **out, st_scan_ctx *ctx)
{
    struct state *s = st_calloc(1, sizeof(*s));
    (void)ctx;
    *out = s;
    if (!s || !(s->caches = st_map_new()) || !(s->accounts = st_map_new()) ||
        !(s->elf = st_map_new()))
        return ST_ENOMEM;
    return 0;
}

static void release(void *state)
{
    struct state *s = state;
    if (!s)
        return;
    st_map_free(s->caches);
    st_map_free(s->accounts);
    st_map_free(s->elf);
    st_vec_release(&s->empty);
    st_vec_release(&s->links);
    st_free(s);
}

/* ---- findings ------------------------------------------------------------ */

/* Adds a finding; `detail` lives in the scan's arena. */
static int add(st_scan_ctx *ctx,
               const st_entry *e,
               const char *id,
               const char *category,
               const char *severity,
               const char *title,
               const char *detail)
{
    st_finding *f = st_ctx_add_finding(ctx);
    if (!f)
        return ST_ENOMEM;
    st_ctx_finding_at(ctx, f, e);
    if (!f->path)
        return ST_ENOMEM;
    f->kind = ST_FINDING_HARDENING;
    f->id = id;
    f->category = category;
    f->severity = severity;
    f->title = title;
    f->detail = detail;
    return 0;
}

/* Adds a finding whose detail is printf-formatted. */
static int report(st_scan_ctx *ctx,
                  const st_entry *e,
                  const char *id,
                  const char *category,
                  const char *severity,
                  const char *title,
                  const char *fmt,
                  ...) ST_PRINTF(7, 8);

static int report(st_scan_ctx *ctx,
                  const st_entry *e,
                  const char *id,
                  const char *category,
                  const char *severity,
                  const char *title,
                  const char *fmt,
                  ...)
{
    char detail[512];
    const char *copy;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (!(copy = st_arena_strdup(st_ctx_arena(ctx), detail)))
        return ST_ENOMEM;
    return add(ctx, e, id, category, severity, title, copy);
}

/* ---- permissions -----------------------------------------------------------
 */

static const char *owner(uint32_t mode)
{
    return mode & 04000 ? "owner" : "group";
}

static int check_mode(st_scan_ctx *ctx, const st_entry *e)
{
    uint32_t m = e->mode & 07777;
    bool ww = (m & 0002) != 0;

    if (e->type == ST_ENTRY_DIR) {
        if (!ww || (m & 01000))
            return 0;
        return report(ctx, e, "world-writable-dir", "permissions", "MEDIUM",
                      "World-writable directory without the sticky bit",
                      "mode %04o, owner uid %lld: anyone can delete or "
                      "replace the files in it",
                      (unsigned)m, (long long)e->uid);
    }
    if (m & 06000) {
        const char *bits = (m & 06000) == 06000 ? "setuid and setgid"
                           : (m & 04000)        ? "setuid"
                                                : "setgid";
        bool root = (m & 04000) ? e->uid == 0 : e->gid == 0;
        if (ww)
            return report(ctx, e, "setuid-writable", "permissions",
                          (m & 04000) && e->uid == 0 ? "CRITICAL" : "HIGH",
                          "World-writable setuid/setgid file",
                          "%s, mode %04o, uid %lld, gid %lld: anyone can "
                          "replace a program that runs with its %s's "
                          "rights",
                          bits, (unsigned)m, (long long)e->uid,
                          (long long)e->gid, owner(m));
        if (setuid_expected(e->path))
            return report(ctx, e, "setuid-expected", "permissions", "LOW",
                          "Setuid/setgid file (expected)",
                          "%s, mode %04o, uid %lld, gid %lld: a program "
                          "distributions install %s",
                          bits, (unsigned)m, (long long)e->uid,
                          (long long)e->gid, bits);
        return report(ctx, e, "setuid-unexpected", "permissions",
                      (m & 04000) && e->uid == 0 ? "HIGH" : "MEDIUM",
                      "Unexpected setuid/setgid file",
                      "%s, mode %04o, uid %lld, gid %lld: runs with its "
                      "%s's rights%s",
                      bits, (unsigned)m, (long long)e->uid, (long long)e->gid,
                      owner(m), root ? " (root)" : "");
    }
    if (ww)
        return report(ctx, e, "world-writable-file", "permissions", "MEDIUM",
                      "World-writable file",
                      "mode %04o, owner uid %lld: anyone in the container "
                      "can change it",
                      (unsigned)m, (long long)e->uid);
    return 0;
}

/* ---- accounts ---------------------------------------------------------- */

struct field {
    const char *p;
    size_t n;
};

/* Splits a line at ':' into at most `max` fields; the count. */
static size_t split(const char *line, size_t len, struct field *f, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < max; i++)
        if (i == len || line[i] == ':') {
            f[n].p = line + start;
            f[n].n = i - start;
            n++;
            start = i + 1;
        }
    return n;
}

static bool field_is(const struct field *f, const char *s)
{
    return f->n == strlen(s) && !memcmp(f->p, s, f->n);
}

/* A decimal uid, -1 when it is not one. */
static int64_t parse_uid(const struct field *f)
{
    int64_t v = 0;
    if (!f->n || f->n > 10)
        return -1;
    for (size_t i = 0; i < f->n; i++) {
        if (f->p[i] < '0' || f->p[i] > '9')
            return -1;
        v = v * 10 + (f->p[i] - '0');
    }
    return v;
}

/* Can the account log in: its shell is not nologin or false (an empty
 * shell field means /bin/sh). */
static bool login_shell(const struct field *shell)
{
    static const char *const no[] = {"nologin", "false"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        size_t k = strlen(no[i]);
        if (shell->n >= k && !memcmp(shell->p + shell->n - k, no[i], k) &&
            (shell->n == k || shell->p[shell->n - k - 1] == '/'))
            return false;
    }
    return true;
}

/* Names are printed at most this long. */
#define NAME_MAX_SHOWN 64
#define SHOWN(f)                                                               \
    (int)((f)->n < NAME_MAX_SHOWN ? (f)->n : NAME_MAX_SHOWN), (f)->p

static const char *empty_severity(int64_t uid, bool login)
{
    return uid == 0 ? "CRITICAL" : login ? "HIGH" : "MEDIUM";
}

/* The next line of [*p, end) without its end of line; advances *p.
 * False at the end. */
static bool
next_line(const char **p, const char *end, const char **line, size_t *n)
{
    const char *nl;
    if (*p >= end)
        return false;
    nl = memchr(*p, '\n', (size_t)(end - *p));
    *line = *p;
    *n = (size_t)((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : end;
    if (*n && (*line)[*n - 1] == '\r')
        (*n)--;
    return true;
}

static int check_passwd(struct state *s,
                        st_scan_ctx *ctx,
                        const st_entry *e,
                        const char *data,
                        size_t len)
{
    st_arena *a = st_ctx_arena(ctx);
    const char *p = data, *line;
    size_t n;
    int rc = 0;

    while (next_line(&p, data + len, &line, &n)) {
        struct field f[7];
        struct account *acct;
        void **slot;
        size_t nf;
        int64_t uid;
        bool login;

        /* NIS "+"/"-" lines name no account of their own */
        if (!n || line[0] == '#' || line[0] == '+' || line[0] == '-' ||
            (nf = split(line, n, f, 7)) < 4 || !f[0].n)
            continue;
        uid = parse_uid(&f[2]);
        login = nf < 7 || login_shell(&f[6]);
        if (uid == 0 && !field_is(&f[0], "root") &&
            (rc = report(ctx, e, "uid0-account", "accounts", "HIGH",
                         "Account other than root with uid 0",
                         "account '%.*s' has uid 0: root's rights under "
                         "another name",
                         SHOWN(&f[0]))) < 0)
            return rc;
        if (!f[1].n) {
            rc = report(
                ctx, e, "empty-password", "accounts",
                empty_severity(uid, login), "Account with an empty password",
                "account '%.*s' (uid %lld%s) has an empty password "
                "field in etc/passwd: it needs no password",
                SHOWN(&f[0]), (long long)uid, login ? "" : ", no login shell");
        } else if (!field_is(&f[1], "x") && f[1].p[0] != '*' &&
                   f[1].p[0] != '!') {
            rc = report(ctx, e, "passwd-hash", "accounts", "MEDIUM",
                        "Password hash in /etc/passwd",
                        "account '%.*s' keeps its password hash in the "
                        "world-readable etc/passwd instead of etc/shadow",
                        SHOWN(&f[0]));
        }
        if (rc < 0)
            return rc;
        if ((rc = st_map_slot(s->accounts, f[0].p, f[0].n, &slot, NULL)) < 0)
            return rc;
        if (!*slot && !(*slot = st_arena_alloc(a, sizeof(*acct))))
            return ST_ENOMEM;
        acct = *slot;
        acct->uid = uid;
        acct->login = login;
    }
    return 0;
}

static int check_shadow(struct state *s,
                        st_scan_ctx *ctx,
                        const st_entry *e,
                        const char *data,
                        size_t len)
{
    st_arena *a = st_ctx_arena(ctx);
    const char *p = data, *line;
    size_t n;

    s->shadow_layer = e->layer;
    while (next_line(&p, data + len, &line, &n)) {
        struct field f[2];
        char *name;
        if (!n || line[0] == '#' || split(line, n, f, 2) < 2 || !f[0].n ||
            f[1].n)
            continue;
        if (!(name = st_arena_strndup(a, f[0].p, f[0].n)) ||
            st_vec_push(&s->empty, name) < 0)
            return ST_ENOMEM;
    }
    return 0;
}

/* The empty shadow passwords, rated with what etc/passwd says of them. */
static int report_shadow(struct state *s, st_scan_ctx *ctx)
{
    st_entry e;
    int rc;

    memset(&e, 0, sizeof(e));
    e.path = "etc/shadow";
    e.path_len = strlen(e.path);
    e.layer = s->shadow_layer;
    e.visible = true;
    for (size_t i = 0; i < s->empty.len; i++) {
        const char *name = s->empty.items[i];
        struct field f = {name, strlen(name)};
        const struct account *acct =
            st_map_get(s->accounts, name, strlen(name));
        char who[64];
        if (acct)
            snprintf(who, sizeof(who), "uid %lld%s", (long long)acct->uid,
                     acct->login ? "" : ", no login shell");
        else
            snprintf(who, sizeof(who), "not in etc/passwd");
        if ((rc = report(ctx, &e, "empty-password", "accounts",
                         acct ? empty_severity(acct->uid, acct->login) : "HIGH",
                         "Account with an empty password",
                         "account '%.*s' (%s) has an empty password in "
                         "etc/shadow: it needs no password",
                         SHOWN(&f), who)) < 0)
            return rc;
    }
    return 0;
}

/* ---- private keys ------------------------------------------------------- */

/* Is a directory of the path one that packages keep test data or
 * examples in (the throwaway keys of a library's test suite)? */
static bool test_dir(const char *path)
{
    static const char *const names[] = {
        "example", "examples", "fixtures", "sample", "samples",
        "test",    "testdata", "testing",  "tests",
    };
    const char *p = path, *slash;
    while ((slash = strchr(p, '/'))) {
        size_t n = (size_t)(slash - p);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i]) == n && !memcmp(p, names[i], n))
                return true;
        p = slash + 1;
    }
    return false;
}

static int
check_key(st_scan_ctx *ctx, const st_entry *e, const st_hardening_key *k)
{
    const char *how = k->encrypted == 1   ? "encrypted"
                      : k->encrypted == 0 ? "not encrypted"
                                          : "encryption unknown";
    bool test = test_dir(e->path);
    return report(ctx, e, "private-key", "keys",
                  k->encrypted == 1 || test ? "LOW" : "MEDIUM",
                  "Private key file in the image", "%s, %s%s%s%s%s", k->label,
                  how, k->cipher[0] && k->encrypted == 1 ? " (" : "",
                  k->encrypted == 1 ? k->cipher : "",
                  k->cipher[0] && k->encrypted == 1 ? ")" : "",
                  test ? "; in a test or example directory" : "");
}

/* ---- ELF mitigations ---------------------------------------------------- */

#define ELF_ID    "elf-hardening"
#define ELF_TITLE "ELF binary built without some exploit mitigations"

/* Remembers the detail of an ELF file's finding ("": none) for the hard
 * links to it. */
static int remember_elf(struct state *s, const st_entry *e, const char *detail)
{
    void **slot;
    int rc;
    if ((rc = st_map_slot(s->elf, e->path, e->path_len, &slot, NULL)) < 0)
        return rc;
    *slot = (void *)detail;
    return 0;
}

static int check_elf(struct state *s,
                     st_scan_ctx *ctx,
                     const st_entry *e,
                     const char *data,
                     size_t len)
{
    const char *pie, *relro, *nx, *canary, *missing[4], *detail;
    size_t nmissing = 0;
    bool program, linked;
    st_elf_prot p;
    st_elf elf;
    char list[64];
    int rc;

    if (st_elf__open(&elf, data, len) < 0 ||
        (elf.type != ST_ELF_ET_EXEC && elf.type != ST_ELF_ET_DYN))
        return 0;
    st_elf__protections(&p, &elf);
    /* a PIE program or a shared object; a static PIE has no interpreter */
    program = elf.type == ST_ELF_ET_EXEC || p.interp || p.pie_flag;
    linked = p.interp || (!program && p.dynamic);

    pie = !program                    ? "n/a (shared object)"
          : elf.type == ST_ELF_ET_DYN ? "yes"
                                      : "no";
    if (!p.gnu_relro)
        relro = "no";
    else
        relro = !linked || p.bind_now ? "full" : "partial";
    nx = !p.gnu_stack   ? "unknown (no PT_GNU_STACK)"
         : p.stack_exec ? "no"
                        : "yes";
    canary = !linked        ? "unknown (statically linked)"
             : p.canary < 0 ? "unknown (no .dynsym)"
             : p.canary     ? "yes"
                            : "no";
    if (!strcmp(pie, "no"))
        missing[nmissing++] = "PIE";
    if (strcmp(relro, "full"))
        missing[nmissing++] = "full RELRO";
    if (!strcmp(nx, "no"))
        missing[nmissing++] = "NX";
    if (!strcmp(canary, "no"))
        missing[nmissing++] = "stack protector";
    if (!nmissing)
        return remember_elf(s, e, "");
    list[0] = 0;
    for (size_t i = 0, off = 0; i < nmissing; i++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                i ? ", " : "", missing[i]);
    detail = st_arena_printf(st_ctx_arena(ctx),
                             "missing %s; PIE: %s, RELRO: %s, NX: %s, stack "
                             "protector: %s",
                             list, pie, relro, nx, canary);
    if (!detail ||
        (rc = add(ctx, e, ELF_ID, "binary", "LOW", ELF_TITLE, detail)) < 0)
        return ST_ENOMEM;
    return remember_elf(s, e, detail);
}

/* The hard links to ELF files found at the end: their target's finding. */
static int report_links(struct state *s, st_scan_ctx *ctx)
{
    int rc;
    for (size_t i = 0; i < s->links.len; i++) {
        const struct link *l = s->links.items[i];
        const char *detail = st_map_get(s->elf, l->target, strlen(l->target));
        st_entry e;
        if (!detail || !*detail)
            continue; /* clean, or not a file this analyzer judged */
        memset(&e, 0, sizeof(e));
        e.path = l->path;
        e.path_len = strlen(l->path);
        e.layer = l->layer;
        e.visible = true;
        if ((rc = add(ctx, &e, ELF_ID, "binary", "LOW", ELF_TITLE, detail)) < 0)
            return rc;
    }
    return 0;
}

static int add_link(struct state *s, st_scan_ctx *ctx, const st_entry *e)
{
    st_arena *a = st_ctx_arena(ctx);
    struct link *l = st_arena_alloc(a, sizeof(*l));
    if (!l || !(l->path = st_arena_strndup(a, e->path, e->path_len)) ||
        !(l->target = st_arena_strdup(a, e->link)))
        return ST_ENOMEM;
    l->layer = e->layer;
    return st_vec_push(&s->links, l);
}

/* ---- caches ---------------------------------------------------------------
 */

static int add_cache(struct state *s,
                     st_scan_ctx *ctx,
                     const st_entry *e,
                     const struct cache *c,
                     size_t dir_len)
{
    struct cache_total *t;
    void **slot;
    int rc;

    if ((rc = st_map_slot(s->caches, e->path, dir_len, &slot, NULL)) < 0)
        return rc;
    if (!*slot) {
        if (!(*slot = st_arena_alloc(st_ctx_arena(ctx), sizeof(*t))))
            return ST_ENOMEM;
        ((struct cache_total *)*slot)->layer = e->layer;
    }
    t = *slot;
    t->kind = c;
    t->files++;
    t->bytes += e->size;
    if (e->layer > t->layer)
        t->layer = e->layer;
    return 0;
}

static int report_caches(struct state *s, st_scan_ctx *ctx)
{
    const char *dir;
    void *v;
    size_t pos = 0;
    int rc;

    while (st_map_next(s->caches, &pos, &dir, &v)) {
        const struct cache_total *t = v;
        st_entry e;
        memset(&e, 0, sizeof(e));
        e.path = dir;
        e.path_len = strlen(dir);
        e.layer = t->layer;
        e.visible = true;
        if ((rc = report(ctx, &e, "package-cache", "hygiene", "LOW",
                         "Package manager cache left in the image",
                         "%s: %llu files, %llu bytes", t->kind->what,
                         (unsigned long long)t->files,
                         (unsigned long long)t->bytes)) < 0)
            return rc;
    }
    return 0;
}

/* ---- the analyzer ------------------------------------------------------ */

static bool wants(const st_entry *e)
{
    size_t n;
    if (e->type != ST_ENTRY_FILE && e->type != ST_ENTRY_DIR &&
        e->type != ST_ENTRY_HARDLINK)
        return false;
    if (!e->attrs) /* asked again once the mode is known */
        return true;
    if (e->type == ST_ENTRY_DIR)
        return (e->mode & 01002) == 0002;
    if (e->mode & 06002)
        return true;
    if (e->type == ST_ENTRY_HARDLINK)
        return elf_link(e);
    return account_file(e) || ssh_host_key(e) || ssh_user_key(e) ||
           cache_of(e, &n) || elf_candidate(e) || key_candidate(e);
}

/* Is the entry a file whose content a check reads? */
static bool key_by_content(const st_entry *e)
{
    return key_candidate(e) && !ssh_host_key(e) && !ssh_user_key(e);
}

static bool sniff(const st_entry *e, const char *head, size_t len)
{
    uint16_t type;
    st_hardening_key k;

    if (account_file(e))
        return true;
    if (elf_candidate(e) && st_elf__sniff(head, len, &type) &&
        (type == ST_ELF_ET_EXEC || type == ST_ELF_ET_DYN))
        return true;
    if (key_by_content(e) && st_hardening__private_key(&k, head, len))
        return true;
    return false;
}

static int file(void *state,
                st_scan_ctx *ctx,
                const st_entry *e,
                const char *data,
                size_t len)
{
    struct state *s = state;
    const struct cache *c;
    st_hardening_key k;
    size_t n;
    int rc;

    if ((rc = check_mode(ctx, e)) < 0)
        return rc;
    if (elf_link(e))
        return add_link(s, ctx, e);
    if (e->type != ST_ENTRY_FILE)
        return 0;
    if ((c = cache_of(e, &n)) && (rc = add_cache(s, ctx, e, c, n)) < 0)
        return rc;
    if (ssh_host_key(e))
        rc = report(ctx, e, "ssh-host-key", "keys", "HIGH",
                    "SSH host private key in the image",
                    "%llu bytes, made when the image was built: every "
                    "container of the image has the same host key",
                    (unsigned long long)e->size);
    else if (ssh_user_key(e))
        rc = report(ctx, e, "ssh-user-key", "keys", "HIGH",
                    "SSH user private key in the image",
                    "%llu bytes: whoever pulls the image holds the key",
                    (unsigned long long)e->size);
    else if (data && key_by_content(e) &&
             st_hardening__private_key(&k, data, len))
        rc = check_key(ctx, e, &k);
    if (rc < 0 || !data)
        return rc;
    if (!strcmp(e->path, "etc/passwd"))
        return check_passwd(s, ctx, e, data, len);
    if (!strcmp(e->path, "etc/shadow"))
        return check_shadow(s, ctx, e, data, len);
    if (elf_candidate(e))
        return check_elf(s, ctx, e, data, len);
    return 0;
}

static int end(void *state, st_scan_ctx *ctx)
{
    int rc;
    if ((rc = report_shadow(state, ctx)) < 0 ||
        (rc = report_links(state, ctx)) < 0)
        return rc;
    return report_caches(state, ctx);
}

const st_analyzer_ops st_analyzer_hardening = {
    .name = NAME,
    .version = 1,
    .flags =
        ST_AN_VISIBLE_ONLY | ST_AN_CONTENT | ST_AN_SNIFF | ST_AN_ATTRS | ST_AN_EVERY,
    .max_content = MAX_CONTENT,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
    .sniff = sniff,
    .scanner = ST_SCANNER_HARDENING,
};
