// 404 spike counting over a caller-owned memory block (a shared memory
// zone): fixed-size slots, no pointers, no allocation.
//
// Two bounded tables of heavy hitters (hitter_table.hpp): paths, and
// groups of paths.  A group is a referer (a broken page: its 404s across
// many paths) or a directory (a broken deploy: 404s under it across many
// paths, asked for by pages).  Each path, each group and the zone as a
// whole count hits in a sliding window, keep a baseline and the history
// of the last windows (window_counter.hpp); the zone keeps the last
// spike starts and ends as events.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hitter_table.hpp"
#include "top_list.hpp"
#include "window_counter.hpp"

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
    // A group spikes from this many hits across this many paths.
    uint32_t group_threshold = 100;
    uint32_t group_paths = 10;
    // Windows of history kept: with the window and the codes, the layout.
    uint32_t history = 60;
    uint32_t pad = 0;
};

// Whether two configurations count in the same units and layout, so
// that counts made under one are right under the other.
bool same_units(const SpikeConfig &a, const SpikeConfig &b);

constexpr uint32_t kHistoryMax = 4096;

enum class Subject : uint8_t { Path = 0, Page = 1, Deploy = 2 };

constexpr size_t kKeyMax = 256;
constexpr size_t kRefererMax = kTopTextMax;
constexpr size_t kReferers = 4;
constexpr size_t kGroupTop = 4;
constexpr size_t kPathBits = 512;     // distinct paths of a group, a bucket
constexpr size_t kRefererBits = 256;  // distinct referers of a group
constexpr size_t kDirDepth = 3;       // directories a path counts under

// A slot's key as stored: its length from shared memory, bounded.
inline std::string_view stored_key(const char *key, uint16_t len)
{
    return {key, len < kKeyMax ? len : kKeyMax};
}

struct PathSlot {
    WindowCounter c;
    int32_t code;
    uint16_t key_len;       // bytes stored in key
    uint8_t truncated;
    uint8_t pad;
    uint32_t referers_used;
    uint32_t pad2;
    TopEntry referers[kReferers];
    char key[kKeyMax];
};

struct GroupSlot {
    WindowCounter c;
    int32_t code;
    uint16_t key_len;
    uint8_t truncated;
    uint8_t kind;           // Subject::Page or Subject::Deploy
    uint32_t paths_used;
    uint32_t referers_used;
    uint32_t referred[kBuckets];   // hits that came with a referer
    uint64_t path_bits[kBuckets][kPathBits / 64];
    uint64_t referer_bits[kBuckets][kRefererBits / 64];
    TopEntry paths[kGroupTop];
    TopEntry referers[kGroupTop];
    char key[kKeyMax];
};

// A spike starting or ending, for its log line.
struct SpikeEvent {
    enum Kind { None, Started, Ended } kind = None;
    Subject subject = Subject::Path;
    std::string_view key;
    int code = 0;
    uint32_t count = 0;        // window count when it started / peak
    uint32_t paths = 0;        // distinct paths (groups)
    double baseline = 0;
    uint64_t length_ms = 0;    // how long it lasted (Ended)
    // top referers (a path, a directory) or top paths (a referer)
    const TopEntry *top = nullptr;
    size_t ntop = 0;
};

// The spike starts a hit can bring: its path, its referer, a directory.
struct HitEvents {
    SpikeEvent ev[3];
    size_t n = 0;
};

// The last spike starts and ends, kept in the zone.
constexpr size_t kEvents = 64;
constexpr size_t kEventKeyMax = 192;

struct ZoneEvent {
    uint64_t time_ms;
    uint64_t length_ms;
    uint32_t count;
    uint32_t paths;
    int32_t code;
    uint8_t kind;           // SpikeEvent::Kind
    uint8_t subject;        // Subject
    uint16_t key_len;
    char key[kEventKeyMax];
};

// The zone's first bytes; the tables, the zone's history and the events
// follow (spike_zone.cpp lays them out).
// What lays the zone out comes first and is written only then.
struct ZoneHeader {
    uint32_t magic;
    uint32_t version;
    uint64_t size;
    SpikeConfig cfg;
    Windows windows;
    double decay;         // per millisecond
    TableGeometry paths;
    TableGeometry groups;
    // what changes
    uint64_t landmark_ms; // forward decay reference time
    uint64_t counted;
    uint64_t events_total;
    TableCounts path_counts;
    TableCounts group_counts;
    WindowCounter zone;   // every counted hit
};

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
    static size_t capacity_for(size_t size, uint32_t history);
    static size_t groups_for(size_t paths);
    size_t group_capacity() const;
    static size_t min_size(uint32_t history);

    explicit SpikeZone(void *block);

    HitEvents hit(int code, std::string_view key, std::string_view referer,
                  uint64_t now_ms);

    // Calls f(event) for each spike that has ended by now, until f
    // returns false: the spikes left end at the next sweep.
    template <typename F>
    void sweep(uint64_t now_ms, F &&f);

    const SpikeConfig &config() const;
    const Windows &windows() const;
    size_t capacity() const;
    size_t used() const;
    uint64_t counted() const;
    uint64_t evicted() const;
    uint64_t filtered() const;

    const PathSlot &slot(size_t i) const { return path_slot(i); }
    uint64_t slot_hash(size_t i) const;
    const uint32_t *path_history(size_t i) const;
    uint32_t window_count(const WindowCounter &c, uint64_t now_ms) const;
    static size_t referers_used(const PathSlot &s)
    {
        return top_used(s.referers_used, kReferers);
    }

    size_t groups_used() const;
    const GroupSlot &group(size_t i) const { return group_slot(i); }
    uint64_t group_hash(size_t i) const;
    const uint32_t *group_history(size_t i) const;
    uint32_t distinct_paths(const GroupSlot &g, uint64_t now_ms) const;
    uint32_t distinct_referers(const GroupSlot &g, uint64_t now_ms) const;
    uint32_t referred(const GroupSlot &g, uint64_t now_ms) const;

    const WindowCounter &zone_counter() const;
    const uint32_t *zone_history() const;

    // The events kept, oldest first: f(event).
    template <typename F>
    void each_event(F &&f) const;

private:
    PathSlot &path_slot(size_t i) const;
    GroupSlot &group_slot(size_t i) const;
    void map();
    double weight(uint64_t now_ms);
    uint32_t find_path(uint64_t hash, std::string_view key);
    // a hit, as its groups count it
    struct Hit {
        int code;
        std::string_view path;
        uint64_t path_hash;
        std::string_view referer;
        uint64_t referer_hash;  // 0 without a referer
        double weight;
        uint64_t now_ms;
    };
    uint32_t count_group(Subject kind, std::string_view key, uint64_t hash,
                         const Hit &hit);
    void advance_group(uint32_t g, uint64_t now_ms);
    bool group_qualifies(const GroupSlot &g, uint64_t now_ms) const;
    void start_group(uint32_t g, bool logged, uint64_t now_ms,
                     HitEvents &out);
    void detect_groups(uint32_t page, const uint32_t *dirs, size_t ndirs,
                       uint64_t now_ms, HitEvents &out);
    void detect_path(uint32_t i, bool in_group, uint64_t now_ms,
                     HitEvents &out);
    SpikeEvent ended_path(uint32_t i, uint64_t now_ms);
    SpikeEvent ended_group(uint32_t i, uint64_t now_ms);
    SpikeEvent ended(WindowCounter &c, HitterTable &table, uint32_t i,
                     uint32_t threshold, Subject subject,
                     std::string_view key, int code, uint64_t now_ms);
    void record(const SpikeEvent &ev, uint64_t now_ms);
    const ZoneEvent &event_at(size_t k) const;
    size_t events_kept() const;
    uint64_t events_total() const;

    ZoneHeader *h_;
    char *base_;
    HitterTable paths_;
    HitterTable groups_;
    uint32_t *zone_history_ = nullptr;
    ZoneEvent *events_ = nullptr;
};

// Visits the spiking paths and groups only, from the end of their lists,
// so that one taken out (its place filled by the last) is not skipped.
template <typename F>
void SpikeZone::sweep(uint64_t now_ms, F &&f)
{
    for (int t = 0; t < 2; t++) {
        HitterTable &table = t == 0 ? paths_ : groups_;
        for (uint32_t k = table.spiking_count(); k-- > 0;) {
            uint32_t i = table.spiking_at(k);
            if (i == UINT32_MAX) {
                continue;
            }
            SpikeEvent ev = t == 0 ? ended_path(i, now_ms)
                                   : ended_group(i, now_ms);
            if (ev.kind == SpikeEvent::Ended && !f(ev)) {
                return;
            }
        }
    }
}

template <typename F>
void SpikeZone::each_event(F &&f) const
{
    size_t n = events_kept();
    uint64_t total = events_total();
    for (size_t k = 0; k < n; k++) {
        f(event_at((total - n + k) % kEvents));
    }
}

} // namespace status_policy
