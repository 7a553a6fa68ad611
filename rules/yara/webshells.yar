/* Web shells: a script a web server runs that hands a request parameter
 * to an evaluator or to the operating system's shell. Legitimate code
 * does not pass a raw request parameter to eval or exec. */

rule webshell_php_eval
{
    meta:
        description = "PHP web shell: request data evaluated as code"
        family = "webshell"
        severity = "CRITICAL"
    strings:
        /* eval(base64_decode($_POST['x'])), assert($_REQUEST['x']),
           eval(gzinflate(str_rot13(base64_decode($_COOKIE['x'])))) */
        $eval = /\b(eval|assert|create_function)\s*\(\s*(@?\s*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|stripslashes|urldecode|rawurldecode|hex2bin)\s*\(\s*){0,4}@?\s*\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/ nocase
        /* preg_replace with the /e modifier on request data */
        $preg_e = /preg_replace\s*\(\s*["']\/[^"'\n]{0,60}\/[a-df-z]{0,5}e[a-z]{0,5}["']\s*,\s*@?\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
    condition:
        any of them
}

rule webshell_php_system
{
    meta:
        description = "PHP web shell: request data run as a shell command"
        family = "webshell"
        severity = "CRITICAL"
    strings:
        /* system($_GET['cmd']), passthru(base64_decode($_POST['c'])) */
        $direct = /\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*(@?\s*(base64_decode|gzinflate|str_rot13|stripslashes|urldecode|rawurldecode|hex2bin)\s*\(\s*){0,4}@?\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
        /* `$_GET['cmd']` */
        $backtick = /`\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*`/
    condition:
        any of them
}

/* The two-statement form: $c = $_GET['cmd']; system($c); in a small
 * PHP file. */
rule webshell_php_cmd_param
{
    meta:
        description = "PHP web shell: a cmd parameter and a shell-running function"
        family = "webshell"
        severity = "HIGH"
    strings:
        $php = "<?php" nocase
        $param = /\$_(POST|GET|REQUEST)\s*\[\s*["'](cmd|command|exec|execute|shell)["']\s*\]/ nocase
        /* on a variable of its own (a superglobal is webshell_php_system) */
        $run = /\b(system|passthru|shell_exec|popen|proc_open)\s*\(\s*\$[A-Za-z][A-Za-z0-9_]{0,30}\s*[,)]/ nocase
    condition:
        filesize < 64KB and $php and $param and $run
}

rule webshell_jsp_exec
{
    meta:
        description = "JSP web shell: request parameter run as a command"
        family = "webshell"
        severity = "CRITICAL"
    strings:
        $direct = /Runtime\.getRuntime\(\)\s*\.exec\(\s*request\.getParameter\(/
        $builder = /new\s+ProcessBuilder\([^;]{0,80}request\.getParameter\(/
        $jsp = "<%"
        $param = /=\s*request\.getParameter\(\s*"(cmd|command|exec|c)"\s*\)/
        $exec = /Runtime\.getRuntime\(\)\s*\.exec\(/
    condition:
        $direct or $builder or
        (filesize < 64KB and $jsp and $param and $exec)
}

rule webshell_aspx_exec
{
    meta:
        description = "ASP.NET web shell: request parameter run through cmd.exe"
        family = "webshell"
        severity = "CRITICAL"
    strings:
        $page = "<%@" nocase
        $process = "Process" fullword
        $cmd = "cmd.exe" nocase
        $param = /Request(\.QueryString|\.Form|\.Item)?\s*\[\s*"(cmd|command|c|exec)"\s*\]/
        $args = /\.Arguments\s*=\s*"\/c\s*"\s*\+/
    condition:
        filesize < 64KB and $page and $process and $cmd and ($param or $args)
}
