#include "redirect.hpp"

#include "escape.hpp"

namespace status_policy {

namespace {

// Bytes that stay as they are in a path: RFC 3986 unreserved, sub-delims,
// ':', '@' and '/'.
bool is_path_safe(unsigned char c) noexcept
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&':
    case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
    case '=': case ':': case '@': case '/':
        return true;
    }
    return false;
}

// The query string is passed on as the client sent it (it is still
// encoded); only bytes that could break the header are escaped.
bool is_query_safe(unsigned char c) noexcept
{
    return c > 0x20 && c < 0x7f && c != '"';
}

class Writer {
public:
    Writer(char *buf, size_t size) noexcept : buf_(buf), size_(size) {}

    void put(char c) noexcept
    {
        if (len_ < size_) {
            buf_[len_] = c;
        }
        len_++;
    }

    void append(std::string_view s) noexcept
    {
        for (char c : s) {
            put(c);
        }
    }

    template <typename Safe>
    void escape(std::string_view s, Safe safe) noexcept
    {
        for (char c : s) {
            unsigned char u = static_cast<unsigned char>(c);
            if (safe(u)) {
                put(c);
            } else {
                put('%');
                put(hex_digit(u >> 4));
                put(hex_digit(u));
            }
        }
    }

    size_t length() const noexcept { return len_; }

private:
    char *buf_;
    size_t size_;
    size_t len_ = 0;
};

std::string_view capture(const RedirectInput &in, unsigned n) noexcept
{
    if (static_cast<int>(n) >= in.ncaptures) {
        return {};
    }
    long start = in.captures[2 * n];
    long end = in.captures[2 * n + 1];
    if (start < 0 || end < start
        || static_cast<size_t>(end) > in.path.size()) {
        return {};
    }
    return in.path.substr(static_cast<size_t>(start),
                          static_cast<size_t>(end - start));
}

} // namespace

size_t expand_redirect(const RedirectInput &in, char *buf, size_t size)
{
    Writer out(buf, size);

    if (is_regex(in.kind)) {
        for (size_t i = 0; i < in.target.size(); i++) {
            char c = in.target[i];
            if (c == '$' && i + 1 < in.target.size()
                && in.target[i + 1] >= '0' && in.target[i + 1] <= '9') {
                out.escape(capture(in, static_cast<unsigned>(
                                           in.target[i + 1] - '0')),
                           is_path_safe);
                i++;
            } else {
                out.put(c);
            }
        }
    } else {
        out.append(in.target);
        if (is_prefix(in.kind) && in.prefix_len <= in.path.size()) {
            out.escape(in.path.substr(in.prefix_len), is_path_safe);
        }
    }

    if (!in.args.empty() && in.target.find('?') == std::string_view::npos) {
        out.put('?');
        out.escape(in.args, is_query_safe);
    }

    return out.length();
}

} // namespace status_policy
