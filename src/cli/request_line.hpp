// An HTTP request line ("GET /path?q HTTP/1.1") read as nginx 1.22 reads
// it, so that a logged request can be judged the way nginx judged it:
// which target it asked for, or that nginx answered it with an error.

#pragma once

#include <cstdint>
#include <string_view>

namespace status_policy {

enum class RequestError : uint8_t {
    none,
    empty,              // no request line at all ("" or "-" in a log)
    bad_method,         // not [A-Z_-]+
    bad_target,         // neither "/..." nor "scheme://host..."
    bad_host,           // the host of an absolute-form target
    control_byte,       // 0x00-0x1f or 0x7f anywhere in the line
    space_in_target,    // more than three words
    bad_version,        // not "HTTP/major.minor" with major 1 to 3
    http09_method,      // HTTP/0.9 (no version) allows GET only
};

// Short reason, e.g. "invalid method".
const char *describe(RequestError error) noexcept;

struct RequestLine {
    std::string_view method;
    // Origin-form: "/path[?query][#fragment]".  For an absolute-form
    // target, what follows the authority, possibly "" or "?query".
    std::string_view target;
    std::string_view version;       // "" for HTTP/0.9
};

// Versions 2 and 3 are accepted because nginx logs HTTP/2 and HTTP/3
// requests with a made-up "HTTP/2.0" / "HTTP/3.0" request line.
RequestError parse_request_line(std::string_view line, RequestLine &out);

} // namespace status_policy
