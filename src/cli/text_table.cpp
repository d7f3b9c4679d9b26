#include "text_table.hpp"

#include <algorithm>

namespace check_tool {

namespace {

// Display width: UTF-8 continuation bytes take no column.
size_t width(const std::string &s)
{
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

} // namespace

void TextTable::add_note(std::string note)
{
    notes_.resize(rows_.size());
    if (!rows_.empty()) {
        notes_.back().push_back(std::move(note));
    }
}

void TextTable::print(std::FILE *out, const char *indent) const
{
    std::vector<size_t> widths(right_.size(), 0);
    for (const auto &row : rows_) {
        for (size_t i = 0; i < row.size() && i < widths.size(); i++) {
            widths[i] = std::max(widths[i], width(row[i]));
        }
    }

    for (size_t r = 0; r < rows_.size(); r++) {
        std::string line = indent;
        const auto &row = rows_[r];
        for (size_t i = 0; i < row.size(); i++) {
            bool last = i + 1 == row.size();
            std::string pad(i < widths.size() ? widths[i] - width(row[i]) : 0,
                            ' ');
            bool right = i < right_.size() && right_[i];
            line += right ? pad + row[i] : row[i] + (last ? "" : pad);
            if (!last) {
                line += "  ";
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        std::fprintf(out, "%s\n", line.c_str());
        if (r < notes_.size()) {
            for (const auto &note : notes_[r]) {
                std::fprintf(out, "%s    %s\n", indent, note.c_str());
            }
        }
    }
}

} // namespace check_tool
