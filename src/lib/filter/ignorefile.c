/* Ignore files (.strataignore): one rule per line,
 *
 *   ID [exp:YYYY-MM-DD] [pkg:NAME] [path:GLOB]   # comment
 *
 * A rule suppresses every finding that has ID among its ids (the primary
 * id or any merged one, compared without regard to case), limited to
 * packages named NAME and to packages declared by a file matching GLOB
 * (fnmatch, no flags: "*" also matches "/"; tried against the path with
 * and without its leading "/"). A rule applies through the whole day of
 * its expiry date (UTC) and no longer once `now` is past it. A finding
 * already suppressed keeps its first reason.
 *
 * The file is parsed completely before anything is applied, so a
 * malformed line (named "FILE:LINE: …") changes nothing. */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "filter_int.h"
#include "inventory/result_int.h"
#include "util/banned.h"

#define MAX_FILE (16u << 20)

typedef struct rule {
    const char *id;
    const char *pkg;  /* NULL: any */
    const char *path; /* NULL: any */
    const char *exp;  /* "YYYY-MM-DD" or NULL */
    time_t until;     /* end of the expiry day (exclusive), UTC */
    unsigned line;
} rule;

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

int st_filter__date(long long *days_out, const char *s, size_t len)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    unsigned y = 0, m = 0, d = 0;

    if (len != 10 || s[4] != '-' || s[7] != '-')
        return ST_EINVALID;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return ST_EINVALID;
    }
    for (size_t i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(s[i] - '0');
    m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
    d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return ST_EINVALID;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return ST_EINVALID;
    *days_out = days_from_civil(y, m, d);
    return 0;
}

const char *st_filter__basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash && slash[1] ? slash + 1 : path;
}

static bool has_id(const st_vuln *v, const char *id)
{
    if (v->id && !strcasecmp(v->id, id))
        return true;
    for (size_t i = 0; i < v->id_count; i++) {
        if (v->ids[i] && !strcasecmp(v->ids[i], id))
            return true;
    }
    return false;
}

static bool path_matches(const char *glob, const char *path)
{
    if (!path)
        return false;
    if (!fnmatch(glob, path, 0))
        return true;
    while (*path == '/')
        path++;
    return !fnmatch(glob, path, 0);
}

static bool rule_matches(const rule *ru, const st_vuln *v)
{
    const st_package *p = v->package;

    if (!has_id(v, ru->id))
        return false;
    if (ru->pkg && (!p || !p->name || strcmp(ru->pkg, p->name)))
        return false;
    if (ru->path && (!p || !path_matches(ru->path, p->found_in)))
        return false;
    return true;
}

/* Parses one line into *ru (strings from the arena). 0 for a rule, 1 for
 * a blank or comment line, ST_EINVALID with a message naming the file and
 * line, ST_ENOMEM. */
static int parse_line(rule *ru, st_arena *a, const char *line, size_t len,
                      const char *file, unsigned lineno, st_error **err)
{
    size_t i = 0;
    unsigned tok = 0;

    memset(ru, 0, sizeof(*ru));
    ru->line = lineno;
    for (;;) {
        size_t start;
        const char *t;
        size_t tl;

        while (i < len && (line[i] == ' ' || line[i] == '\t' ||
                           line[i] == '\r'))
            i++;
        if (i == len || line[i] == '#')
            break;
        start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t' &&
               line[i] != '\r')
            i++;
        t = line + start;
        tl = i - start;
        if (memchr(t, '\0', tl))
            return st_error_set(err, ST_EINVALID, "filter",
                                "%s:%u: NUL byte", file, lineno);
        if (tok++ == 0) {
            /* The token is not NUL-terminated: compare within it. */
            if ((tl >= 4 && (!memcmp(t, "exp:", 4) ||
                             !memcmp(t, "pkg:", 4))) ||
                (tl >= 5 && !memcmp(t, "path:", 5)))
                return st_error_set(err, ST_EINVALID, "filter",
                                    "%s:%u: a rule starts with an id, not "
                                    "an option", file, lineno);
            if (!(ru->id = st_arena_strndup(a, t, tl)))
                return ST_ENOMEM;
            continue;
        }
        if (tl > 4 && !memcmp(t, "exp:", 4)) {
            long long days;

            if (ru->exp)
                return st_error_set(err, ST_EINVALID, "filter",
                                    "%s:%u: exp: given twice", file, lineno);
            if (st_filter__date(&days, t + 4, tl - 4) < 0)
                return st_error_set(err, ST_EINVALID, "filter",
                                    "%s:%u: exp: wants a date YYYY-MM-DD, "
                                    "not \"%.*s\"", file, lineno,
                                    (int)(tl - 4 > 64 ? 64 : tl - 4), t + 4);
            if (!(ru->exp = st_arena_strndup(a, t + 4, tl - 4)))
                return ST_ENOMEM;
            ru->until = (time_t)((days + 1) * 86400);
        } else if (tl > 4 && !memcmp(t, "pkg:", 4)) {
            if (ru->pkg)
                return st_error_set(err, ST_EINVALID, "filter",
                                    "%s:%u: pkg: given twice", file, lineno);
            if (!(ru->pkg = st_arena_strndup(a, t + 4, tl - 4)))
                return ST_ENOMEM;
        } else if (tl > 5 && !memcmp(t, "path:", 5)) {
            if (ru->path)
                return st_error_set(err, ST_EINVALID, "filter",
                                    "%s:%u: path: given twice", file,
                                    lineno);
            if (!(ru->path = st_arena_strndup(a, t + 5, tl - 5)))
                return ST_ENOMEM;
        } else {
            return st_error_set(err, ST_EINVALID, "filter",
                                "%s:%u: unknown option \"%.*s\" (want "
                                "exp:, pkg: or path:)", file, lineno,
                                (int)(tl > 64 ? 64 : tl), t);
        }
    }
    return tok ? 0 : 1;
}

int st_filter__ignore_buf(st_result *r, const char *data, size_t len,
                          const char *file, time_t now, st_error **err)
{
    st_vec rules = ST_VEC_INIT;
    st_arena *a = r->arena;
    const char *name = st_filter__basename(file);
    unsigned lineno = 0;
    size_t pos = 0;
    int rc = 0;

    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
        rule *ru;

        lineno++;
        if (!(ru = st_arena_alloc(a, sizeof(*ru)))) {
            rc = ST_ENOMEM;
            goto done;
        }
        rc = parse_line(ru, a, data + pos, ll, file, lineno, err);
        if (rc < 0)
            goto done;
        if (rc == 0)
            ST_CHECK(st_vec_push(&rules, ru));
        rc = 0;
        pos += ll + (nl ? 1 : 0);
    }

    for (size_t i = 0; i < r->vulns.len; i++) {
        st_vuln *v = r->vulns.items[i];

        if (v->suppressed_by)
            continue;
        for (size_t j = 0; j < rules.len; j++) {
            const rule *ru = rules.items[j];

            if (ru->exp && now >= ru->until)
                continue;
            if (!rule_matches(ru, v))
                continue;
            v->suppressed_by =
                ru->exp ? st_arena_printf(a, "ignored by %s:%u (expires %s)",
                                          name, ru->line, ru->exp)
                        : st_arena_printf(a, "ignored by %s:%u", name,
                                          ru->line);
            if (!v->suppressed_by) {
                rc = ST_ENOMEM;
                goto done;
            }
            break;
        }
    }
done:
    if (rc == ST_ENOMEM && err && !*err)
        st_error_set(err, rc, "filter", "%s: out of memory", file);
    st_vec_release(&rules);
    return rc;
}

int st_filter_ignorefile(st_result *r, const char *path, time_t now,
                         st_error **err)
{
    st_buf b = ST_BUF_INIT(MAX_FILE);
    int rc = 0;

    if (!r || !path)
        return st_error_set(err, ST_EUSAGE, "filter",
                            "no result or no ignore file");
    ST_CHECK(st_read_file(&b, path, MAX_FILE, err));
    ST_CHECK(st_filter__ignore_buf(r, b.ptr, b.len, path, now, err));
done:
    st_buf_release(&b);
    return rc;
}
