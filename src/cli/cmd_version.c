/* strata version */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: strata version\n\nPrints the version of strata.\n");
        return EXIT_OK;
    }
    printf("strata %s\n", st_version());
    return EXIT_OK;
}
