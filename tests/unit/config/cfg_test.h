/* Helpers for the configuration audit's unit tests: audit a Kubernetes
 * manifest given as text (no file), count and find findings. */
#ifndef ST_CFG_TEST_H
#define ST_CFG_TEST_H

#include <string.h>

#include "config/engine_int.h"

/* Audits `yaml` as the file "t.yaml" with the options o (NULL: defaults),
 * running the checks across documents too. */
static inline st_result *audit_yaml(const char *yaml,
                                    const st_config_options *o)
{
    st_result *r = st_result__new();
    st_cfg_ctx *c = NULL;
    st_error *err = NULL;

    assert_non_null(r);
    if (st_cfg_ctx_new(&c, r, o, &err) < 0) {
        char *m = st_error_format(err);
        fail_msg("%s", m);
    }
    c->kind = "kubernetes";
    assert_int_equal(st_cfg_kind_kubernetes.audit(c, "t.yaml", yaml,
                                                  strlen(yaml)),
                     0);
    assert_int_equal(st_cfg_ctx_finish(c), 0);
    st_cfg_ctx_free(c);
    assert_int_equal(st_result__finish(r), 0);
    return r;
}

/* How many findings of check `id` (about `object` when not NULL). */
static inline size_t count_id(const st_result *r, const char *id,
                              const char *object)
{
    size_t n = 0;
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        if (!strcmp(f->id, id) &&
            (!object || (f->object && !strcmp(f->object, object))))
            n++;
    }
    return n;
}

/* The first finding of check `id`, or NULL. */
static inline const st_finding *find_id(const st_result *r, const char *id)
{
    for (size_t i = 0; i < st_result_finding_count(r); i++) {
        const st_finding *f = st_result_finding(r, i);
        if (!strcmp(f->id, id))
            return f;
    }
    return NULL;
}

#endif
