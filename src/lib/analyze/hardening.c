/* The hardening analyzer (stub: being written). */
#include "analyzer.h"

const st_analyzer_ops st_analyzer_hardening = {
    .name = "hardening",
    .version = 1,
    .scanner = ST_SCANNER_HARDENING,
};
