// Groups of a spike zone (a broken page, a broken deploy), told apart
// from a scanner; history and events.  Through the C interface.

#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kWindow = 60000;

class Zone {
public:
    explicit Zone(uint32_t history = 10, size_t size = 4 << 20)
        : block_(size / 8), size_(size)
    {
        cfg_ = {kWindow, 10, 5, 1, 1, {404}, 0, 0, history};
        EXPECT_EQ(sp_spike_init(block_.data(), size_, &cfg_, 1000), SP_OK);
    }

    std::vector<std::string> hit(const std::string &key, uint64_t now,
                                 const std::string &referer = "")
    {
        sp_spike_event_t ev[SP_SPIKE_HIT_EVENTS];
        size_t n = sp_spike_hit(block_.data(), &cfg_, 404, key.data(),
                                key.size(), referer.data(), referer.size(),
                                now, ev);
        std::vector<std::string> lines;
        for (size_t i = 0; i < n; i++) {
            lines.emplace_back(ev[i].line);
        }
        all_.insert(all_.end(), lines.begin(), lines.end());
        return lines;
    }

    std::vector<std::string> sweep(uint64_t now)
    {
        sp_spike_event_t ev[16];
        size_t n = sp_spike_sweep(block_.data(), &cfg_, now, ev, 16);
        return lines_of(ev, n);
    }

    std::vector<sp_spike_group_t> groups(uint64_t now, size_t max = 64)
    {
        sp_spike_ranking_t *r = sp_spike_group_ranking_create(max);
        size_t from = 0;
        do {
            from = sp_spike_rank(block_.data(), &cfg_, now, r, from);
        } while (from);
        std::vector<sp_spike_group_t> out(max);
        history_.assign(max * cfg_.history, 0);
        out.resize(sp_spike_ranked_groups(block_.data(), &cfg_, now, r,
                                          out.data(), max, history_.data()));
        sp_spike_ranking_destroy(r);
        return out;
    }

    std::vector<sp_spike_path_t> paths(uint64_t now, size_t max = 64)
    {
        sp_spike_ranking_t *r = sp_spike_ranking_create(max);
        size_t from = 0;
        do {
            from = sp_spike_rank(block_.data(), &cfg_, now, r, from);
        } while (from);
        std::vector<sp_spike_path_t> out(max);
        history_.assign(max * cfg_.history, 0);
        out.resize(sp_spike_ranked(block_.data(), &cfg_, now, r, out.data(),
                                   max, history_.data(), nullptr));
        sp_spike_ranking_destroy(r);
        return out;
    }

    std::vector<uint32_t> zone_history(uint64_t now,
                                       std::vector<sp_spike_event_record_t>
                                           *events = nullptr)
    {
        std::vector<uint32_t> h(cfg_.history);
        std::vector<sp_spike_event_record_t> ev(64);
        ev.resize(sp_spike_history(block_.data(), &cfg_, now, h.data(),
                                   ev.data(), ev.size()));
        if (events) {
            *events = ev;
        }
        return h;
    }

    const std::vector<std::string> &all() const { return all_; }

private:
    static std::vector<std::string> lines_of(const sp_spike_event_t *ev,
                                             size_t n)
    {
        std::vector<std::string> lines;
        for (size_t i = 0; i < n; i++) {
            lines.emplace_back(ev[i].line);
        }
        return lines;
    }

    std::vector<uint64_t> block_;
    size_t size_;
    sp_spike_config_t cfg_;
    std::vector<std::string> all_;
    std::vector<uint32_t> history_;
};

std::string key_of(const sp_spike_group_t &g)
{
    return std::string(g.key, g.key_len);
}

// 40 images in four directories, linked from one page viewed 5 times
void broken_page(Zone &z, uint64_t t)
{
    for (int view = 0; view < 5; view++) {
        for (int i = 0; i < 40; i++) {
            z.hit("shop.example/img/d" + std::to_string(i % 4) + "/p"
                      + std::to_string(i) + ".png",
                  t + view * 1000 + i,
                  "https://shop.example/catalog/summer");
        }
    }
}

// 60 assets under one renamed directory, 20 pages each asking for 12
void broken_deploy(Zone &z, uint64_t t)
{
    const char *dirs[] = {"js", "css", "img"};
    for (int page = 0; page < 20; page++) {
        for (int j = 0; j < 12; j++) {
            int a = (page * 3 + j) % 60;
            z.hit("shop.example/static/app-3f2a/" + std::string(dirs[a % 3])
                      + "/a" + std::to_string(a),
                  t + page * 100 + j,
                  "https://shop.example/p/" + std::to_string(page));
        }
    }
}

TEST(SpikeGroups, ABrokenPageIsOneLine)
{
    Zone z;
    broken_page(z, 100000);
    ASSERT_EQ(z.all().size(), 1u);
    const std::string &line = z.all()[0];
    EXPECT_EQ(line.rfind("status_policy: 404 spike from referer "
                         "\"https://shop.example/catalog/summer\": ", 0),
              0u)
        << line;
    EXPECT_NE(line.find(" paths in 60s, top paths \"shop.example/img/d"),
              std::string::npos)
        << line;

    auto groups = z.groups(105000);
    ASSERT_FALSE(groups.empty());
    EXPECT_EQ(groups[0].kind, SP_GROUP_PAGE);
    EXPECT_EQ(groups[0].spiking, SP_SPIKE_LOGGED);
    EXPECT_EQ(groups[0].window_count, 200u);
    EXPECT_NEAR(groups[0].paths, 40, 3) << "an estimate";
    // its directories (img/ and the four below it) spiked too, folded
    // into the page
    size_t folded = 0;
    for (auto &g : groups) {
        if (g.kind == SP_GROUP_DEPLOY && g.spiking == SP_SPIKE_FOLDED) {
            folded++;
        }
    }
    EXPECT_EQ(folded, 5u);
}

TEST(SpikeGroups, ABrokenDeployIsOneLineNamingTheDirectory)
{
    Zone z;
    broken_deploy(z, 100000);
    ASSERT_EQ(z.all().size(), 1u) << z.all()[0];
    const std::string &line = z.all()[0];
    EXPECT_EQ(line.rfind("status_policy: 404 spike under "
                         "\"shop.example/static/app-3f2a/\": ", 0),
              0u)
        << line;
    EXPECT_NE(line.find(" paths in 60s, top referer \"https://shop.example/p/"),
              std::string::npos)
        << line;
}

TEST(SpikeGroups, AScannerIsNoGroup)
{
    Zone z;
    uint64_t t = 100000;
    for (int i = 0; i < 3000; i++) {
        std::string n = std::to_string(i * 7919);
        // no referer; a new referer each time; random directories; one
        // shared directory, without referers
        z.hit("shop.example/" + n + ".php", t + i / 10);
        z.hit("shop.example/x" + n + "/admin.php", t + i / 10,
              "https://evil.example/" + n);
        z.hit("shop.example/wp-content/plugins/" + n + "/readme.txt",
              t + i / 10);
    }
    EXPECT_TRUE(z.all().empty()) << z.all()[0];
}

TEST(SpikeGroups, ARandomFloodUnderOnePageIsNoBrokenPage)
{
    // one forged referer, every path asked for once
    Zone z;
    for (int i = 0; i < 2000; i++) {
        z.hit("shop.example/r/" + std::to_string(i * 31), 100000 + i,
              "https://shop.example/");
    }
    EXPECT_TRUE(z.all().empty()) << z.all()[0];
}

TEST(SpikeGroups, APathSpikeInsideALoggedGroupIsFolded)
{
    Zone z;
    broken_page(z, 100000);
    ASSERT_EQ(z.all().size(), 1u);
    // one of its images now asked for 30 times: part of the same incident
    for (int i = 0; i < 30; i++) {
        EXPECT_TRUE(z.hit("shop.example/img/d1/p1.png", 106000 + i,
                          "https://shop.example/catalog/summer")
                        .empty());
    }
    auto paths = z.paths(106100);
    ASSERT_FALSE(paths.empty());
    EXPECT_EQ(std::string(paths[0].key, paths[0].key_len),
              "shop.example/img/d1/p1.png");
    EXPECT_EQ(paths[0].spiking, SP_SPIKE_FOLDED);
    // the same path without the group's referer is logged on its own
    Zone other;
    for (int i = 0; i < 10; i++) {
        other.hit("shop.example/img/d1/p1.png", 106000 + i);
    }
    ASSERT_EQ(other.all().size(), 1u);
}

TEST(SpikeGroups, AGroupEndsWithANoticeAndFoldedOnesEndSilently)
{
    Zone z;
    broken_page(z, 100000);
    ASSERT_EQ(z.all().size(), 1u);
    EXPECT_TRUE(z.sweep(110000).empty()) << "still in the window";
    auto ended = z.sweep(100000 + 2 * kWindow);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].rfind("status_policy: 404 spike from referer "
                             "\"https://shop.example/catalog/summer\" is over "
                             "after ",
                             0),
              0u)
        << ended[0];
    EXPECT_NE(ended[0].find(", peak 200 in 60s"), std::string::npos)
        << ended[0];
    for (auto &g : z.groups(100000 + 2 * kWindow)) {
        EXPECT_EQ(g.spiking, SP_SPIKE_QUIET) << key_of(g);
    }
}

TEST(SpikeGroups, HistoryKeepsTheCountsOfEachWindow)
{
    Zone z(5);
    uint64_t w0 = 10 * uint64_t{kWindow};
    for (int i = 0; i < 3; i++) {
        z.hit("h/a", w0 + i);
    }
    // nothing in w0 + 1
    for (int i = 0; i < 5; i++) {
        z.hit("h/a", w0 + 2 * kWindow + i);
    }
    for (int i = 0; i < 2; i++) {
        z.hit("h/a", w0 + 3 * kWindow + i);
    }
    auto paths = z.paths(w0 + 3 * kWindow + 100);
    ASSERT_EQ(paths.size(), 1u);
    ASSERT_NE(paths[0].history, nullptr);
    std::vector<uint32_t> h(paths[0].history, paths[0].history + 5);
    EXPECT_EQ(h, (std::vector<uint32_t>{0, 3, 0, 5, 2}));
    EXPECT_EQ(z.zone_history(w0 + 3 * kWindow + 100), h);

    // two windows later, without a hit: the ring moved on
    paths = z.paths(w0 + 5 * kWindow + 100);
    h.assign(paths[0].history, paths[0].history + 5);
    EXPECT_EQ(h, (std::vector<uint32_t>{0, 5, 2, 0, 0}));
    // and after a gap longer than the ring, a hit starts from zeros
    z.hit("h/a", w0 + 20 * kWindow);
    paths = z.paths(w0 + 20 * kWindow);
    h.assign(paths[0].history, paths[0].history + 5);
    EXPECT_EQ(h, (std::vector<uint32_t>{0, 0, 0, 0, 1}));
}

TEST(SpikeGroups, GroupsKeepHistoryToo)
{
    Zone z(4);
    broken_page(z, 10 * uint64_t{kWindow});
    broken_page(z, 11 * uint64_t{kWindow});
    auto groups = z.groups(11 * uint64_t{kWindow} + 6000);
    ASSERT_FALSE(groups.empty());
    EXPECT_EQ(key_of(groups[0]), "https://shop.example/catalog/summer");
    std::vector<uint32_t> h(groups[0].history, groups[0].history + 4);
    EXPECT_EQ(h, (std::vector<uint32_t>{0, 0, 200, 200}));
}

TEST(SpikeGroups, StartsAndEndsAreKeptAsEvents)
{
    Zone z;
    broken_page(z, 100000);
    for (int i = 0; i < 10; i++) {
        z.hit("other.example/gone", 101000 + i);
    }
    z.sweep(100000 + 3 * kWindow);
    std::vector<sp_spike_event_record_t> ev;
    z.zone_history(100000 + 3 * kWindow, &ev);
    ASSERT_EQ(ev.size(), 4u);
    EXPECT_TRUE(ev[0].started);
    EXPECT_EQ(ev[0].kind, SP_GROUP_PAGE);
    EXPECT_EQ(std::string(ev[0].key, ev[0].key_len),
              "https://shop.example/catalog/summer");
    EXPECT_TRUE(ev[1].started);
    EXPECT_EQ(ev[1].kind, 0);
    EXPECT_EQ(std::string(ev[1].key, ev[1].key_len), "other.example/gone");
    EXPECT_FALSE(ev[2].started);
    EXPECT_FALSE(ev[3].started);
    EXPECT_GT(ev[2].length_ms, 0u);
}

TEST(SpikeGroups, AFloodOfGroupsStaysBounded)
{
    Zone z(10, 512 * 1024);
    for (int i = 0; i < 200000; i++) {
        std::string n = std::to_string(i);
        z.hit("h/" + n + "/" + n + "/" + n + "/x", 100000 + i / 100,
              "https://r.example/" + n);
    }
    auto groups = z.groups(102000, 100000);
    EXPECT_LE(groups.size(), sp_spike_group_capacity(512 * 1024, 10));
    EXPECT_TRUE(z.all().empty());
}

} // namespace
