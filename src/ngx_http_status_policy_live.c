
/*
 * ngx_http_status_policy_module: live zones (status_policy_zone,
 * status_policy_use).  A zone's rules are one generation in its shared
 * memory, published by storing its offset at once; a write builds a new
 * generation outside any lock and publishes it only if the one it was
 * built from is still current.  Lookups take no lock: a worker marks the
 * generation it reads in its own slot, and a replaced generation is freed
 * once no live process marks it.
 *
 * The zone keeps its rules across a reload that leaves its name and size
 * as they were; the state file carries them across a restart, written a
 * second after the last change by one worker, and when workers exit.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* a zone holds its header, a page or two of slab overhead, and rules */
#define NGX_HTTP_STATUS_POLICY_LIVE_MIN_SIZE  (64 * 1024)

/* how often a worker looks for changes to save, and the quiet it waits */
#define NGX_HTTP_STATUS_POLICY_LIVE_SAVE_MS   1000
#define NGX_HTTP_STATUS_POLICY_LIVE_QUIET     1
#define NGX_HTTP_STATUS_POLICY_LIVE_LONGEST   10


static ngx_int_t ngx_http_status_policy_live_parse(ngx_conf_t *cf,
    ngx_http_status_policy_live_zone_t *zone, ssize_t *size);
static ngx_int_t ngx_http_status_policy_live_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_status_policy_live_inherit(
    ngx_http_status_policy_live_zone_t *zone, ngx_log_t *log);
static ngx_http_status_policy_live_zone_t *ngx_http_status_policy_live_old(
    ngx_http_status_policy_live_zone_t *zone);
static void ngx_http_status_policy_live_load(
    ngx_http_status_policy_live_zone_t *zone, ngx_log_t *log);
static void ngx_http_status_policy_live_set_aside(
    ngx_http_status_policy_live_zone_t *zone, const char *reason,
    ngx_uint_t line, ngx_log_t *log);
static void ngx_http_status_policy_live_retire(
    ngx_http_status_policy_live_zone_t *zone, ngx_atomic_uint_t off,
    ngx_log_t *log);
static ngx_flag_t ngx_http_status_policy_live_read_by_any(
    ngx_http_status_policy_live_zone_t *zone, ngx_atomic_uint_t off);
static void ngx_http_status_policy_live_free(
    ngx_http_status_policy_live_zone_t *zone, ngx_atomic_uint_t off);
static void ngx_http_status_policy_live_save_handler(ngx_event_t *ev);
static void ngx_http_status_policy_live_save(
    ngx_http_status_policy_live_zone_t *zone, ngx_flag_t exiting,
    ngx_log_t *log);


char *
ngx_http_status_policy_set_live_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_main_conf_t *smcf = conf;

    ssize_t                               size;
    ngx_shm_zone_t                       *shm_zone;
    ngx_http_status_policy_live_zone_t   *zone, **zp;

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_live_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->slot = -1;
    zone->wslot = -1;

    if (ngx_http_status_policy_live_parse(cf, zone, &size) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &zone->name, size,
                                     &ngx_http_status_policy_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_zone: zone \"%V\" is duplicate",
                           &zone->name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_status_policy_live_init_zone;
    shm_zone->data = zone;
    zone->shm_zone = shm_zone;

    zp = ngx_array_push(&smcf->live_zones);
    if (zp == NULL) {
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_live_parse(ngx_conf_t *cf,
    ngx_http_status_policy_live_zone_t *zone, ssize_t *size)
{
    u_char      *p;
    ngx_str_t   *value, s;
    ngx_uint_t   i;

    value = cf->args->elts;
    *size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            if (*size) {
                goto duplicate;
            }

            zone->name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(zone->name.data, ':');

            if (p == NULL || p == zone->name.data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_policy_zone: invalid zone \"%V\", "
                                   "expected zone=NAME:SIZE", &value[i]);
                return NGX_ERROR;
            }

            zone->name.len = p - zone->name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            *size = ngx_parse_size(&s);

            if (*size == NGX_ERROR
                || *size < NGX_HTTP_STATUS_POLICY_LIVE_MIN_SIZE)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_policy_zone: invalid zone size "
                                   "\"%V\", expected at least 64k", &s);
                return NGX_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "state=", 6) == 0) {

            if (zone->state.data) {
                goto duplicate;
            }

            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            if (s.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "status_policy_zone: empty state file");
                return NGX_ERROR;
            }

            /* relative to the prefix, as nginx's own paths; NUL-terminated */

            if (ngx_conf_full_name(cf->cycle, &s, 0) != NGX_OK) {
                return NGX_ERROR;
            }

            zone->state = s;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_zone: invalid parameter \"%V\"",
                           &value[i]);
        return NGX_ERROR;

    duplicate:

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_zone: duplicate parameter \"%V\"",
                           &value[i]);
        return NGX_ERROR;
    }

    if (*size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "status_policy_zone: \"zone=NAME:SIZE\" is "
                           "required");
        return NGX_ERROR;
    }

    return NGX_OK;
}


char *
ngx_http_status_policy_set_live_use(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t                           *value;
    ngx_http_status_policy_live_ref_t   *ref, **rp;
    ngx_http_status_policy_main_conf_t  *smcf;

    if (lcf->live) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ref = ngx_pcalloc(cf->pool, sizeof(ngx_http_status_policy_live_ref_t));
    if (ref == NULL) {
        return NGX_CONF_ERROR;
    }

    ref->name = value[1];

    ref->source.len = sizeof("zone:") - 1 + value[1].len;
    ref->source.data = ngx_pnalloc(cf->pool, ref->source.len);
    if (ref->source.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(ref->source.data, "zone:%V", &value[1]);

    ref->file = cf->conf_file->file.name;
    ref->line = cf->conf_file->line;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_status_policy_module);

    rp = ngx_array_push(&smcf->live_refs);
    if (rp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rp = ref;
    lcf->live = ref;

    return NGX_CONF_OK;
}


/* "status_policy_use NAME" may come before the zone's status_policy_zone */

ngx_int_t
ngx_http_status_policy_resolve_live(ngx_conf_t *cf,
    ngx_http_status_policy_main_conf_t *smcf)
{
    ngx_uint_t                           i;
    ngx_http_status_policy_live_ref_t  **ref;

    ref = smcf->live_refs.elts;

    for (i = 0; i < smcf->live_refs.nelts; i++) {

        ref[i]->zone = ngx_http_status_policy_live_zone(smcf, &ref[i]->name);

        if (ref[i]->zone == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "status_policy_use: unknown zone \"%V\" in %V:%ui",
                          &ref[i]->name, &ref[i]->file, ref[i]->line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


ngx_http_status_policy_live_zone_t *
ngx_http_status_policy_live_zone(ngx_http_status_policy_main_conf_t *smcf,
    ngx_str_t *name)
{
    ngx_uint_t                            i;
    ngx_http_status_policy_live_zone_t  **zone;

    zone = smcf->live_zones.elts;

    for (i = 0; i < smcf->live_zones.nelts; i++) {
        if (zone[i]->name.len == name->len
            && ngx_strncmp(zone[i]->name.data, name->data, name->len) == 0)
        {
            return zone[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_status_policy_live_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_status_policy_live_zone_t  *ozone = data;

    ngx_slab_pool_t                     *shpool;
    ngx_http_status_policy_live_zone_t  *zone;

    zone = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    zone->shpool = shpool;

    /* a reload with the zone's name and size: its rules go on */

    if (ozone) {
        zone->sh = ozone->sh;
        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        zone->sh = shpool->data;
        return NGX_OK;
    }

    zone->sh = ngx_slab_calloc(shpool,
                               sizeof(ngx_http_status_policy_live_shm_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = zone->sh;

    shpool->log_ctx = ngx_slab_alloc(shpool,
                                     sizeof(" in status_policy_zone \"\"")
                                     + shm_zone->shm.name.len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shpool->log_ctx, " in status_policy_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* the memory is zone's own: a full zone is answered 507, not logged */

    shpool->log_nomem = 0;

    switch (ngx_http_status_policy_live_inherit(zone, shm_zone->shm.log)) {

    case NGX_OK:
        return NGX_OK;

    case NGX_ERROR:
        return NGX_ERROR;

    default: /* NGX_DECLINED: no zone of that name before */
        break;
    }

    if (zone->state.len) {
        ngx_http_status_policy_live_load(zone, shm_zone->shm.log);
    }

    return NGX_OK;
}


/*
 * A reload that gives the zone another size makes it a new zone: it gets
 * the rules the zone of that name holds in the running configuration, as
 * they are (its state file may be a second behind, or there may be none),
 * with their hit counts.  The master reads them from a reader slot of its
 * own.  Rules that do not fit the new size refuse the reload.
 */

static ngx_int_t
ngx_http_status_policy_live_inherit(ngx_http_status_policy_live_zone_t *zone,
    ngx_log_t *log)
{
    u_char                              *block;
    size_t                               size;
    ngx_int_t                            slot, rc, build;
    const void                          *g;
    sp_live_set_t                       *set;
    ngx_http_status_policy_live_zone_t  *old;

    old = ngx_http_status_policy_live_old(zone);

    if (old == NULL) {
        return NGX_DECLINED;
    }

    slot = -1;

    if (ngx_http_status_policy_live_claim(old, &slot) != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "status_policy_zone \"%V\": the zone's rules cannot be "
                      "read for its new size: more processes read it than "
                      "its %d slots", &zone->name,
                      NGX_HTTP_STATUS_POLICY_LIVE_READERS);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    g = ngx_http_status_policy_live_mark(old, slot);
    set = sp_live_set_create();

    if (set == NULL || sp_live_set_whole(set, g) != SP_OK) {
        goto done;
    }

    build = ngx_http_status_policy_live_build(zone, g, set, &block, &size);

    if (build == NGX_DECLINED || size == 0) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "status_policy_zone \"%V\": its %uz rules need %uz "
                      "bytes, more than its new size holds",
                      &zone->name, sp_live_set_count(set), size);
        goto done;
    }

    if (build != NGX_OK) {
        goto done;
    }

    zone->sh->current = block - (u_char *) zone->shpool;
    zone->sh->changes = old->sh->changes;
    zone->sh->saved = old->sh->saved;
    zone->sh->saved_at = old->sh->saved_at;
    zone->sh->changed = old->sh->changed;

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "status_policy_zone \"%V\": %uz rules from the zone before "
                  "the reload", &zone->name, sp_live_set_count(set));
    rc = NGX_OK;

done:

    sp_live_set_destroy(set);
    ngx_http_status_policy_live_unclaim(old, &slot);

    return rc;
}


/* The zone of that name in the running configuration, during a reload. */

static ngx_http_status_policy_live_zone_t *
ngx_http_status_policy_live_old(ngx_http_status_policy_live_zone_t *zone)
{
    ngx_uint_t                           i;
    ngx_shm_zone_t                      *shm;
    ngx_list_part_t                     *part;
    ngx_http_status_policy_live_zone_t  *old;

    if (ngx_cycle == NULL || ngx_test_config) {
        return NULL;
    }

    part = &((ngx_cycle_t *) ngx_cycle)->shared_memory.part;
    shm = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            shm = part->elts;
            i = 0;
        }

        if (shm[i].tag != &ngx_http_status_policy_module
            || shm[i].init != ngx_http_status_policy_live_init_zone
            || shm[i].shm.name.len != zone->name.len
            || ngx_strncmp(shm[i].shm.name.data, zone->name.data,
                           zone->name.len)
               != 0)
        {
            continue;
        }

        old = shm[i].data;

        return (old && old->sh && old != zone) ? old : NULL;
    }
}


/* At start: the rules of the state file, or an empty zone. */

static void
ngx_http_status_policy_live_load(ngx_http_status_policy_live_zone_t *zone,
    ngx_log_t *log)
{
    u_char           *block;
    size_t            size;
    unsigned          line;
    ngx_int_t         rc;
    uint64_t          changes;
    ngx_file_info_t   fi;
    sp_live_set_t    *set;
    u_char            err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];

    if (ngx_file_info(zone->state.data, &fi) == NGX_FILE_ERROR
        && ngx_errno == NGX_ENOENT)
    {
        return;
    }

    set = sp_live_set_create();
    if (set == NULL) {
        return;
    }

    if (sp_live_state_read((const char *) zone->state.data, set, &changes,
                           (char *) err, sizeof(err), &line)
        != SP_OK)
    {
        ngx_http_status_policy_live_set_aside(zone, (const char *) err, line,
                                              log);
        goto done;
    }

    rc = ngx_http_status_policy_live_build(zone, NULL, set, &block, &size);

    if (rc == NGX_DECLINED || size == 0) {
        ngx_snprintf(err, sizeof(err), "its %uz rules need %uz bytes, more "
                     "than the zone has free%Z", sp_live_set_count(set),
                     size);
        ngx_http_status_policy_live_set_aside(zone, (const char *) err, 0,
                                              log);
        goto done;
    }

    if (rc != NGX_OK) {
        goto done;
    }

    zone->sh->current = block - (u_char *) zone->shpool;
    zone->sh->changes = changes;
    zone->sh->saved = changes;

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "status_policy_zone \"%V\": %uz rules from \"%V\"",
                  &zone->name, sp_live_set_count(set), &zone->state);

done:

    sp_live_set_destroy(set);
}


/*
 * A state file that cannot be the zone's rules is renamed, so that the
 * zone's next save does not overwrite what an operator may want back;
 * nginx starts with the zone empty.  nginx -t only says so.
 */

static void
ngx_http_status_policy_live_set_aside(ngx_http_status_policy_live_zone_t *zone,
    const char *reason, ngx_uint_t line, ngx_log_t *log)
{
    u_char  *aside;
    u_char   at[NGX_INT_T_LEN + 8];

    if (line) {
        ngx_sprintf(at, " line %ui%Z", line);

    } else {
        at[0] = '\0';
    }

    if (ngx_test_config) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "status_policy_zone \"%V\": state file \"%V\"%s: %s; "
                      "nginx would set it aside and start the zone empty",
                      &zone->name, &zone->state, at, reason);
        return;
    }

    aside = ngx_alloc(zone->state.len + sizeof(".bad-") + NGX_TIME_T_LEN,
                      log);
    if (aside == NULL) {
        return;
    }

    /* as status_policy_hits_state does: FILE.bad-UNIXTIME */

    ngx_sprintf(aside, "%V.bad-%T%Z", &zone->state, ngx_time());

    if (ngx_rename_file(zone->state.data, aside) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "status_policy_zone \"%V\": state file \"%V\"%s: %s; "
                      "it cannot be set aside as \"%s\", the zone starts "
                      "empty", &zone->name, &zone->state, at, reason, aside);

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "status_policy_zone \"%V\": state file \"%V\"%s: %s; "
                      "set aside as \"%s\", the zone starts empty",
                      &zone->name, &zone->state, at, reason, aside);
    }

    ngx_free(aside);
}


ngx_int_t
ngx_http_status_policy_live_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                            i;
    ngx_http_status_policy_live_zone_t  **zone;
    ngx_http_status_policy_main_conf_t   *smcf;

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

    zone = smcf->live_zones.elts;

    for (i = 0; i < smcf->live_zones.nelts; i++) {

        /* one slot for its requests, one for a write being built */

        if (ngx_http_status_policy_live_claim(zone[i], &zone[i]->slot)
            != NGX_OK
            || ngx_http_status_policy_live_claim(zone[i], &zone[i]->wslot)
               != NGX_OK)
        {
            ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                          "status_policy_zone \"%V\": more processes read the "
                          "zone than its %d slots; this one reads it under "
                          "its lock and answers writes 503",
                          &zone[i]->name,
                          NGX_HTTP_STATUS_POLICY_LIVE_READERS);
        }

        if (zone[i]->state.len == 0) {
            continue;
        }

        zone[i]->save.handler = ngx_http_status_policy_live_save_handler;
        zone[i]->save.data = zone[i];
        zone[i]->save.log = cycle->log;
        zone[i]->save.cancelable = 1;

        ngx_add_timer(&zone[i]->save, NGX_HTTP_STATUS_POLICY_LIVE_SAVE_MS);
    }

    return NGX_OK;
}


void
ngx_http_status_policy_live_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                            i;
    ngx_http_status_policy_live_zone_t  **zone;
    ngx_http_status_policy_main_conf_t   *smcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_status_policy_module);

    if (smcf == NULL) {
        return;
    }

    zone = smcf->live_zones.elts;

    for (i = 0; i < smcf->live_zones.nelts; i++) {

        if (zone[i]->state.len) {
            ngx_http_status_policy_live_save(zone[i], 1, cycle->log);
        }

        ngx_http_status_policy_live_unclaim(zone[i], &zone[i]->slot);
        ngx_http_status_policy_live_unclaim(zone[i], &zone[i]->wslot);
    }
}


/* a reader slot: a free one, or one whose process is gone (killed) */

ngx_int_t
ngx_http_status_policy_live_claim(ngx_http_status_policy_live_zone_t *zone,
    ngx_int_t *slot)
{
    ngx_uint_t                          i;
    ngx_atomic_uint_t                   pid;
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;

    for (i = 0; i < NGX_HTTP_STATUS_POLICY_LIVE_READERS; i++) {

        pid = sh->pid[i];

        if ((pid == 0 || ngx_http_status_policy_live_gone(pid))
            && ngx_atomic_cmp_set(&sh->pid[i], pid, (ngx_atomic_uint_t) ngx_pid))
        {
            sh->reading[i] = 0;
            *slot = i;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


void
ngx_http_status_policy_live_unclaim(ngx_http_status_policy_live_zone_t *zone,
    ngx_int_t *slot)
{
    if (*slot < 0) {
        return;
    }

    zone->sh->reading[*slot] = 0;
    ngx_memory_barrier();
    zone->sh->pid[*slot] = 0;
    *slot = -1;
}


ngx_flag_t
ngx_http_status_policy_live_gone(ngx_atomic_uint_t pid)
{
    return kill((ngx_pid_t) pid, 0) == -1 && ngx_errno == NGX_ESRCH;
}


/*
 * The published generation, marked as read by this process until
 * ngx_http_status_policy_live_leave(); NULL if the zone has none.  The
 * mark is set, then the offset read again: a writer that replaced it in
 * between sees the mark, or the reader sees the new offset.
 */

const void *
ngx_http_status_policy_live_enter(ngx_http_status_policy_live_zone_t *zone)
{
    ngx_atomic_uint_t  off;

    if (zone->slot < 0) {
        ngx_shmtx_lock(&zone->shpool->mutex);
        off = zone->sh->current;
        return off ? (u_char *) zone->shpool + off : NULL;
    }

    return ngx_http_status_policy_live_mark(zone, zone->slot);
}


const void *
ngx_http_status_policy_live_mark(ngx_http_status_policy_live_zone_t *zone,
    ngx_int_t slot)
{
    ngx_atomic_uint_t                   off, was;
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;

    for ( ;; ) {
        off = sh->current;
        was = sh->reading[slot];

        /* a locked exchange: a full barrier between the mark and the read */

        (void) ngx_atomic_cmp_set(&sh->reading[slot], was, off);

        if (sh->current == off) {
            return off ? (u_char *) zone->shpool + off : NULL;
        }
    }
}


void
ngx_http_status_policy_live_leave(ngx_http_status_policy_live_zone_t *zone)
{
    if (zone->slot < 0) {
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return;
    }

    ngx_memory_barrier();
    zone->sh->reading[zone->slot] = 0;
}


/*
 * A write's base: the published generation, held in the process's write
 * slot while the new one is built from it, which may take a thread a
 * second or more; the process's requests go on using their own slot.
 */

const void *
ngx_http_status_policy_live_hold(ngx_http_status_policy_live_zone_t *zone)
{
    return ngx_http_status_policy_live_mark(zone, zone->wslot);
}


void
ngx_http_status_policy_live_release(ngx_http_status_policy_live_zone_t *zone)
{
    ngx_memory_barrier();
    zone->sh->reading[zone->wslot] = 0;
}


/*
 * Writes the set as a new generation into free zone memory (*block),
 * carrying the hit counts of base's unchanged rules.  Safe in a thread
 * of the thread pool: nothing but the zone's slab is shared.  NGX_DECLINED
 * when the zone has no room (*size says how much it takes).
 */

ngx_int_t
ngx_http_status_policy_live_build(ngx_http_status_policy_live_zone_t *zone,
    const void *base, sp_live_set_t *set, u_char **block, size_t *size)
{
    *block = NULL;
    *size = sp_live_generation_size(set);

    if (*size == 0) {
        return NGX_ERROR;
    }

    *block = ngx_slab_alloc(zone->shpool, *size);

    if (*block == NULL) {
        return NGX_DECLINED;
    }

    if (sp_live_generation_write(set, *block, *size, base) != SP_OK) {
        ngx_slab_free(zone->shpool, *block);
        *block = NULL;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Publishes a built generation in place of base, with one atomic store,
 * if base is still the published one; then base is no longer held, and
 * what the new one does not read (base, and a layer's base) is freed
 * once no process reads it.  NGX_AGAIN, with the block freed: another
 * write came first, build again from what it published.
 */

ngx_int_t
ngx_http_status_policy_live_commit(ngx_http_status_policy_live_zone_t *zone,
    const void *base, u_char *block, ngx_log_t *log)
{
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;

    if (ngx_http_status_policy_live_publish(zone, base, block) != NGX_OK) {
        ngx_slab_free(zone->shpool, block);
        return NGX_AGAIN;
    }

    (void) ngx_atomic_fetch_add(&sh->changes, 1);
    sh->changed = ngx_time();

    ngx_http_status_policy_live_release(zone);
    ngx_http_status_policy_live_replaced(zone, base, block, log);

    return NGX_OK;
}


/* The store itself: NGX_AGAIN, and nothing done, if base is not current. */

ngx_int_t
ngx_http_status_policy_live_publish(ngx_http_status_policy_live_zone_t *zone,
    const void *base, u_char *block)
{
    ngx_atomic_uint_t  off, base_off;

    base_off = base ? (u_char *) base - (u_char *) zone->shpool : 0;
    off = block - (u_char *) zone->shpool;

    return ngx_atomic_cmp_set(&zone->sh->current, base_off, off)
           ? NGX_OK : NGX_AGAIN;
}


/*
 * After base was replaced by block, what block does not read is retired:
 * base, unless it is block's base (a layer over the same base replaces
 * only the layer), and base's own base.
 */

void
ngx_http_status_policy_live_replaced(ngx_http_status_policy_live_zone_t *zone,
    const void *base, u_char *block, ngx_log_t *log)
{
    const void  *under, *kept;

    if (base == NULL) {
        return;
    }

    kept = sp_live_base(block);
    under = sp_live_base(base);

    if (base != kept) {
        ngx_http_status_policy_live_retire(zone,
                                    (u_char *) base - (u_char *) zone->shpool,
                                    log);
    }

    if (under && under != kept) {
        ngx_http_status_policy_live_retire(zone,
                                   (u_char *) under - (u_char *) zone->shpool,
                                   log);
    }
}


/*
 * A replaced generation, and any replaced earlier that a reader still
 * held then: each is freed once no live process marks it.
 */

static void
ngx_http_status_policy_live_retire(ngx_http_status_policy_live_zone_t *zone,
    ngx_atomic_uint_t off, ngx_log_t *log)
{
    ngx_uint_t                          i;
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;

    ngx_http_status_policy_live_sweep(zone);

    if (!ngx_http_status_policy_live_read_by_any(zone, off)) {
        ngx_http_status_policy_live_free(zone, off);
        return;
    }

    for (i = 0; i < NGX_HTTP_STATUS_POLICY_LIVE_RETIRED; i++) {
        if (ngx_atomic_cmp_set(&sh->retired[i], 0, off)) {
            return;
        }
    }

    /* a reader that stopped for good holds more than the list can wait for */

    ngx_log_error(NGX_LOG_ALERT, log, 0,
                  "status_policy_zone \"%V\": a replaced generation is still "
                  "read and cannot be freed; its memory stays in use",
                  &zone->name);
}


/* Frees the replaced generations that no live process reads any more. */

void
ngx_http_status_policy_live_sweep(ngx_http_status_policy_live_zone_t *zone)
{
    ngx_uint_t                          i;
    ngx_atomic_uint_t                   old;
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;

    for (i = 0; i < NGX_HTTP_STATUS_POLICY_LIVE_RETIRED; i++) {
        old = sh->retired[i];

        if (old && !ngx_http_status_policy_live_read_by_any(zone, old)
            && ngx_atomic_cmp_set(&sh->retired[i], old, 0))
        {
            ngx_http_status_policy_live_free(zone, old);
        }
    }
}


/*
 * Whether a live process reads the generation at off: marks it, or marks
 * a layer over it.  A mark that its process set on a generation already
 * freed is let go at once by that process, whatever the block now holds.
 */

static ngx_flag_t
ngx_http_status_policy_live_read_by_any(
    ngx_http_status_policy_live_zone_t *zone, ngx_atomic_uint_t off)
{
    u_char                             *block;
    ngx_uint_t                          i;
    ngx_atomic_uint_t                   mark;
    ngx_http_status_policy_live_shm_t  *sh;

    sh = zone->sh;
    block = (u_char *) zone->shpool + off;

    ngx_memory_barrier();

    for (i = 0; i < NGX_HTTP_STATUS_POLICY_LIVE_READERS; i++) {
        mark = sh->reading[i];

        if (mark == 0 || sh->pid[i] == 0
            || ngx_http_status_policy_live_gone(sh->pid[i]))
        {
            continue;
        }

        if (mark == off
            || sp_live_base((u_char *) zone->shpool + mark) == block)
        {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_status_policy_live_free(ngx_http_status_policy_live_zone_t *zone,
    ngx_atomic_uint_t off)
{
    u_char  *block;

    block = (u_char *) zone->shpool + off;

    ngx_slab_free(zone->shpool, block);
}


static void
ngx_http_status_policy_live_save_handler(ngx_event_t *ev)
{
    ngx_http_status_policy_live_zone_t  *zone = ev->data;

    ngx_http_status_policy_live_save(zone, 0, ev->log);

    if (!ngx_exiting && !ngx_quit && !ngx_terminate) {
        ngx_add_timer(ev, NGX_HTTP_STATUS_POLICY_LIVE_SAVE_MS);
    }
}


/*
 * Saves the zone's rules if they changed since the last save: once the
 * zone has been quiet for a second, or ten seconds after the last save
 * under steady writes, or at once when the worker exits.  One process at
 * a time writes (write, then rename); another finds the work done.
 */

static void
ngx_http_status_policy_live_save(ngx_http_status_policy_live_zone_t *zone,
    ngx_flag_t exiting, ngx_log_t *log)
{
    time_t                              now;
    ngx_atomic_uint_t                   changes, saver;
    const void                         *g;
    ngx_http_status_policy_live_shm_t  *sh;
    u_char                              err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];

    sh = zone->sh;
    changes = sh->changes;
    now = ngx_time();

    if (changes == sh->saved) {
        return;
    }

    if (!exiting
        && now - (time_t) sh->changed < NGX_HTTP_STATUS_POLICY_LIVE_QUIET
        && now - (time_t) sh->saved_at < NGX_HTTP_STATUS_POLICY_LIVE_LONGEST)
    {
        return;
    }

    saver = sh->saver;

    if (saver != 0 && !ngx_http_status_policy_live_gone(saver)) {
        return;
    }

    if (!ngx_atomic_cmp_set(&sh->saver, saver, (ngx_atomic_uint_t) ngx_pid)) {
        return;
    }

    changes = sh->changes;
    g = ngx_http_status_policy_live_enter(zone);

    if (sp_live_state_write(g, (const char *) zone->state.data, changes,
                            (int64_t) now, (char *) err, sizeof(err))
        == SP_OK)
    {
        sh->saved = changes;

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "status_policy_zone \"%V\": %s", &zone->name, err);
    }

    sh->saved_at = now;

    ngx_http_status_policy_live_leave(zone);

    sh->saver = 0;
}
