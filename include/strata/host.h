/* strata — the container host and daemon audit (`strata host`).
 *
 * An audit runs checks that are data (policies/host/ (YAML), compiled into
 * the library) over the live host or over a mounted root filesystem. Each
 * check names a small C probe; its outcome is PASS, FAIL, WARN (advisory
 * or not fully automatable), INFO or SKIP (the component is absent — an
 * absent component is never an error), with evidence text saying what was
 * found where.
 *
 * With a root directory every path is resolved inside it and a symbolic
 * link never leads out of it; /proc and /sys are then read from the root
 * too (so a fixture may provide them), and the live network probe is off
 * unless asked for.
 *
 * Thread-safety: an audit object is used by one thread at a time; distinct
 * audits are independent.
 */
#ifndef STRATA_HOST_H
#define STRATA_HOST_H

#include <stdbool.h>
#include <stdio.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum st_host_status {
    ST_HOST_PASS = 0,
    ST_HOST_FAIL = 1,
    ST_HOST_WARN = 2, /* advisory, or needs a human to decide */
    ST_HOST_INFO = 3, /* a fact worth knowing, no verdict */
    ST_HOST_SKIP = 4, /* the component is absent or the input unavailable */
    ST_HOST_NOT_RUN = 5 /* the audit has not run (st_host_audit_new only) */
} st_host_status;

typedef enum st_host_severity {
    ST_HOST_LOW = 1,
    ST_HOST_MEDIUM = 2,
    ST_HOST_HIGH = 3,
    ST_HOST_CRITICAL = 4
} st_host_severity;

typedef enum st_host_format {
    ST_HOST_FORMAT_TABLE = 0,
    ST_HOST_FORMAT_JSON = 1,  /* docs/host.md */
    ST_HOST_FORMAT_SARIF = 2, /* SARIF 2.1.0; rule tags "cis-docker:2.2" */
    ST_HOST_FORMAT_JUNIT = 3  /* one testcase per check */
} st_host_format;

#define ST_HOST_OPTIONS_VERSION 2
/* A known vulnerability of a package on the host, matched by the caller
 * (the CLI scans the root's package databases and binaries and matches
 * them against the vulnerability DB). */
typedef struct st_host_vuln {
    const char *package;  /* "runc", "github.com/opencontainers/runc" */
    const char *version;
    const char *found_in; /* the file that declared it, or NULL */
    const char *id;       /* CVE-…, GHSA-…, GO-… */
    const char *severity; /* CRITICAL HIGH MEDIUM LOW UNKNOWN */
    const char *fixed_version; /* NULL when none */
} st_host_vuln;

typedef struct st_host_options {
    unsigned version;
    /* A mounted root filesystem to audit offline; NULL audits the live
     * host ("/"). */
    const char *root;
    /* Probe TCP Docker API endpoints even when `root` is set (they are
     * probed on 127.0.0.1 always, as the live host's). */
    bool probe_network;
    /* Connect and read timeout of the network probe; 0 means 500 ms. */
    unsigned probe_timeout_ms;
    /* ---- version 2 ---- */
    /* 1: the host's packages were matched against the vulnerability DB and
     * `vulns` (borrowed for the audit's life) lists what was found; 0: no
     * DB, the version check says so. */
    int vulns_matched;
    const st_host_vuln *vulns;
    size_t vuln_count;
} st_host_options;
#define ST_HOST_OPTIONS_INIT {ST_HOST_OPTIONS_VERSION, NULL, false, 0, 0, NULL, 0}

/* One check and, after st_host_audit_run, its outcome. Strings are
 * borrowed from the audit. `cis` is NULL when the check maps to no
 * benchmark item. */
typedef struct st_host_result {
    const char *id;       /* "docker-daemon-icc" */
    const char *cis;      /* "cis-docker:2.2", "cis-k8s:4.2.1" or NULL */
    const char *section;  /* host, lsm, daemon, files, socket, containers,
                             kubelet, packages */
    const char *title;
    const char *rationale;
    const char *remediation;
    st_host_severity severity;
    st_host_status status;
    const char *evidence; /* "" before the run */
} st_host_result;

typedef struct st_host_audit st_host_audit;

/* Loads the built-in checks into a new audit (nothing is read from the
 * host yet). Free it with st_host_audit_free. ST_EINVALID when a built-in
 * check file is malformed (a build defect), ST_EUSAGE for bad options,
 * ST_ENOTFOUND when `root` is not a directory, ST_ENOMEM. */
ST_API int st_host_audit_new(st_host_audit **out,
                             const st_host_options *opts,
                             st_error **err);

/* Runs every check. A component that is absent or a file that is malformed
 * on the audited host is an outcome, never an error: errors are only
 * ST_ENOMEM. */
ST_API int st_host_audit_run(st_host_audit *a, st_error **err);

/* The checks in the order of the check files; the pointer is borrowed. */
ST_API size_t st_host_audit_count(const st_host_audit *a);
ST_API const st_host_result *st_host_audit_get(const st_host_audit *a,
                                               size_t i);

/* Writes the outcomes in `fmt` (ST_EIO, ST_ENOMEM). */
ST_API int st_host_audit_write(FILE *f,
                               const st_host_audit *a,
                               st_host_format fmt,
                               st_error **err);
/* Writes any list of check outcomes (the host audit's, the registry
 * audit's) in `fmt`; `kind` ("host", "registry") names the audit: JSON
 * "kind": "<kind>-audit", JUnit suite "strata <kind>". */
ST_API int st_audit_write(FILE *f,
                          const st_host_result *const *results,
                          size_t n,
                          st_host_format fmt,
                          const char *kind,
                          st_error **err);
/* Writes the check list: id, CIS number, severity, title (ST_EIO). */
ST_API int st_host_audit_list(FILE *f, const st_host_audit *a,
                              st_error **err);

/* Frees an audit; NULL is allowed. */
ST_API void st_host_audit_free(st_host_audit *a);

/* "table", "json", "sarif", "junit" (ST_EUSAGE otherwise). */
ST_API int st_host_format_parse(st_host_format *out, const char *name);
/* "LOW".."CRITICAL", any case (ST_EUSAGE otherwise). */
ST_API int st_host_severity_parse(st_host_severity *out, const char *name);
/* "LOW".."CRITICAL" and "PASS".."SKIP": static strings. */
ST_API const char *st_host_severity_name(st_host_severity s);
ST_API const char *st_host_status_name(st_host_status s);

#ifdef __cplusplus
}
#endif
#endif
