
/*
 * ngx_http_status_policy_module: request-derived strings written into the
 * error log.  The core escapes them (control bytes, bytes from 0x7f up,
 * '"' and '\' as \xHH), the same way as in the spike log lines, so that
 * no path can end a log line or forge a quoted field.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_status_policy_module.h"


ngx_int_t
ngx_http_status_policy_log_escape(ngx_pool_t *pool, ngx_str_t *src,
    ngx_str_t *dst)
{
    size_t  n;

    n = sp_log_escape((const char *) src->data, src->len, NULL, 0);

    if (n == src->len) {
        *dst = *src;
        return NGX_OK;
    }

    dst->data = ngx_pnalloc(pool, n);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    dst->len = sp_log_escape((const char *) src->data, src->len,
                             (char *) dst->data, n);

    return NGX_OK;
}
