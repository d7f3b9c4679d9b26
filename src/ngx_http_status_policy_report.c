
/*
 * ngx_http_status_policy_module: status_policy_report, a content handler
 * showing the spike zones and the rule hit counters as JSON, Prometheus
 * text or HTML.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* paths shown per zone: bounds the report and Prometheus label cardinality */
#define NGX_HTTP_STATUS_POLICY_REPORT_PATHS  50


static ngx_int_t ngx_http_status_policy_report_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_status_policy_report_format(ngx_http_request_t *r,
    ngx_int_t configured);
static ngx_int_t ngx_http_status_policy_report_zones(ngx_http_request_t *r,
    sp_report_t *report);


static ngx_str_t  ngx_http_status_policy_report_types[] = {
    ngx_string("application/json"),
    ngx_string("text/plain; version=0.0.4; charset=utf-8"),
    ngx_string("text/html; charset=utf-8")
};


char *
ngx_http_status_policy_report(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_status_policy_loc_conf_t *lcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->report != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    lcf->report = -1;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "json") == 0) {
            lcf->report = SP_REPORT_JSON;

        } else if (ngx_strcmp(value[1].data, "prometheus") == 0) {
            lcf->report = SP_REPORT_PROMETHEUS;

        } else if (ngx_strcmp(value[1].data, "html") == 0) {
            lcf->report = SP_REPORT_HTML;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "status_policy_report: invalid format \"%V\", "
                               "expected json, prometheus or html",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_status_policy_report_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_status_policy_report_handler(ngx_http_request_t *r)
{
    size_t                              len;
    ngx_int_t                           rc, format;
    ngx_buf_t                          *b;
    ngx_chain_t                         out;
    sp_report_t                         report;
    ngx_table_elt_t                    *h;
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
        || ngx_http_status_policy_report_rules(r, &report) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sp_report_render(&report, (int) format, NULL, 0);
    if (len == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sp_report_render(&report, (int) format, (char *) b->pos, len)
        != len)
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

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* The directive's argument, else ?format=, else Accept; JSON by default. */

static ngx_int_t
ngx_http_status_policy_report_format(ngx_http_request_t *r,
    ngx_int_t configured)
{
    ngx_str_t   arg, *accept;

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

#if (NGX_HTTP_HEADERS)
    if (r->headers_in.accept) {
        accept = &r->headers_in.accept->value;

        if (ngx_strlcasestrn(accept->data, accept->data + accept->len,
                             (u_char *) "application/json", 16 - 1)
            != NULL)
        {
            return SP_REPORT_JSON;
        }

        if (ngx_strlcasestrn(accept->data, accept->data + accept->len,
                             (u_char *) "text/html", 9 - 1)
            != NULL)
        {
            return SP_REPORT_HTML;
        }

        if (ngx_strlcasestrn(accept->data, accept->data + accept->len,
                             (u_char *) "text/plain", 10 - 1)
            != NULL
            || ngx_strlcasestrn(accept->data, accept->data + accept->len,
                                (u_char *) "openmetrics", 11 - 1)
               != NULL)
        {
            return SP_REPORT_PROMETHEUS;
        }
    }
#else
    (void) accept;
#endif

    return SP_REPORT_JSON;
}


/* Each zone's top paths, copied out under its lock, rendered outside it. */

static ngx_int_t
ngx_http_status_policy_report_zones(ngx_http_request_t *r,
    sp_report_t *report)
{
    int                                   *codes;
    ngx_uint_t                             i, k;
    sp_spike_path_t                       *paths;
    sp_report_zone_t                      *rz;
    ngx_http_status_policy_spike_zone_t  **zone;
    ngx_http_status_policy_main_conf_t    *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_status_policy_module);

    report->now_ms = ngx_http_status_policy_now_ms();

    if (smcf->spike_zones.nelts == 0) {
        return NGX_OK;
    }

    rz = ngx_pcalloc(r->pool, smcf->spike_zones.nelts * sizeof(sp_report_zone_t));
    if (rz == NULL) {
        return NGX_ERROR;
    }

    report->zones = rz;
    report->nzones = smcf->spike_zones.nelts;

    zone = smcf->spike_zones.elts;

    for (i = 0; i < smcf->spike_zones.nelts; i++) {

        paths = ngx_palloc(r->pool, NGX_HTTP_STATUS_POLICY_REPORT_PATHS
                                    * sizeof(sp_spike_path_t));
        codes = ngx_palloc(r->pool, zone[i]->ncodes * sizeof(int));

        if (paths == NULL || codes == NULL) {
            return NGX_ERROR;
        }

        for (k = 0; k < zone[i]->ncodes; k++) {
            codes[k] = (int) zone[i]->codes[k];
        }

        rz[i].name.data = (const char *) zone[i]->name.data;
        rz[i].name.len = zone[i]->name.len;
        rz[i].cfg = zone[i]->cfg;
        rz[i].codes = codes;
        rz[i].ncodes = zone[i]->ncodes;
        rz[i].paths = paths;

        ngx_shmtx_lock(&zone[i]->shpool->mutex);

        rz[i].npaths = sp_spike_top(zone[i]->block, report->now_ms, paths,
                                    NGX_HTTP_STATUS_POLICY_REPORT_PATHS,
                                    &rz[i].stats);

        ngx_shmtx_unlock(&zone[i]->shpool->mutex);
    }

    return NGX_OK;
}
