// status-policy-check unused: the rules of some files that no request has
// hit, according to a status_policy_hits_state file.

#pragma once

#include "status_policy_core.h"

#include <string>

#include "options.hpp"

namespace check_tool {

// Returns the exit status: 0, or 1 if the state cannot be read or does
// not know the files.
int list_unused(const sp_ruleset_t *rs, const std::vector<std::string> &files,
                const std::string &state_path, const Options &options);

} // namespace check_tool
