/* Report writers: format names, dispatch, and the helpers every writer
 * shares (timestamps, deterministic UUIDs, SPDX licence ids, JSON output). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "inventory/result_int.h"
#include "report_int.h"
#include "util/banned.h"

/* The writers, by name. A format may have several names; the first one of
 * each format is the canonical one. */
static const struct writer {
    const char *name;
    st_format format;
    st_report_fn fn;
} writers[] = {
    {"table", ST_FORMAT_TABLE, st_report__table},
    {"json", ST_FORMAT_JSON, st_report__json},
    {"cyclonedx", ST_FORMAT_CYCLONEDX, st_report__cyclonedx},
    {"cyclonedx-json", ST_FORMAT_CYCLONEDX, st_report__cyclonedx},
    {"spdx-json", ST_FORMAT_SPDX, st_report__spdx},
    {"spdx", ST_FORMAT_SPDX, st_report__spdx},
    {"sarif", ST_FORMAT_SARIF, st_report__sarif},
};
#define N_WRITERS (sizeof(writers) / sizeof(writers[0]))

int st_format_parse(st_format *out, const char *name)
{
    if (!out || !name)
        return ST_EUSAGE;
    for (size_t i = 0; i < N_WRITERS; i++) {
        if (!strcmp(writers[i].name, name)) {
            *out = writers[i].format;
            return 0;
        }
    }
    return ST_EUSAGE;
}

int st_report_write(FILE *f, const st_result *r, st_format fmt,
                    const st_report_options *opts, st_error **err)
{
    static const st_report_options defaults = ST_REPORT_OPTIONS_INIT;

    if (!f || !r)
        return st_error_set(err, ST_EUSAGE, "report",
                            "no output stream or no result");
    if (!opts)
        opts = &defaults;
    if (opts->version != ST_REPORT_OPTIONS_VERSION)
        return st_error_set(err, ST_EUSAGE, "report",
                            "report options version %u, want %u",
                            opts->version, ST_REPORT_OPTIONS_VERSION);
    for (size_t i = 0; i < N_WRITERS; i++) {
        if (writers[i].format == fmt)
            return writers[i].fn(f, r, opts, err);
    }
    return st_error_set(err, ST_EUSAGE, "report", "unknown format %d",
                        (int)fmt);
}

/* ---- findings --------------------------------------------------------- */

static const char *const sev_names[] = {
    "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL",
};

int st_report__sev_rank(const char *severity)
{
    for (int i = 1; severity && i < 5; i++) {
        if (!strcmp(severity, sev_names[i]))
            return i;
    }
    return 0;
}

const char *st_report__sev_name(int rank)
{
    return rank >= 0 && rank < 5 ? sev_names[rank] : sev_names[0];
}

bool st_report__unfixed(const st_vuln *v)
{
    if (v->status)
        return !strcmp(v->status, "unfixed");
    return !v->fixed_version || !*v->fixed_version;
}

bool st_report__matched(const st_result *r)
{
    return r->matched || r->vulns.len > 0;
}

int st_severity_parse(unsigned *out, const char *list)
{
    unsigned bits = 0;
    const char *p = list;

    if (!out || !list)
        return ST_EUSAGE;
    for (;;) {
        const char *start, *end;
        int found = -1;

        while (*p == ' ' || *p == '\t')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        for (int i = 0; i < 5; i++) {
            size_t n = strlen(sev_names[i]);

            if ((size_t)(end - start) == n &&
                !strncasecmp(start, sev_names[i], n))
                found = i;
        }
        if (found < 0)
            return ST_EUSAGE; /* an unknown or empty name */
        bits |= 1u << found;
        if (!*p)
            break;
        p++; /* the comma */
    }
    *out = bits;
    return 0;
}

/* The filters shared by every writer, except suppression. */
static bool passes(const st_vuln *v, const st_report_options *opts)
{
    unsigned bit = 1u << st_report__sev_rank(v->severity);

    if (opts->severities && !(opts->severities & bit))
        return false;
    if (opts->ignore_unfixed && st_report__unfixed(v))
        return false;
    return true;
}

int st_report_shows(const st_vuln *v, const st_report_options *opts)
{
    static const st_report_options defaults = ST_REPORT_OPTIONS_INIT;

    if (!v)
        return 0;
    if (!opts)
        opts = &defaults;
    if (!passes(v, opts))
        return 0;
    return !v->suppressed_by || opts->show_suppressed;
}

bool st_report__listed(const st_vuln *v, const st_report_options *opts)
{
    return passes(v, opts);
}

size_t st_report_count(const st_result *r, const st_report_options *opts)
{
    size_t n = 0, total;

    if (!r)
        return 0;
    total = st_result_vuln_count(r);
    for (size_t i = 0; i < total; i++)
        n += st_report_shows(st_result_vuln(r, i), opts) ? 1 : 0;
    total = st_result_finding_count(r);
    for (size_t i = 0; i < total; i++)
        n += st_report_shows_finding(st_result_finding(r, i), opts) ? 1 : 0;
    return n;
}

int st_report_shows_finding(const st_finding *f,
                            const st_report_options *opts)
{
    static const st_report_options defaults = ST_REPORT_OPTIONS_INIT;

    if (!f)
        return 0;
    if (!opts)
        opts = &defaults;
    if (opts->severities &&
        !(opts->severities & (1u << st_report__sev_rank(f->severity))))
        return 0;
    return !f->suppressed_by || opts->show_suppressed;
}

const char *st_report_redact(const char *secret, int show, char *buf,
                             size_t n)
{
    size_t len, keep, stars, i = 0;

    if (!secret || !buf || !n)
        return secret;
    if (show)
        return secret;
    len = strlen(secret);
    keep = len >= 8 ? 4 : 0;
    for (size_t k = 0; k < keep; k++)
        if ((unsigned char)secret[k] >= 0x80)
            keep = 0; /* never cut a UTF-8 sequence */
    stars = len - keep > 16 ? 16 : len - keep;
    for (size_t k = 0; k < keep && i + 1 < n; k++)
        buf[i++] = secret[k];
    for (size_t k = 0; k < stars && i + 1 < n; k++)
        buf[i++] = '*';
    buf[i] = 0;
    return buf;
}

bool st_report__finding_listed(const st_finding *f,
                               const st_report_options *opts)
{
    return !opts->severities ||
           (opts->severities & (1u << st_report__sev_rank(f->severity)));
}

const char *st_report__kind_name(st_finding_kind kind)
{
    switch (kind) {
    case ST_FINDING_SECRET:
        return "secret";
    case ST_FINDING_MALWARE:
        return "malware";
    case ST_FINDING_HARDENING:
        return "hardening";
    case ST_FINDING_CONFIG:
        return "config";
    }
    return "finding";
}

const char *st_report__origin_name(st_finding_origin origin)
{
    switch (origin) {
    case ST_ORIGIN_FILE:
        break;
    case ST_ORIGIN_ENV:
        return "env";
    case ST_ORIGIN_HISTORY:
        return "history";
    case ST_ORIGIN_LABEL:
        return "label";
    }
    return "file";
}

int st_report__finding_where(st_buf *b, const st_finding *f)
{
    const char *path = f->path && *f->path ? f->path : "?";

    switch (f->origin) {
    case ST_ORIGIN_ENV:
        return st_buf_printf(b, "ENV %s", path);
    case ST_ORIGIN_LABEL:
        return st_buf_printf(b, "label %s", path);
    case ST_ORIGIN_HISTORY:
        return st_buf_puts(b, path);
    case ST_ORIGIN_FILE:
        break;
    }
    if (f->line)
        return st_buf_printf(b, "%s:%u", path, f->line);
    return st_buf_puts(b, path);
}

const char *st_report__finding_match(const st_finding *f,
                                     const st_report_options *opts,
                                     char *buf, size_t n)
{
    if (!f->match)
        return NULL;
    if (f->kind != ST_FINDING_SECRET)
        return f->match;
    return st_report_redact(f->match, opts->show_secrets, buf, n);
}

/* Whether f's match is a secret long enough to look for in other text. */
static bool hideable(const st_finding *f)
{
    return f->kind == ST_FINDING_SECRET && f->match && strlen(f->match) >= 4;
}

/* The longest secret that s starts with, or NULL. */
static const char *secret_at(const char *s, const st_result *r,
                             const st_finding *only)
{
    size_t n = only ? 1 : st_result_finding_count(r), best_len = 0;
    const char *best = NULL;

    for (size_t i = 0; i < n; i++) {
        const st_finding *f = only ? only : st_result_finding(r, i);
        size_t len;

        if (!hideable(f))
            continue;
        len = strlen(f->match);
        if (len > best_len && !strncmp(s, f->match, len)) {
            best = f->match;
            best_len = len;
        }
    }
    return best;
}

int st_report__hide_secrets(char **out, const char *s, const st_result *r,
                            const st_finding *f,
                            const st_report_options *opts)
{
    st_buf b = ST_BUF_INIT(SIZE_MAX / 2);
    size_t n = f ? 1 : st_result_finding_count(r);
    bool any = false;
    int rc = 0;

    *out = NULL;
    if (!s)
        return 0;
    for (size_t i = 0; !opts->show_secrets && !any && i < n; i++) {
        const st_finding *g = f ? f : st_result_finding(r, i);

        any = hideable(g) && strstr(s, g->match);
    }
    if (!any)
        return (*out = st_strdup(s)) ? 0 : ST_ENOMEM;
    while (*s) {
        const char *secret = secret_at(s, r, f);
        char red[32];

        if (!secret) {
            ST_CHECK(st_buf_putc(&b, *s++));
            continue;
        }
        ST_CHECK(st_buf_puts(&b, st_report_redact(secret, 0, red,
                                                  sizeof(red))));
        s += strlen(secret);
    }
    if (!(*out = st_buf_detach(&b, NULL)))
        rc = ST_ENOMEM;
done:
    st_buf_release(&b);
    return rc;
}

char *st_report__vuln_url(const char *id)
{
    st_buf b = ST_BUF_INIT(1 << 16);
    const char *base = "https://osv.dev/vulnerability/";
    int rc = 0;

    if (!id)
        id = "";
    if (st_str_startswith(id, "CVE-"))
        base = "https://nvd.nist.gov/vuln/detail/";
    else if (st_str_startswith(id, "GHSA-"))
        base = "https://github.com/advisories/";
    else if (st_str_startswith(id, "DSA-") || st_str_startswith(id, "DLA-") ||
             st_str_startswith(id, "TEMP-"))
        base = "https://security-tracker.debian.org/tracker/";
    ST_CHECK(st_buf_puts(&b, base));
    ST_CHECK(st_report__pct(&b, id, strlen(id), false));
done:
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

/* ---- time ------------------------------------------------------------- */

time_t st_report__time(const st_report_options *opts)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");

    if (opts && opts->timestamp)
        return opts->timestamp;
    if (sde && *sde) {
        char *end = NULL;
        long long v;

        errno = 0;
        v = strtoll(sde, &end, 10);
        if (!errno && end && !*end && v >= 0)
            return (time_t)v;
    }
    return time(NULL);
}

void st_report__rfc3339(char out[32], time_t t)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* ---- deterministic identifiers ---------------------------------------- */

int st_report__uuid5(char out[37], const char *name)
{
    /* RFC 4122 appendix C: the URL namespace,
     * 6ba7b811-9dad-11d1-80b4-00c04fd430c8. */
    static const unsigned char ns[16] = {
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    if (!ctx)
        return ST_ENOMEM;
    ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
         EVP_DigestUpdate(ctx, ns, sizeof(ns)) &&
         EVP_DigestUpdate(ctx, name, strlen(name)) &&
         EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok || mdlen < 16)
        return ST_ENOMEM;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
             md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
    return 0;
}

char *st_report__seed(const st_result *r, const char *prefix)
{
    const st_image_info *img = st_result_image(r);
    st_buf b = ST_BUF_INIT(SIZE_MAX / 2);
    const char *id = NULL;
    size_t n = st_result_package_count(r);
    int rc = 0;

    if (img)
        id = img->config_digest ? img->config_digest
             : img->manifest_digest ? img->manifest_digest
             : img->ref ? img->ref : img->path;
    ST_CHECK(st_buf_printf(&b, "%s:%s\n", prefix, id ? id : ""));
    for (size_t i = 0; i < n; i++) {
        const st_package *p = st_result_package(r, i);

        if (p->purl)
            ST_CHECK(st_buf_printf(&b, "%s\n", p->purl));
        else
            ST_CHECK(st_buf_printf(&b, "%s/%s@%s\n",
                                   p->type ? p->type : "",
                                   p->name ? p->name : "",
                                   p->version ? p->version : ""));
    }
done:
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

const char *st_report__image_name(const st_result *r)
{
    const st_image_info *img = st_result_image(r);

    if (img && img->repo_tag_count && img->repo_tags[0] &&
        *img->repo_tags[0])
        return img->repo_tags[0];
    if (img && img->ref && *img->ref)
        return img->ref;
    if (img && img->path && *img->path)
        return img->path;
    return "image";
}

/* Appends s percent-encoded as a purl component: everything outside
 * [A-Za-z0-9.-_~] is encoded, and so is "/" unless keep_slash. */
int st_report__pct(st_buf *b, const char *s, size_t len, bool keep_slash)
{
    int rc = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
            c == '~' || (keep_slash && c == '/'))
            ST_CHECK(st_buf_putc(b, (char)c));
        else
            ST_CHECK(st_buf_printf(b, "%%%02X", c));
    }
done:
    return rc;
}

int st_report__image_purl(char **out, const st_result *r)
{
    const st_image_info *img = st_result_image(r);
    st_buf b = ST_BUF_INIT(1 << 16);
    const char *rt, *tag, *name, *slash, *colon, *repo_end;
    size_t repo_len = 0;
    int rc = 0;

    /* Without a repository there is no name, and without a manifest no
     * version: no purl rather than a made-up one. */
    *out = NULL;
    if (!img || !img->manifest_digest || !img->repo_tag_count ||
        !img->repo_tags[0] || !*img->repo_tags[0])
        return 0;
    /* "registry/path/name:tag": split at the last ':' after the last '/'. */
    rt = img->repo_tags[0];
    slash = strrchr(rt, '/');
    colon = strrchr(slash ? slash : rt, ':');
    repo_end = colon ? colon : rt + strlen(rt);
    repo_len = (size_t)(repo_end - rt);
    tag = colon ? colon + 1 : NULL;
    name = slash && slash < repo_end ? slash + 1 : rt;
    ST_CHECK(st_buf_puts(&b, "pkg:oci/"));
    for (const char *c = name; c < repo_end; c++) {
        char lc = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
        ST_CHECK(st_report__pct(&b, &lc, 1, false));
    }
    ST_CHECK(st_buf_putc(&b, '@'));
    ST_CHECK(st_report__pct(&b, img->manifest_digest,
                     strlen(img->manifest_digest), false));
    /* Qualifiers sorted by key, as the purl spec asks. */
    {
        char sep = '?';

        if (img->architecture) {
            ST_CHECK(st_buf_printf(&b, "%carch=", sep));
            ST_CHECK(st_report__pct(&b, img->architecture,
                             strlen(img->architecture), false));
            sep = '&';
        }
        if (repo_len) {
            ST_CHECK(st_buf_printf(&b, "%crepository_url=", sep));
            ST_CHECK(st_report__pct(&b, rt, repo_len, true));
            sep = '&';
        }
        if (tag && *tag) {
            ST_CHECK(st_buf_printf(&b, "%ctag=", sep));
            ST_CHECK(st_report__pct(&b, tag, strlen(tag), false));
        }
    }
    if (!(*out = st_buf_detach(&b, NULL)))
        rc = ST_ENOMEM;
done:
    st_buf_release(&b);
    return rc;
}

/* ---- SPDX licence ids ------------------------------------------------- */

/* Common, non-deprecated ids from the SPDX licence list. Each one is in
 * the list CycloneDX 1.5 validates against (tests/unit/report checks it
 * against tests/schemas/spdx.SNAPSHOT.schema.json). A licence string that
 * is exactly one of these is written as an id; anything else as a name. */
const char *const st_report__spdx_ids[] = {
    "0BSD", "AFL-2.1", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later",
    "Apache-1.0", "Apache-1.1", "Apache-2.0", "Artistic-1.0",
    "Artistic-1.0-Perl", "Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause",
    "BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "BlueOak-1.0.0",
    "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0",
    "CDDL-1.0", "CDDL-1.1", "EPL-1.0", "EPL-2.0", "GFDL-1.2-only",
    "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later",
    "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later",
    "GPL-3.0-only", "GPL-3.0-or-later", "ICU", "ISC", "LGPL-2.0-only",
    "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later",
    "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-1.1",
    "MPL-2.0", "NCSA", "OFL-1.1", "OpenSSL", "PHP-3.01", "PSF-2.0",
    "PostgreSQL", "Python-2.0", "Ruby", "Sleepycat", "Unicode-DFS-2016",
    "Unlicense", "Vim", "W3C", "WTFPL", "X11", "Zlib", "bzip2-1.0.6",
    "curl", "libpng-2.0", "zlib-acknowledgement",
    NULL,
};

bool st_report__spdx_known(const char *s)
{
    if (!s)
        return false;
    for (size_t i = 0; st_report__spdx_ids[i]; i++) {
        if (!strcmp(st_report__spdx_ids[i], s))
            return true;
    }
    return false;
}

/* ---- output ----------------------------------------------------------- */

int st_report__flush(FILE *f, st_error **err)
{
    if (fflush(f) != 0 || ferror(f))
        return st_error_set(err, ST_EIO, "report", "writing report: %s",
                            strerror(errno ? errno : EIO));
    return 0;
}

typedef struct dump_state {
    st_buf buf;
    bool failed;
} dump_state;

/* Sticky: once a write failed every later one fails too, because jansson
 * ignores the result of writing an object key (dump.c, unsorted keys) and
 * would otherwise go on with the key missing. */
static int dump_to_buf(const char *data, size_t n, void *payload)
{
    dump_state *d = payload;

    if (d->failed || st_buf_put(&d->buf, data, n) < 0) {
        d->failed = true;
        return -1;
    }
    return 0;
}

int st_report__dump(FILE *f, const json_t *doc, st_error **err)
{
    dump_state d = {ST_BUF_INIT(0), false};
    st_buf *b = &d.buf;
    int rc = 0;

    /* Into memory first, so that running out of memory (ST_ENOMEM) and
     * failing to write (ST_EIO) stay apart. */
    if (json_dump_callback(doc, dump_to_buf, &d,
                           JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                               JSON_REAL_PRECISION(10)) != 0 ||
        d.failed || st_buf_putc(b, '\n') < 0) {
        rc = st_error_set(err, ST_ENOMEM, "report", "out of memory");
        goto done;
    }
    if (fwrite(b->ptr, 1, b->len, f) != b->len) {
        rc = st_error_set(err, ST_EIO, "report", "writing report: %s",
                          strerror(errno ? errno : EIO));
        goto done;
    }
    rc = st_report__flush(f, err);
done:
    st_buf_release(b);
    return rc;
}

/* ---- text from images ------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when s does not
 * start one (RFC 3629 table 3: no overlongs, no surrogates, ≤ U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return n;
}

char *st_report__clean(const char *s, bool terminal)
{
    const unsigned char *p = (const unsigned char *)s;
    st_buf b = ST_BUF_INIT(SIZE_MAX / 2);
    int rc = 0;

    while (*p) {
        size_t n = utf8_seq(p);

        if (n == 0) {
            ST_CHECK(st_buf_puts(&b, "\xef\xbf\xbd"));
            p++;
        } else if (terminal && (*p < 0x20 || *p == 0x7f ||
                                (n == 2 && p[0] == 0xc2 && p[1] < 0xa0))) {
            ST_CHECK(st_buf_putc(&b, '?'));
            p += n;
        } else {
            ST_CHECK(st_buf_put(&b, p, n));
            p += n;
        }
    }
done:
    if (rc < 0) {
        st_buf_release(&b);
        return NULL;
    }
    return st_buf_detach(&b, NULL);
}

size_t st_report__width(const char *clean)
{
    size_t w = 0;

    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if ((*p & 0xc0) != 0x80)
            w++;
    }
    return w;
}

json_t *st_report__jstr(const char *s)
{
    json_t *j;
    char *clean;

    if (!s)
        return json_null();
    j = json_string(s);
    if (j)
        return j;
    clean = st_report__clean(s, false);
    if (!clean)
        return NULL;
    j = json_string(clean);
    st_free(clean);
    return j;
}
