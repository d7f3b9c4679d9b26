// The spike counter through its C interface, on a private memory block.

#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

constexpr uint64_t kWindow = 60000;
constexpr uint32_t kHistory = 60;

class Zone {
public:
    explicit Zone(size_t size, uint32_t threshold = 20, double factor = 5,
                  uint64_t now = 1000000)
        : block_(size / 8 + 1), size_(size)
    {
        cfg_ = {static_cast<uint32_t>(kWindow), threshold, factor, 1, 1,
                {404}, 0, 0, kHistory};
        init_rc_ = sp_spike_init(block(), size_, &cfg_, now);
    }

    void *block() { return block_.data(); }
    int init_rc() const { return init_rc_; }
    sp_spike_config_t &config() { return cfg_; }

    // a process of another configuration claims the zone
    int claim(const sp_spike_config_t &cfg, uint64_t now,
              std::string *notice = nullptr)
    {
        char text[256] = "";
        int rc = sp_spike_claim(block(), size_, &cfg, now, text,
                                sizeof(text));
        if (notice) {
            *notice = text;
        }
        return rc;
    }

    // one hit; returns the event lines it brings
    std::vector<std::string> hits(const std::string &key, uint64_t now,
                                  const std::string &referer = "",
                                  int code = 404)
    {
        sp_spike_event_t ev[SP_SPIKE_HIT_EVENTS];
        size_t n = sp_spike_hit(block(), &cfg_, code, key.data(), key.size(),
                                referer.data(), referer.size(), now, ev);
        std::vector<std::string> lines;
        for (size_t i = 0; i < n; i++) {
            EXPECT_EQ(ev[i].kind, SP_SPIKE_STARTED);
            lines.emplace_back(ev[i].line);
        }
        return lines;
    }

    // one hit; returns its only event line, or "" if none
    std::string hit(const std::string &key, uint64_t now,
                    const std::string &referer = "", int code = 404)
    {
        std::vector<std::string> lines = hits(key, now, referer, code);
        EXPECT_LE(lines.size(), 1u) << key;
        return lines.empty() ? "" : lines[0];
    }

    std::vector<std::string> sweep(uint64_t now)
    {
        sp_spike_event_t ev[8];
        size_t n = sp_spike_sweep(block(), &cfg_, now, ev, 8);
        std::vector<std::string> lines;
        for (size_t i = 0; i < n; i++) {
            lines.emplace_back(ev[i].line);
        }
        return lines;
    }

    std::vector<sp_spike_path_t> top(uint64_t now, size_t max,
                                     sp_spike_stats_t *stats = nullptr)
    {
        std::vector<sp_spike_path_t> out(max);
        out.resize(sp_spike_top(block(), &cfg_, now, out.data(), max,
                                stats));
        return out;
    }

    // the zone's counters, as the report reads them at that time
    sp_spike_stats_t stats(uint64_t now = 0)
    {
        sp_spike_stats_t s{};
        sp_spike_top(block(), &cfg_, now, nullptr, 0, &s);
        return s;
    }

private:
    std::vector<uint64_t> block_;
    size_t size_;
    sp_spike_config_t cfg_;
    int init_rc_;
};

TEST(SpikeZone, TooSmallBlockIsRefused)
{
    EXPECT_EQ(sp_spike_capacity(sp_spike_min_size(kHistory) - 1, kHistory),
              0u);
    EXPECT_GT(sp_spike_capacity(sp_spike_min_size(kHistory), kHistory), 0u);
    Zone z(sp_spike_min_size(kHistory) - 1);
    EXPECT_EQ(z.init_rc(), SP_ERROR);
}

TEST(SpikeZone, CapacityGrowsWithSize)
{
    // a path takes about 1.4 KB: its slot, an hour of history, and its
    // share of the group table
    size_t a = sp_spike_capacity(1 << 20, kHistory);
    size_t b = sp_spike_capacity(10 << 20, kHistory);
    EXPECT_GT(a, 700u);
    EXPECT_GT(b, 9 * a);
}

TEST(SpikeZone, StartsOnTheHitThatCrossesTheThresholdAndOnlyOnce)
{
    Zone z(1 << 20);
    uint64_t t = 2000000;
    for (int i = 1; i < 20; i++) {
        EXPECT_EQ(z.hit("example.com/old", t + i, "https://a.example/x"), "")
            << "hit " << i;
    }
    EXPECT_EQ(z.hit("example.com/old", t + 20, "https://a.example/x"),
              "status_policy: 404 spike on \"example.com/old\": 20 in 60s "
              "(baseline 0.0/60s), top referer \"https://a.example/x\" (20)");
    for (int i = 21; i < 100; i++) {
        EXPECT_EQ(z.hit("example.com/old", t + i), "") << "hit " << i;
    }
}

TEST(SpikeZone, NamesTheTopReferer)
{
    Zone z(1 << 20);
    uint64_t t = 2000000;
    std::string line;
    for (int i = 0; i < 6; i++) {
        line += z.hit("h/p", t, "https://c.example/");
    }
    for (int i = 0; i < 13; i++) {
        line += z.hit("h/p", t, "https://a.example/news");
    }
    line += z.hit("h/p", t, "https://b.example/");
    EXPECT_EQ(line, "status_policy: 404 spike on \"h/p\": 20 in 60s "
                    "(baseline 0.0/60s), top referer "
                    "\"https://a.example/news\" (13)");
}

TEST(SpikeZone, WithoutRefererSaysSo)
{
    Zone z(1 << 20, 3);
    z.hit("h/p", 5000);
    z.hit("h/p", 5000);
    EXPECT_EQ(z.hit("h/p", 5000, "", 410),
              "status_policy: 410 spike on \"h/p\": 3 in 60s "
              "(baseline 0.0/60s), no referer");
}

TEST(SpikeZone, EndsWhenTheWindowFallsUnderTheThreshold)
{
    Zone z(1 << 20, 5);
    uint64_t t = 6000000;
    for (int i = 0; i < 8; i++) {
        z.hit("h/gone", t + i * 1000);
    }
    EXPECT_TRUE(z.sweep(t + 30000).empty()) << "still 8 in the window";
    std::vector<std::string> lines = z.sweep(t + 125000);
    ASSERT_EQ(lines.size(), 1u);
    // it started with the 5th hit, at t + 4 s
    EXPECT_EQ(lines[0], "status_policy: 404 spike on \"h/gone\" is over "
                        "after 121s, peak 8 in 60s");
    EXPECT_TRUE(z.sweep(t + 200000).empty()) << "ended once";
}

TEST(SpikeZone, CanStartAgainAfterItEnded)
{
    Zone z(1 << 20, 3);
    uint64_t t = 6000000;
    for (int i = 0; i < 3; i++) {
        z.hit("h/p", t);
    }
    ASSERT_EQ(z.sweep(t + 200000).size(), 1u);
    std::string line;
    for (int i = 0; i < 3; i++) {
        line += z.hit("h/p", t + 200000);
    }
    EXPECT_NE(line.find("3 in 60s"), std::string::npos) << line;
}

TEST(SpikeZone, BaselineSuppressesAPathThatIsAlwaysBusy)
{
    Zone z(1 << 20, 20, 5);
    uint64_t t = 60000 * 100;
    // 15 a window for 8 windows: under the threshold, it builds a baseline
    for (int w = 0; w < 8; w++) {
        for (int i = 0; i < 15; i++) {
            EXPECT_EQ(z.hit("h/busy", t + w * kWindow + i * 100), "");
        }
    }
    // 30 in a window is over the threshold, but not 5 x the baseline
    uint64_t w9 = t + 8 * kWindow;
    for (int i = 0; i < 30; i++) {
        EXPECT_EQ(z.hit("h/busy", w9 + i * 100), "") << "hit " << i;
    }
    // a real jump is a spike
    uint64_t w10 = t + 9 * kWindow;
    std::string line;
    for (int i = 0; i < 200 && line.empty(); i++) {
        line = z.hit("h/busy", w10 + i * 10);
    }
    EXPECT_NE(line.find("spike on \"h/busy\""), std::string::npos);
    EXPECT_NE(line.find("(baseline 1"), std::string::npos) << line;
}

TEST(SpikeZone, SlidingWindowForgetsOldHits)
{
    Zone z(1 << 20, 10);
    uint64_t t = 60000 * 10;
    for (int i = 0; i < 9; i++) {
        z.hit("h/p", t);
    }
    // 9 old hits have left the window: one more is 1, not 10
    EXPECT_EQ(z.hit("h/p", t + 2 * kWindow), "");
    auto top = z.top(t + 2 * kWindow, 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].window_count, 1u);
    EXPECT_EQ(top[0].total, 10u);
}

TEST(SpikeZone, AFloodOfUniquePathsKeepsTheSpikingOne)
{
    Zone z(256 * 1024);
    sp_spike_stats_t stats = z.stats();
    size_t capacity = stats.capacity;
    ASSERT_GT(capacity, 150u);
    ASSERT_LT(capacity, 400u);

    uint64_t t = 60000 * 1000;
    std::string started;
    for (int i = 0; i < 100000; i++) {
        uint64_t now = t + i / 4;  // 100,000 in 25 s
        z.hit("h/random/" + std::to_string(i * 7919), now);
        if (i % 250 == 0) {
            started += z.hit("h/broken-link", now, "https://ref.example/");
        }
    }
    EXPECT_NE(started.find("spike on \"h/broken-link\""), std::string::npos);

    auto top = z.top(t + 25000, 3, &stats);
    ASSERT_FALSE(top.empty());
    EXPECT_EQ(std::string(top[0].key, top[0].key_len), "h/broken-link");
    EXPECT_EQ(top[0].window_count, 400u);
    EXPECT_EQ(top[0].total, 400u);
    EXPECT_TRUE(top[0].spiking);
    EXPECT_EQ(stats.used, capacity);
    EXPECT_EQ(stats.counted, 100400u);
    // seen once each, the flood was only noted, not admitted; what the
    // filter let through (1 in 70 or so) took the least-weighted slots
    EXPECT_GT(stats.filtered, 95000u);
    EXPECT_LT(stats.evicted, 5000u);
    EXPECT_EQ(stats.filtered + stats.evicted + stats.used, 100001u)
        << "every path was admitted or filtered";
}

TEST(SpikeZone, AFullZoneAdmitsAPathOnItsSecondHit)
{
    Zone z(64 * 1024);
    uint64_t t = 60000 * 1000;
    sp_spike_stats_t stats = z.stats();
    for (size_t i = 0; i < stats.capacity; i++) {
        z.hit("kept/" + std::to_string(i), t);
    }
    z.hit("newcomer", t + 1);
    auto top = z.top(t + 1, stats.capacity, &stats);
    EXPECT_EQ(stats.filtered, 1u);
    EXPECT_EQ(stats.evicted, 0u);
    for (auto &p : top) {
        EXPECT_NE(std::string(p.key, p.key_len), "newcomer");
    }

    z.hit("newcomer", t + 2);
    top = z.top(t + 2, stats.capacity, &stats);
    EXPECT_EQ(stats.filtered, 1u);
    EXPECT_EQ(stats.evicted, 1u);
    EXPECT_EQ(stats.counted, stats.capacity + 2);
    bool found = false;
    for (auto &p : top) {
        if (std::string(p.key, p.key_len) == "newcomer") {
            found = true;
            EXPECT_EQ(p.total, 1u) << "counted from the hit that admitted it";
        }
    }
    EXPECT_TRUE(found);
}

TEST(SpikeZone, AScanOfUniquePathsPushesOutNoTrackedPath)
{
    Zone z(256 * 1024);
    uint64_t t = 60000 * 1000;
    sp_spike_stats_t stats = z.stats();
    // a quiet site: every slot holds a path hit a few times
    for (size_t i = 0; i < stats.capacity; i++) {
        for (int k = 0; k < 3; k++) {
            z.hit("site/" + std::to_string(i), t + i);
        }
    }
    // a scanner: 20,000 paths, 75 times the zone's capacity, each once
    // (the filter is cleared several times over)
    for (int i = 0; i < 20000; i++) {
        z.hit("scan/" + std::to_string(i * 7919), t + 10000 + i / 100);
    }
    auto top = z.top(t + 12000, stats.capacity, &stats);
    size_t kept = 0;
    for (auto &p : top) {
        kept += std::string(p.key, 5) == "site/";
    }
    EXPECT_GT(kept, stats.capacity * 95 / 100)
        << "kept " << kept << " of " << stats.capacity;
    EXPECT_GT(stats.filtered, 19500u);
}

TEST(SpikeZone, EveryTrackedPathIsFoundAfterChurn)
{
    Zone z(64 * 1024);
    uint64_t t = 60000 * 1000;
    for (int i = 0; i < 20000; i++) {
        // twice each: a full zone admits a path on its second hit
        z.hit("k" + std::to_string(i), t + i);
        z.hit("k" + std::to_string(i), t + i);
    }
    sp_spike_stats_t stats = z.stats(t + 20000);
    auto top = z.top(t + 20000, stats.used);
    ASSERT_EQ(top.size(), stats.used);
    uint64_t evicted = stats.evicted;
    for (auto &p : top) {
        z.hit(std::string(p.key, p.key_len), t + 20000);
    }
    EXPECT_EQ(z.stats(t + 20000).evicted, evicted) << "a tracked path was not found";
}

TEST(SpikeZone, KeepsTheFourBusiestReferersOfAPath)
{
    Zone z(256 * 1024);
    uint64_t t = 60000 * 1000;
    // a: 5 hits, b: 4, c: 3, d: 2; then e takes d's place (2 + 1) and
    // f the place of the first of the least, c (3 + 1): Space-Saving
    const char *order[] = {"a", "b", "c", "d", "a", "b", "c", "a", "b", "a",
                           "d", "c", "b", "a", "e", "f"};
    for (const char *r : order) {
        z.hit("h/p", t, std::string("https://") + r + ".example/");
    }
    auto top = z.top(t, 1);
    ASSERT_EQ(top.size(), 1u);
    ASSERT_EQ(top[0].nreferers, 4u);
    std::vector<std::string> got;
    uint32_t previous = UINT32_MAX;
    for (size_t i = 0; i < top[0].nreferers; i++) {
        EXPECT_LE(top[0].referers[i].count, previous) << "busiest first";
        previous = top[0].referers[i].count;
        got.push_back(std::string(top[0].referers[i].text,
                                  top[0].referers[i].len)
                      + "=" + std::to_string(top[0].referers[i].count));
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{
                       "https://a.example/=5", "https://b.example/=4",
                       "https://e.example/=3", "https://f.example/=4"}));
}

TEST(SpikeZone, ANewPathInAReusedSlotHasNoneOfTheOldReferers)
{
    Zone z(64 * 1024);
    uint64_t t = 60000 * 1000;
    sp_spike_stats_t stats = z.stats();
    // every slot taken by a path with four referers, then all of them
    // pushed out by paths without any
    for (size_t i = 0; i < stats.capacity; i++) {
        for (const char *r : {"w", "x", "y", "z"}) {
            z.hit("old/" + std::to_string(i), t, r);
        }
    }
    for (size_t i = 0; i < 4 * stats.capacity; i++) {
        // twice each: a full zone admits a path on its second hit
        z.hit("new/" + std::to_string(i), t + 1000 + i);
        z.hit("new/" + std::to_string(i), t + 1000 + i);
    }
    auto top = z.top(t + 1000 + 4 * stats.capacity, stats.capacity, &stats);
    ASSERT_EQ(top.size(), stats.used);
    for (auto &p : top) {
        EXPECT_EQ(std::string(p.key, 4), "new/");
        EXPECT_EQ(p.nreferers, 0u) << std::string(p.key, p.key_len);
    }
    // and one counted again starts its own list
    std::string key(top[0].key, top[0].key_len);
    z.hit(key, t + 1000 + 4 * stats.capacity, "fresh");
    for (auto &p : z.top(t + 1000 + 4 * stats.capacity, stats.capacity)) {
        if (std::string(p.key, p.key_len) == key) {
            ASSERT_EQ(p.nreferers, 1u);
            EXPECT_EQ(std::string(p.referers[0].text, p.referers[0].len),
                      "fresh");
            EXPECT_EQ(p.referers[0].count, 1u);
        }
    }
}

TEST(SpikeZone, LongKeysAreTruncatedForDisplayButKeptApart)
{
    Zone z(1 << 20, 1000);
    std::string a(400, 'a'), b(400, 'a');
    b.back() = 'b';
    z.hit(a, 1000);
    z.hit(a, 1000);
    z.hit(b, 1000);
    auto top = z.top(1000, 10);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].total, 2u);
    EXPECT_EQ(top[1].total, 1u);
    EXPECT_EQ(top[0].key_len, 256u);
    EXPECT_TRUE(top[0].truncated);
}

TEST(SpikeZone, HostileBytesAreEscapedInLogLines)
{
    Zone z(1 << 20, 1);
    std::string key = "h/a\"b\\c\nd\x01\xff";
    std::string line = z.hit(key, 1000, "r\"\r\nforged");
    EXPECT_EQ(line, "status_policy: 404 spike on \"h/a\\x22b\\x5Cc\\x0Ad"
                    "\\x01\\xFF\": 1 in 60s (baseline 0.0/60s), top referer "
                    "\"r\\x22\\x0D\\x0Aforged\" (1)");
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(SpikeZone, ANewerConfigurationInTheSameUnitsKeepsTheCounts)
{
    Zone z(1 << 20, 100);
    for (int i = 0; i < 7; i++) {
        z.hit("h/p", 1000);
    }
    sp_spike_config_t newer = z.config();
    newer.generation = 2;
    newer.threshold = 8;
    EXPECT_EQ(z.claim(newer, 2000), SP_SPIKE_OURS) << "same units: kept";
    z.config() = newer;
    auto top = z.top(2000, 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].total, 7u);
    EXPECT_NE(z.hit("h/p", 2000), "") << "the new threshold applies";
}

TEST(SpikeZone, ANewerWindowStartsAfreshAndSaysWhy)
{
    Zone z(1 << 20, 100);
    for (int i = 0; i < 4; i++) {
        z.hit("h/p", 1000);
    }
    sp_spike_config_t old = z.config();
    sp_spike_config_t newer = old;
    newer.generation = 2;
    newer.window_ms = 6000;
    std::string notice;
    EXPECT_EQ(z.claim(newer, 2000, &notice), SP_SPIKE_RESTARTED);
    EXPECT_EQ(notice, "window 60s -> 6s");
    EXPECT_EQ(z.stats().used, 0u) << "no count kept in the old units";

    // the old configuration's processes may no longer count in it
    z.config() = old;
    EXPECT_EQ(z.claim(old, 2100), SP_SPIKE_NOT_OURS);
    z.hit("h/p", 2100);
    z.config() = newer;
    EXPECT_EQ(z.stats().counted, 0u);

    // the new one counts from zero
    z.hit("h/p", 2200);
    auto top = z.top(2200, 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].total, 1u);
    EXPECT_EQ(top[0].window_count, 1u);
}

TEST(SpikeZone, ABlockOfAnotherVersionIsLaidOutAfresh)
{
    Zone z(1 << 20, 100);
    z.hit("h/p", 1000);
    static_cast<uint32_t *>(z.block())[1] ^= 0xff;     // the layout version
    sp_spike_config_t newer = z.config();
    newer.generation = 2;
    EXPECT_EQ(sp_spike_top(z.block(), &newer, 1000, nullptr, 0, nullptr), 0u)
        << "not used without its size";
    std::string notice;
    EXPECT_EQ(z.claim(newer, 2000, &notice), SP_SPIKE_RESTARTED);
    EXPECT_EQ(notice, "it was laid out by another version of the module");
    z.config() = newer;
    EXPECT_EQ(z.stats().used, 0u);
    z.hit("h/p", 2000);
    EXPECT_EQ(z.top(2000, 1)[0].total, 1u);
}

TEST(SpikeZone, TheSweepEndsEverySpikeOnceAmongManyPaths)
{
    Zone z(1 << 20, 3, 1);
    for (int p = 0; p < 40; p++) {
        for (int i = 0; i < 3; i++) {
            z.hit("h/p" + std::to_string(p), 1000);
        }
    }
    EXPECT_EQ(z.top(1000, 100).size(), 40u);
    auto ended = z.sweep(1000 + 3 * kWindow);
    std::vector<std::string> all = ended;
    for (auto more = z.sweep(1000 + 3 * kWindow); !more.empty();
         more = z.sweep(1000 + 3 * kWindow)) {
        all.insert(all.end(), more.begin(), more.end());
    }
    EXPECT_EQ(all.size(), 40u) << "8 events a sweep call: every spike ends";
    EXPECT_TRUE(z.sweep(1000 + 4 * kWindow).empty()) << "and only once";
}

TEST(SpikeZone, TheReportRanksSliceBySlice)
{
    Zone z(8 << 20, 1000);
    for (int p = 0; p < 5000; p++) {
        z.hit("h/p" + std::to_string(p), 1000);
    }
    for (int i = 0; i < 9; i++) {
        z.hit("h/p4500", 1000);     // in the second slice of 4096
        if (i < 5) {
            z.hit("h/p7", 1000);
        }
    }
    sp_spike_ranking_t *ranking = sp_spike_ranking_create(2);
    ASSERT_NE(ranking, nullptr);
    size_t from = 0, slices = 0;
    do {
        from = sp_spike_rank(z.block(), &z.config(), 1000, ranking, from);
        slices++;
    } while (from != 0);
    EXPECT_EQ(slices, 2u);

    sp_spike_path_t out[2];
    ASSERT_EQ(sp_spike_ranked(z.block(), &z.config(), 1000, ranking, out, 2,
                              nullptr, nullptr),
              2u);
    EXPECT_EQ(std::string(out[0].key, out[0].key_len), "h/p4500");
    EXPECT_EQ(out[0].total, 10u);
    EXPECT_EQ(std::string(out[1].key, out[1].key_len), "h/p7");

    // a zone that starts afresh between ranking and copying: nothing of
    // what was ranked is copied
    sp_spike_config_t newer = z.config();
    newer.generation = 2;
    newer.window_ms = 1000;
    EXPECT_EQ(z.claim(newer, 1000), SP_SPIKE_RESTARTED);
    z.config() = newer;
    z.hit("h/other", 1000);
    EXPECT_EQ(sp_spike_ranked(z.block(), &newer, 1000, ranking, out, 2,
                              nullptr, nullptr),
              0u);
    sp_spike_ranking_destroy(ranking);
}

TEST(SpikeZone, OtherCodesStartAfresh)
{
    Zone z(1 << 20, 100);
    z.hit("h/p", 1000);
    sp_spike_config_t newer = z.config();
    newer.generation = 5;
    newer.ncodes = 2;
    newer.codes[1] = 410;
    std::string notice;
    EXPECT_EQ(z.claim(newer, 2000, &notice), SP_SPIKE_RESTARTED);
    EXPECT_EQ(notice, "codes 404 -> 404,410");
}

TEST(SpikeZone, AnOlderConfigurationInTheSameUnitsGoesOnCounting)
{
    Zone z(1 << 20, 100);
    sp_spike_config_t old = z.config();
    sp_spike_config_t newer = old;
    newer.generation = 2;
    newer.threshold = 50;
    EXPECT_EQ(z.claim(newer, 1000), SP_SPIKE_OURS);
    EXPECT_EQ(z.claim(old, 1000), SP_SPIKE_OURS)
        << "old workers of a compatible configuration still count";
    z.hit("h/p", 1000);
    z.config() = newer;
    z.hit("h/p", 1000);
    EXPECT_EQ(z.top(1000, 1)[0].total, 2u);
    EXPECT_EQ(z.claim(old, 1000), SP_SPIKE_OURS);
    EXPECT_EQ(z.claim(newer, 1000), SP_SPIKE_OURS)
        << "the zone stays the newer configuration's";
}

TEST(SpikeZone, ClockGoingBackIsHarmless)
{
    Zone z(1 << 20, 3);
    z.hit("h/p", 5000000);
    z.hit("h/p", 4000000);
    z.hit("h/p", 1);
    EXPECT_TRUE(z.sweep(0).empty());
    auto top = z.top(5000000, 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].total, 3u);
}

// A worker killed in the middle of an update leaves a half-written block
// (nginx frees the lock).  Far worse, random bytes everywhere past the
// header must neither crash nor hang the counter; the zone goes on.
TEST(SpikeZone, CorruptedBlockNeitherCrashesNorHangs)
{
    const size_t size = 96 * 1024;
    for (unsigned seed = 1; seed <= 20; seed++) {
        Zone z(size, 5);
        uint64_t t = 60000 * 100;
        for (int i = 0; i < 3000; i++) {
            z.hit("h/" + std::to_string(i % 400), t + i, "r" + std::to_string(i % 7));
        }

        srand(seed);
        auto *bytes = static_cast<unsigned char *>(z.block());
        for (int k = 0; k < 2000; k++) {
            bytes[256 + rand() % (size - 256)] = static_cast<unsigned char>(rand());
        }

        for (int i = 0; i < 3000; i++) {
            z.hit("h/" + std::to_string(i % 500), t + 5000 + i, "x");
            if (i % 500 == 0) {
                z.sweep(t + 5000 + i);
                z.top(t + 5000 + i, 50);
            }
        }

        sp_spike_stats_t stats = z.stats(t + 9000);
        EXPECT_LE(stats.used, stats.capacity) << "seed " << seed;

        // a path hit from now on is tracked and counted
        for (int i = 0; i < 10; i++) {
            z.hit("h/after", t + 10000 + i);
        }
        bool found = false;
        for (auto &p : z.top(t + 10010, stats.capacity)) {
            if (std::string(p.key, p.key_len) == "h/after") {
                found = true;
                EXPECT_GE(p.total, 1u);
                EXPECT_LE(p.key_len, sizeof(p.key));
            }
        }
        EXPECT_TRUE(found) << "seed " << seed;
    }
}

TEST(SpikeZone, DecayedWeightsSurviveLongRuns)
{
    // years of simulated time force the rescaling of decayed weights
    Zone z(128 * 1024, 1000000);
    uint64_t t = 0;
    for (int i = 0; i < 5000; i++) {
        t += 3600 * 1000;
        z.hit("h/" + std::to_string(i % 50), t);
    }
    auto top = z.top(t, 50);
    EXPECT_EQ(top.size(), 50u);
    for (auto &p : top) {
        EXPECT_EQ(p.total, 100u);
    }
}

}  // namespace
