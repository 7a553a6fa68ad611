/* monitor/event: type names, the field table, reading every field of
 * hand-built events (values checked against what Falco prints for the
 * same event, worked out by hand), and JSON lines: an exact line for one
 * event, a round trip for an event of every type, and the errors. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>

#include "monitor/event.h"

#define CT_ID "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

/* A field's value as text: "<NA>" when it has none. */
static const char *
text(const st_event *ev, const char *name, char *out, size_t n)
{
    char buf[ST_EV_BUFSZ];
    int index = -1;
    const st_ev_field *f = st_ev_field_findn(name, strlen(name), &index);
    st_ev_value v;
    if (!f)
        fail_msg("unknown field %s", name);
    if (!st_ev_get_arg(ev, f, index, &v, buf, sizeof(buf)))
        snprintf(out, n, "<NA>");
    else if (f->type == ST_EVF_NUM)
        snprintf(out, n, "%lld", (long long)v.n);
    else if (f->type == ST_EVF_BOOL)
        snprintf(out, n, "%s", v.b ? "true" : "false");
    else
        snprintf(out, n, "%s", v.s);
    return out;
}

static void in_container(st_event *ev)
{
    snprintf(ev->container_id, sizeof(ev->container_id), "%s", CT_ID);
    snprintf(ev->container_name, sizeof(ev->container_name), "web");
    snprintf(ev->image, sizeof(ev->image), "%s",
             "registry.example.com:5000/team/web:1.25@sha256:"
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
             "ef");
    snprintf(ev->runtime, sizeof(ev->runtime), "docker");
    snprintf(ev->pod, sizeof(ev->pod), "web-1");
    snprintf(ev->k8s_ns, sizeof(ev->k8s_ns), "shop");
}

/* bash in a container runs: cat /etc/shadow */
static st_event an_open(void)
{
    st_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = ST_EV_OPEN;
    ev.ret = 3;
    ev.ts_ns = 1714564800123456789ull; /* 2024-05-01T12:00:00.123456789Z */
    ev.num = 7;
    ev.pid = 4242;
    ev.tid = 4243;
    ev.ppid = 4100;
    ev.uid = 0;
    ev.gid = 0;
    ev.loginuid = UINT32_MAX;
    ev.tty = 34816;
    ev.cap_effective = (1ull << 0) | (1ull << 21); /* CHOWN, SYS_ADMIN */
    ev.flags = O_RDONLY | O_CLOEXEC;
    snprintf(ev.comm, sizeof(ev.comm), "cat");
    snprintf(ev.pcomm, sizeof(ev.pcomm), "bash");
    snprintf(ev.acomm[0], sizeof(ev.acomm[0]), "runc");
    snprintf(ev.acomm[1], sizeof(ev.acomm[1]), "containerd-shim");
    snprintf(ev.exe, sizeof(ev.exe), "/usr/bin/cat");
    snprintf(ev.path, sizeof(ev.path), "/etc/shadow");
    snprintf(ev.args, sizeof(ev.args), "/etc/shadow");
    in_container(&ev);
    return ev;
}

/* curl connects from 172.17.0.2:41234 to 203.0.113.10:3333 */
static st_event a_connect(void)
{
    st_event ev = an_open();
    ev.type = ST_EV_CONNECT;
    ev.ret = -115;
    ev.flags = 0;
    memset(ev.path, 0, sizeof(ev.path));
    ev.family = AF_INET;
    ev.l4proto = IPPROTO_TCP;
    ev.sport = 41234;
    ev.dport = 3333;
    inet_pton(AF_INET, "172.17.0.2", ev.saddr);
    inet_pton(AF_INET, "203.0.113.10", ev.daddr);
    snprintf(ev.comm, sizeof(ev.comm), "curl");
    return ev;
}

static void check(const st_event *ev, const char *const (*cases)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char got[ST_EV_BUFSZ];
        text(ev, cases[i][0], got, sizeof(got));
        if (strcmp(got, cases[i][1]))
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i][0], got,
                     cases[i][1]);
    }
}

static void test_event__types(void **state)
{
    static const struct {
        const char *name;
        st_ev_type type;
    } cases[] = {
        {"execve", ST_EV_EXECVE},
        {"execveat", ST_EV_EXECVE},
        {"open", ST_EV_OPEN},
        {"openat2", ST_EV_OPEN},
        {"creat", ST_EV_OPEN},
        {"accept4", ST_EV_ACCEPT},
        {"setresuid", ST_EV_SETUID},
        {"setregid", ST_EV_SETGID},
        {"finit_module", ST_EV_INIT_MODULE},
        {"dup2", ST_EV_DUP},
        {"dup3", ST_EV_DUP},
        {"renameat2", ST_EV_RENAME},
        {"unlinkat", ST_EV_UNLINK},
        {"clone3", ST_EV_FORK},
        {"vfork", ST_EV_FORK},
        {"procexit", ST_EV_EXIT},
        {"symlink", ST_EV_NONE},
        {"", ST_EV_NONE},
        {"EXECVE", ST_EV_NONE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        assert_int_equal(st_ev_type_parse(cases[i].name), cases[i].type);
    assert_string_equal(st_ev_type_name(ST_EV_OPEN), "openat");
    assert_string_equal(st_ev_type_name(ST_EV_FORK), "clone");
    assert_string_equal(st_ev_type_name(ST_EV_NONE), "none");
    assert_string_equal(st_ev_type_name(ST_EV__COUNT), "none");
    /* every type's name parses back to it */
    for (int t = 1; t < ST_EV__COUNT; t++)
        assert_int_equal(st_ev_type_parse(st_ev_type_name(t)), t);
}

static void test_event__field_table(void **state)
{
    size_t n;
    const st_ev_field *f = st_ev_fields(&n);
    int index;
    (void)state;
    assert_int_equal(n, ST_F__COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f[i].id, i);
        assert_ptr_equal(st_ev_field_find(f[i].name), &f[i]);
        assert_true(f[i].doc && f[i].doc[0]);
        assert_non_null(strchr(f[i].name, '.'));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(f[i].name, f[j].name);
    }
    assert_ptr_equal(st_ev_field_findn("proc.aname[3]", 13, &index),
                     &f[ST_F_PROC_ANAME]);
    assert_int_equal(index, 3);
    assert_ptr_equal(st_ev_field_findn("proc.aname", 10, &index),
                     &f[ST_F_PROC_ANAME]);
    assert_int_equal(index, -1);
    /* the length bounds the name */
    assert_ptr_equal(st_ev_field_findn("proc.namexyz", 9, NULL),
                     &f[ST_F_PROC_NAME]);
    assert_ptr_equal(st_ev_field_find("proc.aname[2]"), &f[ST_F_PROC_ANAME]);
    /* unknown, an index where none is taken, bad indexes */
    assert_null(st_ev_field_find("proc.pcmdline"));
    assert_null(st_ev_field_find("fd.nameraw"));
    assert_null(st_ev_field_find("proc.name[1]"));
    assert_null(st_ev_field_find("proc.aname[x]"));
    assert_null(st_ev_field_find("proc.aname[]"));
    assert_null(st_ev_field_find("proc.aname[256]"));
    assert_null(st_ev_field_find("proc.aname[-1]"));
    assert_null(st_ev_field_find("proc.aname[2"));
    assert_null(st_ev_field_find("evt.arg[0]"));
    assert_null(st_ev_field_find("proc"));
    assert_null(st_ev_field_find(""));
    assert_int_equal(f[ST_F_PROC_PID].type, ST_EVF_NUM);
    assert_int_equal(f[ST_F_FD_SIP].type, ST_EVF_IP);
    assert_int_equal(f[ST_F_EVT_IS_OPEN_READ].type, ST_EVF_BOOL);
    assert_true(f[ST_F_FD_IP].flags & ST_EVF_ANY);
    assert_false(f[ST_F_FD_IP].flags & ST_EVF_INDEX);
}

static void test_event__open_fields(void **state)
{
    static const char *const cases[][2] = {
        {"evt.num", "7"},
        {"evt.type", "openat"},
        {"evt.dir", "<"},
        {"evt.time", "12:00:00.123456789"},
        {"evt.datetime", "2024-05-01 12:00:00.123456789"},
        {"evt.time.iso8601", "2024-05-01T12:00:00.123456789Z"},
        {"evt.rawtime", "1714564800123456789"},
        {"evt.rawres", "3"},
        {"evt.res", "SUCCESS"},
        {"evt.failed", "false"},
        {"evt.is_open_read", "true"},
        {"evt.is_open_write", "false"},
        {"evt.arg.flags", "O_RDONLY|O_CLOEXEC"},
        {"evt.arg.name", "/etc/shadow"},
        {"evt.arg.path", "<NA>"},
        {"evt.arg.request", "<NA>"},
        {"evt.arg.uid", "<NA>"},
        {"proc.name", "cat"},
        {"proc.exe", "/usr/bin/cat"},
        {"proc.exepath", "/usr/bin/cat"},
        {"proc.args", "/etc/shadow"},
        {"proc.cmdline", "cat /etc/shadow"},
        {"proc.pid", "4242"},
        {"proc.ppid", "4100"},
        {"proc.pname", "bash"},
        {"proc.aname", "bash"},
        {"proc.aname[0]", "cat"},
        {"proc.aname[1]", "bash"},
        {"proc.aname[2]", "runc"},
        {"proc.aname[3]", "containerd-shim"},
        {"proc.aname[4]", "<NA>"},
        {"proc.aname[9]", "<NA>"},
        {"proc.tty", "34816"},
        {"proc.is_exe_written", "<NA>"},
        {"proc.stdio_is_socket", "<NA>"},
        {"thread.tid", "4243"},
        {"thread.cap_effective", "CAP_CHOWN CAP_SYS_ADMIN"},
        {"user.uid", "0"},
        {"user.name", "root"},
        {"user.loginuid", "-1"},
        {"user.loginname", "<NA>"},
        {"group.gid", "0"},
        {"group.name", "root"},
        {"fd.num", "3"},
        {"fd.name", "/etc/shadow"},
        {"fd.directory", "/etc"},
        {"fd.filename", "shadow"},
        {"fd.typechar", "f"},
        {"fd.type", "file"},
        {"fd.sockfamily", "<NA>"},
        {"fd.l4proto", "<NA>"},
        {"fd.sip", "<NA>"},
        {"fd.lport", "<NA>"},
        {"fd.ip", "<NA>"},
        {"container.id", "c0ffee012345"},
        {"container.full_id", CT_ID},
        {"container.name", "web"},
        {"container.image",
         "registry.example.com:5000/team/web:1.25@sha256:0123456789abcdef"
         "0123456789abcdef0123456789abcdef0123456789abcdef"},
        {"container.image.repository", "registry.example.com:5000/team/web"},
        {"container.image.tag", "1.25"},
        {"container.image.digest",
         "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
         "abcdef"},
        {"container.type", "docker"},
        {"k8s.pod.name", "web-1"},
        {"k8s.ns.name", "shop"},
    };
    st_event ev = an_open();
    (void)state;
    check(&ev, cases, sizeof(cases) / sizeof(*cases));
}

static void test_event__open_variants(void **state)
{
    st_event ev = an_open();
    char got[ST_EV_BUFSZ];
    (void)state;

    /* failed: fd.num is -1, evt.res the errno's name */
    ev.ret = -13;
    assert_string_equal(text(&ev, "fd.num", got, sizeof(got)), "-1");
    assert_string_equal(text(&ev, "evt.res", got, sizeof(got)), "EACCES");
    assert_string_equal(text(&ev, "evt.failed", got, sizeof(got)), "true");
    ev.ret = -4000; /* not an errno */
    assert_string_equal(text(&ev, "evt.res", got, sizeof(got)), "-4000");
    ev.ret = 3;

    ev.flags = O_RDWR | O_CREAT | O_TRUNC;
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "O_RDWR|O_CREAT|O_TRUNC");
    assert_string_equal(text(&ev, "evt.is_open_read", got, sizeof(got)),
                        "true");
    assert_string_equal(text(&ev, "evt.is_open_write", got, sizeof(got)),
                        "true");
    ev.flags = O_WRONLY | O_SYNC | O_APPEND;
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "O_WRONLY|O_SYNC|O_APPEND");
    assert_string_equal(text(&ev, "evt.is_open_read", got, sizeof(got)),
                        "false");
    ev.flags = O_RDONLY | O_DIRECTORY;
    assert_string_equal(text(&ev, "fd.typechar", got, sizeof(got)), "d");
    assert_string_equal(text(&ev, "fd.type", got, sizeof(got)), "directory");
    ev.flags = O_RDWR | O_TMPFILE;
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "O_RDWR|O_TMPFILE");
    assert_string_equal(text(&ev, "fd.typechar", got, sizeof(got)), "f");
    ev.flags = O_WRONLY | 0x40000000u; /* a bit without a name */
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "O_WRONLY|0x40000000");

    /* paths: the root, relative */
    snprintf(ev.path, sizeof(ev.path), "/vmlinuz");
    assert_string_equal(text(&ev, "fd.directory", got, sizeof(got)), "/");
    assert_string_equal(text(&ev, "fd.filename", got, sizeof(got)), "vmlinuz");
    snprintf(ev.path, sizeof(ev.path), "notes.txt");
    assert_string_equal(text(&ev, "fd.directory", got, sizeof(got)), "<NA>");
    assert_string_equal(text(&ev, "fd.filename", got, sizeof(got)),
                        "notes.txt");

    /* on the host; a short image reference */
    memset(ev.container_id, 0, sizeof(ev.container_id));
    memset(ev.container_name, 0, sizeof(ev.container_name));
    snprintf(ev.image, sizeof(ev.image), "busybox");
    assert_string_equal(text(&ev, "container.id", got, sizeof(got)), "host");
    assert_string_equal(text(&ev, "container.full_id", got, sizeof(got)),
                        "host");
    assert_string_equal(text(&ev, "container.name", got, sizeof(got)), "host");
    assert_string_equal(
        text(&ev, "container.image.repository", got, sizeof(got)), "busybox");
    assert_string_equal(text(&ev, "container.image.tag", got, sizeof(got)),
                        "<NA>");
    assert_string_equal(text(&ev, "container.image.digest", got, sizeof(got)),
                        "<NA>");
    ev.image[0] = 0;
    assert_string_equal(
        text(&ev, "container.image.repository", got, sizeof(got)), "<NA>");

    /* user names: the event's, else this host's; no args, no name */
    snprintf(ev.user, sizeof(ev.user), "nginx");
    ev.uid = 101;
    assert_string_equal(text(&ev, "user.name", got, sizeof(got)), "nginx");
    ev.user[0] = 0;
    ev.uid = 4000000000u; /* nobody has it */
    assert_string_equal(text(&ev, "user.name", got, sizeof(got)), "<NA>");
    ev.loginuid = 0;
    assert_string_equal(text(&ev, "user.loginuid", got, sizeof(got)), "0");
    assert_string_equal(text(&ev, "user.loginname", got, sizeof(got)), "root");
    ev.args[0] = 0;
    assert_string_equal(text(&ev, "proc.args", got, sizeof(got)), "<NA>");
    assert_string_equal(text(&ev, "proc.cmdline", got, sizeof(got)), "cat");
    ev.comm[0] = 0;
    assert_string_equal(text(&ev, "proc.cmdline", got, sizeof(got)), "<NA>");
    assert_string_equal(text(&ev, "proc.name", got, sizeof(got)), "<NA>");
    ev.cap_effective = ~0ull;
    text(&ev, "thread.cap_effective", got, sizeof(got));
    assert_true(strstr(got, "CAP_CHECKPOINT_RESTORE 0xfffffe0000000000"));
}

static void test_event__socket_fields(void **state)
{
    static const char *const connect_cases[][2] = {
        {"evt.res", "EINPROGRESS"},
        {"fd.name", "172.17.0.2:41234->203.0.113.10:3333"},
        {"fd.typechar", "4"},
        {"fd.type", "ipv4"},
        {"fd.sockfamily", "ip"},
        {"fd.l4proto", "tcp"},
        {"fd.is_server", "false"},
        {"fd.cip", "172.17.0.2"},
        {"fd.cport", "41234"},
        {"fd.sip", "203.0.113.10"},
        {"fd.sport", "3333"},
        {"fd.lip", "172.17.0.2"},
        {"fd.lport", "41234"},
        {"fd.rip", "203.0.113.10"},
        {"fd.rport", "3333"},
        {"fd.ip", "172.17.0.2"},
        {"fd.port", "41234"},
        {"fd.num", "<NA>"},
        {"fd.directory", "<NA>"},
        {"evt.is_open_read", "false"},
        {"evt.arg.flags", "<NA>"},
    };
    static const char *const accept_cases[][2] = {
        {"fd.name", "2001:db8::5:51000->2001:db8::2:443"},
        {"fd.typechar", "6"},
        {"fd.is_server", "true"},
        {"fd.cip", "2001:db8::5"},
        {"fd.cport", "51000"},
        {"fd.sip", "2001:db8::2"},
        {"fd.sport", "443"},
        {"fd.lip", "2001:db8::2"},
        {"fd.rip", "2001:db8::5"},
        {"fd.l4proto", "udp"},
        {"fd.num", "9"},
    };
    static const char *const listen_cases[][2] = {
        {"fd.name", "0.0.0.0:80"}, {"fd.cip", "<NA>"},
        {"fd.cport", "<NA>"},      {"fd.sip", "0.0.0.0"},
        {"fd.sport", "80"},        {"fd.rip", "<NA>"},
        {"fd.rport", "<NA>"},      {"fd.ip", "0.0.0.0"},
        {"fd.is_server", "true"},
    };
    static const char *const unix_cases[][2] = {
        {"fd.name", "/var/run/docker.sock"},
        {"fd.typechar", "u"},
        {"fd.type", "unix"},
        {"fd.sockfamily", "unix"},
        {"fd.l4proto", "<NA>"},
        {"fd.sip", "<NA>"},
        {"fd.filename", "<NA>"},
    };
    static const char *const dup_cases[][2] = {
        {"evt.type", "dup"},
        {"evt.rawres", "1"},
        {"evt.arg.newfd", "1"},
        {"proc.stdio_is_socket", "true"},
        {"fd.type", "ipv4"},
        {"fd.name", "172.17.0.2:41234->203.0.113.10:3333"},
        {"fd.is_server", "<NA>"},
    };
    st_event ev = a_connect();
    char got[ST_EV_BUFSZ], buf[ST_EV_BUFSZ];
    const st_ev_field *ip = st_ev_field_find("fd.ip");
    st_ev_value v;
    (void)state;

    check(&ev, connect_cases, sizeof(connect_cases) / sizeof(*connect_cases));
    /* fd.ip has two values: client, then server */
    assert_true(st_ev_get_nth(&ev, ip, 0, &v, buf, sizeof(buf)));
    assert_string_equal(v.s, "172.17.0.2");
    assert_true(st_ev_get_nth(&ev, ip, 1, &v, buf, sizeof(buf)));
    assert_string_equal(v.s, "203.0.113.10");
    assert_false(st_ev_get_nth(&ev, ip, 2, &v, buf, sizeof(buf)));

    ev.type = ST_EV_ACCEPT;
    ev.ret = 9;
    ev.family = AF_INET6;
    ev.l4proto = IPPROTO_UDP;
    inet_pton(AF_INET6, "2001:db8::2", ev.saddr);
    inet_pton(AF_INET6, "2001:db8::5", ev.daddr);
    ev.sport = 443;
    ev.dport = 51000;
    (void)got;
    /* IPv6 endpoints without brackets, as Falco writes them */
    check(&ev, accept_cases, sizeof(accept_cases) / sizeof(*accept_cases));

    ev = a_connect();
    ev.type = ST_EV_LISTEN;
    ev.ret = 0;
    memset(ev.saddr, 0, sizeof(ev.saddr));
    ev.sport = 80;
    check(&ev, listen_cases, sizeof(listen_cases) / sizeof(*listen_cases));
    /* a socket without a peer has only the server side */
    assert_true(st_ev_get_nth(&ev, ip, 0, &v, buf, sizeof(buf)));
    assert_string_equal(v.s, "0.0.0.0");
    assert_false(st_ev_get_nth(&ev, ip, 1, &v, buf, sizeof(buf)));

    ev = a_connect();
    ev.ret = 0;
    ev.family = AF_UNIX;
    snprintf(ev.path, sizeof(ev.path), "/var/run/docker.sock");
    check(&ev, unix_cases, sizeof(unix_cases) / sizeof(*unix_cases));

    ev = a_connect();
    ev.type = ST_EV_DUP;
    ev.ret = 1;
    ev.arg = 1;
    ev.stdio_socket = true;
    check(&ev, dup_cases, sizeof(dup_cases) / sizeof(*dup_cases));
    ev.family = 0;
    assert_string_equal(text(&ev, "fd.type", got, sizeof(got)), "<NA>");
    assert_string_equal(text(&ev, "fd.name", got, sizeof(got)), "<NA>");
}

static void test_event__other_types(void **state)
{
    st_event ev = an_open();
    char got[ST_EV_BUFSZ];
    (void)state;

    ev.type = ST_EV_EXECVE;
    ev.ret = 0;
    snprintf(ev.exe, sizeof(ev.exe), "/tmp/x");
    assert_string_equal(text(&ev, "proc.is_exe_written", got, sizeof(got)),
                        "false");
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)), "<NA>");
    assert_string_equal(text(&ev, "evt.arg.filename", got, sizeof(got)),
                        "/tmp/x");
    assert_string_equal(text(&ev, "fd.name", got, sizeof(got)), "<NA>");
    ev.exe_written = true;
    ev.exe_setuid = true;
    assert_string_equal(text(&ev, "proc.is_exe_upper_layer", got, sizeof(got)),
                        "true");
    assert_string_equal(text(&ev, "proc.is_exe_setuid", got, sizeof(got)),
                        "true");
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "EXE_UPPER_LAYER");
    ev.args[0] = 0;
    assert_string_equal(text(&ev, "proc.args", got, sizeof(got)), "");

    ev.type = ST_EV_PTRACE;
    ev.flags = 0x4206;
    ev.arg = 77;
    assert_string_equal(text(&ev, "evt.arg.request", got, sizeof(got)),
                        "PTRACE_SEIZE");
    assert_string_equal(text(&ev, "evt.arg.pid", got, sizeof(got)), "77");
    ev.flags = 0x9999;
    assert_string_equal(text(&ev, "evt.arg.request", got, sizeof(got)),
                        "39321");

    ev.type = ST_EV_MOUNT;
    ev.flags = MS_BIND | MS_REC;
    snprintf(ev.path, sizeof(ev.path), "/mnt/host");
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "MS_BIND|MS_REC");
    assert_string_equal(text(&ev, "evt.arg.dir", got, sizeof(got)),
                        "/mnt/host");
    assert_string_equal(text(&ev, "fd.name", got, sizeof(got)), "<NA>");
    ev.flags = 0;
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)), "0");

    ev.type = ST_EV_FORK;
    ev.flags = CLONE_VM | CLONE_THREAD | 17; /* SIGCHLD in the low byte */
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "CLONE_VM|CLONE_THREAD");
    ev.type = ST_EV_UNSHARE;
    ev.flags = CLONE_NEWUSER | CLONE_NEWNS;
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)),
                        "CLONE_NEWNS|CLONE_NEWUSER");
    ev.type = ST_EV_SETNS;
    ev.flags = CLONE_NEWNET;
    assert_string_equal(text(&ev, "evt.arg.nstype", got, sizeof(got)),
                        "CLONE_NEWNET");
    assert_string_equal(text(&ev, "evt.arg.flags", got, sizeof(got)), "<NA>");

    ev.type = ST_EV_SETUID;
    ev.arg = 0;
    assert_string_equal(text(&ev, "evt.arg.uid", got, sizeof(got)), "0");
    assert_string_equal(text(&ev, "evt.arg.gid", got, sizeof(got)), "<NA>");
    ev.type = ST_EV_BPF;
    ev.arg = 5;
    assert_string_equal(text(&ev, "evt.arg.cmd", got, sizeof(got)),
                        "BPF_PROG_LOAD");
    ev.arg = 1000;
    assert_string_equal(text(&ev, "evt.arg.cmd", got, sizeof(got)), "1000");
    ev.type = ST_EV_RENAME;
    assert_string_equal(text(&ev, "evt.arg.newpath", got, sizeof(got)),
                        "/mnt/host");
    ev.type = ST_EV_UNLINK;
    assert_string_equal(text(&ev, "evt.arg.path", got, sizeof(got)),
                        "/mnt/host");
    assert_string_equal(text(&ev, "evt.arg.name", got, sizeof(got)),
                        "/mnt/host");
    ev.type = ST_EV_CHMOD;
    assert_string_equal(text(&ev, "evt.arg.filename", got, sizeof(got)),
                        "/mnt/host");
    ev.type = ST_EV_INIT_MODULE;
    snprintf(ev.path, sizeof(ev.path), "/tmp/m.ko");
    assert_string_equal(text(&ev, "fd.name", got, sizeof(got)), "/tmp/m.ko");
    assert_string_equal(text(&ev, "fd.filename", got, sizeof(got)), "m.ko");
    ev.type = ST_EV_NONE;
    assert_string_equal(text(&ev, "evt.type", got, sizeof(got)), "<NA>");
}

static void test_event__small_buffer(void **state)
{
    /* output.c reads with 512 bytes; st_ev_get takes as little as 64 and
     * cuts what does not fit */
    st_event ev = an_open();
    char buf[64];
    st_ev_value v;
    (void)state;
    memset(ev.args, 'a', sizeof(ev.args) - 1);
    assert_true(
        st_ev_get(&ev, st_ev_field_find("proc.cmdline"), &v, buf, sizeof(buf)));
    assert_int_equal(strlen(v.s), 63);
    assert_memory_equal(v.s, "cat aaa", 7);
    ev.cap_effective = ~0ull;
    assert_true(st_ev_get(&ev, st_ev_field_find("thread.cap_effective"), &v,
                          buf, sizeof(buf)));
    assert_int_equal(strlen(v.s), 63);
    assert_false(st_ev_get(&ev, NULL, &v, buf, sizeof(buf)));
}

/* ---- JSON ---------------------------------------------------------------- */

static void test_event__json_line(void **state)
{
    st_event ev = a_connect(), back;
    st_buf b = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    (void)state;
    snprintf(ev.user, sizeof(ev.user), "root");
    assert_int_equal(st_ev_to_json(&ev, &b), 0);
    assert_string_equal(
        b.ptr,
        "{\"evt.num\":7,\"evt.rawtime\":1714564800123456789,"
        "\"evt.type\":\"connect\",\"evt.rawres\":-115,\"proc.pid\":4242,"
        "\"thread.tid\":4243,\"proc.ppid\":4100,\"user.uid\":0,"
        "\"group.gid\":0,\"user.name\":\"root\",\"proc.tty\":34816,"
        "\"thread.cap_effective\":\"CAP_CHOWN CAP_SYS_ADMIN\","
        "\"proc.name\":\"curl\",\"proc.pname\":\"bash\","
        "\"proc.aname[2]\":\"runc\",\"proc.aname[3]\":\"containerd-shim\","
        "\"proc.exepath\":\"/usr/bin/cat\",\"proc.args\":\"/etc/shadow\","
        "\"fd.type\":\"ipv4\",\"fd.l4proto\":\"tcp\","
        "\"fd.lip\":\"172.17.0.2\",\"fd.lport\":41234,"
        "\"fd.rip\":\"203.0.113.10\",\"fd.rport\":3333,"
        "\"container.full_id\":\"" CT_ID "\",\"container.name\":\"web\","
        "\"container.image\":\"registry.example.com:5000/team/web:1.25@"
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
        "abcdef\",\"container.type\":\"docker\",\"k8s.pod.name\":\"web-1\","
        "\"k8s.ns.name\":\"shop\"}");
    assert_int_equal(st_ev_from_json(&back, b.ptr, b.len, "t", &err), 0);
    assert_memory_equal(&back, &ev, sizeof(ev));
    /* appends, no newline */
    assert_int_equal(st_ev_to_json(&ev, &b), 0);
    assert_null(strchr(b.ptr, '\n'));
    assert_non_null(strstr(b.ptr, "}{"));
    st_buf_release(&b);
    /* a full buffer is left as it was */
    {
        st_buf small = ST_BUF_INIT(100);
        assert_int_equal(st_buf_puts(&small, "x"), 0);
        assert_int_equal(st_ev_to_json(&ev, &small), ST_ELIMIT);
        assert_string_equal(small.ptr, "x");
        st_buf_release(&small);
    }
}

/* Events of every type survive a round trip unchanged. */
static void test_event__json_round_trip(void **state)
{
    st_buf b = ST_BUF_INIT(1 << 20);
    st_error *err = NULL;
    (void)state;
    for (int t = 1; t < ST_EV__COUNT; t++) {
        for (int variant = 0; variant < 3; variant++) {
            st_event ev = variant == 1 ? a_connect() : an_open(), back;
            ev.type = (st_ev_type)t;
            switch (t) {
            case ST_EV_OPEN:
                ev.flags = variant ? O_WRONLY | O_CREAT | 0x20000000u
                                   : O_RDWR | O_TRUNC;
                break;
            case ST_EV_MOUNT:
                ev.flags = variant ? 0x80000000u | MS_RDONLY : MS_REMOUNT;
                break;
            case ST_EV_FORK:
                ev.flags = CLONE_VM | CLONE_FS; /* no signal: kept */
                break;
            case ST_EV_UNSHARE:
            case ST_EV_SETNS:
                ev.flags = CLONE_NEWPID | (variant ? 0x1u : 0);
                break;
            case ST_EV_PTRACE:
                ev.flags = variant ? 0x7777 : 16;
                ev.arg = 99;
                break;
            case ST_EV_CHMOD:
                ev.flags = 04755;
                break;
            case ST_EV_SETUID:
            case ST_EV_SETGID:
            case ST_EV_DUP:
                ev.arg = (uint32_t)variant;
                break;
            case ST_EV_BPF:
                ev.arg = variant ? 500 : 5;
                break;
            case ST_EV_EXECVE:
                ev.exe_written = variant == 1;
                ev.exe_setuid = variant == 2;
                ev.stdio_socket = variant != 0;
                if (variant == 2)
                    memset(ev.args, 0, sizeof(ev.args));
                break;
            default:
                break;
            }
            /* what each type does not carry is not written */
            if (t != ST_EV_OPEN && t != ST_EV_MOUNT && t != ST_EV_FORK &&
                t != ST_EV_UNSHARE && t != ST_EV_SETNS && t != ST_EV_PTRACE &&
                t != ST_EV_CHMOD)
                ev.flags = 0;
            if (t != ST_EV_SETUID && t != ST_EV_SETGID && t != ST_EV_DUP &&
                t != ST_EV_BPF && t != ST_EV_PTRACE)
                ev.arg = 0;
            if (t != ST_EV_EXECVE) {
                ev.exe_written = ev.exe_setuid = false;
                if (t != ST_EV_DUP)
                    ev.stdio_socket = false;
            }
            if (t != ST_EV_CONNECT && t != ST_EV_ACCEPT && t != ST_EV_BIND &&
                t != ST_EV_LISTEN && t != ST_EV_DUP) {
                ev.family = 0;
                ev.l4proto = 0;
                ev.sport = ev.dport = 0;
                memset(ev.saddr, 0, sizeof(ev.saddr));
                memset(ev.daddr, 0, sizeof(ev.daddr));
            }
            if (t == ST_EV_BIND || t == ST_EV_LISTEN) {
                ev.dport = 0;
                memset(ev.daddr, 0, sizeof(ev.daddr));
            }
            if ((t == ST_EV_CONNECT || t == ST_EV_ACCEPT || t == ST_EV_BIND ||
                 t == ST_EV_LISTEN || t == ST_EV_DUP) &&
                ev.family != AF_UNIX && ev.family)
                memset(ev.path, 0, sizeof(ev.path));
            if (t == ST_EV_EXECVE || t == ST_EV_SETUID || t == ST_EV_SETGID ||
                t == ST_EV_CAPSET || t == ST_EV_BPF || t == ST_EV_PTRACE ||
                t == ST_EV_FORK || t == ST_EV_UNSHARE || t == ST_EV_SETNS ||
                t == ST_EV_EXIT ||
                ((t == ST_EV_CONNECT || t == ST_EV_ACCEPT || t == ST_EV_DUP ||
                  t == ST_EV_BIND || t == ST_EV_LISTEN) &&
                 ev.family != AF_UNIX))
                memset(ev.path, 0, sizeof(ev.path));
            if (variant == 2) {
                /* the host; no login uid; names in UTF-8 */
                memset(ev.container_id, 0, sizeof(ev.container_id));
                memset(ev.container_name, 0, sizeof(ev.container_name));
                memset(ev.image, 0, sizeof(ev.image));
                memset(ev.runtime, 0, sizeof(ev.runtime));
                memset(ev.pod, 0, sizeof(ev.pod));
                memset(ev.k8s_ns, 0, sizeof(ev.k8s_ns));
                ev.loginuid = 1000;
                ev.truncated = true;
                snprintf(ev.comm, sizeof(ev.comm), "caf\xc3\xa9 \"x\"\\");
                ev.cgroup_id = 123456789;
                ev.num = 0;
            }
            b.len = 0;
            assert_int_equal(st_ev_to_json(&ev, &b), 0);
            if (st_ev_from_json(&back, b.ptr, b.len, "t", &err) < 0)
                fail_msg("%s: %s", b.ptr, st_error_message(err));
            if (memcmp(&back, &ev, sizeof(ev)))
                fail_msg("type %s variant %d: %s", st_ev_type_name(ev.type),
                         variant, b.ptr);
        }
    }
    st_buf_release(&b);
}

static void test_event__json_names_and_aliases(void **state)
{
    static const char line[] =
        "{\"evt.type\":\"openat2\",\"evt.arg.flags\":\"O_WRONLY|O_CREAT\","
        "\"evt.arg.name\":\"/tmp/a\",\"thread.cap_effective\":"
        "\"CAP_SYS_ADMIN,CAP_NET_RAW|0x8000000000\",\"proc.exe\":\"/bin/x\","
        "\"container.id\":\"abc123\",\"container.name\":\"c\","
        "\"proc.is_exe_upper_layer\":true,\"user.loginuid\":-1,"
        "\"unknown.key\":[1,2],\"proc.name\":null}";
    st_event ev;
    st_error *err = NULL;
    char ctl[] = "{\"evt.type\":\"execve\",\"proc.name\":\"a\\u0001\\n\","
                 "\"proc.args\":\"\xff\"}";
    st_buf b = ST_BUF_INIT(4096);
    (void)state;
    assert_int_equal(st_ev_from_json(&ev, line, strlen(line), "t", &err), 0);
    assert_int_equal(ev.type, ST_EV_OPEN);
    assert_int_equal(ev.flags, O_WRONLY | O_CREAT);
    assert_string_equal(ev.path, "/tmp/a");
    assert_int_equal(ev.cap_effective,
                     (1ull << 21) | (1ull << 13) | 0x8000000000ull);
    assert_string_equal(ev.exe, "/bin/x");
    assert_string_equal(ev.container_id, "abc123");
    assert_true(ev.exe_written);
    assert_int_equal(ev.loginuid, UINT32_MAX);
    assert_string_equal(ev.comm, "");

    /* control characters are escaped; a byte that is not UTF-8 is
     * rejected by the JSON reader, so the writer replaces it */
    memset(&ev, 0, sizeof(ev));
    ev.type = ST_EV_EXECVE;
    snprintf(ev.comm, sizeof(ev.comm), "a\x01\n");
    snprintf(ev.args, sizeof(ev.args),
             "\xff"
             "b\xc3");
    assert_int_equal(st_ev_to_json(&ev, &b), 0);
    assert_non_null(strstr(b.ptr, "\"proc.name\":\"a\\u0001\\u000a\""));
    assert_non_null(strstr(b.ptr, "\"proc.args\":\"\xef\xbf\xbd"
                                  "b"
                                  "\xef\xbf\xbd\""));
    {
        json_t *j = json_loads(b.ptr, 0, NULL);
        assert_non_null(j); /* valid JSON, valid UTF-8 */
        json_decref(j);
    }
    st_buf_release(&b);
    assert_int_equal(st_ev_from_json(&ev, ctl, strlen(ctl), "t", &err),
                     ST_EINVALID);
    st_error_free(err);
}

static void test_event__json_errors(void **state)
{
    static const struct {
        const char *line;
        const char *msg;
    } cases[] = {
        {"[1]", "l:3: expected a JSON object"},
        {"{}", "l:3: evt.type: expected the event type (a string)"},
        {"{\"evt.type\":5}",
         "l:3: evt.type: expected the event type (a string)"},
        {"{\"evt.type\":\"symlink\"}",
         "l:3: evt.type: unknown event type \"symlink\""},
        {"{\"evt.type\":\"execve\",\"proc.pid\":\"1\"}",
         "l:3: proc.pid: expected a whole number"},
        {"{\"evt.type\":\"execve\",\"proc.pid\":-1}",
         "l:3: proc.pid: -1 is out of range"},
        {"{\"evt.type\":\"execve\",\"proc.pid\":4294967296}",
         "l:3: proc.pid: 4294967296 is out of range"},
        {"{\"evt.type\":\"execve\",\"user.loginuid\":-2}",
         "l:3: user.loginuid: -2 is out of range"},
        {"{\"evt.type\":\"execve\",\"evt.rawtime\":1.5}",
         "l:3: evt.rawtime: expected a whole number"},
        {"{\"evt.type\":\"execve\",\"proc.name\":7}",
         "l:3: proc.name: expected a string"},
        {"{\"evt.type\":\"execve\",\"proc.stdio_is_socket\":1}",
         "l:3: proc.stdio_is_socket: expected true or false"},
        {"{\"evt.type\":\"openat\",\"evt.arg.flags\":\"O_WRONLY|O_BOGUS\"}",
         "l:3: evt.arg.flags: expected a number or flag names"},
        {"{\"evt.type\":\"openat\",\"evt.arg.flags\":-1}",
         "l:3: evt.arg.flags: expected a number from 0"},
        {"{\"evt.type\":\"openat\",\"evt.arg.flags\":\"0x100000000\"}",
         "l:3: evt.arg.flags: expected 32-bit flags"},
        {"{\"evt.type\":\"execve\",\"thread.cap_effective\":\"CAP_NOPE\"}",
         "l:3: thread.cap_effective: expected a number or flag names"},
        {"{\"evt.type\":\"ptrace\",\"evt.arg.request\":\"PTRACE_NOPE\"}",
         "l:3: evt.arg.request: expected a ptrace request (PTRACE_ATTACH) "
         "or a number"},
        {"{\"evt.type\":\"bpf\",\"evt.arg.cmd\":\"BPF_NOPE\"}",
         "l:3: evt.arg.cmd: expected a bpf command (BPF_PROG_LOAD) or a "
         "number"},
        {"{\"evt.type\":\"connect\",\"fd.type\":\"pipe\"}",
         "l:3: fd.type: expected ipv4, ipv6, unix, file or directory"},
        {"{\"evt.type\":\"connect\",\"fd.type\":\"ipv4\","
         "\"fd.lip\":\"::1\"}",
         "l:3: fd.lip: expected an IPv4 address"},
        {"{\"evt.type\":\"connect\",\"fd.lip\":\"300.1.1.1\"}",
         "l:3: fd.lip: expected an IPv4 address"},
        {"{\"evt.type\":\"connect\",\"fd.lport\":65536}",
         "l:3: fd.lport: 65536 is out of range"},
        {"{\"evt.type\":\"connect\",\"fd.l4proto\":\"sctp\"}",
         "l:3: fd.l4proto: expected tcp, udp, icmp or a number"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        st_event ev;
        st_error *err = NULL;
        int rc = st_ev_from_json(&ev, cases[i].line, strlen(cases[i].line),
                                 "l:3", &err);
        if (rc != ST_EINVALID || strcmp(st_error_message(err), cases[i].msg))
            fail_msg("%s: %d %s", cases[i].line, rc, st_error_message(err));
        st_error_free(err);
    }
    {
        /* not JSON: the loader's message, naming the line */
        st_event ev;
        st_error *err = NULL;
        static const char nul[] = "{\"evt.type\":\"execve\","
                                  "\"proc.name\":\"a\\u0000b\"}";
        assert_int_equal(st_ev_from_json(&ev, "{\"a\":", 5, "l:3", &err),
                         ST_EINVALID);
        assert_true(!strncmp(st_error_message(err), "l:3: line 1", 11));
        st_error_free(err);
        err = NULL;
        assert_int_equal(st_ev_from_json(&ev, nul, strlen(nul), "l:3", &err),
                         ST_EINVALID);
        assert_true(!strncmp(st_error_message(err), "l:3: line 1", 11));
        st_error_free(err);
    }
    {
        /* a string longer than its member is cut (on a UTF-8 boundary)
         * and the event says so */
        char line[200];
        st_event ev;
        st_error *err = NULL;
        snprintf(line, sizeof(line),
                 "{\"evt.type\":\"execve\",\"proc.name\":"
                 "\"abcdefghijklmn\xc3\xa9xyz\"}");
        assert_int_equal(st_ev_from_json(&ev, line, strlen(line), "l", &err),
                         0);
        assert_string_equal(ev.comm, "abcdefghijklmn");
        assert_true(ev.truncated);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event__types),
        cmocka_unit_test(test_event__field_table),
        cmocka_unit_test(test_event__open_fields),
        cmocka_unit_test(test_event__open_variants),
        cmocka_unit_test(test_event__socket_fields),
        cmocka_unit_test(test_event__other_types),
        cmocka_unit_test(test_event__small_buffer),
        cmocka_unit_test(test_event__json_line),
        cmocka_unit_test(test_event__json_round_trip),
        cmocka_unit_test(test_event__json_names_and_aliases),
        cmocka_unit_test(test_event__json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
