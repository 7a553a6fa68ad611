/* The CLI: one file per subcommand, a table in main.c. */
#ifndef ST_CLI_H
#define ST_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "strata/strata.h"

/* Exit codes, documented in the README. */
#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

int cmd_image(int argc, char **argv);
int cmd_sbom(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_fs(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Prints "strata: <message>" (one line) to stderr and returns EXIT_ERROR. */
int cli_fail(const char *fmt, ...) ST_PRINTF(1, 2);
/* Prints an error chain as one line and frees it; returns EXIT_ERROR. */
int cli_fail_err(st_error *err, const char *context);

/* Scans a reference and writes a report: the shared body of `image` and
 * `sbom`. */
typedef struct cli_scan_args {
    const char *ref;
    const char *platform;
    const char *output; /* NULL: stdout */
    st_format format;
    bool quiet;
    bool list_packages;
    bool list_files;
    bool single_thread;
    unsigned long long max_layer_bytes;
    unsigned long long max_file_bytes;
    /* vulnerabilities */
    const char *db_dir;       /* --db; NULL: st_vulndb_default_dir() */
    bool db_required;         /* a flag that needs findings was given */
    bool no_vulns;
    unsigned severities;
    bool ignore_unfixed;
    bool show_suppressed;
    int exit_code;            /* --exit-code N; 0: off */
    const char *ignorefile;   /* NULL: ./.strataignore when it exists */
    const char **vex;
    size_t vex_count;
    const char **skip_dirs;
    size_t skip_dir_count;
    const char **skip_files;
    size_t skip_file_count;
    bool include_dev;
    /* --scanners: ST_SCANNER_* bits; vulnerabilities are `!no_vulns` */
    unsigned scanners;
    const char *secret_config;
    unsigned long long secret_max_bytes;
    bool secret_binaries;
    bool show_secrets;
    const char **yara_rules;
    size_t yara_rule_count;
    const char *clamav_db;
    /* registries */
    const char **insecure;
    size_t insecure_count;
    const char *registry_ca;
    const char *cache_dir;
    const char **keys;
    size_t key_count;
    bool require_signature;
} cli_scan_args;

#define CLI_SBOM 0x1u /* only SBOM formats */
#define CLI_PATH 0x2u /* the argument is a path (fs) */

/* Parses the options of `image`, `fs` and `sbom` into a (release it with
 * cli_scan_args_release); a->ref is the one argument. Returns 0,
 * CLI_HELP after printing the help (exit 0), or EXIT_ERROR after printing
 * a one-line usage error. */
#define CLI_HELP (-1)
int cli_parse_scan(int argc, char **argv, const char *cmd, unsigned flags,
                   void (*help)(FILE *), cli_scan_args *a);
void cli_scan_args_release(cli_scan_args *a);
int cli_scan_and_report(const cli_scan_args *a);

/* Where a report goes. A regular file (or a new one) is written to a
 * temporary file beside it (mode 0644), renamed into place only when the
 * report is complete; anything else that exists (/dev/null, a FIFO, a
 * terminal) is written in place; no path means stdout. */
typedef struct cli_output {
    FILE *f;
    char *tmp;
    const char *path;
} cli_output;
/* EXIT_OK, or EXIT_ERROR after printing why. */
int cli_output_open(cli_output *o, const char *path);
/* Flushes and closes; when rc is not EXIT_ERROR the temporary file takes
 * the report's name, else it is removed. Returns rc, or EXIT_ERROR after
 * printing why the report could not be written. */
int cli_output_close(cli_output *o, int rc);

/* Parses "64M", "2G", "100k", "1234" into bytes; false on junk. */
bool cli_parse_size(const char *s, unsigned long long *out);

#endif
