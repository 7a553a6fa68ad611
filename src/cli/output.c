/* Reports written atomically: to a temporary file beside the output,
 * renamed into place only when complete — never a half-written report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

FILE *cli_open_output(const char *path, char **tmp_out)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    int fd;
    FILE *f;

    if (!tmp)
        return NULL;
    snprintf(tmp, n, "%s.XXXXXX", path);
    if ((fd = mkstemp(tmp)) < 0) {
        free(tmp);
        return NULL;
    }
    fchmod(fd, 0644);
    if (!(f = fdopen(fd, "w"))) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return NULL;
    }
    *tmp_out = tmp;
    return f;
}
