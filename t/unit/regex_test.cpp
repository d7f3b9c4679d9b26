// Regex rules of many shapes, checked against PCRE2 itself: whatever the
// core does to pick candidate regexes quickly, the outcome must be that of
// trying every regex in order.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "helpers.hpp"

#include <string>
#include <vector>

using sptest::Match;
using sptest::Ruleset;

namespace {

struct RegexCase {
    const char *mod;
    const char *regex;
    const char *path;
    bool matches;
};

// The expected outcome is also checked against PCRE2 below, so that a
// mistake in this table cannot pass silently.
const RegexCase cases[] = {
    {"~", "^/abc", "/abc/d", true},
    {"~", "^/abc", "/ab", false},
    {"~", "^/abc", "/ABC", false},
    {"~*", "^/abc", "/ABC/d", true},
    {"~*", "^/AbC", "/aBc", true},
    {"~*", "^/a1-b", "/A1-B", true},
    {"~", "^/a|^/b", "/b", true},
    {"~", "^/a|b", "/zzb", true},
    {"~", "^/x(a|b)", "/xb", true},
    {"~", "^/a?b", "/b", true},
    {"~", "^/ab?c", "/ac", true},
    {"~", "^/ab*c", "/ac", true},
    {"~", "^/ab{0}c", "/ac", true},
    {"~", "^/ab{0,2}c", "/ac", true},
    {"~", "^/a*", "/", true},
    {"~", "^/(abc)?x", "/x", true},
    {"~", "^/(?:ab)+c", "/ababc", true},
    {"~", "^(/a)", "/a", true},
    {"~", "^/[a]bc", "/abc", true},
    {"~", "^/[^x]bc", "/abc", true},
    {"~", "^/a.c", "/a-c", true},
    {"~", "^/a\\.c", "/a-c", false},
    {"~", "^/a\\.c", "/a.c", true},
    {"~", "^\\/abc", "/abc", true},
    {"~", "^/a\\x62c", "/abc", true},
    {"~", "^/a\\Qb.c\\E", "/ab.c", true},
    {"~", "^/a\\Qb.c\\E", "/abxc", false},
    {"~", "(?i)^/abc", "/ABC", true},
    {"~", "^/a(?i)bc", "/aBC", true},
    {"~", "^/a(?i)bc", "/ABC", false},
    {"~*", "^/a(?-i)bc", "/Abc", true},
    {"~*", "^/a(?-i)bc", "/aBc", false},
    {"~", "(?x)^/a b", "/ab", true},
    {"~", "^/a(?#note)b", "/ab", true},
    {"~", "(?m)^/b", "/a\n/b", true},
    {"~", "^/b", "/a\n/b", false},
    {"~", "\\A/abc", "/abc", true},
    {"~", "^/ab(?=c)", "/abc", true},
    {"~", "^/ab(?!c)", "/abc", false},
    {"~", "^/\\d+$", "/123", true},
    {"~", "^/a\\\\b", "/a\\b", true},
    {"~", "^/a\\ b", "/a b", true},
    {"~", "^/a\\+", "/a+", true},
    {"~", "^/a\\+", "/aa", false},
    {"~", "^/a$", "/a", true},
    {"~", "^/a$", "/a/", false},
    {"~", "^/$", "/", true},
    {"~", "^$", "", true},
    {"~", "^/a[]]b", "/a]b", true},
    {"~", "^/a[]|]b", "/a|b", true},
    {"~", "^/(?<name>x)y", "/xy", true},
    {"~", "^/(a)\\1", "/aa", true},
    {"~", "b$", "/a/b", true},
    {"~", "\\.php$", "/x.php", true},
    {"~*", "\\.PHP$", "/x.php", true},
    {"~", "^/caf\xC3\xA9", "/caf\xC3\xA9/x", true},
    {"~*", "^/CAF\xC3\xA9", "/caf\xC3\xA9", true},
    {"~", "^/a{,3}", "/a{,3}", true},
    {"~", "^/a\\z", "/a", true},
    {"~", "^/a\\Z", "/a", true},
    {"~", "^/(*ACCEPT)", "/x", true},
};

bool pcre2_says(const RegexCase &c)
{
    int err = 0;
    PCRE2_SIZE off = 0;
    std::string re = c.regex;
    pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()),
                                     re.size(),
                                     std::string(c.mod) == "~*" ? PCRE2_CASELESS : 0,
                                     &err, &off, nullptr);
    EXPECT_NE(code, nullptr) << "PCRE2 rejects " << re;
    if (code == nullptr) {
        return false;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, nullptr);
    std::string path = c.path;
    int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(path.data()),
                         path.size(), 0, 0, md, nullptr);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return rc > 0;
}

TEST(RegexShapes, TableAgreesWithPcre2)
{
    for (const RegexCase &c : cases) {
        EXPECT_EQ(pcre2_says(c), c.matches) << c.mod << " " << c.regex
                                            << " on \"" << c.path << "\"";
    }
}

TEST(RegexShapes, AloneInASet)
{
    for (const RegexCase &c : cases) {
        Ruleset rs;
        sptest::must_add_tokens(rs, {"410", c.mod, c.regex});
        sptest::must_compile(rs);
        Match r = rs.match(c.path);
        EXPECT_EQ(r.found, c.matches ? 1 : 0)
            << c.mod << " " << c.regex << " on \"" << c.path << "\"";
    }
}

// Among many regexes with distinct literal prefixes, before and after it,
// each case must still be found, and must win over later regexes that
// also match.
TEST(RegexShapes, AmongManyOtherRegexes)
{
    for (const RegexCase &c : cases) {
        Ruleset rs;
        for (int i = 0; i < 60; i++) {
            sptest::must_add_tokens(rs, {"404", i % 2 ? "~" : "~*",
                                         "^/filler" + std::to_string(i) + "/x"});
        }
        sptest::must_add_tokens(rs, {"410", c.mod, c.regex});
        for (int i = 60; i < 120; i++) {
            sptest::must_add_tokens(rs, {"404", i % 2 ? "~" : "~*",
                                         "^/filler" + std::to_string(i) + "/x"});
        }
        sptest::must_add_tokens(rs, {"451", "~", "^"});   // matches everything
        sptest::must_compile(rs);

        Match r = rs.match(c.path);
        ASSERT_EQ(r.found, 1) << c.regex;
        EXPECT_EQ(r.m.rule, c.matches ? 60u : 121u)
            << c.mod << " " << c.regex << " on \"" << c.path << "\"";
    }
}

TEST(RegexShapes, OrderIsKeptAcrossPrefixGroups)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/a/b/c");       // 0
    sptest::must_add(rs, "404 ~ c$");            // 1: no literal prefix
    sptest::must_add(rs, "451 ~ ^/a/");          // 2
    sptest::must_add(rs, "403 ~* ^/A/B/");       // 3
    sptest::must_add(rs, "400 ~ ^/a/b/c/d");     // 4
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/a/b/c/d").m.rule, 0u);
    EXPECT_EQ(rs.match("/a/x/c").m.rule, 1u);
    EXPECT_EQ(rs.match("/a/x").m.rule, 2u);
    EXPECT_EQ(rs.match("/A/B/x").m.rule, 3u);
    EXPECT_EQ(rs.match("/a/b/x").m.rule, 2u);
    EXPECT_EQ(rs.match("/b").found, 0);
}

TEST(RegexShapes, ManyRegexesSharingPrefixes)
{
    // 500 regexes with overlapping literal prefixes; the first in order
    // that matches must be reported, as a plain loop finds it.
    Ruleset rs;
    std::vector<std::string> res;
    for (int i = 1; i <= 500; i++) {
        std::string re = "^/s";
        for (int d = i; d > 0; d /= 3) {
            re += static_cast<char>('a' + d % 3);
        }
        re += (i % 4 == 0) ? "" : (i % 4 == 1) ? "$" : (i % 4 == 2) ? "[0-9]" : "/";
        res.push_back(re);
        sptest::must_add_tokens(rs, {"410", i % 3 ? "~" : "~*", re});
    }
    sptest::must_compile(rs);

    std::vector<pcre2_code *> codes;
    for (size_t i = 0; i < res.size(); i++) {
        int err = 0;
        PCRE2_SIZE off = 0;
        codes.push_back(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(res[i].data()),
                                      res[i].size(), (i + 1) % 3 ? 0 : PCRE2_CASELESS,
                                      &err, &off, nullptr));
        ASSERT_NE(codes.back(), nullptr);
    }
    pcre2_match_data *md = pcre2_match_data_create(4, nullptr);

    const char *suffixes[] = {"", "/", "7", "x", "a", "Ab", "cba/"};
    int checked = 0;
    for (int i = 1; i <= 500; i += 3) {
        for (const char *suf : suffixes) {
            std::string path = "/s";
            for (int d = i; d > 0; d /= 3) {
                path += static_cast<char>((i % 2 ? 'A' : 'a') + d % 3);
            }
            path += suf;
            uint32_t want = SP_NO_RULE;
            for (uint32_t k = 0; k < codes.size(); k++) {
                if (pcre2_match(codes[k], reinterpret_cast<PCRE2_SPTR>(path.data()),
                                path.size(), 0, 0, md, nullptr) > 0) {
                    want = k;
                    break;
                }
            }
            Match r = rs.match(path);
            EXPECT_EQ(r.found, want == SP_NO_RULE ? 0 : 1) << path;
            EXPECT_EQ(r.m.rule, want) << path;
            checked++;
        }
    }
    pcre2_match_data_free(md);
    for (pcre2_code *c : codes) {
        pcre2_code_free(c);
    }
    EXPECT_GT(checked, 1000);
}

} // namespace
