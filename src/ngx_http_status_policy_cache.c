
/*
 * ngx_http_status_policy_module: the status_policy_cache step of the
 * response pipeline.
 *
 * Cache-Control: max-age for the listed codes, on any response of the
 * location with that status: the module's codes, masked and genuine 404s
 * alike, so that caching reveals no mask.  The pipeline runs after
 * nginx's headers filter (config places the module so): a Cache-Control
 * already in the response, an upstream's or one that "expires" or
 * add_header made, is replaced, and an Expires header is made to agree.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_str_t  ngx_http_status_policy_cache_control =
    ngx_string("Cache-Control");


ngx_int_t
ngx_http_status_policy_cache_header(ngx_http_request_t *r)
{
    u_char                             *p;
    ngx_str_t                           value;
    ngx_table_elt_t                    *expires;
    ngx_http_status_policy_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->cache_codes == NULL
        || !ngx_http_status_policy_code_listed(lcf->cache_codes,
                                               r->headers_out.status))
    {
        return NGX_OK;
    }

    value.data = ngx_pnalloc(r->pool, sizeof("max-age=") + NGX_TIME_T_LEN);
    if (value.data == NULL) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(value.data, "max-age=%T", lcf->cache_time)
                - value.data;

    ngx_http_status_policy_remove_header(r,
                                         &ngx_http_status_policy_cache_control);

    if (ngx_http_status_policy_add_header(r,
                                          &ngx_http_status_policy_cache_control,
                                          &value)
        == NULL)
    {
        return NGX_ERROR;
    }

    expires = r->headers_out.expires;

    if (expires && expires->hash) {
        p = ngx_pnalloc(r->pool, sizeof("Mon, 28 Sep 1970 06:00:00 GMT") - 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        expires->value.len = ngx_http_time(p, ngx_time() + lcf->cache_time)
                             - p;
        expires->value.data = p;
    }

    return NGX_OK;
}
