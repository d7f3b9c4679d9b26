// 404 spike counting over a caller-owned memory block (a shared memory
// zone): fixed-size slots, no pointers, no allocation.
//
// Paths are kept with the Space-Saving heavy-hitter scheme over
// forward-decayed hit weights: when the block is full, a new path takes
// the slot of the path with the smallest recent weight, so a path that is
// really hit often stays.  A full table admits a path on its second hit
// (a bitmap notes the first), so a flood of unique paths churns nothing.
// Each slot counts hits in a sliding window (sub-window buckets), keeps a
// baseline (hits per window, an exponential average over past windows),
// and the top referers (Space-Saving again).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace status_policy {

constexpr size_t kCodesMax = 8;

struct SpikeConfig {
    uint32_t window_ms = 60000;
    uint32_t threshold = 20;
    double factor = 5.0;
    // Which configuration this is: a later one has a greater number.
    uint64_t generation = 0;
    // The codes counted: with the window, what the counts mean.
    uint32_t ncodes = 0;
    int32_t codes[kCodesMax] = {};
};

// Whether two configurations count in the same units, so that counts
// made under one are right under the other.
bool same_units(const SpikeConfig &a, const SpikeConfig &b);

struct SpikeEvent {
    enum Kind { None, Started, Ended } kind = None;
    std::string_view key;
    int code = 0;
    uint32_t count = 0;        // window count when it started / peak
    double baseline = 0;
    std::string_view referer;  // top referer, may be empty
    uint32_t referer_count = 0;
    uint64_t length_ms = 0;    // how long it lasted (Ended)
};

constexpr size_t kKeyMax = 256;
constexpr size_t kRefererMax = 128;
constexpr size_t kReferers = 4;
constexpr size_t kBuckets = 6;

struct RefererSlot {
    uint32_t count;
    uint16_t len;
    char text[kRefererMax];
};

struct PathSlot {
    uint64_t hash;
    double error;           // weight inherited from the evicted path
    uint16_t key_len;       // bytes stored in key
    uint8_t truncated;
    uint8_t spiking;
    int32_t code;
    uint32_t buckets[kBuckets];
    uint64_t bucket_epoch;  // index of the newest bucket
    uint64_t total;
    uint64_t first_seen_ms;
    uint64_t last_seen_ms;
    double baseline;        // hits per window
    uint64_t window_epoch;  // window whose hits window_hits counts
    uint32_t window_hits;
    uint32_t spike_peak;
    uint64_t spike_start_ms;
    uint32_t referers_used;  // referers[0, referers_used) are this path's
    uint32_t listed;         // 1 + its place in the spiking list, 0 if none
    RefererSlot referers[kReferers];
    char key[kKeyMax];
};

// The heap is kept apart from the slots, dense, so that its operations
// stay in cache: each entry carries the score it is ordered by.
struct HeapEntry {
    double score;           // forward-decayed weight (Space-Saving)
    uint32_t slot;
    uint32_t pad;
};

struct ZoneHeader;

class SpikeZone {
public:
    // Lays a fresh zone out in a block; returns false if the block is too
    // small.
    static bool init(void *block, size_t size, const SpikeConfig &cfg,
                     uint64_t now_ms);

    // What a process configured with cfg may do with a zone kept across
    // reloads.  The zone belongs to the newest configuration that has
    // used it.  A newer one takes it over: the counts go on when the
    // units are the same (the thresholds change), else the zone starts
    // afresh and *previous is what it kept.  An older one goes on using
    // the zone while the units are still its own.  Given the block's
    // size, a block laid out by another version of this code, or for
    // another size, is laid out afresh (*previous then has window_ms 0);
    // without it, such a block is not used.
    enum class Claim { Ours, Restarted, NotOurs };
    Claim claim(const SpikeConfig &cfg, uint64_t now_ms,
                SpikeConfig *previous = nullptr, size_t size = 0);
    static size_t capacity_for(size_t size);
    static size_t min_size();

    explicit SpikeZone(void *block);

    SpikeEvent hit(int code, std::string_view key, std::string_view referer,
                   uint64_t now_ms);

    // Calls f(event) for each spike that has ended by now, until f
    // returns false: the spikes left end at the next sweep.
    template <typename F>
    void sweep(uint64_t now_ms, F &&f);

    uint32_t window_count(const PathSlot &s, uint64_t now_ms) const;

    size_t capacity() const;
    size_t used() const;
    uint64_t counted() const;
    uint64_t evicted() const;
    uint64_t filtered() const;
    uint32_t spiking_count() const;
    const SpikeConfig &config() const;
    const PathSlot &slot(size_t i) const { return slots_[i]; }
    // the referers counted for a path, bounded whatever the block holds
    static size_t referers_used(const PathSlot &s)
    {
        return s.referers_used < kReferers ? s.referers_used : kReferers;
    }
    PathSlot &slot(size_t i) { return slots_[i]; }
    void advance(PathSlot &s, uint64_t now_ms);
    SpikeEvent ended(PathSlot &s, uint64_t now_ms);

private:
    uint32_t find(uint64_t hash, std::string_view key) const;
    bool seen_before(uint64_t hash);
    uint32_t take_slot(uint64_t hash, uint64_t now_ms);
    bool index_insert(uint64_t hash, uint32_t slot);
    void reset();
    bool consistent(uint32_t slot) const;
    void index_erase(uint64_t hash, uint32_t slot);
    void heap_down(uint32_t pos);
    void set_pos(uint32_t slot, uint32_t pos);
    double weight(uint64_t now_ms);
    void count_referer(PathSlot &s, std::string_view referer);
    void map();
    void list_spiking(uint32_t slot);
    void unlist_spiking(uint32_t slot);
    void drop_listed(uint32_t k);
    const RefererSlot *top_referer(const PathSlot &s) const;

    ZoneHeader *h_;
    PathSlot *slots_;
    uint64_t *index_;   // open addressing: hash high bits | slot + 1; 0 = empty
    HeapEntry *heap_;   // min-heap of slots by score
    uint32_t *pos_;     // where each slot is in the heap
    uint64_t *filter_;  // paths seen once while the table was full
    uint32_t *spiking_; // the slots spiking now, for the sweep
};

// Visits the spiking paths only, from the end of their list, so that
// one taken out (its place filled by the last) is not skipped.
template <typename F>
void SpikeZone::sweep(uint64_t now_ms, F &&f)
{
    for (uint32_t k = spiking_count(); k-- > 0;) {
        uint32_t i = spiking_[k];
        if (i >= used() || !slots_[i].spiking || slots_[i].listed != k + 1) {
            drop_listed(k);     // left over by an update cut short
            continue;
        }
        PathSlot &s = slots_[i];
        advance(s, now_ms);
        if (window_count(s, now_ms) < config().threshold
            && !f(ended(s, now_ms)))
        {
            return;
        }
    }
}

} // namespace status_policy
