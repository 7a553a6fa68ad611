/* strata host — audit the container host (stub: being written). */
#include "cli.h"

int cmd_host(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("host: not built yet");
}
