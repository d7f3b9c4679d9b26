
/*
 * ngx_http_status_policy_module: the directive handlers.  Each one checks
 * its arguments and sets its own level's configuration; what the module
 * installs follows from the merged levels at postconfiguration.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


typedef ngx_int_t (*ngx_http_status_policy_code_pt)(ngx_conf_t *cf,
    ngx_str_t *token, ngx_int_t code, ngx_array_t *codes);


static ngx_int_t ngx_http_status_policy_mask_code(ngx_conf_t *cf,
    ngx_str_t *token, ngx_int_t code, ngx_array_t *codes);
static ngx_int_t ngx_http_status_policy_cache_code(ngx_conf_t *cf,
    ngx_str_t *token, ngx_int_t code, ngx_array_t *codes);
static char *ngx_http_status_policy_code_list(ngx_conf_t *cf,
    ngx_array_t **codes, ngx_uint_t ntail,
    ngx_http_status_policy_code_pt check);


char *
ngx_http_status_policy_add_rule(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
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

    rules = ngx_http_status_policy_own_rules(cf, lcf);
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


char *
ngx_http_status_policy_add_rules_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t  *value, name;

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_status_policy_add_file(cf, lcf, &name) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* ngx_conf_set_enum_slot(), with an error that lists the values */

char *
ngx_http_status_policy_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char           *p, list[128];
    ngx_str_t        *value;
    ngx_uint_t        i;
    ngx_conf_enum_t  *e;

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len; i++) {
        if (e[i].name.len == value[1].len
            && ngx_strcmp(e[i].name.data, value[1].data) == 0)
        {
            return ngx_conf_set_enum_slot(cf, cmd, conf);
        }
    }

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


char *
ngx_http_status_policy_set_mask(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    return ngx_http_status_policy_code_list(cf, &lcf->mask, 0,
                                            ngx_http_status_policy_mask_code);
}


static ngx_int_t
ngx_http_status_policy_mask_code(ngx_conf_t *cf, ngx_str_t *token,
    ngx_int_t code, ngx_array_t *codes)
{
    if (code == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_mask: invalid status code \"%V\"", token);
        return NGX_ERROR;
    }

    if (code < 400 || code > 499 || code == NGX_HTTP_NOT_FOUND
        || code == NGX_HTTP_CLOSE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_mask: status code %i cannot be masked: "
                           "only 4xx codes other than 404 and 444 can", code);
        return NGX_ERROR;
    }

    if (ngx_http_status_policy_code_listed(codes, code)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_mask: status code %i is listed twice",
                           code);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* "status_policy_cache CODE ... TIME" or "status_policy_cache off" */

char *
ngx_http_status_policy_set_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    char       *rv;
    ngx_str_t  *value;

    rv = ngx_http_status_policy_code_list(cf, &lcf->cache_codes, 1,
                                          ngx_http_status_policy_cache_code);

    if (rv != NGX_CONF_OK || lcf->cache_codes == NULL) {
        return rv;
    }

    if (cf->args->nelts < 3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: expected CODE ... TIME "
                           "or off");
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    lcf->cache_time = ngx_parse_time(&value[cf->args->nelts - 1], 1);

    if (lcf->cache_time == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: invalid time \"%V\"",
                           &value[cf->args->nelts - 1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_cache_code(ngx_conf_t *cf, ngx_str_t *token,
    ngx_int_t code, ngx_array_t *codes)
{
    if (code == NGX_ERROR || code < 300 || code > 599
        || code == NGX_HTTP_CLOSE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: invalid status code \"%V\", "
                           "expected 300-599", token);
        return NGX_ERROR;
    }

    /* "410 410" is most likely a typo for another code */

    if (ngx_http_status_policy_code_listed(codes, code)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_cache: status code \"%V\" is "
                           "given twice", token);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A directive's list of codes, "off", or, set already, a duplicate.  The
 * codes are the arguments but the last ntail ones; check() refuses those
 * the directive does not take, with its own message.
 */

static char *
ngx_http_status_policy_code_list(ngx_conf_t *cf, ngx_array_t **codes,
    ngx_uint_t ntail, ngx_http_status_policy_code_pt check)
{
    ngx_int_t    code;
    ngx_str_t   *value;
    ngx_uint_t   i, n, *c;

    if (*codes != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        *codes = NULL;
        return NGX_CONF_OK;
    }

    n = (cf->args->nelts - 1 > ntail) ? cf->args->nelts - 1 - ntail : 0;

    *codes = ngx_array_create(cf->pool, n + 1, sizeof(ngx_uint_t));
    if (*codes == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i <= n; i++) {

        code = ngx_http_status_policy_parse_code(&value[i]);

        if (check(cf, &value[i], code, *codes) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        c = ngx_array_push(*codes);
        if (c == NULL) {
            return NGX_CONF_ERROR;
        }

        *c = code;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_status_policy_set_spike(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t                           *value;
    ngx_http_status_policy_spike_ref_t  *ref, **rp;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (lcf->spike != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        lcf->spike = NULL;
        return NGX_CONF_OK;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    /* zones may be defined after their use: resolved at postconfiguration */

    ref = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_spike_ref_t));
    if (ref == NULL) {
        return NGX_CONF_ERROR;
    }

    ref->name = value[1];
    ref->file = cf->conf_file->file.name;
    ref->line = cf->conf_file->line;

    rp = ngx_array_push(&smcf->spike_refs);
    if (rp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rp = ref;
    lcf->spike = ref;

    return NGX_CONF_OK;
}


char *
ngx_http_status_policy_set_report(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->report != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    lcf->report = -1;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "json") == 0) {
            lcf->report = SP_REPORT_JSON;

        } else if (ngx_strcmp(value[1].data, "prometheus") == 0) {
            lcf->report = SP_REPORT_PROMETHEUS;

        } else if (ngx_strcmp(value[1].data, "html") == 0) {
            lcf->report = SP_REPORT_HTML;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_policy_report: invalid format \"%V\", "
                               "expected json, prometheus or html",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_status_policy_report_handler;

    return NGX_CONF_OK;
}
