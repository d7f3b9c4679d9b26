#include "hitter_table.hpp"

#include <cstring>

namespace status_policy {

namespace {

size_t align8(size_t n)
{
    return (n + 7) & ~size_t{7};
}

size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

struct Layout {
    size_t slots = 0, hashes = 0, index = 0, heap = 0, pos = 0, filter = 0,
           spiking = 0, listed = 0, history = 0, total = 0;
};

Layout layout_of(size_t capacity, size_t index_size, size_t filter_words,
                 size_t slot_size, uint32_t history)
{
    Layout l;
    l.hashes = align8(l.slots + capacity * slot_size);
    l.index = l.hashes + capacity * sizeof(uint64_t);
    l.heap = l.index + index_size * sizeof(uint64_t);
    l.filter = l.heap + capacity * sizeof(HeapEntry);
    l.pos = l.filter + filter_words * sizeof(uint64_t);
    l.spiking = l.pos + capacity * sizeof(uint32_t);
    l.listed = l.spiking + capacity * sizeof(uint32_t);
    l.history = l.listed + capacity * sizeof(uint32_t);
    l.total = align8(l.history + capacity * history * sizeof(uint32_t));
    return l;
}

Layout layout_of(const TableGeometry &h)
{
    return layout_of(h.capacity, h.index_size, h.filter_words, h.slot_size,
                     h.history);
}

uint64_t index_entry(uint64_t hash, uint32_t slot)
{
    return (hash & 0xffffffff00000000ULL) | (uint64_t{slot} + 1);
}

uint32_t home_of(uint64_t hash_or_entry, uint32_t mask)
{
    return static_cast<uint32_t>(hash_or_entry >> 32) & mask;
}

} // namespace

size_t HitterTable::bytes_for(size_t capacity, size_t slot_size,
                              uint32_t history)
{
    // 64 filter bits a key
    return layout_of(capacity, pow2_at_least(2 * capacity),
                     pow2_at_least(capacity), align8(slot_size), history)
        .total;
}

void HitterTable::init(TableGeometry *h, TableCounts *c, size_t capacity,
                       size_t slot_size, uint32_t history)
{
    std::memset(h, 0, sizeof(*h));
    std::memset(c, 0, sizeof(*c));
    h->capacity = static_cast<uint32_t>(capacity);
    h->index_size = static_cast<uint32_t>(pow2_at_least(2 * capacity));
    h->filter_words = static_cast<uint32_t>(pow2_at_least(capacity));
    h->slot_size = align8(slot_size);
    h->history = history;
}

HitterTable::HitterTable(const TableGeometry *g, TableCounts *c, char *base)
    : g_(g), h_(c)
{
    Layout l = layout_of(*g);
    slots_ = base + l.slots;
    hashes_ = reinterpret_cast<uint64_t *>(base + l.hashes);
    index_ = reinterpret_cast<uint64_t *>(base + l.index);
    heap_ = reinterpret_cast<HeapEntry *>(base + l.heap);
    filter_ = reinterpret_cast<uint64_t *>(base + l.filter);
    pos_ = reinterpret_cast<uint32_t *>(base + l.pos);
    spiking_ = reinterpret_cast<uint32_t *>(base + l.spiking);
    listed_ = reinterpret_cast<uint32_t *>(base + l.listed);
    history_ = reinterpret_cast<uint32_t *>(base + l.history);
}

size_t HitterTable::used() const
{
    return h_->used < g_->capacity ? h_->used : g_->capacity;
}

// Every loop below is bounded and every index read from the block is
// checked: a worker killed in the middle of an update (nginx then frees
// the zone's lock) must not leave a block that hangs or crashes the
// others.  What cannot be trusted is dropped, or the table starts afresh.

bool HitterTable::consistent(uint32_t slot) const
{
    return slot < h_->used && h_->used <= g_->capacity
           && pos_[slot] < h_->used && heap_[pos_[slot]].slot == slot;
}

bool HitterTable::check(uint32_t slot)
{
    if (consistent(slot)) {
        return true;
    }
    reset();
    return false;
}

bool HitterTable::index_insert(uint64_t hash, uint32_t slot)
{
    uint32_t mask = g_->index_size - 1;
    uint32_t i = home_of(hash, mask);
    for (uint32_t probes = 0; probes < g_->index_size;
         probes++, i = (i + 1) & mask) {
        if (index_[i] == 0) {
            index_[i] = index_entry(hash, slot);
            return true;
        }
    }
    return false;
}

// Linear probing deletion: later entries of the cluster move back into
// the hole when their home position allows it.  It reads no slot.
void HitterTable::index_erase(uint64_t hash, uint32_t slot)
{
    uint32_t mask = g_->index_size - 1;
    uint32_t i = home_of(hash, mask);
    uint64_t target = index_entry(hash, slot);
    uint32_t probes = 0;
    while (index_[i] != target) {
        if (index_[i] == 0 || ++probes == g_->index_size) {
            return;
        }
        i = (i + 1) & mask;
    }
    uint32_t j = (i + 1) & mask;
    for (probes = 0; index_[j] != 0 && probes < g_->index_size;
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

// Clears every key: the answer to a table found inconsistent.
void HitterTable::reset()
{
    std::memset(index_, 0, g_->index_size * sizeof(uint64_t));
    h_->used = 0;
    h_->nspiking = 0;
    h_->resets++;
}

// Sifts an entry down by moving smaller children up into the hole it
// leaves: one heap write and one position write a level.
void HitterTable::heap_down(uint32_t pos)
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

void HitterTable::set_pos(uint32_t slot, uint32_t pos)
{
    if (slot < g_->capacity) {
        pos_[slot] = pos;
    }
}

void HitterTable::bump(uint32_t slot, double weight)
{
    if (slot < used() && pos_[slot] < used()) {
        heap_[pos_[slot]].score += weight;
        heap_down(pos_[slot]);
    }
}

// Scaling every score by the same factor keeps the heap order.
void HitterTable::rescale(double scale)
{
    for (uint32_t i = 0; i < used(); i++) {
        heap_[i].score *= scale;
    }
}

// Whether a key not in the table was noted since the filter was last
// cleared; notes it if not.  Three bits a key in a bitmap of 64 bits a
// slot, cleared when a thirty-second of it has been noted: fewer than 1
// in 1,000 keys seen once pass as seen twice.
bool HitterTable::seen_before(uint64_t hash)
{
    constexpr uint64_t kMul[] = {0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL,
                                 0x165667b19e3779f9ULL};
    uint64_t nbits = uint64_t{g_->filter_words} * 64;
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
        std::memset(filter_, 0, g_->filter_words * sizeof(uint64_t));
        h_->filter_notes = 1;
    }
    for (uint64_t b : bit) {
        filter_[b >> 6] |= uint64_t{1} << (b & 63);
    }
    return false;
}

// A free slot, or the one with the least score, whose score the newcomer
// inherits (Space-Saving).
uint32_t HitterTable::take(uint64_t hash)
{
    if (h_->used >= g_->capacity) {
        if (!seen_before(hash)) {
            h_->filtered++;
            return UINT32_MAX;
        }
        if (!consistent(heap_[0].slot)) {
            reset();
        }
    }

    uint32_t i;
    double inherited = 0;
    if (h_->used < g_->capacity) {
        i = h_->used++;
        heap_[i] = HeapEntry{0, i, 0};
        pos_[i] = i;
    } else {
        i = heap_[0].slot;
        inherited = heap_[0].score;
        index_erase(hashes_[i], i);
        unlist_spiking(i);
        h_->evicted++;
    }
    hashes_[i] = hash;
    listed_[i] = 0;
    heap_[pos_[i]].score = inherited;
    if (!index_insert(hash, i)) {
        reset();
        return take(hash);
    }
    return i;
}

// The spiking list: an entry a spiking slot, each slot knowing its place,
// so that a sweep reads only those slots and a slot leaves in O(1).
void HitterTable::list_spiking(uint32_t slot)
{
    uint32_t n = spiking_count();
    if (slot < used() && listed_[slot] == 0 && n < g_->capacity) {
        spiking_[n] = slot;
        listed_[slot] = n + 1;
        h_->nspiking = n + 1;
    }
}

void HitterTable::unlist_spiking(uint32_t slot)
{
    if (slot >= g_->capacity || listed_[slot] == 0) {
        return;
    }
    uint32_t k = listed_[slot] - 1;
    listed_[slot] = 0;
    if (k < spiking_count() && spiking_[k] == slot) {
        drop_listed(k);
    }
}

void HitterTable::drop_listed(uint32_t k)
{
    uint32_t n = spiking_count();
    if (k >= n) {
        return;
    }
    uint32_t last = n - 1;
    uint32_t moved = spiking_[last];
    spiking_[k] = moved;
    if (k != last && moved < used()) {
        listed_[moved] = k + 1;
    }
    h_->nspiking = last;
}

uint32_t HitterTable::spiking_count() const
{
    return h_->nspiking < g_->capacity ? h_->nspiking : g_->capacity;
}

// Entry k of the list, dropped (and UINT32_MAX) if an update cut short
// left it wrong.
uint32_t HitterTable::spiking_at(uint32_t k)
{
    uint32_t i = k < spiking_count() ? spiking_[k] : UINT32_MAX;
    if (i >= used() || listed_[i] != k + 1) {
        drop_listed(k);
        return UINT32_MAX;
    }
    return i;
}

} // namespace status_policy
