/* strata config — audit Dockerfiles, Kubernetes manifests and compose
 * files before anything is deployed (docs/config.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "strata/config.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata config [options] PATH...\n"
"\n"
"Audits every Dockerfile, Kubernetes manifest (YAML or JSON) and compose\n"
"file under each PATH (directories are walked; symbolic links are not\n"
"followed; .git and node_modules are skipped). Checks are data: the\n"
"built-in policies plus yours (docs/config.md). A file that cannot be\n"
"parsed is reported and the others are still audited.\n"
"\n"
"options:\n"
"  -f, --format FORMAT        table (default), json, sarif\n"
"  -o, --output FILE          write the report to FILE (atomically)\n"
"      --policy PATH          a policy file or a directory of *.yaml\n"
"                             policies added to the built-in ones\n"
"                             (repeatable)\n"
"      --no-builtin-policies  only the --policy checks\n"
"      --skip-check ID[,ID]   leave these checks out (repeatable)\n"
"      --severity-override ID=SEVERITY\n"
"                             change a check's severity (repeatable)\n"
"      --trusted-registries R[,R]\n"
"                             registries (or registry/path prefixes)\n"
"                             images may come from; others are flagged\n"
"      --severity LIST        show only these severities (CRITICAL, HIGH,\n"
"                             MEDIUM, LOW, INFO)\n"
"      --max-file-size SIZE   larger files are not audited (default 8M)\n"
"      --exit-code N          exit N when a finding of LOW or above is\n"
"                             shown (INFO findings never count)\n"
"      --list-checks          list every check: id, severity, title,\n"
"                             equivalent ids (-f table, json, markdown)\n"
"  -h, --help                 this help\n"
"\n"
"examples:\n"
"  strata config ./deploy/\n"
"  strata config -f sarif -o config.sarif k8s.yaml\n"
"  strata config --policy ./my-policies/ --trusted-registries "
"registry.example.com ./deploy\n"
"  strata config --list-checks\n"
"\n"
"exit codes: 0 ok, N (--exit-code) findings shown, 2 error\n");
}

enum {
    OPT_POLICY = 256, OPT_NOBUILTIN, OPT_SKIP, OPT_OVERRIDE, OPT_TRUSTED,
    OPT_SEV, OPT_MAXFILE, OPT_EXIT, OPT_LIST
};

typedef struct strlist {
    char **v;
    size_t n;
} strlist;

/* Adds each comma-separated word of s (copied). */
static int add_words(strlist *l, const char *s, bool split)
{
    const char *p = s;
    while (*p) {
        size_t k = split ? strcspn(p, ",") : strlen(p);
        char **nv;
        if (k) {
            if (!(nv = realloc(l->v, (l->n + 1) * sizeof(*nv))))
                return -1;
            l->v = nv;
            if (!(l->v[l->n] = strndup(p, k)))
                return -1;
            l->n++;
        }
        p += k;
        if (*p == ',')
            p++;
    }
    return 0;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* "HIGH,INFO" into ST_SEV_* bits; INFO is the UNKNOWN bit (the rank the
 * report writers give it). */
static bool parse_severities(unsigned *out, const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"CRITICAL", ST_SEV_CRITICAL}, {"HIGH", ST_SEV_HIGH},
        {"MEDIUM", ST_SEV_MEDIUM},     {"LOW", ST_SEV_LOW},
        {"INFO", ST_SEV_UNKNOWN},      {"UNKNOWN", ST_SEV_UNKNOWN},
    };
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        size_t k = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
            if (strlen(names[i].name) == k &&
                !strncasecmp(p, names[i].name, k)) {
                bits |= names[i].bit;
                found = true;
            }
        if (!found)
            return false;
        p += k;
        if (*p == ',')
            p++;
    }
    *out = bits;
    return bits != 0;
}

static void put_md(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void put_tags(FILE *f, const st_config_check *k, const char *sep)
{
    for (size_t j = 0; j < k->tag_count; j++)
        fprintf(f, "%s%s", j ? sep : "", k->tags[j]);
}

static int list_checks(FILE *out, const st_config_options *o,
                       const char *format)
{
    st_config_checks *l = NULL;
    st_error *err = NULL;
    size_t n, wid = 2;

    if (st_config_list_checks(&l, o, &err) < 0)
        return cli_fail_err(err, "config");
    n = st_config_checks_count(l);
    if (!strcmp(format, "json")) {
        fputs("[\n", out);
        for (size_t i = 0; i < n; i++) {
            const st_config_check *k = st_config_checks_get(l, i);
            /* ids, severities and tags are plain words; titles are
             * checked text without quotes or backslashes in the built-in
             * set, escaped anyway */
            fprintf(out, "  {\"id\": \"%s\", \"severity\": \"%s\", "
                         "\"title\": \"",
                    k->id, k->severity);
            for (const char *p = k->title; *p; p++) {
                if (*p == '"' || *p == '\\')
                    fputc('\\', out);
                if ((unsigned char)*p >= 0x20)
                    fputc(*p, out);
            }
            fputs("\", \"kinds\": [", out);
            for (size_t j = 0; j < k->kind_count; j++)
                fprintf(out, "%s\"%s\"", j ? ", " : "", k->kinds[j]);
            fputs("], \"tags\": [", out);
            for (size_t j = 0; j < k->tag_count; j++)
                fprintf(out, "%s\"%s\"", j ? ", " : "", k->tags[j]);
            fprintf(out, "], \"code\": %s, \"enabled\": %s}%s\n",
                    k->code ? "true" : "false",
                    k->enabled ? "true" : "false", i + 1 < n ? "," : "");
        }
        fputs("]\n", out);
    } else if (!strcmp(format, "markdown")) {
        fputs("| Id | Severity | Applies to | Title | Equivalent ids |\n"
              "|----|----------|------------|-------|----------------|\n",
              out);
        for (size_t i = 0; i < n; i++) {
            const st_config_check *k = st_config_checks_get(l, i);
            fprintf(out, "| `%s` | %s | ", k->id, k->severity);
            for (size_t j = 0; j < k->kind_count; j++)
                fprintf(out, "%s%s", j ? ", " : "", k->kinds[j]);
            fputs(" | ", out);
            put_md(out, k->title);
            fputs(" | ", out);
            put_tags(out, k, ", ");
            fputs(" |\n", out);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t w = strlen(st_config_checks_get(l, i)->id);
            if (w > wid)
                wid = w;
        }
        fprintf(out, "%-*s  %-8s  %s\n", (int)wid, "ID", "SEVERITY",
                "TITLE [EQUIVALENT IDS]");
        for (size_t i = 0; i < n; i++) {
            const st_config_check *k = st_config_checks_get(l, i);
            fprintf(out, "%-*s  %-8s  %s", (int)wid, k->id, k->severity,
                    k->title);
            if (k->tag_count) {
                fputs(" [", out);
                put_tags(out, k, " ");
                fputc(']', out);
            }
            if (!k->enabled)
                fputs(" (skipped)", out);
            fputc('\n', out);
        }
    }
    st_config_checks_free(l);
    return EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"no-builtin-policies", no_argument, NULL, OPT_NOBUILTIN},
        {"skip-check", required_argument, NULL, OPT_SKIP},
        {"severity-override", required_argument, NULL, OPT_OVERRIDE},
        {"trusted-registries", required_argument, NULL, OPT_TRUSTED},
        {"severity", required_argument, NULL, OPT_SEV},
        {"max-file-size", required_argument, NULL, OPT_MAXFILE},
        {"exit-code", required_argument, NULL, OPT_EXIT},
        {"list-checks", no_argument, NULL, OPT_LIST},
        {NULL, 0, NULL, 0},
    };
    st_config_options co = ST_CONFIG_OPTIONS_INIT;
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    strlist policies = {0}, skips = {0}, overrides = {0}, trusted = {0};
    const char *format = "table", *output = NULL;
    st_format fmt = ST_FORMAT_TABLE;
    st_result *res = NULL;
    st_error *err = NULL;
    cli_output out = {NULL, NULL, NULL};
    char *end;
    bool list = false;
    long exit_code = 0;
    unsigned long long max_file = 0;
    int c, rc = EXIT_OK;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case OPT_POLICY:
            if (add_words(&policies, optarg, false) < 0)
                goto oom;
            break;
        case OPT_NOBUILTIN: co.no_builtin = 1; break;
        case OPT_SKIP:
            if (add_words(&skips, optarg, true) < 0)
                goto oom;
            break;
        case OPT_OVERRIDE:
            if (add_words(&overrides, optarg, true) < 0)
                goto oom;
            break;
        case OPT_TRUSTED:
            if (add_words(&trusted, optarg, true) < 0)
                goto oom;
            break;
        case OPT_SEV:
            if (!parse_severities(&ro.severities, optarg)) {
                rc = cli_fail("config: --severity %s: expected a list of "
                              "CRITICAL, HIGH, MEDIUM, LOW, INFO", optarg);
                goto done;
            }
            break;
        case OPT_MAXFILE:
            if (!cli_parse_size(optarg, &max_file) || !max_file) {
                rc = cli_fail("config: --max-file-size %s: expected a size "
                              "such as 8M", optarg);
                goto done;
            }
            break;
        case OPT_EXIT:
            errno = 0;
            exit_code = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || exit_code < 0 ||
                exit_code > 255) {
                rc = cli_fail("config: --exit-code %s: expected 0..255",
                              optarg);
                goto done;
            }
            break;
        case OPT_LIST: list = true; break;
        case 'h':
            help(stdout);
            goto done;
        case ':':
            rc = cli_fail("config: %s needs a value (see 'strata config "
                          "--help')", argv[optind - 1]);
            goto done;
        default:
            rc = cli_fail("config: unknown option %s (see 'strata config "
                          "--help')", argv[optind - 1]);
            goto done;
        }
    }
    co.policies = (const char *const *)policies.v;
    co.policy_count = policies.n;
    co.skip_checks = (const char *const *)skips.v;
    co.skip_check_count = skips.n;
    co.severities = (const char *const *)overrides.v;
    co.severity_count = overrides.n;
    co.trusted_registries = (const char *const *)trusted.v;
    co.trusted_registry_count = trusted.n;
    co.max_file_bytes = max_file;

    if (list) {
        if (strcmp(format, "table") && strcmp(format, "json") &&
            strcmp(format, "markdown")) {
            rc = cli_fail("config: --list-checks -f %s: expected table, "
                          "json or markdown", format);
            goto done;
        }
        if ((rc = cli_output_open(&out, output)) != EXIT_OK)
            goto done;
        rc = list_checks(out.f, &co, format);
        goto finish;
    }
    if (st_format_parse(&fmt, format) < 0 ||
        (fmt != ST_FORMAT_TABLE && fmt != ST_FORMAT_JSON &&
         fmt != ST_FORMAT_SARIF)) {
        rc = cli_fail("config: --format %s: expected table, json or sarif",
                      format);
        goto done;
    }
    if (optind >= argc) {
        rc = cli_fail("config: no path to audit (see 'strata config "
                      "--help')");
        goto done;
    }
    if (st_config_scan(&res, (const char *const *)argv + optind,
                       (size_t)(argc - optind), &co, &err) < 0) {
        rc = cli_fail_err(err, "config");
        goto done;
    }
    ro.color = fmt == ST_FORMAT_TABLE && !output && isatty(STDOUT_FILENO) &&
               !getenv("NO_COLOR");
    if ((rc = cli_output_open(&out, output)) != EXIT_OK)
        goto done;
    if (st_report_write(out.f, res, fmt, &ro, &err) < 0)
        rc = cli_fail_err(err, output ? output : "stdout");
finish:
    rc = cli_output_close(&out, rc);
    if (rc == EXIT_OK && res && exit_code)
        for (size_t i = 0; i < st_result_finding_count(res); i++) {
            const st_finding *f = st_result_finding(res, i);
            if (st_report_shows_finding(f, &ro) && f->severity &&
                strcmp(f->severity, "INFO")) {
                rc = (int)exit_code;
                break;
            }
        }
    goto done;
oom:
    rc = cli_fail("out of memory");
done:
    cli_output_close(&out, EXIT_ERROR);
    st_result_free(res);
    strlist_free(&policies);
    strlist_free(&skips);
    strlist_free(&overrides);
    strlist_free(&trusted);
    return rc;
}
