// The C interface of the spike counter (see status_policy_core.h): log
// lines are rendered here, with every request-derived byte escaped.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "escape.hpp"
#include "spike_ranking.hpp"
#include "spike_zone.hpp"
#include "status_policy_core.h"

using status_policy::append_log;
using status_policy::GroupSlot;
using status_policy::HitEvents;
using status_policy::PathSlot;
using status_policy::WindowCounter;
using status_policy::Windows;
using status_policy::ZoneEvent;
using status_policy::SpikeConfig;
using status_policy::SpikeEvent;
using status_policy::SpikeRanking;
using status_policy::SpikeZone;
using status_policy::kCodesMax;
using status_policy::kKeyMax;
using status_policy::kRefererMax;
using status_policy::kReferers;
using status_policy::counter_history;

static_assert(sizeof(sp_spike_path_t{}.key) >= kKeyMax);
static_assert(sizeof(sp_spike_top_t{}.text) >= kRefererMax);
static_assert(sizeof(sp_spike_group_t{}.key) >= kKeyMax);
static_assert(sizeof(sp_spike_group_t{}.top_paths)
                  / sizeof(sp_spike_top_t)
              >= status_policy::kGroupTop);
static_assert(sizeof(sp_spike_event_record_t{}.key)
              >= status_policy::kEventKeyMax);
static_assert(SP_SPIKE_HISTORY_MAX == status_policy::kHistoryMax);
static_assert(sizeof(sp_spike_path_t{}.referers)
                  / sizeof(sp_spike_path_t{}.referers[0])
              >= kReferers);
static_assert(SP_SPIKE_CODES == kCodesMax);

struct sp_spike_ranking_s {
    status_policy::SpikeRanking ranking;
};

namespace {

std::string duration(uint64_t ms)
{
    char buf[32];
    if (ms % 1000 == 0) {
        std::snprintf(buf, sizeof(buf), "%" PRIu64 "s", ms / 1000);
    } else {
        std::snprintf(buf, sizeof(buf), "%" PRIu64 "ms", ms);
    }
    return buf;
}

// The top entries of an event, busiest first.
std::vector<const status_policy::TopEntry *> busiest(const SpikeEvent &ev)
{
    std::vector<const status_policy::TopEntry *> top;
    for (size_t k = 0; k < ev.ntop; k++) {
        top.push_back(&ev.top[k]);
    }
    std::stable_sort(top.begin(), top.end(), [](auto *a, auto *b) {
        return a->count > b->count;
    });
    return top;
}

void append_quoted(std::string &line, std::string_view text)
{
    line += '"';
    append_log(line, text);
    line += '"';
}

void append_top(std::string &line, const SpikeEvent &ev, const char *one,
                const char *many, size_t max)
{
    auto top = busiest(ev);
    if (top.empty()) {
        line += ", no referer";
        return;
    }
    line += ", ";
    line += max > 1 && top.size() > 1 ? many : one;
    line += ' ';
    char num[32];
    for (size_t k = 0; k < std::min(top.size(), max); k++) {
        line += k ? ", " : "";
        append_quoted(line, status_policy::text_of(*top[k]));
        std::snprintf(num, sizeof(num), " (%u)", top[k]->count);
        line += num;
    }
}

void render(const SpikeEvent &ev, const SpikeConfig &cfg,
            sp_spike_event_t *out)
{
    std::string line = "status_policy: " + std::to_string(ev.code);
    switch (ev.subject) {
    case status_policy::Subject::Page: line += " spike from referer "; break;
    case status_policy::Subject::Deploy: line += " spike under "; break;
    default: line += " spike on ";
    }
    append_quoted(line, ev.key);
    char num[64];
    std::string window = duration(cfg.window_ms);

    if (ev.kind == SpikeEvent::Started
        && ev.subject == status_policy::Subject::Path) {
        std::snprintf(num, sizeof(num), ": %u in ", ev.count);
        line += num + window;
        std::snprintf(num, sizeof(num), " (baseline %.1f/", ev.baseline);
        line += num + window + ")";
        append_top(line, ev, "top referer", "top referer", 1);
    } else if (ev.kind == SpikeEvent::Started) {
        std::snprintf(num, sizeof(num), ": %u across %u paths in ", ev.count,
                      ev.paths);
        line += num + window;
        if (ev.subject == status_policy::Subject::Page) {
            append_top(line, ev, "top path", "top paths", 3);
        } else {
            append_top(line, ev, "top referer", "top referer", 1);
        }
    } else {
        line += " is over after " + duration(ev.length_ms / 1000 * 1000);
        std::snprintf(num, sizeof(num), ", peak %u in ", ev.count);
        line += num + window;
    }

    out->kind = ev.kind == SpikeEvent::Started ? SP_SPIKE_STARTED
                                                   : SP_SPIKE_ENDED;
    size_t n = std::min(line.size(), sizeof(out->line) - 1);
    std::memcpy(out->line, line.data(), n);
    out->line[n] = '\0';
}

SpikeConfig config_of(const sp_spike_config_t *cfg)
{
    SpikeConfig c;
    c.window_ms = std::max<uint32_t>(cfg->window_ms, 1);
    c.threshold = std::max<uint32_t>(cfg->threshold, 1);
    c.factor = cfg->factor;
    c.generation = cfg->generation;
    c.ncodes = static_cast<uint32_t>(std::min<size_t>(cfg->ncodes, kCodesMax));
    std::copy(cfg->codes, cfg->codes + c.ncodes, c.codes);
    // unset: the defaults status_spike_zone documents
    c.group_threshold = cfg->group_threshold ? cfg->group_threshold
                                             : 5 * c.threshold;
    c.group_paths = cfg->group_paths ? cfg->group_paths : 10;
    c.history = std::min<uint32_t>(cfg->history, status_policy::kHistoryMax);
    return c;
}

std::string codes_text(const SpikeConfig &c)
{
    std::string s;
    for (uint32_t i = 0; i < std::min<uint32_t>(c.ncodes, kCodesMax); i++) {
        s += (i ? "," : "") + std::to_string(c.codes[i]);
    }
    return s;
}

// What differs between the configuration a zone kept and the new one.
std::string changes(const SpikeConfig &was, const SpikeConfig &now)
{
    if (was.window_ms == 0) {
        return "it was laid out by another version of the module";
    }
    std::string s;
    if (was.window_ms != now.window_ms) {
        s = "window " + duration(was.window_ms) + " -> "
            + duration(now.window_ms);
    }
    std::string before = codes_text(was), after = codes_text(now);
    if (before != after) {
        s += (s.empty() ? "" : ", ") + ("codes " + before + " -> " + after);
    }
    if (was.history != now.history) {
        s += (s.empty() ? "" : ", ")
             + ("history " + duration(uint64_t{was.history} * was.window_ms)
                + " -> " + duration(uint64_t{now.history} * now.window_ms));
    }
    return s;
}

template <size_t N>
size_t copy_top(const status_policy::TopEntry (&from)[N], uint32_t used,
                sp_spike_top_t *to)
{
    size_t n = status_policy::top_used(used, N);
    for (size_t j = 0; j < n; j++) {
        std::string_view text = status_policy::text_of(from[j]);
        std::memcpy(to[j].text, text.data(), text.size());
        to[j].len = text.size();
        to[j].count = from[j].count;
    }
    std::sort(to, to + n,
              [](const auto &a, const auto &b) { return a.count > b.count; });
    return n;
}

// The last cfg.history windows of a counter, the current one last.
void copy_history(const SpikeZone &zone, const WindowCounter &c,
                  const uint32_t *ring, uint64_t now_ms, uint32_t *out)
{
    const Windows &w = zone.windows();
    uint64_t now = w.window_of(now_ms);
    for (uint32_t k = 0; k < w.history; k++) {
        uint64_t back = w.history - 1 - k;
        out[k] = back > now ? 0 : counter_history(c, w, ring, now - back);
    }
}

// What a path and a group of the report share: their counts over time.
template <typename Out>
void copy_counter(const SpikeZone &zone, const WindowCounter &c,
                  uint64_t now_ms, Out &p)
{
    p.window_count = zone.window_count(c, now_ms);
    p.total = c.total;
    p.baseline = c.baseline;
    p.first_seen_ms = c.first_seen_ms;
    p.last_seen_ms = c.last_seen_ms;
    p.spiking = c.spiking;
    p.spike_start_ms = c.spike_start_ms;
    p.spike_peak = c.spike_peak;
}

// One path of the report, copied out of its slot.  Lengths come from
// shared memory: never trusted past the arrays.
void copy_path(const SpikeZone &zone, size_t i, uint64_t now_ms,
               sp_spike_path_t *out, uint32_t *history)
{
    const PathSlot &s = zone.slot(i);
    sp_spike_path_t &p = *out;
    std::memset(&p, 0, sizeof(p));
    size_t key_len = std::min<size_t>(s.key_len, kKeyMax);
    std::memcpy(p.key, s.key, key_len);
    p.key_len = key_len;
    p.truncated = s.truncated;
    p.code = s.code;
    copy_counter(zone, s.c, now_ms, p);
    p.nreferers = copy_top(s.referers, s.referers_used, p.referers);
    p.history = history;
    if (history) {
        copy_history(zone, s.c, zone.path_history(i), now_ms, history);
    }
}

void copy_group(const SpikeZone &zone, size_t i, uint64_t now_ms,
                sp_spike_group_t *out, uint32_t *history)
{
    const GroupSlot &g = zone.group(i);
    sp_spike_group_t &p = *out;
    std::memset(&p, 0, sizeof(p));
    p.kind = g.kind == static_cast<uint8_t>(status_policy::Subject::Page)
                 ? SP_GROUP_PAGE
                 : SP_GROUP_DEPLOY;
    size_t key_len = std::min<size_t>(g.key_len, kKeyMax);
    std::memcpy(p.key, g.key, key_len);
    p.key_len = key_len;
    p.truncated = g.truncated;
    p.code = g.code;
    copy_counter(zone, g.c, now_ms, p);
    p.paths = zone.distinct_paths(g, now_ms);
    p.referers = zone.distinct_referers(g, now_ms);
    p.referred = zone.referred(g, now_ms);
    p.ntop_paths = copy_top(g.paths, g.paths_used, p.top_paths);
    p.ntop_referers = copy_top(g.referers, g.referers_used, p.top_referers);
    p.history = history;
    if (history) {
        copy_history(zone, g.c, zone.group_history(i), now_ms, history);
    }
}

// Copies what a ranking chose, best first, with copy(slot, n, history);
// a slot that holds something else since it was ranked is left out.
template <typename Copy>
size_t copy_ranked(const SpikeZone &zone, const SpikeRanking &ranking,
                   SpikeRanking::Of of, size_t max, uint32_t *history,
                   Copy &&copy)
{
    if (ranking.of() != of) {
        return 0;
    }
    bool paths = of == SpikeRanking::Of::Paths;
    size_t used = paths ? zone.used() : zone.groups_used();
    size_t n = 0;
    for (const auto &e : ranking.best()) {
        if (n == max) {
            break;
        }
        if (e.slot >= used
            || (paths ? zone.slot_hash(e.slot) : zone.group_hash(e.slot))
                   != e.hash) {
            continue;
        }
        copy(e.slot, n, history ? history + n * zone.windows().history
                                : nullptr);
        n++;
    }
    return n;
}

// Runs fn on the zone if a process configured with cfg may use it now;
// the answer is otherwise, or if anything throws, fallback.
template <typename R, typename Fn>
R on_zone(void *block, const sp_spike_config_t *cfg, uint64_t now_ms,
          R fallback, Fn &&fn) noexcept
{
    try {
        SpikeZone zone(block);
        if (zone.claim(config_of(cfg), now_ms) == SpikeZone::Claim::NotOurs) {
            return fallback;
        }
        return fn(zone);
    } catch (...) {
        return fallback;
    }
}

} // namespace

extern "C" {

size_t sp_spike_capacity(size_t size, uint32_t history) noexcept
{
    return SpikeZone::capacity_for(size, history);
}

size_t sp_spike_group_capacity(size_t size, uint32_t history) noexcept
{
    size_t paths = SpikeZone::capacity_for(size, history);
    return paths ? SpikeZone::groups_for(paths) : 0;
}

size_t sp_spike_min_size(uint32_t history) noexcept
{
    return SpikeZone::min_size(history);
}

int sp_spike_init(void *block, size_t size, const sp_spike_config_t *cfg,
                  uint64_t now_ms) noexcept
{
    return SpikeZone::init(block, size, config_of(cfg), now_ms) ? SP_OK
                                                                 : SP_ERROR;
}

int sp_spike_claim(void *block, size_t size, const sp_spike_config_t *cfg,
                   uint64_t now_ms, char *notice, size_t notice_size) noexcept
{
    try {
        SpikeZone zone(block);
        SpikeConfig previous;
        SpikeConfig c = config_of(cfg);
        switch (zone.claim(c, now_ms, &previous, size)) {
        case SpikeZone::Claim::Ours:
            return SP_SPIKE_OURS;
        case SpikeZone::Claim::NotOurs:
            return SP_SPIKE_NOT_OURS;
        case SpikeZone::Claim::Restarted:
            break;
        }
        if (notice && notice_size) {
            std::string text = changes(previous, c);
            size_t n = std::min(text.size(), notice_size - 1);
            std::memcpy(notice, text.data(), n);
            notice[n] = '\0';
        }
        return SP_SPIKE_RESTARTED;
    } catch (...) {
        return SP_SPIKE_NOT_OURS;
    }
}

size_t sp_spike_hit(void *block, const sp_spike_config_t *cfg, int code,
                    const char *key, size_t key_len, const char *referer,
                    size_t referer_len, uint64_t now_ms,
                    sp_spike_event_t *ev) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        HitEvents e = zone.hit(code, std::string_view(key, key_len),
                               std::string_view(referer, referer_len),
                               now_ms);
        size_t n = std::min<size_t>(e.n, SP_SPIKE_HIT_EVENTS);
        for (size_t k = 0; k < n; k++) {
            render(e.ev[k], zone.config(), &ev[k]);
        }
        return n;
    });
}

size_t sp_spike_sweep(void *block, const sp_spike_config_t *cfg,
                      uint64_t now_ms, sp_spike_event_t *ev,
                      size_t max) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        size_t n = 0;
        if (max > 0) {
            zone.sweep(now_ms, [&](const SpikeEvent &e) {
                render(e, zone.config(), &ev[n++]);
                return n < max;
            });
        }
        return n;
    });
}

sp_spike_ranking_t *sp_spike_ranking_create(size_t max) noexcept
{
    try {
        return new sp_spike_ranking_t{SpikeRanking(max, SpikeRanking::Of::Paths)};
    } catch (...) {
        return nullptr;
    }
}

sp_spike_ranking_t *sp_spike_group_ranking_create(size_t max) noexcept
{
    try {
        return new sp_spike_ranking_t{
            SpikeRanking(max, SpikeRanking::Of::Groups)};
    } catch (...) {
        return nullptr;
    }
}

void sp_spike_ranking_destroy(sp_spike_ranking_t *ranking) noexcept
{
    delete ranking;
}

size_t sp_spike_rank(void *block, const sp_spike_config_t *cfg,
                     uint64_t now_ms, sp_spike_ranking_t *ranking,
                     size_t from) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        return ranking->ranking.rank(zone, now_ms, from);
    });
}

size_t sp_spike_ranked(void *block, const sp_spike_config_t *cfg,
                       uint64_t now_ms, const sp_spike_ranking_t *ranking,
                       sp_spike_path_t *out, size_t max, uint32_t *history,
                       sp_spike_stats_t *stats) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        if (stats) {
            stats->capacity = zone.capacity();
            stats->used = zone.used();
            stats->counted = zone.counted();
            stats->evicted = zone.evicted();
            stats->filtered = zone.filtered();
            stats->group_capacity = zone.group_capacity();
            stats->groups = zone.groups_used();
            stats->window_count = zone.window_count(zone.zone_counter(),
                                                    now_ms);
            stats->history_end_ms
                = (zone.windows().window_of(now_ms) + 1)
                  * zone.windows().window_ms;
        }
        return copy_ranked(zone, ranking->ranking, SpikeRanking::Of::Paths,
                           max, history,
                           [&](uint32_t slot, size_t n, uint32_t *h) {
            copy_path(zone, slot, now_ms, &out[n], h);
        });
    });
}

size_t sp_spike_ranked_groups(void *block, const sp_spike_config_t *cfg,
                              uint64_t now_ms,
                              const sp_spike_ranking_t *ranking,
                              sp_spike_group_t *out, size_t max,
                              uint32_t *history) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        return copy_ranked(zone, ranking->ranking, SpikeRanking::Of::Groups,
                           max, history,
                           [&](uint32_t slot, size_t n, uint32_t *h) {
            copy_group(zone, slot, now_ms, &out[n], h);
        });
    });
}

size_t sp_spike_history(void *block, const sp_spike_config_t *cfg,
                        uint64_t now_ms, uint32_t *history,
                        sp_spike_event_record_t *events, size_t max) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        if (history) {
            copy_history(zone, zone.zone_counter(), zone.zone_history(),
                         now_ms, history);
        }
        // the newest max events, oldest first
        size_t kept = 0, skip = 0, n = 0;
        zone.each_event([&](const ZoneEvent &) { kept++; });
        skip = kept > max ? kept - max : 0;
        zone.each_event([&](const ZoneEvent &e) {
            if (skip > 0) {
                skip--;
                return;
            }
            sp_spike_event_record_t &r = events[n++];
            std::memset(&r, 0, sizeof(r));
            r.time_ms = e.time_ms;
            r.started = e.kind == SpikeEvent::Started;
            r.kind = e.subject;
            r.key_len = std::min<size_t>(e.key_len, sizeof(r.key));
            std::memcpy(r.key, e.key, r.key_len);
            r.code = e.code;
            r.count = e.count;
            r.paths = e.paths;
            r.length_ms = e.length_ms;
        });
        return n;
    });
}

size_t sp_spike_top(void *block, const sp_spike_config_t *cfg,
                    uint64_t now_ms, sp_spike_path_t *out, size_t max,
                    sp_spike_stats_t *stats) noexcept
{
    sp_spike_ranking_t *ranking = sp_spike_ranking_create(max);
    if (ranking == nullptr) {
        return 0;
    }
    size_t from = 0;
    do {
        from = sp_spike_rank(block, cfg, now_ms, ranking, from);
    } while (from != 0);
    size_t n = sp_spike_ranked(block, cfg, now_ms, ranking, out, max, nullptr,
                               stats);
    sp_spike_ranking_destroy(ranking);
    return n;
}

} // extern "C"
