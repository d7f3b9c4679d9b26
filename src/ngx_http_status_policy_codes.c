
/*
 * ngx_http_status_policy_module: the status codes that directives list.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


/* a status code as a directive gives it: three digits, else NGX_ERROR */

ngx_int_t
ngx_http_status_policy_parse_code(ngx_str_t *s)
{
    if (s->len != 3) {
        return NGX_ERROR;
    }

    return ngx_atoi(s->data, s->len);
}


/* whether a list of codes (ngx_uint_t) holds a code */

ngx_flag_t
ngx_http_status_policy_code_listed(ngx_array_t *codes, ngx_uint_t code)
{
    ngx_uint_t   i, *c;

    c = codes->elts;

    for (i = 0; i < codes->nelts; i++) {
        if (c[i] == code) {
            return 1;
        }
    }

    return 0;
}
