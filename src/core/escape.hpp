// Writing request-derived bytes into JSON, HTML and Prometheus text so
// that they can neither break the format nor inject into it, whatever the
// bytes (invalid UTF-8 included).

#pragma once

#include <string>
#include <string_view>

namespace status_policy {

// A JSON string literal, quotes included.  Control bytes and <, >, & are
// \u-escaped (safe inside HTML too); invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string &out, std::string_view s);

// HTML text or attribute content: & < > " ' as entities, control bytes
// as U+FFFD, invalid UTF-8 as U+FFFD.
void append_html(std::string &out, std::string_view s);

// A Prometheus label value (without the quotes): bytes outside printable
// ASCII are percent-encoded (so is '%'), then \ and " are escaped.
void append_prometheus_label(std::string &out, std::string_view s);

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
size_t utf8_sequence(std::string_view s, size_t i);

} // namespace status_policy
