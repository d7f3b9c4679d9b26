// A large rule set: 200,000 exact and 20,000 prefix rules from a generated
// rules file.  Every present path must hit its own rule, and paths that are
// near misses must miss.

#include "helpers.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using sptest::Match;
using sptest::Ruleset;

namespace {

const size_t n_exact = 200000;
const size_t n_prefix = 20000;

struct Entry {
    std::string pattern;
    int code;
    int kind;
    std::string target;
    uint32_t index;
    unsigned line;
    uint32_t parent = SP_NO_RULE;   // prefixes: the enclosing prefix rule
};

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%08x", v);
    return buf;
}

uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

class LargeSet : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new sptest::TempDir();
        exact_ = new std::vector<Entry>();
        prefix_ = new std::vector<Entry>();

        std::string text = "# generated: exact and prefix rules\n";
        text.reserve(20u << 20);
        unsigned line = 1;
        uint32_t index = 0;
        size_t p = 0;
        static const int exact_codes[] = {410, 404, 451};

        for (size_t i = 0; i < n_exact; i++) {
            Entry e;
            e.pattern = "/e/" + std::to_string(i) + "/Page-"
                        + hex32(mix(static_cast<uint32_t>(i))) + ".html";
            e.code = exact_codes[i % 3];
            e.kind = SP_KIND_EXACT;
            e.index = index++;
            e.line = ++line;
            text += std::to_string(e.code) + " = " + e.pattern + "\n";
            exact_->push_back(e);

            if (i % 10 == 9 && p < n_prefix) {
                Entry f;
                if (p % 4 == 3) {
                    // Nested inside the previous prefix rule.
                    f.pattern = (*prefix_)[p - 1].pattern + "s" + std::to_string(p) + "/";
                    f.parent = (*prefix_)[p - 1].index;
                } else {
                    f.pattern = "/p/" + std::to_string(p) + "/";
                }
                f.kind = p % 7 == 0 ? SP_KIND_PREFIX_STOP : SP_KIND_PREFIX;
                if (p % 5 == 0) {
                    f.code = 301;
                    f.target = "/moved/" + std::to_string(p) + "/";
                } else {
                    f.code = 410;
                }
                f.index = index++;
                f.line = ++line;
                text += std::to_string(f.code) + (f.kind == SP_KIND_PREFIX_STOP ? " ^~ " : " ")
                        + f.pattern + (f.target.empty() ? "" : " " + f.target) + "\n";
                prefix_->push_back(f);
                p++;
            }
        }
        path_ = new std::string(dir_->write("large.rules", text));

        rs_ = new Ruleset();
        auto t0 = std::chrono::steady_clock::now();
        load_ = rs_->add_file(*path_);
        if (load_.ok()) {
            load_ = rs_->compile(false);
        }
        auto t1 = std::chrono::steady_clock::now();
        seconds_ = std::chrono::duration<double>(t1 - t0).count();
    }

    static void TearDownTestSuite()
    {
        delete rs_;
        delete path_;
        delete prefix_;
        delete exact_;
        delete dir_;
        rs_ = nullptr;
    }

    void SetUp() override
    {
        ASSERT_EQ(load_.rc, SP_OK) << load_.err;
    }

    static sptest::TempDir *dir_;
    static std::vector<Entry> *exact_;
    static std::vector<Entry> *prefix_;
    static std::string *path_;
    static Ruleset *rs_;
    static sptest::Result load_;
    static double seconds_;
};

sptest::TempDir *LargeSet::dir_ = nullptr;
std::vector<Entry> *LargeSet::exact_ = nullptr;
std::vector<Entry> *LargeSet::prefix_ = nullptr;
std::string *LargeSet::path_ = nullptr;
Ruleset *LargeSet::rs_ = nullptr;
sptest::Result LargeSet::load_;
double LargeSet::seconds_ = 0;

TEST_F(LargeSet, LoadsEveryRuleInReasonableTime)
{
    EXPECT_EQ(rs_->count(), n_exact + n_prefix);
    EXPECT_EQ(prefix_->size(), n_prefix);
    EXPECT_LT(seconds_, 30.0) << "loading and compiling took " << seconds_ << " s";
    RecordProperty("load_seconds", std::to_string(seconds_));
}

TEST_F(LargeSet, RuleInfoPointsIntoTheFile)
{
    for (size_t i = 0; i < n_exact; i += 997) {
        const Entry &e = (*exact_)[i];
        sptest::RuleInfo info;
        ASSERT_TRUE(rs_->info(e.index, info)) << e.index;
        EXPECT_EQ(info.source, *path_);
        EXPECT_EQ(info.line, e.line);
        EXPECT_EQ(info.pattern, e.pattern);
        EXPECT_EQ(info.code, e.code);
        EXPECT_EQ(info.kind, SP_KIND_EXACT);
    }
    for (size_t i = 0; i < n_prefix; i += 101) {
        const Entry &e = (*prefix_)[i];
        sptest::RuleInfo info;
        ASSERT_TRUE(rs_->info(e.index, info)) << e.index;
        EXPECT_EQ(info.line, e.line);
        EXPECT_EQ(info.pattern, e.pattern);
        EXPECT_EQ(info.kind, e.kind);
        EXPECT_EQ(info.target, e.target);
    }
}

TEST_F(LargeSet, EveryExactPathHitsItsRule)
{
    size_t bad = 0;
    for (const Entry &e : *exact_) {
        Match r = rs_->match(e.pattern);
        if (r.found != 1 || r.m.rule != e.index || r.code != e.code
            || r.kind != SP_KIND_EXACT) {
            if (++bad <= 10) {
                ADD_FAILURE() << e.pattern << ": found=" << r.found << " rule="
                              << r.m.rule << " (want " << e.index << ")";
            }
        }
    }
    EXPECT_EQ(bad, 0u);
}

TEST_F(LargeSet, EveryPrefixHitsItsRule)
{
    size_t bad = 0;
    for (const Entry &e : *prefix_) {
        for (const std::string &path :
             {e.pattern, e.pattern + "x", e.pattern + "a/b/c.html"}) {
            Match r = rs_->match(path);
            if (r.found != 1 || r.m.rule != e.index || r.code != e.code
                || r.kind != e.kind || r.m.prefix_len != e.pattern.size()) {
                if (++bad <= 10) {
                    ADD_FAILURE() << path << ": found=" << r.found << " rule="
                                  << r.m.rule << " (want " << e.index
                                  << ") prefix_len=" << r.m.prefix_len;
                }
            }
        }
        if (e.parent != SP_NO_RULE) {
            // Beside the nested prefix, the enclosing one applies.
            std::string path = e.pattern.substr(0, e.pattern.size() - 1) + "-sibling";
            Match r = rs_->match(path);
            if (r.found != 1 || r.m.rule != e.parent) {
                if (++bad <= 10) {
                    ADD_FAILURE() << path << ": rule=" << r.m.rule << " (want parent "
                                  << e.parent << ")";
                }
            }
        }
    }
    EXPECT_EQ(bad, 0u);
}

TEST_F(LargeSet, PrefixRedirects)
{
    for (size_t i = 0; i < n_prefix; i += 5) {
        const Entry &e = (*prefix_)[i];
        ASSERT_EQ(e.code, 301);
        EXPECT_EQ(sptest::location(*rs_, e.pattern + "rest/of it", "k=1"),
                  e.target + "rest/of%20it?k=1");
    }
}

TEST_F(LargeSet, NearAndRandomMissesMiss)
{
    std::mt19937 rng(4242u);
    std::vector<std::string> misses;
    for (size_t k = 0; k < 20000; k++) {
        size_t i = rng() % n_exact;
        const std::string &pat = (*exact_)[i].pattern;
        switch (k % 8) {
        case 0:
            misses.push_back(pat + "x");
            break;
        case 1:
            misses.push_back(pat.substr(0, pat.size() - 1));
            break;
        case 2:   // the right name under another number
            misses.push_back("/e/" + std::to_string(i + 1) + "/Page-"
                             + hex32(mix(static_cast<uint32_t>(i))) + ".html");
            break;
        case 3:   // case differs (ignore_case is off)
            misses.push_back("/e/" + std::to_string(i) + "/page-"
                             + hex32(mix(static_cast<uint32_t>(i))) + ".html");
            break;
        case 4:   // a prefix without its trailing slash
            misses.push_back("/p/" + std::to_string(rng() % n_prefix));
            break;
        case 5:
            misses.push_back("/p/" + std::to_string(rng() % n_prefix) + "x/");
            break;
        case 6:
            misses.push_back("/p/" + std::to_string(n_prefix + rng() % 100000) + "/");
            break;
        default: {
            std::string s = "/";
            size_t len = 1 + rng() % 40;
            for (size_t c = 0; c < len; c++) {
                s += "abcdefghijklmnopqrstuvwxyz0123456789-./_"[rng() % 40];
            }
            if (s.compare(0, 3, "/p/") == 0 || s.compare(0, 3, "/e/") == 0) {
                s[1] = 'q';
            }
            misses.push_back(s);
            break;
        }
        }
    }
    size_t bad = 0;
    for (const std::string &path : misses) {
        Match r = rs_->match(path);
        if (r.found != 0 || r.m.rule != SP_NO_RULE) {
            if (++bad <= 10) {
                ADD_FAILURE() << path << " matched rule " << r.m.rule;
            }
        }
    }
    EXPECT_EQ(bad, 0u);
}

TEST(LargeSetIgnoreCase, UppercasePathsHitWithIgnoreCase)
{
    sptest::TempDir dir;
    std::string text;
    const size_t n = 50000;
    for (size_t i = 0; i < n; i++) {
        text += "410 = /Archive/" + std::to_string(i) + "/Item-" + hex32(mix(i)) + "\n";
    }
    for (size_t i = 0; i < n / 10; i++) {
        text += "404 /Tree/" + std::to_string(i) + "/\n";
    }
    std::string path = dir.write("ic.rules", text);
    Ruleset rs;
    ASSERT_EQ(rs.add_file(path).rc, SP_OK);
    sptest::Result comp = rs.compile(true);
    ASSERT_EQ(comp.rc, SP_OK) << comp.err;

    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        std::string p = "/ARCHIVE/" + std::to_string(i) + "/item-" + hex32(mix(i));
        for (char &c : p) {
            if (c >= 'a' && c <= 'f' && (i & 1)) {
                c = static_cast<char>(c - 'a' + 'A');
            }
        }
        Match r = rs.match(p);
        if (r.found != 1 || r.m.rule != i) {
            if (++bad <= 10) {
                ADD_FAILURE() << p << ": rule " << r.m.rule << " want " << i;
            }
        }
    }
    for (size_t i = 0; i < n / 10; i++) {
        Match r = rs.match("/tREE/" + std::to_string(i) + "/Leaf");
        if (r.found != 1 || r.m.rule != n + i || r.m.prefix_len != 7 + std::to_string(i).size()) {
            if (++bad <= 10) {
                ADD_FAILURE() << "/tREE/" << i << "/Leaf: rule " << r.m.rule;
            }
        }
    }
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(rs.match("/Archive/1/Item-").found, 0);
}

} // namespace
