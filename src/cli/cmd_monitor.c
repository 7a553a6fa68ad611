/* strata monitor: placeholder until the command lands. */
#include "cli.h"

int cmd_monitor(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("monitor: not built yet");
}
