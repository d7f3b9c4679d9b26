// What both replay reports show, derived from the tally: requests per
// code, rules by hits, each rule's top paths, the top invalid requests.

#pragma once

#include "status_policy_core.h"

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "path_tally.hpp"
#include "replay.hpp"

namespace check_tool {

struct CodeCounts {
    uint64_t requests = 0;
    uint64_t changed = 0;
};

// Requests and changed answers per rule code.
std::map<int, CodeCounts> code_counts(const sp_ruleset_t *rules,
                                      const ReplayCounts &counts);

// Rules by hits, most first, then as given.
std::vector<uint32_t> rules_by_hits(const ReplayCounts &counts);

// The top paths of every rule, sorted once.
class TopPaths {
public:
    TopPaths(const ReplayCounts &counts, size_t n)
        : entries_(counts.paths.top(n))
    {
    }

    // The entries of one rule, most hits first.
    std::vector<PathTally::Entry> of(uint32_t rule) const;

private:
    std::vector<PathTally::Entry> entries_;
};

// The most frequent invalid requests, ties by request.
std::vector<std::pair<std::string_view, InvalidRequest>>
top_invalid(const ReplayCounts &counts, size_t n);

} // namespace check_tool
