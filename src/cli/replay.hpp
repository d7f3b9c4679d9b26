// status-policy-check replay: what the rules would have answered to each
// request of an access log, tallied line by line.

#pragma once

#include "status_policy_core.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "path_tally.hpp"

namespace check_tool {

struct RuleCounts {
    uint64_t hits = 0;
    uint64_t changed = 0;       // hits whose logged status was not the code
    uint64_t match_limit = 0;   // requests on which this regex hit the limit
};

struct InvalidRequest {
    uint64_t count = 0;
    const char *reason = "";
};

struct ReplayCounts {
    uint64_t lines = 0;
    uint64_t unparsed = 0;          // not in combined format
    std::vector<uint64_t> unparsed_lines;   // the first few line numbers
    uint64_t requests = 0;          // parsed lines
    uint64_t invalid = 0;           // nginx answers 400 before any rule
    uint64_t matched = 0;
    uint64_t no_rule = 0;
    uint64_t changed = 0;
    uint64_t match_limit = 0;

    std::vector<RuleCounts> rules;  // by rule index
    PathTally paths;                // normalized paths of the rule hits
    // unescaped request line -> count and reason
    std::unordered_map<std::string, InvalidRequest> invalid_requests;
};

class Replay {
public:
    // examples: how many unparsed line numbers to keep
    Replay(const sp_ruleset_t *rules, size_t examples);

    void add_line(std::string_view line);

    const ReplayCounts &counts() const noexcept { return counts_; }

private:
    void add_invalid(std::string_view request, const char *reason);

    const sp_ruleset_t *rules_;
    size_t examples_;
    ReplayCounts counts_;
    std::string unescaped_;     // buffers reused from line to line
    std::string path_;
};

} // namespace check_tool
