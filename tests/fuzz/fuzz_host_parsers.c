/* Fuzz target: the host audit's parsers, chosen by the first byte —
 * 0 daemon.json, 1 a systemd unit's ExecStart and the dockerd flags it
 * maps to (merged with a fixed daemon.json), 2 a kubelet config (YAML tree
 * and dotted lookups), 3 a check file, 4 shell-like words of an env file.
 * The entry points and limits are the ones production uses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host/host_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_arena *a;
    const char *text = (const char *)data + 1;
    size_t len;

    if (size < 1)
        return 0;
    len = size - 1;
    if (!(a = st_arena_new()))
        return 0;
    switch (data[0] % 5) {
    case 0: {
        json_t *j = NULL;
        if (st_host__daemon_json(&j, text, len, "daemon.json", NULL) == 0 &&
            !json_is_object(j))
            __builtin_trap();
        json_decref(j);
        break;
    }
    case 1: {
        st_host__argv w = {NULL, 0};
        json_t *fl = NULL, *file = json_pack("{s:b,s:[s]}", "icc", 0, "hosts",
                                             "unix:///x"),
               *m = NULL;
        if (st_host__unit_execstart(&w, a, text, len, "docker.service",
                                    NULL) == 0) {
            if (w.n > ST_HOST__MAX_ARGS)
                __builtin_trap();
            if (st_host__daemon_flags(&fl, &w, NULL) == 0 &&
                st_host__daemon_merge(&m, file, fl, NULL) == 0 &&
                !json_is_object(m))
                __builtin_trap();
        }
        json_decref(m);
        json_decref(fl);
        json_decref(file);
        break;
    }
    case 2: {
        st_host__ynode *root = NULL;
        if (st_host__yaml_parse(&root, a, text, len, "config.yaml", NULL) ==
                0 &&
            root) {
            st_host__ypath(root, "authentication.anonymous.enabled");
            st_host__ypath(root, "readOnlyPort");
            st_host__ypath(root, "a..b.");
        }
        break;
    }
    case 3: {
        st_vec v = ST_VEC_INIT;
        st_map *seen = st_map_new();
        if (seen)
            st_host__checks_parse(&v, seen, a, text, len, "f.yaml", NULL);
        for (size_t i = 0; i < v.len; i++) {
            const st_host__check *c = v.items[i];
            if (!c->r.id || !c->probe || c->nargs > ST_HOST__MAX_ARGN)
                __builtin_trap();
        }
        st_vec_release(&v);
        st_map_free(seen);
        break;
    }
    default: {
        st_host__argv w = {NULL, 0};
        if (st_host__split_words(&w, a, text, len, "env", NULL) == 0)
            for (size_t i = 0; i < w.n; i++)
                if (!w.v[i])
                    __builtin_trap();
        break;
    }
    }
    st_arena_free(a);
    return 0;
}
