// Splits the text of a rules file into lines of tokens: blanks separate
// tokens, '#' at the start of a token comments out the rest of the line,
// "..." and '...' quote a token (with \" \' \\ escapes).  CRLF endings, a
// UTF-8 byte order mark and a missing final newline are accepted.  A NUL
// byte anywhere in a line, or a UTF-16 byte order mark, is an error: the
// file is not text (or not UTF-8), and no request path holds a NUL.

#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace status_policy {

class RulesFileReader {
public:
    // One more than any rule needs, so that extra tokens are detected.
    static constexpr size_t max_tokens = 5;

    struct Line {
        unsigned number = 0;
        size_t count = 0;                       // may exceed max_tokens
        std::array<std::string_view, max_tokens> tokens;
    };

    explicit RulesFileReader(std::string_view text) noexcept;

    // Reads the next line that has tokens.  Returns false at the end of
    // the text or on an error (then error() is not empty and
    // line.number names the line).
    bool next(Line &line);

    const std::string &error() const noexcept { return error_; }

private:
    bool read_quoted(Line &line, size_t slot);
    bool check_line(size_t end);

    std::string_view text_;
    size_t pos_ = 0;
    unsigned line_ = 1;
    std::string error_;
    std::array<std::string, max_tokens> unescaped_;
};

} // namespace status_policy
