// A plain text table: columns padded to their widest cell, numbers
// aligned right, the last column left unpadded.

#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace check_tool {

class TextTable {
public:
    // right[i]: whether column i is aligned right
    explicit TextTable(std::vector<bool> right) : right_(std::move(right)) {}

    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

    // A line under the last row, outside the columns (an example path).
    void add_note(std::string note);

    void print(std::FILE *out, const char *indent) const;

private:
    std::vector<bool> right_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::vector<std::string>> notes_;   // per row
};

} // namespace check_tool
