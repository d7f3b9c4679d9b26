#include "printable.hpp"

#include "escape.hpp"

namespace check_tool {

namespace {

void append_hex(std::string &out, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xf];
}

bool is_c1_control(std::string_view s, size_t i, size_t n)
{
    // U+0080..U+009F: two bytes, C2 80..C2 9F
    return n == 2 && static_cast<unsigned char>(s[i]) == 0xc2
           && static_cast<unsigned char>(s[i + 1]) < 0xa0;
}

} // namespace

std::string printable(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            append_hex(out, c);
            i++;
            continue;
        }
        size_t n = c < 0x80 ? 1 : status_policy::utf8_sequence(s, i);
        if (n == 0 || is_c1_control(s, i, n)) {
            append_hex(out, c);
            i++;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

} // namespace check_tool
