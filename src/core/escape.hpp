// Writing request-derived bytes into JSON, HTML, Prometheus text and log
// lines so that they can neither break the format nor inject into it,
// whatever the bytes (invalid UTF-8 included).

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace status_policy {

// The uppercase hex digit of the low four bits of v.
char hex_digit(unsigned v) noexcept;

// Writes byte c as the four bytes \xHH (uppercase hex) at p.
constexpr size_t hex_escape_length = 4;
void put_hex_escape(char *p, unsigned char c) noexcept;

// A log line: control bytes, bytes from 0x7F up, '"' and '\' as \xHH,
// everything else as it is, so that no request-derived string can end
// the line or a quoted field.  log_escape() writes the first `size`
// bytes of the escaped text to dst and returns its full length.
void append_log(std::string &out, std::string_view s);
size_t log_escape(std::string_view s, char *dst, size_t size) noexcept;

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
