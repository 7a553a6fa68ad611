/* strata — container security: the umbrella header. */
#ifndef STRATA_H
#define STRATA_H

#include "common.h"
#include "config.h"
#include "cvss.h"
#include "filter.h"
#include "host.h"
#include "image.h"
#include "monitor.h"
#include "registry.h"
#include "report.h"
#include "scan.h"
#include "server.h"
#include "version.h"
#include "vulndb.h"

#endif
