/* match_inventory — matches a hand-written inventory against a strata DB
 * through the library (st_vulndb_match), for the oracle tests
 * (tests/integration/vuln_lang.sh, vuln_rpm.sh).
 *
 *   match_inventory [--per-advisory] DB_DIR [OS_ID OS_VERSION_ID] < inventory.tsv
 *
 * Input, one package a line ('#' lines and blank lines are skipped):
 *   type<TAB>name<TAB>version[<TAB>source_name<TAB>source_version]
 * type is a purl type: pypi npm golang maven gem nuget composer cargo deb
 * apk rpm. OS_ID/OS_VERSION_ID set the os-release ID and VERSION_ID the
 * OS packages are matched for ("rocky" "9.3", "alpine" "3.11.6").
 *
 * Output, sorted (LC_ALL=C order), one line per finding:
 *   type<TAB>name<TAB>version<TAB>ids<TAB>fixed
 * ids: every id of the advisories the finding merges (OSV ids and their
 * aliases), sorted, comma-joined; fixed: the fixed version, or "-".
 *
 * --per-advisory prints instead, for every finding, one line per id of its
 * ids list that is itself the id of an OSV record of the DB with an
 * affected entry for this package (same feed, same stored name):
 *   type<TAB>name<TAB>version<TAB>osv_id
 * A finding's ids are the union of {record id} ∪ aliases over the records
 * that hit; so the oracle side gets exactly the same set by printing, for
 * each record it finds affecting, the record id and each alias that is
 * itself a record id for this package — without having to copy strata's
 * merging. Aliases that name no record of the package (CVEs, GHSAs of
 * other feeds) are left out on both sides.
 *
 * Exit: 0, 1 on bad input or a library error (message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/result_int.h"
#include "vulndb/vulndb_int.h"
#include "strata/vulndb.h"

#define MAX_LINE 8192

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "match_inventory: %s%s%s\n", msg, arg ? ": " : "",
            arg ? arg : "");
    exit(1);
}

static char *dup_or_die(st_arena *a, const char *s)
{
    char *d = st_arena_strdup(a, s);
    if (!d)
        die("out of memory", NULL);
    return d;
}

static const char *family_of(const char *id)
{
    static const struct {
        const char *id, *family;
    } fam[] = {
        {"debian", "debian"}, {"ubuntu", "debian"},   {"alpine", "alpine"},
        {"wolfi", "alpine"},  {"chainguard", "alpine"}, {"rocky", "redhat"},
        {"almalinux", "redhat"}, {"rhel", "redhat"},  {"centos", "redhat"},
        {"fedora", "redhat"},
    };
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
        if (!strcmp(id, fam[i].id))
            return fam[i].family;
    return "unknown";
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The name the feed stores this package under (as match.c looks it up). */
static const char *feed_name(const st_package *p)
{
    if ((!strcmp(p->type, "deb") || !strcmp(p->type, "apk") ||
         !strcmp(p->type, "rpm")) && p->source_name)
        return p->source_name;
    return p->name;
}

/* Is id an OSV record with an affected entry for (feed, name)? */
static int is_record_of(st_vulndb *db, sqlite3_stmt *q, const char *id,
                        const char *feed, const char *name)
{
    st_buf b = ST_BUF_INIT(256);
    int rc;
    if (st_vulndb__normalize_name(&b, feed, name) < 0)
        die("out of memory", NULL);
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, feed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, b.ptr, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    st_buf_release(&b);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        die("sqlite", sqlite3_errmsg(db->db));
    return rc == SQLITE_ROW;
}

int main(int argc, char **argv)
{
    st_result *r;
    st_vulndb *db = NULL;
    st_error *err = NULL;
    st_vec out = ST_VEC_INIT;
    sqlite3_stmt *q = NULL;
    char line[MAX_LINE];
    unsigned long lineno = 0;
    int per_adv = 0, argi = 1;

    if (argc > 1 && !strcmp(argv[1], "--per-advisory")) {
        per_adv = 1;
        argi++;
    }
    if (argc - argi != 1 && argc - argi != 3) {
        fprintf(stderr, "usage: match_inventory [--per-advisory] DB_DIR "
                        "[OS_ID OS_VERSION_ID] < inventory.tsv\n");
        return 2;
    }
    if (!(r = st_result__new()))
        die("out of memory", NULL);
    if (argc - argi == 3) {
        r->os.id = dup_or_die(r->arena, argv[argi + 1]);
        r->os.version_id = dup_or_die(r->arena, argv[argi + 2]);
        r->os.family = family_of(argv[argi + 1]);
    }
    while (fgets(line, sizeof(line), stdin)) {
        char *f[6] = {0}, *s = line, *nl;
        size_t n = 0;
        st_package *p;

        lineno++;
        if (!(nl = strchr(line, '\n')) && !feof(stdin))
            die("line too long", NULL);
        if (nl)
            *nl = 0;
        if (!line[0] || line[0] == '#')
            continue;
        while (n < 6) {
            char *t = strchr(s, '\t');
            f[n++] = s;
            if (!t)
                break;
            *t = 0;
            s = t + 1;
        }
        if ((n != 3 && n != 5) || !*f[0] || !*f[1] || !*f[2]) {
            fprintf(stderr, "match_inventory: line %lu: want "
                            "type<TAB>name<TAB>version[<TAB>source_name<TAB>"
                            "source_version]\n", lineno);
            return 1;
        }
        if (!(p = st_result__add_package(r)))
            die("out of memory", NULL);
        p->type = dup_or_die(r->arena, f[0]);
        p->name = dup_or_die(r->arena, f[1]);
        p->version = dup_or_die(r->arena, f[2]);
        if (n == 5) {
            p->source_name = dup_or_die(r->arena, f[3]);
            p->source_version = dup_or_die(r->arena, f[4]);
        }
    }
    if (ferror(stdin))
        die("reading stdin failed", NULL);

    if (st_vulndb_open(&db, argv[argi], &err) < 0 ||
        st_vulndb_match(db, r, &err) < 0) {
        fprintf(stderr, "match_inventory: %s\n", st_error_message(err));
        st_error_free(err);
        return 1;
    }
    if (per_adv &&
        sqlite3_prepare_v2(db->db,
                           "SELECT 1 FROM advisories a JOIN affected f ON "
                           "f.advisory = a.id WHERE a.osv_id = ?1 AND "
                           "f.ecosystem = ?2 AND f.name = ?3 LIMIT 1",
                           -1, &q, NULL) != SQLITE_OK)
        die("sqlite", sqlite3_errmsg(db->db));

    for (size_t i = 0; i < st_result_vuln_count(r); i++) {
        const st_vuln *v = st_result_vuln(r, i);
        const st_package *p = v->package;
        const char **ids = st_arena_alloc(r->arena,
                                          (v->id_count + 1) * sizeof(*ids));
        st_buf b = ST_BUF_INIT(1 << 20);

        if (!ids)
            die("out of memory", NULL);
        memcpy(ids, v->ids, v->id_count * sizeof(*ids));
        qsort(ids, v->id_count, sizeof(*ids), cmp_str);
        if (per_adv) {
            for (size_t k = 0; k < v->id_count; k++) {
                if (!is_record_of(db, q, ids[k], v->data_source,
                                  feed_name(p)))
                    continue;
                st_buf_reset(&b);
                if (st_buf_printf(&b, "%s\t%s\t%s\t%s", p->type, p->name,
                                  p->version, ids[k]) < 0 ||
                    st_vec_push(&out, dup_or_die(r->arena, b.ptr)) < 0)
                    die("out of memory", NULL);
            }
        } else {
            if (st_buf_printf(&b, "%s\t%s\t%s\t", p->type, p->name,
                              p->version) < 0)
                die("out of memory", NULL);
            for (size_t k = 0; k < v->id_count; k++)
                if (st_buf_printf(&b, "%s%s", k ? "," : "", ids[k]) < 0)
                    die("out of memory", NULL);
            if (st_buf_printf(&b, "\t%s",
                              v->fixed_version ? v->fixed_version : "-") < 0 ||
                st_vec_push(&out, dup_or_die(r->arena, b.ptr)) < 0)
                die("out of memory", NULL);
        }
        st_buf_release(&b);
    }
    st_vec_sort(&out, cmp_str);
    for (size_t i = 0; i < out.len; i++)
        if (i == 0 || strcmp(out.items[i], out.items[i - 1]))
            printf("%s\n", (const char *)out.items[i]);
    for (size_t i = 0; i < st_result_diagnostic_count(r); i++)
        fprintf(stderr, "match_inventory: note: %s\n",
                st_result_diagnostic(r, i)->message);
    sqlite3_finalize(q);
    st_vec_release(&out);
    st_vulndb_close(db);
    st_result_free(r);
    return fflush(stdout) == 0 ? 0 : 1;
}
