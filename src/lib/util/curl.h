/* libcurl, shared: initialised once per process, and one view of which
 * transfer errors are worth a retry. */
#ifndef ST_UTIL_CURL_H
#define ST_UTIL_CURL_H

#include <stdbool.h>

#include <curl/curl.h>

#include "util/util.h"

/* curl_global_init, once, thread-safe. 0, or ST_EIO naming curl's reason
 * (module as given, for the message). */
int st_curl_init(const char *module, st_error **err);

/* Network trouble that may pass (DNS, cut connections, timeouts, partial
 * bodies, HTTP/2 stream errors): retried with backoff. A refused
 * connection is not, as with curl --retry: nothing listens there. */
bool st_curl_transient(CURLcode c);

#endif
