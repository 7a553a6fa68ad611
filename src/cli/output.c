/* Reports written atomically: to a temporary file beside the output,
 * renamed into place only when complete — never a half-written report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_output_open(cli_output *o, const char *path)
{
    struct stat st;
    size_t n;
    int fd;

    memset(o, 0, sizeof(*o));
    o->f = stdout;
    o->path = path;
    if (!path)
        return EXIT_OK;
    /* /dev/null, a FIFO, a terminal: written in place. Renaming a file
     * over them would replace the device (as root, /dev/null itself). */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return cli_fail("%s: is a directory", path);
        if (!(o->f = fopen(path, "w")))
            return cli_fail("%s: cannot write: %s", path, strerror(errno));
        return EXIT_OK;
    }
    n = strlen(path) + 16;
    if (!(o->tmp = malloc(n)))
        return cli_fail("out of memory");
    snprintf(o->tmp, n, "%s.XXXXXX", path);
    if ((fd = mkstemp(o->tmp)) < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        o->f = NULL;
        return cli_fail("%s: cannot write: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    if (!(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return cli_fail("%s: cannot write: %s", path, strerror(e));
    }
    return EXIT_OK;
}

int cli_output_close(cli_output *o, int rc)
{
    const char *name = o->path ? o->path : "stdout";
    bool ok = rc != EXIT_ERROR;

    if (!o->f)
        return rc;
    if (ok && (fflush(o->f) != 0 || ferror(o->f) ||
               (o->tmp && fsync(fileno(o->f)) != 0))) {
        rc = cli_fail("%s: write error: %s", name, strerror(errno));
        ok = false;
    }
    if (o->f != stdout && fclose(o->f) != 0 && ok) {
        rc = cli_fail("%s: write error: %s", name, strerror(errno));
        ok = false;
    }
    o->f = NULL;
    if (o->tmp) {
        if (ok && rename(o->tmp, o->path) < 0) {
            rc = cli_fail("%s: %s", o->path, strerror(errno));
            ok = false;
        }
        if (!ok)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return rc;
}
