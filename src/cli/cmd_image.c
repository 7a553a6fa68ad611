/* strata image — scan a container image. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata image [options] REFERENCE\n"
"\n"
"Reads an image in one streaming pass, verifying every digest, and reports\n"
"its operating system and packages.\n"
"\n"
"references:\n"
"  docker-archive:PATH[:TAG]  a tar as 'docker save' writes it\n"
"  oci:DIR[:TAG]              an OCI image layout directory\n"
"  oci-archive:PATH[:TAG]     an OCI image layout in a tar\n"
"  dir:PATH                   an unpacked root filesystem\n"
"  PATH                       detected from what is there\n"
"\n"
"options:\n"
"  -f, --format FORMAT      table (default), json, sarif, cyclonedx,\n"
"                           spdx-json\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"      --list-packages      table: list every package\n"
"      --list-files         json: each package's installed files\n"
"      --platform OS/ARCH[/VARIANT]\n"
"                           pick one image of a multi-platform index\n"
"                           (default: the host's)\n"
"  -q, --quiet              no progress bar\n"
"      --max-layer-size N   refuse layers larger than N uncompressed\n"
"                           (default 64G; suffixes k, M, G)\n"
"      --max-file-size N    largest file read for analysis (default 64M)\n"
"      --single-thread      decompress on the main thread only\n"
"\n"
"vulnerabilities (matched when a DB exists; see 'strata db --help'):\n"
"      --db DIR             the vulnerability DB (default: $STRATA_DB, else\n"
"                           ~/.cache/strata); required when given\n"
"      --severity LIST      only these: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL\n"
"      --ignore-unfixed     hide findings that have no fix yet\n"
"      --exit-code N        exit with N when findings remain after filters\n"
"      --ignorefile FILE    ignore rules (default: ./.strataignore if any)\n"
"      --vex FILE           apply an OpenVEX document (repeatable)\n"
"      --show-suppressed    list ignored and VEX-suppressed findings too\n"
"      --no-vulns           packages only, no matching\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata image debian.tar\n"
"  strata image --list-packages --format json oci:./layout:latest\n"
"  strata image --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1 x.tar\n"
"  strata image --format sarif debian.tar > out.sarif\n"
"\n"
"exit codes: 0 ok, N (--exit-code) findings remain, 2 error (a tampered\n"
"image is an error)\n");
}

enum { OPT_DB = 300, OPT_SEV, OPT_UNFIXED, OPT_EXIT, OPT_IGNORE, OPT_VEX,
       OPT_SUPPRESSED, OPT_NOVULNS };
enum { OPT_LIST = 256, OPT_FILES, OPT_PLATFORM, OPT_MAXLAYER, OPT_MAXFILE, OPT_SINGLE };

int cmd_image(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"list-packages", no_argument, NULL, OPT_LIST},
        {"list-files", no_argument, NULL, OPT_FILES},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"quiet", no_argument, NULL, 'q'},
        {"max-layer-size", required_argument, NULL, OPT_MAXLAYER},
        {"max-file-size", required_argument, NULL, OPT_MAXFILE},
        {"single-thread", no_argument, NULL, OPT_SINGLE},
        {"db", required_argument, NULL, OPT_DB},
        {"severity", required_argument, NULL, OPT_SEV},
        {"ignore-unfixed", no_argument, NULL, OPT_UNFIXED},
        {"exit-code", required_argument, NULL, OPT_EXIT},
        {"ignorefile", required_argument, NULL, OPT_IGNORE},
        {"vex", required_argument, NULL, OPT_VEX},
        {"show-suppressed", no_argument, NULL, OPT_SUPPRESSED},
        {"no-vulns", no_argument, NULL, OPT_NOVULNS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *vex[64];
    cli_scan_args a;
    char *end;
    int c;

    memset(&a, 0, sizeof(a));
    a.format = ST_FORMAT_TABLE;
    optind = 1;
    opterr = 0; /* one line of our own instead */
    while ((c = getopt_long(argc, argv, "f:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (st_format_parse(&a.format, optarg) < 0)
                return cli_fail("--format %s: expected table, json, "
                                "cyclonedx or spdx-json",
                                optarg);
            break;
        case 'o':
            a.output = optarg;
            break;
        case OPT_LIST:
            a.list_packages = true;
            break;
        case OPT_FILES:
            a.list_files = true;
            break;
        case OPT_PLATFORM:
            a.platform = optarg;
            break;
        case 'q':
            a.quiet = true;
            break;
        case OPT_MAXLAYER:
            if (!cli_parse_size(optarg, &a.max_layer_bytes))
                return cli_fail("--max-layer-size %s: not a size", optarg);
            break;
        case OPT_MAXFILE:
            if (!cli_parse_size(optarg, &a.max_file_bytes))
                return cli_fail("--max-file-size %s: not a size", optarg);
            break;
        case OPT_SINGLE:
            a.single_thread = true;
            break;
        case OPT_DB:
            a.db_dir = optarg;
            a.db_required = true;
            break;
        case OPT_SEV:
            if (st_severity_parse(&a.severities, optarg) < 0)
                return cli_fail("--severity %s: expected a list of UNKNOWN, "
                                "LOW, MEDIUM, HIGH, CRITICAL",
                                optarg);
            a.db_required = true;
            break;
        case OPT_UNFIXED:
            a.ignore_unfixed = true;
            a.db_required = true;
            break;
        case OPT_EXIT:
            a.exit_code = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || a.exit_code < 0 ||
                a.exit_code > 125)
                return cli_fail("--exit-code %s: expected 0 to 125", optarg);
            a.db_required = a.exit_code != 0;
            break;
        case OPT_IGNORE:
            a.ignorefile = optarg;
            a.db_required = true;
            break;
        case OPT_VEX:
            if (a.vex_count == sizeof(vex) / sizeof(vex[0]))
                return cli_fail("--vex: at most 64 documents");
            vex[a.vex_count++] = optarg;
            a.vex = vex;
            a.db_required = true;
            break;
        case OPT_SUPPRESSED:
            a.show_suppressed = true;
            break;
        case OPT_NOVULNS:
            a.no_vulns = true;
            break;
        case 'h':
            help(stdout);
            return EXIT_OK;
        default:
            return cli_fail("image: bad option \"%s\" (see 'strata image --help')",
                            argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        return cli_fail("image: expected one reference (see 'strata image --help')");
    }
    a.ref = argv[optind];
    if (a.format == ST_FORMAT_SARIF)
        a.db_required = true;
    if (a.no_vulns && a.db_required)
        return cli_fail("image: --no-vulns contradicts the vulnerability "
                        "options given");
    return cli_scan_and_report(&a);
}
