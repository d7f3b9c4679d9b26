// sp_ruleset_add: the grammar CODE [= | ^~ | ~ | ~*] PATTERN [TARGET],
// the checks made when a rule is added, and what sp_ruleset_rule reports.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "helpers.hpp"

#include <string>
#include <vector>

using sptest::Result;
using sptest::RuleInfo;
using sptest::Ruleset;

namespace {

const char expected_grammar[] = "expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]";

// PCRE2's own diagnosis of a pattern, as the core must quote it.
std::string pcre2_reason(const std::string &pattern, uint32_t options)
{
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *re = pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
        options, &code, &offset, nullptr);
    if (re != nullptr) {
        pcre2_code_free(re);
        return "";
    }
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof(msg));
    return "invalid regex \"" + pattern + "\" at offset "
           + std::to_string(offset) + ": "
           + reinterpret_cast<const char *>(msg);
}

Result add_one(const std::string &line)
{
    Ruleset rs;
    return rs.add(line);
}

// ---------------------------------------------------------------- codes

TEST(AddCodes, AcceptsEvery4xxAnd5xxWithoutTarget)
{
    for (int code = 400; code <= 599; code++) {
        if (code == 408 || code == 499 || (code >= 494 && code <= 497)) {
            continue;
        }
        Ruleset rs;
        std::string line = std::to_string(code) + " = /x";
        Result r = rs.add(line);
        EXPECT_EQ(r.rc, SP_OK) << line << ": " << r.err;
        EXPECT_EQ(rs.count(), 1u) << line;
    }
}

TEST(AddCodes, AcceptsDropCode444)
{
    Ruleset rs;
    sptest::must_add(rs, "444 ~* ^/(wp-login\\.php|\\.env)");
    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.code, 444);
    EXPECT_EQ(info.kind, SP_KIND_REGEX_CASELESS);
}

TEST(AddCodes, AcceptsRedirectCodesWithTarget)
{
    for (int code : {301, 302, 303, 307, 308}) {
        Ruleset rs;
        std::string line = std::to_string(code) + " /old/ /new/";
        Result r = rs.add(line);
        EXPECT_EQ(r.rc, SP_OK) << line << ": " << r.err;
        RuleInfo info;
        ASSERT_TRUE(rs.info(0, info));
        EXPECT_EQ(info.code, code);
        EXPECT_EQ(info.target, "/new/");
    }
}

TEST(AddCodes, RejectsNonNumericCode)
{
    Result r = add_one("abc = /x");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "invalid status code \"abc\"");
}

TEST(AddCodes, RejectsCodeThatIsNotThreeDigits)
{
    for (const char *code : {"41", "4100", "41x", "4l0", "0410"}) {
        Result r = add_one(std::string(code) + " = /x");
        EXPECT_EQ(r.rc, SP_ERROR) << code;
        EXPECT_EQ(r.err, std::string("invalid status code \"") + code + "\"");
    }
}

TEST(AddCodes, RejectsUnsupportedCodes)
{
    for (const char *code : {"200", "100", "204", "300", "304", "305", "306",
                             "309", "399", "600", "999"}) {
        Result r = add_one(std::string(code) + " = /x");
        EXPECT_EQ(r.rc, SP_ERROR) << code;
        EXPECT_EQ(r.err,
                  std::string("unsupported status code \"") + code + "\"");
    }
}

TEST(AddCodes, RejectsUnsupported3xxEvenWithTarget)
{
    Result r = add_one("300 /a /b");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "unsupported status code \"300\"");
}

TEST(AddCodes, Rejects499AsReservedByNginx)
{
    Result r = add_one("499 = /x");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "status code 499 is reserved by nginx");
}

TEST(AddCodes, Rejects408WhichNginxClosesTheConnectionFor)
{
    Result r = add_one("408 = /x");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "status code 408 cannot be answered: nginx closes the "
                     "connection for it without a response (444 drops on "
                     "purpose)");
}

TEST(AddCodes, RejectsNginxInternalCodes494To497)
{
    for (int code = 494; code <= 497; code++) {
        Result r = add_one(std::to_string(code) + " = /x");
        EXPECT_EQ(r.rc, SP_ERROR) << code;
        EXPECT_EQ(r.err, "status code " + std::to_string(code)
                             + " is reserved by nginx");
    }
}

// --------------------------------------------------------------- targets

TEST(AddTargets, RedirectWithoutTargetIsRefused)
{
    for (int code : {301, 302, 303, 307, 308}) {
        std::string c = std::to_string(code);
        for (const std::string &rest : {std::string("/old"),
                                        std::string("= /old"),
                                        std::string("^~ /old"),
                                        std::string("~ ^/old"),
                                        std::string("~* ^/old")}) {
            Result r = add_one(c + " " + rest);
            EXPECT_EQ(r.rc, SP_ERROR) << c << " " << rest;
            EXPECT_EQ(r.err, "status code " + c + " requires a target")
                << rest;
        }
    }
}

TEST(AddTargets, ErrorCodeWithTargetIsRefused)
{
    for (const std::string &line :
         {std::string("410 /old /new"), std::string("410 = /old /new"),
          std::string("410 ^~ /old /new"), std::string("410 ~ ^/old /new"),
          std::string("410 ~* ^/old /new")}) {
        Result r = add_one(line);
        EXPECT_EQ(r.rc, SP_ERROR) << line;
        EXPECT_EQ(r.err, "status code 410 does not take a target") << line;
    }
    Result r = add_one("444 = /x /y");
    EXPECT_EQ(r.err, "status code 444 does not take a target");
    r = add_one("503 /x /y");
    EXPECT_EQ(r.err, "status code 503 does not take a target");
}

TEST(AddTargets, TargetMayBeAbsoluteUrlOrCarryQuery)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /a https://example.com/b");
    sptest::must_add(rs, "302 = /c /d?x=1&y=2");
    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.target, "https://example.com/b");
    ASSERT_TRUE(rs.info(1, info));
    EXPECT_EQ(info.target, "/d?x=1&y=2");
}

TEST(AddTargets, TargetWithBlankIsRefused)
{
    Ruleset rs;
    Result r = rs.add_tokens({"301", "=", "/a", "/a b"});
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "invalid character in target \"/a b\"");
}

TEST(AddTargets, CapturesInNonRegexTargetAreRefused)
{
    Result r = add_one("301 /old/ /new/$1");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err,
              "target \"/new/$1\" uses $1, but only regex rules have captures");
}

TEST(AddTargets, CaptureBeyondTheRegexGroupsIsRefused)
{
    Result r = add_one("301 ~ ^/old/(.*)$ /new/$2");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "target \"/new/$2\" uses $2, but the regex has 1 capture");

    r = add_one("301 ~ ^/old/ /new/$1");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::starts_with(r.err, "target \"/new/$1\" uses $1, but the regex has "));
}

TEST(AddTargets, RefusedRegexLeavesNothingBehind)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /keep");
    EXPECT_EQ(rs.add("301 ~ ^/old/(.*)$ /new/$2").rc, SP_ERROR);
    EXPECT_EQ(rs.add("301 ~ ^/other/ /new/$1").rc, SP_ERROR);
    EXPECT_EQ(rs.add("410 ~ ^/bad/ /target").rc, SP_ERROR);
    EXPECT_EQ(rs.count(), 1u);
    sptest::must_add(rs, "404 ~ ^/z");
    EXPECT_EQ(rs.count(), 2u);
    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/old/x").found, 0);
    EXPECT_EQ(rs.match("/other/x").found, 0);
    EXPECT_EQ(rs.match("/bad/x").found, 0);
    sptest::Match r = rs.match("/z");
    ASSERT_EQ(r.found, 1);
    EXPECT_EQ(r.m.rule, 1u);
}

TEST(AddTargets, CapturesWithinTheRegexGroupsAreAccepted)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/u/(\\d+)/(.*)$ /user/$2/$1");
    sptest::must_add(rs, "308 ~* ^/x/(.*)$ /y$0");
    sptest::must_add(rs, "302 ~ ^/(a)(b)(c)(d)(e)(f)(g)(h)(i)$ /$9$8$7$6$5$4$3$2$1");
    EXPECT_EQ(rs.count(), 3u);
}

// -------------------------------------------------------------- patterns

TEST(AddPatterns, NonRegexPatternMustStartWithSlash)
{
    for (const std::string &line :
         {std::string("410 foo"), std::string("410 = foo"),
          std::string("410 ^~ foo")}) {
        Result r = add_one(line);
        EXPECT_EQ(r.rc, SP_ERROR) << line;
        EXPECT_EQ(r.err, "pattern \"foo\" must start with \"/\"") << line;
    }
    Result r = add_one("301 old/ /new/");
    EXPECT_EQ(r.err, "pattern \"old/\" must start with \"/\"");
}

TEST(AddPatterns, RegexPatternNeedNotStartWithSlash)
{
    Ruleset rs;
    sptest::must_add(rs, "410 ~ \\.php$");
    sptest::must_add(rs, "410 ~* wp-login");
    EXPECT_EQ(rs.count(), 2u);
}

TEST(AddPatterns, InvalidRegexQuotesPcre2MessageAndOffset)
{
    Result r = add_one("410 ~ (");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_TRUE(sptest::starts_with(r.err, "invalid regex \"(\" at offset 1: "));
    EXPECT_EQ(r.err, pcre2_reason("(", 0));
    EXPECT_EQ(r.err, "invalid regex \"(\" at offset 1: missing closing parenthesis");
}

TEST(AddPatterns, InvalidRegexForBothRegexKinds)
{
    for (const std::string &re :
         {std::string("^/a[b"), std::string("^/(?<n>x"), std::string("*x"),
          std::string("^/a)"), std::string("x{2,1}"), std::string("\\")}) {
        ASSERT_NE(pcre2_reason(re, 0), "") << re << " compiles?";
        for (const char *mod : {"~", "~*"}) {
            Ruleset rs;
            Result r = rs.add_tokens({"410", mod, re});
            EXPECT_EQ(r.rc, SP_ERROR) << mod << " " << re;
            EXPECT_EQ(r.err, pcre2_reason(re, PCRE2_CASELESS)) << mod << " " << re;
            EXPECT_EQ(rs.count(), 0u);
        }
    }
}

// ----------------------------------------------------------------- arity

TEST(AddArity, WrongNumberOfTokens)
{
    std::vector<std::vector<std::string>> cases = {
        {},
        {"410"},
        {"301", "=", "/a", "/b", "extra"},
        {"410", "=", "/a", "/b", "/c"},
        {"301", "~", "^/a", "/b", "/c", "/d"},
    };
    for (const auto &tokens : cases) {
        Ruleset rs;
        Result r = rs.add_tokens(tokens);
        EXPECT_EQ(r.rc, SP_ERROR) << tokens.size() << " tokens";
        EXPECT_EQ(r.err, expected_grammar) << tokens.size() << " tokens";
        EXPECT_EQ(rs.count(), 0u);
    }
}

TEST(AddArity, ModifierIsNotTakenAsPattern)
{
    // "301 = /a": "=" is the modifier, so the target is missing.
    Result r = add_one("301 = /a");
    EXPECT_EQ(r.err, "status code 301 requires a target");
    r = add_one("302 ^~ /a");
    EXPECT_EQ(r.err, "status code 302 requires a target");
}

// ------------------------------------------------------------ rule info

TEST(AddInfo, KindsPatternsAndTargets)
{
    Ruleset rs;
    sptest::must_add(rs, "410 /old-blog/", "/etc/nginx/nginx.conf", 10);
    sptest::must_add(rs, "404 = /about-2019.html", "/etc/nginx/nginx.conf", 11);
    sptest::must_add(rs, "451 ^~ /legal/", "/etc/nginx/nginx.conf", 12);
    sptest::must_add(rs, "444 ~ ^/cgi-bin/", "other.conf", 1);
    sptest::must_add(rs, "444 ~* \\.env$", "other.conf", 2);
    sptest::must_add(rs, "301 /docs/v1/ /docs/v2/", "other.conf", 3);
    ASSERT_EQ(rs.count(), 6u);

    struct Want {
        const char *source;
        unsigned line;
        int code;
        int kind;
        const char *pattern;
        const char *target;
    } want[] = {
        {"/etc/nginx/nginx.conf", 10, 410, SP_KIND_PREFIX, "/old-blog/", ""},
        {"/etc/nginx/nginx.conf", 11, 404, SP_KIND_EXACT, "/about-2019.html", ""},
        {"/etc/nginx/nginx.conf", 12, 451, SP_KIND_PREFIX_STOP, "/legal/", ""},
        {"other.conf", 1, 444, SP_KIND_REGEX, "^/cgi-bin/", ""},
        {"other.conf", 2, 444, SP_KIND_REGEX_CASELESS, "\\.env$", ""},
        {"other.conf", 3, 301, SP_KIND_PREFIX, "/docs/v1/", "/docs/v2/"},
    };
    for (uint32_t i = 0; i < 6; i++) {
        RuleInfo info;
        ASSERT_TRUE(rs.info(i, info)) << i;
        EXPECT_EQ(info.source, want[i].source) << i;
        EXPECT_EQ(info.line, want[i].line) << i;
        EXPECT_EQ(info.code, want[i].code) << i;
        EXPECT_EQ(info.kind, want[i].kind) << i;
        EXPECT_EQ(info.pattern, want[i].pattern) << i;
        EXPECT_EQ(info.target, want[i].target) << i;
    }
}

TEST(AddInfo, IndexOutOfRangeIsAnError)
{
    Ruleset rs;
    sptest::must_add(rs, "410 = /a");
    RuleInfo info;
    EXPECT_TRUE(rs.info(0, info));
    EXPECT_FALSE(rs.info(1, info));
    EXPECT_FALSE(rs.info(SP_NO_RULE, info));
}

TEST(AddInfo, SourceAndTokensAreCopied)
{
    Ruleset rs;
    std::string source = "/etc/nginx/sites/a.conf";
    std::vector<std::string> tokens = {"301", "=", "/from", "/to"};
    {
        std::vector<sp_str_t> args;
        for (const std::string &t : tokens) {
            args.push_back(sptest::to_str(t));
        }
        char err[256] = "";
        ASSERT_EQ(sp_ruleset_add(rs.get(), args.data(), args.size(),
                                 sptest::to_str(source), 42, err, sizeof(err)),
                  SP_OK)
            << err;
    }
    // Scribble over every buffer the core was given.
    for (std::string &t : tokens) {
        std::fill(t.begin(), t.end(), 'X');
    }
    std::fill(source.begin(), source.end(), 'Y');

    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.source, "/etc/nginx/sites/a.conf");
    EXPECT_EQ(info.line, 42u);
    EXPECT_EQ(info.pattern, "/from");
    EXPECT_EQ(info.target, "/to");

    sptest::must_compile(rs);
    EXPECT_EQ(rs.match("/from").found, 1);
}

TEST(AddInfo, TokensAreTakenByLengthNotNulTerminated)
{
    Ruleset rs;
    const char buf[] = "410=/abcdef";
    sp_str_t args[3] = {{buf, 3}, {buf + 3, 1}, {buf + 4, 4}};
    char err[256] = "";
    ASSERT_EQ(sp_ruleset_add(rs.get(), args, 3, sp_str_t{"a.confXYZ", 6}, 1,
                             err, sizeof(err)),
              SP_OK)
        << err;
    RuleInfo info;
    ASSERT_TRUE(rs.info(0, info));
    EXPECT_EQ(info.code, 410);
    EXPECT_EQ(info.kind, SP_KIND_EXACT);
    EXPECT_EQ(info.pattern, "/abc");
    EXPECT_EQ(info.source, "a.conf");
}

TEST(AddCount, FailedAddsDoNotCount)
{
    Ruleset rs;
    EXPECT_EQ(rs.count(), 0u);
    sptest::must_add(rs, "410 = /a");
    EXPECT_EQ(rs.add("200 = /b").rc, SP_ERROR);
    EXPECT_EQ(rs.add("410 ~ (").rc, SP_ERROR);
    EXPECT_EQ(rs.add("301 /c").rc, SP_ERROR);
    sptest::must_add(rs, "404 /d/");
    EXPECT_EQ(rs.count(), 2u);

    RuleInfo info;
    ASSERT_TRUE(rs.info(1, info));
    EXPECT_EQ(info.pattern, "/d/");
    sptest::must_compile(rs);
    EXPECT_EQ(rs.count(), 2u);
}

TEST(AddErrors, ShortErrorBufferIsTruncatedNotOverrun)
{
    Ruleset rs;
    std::vector<std::string> tokens = {"410", "=", "foo"};
    std::vector<sp_str_t> args;
    for (const std::string &t : tokens) {
        args.push_back(sptest::to_str(t));
    }
    char err[16];
    std::memset(err, '#', sizeof(err));
    EXPECT_EQ(sp_ruleset_add(rs.get(), args.data(), args.size(),
                             sp_str_t{"t", 1}, 1, err, 8),
              SP_ERROR);
    for (size_t i = 8; i < sizeof(err); i++) {
        EXPECT_EQ(err[i], '#') << "err byte " << i << " overwritten";
    }
    // An error without a buffer is still an error.
    EXPECT_EQ(sp_ruleset_add(rs.get(), args.data(), args.size(),
                             sp_str_t{"t", 1}, 1, nullptr, 0),
              SP_ERROR);
}

} // namespace
