
/*
 * ngx_http_status_policy_module: how a 444 drops.
 *
 * On HTTP/1.x nginx itself closes the connection without a byte, and
 * resets it when reset_timedout_connection is on.  On HTTP/2 nginx resets
 * only the stream; with status_drop_connection on, the whole connection
 * goes: GOAWAY, then close, and every stream on it ends.  This is done in
 * the log phase, so that it follows any 444 of the location: a rule's or
 * "return 444".
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


ngx_int_t
ngx_http_status_policy_drop_handler(ngx_http_request_t *r)
{
#if (NGX_HTTP_V2)
    ngx_str_t                           path;
    ngx_connection_t                   *c;
    ngx_http_status_policy_ctx_t       *ctx;
    ngx_http_status_policy_loc_conf_t  *lcf;

    if (r != r->main || r->stream == NULL
        || r->headers_out.status != NGX_HTTP_CLOSE)
    {
        return NGX_OK;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (!lcf->drop_connection) {
        return NGX_OK;
    }

    c = r->stream->connection->connection;

    if (ngx_http_status_policy_log_escape(r->pool, &r->uri, &path)
        != NGX_OK)
    {
        ngx_str_set(&path, "-");
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx && ctx->rule.len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "status_policy: 444 for \"%V\" closes the HTTP/2 "
                      "connection (status_drop_connection on), rule %V",
                      &path, &ctx->rule);

    } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "status_policy: 444 for \"%V\" closes the HTTP/2 "
                      "connection (status_drop_connection on)", &path);
    }

    /*
     * The connection cannot be finalized from inside one of its streams:
     * the frame parser that ran this request goes on after it returns.
     * A timed out read event makes the HTTP/2 connection's own read or
     * idle handler send GOAWAY and close every stream, once the parser
     * is done; posted, it runs in this event loop iteration.
     */

    c->read->timedout = 1;
    ngx_post_event(c->read, &ngx_posted_events);
#endif

    return NGX_OK;
}
