
/*
 * ngx_http_status_policy_module: status_policy_hits_state, the rule hit
 * counters on disk.  The master reads the file into a new counter zone
 * when there is no running configuration to take the counts from (at
 * start, after a restart or a binary upgrade); the first worker writes
 * it every interval and as it exits, atomically (write, then rename).
 * A file that cannot be read is set aside, never a reason to stop.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_hits_state_write(
    ngx_cycle_t *cycle, ngx_http_status_policy_main_conf_t *smcf);
static void ngx_http_status_policy_hits_state_handler(ngx_event_t *ev);


/* whether the last write failed: a failure is logged once, not each time */
static ngx_uint_t  ngx_http_status_policy_write_failed;

/*
 * The file this worker wrote last (its inode and time: an inode number
 * may be used again).  A first worker of a newer configuration (after a
 * reload or a binary upgrade) writes its own at start; an exiting worker
 * that finds another file in place leaves it.
 */
static ngx_file_uniq_t  ngx_http_status_policy_written;
static time_t           ngx_http_status_policy_written_at;


char *
ngx_http_status_policy_set_hits_state(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_main_conf_t *smcf = conf;

    u_char           *p;
    ngx_str_t        *value, dir, s;
    ngx_msec_t        interval;
    ngx_file_info_t   fi;

    if (smcf->state_file.len) {
        return "is duplicate";
    }

    value = cf->args->elts;
    interval = 60000;

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "interval=", 9) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 9;
        s.len = value[2].len - 9;

        interval = ngx_parse_time(&s, 0);

        if (interval == (ngx_msec_t) NGX_ERROR || interval < 1000) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid interval \"%V\": a time of "
                               "1s or more, such as 60s or 5m", &s);
            return NGX_CONF_ERROR;
        }
    }

    s = value[1];

    if (ngx_conf_full_name(cf->cycle, &s, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a NUL-terminated copy, for the core's file calls */

    smcf->state_file.data = ngx_pnalloc(cf->pool, s.len + 1);
    if (smcf->state_file.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(smcf->state_file.data, s.data, s.len);
    smcf->state_file.data[s.len] = '\0';
    smcf->state_file.len = s.len;
    smcf->state_interval = interval;

    /* the directory must be there: the workers create the file in it */

    p = smcf->state_file.data + s.len;

    while (p > smcf->state_file.data && p[-1] != '/') {
        p--;
    }

    if (p == smcf->state_file.data + s.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" names a directory, not a file", &s);
        return NGX_CONF_ERROR;
    }

    dir.len = (p > smcf->state_file.data + 1) ? p - 1 - smcf->state_file.data
                                               : 1;
    dir.data = ngx_pnalloc(cf->temp_pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(dir.data, smcf->state_file.data, dir.len);
    dir.data[dir.len] = '\0';

    if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR || !ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the directory \"%V\" of \"%V\" does not exist",
                           &dir, &s);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * Into the master's new counter zone: the counts of every rule the file
 * knows.  A file that is no state file, or is cut short, is renamed
 * aside for the operator to look at, and counting starts from zero.
 */

void
ngx_http_status_policy_hits_state_load(
    ngx_http_status_policy_main_conf_t *smcf, ngx_log_t *log)
{
    u_char                              *bad,
                                         err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    size_t                               n;
    uint32_t                             k;
    ngx_int_t                            rc;
    ngx_uint_t                           i, known;
    sp_rule_hits_t                       hits;
    sp_hits_state_t                     *state;
    ngx_http_status_policy_hits_zone_t  *zone;
    ngx_http_status_policy_loc_conf_t  **level;

    zone = smcf->hits;

    rc = sp_hits_state_read((char *) smcf->state_file.data, &state,
                            (char *) err, sizeof(err));

    if (rc == SP_HITS_STATE_MISSING) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "status_policy_hits_state \"%V\" does not exist yet; "
                      "the rule hit counts start from zero",
                      &smcf->state_file);
        return;
    }

    if (rc != SP_OK) {
        bad = ngx_alloc(smcf->state_file.len + sizeof(".bad-") + NGX_TIME_T_LEN,
                        log);
        if (bad == NULL) {
            return;
        }

        (void) ngx_sprintf(bad, "%V.bad-%T%Z", &smcf->state_file, ngx_time());

        if (ngx_rename_file(smcf->state_file.data, bad) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "status_policy_hits_state \"%V\": %s; it cannot "
                          "be set aside as \"%s\"; the rule hit counts "
                          "start from zero", &smcf->state_file, err, bad);
        } else {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "status_policy_hits_state \"%V\": %s; set aside "
                          "as \"%s\"; the rule hit counts start from zero",
                          &smcf->state_file, err, bad);
        }

        ngx_free(bad);
        return;
    }

    known = 0;
    level = smcf->rulesets.elts;

    for (i = 0; i < smcf->rulesets.nelts; i++) {
        n = sp_ruleset_count(level[i]->rules);

        for (k = 0; k < n; k++) {
            if (sp_hits_state_find(state,
                                   ngx_http_status_policy_hit_id(level[i], k),
                                   &hits))
            {
                ngx_http_status_policy_hits_set(zone, level[i]->hits_base + k,
                                                &hits);
                known++;
            }
        }
    }

    zone->started = (time_t) sp_hits_state_started(state);

    sp_hits_state_free(state);

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "status_policy_hits_state \"%V\": the counts of %ui of "
                  "%ui rules read", &smcf->state_file, known, zone->nrules);
}


/* The first worker writes the file now (creating it), then every interval. */

ngx_int_t
ngx_http_status_policy_hits_state_init_process(ngx_cycle_t *cycle)
{
    ngx_event_t                         *ev;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (!((ngx_process == NGX_PROCESS_WORKER && ngx_worker == 0)
          || ngx_process == NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    if (smcf == NULL || smcf->hits == NULL || smcf->state_file.len == 0) {
        return NGX_OK;
    }

    (void) ngx_http_status_policy_hits_state_write(cycle, smcf);

    ev = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
    if (ev == NULL) {
        return NGX_ERROR;
    }

    ev->handler = ngx_http_status_policy_hits_state_handler;
    ev->data = cycle;
    ev->log = cycle->log;
    ev->cancelable = 1;

    ngx_add_timer(ev, smcf->state_interval);

    return NGX_OK;
}


void
ngx_http_status_policy_hits_state_exit_process(ngx_cycle_t *cycle)
{
    ngx_file_info_t                      fi;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (!((ngx_process == NGX_PROCESS_WORKER && ngx_worker == 0)
          || ngx_process == NGX_PROCESS_SINGLE))
    {
        return;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    if (smcf == NULL || smcf->hits == NULL || smcf->state_file.len == 0) {
        return;
    }

    if (ngx_http_status_policy_written
        && ngx_file_info(smcf->state_file.data, &fi) != NGX_FILE_ERROR
        && (ngx_file_uniq(&fi) != ngx_http_status_policy_written
            || ngx_file_mtime(&fi) != ngx_http_status_policy_written_at))
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cycle->log, 0,
                       "status_policy_hits_state \"%V\": written by a newer "
                       "worker, left as it is", &smcf->state_file);
        return;
    }

    (void) ngx_http_status_policy_hits_state_write(cycle, smcf);
}


static void
ngx_http_status_policy_hits_state_handler(ngx_event_t *ev)
{
    ngx_cycle_t                         *cycle;
    ngx_http_status_policy_main_conf_t  *smcf;

    cycle = ev->data;

    /* an exiting worker writes once more as it exits, if still its turn */

    if (ngx_exiting) {
        return;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    (void) ngx_http_status_policy_hits_state_write(cycle, smcf);

    ngx_add_timer(ev, smcf->state_interval);
}


/* every rule added (so that the file knows each file's rules), hit or not */

static ngx_int_t
ngx_http_status_policy_hits_state_write(ngx_cycle_t *cycle,
    ngx_http_status_policy_main_conf_t *smcf)
{
    u_char                               err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
    size_t                               n;
    ngx_file_info_t                      fi;
    uint32_t                             k;
    sp_str_t                             key;
    ngx_int_t                            rc;
    ngx_uint_t                           i;
    sp_rule_info_t                       info;
    sp_rule_hits_t                       hits;
    sp_hits_state_t                     *state;
    ngx_http_status_policy_loc_conf_t  **level;

    state = sp_hits_state_create(smcf->hits->started, ngx_time());
    if (state == NULL) {
        return NGX_ERROR;
    }

    level = smcf->rulesets.elts;
    rc = NGX_OK;

    for (i = 0; i < smcf->rulesets.nelts && rc == NGX_OK; i++) {
        ngx_http_status_policy_level_key(level[i], &key);
        n = sp_ruleset_count(level[i]->rules);

        for (k = 0; k < n; k++) {
            ngx_http_status_policy_hits_get(smcf->hits,
                                            level[i]->hits_base + k, &hits);

            if (sp_ruleset_rule(level[i]->rules, k, &info) != SP_OK
                || sp_hits_state_add(state,
                                     ngx_http_status_policy_hit_id(level[i], k),
                                     &hits, key, &info)
                   != SP_OK)
            {
                ngx_cpystrn(err, (u_char *) "out of memory", sizeof(err));
                rc = NGX_ERROR;
                break;
            }
        }
    }

    if (rc == NGX_OK
        && sp_hits_state_write(state, (char *) smcf->state_file.data,
                               (char *) err, sizeof(err))
           != SP_OK)
    {
        rc = NGX_ERROR;
    }

    sp_hits_state_free(state);

    if (rc != NGX_OK) {
        if (!ngx_http_status_policy_write_failed) {
            ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                          "status_policy_hits_state \"%V\": %s; the counts "
                          "are kept in memory and written again every "
                          "%M ms", &smcf->state_file, err,
                          smcf->state_interval);
        }

        ngx_http_status_policy_write_failed = 1;
        return NGX_ERROR;
    }

    if (ngx_file_info(smcf->state_file.data, &fi) != NGX_FILE_ERROR) {
        ngx_http_status_policy_written = ngx_file_uniq(&fi);
        ngx_http_status_policy_written_at = ngx_file_mtime(&fi);
    }

    if (ngx_http_status_policy_write_failed) {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "status_policy_hits_state \"%V\" written again",
                      &smcf->state_file);
        ngx_http_status_policy_write_failed = 0;
    }

    return NGX_OK;
}
