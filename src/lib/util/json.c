#include <string.h>

#include "json.h"
#include "banned.h"

int st_json_load(json_t **out, const char *data, size_t len,
                 const char *what, st_error **err)
{
    json_error_t je;
    *out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!*out)
        return st_error_set(err, ST_EINVALID, "json",
                            "%s: line %d column %d: %s", what, je.line,
                            je.column, je.text);
    return 0;
}

const char *st_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *st_json_arr(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

json_t *st_json_obj(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}
