// sp_ruleset_redirect: prefix replacement, $n substitution, escaping of
// request-derived parts, the query string, and the buffer protocol.

#include "helpers.hpp"

#include <string>
#include <vector>

using sptest::Match;
using sptest::redirect_needed;
using sptest::Ruleset;

namespace {

// ------------------------------------------------------------- prefix

TEST(RedirectPrefix, TargetReplacesTheMatchedPrefix)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /docs/v1/ /docs/v2/");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/docs/v1/a/b"), "/docs/v2/a/b");
    EXPECT_EQ(sptest::location(rs, "/docs/v1/"), "/docs/v2/");
    EXPECT_EQ(sptest::location(rs, "/docs/v1/a/b", "x=1"), "/docs/v2/a/b?x=1");
}

TEST(RedirectPrefix, StopPrefixAndAbsoluteTarget)
{
    Ruleset rs;
    sptest::must_add(rs, "308 ^~ /shop/ https://shop.example.com/");
    sptest::must_add(rs, "302 /blog https://blog.example.com");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/shop/item/1"), "https://shop.example.com/item/1");
    EXPECT_EQ(sptest::location(rs, "/blog/2020/post", "utm=x"),
              "https://blog.example.com/2020/post?utm=x");
    EXPECT_EQ(sptest::location(rs, "/blogroll"), "https://blog.example.com" "roll");
}

TEST(RedirectPrefix, LongestPrefixDecidesWhatIsReplaced)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /a/ /x/");
    sptest::must_add(rs, "302 /a/b/ /y/");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/a/b/c"), "/y/c");
    EXPECT_EQ(sptest::location(rs, "/a/c"), "/x/c");
}

TEST(RedirectPrefix, IgnoreCaseReplacesTheMatchedBytes)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /catalog/2019/ /catalog/");
    sptest::must_compile(rs, true);
    EXPECT_EQ(sptest::location(rs, "/CATALOG/2019/Shoes"), "/catalog/Shoes");
}

TEST(RedirectPrefix, RemainderIsPercentEscaped)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/p/a b"), "/q/a%20b");
    EXPECT_EQ(sptest::location(rs, "/p/\"x\""), "/q/%22x%22");
    EXPECT_EQ(sptest::location(rs, "/p/100%"), "/q/100%25");
    EXPECT_EQ(sptest::location(rs, "/p/a?b=c"), "/q/a%3Fb=c");
    EXPECT_EQ(sptest::location(rs, "/p/a#frag"), "/q/a%23frag");
    EXPECT_EQ(sptest::location(rs, "/p/caf\xC3\xA9"), "/q/caf%C3%A9");
    EXPECT_EQ(sptest::location(rs, "/p/a\r\nSet-Cookie: x=1"),
              "/q/a%0D%0ASet-Cookie:%20x=1");
    EXPECT_EQ(sptest::location(rs, std::string("/p/\0z", 5)), "/q/%00z");
    EXPECT_EQ(sptest::location(rs, "/p/<>\\^`{|}[]\x7f\x01\xff"),
              "/q/%3C%3E%5C%5E%60%7B%7C%7D%5B%5D%7F%01%FF");
}

TEST(RedirectPrefix, SafeCharactersAreKept)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    const std::string safe =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        "-._~!$&'()*+,;=:@/";
    EXPECT_EQ(sptest::location(rs, "/p/" + safe), "/q/" + safe);
}

TEST(RedirectPrefix, EveryByteEscapedExactlyWhenUnsafe)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    const std::string safe = "-._~!$&'()*+,;=:@/";
    const char hex[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        char ch = static_cast<char>(c);
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9') || safe.find(ch) != std::string::npos;
        std::string want = "/q/x";
        if (keep) {
            want += ch;
        } else {
            want += '%';
            want += hex[c >> 4];
            want += hex[c & 15];
        }
        want += "y";
        std::string path = "/p/x";
        path += ch;
        path += "y";
        EXPECT_EQ(sptest::location(rs, path), want) << "byte " << c;
    }
}

TEST(RedirectPrefix, TargetItselfIsNotEscaped)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /new%20dir/(x)/");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/p/a"), "/new%20dir/(x)/a");
}

// -------------------------------------------------------------- exact

TEST(RedirectExact, TargetAsIs)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /old /new");
    sptest::must_add(rs, "302 = /abs https://example.com/x/y");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/old"), "/new");
    EXPECT_EQ(sptest::location(rs, "/old", "a=1&b=2"), "/new?a=1&b=2");
    EXPECT_EQ(sptest::location(rs, "/abs"), "https://example.com/x/y");
}

TEST(RedirectExact, ExactBesidePrefixWithTheSameText)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /x /exact");
    sptest::must_add(rs, "302 /x /prefix");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/x"), "/exact");
    EXPECT_EQ(sptest::location(rs, "/x/y"), "/prefix/y");
}

// -------------------------------------------------------------- query

TEST(RedirectQuery, ArgsAppendedAsReceived)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /a /b");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/a", "q=%20x&y"), "/b?q=%20x&y");
    EXPECT_EQ(sptest::location(rs, "/a", ""), "/b");

    Match r = rs.match("/a");
    ASSERT_EQ(r.found, 1);
    std::string path = "/a";
    size_t n = redirect_needed(rs.get(), &r.m, path.data(), path.size(),
                               nullptr, 0, nullptr, 0);
    EXPECT_EQ(n, 2u);
}

TEST(RedirectQuery, EncodedArgsAreNotReencoded)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    const std::string args = "x=a/b?c:d@e!$'()*+,;&y=%2F%3F%25&z=%E2%82%AC";
    EXPECT_EQ(sptest::location(rs, "/p/r", args), "/q/r?" + args);
}

TEST(RedirectQuery, EmptyArgsWithAPointerAddNoQuestionMark)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /a /b");
    sptest::must_compile(rs);
    Match r = rs.match("/a");
    ASSERT_EQ(r.found, 1);
    char buf[16];
    std::memset(buf, '#', sizeof(buf));
    size_t n = redirect_needed(rs.get(), &r.m, "/a", 2, "k=v", 0, buf,
                               sizeof(buf));
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(std::string(buf, 2), "/b");
}

TEST(RedirectQuery, TargetWithItsOwnQueryDropsArgs)
{
    Ruleset rs;
    sptest::must_add(rs, "301 = /a /b?x=1");
    sptest::must_add(rs, "302 ^~ /p/ /q?from=p");
    sptest::must_add(rs, "303 ~ ^/s/(.*)$ /search?q=$1");
    sptest::must_add(rs, "307 = /c /d?");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/a", "y=2"), "/b?x=1");
    EXPECT_EQ(sptest::location(rs, "/p/", "y=2"), "/q?from=p");
    EXPECT_EQ(sptest::location(rs, "/s/a b", "y=2"), "/search?q=a%20b");
    EXPECT_EQ(sptest::location(rs, "/c", "y=2"), "/d?");
}

TEST(RedirectQuery, QuestionMarkFromTheRequestIsNotTheTargetsQuery)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/s/(.*)$ /t/$1");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/s/a?b", "k=v"), "/t/a%3Fb?k=v");
}

// -------------------------------------------------------------- regex

TEST(RedirectRegex, CapturesSubstituted)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/u/(\\d+)/(.*)$ /user/$2/$1");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/u/42/profile"), "/user/profile/42");
    EXPECT_EQ(sptest::location(rs, "/u/42/a/b", "t=1"), "/user/a/b/42?t=1");
}

TEST(RedirectRegex, WholeMatchIsDollarZero)
{
    Ruleset rs;
    sptest::must_add(rs, "302 ~ /x/[a-z]+ /archive$0");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/pre/x/abc/post"), "/archive/x/abc");
}

TEST(RedirectRegex, CaselessRegexCaptures)
{
    Ruleset rs;
    sptest::must_add(rs, "308 ~* ^/DOCS/API/V1/(.*)$ /docs/api/v2/$1");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/docs/api/v1/Users/7"), "/docs/api/v2/Users/7");
}

TEST(RedirectRegex, UnsetGroupIsEmpty)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/p(/a)?/(b)$ /q$1/$2");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/p/b"), "/q/b");
    EXPECT_EQ(sptest::location(rs, "/p/a/b"), "/q/a/b");
}

TEST(RedirectRegex, CapturesArePercentEscaped)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/u/([^/]*)/(.*)$ /user/$1/$2");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/u/a b/?#%"), "/user/a%20b/%3F%23%25");
    EXPECT_EQ(sptest::location(rs, "/u/x\r\n/\"\xC3\xA9\""),
              "/user/x%0D%0A/%22%C3%A9%22");
    EXPECT_EQ(sptest::location(rs, "/u/ok/-._~!$&'()*+,;=:@/"),
              "/user/ok/-._~!$&'()*+,;=:@/");
}

TEST(RedirectRegex, NineCaptures)
{
    Ruleset rs;
    sptest::must_add(rs,
                     "301 ~ ^/(.)(.)(.)(.)(.)(.)(.)(.)(.)$ /$9$8$7$6$5$4$3$2$1");
    sptest::must_compile(rs);
    EXPECT_EQ(sptest::location(rs, "/123456789"), "/987654321");
}

TEST(RedirectRegex, DigitAfterDollarNineIsLiteral)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$ /x$10");
    sptest::must_compile(rs);
    // $1 followed by a literal 0: only $1..$9 exist.
    EXPECT_EQ(sptest::location(rs, "/abcdefghij"), "/xa0");
}

// ----------------------------------------------------------- buffer

TEST(RedirectBuffer, LengthQueryWithNullBuffer)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /docs/v1/ /docs/v2/");
    sptest::must_compile(rs);
    std::string path = "/docs/v1/a b";
    std::string args = "k=v";
    Match r = rs.match(path);
    ASSERT_EQ(r.found, 1);
    size_t n = redirect_needed(rs.get(), &r.m, path.data(), path.size(),
                               args.data(), args.size(), nullptr, 0);
    EXPECT_EQ(n, std::string("/docs/v2/a%20b?k=v").size());
}

TEST(RedirectBuffer, SmallBuffersAreNeverOverrun)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/u/(.*)$ /user/$1/x");
    sptest::must_compile(rs);
    std::string path = "/u/a b\xC3\xA9?";
    std::string args = "p=1&q=2";
    const std::string want = "/user/a%20b%C3%A9%3F/x?p=1&q=2";

    Match r = rs.match(path);
    ASSERT_EQ(r.found, 1);
    for (size_t size = 0; size <= want.size() + 2; size++) {
        std::vector<char> buf(want.size() + 64, '\x5a');
        size_t n = redirect_needed(rs.get(), &r.m, path.data(),
                                   path.size(), args.data(), args.size(),
                                   buf.data(), size);
        EXPECT_EQ(n, want.size()) << "size " << size;
        for (size_t i = size; i < buf.size(); i++) {
            ASSERT_EQ(buf[i], '\x5a')
                << "size " << size << ": byte " << i << " written";
        }
        if (size >= want.size()) {
            EXPECT_EQ(std::string(buf.data(), want.size()), want);
        }
    }
}

TEST(RedirectBuffer, SmallBufferForPrefixAndExactRules)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_add(rs, "302 = /e https://example.com/target");
    sptest::must_compile(rs);
    for (const std::string &path : {std::string("/p/%%%%"), std::string("/e")}) {
        Match r = rs.match(path);
        ASSERT_EQ(r.found, 1);
        size_t need = redirect_needed(rs.get(), &r.m, path.data(),
                                      path.size(), "a=b", 3, nullptr, 0);
        ASSERT_GT(need, 0u);
        for (size_t size = 1; size < need; size++) {
            std::vector<char> buf(need + 8, '\x5a');
            EXPECT_EQ(redirect_needed(rs.get(), &r.m, path.data(),
                                      path.size(), "a=b", 3, buf.data(),
                                      size),
                      need);
            for (size_t i = size; i < buf.size(); i++) {
                ASSERT_EQ(buf[i], '\x5a') << path << " size " << size;
            }
        }
    }
    EXPECT_EQ(sptest::location(rs, "/p/%%%%", "a=b"), "/q/%25%25%25%25?a=b");
    EXPECT_EQ(sptest::location(rs, "/e", "a=b"), "https://example.com/target?a=b");
}

TEST(RedirectBuffer, LongExpansion)
{
    Ruleset rs;
    sptest::must_add(rs, "301 ~ ^/l/(.*)$ /m/$1/$1/$1");
    sptest::must_compile(rs);
    std::string tail(4000, ' ');
    std::string esc;
    for (size_t i = 0; i < tail.size(); i++) {
        esc += "%20";
    }
    EXPECT_EQ(sptest::location(rs, "/l/" + tail), "/m/" + esc + "/" + esc + "/" + esc);
}

TEST(RedirectStatus, MatchWithoutARuleIsAnError)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    Match r = rs.match("/p/x");
    ASSERT_EQ(r.found, 1);

    sp_match_t none = r.m;
    none.rule = SP_NO_RULE;
    sp_match_t past = r.m;
    past.rule = static_cast<uint32_t>(rs.count());
    Match miss = rs.match("/other");
    ASSERT_EQ(miss.found, 0);

    for (const sp_match_t *m : {&none, &past, &miss.m}) {
        char buf[32];
        std::memset(buf, '#', sizeof(buf));
        size_t needed = 12345;
        EXPECT_EQ(sp_ruleset_redirect(rs.get(), m, "/p/x", 4, "a=b", 3, buf,
                                      sizeof(buf), &needed),
                  SP_ERROR);
        EXPECT_EQ(needed, 0u);
        for (char c : buf) {
            ASSERT_EQ(c, '#') << "nothing written";
        }
        needed = 12345;
        EXPECT_EQ(sp_ruleset_redirect(rs.get(), m, "/p/x", 4, nullptr, 0,
                                      nullptr, 0, &needed),
                  SP_ERROR);
        EXPECT_EQ(needed, 0u);
    }
}

TEST(RedirectStatus, LengthQueryIsOk)
{
    Ruleset rs;
    sptest::must_add(rs, "301 /p/ /q/");
    sptest::must_compile(rs);
    Match r = rs.match("/p/a b");
    ASSERT_EQ(r.found, 1);
    size_t needed = 0;
    EXPECT_EQ(sp_ruleset_redirect(rs.get(), &r.m, "/p/a b", 6, "k=v", 3,
                                  nullptr, 0, &needed),
              SP_OK);
    EXPECT_EQ(needed, std::string("/q/a%20b?k=v").size());
}

} // namespace
