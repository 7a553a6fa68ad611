/* The options `image`, `fs` and `sbom` share, parsed in one place. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_LIST = 256, OPT_FILES, OPT_PLATFORM, OPT_MAXLAYER, OPT_MAXFILE,
    OPT_SINGLE, OPT_DB, OPT_SEV, OPT_UNFIXED, OPT_EXIT, OPT_IGNORE, OPT_VEX,
    OPT_SUPPRESSED, OPT_NOVULNS, OPT_SKIPDIR, OPT_SKIPFILE, OPT_DEV,
    OPT_SCANNERS, OPT_SECRETCFG, OPT_SECRETMAX, OPT_SECRETBIN, OPT_SHOWSECRETS,
    OPT_YARA, OPT_CLAMAV, OPT_INSECURE, OPT_REGCA, OPT_CACHE, OPT_KEY,
    OPT_REQSIG
};

static const struct option all[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"list-packages", no_argument, NULL, OPT_LIST},
    {"list-files", no_argument, NULL, OPT_FILES},
    {"max-layer-size", required_argument, NULL, OPT_MAXLAYER},
    {"max-file-size", required_argument, NULL, OPT_MAXFILE},
    {"single-thread", no_argument, NULL, OPT_SINGLE},
    {"skip-dirs", required_argument, NULL, OPT_SKIPDIR},
    {"skip-files", required_argument, NULL, OPT_SKIPFILE},
    {"include-dev-deps", no_argument, NULL, OPT_DEV},
    {"db", required_argument, NULL, OPT_DB},
    {"severity", required_argument, NULL, OPT_SEV},
    {"ignore-unfixed", no_argument, NULL, OPT_UNFIXED},
    {"exit-code", required_argument, NULL, OPT_EXIT},
    {"ignorefile", required_argument, NULL, OPT_IGNORE},
    {"vex", required_argument, NULL, OPT_VEX},
    {"show-suppressed", no_argument, NULL, OPT_SUPPRESSED},
    {"no-vulns", no_argument, NULL, OPT_NOVULNS},
    {"scanners", required_argument, NULL, OPT_SCANNERS},
    {"secret-config", required_argument, NULL, OPT_SECRETCFG},
    {"secret-max-size", required_argument, NULL, OPT_SECRETMAX},
    {"secret-binaries", no_argument, NULL, OPT_SECRETBIN},
    {"show-secrets", no_argument, NULL, OPT_SHOWSECRETS},
    {"yara-rules", required_argument, NULL, OPT_YARA},
    {"clamav-db", required_argument, NULL, OPT_CLAMAV},
    {"insecure-registry", required_argument, NULL, OPT_INSECURE},
    {"registry-ca", required_argument, NULL, OPT_REGCA},
    {"cache-dir", required_argument, NULL, OPT_CACHE},
    {"key", required_argument, NULL, OPT_KEY},
    {"require-signature", no_argument, NULL, OPT_REQSIG},
    {NULL, 0, NULL, 0},
};

/* Adds a comma-separated list (of globs on image paths, or of host files)
 * to a NULL-terminated array. */
static int add_list(const char ***arr, size_t *n, char *list, bool globs)
{
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        const char **p = realloc(*arr, (*n + 2) * sizeof(char *));
        if (!p)
            return -1;
        *arr = p;
        while (globs && *t == '/')
            t++; /* paths in an image are matched without their "/" */
        p[(*n)++] = t;
        p[*n] = NULL;
    }
    return 0;
}

/* "vuln,secret,malware,hardening,config" into a->scanners and *vuln. */
static int parse_scanners(cli_scan_args *a, const char *list, bool *vuln)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"vuln", 0},
        {"secret", ST_SCANNER_SECRET},
        {"malware", ST_SCANNER_MALWARE},
        {"hardening", ST_SCANNER_HARDENING},
        {"config", ST_SCANNER_CONFIG},
    };
    const char *p = list;

    a->scanners = 0;
    *vuln = false;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n))
                break;
        if (i == sizeof(names) / sizeof(names[0]))
            return cli_fail("--scanners %s: unknown scanner \"%.*s\" "
                            "(expected vuln, secret, malware, hardening, "
                            "config)",
                            list, (int)n, p);
        if (names[i].bit)
            a->scanners |= names[i].bit;
        else
            *vuln = true;
        p += n + (p[n] == ',');
    }
    return 0;
}

int cli_parse_scan(int argc, char **argv, const char *cmd, unsigned flags,
                   void (*help)(FILE *), cli_scan_args *a)
{
    /* the first free-standing argument's index goes to a->ref's caller */
    int c;
    char *end;
    bool scanners_given = false, vuln_scanner = true;

    memset(a, 0, sizeof(*a));
    a->format = flags & CLI_SBOM ? ST_FORMAT_CYCLONEDX : ST_FORMAT_TABLE;
    /* Like the field's other scanners: known vulnerabilities and secrets
     * unless told otherwise; an SBOM is the inventory alone. */
    a->scanners = flags & CLI_SBOM ? 0 : ST_SCANNER_SECRET;
    optind = 1;
    opterr = 0; /* one line of our own instead */
    while ((c = getopt_long(argc, argv, "f:o:qh", all, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (st_format_parse(&a->format, optarg) < 0 ||
                ((flags & CLI_SBOM) && a->format != ST_FORMAT_CYCLONEDX &&
                 a->format != ST_FORMAT_SPDX))
                return cli_fail("%s: --format %s: expected %s", cmd, optarg,
                                flags & CLI_SBOM
                                    ? "cyclonedx or spdx-json"
                                    : "table, json, sarif, cyclonedx or "
                                      "spdx-json");
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'h':
            help(stdout);
            return CLI_HELP;
        case OPT_PLATFORM:
            a->platform = optarg;
            break;
        case OPT_LIST:
            a->list_packages = true;
            break;
        case OPT_FILES:
            a->list_files = true;
            break;
        case OPT_MAXLAYER:
            if (!cli_parse_size(optarg, &a->max_layer_bytes))
                return cli_fail("--max-layer-size %s: not a size", optarg);
            break;
        case OPT_MAXFILE:
            if (!cli_parse_size(optarg, &a->max_file_bytes))
                return cli_fail("--max-file-size %s: not a size", optarg);
            break;
        case OPT_SINGLE:
            a->single_thread = true;
            break;
        case OPT_SKIPDIR:
            if (add_list(&a->skip_dirs, &a->skip_dir_count, optarg, true) < 0)
                return cli_fail("out of memory");
            break;
        case OPT_SKIPFILE:
            if (add_list(&a->skip_files, &a->skip_file_count, optarg, true) < 0)
                return cli_fail("out of memory");
            break;
        case OPT_DEV:
            a->include_dev = true;
            break;
        case OPT_DB:
            a->db_dir = optarg;
            a->db_required = true;
            break;
        case OPT_SEV:
            if (st_severity_parse(&a->severities, optarg) < 0)
                return cli_fail("--severity %s: expected a list of UNKNOWN, "
                                "LOW, MEDIUM, HIGH, CRITICAL",
                                optarg);
            a->db_required = true;
            break;
        case OPT_UNFIXED:
            a->ignore_unfixed = true;
            a->db_required = true;
            break;
        case OPT_EXIT:
            a->exit_code = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || a->exit_code < 0 ||
                a->exit_code > 125)
                return cli_fail("--exit-code %s: expected 0 to 125", optarg);
            a->db_required = a->exit_code != 0;
            break;
        case OPT_IGNORE:
            a->ignorefile = optarg;
            a->db_required = true;
            break;
        case OPT_VEX:
            if (add_list(&a->vex, &a->vex_count, optarg, false) < 0)
                return cli_fail("out of memory");
            a->db_required = true;
            break;
        case OPT_SUPPRESSED:
            a->show_suppressed = true;
            break;
        case OPT_NOVULNS:
            a->no_vulns = true;
            break;
        case OPT_SCANNERS:
            if (parse_scanners(a, optarg, &vuln_scanner) != 0)
                return EXIT_ERROR;
            scanners_given = true;
            break;
        case OPT_SECRETCFG:
            a->secret_config = optarg;
            break;
        case OPT_SECRETMAX:
            if (!cli_parse_size(optarg, &a->secret_max_bytes))
                return cli_fail("--secret-max-size %s: not a size", optarg);
            break;
        case OPT_SECRETBIN:
            a->secret_binaries = true;
            break;
        case OPT_SHOWSECRETS:
            a->show_secrets = true;
            break;
        case OPT_YARA:
            if (add_list(&a->yara_rules, &a->yara_rule_count, optarg, false) < 0)
                return cli_fail("out of memory");
            break;
        case OPT_CLAMAV:
            a->clamav_db = optarg;
            break;
        case OPT_INSECURE:
            if (add_list(&a->insecure, &a->insecure_count, optarg, false) < 0)
                return cli_fail("out of memory");
            break;
        case OPT_REGCA:
            a->registry_ca = optarg;
            break;
        case OPT_CACHE:
            a->cache_dir = optarg;
            break;
        case OPT_KEY:
            if (add_list(&a->keys, &a->key_count, optarg, false) < 0)
                return cli_fail("out of memory");
            break;
        case OPT_REQSIG:
            a->require_signature = true;
            break;
        default:
            return cli_fail("%s: bad option \"%s\" (see 'strata %s --help')",
                            cmd, argv[optind - 1], cmd);
        }
    }
    if (optind != argc - 1)
        return cli_fail("%s: expected one %s (see 'strata %s --help')", cmd,
                        flags & CLI_PATH ? "path" : "reference", cmd);
    if (a->require_signature && !a->key_count)
        return cli_fail("%s: --require-signature needs a public key (--key "
                        "FILE)",
                        cmd);
    if (a->format == ST_FORMAT_SARIF)
        a->db_required = true;
    if (scanners_given && !vuln_scanner)
        a->no_vulns = true;
    if (a->no_vulns && a->db_required && !scanners_given)
        return cli_fail("%s: --no-vulns contradicts the vulnerability "
                        "options given",
                        cmd);
    if (a->no_vulns)
        a->db_required = false; /* --severity etc. filter the other findings */
    /* Rule options say which scanner they are for: turn it on. */
    if (a->yara_rule_count || a->clamav_db)
        a->scanners |= ST_SCANNER_MALWARE;
    if (a->secret_config && !scanners_given)
        a->scanners |= ST_SCANNER_SECRET;
    if ((flags & CLI_SBOM) && a->scanners)
        return cli_fail("%s: an SBOM lists packages only: --scanners and "
                        "rule options do not apply",
                        cmd);
    a->ref = argv[optind];
    return 0;
}

void cli_scan_args_release(cli_scan_args *a)
{
    free(a->skip_dirs);
    free(a->skip_files);
    free(a->vex);
    free(a->yara_rules);
    free(a->insecure);
    free(a->keys);
}
