
/*
 * ngx_http_status_policy_module: status_soft404, guarding against
 * "error_page 404 = /target", which lets the target's 200 replace the
 * 404: a page that does not exist then looks like one that does, and
 * search engines index it.
 *
 * "fix" makes that error_page keep the 404 (as "error_page 404 =404
 * /target" would), done once at postconfiguration (setup.c).  "log",
 * this step of the response pipeline, leaves the response alone and
 * warns, once per path in each worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* paths already warned about, per worker; forgotten when full */
#define NGX_HTTP_STATUS_POLICY_SOFT404_SEEN  4096


static ngx_flag_t ngx_http_status_policy_soft404_first(ngx_str_t *path);


static uint32_t    ngx_http_status_policy_soft404_seen[
                       NGX_HTTP_STATUS_POLICY_SOFT404_SEEN];
static ngx_uint_t  ngx_http_status_policy_soft404_nseen;


/*
 * The header filter step: a 2xx answered by the "error_page 404 =" target
 * of the location the request was policed in.
 */

void
ngx_http_status_policy_soft404_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx)
{
    ngx_str_t                           path, target;
    ngx_http_status_policy_loc_conf_t  *policed;

    if (ctx == NULL || ctx->policed == NULL || !ctx->error_page) {
        return;
    }

    policed = ctx->policed;

    if (policed->soft404 != NGX_HTTP_STATUS_POLICY_SOFT404_LOG
        || !policed->soft404_page
        || r->headers_out.status < NGX_HTTP_OK
        || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE)
    {
        return;
    }

    /* when the target is known, only it counts (not other error pages) */

    if (policed->soft404_target.len
        && (policed->soft404_target.len != r->uri.len
            || ngx_strncmp(policed->soft404_target.data, r->uri.data,
                           r->uri.len)
               != 0))
    {
        return;
    }

    if (!ngx_http_status_policy_soft404_first(&ctx->uri)) {
        return;
    }

    if (ngx_http_status_policy_log_escape(r->pool, &ctx->uri, &path)
        != NGX_OK
        || ngx_http_status_policy_log_escape(r->pool, &r->uri, &target)
           != NGX_OK)
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "status_policy: soft 404: \"%V\" does not exist but is "
                  "answered %ui by the error_page target \"%V\"",
                  &path, r->headers_out.status, &target);
}


static ngx_flag_t
ngx_http_status_policy_soft404_first(ngx_str_t *path)
{
    uint32_t    hash;
    ngx_uint_t  i;

    hash = ngx_crc32_short(path->data, path->len);

    for (i = 0; i < ngx_http_status_policy_soft404_nseen; i++) {
        if (ngx_http_status_policy_soft404_seen[i] == hash) {
            return 0;
        }
    }

    if (ngx_http_status_policy_soft404_nseen
        == NGX_HTTP_STATUS_POLICY_SOFT404_SEEN)
    {
        ngx_http_status_policy_soft404_nseen = 0;
    }

    ngx_http_status_policy_soft404_seen[
        ngx_http_status_policy_soft404_nseen++] = hash;

    return 1;
}
