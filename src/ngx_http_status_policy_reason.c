
/*
 * ngx_http_status_policy_module: the reason phrases of error codes, for
 * the JSON bodies and for the codes nginx itself sends without a reason
 * phrase or a page.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_status_policy_module.h"


typedef struct {
    ngx_uint_t  code;
    ngx_str_t   reason;
    ngx_str_t   status_line;
    /* nginx's status line and page tables leave the code empty */
    ngx_uint_t  missing;
} ngx_http_status_policy_reason_t;


#define ngx_http_status_policy_code(code, reason, missing)                   \
    { code, ngx_string(reason), ngx_string(#code " " reason), missing }


static ngx_http_status_policy_reason_t  ngx_http_status_policy_reasons[] = {
    ngx_http_status_policy_code(400, "Bad Request", 0),
    ngx_http_status_policy_code(401, "Unauthorized", 0),
    ngx_http_status_policy_code(402, "Payment Required", 0),
    ngx_http_status_policy_code(403, "Forbidden", 0),
    ngx_http_status_policy_code(404, "Not Found", 0),
    ngx_http_status_policy_code(405, "Method Not Allowed", 0),
    ngx_http_status_policy_code(406, "Not Acceptable", 0),
    ngx_http_status_policy_code(407, "Proxy Authentication Required", 1),
    ngx_http_status_policy_code(408, "Request Timeout", 0),
    ngx_http_status_policy_code(409, "Conflict", 0),
    ngx_http_status_policy_code(410, "Gone", 0),
    ngx_http_status_policy_code(411, "Length Required", 0),
    ngx_http_status_policy_code(412, "Precondition Failed", 0),
    ngx_http_status_policy_code(413, "Content Too Large", 0),
    ngx_http_status_policy_code(414, "URI Too Long", 0),
    ngx_http_status_policy_code(415, "Unsupported Media Type", 0),
    ngx_http_status_policy_code(416, "Range Not Satisfiable", 0),
    ngx_http_status_policy_code(417, "Expectation Failed", 1),
    ngx_http_status_policy_code(421, "Misdirected Request", 0),
    ngx_http_status_policy_code(422, "Unprocessable Content", 1),
    ngx_http_status_policy_code(423, "Locked", 1),
    ngx_http_status_policy_code(424, "Failed Dependency", 1),
    ngx_http_status_policy_code(425, "Too Early", 1),
    ngx_http_status_policy_code(426, "Upgrade Required", 1),
    ngx_http_status_policy_code(428, "Precondition Required", 1),
    ngx_http_status_policy_code(429, "Too Many Requests", 0),
    ngx_http_status_policy_code(431, "Request Header Fields Too Large", 1),
    ngx_http_status_policy_code(451, "Unavailable For Legal Reasons", 1),
    ngx_http_status_policy_code(500, "Internal Server Error", 0),
    ngx_http_status_policy_code(501, "Not Implemented", 0),
    ngx_http_status_policy_code(502, "Bad Gateway", 0),
    ngx_http_status_policy_code(503, "Service Unavailable", 0),
    ngx_http_status_policy_code(504, "Gateway Timeout", 0),
    ngx_http_status_policy_code(505, "HTTP Version Not Supported", 0),
    ngx_http_status_policy_code(506, "Variant Also Negotiates", 1),
    ngx_http_status_policy_code(507, "Insufficient Storage", 0),
    ngx_http_status_policy_code(508, "Loop Detected", 1),
    ngx_http_status_policy_code(510, "Not Extended", 1),
    ngx_http_status_policy_code(511, "Network Authentication Required", 1),
    { 0, ngx_null_string, ngx_null_string, 0 }
};


static ngx_str_t  ngx_http_status_policy_client_error =
    ngx_string("Client Error");
static ngx_str_t  ngx_http_status_policy_server_error =
    ngx_string("Server Error");


static ngx_http_status_policy_reason_t *
ngx_http_status_policy_find_reason(ngx_uint_t code)
{
    ngx_http_status_policy_reason_t  *r;

    for (r = ngx_http_status_policy_reasons; r->code; r++) {
        if (r->code == code) {
            return r;
        }
    }

    return NULL;
}


/* "Gone" for 410; the class's name for a code without one */

ngx_str_t *
ngx_http_status_policy_reason(ngx_uint_t code)
{
    ngx_http_status_policy_reason_t  *r;

    r = ngx_http_status_policy_find_reason(code);

    if (r) {
        return &r->reason;
    }

    return code < 500 ? &ngx_http_status_policy_client_error
                      : &ngx_http_status_policy_server_error;
}


/* "451 Unavailable For Legal Reasons" for a code nginx has no line for */

ngx_str_t *
ngx_http_status_policy_own_status_line(ngx_uint_t code)
{
    ngx_http_status_policy_reason_t  *r;

    r = ngx_http_status_policy_find_reason(code);

    return (r && r->missing) ? &r->status_line : NULL;
}
