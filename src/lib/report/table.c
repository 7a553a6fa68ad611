/* The "table" format: a summary for people, then (with list_packages) one
 * aligned row per package, then the vulnerabilities grouped by target (the
 * OS packages, then each file that declared language packages), then one
 * section per kind of other finding (secrets, malware, hardening,
 * configuration), then a configuration audit's storage graph, then the
 * diagnostics. Text from the image or the vulnerability DB is cleaned of
 * control characters before it reaches a terminal. */
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

/* A configuration audit (strata/config.h) rather than an image scan. */
static bool is_config(const st_result *r)
{
    const st_image_info *img = st_result_image(r);
    return img && img->source && !strcmp(img->source, "config");
}

/* A finding's severity as shown: configuration checks may be INFO (an
 * inventory entry), which ranks with UNKNOWN. */
static const char *finding_sev(const st_finding *f)
{
    if (f->kind == ST_FINDING_CONFIG && f->severity &&
        !strcmp(f->severity, "INFO"))
        return "INFO";
    return st_report__sev_name(st_report__sev_rank(f->severity));
}

static int header(const out *o, const st_result *r)
{
    const st_image_info *img = st_result_image(r);
    st_buf b = ST_BUF_INIT(1 << 20);
    char dig[80];
    int rc = 0;

    if (is_config(r)) {
        /* a configuration audit: what was audited, no image */
        ST_CHECK(field(o, "Target", img && img->ref ? img->ref : "-", NULL));
        ST_CHECK(st_buf_printf(&b, "%llu audited",
                               (unsigned long long)st_result_stats(r)
                                   ->files_read));
        ST_CHECK(field(o, "Files", b.ptr, NULL));
        goto done;
    }
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
    for (size_t i = 0; img && i < img->signature_count; i++) {
        const st_signature_info *s = &img->signatures[i];
        st_buf_reset(&b);
        if (s->valid)
            ST_CHECK(st_buf_printf(&b, "valid (key %s%s%s)", s->key,
                                   s->identity ? ", identity " : "",
                                   s->identity ? s->identity : ""));
        else
            ST_CHECK(st_buf_printf(&b, "NOT valid: %s",
                                   s->problem ? s->problem : "unknown"));
        ST_CHECK(field(o, i ? "" : "Signatures", b.ptr, NULL));
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

/* ---- vulnerabilities ------------------------------------------------- */

#define TABLE_WIDTH 120 /* the TITLE column is cut to fit */
#define TITLE_MIN 10

enum { VC_PACKAGE, VC_INSTALLED, VC_FIXED, VC_SEVERITY, VC_ID, VC_TITLE,
       N_VCOLS };
static const char *const vcol_titles[N_VCOLS] = {
    "PACKAGE", "INSTALLED", "FIXED", "SEVERITY", "ID", "TITLE",
};
/* By rank: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL. */
static const char *const sev_sgr[5] = {
    "\033[2m", "\033[34m", "\033[33m", "\033[31m", "\033[1;31m",
};

static bool os_type(const char *type)
{
    return type && (!strcmp(type, "deb") || !strcmp(type, "apk") ||
                    !strcmp(type, "rpm"));
}

/* Findings are grouped by target: every OS package in one, and each file
 * that declared a language package in its own. */
static bool is_os_finding(const st_vuln *v)
{
    return v->package && os_type(v->package->type);
}

static const char *target_of(const st_vuln *v)
{
    return v->package && v->package->found_in ? v->package->found_in : "";
}

static bool same_target(const st_vuln *a, const st_vuln *b)
{
    if (is_os_finding(a) || is_os_finding(b))
        return is_os_finding(a) && is_os_finding(b);
    return !strcmp(target_of(a), target_of(b));
}

/* s cut to at most w code points, with "…" as the last one when cut. */
static int put_cut(st_buf *b, const char *clean, size_t w)
{
    size_t n = st_report__width(clean), cps = 0;
    const char *p = clean;

    if (n <= w)
        return st_buf_puts(b, clean);
    if (w == 0)
        return 0;
    while (*p) {
        if ((*p & 0xc0) != 0x80 && cps++ == w - 1)
            break;
        p++;
    }
    if (st_buf_put(b, clean, (size_t)(p - clean)) < 0)
        return ST_ENOMEM;
    return st_buf_puts(b, "\xe2\x80\xa6");
}

/* The text of one cell, cleaned for a terminal. Caller frees. */
static char *vcell(const st_vuln *v, int col, bool show_suppressed)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    const st_package *p = v->package;
    char *c = NULL;
    int rc = 0;

    switch (col) {
    case VC_PACKAGE:
        ST_CHECK(st_buf_puts(&b, p && p->name ? p->name : "-"));
        break;
    case VC_INSTALLED:
        ST_CHECK(st_buf_puts(&b, v->installed_version ? v->installed_version
                                 : p && p->version ? p->version : "-"));
        break;
    case VC_FIXED:
        ST_CHECK(st_buf_puts(&b, v->fixed_version && *v->fixed_version
                                 ? v->fixed_version : "(unfixed)"));
        break;
    case VC_SEVERITY:
        ST_CHECK(st_buf_puts(&b, st_report__sev_name(
                                     st_report__sev_rank(v->severity))));
        break;
    case VC_ID: {
        size_t more = 0;

        for (size_t i = 0; i < v->id_count; i++)
            more += v->ids[i] && (!v->id || strcmp(v->ids[i], v->id));
        ST_CHECK(st_buf_puts(&b, v->id ? v->id : "-"));
        if (more)
            ST_CHECK(st_buf_printf(&b, " +%zu", more));
        break;
    }
    case VC_TITLE:
        if (v->suppressed_by && show_suppressed)
            ST_CHECK(st_buf_puts(&b, "(suppressed) "));
        ST_CHECK(st_buf_puts(&b, v->title && *v->title ? v->title
                                 : v->description && *v->description
                                 ? v->description : "-"));
        break;
    }
    c = st_report__clean(b.ptr, true);
done:
    st_buf_release(&b);
    (void)rc;
    return c;
}

static void totals_line(const out *o, const size_t count[5])
{
    fprintf(o->f, "Total: %zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, "
                  "LOW: %zu, UNKNOWN: %zu)\n",
            count[0] + count[1] + count[2] + count[3] + count[4], count[4],
            count[3], count[2], count[1], count[0]);
}

/* One target: its heading, the rows of `rows` (indices into the result),
 * a totals line. */
static int vuln_target(const out *o, const st_result *r, const size_t *rows,
                       size_t n, const st_report_options *opts,
                       size_t count[5])
{
    const st_vuln *first = st_result_vuln(r, rows[0]);
    size_t width[N_VCOLS], used = 0, title_w;
    char **cells = NULL;
    st_buf head = ST_BUF_INIT(1 << 20);
    int rc = 0;

    if (n > SIZE_MAX / N_VCOLS / sizeof(*cells))
        return ST_ENOMEM;
    if (!(cells = st_calloc(n * N_VCOLS, sizeof(*cells))))
        return ST_ENOMEM;
    for (int c = 0; c < N_VCOLS; c++)
        width[c] = strlen(vcol_titles[c]);
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, rows[i]);

        count[st_report__sev_rank(v->severity)]++;
        for (int c = 0; c < N_VCOLS; c++) {
            char *s = vcell(v, c, opts->show_suppressed != 0);

            if (!s) {
                rc = ST_ENOMEM;
                goto done;
            }
            cells[i * N_VCOLS + c] = s;
            if (st_report__width(s) > width[c])
                width[c] = st_report__width(s);
        }
    }
    for (int c = 0; c < VC_TITLE; c++)
        used += width[c] + 2;
    title_w = used + TITLE_MIN < TABLE_WIDTH ? TABLE_WIDTH - used : TITLE_MIN;
    if (width[VC_TITLE] > title_w)
        width[VC_TITLE] = title_w;

    /* "OS packages: Debian GNU/Linux 12 (bookworm)", or the file and the
     * package type. */
    if (is_os_finding(first)) {
        ST_CHECK(st_buf_puts(&head, "OS packages: "));
        ST_CHECK(os_line(&head, st_result_os(r)));
    } else {
        ST_CHECK(st_buf_puts(&head, *target_of(first) ? target_of(first)
                                                      : "(unknown file)"));
        if (first->package && first->package->type)
            ST_CHECK(st_buf_printf(&head, " (%s)", first->package->type));
    }
    fputc('\n', o->f);
    style(o, BOLD);
    if (put_clean(o, head.ptr) < 0) {
        rc = ST_ENOMEM;
        goto done;
    }
    style(o, RESET);
    fputc('\n', o->f);
    style(o, BOLD);
    for (int c = 0; c < N_VCOLS; c++) {
        if (c + 1 < N_VCOLS)
            fprintf(o->f, "%-*s  ", (int)width[c], vcol_titles[c]);
        else
            fputs(vcol_titles[c], o->f);
    }
    style(o, RESET);
    fputc('\n', o->f);
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, rows[i]);

        for (int c = 0; c < N_VCOLS; c++) {
            const char *s = cells[i * N_VCOLS + c];

            if (c == VC_TITLE) {
                st_buf_reset(&head);
                ST_CHECK(put_cut(&head, s, width[c]));
                fputs(head.ptr, o->f);
                break;
            }
            if (c == VC_SEVERITY)
                style(o, sev_sgr[st_report__sev_rank(v->severity)]);
            fputs(s, o->f);
            if (c == VC_SEVERITY)
                style(o, RESET);
            fprintf(o->f, "%*s", (int)(width[c] - st_report__width(s) + 2),
                    "");
        }
        fputc('\n', o->f);
    }
    {
        size_t mine[5] = {0};

        for (size_t i = 0; i < n; i++)
            mine[st_report__sev_rank(st_result_vuln(r, rows[i])->severity)]++;
        totals_line(o, mine);
    }
done:
    for (size_t i = 0; cells && i < n * N_VCOLS; i++)
        st_free(cells[i]);
    st_free(cells);
    st_buf_release(&head);
    return rc;
}

static int vulnerabilities(const out *o, const st_result *r,
                           const st_report_options *opts)
{
    size_t n = st_result_vuln_count(r), nrows, ntargets = 0;
    size_t suppressed = 0, filtered = 0, count[5] = {0};
    size_t *rows = NULL;
    bool *done_v = NULL;
    int rc = 0;

    if (!n && !st_report__matched(r))
        return 0;
    fputc('\n', o->f);
    style(o, BOLD);
    fputs("Vulnerabilities", o->f);
    style(o, RESET);
    fputc('\n', o->f);
    if (n && (!(rows = st_calloc(n, sizeof(*rows))) ||
              !(done_v = st_calloc(n, sizeof(*done_v))))) {
        rc = ST_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const st_vuln *v = st_result_vuln(r, i);

        if (st_report_shows(v, opts))
            continue;
        done_v[i] = true;
        if (st_report__listed(v, opts))
            suppressed++;
        else
            filtered++;
    }
    /* OS packages first, then each other target in order of appearance. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const st_vuln *v = st_result_vuln(r, i);

            if (done_v[i] || is_os_finding(v) != (pass == 0))
                continue;
            nrows = 0;
            for (size_t j = i; j < n; j++) {
                if (!done_v[j] && same_target(v, st_result_vuln(r, j))) {
                    rows[nrows++] = j;
                    done_v[j] = true;
                }
            }
            ST_CHECK(vuln_target(o, r, rows, nrows, opts, count));
            ntargets++;
        }
    }
    if (ntargets == 0)
        fputs("None found.\n", o->f);
    if (ntargets > 1) {
        fputc('\n', o->f);
        totals_line(o, count);
    }
    if (suppressed || filtered) {
        fprintf(o->f, "%s%zu not shown: ", ntargets ? "\n" : "",
                suppressed + filtered);
        if (suppressed)
            fprintf(o->f, "%zu suppressed (ignore file or VEX)%s",
                    suppressed, filtered ? ", " : "");
        if (filtered)
            fprintf(o->f, "%zu filtered out (severity or no fix)", filtered);
        fputc('\n', o->f);
    }
done:
    st_free(rows);
    st_free(done_v);
    return rc;
}

/* ---- secrets, malware, hardening ------------------------------------ */

#define WHERE_MAX 40 /* longer paths keep their end: "…/dir/file:3" */
#define OBJECT_MAX 56 /* configuration objects: "…/web/container nginx" */
#define DETAIL_MIN 40 /* configuration details say what was found */
/* A secret shown whole (show_secrets) is not cut to the table's width,
 * which would make it useless; only beyond this (a PEM block). */
#define SECRET_SHOWN_MAX 256
#define DELETED " (deleted in a later layer)"

enum { FC_SEVERITY, FC_ID, FC_WHERE, FC_LAYER, FC_LAST, N_FCOLS };

/* One section per kind, in the result's order of kinds. */
static const struct kind_section {
    st_finding_kind kind;
    const char *heading;
    const char *titles[N_FCOLS];
} kind_sections[] = {
    {ST_FINDING_SECRET, "Secrets",
     {"SEVERITY", "RULE", "WHERE", "LAYER", "MATCH"}},
    {ST_FINDING_MALWARE, "Malware",
     {"SEVERITY", "RULE", "WHERE", "LAYER", "TITLE"}},
    {ST_FINDING_HARDENING, "Hardening",
     {"SEVERITY", "CHECK", "WHERE", "LAYER", "DETAIL"}},
    /* configuration findings are in files, not layers: the object
     * (kind/namespace/name/container) takes the LAYER column's place */
    {ST_FINDING_CONFIG, "Configuration",
     {"SEVERITY", "CHECK", "WHERE", "OBJECT", "DETAIL"}},
};
#define N_KIND_SECTIONS (sizeof(kind_sections) / sizeof(kind_sections[0]))

/* clean cut to at most w code points from its start, "…" first when cut:
 * the end of a path says more than its beginning. */
static int put_cut_left(st_buf *b, const char *clean, size_t w)
{
    size_t n = st_report__width(clean), skip;
    const char *p = clean;

    if (n <= w)
        return st_buf_puts(b, clean);
    if (w == 0)
        return 0;
    skip = n - (w - 1);
    while (skip) {
        p++;
        if ((*p & 0xc0) != 0x80)
            skip--;
    }
    if (st_buf_puts(b, "\xe2\x80\xa6") < 0)
        return ST_ENOMEM;
    return st_buf_puts(b, p);
}

/* The last column: the secret (redacted unless show_secrets), the
 * malware's title and what matched, the hardening check's detail (else
 * its title). */
static int last_cell(st_buf *b, const st_result *r, const st_finding *f,
                     const st_report_options *opts)
{
    char red[32];
    const char *match = st_report__finding_match(f, opts, red, sizeof(red));
    const char *title = f->title && *f->title ? f->title : NULL;
    char *detail = NULL;
    int rc = 0;

    ST_CHECK(st_report__hide_secrets(&detail, f->detail, r, f, opts));
    if (detail && !*detail) {
        st_free(detail);
        detail = NULL;
    }
    if (f->suppressed_by && opts->show_suppressed)
        ST_CHECK(st_buf_puts(b, "(suppressed) "));
    switch (f->kind) {
    case ST_FINDING_SECRET:
        ST_CHECK(st_buf_puts(b, match ? match : title ? title : "-"));
        break;
    case ST_FINDING_MALWARE:
        ST_CHECK(st_buf_puts(b, title ? title : "-"));
        if (match)
            ST_CHECK(st_buf_printf(b, " (%s)", match));
        break;
    case ST_FINDING_HARDENING: /* the check's id says what it is */
    case ST_FINDING_CONFIG:
        ST_CHECK(st_buf_puts(b, detail ? detail : title ? title : "-"));
        break;
    }
done:
    st_free(detail);
    return rc;
}

/* The text of one cell, cleaned for a terminal and, for WHERE, cut.
 * Caller frees. */
static char *fcell(const st_result *r, const st_finding *f, int col,
                   const st_report_options *opts)
{
    st_buf b = ST_BUF_INIT(1 << 20), cut = ST_BUF_INIT(1 << 20);
    char *c = NULL;
    int rc = 0;

    switch (col) {
    case FC_SEVERITY:
        ST_CHECK(st_buf_puts(&b, finding_sev(f)));
        break;
    case FC_ID:
        ST_CHECK(st_buf_puts(&b, f->id && *f->id ? f->id : "-"));
        break;
    case FC_WHERE:
        ST_CHECK(st_report__finding_where(&b, f));
        if (f->origin == ST_ORIGIN_FILE && f->line && f->column)
            ST_CHECK(st_buf_printf(&b, ":%u", f->column));
        break;
    case FC_LAYER:
        if (f->kind == ST_FINDING_CONFIG) {
            ST_CHECK(st_buf_puts(&b, f->object && *f->object ? f->object
                                                             : "-"));
            break;
        }
        if (f->layer_index >= 0)
            ST_CHECK(st_buf_printf(&b, "%d", f->layer_index));
        else
            ST_CHECK(st_buf_putc(&b, '-'));
        if (!f->visible)
            ST_CHECK(st_buf_puts(&b, DELETED));
        break;
    case FC_LAST:
        ST_CHECK(last_cell(&b, r, f, opts));
        break;
    }
    if (!(c = st_report__clean(b.ptr, true)))
        goto done;
    if (col == FC_LAYER && f->kind == ST_FINDING_CONFIG &&
        st_report__width(c) > OBJECT_MAX) {
        ST_CHECK(put_cut_left(&cut, c, OBJECT_MAX));
        st_free(c);
        c = st_buf_detach(&cut, NULL);
    } else if (col == FC_WHERE && st_report__width(c) > WHERE_MAX) {
        ST_CHECK(put_cut_left(&cut, c, WHERE_MAX));
        st_free(c);
        c = st_buf_detach(&cut, NULL);
    }
done:
    st_buf_release(&b);
    st_buf_release(&cut);
    if (rc < 0) {
        st_free(c);
        c = NULL;
    }
    return c;
}

/* One kind's rows (indices into the result), then its totals. */
static int finding_rows(const out *o, const st_result *r,
                        const struct kind_section *ks, const size_t *rows,
                        size_t n, const st_report_options *opts)
{
    size_t width[N_FCOLS], used = 0, last_w, count[5] = {0}, deleted = 0;
    char **cells = NULL;
    st_buf line = ST_BUF_INIT(1 << 20);
    int rc = 0;

    if (n > SIZE_MAX / N_FCOLS / sizeof(*cells))
        return ST_ENOMEM;
    if (!(cells = st_calloc(n * N_FCOLS, sizeof(*cells))))
        return ST_ENOMEM;
    for (int c = 0; c < N_FCOLS; c++)
        width[c] = strlen(ks->titles[c]);
    for (size_t i = 0; i < n; i++) {
        const st_finding *f = st_result_finding(r, rows[i]);

        count[st_report__sev_rank(f->severity)]++;
        deleted += !f->visible;
        for (int c = 0; c < N_FCOLS; c++) {
            char *s = fcell(r, f, c, opts);

            if (!s) {
                rc = ST_ENOMEM;
                goto done;
            }
            cells[i * N_FCOLS + c] = s;
            if (st_report__width(s) > width[c])
                width[c] = st_report__width(s);
        }
    }
    for (int c = 0; c < FC_LAST; c++)
        used += width[c] + 2;
    last_w = used + TITLE_MIN < TABLE_WIDTH ? TABLE_WIDTH - used : TITLE_MIN;
    if (ks->kind == ST_FINDING_CONFIG && last_w < DETAIL_MIN)
        last_w = DETAIL_MIN; /* wider than the table rather than mute */
    if (ks->kind == ST_FINDING_SECRET && opts->show_secrets)
        last_w = SECRET_SHOWN_MAX;
    if (width[FC_LAST] > last_w)
        width[FC_LAST] = last_w;

    style(o, BOLD);
    for (int c = 0; c < N_FCOLS; c++) {
        if (c + 1 < N_FCOLS)
            fprintf(o->f, "%-*s  ", (int)width[c], ks->titles[c]);
        else
            fputs(ks->titles[c], o->f);
    }
    style(o, RESET);
    fputc('\n', o->f);
    for (size_t i = 0; i < n; i++) {
        const st_finding *f = st_result_finding(r, rows[i]);

        for (int c = 0; c < N_FCOLS; c++) {
            const char *s = cells[i * N_FCOLS + c];

            if (c == FC_LAST) {
                st_buf_reset(&line);
                ST_CHECK(put_cut(&line, s, width[c]));
                fputs(line.ptr, o->f);
                break;
            }
            if (c == FC_SEVERITY)
                style(o, sev_sgr[st_report__sev_rank(f->severity)]);
            else if (c == FC_LAYER)
                style(o, f->visible ? DIM : BOLD);
            fputs(s, o->f);
            if (c == FC_SEVERITY || c == FC_LAYER)
                style(o, RESET);
            fprintf(o->f, "%*s", (int)(width[c] - st_report__width(s) + 2),
                    "");
        }
        fputc('\n', o->f);
    }
    if (ks->kind == ST_FINDING_CONFIG)
        fprintf(o->f, "Total: %zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, "
                      "LOW: %zu, INFO: %zu)\n",
                count[0] + count[1] + count[2] + count[3] + count[4],
                count[4], count[3], count[2], count[1], count[0]);
    else
        totals_line(o, count);
    if (deleted && ks->kind == ST_FINDING_SECRET)
        fprintf(o->f, "%zu in files deleted in a later layer: still in the "
                      "image, readable by anyone who can pull it.\n",
                deleted);
done:
    for (size_t i = 0; cells && i < n * N_FCOLS; i++)
        st_free(cells[i]);
    st_free(cells);
    st_buf_release(&line);
    return rc;
}

/* A section for each kind the result has findings of, even when the
 * filters hide them all (then it says so). */
static int findings(const out *o, const st_result *r,
                    const st_report_options *opts)
{
    size_t n = st_result_finding_count(r);
    size_t *rows = NULL;
    int rc = 0;

    if (!n)
        return 0;
    if (!(rows = st_calloc(n, sizeof(*rows))))
        return ST_ENOMEM;
    for (size_t k = 0; k < N_KIND_SECTIONS; k++) {
        const struct kind_section *ks = &kind_sections[k];
        size_t nrows = 0, present = 0, suppressed = 0, filtered = 0;

        for (size_t i = 0; i < n; i++) {
            const st_finding *f = st_result_finding(r, i);

            if (f->kind != ks->kind)
                continue;
            present++;
            if (st_report_shows_finding(f, opts))
                rows[nrows++] = i;
            else if (st_report__finding_listed(f, opts))
                suppressed++;
            else
                filtered++;
        }
        if (!present)
            continue;
        fputc('\n', o->f);
        style(o, BOLD);
        fputs(ks->heading, o->f);
        style(o, RESET);
        fputc('\n', o->f);
        if (nrows)
            ST_CHECK(finding_rows(o, r, ks, rows, nrows, opts));
        else
            fputs("None shown.\n", o->f);
        if (suppressed || filtered) {
            fprintf(o->f, "%zu not shown: ", suppressed + filtered);
            if (suppressed)
                fprintf(o->f, "%zu suppressed%s", suppressed,
                        filtered ? ", " : "");
            if (filtered)
                fprintf(o->f, "%zu filtered out (severity)", filtered);
            fputc('\n', o->f);
        }
    }
done:
    st_free(rows);
    return rc;
}

/* The storage graph of a configuration audit: one row per mount, grouped
 * by what is mounted (the result keeps them sorted that way). */
enum { SC_STORE, SC_SOURCE, SC_WORKLOAD, SC_MOUNT, SC_ACCESS, SC_WHERE,
       N_SCOLS };
static const char *const scol_titles[N_SCOLS] = {
    "STORE", "SOURCE", "WORKLOAD", "MOUNT", "ACCESS", "WHERE",
};

static char *scell(const st_storage_mount *m, int col)
{
    st_buf b = ST_BUF_INIT(1 << 16);
    char *c = NULL;
    int rc = 0;

    switch (col) {
    case SC_STORE:
        ST_CHECK(st_buf_puts(&b, m->store ? m->store : "-"));
        break;
    case SC_SOURCE:
        ST_CHECK(st_buf_puts(&b, m->source ? m->source : "-"));
        break;
    case SC_WORKLOAD:
        ST_CHECK(st_buf_puts(&b, m->workload ? m->workload : "-"));
        if (m->container)
            ST_CHECK(st_buf_printf(&b, " (%s)", m->container));
        break;
    case SC_MOUNT:
        ST_CHECK(st_buf_puts(&b, m->mount_path ? m->mount_path : "-"));
        break;
    case SC_ACCESS:
        ST_CHECK(st_buf_printf(&b, "%s%s", m->writable ? "rw" : "ro",
                               m->shared_access ? " RWX" : ""));
        break;
    case SC_WHERE:
        ST_CHECK(st_buf_puts(&b, m->path ? m->path : "?"));
        if (m->line)
            ST_CHECK(st_buf_printf(&b, ":%u", m->line));
        if (m->line && m->column)
            ST_CHECK(st_buf_printf(&b, ":%u", m->column));
        break;
    }
    c = st_report__clean(b.ptr, true);
done:
    st_buf_release(&b);
    return rc < 0 ? NULL : c;
}

static int storage(const out *o, const st_result *r)
{
    size_t n = st_result_storage_count(r), width[N_SCOLS];
    char **cells = NULL;
    int rc = 0;

    if (!n)
        return 0;
    if (n > SIZE_MAX / N_SCOLS / sizeof(*cells) ||
        !(cells = st_calloc(n * N_SCOLS, sizeof(*cells))))
        return ST_ENOMEM;
    for (int c = 0; c < N_SCOLS; c++)
        width[c] = strlen(scol_titles[c]);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < N_SCOLS; c++) {
            char *s = scell(st_result_storage(r, i), c);
            if (!s) {
                rc = ST_ENOMEM;
                goto done;
            }
            cells[i * N_SCOLS + c] = s;
            if (st_report__width(s) > width[c])
                width[c] = st_report__width(s);
        }
    fputc('\n', o->f);
    style(o, BOLD);
    fputs("Storage\n", o->f);
    for (int c = 0; c < N_SCOLS; c++)
        if (c + 1 < N_SCOLS)
            fprintf(o->f, "%-*s  ", (int)width[c], scol_titles[c]);
        else
            fputs(scol_titles[c], o->f);
    style(o, RESET);
    fputc('\n', o->f);
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < N_SCOLS; c++) {
            const char *s = cells[i * N_SCOLS + c];
            fputs(s, o->f);
            if (c + 1 < N_SCOLS)
                fprintf(o->f, "%*s",
                        (int)(width[c] - st_report__width(s) + 2), "");
        }
        fputc('\n', o->f);
    }
done:
    for (size_t i = 0; cells && i < n * N_SCOLS; i++)
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
    ST_CHECK(vulnerabilities(&o, r, opts));
    ST_CHECK(findings(&o, r, opts));
    ST_CHECK(storage(&o, r));
    ST_CHECK(diagnostics(&o, r));
done:
    if (rc < 0)
        return st_error_set(err, rc, "report", "table: %s",
                            st_strerror(rc));
    return st_report__flush(f, err);
}
