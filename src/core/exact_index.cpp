#include "exact_index.hpp"

#include "case_fold.hpp"

namespace status_policy {

uint64_t ExactIndex::hash(const char *p, size_t len) const noexcept
{
    // FNV-1a with a final mix: the low bits pick the slot, the high bits
    // are the tag, and both must spread.
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= fold_if(static_cast<unsigned char>(p[i]), folding_);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

bool ExactIndex::equal(std::string_view stored,
                       std::string_view path) const noexcept
{
    return stored.size() == path.size()
           && equal_folded(stored.data(), path.data(), path.size(), folding_);
}

} // namespace status_policy
