// A bounded table of keys with the Space-Saving heavy-hitter scheme, over
// a caller-owned memory block (a shared memory zone): fixed-size slots,
// offsets only, no allocation.
//
// When the table is full a new key takes the slot of the key with the
// smallest score (forward-decayed hit weights), so a key really hit often
// stays; and it does so on its second hit only (a bitmap notes the
// first), so a flood of keys seen once churns nothing.  The table also
// keeps the list of its spiking slots, so that a sweep reads only those,
// and a history ring per slot (see window_counter.hpp).

#pragma once

#include <cstddef>
#include <cstdint>

namespace status_policy {

// Where a table's parts are: written once, when the zone is laid out.
struct TableGeometry {
    uint32_t capacity;
    uint32_t index_size;    // a power of two, at least 2 x capacity
    uint32_t filter_words;  // a power of two
    uint32_t history;       // history entries a slot
    uint64_t slot_size;
};

// What changes as keys come and go.
struct TableCounts {
    uint32_t used;
    uint32_t nspiking;      // entries of the spiking list
    uint64_t evicted;
    uint64_t filtered;      // first hits of new keys not admitted
    uint64_t filter_notes;  // keys noted since the filter was cleared
    uint64_t resets;        // times the table was found inconsistent
};

// The heap is kept apart from the slots, dense, so that its operations
// stay in cache: each entry carries the score it is ordered by.
struct HeapEntry {
    double score;
    uint32_t slot;
    uint32_t pad;
};

class HitterTable {
public:
    // The bytes a table of that many slots takes.
    static size_t bytes_for(size_t capacity, size_t slot_size,
                            uint32_t history);

    // Lays a table out in the zeroed bytes at base.
    static void init(TableGeometry *g, TableCounts *c, size_t capacity,
                     size_t slot_size, uint32_t history);

    HitterTable() = default;
    HitterTable(const TableGeometry *g, TableCounts *c, char *base);

    // The slot holding the key with this hash, for which same(slot) is
    // true; UINT32_MAX if none.
    template <typename Same>
    uint32_t find(uint64_t hash, Same &&same) const;

    // A slot for a new key, its score the inherited one; UINT32_MAX when
    // the table is full and the key is seen for the first time.  The
    // caller lays the slot out afresh.
    uint32_t take(uint64_t hash);

    // Whether a slot found by find() can be trusted; the table is
    // cleared if not.
    bool check(uint32_t slot);

    void bump(uint32_t slot, double weight);
    void rescale(double scale);

    void list_spiking(uint32_t slot);
    void unlist_spiking(uint32_t slot);
    // the spiking list, valid entries only: slot or UINT32_MAX
    uint32_t spiking_count() const;
    uint32_t spiking_at(uint32_t k);

    char *slot_bytes(uint32_t i) const { return slots_ + i * g_->slot_size; }
    uint32_t *history(uint32_t i) const
    {
        return history_ + size_t{i} * g_->history;
    }
    uint64_t hash_of(uint32_t i) const { return hashes_[i]; }
    size_t used() const;

private:
    bool consistent(uint32_t slot) const;
    bool seen_before(uint64_t hash);
    bool index_insert(uint64_t hash, uint32_t slot);
    void index_erase(uint64_t hash, uint32_t slot);
    void heap_down(uint32_t pos);
    void set_pos(uint32_t slot, uint32_t pos);
    void drop_listed(uint32_t k);
    void reset();

    const TableGeometry *g_ = nullptr;
    TableCounts *h_ = nullptr;
    char *slots_ = nullptr;
    uint64_t *hashes_ = nullptr;
    uint64_t *index_ = nullptr;   // open addressing: hash high bits | slot + 1; 0 = empty
    HeapEntry *heap_ = nullptr;   // min-heap of slots by score
    uint32_t *pos_ = nullptr;     // where each slot is in the heap
    uint64_t *filter_ = nullptr;  // keys seen once while the table was full
    uint32_t *spiking_ = nullptr; // the slots spiking now
    uint32_t *listed_ = nullptr;  // 1 + each slot's place in the spiking list, or 0
    uint32_t *history_ = nullptr;
};

// An index entry holds the high half of the key's hash beside the slot,
// and the entry's home position is taken from that half too: probing a
// cluster reads no slot until the hash agrees.
template <typename Same>
uint32_t HitterTable::find(uint64_t hash, Same &&same) const
{
    uint32_t mask = g_->index_size - 1;
    uint64_t high = hash & 0xffffffff00000000ULL;
    uint32_t i = static_cast<uint32_t>(hash >> 32) & mask;
    for (uint32_t probes = 0; probes < g_->index_size;
         probes++, i = (i + 1) & mask) {
        uint64_t e = index_[i];
        if (e == 0) {
            return UINT32_MAX;
        }
        uint32_t slot = static_cast<uint32_t>(e) - 1;
        if ((e & 0xffffffff00000000ULL) != high || slot >= used()
            || hashes_[slot] != hash) {
            continue;
        }
        if (same(slot)) {
            return slot;
        }
    }
    return UINT32_MAX;
}

} // namespace status_policy
