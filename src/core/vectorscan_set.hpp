// Regexes scanned in one pass with Vectorscan (Hyperscan's API): which of
// them match a path, the lowest id reported.  With a thousand unanchored
// signatures one scan replaces a thousand PCRE2 runs.  Vectorscan does
// not compile every PCRE2 pattern (back-references, most look-arounds,
// atomic groups...): those are given back, for PCRE2 to keep.
//
// Without SP_HAVE_VECTORSCAN at build time, available() is false and
// build() takes nothing.  Nor is a library used that misses matches the
// first call of available() looks for (untrusted() names its version).

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace status_policy {

class VectorscanSet {
public:
    struct Pattern {
        std::string_view text;
        bool caseless = false;
        uint32_t id = 0;
    };

    VectorscanSet();
    ~VectorscanSet();
    VectorscanSet(VectorscanSet &&) noexcept;
    VectorscanSet &operator=(VectorscanSet &&) noexcept;

    static bool available() noexcept;
    static const char *untrusted() noexcept;

    // Compiles the patterns Vectorscan takes; appends the ids of the
    // others to `refused`.  Returns false when it took none.
    bool build(const std::vector<Pattern> &patterns,
               std::vector<uint32_t> &refused);

    size_t size() const noexcept;

    // The lowest id of the patterns matching the path, UINT32_MAX if
    // none.  Not reentrant: one scratch serves every call.
    uint32_t first_match(const char *path, size_t len) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace status_policy
