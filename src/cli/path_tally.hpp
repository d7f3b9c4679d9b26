// Hits per (rule, path) pair over a whole log, in one hash table whose
// keys live in a few large blocks: a new path costs no allocation of its
// own, and a hit on a known one costs one lookup.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace check_tool {

class PathTally {
public:
    struct Entry {
        uint32_t rule;
        uint64_t hits;
        std::string_view path;
    };

    void add(uint32_t rule, std::string_view path);

    // At most n paths per rule, most hits first (ties by path), grouped by
    // rule in ascending order; views stay valid while the tally lives.
    std::vector<Entry> top(size_t n) const;

private:
    std::string_view store(std::string_view key);

    std::unordered_map<std::string_view, uint64_t> hits_;
    std::vector<std::unique_ptr<char[]>> blocks_;
    size_t block_used_ = 0;
    size_t block_size_ = 0;
    std::string key_;           // reused: rule index bytes, then the path
};

} // namespace check_tool
