#include "line_reader.hpp"

#include <cstring>

namespace check_tool {

namespace {

constexpr size_t kBlockSize = 1 << 20;

} // namespace

LineReader::LineReader(std::FILE *in) : in_(in), buffer_(kBlockSize) {}

bool LineReader::next(std::string_view &line)
{
    for (;;) {
        const char *begin = buffer_.data() + start_;
        auto *newline = static_cast<const char *>(
            std::memchr(begin, '\n', end_ - start_));
        if (newline != nullptr) {
            line = std::string_view(begin, static_cast<size_t>(newline - begin));
            start_ += line.size() + 1;
            return true;
        }
        if (eof_) {
            if (start_ == end_) {
                return false;
            }
            line = std::string_view(begin, end_ - start_);   // no final "\n"
            start_ = end_;
            return true;
        }
        if (!fill()) {
            return false;
        }
    }
}

// Moves the partial line to the front and reads more after it, growing
// the buffer for a line longer than it.
bool LineReader::fill()
{
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
    if (end_ == buffer_.size()) {
        buffer_.resize(buffer_.size() * 2);
    }

    size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, in_);
    end_ += n;
    if (n == 0) {
        if (std::ferror(in_)) {
            failed_ = true;
            return false;
        }
        eof_ = true;
    }
    return true;
}

} // namespace check_tool
