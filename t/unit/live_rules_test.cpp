// Live zones in the core: parsing a body (errors naming the line),
// editing a set, generations (lookup, paging, digest, carried hits), the
// precedence of zone rules among a level's file rules, and the state
// file.

#include "helpers.hpp"

#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

using sptest::Ruleset;

namespace {

struct Set {
    sp_live_set_t *set = sp_live_set_create();
    ~Set() { sp_live_set_destroy(set); }
    Set() = default;
    Set(const Set &) = delete;
    Set &operator=(const Set &) = delete;

    std::string err;
    unsigned line = 0;

    int parse(const std::string &body)
    {
        char buf[512] = "";
        int rc = sp_live_set_parse(set, body.data(), body.size(), buf,
                                   sizeof(buf), &line);
        err = buf;
        return rc;
    }
};

// A generation in ordinary memory, as a worker writes one into the zone.
struct Generation {
    std::vector<uint64_t> block;

    explicit Generation(const Set &s, const void *carry = nullptr)
    {
        size_t size = sp_live_generation_size(s.set);
        EXPECT_GT(size, 0u);
        block.assign((size + 7) / 8, 0);
        EXPECT_EQ(sp_live_generation_write(s.set, block.data(), size, carry),
                  SP_OK);
    }
    const void *get() const { return block.data(); }

    std::string find(const std::string &path, size_t *prefix = nullptr) const
    {
        size_t n = 0;
        uint32_t i = sp_live_find(get(), path.data(), path.size(), &n);
        if (prefix != nullptr) {
            *prefix = n;
        }
        return describe(i);
    }

    std::string describe(uint32_t i) const
    {
        if (i == SP_NO_RULE) {
            return "none";
        }
        sp_rule_info_t info;
        EXPECT_EQ(sp_live_rule(get(), i, &info, nullptr), SP_OK);
        std::string out = std::to_string(info.code) + " "
                          + (info.kind == SP_KIND_EXACT ? "= "
                             : info.kind == SP_KIND_PREFIX_STOP ? "^~ "
                                                                : "")
                          + sptest::from_str(info.pattern);
        if (info.target.len) {
            out += " " + sptest::from_str(info.target);
        }
        return out;
    }
};

TEST(LiveParse, RulesOfEveryCodeAndKind)
{
    Set s;
    ASSERT_EQ(s.parse("# retired\n410 = /old\n301 /moved/ https://x.test/n/\n"
                      "451 ^~ /legal/\n\n444 /wp-admin\n403 \"/with space\"\n"),
              SP_OK) << s.err;
    EXPECT_EQ(sp_live_set_count(s.set), 5u);
    Generation g(s);
    EXPECT_EQ(g.find("/old"), "410 = /old");
    EXPECT_EQ(g.find("/old/x"), "none");
    size_t prefix = 0;
    EXPECT_EQ(g.find("/moved/a/b", &prefix), "301 /moved/ https://x.test/n/");
    EXPECT_EQ(prefix, 7u);
    EXPECT_EQ(g.find("/legal/x"), "451 ^~ /legal/");
    EXPECT_EQ(g.find("/wp-admin.php"), "444 /wp-admin");
    EXPECT_EQ(g.find("/with space/x"), "403 /with space");
    EXPECT_EQ(g.find("/"), "none");
}

TEST(LiveParse, TheFirstBadLineIsNamed)
{
    struct Case {
        const char *body;
        unsigned line;
        const char *error;
    };
    for (const Case &c : std::vector<Case>{
             {"410 = /a\n\n999 /b\n", 3, "unsupported status code"},
             {"410 = /a\n301 /b\n", 2, "target"},
             {"410 /a\n410 ~ ^/x\n", 2, "not regexes"},
             {"410 /a\n410 = /b\n410 /a\n", 3, "duplicate rule \"/a\", first at line 1"},
             {"410 /a\n410 ^~ /a\n", 2, "duplicate"},
             {"410 a\n", 1, "pattern"},
             {"410 /a;\n", 1, "semicolon"},
             {"410 \"/a\n", 1, "unterminated quote"},
         }) {
        Set s;
        EXPECT_EQ(s.parse(c.body), SP_ERROR) << c.body;
        EXPECT_EQ(s.line, c.line) << c.body;
        EXPECT_TRUE(sptest::contains(s.err, c.error)) << c.body << ": " << s.err;
    }
}

TEST(LiveParse, AnExactAndAPrefixRuleOfOnePatternAreTwoRules)
{
    Set s;
    ASSERT_EQ(s.parse("410 = /a\n301 /a /b\n"), SP_OK) << s.err;
    Generation g(s);
    EXPECT_EQ(g.find("/a"), "410 = /a");
    EXPECT_EQ(g.find("/ab"), "301 /a /b");
}

// A state file of `published` written at `path` and read back into
// `back`; the change counter read from it.
uint64_t state_round_trip(const void *published, const std::string &path,
                          uint64_t changes, Set &back)
{
    char err[256] = "";
    EXPECT_EQ(sp_live_state_write(published, path.c_str(), changes,
                                  1700000000, err, sizeof(err)),
              SP_OK) << err;
    uint64_t read = 0;
    unsigned line = 0;
    EXPECT_EQ(sp_live_state_read(path.c_str(), back.set, &read, err,
                                 sizeof(err), &line),
              SP_OK) << err;
    return read;
}

// A zone as the module keeps it: each write's generation is built from
// the one published before, and may be a layer over that one's base.
struct Zone {
    std::deque<Generation> written;     // bases stay as long as the zone
    const void *published = nullptr;
    const Generation *current = nullptr;
    unsigned line = 0;
    int background = 0;     // 1: as with the zone written whole meanwhile

    explicit Zone(const std::string &rules = "") { put(rules); }

    void put(const std::string &rules)
    {
        Set s;
        ASSERT_EQ(s.parse(rules), SP_OK) << s.err;
        publish(s);
    }

    int write(int op, const std::string &body)
    {
        Set more, set;
        if (op != SP_LIVE_DELETE) {
            EXPECT_EQ(more.parse(body), SP_OK) << more.err;
        }
        int rc = sp_live_edit(set.set, published, op,
                              op == SP_LIVE_DELETE ? nullptr : more.set,
                              body.data(), body.size(), background, &line);
        if (rc == SP_OK) {
            publish(set);
        }
        return rc;
    }

    void publish(const Set &s)
    {
        written.emplace_back(s, published);
        current = &written.back();
        published = current->get();
    }

    // The zone written whole from what is published now: its generation,
    // not yet published.
    const Generation &whole()
    {
        Set all;
        EXPECT_EQ(sp_live_set_whole(all.set, published), SP_OK);
        written.emplace_back(all, published);
        return written.back();
    }

    // What the zone written whole from `from` publishes now.
    int rebase(const Generation &w, const void *from)
    {
        Set set;
        int rc = sp_live_rebase(set.set, w.get(), from, published);
        if (rc == SP_OK) {
            publish(set);
        } else if (rc == SP_LIVE_AS_IS) {
            current = &w;
            published = w.get();
        }
        return rc;
    }

    bool layered() const { return sp_live_base(published) != nullptr; }
    size_t count() const { return sp_live_count(published); }
    const Generation &now() const { return *current; }
    std::string find(const std::string &path, size_t *prefix = nullptr) const
    {
        return now().find(path, prefix);
    }
    uint32_t key(const std::string &k) const
    {
        return sp_live_find_key(published, k.data(), k.size());
    }
    std::string page(const std::string &after = "", uint32_t limit = 10000)
        const
    {
        sp_str_t name = {"z", 1};
        size_t n = 0;
        EXPECT_EQ(sp_live_json_page(published, name, after.data(),
                                    after.size(), limit, 0, nullptr, 0, &n),
                  SP_OK);
        std::string out(n, '\0');
        EXPECT_EQ(sp_live_json_page(published, name, after.data(),
                                    after.size(), limit, 0, &out[0], n, &n),
                  SP_OK);
        return out;
    }
};

TEST(LiveEdit, PostConflictsPatchReplacesDeleteRemoves)
{
    Zone z("410 = /a\n410 /b/\n");
    EXPECT_EQ(z.write(SP_LIVE_POST, "410 = /c\n\n451 /b/\n"),
              SP_LIVE_CONFLICT);
    EXPECT_EQ(z.line, 3u);
    EXPECT_EQ(z.count(), 2u) << "all or nothing";
    EXPECT_EQ(z.find("/c"), "none");

    ASSERT_EQ(z.write(SP_LIVE_PATCH, "410 = /c\n\n451 /b/\n"), SP_OK);
    EXPECT_EQ(z.count(), 3u);
    EXPECT_EQ(z.find("/b/x"), "451 /b/");
    EXPECT_EQ(z.find("/c"), "410 = /c");

    EXPECT_EQ(z.write(SP_LIVE_DELETE, "= /a"), SP_OK);
    EXPECT_EQ(z.write(SP_LIVE_DELETE, "= /a"), SP_LIVE_MISSING);
    EXPECT_EQ(z.write(SP_LIVE_DELETE, "= /zz"), SP_LIVE_MISSING);
    EXPECT_EQ(z.write(SP_LIVE_DELETE, "nope"), SP_LIVE_BAD_KEY);
    EXPECT_EQ(z.count(), 2u);
    EXPECT_EQ(z.find("/a"), "none");
}

TEST(LiveEdit, AnEditKeepsTheOtherRules)
{
    Zone z("410 = /a\n301 /b/ /c/\n");
    ASSERT_EQ(z.write(SP_LIVE_POST, "410 /d/\n"), SP_OK);
    EXPECT_EQ(z.find("/a"), "410 = /a");
    EXPECT_EQ(z.find("/b/x"), "301 /b/ /c/");
    EXPECT_EQ(z.find("/d/x"), "410 /d/");
}

// 5,000 exact rules and 100 prefixes: large enough for layers
std::string large_zone()
{
    std::string rules;
    for (int i = 0; i < 5000; i++) {
        rules += "410 = /r/" + std::to_string(i) + "\n";
    }
    for (int i = 0; i < 100; i++) {
        rules += "410 /p/" + std::to_string(i) + "/\n";
    }
    return rules + "410 /a/\n410 /a/b/\n";
}

TEST(LiveLayer, AWriteToALargeZoneWritesOnlyTheChange)
{
    Zone z(large_zone());
    size_t whole = z.now().block.size() * 8;
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /new\n"), SP_OK);
    EXPECT_TRUE(z.layered());
    EXPECT_EQ(sp_live_base(z.published), z.written.front().get());
    EXPECT_LT(z.now().block.size() * 8, whole / 50);
    EXPECT_EQ(z.count(), 5103u);
    EXPECT_EQ(z.find("/new"), "451 = /new");
    EXPECT_EQ(z.find("/r/7"), "410 = /r/7");
    EXPECT_EQ(z.find("/p/3/x"), "410 /p/3/");
    EXPECT_EQ(z.find("/none"), "none");
}

TEST(LiveLayer, ARemovalHidesTheBaseRule)
{
    Zone z(large_zone());
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "= /r/7"), SP_OK);
    EXPECT_TRUE(z.layered());
    EXPECT_EQ(z.find("/r/7"), "none");
    EXPECT_EQ(z.key("= /r/7"), SP_NO_RULE);
    EXPECT_EQ(z.count(), 5101u);
    EXPECT_FALSE(sptest::contains(z.page(), "\"= /r/7\""));
    EXPECT_EQ(z.write(SP_LIVE_DELETE, "= /r/7"), SP_LIVE_MISSING);
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /r/7\n"), SP_OK)
        << "a removed key is free again";
    EXPECT_EQ(z.find("/r/7"), "451 = /r/7");
}

TEST(LiveLayer, TheLongestPrefixIsTheViewsAcrossLayers)
{
    Zone z(large_zone());
    size_t prefix = 0;
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "/a/b/"), SP_OK);
    EXPECT_EQ(z.find("/a/b/c", &prefix), "410 /a/");
    EXPECT_EQ(prefix, 3u) << "a removal goes on to the base's shorter rule";
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 /a/b/c/\n"), SP_OK);
    EXPECT_EQ(z.find("/a/b/c/d", &prefix), "451 /a/b/c/");
    EXPECT_EQ(prefix, 7u);
    ASSERT_EQ(z.write(SP_LIVE_PATCH, "308 ^~ /a/ /z/\n"), SP_OK);
    EXPECT_EQ(z.find("/a/b/x", &prefix), "308 ^~ /a/ /z/");
    EXPECT_EQ(z.find("/a/b/c/d"), "451 /a/b/c/");
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "/a/b/c/"), SP_OK);
    EXPECT_EQ(z.find("/a/b/c/d"), "308 ^~ /a/ /z/");
    ASSERT_EQ(z.write(SP_LIVE_POST, "410 = /a/b/c/d\n"), SP_OK);
    EXPECT_EQ(z.find("/a/b/c/d"), "410 = /a/b/c/d") << "exact first";
    EXPECT_TRUE(z.layered());
}

TEST(LiveLayer, HitsStayWithTheirRulesThroughLayersAndTheWholeWrite)
{
    Zone z(large_zone());
    auto hits_of = [&z](const std::string &key) {
        sp_rule_info_t info;
        sp_rule_hits_t hits{};
        EXPECT_EQ(sp_live_rule(z.published, z.key(key), &info, &hits), SP_OK);
        return hits.hits;
    };
    sp_live_count_hit(z.published, z.key("= /r/1"), 100);
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /new\n"), SP_OK);
    sp_live_count_hit(z.published, z.key("= /new"), 200);
    sp_live_count_hit(z.published, z.key("= /new"), 300);
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /newer\n"), SP_OK);
    EXPECT_EQ(hits_of("= /r/1"), 1u);
    EXPECT_EQ(hits_of("= /new"), 2u) << "carried to the next layer";

    // until the layer is too large for its base: then the zone is whole
    for (int i = 0; z.layered() && i < 1000; i++) {
        ASSERT_EQ(z.write(SP_LIVE_POST,
                          "410 = /more/" + std::to_string(i) + "\n"),
                  SP_OK);
    }
    EXPECT_FALSE(z.layered());
    EXPECT_EQ(hits_of("= /r/1"), 1u);
    EXPECT_EQ(hits_of("= /new"), 2u);
}

TEST(LiveLayer, TheZoneWrittenWholeMeanwhileTakesTheWritesSince)
{
    Zone z(large_zone());
    z.background = 1;
    for (int i = 0; !sp_live_wants_whole(z.published); i++) {
        ASSERT_LT(i, 400);
        ASSERT_EQ(z.write(SP_LIVE_POST, "410 = /n/" + std::to_string(i)
                                             + "\n"),
                  SP_OK);
    }
    ASSERT_EQ(z.count(), 5102u + 318u) << "a sixteenth of the base";
    ASSERT_EQ(z.write(SP_LIVE_POST, "410 = /beyond\n"), SP_OK);
    EXPECT_TRUE(z.layered()) << "with background, the layer grows on";

    const void *from = z.published;
    const Generation &w = z.whole();
    EXPECT_EQ(sp_live_base(w.get()), nullptr);

    // writes while it was written: every kind of change since `from`
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /later\n"), SP_OK);
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "= /n/3"), SP_OK);
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "= /r/9"), SP_OK);
    ASSERT_EQ(z.write(SP_LIVE_PATCH, "308 = /n/4 /x\n308 /a/ /y/\n"), SP_OK);
    const void *now = z.published;
    size_t count = z.count();
    ASSERT_EQ(z.rebase(w, from), SP_OK);
    EXPECT_EQ(sp_live_base(z.published), w.get()) << "a layer over it";
    EXPECT_LT(z.now().block.size(), w.block.size() / 100)
        << "of the writes since only";
    EXPECT_EQ(z.count(), count);
    EXPECT_EQ(sp_live_digest(z.published), sp_live_digest(now));
    EXPECT_EQ(z.find("/later"), "451 = /later");
    EXPECT_EQ(z.find("/n/3"), "none");
    EXPECT_EQ(z.find("/r/9"), "none");
    EXPECT_EQ(z.find("/n/4"), "308 = /n/4 /x");
    EXPECT_EQ(z.find("/a/q"), "308 /a/ /y/");
    EXPECT_EQ(z.find("/n/5"), "410 = /n/5");
    EXPECT_EQ(z.find("/beyond"), "410 = /beyond");

    // nothing written meanwhile: published as it is
    from = z.published;
    const Generation &w2 = z.whole();
    EXPECT_EQ(z.rebase(w2, from), SP_LIVE_AS_IS);
    EXPECT_EQ(z.published, w2.get());
    EXPECT_FALSE(z.layered());
    EXPECT_EQ(sp_live_digest(z.published), sp_live_digest(now));
}

TEST(LiveLayer, AWholeWriteAfterAPutIsStale)
{
    Zone z(large_zone());
    z.background = 1;
    ASSERT_EQ(z.write(SP_LIVE_POST, "410 = /one\n"), SP_OK);
    const void *from = z.published;
    const Generation &w = z.whole();
    z.put(large_zone());
    EXPECT_EQ(z.rebase(w, from), SP_LIVE_STALE);
    EXPECT_EQ(z.find("/one"), "none") << "the PUT stands";

    // or after a layer over another base
    ASSERT_EQ(z.write(SP_LIVE_POST, "410 = /two\n"), SP_OK);
    EXPECT_EQ(z.rebase(w, from), SP_LIVE_STALE);
}

// Any sequence of writes: the zone holds what one generation of the same
// rules holds, found, paged, counted and digested alike; also when the
// zone is written whole in the background, with writes going on.
class LiveLayerWrites : public testing::TestWithParam<int> {};

TEST_P(LiveLayerWrites, ReadAsTheSameRulesWrittenWhole)
{
    Zone z(large_zone());
    std::map<std::string, std::string> model;   // key -> line
    for (uint32_t i = 0; i < sp_live_count(z.published); i++) {
        std::string line = z.now().describe(i);
        model[line.substr(4)] = line;
    }

    std::mt19937 random(7);
    auto pick = [&random](int n) {
        return static_cast<int>(random() % static_cast<unsigned>(n));
    };
    std::vector<std::string> probes;
    int layers = 0, wholes = 0, rebased = 0;
    z.background = GetParam();
    const Generation *pending = nullptr;
    const void *from = nullptr;

    for (int step = 0; step < 1500; step++) {
        std::string pattern = pick(2) ? "/r/" + std::to_string(pick(5200))
                                      : "/p/" + std::to_string(pick(120))
                                            + "/" + (pick(2) ? "q/" : "");
        std::string key = (pick(3) ? "= " : "") + pattern;
        std::string line = std::to_string(pick(2) ? 410 : 451) + " " + key;
        probes.push_back(pattern + (pick(2) ? "x" : ""));
        bool held = model.count(key) != 0;
        switch (pick(3)) {
        case 0:
            ASSERT_EQ(z.write(SP_LIVE_POST, line + "\n"),
                      held ? SP_LIVE_CONFLICT : SP_OK) << line;
            if (!held) {
                model[key] = line;
            }
            break;
        case 1:
            ASSERT_EQ(z.write(SP_LIVE_PATCH, line + "\n"), SP_OK) << line;
            model[key] = line;
            break;
        default:
            ASSERT_EQ(z.write(SP_LIVE_DELETE, key),
                      held ? SP_OK : SP_LIVE_MISSING) << key;
            model.erase(key);
        }
        (z.layered() ? layers : wholes)++;

        if (z.background && pending == nullptr
            && sp_live_wants_whole(z.published)) {
            from = z.published;
            pending = &z.whole();
        } else if (pending != nullptr && pick(8) == 0) {
            int rc = z.rebase(*pending, from);
            ASSERT_TRUE(rc == SP_OK || rc == SP_LIVE_AS_IS) << rc;
            rebased++;
            pending = nullptr;
        }

        if (step % 100 != 99) {
            continue;
        }
        std::string rules;
        for (const auto &entry : model) {
            rules += entry.second + "\n";
        }
        Zone whole(rules);
        ASSERT_EQ(z.count(), whole.count()) << step;
        ASSERT_EQ(sp_live_digest(z.published), sp_live_digest(whole.published));
        ASSERT_EQ(z.page(), whole.page()) << step;
        ASSERT_EQ(z.page("/p/50/", 7), whole.page("/p/50/", 7)) << step;
        for (const std::string &path : probes) {
            size_t a = 0, b = 0;
            ASSERT_EQ(z.find(path, &a), whole.find(path, &b)) << path;
            ASSERT_EQ(a, b) << path;
        }
    }
    EXPECT_GT(layers, 1000) << "most writes are layers";
    if (z.background) {
        EXPECT_GE(rebased, 2) << "the zone is written whole in the background";
    } else {
        EXPECT_GT(wholes, 0) << "and the zone is written whole now and then";
    }
}

INSTANTIATE_TEST_SUITE_P(WholeByTheWriteOrInTheBackground, LiveLayerWrites,
                         testing::Values(0, 1));

TEST(LiveLayer, TheStateFileHoldsTheView)
{
    Zone z(large_zone());
    ASSERT_EQ(z.write(SP_LIVE_DELETE, "= /r/3"), SP_OK);
    ASSERT_EQ(z.write(SP_LIVE_POST, "451 = /added\n"), SP_OK);
    ASSERT_TRUE(z.layered());
    sptest::TempDir dir;
    Set back;
    EXPECT_EQ(state_round_trip(z.published, dir.name("live.state"), 2, back),
              2u);
    EXPECT_EQ(sp_live_set_count(back.set), 5102u);
    Generation again(back);
    EXPECT_EQ(sp_live_digest(again.get()), sp_live_digest(z.published));
    EXPECT_EQ(again.find("/r/3"), "none");
    EXPECT_EQ(again.find("/added"), "451 = /added");
}

TEST(LiveGeneration, KeysArePagedInOrder)
{
    Zone z("410 /c\n410 = /a\n410 /a\n410 /b\n");
    EXPECT_TRUE(sptest::contains(
        z.page(), "\"rules\":[{\"pattern\":\"/a\",\"code\":410,\"hits\":0,"
                  "\"last_hit\":null},{\"pattern\":\"= /a\""))
        << z.page();
    EXPECT_TRUE(sptest::contains(z.page("", 2), "\"next\":\"= /a\""))
        << z.page("", 2);
    EXPECT_TRUE(sptest::contains(z.page("= /a", 1), "[{\"pattern\":\"/b\""));
    EXPECT_TRUE(sptest::contains(z.page("/a", 1), "[{\"pattern\":\"= /a\""));
    EXPECT_TRUE(sptest::contains(z.page("/bb", 5), "[{\"pattern\":\"/c\""));
    EXPECT_TRUE(sptest::contains(z.page("/bb", 5), "\"next\":null"));
    EXPECT_TRUE(sptest::contains(z.page("/z"), "\"rules\":[],\"next\":null"));
    EXPECT_EQ(z.key("= /a"), 1u);
    EXPECT_EQ(z.key("^~ /b"), 2u);
    EXPECT_EQ(z.key("= /b"), SP_NO_RULE);
}

TEST(LiveGeneration, TheDigestIsTheRulesNotTheirOrder)
{
    Set a, b, c;
    ASSERT_EQ(a.parse("410 = /a\n301 /b/ /c/\n"), SP_OK);
    ASSERT_EQ(b.parse("# the same\n301 /b/ /c/\n410 = /a\n"), SP_OK);
    ASSERT_EQ(c.parse("410 = /a\n301 /b/ /d/\n"), SP_OK);
    Generation ga(a), gb(b), gc(c);
    EXPECT_EQ(sp_live_digest(ga.get()), sp_live_digest(gb.get()));
    EXPECT_NE(sp_live_digest(ga.get()), sp_live_digest(gc.get()));
}

TEST(LiveGeneration, HitsAreCarriedForUnchangedRulesOnly)
{
    Set a;
    ASSERT_EQ(a.parse("410 = /a\n410 = /b\n"), SP_OK);
    Generation g1(a);
    sp_live_count_hit(g1.get(), 0, 100);
    sp_live_count_hit(g1.get(), 0, 200);
    sp_live_count_hit(g1.get(), 1, 300);

    Set b;
    ASSERT_EQ(b.parse("410 = /a\n451 = /b\n"), SP_OK);
    Generation g2(b, g1.get());
    sp_rule_info_t info;
    sp_rule_hits_t hits;
    ASSERT_EQ(sp_live_rule(g2.get(), 0, &info, &hits), SP_OK);
    EXPECT_EQ(hits.hits, 2u);
    EXPECT_EQ(hits.first, 100);
    EXPECT_EQ(hits.last, 200);
    ASSERT_EQ(sp_live_rule(g2.get(), 1, &info, &hits), SP_OK);
    EXPECT_EQ(hits.hits, 0u) << "a changed rule starts at zero";
}

TEST(LiveGeneration, ManyPrefixLengthsStillFindTheLongest)
{
    // more distinct lengths than one pass keeps hashes for
    std::string body, path = "/";
    for (int i = 0; i < 700; i++) {
        path += 'a';
        body += "410 " + path + "\n";
    }
    body += "301 = " + path + "b /x\n";
    Set s;
    ASSERT_EQ(s.parse(body), SP_OK) << s.err;
    Generation g(s);
    size_t prefix = 0;
    EXPECT_EQ(g.find(path + "zzz", &prefix).substr(0, 4), "410 ");
    EXPECT_EQ(prefix, path.size());
    EXPECT_EQ(g.find("/aaz", &prefix), "410 /aa");
    EXPECT_EQ(g.find(path + "b"), "301 = " + path + "b /x");
}

TEST(LiveGeneration, AnEmptyZoneAndAnyOtherBlockFindNothing)
{
    Set s;
    ASSERT_EQ(s.parse(""), SP_OK);
    Generation g(s);
    EXPECT_EQ(g.find("/"), "none");
    std::vector<uint64_t> zeros(64, 0);
    size_t n;
    EXPECT_EQ(sp_live_find(zeros.data(), "/", 1, &n), SP_NO_RULE);
    EXPECT_EQ(sp_live_count(zeros.data()), 0u);
}

// A level's file rules and a zone: one precedence, as if the zone's
// rules were written at that level.
struct Level {
    Ruleset rs;
    Set zone;
    std::unique_ptr<Generation> g;

    Level(const std::vector<std::string> &file, const std::string &live)
    {
        for (const std::string &line : file) {
            sptest::must_add(rs, line);
        }
        sptest::must_compile(rs);
        EXPECT_EQ(zone.parse(live), SP_OK) << zone.err;
        g = std::make_unique<Generation>(zone);
    }

    std::string match(const std::string &path)
    {
        sp_match_t m;
        if (!sp_ruleset_match_live(rs.get(), g->get(), path.data(),
                                   path.size(), &m)) {
            return "none";
        }
        sp_rule_info_t info;
        if (m.zone) {
            EXPECT_EQ(sp_live_rule(g->get(), m.rule, &info, nullptr), SP_OK);
            return "zone " + std::to_string(info.code);
        }
        EXPECT_EQ(sp_ruleset_rule(rs.get(), m.rule, &info), SP_OK);
        return "file " + std::to_string(info.code);
    }
};

TEST(LivePrecedence, AsIfWrittenAtTheLevel)
{
    Level l({"403 = /f-exact", "404 /docs/", "410 ~ \\.php$", "451 ^~ /stop/",
             "401 /same/", "402 = /same"},
            "301 = /docs/exact.php /x\n"
            "308 /docs/api/ /v2/\n"
            "307 /docs/ /d/\n"
            "406 /stop/deeper/\n"
            "409 ^~ /z/\n"
            "418 /same/\n"
            "419 = /same\n");

    EXPECT_EQ(l.match("/docs/exact.php"), "zone 301") << "exact first";
    EXPECT_EQ(l.match("/f-exact"), "file 403");
    EXPECT_EQ(l.match("/docs/api/a"), "zone 308") << "longest prefix";
    EXPECT_EQ(l.match("/docs/api/a.php"), "file 410")
        << "a regex beats a plain prefix, the zone's too";
    EXPECT_EQ(l.match("/z/a.php"), "zone 409") << "the zone's ^~ stops regexes";
    EXPECT_EQ(l.match("/stop/x.php"), "file 451");
    EXPECT_EQ(l.match("/stop/deeper/x.php"), "file 410")
        << "a longer plain zone prefix ends the file's ^~";
    EXPECT_EQ(l.match("/stop/deeper/x"), "zone 406");
    EXPECT_EQ(l.match("/same/x"), "zone 418") << "same pattern: the zone wins";
    EXPECT_EQ(l.match("/same"), "zone 419");
    EXPECT_EQ(l.match("/docs/readme"), "zone 307");
    EXPECT_EQ(l.match("/other"), "none");
}

TEST(LiveState, WrittenAndReadBack)
{
    Set s;
    ASSERT_EQ(s.parse("410 = /a\n301 \"/b c/\" https://x.test/\n451 ^~ /l/\n"),
              SP_OK);
    Generation g(s);
    sptest::TempDir dir;
    std::string path = dir.name("live.state");
    Set back;
    EXPECT_EQ(state_round_trip(g.get(), path, 7, back), 7u);
    char err[256] = "";
    uint64_t changes = 0;
    unsigned line = 0;
    Generation again(back);
    EXPECT_EQ(sp_live_digest(again.get()), sp_live_digest(g.get()));
    EXPECT_EQ(again.find("/b c/x"), "301 /b c/ https://x.test/");

    // cut short: the digest no longer matches
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    ASSERT_GT(text.size(), 40u);
    dir.write("live.state", text.substr(0, text.size() - 12));
    Set cut;
    EXPECT_EQ(sp_live_state_read(path.c_str(), cut.set, &changes, err,
                                 sizeof(err), &line),
              SP_ERROR);
    EXPECT_TRUE(sptest::contains(err, "its header says")) << err;

    dir.write("live.state", "410 = /a\n");
    EXPECT_EQ(sp_live_state_read(path.c_str(), cut.set, &changes, err,
                                 sizeof(err), &line),
              SP_ERROR);
    EXPECT_EQ(line, 1u);

    std::string missing = dir.path() + "/none";
    EXPECT_EQ(sp_live_state_read(missing.c_str(), cut.set, &changes, err,
                                 sizeof(err), &line),
              SP_ERROR);
    EXPECT_TRUE(sptest::contains(err, "cannot open")) << err;
}

} // namespace
