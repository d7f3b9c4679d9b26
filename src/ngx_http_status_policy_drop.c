
/*
 * ngx_http_status_policy_module: how a 444 drops.
 *
 * On HTTP/1.x nginx itself closes the connection without a byte, and
 * resets it when reset_timedout_connection is on.  On HTTP/2 and HTTP/3
 * nginx resets only the stream; with status_drop_connection on, the whole
 * connection goes, at once: this is done in the log phase, so that it
 * follows any 444 of the location (a rule's, "return 444", one an
 * error_page decides after an upstream failed).  HTTP/3 has a call that
 * closes the QUIC connection; streams behind the dropped one are closed
 * unanswered.  HTTP/2 needs what follows.
 *
 * The stream's request is finalized from inside the connection's frame
 * parser, which goes on with the rest of its read buffer when the request
 * is gone, so the connection cannot be closed from here.  Instead the
 * connection is marked as going away (nginx's parser then skips the
 * HEADERS of every later stream), a GOAWAY naming the dropped stream as
 * the last is sent now, and a posted event, run in this same turn of the
 * event loop, ends the streams in flight and closes the connection.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


#if (NGX_HTTP_V2 || NGX_HTTP_V3)
static void ngx_http_status_policy_drop_log(ngx_http_request_t *r,
    ngx_connection_t *c, char *protocol);
static ngx_flag_t ngx_http_status_policy_marked(ngx_connection_t *c,
    ngx_pool_cleanup_pt mark);
#endif

#if (NGX_HTTP_V3)
static void ngx_http_status_policy_drop_quic(ngx_http_request_t *r);
static void ngx_http_status_policy_quic_dropped(void *data);
#endif

#if (NGX_HTTP_V2)

static void ngx_http_status_policy_drop_h2(ngx_http_request_t *r);
static ngx_int_t ngx_http_status_policy_send_goaway(
    ngx_http_v2_connection_t *h2c, ngx_uint_t sid);
static ngx_int_t ngx_http_status_policy_goaway_sent(
    ngx_http_v2_connection_t *h2c, ngx_http_v2_out_frame_t *frame);
static ngx_int_t ngx_http_status_policy_post_close(ngx_connection_t *c);
static void ngx_http_status_policy_close_handler(ngx_event_t *ev);
static void ngx_http_status_policy_close_cleanup(void *data);

#endif


ngx_int_t
ngx_http_status_policy_drop_handler(ngx_http_request_t *r)
{
    ngx_http_status_policy_loc_conf_t  *lcf;

    if (r != r->main || r->headers_out.status != NGX_HTTP_CLOSE) {
        return NGX_OK;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (!lcf->drop_connection) {
        return NGX_OK;
    }

#if (NGX_HTTP_V3)
    if (r->connection->quic) {
        ngx_http_status_policy_drop_quic(r);
        return NGX_OK;
    }
#endif

#if (NGX_HTTP_V2)
    if (r->stream) {
        ngx_http_status_policy_drop_h2(r);
    }
#endif

    return NGX_OK;
}


#if (NGX_HTTP_V2 || NGX_HTTP_V3)

static void
ngx_http_status_policy_drop_log(ngx_http_request_t *r, ngx_connection_t *c,
    char *protocol)
{
    ngx_str_t                      path;
    ngx_http_status_policy_ctx_t  *ctx;

    if (c->log->log_level < NGX_LOG_INFO) {
        return;
    }

    if (ngx_http_status_policy_log_escape(r->pool, &r->uri, &path)
        != NGX_OK)
    {
        ngx_str_set(&path, "-");
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx && ctx->rule.len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "status_policy: 444 for \"%V\" closes the %s "
                      "connection (status_drop_connection on), rule %V",
                      &path, protocol, &ctx->rule);

    } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "status_policy: 444 for \"%V\" closes the %s "
                      "connection (status_drop_connection on)", &path,
                      protocol);
    }
}


/* whether a cleanup with this handler marks the connection */

static ngx_flag_t
ngx_http_status_policy_marked(ngx_connection_t *c, ngx_pool_cleanup_pt mark)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == mark) {
            return 1;
        }
    }

    return 0;
}

#endif


#if (NGX_HTTP_V3)

/*
 * The QUIC connection is closed with CONNECTION_CLOSE, posted for this
 * turn of the event loop: streams that came in the same packets are
 * never answered.
 */

static void
ngx_http_status_policy_drop_quic(ngx_http_request_t *r)
{
    ngx_connection_t        *c;
    ngx_pool_cleanup_t      *cln;
    ngx_http_v3_session_t   *h3c;

    c = r->connection->quic->parent;

    ngx_http_status_policy_drop_log(r, c, "HTTP/3");

    if (ngx_http_status_policy_marked(c,
                                      ngx_http_status_policy_quic_dropped))
    {
        return;
    }

    /*
     * Streams nginx has yet to begin are closed at once (as after a
     * GOAWAY); those begun in the same packets find the mark before any
     * phase can answer them.
     */

    h3c = ngx_http_v3_get_session(r->connection);
    h3c->goaway = 1;

    cln = ngx_pool_cleanup_add(c->pool, 0);
    if (cln) {
        cln->handler = ngx_http_status_policy_quic_dropped;
    }

    ngx_http_v3_finalize_connection(r->connection, NGX_HTTP_V3_ERR_NO_ERROR,
                                    "status_drop_connection");
}


/* post-read phase: a request of an HTTP/3 connection a 444 is closing */

ngx_int_t
ngx_http_status_policy_quic_closing_handler(ngx_http_request_t *r)
{
    if (r->connection->quic == NULL
        || !ngx_http_status_policy_marked(r->connection->quic->parent,
                                          ngx_http_status_policy_quic_dropped))
    {
        return NGX_DECLINED;
    }

    /* never answered, and never logged, as on HTTP/2 */

    r->logged = 1;

    return NGX_HTTP_CLOSE;
}


/* the mark of a dropped QUIC connection: a cleanup that does nothing */

static void
ngx_http_status_policy_quic_dropped(void *data)
{
}

#endif


#if (NGX_HTTP_V2)

static void
ngx_http_status_policy_drop_h2(ngx_http_request_t *r)
{
    ngx_connection_t          *c;
    ngx_http_v2_connection_t  *h2c;

    h2c = r->stream->connection;
    c = h2c->connection;

    ngx_http_status_policy_drop_log(r, c, "HTTP/2");

    /* another stream of the flight dropped already: closing is on its way */

    if (ngx_http_status_policy_marked(c, ngx_http_status_policy_close_cleanup))
    {
        return;
    }

    if (!h2c->goaway) {
        h2c->goaway = 1;

        if (ngx_http_status_policy_send_goaway(h2c, r->stream->node->id)
            == NGX_OK)
        {
            (void) ngx_http_v2_send_output_queue(h2c);
        }
    }

    (void) ngx_http_status_policy_post_close(c);
}


/*
 * GOAWAY with NO_ERROR: the connection ends on purpose, not for a fault
 * of the client's framing; the last stream named is the dropped one, so
 * that a client knows every later stream went unprocessed.
 */

static ngx_int_t
ngx_http_status_policy_send_goaway(ngx_http_v2_connection_t *h2c,
    ngx_uint_t sid)
{
    u_char                   *p;
    ngx_buf_t                *b;
    ngx_chain_t              *cl;
    ngx_http_v2_out_frame_t  *frame;

    frame = ngx_pcalloc(h2c->pool, sizeof(ngx_http_v2_out_frame_t));
    b = ngx_create_temp_buf(h2c->pool, NGX_HTTP_V2_FRAME_HEADER_SIZE + 8);
    cl = ngx_alloc_chain_link(h2c->pool);

    if (frame == NULL || b == NULL || cl == NULL) {
        return NGX_ERROR;
    }

    p = b->last;

    /* length 8, type GOAWAY, no flags, stream 0 */
    *p++ = 0; *p++ = 0; *p++ = 8;
    *p++ = NGX_HTTP_V2_GOAWAY_FRAME;
    *p++ = 0;
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;

    /* the last stream id, then the error code NO_ERROR */
    *p++ = (u_char) ((sid >> 24) & 0x7f);
    *p++ = (u_char) (sid >> 16);
    *p++ = (u_char) (sid >> 8);
    *p++ = (u_char) sid;
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;

    b->last = p;
    b->flush = 1;

    cl->buf = b;
    cl->next = NULL;

    frame->first = cl;
    frame->last = cl;
    frame->handler = ngx_http_status_policy_goaway_sent;
    frame->length = 8;

    ngx_http_v2_queue_blocked_frame(h2c, frame);

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_goaway_sent(ngx_http_v2_connection_t *h2c,
    ngx_http_v2_out_frame_t *frame)
{
    ngx_buf_t  *b;

    b = frame->first->buf;

    return (b->pos == b->last) ? NGX_OK : NGX_AGAIN;
}


/*
 * The close runs from the posted events of this turn of the event loop,
 * after the frame parser is done; the cleanup takes it off the queue
 * should the connection be closed before.
 */

static ngx_int_t
ngx_http_status_policy_post_close(ngx_connection_t *c)
{
    ngx_event_t         *ev;
    ngx_pool_cleanup_t  *cln;

    ev = ngx_pcalloc(c->pool, sizeof(ngx_event_t));
    cln = ngx_pool_cleanup_add(c->pool, 0);

    if (ev == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    ev->handler = ngx_http_status_policy_close_handler;
    ev->data = c;
    ev->log = c->log;

    cln->handler = ngx_http_status_policy_close_cleanup;
    cln->data = ev;

    ngx_post_event(ev, &ngx_posted_events);

    return NGX_OK;
}


/*
 * nginx's HTTP/2 read handler, given a connection marked with an error and
 * to be closed, ends every stream and closes it, sending no second
 * GOAWAY; with no stream left, its idle handler closes it.
 */

static void
ngx_http_status_policy_close_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c;

    c = ev->data;

    c->error = 1;
    c->close = 1;

    c->read->handler(c->read);
}


static void
ngx_http_status_policy_close_cleanup(void *data)
{
    ngx_event_t  *ev = data;

    if (ev->posted) {
        ngx_delete_posted_event(ev);
    }
}

#endif
