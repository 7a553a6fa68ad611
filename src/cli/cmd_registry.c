/* strata registry login|audit — credentials for a registry, and an audit
 * of its transport and access control. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "strata/registry.h"

#define SECRET_MAX 4096

static void help(FILE *f)
{
    fprintf(f,
"usage: strata registry login [options] HOST[:PORT]\n"
"       strata registry audit [options] URL\n"
"\n"
"login   checks a user name and password against the registry (its /v2/\n"
"        endpoint, with Basic auth or a token from its Bearer realm) and\n"
"        stores them in the docker config as 'docker login' does\n"
"        ($DOCKER_CONFIG/config.json, else ~/.docker/config.json, mode\n"
"        0600). 'strata image' and 'strata registry audit' use them.\n"
"audit   probes a registry the way a stranger could: plain HTTP, the TLS\n"
"        version and certificate, the anonymous catalog, anonymous pull,\n"
"        anonymous push (only with --active), the delete API, tags that\n"
"        moved since the last audit (remembered in a state DB), and with\n"
"        --scan the images in the catalog with critical findings.\n"
"        URL is https://HOST[:PORT], http://HOST[:PORT] or HOST[:PORT].\n"
"\n"
"login options:\n"
"  -u, --username USER      the user name (asked on a terminal otherwise)\n"
"      --password-stdin     read the password from the first line of stdin\n"
"      --password PASSWORD  the password on the command line (insecure: it\n"
"                           shows in the process list and shell history)\n"
"\n"
"audit options:\n"
"      --active             also try an anonymous push: start a blob upload\n"
"                           in --push-repository and cancel it at once\n"
"      --push-repository R  where --active tries (default strata-audit-probe)\n"
"      --scan               scan every image in the catalog (one per digest)\n"
"                           and fail the critical-images check for those\n"
"                           with critical findings (needs the DB: --db)\n"
"      --db DIR             the vulnerability DB for --scan (default:\n"
"                           $STRATA_DB, else ~/.cache/strata)\n"
"      --state-db FILE      where tag digests are remembered between audits\n"
"                           (default: registry-state.db in the DB directory)\n"
"  -u, --username USER      credentials for the checks that need to list\n"
"      --password-stdin     repositories (default: the docker config's)\n"
"      --max-repositories N catalog entries looked at (default 100)\n"
"      --max-tags N         tags per repository (default 100)\n"
"      --cert-warn-days N   warn when the certificate expires within N days\n"
"                           (default 30; 0: only when expired)\n"
"  -f, --format FORMAT      table (default), json, sarif, junit\n"
"  -o, --output FILE        write the report to FILE (atomically)\n"
"      --exit-code N        exit N when a check fails\n"
"\n"
"both:\n"
"      --insecure-registry HOST[:PORT]\n"
"                           allow plain http and unverified TLS for this\n"
"                           registry (repeatable)\n"
"      --registry-ca FILE   trust this CA (PEM) too\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  printf '%%s\\n' \"$TOKEN\" | strata registry login -u ci --password-stdin \\\n"
"      registry.example.com\n"
"  strata registry audit https://registry.example.com\n"
"  strata registry audit --active --scan --format sarif -o reg.sarif \\\n"
"      registry.example.com:5000\n"
"\n"
"exit codes: 0 ok, N (--exit-code) a check failed, 2 error\n");
}

enum {
    OPT_PASSWORD = 256,
    OPT_PASSWORD_STDIN,
    OPT_INSECURE,
    OPT_CA,
    OPT_ACTIVE,
    OPT_PUSH_REPO,
    OPT_SCAN,
    OPT_DB,
    OPT_STATE_DB,
    OPT_MAX_REPOS,
    OPT_MAX_TAGS,
    OPT_CERT_DAYS,
    OPT_EXIT_CODE,
};

typedef struct args {
    const char *sub;
    const char *target;
    const char *username;
    const char *password; /* --password */
    bool password_stdin;
    const char **insecure;
    size_t insecure_count;
    const char *ca_file;
    /* audit */
    bool active;
    bool scan;
    const char *push_repo;
    const char *db_dir;
    const char *state_db;
    unsigned long max_repos;
    unsigned long max_tags;
    unsigned long cert_days;
    bool cert_days_set;
    st_host_format format;
    const char *output;
    unsigned long exit_code;
} args;

static bool parse_ulong(const char *s, unsigned long lo, unsigned long hi,
                        unsigned long *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    if (*s == '-')
        return false;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Returns 0, CLI_HELP, or EXIT_ERROR after a one-line message. */
static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"username", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, OPT_PASSWORD},
        {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
        {"insecure-registry", required_argument, NULL, OPT_INSECURE},
        {"registry-ca", required_argument, NULL, OPT_CA},
        {"active", no_argument, NULL, OPT_ACTIVE},
        {"push-repository", required_argument, NULL, OPT_PUSH_REPO},
        {"scan", no_argument, NULL, OPT_SCAN},
        {"db", required_argument, NULL, OPT_DB},
        {"state-db", required_argument, NULL, OPT_STATE_DB},
        {"max-repositories", required_argument, NULL, OPT_MAX_REPOS},
        {"max-tags", required_argument, NULL, OPT_MAX_TAGS},
        {"cert-warn-days", required_argument, NULL, OPT_CERT_DAYS},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"exit-code", required_argument, NULL, OPT_EXIT_CODE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool login = !strcmp(a->sub, "login");
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":u:f:o:h", opts, NULL)) != -1) {
        /* Options of the other subcommand are refused by name. */
        bool audit_only = c == OPT_ACTIVE || c == OPT_PUSH_REPO ||
                          c == OPT_SCAN || c == OPT_DB || c == OPT_STATE_DB ||
                          c == OPT_MAX_REPOS || c == OPT_MAX_TAGS ||
                          c == OPT_CERT_DAYS || c == 'f' || c == 'o' ||
                          c == OPT_EXIT_CODE;
        if ((login && audit_only) || (!login && c == OPT_PASSWORD))
            return cli_fail("registry %s: %s is not an option of this "
                            "command (see 'strata registry --help')",
                            a->sub, argv[optind - 1]);
        switch (c) {
        case 'u': a->username = optarg; break;
        case OPT_PASSWORD: a->password = optarg; break;
        case OPT_PASSWORD_STDIN: a->password_stdin = true; break;
        case OPT_INSECURE: {
            const char **v = realloc(a->insecure, (a->insecure_count + 1) *
                                                      sizeof(*v));
            if (!v)
                return cli_fail("out of memory");
            a->insecure = v;
            a->insecure[a->insecure_count++] = optarg;
            break;
        }
        case OPT_CA: a->ca_file = optarg; break;
        case OPT_ACTIVE: a->active = true; break;
        case OPT_PUSH_REPO: a->push_repo = optarg; break;
        case OPT_SCAN: a->scan = true; break;
        case OPT_DB: a->db_dir = optarg; break;
        case OPT_STATE_DB: a->state_db = optarg; break;
        case OPT_MAX_REPOS:
            if (!parse_ulong(optarg, 1, 100000, &a->max_repos))
                return cli_fail("registry audit: --max-repositories %s: "
                                "expected 1..100000", optarg);
            break;
        case OPT_MAX_TAGS:
            if (!parse_ulong(optarg, 1, 100000, &a->max_tags))
                return cli_fail("registry audit: --max-tags %s: expected "
                                "1..100000", optarg);
            break;
        case OPT_CERT_DAYS:
            if (!parse_ulong(optarg, 0, 3650, &a->cert_days))
                return cli_fail("registry audit: --cert-warn-days %s: "
                                "expected 0..3650", optarg);
            a->cert_days_set = true;
            break;
        case 'f':
            if (st_host_format_parse(&a->format, optarg) < 0)
                return cli_fail("registry audit: --format %s: expected "
                                "table, json, sarif or junit", optarg);
            break;
        case 'o': a->output = optarg; break;
        case OPT_EXIT_CODE:
            if (!parse_ulong(optarg, 0, 255, &a->exit_code))
                return cli_fail("registry audit: --exit-code %s: expected "
                                "0..255", optarg);
            break;
        case 'h':
            help(stdout);
            return CLI_HELP;
        case ':':
            return cli_fail("registry %s: %s needs a value (see 'strata "
                            "registry --help')", a->sub, argv[optind - 1]);
        default:
            return cli_fail("registry %s: unknown option %s (see 'strata "
                            "registry --help')", a->sub, argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_fail("registry %s: which registry? (%s)", a->sub,
                        login ? "HOST[:PORT]" : "a URL or HOST[:PORT]");
    if (optind + 1 < argc)
        return cli_fail("registry %s: unexpected argument \"%s\"", a->sub,
                        argv[optind + 1]);
    a->target = argv[optind];
    {
        const char *h = strstr(a->target, "://");
        h = h ? h + 3 : a->target;
        if (memchr(h, '@', strcspn(h, "/")))
            return cli_fail("registry %s: credentials in the registry "
                            "address are refused (use --username and "
                            "--password-stdin)", a->sub);
    }
    if (a->password && a->password_stdin)
        return cli_fail("registry %s: --password and --password-stdin "
                        "exclude each other", a->sub);
    if (!login && a->password_stdin && !a->username)
        return cli_fail("registry audit: --password-stdin needs --username");
    return 0;
}

/* One line from stdin, without its line end. */
static int read_stdin_line(char *buf, size_t n, const char *sub)
{
    size_t len;
    if (!fgets(buf, (int)n, stdin))
        return cli_fail("registry %s: --password-stdin: nothing on stdin",
                        sub);
    len = strlen(buf);
    if (len == n - 1 && buf[len - 1] != '\n')
        return cli_fail("registry %s: --password-stdin: longer than %zu "
                        "bytes", sub, n - 2);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = 0;
    if (!len)
        return cli_fail("registry %s: --password-stdin: empty password",
                        sub);
    return 0;
}

/* Asks on the terminal; the password without echo. */
static int prompt(const char *what, bool secret, char *buf, size_t n)
{
    struct termios old, quiet;
    bool restore = false;
    size_t len;
    int rc = 0;

    fprintf(stderr, "%s: ", what);
    fflush(stderr);
    if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    if (!fgets(buf, (int)n, stdin))
        rc = -1;
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (rc < 0)
        return cli_fail("registry login: no %s given", what);
    len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = 0;
    if (!len)
        return cli_fail("registry login: empty %s", what);
    return 0;
}

static int login(args *a)
{
    char user[512], pass[SECRET_MAX];
    const char *username = a->username, *password = a->password;
    const char *dc = getenv("DOCKER_CONFIG");
    st_error *err = NULL;
    int rc = EXIT_OK;

    pass[0] = 0;
    if (a->password)
        fprintf(stderr, "WARNING! Using --password via the CLI is insecure. "
                        "Use --password-stdin.\n");
    if (!username) {
        if (!isatty(STDIN_FILENO) || a->password_stdin)
            return cli_fail("registry login: --username is required");
        if ((rc = prompt("Username", false, user, sizeof(user))) != 0)
            return rc;
        username = user;
    }
    if (a->password_stdin) {
        if ((rc = read_stdin_line(pass, sizeof(pass), "login")) != 0)
            goto done;
        password = pass;
    } else if (!password) {
        if (!isatty(STDIN_FILENO)) {
            rc = cli_fail("registry login: no password (use "
                          "--password-stdin)");
            goto done;
        }
        if ((rc = prompt("Password", true, pass, sizeof(pass))) != 0)
            goto done;
        password = pass;
    }
    if (st_registry_login(a->target, username, password, NULL, a->insecure,
                          a->insecure_count, a->ca_file, &err) < 0) {
        rc = cli_fail_err(err, NULL);
        goto done;
    }
    printf("Login Succeeded: credentials for %s stored in %s%s\n", a->target,
           dc && *dc ? dc : "~/.docker",
           "/config.json");
done:
    explicit_bzero(pass, sizeof(pass));
    return rc;
}

/* Scans one registry image as `strata image` does and counts its
 * critical and high findings. */
static void scan_one(st_registry_audit *audit, const char *image,
                     st_vulndb *db, const args *a, const char *password)
{
    st_image_options io = ST_IMAGE_OPTIONS_INIT;
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    st_image *img = NULL;
    st_result *res = NULL;
    st_error *err = NULL;
    char *ref = NULL, *msg = NULL;
    size_t crit = 0, high = 0;

    io.insecure_registries = a->insecure;
    io.insecure_registry_count = a->insecure_count;
    io.registry_ca = a->ca_file;
    io.username = a->username;
    io.password = password;
    so.scanners = ST_SCANNER_SECRET; /* strata image's default */
    if (asprintf(&ref, "docker://%s", image) < 0) {
        ref = NULL;
        st_registry_audit_add_scan(audit, image, 0, 0, "out of memory");
        return;
    }
    if (st_image_open(&img, ref, &io, &err) == 0 &&
        st_scan_image(&res, img, &so, &err) == 0 &&
        st_vulndb_match(db, res, &err) == 0) {
        ro.severities = ST_SEV_CRITICAL;
        crit = st_report_count(res, &ro);
        ro.severities = ST_SEV_HIGH;
        high = st_report_count(res, &ro);
        st_registry_audit_add_scan(audit, image, crit, high, NULL);
    } else {
        msg = st_error_format(err);
        for (char *p = msg; p && *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        st_registry_audit_add_scan(audit, image, 0, 0,
                                   msg ? msg : "out of memory");
    }
    st_free(msg);
    st_error_free(err);
    st_result_free(res);
    st_image_free(img);
    free(ref);
}

static int audit(args *a)
{
    st_registry_audit_options o = ST_REGISTRY_AUDIT_OPTIONS_INIT;
    st_registry_audit *au = NULL;
    st_vulndb *db = NULL;
    st_error *err = NULL;
    char pass[SECRET_MAX], *dir = NULL;
    cli_output out = {NULL, NULL, NULL};
    bool tty = isatty(STDERR_FILENO);
    int rc = EXIT_OK;

    pass[0] = 0;
    if (a->password_stdin &&
        (rc = read_stdin_line(pass, sizeof(pass), "audit")) != 0)
        return rc;
    /* The DB before the audit: a scan without it would say nothing. */
    if (a->scan) {
        if (!(dir = a->db_dir ? strdup(a->db_dir) : st_vulndb_default_dir())) {
            rc = cli_fail("out of memory");
            goto done;
        }
        if (st_vulndb_open(&db, dir, &err) < 0) {
            rc = cli_fail_err(err, "registry audit --scan");
            goto done;
        }
    }
    o.active = a->active;
    o.push_repository = a->push_repo;
    o.state_db = a->state_db;
    o.max_repositories = a->max_repos;
    o.max_tags = a->max_tags;
    o.insecure = a->insecure;
    o.insecure_count = a->insecure_count;
    o.ca_file = a->ca_file;
    o.username = a->username;
    o.password = a->password_stdin ? pass : NULL;
    if (a->cert_days_set)
        o.cert_warn_days = (unsigned)a->cert_days;
    if (st_registry_audit_run(&au, a->target, &o, &err) < 0) {
        rc = cli_fail_err(err, "registry audit");
        goto done;
    }
    for (size_t i = 0; db && i < st_registry_audit_image_count(au); i++) {
        const char *image = st_registry_audit_image(au, i);
        if (tty)
            fprintf(stderr, "\r\033[Kscanning %zu/%zu %s", i + 1,
                    st_registry_audit_image_count(au), image);
        scan_one(au, image, db, a, o.password);
    }
    if (tty && db && st_registry_audit_image_count(au))
        fputs("\r\033[K", stderr);
    if ((rc = cli_output_open(&out, a->output)) != EXIT_OK)
        goto done;
    if (st_registry_audit_write(out.f, au, a->format, &err) < 0)
        rc = cli_fail_err(err, a->output ? a->output : "stdout");
    rc = cli_output_close(&out, rc);
    if (rc == EXIT_OK && a->exit_code)
        for (size_t i = 0; i < st_registry_audit_count(au); i++)
            if (st_registry_audit_get(au, i)->status == ST_HOST_FAIL) {
                rc = (int)a->exit_code;
                break;
            }
done:
    explicit_bzero(pass, sizeof(pass));
    cli_output_close(&out, EXIT_ERROR);
    free(dir);
    st_vulndb_close(db);
    st_registry_audit_free(au);
    return rc;
}

int cmd_registry(int argc, char **argv)
{
    args a;
    int rc;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_ERROR : EXIT_OK;
    }
    memset(&a, 0, sizeof(a));
    a.sub = argv[1];
    if (strcmp(a.sub, "login") && strcmp(a.sub, "audit"))
        return cli_fail("registry: unknown subcommand \"%s\" (login, audit)",
                        a.sub);
    rc = parse(argc - 1, argv + 1, &a);
    if (rc == 0)
        rc = !strcmp(a.sub, "login") ? login(&a) : audit(&a);
    else if (rc == CLI_HELP)
        rc = EXIT_OK;
    free(a.insecure);
    return rc;
}
