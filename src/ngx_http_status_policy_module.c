
/*
 * ngx_http_status_policy_module: directives, configuration merging and
 * registration of the phase handler.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static void *ngx_http_status_policy_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_status_policy_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_status_policy_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_status_policy_compile(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
static sp_ruleset_t *ngx_http_status_policy_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
static void ngx_http_status_policy_free_rules(void *data);
static char *ngx_http_status_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_status_policy_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_status_policy_filter_enum(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_status_policy_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_status_policy_init(ngx_conf_t *cf);


static ngx_conf_enum_t  ngx_http_status_policy_bodies[] = {
    { ngx_string("html"), NGX_HTTP_STATUS_POLICY_BODY_HTML },
    { ngx_string("json"), NGX_HTTP_STATUS_POLICY_BODY_JSON },
    { ngx_string("auto"), NGX_HTTP_STATUS_POLICY_BODY_AUTO },
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
      ngx_http_status_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_file,
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
      ngx_http_status_policy_drop_connection,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, drop_connection),
      NULL },

    { ngx_string("status_spike_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_spike_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_spike"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_spike,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_report"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_status_policy_report,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_policy_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_filter_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, body),
      &ngx_http_status_policy_bodies },

    { ngx_string("status_soft404"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_status_policy_filter_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_status_policy_loc_conf_t, soft404),
      &ngx_http_status_policy_soft404_modes },

    { ngx_string("status_policy_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("status_mask"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_status_policy_mask,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_status_policy_module_ctx = {
    ngx_http_status_policy_preconfiguration,  /* preconfiguration */
    ngx_http_status_policy_init,              /* postconfiguration */

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
    NULL,                                     /* init module */
    ngx_http_status_policy_spike_init_process, /* init process */
    NULL,                                     /* init thread */
    NULL,                                     /* exit thread */
    NULL,                                     /* exit process */
    NULL,                                     /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_status_policy_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_main_conf_t));
}


static void *
ngx_http_status_policy_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_status_policy_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->rules = NULL;
     *     conf->outer = NULL;
     *     conf->compiled = 0;
     */

    conf->inherit = NGX_CONF_UNSET;
    conf->ignore_case = NGX_CONF_UNSET;
    conf->dry_run = NGX_CONF_UNSET;
    conf->drop_connection = NGX_CONF_UNSET;
    conf->mask = NGX_CONF_UNSET_PTR;
    conf->spike = NGX_CONF_UNSET_PTR;
    conf->report = NGX_CONF_UNSET;
    conf->body = NGX_CONF_UNSET_UINT;
    conf->soft404 = NGX_CONF_UNSET_UINT;
    conf->cache_codes = NGX_CONF_UNSET_PTR;
    conf->cache_time = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_status_policy_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_status_policy_loc_conf_t  *prev = parent;
    ngx_http_status_policy_loc_conf_t  *conf = child;

    ngx_conf_merge_value(conf->ignore_case, prev->ignore_case, 0);
    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);
    ngx_conf_merge_value(conf->drop_connection, prev->drop_connection, 0);
    ngx_conf_merge_ptr_value(conf->spike, prev->spike, NULL);
    ngx_conf_merge_uint_value(conf->body, prev->body,
                              NGX_HTTP_STATUS_POLICY_BODY_HTML);

    if (conf->cache_codes == NGX_CONF_UNSET_PTR) {
        conf->cache_codes = prev->cache_codes;
        conf->cache_time = prev->cache_time;
    }

    if (conf->cache_codes == NGX_CONF_UNSET_PTR) {
        conf->cache_codes = NULL;
    }

    if (ngx_http_status_policy_merge_soft404(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_status_policy_merge_mask(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /*
     * "inherit" is not merged: it is a property of one level, telling
     * whether the walk goes on from that level to the one around it.
     */

    /* the http level is never a child, so it is compiled here */

    if (ngx_http_status_policy_compile(cf, prev) != NGX_OK
        || ngx_http_status_policy_compile(cf, conf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->inherit != 0) {
        conf->outer = prev->rules ? prev : prev->outer;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_compile(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    u_char                                err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    ngx_http_status_policy_loc_conf_t   **level;
    ngx_http_status_policy_main_conf_t   *smcf;

    if (lcf->rules == NULL || lcf->compiled) {
        return NGX_OK;
    }

    if (sp_ruleset_compile(lcf->rules, lcf->ignore_case == 1,
                           (char *) err, sizeof(err))
        != SP_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "status_policy: %s", err);
        return NGX_ERROR;
    }

    lcf->compiled = 1;

    /* the level's rules get hit counters after those of earlier levels */

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    if (smcf->rulesets.elts == NULL
        && ngx_array_init(&smcf->rulesets, cf->pool, 8,
                          sizeof(ngx_http_status_policy_loc_conf_t *))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    level = ngx_array_push(&smcf->rulesets);
    if (level == NULL) {
        return NGX_ERROR;
    }

    *level = lcf;
    lcf->hits_base = smcf->nrules;
    smcf->nrules += sp_ruleset_count(lcf->rules);

    return NGX_OK;
}


static sp_ruleset_t *
ngx_http_status_policy_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    ngx_pool_cleanup_t                  *cln;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (lcf->rules) {
        return lcf->rules;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);
    smcf->enabled = 1;

    /* the core allocates outside nginx's pools: free with the cycle */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    lcf->rules = sp_ruleset_create();
    if (lcf->rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy: out of memory");
        return NULL;
    }

    cln->handler = ngx_http_status_policy_free_rules;
    cln->data = lcf->rules;

    return lcf->rules;
}


static void
ngx_http_status_policy_free_rules(void *data)
{
    sp_ruleset_destroy(data);
}


static char *
ngx_http_status_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    u_char         err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    sp_str_t      *args, source;
    ngx_str_t     *value;
    ngx_uint_t     i, n;
    sp_ruleset_t  *rules;

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    args = ngx_palloc(cf->temp_pool, n * sizeof(sp_str_t));
    if (args == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        args[i].data = (const char *) value[i + 1].data;
        args[i].len = value[i + 1].len;
    }

    rules = ngx_http_status_policy_rules(cf, lcf);
    if (rules == NULL) {
        return NGX_CONF_ERROR;
    }

    source.data = (const char *) cf->conf_file->file.name.data;
    source.len = cf->conf_file->file.name.len;

    if (sp_ruleset_add(rules, args, n, source, cf->conf_file->line,
                       (char *) err, sizeof(err))
        != SP_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "status_policy: %s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_status_policy_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    u_char         err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    sp_str_t       path;
    ngx_str_t     *value, name;
    sp_ruleset_t  *rules;

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rules = ngx_http_status_policy_rules(cf, lcf);
    if (rules == NULL) {
        return NGX_CONF_ERROR;
    }

    path.data = (const char *) name.data;
    path.len = name.len;

    if (sp_ruleset_add_file(rules, path, (char *) err, sizeof(err))
        != SP_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "status_policy_file: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_status_policy_filter_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                              *p, list[128];
    ngx_str_t                           *value;
    ngx_uint_t                           i;
    ngx_conf_enum_t                     *e;
    ngx_http_status_policy_main_conf_t  *smcf;

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len; i++) {
        if (e[i].name.len == value[1].len
            && ngx_strcmp(e[i].name.data, value[1].data) == 0)
        {
            break;
        }
    }

    if (e[i].name.len == 0) {

        /* nginx's own message does not say what is expected */

        p = list;

        for (i = 0; e[i].name.len; i++) {
            p = ngx_slprintf(p, list + sizeof(list), "%s%V",
                             i == 0 ? "" : (e[i + 1].name.len ? ", " : " or "),
                             &e[i].name);
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V: invalid value \"%V\", expected %*s",
                           &cmd->name, &value[1], p - list, list);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_set_enum_slot(cf, cmd, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* status_policy_body and status_soft404: anything but html or off */

    if (e[i].value != 0) {
        smcf = ngx_http_conf_get_module_main_conf(cf,
                                                ngx_http_status_policy_module);

        /* the filters, and the rewrite handler that tells error pages */
        smcf->filters = 1;
        smcf->enabled = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_status_policy_add_variables(cf);
}


static ngx_int_t
ngx_http_status_policy_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt                 *h;
    ngx_http_core_main_conf_t           *cmcf;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    if (smcf->spike_refs.nelts) {
        if (ngx_http_status_policy_spike_resolve(cf, smcf) != NGX_OK) {
            return NGX_ERROR;
        }

        h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_status_policy_spike_handler;

        /* the rewrite handler keeps the path the client asked for */
        smcf->enabled = 1;
    }

    if (smcf->drops) {
        h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_status_policy_drop_handler;
    }

    if (!smcf->enabled) {
        return NGX_OK;
    }

    if (smcf->nrules && ngx_http_status_policy_hits_zone(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /*
     * Handlers added later run earlier within a phase: as a dynamic
     * module, this one runs before the location's rewrite and return.
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_status_policy_handler;

    if (smcf->filters) {
        return ngx_http_status_policy_init_filters(cf);
    }

    return NGX_OK;
}


/* whether a list of codes (ngx_uint_t) from a directive holds a code */

ngx_flag_t
ngx_http_status_policy_code_listed(ngx_array_t *codes, ngx_uint_t code)
{
    ngx_uint_t   i, *c;

    c = codes->elts;

    for (i = 0; i < codes->nelts; i++) {
        if (c[i] == code) {
            return 1;
        }
    }

    return 0;
}
