
/*
 * ngx_http_status_policy_module: status_policy_report, a content handler
 * showing the spike zones and the rule hit counters as JSON, Prometheus
 * text or HTML.  The core renders; this file gathers the data.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* paths shown per zone: bounds the report and Prometheus label cardinality */
#define NGX_HTTP_STATUS_POLICY_REPORT_PATHS  50

/* groups shown per zone */
#define NGX_HTTP_STATUS_POLICY_REPORT_GROUPS  20

/* events shown per zone: all the zone keeps */
#define NGX_HTTP_STATUS_POLICY_REPORT_EVENTS  64

/* rules shown: the most hit ones */
#define NGX_HTTP_STATUS_POLICY_REPORT_RULES  1000


static ngx_int_t ngx_http_status_policy_report_format(ngx_http_request_t *r,
    ngx_int_t configured);
static ngx_int_t ngx_http_status_policy_report_zones(ngx_http_request_t *r,
    sp_report_t *report);
static ngx_int_t ngx_http_status_policy_report_rules(ngx_http_request_t *r,
    sp_report_t *report);
static ngx_int_t ngx_http_status_policy_report_live(ngx_http_request_t *r,
    sp_report_t *report);


/* what each format (sp_report_format_t) is served as */

static ngx_str_t  ngx_http_status_policy_report_types[] = {
    ngx_string("application/json"),
    ngx_string("text/plain; version=0.0.4; charset=utf-8"),
    ngx_string("text/html; charset=utf-8")
};


/* the media types that ask for each format, the first preferred on a tie */

typedef struct {
    ngx_int_t   format;
    ngx_str_t   type;
} ngx_http_status_policy_report_accept_t;

static ngx_http_status_policy_report_accept_t
    ngx_http_status_policy_report_accept[] = {
    { SP_REPORT_JSON, ngx_string("application/json") },
    { SP_REPORT_HTML, ngx_string("text/html") },
    { SP_REPORT_PROMETHEUS, ngx_string("text/plain") },
    { SP_REPORT_PROMETHEUS, ngx_string("application/openmetrics-text") },
    { 0, ngx_null_string }
};

static ngx_str_t  ngx_http_status_policy_no_store_key =
    ngx_string("Cache-Control");
static ngx_str_t  ngx_http_status_policy_no_store = ngx_string("no-store");


ngx_int_t
ngx_http_status_policy_report_handler(ngx_http_request_t *r)
{
    size_t                              len;
    ngx_int_t                           rc, format;
    ngx_buf_t                          *b;
    sp_report_t                         report;
    ngx_http_status_policy_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);
    format = ngx_http_status_policy_report_format(r, lcf->report);

    ngx_memzero(&report, sizeof(sp_report_t));

    if (ngx_http_status_policy_report_zones(r, &report) != NGX_OK
        || ngx_http_status_policy_report_rules(r, &report) != NGX_OK
        || ngx_http_status_policy_report_live(r, &report) != NGX_OK
        || sp_report_render(&report, (int) format, NULL, 0, &len) != SP_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sp_report_render(&report, (int) format, (char *) b->pos, len, &len)
        != SP_OK
        || len != (size_t) (b->end - b->pos))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = b->pos + len;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = ngx_http_status_policy_report_types[format];
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    /* a live view: never cached */

    if (ngx_http_status_policy_add_header(r,
                                          &ngx_http_status_policy_no_store_key,
                                          &ngx_http_status_policy_no_store)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_status_policy_send_response(r, b);
}


/*
 * The directive's argument, else ?format=, else the format Accept gives
 * the highest quality; JSON when none is preferred.  An html location
 * also answers ?format=json: the page refreshes itself from it.
 */

static ngx_int_t
ngx_http_status_policy_report_format(ngx_http_request_t *r,
    ngx_int_t configured)
{
    double                                   q, best;
    ngx_str_t                                arg;
    ngx_int_t                                chosen;
    ngx_http_status_policy_report_accept_t  *a;

    if (configured == SP_REPORT_HTML
        && ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK
        && arg.len == 4 && ngx_strncmp(arg.data, "json", 4) == 0)
    {
        return SP_REPORT_JSON;
    }

    if (configured >= 0) {
        return configured;
    }

    if (ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK) {

        if (arg.len == 10 && ngx_strncmp(arg.data, "prometheus", 10) == 0) {
            return SP_REPORT_PROMETHEUS;
        }

        if (arg.len == 4 && ngx_strncmp(arg.data, "html", 4) == 0) {
            return SP_REPORT_HTML;
        }

        return SP_REPORT_JSON;
    }

    chosen = SP_REPORT_JSON;
    best = 0;

    for (a = ngx_http_status_policy_report_accept; a->type.len; a++) {
        q = ngx_http_status_policy_accept_q(r, &a->type);

        if (q > best) {
            best = q;
            chosen = a->format;
        }
    }

    return chosen;
}


/* Each zone's top paths and counts. */

static ngx_int_t
ngx_http_status_policy_report_zones(ngx_http_request_t *r,
    sp_report_t *report)
{
    size_t                                 h;
    uint32_t                              *history;
    ngx_uint_t                             i;
    sp_spike_path_t                       *paths;
    sp_spike_group_t                      *groups;
    sp_report_zone_t                      *rz;
    sp_spike_event_record_t               *events;
    ngx_http_status_policy_spike_zone_t  **zone;
    ngx_http_status_policy_main_conf_t    *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    report->now_ms = ngx_http_status_policy_now_ms();

    if (smcf->spike_zones.nelts == 0) {
        return NGX_OK;
    }

    rz = ngx_pcalloc(r->pool,
                     smcf->spike_zones.nelts * sizeof(sp_report_zone_t));
    if (rz == NULL) {
        return NGX_ERROR;
    }

    report->zones = rz;
    report->nzones = smcf->spike_zones.nelts;

    zone = smcf->spike_zones.elts;

    for (i = 0; i < smcf->spike_zones.nelts; i++) {

        h = zone[i]->cfg.history;

        paths = ngx_palloc(r->pool, NGX_HTTP_STATUS_POLICY_REPORT_PATHS
                                    * sizeof(sp_spike_path_t));
        groups = ngx_palloc(r->pool, NGX_HTTP_STATUS_POLICY_REPORT_GROUPS
                                     * sizeof(sp_spike_group_t));
        events = ngx_palloc(r->pool, NGX_HTTP_STATUS_POLICY_REPORT_EVENTS
                                     * sizeof(sp_spike_event_record_t));

        /* the zone's, each path's and each group's; zero if not ours */

        history = ngx_pcalloc(r->pool,
                             (1 + NGX_HTTP_STATUS_POLICY_REPORT_PATHS
                              + NGX_HTTP_STATUS_POLICY_REPORT_GROUPS)
                             * ngx_max(h, 1) * sizeof(uint32_t));

        if (paths == NULL || groups == NULL || events == NULL
            || history == NULL)
        {
            return NGX_ERROR;
        }

        rz[i].name.data = (const char *) zone[i]->name.data;
        rz[i].name.len = zone[i]->name.len;
        rz[i].cfg = zone[i]->cfg;
        rz[i].codes = zone[i]->cfg.codes;
        rz[i].ncodes = zone[i]->cfg.ncodes;
        rz[i].paths = paths;
        rz[i].npaths = ngx_http_status_policy_spike_top(zone[i],
                                          report->now_ms, paths,
                                          NGX_HTTP_STATUS_POLICY_REPORT_PATHS,
                                          history + h, &rz[i].stats);
        rz[i].groups = groups;
        rz[i].ngroups = ngx_http_status_policy_spike_groups(zone[i],
                                         report->now_ms, groups,
                                         NGX_HTTP_STATUS_POLICY_REPORT_GROUPS,
                                         history + h
                                         * (1 + NGX_HTTP_STATUS_POLICY_REPORT_PATHS));
        rz[i].history = history;
        rz[i].events = events;
        rz[i].nevents = ngx_http_status_policy_spike_history(zone[i],
                                         report->now_ms, history, events,
                                         NGX_HTTP_STATUS_POLICY_REPORT_EVENTS);
    }

    return NGX_OK;
}


/* The most hit rules, described. */

static ngx_int_t
ngx_http_status_policy_report_rules(ngx_http_request_t *r,
    sp_report_t *report)
{
    size_t                                  i, n;
    sp_rule_info_t                          info;
    sp_report_rule_t                       *rules;
    ngx_http_status_policy_hit_t           *hit;
    ngx_http_status_policy_hits_summary_t   summary;

    if (ngx_http_status_policy_hits_top(r,
                                        NGX_HTTP_STATUS_POLICY_REPORT_RULES,
                                        &summary)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    report->rules_total = summary.total;
    report->rules_never_hit = summary.never_hit;
    report->hits_since = summary.since;

    hit = summary.top;
    n = summary.ntop;

    if (n == 0) {
        return NGX_OK;
    }

    rules = ngx_palloc(r->pool, n * sizeof(sp_report_rule_t));
    if (rules == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (sp_ruleset_rule(hit[i].level->rules, hit[i].rule, &info)
            != SP_OK)
        {
            return NGX_ERROR;
        }

        rules[i].source = info.source;
        rules[i].line = info.line;
        rules[i].code = info.code;
        rules[i].kind = info.kind;
        rules[i].pattern = info.pattern;
        rules[i].hits = hit[i].hits;
    }

    report->rules = rules;
    report->nrules = n;

    return NGX_OK;
}


/* Each live zone: its rules, their digest and the writes published. */

static ngx_int_t
ngx_http_status_policy_report_live(ngx_http_request_t *r,
    sp_report_t *report)
{
    ngx_uint_t                            i;
    const void                           *g;
    sp_report_live_t                     *live;
    ngx_http_status_policy_live_zone_t  **zone;
    ngx_http_status_policy_main_conf_t   *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    if (smcf->live_zones.nelts == 0) {
        return NGX_OK;
    }

    live = ngx_pcalloc(r->pool,
                       smcf->live_zones.nelts * sizeof(sp_report_live_t));
    if (live == NULL) {
        return NGX_ERROR;
    }

    zone = smcf->live_zones.elts;

    for (i = 0; i < smcf->live_zones.nelts; i++) {
        live[i].name.data = (const char *) zone[i]->name.data;
        live[i].name.len = zone[i]->name.len;

        g = ngx_http_status_policy_live_enter(zone[i]);
        live[i].rules = sp_live_count(g);
        live[i].digest = sp_live_digest(g);
        live[i].changes = zone[i]->sh->changes;
        ngx_http_status_policy_live_leave(zone[i]);
    }

    report->live = live;
    report->nlive = smcf->live_zones.nelts;

    return NGX_OK;
}
