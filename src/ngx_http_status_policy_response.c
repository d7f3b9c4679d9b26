
/*
 * ngx_http_status_policy_module: answers for error codes that nginx has no
 * reason phrase and no page for.
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


typedef struct {
    ngx_uint_t  code;
    ngx_str_t   status_line;
} ngx_http_status_policy_reason_t;


static ngx_str_t *ngx_http_status_policy_status_line(ngx_uint_t code);
static ngx_flag_t ngx_http_status_policy_has_error_page(
    ngx_http_core_loc_conf_t *clcf, ngx_uint_t code);
static ngx_buf_t *ngx_http_status_policy_page(ngx_http_request_t *r,
    ngx_http_core_loc_conf_t *clcf, ngx_str_t *status_line);


/* registered codes missing from nginx's own table */

static ngx_http_status_policy_reason_t  ngx_http_status_policy_reasons[] = {
    { 407, ngx_string("407 Proxy Authentication Required") },
    { 417, ngx_string("417 Expectation Failed") },
    { 422, ngx_string("422 Unprocessable Content") },
    { 423, ngx_string("423 Locked") },
    { 424, ngx_string("424 Failed Dependency") },
    { 425, ngx_string("425 Too Early") },
    { 426, ngx_string("426 Upgrade Required") },
    { 428, ngx_string("428 Precondition Required") },
    { 431, ngx_string("431 Request Header Fields Too Large") },
    { 451, ngx_string("451 Unavailable For Legal Reasons") },
    { 506, ngx_string("506 Variant Also Negotiates") },
    { 508, ngx_string("508 Loop Detected") },
    { 510, ngx_string("510 Not Extended") },
    { 511, ngx_string("511 Network Authentication Required") },
    { 0, ngx_null_string }
};


static u_char  ngx_http_status_policy_msie_padding[] =
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
"<!-- a padding to disable MSIE and Chrome friendly error page -->" CRLF
;


ngx_int_t
ngx_http_status_policy_send_status(ngx_http_request_t *r, ngx_uint_t code)
{
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_str_t                 *status_line;
    ngx_chain_t                    out;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_status_policy_ctx_t  *ctx;

    status_line = ngx_http_status_policy_status_line(code);
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

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_str_t *
ngx_http_status_policy_status_line(ngx_uint_t code)
{
    ngx_http_status_policy_reason_t  *reason;

    for (reason = ngx_http_status_policy_reasons; reason->code; reason++) {
        if (reason->code == code) {
            return &reason->status_line;
        }
    }

    return NULL;
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
