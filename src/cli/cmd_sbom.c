/* strata sbom — write an SBOM of an image. */
#include <stdio.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata sbom [options] REFERENCE\n"
"\n"
"Writes a software bill of materials of an image or a source tree (same\n"
"references as 'strata image'; a directory is scanned as a tree).\n"
"\n"
"options:\n"
"  -f, --format FORMAT   cyclonedx (CycloneDX 1.5 JSON, default) or\n"
"                        spdx-json (SPDX 2.3 JSON)\n"
"  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
"      --platform OS/ARCH[/VARIANT]\n"
"  -q, --quiet           no progress bar\n"
"      --skip-dirs GLOBS, --skip-files GLOBS, --include-dev-deps\n"
"                        as for 'strata fs'\n"
"  -h, --help            this help\n"
"\n"
"examples:\n"
"  strata sbom --format cyclonedx debian.tar > sbom.cdx.json\n"
"  strata sbom --format spdx-json -o sbom.spdx.json oci:./layout\n"
"\n"
"exit codes: 0 ok, 2 error\n");
}

int cmd_sbom(int argc, char **argv)
{
    cli_scan_args a;
    int rc = cli_parse_scan(argc, argv, "sbom", CLI_SBOM, help, &a);
    if (rc == 0) {
        a.no_vulns = true; /* an SBOM is an inventory */
        rc = cli_scan_and_report(&a);
    }
    cli_scan_args_release(&a);
    return rc == CLI_HELP ? EXIT_OK : rc;
}
