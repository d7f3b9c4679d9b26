
/*
 * ngx_http_status_policy_module: declarations shared by its C files.
 */


#ifndef _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_
#define _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "status_policy_core.h"


#define NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE  1024


typedef enum {
    NGX_HTTP_STATUS_POLICY_NONE = 0,
    NGX_HTTP_STATUS_POLICY_GONE,
    NGX_HTTP_STATUS_POLICY_DROP,
    NGX_HTTP_STATUS_POLICY_REDIRECT,
    NGX_HTTP_STATUS_POLICY_STATUS
} ngx_http_status_policy_action_e;


typedef struct {
    /* some level has rules: the rewrite-phase handler is needed */
    ngx_flag_t                          enabled;
} ngx_http_status_policy_main_conf_t;


typedef struct ngx_http_status_policy_loc_conf_s
    ngx_http_status_policy_loc_conf_t;

struct ngx_http_status_policy_loc_conf_s {
    /* rules written at this level, NULL if none */
    sp_ruleset_t                       *rules;

    /* the next outer level with rules, NULL when the walk stops here */
    ngx_http_status_policy_loc_conf_t  *outer;

    ngx_flag_t                          inherit;
    ngx_flag_t                          ignore_case;
    ngx_flag_t                          dry_run;
    ngx_flag_t                          drop_connection;

    unsigned                            compiled:1;
};


/*
 * Per-request state.  It lives in a pool cleanup as well as in r->ctx, so
 * that the variables still see it after an internal redirect such as
 * error_page, which clears r->ctx.
 */
typedef struct {
    ngx_str_t                           rule;       /* "source:line" */
    ngx_http_status_policy_action_e     action;
    ngx_uint_t                          code;
    ngx_uint_t                          masked;     /* the real code */
} ngx_http_status_policy_ctx_t;


extern ngx_module_t  ngx_http_status_policy_module;


ngx_int_t ngx_http_status_policy_handler(ngx_http_request_t *r);

ngx_http_status_policy_ctx_t *ngx_http_status_policy_get_ctx(
    ngx_http_request_t *r);

ngx_int_t ngx_http_status_policy_add_variables(ngx_conf_t *cf);

ngx_int_t ngx_http_status_policy_send_status(ngx_http_request_t *r,
    ngx_uint_t code);

ngx_int_t ngx_http_status_policy_drop(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);

ngx_int_t ngx_http_status_policy_escape(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_str_t *dst);


#endif /* _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_ */
