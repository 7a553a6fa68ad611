/* strata — container security: the command table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"image", cmd_image, "scan a container image (archive, layout, rootfs, registry)"},
    {"fs", cmd_fs, "scan a source tree or directory"},
    {"host", cmd_host, "audit the container host and daemon (CIS Docker)"},
    {"config", cmd_config, "audit Dockerfiles, Kubernetes and compose files"},
    {"registry", cmd_registry, "log in to a registry; audit its access control"},
    {"serve", cmd_serve, "run the scanning service (HTTP API, SQLite/PostgreSQL)"},
    {"monitor", cmd_monitor, "watch running containers for threats (eBPF); stats"},
    {"sbom", cmd_sbom, "write a CycloneDX or SPDX SBOM of an image"},
    {"db", cmd_db, "update and inspect the vulnerability database"},
    {"version", cmd_version, "print the version; compare package versions"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: strata <command> [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'strata <command> --help' describes a command.\n"
               "exit codes: 0 ok, 1 findings (with --exit-code), 2 error\n");
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("strata: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_ERROR;
}

int cli_fail_err(st_error *err, const char *context)
{
    char *msg = st_error_format(err);
    /* One line, whatever the message holds. */
    for (char *p = msg; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (context)
        cli_fail("%s: %s", context, msg ? msg : "out of memory");
    else
        cli_fail("%s", msg ? msg : "out of memory");
    st_free(msg);
    st_error_free(err);
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_ERROR;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version"))
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    cli_fail("unknown command \"%s\" (see 'strata --help')", argv[1]);
    return EXIT_ERROR;
}
