/* Probes of the host itself (CIS 1.x), its LSMs and file permissions
 * (CIS 3.x): sysctls, partitions, audit rules, accounts, seccomp, cgroups,
 * SELinux, AppArmor, owner and mode of files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/probes.h"
#include "util/banned.h"

/* ---- shared helpers ---------------------------------------------------- */

bool st_host__match(const st_host__ynode *want, const char *have)
{
    if (!want || !have)
        return false;
    if (want->type == ST_HOST__Y_SCALAR)
        return !strcmp(want->s, have);
    for (size_t i = 0; i < want->n; i++)
        if (!strcmp(want->kids[i]->s, have))
            return true;
    return false;
}

st_host_status st_host__status_arg(const st_host__check *c,
                                   st_host_status dflt)
{
    const char *s = st_host__arg(c, "status");
    if (!s)
        return dflt;
    if (!strcmp(s, "warn"))
        return ST_HOST_WARN;
    if (!strcmp(s, "info"))
        return ST_HOST_INFO;
    if (!strcmp(s, "skip"))
        return ST_HOST_SKIP;
    if (!strcmp(s, "pass"))
        return ST_HOST_PASS;
    return ST_HOST_FAIL;
}

bool st_host__parse_mode(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;
    if (!s || !*s)
        return false;
    v = strtoul(s, &end, 8);
    if (*end || v > 07777)
        return false;
    *out = (unsigned)v;
    return true;
}

/* name of id `id` in /etc/passwd or /etc/group: field 0 where field 2 */
static void id_name(st_host__ctx *ctx, const char *file, unsigned id,
                    char *buf, size_t n)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    snprintf(buf, n, "%u", id);
    if (st_host__read(&ctx->root, file, &b, ST_HOST__MAX_FILE, NULL) == 0) {
        for (char *l = b.ptr; l && *l;) {
            char *nl = strchr(l, '\n');
            char *c1 = strchr(l, ':'), *c2, *end;
            if (nl)
                *nl = 0;
            if (c1 && (c2 = strchr(c1 + 1, ':'))) {
                unsigned long v = strtoul(c2 + 1, &end, 10);
                if (end != c2 + 1 && *end == ':' && v == id) {
                    snprintf(buf, n, "%.*s", (int)(c1 - l), l);
                    break;
                }
            }
            l = nl ? nl + 1 : NULL;
        }
    }
    st_buf_release(&b);
}

void st_host__user_name(st_host__ctx *ctx, unsigned uid, char *buf, size_t n)
{
    id_name(ctx, "/etc/passwd", uid, buf, n);
}

void st_host__group_name(st_host__ctx *ctx, unsigned gid, char *buf,
                         size_t n)
{
    id_name(ctx, "/etc/group", gid, buf, n);
}

void st_host__describe(st_host__ctx *ctx, const struct stat *st, char *buf,
                       size_t n)
{
    char u[64], g[64];
    st_host__user_name(ctx, st->st_uid, u, sizeof(u));
    st_host__group_name(ctx, st->st_gid, g, sizeof(g));
    snprintf(buf, n, "%s:%s %04o", u, g, (unsigned)(st->st_mode & 07777));
}

/* Reads a small text file, trimmed; false when absent. */
static bool read_small(st_host__ctx *ctx, const char *path, char *buf,
                       size_t n)
{
    st_buf b = ST_BUF_INIT(65536);
    bool ok = st_host__read(&ctx->root, path, &b, 65536, NULL) == 0;
    if (ok) {
        size_t len = b.len;
        while (len && (b.ptr[len - 1] == '\n' || b.ptr[len - 1] == ' '))
            len--;
        snprintf(buf, n, "%.*s", (int)len, b.ptr);
    }
    st_buf_release(&b);
    return ok;
}

static const char *offline_note(st_host__ctx *ctx, const char *what)
{
    return st_arena_printf(ctx->arena, "%s not available%s", what,
                           ctx->root.offline ? " offline (not in the root)"
                                             : "");
}

/* ---- component presence ------------------------------------------------ */

int st_host__p_component(st_host__ctx *ctx, const st_host__check *c,
                         st_host__out *out)
{
    const char *comp = st_host__arg(c, "component");
    bool present = !strcmp(comp, "docker")       ? ctx->docker
                   : !strcmp(comp, "containerd") ? ctx->containerd
                                                 : ctx->kubelet;
    const char *why = !strcmp(comp, "docker") ? ctx->docker_why : NULL;
    if (present)
        st_host__set(out, ST_HOST_INFO, "%s is installed%s%s", comp,
                     why ? ": " : "", why ? why : "");
    else
        st_host__set(out, ST_HOST_SKIP,
                     "%s is not installed: its checks are skipped%s%s", comp,
                     why ? " (" : "", why ? why : "");
    if (why && !present)
        st_buf_putc(&out->evidence, ')');
    return 0;
}

/* ---- sysctls ----------------------------------------------------------- */

int st_host__p_sysctl(st_host__ctx *ctx, const st_host__check *c,
                      st_host__out *out)
{
    const char *name = st_host__arg(c, "name");
    const char *min = st_host__arg(c, "min"), *max = st_host__arg(c, "max");
    const char *missing = st_host__arg(c, "missing");
    const st_host__ynode *expect = st_host__argn(c, "expect");
    char path[256], dotted[200], val[64];
    bool ok = true;
    char *end;
    long v;

    snprintf(path, sizeof(path), "/proc/sys/%s", name);
    snprintf(dotted, sizeof(dotted), "%s", name);
    for (char *p = dotted; *p; p++)
        if (*p == '/')
            *p = '.';
    if (!read_small(ctx, path, val, sizeof(val))) {
        if (!st_host__exists(&ctx->root, "/proc/sys/kernel")) {
            st_host__set(out, ST_HOST_SKIP, "%s",
                         offline_note(ctx, "/proc/sys"));
            return 0;
        }
        st_host__set(out, ST_HOST_SKIP, "%s: %s absent: this kernel has no "
                     "such setting", dotted, path);
        if (missing && !strcmp(missing, "info"))
            out->status = ST_HOST_INFO;
        else if (missing && !strcmp(missing, "fail"))
            out->status = ST_HOST_FAIL;
        return 0;
    }
    v = strtol(val, &end, 10);
    if (end == val || *end) {
        st_host__set(out, ST_HOST_WARN, "%s = \"%s\": not a number (%s)",
                     dotted, val, path);
        return 0;
    }
    if (min && v < strtol(min, NULL, 10))
        ok = false;
    if (max && v > strtol(max, NULL, 10))
        ok = false;
    if (expect && !st_host__match(expect, val))
        ok = false;
    st_host__set(out, ok ? ST_HOST_PASS : ST_HOST_FAIL, "%s = %ld (%s)",
                 dotted, v, path);
    return 0;
}

/* ---- owner and mode ---------------------------------------------------- */

static bool owner_ok(const char *want, const char *have)
{
    /* "root" or "root,docker" */
    size_t k = strlen(have);
    for (const char *w = want; *w;) {
        size_t n = strcspn(w, ",");
        if (n == k && !strncmp(w, have, k))
            return true;
        w += n + (w[n] == ',');
    }
    return false;
}

int st_host__p_file_mode(st_host__ctx *ctx, const st_host__check *c,
                         st_host__out *out)
{
    const st_host__ynode *paths = st_host__argn(c, "path");
    const char *key = st_host__arg(c, "key");
    const char *owner = st_host__arg(c, "owner");
    const char *group = st_host__arg(c, "group");
    const char *missing = st_host__arg(c, "missing");
    const char *one[1];
    const char **list = one;
    size_t n = 0, found = 0;
    unsigned max;
    bool bad = false;

    if (!st_host__parse_mode(st_host__arg(c, "max_mode"), &max)) {
        st_host__set(out, ST_HOST_WARN, "check %s: max_mode is not octal",
                     c->r.id);
        return 0;
    }
    if (key) {
        /* the path comes from the daemon's configuration */
        const char *p;
        if (st_host__load_daemon(ctx) < 0)
            return ST_ENOMEM;
        p = st_host__json_text(ctx, json_object_get(ctx->daemon, key));
        if (!p) {
            st_host__set(out, ST_HOST_SKIP, "%s is not configured", key);
            return 0;
        }
        one[0] = p;
        n = 1;
    } else if (paths && paths->type == ST_HOST__Y_SCALAR) {
        one[0] = paths->s;
        n = 1;
    } else if (paths) {
        list = st_arena_alloc(ctx->arena, (paths->n + 1) * sizeof(char *));
        if (!list)
            return ST_ENOMEM;
        for (size_t i = 0; i < paths->n; i++)
            list[n++] = paths->kids[i]->s;
    }
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char desc[200], u[64], g[64];
        bool this_bad = false;
        if (st_host__stat(&ctx->root, list[i], &st, false) < 0)
            continue;
        found++;
        st_host__describe(ctx, &st, desc, sizeof(desc));
        st_host__user_name(ctx, st.st_uid, u, sizeof(u));
        st_host__group_name(ctx, st.st_gid, g, sizeof(g));
        if ((st.st_mode & 07777) & ~max)
            this_bad = true;
        if (owner && !owner_ok(owner, u))
            this_bad = true;
        if (group && !owner_ok(group, g))
            this_bad = true;
        st_host__add(out, "%s %s", list[i], desc);
        if (this_bad) {
            st_buf_printf(&out->evidence, " (want %s%s%s", owner ? owner : "",
                          group ? ":" : "", group ? group : "");
            if (max != 07777)
                st_buf_printf(&out->evidence, "%s%04o or stricter",
                              owner || group ? ", " : "", max);
            st_buf_putc(&out->evidence, ')');
            bad = true;
        }
    }
    if (!found) {
        st_buf_reset(&out->evidence);
        st_host__set(out, ST_HOST_SKIP, "not found:");
        for (size_t i = 0; i < n; i++)
            st_buf_printf(&out->evidence, " %s", list[i]);
        if (missing && !strcmp(missing, "fail"))
            out->status = ST_HOST_FAIL;
        return 0;
    }
    out->status = bad ? ST_HOST_FAIL : ST_HOST_PASS;
    return 0;
}

/* ---- /var/lib/docker on its own partition ------------------------------ */

static bool mounted_at(const char *text, const char *dir, bool fstab)
{
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        char line[1024], *f[6] = {0};
        size_t nf = 0;
        char *save = NULL, *tok;
        if (len < sizeof(line) && *l != '#') {
            memcpy(line, l, len);
            line[len] = 0;
            for (tok = strtok_r(line, " \t", &save); tok && nf < 6;
                 tok = strtok_r(NULL, " \t", &save))
                f[nf++] = tok;
            /* fstab: field 2; mountinfo: field 5 */
            if (fstab && nf >= 2 && !strcmp(f[1], dir))
                return true;
            if (!fstab && nf >= 5 && !strcmp(f[4], dir))
                return true;
        }
        l = nl ? nl + 1 : NULL;
    }
    return false;
}

int st_host__p_docker_partition(st_host__ctx *ctx, const st_host__check *c,
                                st_host__out *out)
{
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    const char *dir = "/var/lib/docker";
    const char *dr;
    (void)c;

    if (st_host__load_daemon(ctx) < 0)
        return ST_ENOMEM;
    if ((dr = st_host__json_text(ctx, json_object_get(ctx->daemon,
                                                      "data-root"))))
        dir = dr;
    if (st_host__read(&ctx->root, "/proc/self/mountinfo", &b,
                      ST_HOST__MAX_FILE, NULL) == 0 &&
        mounted_at(b.ptr, dir, false))
        st_host__set(out, ST_HOST_PASS, "%s is a mount point "
                     "(/proc/self/mountinfo)", dir);
    else if (st_host__read(&ctx->root, "/etc/fstab", &b, ST_HOST__MAX_FILE,
                           NULL) == 0 &&
             mounted_at(b.ptr, dir, true))
        st_host__set(out, ST_HOST_PASS, "%s has its own entry in /etc/fstab",
                     dir);
    else
        st_host__set(out, ST_HOST_FAIL, "%s is not a mount point "
                     "(neither /proc/self/mountinfo nor /etc/fstab)", dir);
    st_buf_release(&b);
    return 0;
}

/* ---- audit rules ------------------------------------------------------- */

static int audit_text(st_host__ctx *ctx, st_buf *all)
{
    const char **names;
    size_t n;
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_FILE);
    int rc = 0;

    if (st_host__read(&ctx->root, "/etc/audit/audit.rules", &b,
                      ST_HOST__MAX_FILE, NULL) == 0)
        st_buf_put(all, b.ptr, b.len);
    if ((rc = st_host__list(&ctx->root, "/etc/audit/rules.d", ctx->arena,
                            &names, &n, 1024)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        char p[512];
        if (!st_str_endswith(names[i], ".rules"))
            continue;
        snprintf(p, sizeof(p), "/etc/audit/rules.d/%s", names[i]);
        if (st_host__read(&ctx->root, p, &b, ST_HOST__MAX_FILE, NULL) == 0) {
            st_buf_putc(all, '\n');
            st_buf_put(all, b.ptr, b.len);
        }
    }
done:
    st_buf_release(&b);
    return rc;
}

/* A watch "-w PATH" or a syscall rule "-F path=PATH" / "-F dir=PATH". */
static bool has_rule(const char *text, const char *path)
{
    size_t k = strlen(path);
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        const char *p = l;
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        while (p < l + len && (*p == ' ' || *p == '\t'))
            p++;
        if (*p != '#') {
            const char *keys[] = {"-w ", "path=", "dir="};
            for (size_t i = 0; i < 3; i++) {
                const char *s = p;
                while ((s = strstr(s, keys[i])) && s < l + len) {
                    const char *v = s + strlen(keys[i]);
                    while (*v == ' ')
                        v++;
                    if (!strncmp(v, path, k) &&
                        (v[k] == ' ' || v[k] == '\t' || v[k] == '\n' ||
                         v[k] == 0 || (v[k] == '/' && v[k + 1] == ' ')))
                        return true;
                    s = v;
                }
            }
        }
        l = nl ? nl + 1 : NULL;
    }
    return false;
}

int st_host__p_audit_rules(st_host__ctx *ctx, const st_host__check *c,
                           st_host__out *out)
{
    const st_host__ynode *paths = st_host__argn(c, "path");
    st_buf all = ST_BUF_INIT(ST_HOST__MAX_LIST);
    size_t n = paths->type == ST_HOST__Y_SCALAR ? 1 : paths->n;
    size_t present = 0, missing = 0;
    int rc;

    if ((rc = audit_text(ctx, &all)) < 0)
        goto done;
    st_buf_reset(&out->evidence);
    for (size_t i = 0; i < n; i++) {
        const char *p = paths->type == ST_HOST__Y_SCALAR ? paths->s
                                                         : paths->kids[i]->s;
        struct stat st;
        if (st_host__stat(&ctx->root, p, &st, false) < 0)
            continue;
        present++;
        if (!has_rule(all.ptr, p)) {
            missing++;
            st_host__add(out, "no audit rule for %s", p);
        } else {
            st_host__add(out, "%s is audited", p);
        }
    }
    if (!present) {
        st_host__set(out, ST_HOST_SKIP, "not present on this host: %s",
                     paths->type == ST_HOST__Y_SCALAR ? paths->s
                                                      : paths->kids[0]->s);
    } else {
        out->status = missing ? ST_HOST_FAIL : ST_HOST_PASS;
        if (missing)
            st_buf_puts(&out->evidence, " (rules read from "
                                        "/etc/audit/audit.rules and "
                                        "/etc/audit/rules.d/*.rules)");
    }
done:
    st_buf_release(&all);
    return rc;
}

/* ---- accounts ---------------------------------------------------------- */

int st_host__p_docker_group(st_host__ctx *ctx, const st_host__check *c,
                            st_host__out *out)
{
    st_buf g = ST_BUF_INIT(ST_HOST__MAX_FILE), p = ST_BUF_INIT(ST_HOST__MAX_FILE);
    st_buf members = ST_BUF_INIT(65536);
    long gid = -1;
    (void)c;

    if (st_host__read(&ctx->root, "/etc/group", &g, ST_HOST__MAX_FILE,
                      NULL) < 0) {
        st_host__set(out, ST_HOST_SKIP, "no /etc/group");
        goto done;
    }
    for (char *l = g.ptr; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = 0;
        if (st_str_startswith(l, "docker:")) {
            char *f2 = strchr(l + 7, ':'), *f3;
            if (f2 && (f3 = strchr(f2 + 1, ':'))) {
                gid = strtol(f2 + 1, NULL, 10);
                for (char *m = f3 + 1; *m;) {
                    size_t k = strcspn(m, ",");
                    if (k)
                        st_buf_printf(&members, "%s%.*s",
                                      members.len ? ", " : "", (int)k, m);
                    m += k + (m[k] == ',');
                }
            }
            break;
        }
        l = nl ? nl + 1 : NULL;
    }
    if (gid < 0) {
        st_host__set(out, ctx->docker ? ST_HOST_PASS : ST_HOST_SKIP,
                     "no docker group in /etc/group");
        goto done;
    }
    /* users whose primary group is docker */
    if (st_host__read(&ctx->root, "/etc/passwd", &p, ST_HOST__MAX_FILE,
                      NULL) == 0)
        for (char *l = p.ptr; l && *l;) {
            char *nl = strchr(l, '\n'), *f[5] = {0};
            size_t nf = 0;
            if (nl)
                *nl = 0;
            f[nf++] = l;
            for (char *s = l; *s && nf < 5; s++)
                if (*s == ':') {
                    *s = 0;
                    f[nf++] = s + 1;
                }
            if (nf == 5 && strtol(f[3], NULL, 10) == gid)
                st_buf_printf(&members, "%s%s (primary group)",
                              members.len ? ", " : "", f[0]);
            l = nl ? nl + 1 : NULL;
        }
    if (members.len)
        st_host__set(out, ST_HOST_WARN,
                     "docker group (gid %ld) members, each root-equivalent: "
                     "%s",
                     gid, members.ptr);
    else
        st_host__set(out, ST_HOST_PASS, "docker group (gid %ld) has no "
                     "members", gid);
done:
    st_buf_release(&g);
    st_buf_release(&p);
    st_buf_release(&members);
    return 0;
}

int st_host__p_uid0_accounts(st_host__ctx *ctx, const st_host__check *c,
                             st_host__out *out)
{
    st_buf p = ST_BUF_INIT(ST_HOST__MAX_FILE), names = ST_BUF_INIT(65536);
    size_t extra = 0;
    (void)c;

    if (st_host__read(&ctx->root, "/etc/passwd", &p, ST_HOST__MAX_FILE,
                      NULL) < 0) {
        st_host__set(out, ST_HOST_SKIP, "no /etc/passwd");
        goto done;
    }
    for (char *l = p.ptr; l && *l;) {
        char *nl = strchr(l, '\n'), *c1, *c2, *end;
        if (nl)
            *nl = 0;
        if ((c1 = strchr(l, ':')) && (c2 = strchr(c1 + 1, ':')) &&
            strtoul(c2 + 1, &end, 10) == 0 && end != c2 + 1 && *end == ':') {
            *c1 = 0;
            st_buf_printf(&names, "%s%s", names.len ? ", " : "", l);
            if (strcmp(l, "root"))
                extra++;
        }
        l = nl ? nl + 1 : NULL;
    }
    st_host__set(out, extra ? ST_HOST_FAIL : ST_HOST_PASS,
                 "uid 0 in /etc/passwd: %s", names.len ? names.ptr : "none");
done:
    st_buf_release(&p);
    st_buf_release(&names);
    return 0;
}

/* ---- kernel features --------------------------------------------------- */

int st_host__p_seccomp(st_host__ctx *ctx, const st_host__check *c,
                       st_host__out *out)
{
    char v[256];
    (void)c;
    if (read_small(ctx, "/proc/sys/kernel/seccomp/actions_avail", v,
                   sizeof(v)))
        st_host__set(out, ST_HOST_PASS, "seccomp filters supported: actions "
                     "%s (/proc/sys/kernel/seccomp/actions_avail)", v);
    else if (st_host__exists(&ctx->root, "/proc/sys/kernel"))
        st_host__set(out, ST_HOST_FAIL, "the kernel has no seccomp filter "
                     "support (no /proc/sys/kernel/seccomp/actions_avail)");
    else
        st_host__set(out, ST_HOST_SKIP, "%s", offline_note(ctx, "/proc/sys"));
    return 0;
}

int st_host__p_cgroup_v2(st_host__ctx *ctx, const st_host__check *c,
                         st_host__out *out)
{
    char v[512];
    (void)c;
    if (read_small(ctx, "/sys/fs/cgroup/cgroup.controllers", v, sizeof(v)))
        st_host__set(out, ST_HOST_PASS, "cgroup v2 (unified) at "
                     "/sys/fs/cgroup: controllers %s", v[0] ? v : "none");
    else if (st_host__exists(&ctx->root, "/sys/fs/cgroup"))
        st_host__set(out, ST_HOST_FAIL, "cgroup v1%s: no "
                     "/sys/fs/cgroup/cgroup.controllers",
                     st_host__exists(&ctx->root, "/sys/fs/cgroup/unified")
                         ? " (hybrid, v2 only at /sys/fs/cgroup/unified)"
                         : "");
    else
        st_host__set(out, ST_HOST_SKIP, "%s",
                     offline_note(ctx, "/sys/fs/cgroup"));
    return 0;
}

/* ---- LSMs -------------------------------------------------------------- */

static int selinux_state(st_host__ctx *ctx, char *ev, size_t n)
{
    char v[64], cfg[64] = "";
    st_buf b = ST_BUF_INIT(65536);
    int state; /* 2 enforcing, 1 permissive, 0 off */
    if (st_host__read(&ctx->root, "/etc/selinux/config", &b, 65536, NULL) ==
        0) {
        const char *s = strstr(b.ptr, "\nSELINUX=");
        if (!s && st_str_startswith(b.ptr, "SELINUX="))
            s = b.ptr - 1;
        if (s)
            snprintf(cfg, sizeof(cfg), "; /etc/selinux/config: SELINUX=%.*s",
                     (int)strcspn(s + 9, "\n"), s + 9);
    }
    st_buf_release(&b);
    if (read_small(ctx, "/sys/fs/selinux/enforce", v, sizeof(v))) {
        bool policy = st_host__exists(&ctx->root, "/sys/fs/selinux/policy");
        state = !strcmp(v, "1") ? 2 : 1;
        snprintf(ev, n, "SELinux %s, policy %s (/sys/fs/selinux)%s",
                 state == 2 ? "enforcing" : "permissive",
                 policy ? "loaded" : "not loaded", cfg);
        if (!policy)
            state = 1;
    } else {
        state = 0;
        snprintf(ev, n, "SELinux not enabled (no /sys/fs/selinux/enforce)%s",
                 cfg);
    }
    return state;
}

/* 0 off or unknown, 1 enabled; counts from the profiles list */
static int apparmor_state(st_host__ctx *ctx, char *ev, size_t n,
                          const char *profile, int *has_profile)
{
    char v[16];
    st_buf b = ST_BUF_INIT(ST_HOST__MAX_LIST);
    int enabled = 0;
    *has_profile = -1;
    if (!read_small(ctx, "/sys/module/apparmor/parameters/enabled", v,
                    sizeof(v))) {
        snprintf(ev, n, "AppArmor not enabled (no "
                 "/sys/module/apparmor/parameters/enabled)");
        return 0;
    }
    enabled = v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
    if (!enabled) {
        snprintf(ev, n, "AppArmor disabled "
                 "(/sys/module/apparmor/parameters/enabled = %s)", v);
        return 0;
    }
    if (st_host__read(&ctx->root, "/sys/kernel/security/apparmor/profiles",
                      &b, ST_HOST__MAX_LIST, NULL) == 0) {
        size_t enforce = 0, complain = 0, other = 0;
        *has_profile = 0;
        for (char *l = b.ptr; l && *l;) {
            char *nl = strchr(l, '\n');
            char *mode;
            if (nl)
                *nl = 0;
            /* "name (mode)" */
            mode = strrchr(l, '(');
            if (mode && st_str_startswith(mode, "(enforce)"))
                enforce++;
            else if (mode && st_str_startswith(mode, "(complain)"))
                complain++;
            else if (*l)
                other++;
            if (profile && mode && mode > l &&
                (size_t)(mode - l - 1) == strlen(profile) &&
                !strncmp(l, profile, strlen(profile)))
                *has_profile = st_str_startswith(mode, "(enforce)") ? 2 : 1;
            l = nl ? nl + 1 : NULL;
        }
        snprintf(ev, n, "AppArmor enabled: %zu profiles enforce, %zu "
                 "complain%s (/sys/kernel/security/apparmor/profiles)",
                 enforce, complain, other ? ", others in other modes" : "");
    } else {
        snprintf(ev, n, "AppArmor enabled; profile list unavailable "
                 "(securityfs not mounted: no "
                 "/sys/kernel/security/apparmor/profiles)");
    }
    st_buf_release(&b);
    return 1;
}

int st_host__p_selinux(st_host__ctx *ctx, const st_host__check *c,
                       st_host__out *out)
{
    char ev[512];
    int s = selinux_state(ctx, ev, sizeof(ev));
    (void)c;
    if (!st_host__exists(&ctx->root, "/sys/fs") && s == 0) {
        st_host__set(out, ST_HOST_SKIP, "%s", offline_note(ctx, "/sys"));
        return 0;
    }
    st_host__set(out, s == 2 ? ST_HOST_PASS : s == 1 ? ST_HOST_FAIL
                                                     : ST_HOST_SKIP,
                 "%s", ev);
    return 0;
}

int st_host__p_apparmor(st_host__ctx *ctx, const st_host__check *c,
                        st_host__out *out)
{
    char ev[512];
    const char *profile = st_host__arg(c, "profile");
    int has;
    int s = apparmor_state(ctx, ev, sizeof(ev), profile, &has);
    if (!st_host__exists(&ctx->root, "/sys/module") && s == 0) {
        st_host__set(out, ST_HOST_SKIP, "%s", offline_note(ctx, "/sys"));
        return 0;
    }
    if (!profile) {
        st_host__set(out, s ? ST_HOST_PASS : ST_HOST_SKIP, "%s", ev);
        return 0;
    }
    if (!s)
        st_host__set(out, ST_HOST_SKIP, "%s", ev);
    else if (has < 0)
        st_host__set(out, ST_HOST_SKIP, "%s", ev);
    else if (has == 2)
        st_host__set(out, ST_HOST_PASS, "profile %s loaded in enforce mode; "
                     "%s", profile, ev);
    else
        st_host__set(out, ST_HOST_FAIL, "profile %s %s; %s", profile,
                     has ? "loaded in complain mode" : "not loaded", ev);
    return 0;
}

int st_host__p_lsm_any(st_host__ctx *ctx, const st_host__check *c,
                       st_host__out *out)
{
    char se[512], aa[512];
    int has;
    int s = selinux_state(ctx, se, sizeof(se));
    int a = apparmor_state(ctx, aa, sizeof(aa), NULL, &has);
    (void)c;
    if (!st_host__exists(&ctx->root, "/sys/fs") &&
        !st_host__exists(&ctx->root, "/sys/module")) {
        st_host__set(out, ST_HOST_SKIP, "%s", offline_note(ctx, "/sys"));
        return 0;
    }
    st_host__set(out, s == 2 || a ? ST_HOST_PASS : ST_HOST_FAIL, "%s; %s",
                 se, aa);
    return 0;
}
