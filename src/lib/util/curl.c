/* See curl.h. */
#include <pthread.h>

#include "util/curl.h"
#include "util/banned.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

static void init(void)
{
    init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int st_curl_init(const char *module, st_error **err)
{
    pthread_once(&once, init);
    if (init_rc != CURLE_OK)
        return st_error_set(err, ST_EIO, module, "libcurl: %s",
                            curl_easy_strerror(init_rc));
    return 0;
}

bool st_curl_transient(CURLcode c)
{
    switch (c) {
    /* As curl --retry: DNS hiccups yes, a refused connection no (nothing
     * listens there: say so at once). */
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}
