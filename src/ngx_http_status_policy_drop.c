
/*
 * ngx_http_status_policy_module: how a 444 drops.
 *
 * On HTTP/1.x nginx itself closes the connection without a byte, and
 * resets it when reset_timedout_connection is on.  On HTTP/2 nginx resets
 * only the stream; with status_drop_connection on, the whole connection
 * goes: GOAWAY, then close, and every stream on it ends.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


ngx_int_t
ngx_http_status_policy_drop(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx)
{
#if (NGX_HTTP_V2)
    ngx_str_t                           path;
    ngx_connection_t                   *c;
    ngx_http_status_policy_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (r->stream == NULL || !lcf->drop_connection) {
        return NGX_HTTP_CLOSE;
    }

    c = r->stream->connection->connection;

    if (ngx_http_status_policy_escape(r->pool, r->uri.data, r->uri.len,
                                      &path)
        != NGX_OK)
    {
        ngx_str_set(&path, "-");
    }

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "status_policy: closing the HTTP/2 connection "
                  "(status_drop_connection on): rule %V dropped \"%V\"",
                  &ctx->rule, &path);

    /*
     * The connection cannot be finalized from inside one of its streams:
     * the frame parser that runs this request goes on after it returns.
     * A timed out read event makes the HTTP/2 connection's own read or
     * idle handler send GOAWAY and close every stream, once the parser
     * is done; posted, it runs in this event loop iteration.
     */

    c->read->timedout = 1;
    ngx_post_event(c->read, &ngx_posted_events);
#endif

    return NGX_HTTP_CLOSE;
}
