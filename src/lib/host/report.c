/* Writers of a host audit: a table for people, JSON (docs/host.md), SARIF
 * 2.1.0 (rules tagged with their CIS number) and JUnit XML (one testcase
 * per check) for CI systems. */
#include <string.h>

#include "host/host_int.h"
#include "util/banned.h"

static int io(FILE *f, st_error **err)
{
    if (fflush(f) || ferror(f))
        return st_error_set(err, ST_EIO, "host", "writing the report");
    return 0;
}

static void counts(const st_host_result *const *c, size_t n, size_t out[6])
{
    memset(out, 0, 6 * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        if ((unsigned)c[i]->status <= ST_HOST_NOT_RUN)
            out[c[i]->status]++;
}

/* Skipped checks of one section sharing a reason, as one line: on a
 * host without Docker, dozens of them say the same thing. */
static void skipped(FILE *f, const st_host_result *const *c, size_t from,
                    size_t to)
{
    for (size_t i = from; i < to; i++) {
        const st_host_result *r = c[i];
        size_t same = 0;
        bool first = true;
        if (r->status != ST_HOST_SKIP)
            continue;
        for (size_t j = from; j < to && first; j++)
            if (j < i && c[j]->status == ST_HOST_SKIP &&
                !strcmp(c[j]->evidence, r->evidence))
                first = false;
        if (!first)
            continue;
        for (size_t j = i; j < to; j++)
            same += c[j]->status == ST_HOST_SKIP &&
                    !strcmp(c[j]->evidence, r->evidence);
        if (same == 1)
            fprintf(f, "[SKIP] %-8s %s: %s\n       %s\n",
                    st_host_severity_name(r->severity), r->id, r->title,
                    r->evidence);
        else
            fprintf(f, "[SKIP] %zu checks: %s\n", same,
                    *r->evidence ? r->evidence : "skipped");
    }
}

static int table(FILE *f, const st_host_result *const *c, size_t n,
                 st_error **err)
{
    size_t k[6], start = 0;
    for (size_t i = 0; i <= n; i++) {
        const st_host_result *r = i < n ? c[i] : NULL;
        if (i == n || (i && strcmp(c[start]->section, r->section))) {
            skipped(f, c, start, i); /* the section that ends here */
            start = i;
        }
        if (!r)
            break;
        if (i == start)
            fprintf(f, "%s== %s ==\n", i ? "\n" : "", r->section);
        if (r->status == ST_HOST_SKIP)
            continue;
        fprintf(f, "[%s] %-8s %s%s%s%s: %s\n", st_host_status_name(r->status),
                st_host_severity_name(r->severity), r->id,
                r->cis ? " (" : "", r->cis ? r->cis : "", r->cis ? ")" : "",
                r->title);
        if (*r->evidence)
            fprintf(f, "       %s\n", r->evidence);
    }
    counts(c, n, k);
    fprintf(f, "\n%zu checks: %zu pass, %zu fail, %zu warn, %zu info, "
               "%zu skipped (each one in --format json)\n",
            n, k[ST_HOST_PASS], k[ST_HOST_FAIL], k[ST_HOST_WARN],
            k[ST_HOST_INFO], k[ST_HOST_SKIP]);
    return io(f, err);
}

static int dump(FILE *f, json_t *doc, st_error **err)
{
    int rc = 0;
    if (!doc)
        return st_error_set(err, ST_ENOMEM, "host", "out of memory");
    if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
        fputc('\n', f) == EOF)
        rc = st_error_set(err, ST_EIO, "host", "writing the report");
    json_decref(doc);
    return rc ? rc : io(f, err);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int json_report(FILE *f, const st_host_result *const *c, size_t n,
                       const char *kind, st_error **err)
{
    size_t k[6];
    json_t *doc = json_object(), *arr = json_array();
    counts(c, n, k);
    for (size_t i = 0; doc && arr && i < n; i++) {
        const st_host_result *r = c[i];
        json_array_append_new(
            arr, json_pack("{s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
                           r->id, "cis", str_or_null(r->cis), "section",
                           r->section, "title", r->title, "severity",
                           st_host_severity_name(r->severity), "status",
                           st_host_status_name(r->status), "evidence",
                           r->evidence, "rationale", r->rationale,
                           "remediation", r->remediation));
    }
    if (doc && arr) {
        json_object_set_new(doc, "tool", json_string("strata"));
        json_object_set_new(doc, "version", json_string(st_version()));
        json_object_set_new(doc, "kind", json_sprintf("%s-audit", kind));
        json_object_set_new(
            doc, "summary",
            json_pack("{s:I,s:I,s:I,s:I,s:I}", "pass",
                      (json_int_t)k[ST_HOST_PASS], "fail",
                      (json_int_t)k[ST_HOST_FAIL], "warn",
                      (json_int_t)k[ST_HOST_WARN], "info",
                      (json_int_t)k[ST_HOST_INFO], "skip",
                      (json_int_t)k[ST_HOST_SKIP]));
        json_object_set_new(doc, "checks", arr);
        arr = NULL;
    }
    json_decref(arr);
    return dump(f, doc, err);
}

static const char *level(const st_host_result *r)
{
    if (r->status == ST_HOST_WARN)
        return "note";
    return r->severity >= ST_HOST_HIGH     ? "error"
           : r->severity == ST_HOST_MEDIUM ? "warning"
                                           : "note";
}

static const char *sec_score(st_host_severity s)
{
    return s == ST_HOST_CRITICAL ? "9.5"
           : s == ST_HOST_HIGH   ? "7.5"
           : s == ST_HOST_MEDIUM ? "5.0"
                                 : "2.0";
}

static int sarif(FILE *f, const st_host_result *const *c, size_t n,
                 st_error **err)
{
    json_t *rules = json_array(), *results = json_array(), *doc;
    for (size_t i = 0; rules && results && i < n; i++) {
        const st_host_result *r = c[i];
        json_t *tags = json_array();
        if (r->cis)
            json_array_append_new(tags, json_string(r->cis));
        json_array_append_new(tags, json_string("security"));
        json_array_append_new(tags, json_string(r->section));
        json_array_append_new(
            rules,
            json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:s},"
                      "s:{s:o,s:s}}",
                      "id", r->id, "name", r->id, "shortDescription", "text",
                      r->title, "fullDescription", "text", r->rationale,
                      "help", "text", r->remediation,
                      "defaultConfiguration", "level",
                      r->severity >= ST_HOST_HIGH ? "error" : "warning",
                      "properties", "tags", tags, "security-severity",
                      sec_score(r->severity)));
        if (r->status != ST_HOST_FAIL && r->status != ST_HOST_WARN)
            continue;
        json_array_append_new(
            results,
            json_pack("{s:s,s:I,s:s,s:{s:s},s:{s:s}}", "ruleId", r->id,
                      "ruleIndex", (json_int_t)i, "level", level(r),
                      "message", "text",
                      *r->evidence ? r->evidence : r->title, "properties",
                      "status", st_host_status_name(r->status)));
    }
    doc = json_pack(
        "{s:s,s:s,s:[{s:{s:{s:s,s:s,s:s,s:o}},s:o}]}", "$schema",
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
        "sarif-schema-2.1.0.json", "version", "2.1.0",
        "runs", "tool", "driver", "name", "strata", "version", st_version(),
        "informationUri", "https://strata.invalid/",
        "rules", rules ? rules : json_array(), "results",
        results ? results : json_array());
    return dump(f, doc, err);
}

static void xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\t': fputs("&#9;", f); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            if (ch < 0x20)
                fputc('?', f);
            else
                fputc(ch, f);
        }
    }
}

static int junit(FILE *f, const st_host_result *const *c, size_t n,
                 const char *kind, st_error **err)
{
    size_t k[6];
    counts(c, n, k);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"strata %s\" tests=\"%zu\" "
               "failures=\"%zu\" skipped=\"%zu\">\n"
               "  <testsuite name=\"strata %s\" tests=\"%zu\" "
               "failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
            kind, n, k[ST_HOST_FAIL], k[ST_HOST_SKIP], kind, n,
            k[ST_HOST_FAIL], k[ST_HOST_SKIP]);
    for (size_t i = 0; i < n; i++) {
        const st_host_result *r = c[i];
        fprintf(f, "    <testcase classname=\"%s.%s\" name=\"", kind,
                r->section);
        xml(f, r->id);
        if (r->cis) {
            fputs(" (", f);
            xml(f, r->cis);
            fputc(')', f);
        }
        fputs("\">\n", f);
        if (r->status == ST_HOST_FAIL) {
            fprintf(f, "      <failure type=\"%s\" message=\"",
                    st_host_severity_name(r->severity));
            xml(f, r->title);
            fputs("\">", f);
            xml(f, r->evidence);
            fputs("</failure>\n", f);
        } else if (r->status == ST_HOST_SKIP) {
            fputs("      <skipped message=\"", f);
            xml(f, r->evidence);
            fputs("\"/>\n", f);
        } else {
            fprintf(f, "      <system-out>%s: ", st_host_status_name(r->status));
            xml(f, r->evidence);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return io(f, err);
}

int st_audit_write(FILE *f, const st_host_result *const *results, size_t n,
                   st_host_format fmt, const char *kind, st_error **err)
{
    switch (fmt) {
    case ST_HOST_FORMAT_TABLE:
        return table(f, results, n, err);
    case ST_HOST_FORMAT_JSON:
        return json_report(f, results, n, kind, err);
    case ST_HOST_FORMAT_SARIF:
        return sarif(f, results, n, err);
    case ST_HOST_FORMAT_JUNIT:
        return junit(f, results, n, kind, err);
    }
    return st_error_set(err, ST_EUSAGE, "host", "unknown format");
}
