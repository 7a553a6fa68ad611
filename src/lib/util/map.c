/* st_map: open addressing with linear probing, FNV-1a hashed string keys.
 * Keys live in one chained key store so that a map of 100k paths costs two
 * allocations per growth, not one per key. */
#include <string.h>

#include "util.h"
#include "banned.h"

struct slot {
    const char *key; /* NULL: empty */
    uint32_t klen;
    uint32_t hash;
    void *value;
};

struct st_map {
    struct slot *slots;
    size_t cap; /* power of two */
    size_t count;
    st_arena *keys;
};

static uint32_t hash_key(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

st_map *st_map_new(void)
{
    st_map *m = st_calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cap = 64;
    m->slots = st_calloc(m->cap, sizeof(struct slot));
    m->keys = st_arena_new();
    if (!m->slots || !m->keys) {
        st_map_free(m);
        return NULL;
    }
    return m;
}

void st_map_free(st_map *m)
{
    if (!m)
        return;
    st_free(m->slots);
    st_arena_free(m->keys);
    st_free(m);
}

static struct slot *find(struct slot *slots, size_t cap, const char *key,
                         size_t klen, uint32_t h)
{
    size_t i = h & (cap - 1);
    for (;;) {
        struct slot *s = &slots[i];
        if (!s->key ||
            (s->hash == h && s->klen == klen && !memcmp(s->key, key, klen)))
            return s;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(st_map *m)
{
    size_t ncap = m->cap * 2;
    struct slot *ns = st_calloc(ncap, sizeof(struct slot));
    if (!ns)
        return ST_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *s = &m->slots[i];
        if (s->key)
            *find(ns, ncap, s->key, s->klen, s->hash) = *s;
    }
    st_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int st_map_slot(st_map *m, const char *key, size_t klen, void ***slot_out,
                bool *created)
{
    uint32_t h = hash_key(key, klen);
    struct slot *s;
    int rc;

    if (klen > UINT32_MAX)
        return ST_ELIMIT;
    if ((m->count + 1) * 4 > m->cap * 3 && (rc = grow(m)) < 0)
        return rc;
    s = find(m->slots, m->cap, key, klen, h);
    if (!s->key) {
        char *k = st_arena_strndup(m->keys, key, klen);
        if (!k)
            return ST_ENOMEM;
        s->key = k;
        s->klen = (uint32_t)klen;
        s->hash = h;
        s->value = NULL;
        m->count++;
        if (created)
            *created = true;
    } else if (created) {
        *created = false;
    }
    *slot_out = &s->value;
    return 0;
}

void *st_map_get(const st_map *m, const char *key, size_t klen)
{
    struct slot *s = find(m->slots, m->cap, key, klen, hash_key(key, klen));
    return s->key ? s->value : NULL;
}

size_t st_map_count(const st_map *m)
{
    return m->count;
}

bool st_map_next(const st_map *m, size_t *pos, const char **key,
                 void **value)
{
    while (*pos < m->cap) {
        struct slot *s = &m->slots[(*pos)++];
        if (s->key) {
            if (key)
                *key = s->key;
            if (value)
                *value = s->value;
            return true;
        }
    }
    return false;
}
