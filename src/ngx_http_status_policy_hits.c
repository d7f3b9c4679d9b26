
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
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_hit_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
static ngx_int_t ngx_http_status_policy_hits_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_hits_init_test_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_hits_carry(
    ngx_http_status_policy_hits_zone_t *to,
    ngx_http_status_policy_hits_zone_t *from, ngx_log_t *log);
static ngx_inline uint64_t ngx_http_status_policy_mix(uint64_t fp,
    uint64_t v);
static int ngx_libc_cdecl ngx_http_status_policy_hits_cmp(const void *one,
    const void *two);


/*
 * The zone of the configuration nginx runs now: a new zone takes its
 * counts from it.  Set once a cycle is committed, so that a reload that
 * fails never becomes the source of the next one.
 */
static ngx_http_status_policy_hits_zone_t  *ngx_http_status_policy_committed;


ngx_int_t
ngx_http_status_policy_add_hits_zone(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t           size;
    uint64_t         fp;
    ngx_str_t        name;
    ngx_uint_t       i;
    ngx_shm_zone_t  *shm_zone;

    /*
     * nginx -t counts nothing: no rule identities (a pass over every rule
     * of every level) and no counters, only a zone so that the
     * configuration is checked as it will run.
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

    fp = 0xcbf29ce484222325ULL;

    for (i = 0; i < smcf->nrules; i++) {
        fp = ngx_http_status_policy_mix(fp, smcf->hit_ids[i]);
    }

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
                       * sizeof(ngx_http_status_policy_rule_hits_t),
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


/*
 * Every rule's identity, in rulesets order.  Identical rules at levels of
 * one name (the same file loaded by many servers) are told apart by their
 * ordinal, the first being 0: a table of the identities seen, with how
 * often, gives the ordinal at once.
 */

typedef struct {
    uint64_t    id;         /* with ordinal 0; 0 marks a free slot */
    uint32_t    seen;
} ngx_http_status_policy_id_seen_t;


static ngx_int_t
ngx_http_status_policy_hit_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t                               n, cap, slot;
    uint32_t                             k;
    uint64_t                             id;
    sp_str_t                             key;
    ngx_uint_t                           i, r;
    sp_rule_info_t                       info;
    ngx_http_status_policy_id_seen_t    *seen;
    ngx_http_status_policy_loc_conf_t  **level;

    smcf->hit_ids = ngx_palloc(cf->pool, smcf->nrules * sizeof(uint64_t));
    if (smcf->hit_ids == NULL) {
        return NGX_ERROR;
    }

    for (cap = 16; cap < 2 * smcf->nrules; cap *= 2) { /* void */ }

    seen = ngx_alloc(cap * sizeof(ngx_http_status_policy_id_seen_t), cf->log);
    if (seen == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(seen, cap * sizeof(ngx_http_status_policy_id_seen_t));

    level = smcf->rulesets.elts;
    r = 0;

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        ngx_http_status_policy_level_key(level[i], &key);
        n = sp_ruleset_count(level[i]->rules);

        for (k = 0; k < n; k++, r++) {
            if (sp_ruleset_rule(level[i]->rules, k, &info) != SP_OK) {
                ngx_free(seen);
                return NGX_ERROR;
            }

            /* 0 marks a free slot of the table */

            id = sp_rule_identity(key, &info, 0);
            id = id ? id : 1;

            for (slot = id & (cap - 1);
                 seen[slot].id && seen[slot].id != id;
                 slot = (slot + 1) & (cap - 1))
            { /* void */ }

            if (seen[slot].id == 0) {
                seen[slot].id = id;
                smcf->hit_ids[r] = id;

            } else {
                smcf->hit_ids[r] = sp_rule_identity(key, &info,
                                                    seen[slot].seen);
            }

            seen[slot].seen++;
        }
    }

    ngx_free(seen);

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_hits_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_uint_t                           i;
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

    zone = ngx_slab_calloc(shpool,
                           offsetof(ngx_http_status_policy_hits_zone_t, rule)
                           + smcf->nrules
                             * sizeof(ngx_http_status_policy_rule_hits_t));
    if (zone == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "status_policy: no memory for the hit counters "
                      "of %ui rules", smcf->nrules);
        return NGX_ERROR;
    }

    zone->nrules = smcf->nrules;
    zone->started = ngx_time();

    for (i = 0; i < smcf->nrules; i++) {
        zone->rule[i].id = smcf->hit_ids[i];
    }

    shpool->data = zone;
    smcf->hits = zone;

    /* nobody counts in the new zone yet: the master may fill it */

    if (ngx_http_status_policy_committed) {
        return ngx_http_status_policy_hits_carry(zone,
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


/* the counts of the rules both zones know, read from the committed one */

static ngx_int_t
ngx_http_status_policy_hits_carry(ngx_http_status_policy_hits_zone_t *to,
    ngx_http_status_policy_hits_zone_t *from, ngx_log_t *log)
{
    size_t       cap, slot;
    uint32_t    *index;
    uint64_t     id;
    ngx_uint_t   i;

    to->started = from->started;

    /* an open-addressing index of the committed zone: slot -> rule + 1 */

    for (cap = 16; cap < 2 * from->nrules; cap *= 2) { /* void */ }

    index = ngx_alloc(cap * sizeof(uint32_t), log);
    if (index == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(index, cap * sizeof(uint32_t));

    for (i = 0; i < from->nrules; i++) {
        for (slot = from->rule[i].id & (cap - 1);
             index[slot];
             slot = (slot + 1) & (cap - 1))
        { /* void */ }

        index[slot] = i + 1;
    }

    for (i = 0; i < to->nrules; i++) {
        id = to->rule[i].id;

        for (slot = id & (cap - 1);
             index[slot] && from->rule[index[slot] - 1].id != id;
             slot = (slot + 1) & (cap - 1))
        { /* void */ }

        if (index[slot]) {
            to->rule[i].hits = from->rule[index[slot] - 1].hits;
            to->rule[i].first = from->rule[index[slot] - 1].first;
            to->rule[i].last = from->rule[index[slot] - 1].last;
        }
    }

    ngx_free(index);

    return NGX_OK;
}


/* called once a cycle is committed (init_module) */

void
ngx_http_status_policy_hits_commit(ngx_cycle_t *cycle)
{
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    ngx_http_status_policy_committed = smcf ? smcf->hits : NULL;
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
    time_t                               now;
    ngx_http_status_policy_rule_hits_t  *hit;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    if (smcf->hits == NULL) {
        return;
    }

    hit = &smcf->hits->rule[level->hits_base + rule];
    now = ngx_time();

    (void) ngx_atomic_fetch_add(&hit->hits, 1);

    if (hit->last != (ngx_atomic_uint_t) now) {
        hit->last = now;
    }

    if (hit->first == 0) {
        (void) ngx_atomic_cmp_set(&hit->first, 0, now);
    }
}


/* The rules that have been hit, most hit first, at most max of them. */

ngx_int_t
ngx_http_status_policy_hits_top(ngx_http_request_t *r, size_t max,
    ngx_http_status_policy_hits_summary_t *summary)
{
    size_t                               count, hit_rules;
    uint32_t                             k;
    ngx_uint_t                           i;
    ngx_http_status_policy_hit_t        *hit;
    ngx_http_status_policy_rule_hits_t  *counter;
    ngx_http_status_policy_loc_conf_t  **level;
    ngx_http_status_policy_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    ngx_memzero(summary, sizeof(ngx_http_status_policy_hits_summary_t));

    if (smcf->hits == NULL) {
        return NGX_OK;
    }

    summary->total = smcf->nrules;
    summary->since = smcf->hits->started;

    hit_rules = 0;

    for (i = 0; i < smcf->nrules; i++) {
        if (smcf->hits->rule[i].hits) {
            hit_rules++;
        }
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
        for (k = 0;
             k < sp_ruleset_count(level[i]->rules) && count < hit_rules;
             k++)
        {
            counter = &smcf->hits->rule[level[i]->hits_base + k];

            if (counter->hits) {
                hit[count].level = level[i];
                hit[count].rule = k;
                hit[count].hits.hits = counter->hits;
                hit[count].hits.first = counter->first;
                hit[count].hits.last = counter->last;
                count++;
            }
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
