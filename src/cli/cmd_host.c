/* strata host — audit the container host and daemon (CIS Docker
 * Benchmark, LSMs, daemon socket, kubelet), live or a mounted root. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "strata/host.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata host [options]\n"
"\n"
"Audits the container host: the CIS Docker Benchmark checks that can be\n"
"automated (host, daemon configuration, file permissions, containers),\n"
"SELinux and AppArmor, kernel hardening, the daemon's TCP socket and the\n"
"kubelet. A component that is not installed is reported as skipped, never\n"
"as an error.\n"
"\n"
"options:\n"
"      --root DIR           audit a mounted root filesystem offline; every\n"
"                           path, /proc and /sys included, is read inside\n"
"                           DIR and no symlink leads out of it\n"
"      --probe-network      probe 127.0.0.1 for an unauthenticated Docker\n"
"                           API even with --root (always done live)\n"
"      --timeout MS         network probe timeout (default 500)\n"
"  -f, --format FORMAT      table (default), json, sarif, junit\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"      --list-checks        list every check: id, CIS number, severity,\n"
"                           title\n"
"      --severity LEVEL     with --exit-code: count failures at LEVEL or\n"
"                           above (LOW, MEDIUM, HIGH, CRITICAL; default LOW)\n"
"      --exit-code N        exit N when such a failure remains\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata host\n"
"  strata host --root /mnt/node-image --format json\n"
"  strata host --exit-code 1 --severity HIGH --format junit -o host.xml\n"
"\n"
"exit codes: 0 ok, N (--exit-code) failures remain, 2 error\n");
}

/* The report goes to a temporary file beside the output and is renamed
 * into place only when complete (as `strata image` does). */
static FILE *open_output(const char *path, char **tmp_out)
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

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cmd_host(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"probe-network", no_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"list-checks", no_argument, NULL, 'l'},
        {"severity", required_argument, NULL, 's'},
        {"exit-code", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    st_host_options ho = ST_HOST_OPTIONS_INIT;
    st_host_format fmt = ST_HOST_FORMAT_TABLE;
    st_host_severity min = ST_HOST_LOW;
    st_host_audit *audit = NULL;
    st_error *err = NULL;
    const char *output = NULL;
    char *tmp = NULL;
    FILE *out = stdout;
    bool list = false;
    long exit_code = 0, v;
    int c, rc = EXIT_OK;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': ho.root = optarg; break;
        case 'p': ho.probe_network = true; break;
        case 't':
            if (!parse_int(optarg, 1, 60000, &v))
                return cli_fail("host: --timeout %s: expected 1..60000 ms",
                                optarg);
            ho.probe_timeout_ms = (unsigned)v;
            break;
        case 'f':
            if (st_host_format_parse(&fmt, optarg) < 0)
                return cli_fail("host: --format %s: expected table, json, "
                                "sarif or junit", optarg);
            break;
        case 'o': output = optarg; break;
        case 'l': list = true; break;
        case 's':
            if (st_host_severity_parse(&min, optarg) < 0)
                return cli_fail("host: --severity %s: expected LOW, MEDIUM, "
                                "HIGH or CRITICAL", optarg);
            break;
        case 'e':
            if (!parse_int(optarg, 0, 255, &exit_code))
                return cli_fail("host: --exit-code %s: expected 0..255",
                                optarg);
            break;
        case 'h':
            help(stdout);
            return EXIT_OK;
        case ':':
            return cli_fail("host: %s needs a value (see 'strata host "
                            "--help')", argv[optind - 1]);
        default:
            return cli_fail("host: unknown option %s (see 'strata host "
                            "--help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail("host: unexpected argument \"%s\" (use --root DIR)",
                        argv[optind]);
    if (ho.root) {
        struct stat st;
        if (stat(ho.root, &st) < 0)
            return cli_fail("%s: %s", ho.root, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return cli_fail("%s: not a directory", ho.root);
    }
    if (st_host_audit_new(&audit, &ho, &err) < 0)
        return cli_fail_err(err, "host");
    if (output && !(out = open_output(output, &tmp))) {
        rc = cli_fail("%s: %s", output, strerror(errno));
        goto done;
    }
    if (list) {
        if (st_host_audit_list(out, audit, &err) < 0)
            rc = cli_fail_err(err, output ? output : "stdout");
    } else if (st_host_audit_run(audit, &err) < 0) {
        rc = cli_fail_err(err, "host");
    } else if (st_host_audit_write(out, audit, fmt, &err) < 0) {
        rc = cli_fail_err(err, output ? output : "stdout");
    }
    if (tmp) {
        if (fclose(out) != 0 && rc == EXIT_OK)
            rc = cli_fail("%s: %s", output, strerror(errno));
        out = NULL;
        if (rc == EXIT_OK && rename(tmp, output) < 0)
            rc = cli_fail("%s: %s", output, strerror(errno));
        if (rc != EXIT_OK)
            unlink(tmp);
    }
    if (rc == EXIT_OK && !list && exit_code)
        for (size_t i = 0; i < st_host_audit_count(audit); i++) {
            const st_host_result *r = st_host_audit_get(audit, i);
            if (r->status == ST_HOST_FAIL && r->severity >= min) {
                rc = (int)exit_code;
                break;
            }
        }
done:
    free(tmp);
    st_host_audit_free(audit);
    return rc;
}
