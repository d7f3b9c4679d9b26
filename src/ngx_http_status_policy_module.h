
/*
 * ngx_http_status_policy_module: the types its C files share, and their
 * functions grouped by the file that defines them.
 *
 * Calls point one way, from configuration down to the small helpers at
 * the end of this header; tools/call-graph shows the graph and fails on
 * any circle.
 */


#ifndef _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_
#define _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "status_policy_core.h"


#define NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE  1024
#define NGX_HTTP_STATUS_POLICY_SPIKE_CODES  SP_SPIKE_CODES


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

#define NGX_HTTP_STATUS_POLICY_UPSTREAM_404_NGINX  0
#define NGX_HTTP_STATUS_POLICY_UPSTREAM_404_PASS   1

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
    ngx_slab_pool_t                    *shpool;
    void                               *block;
    size_t                              block_size;
    sp_spike_config_t                   cfg;
    uint64_t                            history_ms;   /* as configured */
    ngx_array_t                         codes;        /* of ngx_uint_t */
} ngx_http_status_policy_spike_zone_t;


/* A status_spike NAME, resolved to its zone once all zones are known. */
typedef struct {
    ngx_str_t                           name;
    ngx_str_t                           file;
    ngx_uint_t                          line;
    ngx_http_status_policy_spike_zone_t  *zone;
} ngx_http_status_policy_spike_ref_t;


typedef struct ngx_http_status_policy_loc_conf_s
    ngx_http_status_policy_loc_conf_t;


/* the worker processes that may read a live zone at once without its lock */
#define NGX_HTTP_STATUS_POLICY_LIVE_READERS  128

/* generations replaced while a worker still read them, freed later */
#define NGX_HTTP_STATUS_POLICY_LIVE_RETIRED  32


/*
 * A live zone's shared state.  The published generation is one offset,
 * stored at once: every lookup reads either the old rules or the new.  A
 * worker marks the generation it reads in its slot, so that a replaced
 * one is freed only once nobody reads it.
 */
typedef struct {
    ngx_atomic_t                        current;      /* offset, 0: none */
    ngx_atomic_t                        changes;      /* writes published */
    ngx_atomic_t                        saved;        /* changes on disk */
    ngx_atomic_t                        changed;      /* time of the last */
    ngx_atomic_t                        saved_at;     /* time of the save */
    ngx_atomic_t                        saver;        /* pid writing state */
    ngx_atomic_t                        pid[NGX_HTTP_STATUS_POLICY_LIVE_READERS];
    ngx_atomic_t                        reading[NGX_HTTP_STATUS_POLICY_LIVE_READERS];
    ngx_atomic_t                        retired[NGX_HTTP_STATUS_POLICY_LIVE_RETIRED];
    ngx_atomic_t                        whole;        /* pid writing it all */
} ngx_http_status_policy_live_shm_t;


/* status_policy_zone */
typedef struct {
    ngx_str_t                           name;
    ngx_str_t                           state;        /* NUL-terminated */
    ngx_shm_zone_t                     *shm_zone;
    ngx_slab_pool_t                    *shpool;
    ngx_http_status_policy_live_shm_t  *sh;
    ngx_int_t                           slot;         /* this process's, -1 */
    ngx_int_t                           wslot;        /* its API writes' */
    ngx_flag_t                          writing;      /* one at a time */
    void                               *whole;        /* written meanwhile */
    ngx_event_t                         save;         /* the state timer */
} ngx_http_status_policy_live_zone_t;


/* status_policy_use NAME, resolved at postconfiguration */
typedef struct {
    ngx_str_t                           name;
    ngx_str_t                           source;       /* "zone:NAME" */
    ngx_str_t                           file;
    ngx_uint_t                          line;
    ngx_http_status_policy_live_zone_t *zone;
} ngx_http_status_policy_live_ref_t;


/*
 * A rules file that levels load alone, parsed and compiled once for all
 * of them (rulesets.c): the same file (device, inode, size, time) with
 * the same status_policy_ignore_case.
 */
typedef struct {
    dev_t                               dev;
    ino_t                               ino;
    off_t                               size;
    time_t                              mtime;
    ngx_str_t                           path;
    sp_ruleset_t                       *rules;
    ngx_int_t                           ignore_case;  /* -1: not compiled */
} ngx_http_status_policy_shared_file_t;


/*
 * One rule's counter.  What the rule is (sp_rule_identity()) is worked out
 * from the rule when a count is carried or saved, not kept beside it.
 */
typedef struct {
    ngx_atomic_t                        hits;
    ngx_atomic_t                        first;        /* time_t, 0 if never */
    ngx_atomic_t                        last;
} ngx_http_status_policy_rule_hits_t;


/*
 * The counters are read a chunk at a time, and only the chunks a hit has
 * touched: the pages of rules never hit are never written or read.
 */
#define NGX_HTTP_STATUS_POLICY_HITS_CHUNK  128


/* The hit counter zone: a counter for each rule, in rulesets order. */
typedef struct {
    time_t                              started;      /* the counts began */
    ngx_uint_t                          nrules;
    u_char                             *touched;      /* a flag per chunk */
    ngx_http_status_policy_rule_hits_t  rule[1];
} ngx_http_status_policy_hits_zone_t;


/*
 * The levels of one name (sp_rule_identity()'s level) with one rule set:
 * the same rules file at many servers.  Their rules' identities differ
 * only in the ordinal, the level's place in the group, so one prefix per
 * rule serves them all.  Where a rule is also in another group of the
 * name, or twice in this one, ordinals are counted rule by rule and each
 * level keeps its identities ("repeated").
 */
typedef struct {
    sp_ruleset_t                       *rules;
    sp_str_t                            key;
    uint64_t                           *prefix;       /* for each rule */
    uint64_t                            fp;
    ngx_uint_t                          levels;
    ngx_flag_t                          repeated;
} ngx_http_status_policy_id_group_t;


/* An open-addressing table of rule identities, each with a number. */
typedef struct {
    uint64_t    id;         /* 0 marks a free slot */
    uint32_t    value;
} ngx_http_status_policy_id_slot_t;


typedef struct {
    ngx_http_status_policy_id_slot_t  *slot;
    size_t                             mask;
} ngx_http_status_policy_id_table_t;


typedef struct {
    /* every level's configuration but the http level's, in creation order */
    ngx_array_t                         levels;       /* of loc conf pointers */

    ngx_array_t                         spike_zones;  /* of zone pointers */
    ngx_array_t                         spike_refs;   /* of ref pointers */

    /* the rules files levels load alone, each parsed once */
    ngx_array_t                         shared_files; /* of pointers */

    /* every level with rules, and a hit counter per rule in shared memory */
    ngx_array_t                         rulesets;     /* of loc conf pointers */
    ngx_uint_t                          nrules;
    ngx_http_status_policy_hits_zone_t *hits;

    /* status_policy_zone */
    ngx_array_t                         live_zones;   /* of zone pointers */
    ngx_array_t                         live_refs;    /* of ref pointers */

    /* status_policy_hits_state: the file (NUL-terminated) and interval */
    ngx_str_t                           state_file;
    ngx_msec_t                          state_interval;
} ngx_http_status_policy_main_conf_t;


struct ngx_http_status_policy_loc_conf_s {
    /* rules written at this level, NULL if none */
    sp_ruleset_t                       *rules;

    /* status_policy_use: a live zone's rules are this level's too */
    ngx_http_status_policy_live_ref_t  *live;

    /* where those rules are one rules file's, shared with other levels */
    ngx_http_status_policy_shared_file_t  *shared;

    /* the next outer level with rules, NULL when the walk stops here */
    ngx_http_status_policy_loc_conf_t  *outer;

    /*
     * The core module's configuration of the same level, for the
     * error_page lists that postconfiguration adjusts; NULL for levels
     * that are never merged (http, upstream).
     */
    ngx_http_core_loc_conf_t           *core;

    ngx_flag_t                          inherit;
    ngx_flag_t                          ignore_case;
    ngx_flag_t                          dry_run;
    ngx_flag_t                          drop_connection;

    /* status_mask: the codes (ngx_uint_t) answered as 404, NULL if off */
    ngx_array_t                        *mask;

    /* status_mask_upstream_404: nginx (answer them as nginx's 404) or pass */
    ngx_uint_t                          mask_upstream_404;

    /* status_spike: the zone responses are counted into, NULL if off */
    ngx_http_status_policy_spike_ref_t  *spike;

    /* the hit counter of this level's first rule, and its rules' identities */
    ngx_uint_t                          hits_base;
    ngx_http_status_policy_id_group_t  *id_group;
    ngx_uint_t                          id_ordinal;   /* of its group's levels */
    uint64_t                           *hit_ids;      /* a repeated group's */

    /* status_policy_api: -1 if not an API location, else write=on */
    ngx_int_t                           api;

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
};


/*
 * Per-request state.  It lives in a pool cleanup as well as in r->ctx:
 * an internal redirect such as error_page clears r->ctx, and the
 * context is found again in the cleanup and put back.
 */
typedef struct {
    ngx_str_t                           rule;       /* "source:line" */
    ngx_str_t                           uri;        /* as first policed */
    ngx_http_status_policy_action_e     action;
    ngx_uint_t                          code;
    ngx_uint_t                          masked;     /* the real code */
    ngx_http_status_policy_mask_state_e mask_state;
    /* what a masked response is answered with: 404, or 405 */
    ngx_uint_t                          mask_code;

    /* the location the request was policed in (not an error page's) */
    ngx_http_status_policy_loc_conf_t  *policed;

    /* a JSON body replacing nginx's own error page, until it is sent */
    ngx_buf_t                          *json;

    /* r->error_page as the current location was entered */
    unsigned                            error_page:1;
    /*
     * The current location was entered as an error_page target: with
     * r->error_page, or (recursive_error_pages on) by a redirect made
     * once an error status was decided.
     */
    unsigned                            error_page_target:1;
    /* r->ctx was cleared after the context was made: a redirect */
    unsigned                            redirected:1;
    /* the module's own page for a code nginx has none for */
    unsigned                            own_page:1;
    /* "Expect: 100-continue" held back until the content phase */
    unsigned                            expect_held:1;
} ngx_http_status_policy_ctx_t;


/* One rule's hit count, as ngx_http_status_policy_hits_top() lists it. */
typedef struct {
    ngx_http_status_policy_loc_conf_t  *level;
    uint32_t                            rule;
    sp_rule_hits_t                      hits;
} ngx_http_status_policy_hit_t;


/* The most hit rules, and what the report says of all of them. */
typedef struct {
    ngx_http_status_policy_hit_t       *top;
    size_t                              ntop;
    size_t                              total;
    size_t                              never_hit;
    time_t                              since;
} ngx_http_status_policy_hits_summary_t;


extern ngx_module_t  ngx_http_status_policy_module;


/* ngx_http_status_policy_directives.c: directive handlers */
char *ngx_http_status_policy_add_rule(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_add_rules_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_status_policy_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_set_mask(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_set_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_set_spike(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_status_policy_set_report(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_status_policy_rulesets.c: the rule sets of the levels */
sp_ruleset_t *ngx_http_status_policy_own_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf);
ngx_int_t ngx_http_status_policy_add_file(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, ngx_str_t *name);
ngx_int_t ngx_http_status_policy_compile_rules(ngx_conf_t *cf,
    ngx_http_status_policy_loc_conf_t *lcf, u_char *err, size_t err_size);

/* ngx_http_status_policy_api.c: status_policy_api */
char *ngx_http_status_policy_set_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_status_policy_live.c: live zones (status_policy_zone) */
char *ngx_http_status_policy_set_live_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_status_policy_set_live_use(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_status_policy_resolve_live(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
ngx_int_t ngx_http_status_policy_live_init_process(ngx_cycle_t *cycle);
void ngx_http_status_policy_live_exit_process(ngx_cycle_t *cycle);
ngx_http_status_policy_live_zone_t *ngx_http_status_policy_live_zone(
    ngx_http_status_policy_main_conf_t *smcf, ngx_str_t *name);
const void *ngx_http_status_policy_live_enter(
    ngx_http_status_policy_live_zone_t *zone);
void ngx_http_status_policy_live_leave(
    ngx_http_status_policy_live_zone_t *zone);
const void *ngx_http_status_policy_live_hold(
    ngx_http_status_policy_live_zone_t *zone);
void ngx_http_status_policy_live_release(
    ngx_http_status_policy_live_zone_t *zone);
ngx_int_t ngx_http_status_policy_live_build(
    ngx_http_status_policy_live_zone_t *zone, const void *base,
    sp_live_set_t *set, u_char **block, size_t *size);
ngx_int_t ngx_http_status_policy_live_commit(
    ngx_http_status_policy_live_zone_t *zone, const void *base,
    u_char *block, ngx_log_t *log);
ngx_int_t ngx_http_status_policy_live_publish(
    ngx_http_status_policy_live_zone_t *zone, const void *base,
    u_char *block);
void ngx_http_status_policy_live_replaced(
    ngx_http_status_policy_live_zone_t *zone, const void *base,
    u_char *block, ngx_log_t *log);
void ngx_http_status_policy_live_sweep(
    ngx_http_status_policy_live_zone_t *zone);
ngx_int_t ngx_http_status_policy_live_claim(
    ngx_http_status_policy_live_zone_t *zone, ngx_int_t *slot);
void ngx_http_status_policy_live_unclaim(
    ngx_http_status_policy_live_zone_t *zone, ngx_int_t *slot);
const void *ngx_http_status_policy_live_mark(
    ngx_http_status_policy_live_zone_t *zone, ngx_int_t slot);
ngx_flag_t ngx_http_status_policy_live_gone(ngx_atomic_uint_t pid);

/* ngx_http_status_policy_live_whole.c: a zone written whole meanwhile */
ngx_flag_t ngx_http_status_policy_live_background(void);
void ngx_http_status_policy_live_whole(
    ngx_http_status_policy_live_zone_t *zone, ngx_log_t *log);

/* ngx_http_status_policy_setup.c: postconfiguration */
ngx_int_t ngx_http_status_policy_setup(ngx_conf_t *cf);

/* ngx_http_status_policy_handler.c: the rewrite phase */
ngx_int_t ngx_http_status_policy_handler(ngx_http_request_t *r);

/* ngx_http_status_policy_filter.c: the response pipeline */
ngx_int_t ngx_http_status_policy_init_filters(ngx_conf_t *cf);

/* ngx_http_status_policy_mask.c: the status_mask step */
ngx_int_t ngx_http_status_policy_mask_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp);
ngx_int_t ngx_http_status_policy_mask_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in);
void ngx_http_status_policy_mask_hold_expect(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);
ngx_int_t ngx_http_status_policy_mask_expect_handler(ngx_http_request_t *r);

/* ngx_http_status_policy_json.c: the status_policy_body step */
ngx_int_t ngx_http_status_policy_json_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t **ctxp);
ngx_int_t ngx_http_status_policy_json_body(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_chain_t *in,
    ngx_http_output_body_filter_pt next);

/* ngx_http_status_policy_cache.c: the status_policy_cache step */
ngx_int_t ngx_http_status_policy_cache_header(ngx_http_request_t *r);

/* ngx_http_status_policy_soft404.c: the status_soft404 step */
void ngx_http_status_policy_soft404_header(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx);

/* ngx_http_status_policy_drop.c: the log phase, 444 on HTTP/2 */
ngx_int_t ngx_http_status_policy_drop_handler(ngx_http_request_t *r);
#if (NGX_HTTP_V3)
ngx_int_t ngx_http_status_policy_quic_closing_handler(ngx_http_request_t *r);
#endif

/* ngx_http_status_policy_report.c: the status_policy_report handler */
ngx_int_t ngx_http_status_policy_report_handler(ngx_http_request_t *r);

/* ngx_http_status_policy_spike.c: the spike zones */
char *ngx_http_status_policy_set_spike_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_status_policy_spike_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_status_policy_spike_init_process(ngx_cycle_t *cycle);
size_t ngx_http_status_policy_spike_top(
    ngx_http_status_policy_spike_zone_t *zone, uint64_t now_ms,
    sp_spike_path_t *paths, size_t max, uint32_t *history,
    sp_spike_stats_t *stats);
size_t ngx_http_status_policy_spike_groups(
    ngx_http_status_policy_spike_zone_t *zone, uint64_t now_ms,
    sp_spike_group_t *groups, size_t max, uint32_t *history);
size_t ngx_http_status_policy_spike_history(
    ngx_http_status_policy_spike_zone_t *zone, uint64_t now_ms,
    uint32_t *history, sp_spike_event_record_t *events, size_t max);

/* ngx_http_status_policy_hits.c: the rule hit counters */
ngx_int_t ngx_http_status_policy_add_hits_zone(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
void ngx_http_status_policy_hits_commit(ngx_cycle_t *cycle);
void ngx_http_status_policy_count_hit(ngx_http_request_t *r,
    ngx_http_status_policy_loc_conf_t *level, uint32_t rule);
ngx_int_t ngx_http_status_policy_hits_top(ngx_http_request_t *r,
    size_t max, ngx_http_status_policy_hits_summary_t *summary);

/* ngx_http_status_policy_hit_ids.c: rule identities, a counter read or set */
ngx_int_t ngx_http_status_policy_hit_ids(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf);
uint64_t ngx_http_status_policy_hit_id(
    ngx_http_status_policy_loc_conf_t *level, uint32_t rule);
uint64_t ngx_http_status_policy_rules_fp(
    ngx_http_status_policy_main_conf_t *smcf);
ngx_int_t ngx_http_status_policy_id_table_init(
    ngx_http_status_policy_id_table_t *t, size_t n, ngx_log_t *log);
ngx_http_status_policy_id_slot_t *ngx_http_status_policy_id_slot(
    ngx_http_status_policy_id_table_t *t, uint64_t id);
void ngx_http_status_policy_hits_get(ngx_http_status_policy_hits_zone_t *zone,
    ngx_uint_t i, sp_rule_hits_t *hits);
void ngx_http_status_policy_hits_set(ngx_http_status_policy_hits_zone_t *zone,
    ngx_uint_t i, sp_rule_hits_t *hits);

/* ngx_http_status_policy_hits_state.c: status_policy_hits_state */
char *ngx_http_status_policy_set_hits_state(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
void ngx_http_status_policy_hits_state_load(
    ngx_http_status_policy_main_conf_t *smcf, ngx_log_t *log);
ngx_int_t ngx_http_status_policy_hits_state_init_process(ngx_cycle_t *cycle);
void ngx_http_status_policy_hits_state_exit_process(ngx_cycle_t *cycle);

/* ngx_http_status_policy_variables.c */
ngx_int_t ngx_http_status_policy_add_variables(ngx_conf_t *cf);

/* ngx_http_status_policy_page.c: pages for codes nginx has none for */
ngx_int_t ngx_http_status_policy_send_page(ngx_http_request_t *r,
    ngx_uint_t code);

/* ngx_http_status_policy_ctx.c: the request context */
ngx_http_status_policy_ctx_t *ngx_http_status_policy_get_ctx(
    ngx_http_request_t *r);
ngx_http_status_policy_ctx_t *ngx_http_status_policy_create_ctx(
    ngx_http_request_t *r);

/* ngx_http_status_policy_reason.c: reason phrases */
ngx_str_t *ngx_http_status_policy_reason(ngx_uint_t code);
ngx_str_t *ngx_http_status_policy_own_status_line(ngx_uint_t code);

/* ngx_http_status_policy_accept.c: Accept negotiation */
double ngx_http_status_policy_accept_q(ngx_http_request_t *r,
    ngx_str_t *type);

/* ngx_http_status_policy_output.c: headers, and responses of its own */
ngx_table_elt_t *ngx_http_status_policy_add_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);
void ngx_http_status_policy_remove_header(ngx_http_request_t *r,
    ngx_str_t *key);
ngx_int_t ngx_http_status_policy_send_response(ngx_http_request_t *r,
    ngx_buf_t *b);

/* ngx_http_status_policy_codes.c: lists of status codes */
ngx_int_t ngx_http_status_policy_parse_code(ngx_str_t *s);
ngx_flag_t ngx_http_status_policy_code_listed(ngx_array_t *codes,
    ngx_uint_t code);

/* ngx_http_status_policy_escape.c: request-derived strings in the log */
ngx_int_t ngx_http_status_policy_log_escape(ngx_pool_t *pool, ngx_str_t *src,
    ngx_str_t *dst);


/* the name a level's rules are known by across reloads (sp_rule_identity) */

static ngx_inline void
ngx_http_status_policy_level_key(ngx_http_status_policy_loc_conf_t *level,
    sp_str_t *key)
{
    if (level->core == NULL) {
        key->data = "http";
        key->len = sizeof("http") - 1;

    } else if (level->core->name.len == 0) {
        key->data = "server";
        key->len = sizeof("server") - 1;

    } else {
        key->data = (const char *) level->core->name.data;
        key->len = level->core->name.len;
    }
}


/* wall-clock milliseconds: the same in every worker, and shown in reports */

static ngx_inline uint64_t
ngx_http_status_policy_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


/* marks every buffer of a chain as sent, for a body that is replaced */

static ngx_inline void
ngx_http_status_policy_discard_chain(ngx_chain_t *in)
{
    ngx_chain_t  *cl;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }
}


#endif /* _NGX_HTTP_STATUS_POLICY_MODULE_H_INCLUDED_ */
