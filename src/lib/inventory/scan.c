/* st_scan_image: the walker feeds the analyzers; the result collects what
 * they find. Content is read once per file for every analyzer wanting it. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "image/image_int.h"
#include "result_int.h"
#include "util/banned.h"

#define DEFAULT_MAX_FILE (64ull << 20)
#define DEFAULT_MAX_LAYER (64ull << 30)
#define DEFAULT_MAX_RATIO 2000u

struct st_scan_ctx {
    const st_scan_options *opts;
    const char **skip_below; /* skip_dirs[i] followed by "/" and "*" */
    st_result *r;
    st_walk *walk;
    const st_image_info *info;
    void *state[32];
    bool on[32];     /* the analyzer runs in this scan */
    uint64_t limit[32]; /* its largest content */
    st_error *fail;  /* why an analyzer gave up (st_ctx_fail) */
    st_buf content;
    uint64_t max_file;
    int rc; /* first fatal callback error */
};

st_arena *st_ctx_arena(st_scan_ctx *ctx)
{
    return ctx->r->arena;
}

st_package *st_ctx_add_package(st_scan_ctx *ctx)
{
    return st_result__add_package(ctx->r);
}

int st_ctx_fail(st_scan_ctx *ctx, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    st_error_free(ctx->fail);
    ctx->fail = NULL;
    return st_error_set(&ctx->fail, code, "scan", "%s", msg);
}

st_finding *st_ctx_add_finding(st_scan_ctx *ctx)
{
    return st_result__add_finding(ctx->r);
}

void st_ctx_finding_at(st_scan_ctx *ctx, st_finding *f, const st_entry *e)
{
    f->origin = ST_ORIGIN_FILE;
    f->path = st_arena_strndup(ctx->r->arena, e->path, e->path_len);
    f->layer_index = e->layer;
    f->layer_diff_id = e->layer >= 0 && (size_t)e->layer < ctx->info->layer_count
                           ? ctx->info->layers[e->layer].diff_id
                           : NULL;
    f->visible = e->visible;
}

const st_scan_options *st_ctx_options(st_scan_ctx *ctx)
{
    return ctx->opts;
}

const st_image_info *st_ctx_image(st_scan_ctx *ctx)
{
    return ctx->info;
}

void st_ctx_package_layer(st_scan_ctx *ctx, st_package *p, int layer)
{
    p->layer_index = layer;
    p->layer_diff_id = layer >= 0 && (size_t)layer < ctx->info->layer_count
                           ? ctx->r->image.layers[layer].diff_id
                           : NULL;
}

static void add_diag(st_scan_ctx *ctx, st_diag_level level,
                     const char *analyzer, const char *path, int layer,
                     const char *msg)
{
    st_arena *a = ctx->r->arena;
    st_diagnostic *d = st_arena_alloc(a, sizeof(*d));
    if (!d)
        return;
    d->level = level;
    d->analyzer = analyzer;
    d->path = path ? st_arena_printf(a, "/%s", path) : NULL;
    d->layer_index = layer;
    d->message = st_arena_strdup(a, msg);
    st_vec_push(&ctx->r->diags, d);
}

void st_ctx_diag(st_scan_ctx *ctx, st_diag_level level, const char *analyzer,
                 const char *path, int layer, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    add_diag(ctx, level, analyzer, path, layer, msg);
}

st_os_info *st_ctx_os(st_scan_ctx *ctx)
{
    return &ctx->r->os;
}

const st_fsnode *st_ctx_lookup(st_scan_ctx *ctx, const char *path,
                               bool follow, st_buf *resolved)
{
    return st_walk_lookup(ctx->walk, path, follow, resolved);
}

static void walk_diag(void *payload, const char *path, int layer,
                      const char *message)
{
    add_diag(payload, ST_DIAG_WARNING, "walk", path, layer, message);
}

/* --skip-dirs / --skip-files: fnmatch(3) without FNM_PATHNAME, so '*'
 * crosses '/'; a directory pattern P also leaves out "P/<anything>". */
static int skip(st_scan_ctx *ctx, const st_entry *e)
{
    const st_scan_options *o = ctx->opts;
    for (size_t i = 0; i < o->skip_dir_count; i++) {
        if (!fnmatch(o->skip_dirs[i], e->path, 0))
            return e->type == ST_ENTRY_DIR ? ST_WALK_SKIP : 1;
        if (!fnmatch(ctx->skip_below[i], e->path, 0))
            return 1;
    }
    if (e->type != ST_ENTRY_DIR)
        for (size_t i = 0; i < o->skip_file_count; i++)
            if (!fnmatch(o->skip_files[i], e->path, 0))
                return 1;
    return 0;
}

/* Whether content looks like text: no NUL byte in its first 8 KiB (as
 * git decides). Binaries have one within a few hundred bytes. */
#define TEXT_SNIFF 8192u
static bool looks_text(const char *p, size_t n)
{
    return !memchr(p, 0, n < TEXT_SNIFF ? n : TEXT_SNIFF);
}

/* Keeps the analyzers of want[] that still want the file after a look at
 * its first bytes (sniff, text only). One with ST_AN_EVERY that says no
 * stays, without the content (got[] false). Returns how many are left. */
static size_t after_head(st_scan_ctx *ctx, const st_entry *e, size_t *want,
                         bool *got, size_t nwant, const char *head,
                         size_t len)
{
    size_t keep = 0;
    bool text = ctx->opts->secret_binaries || looks_text(head, len);

    for (size_t k = 0; k < nwant; k++) {
        const st_analyzer_ops *an = st_analyzers[want[k]];
        bool yes = got[k];
        if (yes && (an->flags & ST_AN_TEXT) && !text)
            yes = false;
        if (yes && (an->flags & ST_AN_SNIFF) && !an->sniff(e, head, len))
            yes = false;
        if (got[k] && !yes && !(an->flags & ST_AN_EVERY))
            continue;
        got[keep] = yes;
        want[keep++] = want[k];
    }
    return keep;
}

/* After a failed read: the analyzers with ST_AN_EVERY go on without the
 * content, the other readers are dropped. Returns how many are left;
 * *dropped says whether a reader was. */
static size_t without_content(size_t *want, bool *got, size_t nwant,
                              bool *dropped)
{
    size_t keep = 0;
    for (size_t k = 0; k < nwant; k++) {
        if (got[k] && !(st_analyzers[want[k]]->flags & ST_AN_EVERY)) {
            *dropped = true;
            continue;
        }
        got[keep] = false;
        want[keep++] = want[k];
    }
    return keep;
}

static bool any(const bool *got, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (got[k])
            return true;
    return false;
}

static int on_entry(void *payload, const st_entry *entry, st_walk_content *c)
{
    st_scan_ctx *ctx = payload;
    st_entry local = *entry, *e = &local;
    size_t want[32], nwant = 0, k;
    bool got[32], content = false, head_first = true, quiet = true;
    size_t head = TEXT_SNIFF; /* what the head-first readers look at */
    bool dropped = false;
    /* only files have content (a hard link may bring its target's) */
    bool has_content = e->type == ST_ENTRY_FILE ||
                       e->type == ST_ENTRY_HARDLINK;
    uint64_t max = 0;
    int rc;

    if ((rc = skip(ctx, e)) != 0)
        return rc == ST_WALK_SKIP ? ST_WALK_SKIP : 0;
    for (size_t i = 0; i < st_analyzer_count; i++) {
        const st_analyzer_ops *an = st_analyzers[i];
        if (!ctx->on[i] || ((an->flags & ST_AN_VISIBLE_ONLY) && !e->visible))
            continue;
        if (!an->wants || !an->wants(e))
            continue;
        if ((an->flags & ST_AN_ATTRS) && !e->attrs &&
            (st_walk_stat(c, e) < 0 || !an->wants(e)))
            continue;
        if ((an->flags & ST_AN_TEXT) && e->attrs && e->size > ctx->limit[i])
            continue; /* too large for a text-only analyzer: quietly */
        got[nwant] = has_content && (an->flags & ST_AN_CONTENT);
        want[nwant++] = i;
        if (got[nwant - 1]) {
            content = true;
            max = ctx->limit[i] > max ? ctx->limit[i] : max;
            if (!(an->flags & (ST_AN_SNIFF | ST_AN_TEXT)))
                head_first = false;
            if (an->flags & ST_AN_SNIFF)
                head = ST_SNIFF_BYTES;
            if (!(an->flags & (ST_AN_TEXT | ST_AN_EVERY)))
                quiet = false;
        }
    }
    if (!nwant)
        return 0;
    if (content && head_first) {
        /* Every reader wants a look first: read the head, ask them, and
         * read the rest only for those that still want it. */
        rc = st_walk_read_head(c, &ctx->content, head);
        if (rc == ST_ENOMEM)
            return rc;
        if (rc == 0)
            nwant = after_head(ctx, e, want, got, nwant, ctx->content.ptr,
                               ctx->content.len);
        if (!nwant)
            return 0;
        content = any(got, nwant);
        if (rc == 0 && content)
            rc = st_walk_read_rest(c, &ctx->content, max);
    } else if (content) {
        rc = st_walk_read_content(c, &ctx->content, max);
        if (rc == 0)
            nwant = after_head(ctx, e, want, got, nwant, ctx->content.ptr,
                               ctx->content.len);
        content = any(got, nwant);
    } else {
        rc = 0;
    }
    if (rc == ST_ENOMEM)
        return rc;
    if (rc < 0) {
        nwant = without_content(want, got, nwant, &dropped);
        content = false;
        if (dropped && !(rc == ST_ELIMIT && quiet))
            add_diag(ctx, ST_DIAG_WARNING, "walk", e->path, e->layer,
                     rc == ST_ELIMIT ? "file too large to analyze: skipped"
                                     : "file content unreadable: skipped");
    }
    if (content)
        ctx->r->stats.files_read++;
    for (k = 0; k < nwant; k++) {
        const st_analyzer_ops *an = st_analyzers[want[k]];
        bool with = got[k];
        if (with && ctx->content.len > ctx->limit[want[k]]) {
            /* read for another analyzer, too large for this one */
            if (!(an->flags & (ST_AN_TEXT | ST_AN_EVERY)))
                add_diag(ctx, ST_DIAG_WARNING, an->name, e->path, e->layer,
                         "file too large to analyze: skipped");
            if (!(an->flags & ST_AN_EVERY))
                continue;
            with = false;
        }
        rc = an->file(ctx->state[want[k]], ctx, e,
                      with ? ctx->content.ptr : NULL,
                      with ? ctx->content.len : 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* An analyzer's fatal error: its own message when it gave one. */
static int analyzer_error(st_scan_ctx *ctx, st_error **err,
                          const st_analyzer_ops *an, int rc)
{
    if (ctx->fail) {
        rc = st_error_set(err, st_error_code(ctx->fail), "scan", "%s",
                          st_error_message(ctx->fail));
        return rc;
    }
    return st_error_set(err, rc, "scan", "analyzer %s: %s", an->name,
                        st_strerror(rc));
}

/* Development-only dependencies leave the inventory unless asked for. */
static void drop_dev(st_result *r)
{
    size_t out = 0;
    for (size_t i = 0; i < r->packages.len; i++) {
        st_package *p = r->packages.items[i];
        if (!p->dev)
            r->packages.items[out++] = p;
    }
    r->packages.len = out;
}

int st_scan_image(st_result **out, st_image *img, const st_scan_options *opts,
                  st_error **err)
{
    st_scan_options defaults = ST_SCAN_OPTIONS_INIT;
    st_scan_ctx ctx;
    st_walk_options wo;
    size_t began = 0;
    int rc = 0;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    memset(&ctx, 0, sizeof(ctx));
    st_buf_init(&ctx.content, 0);
    ctx.max_file = opts->max_file_bytes ? opts->max_file_bytes
                                        : DEFAULT_MAX_FILE;
    ctx.info = st_image_get_info(img);
    if (st_analyzer_count > sizeof(ctx.state) / sizeof(ctx.state[0]))
        return st_error_set(err, ST_ELIMIT, "scan", "too many analyzers");
    if (!(ctx.r = st_result__new()) || !(ctx.walk = st_walk_new()) ||
        st_result__set_image(ctx.r, ctx.info) < 0) {
        rc = st_error_set(err, ST_ENOMEM, "scan", "out of memory");
        goto done;
    }
    ctx.opts = opts;
    if (opts->skip_dir_count) {
        ctx.skip_below = st_arena_alloc(ctx.r->arena, opts->skip_dir_count *
                                                          sizeof(char *));
        for (size_t i = 0; ctx.skip_below && i < opts->skip_dir_count; i++)
            ctx.skip_below[i] = st_arena_printf(ctx.r->arena, "%s/*",
                                                opts->skip_dirs[i]);
        if (!ctx.skip_below) {
            rc = st_error_set(err, ST_ENOMEM, "scan", "out of memory");
            goto done;
        }
    }
    for (; began < st_analyzer_count; began++) {
        const st_analyzer_ops *an = st_analyzers[began];
        ctx.on[began] = !an->scanner || (an->scanner & opts->scanners);
        ctx.limit[began] = an->limit ? an->limit(opts)
                           : an->max_content ? an->max_content
                                             : ctx.max_file;
        if (ctx.on[began] && an->begin &&
            (rc = an->begin(&ctx.state[began], &ctx)) < 0) {
            rc = analyzer_error(&ctx, err, an, rc);
            if (an->release) /* begin may have made part of its state */
                an->release(ctx.state[began]);
            goto done;
        }
    }
    memset(&wo, 0, sizeof(wo));
    wo.entry = on_entry;
    wo.diag = walk_diag;
    wo.payload = &ctx;
    wo.progress = opts->progress;
    wo.progress_payload = opts->progress_payload;
    wo.max_layer_bytes = opts->max_layer_bytes ? opts->max_layer_bytes
                                               : DEFAULT_MAX_LAYER;
    wo.max_ratio = opts->max_ratio ? opts->max_ratio : DEFAULT_MAX_RATIO;
    wo.single_thread = opts->single_thread != 0;
    if (img->kind == ST_SRC_DIR)
        rc = st_walk_dir(ctx.walk, ctx.info->path, &wo, &ctx.r->stats, err);
    else
        rc = st_walk_image(ctx.walk, img, &wo, &ctx.r->stats, err);
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < st_analyzer_count; i++) {
        const st_analyzer_ops *an = st_analyzers[i];
        if (ctx.on[i] && an->end && (rc = an->end(ctx.state[i], &ctx)) < 0) {
            rc = analyzer_error(&ctx, err, an, rc);
            goto done;
        }
    }
    if (!opts->include_dev)
        drop_dev(ctx.r);
    if ((rc = st_result__finish(ctx.r)) < 0) {
        rc = st_error_set(err, rc, "scan", "out of memory");
        goto done;
    }
    *out = st_steal(&ctx.r);
done:
    for (size_t i = 0; i < began; i++)
        if (ctx.on[i] && st_analyzers[i]->release)
            st_analyzers[i]->release(ctx.state[i]);
    st_error_free(ctx.fail);
    st_walk_free(ctx.walk);
    st_buf_release(&ctx.content);
    st_result_free(ctx.r);
    return rc;
}

/* ---- for tests and fuzzers ------------------------------------------------ */

st_scan_ctx *st_scan__test_ctx(void)
{
    st_scan_ctx *ctx = st_calloc(1, sizeof(*ctx));
    static const st_image_info empty;
    if (!ctx)
        return NULL;
    static const st_scan_options defaults = ST_SCAN_OPTIONS_INIT;
    ctx->info = &empty;
    ctx->opts = &defaults;
    ctx->max_file = DEFAULT_MAX_FILE;
    st_buf_init(&ctx->content, 0);
    for (size_t i = 0; i < st_analyzer_count && i < 32; i++) {
        ctx->on[i] = true;
        ctx->limit[i] = DEFAULT_MAX_FILE;
    }
    ctx->r = st_result__new();
    ctx->walk = st_walk_new();
    if (!ctx->r || !ctx->walk) {
        st_scan__test_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

void st_scan__test_set_options(st_scan_ctx *ctx, const st_scan_options *o)
{
    ctx->opts = o;
}

const char *st_scan__test_failure(st_scan_ctx *ctx)
{
    return ctx->fail ? st_error_message(ctx->fail) : NULL;
}

st_result *st_scan__test_result(st_scan_ctx *ctx)
{
    return ctx->r;
}

void st_scan__test_ctx_free(st_scan_ctx *ctx)
{
    if (!ctx)
        return;
    st_result_free(ctx->r);
    st_walk_free(ctx->walk);
    st_error_free(ctx->fail);
    st_buf_release(&ctx->content);
    st_free(ctx);
}
