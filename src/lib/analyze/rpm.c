/* The rpm analyzer: installed packages from rpm's database.
 *
 * rpm keeps one database per system, in one of three formats and at one of
 * two places: var/lib/rpm (RHEL, CentOS, Amazon Linux, older Fedora) or
 * usr/lib/sysimage/rpm (Fedora 36+, openSUSE), the other usually being a
 * symlink. Each database found is parsed as its content goes by (`file`),
 * and `end` lists one of them: an image can hold a stale one next to the
 * live one after a format conversion (Packages left beside rpmdb.sqlite),
 * and listing both would double every package.
 *
 * What is listed, and why:
 *  - every header, gpg-pubkey pseudo-packages included, exactly as
 *    `rpm -qa` lists them (Trivy drops gpg-pubkey; we keep the oracle's
 *    view: they are installed trust anchors, which an inventory should
 *    show, and they carry no ARCH, so nothing will match them);
 *  - version "[epoch:]version-release", as rpm prints %{EVR};
 *  - source_name/source_version from SOURCERPM "name-version-release.src.rpm",
 *    with the binary package's epoch on the source version, since the
 *    source rpm file name carries none and distributions version a source
 *    and its binaries together (the same choice as Trivy);
 *  - a SOURCERPM of "(none)" (what gpg-pubkey stores) is no source rpm.
 */
#include <string.h>

#include "analyze/analyzer.h"
#include "analyze/rpmhdr.h"
#include "util/banned.h"

#define RPM_MAX_CONTENT (512ull * 1024 * 1024)
/* Malformed headers reported one by one before a single summary. */
#define RPM_MAX_HEADER_DIAGS 5

/* In order of preference: within a directory the current formats first,
 * and usr/lib/sysimage/rpm (where rpm moved its database) before
 * var/lib/rpm (where an old copy may linger). */
static const struct rpm_db_path {
    const char *path;
    st_rpmdb_kind kind;
} db_paths[] = {
    {"usr/lib/sysimage/rpm/rpmdb.sqlite", ST_RPMDB_SQLITE},
    {"usr/lib/sysimage/rpm/Packages.db", ST_RPMDB_NDB},
    {"usr/lib/sysimage/rpm/Packages", ST_RPMDB_BDB},
    {"var/lib/rpm/rpmdb.sqlite", ST_RPMDB_SQLITE},
    {"var/lib/rpm/Packages.db", ST_RPMDB_NDB},
    {"var/lib/rpm/Packages", ST_RPMDB_BDB},
};
#define RPM_NDBS (sizeof(db_paths) / sizeof(db_paths[0]))

typedef struct rpm_db {
    bool present;
    int layer;
    st_vec headers; /* st_rpm_header *, allocated from the scan arena */
} rpm_db;

typedef struct rpm_state {
    rpm_db dbs[RPM_NDBS];
} rpm_state;

/* Per-file parse context, for the blob callback. */
typedef struct rpm_parse {
    st_scan_ctx *ctx;
    const st_entry *entry;
    rpm_db *db;
    unsigned index; /* blobs seen */
    unsigned bad;   /* malformed ones */
} rpm_parse;

static int db_index(const char *path, size_t len)
{
    for (size_t i = 0; i < RPM_NDBS; i++)
        if (strlen(db_paths[i].path) == len &&
            memcmp(db_paths[i].path, path, len) == 0)
            return (int)i;
    return -1;
}

static bool rpm_wants(const st_entry *e)
{
    return (e->type == ST_ENTRY_FILE || e->type == ST_ENTRY_HARDLINK) &&
           db_index(e->path, e->path_len) >= 0;
}

static int rpm_begin(void **state, st_scan_ctx *ctx)
{
    (void)ctx;
    *state = st_calloc(1, sizeof(rpm_state));
    return *state ? 0 : ST_ENOMEM;
}

static int on_blob(void *payload, const uint8_t *blob, size_t len)
{
    rpm_parse *p = payload;
    st_rpm_header *h;
    int rc;

    p->index++;
    h = st_arena_alloc(st_ctx_arena(p->ctx), sizeof(*h));
    if (!h)
        return ST_ENOMEM;
    rc = st_rpm__parse_header(h, blob, len, st_ctx_arena(p->ctx));
    if (rc == ST_ENOMEM)
        return rc;
    if (rc < 0) {
        /* One bad header costs one package, not the database. */
        if (++p->bad <= RPM_MAX_HEADER_DIAGS)
            st_ctx_diag(p->ctx, ST_DIAG_WARNING, "rpm", p->entry->path,
                        p->entry->layer,
                        "rpm database: header %u (%zu bytes) is malformed; "
                        "skipped",
                        p->index, len);
        return 0;
    }
    return st_vec_push(&p->db->headers, h);
}

static int rpm_file(void *state, st_scan_ctx *ctx, const st_entry *e,
                    const char *data, size_t len)
{
    rpm_state *s = state;
    int i = db_index(e->path, e->path_len);
    rpm_parse p = {ctx, e, NULL, 0, 0};
    st_error *err = NULL;
    int rc;

    /* A hard link whose content the walker could not hand over is not a
     * database we can judge. */
    if (i < 0 || (e->type == ST_ENTRY_HARDLINK && !data))
        return 0;
    p.db = &s->dbs[i];
    /* A path is visible once; should it come twice, the last one wins. */
    p.db->headers.len = 0;
    p.db->present = true;
    p.db->layer = e->layer;

    rc = st_rpmdb__foreach((const uint8_t *)data, len, db_paths[i].kind,
                           on_blob, &p, &err);
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0) {
        char *msg = st_error_format(err);

        st_ctx_diag(ctx, ST_DIAG_WARNING, "rpm", e->path, e->layer,
                    "rpm database unreadable or damaged (%zu packages "
                    "listed from it): %s",
                    p.db->headers.len, msg ? msg : st_strerror(rc));
        st_free(msg);
        rc = 0;
    }
    if (p.bad > RPM_MAX_HEADER_DIAGS)
        st_ctx_diag(ctx, ST_DIAG_WARNING, "rpm", e->path, e->layer,
                    "rpm database: %u malformed headers skipped in all",
                    p.bad);

done:
    st_error_free(err);
    return rc;
}

/* "name-version-release.src.rpm" → name, "[epoch:]version-release". The
 * name may itself contain dashes; version and release may not. */
static void source_of(st_package *p, const st_rpm_header *h, st_arena *a)
{
    static const char *const suffixes[] = {".src.rpm", ".nosrc.rpm"};
    const char *s = h->sourcerpm, *rel, *ver;
    size_t len = 0;

    for (size_t i = 0; i < 2 && !len; i++)
        if (st_str_endswith(s, suffixes[i]))
            len = strlen(s) - strlen(suffixes[i]);
    if (!len)
        return;
    if (!(rel = memrchr(s, '-', len)) || rel == s || rel + 1 == s + len)
        return;
    if (!(ver = memrchr(s, '-', (size_t)(rel - s))) || ver == s ||
        ver + 1 == rel)
        return;
    p->source_name = st_arena_strndup(a, s, (size_t)(ver - s));
    if (h->has_epoch)
        p->source_version = st_arena_printf(a, "%u:%.*s", h->epoch,
                                            (int)(s + len - ver - 1), ver + 1);
    else
        p->source_version = st_arena_strndup(a, ver + 1,
                                             (size_t)(s + len - ver - 1));
}

static int add_package(st_scan_ctx *ctx, const rpm_db *db, const char *path,
                       const st_rpm_header *h)
{
    st_arena *a = st_ctx_arena(ctx);
    st_package *p = st_ctx_add_package(ctx);
    const char *ver = h->version ? h->version : "";

    if (!p)
        return ST_ENOMEM;
    p->type = "rpm";
    p->name = h->name;
    p->release = h->release;
    p->arch = h->arch;
    p->license = h->license;
    if (h->has_epoch && !(p->epoch = st_arena_printf(a, "%u", h->epoch)))
        return ST_ENOMEM;
    if (h->release)
        p->version = h->has_epoch
                         ? st_arena_printf(a, "%u:%s-%s", h->epoch, ver,
                                           h->release)
                         : st_arena_printf(a, "%s-%s", ver, h->release);
    else
        p->version = h->has_epoch ? st_arena_printf(a, "%u:%s", h->epoch, ver)
                                  : h->version;
    if (h->sourcerpm && strcmp(h->sourcerpm, "(none)") != 0) {
        p->source_rpm = h->sourcerpm;
        source_of(p, h, a);
    }
    p->found_in = st_arena_printf(a, "/%s", path);
    p->file_count = h->file_count;
    p->files = h->files;
    if ((h->release && !p->version) || !p->found_in)
        return ST_ENOMEM;
    st_ctx_package_layer(ctx, p, db->layer);
    return 0;
}

static int rpm_end(void *state, st_scan_ctx *ctx)
{
    rpm_state *s = state;
    size_t chosen = RPM_NDBS;
    int rc = 0;

    for (size_t i = 0; i < RPM_NDBS; i++) {
        if (!s->dbs[i].present)
            continue;
        if (chosen == RPM_NDBS) {
            chosen = i;
            continue;
        }
        st_ctx_diag(ctx, ST_DIAG_INFO, "rpm", db_paths[i].path,
                    s->dbs[i].layer,
                    "rpm database not listed: /%s is the one in use",
                    db_paths[chosen].path);
    }
    if (chosen == RPM_NDBS)
        goto done;
    for (size_t j = 0; j < s->dbs[chosen].headers.len; j++)
        ST_CHECK(add_package(ctx, &s->dbs[chosen], db_paths[chosen].path,
                             s->dbs[chosen].headers.items[j]));

done:
    return rc;
}

static void rpm_release(void *state)
{
    rpm_state *s = state;

    if (!s)
        return;
    for (size_t i = 0; i < RPM_NDBS; i++)
        st_vec_release(&s->dbs[i].headers);
    st_free(s);
}

const st_analyzer_ops st_analyzer_rpm = {
    .name = "rpm",
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT,
    .max_content = RPM_MAX_CONTENT,
    .wants = rpm_wants,
    .begin = rpm_begin,
    .file = rpm_file,
    .end = rpm_end,
    .release = rpm_release,
};
