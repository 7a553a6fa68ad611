/* strata — common definitions: export macro, error codes, error objects.
 *
 * Every function that can fail returns int: 0 on success, a negative ST_E*
 * code on failure. Details travel in an st_error the caller may request by
 * passing a non-NULL `st_error **err`; pass NULL to ignore them.
 */
#ifndef STRATA_COMMON_H
#define STRATA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ST_API __attribute__((visibility("default")))
#define ST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ST_API
#define ST_PRINTF(f, a)
#endif

/* Error codes. Append-only: values are stable and never renumbered. */
enum {
    ST_OK = 0,
    ST_ENOMEM = -1,    /* out of memory */
    ST_EINVALID = -2,  /* malformed input */
    ST_ENOTFOUND = -3, /* a named thing does not exist */
    ST_EDIGEST = -4,   /* a digest does not match: tampered or corrupt */
    ST_ELIMIT = -5,    /* a configured size/count limit was exceeded */
    ST_EUNSUPPORTED = -6, /* valid but not supported (media type, format) */
    ST_EIO = -7,       /* operating-system I/O error */
    ST_EABORT = -8,    /* a callback asked to stop */
    ST_EUSAGE = -9,    /* the caller passed bad arguments */
    ST_ESIGNATURE = -10 /* a required signature is missing or invalid */
};

/* An error: a code, the module that raised it, a message, and the error it
 * wraps. Messages read outermost-first when printed with st_error_format. */
typedef struct st_error st_error;

/* Returns a static English description of an ST_E* code. */
ST_API const char *st_strerror(int code);

/* Accessors; `err` may be NULL (code ST_OK, empty message). */
ST_API int st_error_code(const st_error *err);
ST_API const char *st_error_message(const st_error *err);

/* Formats the whole chain as "outer: inner: innermost" into a string the
 * caller frees with st_free. Returns NULL only when out of memory. */
ST_API char *st_error_format(const st_error *err);

/* Frees an error chain; NULL is allowed. */
ST_API void st_error_free(st_error *err);

/* Library allocator (replaceable in tests). Memory the library hands out
 * (strings from st_error_format and friends) is released with st_free. */
ST_API void st_free(void *p);

/* The library version, "MAJOR.MINOR.PATCH". */
ST_API const char *st_version(void);

#ifdef __cplusplus
}
#endif
#endif
