// sp_ruleset_add_file: the rules-file syntax (comments, blank lines, CRLF,
// byte order mark, quoting, blanks) and its "PATH:LINE: reason" errors.

#include "helpers.hpp"

#include <string>
#include <vector>

using sptest::Result;
using sptest::RuleInfo;
using sptest::Ruleset;
using sptest::TempDir;

namespace {

// Loads text as a rules file; expects success.
struct Loaded {
    TempDir dir;
    Ruleset rs;
    std::string path;
    Result result;

    explicit Loaded(const std::string &text, const std::string &name = "a.rules")
    {
        path = dir.write(name, text);
        result = rs.add_file(path);
    }

    RuleInfo rule(uint32_t i)
    {
        RuleInfo info;
        EXPECT_TRUE(rs.info(i, info)) << "no rule " << i;
        return info;
    }
};

// Loads text as a rules file; returns the error.
std::string load_error(const std::string &text, std::string *path_out = nullptr)
{
    Loaded l(text);
    EXPECT_EQ(l.result.rc, SP_ERROR) << "file was accepted:\n" << text;
    if (path_out) {
        *path_out = l.path;
    }
    return l.result.err;
}

TEST(RulesFile, OneRuleALineWithCommentsAndBlankLines)
{
    Loaded l("# retired pages\n"
             "410 = /about-2019.html\n"
             "\n"
             "410 /old-blog/\n"
             "   # an indented comment\n"
             "444 ~* ^/(wp-login\\.php|\\.env)\n"
             "\t\n"
             "301 /docs/v1/ /docs/v2/\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 4u);

    RuleInfo r = l.rule(0);
    EXPECT_EQ(r.source, l.path);
    EXPECT_EQ(r.line, 2u);
    EXPECT_EQ(r.code, 410);
    EXPECT_EQ(r.kind, SP_KIND_EXACT);
    EXPECT_EQ(r.pattern, "/about-2019.html");
    EXPECT_EQ(r.target, "");

    r = l.rule(1);
    EXPECT_EQ(r.line, 4u);
    EXPECT_EQ(r.kind, SP_KIND_PREFIX);
    EXPECT_EQ(r.pattern, "/old-blog/");

    r = l.rule(2);
    EXPECT_EQ(r.line, 6u);
    EXPECT_EQ(r.code, 444);
    EXPECT_EQ(r.kind, SP_KIND_REGEX_CASELESS);
    EXPECT_EQ(r.pattern, "^/(wp-login\\.php|\\.env)");

    r = l.rule(3);
    EXPECT_EQ(r.line, 8u);
    EXPECT_EQ(r.code, 301);
    EXPECT_EQ(r.pattern, "/docs/v1/");
    EXPECT_EQ(r.target, "/docs/v2/");
    EXPECT_EQ(r.source, l.path);

    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/about-2019.html").m.rule, 0u);
    EXPECT_EQ(l.rs.match("/old-blog/x").m.rule, 1u);
    EXPECT_EQ(l.rs.match("/WP-LOGIN.PHP").m.rule, 2u);
    EXPECT_EQ(sptest::location(l.rs, "/docs/v1/a/b"), "/docs/v2/a/b");
}

TEST(RulesFile, AllModifiersAndTheirKinds)
{
    Loaded l("410 /p\n410 = /e\n410 ^~ /s\n410 ~ ^/r\n410 ~* ^/c\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 5u);
    const int kinds[] = {SP_KIND_PREFIX, SP_KIND_EXACT, SP_KIND_PREFIX_STOP,
                         SP_KIND_REGEX, SP_KIND_REGEX_CASELESS};
    const char *patterns[] = {"/p", "/e", "/s", "^/r", "^/c"};
    for (uint32_t i = 0; i < 5; i++) {
        RuleInfo r = l.rule(i);
        EXPECT_EQ(r.kind, kinds[i]) << i;
        EXPECT_EQ(r.pattern, patterns[i]) << i;
        EXPECT_EQ(r.line, i + 1) << i;
    }
}

TEST(RulesFile, EmptyAndCommentOnlyFilesHoldNoRules)
{
    for (const std::string &text :
         {std::string(""), std::string("\n\n\n"), std::string("# nothing\n"),
          std::string("  # a\n\t# b\r\n\r\n"), std::string("\xEF\xBB\xBF"),
          std::string("# no newline")}) {
        Loaded l(text);
        EXPECT_EQ(l.result.rc, SP_OK) << l.result.err;
        EXPECT_EQ(l.rs.count(), 0u);
        sptest::must_compile(l.rs);
        EXPECT_EQ(l.rs.match("/").found, 0);
    }
}

TEST(RulesFile, CrlfLineEndings)
{
    Loaded l("# header\r\n410 = /a\r\n\r\n301 /b/ /c/\r\n410 ~ ^/d$\r\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 3u);
    EXPECT_EQ(l.rule(0).pattern, "/a");
    EXPECT_EQ(l.rule(0).line, 2u);
    EXPECT_EQ(l.rule(1).target, "/c/");
    EXPECT_EQ(l.rule(1).line, 4u);
    EXPECT_EQ(l.rule(2).pattern, "^/d$");
    EXPECT_EQ(l.rule(2).line, 5u);

    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/a").found, 1);
    EXPECT_EQ(l.rs.match("/d").found, 1);
    EXPECT_EQ(sptest::location(l.rs, "/b/x"), "/c/x");
}

TEST(RulesFile, ByteOrderMarkAtTheStart)
{
    Loaded l("\xEF\xBB\xBF" "410 = /first\n410 = /second\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(0).code, 410);
    EXPECT_EQ(l.rule(0).pattern, "/first");
    EXPECT_EQ(l.rule(0).line, 1u);
    EXPECT_EQ(l.rule(1).line, 2u);
}

TEST(RulesFile, ByteOrderMarkBeforeAComment)
{
    Loaded l("\xEF\xBB\xBF# comment\r\n410 = /x\r\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 1u);
    EXPECT_EQ(l.rule(0).line, 2u);
}

TEST(RulesFile, NoFinalNewline)
{
    Loaded l("410 = /a\n301 /b/ /c/");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(1).pattern, "/b/");
    EXPECT_EQ(l.rule(1).target, "/c/");
    EXPECT_EQ(l.rule(1).line, 2u);

    Loaded crlf("410 = /a\r\n410 = /z");
    ASSERT_EQ(crlf.result.rc, SP_OK) << crlf.result.err;
    EXPECT_EQ(crlf.rule(1).pattern, "/z");
}

TEST(RulesFile, TabsAndRunsOfBlanksSeparateTokens)
{
    Loaded l("410\t=\t/a\n"
             "  301    /b/ \t  /c/   \n"
             "\t\t404 ~*\t \t^/d\t\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 3u);
    EXPECT_EQ(l.rule(0).kind, SP_KIND_EXACT);
    EXPECT_EQ(l.rule(0).pattern, "/a");
    EXPECT_EQ(l.rule(1).pattern, "/b/");
    EXPECT_EQ(l.rule(1).target, "/c/");
    EXPECT_EQ(l.rule(2).kind, SP_KIND_REGEX_CASELESS);
    EXPECT_EQ(l.rule(2).pattern, "^/d");
}

TEST(RulesFile, CommentAfterARule)
{
    Loaded l("410 = /a # retired in 2019\n"
             "410 = /b\t#tab before\n"
             "301 /c/ /d/ #\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 3u);
    EXPECT_EQ(l.rule(0).pattern, "/a");
    EXPECT_EQ(l.rule(1).pattern, "/b");
    EXPECT_EQ(l.rule(2).target, "/d/");
}

TEST(RulesFile, HashInsideATokenIsLiteral)
{
    Loaded l("410 = /a#b\n410 ~ ^/x#\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(0).pattern, "/a#b");
    EXPECT_EQ(l.rule(1).pattern, "^/x#");
}

TEST(RulesFile, CommentHidesWhatWouldBeErrors)
{
    Loaded l("410 = /a # 200 foo \"unterminated\n# 301 /x\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    EXPECT_EQ(l.rs.count(), 1u);
}

TEST(RulesFile, DoubleQuotedTokens)
{
    Loaded l("410 = \"/with space\"\n"
             "410 = \"/hash#inside\"\n"
             "301 ~ \"^/path with spaces/(.*)$\" /new/$1\n"
             "410 \"/quoted-prefix/\"\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 4u);
    EXPECT_EQ(l.rule(0).pattern, "/with space");
    EXPECT_EQ(l.rule(1).pattern, "/hash#inside");
    EXPECT_EQ(l.rule(2).pattern, "^/path with spaces/(.*)$");
    EXPECT_EQ(l.rule(2).target, "/new/$1");
    EXPECT_EQ(l.rule(3).kind, SP_KIND_PREFIX);
    EXPECT_EQ(l.rule(3).pattern, "/quoted-prefix/");

    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/with space").m.rule, 0u);
    EXPECT_EQ(l.rs.match("/hash#inside").m.rule, 1u);
    EXPECT_EQ(sptest::location(l.rs, "/path with spaces/a b"), "/new/a%20b");
}

TEST(RulesFile, SingleQuotedTokens)
{
    Loaded l("410 = '/single quoted'\n"
             "410 = '/has \"double\" inside'\n"
             "'410' = '/all-quoted'\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 3u);
    EXPECT_EQ(l.rule(0).pattern, "/single quoted");
    EXPECT_EQ(l.rule(1).pattern, "/has \"double\" inside");
    EXPECT_EQ(l.rule(2).code, 410);
    EXPECT_EQ(l.rule(2).kind, SP_KIND_EXACT);
    EXPECT_EQ(l.rule(2).pattern, "/all-quoted");
}

TEST(RulesFile, BackslashEscapesInsideQuotes)
{
    Loaded l("410 = \"/q\\\"x\"\n"          // "/q\"x"  -> /q"x
             "410 = \"/b\\\\s\"\n"          // "/b\\s"  -> /b\s
             "410 = '/it\\'s'\n"            // '/it\'s' -> /it's
             "410 ~ \"^/d\\\\.php$\"\n");   // "^/d\\.php$" -> ^/d\.php$
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 4u);
    EXPECT_EQ(l.rule(0).pattern, "/q\"x");
    EXPECT_EQ(l.rule(1).pattern, "/b\\s");
    EXPECT_EQ(l.rule(2).pattern, "/it's");
    EXPECT_EQ(l.rule(3).pattern, "^/d\\.php$");

    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/q\"x").m.rule, 0u);
    EXPECT_EQ(l.rs.match("/b\\s").m.rule, 1u);
    EXPECT_EQ(l.rs.match("/it's").m.rule, 2u);
    EXPECT_EQ(l.rs.match("/d.php").m.rule, 3u);
    EXPECT_EQ(l.rs.match("/dxphp").found, 0);
}

TEST(RulesFile, OtherBackslashesInsideQuotesAreKept)
{
    Loaded l("410 ~ \"^/a\\.b$\"\n"
             "410 ~ '^/y\\d+$'\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(0).pattern, "^/a\\.b$");
    EXPECT_EQ(l.rule(1).pattern, "^/y\\d+$");
    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/a.b").m.rule, 0u);
    EXPECT_EQ(l.rs.match("/axb").found, 0);
    EXPECT_EQ(l.rs.match("/y12").m.rule, 1u);
}

TEST(RulesFile, QuotedHashIsNotAComment)
{
    Loaded l("410 ~ \"#frag\"\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 1u);
    EXPECT_EQ(l.rule(0).pattern, "#frag");

    // A quoted '#' is a token, here a target a 410 does not take.
    std::string path;
    std::string err = load_error("410 = '/x' '#'\n", &path);
    EXPECT_EQ(err, path + ":1: status code 410 does not take a target");
}

TEST(RulesFile, BlanksInsideQuotesAreKept)
{
    Loaded l("410 = \"/a\tb\"\r\n410 = '/c  d '\r\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(0).pattern, "/a\tb");
    EXPECT_EQ(l.rule(1).pattern, "/c  d ");

    // Leading blanks are part of the pattern, which then lacks its "/".
    std::string path;
    std::string err = load_error("410 = \"  /c\"\n", &path);
    EXPECT_EQ(err, path + ":1: pattern \"  /c\" must start with \"/\"");
}

TEST(RulesFile, QuotedTokenAtTheEndOfACrlfLine)
{
    Loaded l("410 = \"/a b\"\r\n410 = '/c d'\r\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 2u);
    EXPECT_EQ(l.rule(0).pattern, "/a b");
    EXPECT_EQ(l.rule(1).pattern, "/c d");
}

TEST(RulesFile, BackslashOutsideQuotesIsLiteral)
{
    Loaded l("410 ~ ^/x\\.php$\n"
             "410 ~ ^/y\\d+$\n"
             "410 = /back\\slash\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    ASSERT_EQ(l.rs.count(), 3u);
    EXPECT_EQ(l.rule(0).pattern, "^/x\\.php$");
    EXPECT_EQ(l.rule(1).pattern, "^/y\\d+$");
    EXPECT_EQ(l.rule(2).pattern, "/back\\slash");

    sptest::must_compile(l.rs);
    EXPECT_EQ(l.rs.match("/x.php").m.rule, 0u);
    EXPECT_EQ(l.rs.match("/xaphp").found, 0);
    EXPECT_EQ(l.rs.match("/y123").m.rule, 1u);
    EXPECT_EQ(l.rs.match("/back\\slash").m.rule, 2u);
}

TEST(RulesFile, SourceIsThePathAsGiven)
{
    TempDir dir;
    std::string real = dir.write("s.rules", "410 = /a\n");
    std::string odd = dir.path() + "/./s.rules";
    Ruleset rs;
    Result r = rs.add_file(odd);
    ASSERT_EQ(r.rc, SP_OK) << r.err;
    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.source, odd);
    EXPECT_EQ(info.line, 1u);
}

TEST(RulesFile, SeveralFilesAndInlineRulesKeepTheirOrder)
{
    TempDir dir;
    std::string a = dir.write("a.rules", "410 ~ ^/x\n410 = /a\n");
    std::string b = dir.write("b.rules", "\n404 ~ ^/x/y\n");
    Ruleset rs;
    ASSERT_EQ(rs.add_file(a).rc, SP_OK);
    sptest::must_add(rs, "451 ~ ^/x/y/z", "nginx.conf", 30);
    ASSERT_EQ(rs.add_file(b).rc, SP_OK);
    ASSERT_EQ(rs.count(), 4u);

    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.source, a);
    EXPECT_EQ(info.line, 1u);
    ASSERT_TRUE(rs.info(2, info));
    EXPECT_EQ(info.source, "nginx.conf");
    EXPECT_EQ(info.line, 30u);
    ASSERT_TRUE(rs.info(3, info));
    EXPECT_EQ(info.source, b);
    EXPECT_EQ(info.line, 2u);

    sptest::must_compile(rs);
    // All three regexes match; the first given wins.
    EXPECT_EQ(rs.match("/x/y/z").m.rule, 0u);
}

// ---------------------------------------------------------------- errors

TEST(RulesFileErrors, ReasonIsPrefixedWithPathAndLine)
{
    std::string path;
    std::string err = load_error("410 = /a\n# comment\n301 /old\n", &path);
    EXPECT_EQ(err, path + ":3: status code 301 requires a target");
}

TEST(RulesFileErrors, EveryAddCheckNamesItsLine)
{
    struct Case {
        const char *line;
        const char *reason;
    } cases[] = {
        {"abc = /x", "invalid status code \"abc\""},
        {"200 = /x", "unsupported status code \"200\""},
        {"499 = /x", "status code 499 is reserved by nginx"},
        {"301 = /x", "status code 301 requires a target"},
        {"410 = /x /y", "status code 410 does not take a target"},
        {"410 foo", "pattern \"foo\" must start with \"/\""},
        {"410", "expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]"},
        {"301 = /a /b /c", "expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]"},
        {"410 = /a /b /c /d /e /f", "expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]"},
    };
    for (const Case &c : cases) {
        std::string path;
        std::string err = load_error(
            "# header\n\n410 = /fine\n" + std::string(c.line) + "\n410 = /after\n",
            &path);
        EXPECT_EQ(err, path + ":4: " + c.reason) << c.line;
    }
}

TEST(RulesFileErrors, InvalidRegexNamesLineAndPcre2Offset)
{
    std::string path;
    std::string err = load_error("410 = /a\n410 ~ (\n", &path);
    EXPECT_TRUE(sptest::starts_with(err, path + ":2: invalid regex \"(\" at offset 1: "));
}

TEST(RulesFileErrors, LineNumbersCountCrlfAndBomLines)
{
    std::string path;
    std::string err = load_error("\xEF\xBB\xBF# c\r\n\r\n410 = /a\r\n410 = /a /b\r\n", &path);
    EXPECT_EQ(err, path + ":4: status code 410 does not take a target");

    err = load_error("410 = /a\n\n\n\n\n\n\n\n\n301 /x", &path);
    EXPECT_EQ(err, path + ":10: status code 301 requires a target");
}

TEST(RulesFileErrors, UnterminatedQuote)
{
    std::string path;
    std::string err = load_error("410 = /a\n410 = \"/b\n410 = /c\n", &path);
    EXPECT_EQ(err, path + ":2: unterminated quote");

    err = load_error("410 = '/open", &path);
    EXPECT_EQ(err, path + ":1: unterminated quote");

    // An escaped quote does not close the token.
    err = load_error("410 = \"/a\\\"\n", &path);
    EXPECT_EQ(err, path + ":1: unterminated quote");
}

TEST(RulesFileErrors, TextGluedToAClosingQuote)
{
    std::string path;
    std::string err = load_error("410 = /ok\n410 = \"/a\"x\n", &path);
    EXPECT_EQ(err, path + ":2: unexpected \"x\" after a quoted string");
}

TEST(RulesFileErrors, MissingFile)
{
    TempDir dir;
    std::string path = dir.path() + "/does-not-exist.rules";
    Ruleset rs;
    Result r = rs.add_file(path);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::contains(r.err, "cannot open"));
    EXPECT_TRUE(sptest::starts_with(r.err, path + ": "));
    EXPECT_EQ(r.err, path + ": cannot open: No such file or directory");
    EXPECT_EQ(rs.count(), 0u);
}

TEST(RulesFileErrors, DirectoryIsNotARulesFile)
{
    TempDir dir;
    Ruleset rs;
    Result r = rs.add_file(dir.path());
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::starts_with(r.err, dir.path() + ": ")) << r.err;
}

TEST(RulesFileErrors, DuplicatesAcrossLinesNameBothPlaces)
{
    Loaded l("410 = /x\n404 /y/\n\n410 = /x\n");
    ASSERT_EQ(l.result.rc, SP_OK) << l.result.err;
    Result r = l.rs.compile(false);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "duplicate rule \"/x\" at " + l.path + ":4, first at "
                         + l.path + ":1");
}

} // namespace

namespace {

// A file whose size at open() is not what a read gets: /proc files are
// regular files that stat as empty and read as text, like a rules file
// that a deploy script is still writing.  It is refused, never parsed
// from a buffer that moved while it was being read.
TEST(RulesFile, AFileThatChangesWhileReadIsRefused)
{
    Ruleset rs;
    Result r = rs.add_file("/proc/self/status");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_NE(r.err.find("/proc/self/status: changed while being read (0 "
                         "bytes when opened, "),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" read); try again"), std::string::npos) << r.err;
    EXPECT_EQ(rs.count(), 0u);

    // the rules loaded before it are untouched
    TempDir dir;
    std::string good = dir.write("good.rules", "410 = /a\n410 \"/b c\"\n");
    Ruleset both;
    ASSERT_EQ(both.add_file(good).rc, SP_OK);
    EXPECT_EQ(both.add_file("/proc/self/status").rc, SP_ERROR);
    RuleInfo info;
    ASSERT_TRUE(both.info(1, info));
    EXPECT_EQ(info.pattern, "/b c");
}

} // namespace
