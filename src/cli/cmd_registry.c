/* strata registry: placeholder until the command lands. */
#include "cli.h"

int cmd_registry(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("registry: not built yet");
}
