/* The EICAR anti-malware test file: 68 printable bytes at the start of
 * the file, then at most whitespace, 128 bytes in all (the definition
 * eicar.org publishes). The string is split in two here so that this
 * rule file is not itself taken for the test file. */
rule eicar_test_file
{
    meta:
        description = "EICAR anti-malware test file"
        family = "test"
        severity = "LOW"
    strings:
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        filesize <= 128 and $head at 0 and $tail at 28 and
        (filesize == 68 or
         for all i in (68 .. filesize - 1) :
             (uint8(i) == 0x20 or uint8(i) == 0x09 or uint8(i) == 0x0a or
              uint8(i) == 0x0d or uint8(i) == 0x1a))
}
