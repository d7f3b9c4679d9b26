// Lines of a file or a pipe, read in large blocks: a million-line log
// costs a few hundred reads and no allocation per line.

#pragma once

#include <cstdio>
#include <string_view>
#include <vector>

namespace check_tool {

class LineReader {
public:
    explicit LineReader(std::FILE *in);

    // The next line without its "\n"; valid until the next call.  Returns
    // false at the end of the input or on a read error (see failed()).
    bool next(std::string_view &line);

    bool failed() const noexcept { return failed_; }

private:
    bool fill();

    std::FILE *in_;
    std::vector<char> buffer_;
    size_t start_ = 0;      // first unread byte
    size_t end_ = 0;        // end of the bytes read
    bool eof_ = false;
    bool failed_ = false;
};

} // namespace check_tool
