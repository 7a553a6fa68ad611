/* The secret analyzer (stub: being written). */
#include "analyzer.h"

const st_analyzer_ops st_analyzer_secret = {
    .name = "secret",
    .version = 1,
    .scanner = ST_SCANNER_SECRET,
};
