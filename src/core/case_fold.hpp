// ASCII case folding, as nginx's ignore-case matching does it: only A-Z
// fold, so every other byte (including UTF-8 sequences) compares exactly.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace status_policy {

inline unsigned char fold(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c | 0x20) : c;
}

inline unsigned char fold_if(unsigned char c, bool folding) noexcept
{
    return folding ? fold(c) : c;
}

inline bool equal_folded(const char *a, const char *b, size_t len,
                         bool folding) noexcept
{
    if (!folding) {
        return std::char_traits<char>::compare(a, b, len) == 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (fold(static_cast<unsigned char>(a[i]))
            != fold(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

inline std::string folded(std::string_view s)
{
    std::string out(s);
    for (auto &c : out) {
        c = static_cast<char>(fold(static_cast<unsigned char>(c)));
    }
    return out;
}

} // namespace status_policy
