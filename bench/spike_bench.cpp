// Spike counter benchmarks: the cost of counting one 404 into a 10 MB
// zone (what an operator would configure) when the traffic holds 1k,
// 100k or 1M distinct paths.  At 1k every path stays in the zone; at
// 100k and 1M most hits evict the least-weighted path (Space-Saving).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "spike_zone.hpp"

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

}  // namespace

BENCHMARK(BM_SpikeHit)->Arg(1000)->Arg(100000)->Arg(1000000);
