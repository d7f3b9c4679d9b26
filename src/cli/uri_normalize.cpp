#include "uri_normalize.hpp"

namespace status_policy {

namespace {

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// Builds the path one decoded byte at a time.  Every segment is checked
// when the next "/" (or the end) closes it, so "." and ".." written as
// %2e count as dot segments, as they do in nginx.
class PathBuilder {
public:
    explicit PathBuilder(std::string &out) : out_(out)
    {
        out_.assign(1, '/');
    }

    UriError push(char c)
    {
        if (c != '/') {
            out_ += c;
            return UriError::none;
        }
        UriError error = close_segment();
        if (out_.back() != '/') {      // merged slashes leave one
            out_ += '/';
        }
        return error;
    }

    // The last segment, when "." or "..", leaves the path ending in "/".
    UriError finish() { return close_segment(); }

private:
    UriError close_segment()
    {
        size_t start = out_.rfind('/') + 1;
        std::string_view segment(out_.data() + start, out_.size() - start);

        if (segment == ".") {
            out_.resize(start);
        } else if (segment == "..") {
            if (start == 1) {
                return UriError::above_root;
            }
            // drop ".." and the segment before it, keep that one's "/"
            out_.resize(out_.rfind('/', start - 2) + 1);
        }
        return UriError::none;
    }

    std::string &out_;
};

} // namespace

const char *describe(UriError error) noexcept
{
    switch (error) {
    case UriError::none: return "valid";
    case UriError::bad_escape: return "invalid percent-escape";
    case UriError::null_byte: return "%00 in the path";
    case UriError::above_root: return "\"..\" above the root";
    }
    return "invalid path";
}

UriError normalize_path(std::string_view target, std::string &path)
{
    PathBuilder builder(path);
    size_t i = target.empty() || target[0] != '/' ? 0 : 1;

    for (; i < target.size(); i++) {
        char c = target[i];
        if (c == '?' || c == '#') {
            break;
        }
        if (c == '%') {
            int high = i + 2 < target.size() ? hex_value(target[i + 1]) : -1;
            int low = high >= 0 ? hex_value(target[i + 2]) : -1;
            if (low < 0) {
                return UriError::bad_escape;
            }
            c = static_cast<char>(high << 4 | low);
            if (c == '\0') {
                return UriError::null_byte;
            }
            i += 2;
        }
        UriError error = builder.push(c);
        if (error != UriError::none) {
            return error;
        }
    }
    return builder.finish();
}

} // namespace status_policy
