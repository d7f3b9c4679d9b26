// parse_request_line: what nginx 1.22 accepts as a request line and the
// target it takes from it.  Every expectation here was checked against a
// running nginx (a version line over 1 is its 505, allowed here because
// nginx logs HTTP/2 and HTTP/3 requests that way).

#include "request_line.hpp"

#include <gtest/gtest.h>

#include <string>

using status_policy::parse_request_line;
using status_policy::RequestError;
using status_policy::RequestLine;

namespace {

// The target nginx takes, or "error: reason".
std::string target_of(const std::string &line)
{
    RequestLine r;
    RequestError error = parse_request_line(line, r);
    if (error != RequestError::none) {
        return std::string("error: ") + describe(error);
    }
    return std::string(r.target);
}

TEST(RequestLine, OriginForm)
{
    RequestLine r;
    ASSERT_EQ(parse_request_line("GET /a/b?x=1 HTTP/1.1", r),
              RequestError::none);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/a/b?x=1");
    EXPECT_EQ(r.version, "HTTP/1.1");
}

TEST(RequestLine, ExtraSpacesBetweenWordsAreAccepted)
{
    EXPECT_EQ(target_of("GET  /a  HTTP/1.1"), "/a");
    EXPECT_EQ(target_of("GET /a HTTP/1.1 "), "/a");
}

TEST(RequestLine, AbsoluteFormGivesWhatFollowsTheAuthority)
{
    EXPECT_EQ(target_of("GET http://example.com/x/../y?q HTTP/1.1"),
              "/x/../y?q");
    EXPECT_EQ(target_of("GET http://example.com HTTP/1.1"), "");
    EXPECT_EQ(target_of("GET http://example.com?q=1 HTTP/1.1"), "?q=1");
    EXPECT_EQ(target_of("GET http://example.com:8080/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET http://example.com:/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET https://Example.COM./p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET HTTP://example.com/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET h1tp://example.com/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET http://[::1]/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET http://1.2.3.4:80/p HTTP/1.1"), "/p");
    EXPECT_EQ(target_of("GET http://.a/p HTTP/1.1"), "/p");
}

TEST(RequestLine, BadAbsoluteForms)
{
    EXPECT_EQ(target_of("GET http:/x HTTP/1.1"),
              "error: invalid request target");
    EXPECT_EQ(target_of("GET HTTP/1.1"), "error: invalid request target");
    for (const char *line : {"GET http://user@example.com/p HTTP/1.1",
                             "GET http://example.com#x HTTP/1.1",
                             "GET http://exa_mple.com/p HTTP/1.1",
                             "GET http://ex%41mple.com/p HTTP/1.1",
                             "GET http:///p HTTP/1.1",
                             "GET http://example.com:8x/p HTTP/1.1",
                             "GET http://[fe80::1%25eth0]/p HTTP/1.1",
                             "GET http://a..b/p HTTP/1.1",
                             "GET http://../p HTTP/1.1"}) {
        EXPECT_EQ(target_of(line), "error: invalid host in the request target")
            << line;
    }
}

TEST(RequestLine, OtherTargetsAreRejected)
{
    for (const char *line : {"GET * HTTP/1.1", "OPTIONS * HTTP/1.1",
                             "GET x HTTP/1.1", "GET ?x HTTP/1.1"}) {
        EXPECT_EQ(target_of(line), "error: invalid request target") << line;
    }
}

TEST(RequestLine, Methods)
{
    EXPECT_EQ(target_of("M-SEARCH /a HTTP/1.1"), "/a");
    EXPECT_EQ(target_of("G_E-T /a HTTP/1.1"), "/a");
    for (const char *line : {"get /a HTTP/1.1", "GET1 /a HTTP/1.1",
                             "/a HTTP/1.1", " GET /a HTTP/1.1", "GET",
                             "\x16\x03\x01\x02"}) {
        EXPECT_EQ(target_of(line), "error: invalid method") << line;
    }
}

TEST(RequestLine, Http09HasNoVersionAndAllowsOnlyGet)
{
    RequestLine r;
    ASSERT_EQ(parse_request_line("GET /a/../b", r), RequestError::none);
    EXPECT_EQ(r.target, "/a/../b");
    EXPECT_EQ(r.version, "");
    EXPECT_EQ(target_of("POST /a"), "error: HTTP/0.9 allows only GET");
}

TEST(RequestLine, Versions)
{
    for (const char *line : {"GET /a HTTP/1.0", "GET /a HTTP/1.10",
                             "GET /a HTTP/1.01", "GET /a HTTP/2.0",
                             "GET /a HTTP/3.0"}) {
        EXPECT_EQ(target_of(line), "/a") << line;
    }
    for (const char *line : {"GET /a HTTP/1", "GET /a http/1.1",
                             "GET /a HTTP/0.9", "GET /a HTTP/01.1",
                             "GET /a HTTP/1.1x", "GET /a HTTP/9.9",
                             "GET /a HTTP/1000.1", "GET /a HTTP/1."}) {
        EXPECT_EQ(target_of(line), "error: invalid HTTP version") << line;
    }
}

TEST(RequestLine, SpacesAndControlBytesInTheTargetAreRejected)
{
    EXPECT_EQ(target_of("GET /a b HTTP/1.1"),
              "error: space in the request target");
    EXPECT_EQ(target_of("GET /a HTTP/1.1 extra"),
              "error: space in the request target");
    for (const char *line : {"GET /a\tb HTTP/1.1", "GET /a\x7f HTTP/1.1",
                             "GET /a?b\x01 HTTP/1.1"}) {
        EXPECT_EQ(target_of(line), "error: control byte in the request line")
            << line;
    }
    EXPECT_EQ(target_of(std::string("GET /a\0b HTTP/1.1", 17)),
              "error: control byte in the request line");
}

TEST(RequestLine, BytesOverAsciiAreAccepted)
{
    EXPECT_EQ(target_of("GET /\xc3\xa9 HTTP/1.1"), "/\xc3\xa9");
    EXPECT_EQ(target_of("GET /\x80 HTTP/1.1"), "/\x80");
}

TEST(RequestLine, EmptyRequests)
{
    EXPECT_EQ(target_of(""), "error: no request line");
    EXPECT_EQ(target_of("-"), "error: no request line");
}

} // namespace
