// The regex engines against each other: random patterns from the grammar
// Vectorscan and PCRE2 share, random paths, and three matchers that must
// choose the same rule with the same captures: the set tried in order
// with PCRE2, the set scanned with Vectorscan (PCRE2 running the winner
// and what Vectorscan does not take), and a plain loop of pcre2_match()
// in rule order.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "regex_set.hpp"
#include "vectorscan_set.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using status_policy::Pcre2Code;
using status_policy::RegexSet;

struct Spec {
    std::string pattern;
    bool caseless;
};

class Grammar {
public:
    explicit Grammar(unsigned seed) : rng_(seed) {}

    std::string pattern()
    {
        std::string p;
        int anchor = pick(4);
        if (anchor == 0) {
            p += '^';
        } else if (anchor == 1) {
            p += "^/";
        }
        p += sequence(2);
        if (pick(3) == 0) {
            p += '$';
        }
        return p;
    }

    std::string path()
    {
        static const char chars[] = "/abcAB.-_xyz0129phpPHP";
        std::string p = "/";
        int n = 1 + pick(12);
        for (int i = 0; i < n; i++) {
            p += chars[pick(sizeof(chars) - 1)];
        }
        if (pick(20) == 0) {
            p += '\n';        // a decoded %0A, where $ differs most
        }
        return p;
    }

    bool coin() { return pick(2) == 0; }
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

private:
    std::string atom(int depth)
    {
        switch (pick(depth > 0 ? 9 : 7)) {
        case 0: return std::string(1, "abcxyz/"[pick(7)]);
        case 1: return "\\.";
        case 2: return ".";
        case 3: return "[a-c]";
        case 4: return "[^/]";
        case 5: return pick(2) ? "\\d" : "\\w";
        case 6: return std::string(1, "ABphP-_"[pick(7)]);
        case 7: return "(" + sequence(depth - 1) + ")";
        default:
            return "(?:" + sequence(depth - 1) + "|" + sequence(depth - 1)
                   + ")";
        }
    }

    std::string sequence(int depth)
    {
        std::string s;
        int n = 1 + pick(4);
        for (int i = 0; i < n; i++) {
            s += atom(depth);
            switch (pick(8)) {
            case 0: s += '*'; break;
            case 1: s += '+'; break;
            case 2: s += '?'; break;
            case 3: s += "{1,2}"; break;
            default: break;
            }
        }
        return s;
    }

    std::mt19937 rng_;
};

struct Outcome {
    uint32_t rule = UINT32_MAX;
    std::vector<long> captures;

    bool operator==(const Outcome &o) const
    {
        return rule == o.rule && captures == o.captures;
    }
};

std::ostream &operator<<(std::ostream &os, const Outcome &o)
{
    os << "rule " << (o.rule == UINT32_MAX ? -1L : long(o.rule)) << " [";
    for (long c : o.captures) {
        os << c << ' ';
    }
    return os << ']';
}

Outcome from_set(const RegexSet &set, const std::string &path)
{
    RegexSet::Match m;
    Outcome o;
    if (set.match(path.data(), path.size(), m)) {
        o.rule = m.rule;
        o.captures.assign(m.captures, m.captures + 2 * m.ncaptures);
    }
    return o;
}

// the reference: every regex in order, the first match wins
Outcome from_loop(const std::vector<Pcre2Code> &codes, const std::string &path)
{
    Outcome o;
    pcre2_match_data *md = pcre2_match_data_create(10, nullptr);
    for (uint32_t i = 0; i < codes.size(); i++) {
        int rc = pcre2_match(codes[i].get(),
                             reinterpret_cast<PCRE2_SPTR>(path.data()),
                             path.size(), 0, 0, md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) {
            continue;
        }
        EXPECT_GE(rc, 0) << "a grammar regex hit a limit";
        uint32_t pairs = rc == 0 ? 10 : static_cast<uint32_t>(rc);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        o.rule = i;
        for (uint32_t k = 0; k < pairs; k++) {
            bool set = ov[2 * k] != PCRE2_UNSET;
            o.captures.push_back(set ? long(ov[2 * k]) : -1);
            o.captures.push_back(set ? long(ov[2 * k + 1]) : -1);
        }
        break;
    }
    pcre2_match_data_free(md);
    return o;
}

void compare_engines(unsigned seed, int sets, int rules, int paths)
{
    Grammar g(seed);
    for (int s = 0; s < sets; s++) {
        std::vector<Spec> specs;
        for (int r = 0; r < rules; r++) {
            specs.push_back({g.pattern(), g.coin()});
        }
        RegexSet in_order, scanned;
        std::vector<Pcre2Code> loop;
        for (uint32_t r = 0; r < specs.size(); r++) {
            const Spec &sp = specs[r];
            in_order.add(RegexSet::compile(sp.pattern, sp.caseless, "", 0),
                         sp.pattern, sp.caseless, r);
            scanned.add(RegexSet::compile(sp.pattern, sp.caseless, "", 0),
                        sp.pattern, sp.caseless, r);
            loop.push_back(RegexSet::compile(sp.pattern, sp.caseless, "", 0));
        }
        in_order.build(RegexSet::Engine::pcre2);
        scanned.build(RegexSet::Engine::vectorscan);
        if (status_policy::VectorscanSet::available()
            && scanned.chose_vectorscan()) {
            EXPECT_GT(scanned.vectorscan_size(), 0u);
        }

        for (int p = 0; p < paths; p++) {
            std::string path = g.path();
            Outcome want = from_loop(loop, path);
            ASSERT_EQ(from_set(in_order, path), want)
                << "PCRE2 in order, path \"" << path << "\", set " << s;
            if (!(from_set(scanned, path) == want)) {
                std::string list;
                for (uint32_t r = 0; r < specs.size(); r++) {
                    list += std::to_string(r) + (specs[r].caseless ? " ~* " : " ~ ")
                            + specs[r].pattern + "\n";
                }
                FAIL() << "Vectorscan: path \"" << path << "\": got "
                       << from_set(scanned, path) << ", want " << want
                       << "\n" << list;
            }
        }
    }
}

TEST(RegexEngines, SmallSetsAgree)
{
    compare_engines(1, 120, 6, 80);
}

TEST(RegexEngines, LargerSetsAgree)
{
    compare_engines(2, 12, 60, 300);
}

TEST(RegexEngines, DollarBeforeAFinalNewline)
{
    for (auto engine : {RegexSet::Engine::pcre2, RegexSet::Engine::vectorscan}) {
        RegexSet set;
        set.add(RegexSet::compile("\\.php$", false, "", 0), "\\.php$", false, 7);
        set.build(engine);
        RegexSet::Match m;
        EXPECT_TRUE(set.match("/x.php\n", 7, m)) << "$ before a final newline";
        EXPECT_FALSE(set.match("/x.php\nx", 8, m));
    }
}

TEST(RegexEngines, WhatVectorscanRefusesStaysOnPcre2InItsPlace)
{
    // a back-reference first, then a plain regex that also matches: the
    // first one still wins, its captures from PCRE2
    RegexSet set;
    set.add(RegexSet::compile("^/(a+)\\1", false, "", 0), "^/(a+)\\1", false, 0);
    for (uint32_t r = 1; r < 20; r++) {
        std::string p = "x" + std::to_string(r) + "|^/a";
        set.add(RegexSet::compile(p, false, "", 0), p, false, r);
    }
    set.build(RegexSet::Engine::vectorscan);
    if (status_policy::VectorscanSet::available()) {
        EXPECT_EQ(set.vectorscan_size(), 19u);
    }
    RegexSet::Match m;
    ASSERT_TRUE(set.match("/aaaa", 5, m));
    EXPECT_EQ(m.rule, 0u);
    EXPECT_EQ(m.captures[2], 1);
    EXPECT_EQ(m.captures[3], 3);
    ASSERT_TRUE(set.match("/ab", 3, m));
    EXPECT_EQ(m.rule, 1u);
}

} // namespace

namespace {

// Vectorscan 5.4 in block mode misses a match that ends at the last byte
// of an 18 to 34-byte buffer when the set also holds a literal followed
// by any character ("xx" beside "zz."): the set scans in vectored mode,
// which finds it.
TEST(RegexEngines, AMatchAtTheEndOfAShortPathIsFound)
{
    for (const char *beside : {"zz.", "upla.", "php."}) {
        const std::vector<std::string> patterns = {"xx", beside};
        RegexSet set;
        for (uint32_t r = 0; r < patterns.size(); r++) {
            set.add(RegexSet::compile(patterns[r], false, "", 0), patterns[r],
                    false, r);
        }
        set.build(RegexSet::Engine::vectorscan);
        for (size_t fill = 0; fill < 80; fill++) {
            for (char c : {'a', '\0'}) {
                std::string path = "/yA" + std::string(fill, c) + "xx";
                RegexSet::Match m;
                ASSERT_TRUE(set.match(path.data(), path.size(), m))
                    << beside << ", " << path.size() << " bytes";
                EXPECT_EQ(m.rule, 0u);
            }
        }
    }
}

// Vectorscan, given a regex that can match the empty string next to
// others, may report the empty match alone and miss an earlier rule that
// matches further on ("xx" after "" in a 26-byte path): such regexes stay
// on PCRE2, in their place.
TEST(RegexEngines, RegexesMatchingEmptyStayOnPcre2)
{
    for (const char *empty : {"", "a?", "(x)*"}) {
        const std::vector<std::string> patterns = {
            "xx", empty, "upload[-_]?shell\\.(php|asp)"};
        RegexSet set;
        for (uint32_t r = 0; r < patterns.size(); r++) {
            set.add(RegexSet::compile(patterns[r], false, "", 0), patterns[r],
                    false, r);
        }
        set.build(RegexSet::Engine::vectorscan);
        for (const std::string &path :
             {std::string("/yA") + std::string(21, 'a') + "xx",
              std::string("/yA") + std::string(21, '\0') + "xx",
              std::string("abxx")}) {
            RegexSet::Match m;
            ASSERT_TRUE(set.match(path.data(), path.size(), m));
            EXPECT_EQ(m.rule, 0u) << "\"" << empty << "\" second, path of "
                                  << path.size() << " bytes";
        }
        RegexSet::Match m;
        ASSERT_TRUE(set.match("/other", 6, m));
        EXPECT_EQ(m.rule, 1u) << "the empty match still answers in its place";
    }
}

} // namespace
