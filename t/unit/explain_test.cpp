// Explainer: every matching rule and why it won or lost.  The property
// test checks, over random rule sets, that the winner it names is the
// matcher's answer and that it lists every rule that matches the path.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "explain.hpp"
#include "helpers.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using status_policy::Candidate;
using status_policy::Explainer;
using status_policy::Explanation;
using status_policy::Standing;
using sptest::Ruleset;

namespace {

// rule index -> standing, for compact expectations
std::vector<std::pair<uint32_t, Standing>> standings(const Explanation &e)
{
    std::vector<std::pair<uint32_t, Standing>> out;
    for (const Candidate &c : e.candidates) {
        out.emplace_back(c.rule, c.standing);
    }
    return out;
}

using Expected = std::vector<std::pair<uint32_t, Standing>>;

void add_rules(Ruleset &rs, const std::vector<std::string> &lines,
               bool ignore_case = false)
{
    for (size_t i = 0; i < lines.size(); i++) {
        sptest::must_add(rs, lines[i], "x.rules", static_cast<unsigned>(i + 1));
    }
    sptest::must_compile(rs, ignore_case);
}

TEST(Explain, ExactWinsOverEverything)
{
    Ruleset rs;
    add_rules(rs, {"404 /a", "403 ~ ^/a$", "410 = /a", "451 ^~ /",
                   "418 ~ ^/b"});
    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain("/a");
    EXPECT_EQ(e.winner, 2u);
    EXPECT_EQ(e.longest_prefix, 0u);
    EXPECT_EQ(standings(e), (Expected{{2, Standing::winner},
                                      {0, Standing::exact_wins},
                                      {3, Standing::exact_wins},
                                      {1, Standing::exact_wins}}));
}

TEST(Explain, StopPrefixStopsTheRegexSearch)
{
    Ruleset rs;
    add_rules(rs, {"410 /o", "444 ~ ^/old/.*\\.php$", "410 ^~ /old/",
                   "404 ~* PHP$"});
    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain("/old/x.php");
    EXPECT_EQ(e.winner, 2u);
    EXPECT_EQ(standings(e), (Expected{{2, Standing::winner},
                                      {0, Standing::longer_prefix},
                                      {1, Standing::stopped_by_prefix},
                                      {3, Standing::stopped_by_prefix}}));
}

TEST(Explain, RegexWinsOverTheLongestPrefixWithoutStop)
{
    Ruleset rs;
    add_rules(rs, {"410 ^~ /a/", "410 /a/b/", "444 ~ \\.php$",
                   "403 ~ ^/a/", "404 ~ ^/z"});
    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain("/a/b/x.php");
    EXPECT_EQ(e.winner, 2u);
    EXPECT_EQ(e.longest_prefix, 1u);
    EXPECT_EQ(standings(e), (Expected{{2, Standing::winner},
                                      {1, Standing::regex_wins},
                                      {0, Standing::stop_not_longest},
                                      {3, Standing::earlier_regex}}));
}

TEST(Explain, LongestPrefixWinsWhenNoRegexMatches)
{
    Ruleset rs;
    add_rules(rs, {"410 /a/", "404 /a/b/", "444 ~ \\.php$", "451 /"});
    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain("/a/b/c");
    EXPECT_EQ(e.winner, 1u);
    EXPECT_EQ(standings(e), (Expected{{1, Standing::winner},
                                      {0, Standing::longer_prefix},
                                      {3, Standing::longer_prefix}}));
}

TEST(Explain, NothingMatches)
{
    Ruleset rs;
    add_rules(rs, {"410 /a/", "444 ~ \\.php$", "410 = /b"});
    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain("/b/");
    EXPECT_EQ(e.winner, SP_NO_RULE);
    EXPECT_EQ(e.longest_prefix, SP_NO_RULE);
    EXPECT_TRUE(e.candidates.empty());
}

TEST(Explain, IgnoreCaseFoldsExactAndPrefixRulesOnly)
{
    Ruleset rs;
    add_rules(rs, {"410 = /About", "404 /DOCS/", "403 ~ ^/docs/"}, true);
    Explainer explainer(rs.get(), true);
    EXPECT_EQ(explainer.explain("/aBOUT").winner, 0u);

    Explanation e = explainer.explain("/docs/x");
    EXPECT_EQ(e.winner, 2u);
    EXPECT_EQ(standings(e), (Expected{{2, Standing::winner},
                                      {1, Standing::regex_wins}}));
    EXPECT_EQ(explainer.explain("/Docs/x").winner, 1u);
}

TEST(Explain, RegexesThatRunIntoTheMatchLimitCountAsNoMatch)
{
    Ruleset rs;
    add_rules(rs, {"410 /a", "403 ~ ^/(a+)+$", "404 ~ b$", "451 ~ ^/a"});
    std::string path = "/" + std::string(40, 'a') + "b";

    sptest::Match m = rs.match(path);
    ASSERT_EQ(m.found, 1);
    ASSERT_EQ(m.m.limit_rule, 1u);

    Explainer explainer(rs.get(), false);
    Explanation e = explainer.explain(path);
    EXPECT_EQ(e.winner, m.m.rule);
    EXPECT_EQ(standings(e), (Expected{{2, Standing::winner},
                                      {0, Standing::regex_wins},
                                      {1, Standing::match_limit},
                                      {3, Standing::earlier_regex}}));
}

// Random rule sets over a small alphabet, so that rules overlap often.
class RandomRules {
public:
    explicit RandomRules(uint32_t seed) : rng_(seed) {}

    size_t below(size_t n)
    {
        return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
    }

    std::string literal(size_t max_length)
    {
        static const char chars[] = "abAB/1.";
        std::string s = "/";
        for (size_t n = below(max_length); n > 0; n--) {
            s += chars[below(sizeof(chars) - 1)];
        }
        return s;
    }

    std::string regex()
    {
        switch (below(6)) {
        case 0: return "^" + literal(4);
        case 1: return literal(3) + "$";
        case 2: return "^/[ab]+/?$";
        case 3: return "[0-9.]";
        case 4: return "^" + literal(3) + "(/[ab1]+)?$";
        default: return "(a|B)/";
        }
    }

    std::vector<std::string> rules(bool ignore_case)
    {
        static const char *modifiers[] = {"= ", "", "^~ ", "~ ", "~* "};
        std::vector<std::string> out;
        std::set<std::string> literals;     // no duplicates, as compile wants
        for (size_t n = 1 + below(16); n > 0; n--) {
            size_t kind = below(5);
            std::string pattern = kind >= 3 ? regex() : literal(6);
            if (kind < 3) {
                std::string key = (kind == 0 ? "=" : "") + pattern;
                if (ignore_case) {
                    std::transform(key.begin(), key.end(), key.begin(),
                                   [](unsigned char c) { return std::tolower(c); });
                }
                if (!literals.insert(key).second) {
                    continue;
                }
            }
            static const char *codes[] = {"403 ", "404 ", "410 ", "444 ",
                                          "451 "};
            out.push_back(codes[below(5)] + std::string(modifiers[kind])
                          + pattern);
        }
        return out;
    }

    std::string path() { return literal(9); }

private:
    std::mt19937 rng_;
};

// Whether a rule matches a path on its own, ignoring precedence.
bool matches_alone(const sptest::RuleInfo &rule, const std::string &path,
                   bool ignore_case)
{
    auto same = [&](size_t len) {
        for (size_t i = 0; i < len; i++) {
            char a = rule.pattern[i], b = path[i];
            if (ignore_case) {
                a = static_cast<char>(std::tolower(static_cast<unsigned char>(a)));
                b = static_cast<char>(std::tolower(static_cast<unsigned char>(b)));
            }
            if (a != b) {
                return false;
            }
        }
        return true;
    };
    switch (rule.kind) {
    case SP_KIND_EXACT:
        return path.size() == rule.pattern.size() && same(path.size());
    case SP_KIND_PREFIX:
    case SP_KIND_PREFIX_STOP:
        return path.size() >= rule.pattern.size() && same(rule.pattern.size());
    default: {
        int error;
        PCRE2_SIZE offset;
        pcre2_code *re = pcre2_compile(
            reinterpret_cast<PCRE2_SPTR>(rule.pattern.data()),
            rule.pattern.size(),
            rule.kind == SP_KIND_REGEX_CASELESS ? PCRE2_CASELESS : 0, &error,
            &offset, nullptr);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, nullptr);
        int rc = pcre2_match(re, reinterpret_cast<PCRE2_SPTR>(path.data()),
                             path.size(), 0, 0, md, nullptr);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        return rc > 0;
    }
    }
}

TEST(ExplainProperty, WinnerIsTheMatchersAndEveryMatchingRuleIsListed)
{
    RandomRules random(20261122u);
    int checked = 0, with_winner = 0, with_losers = 0;

    for (int set = 0; set < 600; set++) {
        bool ignore_case = set % 2 == 1;
        std::vector<std::string> lines = random.rules(ignore_case);
        Ruleset rs;
        add_rules(rs, lines, ignore_case);
        if (::testing::Test::HasFailure()) {
            return;
        }
        Explainer explainer(rs.get(), ignore_case);

        std::vector<sptest::RuleInfo> infos(rs.count());
        for (uint32_t i = 0; i < infos.size(); i++) {
            ASSERT_TRUE(rs.info(i, infos[i]));
        }

        for (int p = 0; p < 40; p++) {
            std::string path = random.path();
            if (p % 3 == 0) {
                // a path near a rule's pattern matches something more often
                const auto &rule = infos[random.below(infos.size())];
                if (rule.kind != SP_KIND_REGEX
                    && rule.kind != SP_KIND_REGEX_CASELESS) {
                    path = rule.pattern + path.substr(1, random.below(4));
                }
            }
            sptest::Match m = rs.match(path);
            Explanation e = explainer.explain(path);

            std::string context = "path \"" + path + "\", ignore_case "
                                  + (ignore_case ? "on" : "off") + ", rules:";
            for (const std::string &l : lines) {
                context += "\n  " + l;
            }

            ASSERT_EQ(e.winner, m.found == 1 ? m.m.rule : SP_NO_RULE)
                << context;
            ASSERT_EQ(m.m.limit_rule, SP_NO_RULE) << context;

            std::set<uint32_t> listed;
            for (size_t i = 0; i < e.candidates.size(); i++) {
                const Candidate &c = e.candidates[i];
                ASSERT_TRUE(listed.insert(c.rule).second) << context;
                ASSERT_EQ(c.standing == Standing::winner, i == 0
                          && e.winner != SP_NO_RULE) << context;
                ASSERT_EQ(c.kind, infos[c.rule].kind) << context;
            }
            for (uint32_t r = 0; r < infos.size(); r++) {
                ASSERT_EQ(matches_alone(infos[r], path, ignore_case),
                          listed.count(r) == 1)
                    << "rule " << r + 1 << ", " << context;
            }

            checked++;
            with_winner += e.winner != SP_NO_RULE;
            with_losers += e.candidates.size() > 1;
        }
    }
    // the generator must reach the interesting cases
    EXPECT_GT(with_winner, checked / 3);
    EXPECT_GT(with_losers, checked / 10);
}

} // namespace
