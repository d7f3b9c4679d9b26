
/*
 * ngx_http_status_policy_module: the rewrite-phase handler that finds the
 * rule for a request and enforces it (or, in dry run, logs it).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static ngx_int_t ngx_http_status_policy_merged_path(ngx_http_request_t *r,
    ngx_str_t *path);
static ngx_int_t ngx_http_status_policy_apply(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_http_status_policy_loc_conf_t *lcf,
    ngx_http_status_policy_loc_conf_t *level, const void *g, sp_match_t *m,
    ngx_str_t *path);
static ngx_int_t ngx_http_status_policy_decide(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, sp_rule_info_t *info);
static ngx_int_t ngx_http_status_policy_redirect_location(
    ngx_http_request_t *r, sp_ruleset_t *rules, const void *g,
    sp_match_t *m, ngx_str_t *path, ngx_str_t *location);
static ngx_int_t ngx_http_status_policy_enforce(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_str_t *location);
static void ngx_http_status_policy_log_dry_run(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_str_t *location);
static void ngx_http_status_policy_log_limit(ngx_http_request_t *r,
    sp_ruleset_t *rules, uint32_t rule);


static ngx_str_t  ngx_http_status_policy_location = ngx_string("Location");


ngx_int_t
ngx_http_status_policy_handler(ngx_http_request_t *r)
{
    int                                 found;
    ngx_int_t                           rc;
    ngx_flag_t                          redirected;
    ngx_str_t                           path;
    sp_match_t                          m;
    const void                         *g;
    ngx_http_status_policy_ctx_t       *ctx;
    ngx_http_status_policy_loc_conf_t  *lcf, *level;

    /*
     * A request is policed as the client sent it (after server-level
     * rewrites), and again after "rewrite ... last" as long as no rule
     * has matched; never in subrequests or after internal redirects
     * (error_page, index, try_files, X-Accel-Redirect).
     */

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_status_policy_get_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_http_status_policy_create_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->uri = r->uri;
        redirected = 0;

    } else {
        /*
         * After an internal redirect; or after "rewrite ... last", which
         * polices the new URI until a rule has matched.
         */
        redirected = ctx->redirected
                     || ctx->action != NGX_HTTP_STATUS_POLICY_NONE;
    }

    /* masking needs to know how the current location was entered */

    ctx->error_page = r->error_page;
    ctx->error_page_target = r->error_page
                             || (ctx->redirected && r->err_status);

    ngx_http_status_policy_mask_hold_expect(r, ctx);

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_status_policy_module);

    if (redirected || r->error_page) {
        return NGX_DECLINED;
    }

    /* responses count where the request was policed, not in error pages */

    ctx->policed = lcf;

    if (ngx_http_status_policy_merged_path(r, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * The innermost level with rules answers, else the next outer one.
     * A level's live zone is read while its rule is enforced: a write
     * that replaces the zone's rules meanwhile frees them only after.
     */

    found = 0;
    g = NULL;

    for (level = (lcf->rules || lcf->live) ? lcf : lcf->outer;
         level;
         level = level->outer)
    {
        g = level->live
            ? ngx_http_status_policy_live_enter(level->live->zone) : NULL;

        found = sp_ruleset_match_live(level->rules, g,
                                      (const char *) path.data, path.len, &m);

        if (m.limit_rule != SP_NO_RULE) {
            ngx_http_status_policy_log_limit(r, level->rules, m.limit_rule);
        }

        if (found) {
            break;
        }

        if (level->live) {
            ngx_http_status_policy_live_leave(level->live->zone);
        }
    }

    if (!found) {
        return NGX_DECLINED;
    }

    rc = ngx_http_status_policy_apply(r, ctx, lcf, level, g, &m, &path);

    if (level->live) {
        ngx_http_status_policy_live_leave(level->live->zone);
    }

    return rc;
}


/* The rule a request hit: counted, then enforced or, in dry run, logged. */

static ngx_int_t
ngx_http_status_policy_apply(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_http_status_policy_loc_conf_t *lcf,
    ngx_http_status_policy_loc_conf_t *level, const void *g, sp_match_t *m,
    ngx_str_t *path)
{
    ngx_str_t       location;
    sp_rule_info_t  info;

    if (m->zone) {
        if (sp_live_rule(g, m->rule, &info, NULL) != SP_OK) {
            return NGX_DECLINED;
        }

        sp_live_count_hit(g, m->rule, (int64_t) ngx_time());

        /* "zone:NAME": a zone's rules have no lines that stay put */

        info.source.data = (const char *) level->live->source.data;
        info.source.len = level->live->source.len;

    } else {
        if (sp_ruleset_rule(level->rules, m->rule, &info) != SP_OK) {
            return NGX_DECLINED;
        }

        ngx_http_status_policy_count_hit(r, level, m->rule);
    }

    if (ngx_http_status_policy_decide(r, ctx, &info) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_null(&location);

    if (ctx->action == NGX_HTTP_STATUS_POLICY_REDIRECT
        && ngx_http_status_policy_redirect_location(r, level->rules, g, m,
                                                    path, &location)
           != NGX_OK)
    {
        /* never a 3xx without its Location */

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "status_policy: the Location of rule %V cannot be "
                      "built (out of memory); answering 500", &ctx->rule);

        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (lcf->dry_run) {
        ngx_http_status_policy_log_dry_run(r, ctx, &location);
        return NGX_DECLINED;
    }

    return ngx_http_status_policy_enforce(r, ctx, &location);
}


/*
 * The path the rules see: $uri with repeated slashes merged, whatever
 * merge_slashes says.  With merge_slashes off nginx keeps "//old-page",
 * and the file system serves /old-page for it: a rule that retires or
 * hides a path must not be opened by a doubled slash.
 */

static ngx_int_t
ngx_http_status_policy_merged_path(ngx_http_request_t *r, ngx_str_t *path)
{
    u_char  *p, *q, *end;

    *path = r->uri;

    end = r->uri.data + r->uri.len;

    for (p = r->uri.data; p + 1 < end; p++) {
        if (p[0] == '/' && p[1] == '/') {
            break;
        }
    }

    if (p + 1 >= end) {
        return NGX_OK;
    }

    path->data = ngx_pnalloc(r->pool, r->uri.len);
    if (path->data == NULL) {
        return NGX_ERROR;
    }

    q = ngx_cpymem(path->data, r->uri.data, p - r->uri.data);

    for ( /* void */ ; p < end; p++) {
        if (*p != '/' || q == path->data || q[-1] != '/') {
            *q++ = *p;
        }
    }

    path->len = q - path->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_decide(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, sp_rule_info_t *info)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, info->source.len + 1 + NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->rule.data = p;
    ctx->rule.len = (info->line
                     ? ngx_sprintf(p, "%*s:%ui", info->source.len,
                                   info->source.data, (ngx_uint_t) info->line)
                     : ngx_sprintf(p, "%*s", info->source.len,
                                   info->source.data))
                    - p;

    ctx->code = info->code;

    switch (info->code) {

    case 410:
        ctx->action = NGX_HTTP_STATUS_POLICY_GONE;
        break;

    case NGX_HTTP_CLOSE:
        ctx->action = NGX_HTTP_STATUS_POLICY_DROP;
        break;

    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
        ctx->action = NGX_HTTP_STATUS_POLICY_REDIRECT;
        break;

    default:
        ctx->action = NGX_HTTP_STATUS_POLICY_STATUS;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_redirect_location(ngx_http_request_t *r,
    sp_ruleset_t *rules, const void *g, sp_match_t *m, ngx_str_t *path,
    ngx_str_t *location)
{
    int      rc;
    size_t   len;
    u_char  *p;

    rc = m->zone
         ? sp_live_redirect(g, m, (const char *) path->data, path->len,
                            (const char *) r->args.data, r->args.len,
                            NULL, 0, &len)
         : sp_ruleset_redirect(rules, m, (const char *) path->data,
                               path->len, (const char *) r->args.data,
                               r->args.len, NULL, 0, &len);
    if (rc != SP_OK) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rc = m->zone
         ? sp_live_redirect(g, m, (const char *) path->data, path->len,
                            (const char *) r->args.data, r->args.len,
                            (char *) p, len, &location->len)
         : sp_ruleset_redirect(rules, m, (const char *) path->data,
                               path->len, (const char *) r->args.data,
                               r->args.len, (char *) p, len, &location->len);

    if (rc != SP_OK || location->len != len) {
        return NGX_ERROR;
    }

    location->data = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_status_policy_enforce(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_str_t *location)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    if (ctx->action == NGX_HTTP_STATUS_POLICY_GONE
        || ctx->action == NGX_HTTP_STATUS_POLICY_STATUS)
    {
        rc = ngx_http_status_policy_send_page(r, ctx->code);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ctx->action == NGX_HTTP_STATUS_POLICY_REDIRECT) {

        ngx_http_clear_location(r);

        h = ngx_http_status_policy_add_header(r,
                                              &ngx_http_status_policy_location,
                                              location);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.location = h;
    }

    /*
     * Returned from a phase handler, the code takes nginx's error path:
     * the built-in page or error_page, and 444 closes the connection.
     */

    return ctx->code;
}


static void
ngx_http_status_policy_log_dry_run(ngx_http_request_t *r,
    ngx_http_status_policy_ctx_t *ctx, ngx_str_t *location)
{
    ngx_str_t  path, target;

    if (r->connection->log->log_level < NGX_LOG_NOTICE) {
        return;
    }

    if (ngx_http_status_policy_log_escape(r->pool, &r->uri, &path) != NGX_OK) {
        return;
    }

    if (location->len == 0) {
        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "status_policy dry run: would return %ui "
                      "for \"%V\" by rule %V", ctx->code, &path, &ctx->rule);
        return;
    }

    if (ngx_http_status_policy_log_escape(r->pool, location, &target)
        != NGX_OK)
    {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "status_policy dry run: would return %ui \"%V\" "
                  "for \"%V\" by rule %V",
                  ctx->code, &target, &path, &ctx->rule);
}


static void
ngx_http_status_policy_log_limit(ngx_http_request_t *r, sp_ruleset_t *rules,
    uint32_t rule)
{
    ngx_str_t       path;
    sp_rule_info_t  info;

    if (r->connection->log->log_level < NGX_LOG_WARN
        || sp_ruleset_rule(rules, rule, &info) != SP_OK
        || ngx_http_status_policy_log_escape(r->pool, &r->uri, &path)
           != NGX_OK)
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "status_policy: rule %*s:%ui hit the PCRE2 match limit "
                  "on \"%V\", treated as no match",
                  info.source.len, info.source.data, (ngx_uint_t) info.line,
                  &path);
}
