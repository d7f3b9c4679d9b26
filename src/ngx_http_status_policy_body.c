
/*
 * ngx_http_status_policy_module: status_policy_body, answering error pages
 * as JSON ({"status":410,"error":"Gone"}) for APIs.
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


typedef struct {
    ngx_uint_t  code;
    ngx_str_t   reason;
} ngx_http_status_policy_reason_t;


static ngx_flag_t ngx_http_status_policy_wants_json(ngx_http_request_t *r,
    ngx_uint_t body);
static double ngx_http_status_policy_accept_q(ngx_str_t *accept,
    const char *type, const char *wildcard);
static ngx_int_t ngx_http_status_policy_vary(ngx_http_request_t *r);


static ngx_http_status_policy_reason_t  ngx_http_status_policy_reasons[] = {
    { 400, ngx_string("Bad Request") },
    { 401, ngx_string("Unauthorized") },
    { 402, ngx_string("Payment Required") },
    { 403, ngx_string("Forbidden") },
    { 404, ngx_string("Not Found") },
    { 405, ngx_string("Method Not Allowed") },
    { 406, ngx_string("Not Acceptable") },
    { 407, ngx_string("Proxy Authentication Required") },
    { 408, ngx_string("Request Timeout") },
    { 409, ngx_string("Conflict") },
    { 410, ngx_string("Gone") },
    { 411, ngx_string("Length Required") },
    { 412, ngx_string("Precondition Failed") },
    { 413, ngx_string("Content Too Large") },
    { 414, ngx_string("URI Too Long") },
    { 415, ngx_string("Unsupported Media Type") },
    { 416, ngx_string("Range Not Satisfiable") },
    { 417, ngx_string("Expectation Failed") },
    { 421, ngx_string("Misdirected Request") },
    { 422, ngx_string("Unprocessable Content") },
    { 423, ngx_string("Locked") },
    { 424, ngx_string("Failed Dependency") },
    { 425, ngx_string("Too Early") },
    { 426, ngx_string("Upgrade Required") },
    { 428, ngx_string("Precondition Required") },
    { 429, ngx_string("Too Many Requests") },
    { 431, ngx_string("Request Header Fields Too Large") },
    { 451, ngx_string("Unavailable For Legal Reasons") },
    { 500, ngx_string("Internal Server Error") },
    { 501, ngx_string("Not Implemented") },
    { 502, ngx_string("Bad Gateway") },
    { 503, ngx_string("Service Unavailable") },
    { 504, ngx_string("Gateway Timeout") },
    { 505, ngx_string("HTTP Version Not Supported") },
    { 506, ngx_string("Variant Also Negotiates") },
    { 507, ngx_string("Insufficient Storage") },
    { 508, ngx_string("Loop Detected") },
    { 510, ngx_string("Not Extended") },
    { 511, ngx_string("Network Authentication Required") },
    { 0, ngx_null_string }
};


static ngx_str_t  ngx_http_status_policy_client_error =
    ngx_string("Client Error");
static ngx_str_t  ngx_http_status_policy_server_error =
    ngx_string("Server Error");


ngx_str_t *
ngx_http_status_policy_reason(ngx_uint_t code)
{
    ngx_http_status_policy_reason_t  *r;

    for (r = ngx_http_status_policy_reasons; r->code; r++) {
        if (r->code == code) {
            return &r->reason;
        }
    }

    return code < 500 ? &ngx_http_status_policy_client_error
                      : &ngx_http_status_policy_server_error;
}


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
        || !ngx_http_status_policy_error_page(r, ctx))
    {
        return NGX_OK;
    }

    /* caches must keep the HTML and the JSON answers apart */

    if (lcf->body == NGX_HTTP_STATUS_POLICY_BODY_AUTO
        && ngx_http_status_policy_vary(r) != NGX_OK)
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

    ngx_str_set(&r->headers_out.content_type, "application/json");
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

    ngx_http_status_policy_consume(in);

    if (!last) {
        return NGX_OK;
    }

    out.buf = ctx->json;
    out.next = NULL;
    ctx->json = NULL;

    return next(r, &out);
}


static ngx_flag_t
ngx_http_status_policy_wants_json(ngx_http_request_t *r, ngx_uint_t body)
{
    ngx_str_t  *accept;

    if (body == NGX_HTTP_STATUS_POLICY_BODY_JSON) {
        return 1;
    }

#if (NGX_HTTP_HEADERS)
    if (r->headers_in.accept == NULL) {
        return 0;
    }

    accept = &r->headers_in.accept->value;

    return ngx_http_status_policy_accept_q(accept, "application/json",
                                           "application/*")
           > ngx_http_status_policy_accept_q(accept, "text/html", "text/*");
#else
    (void) accept;
    return 0;
#endif
}


/*
 * The quality Accept gives a type: its own entry, else its wildcard
 * ("application/star"), else the full wildcard, else 0.
 */

static double
ngx_http_status_policy_accept_q(ngx_str_t *accept, const char *type,
    const char *wildcard)
{
    u_char      *p, *last, *item, *end, *semi;
    size_t       len;
    double       q, exact, wild, any;
    ngx_int_t    n;

    exact = -1;
    wild = -1;
    any = -1;

    p = accept->data;
    last = accept->data + accept->len;

    while (p < last) {

        while (p < last && (*p == ' ' || *p == ',')) {
            p++;
        }

        item = p;

        while (p < last && *p != ',') {
            p++;
        }

        end = p;
        q = 1;

        semi = ngx_strlchr(item, end, ';');

        if (semi) {
            u_char  *qp = ngx_strlcasestrn(semi, end, (u_char *) "q=", 2 - 1);

            if (qp) {
                qp += 2;
                len = 0;

                while (qp + len < end && (qp[len] == '.'
                                          || (qp[len] >= '0'
                                              && qp[len] <= '9')))
                {
                    len++;
                }

                n = ngx_atofp(qp, len, 3);
                q = (n == NGX_ERROR) ? 0 : n / 1000.0;
            }

            end = semi;
        }

        while (end > item && end[-1] == ' ') {
            end--;
        }

        len = end - item;

        if (len == ngx_strlen(type)
            && ngx_strncasecmp(item, (u_char *) type, len) == 0)
        {
            exact = q;

        } else if (len == ngx_strlen(wildcard)
                   && ngx_strncasecmp(item, (u_char *) wildcard, len) == 0)
        {
            wild = q;

        } else if (len == 3 && ngx_strncmp(item, "*/*", 3) == 0) {
            any = q;
        }
    }

    return exact >= 0 ? exact : (wild >= 0 ? wild : (any >= 0 ? any : 0));
}


static ngx_int_t
ngx_http_status_policy_vary(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Vary");
    ngx_str_set(&h->value, "Accept");

    return NGX_OK;
}


char *
ngx_http_status_policy_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    time_t                               max_age;
    ngx_int_t                            code;
    ngx_str_t                           *value;
    ngx_uint_t                           i, *c;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (lcf->cache_codes != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        lcf->cache_codes = NULL;
        return NGX_CONF_OK;
    }

    if (cf->args->nelts < 3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: expected CODE ... TIME "
                           "or off");
        return NGX_CONF_ERROR;
    }

    max_age = ngx_parse_time(&value[cf->args->nelts - 1], 1);

    if (max_age == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: invalid time \"%V\"",
                           &value[cf->args->nelts - 1]);
        return NGX_CONF_ERROR;
    }

    lcf->cache_codes = ngx_array_create(cf->pool, cf->args->nelts - 2,
                                        sizeof(ngx_uint_t));
    if (lcf->cache_codes == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts - 1; i++) {
        code = ngx_atoi(value[i].data, value[i].len);

        if (code == NGX_ERROR || value[i].len != 3 || code < 300
            || code > 599 || code == NGX_HTTP_CLOSE)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_policy_cache: invalid status code "
                               "\"%V\", expected 300-599", &value[i]);
            return NGX_CONF_ERROR;
        }

        /* "410 410" is most likely a typo for another code */
        if (ngx_http_status_policy_code_listed(lcf->cache_codes, code)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_policy_cache: status code \"%V\" "
                               "is given twice", &value[i]);
            return NGX_CONF_ERROR;
        }

        c = ngx_array_push(lcf->cache_codes);
        if (c == NULL) {
            return NGX_CONF_ERROR;
        }

        *c = code;
    }

    lcf->cache_time = max_age;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);
    smcf->filters = 1;
    smcf->enabled = 1;

    return NGX_CONF_OK;
}


/*
 * Cache-Control: max-age for the listed codes, on any response of the
 * location with that status: the module's codes, masked and genuine 404s
 * alike, so that caching reveals no mask.  A Cache-Control already set
 * (by "expires" before, or an upstream) is replaced, so the header appears
 * once.
 */

ngx_int_t
ngx_http_status_policy_cache_header(ngx_http_request_t *r)
{
    ngx_uint_t                          i;
    ngx_table_elt_t                    *h;
    ngx_list_part_t                    *part;
    ngx_http_status_policy_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->cache_codes == NULL
        || !ngx_http_status_policy_code_listed(lcf->cache_codes,
                                               r->headers_out.status))
    {
        return NGX_OK;
    }

    /* drop any Cache-Control already there */

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash && h[i].key.len == sizeof("Cache-Control") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                               h[i].key.len)
               == 0)
        {
            h[i].hash = 0;
        }
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, sizeof("max-age=") + NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Cache-Control");
    h->value.len = ngx_sprintf(h->value.data, "max-age=%T", lcf->cache_time)
                   - h->value.data;

    return NGX_OK;
}
