/* strata — scanning an image into a result (inventory + diagnostics).
 *
 * A scan walks every layer once, top layer first, hashing each blob as it
 * streams; a digest mismatch aborts the scan with ST_EDIGEST and no result.
 * The result is read-only: every pointer it hands out is owned by it and
 * valid until st_result_free.
 */
#ifndef STRATA_SCAN_H
#define STRATA_SCAN_H

#include "common.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_result st_result;

/* Progress, reported between blocks of a layer and at each layer's end. */
typedef struct st_progress {
    unsigned layers_total;
    unsigned layers_done;
    uint64_t bytes_total; /* sum of the blob sizes, 0 when unknown */
    uint64_t bytes_done;  /* blob bytes read so far */
} st_progress;

typedef void (*st_progress_fn)(const st_progress *p, void *payload);

/* Scanners beyond the package inventory (st_scan_options.scanners). */
#define ST_SCANNER_SECRET 0x1u    /* secrets in files, env, history, labels */
#define ST_SCANNER_MALWARE 0x2u   /* YARA rules (and ClamAV when asked) */
#define ST_SCANNER_HARDENING 0x4u /* setuid, permissions, accounts, ELF */
#define ST_SCANNER_CONFIG 0x8u    /* the image config: user, ports, … */

#define ST_SCAN_OPTIONS_VERSION 2
typedef struct st_scan_options {
    unsigned version;
    st_progress_fn progress; /* may be NULL */
    void *progress_payload;
    /* Largest file content read for an analyzer (0: 64 MiB). Larger files
     * are skipped with a diagnostic. */
    uint64_t max_file_bytes;
    /* Largest uncompressed layer (0: 64 GiB); beyond it ST_ELIMIT. */
    uint64_t max_layer_bytes;
    /* Largest ratio of uncompressed to compressed bytes once a layer has
     * produced more than 256 MiB (0: 2000): a decompression bomb. */
    unsigned max_ratio;
    /* 1: decompress on the calling thread only (no pipeline thread). */
    int single_thread;
    /* Paths to leave out, as fnmatch(3) globs on the path without its
     * leading "/" ('*' also matches '/'): a directory pattern leaves out
     * everything below it. */
    const char *const *skip_dirs;
    size_t skip_dir_count;
    const char *const *skip_files;
    size_t skip_file_count;
    /* 1: keep development-only dependencies (lockfiles say which). */
    int include_dev;
    /* ---- version 2 ---- */
    unsigned scanners; /* ST_SCANNER_* bits; 0: the inventory only */
    /* A YAML file of secret rules added to (or disabling) the built-in
     * ones; NULL for the built-in rules only. */
    const char *secret_config;
    /* Largest file searched for secrets (0: 10 MiB); larger ones and
     * binaries are skipped unless secret_binaries is set. */
    uint64_t secret_max_file_bytes;
    int secret_binaries;
    /* YARA rule files or directories (of *.yar, *.yara) added to the
     * built-in malware rules. */
    const char *const *yara_rules;
    size_t yara_rule_count;
    /* A ClamAV database directory: ClamAV scans too when it is set. */
    const char *clamav_db;
} st_scan_options;
#define ST_SCAN_OPTIONS_INIT                                                  \
    {ST_SCAN_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, 0, NULL, 0, NULL, 0, 0,    \
     0, NULL, 0, 0, NULL, 0, NULL}

/* Scans an opened image. On success *out is owned by the caller (free with
 * st_result_free). Errors: ST_EDIGEST (a layer does not match its digest),
 * ST_EINVALID (a layer is not a readable tar), ST_ELIMIT, ST_EIO,
 * ST_ENOMEM. Malformed files inside layers are diagnostics, not errors. */
ST_API int st_scan_image(st_result **out,
                         st_image *img,
                         const st_scan_options *opts,
                         st_error **err);

/* ------------------------------------------------------------------ */
/* The result model. */

/* The operating system the image is built on. */
typedef struct st_os_info {
    const char *family;      /* "debian", "alpine", "redhat", "suse", …,
                                or "unknown" */
    const char *id;          /* os-release ID, e.g. "debian" */
    const char *version_id;  /* e.g. "12", "3.19.1" */
    const char *version;     /* full version, e.g. debian_version "12.8" */
    const char *codename;    /* e.g. "bookworm" */
    const char *pretty_name;
    const char *id_like;
    int distroless;          /* dpkg status.d/ layout (distroless) */
    const char *reason;      /* why family is "unknown", else NULL */
} st_os_info;

/* A package installed in the image (OS or language). */
typedef struct st_package {
    const char *type;           /* purl type: "deb", "apk", "rpm", … */
    const char *name;
    const char *version;        /* as the package manager prints it: deb
                                   "[epoch:]upstream[-revision]", rpm
                                   "[epoch:]version-release", apk "1.2-r0" */
    const char *epoch;          /* rpm epoch, NULL when none */
    const char *release;        /* rpm release */
    const char *arch;
    const char *source_name;    /* dpkg Source / rpm source rpm / apk origin */
    const char *source_version; /* source package version */
    const char *source_rpm;     /* rpm SOURCERPM as stored */
    const char *license;
    const char *maintainer;
    const char *purl;
    const char *found_in;       /* file that declared it */
    int layer_index;            /* layer that installed it; -1 for a dir */
    const char *layer_diff_id;  /* NULL for a dir */
    size_t file_count;
    const char *const *files;   /* installed files, absolute paths */
    int direct;                 /* language packages: 1 a direct dependency
                                   of the project, 0 transitive, -1 unknown
                                   (OS packages: -1) */
    int dev;                    /* 1: a development-only dependency */
} st_package;

typedef enum st_diag_level {
    ST_DIAG_INFO = 0,
    ST_DIAG_WARNING = 1
} st_diag_level;

/* Something the scan noticed but could go on after: a malformed file, a
 * hostile tar entry that was skipped, a file too large to read. */
typedef struct st_diagnostic {
    st_diag_level level;
    const char *analyzer; /* "walk" for the layer walker */
    const char *path;     /* file in the image, or NULL */
    int layer_index;      /* -1 when not tied to a layer */
    const char *message;
} st_diagnostic;

typedef struct st_scan_stats {
    unsigned layers;
    uint64_t entries;           /* tar entries (or dir entries) walked */
    uint64_t bytes_compressed;  /* blob bytes read */
    uint64_t bytes_uncompressed;/* tar bytes walked */
    uint64_t files_read;        /* files whose content analyzers read */
} st_scan_stats;

/* A known vulnerability found in a package (after matching against the
 * vulnerability DB; see strata/vulndb.h). Advisories that name the same
 * flaw (through aliases) are merged into one finding. */
typedef struct st_vuln {
    const char *id;              /* primary id: the CVE when there is one */
    size_t id_count;
    const char *const *ids;      /* every id of the merged advisories */
    size_t related_count;
    const char *const *related;  /* related ids (e.g. the CVEs of a DSA) */
    const st_package *package;   /* the affected package (in the result) */
    const char *installed_version; /* the version that was compared */
    const char *fixed_version;   /* first fixed version, NULL when none */
    const char *status;          /* "fixed" (a fix exists) or "unfixed" */
    const char *severity;        /* CRITICAL HIGH MEDIUM LOW or UNKNOWN */
    const char *severity_source; /* e.g. "debian", "cvss:3.1", "ghsa" */
    double cvss_score;           /* base score, -1 when none */
    const char *cvss_vector;     /* the vector scored, or NULL */
    const char *title;
    const char *description;
    size_t ref_count;
    const char *const *refs;     /* reference URLs */
    const char *published;
    const char *modified;
    const char *data_source;     /* the advisory feed: "Debian:12", "PyPI" */
    const char *suppressed_by;   /* NULL, or why it is hidden: an ignore
                                    rule or a VEX statement */
} st_vuln;

/* A finding that is not a known vulnerability of a package: a secret, a
 * malware signature, a hardening problem. */
typedef enum st_finding_kind {
    ST_FINDING_SECRET = 1,
    ST_FINDING_MALWARE = 2,
    ST_FINDING_HARDENING = 3,
    ST_FINDING_CONFIG = 4 /* Dockerfile, Kubernetes, compose, image config */
} st_finding_kind;

/* Where a finding was made. */
typedef enum st_finding_origin {
    ST_ORIGIN_FILE = 0,    /* a file of a layer (or of a rootfs) */
    ST_ORIGIN_ENV = 1,     /* the image config's Env */
    ST_ORIGIN_HISTORY = 2, /* a history entry's created_by (build args) */
    ST_ORIGIN_LABEL = 3    /* the image config's Labels */
} st_finding_origin;

typedef struct st_finding {
    st_finding_kind kind;
    const char *id;        /* rule or check id, e.g. "aws-access-key-id" */
    const char *category;  /* secret: the provider ("AWS"); malware: the
                              family ("miner", "webshell"); hardening: the
                              area ("permissions", "accounts", "binary") */
    const char *title;
    const char *severity;  /* CRITICAL HIGH MEDIUM LOW or UNKNOWN */
    st_finding_origin origin;
    const char *path;      /* FILE: the path, no leading "/"; ENV: the
                              variable; HISTORY: "history[N]"; LABEL: the
                              label's key */
    int layer_index;       /* -1: not tied to a layer (a rootfs) */
    const char *layer_diff_id;
    int visible;           /* FILE: 1 in the merged filesystem; 0 deleted
                              or replaced by a later layer but still in
                              this layer's blob. Other origins: 1 */
    unsigned line;         /* 1-based line of the match, 0 when none */
    const char *match;     /* secret: the secret as found (report writers
                              redact it unless told otherwise); malware:
                              what matched; else NULL */
    const char *detail;    /* more: why, what to do, which engine */
    const char *suppressed_by;
    /* ---- configuration findings (and any other that has them) ---- */
    unsigned column;       /* 1-based, 0 when none */
    const char *object;    /* "Deployment/prod/web/container nginx",
                              "stage build", "service db", or NULL */
    const char *remediation;
    size_t tag_count;      /* equivalent ids of other tools and levels:
                              "hadolint:DL3007", "checkov:CKV_K8S_14",
                              "pss:baseline", "cis-docker:4.1" */
    const char *const *tags;
} st_finding;

/* The storage graph of a configuration audit (strata/config.h): one edge
 * per mount of host storage or of a shared volume by a workload. */
typedef struct st_storage_mount {
    const char *store;      /* "hostPath", "pvc" or "volume" */
    const char *source;     /* the host path, "namespace/claim", or the
                               compose volume */
    const char *workload;   /* "Deployment/prod/web", "service db" */
    const char *container;  /* or NULL */
    const char *mount_path; /* inside the container, or NULL */
    int writable;           /* 1: not mounted read-only */
    int shared_access;      /* 1: a ReadWriteMany claim */
    const char *path;       /* the file that declares the mount */
    unsigned line, column;
} st_storage_mount;

ST_API const st_image_info *st_result_image(const st_result *r);
ST_API const st_os_info *st_result_os(const st_result *r);
ST_API size_t st_result_package_count(const st_result *r);
ST_API const st_package *st_result_package(const st_result *r, size_t i);
ST_API size_t st_result_diagnostic_count(const st_result *r);
ST_API const st_diagnostic *st_result_diagnostic(const st_result *r,
                                                 size_t i);
ST_API const st_scan_stats *st_result_stats(const st_result *r);
/* Vulnerabilities, sorted by severity (worst first), then package and id.
 * Suppressed ones are included with suppressed_by set. */
ST_API size_t st_result_vuln_count(const st_result *r);
ST_API const st_vuln *st_result_vuln(const st_result *r, size_t i);
/* Findings other than vulnerabilities, sorted by kind, severity (highest
 * first), path and id. */
ST_API size_t st_result_finding_count(const st_result *r);
ST_API const st_finding *st_result_finding(const st_result *r, size_t i);

/* The storage graph, sorted by store, source, then workload; empty for an
 * image scan. */
ST_API size_t st_result_storage_count(const st_result *r);
ST_API const st_storage_mount *st_result_storage(const st_result *r,
                                                 size_t i);

/* Frees a result; NULL is allowed. */
ST_API void st_result_free(st_result *r);

/* Reads a JSON report (st_report_write with ST_FORMAT_JSON, schema
 * strata.scan/v1) back into a result holding its image, OS and packages,
 * ready for st_vulndb_match: stored inventories are re-matched this way
 * without scanning the image again. Vulnerabilities and findings of the
 * document are not read. ST_EINVALID names `what` when the document is
 * not JSON or a package lacks type, name or version; ST_EUNSUPPORTED for
 * another schema. */
ST_API int st_result_load_json(st_result **out,
                               const char *json,
                               size_t len,
                               const char *what,
                               st_error **err);

#ifdef __cplusplus
}
#endif
#endif
