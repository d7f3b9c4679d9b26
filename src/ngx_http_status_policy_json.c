
/*
 * ngx_http_status_policy_module: the status_policy_body step of the
 * response pipeline, answering error pages as JSON
 * ({"status":410,"error":"Gone"}) for APIs.
 *
 * It replaces nginx's own error pages (and the module's) in the location:
 * the rule codes, masked 404s and genuine 404s alike, so that a masked 404
 * stays indistinguishable.  error_page targets, "return" texts and
 * upstream bodies are the operator's and are left alone.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_flag_t ngx_http_status_policy_is_error_page(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);
static ngx_flag_t ngx_http_status_policy_wants_json(ngx_http_request_t *r,
    ngx_uint_t body);


static ngx_str_t  ngx_http_status_policy_vary = ngx_string("Vary");
static ngx_str_t  ngx_http_status_policy_accept = ngx_string("Accept");
static ngx_str_t  ngx_http_status_policy_json_type =
    ngx_string("application/json");
static ngx_str_t  ngx_http_status_policy_html_type = ngx_string("text/html");


/*
 * The header step: for an error page of a location answering in JSON, the
 * type and length of the JSON body, which the body step then sends in
 * place of the page.
 */

ngx_int_t
ngx_http_status_policy_json_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp)
{
    size_t                              len;
    ngx_str_t                          *reason;
    ngx_buf_t                          *b;
    ngx_uint_t                          status;
    ngx_http_status_policy_ctx_t       *ctx;
    ngx_http_status_policy_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);
    ctx = *ctxp;

    if (lcf->body == NGX_HTTP_STATUS_POLICY_BODY_HTML
        || !ngx_http_status_policy_is_error_page(r, ctx))
    {
        return NGX_OK;
    }

    /* caches must keep the HTML and the JSON answers apart */

    if (lcf->body == NGX_HTTP_STATUS_POLICY_BODY_AUTO
        && ngx_http_status_policy_add_header(r, &ngx_http_status_policy_vary,
                                             &ngx_http_status_policy_accept)
           == NULL)
    {
        return NGX_ERROR;
    }

    if (!ngx_http_status_policy_wants_json(r, lcf->body)) {
        return NGX_OK;
    }

    if (ctx == NULL) {
        ctx = ngx_http_status_policy_create_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        *ctxp = ctx;
    }

    status = r->headers_out.status;
    reason = ngx_http_status_policy_reason(status);

    len = sizeof("{\"status\":,\"error\":\"\"}\n") - 1 + NGX_INT_T_LEN
          + reason->len;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_sprintf(b->pos, "{\"status\":%ui,\"error\":\"%V\"}\n",
                          status, reason);
    b->last_buf = 1;
    b->last_in_chain = 1;

    r->headers_out.content_length_n = b->last - b->pos;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    r->headers_out.content_type = ngx_http_status_policy_json_type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (!r->header_only) {
        ctx->json = b;
    }

    return NGX_OK;
}


/*
 * The body step: the page nginx sends is consumed; once its last buffer
 * has come, the JSON body goes out instead.
 */

ngx_int_t
ngx_http_status_policy_json_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next)
{
    ngx_chain_t   out, *cl;
    ngx_flag_t    last;

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf || cl->buf->last_in_chain) {
            last = 1;
        }
    }

    ngx_http_status_policy_discard_chain(in);

    if (!last) {
        return NGX_OK;
    }

    out.buf = ctx->json;
    out.next = NULL;
    ctx->json = NULL;

    return next(r, &out);
}


/*
 * Whether the response is nginx's own error page (or the module's, for
 * codes nginx has none for), not an error_page target, a "return" text or
 * an upstream's body: those are the operator's and are left alone.  The
 * error path sets r->err_status; an error_page target is reached through
 * a location entered as one (ctx->error_page_target).
 */

static ngx_flag_t
ngx_http_status_policy_is_error_page(ngx_http_request_t *r,
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
           && !(ctx && ctx->error_page_target);
}


static ngx_flag_t
ngx_http_status_policy_wants_json(ngx_http_request_t *r, ngx_uint_t body)
{
    if (body == NGX_HTTP_STATUS_POLICY_BODY_JSON) {
        return 1;
    }

    return ngx_http_status_policy_accept_q(r,
                                           &ngx_http_status_policy_json_type)
           > ngx_http_status_policy_accept_q(r,
                                             &ngx_http_status_policy_html_type);
}
