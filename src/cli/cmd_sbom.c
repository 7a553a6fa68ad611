/* strata sbom — write an SBOM of an image. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata sbom [options] REFERENCE\n"
"\n"
"Writes a software bill of materials of an image (same references as\n"
"'strata image').\n"
"\n"
"options:\n"
"  -f, --format FORMAT   cyclonedx (CycloneDX 1.5 JSON, default) or\n"
"                        spdx-json (SPDX 2.3 JSON)\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
"      --platform OS/ARCH[/VARIANT]\n"
"  -q, --quiet           no progress bar\n"
"  -h, --help            this help\n"
"\n"
"examples:\n"
"  strata sbom --format cyclonedx debian.tar > sbom.cdx.json\n"
"  strata sbom --format spdx-json -o sbom.spdx.json oci:./layout\n"
"\n"
"exit codes: 0 ok, 2 error\n");
}

enum { OPT_PLATFORM = 256 };

int cmd_sbom(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_scan_args a;
    int c;

    memset(&a, 0, sizeof(a));
    a.format = ST_FORMAT_CYCLONEDX;
    optind = 1;
    opterr = 0; /* one line of our own instead */
    while ((c = getopt_long(argc, argv, "f:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (st_format_parse(&a.format, optarg) < 0 ||
                (a.format != ST_FORMAT_CYCLONEDX &&
                 a.format != ST_FORMAT_SPDX))
                return cli_fail("--format %s: expected cyclonedx or "
                                "spdx-json",
                                optarg);
            break;
        case 'o':
            a.output = optarg;
            break;
        case OPT_PLATFORM:
            a.platform = optarg;
            break;
        case 'q':
            a.quiet = true;
            break;
        case 'h':
            help(stdout);
            return EXIT_OK;
        default:
            return cli_fail("sbom: bad option \"%s\" (see 'strata sbom --help')",
                            argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        return cli_fail("sbom: expected one reference (see 'strata sbom --help')");
    }
    a.ref = argv[optind];
    return cli_scan_and_report(&a);
}
