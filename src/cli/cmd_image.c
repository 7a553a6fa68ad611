/* strata image — scan a container image. */
#include <getopt.h>
#include <stdio.h>
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
"  -f, --format FORMAT      table (default), json, cyclonedx, spdx-json\n"
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
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata image debian.tar\n"
"  strata image --list-packages --format json oci:./layout:latest\n"
"\n"
"exit codes: 0 ok, 2 error (a tampered image is an error)\n");
}

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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_scan_args a;
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
    return cli_scan_and_report(&a);
}
