#include "request_line.hpp"

#include <algorithm>

namespace status_policy {

namespace {

bool is_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

bool is_control(char c) noexcept
{
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

// Reads the characters of s from pos on that satisfy accept.
template <typename Accept>
std::string_view take_while(std::string_view s, size_t &pos, Accept accept)
{
    size_t start = pos;
    while (pos < s.size() && accept(s[pos])) {
        pos++;
    }
    return s.substr(start, pos - start);
}

std::string_view next_word(std::string_view s, size_t &pos)
{
    take_while(s, pos, [](char c) { return c == ' '; });
    return take_while(s, pos, [](char c) { return c != ' '; });
}

// Skips "scheme://host[:port]".  nginx takes letters, digits, "." and "-"
// in a host name (not two dots in a row) or an IP literal in brackets,
// and only digits after the colon.
RequestError skip_authority(std::string_view target, size_t &pos)
{
    take_while(target, pos, [](char c) {
        return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
    });
    if (target.substr(pos, 3) != "://") {
        return RequestError::bad_target;
    }
    pos += 3;

    std::string_view host;
    if (pos < target.size() && target[pos] == '[') {
        pos++;
        host = take_while(target, pos, [](char c) {
            return is_alpha(c) || is_digit(c) || c == ':' || c == '.';
        });
        if (pos == target.size() || target[pos] != ']') {
            return RequestError::bad_host;
        }
        pos++;
    } else {
        host = take_while(target, pos, [](char c) {
            return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
        });
        if (host.find("..") != std::string_view::npos) {
            return RequestError::bad_host;
        }
    }
    if (host.empty()) {
        return RequestError::bad_host;
    }

    if (pos < target.size() && target[pos] == ':') {
        pos++;
        take_while(target, pos, is_digit);
    }
    if (pos < target.size() && target[pos] != '/' && target[pos] != '?') {
        return RequestError::bad_host;
    }
    return RequestError::none;
}

RequestError check_target(std::string_view target, std::string_view &origin)
{
    if (target[0] == '/') {
        origin = target;
        return RequestError::none;
    }
    if (!is_alpha(target[0])) {
        return RequestError::bad_target;
    }
    size_t pos = 0;
    RequestError error = skip_authority(target, pos);
    origin = target.substr(pos);
    return error;
}

// "HTTP/1.1": a one-digit major version from 1 to 3, any minor.
bool valid_version(std::string_view v)
{
    if (v.substr(0, 5) != "HTTP/") {
        return false;
    }
    size_t pos = 5;
    std::string_view major = take_while(v, pos, is_digit);
    if (pos == v.size() || v[pos] != '.') {
        return false;
    }
    pos++;
    std::string_view minor = take_while(v, pos, is_digit);
    return pos == v.size() && !minor.empty() && major.size() == 1
           && major[0] >= '1' && major[0] <= '3';
}

} // namespace

const char *describe(RequestError error) noexcept
{
    switch (error) {
    case RequestError::none: return "valid";
    case RequestError::empty: return "no request line";
    case RequestError::bad_method: return "invalid method";
    case RequestError::bad_target: return "invalid request target";
    case RequestError::bad_host: return "invalid host in the request target";
    case RequestError::control_byte: return "control byte in the request line";
    case RequestError::space_in_target: return "space in the request target";
    case RequestError::bad_version: return "invalid HTTP version";
    case RequestError::http09_method: return "HTTP/0.9 allows only GET";
    }
    return "invalid request";
}

RequestError parse_request_line(std::string_view line, RequestLine &out)
{
    out = RequestLine{};
    if (line.empty() || line == "-") {
        return RequestError::empty;
    }

    size_t pos = 0;
    out.method = take_while(line, pos, [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    });
    if (out.method.empty() || pos == line.size() || line[pos] != ' ') {
        return RequestError::bad_method;
    }
    if (std::any_of(line.begin(), line.end(), is_control)) {
        return RequestError::control_byte;
    }

    std::string_view target = next_word(line, pos);
    out.version = next_word(line, pos);
    if (!next_word(line, pos).empty()) {
        return RequestError::space_in_target;
    }
    if (target.empty()) {
        return RequestError::bad_target;
    }

    RequestError error = check_target(target, out.target);
    if (error != RequestError::none) {
        return error;
    }
    if (out.version.empty()) {
        return out.method == "GET" ? RequestError::none
                                   : RequestError::http09_method;
    }
    return valid_version(out.version) ? RequestError::none
                                      : RequestError::bad_version;
}

} // namespace status_policy
