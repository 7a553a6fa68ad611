rule eicar_test_file
{
    meta:
        description = "EICAR anti-malware test file"
        family = "test"
        severity = "LOW"
    strings:
        $eicar = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
    condition:
        $eicar
}
