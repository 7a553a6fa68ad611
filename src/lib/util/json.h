/* JSON helpers over jansson: strict loading with messages that name the
 * file, and typed getters that treat a wrong type as absent. */
#ifndef ST_JSON_H
#define ST_JSON_H

#include <jansson.h>

#include "util.h"

/* Parses data (rejecting duplicate keys). Errors name `what` and the line
 * and column: "index.json: line 3 column 5: …" (ST_EINVALID). */
int st_json_load(json_t **out, const char *data, size_t len,
                 const char *what, st_error **err);

/* The string member `key` of obj, or NULL when absent or not a string. */
const char *st_json_str(const json_t *obj, const char *key);
/* The array member, or NULL. */
json_t *st_json_arr(const json_t *obj, const char *key);
/* The object member, or NULL. */
json_t *st_json_obj(const json_t *obj, const char *key);

#endif
