// The few strings (referers, paths) that come most often with a counted
// thing, kept with Space-Saving in a small fixed array: a new string takes
// the least one's place and count, so the busiest stay.

#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace status_policy {

constexpr size_t kTopTextMax = 128;

struct TopEntry {
    uint32_t count;
    uint32_t hash;  // of the whole text: compared before the bytes
    uint16_t len;
    char text[kTopTextMax];
};

inline std::string_view text_of(const TopEntry &e)
{
    return {e.text, e.len < kTopTextMax ? e.len : kTopTextMax};
}

// The entries in use, bounded whatever the block holds.
inline size_t top_used(uint32_t used, size_t max)
{
    return used < max ? used : max;
}

// hash: any hash of the whole text, the same for the same text
template <size_t N>
void count_top(TopEntry (&entries)[N], uint32_t &used, std::string_view text,
               uint32_t hash)
{
    if (text.empty()) {
        return;
    }
    text = text.substr(0, kTopTextMax);
    size_t n = top_used(used, N);
    TopEntry *min = nullptr;
    for (size_t k = 0; k < n; k++) {
        TopEntry &e = entries[k];
        if (e.hash == hash && text_of(e) == text) {
            e.count++;
            return;
        }
        if (min == nullptr || e.count < min->count) {
            min = &e;
        }
    }
    if (n < N) {
        min = &entries[n];
        min->count = 0;
        used = static_cast<uint32_t>(n + 1);
    }
    min->count++;
    min->hash = hash;
    min->len = static_cast<uint16_t>(text.size());
    std::memcpy(min->text, text.data(), text.size());
}

template <size_t N>
const TopEntry *top_of(const TopEntry (&entries)[N], uint32_t used)
{
    const TopEntry *top = nullptr;
    for (size_t k = 0; k < top_used(used, N); k++) {
        if (top == nullptr || entries[k].count > top->count) {
            top = &entries[k];
        }
    }
    return top;
}

} // namespace status_policy
