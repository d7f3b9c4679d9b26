// normalize_path: the $uri nginx 1.22 computes from a request target.
// Every expectation here was checked against a running nginx.

#include "uri_normalize.hpp"

#include <gtest/gtest.h>

#include <string>

using status_policy::normalize_path;
using status_policy::UriError;

namespace {

std::string normalized(const std::string &target)
{
    std::string path = "stale";
    UriError error = normalize_path(target, path);
    return error == UriError::none ? path : std::string("error: ")
                                                + describe(error);
}

TEST(UriNormalize, PlainPathsStayAsTheyAre)
{
    EXPECT_EQ(normalized("/"), "/");
    EXPECT_EQ(normalized("/a/b"), "/a/b");
    EXPECT_EQ(normalized("/a/b/"), "/a/b/");
    EXPECT_EQ(normalized("/a+b"), "/a+b");
    EXPECT_EQ(normalized("/a\\b"), "/a\\b");
    EXPECT_EQ(normalized("/\xc3\xa9"), "/\xc3\xa9");
}

TEST(UriNormalize, QueryAndFragmentAreDropped)
{
    EXPECT_EQ(normalized("/a?x=1"), "/a");
    EXPECT_EQ(normalized("/a?"), "/a");
    EXPECT_EQ(normalized("/a?b/../c"), "/a");
    EXPECT_EQ(normalized("/a#frag?x"), "/a");
    EXPECT_EQ(normalized("/a?x#y"), "/a");
    EXPECT_EQ(normalized("/a?%zz"), "/a") << "the query is not decoded";
}

TEST(UriNormalize, TargetsWithoutPathAreTheRoot)
{
    EXPECT_EQ(normalized(""), "/");
    EXPECT_EQ(normalized("?q=1"), "/");
}

TEST(UriNormalize, PercentEscapesAreDecoded)
{
    EXPECT_EQ(normalized("/%41%42%43"), "/ABC");
    EXPECT_EQ(normalized("/old%2Dpage"), "/old-page");
    EXPECT_EQ(normalized("/a%20b"), "/a b");
    EXPECT_EQ(normalized("/a%0a"), "/a\n");
    EXPECT_EQ(normalized("/a%ff"), "/a\xff");
    EXPECT_EQ(normalized("/a%5Cb"), "/a\\b");
}

TEST(UriNormalize, DecodedDelimitersAreLiteral)
{
    EXPECT_EQ(normalized("/a%3Fb?x=1"), "/a?b");
    EXPECT_EQ(normalized("/a%23b#frag"), "/a#b");
    EXPECT_EQ(normalized("/a%25b"), "/a%b");
    EXPECT_EQ(normalized("/a%252Db"), "/a%2Db") << "decoded once only";
}

TEST(UriNormalize, BadEscapesAreErrors)
{
    for (const char *t : {"/a%zzb", "/a%2", "/a%", "/a%%41", "/a%2g",
                          "/a%ZZ?x"}) {
        EXPECT_EQ(normalized(t), "error: invalid percent-escape") << t;
    }
    EXPECT_EQ(normalized("/a%00b"), "error: %00 in the path");
}

TEST(UriNormalize, SlashesAreMerged)
{
    EXPECT_EQ(normalized("//a//b"), "/a/b");
    EXPECT_EQ(normalized("/a%2Fb"), "/a/b");
    EXPECT_EQ(normalized("/a%2f%2f%2fb"), "/a/b");
    EXPECT_EQ(normalized("/%2F"), "/");
}

TEST(UriNormalize, DotSegmentsAreResolved)
{
    EXPECT_EQ(normalized("/a//b/./c/../d"), "/a/b/d");
    EXPECT_EQ(normalized("/a/./../b"), "/b");
    EXPECT_EQ(normalized("/a/b/c/./../../d"), "/a/d");
    EXPECT_EQ(normalized("//a//..//b"), "/b");
    EXPECT_EQ(normalized("/a/.hidden/./x"), "/a/.hidden/x");
}

TEST(UriNormalize, TrailingDotSegmentsLeaveASlash)
{
    EXPECT_EQ(normalized("/a/."), "/a/");
    EXPECT_EQ(normalized("/a/./."), "/a/");
    EXPECT_EQ(normalized("/a/.."), "/");
    EXPECT_EQ(normalized("/a/b/.."), "/a/");
    EXPECT_EQ(normalized("/a/b/..?x"), "/a/");
    EXPECT_EQ(normalized("/a/..#x"), "/");
    EXPECT_EQ(normalized("/."), "/");
    EXPECT_EQ(normalized("/./"), "/");
    EXPECT_EQ(normalized("/a/.../.."), "/a/");
}

TEST(UriNormalize, EncodedDotsAndSlashesCountAsDotSegments)
{
    EXPECT_EQ(normalized("/a/%2e%2e/b"), "/b");
    EXPECT_EQ(normalized("/a/%2E%2E%2Fb"), "/b");
    EXPECT_EQ(normalized("/a/.%2e/b"), "/b");
    EXPECT_EQ(normalized("/a/%2e"), "/a/");
    EXPECT_EQ(normalized("/a/b/..%2f"), "/a/");
    EXPECT_EQ(normalized("/a%2f..%2fb"), "/b");
    EXPECT_EQ(normalized("/a/.%2F"), "/a/");
}

TEST(UriNormalize, DotsInsideSegmentsAreLiteral)
{
    EXPECT_EQ(normalized("/a/..."), "/a/...");
    EXPECT_EQ(normalized("/a/..b"), "/a/..b");
    EXPECT_EQ(normalized("/a.."), "/a..");
    EXPECT_EQ(normalized("/a%2e%2e"), "/a..");
    EXPECT_EQ(normalized("/a/%2e%2ea"), "/a/..a");
}

TEST(UriNormalize, ClimbingAboveTheRootIsAnError)
{
    for (const char *t : {"/..", "/../a", "/../", "//..", "/a/../..",
                          "/a/b/../../../c", "/%2e%2e/a",
                          "/a/%2e%2e%2f%2e%2e%2fb",
                          "/a/b%2F..%2F..%2F..%2Fc"}) {
        EXPECT_EQ(normalized(t), "error: \"..\" above the root") << t;
    }
}

TEST(UriNormalize, OutputBufferIsReused)
{
    std::string path(1000, 'x');
    ASSERT_EQ(normalize_path("/short", path), UriError::none);
    EXPECT_EQ(path, "/short");
}

} // namespace
