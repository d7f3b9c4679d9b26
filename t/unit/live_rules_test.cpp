// Live zones in the core: parsing a body (errors naming the line),
// editing a set, generations (lookup, paging, digest, carried hits), the
// precedence of zone rules among a level's file rules, and the state
// file.

#include "helpers.hpp"

#include <fstream>
#include <iterator>
#include <memory>
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

TEST(LiveSet, PostConflictsPatchReplacesDeleteRemoves)
{
    Set base, more;
    ASSERT_EQ(base.parse("410 = /a\n410 /b/\n"), SP_OK);
    ASSERT_EQ(more.parse("410 = /c\n\n451 /b/\n"), SP_OK);

    unsigned conflict = 0;
    EXPECT_EQ(sp_live_set_merge(base.set, more.set, 0, &conflict),
              SP_LIVE_CONFLICT);
    EXPECT_EQ(conflict, 3u);
    EXPECT_EQ(sp_live_set_count(base.set), 2u) << "all or nothing";

    ASSERT_EQ(sp_live_set_merge(base.set, more.set, 1, &conflict), SP_OK);
    Generation g(base);
    EXPECT_EQ(sp_live_count(g.get()), 3u);
    EXPECT_EQ(g.find("/b/x"), "451 /b/");
    EXPECT_EQ(g.find("/c"), "410 = /c");

    std::string key = "= /a", missing = "= /zz", bad = "nope";
    EXPECT_EQ(sp_live_set_remove(base.set, key.data(), key.size()), 1);
    EXPECT_EQ(sp_live_set_remove(base.set, key.data(), key.size()), 0);
    EXPECT_EQ(sp_live_set_remove(base.set, missing.data(), missing.size()), 0);
    EXPECT_EQ(sp_live_set_remove(base.set, bad.data(), bad.size()), SP_ERROR);
    EXPECT_EQ(sp_live_set_count(base.set), 2u);
}

TEST(LiveSet, AnEditedGenerationKeepsItsOtherRules)
{
    Set first;
    ASSERT_EQ(first.parse("410 = /a\n301 /b/ /c/\n"), SP_OK);
    Generation g1(first);

    Set edit, more;
    ASSERT_EQ(sp_live_set_load(edit.set, g1.get()), SP_OK);
    ASSERT_EQ(more.parse("410 /d/\n"), SP_OK);
    ASSERT_EQ(sp_live_set_merge(edit.set, more.set, 0, nullptr), SP_OK);
    Generation g2(edit, g1.get());
    EXPECT_EQ(g2.find("/a"), "410 = /a");
    EXPECT_EQ(g2.find("/b/x"), "301 /b/ /c/");
    EXPECT_EQ(g2.find("/d/x"), "410 /d/");
}

TEST(LiveGeneration, KeysArePagedInOrder)
{
    Set s;
    ASSERT_EQ(s.parse("410 /c\n410 = /a\n410 /a\n410 /b\n"), SP_OK);
    Generation g(s);
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < sp_live_count(g.get()); i++) {
        keys.push_back(g.describe(i));
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"410 /a", "410 = /a", "410 /b",
                                              "410 /c"}));
    std::string after = "= /a";
    EXPECT_EQ(sp_live_after(g.get(), after.data(), after.size()), 2u);
    after = "/a";
    EXPECT_EQ(sp_live_after(g.get(), after.data(), after.size()), 1u);
    after = "/bb";
    EXPECT_EQ(sp_live_after(g.get(), after.data(), after.size()), 3u);
    after = "/z";
    EXPECT_EQ(sp_live_after(g.get(), after.data(), after.size()), 4u);
    std::string key = "= /a";
    EXPECT_EQ(sp_live_find_key(g.get(), key.data(), key.size()), 1u);
    key = "^~ /b";
    EXPECT_EQ(sp_live_find_key(g.get(), key.data(), key.size()), 2u);
    key = "= /b";
    EXPECT_EQ(sp_live_find_key(g.get(), key.data(), key.size()), SP_NO_RULE);
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
    char err[256] = "";
    ASSERT_EQ(sp_live_state_write(g.get(), path.c_str(), 7, 1700000000, err,
                                  sizeof(err)),
              SP_OK) << err;

    Set back;
    uint64_t changes = 0;
    unsigned line = 0;
    ASSERT_EQ(sp_live_state_read(path.c_str(), back.set, &changes, err,
                                 sizeof(err), &line),
              SP_OK) << err;
    EXPECT_EQ(changes, 7u);
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
