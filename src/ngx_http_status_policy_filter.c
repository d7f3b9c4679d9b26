
/*
 * ngx_http_status_policy_module: the response pipeline.  Its header and
 * body filters run right after nginx's headers filter, which applies
 * "expires" and add_header (config places the module just before it in
 * the module list), and before the filters that change bodies (gzip,
 * charset, ssi).  They take their steps in order: masking (mask.c), then the error page body (json.c), then
 * caching (cache.c), then the soft 404 check (soft404.c).  The steps keep
 * their state in the request context (ctx.c).
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
