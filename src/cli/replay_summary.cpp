#include "replay_summary.hpp"

#include <algorithm>

namespace check_tool {

std::map<int, CodeCounts> code_counts(const sp_ruleset_t *rules,
                                      const ReplayCounts &counts)
{
    std::map<int, CodeCounts> codes;
    for (uint32_t i = 0; i < counts.rules.size(); i++) {
        if (counts.rules[i].hits == 0) {
            continue;
        }
        sp_rule_info_t info;
        if (sp_ruleset_rule(rules, i, &info) == SP_OK) {
            CodeCounts &c = codes[info.code];
            c.requests += counts.rules[i].hits;
            c.changed += counts.rules[i].changed;
        }
    }
    return codes;
}

std::vector<uint32_t> rules_by_hits(const ReplayCounts &counts)
{
    std::vector<uint32_t> order(counts.rules.size());
    for (uint32_t i = 0; i < order.size(); i++) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return counts.rules[a].hits > counts.rules[b].hits;
    });
    return order;
}

std::vector<PathTally::Entry> TopPaths::of(uint32_t rule) const
{
    auto [first, last] = std::equal_range(
        entries_.begin(), entries_.end(), PathTally::Entry{rule, 0, {}},
        [](const PathTally::Entry &a, const PathTally::Entry &b) {
            return a.rule < b.rule;
        });
    return {first, last};
}

std::vector<std::pair<std::string_view, InvalidRequest>>
top_invalid(const ReplayCounts &counts, size_t n)
{
    std::vector<std::pair<std::string_view, InvalidRequest>> all(
        counts.invalid_requests.begin(), counts.invalid_requests.end());
    n = std::min(n, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<long>(n),
                      all.end(), [](const auto &a, const auto &b) {
                          return a.second.count != b.second.count
                                     ? a.second.count > b.second.count
                                     : a.first < b.first;
                      });
    all.resize(n);
    return all;
}

} // namespace check_tool
