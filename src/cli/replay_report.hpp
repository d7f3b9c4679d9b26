// The two reports of replay: plain text tables and JSON.

#pragma once

#include "status_policy_core.h"

#include <cstddef>
#include <string>

#include "replay.hpp"

namespace check_tool {

struct ReportOptions {
    std::string log_name;
    size_t top = 5;             // paths shown per rule, invalid requests
};

void print_text_report(const sp_ruleset_t *rules, const ReplayCounts &counts,
                       const ReportOptions &options);
void print_json_report(const sp_ruleset_t *rules, const ReplayCounts &counts,
                       const ReportOptions &options);

} // namespace check_tool
