
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
 *
 * A genuine answer for a missing resource depends on how it is asked for,
 * and so does the masked one: where nginx's static handler would answer,
 * a method it refuses gets its 405, and an "Expect: 100-continue" is
 * answered no sooner than a genuine 404 would be.  Where an upstream
 * answers, its own 404s take nginx's 404 path too (unless
 * "status_mask_upstream_404 pass"), so that they look like the masked ones.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


extern ngx_module_t  ngx_http_try_files_module;


static ngx_uint_t ngx_http_status_policy_missing_code(ngx_http_request_t *r);
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
    ngx_flag_t                          upstream_404;
    ngx_http_status_policy_ctx_t       *ctx;
    ngx_http_status_policy_loc_conf_t  *lcf;

    ctx = *ctxp;

    if (ctx && ctx->mask_state != NGX_HTTP_STATUS_POLICY_MASK_NONE) {

        /* the 404 that replaces a masked response, wherever it comes from */

        ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DONE;
        return NGX_DECLINED;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->mask == NULL) {
        return NGX_DECLINED;
    }

    /*
     * An upstream's own 404, unless it is already an error page's, is
     * answered by nginx's 404 path, as a masked response is.
     */

    upstream_404 = r->headers_out.status == NGX_HTTP_NOT_FOUND
                   && r->upstream && !r->error_page
                   && !(ctx && ctx->error_page_target) && !lcf->dry_run
                   && lcf->mask_upstream_404
                      == NGX_HTTP_STATUS_POLICY_UPSTREAM_404_NGINX;

    if (!upstream_404
        && (r->headers_out.status == NGX_HTTP_NOT_FOUND
            || !ngx_http_status_policy_code_listed(lcf->mask,
                                                   r->headers_out.status)))
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

    if (upstream_404) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "status_policy: an upstream 404 as nginx's own");

        ctx->mask_code = NGX_HTTP_NOT_FOUND;

    } else {
        ctx->masked = r->headers_out.status;
        ctx->action = NGX_HTTP_STATUS_POLICY_MASK;
        ctx->mask_code = ngx_http_status_policy_missing_code(r);

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "status_policy: masking %ui as %ui",
                       ctx->masked, ctx->mask_code);

        if (lcf->dry_run) {
            ngx_http_status_policy_log_dry_run_mask(r, ctx->masked);
            ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DONE;
            return NGX_DECLINED;
        }
    }

    ctx->mask_state = NGX_HTTP_STATUS_POLICY_MASK_DISCARD;

    /*
     * The error page path of a masked code marked the request as having
     * been through error_page; a genuine 404 here would not have been.
     * (An upstream 404 taken here was not through error_page: this
     * changes nothing for it.)
     */

    r->error_page = ctx->error_page;

    /* nothing of the masked response may show: its own headers included */

    ngx_http_clean_header(r);

    return ctx->mask_code;
}


/*
 * What this location answers for a resource that does not exist: 404, or
 * 405 where nginx's static handler would answer and refuse the method
 * (it takes GET, HEAD and POST) before looking for the file.  A try_files
 * looks first and answers 404 for any method; a content handler of a
 * module (proxy_pass and the like) has its own answer, which is taken to
 * be a 404 as well.
 */

static ngx_uint_t
ngx_http_status_policy_missing_code(ngx_http_request_t *r)
{
    void                      **try_files;
    ngx_http_core_loc_conf_t   *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /*
     * The try_files module keeps its configuration to itself: one
     * pointer, its list, NULL where try_files is not set (so since
     * nginx 1.13.4, in freenginx and Angie alike).
     */

    try_files = ngx_http_get_module_loc_conf(r, ngx_http_try_files_module);

    if (clcf->handler == NULL && *try_files == NULL
        && !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST)))
    {
        return NGX_HTTP_NOT_ALLOWED;
    }

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

    return ctx->mask_code;
}


/*
 * "Expect: 100-continue" in a masked location: the rewrite handler holds
 * back nginx's interim "100 Continue" until the content phase, so that
 * "return 403 text", which discards the body before its header goes out,
 * does not send one ahead of its masked 404 when a genuine 404 would not.
 * A request that reaches the content phase reads its body as usual.
 */

void
ngx_http_status_policy_mask_hold_expect(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx)
{
    ngx_http_status_policy_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->mask && !lcf->dry_run && r->headers_in.expect
        && !r->expect_tested)
    {
        r->expect_tested = 1;
        ctx->expect_held = 1;
    }
}


/* the precontent phase: the request goes on to its content, body and all */

ngx_int_t
ngx_http_status_policy_mask_expect_handler(ngx_http_request_t *r)
{
    ngx_http_status_policy_ctx_t  *ctx;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx && ctx->expect_held) {
        ctx->expect_held = 0;

        /*
         * Not on the way to an error page: nginx's error path has marked
         * the expectation as answered, and a genuine 404's page does not
         * send "100 Continue" either.
         */

        if (r->err_status == 0) {
            r->expect_tested = 0;
        }
    }

    return NGX_DECLINED;
}
