/* strata fs — scan a source tree or an unpacked directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata fs [options] PATH\n"
"\n"
"Scans a directory — a project's source tree or an unpacked filesystem —\n"
"for OS and language packages (lockfiles, installed packages, binaries)\n"
"and matches them against the vulnerability DB, and searches its files for\n"
"secrets. Symbolic links are never followed and nothing outside PATH is\n"
"read.\n"
"\n"
"options:\n"
"  -f, --format FORMAT      table (default), json, sarif, cyclonedx,\n"
"                           spdx-json\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"      --list-packages      table: list every package\n"
"      --skip-dirs GLOBS    leave out these directories (comma-separated\n"
"                           fnmatch globs on the path relative to PATH,\n"
"                           '*' also matches '/'; repeatable)\n"
"      --skip-files GLOBS   leave out these files\n"
"      --include-dev-deps   keep development-only dependencies\n"
"  -q, --quiet              no notes on stderr\n"
"      --db DIR, --severity LIST, --ignore-unfixed, --exit-code N,\n"
"      --ignorefile FILE, --vex FILE, --show-suppressed, --no-vulns,\n"
"      --scanners LIST, --secret-config FILE, --secret-max-size N,\n"
"      --secret-binaries, --show-secrets, --yara-rules PATHS,\n"
"      --clamav-db DIR\n"
"                           as for 'strata image' (the config scanner reads\n"
"                           an image's config: a directory has none; audit\n"
"                           its Dockerfiles and manifests with 'strata\n"
"                           config')\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata fs ./my-service\n"
"  strata fs --skip-dirs 'test/*,docs' --exit-code 1 .\n"
"  strata fs --scanners secret ./repo\n"
"\n"
"exit codes: 0 ok, N (--exit-code) findings remain, 2 error\n");
}

int cmd_fs(int argc, char **argv)
{
    cli_scan_args a;
    char *ref = NULL;
    int rc = cli_parse_scan(argc, argv, "fs", CLI_PATH, help, &a);

    if (rc == 0) {
        size_t n = strlen(a.ref) + 5;
        if (!(ref = malloc(n))) {
            rc = cli_fail("out of memory");
        } else {
            snprintf(ref, n, "dir:%s", a.ref);
            a.ref = ref;
            rc = cli_scan_and_report(&a);
        }
    }
    free(ref);
    cli_scan_args_release(&a);
    return rc == CLI_HELP ? EXIT_OK : rc;
}
