#include "spike_zone.hpp"

#include "key_hash.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace status_policy {

static_assert(std::is_trivially_copyable_v<PathSlot>);
static_assert(std::is_trivially_copyable_v<GroupSlot>);
// the layout is read from these bytes at every call: the tests write
// garbage past them, as a worker killed mid-update might
static_assert(offsetof(ZoneHeader, landmark_ms) <= 256);

namespace {

constexpr uint32_t kMagic = 0x53504b31;  // "SPK1"
constexpr uint32_t kVersion = 9;
constexpr size_t kMinPaths = 16;
constexpr size_t kMinGroups = 4;

// Decayed weights are rescaled before exp() gets near overflow.
constexpr double kRescaleExponent = 500;

size_t align8(size_t n)
{
    return (n + 7) & ~size_t{7};
}

struct Layout {
    size_t paths_off = 0, groups_off = 0, history_off = 0, events_off = 0,
           total = 0;
};

Layout layout_for(size_t paths, uint32_t history)
{
    Layout l;
    l.paths_off = align8(sizeof(ZoneHeader));
    l.groups_off = l.paths_off
                   + HitterTable::bytes_for(paths, sizeof(PathSlot), history);
    l.history_off = l.groups_off
                    + HitterTable::bytes_for(SpikeZone::groups_for(paths),
                                             sizeof(GroupSlot), history);
    l.events_off = align8(l.history_off + history * sizeof(uint32_t));
    l.total = l.events_off + kEvents * sizeof(ZoneEvent);
    return l;
}

} // namespace

// Linear counting: how many distinct keys set the bits of a bitmap.
uint32_t linear_count(const uint64_t *words, size_t nwords)
{
    size_t ones = 0;
    for (size_t k = 0; k < nwords; k++) {
        ones += __builtin_popcountll(words[k]);
    }
    double m = static_cast<double>(nwords * 64);
    if (ones == nwords * 64) {
        return static_cast<uint32_t>(m * std::log(m));  // at least this
    }
    return static_cast<uint32_t>(
        std::lround(-m * std::log((m - static_cast<double>(ones)) / m)));
}

namespace {

} // namespace


size_t SpikeZone::groups_for(size_t paths)
{
    return std::max(kMinGroups, paths / 16);
}

size_t SpikeZone::capacity_for(size_t size, uint32_t history)
{
    if (size < sizeof(ZoneHeader)) {
        return 0;
    }
    // the largest capacity whose layout fits
    size_t lo = 0, hi = size / sizeof(PathSlot) + 1;
    while (lo + 1 < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (layout_for(mid, history).total <= size) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo >= kMinPaths ? lo : 0;
}

size_t SpikeZone::min_size(uint32_t history)
{
    return layout_for(kMinPaths, history).total;
}

bool same_units(const SpikeConfig &a, const SpikeConfig &b)
{
    if (a.window_ms != b.window_ms || a.ncodes != b.ncodes
        || a.ncodes > kCodesMax || a.history != b.history)
    {
        return false;
    }
    return std::equal(a.codes, a.codes + a.ncodes, b.codes);
}

bool SpikeZone::init(void *block, size_t size, const SpikeConfig &cfg,
                     uint64_t now_ms)
{
    if (cfg.history > kHistoryMax) {
        return false;
    }
    size_t capacity = capacity_for(size, cfg.history);
    if (capacity == 0) {
        return false;
    }
    auto *h = static_cast<ZoneHeader *>(block);
    Layout l = layout_for(capacity, cfg.history);

    std::memset(block, 0, l.total);
    h->magic = kMagic;
    h->version = kVersion;
    h->size = size;
    h->landmark_ms = now_ms;
    h->cfg = cfg;
    h->windows.window_ms = std::max<uint32_t>(cfg.window_ms, 1);
    h->windows.history = cfg.history;
    h->decay = std::log(2.0) / static_cast<double>(h->windows.window_ms);
    counter_start(h->zone, h->windows, now_ms);
    HitterTable::init(&h->paths, &h->path_counts, capacity, sizeof(PathSlot),
                      cfg.history);
    HitterTable::init(&h->groups, &h->group_counts,
                      SpikeZone::groups_for(capacity), sizeof(GroupSlot),
                      cfg.history);
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
    // laid out again over the same pages, which the size bounds
    if (!init(h_, h_->size, cfg, now_ms)) {
        return Claim::NotOurs;
    }
    map();
    return Claim::Restarted;
}

SpikeZone::SpikeZone(void *block)
    : h_(static_cast<ZoneHeader *>(block)), base_(static_cast<char *>(block))
{
    map();
}

// Where the parts are, from the capacity and history the header gives.
// A header of another version is mapped too, and used once claim() has
// laid it out again.
void SpikeZone::map()
{
    Layout l = layout_for(h_->paths.capacity, h_->windows.history);
    paths_ = HitterTable(&h_->paths, &h_->path_counts, base_ + l.paths_off);
    groups_ = HitterTable(&h_->groups, &h_->group_counts,
                          base_ + l.groups_off);
    zone_history_ = reinterpret_cast<uint32_t *>(base_ + l.history_off);
    events_ = reinterpret_cast<ZoneEvent *>(base_ + l.events_off);
}

PathSlot &SpikeZone::path_slot(size_t i) const
{
    return *reinterpret_cast<PathSlot *>(
        paths_.slot_bytes(static_cast<uint32_t>(i)));
}

GroupSlot &SpikeZone::group_slot(size_t i) const
{
    return *reinterpret_cast<GroupSlot *>(
        groups_.slot_bytes(static_cast<uint32_t>(i)));
}

size_t SpikeZone::capacity() const
{
    return h_->paths.capacity;
}
size_t SpikeZone::group_capacity() const
{
    return h_->groups.capacity;
}
size_t SpikeZone::used() const
{
    return paths_.used();
}
uint64_t SpikeZone::counted() const
{
    return h_->counted;
}
uint64_t SpikeZone::evicted() const
{
    return h_->path_counts.evicted;
}
uint64_t SpikeZone::filtered() const
{
    return h_->path_counts.filtered;
}
const SpikeConfig &SpikeZone::config() const
{
    return h_->cfg;
}
const Windows &SpikeZone::windows() const
{
    return h_->windows;
}
uint64_t SpikeZone::slot_hash(size_t i) const
{
    return paths_.hash_of(static_cast<uint32_t>(i));
}
const uint32_t *SpikeZone::path_history(size_t i) const
{
    return paths_.history(static_cast<uint32_t>(i));
}
size_t SpikeZone::groups_used() const
{
    return groups_.used();
}
uint64_t SpikeZone::group_hash(size_t i) const
{
    return groups_.hash_of(static_cast<uint32_t>(i));
}
const uint32_t *SpikeZone::group_history(size_t i) const
{
    return groups_.history(static_cast<uint32_t>(i));
}
const WindowCounter &SpikeZone::zone_counter() const
{
    return h_->zone;
}
const uint32_t *SpikeZone::zone_history() const
{
    return zone_history_;
}

uint32_t SpikeZone::window_count(const WindowCounter &c,
                                 uint64_t now_ms) const
{
    return counter_window_count(c, h_->windows, now_ms);
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
        paths_.rescale(scale);
        groups_.rescale(scale);
        h_->landmark_ms = now_ms;
        e = 0;
    }
    return std::exp(e);
}

uint32_t SpikeZone::find_path(uint64_t hash, std::string_view key)
{
    HitterTable &table = paths_;
    // the stored key may be truncated: the full-key hash decides, the
    // stored bytes guard against a collision
    uint32_t i = table.find(hash, [&](uint32_t slot) {
        const PathSlot &s = path_slot(slot);
        std::string_view stored = stored_key(s.key, s.key_len);
        return key.substr(0, stored.size()) == stored;
    });
    if (i != UINT32_MAX && !table.check(i)) {
        return UINT32_MAX;
    }
    return i;
}

HitEvents SpikeZone::hit(int code, std::string_view key,
                         std::string_view referer, uint64_t now_ms)
{
    const Windows &w = h_->windows;
    h_->counted++;
    counter_advance(h_->zone, w, now_ms, zone_history_, [](size_t) {});
    counter_add(h_->zone, now_ms);
    double wt = weight(now_ms);

    // one pass: the path's hash and those of the directories above it
    // (not the root, not the path itself if it is a directory)
    uint64_t fnv = kFnvBasis;
    size_t dir_len[kDirDepth];
    uint64_t dir_hash[kDirDepth];
    size_t ndirs = 0;
    size_t first_slash = key.find('/');
    for (size_t k = 0; k < key.size(); k++) {
        fnv = fnv_step(fnv, static_cast<unsigned char>(key[k]));
        if (key[k] == '/' && k > first_slash && k + 1 < key.size()
            && ndirs < kDirDepth) {
            dir_len[ndirs] = k + 1;
            dir_hash[ndirs++] = hash_finish(
                fnv, static_cast<uint64_t>(Subject::Deploy));
        }
    }
    uint64_t hash = hash_finish(fnv, 0);

    HitterTable &table = paths_;
    uint32_t i = find_path(hash, key);
    if (i == UINT32_MAX) {
        // a full table admits a path on its second hit only: a flood of
        // paths seen once (a scanner) pushes no tracked path out
        i = table.take(hash);
        if (i != UINT32_MAX) {
            PathSlot &s = path_slot(i);
            // the header only: the key and the referers are written as
            // they are used, so a new path touches few cache lines
            std::memset(&s, 0, offsetof(PathSlot, referers));
            counter_start(s.c, w, now_ms);
            size_t n = std::min(key.size(), kKeyMax);
            std::memcpy(s.key, key.data(), n);
            s.key_len = static_cast<uint16_t>(n);
            s.truncated = key.size() > kKeyMax;
        }
    }
    uint64_t referer_hash = referer.empty()
        ? 0 : hash_key(referer, static_cast<uint64_t>(Subject::Page));
    if (i != UINT32_MAX) {
        PathSlot &s = path_slot(i);
        counter_advance(s.c, w, now_ms, table.history(i), [](size_t) {});
        table.bump(i, wt);
        counter_add(s.c, now_ms);
        s.code = code;
        count_top(s.referers, s.referers_used, referer,
                  static_cast<uint32_t>(referer_hash));
    }

    // the groups of the hit: its referer, the directories above it
    Hit h{code, key, hash, referer, referer_hash, wt, now_ms};
    uint32_t page = UINT32_MAX;
    if (!referer.empty()) {
        page = count_group(Subject::Page, referer, referer_hash, h);
    }
    uint32_t dirs[kDirDepth];
    for (size_t k = 0; k < ndirs; k++) {
        dirs[k] = count_group(Subject::Deploy, key.substr(0, dir_len[k]),
                              dir_hash[k], h);
    }

    HitEvents out;
    detect_groups(page, dirs, ndirs, now_ms, out);
    if (i != UINT32_MAX) {
        bool in_group = page != UINT32_MAX
                        && group_slot(page).c.spiking == kReported;
        for (size_t k = 0; k < ndirs; k++) {
            in_group = in_group
                       || (dirs[k] != UINT32_MAX
                           && group_slot(dirs[k]).c.spiking == kReported);
        }
        detect_path(i, in_group, now_ms, out);
    }
    return out;
}

void SpikeZone::detect_path(uint32_t i, bool in_group, uint64_t now_ms,
                            HitEvents &out)
{
    PathSlot &s = path_slot(i);
    uint32_t count = window_count(s.c, now_ms);
    if (s.c.spiking != kQuiet) {
        s.c.spike_peak = std::max(s.c.spike_peak, count);
        return;
    }
    if (count < h_->cfg.threshold || count < h_->cfg.factor * s.c.baseline) {
        return;
    }
    s.c.spiking = in_group ? kFolded : kReported;
    s.c.spike_start_ms = now_ms;
    s.c.spike_peak = count;
    paths_.list_spiking(i);
    if (in_group) {
        return;  // its group's line says it
    }
    SpikeEvent &ev = out.ev[out.n++];
    ev.kind = SpikeEvent::Started;
    ev.subject = Subject::Path;
    ev.key = stored_key(s.key, s.key_len);
    ev.code = s.code;
    ev.count = count;
    ev.baseline = s.c.baseline;
    ev.top = s.referers;
    ev.ntop = referers_used(s);
    record(ev, now_ms);
}

SpikeEvent SpikeZone::ended_path(uint32_t i, uint64_t now_ms)
{
    PathSlot &s = path_slot(i);
    counter_advance(s.c, h_->windows, now_ms, paths_.history(i),
                    [](size_t) {});
    return ended(s.c, paths_, i, h_->cfg.threshold, Subject::Path,
                 stored_key(s.key, s.key_len), s.code, now_ms);
}

// Ends the spike of an advanced counter once its window falls under the
// threshold; the event is for a logged spike only.
SpikeEvent SpikeZone::ended(WindowCounter &c, HitterTable &table, uint32_t i,
                            uint32_t threshold, Subject subject,
                            std::string_view key, int code, uint64_t now_ms)
{
    SpikeEvent ev;
    if (c.spiking != kQuiet && window_count(c, now_ms) >= threshold) {
        return ev;
    }
    uint8_t was = c.spiking;
    c.spiking = kQuiet;
    table.unlist_spiking(i);
    if (was != kReported) {
        return ev;
    }
    ev.kind = SpikeEvent::Ended;
    ev.subject = subject;
    ev.key = key;
    ev.code = code;
    ev.count = c.spike_peak;
    ev.baseline = c.baseline;
    ev.length_ms = now_ms > c.spike_start_ms ? now_ms - c.spike_start_ms : 0;
    record(ev, now_ms);
    return ev;
}

// -- events -------------------------------------------------------------------

void SpikeZone::record(const SpikeEvent &ev, uint64_t now_ms)
{
    ZoneEvent &e = events_[h_->events_total % kEvents];
    e.time_ms = now_ms;
    e.length_ms = ev.length_ms;
    e.count = ev.count;
    e.paths = ev.paths;
    e.code = ev.code;
    e.kind = static_cast<uint8_t>(ev.kind);
    e.subject = static_cast<uint8_t>(ev.subject);
    size_t n = std::min(ev.key.size(), kEventKeyMax);
    std::memcpy(e.key, ev.key.data(), n);
    e.key_len = static_cast<uint16_t>(n);
    h_->events_total++;
}

uint64_t SpikeZone::events_total() const
{
    return h_->events_total;
}

size_t SpikeZone::events_kept() const
{
    return static_cast<size_t>(std::min<uint64_t>(h_->events_total, kEvents));
}

const ZoneEvent &SpikeZone::event_at(size_t k) const
{
    return events_[k % kEvents];
}

} // namespace status_policy
