
/*
 * ngx_http_status_policy_module: the rule sets of the levels.
 *
 * A level whose only rules are one status_policy_file shares that file's
 * rule set with every other such level: a policy file included by
 * hundreds of servers is read, parsed and compiled once (per
 * status_policy_ignore_case value), and stored once in every worker.
 * Each level keeps its own hit counters.  A shared set is never changed:
 * a level that adds rules to it gets its own copy first.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_load_shared(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, ngx_str_t *name);
static ngx_int_t ngx_http_status_policy_read_file(ngx_conf_t *cf,
    sp_ruleset_t *rules, ngx_str_t *name);
static sp_ruleset_t *ngx_http_status_policy_new_rules(ngx_conf_t *cf);
static void ngx_http_status_policy_free_rules(void *data);


/* The level's own rule set, to add to: created, or copied from a shared one. */

sp_ruleset_t *
ngx_http_status_policy_own_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    sp_ruleset_t  *rules;

    if (lcf->rules && lcf->shared == NULL) {
        return lcf->rules;
    }

    rules = ngx_http_status_policy_new_rules(cf);
    if (rules == NULL) {
        return NULL;
    }

    /* a shared file was read and checked once already */

    if (lcf->shared
        && ngx_http_status_policy_read_file(cf, rules, &lcf->shared->path)
           != NGX_OK)
    {
        return NULL;
    }

    lcf->rules = rules;
    lcf->shared = NULL;

    return rules;
}


/*
 * status_policy_file: a level's first file may be shared with other
 * levels; any later one makes the level's rules its own.
 */

ngx_int_t
ngx_http_status_policy_add_file(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, ngx_str_t *name)
{
    sp_ruleset_t  *rules;

    if (lcf->rules == NULL) {
        return ngx_http_status_policy_load_shared(cf, lcf, name);
    }

    rules = ngx_http_status_policy_own_rules(cf, lcf);
    if (rules == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_status_policy_read_file(cf, rules, name);
}


/*
 * The first rules of a level, from one file: the set another level made
 * of the same file, or a new one that later levels may share.
 */

static ngx_int_t
ngx_http_status_policy_load_shared(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, ngx_str_t *name)
{
    ngx_uint_t                              i;
    sp_ruleset_t                           *rules;
    ngx_file_info_t                         fi;
    ngx_http_status_policy_main_conf_t     *smcf;
    ngx_http_status_policy_shared_file_t   *shared, **files, **pushed;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    /* ngx_conf_full_name() leaves the name NUL-terminated */

    if (ngx_file_info(name->data, &fi) != NGX_FILE_ERROR) {
        files = smcf->shared_files.elts;

        for (i = 0; i < smcf->shared_files.nelts; i++) {
            shared = files[i];

            if (shared->dev == fi.st_dev && shared->ino == fi.st_ino
                && shared->size == fi.st_size
                && shared->mtime == fi.st_mtime)
            {
                lcf->rules = shared->rules;
                lcf->shared = shared;
                return NGX_OK;
            }
        }
    }

    rules = ngx_http_status_policy_new_rules(cf);
    if (rules == NULL
        || ngx_http_status_policy_read_file(cf, rules, name) != NGX_OK)
    {
        return NGX_ERROR;
    }

    lcf->rules = rules;

    /* a file that could not be looked at first is this level's alone */

    if (ngx_file_info(name->data, &fi) == NGX_FILE_ERROR) {
        return NGX_OK;
    }

    shared = ngx_palloc(cf->pool, sizeof(ngx_http_status_policy_shared_file_t));
    pushed = ngx_array_push(&smcf->shared_files);

    if (shared == NULL || pushed == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_file: out of memory");
        return NGX_ERROR;
    }

    *pushed = shared;

    shared->dev = fi.st_dev;
    shared->ino = fi.st_ino;
    shared->size = fi.st_size;
    shared->mtime = fi.st_mtime;
    shared->path = *name;
    shared->rules = rules;
    shared->ignore_case = -1;

    lcf->shared = shared;

    return NGX_OK;
}


/*
 * A level's rules compiled with its status_policy_ignore_case; a shared
 * set once, unless levels sharing it differ in that, when a level gets
 * its own copy.
 */

ngx_int_t
ngx_http_status_policy_compile_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, u_char *err, size_t err_size)
{
    ngx_int_t                              ignore_case;
    ngx_http_status_policy_shared_file_t  *shared;

    /* the http level is not merged: its ignore_case may be unset */

    ignore_case = (lcf->ignore_case == 1);
    shared = lcf->shared;

    if (shared && shared->ignore_case == ignore_case) {
        return NGX_OK;
    }

    if (shared && shared->ignore_case != -1) {
        if (ngx_http_status_policy_own_rules(cf, lcf) == NULL) {
            ngx_cpystrn(err, (u_char *) "out of memory", err_size);
            return NGX_ERROR;
        }

        shared = NULL;
    }

    /* nginx -t checks the rules; it never matches with them */

    if (ngx_test_config) {
        sp_ruleset_check_only(lcf->rules);
    }

    if (sp_ruleset_compile(lcf->rules, ignore_case, (char *) err, err_size)
        != SP_OK)
    {
        return NGX_ERROR;
    }

    if (shared) {
        shared->ignore_case = ignore_case;
    }

    return NGX_OK;
}


/* a rules file into a rule set, its errors as nginx -t shows them */

static ngx_int_t
ngx_http_status_policy_read_file(ngx_conf_t *cf, sp_ruleset_t *rules,
    ngx_str_t *name)
{
    u_char    err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    sp_str_t  path;

    path.data = (const char *) name->data;
    path.len = name->len;

    if (sp_ruleset_add_file(rules, path, (char *) err, sizeof(err)) != SP_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "status_policy_file: %s",
                           err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the core allocates outside nginx's pools: free with the cycle */

static sp_ruleset_t *
ngx_http_status_policy_new_rules(ngx_conf_t *cf)
{
    sp_ruleset_t        *rules;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    rules = sp_ruleset_create();
    if (rules == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy: out of memory");
        return NULL;
    }

    cln->handler = ngx_http_status_policy_free_rules;
    cln->data = rules;

    return rules;
}


static void
ngx_http_status_policy_free_rules(void *data)
{
    sp_ruleset_destroy(data);
}
