// status-policy-check replay: reads the log and prints the report.

#pragma once

#include "status_policy_core.h"

#include <string>

#include "options.hpp"

namespace check_tool {

// Returns the exit status: 0, or 1 if the log cannot be read.
int replay_log(const sp_ruleset_t *rs, const std::string &log,
               const Options &options);

} // namespace check_tool
