// parse_log_line and unescape_log_field: nginx's combined format and its
// escaping of logged strings.

#include "access_log.hpp"

#include <gtest/gtest.h>

#include <string>

using status_policy::LogEntry;
using status_policy::parse_log_line;
using status_policy::unescape_log_field;

namespace {

TEST(AccessLog, CombinedLine)
{
    LogEntry e;
    ASSERT_TRUE(parse_log_line(
        "203.0.113.7 - alice [22/Nov/2026:22:06:11 +0000] "
        "\"GET /old-blog/x?y=1 HTTP/1.1\" 410 157 "
        "\"https://example.com/\" \"Mozilla/5.0 (X11)\"",
        e));
    EXPECT_EQ(e.request, "GET /old-blog/x?y=1 HTTP/1.1");
    EXPECT_EQ(e.status, 410);
}

TEST(AccessLog, CommonLineAndExtraFields)
{
    LogEntry e;
    ASSERT_TRUE(parse_log_line(
        "::1 - - [22/Nov/2026:22:06:11 +0000] \"GET / HTTP/2.0\" 200 -", e));
    EXPECT_EQ(e.request, "GET / HTTP/2.0");
    EXPECT_EQ(e.status, 200);

    ASSERT_TRUE(parse_log_line(
        "10.0.0.1 - - [22/Nov/2026:22:06:11 +0000] \"HEAD /a HTTP/1.1\" 444 0 "
        "\"-\" \"curl\" \"198.51.100.1\" rt=0.001\r",
        e));
    EXPECT_EQ(e.request, "HEAD /a HTTP/1.1");
    EXPECT_EQ(e.status, 444);
}

TEST(AccessLog, UserNamesWithSpacesAndBrackets)
{
    LogEntry e;
    ASSERT_TRUE(parse_log_line(
        "10.0.0.1 - john [x] doe [22/Nov/2026:22:06:11 +0000] "
        "\"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"",
        e));
    EXPECT_EQ(e.request, "GET /a HTTP/1.1");
}

TEST(AccessLog, EscapedAndRawQuotesInTheRequest)
{
    LogEntry e;
    ASSERT_TRUE(parse_log_line(
        "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] "
        "\"GET /a\\x22b HTTP/1.1\" 200 10 \"-\" \"-\"",
        e));
    EXPECT_EQ(e.request, "GET /a\\x22b HTTP/1.1");

    ASSERT_TRUE(parse_log_line(
        "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] "
        "\"GET /a\\\"b HTTP/1.1\" 200 10 \"-\" \"-\"",
        e));
    EXPECT_EQ(e.request, "GET /a\\\"b HTTP/1.1");

    // escape=none: the closing quote is the one followed by the status
    ASSERT_TRUE(parse_log_line(
        "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] "
        "\"GET /a\" 1 b HTTP/1.1\" 404 10 \"-\" \"-\"",
        e));
    EXPECT_EQ(e.request, "GET /a\" 1 b HTTP/1.1");
    EXPECT_EQ(e.status, 404);
}

TEST(AccessLog, EmptyAndBinaryRequests)
{
    LogEntry e;
    ASSERT_TRUE(parse_log_line(
        "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"\" 400 0 \"-\" \"-\"", e));
    EXPECT_EQ(e.request, "");
    EXPECT_EQ(e.status, 400);

    ASSERT_TRUE(parse_log_line(
        "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] "
        "\"\\x16\\x03\\x01\\x02\\x00\\x01\" 400 157 \"-\" \"-\"",
        e));
    EXPECT_EQ(e.request, "\\x16\\x03\\x01\\x02\\x00\\x01");
}

TEST(AccessLog, GarbageIsRejected)
{
    LogEntry e;
    for (const char *line :
         {"", "garbage", "   ", "1.2.3.4 - - [22/Nov/2026] GET / 200 1",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\"",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\" 20 1",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\" 200",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\" 200 x",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\" 2000 1",
          "1.2.3.4 - - [22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1 200 1",
          "1.2.3.4 - - \"GET / HTTP/1.1\" 200 1",
          "[22/Nov/2026:22:06:24 +0000] \"GET / HTTP/1.1\" 200 1",
          "{\"remote_addr\":\"1.2.3.4\",\"status\":200}"}) {
        EXPECT_FALSE(parse_log_line(line, e)) << line;
    }
}

std::string unescaped(const std::string &field)
{
    std::string buffer;
    return std::string(unescape_log_field(field, buffer));
}

TEST(AccessLog, Unescape)
{
    EXPECT_EQ(unescaped("GET /plain HTTP/1.1"), "GET /plain HTTP/1.1");
    EXPECT_EQ(unescaped("/a\\x22b\\x5Cc\\x09"), "/a\"b\\c\t");
    EXPECT_EQ(unescaped("/\\xC3\\xa9"), "/\xc3\xa9");
    EXPECT_EQ(unescaped("/a\\\"b\\\\c"), "/a\"b\\c");
    EXPECT_EQ(unescaped("\\x00"), std::string(1, '\0'));
    // not escapes: kept as they are
    EXPECT_EQ(unescaped("/a\\xZZ\\x4\\q\\"), "/a\\xZZ\\x4\\q\\");
}

TEST(AccessLog, UnescapeReturnsTheFieldWhenNothingIsEscaped)
{
    std::string field = "GET /a HTTP/1.1";
    std::string buffer;
    std::string_view out = unescape_log_field(field, buffer);
    EXPECT_EQ(out.data(), field.data());
}

} // namespace
