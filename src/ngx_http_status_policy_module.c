
/*
 * ngx_http_status_policy_module: the module, its directives, and the
 * creation and merging of its configuration.  Merging only merges: what
 * needs every merged level is done at postconfiguration (setup.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static void *ngx_http_status_policy_create_main_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_status_policy_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_status_policy_init_process(ngx_cycle_t *cycle);
static void ngx_http_status_policy_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_status_policy_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_status_policy_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_status_policy_preconfiguration(ngx_conf_t *cf);


static ngx_conf_enum_t  ngx_http_status_policy_bodies[] = {
    { ngx_string("html"), NGX_HTTP_STATUS_POLICY_BODY_HTML },
    { ngx_string("json"), NGX_HTTP_STATUS_POLICY_BODY_JSON },
    { ngx_string("auto"), NGX_HTTP_STATUS_POLICY_BODY_AUTO },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_status_policy_upstream_404[] = {
    { ngx_string("nginx"), NGX_HTTP_STATUS_POLICY_UPSTREAM_404_NGINX },
    { ngx_string("pass"), NGX_HTTP_STATUS_POLICY_UPSTREAM_404_PASS },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_status_policy_soft404_modes[] = {
    { ngx_string("off"), NGX_HTTP_STATUS_POLICY_SOFT404_OFF },
    { ngx_string("log"), NGX_HTTP_STATUS_POLICY_SOFT404_LOG },
    { ngx_string("fix"), NGX_HTTP_STATUS_POLICY_SOFT404_FIX },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_status_policy_commands[] = {

    { ngx_string("status_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_status_policy_add_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_add_rules_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_inherit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, inherit),
      NULL },

    { ngx_string("status_policy_ignore_case"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, ignore_case),
      NULL },

    { ngx_string("status_policy_dry_run"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, dry_run),
      NULL },

    { ngx_string("status_drop_connection"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, drop_connection),
      NULL },

    { ngx_string("status_spike_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_set_spike_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_set_live_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_use"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_live_use,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_hits_state"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_status_policy_set_hits_state,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_spike"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_spike,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_report"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_report,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, body),
      &ngx_http_status_policy_bodies },

    { ngx_string("status_soft404"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, soft404),
      &ngx_http_status_policy_soft404_modes },

    { ngx_string("status_policy_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_set_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_mask"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_set_mask,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_mask_upstream_404"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, mask_upstream_404),
      &ngx_http_status_policy_upstream_404 },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_status_policy_module_ctx = {
    ngx_http_status_policy_preconfiguration,  /* preconfiguration */
    ngx_http_status_policy_setup,             /* postconfiguration */

    ngx_http_status_policy_create_main_conf,  /* create main configuration */
    NULL,                                     /* init main configuration */

    NULL,                                     /* create server configuration */
    NULL,                                     /* merge server configuration */

    ngx_http_status_policy_create_loc_conf,   /* create location configuration */
    ngx_http_status_policy_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_status_policy_module = {
    NGX_MODULE_V1,
    &ngx_http_status_policy_module_ctx,       /* module context */
    ngx_http_status_policy_commands,          /* module directives */
    NGX_HTTP_MODULE,                          /* module type */
    NULL,                                     /* init master */
    ngx_http_status_policy_init_module,       /* init module */
    ngx_http_status_policy_init_process,      /* init process */
    NULL,                                     /* init thread */
    NULL,                                     /* exit thread */
    ngx_http_status_policy_exit_process,      /* exit process */
    NULL,                                     /* exit master */
    NGX_MODULE_V1_PADDING
};


/* the cycle is committed: a reload that fails from now on cannot undo it */

static ngx_int_t
ngx_http_status_policy_init_module(ngx_cycle_t *cycle)
{
    ngx_http_status_policy_hits_commit(cycle);

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_status_policy_spike_init_process(cycle) != NGX_OK
        || ngx_http_status_policy_live_init_process(cycle) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_status_policy_hits_state_init_process(cycle);
}


static void
ngx_http_status_policy_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_status_policy_hits_state_exit_process(cycle);
    ngx_http_status_policy_live_exit_process(cycle);
}


static void *
ngx_http_status_policy_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&smcf->levels, cf->pool, 16,
                       sizeof(ngx_http_status_policy_loc_conf_t *))
        != NGX_OK
        || ngx_array_init(&smcf->spike_zones, cf->pool, 2,
                          sizeof(ngx_http_status_policy_spike_zone_t *))
           != NGX_OK
        || ngx_array_init(&smcf->spike_refs, cf->pool, 4,
                          sizeof(ngx_http_status_policy_spike_ref_t *))
           != NGX_OK
        || ngx_array_init(&smcf->shared_files, cf->pool, 4,
                          sizeof(ngx_http_status_policy_shared_file_t *))
           != NGX_OK
        || ngx_array_init(&smcf->rulesets, cf->pool, 8,
                          sizeof(ngx_http_status_policy_loc_conf_t *))
           != NGX_OK
        || ngx_array_init(&smcf->live_zones, cf->pool, 2,
                          sizeof(ngx_http_status_policy_live_zone_t *))
           != NGX_OK
        || ngx_array_init(&smcf->live_refs, cf->pool, 4,
                          sizeof(ngx_http_status_policy_live_ref_t *))
           != NGX_OK)
    {
        return NULL;
    }

    return smcf;
}


static void *
ngx_http_status_policy_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_status_policy_loc_conf_t   *conf, **level;
    ngx_http_status_policy_main_conf_t  *smcf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->rules = NULL;
     *     conf->live = NULL;
     *     conf->outer = NULL;
     *     conf->core = NULL;
     */

    conf->inherit = NGX_CONF_UNSET;
    conf->ignore_case = NGX_CONF_UNSET;
    conf->dry_run = NGX_CONF_UNSET;
    conf->drop_connection = NGX_CONF_UNSET;
    conf->mask = NGX_CONF_UNSET_PTR;
    conf->mask_upstream_404 = NGX_CONF_UNSET_UINT;
    conf->spike = NGX_CONF_UNSET_PTR;
    conf->report = NGX_CONF_UNSET;
    conf->api = NGX_CONF_UNSET;
    conf->body = NGX_CONF_UNSET_UINT;
    conf->soft404 = NGX_CONF_UNSET_UINT;
    conf->cache_codes = NGX_CONF_UNSET_PTR;
    conf->cache_time = NGX_CONF_UNSET;

    /*
     * Every level is noted for postconfiguration: nginx keeps no list of
     * its "if" and limit_except levels.  The http level is created before
     * its configuration context exists; setup.c takes it from there.
     */

    if (cf->cmd_type != NGX_MAIN_CONF) {
        smcf = ngx_http_conf_get_module_main_conf(cf,
                                                ngx_http_status_policy_module);

        level = ngx_array_push(&smcf->levels);
        if (level == NULL) {
            return NULL;
        }

        *level = conf;
    }

    return conf;
}


static char *
ngx_http_status_policy_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_status_policy_loc_conf_t  *prev = parent;
    ngx_http_status_policy_loc_conf_t  *conf = child;

    /* merging is the one moment nginx pairs a level with its core conf */

    conf->core = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    ngx_conf_merge_value(conf->ignore_case, prev->ignore_case, 0);
    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);
    ngx_conf_merge_value(conf->drop_connection, prev->drop_connection, 0);
    ngx_conf_merge_ptr_value(conf->mask, prev->mask, NULL);
    ngx_conf_merge_uint_value(conf->mask_upstream_404,
                              prev->mask_upstream_404,
                              NGX_HTTP_STATUS_POLICY_UPSTREAM_404_NGINX);
    ngx_conf_merge_ptr_value(conf->spike, prev->spike, NULL);
    /* an API answers JSON, its errors too, unless the level says else */

    if (conf->body == NGX_CONF_UNSET_UINT && conf->api != NGX_CONF_UNSET) {
        conf->body = NGX_HTTP_STATUS_POLICY_BODY_JSON;
    }

    ngx_conf_merge_uint_value(conf->body, prev->body,
                              NGX_HTTP_STATUS_POLICY_BODY_HTML);
    ngx_conf_merge_uint_value(conf->soft404, prev->soft404,
                              NGX_HTTP_STATUS_POLICY_SOFT404_OFF);

    if (conf->cache_codes == NGX_CONF_UNSET_PTR) {
        conf->cache_codes = prev->cache_codes;
        conf->cache_time = prev->cache_time;
    }

    if (conf->cache_codes == NGX_CONF_UNSET_PTR) {
        conf->cache_codes = NULL;
    }

    /*
     * "inherit" is not merged: it is a property of one level, telling
     * whether the walk goes on from that level to the one around it.
     */

    if (conf->inherit != 0) {
        conf->outer = (prev->rules || prev->live) ? prev : prev->outer;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_status_policy_add_variables(cf);
}
