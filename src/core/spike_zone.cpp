#include "spike_zone.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace status_policy {

static_assert(std::is_trivially_copyable_v<PathSlot>);

namespace {

constexpr uint32_t kMagic = 0x53504b31;  // "SPK1"
constexpr uint32_t kVersion = 8;
constexpr size_t kMinPaths = 16;

// A new window's hits count this much in the baseline.
constexpr double kBaselineWeight = 0.25;

// Decayed weights are rescaled before exp() gets near overflow.
constexpr double kRescaleExponent = 500;

uint64_t hash_key(std::string_view key)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : key) {
        h = (h ^ c) * 0x100000001b3ULL;
    }
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    return h | 1;  // never 0
}

size_t align8(size_t n)
{
    return (n + 7) & ~size_t{7};
}

} // namespace

struct ZoneHeader {
    uint32_t magic;
    uint32_t version;
    uint64_t size;
    uint32_t capacity;
    uint32_t index_size;  // a power of two, at least 2 x capacity
    uint32_t used;
    uint32_t pad;
    SpikeConfig cfg;
    double decay;         // per millisecond
    uint64_t landmark_ms; // forward decay reference time
    uint64_t counted;
    uint64_t evicted;
    uint64_t resets;      // times the block was found inconsistent
    uint64_t filtered;    // first hits of new paths not admitted
    uint64_t filter_notes;  // paths noted since the filter was cleared
    uint32_t filter_words;  // a power of two
    uint32_t nspiking;      // entries of the spiking list
};

namespace {

struct Layout {
    size_t capacity = 0;
    size_t index_size = 0;
    size_t slots_off = 0;
    size_t index_off = 0;
    size_t heap_off = 0;
    size_t pos_off = 0;
    size_t filter_words = 0;
    size_t filter_off = 0;
    size_t spiking_off = 0;
    size_t total = 0;
};

Layout layout_for(size_t capacity)
{
    Layout l;
    l.capacity = capacity;
    l.index_size = 1;
    while (l.index_size < 2 * capacity) {
        l.index_size <<= 1;
    }
    l.slots_off = align8(sizeof(ZoneHeader));
    l.index_off = align8(l.slots_off + capacity * sizeof(PathSlot));
    l.heap_off = align8(l.index_off + l.index_size * sizeof(uint64_t));
    l.pos_off = align8(l.heap_off + capacity * sizeof(HeapEntry));
    // 64 filter bits a path
    l.filter_words = 1;
    while (l.filter_words < capacity) {
        l.filter_words <<= 1;
    }
    l.filter_off = align8(l.pos_off + capacity * sizeof(uint32_t));
    l.spiking_off = l.filter_off + l.filter_words * sizeof(uint64_t);
    l.total = l.spiking_off + capacity * sizeof(uint32_t);
    return l;
}

} // namespace

size_t SpikeZone::capacity_for(size_t size)
{
    // the index makes the cost per path uneven: search downward from an
    // estimate that ignores it
    size_t per_path = sizeof(PathSlot) + sizeof(HeapEntry)
                      + 3 * sizeof(uint64_t) + sizeof(uint32_t);
    if (size < sizeof(ZoneHeader)) {
        return 0;
    }
    size_t n = (size - sizeof(ZoneHeader)) / per_path;
    while (n >= kMinPaths && layout_for(n).total > size) {
        n--;
    }
    return n >= kMinPaths ? n : 0;
}

size_t SpikeZone::min_size()
{
    return layout_for(kMinPaths).total;
}

bool same_units(const SpikeConfig &a, const SpikeConfig &b)
{
    if (a.window_ms != b.window_ms || a.ncodes != b.ncodes
        || a.ncodes > kCodesMax)
    {
        return false;
    }
    return std::equal(a.codes, a.codes + a.ncodes, b.codes);
}

bool SpikeZone::init(void *block, size_t size, const SpikeConfig &cfg,
                     uint64_t now_ms)
{
    size_t capacity = capacity_for(size);
    if (capacity == 0) {
        return false;
    }
    auto *h = static_cast<ZoneHeader *>(block);
    Layout l = layout_for(capacity);

    std::memset(block, 0, l.total);
    h->magic = kMagic;
    h->version = kVersion;
    h->size = size;
    h->capacity = static_cast<uint32_t>(capacity);
    h->index_size = static_cast<uint32_t>(l.index_size);
    h->filter_words = static_cast<uint32_t>(l.filter_words);
    h->landmark_ms = now_ms;
    h->cfg = cfg;
    h->decay = std::log(2.0) / std::max<uint32_t>(cfg.window_ms, 1);
    return true;
}

SpikeZone::Claim SpikeZone::claim(const SpikeConfig &cfg, uint64_t now_ms,
                                  SpikeConfig *previous, size_t size)
{
    if (h_->magic != kMagic || h_->version != kVersion
        || (size != 0 && h_->size != size))
    {
        if (size == 0 || !init(h_, size, cfg, now_ms)) {
            return Claim::NotOurs;
        }
        map();
        if (previous) {
            *previous = SpikeConfig{};
            previous->window_ms = 0;
        }
        return Claim::Restarted;
    }
    if (cfg.generation == h_->cfg.generation) {
        return Claim::Ours;
    }
    bool same = same_units(cfg, h_->cfg);
    if (cfg.generation < h_->cfg.generation) {
        return same ? Claim::Ours : Claim::NotOurs;
    }
    if (same) {
        h_->cfg = cfg;
        return Claim::Ours;
    }
    if (previous) {
        *previous = h_->cfg;
    }
    // laid out again over the same pages: the size must be the one the
    // zone was made with, or its layout would move
    if (capacity_for(h_->size) != h_->capacity) {
        return Claim::NotOurs;
    }
    init(h_, h_->size, cfg, now_ms);
    return Claim::Restarted;
}

SpikeZone::SpikeZone(void *block) : h_(static_cast<ZoneHeader *>(block))
{
    map();
}

// Where the parts are, from the capacity the header gives.
void SpikeZone::map()
{
    Layout l = layout_for(h_->capacity);
    auto *base = reinterpret_cast<char *>(h_);
    slots_ = reinterpret_cast<PathSlot *>(base + l.slots_off);
    index_ = reinterpret_cast<uint64_t *>(base + l.index_off);
    heap_ = reinterpret_cast<HeapEntry *>(base + l.heap_off);
    pos_ = reinterpret_cast<uint32_t *>(base + l.pos_off);
    filter_ = reinterpret_cast<uint64_t *>(base + l.filter_off);
    spiking_ = reinterpret_cast<uint32_t *>(base + l.spiking_off);
}

size_t SpikeZone::capacity() const
{
    return h_->capacity;
}
size_t SpikeZone::used() const
{
    return h_->used;
}
uint64_t SpikeZone::counted() const
{
    return h_->counted;
}
uint64_t SpikeZone::evicted() const
{
    return h_->evicted;
}
uint64_t SpikeZone::filtered() const
{
    return h_->filtered;
}
uint32_t SpikeZone::spiking_count() const
{
    return std::min(h_->nspiking, h_->capacity);
}
const SpikeConfig &SpikeZone::config() const
{
    return h_->cfg;
}

// An index entry holds the high half of the key's hash beside the slot,
// and the entry's home position is taken from that half too: probing a
// cluster reads no slot until the hash agrees, and deleting from one
// reads no slot at all (slots are large and far apart: a cache miss each).
namespace {

uint64_t index_entry(uint64_t hash, uint32_t slot)
{
    return (hash & 0xffffffff00000000ULL) | (uint64_t{slot} + 1);
}

uint32_t entry_slot(uint64_t e)
{
    return static_cast<uint32_t>(e) - 1;
}

uint32_t home_of(uint64_t hash_or_entry, uint32_t mask)
{
    return static_cast<uint32_t>(hash_or_entry >> 32) & mask;
}

} // namespace

// Every loop below is bounded and every index read from the block is
// checked: a worker killed in the middle of an update (nginx then frees
// the zone's lock) must not leave a block that hangs or crashes the
// others.  What cannot be trusted is dropped, or the zone starts afresh.

uint32_t SpikeZone::find(uint64_t hash, std::string_view key) const
{
    uint32_t mask = h_->index_size - 1;
    uint64_t high = hash & 0xffffffff00000000ULL;
    uint32_t i = home_of(hash, mask);
    for (uint32_t probes = 0; probes < h_->index_size;
         probes++, i = (i + 1) & mask) {
        uint64_t e = index_[i];
        if (e == 0) {
            return UINT32_MAX;
        }
        uint32_t slot = entry_slot(e);
        if ((e & 0xffffffff00000000ULL) != high || slot >= h_->used) {
            continue;
        }
        const PathSlot &s = slots_[slot];
        // the stored key may be truncated: the full-key hash decides,
        // the stored bytes guard against a collision
        size_t len = std::min<size_t>(s.key_len, kKeyMax);
        if (s.hash == hash
            && key.substr(0, len) == std::string_view(s.key, len)) {
            return slot;
        }
    }
    return UINT32_MAX;
}

bool SpikeZone::index_insert(uint64_t hash, uint32_t slot)
{
    uint32_t mask = h_->index_size - 1;
    uint32_t i = home_of(hash, mask);
    for (uint32_t probes = 0; probes < h_->index_size;
         probes++, i = (i + 1) & mask) {
        if (index_[i] == 0) {
            index_[i] = index_entry(hash, slot);
            return true;
        }
    }
    return false;
}

// Linear probing deletion: later entries of the cluster move back into
// the hole when their home position allows it.
void SpikeZone::index_erase(uint64_t hash, uint32_t slot)
{
    uint32_t mask = h_->index_size - 1;
    uint32_t i = home_of(hash, mask);
    uint64_t target = index_entry(hash, slot);
    uint32_t probes = 0;
    while (index_[i] != target) {
        if (index_[i] == 0 || ++probes == h_->index_size) {
            return;
        }
        i = (i + 1) & mask;
    }
    uint32_t j = (i + 1) & mask;
    for (probes = 0; index_[j] != 0 && probes < h_->index_size;
         probes++, j = (j + 1) & mask) {
        uint32_t home = home_of(index_[j], mask);
        bool movable = (j > i) ? (home <= i || home > j)
                               : (home <= i && home > j);
        if (movable) {
            index_[i] = index_[j];
            i = j;
        }
    }
    index_[i] = 0;
}

// Clears every path: the answer to a block found inconsistent.
void SpikeZone::reset()
{
    std::memset(index_, 0, h_->index_size * sizeof(uint64_t));
    h_->used = 0;
    h_->nspiking = 0;
    h_->resets++;
}

bool SpikeZone::consistent(uint32_t slot) const
{
    return slot < h_->used && pos_[slot] < h_->used
           && heap_[pos_[slot]].slot == slot;
}

// Sifts an entry down by moving smaller children up into the hole it
// leaves: one heap write and one position write a level.
void SpikeZone::heap_down(uint32_t pos)
{
    uint32_t n = h_->used;
    if (pos >= n) {
        return;
    }
    HeapEntry moving = heap_[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && heap_[child + 1].score < heap_[child].score) {
            child++;
        }
        if (!(heap_[child].score < moving.score)) {
            break;
        }
        heap_[pos] = heap_[child];
        set_pos(heap_[pos].slot, pos);
        pos = child;
    }
    heap_[pos] = moving;
    set_pos(moving.slot, pos);
}

void SpikeZone::set_pos(uint32_t slot, uint32_t pos)
{
    if (slot < h_->capacity) {
        pos_[slot] = pos;
    }
}

// The weight of a hit now, relative to the landmark.  Scaling every score
// by the same factor keeps the heap order, so a rescale is a plain loop.
double SpikeZone::weight(uint64_t now_ms)
{
    if (now_ms < h_->landmark_ms) {
        now_ms = h_->landmark_ms;  // the clock went back: count it as then
    }
    double e = h_->decay * static_cast<double>(now_ms - h_->landmark_ms);
    if (e > kRescaleExponent) {
        double scale = std::exp(-e);
        for (uint32_t i = 0; i < h_->used; i++) {
            heap_[i].score *= scale;
            slots_[i].error *= scale;
        }
        h_->landmark_ms = now_ms;
        e = 0;
    }
    return std::exp(e);
}

// Whether a path not in the table was noted since the filter was last
// cleared; notes it if not.  Three bits a path in a bitmap of 64 bits a
// slot, cleared when a thirty-second of it has been noted: fewer than 1
// in 1,000 paths seen once pass as seen twice.
bool SpikeZone::seen_before(uint64_t hash)
{
    constexpr uint64_t kMul[] = {0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL,
                                 0x165667b19e3779f9ULL};
    uint64_t nbits = uint64_t{h_->filter_words} * 64;
    int shift = 64 - __builtin_ctzll(nbits);
    uint64_t bit[3];
    bool seen = true;
    for (size_t k = 0; k < 3; k++) {
        bit[k] = (hash * kMul[k]) >> shift;
        seen = seen && (filter_[bit[k] >> 6] >> (bit[k] & 63) & 1);
    }
    if (seen) {
        return true;
    }
    if (++h_->filter_notes > nbits / 32) {
        std::memset(filter_, 0, h_->filter_words * sizeof(uint64_t));
        h_->filter_notes = 1;
    }
    for (uint64_t b : bit) {
        filter_[b >> 6] |= uint64_t{1} << (b & 63);
    }
    return false;
}

// A slot for a new path: a free one, or the one with the least weight,
// whose weight the newcomer inherits (Space-Saving).
uint32_t SpikeZone::take_slot(uint64_t hash, uint64_t now_ms)
{
    uint32_t i;
    double inherited = 0;

    if (h_->used == h_->capacity && !consistent(heap_[0].slot)) {
        reset();
    }

    if (h_->used < h_->capacity) {
        i = h_->used++;
        heap_[i] = HeapEntry{0, i, 0};
        pos_[i] = i;
    } else {
        i = heap_[0].slot;
        inherited = heap_[0].score;
        index_erase(slots_[i].hash, i);
        if (slots_[i].spiking) {
            unlist_spiking(i);
        }
        h_->evicted++;
    }

    PathSlot &s = slots_[i];
    // the header only: the key and the referers are written as they are
    // used, so that a new path touches few of the slot's cache lines
    std::memset(&s, 0, offsetof(PathSlot, referers));
    s.hash = hash;
    heap_[pos_[i]].score = inherited;
    s.error = inherited;
    s.first_seen_ms = now_ms;
    s.bucket_epoch
        = now_ms / std::max<uint32_t>(h_->cfg.window_ms / kBuckets, 1);
    s.window_epoch = now_ms / std::max<uint32_t>(h_->cfg.window_ms, 1);
    if (!index_insert(hash, i)) {
        reset();
        return take_slot(hash, now_ms);
    }
    return i;
}

// Brings a slot's buckets and baseline up to now.
void SpikeZone::advance(PathSlot &s, uint64_t now_ms)
{
    uint64_t width = std::max<uint32_t>(h_->cfg.window_ms / kBuckets, 1);
    uint64_t epoch = now_ms / width;
    if (epoch > s.bucket_epoch) {
        uint64_t steps = std::min<uint64_t>(epoch - s.bucket_epoch, kBuckets);
        for (uint64_t k = 1; k <= steps; k++) {
            s.buckets[(s.bucket_epoch + k) % kBuckets] = 0;
        }
        s.bucket_epoch = epoch;
    }

    uint64_t window = now_ms / std::max<uint32_t>(h_->cfg.window_ms, 1);
    if (window > s.window_epoch) {
        s.baseline += kBaselineWeight * (s.window_hits - s.baseline);
        uint64_t idle = window - s.window_epoch - 1;
        if (idle > 0) {
            s.baseline *= std::pow(
                1 - kBaselineWeight,
                static_cast<double>(std::min<uint64_t>(idle, 1000)));
        }
        s.window_hits = 0;
        s.window_epoch = window;
    }
}

uint32_t SpikeZone::window_count(const PathSlot &s, uint64_t now_ms) const
{
    uint64_t width = std::max<uint32_t>(h_->cfg.window_ms / kBuckets, 1);
    uint64_t epoch = now_ms / width;
    if (epoch >= s.bucket_epoch + kBuckets) {
        return 0;
    }
    // the buckets of the last kBuckets epochs that advance() has reached;
    // later ones are still to be cleared and hold nothing of this window
    uint64_t oldest = epoch + 1 >= kBuckets ? epoch + 1 - kBuckets : 0;
    uint32_t n = 0;
    for (uint64_t k = 0; k < kBuckets && k <= s.bucket_epoch; k++) {
        uint64_t e = s.bucket_epoch - k;
        if (e < oldest) {
            break;
        }
        n += s.buckets[e % kBuckets];
    }
    return n;
}

void SpikeZone::count_referer(PathSlot &s, std::string_view referer)
{
    if (referer.empty()) {
        return;
    }
    referer = referer.substr(0, kRefererMax);
    size_t used = referers_used(s);
    RefererSlot *min = nullptr;
    for (size_t k = 0; k < used; k++) {
        RefererSlot &r = s.referers[k];
        if (std::string_view(r.text, std::min<size_t>(r.len, kRefererMax))
            == referer) {
            r.count++;
            return;
        }
        if (min == nullptr || r.count < min->count) {
            min = &r;
        }
    }
    if (used < kReferers) {
        min = &s.referers[used];
        min->count = 0;
        s.referers_used = static_cast<uint32_t>(used + 1);
    }
    // Space-Saving: a new referer takes the least one's place and count
    min->count++;
    min->len = static_cast<uint16_t>(referer.size());
    std::memcpy(min->text, referer.data(), referer.size());
}

const RefererSlot *SpikeZone::top_referer(const PathSlot &s) const
{
    const RefererSlot *top = nullptr;
    for (size_t k = 0; k < referers_used(s); k++) {
        const RefererSlot &r = s.referers[k];
        if (top == nullptr || r.count > top->count) {
            top = &r;
        }
    }
    return top;
}

SpikeEvent SpikeZone::hit(int code, std::string_view key,
                          std::string_view referer, uint64_t now_ms)
{
    h_->counted++;
    uint64_t hash = hash_key(key);
    uint32_t i = find(hash, key);
    if (i != UINT32_MAX && !consistent(i)) {
        reset();
        i = UINT32_MAX;
    }
    if (i == UINT32_MAX) {
        // When the table is full, a path takes a slot on its second hit
        // only: a flood of paths seen once (a scanner) costs a look in
        // the filter and pushes no tracked path out.
        if (h_->used >= h_->capacity && !seen_before(hash)) {
            h_->filtered++;
            return SpikeEvent{};
        }
        i = take_slot(hash, now_ms);
        PathSlot &s = slots_[i];
        size_t n = std::min(key.size(), kKeyMax);
        std::memcpy(s.key, key.data(), n);
        s.key_len = static_cast<uint16_t>(n);
        s.truncated = key.size() > kKeyMax;
    }

    PathSlot &s = slots_[i];
    advance(s, now_ms);

    heap_[pos_[i]].score += weight(now_ms);
    heap_down(pos_[i]);

    s.total++;
    s.code = code;
    s.last_seen_ms = now_ms;
    s.window_hits++;
    s.buckets[s.bucket_epoch % kBuckets]++;
    count_referer(s, referer);

    uint32_t count = window_count(s, now_ms);
    SpikeEvent ev;

    if (s.spiking) {
        s.spike_peak = std::max(s.spike_peak, count);
        return ev;
    }

    if (count >= h_->cfg.threshold
        && count >= h_->cfg.factor * s.baseline) {
        s.spiking = 1;
        s.spike_start_ms = now_ms;
        s.spike_peak = count;
        list_spiking(i);

        ev.kind = SpikeEvent::Started;
        ev.key = std::string_view(s.key, std::min<size_t>(s.key_len, kKeyMax));
        ev.code = code;
        ev.count = count;
        ev.baseline = s.baseline;
        if (const RefererSlot *r = top_referer(s)) {
            ev.referer = std::string_view(
                r->text, std::min<size_t>(r->len, kRefererMax));
            ev.referer_count = r->count;
        }
    }
    return ev;
}

// The spiking list: an entry a spiking slot, each slot knowing its place,
// so that the sweep reads only those slots and a path leaves in O(1).
void SpikeZone::list_spiking(uint32_t slot)
{
    uint32_t n = spiking_count();
    if (n < h_->capacity) {
        spiking_[n] = slot;
        slots_[slot].listed = n + 1;
        h_->nspiking = n + 1;
    }
}

void SpikeZone::unlist_spiking(uint32_t slot)
{
    uint32_t k = slots_[slot].listed - 1;
    slots_[slot].listed = 0;
    if (k < spiking_count() && spiking_[k] == slot) {
        drop_listed(k);
    }
}

void SpikeZone::drop_listed(uint32_t k)
{
    uint32_t n = spiking_count();
    if (k >= n) {
        return;
    }
    uint32_t last = n - 1;
    uint32_t moved = spiking_[last];
    spiking_[k] = moved;
    if (k != last && moved < h_->used) {
        slots_[moved].listed = k + 1;
    }
    h_->nspiking = last;
}

SpikeEvent SpikeZone::ended(PathSlot &s, uint64_t now_ms)
{
    if (&s >= slots_ && &s < slots_ + h_->used) {
        unlist_spiking(static_cast<uint32_t>(&s - slots_));
    }
    s.spiking = 0;
    SpikeEvent ev;
    ev.kind = SpikeEvent::Ended;
    ev.key = std::string_view(s.key, std::min<size_t>(s.key_len, kKeyMax));
    ev.code = s.code;
    ev.count = s.spike_peak;
    ev.baseline = s.baseline;
    ev.length_ms = now_ms > s.spike_start_ms ? now_ms - s.spike_start_ms : 0;
    return ev;
}

} // namespace status_policy
