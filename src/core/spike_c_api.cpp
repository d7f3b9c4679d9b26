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
using status_policy::PathSlot;
using status_policy::RefererSlot;
using status_policy::SpikeConfig;
using status_policy::SpikeEvent;
using status_policy::SpikeRanking;
using status_policy::SpikeZone;
using status_policy::kCodesMax;
using status_policy::kKeyMax;
using status_policy::kRefererMax;
using status_policy::kReferers;

static_assert(sizeof(sp_spike_path_t{}.key) >= kKeyMax);
static_assert(sizeof(sp_spike_path_t{}.referers[0].text) >= kRefererMax);
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

void render(const SpikeEvent &ev, const SpikeConfig &cfg,
            sp_spike_event_t *out)
{
    std::string line = "status_policy: " + std::to_string(ev.code)
                       + " spike on \"";
    append_log(line, ev.key);
    char num[64];

    if (ev.kind == SpikeEvent::Started) {
        std::snprintf(num, sizeof(num), "\": %u in ", ev.count);
        line += num;
        line += duration(cfg.window_ms);
        std::snprintf(num, sizeof(num), " (baseline %.1f/", ev.baseline);
        line += num;
        line += duration(cfg.window_ms) + ")";
        if (ev.referer.empty()) {
            line += ", no referer";
        } else {
            line += ", top referer \"";
            append_log(line, ev.referer);
            std::snprintf(num, sizeof(num), "\" (%u)", ev.referer_count);
            line += num;
        }
    } else {
        line += "\" is over after " + duration(ev.length_ms / 1000 * 1000);
        std::snprintf(num, sizeof(num), ", peak %u in ", ev.count);
        line += num;
        line += duration(cfg.window_ms);
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
    return s;
}

// One path of the report, copied out of its slot.  Lengths come from
// shared memory: never trusted past the arrays.
void copy_path(const SpikeZone &zone, const PathSlot &s, uint64_t now_ms,
               sp_spike_path_t *out)
{
    sp_spike_path_t &p = *out;
    std::memset(&p, 0, sizeof(p));
    size_t key_len = std::min<size_t>(s.key_len, kKeyMax);
    std::memcpy(p.key, s.key, key_len);
    p.key_len = key_len;
    p.truncated = s.truncated;
    p.code = s.code;
    p.window_count = zone.window_count(s, now_ms);
    p.total = s.total;
    p.baseline = s.baseline;
    p.first_seen_ms = s.first_seen_ms;
    p.last_seen_ms = s.last_seen_ms;
    p.spiking = s.spiking;
    p.spike_start_ms = s.spike_start_ms;
    p.spike_peak = s.spike_peak;
    for (size_t j = 0; j < SpikeZone::referers_used(s); j++) {
        const RefererSlot &r = s.referers[j];
        auto &dst = p.referers[p.nreferers++];
        size_t len = std::min<size_t>(r.len, kRefererMax);
        std::memcpy(dst.text, r.text, len);
        dst.len = len;
        dst.count = r.count;
    }
    std::sort(p.referers, p.referers + p.nreferers,
              [](const auto &a, const auto &b) { return a.count > b.count; });
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

size_t sp_spike_capacity(size_t size) noexcept
{
    return SpikeZone::capacity_for(size);
}

size_t sp_spike_min_size(void) noexcept
{
    return SpikeZone::min_size();
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

int sp_spike_hit(void *block, const sp_spike_config_t *cfg, int code,
                 const char *key, size_t key_len, const char *referer,
                 size_t referer_len, uint64_t now_ms,
                 sp_spike_event_t *ev) noexcept
{
    return on_zone(block, cfg, now_ms, int{SP_SPIKE_NONE},
                   [&](SpikeZone &zone) -> int {
        SpikeEvent e = zone.hit(code, std::string_view(key, key_len),
                                std::string_view(referer, referer_len),
                                now_ms);
        if (e.kind == SpikeEvent::None) {
            return SP_SPIKE_NONE;
        }
        render(e, zone.config(), ev);
        return ev->kind;
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
        return new sp_spike_ranking_t{SpikeRanking(max)};
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
                       sp_spike_path_t *out, size_t max,
                       sp_spike_stats_t *stats) noexcept
{
    return on_zone(block, cfg, now_ms, size_t{0}, [&](SpikeZone &zone) {
        if (stats) {
            stats->capacity = zone.capacity();
            stats->used = zone.used();
            stats->counted = zone.counted();
            stats->evicted = zone.evicted();
            stats->filtered = zone.filtered();
        }
        size_t n = 0;
        size_t used = std::min(zone.used(), zone.capacity());
        for (const auto &e : ranking->ranking.best()) {
            if (n == max) {
                break;
            }
            // a slot taken by another path since it was ranked is left out
            if (e.slot >= used || zone.slot(e.slot).hash != e.hash) {
                continue;
            }
            copy_path(zone, zone.slot(e.slot), now_ms, &out[n++]);
        }
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
    size_t n = sp_spike_ranked(block, cfg, now_ms, ranking, out, max, stats);
    sp_spike_ranking_destroy(ranking);
    return n;
}

} // extern "C"
