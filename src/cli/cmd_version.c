/* strata version [compare SCHEME A B | compare --stdin SCHEME] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata version\n"
"       strata version compare SCHEME A B\n"
"       strata version compare --stdin SCHEME < pairs.tsv\n"
"\n"
"Prints strata's version, or compares two versions the way the package\n"
"ecosystem does: prints <, = or >. With --stdin, reads one \"A<TAB>B\"\n"
"pair per line and prints -1, 0 or 1 per line (\"invalid\" for a pair that\n"
"cannot be compared; the exit code is then 2).\n"
"\n"
"schemes: deb rpm apk pypi semver npm maven go gem nuget composer\n"
"\n"
"examples:\n"
"  strata version compare deb 1:2.0~rc1-1 2.0-1\n"
"  strata version compare --stdin rpm < pairs.tsv\n");
}

static int compare_stdin(st_version_scheme s)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0, bad = 0;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        char *tab;
        int out;
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        tab = strchr(line, '\t');
        if (!tab) {
            printf("invalid\n");
            if (!bad++)
                fprintf(stderr, "strata: stdin line %lu: expected A<TAB>B\n",
                        lineno);
            continue;
        }
        *tab = 0;
        if (st_version_compare(&out, s, line, tab + 1) < 0) {
            printf("invalid\n");
            if (!bad++)
                fprintf(stderr,
                        "strata: stdin line %lu: not a valid %s version\n",
                        lineno, st_version_scheme_name(s));
            continue;
        }
        printf("%d\n", out < 0 ? -1 : out > 0);
    }
    free(line);
    if (fflush(stdout) != 0)
        return cli_fail("stdout: write error");
    return bad ? EXIT_ERROR : EXIT_OK;
}

static int compare(int argc, char **argv)
{
    st_version_scheme s;
    bool use_stdin = argc > 1 && !strcmp(argv[1], "--stdin");
    int out, rc;

    if (use_stdin ? argc != 3 : argc != 4)
        return cli_fail("version compare: expected SCHEME A B, or --stdin "
                        "SCHEME (see 'strata version --help')");
    if (st_version_scheme_parse(&s, argv[use_stdin ? 2 : 1]) < 0)
        return cli_fail("version compare: unknown scheme \"%s\" (deb rpm apk "
                        "pypi semver npm maven go gem nuget composer)",
                        argv[use_stdin ? 2 : 1]);
    if (use_stdin)
        return compare_stdin(s);
    rc = st_version_compare(&out, s, argv[2], argv[3]);
    if (rc == ST_EUNSUPPORTED)
        return cli_fail("version compare: %s is not implemented yet",
                        argv[1]);
    if (rc < 0)
        return cli_fail("version compare: \"%s\" or \"%s\" is not a valid %s "
                        "version",
                        argv[2], argv[3], argv[1]);
    printf("%s\n", out < 0 ? "<" : out > 0 ? ">" : "=");
    return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help(stdout);
        return EXIT_OK;
    }
    if (argc > 1 && !strcmp(argv[1], "compare"))
        return compare(argc - 1, argv + 1);
    if (argc > 1)
        return cli_fail("version: unknown argument \"%s\" (see 'strata "
                        "version --help')",
                        argv[1]);
    printf("strata %s\n", st_version());
    return EXIT_OK;
}
