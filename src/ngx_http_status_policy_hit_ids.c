
/*
 * ngx_http_status_policy_module: what each rule's hit counter is known
 * by across reloads and restarts (sp_rule_identity()), and a counter
 * read or set by the master.
 *
 * A rule's identity is its level's name, the rule, and an ordinal: how
 * many identical rules at levels of the same name come before it.  The
 * levels of one name with one rule set (the same rules file at many
 * servers) form a group: one identity prefix per rule serves them all,
 * and a level's ordinal is its place in the group.  Where a rule repeats
 * across groups or within one, the ordinals are counted rule by rule and
 * the group's levels keep their identities, as every level once did.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_http_status_policy_id_group_t *ngx_http_status_policy_find_group(
    ngx_array_t *shared, ngx_http_status_policy_loc_conf_t *lcf);
static ngx_http_status_policy_id_group_t *ngx_http_status_policy_new_group(
    ngx_conf_t *cf, ngx_http_status_policy_loc_conf_t *lcf);
static ngx_int_t ngx_http_status_policy_find_repeats(ngx_array_t *groups,
    size_t total, ngx_log_t *log);
static ngx_int_t ngx_http_status_policy_repeated_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
static ngx_inline uint64_t ngx_http_status_policy_nonzero(uint64_t id);
static ngx_inline uint64_t ngx_http_status_policy_mix(uint64_t fp,
    uint64_t v);


/* every level's group, and the identities of repeated groups' levels */

ngx_int_t
ngx_http_status_policy_hit_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t                               total;
    ngx_uint_t                           i;
    ngx_array_t                          groups, shared;
    ngx_http_status_policy_id_group_t   *group, **pushed;
    ngx_http_status_policy_loc_conf_t  **level;

    if (ngx_array_init(&groups, cf->temp_pool, 8, sizeof(void *)) != NGX_OK
        || ngx_array_init(&shared, cf->temp_pool, 8, sizeof(void *))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    level = smcf->rulesets.elts;
    total = 0;

    for (i = 0; i < smcf->rulesets.nelts; i++) {

        /* a level's own rules are its alone: only shared ones are looked up */

        group = level[i]->shared
                ? ngx_http_status_policy_find_group(&shared, level[i])
                : NULL;

        if (group == NULL) {
            group = ngx_http_status_policy_new_group(cf, level[i]);
            if (group == NULL) {
                return NGX_ERROR;
            }

            pushed = ngx_array_push(&groups);
            if (pushed == NULL) {
                return NGX_ERROR;
            }

            *pushed = group;
            total += sp_ruleset_count(group->rules);

            if (level[i]->shared) {
                pushed = ngx_array_push(&shared);
                if (pushed == NULL) {
                    return NGX_ERROR;
                }

                *pushed = group;
            }
        }

        level[i]->id_group = group;
        level[i]->id_ordinal = group->levels++;
    }

    if (ngx_http_status_policy_find_repeats(&groups, total, cf->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_status_policy_repeated_ids(cf, smcf);
}


/* the group of shared rules with lcf's name and rules, NULL if none yet */

static ngx_http_status_policy_id_group_t *
ngx_http_status_policy_find_group(ngx_array_t *shared,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    sp_str_t                             key;
    ngx_uint_t                           i;
    ngx_http_status_policy_id_group_t  **known;

    ngx_http_status_policy_level_key(lcf, &key);
    known = shared->elts;

    for (i = 0; i < shared->nelts; i++) {
        if (known[i]->rules == lcf->rules
            && known[i]->key.len == key.len
            && ngx_strncmp(known[i]->key.data, key.data, key.len) == 0)
        {
            return known[i];
        }
    }

    return NULL;
}


/* a group for lcf's rules, with each rule's identity prefix */

static ngx_http_status_policy_id_group_t *
ngx_http_status_policy_new_group(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf)
{
    size_t                               n;
    uint32_t                             k;
    sp_str_t                             key;
    sp_rule_info_t                       info;
    ngx_http_status_policy_id_group_t   *group;

    ngx_http_status_policy_level_key(lcf, &key);

    n = sp_ruleset_count(lcf->rules);

    group = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_id_group_t));
    if (group == NULL) {
        return NULL;
    }

    group->prefix = ngx_palloc(cf->pool, (n ? n : 1) * sizeof(uint64_t));
    if (group->prefix == NULL) {
        return NULL;
    }

    group->rules = lcf->rules;
    group->key = key;
    group->fp = n;

    for (k = 0; k < n; k++) {
        if (sp_ruleset_rule(lcf->rules, k, &info) != SP_OK) {
            return NULL;
        }

        group->prefix[k] = sp_rule_identity_prefix(key, &info);
        group->fp = ngx_http_status_policy_mix(group->fp, group->prefix[k]);
    }

    return group;
}


/* the groups holding a rule that another group, or another copy, holds */

static ngx_int_t
ngx_http_status_policy_find_repeats(ngx_array_t *groups, size_t total,
    ngx_log_t *log)
{
    size_t                                n;
    uint32_t                              k;
    uint64_t                              id;
    ngx_uint_t                            i;
    ngx_http_status_policy_id_slot_t     *slot;
    ngx_http_status_policy_id_group_t   **group;
    ngx_http_status_policy_id_table_t     seen;

    if (ngx_http_status_policy_id_table_init(&seen, total, log) != NGX_OK) {
        return NGX_ERROR;
    }

    group = groups->elts;

    for (i = 0; i < groups->nelts; i++) {
        n = sp_ruleset_count(group[i]->rules);

        for (k = 0; k < n; k++) {
            id = ngx_http_status_policy_nonzero(
                     sp_rule_identity_of(group[i]->prefix[k], 0));
            slot = ngx_http_status_policy_id_slot(&seen, id);

            if (slot->id == 0) {
                slot->id = id;
                slot->value = (uint32_t) i;
                continue;
            }

            group[slot->value]->repeated = 1;
            group[i]->repeated = 1;
        }
    }

    ngx_free(seen.slot);

    return NGX_OK;
}


/* the identities of a repeated group's levels, counted rule by rule */

static ngx_int_t
ngx_http_status_policy_repeated_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    size_t                               n, total;
    uint32_t                             k;
    uint64_t                             id, *prefix;
    ngx_uint_t                           i;
    ngx_http_status_policy_id_slot_t    *slot;
    ngx_http_status_policy_id_table_t    seen;
    ngx_http_status_policy_loc_conf_t  **level;

    level = smcf->rulesets.elts;
    total = 0;

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        if (level[i]->id_group->repeated) {
            total += sp_ruleset_count(level[i]->rules);
        }
    }

    if (total == 0) {
        return NGX_OK;
    }

    if (ngx_http_status_policy_id_table_init(&seen, total, cf->log) != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        if (!level[i]->id_group->repeated) {
            continue;
        }

        n = sp_ruleset_count(level[i]->rules);
        prefix = level[i]->id_group->prefix;

        level[i]->hit_ids = ngx_palloc(cf->pool, (n ? n : 1) * sizeof(uint64_t));
        if (level[i]->hit_ids == NULL) {
            ngx_free(seen.slot);
            return NGX_ERROR;
        }

        for (k = 0; k < n; k++) {
            id = ngx_http_status_policy_nonzero(
                     sp_rule_identity_of(prefix[k], 0));
            slot = ngx_http_status_policy_id_slot(&seen, id);

            if (slot->id == 0) {
                slot->id = id;
                level[i]->hit_ids[k] = id;

            } else {
                level[i]->hit_ids[k] = ngx_http_status_policy_nonzero(
                    sp_rule_identity_of(prefix[k], slot->value));
            }

            slot->value++;
        }
    }

    ngx_free(seen.slot);

    return NGX_OK;
}


uint64_t
ngx_http_status_policy_hit_id(ngx_http_status_policy_loc_conf_t *level,
    uint32_t rule)
{
    if (level->hit_ids) {
        return level->hit_ids[rule];
    }

    return ngx_http_status_policy_nonzero(
               sp_rule_identity_of(level->id_group->prefix[rule],
                                   (unsigned) level->id_ordinal));
}


/*
 * The rules in order, as a number: what every identity is made of, so
 * that the same rules give the same zone.
 */

uint64_t
ngx_http_status_policy_rules_fp(ngx_http_status_policy_main_conf_t *smcf)
{
    size_t                               n;
    uint32_t                             k;
    uint64_t                             fp;
    ngx_uint_t                           i;
    ngx_http_status_policy_loc_conf_t  **level;

    fp = 0xcbf29ce484222325ULL;
    level = smcf->rulesets.elts;

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        n = sp_ruleset_count(level[i]->rules);

        if (level[i]->hit_ids) {
            for (k = 0; k < n; k++) {
                fp = ngx_http_status_policy_mix(fp, level[i]->hit_ids[k]);
            }

            continue;
        }

        fp = ngx_http_status_policy_mix(fp, level[i]->id_group->fp);
        fp = ngx_http_status_policy_mix(fp, level[i]->id_ordinal);
    }

    return fp;
}


/* An open-addressing table of rule identities, each with a number. */

ngx_int_t
ngx_http_status_policy_id_table_init(ngx_http_status_policy_id_table_t *t,
    size_t n, ngx_log_t *log)
{
    size_t  cap;

    for (cap = 16; cap < 2 * n; cap *= 2) { /* void */ }

    t->slot = ngx_calloc(cap * sizeof(ngx_http_status_policy_id_slot_t), log);
    if (t->slot == NULL) {
        return NGX_ERROR;
    }

    t->mask = cap - 1;

    return NGX_OK;
}


/* the slot holding id, or the free slot it would take */

ngx_http_status_policy_id_slot_t *
ngx_http_status_policy_id_slot(ngx_http_status_policy_id_table_t *t,
    uint64_t id)
{
    size_t  s;

    for (s = id & t->mask;
         t->slot[s].id && t->slot[s].id != id;
         s = (s + 1) & t->mask)
    { /* void */ }

    return &t->slot[s];
}


/* identities are never 0, the free slot's mark */

static ngx_inline uint64_t
ngx_http_status_policy_nonzero(uint64_t id)
{
    return id ? id : 1;
}


void
ngx_http_status_policy_hits_get(ngx_http_status_policy_hits_zone_t *zone,
    ngx_uint_t i, sp_rule_hits_t *hits)
{
    if (!zone->touched[i / NGX_HTTP_STATUS_POLICY_HITS_CHUNK]) {
        ngx_memzero(hits, sizeof(sp_rule_hits_t));
        return;
    }

    hits->hits = zone->rule[i].hits;
    hits->first = (int64_t) zone->rule[i].first;
    hits->last = (int64_t) zone->rule[i].last;
}


/* in the master, into a zone nobody counts in yet */

void
ngx_http_status_policy_hits_set(ngx_http_status_policy_hits_zone_t *zone,
    ngx_uint_t i, sp_rule_hits_t *hits)
{
    if (hits->hits == 0) {
        return;
    }

    zone->rule[i].hits = (ngx_atomic_uint_t) hits->hits;
    zone->rule[i].first = (ngx_atomic_uint_t) hits->first;
    zone->rule[i].last = (ngx_atomic_uint_t) hits->last;
    zone->touched[i / NGX_HTTP_STATUS_POLICY_HITS_CHUNK] = 1;
}


/* one step of FNV-1a over a whole value */

static ngx_inline uint64_t
ngx_http_status_policy_mix(uint64_t fp, uint64_t v)
{
    return (fp ^ v) * 0x100000001b3ULL;
}
