/* strata — container security: the umbrella header. */
#ifndef STRATA_H
#define STRATA_H

#include "common.h"
#include "image.h"
#include "report.h"
#include "version.h"
#include "scan.h"

#endif
