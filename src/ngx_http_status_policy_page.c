
/*
 * ngx_http_status_policy_module: pages for the error codes that nginx has
 * no reason phrase and no page for.
 *
 * Returned to nginx, such a code (451 among them) goes out as
 * "HTTP/1.1 451 " with an empty body.  Unless error_page handles the code
 * in the location, the module answers it itself, in the form of nginx's
 * own error pages.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <nginx.h>

#include "ngx_http_status_policy_module.h"


static ngx_flag_t ngx_http_status_policy_has_error_page(
    ngx_http_core_loc_conf_t *clcf, ngx_uint_t code);
static ngx_buf_t *ngx_http_status_policy_page(ngx_http_request_t *r,
    ngx_http_core_loc_conf_t *clcf, ngx_str_t *status_line);


static u_char  ngx_http_status_policy_msie_padding[] =
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
;


/*
 * Sends the code with the module's page, or returns NGX_DECLINED for a
 * code nginx answers well itself or that error_page handles here.
 */

ngx_int_t
ngx_http_status_policy_send_page(ngx_http_request_t *r, ngx_uint_t code)
{
    ngx_buf_t                     *b;
    ngx_str_t                     *status_line;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_status_policy_ctx_t  *ctx;

    status_line = ngx_http_status_policy_own_status_line(code);
    if (status_line == NULL) {
        return NGX_DECLINED;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (ngx_http_status_policy_has_error_page(clcf, code)) {
        return NGX_DECLINED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    b = ngx_http_status_policy_page(r, clcf, status_line);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = code;
    r->headers_out.status_line = *status_line;
    r->headers_out.content_length_n = b->last - b->pos;

    r->headers_out.content_type_len = sizeof("text/html") - 1;
    ngx_str_set(&r->headers_out.content_type, "text/html");
    r->headers_out.content_type_lowcase = NULL;

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    /* an error page, for status_policy_body */

    ctx = ngx_http_status_policy_get_ctx(r);
    if (ctx) {
        ctx->own_page = 1;
    }

    return ngx_http_status_policy_send_response(r, b);
}


static ngx_flag_t
ngx_http_status_policy_has_error_page(ngx_http_core_loc_conf_t *clcf,
    ngx_uint_t code)
{
    ngx_uint_t            i;
    ngx_http_err_page_t  *err_page;

    if (clcf->error_pages == NULL) {
        return 0;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (err_page[i].status == (ngx_int_t) code) {
            return 1;
        }
    }

    return 0;
}


static ngx_buf_t *
ngx_http_status_policy_page(ngx_http_request_t *r,
    ngx_http_core_loc_conf_t *clcf, ngx_str_t *status_line)
{
    size_t       len;
    ngx_buf_t   *b;
    ngx_str_t    version;
    ngx_flag_t   padding;

    switch (clcf->server_tokens) {

    case NGX_HTTP_SERVER_TOKENS_ON:
        ngx_str_set(&version, NGINX_VER);
        break;

    case NGX_HTTP_SERVER_TOKENS_BUILD:
        ngx_str_set(&version, NGINX_VER_BUILD);
        break;

    default:
        ngx_str_set(&version, "nginx");
    }

    padding = clcf->msie_padding
              && (r->headers_in.msie || r->headers_in.chrome)
              && r->http_version >= NGX_HTTP_VERSION_10;

    len = sizeof("<html>" CRLF "<head><title></title></head>" CRLF
                 "<body>" CRLF "<center><h1></h1></center>" CRLF
                 "<hr><center></center>" CRLF "</body>" CRLF
                 "</html>" CRLF) - 1
          + 2 * status_line->len + version.len
          + (padding ? sizeof(ngx_http_status_policy_msie_padding) - 1 : 0);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    b->last = ngx_sprintf(b->last,
                          "<html>" CRLF
                          "<head><title>%V</title></head>" CRLF
                          "<body>" CRLF
                          "<center><h1>%V</h1></center>" CRLF
                          "<hr><center>%V</center>" CRLF
                          "</body>" CRLF
                          "</html>" CRLF,
                          status_line, status_line, &version);

    if (padding) {
        b->last = ngx_cpymem(b->last, ngx_http_status_policy_msie_padding,
                             sizeof(ngx_http_status_policy_msie_padding) - 1);
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    return b;
}
