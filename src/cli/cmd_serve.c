/* strata serve — the scanning service (docs/api.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "strata/server.h"

static void help(FILE *f)
{
    fprintf(f,
"usage: strata serve [options]\n"
"\n"
"Runs a scanning service next to registries: images are indexed once per\n"
"manifest digest (by request, or when a registry notifies a push), their\n"
"inventories stored in SQLite or PostgreSQL, and re-matched whenever the\n"
"vulnerability DB changes ('strata db update', run by cron or by hand);\n"
"a webhook hears of findings that are new for an image. The HTTP API is\n"
"described in docs/api.md.\n"
"\n"
"options:\n"
"      --listen ADDR:PORT   where to listen (default 127.0.0.1:8080)\n"
"      --db URL             sqlite:PATH, PATH or postgres://USER@HOST/DB\n"
"                           (default: SQLite in the data directory);\n"
"                           several servers may share one PostgreSQL\n"
"      --data-dir DIR       blob cache and SQLite file (default: the\n"
"                           vulnerability DB directory's server/)\n"
"      --vulndb DIR         the vulnerability DB (default: $STRATA_DB, else\n"
"                           ~/.cache/strata)\n"
"      --allow-registry HOST[:PORT]\n"
"                           a registry the server may pull from\n"
"                           (repeatable); nothing else is ever contacted\n"
"      --insecure-registry HOST[:PORT]\n"
"                           plain http / unverified TLS for this registry\n"
"      --registry-ca FILE   trust this CA (PEM) for registries\n"
"      --token-file FILE    require \"Authorization: Bearer <token>\" (the\n"
"                           file's first line) on write endpoints\n"
"      --auth-reads         ... and on reads too (all but /healthz)\n"
"      --tls-cert FILE      serve HTTPS with this certificate (PEM) ...\n"
"      --tls-key FILE       ... and key\n"
"      --webhook URL        POST new findings here (JSON), signed with\n"
"      --webhook-secret-file FILE\n"
"                           HMAC-SHA256 under this secret (header\n"
"                           X-Strata-Signature: sha256=<hex>)\n"
"      --workers N          indexing threads (default 2)\n"
"      --threads N          HTTP threads (default 2)\n"
"      --max-body N         largest request body (default 1M)\n"
"      --db-poll SECONDS    how often the vulnerability DB is checked for\n"
"                           an update (default 10)\n"
"  -h, --help               this help\n"
"\n"
"examples:\n"
"  strata serve --listen 127.0.0.1:8080 --allow-registry registry.local:5000\n"
"  strata serve --db postgres://strata@127.0.0.1/strata --token-file tok\n"
"  curl -X POST localhost:8080/v1/index -d '{\"image\":\"registry.local:5000/app:1\"}'\n"
"  curl localhost:8080/v1/report/sha256:...?format=sarif\n"
"\n"
"exit codes: 0 stopped by SIGINT/SIGTERM, 2 error\n");
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* The first line of a file, without its newline; NULL on error. */
static char *first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    if (!f)
        return NULL;
    if (!fgets(buf, sizeof(buf), f)) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    return buf[0] ? strdup(buf) : NULL;
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < (long)lo || v > (long)hi)
        return false;
    *out = (unsigned)v;
    return true;
}

static int add(const char ***arr, size_t *n, const char *v)
{
    const char **p = realloc(*arr, (*n + 1) * sizeof(*p));
    if (!p)
        return -1;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

enum {
    O_LISTEN = 256, O_DB, O_DATA, O_VULNDB, O_ALLOW, O_INSECURE, O_CA,
    O_TOKEN, O_AUTHREADS, O_CERT, O_KEY, O_HOOK, O_HOOKSECRET, O_WORKERS,
    O_THREADS, O_MAXBODY, O_POLL
};

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"db", required_argument, NULL, O_DB},
        {"data-dir", required_argument, NULL, O_DATA},
        {"vulndb", required_argument, NULL, O_VULNDB},
        {"allow-registry", required_argument, NULL, O_ALLOW},
        {"insecure-registry", required_argument, NULL, O_INSECURE},
        {"registry-ca", required_argument, NULL, O_CA},
        {"token-file", required_argument, NULL, O_TOKEN},
        {"auth-reads", no_argument, NULL, O_AUTHREADS},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"webhook", required_argument, NULL, O_HOOK},
        {"webhook-secret-file", required_argument, NULL, O_HOOKSECRET},
        {"workers", required_argument, NULL, O_WORKERS},
        {"threads", required_argument, NULL, O_THREADS},
        {"max-body", required_argument, NULL, O_MAXBODY},
        {"db-poll", required_argument, NULL, O_POLL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    st_server_options o = ST_SERVER_OPTIONS_INIT;
    const char **allow = NULL, **insecure = NULL;
    char *token = NULL, *secret = NULL;
    unsigned long long maxbody;
    struct sigaction sa;
    st_error *err = NULL;
    int c, rc = EXIT_ERROR;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN: o.listen = optarg; break;
        case O_DB: o.db = optarg; break;
        case O_DATA: o.data_dir = optarg; break;
        case O_VULNDB: o.vulndb = optarg; break;
        case O_ALLOW:
            if (add(&allow, &o.allow_registry_count, optarg) < 0)
                goto oom;
            break;
        case O_INSECURE:
            if (add(&insecure, &o.insecure_registry_count, optarg) < 0)
                goto oom;
            break;
        case O_CA: o.registry_ca = optarg; break;
        case O_TOKEN:
            free(token);
            if (!(token = first_line(optarg))) {
                rc = cli_fail("serve: --token-file %s: cannot read a token "
                              "from it",
                              optarg);
                goto done;
            }
            break;
        case O_AUTHREADS: o.auth_reads = true; break;
        case O_CERT: o.tls_cert = optarg; break;
        case O_KEY: o.tls_key = optarg; break;
        case O_HOOK: o.webhook = optarg; break;
        case O_HOOKSECRET:
            free(secret);
            if (!(secret = first_line(optarg))) {
                rc = cli_fail("serve: --webhook-secret-file %s: cannot read "
                              "a secret from it",
                              optarg);
                goto done;
            }
            break;
        case O_WORKERS:
            if (!parse_uint(optarg, 1, 64, &o.workers)) {
                rc = cli_fail("serve: --workers: 1 to 64");
                goto done;
            }
            break;
        case O_THREADS:
            if (!parse_uint(optarg, 1, 256, &o.http_threads)) {
                rc = cli_fail("serve: --threads: 1 to 256");
                goto done;
            }
            break;
        case O_MAXBODY:
            if (!cli_parse_size(optarg, &maxbody) || maxbody < 1024 ||
                maxbody > (64ull << 20)) {
                rc = cli_fail("serve: --max-body: 1k to 64M");
                goto done;
            }
            o.max_body = (size_t)maxbody;
            break;
        case O_POLL:
            if (!parse_uint(optarg, 1, 86400, &o.db_poll_s)) {
                rc = cli_fail("serve: --db-poll: 1 to 86400 seconds");
                goto done;
            }
            break;
        case 'h':
            help(stdout);
            rc = EXIT_OK;
            goto done;
        default:
            rc = cli_fail("serve: bad option \"%s\" (see 'strata serve "
                          "--help')",
                          argv[optind - 1]);
            goto done;
        }
    }
    if (optind != argc) {
        rc = cli_fail("serve: unexpected argument \"%s\"", argv[optind]);
        goto done;
    }
    if (o.auth_reads && !token) {
        rc = cli_fail("serve: --auth-reads needs --token-file");
        goto done;
    }
    if (o.webhook && !secret)
        fprintf(stderr, "strata: serve: webhooks are not signed (no "
                        "--webhook-secret-file)\n");
    o.allow_registries = allow;
    o.insecure_registries = insecure;
    o.token = token;
    o.webhook_secret = secret;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (st_server_run(&o, &stop_flag, stderr, &err) < 0)
        rc = cli_fail_err(err, "serve");
    else
        rc = EXIT_OK;
    goto done;
oom:
    rc = cli_fail("out of memory");
done:
    free(allow);
    free(insecure);
    free(token);
    free(secret);
    return rc;
}
