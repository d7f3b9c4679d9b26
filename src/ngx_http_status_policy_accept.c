
/*
 * ngx_http_status_policy_module: what the client's Accept header prefers,
 * for the JSON error bodies and the report formats.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


static double ngx_http_status_policy_type_q(ngx_str_t *accept,
    ngx_str_t *type);
static double ngx_http_status_policy_q_value(u_char *params, u_char *end);


/*
 * The quality the request's Accept gives a media type ("application/json"):
 * the best of its own entries, else of its type's wildcard
 * ("application/star"), else of the full wildcard, else 0.  Without Accept,
 * every type has 1.
 */

double
ngx_http_status_policy_accept_q(ngx_http_request_t *r, ngx_str_t *type)
{
#if (NGX_HTTP_HEADERS)
    if (r->headers_in.accept) {
        return ngx_http_status_policy_type_q(&r->headers_in.accept->value,
                                             type);
    }
#endif

    return 1;
}


static double
ngx_http_status_policy_type_q(ngx_str_t *accept, ngx_str_t *type)
{
    u_char  *p, *last, *item, *end, *semi, *slash;
    size_t   len, major;
    double   q, exact, wild, any;

    /* "application/" for "application/json"; none for a type without '/' */

    slash = ngx_strlchr(type->data, type->data + type->len, '/');
    major = slash ? (size_t) (slash - type->data) + 1 : 0;

    exact = -1;
    wild = -1;
    any = -1;

    p = accept->data;
    last = accept->data + accept->len;

    while (p < last) {

        while (p < last && (*p == ' ' || *p == ',')) {
            p++;
        }

        item = p;

        while (p < last && *p != ',') {
            p++;
        }

        end = p;
        q = 1;

        semi = ngx_strlchr(item, end, ';');

        if (semi) {
            q = ngx_http_status_policy_q_value(semi, end);
            end = semi;
        }

        while (end > item && end[-1] == ' ') {
            end--;
        }

        len = end - item;

        if (len == type->len
            && ngx_strncasecmp(item, type->data, len) == 0)
        {
            exact = ngx_max(exact, q);

        } else if (major && len == major + 1 && item[major] == '*'
                   && ngx_strncasecmp(item, type->data, major) == 0)
        {
            wild = ngx_max(wild, q);

        } else if (len == 3 && ngx_strncmp(item, "*/*", 3) == 0) {
            any = ngx_max(any, q);
        }
    }

    return exact >= 0 ? exact : (wild >= 0 ? wild : (any >= 0 ? any : 0));
}


/* the "q=" of an entry's parameters, 1 if none, 0 if unreadable */

static double
ngx_http_status_policy_q_value(u_char *params, u_char *end)
{
    u_char     *qp;
    size_t      len;
    ngx_int_t   n;

    qp = ngx_strlcasestrn(params, end, (u_char *) "q=", 2 - 1);

    if (qp == NULL) {
        return 1;
    }

    qp += 2;
    len = 0;

    while (qp + len < end
           && (qp[len] == '.' || (qp[len] >= '0' && qp[len] <= '9')))
    {
        len++;
    }

    n = ngx_atofp(qp, len, 3);

    return (n == NGX_ERROR) ? 0 : n / 1000.0;
}
