
/*
 * ngx_http_status_policy_module: a live zone written whole in the
 * background.  A write to a large zone is a layer over the zone's base;
 * once the layer has grown to its share of the base, the worker that
 * wrote it writes the zone whole in a thread of the thread pool while
 * writes go on as layers, then publishes it with the writes made
 * meanwhile as a layer over it.  One process at a time does it for a
 * zone; one that died leaves the work to the next.  An exiting worker waits for it: a timer
 * that is not cancelable keeps the worker until it is published or
 * dropped.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* a worker that exits looks again this often whether the write is done */
#define NGX_HTTP_STATUS_POLICY_WHOLE_WAIT   1000

/* writes of other workers that came first: the layer is built again */
#define NGX_HTTP_STATUS_POLICY_WHOLE_TRIES  16


#if (NGX_THREADS)

typedef struct {
    ngx_thread_task_t                    task;
    ngx_http_status_policy_live_zone_t  *zone;
    ngx_int_t                            slot;      /* holds from */
    const void                          *from;      /* the zone as it was */
    u_char                              *block;     /* the zone whole */
    size_t                               size;
    ngx_int_t                            rc;
    ngx_event_t                          wait;
} ngx_http_status_policy_whole_t;


static void ngx_http_status_policy_whole_build(void *data, ngx_log_t *log);
static void ngx_http_status_policy_whole_built(ngx_event_t *ev);
static ngx_int_t ngx_http_status_policy_whole_publish(
    ngx_http_status_policy_whole_t *job, ngx_log_t *log);
static void ngx_http_status_policy_whole_wait(ngx_event_t *ev);
static ngx_flag_t ngx_http_status_policy_whole_own(
    ngx_http_status_policy_live_zone_t *zone);


static ngx_str_t  ngx_http_status_policy_whole_pool = ngx_string("default");

#endif


/* Whether a zone can be written whole in the background: a thread pool. */

ngx_flag_t
ngx_http_status_policy_live_background(void)
{
#if (NGX_THREADS)
    return ngx_thread_pool_get((ngx_cycle_t *) ngx_cycle,
                               &ngx_http_status_policy_whole_pool)
           != NULL;
#else
    return 0;
#endif
}


/* After a write: the zone written whole if its layer has grown to it. */

void
ngx_http_status_policy_live_whole(ngx_http_status_policy_live_zone_t *zone,
    ngx_log_t *log)
{
#if (NGX_THREADS)
    ngx_thread_pool_t               *tp;
    ngx_http_status_policy_whole_t  *job;

    if (zone->whole || zone->slot < 0 || ngx_exiting || ngx_quit
        || ngx_terminate)
    {
        return;
    }

    tp = ngx_thread_pool_get((ngx_cycle_t *) ngx_cycle,
                             &ngx_http_status_policy_whole_pool);
    if (tp == NULL) {
        return;
    }

    if (!ngx_http_status_policy_whole_own(zone)) {
        return;
    }

    job = ngx_calloc(sizeof(ngx_http_status_policy_whole_t), log);
    if (job == NULL) {
        zone->sh->whole = 0;
        return;
    }

    job->zone = zone;
    job->slot = -1;

    if (ngx_http_status_policy_live_claim(zone, &job->slot) != NGX_OK) {
        zone->sh->whole = 0;
        ngx_free(job);
        return;
    }

    job->from = ngx_http_status_policy_live_mark(zone, job->slot);

    if (job->from == NULL || !sp_live_wants_whole(job->from)) {
        goto drop;
    }

    job->task.ctx = job;
    job->task.handler = ngx_http_status_policy_whole_build;
    job->task.event.data = job;
    job->task.event.handler = ngx_http_status_policy_whole_built;
    job->task.event.log = ngx_cycle->log;

    if (ngx_thread_task_post(tp, &job->task) != NGX_OK) {
        goto drop;
    }

    job->wait.handler = ngx_http_status_policy_whole_wait;
    job->wait.data = job;
    job->wait.log = ngx_cycle->log;
    ngx_add_timer(&job->wait, NGX_HTTP_STATUS_POLICY_WHOLE_WAIT);

    zone->whole = job;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "status_policy_zone \"%V\": writing the zone whole, "
                  "%uz rules", &zone->name, sp_live_count(job->from));
    return;

drop:

    ngx_http_status_policy_live_unclaim(zone, &job->slot);
    zone->sh->whole = 0;
    ngx_free(job);
#endif
}


#if (NGX_THREADS)

/* In the thread: every rule of the zone as it was, as one generation. */

static void
ngx_http_status_policy_whole_build(void *data, ngx_log_t *log)
{
    ngx_http_status_policy_whole_t *job = data;

    sp_live_set_t  *set;

    set = sp_live_set_create();

    if (set == NULL || sp_live_set_whole(set, job->from) != SP_OK) {
        job->rc = NGX_ERROR;

    } else {
        job->rc = ngx_http_status_policy_live_build(job->zone, job->from, set,
                                                    &job->block, &job->size);
    }

    sp_live_set_destroy(set);
}


static void
ngx_http_status_policy_whole_built(ngx_event_t *ev)
{
    ngx_http_status_policy_whole_t *job = ev->data;

    ngx_http_status_policy_live_zone_t  *zone;

    zone = job->zone;

    if (job->wait.timer_set) {
        ngx_del_timer(&job->wait);
    }

    if (job->rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                      "status_policy_zone \"%V\": no room to write the zone "
                      "whole (%uz bytes); writes go on as a layer",
                      &zone->name, job->size);

    } else if (job->rc == NGX_OK
               && ngx_http_status_policy_whole_publish(job, ev->log)
                  != NGX_OK)
    {
        ngx_slab_free(zone->shpool, job->block);
    }

    ngx_http_status_policy_live_unclaim(zone, &job->slot);
    ngx_http_status_policy_live_sweep(zone);

    zone->sh->whole = 0;
    zone->whole = NULL;
    ngx_free(job);
}


/* The zone's whole write for this process: no other live one has it. */

static ngx_flag_t
ngx_http_status_policy_whole_own(ngx_http_status_policy_live_zone_t *zone)
{
    ngx_atomic_uint_t  pid;

    pid = zone->sh->whole;

    if (pid != 0 && !ngx_http_status_policy_live_gone(pid)) {
        return 0;
    }

    return ngx_atomic_cmp_set(&zone->sh->whole, pid,
                              (ngx_atomic_uint_t) ngx_pid);
}


/*
 * The zone whole, published as it is if no write came meanwhile, else
 * with a layer over it of the writes since.  NGX_DECLINED: dropped (the
 * zone was written whole by another, or there is no room), the block is
 * the caller's to free.
 */

static ngx_int_t
ngx_http_status_policy_whole_publish(ngx_http_status_policy_whole_t *job,
    ngx_log_t *log)
{
    int                                  rc;
    size_t                               size;
    u_char                              *publish;
    ngx_uint_t                           tries;
    const void                          *now;
    sp_live_set_t                       *set;
    ngx_http_status_policy_live_zone_t  *zone;

    zone = job->zone;

    for (tries = 0; tries < NGX_HTTP_STATUS_POLICY_WHOLE_TRIES; tries++) {

        set = sp_live_set_create();
        if (set == NULL) {
            return NGX_DECLINED;
        }

        now = ngx_http_status_policy_live_enter(zone);

        rc = sp_live_rebase(set, job->block, job->from, now);
        publish = NULL;

        if (rc == SP_LIVE_AS_IS) {
            publish = job->block;

        } else if (rc == SP_OK
                   && ngx_http_status_policy_live_build(zone, now, set,
                                                        &publish, &size)
                      != NGX_OK)
        {
            publish = NULL;
        }

        sp_live_set_destroy(set);

        if (publish == NULL) {
            ngx_http_status_policy_live_leave(zone);
            return NGX_DECLINED;
        }

        if (ngx_http_status_policy_live_publish(zone, now, publish) == NGX_OK)
        {
            ngx_http_status_policy_live_leave(zone);
            ngx_http_status_policy_live_replaced(zone, now, publish, log);

            ngx_log_error(NGX_LOG_INFO, log, 0,
                          "status_policy_zone \"%V\": written whole",
                          &zone->name);
            return NGX_OK;
        }

        ngx_http_status_policy_live_leave(zone);

        if (publish != job->block) {
            ngx_slab_free(zone->shpool, publish);
        }
    }

    return NGX_DECLINED;
}


static void
ngx_http_status_policy_whole_wait(ngx_event_t *ev)
{
    ngx_add_timer(ev, NGX_HTTP_STATUS_POLICY_WHOLE_WAIT);
}

#endif
