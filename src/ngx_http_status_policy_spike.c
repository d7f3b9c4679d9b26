
/*
 * ngx_http_status_policy_module: the spike zones (status_spike_zone),
 * counting final responses per host + path in shared memory and logging
 * spikes.
 *
 * The zone is an nginx shared memory zone with a slab pool; its one
 * allocation is the block the core counts in.  The core does the
 * counting; this file owns the zone, its mutex and the log lines.  The
 * mutex is held only around one core call; a hit or a sweep neither
 * allocates nor blocks, a report's copy of the top paths sorts in the
 * worker's own memory.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


#define NGX_HTTP_STATUS_POLICY_SPIKE_EVENTS  16

/* sweeps of a timer tick: the spikes not ended yet end at the next one */
#define NGX_HTTP_STATUS_POLICY_SPIKE_ROUNDS  64

/* about a million paths; the whole zone is written at start */
#define NGX_HTTP_STATUS_POLICY_SPIKE_MAX_MB  1024

/* the history kept by default: an hour, in at most 360 windows */
#define NGX_HTTP_STATUS_POLICY_SPIKE_HISTORY          3600000
#define NGX_HTTP_STATUS_POLICY_SPIKE_HISTORY_WINDOWS  360


static ngx_int_t ngx_http_status_policy_spike_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_spike_parse(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_status_policy_spike_zone_t *zone,
    ngx_str_t *name, ssize_t *size);
static ngx_int_t ngx_http_status_policy_spike_codes(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_status_policy_spike_zone_t *zone);
static void ngx_http_status_policy_spike_sweep_handler(ngx_event_t *ev);


char *
ngx_http_status_policy_set_spike_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_main_conf_t *smcf = conf;

    ssize_t                               size;
    ngx_str_t                            *value, name;
    ngx_shm_zone_t                       *shm_zone;
    ngx_http_status_policy_spike_zone_t  *zone, **zp;

    value = cf->args->elts;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_spike_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_array_init(&zone->codes, cf->pool,
                       NGX_HTTP_STATUS_POLICY_SPIKE_CODES, sizeof(ngx_uint_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    zone->cfg.window_ms = 60000;
    zone->cfg.threshold = 20;
    zone->cfg.factor = 5.0;
    zone->history_ms = 0;

    if (ngx_http_status_policy_spike_parse(cf, value, zone, &name, &size)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_status_policy_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_spike_zone: zone \"%V\" is duplicate",
                           &name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_status_policy_spike_init_zone;
    shm_zone->data = zone;

    zone->name = name;

    zp = ngx_array_push(&smcf->spike_zones);
    if (zp == NULL) {
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_spike_parse(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_status_policy_spike_zone_t *zone, ngx_str_t *name,
    ssize_t *size)
{
    u_char      *p;
    size_t       min;
    uint64_t     history;
    ngx_int_t    n;
    ngx_str_t    s, size_text;
    ngx_uint_t   i, j, *c;

    static ngx_str_t  reserved = ngx_string("status_policy_rule_hits");

    ngx_str_null(name);
    ngx_str_null(&size_text);
    *size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        /* each parameter once: a second one would silently win */

        p = (u_char *) ngx_strchr(value[i].data, '=');

        for (j = 1; p && j < i; j++) {
            if (ngx_strncmp(value[j].data, value[i].data,
                            p - value[i].data + 1)
                == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: duplicate parameter "
                                   "\"%V\"", &value[i]);
                return NGX_ERROR;
            }
        }

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name->data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name->data, ':');

            if (p == NULL || p == name->data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid zone \"%V\", "
                                   "expected zone=NAME:SIZE", &value[i]);
                return NGX_ERROR;
            }

            name->len = p - name->data;

            /* the module's own zone for the rule hit counters (hits.c) */

            if (name->len == reserved.len
                && ngx_strncmp(name->data, reserved.data, reserved.len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: zone name \"%V\" is "
                                   "reserved for the rule hit counters",
                                   name);
                return NGX_ERROR;
            }

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            *size = ngx_parse_size(&s);

            if (*size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid zone size "
                                   "\"%V\"", &s);
                return NGX_ERROR;
            }

            size_text = s;

            if ((size_t) *size
                > (size_t) NGX_HTTP_STATUS_POLICY_SPIKE_MAX_MB * 1024 * 1024)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: zone \"%V\" is too "
                                   "large: %V, at most %dm", name, &s,
                                   NGX_HTTP_STATUS_POLICY_SPIKE_MAX_MB);
                return NGX_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "window=", 7) == 0) {

            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            n = ngx_parse_time(&s, 0);

            if (n == NGX_ERROR || n < 1000 || n > 86400000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid window \"%V\", "
                                   "expected a time from 1s to 1d", &s);
                return NGX_ERROR;
            }

            zone->cfg.window_ms = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "threshold=", 10) == 0) {

            n = ngx_atoi(value[i].data + 10, value[i].len - 10);

            if (n == NGX_ERROR || n < 1 || n > 100000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid threshold "
                                   "\"%V\", expected a positive number",
                                   &value[i]);
                return NGX_ERROR;
            }

            zone->cfg.threshold = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "factor=", 7) == 0) {

            n = ngx_atofp(value[i].data + 7, value[i].len - 7, 2);

            if (n == NGX_ERROR || n < 100 || n > 100000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid factor "
                                   "\"%V\", expected a number from 1 to 1000 "
                                   "with at most two decimals", &value[i]);
                return NGX_ERROR;
            }

            zone->cfg.factor = n / 100.0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "group_threshold=", 16) == 0) {

            n = ngx_atoi(value[i].data + 16, value[i].len - 16);

            if (n == NGX_ERROR || n < 1 || n > 100000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid group_threshold "
                                   "\"%V\", expected a positive number",
                                   &value[i]);
                return NGX_ERROR;
            }

            zone->cfg.group_threshold = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "group_paths=", 12) == 0) {

            n = ngx_atoi(value[i].data + 12, value[i].len - 12);

            if (n == NGX_ERROR || n < 2 || n > 100000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid group_paths "
                                   "\"%V\", expected a number from 2 to "
                                   "100000", &value[i]);
                return NGX_ERROR;
            }

            zone->cfg.group_paths = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "history=", 8) == 0) {

            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            n = ngx_parse_time(&s, 0);

            if (n == NGX_ERROR || n < 1 || n > 7 * 86400000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_spike_zone: invalid history "
                                   "\"%V\", expected a time up to 7d", &s);
                return NGX_ERROR;
            }

            zone->history_ms = (uint64_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "codes=", 6) == 0) {

            if (ngx_http_status_policy_spike_codes(cf, &value[i], zone)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_spike_zone: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_ERROR;
    }

    if (name->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_spike_zone: \"zone=NAME:SIZE\" is "
                           "required");
        return NGX_ERROR;
    }

    if (zone->codes.nelts == 0) {
        c = ngx_array_push(&zone->codes);
        if (c == NULL) {
            return NGX_ERROR;
        }

        *c = NGX_HTTP_NOT_FOUND;
    }

    /* the group threshold follows the path threshold unless given */

    if (zone->cfg.group_threshold == 0) {
        zone->cfg.group_threshold = 5 * zone->cfg.threshold;
    }

    if (zone->cfg.group_paths == 0) {
        zone->cfg.group_paths = 10;
    }

    /*
     * Whole windows of history, at least the time asked for.  By default
     * an hour, but no more than 360 windows: a short window would
     * otherwise make every path cost kilobytes of history, and a zone
     * sized before history existed would no longer be large enough.
     */

    if (zone->history_ms) {
        history = (zone->history_ms + zone->cfg.window_ms - 1)
                  / zone->cfg.window_ms;

    } else {
        history = ngx_min((NGX_HTTP_STATUS_POLICY_SPIKE_HISTORY
                           + zone->cfg.window_ms - 1) / zone->cfg.window_ms,
                          NGX_HTTP_STATUS_POLICY_SPIKE_HISTORY_WINDOWS);
    }

    if (history > SP_SPIKE_HISTORY_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_spike_zone: history of %uL windows of "
                           "%uDms is too long, at most %d windows",
                           history, zone->cfg.window_ms,
                           SP_SPIKE_HISTORY_MAX);
        return NGX_ERROR;
    }

    zone->cfg.history = (uint32_t) history;

    /* the slab pool takes a few pages of the zone for itself */

    min = sp_spike_min_size(zone->cfg.history) + 8 * ngx_pagesize;

    if ((size_t) *size < min) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_spike_zone: zone \"%V\" is too small: "
                           "%V, at least %uzk with %uD windows of history",
                           name, &size_text, (min + 1023) / 1024,
                           zone->cfg.history);
        return NGX_ERROR;
    }

    /* the core tells the units of a zone kept across reloads by them */

    c = zone->codes.elts;

    for (i = 0; i < zone->codes.nelts; i++) {
        zone->cfg.codes[i] = (int) c[i];
    }

    zone->cfg.ncodes = zone->codes.nelts;

    /* later than the zone's previous configuration: see init_zone() */
    zone->cfg.generation = ngx_http_status_policy_now_ms();

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_spike_codes(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_status_policy_spike_zone_t *zone)
{
    u_char      *p, *last;
    ngx_int_t    code;
    ngx_str_t    s;
    ngx_uint_t  *c;

    p = value->data + 6;
    last = value->data + value->len;

    while (p <= last) {
        s.data = p;

        while (p < last && *p != ',') {
            p++;
        }

        s.len = p - s.data;
        code = ngx_http_status_policy_parse_code(&s);

        if (code == NGX_ERROR || code < 400 || code > 599) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_spike_zone: invalid code \"%V\" in "
                               "\"%V\", expected 400-599", &s, value);
            return NGX_ERROR;
        }

        if (ngx_http_status_policy_code_listed(&zone->codes, code)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_spike_zone: code %i is listed "
                               "twice in \"%V\"", code, value);
            return NGX_ERROR;
        }

        if (zone->codes.nelts == NGX_HTTP_STATUS_POLICY_SPIKE_CODES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_spike_zone: too many codes in \"%V\", "
                               "at most %d", value,
                               NGX_HTTP_STATUS_POLICY_SPIKE_CODES);
            return NGX_ERROR;
        }

        c = ngx_array_push(&zone->codes);
        if (c == NULL) {
            return NGX_ERROR;
        }

        *c = code;
        p++;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_spike_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_status_policy_spike_zone_t  *ozone = data;

    size_t                                size;
    ngx_slab_pool_t                      *shpool;
    ngx_http_status_policy_spike_zone_t  *zone;

    zone = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (ozone) {
        /*
         * A reload kept the zone.  Nothing is written here: the old
         * workers still count in it, and this configuration may yet be
         * rejected.  The new workers claim it when they start.
         */

        zone->shpool = ozone->shpool;
        zone->block = ozone->block;
        zone->block_size = ozone->block_size;

        /* newer than the old configuration, even if the clock went back */

        if (zone->cfg.generation <= ozone->cfg.generation) {
            zone->cfg.generation = ozone->cfg.generation + 1;
        }

        return NGX_OK;
    }

    zone->shpool = shpool;

    if (shm_zone->shm.exists) {
        zone->block = shpool->data;
        return NGX_OK;
    }

    /* all the free pages, in one piece: nothing else is allocated here */

    size = shpool->pfree * ngx_pagesize;

    zone->block = ngx_slab_alloc(shpool, size);
    if (zone->block == NULL) {
        return NGX_ERROR;
    }

    zone->block_size = size;
    shpool->data = zone->block;

    if (sp_spike_init(zone->block, size, &zone->cfg,
                      ngx_http_status_policy_now_ms())
        == SP_ERROR)
    {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "status_spike_zone \"%V\" is too small", &zone->name);
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_INFO, shm_zone->shm.log, 0,
                  "status_spike_zone \"%V\" holds %uz paths and %uz groups",
                  &zone->name, sp_spike_capacity(size, zone->cfg.history),
                  sp_spike_group_capacity(size, zone->cfg.history));

    return NGX_OK;
}


ngx_int_t
ngx_http_status_policy_spike_handler(ngx_http_request_t *r)
{
    u_char                               *p, *key;
    size_t                                len, i, n;
    ngx_str_t                            *host, *path, referer;
    ngx_uint_t                            status;
    sp_spike_event_t                      ev[SP_SPIKE_HIT_EVENTS];
    ngx_http_core_srv_conf_t             *cscf;
    ngx_http_status_policy_ctx_t         *ctx;
    ngx_http_status_policy_spike_ref_t   *ref;
    ngx_http_status_policy_spike_zone_t  *zone;
    ngx_http_status_policy_loc_conf_t    *lcf;

    if (r != r->main) {
        return NGX_OK;
    }

    /* the location the client's request was policed in decides */

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx && ctx->policed) {
        ref = ctx->policed->spike;

    } else {
        lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);
        ref = lcf->spike;
    }

    if (ref == NULL) {
        return NGX_OK;
    }

    zone = ref->zone;
    status = r->headers_out.status;

    if (!ngx_http_status_policy_code_listed(&zone->codes, status)) {
        return NGX_OK;
    }

    /* the path the client asked for, not that of an error_page */

    path = (ctx && ctx->uri.len) ? &ctx->uri : &r->uri;

    host = &r->headers_in.server;

    if (host->len == 0) {
        cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
        host = &cscf->server_name;
    }

    len = host->len + path->len;

    key = ngx_pnalloc(r->pool, len);
    if (key == NULL) {
        return NGX_OK;
    }

    p = ngx_cpymem(key, host->data, host->len);
    ngx_memcpy(p, path->data, path->len);

    if (r->headers_in.referer) {
        referer = r->headers_in.referer->value;

    } else {
        ngx_str_null(&referer);
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    n = sp_spike_hit(zone->block, &zone->cfg, (int) status,
                     (const char *) key, len, (const char *) referer.data,
                     referer.len, ngx_http_status_policy_now_ms(), ev);

    ngx_shmtx_unlock(&zone->shpool->mutex);

    for (i = 0; i < n; i++) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0, "%s", ev[i].line);
    }

    return NGX_OK;
}


/*
 * A worker of a new configuration claims every zone first, so that one
 * kept across a reload with another window or other codes starts afresh
 * now, with a notice, and the old workers stop counting in it.  The
 * first worker alone then sweeps every zone a few times a window, so
 * that the end of a spike is logged even when its path gets no more
 * requests.  The cache manager and loader take no part.
 */

ngx_int_t
ngx_http_status_policy_spike_init_process(ngx_cycle_t *cycle)
{
    u_char                                 notice[256];
    ngx_int_t                              claim;
    ngx_uint_t                             i;
    ngx_event_t                           *ev;
    ngx_http_status_policy_spike_zone_t  **zone;
    ngx_http_status_policy_main_conf_t    *smcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    if (smcf == NULL) {
        return NGX_OK;
    }

    zone = smcf->spike_zones.elts;

    for (i = 0; i < smcf->spike_zones.nelts; i++) {

        ngx_shmtx_lock(&zone[i]->shpool->mutex);

        claim = sp_spike_claim(zone[i]->block, zone[i]->block_size,
                               &zone[i]->cfg,
                               ngx_http_status_policy_now_ms(),
                               (char *) notice, sizeof(notice));

        ngx_shmtx_unlock(&zone[i]->shpool->mutex);

        if (claim == SP_SPIKE_RESTARTED) {
            ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                          "status_spike_zone \"%V\" starts afresh: %s",
                          &zone[i]->name, notice);
        }

        if (ngx_worker != 0) {
            continue;
        }

        ev = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
        if (ev == NULL) {
            return NGX_ERROR;
        }

        ev->handler = ngx_http_status_policy_spike_sweep_handler;
        ev->data = zone[i];
        ev->log = cycle->log;
        ev->cancelable = 1;

        ngx_add_timer(ev, ngx_max(zone[i]->cfg.window_ms / 6, 1000));
    }

    return NGX_OK;
}


static void
ngx_http_status_policy_spike_sweep_handler(ngx_event_t *ev)
{
    size_t                                i, n;
    ngx_uint_t                            round;
    sp_spike_event_t                     *events;
    ngx_http_status_policy_spike_zone_t  *zone;

    static sp_spike_event_t  ended[NGX_HTTP_STATUS_POLICY_SPIKE_EVENTS];

    zone = ev->data;
    events = ended;

    /* a few spikes at a time, the lock let go in between */

    for (round = 0; round < NGX_HTTP_STATUS_POLICY_SPIKE_ROUNDS; round++) {

        ngx_shmtx_lock(&zone->shpool->mutex);

        n = sp_spike_sweep(zone->block, &zone->cfg,
                           ngx_http_status_policy_now_ms(), events,
                           NGX_HTTP_STATUS_POLICY_SPIKE_EVENTS);

        ngx_shmtx_unlock(&zone->shpool->mutex);

        for (i = 0; i < n; i++) {
            ngx_log_error(NGX_LOG_NOTICE, ev->log, 0, "%s", events[i].line);
        }

        if (n < NGX_HTTP_STATUS_POLICY_SPIKE_EVENTS) {
            break;
        }
    }

    if (!ngx_exiting) {
        ngx_add_timer(ev, ngx_max(zone->cfg.window_ms / 6, 1000));
    }
}


/*
 * A zone's top paths or groups for a report: ranked a slice of slots at
 * a time, the lock let go between slices so that no request waits on a
 * whole zone, then the chosen ones copied out under the lock.
 */

static ngx_int_t
ngx_http_status_policy_spike_rank(ngx_http_status_policy_spike_zone_t *zone,
    uint64_t now_ms, sp_spike_ranking_t *ranking)
{
    size_t  from;

    if (ranking == NULL) {
        return NGX_ERROR;
    }

    from = 0;

    do {
        ngx_shmtx_lock(&zone->shpool->mutex);

        from = sp_spike_rank(zone->block, &zone->cfg, now_ms, ranking, from);

        ngx_shmtx_unlock(&zone->shpool->mutex);

    } while (from);

    return NGX_OK;
}


size_t
ngx_http_status_policy_spike_top(ngx_http_status_policy_spike_zone_t *zone,
    uint64_t now_ms, sp_spike_path_t *paths, size_t max, uint32_t *history,
    sp_spike_stats_t *stats)
{
    size_t               n;
    sp_spike_ranking_t  *ranking;

    ranking = sp_spike_ranking_create(max);

    if (ngx_http_status_policy_spike_rank(zone, now_ms, ranking) != NGX_OK) {
        return 0;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    n = sp_spike_ranked(zone->block, &zone->cfg, now_ms, ranking, paths, max,
                        history, stats);

    ngx_shmtx_unlock(&zone->shpool->mutex);

    sp_spike_ranking_destroy(ranking);

    return n;
}


size_t
ngx_http_status_policy_spike_groups(ngx_http_status_policy_spike_zone_t *zone,
    uint64_t now_ms, sp_spike_group_t *groups, size_t max, uint32_t *history)
{
    size_t               n;
    sp_spike_ranking_t  *ranking;

    ranking = sp_spike_group_ranking_create(max);

    if (ngx_http_status_policy_spike_rank(zone, now_ms, ranking) != NGX_OK) {
        return 0;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    n = sp_spike_ranked_groups(zone->block, &zone->cfg, now_ms, ranking,
                               groups, max, history);

    ngx_shmtx_unlock(&zone->shpool->mutex);

    sp_spike_ranking_destroy(ranking);

    return n;
}


/* The zone's own history and its last events: a few kilobytes copied. */

size_t
ngx_http_status_policy_spike_history(ngx_http_status_policy_spike_zone_t *zone,
    uint64_t now_ms, uint32_t *history, sp_spike_event_record_t *events,
    size_t max)
{
    size_t  n;

    ngx_shmtx_lock(&zone->shpool->mutex);

    n = sp_spike_history(zone->block, &zone->cfg, now_ms, history, events,
                         max);

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return n;
}
