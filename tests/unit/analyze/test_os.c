/* os: detection on real root filesystems in a temp dir, scanned as
 * "dir:" so the os-release symlink is resolved by the walker's lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "strata/image.h"
#include "strata/scan.h"

typedef struct file {
    const char *path;
    const char *content; /* "->target" makes a symlink; NULL: directory */
} file;

static char *make_root(const file *fs, size_t n)
{
    char tmpl[] = "/tmp/st-os-XXXXXX";
    char *root = strdup(mkdtemp(tmpl));
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", root, fs[i].path);
        for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
        if (!fs[i].content) {
            mkdir(p, 0755);
        } else if (!strncmp(fs[i].content, "->", 2)) {
            assert_int_equal(symlink(fs[i].content + 2, p), 0);
        } else {
            FILE *f = fopen(p, "w");
            assert_non_null(f);
            fputs(fs[i].content, f);
            fclose(f);
        }
    }
    return root;
}

static st_result *scan(const char *root)
{
    char ref[4200];
    st_image *img = NULL;
    st_result *r = NULL;
    st_error *err = NULL;
    snprintf(ref, sizeof(ref), "dir:%s", root);
    assert_int_equal(st_image_open(&img, ref, NULL, &err), 0);
    assert_int_equal(st_scan_image(&r, img, NULL, &err), 0);
    st_image_free(img);
    return r;
}

static void rm_rf(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

#define STR_EQ(a, b)                                                        \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!b_)                                                            \
            assert_null(a_);                                                \
        else if (!a_ || strcmp(a_, b_))                                     \
            fail_msg("%s = \"%s\", want \"%s\"", #a, a_ ? a_ : "(null)",    \
                     b_);                                                   \
    } while (0)

static const char debian_osr[] =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
    "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
    "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
    "HOME_URL=\"https://www.debian.org/\"\n";

static const struct {
    const char *name;
    file fs[6];
    size_t nfs;
    const char *family, *id, *version_id, *version, *codename, *pretty;
    int distroless;
    const char *reason_has;
} cases[] = {
    {"debian symlink",
     {{"usr/lib/os-release", debian_osr},
      {"etc/os-release", "->../usr/lib/os-release"},
      {"etc/debian_version", "12.8\n"}},
     3, "debian", "debian", "12", "12.8", "bookworm",
     "Debian GNU/Linux 12 (bookworm)", 0, NULL},
    {"debian absolute symlink, no debian_version",
     {{"usr/lib/os-release", debian_osr},
      {"etc/os-release", "->/usr/lib/os-release"}},
     2, "debian", "debian", "12", "12", "bookworm",
     "Debian GNU/Linux 12 (bookworm)", 0, NULL},
    {"alpine",
     {{"etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\n"
                         "VERSION_ID=3.19.1\n"
                         "PRETTY_NAME=\"Alpine Linux v3.19\"\n"},
      {"etc/alpine-release", "3.19.1\n"}},
     2, "alpine", "alpine", "3.19.1", "3.19.1", NULL, "Alpine Linux v3.19",
     0, NULL},
    {"centos-release only",
     {{"etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n"}},
     1, "redhat", "centos", "7.9.2009", "7.9.2009", NULL,
     "CentOS Linux release 7.9.2009 (Core)", 0, NULL},
    {"ubuntu lsb-release",
     {{"etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n"
                          "DISTRIB_CODENAME=jammy\n"
                          "DISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"\n"}},
     1, "debian", "ubuntu", "22.04", "22.04", "jammy", NULL, 0, NULL},
    {"id_like fallback",
     {{"etc/os-release", "ID=\"myrocky\"\nID_LIKE=\"rhel centos fedora\"\n"
                         "VERSION_ID='9.3'\n"}},
     1, "redhat", "myrocky", "9.3", "9.3", NULL, NULL, 0, NULL},
    {"unknown id",
     {{"etc/os-release", "ID=plan9\nVERSION_ID=4\n"}},
     1, "unknown", "plan9", "4", "4", NULL, NULL, 0, "plan9"},
    {"nothing at all",
     {{"etc/hostname", "x\n"}},
     1, "unknown", NULL, NULL, NULL, NULL, NULL, 0, "no /etc/os-release"},
    {"distroless",
     {{"etc/os-release", "PRETTY_NAME=\"Distroless\"\nID=debian\n"
                         "VERSION_ID=\"12\"\n"},
      {"var/lib/dpkg/status.d/base", "Package: base-files\n"
                                     "Version: 12.4+deb12u5\n"
                                     "Architecture: amd64\n"},
      {"etc/debian_version", "12.5\n"}},
     3, "debian", "debian", "12", "12.5", NULL, "Distroless", 1, NULL},
    {"dangling os-release symlink falls back to usr/lib",
     {{"etc/os-release", "->../nowhere"},
      {"usr/lib/os-release", "ID=alpine\nVERSION_ID=3.18.0\n"}},
     2, "alpine", "alpine", "3.18.0", "3.18.0", NULL, NULL, 0, NULL},
};

static void test_os__detection(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *root = make_root(cases[i].fs, cases[i].nfs);
        st_result *r = scan(root);
        const st_os_info *os = st_result_os(r);
        print_message("case: %s\n", cases[i].name);
        STR_EQ(os->family, cases[i].family);
        STR_EQ(os->id, cases[i].id);
        STR_EQ(os->version_id, cases[i].version_id);
        STR_EQ(os->version, cases[i].version);
        STR_EQ(os->codename, cases[i].codename);
        STR_EQ(os->pretty_name, cases[i].pretty);
        assert_int_equal(os->distroless, cases[i].distroless);
        if (cases[i].reason_has) {
            assert_non_null(os->reason);
            assert_non_null(strstr(os->reason, cases[i].reason_has));
        } else {
            assert_null(os->reason);
        }
        st_result_free(r);
        rm_rf(root);
    }
}

/* A distroless image lists its packages from status.d. */
static void test_os__distroless_packages(void **state)
{
    (void)state;
    static const file fs[] = {
        {"etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"},
        {"var/lib/dpkg/status.d/base", "Package: base-files\n"
                                       "Version: 12.4+deb12u5\n"
                                       "Architecture: amd64\n"},
        {"var/lib/dpkg/status.d/base.md5sums", "x\n"},
    };
    char *root = make_root(fs, 3);
    st_result *r = scan(root);
    assert_int_equal(st_result_package_count(r), 1);
    assert_string_equal(st_result_package(r, 0)->name, "base-files");
    assert_int_equal(st_result_package(r, 0)->layer_index, -1);
    assert_int_equal(st_result_os(r)->distroless, 1);
    st_result_free(r);
    rm_rf(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_os__detection),
        cmocka_unit_test(test_os__distroless_packages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
