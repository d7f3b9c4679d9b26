// sp_ruleset_match: nginx's location precedence, ignore_case, what the
// match reports (kind, code, prefix length, captures), and regexes that
// run into PCRE2's limits.

#include "helpers.hpp"

#include <chrono>
#include <string>

using sptest::Match;
using sptest::Ruleset;

namespace {

TEST(Precedence, ExactWinsOverEverything)
{
    Ruleset rs;
    sptest::must_add(rs, "404 /a");
    sptest::must_add(rs, "403 ~ ^/a$");
    sptest::must_add(rs, "410 = /a");
    sptest::must_add(rs, "451 ^~ /");
    sptest::must_compile(rs);

    Match r = rs.match("/a");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 2u);
    EXPECT_EQ(r.code, 410);
    EXPECT_EQ(r.kind, SP_KIND_EXACT);
    EXPECT_EQ(r.m.limit_rule, SP_NO_RULE);
}

TEST(Precedence, ExactDoesNotMatchLongerOrShorterPaths)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /about");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/about").found, 1);
    for (const char *p : {"/about/", "/abou", "/aboutx", "/", "", "//about",
                          "/About"}) {
        Match r = rs.match(p);
        EXPECT_EQ(r.found, 0) << p;
        EXPECT_EQ(r.m.rule, SP_NO_RULE) << p;
    }
}

TEST(Precedence, LongestPrefixWins)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /a");
    sptest::must_add(rs, "404 /a/b/c");
    sptest::must_add(rs, "451 /a/b");
    sptest::must_add(rs, "403 /");
    sptest::must_compile(rs);

    struct {
        const char *path;
        uint32_t rule;
        size_t len;
    } cases[] = {
        {"/a/b/c/d", 1, 6}, {"/a/b/c", 1, 6}, {"/a/b/x", 2, 4},
        {"/a/b", 2, 4},     {"/a/bc", 2, 4},  {"/a", 0, 2},
        {"/ab", 0, 2},      {"/x", 3, 1},     {"/", 3, 1},
    };
    for (const auto &c : cases) {
        Match r = rs.match(c.path);
        ASSERT_EQ(r.found, 1) << c.path;
        EXPECT_EQ(r.m.rule, c.rule) << c.path;
        EXPECT_EQ(r.kind, SP_KIND_PREFIX) << c.path;
        EXPECT_EQ(r.m.prefix_len, c.len) << c.path;
    }
}

TEST(Precedence, PrefixIsABytePrefix)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /old");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/old").found, 1);
    EXPECT_EQ(rs.match("/older").found, 1);
    EXPECT_EQ(rs.match("/old/x").found, 1);
    EXPECT_EQ(rs.match("/ol").found, 0);
    EXPECT_EQ(rs.match("/Old").found, 0);
    EXPECT_EQ(rs.match("/x/old").found, 0);
}

TEST(Precedence, RegexBeatsAPlainPrefix)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /a/");
    sptest::must_add(rs, "404 ~ ^/a/b");
    sptest::must_compile(rs);

    Match r = rs.match("/a/b/c");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 1u);
    EXPECT_EQ(r.kind, SP_KIND_REGEX);
    EXPECT_EQ(r.code, 404);

    r = rs.match("/a/c");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 0u);
    EXPECT_EQ(r.kind, SP_KIND_PREFIX);
}

TEST(Precedence, StopPrefixThatIsLongestSkipsRegexes)
{
    Ruleset rs;
    sptest::must_add(rs, "404 ^~ /img/");
    sptest::must_add(rs, "410 ~ \\.png$");
    sptest::must_compile(rs);

    Match r = rs.match("/img/x.png");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 0u);
    EXPECT_EQ(r.kind, SP_KIND_PREFIX_STOP);
    EXPECT_EQ(r.m.prefix_len, 5u);

    r = rs.match("/other/x.png");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 1u);
}

TEST(Precedence, StopPrefixThatIsNotLongestDoesNotStopRegexes)
{
    Ruleset rs;
    sptest::must_add(rs, "404 ^~ /img/");
    sptest::must_add(rs, "403 /img/big/");
    sptest::must_add(rs, "410 ~ \\.png$");
    sptest::must_compile(rs);

    // The longest prefix is the plain /img/big/: regexes are tried.
    Match r = rs.match("/img/big/x.png");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 2u);

    // No regex matches: the longest prefix, not the ^~ one.
    r = rs.match("/img/big/x.gif");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 1u);
    EXPECT_EQ(r.m.prefix_len, 9u);

    r = rs.match("/img/small/x.png");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 0u);
}

TEST(Precedence, LongerStopPrefixBeatsShorterPlainPrefix)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /a/");
    sptest::must_add(rs, "404 ^~ /a/b/");
    sptest::must_add(rs, "451 ~ /a/b/c");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/a/b/c").m.rule, 1u);
    EXPECT_EQ(rs.match("/a/x/a/b/c").m.rule, 2u);
}

TEST(Precedence, RegexesInTheOrderGivenFirstMatchWins)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/a");
    sptest::must_add(rs, "404 ~ ^/a/b/c/d");
    sptest::must_add(rs, "451 ~* ^/A/B");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/a/b/c/d").m.rule, 0u);
    EXPECT_EQ(rs.match("/A/b").m.rule, 2u);

    Ruleset rs2;
    sptest::must_add(rs2, "404 ~ ^/a/b/c/d");
    sptest::must_add(rs2, "451 ~* ^/A/B");
    sptest::must_add(rs2, "410 ~ ^/a");
    sptest::must_compile(rs2);
    EXPECT_EQ(rs2.match("/a/b/c/d").m.rule, 0u);
    EXPECT_EQ(rs2.match("/a/b/c").m.rule, 1u);
    EXPECT_EQ(rs2.match("/a/c").m.rule, 2u);
}

TEST(Precedence, ExactWinsEvenWhenAStopPrefixIsLonger)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /a/b");
    sptest::must_add(rs, "404 ^~ /a/b");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/a/b").m.rule, 0u);
    EXPECT_EQ(rs.match("/a/bb").m.rule, 1u);
}

TEST(Precedence, NothingMatches)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /a");
    sptest::must_add(rs, "410 /b/");
    sptest::must_add(rs, "410 ~ ^/c$");
    sptest::must_compile(rs);
    for (const char *p : {"/", "/b", "/c/", "/aa", "/d"}) {
        Match r = rs.match(p);
        EXPECT_EQ(r.found, 0) << p;
        EXPECT_EQ(r.m.rule, SP_NO_RULE) << p;
        EXPECT_EQ(r.m.limit_rule, SP_NO_RULE) << p;
    }
}

TEST(Precedence, RegexIsNotAnchoredUnlessItSaysSo)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ \\.php");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/x.php").found, 1);
    EXPECT_EQ(rs.match("/x.php/y").found, 1);
    EXPECT_EQ(rs.match("/a/b.phpx").found, 1);
    EXPECT_EQ(rs.match("/x.PHP").found, 0);
}

TEST(Precedence, PathIsTakenByLength)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /a");
    sptest::must_add(rs, "404 ~ ^/b$");
    sptest::must_compile(rs);

    const char buf[] = "/abcdef";
    sp_match_t m;
    EXPECT_EQ(sp_ruleset_match(rs.get(), buf, 2, &m), 1);
    EXPECT_EQ(m.rule, 0u);
    EXPECT_EQ(sp_ruleset_match(rs.get(), buf, 3, &m), 0);

    const char buf2[] = "/bXYZ";
    EXPECT_EQ(sp_ruleset_match(rs.get(), buf2, 2, &m), 1);
    EXPECT_EQ(m.rule, 1u);

    // An embedded NUL is an ordinary byte.
    std::string nul("/a\0b", 4);
    EXPECT_EQ(rs.match(nul).found, 0);
}

// ----------------------------------------------------------- ignore_case

TEST(IgnoreCase, ExactRulesFoldAsciiCase)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /About-Us.html");
    sptest::must_compile(rs, true);
    for (const char *p : {"/About-Us.html", "/about-us.html", "/ABOUT-US.HTML",
                          "/aBoUt-uS.HtMl"}) {
        Match r = rs.match(p);
        EXPECT_EQ(r.found, 1) << p;
        EXPECT_EQ(r.kind, SP_KIND_EXACT) << p;
    }
    EXPECT_EQ(rs.match("/about-us.htm").found, 0);
}

TEST(IgnoreCase, ExactRulesAreCaseSensitiveWithoutIt)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /About");
    sptest::must_compile(rs, false);
    EXPECT_EQ(rs.match("/About").found, 1);
    EXPECT_EQ(rs.match("/about").found, 0);
    EXPECT_EQ(rs.match("/ABOUT").found, 0);
}

TEST(IgnoreCase, PrefixRulesFoldAsciiCase)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /Old/");
    sptest::must_add(rs, "404 ^~ /IMG/");
    sptest::must_compile(rs, true);

    Match r = rs.match("/OLD/x");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 0u);
    EXPECT_EQ(r.m.prefix_len, 5u);
    EXPECT_EQ(rs.match("/old/X").m.rule, 0u);
    EXPECT_EQ(rs.match("/img/a.png").m.rule, 1u);

    Ruleset cs;
    sptest::must_add(cs, "410 /Old/");
    sptest::must_compile(cs, false);
    EXPECT_EQ(cs.match("/Old/x").found, 1);
    EXPECT_EQ(cs.match("/old/x").found, 0);
}

TEST(IgnoreCase, LongestPrefixAcrossCases)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /A");
    sptest::must_add(rs, "404 /a/b");
    sptest::must_add(rs, "451 /A/B/C/");
    sptest::must_compile(rs, true);
    EXPECT_EQ(rs.match("/a/B/c/d").m.rule, 2u);
    EXPECT_EQ(rs.match("/A/B/c").m.rule, 1u);
    EXPECT_EQ(rs.match("/a").m.rule, 0u);
}

TEST(IgnoreCase, DoesNotApplyToRegexes)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/abc$");
    sptest::must_add(rs, "404 ~* ^/xyz$");
    sptest::must_compile(rs, true);
    EXPECT_EQ(rs.match("/abc").found, 1);
    EXPECT_EQ(rs.match("/ABC").found, 0);
    EXPECT_EQ(rs.match("/XyZ").m.rule, 1u);

    Ruleset cs;
    sptest::must_add(cs, "410 ~ ^/abc$");
    sptest::must_add(cs, "404 ~* ^/xyz$");
    sptest::must_compile(cs, false);
    EXPECT_EQ(cs.match("/ABC").found, 0);
    EXPECT_EQ(cs.match("/XYZ").m.rule, 1u);
    EXPECT_EQ(cs.match("/xyz").kind, SP_KIND_REGEX_CASELESS);
}

TEST(IgnoreCase, NonLettersAreNotFolded)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /@x");
    sptest::must_add(rs, "410 /[p/");
    sptest::must_add(rs, "410 = /\xC3\xA9t\xC3\xA9");
    sptest::must_compile(rs, true);
    EXPECT_EQ(rs.match("/@X").found, 1);
    EXPECT_EQ(rs.match("/`x").found, 0);
    EXPECT_EQ(rs.match("/[P/q").found, 1);
    EXPECT_EQ(rs.match("/{p/q").found, 0);
    EXPECT_EQ(rs.match("/\xC3\xA9T\xC3\xA9").found, 1);
    EXPECT_EQ(rs.match("/\xC3\x89t\xC3\x89").found, 0);
}

// --------------------------------------------------------------- captures

TEST(Captures, OffsetsOfWholeMatchAndGroups)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/u/(\\d+)/(\\w+)$ /user/$1/$2");
    sptest::must_compile(rs);

    Match r = rs.match("/u/42/bob");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.kind, SP_KIND_REGEX);
    EXPECT_EQ(r.code, 301);
    EXPECT_EQ(r.m.ncaptures, 3);
    EXPECT_EQ(r.m.captures[0], 0);
    EXPECT_EQ(r.m.captures[1], 9);
    EXPECT_EQ(r.m.captures[2], 3);
    EXPECT_EQ(r.m.captures[3], 5);
    EXPECT_EQ(r.m.captures[4], 6);
    EXPECT_EQ(r.m.captures[5], 9);
    for (int i = 3; i < 10; i++) {
        EXPECT_EQ(r.m.captures[2 * i], -1) << i;
        EXPECT_EQ(r.m.captures[2 * i + 1], -1) << i;
    }
}

TEST(Captures, UnanchoredMatchOffsets)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~* (B+)\\.php");
    sptest::must_compile(rs);
    Match r = rs.match("/aa/xbbB.PHP/z");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.kind, SP_KIND_REGEX_CASELESS);
    EXPECT_GE(r.m.ncaptures, 2);
    EXPECT_EQ(r.m.captures[0], 5);
    EXPECT_EQ(r.m.captures[1], 12);
    EXPECT_EQ(r.m.captures[2], 5);
    EXPECT_EQ(r.m.captures[3], 8);
}

TEST(Captures, UnsetGroupsAreMinusOne)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/p(/a)?/(b)(c)?$");
    sptest::must_compile(rs);
    Match r = rs.match("/p/b");
    ASSERT_EQ(r.found, 1);
    EXPECT_GE(r.m.ncaptures, 3);
    EXPECT_LE(r.m.ncaptures, 10);
    EXPECT_EQ(r.m.captures[0], 0);
    EXPECT_EQ(r.m.captures[1], 4);
    EXPECT_EQ(r.m.captures[2], -1);
    EXPECT_EQ(r.m.captures[3], -1);
    EXPECT_EQ(r.m.captures[4], 3);
    EXPECT_EQ(r.m.captures[5], 4);
    EXPECT_EQ(r.m.captures[6], -1);
    EXPECT_EQ(r.m.captures[7], -1);
}

TEST(Captures, PrefixMatchReportsPrefixLength)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /docs/v1/ /docs/v2/");
    sptest::must_add(rs, "410 ^~ /gone");
    sptest::must_compile(rs);
    Match r = rs.match("/docs/v1/a/b");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.prefix_len, 9u);
    r = rs.match("/gone-too");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.prefix_len, 5u);
}

// ------------------------------------------------------- PCRE2 limits

const char redos_rule[] = "410 ~ ^/(a+)+$";

std::string redos_path()
{
    return "/" + std::string(30, 'a') + "!";
}

template <typename Fn>
double seconds(Fn &&fn)
{
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(t1 - t0).count();
}

TEST(MatchLimit, CatastrophicRegexIsNoMatchAndReported)
{
    Ruleset rs;
    sptest::must_add(rs, redos_rule);
    sptest::must_compile(rs);

    std::string path = redos_path();
    Match r;
    double t = seconds([&] { r = rs.match(path); });
    EXPECT_LT(t, 1.0) << "the match took " << t << " s";
    EXPECT_EQ(r.found, 0);
    EXPECT_EQ(r.m.rule, SP_NO_RULE);
    EXPECT_EQ(r.m.limit_rule, 0u);

    // The same regex still matches what it should.
    r = rs.match("/aaaa");
    EXPECT_EQ(r.found, 1);
    EXPECT_EQ(r.m.limit_rule, SP_NO_RULE);
}

TEST(MatchLimit, RepeatedPathologicalMatchesStayFast)
{
    Ruleset rs;
    sptest::must_add(rs, redos_rule);
    sptest::must_add(rs, "410 ~* ^/(x+x+)+$");
    sptest::must_compile(rs);
    std::string p1 = redos_path();
    std::string p2 = "/" + std::string(40, 'X') + "!";
    double t = seconds([&] {
        for (int i = 0; i < 20; i++) {
            Match r = rs.match(i % 2 ? p1 : p2);
            EXPECT_EQ(r.found, 0);
            EXPECT_EQ(r.m.limit_rule, i % 2 ? 0u : 1u);
        }
    });
    EXPECT_LT(t, 1.0) << "20 matches took " << t << " s";
}

TEST(MatchLimit, LaterRegexesAreStillTried)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/x/");
    sptest::must_add(rs, redos_rule);
    sptest::must_add(rs, "404 ~ !$");
    sptest::must_compile(rs);

    std::string path = redos_path();
    Match r;
    double t = seconds([&] { r = rs.match(path); });
    EXPECT_LT(t, 1.0);
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 2u);
    EXPECT_EQ(r.code, 404);
    EXPECT_EQ(r.m.limit_rule, 1u);
}

TEST(MatchLimit, FallsBackToThePrefix)
{
    Ruleset rs;
    sptest::must_add(rs, "451 /");
    sptest::must_add(rs, redos_rule);
    sptest::must_compile(rs);
    Match r = rs.match(redos_path());
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 0u);
    EXPECT_EQ(r.kind, SP_KIND_PREFIX);
    EXPECT_EQ(r.m.limit_rule, 1u);
}

TEST(MatchLimit, FirstLimitedRuleIsReported)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/b");
    sptest::must_add(rs, redos_rule);
    sptest::must_add(rs, "404 ~ ^/(a|aa)+$");
    sptest::must_add(rs, "403 ~ ^/(a+)+$");
    sptest::must_compile(rs);
    Match r = rs.match(redos_path());
    EXPECT_EQ(r.found, 0);
    EXPECT_EQ(r.m.limit_rule, 1u);
}

TEST(MatchLimit, NextMatchStartsClean)
{
    Ruleset rs;
    sptest::must_add(rs, redos_rule);
    sptest::must_add(rs, "404 ~ ^/ok$");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match(redos_path()).m.limit_rule, 0u);
    Match r = rs.match("/ok");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 1u);
    EXPECT_EQ(r.m.limit_rule, SP_NO_RULE);
    r = rs.match("/nothing");
    EXPECT_EQ(r.found, 0);
    EXPECT_EQ(r.m.limit_rule, SP_NO_RULE);
}

TEST(MatchLimit, StopPrefixSkipsTheRegex)
{
    Ruleset rs;
    sptest::must_add(rs, "404 ^~ /aaa");
    sptest::must_add(rs, redos_rule);
    sptest::must_compile(rs);
    double t = seconds([&] {
        Match r = rs.match(redos_path());
        ASSERT_EQ(r.found, 1);
        EXPECT_EQ(r.m.rule, 0u);
    });
    EXPECT_LT(t, 1.0);
}

// A compiled set answers the same way however often it is asked.
TEST(MatchRepeat, SameAnswerEveryTime)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /a/");
    sptest::must_add(rs, "404 ~ ^/a/(\\d+)$");
    sptest::must_add(rs, "451 = /a/1");
    sptest::must_compile(rs);
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(rs.match("/a/1").m.rule, 2u);
        ASSERT_EQ(rs.match("/a/22").m.rule, 1u);
        ASSERT_EQ(rs.match("/a/x").m.rule, 0u);
    }
}

} // namespace
