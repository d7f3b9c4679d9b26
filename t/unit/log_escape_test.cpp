// sp_log_escape: request-derived strings in log lines.  Control bytes,
// bytes from 0x7f up, '"' and '\' become \xHH in uppercase hex; the rest
// stays; the length protocol is that of the other writers of the C API.

#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string escape(const std::string &s)
{
    size_t n = sp_log_escape(s.data(), s.size(), nullptr, 0);
    std::string out(n, '\0');
    EXPECT_EQ(sp_log_escape(s.data(), s.size(), out.data(), out.size()), n);
    return out;
}

TEST(LogEscape, PrintableAsciiStays)
{
    const std::string s = "example.com/a b/~x?q=1&r=<2>'#%20";
    EXPECT_EQ(escape(s), s);
    EXPECT_EQ(sp_log_escape(s.data(), s.size(), nullptr, 0), s.size());
}

TEST(LogEscape, QuotesBackslashControlAndHighBytes)
{
    EXPECT_EQ(escape("a\"b"), "a\\x22b");
    EXPECT_EQ(escape("a\\b"), "a\\x5Cb");
    EXPECT_EQ(escape(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(escape("\n\r\t\x1f"), "\\x0A\\x0D\\x09\\x1F");
    EXPECT_EQ(escape("\x7f\x80\xab\xff"), "\\x7F\\x80\\xAB\\xFF");
    EXPECT_EQ(escape("/caf\xC3\xA9"), "/caf\\xC3\\xA9");
}

TEST(LogEscape, EveryByte)
{
    for (int b = 0; b < 256; b++) {
        std::string in(1, static_cast<char>(b));
        bool kept = b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
        char want[8];
        std::snprintf(want, sizeof(want), "\\x%02X", b);
        EXPECT_EQ(escape(in), kept ? in : std::string(want)) << b;
    }
}

TEST(LogEscape, EmptyAndNull)
{
    EXPECT_EQ(sp_log_escape(nullptr, 0, nullptr, 0), 0u);
    char buf[4] = {'#', '#', '#', '#'};
    EXPECT_EQ(sp_log_escape("", 0, buf, sizeof(buf)), 0u);
    EXPECT_EQ(buf[0], '#');
}

TEST(LogEscape, ShortBufferGetsThePrefixAndTheFullLength)
{
    const std::string in = "/a\"b\x01\xfe";
    const std::string full = escape(in);
    ASSERT_EQ(full, "/a\\x22b\\x01\\xFE");
    for (size_t size = 0; size <= full.size() + 2; size++) {
        std::vector<char> buf(full.size() + 16, '\x5a');
        EXPECT_EQ(sp_log_escape(in.data(), in.size(), buf.data(), size),
                  full.size())
            << "size " << size;
        size_t wrote = size < full.size() ? size : full.size();
        EXPECT_EQ(std::string(buf.data(), wrote), full.substr(0, wrote));
        for (size_t i = wrote; i < buf.size(); i++) {
            ASSERT_EQ(buf[i], '\x5a') << "size " << size << ": byte " << i;
        }
    }
}

} // namespace
