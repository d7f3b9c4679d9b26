
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
#define NGX_HTTP_STATUS_POLICY_SPIKE_CODES  8


typedef enum {
    NGX_HTTP_STATUS_POLICY_NONE = 0,
    NGX_HTTP_STATUS_POLICY_GONE,
    NGX_HTTP_STATUS_POLICY_DROP,
    NGX_HTTP_STATUS_POLICY_REDIRECT,
    NGX_HTTP_STATUS_POLICY_STATUS,
    NGX_HTTP_STATUS_POLICY_MASK
} ngx_http_status_policy_action_e;


#define NGX_HTTP_STATUS_POLICY_BODY_HTML  0
#define NGX_HTTP_STATUS_POLICY_BODY_JSON  1
#define NGX_HTTP_STATUS_POLICY_BODY_AUTO  2

#define NGX_HTTP_STATUS_POLICY_SOFT404_OFF  0
#define NGX_HTTP_STATUS_POLICY_SOFT404_LOG  1
#define NGX_HTTP_STATUS_POLICY_SOFT404_FIX  2


typedef enum {
    NGX_HTTP_STATUS_POLICY_MASK_NONE = 0,
    /* the masked response is being discarded, its 404 not yet begun */
    NGX_HTTP_STATUS_POLICY_MASK_DISCARD,
    NGX_HTTP_STATUS_POLICY_MASK_DONE
} ngx_http_status_policy_mask_state_e;


/* A status_spike_zone: the shared memory and what the core counts in. */
typedef struct {
    ngx_str_t                           name;
    ngx_shm_zone_t                     *shm_zone;
    ngx_slab_pool_t                    *shpool;
    void                               *block;
    size_t                              block_size;
    sp_spike_config_t                   cfg;
    ngx_uint_t                          codes[NGX_HTTP_STATUS_POLICY_SPIKE_CODES];
    ngx_uint_t                          ncodes;
} ngx_http_status_policy_spike_zone_t;


/* A status_spike NAME, resolved to its zone once all zones are known. */
typedef struct {
    ngx_str_t                           name;
    ngx_str_t                           file;
    ngx_uint_t                          line;
    ngx_http_status_policy_spike_zone_t  *zone;
} ngx_http_status_policy_spike_ref_t;


typedef struct {
    /* some level has rules or masks: the rewrite-phase handler is needed */
    ngx_flag_t                          enabled;
    /* some level masks, answers in JSON, sets caching or guards soft
     * 404s: the filters are needed */
    ngx_flag_t                          filters;
    /* some level has status_drop_connection on: the log handler is */
    ngx_flag_t                          drops;

    ngx_array_t                         spike_zones;  /* of zone pointers */
    ngx_array_t                         spike_refs;   /* of ref pointers */

    /* every level with rules, and a hit counter per rule in shared memory */
    ngx_array_t                         rulesets;     /* of loc conf pointers */
    ngx_uint_t                          nrules;
    ngx_atomic_t                       *hits;
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

    /* status_mask: the codes (ngx_uint_t) answered as 404, NULL if off */
    ngx_array_t                        *mask;

    /* status_spike: the zone responses are counted into, NULL if off */
    ngx_http_status_policy_spike_ref_t  *spike;

    /* the hit counter of this level's first rule */
    ngx_uint_t                          hits_base;

    /* status_policy_report: its format, -1 if chosen per request */
    ngx_int_t                           report;

    /* status_policy_body: html, json or auto */
    ngx_uint_t                          body;

    /* status_soft404, and the target of this level's "error_page 404 =" */
    ngx_uint_t                          soft404;
    ngx_str_t                           soft404_target;
    unsigned                            soft404_page:1;

    /* status_policy_cache: codes (ngx_uint_t) and max-age, NULL if off */
    ngx_array_t                        *cache_codes;
    time_t                              cache_time;

    unsigned                            compiled:1;
};


/*
 * Per-request state.  It lives in a pool cleanup as well as in r->ctx, so
 * that the variables still see it after an internal redirect such as
 * error_page, which clears r->ctx.
 */
typedef struct {
    ngx_str_t                           rule;       /* "source:line" */
    ngx_str_t                           uri;        /* as first policed */
    ngx_http_status_policy_action_e     action;
    ngx_uint_t                          code;
    ngx_uint_t                          masked;     /* the real code */
    ngx_http_status_policy_mask_state_e mask_state;

    /* the location the request was policed in (not an error page's) */
    ngx_http_status_policy_loc_conf_t  *policed;

    /* a JSON body replacing nginx's own error page, until it is sent */
    ngx_buf_t                          *json;

    /* r->error_page as the current location was entered */
    unsigned                            error_page:1;
    /* the module's own page for a code nginx has none for */
    unsigned                            own_page:1;
} ngx_http_status_policy_ctx_t;


extern ngx_module_t  ngx_http_status_policy_module;


ngx_int_t ngx_http_status_policy_handler(ngx_http_request_t *r);

ngx_http_status_policy_ctx_t *ngx_http_status_policy_get_ctx(
    ngx_http_request_t *r);
ngx_http_status_policy_ctx_t *ngx_http_status_policy_create_ctx(
    ngx_http_request_t *r);

char *ngx_http_status_policy_mask(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_merge_mask(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *prev,
    ngx_http_status_policy_loc_conf_t *conf);
ngx_int_t ngx_http_status_policy_init_filters(ngx_conf_t *cf);
ngx_int_t ngx_http_status_policy_mask_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp);
ngx_int_t ngx_http_status_policy_mask_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in);
void ngx_http_status_policy_consume(ngx_chain_t *in);
ngx_flag_t ngx_http_status_policy_error_page(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);

ngx_int_t ngx_http_status_policy_json_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp);
ngx_int_t ngx_http_status_policy_json_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next);
ngx_str_t *ngx_http_status_policy_reason(ngx_uint_t code);

char *ngx_http_status_policy_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_status_policy_cache_header(ngx_http_request_t *r);

char *ngx_http_status_policy_merge_soft404(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *prev,
    ngx_http_status_policy_loc_conf_t *conf);
void ngx_http_status_policy_soft404_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);

char *ngx_http_status_policy_spike_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_spike(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_status_policy_spike_resolve(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
ngx_int_t ngx_http_status_policy_spike_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_status_policy_spike_init_process(ngx_cycle_t *cycle);
uint64_t ngx_http_status_policy_now_ms(void);

ngx_int_t ngx_http_status_policy_hits_zone(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
void ngx_http_status_policy_count_hit(ngx_http_request_t *r,
    ngx_http_status_policy_loc_conf_t *level, uint32_t rule);
ngx_int_t ngx_http_status_policy_report_rules(ngx_http_request_t *r,
    sp_report_t *report);
char *ngx_http_status_policy_report(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_int_t ngx_http_status_policy_add_variables(ngx_conf_t *cf);

ngx_int_t ngx_http_status_policy_send_status(ngx_http_request_t *r,
    ngx_uint_t code);
ngx_flag_t ngx_http_status_policy_code_listed(ngx_array_t *codes,
    ngx_uint_t code);

char *ngx_http_status_policy_drop_connection(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_status_policy_drop_handler(ngx_http_request_t *r);

ngx_int_t ngx_http_status_policy_escape(ngx_pool_t *pool, u_char *data,
    size_t len, ngx_str_t *dst);


#endif /* _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_ */
