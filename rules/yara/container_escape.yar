/* Container escapes: scripts that use what a container should not have
 * (the Docker socket, a writable cgroup release_agent, the host's PID 1
 * namespaces, its disks, the kernel's core_pattern) to run code on the
 * host, and the offensive tools that automate it. Each rule wants the
 * action, not the word: systemd itself names release_agent and
 * notify_on_release, and docker.sock is in every Docker client. */

rule escape_docker_socket
{
    meta:
        description = "Container escape through the Docker socket: a privileged container or the host's root mounted"
        family = "container-escape"
        severity = "HIGH"
    strings:
        $sock = /--unix-socket\s+["']?(\/var)?\/run\/docker\.sock/
        $create = "/containers/create"
        $privileged = /"Privileged"\s*:\s*true/ nocase
        $bind_root = /"Binds"\s*:\s*\[\s*"\/:\//
        $pid_host = /"PidMode"\s*:\s*"host"/
    condition:
        $sock and $create and ($privileged or $bind_root or $pid_host)
}

/* docker run -v /:/host … chroot /host: the host's root file system in a
 * new container, as a member of the docker group (or anybody holding
 * the socket) may do. */
rule escape_docker_run_host_root
{
    meta:
        description = "Container escape: a new container with the host's root mounted and entered"
        family = "container-escape"
        severity = "HIGH"
    strings:
        $run = /docker\s+(-H\s*[^\s]{1,100}\s+)?run\s/
        $volume_root = /\s(-v|--volume)[ =]["']?\/:\/[A-Za-z0-9_]/
        $chroot = /chroot\s+\/[A-Za-z0-9_\/]{1,40}/
        $privileged = "--privileged"
        $pid_host = "--pid=host"
    condition:
        $run and $volume_root and ($chroot or $privileged or $pid_host)
}

/* The cgroup v1 release_agent escape: a cgroup with notify_on_release
 * set and a release_agent pointing at a file of the container, found on
 * the host through the overlay upper directory. */
rule escape_cgroup_release_agent
{
    meta:
        description = "Container escape through a cgroup release_agent"
        family = "container-escape"
        severity = "HIGH"
    strings:
        $notify = /echo\s+["']?1["']?\s*>\s*["']?[^\s>]{0,100}notify_on_release/
        $agent = /echo\s+["']?[^\s"'>]{1,100}["']?\s*>\s*["']?[^\s>"']{0,100}release_agent\b/
        $perdir = "perdir="
        $mtab = "/etc/mtab"
        $mount = /mount\s+-t\s+cgroup\s+-o\s+[a-z_,]{1,40}\s+cgroup\s/
    condition:
        $agent and ($notify or $mount or ($perdir and $mtab))
}

/* nsenter into PID 1's namespaces: from a container sharing the host's
 * PID namespace, a root shell on the host. */
rule escape_nsenter_host
{
    meta:
        description = "Container escape: nsenter into the namespaces of the host's PID 1"
        family = "container-escape"
        severity = "MEDIUM"
    strings:
        /* nsenter [flags] -t 1 [flags] with a mount, or all, namespace */
        $t1 = /nsenter(\s+-{1,2}[a-z]{1,8}){0,8}\s+(--target[ =]|-t\s?)1(\s+-{1,2}[a-z]{1,8}){0,8}\s/
        $mount = /nsenter(\s+-{1,2}[a-z]{1,8}){0,8}\s+(-m|--mount|-a|--all)\s/
        $mount_after = /\s(--target[ =]|-t\s?)1(\s+-{1,2}[a-z]{1,8}){0,8}\s+(-m|--mount|-a|--all)\s/
    condition:
        $t1 and ($mount or $mount_after)
}

/* The kernel's core_pattern pointed at a program of the container (its
 * path on the host read from the overlay mount), then a crash to run it
 * as root on the host. Crash reporters also write core_pattern, but
 * never with the container's overlay directory. */
rule escape_core_pattern
{
    meta:
        description = "Container escape through /proc/sys/kernel/core_pattern"
        family = "container-escape"
        severity = "HIGH"
    strings:
        $write = /(echo|printf)\s+["']?\|[^\n>]{1,100}>\s*\/proc\/sys\/kernel\/core_pattern/
        $upperdir = "upperdir="
        $mtab = "/etc/mtab"
        $mounts = "/proc/self/mounts"
        $overlay = /overlay[^\n\x00]{0,60}(upperdir|workdir)/
    condition:
        $write and any of ($upperdir, $mtab, $mounts, $overlay)
}

/* A disk of the host mounted from inside a (privileged) container, and
 * then used: chrooted into, or its accounts, crontabs or keys touched. */
rule escape_host_disk_mount
{
    meta:
        description = "Container escape: the host's disk mounted and entered"
        family = "container-escape"
        severity = "MEDIUM"
    strings:
        $mount = /mount\s+(-t\s+[a-z0-9]{2,10}\s+)?\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z][0-9]{0,2}|vd[a-z][0-9]{0,2}|nvme[0-9]n[0-9](p[0-9]{1,2})?|dm-[0-9]{1,2}|mapper\/[A-Za-z0-9_\-]{1,40})\s+\/[A-Za-z0-9_\/\-]{1,60}/
        $chroot = /chroot\s+\/[A-Za-z0-9_\/\-]{1,60}/
        $keys = /\/root\/\.ssh\/authorized_keys/
        $cron = /\/etc\/cron(tab|\.d)/
        $shadow = /\/etc\/(shadow|sudoers)/
    condition:
        $mount and any of ($chroot, $keys, $cron, $shadow)
}

/* Offensive tools that automate container escapes, by what is in them:
 * deepce's banner and home, the Go module paths of CDK, BOtB and
 * ctrsploit. */
rule container_escape_toolkit
{
    meta:
        description = "Container escape toolkit (deepce, CDK, BOtB, ctrsploit)"
        family = "container-escape"
        severity = "HIGH"
    strings:
        $deepce_banner = "Container Escapes (DEEPCE)"
        $deepce_home = "stealthcopter.github.io/deepce"
        $cdk = "github.com/cdk-team/CDK"
        $botb = "github.com/brompwnie/botb"
        $ctrsploit = "github.com/ctrsploit/ctrsploit"
    condition:
        any of them
}

/* Container and Kubernetes reconnaissance tools: not escapes by
 * themselves, but rarely something an application image needs. */
rule container_recon_tool
{
    meta:
        description = "Container or Kubernetes reconnaissance tool (amicontained, kdigger, peirates, kubeletctl)"
        family = "offensive-tool"
        severity = "MEDIUM"
    strings:
        $amicontained = "github.com/genuinetools/amicontained"
        $kdigger = "github.com/quarkslab/kdigger"
        $peirates = "github.com/inguardians/peirates"
        $kubeletctl = "github.com/cyberark/kubeletctl"
    condition:
        any of them
}
