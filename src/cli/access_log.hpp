// Lines of an access log in nginx's "combined" format (or "common", which
// stops after the body size):
//
//   $remote_addr - $remote_user [$time_local] "$request" $status
//   $body_bytes_sent "$http_referer" "$http_user_agent"
//
// with nginx's default escaping of logged strings: '"', '\' and bytes
// outside printable ASCII written as \xHH.

#pragma once

#include <string>
#include <string_view>

namespace status_policy {

struct LogEntry {
    std::string_view request;       // still escaped: see unescape_log_field
    int status = 0;
};

// Returns false for a line that is not in that format.  Anything after the
// body size (referer, user agent, extra fields) is ignored.
bool parse_log_line(std::string_view line, LogEntry &entry);

// Undoes the log's escaping: \xHH as written by nginx, and \" and \\ as
// other servers write them; any other backslash is kept.  Returns field
// itself when it has nothing to undo, else the text built in buffer.
std::string_view unescape_log_field(std::string_view field,
                                    std::string &buffer);

} // namespace status_policy
