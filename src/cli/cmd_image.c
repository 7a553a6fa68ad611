/* strata image — scan a container image. */
#include <stdio.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata image [options] REFERENCE\n"
"\n"
"Reads an image in one streaming pass, verifying every digest, and reports\n"
"its operating system, packages and their known vulnerabilities, and the\n"
"secrets in its files (deleted ones too), config and history. Malware\n"
"signatures, hardening problems and the image config's own settings (user,\n"
"ports, environment, health check) on request (--scanners).\n"
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
"      --skip-dirs GLOBS    leave out these directories (comma-separated\n"
"                           fnmatch globs on the path; repeatable)\n"
"      --skip-files GLOBS   leave out these files\n"
"      --include-dev-deps   keep development-only dependencies\n"
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
"\n"
"scanners:\n"
"      --scanners LIST      any of vuln, secret, malware, hardening,\n"
"                           config (default: vuln,secret)\n"
"      --secret-config FILE add or disable secret rules (YAML; see\n"
"                           docs/secrets.md)\n"
"      --secret-max-size N  largest file searched for secrets (default 10M)\n"
"      --secret-binaries    search binary files for secrets too\n"
"      --show-secrets       print secrets whole (default: first characters)\n"
"      --yara-rules PATHS   YARA rule files or directories to add\n"
"                           (comma-separated; repeatable; implies malware)\n"
"      --clamav-db DIR      scan with ClamAV too, with this database\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata image debian.tar\n"
"  strata image --list-packages --format json oci:./layout:latest\n"
"  strata image --severity HIGH,CRITICAL --ignore-unfixed --exit-code 1 x.tar\n"
"  strata image --format sarif debian.tar > out.sarif\n"
"  strata image --scanners vuln,secret,malware,hardening app.tar\n"
"  strata image --scanners config app.tar\n"
"  strata image --yara-rules ./my-rules/ app.tar\n"
"\n"
"exit codes: 0 ok, N (--exit-code) findings remain, 2 error (a tampered\n"
"image is an error)\n");
}

int cmd_image(int argc, char **argv)
{
    cli_scan_args a;
    int rc = cli_parse_scan(argc, argv, "image", 0, help, &a);
    if (rc == 0)
        rc = cli_scan_and_report(&a);
    cli_scan_args_release(&a);
    return rc == CLI_HELP ? EXIT_OK : rc;
}
