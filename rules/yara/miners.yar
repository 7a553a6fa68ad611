/* Cryptocurrency miners: the programs (XMRig, cpuminer), their
 * configuration files, and scripts that start one against a pool. Every
 * rule wants several things together, so a text that mentions Stratum or
 * a pool in passing does not fire. */

rule miner_xmrig
{
    meta:
        description = "XMRig cryptocurrency miner"
        family = "miner"
        severity = "HIGH"
    strings:
        $name = "xmrig" nocase
        $opt_donate = "donate-level"
        $opt_cpu = "--cpu-priority"
        $opt_rig = "--rig-id"
        $algo_rx = "rx/0"
        $algo_cn = "cryptonight" nocase
        $algo_randomx = "randomx" nocase
        $proto = "stratum+tcp://"
        $proto_ssl = "stratum+ssl://"
        $nicehash = "nicehash" nocase
    condition:
        /* donate-level is XMRig's own; the rest a description may name */
        $name and $opt_donate and
        2 of ($opt_cpu, $opt_rig, $algo_*, $proto*, $nicehash)
}

rule miner_cpuminer
{
    meta:
        description = "cpuminer (minerd) cryptocurrency miner"
        family = "miner"
        severity = "HIGH"
    strings:
        $name1 = "cpuminer" nocase
        $name2 = "minerd" fullword
        $proto = "stratum+tcp://"
        $opt_algo = "--algo="
        $opt_url = "--url="
        $opt_userpass = "--userpass="
        $algo1 = "scrypt" fullword
        $algo2 = "sha256d" fullword
    condition:
        any of ($name*) and $proto and 2 of ($opt_*) and any of ($algo*)
}

/* An XMRig-style JSON configuration: a donate level next to a list of
 * pools with URLs. */
rule miner_config
{
    meta:
        description = "Cryptocurrency miner configuration (pools, donate-level)"
        family = "miner"
        severity = "HIGH"
    strings:
        $donate = /"donate-level"\s*:\s*[0-9]/
        $pools = /"pools"\s*:\s*\[/
        $url = /"url"\s*:\s*"[^"\n]{1,200}:[0-9]{2,5}"/
        $user = /"user"\s*:\s*"/
    condition:
        filesize < 1MB and $donate and $pools and $url and $user
}

/* A command or script pointing a miner at a pool: a Stratum URL with a
 * port, and either a known mining pool or a miner's login option on the
 * same line. */
rule miner_pool_command
{
    meta:
        description = "Miner started against a Stratum mining pool"
        family = "miner"
        severity = "HIGH"
    strings:
        $url = /stratum\+(tcp|ssl|tls):\/\/[a-zA-Z0-9.\-]{3,100}:[0-9]{2,5}/
        $pool1 = "supportxmr.com"
        $pool2 = "minexmr.com"
        $pool3 = "moneroocean.stream"
        $pool4 = "nanopool.org"
        $pool5 = "hashvault.pro"
        $pool6 = "c3pool.com"
        $pool7 = "herominers.com"
        $pool8 = "2miners.com"
        $pool9 = "f2pool.com"
        $pool10 = "xmrpool.eu"
        $pool11 = "nicehash.com"
        $pool12 = "minergate.com"
        /* The gaps leave out '+', which every Stratum URL has: a file of
           nothing but URLs costs no more than one pass. */
        $login_after = /stratum\+(tcp|ssl|tls):\/\/[^\n+]{1,200}\s(-u|--user|-O|--userpass)[ =][^\s-]/
        $login_before = /\s(-u|--user|-O|--userpass)[ =][^\s-][^\n+]{0,200}stratum\+(tcp|ssl|tls):\/\//
    condition:
        $url and (any of ($pool*) or any of ($login*))
}
