#include "spike_ranking.hpp"

#include <algorithm>

namespace status_policy {

namespace {

bool better(const SpikeRanking::Entry &a, const SpikeRanking::Entry &b)
{
    return a.rank > b.rank;
}

} // namespace

SpikeRanking::SpikeRanking(size_t max) : max_(max)
{
    heap_.reserve(max);
}

size_t SpikeRanking::rank(const SpikeZone &zone, uint64_t now_ms,
                          size_t from)
{
    size_t used = std::min(zone.used(), zone.capacity());
    size_t end = std::min(used, from + kSlice);
    for (size_t i = from; i < end && max_ > 0; i++) {
        const PathSlot &s = zone.slot(i);
        Entry e{(uint64_t{s.spiking != 0} << 63)
                    | (uint64_t{zone.window_count(s, now_ms)} << 31)
                    | std::min<uint64_t>(s.total, 0x7fffffff),
                s.hash, static_cast<uint32_t>(i)};
        if (heap_.size() < max_) {
            heap_.push_back(e);
            std::push_heap(heap_.begin(), heap_.end(), better);
        } else if (better(e, heap_.front())) {
            std::pop_heap(heap_.begin(), heap_.end(), better);
            heap_.back() = e;
            std::push_heap(heap_.begin(), heap_.end(), better);
        }
    }
    return end < used ? end : 0;
}

std::vector<SpikeRanking::Entry> SpikeRanking::best() const
{
    std::vector<Entry> sorted = heap_;
    std::sort(sorted.begin(), sorted.end(), better);
    return sorted;
}

} // namespace status_policy
