/* strata db update|status — the vulnerability database. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata db update [--from SOURCE]... [--db DIR] [-q]\n"
"       strata db status [--db DIR] [--format table|json]\n"
"\n"
"update   builds the vulnerability DB from OSV advisories and replaces the\n"
"         live one atomically (a crash leaves the old DB working).\n"
"         Without --from: the public OSV bulk data, one all.zip per\n"
"         ecosystem (https://osv-vulnerabilities.storage.googleapis.com).\n"
"         --from takes a directory (searched for *.json and *.zip), an\n"
"         OSV all.zip, a JSON file or an http(s) URL; repeat it to merge\n"
"         several. Malformed advisories are reported and skipped.\n"
"status   where the DB is, when it was built, its sources and their dates,\n"
"         advisories per ecosystem.\n"
"\n"
"options:\n"
"      --db DIR        the DB directory (default: $STRATA_DB, else\n"
"                      $XDG_CACHE_HOME/strata, else ~/.cache/strata)\n"
"      --from SOURCE   read advisories from SOURCE instead of the network\n"
"  -f, --format FMT    status: table (default) or json\n"
"  -q, --quiet         update: no progress or per-source lines\n"
"  -h, --help          this help\n"
"\n"
"examples:\n"
"  strata db update\n"
"  strata db update --from ./osv-mirror/ --db ./strata-db\n"
"  strata db status --db ./strata-db\n");
}

struct logctx {
    bool quiet;
    unsigned long skipped;
};

static void on_log(void *payload, const char *line)
{
    struct logctx *l = payload;
    if (!strncmp(line, "skipped ", 8)) {
        /* bad advisories: always said, the first 20 in full */
        if (++l->skipped <= 20)
            fprintf(stderr, "strata: %s\n", line);
        return;
    }
    if (!l->quiet)
        fprintf(stderr, "strata: %s\n", line);
}

/* Download progress on a terminal: bytes of the current file. */
static void on_progress(const st_progress *p, void *payload)
{
    (void)payload;
    if (p->bytes_total)
        fprintf(stderr, "\r\033[Kdownloading %.1f / %.1f MB",
                (double)p->bytes_done / (1 << 20),
                (double)p->bytes_total / (1 << 20));
    else
        fprintf(stderr, "\r\033[Kdownloading %.1f MB",
                (double)p->bytes_done / (1 << 20));
    if (p->bytes_total && p->bytes_done >= p->bytes_total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static int update(const char *dir, const char **from, size_t nfrom,
                  bool quiet)
{
    st_vulndb_update_options o = ST_VULNDB_UPDATE_OPTIONS_INIT;
    st_vulndb_update_stats s;
    st_error *err = NULL;
    struct logctx l = {quiet, 0};
    struct timespec t0, t1;

    o.sources = from;
    o.source_count = nfrom;
    o.log = on_log;
    o.log_payload = &l;
    if (!quiet && isatty(STDERR_FILENO))
        o.progress = on_progress;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st_vulndb_update(dir, &o, &s, &err) < 0)
        return cli_fail_err(err, "db update");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (l.skipped > 20)
        fprintf(stderr, "strata: … and %lu more malformed advisories "
                        "skipped\n", l.skipped - 20);
    printf("updated %s/strata.db: %llu advisories (%llu withdrawn), %llu "
           "package entries, %llu malformed skipped, from %u sources, in "
           "%.1f s\n",
           dir, (unsigned long long)s.advisories,
           (unsigned long long)s.withdrawn, (unsigned long long)s.affected,
           (unsigned long long)s.bad, s.sources,
           (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return EXIT_OK;
}

static void age(char *out, size_t n, int64_t s)
{
    if (s < 3600)
        snprintf(out, n, "%lld minutes", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(out, n, "%lld hours", (long long)(s / 3600));
    else
        snprintf(out, n, "%lld days", (long long)(s / 86400));
}

static int status(const char *dir, bool json)
{
    st_vulndb *db = NULL;
    const st_vulndb_status *s;
    st_error *err = NULL;
    char a[64];

    if (st_vulndb_open(&db, dir, &err) < 0 ||
        st_vulndb_get_status(&s, db, &err) < 0) {
        st_vulndb_close(db);
        return cli_fail_err(err, "db status");
    }
    if (json) {
        /* through jansson: paths and names from the DB are escaped */
        json_t *o = json_pack("{s:s?, s:I, s:s?, s:I, s:I, s:I, s:I}",
                              "path", s->path, "schema_version",
                              (json_int_t)s->schema_version, "built_at",
                              s->built_at, "age_seconds",
                              (json_int_t)s->age_seconds, "advisories",
                              (json_int_t)s->advisories, "withdrawn",
                              (json_int_t)s->withdrawn, "bad",
                              (json_int_t)s->bad);
        json_t *src = json_array(), *eco = json_array();
        for (size_t i = 0; src && i < s->source_count; i++) {
            const st_vulndb_source_info *x = &s->sources[i];
            json_array_append_new(
                src, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I}",
                               "name", x->name, "origin", x->origin,
                               "imported_at", x->imported_at,
                               "last_modified", x->last_modified, "sha256",
                               x->sha256, "advisories",
                               (json_int_t)x->advisories, "bad",
                               (json_int_t)x->bad));
        }
        for (size_t i = 0; eco && i < s->ecosystem_count; i++)
            json_array_append_new(
                eco, json_pack("{s:s?, s:I, s:I}", "ecosystem",
                               s->ecosystems[i].ecosystem, "advisories",
                               (json_int_t)s->ecosystems[i].advisories,
                               "packages",
                               (json_int_t)s->ecosystems[i].packages));
        if (!o || !src || !eco || json_object_set_new(o, "sources", src) ||
            json_object_set_new(o, "ecosystems", eco) ||
            json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
            json_decref(o);
            st_vulndb_close(db);
            return cli_fail("db status: out of memory or write error");
        }
        putchar('\n');
        json_decref(o);
    } else {
        age(a, sizeof(a), s->age_seconds);
        printf("DB          %s (schema %u)\n", s->path, s->schema_version);
        printf("Built       %s (%s ago)\n", s->built_at ? s->built_at : "?",
               a);
        printf("Advisories  %llu (%llu withdrawn, %llu malformed skipped)\n",
               (unsigned long long)s->advisories,
               (unsigned long long)s->withdrawn,
               (unsigned long long)s->bad);
        printf("\nSOURCE                ADVISORIES  BAD  IMPORTED              "
               "LAST-MODIFIED                  ORIGIN\n");
        for (size_t i = 0; i < s->source_count; i++) {
            const st_vulndb_source_info *x = &s->sources[i];
            printf("%-21s %10llu %4llu  %-21s %-30s %s\n", x->name,
                   (unsigned long long)x->advisories,
                   (unsigned long long)x->bad, x->imported_at,
                   x->last_modified ? x->last_modified : "-", x->origin);
        }
        printf("\nECOSYSTEM                 ADVISORIES  PACKAGES\n");
        for (size_t i = 0; i < s->ecosystem_count; i++)
            printf("%-25s %10llu  %8llu\n", s->ecosystems[i].ecosystem,
                   (unsigned long long)s->ecosystems[i].advisories,
                   (unsigned long long)s->ecosystems[i].packages);
    }
    st_vulndb_close(db);
    return fflush(stdout) ? cli_fail("stdout: write error") : EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'F'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **from = NULL;
    size_t nfrom = 0;
    char *dir = NULL;
    const char *sub;
    bool quiet = false, json = false;
    int c, rc;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_ERROR : EXIT_OK;
    }
    sub = argv[1];
    if (strcmp(sub, "update") && strcmp(sub, "status"))
        return cli_fail("db: unknown subcommand \"%s\" (update, status)",
                        sub);
    from = calloc((size_t)argc, sizeof(char *));
    if (!from)
        return cli_fail("out of memory");
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            free(dir);
            dir = strdup(optarg);
            break;
        case 'F':
            from[nfrom++] = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
                free(from);
                free(dir);
                return cli_fail("db: --format %s: expected table or json",
                                optarg);
            }
            json = !strcmp(optarg, "json");
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            help(stdout);
            free(from);
            free(dir);
            return EXIT_OK;
        default:
            free(from);
            free(dir);
            return cli_fail("db: bad option \"%s\" (see 'strata db --help')",
                            argv[optind]);
        }
    }
    if (optind + 1 != argc) {
        free(from);
        free(dir);
        return cli_fail("db %s: unexpected argument \"%s\"", sub,
                        argv[optind + 1]);
    }
    if (!dir && !(dir = st_vulndb_default_dir())) {
        free(from);
        return cli_fail("out of memory");
    }
    if (!strcmp(sub, "update"))
        rc = update(dir, from, nfrom, quiet);
    else
        rc = status(dir, json);
    free(from);
    free(dir);
    return rc;
}
