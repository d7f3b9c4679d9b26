// The report's top paths (or groups) of a spike zone, ranked a slice of
// slots at a time so that the zone's lock is never held for the whole
// zone: the ranking lives in process memory, the caller locks around
// each slice, and the slots chosen are copied at the end if they still
// hold what was ranked.

#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "spike_zone.hpp"

namespace status_policy {

class SpikeRanking {
public:
    // slots read a slice: a few hundred microseconds of cache misses
    static constexpr size_t kSlice = 4096;

    enum class Of { Paths, Groups };

    SpikeRanking(size_t max, Of of);

    // Ranks the slots [from, from + kSlice); returns where the next slice
    // starts, or 0 once the zone has been read.
    size_t rank(const SpikeZone &zone, uint64_t now_ms, size_t from);

    // The slots chosen, best first: spiking ones (logged, then folded), then by count in the
    // current window, then by total.
    struct Entry {
        uint64_t rank;
        uint64_t hash;  // what the slot held when it was ranked
        uint32_t slot;
    };
    std::vector<Entry> best() const;
    Of of() const { return of_; }

private:
    size_t max_;
    Of of_;
    std::vector<Entry> heap_;   // min-heap by rank, at most max_
};

} // namespace status_policy
