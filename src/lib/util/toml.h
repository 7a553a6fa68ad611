/* A strict, bounded TOML 1.0 parser producing a jansson tree, enough for
 * lockfiles (Cargo.lock, poetry.lock, uv.lock) and their manifests.
 *
 * Mapping: tables and inline tables are JSON objects, arrays (and arrays
 * of tables) JSON arrays, strings strings, integers integers, booleans
 * booleans, floats reals (inf and nan, which JSON cannot hold, are kept as
 * the strings "inf", "+inf", "-inf", "nan", … as written), and offset
 * date-times, local date-times, local dates and local times strings as
 * written ("1979-05-27T07:32:00Z").
 *
 * Strict: the document must be valid UTF-8; a key defined twice, a table
 * defined twice, an inline table extended, a static array appended to by
 * [[…]], a bad escape, a leading zero, … are errors, as in the spec. One
 * deliberate restriction: a key may not contain U+0000 (\u0000), which
 * C strings and JSON readers cannot carry; values may. 
 * Bounded: at most ST_TOML_MAX_BYTES of input and ST_TOML_MAX_DEPTH levels
 * of nested tables and arrays (ST_ELIMIT past either). */
#ifndef ST_TOML_H
#define ST_TOML_H

#include <jansson.h>

#include "util.h"

#define ST_TOML_MAX_BYTES (256u << 20)
#define ST_TOML_MAX_DEPTH 64

/* Parses data into *out (the root table; the caller owns it and frees it
 * with json_decref). Errors name `what`, the line and the column (1-based,
 * in bytes): "Cargo.lock:3:7: expected '=' after a key" (ST_EINVALID),
 * ST_ELIMIT past the bounds above, ST_ENOMEM. *out is NULL on error. */
int st_toml_parse(json_t **out, const char *data, size_t len,
                  const char *what, st_error **err);

#endif
