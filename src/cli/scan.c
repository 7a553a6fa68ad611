/* The shared body of `image` and `sbom`: open, scan, write the report. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

bool cli_parse_size(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v, mul = 1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    case 't': case 'T': mul = 1ull << 40; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > ~0ull / mul)
        return false;
    *out = v * mul;
    return true;
}

/* ---- progress on stderr ------------------------------------------------ */

struct progress {
    struct timespec last;
    bool shown;
};

static void human(char *buf, size_t n, uint64_t bytes)
{
    if (bytes >= (1ull << 30))
        snprintf(buf, n, "%.1f GB", (double)bytes / (1 << 30));
    else
        snprintf(buf, n, "%.1f MB", (double)bytes / (1 << 20));
}

static void on_progress(const st_progress *p, void *payload)
{
    struct progress *pr = payload;
    struct timespec now;
    char done[32], total[32];
    int pct;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (pr->shown && p->layers_done < p->layers_total &&
        (now.tv_sec - pr->last.tv_sec) * 1000000000L +
                (now.tv_nsec - pr->last.tv_nsec) <
            100000000L)
        return;
    pr->last = now;
    pr->shown = true;
    human(done, sizeof(done), p->bytes_done);
    human(total, sizeof(total), p->bytes_total);
    pct = p->bytes_total ? (int)(p->bytes_done * 100 / p->bytes_total) : 0;
    if (pct > 100)
        pct = 100;
    fprintf(stderr, "\r\033[Klayers %u/%u  [%-30.*s] %3d%%  %s / %s",
            p->layers_done, p->layers_total, pct * 30 / 100,
            "##############################", pct, done,
            p->bytes_total ? total : "?");
    fflush(stderr);
}

/* Matches the result against the vulnerability DB and applies the ignore
 * file and VEX documents. A missing DB is an error only when the user
 * asked for something that needs findings. */
static int vulns(const cli_scan_args *a, st_result *res, bool tty)
{
    char *dir = a->db_dir ? strdup(a->db_dir) : st_vulndb_default_dir();
    const char *ignore = a->ignorefile;
    st_vulndb *db = NULL;
    st_error *err = NULL;
    int rc = EXIT_OK;

    if (!dir)
        return cli_fail("out of memory");
    if (st_vulndb_open(&db, dir, &err) < 0) {
        if (st_error_code(err) == ST_ENOTFOUND && !a->db_required) {
            if (tty)
                fprintf(stderr, "strata: note: no vulnerability DB in %s: "
                                "packages only (run 'strata db update')\n",
                        dir);
            st_error_free(err);
            free(dir);
            return EXIT_OK;
        }
        free(dir);
        return cli_fail_err(err, NULL);
    }
    if (st_vulndb_match(db, res, &err) < 0) {
        rc = cli_fail_err(err, "matching");
        goto done;
    }
    if (!ignore && access(".strataignore", F_OK) == 0)
        ignore = ".strataignore";
    if (ignore && st_filter_ignorefile(res, ignore, time(NULL), &err) < 0) {
        rc = cli_fail_err(err, NULL);
        goto done;
    }
    for (size_t i = 0; i < a->vex_count; i++)
        if (st_filter_vex(res, a->vex[i], &err) < 0) {
            rc = cli_fail_err(err, NULL);
            goto done;
        }
done:
    st_vulndb_close(db);
    free(dir);
    return rc;
}

int cli_scan_and_report(const cli_scan_args *a)
{
    st_image_options io = ST_IMAGE_OPTIONS_INIT;
    st_scan_options so = ST_SCAN_OPTIONS_INIT;
    st_report_options ro = ST_REPORT_OPTIONS_INIT;
    struct progress pr;
    st_image *img = NULL;
    st_result *res = NULL;
    st_error *err = NULL;
    cli_output out = {NULL, NULL, NULL};
    int rc = EXIT_ERROR;
    bool tty_progress = !a->quiet && isatty(STDERR_FILENO);

    memset(&pr, 0, sizeof(pr));
    io.platform = a->platform;
    io.insecure_registries = a->insecure;
    io.insecure_registry_count = a->insecure_count;
    io.registry_ca = a->registry_ca;
    io.cache_dir = a->cache_dir;
    io.keys = a->keys;
    io.key_count = a->key_count;
    io.require_signature = a->require_signature;
    if (st_image_open(&img, a->ref, &io, &err) < 0)
        return cli_fail_err(err, NULL);
    if (tty_progress) {
        so.progress = on_progress;
        so.progress_payload = &pr;
    }
    so.single_thread = a->single_thread;
    so.skip_dirs = a->skip_dirs;
    so.skip_dir_count = a->skip_dir_count;
    so.skip_files = a->skip_files;
    so.skip_file_count = a->skip_file_count;
    so.include_dev = a->include_dev;
    so.max_layer_bytes = a->max_layer_bytes;
    so.max_file_bytes = a->max_file_bytes;
    so.scanners = a->scanners;
    so.secret_config = a->secret_config;
    so.secret_max_file_bytes = a->secret_max_bytes;
    so.secret_binaries = a->secret_binaries;
    so.yara_rules = a->yara_rules;
    so.yara_rule_count = a->yara_rule_count;
    so.clamav_db = a->clamav_db;
    if (st_scan_image(&res, img, &so, &err) < 0) {
        if (pr.shown)
            fputs("\r\033[K", stderr);
        rc = cli_fail_err(err, a->ref);
        goto done;
    }
    if (pr.shown)
        fputs("\r\033[K", stderr);
    if (!a->no_vulns && (rc = vulns(a, res, tty_progress)) != EXIT_OK)
        goto done;
    rc = EXIT_ERROR;
    ro.severities = a->severities;
    ro.ignore_unfixed = a->ignore_unfixed;
    ro.show_suppressed = a->show_suppressed;
    ro.list_packages = a->list_packages;
    ro.list_files = a->list_files;
    ro.show_secrets = a->show_secrets;
    ro.color = a->format == ST_FORMAT_TABLE && !a->output &&
               isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    if ((rc = cli_output_open(&out, a->output)) != EXIT_OK)
        goto done;
    if (st_report_write(out.f, res, a->format, &ro, &err) < 0) {
        rc = cli_fail_err(err, a->output ? a->output : "stdout");
        goto done;
    }
    if ((rc = cli_output_close(&out, EXIT_OK)) != EXIT_OK)
        goto done;
    rc = a->exit_code && st_report_count(res, &ro) ? a->exit_code : EXIT_OK;
done:
    cli_output_close(&out, EXIT_ERROR);
    st_result_free(res);
    st_image_free(img);
    return rc;
}
