// Memory for the tables that grow with the rules (their text, the rules,
// the exact-match slots).  Blocks of several megabytes are placed on
// huge-page boundaries and ask for huge pages: loading a million rules
// then takes tens of page faults instead of tens of thousands, which is
// most of what a reload of a large rules file would otherwise spend.

#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <sys/mman.h>

namespace status_policy {

inline void *large_allocate(size_t bytes)
{
    constexpr size_t huge = size_t(2) << 20;
    void *p;
    if (bytes >= 2 * huge) {
        p = std::aligned_alloc(huge, (bytes + huge - 1) & ~(huge - 1));
        if (p) {
            // advice only: without transparent huge pages nothing changes
            ::madvise(p, bytes, MADV_HUGEPAGE);
        }
    } else {
        p = std::malloc(bytes ? bytes : 1);
    }
    if (!p) {
        throw std::bad_alloc();
    }
    return p;
}

inline void large_free(void *p) noexcept
{
    std::free(p);
}

template <typename T>
struct LargeAllocator {
    using value_type = T;

    LargeAllocator() noexcept = default;
    template <typename U>
    LargeAllocator(const LargeAllocator<U> &) noexcept {}

    T *allocate(size_t n)
    {
        if (n > static_cast<size_t>(-1) / sizeof(T)) {
            throw std::bad_array_new_length();
        }
        return static_cast<T *>(large_allocate(n * sizeof(T)));
    }
    void deallocate(T *p, size_t) noexcept { large_free(p); }

    template <typename U>
    bool operator==(const LargeAllocator<U> &) const noexcept { return true; }
    template <typename U>
    bool operator!=(const LargeAllocator<U> &) const noexcept { return false; }
};

} // namespace status_policy
