/* OS detection: os-release first, then the distributions' release files;
 * distroless images are recognised by dpkg's status.d directory. */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "util/banned.h"

static const char *const files[] = {
    "etc/os-release",      "usr/lib/os-release",   "etc/debian_version",
    "etc/alpine-release",  "etc/redhat-release",   "etc/centos-release",
    "etc/rocky-release",   "etc/almalinux-release", "etc/fedora-release",
    "etc/system-release",  "etc/oracle-release",   "etc/SuSE-release",
    "etc/lsb-release",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

struct os {
    char *content[NFILES]; /* heap copies of the visible files */
};

/* Families by os-release ID: what package ecosystem the distro speaks. */
static const struct {
    const char *id, *family;
} families[] = {
    {"debian", "debian"},     {"ubuntu", "debian"},     {"raspbian", "debian"},
    {"linuxmint", "debian"},  {"kali", "debian"},       {"alpine", "alpine"},
    {"wolfi", "alpine"},      {"chainguard", "alpine"}, {"postmarketos", "alpine"},
    {"rhel", "redhat"},       {"centos", "redhat"},     {"rocky", "redhat"},
    {"almalinux", "redhat"},  {"fedora", "redhat"},     {"amzn", "redhat"},
    {"ol", "redhat"},         {"mariner", "redhat"},    {"azurelinux", "redhat"},
    {"photon", "redhat"},     {"sles", "suse"},         {"opensuse-leap", "suse"},
    {"opensuse-tumbleweed", "suse"}, {"opensuse", "suse"}, {"sled", "suse"},
    {"arch", "arch"},         {"gentoo", "gentoo"},
};

static const char *family_of(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (!strcmp(id, families[i].id))
            return families[i].family;
    return NULL;
}

static int index_of(const char *path)
{
    for (size_t i = 0; i < NFILES; i++)
        if (!strcmp(path, files[i]))
            return (int)i;
    return -1;
}

static bool wants(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE && index_of(e->path) >= 0;
}

static int begin(void **state, st_scan_ctx *ctx)
{
    (void)ctx;
    *state = st_calloc(1, sizeof(struct os));
    return *state ? 0 : ST_ENOMEM;
}

static void release(void *state)
{
    struct os *o = state;
    if (!o)
        return;
    for (size_t i = 0; i < NFILES; i++)
        st_free(o->content[i]);
    st_free(o);
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct os *o = state;
    int i = index_of(e->path);
    (void)ctx;
    if (i < 0 || o->content[i] || len > 65536)
        return 0;
    return (o->content[i] = st_strndup(data, len)) ? 0 : ST_ENOMEM;
}

/* The content of a release file, following /etc/os-release -> ../usr/lib
 * symlinks inside the image. */
static const char *content_of(struct os *o, st_scan_ctx *ctx,
                              const char *path)
{
    st_buf resolved = ST_BUF_INIT(4096);
    const char *c = NULL;
    if (st_ctx_lookup(ctx, path, true, &resolved)) {
        int i = index_of(resolved.ptr);
        c = i >= 0 ? o->content[i] : NULL;
    }
    st_buf_release(&resolved);
    return c;
}

/* os-release value: KEY=value, KEY="value", KEY='value'. */
static char *osr_get(st_arena *a, const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > klen && !strncmp(l, key, klen) && l[klen] == '=') {
            const char *v = l + klen + 1;
            size_t vn = n - klen - 1;
            st_buf b = ST_BUF_INIT(4096);
            char *out;
            while (vn && (v[vn - 1] == '\r' || v[vn - 1] == ' '))
                vn--;
            if (vn >= 2 && (v[0] == '"' || v[0] == '\'') &&
                v[vn - 1] == v[0]) {
                char q = v[0];
                for (size_t i = 1; i + 1 < vn; i++) {
                    if (q == '"' && v[i] == '\\' && i + 2 < vn)
                        i++;
                    st_buf_putc(&b, v[i]);
                }
            } else {
                st_buf_put(&b, v, vn);
            }
            out = b.len ? st_arena_strndup(a, b.ptr, b.len) : NULL;
            st_buf_release(&b);
            return out;
        }
        l = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static char *first_line(st_arena *a, const char *text)
{
    size_t n = strcspn(text, "\r\n");
    while (n && text[n - 1] == ' ')
        n--;
    return n ? st_arena_strndup(a, text, n) : NULL;
}

/* "CentOS Linux release 7.9.2009 (Core)" -> "7.9.2009" */
static char *release_version(st_arena *a, const char *text)
{
    const char *r = strstr(text, "release ");
    size_t n;
    if (!r)
        return NULL;
    r += 8;
    n = strspn(r, "0123456789.");
    return n ? st_arena_strndup(a, r, n) : NULL;
}

static char *major(st_arena *a, const char *v)
{
    size_t n = strspn(v, "0123456789");
    return n ? st_arena_strndup(a, v, n) : NULL;
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct os *o = state;
    st_os_info *os = st_ctx_os(ctx);
    st_arena *a = st_ctx_arena(ctx);
    const char *osr = content_of(o, ctx, "etc/os-release");
    const char *c;

    if (!osr)
        osr = content_of(o, ctx, "usr/lib/os-release");
    if (osr) {
        os->id = osr_get(a, osr, "ID");
        os->version_id = osr_get(a, osr, "VERSION_ID");
        os->codename = osr_get(a, osr, "VERSION_CODENAME");
        os->pretty_name = osr_get(a, osr, "PRETTY_NAME");
        os->id_like = osr_get(a, osr, "ID_LIKE");
    }
    if (!os->id && (c = content_of(o, ctx, "etc/lsb-release"))) {
        os->id = osr_get(a, c, "DISTRIB_ID");
        if (os->id)
            for (char *p = (char *)os->id; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        os->version_id = osr_get(a, c, "DISTRIB_RELEASE");
        os->codename = osr_get(a, c, "DISTRIB_CODENAME");
    }
    /* Release files refine (debian_version "12.8") or stand in. */
    if ((c = content_of(o, ctx, "etc/debian_version"))) {
        char *v = first_line(a, c);
        if (!os->id)
            os->id = "debian";
        if (!strcmp(os->id, "debian")) {
            os->version = v;
            if (!os->version_id && v && v[0] >= '0' && v[0] <= '9')
                os->version_id = major(a, v);
        }
    }
    if ((c = content_of(o, ctx, "etc/alpine-release"))) {
        if (!os->id)
            os->id = "alpine";
        if (!strcmp(os->id, "alpine")) {
            os->version = first_line(a, c);
            if (!os->version_id)
                os->version_id = os->version;
        }
    }
    static const struct {
        const char *file, *id;
    } rel[] = {{"etc/centos-release", "centos"},
               {"etc/rocky-release", "rocky"},
               {"etc/almalinux-release", "almalinux"},
               {"etc/fedora-release", "fedora"},
               {"etc/oracle-release", "ol"},
               {"etc/redhat-release", "rhel"},
               {"etc/system-release", "amzn"},
               {"etc/SuSE-release", "sles"}};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        if (!(c = content_of(o, ctx, rel[i].file)))
            continue;
        if (!os->id) {
            os->id = rel[i].id;
            os->version_id = release_version(a, c);
            os->pretty_name = first_line(a, c);
        }
        if (!os->version)
            os->version = release_version(a, c);
        break;
    }
    if (!os->version)
        os->version = os->version_id;
    os->family = family_of(os->id);
    if (!os->family && os->id_like) {
        /* ID_LIKE="rhel fedora": the first family we know */
        char buf[256], *save = NULL;
        snprintf(buf, sizeof(buf), "%s", os->id_like);
        for (char *t = strtok_r(buf, " ", &save); t && !os->family;
             t = strtok_r(NULL, " ", &save))
            os->family = family_of(t);
    }
    if (st_ctx_lookup(ctx, "var/lib/dpkg/status.d", true, NULL) &&
        !st_ctx_lookup(ctx, "var/lib/dpkg/status", true, NULL))
        os->distroless = 1;
    if (!os->family) {
        os->family = "unknown";
        os->reason = os->id ? st_arena_printf(a, "unrecognised ID \"%s\"",
                                              os->id)
                            : "no /etc/os-release, /usr/lib/os-release or "
                              "distribution release file";
    }
    return 0;
}

const st_analyzer_ops st_analyzer_os = {
    .name = "os",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = 65536,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
};
