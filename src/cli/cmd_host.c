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
"      --db DIR             the vulnerability DB the container stack's\n"
"                           packages and binaries are matched against\n"
"                           (default: $STRATA_DB, else ~/.cache/strata;\n"
"                           without one that check is skipped)\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata host\n"
"  strata host --root /mnt/node-image --format json\n"
"  strata host --exit-code 1 --severity HIGH --format junit -o host.xml\n"
"\n"
"exit codes: 0 ok, N (--exit-code) failures remain, 2 error\n");
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

/* The host's package databases and the container stack's binaries,
 * scanned as a root directory (not its data: the places below hold
 * images, volumes and user files, not the host's software). */
static const char *const not_software[] = {
    "home", "root", "tmp", "srv", "mnt", "media", "boot", "run", "dev",
    "var/lib/docker", "var/lib/containerd", "var/lib/kubelet",
    "var/lib/containers", "var/cache", "var/log", "var/tmp", "var/spool",
    "var/www", "var/lib/apt", "usr/share", "usr/include", "usr/src",
    "snap", "opt/containerd", "nix",
};

/* Matches the root's packages against the vulnerability DB into ho.
 * No DB: ho->vulns_matched stays 0 (the check says so), unless --db was
 * given, which makes a missing DB an error. */
static int match_host(st_host_options *ho, const char *db_dir,
                      st_result **res_out, st_host_vuln **vulns_out)
{
    char *dir = db_dir ? strdup(db_dir) : st_vulndb_default_dir();
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    st_image *img = NULL;
    st_vulndb *db = NULL;
    st_result *res = NULL;
    st_error *err = NULL;
    st_host_vuln *v = NULL;
    char *ref = NULL;
    size_t n;
    int rc = EXIT_OK;

    if (!dir)
        return cli_fail("out of memory");
    if (st_vulndb_open(&db, dir, &err) < 0) {
        if (st_error_code(err) == ST_ENOTFOUND && !db_dir) {
            st_error_free(err);
            free(dir);
            return EXIT_OK;
        }
        free(dir);
        return cli_fail_err(err, NULL);
    }
    so.skip_dirs = not_software;
    so.skip_dir_count = sizeof(not_software) / sizeof(not_software[0]);
    if (asprintf(&ref, "dir:%s", ho->root ? ho->root : "/") < 0) {
        ref = NULL;
        rc = cli_fail("out of memory");
    } else if (st_image_open(&img, ref, NULL, &err) < 0 ||
               st_scan_image(&res, img, &so, &err) < 0 ||
               st_vulndb_match(db, res, &err) < 0) {
        rc = cli_fail_err(err, "host packages");
    } else if (!(v = calloc(st_result_vuln_count(res) + 1, sizeof(*v)))) {
        rc = cli_fail("out of memory");
    } else {
        n = st_result_vuln_count(res);
        for (size_t i = 0; i < n; i++) {
            const st_vuln *x = st_result_vuln(res, i);
            v[i].package = x->package ? x->package->name : NULL;
            v[i].version = x->installed_version;
            v[i].found_in = x->package ? x->package->found_in : NULL;
            v[i].id = x->id;
            v[i].severity = x->severity;
            v[i].fixed_version = x->fixed_version;
        }
        ho->vulns = v;
        ho->vuln_count = n;
        ho->vulns_matched = 1;
        *res_out = res;
        *vulns_out = v;
        res = NULL;
        v = NULL;
    }
    free(v);
    free(ref);
    st_result_free(res);
    st_image_free(img);
    st_vulndb_close(db);
    free(dir);
    return rc;
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
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    st_host_options ho = ST_HOST_OPTIONS_INIT;
    st_host_format fmt = ST_HOST_FORMAT_TABLE;
    st_host_severity min = ST_HOST_LOW;
    st_host_audit *audit = NULL;
    st_error *err = NULL;
    st_result *res = NULL;
    st_host_vuln *vulns = NULL;
    const char *output = NULL, *db_dir = NULL;
    cli_output out = {NULL, NULL, NULL};
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
        case 'd': db_dir = optarg; break;
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
    if (!list && (rc = match_host(&ho, db_dir, &res, &vulns)) != EXIT_OK)
        goto done;
    if (st_host_audit_new(&audit, &ho, &err) < 0) {
        rc = cli_fail_err(err, "host");
        goto done;
    }
    if ((rc = cli_output_open(&out, output)) != EXIT_OK)
        goto done;
    if (list) {
        if (st_host_audit_list(out.f, audit, &err) < 0)
            rc = cli_fail_err(err, output ? output : "stdout");
    } else if (st_host_audit_run(audit, &err) < 0) {
        rc = cli_fail_err(err, "host");
    } else if (st_host_audit_write(out.f, audit, fmt, &err) < 0) {
        rc = cli_fail_err(err, output ? output : "stdout");
    }
    rc = cli_output_close(&out, rc);
    if (rc == EXIT_OK && !list && exit_code)
        for (size_t i = 0; i < st_host_audit_count(audit); i++) {
            const st_host_result *r = st_host_audit_get(audit, i);
            if (r->status == ST_HOST_FAIL && r->severity >= min) {
                rc = (int)exit_code;
                break;
            }
        }
done:
    cli_output_close(&out, EXIT_ERROR);
    st_host_audit_free(audit);
    free(vulns);
    st_result_free(res);
    return rc;
}
