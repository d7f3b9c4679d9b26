// lint --zone: rules files checked as bodies for status_policy_api, with
// the digest a zone holding them reports.

#pragma once

#include <string>
#include <vector>

namespace check_tool {

// Prints "FILE: N rules, digest HEX" for each good file and
// "FILE:LINE: reason" for a bad one; 1 if any is bad.
int lint_zone_bodies(const std::vector<std::string> &files);

} // namespace check_tool
