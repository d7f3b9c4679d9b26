
/*
 * ngx_http_status_policy_module: postconfiguration.  With every level
 * merged, it compiles the rule sets and numbers their hit counters,
 * resolves the spike zones, adjusts the error_page lists that masking and
 * status_soft404 need, and installs only the handlers and filters that
 * some level uses.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_compile(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
static void ngx_http_status_policy_log_engine(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
static ngx_int_t ngx_http_status_policy_resolve_spikes(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
static ngx_int_t ngx_http_status_policy_error_pages(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
static void ngx_http_status_policy_warn_mask(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
static ngx_flag_t ngx_http_status_policy_filters_needed(
    ngx_http_status_policy_loc_conf_t *lcf);
static ngx_int_t ngx_http_status_policy_add_handler(ngx_conf_t *cf,
    ngx_uint_t phase, ngx_http_handler_pt handler);


ngx_int_t
ngx_http_status_policy_setup(ngx_conf_t *cf)
{
    ngx_uint_t                           i;
    ngx_flag_t                           filters, drops, masks;
    ngx_http_status_policy_loc_conf_t  **level;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    if (ngx_http_status_policy_compile(cf, smcf) != NGX_OK
        || ngx_http_status_policy_resolve_spikes(cf, smcf) != NGX_OK
        || ngx_http_status_policy_resolve_live(cf, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    filters = 0;
    drops = 0;
    masks = 0;
    level = smcf->levels.elts;

    for (i = 0; i < smcf->levels.nelts; i++) {

        /* levels never merged serve no request */

        if (level[i]->core == NULL) {
            continue;
        }

        if (ngx_http_status_policy_error_pages(cf, level[i]) != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_http_status_policy_warn_mask(cf, level[i]);

        filters |= ngx_http_status_policy_filters_needed(level[i]);
        drops |= (level[i]->drop_connection == 1);
        masks |= (level[i]->mask != NULL);
    }

    if (smcf->spike_refs.nelts
        && ngx_http_status_policy_add_handler(cf, NGX_HTTP_LOG_PHASE,
                                       ngx_http_status_policy_spike_handler)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (drops
        && ngx_http_status_policy_add_handler(cf, NGX_HTTP_LOG_PHASE,
                                        ngx_http_status_policy_drop_handler)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

#if (NGX_HTTP_V3)
    if (drops
        && ngx_http_status_policy_add_handler(cf, NGX_HTTP_POST_READ_PHASE,
                                  ngx_http_status_policy_quic_closing_handler)
           != NGX_OK)
    {
        return NGX_ERROR;
    }
#endif

    /*
     * The rewrite handler enforces the rules; it also notes the path the
     * client asked for, for the spike zones, and how each location was
     * entered, for the filters.
     */

    if (smcf->rulesets.nelts == 0 && smcf->spike_refs.nelts == 0
        && smcf->live_refs.nelts == 0 && !filters)
    {
        return NGX_OK;
    }

    if (smcf->nrules
        && ngx_http_status_policy_add_hits_zone(cf, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * Handlers added later run earlier within a phase: placed after
     * nginx's own HTTP modules (config), this one runs before the
     * location's rewrite and return.
     */

    if (ngx_http_status_policy_add_handler(cf, NGX_HTTP_REWRITE_PHASE,
                                           ngx_http_status_policy_handler)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* masked locations let an "Expect: 100-continue" go at the content */

    if (masks
        && ngx_http_status_policy_add_handler(cf, NGX_HTTP_PRECONTENT_PHASE,
                               ngx_http_status_policy_mask_expect_handler)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (filters) {
        return ngx_http_status_policy_init_filters(cf);
    }

    return NGX_OK;
}


/*
 * Every level with rules, in configuration order (the http level, then
 * each server and its locations as they are written, outer before
 * inner): compiled, listed, and its rules given hit counters after those
 * of the levels before it.
 */

static ngx_int_t
ngx_http_status_policy_compile(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    u_char                              err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    ngx_uint_t                          i;
    ngx_http_status_policy_loc_conf_t  *lcf, **level, **listed;

    level = smcf->levels.elts;

    for (i = 0; i <= smcf->levels.nelts; i++) {

        lcf = (i == 0) ? ngx_http_conf_get_module_loc_conf(cf,
                                                ngx_http_status_policy_module)
                       : level[i - 1];

        if (lcf->rules == NULL) {
            continue;
        }

        if (ngx_http_status_policy_compile_rules(cf, lcf, err, sizeof(err))
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "status_policy: %s",
                               err);
            return NGX_ERROR;
        }

        ngx_http_status_policy_log_engine(cf, lcf);

        listed = ngx_array_push(&smcf->rulesets);
        if (listed == NULL) {
            return NGX_ERROR;
        }

        *listed = lcf;

        lcf->hits_base = smcf->nrules;
        smcf->nrules += sp_ruleset_count(lcf->rules);
    }

    return NGX_OK;
}


/* which engine a level's regexes run on, for the operator (info) */

static void
ngx_http_status_policy_log_engine(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    size_t     regexes, scanned;
    sp_str_t   key;

    regexes = sp_ruleset_regex_count(lcf->rules);

    if (regexes == 0) {
        return;
    }

    ngx_http_status_policy_level_key(lcf, &key);
    scanned = sp_ruleset_vectorscan_count(lcf->rules);

    if (scanned) {
        ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                      "status_policy: %uz regex rules of \"%*s\": %uz "
                      "scanned in one pass with Vectorscan, %uz on PCRE2",
                      regexes, key.len, key.data, scanned, regexes - scanned);

    } else if (sp_ruleset_chose_vectorscan(lcf->rules)) {
        ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                      "status_policy: %uz regex rules of \"%*s\": "
                      "Vectorscan (its database is built when nginx "
                      "starts, not by nginx -t)", regexes, key.len,
                      key.data);

    } else if (sp_vectorscan_untrusted()) {
        ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                      "status_policy: %uz regex rules of \"%*s\": PCRE2, "
                      "in order (Vectorscan %s misses matches the module "
                      "checks for, and is not used)", regexes, key.len,
                      key.data, sp_vectorscan_untrusted());

    } else {
        ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                      "status_policy: %uz regex rules of \"%*s\": PCRE2, "
                      "in order", regexes, key.len, key.data);
    }
}


/* "status_spike NAME" may come before the zone's status_spike_zone */

static ngx_int_t
ngx_http_status_policy_resolve_spikes(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    ngx_uint_t                             i, j;
    ngx_http_status_policy_spike_ref_t   **ref;
    ngx_http_status_policy_spike_zone_t  **zone;

    ref = smcf->spike_refs.elts;
    zone = smcf->spike_zones.elts;

    for (i = 0; i < smcf->spike_refs.nelts; i++) {

        for (j = 0; j < smcf->spike_zones.nelts; j++) {
            if (zone[j]->name.len == ref[i]->name.len
                && ngx_strncmp(zone[j]->name.data, ref[i]->name.data,
                               ref[i]->name.len)
                   == 0)
            {
                ref[i]->zone = zone[j];
                break;
            }
        }

        if (ref[i]->zone == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "status_spike: unknown zone \"%V\" in %V:%ui",
                          &ref[i]->name, &ref[i]->file, ref[i]->line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * A level's error_page list, as masking and status_soft404 need it:
 *
 * - a masked code must not reach its own error_page, which would take
 *   the request to another location or answer it as the masked code:
 *   its entries are left out;
 * - "status_soft404 fix" makes "error_page 404 = /target" keep the 404,
 *   as "error_page 404 =404 /target" would.
 *
 * The list may be shared with other levels, so a changed one is a copy.
 */

static ngx_int_t
ngx_http_status_policy_error_pages(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    ngx_uint_t                 i, masked;
    ngx_flag_t                 fix;
    ngx_array_t               *pages;
    ngx_http_err_page_t       *err_page, *soft, *page;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = lcf->core;

    if (clcf->error_pages == NULL) {
        return NGX_OK;
    }

    err_page = clcf->error_pages->elts;
    soft = NULL;

    /* the "=" form, without a code, has overwrite 0 */

    for (i = 0;
         lcf->soft404 != NGX_HTTP_STATUS_POLICY_SOFT404_OFF
         && i < clcf->error_pages->nelts;
         i++)
    {
        if (err_page[i].status == NGX_HTTP_NOT_FOUND
            && err_page[i].overwrite == 0)
        {
            soft = &err_page[i];
            break;
        }
    }

    if (soft) {
        lcf->soft404_page = 1;

        /* a static URI target is recognized by its URI; others are not */

        if (soft->value.lengths == NULL && soft->value.value.len
            && soft->value.value.data[0] == '/')
        {
            lcf->soft404_target = soft->value.value;
        }
    }

    fix = (soft && lcf->soft404 == NGX_HTTP_STATUS_POLICY_SOFT404_FIX);
    masked = 0;

    for (i = 0; lcf->mask && i < clcf->error_pages->nelts; i++) {
        masked += ngx_http_status_policy_code_listed(lcf->mask,
                                                     err_page[i].status);
    }

    if (!fix && masked == 0) {
        return NGX_OK;
    }

    pages = ngx_array_create(cf->pool, clcf->error_pages->nelts - masked + 1,
                             sizeof(ngx_http_err_page_t));
    if (pages == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < clcf->error_pages->nelts; i++) {

        if (lcf->mask
            && ngx_http_status_policy_code_listed(lcf->mask,
                                                  err_page[i].status))
        {
            continue;
        }

        page = ngx_array_push(pages);
        if (page == NULL) {
            return NGX_ERROR;
        }

        *page = err_page[i];

        if (fix && &err_page[i] == soft) {
            page->overwrite = NGX_HTTP_NOT_FOUND;
        }
    }

    clcf->error_pages = pages;

    return NGX_OK;
}


/* whether a merged level needs the response pipeline */

/*
 * A masked location whose content comes from a module (proxy_pass and the
 * like) with "status_mask_upstream_404 pass": the upstream's own 404 and a
 * masked 403 (nginx's 404) can be told apart.
 */

static void
ngx_http_status_policy_warn_mask(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    if (lcf->mask == NULL || lcf->core->handler == NULL
        || lcf->mask_upstream_404 != NGX_HTTP_STATUS_POLICY_UPSTREAM_404_PASS)
    {
        return;
    }

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "status_mask in location \"%V\" with "
                       "\"status_mask_upstream_404 pass\": the upstream's "
                       "own 404 pages can be told apart from masked "
                       "answers, which are nginx's", &lcf->core->name);
}


static ngx_flag_t
ngx_http_status_policy_filters_needed(ngx_http_status_policy_loc_conf_t *lcf)
{
    return lcf->mask != NULL
           || lcf->body != NGX_HTTP_STATUS_POLICY_BODY_HTML
           || lcf->soft404 != NGX_HTTP_STATUS_POLICY_SOFT404_OFF
           || lcf->cache_codes != NULL;
}


static ngx_int_t
ngx_http_status_policy_add_handler(ngx_conf_t *cf, ngx_uint_t phase,
    ngx_http_handler_pt handler)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[phase].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = handler;

    return NGX_OK;
}
