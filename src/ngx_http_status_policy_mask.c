
/*
 * ngx_http_status_policy_module: the status_mask step of the response
 * pipeline, answering listed codes (typically 403) exactly as a genuine
 * 404 of the same location.
 *
 * A response with a masked code is stopped in the header filter, before
 * any of it is sent: its headers are cleared, its body is discarded, and
 * the filter hands NGX_HTTP_NOT_FOUND back to whoever sent it.  Every
 * sender in nginx passes such a code on to ngx_http_finalize_request() (the
 * error page path, content handlers, and upstreams, which then close the
 * upstream connection), so the request takes nginx's own 404 path from the
 * same location: the built-in page or "error_page 404", with keep-alive.
 * The masked codes' own error_page entries are left out of the
 * location's list at postconfiguration (setup.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static void ngx_http_status_policy_log_dry_run_mask(ngx_http_request_t *r,
    ngx_uint_t code);


/*
 * The masking step of the header filter: NGX_DECLINED lets the response
 * go on; otherwise the filter returns what this returns.
 */

ngx_int_t
ngx_http_status_policy_mask_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp)
{
    ngx_http_status_policy_ctx_t       *ctx;
    ngx_http_status_policy_loc_conf_t  *lcf;

    ctx = *ctxp;

    if (ctx && ctx->mask_state != NGX_HTTP_STATUS_POLICY_MASK_NONE) {

        /* the 404 that replaces a masked response, wherever it comes from */

        ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DONE;
        return NGX_DECLINED;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->mask == NULL
        || !ngx_http_status_policy_code_listed(lcf->mask,
                                               r->headers_out.status))
    {
        return NGX_DECLINED;
    }

    if (ctx == NULL) {
        ctx = ngx_http_status_policy_create_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        *ctxp = ctx;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "status_policy: masking %ui as 404",
                   r->headers_out.status);

    ctx->masked = r->headers_out.status;
    ctx->action = NGX_HTTP_STATUS_POLICY_MASK;

    if (lcf->dry_run) {
        ngx_http_status_policy_log_dry_run_mask(r, ctx->masked);
        ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DONE;
        return NGX_DECLINED;
    }

    ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DISCARD;

    /*
     * The error page path of the masked code marked the request as having
     * been through error_page; a genuine 404 here would not have been.
     */

    r->error_page = ctx->error_page;

    /* nothing of the masked response may show: its own headers included */

    ngx_http_clean_header(r);

    return NGX_HTTP_NOT_FOUND;
}


static void
ngx_http_status_policy_log_dry_run_mask(ngx_http_request_t *r,
    ngx_uint_t code)
{
    ngx_str_t  path;

    if (r->connection->log->log_level < NGX_LOG_NOTICE
        || ngx_http_status_policy_log_escape(r->pool, &r->uri, &path)
           != NGX_OK)
    {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "status_policy dry run: would answer %ui as 404 "
                  "for \"%V\" (status_mask)", code, &path);
}


/*
 * The masking step of the body filter.  The body of the masked response
 * (nginx's own error page, sent after its header whatever the header
 * filter said) is consumed, never sent, and the sender is told to
 * finalize with 404.
 */

ngx_int_t
ngx_http_status_policy_mask_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in)
{
    if (ctx == NULL
        || ctx->mask_state != NGX_HTTP_STATUS_POLICY_MASK_DISCARD)
    {
        return NGX_DECLINED;
    }

    ngx_http_status_policy_discard_chain(in);

    return NGX_HTTP_NOT_FOUND;
}
