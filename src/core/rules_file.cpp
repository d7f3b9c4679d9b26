#include "rules_file.hpp"

#include <cstring>

namespace status_policy {

namespace {

bool is_blank(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

} // namespace

RulesFileReader::RulesFileReader(std::string_view text) noexcept : text_(text)
{
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
        pos_ = 3;
    }
}

bool RulesFileReader::next(Line &line)
{
    while (pos_ < text_.size()) {
        line.number = line_;
        line.count = 0;

        size_t end = text_.find('\n', pos_);
        if (!check_line(end == std::string_view::npos ? text_.size() : end)) {
            return false;
        }

        bool semicolon = false;

        while (pos_ < text_.size() && text_[pos_] != '\n') {
            char c = text_[pos_];

            if (is_blank(c)) {
                pos_++;
                continue;
            }

            if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n') {
                    pos_++;
                }
                break;
            }

            size_t slot = line.count < max_tokens ? line.count : max_tokens - 1;

            if (c == '"' || c == '\'') {
                if (!read_quoted(line, slot)) {
                    return false;
                }
                line.count++;
                semicolon = false;
                continue;
            }

            size_t start = pos_;
            while (pos_ < text_.size() && text_[pos_] != '\n'
                   && !is_blank(text_[pos_])) {
                pos_++;
            }
            line.tokens[slot] = text_.substr(start, pos_ - start);
            line.count++;
            semicolon = line.tokens[slot].back() == ';';
        }

        if (pos_ < text_.size()) {
            pos_++;             // the '\n'
        }
        line_++;

        if (line.count == 0) {
            continue;
        }

        if (semicolon) {
            // A habit from nginx.conf that would silently change the
            // pattern or target; a path that really ends in ';' is quoted.
            error_ = "unexpected \";\" at the end of the rule "
                     "(rules files take no semicolons; quote a pattern "
                     "that ends in \";\")";
            return false;
        }

        return true;
    }

    return false;
}

// The bytes of the line from pos_ to end, before any token is read.
bool RulesFileReader::check_line(size_t end)
{
    if (line_ == 1 && pos_ == 0 && text_.size() >= 2
        && ((text_[0] == '\xFF' && text_[1] == '\xFE')
            || (text_[0] == '\xFE' && text_[1] == '\xFF'))) {
        error_ = "UTF-16 text (byte order mark ";
        error_ += text_[0] == '\xFF' ? "FF FE" : "FE FF";
        error_ += "): rules files are UTF-8 or ASCII text";
        return false;
    }

    const void *nul = std::memchr(text_.data() + pos_, '\0', end - pos_);
    if (nul == nullptr) {
        return true;
    }

    size_t column = static_cast<size_t>(static_cast<const char *>(nul)
                                        - text_.data()) - pos_ + 1;
    error_ = "NUL byte at column " + std::to_string(column)
             + ": rules files are UTF-8 or ASCII text";
    return false;
}

bool RulesFileReader::read_quoted(Line &line, size_t slot)
{
    char quote = text_[pos_++];
    size_t start = pos_;
    bool escaped = false;

    // Fast path: no backslash, the token is a view of the text.
    while (pos_ < text_.size() && text_[pos_] != quote
           && text_[pos_] != '\n') {
        if (text_[pos_] == '\\') {
            escaped = true;
            break;
        }
        pos_++;
    }

    if (!escaped) {
        if (pos_ >= text_.size() || text_[pos_] != quote) {
            error_ = "unterminated quote";
            return false;
        }
        line.tokens[slot] = text_.substr(start, pos_ - start);
        pos_++;
    } else {
        std::string &out = unescaped_[slot];
        out.assign(text_.substr(start, pos_ - start));

        for (;;) {
            if (pos_ >= text_.size() || text_[pos_] == '\n') {
                error_ = "unterminated quote";
                return false;
            }
            char c = text_[pos_];
            if (c == quote) {
                pos_++;
                break;
            }
            if (c == '\\' && pos_ + 1 < text_.size()) {
                char n = text_[pos_ + 1];
                if (n == '"' || n == '\'' || n == '\\') {
                    out += n;
                    pos_ += 2;
                    continue;
                }
            }
            out += c;
            pos_++;
        }
        line.tokens[slot] = out;
    }

    if (pos_ < text_.size() && text_[pos_] != '\n' && !is_blank(text_[pos_])
        && text_[pos_] != '#') {
        error_ = "unexpected \"";
        error_ += text_[pos_];
        error_ += "\" after a quoted string";
        return false;
    }

    return true;
}

} // namespace status_policy
