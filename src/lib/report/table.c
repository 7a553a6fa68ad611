/* The "table" format: a summary for people, then (with list_packages) one
 * aligned row per package, then the diagnostics. Text from the image is
 * cleaned of control characters before it reaches a terminal. */
#include <string.h>

#include "report_int.h"
#include "util/banned.h"

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

enum { COL_TYPE, COL_NAME, COL_VERSION, COL_SOURCE, COL_ARCH, COL_LAYER,
       N_COLS };
static const char *const col_titles[N_COLS] = {
    "TYPE", "NAME", "VERSION", "SOURCE", "ARCH", "LAYER",
};
/* Secondary columns are dim when colours are on. */
static const bool col_dim[N_COLS] = {
    false, false, false, true, true, true,
};

typedef struct out {
    FILE *f;
    bool color;
} out;

static void style(const out *o, const char *sgr)
{
    if (o->color)
        fputs(sgr, o->f);
}

/* Writes s cleaned for a terminal; returns its width, or -1 when out of
 * memory. */
static long put_clean(const out *o, const char *s)
{
    char *c = st_report__clean(s, true);
    long w;

    if (!c)
        return -1;
    fputs(c, o->f);
    w = (long)st_report__width(c);
    st_free(c);
    return w;
}

/* "Label     value" with an optional dim suffix. */
static int field(const out *o, const char *label, const char *value,
                 const char *dim_suffix)
{
    style(o, BOLD);
    fprintf(o->f, "%-10s", label);
    style(o, RESET);
    if (put_clean(o, value && *value ? value : "-") < 0)
        return ST_ENOMEM;
    if (dim_suffix && *dim_suffix) {
        fputc(' ', o->f);
        style(o, DIM);
        if (put_clean(o, dim_suffix) < 0)
            return ST_ENOMEM;
        style(o, RESET);
    }
    fputc('\n', o->f);
    return 0;
}

/* "sha256:0123456789ab": the algorithm and the first 12 hex digits. */
static void short_digest(char *dst, size_t n, const char *digest)
{
    const char *colon = strchr(digest, ':');
    int head = colon ? (int)(colon - digest) + 1 : 0;

    snprintf(dst, n, "%.*s%.12s", head, digest, digest + head);
}

static int os_line(st_buf *b, const st_os_info *os)
{
    if (!os || !os->family)
        return st_buf_puts(b, "unknown");
    if (os->pretty_name && *os->pretty_name)
        return st_buf_puts(b, os->pretty_name);
    if (!strcmp(os->family, "unknown"))
        return st_buf_printf(b, "unknown%s%s%s",
                             os->reason ? " (" : "",
                             os->reason ? os->reason : "",
                             os->reason ? ")" : "");
    return st_buf_printf(b, "%s %s", os->family,
                         os->version ? os->version
                         : os->version_id ? os->version_id : "");
}

/* "96 (deb 90, npm 6)": types in order of first appearance. */
static int count_line(st_buf *b, const st_result *r)
{
    size_t n = st_result_package_count(r), ntypes = 0;
    const char **types = NULL;
    size_t *counts = NULL;
    int rc = 0;

    ST_CHECK(st_buf_printf(b, "%zu", n));
    if (!n)
        goto done;
    types = st_calloc(n, sizeof(*types));
    counts = st_calloc(n, sizeof(*counts));
    if (!types || !counts) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *t = st_result_package(r, i)->type;
        size_t j;

        t = t ? t : "?";
        for (j = 0; j < ntypes && strcmp(types[j], t); j++)
            ;
        if (j == ntypes)
            types[ntypes++] = t;
        counts[j]++;
    }
    for (size_t j = 0; j < ntypes; j++)
        ST_CHECK(st_buf_printf(b, "%s%s %zu", j ? ", " : " (", types[j],
                               counts[j]));
    ST_CHECK(st_buf_putc(b, ')'));
done:
    st_free(types);
    st_free(counts);
    return rc;
}

static int header(const out *o, const st_result *r)
{
    const st_image_info *img = st_result_image(r);
    st_buf b = ST_BUF_INIT(1 << 20);
    char dig[80];
    int rc = 0;

    ST_CHECK(field(o, "Image", img && img->ref ? img->ref
                               : st_report__image_name(r), NULL));
    for (size_t i = 0, shown = 0; img && i < img->repo_tag_count; i++) {
        if (img->repo_tags[i] && (!img->ref ||
                                  strcmp(img->repo_tags[i], img->ref)))
            ST_CHECK(field(o, shown++ ? "" : "Tags", img->repo_tags[i],
                           NULL));
    }
    if (img && img->source)
        ST_CHECK(field(o, "Source", img->source, img->path));
    ST_CHECK(os_line(&b, st_result_os(r)));
    ST_CHECK(field(o, "OS", b.ptr, NULL));
    if (img && img->os) {
        st_buf_reset(&b);
        ST_CHECK(st_buf_printf(&b, "%s%s%s%s%s", img->os,
                               img->architecture ? "/" : "",
                               img->architecture ? img->architecture : "",
                               img->variant ? "/" : "",
                               img->variant ? img->variant : ""));
        ST_CHECK(field(o, "Platform", b.ptr, NULL));
    }
    if (img && img->manifest_digest) {
        short_digest(dig, sizeof(dig), img->manifest_digest);
        ST_CHECK(field(o, "Manifest", dig, NULL));
    }
    if (img && img->config_digest) {
        short_digest(dig, sizeof(dig), img->config_digest);
        ST_CHECK(field(o, "Config", dig, NULL));
    }
    st_buf_reset(&b);
    ST_CHECK(st_buf_printf(&b, "%zu", img ? img->layer_count : 0));
    ST_CHECK(field(o, "Layers", b.ptr, NULL));
    st_buf_reset(&b);
    ST_CHECK(count_line(&b, r));
    ST_CHECK(field(o, "Packages", b.ptr, NULL));
done:
    st_buf_release(&b);
    return rc;
}

/* The text of one cell, cleaned; "-" when absent. Caller frees. */
static char *cell(const st_package *p, int col)
{
    char num[32];
    const char *s = NULL;

    switch (col) {
    case COL_TYPE:
        s = p->type;
        break;
    case COL_NAME:
        s = p->name;
        break;
    case COL_VERSION:
        s = p->version;
        break;
    case COL_SOURCE:
        s = p->source_name;
        break;
    case COL_ARCH:
        s = p->arch;
        break;
    case COL_LAYER:
        if (p->layer_index >= 0) {
            snprintf(num, sizeof(num), "%d", p->layer_index);
            s = num;
        }
        break;
    }
    return st_report__clean(s && *s ? s : "-", true);
}

static int packages(const out *o, const st_result *r)
{
    size_t n = st_result_package_count(r), width[N_COLS];
    char **cells = NULL;
    int rc = 0;

    if (!n)
        return 0;
    if (n > SIZE_MAX / N_COLS / sizeof(*cells))
        return ST_ENOMEM;
    cells = st_calloc(n * N_COLS, sizeof(*cells));
    if (!cells)
        return ST_ENOMEM;
    for (int c = 0; c < N_COLS; c++)
        width[c] = strlen(col_titles[c]);
    for (size_t i = 0; i < n; i++) {
        const st_package *p = st_result_package(r, i);

        for (int c = 0; c < N_COLS; c++) {
            char *s = cell(p, c);
            size_t w;

            if (!s) {
                rc = ST_ENOMEM;
                goto done;
            }
            cells[i * N_COLS + c] = s;
            w = st_report__width(s);
            if (w > width[c])
                width[c] = w;
        }
    }

    fputc('\n', o->f);
    style(o, BOLD);
    for (int c = 0; c < N_COLS; c++) {
        if (c + 1 < N_COLS)
            fprintf(o->f, "%-*s  ", (int)width[c], col_titles[c]);
        else
            fputs(col_titles[c], o->f);
    }
    style(o, RESET);
    fputc('\n', o->f);
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < N_COLS; c++) {
            const char *s = cells[i * N_COLS + c];

            if (col_dim[c])
                style(o, DIM);
            fputs(s, o->f);
            if (col_dim[c])
                style(o, RESET);
            if (c + 1 < N_COLS)
                fprintf(o->f, "%*s", (int)(width[c] - st_report__width(s) + 2),
                        "");
        }
        fputc('\n', o->f);
    }
done:
    for (size_t i = 0; cells && i < n * N_COLS; i++)
        st_free(cells[i]);
    st_free(cells);
    return rc;
}

static int diagnostics(const out *o, const st_result *r)
{
    size_t n = st_result_diagnostic_count(r);

    if (n)
        fputc('\n', o->f);
    for (size_t i = 0; i < n; i++) {
        const st_diagnostic *d = st_result_diagnostic(r, i);

        style(o, BOLD);
        fputs(d->level == ST_DIAG_WARNING ? "warning" : "info", o->f);
        style(o, RESET);
        fputs(": ", o->f);
        if (d->path) {
            if (put_clean(o, d->path) < 0)
                return ST_ENOMEM;
            if (d->layer_index >= 0)
                fprintf(o->f, " (layer %d)", d->layer_index);
            fputs(": ", o->f);
        } else if (d->layer_index >= 0) {
            fprintf(o->f, "layer %d: ", d->layer_index);
        }
        if (put_clean(o, d->message ? d->message : "") < 0)
            return ST_ENOMEM;
        fputc('\n', o->f);
    }
    return 0;
}

int st_report__table(FILE *f, const st_result *r,
                     const st_report_options *opts, st_error **err)
{
    out o = {f, opts->color != 0};
    int rc = 0;

    ST_CHECK(header(&o, r));
    if (opts->list_packages)
        ST_CHECK(packages(&o, r));
    ST_CHECK(diagnostics(&o, r));
done:
    if (rc < 0)
        return st_error_set(err, rc, "report", "table: %s",
                            st_strerror(rc));
    return st_report__flush(f, err);
}
