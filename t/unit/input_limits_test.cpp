// Input that is no rules file, or too big to be one: NUL bytes, UTF-16,
// FIFOs and devices, oversized files and tokens; and error messages that
// stay printable and short whatever they quote.

#include "helpers.hpp"

#include <cstring>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace std::string_literals;

using sptest::Result;
using sptest::Ruleset;
using sptest::TempDir;

namespace {

const std::string kNotText = ": rules files are UTF-8 or ASCII text";

// Loads text as a rules file; returns the error without the file's path.
std::string load_error(const std::string &text)
{
    TempDir dir;
    Ruleset rs;
    std::string path = dir.write("a.rules", text);
    Result r = rs.add_file(path);
    EXPECT_EQ(r.rc, SP_ERROR) << "accepted";
    if (r.err.compare(0, path.size(), path) != 0) {
        ADD_FAILURE() << "error does not start with the path: " << r.err;
        return r.err;
    }
    return r.err.substr(path.size());
}

bool printable(const std::string &s)
{
    for (unsigned char c : s) {
        if (c < 0x20 || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

// sp_ruleset_add with the given tokens and error buffer size.
std::string add_error(const std::vector<std::string> &tokens,
                      size_t size = 1024)
{
    Ruleset rs;
    std::vector<sp_str_t> args;
    for (const std::string &t : tokens) {
        args.push_back(sptest::to_str(t));
    }
    std::vector<char> err(size + 16, '\x5a');
    int rc = sp_ruleset_add(rs.get(), args.data(), args.size(),
                            sptest::to_str("t.conf"), 7, err.data(), size);
    EXPECT_EQ(rc, SP_ERROR);
    for (size_t i = size; i < size + 16; i++) {
        EXPECT_EQ(err[i], '\x5a') << "written past the buffer at " << i;
    }
    if (size == 0) {
        return {};
    }
    EXPECT_NE(std::memchr(err.data(), '\0', size), nullptr) << "unterminated";
    return err.data();
}

} // namespace

// ------------------------------------------------------------ not text

TEST(NotText, NulByteNamesLineAndColumn)
{
    EXPECT_EQ(load_error("410 = /a\n410 = /b\n410 = /c\0d\n"s),
              ":3: NUL byte at column 9" + kNotText);
}

TEST(NotText, NulInACommentOrQuoteIsAnErrorToo)
{
    EXPECT_EQ(load_error("410 = /a\n# x\0y\n"s),
              ":2: NUL byte at column 4" + kNotText);
    EXPECT_EQ(load_error("410 = \"/a\0\"\n"s),
              ":1: NUL byte at column 10" + kNotText);
}

TEST(NotText, NulAfterAByteOrderMarkCountsFromTheText)
{
    EXPECT_EQ(load_error("\xEF\xBB\xBF\0"s), ":1: NUL byte at column 1" + kNotText);
}

TEST(NotText, NulOnTheLastLineWithoutNewline)
{
    EXPECT_EQ(load_error("410 = /a\n\0"s), ":2: NUL byte at column 1" + kNotText);
}

TEST(NotText, Utf16ByteOrderMarks)
{
    EXPECT_EQ(load_error("\xFF\xFE" "4\0" "1\0" "0\0"s),
              ":1: UTF-16 text (byte order mark FF FE)" + kNotText);
    EXPECT_EQ(load_error("\xFE\xFF" "\0" "4\0" "1"s),
              ":1: UTF-16 text (byte order mark FE FF)" + kNotText);
    EXPECT_EQ(load_error("4\0" "1\0" "0\0"s),
              ":1: NUL byte at column 2" + kNotText);
}

TEST(NotText, LoneFfOrFeIsNoByteOrderMark)
{
    EXPECT_EQ(load_error("\xFF"), ":1: expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]");
    EXPECT_EQ(load_error("\xFE\xFE 410 /a\n"),
              ":1: invalid status code \"\\xFE\\xFE\"");
}

TEST(NotText, ManyLinesAreCheckedInLinearTime)
{
    // a NUL search that ran to the end of the text on every line would
    // take minutes here
    std::string text;
    for (int i = 0; i < 200000; i++) {
        text += "410 = /p/" + std::to_string(i) + "\n";
    }
    text += "x\0"s;
    EXPECT_EQ(load_error(text), ":200001: NUL byte at column 2" + kNotText);
}

// ------------------------------------------------ not a regular file

TEST(NotAFile, FifoIsRefusedWithoutWaitingForAWriter)
{
    TempDir dir;
    std::string path = dir.name("fifo.rules");
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    Ruleset rs;
    Result r = rs.add_file(path);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, path + ": cannot read: not a regular file");
}

TEST(NotAFile, DeviceIsRefused)
{
    Ruleset rs;
    Result r = rs.add_file("/dev/zero");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, "/dev/zero: cannot read: not a regular file");
}

TEST(NotAFile, FileOverOneGibIsRefusedBeforeReading)
{
    TempDir dir;
    std::string path = dir.write("big.rules", "");
    ASSERT_EQ(truncate(path.c_str(), (off_t(1) << 30) + 1), 0);
    Ruleset rs;
    Result r = rs.add_file(path);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, path + ": file is too large: 1073741825 bytes, at most "
                            "1073741824 (1 GiB)");
}

TEST(NotAFile, OneFileTwiceIsNamedAsSuch)
{
    TempDir dir;
    std::string path = dir.write("a.rules", "410 = /a\n");
    std::string dir_path = dir.path();
    Ruleset rs;
    ASSERT_TRUE(rs.add_file(path).ok());

    Result r = rs.add_file(path);
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, path + ": already loaded at this level");

    r = rs.add_file(dir_path + "/./a.rules");
    EXPECT_EQ(r.rc, SP_ERROR);
    EXPECT_EQ(r.err, dir_path + "/./a.rules: already loaded at this level as \""
                     + path + "\"");

    // another ruleset (another level) may load it
    Ruleset other;
    EXPECT_TRUE(other.add_file(path).ok());
}

TEST(NotAFile, AFileThatFailedMayBeFixedAndLoaded)
{
    // only loaded files count: a failed load leaves no trace
    TempDir dir;
    std::string path = dir.write("a.rules", "410 = /a\n");
    std::string bad = dir.write("b.rules", "410 b\n");
    Ruleset rs;
    EXPECT_EQ(rs.add_file(bad).rc, SP_ERROR);
    EXPECT_TRUE(rs.add_file(path).ok());
}

// ------------------------------------------------------ token limits

TEST(TokenLimits, PatternAndTargetUpTo64KiB)
{
    Ruleset rs;
    sptest::must_add_tokens(rs, {"410", "/" + std::string(65535, 'a')});
    sptest::must_add_tokens(rs, {"301", "/b", "/" + std::string(65535, 'c')});
    sptest::must_compile(rs);
    EXPECT_EQ(rs.count(), 2u);
}

TEST(TokenLimits, LongerPatternIsRefusedAndShownCut)
{
    EXPECT_EQ(add_error({"410", "=", "/" + std::string(65536, 'a')}),
              "pattern \"/" + std::string(127, 'a')
              + "...\" is too long: 65537 bytes, at most 65536");
    EXPECT_EQ(add_error({"410", "~", "^/" + std::string(1 << 20, 'a')}),
              "pattern \"^/" + std::string(126, 'a')
              + "...\" is too long: 1048578 bytes, at most 65536");
}

TEST(TokenLimits, LongerTargetIsRefused)
{
    EXPECT_EQ(add_error({"301", "/a", "/" + std::string(65536, 'b')}),
              "target \"/" + std::string(127, 'b')
              + "...\" is too long: 65537 bytes, at most 65536");
}

TEST(TokenLimits, LongCodeIsShownCut)
{
    EXPECT_EQ(add_error({std::string(5000, '4'), "/a"}),
              "invalid status code \"" + std::string(128, '4') + "...\"");
}

TEST(TokenLimits, NulInAPatternNeverMatches)
{
    EXPECT_EQ(add_error({"410", "=", "/a\0b"s}),
              "pattern \"/a\\x00b\" holds a NUL byte");
}

// -------------------------------------------------------- messages

TEST(Messages, ControlAndNonAsciiBytesAreEscaped)
{
    EXPECT_EQ(add_error({"\x1b[2J\a", "/a"}),
              "invalid status code \"\\x1B[2J\\x07\"");
    EXPECT_EQ(add_error({"\0\0\x01"s, "/a"}),
              "invalid status code \"\\x00\\x00\\x01\"");
    EXPECT_EQ(add_error({"\xC3\xA9\x7F", "/a"}),
              "invalid status code \"\\xC3\\xA9\\x7F\"");
}

TEST(Messages, LongMessagesKeepTheirStartAndEnd)
{
    std::string err = add_error({"410", "~", "^/(" + std::string(60000, 'a')});
    EXPECT_LE(err.size(), 900u);
    EXPECT_TRUE(sptest::starts_with(err, "invalid regex \"^/(aaaa"));
    EXPECT_TRUE(sptest::contains(err, "aaa...aaa"));
    size_t at = err.rfind("\" at offset 60003: missing closing parenthesis");
    EXPECT_EQ(at + std::strlen("\" at offset 60003: missing closing "
                               "parenthesis"),
              err.size())
        << err;
}

TEST(Messages, CutNeverSplitsAnEscape)
{
    // a regex of control bytes: its message is mostly \xHH
    std::string pattern = "^/(";
    for (int i = 0; i < 3000; i++) {
        pattern += static_cast<char>(1 + i % 31);
    }
    for (size_t size : {1024, 100, 37, 16, 5}) {
        std::string err = add_error({"410", "~", pattern}, size);
        EXPECT_LT(err.size(), size);
        EXPECT_TRUE(printable(err)) << err;
        // every backslash starts a whole \xHH
        for (size_t i = err.find('\\'); i != std::string::npos;
             i = err.find('\\', i + 1)) {
            ASSERT_LE(i + 4, err.size()) << size << ": " << err;
            EXPECT_EQ(err[i + 1], 'x') << size << ": " << err;
        }
        if (size >= 37) {
            EXPECT_TRUE(sptest::contains(err, "...")) << err;
        }
    }
}

TEST(Messages, TinyBuffers)
{
    EXPECT_EQ(add_error({"abc", "/a"}, 1), "");
    EXPECT_EQ(add_error({"abc", "/a"}, 4), "...");
    EXPECT_EQ(add_error({"abc", "/a"}, 0), "");
    EXPECT_EQ(add_error({"abc", "/a"}, 26), "invalid status code \"abc\"");
    EXPECT_EQ(add_error({"abc", "/a"}, 25), "invalid status...e \"abc\"");
}
