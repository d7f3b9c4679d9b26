#include "escape.hpp"

#include <cstdint>

namespace status_policy {

namespace {

const char kHex[] = "0123456789ABCDEF";
const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

bool escaped_in_log(unsigned char c) noexcept
{
    return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

} // namespace

char hex_digit(unsigned v) noexcept
{
    return kHex[v & 0xf];
}

void put_hex_escape(char *p, unsigned char c) noexcept
{
    p[0] = '\\';
    p[1] = 'x';
    p[2] = kHex[c >> 4];
    p[3] = kHex[c & 0xf];
}

size_t log_escape(std::string_view s, char *dst, size_t size) noexcept
{
    size_t n = 0;
    auto put = [&](char c) {
        if (n < size) {
            dst[n] = c;
        }
        n++;
    };
    for (unsigned char c : s) {
        if (escaped_in_log(c)) {
            char escape[hex_escape_length];
            put_hex_escape(escape, c);
            for (char e : escape) {
                put(e);
            }
        } else {
            put(static_cast<char>(c));
        }
    }
    return n;
}

void append_log(std::string &out, std::string_view s)
{
    size_t at = out.size();
    out.resize(at + log_escape(s, nullptr, 0));
    log_escape(s, out.data() + at, out.size() - at);
}

size_t utf8_sequence(std::string_view s, size_t i)
{
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((byte(i + k) & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    // no overlong forms, no surrogates, nothing past U+10FFFF
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return n;
}

void append_json_string(std::string &out, std::string_view s)
{
    out += '"';
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            size_t n = utf8_sequence(s, i);
            if (n == 0) {
                out += "\\ufffd";
                i++;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
        i++;
    }
    out += '"';
}

void append_html(std::string &out, std::string_view s)
{
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            size_t n = utf8_sequence(s, i);
            if (n == 0) {
                out += kReplacement;
                i++;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += kReplacement;
            } else {
                out += static_cast<char>(c);
            }
        }
        i++;
    }
}

void append_prometheus_label(std::string &out, std::string_view s)
{
    for (unsigned char c : s) {
        if (c < 0x20 || c >= 0x7f || c == '%') {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(c);
        }
    }
}

} // namespace status_policy
