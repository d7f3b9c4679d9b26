// The groups of a spike zone: a referer whose 404s across many distinct
// paths spike (a broken page) and a directory under which 404s across
// many distinct paths spike (a broken deploy).
//
// What sets them apart from a scanner, which also asks for many paths:
// - the paths of a group are asked for again (at least twice each on
//   average in the window): pages are viewed by many visitors, while a
//   scanner tries each path once;
// - a directory's 404s come from pages: most carry a referer, and the
//   referers repeat (a scanner sends none, or a new one each time).
//
// A group that starts while another group of the same hit has been
// logged is folded into it, as is a path: one incident, one line.  A page
// that starts with its directory is what is logged.  Among the
// directories of one hit the deepest that holds nearly all of the
// shallowest one's hits is logged, the others folded.
#include <algorithm>
#include <cstring>

#include "spike_zone.hpp"

#include "key_hash.hpp"

namespace status_policy {

namespace {

// a deeper directory is named instead when it holds this much of its
// parent's hits
constexpr double kExplains = 0.9;

template <size_t W>
void set_bit(uint64_t (&words)[W], uint64_t hash)
{
    constexpr int kShift = 64 - __builtin_ctzll(W * 64);
    uint64_t b = (hash * 0x9e3779b97f4a7c15ULL) >> kShift;
    words[b >> 6] |= uint64_t{1} << (b & 63);
}

} // namespace

void SpikeZone::advance_group(uint32_t g, uint64_t now_ms)
{
    GroupSlot &G = group_slot(g);
    counter_advance(G.c, h_->windows, now_ms, groups_.history(g),
                    [&](size_t b) {
        G.referred[b] = 0;
        std::memset(G.path_bits[b], 0, sizeof(G.path_bits[b]));
        std::memset(G.referer_bits[b], 0, sizeof(G.referer_bits[b]));
    });
}

uint32_t SpikeZone::count_group(Subject kind, std::string_view key,
                                uint64_t hash, const Hit &hit)
{
    uint64_t now_ms = hit.now_ms;
    uint32_t g = groups_.find(hash, [&](uint32_t slot) {
        const GroupSlot &G = group_slot(slot);
        std::string_view stored = stored_key(G.key, G.key_len);
        return G.kind == static_cast<uint8_t>(kind)
               && key.substr(0, stored.size()) == stored;
    });
    if (g != UINT32_MAX && !groups_.check(g)) {
        g = UINT32_MAX;
    }
    if (g == UINT32_MAX) {
        g = groups_.take(hash);
        if (g == UINT32_MAX) {
            return g;
        }
        GroupSlot &G = group_slot(g);
        std::memset(&G, 0, offsetof(GroupSlot, paths));
        counter_start(G.c, h_->windows, now_ms);
        G.kind = static_cast<uint8_t>(kind);
        size_t n = std::min(key.size(), kKeyMax);
        std::memcpy(G.key, key.data(), n);
        G.key_len = static_cast<uint16_t>(n);
        G.truncated = key.size() > kKeyMax;
    }

    GroupSlot &G = group_slot(g);
    advance_group(g, now_ms);
    groups_.bump(g, hit.weight);
    counter_add(G.c, now_ms);
    G.code = hit.code;
    size_t b = G.c.bucket_epoch % kBuckets;
    set_bit(G.path_bits[b], hit.path_hash);
    count_top(G.paths, G.paths_used, hit.path,
              static_cast<uint32_t>(hit.path_hash));
    if (hit.referer_hash) {
        G.referred[b]++;
        set_bit(G.referer_bits[b], hit.referer_hash);
        if (kind == Subject::Deploy) {
            count_top(G.referers, G.referers_used, hit.referer,
                      static_cast<uint32_t>(hit.referer_hash));
        }
    }
    if (G.c.spiking != kQuiet) {
        G.c.spike_peak = std::max(G.c.spike_peak, window_count(G.c, now_ms));
    }
    return g;
}

uint32_t SpikeZone::distinct_paths(const GroupSlot &g, uint64_t now_ms) const
{
    uint64_t words[kPathBits / 64] = {};
    counter_each_bucket(g.c, h_->windows, now_ms, [&](size_t b) {
        for (size_t k = 0; k < kPathBits / 64; k++) {
            words[k] |= g.path_bits[b][k];
        }
    });
    return linear_count(words, kPathBits / 64);
}

uint32_t SpikeZone::distinct_referers(const GroupSlot &g,
                                      uint64_t now_ms) const
{
    uint64_t words[kRefererBits / 64] = {};
    counter_each_bucket(g.c, h_->windows, now_ms, [&](size_t b) {
        for (size_t k = 0; k < kRefererBits / 64; k++) {
            words[k] |= g.referer_bits[b][k];
        }
    });
    return linear_count(words, kRefererBits / 64);
}

uint32_t SpikeZone::referred(const GroupSlot &g, uint64_t now_ms) const
{
    uint32_t n = 0;
    counter_each_bucket(g.c, h_->windows, now_ms,
                        [&](size_t b) { n += g.referred[b]; });
    return n;
}

bool SpikeZone::group_qualifies(const GroupSlot &g, uint64_t now_ms) const
{
    const SpikeConfig &cfg = h_->cfg;
    uint32_t count = window_count(g.c, now_ms);
    if (count < cfg.group_threshold || count < cfg.factor * g.c.baseline) {
        return false;
    }
    uint32_t paths = distinct_paths(g, now_ms);
    if (paths < cfg.group_paths || count < 2 * uint64_t{paths}) {
        return false;  // too few paths, or each asked for once: a scan
    }
    if (g.kind == static_cast<uint8_t>(Subject::Deploy)) {
        uint32_t referred = this->referred(g, now_ms);
        if (2 * uint64_t{referred} < count
            || 2 * uint64_t{distinct_referers(g, now_ms)} > referred)
        {
            return false;  // not asked for by pages
        }
    }
    return true;
}

void SpikeZone::detect_groups(uint32_t page, const uint32_t *dirs,
                              size_t ndirs, uint64_t now_ms, HitEvents &out)
{
    auto state = [&](uint32_t g) {
        return g == UINT32_MAX ? uint8_t{kQuiet} : group_slot(g).c.spiking;
    };
    auto starts = [&](uint32_t g) {
        return g != UINT32_MAX && state(g) == kQuiet
               && group_qualifies(group_slot(g), now_ms);
    };

    bool logged = state(page) == kReported;
    bool starting[kDirDepth] = {};
    for (size_t k = 0; k < ndirs; k++) {
        logged = logged || state(dirs[k]) == kReported;
        starting[k] = starts(dirs[k]);
    }

    // a page first: when its images all sit in one directory, the
    // directory spikes with it, and the page is what broke
    if (starts(page)) {
        start_group(page, !logged, now_ms, out);
        logged = true;
    }

    // the directory named: the shallowest starting one, or the deepest
    // below it that holds nearly all of its hits
    size_t named = ndirs;
    if (!logged) {
        for (size_t k = 0; k < ndirs; k++) {
            if (starting[k]) {
                named = k;
                break;
            }
        }
        while (named + 1 < ndirs && starting[named + 1]
               && window_count(group_slot(dirs[named + 1]).c, now_ms)
                      >= kExplains
                             * window_count(group_slot(dirs[named]).c,
                                            now_ms))
        {
            named++;
        }
    }
    for (size_t k = 0; k < ndirs; k++) {
        if (starting[k]) {
            start_group(dirs[k], k == named, now_ms, out);
        }
    }
}

void SpikeZone::start_group(uint32_t g, bool logged, uint64_t now_ms,
                            HitEvents &out)
{
    GroupSlot &G = group_slot(g);
    uint32_t count = window_count(G.c, now_ms);
    G.c.spiking = logged ? kReported : kFolded;
    G.c.spike_start_ms = now_ms;
    G.c.spike_peak = count;
    groups_.list_spiking(g);
    if (!logged) {
        return;
    }
    SpikeEvent &ev = out.ev[out.n++];
    ev.kind = SpikeEvent::Started;
    ev.subject = static_cast<Subject>(G.kind);
    ev.key = stored_key(G.key, G.key_len);
    ev.code = G.code;
    ev.count = count;
    ev.paths = distinct_paths(G, now_ms);
    ev.baseline = G.c.baseline;
    if (ev.subject == Subject::Page) {
        ev.top = G.paths;
        ev.ntop = top_used(G.paths_used, kGroupTop);
    } else {
        ev.top = G.referers;
        ev.ntop = top_used(G.referers_used, kGroupTop);
    }
    record(ev, now_ms);
}

SpikeEvent SpikeZone::ended_group(uint32_t g, uint64_t now_ms)
{
    GroupSlot &G = group_slot(g);
    advance_group(g, now_ms);
    return ended(G.c, groups_, g, h_->cfg.group_threshold,
                 static_cast<Subject>(G.kind),
                 stored_key(G.key, G.key_len),
                 G.code, now_ms);
}

} // namespace status_policy
