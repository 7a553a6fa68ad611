/* The secret analyzer: every text file of every layer — visible or not,
 * since a file deleted by a later layer is still in the blob anyone can
 * pull — plus the image config's Env, Labels and history (build args end
 * up in created_by). The rules and the engine are in secrets/. */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "secrets/secrets.h"
#include "util/json.h"
#include "util/banned.h"

#define NAME "secret"
#define DEFAULT_MAX (10ull << 20)

struct state {
    st_secret_rules *rules;
    st_secret_scanner *scanner;
};

/* What a match becomes: a finding at this place. */
struct place {
    st_scan_ctx *ctx;
    const st_entry *e;        /* a file, or NULL */
    st_finding_origin origin; /* when not a file */
    const char *name;         /* variable, label, "history[N]" */
    int layer;
    const char *data;
};

static uint64_t limit(const st_scan_options *o)
{
    return o->secret_max_file_bytes ? o->secret_max_file_bytes : DEFAULT_MAX;
}

static bool wants(const st_entry *e)
{
    return e->type == ST_ENTRY_FILE;
}

static int on_match(void *payload, const st_secret_match *m)
{
    struct place *p = payload;
    st_arena *a = st_ctx_arena(p->ctx);
    st_finding *f = st_ctx_add_finding(p->ctx);

    if (!f)
        return ST_ENOMEM;
    if (p->e) {
        st_ctx_finding_at(p->ctx, f, p->e);
    } else {
        const st_image_info *img = st_ctx_image(p->ctx);
        f->origin = p->origin;
        f->path = st_arena_strdup(a, p->name);
        f->layer_index = p->layer;
        if (p->layer >= 0 && (size_t)p->layer < img->layer_count)
            f->layer_diff_id = img->layers[p->layer].diff_id;
    }
    /* the rules go when the scan ends; the result stays */
    f->kind = ST_FINDING_SECRET;
    f->id = st_arena_strdup(a, m->rule->id);
    f->category = st_arena_strdup(a, m->rule->category);
    f->title = st_arena_strdup(a, m->rule->title);
    f->severity = st_arena_strdup(a, m->rule->severity);
    f->line = m->line;
    f->match = st_arena_strndup(a, p->data + m->off, m->len);
    if (!f->path || !f->id || !f->category || !f->title || !f->severity ||
        !f->match)
        return ST_ENOMEM;
    return 0;
}

static int scan_text(struct state *s, struct place *p, const char *path,
                     const char *data, size_t len)
{
    p->data = data;
    return st_secret_scan(s->scanner, path, data, len, on_match, p);
}

/* ---- the image config ---------------------------------------------------- */

/* Scans "KEY=value" as a line of its own. */
static int scan_pair(struct state *s, st_scan_ctx *ctx,
                     st_finding_origin origin, const char *key,
                     const char *text, int layer)
{
    struct place p = {ctx, NULL, origin, key, layer, NULL};
    return scan_text(s, &p, NULL, text, strlen(text));
}

/* The layer a history entry made: the n-th entry that is not an empty
 * layer made layer n. -1 for an empty one. */
static int history_layer(const json_t *h, size_t i, int *next)
{
    const json_t *entry = json_array_get(h, i);
    if (json_is_true(json_object_get(entry, "empty_layer")))
        return -1;
    return (*next)++;
}

static int scan_config(struct state *s, st_scan_ctx *ctx)
{
    const st_image_info *img = st_ctx_image(ctx);
    json_t *root = NULL, *cfg, *v;
    st_buf line = ST_BUF_INIT(1 << 20);
    const char *key;
    size_t i;
    int rc = 0, next = 0;

    if (!img->config_json)
        return 0;
    if (st_json_load(&root, img->config_json, strlen(img->config_json),
                     "image config", NULL) < 0)
        return 0; /* the image module already accepted it; nothing here */
    cfg = st_json_obj(root, "config");
    json_array_foreach (st_json_arr(cfg, "Env"), i, v) {
        const char *env = json_string_value(v);
        char name[128];
        if (!env)
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(env, "="), env);
        if ((rc = scan_pair(s, ctx, ST_ORIGIN_ENV, name, env, -1)) < 0)
            goto done;
    }
    json_object_foreach (st_json_obj(cfg, "Labels"), key, v) {
        if (!json_is_string(v))
            continue;
        st_buf_reset(&line);
        if ((rc = st_buf_printf(&line, "%s=%s", key,
                                json_string_value(v))) < 0 ||
            (rc = scan_pair(s, ctx, ST_ORIGIN_LABEL, key, line.ptr, -1)) < 0)
            goto done;
    }
    v = st_json_arr(root, "history");
    for (i = 0; i < json_array_size(v); i++) {
        const char *by = st_json_str(json_array_get(v, i), "created_by");
        int layer = history_layer(v, i, &next);
        char name[32];
        if (!by)
            continue;
        snprintf(name, sizeof(name), "history[%zu]", i);
        if ((rc = scan_pair(s, ctx, ST_ORIGIN_HISTORY, name, by, layer)) < 0)
            goto done;
    }
done:
    st_buf_release(&line);
    json_decref(root);
    return rc < 0 ? rc : 0;
}

/* ---- the analyzer -------------------------------------------------------- */

static void release(void *state)
{
    struct state *s = state;
    if (!s)
        return;
    st_secret_scanner_free(s->scanner);
    st_secret_rules_free(s->rules);
    st_free(s);
}

static int begin(void **state, st_scan_ctx *ctx)
{
    const st_scan_options *o = st_ctx_options(ctx);
    struct state *s = st_calloc(1, sizeof(*s));
    st_error *err = NULL;
    int rc;

    *state = s;
    if (!s || !(s->rules = st_secret_rules_new()))
        return ST_ENOMEM;
    if ((rc = st_secret_rules_add(s->rules, "rules/secrets.yaml",
                                  st_secret_builtin_yaml,
                                  st_secret_builtin_yaml_len, &err)) < 0 ||
        (o->secret_config &&
         (rc = st_secret_rules_add_file(s->rules, o->secret_config, &err)) <
             0) ||
        (rc = st_secret_rules_compile(s->rules, &err)) < 0) {
        char *msg = st_error_format(err);
        rc = st_ctx_fail(ctx, rc, "secret rules: %s",
                         msg ? msg : st_strerror(rc));
        st_free(msg);
        st_error_free(err);
        return rc;
    }
    if (!(s->scanner = st_secret_scanner_new(s->rules)))
        return ST_ENOMEM;
    return 0;
}

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct state *s = state;
    struct place p = {ctx, e, ST_ORIGIN_FILE, NULL, e->layer, NULL};

    if (st_secret_path_allowed(s->rules, e->path))
        return 0;
    return scan_text(s, &p, e->path, data, len);
}

static int end(void *state, st_scan_ctx *ctx)
{
    struct state *s = state;
    int rc = scan_config(s, ctx);
    if (rc < 0)
        return rc;
    st_ctx_diag(ctx, ST_DIAG_INFO, NAME, NULL, -1,
                "%zu secret rules, engine %s", st_secret_rule_count(s->rules),
                st_secret_engine(s->rules));
    return 0;
}

const st_analyzer_ops st_analyzer_secret = {
    .name = NAME,
    .version = 1,
    .flags = ST_AN_CONTENT | ST_AN_TEXT,
    .wants = wants,
    .begin = begin,
    .file = file,
    .end = end,
    .release = release,
    .scanner = ST_SCANNER_SECRET,
    .limit = limit,
};
