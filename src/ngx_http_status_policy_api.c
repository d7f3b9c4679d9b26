
/*
 * ngx_http_status_policy_module: status_policy_api, a content handler
 * that reads and changes a live zone's rules.  The zone is the last
 * segment of the path.  A body is parsed into the worker's own memory
 * and the new generation built there and in free zone memory, outside
 * any lock; only its publication is shared, one offset stored at once.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* a page of rules: the default and the most one GET lists */
#define NGX_HTTP_STATUS_POLICY_API_PAGE      100
#define NGX_HTTP_STATUS_POLICY_API_MAX_PAGE  10000

/* writes that lost to another one are built again this many times */
#define NGX_HTTP_STATUS_POLICY_API_TRIES     16


typedef enum {
    NGX_HTTP_STATUS_POLICY_API_POST = 0,
    NGX_HTTP_STATUS_POLICY_API_PATCH,
    NGX_HTTP_STATUS_POLICY_API_PUT,
    NGX_HTTP_STATUS_POLICY_API_DELETE
} ngx_http_status_policy_api_op_e;


/*
 * A write on its way: built in a thread of the thread pool (parsing the
 * body, editing the rules, writing the generation), then published in
 * the worker.  Nothing in it but the result is the request's pool's.
 */
typedef struct {
    ngx_http_request_t                  *r;
    ngx_http_status_policy_live_zone_t  *zone;
    ngx_http_status_policy_api_op_e      op;
    u_char                              *body;        /* ngx_alloc()ed */
    size_t                               len;
    ngx_str_t                            key;         /* DELETE */
    const void                          *base;        /* held */
    sp_live_set_t                       *more;        /* the parsed body */
    u_char                              *block;       /* built */
    size_t                               size;
    size_t                               count;
    ngx_int_t                            rc;
    unsigned                             line;
    ngx_uint_t                           tries;
    ngx_flag_t                           background;  /* a zone whole */
    u_char                               err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];
} ngx_http_status_policy_api_job_t;


static ngx_int_t ngx_http_status_policy_api_handler(ngx_http_request_t *r);
static void ngx_http_status_policy_api_body(ngx_http_request_t *r);
static u_char *ngx_http_status_policy_api_read_body(ngx_http_request_t *r,
    size_t *len);
static ngx_int_t ngx_http_status_policy_api_get(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t *zone);
static ngx_int_t ngx_http_status_policy_api_write(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t *zone,
    ngx_http_status_policy_api_op_e op, u_char *body, size_t len,
    ngx_str_t *key);
static ngx_int_t ngx_http_status_policy_api_run(
    ngx_http_status_policy_api_job_t *job);
static void ngx_http_status_policy_api_build(void *data, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_status_policy_api_built(ngx_event_t *ev);
#endif
static ngx_int_t ngx_http_status_policy_api_publish(
    ngx_http_status_policy_api_job_t *job);
static ngx_int_t ngx_http_status_policy_api_answer(
    ngx_http_status_policy_api_job_t *job);
static ngx_int_t ngx_http_status_policy_api_edit(
    ngx_http_status_policy_api_job_t *job, sp_live_set_t *set);
static void ngx_http_status_policy_api_done(
    ngx_http_status_policy_api_job_t *job);
static ngx_int_t ngx_http_status_policy_api_zone(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t **zone);
static ngx_int_t ngx_http_status_policy_api_arg(ngx_http_request_t *r,
    char *name, ngx_str_t *value);
static ngx_int_t ngx_http_status_policy_api_error(ngx_http_request_t *r,
    ngx_uint_t status, u_char *error, size_t len, unsigned line);
static ngx_int_t ngx_http_status_policy_api_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *json, size_t len);


static ngx_str_t  ngx_http_status_policy_api_type =
    ngx_string("application/json");
static ngx_str_t  ngx_http_status_policy_api_cache_key =
    ngx_string("Cache-Control");
static ngx_str_t  ngx_http_status_policy_api_no_store =
    ngx_string("no-store");


char *
ngx_http_status_policy_set_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->api != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    lcf->api = 0;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "write=on") == 0) {
            lcf->api = 1;

        } else if (ngx_strcmp(value[1].data, "write=off") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_policy_api: invalid parameter \"%V\", "
                               "expected write=on or write=off", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

#if (NGX_THREADS)
    /* writes are built in the default thread pool, off the event loop */

    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_status_policy_api_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                           rc;
    ngx_str_t                           key;
    ngx_http_status_policy_loc_conf_t  *lcf;
    ngx_http_status_policy_live_zone_t *zone;

    static u_char  read_only[] = "writes need \"status_policy_api write=on\"";
    static u_char  methods[] = "the method is not allowed: use GET, POST, "
                               "PATCH, PUT or DELETE";
    static u_char  no_pattern[] = "DELETE needs ?pattern=";

    rc = ngx_http_status_policy_api_zone(r, &zone);
    if (zone == NULL) {
        return rc;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_status_policy_api_get(r, zone);
    }

    if (!(r->method & (NGX_HTTP_POST|NGX_HTTP_PATCH|NGX_HTTP_PUT
                       |NGX_HTTP_DELETE)))
    {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_status_policy_api_error(r, NGX_HTTP_NOT_ALLOWED,
                                                methods, sizeof(methods) - 1,
                                                0);
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (lcf->api != 1) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_status_policy_api_error(r, NGX_HTTP_FORBIDDEN,
                                                read_only,
                                                sizeof(read_only) - 1, 0);
    }

    if (r->method == NGX_HTTP_DELETE) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_status_policy_api_arg(r, "pattern", &key) != NGX_OK) {
            return ngx_http_status_policy_api_error(r, NGX_HTTP_BAD_REQUEST,
                                                    no_pattern,
                                                    sizeof(no_pattern) - 1,
                                                    0);
        }

        return ngx_http_status_policy_api_write(r, zone,
                                         NGX_HTTP_STATUS_POLICY_API_DELETE,
                                         NULL, 0, &key);
    }

    /*
     * A body above client_max_body_size is refused by nginx itself (413),
     * before or while it is read; the location's error pages are JSON.
     */

    r->request_body_in_single_buf = 0;
    r->request_body_in_persistent_file = 0;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_status_policy_api_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_status_policy_api_body(ngx_http_request_t *r)
{
    u_char                              *body;
    size_t                               len;
    ngx_http_status_policy_api_op_e      op;
    ngx_http_status_policy_live_zone_t  *zone;

    (void) ngx_http_status_policy_api_zone(r, &zone);

    if (zone == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    op = r->method == NGX_HTTP_POST ? NGX_HTTP_STATUS_POLICY_API_POST
         : r->method == NGX_HTTP_PATCH ? NGX_HTTP_STATUS_POLICY_API_PATCH
         : NGX_HTTP_STATUS_POLICY_API_PUT;

    body = ngx_http_status_policy_api_read_body(r, &len);

    if (body == NULL && len) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_finalize_request(r,
                    ngx_http_status_policy_api_write(r, zone, op, body, len,
                                                     NULL));
}


/* The body in one block of the worker's memory (ngx_free() it). */

static u_char *
ngx_http_status_policy_api_read_body(ngx_http_request_t *r, size_t *len)
{
    u_char       *body, *p;
    size_t        size;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    *len = 0;

    if (r->request_body == NULL) {
        return NULL;
    }

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        size += b->in_file ? (size_t) (b->file_last - b->file_pos)
                           : (size_t) (b->last - b->pos);
    }

    *len = size;

    if (size == 0) {
        return NULL;
    }

    body = ngx_alloc(size, r->connection->log);
    if (body == NULL) {
        return NULL;
    }

    p = body;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);

            if (n != b->file_last - b->file_pos) {
                ngx_free(body);
                return NULL;
            }

            p += n;
            continue;
        }

        p = ngx_cpymem(p, b->pos, b->last - b->pos);
    }

    return body;
}


/* ?path=/x: the rule it hits; else a page of rules, ?limit=N&after=KEY */

static ngx_int_t
ngx_http_status_policy_api_get(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t *zone)
{
    int         rc;
    size_t      len, prefix;
    u_char     *buf;
    uint32_t    rule;
    ngx_int_t   limit;
    ngx_str_t   path, after, arg;
    sp_str_t    name;
    const void *g;

    static u_char  no_rule[] = "no rule of the zone matches the path";
    static u_char  bad_limit[] = "limit is a number from 1 to 10000";

    name.data = (const char *) zone->name.data;
    name.len = zone->name.len;

    limit = NGX_HTTP_STATUS_POLICY_API_PAGE;

    if (ngx_http_arg(r, (u_char *) "limit", 5, &arg) == NGX_OK) {
        limit = ngx_atoi(arg.data, arg.len);

        if (limit < 1 || limit > NGX_HTTP_STATUS_POLICY_API_MAX_PAGE) {
            return ngx_http_status_policy_api_error(r, NGX_HTTP_BAD_REQUEST,
                                                    bad_limit,
                                                    sizeof(bad_limit) - 1,
                                                    0);
        }
    }

    if (ngx_http_status_policy_api_arg(r, "path", &path) != NGX_OK) {
        ngx_str_null(&path);
    }

    if (ngx_http_status_policy_api_arg(r, "after", &after) != NGX_OK) {
        ngx_str_null(&after);
    }

    rule = 0;
    g = ngx_http_status_policy_live_enter(zone);

    if (path.data) {
        rule = sp_live_find(g, (const char *) path.data, path.len, &prefix);

        if (rule == SP_NO_RULE) {
            ngx_http_status_policy_live_leave(zone);
            return ngx_http_status_policy_api_error(r, NGX_HTTP_NOT_FOUND,
                                                    no_rule,
                                                    sizeof(no_rule) - 1, 0);
        }

        rc = sp_live_json_rule(g, name, rule, NULL, 0, &len);

    } else {
        rc = sp_live_json_page(g, name, (const char *) after.data, after.len,
                               (uint32_t) limit, zone->sh->changes, NULL, 0,
                               &len);
    }

    buf = rc == SP_OK ? ngx_pnalloc(r->pool, len) : NULL;

    if (buf) {
        rc = path.data
             ? sp_live_json_rule(g, name, rule, (char *) buf, len, &len)
             : sp_live_json_page(g, name, (const char *) after.data,
                                 after.len, (uint32_t) limit,
                                 zone->sh->changes, (char *) buf, len, &len);
    }

    ngx_http_status_policy_live_leave(zone);

    if (buf == NULL || rc != SP_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_status_policy_api_send(r, NGX_HTTP_OK, buf, len);
}


/*
 * A write: the current rules with the change, as a new generation, built
 * in a thread of the thread pool when nginx has threads, so that this
 * worker's other requests go on; a body of a million lines takes a
 * second or two.  One write at a time per worker; writes from several
 * workers race, and one that finds another published first is built
 * again on what that one published, so that no write undoes another.
 * The body (ngx_alloc()ed) is the write's from here on.
 */

static ngx_int_t
ngx_http_status_policy_api_write(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t *zone,
    ngx_http_status_policy_api_op_e op, u_char *body, size_t len,
    ngx_str_t *key)
{
    ngx_http_status_policy_api_job_t  *job;

    static u_char  busy[] = "this worker is building another write of the "
                            "zone; try again";

    if (zone->wslot < 0 || zone->writing) {
        ngx_free(body);
        return ngx_http_status_policy_api_error(r,
                                                NGX_HTTP_SERVICE_UNAVAILABLE,
                                                busy, sizeof(busy) - 1, 0);
    }

    job = ngx_pcalloc(r->pool, sizeof(ngx_http_status_policy_api_job_t));
    if (job == NULL) {
        ngx_free(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->r = r;
    job->zone = zone;
    job->op = op;
    job->background = ngx_http_status_policy_live_background();
    job->body = body;
    job->len = len;

    if (key) {
        job->key = *key;
    }

    zone->writing = 1;

    return ngx_http_status_policy_api_run(job);
}


/* Builds the write from the published rules: in a thread, or here. */

static ngx_int_t
ngx_http_status_policy_api_run(ngx_http_status_policy_api_job_t *job)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;
#if (NGX_THREADS)
    ngx_thread_task_t   *task;
    ngx_thread_pool_t   *tp;

    static ngx_str_t  pool_name = ngx_string("default");
#endif

    r = job->r;
    job->base = ngx_http_status_policy_live_hold(job->zone);

#if (NGX_THREADS)
    tp = ngx_thread_pool_get((ngx_cycle_t *) ngx_cycle, &pool_name);

    if (tp) {
        task = ngx_thread_task_alloc(r->pool, 0);
        if (task == NULL) {
            ngx_http_status_policy_live_release(job->zone);
            ngx_http_status_policy_api_done(job);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        task->ctx = job;
        task->handler = ngx_http_status_policy_api_build;
        task->event.data = job;
        task->event.handler = ngx_http_status_policy_api_built;

        if (ngx_thread_task_post(tp, task) != NGX_OK) {
            ngx_http_status_policy_live_release(job->zone);
            ngx_http_status_policy_api_done(job);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->main->blocked++;
        r->aio = 1;
        r->main->count++;

        return NGX_DONE;
    }
#endif

    ngx_http_status_policy_api_build(job, r->connection->log);

    rc = ngx_http_status_policy_api_publish(job);

    if (rc == NGX_AGAIN) {
        return ngx_http_status_policy_api_run(job);
    }

    return rc;
}


/*
 * The work of a write, off the event loop: the body parsed, the rules
 * edited, the generation written into free zone memory.  Nothing here
 * touches the request or logs.
 */

static void
ngx_http_status_policy_api_build(void *data, ngx_log_t *log)
{
    ngx_http_status_policy_api_job_t *job = data;

    sp_live_set_t  *set, *publish;

    if (job->more == NULL && job->op != NGX_HTTP_STATUS_POLICY_API_DELETE) {
        job->more = sp_live_set_create();

        if (job->more == NULL) {
            job->rc = NGX_ERROR;
            return;
        }

        if (sp_live_set_parse(job->more,
                              job->body ? (const char *) job->body : "",
                              job->len, (char *) job->err, sizeof(job->err),
                              &job->line)
            != SP_OK)
        {
            job->rc = NGX_HTTP_BAD_REQUEST;
            return;
        }
    }

    set = sp_live_set_create();
    if (set == NULL) {
        job->rc = NGX_ERROR;
        return;
    }

    job->rc = ngx_http_status_policy_api_edit(job, set);

    publish = (job->op == NGX_HTTP_STATUS_POLICY_API_PUT) ? job->more : set;

    if (job->rc == NGX_OK) {
        job->rc = ngx_http_status_policy_live_build(job->zone, job->base,
                                                    publish, &job->block,
                                                    &job->size);
    }

    if (job->rc == NGX_OK) {
        job->count = sp_live_count(job->block);
    }

    sp_live_set_destroy(set);
}


#if (NGX_THREADS)

static void
ngx_http_status_policy_api_built(ngx_event_t *ev)
{
    ngx_http_status_policy_api_job_t *job = ev->data;

    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = job->r;
    c = r->connection;

    r->main->blocked--;
    r->aio = 0;

    rc = ngx_http_status_policy_api_publish(job);

    if (rc == NGX_AGAIN) {
        rc = ngx_http_status_policy_api_run(job);

        if (rc == NGX_DONE) {
            ngx_http_finalize_request(r, NGX_DONE);
            return;
        }
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}

#endif


/*
 * A built write published, or its error answered.  NGX_AGAIN: another
 * write came first, and the job is to be run again.
 */

static ngx_int_t
ngx_http_status_policy_api_publish(ngx_http_status_policy_api_job_t *job)
{
    size_t                               len;
    ngx_int_t                            rc;
    ngx_http_request_t                  *r;
    ngx_http_status_policy_live_zone_t  *zone;

    static u_char  lost[] = "other writes kept coming first; try again";

    r = job->r;
    zone = job->zone;
    rc = job->rc;

    if (rc == NGX_OK) {
        rc = ngx_http_status_policy_live_commit(zone, job->base, job->block,
                                                r->connection->log);

        if (rc == NGX_AGAIN) {
            ngx_http_status_policy_live_release(zone);
            job->block = NULL;

            if (++job->tries < NGX_HTTP_STATUS_POLICY_API_TRIES) {
                return NGX_AGAIN;
            }
        }
    }

    switch (rc) {

    case NGX_OK:
        rc = ngx_http_status_policy_api_answer(job);
        ngx_http_status_policy_live_whole(zone, r->connection->log);
        break;

    case NGX_AGAIN:
        rc = ngx_http_status_policy_api_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                              lost, sizeof(lost) - 1, 0);
        break;

    case NGX_HTTP_BAD_REQUEST:
        if (job->op != NGX_HTTP_STATUS_POLICY_API_DELETE) {
            rc = ngx_http_status_policy_api_error(r, rc, job->err,
                                                  ngx_strlen(job->err),
                                                  job->line);
            break;
        }

        len = ngx_snprintf(job->err, sizeof(job->err), "a pattern is "
                           "\"= /path\", \"^~ /prefix\" or \"/prefix\"")
              - job->err;
        rc = ngx_http_status_policy_api_error(r, rc, job->err, len, 0);
        break;

    case NGX_DECLINED:
        len = ngx_snprintf(job->err, sizeof(job->err), "zone \"%V\" is full: "
                           "the rules need %uz bytes", &zone->name, job->size)
              - job->err;
        rc = ngx_http_status_policy_api_error(r, 507, job->err, len, 0);
        break;

    case NGX_HTTP_CONFLICT:
        len = ngx_snprintf(job->err, sizeof(job->err), "a rule of that "
                           "pattern is already in zone \"%V\" (PATCH "
                           "replaces it)", &zone->name)
              - job->err;
        rc = ngx_http_status_policy_api_error(r, rc, job->err, len,
                                              job->line);
        break;

    case NGX_HTTP_NOT_FOUND:
        len = ngx_snprintf(job->err, sizeof(job->err), "zone \"%V\" has no "
                           "such rule", &zone->name)
              - job->err;
        rc = ngx_http_status_policy_api_error(r, rc, job->err, len, 0);
        break;

    default:
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (job->rc != NGX_OK) {
        ngx_http_status_policy_live_release(zone);
    }

    ngx_http_status_policy_api_done(job);

    return rc;
}


/* What a published write answers: 201, 200, or 204 for a DELETE. */

static ngx_int_t
ngx_http_status_policy_api_answer(ngx_http_status_policy_api_job_t *job)
{
    size_t               len, n;
    u_char              *buf;
    ngx_int_t            rc, status;
    sp_str_t             name;
    const char          *what;
    const void          *g;
    ngx_http_request_t  *r;
    ngx_http_status_policy_live_zone_t  *zone;

    r = job->r;
    zone = job->zone;

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "status_policy_zone \"%V\": %V by the API, %uz rules",
                  &zone->name, &r->method_name, job->count);

    if (job->op == NGX_HTTP_STATUS_POLICY_API_DELETE) {
        r->header_only = 1;
        r->headers_out.status = NGX_HTTP_NO_CONTENT;
        r->headers_out.content_length_n = 0;
        return ngx_http_send_header(r);
    }

    status = job->op == NGX_HTTP_STATUS_POLICY_API_POST ? NGX_HTTP_CREATED
                                                        : NGX_HTTP_OK;
    what = job->op == NGX_HTTP_STATUS_POLICY_API_POST ? "added"
           : job->op == NGX_HTTP_STATUS_POLICY_API_PATCH ? "written" : NULL;
    n = sp_live_set_count(job->more);

    name.data = (const char *) zone->name.data;
    name.len = zone->name.len;

    g = ngx_http_status_policy_live_enter(zone);

    rc = sp_live_json_written(g, name, zone->sh->changes, what, n, NULL, 0,
                              &len);
    buf = rc == SP_OK ? ngx_pnalloc(r->pool, len) : NULL;

    if (buf) {
        rc = sp_live_json_written(g, name, zone->sh->changes, what, n,
                                  (char *) buf, len, &len);
    }

    ngx_http_status_policy_live_leave(zone);

    if (buf == NULL || rc != SP_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_status_policy_api_send(r, status, buf, len);
}


static void
ngx_http_status_policy_api_done(ngx_http_status_policy_api_job_t *job)
{
    ngx_free(job->body);
    job->body = NULL;
    sp_live_set_destroy(job->more);
    job->more = NULL;
    job->zone->writing = 0;
}


/*
 * The rules a write publishes: the current ones (base) with the change,
 * in set, a layer over the base's own base if the change is small; a PUT
 * publishes its body as it is.
 */

static ngx_int_t
ngx_http_status_policy_api_edit(ngx_http_status_policy_api_job_t *job,
    sp_live_set_t *set)
{
    int  rc, op;

    switch (job->op) {

    case NGX_HTTP_STATUS_POLICY_API_PUT:
        return NGX_OK;

    case NGX_HTTP_STATUS_POLICY_API_POST:
        op = SP_LIVE_POST;
        break;

    case NGX_HTTP_STATUS_POLICY_API_PATCH:
        op = SP_LIVE_PATCH;
        break;

    default: /* NGX_HTTP_STATUS_POLICY_API_DELETE */
        op = SP_LIVE_DELETE;
    }

    rc = sp_live_edit(set, job->base, op, job->more,
                      (const char *) job->key.data, job->key.len,
                      job->background, &job->line);

    switch (rc) {

    case SP_OK:
        return NGX_OK;

    case SP_LIVE_CONFLICT:
        return NGX_HTTP_CONFLICT;

    case SP_LIVE_MISSING:
        return NGX_HTTP_NOT_FOUND;

    case SP_LIVE_BAD_KEY:
        return NGX_HTTP_BAD_REQUEST;

    default:
        return NGX_ERROR;
    }
}


/*
 * The zone named by the last segment of the path; if there is none, *zone
 * is NULL and the 404 is sent (the result is the request's).
 */

static ngx_int_t
ngx_http_status_policy_api_zone(ngx_http_request_t *r,
    ngx_http_status_policy_live_zone_t **zone)
{
    u_char                              *p;
    size_t                               len;
    ngx_str_t                            name, shown;
    ngx_http_status_policy_main_conf_t  *smcf;
    u_char                               err[NGX_HTTP_STATUS_POLICY_ERRSTR_SIZE];

    p = r->uri.data + r->uri.len;

    while (p > r->uri.data && p[-1] != '/') {
        p--;
    }

    name.data = p;
    name.len = r->uri.data + r->uri.len - p;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    *zone = ngx_http_status_policy_live_zone(smcf, &name);

    if (*zone) {
        return NGX_OK;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_status_policy_log_escape(r->pool, &name, &shown) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_snprintf(err, sizeof(err), "no status_policy_zone \"%V\"",
                       &shown)
          - err;

    return ngx_http_status_policy_api_error(r, NGX_HTTP_NOT_FOUND, err, len, 0);
}


/* a query argument, percent-decoded */

static ngx_int_t
ngx_http_status_policy_api_arg(ngx_http_request_t *r, char *name,
    ngx_str_t *value)
{
    u_char     *dst, *src;
    ngx_str_t   raw;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &raw) != NGX_OK) {
        return NGX_DECLINED;
    }

    value->data = ngx_pnalloc(r->pool, raw.len + 1);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    /* a "+" in a query is a space, as a form sends it */

    src = raw.data;
    dst = value->data;
    ngx_unescape_uri(&dst, &src, raw.len, 0);
    value->len = dst - value->data;

    for (dst = value->data; dst < value->data + value->len; dst++) {
        if (*dst == '+') {
            *dst = ' ';
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_api_error(ngx_http_request_t *r, ngx_uint_t status,
    u_char *error, size_t len, unsigned line)
{
    size_t     n;
    u_char    *buf;
    sp_str_t   e;

    e.data = (const char *) error;
    e.len = len;

    if (sp_live_json_error((int) status, e, line, NULL, 0, &n) != SP_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    buf = ngx_pnalloc(r->pool, n);
    if (buf == NULL
        || sp_live_json_error((int) status, e, line, (char *) buf, n, &n)
           != SP_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_status_policy_api_send(r, status, buf, n);
}


static ngx_int_t
ngx_http_status_policy_api_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *json, size_t len)
{
    ngx_buf_t  *b;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = json;
    b->last = json + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = ngx_http_status_policy_api_type;
    r->headers_out.content_type_len = ngx_http_status_policy_api_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_status_policy_add_header(r,
                                          &ngx_http_status_policy_api_cache_key,
                                          &ngx_http_status_policy_api_no_store)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_status_policy_send_response(r, b);
}
