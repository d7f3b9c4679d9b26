#include "spike_ranking.hpp"

#include <algorithm>

namespace status_policy {

namespace {

bool better(const SpikeRanking::Entry &a, const SpikeRanking::Entry &b)
{
    return a.rank > b.rank;
}

uint64_t rank_of(const SpikeZone &zone, const WindowCounter &c,
                 uint64_t now_ms)
{
    // logged spikes, then folded ones, then by count
    uint64_t state = c.spiking == kReported ? 2 : c.spiking == kFolded ? 1 : 0;
    return (state << 62)
           | (std::min<uint64_t>(zone.window_count(c, now_ms), 0x7fffffff)
              << 31)
           | std::min<uint64_t>(c.total, 0x7fffffff);
}

} // namespace

SpikeRanking::SpikeRanking(size_t max, Of of) : max_(max), of_(of)
{
    heap_.reserve(max);
}

size_t SpikeRanking::rank(const SpikeZone &zone, uint64_t now_ms,
                          size_t from)
{
    bool paths = of_ == Of::Paths;
    size_t used = paths ? zone.used() : zone.groups_used();
    size_t end = std::min(used, from + kSlice);
    for (size_t i = from; i < end && max_ > 0; i++) {
        const WindowCounter &c = paths ? zone.slot(i).c : zone.group(i).c;
        Entry e{rank_of(zone, c, now_ms),
                paths ? zone.slot_hash(i) : zone.group_hash(i),
                static_cast<uint32_t>(i)};
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
