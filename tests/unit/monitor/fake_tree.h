/* Fake file trees for the monitor's tests (cgroup and runtime state
 * directories): files written under a temporary root, rewritten in place
 * (same inode, as a kept descriptor must see), removed at the end.
 * Included by the tests that need it; each test keeps its own root. */
#ifndef ST_TEST_FAKE_TREE_H
#define ST_TEST_FAKE_TREE_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

/* mkdir -p ROOT/rel */
static void mkdirs(const char *rel)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
}

/* Writes ROOT/rel (its directories made), in place when it exists. */
static void put(const char *rel, const char *fmt, ...)
{
    char p[1024], dir[1024], *slash;
    va_list ap;
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", rel);
    if ((slash = strrchr(dir, '/'))) {
        *slash = 0;
        mkdirs(dir);
    }
    assert_non_null(f = fopen(p, "w"));
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static int rm_tree(const char *p)
{
    DIR *d = opendir(p);
    struct dirent *e;
    if (!d)
        return unlink(p);
    while ((e = readdir(d))) {
        char sub[1024];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name);
        rm_tree(sub);
    }
    closedir(d);
    return rmdir(p);
}

#endif
