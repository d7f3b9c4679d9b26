
/*
 * ngx_http_status_policy_module: a hit counter for every rule, in shared
 * memory so that all workers add to the same counts, listed for
 * status_policy_report.
 *
 * A counter belongs to what its rule is (sp_rule_identity()), not to its
 * place.  The zone is named after the rules in order: a reload that
 * leaves them as they were keeps the zone, and the counts go on.  One
 * that changes them gets a new zone, into which the master copies the
 * counts of every rule the committed zone knows; a rule that is new or
 * changed starts at zero.  The old workers finish in the old zone, which
 * the master only reads, and a reload that fails leaves it as it was.
 * At start the counts come from status_policy_hits_state, if set.
 *
 * Memory follows the rules, not the levels: one rules file at many
 * servers keeps one identity prefix per rule, and a counter's page is
 * only written once one of its rules is hit.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_hits_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_hits_init_test_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_hits_carry(
    ngx_http_status_policy_main_conf_t *to,
    ngx_http_status_policy_main_conf_t *from, ngx_log_t *log);
static ngx_uint_t ngx_http_status_policy_next_touched(
    ngx_http_status_policy_hits_zone_t *zone, ngx_uint_t i, ngx_uint_t end);
static int ngx_libc_cdecl ngx_http_status_policy_hits_cmp(const void *one,
    const void *two);


/*
 * The zone of the configuration nginx runs now, with the rules it counts
 * for: a new zone takes its counts from it.  Set once a cycle is
 * committed, so that a reload that fails never becomes the source of the
 * next one.
 */
static ngx_http_status_policy_main_conf_t  *ngx_http_status_policy_committed;


ngx_int_t
ngx_http_status_policy_add_hits_zone(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t           size;
    uint64_t         fp;
    ngx_str_t        name;
    ngx_shm_zone_t  *shm_zone;

    /*
     * nginx -t counts nothing: no rule identities (a pass over every rule)
     * and no counters, only a zone so that the configuration is checked
     * as it will run.
     */

    if (ngx_test_config) {
        ngx_str_set(&name, "status_policy_rule_hits:test");

        shm_zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                         &ngx_http_status_policy_module);
        if (shm_zone == NULL) {
            return NGX_ERROR;
        }

        shm_zone->init = ngx_http_status_policy_hits_init_test_zone;

        return NGX_OK;
    }

    if (ngx_http_status_policy_hit_ids(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    fp = ngx_http_status_policy_rules_fp(smcf);

    /* spike zone names cannot hold ':', so this is the module's own */

    name.data = ngx_pnalloc(cf->pool, sizeof("status_policy_rule_hits::")
                                      + NGX_INT_T_LEN + 16);
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    name.len = ngx_sprintf(name.data, "status_policy_rule_hits:%ui:%016uxL",
                           smcf->nrules, fp)
               - name.data;

    /*
     * The counters take whole pages; the slab pool keeps a page
     * descriptor for each page, and a few pages for itself.
     */

    size = ngx_align(offsetof(ngx_http_status_policy_hits_zone_t, rule)
                     + smcf->nrules
                       * sizeof(ngx_http_status_policy_rule_hits_t)
                     + smcf->nrules / NGX_HTTP_STATUS_POLICY_HITS_CHUNK + 1,
                     ngx_pagesize);
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
    size_t                               nchunks;
    ngx_slab_pool_t                     *shpool;
    ngx_http_status_policy_hits_zone_t  *zone;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data) {
        /* a reload with the same rules: the same counters, counting on */
        smcf->hits = shpool->data;
        return NGX_OK;
    }

    /*
     * A new zone is fresh anonymous memory, all zeros, of which the slab
     * pool has written only its own pages: the counters are not cleared,
     * so that the pages of rules never hit are never touched.
     */

    nchunks = smcf->nrules / NGX_HTTP_STATUS_POLICY_HITS_CHUNK + 1;

    zone = ngx_slab_alloc(shpool,
                          offsetof(ngx_http_status_policy_hits_zone_t, rule)
                          + smcf->nrules
                            * sizeof(ngx_http_status_policy_rule_hits_t)
                          + nchunks);
    if (zone == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "status_policy: no memory for the hit counters "
                      "of %ui rules", smcf->nrules);
        return NGX_ERROR;
    }

    zone->nrules = smcf->nrules;
    zone->started = ngx_time();
    zone->touched = (u_char *) &zone->rule[smcf->nrules];
    ngx_memzero(zone->touched, nchunks);

    shpool->data = zone;
    smcf->hits = zone;

    /* nobody counts in the new zone yet: the master may fill it */

    if (ngx_http_status_policy_committed) {
        return ngx_http_status_policy_hits_carry(smcf,
                   ngx_http_status_policy_committed, shm_zone->shm.log);
    }

    if (smcf->state_file.len && !ngx_test_config) {
        ngx_http_status_policy_hits_state_load(smcf, shm_zone->shm.log);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_hits_init_test_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    return NGX_OK;
}


/*
 * The counts of the rules both configurations have, read from the
 * committed zone: an index of the rules it counted, then a pass over
 * the new rules.
 */

static ngx_int_t
ngx_http_status_policy_hits_carry(ngx_http_status_policy_main_conf_t *to,
    ngx_http_status_policy_main_conf_t *from, ngx_log_t *log)
{
    size_t                               n, counted;
    uint32_t                             k;
    uint64_t                             id;
    ngx_uint_t                           i, c, end;
    sp_rule_hits_t                       hits;
    ngx_http_status_policy_id_slot_t    *slot;
    ngx_http_status_policy_id_table_t    index;
    ngx_http_status_policy_loc_conf_t  **level;

    to->hits->started = from->hits->started;

    counted = 0;

    for (c = ngx_http_status_policy_next_touched(from->hits, 0, from->nrules);
         c < from->nrules;
         c = ngx_http_status_policy_next_touched(from->hits, c + 1,
                                                 from->nrules))
    {
        counted += (from->hits->rule[c].hits != 0);
    }

    if (counted == 0) {
        return NGX_OK;
    }

    if (ngx_http_status_policy_id_table_init(&index, counted, log) != NGX_OK) {
        return NGX_ERROR;
    }

    level = from->rulesets.elts;

    for (i = 0; i < from->rulesets.nelts; i++) {
        end = level[i]->hits_base + sp_ruleset_count(level[i]->rules);

        for (c = ngx_http_status_policy_next_touched(from->hits,
                                                     level[i]->hits_base, end);
             c < end;
             c = ngx_http_status_policy_next_touched(from->hits, c + 1, end))
        {
            if (from->hits->rule[c].hits == 0) {
                continue;
            }

            id = ngx_http_status_policy_hit_id(level[i],
                                      (uint32_t) (c - level[i]->hits_base));
            slot = ngx_http_status_policy_id_slot(&index, id);
            slot->id = id;
            slot->value = (uint32_t) c;
        }
    }

    level = to->rulesets.elts;

    for (i = 0; i < to->rulesets.nelts; i++) {
        n = sp_ruleset_count(level[i]->rules);

        for (k = 0; k < n; k++) {
            slot = ngx_http_status_policy_id_slot(&index,
                       ngx_http_status_policy_hit_id(level[i], k));

            if (slot->id) {
                ngx_http_status_policy_hits_get(from->hits, slot->value,
                                                &hits);
                ngx_http_status_policy_hits_set(to->hits,
                                                level[i]->hits_base + k,
                                                &hits);
            }
        }
    }

    ngx_free(index.slot);

    return NGX_OK;
}


/* called once a cycle is committed (init_module) */

void
ngx_http_status_policy_hits_commit(ngx_cycle_t *cycle)
{
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    ngx_http_status_policy_committed = (smcf && smcf->hits) ? smcf : NULL;
}


/* the first counter at or after i, before end, that a hit has touched */

static ngx_uint_t
ngx_http_status_policy_next_touched(ngx_http_status_policy_hits_zone_t *zone,
    ngx_uint_t i, ngx_uint_t end)
{
    while (i < end && !zone->touched[i / NGX_HTTP_STATUS_POLICY_HITS_CHUNK]) {
        i = (i / NGX_HTTP_STATUS_POLICY_HITS_CHUNK + 1)
            * NGX_HTTP_STATUS_POLICY_HITS_CHUNK;
    }

    return ngx_min(i, end);
}


void
ngx_http_status_policy_count_hit(ngx_http_request_t *r,
    ngx_http_status_policy_loc_conf_t *level, uint32_t rule)
{
    time_t                               now;
    u_char                              *touched;
    ngx_uint_t                           i;
    ngx_http_status_policy_rule_hits_t  *hit;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    if (smcf->hits == NULL) {
        return;
    }

    i = level->hits_base + rule;
    hit = &smcf->hits->rule[i];
    now = ngx_time();

    (void) ngx_atomic_fetch_add(&hit->hits, 1);

    if (hit->last != (ngx_atomic_uint_t) now) {
        hit->last = now;
    }

    if (hit->first == 0) {
        (void) ngx_atomic_cmp_set(&hit->first, 0, now);
    }

    /* after the count: a report that misses the flag misses one hit */

    touched = &smcf->hits->touched[i / NGX_HTTP_STATUS_POLICY_HITS_CHUNK];

    if (*touched == 0) {
        *touched = 1;
    }
}


/* The rules that have been hit, most hit first, at most max of them. */

ngx_int_t
ngx_http_status_policy_hits_top(ngx_http_request_t *r, size_t max,
    ngx_http_status_policy_hits_summary_t *summary)
{
    size_t                               count, hit_rules;
    ngx_uint_t                           i, c, end;
    ngx_http_status_policy_hit_t        *hit;
    ngx_http_status_policy_hits_zone_t  *zone;
    ngx_http_status_policy_loc_conf_t  **level;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    ngx_memzero(summary, sizeof(ngx_http_status_policy_hits_summary_t));

    zone = smcf->hits;

    if (zone == NULL) {
        return NGX_OK;
    }

    summary->total = smcf->nrules;
    summary->since = zone->started;

    hit_rules = 0;

    for (c = ngx_http_status_policy_next_touched(zone, 0, smcf->nrules);
         c < smcf->nrules;
         c = ngx_http_status_policy_next_touched(zone, c + 1, smcf->nrules))
    {
        hit_rules += (zone->rule[c].hits != 0);
    }

    summary->never_hit = smcf->nrules - hit_rules;

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
        end = level[i]->hits_base + sp_ruleset_count(level[i]->rules);

        for (c = ngx_http_status_policy_next_touched(zone,
                                                     level[i]->hits_base, end);
             c < end && count < hit_rules;
             c = ngx_http_status_policy_next_touched(zone, c + 1, end))
        {
            if (zone->rule[c].hits == 0) {
                continue;
            }

            hit[count].level = level[i];
            hit[count].rule = (uint32_t) (c - level[i]->hits_base);
            ngx_http_status_policy_hits_get(zone, c, &hit[count].hits);
            count++;
        }
    }

    ngx_qsort(hit, count, sizeof(ngx_http_status_policy_hit_t),
              ngx_http_status_policy_hits_cmp);

    summary->top = hit;
    summary->ntop = ngx_min(count, max);

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_status_policy_hits_cmp(const void *one, const void *two)
{
    const ngx_http_status_policy_hit_t  *a = one, *b = two;

    if (a->hits.hits != b->hits.hits) {
        return a->hits.hits > b->hits.hits ? -1 : 1;
    }

    /* equal counts: configuration order */

    if (a->level != b->level) {
        return a->level->hits_base < b->level->hits_base ? -1 : 1;
    }

    return a->rule < b->rule ? -1 : (a->rule > b->rule);
}
