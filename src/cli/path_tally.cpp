#include "path_tally.hpp"

#include <algorithm>
#include <cstring>

namespace check_tool {

namespace {

constexpr size_t kBlockSize = 1 << 20;

} // namespace

void PathTally::add(uint32_t rule, std::string_view path)
{
    key_.assign(reinterpret_cast<const char *>(&rule), sizeof(rule));
    key_.append(path);

    auto found = hits_.find(key_);
    if (found != hits_.end()) {
        found->second++;
        return;
    }
    hits_.emplace(store(key_), 1);
}

std::string_view PathTally::store(std::string_view key)
{
    if (block_size_ - block_used_ < key.size()) {
        block_size_ = std::max(kBlockSize, key.size());
        blocks_.push_back(std::make_unique<char[]>(block_size_));
        block_used_ = 0;
    }
    char *at = blocks_.back().get() + block_used_;
    std::memcpy(at, key.data(), key.size());
    block_used_ += key.size();
    return {at, key.size()};
}

std::vector<PathTally::Entry> PathTally::top(size_t n) const
{
    std::vector<Entry> all;
    all.reserve(hits_.size());
    for (const auto &[key, hits] : hits_) {
        uint32_t rule;
        std::memcpy(&rule, key.data(), sizeof(rule));
        all.push_back({rule, hits, key.substr(sizeof(rule))});
    }
    std::sort(all.begin(), all.end(), [](const Entry &a, const Entry &b) {
        if (a.rule != b.rule) {
            return a.rule < b.rule;
        }
        return a.hits != b.hits ? a.hits > b.hits : a.path < b.path;
    });

    // keep the first n of each rule's run
    std::vector<Entry> kept;
    for (size_t i = 0, run = 0; i < all.size(); i++) {
        run = i > 0 && all[i].rule == all[i - 1].rule ? run + 1 : 0;
        if (run < n) {
            kept.push_back(all[i]);
        }
    }
    return kept;
}

} // namespace check_tool
