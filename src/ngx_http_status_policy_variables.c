
/*
 * ngx_http_status_policy_module: $status_policy_rule,
 * $status_policy_action and $status_policy_masked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_rule_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_status_policy_action_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_status_policy_masked_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_status_policy_set_value(ngx_http_variable_value_t *v,
    u_char *data, size_t len);


static ngx_http_variable_t  ngx_http_status_policy_vars[] = {

    { ngx_string("status_policy_rule"), NULL,
      ngx_http_status_policy_rule_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("status_policy_action"), NULL,
      ngx_http_status_policy_action_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("status_policy_masked"), NULL,
      ngx_http_status_policy_masked_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_status_policy_action_names[] = {
    ngx_null_string,
    ngx_string("gone"),
    ngx_string("drop"),
    ngx_string("redirect"),
    ngx_string("status"),
    ngx_string("mask")
};


ngx_int_t
ngx_http_status_policy_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_status_policy_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_rule_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_status_policy_ctx_t  *ctx;

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx == NULL || ctx->rule.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    ngx_http_status_policy_set_value(v, ctx->rule.data, ctx->rule.len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_action_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                     *name;
    ngx_http_status_policy_ctx_t  *ctx;

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx == NULL || ctx->action == NGX_HTTP_STATUS_POLICY_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    name = &ngx_http_status_policy_action_names[ctx->action];

    ngx_http_status_policy_set_value(v, name->data, name->len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_masked_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                        *p;
    ngx_http_status_policy_ctx_t  *ctx;

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx == NULL || ctx->masked == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_http_status_policy_set_value(v, p,
                                     ngx_sprintf(p, "%ui", ctx->masked) - p);

    return NGX_OK;
}


static void
ngx_http_status_policy_set_value(ngx_http_variable_value_t *v, u_char *data,
    size_t len)
{
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = data;
}
