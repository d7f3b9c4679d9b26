
/*
 * ngx_http_status_policy_module: a hit counter for every rule, in shared
 * memory so that all workers add to the same counts, listed for
 * status_policy_report.
 *
 * A counter is known by its rule's number, so the zone is named after
 * the rules (their number and a fingerprint of each level's codes,
 * modifiers, patterns and targets in order): a reload that leaves them as
 * they were keeps the zone and the counts go on; one that changes them
 * gets a new zone, counted from zero, while the old workers finish in the
 * old one.  Nothing of a kept zone is written before its configuration
 * is committed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_hits_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static uint64_t ngx_http_status_policy_hits_fingerprint(
    ngx_http_status_policy_main_conf_t *smcf);
static ngx_inline uint64_t ngx_http_status_policy_mix(uint64_t fp,
    uint64_t v);
static int ngx_libc_cdecl ngx_http_status_policy_hits_cmp(const void *one,
    const void *two);


ngx_int_t
ngx_http_status_policy_add_hits_zone(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t           size;
    ngx_str_t        name;
    ngx_shm_zone_t  *shm_zone;

    /* spike zone names cannot hold ':', so this is the module's own */

    name.data = ngx_pnalloc(cf->pool, sizeof("status_policy_rule_hits::")
                                      + NGX_INT_T_LEN + 16);
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    name.len = ngx_sprintf(name.data, "status_policy_rule_hits:%ui:%016uxL",
                           smcf->nrules,
                           ngx_http_status_policy_hits_fingerprint(smcf))
               - name.data;

    /*
     * The counters take whole pages; the slab pool keeps a page
     * descriptor for each page, and a few pages for itself.
     */

    size = ngx_align(smcf->nrules * sizeof(ngx_atomic_t), ngx_pagesize);
    size += ngx_align(size / ngx_pagesize * sizeof(ngx_slab_page_t),
                      ngx_pagesize)
            + 8 * ngx_pagesize;

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_status_policy_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_status_policy_hits_init_zone;
    shm_zone->data = smcf;

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_hits_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                               size;
    ngx_slab_pool_t                     *shpool;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    size = smcf->nrules * sizeof(ngx_atomic_t);

    if (data) {
        /* a reload with the same rules: the same counters, counting on */
        smcf->hits = shpool->data;
        return NGX_OK;
    }

    smcf->hits = ngx_slab_calloc(shpool, size);
    if (smcf->hits == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "status_policy: no memory for the hit counters "
                      "of %ui rules", smcf->nrules);
        return NGX_ERROR;
    }

    shpool->data = (void *) smcf->hits;

    return NGX_OK;
}


/* what the rules' numbers stand for */

static uint64_t
ngx_http_status_policy_hits_fingerprint(
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t                               n;
    uint32_t                             k;
    uint64_t                             fp;
    ngx_uint_t                           i;
    sp_rule_info_t                       info;
    ngx_http_status_policy_loc_conf_t  **level;

    level = smcf->rulesets.elts;
    fp = 0xcbf29ce484222325ULL;

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        n = sp_ruleset_count(level[i]->rules);
        fp = ngx_http_status_policy_mix(fp, n);

        for (k = 0; k < n; k++) {
            if (sp_ruleset_rule(level[i]->rules, k, &info) != SP_OK) {
                continue;
            }

            fp = ngx_http_status_policy_mix(fp, info.code);
            fp = ngx_http_status_policy_mix(fp, info.kind);
            fp = ngx_http_status_policy_mix(fp,
                     ngx_murmur_hash2((u_char *) info.pattern.data,
                                      info.pattern.len));
            fp = ngx_http_status_policy_mix(fp,
                     ngx_murmur_hash2((u_char *) info.target.data,
                                      info.target.len));
        }
    }

    return fp;
}


/* one step of FNV-1a over a whole value */

static ngx_inline uint64_t
ngx_http_status_policy_mix(uint64_t fp, uint64_t v)
{
    return (fp ^ v) * 0x100000001b3ULL;
}


void
ngx_http_status_policy_count_hit(ngx_http_request_t *r,
    ngx_http_status_policy_loc_conf_t *level, uint32_t rule)
{
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    if (smcf->hits) {
        (void) ngx_atomic_fetch_add(&smcf->hits[level->hits_base + rule], 1);
    }
}


/* The rules that have been hit, most hit first, at most max of them. */

ngx_int_t
ngx_http_status_policy_hits_top(ngx_http_request_t *r, size_t max,
    ngx_http_status_policy_hit_t **top, size_t *n)
{
    size_t                               count, hit_rules;
    uint32_t                             k;
    uint64_t                             hits;
    ngx_uint_t                           i;
    ngx_http_status_policy_hit_t        *hit;
    ngx_http_status_policy_loc_conf_t  **level;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    *top = NULL;
    *n = 0;

    if (smcf->hits == NULL) {
        return NGX_OK;
    }

    hit_rules = 0;

    for (i = 0; i < smcf->nrules; i++) {
        if (smcf->hits[i]) {
            hit_rules++;
        }
    }

    if (hit_rules == 0) {
        return NGX_OK;
    }

    hit = ngx_palloc(r->pool, hit_rules * sizeof(ngx_http_status_policy_hit_t));
    if (hit == NULL) {
        return NGX_ERROR;
    }

    /* counts may grow meanwhile, never past the rules counted above */

    level = smcf->rulesets.elts;
    count = 0;

    for (i = 0; i < smcf->rulesets.nelts && count < hit_rules; i++) {
        for (k = 0;
             k < sp_ruleset_count(level[i]->rules) && count < hit_rules;
             k++)
        {
            hits = smcf->hits[level[i]->hits_base + k];

            if (hits) {
                hit[count].level = level[i];
                hit[count].rule = k;
                hit[count].hits = hits;
                count++;
            }
        }
    }

    ngx_qsort(hit, count, sizeof(ngx_http_status_policy_hit_t),
              ngx_http_status_policy_hits_cmp);

    *top = hit;
    *n = ngx_min(count, max);

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_status_policy_hits_cmp(const void *one, const void *two)
{
    const ngx_http_status_policy_hit_t  *a = one, *b = two;

    if (a->hits != b->hits) {
        return a->hits > b->hits ? -1 : 1;
    }

    /* equal counts: configuration order */

    if (a->level != b->level) {
        return a->level->hits_base < b->level->hits_base ? -1 : 1;
    }

    return a->rule < b->rule ? -1 : (a->rule > b->rule);
}
