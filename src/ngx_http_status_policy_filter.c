
/*
 * ngx_http_status_policy_module: the header and body filters, which run
 * first among nginx's filters and take their steps in order: masking
 * (status_mask), then the error page body (status_policy_body), then
 * caching (status_policy_cache), then the soft 404 check (status_soft404).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_status_policy_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_status_policy_init_filters(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_status_policy_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_status_policy_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_status_policy_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    rc = ngx_http_status_policy_mask_header(r, &ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_status_policy_json_header(r, &ctx) != NGX_OK
        || ngx_http_status_policy_cache_header(r) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_status_policy_soft404_header(r, ctx);

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_status_policy_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                      rc;
    ngx_http_status_policy_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    rc = ngx_http_status_policy_mask_body(r, ctx, in);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ctx && ctx->json) {
        return ngx_http_status_policy_json_body(r, ctx, in,
                                                ngx_http_next_body_filter);
    }

    return ngx_http_next_body_filter(r, in);
}


/* Marks every buffer of a chain as sent. */

void
ngx_http_status_policy_consume(ngx_chain_t *in)
{
    ngx_chain_t  *cl;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }
}


/*
 * Whether the response is nginx's own error page (or the module's, for
 * codes nginx has none for), not an error_page target, a "return" text or
 * an upstream's body: those are the operator's and are left alone.  The
 * error path sets r->err_status; an error_page target is reached through
 * a location entered with r->error_page set.
 */

ngx_flag_t
ngx_http_status_policy_error_page(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx)
{
    ngx_uint_t  status;

    status = r->headers_out.status;

    if (status < NGX_HTTP_BAD_REQUEST || status > 599) {
        return 0;
    }

    if (ctx && ctx->own_page) {
        return 1;
    }

    return r->err_status == status
           && !(ctx && ctx->error_page);
}
