// status-policy-check explain: the rule a path hits and why.

#pragma once

#include "status_policy_core.h"

#include <string>

namespace check_tool {

// Prints the explanation; returns the exit status (1 if no rule matches).
int explain_path(const sp_ruleset_t *rs, bool ignore_case,
                 const std::string &path);

} // namespace check_tool
