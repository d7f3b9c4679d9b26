// The hash a spike zone keys its paths and groups by (FNV-1a, then a
// mix), never 0; a salt keeps kinds of keys apart.
#pragma once

#include <cstdint>
#include <string_view>

namespace status_policy {

// The two steps apart, so that one pass over a path hashes its
// directories too: fnv_step() byte by byte, hash_finish() at any point.
constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ULL;

inline uint64_t fnv_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ULL;
}

inline uint64_t hash_finish(uint64_t h, uint64_t salt)
{
    h ^= salt * 0x5bd1e9955bd1e995ULL;
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    return h | 1;
}

inline uint64_t hash_key(std::string_view key, uint64_t salt = 0)
{
    uint64_t h = kFnvBasis;
    for (unsigned char c : key) {
        h = fnv_step(h, c);
    }
    return hash_finish(h, salt);
}

// Linear counting: how many distinct keys set the bits of a bitmap.
uint32_t linear_count(const uint64_t *words, size_t nwords);

} // namespace status_policy
