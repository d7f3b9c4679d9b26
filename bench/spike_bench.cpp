// Spike counter benchmarks: the cost of counting one 404 into a 10 MB
// zone (what an operator would configure) when the traffic holds 1k,
// 100k or 1M distinct paths.  At 1k every path stays in the zone; at
// 100k and 1M most hits evict the least-weighted path (Space-Saving).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "spike_zone.hpp"
#include "status_policy_core.h"

namespace {

using status_policy::SpikeConfig;
using status_policy::SpikeZone;

constexpr size_t kZoneBytes = 10 * 1024 * 1024;

void BM_SpikeHit(benchmark::State &state)
{
    const auto paths = static_cast<size_t>(state.range(0));

    std::vector<std::string> keys;
    keys.reserve(paths);
    for (size_t i = 0; i < paths; i++) {
        keys.push_back("www.example.org/missing/" + std::to_string(i * 7919)
                       + "/page.html");
    }

    // a fixed random order, so that the loop measures the zone alone
    std::mt19937 rng(42);
    std::vector<uint32_t> order(1 << 16);
    for (auto &o : order) {
        o = static_cast<uint32_t>(rng() % paths);
    }

    auto block = std::make_unique<uint64_t[]>(kZoneBytes / sizeof(uint64_t));
    SpikeConfig cfg;
    cfg.threshold = 1000000;    // no spike events: the common path
    if (!SpikeZone::init(block.get(), kZoneBytes, cfg, 0)) {
        state.SkipWithError("zone too small");
        return;
    }
    SpikeZone zone(block.get());

    uint64_t now_ms = 1000;
    size_t i = 0;
    for (auto _ : state) {
        auto ev = zone.hit(404, keys[order[i & (order.size() - 1)]],
                           "https://www.example.org/", now_ms);
        benchmark::DoNotOptimize(ev);
        if ((++i & 1023) == 0) {
            now_ms++;
        }
    }
    state.counters["capacity"] = static_cast<double>(zone.capacity());
    state.counters["evicted"] = static_cast<double>(zone.evicted());
}

// A 1 GiB zone (the largest nginx -t accepts) filled with unique paths, a
// thousand of them spiking: what each call holds the zone's lock for.
struct FullZone {
    static constexpr size_t kBytes = size_t{1} << 30;
    static constexpr int kSpiking = 1000;

    std::unique_ptr<uint64_t[]> block{new uint64_t[kBytes / 8]};
    SpikeConfig cfg;
    uint64_t now_ms = 1000000;

    FullZone()
    {
        cfg.threshold = 3;
        cfg.factor = 1;
        SpikeZone::init(block.get(), kBytes, cfg, now_ms);
        SpikeZone zone(block.get());
        for (size_t i = 0; zone.used() < zone.capacity(); i++) {
            zone.hit(404, "www.example.org/scan/" + std::to_string(i),
                     "", now_ms);
        }
        for (int i = 0; i < kSpiking; i++) {
            for (int k = 0; k < 3; k++) {
                zone.hit(404, "www.example.org/scan/" + std::to_string(i),
                         "", now_ms);
            }
        }
    }

    static FullZone &get()
    {
        static FullZone zone;
        return zone;
    }
};

// range(0): 0 a hit on a new path (the zone is full), 1 the sweep, 2 one
// slice of the report's ranking, 3 the report's copy of its 50 paths, 4
// the whole report at once (no lock let go: what a slice saves)
void BM_LockHold(benchmark::State &state)
{
    FullZone &full = FullZone::get();
    SpikeZone zone(full.block.get());
    std::vector<sp_spike_path_t> top(50);
    // the zone's own configuration, as the module passes it
    sp_spike_config_t c_cfg{full.cfg.window_ms, full.cfg.threshold,
                            full.cfg.factor, 0, 0, {}, 0, 0,
                            full.cfg.history};
    double longest = 0;
    size_t i = 0, from = 0;
    sp_spike_ranking_t *ranking = sp_spike_ranking_create(top.size());
    if (state.range(0) == 3) {
        do {
            from = sp_spike_rank(full.block.get(), &c_cfg, full.now_ms,
                                 ranking, from);
        } while (from != 0);
    }

    for (auto _ : state) {
        auto start = std::chrono::steady_clock::now();
        switch (state.range(0)) {
        case 0:
            benchmark::DoNotOptimize(zone.hit(
                404, "www.example.org/new/" + std::to_string(i++), "",
                full.now_ms));
            break;
        case 1:
            zone.sweep(full.now_ms, [](const auto &) { return true; });
            break;
        case 2:
            from = sp_spike_rank(full.block.get(), &c_cfg, full.now_ms,
                                 ranking, from);
            break;
        case 3:
            benchmark::DoNotOptimize(sp_spike_ranked(full.block.get(),
                                                     &c_cfg, full.now_ms,
                                                     ranking, top.data(),
                                                     top.size(), nullptr,
                                                     nullptr));
            break;
        default:
            benchmark::DoNotOptimize(sp_spike_top(full.block.get(), &c_cfg,
                                                  full.now_ms, top.data(),
                                                  top.size(), nullptr));
        }
        std::chrono::duration<double, std::micro> took
            = std::chrono::steady_clock::now() - start;
        longest = std::max(longest, took.count());
    }
    sp_spike_ranking_destroy(ranking);
    state.counters["longest_us"] = longest;
    state.counters["paths"] = static_cast<double>(zone.used());
}

}  // namespace

BENCHMARK(BM_SpikeHit)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_LockHold)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond);
