
/*
 * ngx_http_status_policy_module: the request context, in one place.
 *
 * An internal redirect (error_page, index, try_files, X-Accel-Redirect)
 * clears r->ctx, yet the variables, the filters and the log phase must
 * still know what the module decided.  The context is therefore kept in
 * a pool cleanup too, found there after a redirect and put back.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static void ngx_http_status_policy_ctx_cleanup(void *data);


ngx_http_status_policy_ctx_t *
ngx_http_status_policy_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_status_policy_ctx_t  *ctx;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_status_policy_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_status_policy_ctx_t));

    cln->handler = ngx_http_status_policy_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_status_policy_module);

    return ctx;
}


/* the request's context, NULL if it has none */

ngx_http_status_policy_ctx_t *
ngx_http_status_policy_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_status_policy_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_status_policy_module);

    if (ctx || !(r->internal || r->filter_finalize)) {
        return ctx;
    }

    /*
     * r->ctx was cleared by an internal redirect, or this is a subrequest,
     * which shares the main request's pool: it sees the main request's
     * context and leaves it as it is.
     */

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_status_policy_ctx_cleanup) {
            ctx = cln->data;
            break;
        }
    }

    if (ctx && r == r->main) {
        ctx->redirected = 1;
        ngx_http_set_ctx(r, ctx, ngx_http_status_policy_module);
    }

    return ctx;
}


static void
ngx_http_status_policy_ctx_cleanup(void *data)
{
    /* nothing to free: the handler only marks the module's context */
}
