
/*
 * ngx_http_status_policy_module: status_mask, answering listed codes
 * (typically 403) exactly as a genuine 404 of the same location.
 *
 * A response with a masked code is stopped in the header filter, before
 * any of it is sent: its headers are cleared, its body is discarded, and
 * the filter hands NGX_HTTP_NOT_FOUND back to whoever sent it.  Every
 * sender in nginx passes such a code on to ngx_http_finalize_request() (the
 * error page path, content handlers, and upstreams, which then close the
 * upstream connection), so the request takes nginx's own 404 path from the
 * same location: the built-in page or "error_page 404", with keep-alive.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static void ngx_http_status_policy_log_dry_run_mask(ngx_http_request_t *r,
    ngx_uint_t code);


char *
ngx_http_status_policy_mask(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_int_t                            code;
    ngx_str_t                           *value;
    ngx_uint_t                           i, *c;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (lcf->mask != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        lcf->mask = NULL;
        return NGX_CONF_OK;
    }

    lcf->mask = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                 sizeof(ngx_uint_t));
    if (lcf->mask == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        code = ngx_atoi(value[i].data, value[i].len);

        if (code == NGX_ERROR || value[i].len != 3) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_mask: invalid status code \"%V\"",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        if (code < 400 || code > 499 || code == NGX_HTTP_NOT_FOUND
            || code == NGX_HTTP_CLOSE)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_mask: status code %i cannot be "
                               "masked: only 4xx codes other than 404 and "
                               "444 can", code);
            return NGX_CONF_ERROR;
        }

        if (ngx_http_status_policy_code_listed(lcf->mask, code)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_mask: status code %i is listed "
                               "twice", code);
            return NGX_CONF_ERROR;
        }

        c = ngx_array_push(lcf->mask);
        if (c == NULL) {
            return NGX_CONF_ERROR;
        }

        *c = code;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);
    smcf->enabled = 1;
    smcf->filters = 1;

    return NGX_CONF_OK;
}


/*
 * A masked code must not reach its own error_page: that would take the
 * request to another location, or answer it as the masked code.  Where a
 * mask applies, error_page entries for the masked codes are left out of
 * the location's list (a copy: the list may be shared with other levels).
 */

char *
ngx_http_status_policy_merge_mask(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *prev,
    ngx_http_status_policy_loc_conf_t *conf)
{
    ngx_uint_t                 i, n;
    ngx_array_t               *pages;
    ngx_http_err_page_t       *err_page, *page;
    ngx_http_core_loc_conf_t  *clcf;

    ngx_conf_merge_ptr_value(conf->mask, prev->mask, NULL);

    if (conf->mask == NULL) {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->error_pages == NULL) {
        return NGX_CONF_OK;
    }

    err_page = clcf->error_pages->elts;
    n = 0;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (ngx_http_status_policy_code_listed(conf->mask,
                                               err_page[i].status))
        {
            n++;
        }
    }

    if (n == 0) {
        return NGX_CONF_OK;
    }

    pages = ngx_array_create(cf->pool, clcf->error_pages->nelts - n + 1,
                             sizeof(ngx_http_err_page_t));
    if (pages == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < clcf->error_pages->nelts; i++) {

        if (ngx_http_status_policy_code_listed(conf->mask,
                                               err_page[i].status))
        {
            continue;
        }

        page = ngx_array_push(pages);
        if (page == NULL) {
            return NGX_CONF_ERROR;
        }

        *page = err_page[i];
    }

    clcf->error_pages = pages;

    return NGX_CONF_OK;
}


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
        || ngx_http_status_policy_escape(r->pool, r->uri.data, r->uri.len,
                                         &path)
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

    ngx_http_status_policy_consume(in);

    return NGX_HTTP_NOT_FOUND;
}
