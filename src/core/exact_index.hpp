// Open-addressing hash table of exact patterns.  A slot keeps 32 bits of
// the hash next to the rule index, so a miss rarely touches the pattern
// text at all.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "large_alloc.hpp"

namespace status_policy {

class ExactIndex {
public:
    static constexpr uint32_t none = UINT32_MAX;

    // key_of(i), given to insert() and find(), returns the pattern of
    // rule i as written (not folded).
    void reserve(size_t n, bool folding)
    {
        folding_ = folding;
        size_t capacity = 16;
        while (capacity < n + n / 2 + 1) {
            capacity <<= 1;
        }
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        count_ = 0;
    }

    // Inserts rule `value` under `key`; when an equal key is present,
    // returns its rule instead and inserts nothing.
    template <typename KeyOf>
    uint32_t insert(std::string_view key, uint32_t value, KeyOf &&key_of)
    {
        uint64_t h = hash(key.data(), key.size());
        uint32_t tag = static_cast<uint32_t>(h >> 32);

        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot &s = slots_[i];
            if (s.value == none) {
                s.tag = tag;
                s.value = value;
                ++count_;
                return none;
            }
            if (s.tag == tag && equal(key_of(s.value), key)) {
                return s.value;
            }
        }
    }

    template <typename KeyOf>
    uint32_t find(const char *path, size_t len, KeyOf &&key_of) const
    {
        // a set of regexes alone hashes no path
        if (count_ == 0) {
            return none;
        }
        uint64_t h = hash(path, len);
        uint32_t tag = static_cast<uint32_t>(h >> 32);

        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot &s = slots_[i];
            if (s.value == none) {
                return none;
            }
            if (s.tag == tag && equal(key_of(s.value), {path, len})) {
                return s.value;
            }
        }
    }

private:
    struct Slot {
        uint32_t tag = 0;
        uint32_t value = none;
    };

    uint64_t hash(const char *p, size_t len) const noexcept;
    bool equal(std::string_view stored, std::string_view path) const noexcept;

    std::vector<Slot, LargeAllocator<Slot>> slots_;
    size_t mask_ = 0;
    size_t count_ = 0;
    bool folding_ = false;
};

} // namespace status_policy
