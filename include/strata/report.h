/* strata — report writers over the result model.
 *
 * Writers know nothing of how a result was produced; each renders the same
 * st_result. Output is deterministic for a given result and options (set
 * `timestamp` for reproducible SBOMs).
 */
#ifndef STRATA_REPORT_H
#define STRATA_REPORT_H

#include <stdio.h>
#include <time.h>

#include "common.h"
#include "scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum st_format {
    ST_FORMAT_TABLE = 0,     /* human, aligned columns */
    ST_FORMAT_JSON = 1,      /* strata's JSON schema (docs/formats/json.md) */
    ST_FORMAT_CYCLONEDX = 2, /* CycloneDX 1.5 JSON */
    ST_FORMAT_SPDX = 3,      /* SPDX 2.3 JSON */
    ST_FORMAT_SARIF = 4      /* SARIF 2.1.0 (vulnerabilities, findings) */
} st_format;

/* Severity bits for st_report_options.severities. */
#define ST_SEV_UNKNOWN 0x01u
#define ST_SEV_LOW 0x02u
#define ST_SEV_MEDIUM 0x04u
#define ST_SEV_HIGH 0x08u
#define ST_SEV_CRITICAL 0x10u
#define ST_SEV_ALL 0x1fu

#define ST_REPORT_OPTIONS_VERSION 2
typedef struct st_report_options {
    unsigned version;
    int color;          /* table: ANSI colours */
    int list_packages;  /* table: list every package */
    /* Creation time written into SBOMs; 0 = now (or SOURCE_DATE_EPOCH when
     * it is set in the environment). */
    time_t timestamp;
    int list_files; /* json: each package's installed files ("files") */
    /* Which findings are shown and counted: severities (ST_SEV_* bits; 0
     * means all), without a fix or not, suppressed (ignore file, VEX) or
     * not. */
    unsigned severities;
    int ignore_unfixed;
    int show_suppressed;
    /* ---- version 2 ---- */
    /* 1: print secrets whole; by default only their first characters. */
    int show_secrets;
} st_report_options;
#define ST_REPORT_OPTIONS_INIT                                                \
    {ST_REPORT_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0}

/* Parses "HIGH,CRITICAL" (any case) into ST_SEV_* bits. ST_EUSAGE for an
 * unknown name. */
ST_API int st_severity_parse(unsigned *out, const char *list);

/* Whether a finding passes the options' filters. */
ST_API int st_report_shows(const st_vuln *v, const st_report_options *opts);

/* Whether a finding other than a vulnerability passes the filters
 * (severities; suppressed ones unless show_suppressed). */
ST_API int st_report_shows_finding(const st_finding *f,
                                   const st_report_options *opts);

/* The secret of a finding as reports print it: whole with show_secrets,
 * else its first 4 characters (none when shorter than 8) and one '*' per
 * character hidden, at most 16 (n is the buffer's size). */
ST_API const char *st_report_redact(const char *secret, int show,
                                    char *buf, size_t n);

/* How many findings (vulnerabilities and others) pass the filters (for
 * --exit-code). */
ST_API size_t st_report_count(const st_result *r,
                              const st_report_options *opts);

/* Parses a format name: "table", "json", "cyclonedx", "spdx-json" (also
 * "spdx"), "sarif". Returns 0, or ST_EUSAGE for an unknown name. */
ST_API int st_format_parse(st_format *out, const char *name);

/* Writes `r` to `f` in format `fmt`. Errors: ST_EIO when writing fails,
 * ST_ENOMEM. */
ST_API int st_report_write(FILE *f,
                           const st_result *r,
                           st_format fmt,
                           const st_report_options *opts,
                           st_error **err);

#ifdef __cplusplus
}
#endif
#endif
