// sp_ruleset_compile: duplicate detection (with and without ignore_case)
// and what counts as the same rule.

#include "helpers.hpp"

#include <string>

using sptest::Result;
using sptest::Ruleset;

namespace {

TEST(Compile, EmptySetCompilesAndMatchesNothing)
{
    Ruleset rs;
    sptest::must_compile(rs);
    EXPECT_EQ(rs.count(), 0u);
    sptest::Match r = rs.match("/");
    EXPECT_EQ(r.found, 0);
    EXPECT_EQ(r.m.rule, SP_NO_RULE);
    EXPECT_EQ(r.m.limit_rule, SP_NO_RULE);
}

TEST(Compile, DuplicateExactRule)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /x", "a.conf", 3);
    sptest::must_add(rs, "410 = /y", "a.conf", 4);
    sptest::must_add(rs, "404 = /x", "b.conf", 7);
    Result r = rs.compile(false);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "duplicate rule \"/x\" at b.conf:7, first at a.conf:3");
}

TEST(Compile, DuplicatePrefixRule)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /old/", "/etc/nginx/nginx.conf", 12);
    sptest::must_add(rs, "301 /old/ /new/", "/etc/nginx/nginx.conf", 40);
    Result r = rs.compile(false);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "duplicate rule \"/old/\" at /etc/nginx/nginx.conf:40, "
                     "first at /etc/nginx/nginx.conf:12");
}

TEST(Compile, DuplicateStopPrefixRule)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ^~ /s/", "t", 1);
    sptest::must_add(rs, "404 ^~ /s/", "t", 2);
    Result r = rs.compile(false);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "duplicate rule \"/s/\" at t:2, first at t:1");
}

TEST(Compile, PlainAndStopPrefixWithTheSameTextAreDuplicates)
{
    {
        Ruleset rs;
        sptest::must_add(rs, "410 /p/", "t", 1);
        sptest::must_add(rs, "404 ^~ /p/", "t", 2);
        Result r = rs.compile(false);
        EXPECT_EQ(r.rc, SP_ERROR);
        EXPECT_EQ(r.err, "duplicate rule \"/p/\" at t:2, first at t:1");
    }
    {
        Ruleset rs;
        sptest::must_add(rs, "404 ^~ /p/", "t", 5);
        sptest::must_add(rs, "410 /p/", "u", 6);
        Result r = rs.compile(false);
        EXPECT_EQ(r.rc, SP_ERROR);
        EXPECT_EQ(r.err, "duplicate rule \"/p/\" at u:6, first at t:5");
    }
}

TEST(Compile, ExactAndPrefixWithTheSameTextAreNotDuplicates)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /x", "t", 1);
    sptest::must_add(rs, "404 /x", "t", 2);
    sptest::must_add(rs, "410 = /y", "t", 3);
    sptest::must_add(rs, "451 ^~ /y", "t", 4);
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/x").m.rule, 0u);
    EXPECT_EQ(rs.match("/xz").m.rule, 1u);
    EXPECT_EQ(rs.match("/y").m.rule, 2u);
    EXPECT_EQ(rs.match("/y/").m.rule, 3u);
}

TEST(Compile, DuplicateRegexesAreAllowed)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ ^/r", "t", 1);
    sptest::must_add(rs, "404 ~ ^/r", "t", 2);
    sptest::must_add(rs, "451 ~* ^/r", "t", 3);
    sptest::must_add(rs, "403 ~* ^/r", "t", 4);
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/r").m.rule, 0u);
    EXPECT_EQ(rs.match("/R").m.rule, 2u);
}

TEST(Compile, RegexTextEqualToAPrefixIsNotADuplicate)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /r", "t", 1);
    sptest::must_add(rs, "404 ~ /r", "t", 2);
    sptest::must_add(rs, "451 = /r", "t", 3);
    sptest::must_compile(rs);
}

TEST(Compile, CaseDiffersWithoutIgnoreCaseIsNotADuplicate)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /A", "t", 1);
    sptest::must_add(rs, "404 = /a", "t", 2);
    sptest::must_add(rs, "410 /P/", "t", 3);
    sptest::must_add(rs, "404 /p/", "t", 4);
    sptest::must_compile(rs, false);
    EXPECT_EQ(rs.match("/A").m.rule, 0u);
    EXPECT_EQ(rs.match("/a").m.rule, 1u);
    EXPECT_EQ(rs.match("/P/x").m.rule, 2u);
    EXPECT_EQ(rs.match("/p/x").m.rule, 3u);
}

TEST(Compile, IgnoreCaseMakesExactRulesDuplicates)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /A", "t", 1);
    sptest::must_add(rs, "404 = /a", "t", 2);
    Result r = rs.compile(true);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::starts_with(r.err, "duplicate rule \"")) << r.err;
    EXPECT_TRUE(sptest::contains(r.err, "\" at t:2, first at t:1")) << r.err;
}

TEST(Compile, IgnoreCaseMakesPrefixRulesDuplicates)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /Old/Blog/", "x.rules", 10);
    sptest::must_add(rs, "404 ^~ /OLD/blog/", "x.rules", 20);
    Result r = rs.compile(true);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::starts_with(r.err, "duplicate rule \"")) << r.err;
    EXPECT_TRUE(sptest::contains(r.err, "\" at x.rules:20, first at x.rules:10"))
        << r.err;
}

TEST(Compile, IgnoreCaseFoldsOnlyAsciiLetters)
{
    Ruleset rs;
    // '@' (0x40) and '`' (0x60), '[' and '{' differ by 0x20 but are not
    // letters; the two-byte UTF-8 'É' and 'é' are not ASCII.
    sptest::must_add(rs, "410 = /@", "t", 1);
    sptest::must_add(rs, "410 = /`", "t", 2);
    sptest::must_add(rs, "410 /[", "t", 3);
    sptest::must_add(rs, "410 /{", "t", 4);
    sptest::must_add(rs, "410 = /\xC3\x89", "t", 5);
    sptest::must_add(rs, "410 = /\xC3\xA9", "t", 6);
    sptest::must_compile(rs, true);
    EXPECT_EQ(rs.match("/@").m.rule, 0u);
    EXPECT_EQ(rs.match("/`").m.rule, 1u);
    EXPECT_EQ(rs.match("/[x").m.rule, 2u);
    EXPECT_EQ(rs.match("/{x").m.rule, 3u);
    EXPECT_EQ(rs.match("/\xC3\x89").m.rule, 4u);
    EXPECT_EQ(rs.match("/\xC3\xA9").m.rule, 5u);
}

TEST(Compile, DuplicateWithFileSources)
{
    sptest::TempDir dir;
    std::string a = dir.write("a.rules", "410 = /one\n410 /two/\n");
    std::string b = dir.write("b.rules", "# moved\n\n301 ^~ /two/ /2/\n");
    Ruleset rs;
    ASSERT_EQ(rs.add_file(a).rc, SP_OK);
    ASSERT_EQ(rs.add_file(b).rc, SP_OK);
    Result r = rs.compile(false);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "duplicate rule \"/two/\" at " + b + ":3, first at " + a + ":2");
}

TEST(Compile, LongPatternsAreFine)
{
    Ruleset rs;
    std::string long_exact = "/" + std::string(5000, 'e');
    std::string long_prefix = "/" + std::string(3000, 'p') + "/";
    sptest::must_add(rs, "410 = " + long_exact);
    sptest::must_add(rs, "404 " + long_prefix);
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match(long_exact).m.rule, 0u);
    EXPECT_EQ(rs.match(long_exact + "x").found, 0);
    sptest::Match r = rs.match(long_prefix + "tail");
    EXPECT_EQ(r.m.rule, 1u);
    EXPECT_EQ(r.m.prefix_len, long_prefix.size());
}

} // namespace
